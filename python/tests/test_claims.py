"""veristat.claims: listing, running, sharding; the content hash is the CLI's."""

from __future__ import annotations

import pandas as pd
import pytest

import veristat.claims as vc
from veristat.exceptions import InvalidParameterError, UnknownNameError

# `veristat verify sparse-random-support --scale test --seed 1 --format json` prints this
# content_hash (the value the claims must keep; see docs/architecture.md).
CLI_HASH = "e602811c6497eabd"


def test_list_claims():
    claims = vc.list_claims()
    assert len(claims) == 14
    assert {"sparse-random-support", "nested-evidence", "ldp-audit"} <= set(claims["name"])
    assert (claims["default_replicates"] > 0).all()


def test_run_matches_the_cli_and_shards_combine():
    full = vc.run("sparse-random-support", scale="test", seed=1)
    assert full.content_hash == CLI_HASH
    assert full.passed is True
    assert isinstance(full.verdict, pd.DataFrame) and full.verdict["pass"].all()
    assert list(full.table.columns[:1]) == ["replicate"]
    parts = [vc.run("sparse-random-support", scale="test", seed=1, shard=(i, 2)) for i in (0, 1)]
    assert all(p.verdict is None and p.passed is None for p in parts)
    combined = (
        pd.concat([p.table for p in parts])
        .sort_values("replicate", kind="stable")
        .reset_index(drop=True)
    )
    pd.testing.assert_frame_equal(combined, full.table)
    one_thread = vc.run("sparse-random-support", scale="test", seed=1, n_jobs=1)
    assert one_thread.content_hash == CLI_HASH


def test_bad_claim_arguments():
    with pytest.raises(UnknownNameError) as e:
        vc.run("no-such-claim")
    assert e.value.param == "claim" and "no-such-claim" in str(e.value)
    with pytest.raises(InvalidParameterError) as e:
        vc.run("sparse-random-support", shard=(3, 2))
    assert e.value.param == "shard"
    with pytest.raises(InvalidParameterError) as e:
        vc.run("sparse-random-support", scale="huge")
    assert e.value.param == "scale"
    with pytest.raises(InvalidParameterError) as e:
        vc.run("sparse-random-support", replicates=0)
    assert e.value.param == "replicates"

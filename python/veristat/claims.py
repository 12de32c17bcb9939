"""The papers' claims, verified by Monte Carlo, from Python.

:func:`list_claims` describes every registered claim; :func:`run` runs one (a scale, a seed and
optionally one shard of the replicates) and returns a :class:`ClaimRun` whose ``table`` is the
result table as a pandas DataFrame (one row per observation, in replicate order) and whose
``verdict`` is the claim's PASS/FAIL checks. ``content_hash`` equals the one printed by
``veristat verify CLAIM --format json`` for the same claim, scale, seed and replicates.

Examples
--------
>>> import veristat.claims as vc
>>> run = vc.run("sparse-random-support", scale="test", seed=1, replicates=2)
>>> run.table.columns[:2].tolist()
['replicate', 'design']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from . import _core

__all__ = ["ClaimRun", "list_claims", "run"]

Scale = Literal["test", "quick", "full"]


@dataclass(frozen=True)
class ClaimRun:
    """One run of a claim.

    Attributes
    ----------
    claim : str
        The claim's name.
    seed : int
        The seed.
    table : pandas.DataFrame
        ``replicate``, the key columns (strings) and the value columns (floats).
    content_hash : str
        FNV-1a hash of the table's values in replicate order (the CLI's ``content_hash``).
    verdict : pandas.DataFrame or None
        One row per check (name, estimate, ci_low, ci_high, level, prediction, pass); ``None``
        for a partial shard, which cannot be judged alone.
    passed : bool or None
        Whether every check passed (``None`` for a partial shard).
    """

    claim: str
    seed: int
    table: pd.DataFrame
    content_hash: str
    verdict: pd.DataFrame | None
    passed: bool | None


def list_claims(scale: Scale = "test") -> pd.DataFrame:
    """Every registered claim.

    Parameters
    ----------
    scale : {"test", "quick", "full"}, default="test"
        The size the claims are configured at (it changes ``default_replicates`` and ``config``).

    Returns
    -------
    pandas.DataFrame
        Columns name, description, prediction, key_columns, value_columns, default_replicates,
        config (JSON text).
    """
    return pd.DataFrame(_core.list_claims(scale))


def run(
    name: str,
    *,
    scale: Scale = "test",
    seed: int = 1,
    replicates: int | None = None,
    shard: tuple[int, int] | None = None,
    n_jobs: int | None = None,
) -> ClaimRun:
    """Run a claim on the CPU.

    Parameters
    ----------
    name : str
        The claim (see :func:`list_claims`).
    scale : {"test", "quick", "full"}, default="test"
        The claim's size.
    seed : int, default=1
        The seed; replicate ``r`` draws from its own stream of it, so the table is the same for
        any ``n_jobs`` or sharding.
    replicates : int, optional
        Total replicates (over all shards); the claim's default at this scale when omitted.
    shard : (int, int), optional
        ``(i, N)``: run only the replicates ``r`` with ``r % N == i``.
    n_jobs : int, optional
        Threads (a local pool); all cores when omitted.

    Returns
    -------
    ClaimRun
        The table, its content hash and the verdict.

    Raises
    ------
    UnknownNameError
        For an unknown claim (a ``ValueError``).
    """
    index, count = (0, 1) if shard is None else (int(shard[0]), int(shard[1]))
    out: dict[str, Any] = _core.run_claim(
        name, scale, int(seed), replicates, index, count, n_jobs
    )
    data: dict[str, Any] = {"replicate": out["replicate"]}
    for col, vals in zip(out["key_columns"], out["keys"]):
        data[col] = vals
    for col, vals in zip(out["value_columns"], out["values"]):
        data[col] = vals
    table = pd.DataFrame(data)
    v = out["verdict"]
    verdict = None if v is None else pd.DataFrame(v["checks"])
    return ClaimRun(
        claim=out["claim"],
        seed=out["seed"],
        table=table,
        content_hash=out["content_hash"],
        verdict=verdict,
        passed=None if v is None else bool(v["pass"]),
    )

"""veristat.metrics against scikit-learn's, on random and tied scores."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.calibration as skc
import sklearn.metrics as skm

import veristat.metrics as vm
from veristat.exceptions import InvalidDataError, InvalidParameterError


@pytest.fixture(params=[0, 1, 2])
def binary(request):
    rng = np.random.default_rng(request.param)
    n = 500
    y = (rng.random(n) < 0.1).astype(int)
    p = np.clip(0.1 + 0.3 * y + 0.2 * rng.standard_normal(n), 0.0, 1.0)
    if request.param == 2:
        p = np.round(p, 1)  # many ties
    return y, p


def test_scores_equal_sklearn(binary):
    y, p = binary
    assert vm.roc_auc_score(y, p) == pytest.approx(skm.roc_auc_score(y, p), rel=1e-12)
    assert vm.average_precision_score(y, p) == pytest.approx(
        skm.average_precision_score(y, p), rel=1e-12
    )
    assert vm.brier_score_loss(y, p) == pytest.approx(skm.brier_score_loss(y, p), rel=1e-12)
    assert vm.log_loss(y, p) == pytest.approx(skm.log_loss(y, p), rel=1e-12)
    assert vm.log_loss(y, p, normalize=False) == pytest.approx(
        skm.log_loss(y, p, normalize=False), rel=1e-12
    )


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_calibration_curve_equals_sklearn(binary, strategy):
    y, p = binary
    # Keep scores off the bin edges, where float rounding of the edges can decide the bin.
    p = np.clip(p * 0.999 + 0.0003, 0, 1)
    ours = vm.calibration_curve(y, p, n_bins=7, strategy=strategy)
    theirs = skc.calibration_curve(y, p, n_bins=7, strategy=strategy)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_labels_and_two_column_probabilities():
    y = np.array([-1, 1, 1, -1, 1])
    p = np.array([0.2, 0.7, 0.4, 0.4, 0.9])
    assert vm.roc_auc_score(y, p) == pytest.approx(skm.roc_auc_score(y, p))
    proba = np.column_stack([1 - p, p])
    assert vm.log_loss(y, proba) == pytest.approx(skm.log_loss(y, proba))
    ys = np.array(["no", "yes", "yes", "no", "yes"])
    assert vm.average_precision_score(ys, p, pos_label="yes") == pytest.approx(
        skm.average_precision_score(ys, p, pos_label="yes")
    )


def test_bad_inputs_raise_value_errors():
    with pytest.raises(InvalidDataError):
        vm.roc_auc_score([1, 1, 1], [0.1, 0.2, 0.3])
    with pytest.raises(InvalidParameterError) as e:
        vm.brier_score_loss([0, 1], [0.5, 1.5])
    assert e.value.param == "score"
    with pytest.raises(ValueError):
        vm.roc_auc_score([0, 1, 2], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError):
        vm.roc_auc_score([0, 1], [0.1, 0.2, 0.3])
    with pytest.raises(InvalidParameterError) as e:
        vm.roc_auc_score([0, 1], [0.1, 0.2], sample_weight=[1, 1])
    assert e.value.param == "sample_weight"
    with pytest.raises(InvalidParameterError) as e:
        vm.calibration_curve([0, 1], [0.1, 0.2], strategy="bogus")
    assert e.value.param == "strategy"


def test_committed_fixtures():
    import json

    from conftest import FIXTURES

    f = json.loads((FIXTURES / "ordinal" / "fixtures.json").read_text())["metrics"]
    y, s = f["y"], f["score"]
    assert vm.roc_auc_score(y, s) == pytest.approx(f["auroc"], rel=1e-12)
    assert vm.average_precision_score(y, s) == pytest.approx(f["average_precision"], rel=1e-12)
    assert vm.brier_score_loss(y, s) == pytest.approx(f["brier"], rel=1e-12)
    assert vm.log_loss(y, s) == pytest.approx(f["log_loss"], rel=1e-12)
    for strategy in ("uniform", "quantile"):
        t, p = vm.calibration_curve(y, s, n_bins=4, strategy=strategy)
        np.testing.assert_allclose(t, f[f"calibration_{strategy}_true"], rtol=1e-12)
        np.testing.assert_allclose(p, f[f"calibration_{strategy}_pred"], rtol=1e-12)

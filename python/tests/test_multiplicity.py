"""veristat.multiplicity on the shipped breast-cancer data: the baseline against scikit-learn's
LogisticRegression, and the properties the ranges and measures must have."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from conftest import DATASETS
from veristat.exceptions import InvalidDataError, InvalidParameterError
from veristat.multiplicity import RidgeLogistic, ambiguity, discrepancy, viable_prediction_ranges


@pytest.fixture(scope="module")
def cancer():
    df = pd.read_csv(DATASETS / "breast_cancer.csv")
    return df.drop(columns="target"), df["target"].to_numpy()


def test_baseline_equals_sklearn(cancer):
    X, y = cancer
    lam = 0.01
    ours = RidgeLogistic(alpha=lam).fit(X, y)
    Xs = StandardScaler().fit_transform(X)
    # J = mean log-loss + lam/2 ||w||^2  <=>  C = 1 / (n lam) in scikit-learn's scaling.
    sk = LogisticRegression(C=1 / (len(y) * lam), tol=1e-14, max_iter=100_000).fit(Xs, y)
    np.testing.assert_allclose(ours.predict_proba(X)[:, 1], sk.predict_proba(Xs)[:, 1], atol=1e-6)
    assert (ours.predict(X) == sk.predict(Xs)).mean() == 1.0
    assert list(ours.feature_names_in_) == list(X.columns)


def test_ranges_and_measures(cancer):
    X, y = cancer
    m = RidgeLogistic(alpha=0.01).fit(X, y)
    r = viable_prediction_ranges(m, epsilon=0.01)
    assert len(r) == len(y) and r["converged"].all()
    assert (r["p_lower"] <= r["p0"] + 1e-12).all() and (r["p0"] <= r["p_upper"] + 1e-12).all()
    np.testing.assert_allclose(r["p0"], m.predict_proba(X)[:, 1], atol=1e-9)
    wider = viable_prediction_ranges(m, epsilon=0.05)
    assert (wider["width"] >= r["width"] - 1e-12).all()
    a = [ambiguity(m, d, epsilon=0.01) for d in (0.01, 0.05, 0.2)]
    assert a[0] >= a[1] >= a[2]
    d = discrepancy(m, [0.01, 0.05, 0.2], epsilon=0.01)
    assert (d["lower"] <= d["upper"]).all()
    np.testing.assert_allclose(d["upper"], a)
    new = viable_prediction_ranges(m, X.iloc[:5], epsilon=0.01)
    pd.testing.assert_frame_equal(new, r.iloc[:5].reset_index(drop=True), rtol=1e-9)


def test_bad_inputs(cancer):
    X, y = cancer
    with pytest.raises(InvalidDataError):
        RidgeLogistic().fit(X, np.arange(len(y)) % 3)
    with pytest.raises(InvalidParameterError) as e:
        RidgeLogistic(alpha=-1.0).fit(X, y)
    assert e.value.param == "alpha"
    m = RidgeLogistic(alpha=0.01).fit(X, y)
    with pytest.raises(InvalidParameterError) as e:
        ambiguity(m, 1.5)
    assert e.value.param == "delta"
    with pytest.raises(InvalidParameterError) as e:
        viable_prediction_ranges(m, epsilon=-1.0)
    assert e.value.param == "epsilon"
    with pytest.raises(ValueError):
        viable_prediction_ranges(m, X.iloc[:, :3])

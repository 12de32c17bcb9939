"""veristat.ordinal against the committed fixtures (tests/fixtures/ordinal, statsmodels and
scipy) and against live statsmodels."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import PredefinedSplit

from conftest import DATASETS, FIXTURES
from veristat.exceptions import InvalidDataError, InvalidParameterError, NotIdentifiableError
from veristat.ordinal import PRESTO, PRESTOCV, LogitLast, ProportionalOdds


@pytest.fixture(scope="module")
def fixtures():
    return json.loads((FIXTURES / "ordinal" / "fixtures.json").read_text())


@pytest.fixture(scope="module")
def dataset_a(fixtures):
    a = fixtures["dataset_a"]
    return np.column_stack([a["x1"], a["x2"]]), np.array(a["y"])


def test_proportional_odds_matches_statsmodels_fixture(fixtures, dataset_a):
    X, y = dataset_a
    m = ProportionalOdds().fit(X, y)
    po = fixtures["po"]
    np.testing.assert_allclose(m.coef_, po["coef"], rtol=1e-6)
    np.testing.assert_allclose(m.cutpoints_, po["cutpoints"], rtol=1e-6)
    np.testing.assert_allclose(m.bse_, po["std_errors"], rtol=1e-5)
    assert m.loglik_ == pytest.approx(po["loglik"], rel=1e-9)
    assert list(m.classes_) == [1, 2, 3]
    p = m.predict_proba(X)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
    table = m.summary()
    assert list(table.index) == ["x1", "x2", "1/2", "2/3"]
    np.testing.assert_allclose(table["std err"].to_numpy()[:2], po["std_errors"], rtol=1e-5)


def test_proportional_odds_on_soup_dataframe(fixtures):
    df = pd.read_csv(DATASETS / "soup.csv")
    X, y = df.drop(columns="sureness_rev"), df["sureness_rev"]
    m = ProportionalOdds().fit(X, y)
    ref = fixtures["po_soup"]
    assert list(m.feature_names_in_) == ref["feature_names"]
    assert m.loglik_ == pytest.approx(ref["loglik"], rel=1e-6)
    np.testing.assert_allclose(m.coef_, ref["coef"], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(m.cutpoints_, ref["cutpoints"], rtol=1e-6, atol=1e-8)
    assert list(m.summary().index[:3]) == ref["feature_names"][:3]


def test_proportional_odds_matches_live_statsmodels():
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    df = pd.read_csv(DATASETS / "winequality-red.csv", sep=";")
    X = df.drop(columns="quality")
    X = (X - X.mean()) / X.std()
    y = df["quality"].to_numpy()
    ours = ProportionalOdds().fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mod = OrderedModel(y - y.min(), X, distr="logit")
        res = mod.fit(method="bfgs", maxiter=10_000, gtol=1e-10, disp=False)
    assert ours.loglik_ == pytest.approx(res.llf, rel=1e-8)
    np.testing.assert_allclose(ours.coef_, res.params[: X.shape[1]], rtol=1e-4, atol=1e-6)
    cut = mod.transform_threshold_params(res.params)[1:-1]
    np.testing.assert_allclose(ours.cutpoints_, cut, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(ours.bse_, res.bse[: X.shape[1]], rtol=1e-3)
    np.testing.assert_allclose(ours.predict_proba(X), res.predict(), atol=1e-6)


def test_presto_fixed_lambdas_match_the_scipy_fixture(fixtures, dataset_a):
    X, y = dataset_a
    for r in fixtures["presto"]:
        m = PRESTO(alpha=r["lambda"], penalize_first=r["w1"] == 1.0).fit(X, y)
        assert m.objective_ == pytest.approx(r["objective"], rel=1e-8)
        assert m.objective_ <= r["objective"] + 1e-12
        np.testing.assert_allclose(m.cutpoints_, r["cutpoints"], atol=1e-5)
        np.testing.assert_allclose(m.coef_, r["coef"], atol=1e-5)
        np.testing.assert_allclose(m.coef_[1], m.psi_[0] + m.psi_[1], atol=1e-15)


def test_presto_cv_and_logit_last(dataset_a):
    X, y = dataset_a
    ids = np.arange(len(y)) % 3
    cv = PRESTOCV(n_alphas=8, cv=PredefinedSplit(ids)).fit(X, y)
    assert cv.alphas_.shape == cv.cv_brier_.shape == (8,)
    best = np.flatnonzero(cv.cv_brier_ == cv.cv_brier_.min())[0]
    assert cv.alpha_ == cv.alphas_[best]
    refit = PRESTO(alpha=cv.alpha_).fit(X, y)
    np.testing.assert_allclose(cv.coef_, refit.coef_, atol=1e-10)
    same = PRESTOCV(n_alphas=8, cv=PredefinedSplit(ids), n_jobs=1).fit(X, y)
    np.testing.assert_array_equal(same.cv_brier_, cv.cv_brier_)
    last = LogitLast().fit(X, y)
    binary = ProportionalOdds().fit(X, (y == 3).astype(int))
    np.testing.assert_allclose(last.coef_, binary.coef_, rtol=1e-10)
    np.testing.assert_allclose(last.predict_proba(X), binary.predict_proba(X), rtol=1e-10)
    assert set(last.predict(X)) <= {2, 3}


def test_ordinal_bad_inputs(dataset_a):
    X, y = dataset_a
    with pytest.raises(InvalidDataError):
        ProportionalOdds().fit(X, np.ones(len(y)))
    with pytest.raises(InvalidDataError):
        PRESTO().fit(X, (y > 1).astype(int))
    with pytest.raises(InvalidParameterError) as e:
        PRESTO(alpha=-1.0).fit(X, y)
    assert e.value.param == "alpha"
    with pytest.raises(InvalidParameterError) as e:
        PRESTO(mixing=2.0).fit(X, y)
    assert e.value.param == "mixing"
    with pytest.raises(InvalidParameterError) as e:
        PRESTOCV(alpha_ratio=1.5).fit(X, y)
    assert e.value.param == "alpha_ratio"
    with pytest.raises(InvalidParameterError) as e:
        ProportionalOdds(max_iter=0).fit(X, y)
    assert e.value.param == "max_iter"
    sep = np.column_stack([y * 10.0, X[:, 0]])
    with pytest.raises(NotIdentifiableError):
        ProportionalOdds().fit(sep, y)

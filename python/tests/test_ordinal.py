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
        PRESTO().fit(X, np.ones(len(y)))
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


# --- links, inference and prediction uncertainty against R's ordinal::clm -------------------
# tests/fixtures/ordinal/links: clm 2022.11.16 on soup for the five links; the cauchit reference
# is the block `cauchit_exact` (clm's Newton with the outer limits at +-1e300, see its README).

LINKS = ["logit", "probit", "cloglog", "loglog", "cauchit"]


@pytest.fixture(scope="module")
def clm():
    return json.loads((FIXTURES / "ordinal" / "links" / "soup_links.json").read_text())


@pytest.fixture(scope="module")
def soup():
    df = pd.read_csv(DATASETS / "soup.csv")
    return df.drop(columns="sureness_rev"), df["sureness_rev"].to_numpy()


def _ref(clm, link):
    return clm["links"]["cauchit_exact" if link == "cauchit" else link]


def _check_fit(m, r):
    assert m.loglik_ == pytest.approx(r["loglik"], rel=1e-8)
    np.testing.assert_allclose(m.coef_, r["coef"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(m.cutpoints_, r["cutpoints"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(m.bse_, r["std_errors"], rtol=0, atol=1e-5)
    np.testing.assert_allclose(m.cutpoint_bse_, r["cutpoint_std_errors"], rtol=0, atol=1e-5)
    np.testing.assert_allclose(m.zvalues_, r["z"], rtol=0, atol=1e-4)
    np.testing.assert_allclose(m.pvalues_, r["p_values"], rtol=1e-4, atol=1e-12)
    ci = m.conf_int(0.05)
    p = len(m.coef_)
    np.testing.assert_allclose(ci[:p, 0], r["conf_int_lower"], rtol=0, atol=1e-5)
    np.testing.assert_allclose(ci[:p, 1], r["conf_int_upper"], rtol=0, atol=1e-5)
    np.testing.assert_allclose(ci[p:, 0], r["cutpoint_conf_int_lower"], rtol=0, atol=1e-5)
    assert m.aic_ == pytest.approx(r["aic"], rel=1e-8)
    assert m.bic_ == pytest.approx(r["bic"], rel=1e-8)
    assert m.nobs_ == r["nobs"]


@pytest.mark.parametrize("link", LINKS)
def test_every_link_matches_clm(clm, soup, link):
    X, y = soup
    m = ProportionalOdds(link=link).fit(X, y)
    r = _ref(clm, link)
    _check_fit(m, r)
    table = m.summary()
    assert table.index.name.startswith(f"link = {link}")
    np.testing.assert_allclose(table["P>|z|"].to_numpy()[: len(m.coef_)], m.pvalues_)
    # The covariance in the summary's order: its diagonal gives the standard errors.
    np.testing.assert_allclose(
        np.sqrt(np.diag(m.cov_params_)), np.concatenate([m.bse_, m.cutpoint_bse_]), rtol=1e-12
    )
    pr = r["predict"]
    x_new = pd.DataFrame(pr["x"], columns=X.columns)
    proba, se = m.predict_proba(x_new, return_std=True)
    np.testing.assert_allclose(proba, pr["prob"], rtol=0, atol=1e-7)
    np.testing.assert_allclose(se, pr["prob_se"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(m.predict_proba(x_new), proba, rtol=0, atol=1e-15)
    lo, hi = m.predict_proba_interval(x_new, alpha=0.05)
    np.testing.assert_allclose(lo, pr["prob_lower"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(hi, pr["prob_upper"], rtol=0, atol=1e-6)
    eff, eff_se = m.average_marginal_effects(X)
    np.testing.assert_allclose(eff, r["ame"]["ame"], rtol=0, atol=1e-7)
    np.testing.assert_allclose(eff_se, r["ame"]["se"], rtol=0, atol=1e-6)


@pytest.mark.parametrize("link", ["logit", "cloglog", "cauchit"])
def test_frequency_weights_match_clm(clm, soup, link):
    X, y = soup
    w = 1.0 + np.arange(len(y)) % 3  # the fixture's weights_rule
    m = ProportionalOdds(link=link).fit(X, y, sample_weight=w)
    _check_fit(m, _ref(clm, link)["weighted"])


def test_presto_takes_the_link_and_fuses_to_proportional_odds(soup):
    X, y = soup
    po = ProportionalOdds(link="probit").fit(X, y)
    fused = PRESTO(alpha=100.0, link="probit", penalize_first=False).fit(X, y)
    assert fused.loglik_ == pytest.approx(po.loglik_, abs=1e-4)
    np.testing.assert_allclose(fused.predict_proba(X), po.predict_proba(X), atol=1e-4)
    ids = np.arange(len(y)) % 3
    cv = PRESTOCV(n_alphas=3, cv=PredefinedSplit(ids), link="loglog").fit(X, y)
    assert cv.get_params()["link"] == "loglog"
    assert np.isfinite(cv.loglik_)


def test_bad_link_names_the_parameter(soup):
    X, y = soup
    for est in (ProportionalOdds(link="tobit"), PRESTO(link="Probit")):
        with pytest.raises(InvalidParameterError) as e:
            est.fit(X, y)
        assert e.value.param == "link"
    # LogitLast is logistic regression: it has no link to choose.
    assert "link" not in LogitLast().get_params()
    with pytest.raises(InvalidParameterError) as e:
        ProportionalOdds().fit(X, y).conf_int(alpha=1.5)
    assert e.value.param == "alpha"


# --- ridge (alpha) and PRESTO with two classes (issue 19's separated / binary checks) --------


def test_ridge_two_class_fit_is_ridge_logistic_regression(soup):
    from veristat.multiplicity import RidgeLogistic

    X, y = soup
    last = (y == y.max()).astype(int)
    for alpha in (1e-3, 0.05):
        po = ProportionalOdds(alpha=alpha).fit(X, last)
        ref = RidgeLogistic(alpha=alpha, standardize=False).fit(X, last)
        # P(y = 1) = 1 - F(theta - x^T b) = sigmoid(x^T b - theta): b = w, theta = -intercept.
        np.testing.assert_allclose(po.coef_, np.ravel(ref.coef_), rtol=0, atol=1e-7)
        assert po.cutpoints_[0] == pytest.approx(-float(np.ravel(ref.intercept_)[0]), abs=1e-7)
        ll = LogitLast(alpha=alpha).fit(X, y)
        np.testing.assert_allclose(ll.coef_, po.coef_, rtol=0, atol=1e-10)


def test_ridge_gives_an_estimate_under_separation():
    X = np.column_stack([np.linspace(-2, 2, 40), np.arange(40) % 7])
    y = np.repeat([0, 1, 2, 3], 10)
    with pytest.raises(NotIdentifiableError):
        ProportionalOdds().fit(X, y)
    small, large = ProportionalOdds(alpha=1e-3).fit(X, y), ProportionalOdds(alpha=1e-1).fit(X, y)
    assert np.all(np.isfinite(small.coef_)) and np.all(np.isfinite(small.bse_))
    assert abs(large.coef_[0]) < abs(small.coef_[0])
    assert list(small.predict(X[[0, -1]])) == [0, 3]
    with pytest.raises(InvalidParameterError) as e:
        ProportionalOdds(alpha=-1.0).fit(X, y)
    assert e.value.param == "alpha"


def test_presto_two_classes_is_the_penalized_binary_model(soup):
    X, y = soup
    last = (y == y.max()).astype(int)
    # mixing = 0 is the ridge penalty alpha / 2 ||b||^2: the ridge ProportionalOdds fit.
    l2 = PRESTO(alpha=0.02, mixing=0.0, tol=1e-11).fit(X, last)
    po = ProportionalOdds(alpha=0.02).fit(X, last)
    np.testing.assert_allclose(l2.coef_[0], po.coef_, rtol=0, atol=1e-6)
    np.testing.assert_allclose(l2.predict_proba(X), po.predict_proba(X), rtol=0, atol=1e-7)
    # Above alpha_max every slope is zero and the cutpoint is the log-odds of class 0.
    top = PRESTO(alpha=1.0).fit(X, last)
    assert np.all(top.coef_ == 0.0)
    share = np.mean(last == 0)
    assert top.cutpoints_[0] == pytest.approx(np.log(share / (1 - share)), abs=1e-9)

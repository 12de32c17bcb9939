"""veristat.linear_model against live scikit-learn on the shipped diabetes data."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sklearn.linear_model as skl
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, PredefinedSplit, ShuffleSplit

import veristat.linear_model as vl
from veristat.exceptions import InvalidParameterError

TIGHT = dict(tol=1e-12, max_iter=100_000)


def fold_ids(n: int, k: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).permutation(np.arange(n) % k)


def one_se_alpha(alphas: np.ndarray, mse_path: np.ndarray) -> float:
    """The 1-SE alpha computed from scikit-learn's mse_path_ as the issue defines it."""
    mean = mse_path.mean(axis=1)
    i = int(np.argmin(mean))
    se = np.std(mse_path[i], ddof=1) / np.sqrt(mse_path.shape[1])
    return float(alphas[np.flatnonzero(mean <= mean[i] + se)[0]])


@pytest.mark.parametrize("l1_ratio", [1.0, 0.7])
def test_elasticnetcv_predefined_split_reproduces_sklearn(diabetes, l1_ratio):
    X, y = diabetes
    X = X.to_numpy()
    cv = PredefinedSplit(fold_ids(len(y), 5, seed=11))
    theirs = skl.ElasticNetCV(l1_ratio=l1_ratio, cv=cv, **TIGHT).fit(X, y)
    ours = vl.ElasticNetCV(l1_ratio=l1_ratio, cv=cv, **TIGHT).fit(X, y)
    np.testing.assert_allclose(ours.alphas_, theirs.alphas_, rtol=1e-12)
    assert ours.mse_path_.shape == theirs.mse_path_.shape == (100, 5)
    np.testing.assert_allclose(ours.mse_path_, theirs.mse_path_, rtol=1e-8)
    assert ours.alpha_ == pytest.approx(theirs.alpha_, rel=1e-9)
    assert ours.alpha_min_ == pytest.approx(theirs.alpha_, rel=1e-9)
    assert ours.alpha_1se_ == pytest.approx(
        one_se_alpha(theirs.alphas_, theirs.mse_path_), rel=1e-9
    )
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-7, atol=1e-8)
    assert ours.intercept_ == pytest.approx(theirs.intercept_, rel=1e-9)

    one_se = vl.ElasticNetCV(l1_ratio=l1_ratio, cv=cv, selection="1se", **TIGHT).fit(X, y)
    assert one_se.alpha_ == one_se.alpha_1se_ >= one_se.alpha_min_
    ref = skl.ElasticNet(alpha=one_se.alpha_, l1_ratio=l1_ratio, **TIGHT).fit(X, y)
    np.testing.assert_allclose(one_se.coef_, ref.coef_, rtol=1e-7, atol=1e-8)


def test_lassocv_splitters(diabetes):
    X, y = diabetes
    X = X.to_numpy()
    for cv in [3, KFold(4, shuffle=True, random_state=0), list(KFold(3).split(X))]:
        theirs = skl.LassoCV(cv=cv, **TIGHT).fit(X, y)
        ours = vl.LassoCV(cv=cv, **TIGHT).fit(X, y)
        assert ours.alpha_ == pytest.approx(theirs.alpha_, rel=1e-9)
        np.testing.assert_allclose(ours.mse_path_, theirs.mse_path_, rtol=1e-8)
    # Splits that do not partition the rows take the per-split path.
    ss = ShuffleSplit(n_splits=4, test_size=0.2, random_state=0)
    theirs = skl.LassoCV(cv=ss, **TIGHT).fit(X, y)
    ours = vl.LassoCV(cv=ss, **TIGHT).fit(X, y)
    np.testing.assert_allclose(ours.mse_path_, theirs.mse_path_, rtol=1e-8)
    assert ours.alpha_ == pytest.approx(theirs.alpha_, rel=1e-9)


def test_l1_ratio_grid(diabetes):
    X, y = diabetes
    X = X.to_numpy()
    theirs = skl.ElasticNetCV(l1_ratio=[0.2, 0.6, 1.0], cv=4, **TIGHT).fit(X, y)
    ours = vl.ElasticNetCV(l1_ratio=[0.2, 0.6, 1.0], cv=4, **TIGHT).fit(X, y)
    assert ours.l1_ratio_ == theirs.l1_ratio_
    assert ours.mse_path_.shape == theirs.mse_path_.shape
    np.testing.assert_allclose(ours.mse_path_, theirs.mse_path_, rtol=1e-8)
    assert ours.alpha_ == pytest.approx(theirs.alpha_, rel=1e-9)


@pytest.mark.parametrize("alpha,l1_ratio", [(0.5, 1.0), (0.05, 0.5), (2.0, 0.2)])
def test_single_fits_equal_sklearn(diabetes, alpha, l1_ratio):
    X, y = diabetes
    X = X.to_numpy()
    theirs = skl.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, **TIGHT).fit(X, y)
    ours = vl.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, **TIGHT).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-8, atol=1e-8)
    assert ours.intercept_ == pytest.approx(theirs.intercept_, rel=1e-10)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-9)
    if l1_ratio == 1.0:
        lasso = vl.Lasso(alpha=alpha, **TIGHT).fit(X, y)
        np.testing.assert_allclose(lasso.coef_, ours.coef_, rtol=1e-12, atol=1e-12)


def test_sample_weight_equals_sklearn(diabetes):
    X, y = diabetes
    X = X.to_numpy()
    w = np.random.default_rng(3).uniform(0.2, 2.0, len(y))
    theirs = skl.ElasticNet(alpha=0.05, **TIGHT).fit(X, y, sample_weight=w)
    ours = vl.ElasticNet(alpha=0.05, **TIGHT).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-7, atol=1e-8)


def test_standardize_is_glmnet_scaling(diabetes):
    X, y = diabetes
    X = X.to_numpy()
    sd = X.std(axis=0)  # population SD, as glmnet
    ours = vl.ElasticNet(alpha=0.1, standardize=True, **TIGHT).fit(X, y)
    ref = skl.ElasticNet(alpha=0.1, **TIGHT).fit(X / sd, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_ / sd, rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("path", ["lasso", "enet"])
def test_paths_equal_sklearn(diabetes, path):
    X, y = diabetes
    X = X.to_numpy() - X.to_numpy().mean(axis=0)
    y = y - y.mean()
    if path == "lasso":
        theirs = skl.lasso_path(X, y, eps=1e-3, **TIGHT)
        ours = vl.lasso_path(X, y, eps=1e-3, return_n_iter=True, **TIGHT)
        assert len(ours) == 4
    else:
        theirs = skl.enet_path(X, y, l1_ratio=0.4, alphas=30, **TIGHT)
        ours = vl.enet_path(X, y, l1_ratio=0.4, alphas=30, **TIGHT)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-7, atol=1e-7)


def test_omp_equals_sklearn(diabetes):
    X, y = diabetes
    X = X.to_numpy()
    for kw in [dict(n_nonzero_coefs=4), dict(tol=1.5e6), dict()]:
        theirs = skl.OrthogonalMatchingPursuit(**kw).fit(X, y)
        ours = vl.OrthogonalMatchingPursuit(**kw).fit(X, y)
        np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-10, atol=1e-10)
        assert ours.intercept_ == pytest.approx(theirs.intercept_, rel=1e-12)
        assert ours.n_iter_ == theirs.n_iter_


def test_iht_and_best_subset_recover_a_sparse_signal():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((300, 40))
    w = np.zeros(40)
    w[[3, 17, 30]] = [2.0, -1.5, 1.0]
    y = X @ w + 0.05 * rng.standard_normal(300) + 4.0
    iht = vl.IterativeHardThresholding(3).fit(X, y)
    assert sorted(iht.support_.tolist()) == [3, 17, 30]
    assert iht.intercept_ == pytest.approx(4.0, abs=0.05)
    bs = vl.BestSubset().fit(X, y)
    assert sorted(bs.support_.tolist()) == [3, 17, 30]
    assert bs.support_size_ == 3
    np.testing.assert_allclose(bs.coef_[[3, 17, 30]], w[[3, 17, 30]], atol=0.05)


def test_non_convergence_warns_with_the_gap(diabetes):
    X, y = diabetes
    with pytest.warns(ConvergenceWarning, match="tolerance"):
        vl.ElasticNet(alpha=1e-4, max_iter=1, tol=1e-12).fit(X, y)


def test_bad_parameters_name_themselves(diabetes):
    X, y = diabetes
    for est, name in [
        (vl.Lasso(alpha=-1.0), "alpha"),
        (vl.ElasticNet(l1_ratio=1.5), "l1_ratio"),
        (vl.ElasticNet(tol=0.0), "tol"),
        (vl.ElasticNet(max_iter=0), "max_iter"),
        (vl.ElasticNetCV(eps=2.0), "eps"),
        (vl.ElasticNetCV(selection="cyclic"), "selection"),
        (vl.IterativeHardThresholding(0), "n_nonzero_coefs"),
        (vl.OrthogonalMatchingPursuit(selection="x"), "selection"),
        (vl.BestSubset(support_sizes=(4, 2)), "support_sizes"),
    ]:
        with pytest.raises(InvalidParameterError) as e:
            est.fit(X, y)
        assert e.value.param == name, (est, e.value)
        assert isinstance(e.value, ValueError)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vl.Lasso(alpha=1.0).fit(X, y)

"""veristat.linear_model's penalized GLMs against R glmnet 4.1-6 (the committed fixtures of
tests/fixtures/glm/, made by tests/fixtures/glm/make_fixtures.R), and their scikit-learn
behaviour."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.model_selection import PredefinedSplit

import veristat.linear_model as vl
from veristat.exceptions import InvalidParameterError

from conftest import FIXTURES


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / "glm" / f"{name}.json").read_text())


def case_args(case: dict) -> dict:
    kw = dict(l1_ratio=case["alpha"], standardize=case["standardize"])
    if case["penalty_factor"] is not None:
        kw["penalty_factor"] = case["penalty_factor"]
    return kw


@pytest.mark.parametrize("family", ["binomial", "poisson"])
@pytest.mark.parametrize("index", range(6))
def test_single_fits_match_glmnet(family, index):
    fx = fixture(family)
    case = fx["cases"][index]
    X, y = np.asarray(fx["x"]), np.asarray(case["y"])
    beta = np.asarray(case["beta"])  # d x K
    scale = np.abs(beta).max()
    cls = vl.LogisticLasso if family == "binomial" else vl.PoissonLasso
    for k in (5, 20, len(case["lambda"]) - 1):
        model = cls(alpha=case["lambda"][k], **case_args(case)).fit(
            X, y, sample_weight=case["weights"]
        )
        assert np.abs(model.coef_ - beta[:, k]).max() < 1e-3 * scale
        assert abs(model.intercept_ - case["a0"][k]) < 1e-3 * max(scale, 1.0)
        assert model.kkt_ <= 1e-7
        assert abs(model.deviance_ratio_ - case["dev_ratio"][k]) < 1e-3


def test_cv_with_glmnet_fold_ids_selects_cv_glmnets_alphas():
    cv = fixture("cv")
    split = PredefinedSplit(np.asarray(cv["foldid"]) - 1)
    for case in cv["cases"]:
        fam = fixture(case["family"])
        X, y = np.asarray(fam["x"]), np.asarray(fam["cases"][0]["y"])
        cls = vl.LogisticLassoCV if case["family"] == "binomial" else vl.PoissonLassoCV
        model = cls(cv=split, measure=case["measure"], standardize=case["standardize"]).fit(X, y)
        np.testing.assert_allclose(model.alphas_, case["lambda"], rtol=1e-9)
        assert model.alpha_min_ == pytest.approx(case["lambda_min"], rel=1e-9)
        assert model.alpha_1se_ == pytest.approx(case["lambda_1se"], rel=1e-9)
        assert model.cv_path_.shape == (len(case["lambda"]), 5)
        tol = 0.15 if case["measure"] == "class" else 1e-2
        np.testing.assert_allclose(model.cv_mean_, case["cvm"], rtol=tol, atol=1e-3)


def test_classifier_and_regressor_behaviour():
    fx = fixture("binomial")
    X, y01 = np.asarray(fx["x"]), np.asarray(fx["cases"][0]["y"])
    labels = np.where(y01 == 1, "yes", "no")
    model = vl.LogisticLasso(alpha=0.01).fit(X, labels)
    assert is_classifier(model) and list(model.classes_) == ["no", "yes"]
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(model.predict(X)) <= {"no", "yes"}
    assert model.score(X, labels) > 0.6
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.coef_, model.coef_)
    assert clone(model).get_params() == model.get_params()
    with pytest.raises(ValueError, match="binary"):
        vl.LogisticLasso().fit(X, np.arange(len(y01)) % 3)

    fx = fixture("poisson")
    X, y = np.asarray(fx["x"]), np.asarray(fx["cases"][0]["y"])
    pois = vl.PoissonLasso(alpha=0.01).fit(X, y)
    assert is_regressor(pois)
    assert np.all(pois.predict(X) > 0)
    assert 0.5 < pois.score(X, y) <= 1.0


def test_bad_inputs_raise_value_errors_naming_the_parameter():
    fx = fixture("poisson")
    X, y = np.asarray(fx["x"]), np.asarray(fx["cases"][0]["y"])
    with pytest.raises(InvalidParameterError) as e:
        vl.PoissonLasso(alpha=0.1, penalty_factor=[1, -1] + [1] * 8).fit(X, y)
    assert e.value.param == "penalty_factor"
    with pytest.raises(ValueError) as e:
        vl.PoissonLasso(alpha=0.1, penalty_factor=[0.0] * 10).fit(X, y)
    assert e.value.param == "penalty_factor"
    with pytest.raises(ValueError) as e:
        vl.PoissonLasso(alpha=0.1).fit(X, -y)
    assert e.value.param == "y"
    with pytest.raises(ValueError) as e:
        vl.PoissonLasso(alpha=0.1).fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError) as e:
        vl.PoissonLassoCV(measure="auc").fit(X, y)
    assert e.value.param == "measure"


def test_csc_arrays_fit_the_sparse_fixture_as_glmnet_and_as_the_dense_path():
    """`_core.glm_path_csc` on the sparse fixture's matrix (CSC arrays, never densified) gives
    glmnet's grid and the dense path's coefficients."""
    from veristat import _core

    fx = fixture("sparse")
    n, d = fx["nrow"], fx["ncol"]
    i = np.asarray(fx["i"], dtype=int) - 1
    j = np.asarray(fx["j"], dtype=int) - 1
    order = np.lexsort((i, j))
    i, j, v = i[order], j[order], np.asarray(fx["v"])[order]
    indptr = np.searchsorted(j, np.arange(d + 1)).tolist()
    dense = np.zeros((n, d))
    dense[i, j] = v
    case = fx["families"]["binomial"][0]
    y = np.asarray(case["y"], dtype=float)
    args = dict(family="binomial", l1_ratio=1.0, n_alphas=100, eps=None, alphas=None,
                fit_intercept=True, standardize=True, tol=1e-7, max_iter=100_000,
                early_stop=True)
    sp = _core.glm_path_csc(indptr, i.tolist(), v, (n, d), y, **args)
    de = _core.glm_path(dense, y, **args)
    lam = np.asarray(case["lambda"])
    np.testing.assert_allclose(sp["alphas"], lam, rtol=1e-9)
    assert max(sp["kkt"]) <= 1e-7
    scale = np.abs(np.asarray(de["coefs"])).max()
    assert np.abs(np.asarray(sp["coefs"]) - np.asarray(de["coefs"])).max() <= 1e-6 * scale
    with pytest.raises(ValueError):
        _core.glm_path_csc(indptr[:-1], i.tolist(), v, (n, d), y, **args)

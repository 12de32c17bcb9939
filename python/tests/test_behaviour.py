"""What a Python user expects of every estimator: DataFrames, dtypes and memory layouts,
pickling and cloning, the GIL released during Rust work, and typed errors on bad input."""

from __future__ import annotations

import pickle
import threading
import time

import numpy as np
import pandas as pd
import polars as pl
import pytest
from sklearn.base import clone, is_classifier

import veristat
import veristat.linear_model as vl
from veristat import _core
from veristat.exceptions import InvalidDataError, VeristatError
from veristat_estimators import all_estimators


def make_data(est=None):
    """Regression data; for a classifier its latent variable cut into ordered classes (three,
    or two for a binary-only one)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 6))
    y = X @ np.array([1.0, -2.0, 0.0, 0.5, 0.0, 0.0]) + 0.1 * rng.standard_normal(120)
    if est is not None and is_classifier(est):
        binary = not est.__sklearn_tags__().classifier_tags.multi_class
        # Noise enough that no class is separable (the MLE exists).
        latent = X[:, 0] + rng.logistic(size=120) * 2.0
        y = np.digitize(latent, [0.0] if binary else [-1.0, 1.0])
    return X, y


@pytest.fixture(scope="module")
def data():
    return make_data()


def names(est):
    return type(est).__name__


@pytest.mark.parametrize("est", all_estimators(), ids=names)
def test_dataframes_set_feature_names(est):
    X, y = make_data(est)
    cols = [f"x{j}" for j in range(X.shape[1])]
    ref = clone(est).fit(X, y).predict(X)
    for frame in [pd.DataFrame(X, columns=cols), pl.DataFrame(X, schema=cols)]:
        m = clone(est).fit(frame, y)
        assert list(m.feature_names_in_) == cols
        np.testing.assert_allclose(m.predict(frame), ref, rtol=1e-12, atol=1e-12)
    m = clone(est).fit(pd.DataFrame(X, columns=cols), pd.Series(y))
    np.testing.assert_allclose(m.predict(pd.DataFrame(X, columns=cols)), ref, rtol=1e-12)


@pytest.mark.parametrize("est", all_estimators(), ids=names)
def test_dtypes_orders_and_read_only_arrays(est):
    X, y = make_data(est)
    ref = clone(est).fit(X, y)
    Xf = np.asfortranarray(X)
    Xr = X.copy()
    Xr.setflags(write=False)
    yr = y.copy()
    yr.setflags(write=False)
    for Xv, yv in [(Xf, y), (Xr, yr), (X[:, ::-1][:, ::-1], y)]:
        m = clone(est).fit(Xv, yv)
        np.testing.assert_allclose(m.coef_, ref.coef_, rtol=1e-12, atol=1e-12)
    X32 = X.astype(np.float32)
    y32 = y if is_classifier(est) else y.astype(np.float32)
    m32 = clone(est).fit(X32, y32)
    m64 = clone(est).fit(X32.astype(np.float64), y32)
    np.testing.assert_allclose(m32.coef_, m64.coef_, rtol=1e-12, atol=1e-12)
    Xi = np.round(X * 10).astype(np.int64)
    mi = clone(est).fit(Xi, y)
    mf = clone(est).fit(Xi.astype(np.float64), y)
    np.testing.assert_allclose(mi.coef_, mf.coef_, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("est", all_estimators(), ids=names)
def test_pickle_and_clone_round_trip(est):
    X, y = make_data(est)
    fitted = clone(est).fit(X, y)
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(again.predict(X), fitted.predict(X))
    c = clone(fitted)
    assert c.get_params() == est.get_params()
    assert not hasattr(c, "coef_")


def test_exceptions_pickle():
    e = veristat.exceptions.InvalidParameterError("m", param="alpha", value="-1", reason="r")
    e2 = pickle.loads(pickle.dumps(e))
    assert (type(e2), e2.param, e2.value, str(e2)) == (type(e), "alpha", "-1", "m")


def test_gil_is_released_during_rust_work():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((8000, 500))
    y = X[:, :10].sum(axis=1) + rng.standard_normal(8000)
    count = 0
    stop = False

    def spin():
        nonlocal count
        while not stop:
            count += 1

    t = threading.Thread(target=spin, daemon=True)
    t.start()
    time.sleep(0.2)
    c0, t0 = count, time.perf_counter()
    time.sleep(0.3)
    rate = (count - c0) / (time.perf_counter() - t0)  # the thread's free-running speed
    # One Rust call (the path), nothing else in Python while it runs.
    c0, t0 = count, time.perf_counter()
    _core.enet_path(X, y, 0.5, 1e-5, 300, None, True, False, 1e-12, 10_000, "auto")
    c1, elapsed = count, time.perf_counter() - t0
    stop = True
    t.join()
    assert elapsed > 0.2, "the call was too short to tell"
    # A GIL held through the call would freeze the counter (a single 5 ms switch at most).
    assert (c1 - c0) > 0.25 * rate * elapsed, (c1 - c0, rate, elapsed)


def test_n_jobs_does_not_change_results(data):
    X, y = data
    a = vl.ElasticNetCV(cv=4, n_jobs=1).fit(X, y)
    b = vl.ElasticNetCV(cv=4, n_jobs=2).fit(X, y)
    c = vl.ElasticNetCV(cv=4, n_jobs=-1).fit(X, y)
    np.testing.assert_array_equal(a.mse_path_, b.mse_path_)
    np.testing.assert_array_equal(a.mse_path_, c.mse_path_)


BAD_X = [
    ("nan", lambda X: np.where(np.arange(X.size).reshape(X.shape) == 3, np.nan, X)),
    ("inf", lambda X: np.where(np.arange(X.size).reshape(X.shape) == 3, np.inf, X)),
    ("empty", lambda X: X[:0]),
    ("1d", lambda X: X[:, 0]),
    ("3d", lambda X: X[:, :, None]),
    ("text", lambda X: np.full(X.shape, "a")),
]


@pytest.mark.parametrize("est", all_estimators(), ids=names)
@pytest.mark.parametrize("bad", BAD_X, ids=lambda b: b[0])
def test_bad_inputs_raise_value_error_never_panic(est, bad):
    X, y = make_data(est)
    try:
        clone(est).fit(bad[1](X), y)
    except ValueError:
        pass
    else:
        pytest.fail("no error")


@pytest.mark.parametrize("est", all_estimators(), ids=names)
def test_mismatched_rows_and_columns(est):
    X, y = make_data(est)
    with pytest.raises(ValueError):
        clone(est).fit(X, y[:-1])
    m = clone(est).fit(X, y)
    with pytest.raises(ValueError):
        m.predict(X[:, :-1])


def test_core_errors_are_typed_not_panics():
    # Straight to the core, past the Python validation: typed errors, never PanicException.
    X = np.ones((3, 2))
    with pytest.raises(InvalidDataError):
        _core.enet_fit(X, np.ones(2), 0.1, 0.5, True, False, 1e-4, 100, "auto", None)
    with pytest.raises(VeristatError) as e:
        _core.enet_fit(X, np.ones(3), np.nan, 0.5, True, False, 1e-4, 100, "auto", None)
    assert e.value.param == "alpha"
    with pytest.raises(VeristatError):
        _core.enet_cv(X, np.ones(3), [0, 0, 0], 0.5, 1e-3, 10, None, True, False, 1e-4, 10, "auto", None)
    with pytest.raises(VeristatError):
        _core.omp_fit(X, np.ones(3), None, None, True, False)


def test_type_stub_lists_every_core_function():
    import ast
    from pathlib import Path

    stub = ast.parse((Path(veristat.__file__).parent / "_core.pyi").read_text())
    stubbed = {n.name for n in stub.body if isinstance(n, ast.FunctionDef)}
    assert stubbed == {n for n in dir(_core) if not n.startswith("_")}

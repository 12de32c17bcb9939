"""veristat.ldp: vectorized privatization, aggregation with exact variances, audits."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from veristat.exceptions import InvalidParameterError, UnknownNameError
from veristat.ldp import MECHANISMS, Mechanism


def test_mean_mechanisms_are_unbiased_within_their_variance():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, 50_000)
    for name in ["duchi", "piecewise", "hybrid", "laplace"]:
        m = Mechanism(name, epsilon=1.0)
        reports = m.privatize(x, seed=3)
        est, var = m.aggregate(reports, x)
        assert abs(est[0] - x.mean()) < 4 * np.sqrt(var[0]), name
        np.testing.assert_allclose(m.decode(reports).mean(axis=0), est, rtol=1e-12)


def test_frequency_oracles_estimate_frequencies():
    rng = np.random.default_rng(1)
    x = rng.choice(5, size=40_000, p=[0.4, 0.3, 0.15, 0.1, 0.05])
    truth = np.bincount(x, minlength=5) / x.size
    for name in ["grr", "oue", "sue", "olh"]:
        m = Mechanism(name, epsilon=2.0, k=5)
        est, var = m.aggregate(m.privatize(x, seed=5), x)
        assert np.all(np.abs(est - truth) < 4.5 * np.sqrt(var)), name
        assert m.exact_audit()["pass"]


def test_vector_mechanisms_and_reproducibility():
    x = np.random.default_rng(2).uniform(-0.3, 0.3, (3000, 4))
    for name, kw in [("duchi-l2", {}), ("duchi-linf", {}), ("gaussian-analytic", {"delta": 1e-5})]:
        m = Mechanism(name, epsilon=1.0, d=4, **kw)
        a = m.privatize(x, seed=9)
        assert a.shape == (3000, m.output_dim)
        np.testing.assert_array_equal(a, m.privatize(x, seed=9))
        assert not np.array_equal(a, m.privatize(x, seed=10))
        est, _ = m.aggregate(a)
        assert est.shape == (4,)
    m = pickle.loads(pickle.dumps(Mechanism("grr", 1.0, k=3)))
    assert (m.name, m.k, m.output_dim) == ("grr", 3, 1)
    assert len(MECHANISMS) == 13


def test_audits():
    a = Mechanism("duchi", epsilon=1.0).audit(20_000, seed=1)
    assert a.passed and a.epsilon_lower <= 1.0 and a.method == "histogram"
    g = Mechanism("gaussian-analytic", epsilon=1.0, delta=1e-5).audit(20_000, seed=1)
    assert g.passed
    with pytest.raises(InvalidParameterError) as e:
        Mechanism("laplace", epsilon=1.0).exact_audit()
    assert e.value.param == "mechanism"


def test_bad_inputs_name_the_parameter():
    # The CLI's bad inputs (`ldp sample --mechanism nope`, `--epsilon 0`, a Gaussian without
    # delta, an out-of-range category), and a few of Python's own.
    with pytest.raises(UnknownNameError) as e:
        Mechanism("nope", epsilon=1.0)
    assert e.value.param == "mechanism"
    with pytest.raises(InvalidParameterError) as e:
        Mechanism("duchi", epsilon=0.0)
    assert e.value.param == "epsilon"
    with pytest.raises(InvalidParameterError) as e:
        Mechanism("gaussian", epsilon=0.5)
    assert e.value.param == "delta"
    with pytest.raises(InvalidParameterError) as e:
        Mechanism("grr", epsilon=1.0, k=4).privatize([0, 1, 7])
    assert e.value.param == "input"
    with pytest.raises(ValueError):
        Mechanism("duchi", epsilon=1.0).privatize([0.1, np.nan])
    with pytest.raises(InvalidParameterError) as e:
        Mechanism("duchi-l2", epsilon=1.0, d=3).privatize(np.zeros((4, 2)))
    assert e.value.param == "x"
    with pytest.raises(InvalidParameterError) as e:
        Mechanism("oue", epsilon=1.0, k=3).aggregate(np.zeros((4, 2)))
    assert e.value.param == "reports"
    with pytest.raises(InvalidParameterError) as e:
        Mechanism("duchi", epsilon=1.0).audit(0)
    assert e.value.param == "draws"


@pytest.fixture(scope="module")
def rademacher():
    rng = np.random.default_rng(0)
    X = rng.choice([-1.0, 1.0], size=(200_000, 5))
    theta = np.array([0.5, -0.3, 0.0, 0.0, 0.0])
    return X, X @ theta + 0.1 * rng.standard_normal(len(X)), theta


def test_ldp_regressions_recover_the_support(rademacher):
    from veristat.ldp import (
        LDPIterativeHardThresholding,
        NonInteractiveLDPRegression,
        PublicDataLDPRegression,
    )

    X, y, theta = rademacher
    for est in [
        # NLDP noises the covariance too: a large budget keeps one draw's error small.
        NonInteractiveLDPRegression(epsilon=500.0, threshold=0.05),
        PublicDataLDPRegression(epsilon=200.0, threshold=0.05),
        LDPIterativeHardThresholding(epsilon=4.0, n_nonzero_coefs=2, rounds=5),
    ]:
        m = est.fit(X, y)
        assert np.all(np.abs(m.coef_ - theta) < 0.1), (type(est).__name__, m.coef_)
        assert m.epsilon_ == est.epsilon
        np.testing.assert_array_equal(m.predict(X[:3]), X[:3] @ m.coef_)
        np.testing.assert_array_equal(type(est)(**est.get_params()).fit(X, y).coef_, m.coef_)
    pub = PublicDataLDPRegression(epsilon=50.0, threshold=0.05).fit(X, y, X_public=X[:50_000])
    assert pub.diagnostics_["public_rows"] == 50_000


def test_ldp_regression_bad_inputs(rademacher):
    from veristat.ldp import LDPIterativeHardThresholding, NonInteractiveLDPRegression

    X, y, _ = rademacher
    X, y = X[:100], y[:100]
    with pytest.raises(InvalidParameterError) as e:
        NonInteractiveLDPRegression(epsilon=0.0).fit(X, y)
    assert e.value.param == "epsilon"
    with pytest.raises(InvalidParameterError) as e:
        NonInteractiveLDPRegression(delta=1.0).fit(X, y)
    assert e.value.param == "delta"
    with pytest.raises(InvalidParameterError) as e:
        NonInteractiveLDPRegression(threshold=-1.0).fit(X, y)
    assert e.value.param == "threshold"
    with pytest.raises(InvalidParameterError) as e:
        LDPIterativeHardThresholding(n_nonzero_coefs=9).fit(X, y)
    assert e.value.param == "n_nonzero_coefs"
    with pytest.raises(ValueError, match="minimum of 500"):
        LDPIterativeHardThresholding(rounds=500).fit(X, y)
    with pytest.raises(InvalidParameterError) as e:
        LDPIterativeHardThresholding(rounds=0).fit(X, y)
    assert e.value.param == "rounds"

"""veristat.inference.NestedSampler: evidence of a Gaussian with a closed form; dynesty's
calling convention; errors from the Python callbacks."""

from __future__ import annotations

import numpy as np
import pytest

from veristat.exceptions import InvalidDataError, InvalidParameterError, NumericalError
from veristat.inference import NestedSampler

SIGMA = np.array([0.5, 1.0, 2.0])
HALF_WIDTH = 10.0


def loglike(theta):
    """A normalized Gaussian likelihood N(theta; 1, diag(SIGMA^2)) (one point or a batch)."""
    z = (theta - 1.0) / SIGMA
    return -0.5 * np.sum(z**2, axis=-1) - np.sum(np.log(SIGMA)) - 1.5 * np.log(2 * np.pi)


def prior_transform(u):
    return 2 * HALF_WIDTH * u - HALF_WIDTH


def test_gaussian_evidence_has_its_closed_form():
    # Z = integral of a normalized Gaussian (all of its mass inside the box) times the uniform
    # prior density (1 / 20)^3.
    truth = -3 * np.log(2 * HALF_WIDTH)
    s = NestedSampler(loglike, prior_transform, 3, nlive=400, vectorized=True, seed=2)
    s.run_nested(dlogz=0.05)
    r = s.results
    assert r.converged
    assert abs(r.logz - truth) < 3 * r.logzerr, (r.logz, truth, r.logzerr)
    assert r.samples.shape == (len(r.weights), 3)
    assert r.weights.sum() == pytest.approx(1.0, rel=1e-9)
    mean = r.weights @ r.samples
    np.testing.assert_allclose(mean, 1.0, atol=0.15)
    draws = r.resample_equal(4000, seed=1)
    np.testing.assert_allclose(draws.std(axis=0), SIGMA, rtol=0.15)


def test_vectorized_and_pointwise_runs_are_the_same_run():
    a = NestedSampler(loglike, prior_transform, 3, nlive=100, vectorized=True, seed=5)
    b = NestedSampler(loglike, prior_transform, 3, nlive=100, vectorized=False, seed=5)
    a.run_nested()
    b.run_nested()
    assert a.results.logz == b.results.logz
    np.testing.assert_array_equal(a.results.samples, b.results.samples)


def test_callback_errors_and_bad_settings():
    def boom(theta):
        raise ZeroDivisionError("boom")

    with pytest.raises(ZeroDivisionError, match="boom"):
        NestedSampler(boom, prior_transform, 3, nlive=50).run_nested()
    with pytest.raises(NumericalError):
        NestedSampler(lambda t: np.nan, prior_transform, 3, nlive=50).run_nested()
    with pytest.raises(InvalidDataError):
        NestedSampler(loglike, lambda u: u[:2], 3, nlive=50).run_nested()
    with pytest.raises(InvalidParameterError) as e:
        NestedSampler(loglike, prior_transform, 3, nlive=3).run_nested()
    assert e.value.param == "nlive"
    with pytest.raises(InvalidParameterError) as e:
        NestedSampler(loglike, prior_transform, 3, nlive=50, batch=30).run_nested()
    assert e.value.param == "batch"
    with pytest.raises(InvalidParameterError) as e:
        NestedSampler(loglike, prior_transform, 3, periodic=[3]).run_nested()
    assert e.value.param == "periodic"
    with pytest.raises(InvalidParameterError) as e:
        NestedSampler("not callable", prior_transform, 3)
    assert e.value.param == "loglike"
    with pytest.raises(RuntimeError):
        NestedSampler(loglike, prior_transform, 3).results

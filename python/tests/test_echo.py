"""veristat.echo: template, injection, vectorized likelihood, and a search that finds an
injected comb and not a comb in pure noise."""

from __future__ import annotations

import numpy as np
import pytest

from veristat import echo
from veristat.exceptions import InvalidParameterError

F = np.arange(400) * 0.25
TRUTH = dict(width=2.0, amplitude=1.0, phase=0.37, spacing=20.0, fmin=0.0, fmax=99.75)
PRIOR = dict(
    width=2.0,
    amplitude=("uniform", 0.0, 9.0),
    phase=("uniform", 0.0, 1.0),
    spacing=("uniform", 10.0, 40.0),
    fmin=0.0,
    fmax=99.75,
)


def test_search_finds_an_injected_comb_and_none_in_noise():
    h = echo.comb(F, duration=4.0, **TRUTH)
    data, psd, _ = echo.inject(F, h, psd=np.ones_like(F), scale=3.0, seed=1)
    r = echo.search(F, data, psd, PRIOR, nlive=150, seed=1)
    assert r.log_bayes_factor > 10
    assert r.free_names == ["amplitude", "phase", "spacing"]
    assert r.posterior_median["spacing"] == pytest.approx(20.0, abs=0.2)
    assert r.posterior_median["phase"] == pytest.approx(0.37, abs=0.05)
    noise, psd0, _ = echo.inject(F, np.zeros_like(h), psd=np.ones_like(F), seed=2)
    r0 = echo.search(F, noise, psd0, PRIOR, nlive=150, seed=1)
    assert r0.log_bayes_factor < 3


def test_loglike_rows_and_bad_inputs():
    h = echo.comb(F, duration=4.0, **TRUTH)
    data, psd, _ = echo.inject(F, h, psd=np.ones_like(F), seed=1)
    rows = np.array([[2.0, 1.0, p, 20.0, 0.0, 99.75] for p in (0.1, 0.37, 0.6)])
    many = echo.loglike(F, data, psd, rows)
    one = [echo.loglike(F, data, psd, r) for r in rows]
    np.testing.assert_array_equal(many, one)
    assert int(np.argmax(many)) == 1
    with pytest.raises(InvalidParameterError) as e:
        echo.loglike(F, data, psd, {k: v for k, v in TRUTH.items() if k != "spacing"})
    assert e.value.param == "spacing"
    with pytest.raises(ValueError):
        echo.loglike(F, data, psd, TRUTH, kind="newest")
    with pytest.raises(ValueError):
        echo.loglike(F, data, -psd, TRUTH)
    with pytest.raises(InvalidParameterError) as e:
        echo.search(F, data, psd, {**PRIOR, "spacing": ("uniform", 40.0, 10.0)})
    assert e.value.param == "spacing"
    with pytest.raises(InvalidParameterError) as e:
        echo.inject(F, h, seed=1)
    assert e.value.param == "psd"

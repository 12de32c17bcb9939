"""veristat.expfam: the p-n criterion against its closed forms and its Monte Carlo check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from veristat import expfam
from veristat.exceptions import (
    InvalidDataError,
    InvalidParameterError,
    MissingColumnError,
    UnknownNameError,
)


def test_correctly_specified_gaussian_has_c1_p_over_2():
    x = np.random.default_rng(0).standard_normal((20_000, 3))
    r = expfam.pn_criterion(pd.DataFrame(x, columns=["a", "b", "c"]), family="gaussian-diag")
    assert r.p == 6
    assert r.c1 == pytest.approx(3.0, rel=0.05)
    assert r.accept and r.n_min == expfam.n_min(r.c1, r.c2, r.threshold)
    assert r.aic == pytest.approx(-2 * r.loglik + 2 * 6)


def test_closed_forms_and_the_simulation_agree():
    # Normal model fitted to Gamma(4): c1 = 1 + gamma_2 / 4 = 1.375, c2 = 6.28125 (exact).
    sim = expfam.simulate_risk("normal", "gamma:4", [100, 400], replicates=20_000, seed=3)
    assert np.allclose(sim["c1"], 1.375) and np.allclose(sim["c2"], 6.28125)
    assert np.all(np.abs(sim["risk_mc"] - sim["risk_second_order"]) < 4 * sim["se"] + 2e-4)
    assert expfam.threshold(0.05) == pytest.approx(8 * 0.05**2)
    assert expfam.threshold(0.05, "bhattacharyya") == pytest.approx(-np.log(1 - 4 * 0.05**2))
    c1, c2, eps = 1.375, 6.28125, 0.02
    n = expfam.n_min(c1, c2, eps)
    assert c1 / n + c2 / n**2 <= eps < c1 / (n - 1) + c2 / (n - 1) ** 2
    x = np.random.default_rng(1).gamma(4.0, size=4000)
    assert expfam.pn_criterion(x).c1 == pytest.approx(1.375, rel=0.15)


def test_columns_and_the_missing_column_error():
    df = pd.DataFrame(np.random.default_rng(2).standard_normal((500, 3)), columns=["a", "b", "c"])
    r = expfam.pn_criterion(df, family="gaussian-full", columns=["a", "c"])
    assert r.p == 5  # two means and three covariance entries
    with pytest.raises(KeyError) as e:
        expfam.pn_criterion(df, columns=["a", "nope"])
    assert isinstance(e.value, MissingColumnError) and e.value.param == "nope"
    assert "available: a, b, c" in str(e.value)


def test_bad_inputs():
    x = np.random.default_rng(0).standard_normal((50, 2))
    with pytest.raises(UnknownNameError) as e:
        expfam.pn_criterion(x, family="weibull")
    assert e.value.param == "family"
    with pytest.raises(InvalidParameterError) as e:
        expfam.pn_criterion(x, family="poisson")
    assert e.value.param == "family"
    with pytest.raises(InvalidParameterError) as e:
        expfam.pn_criterion(x[:, 0], delta=0.7)
    assert e.value.param == "delta"
    with pytest.raises(InvalidDataError):
        expfam.pn_criterion(x[:2, 0])
    with pytest.raises(ValueError):
        expfam.pn_criterion(np.array([1.0, np.nan, 2.0]))
    with pytest.raises(InvalidParameterError) as e:
        expfam.simulate_risk("normal", "gamma:4", [1])
    assert e.value.param == "n"
    with pytest.raises(ValueError):
        expfam.simulate_risk("normal", "cauchy:1")

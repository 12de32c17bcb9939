"""The p-n criterion for exponential families (Sheena, Statistical Papers 2022; arXiv:2105.08947).

A model ``g(x; theta) = h(x) exp(theta^T t(x) - psi(theta))`` fitted to data from a truth it may
not contain has MLE risk ``R_n = E KL(g_theta* || g_theta_hat) = c1 / n + c2 / n^2 + O(n^-3)``
toward the information projection ``theta*``, with ``c1 = tr(I^-1 J) / 2``. A sample of size
``n`` is large enough for the ``p``-parameter model when ``R_n <= epsilon``; the threshold comes
from a tolerated Bayes error ``E BER >= 1/2 - delta`` through a bound (Pinsker:
``epsilon = 8 delta^2``; Bhattacharyya: ``-log(1 - 4 delta^2)``) or is given directly.

:func:`pn_criterion` estimates ``c1`` and ``c2`` by plug-in from data (and AIC, TIC, BIC);
:func:`simulate_risk` measures the risk by Monte Carlo for a truth (``"gamma:4"``,
``"student-t:5"``, ``"lognormal:0.5"``, ``"negbin:r,p"``, ``"poisson:mu"``, ``"normal:m,s"``,
``"mixture:w,m1,s1,m2,s2"``, ``"gaussian-ar:rho"``) next to the expansion.

Families: ``"normal"``, ``"poisson"`` (one column), ``"gaussian-iso"``, ``"gaussian-diag"``,
``"gaussian-full"`` (any number of columns).

Examples
--------
>>> import numpy as np
>>> from veristat.expfam import pn_criterion
>>> x = np.random.default_rng(0).gamma(4.0, size=500)
>>> r = pn_criterion(x, family="normal")
>>> r.p, r.n
(2, 500)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from sklearn.utils.validation import check_array

from . import _core
from ._base import n_jobs_threads
from .exceptions import MissingColumnError

__all__ = ["PnResult", "pn_criterion", "n_min", "threshold", "simulate_risk"]

Family = Literal["normal", "poisson", "gaussian-iso", "gaussian-diag", "gaussian-full"]


@dataclass(frozen=True)
class PnResult:
    """The p-n criterion on one data set.

    Attributes
    ----------
    p, n : int
        Parameters of the model and observations.
    c1, c2 : float
        Plug-in expansion terms.
    risk_first_order, risk_second_order : float
        ``c1 / n`` and ``c1 / n + c2 / n^2``.
    threshold : float
        epsilon.
    n_min : int
        Smallest n with ``c1 / n + c2 / n^2 <= epsilon``.
    accept : bool
        ``n >= n_min``.
    theta : ndarray of shape (p,)
        The MLE (natural parameters).
    loglik, aic, tic, bic : float
        Maximized log-likelihood and the information criteria.
    """

    p: int
    n: int
    c1: float
    c2: float
    risk_first_order: float
    risk_second_order: float
    threshold: float
    n_min: int
    accept: bool
    theta: NDArray[np.float64]
    loglik: float
    aic: float
    tic: float
    bic: float


def pn_criterion(
    X: ArrayLike,
    family: Family = "normal",
    *,
    delta: float = 0.05,
    bound: Literal["pinsker", "bhattacharyya"] = "pinsker",
    threshold: float | None = None,
    columns: Sequence[str] | None = None,
) -> PnResult:
    """Whether ``n`` observations are enough for the family's ``p`` parameters.

    Parameters
    ----------
    X : array-like of shape (n,) or (n, d)
        Observations (a DataFrame's columns are the dimensions).
    family : str, default="normal"
        The model family.
    delta : float, default=0.05
        Tolerated departure from indistinguishability, in (0, 1/2).
    bound : {"pinsker", "bhattacharyya"}, default="pinsker"
        How delta becomes epsilon.
    threshold : float, optional
        epsilon given directly (then delta and bound are not used).
    columns : sequence of str, optional
        With a DataFrame, the columns to use (the CLI's ``--columns``); all when omitted.

    Returns
    -------
    PnResult
        The expansion terms, n_min, the verdict and the information criteria.

    Raises
    ------
    MissingColumnError
        A name in ``columns`` that is not a column of ``X`` (a ``KeyError``).
    """
    if columns is not None:
        available = [str(c) for c in getattr(X, "columns", [])]
        for c in columns:
            if c not in available:
                raise MissingColumnError(
                    f"column `{c}` not found (available: {', '.join(available)})",
                    param=c,
                    value="missing",
                    reason=f"available: {', '.join(available)}",
                )
        X = X[list(columns)]
    x = check_array(X, ensure_2d=False, dtype=np.float64, input_name="X")
    if x.ndim == 1:
        x = x.reshape(-1, 1)
    d = _core.pn_criterion(
        x, family, None if threshold is None else float(threshold), float(delta), bound
    )
    return PnResult(**d)


def n_min(c1: float, c2: float, epsilon: float) -> int:
    """Smallest ``n >= 1`` beyond which ``c1 / n + c2 / n^2 <= epsilon``.

    Parameters
    ----------
    c1 : float
        First-order term (> 0).
    c2 : float
        Second-order term.
    epsilon : float
        Threshold (> 0).

    Returns
    -------
    int
        ``ceil((c1 + sqrt(c1^2 + 4 epsilon c2)) / (2 epsilon))`` (1 when every n passes).
    """
    return int(_core.pn_n_min(float(c1), float(c2), float(epsilon)))


def threshold(delta: float = 0.05, bound: Literal["pinsker", "bhattacharyya"] = "pinsker") -> float:
    """epsilon from delta: ``8 delta^2`` (Pinsker) or ``-log(1 - 4 delta^2)`` (Bhattacharyya).

    Parameters
    ----------
    delta : float, default=0.05
        In (0, 1/2).
    bound : {"pinsker", "bhattacharyya"}, default="pinsker"
        The bound.

    Returns
    -------
    float
        epsilon.
    """
    return float(_core.pn_threshold(float(delta), bound))


def simulate_risk(
    family: Family,
    truth: str,
    n: Sequence[int] = (50, 100, 200),
    *,
    replicates: int = 10_000,
    seed: int = 1,
    dim: int = 1,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Monte Carlo MLE risk of ``family`` fitted to draws from ``truth``, next to the expansion.

    Parameters
    ----------
    family : str
        The model family.
    truth : str
        The data-generating distribution (see the module docs).
    n : sequence of int, default=(50, 100, 200)
        Sample sizes (>= 2).
    replicates : int, default=10000
        Replicates per n.
    seed : int, default=1
        Seed (the CLI's ``veristat pn simulate`` streams: same seed, same numbers).
    dim : int, default=1
        Observation dimension for the Gaussian families.
    n_jobs : int, optional
        Threads; results do not depend on it.

    Returns
    -------
    pandas.DataFrame
        Per n: ``risk_mc`` and ``se`` (with the control variate), ``risk_plain``, ``se_plain``,
        ``c1``, ``c2`` and ``risk_second_order``.
    """
    rows = _core.pn_simulate(
        family, truth, int(dim), [int(v) for v in n], int(replicates), int(seed),
        n_jobs_threads(n_jobs),
    )
    return pd.DataFrame(rows)

"""Local differential privacy: every mechanism privatizes a whole array in one call, the server
aggregates the reports, and audits check the claimed guarantee.

Mechanisms (``Mechanism(name, epsilon, ...)``): randomized response ``"rr"``, generalized
randomized response ``"grr"``, the unary-encoding oracles ``"oue"``/``"sue"``, optimized local
hashing ``"olh"`` (categories ``0..k-1``); Duchi et al.'s ``"duchi"`` (scalar on [-1, 1]),
``"duchi-l2"`` and ``"duchi-linf"`` (vectors in the unit ball / box), ``"piecewise"`` and
``"hybrid"`` (Wang et al. 2019), clipped ``"laplace"``, and ``"gaussian"`` /
``"gaussian-analytic"`` (need ``delta``). Each has an unbiased decoder, so
:meth:`Mechanism.aggregate` is the mean of the decodes (a frequency vector for the oracles),
with its exact variance when the true inputs are given.

The three LDP sparse regressions are estimators: :class:`NonInteractiveLDPRegression`,
:class:`PublicDataLDPRegression` and :class:`LDPIterativeHardThresholding` (Zhu et al., ICLR
2024), when the core provides them (see ``__all__``).

Examples
--------
>>> import numpy as np
>>> from veristat.ldp import Mechanism
>>> m = Mechanism("duchi", epsilon=1.0)
>>> reports = m.privatize(np.full(20_000, 0.3), seed=7)
>>> est, var = m.aggregate(reports)
>>> bool(abs(est[0] - 0.3) < 0.1)
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.utils.validation import check_array

from . import _core
from .exceptions import InvalidParameterError

__all__ = ["Mechanism", "Audit", "MECHANISMS"]

MECHANISMS: tuple[str, ...] = (
    "rr",
    "grr",
    "oue",
    "sue",
    "olh",
    "duchi",
    "duchi-l2",
    "duchi-linf",
    "piecewise",
    "hybrid",
    "laplace",
    "gaussian",
    "gaussian-analytic",
)


@dataclass(frozen=True)
class Audit:
    """An empirical privacy audit (black-box sampling at the worst input pair).

    Attributes
    ----------
    mechanism : str
        The mechanism's name.
    epsilon, delta : float
        The claimed guarantee.
    epsilon_lower : float
        A lower confidence bound on the true privacy loss; the audit fails when it exceeds
        ``epsilon``.
    epsilon_estimate : float
        The point estimate of the largest log ratio.
    delta_estimate : float
        For (epsilon, delta) mechanisms, the estimated hockey-stick divergence at ``epsilon``.
    draws : int
        Outputs drawn per input.
    level : float
        Confidence level of ``epsilon_lower``.
    method : str
        ``"histogram"`` or ``"hockey-stick"``.
    passed : bool
        ``epsilon_lower <= epsilon``.
    """

    mechanism: str
    epsilon: float
    delta: float
    epsilon_lower: float
    epsilon_estimate: float
    delta_estimate: float
    draws: int
    level: float
    method: str
    passed: bool


class Mechanism:
    """A local randomizer with its decoder, its variance and its audits.

    Parameters
    ----------
    name : str
        One of :data:`MECHANISMS`.
    epsilon : float
        Privacy parameter (> 0).
    delta : float, optional
        For the Gaussian mechanisms, in (0, 1).
    k : int, default=2
        Number of categories of the frequency oracles.
    d : int, default=1
        Input dimension of the vector mechanisms.

    Attributes
    ----------
    input_dim, output_dim, estimate_dim : int
        Width of an input row, of a report, and of a decoded report.
    """

    def __init__(
        self, name: str, epsilon: float, *, delta: float | None = None, k: int = 2, d: int = 1
    ) -> None:
        self.name = name
        self.epsilon = float(epsilon)
        self.delta = None if delta is None else float(delta)
        self.k = int(k)
        self.d = int(d)
        info = _core.ldp_info(*self._args())
        self.input_dim: int = info["input_dim"]
        self.output_dim: int = info["output_dim"]
        self.estimate_dim: int = info["estimate_dim"]
        self.discrete: bool = info["discrete"]

    def __repr__(self) -> str:
        extra = "" if self.delta is None else f", delta={self.delta}"
        return f"Mechanism({self.name!r}, epsilon={self.epsilon}{extra}, k={self.k}, d={self.d})"

    def __reduce__(self):
        return (_rebuild, (self.name, self.epsilon, self.delta, self.k, self.d))

    def _args(self) -> tuple[Any, ...]:
        return (self.name, self.epsilon, self.delta, self.k, self.d)

    def _rows(self, a: ArrayLike, name: str, width: int) -> NDArray[np.float64]:
        arr = check_array(
            a, ensure_2d=False, dtype=np.float64, input_name=name, ensure_min_samples=1
        )
        if arr.ndim == 1:
            arr = arr.reshape(-1, 1) if width == 1 else arr.reshape(1, -1)
        if arr.ndim != 2 or arr.shape[1] != width:
            raise InvalidParameterError(
                f"`{name}` must have {width} column(s), got shape {arr.shape}",
                param=name,
                value=str(arr.shape),
                reason=f"rows of width {width}",
            )
        return arr

    def privatize(self, x: ArrayLike, *, seed: int = 0) -> NDArray[np.float64]:
        """Privatize every user's input in one call.

        Parameters
        ----------
        x : array-like of shape (n_users,) or (n_users, input_dim)
            True inputs (categories ``0..k-1`` for the oracles; values are clipped to the
            mechanism's domain).
        seed : int, default=0
            Seed; the reports are a pure function of (mechanism, x, seed), whatever the thread
            count.

        Returns
        -------
        ndarray of shape (n_users, output_dim)
            The reports.
        """
        return _core.ldp_privatize(*self._args(), self._rows(x, "x", self.input_dim), int(seed))

    def decode(self, reports: ArrayLike) -> NDArray[np.float64]:
        """Each report's unbiased decode.

        Parameters
        ----------
        reports : array-like of shape (n_users, output_dim)
            Reports from :meth:`privatize`.

        Returns
        -------
        ndarray of shape (n_users, estimate_dim)
            Decoded reports.
        """
        return _core.ldp_decode(*self._args(), self._rows(reports, "reports", self.output_dim))

    def aggregate(
        self, reports: ArrayLike, x: ArrayLike | None = None
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The server's estimate: the mean decode, and its exact variance.

        Parameters
        ----------
        reports : array-like of shape (n_users, output_dim)
            Reports.
        x : array-like of shape (n_users, input_dim), optional
            The true inputs, for the variance (NaN without them).

        Returns
        -------
        estimate : ndarray of shape (estimate_dim,)
            Mean (or frequency vector).
        variance : ndarray of shape (estimate_dim,)
            Its variance under the mechanism.
        """
        xs = None if x is None else self._rows(x, "x", self.input_dim)
        est, var = _core.ldp_aggregate(
            *self._args(), self._rows(reports, "reports", self.output_dim), xs
        )
        return np.asarray(est), np.asarray(var)

    def audit(self, draws: int = 100_000, *, level: float = 0.95, seed: int = 0) -> Audit:
        """Empirical audit: sample the worst input pair, bound the privacy loss from below.

        Parameters
        ----------
        draws : int, default=100000
            Outputs per input.
        level : float, default=0.95
            Confidence of the lower bound.
        seed : int, default=0
            Seed.

        Returns
        -------
        Audit
            The bound and whether it respects ``epsilon``.
        """
        a = _core.ldp_audit(*self._args(), int(draws), float(level), int(seed))
        a["passed"] = a.pop("pass")
        return Audit(**a)

    def exact_audit(self) -> dict[str, Any]:
        """The exact worst-case likelihood ratio of a discrete mechanism.

        Returns
        -------
        dict
            ``max_ratio``, ``bound`` (e^epsilon), ``pass`` and ``outputs`` examined.

        Raises
        ------
        InvalidParameterError
            For a continuous mechanism.
        """
        return _core.ldp_exact_audit(*self._args())


def _rebuild(name: str, epsilon: float, delta: float | None, k: int, d: int) -> Mechanism:
    return Mechanism(name, epsilon, delta=delta, k=k, d=d)

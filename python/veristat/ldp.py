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

The three LDP sparse regressions of Zhu, Ding, Aggarwal, Xu and Wang (ICLR 2024) are
scikit-learn regressors for ``y = <x, theta*> + noise`` with sparse ``theta*`` (no intercept:
center first): :class:`NonInteractiveLDPRegression` (Algorithm 1: each user sends one noisy
covariance message and one noisy cross moment), :class:`PublicDataLDPRegression` (the
covariance from public unlabeled covariates, users send only the cross moment) and
:class:`LDPIterativeHardThresholding` (sequentially interactive, each user in one round).

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

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from . import _core
from ._base import fit_xy, python_names
from .exceptions import InvalidParameterError

__all__ = [
    "Mechanism",
    "Audit",
    "MECHANISMS",
    "NonInteractiveLDPRegression",
    "PublicDataLDPRegression",
    "LDPIterativeHardThresholding",
]

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


class _LDPRegressor(RegressorMixin, BaseEstimator):
    """``predict = X @ coef_`` and the fitted privacy record."""

    coef_: NDArray[np.float64]

    def _store(self, fit: dict[str, Any]) -> None:
        self.coef_ = np.asarray(fit["coef"])
        self.epsilon_ = fit["epsilon"]
        self.delta_ = fit["delta"]
        self.diagnostics_ = json.loads(fit["diagnostics"])

    def predict(self, X: ArrayLike) -> NDArray[np.float64]:
        """Predict ``X @ coef_`` (the model has no intercept).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        ndarray of shape (n_samples,)
            Predictions.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return X @ self.coef_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # The privacy noise dominates at the checks' few hundred users: R^2 is not a test.
        tags.regressor_tags.poor_score = True
        return tags


class NonInteractiveLDPRegression(_LDPRegressor):
    """Non-interactive (epsilon, delta)-LDP sparse linear regression (Zhu et al. 2024, Alg. 1).

    Every user sends once ``xbar xbar^T + N1`` and ``xtilde ytilde + N2`` (truncated at
    ``tau1``/``tau2``, Gaussian noise at (epsilon/2, delta/2) each); the server floors the
    eigenvalues of the covariance and soft-thresholds ``Sigma^-1 s``. Rate
    ``O~(d sqrt(k) / (sqrt(n) epsilon))``.

    Parameters
    ----------
    epsilon : float, default=1.0
        Per-user privacy budget (> 0).
    delta : float, default=1e-5
        In (0, 1).
    tau1, tau2 : float, default=4.0, 8.0
        Truncation levels of the covariates and the response.
    radius : float, optional
        l2 shrinkage radius of the covariate vector in the covariance message.
    threshold : float, optional
        A fixed soft threshold (the paper's lambda) instead of the default rule.
    threshold_scale : float, default=1.0
        Constant c of the default threshold rule.
    l1_bound : float, default=1.0
        Bound R on ``||theta*||_1`` used by the default rule.
    floor : float, optional
        Eigenvalue floor kappa.
    seed : int, default=0
        Seed of the privacy noise.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        theta hat.
    epsilon_, delta_ : float
        The per-user guarantee of the whole protocol.
    diagnostics_ : dict
        Noise scales, threshold, floor, eigenvalues floored.
    """

    _public = False

    def __init__(
        self,
        epsilon: float = 1.0,
        delta: float = 1e-5,
        *,
        tau1: float = 4.0,
        tau2: float = 8.0,
        radius: float | None = None,
        threshold: float | None = None,
        threshold_scale: float = 1.0,
        l1_bound: float = 1.0,
        floor: float | None = None,
        seed: int = 0,
    ) -> None:
        self.epsilon = epsilon
        self.delta = delta
        self.tau1 = tau1
        self.tau2 = tau2
        self.radius = radius
        self.threshold = threshold
        self.threshold_scale = threshold_scale
        self.l1_bound = l1_bound
        self.floor = floor
        self.seed = seed

    def _fit(self, X: ArrayLike, y: ArrayLike, X_public: ArrayLike | None) -> Any:
        X, y = fit_xy(self, X, y)
        xp = None
        if self._public:
            xp = X if X_public is None else check_array(X_public, dtype=np.float64, input_name="X_public")
        opt = lambda v: None if v is None else float(v)  # noqa: E731
        with python_names({"lambda": "threshold", "lambda_scale": "threshold_scale", "public": "X_public"}):
            fit = _core.ldp_nldp_fit(
                X,
                y,
                float(self.epsilon),
                float(self.delta),
                float(self.tau1),
                float(self.tau2),
                opt(self.radius),
                opt(self.threshold),
                float(self.threshold_scale),
                float(self.l1_bound),
                opt(self.floor),
                xp,
                int(self.seed),
            )
        self._store(fit)
        return self

    def fit(self, X: ArrayLike, y: ArrayLike) -> NonInteractiveLDPRegression:
        """Simulate the protocol on the users' data and estimate theta.

        Parameters
        ----------
        X : array-like of shape (n_users, n_features)
            Covariates (one row per user).
        y : array-like of shape (n_users,)
            Responses.

        Returns
        -------
        self
            The fitted estimator.
        """
        return self._fit(X, y, None)


class PublicDataLDPRegression(NonInteractiveLDPRegression):
    """LDP sparse regression with public unlabeled covariates (Zhu et al. 2024, section 1b).

    The covariance comes from public covariates (truncated, no noise); users send only their
    noisy cross moment with the whole budget. Rate ``O~(sqrt(d k) / (sqrt(n) epsilon))``.
    Parameters as :class:`NonInteractiveLDPRegression`.
    """

    _public = True

    def fit(
        self, X: ArrayLike, y: ArrayLike, X_public: ArrayLike | None = None
    ) -> PublicDataLDPRegression:
        """Estimate theta.

        Parameters
        ----------
        X : array-like of shape (n_users, n_features)
            The users' covariates.
        y : array-like of shape (n_users,)
            The users' (private) responses.
        X_public : array-like of shape (m, n_features), optional
            Public unlabeled covariates; when omitted the users' own covariates are taken as
            public (only the responses are private).

        Returns
        -------
        self
            The fitted estimator.
        """
        return self._fit(X, y, X_public)


class LDPIterativeHardThresholding(_LDPRegressor):
    """Sequentially interactive epsilon-LDP iterative hard thresholding (Zhu et al. 2024, 1c).

    Users are shuffled once and split into ``rounds`` disjoint groups; in round t each user of
    group t sends its clipped gradient through Duchi's l-infinity mechanism, the server averages,
    steps, keeps the ``n_nonzero_coefs`` largest coordinates and projects on the l1 ball.

    Parameters
    ----------
    epsilon : float, default=1.0
        Per-user budget (each user takes part in one round).
    n_nonzero_coefs : int, optional
        Sparsity s; 10% of the features (at least 1) when omitted.
    rounds : int, default=10
        Rounds T (at most the number of users).
    step : float, default=1.0
        Step size eta.
    tau1, tau2 : float, default=1.0
        Truncation levels.
    l1_radius : float, default=1.0
        Radius R of the l1 projection (a bound on ``||theta*||_1``).
    seed : int, default=0
        Seed of the shuffle and the privacy noise.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        theta hat.
    epsilon_ : float
        The per-user guarantee.
    diagnostics_ : dict
        Group sizes, gradient bound, steps.
    """

    def __init__(
        self,
        epsilon: float = 1.0,
        n_nonzero_coefs: int | None = None,
        *,
        rounds: int = 10,
        step: float = 1.0,
        tau1: float = 1.0,
        tau2: float = 1.0,
        l1_radius: float = 1.0,
        seed: int = 0,
    ) -> None:
        self.epsilon = epsilon
        self.n_nonzero_coefs = n_nonzero_coefs
        self.rounds = rounds
        self.step = step
        self.tau1 = tau1
        self.tau2 = tau2
        self.l1_radius = l1_radius
        self.seed = seed

    def fit(self, X: ArrayLike, y: ArrayLike) -> LDPIterativeHardThresholding:
        """Run the protocol on the users' data.

        Parameters
        ----------
        X : array-like of shape (n_users, n_features)
            Covariates.
        y : array-like of shape (n_users,)
            Responses.

        Returns
        -------
        self
            The fitted estimator.
        """
        if isinstance(self.rounds, bool) or not isinstance(self.rounds, (int, np.integer)) or self.rounds < 1:
            raise InvalidParameterError(
                f"invalid parameter `rounds` = {self.rounds!r}: must be an integer >= 1",
                param="rounds",
                value=repr(self.rounds),
                reason="must be an integer >= 1",
            )
        # One disjoint group of users per round.
        X, y = fit_xy(self, X, y, ensure_min_samples=int(self.rounds))
        k = self.n_nonzero_coefs
        if k is None:
            k = max(int(0.1 * X.shape[1]), 1)
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise InvalidParameterError(
                f"invalid parameter `n_nonzero_coefs` = {k!r}: must be an integer >= 1",
                param="n_nonzero_coefs",
                value=repr(k),
                reason="must be an integer >= 1",
            )
        with python_names({"k": "n_nonzero_coefs", "l1_radius": "l1_radius"}):
            fit = _core.ldp_iht_fit(
                X,
                y,
                float(self.epsilon),
                int(k),
                int(self.rounds),
                float(self.step),
                float(self.tau1),
                float(self.tau2),
                float(self.l1_radius),
                int(self.seed),
            )
        self._store(fit)
        return self

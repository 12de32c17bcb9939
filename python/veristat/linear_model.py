"""Sparse linear regression: the elastic net and the Lasso (one penalty, a path, K-fold
cross-validation with the one-standard-error rule), iterative hard thresholding, orthogonal
matching pursuit and best-subset selection.

The elastic net minimizes scikit-learn's objective (Friedman, Hastie and Tibshirani 2010, eq. 1
in scikit-learn's scaling)::

    (1 / 2n) ||y - X w - b||^2 + alpha * l1_ratio * ||w||_1 + alpha * (1 - l1_ratio) / 2 * ||w||^2

by cyclic coordinate descent with screening, stopping on the duality gap in scikit-learn's units
(``gap <= tol * ||y - mean(y)||^2``), so ``Lasso``, ``ElasticNet``, ``LassoCV`` and
``ElasticNetCV`` are drop-in replacements for scikit-learn's with the same grid, the same folds
and the same attributes. They add ``standardize`` (glmnet's population-SD standardization, with
coefficients on the original scale) and, for the CV classes, ``alpha_min_``, ``alpha_1se_`` and
``selection="min" | "1se"``.

Examples
--------
>>> import numpy as np
>>> from veristat.linear_model import ElasticNetCV
>>> rng = np.random.default_rng(0)
>>> X = rng.standard_normal((200, 20))
>>> y = X[:, 0] - 2 * X[:, 1] + 0.1 * rng.standard_normal(200)
>>> model = ElasticNetCV(l1_ratio=0.9, cv=5).fit(X, y)
>>> bool(model.alpha_1se_ >= model.alpha_min_)
True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from numbers import Integral, Real
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.model_selection import check_cv
from sklearn.utils.validation import check_array, validate_data

from . import _core
from ._base import (
    fit_xy,
    n_jobs_threads,
    predict_x,
    sample_weight_f64,
    warn_not_converged,
)
from ._validation import as_f64_1d, check_choice, reject
from .exceptions import InvalidParameterError

__all__ = [
    "ElasticNet",
    "Lasso",
    "ElasticNetCV",
    "LassoCV",
    "lasso_path",
    "enet_path",
    "IterativeHardThresholding",
    "OrthogonalMatchingPursuit",
    "BestSubset",
    "LogisticLasso",
    "PoissonLasso",
    "LogisticLassoCV",
    "PoissonLassoCV",
]


class _LinearPredictor(RegressorMixin, BaseEstimator):
    """``predict`` of a fitted linear model ``X @ coef_ + intercept_``."""

    coef_: NDArray[np.float64]
    intercept_: float

    def predict(self, X: ArrayLike) -> NDArray[np.float64]:
        """Predict ``X @ coef_ + intercept_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict (numpy array, pandas or polars DataFrame).

        Returns
        -------
        ndarray of shape (n_samples,)
            Predictions.
        """
        X = predict_x(self, X)
        return X @ self.coef_ + self.intercept_


def _check_gap(fit: dict[str, Any], what: str) -> None:
    if not fit["converged"]:
        warn_not_converged(
            what,
            float(np.max(fit["dual_gaps"] if "dual_gaps" in fit else fit["dual_gap"])),
            float(fit["gap_tol"]),
            "Increase max_iter or tol; the returned coefficients are the last iterate.",
        )


class ElasticNet(_LinearPredictor):
    """Elastic net at one penalty (coordinate descent; scikit-learn's objective and defaults).

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength (> 0).
    l1_ratio : float, default=0.5
        Mixing weight in [0, 1]: 1 is the Lasso, 0 ridge.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept (columns and response are centred first).
    standardize : bool, default=False
        Divide each column by its population standard deviation before fitting, as glmnet does;
        coefficients are reported on the original scale.
    max_iter : int, default=1000
        Cap on coordinate-descent epochs.
    tol : float, default=1e-4
        Stop when the duality gap is at most ``tol * ||y - mean(y)||^2``.
    precompute : bool or "auto", default="auto"
        Coordinate descent on the Gram matrix ``X^T X`` (covariance mode) when True, on the
        residual when False; "auto" uses the Gram matrix from the start when ``n >= 2 d`` and
        ``d <= 512``, and for ``n >= 2 d`` with ``512 < d <= 4096`` switches to it between two
        alphas once the path turns dense enough that ``X^T X`` costs less than the residual
        updates still to come.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Coefficients (original scale).
    intercept_ : float
        Intercept.
    dual_gap_ : float
        Duality gap at the returned point (scikit-learn's units).
    n_iter_ : int
        Coordinate-descent epochs.
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names, when ``X`` was a DataFrame.

    Examples
    --------
    >>> from veristat.linear_model import ElasticNet
    >>> ElasticNet(alpha=0.1).fit([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]], [1.0, 0.0, 3.0]).coef_.shape
    (2,)
    """

    def __init__(
        self,
        alpha: float = 1.0,
        *,
        l1_ratio: float = 0.5,
        fit_intercept: bool = True,
        standardize: bool = False,
        max_iter: int = 1000,
        tol: float = 1e-4,
        precompute: bool | Literal["auto"] = "auto",
    ) -> None:
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.max_iter = max_iter
        self.tol = tol
        self.precompute = precompute

    def _rho(self) -> float:
        return float(self.l1_ratio)

    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> ElasticNet:
        """Fit the model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Design (numpy array, pandas or polars DataFrame; float32 and integers are promoted).
        y : array-like of shape (n_samples,)
            Response.
        sample_weight : array-like of shape (n_samples,), optional
            Observation weights (rescaled to sum to n, as scikit-learn does).

        Returns
        -------
        self
            The fitted estimator.
        """
        X, y = fit_xy(self, X, y)
        fit = _core.enet_fit(
            X,
            y,
            float(self.alpha),
            self._rho(),
            bool(self.fit_intercept),
            bool(self.standardize),
            float(self.tol),
            _positive_int("max_iter", self.max_iter),
            _gram(self.precompute),
            sample_weight_f64(sample_weight, X.shape[0]),
        )
        self.coef_ = fit["coef"]
        self.intercept_ = float(fit["intercept"])
        self.dual_gap_ = float(fit["dual_gap"])
        self.n_iter_ = int(fit["n_iter"])
        _check_gap(fit, type(self).__name__)
        return self


class Lasso(ElasticNet):
    """The Lasso: :class:`ElasticNet` with ``l1_ratio=1``.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength (> 0).
    fit_intercept : bool, default=True
        Fit an unpenalized intercept.
    standardize : bool, default=False
        glmnet's population-SD standardization (coefficients on the original scale).
    max_iter : int, default=1000
        Cap on coordinate-descent epochs.
    tol : float, default=1e-4
        Duality-gap tolerance relative to ``||y - mean(y)||^2``.
    precompute : bool or "auto", default="auto"
        Coordinate descent on the Gram matrix ``X^T X`` (covariance mode) when True, on the
        residual when False; "auto" uses the Gram matrix from the start when ``n >= 2 d`` and
        ``d <= 512``, and for ``n >= 2 d`` with ``512 < d <= 4096`` switches to it between two
        alphas once the path turns dense enough that ``X^T X`` costs less than the residual
        updates still to come.

    Attributes
    ----------
    coef_, intercept_, dual_gap_, n_iter_, n_features_in_, feature_names_in_
        As :class:`ElasticNet`.
    """

    def __init__(
        self,
        alpha: float = 1.0,
        *,
        fit_intercept: bool = True,
        standardize: bool = False,
        max_iter: int = 1000,
        tol: float = 1e-4,
        precompute: bool | Literal["auto"] = "auto",
    ) -> None:
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.max_iter = max_iter
        self.tol = tol
        self.precompute = precompute

    def _rho(self) -> float:
        return 1.0


def _positive_int(name: str, v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, Integral) or v < 1:
        raise InvalidParameterError(
            f"invalid parameter `{name}` = {v!r}: must be an integer >= 1",
            param=name,
            value=repr(v),
            reason="must be an integer >= 1",
        )
    return int(v)


def _gram(precompute: Any) -> str:
    """scikit-learn's ``precompute`` as the core's covariance mode."""
    if isinstance(precompute, str) and precompute == "auto":
        return "auto"
    if isinstance(precompute, (bool, np.bool_)):
        return "always" if precompute else "never"
    raise InvalidParameterError(
        f"invalid parameter `precompute` = {precompute!r}: must be 'auto', True or False",
        param="precompute",
        value=repr(precompute),
        reason="must be 'auto', True or False (a precomputed Gram matrix is not accepted)",
    )


def _grid_args(alphas: Any, n_alphas: int) -> tuple[int, list[float] | None]:
    """(n_alphas, explicit grid sorted decreasing, or None) from scikit-learn's ``alphas``."""
    if alphas is None or isinstance(alphas, str):
        return _positive_int("n_alphas", n_alphas), None
    if isinstance(alphas, Integral) and not isinstance(alphas, bool):
        return _positive_int("alphas", alphas), None
    grid = np.sort(as_f64_1d(alphas, "alphas"))[::-1]
    return len(grid), [float(a) for a in grid]


def _fold_ids(splits: list[tuple[NDArray[np.intp], NDArray[np.intp]]], n: int) -> list[int] | None:
    """Fold labels when the test sets partition the rows (K-fold, PredefinedSplit, ...)."""
    ids = np.full(n, -1, dtype=np.int64)
    for f, (_, test) in enumerate(splits):
        test = np.asarray(test)
        if np.any(ids[test] != -1):
            return None
        ids[test] = f
    if np.any(ids == -1):
        return None
    for f, (train, test) in enumerate(splits):
        # A partition's training rows must be exactly the other folds.
        if np.asarray(train).size + np.asarray(test).size != n:
            return None
    return ids.tolist()


class _EnetCVBase(_LinearPredictor):
    """K-fold CV of the elastic-net path (shared by :class:`ElasticNetCV` and :class:`LassoCV`;
    each defines ``_rhos``, its mixing weights)."""

    _rhos: Any

    def fit(self, X: ArrayLike, y: ArrayLike) -> _EnetCVBase:
        """Fit the path on every fold and on the full data; choose ``alpha_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Design.
        y : array-like of shape (n_samples,)
            Response.

        Returns
        -------
        self
            The fitted estimator.
        """
        check_choice("selection", self.selection, ("min", "1se"))
        X, y = fit_xy(self, X, y)
        n = X.shape[0]
        n_alphas, grid = _grid_args(self.alphas, 100)
        splits = list(check_cv(self.cv).split(X, y))
        if len(splits) < 2:
            raise InvalidParameterError(
                f"cv gives {len(splits)} split(s); need at least 2",
                param="cv",
                value=repr(self.cv),
                reason="need at least 2 splits",
            )
        ids = _fold_ids(splits, n)
        threads = n_jobs_threads(self.n_jobs)
        common = (
            bool(self.fit_intercept),
            bool(self.standardize),
            float(self.tol),
            _positive_int("max_iter", self.max_iter),
            _gram(self.precompute),
        )
        results = []
        for rho in self._rhos():
            if ids is not None:
                res = _core.enet_cv(
                    X, y, ids, rho, float(self.eps), n_alphas, grid, *common, threads
                )
                fold_mse = np.asarray(res["fold_mse"])  # K x n_alphas
            else:
                # Splits that are not a partition (ShuffleSplit, ...): the same arithmetic, one
                # path per split on the full-data grid.
                res = _core.enet_path(X, y, rho, float(self.eps), n_alphas, grid, *common)
                fold_grid = [float(a) for a in res["alphas"]]
                rows = []
                for train, test in splits:
                    p = _core.enet_path(
                        X[train], y[train], rho, float(self.eps), n_alphas, fold_grid, *common
                    )
                    pred = X[test] @ p["coefs"] + p["intercepts"]
                    rows.append(np.mean((y[test, None] - pred) ** 2, axis=0))
                fold_mse = np.vstack(rows)
            results.append((rho, res, fold_mse.T))

        # scikit-learn's selection: the unweighted mean over folds, the first (largest) alpha at
        # the minimum, and the best l1_ratio by that minimum.
        best = min(range(len(results)), key=lambda i: float(np.min(results[i][2].mean(axis=1))))
        rho, res, mse = results[best]
        mean = mse.mean(axis=1)
        i_min = int(np.argmin(mean))
        k = mse.shape[1]
        se = float(np.std(mse[i_min], ddof=1) / np.sqrt(k))
        i_1se = int(np.flatnonzero(mean <= mean[i_min] + se)[0])
        i = i_min if self.selection == "min" else i_1se
        alphas = np.asarray(res["alphas"])

        self.l1_ratio_ = rho
        self.alphas_ = (
            alphas if len(results) == 1 else np.vstack([np.asarray(r[1]["alphas"]) for r in results])
        )
        self.mse_path_ = mse if len(results) == 1 else np.stack([r[2] for r in results])
        self.alpha_min_ = float(alphas[i_min])
        self.alpha_1se_ = float(alphas[i_1se])
        self.alpha_ = float(alphas[i])
        self.cv_se_ = se
        self.coef_ = np.ascontiguousarray(np.asarray(res["coefs"])[:, i])
        self.intercept_ = float(res["intercepts"][i])
        self.dual_gap_ = float(res["dual_gaps"][i])
        self.n_iter_ = int(res["n_iter"][i])
        if not res["converged"][i]:
            warn_not_converged(
                type(self).__name__,
                self.dual_gap_,
                float(res["gap_tol"]),
                "Increase max_iter or tol; the returned coefficients are the last iterate.",
            )
        return self


class ElasticNetCV(_EnetCVBase):
    """Elastic net with its penalty chosen by K-fold cross-validation.

    The grid is scikit-learn's (``alphas`` values from ``alpha_max`` down to
    ``eps * alpha_max``, geometric, from the full data); each fold's path is fitted on the
    other folds on that grid, centred and standardized on its own rows. ``mse_path_`` holds the
    held-out mean squared errors and ``alpha_min_`` minimizes their unweighted mean over folds
    (scikit-learn's ``alpha_``); ``alpha_1se_`` is the largest alpha whose mean is within one
    standard error of the minimum (the SE: the folds' standard deviation, ddof 1, at the
    minimizing alpha, over the square root of the number of folds).

    Parameters
    ----------
    l1_ratio : float or sequence of float, default=0.5
        Mixing weight(s) in (0, 1]; with a sequence, the one with the smallest CV error is kept.
    eps : float, default=1e-3
        ``alpha_min / alpha_max`` of the automatic grid.
    alphas : int or array-like, default=100
        Number of grid points, or the grid itself (sorted decreasing).
    fit_intercept : bool, default=True
        Fit an unpenalized intercept.
    standardize : bool, default=False
        glmnet's population-SD standardization (coefficients on the original scale).
    max_iter : int, default=1000
        Cap on coordinate-descent epochs per grid point.
    tol : float, default=1e-4
        Duality-gap tolerance relative to ``||y - mean(y)||^2``.
    precompute : bool or "auto", default="auto"
        Coordinate descent on the Gram matrix ``X^T X`` (covariance mode) when True, on the
        residual when False; "auto" uses the Gram matrix from the start when ``n >= 2 d`` and
        ``d <= 512``, and for ``n >= 2 d`` with ``512 < d <= 4096`` switches to it between two
        alphas once the path turns dense enough that ``X^T X`` costs less than the residual
        updates still to come.
    cv : int, cross-validation splitter or iterable, default=None
        As scikit-learn: ``None`` is 5-fold, an int K-fold (no shuffle), or a splitter such as
        ``PredefinedSplit``, or an iterable of (train, test) index arrays.
    n_jobs : int, default=None
        Threads for the folds (a local pool; ``-1`` all cores). Results do not depend on it.
    selection : {"min", "1se"}, default="min"
        Which alpha becomes ``alpha_`` and gives ``coef_``: the CV minimizer (scikit-learn's) or
        the one-standard-error choice (glmnet's ``lambda.1se``). Not scikit-learn's coordinate
        ``selection``: veristat's descent is always cyclic.

    Attributes
    ----------
    alpha_ : float
        The chosen alpha (``alpha_min_`` or ``alpha_1se_``).
    alpha_min_ : float
        The alpha minimizing the mean CV error (the largest one on ties).
    alpha_1se_ : float
        The largest alpha within one standard error of the minimum.
    l1_ratio_ : float
        The chosen mixing weight.
    alphas_ : ndarray of shape (n_alphas,) or (n_l1_ratio, n_alphas)
        The grid(s).
    mse_path_ : ndarray of shape (n_alphas, n_folds) or (n_l1_ratio, n_alphas, n_folds)
        Held-out mean squared error per alpha and fold.
    cv_se_ : float
        The standard error used by the one-SE rule.
    coef_ : ndarray of shape (n_features,)
        Full-data coefficients at ``alpha_``.
    intercept_ : float
        Intercept at ``alpha_``.
    dual_gap_ : float
        Duality gap at ``alpha_``.
    n_iter_ : int
        Epochs at ``alpha_``.
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names, when ``X`` was a DataFrame.
    """

    def __init__(
        self,
        *,
        l1_ratio: float | Sequence[float] = 0.5,
        eps: float = 1e-3,
        alphas: int | ArrayLike = 100,
        fit_intercept: bool = True,
        standardize: bool = False,
        max_iter: int = 1000,
        tol: float = 1e-4,
        precompute: bool | Literal["auto"] = "auto",
        cv: int | Any | Iterable[Any] | None = None,
        n_jobs: int | None = None,
        selection: Literal["min", "1se"] = "min",
    ) -> None:
        self.l1_ratio = l1_ratio
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.max_iter = max_iter
        self.tol = tol
        self.precompute = precompute
        self.cv = cv
        self.n_jobs = n_jobs
        self.selection = selection

    def _rhos(self) -> list[float]:
        if isinstance(self.l1_ratio, Real):
            return [float(self.l1_ratio)]
        return [float(r) for r in as_f64_1d(self.l1_ratio, "l1_ratio")]


class LassoCV(_EnetCVBase):
    """The Lasso with its penalty chosen by K-fold cross-validation.

    :class:`ElasticNetCV` with ``l1_ratio=1``; see there for the grid, the folds and the
    one-standard-error rule.

    Parameters
    ----------
    eps : float, default=1e-3
        ``alpha_min / alpha_max`` of the automatic grid.
    alphas : int or array-like, default=100
        Number of grid points, or the grid itself.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept.
    standardize : bool, default=False
        glmnet's population-SD standardization.
    max_iter : int, default=1000
        Cap on coordinate-descent epochs per grid point.
    tol : float, default=1e-4
        Duality-gap tolerance.
    precompute : bool or "auto", default="auto"
        Coordinate descent on the Gram matrix ``X^T X`` (covariance mode) when True, on the
        residual when False; "auto" uses the Gram matrix from the start when ``n >= 2 d`` and
        ``d <= 512``, and for ``n >= 2 d`` with ``512 < d <= 4096`` switches to it between two
        alphas once the path turns dense enough that ``X^T X`` costs less than the residual
        updates still to come.
    cv : int, cross-validation splitter or iterable, default=None
        The folds (see :class:`ElasticNetCV`).
    n_jobs : int, default=None
        Threads for the folds.
    selection : {"min", "1se"}, default="min"
        Which alpha becomes ``alpha_``.

    Attributes
    ----------
    alpha_, alpha_min_, alpha_1se_, alphas_, mse_path_, cv_se_, coef_, intercept_, dual_gap_, n_iter_
        As :class:`ElasticNetCV`.
    """

    def __init__(
        self,
        *,
        eps: float = 1e-3,
        alphas: int | ArrayLike = 100,
        fit_intercept: bool = True,
        standardize: bool = False,
        max_iter: int = 1000,
        tol: float = 1e-4,
        precompute: bool | Literal["auto"] = "auto",
        cv: int | Any | Iterable[Any] | None = None,
        n_jobs: int | None = None,
        selection: Literal["min", "1se"] = "min",
    ) -> None:
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.max_iter = max_iter
        self.tol = tol
        self.precompute = precompute
        self.cv = cv
        self.n_jobs = n_jobs
        self.selection = selection

    def _rhos(self) -> list[float]:
        return [1.0]


def enet_path(
    X: ArrayLike,
    y: ArrayLike,
    *,
    l1_ratio: float = 0.5,
    eps: float = 1e-3,
    n_alphas: int = 100,
    alphas: ArrayLike | int | None = None,
    precompute: Any = "auto",
    Xy: ArrayLike | None = None,
    copy_X: bool = True,
    coef_init: ArrayLike | None = None,
    verbose: bool | int = False,
    return_n_iter: bool = False,
    positive: bool = False,
    check_input: bool = True,
    **params: Any,
) -> tuple[NDArray[np.float64], ...]:
    """Elastic-net path by warm-started coordinate descent (scikit-learn's ``enet_path``).

    As scikit-learn's, no intercept is fitted: center ``X`` and ``y`` first if you need one.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Design.
    y : array-like of shape (n_samples,)
        Response.
    l1_ratio : float, default=0.5
        Mixing weight in (0, 1].
    eps : float, default=1e-3
        ``alpha_min / alpha_max`` of the automatic grid.
    n_alphas : int, default=100
        Number of grid points of the automatic grid.
    alphas : array-like or int, optional
        The grid itself (sorted decreasing), or its size.
    precompute : bool or "auto", default="auto"
        Covariance mode (see :class:`ElasticNet`).
    copy_X, verbose, check_input
        Accepted for compatibility; the core never modifies X.
    Xy, coef_init : None
        Not supported.
    return_n_iter : bool, default=False
        Also return the epochs per grid point.
    positive : False
        Not supported.
    **params
        ``tol`` (default 1e-4) and ``max_iter`` (default 1000).

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
        The grid.
    coefs : ndarray of shape (n_features, n_alphas)
        Coefficients along the path.
    dual_gaps : ndarray of shape (n_alphas,)
        Duality gaps at the end of each optimization.
    n_iters : list of int
        Epochs per grid point (only when ``return_n_iter``).
    """
    reject(Xy=Xy, coef_init=coef_init, positive=positive or None)
    unknown = set(params) - {"tol", "max_iter"}
    if unknown:
        name = sorted(unknown)[0]
        reject(**{name: params[name]})
    X = check_array(X, dtype=np.float64)
    y = as_f64_1d(y, "y")
    n, grid = _grid_args(alphas, n_alphas)
    res = _core.enet_path(
        X,
        y,
        float(l1_ratio),
        float(eps),
        n,
        grid,
        False,
        False,
        float(params.get("tol", 1e-4)),
        _positive_int("max_iter", params.get("max_iter", 1000)),
        _gram(precompute),
    )
    _check_gap(res, "enet_path")
    out = (np.asarray(res["alphas"]), np.asarray(res["coefs"]), np.asarray(res["dual_gaps"]))
    if return_n_iter:
        return (*out, list(res["n_iter"]))
    return out


def lasso_path(
    X: ArrayLike,
    y: ArrayLike,
    *,
    eps: float = 1e-3,
    n_alphas: int = 100,
    alphas: ArrayLike | int | None = None,
    precompute: Any = "auto",
    Xy: ArrayLike | None = None,
    copy_X: bool = True,
    coef_init: ArrayLike | None = None,
    verbose: bool | int = False,
    return_n_iter: bool = False,
    positive: bool = False,
    **params: Any,
) -> tuple[NDArray[np.float64], ...]:
    """Lasso path: :func:`enet_path` with ``l1_ratio=1`` (scikit-learn's ``lasso_path``).

    Parameters
    ----------
    X, y, eps, n_alphas, alphas, precompute, Xy, copy_X, coef_init, verbose, return_n_iter, positive, **params
        As :func:`enet_path`.

    Returns
    -------
    alphas, coefs, dual_gaps[, n_iters]
        As :func:`enet_path`.
    """
    return enet_path(
        X,
        y,
        l1_ratio=1.0,
        eps=eps,
        n_alphas=n_alphas,
        alphas=alphas,
        precompute=precompute,
        Xy=Xy,
        copy_X=copy_X,
        coef_init=coef_init,
        verbose=verbose,
        return_n_iter=return_n_iter,
        positive=positive,
        **params,
    )


def _default_k(n_nonzero_coefs: int | None, n_features: int) -> int:
    # scikit-learn's OMP default: 10% of the features, at least one.
    if n_nonzero_coefs is None:
        return max(int(0.1 * n_features), 1)
    return _positive_int("n_nonzero_coefs", n_nonzero_coefs)


class IterativeHardThresholding(_LinearPredictor):
    """Iterative hard thresholding: least squares subject to at most ``k`` nonzero coefficients.

    ``w <- H_k(w + mu X^T (y - X w) / n)``, ``H_k`` keeping the k largest entries (Blumensath and
    Davies 2009, eq. 1), with the normalized step of Blumensath and Davies (2010, eq. 13) or the
    fixed step ``1 / L``.

    Parameters
    ----------
    n_nonzero_coefs : int, optional
        The sparsity k; 10% of the features (at least 1) when omitted.
    step : {"normalized", "fixed"}, default="normalized"
        Step-size rule.
    tol : float, default=1e-8
        Stop when ``||dw|| <= tol ||w||``.
    max_iter : int, default=1000
        Iteration cap.
    fit_intercept : bool, default=True
        Fit an intercept by centering.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Coefficients (at most k nonzero).
    intercept_ : float
        Intercept.
    support_ : ndarray of int
        Indices of the nonzero coefficients.
    n_iter_ : int
        Iterations.
    """

    def __init__(
        self,
        n_nonzero_coefs: int | None = None,
        *,
        step: Literal["normalized", "fixed"] = "normalized",
        tol: float = 1e-8,
        max_iter: int = 1000,
        fit_intercept: bool = True,
    ) -> None:
        self.n_nonzero_coefs = n_nonzero_coefs
        self.step = step
        self.tol = tol
        self.max_iter = max_iter
        self.fit_intercept = fit_intercept

    def fit(self, X: ArrayLike, y: ArrayLike) -> IterativeHardThresholding:
        """Fit the model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Design.
        y : array-like of shape (n_samples,)
            Response.

        Returns
        -------
        self
            The fitted estimator.
        """
        X, y = fit_xy(self, X, y)
        k = _default_k(self.n_nonzero_coefs, X.shape[1])
        fit = _core.iht_fit(
            X,
            y,
            k,
            str(self.step),
            float(self.tol),
            _positive_int("max_iter", self.max_iter),
            bool(self.fit_intercept),
        )
        self.coef_ = fit["coef"]
        self.intercept_ = float(fit["intercept"])
        self.support_ = np.asarray(fit["support"], dtype=np.intp)
        self.n_iter_ = int(fit["n_iter"])
        if not fit["converged"]:
            warn_not_converged(
                "IterativeHardThresholding",
                float(fit["relative_change"]),
                float(self.tol),
                "Increase max_iter; the returned coefficients are the last k-sparse iterate.",
            )
        return self


class OrthogonalMatchingPursuit(_LinearPredictor):
    """Orthogonal matching pursuit (Pati, Rezaiifar and Krishnaprasad 1993).

    With the default ``selection="correlation"`` the selected atoms and the coefficients are
    scikit-learn's ``OrthogonalMatchingPursuit``'s.

    Parameters
    ----------
    n_nonzero_coefs : int, optional
        Atoms to select; 10% of the features (at least 1) when neither it nor ``tol`` is given.
    tol : float, optional
        Stop once the squared residual norm is at most ``tol`` (overrides ``n_nonzero_coefs``).
    fit_intercept : bool, default=True
        Fit an intercept by centering.
    selection : {"correlation", "normalized"}, default="correlation"
        Score candidates by ``|x_j^T r|`` (scikit-learn's) or ``|x_j^T r| / ||x_j||`` (invariant
        to column scaling).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Coefficients.
    intercept_ : float
        Intercept.
    support_ : ndarray of int
        Selected atoms, in selection order.
    n_iter_ : int
        Atoms selected.
    n_nonzero_coefs_ : int or None
        The sparsity target used.
    """

    def __init__(
        self,
        *,
        n_nonzero_coefs: int | None = None,
        tol: float | None = None,
        fit_intercept: bool = True,
        selection: Literal["correlation", "normalized"] = "correlation",
    ) -> None:
        self.n_nonzero_coefs = n_nonzero_coefs
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.selection = selection

    def fit(self, X: ArrayLike, y: ArrayLike) -> OrthogonalMatchingPursuit:
        """Fit the model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Design.
        y : array-like of shape (n_samples,)
            Response.

        Returns
        -------
        self
            The fitted estimator.
        """
        check_choice("selection", self.selection, ("correlation", "normalized"))
        X, y = fit_xy(self, X, y)
        k = None if self.tol is not None else _default_k(self.n_nonzero_coefs, X.shape[1])
        fit = _core.omp_fit(
            X,
            y,
            k,
            None if self.tol is None else float(self.tol),
            bool(self.fit_intercept),
            self.selection == "normalized",
        )
        self.coef_ = fit["coef"]
        self.intercept_ = float(fit["intercept"])
        self.support_ = np.asarray(fit["support"], dtype=np.intp)
        self.n_iter_ = int(fit["n_iter"])
        self.n_nonzero_coefs_ = k
        return self


class BestSubset(_LinearPredictor):
    """Best-subset selection by splicing (Zhu et al. 2020, PNAS: the abess algorithm).

    For each support size the active set is improved by exchanging up to ``max_exchange``
    members with non-members while the loss drops; the size is chosen by the generalized
    information criterion ``GIC(s) = n log L_s + s log(p) log(log n)`` (eq. 5).

    Parameters
    ----------
    support_sizes : (int, int), optional
        Smallest and largest support size searched; abess's default range when omitted.
    max_exchange : int, default=2
        Largest exchange size ``C_max``.
    max_splicing_iter : int, default=20
        Cap on splicing passes per size.
    fit_intercept : bool, default=True
        Fit an intercept by centering.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Coefficients of the chosen subset.
    intercept_ : float
        Intercept.
    support_ : ndarray of int
        The chosen subset.
    support_size_ : int
        Its size.
    sizes_, loss_path_, gic_path_ : ndarray
        Every size searched, its loss ``(1/2n)||y - X b||^2`` and its GIC.
    """

    def __init__(
        self,
        *,
        support_sizes: tuple[int, int] | None = None,
        max_exchange: int = 2,
        max_splicing_iter: int = 20,
        fit_intercept: bool = True,
    ) -> None:
        self.support_sizes = support_sizes
        self.max_exchange = max_exchange
        self.max_splicing_iter = max_splicing_iter
        self.fit_intercept = fit_intercept

    def fit(self, X: ArrayLike, y: ArrayLike) -> BestSubset:
        """Fit the model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Design.
        y : array-like of shape (n_samples,)
            Response.

        Returns
        -------
        self
            The fitted estimator.
        """
        # The GIC needs log(log n) > 0.
        X, y = fit_xy(self, X, y, ensure_min_samples=3)
        sizes = None
        if self.support_sizes is not None:
            lo, hi = self.support_sizes
            sizes = (int(lo), int(hi))
        fit = _core.best_subset_fit(
            X,
            y,
            sizes,
            _positive_int("max_exchange", self.max_exchange),
            _positive_int("max_splicing_iter", self.max_splicing_iter),
            bool(self.fit_intercept),
        )
        self.coef_ = fit["coef"]
        self.intercept_ = float(fit["intercept"])
        self.support_ = np.asarray(fit["support"], dtype=np.intp)
        self.support_size_ = int(self.support_.size)
        self.sizes_ = np.asarray(fit["sizes"], dtype=np.intp)
        self.loss_path_ = np.asarray(fit["loss"], dtype=np.float64)
        self.gic_path_ = np.asarray(fit["gic"], dtype=np.float64)
        return self


# ---------------------------------------------------------------------------------------------
# Penalized GLMs with glmnet's semantics (issue 16).
#
# Separate classes rather than a ``family=`` switch on ElasticNet: scikit-learn ties an
# estimator's type to its response. A logistic model is a classifier (labels in, labels out of
# ``predict``, ``predict_proba``, accuracy as ``score``, ``classes_``), as
# ``LogisticRegression(penalty="l1")``; a Poisson model is a regressor whose ``predict`` is the
# mean count and whose ``score`` is the deviance explained, as ``PoissonRegressor``. A family
# switch on a RegressorMixin would break ``is_classifier``, scorers and cross-validation
# splitters (stratification). glmnet's own ``family=`` lives in the CLI and the Rust API.
# ---------------------------------------------------------------------------------------------


def _pf(penalty_factor: Any, d: int) -> NDArray[np.float64] | None:
    if penalty_factor is None:
        return None
    pf = as_f64_1d(penalty_factor, "penalty_factor")
    if pf.shape[0] != d:
        raise InvalidParameterError(
            f"invalid parameter `penalty_factor`: {pf.shape[0]} values for {d} features",
            param="penalty_factor",
            value=str(pf.shape[0]),
            reason=f"need one per feature ({d})",
        )
    return pf


def _check_kkt(res: dict[str, Any], i: int, what: str) -> None:
    if not res["converged"][i]:
        warn_not_converged(
            what,
            float(res["kkt"][i]),
            float(res["kkt_tol"]),
            "Increase max_iter; the returned coefficients are the last iterate.",
        )


def _binary_codes(est: Any, y: Any) -> NDArray[np.float64]:
    from sklearn.utils.multiclass import check_classification_targets

    from .exceptions import InvalidDataError

    check_classification_targets(y)
    est.classes_, codes = np.unique(y, return_inverse=True)
    if len(est.classes_) != 2:
        raise InvalidDataError(
            f"Only binary classification is supported: {type(est).__name__} needs exactly 2 "
            f"classes; y has {len(est.classes_)} class(es)",
            param="y",
            value=str(len(est.classes_)),
            reason="binary classification",
        )
    return codes.astype(np.float64)


class _GlmMixin:
    """The fit shared by the GLM classes: glmnet's objective
    ``(1/n) sum_i w_i loss_i + alpha sum_j pf_j (l1_ratio |b_j| + (1 - l1_ratio)/2 b_j^2)``."""

    _family: str

    def _params(self) -> tuple[Any, ...]:
        return (
            float(self.l1_ratio),  # type: ignore[attr-defined]
            bool(self.fit_intercept),  # type: ignore[attr-defined]
            bool(self.standardize),  # type: ignore[attr-defined]
            float(self.tol),  # type: ignore[attr-defined]
            _positive_int("max_iter", self.max_iter),  # type: ignore[attr-defined]
        )

    def _fit_one(self, X: Any, y: Any, sample_weight: Any) -> None:
        l1, icpt, std, tol, mi = self._params()
        res = _core.glm_path(
            X, y, self._family, l1, 1, None, [float(self.alpha)], icpt, std, tol, mi,  # type: ignore[attr-defined]
            False, sample_weight_f64(sample_weight, X.shape[0]),
            _pf(self.penalty_factor, X.shape[1]),  # type: ignore[attr-defined]
        )
        self.coef_ = np.ascontiguousarray(np.asarray(res["coefs"])[:, 0])
        self.intercept_ = float(res["intercepts"][0])
        self.kkt_ = float(res["kkt"][0])
        self.n_iter_ = int(res["n_iter"][0])
        self.deviance_ = float(res["deviance"][0])
        self.null_deviance_ = float(res["null_deviance"])
        self.deviance_ratio_ = float(res["deviance_ratio"][0])
        _check_kkt(res, 0, type(self).__name__)

    def _fit_cv(self, X: Any, y: Any, sample_weight: Any) -> None:
        check_choice("selection", self.selection, ("min", "1se"))  # type: ignore[attr-defined]
        l1, icpt, std, tol, mi = self._params()
        splits = list(check_cv(self.cv, y, classifier=self._family == "binomial").split(X, y))  # type: ignore[attr-defined]
        ids = _fold_ids(splits, X.shape[0])
        if ids is None or len(splits) < 2:
            raise InvalidParameterError(
                "cv must give at least 2 splits whose test sets partition the rows",
                param="cv",
                value=repr(self.cv),  # type: ignore[attr-defined]
                reason="K-fold style splits (KFold, StratifiedKFold, PredefinedSplit, ...)",
            )
        eps = None if self.eps is None else float(self.eps)  # type: ignore[attr-defined]
        res = _core.glm_cv(
            X, y, self._family, l1, _positive_int("n_alphas", self.n_alphas), eps,  # type: ignore[attr-defined]
            icpt, std, tol, mi, len(splits), 0, ids, self.measure,  # type: ignore[attr-defined]
            sample_weight_f64(sample_weight, X.shape[0]),
            _pf(self.penalty_factor, X.shape[1]),  # type: ignore[attr-defined]
            n_jobs_threads(self.n_jobs),  # type: ignore[attr-defined]
        )
        i = int(res["index_min"] if self.selection == "min" else res["index_1se"])  # type: ignore[attr-defined]
        self.alphas_ = np.asarray(res["alphas"])
        self.cv_mean_ = np.asarray(res["mean"])
        self.cv_se_ = np.asarray(res["se"])
        self.cv_path_ = np.asarray(res["fold_measure"]).T
        self.measure_ = str(res["measure"])
        self.alpha_min_ = float(res["alpha_min"])
        self.alpha_1se_ = float(res["alpha_1se"])
        self.alpha_ = float(self.alphas_[i])
        self.coef_ = np.ascontiguousarray(np.asarray(res["coefs"])[:, i])
        self.intercept_ = float(res["intercepts"][i])
        self.kkt_ = float(res["kkt"][i])
        self.n_iter_ = int(res["n_iter"][i])
        self.deviance_ratio_ = float(res["deviance_ratio"][i])
        _check_kkt(res, i, type(self).__name__)


class _LogisticPredict(ClassifierMixin, BaseEstimator):
    classes_: NDArray[Any]
    coef_: NDArray[np.float64]
    intercept_: float

    def decision_function(self, X: ArrayLike) -> NDArray[np.float64]:
        """Log-odds of ``classes_[1]``: ``X @ coef_ + intercept_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        ndarray of shape (n_samples,)
            Linear predictor.
        """
        X = predict_x(self, X)
        return X @ self.coef_ + self.intercept_

    def predict_proba(self, X: ArrayLike) -> NDArray[np.float64]:
        """Class probabilities ``[1 - p, p]``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        ndarray of shape (n_samples, 2)
            Probabilities of ``classes_[0]`` and ``classes_[1]``.
        """
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """The more probable class (``classes_[1]`` when p > 1/2).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        positive = self.decision_function(X) > 0  # checks that the model is fitted first
        return self.classes_[positive.astype(int)]

    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags


class _PoissonPredict(RegressorMixin, BaseEstimator):
    coef_: NDArray[np.float64]
    intercept_: float

    def predict(self, X: ArrayLike) -> NDArray[np.float64]:
        """Mean counts ``exp(X @ coef_ + intercept_)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        ndarray of shape (n_samples,)
            Predicted means.
        """
        X = predict_x(self, X)
        return np.exp(X @ self.coef_ + self.intercept_)

    def score(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
        """Fraction of Poisson deviance explained, D^2 (as scikit-learn's ``PoissonRegressor``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.
        y : array-like of shape (n_samples,)
            Counts.
        sample_weight : array-like of shape (n_samples,), optional
            Weights.

        Returns
        -------
        float
            ``1 - D(y, mu) / D(y, mean(y))``.
        """
        from sklearn.metrics import d2_tweedie_score

        return float(d2_tweedie_score(y, self.predict(X), sample_weight=sample_weight, power=1))

    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = True
        return tags


_GLM_PARAMS = """
    l1_ratio : float, default=1.0
        Mixing weight in [0, 1] (glmnet's ``alpha``): 1 is the Lasso, 0 ridge.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept.
    standardize : bool, default=False
        Penalize on the scale of population-SD standardized columns (glmnet's
        ``standardize=TRUE``); coefficients are reported on the original scale.
    tol : float, default=1e-7
        Target of the certificate: the KKT residual (largest violation of the optimality
        conditions) divided by alpha.
    max_iter : int, default=100000
        Cap on coordinate-descent epochs per alpha.
    penalty_factor : array-like of shape (n_features,), optional
        glmnet's ``penalty.factor``: per-feature penalty weights >= 0 (0 = unpenalized),
        rescaled to sum to the number of features."""

_GLM_ATTRS = """
    coef_ : ndarray of shape (n_features,)
        Coefficients (original scale).
    intercept_ : float
        Intercept.
    kkt_ : float
        KKT residual over alpha at the returned point (the certificate).
    n_iter_ : int
        Coordinate-descent epochs.
    deviance_ratio_ : float
        Fraction of the null deviance explained (glmnet's ``dev.ratio``).
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names, when ``X`` was a DataFrame."""

_CV_PARAMS = """
    n_alphas : int, default=100
        Grid length (glmnet's ``nlambda``).
    eps : float, optional
        Grid end as a fraction of alpha_max (glmnet's ``lambda.min.ratio``; default 1e-4 when
        n > d, else 1e-2).
    cv : int, splitter or iterable, default=10
        Folds (cv.glmnet's ``nfolds``; the test sets must partition the rows).
    measure : str, optional
        cv.glmnet's ``type.measure``.
    selection : {"min", "1se"}, default="min"
        ``alpha_`` is ``alpha_min_`` or ``alpha_1se_`` (the largest alpha within one standard
        error of the best).
    n_jobs : int, optional
        Threads for the folds (results do not depend on it)."""

_CV_ATTRS = """
    alpha_, alpha_min_, alpha_1se_ : float
        The selected penalty, the best, and the one-standard-error one.
    alphas_ : ndarray of shape (n_alphas,)
        The grid (glmnet's, from the full data).
    cv_mean_, cv_se_ : ndarray of shape (n_alphas,)
        Cross-validated measure and its standard error (cv.glmnet's ``cvm``, ``cvsd``).
    cv_path_ : ndarray of shape (n_alphas, n_folds)
        Held-out measure per fold."""


class LogisticLasso(_GlmMixin, _LogisticPredict):
    __doc__ = f"""L1 / elastic-net logistic regression with glmnet's objective and semantics.

    Minimizes ``(1/n) sum_i w_i [log(1 + e^eta_i) - y_i eta_i] + alpha * penalty`` (glmnet's
    ``family="binomial"`` at ``lambda = alpha``); scikit-learn's
    ``LogisticRegression(penalty="l1", C=C)`` is ``alpha = 1 / (C n)``.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength (glmnet's ``lambda``).{_GLM_PARAMS}

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The two labels; ``coef_`` models the log-odds of ``classes_[1]``.{_GLM_ATTRS}

    Examples
    --------
    >>> import numpy as np
    >>> from veristat.linear_model import LogisticLasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 5))
    >>> y = (X[:, 0] + 0.5 * rng.standard_normal(200) > 0).astype(int)
    >>> model = LogisticLasso(alpha=0.05).fit(X, y)
    >>> bool(model.coef_[0] > 0 and model.kkt_ <= 1e-7)
    True
    """
    _family = "binomial"

    def __init__(
        self,
        alpha: float = 1.0,
        *,
        l1_ratio: float = 1.0,
        fit_intercept: bool = True,
        standardize: bool = False,
        tol: float = 1e-7,
        max_iter: int = 100000,
        penalty_factor: ArrayLike | None = None,
    ) -> None:
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.tol = tol
        self.max_iter = max_iter
        self.penalty_factor = penalty_factor

    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> LogisticLasso:
        """Fit the model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Design.
        y : array-like of shape (n_samples,)
            Two classes.
        sample_weight : array-like of shape (n_samples,), optional
            Observation weights (rescaled to sum to n, as glmnet).

        Returns
        -------
        self
            The fitted estimator.
        """
        X, y = validate_data(self, X, y, dtype=np.float64)
        self._fit_one(X, _binary_codes(self, y), sample_weight)
        return self


class PoissonLasso(_GlmMixin, _PoissonPredict):
    __doc__ = f"""L1 / elastic-net Poisson regression (log link) with glmnet's objective.

    Minimizes ``(1/n) sum_i w_i [e^eta_i - y_i eta_i] + alpha * penalty`` (glmnet's
    ``family="poisson"`` at ``lambda = alpha``); ``predict`` gives mean counts and ``score``
    the deviance explained, as scikit-learn's ``PoissonRegressor``.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength (glmnet's ``lambda``).{_GLM_PARAMS}

    Attributes
    ----------{_GLM_ATTRS}

    Examples
    --------
    >>> import numpy as np
    >>> from veristat.linear_model import PoissonLasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 4))
    >>> y = rng.poisson(np.exp(0.5 + 0.4 * X[:, 1]))
    >>> model = PoissonLasso(alpha=0.01).fit(X, y)
    >>> bool(abs(model.coef_[1] - 0.4) < 0.15)
    True
    """
    _family = "poisson"

    def __init__(
        self,
        alpha: float = 1.0,
        *,
        l1_ratio: float = 1.0,
        fit_intercept: bool = True,
        standardize: bool = False,
        tol: float = 1e-7,
        max_iter: int = 100000,
        penalty_factor: ArrayLike | None = None,
    ) -> None:
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.tol = tol
        self.max_iter = max_iter
        self.penalty_factor = penalty_factor

    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> PoissonLasso:
        """Fit the model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Design.
        y : array-like of shape (n_samples,)
            Counts (>= 0).
        sample_weight : array-like of shape (n_samples,), optional
            Observation weights (rescaled to sum to n, as glmnet).

        Returns
        -------
        self
            The fitted estimator.
        """
        X, y = fit_xy(self, X, y)
        self._fit_one(X, y, sample_weight)
        return self


class LogisticLassoCV(_GlmMixin, _LogisticPredict):
    __doc__ = f"""Logistic Lasso with its penalty chosen by K-fold CV (cv.glmnet, binomial).

    Parameters
    ----------{_GLM_PARAMS}{_CV_PARAMS} Default "deviance"; also "class", "auc", "mse",
        "mae".

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The two labels.{_CV_ATTRS}{_GLM_ATTRS}
    """
    _family = "binomial"

    def __init__(
        self,
        *,
        l1_ratio: float = 1.0,
        n_alphas: int = 100,
        eps: float | None = None,
        cv: Any = 10,
        measure: str | None = None,
        selection: str = "min",
        fit_intercept: bool = True,
        standardize: bool = False,
        tol: float = 1e-7,
        max_iter: int = 100000,
        penalty_factor: ArrayLike | None = None,
        n_jobs: int | None = None,
    ) -> None:
        self.l1_ratio = l1_ratio
        self.n_alphas = n_alphas
        self.eps = eps
        self.cv = cv
        self.measure = measure
        self.selection = selection
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.tol = tol
        self.max_iter = max_iter
        self.penalty_factor = penalty_factor
        self.n_jobs = n_jobs

    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> LogisticLassoCV:
        """Fit the path on every fold and on the full data; choose ``alpha_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Design.
        y : array-like of shape (n_samples,)
            Two classes.
        sample_weight : array-like of shape (n_samples,), optional
            Observation weights.

        Returns
        -------
        self
            The fitted estimator.
        """
        X, y = validate_data(self, X, y, dtype=np.float64)
        codes = _binary_codes(self, y)
        self._fit_cv(X, codes, sample_weight)
        return self


class PoissonLassoCV(_GlmMixin, _PoissonPredict):
    __doc__ = f"""Poisson Lasso with its penalty chosen by K-fold CV (cv.glmnet, poisson).

    Parameters
    ----------{_GLM_PARAMS}{_CV_PARAMS} Default "deviance"; also "mse", "mae".

    Attributes
    ----------{_CV_ATTRS}{_GLM_ATTRS}
    """
    _family = "poisson"

    def __init__(
        self,
        *,
        l1_ratio: float = 1.0,
        n_alphas: int = 100,
        eps: float | None = None,
        cv: Any = 10,
        measure: str | None = None,
        selection: str = "min",
        fit_intercept: bool = True,
        standardize: bool = False,
        tol: float = 1e-7,
        max_iter: int = 100000,
        penalty_factor: ArrayLike | None = None,
        n_jobs: int | None = None,
    ) -> None:
        self.l1_ratio = l1_ratio
        self.n_alphas = n_alphas
        self.eps = eps
        self.cv = cv
        self.measure = measure
        self.selection = selection
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.tol = tol
        self.max_iter = max_iter
        self.penalty_factor = penalty_factor
        self.n_jobs = n_jobs

    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> PoissonLassoCV:
        """Fit the path on every fold and on the full data; choose ``alpha_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Design.
        y : array-like of shape (n_samples,)
            Counts.
        sample_weight : array-like of shape (n_samples,), optional
            Observation weights.

        Returns
        -------
        self
            The fitted estimator.
        """
        X, y = fit_xy(self, X, y)
        self._fit_cv(X, y, sample_weight)
        return self

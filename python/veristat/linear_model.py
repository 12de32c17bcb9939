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
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.model_selection import check_cv
from sklearn.utils.validation import check_array

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
        residual when False; "auto" uses the Gram matrix when ``n >= 2 d`` and ``d <= 512``.

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
        residual when False; "auto" uses the Gram matrix when ``n >= 2 d`` and ``d <= 512``.

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
        residual when False; "auto" uses the Gram matrix when ``n >= 2 d`` and ``d <= 512``.
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
        residual when False; "auto" uses the Gram matrix when ``n >= 2 d`` and ``d <= 512``.
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

"""Predictive multiplicity of L2-regularized logistic regression (Watson-Daniels, Parkes and
Ustun, "Predictive Multiplicity in Probabilistic Classification", AAAI 2023).

:class:`RidgeLogistic` fits the baseline ``theta* = argmin J``,
``J = mean log-loss + alpha / 2 ||w||^2`` (a scikit-learn classifier). Every model whose
objective is within ``epsilon`` of ``J*`` is about as good (the epsilon-level set ``S_eps``);
:func:`viable_prediction_ranges` gives, per point, the exact range of probabilities over
``S_eps`` (Def. 2), :func:`ambiguity` the fraction of points that some such model moves by at
least ``delta`` (Def. 3) and :func:`discrepancy` a bracket on the fraction one model moves
(Def. 4). ``epsilon`` is relative to ``J*`` by default (``relative=False``: in units of J).

Examples
--------
>>> import numpy as np
>>> from veristat.multiplicity import RidgeLogistic, ambiguity
>>> rng = np.random.default_rng(0)
>>> X = rng.standard_normal((200, 3))
>>> y = (X[:, 0] + rng.logistic(size=200) > 0).astype(int)
>>> model = RidgeLogistic(alpha=0.01).fit(X, y)
>>> 0.0 <= ambiguity(model, 0.05, epsilon=0.01) <= 1.0
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _core
from ._base import python_names, sample_weight_f64
from .exceptions import InvalidDataError

__all__ = ["RidgeLogistic", "viable_prediction_ranges", "ambiguity", "discrepancy"]


class RidgeLogistic(ClassifierMixin, BaseEstimator):
    """The baseline: L2-regularized logistic regression by Newton's method (``||grad J|| <= 1e-10``).

    Parameters
    ----------
    alpha : float, default=1.0
        Ridge strength (the paper's lambda) of ``J = mean log-loss + alpha / 2 ||w||^2``; 0 is
        plain maximum likelihood (an error under separation). The intercept is not penalized.
    standardize : bool, default=True
        Standardize each feature by its (weighted) mean and population SD first, as
        ``StandardScaler`` does; coefficients are reported on the original scale.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The two classes; the second is the positive one.
    coef_ : ndarray of shape (1, n_features)
        Coefficients on the original scale.
    intercept_ : ndarray of shape (1,)
        Intercept on the original scale.
    objective_ : float
        ``J*``.
    n_iter_ : int
        Newton steps.
    """

    def __init__(self, alpha: float = 1.0, *, standardize: bool = True) -> None:
        self.alpha = alpha
        self.standardize = standardize

    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> RidgeLogistic:
        """Fit the baseline.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.
        y : array-like of shape (n_samples,)
            Two classes.
        sample_weight : array-like of shape (n_samples,), optional
            Observation weights (the loss is normalized by their sum).

        Returns
        -------
        self
            The fitted estimator.
        """
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) != 2:
            raise InvalidDataError(
                "Only binary classification is supported: RidgeLogistic needs exactly 2 classes; "
                f"y has {len(self.classes_)} class(es)",
                param="y",
                value=str(len(self.classes_)),
                reason="binary classification",
            )
        w = sample_weight_f64(sample_weight, X.shape[0])
        self._fit_X, self._fit_y, self._fit_w = X, codes.astype(np.float64), w
        with python_names({"lambda": "alpha", "l2": "alpha"}):
            fit = _core.ridge_logistic_fit(
                X, self._fit_y, float(self.alpha), bool(self.standardize), w
            )
        self.coef_ = np.asarray(fit["coef"]).reshape(1, -1)
        self.intercept_ = np.array([float(fit["intercept"])])
        self.objective_ = float(fit["j_star"])
        self.n_iter_ = int(fit["n_iter"])
        return self

    def decision_function(self, X: ArrayLike) -> NDArray[np.float64]:
        """Baseline scores ``a(x)^T theta*``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        ndarray of shape (n_samples,)
            Scores (log-odds of the second class).
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return X @ self.coef_[0] + self.intercept_[0]

    def predict_proba(self, X: ArrayLike) -> NDArray[np.float64]:
        """Baseline class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        ndarray of shape (n_samples, 2)
            ``[1 - p, p]``.
        """
        p = expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """The class with probability >= 1/2 (ties to the positive class).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        positive = self.decision_function(X) >= 0
        return self.classes_[positive.astype(int)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags


def _ranges(
    model: RidgeLogistic,
    X: ArrayLike | None,
    epsilon: float,
    relative: bool,
    deltas: Sequence[float],
) -> dict[str, Any]:
    check_is_fitted(model)
    xn = None if X is None else validate_data(model, X, dtype=np.float64, reset=False)
    return _core.multiplicity_ranges(
        model._fit_X,
        model._fit_y,
        float(model.alpha),
        bool(model.standardize),
        model._fit_w,
        float(epsilon),
        bool(relative),
        xn,
        [float(d) for d in deltas],
    )


def viable_prediction_ranges(
    model: RidgeLogistic,
    X: ArrayLike | None = None,
    *,
    epsilon: float = 0.01,
    relative: bool = True,
) -> pd.DataFrame:
    """The range of the positive-class probability over every model in ``S_eps`` (Def. 2).

    Each endpoint is exact (a tilted Newton solve and a scalar root), with a certificate.

    Parameters
    ----------
    model : RidgeLogistic
        The fitted baseline.
    X : array-like of shape (n_samples, n_features), optional
        Points; the training rows when omitted.
    epsilon : float, default=0.01
        Level-set tolerance.
    relative : bool, default=True
        ``epsilon`` relative to ``J*`` (else absolute, in units of J).

    Returns
    -------
    pandas.DataFrame
        ``p0`` (baseline), ``p_lower``, ``p_upper``, ``width`` and ``converged`` per point.
    """
    r = _ranges(model, X, epsilon, relative, [])
    df = pd.DataFrame({k: r[k] for k in ("p0", "p_lower", "p_upper", "converged")})
    df.insert(3, "width", df["p_upper"] - df["p_lower"])
    return df


def ambiguity(
    model: RidgeLogistic,
    delta: float,
    *,
    epsilon: float = 0.01,
    relative: bool = True,
    X: ArrayLike | None = None,
) -> float:
    """Ambiguity: the fraction of points some model in ``S_eps`` moves by at least ``delta``.

    Parameters
    ----------
    model : RidgeLogistic
        The fitted baseline.
    delta : float
        Probability change, in (0, 1).
    epsilon : float, default=0.01
        Level-set tolerance.
    relative : bool, default=True
        ``epsilon`` relative to ``J*``.
    X : array-like, optional
        Points; the training rows when omitted.

    Returns
    -------
    float
        The ambiguity in [0, 1].
    """
    return float(_ranges(model, X, epsilon, relative, [delta])["ambiguity"][0])


def discrepancy(
    model: RidgeLogistic,
    deltas: Sequence[float],
    *,
    epsilon: float = 0.01,
    relative: bool = True,
    X: ArrayLike | None = None,
) -> pd.DataFrame:
    """Discrepancy bracket: the largest fraction of points one model in ``S_eps`` moves.

    ``lower`` is attained by one of the extremal models of the ranges (each lies in
    ``S_eps``); ``upper`` is the ambiguity, which bounds the discrepancy (Def. 4).

    Parameters
    ----------
    model : RidgeLogistic
        The fitted baseline.
    deltas : sequence of float
        Probability changes, each in (0, 1).
    epsilon : float, default=0.01
        Level-set tolerance.
    relative : bool, default=True
        ``epsilon`` relative to ``J*``.
    X : array-like, optional
        Points; the training rows when omitted.

    Returns
    -------
    pandas.DataFrame
        ``delta``, ``lower``, ``upper`` per delta.
    """
    r = _ranges(model, X, epsilon, relative, deltas)
    return pd.DataFrame(
        {"delta": list(deltas), "lower": r["discrepancy_lower"], "upper": r["discrepancy_upper"]}
    )

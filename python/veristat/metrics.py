"""Binary-classification metrics with scikit-learn's signatures (Rust core).

Ties are handled exactly (McDermott et al. 2024): the ROC area is the Mann-Whitney statistic with
a positive-negative tie counted 1/2, and the average precision is the step-wise sum
``sum_k (R_k - R_{k-1}) P_k`` over distinct thresholds, both as scikit-learn computes them.

Only binary problems are supported; ``sample_weight`` and the other arguments that scikit-learn
offers for weighted or multiclass problems raise :class:`~veristat.exceptions.InvalidParameterError`
when given.

Examples
--------
>>> from veristat.metrics import roc_auc_score
>>> roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
0.75
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _core
from ._validation import as_f64_1d, binary_labels, check_choice, reject

__all__ = [
    "roc_auc_score",
    "average_precision_score",
    "brier_score_loss",
    "log_loss",
    "calibration_curve",
    "expected_calibration_error",
    "rare_calibration_error",
]


def _positive_column(y_proba: ArrayLike, name: str) -> NDArray[np.float64]:
    """Scores of the positive class: a 1-d array, or the second column of an (n, 2) array."""
    a = np.asarray(y_proba)
    if a.ndim == 2:
        if a.shape[1] == 1:
            a = a[:, 0]
        elif a.shape[1] == 2:
            a = a[:, 1]
        else:
            reject(**{f"{name} with {a.shape[1]} columns": "multiclass"})
        return as_f64_1d(a, name)
    return as_f64_1d(y_proba, name)


def roc_auc_score(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    average: str | None = "macro",
    sample_weight: ArrayLike | None = None,
    max_fpr: float | None = None,
    multi_class: str = "raise",
    labels: ArrayLike | None = None,
) -> float:
    """Area under the ROC curve of a binary problem (ties counted 1/2).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels ({0, 1}, {-1, 1} or booleans).
    y_score : array-like of shape (n_samples,) or (n_samples, 2)
        Scores of the positive class (or both classes' probabilities).
    average, multi_class, labels
        Accepted for scikit-learn compatibility; they have no effect on a binary problem.
    sample_weight, max_fpr : None
        Not supported.

    Returns
    -------
    float
        The ROC AUC.
    """
    reject(sample_weight=sample_weight, max_fpr=max_fpr)
    return float(_core.roc_auc(binary_labels(y_true), _positive_column(y_score, "y_score")))


def average_precision_score(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    average: str | None = "macro",
    pos_label: Any = 1,
    sample_weight: ArrayLike | None = None,
) -> float:
    """Average precision, the step-wise sum ``sum_k (R_k - R_{k-1}) P_k``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels.
    y_score : array-like of shape (n_samples,)
        Scores of the positive class.
    average : str or None
        Accepted for compatibility; no effect on a binary problem.
    pos_label : int, float, bool or str, default=1
        The positive class.
    sample_weight : None
        Not supported.

    Returns
    -------
    float
        The average precision.
    """
    reject(sample_weight=sample_weight)
    return float(
        _core.average_precision(binary_labels(y_true, pos_label), _positive_column(y_score, "y_score"))
    )


def brier_score_loss(
    y_true: ArrayLike,
    y_proba: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    pos_label: Any = None,
    labels: ArrayLike | None = None,
    scale_by_half: bool | Literal["auto"] = "auto",
) -> float:
    """Brier score ``mean((p - y)^2)`` of a binary problem.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels.
    y_proba : array-like of shape (n_samples,) or (n_samples, 2)
        Probabilities of the positive class (or of both classes).
    sample_weight : None
        Not supported.
    pos_label : optional
        The positive class (inferred for {0, 1} / {-1, 1} labels).
    labels : None
        Accepted for compatibility; no effect on a binary problem.
    scale_by_half : bool or "auto", default="auto"
        ``True`` or ``"auto"``: the usual binary Brier score in [0, 1]; ``False``: twice it
        (scikit-learn's multiclass scaling).

    Returns
    -------
    float
        The Brier score.
    """
    reject(sample_weight=sample_weight)
    check_choice("scale_by_half", scale_by_half, ("auto", True, False))
    b = float(_core.brier(binary_labels(y_true, pos_label), _positive_column(y_proba, "y_proba")))
    return b if scale_by_half in ("auto", True) else 2.0 * b


def log_loss(
    y_true: ArrayLike,
    y_proba: ArrayLike,
    *,
    normalize: bool = True,
    sample_weight: ArrayLike | None = None,
    labels: ArrayLike | None = None,
) -> float:
    """Binary log loss, probabilities clipped to ``[eps, 1 - eps]`` (float64 epsilon).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels.
    y_proba : array-like of shape (n_samples,) or (n_samples, 2)
        Probability of the positive class (the greater label), or of both classes.
    normalize : bool, default=True
        Mean over rows when True, sum when False.
    sample_weight : None
        Not supported.
    labels : None
        Accepted for compatibility; no effect on a binary problem.

    Returns
    -------
    float
        The log loss.
    """
    reject(sample_weight=sample_weight)
    y = binary_labels(y_true)
    v = float(_core.log_loss(y, _positive_column(y_proba, "y_proba")))
    return v if normalize else v * y.size


def calibration_curve(
    y_true: ArrayLike,
    y_prob: ArrayLike,
    *,
    pos_label: Any = None,
    n_bins: int = 5,
    strategy: Literal["uniform", "quantile"] = "uniform",
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Reliability curve: fraction of positives and mean prediction per non-empty bin.

    A score on a bin edge joins the lower bin, as in scikit-learn.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels.
    y_prob : array-like of shape (n_samples,)
        Probabilities of the positive class.
    pos_label : optional
        The positive class.
    n_bins : int, default=5
        Number of bins.
    strategy : {"uniform", "quantile"}, default="uniform"
        Equal-width bins on [0, 1], or edges at the score quantiles.

    Returns
    -------
    prob_true : ndarray
        Fraction of positives per non-empty bin.
    prob_pred : ndarray
        Mean predicted probability per non-empty bin.
    """
    prob_true, prob_pred, _ = _core.calibration_curve(
        binary_labels(y_true, pos_label), as_f64_1d(y_prob, "y_prob"), int(n_bins), strategy
    )
    return prob_true, prob_pred


def expected_calibration_error(y_true: ArrayLike, y_prob: ArrayLike, *, n_bins: int = 10) -> float:
    """Expected calibration error ``sum_b (n_b / n) |mean y_b - mean p_b|`` over uniform bins.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels.
    y_prob : array-like of shape (n_samples,)
        Probabilities of the positive class.
    n_bins : int, default=10
        Number of equal-width bins.

    Returns
    -------
    float
        The ECE.
    """
    return float(
        _core.expected_calibration_error(binary_labels(y_true), as_f64_1d(y_prob, "y_prob"), int(n_bins))
    )


def rare_calibration_error(y_true: ArrayLike, y_prob: ArrayLike) -> float:
    """The squared one-sided calibration error of the rare class (McDermott et al. 2024, Sec. 4.3).

    Predictions are sorted and cut into ``max(round(n / 100), 10)`` equal-frequency bins; the
    result is the mean over rows of ``(p_i - mean y in i's bin)^2``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels.
    y_prob : array-like of shape (n_samples,)
        Probabilities of the positive class.

    Returns
    -------
    float
        The calibration error.
    """
    return float(_core.rare_calibration_error(binary_labels(y_true), as_f64_1d(y_prob, "y_prob")))

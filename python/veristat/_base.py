"""Shared pieces of the estimators (private)."""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted, validate_data

from ._validation import F64
from .exceptions import InvalidParameterError


def n_jobs_threads(n_jobs: int | None) -> int | None:
    """joblib's meaning of ``n_jobs`` as a thread count for the core's local pool.

    ``None`` keeps the core's global pool (all cores); ``-1`` is all cores, ``-2`` all but one,
    and so on. Results never depend on it.
    """
    if n_jobs is None:
        return None
    from joblib import effective_n_jobs

    return int(effective_n_jobs(n_jobs))


def fit_xy(est: Any, X: Any, y: Any, **kw: Any) -> tuple[F64, F64]:
    """``validate_data`` for a regression fit: float64 X (2-d, finite) and 1-d float64 y.

    Sets ``n_features_in_`` and, for DataFrames, ``feature_names_in_``.
    """
    X, y = validate_data(est, X, y, dtype=np.float64, y_numeric=True, **kw)
    return X, np.asarray(y, dtype=np.float64)


def predict_x(est: Any, X: Any) -> F64:
    """``validate_data`` for prediction: the fitted estimator's feature count and names."""
    check_is_fitted(est)
    return validate_data(est, X, dtype=np.float64, reset=False)


def warn_not_converged(what: str, certificate: float, target: float, hint: str) -> None:
    """scikit-learn's :class:`~sklearn.exceptions.ConvergenceWarning` with the gap reached."""
    warnings.warn(
        f"{what} did not converge: reached {certificate:.3e}, tolerance {target:.3e}. {hint}",
        ConvergenceWarning,
        stacklevel=3,
    )


def sample_weight_f64(sample_weight: Any, n: int) -> F64 | None:
    """``None`` or a 1-d float64 weight vector of length ``n``."""
    if sample_weight is None:
        return None
    from sklearn.utils.validation import _check_sample_weight

    return np.asarray(_check_sample_weight(sample_weight, np.empty((n, 0))), dtype=np.float64)


@contextmanager
def python_names(names: dict[str, str]):
    """Re-label the core's parameter names in its errors as the Python API spells them (e.g.
    a penalty the core calls ``lambda`` is scikit-learn's ``alpha`` here)."""
    try:
        yield
    except InvalidParameterError as e:
        if e.param in names:
            new = names[e.param]
            raise type(e)(
                e.message.replace(f"`{e.param}`", f"`{new}`"),
                param=new,
                value=e.value,
                reason=e.reason,
            ) from e
        raise

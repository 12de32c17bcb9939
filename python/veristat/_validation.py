"""Input conversion shared by the estimators and functions (private)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.utils.validation import check_array, column_or_1d

from .exceptions import InvalidParameterError

F64 = NDArray[np.float64]


def as_f64_1d(a: Any, name: str) -> F64:
    """A 1-d float64 array from any array-like (pandas/polars Series, lists, float32, ints)."""
    arr = check_array(
        a, ensure_2d=False, dtype=np.float64, ensure_all_finite=False, input_name=name
    )
    return np.asarray(column_or_1d(arr), dtype=np.float64)


def binary_labels(y_true: Any, pos_label: Any = None) -> F64:
    """0/1 float64 labels from a binary array-like, as scikit-learn infers the positive class.

    With ``pos_label=None`` the labels must be {0, 1}, {-1, 1} or booleans (a subset of them) and
    the positive class is 1 (True); other label sets need ``pos_label``.
    """
    y = np.asarray(column_or_1d(check_array(y_true, ensure_2d=False, dtype=None, input_name="y_true")))
    classes = np.unique(y)
    if classes.size > 2:
        raise InvalidParameterError(
            f"y_true has {classes.size} classes; veristat's metrics are binary",
            param="y_true",
            value=str(classes.size),
            reason="only binary labels are supported",
        )
    if pos_label is None:
        if y.dtype.kind in "biuf" and set(classes.tolist()) <= {0, 1, -1}:
            pos_label = 1
        else:
            raise InvalidParameterError(
                f"y_true takes values in {classes.tolist()}; pos_label must be given",
                param="pos_label",
                value="None",
                reason="labels other than {0, 1} / {-1, 1} need an explicit pos_label",
            )
    return (y == pos_label).astype(np.float64)


def reject(**given: Any) -> None:
    """Raise for a scikit-learn argument that veristat does not implement (given a non-default)."""
    for name, value in given.items():
        if value is not None:
            raise InvalidParameterError(
                f"`{name}` is not supported by veristat (got {value!r})",
                param=name,
                value=repr(value),
                reason="not supported; leave it at None",
            )


def check_choice(name: str, value: Any, choices: tuple[Any, ...]) -> None:
    """Raise :class:`InvalidParameterError` unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise InvalidParameterError(
            f"invalid parameter `{name}` = {value!r}: must be one of {choices}",
            param=name,
            value=repr(value),
            reason=f"must be one of {choices}",
        )

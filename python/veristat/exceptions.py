"""Exceptions raised by veristat.

Every error of the Rust core arrives as a subclass of :class:`VeristatError` that also
subclasses the builtin a Python user would catch:

=========================  ===================  ==========================================
class                      builtin              raised for
=========================  ===================  ==========================================
InvalidParameterError      ``ValueError``       a parameter outside its domain
InvalidDataError           ``ValueError``       unusable data (shape, NaN, too few rows)
NotIdentifiableError       ``ValueError``       separation, an empty class, ...
UnknownNameError           ``ValueError``       an unknown claim, mechanism, family
ResultsError               ``ValueError``       Monte Carlo tables that cannot be combined
MissingColumnError         ``KeyError``         a column that is not in the data
NotConvergedError          ``RuntimeError``     a solver that stopped short of its tolerance
NumericalError             ``RuntimeError``     a matrix that must be invertible is not
DeviceUnavailableError     ``RuntimeError``     no usable GPU
VeristatIOError            ``OSError``          reading or writing a file
=========================  ===================  ==========================================

Each carries ``param`` (the parameter or column name as the user spells it), ``value`` (the
offending value, as text) and ``reason``, where they apply.
"""

from __future__ import annotations

__all__ = [
    "VeristatError",
    "InvalidParameterError",
    "InvalidDataError",
    "NotIdentifiableError",
    "UnknownNameError",
    "ResultsError",
    "MissingColumnError",
    "NotConvergedError",
    "NumericalError",
    "DeviceUnavailableError",
    "VeristatIOError",
]


class VeristatError(Exception):
    """Base class of veristat's errors.

    Parameters
    ----------
    message : str
        The core's one-line message.
    param : str, optional
        The parameter or column concerned.
    value : str, optional
        The offending value, formatted.
    reason : str, optional
        What the domain is, or why the value is unusable.
    """

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        value: str | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.value = value
        self.reason = reason

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):  # keyword attributes survive pickling
        return (_rebuild, (type(self), self.message, self.param, self.value, self.reason))


def _rebuild(cls, message, param, value, reason):
    return cls(message, param=param, value=value, reason=reason)


class InvalidParameterError(VeristatError, ValueError):
    """A parameter is outside its domain (``param`` names it)."""


class InvalidDataError(VeristatError, ValueError):
    """The data are unusable: a shape mismatch, a non-finite cell, too few rows."""


class NotIdentifiableError(VeristatError, ValueError):
    """The model is not identifiable on this data (separation, a class with no rows)."""


class UnknownNameError(VeristatError, ValueError):
    """An unknown name (claim, mechanism, family); ``param`` says which kind."""


class ResultsError(VeristatError, ValueError):
    """Monte Carlo results that cannot be combined (a missing shard, a config mismatch)."""


class MissingColumnError(VeristatError, KeyError):
    """A requested column is not in the data (``param`` names it)."""


class NotConvergedError(VeristatError, RuntimeError):
    """An iterative solver stopped without meeting its tolerance."""


class NumericalError(VeristatError, RuntimeError):
    """A matrix that must be positive definite or invertible is not."""


class DeviceUnavailableError(VeristatError, RuntimeError):
    """No usable GPU was found."""


class VeristatIOError(VeristatError, OSError):
    """Reading or writing a file failed."""

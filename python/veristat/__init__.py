"""veristat: estimators and tests from recent statistics and machine-learning papers.

The numerics run in veristat's Rust core (released from the GIL); this package gives them the
interfaces Python users know:

=========================  ==================================================================
module                     what
=========================  ==================================================================
``linear_model``           Lasso / elastic net (single fit, path, CV with the 1-SE rule), IHT,
                           OMP, best subset: scikit-learn estimators
``ordinal``                proportional odds (statsmodels-style ``summary``), PRESTO, logit-last
``metrics``                ROC AUC, average precision, Brier, log loss, calibration curves
``ldp``                    local differential privacy: vectorized mechanisms, aggregation,
                           audits, and the LDP sparse regressions
``expfam``                 the p-n criterion for exponential families
``multiplicity``           predictive multiplicity of ridge-logistic models
``inference``              nested sampling in dynesty's calling convention
``echo``                   gravitational-wave echo injection, likelihood and search
``claims``                 the papers' claims, run by Monte Carlo
``exceptions``             the error classes (subclasses of ValueError / KeyError / RuntimeError)
=========================  ==================================================================
"""

from __future__ import annotations

from . import _core, exceptions
from .exceptions import VeristatError

__version__: str = _core.__version__

__all__ = ["__version__", "VeristatError", "exceptions"]

_SUBMODULES = (
    "claims",
    "echo",
    "expfam",
    "inference",
    "ldp",
    "linear_model",
    "metrics",
    "multiplicity",
    "ordinal",
)


def __getattr__(name: str):
    # Submodules load on first use (`veristat.linear_model` without an explicit import).
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'veristat' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_SUBMODULES])

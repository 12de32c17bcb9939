"""Every estimator class of the package, with the settings its checks run under."""

from __future__ import annotations

from typing import Any

import veristat.linear_model as vl


def all_estimators() -> list[Any]:
    """One instance of every estimator (defaults, except where a default is too slow)."""
    return [
        vl.Lasso(),
        vl.ElasticNet(),
        vl.LassoCV(cv=3),
        vl.ElasticNetCV(cv=3),
        vl.IterativeHardThresholding(),
        vl.OrthogonalMatchingPursuit(),
        vl.BestSubset(),
    ]


# {estimator class: {check name: reason}}; a handful at most.
EXPECTED_FAILURES: dict[type, dict[str, str]] = {}

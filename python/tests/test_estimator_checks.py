"""scikit-learn's estimator checks over every veristat estimator.

Expected failures are listed in ``EXPECTED_FAILURES`` with their reasons; every other check
must pass.
"""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from veristat_estimators import EXPECTED_FAILURES, all_estimators


@parametrize_with_checks(
    all_estimators(), expected_failed_checks=lambda est: EXPECTED_FAILURES.get(type(est), {})
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)

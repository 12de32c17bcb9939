"""Ordinal regression for rare outcomes: proportional odds, PRESTO and the logit-last baseline.

Classes are the sorted distinct labels of ``y`` (their order is the outcome's order). Boundary
``k`` has a cutpoint ``theta_k`` and slopes ``b_k``::

    P(Y <= k | x) = F(theta_k - x^T b_k)

with ``F`` the inverse link (``link``: ``"logit"``, the default, ``"probit"``, ``"cloglog"``,
``"loglog"`` or ``"cauchit"``, R ``ordinal::clm``'s parametrisation), the sign of MASS::polr
and statsmodels' ``OrderedModel`` (the paper's ``beta_k = -b_k``).
:class:`ProportionalOdds` has one slope vector for every boundary (its ``coef_``, ``bse_``,
``loglik_`` and :meth:`~ProportionalOdds.summary` are statsmodels' ``OrderedModel`` results;
``pvalues_``, :meth:`~ProportionalOdds.conf_int`, ``aic_``, ``bic_`` and the delta-method
standard errors of :meth:`~ProportionalOdds.predict_proba` are clm's);
:class:`PRESTO` (Faletto and Bien, ICML 2023) lets the slopes differ across boundaries and
shrinks adjacent differences ``psi_k = b_k - b_{k-1}`` with an L1 (or L2) penalty, so it borrows
strength from the common classes to estimate the rare one; :class:`PRESTOCV` chooses the
penalty by K-fold CV on the multiclass Brier score; :class:`LogitLast` is the authors' baseline,
logistic regression of ``1{y = last class}``.

Examples
--------
>>> import numpy as np
>>> from veristat.ordinal import ProportionalOdds
>>> rng = np.random.default_rng(0)
>>> X = rng.standard_normal((300, 2))
>>> latent = X @ [1.0, -0.5] + rng.logistic(size=300)
>>> y = np.digitize(latent, [-1.0, 1.0])
>>> model = ProportionalOdds().fit(X, y)
>>> model.predict_proba(X[:2]).shape
(2, 3)
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import check_cv
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _core
from ._base import n_jobs_threads, python_names, sample_weight_f64
from .exceptions import InvalidDataError, InvalidParameterError

__all__ = ["ProportionalOdds", "PRESTO", "PRESTOCV", "LogitLast"]


def _codes(
    est: Any, X: Any, y: Any, min_classes: int, sample_weight: Any = None
) -> tuple[np.ndarray, np.ndarray, int, np.ndarray | None]:
    """Validated float64 X, labels coded 0..K-1 in the sorted order of ``classes_``, K, and the
    weights. Rows of weight 0 are dropped (they do not enter the likelihood); the classes are
    those of the rows that remain."""
    X, y = validate_data(est, X, y, dtype=np.float64)
    check_classification_targets(y)
    w = sample_weight_f64(sample_weight, X.shape[0])
    if w is not None:
        keep = w != 0
        X, y, w = X[keep], np.asarray(y)[keep], w[keep]
    est.classes_, codes = np.unique(y, return_inverse=True)
    k = len(est.classes_)
    if k < min_classes:
        raise InvalidDataError(
            f"{type(est).__name__} needs at least {min_classes} ordered classes; "
            f"y has {k} class{'es' if k != 1 else ''}",
            param="y",
            value=str(k),
            reason=f"need >= {min_classes} classes",
        )
    return X, codes.astype(np.float64), k, w


_PRESTO_NAMES = {"lambda": "alpha", "alpha": "mixing", "a": "mixing", "lambda_ratio": "alpha_ratio", "n_lambdas": "n_alphas"}


def _positive_int(name: str, v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise InvalidParameterError(
            f"invalid parameter `{name}` = {v!r}: must be an integer >= 1",
            param=name,
            value=repr(v),
            reason="must be an integer >= 1",
        )
    return int(v)


LINKS = ("logit", "probit", "cloglog", "loglog", "cauchit")


def _link(v: Any) -> str:
    if not isinstance(v, str) or v not in LINKS:
        raise InvalidParameterError(
            f"invalid parameter `link` = {v!r}: must be one of {', '.join(LINKS)}",
            param="link",
            value=repr(v),
            reason=f"one of {', '.join(LINKS)}",
        )
    return v


class _Cumulative(ClassifierMixin, BaseEstimator):
    """``predict_proba`` / ``predict`` of a fitted cumulative link model."""

    cutpoints_: NDArray[np.float64]
    classes_: NDArray[Any]
    # Rows whose cumulative probabilities cross (possible for new x when slopes differ) are
    # floored at 1e-8 and renormalized, as ordinalNet does.
    crossing = "clamp"
    # Each estimator defines ``_slopes()``: its (K-1) x p slope rows.
    _slopes: Any

    def _link_name(self) -> str:
        return _link(getattr(self, "link", "logit"))

    def predict_proba(self, X: ArrayLike) -> NDArray[np.float64]:
        """Class probabilities ``P(Y = k | x)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Probabilities in the order of ``classes_``; rows sum to 1.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        probs, _ = _core.cumulative_proba(
            [float(c) for c in self.cutpoints_],
            np.ascontiguousarray(self._slopes()),
            X,
            self.crossing,
            self._link_name(),
        )
        return probs

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """The most probable class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # An ordinal model: classes that are not ordered in x (the checks' blobs) fit poorly.
        tags.classifier_tags.poor_score = True
        return tags


class ProportionalOdds(_Cumulative):
    """Proportional-odds cumulative link model by Newton's method (R ``ordinal::clm``).

    ``P(Y <= k | x) = F(theta_k - x^T b)``; with ``link="logit"`` this is statsmodels'
    ``OrderedModel(distr="logit")`` and MASS::polr.

    Parameters
    ----------
    link : {"logit", "probit", "cloglog", "loglog", "cauchit"}, default="logit"
        Inverse link ``F``: logistic, standard normal, ``1 - exp(-exp(t))``,
        ``exp(-exp(-t))`` or Cauchy (clm's ``link``).
    alpha : float, default=0.0
        Ridge penalty on the slopes: minimize ``-loglik / N + alpha / 2 * ||b||^2`` (``N`` the
        total weight). 0 is the MLE, which does not exist when the classes are separated; any
        ``alpha > 0`` gives an estimate there. With ``alpha > 0`` the standard errors are the
        penalized curvature's and ``aic_`` / ``bic_`` count the slopes as free.
    max_iter : int, default=100
        Newton iterations.
    tol : float, default=1e-10
        Converged when ``max |gradient of -loglik / N| <= tol``.

    Attributes
    ----------
    classes_ : ndarray
        The ordered classes (sorted distinct labels).
    coef_ : ndarray of shape (n_features,)
        Common slopes ``b``.
    cutpoints_ : ndarray of shape (n_classes - 1,)
        Increasing cutpoints ``theta``.
    bse_, cutpoint_bse_ : ndarray
        Standard errors from the observed information (clm's ``vcov``).
    zvalues_, cutpoint_zvalues_ : ndarray
        Wald statistics ``estimate / bse``.
    pvalues_, cutpoint_pvalues_ : ndarray
        Two-sided normal p values of the Wald statistics.
    cov_params_ : ndarray of shape (n_features + n_classes - 1,) * 2
        Inverse observed information, slopes first then cutpoints (the order of
        :meth:`summary`).
    loglik_ : float
        Log-likelihood at the optimum (statsmodels' ``llf``; weighted by ``sample_weight``).
    aic_, bic_ : float
        ``-2 loglik + 2 k`` and ``-2 loglik + k log nobs_`` with ``k = n_features + n_classes
        - 1``.
    nobs_ : float
        Number of observations: the sum of the frequency weights (clm's ``nobs``).
    n_iter_ : int
        Newton iterations.
    n_features_in_ : int
        Columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names, when ``X`` was a DataFrame.
    """

    def __init__(
        self, *, link: str = "logit", alpha: float = 0.0, max_iter: int = 100, tol: float = 1e-10
    ) -> None:
        self.link = link
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol

    def _slopes(self) -> NDArray[np.float64]:
        return np.tile(self.coef_, (len(self.cutpoints_), 1))

    def fit(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> ProportionalOdds:
        """Fit the model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Covariates (no constant column: the cutpoints are the intercepts).
        y : array-like of shape (n_samples,)
            Ordered labels.
        sample_weight : array-like of shape (n_samples,), optional
            Frequency weights (clm's ``weights``): a row of weight 2 counts as two rows.

        Returns
        -------
        self
            The fitted estimator.
        """
        link = _link(self.link)
        X, codes, k, w = _codes(self, X, y, 2, sample_weight)
        with python_names({"ridge": "alpha"}):
            fit = _core.po_fit(
                X,
                codes,
                k,
                _positive_int("max_iter", self.max_iter),
                float(self.tol),
                w,
                link,
                float(self.alpha),
            )
        self._store(fit)
        return self

    def _store(self, fit: dict[str, Any]) -> None:
        self.coef_ = np.asarray(fit["coef"])
        self.cutpoints_ = np.asarray(fit["cutpoints"])
        self.bse_ = np.asarray(fit["bse"])
        self.cutpoint_bse_ = np.asarray(fit["cutpoint_bse"])
        self.loglik_ = float(fit["loglik"])
        self.n_iter_ = int(fit["n_iter"])
        self.zvalues_ = np.asarray(fit["z"])
        self.pvalues_ = np.asarray(fit["pvalues"])
        self.cutpoint_zvalues_ = np.asarray(fit["cutpoint_z"])
        self.cutpoint_pvalues_ = np.asarray(fit["cutpoint_pvalues"])
        self.aic_ = float(fit["aic"])
        self.bic_ = float(fit["bic"])
        self.nobs_ = float(fit["nobs"])
        # The core's covariance has the cutpoints first (clm's order); the attribute follows
        # the summary's order, slopes first.
        k1, p = len(self.cutpoints_), len(self.coef_)
        order = np.r_[k1 : k1 + p, 0:k1]
        self.cov_params_ = np.asarray(fit["cov"])[np.ix_(order, order)]
        if not fit["converged"]:
            warnings.warn(
                f"{type(self).__name__} stopped at gradient norm {fit['gradient_norm']:.3e} "
                f"above tol {self.tol:.3e} (the gradient's precision floor); the estimate is "
                "returned.",
                ConvergenceWarning,
                stacklevel=3,
            )

    def _core_model(self) -> tuple[Any, ...]:
        """(link, cutpoints, coef, covariance with the cutpoints first) for the core."""
        check_is_fitted(self)
        k1, p = len(self.cutpoints_), len(self.coef_)
        order = np.r_[p : p + k1, 0:p]
        return (
            self._link_name(),
            [float(c) for c in self.cutpoints_],
            np.ascontiguousarray(self.coef_, dtype=np.float64),
            np.ascontiguousarray(self.cov_params_[np.ix_(order, order)]),
        )

    def conf_int(self, alpha: float = 0.05) -> NDArray[np.float64]:
        """Wald confidence intervals ``estimate -+ z_{1 - alpha/2} bse`` (statsmodels'
        ``conf_int``, clm's ``confint(type = "Wald")``).

        Parameters
        ----------
        alpha : float, default=0.05
            One minus the confidence level, in (0, 1).

        Returns
        -------
        ndarray of shape (n_features + n_classes - 1, 2)
            Lower and upper ends, slopes first then cutpoints (the rows of :meth:`summary`).
        """
        from scipy.stats import norm

        check_is_fitted(self)
        if not isinstance(alpha, (float, int)) or not 0 < alpha < 1:
            raise InvalidParameterError(
                f"invalid parameter `alpha` = {alpha!r}: must be in (0, 1)",
                param="alpha",
                value=repr(alpha),
                reason="must be in (0, 1)",
            )
        est = np.concatenate([self.coef_, self.cutpoints_])
        se = np.concatenate([self.bse_, self.cutpoint_bse_])
        q = norm.ppf(1 - alpha / 2)
        return np.column_stack([est - q * se, est + q * se])

    def predict_proba(
        self, X: ArrayLike, return_std: bool = False
    ) -> NDArray[np.float64] | tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Class probabilities ``P(Y = k | x)``, optionally with delta-method standard errors.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.
        return_std : bool, default=False
            Also return the standard errors (clm's ``predict(se.fit = TRUE)``).

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities in the order of ``classes_``; rows sum to 1.
        std : ndarray of shape (n_samples, n_classes)
            Their standard errors, only when ``return_std`` is true.
        """
        proba = super().predict_proba(X)
        if not return_std:
            return proba
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return proba, _core.po_predict(*self._core_model(), X, 0.95)["se"]

    def predict_proba_interval(
        self, X: ArrayLike, alpha: float = 0.05
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Confidence intervals of the class probabilities at level ``1 - alpha``, formed on the
        logit scale and mapped back so that they stay in (0, 1) (clm's ``predict(interval =
        TRUE)``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.
        alpha : float, default=0.05
            One minus the confidence level.

        Returns
        -------
        lower, upper : ndarray of shape (n_samples, n_classes)
            The interval ends.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        out = _core.po_predict(*self._core_model(), X, 1.0 - float(alpha))
        return out["lower"], out["upper"]

    def average_marginal_effects(
        self, X: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Average marginal effect of each feature on each class probability, the (weighted)
        mean over the rows of ``X`` of ``d P(Y = k | x) / d x_j``, with delta-method standard
        errors (statsmodels' ``get_margeff(at="overall")``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to average over (usually the training rows).
        sample_weight : array-like of shape (n_samples,), optional
            Weights of the average.

        Returns
        -------
        effect, std : ndarray of shape (n_features, n_classes)
            The effects and their standard errors.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        w = sample_weight_f64(sample_weight, X.shape[0])
        return _core.po_marginal_effects(*self._core_model(), X, w)

    def summary(self) -> pd.DataFrame:
        """Coefficient table like statsmodels' ``OrderedModel`` results summary.

        Rows: the covariates (by name when fitted on a DataFrame), then the cutpoints named
        ``"a/b"`` for the boundary between classes a and b. Columns: ``coef``, ``std err``,
        ``z``, ``P>|z|``, ``[0.025``, ``0.975]`` (Wald, normal reference).

        Returns
        -------
        pandas.DataFrame
            The table; its index is named with the link and the log-likelihood.
        """
        check_is_fitted(self)
        names = list(
            getattr(self, "feature_names_in_", [f"x{j + 1}" for j in range(self.n_features_in_)])
        )
        names += [f"{a}/{b}" for a, b in zip(self.classes_[:-1], self.classes_[1:])]
        ci = self.conf_int(0.05)
        return pd.DataFrame(
            {
                "coef": np.concatenate([self.coef_, self.cutpoints_]),
                "std err": np.concatenate([self.bse_, self.cutpoint_bse_]),
                "z": np.concatenate([self.zvalues_, self.cutpoint_zvalues_]),
                "P>|z|": np.concatenate([self.pvalues_, self.cutpoint_pvalues_]),
                "[0.025": ci[:, 0],
                "0.975]": ci[:, 1],
            },
            index=pd.Index(
                names, name=f"link = {self._link_name()}, loglik = {self.loglik_:.6f}"
            ),
        )


class LogitLast(ProportionalOdds):
    """Logistic regression of ``1{y = last class}``: the authors' baseline for the rare class.

    The model is a two-class cumulative logit: ``P(Y = last | x) = 1 - sigmoid(theta - x^T b)``.
    ``classes_`` are ``y``'s classes; :meth:`predict_proba` returns two columns, the rest and
    the last class, and :meth:`predict` returns the last class or the class just below it.

    Parameters
    ----------
    alpha : float, default=0.0
        Ridge penalty on the slopes, as :class:`ProportionalOdds`.
    max_iter : int, default=100
        Newton iterations.
    tol : float, default=1e-10
        Gradient tolerance.

    Attributes
    ----------
    classes_ : ndarray
        ``y``'s ordered classes.
    coef_, cutpoints_, bse_, cutpoint_bse_, loglik_, n_iter_
        As :class:`ProportionalOdds` for the two-class problem (and its Wald and information
        criteria attributes).
    """

    def __init__(self, *, alpha: float = 0.0, max_iter: int = 100, tol: float = 1e-10) -> None:
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol

    def _link_name(self) -> str:
        # Logistic regression of the last class; the core has no other link for it.
        return "logit"

    def fit(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> LogitLast:
        """Fit the model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Covariates.
        y : array-like of shape (n_samples,)
            Ordered labels (the last class is the event).
        sample_weight : array-like of shape (n_samples,), optional
            Observation weights.

        Returns
        -------
        self
            The fitted estimator.
        """
        X, codes, k, w = _codes(self, X, y, 2, sample_weight)
        with python_names({"ridge": "alpha"}):
            fit = _core.logit_last_fit(
                X,
                codes,
                k,
                w,
                _positive_int("max_iter", self.max_iter),
                float(self.tol),
                float(self.alpha),
            )
        self._store(fit)
        return self

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """The last class where its probability exceeds 1/2, else the class below it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)
        last = proba[:, 1] > 0.5
        return np.where(last, self.classes_[-1], self.classes_[-2])


class PRESTO(_Cumulative):
    """PRESTO: boundary-specific slopes shrunk toward proportional odds (Faletto and Bien 2023).

    Minimizes ``-(1/N) sum_i log p_{i, y_i} + alpha * sum_jk c_jk [mixing |psi_jk| +
    (1 - mixing) / 2 psi_jk^2]`` over cutpoints and ``psi`` (``psi_0 = b_0``,
    ``psi_k = b_k - b_{k-1}``) by proximal Newton, with ``c_j0 = 1`` when ``penalize_first``.

    Parameters
    ----------
    alpha : float, default=0.01
        Penalty strength (the paper's lambda), >= 0.
    link : {"logit", "probit", "cloglog", "loglog", "cauchit"}, default="logit"
        Inverse link of ``P(Y <= k | x) = F(theta_k - x^T b_k)``.
    mixing : float, default=1.0
        L1 share of the penalty in [0, 1]: 1 is PRESTO, 0 "PRESTO_L2".
    penalize_first : bool, default=True
        Penalize the first slope block ``b_0`` too (the authors' code).
    standardize : bool, default=False
        Fit on centred, unit-population-SD columns (alpha on that scale); coefficients are
        reported on the original scale.
    tol : float, default=1e-9
        KKT tolerance.
    max_iter : int, default=200
        Proximal Newton steps.

    Attributes
    ----------
    classes_ : ndarray
        The ordered classes (at least 2; with 2 there are no differences to fuse and PRESTO is
        the elastic-net-penalized binary cumulative link model).
    cutpoints_ : ndarray of shape (n_classes - 1,)
        Cutpoints.
    coef_ : ndarray of shape (n_classes - 1, n_features)
        Slopes ``b_k`` per boundary.
    psi_ : ndarray of shape (n_classes - 1, n_features)
        ``b_0`` and the adjacent differences.
    loglik_, objective_, kkt_ : float
        Log-likelihood, objective and KKT residual at the solution.
    n_iter_ : int
        Proximal Newton steps.
    """

    def __init__(
        self,
        alpha: float = 0.01,
        *,
        link: str = "logit",
        mixing: float = 1.0,
        penalize_first: bool = True,
        standardize: bool = False,
        tol: float = 1e-9,
        max_iter: int = 200,
    ) -> None:
        self.alpha = alpha
        self.link = link
        self.mixing = mixing
        self.penalize_first = penalize_first
        self.standardize = standardize
        self.tol = tol
        self.max_iter = max_iter

    def _slopes(self) -> NDArray[np.float64]:
        return self.coef_

    def _store(self, fit: dict[str, Any]) -> None:
        self.cutpoints_ = np.asarray(fit["cutpoints"])
        self.coef_ = np.asarray(fit["coef"])
        self.psi_ = np.asarray(fit["psi"])
        self.loglik_ = float(fit["loglik"])
        self.objective_ = float(fit["objective"])
        self.kkt_ = float(fit["kkt"])
        self.n_iter_ = int(fit["n_iter"])
        if not fit["converged"]:
            warnings.warn(
                f"{type(self).__name__} stopped at KKT residual {self.kkt_:.3e} above tol "
                f"{self.tol:.3e}; increase max_iter.",
                ConvergenceWarning,
                stacklevel=3,
            )

    def _settings(self) -> tuple[Any, ...]:
        return (
            float(self.mixing),
            bool(self.penalize_first),
            bool(self.standardize),
            float(self.tol),
            _positive_int("max_iter", self.max_iter),
        )

    def fit(self, X: ArrayLike, y: ArrayLike) -> PRESTO:
        """Fit at ``alpha``, started from the intercept-only model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Covariates.
        y : array-like of shape (n_samples,)
            Ordered labels (at least 2 classes).

        Returns
        -------
        self
            The fitted estimator.
        """
        link = _link(self.link)
        X, codes, k, _ = _codes(self, X, y, 2)
        with python_names(_PRESTO_NAMES):
            self._store(
                _core.presto_fit(X, codes, k, float(self.alpha), *self._settings(), link=link)
            )
        return self


class PRESTOCV(PRESTO):
    """:class:`PRESTO` with ``alpha`` chosen by K-fold CV on the held-out multiclass Brier score.

    The full-data path fixes the grid (``n_alphas`` values from ``alpha_max``, where every
    penalized difference is zero, down to ``alpha_ratio * alpha_max``); each fold refits the
    path on its training rows; the chosen alpha is the largest with the minimal mean Brier
    score, and the model is refit on all rows there.

    Parameters
    ----------
    n_alphas : int, default=20
        Grid size.
    alpha_ratio : float, default=0.01
        Smallest / largest alpha, in (0, 1).
    cv : int, splitter or iterable, default=5
        Folds whose test sets partition the rows (an int is ``KFold``; a splitter such as
        ``StratifiedKFold`` or ``PredefinedSplit``).
    n_jobs : int, optional
        Threads for the folds; results do not depend on it.
    link, mixing, penalize_first, standardize, tol, max_iter
        As :class:`PRESTO`.

    Attributes
    ----------
    alpha_ : float
        The chosen penalty.
    alphas_ : ndarray of shape (n_alphas,)
        The grid.
    cv_brier_, cv_se_ : ndarray of shape (n_alphas,)
        Mean held-out Brier score and its standard error.
    cutpoints_, coef_, psi_, loglik_, objective_, kkt_, n_iter_
        The refit at ``alpha_`` (as :class:`PRESTO`).
    """

    def __init__(
        self,
        *,
        n_alphas: int = 20,
        alpha_ratio: float = 0.01,
        cv: Any = 5,
        n_jobs: int | None = None,
        link: str = "logit",
        mixing: float = 1.0,
        penalize_first: bool = True,
        standardize: bool = False,
        tol: float = 1e-9,
        max_iter: int = 200,
    ) -> None:
        self.n_alphas = n_alphas
        self.alpha_ratio = alpha_ratio
        self.cv = cv
        self.n_jobs = n_jobs
        self.link = link
        self.mixing = mixing
        self.penalize_first = penalize_first
        self.standardize = standardize
        self.tol = tol
        self.max_iter = max_iter

    def fit(self, X: ArrayLike, y: ArrayLike) -> PRESTOCV:
        """Cross-validate the path and refit at the chosen alpha.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Covariates.
        y : array-like of shape (n_samples,)
            Ordered labels (at least 2 classes).

        Returns
        -------
        self
            The fitted estimator.
        """
        link = _link(self.link)
        X, codes, k, _ = _codes(self, X, y, 2)
        ids = np.full(X.shape[0], -1, dtype=np.int64)
        for f, (_, test) in enumerate(check_cv(self.cv, codes, classifier=True).split(X, codes)):
            if np.any(ids[test] != -1):
                raise InvalidParameterError(
                    "the cv test sets overlap; PRESTOCV needs folds that partition the rows",
                    param="cv",
                    value=repr(self.cv),
                    reason="test sets must partition the rows",
                )
            ids[test] = f
        if np.any(ids == -1):
            raise InvalidParameterError(
                "some rows are in no cv test set; PRESTOCV needs folds that partition the rows",
                param="cv",
                value=repr(self.cv),
                reason="test sets must partition the rows",
            )
        with python_names(_PRESTO_NAMES):
            out = _core.presto_cv(
                X,
                codes,
                k,
                ids.tolist(),
                _positive_int("n_alphas", self.n_alphas),
                float(self.alpha_ratio),
                *self._settings(),
                n_jobs_threads(self.n_jobs),
                link=link,
            )
        self._store(out)
        self.alphas_ = np.asarray(out["lambdas"])
        self.alpha_ = float(out["lambda"])
        self.cv_brier_ = np.asarray(out["cv_brier"])
        self.cv_se_ = np.asarray(out["cv_se"])
        return self


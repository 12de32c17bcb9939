"""Type stubs of the compiled module `veristat._core` (python/src/*.rs).

Array arguments are float64 numpy arrays already validated by the Python layer; the
functions return numpy arrays, floats or dicts of them. Errors are
`veristat.exceptions` classes."""

from typing import Any

__version__: str

def average_precision(y: Any, s: Any) -> Any:
    """Step-wise average precision."""

def best_subset_fit(x: Any, y: Any, support_sizes: Any, max_exchange: Any, max_splicing_iter: Any, fit_intercept: Any) -> Any:
    """Best-subset selection by splicing (abess), the size chosen by GIC: coef, intercept, support,
    and per size its support, loss and GIC.
    """

def brier(y: Any, p: Any) -> Any:
    """Brier score."""

def calibration_curve(y: Any, p: Any, n_bins: Any, strategy: Any) -> Any:
    """Reliability curve: (fraction of positives, mean prediction, count) per non-empty bin."""

def comb(freq: Any, params_row: Any, duration: Any) -> Any:
    """The QNM comb `h(f)` (spec §3.1) at `params` = [width, amplitude, phase, spacing, fmin, fmax]
    over `freq`, for a segment of `duration`.
    """

def cumulative_proba(cutpoints: Any, coef: Any, x: Any, policy: Any, link: Any = "logit") -> Any:
    """Class probabilities (n x K) of the cumulative link model with `cutpoints` (K-1), slope rows
    `coef` ((K-1) x p) and inverse link `link`, crossing rows handled by `policy`; and the
    number of crossing rows.
    """

def enet_cv(x: Any, y: Any, fold_ids: Any, l1_ratio: Any, eps: Any, n_alphas: Any, alphas: Any, fit_intercept: Any, standardize: Any, tol: Any, max_iter: Any, precompute: Any, n_jobs: Any) -> Any:
    """K-fold CV of the path with fold labels `fold_ids` (one per row): the full-data path's fields
    plus fold_mse (K x n_alphas, folds in the order of the sorted labels), the core's fold-
    weighted mean and se, and index_min / index_1se.
    """

def enet_fit(x: Any, y: Any, alpha: Any, l1_ratio: Any, fit_intercept: Any, standardize: Any, tol: Any, max_iter: Any, precompute: Any, sample_weight: Any = None) -> Any:
    """One elastic-net fit at `alpha`: coef, intercept, dual_gap, gap_tol, n_iter, converged."""

def enet_path(x: Any, y: Any, l1_ratio: Any, eps: Any, n_alphas: Any, alphas: Any, fit_intercept: Any, standardize: Any, tol: Any, max_iter: Any, precompute: Any) -> Any:
    """The elastic-net path on `alphas` (or the geometric grid of `n_alphas` from alpha_max down to
    `eps * alpha_max`): alphas, coefs (d x K), intercepts, dual_gaps, gap_tol, n_iter,
    converged.
    """

def expected_calibration_error(y: Any, p: Any, n_bins: Any) -> Any:
    """Expected calibration error over `n_bins` uniform bins."""

def glm_cv(x: Any, y: Any, family: Any, l1_ratio: Any, n_alphas: Any, eps: Any, fit_intercept: Any, standardize: Any, tol: Any, max_iter: Any, n_folds: Any, seed: Any, fold_ids: Any, measure: Any, sample_weight: Any = None, penalty_factor: Any = None, n_jobs: Any = None) -> Any:
    """Cross-validated GLM path (cv.glmnet): the path's entries plus mean, se, fold_measure
    (K x n_alphas), alpha_min, alpha_1se, index_min, index_1se, measure.
    """

def glm_path(x: Any, y: Any, family: Any, l1_ratio: Any, n_alphas: Any, eps: Any, alphas: Any, fit_intercept: Any, standardize: Any, tol: Any, max_iter: Any, early_stop: Any, sample_weight: Any = None, penalty_factor: Any = None) -> Any:
    """A GLM path (glmnet's grid, or `alphas` in the order given): alphas, coefs (d x K),
    intercepts, kkt (KKT residual / alpha), kkt_tol, n_iter, converged, deviance,
    null_deviance, deviance_ratio, alpha_max, stop.
    """

def glm_path_csc(indptr: Any, indices: Any, data: Any, shape: Any, y: Any, family: Any, l1_ratio: Any, n_alphas: Any, eps: Any, alphas: Any, fit_intercept: Any, standardize: Any, tol: Any, max_iter: Any, early_stop: Any, sample_weight: Any = None, penalty_factor: Any = None) -> Any:
    """A GLM path on a compressed-sparse-column design (scipy's `csc_matrix` arrays `indptr`,
    `indices`, `data` and its `shape`), never densified; the entries of `glm_path`'s dict.
    """

def iht_fit(x: Any, y: Any, k: Any, step: Any, tol: Any, max_iter: Any, fit_intercept: Any) -> Any:
    """Iterative hard thresholding with sparsity `k`: coef, intercept, support, n_iter, converged,
    relative_change.
    """

def inject(freq: Any, signal_re: Any, signal_im: Any, scale: Any, psd: Any, dt: Any, seed: Any) -> Any:
    """Gaussian noise with PSD `psd` (per bin; or white at step `dt`) plus `scale * signal`: the
    data's real and imaginary parts, the analysis PSD and the noise's mean |n_k|.
    """

def ldp_aggregate(name: Any, epsilon: Any, delta: Any, k: Any, d: Any, reports: Any, inputs: Any = None) -> Any:
    """The server's estimate from `reports` (the average decode) and, with the true `inputs`, its
    exact variance per coordinate (NaN without them).
    """

def ldp_audit(name: Any, epsilon: Any, delta: Any, k: Any, d: Any, draws: Any, level: Any, seed: Any) -> Any:
    """The empirical audit at the mechanism's worst input pair (`draws` outputs per input)."""

def ldp_decode(name: Any, epsilon: Any, delta: Any, k: Any, d: Any, reports: Any) -> Any:
    """Per-user unbiased decodes of `reports` (n x output_dim): n x estimate_dim."""

def ldp_exact_audit(name: Any, epsilon: Any, delta: Any, k: Any, d: Any) -> Any:
    """The exact worst-case likelihood ratio of a discrete mechanism against e^epsilon."""

def ldp_iht_fit(x: Any, y: Any, epsilon: Any, sparsity: Any, rounds: Any, step: Any, tau1: Any, tau2: Any, l1_radius: Any, seed: Any) -> Any:
    """Sequentially interactive LDP iterative hard thresholding (§1c)."""

def ldp_info(name: Any, epsilon: Any, delta: Any, k: Any, d: Any) -> Any:
    """The mechanism's dimensions and guarantee."""

def ldp_nldp_fit(x: Any, y: Any, epsilon: Any, delta: Any, tau1: Any, tau2: Any, radius: Any, soft_threshold: Any, lambda_scale: Any, l1_bound: Any, floor: Any, x_public: Any, seed: Any) -> Any:
    """Non-interactive LDP sparse regression (Zhu et al. 2024, Algorithm 1); with `x_public`, the
    public-unlabeled-covariates variant (§1b).
    """

def ldp_privatize(name: Any, epsilon: Any, delta: Any, k: Any, d: Any, x: Any, seed: Any) -> Any:
    """Privatize every row of `x` (n x input_dim): n x output_dim reports. User block b draws from
    its own stream of `seed`, so the reports do not depend on the thread count.
    """

def list_claims(scale_name: Any) -> Any:
    """Every claim at `scale`: name, description, prediction, columns and default replicates."""

def log_loss(y: Any, p: Any) -> Any:
    """Log loss (probabilities clipped to [eps, 1 - eps])."""

def logit_last_fit(x: Any, y: Any, n_classes: Any, sample_weight: Any = None, max_iter: Any = 100, tol: Any = 1e-10, ridge: Any = 0.0) -> Any:
    """Logistic regression of `1{y = K-1}` on x (the rare-class baseline), ridge-penalized by
    `ridge` >= 0.
    """

def loglike(freq: Any, data_re: Any, data_im: Any, psd: Any, params_rows: Any, kind_name: Any) -> Any:
    """`ln Λ` (new: per-QNM phase marginalisation; old: per bin) at every row of `params` (m x 6),
    on the spectrum (freq, data, psd).
    """

def multiplicity_ranges(x: Any, y: Any, lam: Any, standardize: Any, sample_weight: Any, epsilon: Any, relative: Any, x_new: Any, deltas: Any) -> Any:
    """Viable prediction ranges over S_eps of the baseline fitted to (x, y), for the training rows
    or the rows of `x_new`; with the ambiguity and the discrepancy bracket at each delta.
    """

def nested_run(loglike: Any, prior_transform: Any, ndim: Any, nlive: Any, walks: Any, batch: Any, dlogz: Any, max_calls: Any, enlarge: Any, uniform_calls: Any, periodic: Any, vectorized: Any, seed: Any) -> Any:
    """Run the nested sampler: logz, logzerr, samples (n x ndim), logl, logwt, weights, and the
    run's statistics.
    """

def omp_fit(x: Any, y: Any, n_nonzero_coefs: Any, tol: Any, fit_intercept: Any, normalized_selection: Any) -> Any:
    """Orthogonal matching pursuit: coef, intercept, support, n_iter (atoms selected)."""

def pn_criterion(x: Any, family_name: Any, epsilon: Any, delta: Any, bound: Any) -> Any:
    """The p-n criterion on the rows of `x` (n x d) for `family_name`."""

def pn_n_min(c1: Any, c2: Any, epsilon: Any) -> Any:
    """Minimum sample size n_min(c1, c2, epsilon)."""

def pn_simulate(family_name: Any, truth: Any, dim: Any, ns: Any, replicates: Any, seed: Any, n_jobs: Any) -> Any:
    """Monte Carlo risk E KL(g_theta* || g_theta_hat) at each n in `ns`, with the expansion's c1,
    c2.
    """

def pn_threshold(delta: Any, bound: Any) -> Any:
    """Epsilon from delta through the named bound."""

def po_fit(x: Any, y: Any, n_classes: Any, max_iter: Any, tol: Any, sample_weight: Any = None, link: Any = "logit", ridge: Any = 0.0) -> Any:
    """Proportional-odds MLE by Newton under the inverse link `link` (clm's parametrisation,
    statsmodels' `OrderedModel` sign); with `ridge` > 0 the minimizer of -loglik/N +
    ridge/2 |b|^2.
    """

def po_marginal_effects(link: Any, cutpoints: Any, coef: Any, cov: Any, x: Any, sample_weight: Any = None) -> Any:
    """Average marginal effects (p x K) of each feature on each class probability over the rows
    of `x` (weighted by `sample_weight`), with delta-method standard errors.
    """

def po_predict(link: Any, cutpoints: Any, coef: Any, cov: Any, x: Any, level: Any) -> Any:
    """Class and cumulative probabilities of the rows of `x` under a proportional-odds fit, with
    delta-method standard errors and intervals at `level` (clm's `predict(se.fit = TRUE,
    interval = TRUE)`).
    """

def presto_cv(x: Any, y: Any, n_classes: Any, fold_ids: Any, n_lambdas: Any, lambda_ratio: Any, mixing: Any, penalize_first: Any, standardize: Any, tol: Any, max_iter: Any, n_jobs: Any, link: Any = "logit") -> Any:
    """K-fold CV of the PRESTO path on the held-out multiclass Brier score, folds given per row."""

def presto_fit(x: Any, y: Any, n_classes: Any, lam: Any, mixing: Any, penalize_first: Any, standardize: Any, tol: Any, max_iter: Any, link: Any = "logit") -> Any:
    """PRESTO at one penalty `lam` (Faletto and Bien 2023)."""

def rare_calibration_error(y: Any, p: Any) -> Any:
    """The rare-class squared calibration error of McDermott et al. (2024)."""

def ridge_logistic_fit(x: Any, y: Any, lam: Any, standardize: Any, sample_weight: Any = None) -> Any:
    """The baseline theta* = argmin mean log-loss + lam / 2 ||w||^2 on `x` and 0/1 `y`: its
    coefficients and intercept on the original feature scale (the score a(x)^T theta* is affine
    in x), J*, the Newton steps and the gradient norm.
    """

def roc_auc(y: Any, s: Any) -> Any:
    """Area under the ROC curve, ties counted 1/2."""

def run_claim(name: Any, scale_name: Any, seed: Any, replicates: Any, shard_index: Any, shard_count: Any, n_jobs: Any) -> Any:
    """Run `name`'s replicates of shard `shard_index`/`shard_count` on the CPU. Returns the table
    as columns (replicate, keys, values), its content hash, and the verdict (`None` for a
    partial shard, which cannot be judged alone).
    """

def search(freq: Any, data_re: Any, data_im: Any, psd: Any, prior: Any, min_teeth: Any, kind_name: Any, nlive: Any, walks: Any, batch: Any, dlogz: Any, seed: Any) -> Any:
    """The comb-vs-noise search (spec §4): ln B, its error, the posterior and the best comb."""
def ldp_privatize_column(name: Any, epsilon: Any, delta: Any, k: Any, d: Any, x: Any, seed: Any, n_jobs: Any = None) -> Any: ...
def ldp_estimate_column(name: Any, epsilon: Any, delta: Any, k: Any, d: Any, reports: Any, level: Any, postprocess: Any, n_jobs: Any = None) -> Any: ...
def ldp_heavy_hitters(estimate: Any, std_error: Any, n: Any, top: Any, alpha: Any) -> Any: ...
def ldp_postprocess(f: Any, method: Any) -> Any: ...

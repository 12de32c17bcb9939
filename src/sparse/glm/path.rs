//! Penalized GLM paths and single fits with glmnet's semantics, as estimators of the
//! [`crate::estimator`] contract: [`GlmPathParams`] `-> check() ->` [`GlmPath`]
//! `-> fit(&RegressionData) ->` [`GlmPathFit`], and [`GlmParams`] `->` [`Glm`] `->` [`GlmFit`].
//!
//! Objective (glmnet's, Friedman, Hastie, Tibshirani 2010, eq. 1 and 12):
//! `(1/n) sum_i w_i loss(y_i, b0 + x_i^T b) + alpha sum_j pf_j (rho |b_j| + (1 - rho)/2 b_j^2)`
//! with weights summing to n, penalty factors summing to d, and the penalty on standardized
//! coefficients when `standardize` is on. `alpha` is glmnet's `lambda` and `rho` (`l1_ratio`)
//! glmnet's `alpha`.
//!
//! The grid is glmnet's: the first point `alpha_max` fits the intercept and the unpenalized
//! features (glmnet's `lambda = big` step), `alpha_max = max_{pf_j > 0} |g_j| / pf_j /
//! max(rho, 1e-3)` at that fit, then `alpha_k = alpha_max eps^(k/(K-1))` with glmnet's default
//! `eps = 1e-4` (`n > d`) or `1e-2` (`n <= d`); and the path stops early as glmnet's does
//! ([`Family::early_stop`](super::Family), plus a saturated binomial fit), saying so in
//! [`GlmPathFit::stop`].

use super::design::SparseRegressionData;
pub use super::family::GlmStop;
use super::family::{Family, PMIN};
use super::irls::{SolveStats, Solver};
use super::problem::{GlmOptions, GlmProblem, glm_option_builders};
use crate::error::{Error, Result, check};
use crate::estimator::{
    Certificate, Diagnostics, Fit, Fitted, ParamGuard, Predict, RegressionData, Stop, seconds_since,
};
use crate::sparse::linear::predict_linear;
use nalgebra::{DMatrix, DVector};
use std::time::Instant;

/// Unchecked GLM path parameters.
///
/// ```
/// use nalgebra::{DMatrix, DVector};
/// use veristat::estimator::{Fit, RegressionData};
/// use veristat::sparse::glm::{Family, GlmPathParams};
/// let x = DMatrix::from_fn(80, 4, |i, j| (((i + 3) * (j + 5)) % 11) as f64 / 11.0);
/// let y = DVector::from_fn(80, |i, _| f64::from(x[(i, 0)] + 0.3 * ((i % 3) as f64) > 0.7));
/// let path = GlmPathParams::new(Family::Binomial).n_alphas(20).fit(&RegressionData::new(x, y).unwrap()).unwrap();
/// assert!(path.coefs.column(0).iter().all(|&c| c == 0.0));
/// assert!(path.kkt.iter().all(|&k| k <= 1e-7));
/// ```
#[derive(Debug, Clone)]
pub struct GlmPathParams {
    pub(super) family: Family,
    pub(super) l1_ratio: f64,
    pub(super) n_alphas: usize,
    pub(super) eps: Option<f64>,
    pub(super) alphas: Option<Vec<f64>>,
    pub(super) early_stop: bool,
    pub(super) options: GlmOptions,
}

impl GlmPathParams {
    /// Defaults: Lasso (`l1_ratio = 1`), 100 alphas, glmnet's `eps`, glmnet's early stops on.
    pub fn new(family: Family) -> Self {
        Self {
            family,
            l1_ratio: 1.0,
            n_alphas: 100,
            eps: None,
            alphas: None,
            early_stop: true,
            options: GlmOptions::default(),
        }
    }
    /// Mixing rho in [0, 1] (glmnet's `alpha`).
    pub fn l1_ratio(mut self, v: f64) -> Self {
        self.l1_ratio = v;
        self
    }
    /// Grid length (glmnet's `nlambda`), default 100.
    pub fn n_alphas(mut self, v: usize) -> Self {
        self.n_alphas = v;
        self
    }
    /// Grid end as a fraction of alpha_max (glmnet's `lambda.min.ratio`); default 1e-4 when
    /// n > d, else 1e-2.
    pub fn eps(mut self, v: f64) -> Self {
        self.eps = Some(v);
        self
    }
    /// An explicit grid, fitted in the order given (no early stop).
    pub fn alphas(mut self, v: Vec<f64>) -> Self {
        self.alphas = Some(v);
        self
    }
    /// glmnet's early stops on the automatic grid (default true).
    pub fn early_stop(mut self, v: bool) -> Self {
        self.early_stop = v;
        self
    }
    glm_option_builders!();
}

impl ParamGuard for GlmPathParams {
    type Checked = GlmPath;
    /// `l1_ratio` in [0, 1], the options, and the grid: explicit alphas non-empty, finite and
    /// > 0; else `n_alphas >= 1` and `eps` in (0, 1).
    fn check(&self) -> Result<GlmPath> {
        check::in_closed("l1_ratio", self.l1_ratio, 0.0, 1.0)?;
        self.options.check()?;
        match &self.alphas {
            Some(a) => {
                if a.is_empty() {
                    return Err(Error::param("alphas", "[]", "the grid must not be empty"));
                }
                for &v in a {
                    check::positive("alpha", v)?;
                }
            }
            None => {
                check::at_least("n_alphas", self.n_alphas, 1)?;
                if let Some(e) = self.eps {
                    check::in_open("eps", e, 0.0, 1.0)?;
                }
            }
        }
        Ok(GlmPath {
            params: self.clone(),
        })
    }
}

/// Checked GLM path parameters; fitted by [`Fit`].
#[derive(Debug, Clone)]
pub struct GlmPath {
    pub(super) params: GlmPathParams,
}

impl GlmPath {
    /// The family.
    pub fn family(&self) -> Family {
        self.params.family
    }
    /// Solver options.
    pub fn options(&self) -> &GlmOptions {
        &self.params.options
    }
}

/// A fitted GLM path; column k of `coefs` belongs to `alphas[k]`.
///
/// [`Fitted::diagnostics`]: coordinate-descent epochs summed over the path, `Converged` when
/// every alpha met the KKT target, and the worst relative KKT residual as a
/// `GradientNorm` certificate (the sup norm of the minimum-norm subgradient over alpha).
#[derive(Debug, Clone)]
pub struct GlmPathFit {
    /// The family.
    pub family: Family,
    /// The alphas fitted (a prefix of the grid if an early stop fired).
    pub alphas: Vec<f64>,
    /// d x K coefficients on the original scale.
    pub coefs: DMatrix<f64>,
    /// Intercepts on the original scale.
    pub intercepts: Vec<f64>,
    /// Per-alpha certificate: KKT residual divided by alpha (prepared scale).
    pub kkt: Vec<f64>,
    /// The target of `kkt` (the `tol` option).
    pub kkt_tol: f64,
    /// Coordinate-descent epochs per alpha.
    pub n_iter: Vec<usize>,
    /// Newton steps per alpha.
    pub n_newton: Vec<usize>,
    /// Convergence flag per alpha.
    pub converged: Vec<bool>,
    /// Deviance per alpha, on the scale of the weights as given (glmnet's).
    pub deviance: Vec<f64>,
    /// Null deviance (intercept-only model).
    pub null_deviance: f64,
    /// Deviance ratio `1 - deviance / null_deviance` per alpha (glmnet's `dev.ratio`).
    pub deviance_ratio: Vec<f64>,
    /// Objective value per alpha.
    pub objective: Vec<f64>,
    /// glmnet's alpha_max (infinite when every feature is unpenalized or constant).
    pub alpha_max: f64,
    /// Mixing rho.
    pub l1_ratio: f64,
    /// Why the path ended.
    pub stop: GlmStop,
    pub(super) diagnostics: Diagnostics,
}

impl GlmPathFit {
    /// Coefficients at grid index k.
    pub fn coef(&self, k: usize) -> DVector<f64> {
        self.coefs.column(k).into_owned()
    }

    /// Linear predictor `X coef_k + intercept_k` at grid index k.
    pub fn linear_predictor(&self, x: &DMatrix<f64>, k: usize) -> Result<DVector<f64>> {
        predict_linear(x, &self.coef(k), self.intercepts[k])
    }

    /// Mean response `mu(eta)` at grid index k.
    pub fn predict_at(&self, x: &DMatrix<f64>, k: usize) -> Result<DVector<f64>> {
        Ok(self.linear_predictor(x, k)?.map(|e| self.family.mean(e)))
    }

    /// The fit at grid index k as a single fit (`fit_seconds` is the whole path's).
    pub fn point(&self, k: usize) -> GlmFit {
        GlmFit {
            family: self.family,
            coef: self.coef(k),
            intercept: self.intercepts[k],
            alpha: self.alphas[k],
            l1_ratio: self.l1_ratio,
            kkt: self.kkt[k],
            kkt_tol: self.kkt_tol,
            deviance: self.deviance[k],
            null_deviance: self.null_deviance,
            deviance_ratio: self.deviance_ratio[k],
            objective: self.objective[k],
            diagnostics: Diagnostics {
                iterations: self.n_iter[k],
                stop: if self.converged[k] {
                    Stop::Converged
                } else {
                    Stop::MaxIterations
                },
                certificate: Certificate::GradientNorm {
                    norm: self.kkt[k],
                    target: self.kkt_tol,
                },
                fit_seconds: self.diagnostics.fit_seconds,
            },
        }
    }
}

impl Predict for GlmPathFit {
    type Output = DMatrix<f64>;
    /// n x K mean responses, column k at `alphas[k]`.
    fn predict(&self, x: &DMatrix<f64>) -> Result<DMatrix<f64>> {
        let mut out = DMatrix::zeros(x.nrows(), self.alphas.len());
        for k in 0..self.alphas.len() {
            out.set_column(k, &self.predict_at(x, k)?);
        }
        Ok(out)
    }
}

impl Fitted for GlmPathFit {
    fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }
}

impl Fit<RegressionData> for GlmPath {
    type Fitted = GlmPathFit;
    /// Warm-started proximal Newton down the grid. Errors: empty or non-finite data, y outside
    /// the family's support, weights or penalty factors of the wrong length, a degenerate
    /// automatic grid.
    fn fit(&self, data: &RegressionData) -> Result<GlmPathFit> {
        let start = Instant::now();
        let prob = GlmProblem::new(self.params.family, data.x(), data.y(), &self.params.options)?;
        path_on(&prob, &self.params, start)
    }
}

impl Fit<SparseRegressionData> for GlmPath {
    type Fitted = GlmPathFit;
    /// The path on a compressed-sparse-column design, never densified (centring and scaling
    /// enter the updates; `docs/specs/glm.md` §5). Errors as for dense data.
    fn fit(&self, data: &SparseRegressionData) -> Result<GlmPathFit> {
        let start = Instant::now();
        let prob =
            GlmProblem::new_sparse(self.params.family, data.x(), data.y(), &self.params.options)?;
        path_on(&prob, &self.params, start)
    }
}

/// glmnet's default `lambda.min.ratio`.
pub(super) fn default_eps(n: usize, d: usize) -> f64 {
    if n < d { 1e-2 } else { 1e-4 }
}

/// The path on a prepared problem.
pub(super) fn path_on(
    prob: &GlmProblem,
    params: &GlmPathParams,
    start: Instant,
) -> Result<GlmPathFit> {
    let rho = params.l1_ratio;
    let tol = params.options.tol;
    let mut solver = Solver::new(
        prob,
        rho,
        params.options.max_iter,
        params.options.strong_rule,
    )?;
    // The unpenalized part to a tight absolute target: the gradient scale is that of
    // (1/n) sum w (y - mu) x, O(1) on standardized columns.
    solver.fit_unpenalized(tol * 1e-6);
    let amax = solver.alpha_max();
    let grid = match &params.alphas {
        Some(a) => a.clone(),
        None => {
            if !(amax > 0.0 && amax.is_finite()) {
                return Err(Error::InvalidData(format!(
                    "alpha_max = {amax:e}: no penalized feature varies or correlates with the \
                     residual of the unpenalized fit, so the automatic alpha grid does not \
                     exist; pass explicit alphas"
                )));
            }
            let eps = params
                .eps
                .unwrap_or_else(|| default_eps(prob.n(), prob.d()))
                .max(1e-6);
            crate::sparse::alpha_grid(amax, params.n_alphas, eps)
        }
    };
    let d = prob.d();
    let null_mu = vec![prob.null_mu(); prob.n()];
    let null_deviance = prob.deviance(&null_mu);
    let mut coefs = DMatrix::zeros(d, grid.len());
    let mut fit = GlmPathFit {
        family: prob.family,
        alphas: Vec::new(),
        coefs: DMatrix::zeros(0, 0),
        intercepts: Vec::new(),
        kkt: Vec::new(),
        kkt_tol: tol,
        n_iter: Vec::new(),
        n_newton: Vec::new(),
        converged: Vec::new(),
        deviance: Vec::new(),
        null_deviance,
        deviance_ratio: Vec::new(),
        objective: Vec::new(),
        alpha_max: amax,
        l1_ratio: rho,
        stop: GlmStop::Complete,
        diagnostics: Diagnostics {
            iterations: 0,
            stop: Stop::Converged,
            certificate: Certificate::None,
            fit_seconds: 0.0,
        },
    };
    let vmin = (1.0 + PMIN) * PMIN * (1.0 - PMIN);
    let mut first_failure: Option<Stop> = None;
    for (k, &alpha) in grid.iter().enumerate() {
        let st: SolveStats = solver.solve(alpha, tol * alpha);
        let (coef, b0) = prob.original(&solver.beta, solver.b0);
        coefs.set_column(k, &coef);
        let dev = prob.deviance(solver.mu());
        fit.alphas.push(alpha);
        fit.intercepts.push(b0);
        fit.kkt.push(st.kkt / alpha);
        fit.n_iter.push(st.epochs);
        fit.n_newton.push(st.newton);
        fit.converged.push(st.converged);
        fit.deviance.push(dev);
        fit.deviance_ratio.push(if null_deviance > 0.0 {
            1.0 - dev / null_deviance
        } else {
            0.0
        });
        fit.objective.push(solver.objective(alpha));
        if !st.converged && first_failure.is_none() {
            first_failure = Some(if st.stalled {
                Stop::Stalled
            } else {
                Stop::MaxIterations
            });
        }
        if params.alphas.is_none() && params.early_stop {
            if prob.family == Family::Binomial && solver.mean_irls_weight() <= vmin {
                fit.stop = GlmStop::Saturated;
                break;
            }
            if let Some(s) = prob.family.early_stop(&fit.deviance_ratio, grid.len()) {
                fit.stop = s;
                break;
            }
        }
    }
    let kept = fit.alphas.len();
    fit.coefs = coefs.columns(0, kept).into_owned();
    if let Some(j) = (0..kept).find(|&k| {
        !fit.intercepts[k].is_finite() || fit.coefs.column(k).iter().any(|v| !v.is_finite())
    }) {
        return Err(Error::NonFinite {
            quantity: format!("coefficients at alphas[{j}] = {:e}", fit.alphas[j]),
            reason: "the Newton iterations overflowed on these data; rescale the columns".into(),
        });
    }
    fit.diagnostics = Diagnostics {
        iterations: fit.n_iter.iter().sum(),
        stop: first_failure.unwrap_or(Stop::Converged),
        certificate: Certificate::GradientNorm {
            norm: fit.kkt.iter().copied().fold(0.0, f64::max),
            target: tol,
        },
        fit_seconds: seconds_since(start),
    };
    Ok(fit)
}

/// Unchecked single-alpha GLM parameters.
///
/// ```
/// use nalgebra::{DMatrix, DVector};
/// use veristat::estimator::{Fit, Fitted, RegressionData};
/// use veristat::sparse::glm::{Family, GlmParams};
/// let x = DMatrix::from_fn(60, 3, |i, j| ((i * 7 + j * 3) % 11) as f64);
/// let y = DVector::from_fn(60, |i, _| ((i * 5) % 4) as f64);
/// let fit = GlmParams::new(Family::Poisson, 0.05).fit(&RegressionData::new(x, y).unwrap()).unwrap();
/// assert!(fit.diagnostics().converged() && fit.kkt <= 1e-7);
/// ```
#[derive(Debug, Clone)]
pub struct GlmParams {
    family: Family,
    alpha: f64,
    l1_ratio: f64,
    options: GlmOptions,
}

impl GlmParams {
    /// A penalized GLM at penalty `alpha` (glmnet's `lambda`), Lasso by default.
    pub fn new(family: Family, alpha: f64) -> Self {
        Self {
            family,
            alpha,
            l1_ratio: 1.0,
            options: GlmOptions::default(),
        }
    }
    /// Mixing rho in [0, 1] (glmnet's `alpha`).
    pub fn l1_ratio(mut self, v: f64) -> Self {
        self.l1_ratio = v;
        self
    }
    glm_option_builders!();
}

impl ParamGuard for GlmParams {
    type Checked = Glm;
    /// `alpha > 0`, `l1_ratio` in [0, 1], and the options.
    fn check(&self) -> Result<Glm> {
        check::positive("alpha", self.alpha)?;
        let path = GlmPathParams {
            family: self.family,
            l1_ratio: self.l1_ratio,
            n_alphas: 1,
            eps: None,
            alphas: Some(vec![self.alpha]),
            early_stop: false,
            options: self.options.clone(),
        }
        .check()?;
        Ok(Glm { path })
    }
}

/// Checked single-alpha GLM parameters; fitted by [`Fit`].
#[derive(Debug, Clone)]
pub struct Glm {
    path: GlmPath,
}

impl Fit<RegressionData> for Glm {
    type Fitted = GlmFit;
    /// The one-point path (the unpenalized part first, then the alpha).
    fn fit(&self, data: &RegressionData) -> Result<GlmFit> {
        Ok(self.path.fit(data)?.point(0))
    }
}

impl Fit<SparseRegressionData> for Glm {
    type Fitted = GlmFit;
    /// The one-point path on a sparse design.
    fn fit(&self, data: &SparseRegressionData) -> Result<GlmFit> {
        Ok(self.path.fit(data)?.point(0))
    }
}

/// A fitted penalized GLM at one alpha.
#[derive(Debug, Clone)]
pub struct GlmFit {
    /// The family.
    pub family: Family,
    /// Coefficients on the original scale.
    pub coef: DVector<f64>,
    /// Intercept on the original scale.
    pub intercept: f64,
    /// Penalty alpha.
    pub alpha: f64,
    /// Mixing rho.
    pub l1_ratio: f64,
    /// KKT residual over alpha (the certificate).
    pub kkt: f64,
    /// Its target.
    pub kkt_tol: f64,
    /// Deviance (scale of the weights as given).
    pub deviance: f64,
    /// Null deviance.
    pub null_deviance: f64,
    /// `1 - deviance / null_deviance`.
    pub deviance_ratio: f64,
    /// Objective value.
    pub objective: f64,
    pub(super) diagnostics: Diagnostics,
}

impl Predict for GlmFit {
    type Output = DVector<f64>;
    /// Mean responses `mu(X coef + intercept)`.
    fn predict(&self, x: &DMatrix<f64>) -> Result<DVector<f64>> {
        Ok(predict_linear(x, &self.coef, self.intercept)?.map(|e| self.family.mean(e)))
    }
}

impl Fitted for GlmFit {
    fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }
}

/// The data of [`glm_objective`] and [`glm_kkt_residual`]: a dense or a sparse design.
#[derive(Debug, Clone, Copy)]
pub enum GlmDataRef<'a> {
    /// A dense design.
    Dense(&'a RegressionData),
    /// A compressed-sparse-column design.
    Sparse(&'a SparseRegressionData),
}

impl<'a> From<&'a RegressionData> for GlmDataRef<'a> {
    fn from(d: &'a RegressionData) -> Self {
        GlmDataRef::Dense(d)
    }
}

impl<'a> From<&'a SparseRegressionData> for GlmDataRef<'a> {
    fn from(d: &'a SparseRegressionData) -> Self {
        GlmDataRef::Sparse(d)
    }
}

fn problem_of(family: Family, data: GlmDataRef<'_>, options: &GlmOptions) -> Result<GlmProblem> {
    match data {
        GlmDataRef::Dense(d) => GlmProblem::new(family, d.x(), d.y(), options),
        GlmDataRef::Sparse(d) => GlmProblem::new_sparse(family, d.x(), d.y(), options),
    }
}

/// glmnet's objective of an original-scale solution (`coef`, `intercept`) on data prepared as
/// `options` says (weights, standardization, penalty factors): the number both fits are
/// compared by.
pub fn glm_objective<'a>(
    family: Family,
    data: impl Into<GlmDataRef<'a>>,
    coef: &DVector<f64>,
    intercept: f64,
    alpha: f64,
    l1_ratio: f64,
    options: &GlmOptions,
) -> Result<f64> {
    let p = problem_of(family, data.into(), options)?;
    let (beta, b0) = p.prepared(coef, intercept)?;
    Ok(p.mean_loss(&p.eta(&beta, b0)) + p.penalty(&beta, alpha, l1_ratio))
}

/// The KKT residual over alpha of an original-scale solution (the certificate of
/// [`GlmPathFit::kkt`], recomputed from scratch).
pub fn glm_kkt_residual<'a>(
    family: Family,
    data: impl Into<GlmDataRef<'a>>,
    coef: &DVector<f64>,
    intercept: f64,
    alpha: f64,
    l1_ratio: f64,
    options: &GlmOptions,
) -> Result<f64> {
    let p = problem_of(family, data.into(), options)?;
    let (beta, b0) = p.prepared(coef, intercept)?;
    let eta = p.eta(&beta, b0);
    let n = p.n() as f64;
    let r: Vec<f64> = (0..p.n())
        .map(|i| p.w[i] * (p.y[i] - family.mean(eta[i])))
        .collect();
    let r_sum: f64 = r.iter().sum();
    let mut worst = if p.fit_intercept {
        (r_sum / n).abs()
    } else {
        0.0
    };
    for j in (0..p.d()).filter(|&j| p.varies[j]) {
        let g = p.x.dot(j, &r, r_sum) / n;
        let (l1, l2) = if p.pf[j] == 0.0 {
            (0.0, 0.0)
        } else {
            (
                alpha * l1_ratio * p.pf[j],
                alpha * (1.0 - l1_ratio) * p.pf[j],
            )
        };
        let b = beta[j];
        let v = if b == 0.0 {
            (g.abs() - l1).max(0.0)
        } else {
            (g - l2 * b - l1 * b.signum()).abs()
        };
        worst = worst.max(v);
    }
    Ok(worst / alpha)
}

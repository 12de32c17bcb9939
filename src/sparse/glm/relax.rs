//! The relaxed lasso with glmnet's semantics (`glmnet(..., relax = TRUE)`, glmnet 4.x
//! `relax.glmnet`): at every alpha of a penalized path, the unpenalized maximum-likelihood refit
//! of the same family on that alpha's support (the nonzero coefficients), with the same
//! observation weights and intercept, and the blend
//!
//! `beta_relax(alpha, gamma) = gamma beta_lasso(alpha) + (1 - gamma) beta_refit(alpha)`
//!
//! of Hastie, Tibshirani & Tibshirani (2020, *Statistical Science* 35(4), §2.3, eq. 5; the
//! relaxed lasso of Meinshausen 2007 in this simplified form), `gamma` in [0, 1]: `gamma = 0`
//! is the refit, `gamma = 1` the lasso. The intercept blends the same way.
//!
//! [`GlmRelaxParams`] `-> check() ->` [`GlmRelax`] `-> fit(&RegressionData) ->`
//! [`GlmRelaxFit`]; [`GlmPathFit::relax`] relaxes an already fitted path and
//! [`unpenalized_refit`] fits one support (the closed reference the tests compare with R's
//! `glm()`).
//!
//! **Where the refit does not exist.** glmnet refits with `lambda = 0` through its penalized
//! solver and returns whatever that solver stops at. Here the refit is Newton's method on the
//! unpenalized log-likelihood, which converges quadratically when the maximum-likelihood
//! estimate exists; an alpha whose refit does not exist is *omitted* (as glmnet's `maxp` rule
//! omits large supports) with the reason in [`RelaxedPath::omitted`]:
//! * [`RelaxOmission::SupportTooLarge`]: more nonzero coefficients than `max_support`
//!   (glmnet's `maxp`, default `n - 3`), glmnet's own omission;
//! * [`RelaxOmission::NoMle`]: the support's columns are linearly dependent (with the
//!   intercept), or the likelihood has no maximizer: for binomial, (quasi-)complete separation
//!   (Albert & Anderson 1984), certified when a Newton iterate classifies every row correctly,
//!   and otherwise diagnosed by Newton not converging in 100 steps (its iterates then diverge
//!   along the recession direction, about one unit of log-odds per step); for poisson, a
//!   direction along which the zero counts' means go to 0, diagnosed the same way.
//!
//! An omitted alpha's blend uses the refit of the nearest larger alpha that has one (glmnet's
//! `blend.relaxed(extend = TRUE)`, which uses the last refit; the two agree when the omitted
//! alphas are the end of the path, as `maxp` makes them). glmnet floors `gamma` at 1e-5 in its
//! blend; here `gamma = 0` is the refit exactly.

use super::family::Family;
use super::path::{GlmPath, GlmPathFit, GlmPathParams};
use super::problem::GlmOptions;
use crate::error::{Error, Result, check};
use crate::estimator::{
    Diagnostics, Fit, Fitted, ParamGuard, Predict, RegressionData, seconds_since,
};
use crate::linalg::{Cholesky, sym_eigen};
use crate::sparse::linear::predict_linear;
use nalgebra::{DMatrix, DVector};
use std::time::Instant;

/// Newton steps before a refit is declared not to exist.
const MAX_NEWTON: usize = 100;
/// Convergence of the refit: the largest Newton step on the standardized scale, relative to
/// `max(1, |theta|)` (quadratic convergence leaves an error of about its square). Tighter
/// targets meet the rounding floor of the gradient: on NMES1988's counts (up to 89, n = 4406)
/// the steps hover at 1e-10 once the gradient is at its floor of 3e-10.
const STEP_TOL: f64 = 1e-8;
/// Smallest eigenvalue of the unit-diagonal Hessian, relative to the largest, below which the
/// support's columns are taken as linearly dependent.
const RANK_TOL: f64 = 1e-12;

/// Why an alpha of the path has no relaxed refit.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RelaxOmission {
    /// More nonzero coefficients than `max_support` (glmnet's `maxp`).
    SupportTooLarge {
        /// Nonzero coefficients at this alpha.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The unpenalized maximum-likelihood estimate on this support does not exist.
    NoMle {
        /// Why (the error of [`unpenalized_refit`]).
        reason: String,
    },
}

/// The unpenalized refit on one support.
#[derive(Debug, Clone)]
pub struct GlmRefit {
    /// Coefficients on the original scale (0 off the support).
    pub coef: DVector<f64>,
    /// Intercept (0 without one).
    pub intercept: f64,
    /// Deviance, on the scale of the weights as given (glmnet's).
    pub deviance: f64,
    /// Newton steps taken.
    pub newton_steps: usize,
    /// Sup norm of the log-likelihood's gradient `(1/n) sum_i w_i (y_i - mu_i) z_i` at the
    /// returned point (weights summing to n, standardized columns): the certificate.
    pub gradient_norm: f64,
}

/// The unpenalized maximum-likelihood fit of `family` on the columns `support` of `data` (with
/// the intercept and the observation weights of `options`; its penalty options are ignored):
/// glm()'s estimate, by Newton's method with step halving on the standardized columns.
///
/// Errors: [`Error::NotIdentifiable`] when the support's columns are linearly dependent (with
/// the intercept) or the likelihood has no maximizer (separation); [`Error::InvalidParameter`]
/// for a support index out of range; the data errors of the GLM path (y outside the family's
/// support, bad weights).
pub fn unpenalized_refit(
    family: Family,
    data: &RegressionData,
    support: &[usize],
    options: &GlmOptions,
) -> Result<GlmRefit> {
    refit_from(family, data, support, options, None)
}

/// [`unpenalized_refit`] started from `start` = (original-scale coefficients on the support,
/// intercept), the lasso's solution when relaxing a path.
fn refit_from(
    family: Family,
    data: &RegressionData,
    support: &[usize],
    options: &GlmOptions,
    start: Option<(&[f64], f64)>,
) -> Result<GlmRefit> {
    let (x, y) = (data.x(), data.y());
    let (n, d) = x.shape();
    options.check()?;
    family.check_response(y.as_slice())?;
    if let Some(&j) = support.iter().find(|&&j| j >= d) {
        return Err(Error::param(
            "support",
            j,
            format!("feature index out of range (the design has {d} columns)"),
        ));
    }
    let w: Vec<f64> = match &options.weights {
        Some(w) if w.len() != n => {
            return Err(Error::DimensionMismatch {
                what: "observation weights",
                expected: n,
                got: w.len(),
            });
        }
        Some(w) => w.iter().map(|v| v * n as f64 / w.sum()).collect(),
        None => vec![1.0; n],
    };
    let w_given_sum = options.weights.as_ref().map_or(n as f64, |w| w.sum());
    let nf = n as f64;
    let icpt = options.fit_intercept;
    let s = support.len();
    let p = s + usize::from(icpt);
    // The design z = [1, (x_S - m) / sd] (weighted mean and population SD; uncentred RMS
    // without an intercept): Newton is invariant to it, its conditioning is not.
    let mut offset = vec![0.0; s];
    let mut scale = vec![1.0; s];
    let mut z = DMatrix::zeros(n, p);
    if icpt {
        z.column_mut(0).fill(1.0);
    }
    for (t, &j) in support.iter().enumerate() {
        let col = x.column(j);
        if icpt {
            offset[t] = col.iter().zip(&w).map(|(v, wi)| wi * v).sum::<f64>() / nf;
        }
        let ms = col
            .iter()
            .zip(&w)
            .map(|(v, wi)| wi * (v - offset[t]).powi(2))
            .sum::<f64>()
            / nf;
        if ms <= 0.0 {
            return Err(Error::NotIdentifiable(format!(
                "feature {j} is constant on the rows with positive weight{}; the refit on a \
                 support of {s} features is not unique",
                if icpt {
                    " (collinear with the intercept)"
                } else {
                    ""
                }
            )));
        }
        scale[t] = ms.sqrt();
        for i in 0..n {
            z[(i, t + usize::from(icpt))] = (col[i] - offset[t]) / scale[t];
        }
    }
    // theta: (intercept, standardized coefficients).
    let mut theta = DVector::zeros(p);
    match start {
        Some((coef, b0)) => {
            for t in 0..s {
                theta[t + usize::from(icpt)] = coef[t] * scale[t];
            }
            if icpt {
                theta[0] = b0 + (0..s).map(|t| coef[t] * offset[t]).sum::<f64>();
            }
        }
        None if icpt => {
            let ybar = y.iter().zip(&w).map(|(v, wi)| wi * v).sum::<f64>() / nf;
            theta[0] = family.null_eta(ybar)?;
        }
        None => {}
    }
    let loss = |eta: &DVector<f64>| -> f64 {
        (0..n)
            .map(|i| w[i] * family.loss(y[i], eta[i]))
            .sum::<f64>()
            / nf
    };
    let mut eta = &z * &theta;
    let mut f = loss(&eta);
    if !f.is_finite() {
        // A start whose means overflow: begin at the null model instead.
        theta.fill(0.0);
        if icpt {
            let ybar = y.iter().zip(&w).map(|(v, wi)| wi * v).sum::<f64>() / nf;
            theta[0] = family.null_eta(ybar)?;
        }
        eta = &z * &theta;
        f = loss(&eta);
    }
    let mut steps = 0usize;
    let mut gnorm;
    loop {
        let mu = eta.map(|e| family.mean(e));
        let r = DVector::from_fn(n, |i, _| w[i] * (y[i] - mu[i]));
        let g = z.tr_mul(&r) / nf;
        gnorm = g.amax();
        let h = DVector::from_fn(n, |i, _| w[i] * family.variance(mu[i]));
        let mut zh = z.clone();
        for (i, hi) in h.iter().enumerate() {
            zh.row_mut(i).scale_mut(*hi);
        }
        let hess = z.tr_mul(&zh) / nf;
        if steps == 0 {
            rank_check(&hess, s, n)?;
        }
        if family == Family::Binomial && separated(y.as_slice(), &eta, &w) {
            return Err(no_mle(
                s,
                steps,
                "the support's columns separate the classes (every row with positive weight is \
                 classified correctly): the likelihood has no maximizer (complete separation)",
            ));
        }
        if steps >= MAX_NEWTON {
            return Err(no_mle(
                s,
                steps,
                &format!(
                    "Newton's method did not converge in {MAX_NEWTON} steps (gradient {gnorm:e}, \
                     |theta| = {:e}): the likelihood's supremum is approached at infinity \
                     (quasi-complete separation, or zero counts a direction of the support \
                     drives to mean 0)",
                    theta.amax()
                ),
            ));
        }
        let Ok(chol) = Cholesky::new(&hess, "refit Hessian") else {
            return Err(no_mle(
                s,
                steps,
                "the Hessian became singular (fitted means at the boundary of the family's \
                 support)",
            ));
        };
        let step = chol.solve(&g);
        steps += 1;
        let size = step.amax();
        let mut t = 1.0f64;
        let mut moved = false;
        for _ in 0..50 {
            let cand = &theta + t * &step;
            let ec = &z * &cand;
            let fc = loss(&ec);
            if fc.is_finite() && fc <= f + 4.0 * f64::EPSILON * f.abs().max(1e-300) {
                theta = cand;
                eta = ec;
                f = fc;
                moved = true;
                break;
            }
            t *= 0.5;
        }
        if size <= STEP_TOL * theta.amax().max(1.0) || (!moved && gnorm <= 1e-10) {
            if moved {
                // The last step's gradient is the certificate.
                let mu = eta.map(|e| family.mean(e));
                let r = DVector::from_fn(n, |i, _| w[i] * (y[i] - mu[i]));
                gnorm = (z.tr_mul(&r) / nf).amax();
            }
            break;
        }
        if !moved {
            return Err(Error::Numerical(format!(
                "the unpenalized refit on a support of {s} features: no step decreased the \
                 likelihood (gradient {gnorm:e})"
            )));
        }
    }
    let mut coef = DVector::zeros(d);
    for (t, &j) in support.iter().enumerate() {
        coef[j] = theta[t + usize::from(icpt)] / scale[t];
    }
    let intercept = if icpt {
        theta[0]
            - support
                .iter()
                .enumerate()
                .map(|(t, &j)| coef[j] * offset[t])
                .sum::<f64>()
    } else {
        0.0
    };
    let deviance = (0..n)
        .map(|i| w[i] * family.unit_deviance(y[i], family.mean(eta[i])))
        .sum::<f64>()
        * w_given_sum
        / nf;
    Ok(GlmRefit {
        coef,
        intercept,
        deviance,
        newton_steps: steps,
        gradient_norm: gnorm,
    })
}

fn no_mle(s: usize, steps: usize, why: &str) -> Error {
    Error::NotIdentifiable(format!(
        "no unpenalized maximum-likelihood estimate on a support of {s} features (after {steps} \
         Newton steps): {why}"
    ))
}

/// The support's columns with the intercept must be linearly independent on the rows with
/// positive weight: the Hessian at the start, scaled to unit diagonal, must be well conditioned.
fn rank_check(hess: &DMatrix<f64>, s: usize, n: usize) -> Result<()> {
    let p = hess.nrows();
    let dg: Vec<f64> = (0..p).map(|i| hess[(i, i)].max(0.0).sqrt()).collect();
    let unit = DMatrix::from_fn(p, p, |i, j| {
        if dg[i] > 0.0 && dg[j] > 0.0 {
            hess[(i, j)] / (dg[i] * dg[j])
        } else {
            0.0
        }
    });
    let (vals, _) = sym_eigen(&unit)?;
    let (lo, hi) = (vals[0], vals[p - 1]);
    // NaN eigenvalues fail the test too.
    if dg.contains(&0.0) || lo.is_nan() || lo <= RANK_TOL * hi {
        return Err(Error::NotIdentifiable(format!(
            "the {s} columns of the support{} are linearly dependent on the {n} rows \
             (smallest/largest eigenvalue of the scaled Hessian {:e}): the refit is not unique",
            if p > s { " and the intercept" } else { "" },
            lo / hi
        )));
    }
    Ok(())
}

/// Every row with positive weight on the right side of the decision boundary: a certificate of
/// complete separation.
fn separated(y: &[f64], eta: &DVector<f64>, w: &[f64]) -> bool {
    (0..y.len())
        .filter(|&i| w[i] > 0.0)
        .all(|i| (2.0 * y[i] - 1.0) * eta[i] > 0.0)
}

/// The refits of a path, one per alpha (gamma = 0 of the relaxed lasso).
#[derive(Debug, Clone)]
pub struct RelaxedPath {
    /// The family.
    pub family: Family,
    /// The path's alphas.
    pub alphas: Vec<f64>,
    /// d x K refit coefficients (original scale); an omitted alpha's column is the refit of
    /// the nearest larger alpha that has one (glmnet's `extend`).
    pub coefs: DMatrix<f64>,
    /// Refit intercepts (the same extension).
    pub intercepts: Vec<f64>,
    /// Refit deviance per alpha (the extension's for an omitted alpha).
    pub deviance: Vec<f64>,
    /// `1 - deviance / null_deviance`.
    pub deviance_ratio: Vec<f64>,
    /// Per alpha: `None` when refitted, else why not.
    pub omitted: Vec<Option<RelaxOmission>>,
    /// Gradient sup norm of each refit (0 for an omitted alpha).
    pub gradient_norm: Vec<f64>,
    /// Newton steps per alpha (alphas sharing a support share one refit, counted once).
    pub newton_steps: Vec<usize>,
}

impl RelaxedPath {
    /// The relaxed lasso `gamma lasso + (1 - gamma) refit` (eq. 5 of Hastie et al. 2020) of the
    /// penalized `path` these refits belong to, gamma in [0, 1]: coefficients (one column per
    /// alpha) and intercepts.
    pub fn blend(&self, path: &GlmPathFit, gamma: f64) -> Result<(DMatrix<f64>, Vec<f64>)> {
        check::in_closed("gamma", gamma, 0.0, 1.0)?;
        if path.coefs.shape() != self.coefs.shape() {
            return Err(Error::DimensionMismatch {
                what: "relaxed blend: path coefficients",
                expected: self.coefs.len(),
                got: path.coefs.len(),
            });
        }
        let coefs = &path.coefs * gamma + &self.coefs * (1.0 - gamma);
        let b0 = path
            .intercepts
            .iter()
            .zip(&self.intercepts)
            .map(|(a, b)| gamma * a + (1.0 - gamma) * b)
            .collect();
        Ok((coefs, b0))
    }
}

impl GlmPathFit {
    /// The relaxed lasso's refits of this path on `data` (the data it was fitted to), with the
    /// intercept and weights of `options` (the path's options); supports of more than
    /// `max_support` features (default `n - 3`, glmnet's `maxp`) are omitted. Alphas with the
    /// same support share one refit.
    pub fn relax(
        &self,
        data: &RegressionData,
        options: &GlmOptions,
        max_support: Option<usize>,
    ) -> Result<RelaxedPath> {
        let (n, d) = data.x().shape();
        if self.coefs.nrows() != d {
            return Err(Error::DimensionMismatch {
                what: "relaxing a path: features",
                expected: self.coefs.nrows(),
                got: d,
            });
        }
        let max = max_support.unwrap_or(n.saturating_sub(3));
        let k_len = self.alphas.len();
        let mut out = RelaxedPath {
            family: self.family,
            alphas: self.alphas.clone(),
            coefs: DMatrix::zeros(d, k_len),
            intercepts: vec![0.0; k_len],
            deviance: vec![0.0; k_len],
            deviance_ratio: vec![0.0; k_len],
            omitted: vec![None; k_len],
            gradient_norm: vec![0.0; k_len],
            newton_steps: vec![0; k_len],
        };
        let mut last: Option<(Vec<usize>, usize)> = None;
        for k in 0..k_len {
            let support: Vec<usize> = (0..d).filter(|&j| self.coefs[(j, k)] != 0.0).collect();
            if let Some((prev, kp)) = &last
                && *prev == support
            {
                let kp = *kp;
                let c = out.coefs.column(kp).into_owned();
                out.coefs.set_column(k, &c);
                out.intercepts[k] = out.intercepts[kp];
                out.deviance[k] = out.deviance[kp];
                out.gradient_norm[k] = out.gradient_norm[kp];
                out.omitted[k] = out.omitted[kp].clone();
                continue;
            }
            last = Some((support.clone(), k));
            if support.len() > max {
                out.omitted[k] = Some(RelaxOmission::SupportTooLarge {
                    size: support.len(),
                    max,
                });
                continue;
            }
            let start: Vec<f64> = support.iter().map(|&j| self.coefs[(j, k)]).collect();
            match refit_from(
                self.family,
                data,
                &support,
                options,
                Some((&start, self.intercepts[k])),
            ) {
                Ok(r) => {
                    out.coefs.set_column(k, &r.coef);
                    out.intercepts[k] = r.intercept;
                    out.deviance[k] = r.deviance;
                    out.gradient_norm[k] = r.gradient_norm;
                    out.newton_steps[k] = r.newton_steps;
                }
                Err(Error::NotIdentifiable(reason)) => {
                    out.omitted[k] = Some(RelaxOmission::NoMle { reason });
                }
                Err(e) => return Err(e),
            }
        }
        // glmnet's extension: an omitted alpha takes the nearest larger alpha's refit, or the
        // lasso's own fit when none has one.
        for k in 0..k_len {
            if out.omitted[k].is_none() {
                continue;
            }
            match (0..k).rev().find(|&kk| out.omitted[kk].is_none()) {
                Some(kk) => {
                    let c = out.coefs.column(kk).into_owned();
                    out.coefs.set_column(k, &c);
                    out.intercepts[k] = out.intercepts[kk];
                    out.deviance[k] = out.deviance[kk];
                }
                None => {
                    out.coefs.set_column(k, &self.coefs.column(k));
                    out.intercepts[k] = self.intercepts[k];
                    out.deviance[k] = self.deviance[k];
                }
            }
            out.gradient_norm[k] = 0.0;
        }
        for k in 0..k_len {
            out.deviance_ratio[k] = if self.null_deviance > 0.0 {
                1.0 - out.deviance[k] / self.null_deviance
            } else {
                0.0
            };
        }
        Ok(out)
    }
}

/// Unchecked relaxed-lasso parameters: a GLM path and the blend `gamma`.
///
/// ```
/// use nalgebra::{DMatrix, DVector};
/// use veristat::estimator::{Fit, RegressionData};
/// use veristat::sparse::glm::{Family, GlmPathParams, GlmRelaxParams};
/// let x = DMatrix::from_fn(80, 4, |i, j| (((i + 3) * (j + 5)) % 11) as f64 / 11.0);
/// let y = DVector::from_fn(80, |i, _| ((i * 7) % 5) as f64 + 3.0 * x[(i, 1)]);
/// let fit = GlmRelaxParams::new(GlmPathParams::new(Family::Poisson).n_alphas(20))
///     .fit(&RegressionData::new(x, y).unwrap())
///     .unwrap();
/// // gamma = 0: at every alpha, the unpenalized refit on the lasso's support.
/// assert!(fit.relaxed.gradient_norm.iter().all(|&g| g <= 1e-9));
/// ```
#[derive(Debug, Clone)]
pub struct GlmRelaxParams {
    path: GlmPathParams,
    gamma: f64,
    max_support: Option<usize>,
}

impl GlmRelaxParams {
    /// The relaxed lasso of `path`, `gamma = 0` (glmnet's `relax = TRUE` refit).
    pub fn new(path: GlmPathParams) -> Self {
        Self {
            path,
            gamma: 0.0,
            max_support: None,
        }
    }
    /// Blend `gamma` in [0, 1]: 0 the refit, 1 the lasso.
    pub fn gamma(mut self, g: f64) -> Self {
        self.gamma = g;
        self
    }
    /// Largest support refitted (glmnet's `maxp`); default `n - 3`.
    pub fn max_support(mut self, m: usize) -> Self {
        self.max_support = Some(m);
        self
    }
}

impl ParamGuard for GlmRelaxParams {
    type Checked = GlmRelax;
    /// The path's parameters and `gamma` in [0, 1].
    fn check(&self) -> Result<GlmRelax> {
        check::in_closed("gamma", self.gamma, 0.0, 1.0)?;
        Ok(GlmRelax {
            path: self.path.check()?,
            gamma: self.gamma,
            max_support: self.max_support,
        })
    }
}

/// Checked relaxed-lasso parameters; fitted by [`Fit`].
#[derive(Debug, Clone)]
pub struct GlmRelax {
    path: GlmPath,
    gamma: f64,
    max_support: Option<usize>,
}

/// A fitted relaxed lasso: the penalized path, its refits, and the blend at `gamma`.
///
/// [`Predict`] gives the n x K blended mean responses; [`Fitted::diagnostics`] is the
/// penalized path's (its KKT certificate), with `fit_seconds` of path and refits.
#[derive(Debug, Clone)]
pub struct GlmRelaxFit {
    /// The penalized path.
    pub path: GlmPathFit,
    /// Its refits (gamma = 0).
    pub relaxed: RelaxedPath,
    /// The blend.
    pub gamma: f64,
    diagnostics: Diagnostics,
}

impl GlmRelaxFit {
    pub(super) fn from_parts(
        path: GlmPathFit,
        relaxed: RelaxedPath,
        gamma: f64,
        diagnostics: Diagnostics,
    ) -> Self {
        Self {
            path,
            relaxed,
            gamma,
            diagnostics,
        }
    }
    /// Coefficients and intercepts blended at `gamma` in [0, 1], one column per alpha.
    pub fn blend(&self, gamma: f64) -> Result<(DMatrix<f64>, Vec<f64>)> {
        self.relaxed.blend(&self.path, gamma)
    }
    /// Blended coefficients at grid index k (at the fit's `gamma`).
    pub fn coef(&self, k: usize) -> DVector<f64> {
        self.path.coefs.column(k) * self.gamma + self.relaxed.coefs.column(k) * (1.0 - self.gamma)
    }
    /// Blended intercept at grid index k.
    pub fn intercept(&self, k: usize) -> f64 {
        self.gamma * self.path.intercepts[k] + (1.0 - self.gamma) * self.relaxed.intercepts[k]
    }
    /// Mean response at grid index k.
    pub fn predict_at(&self, x: &DMatrix<f64>, k: usize) -> Result<DVector<f64>> {
        Ok(predict_linear(x, &self.coef(k), self.intercept(k))?.map(|e| self.path.family.mean(e)))
    }
}

impl Predict for GlmRelaxFit {
    type Output = DMatrix<f64>;
    fn predict(&self, x: &DMatrix<f64>) -> Result<DMatrix<f64>> {
        let mut out = DMatrix::zeros(x.nrows(), self.path.alphas.len());
        for k in 0..self.path.alphas.len() {
            out.set_column(k, &self.predict_at(x, k)?);
        }
        Ok(out)
    }
}

impl Fitted for GlmRelaxFit {
    fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }
}

impl Fit<RegressionData> for GlmRelax {
    type Fitted = GlmRelaxFit;
    /// The path, then its refits. Errors: the path's; a refit's numerical failure (a support
    /// without a maximum-likelihood estimate is an omission, not an error).
    fn fit(&self, data: &RegressionData) -> Result<GlmRelaxFit> {
        let start = Instant::now();
        let path = self.path.fit(data)?;
        let relaxed = path.relax(data, self.path.options(), self.max_support)?;
        let mut diagnostics = path.diagnostics().clone();
        diagnostics.fit_seconds = seconds_since(start);
        Ok(GlmRelaxFit {
            path,
            relaxed,
            gamma: self.gamma,
            diagnostics,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(y: Vec<f64>, x: Vec<f64>, d: usize) -> RegressionData {
        let n = y.len();
        RegressionData::new(DMatrix::from_row_slice(n, d, &x), DVector::from_vec(y)).unwrap()
    }

    #[test]
    fn separated_classes_have_no_refit() {
        // x > 0 exactly when y = 1.
        let d = data(
            vec![0.0, 0.0, 0.0, 1.0, 1.0, 1.0],
            vec![-3.0, -2.0, -1.0, 1.0, 2.0, 3.5],
            1,
        );
        let e = unpenalized_refit(Family::Binomial, &d, &[0], &GlmOptions::default());
        assert!(matches!(e, Err(Error::NotIdentifiable(ref m)) if m.contains("separat")));
        // Overlapping classes have one.
        let d = data(
            vec![0.0, 1.0, 0.0, 1.0, 0.0, 1.0],
            vec![-3.0, -2.0, -1.0, 1.0, 2.0, 3.5],
            1,
        );
        let r = unpenalized_refit(Family::Binomial, &d, &[0], &GlmOptions::default()).unwrap();
        assert!(r.gradient_norm < 1e-12 && r.coef[0] > 0.0);
    }

    #[test]
    fn collinear_supports_and_bad_indices_are_typed_errors() {
        let d = data(
            vec![1.0, 2.0, 0.0, 4.0],
            vec![1.0, 2.0, 2.0, 4.0, 3.0, 6.0, 4.0, 8.0],
            2,
        );
        let e = unpenalized_refit(Family::Poisson, &d, &[0, 1], &GlmOptions::default());
        assert!(
            matches!(e, Err(Error::NotIdentifiable(ref m)) if m.contains("linearly dependent"))
        );
        let e = unpenalized_refit(Family::Poisson, &d, &[2], &GlmOptions::default());
        assert!(matches!(
            e,
            Err(Error::InvalidParameter {
                name: "support",
                ..
            })
        ));
        assert!(
            GlmRelaxParams::new(GlmPathParams::new(Family::Poisson))
                .gamma(1.5)
                .check()
                .is_err()
        );
    }

    #[test]
    fn gaussian_refit_is_least_squares() {
        let d = data(
            vec![1.0, 3.0, 2.0, 5.0, 4.0],
            vec![0.0, 1.0, 1.0, 0.0, 2.0, 1.0, 3.0, 0.0, 4.0, 1.0],
            2,
        );
        let r = unpenalized_refit(Family::Gaussian, &d, &[0], &GlmOptions::default()).unwrap();
        // Simple regression of y on x0 = 0..4: slope 8 / 10, intercept 3 - 2 * 0.8.
        assert!((r.coef[0] - 0.8).abs() < 1e-12 && (r.intercept - 1.4).abs() < 1e-12);
        assert_eq!(r.coef[1], 0.0);
    }
}

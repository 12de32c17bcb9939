//! Proportional odds MLE (`P(Y ≤ k | x) = F(θ_k − xᵀ b)`, F = σ by default or any other
//! [`Link`], clm's cumulative link model, Christensen 2019, eq. (1)) by Newton's method with
//! ordered cutpoints, and the "logistic regression on the last class" baseline (spec §1.6, §3).
//!
//! Ordering is built into the parameters as in statsmodels' `OrderedModel`:
//! `θ_0`, `θ_k = θ_{k−1} + exp(δ_k)`, so every Newton iterate has strictly increasing
//! cutpoints and a valid likelihood. The gradient and Hessian come from the analytic ones in
//! (θ, b) by the chain rule; at the optimum the Hessian term from the curvature of the
//! reparameterization vanishes, so standard errors are read off the observed information in
//! (θ, b) directly.
//!
//! An optional ridge penalty on the slopes (`ridge` = α ≥ 0) minimizes
//! `−ℓ(θ, b)/N + (α/2)‖b‖²` instead (N the total weight, the per-observation scale of the
//! gradient tolerance and of PRESTO's λ). The penalized estimate exists for every α > 0, also
//! where the classes are separated and the MLE does not; its standard errors are read off the
//! penalized information (the curvature of the penalized objective, a Bayesian posterior
//! covariance under the Gaussian prior b ~ N(0, I/(αN)), not a frequentist sandwich).

use super::data::OrdinalData;
use super::identify::{check_design_rank, separating_feature};
use super::inference::{Wald, information_criteria, wald};
use super::likelihood::{Derivatives, po_derivatives};
use super::link::Link;
use super::model::{CumulativeLogit, Probabilities};
use super::uncertainty::{ModelWithCovariance, po_covariance};
use crate::error::{Error, Result, check};
use crate::estimator::{
    Certificate, Diagnostics, Fit, Fitted, ParamGuard, Predict, Stop, seconds_since,
};
use crate::linalg::Cholesky;
use nalgebra::{DMatrix, DVector};

pub use super::link::SEPARATION_LOGIT_SPAN;

/// Proportional-odds parameters (builder; unchecked). Defaults: logit link, no ridge penalty,
/// at most 100 Newton steps, converged when max |∇(−loglik/N)| ≤ 1e-10.
#[derive(Debug, Clone)]
pub struct ProportionalOddsParams {
    max_iter: usize,
    tol: f64,
    link: Link,
    ridge: f64,
}

impl Default for ProportionalOddsParams {
    fn default() -> Self {
        Self {
            max_iter: 100,
            tol: 1e-10,
            link: Link::Logit,
            ridge: 0.0,
        }
    }
}

/// Checked proportional-odds parameters: [`Fit`] on [`OrdinalData`].
#[derive(Debug, Clone)]
pub struct ProportionalOdds {
    max_iter: usize,
    tol: f64,
    link: Link,
    ridge: f64,
}

/// A proportional-odds (or binary logistic) fit.
#[derive(Debug, Clone)]
pub struct ProportionalOddsFit {
    /// The fitted model (equal slope rows).
    pub model: CumulativeLogit,
    /// Common slopes b (p), polr sign.
    pub coef: Vec<f64>,
    /// Cutpoints θ (K−1), increasing.
    pub cutpoints: Vec<f64>,
    /// Standard errors of `coef` from the observed information.
    pub std_errors: Vec<f64>,
    /// Standard errors of `cutpoints`.
    pub cutpoint_std_errors: Vec<f64>,
    /// Inverse observed information, (K−1+p) square, cutpoints first then slopes (clm's
    /// `vcov` order).
    pub cov: DMatrix<f64>,
    /// Weighted log-likelihood at the optimum.
    pub loglik: f64,
    /// Total frequency weight N = Σ w_i (clm's `nobs`; n for unit weights).
    pub nobs: f64,
    /// Newton steps; the certificate is max |∂(−loglik/N)| against the tolerance. A fit that
    /// stalls at the gradient's precision floor above the tolerance, but below 1e-6, is
    /// returned with [`Stop::Stalled`]; worse is an error.
    diagnostics: Diagnostics,
}

impl ProportionalOddsFit {
    /// max |∂(−loglik/N)| at the returned point (the certificate's norm; the fit only ever
    /// certifies by this norm, so the NaN arm is never taken).
    pub fn gradient_norm(&self) -> f64 {
        match self.diagnostics.certificate {
            Certificate::GradientNorm { norm, .. } => norm,
            _ => f64::NAN,
        }
    }
}

impl ProportionalOddsFit {
    /// The inverse link of the fit.
    pub fn link(&self) -> Link {
        self.model.link
    }

    /// Free parameters: K − 1 cutpoints and p slopes.
    pub fn n_params(&self) -> usize {
        self.cutpoints.len() + self.coef.len()
    }

    /// (AIC, BIC) = (−2ℓ + 2k, −2ℓ + k log N).
    pub fn information_criteria(&self) -> Result<(f64, f64)> {
        information_criteria(self.loglik, self.n_params(), self.nobs)
    }

    /// Wald statistics at confidence `level` of the slopes and of the cutpoints, from the
    /// inverse observed information (clm's `summary` and `confint(type = "Wald")`).
    pub fn wald(&self, level: f64) -> Result<(Vec<Wald>, Vec<Wald>)> {
        Ok((
            wald(&self.coef, &self.std_errors, level)?,
            wald(&self.cutpoints, &self.cutpoint_std_errors, level)?,
        ))
    }

    /// The fit with the covariance of its estimates, for predictions with standard errors and
    /// average marginal effects ([`super::uncertainty`]).
    pub fn uncertainty(&self) -> Result<ModelWithCovariance> {
        let (k1, p) = (self.cutpoints.len(), self.coef.len());
        ModelWithCovariance::new(
            self.model.link,
            self.cutpoints.clone(),
            self.model.coef.clone(),
            po_covariance(&self.cov, k1, p)?,
        )
    }
}

impl Fitted for ProportionalOddsFit {
    fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }
}

impl Predict for ProportionalOddsFit {
    type Output = Probabilities;
    fn predict(&self, x: &DMatrix<f64>) -> Result<Probabilities> {
        self.model.predict(x)
    }
}

fn theta_from_phi(phi: &[f64], k1: usize) -> Vec<f64> {
    let mut t = Vec::with_capacity(k1);
    t.push(phi[0]);
    for m in 1..k1 {
        t.push(t[m - 1] + phi[m].exp());
    }
    t
}

/// Span of the linear predictor x_iᵀ b over the rows.
pub(crate) fn predictor_span(x: &DMatrix<f64>, b: &DVector<f64>) -> f64 {
    let eta = x * b;
    if eta.is_empty() {
        0.0
    } else {
        eta.max() - eta.min()
    }
}

impl ProportionalOddsParams {
    /// The defaults (see the type docs).
    pub fn new() -> Self {
        Self::default()
    }

    /// Maximum Newton iterations (≥ 1).
    pub fn max_iter(mut self, v: usize) -> Self {
        self.max_iter = v;
        self
    }

    /// Gradient tolerance on the per-observation scale (> 0).
    pub fn tol(mut self, v: f64) -> Self {
        self.tol = v;
        self
    }

    /// Inverse link F of P(Y ≤ k | x) = F(θ_k − xᵀb) (default logit: proportional odds).
    pub fn link(mut self, link: Link) -> Self {
        self.link = link;
        self
    }

    /// Ridge penalty α ≥ 0 on the slopes: minimize −ℓ/N + (α/2)‖b‖² (module docs); 0, the
    /// default, is the MLE.
    pub fn ridge(mut self, alpha: f64) -> Self {
        self.ridge = alpha;
        self
    }
}

impl ParamGuard for ProportionalOddsParams {
    type Checked = ProportionalOdds;
    fn check(&self) -> Result<ProportionalOdds> {
        check::at_least("max_iter", self.max_iter, 1)?;
        check::positive("tol", self.tol)?;
        check::non_negative("ridge", self.ridge)?;
        Ok(ProportionalOdds {
            max_iter: self.max_iter,
            tol: self.tol,
            link: self.link,
            ridge: self.ridge,
        })
    }
}

impl Fit<OrdinalData> for ProportionalOdds {
    type Fitted = ProportionalOddsFit;

    /// Fit by Newton with Armijo step halving.
    ///
    /// Errors: [`Error::NotIdentifiable`] on an empty class, a rank-deficient design (naming the
    /// constant or aliased feature), on (quasi-)separation (a linear predictor spanning more than
    /// [`Link::separation_span`], [`SEPARATION_LOGIT_SPAN`] for the logit link; naming the
    /// separating feature when one feature alone separates) or a singular information matrix;
    /// [`Error::NotConverged`] when the iteration limit is hit. With a ridge penalty α > 0 the
    /// rank, separation and span checks do not apply (the penalized objective is strictly
    /// convex in b and bounded below); an empty class is still an error.
    fn fit(&self, data: &OrdinalData) -> Result<ProportionalOddsFit> {
        let start = std::time::Instant::now();
        data.check_levels()?;
        let ridged = self.ridge > 0.0;
        if !ridged {
            check_design_rank(data)?;
        }
        let (p, k1) = (data.n_features(), data.n_classes() - 1);
        let n_w = data.total_weight();
        let link = self.link;
        // (α N / 2)‖b‖² in the log-likelihood's scale.
        let pen = self.ridge * n_w;
        let theta0: Vec<f64> = data
            .cumulative_proportions()
            .iter()
            .map(|&q| link.quantile(q))
            .collect::<Result<_>>()?;
        let mut phi = DVector::zeros(k1 + p);
        phi[0] = theta0[0];
        for m in 1..k1 {
            phi[m] = (theta0[m] - theta0[m - 1]).ln();
        }
        let split = |phi: &DVector<f64>| {
            (
                theta_from_phi(phi.as_slice(), k1),
                phi.rows(k1, p).into_owned(),
            )
        };
        // The (penalized) log-likelihood and its derivatives in (θ, b).
        let eval = |phi: &DVector<f64>| -> Option<Derivatives> {
            let (t, b) = split(phi);
            let mut d = po_derivatives(data, &t, &b, link)?;
            if ridged {
                d.ll -= 0.5 * pen * b.norm_squared();
                for j in 0..p {
                    d.grad[k1 + j] -= pen * b[j];
                    d.hess[(k1 + j, k1 + j)] -= pen;
                }
            }
            Some(d)
        };
        let nll = |phi: &DVector<f64>| -> f64 {
            let (t, b) = split(phi);
            let bm = DMatrix::from_fn(p, k1, |j, _| b[j]);
            super::likelihood::loglik(data, &t, &bm, link)
                .map_or(f64::INFINITY, |l| -l + 0.5 * pen * b.norm_squared())
        };
        let mut der = eval(&phi)
            .ok_or_else(|| Error::Numerical("proportional odds: invalid start".into()))?;
        let newton = |phi: &mut DVector<f64>,
                      der: &mut Derivatives,
                      tol: f64,
                      max_iter: usize|
         -> Result<(usize, bool)> {
            let mut n_iter = 0;
            let mut gnorm = der.grad.amax() / n_w;
            while gnorm > tol && n_iter < max_iter {
                n_iter += 1;
                // Chain rule to φ = (θ_0, δ, b): J = ∂θ/∂(θ_0, δ).
                let d = k1 + p;
                let mut j = DMatrix::identity(d, d);
                for k in 0..k1 {
                    // θ_k = φ_0 + Σ_{m=1..k} exp(φ_m): every cutpoint moves one-for-one with φ_0.
                    j[(k, 0)] = 1.0;
                    for m in 1..=k {
                        j[(k, m)] = phi[m].exp();
                    }
                }
                let g_theta = -&der.grad;
                let h_theta = -&der.hess;
                let g = j.transpose() * &g_theta;
                let mut h = j.transpose() * &h_theta * &j;
                for m in 1..k1 {
                    h[(m, m)] += phi[m].exp() * (m..k1).map(|k| g_theta[k]).sum::<f64>();
                }
                let step = newton_step(&h, &g)?;
                let f0 = -der.ll;
                let slope = g.dot(&step);
                let mut t = 1.0;
                let mut accepted = None;
                for _ in 0..50 {
                    let cand = &*phi + t * &step;
                    let f1 = nll(&cand);
                    // Within rounding of the objective the Armijo test is noise; Newton's local
                    // quadratic convergence then carries the gradient to its precision floor.
                    if f1 <= f0 + 1e-4 * t * slope.min(0.0)
                        || (t == 1.0 && (f1 - f0).abs() <= 1e-13 * f0.abs().max(1.0))
                    {
                        accepted = Some(cand);
                        break;
                    }
                    t *= 0.5;
                }
                let tiny = match accepted {
                    Some(c) => {
                        let tiny = (&c - &*phi).amax() <= 1e-15 * phi.amax().max(1.0);
                        *phi = c;
                        tiny
                    }
                    None => return Ok((n_iter, true)),
                };
                *der = eval(phi)
                    .ok_or_else(|| Error::Numerical("proportional odds: invalid iterate".into()))?;
                gnorm = der.grad.amax() / n_w;
                if tiny {
                    return Ok((n_iter, true));
                }
            }
            Ok((n_iter, false))
        };
        let (n_iter, stalled) = newton(&mut phi, &mut der, self.tol, self.max_iter)?;
        let gnorm = der.grad.amax() / n_w;
        let (theta, b) = split(&phi);
        // Separation probe: at an MLE more Newton steps change nothing; under (quasi-)separation
        // the log-likelihood keeps creeping up while the slopes walk off to infinity. A ridge
        // penalty bounds the slopes, so the probe and the span test are for the MLE only.
        if !ridged {
            let mut probe = phi.clone();
            let mut probe_der = Derivatives {
                ll: der.ll,
                grad: der.grad.clone(),
                hess: der.hess.clone(),
            };
            newton(&mut probe, &mut probe_der, 0.0, 10)?;
            let drift = probe.rows(k1, p) - &b;
            let moved = drift.amax();
            if moved > 1.0 {
                return Err(Error::NotIdentifiable(format!(
                    "proportional odds: the slopes keep growing (by {moved:.2} in 10 extra Newton steps, most for {}) \
                     while the log-likelihood still increases; the classes are (quasi-)completely separated and the MLE \
                     does not exist{}",
                    data.feature_label(drift.iamax()),
                    separation_note(data)
                )));
            }
            let span = link.separation_span();
            if predictor_span(data.x(), &b) > span {
                return Err(Error::NotIdentifiable(format!(
                    "proportional odds: the linear predictor spans more than {span:.3} ({link} link scale; max |b| = \
                     {:.3e}, for {}); the classes are (quasi-)completely separated and the MLE does not exist{}",
                    b.amax(),
                    data.feature_label(b.iamax()),
                    separation_note(data)
                )));
            }
        }
        // At machine precision the line search can stall just above a tight tolerance.
        let converged = gnorm <= self.tol;
        // Stalled just above a tight tolerance is the gradient's precision floor, reported as
        // `Stop::Stalled`; far above it is a failure.
        if gnorm > 1e-6 || (!converged && !stalled && gnorm > self.tol.sqrt()) {
            return Err(Error::NotConverged {
                solver: "proportional odds Newton",
                iterations: n_iter,
                residual: gnorm,
            });
        }
        let info = Cholesky::new(&(-&der.hess), "proportional odds observed information").map_err(|_| {
            Error::NotIdentifiable(
                "proportional odds: the observed information is singular (constant or collinear features?)".into(),
            )
        })?;
        let cov = info.inverse();
        let se: Vec<f64> = (0..k1 + p).map(|i| cov[(i, i)].max(0.0).sqrt()).collect();
        let model = CumulativeLogit {
            cutpoints: theta.clone(),
            coef: DMatrix::from_fn(k1, p, |_, j| b[j]),
            link,
        };
        let stop = if converged {
            Stop::Converged
        } else if stalled {
            Stop::Stalled
        } else {
            Stop::MaxIterations
        };
        Ok(ProportionalOddsFit {
            model,
            coef: b.iter().copied().collect(),
            cutpoints: theta,
            std_errors: se[k1..].to_vec(),
            cutpoint_std_errors: se[..k1].to_vec(),
            cov,
            // The log-likelihood itself, without the penalty.
            loglik: der.ll + 0.5 * pen * b.norm_squared(),
            nobs: n_w,
            diagnostics: Diagnostics {
                iterations: n_iter,
                stop,
                certificate: Certificate::GradientNorm {
                    norm: gnorm,
                    target: self.tol,
                },
                fit_seconds: seconds_since(start),
            },
        })
    }
}

/// "; `name` alone separates them (…)" when a single feature separates an extreme class.
fn separation_note(data: &OrdinalData) -> String {
    match separating_feature(data) {
        Some((j, how)) => format!("; {} alone separates them ({how})", data.feature_label(j)),
        None => String::new(),
    }
}

/// Newton direction −H⁻¹g; Levenberg damping when H is not positive definite (the δ-curvature
/// term can make it indefinite far from the optimum).
pub(crate) fn newton_step(h: &DMatrix<f64>, g: &DVector<f64>) -> Result<DVector<f64>> {
    let d = h.nrows();
    let scale = (0..d)
        .map(|i| h[(i, i)].abs())
        .fold(0.0, f64::max)
        .max(1e-300);
    let mut mu = 0.0;
    for _ in 0..30 {
        let mut hm = h.clone();
        for i in 0..d {
            hm[(i, i)] += mu;
        }
        if let Ok(c) = Cholesky::new(&hm, "Newton system") {
            let s = -c.solve(g);
            if s.iter().all(|v| v.is_finite()) {
                return Ok(s);
            }
        }
        mu = if mu == 0.0 { 1e-10 * scale } else { mu * 10.0 };
    }
    Err(Error::Numerical(
        "Newton system could not be regularized".into(),
    ))
}

/// Logistic regression of `1{y = K−1}` on x: the authors' "Logit" baseline for the rare
/// class (spec §1.6), a proportional-odds fit with K = 2. Parameters (builder; unchecked): those
/// of [`ProportionalOddsParams`], with its defaults.
#[derive(Debug, Clone, Default)]
pub struct LogitLastParams {
    inner: ProportionalOddsParams,
}

/// Checked logit-last parameters: [`Fit`] on [`OrdinalData`].
#[derive(Debug, Clone)]
pub struct LogitLast {
    inner: ProportionalOdds,
}

impl LogitLastParams {
    /// Same defaults as [`ProportionalOddsParams`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Maximum Newton iterations (≥ 1).
    pub fn max_iter(mut self, v: usize) -> Self {
        self.inner = self.inner.max_iter(v);
        self
    }

    /// Gradient tolerance on the per-observation scale (> 0).
    pub fn tol(mut self, v: f64) -> Self {
        self.inner = self.inner.tol(v);
        self
    }

    /// Ridge penalty α ≥ 0 on the slopes ([`ProportionalOddsParams::ridge`]).
    pub fn ridge(mut self, alpha: f64) -> Self {
        self.inner = self.inner.ridge(alpha);
        self
    }
}

impl ParamGuard for LogitLastParams {
    type Checked = LogitLast;
    fn check(&self) -> Result<LogitLast> {
        Ok(LogitLast {
            inner: self.inner.check()?,
        })
    }
}

impl Fit<OrdinalData> for LogitLast {
    type Fitted = ProportionalOddsFit;
    /// Fit; the returned model has K = 2 and its last class is the original last class.
    fn fit(&self, data: &OrdinalData) -> Result<ProportionalOddsFit> {
        self.inner.fit(&data.last_vs_rest())
    }
}

//! The maximum-likelihood fit of an exponential family to data, as an estimator (spec §1.1,
//! §1.4): [`MleParams`] → `check()` → [`Mle`] → `fit(&x)` → [`MleFit`].
//!
//! θ̂ solves ∇ψ(θ̂) = t̄, the information projection of the empirical distribution, so the fit
//! is moment matching at the sample mean of t ([`ExponentialFamily::project_mean`]: a closed
//! form or Newton). The fit keeps the sample moments of t (mean, covariance, third k-statistic),
//! which is what the plug-in risk terms of [`crate::expfam::risk::plug_in`] need.
//!
//! Projecting a *known* truth (θ*, [`crate::expfam::projection::project_truth`]) is not an
//! estimator: it has no data.

use super::family::{ExponentialFamily, TruthMoments};
use crate::error::{Error, Result};
use crate::estimator::{Diagnostics, Fit, Fitted, ParamGuard, Predict, seconds_since};
use nalgebra::{DMatrix, DVector};
use std::time::Instant;

/// The MLE of `family` (builder; unchecked). The family is the only parameter.
#[derive(Debug)]
pub struct MleParams<'f, F: ExponentialFamily + ?Sized> {
    family: &'f F,
}

/// Checked [`MleParams`]: [`Fit`] on observations given as the rows of an n × obs_dim matrix.
#[derive(Debug)]
pub struct Mle<'f, F: ExponentialFamily + ?Sized> {
    family: &'f F,
}

/// A fitted exponential family.
#[derive(Debug, Clone)]
pub struct MleFit<'f, F: ExponentialFamily + ?Sized> {
    family: &'f F,
    /// Observations n.
    pub n: usize,
    /// θ̂.
    pub theta: DVector<f64>,
    /// Sample moments of t: t̄ (= ∇ψ(θ̂)), covariance (divisor n − 1), third k-statistic.
    pub moments: TruthMoments,
    /// Maximized log-likelihood ℓ(θ̂) = Σ log h(x_i) + n (θ̂ᵀt̄ − ψ(θ̂)).
    pub loglik: f64,
    /// Newton steps of the moment matching (0 for a closed form), its stop and certificate
    /// ‖∇ψ(θ̂) − t̄‖∞.
    diagnostics: Diagnostics,
}

impl<'f, F: ExponentialFamily + ?Sized> MleParams<'f, F> {
    /// The MLE of `family`.
    pub fn new(family: &'f F) -> Self {
        Self { family }
    }
}

impl<'f, F: ExponentialFamily + ?Sized> ParamGuard for MleParams<'f, F> {
    type Checked = Mle<'f, F>;
    /// A family without parameters or observations has nothing to fit.
    fn check(&self) -> Result<Mle<'f, F>> {
        crate::error::check::at_least("family parameters", self.family.dim(), 1)?;
        crate::error::check::at_least("family observation length", self.family.obs_dim(), 1)?;
        Ok(Mle {
            family: self.family,
        })
    }
}

impl<'f, F: ExponentialFamily + ?Sized> Fit<DMatrix<f64>> for Mle<'f, F> {
    type Fitted = MleFit<'f, F>;
    /// Errors: n ≤ p, a non-finite value, an observation outside the family's support, or no
    /// MLE (e.g. a singular sample covariance).
    fn fit(&self, x: &DMatrix<f64>) -> Result<MleFit<'f, F>> {
        let t0 = Instant::now();
        let family = self.family;
        let (n, p) = (x.nrows(), family.dim());
        if n <= p {
            return Err(Error::InvalidData(format!(
                "n = {n} observations but p = {p} parameters: need n > p"
            )));
        }
        let t = family.statistics(x)?;
        let moments = TruthMoments::from_statistics(&t)?;
        let proj = family.project_mean(&moments.eta)?;
        let nf = n as f64;
        let log_h: f64 = (0..n)
            .map(|i| family.log_base_measure(x.row(i).transpose().as_slice()))
            .sum();
        let loglik =
            log_h + nf * (proj.theta.dot(&moments.eta) - family.log_partition(&proj.theta)?);
        Ok(MleFit {
            family,
            n,
            theta: proj.theta,
            moments,
            loglik,
            diagnostics: Diagnostics {
                iterations: proj.iterations,
                stop: proj.stop,
                certificate: proj.certificate,
                fit_seconds: seconds_since(t0),
            },
        })
    }
}

impl<F: ExponentialFamily + ?Sized> MleFit<'_, F> {
    /// The fitted family.
    pub fn family(&self) -> &F {
        self.family
    }
}

impl<F: ExponentialFamily + ?Sized> Fitted for MleFit<'_, F> {
    fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }
}

impl<F: ExponentialFamily + ?Sized> Predict for MleFit<'_, F> {
    type Output = DVector<f64>;
    /// Log-density log g(x; θ̂) = log h(x) + θ̂ᵀt(x) − ψ(θ̂) of each row of `x`.
    fn predict(&self, x: &DMatrix<f64>) -> Result<DVector<f64>> {
        let t = self.family.statistics(x)?;
        let psi = self.family.log_partition(&self.theta)?;
        Ok(DVector::from_fn(x.nrows(), |i, _| {
            self.family
                .log_base_measure(x.row(i).transpose().as_slice())
                + t.row(i).transpose().dot(&self.theta)
                - psi
        }))
    }
}

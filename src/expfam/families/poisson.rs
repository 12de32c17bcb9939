//! Poisson model: t(x) = x, θ = log μ, ψ(θ) = e^θ, h(x) = 1/x!. Every cumulant equals μ.

use crate::error::{Error, Result};
use crate::expfam::family::{ExponentialFamily, ModelCumulants, TruthMoments};
use crate::expfam::tensor::{Fourth, Tensor3, Tensor4};
use crate::expfam::truth::Truth;
use crate::rng::Rng;
use nalgebra::{DMatrix, DVector};
use rand_distr::Distribution;

/// The Poisson family (p = 1).
#[derive(Debug, Clone, Copy, Default)]
pub struct Poisson;

fn mu_of(theta: &DVector<f64>) -> Result<f64> {
    let mu = theta[0].exp();
    if mu.is_finite() && mu > 0.0 {
        Ok(mu)
    } else {
        Err(Error::param(
            "theta",
            theta[0],
            "Poisson log-mean out of range",
        ))
    }
}

impl ExponentialFamily for Poisson {
    fn truth_moments(&self, truth: &Truth) -> Result<TruthMoments> {
        self.moments_under(truth)
    }
    fn name(&self) -> String {
        "poisson".into()
    }
    fn dim(&self) -> usize {
        1
    }
    fn obs_dim(&self) -> usize {
        1
    }
    fn statistic_names(&self) -> Vec<String> {
        vec!["x".into()]
    }
    fn sufficient_statistic(&self, x: &[f64], t: &mut [f64]) -> Result<()> {
        let v = x[0];
        if !(v.is_finite() && v >= 0.0 && v.fract() == 0.0) {
            return Err(Error::param(
                "x",
                v,
                "Poisson observations must be non-negative integer counts",
            ));
        }
        t[0] = v;
        Ok(())
    }
    fn log_base_measure(&self, x: &[f64]) -> f64 {
        -statrs::function::gamma::ln_gamma(x[0] + 1.0)
    }
    fn log_partition(&self, theta: &DVector<f64>) -> Result<f64> {
        mu_of(theta)
    }
    fn mean(&self, theta: &DVector<f64>) -> Result<DVector<f64>> {
        Ok(DVector::from_element(1, mu_of(theta)?))
    }
    fn fisher(&self, theta: &DVector<f64>) -> Result<DMatrix<f64>> {
        Ok(DMatrix::from_element(1, 1, mu_of(theta)?))
    }
    fn cumulants(&self, theta: &DVector<f64>) -> Result<ModelCumulants> {
        let mu = mu_of(theta)?;
        Ok(ModelCumulants {
            mean: DVector::from_element(1, mu),
            fisher: DMatrix::from_element(1, 1, mu),
            k3: Tensor3 {
                p: 1,
                data: vec![mu],
            },
            k4: Fourth::Dense(Tensor4 {
                p: 1,
                data: vec![mu],
            }),
        })
    }
    fn sample(&self, theta: &DVector<f64>, rng: &mut Rng, x: &mut [f64]) -> Result<()> {
        let d = rand_distr::Poisson::new(mu_of(theta)?)
            .map_err(|e| Error::param("theta", theta[0], e.to_string()))?;
        x[0] = d.sample(rng);
        Ok(())
    }
    fn initial_natural(&self, eta: &DVector<f64>) -> DVector<f64> {
        DVector::from_element(1, eta[0].max(1e-300).ln())
    }
    fn natural_from_mean(&self, eta: &DVector<f64>) -> Result<DVector<f64>> {
        if !(eta[0] > 0.0 && eta[0].is_finite()) {
            return Err(Error::NotIdentifiable(format!(
                "Poisson MLE needs a positive mean (got {}): every count is zero",
                eta[0]
            )));
        }
        Ok(DVector::from_element(1, eta[0].ln()))
    }
    fn kl(&self, theta0: &DVector<f64>, theta1: &DVector<f64>) -> Result<f64> {
        // μ1 − μ0 − μ0 log(μ1/μ0), written to avoid cancellation in ψ(θ1) − ψ(θ0).
        let (mu0, mu1) = (mu_of(theta0)?, mu_of(theta1)?);
        let r = mu1 / mu0;
        Ok(mu0 * (r - 1.0 - r.ln()))
    }
}

impl Poisson {
    /// Moments of t = x under a univariate count truth.
    pub fn moments_under(&self, truth: &Truth) -> Result<TruthMoments> {
        let Truth::Univariate(u) = truth else {
            return Err(Error::InvalidData(format!(
                "the Poisson model needs a univariate truth, got {}",
                truth.label()
            )));
        };
        let [k1, k2, k3] = u.cumulants3()?;
        Ok(TruthMoments {
            eta: DVector::from_element(1, k1),
            j: DMatrix::from_element(1, 1, k2),
            lambda3: Tensor3 {
                p: 1,
                data: vec![k3],
            },
        })
    }
}

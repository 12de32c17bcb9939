//! Gamma model: t(x) = (x, log x), θ = (−β, k − 1), ψ(θ) = log Γ(k) − k log β, h = 1.
//! Derivatives of ψ: ∂₁ = k/β, ∂₂ = ψ₀(k) − log β, ∂₁₁ = k/β², ∂₁₂ = 1/β, ∂₂₂ = ψ₁(k),
//! ∂₁₁₁ = 2k/β³, ∂₁₁₂ = 1/β², ∂₁₂₂ = 0, ∂₂₂₂ = ψ₂(k), ∂₁₁₁₁ = 6k/β⁴, ∂₁₁₁₂ = 2/β³, ∂₂₂₂₂ = ψ₃(k),
//! the other fourth derivatives vanish.

use crate::error::{Error, Result};
use crate::expfam::family::{ExponentialFamily, ModelCumulants, Projection};
use crate::expfam::projection::information_projection;
use crate::expfam::special::polygamma;
use crate::expfam::tensor::{Fourth, Tensor3, Tensor4};
use crate::rng::Rng;
use nalgebra::{DMatrix, DVector};
use rand_distr::Distribution;

/// The two-parameter Gamma family (shape k, rate β).
#[derive(Debug, Clone, Copy, Default)]
pub struct GammaFamily;

fn shape_rate(theta: &DVector<f64>) -> Result<(f64, f64)> {
    let (beta, k) = (-theta[0], theta[1] + 1.0);
    if beta > 0.0 && k > 0.0 && beta.is_finite() && k.is_finite() {
        Ok((k, beta))
    } else {
        Err(Error::param(
            "theta",
            format!("({}, {})", theta[0], theta[1]),
            "Gamma needs rate > 0 and shape > 0",
        ))
    }
}

impl GammaFamily {
    /// Natural parameter of Gamma(shape k, rate β).
    pub fn natural(shape: f64, rate: f64) -> DVector<f64> {
        DVector::from_vec(vec![-rate, shape - 1.0])
    }
}

impl ExponentialFamily for GammaFamily {
    fn name(&self) -> String {
        "gamma".into()
    }
    fn dim(&self) -> usize {
        2
    }
    fn obs_dim(&self) -> usize {
        1
    }
    fn statistic_names(&self) -> Vec<String> {
        vec!["x".into(), "log x".into()]
    }
    fn sufficient_statistic(&self, x: &[f64], t: &mut [f64]) -> Result<()> {
        if !(x[0] > 0.0 && x[0].is_finite()) {
            return Err(Error::param("x", x[0], "Gamma observations must be > 0"));
        }
        t[0] = x[0];
        t[1] = x[0].ln();
        Ok(())
    }
    fn log_base_measure(&self, _x: &[f64]) -> f64 {
        0.0
    }
    fn log_partition(&self, theta: &DVector<f64>) -> Result<f64> {
        let (k, b) = shape_rate(theta)?;
        Ok(statrs::function::gamma::ln_gamma(k) - k * b.ln())
    }
    fn mean(&self, theta: &DVector<f64>) -> Result<DVector<f64>> {
        let (k, b) = shape_rate(theta)?;
        Ok(DVector::from_vec(vec![k / b, polygamma(0, k) - b.ln()]))
    }
    fn fisher(&self, theta: &DVector<f64>) -> Result<DMatrix<f64>> {
        let (k, b) = shape_rate(theta)?;
        Ok(DMatrix::from_row_slice(
            2,
            2,
            &[k / (b * b), 1.0 / b, 1.0 / b, polygamma(1, k)],
        ))
    }
    fn cumulants(&self, theta: &DVector<f64>) -> Result<ModelCumulants> {
        let (k, b) = shape_rate(theta)?;
        let mut k3 = Tensor3::zeros(2);
        *k3.at(0, 0, 0) = 2.0 * k / b.powi(3);
        for (i, j, l) in [(0, 0, 1), (0, 1, 0), (1, 0, 0)] {
            *k3.at(i, j, l) = 1.0 / (b * b);
        }
        *k3.at(1, 1, 1) = polygamma(2, k);
        let mut k4 = Tensor4::zeros(2);
        *k4.at(0, 0, 0, 0) = 6.0 * k / b.powi(4);
        for (i, j, l, m) in [(0, 0, 0, 1), (0, 0, 1, 0), (0, 1, 0, 0), (1, 0, 0, 0)] {
            *k4.at(i, j, l, m) = 2.0 / b.powi(3);
        }
        *k4.at(1, 1, 1, 1) = polygamma(3, k);
        Ok(ModelCumulants {
            mean: self.mean(theta)?,
            fisher: self.fisher(theta)?,
            k3,
            k4: Fourth::Dense(k4),
        })
    }
    fn sample(&self, theta: &DVector<f64>, rng: &mut Rng, x: &mut [f64]) -> Result<()> {
        let (k, b) = shape_rate(theta)?;
        let g = rand_distr::Gamma::new(k, 1.0 / b)
            .map_err(|e| Error::param("theta", k, e.to_string()))?;
        x[0] = g.sample(rng);
        Ok(())
    }
    fn initial_natural(&self, eta: &DVector<f64>) -> DVector<f64> {
        // Minka's closed-form start for log k − ψ₀(k) = s.
        let s = (eta[0].max(1e-300).ln() - eta[1]).max(1e-8);
        let k = (3.0 - s + ((s - 3.0).powi(2) + 24.0 * s).sqrt()) / (12.0 * s);
        Self::natural(k, k / eta[0].max(1e-300))
    }
    fn natural_from_mean(&self, eta: &DVector<f64>) -> Result<DVector<f64>> {
        Ok(self.project_mean(eta)?.theta)
    }
    /// Newton's moment matching: the shape has no closed form.
    fn project_mean(&self, eta: &DVector<f64>) -> Result<Projection> {
        // Jensen: log E x > E log x strictly unless x is constant; otherwise no MLE exists.
        if eta[0].is_nan() || eta[0] <= 0.0 || eta[0].ln() - eta[1] <= 0.0 {
            return Err(Error::NotIdentifiable(format!(
                "Gamma MLE needs log(mean x) > mean(log x); got mean x = {}, mean log x = {}",
                eta[0], eta[1]
            )));
        }
        information_projection(self, eta)
    }
}

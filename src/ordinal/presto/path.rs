//! The PRESTO λ path (spec §1.3): [`PrestoPathParams`] → [`PrestoPath`] → [`PrestoPathFit`],
//! log-spaced from λ_max down with warm starts.

use super::fit::{PrestoFit, Settings, settings_setters};
use super::problem::Problem;
use crate::error::{Result, check};
use crate::estimator::{
    Certificate, Diagnostics, Fit, Fitted, ParamGuard, Predict, Stop, seconds_since,
};
use crate::ordinal::data::OrdinalData;
use crate::ordinal::model::Probabilities;
use nalgebra::{DMatrix, DVector};
use std::time::Instant;

/// λ_max · ratio^{i/(n−1)}, i = 0..n−1 (just λ_max when n = 1).
pub fn grid(lambda_max: f64, n: usize, ratio: f64) -> Vec<f64> {
    if n == 1 {
        return vec![lambda_max];
    }
    (0..n)
        .map(|i| lambda_max * ratio.powf(i as f64 / (n - 1) as f64))
        .collect()
}

/// A PRESTO λ path (builder; unchecked): the penalty settings of [`PrestoParams`] (same
/// defaults) and the grid, by default the authors' simulation grid of 20 λ down to
/// 0.01 λ_max (spec §1.4).
///
/// [`PrestoParams`]: super::PrestoParams
#[derive(Debug, Clone, PartialEq)]
pub struct PrestoPathParams {
    n_lambdas: usize,
    lambda_ratio: f64,
    settings: Settings,
}

/// Checked [`PrestoPathParams`]: [`Fit`] on [`OrdinalData`].
#[derive(Debug, Clone, PartialEq)]
pub struct PrestoPath {
    n_lambdas: usize,
    lambda_ratio: f64,
    pub(crate) settings: Settings,
}

/// A λ path with warm starts.
#[derive(Debug, Clone)]
pub struct PrestoPathFit {
    /// λ_max (the smallest λ at which every penalized ψ is zero).
    pub lambda_max: f64,
    /// λ values, decreasing.
    pub lambdas: Vec<f64>,
    /// One fit per λ.
    pub fits: Vec<PrestoFit>,
    diagnostics: Diagnostics,
}

impl Fitted for PrestoPathFit {
    /// Steps summed over the path; `Converged` when every λ converged, else the first
    /// unconverged λ's stop; the worst λ's KKT residual.
    fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }
}

impl Predict for PrestoPathFit {
    type Output = Vec<Probabilities>;
    /// Class probabilities at every λ of the path, in path order.
    fn predict(&self, x: &DMatrix<f64>) -> Result<Vec<Probabilities>> {
        self.fits.iter().map(|f| f.predict(x)).collect()
    }
}

impl Default for PrestoPathParams {
    fn default() -> Self {
        Self {
            n_lambdas: 20,
            lambda_ratio: 0.01,
            settings: Settings::default(),
        }
    }
}

impl PrestoPathParams {
    /// The defaults (see the type docs).
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of λ on the grid (≥ 1).
    pub fn n_lambdas(mut self, n: usize) -> Self {
        self.n_lambdas = n;
        self
    }

    /// λ_min / λ_max of the grid, in (0, 1).
    pub fn lambda_ratio(mut self, r: f64) -> Self {
        self.lambda_ratio = r;
        self
    }

    settings_setters!();
}

impl ParamGuard for PrestoPathParams {
    type Checked = PrestoPath;
    fn check(&self) -> Result<PrestoPath> {
        check::at_least("n_lambdas", self.n_lambdas, 1)?;
        check::in_open("lambda_ratio", self.lambda_ratio, 0.0, 1.0)?;
        Ok(PrestoPath {
            n_lambdas: self.n_lambdas,
            lambda_ratio: self.lambda_ratio,
            settings: self.settings.check()?,
        })
    }
}

impl PrestoPath {
    /// λ_max on the fitting scale: every penalized ψ is zero at λ ≥ λ_max (spec §1.3).
    pub fn lambda_max(&self, data: &OrdinalData) -> Result<f64> {
        let prob = self.settings.problem(data)?;
        let z = prob.null_fit()?;
        prob.lambda_max(&z)
    }

    /// Fit `lambdas` in order on `prob`, each warm-started at the previous solution.
    pub(crate) fn fits_on(
        &self,
        prob: &Problem,
        mut z: DVector<f64>,
        lambdas: &[f64],
    ) -> Result<Vec<PrestoFit>> {
        let mut fits = Vec::with_capacity(lambdas.len());
        for &lam in lambdas {
            let (fit, s) = self.settings.fit_from(prob, lam, z, Instant::now())?;
            z = s.z;
            fits.push(fit);
        }
        Ok(fits)
    }
}

impl Fit<OrdinalData> for PrestoPath {
    type Fitted = PrestoPathFit;
    /// The grid λ_max · ratio^{i/(n−1)} from the null fit (intercept-only, or proportional odds
    /// when the first block is free), fitted with warm starts.
    fn fit(&self, data: &OrdinalData) -> Result<PrestoPathFit> {
        let t0 = Instant::now();
        let prob = self.settings.problem(data)?;
        let z0 = prob.null_fit()?;
        let lambda_max = prob.lambda_max(&z0)?;
        let lambdas = grid(lambda_max, self.n_lambdas, self.lambda_ratio);
        let fits = self.fits_on(&prob, z0, &lambdas)?;
        let diagnostics = path_diagnostics(&fits, self.settings.tol, t0);
        Ok(PrestoPathFit {
            lambda_max,
            lambdas,
            fits,
            diagnostics,
        })
    }
}

/// The [`Diagnostics`] of a sequence of fits, as [`Diagnostics`] defines them for a path.
fn path_diagnostics(fits: &[PrestoFit], tol: f64, t0: Instant) -> Diagnostics {
    let stop = fits
        .iter()
        .map(|f| f.diagnostics().stop)
        .find(|s| *s != Stop::Converged)
        .unwrap_or(Stop::Converged);
    Diagnostics {
        iterations: fits.iter().map(|f| f.diagnostics().iterations).sum(),
        stop,
        certificate: Certificate::GradientNorm {
            norm: fits.iter().map(PrestoFit::kkt).fold(0.0, f64::max),
            target: tol,
        },
        fit_seconds: seconds_since(t0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_is_log_spaced() {
        let g = grid(2.0, 5, 0.01);
        assert!((g[0] - 2.0).abs() < 1e-15 && (g[4] - 0.02).abs() < 1e-15);
        for w in g.windows(3) {
            assert!((w[1] * w[1] - w[0] * w[2]).abs() < 1e-12);
        }
    }
}

//! The elastic net and the Lasso at one penalty (spec §2.1-2.2), as estimators of the
//! [`crate::estimator`] contract: [`ElasticNetParams`] (or [`Lasso::new`]) `-> check() ->`
//! [`ElasticNet`] `-> fit(&RegressionData) ->` [`EnetFit`].
//!
//! Objective (scikit-learn's scaling, spec §2.1):
//! `(1/2n)||y - Xw - b||^2 + alpha*rho*||w||_1 + alpha*(1-rho)/2*||w||^2`, with `alpha` the
//! penalty strength and `rho` the `l1_ratio`. The fit prepares the problem (`sparse::prepare`:
//! weights, centring, optional standardization), runs the coordinate-descent engine
//! (`sparse::engine`) to the duality-gap target of [`screening`](super::screening), and returns
//! coefficients on the original scale.

use super::engine::Engine;
use super::linear::predict_linear;
use super::options::{SolverOptions, option_builders};
use super::prepare::Prepared;
use crate::error::{Result, check};
use crate::estimator::{
    Diagnostics, Fit, Fitted, ParamGuard, Predict, RegressionData, seconds_since,
};
use nalgebra::{DMatrix, DVector};

/// Unchecked elastic-net parameters: `alpha`, `l1_ratio` (rho) and the solver options.
///
/// ```
/// use nalgebra::{DMatrix, DVector};
/// use veristat::estimator::{Certificate, Fit, Fitted, RegressionData};
/// use veristat::sparse::{ElasticNetParams, Lasso};
/// let x = DMatrix::from_fn(50, 3, |i, j| ((i * 7 + j * 3) % 11) as f64);
/// let y = DVector::from_fn(50, |i, _| 2.0 * x[(i, 0)] - x[(i, 2)] + 1.0);
/// let data = RegressionData::new(x, y).unwrap();
/// let fit = Lasso::new(0.01).tol(1e-10).fit(&data).unwrap();
/// assert!(fit.duality_gap <= fit.gap_tol && fit.diagnostics().converged());
/// let gap = Certificate::DualityGap { gap: fit.duality_gap, target: fit.gap_tol };
/// assert_eq!(fit.diagnostics().certificate, gap);
/// let enet = ElasticNetParams::new(0.01, 0.5).standardize(true).fit(&data).unwrap();
/// assert_eq!(enet.coef.len(), 3);
/// ```
#[derive(Debug, Clone)]
pub struct ElasticNetParams {
    alpha: f64,
    l1_ratio: f64,
    options: SolverOptions,
}

/// The Lasso: an elastic net with `l1_ratio = 1`.
pub struct Lasso;

impl Lasso {
    /// Lasso parameters with penalty `alpha` (scikit-learn's `Lasso(alpha)`).
    #[allow(clippy::new_ret_no_self)]
    pub fn new(alpha: f64) -> ElasticNetParams {
        ElasticNetParams::new(alpha, 1.0)
    }
}

impl ElasticNetParams {
    /// Elastic-net parameters (scikit-learn's `ElasticNet(alpha, l1_ratio)`).
    pub fn new(alpha: f64, l1_ratio: f64) -> Self {
        Self {
            alpha,
            l1_ratio,
            options: SolverOptions::default(),
        }
    }

    option_builders!();
}

impl ParamGuard for ElasticNetParams {
    type Checked = ElasticNet;
    /// `alpha > 0`, `l1_ratio` in [0, 1], and the solver options (`tol > 0`, `max_iter >= 1`,
    /// weights finite, non-negative, not all zero).
    fn check(&self) -> Result<ElasticNet> {
        check::positive("alpha", self.alpha)?;
        check::in_closed("l1_ratio", self.l1_ratio, 0.0, 1.0)?;
        self.options.check()?;
        Ok(ElasticNet {
            alpha: self.alpha,
            l1_ratio: self.l1_ratio,
            options: self.options.clone(),
        })
    }
}

/// Checked elastic-net parameters; fitted by [`Fit`].
#[derive(Debug, Clone)]
pub struct ElasticNet {
    alpha: f64,
    l1_ratio: f64,
    options: SolverOptions,
}

impl ElasticNet {
    /// Penalty strength alpha.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
    /// Mixing rho.
    pub fn l1_ratio(&self) -> f64 {
        self.l1_ratio
    }
    /// Solver options.
    pub fn options(&self) -> &SolverOptions {
        &self.options
    }

    /// The fit on borrowed x, y (the preconditioned Lasso fits a design it built itself).
    pub(crate) fn fit_xy(&self, x: &DMatrix<f64>, y: &DVector<f64>) -> Result<EnetFit> {
        let start = std::time::Instant::now();
        let prep = Prepared::new(x, y, &self.options)?;
        let mut engine = Engine::new(&prep, self.l1_ratio, &self.options);
        let st = engine.solve(self.alpha);
        let (coef, intercept) = prep.original(engine.w());
        Ok(EnetFit {
            coef,
            intercept,
            alpha: self.alpha,
            l1_ratio: self.l1_ratio,
            duality_gap: st.gap,
            gap_tol: st.gap_tol,
            n_full_passes: st.n_full_passes,
            used_gram: engine.used_gram(),
            diagnostics: st.diagnostics(seconds_since(start)),
        })
    }
}

impl Fit<RegressionData> for ElasticNet {
    type Fitted = EnetFit;
    /// Fit on an n x d design and a response of length n. Errors: empty or non-finite data,
    /// weights of the wrong length.
    fn fit(&self, data: &RegressionData) -> Result<EnetFit> {
        self.fit_xy(data.x(), data.y())
    }
}

/// A fitted elastic net with its optimality certificate.
///
/// [`Fitted::diagnostics`]: coordinate-descent epochs (over the working set), `Converged` when the
/// gap met its target within `max_iter` epochs, and the certificate
/// `DualityGap { gap, target = tol * ||y_c||^2 }`.
#[derive(Debug, Clone)]
pub struct EnetFit {
    /// Coefficients on the original scale of X.
    pub coef: DVector<f64>,
    /// Intercept on the original scale (0 when no intercept was fitted).
    pub intercept: f64,
    /// Penalty alpha.
    pub alpha: f64,
    /// Mixing rho.
    pub l1_ratio: f64,
    /// Duality gap of the returned solution in scikit-learn's units (unnormalized objective
    /// `n * P(w)` of the prepared problem); the certificate's `gap`.
    pub duality_gap: f64,
    /// The gap target `tol * ||y_c||^2`; the certificate's `target`.
    pub gap_tol: f64,
    /// Passes over X made by the KKT/gap checks (0 when Gram columns or Gram mode served them).
    pub n_full_passes: usize,
    /// Whether covariance (Gram) mode was used.
    pub used_gram: bool,
    /// How the fit went.
    pub(crate) diagnostics: Diagnostics,
}

impl Predict for EnetFit {
    type Output = DVector<f64>;
    /// Predictions `X coef + intercept`.
    fn predict(&self, x: &DMatrix<f64>) -> Result<DVector<f64>> {
        predict_linear(x, &self.coef, self.intercept)
    }
}

impl Fitted for EnetFit {
    fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }
}

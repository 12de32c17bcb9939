//! What the three LDP regressions share: the fitted model ([`LdpFit`], with the estimator
//! contract's [`Predict`] and [`Fitted`]) and the validation of users' data.

use crate::error::{Error, Result};
use crate::estimator::{Certificate, Diagnostics, Fitted, Predict, Stop};
use crate::ldp::privacy::Privacy;
use nalgebra::{DMatrix, DVector};
use serde::Serialize;

/// Which estimator produced a fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Method {
    /// Non-interactive LDP (Algorithm 1).
    Nldp,
    /// Non-interactive LDP with public unlabeled covariates.
    Public,
    /// Sequentially interactive LDP-IHT.
    Iht,
}

impl Method {
    /// CLI spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::Nldp => "nldp",
            Method::Public => "public",
            Method::Iht => "iht",
        }
    }
}

/// A fitted LDP regression.
#[derive(Debug, Clone)]
pub struct LdpFit {
    /// Estimator.
    pub method: Method,
    /// θ̂.
    pub coef: DVector<f64>,
    /// Per-user guarantee of the whole protocol (None when noise was switched off for testing).
    pub privacy: Option<Privacy>,
    /// Estimator-specific details as JSON (σ's, λ, floor, rounds, ...): what `ldp regress`
    /// prints as `diagnostics`.
    pub details: serde_json::Value,
    diagnostics: Diagnostics,
}

impl LdpFit {
    /// A fit that ran `iterations` rounds of its main loop (0 for the closed-form server step)
    /// to completion, started at `start`.
    pub(crate) fn new(
        method: Method,
        coef: DVector<f64>,
        privacy: Option<Privacy>,
        details: serde_json::Value,
        iterations: usize,
        start: std::time::Instant,
    ) -> Self {
        Self {
            method,
            coef,
            privacy,
            details,
            diagnostics: Diagnostics {
                iterations,
                stop: Stop::Finished,
                certificate: Certificate::None,
                fit_seconds: crate::estimator::seconds_since(start),
            },
        }
    }
}

impl Predict for LdpFit {
    type Output = DVector<f64>;
    /// Predictions x θ̂.
    fn predict(&self, x: &DMatrix<f64>) -> Result<DVector<f64>> {
        if x.ncols() != self.coef.len() {
            return Err(Error::DimensionMismatch {
                what: "predict columns",
                expected: self.coef.len(),
                got: x.ncols(),
            });
        }
        Ok(x * &self.coef)
    }
}

/// The protocols run a fixed number of rounds (or none: the server's step is closed form), so
/// a fit always stops `Finished` with no certificate; the iterates' steps are in
/// [`LdpFit::details`].
impl Fitted for LdpFit {
    fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }
}

/// Truncation sign(v) min(|v|, τ) (spec §1a step 1); inputs are finite here (validated).
pub(crate) fn truncate(v: f64, tau: f64) -> f64 {
    v.clamp(-tau, tau)
}

/// Shared validation of (x, y): n ≥ 1, d ≥ 1, matching lengths, every value finite.
pub(crate) fn check_data(x: &DMatrix<f64>, y: &DVector<f64>) -> Result<()> {
    if x.nrows() == 0 {
        return Err(Error::param("n", 0, "need at least one user"));
    }
    if x.ncols() == 0 {
        return Err(Error::param("d", 0, "need at least one feature"));
    }
    if x.nrows() != y.len() {
        return Err(Error::DimensionMismatch {
            what: "rows of x vs length of y",
            expected: x.nrows(),
            got: y.len(),
        });
    }
    check_matrix("x", x)?;
    crate::error::check::all_finite("y", y.as_slice())
}

pub(crate) fn check_matrix(name: &'static str, x: &DMatrix<f64>) -> Result<()> {
    for j in 0..x.ncols() {
        for i in 0..x.nrows() {
            let v = x[(i, j)];
            if !v.is_finite() {
                return Err(Error::param(
                    name,
                    format!("{v} at row {i}, column {j}"),
                    "entries must be finite",
                ));
            }
        }
    }
    Ok(())
}

pub(crate) fn positive(name: &'static str, v: f64) -> Result<f64> {
    crate::error::check::positive(name, v)
}

//! Sparse linear regression under LDP (Zhu, Ding, Aggarwal, Xu & Wang, ICLR 2024,
//! arXiv 2310.07367; spec §1).
//!
//! Model y = ⟨x, θ*⟩ + ζ, ‖θ*‖₀ ≤ k, ‖θ*‖₁ bounded.
//! * [`Nldp`] — non-interactive (§1a): every user sends once a noisy covariance message
//!   x̄x̄ᵀ + N₁ and a noisy cross-moment x̃ỹ + N₂, each at (ε/2, δ/2); the server floors the
//!   eigenvalues of Σ̂ and soft-thresholds Σ̇⁻¹ŝ. Rate Õ(d√k/(√n ε)).
//! * [`Nldp`] with public covariates (§1b) — users send only x̃ỹ + N₂ with the whole budget;
//!   Σ̂ comes from public unlabeled data. Rate Õ(√(dk)/(√n ε)).
//! * [`LdpIht`] — sequentially interactive LDP iterative hard thresholding (§1c), each user used
//!   once, gradients privatized with Duchi's ℓ∞ mechanism. Rate Õ(k√d/(√n ε)).
//!
//! [`simulate`] draws the sufficient statistics of a Rademacher design exactly for any n (used
//! by the Monte Carlo claims, where the NLDP estimator's working range needs n ≳ 10⁹).

mod iht;
mod nldp;
pub mod simulate;

pub use iht::{IhtDiagnostics, LdpIht};
pub(crate) use iht::{gradient_bound, hard_threshold, project_l1};
pub use nldp::{Moments, Nldp, NldpDiagnostics, NoiseMode};

use crate::error::{Error, Result};
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
    /// Estimator-specific diagnostics as JSON (σ's, λ, floor, rounds, ...).
    pub diagnostics: serde_json::Value,
}

impl LdpFit {
    /// Predictions x θ̂.
    pub fn predict(&self, x: &DMatrix<f64>) -> Result<DVector<f64>> {
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

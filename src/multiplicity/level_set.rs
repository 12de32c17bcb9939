//! The ε-level set S_ε = { θ : J(θ) ≤ J* + ε_abs } (spec §1; the paper's "ε-level set") and its
//! small-ε ellipsoid approximation (spec §2.3, "Initial point").

use super::logistic::LogisticFit;
use crate::error::{Error, Result, check};
use crate::linalg::{Cholesky, sigmoid};
use nalgebra::{DMatrix, DVector};

/// How ε is given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Epsilon {
    /// ε_abs itself, in units of the mean loss J.
    Absolute(f64),
    /// ε_rel, with ε_abs = ε_rel · J*.
    Relative(f64),
}

impl Epsilon {
    /// ε_abs for a baseline with optimum `j_star`.
    pub fn absolute(self, j_star: f64) -> Result<f64> {
        match self {
            Epsilon::Absolute(e) => check::non_negative("epsilon", e),
            Epsilon::Relative(e) => Ok(check::non_negative("epsilon", e)? * j_star),
        }
    }
}

/// The level set of a fitted baseline, with the Hessian H0 = ∇²J(θ*) factored once and shared by
/// every per-point solve.
pub struct LevelSet<'a> {
    /// The baseline whose objective defines the set.
    pub fit: &'a LogisticFit,
    /// ε_abs.
    pub eps_abs: f64,
    /// τ = J* + ε_abs.
    pub tau: f64,
    pub(crate) h0: Cholesky,
    /// H0⁻¹ Aᵀ (d × n): the Laplace direction of every training row.
    pub(crate) h0_inv_at: DMatrix<f64>,
}

impl<'a> LevelSet<'a> {
    /// S_ε of `fit` for the given ε.
    pub fn new(fit: &'a LogisticFit, eps: Epsilon) -> Result<Self> {
        let eps_abs = eps.absolute(fit.j_star)?;
        let h = fit.objective.hessian(&fit.theta);
        let h0 = Cholesky::new(&h, "the baseline Hessian H0")?;
        let h0_inv_at = h0.solve_mat(&fit.objective.a.transpose());
        Ok(Self {
            fit,
            eps_abs,
            tau: fit.j_star + eps_abs,
            h0,
            h0_inv_at,
        })
    }

    /// Whether θ lies in S_ε (J(θ) ≤ τ, checked on the accurate difference J(θ) − J*).
    pub fn contains(&self, theta: &DVector<f64>) -> bool {
        let obj = &self.fit.objective;
        let mut ws = super::logistic::Workspace::new(obj.n(), obj.dim());
        obj.value_diff(theta, &self.fit.theta, &self.fit.scores, &mut ws) <= self.eps_abs
    }

    /// q = aᵀ H0⁻¹ a.
    pub fn leverage(&self, a: &DVector<f64>) -> f64 {
        a.dot(&self.h0.solve(a))
    }

    /// Small-ε ellipsoid preview of the score range, s0 ± √(2 ε_abs aᵀH0⁻¹a): the exact range of
    /// the quadratic model J* + ½ΔᵀH0Δ ≤ τ. An approximation, not a bound (spec §2.3).
    pub fn ellipsoid_range(&self, a: &DVector<f64>) -> Result<EllipsoidRange> {
        if a.len() != self.fit.theta.len() {
            return Err(Error::DimensionMismatch {
                what: "design row length",
                expected: self.fit.theta.len(),
                got: a.len(),
            });
        }
        let s0 = a.dot(&self.fit.theta);
        let half = (2.0 * self.eps_abs * self.leverage(a)).sqrt();
        Ok(EllipsoidRange {
            s0,
            s_min: s0 - half,
            s_max: s0 + half,
        })
    }

    /// Ellipsoid previews of every training row (O(p) each after the shared H0⁻¹Aᵀ).
    pub fn ellipsoid_ranges(&self) -> Vec<EllipsoidRange> {
        let a = &self.fit.objective.a;
        (0..a.nrows())
            .map(|i| {
                let q: f64 = (0..a.ncols())
                    .map(|j| a[(i, j)] * self.h0_inv_at[(j, i)])
                    .sum();
                let s0 = self.fit.scores[i];
                let half = (2.0 * self.eps_abs * q).sqrt();
                EllipsoidRange {
                    s0,
                    s_min: s0 - half,
                    s_max: s0 + half,
                }
            })
            .collect()
    }
}

/// The ellipsoid (Laplace) approximation of one score range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EllipsoidRange {
    /// Baseline score.
    pub s0: f64,
    /// Approximate minimum score.
    pub s_min: f64,
    /// Approximate maximum score.
    pub s_max: f64,
}

impl EllipsoidRange {
    /// Probability interval [σ(s_min), σ(s_max)].
    pub fn probabilities(&self) -> (f64, f64) {
        (sigmoid(self.s_min), sigmoid(self.s_max))
    }
}

//! Information projection by moment matching (spec §1.1): θ* = argmin_θ ψ(θ) − θᵀη*, the convex
//! dual of the log-partition, whose stationarity condition is ∇ψ(θ*) = η*. The same map sends t̄
//! to the MLE θ̂.
//!
//! The solver is a damped Newton iteration written out rather than argmin's: the Hessian is the
//! Fisher information the family already computes in closed form, and the domain of ψ (e.g.
//! positive definite precision) needs a backtracking step that rejects points outside it.

pub use super::family::Projection;
use super::family::{ExponentialFamily, TruthMoments};
use crate::error::{Error, Result};
use crate::estimator::{Certificate, Stop};
use crate::linalg::Cholesky;
use nalgebra::{DMatrix, DVector};

/// Solve ∇ψ(θ) = η by damped Newton on f(θ) = ψ(θ) − θᵀη.
pub fn information_projection<F: ExponentialFamily + ?Sized>(
    family: &F,
    eta: &DVector<f64>,
) -> Result<Projection> {
    if eta.len() != family.dim() {
        return Err(Error::DimensionMismatch {
            what: "mean parameter",
            expected: family.dim(),
            got: eta.len(),
        });
    }
    crate::error::check::all_finite("eta", eta.as_slice())?;
    let mut theta = family.initial_natural(eta);
    let mut f = family.log_partition(&theta)? - theta.dot(eta);
    let scale = 1.0 + eta.amax();
    const MAX_IT: usize = 200;
    let mut residual = f64::INFINITY;
    for it in 0..MAX_IT {
        let grad = family.mean(&theta)? - eta;
        residual = grad.amax();
        // Newton converges quadratically to 1e-12; the looser 1e-8 after 30 steps covers
        // rounding-limited plateaus of ill-conditioned problems.
        let target = scale * if it >= 30 { 1e-8 } else { 1e-12 };
        if residual <= 1e-12 * scale || residual <= target {
            return Ok(Projection {
                theta,
                iterations: it,
                stop: Stop::Converged,
                certificate: Certificate::GradientNorm {
                    norm: residual,
                    target,
                },
            });
        }
        let h = family.fisher(&theta)?;
        let step = Cholesky::new(&h, "Fisher information")?.solve(&grad);
        let decrement = grad.dot(&step);
        let mut t = 1.0;
        loop {
            let cand = &theta - &step * t;
            if let Ok(fc) = family.log_partition(&cand).map(|v| v - cand.dot(eta))
                && fc.is_finite()
                && fc <= f - 1e-4 * t * decrement + 1e-15 * f.abs().max(1.0)
            {
                theta = cand;
                f = fc;
                break;
            }
            t *= 0.5;
            if t < 1e-12 {
                // No decrease is representable: we are at the optimum to machine precision.
                if residual <= 1e-9 * scale {
                    return Ok(Projection {
                        theta,
                        iterations: it,
                        stop: Stop::Stalled,
                        certificate: Certificate::GradientNorm {
                            norm: residual,
                            target: 1e-9 * scale,
                        },
                    });
                }
                return Err(Error::NotConverged {
                    solver: "information projection (Newton)",
                    iterations: it,
                    residual,
                });
            }
        }
    }
    Err(Error::NotConverged {
        solver: "information projection (Newton)",
        iterations: MAX_IT,
        residual,
    })
}

/// The projection of a truth onto the family together with everything the risk needs.
#[derive(Debug, Clone)]
pub struct ProjectedTruth {
    /// θ*.
    pub theta: DVector<f64>,
    /// Model cumulants at θ*.
    pub model: super::family::ModelCumulants,
    /// Truth moments of t.
    pub truth: TruthMoments,
}

/// Project a truth (given by the moments of t under it) onto `family`.
pub fn project_truth<F: ExponentialFamily + ?Sized>(
    family: &F,
    truth: TruthMoments,
) -> Result<ProjectedTruth> {
    let theta = family.natural_from_mean(&truth.eta)?;
    let model = family.cumulants(&theta)?;
    Ok(ProjectedTruth {
        theta,
        model,
        truth,
    })
}

/// Project data (rows = observations) onto `family`: θ̂ by moment matching at t̄ and the sample
/// moments of t (the plug-in route of spec §1.4).
pub fn project_data<F: ExponentialFamily + ?Sized>(
    family: &F,
    x: &DMatrix<f64>,
) -> Result<ProjectedTruth> {
    let n = x.nrows();
    let p = family.dim();
    if n <= p {
        return Err(Error::InvalidData(format!(
            "n = {n} observations but p = {p} parameters: need n > p"
        )));
    }
    let t = family.statistics(x)?;
    project_truth(family, TruthMoments::from_statistics(&t)?)
}

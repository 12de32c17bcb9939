//! Exact score ranges over the ε-level set (spec §2.1, §2.3): for a point a,
//!
//!   s⁺ = max aᵀθ  s.t. J(θ) ≤ τ,      s⁻ = min aᵀθ  s.t. J(θ) ≤ τ,
//!
//! solved through the tilted path θ(t) = argmin J(θ) − t aᵀθ (stationarity ∇J(θ(t)) = t a, so
//! θ(t*) is a KKT point with multiplier 1/t*) and a scalar root J(θ(t*)) = τ. Along the path
//! dJ/dt = t aᵀH⁻¹a, so φ(t) = √(2(J − J*)) − √(2ε) is nearly linear in t and Newton on it
//! converges in a few steps; each inner problem is a damped Newton solve warm-started by the
//! predictor θ += Δt H⁻¹a.

use super::level_set::LevelSet;
use super::logistic::Workspace;
use crate::error::{Error, Result};
use crate::linalg::{Cholesky, sigmoid};
use nalgebra::DVector;
use rayon::prelude::*;

const MAX_OUTER: usize = 60;
const MAX_INNER: usize = 50;
const INNER_GRAD_TOL: f64 = 1e-10;

/// Which end of the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// min aᵀθ (multiplier t < 0).
    Min,
    /// max aᵀθ (multiplier t > 0).
    Max,
}

impl Direction {
    fn sign(self) -> f64 {
        match self {
            Direction::Min => -1.0,
            Direction::Max => 1.0,
        }
    }
}

/// One endpoint of a viable prediction range with its optimality certificate.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    /// The extreme score aᵀθ (equals `a.dot(theta)` exactly: it is computed from `theta`).
    pub score: f64,
    /// The extremal model θ± (always in S_ε, even when not converged).
    pub theta: DVector<f64>,
    /// Multiplier t with ∇J(θ) = t a (sign +1 for max, −1 for min).
    pub t: f64,
    /// J(θ) − τ: the active-constraint residual (≤ 0: θ is feasible).
    pub constraint_residual: f64,
    /// ‖∇J(θ) − t a‖_∞: the stationarity residual.
    pub stationarity_residual: f64,
    /// Outer (root) iterations.
    pub outer_iterations: usize,
    /// Newton steps summed over the inner solves.
    pub newton_steps: usize,
    /// Whether both certificates met their tolerances (|J − τ| ≤ 1e-10 τ, stationarity ≤ 1e-8).
    /// When false, θ is the best feasible model found: an inner bound on the range.
    pub converged: bool,
}

impl Endpoint {
    /// σ(score).
    pub fn probability(&self) -> f64 {
        sigmoid(self.score)
    }
}

/// The viable prediction range of one point (Def. 2), in score and probability space.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRange {
    /// Baseline score s0 = aᵀθ*.
    pub s0: f64,
    /// Minimum over S_ε.
    pub lower: Endpoint,
    /// Maximum over S_ε.
    pub upper: Endpoint,
}

impl ScoreRange {
    /// Baseline probability p0 = σ(s0).
    pub fn p0(&self) -> f64 {
        sigmoid(self.s0)
    }
    /// [σ(s⁻), σ(s⁺)].
    pub fn probability_range(&self) -> (f64, f64) {
        (self.lower.probability(), self.upper.probability())
    }
    /// Width in probability, σ(s⁺) − σ(s⁻).
    pub fn width(&self) -> f64 {
        self.upper.probability() - self.lower.probability()
    }
    /// Width in score, s⁺ − s⁻.
    pub fn score_width(&self) -> f64 {
        self.upper.score - self.lower.score
    }
    /// Both endpoints certified.
    pub fn converged(&self) -> bool {
        self.lower.converged && self.upper.converged
    }
}

impl LevelSet<'_> {
    /// The viable prediction range of the point with design row `a` (use
    /// `fit.objective.design_row(x)` for a new point).
    pub fn score_range(&self, a: &DVector<f64>) -> Result<ScoreRange> {
        let d = self.fit.theta.len();
        if a.len() != d {
            return Err(Error::DimensionMismatch {
                what: "design row length",
                expected: d,
                got: a.len(),
            });
        }
        let v0 = self.h0.solve(a);
        let mut ws = Workspace::new(self.fit.objective.n(), d);
        let lower = self.extreme(a, &v0, Direction::Min, &mut ws)?;
        let upper = self.extreme(a, &v0, Direction::Max, &mut ws)?;
        Ok(ScoreRange {
            s0: a.dot(&self.fit.theta),
            lower,
            upper,
        })
    }

    /// Viable prediction ranges of the given training rows, in parallel over rows (each row is an
    /// independent solve, so the results do not depend on the thread count).
    pub fn training_ranges(&self, rows: &[usize]) -> Result<Vec<ScoreRange>> {
        let n = self.fit.objective.n();
        if let Some(&r) = rows.iter().find(|&&r| r >= n) {
            return Err(Error::param(
                "rows",
                r,
                format!("must be < {n}, the number of rows"),
            ));
        }
        let d = self.fit.theta.len();
        rows.par_iter()
            .map_init(
                || Workspace::new(n, d),
                |ws, &i| {
                    let a = self.fit.objective.row(i);
                    let v0 = self.h0.solve(&a);
                    let lower = self.extreme(&a, &v0, Direction::Min, ws)?;
                    let upper = self.extreme(&a, &v0, Direction::Max, ws)?;
                    // a·θ* (not the stored gemv score) so that ε = 0 gives s⁻ = s0 = s⁺ bit for bit.
                    Ok(ScoreRange {
                        s0: a.dot(&self.fit.theta),
                        lower,
                        upper,
                    })
                },
            )
            .collect()
    }

    /// Viable prediction ranges of every training row.
    pub fn all_training_ranges(&self) -> Result<Vec<ScoreRange>> {
        let rows: Vec<usize> = (0..self.fit.objective.n()).collect();
        self.training_ranges(&rows)
    }

    /// One endpoint: the root in u = |t| of φ(u) = √(2ΔJ(θ(u))) − √(2ε), with θ(u) solving
    /// ∇J(θ) = u c, c = ±a.
    fn extreme(
        &self,
        a: &DVector<f64>,
        v0: &DVector<f64>,
        dir: Direction,
        ws: &mut Workspace,
    ) -> Result<Endpoint> {
        let obj = &self.fit.objective;
        let theta_star = &self.fit.theta;
        let s_star = &self.fit.scores;
        let sign = dir.sign();
        let eps = self.eps_abs;
        if eps == 0.0 || a.iter().all(|&v| v == 0.0) {
            // ε = 0: the set is {θ*} (J strictly convex); a = 0: the score is constant.
            return Ok(self.endpoint(a, theta_star.clone(), 0.0, sign, 0, 0, true, ws));
        }
        let c = a * sign;
        let q0 = a.dot(v0);
        if !(q0.is_finite() && q0 > 0.0) {
            return Err(Error::Numerical(format!(
                "aᵀH0⁻¹a = {q0} for a nonzero design row"
            )));
        }
        // Relative tolerance on ΔJ − ε: 1e-12 τ as in the spec, but never looser than 1e-9 ε so
        // that tiny ε still gets a meaningful root.
        let tol = (1e-12 * self.tau).min(1e-9 * eps);
        let root_eps = (2.0 * eps).sqrt();

        // Ellipsoid start.
        let mut u = (2.0 * eps / q0).sqrt();
        let mut theta = theta_star + v0 * (sign * u);
        let (mut u_lo, mut u_hi) = (0.0_f64, f64::INFINITY);
        let mut theta_lo = theta_star.clone();
        let mut newton = 0;
        let mut outer = 0;
        let mut done = false;
        let mut last_factor: Option<Cholesky> = None;
        while outer < MAX_OUTER {
            outer += 1;
            let inner = self.tilted_newton(&c, u, &mut theta, ws, last_factor.take());
            newton += inner.steps;
            let Some(factor) = inner.factor else {
                // No minimizer reached at this tilt: treat u as too large and bisect.
                u_hi = u;
                u = if u_hi.is_finite() {
                    0.5 * (u_lo + u_hi)
                } else {
                    2.0 * u
                };
                theta = theta_lo.clone();
                continue;
            };
            let dj = obj.value_diff(&theta, theta_star, s_star, ws);
            if (dj - eps).abs() <= tol {
                done = true;
                if dj <= eps {
                    theta_lo = theta.clone();
                    u_lo = u;
                }
                break;
            }
            if dj < eps {
                u_lo = u;
                theta_lo = theta.clone();
            } else {
                u_hi = u;
            }
            if u_hi.is_finite() && u_hi - u_lo <= 1e-15 * u_hi {
                break;
            }
            let v = factor.solve(&c);
            let q = c.dot(&v);
            let phi = (2.0 * dj.max(0.0)).sqrt() - root_eps;
            let dphi = u * q / (2.0 * dj.max(f64::MIN_POSITIVE)).sqrt();
            let mut u_new = u - phi / dphi;
            if !(u_new.is_finite() && u_new > u_lo && u_new < u_hi) {
                u_new = if u_hi.is_finite() {
                    0.5 * (u_lo + u_hi)
                } else {
                    2.0 * u.max(u_lo)
                };
            }
            theta += v * (u_new - u);
            u = u_new;
            last_factor = Some(factor);
        }
        // The last iterate may sit a hair above τ. Pull it toward θ* along the segment: by
        // convexity J(θ* + (1−κ)(θ−θ*)) ≤ J(θ) − κ(J(θ) − J*), so κ = (ΔJ − ε)/ΔJ restores
        // feasibility at a score cost of κ|s − s0| (≈ 1e-12 relative).
        let mut dj = obj.value_diff(&theta, theta_star, s_star, ws);
        if dj.is_nan() || dj > eps || !done {
            if done {
                let mut kappa = (dj - eps) / dj;
                for _ in 0..60 {
                    let cand = theta_star + (&theta - theta_star) * (1.0 - kappa);
                    let djc = obj.value_diff(&cand, theta_star, s_star, ws);
                    if djc <= eps {
                        theta = cand;
                        dj = djc;
                        break;
                    }
                    kappa = (2.0 * kappa).max(1e-15);
                }
            }
            if dj.is_nan() || dj > eps || !done {
                // Fall back on the best feasible iterate: an inner bound.
                // Its certificates decide `converged`: it is feasible and solves ∇J = u_lo c.
                let ep = self.endpoint(a, theta_lo, sign * u_lo, sign, outer, newton, true, ws);
                return Ok(ep);
            }
        }
        let ep = self.endpoint(a, theta, sign * u, sign, outer, newton, true, ws);
        Ok(ep)
    }

    /// Build an endpoint and its certificates at θ.
    #[allow(clippy::too_many_arguments)]
    fn endpoint(
        &self,
        a: &DVector<f64>,
        theta: DVector<f64>,
        t: f64,
        sign: f64,
        outer: usize,
        newton: usize,
        solved: bool,
        ws: &mut Workspace,
    ) -> Endpoint {
        let obj = &self.fit.objective;
        let dj = obj.value_diff(&theta, &self.fit.theta, &self.fit.scores, ws);
        obj.grad_hess(&theta, ws, false);
        let stat = (&ws.g - a * t).amax();
        let resid = dj - self.eps_abs;
        let converged = solved
            && (self.eps_abs == 0.0 || resid.abs() <= 1e-10 * self.tau)
            && stat <= 1e-8
            && (t == 0.0 || t.signum() == sign);
        Endpoint {
            score: a.dot(&theta),
            theta,
            t,
            constraint_residual: resid,
            stationarity_residual: stat,
            outer_iterations: outer,
            newton_steps: newton,
            converged,
        }
    }

    /// Damped Newton on F_u(θ) = J(θ) − u cᵀθ from the warm start `theta`. Returns the Cholesky
    /// factor of ∇²J at the solution (for the outer derivative and predictor), or none when the
    /// solve failed.
    fn tilted_newton(
        &self,
        c: &DVector<f64>,
        u: f64,
        theta: &mut DVector<f64>,
        ws: &mut Workspace,
        mut last: Option<Cholesky>,
    ) -> Inner {
        let obj = &self.fit.objective;
        let theta_star = &self.fit.theta;
        let s_star = &self.fit.scores;
        // F measured from θ* with the accurate ΔJ, so Armijo comparisons stay meaningful near
        // convergence.
        let f = |th: &DVector<f64>, ws: &mut Workspace| {
            obj.value_diff(th, theta_star, s_star, ws) - u * c.dot(&(th - theta_star))
        };
        let mut fval = 0.0;
        let mut stale = true;
        for step in 0..MAX_INNER {
            // Gradient first (O(np)): when the warm start is already stationary, the factor of
            // the previous Newton step (a nearby θ) is good enough for the outer derivative and
            // predictor, and the O(np²) Hessian build is skipped.
            obj.grad_hess(theta, ws, false);
            let g = &ws.g - c * u;
            if g.amax() < INNER_GRAD_TOL && last.is_some() {
                return Inner {
                    factor: last,
                    steps: step,
                };
            }
            obj.grad_hess(theta, ws, true);
            let Some(chol) = factor_with_jitter(&mut ws.h) else {
                return Inner {
                    factor: None,
                    steps: step,
                };
            };
            if g.amax() < INNER_GRAD_TOL {
                return Inner {
                    factor: Some(chol),
                    steps: step,
                };
            }
            let d = chol.solve(&g);
            let dec = g.dot(&d);
            last = Some(chol);
            if dec < 1e-20 {
                return Inner {
                    factor: last,
                    steps: step,
                };
            }
            // Inside the quadratic-convergence region take the full step: Armijo on values that
            // differ by less than rounding would otherwise stall.
            if dec < 1e-8 {
                *theta -= &d;
                stale = true;
                continue;
            }
            if stale {
                fval = f(theta, ws);
                stale = false;
            }
            // Step length along the Newton direction, halved until Armijo holds.
            let mut length = 1.0;
            let mut moved = false;
            for _ in 0..40 {
                let cand = &*theta - &d * length;
                let fc = f(&cand, ws);
                if fc <= fval - 0.25 * length * dec {
                    *theta = cand;
                    fval = fc;
                    moved = true;
                    break;
                }
                length *= 0.5;
            }
            if !moved || !fval.is_finite() {
                return Inner {
                    factor: None,
                    steps: step + 1,
                };
            }
        }
        Inner {
            factor: None,
            steps: MAX_INNER,
        }
    }
}

/// Cholesky of the Hessian; when saturated rows leave it numerically singular (λ = 0 and
/// near-collinear features), retry with a diagonal jitter 1e-10·trace/d, growing tenfold up to
/// 1e-6·trace/d (spec §5, "Cholesky with jitter"). The Newton step stays a descent direction.
fn factor_with_jitter(h: &mut nalgebra::DMatrix<f64>) -> Option<Cholesky> {
    if let Ok(c) = Cholesky::new(h, "tilted Hessian") {
        return Some(c);
    }
    let d = h.nrows();
    let base = h.trace() / d as f64;
    let mut added = 0.0;
    let mut jitter = 1e-10 * base;
    while jitter <= 1e-6 * base {
        for j in 0..d {
            h[(j, j)] += jitter - added;
        }
        added = jitter;
        if let Ok(c) = Cholesky::new(h, "tilted Hessian") {
            return Some(c);
        }
        jitter *= 10.0;
    }
    None
}

struct Inner {
    factor: Option<Cholesky>,
    steps: usize,
}

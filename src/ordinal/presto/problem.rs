//! The PRESTO optimization problem on the fitting scale (spec §1.2–1.3) and its proximal
//! Newton solver: the estimators of [`super`] validate parameters and build fits from what this
//! module returns.
//!
//! Each outer step builds the analytic gradient and Hessian of the smooth part in (θ, ψ)
//! (O(n p² K), [`crate::ordinal::likelihood`]), solves the penalized quadratic model by cyclic
//! coordinate descent (soft-thresholding, as ordinalNet's MIRLS inner loop), and halves the step
//! until the composite objective decreases by an Armijo fraction; a step that makes any training
//! probability ≤ 0 has objective +∞ and is halved away, so iterates stay in the valid domain.
//! Convergence is judged by the KKT residual (see `Problem::kkt`).

use crate::error::{Error, Result};
use crate::estimator::{Fit, Stop};
use crate::linalg::soft_threshold;
use crate::ordinal::data::OrdinalData;
use crate::ordinal::likelihood::{loglik, nonparallel_derivatives};
use crate::ordinal::link::Link;
use crate::ordinal::model::CumulativeLogit;
use crate::ordinal::proportional_odds::{ProportionalOddsParams, newton_step, predictor_span};
use nalgebra::{DMatrix, DVector};

/// The optimization problem on the fitting scale.
pub(crate) struct Problem {
    data: OrdinalData,
    /// Penalty weight per coordinate of z = (θ, ψ_0, …, ψ_{K−2}); 0 for θ.
    c: DVector<f64>,
    a: f64,
    n_w: f64,
    means: Vec<f64>,
    sds: Vec<f64>,
    k1: usize,
    p: usize,
    link: Link,
}

/// Where [`Problem::solve`] stopped.
pub(crate) struct Solution {
    /// The iterate z = (θ, ψ) on the fitting scale.
    pub z: DVector<f64>,
    /// Weighted log-likelihood.
    pub ll: f64,
    /// Objective value.
    pub objective: f64,
    /// KKT residual (see [`Problem::kkt`]).
    pub kkt: f64,
    /// Proximal Newton steps.
    pub n_iter: usize,
    /// Why the iteration ended.
    pub stop: Stop,
}

/// Suffix sums over the K−1 slope blocks of a vector laid out as (θ, blocks): the transpose of
/// the map ψ ↦ b, b_k = Σ_{m≤k} ψ_m.
fn suffix_blocks_vec(v: &mut DVector<f64>, k1: usize, p: usize) {
    for m in (0..k1.saturating_sub(1)).rev() {
        for j in 0..p {
            v[k1 + m * p + j] += v[k1 + (m + 1) * p + j];
        }
    }
}

fn suffix_blocks_mat(h: &mut DMatrix<f64>, k1: usize, p: usize) {
    let d = h.nrows();
    for m in (0..k1.saturating_sub(1)).rev() {
        for j in 0..p {
            for r in 0..d {
                h[(r, k1 + m * p + j)] += h[(r, k1 + (m + 1) * p + j)];
            }
        }
    }
    for m in (0..k1.saturating_sub(1)).rev() {
        for j in 0..p {
            for r in 0..d {
                h[(k1 + m * p + j, r)] += h[(k1 + (m + 1) * p + j, r)];
            }
        }
    }
}

impl Problem {
    /// The problem for `data` (K ≥ 2 and every class present are the caller's checks):
    /// first-block weight w_1 = `penalize_first`, mixing weight `a`, optional standardization,
    /// inverse link `link`.
    pub(crate) fn new(
        data: &OrdinalData,
        penalize_first: bool,
        a: f64,
        standardize: bool,
        link: Link,
    ) -> Self {
        let (n, p, k1) = (data.n_rows(), data.n_features(), data.n_classes() - 1);
        let (mut means, mut sds) = (vec![0.0; p], vec![1.0; p]);
        let data = if standardize {
            let x = data.x();
            let mut xs = x.clone();
            for j in 0..p {
                let m = x.column(j).sum() / n as f64;
                let v = x.column(j).iter().map(|v| (v - m).powi(2)).sum::<f64>() / n as f64;
                // Population SD as ordinalNet; a constant column keeps SD 1 (its coefficient is 0).
                let s = if v > 0.0 { v.sqrt() } else { 1.0 };
                xs.column_mut(j).iter_mut().for_each(|e| *e = (*e - m) / s);
                means[j] = m;
                sds[j] = s;
            }
            data.with_x(xs)
        } else {
            data.clone()
        };
        let d = k1 * (p + 1);
        let c = DVector::from_fn(d, |i, _| {
            if i < k1 {
                0.0
            } else if i < k1 + p {
                if penalize_first { 1.0 } else { 0.0 }
            } else {
                1.0
            }
        });
        let n_w = data.total_weight();
        Self {
            data,
            c,
            a: a.clamp(0.0, 1.0),
            n_w,
            means,
            sds,
            k1,
            p,
            link,
        }
    }

    fn theta_b(&self, z: &DVector<f64>) -> (Vec<f64>, DMatrix<f64>) {
        let (k1, p) = (self.k1, self.p);
        let mut b = DMatrix::zeros(p, k1);
        for k in 0..k1 {
            for j in 0..p {
                b[(j, k)] = z[k1 + k * p + j] + if k > 0 { b[(j, k - 1)] } else { 0.0 };
            }
        }
        (z.rows(0, k1).iter().copied().collect(), b)
    }

    fn l1(&self, z: &DVector<f64>, lambda: f64) -> f64 {
        lambda
            * self.a
            * z.iter()
                .zip(self.c.iter())
                .map(|(v, c)| c * v.abs())
                .sum::<f64>()
    }

    fn ridge(&self, z: &DVector<f64>, lambda: f64) -> f64 {
        0.5 * lambda
            * (1.0 - self.a)
            * z.iter()
                .zip(self.c.iter())
                .map(|(v, c)| c * v * v)
                .sum::<f64>()
    }

    /// (log-likelihood, objective); objective +∞ outside the valid domain.
    fn objective(&self, z: &DVector<f64>, lambda: f64) -> (f64, f64) {
        let (t, b) = self.theta_b(z);
        match loglik(&self.data, &t, &b, self.link) {
            Some(ll) => (
                ll,
                -ll / self.n_w + self.ridge(z, lambda) + self.l1(z, lambda),
            ),
            None => (f64::NEG_INFINITY, f64::INFINITY),
        }
    }

    /// Gradient and Hessian of the smooth part in (θ, ψ).
    fn smooth_derivatives(
        &self,
        z: &DVector<f64>,
        lambda: f64,
    ) -> Option<(f64, DVector<f64>, DMatrix<f64>)> {
        let (t, b) = self.theta_b(z);
        let der = nonparallel_derivatives(&self.data, &t, &b, self.link)?;
        let mut g = -der.grad / self.n_w;
        let mut h = -der.hess / self.n_w;
        suffix_blocks_vec(&mut g, self.k1, self.p);
        suffix_blocks_mat(&mut h, self.k1, self.p);
        let r = lambda * (1.0 - self.a);
        for i in 0..z.len() {
            g[i] += r * self.c[i] * z[i];
            h[(i, i)] += r * self.c[i];
        }
        Some((der.ll, g, h))
    }

    /// KKT residual: max over cutpoints of |∂f|, over nonzero ψ of |∂f + λ c a sign ψ|, over
    /// zero ψ of (|∂f| − λ c a)₊, f the smooth part (the ∞-norm of the minimum-norm
    /// subgradient of the objective).
    fn kkt(&self, z: &DVector<f64>, g: &DVector<f64>, lambda: f64) -> f64 {
        let mut r: f64 = 0.0;
        for i in 0..z.len() {
            let t = lambda * self.a * self.c[i];
            let v = if t == 0.0 {
                g[i].abs()
            } else if z[i] != 0.0 {
                (g[i] + t * z[i].signum()).abs()
            } else {
                (g[i].abs() - t).max(0.0)
            };
            r = r.max(v);
        }
        r
    }

    /// Intercept-only start: θ_k = F⁻¹(cumulative weighted proportion), ψ = 0 (every class has
    /// rows, so each proportion lies strictly inside (0, 1)).
    pub(crate) fn intercept_only(&self) -> Result<DVector<f64>> {
        let mut z = DVector::zeros(self.k1 * (self.p + 1));
        for (k, q) in self.data.cumulative_proportions().into_iter().enumerate() {
            z[k] = self.link.quantile(q)?;
        }
        Ok(z)
    }

    /// The fit with every penalized coordinate at zero: intercept-only when the first block is
    /// penalized, the proportional-odds MLE when it is not.
    pub(crate) fn null_fit(&self) -> Result<DVector<f64>> {
        let mut z = self.intercept_only()?;
        if self.c.rows(self.k1, self.p).iter().all(|&c| c == 0.0) {
            let po = ProportionalOddsParams::new()
                .link(self.link)
                .fit(&self.data)?;
            for k in 0..self.k1 {
                z[k] = po.cutpoints[k];
            }
            for j in 0..self.p {
                z[self.k1 + j] = po.coef[j];
            }
        }
        Ok(z)
    }

    /// λ_max = max over penalized coordinates of |∂f/∂ψ_jk| / (c_jk max(a, 0.01)) at the null
    /// fit (spec §1.3).
    pub(crate) fn lambda_max(&self, z_null: &DVector<f64>) -> Result<f64> {
        let (_, g, _) = self
            .smooth_derivatives(z_null, 0.0)
            .ok_or_else(|| Error::Numerical("PRESTO: invalid null fit".into()))?;
        let amax = self.a.max(0.01);
        Ok((0..g.len())
            .filter(|&i| self.c[i] > 0.0)
            .map(|i| g[i].abs() / (self.c[i] * amax))
            .fold(0.0, f64::max))
    }

    /// Minimize the penalized quadratic model g'Δ + ½Δ'HΔ + Σ λ a c_j |z_j + Δ_j|.
    ///
    /// Cyclic coordinate descent (soft-thresholding) finds the sign pattern; then the model is
    /// minimized exactly on that pattern by one linear solve and accepted when the result keeps
    /// the signs and the zero coordinates satisfy their subgradient condition (an exact
    /// certificate). The ψ blocks are strongly correlated (b_k = Σ_{m≤k} ψ_m), where plain
    /// coordinate descent alone converges slowly.
    fn quadratic_step(
        &self,
        z: &DVector<f64>,
        g: &DVector<f64>,
        h: &DMatrix<f64>,
        lambda: f64,
        tol: f64,
    ) -> DVector<f64> {
        let d = z.len();
        let thr = |j: usize| lambda * self.a * self.c[j];
        let mut delta = DVector::zeros(d);
        let mut q = DVector::<f64>::zeros(d); // H Δ
        for round in 0..200 {
            let mut max_change: f64 = 0.0;
            for _sweep in 0..5 {
                max_change = 0.0;
                for j in 0..d {
                    let hjj = h[(j, j)];
                    let t = thr(j);
                    let new_delta = if hjj <= 1e-300 {
                        if t > 0.0 { -z[j] } else { delta[j] }
                    } else if t == 0.0 {
                        delta[j] - (g[j] + q[j]) / hjj
                    } else {
                        let r = g[j] + q[j] - hjj * delta[j];
                        soft_threshold(hjj * z[j] - r, t) / hjj - z[j]
                    };
                    let change = new_delta - delta[j];
                    if change != 0.0 {
                        q.axpy(change, &h.column(j), 1.0);
                        delta[j] = new_delta;
                        max_change = max_change.max(change.abs() * hjj.max(1e-300));
                    }
                }
                if max_change <= tol {
                    break;
                }
            }
            if let Some(exact) = self.sign_pattern_solve(z, g, h, &delta, lambda) {
                return exact;
            }
            if max_change <= tol && round > 0 {
                break;
            }
        }
        // Coordinates that the model puts at zero are exactly zero (not z + Δ ≈ 0 by rounding).
        for j in 0..d {
            if thr(j) > 0.0 && (z[j] + delta[j]).abs() < 1e-300 {
                delta[j] = -z[j];
            }
        }
        delta
    }

    /// Exact minimizer of the quadratic model on the sign pattern of z + Δ, if it is certified.
    fn sign_pattern_solve(
        &self,
        z: &DVector<f64>,
        g: &DVector<f64>,
        h: &DMatrix<f64>,
        delta: &DVector<f64>,
        lambda: f64,
    ) -> Option<DVector<f64>> {
        let d = z.len();
        let thr = |j: usize| lambda * self.a * self.c[j];
        let v: Vec<f64> = (0..d).map(|j| z[j] + delta[j]).collect();
        let active: Vec<usize> = (0..d).filter(|&j| thr(j) == 0.0 || v[j] != 0.0).collect();
        let mut out = DVector::zeros(d);
        for j in 0..d {
            if thr(j) > 0.0 && v[j] == 0.0 {
                out[j] = -z[j];
            }
        }
        let m = active.len();
        let mut ha = DMatrix::zeros(m, m);
        let mut rhs = DVector::zeros(m);
        for (a, &i) in active.iter().enumerate() {
            let mut r = -g[i] - thr(i) * v[i].signum() * f64::from(u8::from(thr(i) > 0.0));
            for j in 0..d {
                if !active.contains(&j) {
                    r -= h[(i, j)] * out[j];
                }
            }
            rhs[a] = r;
            for (b, &j) in active.iter().enumerate() {
                ha[(a, b)] = h[(i, j)];
            }
        }
        if m > 0 {
            let sol = crate::linalg::Cholesky::new(&ha, "PRESTO active set")
                .ok()?
                .solve(&rhs);
            for (a, &i) in active.iter().enumerate() {
                let vi = z[i] + sol[a];
                if thr(i) > 0.0 && vi * v[i] <= 0.0 {
                    return None;
                }
                out[i] = sol[a];
            }
        }
        let hd = h * &out;
        for j in 0..d {
            if thr(j) > 0.0 && v[j] == 0.0 && (g[j] + hd[j]).abs() > thr(j) * (1.0 + 1e-10) + 1e-14
            {
                return None;
            }
        }
        out.iter().all(|x| x.is_finite()).then_some(out)
    }

    /// Proximal Newton from `start` until the KKT residual is ≤ `tol`, `max_iter` steps, or no
    /// step decreases the objective at machine precision.
    pub(crate) fn solve(
        &self,
        lambda: f64,
        start: DVector<f64>,
        tol: f64,
        max_iter: usize,
    ) -> Result<Solution> {
        let mut z = start;
        let (mut ll, mut f) = self.objective(&z, lambda);
        if !f.is_finite() {
            z = self.intercept_only()?;
            (ll, f) = self.objective(&z, lambda);
        }
        let mut n_iter = 0;
        let mut kkt;
        let stop;
        loop {
            let (_, g, h) = self
                .smooth_derivatives(&z, lambda)
                .ok_or_else(|| Error::Numerical("PRESTO: iterate left the valid domain".into()))?;
            kkt = self.kkt(&z, &g, lambda);
            if kkt <= tol || n_iter >= max_iter {
                stop = if kkt <= tol {
                    Stop::Converged
                } else {
                    Stop::MaxIterations
                };
                break;
            }
            n_iter += 1;
            // Without an L1 term the model is smooth: an exact (damped) Newton solve beats
            // coordinate descent on ill-conditioned Hessians.
            let delta = if lambda * self.a == 0.0 || self.c.iter().all(|&c| c == 0.0) {
                newton_step(&h, &g)?
            } else {
                self.quadratic_step(&z, &g, &h, lambda, (1e-3 * kkt).max(1e-16))
            };
            let f_before = f;
            let l1_z = self.l1(&z, lambda);
            let dec = g.dot(&delta) + self.l1(&(&z + &delta), lambda) - l1_z;
            let mut t = 1.0;
            let mut accepted = false;
            for _ in 0..60 {
                let cand = &z + t * &delta;
                let (ll1, f1) = self.objective(&cand, lambda);
                if f1 <= f + 1e-4 * t * dec.min(0.0)
                    || (t == 1.0 && (f1 - f).abs() <= 1e-13 * f.abs().max(1.0))
                {
                    z = cand;
                    ll = ll1;
                    f = f1;
                    accepted = true;
                    break;
                }
                t *= 0.5;
            }
            // Stagnation at machine precision (the relative objective change ordinalNet uses,
            // at 1e-15 rather than its 1e-8): more steps cannot lower the KKT residual. Without
            // an accepted step there is no decrease at machine precision either: keep the
            // previous iterate (spec §1.3).
            let stagnated = accepted
                && (f_before - f).abs() <= 1e-15 * f.abs().max(1.0)
                && (delta.amax() <= 1e-12);
            if stagnated || !accepted {
                let (_, g, _) = self.smooth_derivatives(&z, lambda).ok_or_else(|| {
                    Error::Numerical("PRESTO: the accepted iterate left the valid domain".into())
                })?;
                kkt = self.kkt(&z, &g, lambda);
                stop = if kkt <= tol {
                    Stop::Converged
                } else {
                    Stop::Stalled
                };
                break;
            }
        }
        Ok(Solution {
            z,
            ll,
            objective: f,
            kkt,
            n_iter,
            stop,
        })
    }

    /// The solution's model and differences ψ ((K−1) × p) back on the original scale of x:
    /// b_k = b_k,std / sd, θ_k = θ_k,std + Σ_j b_jk,std m_j / sd_j. Errors: separation at λ = 0
    /// ([`Error::NotIdentifiable`]), a KKT residual above 1e-6 ([`Error::NotConverged`]).
    pub(crate) fn original_scale(
        &self,
        s: &Solution,
        lambda: f64,
    ) -> Result<(CumulativeLogit, DMatrix<f64>)> {
        let (theta_std, b_std) = self.theta_b(&s.z);
        let (k1, p) = (self.k1, self.p);
        if lambda == 0.0 {
            // Separation probe: at an MLE more Newton steps change nothing; under
            // (quasi-)separation the slopes keep walking off while the likelihood creeps up.
            let more = self.solve(0.0, s.z.clone(), 0.0, 10)?;
            let moved = (&more.z - &s.z).amax();
            if moved > 1.0 {
                return Err(Error::NotIdentifiable(format!(
                    "PRESTO at lambda = 0: the slopes keep growing (by {moved:.2} in 10 extra Newton steps) while the \
                     likelihood still increases; the data are (quasi-)separated and the unpenalized MLE does not exist \
                     (use lambda > 0)"
                )));
            }
            let span = self.link.separation_span();
            for k in 0..k1 {
                if predictor_span(self.data.x(), &b_std.column(k).into_owned()) > span {
                    return Err(Error::NotIdentifiable(format!(
                        "PRESTO at lambda = 0: boundary {k}'s linear predictor spans more than {span:.3} \
                         ({} link scale); the data are (quasi-)separated and the unpenalized MLE does not exist \
                         (use lambda > 0)",
                        self.link
                    )));
                }
            }
        }
        if s.kkt > 1e-6 {
            return Err(Error::NotConverged {
                solver: "PRESTO proximal Newton",
                iterations: s.n_iter,
                residual: s.kkt,
            });
        }
        let coef = DMatrix::from_fn(k1, p, |k, j| b_std[(j, k)] / self.sds[j]);
        let cutpoints = (0..k1)
            .map(|k| {
                theta_std[k]
                    + (0..p)
                        .map(|j| b_std[(j, k)] * self.means[j] / self.sds[j])
                        .sum::<f64>()
            })
            .collect();
        let psi = DMatrix::from_fn(k1, p, |k, j| s.z[k1 + k * p + j] / self.sds[j]);
        let link = self.link;
        Ok((
            CumulativeLogit {
                cutpoints,
                coef,
                link,
            },
            psi,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_suffix_sums_are_the_transpose_of_the_cumulative_map() {
        let (k1, p) = (3, 2);
        let d = k1 * (p + 1);
        // T: z = (θ, ψ) ↦ (θ, b), b_k = Σ_{m≤k} ψ_m.
        let mut t = DMatrix::<f64>::zeros(d, d);
        for i in 0..k1 {
            t[(i, i)] = 1.0;
        }
        for k in 0..k1 {
            for m in 0..=k {
                for j in 0..p {
                    t[(k1 + k * p + j, k1 + m * p + j)] = 1.0;
                }
            }
        }
        let h = DMatrix::from_fn(d, d, |i, j| {
            ((i * 7 + j * 3) % 5) as f64 + if i == j { 9.0 } else { 0.0 }
        });
        let h = &h + h.transpose();
        let mut hs = h.clone();
        suffix_blocks_mat(&mut hs, k1, p);
        assert!((t.transpose() * &h * &t - hs).amax() < 1e-12);
        let g = DVector::from_fn(d, |i, _| i as f64 - 2.5);
        let mut gs = g.clone();
        suffix_blocks_vec(&mut gs, k1, p);
        assert!((t.transpose() * g - gs).amax() < 1e-12);
    }
}

//! The inner solve of one proximal-Newton step: coordinate descent on the quadratic model of
//! the loss at the current point plus the elastic-net penalty, over a working set and the
//! intercept (Friedman, Hastie, Tibshirani 2010, eq. 17-18), with
//!
//! - glmnet's active-set cycling: one sweep over the working set, then sweeps over its nonzero
//!   (and unpenalized) coordinates until they settle, then a full sweep again; the solve ends
//!   when a full sweep moves no partial gradient by more than `tol`;
//! - the intercept profiled out: every coordinate move is followed by the intercept's exact
//!   response `-dl c_j^T h / sum h`, and a coordinate's curvature is that of its column
//!   centred by h, `(sum h c^2 - (c^T h)^2 / sum h) / n`. The columns are centred by the
//!   observation weights w, not by h, so without this the intercept and every column zig-zag,
//!   slowly where h varies as much as a Poisson mean does;
//! - Anderson extrapolation of the active sweeps (Bertrand and Massias 2021, "Anderson
//!   acceleration of coordinate descent", Algorithm 2): every `K + 1` sweeps over a fixed
//!   active set, the affine combination of the last `K` iterates that minimizes the norm of
//!   the combined differences is tried, and kept only if it lowers the model's objective.
//!
//! The model's residual `r - h o z` (z the change of the linear predictor) is kept as
//! `rr + o h`: the intercept's moves, and a sparse column's centring, are carried by the
//! scalar o, so they cost nothing per observation.

use super::design::HStats;
use super::problem::GlmProblem;
use crate::linalg::soft_threshold;
use crate::sparse::anderson;

/// Iterates combined by one Anderson extrapolation.
const ANDERSON_K: usize = 5;

/// Consecutive full sweeps, and active sweeps, without a new smallest move after which the
/// inner solve ends (its moves are at their rounding floor).
const STALE_FULL: usize = 3;
const STALE_ACTIVE: usize = 50;

/// The quadratic model at one point, over a working set.
pub(super) struct Model<'a> {
    pub p: &'a GlmProblem,
    /// `w_i (y_i - mu_i)` at the point.
    pub r: &'a [f64],
    /// IRLS weights at the point and their sum.
    pub h: &'a [f64],
    pub h_sum: f64,
    /// Statistics of h per feature (valid on `ws`).
    pub stats: &'a [HStats],
    pub ws: &'a [usize],
    /// `(alpha rho pf_j, alpha (1 - rho) pf_j)` per position of `ws`.
    pub lams: Vec<(f64, f64)>,
    pub max_iter: usize,
}

struct Cd<'m, 'a> {
    m: &'m Model<'a>,
    rr: Vec<f64>,
    /// Sum of rr: updated with every move, recomputed at each full sweep (an O(n) pass a sweep
    /// over a few sparse columns should not pay).
    rr_sum: f64,
    o: f64,
    curv: Vec<f64>,
    profile: bool,
    nf: f64,
}

impl Cd<'_, '_> {
    /// The intercept to its optimum for the current coefficients; returns the partial-gradient
    /// scale of the move.
    fn center(&mut self, rr_sum: f64, b0: &mut f64) -> f64 {
        let hs = self.m.h_sum;
        let d0 = (rr_sum + self.o * hs) / hs;
        *b0 += d0;
        self.o -= d0;
        hs / self.nf * d0.abs()
    }

    /// One cyclic sweep over the positions `list` of the working set; returns the largest
    /// partial-gradient change `(a_j + l2_j) |dl|` (the intercept's included).
    fn sweep(&mut self, list: &[usize], beta: &mut [f64], b0: &mut f64, exact: bool) -> f64 {
        let (p, h) = (self.m.p, self.m.h);
        if exact {
            self.rr_sum = self.rr.iter().sum();
        }
        let mut rr_sum = self.rr_sum;
        let mut dmax = 0.0f64;
        if self.profile {
            dmax = dmax.max(self.center(rr_sum, b0));
        }
        for &t in list {
            let a = self.curv[t];
            if a <= 0.0 {
                continue;
            }
            let j = self.m.ws[t];
            let (l1, l2) = self.m.lams[t];
            let st = &self.m.stats[j];
            let old = beta[j];
            let g = (p.x.dot(j, &self.rr, rr_sum) + self.o * st.hc) / self.nf;
            let new = soft_threshold(g + a * old, l1) / (a + l2);
            if new != old {
                let dl = new - old;
                self.o += p.x.sub_weighted(j, dl, h, &mut self.rr);
                rr_sum -= dl * st.hstored;
                if self.profile {
                    let d0 = -dl * st.hc / self.m.h_sum;
                    *b0 += d0;
                    self.o -= d0;
                }
                beta[j] = new;
                dmax = dmax.max((a + l2) * dl.abs());
            }
        }
        self.rr_sum = rr_sum;
        if self.profile {
            dmax = dmax.max(self.center(rr_sum, b0));
        }
        dmax
    }

    /// Anderson extrapolation from the iterates `hist` (coefficients at the positions `list`),
    /// kept only if it lowers the model's objective; returns whether it was kept.
    fn extrapolate(
        &mut self,
        list: &[usize],
        hist: &[Vec<f64>],
        beta: &mut [f64],
        b0: &mut f64,
    ) -> bool {
        let (p, h) = (self.m.p, self.m.h);
        let Some(ext) = anderson::extrapolate(hist, 0.0) else {
            return false;
        };
        // The model's change along delta = X (ext - beta): -(rr + o h)^T delta / n
        // + delta^T (h o delta) / (2n), plus the penalty's change.
        let n = self.rr.len();
        let mut delta = vec![0.0; n];
        let (mut constant, mut dpen) = (0.0, 0.0);
        for (t, &q) in list.iter().enumerate() {
            let j = self.m.ws[q];
            let (old, new) = (beta[j], ext[t]);
            if !new.is_finite() {
                return false;
            }
            if new != old {
                constant += p.x.add_col(j, new - old, &mut delta);
                let (l1, l2) = self.m.lams[q];
                dpen += l1 * (new.abs() - old.abs()) + 0.5 * l2 * (new - old) * (new + old);
            }
        }
        delta.iter_mut().for_each(|v| *v += constant);
        let mut change = 0.0;
        for i in 0..n {
            let res = self.rr[i] + self.o * h[i];
            change += delta[i] * (0.5 * h[i] * delta[i] - res);
        }
        // Kept only on a strict decrease (a NaN change is no decrease).
        if change / self.nf + dpen >= 0.0 || change.is_nan() {
            return false;
        }
        for i in 0..n {
            self.rr[i] -= h[i] * delta[i];
        }
        self.rr_sum = self.rr.iter().sum();
        for (t, &q) in list.iter().enumerate() {
            beta[self.m.ws[q]] = ext[t];
        }
        if self.profile {
            self.center(self.rr_sum, b0);
        }
        true
    }
}

impl Model<'_> {
    /// Minimize the model from (`beta`, `b0`) until a full sweep moves no partial gradient by
    /// more than `tol` or `epochs` reaches the cap; `epochs` counts every sweep.
    pub fn solve(&self, beta: &mut [f64], b0: &mut f64, tol: f64, epochs: &mut usize) {
        let nf = self.p.n() as f64;
        let profile = self.p.fit_intercept && self.h_sum > 0.0;
        let curv: Vec<f64> = self
            .ws
            .iter()
            .map(|&j| {
                let st = &self.stats[j];
                let c = if profile {
                    st.hcc - st.hc * st.hc / self.h_sum
                } else {
                    st.hcc
                };
                c.max(0.0) / nf
            })
            .collect();
        let mut cd = Cd {
            m: self,
            rr: self.r.to_vec(),
            rr_sum: 0.0,
            o: 0.0,
            curv,
            profile,
            nf,
        };
        let all: Vec<usize> = (0..self.ws.len()).collect();
        let snapshot =
            |list: &[usize], beta: &[f64]| list.iter().map(|&t| beta[self.ws[t]]).collect();
        // Sweeps that stop improving have met the rounding floor of the partial gradients (a
        // tolerance near 1e-16 of their terms cannot be met); the solve then ends there and the
        // Newton step's KKT check, not this loop, decides what was reached.
        let (mut last_full, mut stale_full) = (f64::INFINITY, 0usize);
        loop {
            let full = cd.sweep(&all, beta, b0, true);
            *epochs += 1;
            if full <= tol || *epochs >= self.max_iter {
                break;
            }
            stale_full = if full < 0.999 * last_full {
                0
            } else {
                stale_full + 1
            };
            last_full = last_full.min(full);
            if stale_full >= STALE_FULL {
                break;
            }
            let active: Vec<usize> = all
                .iter()
                .copied()
                .filter(|&t| beta[self.ws[t]] != 0.0 || self.lams[t].0 == 0.0)
                .collect();
            let mut hist: Vec<Vec<f64>> = vec![snapshot(&active, beta)];
            let (mut best, mut stale) = (f64::INFINITY, 0usize);
            loop {
                let d = cd.sweep(&active, beta, b0, false);
                *epochs += 1;
                if d <= tol || *epochs >= self.max_iter {
                    break;
                }
                stale = if d < 0.999 * best { 0 } else { stale + 1 };
                best = best.min(d);
                if stale >= STALE_ACTIVE {
                    break;
                }
                hist.push(snapshot(&active, beta));
                if hist.len() == ANDERSON_K + 1 {
                    cd.extrapolate(&active, &hist, beta, b0);
                    hist.clear();
                    hist.push(snapshot(&active, beta));
                }
            }
            if *epochs >= self.max_iter {
                break;
            }
        }
    }
}

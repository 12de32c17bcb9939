//! Proximal Newton for the penalized GLM (glmnet's IRLS outer loop with coordinate descent
//! inside; Friedman, Hastie, Tibshirani 2010, §3, eq. 17-18), with a backtracking line search on
//! the true objective (so every accepted step decreases it, which glmnet's plain IRLS does not
//! guarantee), strong-rule working sets and a KKT certificate.
//!
//! At the current linear predictor eta, the negative log-likelihood is replaced by its
//! second-order expansion with IRLS weights `h_i = w_i dmu/deta` and residuals
//! `r_i = w_i (y_i - mu_i)`; coordinate descent minimizes the expansion plus the penalty on the
//! working set (features with `pf_j = 0` and every nonzero one are always in it). As glmnet's
//! inner loop, it alternates one sweep over the whole working set with sweeps over its nonzero
//! coordinates only, until a full sweep moves no partial gradient by more than a fraction of
//! the current KKT residual, so Newton's fast local convergence is kept without solving each
//! quadratic to machine precision. The residual of the quadratic model is updated in place
//! (one pass over a column per coordinate move); the intercept's move is carried as one scalar
//! times h, so it costs nothing per observation, and the linear predictor is rebuilt once per
//! Newton step from the coefficients that moved.
//!
//! The certificate is the KKT residual on the penalized (prepared) scale: for `b_j = 0`,
//! `max(0, |g_j| - alpha rho pf_j)`; for `b_j != 0`,
//! `|g_j - alpha (1 - rho) pf_j b_j - alpha rho pf_j sign(b_j)|`, with
//! `g_j = (1/n) sum_i x_ij w_i (y_i - mu_i)`; and `|(1/n) sum_i w_i (y_i - mu_i)|` for the
//! intercept. It is reported divided by alpha. Every gradient in it is recomputed from the
//! current point (never carried from the inner loop). No duality gap is used: with an
//! unpenalized intercept (and unpenalized features) the dual feasible set requires
//! `sum_i theta_i = 0` (and `x_j^T theta = 0`) exactly, which the rescaled residual meets only to
//! rounding, so the gap would certify nothing the KKT residual does not.

use super::design::HStats;
use super::inner::Model;
use super::problem::GlmProblem;

/// Outcome of one alpha's solve.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SolveStats {
    /// KKT residual (absolute, prepared scale).
    pub kkt: f64,
    /// Coordinate-descent sweeps (over the working set or its nonzero part).
    pub epochs: usize,
    /// Newton steps.
    pub newton: usize,
    /// Whether the KKT target was met.
    pub converged: bool,
    /// Whether the line search found no decrease before the target was met.
    pub stalled: bool,
}

/// The inner solve's tolerance as a fraction of the current KKT residual (the forcing term of
/// the inexact Newton method). The first step from a warm start gains only a factor 30 or so
/// (h moves with the step), so a tighter inner solve there is wasted; 1e-2 took fewer sweeps
/// than 1e-3 and 1e-1 on the binomial and poisson paths of `docs/measurements/glm.md`.
const FORCING: f64 = 1e-2;

/// Observation-level state at one linear predictor.
#[derive(Debug, Clone, Default)]
struct Point {
    eta: Vec<f64>,
    mu: Vec<f64>,
    /// `w_i (y_i - mu_i)` and its sum.
    r: Vec<f64>,
    r_sum: f64,
    /// IRLS weights `w_i dmu/deta` and their sum.
    h: Vec<f64>,
    h_sum: f64,
    /// `(1/n) sum_i w_i loss_i`.
    loss: f64,
}

impl Point {
    fn at(p: &GlmProblem, eta: Vec<f64>) -> Self {
        let n = p.n();
        let mut pt = Point {
            eta,
            mu: vec![0.0; n],
            r: vec![0.0; n],
            h: vec![0.0; n],
            ..Point::default()
        };
        pt.evaluate(p);
        pt
    }

    /// mu, r, h and the loss from eta (one exponential per observation).
    fn evaluate(&mut self, p: &GlmProblem) {
        let (mut loss, mut r_sum, mut h_sum) = (0.0, 0.0, 0.0);
        for i in 0..self.eta.len() {
            let (l, m, v) = p.family.eval(p.y[i], self.eta[i]);
            let w = p.w[i];
            loss += w * l;
            self.mu[i] = m;
            self.r[i] = w * (p.y[i] - m);
            self.h[i] = w * v;
            r_sum += self.r[i];
            h_sum += self.h[i];
        }
        self.loss = loss / p.n() as f64;
        self.r_sum = r_sum;
        self.h_sum = h_sum;
    }
}

/// Proximal-Newton state, warm-started along a path.
pub(crate) struct Solver<'a> {
    p: &'a GlmProblem,
    rho: f64,
    max_iter: usize,
    strong_rule: bool,
    pub beta: Vec<f64>,
    pub b0: f64,
    pt: Point,
    /// `(1/n) c_j^T r`, exact for every feature after a solve's final check.
    pub grad: Vec<f64>,
    /// Statistics of h per feature, valid for the working set at the current point.
    stats: Vec<HStats>,
    prev_alpha: f64,
}

impl<'a> Solver<'a> {
    /// Start from the null model: intercept `g(ybar)` (or 0 without an intercept), every
    /// coefficient 0.
    pub fn new(
        p: &'a GlmProblem,
        rho: f64,
        max_iter: usize,
        strong_rule: bool,
    ) -> crate::Result<Self> {
        let b0 = if p.fit_intercept {
            p.family.null_eta(p.y_mean())?
        } else {
            0.0
        };
        let d = p.d();
        let mut s = Self {
            p,
            rho,
            max_iter,
            strong_rule,
            beta: vec![0.0; d],
            b0,
            pt: Point::at(p, vec![b0; p.n()]),
            grad: vec![0.0; d],
            stats: vec![HStats::default(); d],
            prev_alpha: f64::INFINITY,
        };
        s.full_grad();
        Ok(s)
    }

    /// The current means.
    pub fn mu(&self) -> &[f64] {
        &self.pt.mu
    }

    /// The current IRLS weights `w_i dmu/deta` summed, over n.
    pub fn mean_irls_weight(&self) -> f64 {
        self.pt.h_sum / self.p.n() as f64
    }

    fn full_grad(&mut self) {
        let nf = self.p.n() as f64;
        for j in 0..self.p.d() {
            self.grad[j] = if self.p.varies[j] {
                self.p.x.dot(j, &self.pt.r, self.pt.r_sum) / nf
            } else {
                0.0
            };
        }
    }

    /// Penalty weights `(alpha rho pf_j, alpha (1 - rho) pf_j)`, 0 for unpenalized features.
    #[inline]
    fn lams(&self, j: usize, alpha: f64) -> (f64, f64) {
        let pf = self.p.pf[j];
        if pf == 0.0 {
            return (0.0, 0.0);
        }
        let l1 = if self.rho == 0.0 {
            0.0
        } else {
            alpha * self.rho * pf
        };
        let l2 = if self.rho == 1.0 {
            0.0
        } else {
            alpha * (1.0 - self.rho) * pf
        };
        (l1, l2)
    }

    /// KKT violation of feature j at the current gradient.
    #[inline]
    fn kkt_j(&self, j: usize, alpha: f64) -> f64 {
        let (l1, l2) = self.lams(j, alpha);
        let (g, b) = (self.grad[j], self.beta[j]);
        if b == 0.0 {
            (g.abs() - l1).max(0.0)
        } else {
            (g - l2 * b - l1 * b.signum()).abs()
        }
    }

    fn kkt_intercept(&self) -> f64 {
        if self.p.fit_intercept {
            (self.pt.r_sum / self.p.n() as f64).abs()
        } else {
            0.0
        }
    }

    /// The objective `(1/n) sum w loss + penalty` at the current point.
    pub fn objective(&self, alpha: f64) -> f64 {
        self.pt.loss + self.p.penalty(&self.beta, alpha, self.rho)
    }

    /// The intercept and the unpenalized features at their optimum with every penalized
    /// coefficient 0 (glmnet's first point, fitted at `lambda = big`); returns the solve's
    /// statistics with an absolute KKT `target`.
    pub fn fit_unpenalized(&mut self, target: f64) -> SolveStats {
        let ws: Vec<usize> = (0..self.p.d())
            .filter(|&j| self.p.varies[j] && self.p.pf[j] == 0.0)
            .collect();
        let st = self.newton_on(&ws, 0.0, target, 0);
        self.full_grad();
        st
    }

    /// `alpha_max`: the smallest alpha at which every penalized coefficient stays 0, from the
    /// gradient at the unpenalized fit: `max_{pf_j > 0} |g_j| / pf_j / max(rho, 1e-3)`
    /// (glmnet's rule, `max(alpha, 1e-3)` in its notation).
    pub fn alpha_max(&self) -> f64 {
        let m = (0..self.p.d())
            .filter(|&j| self.p.varies[j] && self.p.pf[j] > 0.0)
            .map(|j| self.grad[j].abs() / self.p.pf[j])
            .fold(0.0f64, f64::max);
        m / self.rho.max(1e-3)
    }

    /// Solve at `alpha` to the absolute KKT `target`, warm-started from the current state.
    pub fn solve(&mut self, alpha: f64, target: f64) -> SolveStats {
        let d = self.p.d();
        let prev = if self.prev_alpha.is_finite() {
            self.prev_alpha
        } else {
            alpha
        };
        // Sequential strong rule (Tibshirani et al. 2012, eq. 6) with penalty factors.
        let mut in_ws: Vec<bool> = (0..d)
            .map(|j| {
                self.p.varies[j]
                    && (!self.strong_rule
                        || self.lams(j, alpha).0 == 0.0
                        || self.beta[j] != 0.0
                        || self.grad[j].abs() >= self.rho * self.p.pf[j] * (2.0 * alpha - prev))
            })
            .collect();
        let mut epochs = 0usize;
        let mut newton = 0usize;
        let mut stalled = false;
        let mut kkt;
        let nf = self.p.n() as f64;
        loop {
            let ws: Vec<usize> = (0..d).filter(|&j| in_ws[j]).collect();
            let st = self.newton_on(&ws, alpha, target, epochs);
            epochs = st.epochs;
            newton += st.newton;
            stalled |= st.stalled;
            // The features outside the working set, at the point the working set's gradients
            // (and the intercept's) were computed at.
            kkt = st.kkt;
            let mut added = false;
            for (j, inw) in in_ws.iter_mut().enumerate() {
                if *inw || !self.p.varies[j] {
                    continue;
                }
                self.grad[j] = self.p.x.dot(j, &self.pt.r, self.pt.r_sum) / nf;
                let v = self.kkt_j(j, alpha);
                kkt = kkt.max(v);
                if v > 0.5 * target {
                    *inw = true;
                    added = true;
                }
            }
            // A working set whose solve stalled (at its rounding floor) still takes in the
            // violators: they, not the stall, may be what the certificate is missing.
            if !added || epochs >= self.max_iter {
                break;
            }
        }
        self.prev_alpha = alpha;
        SolveStats {
            kkt,
            epochs,
            newton,
            converged: kkt <= target,
            stalled: stalled && kkt > target,
        }
    }

    /// Newton steps on the working set `ws` until its KKT residual (with the intercept's) is at
    /// most `target`, the epoch cap is reached or the line search stalls. `epochs` is the count
    /// so far (the cap is per alpha). On return the gradients of `ws` are those of the current
    /// point.
    fn newton_on(
        &mut self,
        ws: &[usize],
        alpha: f64,
        target: f64,
        mut epochs: usize,
    ) -> SolveStats {
        let nf = self.p.n() as f64;
        let mut newton = 0usize;
        let mut stalled = false;
        let mut kkt;
        let (mut best, mut stale) = (f64::INFINITY, 0usize);
        loop {
            // Exact gradients, and the quadratic model's curvatures, in one read of each column.
            for &j in ws {
                let pt = &self.pt;
                let (g, st) = self.p.x.dot_and_stats(j, &pt.r, pt.r_sum, &pt.h, pt.h_sum);
                self.grad[j] = g / nf;
                self.stats[j] = st;
            }
            kkt = ws
                .iter()
                .map(|&j| self.kkt_j(j, alpha))
                .fold(self.kkt_intercept(), f64::max);
            if kkt <= target || epochs >= self.max_iter {
                break;
            }
            // Newton steps that no longer lower the KKT residual have met its rounding floor.
            stale = if kkt < 0.999 * best { 0 } else { stale + 1 };
            best = best.min(kkt);
            if stale >= 5 {
                stalled = true;
                break;
            }
            let (beta, b0) = self.inner(ws, alpha, (FORCING * kkt).max(0.1 * target), &mut epochs);
            newton += 1;
            if !self.line_search(ws, beta, b0, alpha) {
                stalled = true;
                break;
            }
        }
        SolveStats {
            kkt,
            epochs,
            newton,
            converged: kkt <= target,
            stalled,
        }
    }

    /// The minimizer of the quadratic model at the current point over `ws` and the intercept
    /// (see [`super::inner`]), to partial-gradient moves of at most `tol`.
    fn inner(&self, ws: &[usize], alpha: f64, tol: f64, epochs: &mut usize) -> (Vec<f64>, f64) {
        let model = Model {
            p: self.p,
            r: &self.pt.r,
            h: &self.pt.h,
            h_sum: self.pt.h_sum,
            stats: &self.stats,
            ws,
            lams: ws.iter().map(|&j| self.lams(j, alpha)).collect(),
            max_iter: self.max_iter,
        };
        let mut beta = self.beta.clone();
        let mut b0 = self.b0;
        model.solve(&mut beta, &mut b0, tol, epochs);
        (beta, b0)
    }

    /// Backtracking from the full Newton step (`beta`, `b0`) to the first step length that does
    /// not increase the objective (up to the rounding of the change itself, which is summed
    /// from per-observation differences rather than taken as the difference of two objectives:
    /// near the optimum the decrease is of the order of the squared KKT residual, far below the
    /// objective's own rounding); moves there and returns true, or stays and returns false when
    /// 40 halvings found none.
    fn line_search(&mut self, ws: &[usize], beta: Vec<f64>, b0: f64, alpha: f64) -> bool {
        let p = self.p;
        let n = p.n();
        let nf = n as f64;
        // The linear predictor's change, from the coefficients that moved.
        let mut deta = vec![0.0; n];
        let mut constant = b0 - self.b0;
        let moved: Vec<usize> = ws
            .iter()
            .copied()
            .filter(|&j| beta[j] != self.beta[j])
            .collect();
        for &j in &moved {
            constant += p.x.add_col(j, beta[j] - self.beta[j], &mut deta);
        }
        deta.iter_mut().for_each(|v| *v += constant);
        let mut t = 1.0f64;
        for _ in 0..40 {
            let (mut change, mut scale) = (0.0f64, 0.0f64);
            for (i, &de) in deta.iter().enumerate() {
                let (c, s) = p
                    .family
                    .loss_change(p.y[i], self.pt.eta[i], self.pt.mu[i], t * de);
                change += p.w[i] * c;
                scale += p.w[i] * s;
            }
            let (mut change, mut scale) = (change / nf, scale / nf);
            for &j in &moved {
                let (old, new) = (self.beta[j], self.beta[j] + t * (beta[j] - self.beta[j]));
                let (l1, l2) = self.lams(j, alpha);
                let a = l1 * (new.abs() - old.abs());
                let b = 0.5 * l2 * (new - old) * (new + old);
                change += a + b;
                scale += a.abs() + b.abs();
            }
            if change.is_finite() && change <= 8.0 * f64::EPSILON * scale {
                let eta: Vec<f64> = (0..n).map(|i| self.pt.eta[i] + t * deta[i]).collect();
                if t == 1.0 {
                    self.beta = beta;
                    self.b0 = b0;
                } else {
                    for &j in &moved {
                        self.beta[j] += t * (beta[j] - self.beta[j]);
                    }
                    self.b0 += t * (b0 - self.b0);
                }
                self.pt.eta = eta;
                self.pt.evaluate(p);
                return self.pt.loss.is_finite();
            }
            t *= 0.5;
        }
        false
    }
}

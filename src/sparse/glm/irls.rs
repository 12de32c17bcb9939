//! Proximal Newton for the penalized GLM (glmnet's IRLS outer loop with coordinate descent
//! inside; Friedman, Hastie, Tibshirani 2010, §3, eq. 17-18), with a backtracking line search on
//! the true objective (so every accepted step decreases it, which glmnet's plain IRLS does not
//! guarantee), strong-rule working sets and a KKT certificate.
//!
//! At the current linear predictor eta, the negative log-likelihood is replaced by its
//! second-order expansion with IRLS weights `h_i = w_i dmu/deta` and residuals
//! `r_i = w_i (y_i - mu_i)`; coordinate descent minimizes the expansion plus the penalty on the
//! working set (features with `pf_j = 0` and every nonzero one are always in it). The inner
//! solve stops once no coordinate moves its partial gradient by more than a small fraction of
//! the current KKT residual, so Newton's fast local convergence is kept without solving each
//! quadratic to machine precision.
//!
//! The certificate is the KKT residual on the penalized (prepared) scale: for `b_j = 0`,
//! `max(0, |g_j| - alpha rho pf_j)`; for `b_j != 0`,
//! `|g_j - alpha (1 - rho) pf_j b_j - alpha rho pf_j sign(b_j)|`, with
//! `g_j = (1/n) sum_i x_ij w_i (y_i - mu_i)`; and `|(1/n) sum_i w_i (y_i - mu_i)|` for the
//! intercept. It is reported divided by alpha. No duality gap is used: with an unpenalized
//! intercept (and unpenalized features) the dual feasible set requires `sum_i theta_i = 0`
//! (and `x_j^T theta = 0`) exactly, which the rescaled residual meets only to rounding, so the
//! gap would certify nothing the KKT residual does not.

use super::problem::GlmProblem;
use crate::linalg::soft_threshold;
use crate::sparse::kernels::{axpy, dot};

/// Outcome of one alpha's solve.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SolveStats {
    /// KKT residual (absolute, prepared scale).
    pub kkt: f64,
    /// Coordinate-descent epochs.
    pub epochs: usize,
    /// Newton steps.
    pub newton: usize,
    /// Whether the KKT target was met.
    pub converged: bool,
    /// Whether the line search found no decrease before the target was met.
    pub stalled: bool,
}

/// Proximal-Newton state, warm-started along a path.
pub(crate) struct Solver<'a> {
    p: &'a GlmProblem,
    rho: f64,
    max_iter: usize,
    strong_rule: bool,
    pub beta: Vec<f64>,
    pub b0: f64,
    pub eta: Vec<f64>,
    pub mu: Vec<f64>,
    /// `w_i (y_i - mu_i)`.
    r: Vec<f64>,
    /// `(1/n) x_j^T r`, exact for every feature after a solve's final check.
    pub grad: Vec<f64>,
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
            eta: vec![b0; p.n()],
            mu: Vec::new(),
            r: Vec::new(),
            grad: vec![0.0; d],
            prev_alpha: f64::INFINITY,
        };
        s.refresh();
        s.full_grad();
        Ok(s)
    }

    /// mu and r from eta.
    fn refresh(&mut self) {
        let f = self.p.family;
        self.mu = self.eta.iter().map(|&e| f.mean(e)).collect();
        self.r = (0..self.p.n())
            .map(|i| self.p.w[i] * (self.p.y[i] - self.mu[i]))
            .collect();
    }

    fn full_grad(&mut self) {
        let nf = self.p.n() as f64;
        for j in 0..self.p.d() {
            self.grad[j] = if self.p.varies[j] {
                dot(self.p.col(j), &self.r) / nf
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
            (self.r.iter().sum::<f64>() / self.p.n() as f64).abs()
        } else {
            0.0
        }
    }

    /// The objective `(1/n) sum w loss + penalty` at the current point.
    pub fn objective(&self, alpha: f64) -> f64 {
        self.p.mean_loss(&self.eta) + self.p.penalty(&self.beta, alpha, self.rho)
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
        loop {
            let ws: Vec<usize> = (0..d).filter(|&j| in_ws[j]).collect();
            let st = self.newton_on(&ws, alpha, target, epochs);
            epochs = st.epochs;
            newton += st.newton;
            stalled |= st.stalled;
            self.full_grad();
            kkt = self.kkt_intercept();
            let mut added = false;
            for (j, inw) in in_ws.iter_mut().enumerate() {
                if !self.p.varies[j] {
                    continue;
                }
                let v = self.kkt_j(j, alpha);
                kkt = kkt.max(v);
                if !*inw && v > 0.5 * target {
                    *inw = true;
                    added = true;
                }
            }
            if !added || epochs >= self.max_iter || st.stalled {
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
    /// so far (the cap is per alpha).
    fn newton_on(
        &mut self,
        ws: &[usize],
        alpha: f64,
        target: f64,
        mut epochs: usize,
    ) -> SolveStats {
        let p = self.p;
        let (n, nf) = (p.n(), p.n() as f64);
        let mut newton = 0usize;
        let mut stalled = false;
        let mut kkt;
        loop {
            for &j in ws {
                self.grad[j] = dot(p.col(j), &self.r) / nf;
            }
            kkt = ws
                .iter()
                .map(|&j| self.kkt_j(j, alpha))
                .fold(self.kkt_intercept(), f64::max);
            if kkt <= target || epochs >= self.max_iter {
                break;
            }
            // The quadratic model at the current point.
            let h: Vec<f64> = (0..n)
                .map(|i| p.w[i] * p.family.variance(self.mu[i]))
                .collect();
            let hsum: f64 = h.iter().sum();
            let a: Vec<f64> = ws
                .iter()
                .map(|&j| {
                    let c = p.col(j);
                    (0..n).map(|i| h[i] * c[i] * c[i]).sum::<f64>() / nf
                })
                .collect();
            let mut rr = self.r.clone();
            let mut beta = self.beta.clone();
            let mut b0 = self.b0;
            let mut eta = self.eta.clone();
            let inner_tol = (1e-3 * kkt).max(0.1 * target);
            loop {
                let mut dmax = 0.0f64;
                for (t, &j) in ws.iter().enumerate() {
                    if a[t] == 0.0 {
                        continue;
                    }
                    let (l1, l2) = self.lams(j, alpha);
                    let c = p.col(j);
                    let old = beta[j];
                    let u = dot(c, &rr) / nf + a[t] * old;
                    let new = soft_threshold(u, l1) / (a[t] + l2);
                    if new != old {
                        let dl = new - old;
                        for i in 0..n {
                            rr[i] -= dl * h[i] * c[i];
                        }
                        axpy(&mut eta, dl, c);
                        beta[j] = new;
                        dmax = dmax.max((a[t] + l2) * dl.abs());
                    }
                }
                if p.fit_intercept && hsum > 0.0 {
                    let d0 = rr.iter().sum::<f64>() / hsum;
                    if d0 != 0.0 {
                        b0 += d0;
                        for i in 0..n {
                            rr[i] -= d0 * h[i];
                            eta[i] += d0;
                        }
                        dmax = dmax.max(hsum / nf * d0.abs());
                    }
                }
                epochs += 1;
                if dmax <= inner_tol || epochs >= self.max_iter {
                    break;
                }
            }
            newton += 1;
            if !self.line_search(beta, b0, eta, alpha) {
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

    /// Backtracking from the full Newton step to the first step length that does not increase
    /// the objective (up to its rounding); moves there and returns true, or stays and returns
    /// false when 40 halvings found none.
    fn line_search(&mut self, beta: Vec<f64>, b0: f64, eta: Vec<f64>, alpha: f64) -> bool {
        let p = self.p;
        let f0 = self.objective(alpha);
        let slack = 4.0 * f64::EPSILON * f0.abs().max(1e-300);
        let mut t = 1.0f64;
        for _ in 0..40 {
            let (bt, b0t, et): (Vec<f64>, f64, Vec<f64>) = if t == 1.0 {
                (beta.clone(), b0, eta.clone())
            } else {
                (
                    self.beta
                        .iter()
                        .zip(&beta)
                        .map(|(o, nw)| o + t * (nw - o))
                        .collect(),
                    self.b0 + t * (b0 - self.b0),
                    self.eta
                        .iter()
                        .zip(&eta)
                        .map(|(o, nw)| o + t * (nw - o))
                        .collect(),
                )
            };
            let f = p.mean_loss(&et) + p.penalty(&bt, alpha, self.rho);
            if f.is_finite() && f <= f0 + slack {
                self.beta = bt;
                self.b0 = b0t;
                self.eta = et;
                self.refresh();
                return true;
            }
            t *= 0.5;
        }
        false
    }
}

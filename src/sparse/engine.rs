//! The coordinate-descent engine of the elastic net (Friedman, Hastie, Tibshirani 2010, eq. 5-6),
//! on a [`Prepared`] problem, warm-started along a path.
//!
//! The solver keeps the residual `r = y - Xw` (naive mode) or the correlations
//! `X^T r = X^T y - G w` (covariance / Gram mode, chosen automatically when n >> d), runs
//! coordinate descent on a working set (sequential strong rule + ever-active features), re-checks
//! the KKT conditions of every other feature on a full pass, and stops on the duality gap in
//! scikit-learn's units (`gap <= tol * ||y||^2`, spec §2.5). While the path is sparse, the full
//! check reads no X at all: `X^T r = X^T y - G_A w_A` from the Gram columns of the (few) features
//! that were ever nonzero, each column computed once (glmnet's covariance idea applied to the
//! check only). With [`GramMode::Auto`] and `n >= 2d`, a path that turns out dense switches to
//! Gram mode between two alphas once the residual updates it expects for the rest of the grid cost
//! more than forming `X^T X` (see [`Engine::plan`]). Gap-safe screening (spec §2.4) removes provably-zero features at every gap.
//! Every [`ANDERSON_K`] epochs on a working set the iterates are extrapolated
//! ([`super::anderson`]) and the extrapolated point kept when it lowers the primal objective.
//! Once no sign on the working set has changed for a few epochs, a Newton step on the support
//! ([`Engine::try_newton`]) jumps to the minimiser of the quadratic on that orthant face, paid
//! for by the epochs it replaces.
//!
//! Performance notes: X is column-major so a coordinate touches one contiguous column; the
//! kernels use a fixed summation order (AVX2 when present, never FMA) and parallel work is split
//! by column only, so results are identical for any thread count and either kernel.

use super::anderson::Anderson;
use super::kernels::{axpy, dot};
use super::options::{GramMode, Screening, SolverOptions};
use super::prepare::Prepared;
use super::screening;
use crate::estimator::{Certificate, Diagnostics, Stop};
use crate::linalg::soft_threshold;
use nalgebra::DMatrix;
use rayon::prelude::*;

/// Epochs between Anderson extrapolations (celer's and skglm's `K`).
const ANDERSON_K: usize = 5;

/// Epochs in a row without a sign change on the working set before a Newton step on the support
/// is tried ([`Engine::try_newton`]).
const NEWTON_STABLE: usize = 5;

/// Newton steps in a row when each is cut short at a coefficient reaching zero.
const NEWTON_CHAIN: usize = 4;

/// What became of a Newton step on the support.
enum Newton {
    /// The full step: the minimiser of the face's quadratic.
    Full,
    /// Cut at the first coefficient that reached zero, which left the support.
    Cut,
    /// Not taken (no curvature to factor, or the objective did not fall).
    Rejected,
}

/// How many times faster one multiply-add runs inside the `X^T X` GEMM than inside a naive-mode
/// column update (a dot or axpy of length n streamed from memory). Measured on the 2-core
/// AVX-512 machine of `docs/measurements/peers.md`: the GEMM at 42 G multiply-adds per second on
/// one core, a column touch of the 10000 x 2000 benchmark at about 5.4 us (1.9 G/s); 16 leaves
/// a margin so a path switches only when the Gram clearly pays.
const GEMM_SPEEDUP: f64 = 16.0;

/// Largest d for which [`GramMode::Auto`] may switch to Gram mode mid-path (`X^T X` then takes
/// at most 128 MiB).
const AUTO_GRAM_MAX_D: usize = 4096;

/// Outcome of one alpha's solve.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SolveStats {
    pub gap: f64,
    pub gap_tol: f64,
    pub n_iter: usize,
    pub n_full_passes: usize,
    pub converged: bool,
}

impl SolveStats {
    /// The contract's record of this solve: epochs, whether the gap target was met, and the gap
    /// as the certificate.
    pub fn diagnostics(&self, fit_seconds: f64) -> Diagnostics {
        Diagnostics {
            iterations: self.n_iter,
            stop: if self.converged {
                Stop::Converged
            } else {
                Stop::MaxIterations
            },
            certificate: Certificate::DualityGap {
                gap: self.gap,
                target: self.gap_tol,
            },
            fit_seconds,
        }
    }
}

/// Coordinate-descent state, warm-started along a path.
pub(crate) struct Engine<'a> {
    p: &'a Prepared<'a>,
    rho: f64,
    tol: f64,
    max_iter: usize,
    screening: Screening,
    w: Vec<f64>,
    /// Residual y - Xw (naive mode only).
    r: Vec<f64>,
    /// X^T r at the current w, valid after every full check (always exact in Gram mode).
    c: Vec<f64>,
    gram: Option<Gram>,
    /// Naive mode, early path: Gram columns of the ever-nonzero features, so the KKT check is
    /// `X^T r = X^T y - G_A w_A` (O(d |A|)) instead of a full pass (O(nd)); dropped once |A|
    /// passes `min(d / 10, 64)` or 16 features enter at once: a column costs about one pass of
    /// arithmetic, so columns pay only while the path is sparse.
    cols: Option<GramCols>,
    prev_alpha: f64,
    in_ws: Vec<bool>,
    /// [`GramMode::Auto`] with `n >= 2d` and a d too large to form `X^T X` up front: the path
    /// may switch to Gram mode later ([`Engine::plan`]).
    gram_later: bool,
    /// Column touches (dots or axpys of length n, full passes counted as d) of the current
    /// solve, and of the last finished one: the cost model of [`Engine::plan`].
    work: usize,
    work_last: usize,
    /// Coordinate updates in the current epoch that changed a sign (zero counts as a sign).
    flips: usize,
}

/// `X^T x_k` for the features k in `index`, column-major d x |A| in `g`, plus `X^T y`.
struct GramCols {
    xty: Vec<f64>,
    index: Vec<usize>,
    slot: Vec<usize>,
    g: Vec<f64>,
    cap: usize,
}

struct Gram {
    g: DMatrix<f64>,
    xty: Vec<f64>,
}

impl Gram {
    /// `X^T X` from one GEMM of the lower triangle (half the multiply-adds of the full product,
    /// the same bits in every entry: each is one dot in faer's fixed summation order, whatever
    /// the thread count), mirrored.
    fn new(p: &Prepared, xty: Vec<f64>) -> Self {
        let d = p.d();
        let mut g = vec![0.0; d * d];
        crate::linalg::gram_lower(
            faer::MatMut::from_column_major_slice_mut(&mut g, d, d),
            crate::linalg::faer_view(&p.x),
            faer::Par::rayon(0),
        );
        for j in 1..d {
            for i in 0..j {
                g[i + j * d] = g[j + i * d];
            }
        }
        Self {
            g: DMatrix::from_vec(d, d, g),
            xty,
        }
    }
}

impl<'a> Engine<'a> {
    pub fn new(p: &'a Prepared<'a>, rho: f64, opts: &SolverOptions) -> Self {
        let (n, d) = (p.n(), p.d());
        let use_gram = match opts.gram {
            GramMode::Always => true,
            GramMode::Never => false,
            GramMode::Auto => n >= 2 * d && d <= 512,
        };
        let c = p.xt(&p.y);
        let gram = use_gram.then(|| Gram::new(p, c.clone()));
        let amax =
            c.iter().fold(0.0f64, |m, v| m.max(v.abs())) / (n as f64 * rho.max(f64::MIN_POSITIVE));
        Self {
            p,
            rho,
            tol: opts.tol,
            max_iter: opts.max_iter,
            screening: opts.screening,
            w: vec![0.0; d],
            r: if use_gram { Vec::new() } else { p.y.clone() },
            cols: (!use_gram && opts.screening.strong_rule && d >= 20).then(|| GramCols {
                xty: c.clone(),
                index: Vec::new(),
                slot: vec![usize::MAX; d],
                g: Vec::new(),
                cap: (d / 10).min(64),
            }),
            c,
            gram,
            prev_alpha: amax,
            in_ws: vec![false; d],
            gram_later: opts.gram == GramMode::Auto
                && !use_gram
                && n >= 2 * d
                && d <= AUTO_GRAM_MAX_D,
            work: 0,
            work_last: 0,
            flips: 0,
        }
    }

    /// Called by a path before each alpha, with the number of alphas still to solve (this one
    /// included). Under [`GramMode::Auto`] with `n >= 2d`, switch to Gram mode when the last
    /// solve's column touches, repeated for every remaining alpha, cost more than forming
    /// `X^T X` (`d^2 / 2` touches' worth of multiply-adds at [`GEMM_SPEEDUP`]): later alphas
    /// on a path cost at least as much as earlier ones, so this underestimates what the switch
    /// saves. Dense paths (the 10000 x 2000 benchmarks, 1200 nonzeros at the end) switch after
    /// a few alphas; short or sparse paths never form the Gram.
    pub fn plan(&mut self, alphas_left: usize) {
        if !self.gram_later || self.gram.is_some() {
            return;
        }
        let d = self.w.len() as f64;
        if self.work_last as f64 * alphas_left as f64 * GEMM_SPEEDUP > 0.5 * d * d {
            let g = Gram::new(self.p, self.p.xt(&self.p.y));
            self.gram = Some(g);
            self.r = Vec::new();
            self.cols = None;
            // X^T r from the Gram, exactly as every later full check computes it.
            self.full_pass();
        }
    }

    pub fn w(&self) -> &[f64] {
        &self.w
    }

    pub fn used_gram(&self) -> bool {
        self.gram.is_some()
    }

    /// Residual sum of squares of the current w (prepared problem).
    pub fn rss(&self) -> f64 {
        self.rr_ry().0
    }

    /// `max_j |x_j^T r|` at the current w (before any solve: `n rho alpha_max`).
    pub fn max_abs_corr(&self) -> f64 {
        self.c.iter().fold(0.0f64, |m, v| m.max(v.abs()))
    }

    /// Residual sum of squares and r.y for the current w.
    fn rr_ry(&self) -> (f64, f64) {
        match &self.gram {
            None => (dot(&self.r, &self.r), dot(&self.r, &self.p.y)),
            Some(g) => {
                let wxty = dot(&self.w, &g.xty);
                let wc = dot(&self.w, &self.c);
                (self.p.yy - wxty - wc, self.p.yy - wxty)
            }
        }
    }

    /// Recompute X^T r for every feature (a full pass in naive mode; exact refresh in Gram mode).
    /// Returns the number of passes over X it made (0 when Gram columns sufficed).
    fn full_pass(&mut self) -> usize {
        if self.gram.is_none()
            && self.cols.is_some()
            && let Some(passes) = self.covariance_check()
        {
            return passes;
        }
        match &self.gram {
            None => {
                self.c = self.p.xt(&self.r);
                self.work += self.w.len();
            }
            Some(g) => {
                let d = self.w.len();
                let mut c = g.xty.clone();
                for (k, &wk) in self.w.iter().enumerate() {
                    if wk != 0.0 {
                        axpy(&mut c, -wk, &g.g.as_slice()[k * d..(k + 1) * d]);
                    }
                }
                self.c = c;
            }
        }
        usize::from(self.gram.is_none())
    }

    /// The KKT-check correlations from Gram columns: compute the missing columns of the nonzero
    /// features in one pass over X (parallel over rows of X^T X_new, each entry one
    /// deterministic dot), then `c = X^T y - G_A w_A`. Returns false (and drops the columns) when
    /// the active set has outgrown the cap; the caller then makes a plain full pass.
    fn covariance_check(&mut self) -> Option<usize> {
        let cols = self.cols.as_mut()?;
        let new: Vec<usize> = (0..self.w.len())
            .filter(|&j| self.w[j] != 0.0 && cols.slot[j] == usize::MAX)
            .collect();
        if cols.index.len() + new.len() > cols.cap || new.len() > 16 {
            self.cols = None;
            return None;
        }
        let d = self.w.len();
        self.work += d * new.len();
        if !new.is_empty() {
            let p = self.p;
            let mut block = vec![0.0; d * new.len()];
            // Row j of X^T X_new: x_j is read once for all new columns.
            let rows: Vec<Vec<f64>> = (0..d)
                .into_par_iter()
                .map(|j| new.iter().map(|&k| dot(p.col(j), p.col(k))).collect())
                .collect();
            for (j, row) in rows.iter().enumerate() {
                for (t, v) in row.iter().enumerate() {
                    block[t * d + j] = *v;
                }
            }
            for &k in &new {
                cols.slot[k] = cols.index.len();
                cols.index.push(k);
            }
            cols.g.extend_from_slice(&block);
        }
        let mut c = cols.xty.clone();
        for (t, &k) in cols.index.iter().enumerate() {
            let wk = self.w[k];
            if wk != 0.0 {
                axpy(&mut c, -wk, &cols.g[t * d..(t + 1) * d]);
            }
        }
        self.c = c;
        Some(usize::from(!new.is_empty()))
    }

    /// Coordinate update of feature j; returns |Δw_j|.
    #[inline]
    fn update(&mut self, j: usize, lam1: f64, lam2: f64) -> f64 {
        let sq = self.p.col_sq[j];
        if sq == 0.0 {
            return 0.0;
        }
        let wj = self.w[j];
        let grad = match &self.gram {
            None => dot(self.p.col(j), &self.r),
            Some(_) => self.c[j],
        };
        let new = soft_threshold(grad + sq * wj, lam1) / (sq + lam2);
        if new.signum() != wj.signum() || (new == 0.0) != (wj == 0.0) {
            self.flips += 1;
        }
        if new != wj {
            let delta = wj - new;
            match &self.gram {
                None => axpy(&mut self.r, delta, self.p.col(j)),
                Some(g) => {
                    let d = self.w.len();
                    axpy(&mut self.c, delta, &g.g.as_slice()[j * d..(j + 1) * d]);
                }
            }
            self.w[j] = new;
        }
        (new - wj).abs()
    }

    /// Set a screened-out feature to zero (it is zero at the optimum), keeping r / c consistent.
    fn zero_feature(&mut self, j: usize) {
        self.set_coef(j, 0.0);
    }

    /// Set `w_j = v`, keeping r (naive mode) or c (Gram mode) consistent.
    fn set_coef(&mut self, j: usize, v: f64) {
        let delta = self.w[j] - v;
        if delta != 0.0 {
            match &self.gram {
                None => axpy(&mut self.r, delta, self.p.col(j)),
                Some(g) => {
                    let d = self.w.len();
                    axpy(&mut self.c, delta, &g.g.as_slice()[j * d..(j + 1) * d]);
                }
            }
            self.w[j] = v;
        }
    }

    /// Primal objective `||r||^2 / 2 + lam1 ||w||_1 + lam2 ||w||^2 / 2` of the prepared problem.
    fn primal(&self, lam1: f64, lam2: f64) -> f64 {
        let l1: f64 = self.w.iter().map(|v| v.abs()).sum();
        0.5 * self.rr_ry().0 + lam1 * l1 + 0.5 * lam2 * dot(&self.w, &self.w)
    }

    /// Move the working set to the extrapolated point `wa` if that lowers the primal objective;
    /// otherwise restore the state exactly (saved, not recomputed, so a rejected step leaves no
    /// rounding behind). Features outside the working set are zero and stay so.
    fn try_extrapolation(&mut self, ws: &[usize], wa: &[f64], lam1: f64, lam2: f64) -> bool {
        let before = self.primal(lam1, lam2);
        let saved_w: Vec<f64> = ws.iter().map(|&j| self.w[j]).collect();
        let saved = match &self.gram {
            None => self.r.clone(),
            Some(_) => self.c.clone(),
        };
        for (&j, &v) in ws.iter().zip(wa) {
            self.set_coef(j, v);
        }
        if self.primal(lam1, lam2) < before {
            return true;
        }
        for (&j, &v) in ws.iter().zip(&saved_w) {
            self.w[j] = v;
        }
        match &self.gram {
            None => self.r = saved,
            Some(_) => self.c = saved,
        }
        false
    }

    /// Multiply-adds of a Newton step on `m` nonzeros ([`Engine::try_newton`]): the m x m
    /// Hessian (from X in naive mode, gathered in Gram mode), its Cholesky factor, the gradient.
    fn newton_cost(&self, m: usize) -> usize {
        let factor = m * m * m / 6 + m * m;
        match &self.gram {
            None => self.p.n() * m * (m + 3) / 2 + factor,
            Some(_) => factor,
        }
    }

    /// Newton step on the support. The elastic-net objective is quadratic on each orthant face:
    /// with the signs `s` of the nonzero coefficients `A` fixed, its minimiser solves
    /// `(X_A^T X_A + lam2 I) w_A = X_A^T y - lam1 s` (the piecewise-linear path of LARS / the
    /// KKT conditions of FHT 2010 eq. 5). Coordinate descent finds the face quickly and then
    /// creeps along it at the rate of the face's conditioning, which at small alpha (p >> n,
    /// correlated columns) takes thousands of epochs; one solve lands on the face's minimiser.
    /// The step `w_A += H^{-1} (X_A^T r - lam2 w_A - lam1 s)` is kept only when no sign changes
    /// and the primal objective drops (the test of [`Engine::try_extrapolation`]); the full
    /// duality gap still certifies the answer. The factor is the textbook Cholesky
    /// ([`crate::linalg::cholesky_lower_row_major`]), sequential, so the result does not depend on
    /// the thread count.
    fn try_newton(&mut self, ws: &[usize], lam1: f64, lam2: f64) -> Newton {
        let act: Vec<usize> = ws.iter().copied().filter(|&j| self.w[j] != 0.0).collect();
        let m = act.len();
        if m == 0 {
            return Newton::Rejected;
        }
        self.work += self.newton_cost(m).div_ceil(self.p.n().max(1));
        let mut h = vec![0.0; m * m];
        for a in 0..m {
            for b in 0..=a {
                h[a * m + b] = match &self.gram {
                    Some(g) => g.g[(act[a], act[b])],
                    None => dot(self.p.col(act[a]), self.p.col(act[b])),
                };
            }
            h[a * m + a] += lam2;
        }
        // With more nonzeros than the rank of X_A (p >> n, on the way to the support) the face
        // is flat in some directions: a ridge of 1e-9 of the mean curvature makes the step a
        // long one along them, cut at the first coefficient that reaches zero below.
        let l = match crate::linalg::cholesky_lower_row_major(&h, m) {
            Some(l) => l,
            None => {
                let ridge = 1e-9 * (0..m).map(|a| h[a * m + a]).sum::<f64>() / m as f64;
                for a in 0..m {
                    h[a * m + a] += ridge;
                }
                let Some(l) = crate::linalg::cholesky_lower_row_major(&h, m) else {
                    return Newton::Rejected;
                };
                l
            }
        };
        // Gradient of the face's objective at the current point, then L L^T step = gradient.
        let mut step: Vec<f64> = act
            .iter()
            .map(|&j| {
                let xtr = match &self.gram {
                    Some(_) => self.c[j],
                    None => dot(self.p.col(j), &self.r),
                };
                xtr - lam2 * self.w[j] - lam1 * self.w[j].signum()
            })
            .collect();
        for i in 0..m {
            let mut v = step[i];
            for k in 0..i {
                v -= l[i * m + k] * step[k];
            }
            step[i] = v / l[i * m + i];
        }
        for i in (0..m).rev() {
            let mut v = step[i];
            for k in i + 1..m {
                v -= l[k * m + i] * step[k];
            }
            step[i] = v / l[i * m + i];
        }
        // Along the step the face's objective is a convex quadratic, least at t = 1, so it falls
        // all the way to the first coefficient that reaches zero: stop there (that coefficient
        // leaves the support, as in the LARS-lasso modification) rather than change a sign.
        let mut t_max = 1.0f64;
        let mut first = usize::MAX;
        for (i, &j) in act.iter().enumerate() {
            if !step[i].is_finite() {
                return Newton::Rejected;
            }
            if self.w[j] * step[i] < 0.0 {
                let t = -self.w[j] / step[i];
                if t < t_max {
                    (t_max, first) = (t, i);
                }
            }
        }
        let mut wa: Vec<f64> = ws.iter().map(|&j| self.w[j]).collect();
        let mut i = 0;
        for (slot, &j) in ws.iter().enumerate() {
            if i < m && act[i] == j {
                wa[slot] = if i == first {
                    0.0
                } else {
                    let v = self.w[j] + t_max * step[i];
                    // Rounding must not flip a sign the step keeps.
                    if v.signum() == self.w[j].signum() {
                        v
                    } else {
                        0.0
                    }
                };
                i += 1;
            }
        }
        match (
            self.try_extrapolation(ws, &wa, lam1, lam2),
            first == usize::MAX,
        ) {
            (false, _) => Newton::Rejected,
            (true, true) => Newton::Full,
            (true, false) => Newton::Cut,
        }
    }

    /// Duality gap using correlations `c` over the feature set `set` (all features if None).
    fn gap(&self, lam1: f64, lam2: f64, set: Option<&[usize]>) -> (f64, f64) {
        let (rr, ry) = self.rr_ry();
        let dual_norm = if lam1 == 0.0 {
            match set {
                None => dot(&self.c, &self.c).sqrt(),
                Some(s) => s.iter().map(|&j| self.c[j] * self.c[j]).sum::<f64>().sqrt(),
            }
        } else {
            match set {
                None => screening::dual_norm(&self.c, &self.w, lam2, 0..self.w.len()),
                Some(s) => screening::dual_norm(&self.c, &self.w, lam2, s.iter().copied()),
            }
        };
        let l1: f64 = self.w.iter().map(|v| v.abs()).sum();
        let w2 = dot(&self.w, &self.w);
        (
            screening::duality_gap(rr, ry, dual_norm, l1, w2, lam1, lam2),
            dual_norm,
        )
    }

    /// Solve at `alpha`, warm-started from the current state.
    pub fn solve(&mut self, alpha: f64) -> SolveStats {
        let d = self.w.len();
        let nf = self.p.n() as f64;
        let lam1 = nf * alpha * self.rho;
        let lam2 = nf * alpha * (1.0 - self.rho);
        let target = self.tol * self.p.yy;
        let mut n_iter = 0usize;
        let mut passes = 0usize;
        let mut discarded = vec![false; d];
        let safe = self.screening.gap_safe && lam1 > 0.0;

        // c is X^T r for the warm start (kept valid by the previous solve's last full pass).
        // At w = 0 with every |x_j^T y| <= lam1 (alpha >= alpha_max, up to the rounding of
        // alpha_max = max|x_j^T y| / (n rho) itself) zero is the exact answer.
        if lam1 > 0.0
            && self.w.iter().all(|&v| v == 0.0)
            && self.max_abs_corr() <= lam1 * (1.0 + 1e-12)
        {
            self.prev_alpha = alpha;
            self.work_last = std::mem::take(&mut self.work);
            let gap = self.gap(lam1, lam2, None).0;
            return SolveStats {
                gap,
                gap_tol: target,
                n_iter: 0,
                n_full_passes: 0,
                converged: gap <= target,
            };
        }
        if safe {
            let (g0, dn) = self.gap(lam1, lam2, None);
            self.screen(&mut discarded, g0, dn, lam1, lam2);
        }
        let mut ws: Vec<usize> = if self.screening.strong_rule && lam1 > 0.0 {
            (0..d)
                .filter(|&j| {
                    !discarded[j]
                        && self.p.col_sq[j] > 0.0
                        && (self.w[j] != 0.0
                            || screening::strong_rule_keeps(
                                self.c[j] / nf,
                                self.rho,
                                alpha,
                                self.prev_alpha,
                            ))
                })
                .collect()
        } else {
            (0..d)
                .filter(|&j| !discarded[j] && self.p.col_sq[j] > 0.0)
                .collect()
        };
        self.in_ws.iter_mut().for_each(|v| *v = false);
        ws.iter().for_each(|&j| self.in_ws[j] = true);
        let mut gap;
        let mut converged = false;
        loop {
            // Coordinate descent on the working set until its sub-problem meets the target. The
            // sub-problem gap costs |ws| dots and nearly always passes once the cheap test does,
            // so it is worth computing only when the full check costs much more (|ws| << d).
            let full_check_cheap = ws.len() * 16 > d || self.gram.is_some() || self.cols.is_some();
            let mut accel = Anderson::new(ANDERSON_K);
            // Newton steps are paid for by the epochs since the last one (multiply-adds), so
            // they add at most as much work as the epochs they aim to save.
            let (mut stable, mut since_newton) = (0usize, 0usize);
            let epoch_cost = ws.len() * self.gram.as_ref().map_or(self.p.n(), |_| d);
            while n_iter < self.max_iter && !ws.is_empty() {
                let (mut dw_max, mut w_max) = (0.0f64, 0.0f64);
                self.flips = 0;
                for &j in &ws {
                    let dw = self.update(j, lam1, lam2);
                    dw_max = dw_max.max(dw);
                    w_max = w_max.max(self.w[j].abs());
                }
                n_iter += 1;
                self.work += ws.len();
                stable = if self.flips == 0 { stable + 1 } else { 0 };
                since_newton += epoch_cost;
                if stable >= NEWTON_STABLE && dw_max > self.tol * w_max {
                    let m = ws.iter().filter(|&&j| self.w[j] != 0.0).count();
                    if self.newton_cost(m) <= 2 * since_newton {
                        since_newton = 0;
                        // A step cut short drops one coefficient from the support; the next
                        // step (up to NEWTON_CHAIN in all) solves on the smaller face.
                        let mut kept = false;
                        for _ in 0..NEWTON_CHAIN {
                            match self.try_newton(&ws, lam1, lam2) {
                                Newton::Rejected => break,
                                Newton::Full => {
                                    kept = true;
                                    break;
                                }
                                Newton::Cut => kept = true,
                            }
                        }
                        if kept {
                            accel = Anderson::new(ANDERSON_K);
                            continue;
                        }
                    }
                }
                if let Some(wa) = accel.push(ws.iter().map(|&j| self.w[j]).collect()) {
                    self.try_extrapolation(&ws, &wa, lam1, lam2);
                }
                // scikit-learn's cheap test before any gap computation.
                if w_max == 0.0 || dw_max <= self.tol * w_max || n_iter.is_multiple_of(10) {
                    if full_check_cheap {
                        break;
                    }
                    for &j in &ws {
                        self.c[j] = dot(self.p.col(j), &self.r);
                    }
                    self.work += ws.len();
                    if self.gap(lam1, lam2, Some(&ws)).0 <= target {
                        break;
                    }
                }
            }
            passes += self.full_pass();
            let dn;
            (gap, dn) = self.gap(lam1, lam2, None);
            let before = ws.len();
            let violators: Vec<usize> = (0..d)
                .filter(|&j| {
                    !self.in_ws[j]
                        && !discarded[j]
                        && self.p.col_sq[j] > 0.0
                        && self.c[j].abs() > lam1
                })
                .collect();
            for j in violators {
                ws.push(j);
                self.in_ws[j] = true;
            }
            if ws.len() > before {
                ws.sort_unstable();
                if n_iter < self.max_iter {
                    continue;
                }
            }
            if gap <= target && ws.len() == before {
                converged = true;
                break;
            }
            if n_iter >= self.max_iter {
                break;
            }
            if safe && self.screen(&mut discarded, gap, dn, lam1, lam2) {
                ws.retain(|&j| !discarded[j]);
                for (inw, &gone) in self.in_ws.iter_mut().zip(discarded.iter()) {
                    if gone {
                        *inw = false;
                    }
                }
            }
            if ws.is_empty() {
                // Nothing left to move: w = 0 on the survivors is the answer; the gap says so.
                passes += self.full_pass();
                gap = self.gap(lam1, lam2, None).0;
                converged = gap <= target;
                break;
            }
        }
        self.prev_alpha = alpha;
        self.work_last = std::mem::take(&mut self.work);
        SolveStats {
            gap,
            gap_tol: target,
            n_iter,
            n_full_passes: passes,
            converged,
        }
    }

    /// Gap-safe sphere test: mark features that are provably zero at the optimum and set them
    /// to zero. All tests use the same dual point, so they are made before any feature moves.
    fn screen(
        &mut self,
        discarded: &mut [bool],
        gap: f64,
        dual_norm: f64,
        lam1: f64,
        lam2: f64,
    ) -> bool {
        let radius = (2.0 * gap.max(0.0)).sqrt() / lam1;
        let scale = lam1.max(dual_norm);
        let newly: Vec<usize> = (0..self.w.len())
            .filter(|&j| {
                !discarded[j]
                    && screening::gap_safe_discard(
                        self.c[j] - lam2 * self.w[j],
                        scale,
                        self.p.col_sq[j] + lam2,
                        radius,
                    )
            })
            .collect();
        for &j in &newly {
            discarded[j] = true;
            self.zero_feature(j);
        }
        !newly.is_empty()
    }
}

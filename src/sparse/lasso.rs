//! Elastic net / Lasso by cyclic coordinate descent (Friedman, Hastie, Tibshirani 2010, eq. 5-6).
//!
//! Objective (scikit-learn's scaling, spec §2.1):
//! `(1/2n)||y - Xw - b||^2 + alpha*rho*||w||_1 + alpha*(1-rho)/2*||w||^2`.
//!
//! Internally every fit works on a *prepared* problem: rows weighted by `sqrt(w_i)` (weights
//! rescaled to sum to n, as glmnet and scikit-learn do), columns centred by their weighted mean
//! when an intercept is fitted and divided by their population (1/n) standard deviation when
//! `standardize` is on (glmnet's convention). Coefficients are always returned on the original
//! scale. The solver keeps the residual `r = y - Xw` (naive mode) or the correlations
//! `X^T r = X^T y - G w` (covariance / Gram mode, chosen automatically when n >> d), runs
//! coordinate descent on a working set (sequential strong rule + ever-active features), re-checks
//! the KKT conditions of every other feature on a full pass, and stops on the duality gap in
//! scikit-learn's units (`gap <= tol * ||y||^2`, spec §2.5). While the path is sparse, the full
//! check reads no X at all: `X^T r = X^T y - G_A w_A` from the Gram columns of the (few) features
//! that were ever nonzero, each column computed once (glmnet's covariance idea applied to the
//! check only). Gap-safe screening (spec §2.4) removes provably-zero features at every gap.
//!
//! Performance notes: X is column-major so a coordinate touches one contiguous column; the
//! kernels use a fixed summation order (AVX2 when present, never FMA) and parallel work is split
//! by column only, so results are identical for any thread count and either kernel.

use super::screening;
use crate::error::{Error, Result, check};
use crate::linalg::soft_threshold;
use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;

/// When to use covariance (Gram) mode, where coordinate updates cost O(d) instead of O(n).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GramMode {
    /// Gram mode when `n >= 2d` and `d <= 512` (forming `X^T X` costs `n d^2`, which pays off
    /// only when d is modest; glmnet uses covariance mode for `p < 500`).
    #[default]
    Auto,
    /// Always keep the residual (naive mode).
    Never,
    /// Always precompute `X^T X`.
    Always,
}

/// Which screening rules the solver applies. Both are exact in the end: the strong rule is
/// followed by a KKT re-check on all features, and the gap-safe rule only discards features that
/// are provably zero at the optimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Screening {
    /// Sequential strong rule (Tibshirani et al. 2012) to pick the working set, plus KKT re-check.
    pub strong_rule: bool,
    /// Gap-safe sphere test (Fercoq, Gramfort, Salmon 2015; Ndiaye et al. 2017).
    pub gap_safe: bool,
}

impl Screening {
    /// Strong rule and gap-safe rule (the default).
    pub fn all() -> Self {
        Self {
            strong_rule: true,
            gap_safe: true,
        }
    }
    /// Plain cyclic coordinate descent over every feature: the reference the rules must match.
    pub fn none() -> Self {
        Self {
            strong_rule: false,
            gap_safe: false,
        }
    }
}

impl Default for Screening {
    fn default() -> Self {
        Self::all()
    }
}

/// Options shared by single fits, paths and cross-validation.
#[derive(Debug, Clone)]
pub struct SolverOptions {
    /// Fit an unpenalized intercept (centre X and y). Default true.
    pub fit_intercept: bool,
    /// Divide columns by their population (1/n, weighted) standard deviation before fitting, as
    /// glmnet's `standardize=TRUE`; coefficients are back-transformed. Default false
    /// (scikit-learn). Note the scaling trap of spec §2.1: on scikit-learn's diabetes data
    /// (unit-l2 columns) glmnet's standardized lambda_max is `2.148 * sqrt(442)`.
    pub standardize: bool,
    /// Duality-gap tolerance in scikit-learn's units: stop when `gap <= tol * ||y_c||^2`
    /// (y centred, and weighted, as fitted). Default 1e-4.
    pub tol: f64,
    /// Maximum coordinate-descent epochs per alpha. Default 10 000.
    pub max_iter: usize,
    /// Screening rules. Default: all.
    pub screening: Screening,
    /// Covariance mode choice. Default: automatic.
    pub gram: GramMode,
    /// Observation weights (non-negative, not all zero); rescaled to sum to n.
    pub weights: Option<DVector<f64>>,
}

impl Default for SolverOptions {
    fn default() -> Self {
        Self {
            fit_intercept: true,
            standardize: false,
            tol: 1e-4,
            max_iter: 10_000,
            screening: Screening::all(),
            gram: GramMode::Auto,
            weights: None,
        }
    }
}

impl SolverOptions {
    pub(crate) fn validate(&self, n: usize) -> Result<()> {
        check::positive("tol", self.tol)?;
        check::at_least("max_iter", self.max_iter, 1)?;
        if let Some(w) = &self.weights {
            if w.len() != n {
                return Err(Error::DimensionMismatch {
                    what: "observation weights",
                    expected: n,
                    got: w.len(),
                });
            }
            check::all_finite("weights", w.as_slice())?;
            if let Some(i) = w.iter().position(|&v| v < 0.0) {
                return Err(Error::param(
                    "weights",
                    format!("{} at index {i}", w[i]),
                    "weights must be >= 0",
                ));
            }
            if w.sum() <= 0.0 {
                return Err(Error::param(
                    "weights",
                    "all zero",
                    "at least one weight must be > 0",
                ));
            }
        }
        Ok(())
    }
}

/// Builder methods for the [`SolverOptions`] held in a params struct's `options` field.
macro_rules! option_builders {
    () => {
        /// Fit an intercept (default true).
        pub fn fit_intercept(mut self, v: bool) -> Self {
            self.options.fit_intercept = v;
            self
        }
        /// Standardize columns by their population SD (glmnet); default false.
        pub fn standardize(mut self, v: bool) -> Self {
            self.options.standardize = v;
            self
        }
        /// Duality-gap tolerance, relative to `||y||^2` (scikit-learn units); default 1e-4.
        pub fn tol(mut self, v: f64) -> Self {
            self.options.tol = v;
            self
        }
        /// Maximum epochs per alpha; default 10 000.
        pub fn max_iter(mut self, v: usize) -> Self {
            self.options.max_iter = v;
            self
        }
        /// Screening rules; default [`Screening::all`].
        pub fn screening(mut self, v: $crate::sparse::lasso::Screening) -> Self {
            self.options.screening = v;
            self
        }
        /// Covariance-mode choice; default [`GramMode::Auto`](crate::sparse::GramMode).
        pub fn gram(mut self, v: $crate::sparse::lasso::GramMode) -> Self {
            self.options.gram = v;
            self
        }
        /// Observation weights (rescaled to sum to n).
        pub fn weights(mut self, w: nalgebra::DVector<f64>) -> Self {
            self.options.weights = Some(w);
            self
        }
    };
}
pub(crate) use option_builders;

/// Elastic-net parameters: `alpha`, `l1_ratio` (rho) and the solver options.
///
/// ```
/// use nalgebra::{DMatrix, DVector};
/// use veristat::sparse::{ElasticNet, Lasso};
/// let x = DMatrix::from_fn(50, 3, |i, j| ((i * 7 + j * 3) % 11) as f64);
/// let y = DVector::from_fn(50, |i, _| 2.0 * x[(i, 0)] - x[(i, 2)] + 1.0);
/// let fit = Lasso::new(0.01).tol(1e-10).fit(&x, &y).unwrap();
/// assert!(fit.duality_gap <= fit.gap_tol);
/// let enet = ElasticNet::new(0.01, 0.5).standardize(true).fit(&x, &y).unwrap();
/// assert_eq!(enet.coef.len(), 3);
/// ```
#[derive(Debug, Clone)]
pub struct ElasticNet {
    /// Overall penalty strength alpha > 0.
    pub alpha: f64,
    /// Mixing rho in [0, 1]: 1 is the Lasso, 0 is ridge.
    pub l1_ratio: f64,
    /// Solver options.
    pub options: SolverOptions,
}

/// The Lasso: an [`ElasticNet`] with `l1_ratio = 1`.
pub struct Lasso;

impl Lasso {
    /// Lasso parameters with penalty `alpha` (scikit-learn's `Lasso(alpha)`).
    #[allow(clippy::new_ret_no_self)]
    pub fn new(alpha: f64) -> ElasticNet {
        ElasticNet::new(alpha, 1.0)
    }
}

impl ElasticNet {
    /// Elastic-net parameters (scikit-learn's `ElasticNet(alpha, l1_ratio)`).
    pub fn new(alpha: f64, l1_ratio: f64) -> Self {
        Self {
            alpha,
            l1_ratio,
            options: SolverOptions::default(),
        }
    }

    option_builders!();

    /// Check `alpha > 0` and `l1_ratio` in [0, 1].
    pub fn validate(&self) -> Result<()> {
        check::positive("alpha", self.alpha)?;
        check::in_closed("l1_ratio", self.l1_ratio, 0.0, 1.0)?;
        check::positive("tol", self.options.tol)?;
        Ok(())
    }

    /// Fit on an n x d design and a response of length n.
    pub fn fit(&self, x: &DMatrix<f64>, y: &DVector<f64>) -> Result<EnetFit> {
        self.validate()?;
        let prep = Prepared::new(x, y, &self.options)?;
        let mut engine = Engine::new(&prep, self.l1_ratio, &self.options);
        let st = engine.solve(self.alpha);
        Ok(prep.fit_from(
            engine.w(),
            self.alpha,
            self.l1_ratio,
            &st,
            engine.used_gram(),
        ))
    }
}

/// A fitted elastic net with its optimality certificate.
#[derive(Debug, Clone)]
pub struct EnetFit {
    /// Coefficients on the original scale of X.
    pub coef: DVector<f64>,
    /// Intercept on the original scale (0 when no intercept was fitted).
    pub intercept: f64,
    /// Penalty alpha.
    pub alpha: f64,
    /// Mixing rho.
    pub l1_ratio: f64,
    /// Duality gap of the returned solution in scikit-learn's units (unnormalized objective
    /// `n * P(w)` of the prepared problem).
    pub duality_gap: f64,
    /// The gap target `tol * ||y_c||^2`.
    pub gap_tol: f64,
    /// Coordinate-descent epochs (over the working set).
    pub n_iter: usize,
    /// Passes over X made by the KKT/gap checks (0 when Gram columns or Gram mode served them).
    pub n_full_passes: usize,
    /// Whether the gap target was met within `max_iter` epochs.
    pub converged: bool,
    /// Whether covariance (Gram) mode was used.
    pub used_gram: bool,
}

impl EnetFit {
    /// Predictions `X coef + intercept`.
    pub fn predict(&self, x: &DMatrix<f64>) -> Result<DVector<f64>> {
        if x.ncols() != self.coef.len() {
            return Err(Error::DimensionMismatch {
                what: "design columns",
                expected: self.coef.len(),
                got: x.ncols(),
            });
        }
        Ok(x * &self.coef + DVector::from_element(x.nrows(), self.intercept))
    }
}

/// The problem as the solver sees it: weighted, centred and (optionally) scaled copy of X and y.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub x: DMatrix<f64>,
    pub y: Vec<f64>,
    pub x_offset: Vec<f64>,
    pub x_scale: Vec<f64>,
    pub y_offset: f64,
    pub col_sq: Vec<f64>,
    pub yy: f64,
}

impl Prepared {
    pub fn new(x: &DMatrix<f64>, y: &DVector<f64>, opts: &SolverOptions) -> Result<Self> {
        let (n, d) = x.shape();
        if n == 0 || d == 0 {
            return Err(Error::InvalidData(format!(
                "design is {n} x {d}; need at least one row and one column"
            )));
        }
        if y.len() != n {
            return Err(Error::DimensionMismatch {
                what: "response length",
                expected: n,
                got: y.len(),
            });
        }
        opts.validate(n)?;
        if let Some(pos) = x.iter().position(|v| !v.is_finite()) {
            return Err(Error::param(
                "x",
                format!("{} at row {}, column {}", x[pos], pos % n, pos / n),
                "entries must be finite",
            ));
        }
        check::all_finite("y", y.as_slice())?;
        let nf = n as f64;
        // Weights rescaled to sum to n (glmnet, scikit-learn), so the objective keeps its 1/(2n).
        let wn: Option<Vec<f64>> = opts.weights.as_ref().map(|w| {
            let s = w.sum();
            w.iter().map(|&v| v * nf / s).collect()
        });
        let wt = |i: usize| wn.as_ref().map_or(1.0, |w| w[i]);
        let y_offset = if opts.fit_intercept {
            (0..n).map(|i| wt(i) * y[i]).sum::<f64>() / nf
        } else {
            0.0
        };
        let mut xs = x.clone();
        let mut x_offset = vec![0.0; d];
        let mut x_scale = vec![1.0; d];
        let sqw: Option<Vec<f64>> = wn.as_ref().map(|w| w.iter().map(|v| v.sqrt()).collect());
        xs.as_mut_slice()
            .par_chunks_mut(n)
            .zip(x_offset.par_iter_mut())
            .zip(x_scale.par_iter_mut())
            .for_each(|((col, off), sc)| {
                if opts.fit_intercept {
                    *off = col.iter().enumerate().map(|(i, v)| wt(i) * v).sum::<f64>() / nf;
                }
                if opts.standardize {
                    let ms = col
                        .iter()
                        .enumerate()
                        .map(|(i, v)| wt(i) * (v - *off).powi(2))
                        .sum::<f64>()
                        / nf;
                    let sd = ms.sqrt();
                    // A constant column keeps scale 1: its coefficient is 0 whatever the scale.
                    *sc = if sd > 0.0 { sd } else { 1.0 };
                }
                let (o, s) = (*off, *sc);
                match &sqw {
                    Some(q) => col
                        .iter_mut()
                        .zip(q)
                        .for_each(|(v, qi)| *v = qi * (*v - o) / s),
                    None => col.iter_mut().for_each(|v| *v = (*v - o) / s),
                }
            });
        let yv: Vec<f64> = (0..n)
            .map(|i| sqw.as_ref().map_or(1.0, |q| q[i]) * (y[i] - y_offset))
            .collect();
        let col_sq: Vec<f64> = xs.as_slice().par_chunks(n).map(|c| dot(c, c)).collect();
        let yy = dot(&yv, &yv);
        Ok(Self {
            x: xs,
            y: yv,
            x_offset,
            x_scale,
            y_offset,
            col_sq,
            yy,
        })
    }

    pub fn n(&self) -> usize {
        self.x.nrows()
    }

    pub fn d(&self) -> usize {
        self.x.ncols()
    }

    /// Column j of the prepared design.
    #[inline]
    pub fn col(&self, j: usize) -> &[f64] {
        let n = self.n();
        &self.x.as_slice()[j * n..(j + 1) * n]
    }

    /// Back-transform prepared-scale coefficients to the original scale.
    pub fn original(&self, w: &[f64]) -> (DVector<f64>, f64) {
        let coef = DVector::from_iterator(w.len(), w.iter().zip(&self.x_scale).map(|(v, s)| v / s));
        let intercept = self.y_offset
            - coef
                .iter()
                .zip(&self.x_offset)
                .map(|(c, m)| c * m)
                .sum::<f64>();
        (coef, intercept)
    }

    pub fn fit_from(
        &self,
        w: &[f64],
        alpha: f64,
        l1_ratio: f64,
        st: &SolveStats,
        used_gram: bool,
    ) -> EnetFit {
        let (coef, intercept) = self.original(w);
        EnetFit {
            coef,
            intercept,
            alpha,
            l1_ratio,
            duality_gap: st.gap,
            gap_tol: st.gap_tol,
            n_iter: st.n_iter,
            n_full_passes: st.n_full_passes,
            converged: st.converged,
            used_gram,
        }
    }

    /// `max_j |x_j^T y|`: n * rho * alpha_max (spec §2.3).
    pub fn max_abs_xty(&self) -> f64 {
        self.xt(&self.y).iter().fold(0.0, |m, v| m.max(v.abs()))
    }

    /// `X^T v` over all columns; parallel over columns, each dot sequential (deterministic).
    pub fn xt(&self, v: &[f64]) -> Vec<f64> {
        let n = self.n();
        if n * self.d() < 200_000 {
            self.x.as_slice().chunks(n).map(|c| dot(c, v)).collect()
        } else {
            self.x.as_slice().par_chunks(n).map(|c| dot(c, v)).collect()
        }
    }
}

/// Dot product with sixteen accumulators combined in a fixed tree, so the result is the same
/// bit for bit whichever kernel (AVX2 or baseline SIMD) runs it: wider registers only change how
/// many lanes are added at once, never the order of the additions.
#[inline(always)]
fn dot_kernel(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut s = [0.0f64; 16];
    let ca = a.chunks_exact(16);
    let cb = b.chunks_exact(16);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..16 {
            s[l] += x[l] * y[l];
        }
    }
    for l in 0..8 {
        s[l] += s[l + 8];
    }
    for l in 0..4 {
        s[l] += s[l + 4];
    }
    let mut t = (s[0] + s[2]) + (s[1] + s[3]);
    for (x, y) in ra.iter().zip(rb) {
        t += x * y;
    }
    t
}

#[inline(always)]
fn axpy_kernel(r: &mut [f64], c: f64, x: &[f64]) {
    for (ri, xi) in r.iter_mut().zip(x) {
        *ri += c * xi;
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    // SAFETY (both): only called after `is_x86_feature_detected!("avx2")`; no FMA is enabled, so
    // every product and sum rounds exactly as in the baseline kernel.
    #[target_feature(enable = "avx2")]
    pub unsafe fn dot(a: &[f64], b: &[f64]) -> f64 {
        super::dot_kernel(a, b)
    }
    #[target_feature(enable = "avx2")]
    pub unsafe fn axpy(r: &mut [f64], c: f64, x: &[f64]) {
        super::axpy_kernel(r, c, x)
    }
}

/// Dot product (deterministic summation order; AVX2 when the CPU has it).
#[inline]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the feature was just detected.
        return unsafe { avx2::dot(a, b) };
    }
    dot_kernel(a, b)
}

/// `r += c * x`.
#[inline]
fn axpy(r: &mut [f64], c: f64, x: &[f64]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the feature was just detected.
        return unsafe { avx2::axpy(r, c, x) };
    }
    axpy_kernel(r, c, x)
}

/// Outcome of one alpha's solve.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SolveStats {
    pub gap: f64,
    pub gap_tol: f64,
    pub n_iter: usize,
    pub n_full_passes: usize,
    pub converged: bool,
}

/// Coordinate-descent state, warm-started along a path.
pub(crate) struct Engine<'a> {
    p: &'a Prepared,
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

impl<'a> Engine<'a> {
    pub fn new(p: &'a Prepared, rho: f64, opts: &SolverOptions) -> Self {
        let (n, d) = (p.n(), p.d());
        let use_gram = match opts.gram {
            GramMode::Always => true,
            GramMode::Never => false,
            GramMode::Auto => n >= 2 * d && d <= 512,
        };
        let c = p.xt(&p.y);
        let gram = use_gram.then(|| {
            let xv = crate::linalg::faer_view(&p.x);
            let mut g = faer::Mat::<f64>::zeros(d, d);
            faer::linalg::matmul::matmul(
                g.as_mut(),
                faer::Accum::Replace,
                xv.transpose(),
                xv,
                1.0,
                faer::Par::rayon(0),
            );
            Gram {
                g: DMatrix::from_fn(d, d, |i, j| g[(i, j)]),
                xty: c.clone(),
            }
        });
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
            None => self.c = self.p.xt(&self.r),
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
        let wj = self.w[j];
        if wj != 0.0 {
            match &self.gram {
                None => axpy(&mut self.r, wj, self.p.col(j)),
                Some(g) => {
                    let d = self.w.len();
                    axpy(&mut self.c, wj, &g.g.as_slice()[j * d..(j + 1) * d]);
                }
            }
            self.w[j] = 0.0;
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
            while n_iter < self.max_iter && !ws.is_empty() {
                let (mut dw_max, mut w_max) = (0.0f64, 0.0f64);
                for &j in &ws {
                    let dw = self.update(j, lam1, lam2);
                    dw_max = dw_max.max(dw);
                    w_max = w_max.max(self.w[j].abs());
                }
                n_iter += 1;
                // scikit-learn's cheap test before any gap computation.
                if w_max == 0.0 || dw_max <= self.tol * w_max || n_iter.is_multiple_of(10) {
                    if full_check_cheap {
                        break;
                    }
                    for &j in &ws {
                        self.c[j] = dot(self.p.col(j), &self.r);
                    }
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

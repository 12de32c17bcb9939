//! Regularization paths (spec §2.3): `alpha_max`, the geometric grid, warm starts, and
//! glmnet's optional early stops, as an estimator of the [`crate::estimator`] contract:
//! [`PathParams`] `-> check() ->` [`ElasticNetPath`] `-> fit(&RegressionData) ->` [`EnetPath`].

use super::engine::Engine;
use super::lasso::EnetFit;
use super::linear::predict_linear;
use super::options::{SolverOptions, option_builders};
use super::prepare::Prepared;
use crate::error::{Error, Result, check};
use crate::estimator::{
    Certificate, Diagnostics, Fit, Fitted, ParamGuard, Predict, RegressionData, Stop, seconds_since,
};
use nalgebra::{DMatrix, DVector};
use std::time::Instant;

/// Unchecked path parameters: grid, mixing, early stops and solver options.
///
/// ```
/// use nalgebra::{DMatrix, DVector};
/// use veristat::estimator::{Fit, RegressionData};
/// use veristat::sparse::PathParams;
/// let x = DMatrix::from_fn(40, 5, |i, j| (((i + 1) * (j + 2)) % 7) as f64);
/// let y = DVector::from_fn(40, |i, _| x[(i, 1)] - 0.5 * x[(i, 3)]);
/// let data = RegressionData::new(x, y).unwrap();
/// let path = PathParams::new().n_alphas(20).fit(&data).unwrap();
/// assert_eq!(path.alphas.len(), 20);
/// assert!(path.coefs.column(0).iter().all(|&c| c == 0.0)); // alpha_max gives w = 0
/// ```
#[derive(Debug, Clone)]
pub struct PathParams {
    /// Mixing rho in [0, 1]; the automatic grid needs rho > 0. Default 1 (Lasso).
    pub(super) l1_ratio: f64,
    /// Grid length K (default 100).
    pub(super) n_alphas: usize,
    /// Grid end as a fraction of alpha_max (default 1e-3, scikit-learn).
    pub(super) eps: f64,
    /// An explicit grid (any order is kept as given; warm starts follow it).
    pub(super) alphas: Option<Vec<f64>>,
    /// glmnet's early stops: fractional deviance change < 1e-5, deviance ratio > 0.999
    /// (checked from the 5th alpha on, as glmnet's `mnlam`). Default off.
    pub(super) early_stop: bool,
    /// glmnet's `dfmax`: stop once more than this many coefficients are nonzero. Default none.
    pub(super) dfmax: Option<usize>,
    /// Solver options.
    pub(super) options: SolverOptions,
}

impl Default for PathParams {
    fn default() -> Self {
        Self {
            l1_ratio: 1.0,
            n_alphas: 100,
            eps: 1e-3,
            alphas: None,
            early_stop: false,
            dfmax: None,
            options: SolverOptions::default(),
        }
    }
}

impl PathParams {
    /// Defaults: Lasso, 100 alphas, eps 1e-3, no early stop.
    pub fn new() -> Self {
        Self::default()
    }
    /// Mixing rho in [0, 1] (1, the default, is the Lasso path).
    pub fn l1_ratio(mut self, v: f64) -> Self {
        self.l1_ratio = v;
        self
    }
    /// Grid length K (default 100).
    pub fn n_alphas(mut self, v: usize) -> Self {
        self.n_alphas = v;
        self
    }
    /// Grid end as a fraction of alpha_max (default 1e-3, scikit-learn).
    pub fn eps(mut self, v: f64) -> Self {
        self.eps = v;
        self
    }
    /// An explicit grid (kept in the order given; warm starts follow it).
    pub fn alphas(mut self, v: Vec<f64>) -> Self {
        self.alphas = Some(v);
        self
    }
    /// glmnet's early stops: fractional deviance change < 1e-5, deviance ratio > 0.999
    /// (checked from the 5th alpha on, as glmnet's `mnlam`). Default off.
    pub fn early_stop(mut self, v: bool) -> Self {
        self.early_stop = v;
        self
    }
    /// glmnet's `dfmax`: stop once more than this many coefficients are nonzero.
    pub fn dfmax(mut self, v: usize) -> Self {
        self.dfmax = Some(v);
        self
    }
    option_builders!();
}

impl ParamGuard for PathParams {
    type Checked = ElasticNetPath;
    /// `l1_ratio` in [0, 1], the solver options, and the grid: an explicit one non-empty with
    /// every alpha > 0, else `n_alphas >= 1`, `eps` in (0, 1) and `l1_ratio > 0`.
    fn check(&self) -> Result<ElasticNetPath> {
        check::in_closed("l1_ratio", self.l1_ratio, 0.0, 1.0)?;
        self.options.check()?;
        match &self.alphas {
            Some(a) => {
                if a.is_empty() {
                    return Err(Error::param("alphas", "[]", "the grid must not be empty"));
                }
                for &v in a {
                    check::positive("alpha", v)?;
                }
            }
            None => {
                check::at_least("n_alphas", self.n_alphas, 1)?;
                check::in_open("eps", self.eps, 0.0, 1.0)?;
                if self.l1_ratio == 0.0 {
                    return Err(Error::param(
                        "l1_ratio",
                        0,
                        "the automatic alpha grid needs l1_ratio > 0 (alpha_max is infinite); pass explicit alphas",
                    ));
                }
            }
        }
        Ok(ElasticNetPath {
            params: self.clone(),
        })
    }
}

/// Checked path parameters; fitted by [`Fit`].
#[derive(Debug, Clone)]
pub struct ElasticNetPath {
    pub(super) params: PathParams,
}

impl ElasticNetPath {
    /// Mixing rho.
    pub fn l1_ratio(&self) -> f64 {
        self.params.l1_ratio
    }
    /// Solver options.
    pub fn options(&self) -> &SolverOptions {
        &self.params.options
    }

    /// [`Fit::fit`] taking the data by value: X is centred and scaled in place rather than in a
    /// copy, so the peak memory is about one X instead of two; the path is the same bit for bit
    /// (docs/measurements/memory.md).
    pub fn fit_owned(&self, data: RegressionData) -> Result<EnetPath> {
        let start = Instant::now();
        let (x, y) = data.into_parts();
        let prep = Prepared::owned(x, &y, &self.params.options)?;
        path_on(&prep, &self.params, start)
    }
}

impl Fit<RegressionData> for ElasticNetPath {
    type Fitted = EnetPath;
    /// Warm-started coordinate descent down the grid. Errors: empty or non-finite data, weights
    /// of the wrong length.
    fn fit(&self, data: &RegressionData) -> Result<EnetPath> {
        let start = Instant::now();
        let prep = Prepared::new(data.x(), data.y(), &self.params.options)?;
        path_on(&prep, &self.params, start)
    }
}

/// Why a path ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathStop {
    /// Every alpha of the grid was fitted.
    Complete,
    /// Fractional change of the deviance ratio below 1e-5 (glmnet `fdev`).
    DevianceChange,
    /// Deviance ratio above 0.999 (glmnet `devmax`).
    DevianceRatio,
    /// More than `dfmax` nonzero coefficients.
    Dfmax,
}

/// A fitted regularization path; column k of `coefs` belongs to `alphas[k]`.
///
/// [`Fitted::diagnostics`]: epochs summed over the path, `Converged` when every alpha met the gap
/// target (else `MaxIterations`), and the largest gap with its target as the certificate.
/// [`Predict`] gives the n x K predictions, one column per alpha.
#[derive(Debug, Clone)]
pub struct EnetPath {
    /// The alphas fitted (a prefix of the grid if an early stop fired).
    pub alphas: Vec<f64>,
    /// d x K coefficients on the original scale.
    pub coefs: DMatrix<f64>,
    /// Intercepts on the original scale.
    pub intercepts: Vec<f64>,
    /// Duality gap per alpha (scikit-learn units).
    pub duality_gaps: Vec<f64>,
    /// Gap target `tol * ||y_c||^2`.
    pub gap_tol: f64,
    /// Epochs per alpha.
    pub n_iter: Vec<usize>,
    /// Passes over X per alpha made by the KKT/gap checks (0 when Gram columns or Gram mode
    /// served them).
    pub n_full_passes: Vec<usize>,
    /// Convergence flag per alpha.
    pub converged: Vec<bool>,
    /// Deviance ratio `1 - RSS / ||y_c||^2` per alpha (on the prepared problem).
    pub dev_ratio: Vec<f64>,
    /// `max_j |x_j^T y| / (n rho)` on the prepared problem (infinite for rho = 0).
    pub alpha_max: f64,
    /// Mixing rho.
    pub l1_ratio: f64,
    /// Why the path ended.
    pub stop: PathStop,
    /// Whether covariance mode was used.
    pub used_gram: bool,
    pub(super) diagnostics: Diagnostics,
}

impl EnetPath {
    /// Coefficients at grid index k.
    pub fn coef(&self, k: usize) -> DVector<f64> {
        self.coefs.column(k).into_owned()
    }

    /// Predictions at grid index k.
    pub fn predict_at(&self, x: &DMatrix<f64>, k: usize) -> Result<DVector<f64>> {
        predict_linear(x, &self.coef(k), self.intercepts[k])
    }

    /// The fit at grid index k as a single elastic-net fit: its epochs, gap and convergence are
    /// that alpha's; `fit_seconds` is the whole path's (a warm-started point costs the path up
    /// to it).
    pub fn point(&self, k: usize) -> EnetFit {
        EnetFit {
            coef: self.coef(k),
            intercept: self.intercepts[k],
            alpha: self.alphas[k],
            l1_ratio: self.l1_ratio,
            duality_gap: self.duality_gaps[k],
            gap_tol: self.gap_tol,
            n_full_passes: self.n_full_passes[k],
            used_gram: self.used_gram,
            diagnostics: Diagnostics {
                iterations: self.n_iter[k],
                stop: if self.converged[k] {
                    Stop::Converged
                } else {
                    Stop::MaxIterations
                },
                certificate: Certificate::DualityGap {
                    gap: self.duality_gaps[k],
                    target: self.gap_tol,
                },
                fit_seconds: self.diagnostics.fit_seconds,
            },
        }
    }
}

impl Predict for EnetPath {
    type Output = DMatrix<f64>;
    /// n x K predictions, column k at `alphas[k]`.
    fn predict(&self, x: &DMatrix<f64>) -> Result<DMatrix<f64>> {
        if x.ncols() != self.coefs.nrows() {
            return Err(Error::DimensionMismatch {
                what: "predict: columns of X",
                expected: self.coefs.nrows(),
                got: x.ncols(),
            });
        }
        let mut out = x * &self.coefs;
        for (mut col, b) in out.column_iter_mut().zip(&self.intercepts) {
            col.add_scalar_mut(*b);
        }
        Ok(out)
    }
}

impl Fitted for EnetPath {
    fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }
}

/// `alpha_max = max_j |x_j^T y_c| / (n rho)`: the smallest alpha with all coefficients zero, on
/// the problem as prepared by `options` (centred, weighted, standardized as asked).
pub fn alpha_max(
    x: &DMatrix<f64>,
    y: &DVector<f64>,
    l1_ratio: f64,
    options: &SolverOptions,
) -> Result<f64> {
    check::in_closed("l1_ratio", l1_ratio, 0.0, 1.0)?;
    let p = Prepared::new(x, y, options)?;
    Ok(p.max_abs_xty() / (p.n() as f64 * l1_ratio))
}

/// The geometric grid `alpha_k = alpha_max * eps^(k/(K-1))`, k = 0..K-1 (scikit-learn's
/// `_alpha_grid`). When `alpha_max` is below machine resolution (constant y), every entry is
/// `1e-15`, as scikit-learn does.
pub fn alpha_grid(alpha_max: f64, n_alphas: usize, eps: f64) -> Vec<f64> {
    if alpha_max <= 1e-15 {
        return vec![1e-15; n_alphas];
    }
    if n_alphas == 1 {
        return vec![alpha_max];
    }
    // Exact endpoints, as numpy's geomspace.
    let step = eps.ln() / (n_alphas - 1) as f64;
    let mut g: Vec<f64> = (0..n_alphas)
        .map(|k| alpha_max * (step * k as f64).exp())
        .collect();
    g[n_alphas - 1] = alpha_max * eps;
    g
}

/// The path on a prepared problem (see [`PathParams`]); `fit_seconds` counted from `start`
/// (cross-validation prepares the data itself and times the whole of it).
pub(super) fn path_on(prep: &Prepared, params: &PathParams, start: Instant) -> Result<EnetPath> {
    check_prepared(prep, params.alphas.is_none())?;
    let rho = params.l1_ratio;
    let nf = prep.n() as f64;
    let mut engine = Engine::new(prep, rho, &params.options);
    let amax = if rho > 0.0 {
        engine.max_abs_corr() / (nf * rho)
    } else {
        f64::INFINITY
    };
    if params.alphas.is_none() && !amax.is_finite() {
        return Err(Error::NonFinite {
            quantity: "alpha_max = max_j |x_j^T y| / (n l1_ratio)".into(),
            reason: format!("it overflows f64 with l1_ratio = {rho:e}; pass explicit alphas"),
        });
    }
    let grid = match &params.alphas {
        Some(a) => a.clone(),
        None => alpha_grid(amax, params.n_alphas, params.eps),
    };
    let d = prep.d();
    let mut coefs = DMatrix::zeros(d, grid.len());
    let (mut alphas, mut intercepts, mut duality_gaps) = (Vec::new(), Vec::new(), Vec::new());
    let (mut n_iter, mut n_full_passes, mut converged) = (Vec::new(), Vec::new(), Vec::new());
    let mut dev_ratio: Vec<f64> = Vec::new();
    let mut stop = PathStop::Complete;
    for (k, &alpha) in grid.iter().enumerate() {
        engine.plan(grid.len() - k);
        let st = engine.solve(alpha);
        let (coef, b) = prep.original(engine.w());
        coefs.set_column(k, &coef);
        alphas.push(alpha);
        intercepts.push(b);
        duality_gaps.push(st.gap);
        n_iter.push(st.n_iter);
        n_full_passes.push(st.n_full_passes);
        converged.push(st.converged);
        let dev = if prep.yy > 0.0 {
            1.0 - engine.rss() / prep.yy
        } else {
            0.0
        };
        dev_ratio.push(dev);
        let df = engine.w().iter().filter(|v| **v != 0.0).count();
        if params.dfmax.is_some_and(|m| df > m) {
            stop = PathStop::Dfmax;
        } else if params.early_stop && k + 1 >= 5.min(grid.len()) {
            let prev = if k > 0 { dev_ratio[k - 1] } else { 0.0 };
            if dev > 0.999 {
                stop = PathStop::DevianceRatio;
            } else if k > 0 && dev - prev < 1e-5 * dev {
                stop = PathStop::DevianceChange;
            }
        }
        if stop != PathStop::Complete {
            break;
        }
    }
    let kept = alphas.len();
    let gap_tol = params.options.tol * prep.yy;
    let diagnostics = Diagnostics {
        iterations: n_iter.iter().sum(),
        stop: if converged.iter().all(|&c| c) {
            Stop::Converged
        } else {
            Stop::MaxIterations
        },
        certificate: Certificate::DualityGap {
            gap: duality_gaps
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max),
            target: gap_tol,
        },
        fit_seconds: seconds_since(start),
    };
    let path = EnetPath {
        alphas,
        coefs: coefs.columns(0, kept).into_owned(),
        intercepts,
        duality_gaps,
        gap_tol,
        n_iter,
        n_full_passes,
        converged,
        dev_ratio,
        alpha_max: amax,
        l1_ratio: rho,
        stop,
        used_gram: engine.used_gram(),
        diagnostics,
    };
    check_path_finite(&path)?;
    Ok(path)
}

/// Data a path cannot be computed from, refused before any solve. Cells near 1e308 overflow the
/// centred sums of squares `||x_j - mean||^2` and `||y - mean||^2` (every later number would be
/// NaN); and when every centred feature column is zero, alpha_max (spec §2.3) is 0, so the
/// automatic grid `alpha_max * eps^(k/(K-1))` does not exist (an explicit grid is a valid,
/// all-zero path).
fn check_prepared(prep: &Prepared, automatic_grid: bool) -> Result<()> {
    let overflow = |what: &str| Error::NonFinite {
        quantity: what.into(),
        reason: "the data's magnitudes overflow f64 (cells too large for their squares to be \
                 summed); divide the columns by a power of ten"
            .into(),
    };
    if let Some(j) = prep.col_sq.iter().position(|v| !v.is_finite()) {
        return Err(overflow(&format!(
            "sum of squares of centred feature column {j}"
        )));
    }
    if !prep.yy.is_finite() {
        return Err(overflow("sum of squares of the centred response"));
    }
    if automatic_grid && prep.col_sq.iter().all(|&v| v == 0.0) {
        return Err(Error::InvalidData(
            "every feature column is constant (zero once centred): alpha_max = 0 and the \
             automatic alpha grid does not exist (the path would be all zeros); drop the \
             constant columns, or pass explicit alphas for an all-zero path"
                .into(),
        ));
    }
    Ok(())
}

/// A path whose numbers are not all finite is an error naming the first one, never a result.
fn check_path_finite(path: &EnetPath) -> Result<()> {
    let at = |k: usize, what: &str| Error::NonFinite {
        quantity: format!("{what} at alphas[{k}] = {:e}", path.alphas[k]),
        reason: "the coordinate descent overflowed on these data; rescale the columns".into(),
    };
    for k in 0..path.alphas.len() {
        if let Some(j) = path.coefs.column(k).iter().position(|v| !v.is_finite()) {
            return Err(at(k, &format!("coefficient {j}")));
        }
        if !path.intercepts[k].is_finite() {
            return Err(at(k, "intercept"));
        }
        if !path.duality_gaps[k].is_finite() {
            return Err(at(k, "duality gap"));
        }
    }
    Ok(())
}

//! K-fold cross-validation of the elastic-net path with the 1-SE rule (cv.glmnet; spec §2.6).
//!
//! 1. The alpha grid comes from the full data.
//! 2. Each fold's path is fitted on the other folds, which are centred / standardized / weighted
//!    on their own rows only (no leakage), on the full-data grid.
//! 3. `CV(alpha) = sum_f n_f MSE_f / sum_f n_f` (n_f: fold weight, the row count without
//!    observation weights); `SE(alpha) = sqrt(sum_f n_f (MSE_f - CV)^2 / sum_f n_f / (K - 1))`,
//!    cv.glmnet's weighted form, which equals `sd_f(MSE_f) / sqrt(K)` for equal fold sizes.
//! 4. `alpha_min` is the largest alpha attaining the minimum; `alpha_1se` the largest alpha with
//!    `CV <= CV(alpha_min) + SE(alpha_min)`.
//! 5. The refit at either alpha is the full-data path's solution there.
//!
//! The folds are [`crate::estimator::Folds`] and the loop over them is
//! [`crate::estimator::cross_validate`], the same as for any estimator; what is particular to
//! the elastic net is the grid fixed from the full data and the per-fold observation weights,
//! which travel with the rows (a private data type) so that each training fold is weighted by
//! its own rows' weights.

use super::path::{ElasticNetPath, EnetPath, PathParams, path_on};
use super::prepare::Prepared;
use crate::error::{Error, Result, check};
use crate::estimator::{
    Diagnostics, Fit, Fitted, Folds, ParamGuard, Predict, RegressionData, Rows, cross_validate,
};
use nalgebra::{DMatrix, DVector};
use std::time::Instant;

/// Unchecked cross-validated elastic net: path parameters plus the fold assignment.
///
/// ```
/// use nalgebra::{DMatrix, DVector};
/// use veristat::estimator::{Fit, Folds, RegressionData};
/// use veristat::sparse::{LassoCvParams, PathParams};
/// let x = DMatrix::from_fn(60, 4, |i, j| ((i * 13 + j * 5) % 17) as f64 / 17.0);
/// let y = DVector::from_fn(60, |i, _| 3.0 * x[(i, 0)] + ((i * 7) % 5) as f64 * 0.01);
/// let data = RegressionData::new(x, y).unwrap();
/// let cv = LassoCvParams::new(PathParams::new().n_alphas(30))
///     .folds(Folds::Shuffled { k: 5, seed: 1 })
///     .fit(&data)
///     .unwrap();
/// assert!(cv.alpha_1se >= cv.alpha_min);
/// ```
#[derive(Debug, Clone)]
pub struct LassoCvParams {
    path: PathParams,
    folds: Folds,
}

impl LassoCvParams {
    /// Cross-validation of the path described by `path` (grid, mixing, solver options; early
    /// stops apply to the full-data path only, folds are fitted on the full-data grid), by
    /// default on 5 shuffled folds with seed 0 (scikit-learn's `LassoCV` fold count).
    pub fn new(path: PathParams) -> Self {
        Self {
            path,
            folds: Folds::Shuffled { k: 5, seed: 0 },
        }
    }

    /// The fold assignment: `Folds::Ids` (cv.glmnet's `foldid`) or `Folds::Shuffled { k, seed }`.
    pub fn folds(mut self, folds: Folds) -> Self {
        self.folds = folds;
        self
    }
}

impl ParamGuard for LassoCvParams {
    type Checked = LassoCv;
    /// The path parameters, and the folds: at least 2 distinct labels (`foldid`) or
    /// `k >= 2` (`n_folds`). That `k` does not exceed the rows is checked at fit time.
    fn check(&self) -> Result<LassoCv> {
        let path = self.path.check()?;
        match &self.folds {
            Folds::Ids(ids) => {
                let mut distinct = ids.clone();
                distinct.sort_unstable();
                distinct.dedup();
                if distinct.len() < 2 {
                    return Err(Error::param(
                        "foldid",
                        format!("{} distinct value(s)", distinct.len()),
                        "need at least 2 folds",
                    ));
                }
            }
            Folds::Shuffled { k, .. } => {
                check::at_least("n_folds", *k, 2)?;
            }
        }
        Ok(LassoCv {
            path,
            folds: self.folds.clone(),
        })
    }
}

/// Checked cross-validation parameters; fitted by [`Fit`].
#[derive(Debug, Clone)]
pub struct LassoCv {
    path: ElasticNetPath,
    folds: Folds,
}

/// The result of cross-validating the path.
///
/// [`Predict`] is the alpha_min refit's; [`Fitted::diagnostics`] is the full-data path's (whose
/// certificate covers both refits), with `fit_seconds` of the whole cross-validation.
#[derive(Debug, Clone)]
pub struct LassoCvFit {
    /// The full-data grid.
    pub alphas: Vec<f64>,
    /// CV(alpha): fold-weighted mean held-out MSE.
    pub mean: Vec<f64>,
    /// SE(alpha).
    pub se: Vec<f64>,
    /// Held-out MSE, K folds x grid.
    pub fold_mse: DMatrix<f64>,
    /// Fold label of every row, mapped to 0..K-1 in the order of the sorted distinct labels.
    pub foldid: Vec<usize>,
    /// Index of alpha_min in the grid.
    pub index_min: usize,
    /// Index of alpha_1se in the grid.
    pub index_1se: usize,
    /// alpha minimizing CV (the largest, on ties).
    pub alpha_min: f64,
    /// Largest alpha with CV <= CV(alpha_min) + SE(alpha_min).
    pub alpha_1se: f64,
    /// The full-data path (its columns at `index_min` / `index_1se` are the refits).
    pub path: EnetPath,
    diagnostics: Diagnostics,
}

impl LassoCvFit {
    /// Refit coefficients (original scale) and intercept at alpha_min.
    pub fn refit_min(&self) -> (DVector<f64>, f64) {
        (
            self.path.coef(self.index_min),
            self.path.intercepts[self.index_min],
        )
    }
    /// Refit coefficients (original scale) and intercept at alpha_1se.
    pub fn refit_1se(&self) -> (DVector<f64>, f64) {
        (
            self.path.coef(self.index_1se),
            self.path.intercepts[self.index_1se],
        )
    }
}

impl Predict for LassoCvFit {
    type Output = DVector<f64>;
    /// Predictions of the alpha_min refit.
    fn predict(&self, x: &DMatrix<f64>) -> Result<DVector<f64>> {
        self.path.predict_at(x, self.index_min)
    }
}

impl Fitted for LassoCvFit {
    fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }
}

/// Regression data with the observation weights of its rows, so that a row subset keeps its
/// own weights.
struct Weighted {
    data: RegressionData,
    weights: Option<DVector<f64>>,
}

impl Rows for Weighted {
    fn n_rows(&self) -> usize {
        self.data.n_rows()
    }
    fn subset(&self, rows: &[usize]) -> Result<Self> {
        Ok(Self {
            data: self.data.subset(rows)?,
            weights: self.weights.as_ref().map(|w| w.select_rows(rows)),
        })
    }
}

/// One fold's path: the full-data grid, no early stops, the training rows' own weights.
struct FoldPath {
    path: PathParams,
}

impl Fit<Weighted> for FoldPath {
    type Fitted = EnetPath;
    fn fit(&self, train: &Weighted) -> Result<EnetPath> {
        if train.weights.as_ref().is_some_and(|w| w.sum() <= 0.0) {
            return Err(Error::InvalidData(
                "a cross-validation fold has zero total training weight".into(),
            ));
        }
        let mut p = self.path.clone();
        p.options.weights = train.weights.clone();
        let prep = Prepared::new(train.data.x(), train.data.y(), &p.options)?;
        path_on(&prep, &p, Instant::now())
    }
}

/// Held-out MSE of every point of a fold's path (weighted by the held-out rows' weights) and the
/// fold weight `n_f` (their total weight).
fn held_out_mse(fold_path: &EnetPath, test: &Weighted) -> Result<(Vec<f64>, f64)> {
    let (xs, ys) = (test.data.x(), test.data.y());
    let wt: Vec<f64> = (0..ys.len())
        .map(|t| test.weights.as_ref().map_or(1.0, |w| w[t]))
        .collect();
    let wsum: f64 = wt.iter().sum();
    let pred = xs * &fold_path.coefs;
    let mse = (0..fold_path.alphas.len())
        .map(|kk| {
            let b = fold_path.intercepts[kk];
            (0..ys.len())
                .map(|t| wt[t] * (ys[t] - pred[(t, kk)] - b).powi(2))
                .sum::<f64>()
                / wsum
        })
        .collect();
    Ok((mse, wsum))
}

impl Fit<RegressionData> for LassoCv {
    type Fitted = LassoCvFit;
    /// Fit the full-data path and every fold's path; see the module docs for the arithmetic.
    fn fit(&self, data: &RegressionData) -> Result<LassoCvFit> {
        let start = Instant::now();
        let (x, y) = (data.x(), data.y());
        let (foldid, k) = self.folds.assign(x.nrows())?;
        let options = self.path.options();
        let prep = Prepared::new(x, y, options)?;
        let path = path_on(&prep, &self.path.params, start)?;
        let grid = path.alphas.clone();
        let mut fold_params = self.path.params.clone();
        fold_params.alphas = Some(grid.clone());
        fold_params.early_stop = false;
        fold_params.dfmax = None;
        let weighted = Weighted {
            data: data.clone(),
            weights: options.weights.clone(),
        };
        let per_fold = cross_validate(
            &FoldPath { path: fold_params },
            &weighted,
            &self.folds,
            held_out_mse,
        )?;
        let mut fold_mse = DMatrix::zeros(k, grid.len());
        let mut nf = vec![0.0; k];
        for r in per_fold {
            let (mse, w) = r.score;
            for (kk, v) in mse.into_iter().enumerate() {
                fold_mse[(r.fold, kk)] = v;
            }
            nf[r.fold] = w;
        }
        let ntot: f64 = nf.iter().sum();
        let mean: Vec<f64> = (0..grid.len())
            .map(|kk| (0..k).map(|f| nf[f] * fold_mse[(f, kk)]).sum::<f64>() / ntot)
            .collect();
        let se: Vec<f64> = (0..grid.len())
            .map(|kk| {
                let v = (0..k)
                    .map(|f| nf[f] * (fold_mse[(f, kk)] - mean[kk]).powi(2))
                    .sum::<f64>()
                    / ntot;
                (v / (k as f64 - 1.0)).sqrt()
            })
            .collect();
        let best = mean.iter().copied().fold(f64::INFINITY, f64::min);
        let largest_alpha_where = |ok: &dyn Fn(usize) -> bool| -> usize {
            (0..grid.len()).filter(|&i| ok(i)).fold(usize::MAX, |b, i| {
                if b == usize::MAX || grid[i] > grid[b] {
                    i
                } else {
                    b
                }
            })
        };
        let index_min = largest_alpha_where(&|i| mean[i] <= best);
        if index_min == usize::MAX {
            return Err(Error::Numerical(
                "cross-validation error is not finite".into(),
            ));
        }
        let thresh = mean[index_min] + se[index_min];
        let index_1se = largest_alpha_where(&|i| mean[i] <= thresh);
        let mut diagnostics = path.diagnostics().clone();
        diagnostics.fit_seconds = crate::estimator::seconds_since(start);
        Ok(LassoCvFit {
            alpha_min: grid[index_min],
            alpha_1se: grid[index_1se],
            alphas: grid,
            mean,
            se,
            fold_mse,
            foldid,
            index_min,
            index_1se,
            path,
            diagnostics,
        })
    }
}

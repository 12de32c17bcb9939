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

use super::lasso::Prepared;
use super::path::{EnetPath, PathParams, path_on};
use crate::error::{Error, Result, check};
use crate::rng::Rng;
use nalgebra::{DMatrix, DVector};
use rand::RngExt;
use rayon::prelude::*;

/// How rows are assigned to folds.
#[derive(Debug, Clone)]
pub enum Folds {
    /// One label per row (like cv.glmnet's `foldid`); distinct labels are the folds.
    Ids(Vec<i64>),
    /// `k` folds of near-equal size from a seeded shuffle ([`fold_ids`] on stream
    /// `rng::stream(seed, "sparse-cv-folds", 0)`).
    Shuffled {
        /// Number of folds.
        k: usize,
        /// Seed.
        seed: u64,
    },
}

/// Fold labels 0..k-1, `i mod k` permuted by a Fisher-Yates shuffle from `rng`.
pub fn fold_ids(n: usize, k: usize, rng: &mut Rng) -> Result<Vec<i64>> {
    check::at_least("n_folds", k, 2)?;
    if k > n {
        return Err(Error::param(
            "n_folds",
            k,
            format!("must not exceed the number of rows ({n})"),
        ));
    }
    let mut ids: Vec<i64> = (0..n).map(|i| (i % k) as i64).collect();
    for i in (1..n).rev() {
        let j = rng.random_range(0..=i);
        ids.swap(i, j);
    }
    Ok(ids)
}

/// Cross-validated elastic net: path parameters plus the fold assignment.
///
/// ```
/// use nalgebra::{DMatrix, DVector};
/// use veristat::sparse::{Folds, LassoCv, PathParams};
/// let x = DMatrix::from_fn(60, 4, |i, j| ((i * 13 + j * 5) % 17) as f64 / 17.0);
/// let y = DVector::from_fn(60, |i, _| 3.0 * x[(i, 0)] + ((i * 7) % 5) as f64 * 0.01);
/// let cv = LassoCv::new(PathParams::new().n_alphas(30)).fit(&x, &y, &Folds::Shuffled { k: 5, seed: 1 }).unwrap();
/// assert!(cv.alpha_1se >= cv.alpha_min);
/// ```
#[derive(Debug, Clone)]
pub struct LassoCv {
    /// Path parameters (grid, mixing, solver options). Early stops apply to the full-data path
    /// only; folds are fitted on the full-data grid.
    pub path: PathParams,
}

/// The result of [`LassoCv::fit`].
#[derive(Debug, Clone)]
pub struct CvFit {
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
}

impl CvFit {
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
    /// Predictions of the alpha_min refit.
    pub fn predict(&self, x: &DMatrix<f64>) -> Result<DVector<f64>> {
        self.path.predict(x, self.index_min)
    }
}

impl LassoCv {
    /// Cross-validation of the path described by `path`.
    pub fn new(path: PathParams) -> Self {
        Self { path }
    }

    /// Fit the full-data path and every fold's path; see the module docs for the arithmetic.
    pub fn fit(&self, x: &DMatrix<f64>, y: &DVector<f64>, folds: &Folds) -> Result<CvFit> {
        self.path.validate()?;
        let n = x.nrows();
        let labels: Vec<i64> = match folds {
            Folds::Ids(ids) => {
                if ids.len() != n {
                    return Err(Error::DimensionMismatch {
                        what: "fold ids",
                        expected: n,
                        got: ids.len(),
                    });
                }
                ids.clone()
            }
            Folds::Shuffled { k, seed } => {
                fold_ids(n, *k, &mut crate::rng::stream(*seed, "sparse-cv-folds", 0))?
            }
        };
        let mut distinct = labels.clone();
        distinct.sort_unstable();
        distinct.dedup();
        let k = distinct.len();
        if k < 2 {
            return Err(Error::param(
                "foldid",
                format!("{k} distinct value(s)"),
                "need at least 2 folds",
            ));
        }
        let foldid: Vec<usize> = labels
            .iter()
            .map(|l| distinct.binary_search(l).expect("label present"))
            .collect();

        let prep = Prepared::new(x, y, &self.path.options)?;
        let path = path_on(&prep, &self.path)?;
        let grid = path.alphas.clone();
        let mut fold_params = self.path.clone();
        fold_params.alphas = Some(grid.clone());
        fold_params.early_stop = false;
        fold_params.dfmax = None;
        let weights = self.path.options.weights.clone();

        let per_fold: Vec<Result<(Vec<f64>, f64)>> = (0..k)
            .into_par_iter()
            .map(|f| {
                let train: Vec<usize> = (0..n).filter(|&i| foldid[i] != f).collect();
                let test: Vec<usize> = (0..n).filter(|&i| foldid[i] == f).collect();
                let xt = x.select_rows(&train);
                let yt = y.select_rows(&train);
                let mut p = fold_params.clone();
                p.options.weights = weights.as_ref().map(|w| w.select_rows(&train));
                if p.options.weights.as_ref().is_some_and(|w| w.sum() <= 0.0) {
                    return Err(Error::InvalidData(format!(
                        "fold {} has zero total training weight",
                        distinct[f]
                    )));
                }
                let fp = Prepared::new(&xt, &yt, &p.options)?;
                let fold_path = path_on(&fp, &p)?;
                let xs = x.select_rows(&test);
                let wt: Vec<f64> = test
                    .iter()
                    .map(|&i| weights.as_ref().map_or(1.0, |w| w[i]))
                    .collect();
                let wsum: f64 = wt.iter().sum();
                let pred = &xs * &fold_path.coefs;
                let mse = (0..grid.len())
                    .map(|kk| {
                        let b = fold_path.intercepts[kk];
                        test.iter()
                            .enumerate()
                            .map(|(t, &i)| wt[t] * (y[i] - pred[(t, kk)] - b).powi(2))
                            .sum::<f64>()
                            / wsum
                    })
                    .collect();
                Ok((mse, wsum))
            })
            .collect();
        let mut fold_mse = DMatrix::zeros(k, grid.len());
        let mut nf = vec![0.0; k];
        for (f, r) in per_fold.into_iter().enumerate() {
            let (mse, w) = r?;
            for (kk, v) in mse.into_iter().enumerate() {
                fold_mse[(f, kk)] = v;
            }
            nf[f] = w;
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
        Ok(CvFit {
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
        })
    }
}

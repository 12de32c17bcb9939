//! Cross-validation of the relaxed lasso over (alpha, gamma), as `cv.glmnet(..., relax = TRUE)`
//! (glmnet 4.x `cv.relaxed.raw`, `getOptcv.relaxed`):
//!
//! 1. The full-data path and its refits ([`GlmPathFit::relax`]); every fold's path is fitted on
//!    the other folds at the full-data alphas (as [`super::GlmCv`] does) and relaxed on the
//!    same training rows (the fold's own `max_support`, `n_train - 3` by default).
//! 2. For every gamma of the grid (glmnet's default 0, 0.25, 0.5, 0.75, 1) and alpha, the held-out
//!    measure of the blend `gamma lasso + (1 - gamma) refit`, and cv.glmnet's grouped mean and
//!    SE over folds ([`super::cv`]).
//! 3. `(alpha_min, gamma_min)`: the best CV over all pairs, ties to the largest alpha, then the
//!    largest gamma; `(alpha_1se, gamma_1se)`: among the pairs whose CV is within one SE (the
//!    best pair's) of the best, the largest alpha, then the largest gamma.
//!
//! glmnet floors gamma at 1e-5 in its blends and predicts fold fits at the full-data lambdas by
//! interpolation; here gamma = 0 is the refit and the folds are fitted at those alphas.

use super::cv::{CvMeasure, cv_mean_se, measure_of, resolve_measure, test_weights};
use super::path::{GlmPath, GlmPathFit, GlmPathParams};
use super::relax::{GlmRelaxFit, RelaxedPath};
use crate::error::{Error, Result, check};
use crate::estimator::{
    Diagnostics, Fit, Fitted, Folds, ParamGuard, Predict, RegressionData, cross_validate,
    seconds_since,
};
use crate::sparse::cv::Weighted;
use crate::sparse::linear::predict_linear;
use nalgebra::{DMatrix, DVector};
use std::time::Instant;

/// Unchecked cross-validated relaxed lasso.
///
/// ```
/// use nalgebra::{DMatrix, DVector};
/// use veristat::estimator::{Fit, Folds, RegressionData};
/// use veristat::sparse::glm::{Family, GlmPathParams, GlmRelaxCvParams};
/// let x = DMatrix::from_fn(90, 3, |i, j| (((i + 1) * (j + 4)) % 13) as f64 / 13.0);
/// let y = DVector::from_fn(90, |i, _| ((i * 7) % 4) as f64 + 2.0 * x[(i, 1)]);
/// let cv = GlmRelaxCvParams::new(GlmPathParams::new(Family::Poisson).n_alphas(15))
///     .folds(Folds::Shuffled { k: 3, seed: 2 })
///     .fit(&RegressionData::new(x, y).unwrap())
///     .unwrap();
/// assert!(cv.alpha_1se >= cv.alpha_min && cv.gammas.contains(&cv.gamma_min));
/// ```
#[derive(Debug, Clone)]
pub struct GlmRelaxCvParams {
    path: GlmPathParams,
    gammas: Vec<f64>,
    folds: Folds,
    measure: Option<CvMeasure>,
    max_support: Option<usize>,
}

impl GlmRelaxCvParams {
    /// Cross-validation of the relaxed lasso of `path`: gammas 0, 0.25, 0.5, 0.75, 1
    /// (cv.glmnet's default), 10 shuffled folds with seed 0, the family's default measure.
    pub fn new(path: GlmPathParams) -> Self {
        Self {
            path,
            gammas: vec![0.0, 0.25, 0.5, 0.75, 1.0],
            folds: Folds::Shuffled { k: 10, seed: 0 },
            measure: None,
            max_support: None,
        }
    }
    /// The gamma grid (each in [0, 1]; sorted, duplicates dropped).
    pub fn gammas(mut self, g: Vec<f64>) -> Self {
        self.gammas = g;
        self
    }
    /// The folds (`Folds::Ids`, cv.glmnet's `foldid`, or shuffled).
    pub fn folds(mut self, folds: Folds) -> Self {
        self.folds = folds;
        self
    }
    /// cv.glmnet's `type.measure`.
    pub fn measure(mut self, m: CvMeasure) -> Self {
        self.measure = Some(m);
        self
    }
    /// Largest support refitted (glmnet's `maxp`); default `n - 3` of each fit's rows.
    pub fn max_support(mut self, m: usize) -> Self {
        self.max_support = Some(m);
        self
    }
}

impl ParamGuard for GlmRelaxCvParams {
    type Checked = GlmRelaxCv;
    /// The path's parameters; gammas non-empty, each in [0, 1]; `k >= 2` shuffled folds; the
    /// measure as [`super::GlmCvParams`] checks it.
    fn check(&self) -> Result<GlmRelaxCv> {
        let path = self.path.check()?;
        if self.gammas.is_empty() {
            return Err(Error::param("gammas", "[]", "give at least one gamma"));
        }
        for &g in &self.gammas {
            check::in_closed("gamma", g, 0.0, 1.0)?;
        }
        let mut gammas = self.gammas.clone();
        gammas.sort_by(f64::total_cmp);
        gammas.dedup();
        if let Folds::Shuffled { k, .. } = &self.folds {
            check::at_least("n_folds", *k, 2)?;
        }
        Ok(GlmRelaxCv {
            measure: resolve_measure(self.path.family, self.measure)?,
            path,
            gammas,
            folds: self.folds.clone(),
            max_support: self.max_support,
        })
    }
}

/// Checked parameters; fitted by [`Fit`].
#[derive(Debug, Clone)]
pub struct GlmRelaxCv {
    path: GlmPath,
    gammas: Vec<f64>,
    folds: Folds,
    measure: CvMeasure,
    max_support: Option<usize>,
}

/// The cross-validated relaxed lasso.
///
/// [`Predict`] is the blend at `(alpha_min, gamma_min)`; [`Fitted::diagnostics`] is the
/// full-data path's, with `fit_seconds` of the whole cross-validation.
#[derive(Debug, Clone)]
pub struct GlmRelaxCvFit {
    /// The measure.
    pub measure: CvMeasure,
    /// The gamma grid, ascending.
    pub gammas: Vec<f64>,
    /// The full-data alphas.
    pub alphas: Vec<f64>,
    /// CV(alpha) per gamma: gammas x alphas.
    pub mean: DMatrix<f64>,
    /// SE(alpha) per gamma.
    pub se: DMatrix<f64>,
    /// (alpha index, gamma index) of the best pair.
    pub index_min: (usize, usize),
    /// (alpha index, gamma index) of the 1-SE pair.
    pub index_1se: (usize, usize),
    /// alpha of the best pair.
    pub alpha_min: f64,
    /// gamma of the best pair.
    pub gamma_min: f64,
    /// alpha of the 1-SE pair.
    pub alpha_1se: f64,
    /// gamma of the 1-SE pair.
    pub gamma_1se: f64,
    /// The full-data path and its refits, at `gamma_min`.
    pub fit: GlmRelaxFit,
    diagnostics: Diagnostics,
}

impl GlmRelaxCvFit {
    /// cv.glmnet's selection along the curve of one gamma (an index into `gammas`) alone:
    /// (alpha index of the best CV, alpha index of alpha_1se). At gamma = 1 it is the lasso's
    /// selection ([`super::GlmCv`]) on the same folds.
    pub fn select_at_gamma(&self, g: usize) -> Result<(usize, usize)> {
        if g >= self.gammas.len() {
            return Err(Error::param(
                "gamma index",
                g,
                format!("the grid has {} gammas", self.gammas.len()),
            ));
        }
        let (m, s) = (
            self.mean.rows(g, 1).into_owned(),
            self.se.rows(g, 1).into_owned(),
        );
        let (pmin, p1se) = select(&m, &s, &self.alphas, &self.gammas[g..=g], self.measure)?;
        Ok((pmin.0, p1se.0))
    }
    /// Coefficients and intercept of the blend at alpha index `k` and gamma `gamma`.
    pub fn coef_at(&self, k: usize, gamma: f64) -> Result<(DVector<f64>, f64)> {
        let (c, b) = self.fit.relaxed.blend(&self.fit.path, gamma)?;
        Ok((c.column(k).into_owned(), b[k]))
    }
}

impl Predict for GlmRelaxCvFit {
    type Output = DVector<f64>;
    fn predict(&self, x: &DMatrix<f64>) -> Result<DVector<f64>> {
        let (c, b) = self.coef_at(self.index_min.0, self.gamma_min)?;
        Ok(predict_linear(x, &c, b)?.map(|e| self.fit.path.family.mean(e)))
    }
}

impl Fitted for GlmRelaxCvFit {
    fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }
}

/// One fold: the path at the full-data alphas on the training rows, and its refits.
struct FoldRelax {
    path: GlmPathParams,
    max_support: Option<usize>,
}

impl Fit<Weighted> for FoldRelax {
    type Fitted = (GlmPathFit, RelaxedPath);
    fn fit(&self, train: &Weighted) -> Result<(GlmPathFit, RelaxedPath)> {
        if train.weights.as_ref().is_some_and(|w| w.sum() <= 0.0) {
            return Err(Error::InvalidData(
                "a cross-validation fold has zero total training weight".into(),
            ));
        }
        let mut p = self.path.clone();
        p.options.weights = train.weights.clone();
        let path = p.fit(&train.data)?;
        let relaxed = path.relax(&train.data, &p.options, self.max_support)?;
        Ok((path, relaxed))
    }
}

impl Fit<RegressionData> for GlmRelaxCv {
    type Fitted = GlmRelaxCvFit;
    fn fit(&self, data: &RegressionData) -> Result<GlmRelaxCvFit> {
        let start = Instant::now();
        let (_, k) = self.folds.assign(data.x().nrows())?;
        let path = self.path.fit(data)?;
        let relaxed = path.relax(data, self.path.options(), self.max_support)?;
        let grid = path.alphas.clone();
        let mut fold_params = self.path.params.clone();
        fold_params.alphas = Some(grid.clone());
        fold_params.early_stop = false;
        let weighted = Weighted {
            data: data.clone(),
            weights: self.path.options().weights.clone(),
        };
        let (measure, gammas) = (self.measure, &self.gammas);
        let per_fold = cross_validate(
            &FoldRelax {
                path: fold_params,
                max_support: self.max_support,
            },
            &weighted,
            &self.folds,
            |(fp, fr): &(GlmPathFit, RelaxedPath), test: &Weighted| {
                let (x, y) = (test.data.x(), test.data.y());
                let (w, wsum) = test_weights(test);
                let mut m = DMatrix::zeros(gammas.len(), fp.alphas.len());
                for (g, &gamma) in gammas.iter().enumerate() {
                    let (coefs, b0) = fr.blend(fp, gamma)?;
                    for kk in 0..fp.alphas.len() {
                        let mu = predict_linear(x, &coefs.column(kk).into_owned(), b0[kk])?
                            .map(|e| fp.family.mean(e));
                        m[(g, kk)] =
                            measure_of(fp.family, measure, y.as_slice(), mu.as_slice(), &w, wsum);
                    }
                }
                Ok((m, wsum))
            },
        )?;
        let (ng, nk) = (gammas.len(), grid.len());
        let mut nf = vec![0.0; k];
        let mut by_gamma = vec![DMatrix::zeros(k, nk); ng];
        for r in per_fold {
            let (m, w) = r.score;
            for g in 0..ng {
                for kk in 0..nk {
                    by_gamma[g][(r.fold, kk)] = m[(g, kk)];
                }
            }
            nf[r.fold] = w;
        }
        let mut mean = DMatrix::zeros(ng, nk);
        let mut se = DMatrix::zeros(ng, nk);
        for (g, fm) in by_gamma.iter().enumerate() {
            let (m, s) = cv_mean_se(fm, &nf);
            for kk in 0..nk {
                mean[(g, kk)] = m[kk];
                se[(g, kk)] = s[kk];
            }
        }
        let (index_min, index_1se) = select(&mean, &se, &grid, gammas, measure)?;
        let mut diagnostics = path.diagnostics().clone();
        diagnostics.fit_seconds = seconds_since(start);
        let gamma_min = gammas[index_min.1];
        let fit = GlmRelaxFit::from_parts(path, relaxed, gamma_min, diagnostics.clone());
        Ok(GlmRelaxCvFit {
            measure,
            alpha_min: grid[index_min.0],
            gamma_min,
            alpha_1se: grid[index_1se.0],
            gamma_1se: gammas[index_1se.1],
            gammas: gammas.clone(),
            alphas: grid,
            mean,
            se,
            index_min,
            index_1se,
            fit,
            diagnostics,
        })
    }
}

/// glmnet's `getOptcv.relaxed`: the best pair (ties: largest alpha, then largest gamma) and the
/// 1-SE pair, as (alpha index, gamma index).
type Pair = (usize, usize);

fn select(
    mean: &DMatrix<f64>,
    se: &DMatrix<f64>,
    alphas: &[f64],
    gammas: &[f64],
    measure: CvMeasure,
) -> Result<(Pair, Pair)> {
    // Larger is better for AUC: select on the negated curve, as cv.glmnet does.
    let sign = if measure == CvMeasure::Auc { -1.0 } else { 1.0 };
    let pairs: Vec<Pair> = (0..alphas.len())
        .flat_map(|k| (0..gammas.len()).map(move |g| (k, g)))
        .filter(|&(k, g)| mean[(g, k)].is_finite())
        .collect();
    let score = |(k, g): Pair| sign * mean[(g, k)];
    let best = pairs
        .iter()
        .map(|&p| score(p))
        .fold(f64::INFINITY, f64::min);
    if !best.is_finite() {
        return Err(Error::Numerical(format!(
            "cross-validated {} is not finite at any (alpha, gamma)",
            measure.name()
        )));
    }
    let largest = |ok: &dyn Fn(Pair) -> bool| -> Pair {
        pairs
            .iter()
            .copied()
            .filter(|&p| ok(p))
            .max_by(|&(ka, ga), &(kb, gb)| {
                alphas[ka]
                    .total_cmp(&alphas[kb])
                    .then(gammas[ga].total_cmp(&gammas[gb]))
            })
            .expect("the best pair qualifies")
    };
    let pmin = largest(&|p| score(p) <= best);
    let thresh = score(pmin) + se[(pmin.1, pmin.0)];
    let p1se = largest(&|p| score(p) <= thresh);
    Ok((pmin, p1se))
}

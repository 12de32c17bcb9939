//! K-fold cross-validation of a GLM path with cv.glmnet's measures and its 1-SE rule.
//!
//! 1. The grid is the full-data path's; every fold's path is fitted on the other folds (their
//!    own weights, centring and scaling) exactly at that grid's alphas, without early stops.
//!    (cv.glmnet instead fits each fold on the fold's own grid and predicts at the full-data
//!    alphas by linear interpolation of the coefficients; the curves differ by that
//!    interpolation error, about 1% at worst on the committed fixtures, and the selected alphas
//!    agree there.)
//! 2. Per fold f and alpha: the held-out measure `M_f` (weighted by the held-out rows' weights:
//!    deviance, MSE, MAE or misclassification rate as a weighted mean of the per-row loss; AUC
//!    as the weighted Mann-Whitney statistic of the fold), and the fold weight `n_f` (the
//!    held-out weight total): cv.glmnet's `grouped = TRUE` arithmetic.
//! 3. `CV = sum_f n_f M_f / sum_f n_f`, `SE = sqrt(sum_f n_f (M_f - CV)^2 / sum_f n_f / (K - 1))`.
//! 4. `alpha_min`: the largest alpha attaining the best CV (the minimum; the maximum for AUC);
//!    `alpha_1se`: the largest alpha whose CV is within one SE of it.
//!
//! Binomial held-out probabilities are clamped to `[1e-5, 1 - 1e-5]` in the deviance, as
//! cv.glmnet's `prob_min`; a misclassification is `p >= 0.5` for y = 0 or `p <= 0.5` for y = 1;
//! binomial MSE and MAE are cv.glmnet's, summed over both classes (`2 (y - p)^2`, `2 |y - p|`).

use super::family::Family;
use super::path::{GlmPath, GlmPathFit, GlmPathParams, path_on};
use super::problem::GlmProblem;
use crate::error::{Error, Result, check};
use crate::estimator::{
    Diagnostics, Fit, Fitted, Folds, ParamGuard, Predict, RegressionData, cross_validate,
};
use crate::sparse::cv::Weighted;
use nalgebra::{DMatrix, DVector};
use std::time::Instant;

/// cv.glmnet's `type.measure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CvMeasure {
    /// The family's deviance (cv.glmnet's default for binomial and poisson; MSE for gaussian).
    Deviance,
    /// Mean squared error of the mean response.
    Mse,
    /// Mean absolute error of the mean response.
    Mae,
    /// Misclassification rate (binomial only).
    Class,
    /// Area under the ROC curve (binomial only; larger is better).
    Auc,
}

impl CvMeasure {
    /// Parse cv.glmnet's name.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "deviance" => Ok(Self::Deviance),
            "mse" => Ok(Self::Mse),
            "mae" => Ok(Self::Mae),
            "class" => Ok(Self::Class),
            "auc" => Ok(Self::Auc),
            other => Err(Error::UnknownName {
                kind: "cv measure",
                name: other.into(),
                known: "deviance, mse, mae, class, auc".into(),
            }),
        }
    }
    /// The name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Deviance => "deviance",
            Self::Mse => "mse",
            Self::Mae => "mae",
            Self::Class => "class",
            Self::Auc => "auc",
        }
    }
}

/// Unchecked cross-validated GLM path.
///
/// ```
/// use nalgebra::{DMatrix, DVector};
/// use veristat::estimator::{Fit, Folds, RegressionData};
/// use veristat::sparse::glm::{CvMeasure, Family, GlmCvParams, GlmPathParams};
/// let x = DMatrix::from_fn(90, 3, |i, j| (((i + 1) * (j + 4)) % 13) as f64 / 13.0);
/// let y = DVector::from_fn(90, |i, _| f64::from(x[(i, 1)] + ((i * 7) % 5) as f64 * 0.1 > 0.6));
/// let cv = GlmCvParams::new(GlmPathParams::new(Family::Binomial).n_alphas(15))
///     .folds(Folds::Shuffled { k: 3, seed: 2 })
///     .measure(CvMeasure::Auc)
///     .fit(&RegressionData::new(x, y).unwrap())
///     .unwrap();
/// assert!(cv.alpha_1se >= cv.alpha_min);
/// ```
#[derive(Debug, Clone)]
pub struct GlmCvParams {
    path: GlmPathParams,
    folds: Folds,
    measure: Option<CvMeasure>,
}

impl GlmCvParams {
    /// Cross-validation of `path`, by default on 10 shuffled folds with seed 0 (cv.glmnet's
    /// `nfolds`) and the family's default measure (deviance; MSE for gaussian).
    pub fn new(path: GlmPathParams) -> Self {
        Self {
            path,
            folds: Folds::Shuffled { k: 10, seed: 0 },
            measure: None,
        }
    }
    /// The folds: `Folds::Ids` (cv.glmnet's `foldid`) or `Folds::Shuffled { k, seed }`.
    pub fn folds(mut self, folds: Folds) -> Self {
        self.folds = folds;
        self
    }
    /// cv.glmnet's `type.measure`.
    pub fn measure(mut self, m: CvMeasure) -> Self {
        self.measure = Some(m);
        self
    }
}

impl ParamGuard for GlmCvParams {
    type Checked = GlmCv;
    /// The path parameters; `k >= 2` shuffled folds; class and AUC need the binomial family.
    fn check(&self) -> Result<GlmCv> {
        let path = self.path.check()?;
        if let Folds::Shuffled { k, .. } = &self.folds {
            check::at_least("n_folds", *k, 2)?;
        }
        let measure = resolve_measure(self.path.family, self.measure)?;
        Ok(GlmCv {
            path,
            folds: self.folds.clone(),
            measure,
        })
    }
}

/// The measure given, or the family's default (deviance; MSE for gaussian); class and AUC need
/// the binomial family.
pub(super) fn resolve_measure(family: Family, measure: Option<CvMeasure>) -> Result<CvMeasure> {
    let measure = measure.unwrap_or(match family {
        Family::Gaussian => CvMeasure::Mse,
        _ => CvMeasure::Deviance,
    });
    if matches!(measure, CvMeasure::Class | CvMeasure::Auc) && family != Family::Binomial {
        return Err(Error::param(
            "measure",
            measure.name(),
            format!("needs the binomial family, not {}", family.name()),
        ));
    }
    Ok(measure)
}

/// Checked cross-validation parameters; fitted by [`Fit`].
#[derive(Debug, Clone)]
pub struct GlmCv {
    path: GlmPath,
    folds: Folds,
    measure: CvMeasure,
}

/// The result of cross-validating a GLM path.
///
/// [`Predict`] is the alpha_min refit's mean response; [`Fitted::diagnostics`] is the full-data
/// path's, with `fit_seconds` of the whole cross-validation.
#[derive(Debug, Clone)]
pub struct GlmCvFit {
    /// The measure.
    pub measure: CvMeasure,
    /// The full-data grid.
    pub alphas: Vec<f64>,
    /// CV(alpha).
    pub mean: Vec<f64>,
    /// SE(alpha).
    pub se: Vec<f64>,
    /// Held-out measure, K folds x grid.
    pub fold_measure: DMatrix<f64>,
    /// Index of alpha_min.
    pub index_min: usize,
    /// Index of alpha_1se.
    pub index_1se: usize,
    /// The alpha with the best CV (the largest, on ties).
    pub alpha_min: f64,
    /// The largest alpha within one SE of the best.
    pub alpha_1se: f64,
    /// The full-data path.
    pub path: GlmPathFit,
    diagnostics: Diagnostics,
}

impl Predict for GlmCvFit {
    type Output = DVector<f64>;
    fn predict(&self, x: &DMatrix<f64>) -> Result<DVector<f64>> {
        self.path.predict_at(x, self.index_min)
    }
}

impl Fitted for GlmCvFit {
    fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }
}

/// One fold's path on the full-data grid with the training rows' own weights.
struct FoldPath {
    path: GlmPathParams,
}

impl Fit<Weighted> for FoldPath {
    type Fitted = GlmPathFit;
    fn fit(&self, train: &Weighted) -> Result<GlmPathFit> {
        if train.weights.as_ref().is_some_and(|w| w.sum() <= 0.0) {
            return Err(Error::InvalidData(
                "a cross-validation fold has zero total training weight".into(),
            ));
        }
        let mut p = self.path.clone();
        p.options.weights = train.weights.clone();
        let prob = GlmProblem::new(p.family, train.data.x(), train.data.y(), &p.options)?;
        path_on(&prob, &p, Instant::now())
    }
}

/// Weighted AUC (Mann-Whitney with ties counted one half): the weighted share of
/// (positive, negative) pairs ranked correctly.
fn weighted_auc(y: &[f64], p: &[f64], w: &[f64]) -> f64 {
    let mut idx: Vec<usize> = (0..y.len()).collect();
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let (mut neg_below, mut num) = (0.0, 0.0);
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        let (mut gp, mut gn) = (0.0, 0.0);
        while j < idx.len() && p[idx[j]] == p[idx[i]] {
            if y[idx[j]] == 1.0 {
                gp += w[idx[j]];
            } else {
                gn += w[idx[j]];
            }
            j += 1;
        }
        num += gp * (neg_below + 0.5 * gn);
        neg_below += gn;
        i = j;
    }
    let pos: f64 = (0..y.len()).filter(|&i| y[i] == 1.0).map(|i| w[i]).sum();
    let neg: f64 = (0..y.len()).filter(|&i| y[i] != 1.0).map(|i| w[i]).sum();
    if pos > 0.0 && neg > 0.0 {
        num / (pos * neg)
    } else {
        f64::NAN
    }
}

/// The held-out rows' weights (1 without weights) and their total, the fold weight `n_f`.
pub(super) fn test_weights(test: &Weighted) -> (Vec<f64>, f64) {
    let n = test.data.y().len();
    let w: Vec<f64> = (0..n)
        .map(|i| test.weights.as_ref().map_or(1.0, |w| w[i]))
        .collect();
    let wsum = w.iter().sum();
    (w, wsum)
}

/// The held-out measure of the mean responses `mu` of rows `y` with weights `w` (summing to
/// `wsum`).
pub(super) fn measure_of(
    family: Family,
    measure: CvMeasure,
    y: &[f64],
    mu: &[f64],
    w: &[f64],
    wsum: f64,
) -> f64 {
    if measure == CvMeasure::Auc {
        return weighted_auc(y, mu, w);
    }
    // cv.glmnet's binomial MSE and MAE sum over the two columns of the indicator response,
    // (y - p)^2 + ((1 - y) - (1 - p))^2: twice the one-column loss.
    let two = if family == Family::Binomial { 2.0 } else { 1.0 };
    (0..y.len())
        .map(|i| {
            let (yi, m) = (y[i], mu[i]);
            w[i] * match measure {
                CvMeasure::Deviance => match family {
                    Family::Binomial => family.unit_deviance(yi, m.clamp(1e-5, 1.0 - 1e-5)),
                    _ => family.unit_deviance(yi, m),
                },
                CvMeasure::Mse => two * (yi - m) * (yi - m),
                CvMeasure::Mae => two * (yi - m).abs(),
                CvMeasure::Class => f64::from((yi == 0.0 && m >= 0.5) || (yi == 1.0 && m <= 0.5)),
                CvMeasure::Auc => unreachable!("handled above"),
            }
        })
        .sum::<f64>()
        / wsum
}

/// The held-out measure at every point of a fold's path, and the fold weight.
fn held_out(fit: &GlmPathFit, test: &Weighted, measure: CvMeasure) -> Result<(Vec<f64>, f64)> {
    let (x, y) = (test.data.x(), test.data.y());
    let (w, wsum) = test_weights(test);
    let mut out = Vec::with_capacity(fit.alphas.len());
    for k in 0..fit.alphas.len() {
        let mu = fit.predict_at(x, k)?;
        out.push(measure_of(
            fit.family,
            measure,
            y.as_slice(),
            mu.as_slice(),
            &w,
            wsum,
        ));
    }
    Ok((out, wsum))
}

/// cv.glmnet's grouped statistics of the held-out measures (folds x grid) with fold weights
/// `nf`: `CV = sum_f n_f M_f / sum_f n_f` and `SE = sqrt(sum_f n_f (M_f - CV)^2 / sum_f n_f /
/// (K - 1))` per grid point.
pub(super) fn cv_mean_se(fold_measure: &DMatrix<f64>, nf: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let (k, len) = fold_measure.shape();
    let ntot: f64 = nf.iter().sum();
    let mean: Vec<f64> = (0..len)
        .map(|kk| (0..k).map(|f| nf[f] * fold_measure[(f, kk)]).sum::<f64>() / ntot)
        .collect();
    let se: Vec<f64> = (0..len)
        .map(|kk| {
            let v = (0..k)
                .map(|f| nf[f] * (fold_measure[(f, kk)] - mean[kk]).powi(2))
                .sum::<f64>()
                / ntot;
            (v / (k as f64 - 1.0)).sqrt()
        })
        .collect();
    (mean, se)
}

impl Fit<RegressionData> for GlmCv {
    type Fitted = GlmCvFit;
    fn fit(&self, data: &RegressionData) -> Result<GlmCvFit> {
        let start = Instant::now();
        let (k, _) = {
            let (ids, k) = self.folds.assign(data.x().nrows())?;
            (k, ids)
        };
        let path = self.path.fit(data)?;
        let grid = path.alphas.clone();
        let mut fold_params = self.path.params.clone();
        fold_params.alphas = Some(grid.clone());
        fold_params.early_stop = false;
        let weighted = Weighted {
            data: data.clone(),
            weights: self.path.options().weights.clone(),
        };
        let measure = self.measure;
        let per_fold = cross_validate(
            &FoldPath { path: fold_params },
            &weighted,
            &self.folds,
            |fit: &GlmPathFit, test: &Weighted| held_out(fit, test, measure),
        )?;
        let mut fold_measure = DMatrix::zeros(k, grid.len());
        let mut nf = vec![0.0; k];
        for r in per_fold {
            let (m, w) = r.score;
            for (kk, v) in m.into_iter().enumerate() {
                fold_measure[(r.fold, kk)] = v;
            }
            nf[r.fold] = w;
        }
        let (mean, se) = cv_mean_se(&fold_measure, &nf);
        // Larger is better for AUC: select on the negated curve, as cv.glmnet does.
        let sign = if measure == CvMeasure::Auc { -1.0 } else { 1.0 };
        let score: Vec<f64> = mean.iter().map(|m| sign * m).collect();
        let best = score
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .fold(f64::INFINITY, f64::min);
        if !best.is_finite() {
            return Err(Error::Numerical(format!(
                "cross-validated {} is not finite at any alpha",
                measure.name()
            )));
        }
        let largest_alpha_where = |ok: &dyn Fn(usize) -> bool| -> usize {
            (0..grid.len())
                .filter(|&i| ok(i))
                .max_by(|&a, &b| grid[a].total_cmp(&grid[b]))
                .expect("the best point qualifies")
        };
        let index_min = largest_alpha_where(&|i| score[i] <= best);
        let thresh = score[index_min] + se[index_min];
        let index_1se = largest_alpha_where(&|i| score[i] <= thresh);
        let mut diagnostics = path.diagnostics().clone();
        diagnostics.fit_seconds = crate::estimator::seconds_since(start);
        Ok(GlmCvFit {
            measure,
            alpha_min: grid[index_min],
            alpha_1se: grid[index_1se],
            alphas: grid,
            mean,
            se,
            fold_measure,
            index_min,
            index_1se,
            path,
            diagnostics,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_auc_counts_pairs() {
        let y = [0.0, 1.0, 0.0, 1.0];
        let p = [0.1, 0.4, 0.35, 0.8];
        assert_eq!(weighted_auc(&y, &p, &[1.0; 4]), 1.0);
        let p2 = [0.5, 0.2, 0.1, 0.5];
        // Pairs (pos, neg): (1: 0.2 vs 0.5 wrong, vs 0.1 right), (3: tie 0.5 half, vs 0.1 right).
        assert!((weighted_auc(&y, &p2, &[1.0; 4]) - 2.5 / 4.0).abs() < 1e-15);
        // Doubling a row's weight equals duplicating it.
        let w = [2.0, 1.0, 1.0, 1.0];
        let (y3, p3) = ([0.0, 0.0, 1.0, 0.0, 1.0], [0.5, 0.5, 0.2, 0.1, 0.5]);
        assert!((weighted_auc(&y, &p2, &w) - weighted_auc(&y3, &p3, &[1.0; 5])).abs() < 1e-15);
    }
}

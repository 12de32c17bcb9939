//! The estimator contract every method family follows, in the spirit of linfa's `ParamGuard`,
//! `Fit` and `Predict`:
//!
//! ```text
//! unchecked params (builder) --check()--> checked params --fit(&data)--> fitted model
//!                                                                        |- predict(&x)
//!                                                                        '- diagnostics()
//! ```
//!
//! * [`ParamGuard::check`] validates every parameter once and returns the checked type, or an
//!   [`Error::InvalidParameter`] naming the parameter and the offending value.
//! * [`Fit`] is implemented by the checked params; a blanket impl lets unchecked params be fitted
//!   directly (they are checked first), so `Lasso::new(0.1).fit(&data)` and
//!   `Lasso::new(0.1).check()?.fit(&data)` give the same model.
//! * Randomness enters one way: a `seed` in the params. An estimator that draws (a shuffled
//!   fold assignment, a privacy mechanism's noise) draws from [`crate::rng::stream`] keyed by
//!   that seed and a label naming the estimator, so a fit is a pure function of (params, data).
//! * [`Predict`] maps new rows to predictions; [`Fitted::diagnostics`] returns one
//!   [`Diagnostics`] record shape for every estimator (iterations, why it stopped, the
//!   optimality certificate it reached, fit seconds).
//! * [`Folds`] and [`cross_validate`] are the one fold assignment and the one cross-validation
//!   loop: any `Fit` over data that can be split by rows ([`Rows`]) is cross-validated by the
//!   same routine, with a caller-supplied score.

use crate::error::{Error, Result, check};
use crate::rng::Rng;
use nalgebra::{DMatrix, DVector};
use rand::RngExt;
use rayon::prelude::*;

/// Validation of unchecked parameters (linfa's `ParamGuard`).
pub trait ParamGuard {
    /// The validated parameter type, which implements [`Fit`].
    type Checked;
    /// Validate every parameter; the error names the first one out of its domain.
    fn check(&self) -> Result<Self::Checked>;
}

/// Fitting checked parameters to data of type `D`.
pub trait Fit<D: ?Sized> {
    /// The fitted model.
    type Fitted;
    /// Fit to `data`. Data-dependent problems (dimension mismatches, non-finite cells,
    /// non-identifiability) are typed errors; parameters were validated by [`ParamGuard`].
    fn fit(&self, data: &D) -> Result<Self::Fitted>;
}

/// Unchecked params fit by checking first.
impl<P, D> Fit<D> for P
where
    D: ?Sized,
    P: ParamGuard,
    P::Checked: Fit<D>,
{
    type Fitted = <P::Checked as Fit<D>>::Fitted;
    fn fit(&self, data: &D) -> Result<Self::Fitted> {
        self.check()?.fit(data)
    }
}

/// Predictions of a fitted model for new rows `X` (by default an n x d design).
pub trait Predict<X: ?Sized = DMatrix<f64>> {
    /// What a prediction is (a response vector, class probabilities, ...).
    type Output;
    /// Predict for every row of `x`; a column-count mismatch is [`Error::DimensionMismatch`].
    fn predict(&self, x: &X) -> Result<Self::Output>;
}

/// A fitted model's record of how the fit went.
pub trait Fitted {
    /// The fit's diagnostics.
    fn diagnostics(&self) -> &Diagnostics;
}

/// Why an iterative fit stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stop {
    /// The certificate met its tolerance.
    Converged,
    /// The iteration cap was reached first (the estimate is returned; see the certificate).
    MaxIterations,
    /// The gradient vanished at the start (zero is optimal).
    ZeroGradient,
    /// A finite algorithm (closed form, greedy selection, exhaustive search) ran to completion.
    Finished,
    /// No step decreased the objective at machine precision before the certificate met its
    /// tolerance (the estimate is returned when the certificate is close; see it).
    Stalled,
}

/// The optimality certificate a fit reached, in the units its tolerance is stated in.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Certificate {
    /// Duality gap and its target (convex problems with a dual).
    DualityGap {
        /// Gap at the returned point.
        gap: f64,
        /// The tolerance it was compared with.
        target: f64,
    },
    /// A gradient norm (smooth problems; the norm is stated by the estimator).
    GradientNorm {
        /// The norm at the returned point.
        norm: f64,
        /// The tolerance it was compared with.
        target: f64,
    },
    /// Relative change of the iterate at the last step (fixed-point iterations such as IHT).
    RelativeChange {
        /// ‖Δw‖/‖w‖ at the last step.
        change: f64,
        /// The tolerance it was compared with.
        target: f64,
    },
    /// None applies (closed forms, finite algorithms).
    None,
}

/// How a fit went: the same shape for every estimator.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Diagnostics {
    /// Iterations of the estimator's main loop (epochs, Newton steps, greedy steps, rounds);
    /// for a path, the sum over the path.
    pub iterations: usize,
    /// Why it stopped (for a path: `Converged` when every point converged, else the first
    /// point's that did not).
    pub stop: Stop,
    /// The certificate reached (for a path: the worst point's).
    pub certificate: Certificate,
    /// Wall seconds spent in `fit` (the fit only; no I/O).
    pub fit_seconds: f64,
}

impl Diagnostics {
    /// Whether the fit met its tolerance or finished.
    pub fn converged(&self) -> bool {
        !matches!(self.stop, Stop::MaxIterations | Stop::Stalled)
    }
}

/// Seconds since `start`, for [`Diagnostics::fit_seconds`].
pub fn seconds_since(start: std::time::Instant) -> f64 {
    start.elapsed().as_secs_f64()
}

/// A design matrix and a real response: the data of the regression estimators.
#[derive(Debug, Clone, PartialEq)]
pub struct RegressionData {
    x: DMatrix<f64>,
    y: DVector<f64>,
}

impl RegressionData {
    /// Pair an n x d design with a response of length n.
    pub fn new(x: DMatrix<f64>, y: DVector<f64>) -> Result<Self> {
        if x.nrows() != y.len() {
            return Err(Error::DimensionMismatch {
                what: "response length vs design rows",
                expected: x.nrows(),
                got: y.len(),
            });
        }
        Ok(Self { x, y })
    }
    /// The design.
    pub fn x(&self) -> &DMatrix<f64> {
        &self.x
    }
    /// The response.
    pub fn y(&self) -> &DVector<f64> {
        &self.y
    }
    /// Design and response, moved out.
    pub fn into_parts(self) -> (DMatrix<f64>, DVector<f64>) {
        (self.x, self.y)
    }
}

/// Data that can be split by rows (what [`cross_validate`] needs).
pub trait Rows: Sized {
    /// Number of rows.
    fn n_rows(&self) -> usize;
    /// The rows `rows`, in that order.
    fn subset(&self, rows: &[usize]) -> Result<Self>;
}

impl Rows for RegressionData {
    fn n_rows(&self) -> usize {
        self.x.nrows()
    }
    fn subset(&self, rows: &[usize]) -> Result<Self> {
        let x = self.x.select_rows(rows);
        let y = DVector::from_iterator(rows.len(), rows.iter().map(|&i| self.y[i]));
        Ok(Self { x, y })
    }
}

/// How rows are assigned to cross-validation folds.
#[derive(Debug, Clone, PartialEq)]
pub enum Folds {
    /// One label per row (cv.glmnet's `foldid`, scikit-learn's `PredefinedSplit`); the distinct
    /// labels, sorted, are the folds.
    Ids(Vec<i64>),
    /// `k` folds of near-equal size from a seeded shuffle: [`fold_ids`] on
    /// `rng::stream(seed, "sparse-cv-folds", 0)` (the label predates the generic routine and is
    /// kept so that a seed gives the folds it always gave).
    Shuffled {
        /// Number of folds (>= 2, <= rows).
        k: usize,
        /// Seed.
        seed: u64,
    },
}

impl Folds {
    /// The fold of every row, mapped to 0..K-1 in the order of the sorted distinct labels, and K.
    pub fn assign(&self, n: usize) -> Result<(Vec<usize>, usize)> {
        let labels: Vec<i64> = match self {
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
        if distinct.len() < 2 {
            return Err(Error::param(
                "folds",
                distinct.len(),
                "need at least 2 distinct fold labels",
            ));
        }
        let foldid = labels
            .iter()
            .map(|l| {
                distinct
                    .binary_search(l)
                    .expect("label is in its own sorted set")
            })
            .collect();
        Ok((foldid, distinct.len()))
    }
}

/// Fold labels 0..k-1: `i mod k` permuted by a Fisher-Yates shuffle from `rng`.
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

/// One fold's held-out result.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldScore<S> {
    /// Fold index (0..K-1).
    pub fold: usize,
    /// Held-out rows.
    pub n_test: usize,
    /// The score of the model fitted on the other folds, on this fold's rows.
    pub score: S,
}

/// K-fold cross-validation of any estimator: for each fold, fit `estimator` on the other folds'
/// rows and score the fitted model on the fold's rows with `score(fitted, held_out)`. Folds run
/// in parallel; the result is in fold order and independent of the thread count.
///
/// The score may be a number or a vector (one per point of a path).
pub fn cross_validate<E, D, S, F>(
    estimator: &E,
    data: &D,
    folds: &Folds,
    score: F,
) -> Result<Vec<FoldScore<S>>>
where
    E: Fit<D> + Sync,
    D: Rows + Sync + Send,
    S: Send,
    F: Fn(&E::Fitted, &D) -> Result<S> + Sync,
{
    let (foldid, k) = folds.assign(data.n_rows())?;
    (0..k)
        .into_par_iter()
        .map(|f| {
            let (test, train): (Vec<usize>, Vec<usize>) =
                (0..foldid.len()).partition(|&i| foldid[i] == f);
            let fitted = estimator.fit(&data.subset(&train)?)?;
            let held_out = data.subset(&test)?;
            Ok(FoldScore {
                fold: f,
                n_test: test.len(),
                score: score(&fitted, &held_out)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The mean of y, as the simplest estimator: the CV loop must give the closed-form
    /// leave-fold-out means.
    #[derive(Debug, Clone)]
    struct MeanParams;
    struct Mean(f64, Diagnostics);
    impl Fit<RegressionData> for MeanParams {
        type Fitted = Mean;
        fn fit(&self, d: &RegressionData) -> Result<Mean> {
            Ok(Mean(
                d.y().mean(),
                Diagnostics {
                    iterations: 0,
                    stop: Stop::Finished,
                    certificate: Certificate::None,
                    fit_seconds: 0.0,
                },
            ))
        }
    }
    impl Fitted for Mean {
        fn diagnostics(&self) -> &Diagnostics {
            &self.1
        }
    }
    impl Predict for Mean {
        type Output = DVector<f64>;
        fn predict(&self, x: &DMatrix<f64>) -> Result<DVector<f64>> {
            Ok(DVector::from_element(x.nrows(), self.0))
        }
    }

    #[test]
    fn cv_of_the_mean_equals_leave_fold_out_means() {
        let n = 10;
        let x = DMatrix::zeros(n, 1);
        let y = DVector::from_fn(n, |i, _| (i * i) as f64);
        let data = RegressionData::new(x, y.clone()).unwrap();
        let ids: Vec<i64> = (0..n as i64).map(|i| 7 - 3 * (i % 2)).collect();
        let scores = cross_validate(&MeanParams, &data, &Folds::Ids(ids), |m, d| {
            Ok((m.predict(d.x())? - d.y()).norm_squared() / d.n_rows() as f64)
        })
        .unwrap();
        assert_eq!(scores.len(), 2);
        assert!(MeanParams.fit(&data).unwrap().diagnostics().converged());
        // Label 4 (odd rows) sorts first: fold 0 is the odd rows, trained on the even ones.
        let even: Vec<f64> = (0..n).step_by(2).map(|i| y[i]).collect();
        let odd: Vec<f64> = (1..n).step_by(2).map(|i| y[i]).collect();
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let mse = |test: &[f64], m: f64| test.iter().map(|t| (t - m).powi(2)).sum::<f64>() / 5.0;
        assert_eq!(scores[0].score, mse(&odd, mean(&even)));
        assert_eq!(scores[1].score, mse(&even, mean(&odd)));
        assert_eq!(scores[0].n_test, 5);
    }

    #[test]
    fn a_stalled_fit_is_not_converged() {
        let d = |stop| Diagnostics {
            iterations: 3,
            stop,
            certificate: Certificate::None,
            fit_seconds: 0.0,
        };
        assert!(d(Stop::Converged).converged() && d(Stop::Finished).converged());
        assert!(!d(Stop::Stalled).converged() && !d(Stop::MaxIterations).converged());
    }

    #[test]
    fn folds_are_checked() {
        assert!(Folds::Ids(vec![1, 1, 1]).assign(3).is_err());
        assert!(Folds::Ids(vec![1, 2]).assign(3).is_err());
        assert!(Folds::Shuffled { k: 4, seed: 1 }.assign(3).is_err());
        let (f, k) = Folds::Shuffled { k: 3, seed: 1 }.assign(10).unwrap();
        assert_eq!(k, 3);
        for j in 0..3 {
            let c = f.iter().filter(|&&v| v == j).count();
            assert!((3..=4).contains(&c));
        }
    }
}

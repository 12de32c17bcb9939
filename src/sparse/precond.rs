//! Preconditioned Lasso (spec §1a): the framework of Kelner, Koehler, Meka and Rohatgi, "On the
//! Power of Preconditioning in Sparse Linear Regression" (FOCS 2021).
//!
//! This is **not** the algorithm of Chandrasekaran, Meka, Stavropoulos, "Sparse Linear
//! Regression is Easy on Random Supports" (arXiv:2511.06211), whose preconditioner construction
//! was not available; that paper builds on this framework. Phase 1 picks an invertible
//! `S in R^{d x d}` from X alone (never from y); phase 2 solves the Lasso on `X~ = X S`,
//! `v^ = argmin (1/2N)||y - X~ v||^2 + lambda ||v||_1`, and returns `w^ = S v^`, so predictions
//! are `X w^ = X~ v^`. With `||x~_j|| <= sqrt(N)` and `lambda = 2 sigma sqrt(2 log(2d/delta)/N)`
//! the slow rate `(1/N)||X~(v^ - v*)||^2 <= 3 lambda ||S^{-1} w*||_1` holds for any design.
//!
//! Step 0, and the default here, is column normalization `S = D^{-1}`,
//! `D_jj = ||x_j|| / sqrt(N)` (a zero column keeps `D_jj = 1`). A user-supplied `S` is any
//! invertible d x d matrix; choosing it well is the open part (any heuristic is veristat's own).
//!
//! As an estimator: [`PrecondLassoParams::new`]`(lasso)` (a fixed penalty) or
//! [`PrecondLassoParams::cv`]`(cv)` (alpha_min by cross-validation on `X S`), optionally
//! `.preconditioner(S)`, `-> check() ->` [`PrecondLasso`] `-> fit(&RegressionData) ->`
//! [`PrecondLassoFit`].

use super::cv::{LassoCv, LassoCvFit, LassoCvParams};
use super::lasso::{ElasticNet, ElasticNetParams, EnetFit};
use super::linear::predict_linear;
use crate::error::{Error, Result};
use crate::estimator::{
    Diagnostics, Fit, Fitted, ParamGuard, Predict, RegressionData, seconds_since,
};
use nalgebra::{DMatrix, DVector};

/// The preconditioner S of phase 1.
#[derive(Debug, Clone, Default)]
pub enum Preconditioner {
    /// `S = D^{-1}`, `D_jj = ||x_j|| / sqrt(N)` (step 0 of the framework).
    #[default]
    ColumnNormalization,
    /// A user-supplied invertible d x d matrix.
    Matrix(DMatrix<f64>),
}

impl Preconditioner {
    /// The checks that need no design: a user S is square, finite and invertible.
    fn check(&self) -> Result<()> {
        if let Preconditioner::Matrix(s) = self {
            if s.nrows() != s.ncols() {
                return Err(Error::param(
                    "preconditioner",
                    format!("{} x {}", s.nrows(), s.ncols()),
                    "S must be square",
                ));
            }
            if let Some(pos) = s.iter().position(|v| !v.is_finite()) {
                return Err(Error::param(
                    "preconditioner",
                    s[pos],
                    "entries must be finite",
                ));
            }
            if s.clone().lu().determinant() == 0.0 {
                return Err(Error::param(
                    "preconditioner",
                    "singular matrix",
                    "S must be invertible",
                ));
            }
        }
        Ok(())
    }

    /// The matrix S for design X (diagonal for column normalization).
    pub fn matrix(&self, x: &DMatrix<f64>) -> Result<DMatrix<f64>> {
        let d = x.ncols();
        match self {
            Preconditioner::ColumnNormalization => {
                Ok(DMatrix::from_diagonal(&column_normalization(x)))
            }
            Preconditioner::Matrix(s) => {
                if s.shape() != (d, d) {
                    return Err(Error::DimensionMismatch {
                        what: "preconditioner size",
                        expected: d,
                        got: s.nrows(),
                    });
                }
                self.check()?;
                Ok(s.clone())
            }
        }
    }
}

/// `1 / D_jj` with `D_jj = ||x_j|| / sqrt(N)`: the diagonal of the column-normalization S.
pub fn column_normalization(x: &DMatrix<f64>) -> DVector<f64> {
    let nf = x.nrows() as f64;
    DVector::from_iterator(
        x.ncols(),
        x.column_iter().map(|c| {
            let dj = c.norm() / nf.sqrt();
            if dj > 0.0 { 1.0 / dj } else { 1.0 }
        }),
    )
}

/// How phase 2 sets the penalty (unchecked).
#[derive(Debug, Clone)]
enum Phase2Params {
    Fixed(ElasticNetParams),
    Cv(LassoCvParams),
}

/// How phase 2 sets the penalty (checked).
#[derive(Debug, Clone)]
enum Phase2 {
    Fixed(ElasticNet),
    Cv(LassoCv),
}

/// Unchecked preconditioned-Lasso parameters: S and phase 2's Lasso.
///
/// ```
/// use nalgebra::{DMatrix, DVector};
/// use veristat::estimator::{Fit, Predict, RegressionData};
/// use veristat::sparse::{Lasso, PrecondLassoParams, Preconditioner};
/// let x = DMatrix::from_fn(40, 4, |i, j| ((i * 5 + j * 3) % 7) as f64 * (j + 1) as f64);
/// let y = DVector::from_fn(40, |i, _| x[(i, 1)] - 2.0 * x[(i, 3)]);
/// let data = RegressionData::new(x, y).unwrap();
/// let fit = PrecondLassoParams::new(Lasso::new(0.01))
///     .preconditioner(Preconditioner::ColumnNormalization)
///     .fit(&data)
///     .unwrap();
/// assert_eq!(fit.predict(data.x()).unwrap().len(), 40);
/// ```
#[derive(Debug, Clone)]
pub struct PrecondLassoParams {
    preconditioner: Preconditioner,
    phase2: Phase2Params,
}

impl PrecondLassoParams {
    /// Phase 2 at a fixed penalty: `lasso`'s alpha, l1_ratio and options, applied to `X S`;
    /// column normalization unless [`preconditioner`](Self::preconditioner) says otherwise.
    pub fn new(lasso: ElasticNetParams) -> Self {
        Self {
            preconditioner: Preconditioner::default(),
            phase2: Phase2Params::Fixed(lasso),
        }
    }

    /// Phase 2 with alpha chosen by cross-validation on `X S` (alpha_min).
    pub fn cv(cv: LassoCvParams) -> Self {
        Self {
            preconditioner: Preconditioner::default(),
            phase2: Phase2Params::Cv(cv),
        }
    }

    /// The preconditioner S (default: column normalization).
    pub fn preconditioner(mut self, s: Preconditioner) -> Self {
        self.preconditioner = s;
        self
    }
}

impl ParamGuard for PrecondLassoParams {
    type Checked = PrecondLasso;
    /// Phase 2's parameters, and a user S square, finite and invertible (its size against the
    /// design is checked at fit time).
    fn check(&self) -> Result<PrecondLasso> {
        self.preconditioner.check()?;
        let phase2 = match &self.phase2 {
            Phase2Params::Fixed(p) => Phase2::Fixed(p.check()?),
            Phase2Params::Cv(p) => Phase2::Cv(p.check()?),
        };
        Ok(PrecondLasso {
            preconditioner: self.preconditioner.clone(),
            phase2,
        })
    }
}

/// Checked preconditioned-Lasso parameters; fitted by [`Fit`].
#[derive(Debug, Clone)]
pub struct PrecondLasso {
    preconditioner: Preconditioner,
    phase2: Phase2,
}

/// A preconditioned-Lasso fit.
///
/// [`Fitted::diagnostics`] is phase 2's (the Lasso on `X S`, or its cross-validation's), with
/// `fit_seconds` of the whole fit.
#[derive(Debug, Clone)]
pub struct PrecondLassoFit {
    /// `w^ = S v^` on the original scale of X.
    pub coef: DVector<f64>,
    /// Intercept (0 unless the Lasso options fit one).
    pub intercept: f64,
    /// `v^`, the Lasso solution on `X S`, with its certificate (the alpha_min refit under CV).
    pub inner: EnetFit,
    /// The cross-validation on `X S`, when phase 2 chose alpha by it.
    pub cv: Option<LassoCvFit>,
    diagnostics: Diagnostics,
}

impl Predict for PrecondLassoFit {
    type Output = DVector<f64>;
    /// Predictions `X w^ + b`.
    fn predict(&self, x: &DMatrix<f64>) -> Result<DVector<f64>> {
        predict_linear(x, &self.coef, self.intercept)
    }
}

impl Fitted for PrecondLassoFit {
    fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }
}

/// S and `X S`.
fn apply(x: &DMatrix<f64>, s: &Preconditioner) -> Result<(DMatrix<f64>, DMatrix<f64>)> {
    let sm = s.matrix(x)?;
    let xs = match s {
        // Diagonal S: scale columns instead of a d^2 n product.
        Preconditioner::ColumnNormalization => {
            let mut xs = x.clone();
            for (j, mut c) in xs.column_iter_mut().enumerate() {
                c *= sm[(j, j)];
            }
            xs
        }
        Preconditioner::Matrix(_) => x * &sm,
    };
    Ok((sm, xs))
}

impl Fit<RegressionData> for PrecondLasso {
    type Fitted = PrecondLassoFit;
    /// Phase 1 builds `X S` from X alone; phase 2 fits the Lasso on it and maps back with
    /// `w^ = S v^`.
    fn fit(&self, data: &RegressionData) -> Result<PrecondLassoFit> {
        let start = std::time::Instant::now();
        let (sm, xs) = apply(data.x(), &self.preconditioner)?;
        let (inner, cv) = match &self.phase2 {
            Phase2::Fixed(lasso) => (lasso.fit_xy(&xs, data.y())?, None),
            Phase2::Cv(cv) => {
                let cvfit = cv.fit(&RegressionData::new(xs, data.y().clone())?)?;
                (cvfit.path.point(cvfit.index_min), Some(cvfit))
            }
        };
        let mut diagnostics = match &cv {
            Some(c) => c.diagnostics().clone(),
            None => inner.diagnostics().clone(),
        };
        diagnostics.fit_seconds = seconds_since(start);
        Ok(PrecondLassoFit {
            coef: &sm * &inner.coef,
            intercept: inner.intercept,
            inner,
            cv,
            diagnostics,
        })
    }
}

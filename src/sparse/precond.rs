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

use super::cv::{CvFit, Folds, LassoCv};
use super::lasso::{ElasticNet, EnetFit};
use crate::error::{Error, Result};
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

/// A preconditioned-Lasso fit.
#[derive(Debug, Clone)]
pub struct PrecondFit {
    /// `w^ = S v^` on the original scale of X.
    pub coef: DVector<f64>,
    /// Intercept (0 unless the Lasso options fit one).
    pub intercept: f64,
    /// `v^`, the Lasso solution on `X S`, with its certificate.
    pub inner: EnetFit,
}

impl PrecondFit {
    /// Predictions `X w^ + b`.
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

/// Preconditioned Lasso at a fixed penalty: phase 2 runs `lasso` (its alpha, l1_ratio and
/// options, applied to `X S`) and maps back with `w^ = S v^`.
pub fn lasso_precond(
    x: &DMatrix<f64>,
    y: &DVector<f64>,
    s: &Preconditioner,
    lasso: &ElasticNet,
) -> Result<PrecondFit> {
    lasso.validate()?;
    let (sm, xs) = apply(x, s)?;
    let inner = lasso.fit(&xs, y)?;
    Ok(PrecondFit {
        coef: &sm * &inner.coef,
        intercept: inner.intercept,
        inner,
    })
}

/// Preconditioned Lasso with alpha chosen by cross-validation on `X S` (alpha_min).
pub fn lasso_precond_cv(
    x: &DMatrix<f64>,
    y: &DVector<f64>,
    s: &Preconditioner,
    cv: &LassoCv,
    folds: &Folds,
) -> Result<(PrecondFit, CvFit)> {
    let (sm, xs) = apply(x, s)?;
    let cvfit = cv.fit(&xs, y, folds)?;
    let (v, b) = cvfit.refit_min();
    let k = cvfit.index_min;
    let path = &cvfit.path;
    let inner = EnetFit {
        coef: v.clone(),
        intercept: b,
        alpha: path.alphas[k],
        l1_ratio: path.l1_ratio,
        duality_gap: path.duality_gaps[k],
        gap_tol: path.gap_tol,
        n_iter: path.n_iter[k],
        n_full_passes: path.n_full_passes[k],
        converged: path.converged[k],
        used_gram: path.used_gram,
    };
    Ok((
        PrecondFit {
            coef: &sm * v,
            intercept: b,
            inner,
        },
        cvfit,
    ))
}

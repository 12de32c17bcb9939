//! What every sparse linear estimator shares: predictions `X w + b` with a dimension check, and
//! the centring of the greedy / L0 estimators (intercept = centring, spec §2.1:
//! `b = y_bar - x_bar^T w`).

use crate::error::{Error, Result, check};
use nalgebra::{DMatrix, DVector};

/// `X w + b`; a column-count mismatch is [`Error::DimensionMismatch`].
pub(crate) fn predict_linear(
    x: &DMatrix<f64>,
    coef: &DVector<f64>,
    intercept: f64,
) -> Result<DVector<f64>> {
    if x.ncols() != coef.len() {
        return Err(Error::DimensionMismatch {
            what: "predict: columns of X",
            expected: coef.len(),
            got: x.ncols(),
        });
    }
    Ok((x * coef).add_scalar(intercept))
}

/// Data after the checks every greedy estimator makes (IHT, OMP, best subset), centred when an
/// intercept is fitted.
pub(crate) struct Centered {
    pub x: DMatrix<f64>,
    pub y: DVector<f64>,
    pub x_mean: DVector<f64>,
    pub y_mean: f64,
}

impl Centered {
    pub fn new(x: &DMatrix<f64>, y: &DVector<f64>, fit_intercept: bool) -> Result<Self> {
        let (n, d) = x.shape();
        check::design_shape(n, d, y.len(), "rows of X vs length of y")?;
        check::all_finite("x", x.as_slice())?;
        check::all_finite("y", y.as_slice())?;
        if !fit_intercept {
            return Ok(Self {
                x: x.clone(),
                y: y.clone(),
                x_mean: DVector::zeros(d),
                y_mean: 0.0,
            });
        }
        let x_mean = DVector::from_fn(d, |j, _| x.column(j).mean());
        let y_mean = y.mean();
        let mut xc = x.clone();
        for (j, mut c) in xc.column_iter_mut().enumerate() {
            c.add_scalar_mut(-x_mean[j]);
        }
        Ok(Self {
            x: xc,
            y: y.add_scalar(-y_mean),
            x_mean,
            y_mean,
        })
    }

    /// Intercept `b = y_bar - x_bar^T w`.
    pub fn intercept(&self, coef: &DVector<f64>) -> f64 {
        self.y_mean - self.x_mean.dot(coef)
    }
}

//! Data preparation for the elastic net (spec §2.1): the problem as the coordinate-descent
//! solver sees it. Rows are weighted by `sqrt(w_i)` (weights rescaled to sum to n, as glmnet and
//! scikit-learn do, so the objective keeps its 1/(2n)); columns are centred by their weighted
//! mean when an intercept is fitted (intercept = centring, `b = y_bar - x_bar^T w`) and divided
//! by their population (1/n) standard deviation when `standardize` is on (glmnet's convention).
//! [`Prepared::original`] maps a solution back to the original scale.

use super::kernels::dot;
use super::options::SolverOptions;
use crate::error::{Error, Result, check};
use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;
use std::borrow::Cow;

/// The problem as the solver sees it: weighted, centred and (optionally) scaled copy of X and y.
/// Without intercept, standardization or weights X is used as given, borrowed, not copied.
#[derive(Debug, Clone)]
pub(crate) struct Prepared<'a> {
    pub x: Cow<'a, DMatrix<f64>>,
    pub y: Vec<f64>,
    pub x_offset: Vec<f64>,
    pub x_scale: Vec<f64>,
    pub y_offset: f64,
    pub col_sq: Vec<f64>,
    pub yy: f64,
}

impl<'a> Prepared<'a> {
    pub fn new(x: &'a DMatrix<f64>, y: &DVector<f64>, opts: &SolverOptions) -> Result<Self> {
        Self::build(Cow::Borrowed(x), y, opts)
    }

    /// [`Prepared::new`] centring and scaling `x` in place: no second copy of the design.
    pub fn owned(x: DMatrix<f64>, y: &DVector<f64>, opts: &SolverOptions) -> Result<Self> {
        Self::build(Cow::Owned(x), y, opts)
    }

    fn build(x: Cow<'a, DMatrix<f64>>, y: &DVector<f64>, opts: &SolverOptions) -> Result<Self> {
        let (n, d) = x.shape();
        check::design_shape(n, d, y.len(), "response length")?;
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
        let mut x_offset = vec![0.0; d];
        let mut x_scale = vec![1.0; d];
        let sqw: Option<Vec<f64>> = wn.as_ref().map(|w| w.iter().map(|v| v.sqrt()).collect());
        let transform = opts.fit_intercept || opts.standardize || sqw.is_some();
        let mut xs = x;
        if transform {
            xs.to_mut()
                .as_mut_slice()
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
        }
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

//! The design matrix as the GLM solver sees it: column j of the prepared design is
//! `(x_j - m_j) / s_j` (weighted mean `m_j` when an intercept is fitted, population SD `s_j`
//! when standardizing; `docs/specs/glm.md` §1, §5).
//!
//! A dense design is prepared once (a centred, scaled copy). A compressed-sparse-column design
//! is never centred, which would make it dense: as glmnet's sparse routines (`spstandard1`,
//! `sprlognet2n`) do, `m_j` and `s_j` enter every operation instead. For a vector v with sum
//! `v_sum`, `c_j^T v = (x_j^T v - m_j v_sum) / s_j`, computed over the nonzeros of `x_j` only; an
//! update `v -= t c_j` is `v -= (t / s_j) x_j` on the nonzeros plus the constant `t m_j / s_j`,
//! which the caller carries as one scalar for the whole vector.

use super::super::kernels::{axpy, dot, dot3, sub_scaled_product};
use crate::error::{Error, Result};
use nalgebra::DVector;
use nalgebra_sparse::CscMatrix;

/// A compressed-sparse-column design with its response: the data of the GLM estimators on
/// sparse X ([`nalgebra_sparse::CscMatrix`], the sparse type of the nalgebra ecosystem this
/// crate is built on).
#[derive(Debug, Clone, PartialEq)]
pub struct SparseRegressionData {
    x: CscMatrix<f64>,
    y: DVector<f64>,
}

impl SparseRegressionData {
    /// Pair an n x d sparse design with a response of length n. Errors: a length mismatch, a
    /// stored entry that is not finite (named by row and column).
    pub fn new(x: CscMatrix<f64>, y: DVector<f64>) -> Result<Self> {
        if x.nrows() != y.len() {
            return Err(Error::DimensionMismatch {
                what: "response length vs design rows",
                expected: x.nrows(),
                got: y.len(),
            });
        }
        if let Some((i, j, v)) = x.triplet_iter().find(|(_, _, v)| !v.is_finite()) {
            return Err(Error::param(
                "x",
                format!("{v} at row {i}, column {j}"),
                "entries must be finite",
            ));
        }
        Ok(Self { x, y })
    }
    /// The design.
    pub fn x(&self) -> &CscMatrix<f64> {
        &self.x
    }
    /// The response.
    pub fn y(&self) -> &DVector<f64> {
        &self.y
    }
}

/// The prepared design.
#[derive(Debug, Clone)]
pub(crate) enum Design {
    /// Centred and scaled copy, column-major, n x d.
    Dense { x: Vec<f64>, n: usize },
    /// The original matrix; `center_j = m_j`, `shift_j = m_j / s_j`, `inv_scale_j = 1 / s_j`.
    Sparse {
        x: CscMatrix<f64>,
        center: Vec<f64>,
        shift: Vec<f64>,
        inv_scale: Vec<f64>,
    },
}

/// Per-column statistics of the IRLS weights h at one Newton step.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct HStats {
    /// `c_j^T h`.
    pub hc: f64,
    /// `sum_i h_i c_ij^2`.
    pub hcc: f64,
    /// Sum of the stored update vector `h o stored_j` (its effect on the residual sum).
    pub hstored: f64,
}

impl Design {
    /// `c_j^T v`, where `v_sum` is the sum of v (used by a sparse design only).
    #[inline]
    pub fn dot(&self, j: usize, v: &[f64], v_sum: f64) -> f64 {
        match self {
            Design::Dense { x, n } => dot(&x[j * n..(j + 1) * n], v),
            Design::Sparse {
                x,
                shift,
                inv_scale,
                ..
            } => {
                let c = x.col(j);
                let s: f64 = c
                    .row_indices()
                    .iter()
                    .zip(c.values())
                    .map(|(&i, &xv)| xv * v[i])
                    .sum();
                s * inv_scale[j] - shift[j] * v_sum
            }
        }
    }

    /// `c_j^T r` together with the statistics of h (one read of the column).
    #[inline]
    pub fn dot_and_stats(
        &self,
        j: usize,
        r: &[f64],
        r_sum: f64,
        h: &[f64],
        h_sum: f64,
    ) -> (f64, HStats) {
        match self {
            Design::Dense { x, n } => {
                let (cr, ch, cch) = dot3(&x[j * n..(j + 1) * n], r, h);
                (
                    cr,
                    HStats {
                        hc: ch,
                        hcc: cch,
                        hstored: ch,
                    },
                )
            }
            Design::Sparse {
                x,
                center,
                shift,
                inv_scale,
            } => {
                let c = x.col(j);
                let (mut sr, mut sh, mut shh) = (0.0, 0.0, 0.0);
                for (&i, &xv) in c.row_indices().iter().zip(c.values()) {
                    sr += xv * r[i];
                    let t = xv * h[i];
                    sh += t;
                    shh += t * xv;
                }
                let (is, m) = (inv_scale[j], center[j]);
                // sum h (x - m)^2 / s^2 = (sum h x^2 - 2 m sum h x + m^2 sum h) / s^2.
                let hcc = ((shh - 2.0 * m * sh) + m * m * h_sum) * is * is;
                (
                    sr * is - shift[j] * r_sum,
                    HStats {
                        hc: sh * is - shift[j] * h_sum,
                        hcc: hcc.max(0.0),
                        hstored: sh * is,
                    },
                )
            }
        }
    }

    /// `v -= t h o stored_j`; returns the constant that the caller's scalar must gain so that
    /// `v + o h` moves by `-t h o c_j` (0 for a dense design).
    #[inline]
    pub fn sub_weighted(&self, j: usize, t: f64, h: &[f64], v: &mut [f64]) -> f64 {
        match self {
            Design::Dense { x, n } => {
                sub_scaled_product(v, t, h, &x[j * n..(j + 1) * n]);
                0.0
            }
            Design::Sparse {
                x,
                shift,
                inv_scale,
                ..
            } => {
                let c = x.col(j);
                let ts = t * inv_scale[j];
                for (&i, &xv) in c.row_indices().iter().zip(c.values()) {
                    v[i] -= ts * xv * h[i];
                }
                t * shift[j]
            }
        }
    }

    /// `v += t stored_j`; returns the constant to add to every entry of v (0 for dense), so that
    /// a caller adding several columns pays the dense constant once.
    #[inline]
    pub fn add_col(&self, j: usize, t: f64, v: &mut [f64]) -> f64 {
        match self {
            Design::Dense { x, n } => {
                axpy(v, t, &x[j * n..(j + 1) * n]);
                0.0
            }
            Design::Sparse {
                x,
                shift,
                inv_scale,
                ..
            } => {
                let c = x.col(j);
                let ts = t * inv_scale[j];
                for (&i, &xv) in c.row_indices().iter().zip(c.values()) {
                    v[i] += ts * xv;
                }
                -t * shift[j]
            }
        }
    }
}

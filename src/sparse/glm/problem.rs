//! Options and data preparation of the sparse GLMs, glmnet's conventions (`glmnet.R`,
//! `lstandard1`): observation weights rescaled to sum to n, columns centred by their weighted
//! mean when an intercept is fitted and divided by their weighted population standard deviation
//! when `standardize` is on (uncentred root mean square without an intercept), penalty factors
//! rescaled to sum to the number of features, constant columns left out (coefficient 0).
//! [`GlmProblem::original`] maps a solution back to the original scale.

use super::design::Design;
use super::family::Family;
use crate::error::{Error, Result, check};
use nalgebra::{DMatrix, DVector};
use nalgebra_sparse::CscMatrix;

/// Solver options of the sparse GLMs (single fits, paths, cross-validation).
#[derive(Debug, Clone, PartialEq)]
pub struct GlmOptions {
    /// Fit an unpenalized intercept. Default true.
    pub fit_intercept: bool,
    /// Penalize on the scale of population-SD standardized columns and return coefficients on
    /// the original scale (glmnet's `standardize = TRUE`). Default false, as the crate's
    /// Gaussian elastic net and the CLI's `--standardize` flag.
    pub standardize: bool,
    /// Target of the certificate: the KKT residual (largest violation of the optimality
    /// conditions, intercept included, on the penalized scale) divided by alpha. Default 1e-7.
    pub tol: f64,
    /// Cap on coordinate-descent epochs per alpha (inner epochs of every Newton step counted).
    /// Default 100 000.
    pub max_iter: usize,
    /// Sequential strong rule for the working set (Tibshirani et al. 2012), followed by a KKT
    /// check of every feature. Default true.
    pub strong_rule: bool,
    /// Observation weights (finite, >= 0, not all zero), rescaled to sum to n.
    pub weights: Option<DVector<f64>>,
    /// Penalty factors `pf_j >= 0` (0: never penalized), not all zero, rescaled to sum to the
    /// number of features as glmnet does. Default all ones.
    pub penalty_factor: Option<DVector<f64>>,
}

impl Default for GlmOptions {
    fn default() -> Self {
        Self {
            fit_intercept: true,
            standardize: false,
            tol: 1e-7,
            max_iter: 100_000,
            strong_rule: true,
            weights: None,
            penalty_factor: None,
        }
    }
}

impl GlmOptions {
    /// The checks that need no data: `tol > 0`, `max_iter >= 1`, weights finite, >= 0 and not
    /// all zero, penalty factors finite, >= 0 and not all zero.
    pub(crate) fn check(&self) -> Result<()> {
        check::positive("tol", self.tol)?;
        check::at_least("max_iter", self.max_iter, 1)?;
        for (name, v) in [
            ("weights", &self.weights),
            ("penalty_factor", &self.penalty_factor),
        ] {
            let Some(v) = v else { continue };
            check::all_finite(name, v.as_slice())?;
            if let Some(i) = v.iter().position(|&x| x < 0.0) {
                return Err(Error::param(
                    name,
                    format!("{} at index {i}", v[i]),
                    "must be >= 0",
                ));
            }
            if v.sum() <= 0.0 {
                return Err(Error::param(name, "all zero", "at least one must be > 0"));
            }
        }
        Ok(())
    }
}

/// Builder methods for the [`GlmOptions`] held in a params struct's `options` field.
macro_rules! glm_option_builders {
    () => {
        /// Fit an intercept (default true).
        pub fn fit_intercept(mut self, v: bool) -> Self {
            self.options.fit_intercept = v;
            self
        }
        /// Standardize columns by their population SD (glmnet); default false.
        pub fn standardize(mut self, v: bool) -> Self {
            self.options.standardize = v;
            self
        }
        /// KKT-residual target relative to alpha; default 1e-7.
        pub fn tol(mut self, v: f64) -> Self {
            self.options.tol = v;
            self
        }
        /// Maximum coordinate-descent epochs per alpha; default 100 000.
        pub fn max_iter(mut self, v: usize) -> Self {
            self.options.max_iter = v;
            self
        }
        /// Strong-rule working sets (default true); off, every feature is updated.
        pub fn strong_rule(mut self, v: bool) -> Self {
            self.options.strong_rule = v;
            self
        }
        /// Observation weights (rescaled to sum to n; one per row of the data fitted).
        pub fn weights(mut self, w: nalgebra::DVector<f64>) -> Self {
            self.options.weights = Some(w);
            self
        }
        /// Penalty factors, one per feature (rescaled to sum to the number of features).
        pub fn penalty_factor(mut self, pf: nalgebra::DVector<f64>) -> Self {
            self.options.penalty_factor = Some(pf);
            self
        }
        /// Every solver option at once.
        pub fn options(mut self, o: $crate::sparse::glm::GlmOptions) -> Self {
            self.options = o;
            self
        }
    };
}
pub(crate) use glm_option_builders;

/// The problem as the solver sees it.
#[derive(Debug, Clone)]
pub(crate) struct GlmProblem {
    pub family: Family,
    /// The prepared design (centred with an intercept, scaled when standardizing; implicitly
    /// for a sparse design).
    pub x: Design,
    n: usize,
    d: usize,
    pub y: Vec<f64>,
    /// Weights summing to n.
    pub w: Vec<f64>,
    /// Sum of the weights as given (deviances are reported on that scale, as glmnet's).
    pub w_sum: f64,
    pub x_offset: Vec<f64>,
    pub x_scale: Vec<f64>,
    /// Penalty factors summing to d.
    pub pf: Vec<f64>,
    /// Columns that vary (glmnet's `ju`); the others keep coefficient 0.
    pub varies: Vec<bool>,
    pub fit_intercept: bool,
}

/// Weights, penalty factors and the response, checked against the design's shape.
struct Common {
    y: Vec<f64>,
    w: Vec<f64>,
    w_sum: f64,
    pf: Vec<f64>,
}

fn common(
    family: Family,
    (n, d): (usize, usize),
    y: &DVector<f64>,
    opts: &GlmOptions,
) -> Result<Common> {
    check::design_shape(n, d, y.len(), "response length")?;
    opts.check()?;
    if let Some(w) = &opts.weights
        && w.len() != n
    {
        return Err(Error::DimensionMismatch {
            what: "observation weights",
            expected: n,
            got: w.len(),
        });
    }
    if let Some(pf) = &opts.penalty_factor
        && pf.len() != d
    {
        return Err(Error::DimensionMismatch {
            what: "penalty factors",
            expected: d,
            got: pf.len(),
        });
    }
    family.check_response(y.as_slice())?;
    let nf = n as f64;
    let (w, w_sum) = match &opts.weights {
        Some(w) => {
            let s = w.sum();
            (w.iter().map(|v| v * nf / s).collect::<Vec<f64>>(), s)
        }
        None => (vec![1.0; n], nf),
    };
    let pf: Vec<f64> = match &opts.penalty_factor {
        Some(p) => {
            let s = p.sum();
            p.iter().map(|v| v * d as f64 / s).collect()
        }
        None => vec![1.0; d],
    };
    Ok(Common {
        y: y.iter().copied().collect(),
        w,
        w_sum,
        pf,
    })
}

impl GlmProblem {
    pub fn new(
        family: Family,
        x: &DMatrix<f64>,
        y: &DVector<f64>,
        opts: &GlmOptions,
    ) -> Result<Self> {
        let (n, d) = x.shape();
        let c = common(family, (n, d), y, opts)?;
        if let Some(pos) = x.iter().position(|v| !v.is_finite()) {
            return Err(Error::param(
                "x",
                format!("{} at row {}, column {}", x[pos], pos % n, pos / n),
                "entries must be finite",
            ));
        }
        let w = &c.w;
        let nf = n as f64;
        let mut xs = x.clone();
        let mut x_offset = vec![0.0; d];
        let mut x_scale = vec![1.0; d];
        let mut varies = vec![true; d];
        for j in 0..d {
            let col = &mut xs.as_mut_slice()[j * n..(j + 1) * n];
            varies[j] = col.iter().any(|&v| v != col[0]);
            if opts.fit_intercept {
                x_offset[j] = col.iter().zip(w).map(|(v, wi)| wi * v).sum::<f64>() / nf;
            }
            let off = x_offset[j];
            if opts.standardize && varies[j] {
                let ms = col
                    .iter()
                    .zip(w)
                    .map(|(v, wi)| wi * (v - off) * (v - off))
                    .sum::<f64>()
                    / nf;
                if ms > 0.0 {
                    x_scale[j] = ms.sqrt();
                }
            }
            let s = x_scale[j];
            col.iter_mut().for_each(|v| *v = (*v - off) / s);
            if !varies[j] {
                col.iter_mut().for_each(|v| *v = 0.0);
            }
        }
        Ok(Self {
            family,
            x: Design::Dense {
                x: xs.as_slice().to_vec(),
                n,
            },
            n,
            d,
            y: c.y,
            w: c.w,
            w_sum: c.w_sum,
            x_offset,
            x_scale,
            pf: c.pf,
            varies,
            fit_intercept: opts.fit_intercept,
        })
    }

    /// The problem on a compressed-sparse-column design, prepared implicitly: the weighted
    /// means and SDs of the columns (over all n rows, zeros included) are computed from the
    /// nonzeros, and the matrix itself is kept as given.
    pub fn new_sparse(
        family: Family,
        x: &CscMatrix<f64>,
        y: &DVector<f64>,
        opts: &GlmOptions,
    ) -> Result<Self> {
        let (n, d) = (x.nrows(), x.ncols());
        let c = common(family, (n, d), y, opts)?;
        let w = &c.w;
        let nf = n as f64;
        let mut x_offset = vec![0.0; d];
        let mut x_scale = vec![1.0; d];
        let mut varies = vec![true; d];
        for (j, col) in x.col_iter().enumerate() {
            let (rows, vals) = (col.row_indices(), col.values());
            if let Some(k) = vals.iter().position(|v| !v.is_finite()) {
                return Err(Error::param(
                    "x",
                    format!("{} at row {}, column {j}", vals[k], rows[k]),
                    "entries must be finite",
                ));
            }
            // Constant: every stored value equal, and equal to 0 unless all n rows are stored.
            let first = vals.first().copied().unwrap_or(0.0);
            let all_equal = vals.iter().all(|&v| v == first);
            varies[j] = !(all_equal && (first == 0.0 || vals.len() == n));
            let sw: f64 = rows.iter().zip(vals).map(|(&i, v)| w[i] * v).sum();
            if opts.fit_intercept {
                x_offset[j] = sw / nf;
            }
            let m = x_offset[j];
            if opts.standardize && varies[j] {
                // sum_i w_i (x_ij - m)^2 = sum_nz w x^2 - 2 m sum_nz w x + m^2 sum_i w_i, with
                // sum_i w_i = n.
                let sww: f64 = rows.iter().zip(vals).map(|(&i, v)| w[i] * v * v).sum();
                let ms = ((sww - 2.0 * m * sw) + m * m * nf) / nf;
                if ms > 0.0 {
                    x_scale[j] = ms.sqrt();
                }
            }
        }
        let center: Vec<f64> = (0..d)
            .map(|j| if varies[j] { x_offset[j] } else { 0.0 })
            .collect();
        let inv_scale: Vec<f64> = (0..d)
            .map(|j| if varies[j] { 1.0 / x_scale[j] } else { 0.0 })
            .collect();
        let shift = center.iter().zip(&inv_scale).map(|(m, i)| m * i).collect();
        Ok(Self {
            family,
            x: Design::Sparse {
                x: x.clone(),
                center,
                shift,
                inv_scale,
            },
            n,
            d,
            y: c.y,
            w: c.w,
            w_sum: c.w_sum,
            x_offset,
            x_scale,
            pf: c.pf,
            varies,
            fit_intercept: opts.fit_intercept,
        })
    }

    pub fn n(&self) -> usize {
        self.n
    }

    pub fn d(&self) -> usize {
        self.d
    }

    /// Back-transform prepared-scale coefficients and intercept to the original scale.
    pub fn original(&self, beta: &[f64], b0: f64) -> (DVector<f64>, f64) {
        let coef = DVector::from_iterator(
            beta.len(),
            beta.iter().zip(&self.x_scale).map(|(v, s)| v / s),
        );
        let intercept = if self.fit_intercept {
            b0 - coef
                .iter()
                .zip(&self.x_offset)
                .map(|(c, m)| c * m)
                .sum::<f64>()
        } else {
            0.0
        };
        (coef, intercept)
    }

    /// Original-scale coefficients and intercept to the prepared scale.
    pub fn prepared(&self, coef: &DVector<f64>, intercept: f64) -> Result<(Vec<f64>, f64)> {
        if coef.len() != self.d() {
            return Err(Error::DimensionMismatch {
                what: "coefficients",
                expected: self.d(),
                got: coef.len(),
            });
        }
        let beta: Vec<f64> = coef.iter().zip(&self.x_scale).map(|(c, s)| c * s).collect();
        let b0 = intercept
            + coef
                .iter()
                .zip(&self.x_offset)
                .map(|(c, m)| c * m)
                .sum::<f64>();
        Ok((beta, b0))
    }

    /// The weighted mean of y (weights summing to n).
    pub fn y_mean(&self) -> f64 {
        self.y.iter().zip(&self.w).map(|(y, w)| w * y).sum::<f64>() / self.n() as f64
    }

    /// The null model's mean: the weighted mean of y with an intercept, `mu(0)` without
    /// (glmnet's null deviance).
    pub fn null_mu(&self) -> f64 {
        if self.fit_intercept {
            self.y_mean()
        } else {
            self.family.mean(0.0)
        }
    }

    /// Deviance of the means `mu` on the scale of the weights as given.
    pub fn deviance(&self, mu: &[f64]) -> f64 {
        let s: f64 = (0..self.n())
            .map(|i| self.w[i] * self.family.unit_deviance(self.y[i], mu[i]))
            .sum();
        s * self.w_sum / self.n() as f64
    }

    /// The penalty `alpha sum_j pf_j (rho |b_j| + (1 - rho)/2 b_j^2)` on the prepared scale.
    pub fn penalty(&self, beta: &[f64], alpha: f64, rho: f64) -> f64 {
        beta.iter()
            .zip(&self.pf)
            .filter(|(b, _)| **b != 0.0)
            .map(|(b, p)| p * (rho * b.abs() + 0.5 * (1.0 - rho) * b * b))
            .sum::<f64>()
            * alpha
    }

    /// `(1/n) sum_i w_i loss(y_i, eta_i)`.
    pub fn mean_loss(&self, eta: &[f64]) -> f64 {
        (0..self.n())
            .map(|i| self.w[i] * self.family.loss(self.y[i], eta[i]))
            .sum::<f64>()
            / self.n() as f64
    }

    /// The linear predictor `b0 + X beta` of the prepared problem.
    pub fn eta(&self, beta: &[f64], b0: f64) -> Vec<f64> {
        let mut eta = vec![0.0; self.n()];
        let mut constant = b0;
        for (j, &b) in beta.iter().enumerate() {
            if b != 0.0 && self.varies[j] {
                constant += self.x.add_col(j, b, &mut eta);
            }
        }
        eta.iter_mut().for_each(|e| *e += constant);
        eta
    }
}

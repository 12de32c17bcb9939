//! Orthogonal matching pursuit (Pati, Rezaiifar, Krishnaprasad 1993; spec §2.8) with an
//! incrementally updated Cholesky factor of the active Gram matrix, as scikit-learn's
//! `_cholesky_omp` does.
//!
//! Greedy step t: j* = argmax_j |x_jᵀ r| (optionally divided by ‖x_j‖), S ← S ∪ {j*},
//! w_S = argmin ‖y − X_S w_S‖², r = y − X_S w_S. Adding column j to the factor L Lᵀ = X_SᵀX_S
//! solves L v = X_Sᵀx_j and appends the row (vᵀ, √(‖x_j‖² − ‖v‖²)), so each step costs
//! O(n d) for the correlations plus O(n |S| + |S|²) for the update, never a refactorization.
//!
//! Estimator chain: [`OmpParams`] `-> check() ->` [`Omp`] `-> fit(&RegressionData) ->` [`OmpFit`].
//!
//! ```
//! use nalgebra::{DMatrix, DVector};
//! use veristat::estimator::{Fit, RegressionData};
//! use veristat::sparse::omp::OmpParams;
//! let x = DMatrix::from_fn(30, 8, |i, j| ((i * 7 + j * 13) % 11) as f64 - 5.0 + (i * j) as f64 * 0.01);
//! let mut w = DVector::zeros(8);
//! w[2] = 1.5;
//! w[5] = -2.0;
//! let y = &x * &w;
//! let data = RegressionData::new(x, y).unwrap();
//! let fit = OmpParams::new().n_nonzero_coefs(2).fit_intercept(false).fit(&data).unwrap();
//! assert!((fit.coef - w).norm() < 1e-10);
//! ```

use super::linear::{Centered, predict_linear};
use crate::error::{Error, Result, check};
use crate::estimator::{
    Certificate, Diagnostics, Fit, Fitted, ParamGuard, Predict, RegressionData, Stop, seconds_since,
};
use nalgebra::{DMatrix, DVector};

/// How OMP scores a candidate column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// |x_jᵀr|: scikit-learn's `OrthogonalMatchingPursuit` (identical selections and coefficients).
    Correlation,
    /// |x_jᵀr| / ‖x_j‖: invariant to column scaling (spec §2.8). The default.
    NormalizedCorrelation,
}

/// Unchecked OMP settings (builder).
#[derive(Debug, Clone)]
pub struct OmpParams {
    n_nonzero_coefs: Option<usize>,
    tol: Option<f64>,
    fit_intercept: bool,
    selection: Selection,
}

impl Default for OmpParams {
    fn default() -> Self {
        Self::new()
    }
}

impl OmpParams {
    /// Defaults: no sparsity target yet (set [`n_nonzero_coefs`](Self::n_nonzero_coefs) or
    /// [`tol`](Self::tol)), intercept fitted, normalized selection.
    pub fn new() -> Self {
        Self {
            n_nonzero_coefs: None,
            tol: None,
            fit_intercept: true,
            selection: Selection::NormalizedCorrelation,
        }
    }

    /// Stop once k atoms are selected (sklearn `n_nonzero_coefs`).
    pub fn n_nonzero_coefs(mut self, k: usize) -> Self {
        self.n_nonzero_coefs = Some(k);
        self
    }

    /// Stop once ‖r‖² ≤ tol (sklearn `tol`: squared residual norm).
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = Some(tol);
        self
    }

    /// Fit an intercept by centering X and y first (sklearn default `fit_intercept=True`).
    pub fn fit_intercept(mut self, yes: bool) -> Self {
        self.fit_intercept = yes;
        self
    }

    /// Column scoring rule.
    pub fn selection(mut self, s: Selection) -> Self {
        self.selection = s;
        self
    }
}

impl ParamGuard for OmpParams {
    type Checked = Omp;
    /// k >= 1 when given, tol finite and >= 0 when given, and at least one of them (k <= d is
    /// checked at fit time).
    fn check(&self) -> Result<Omp> {
        if let Some(k) = self.n_nonzero_coefs {
            check::at_least("n_nonzero_coefs", k, 1)?;
        }
        if let Some(t) = self.tol {
            check::non_negative("tol", t)?;
        }
        if self.n_nonzero_coefs.is_none() && self.tol.is_none() {
            return Err(Error::param(
                "n_nonzero_coefs",
                "none",
                "give n_nonzero_coefs or tol",
            ));
        }
        Ok(Omp {
            params: self.clone(),
        })
    }
}

/// Validated OMP settings.
#[derive(Debug, Clone)]
pub struct Omp {
    params: OmpParams,
}

/// Why OMP stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OmpStop {
    /// k atoms were selected.
    SparsityReached,
    /// ‖r‖² fell to `tol`.
    ToleranceReached,
    /// The best new atom is (numerically) in the span of the selected ones, or no atom correlates
    /// with the residual: sklearn stops here too, with its "ended prematurely" warning.
    LinearDependence,
    /// Every column is selected.
    AllSelected,
}

/// A fitted OMP model.
///
/// [`Fitted::diagnostics`]: atoms selected as iterations, `Finished`, no certificate (the greedy
/// selection has no optimality gap; why it ended is [`stop_reason`](Self::stop_reason)).
#[derive(Debug, Clone)]
pub struct OmpFit {
    /// Coefficients, length d; zero off the support.
    pub coef: DVector<f64>,
    /// Intercept (0 without `fit_intercept`).
    pub intercept: f64,
    /// Selected columns in selection order.
    pub support: Vec<usize>,
    /// Final ‖r‖² (on centered data when an intercept is fitted).
    pub residual_norm_sq: f64,
    /// Why the selection ended.
    pub stop_reason: OmpStop,
    diagnostics: Diagnostics,
}

impl Predict for OmpFit {
    type Output = DVector<f64>;
    /// X w + b.
    fn predict(&self, x: &DMatrix<f64>) -> Result<DVector<f64>> {
        predict_linear(x, &self.coef, self.intercept)
    }
}

impl Fitted for OmpFit {
    fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }
}

/// Lower-triangular Cholesky factor of X_SᵀX_S, grown one column at a time.
struct GrowingCholesky {
    l: DMatrix<f64>,
    size: usize,
}

impl GrowingCholesky {
    fn new(capacity: usize) -> Self {
        Self {
            l: DMatrix::zeros(capacity, capacity),
            size: 0,
        }
    }

    /// Forward substitution L v = b on the current factor, in place.
    fn forward(&self, b: &mut [f64]) {
        for i in 0..self.size {
            let mut s = b[i];
            for (j, bj) in b.iter().enumerate().take(i) {
                s -= self.l[(i, j)] * bj;
            }
            b[i] = s / self.l[(i, i)];
        }
    }

    /// Back substitution Lᵀ x = b in place.
    fn backward(&self, b: &mut [f64]) {
        for i in (0..self.size).rev() {
            let mut s = b[i];
            for (j, bj) in b.iter().enumerate().take(self.size).skip(i + 1) {
                s -= self.l[(j, i)] * bj;
            }
            b[i] = s / self.l[(i, i)];
        }
    }

    /// Append a column with cross products `cross` = X_Sᵀx_j and ‖x_j‖² = `sq_norm`; false
    /// (and nothing changed) when the new diagonal would be ≤ the smallest normal f64, i.e. x_j
    /// is numerically in span(X_S) (sklearn's test).
    fn push(&mut self, mut cross: Vec<f64>, sq_norm: f64) -> bool {
        self.forward(&mut cross);
        let lkk = sq_norm - cross.iter().map(|v| v * v).sum::<f64>();
        if lkk <= f64::MIN_POSITIVE {
            return false;
        }
        let k = self.size;
        for (j, v) in cross.iter().enumerate() {
            self.l[(k, j)] = *v;
        }
        self.l[(k, k)] = lkk.sqrt();
        self.size += 1;
        true
    }

    /// Solve (L Lᵀ) x = b.
    fn solve(&self, b: &[f64]) -> Vec<f64> {
        let mut x = b.to_vec();
        self.forward(&mut x);
        self.backward(&mut x);
        x
    }
}

impl Fit<RegressionData> for Omp {
    type Fitted = OmpFit;
    /// Run OMP. Errors: empty or non-finite data, k > d.
    fn fit(&self, rd: &RegressionData) -> Result<OmpFit> {
        let start = std::time::Instant::now();
        let p = &self.params;
        let (x, y) = (rd.x(), rd.y());
        let d = x.ncols();
        if let Some(k) = p.n_nonzero_coefs {
            crate::sparse::design::check_sparsity(k, d).map_err(|_| {
                Error::param(
                    "n_nonzero_coefs",
                    k,
                    format!("must be <= the number of features d = {d}"),
                )
            })?;
        }
        let data = Centered::new(x, y, p.fit_intercept)?;
        let (xc, yc) = (&data.x, &data.y);
        let max_atoms = p.n_nonzero_coefs.unwrap_or(d).min(d);
        let sq_norms: Vec<f64> = xc.column_iter().map(|c| c.norm_squared()).collect();
        let xty = xc.tr_mul(yc);

        let mut chol = GrowingCholesky::new(max_atoms);
        let mut support: Vec<usize> = Vec::with_capacity(max_atoms);
        let mut active = vec![false; d];
        let mut gamma: Vec<f64> = Vec::new();
        let mut residual = yc.clone();
        let stop;
        if p.tol.is_some_and(|t| residual.norm_squared() <= t) {
            stop = OmpStop::ToleranceReached;
        } else {
            loop {
                if support.len() == d {
                    stop = OmpStop::AllSelected;
                    break;
                }
                let corr = xc.tr_mul(&residual);
                let score = |j: usize| match p.selection {
                    Selection::Correlation => corr[j].abs(),
                    Selection::NormalizedCorrelation => {
                        if sq_norms[j] > 0.0 {
                            corr[j].abs() / sq_norms[j].sqrt()
                        } else {
                            0.0
                        }
                    }
                };
                // First index among ties, like numpy's argmax.
                let mut best = 0;
                for j in 1..d {
                    if score(j) > score(best) {
                        best = j;
                    }
                }
                if active[best] || corr[best] * corr[best] < f64::MIN_POSITIVE {
                    stop = OmpStop::LinearDependence;
                    break;
                }
                let cross: Vec<f64> = support
                    .iter()
                    .map(|&s| xc.column(s).dot(&xc.column(best)))
                    .collect();
                if !chol.push(cross, sq_norms[best]) {
                    stop = OmpStop::LinearDependence;
                    break;
                }
                support.push(best);
                active[best] = true;
                let rhs: Vec<f64> = support.iter().map(|&s| xty[s]).collect();
                gamma = chol.solve(&rhs);
                residual = yc.clone();
                for (g, &s) in gamma.iter().zip(&support) {
                    residual.axpy(-g, &xc.column(s), 1.0);
                }
                if p.tol.is_some_and(|t| residual.norm_squared() <= t) {
                    stop = OmpStop::ToleranceReached;
                    break;
                }
                if p.n_nonzero_coefs.is_some_and(|k| support.len() >= k) {
                    stop = OmpStop::SparsityReached;
                    break;
                }
            }
        }
        let mut coef = DVector::zeros(d);
        for (g, &s) in gamma.iter().zip(&support) {
            coef[s] = *g;
        }
        if coef.iter().any(|v| !v.is_finite()) {
            return Err(Error::Numerical(
                "OMP least-squares update produced a non-finite coefficient".into(),
            ));
        }
        let intercept = data.intercept(&coef);
        Ok(OmpFit {
            coef,
            intercept,
            residual_norm_sq: residual.norm_squared(),
            stop_reason: stop,
            diagnostics: Diagnostics {
                iterations: support.len(),
                stop: Stop::Finished,
                certificate: Certificate::None,
                fit_seconds: seconds_since(start),
            },
            support,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;
    use crate::sparse::design::{Design, Problem};

    fn data(x: &DMatrix<f64>, y: &DVector<f64>) -> RegressionData {
        RegressionData::new(x.clone(), y.clone()).unwrap()
    }

    #[test]
    fn coefficients_are_least_squares_on_the_selected_support() {
        let p = Problem::sample(Design::Iid, 60, 40, 5, 0.3, &mut stream(1, "omp", 0)).unwrap();
        let fit = OmpParams::new()
            .n_nonzero_coefs(8)
            .check()
            .unwrap()
            .fit(&p.data().unwrap())
            .unwrap();
        assert_eq!(fit.stop_reason, OmpStop::SparsityReached);
        assert_eq!(fit.diagnostics().iterations, 8);
        assert_eq!(fit.support.len(), 8);
        // Reference: least squares (column-pivoted QR) with an intercept column on the support.
        let mut xs = DMatrix::from_element(60, 9, 1.0);
        for (c, &j) in fit.support.iter().enumerate() {
            xs.set_column(c, &p.x.column(j));
        }
        let beta = crate::linalg::lstsq(&xs, &p.y).unwrap();
        for (c, &j) in fit.support.iter().enumerate() {
            assert!(
                (fit.coef[j] - beta[c]).abs() < 1e-10,
                "{} vs {}",
                fit.coef[j],
                beta[c]
            );
        }
        assert!((fit.intercept - beta[8]).abs() < 1e-10);
        // The residual is orthogonal to the selected columns.
        let r = &p.y - fit.predict(&p.x).unwrap();
        for &j in &fit.support {
            assert!(p.x.column(j).dot(&r).abs() < 1e-9);
        }
    }

    #[test]
    fn noiseless_support_is_recovered_and_tol_stops() {
        let p = Problem::sample(Design::Iid, 100, 60, 4, 0.0, &mut stream(2, "omp", 0)).unwrap();
        let fit = OmpParams::new()
            .tol(1e-20)
            .fit_intercept(false)
            .check()
            .unwrap()
            .fit(&p.data().unwrap())
            .unwrap();
        let mut s = fit.support.clone();
        s.sort_unstable();
        assert_eq!(s, p.support);
        assert!((fit.coef - &p.w_true).norm() < 1e-10);
    }

    #[test]
    fn duplicate_column_stops_on_linear_dependence() {
        let mut x = DMatrix::from_fn(10, 3, |i, j| {
            ((i + 1) * (j + 2)) as f64 + (i * i) as f64 * 0.1 * j as f64
        });
        let c0 = x.column(0).clone_owned();
        x.set_column(1, &c0);
        let y = x.column(0) * 2.0 + x.column(2) * 0.5;
        let fit = OmpParams::new()
            .n_nonzero_coefs(3)
            .fit_intercept(false)
            .check()
            .unwrap()
            .fit(&data(&x, &y))
            .unwrap();
        assert!(fit.support.len() <= 2);
        assert!(fit.coef.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn bad_parameters_are_typed_errors() {
        let x = DMatrix::from_element(5, 3, 1.0);
        let y = DVector::from_element(5, 1.0);
        let e = OmpParams::new().n_nonzero_coefs(0).check().unwrap_err();
        assert!(e.to_string().contains("n_nonzero_coefs"), "{e}");
        assert!(OmpParams::new().check().is_err());
        assert!(OmpParams::new().tol(-1.0).check().is_err());
        let e = OmpParams::new()
            .n_nonzero_coefs(4)
            .check()
            .unwrap()
            .fit(&data(&x, &y))
            .unwrap_err();
        assert!(
            e.to_string().contains("n_nonzero_coefs") && e.to_string().contains('4'),
            "{e}"
        );
        let mut xn = x.clone();
        xn[(2, 1)] = f64::NAN;
        assert!(
            OmpParams::new()
                .n_nonzero_coefs(1)
                .check()
                .unwrap()
                .fit(&data(&xn, &y))
                .is_err()
        );
        let y4 = DVector::from_element(4, 1.0);
        assert!(RegressionData::new(x.clone(), y4).is_err());
    }
}

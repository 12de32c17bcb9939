//! Iterative hard thresholding for f(w) = (1/2n)‖y − Xw‖² subject to ‖w‖₀ ≤ k (spec §2.7).
//!
//! w ← H_k(w + μ Xᵀ(y − Xw)/n), H_k keeping the k largest-magnitude entries
//! (Blumensath & Davies 2009, "Iterative hard thresholding for compressed sensing", eq. 1).
//!
//! * [`Step::Fixed`]: μ = 1/L with L = σ_max(X)²/n from power iteration.
//! * [`Step::Normalized`] (default): on the current support Γ with g = Xᵀr/n,
//!   μ = ‖g_Γ‖² / (‖X_Γ g_Γ‖²/n), the exact line-search step along g_Γ (Blumensath & Davies 2010,
//!   "Normalized iterative hard thresholding: guaranteed stability and performance", eq. 13).
//!   If the support changes and the objective rises, μ is halved (their step-shrinking safeguard,
//!   simplified to halving as the spec asks), never below 1/L: at μ ≤ 1/L the quadratic majorizer
//!   guarantees descent, so the halving loop always ends.
//!
//! Stops when ‖Δw‖ ≤ tol·‖w‖ or after `max_iter` iterations (reported, not an error: an iterate of
//! IHT is still a k-sparse estimate).
//!
//! Estimator chain: [`IhtParams`] `-> check() ->` [`Iht`] `-> fit(&RegressionData) ->` [`IhtFit`].

use super::linear::{Centered, predict_linear};
use crate::error::{Error, Result, check};
use crate::estimator::{
    Certificate, Diagnostics, Fit, Fitted, ParamGuard, Predict, RegressionData, Stop, seconds_since,
};
use nalgebra::{DMatrix, DVector};

/// Step-size rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// μ = 1/L, L = σ_max(X)²/n by power iteration.
    Fixed,
    /// Normalized IHT's adaptive step with halving.
    Normalized,
}

/// Unchecked IHT settings (builder).
#[derive(Debug, Clone)]
pub struct IhtParams {
    k: usize,
    step: Step,
    tol: f64,
    max_iter: usize,
    fit_intercept: bool,
}

impl IhtParams {
    /// Sparsity `k`; defaults: normalized step, tol 1e-8, at most 1000 iterations, intercept.
    pub fn new(k: usize) -> Self {
        Self {
            k,
            step: Step::Normalized,
            tol: 1e-8,
            max_iter: 1000,
            fit_intercept: true,
        }
    }

    /// Step-size rule.
    pub fn step(mut self, s: Step) -> Self {
        self.step = s;
        self
    }

    /// Relative change ‖Δw‖/‖w‖ at which to stop.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// Iteration cap.
    pub fn max_iter(mut self, m: usize) -> Self {
        self.max_iter = m;
        self
    }

    /// Fit an intercept by centering.
    pub fn fit_intercept(mut self, yes: bool) -> Self {
        self.fit_intercept = yes;
        self
    }
}

impl ParamGuard for IhtParams {
    type Checked = Iht;
    /// k >= 1, tol > 0, max_iter >= 1 (k <= d is checked at fit time).
    fn check(&self) -> Result<Iht> {
        check::at_least("k", self.k, 1)?;
        check::positive("tol", self.tol)?;
        check::at_least("max_iter", self.max_iter, 1)?;
        Ok(Iht {
            params: self.clone(),
        })
    }
}

/// Validated IHT settings.
#[derive(Debug, Clone)]
pub struct Iht {
    params: IhtParams,
}

/// A fitted IHT model.
///
/// [`Fitted::diagnostics`]: iterations made; `Converged` (‖Δw‖ ≤ tol·‖w‖), `ZeroGradient` (w = 0
/// is optimal, e.g. y ⟂ every column) or `MaxIterations`; the certificate
/// `RelativeChange { change: ‖Δw‖/‖w‖ at the last step, target: tol }`.
#[derive(Debug, Clone)]
pub struct IhtFit {
    /// Coefficients (at most k nonzero).
    pub coef: DVector<f64>,
    /// Intercept.
    pub intercept: f64,
    /// The k kept indices, sorted.
    pub support: Vec<usize>,
    /// L = σ_max(X)²/n (power iteration, with a 5% margin), when it was needed.
    pub lipschitz: Option<f64>,
    /// Step halvings over the run (normalized step only).
    pub halvings: usize,
    /// Final objective (1/2n)‖y − Xw‖².
    pub objective: f64,
    diagnostics: Diagnostics,
}

impl Predict for IhtFit {
    type Output = DVector<f64>;
    /// X w + b.
    fn predict(&self, x: &DMatrix<f64>) -> Result<DVector<f64>> {
        predict_linear(x, &self.coef, self.intercept)
    }
}

impl Fitted for IhtFit {
    fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }
}

/// Indices of the k largest |v_j|, ties to the smaller index, sorted ascending.
pub fn top_k(v: &DVector<f64>, k: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    let k = k.min(v.len());
    if k < idx.len() {
        idx.select_nth_unstable_by(k, |&a, &b| {
            v[b].abs().total_cmp(&v[a].abs()).then(a.cmp(&b))
        });
        idx.truncate(k);
    }
    idx.sort_unstable();
    idx
}

/// H_k(v) restricted to `keep`.
fn hard_threshold(v: &DVector<f64>, keep: &[usize]) -> DVector<f64> {
    let mut out = DVector::zeros(v.len());
    for &j in keep {
        out[j] = v[j];
    }
    out
}

/// X w for a w supported on `support` (n·|support| work instead of n·d).
fn sparse_product(x: &DMatrix<f64>, w: &DVector<f64>, support: &[usize]) -> DVector<f64> {
    let mut out = DVector::zeros(x.nrows());
    for &j in support {
        out.axpy(w[j], &x.column(j), 1.0);
    }
    out
}

impl Fit<RegressionData> for Iht {
    type Fitted = IhtFit;
    /// Run IHT. Errors: empty or non-finite data, k > d.
    fn fit(&self, rd: &RegressionData) -> Result<IhtFit> {
        let start = std::time::Instant::now();
        let p = &self.params;
        let (x, y) = (rd.x(), rd.y());
        crate::sparse::design::check_sparsity(p.k, x.ncols())?;
        let data = Centered::new(x, y, p.fit_intercept)?;
        let (xc, yc) = (&data.x, &data.y);
        let n = xc.nrows() as f64;
        let objective = |fitted: &DVector<f64>| (yc - fitted).norm_squared() / (2.0 * n);
        // L = σ_max(X)²/n by power iteration, computed only when needed (always for the fixed
        // step; for the normalized step only once a halving needs its floor 1/L). Power
        // iteration approaches σ_max² from below; the 5% margin keeps μ = 1/L a descent step.
        let mut lipschitz: Option<f64> = None;
        let floor_step = |lip: &mut Option<f64>| -> f64 {
            let l = *lip.get_or_insert_with(|| crate::linalg::max_eig_gram(xc, 200) * 1.05);
            if l > 0.0 { 1.0 / l } else { f64::INFINITY }
        };
        let mut w = DVector::zeros(xc.ncols());
        let mut fitted = DVector::zeros(xc.nrows());
        let mut f = objective(&fitted);
        // The first support: the k largest |x_jᵀy| (H_k of the first gradient step from 0).
        let mut support = top_k(&xc.tr_mul(yc), p.k);
        let mut halvings = 0;
        let mut iterations = 0;
        let mut stop = Stop::MaxIterations;
        let mut relative_change = f64::INFINITY;
        while iterations < p.max_iter {
            iterations += 1;
            let g = xc.tr_mul(&(yc - &fitted)) / n;
            if g.amax() == 0.0 {
                stop = Stop::ZeroGradient;
                break;
            }
            let mut mu = match p.step {
                Step::Fixed => floor_step(&mut lipschitz),
                Step::Normalized => {
                    let g_s = hard_threshold(&g, &support);
                    let num = g_s.norm_squared();
                    let den = sparse_product(xc, &g_s, &support).norm_squared() / n;
                    // μ = ‖g_Γ‖²/(‖X_Γg_Γ‖²/n) ≥ 1/L always; g_Γ = 0 (the support is optimal
                    // on itself but not globally) falls back to the floor step.
                    if num > 0.0 && den > 0.0 {
                        num / den
                    } else {
                        floor_step(&mut lipschitz)
                    }
                }
            };
            let (w_new, fitted_new, f_new, support_new) = loop {
                let v = &w + &g * mu;
                let keep = top_k(&v, p.k);
                let cand = hard_threshold(&v, &keep);
                let fit_c = sparse_product(xc, &cand, &keep);
                let f_c = objective(&fit_c);
                if p.step == Step::Normalized
                    && keep != support
                    && f_c > f
                    && mu > floor_step(&mut lipschitz)
                {
                    mu = (mu / 2.0).max(floor_step(&mut lipschitz));
                    halvings += 1;
                    continue;
                }
                break (cand, fit_c, f_c, keep);
            };
            let change = (&w_new - &w).norm();
            let norm = w_new.norm();
            relative_change = if norm > 0.0 {
                change / norm
            } else {
                f64::INFINITY
            };
            w = w_new;
            fitted = fitted_new;
            f = f_new;
            support = support_new;
            if change <= p.tol * norm {
                stop = Stop::Converged;
                break;
            }
        }
        if w.iter().any(|v| !v.is_finite()) {
            return Err(Error::Numerical("IHT iterate became non-finite".into()));
        }
        let intercept = data.intercept(&w);
        Ok(IhtFit {
            coef: w,
            intercept,
            support,
            lipschitz,
            halvings,
            objective: f,
            diagnostics: Diagnostics {
                iterations,
                stop,
                certificate: Certificate::RelativeChange {
                    change: relative_change,
                    target: p.tol,
                },
                fit_seconds: seconds_since(start),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;
    use crate::sparse::design::{Design, Problem};

    fn fit_iht(params: IhtParams, p: &Problem) -> IhtFit {
        params.check().unwrap().fit(&p.data().unwrap()).unwrap()
    }

    #[test]
    fn top_k_breaks_ties_by_index() {
        let v = DVector::from_vec(vec![1.0, -3.0, 3.0, 0.5, -1.0]);
        assert_eq!(top_k(&v, 2), vec![1, 2]);
        assert_eq!(top_k(&v, 3), vec![0, 1, 2]);
        assert_eq!(top_k(&v, 9), vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn recovers_support_and_reaches_least_squares_fixed_point() {
        let p = Problem::sample(Design::Iid, 150, 300, 6, 0.1, &mut stream(1, "iht", 0)).unwrap();
        for step in [Step::Normalized, Step::Fixed] {
            let fit = fit_iht(IhtParams::new(6).step(step).tol(1e-12).max_iter(5000), &p);
            assert_eq!(fit.diagnostics().stop, Stop::Converged, "{step:?}");
            let Certificate::RelativeChange { change, target } = fit.diagnostics().certificate
            else {
                panic!("{step:?}: {:?}", fit.diagnostics().certificate)
            };
            assert!(
                change <= target && target == 1e-12,
                "{step:?}: {change} vs {target}"
            );
            assert_eq!(fit.support, p.support, "{step:?}");
            // Certificate: at a fixed point on a stable support the gradient vanishes there, so w
            // is the least-squares fit (with intercept) on the support.
            let mut xs = DMatrix::from_element(150, 7, 1.0);
            for (c, &j) in fit.support.iter().enumerate() {
                xs.set_column(c, &p.x.column(j));
            }
            let beta = crate::linalg::lstsq(&xs, &p.y).unwrap();
            for (c, &j) in fit.support.iter().enumerate() {
                assert!(
                    (fit.coef[j] - beta[c]).abs() < 1e-8,
                    "{step:?}: {} vs {}",
                    fit.coef[j],
                    beta[c]
                );
            }
            assert!((fit.intercept - beta[6]).abs() < 1e-8);
        }
    }

    #[test]
    fn objective_never_increases_with_normalized_step() {
        // An ill-conditioned design exercises the halving safeguard.
        let p = Problem::sample(
            Design::Ar1 { rho: 0.95 },
            80,
            120,
            5,
            0.1,
            &mut stream(2, "iht", 0),
        )
        .unwrap();
        let mut last = f64::INFINITY;
        for iters in [1, 2, 3, 5, 8, 13, 21, 34] {
            let fit = fit_iht(IhtParams::new(5).max_iter(iters).tol(1e-300), &p);
            assert!(
                fit.objective <= last * (1.0 + 1e-12),
                "{iters}: {} > {last}",
                fit.objective
            );
            last = fit.objective;
            assert!(fit.coef.iter().filter(|v| **v != 0.0).count() <= 5);
        }
    }

    #[test]
    fn bad_parameters_are_typed_errors() {
        let x = DMatrix::from_element(5, 3, 1.0);
        let y = DVector::from_element(5, 1.0);
        assert!(
            IhtParams::new(0)
                .check()
                .unwrap_err()
                .to_string()
                .contains("`k`")
        );
        assert!(IhtParams::new(1).tol(0.0).check().is_err());
        assert!(IhtParams::new(1).max_iter(0).check().is_err());
        let data = RegressionData::new(x, y).unwrap();
        let e = IhtParams::new(4).check().unwrap().fit(&data).unwrap_err();
        assert!(e.to_string().contains("`k` = 4"), "{e}");
    }
}

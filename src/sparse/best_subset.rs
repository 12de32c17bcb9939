//! Best-subset selection by splicing (Zhu, Wen, Zhu, Zhang, Wang, "A polynomial algorithm for
//! best-subset selection problem", PNAS 117(52), 2020: the `abess` algorithm; spec §2.9).
//!
//! For support size s, with loss L(β) = (1/2n)‖y − Xβ‖² and β the least-squares fit on the active
//! set A (|A| = s), the sacrifices are
//! * backward, j ∈ A:  ξ_j = (x_jᵀx_j / 2n) β_j²,
//! * forward,  j ∉ A:  ζ_j = (x_jᵀx_j / 2n) (d_j / (x_jᵀx_j / n))²,  d_j = x_jᵀ(y − Xβ)/n.
//!
//! A splicing pass tries, for c = 1..C_max, exchanging the c smallest-ξ members of A with the c
//! largest-ζ non-members, keeps the best exchange, and accepts it when the loss drops by more
//! than τ_s (abess's default τ_s = 0.01·s·log(p)·log(log n)/n); passes repeat until none is
//! accepted. The support size is chosen by the generalized information criterion
//! GIC(s) = n log L_s + s log(p) log(log n) (PNAS 2020, eq. 5; abess's default `ic.type = "gic"`).
//!
//! Least squares on A uses a Householder QR of X_A (not the normal equations) so near-duplicate
//! columns, with X_AᵀX_A conditioned like 1e12, still give accurate fits; an exactly singular X_A
//! makes that candidate infeasible.
//!
//! Estimator chain: [`BestSubsetParams`] `-> check() ->` [`BestSubset`]
//! `-> fit(&RegressionData) ->` [`BestSubsetFit`].

use super::linear::{Centered, predict_linear};
use crate::error::{Error, Result, check};
use crate::estimator::{
    Certificate, Diagnostics, Fit, Fitted, ParamGuard, Predict, RegressionData, Stop, seconds_since,
};
use nalgebra::{DMatrix, DVector};

/// Unchecked best-subset settings (builder).
#[derive(Debug, Clone)]
pub struct BestSubsetParams {
    sizes: Option<(usize, usize)>,
    max_exchange: usize,
    max_splicing_iter: usize,
    fit_intercept: bool,
}

impl Default for BestSubsetParams {
    fn default() -> Self {
        Self::new()
    }
}

impl BestSubsetParams {
    /// Defaults: sizes 0..=min(d, n−1, round(n / (log p · log log n))) (abess's default range),
    /// C_max = 2, at most 20 splicing passes per size, intercept fitted.
    pub fn new() -> Self {
        Self {
            sizes: None,
            max_exchange: 2,
            max_splicing_iter: 20,
            fit_intercept: true,
        }
    }

    /// Search support sizes s_min..=s_max.
    pub fn support_sizes(mut self, s_min: usize, s_max: usize) -> Self {
        self.sizes = Some((s_min, s_max));
        self
    }

    /// Largest exchange size C_max.
    pub fn max_exchange(mut self, c: usize) -> Self {
        self.max_exchange = c;
        self
    }

    /// Cap on splicing passes per support size.
    pub fn max_splicing_iter(mut self, m: usize) -> Self {
        self.max_splicing_iter = m;
        self
    }

    /// Fit an intercept by centering.
    pub fn fit_intercept(mut self, yes: bool) -> Self {
        self.fit_intercept = yes;
        self
    }
}

impl ParamGuard for BestSubsetParams {
    type Checked = BestSubset;
    /// s_min <= s_max, C_max >= 1, max_splicing_iter >= 1 (s_max against the data at fit time).
    fn check(&self) -> Result<BestSubset> {
        if let Some((lo, hi)) = self.sizes
            && lo > hi
        {
            return Err(Error::param(
                "support_sizes",
                format!("{lo}..={hi}"),
                "need s_min <= s_max",
            ));
        }
        check::at_least("max_exchange", self.max_exchange, 1)?;
        check::at_least("max_splicing_iter", self.max_splicing_iter, 1)?;
        Ok(BestSubset {
            params: self.clone(),
        })
    }
}

/// Validated best-subset settings.
#[derive(Debug, Clone)]
pub struct BestSubset {
    params: BestSubsetParams,
}

/// The best model of one support size.
#[derive(Debug, Clone)]
pub struct SizeResult {
    /// Support size s.
    pub size: usize,
    /// Active set, sorted.
    pub support: Vec<usize>,
    /// L_s = (1/2n)‖y − Xβ‖².
    pub loss: f64,
    /// GIC(s).
    pub gic: f64,
    /// Splicing passes made (accepted exchanges).
    pub exchanges: usize,
    /// Whether splicing stopped because no exchange helped (false: the pass cap was hit).
    pub converged: bool,
}

/// A fitted best-subset model.
///
/// [`Fitted::diagnostics`]: accepted splicing exchanges summed over the sizes as iterations;
/// `Finished`, or `MaxIterations` when some size's splicing hit `max_splicing_iter` before no
/// exchange helped; no certificate (per-size detail is [`path`](Self::path)).
#[derive(Debug, Clone)]
pub struct BestSubsetFit {
    /// Coefficients of the GIC-chosen size.
    pub coef: DVector<f64>,
    /// Intercept.
    pub intercept: f64,
    /// Chosen support, sorted.
    pub support: Vec<usize>,
    /// Chosen size.
    pub size: usize,
    /// One entry per size searched.
    pub path: Vec<SizeResult>,
    diagnostics: Diagnostics,
}

impl Predict for BestSubsetFit {
    type Output = DVector<f64>;
    /// X w + b.
    fn predict(&self, x: &DMatrix<f64>) -> Result<DVector<f64>> {
        predict_linear(x, &self.coef, self.intercept)
    }
}

impl Fitted for BestSubsetFit {
    fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }
}

/// Least squares of y on the columns `a` of x by Householder QR; None when X_A is singular.
fn ols(x: &DMatrix<f64>, y: &DVector<f64>, a: &[usize]) -> Option<(DVector<f64>, DVector<f64>)> {
    if a.is_empty() {
        return Some((DVector::zeros(0), y.clone()));
    }
    let xa = x.select_columns(a);
    let qr = xa.qr();
    let r = qr.r();
    let scale = r.diagonal().amax();
    if r.diagonal()
        .iter()
        .any(|v| v.abs() <= scale * f64::EPSILON * x.nrows() as f64)
    {
        return None;
    }
    let mut qty = y.clone();
    qr.q_tr_mul(&mut qty);
    let beta = r.solve_upper_triangular(&qty.rows(0, a.len()).into_owned())?;
    if beta.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let mut resid = y.clone();
    for (b, &j) in beta.iter().zip(a) {
        resid.axpy(-b, &x.column(j), 1.0);
    }
    Some((beta, resid))
}

/// (active set, β, residual, loss) of a least-squares fit on a candidate active set.
type Candidate = (Vec<usize>, DVector<f64>, DVector<f64>, f64);

struct Spliced {
    support: Vec<usize>,
    beta: DVector<f64>,
    loss: f64,
    exchanges: usize,
    converged: bool,
}

/// Indices of `cands` ordered by `key` descending, ties to the smaller index.
fn order_desc(cands: &[usize], key: &[f64]) -> Vec<usize> {
    let mut v = cands.to_vec();
    v.sort_by(|&a, &b| key[b].total_cmp(&key[a]).then(a.cmp(&b)));
    v
}

impl BestSubset {
    fn splice(
        &self,
        x: &DMatrix<f64>,
        y: &DVector<f64>,
        sq_norms: &[f64],
        s: usize,
    ) -> Result<Spliced> {
        let (n, d) = x.shape();
        let nf = n as f64;
        let loss_of = |r: &DVector<f64>| r.norm_squared() / (2.0 * nf);
        // Initial active set: the s largest forward sacrifices at β = 0, i.e. the largest
        // |x_jᵀy|/‖x_j‖ (spec §2.9 step 1, scale-invariant form).
        let xty = x.tr_mul(y);
        let zeta0: Vec<f64> = (0..d)
            .map(|j| {
                if sq_norms[j] > 0.0 {
                    xty[j] * xty[j] / sq_norms[j]
                } else {
                    0.0
                }
            })
            .collect();
        let all: Vec<usize> = (0..d).collect();
        let mut a: Vec<usize> = order_desc(&all, &zeta0).into_iter().take(s).collect();
        a.sort_unstable();
        let (mut beta, mut resid) = ols(x, y, &a).ok_or_else(|| {
            Error::Numerical(format!(
                "best subset: the initial {s} columns are linearly dependent"
            ))
        })?;
        let mut loss = loss_of(&resid);
        let tau = 0.01 * s as f64 * (d as f64).ln() * nf.ln().ln() / nf;
        let mut exchanges = 0;
        let mut converged = false;
        for _ in 0..self.params.max_splicing_iter {
            if s == 0 || s == d {
                converged = true;
                break;
            }
            let grad = x.tr_mul(&resid) / nf;
            let mut sacrifice = vec![0.0; d];
            let mut in_a = vec![false; d];
            for (b, &j) in beta.iter().zip(&a) {
                in_a[j] = true;
                sacrifice[j] = sq_norms[j] / (2.0 * nf) * b * b;
            }
            let inactive: Vec<usize> = (0..d).filter(|&j| !in_a[j]).collect();
            for &j in &inactive {
                sacrifice[j] = if sq_norms[j] > 0.0 {
                    let h = sq_norms[j] / nf;
                    sq_norms[j] / (2.0 * nf) * (grad[j] / h).powi(2)
                } else {
                    0.0
                };
            }
            // Backward: smallest ξ first (reverse of descending order).
            let mut backward = order_desc(&a, &sacrifice);
            backward.reverse();
            let forward = order_desc(&inactive, &sacrifice);
            let c_max = self.params.max_exchange.min(s).min(inactive.len());
            // (active set, β, residual, loss) of the best exchange tried so far.
            let mut best: Option<Candidate> = None;
            for c in 1..=c_max {
                let drop = &backward[..c];
                let mut cand: Vec<usize> =
                    a.iter().copied().filter(|j| !drop.contains(j)).collect();
                cand.extend_from_slice(&forward[..c]);
                cand.sort_unstable();
                if let Some((b, r)) = ols(x, y, &cand) {
                    let l = loss_of(&r);
                    if best.as_ref().is_none_or(|bst| l < bst.3) {
                        best = Some((cand, b, r, l));
                    }
                }
            }
            match best {
                Some((cand, b, r, l)) if loss - l > tau => {
                    a = cand;
                    beta = b;
                    resid = r;
                    loss = l;
                    exchanges += 1;
                }
                _ => {
                    converged = true;
                    break;
                }
            }
        }
        Ok(Spliced {
            support: a,
            beta,
            loss,
            exchanges,
            converged,
        })
    }
}

impl Fit<RegressionData> for BestSubset {
    type Fitted = BestSubsetFit;
    /// Fit every support size in range and keep the GIC minimizer. Errors: empty or non-finite
    /// data, n < 3 (GIC needs log log n > 0), a size above min(d, n − 1).
    fn fit(&self, rd: &RegressionData) -> Result<BestSubsetFit> {
        let start = std::time::Instant::now();
        let data = Centered::new(rd.x(), rd.y(), self.params.fit_intercept)?;
        let (xc, yc) = (&data.x, &data.y);
        let (n, d) = xc.shape();
        if n < 3 {
            return Err(Error::InvalidData(format!(
                "best subset with GIC needs at least 3 rows, got {n}"
            )));
        }
        let cap = d.min(n - 1);
        let (s_min, s_max) = match self.params.sizes {
            Some((lo, hi)) => {
                if hi > cap {
                    return Err(Error::param(
                        "support_sizes",
                        format!("{lo}..={hi}"),
                        format!("s_max must be <= min(d, n - 1) = {cap}"),
                    ));
                }
                (lo, hi)
            }
            None => {
                let nf = n as f64;
                let default = (nf / ((d.max(2) as f64).ln() * nf.ln().ln())).round() as usize;
                (0, default.min(cap))
            }
        };
        let sq_norms: Vec<f64> = xc.column_iter().map(|c| c.norm_squared()).collect();
        let nf = n as f64;
        let penalty = (d.max(2) as f64).ln() * nf.ln().ln();
        let mut path = Vec::with_capacity(s_max - s_min + 1);
        let mut best: Option<(usize, Vec<usize>, DVector<f64>)> = None;
        let mut best_gic = f64::INFINITY;
        for s in s_min..=s_max {
            let sp = match self.splice(xc, yc, &sq_norms, s) {
                Ok(sp) => sp,
                // A singular initial set at this size (e.g. exact duplicate columns): skip the size.
                Err(Error::Numerical(_)) if s > s_min => continue,
                Err(e) => return Err(e),
            };
            // An exact fit has loss 0; floor it so GIC stays finite and still prefers it.
            let gic = nf * sp.loss.max(f64::MIN_POSITIVE).ln() + s as f64 * penalty;
            if gic < best_gic {
                best_gic = gic;
                best = Some((s, sp.support.clone(), sp.beta.clone()));
            }
            path.push(SizeResult {
                size: s,
                support: sp.support,
                loss: sp.loss,
                gic,
                exchanges: sp.exchanges,
                converged: sp.converged,
            });
        }
        let (size, support, beta) = best.ok_or_else(|| {
            Error::Numerical("best subset: no support size could be fitted".into())
        })?;
        let mut coef = DVector::zeros(d);
        for (b, &j) in beta.iter().zip(&support) {
            coef[j] = *b;
        }
        let intercept = data.intercept(&coef);
        let diagnostics = Diagnostics {
            iterations: path.iter().map(|r| r.exchanges).sum(),
            stop: if path.iter().all(|r| r.converged) {
                Stop::Finished
            } else {
                Stop::MaxIterations
            },
            certificate: Certificate::None,
            fit_seconds: seconds_since(start),
        };
        Ok(BestSubsetFit {
            coef,
            intercept,
            support,
            size,
            path,
            diagnostics,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;
    use crate::sparse::design::{Design, Problem};

    #[test]
    fn recovers_support_and_fits_least_squares_on_it() {
        let p = Problem::sample(Design::Iid, 200, 150, 5, 0.5, &mut stream(1, "bs", 0)).unwrap();
        let fit = BestSubsetParams::new()
            .check()
            .unwrap()
            .fit(&p.data().unwrap())
            .unwrap();
        // At n = 200 GIC's penalty log(p)·log(log n) ≈ 8.4 is close to the largest of 145 noise
        // χ²₁ reductions, so GIC may add a few noise columns; it must never miss a true one.
        assert!(
            p.support.iter().all(|j| fit.support.contains(j)),
            "{:?} vs {:?}",
            fit.support,
            p.support
        );
        let exact = BestSubsetParams::new()
            .support_sizes(5, 5)
            .check()
            .unwrap()
            .fit(&p.data().unwrap())
            .unwrap();
        assert_eq!(exact.support, p.support);
        let fit = exact;
        let mut xs = DMatrix::from_element(200, 6, 1.0);
        for (c, &j) in fit.support.iter().enumerate() {
            xs.set_column(c, &p.x.column(j));
        }
        let beta = crate::linalg::lstsq(&xs, &p.y).unwrap();
        for (c, &j) in fit.support.iter().enumerate() {
            assert!((fit.coef[j] - beta[c]).abs() < 1e-10);
        }
        assert!((fit.intercept - beta[5]).abs() < 1e-10);
        // GIC values are consistent with the stored losses, and the chosen size minimizes them.
        let pen = (150f64).ln() * (200f64).ln().ln();
        let full = BestSubsetParams::new()
            .check()
            .unwrap()
            .fit(&p.data().unwrap())
            .unwrap();
        for r in &full.path {
            assert!((r.gic - (200.0 * r.loss.ln() + r.size as f64 * pen)).abs() < 1e-9);
            assert!(r.gic >= full.path[full.size].gic);
        }
        assert_eq!(full.path[full.size].support, full.support);
    }

    #[test]
    fn splicing_beats_correlation_screening_on_a_correlated_design() {
        // With AR(1) correlation the s largest marginal correlations miss true columns;
        // splicing must end at a loss no larger than the initial set's and, here, find the truth.
        let p = Problem::sample(
            Design::Ar1 { rho: 0.8 },
            300,
            60,
            4,
            0.1,
            &mut stream(2, "bs", 0),
        )
        .unwrap();
        let fit = BestSubsetParams::new()
            .support_sizes(4, 4)
            .check()
            .unwrap()
            .fit(&p.data().unwrap())
            .unwrap();
        assert_eq!(fit.support, p.support);
        assert!(fit.path[0].converged);
        assert_eq!(fit.diagnostics().stop, Stop::Finished);
        assert_eq!(fit.diagnostics().iterations, fit.path[0].exchanges);
        // Exhaustive check over all 4-subsets is too big; compare with the oracle support's loss.
        let prep = Centered::new(&p.x, &p.y, true).unwrap();
        let (_, r) = ols(&prep.x, &prep.y, &p.support).unwrap();
        assert!((fit.path[0].loss - r.norm_squared() / 600.0).abs() < 1e-12);
    }

    #[test]
    fn exhaustive_search_agrees_on_a_small_problem() {
        // d = 10, s = 3: 120 subsets, so the true best subset is computable by brute force.
        let p = Problem::sample(
            Design::Ar1 { rho: 0.9 },
            40,
            10,
            3,
            1.0,
            &mut stream(3, "bs", 0),
        )
        .unwrap();
        let prep = Centered::new(&p.x, &p.y, true).unwrap();
        let mut best = (f64::INFINITY, vec![]);
        for a in 0..10 {
            for b in a + 1..10 {
                for c in b + 1..10 {
                    let (_, r) = ols(&prep.x, &prep.y, &[a, b, c]).unwrap();
                    if r.norm_squared() < best.0 {
                        best = (r.norm_squared(), vec![a, b, c]);
                    }
                }
            }
        }
        let fit = BestSubsetParams::new()
            .support_sizes(3, 3)
            .max_exchange(3)
            .check()
            .unwrap()
            .fit(&p.data().unwrap())
            .unwrap();
        assert_eq!(fit.support, best.1);
    }

    #[test]
    fn bad_parameters_are_typed_errors() {
        let x = DMatrix::from_fn(5, 3, |i, j| (i * j) as f64 + i as f64);
        let y = DVector::from_element(5, 1.0);
        assert!(BestSubsetParams::new().support_sizes(3, 2).check().is_err());
        assert!(BestSubsetParams::new().max_exchange(0).check().is_err());
        let e = BestSubsetParams::new()
            .support_sizes(0, 5)
            .check()
            .unwrap()
            .fit(&RegressionData::new(x.clone(), y.clone()).unwrap())
            .unwrap_err();
        assert!(e.to_string().contains("support_sizes"), "{e}");
        let e = BestSubsetParams::new().check().unwrap().fit(
            &RegressionData::new(x.rows(0, 2).into_owned(), y.rows(0, 2).into_owned()).unwrap(),
        );
        assert!(e.is_err());
    }
}

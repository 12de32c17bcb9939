//! Claims of the `sparse` module.
//!
//! `sparse-random-support` (spec §6 check 6): prediction error (1/N)‖X(ŵ − w*)‖² against N for
//! uniformly random k-sparse supports (the regime of Chandrasekaran, Meka, Stavropoulos,
//! arXiv:2511.06211) on four designs, for the shipped estimators. The verdict checks the iid
//! design against the fast-rate scale σ²k log d / N at N ≈ 4k log d; the three ill-conditioned
//! designs are recorded as the baseline the paper's algorithm should beat.

use crate::error::Result;
use crate::estimator::{Fit, Folds, RegressionData, fold_ids};
use crate::montecarlo::{Check, Claim, Observation, ResultTable, Scale, Verdict, stats};
use crate::rng::Rng;
use crate::sparse::best_subset::BestSubsetParams;
use crate::sparse::design::{Design, Problem, support_f1};
use crate::sparse::iht::IhtParams;
use crate::sparse::omp::OmpParams;
use crate::sparse::{LassoCvParams, PathParams, PrecondLassoParams, Preconditioner};
use nalgebra::DVector;

/// Folds of the cross-validated Lasso methods (scikit-learn's `LassoCV` default).
const CV_FOLDS: usize = 5;

/// This module's claims at the given scale.
pub fn claims(scale: Scale) -> Vec<Box<dyn Claim>> {
    vec![Box::new(RandomSupport::new(scale))]
}

/// An estimator compared by the claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Lasso on a 100-alpha path (eps 1e-3), alpha_min by 5-fold CV (no oracle).
    LassoCv,
    /// Preconditioned Lasso with column normalization S = D⁻¹ (Kelner, Koehler, Meka, Rohatgi
    /// 2021, step 0), alpha_min by 5-fold CV on X S (same folds as Lasso-CV).
    LassoPrecond,
    /// Normalized IHT with the true k (an oracle sparsity level).
    Iht,
    /// OMP stopped at the true k (oracle sparsity level), normalized selection.
    Omp,
    /// Splicing best subset with the support size chosen by GIC (no oracle).
    BestSubset,
}

impl Method {
    /// Key-column value.
    pub fn name(&self) -> &'static str {
        match self {
            Method::LassoCv => "lasso-cv",
            Method::LassoPrecond => "lasso-precond",
            Method::Iht => "iht",
            Method::Omp => "omp",
            Method::BestSubset => "best-subset",
        }
    }

    /// Fit on `data`; `folds` are the CV fold ids drawn once per problem.
    fn fit(
        &self,
        data: &RegressionData,
        k: usize,
        n_alphas: usize,
        folds: &Folds,
    ) -> Result<DVector<f64>> {
        // The simulated model has no intercept; no method fits one.
        let cv = || {
            LassoCvParams::new(PathParams::new().n_alphas(n_alphas).fit_intercept(false))
                .folds(folds.clone())
        };
        Ok(match self {
            Method::LassoCv => cv().fit(data)?.refit_min().0,
            Method::LassoPrecond => {
                PrecondLassoParams::cv(cv())
                    .preconditioner(Preconditioner::ColumnNormalization)
                    .fit(data)?
                    .coef
            }
            Method::Iht => {
                IhtParams::new(k)
                    .fit_intercept(false)
                    .max_iter(1000)
                    .fit(data)?
                    .coef
            }
            Method::Omp => {
                OmpParams::new()
                    .n_nonzero_coefs(k)
                    .fit_intercept(false)
                    .fit(data)?
                    .coef
            }
            Method::BestSubset => BestSubsetParams::new().fit_intercept(false).fit(data)?.coef,
        })
    }
}

/// The `sparse-random-support` claim.
#[derive(Debug, Clone)]
pub struct RandomSupport {
    scale: Scale,
    d: usize,
    k: usize,
    sigma: f64,
    ns: Vec<usize>,
    n_star: usize,
    n_alphas: usize,
    designs: Vec<Design>,
    methods: Vec<Method>,
    replicates: u64,
}

impl RandomSupport {
    /// Sizes: Test d = 100, k = 4 on a 40-alpha grid (seconds); Quick d = 200, k = 5; Full the
    /// spec's d = 1000, k = 10, σ = 0.1, N from 20 to 1000. Each grid contains N* = round(4k ln d).
    pub fn new(scale: Scale) -> Self {
        let (d, k, base, n_alphas, replicates): (usize, usize, Vec<usize>, usize, u64) = match scale
        {
            Scale::Test => (100, 4, vec![20, 150], 40, 10),
            Scale::Quick => (200, 5, vec![20, 50, 200], 100, 8),
            Scale::Full => (1000, 10, vec![20, 40, 70, 140, 500, 1000], 100, 20),
        };
        let n_star = (4.0 * k as f64 * (d as f64).ln()).round() as usize;
        let mut ns = base;
        ns.push(n_star);
        ns.sort_unstable();
        ns.dedup();
        Self {
            scale,
            d,
            k,
            sigma: 0.1,
            ns,
            n_star,
            n_alphas,
            designs: Design::claim_designs().to_vec(),
            methods: vec![
                Method::LassoCv,
                Method::LassoPrecond,
                Method::Iht,
                Method::Omp,
                Method::BestSubset,
            ],
            replicates,
        }
    }

    /// The N grid.
    pub fn ns(&self) -> &[usize] {
        &self.ns
    }

    /// N* = round(4k ln d), where the verdict looks.
    pub fn n_star(&self) -> usize {
        self.n_star
    }

    /// The fast-rate scale σ²k ln d / N.
    pub fn rate(&self, n: usize) -> f64 {
        self.sigma * self.sigma * self.k as f64 * (self.d as f64).ln() / n as f64
    }
}

impl Claim for RandomSupport {
    fn name(&self) -> &'static str {
        "sparse-random-support"
    }

    fn description(&self) -> String {
        format!(
            "Prediction error (1/N)||X(w_hat - w*)||^2 vs N for a uniformly random {}-sparse w* (entries ±(1+|z|)), \
             d = {}, sigma = {}, N in {:?}, on iid Gaussian, AR(1) rho = 0.95, geometric singular values to 1e-10 \
             (normalized columns) and near-duplicate (eps = 1e-6) designs; methods: {} (the Lasso methods pick alpha_min \
             by 5-fold CV, IHT and OMP are given the true k, best subset picks its size by GIC). The preconditioned Lasso is \
             the Kelner-Koehler-Meka-Rohatgi framework with column normalization, not the random-supports paper's own algorithm.",
            self.k,
            self.d,
            self.sigma,
            self.ns,
            self.methods
                .iter()
                .map(|m| m.name())
                .collect::<Vec<_>>()
                .join(", ")
        )
    }

    fn prediction(&self) -> String {
        format!(
            "Fast rate (spec 1a / 6.6): on the iid design the mean error is at most 2 sigma^2 k ln d / N by N* = 4k ln d = {} \
             (bound {:.3e}) for every method; the other designs are recorded as the baseline",
            self.n_star,
            2.0 * self.rate(self.n_star)
        )
    }

    fn key_columns(&self) -> &'static [&'static str] {
        &["design", "method"]
    }

    fn value_columns(&self) -> &'static [&'static str] {
        &["n", "pred_error", "f1", "nnz", "signal"]
    }

    fn config(&self) -> serde_json::Value {
        serde_json::json!({
            "scale": self.scale,
            "d": self.d,
            "k": self.k,
            "sigma": self.sigma,
            "ns": self.ns,
            "n_alphas": self.n_alphas,
            "cv_folds": CV_FOLDS,
            "designs": self.designs.iter().map(|d| format!("{d:?}")).collect::<Vec<_>>(),
            "methods": self.methods.iter().map(|m| m.name()).collect::<Vec<_>>(),
        })
    }

    fn default_replicates(&self) -> u64 {
        self.replicates
    }

    fn replicate(&self, _replicate: u64, rng: &mut Rng) -> Result<Vec<Observation>> {
        let mut out = Vec::with_capacity(self.designs.len() * self.ns.len() * self.methods.len());
        for design in &self.designs {
            for &n in &self.ns {
                let p = Problem::sample(*design, n, self.d, self.k, self.sigma, rng)?;
                let folds = Folds::Ids(fold_ids(n, CV_FOLDS, rng)?);
                let data = p.data()?;
                // The error of ŵ = 0, to read the others against.
                let signal = p.prediction_error(&DVector::zeros(self.d));
                for m in &self.methods {
                    let w = m.fit(&data, self.k, self.n_alphas, &folds)?;
                    let nnz = w.iter().filter(|v| **v != 0.0).count() as f64;
                    out.push(Observation::new(
                        [design.name(), m.name()],
                        vec![
                            n as f64,
                            p.prediction_error(&w),
                            support_f1(&w, &p.support),
                            nnz,
                            signal,
                        ],
                    ));
                }
            }
        }
        Ok(out)
    }

    fn verdict(&self, results: &ResultTable) -> Result<Verdict> {
        let bound = 2.0 * self.rate(self.n_star);
        let mut checks = Vec::new();
        for m in &self.methods {
            let errs: Vec<f64> = results
                .select(&[("design", "iid"), ("method", m.name())])?
                .into_iter()
                .filter(|r| r.values[0] as usize == self.n_star)
                .map(|r| r.values[1])
                .collect();
            let (est, ci) = if errs.len() >= 2 {
                stats::mean_ci(&errs, 0.95)?
            } else {
                let m = stats::mean(&errs)?;
                (m, (m, m))
            };
            checks.push(Check {
                name: format!(
                    "iid, {}: mean (1/N)||X(w_hat - w*)||^2 at N = {}",
                    m.name(),
                    self.n_star
                ),
                estimate: est,
                ci,
                level: 0.95,
                prediction: format!("<= 2 sigma^2 k ln d / N = {bound:.4e}"),
                // "Reaches error <= 2 sigma^2 k ln d / N" (spec 6.6) read as the mean error over
                // replicates; the interval is reported alongside.
                pass: est <= bound,
            });
        }
        Ok(Verdict {
            claim: self.name().to_string(),
            replicates: results.n_replicates(),
            checks,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::montecarlo::{NoProgress, RunConfig, runner};

    #[test]
    fn grid_contains_n_star_and_test_scale_passes() {
        let c = RandomSupport::new(Scale::Full);
        assert_eq!(c.n_star(), 276);
        assert_eq!(RandomSupport::new(Scale::Test).n_star(), 74);
        assert!(c.ns().contains(&276) && c.ns()[0] == 20 && *c.ns().last().unwrap() == 1000);
        let t = RandomSupport::new(Scale::Test);
        let table = runner::run(&t, &RunConfig::new(1, 3), &NoProgress).unwrap();
        assert_eq!(table.rows.len(), 3 * 4 * t.ns().len() * 5);
        let v = t.verdict(&table).unwrap();
        assert!(v.pass(), "{v:?}");
    }
}

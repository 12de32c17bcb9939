//! The MLE risk R_n = E_g KL(g_θ* ‖ g_θ̂) and its expansion c1/n + c2/n² (spec §1.2), exact for
//! known truths, plug-in from data (spec §1.4), and by Monte Carlo with the control variate
//! Q = ½ Zᵀ I⁻¹ Z, E Q = c1/n exactly (spec §3).

use super::criterion::{InformationCriteria, information_criteria};
use super::family::{ExponentialFamily, ModelCumulants, TruthMoments};
use super::mle::MleParams;
use super::projection::project_truth;
use super::truth::{Truth, TruthSampler};
use crate::error::{Error, Result};
use crate::estimator::Fit;
use crate::linalg::Cholesky;
use crate::montecarlo::stats;
use crate::rng::{self, Rng};
use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;
use std::sync::Arc;

/// The coefficients of R_n = c1/n + c2/n² + O(n⁻³).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExpansionTerms {
    /// c1 = ½ tr(I⁻¹J).
    pub c1: f64,
    /// c2 = cubic + quartic.
    pub c2: f64,
    /// −⅓ Σ k̃3_abc λ̃3_abc: truth skewness of t paired with model skewness.
    pub cubic: f64,
    /// ⅜[−Σ k̃4_abcd J̃_ab J̃_cd + Σ_f (2 tr(J̃A_fJ̃A_f) + (tr A_fJ̃)²)].
    pub quartic: f64,
}

impl ExpansionTerms {
    /// c1/n.
    pub fn first_order(&self, n: f64) -> f64 {
        self.c1 / n
    }
    /// c1/n + c2/n².
    pub fn second_order(&self, n: f64) -> f64 {
        self.c1 / n + self.c2 / (n * n)
    }
}

/// c1 = ½ tr(I⁻¹J) alone (the n⁻¹ term; TIC penalty / 4).
pub fn first_order_term(fisher: &DMatrix<f64>, j: &DMatrix<f64>) -> Result<f64> {
    let ch = Cholesky::new(fisher, "Fisher information")?;
    Ok(0.5 * ch.solve_mat(j).trace())
}

/// c1 and c2 from the model cumulants at θ* and the truth's cumulants of t, in whitened
/// coordinates (spec §1.2): I = LLᵀ, W = L⁻¹, J̃ = WJWᵀ, k̃3, λ̃3 = W applied to every index;
/// the quartic model term enters as Σ k4_abcd M_ab M_cd with M = I⁻¹JI⁻¹ (= Σ k̃4 J̃ J̃).
pub fn expansion_terms(model: &ModelCumulants, truth: &TruthMoments) -> Result<ExpansionTerms> {
    let p = model.fisher.nrows();
    if truth.j.nrows() != p || model.k3.p != p || truth.lambda3.p != p {
        return Err(Error::DimensionMismatch {
            what: "cumulant dimensions",
            expected: p,
            got: truth.j.nrows(),
        });
    }
    let l = model
        .fisher
        .clone()
        .cholesky()
        .ok_or_else(|| Error::Numerical("Fisher information is not positive definite".into()))?
        .l();
    let w = l
        .clone()
        .solve_lower_triangular(&DMatrix::identity(p, p))
        .ok_or_else(|| Error::Numerical("Fisher information factor is singular".into()))?;
    let jt = &w * &truth.j * w.transpose();
    let c1 = 0.5 * jt.trace();
    let k3t = model.k3.transform(&w);
    let l3t = truth.lambda3.transform(&w);
    let cubic = -k3t.dot(&l3t) / 3.0;
    let m = w.transpose() * &jt * &w;
    let k4_term = model.k4.contract2(&m)?;
    let mut k3_term = 0.0;
    for f in 0..p {
        let a = k3t.slice(f);
        let ja = &jt * &a;
        let tr = ja.trace();
        k3_term += 2.0 * ja.component_mul(&ja.transpose()).sum() + tr * tr;
    }
    let quartic = 0.375 * (-k4_term + k3_term);
    let c2 = cubic + quartic;
    if !(c1.is_finite() && c2.is_finite()) {
        return Err(Error::Numerical(format!(
            "risk expansion terms are not finite (c1 = {c1}, c2 = {c2})"
        )));
    }
    Ok(ExpansionTerms {
        c1,
        c2,
        cubic,
        quartic,
    })
}

/// Exact expansion terms for a known truth: project, then [`expansion_terms`].
pub fn exact_terms(
    family: &dyn ExponentialFamily,
    truth: &Truth,
) -> Result<(DVector<f64>, ExpansionTerms)> {
    let pt = project_truth(family, family.truth_moments(truth)?)?;
    let terms = expansion_terms(&pt.model, &pt.truth)?;
    Ok((pt.theta, terms))
}

/// Exact expansion terms under correct specification at θ (J = I, λ3 = k3).
pub fn correct_terms(
    family: &dyn ExponentialFamily,
    theta: &DVector<f64>,
) -> Result<ExpansionTerms> {
    let c = family.cumulants(theta)?;
    expansion_terms(&c, &TruthMoments::from_model(&c))
}

/// Plug-in estimates from a data set (rows = observations), with the information criteria.
#[derive(Debug, Clone)]
pub struct PlugIn {
    /// Observations.
    pub n: usize,
    /// Parameters.
    pub p: usize,
    /// θ̂.
    pub theta: DVector<f64>,
    /// ĉ1, ĉ2 (sample covariance and third k-statistic of t; ψ-derivatives at θ̂).
    pub terms: ExpansionTerms,
    /// Maximized log-likelihood ℓ(θ̂).
    pub loglik: f64,
    /// AIC, TIC, BIC.
    pub criteria: InformationCriteria,
}

/// Plug-in ĉ1, ĉ2 and AIC/TIC/BIC (spec §1.4 and §4) at the MLE ([`MleParams`]), with the
/// model cumulants at θ̂ and the sample moments of t. Errors: those of the MLE (n ≤ p, a
/// non-finite value, an observation outside the family's support, no MLE).
pub fn plug_in(family: &dyn ExponentialFamily, x: &DMatrix<f64>) -> Result<PlugIn> {
    let fit = MleParams::new(family).fit(x)?;
    let model = family.cumulants(&fit.theta)?;
    let terms = expansion_terms(&model, &fit.moments)?;
    let (n, p) = (fit.n, family.dim());
    let nf = n as f64;
    // TIC's Ĵ is the mean outer product of scores t − t̄ (divisor n).
    let tic_trace = 2.0 * first_order_term(&model.fisher, &(&fit.moments.j * ((nf - 1.0) / nf)))?;
    let criteria = information_criteria(fit.loglik, p, n, tic_trace)?;
    Ok(PlugIn {
        n,
        p,
        theta: fit.theta,
        terms,
        loglik: fit.loglik,
        criteria,
    })
}

/// Percentile bootstrap interval for ĉ1 (spec §1.4: ĉ1 has O(n^{-1/2}) relative error, so report
/// its uncertainty). θ̂ depends on the data only through t̄, so rows of t are resampled.
pub fn bootstrap_c1(
    family: &dyn ExponentialFamily,
    x: &DMatrix<f64>,
    b: usize,
    level: f64,
    rng: &mut Rng,
) -> Result<(f64, f64)> {
    crate::error::check::at_least("bootstrap resamples", b, 10)?;
    crate::error::check::in_open("level", level, 0.0, 1.0)?;
    let t = family.statistics(x)?;
    let rows: Vec<usize> = (0..t.nrows()).collect();
    let p = t.ncols();
    stats::bootstrap_ci(
        &rows,
        |idx| {
            let n = idx.len() as f64;
            let mut mean = DVector::zeros(p);
            for &i in idx {
                mean += t.row(i).transpose();
            }
            mean /= n;
            let mut j = DMatrix::zeros(p, p);
            for &i in idx {
                let r = t.row(i).transpose() - &mean;
                j += &r * r.transpose();
            }
            j /= n - 1.0;
            let theta = family.natural_from_mean(&mean)?;
            first_order_term(&family.fisher(&theta)?, &j)
        },
        b,
        level,
        rng,
    )
}

/// One Monte Carlo replicate: the exact loss and its control variate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RiskDraw {
    /// KL(g_θ* ‖ g_θ̂).
    pub kl: f64,
    /// Q = ½ Zᵀ I⁻¹ Z with Z = t̄ − η*; E Q = c1/n exactly.
    pub q: f64,
}

/// Monte Carlo summary at one n.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MonteCarloRisk {
    /// Sample size.
    pub n: usize,
    /// Replicates.
    pub replicates: usize,
    /// Plain mean of KL.
    pub risk_plain: f64,
    /// Its standard error.
    pub se_plain: f64,
    /// Control-variate estimate c1/n + mean(KL − Q) (unbiased, E Q = c1/n).
    pub risk: f64,
    /// Its standard error.
    pub se: f64,
    /// n² mean(KL − Q): the control-variate estimate of c2 (+ O(1/n)).
    pub c2_hat: f64,
    /// Its standard error.
    pub c2_se: f64,
}

/// A risk simulation: a family, a truth outside (or inside) it, θ* and the exact terms.
#[derive(Debug, Clone)]
pub struct RiskSimulation {
    family: Arc<dyn ExponentialFamily>,
    sampler: TruthSampler,
    theta_star: DVector<f64>,
    eta_star: DVector<f64>,
    fisher_inv: DMatrix<f64>,
    terms: ExpansionTerms,
}

impl RiskSimulation {
    /// Prepare: project the truth, compute c1 and c2.
    pub fn new(family: Arc<dyn ExponentialFamily>, truth: &Truth) -> Result<Self> {
        let moments = family.truth_moments(truth)?;
        Self::with_moments(family, truth, moments)
    }

    /// Prepare with the moments of t under the truth given (e.g. [`TruthMoments::from_model`]
    /// for a correctly specified check of a family without closed-form truth moments).
    pub fn with_moments(
        family: Arc<dyn ExponentialFamily>,
        truth: &Truth,
        moments: TruthMoments,
    ) -> Result<Self> {
        let sampler = TruthSampler::new(truth, family.obs_dim())?;
        let pt = project_truth(family.as_ref(), moments)?;
        let terms = expansion_terms(&pt.model, &pt.truth)?;
        let fisher_inv = Cholesky::new(&pt.model.fisher, "Fisher information")?.inverse();
        Ok(Self {
            family,
            sampler,
            theta_star: pt.theta,
            eta_star: pt.truth.eta,
            fisher_inv,
            terms,
        })
    }

    /// The exact expansion terms.
    pub fn terms(&self) -> ExpansionTerms {
        self.terms
    }

    /// θ*.
    pub fn theta_star(&self) -> &DVector<f64> {
        &self.theta_star
    }

    /// The family.
    pub fn family(&self) -> &dyn ExponentialFamily {
        self.family.as_ref()
    }

    /// Draw n observations from the truth, fit θ̂ by moment matching, return the exact loss
    /// and the control variate.
    pub fn replicate(&self, n: usize, rng: &mut Rng) -> Result<RiskDraw> {
        let p = self.family.dim();
        let mut x = vec![0.0; self.family.obs_dim()];
        let mut t = vec![0.0; p];
        let mut sum = vec![0.0; p];
        for _ in 0..n {
            self.sampler.draw(rng, &mut x);
            self.family.sufficient_statistic(&x, &mut t)?;
            for (s, v) in sum.iter_mut().zip(&t) {
                *s += v;
            }
        }
        let tbar = DVector::from_iterator(p, sum.iter().map(|s| s / n as f64));
        let z = &tbar - &self.eta_star;
        let theta_hat = self.family.natural_from_mean(&tbar)?;
        let kl = self.family.kl(&self.theta_star, &theta_hat)?;
        let q = 0.5 * z.dot(&(&self.fisher_inv * &z));
        Ok(RiskDraw { kl, q })
    }

    /// `replicates` replicates at sample size n in parallel; replicate r draws from
    /// `rng::stream(seed, label, r)`, so results do not depend on the thread count.
    pub fn run(
        &self,
        n: usize,
        replicates: usize,
        seed: u64,
        label: &str,
    ) -> Result<MonteCarloRisk> {
        crate::error::check::at_least("n", n, 1)?;
        crate::error::check::at_least("replicates", replicates, 2)?;
        let draws: Vec<RiskDraw> = (0..replicates as u64)
            .into_par_iter()
            .map(|r| self.replicate(n, &mut rng::stream(seed, label, r)))
            .collect::<Result<_>>()?;
        summarize(n, &draws, &self.terms)
    }
}

/// Summarize replicates at one n.
pub fn summarize(n: usize, draws: &[RiskDraw], terms: &ExpansionTerms) -> Result<MonteCarloRisk> {
    let kl: Vec<f64> = draws.iter().map(|d| d.kl).collect();
    let d: Vec<f64> = draws.iter().map(|d| d.kl - d.q).collect();
    let nf = n as f64;
    let (md, sd) = (stats::mean(&d)?, stats::std_error(&d)?);
    Ok(MonteCarloRisk {
        n,
        replicates: draws.len(),
        risk_plain: stats::mean(&kl)?,
        se_plain: stats::std_error(&kl)?,
        risk: terms.c1 / nf + md,
        se: sd,
        c2_hat: nf * nf * md,
        c2_se: nf * nf * sd,
    })
}

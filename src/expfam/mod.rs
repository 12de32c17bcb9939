//! Exponential families, information projection, the MLE risk expansion and the p-n criterion
//! (Sheena, "MLE convergence speed to information projection of exponential family: criterion
//! for model dimension and sample size", arXiv:2105.08947; *Statistical Papers* 2022).
//!
//! A model g(x; θ) = h(x) exp(θᵀt(x) − ψ(θ)) is fitted to data from a truth g that it may not
//! contain. The MLE θ̂ converges to the information projection θ* (∇ψ(θ*) = E_g t), and the risk
//! R_n = E KL(g_θ* ‖ g_θ̂) = c1/n + c2/n² + O(n⁻³) with c1 = ½ tr(I⁻¹J) (TIC penalty / 4).
//!
//! | module | maths |
//! |---|---|
//! | [`family`] | the [`ExponentialFamily`] trait: t, ψ, cumulants to 4th order, Bregman KL |
//! | [`families`] | normal and restricted Gaussians (isotropic, diagonal, graphical, full), Poisson, Gamma, categorical / log-linear |
//! | [`projection`] | moment matching θ* (from a truth) and θ̂ (from data) |
//! | [`mle`] | the MLE as an estimator: [`MleParams`] → [`Mle`] → [`MleFit`] (θ̂, sample moments of t, ℓ(θ̂), diagnostics) |
//! | [`risk`] | c1, c2 (exact and plug-in with bootstrap), Monte Carlo risk with control variate |
//! | [`criterion`] | accept (p, n), n_min, largest p; AIC, TIC, BIC |
//! | [`truth`] | truths for simulation: gamma, Student t, lognormal, negative binomial, normal mixture, Gaussian |
//!
//! The Bayes-error threshold ε of the criterion is a parameter. Its default is the Pinsker form
//! ε = 8δ² of the spec, derived here. The paper's own constant was not available, so
//! [`criterion::Threshold`] also takes ε directly or the Bhattacharyya form.
//!
//! ```
//! use veristat::expfam::{families::Gaussian, risk, truth::Truth};
//! // Normal model fitted to Gamma(4) data: c1 = 1 + γ2/4 = 1.375, c2 = 6.28125.
//! let truth = Truth::parse("gamma:4", 1).unwrap();
//! let (_, terms) = risk::exact_terms(&Gaussian::normal(), &truth).unwrap();
//! assert!((terms.c1 - 1.375).abs() < 1e-9 && (terms.c2 - 6.28125).abs() < 1e-9);
//! ```

// Tensor code indexes several arrays with the same indices; iterator chains would hide the maths.
#![allow(clippy::needless_range_loop)]

pub mod columns;
pub mod criterion;
pub mod families;
pub mod family;
pub mod kernels;
pub mod mle;
pub mod projection;
pub mod risk;
pub mod special;
pub mod tensor;
pub mod truth;

pub use family::{ExponentialFamily, ModelCumulants, Projection, TruthMoments};
pub use mle::{Mle, MleFit, MleParams};
pub use risk::{ExpansionTerms, MonteCarloRisk, PlugIn, RiskSimulation};

#[cfg(test)]
mod tests;

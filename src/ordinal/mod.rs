//! Ordinal regression for rare outcomes: cumulative link models with boundary-specific
//! slopes, proportional odds (PO) by Newton, PRESTO (Faletto & Bien, ICML 2023) by proximal
//! Newton, clm-style inference (Wald, likelihood ratio, profile intervals, AIC/BIC), predicted
//! class probabilities with delta-method uncertainty and an explicit policy for crossing
//! cumulative probabilities.
//!
//! # Model and sign convention
//! Classes are `0..K` (K ≥ 2; for K = 2 PRESTO is a penalized binary model). Boundary
//! `k = 0..K-1` has a cutpoint `θ_k` and slopes `b_k ∈ R^p`:
//!
//! ```text
//!     P(Y ≤ k | x) = F(θ_k − xᵀ b_k)
//! ```
//!
//! with F the inverse link ([`Link`]: logit σ by default, probit, cloglog, loglog, cauchit;
//! R `ordinal::clm`'s parametrisation).
//!
//! This is the MASS::polr / statsmodels `OrderedModel` sign, used by the whole public API and
//! the CLI's JSON. The paper (and ordinalNet) write `P(Y ≤ k | x) = F(α_k + β_kᵀ x)`; the
//! mapping is `α_k = θ_k`, `β_k = −b_k` (the authors flip signs exactly this way). The PRESTO
//! penalty is symmetric under `b → −b`, so the fitted model and λ are the same in both signs.
//!
//! # Estimators
//! Every fit follows [`crate::estimator`]: unchecked params → `check()` → checked params →
//! `fit(&OrdinalData)` → a fitted model with `predict` (class probabilities) and
//! `diagnostics()` (Newton or proximal Newton steps, why it stopped, the gradient-norm or KKT
//! certificate against its tolerance, seconds):
//!
//! ```text
//! ProportionalOddsParams -> ProportionalOdds -> ProportionalOddsFit
//! LogitLastParams        -> LogitLast        -> ProportionalOddsFit (K = 2)
//! PrestoParams           -> Presto           -> PrestoFit        (one λ)
//! PrestoPathParams       -> PrestoPath       -> PrestoPathFit    (λ grid, warm starts)
//! PrestoCvParams         -> PrestoCv         -> PrestoCvFit      (λ by K-fold CV on Brier)
//! ```
//!
//! # Map
//! | module | what |
//! |---|---|
//! | [`data`] | [`OrdinalData`]: design, integer labels `0..K`, frequency weights, validation |
//! | [`link`] | [`Link`]: the five inverse links, tail-stable log class probabilities |
//! | [`identify`] | identifiability checks naming the constant, aliased or separating feature |
//! | [`likelihood`] | log-likelihood, analytic gradient and Hessian (deterministic parallel sums) |
//! | [`model`] | [`CumulativeLogit`]: a fitted model, predicted probabilities, [`CrossingPolicy`] |
//! | [`proportional_odds`] | PO MLE by Newton with ordered cutpoints; logistic on the last class |
//! | [`presto`] | PRESTO objective (spec §1.2), proximal Newton, λ path, K-fold CV on Brier |
//! | [`inference`] | Wald statistics, AIC and BIC |
//! | [`likelihood_ratio`] | LR tests (a feature dropped; clm's `nominal_test`), profile intervals |
//! | [`uncertainty`] | delta-method class and cumulative probabilities, average marginal effects |
//! | [`simulate`] | the paper's simulation generator (Sec. 4.1 sparse, 4.2 dense differences) |

pub mod data;
pub mod identify;
pub mod inference;
pub mod likelihood;
pub mod likelihood_ratio;
pub mod link;
pub mod model;
pub mod presto;
pub mod proportional_odds;
pub mod simulate;
pub mod uncertainty;

pub use data::OrdinalData;
pub use link::Link;
pub use model::{CrossingPolicy, CumulativeLogit, Probabilities};
pub use presto::{
    Presto, PrestoCv, PrestoCvFit, PrestoCvParams, PrestoFit, PrestoParams, PrestoPath,
    PrestoPathFit, PrestoPathParams,
};
pub use proportional_odds::{
    LogitLast, LogitLastParams, ProportionalOdds, ProportionalOddsFit, ProportionalOddsParams,
};

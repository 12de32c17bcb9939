//! Bayesian inference engines shared by the modules.
//!
//! [`nested`] is a static nested sampler (Skilling 2006, "Nested sampling for general Bayesian
//! computation", Bayesian Analysis 1(4):833) in the style of dynesty's constrained random walk:
//! it returns the log-evidence, its error, weighted posterior samples and diagnostics, and is
//! deterministic for a given seed whatever the number of rayon threads.

pub mod nested;

pub use nested::{NestedParams, NestedResult, NestedSampler, PriorModel, Sample};

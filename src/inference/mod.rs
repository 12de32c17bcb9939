//! Bayesian inference engines shared by the modules.
//!
//! [`nested`] is a static nested sampler (Skilling 2006, "Nested sampling for general Bayesian
//! computation", Bayesian Analysis 1(4):833) in the style of dynesty's constrained random walk:
//! it returns the log-evidence, its error, weighted posterior samples and diagnostics, and is
//! deterministic for a given seed whatever the number of rayon threads. Its loop is also open as
//! a step function ([`NestedSampler::step`] on a plain [`NestedState`]).

pub mod nested;

pub use nested::{
    Checkpointing, Nested, NestedParams, NestedResult, NestedSampler, NestedState, PriorModel,
    Sample, Termination,
};

//! The problem a nested sampler solves: a likelihood on the unit hypercube.

use rayon::prelude::*;

/// A Bayesian problem on the unit hypercube.
pub trait PriorModel: Sync {
    /// Number of parameters.
    fn dim(&self) -> usize;
    /// Whether unit-cube coordinate `i` wraps around (a phase); others are bounded by [0, 1].
    fn is_periodic(&self, _i: usize) -> bool {
        false
    }
    /// Prior transform: map `u ∈ [0,1]^d` to the parameters `theta`.
    fn transform(&self, u: &[f64], theta: &mut [f64]);
    /// Log-likelihood at `theta`; `-inf` outside the support (prior constraints).
    fn log_likelihood(&self, theta: &[f64]) -> f64;
    /// Log-likelihoods of many points at once (`out[i]` for `thetas[i]`; equal lengths). The
    /// default evaluates [`PriorModel::log_likelihood`] point by point over rayon's pool, which
    /// gives exactly the per-point values; a model with a batched evaluator (a GPU kernel)
    /// overrides it. An implementation that cannot evaluate a point writes NaN there (the
    /// sampler then stops with an error).
    fn log_likelihood_batch(&self, thetas: &[Vec<f64>], out: &mut [f64]) {
        thetas
            .par_iter()
            .zip(out.par_iter_mut())
            .for_each(|(t, o)| *o = self.log_likelihood(t));
    }
    /// Whether the sampler should evaluate the replacements' likelihoods in batches across the
    /// replacements of an iteration: the uniform proposals from the bounds in rounds, the random
    /// walks in lockstep, one batch per step (see `batches.rs`). Default `false`: proposals are
    /// evaluated one at a time inside each replacement, as always. A
    /// model whose [`PriorModel::log_likelihood_batch`] is much cheaper per point than single
    /// calls (a GPU) returns `true`; the proposals, the random stream and the result are the
    /// same either way (given the same values), only extra uniform candidates beyond a
    /// replacement's first hit are evaluated, and
    /// [`Diagnostics::n_calls`](super::Diagnostics::n_calls) counts the points evaluated.
    fn prefers_batches(&self) -> bool {
        false
    }
}

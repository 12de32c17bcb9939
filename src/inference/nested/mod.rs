//! Static nested sampling with uniform proposals from multi-ellipsoid bounds and a constrained
//! random walk as fallback (Skilling 2006; dynesty's `unif` and `rwalk`).
//!
//! The prior is a unit hypercube mapped by [`PriorModel::transform`]; a constraint (such as the
//! echo band's `f_max - f_min >= 10 Δ`) is expressed by returning `-inf` from
//! [`PriorModel::log_likelihood`]. Initial live points are drawn from the prior restricted to
//! the finite-likelihood region, so the evidence is normalised over the *constrained* prior, as
//! bilby does when it seeds dynesty with constrained prior draws.
//!
//! **Algorithm (Skilling 2006, §4; Speagle 2020, dynesty, §2).** With `n` live points the prior
//! volume shrinks by `E[ln t] = -1/n` per removed point. To use several cores without making the
//! answer depend on the thread count, each iteration removes the `K = batch` worst points at
//! once: this is exactly the sequence of `K` ordinary removals with `n, n-1, …, n-K+1` live
//! points (the order statistics of the live likelihoods), so `ln X` decreases by `1/(n-j)`,
//! `j = 0..K`. The `K` replacements are then drawn independently from the prior constrained by
//! `L > L*` (the largest removed likelihood) by `K` independent proposals (below), each with its
//! own seed drawn in order from the caller's generator, run in parallel with rayon and collected
//! in order: the output is the same for any number of threads.
//!
//! **The loop as a step function** (`state.rs`). Everything an iteration reads and writes (live
//! points, evidence accumulators, counters, the generator) is one plain [`NestedState`];
//! [`NestedSampler::step`] performs one iteration on it and [`NestedSampler::terminate`] says
//! whether the run is over, as argmin's `Solver::next_iter` and `terminate` do.
//! [`NestedSampler::run`] is the loop over them plus the final accounting.
//!
//! **Checkpoints** (`checkpoint.rs`). Because the state is the whole of a run,
//! [`NestedSampler::run_checkpointed`] writes it atomically every `N` iterations and resumes
//! from the file: a killed run resumed gives the uninterrupted run's `ln Z`, samples and weights
//! bit for bit; a file made with other settings, another problem or another seed is refused.
//!
//! **Mode-local proposals (Feroz & Hobson 2008, MNRAS 384:449; Feroz, Hobson & Bridges 2009,
//! MultiNest, MNRAS 398:1601; Speagle 2020, dynesty, MNRAS 493:3132, multi-ellipsoid bounds;
//! the splitting rule is dynesty 3.1's `bounding._bounding_ellipsoids`).** On a multimodal
//! posterior one covariance of *all* live points spans the gaps between modes: steps are huge
//! next to each mode, almost all are rejected, replacements are near-copies of their start
//! points and small modes die out, so evidence is lost. Each iteration therefore partitions the
//! surviving live points into clusters exactly as dynesty's `MultiEllipsoid` bound does
//! (`bounds.rs`: recursive 2-means splits kept while the children's bounding ellipsoids are
//! clearly smaller than the parent's) and a walk steps with the covariance of the cluster its
//! start point belongs to. A fifth of the steps (only while there are several clusters) still
//! use the covariance of all live points, so walks can move between modes and each mode's share
//! of live points follows its share of the constrained prior. The clustering has no randomness
//! (k-means starts at the major-axis ends, as in dynesty), so the seed-and-thread-count
//! determinism is unchanged.
//!
//! **Uniform proposals from the bounds (Feroz & Hobson 2008, §5; Speagle 2020, §4.1.2,
//! dynesty's `unif` sampling).** Before walking (`walks.rs`), a replacement is first sought by
//! rejection from the union of the clusters' bounding ellipsoids, each enlarged `enlarge`-fold in
//! volume (default 2), for up to `uniform_calls` likelihood calls (default 200). A hit is an
//! independent draw from the constrained prior wherever the union covers it; only when the
//! budget is spent does the replacement walk from a live point. When the previous iteration's
//! hit rate makes a hit within the budget unlikely (< 10 %, e.g. the many tiny peaks of a
//! noise-only comb search), an iteration spends only `walks` calls on uniform draws (a probe
//! that keeps measuring the rate). Random walks alone are biased low on the 3-parameter comb
//! toy: its posterior is a sharp core inside a fan of ridges (one per tooth that still
//! matches), and walks started from live points move between ridges too slowly. Small clusters
//! (a cluster may have as few as `2d` points) bound their share of the region poorly, hence the
//! larger enlargement.
//!
//! **Batched likelihoods (a GPU; [`PriorModel::prefers_batches`]; `batches.rs`).** Every
//! likelihood of an iteration is then evaluated in batches across its `K` replacements: the
//! uniform proposals in rounds, the random walks in lockstep (one batch per step; a walk past
//! `walks` steps with no move yet draws up to `walks` steps per round from its start point,
//! since its first acceptance ends it). The run equals the one-at-a-time run (same draws and
//! decisions per replacement); only [`Diagnostics::n_calls`] counts differently (every
//! evaluated point). What decides whether a GPU can beat the CPU is the number of batched calls
//! (each a kernel launch and a host-device round trip) and the points per call. Removing `K`
//! points per iteration is exact (the order statistics above); the cost is a live set that dips
//! to `n - K`, and at large `K` the reported `sqrt(H / n)` understates the run-to-run error,
//! hence the GPU's default `K = nlive / 10` (`echo::device_batch`).
//!
//! Measurements (proposal kinds against an importance-sampling reference, batched calls and
//! points per call, the spread of ln B against `K`): `docs/measurements/inference.md`.
//!
//! Evidence `Z = Σ_i L_i w_i` with `w_i = X_{i-1} - X_i`, plus the final live points with weight
//! `X_final / n` each; the information `H = Σ p_i ln(L_i / Z)` gives the error
//! `σ_lnZ ≈ sqrt(H / n)` (Skilling 2006, eq. 17).

mod batches;
mod bounds;
mod checkpoint;
mod model;
mod params;
mod result;
mod state;
mod walks;

#[cfg(test)]
mod tests;

pub use crate::linalg::log_add_exp;
pub use checkpoint::{Checkpointing, read_state};
pub use model::PriorModel;
pub use params::{Nested, NestedParams, NestedSampler};
pub use result::{Diagnostics, NestedResult, Sample, weighted_quantile};
pub use state::{NestedState, Termination};

//! The sampler's loop as a step function over a plain state, after argmin's
//! `Solver::next_iter` and `terminate`: [`NestedState`] holds everything an iteration reads and
//! writes (live points, evidence accumulators, counters, the generator), [`NestedSampler::step`]
//! performs one iteration of Skilling's (2006, §4) algorithm on it, [`NestedSampler::terminate`]
//! applies the stopping rules, and [`NestedSampler::finish`] adds the final live points and
//! computes the information. [`NestedSampler::run`] is the loop over them.
//!
//! The state holds no references and no derived data (the live points' order by likelihood and
//! their clusters are rebuilt by each step), so it is the whole of a run between iterations.

use super::batches::BatchCount;
use super::bounds::{Clusters, live_cholesky};
use super::model::PriorModel;
use super::params::NestedSampler;
use super::result::{Diagnostics, NestedResult, Sample};
use super::walks::{GLOBAL_JUMP, Walk};
use crate::error::{Error, Result};
use crate::linalg::log_add_exp;
use crate::rng::Rng;
use rand::RngExt;
use rand_chacha::rand_core::SeedableRng;
use rayon::prelude::*;

/// Below this chance that a replacement finds a uniform draw within the full `uniform_calls`
/// budget (estimated from the previous iteration's hit rate per call), an iteration spends only
/// `walks` calls on uniform draws before walking. On a likelihood landscape of many tiny peaks
/// (noise-only comb searches) the bounds are mostly empty and the full budget would be wasted
/// on every replacement; the short probe keeps measuring the hit rate, so the full budget returns
/// as soon as the bounds fit the region again.
const MIN_UNIFORM_SUCCESS: f64 = 0.1;

/// A nested-sampling run between iterations.
#[derive(Debug, Clone, PartialEq)]
pub struct NestedState {
    /// Live points in the unit cube, their parameters and log-likelihoods (index-aligned).
    pub(super) live_u: Vec<Vec<f64>>,
    pub(super) live_theta: Vec<Vec<f64>>,
    pub(super) live_l: Vec<f64>,
    /// `ln X`, the expected log prior volume inside the lowest live likelihood.
    pub(super) log_x: f64,
    /// `ln Z` accumulated over the dead points.
    pub(super) log_z: f64,
    /// The removed points with their weights, in order of removal.
    pub(super) dead: Vec<Sample>,
    /// Random-walk scale in units of each cluster's covariance, adapted each iteration.
    pub(super) scale: f64,
    /// Likelihood calls a replacement may spend on uniform proposals in the next iteration.
    pub(super) uniform_budget: usize,
    pub(super) iterations: usize,
    /// Likelihood calls as [`Diagnostics::n_calls`] counts them.
    pub(super) n_calls: u64,
    /// Accepted / proposed cluster-local walk steps, summed.
    pub(super) accepted: u64,
    pub(super) proposed: u64,
    /// Replacements that were uniform draws from the bounds.
    pub(super) n_uniform: u64,
    pub(super) max_clusters: usize,
    pub(super) evaluated: BatchCount,
    /// The generator all draws come from, in order.
    pub(super) rng: Rng,
}

impl NestedState {
    /// No live points yet; `rng` is the generator the run draws from.
    fn empty(sampler: &NestedSampler, rng: Rng) -> Self {
        let n = sampler.params.nlive;
        Self {
            live_u: Vec::with_capacity(n),
            live_theta: Vec::with_capacity(n),
            live_l: Vec::with_capacity(n),
            log_x: 0.0,
            log_z: f64::NEG_INFINITY,
            dead: Vec::new(),
            scale: 1.0,
            uniform_budget: sampler.params.uniform_calls,
            iterations: 0,
            n_calls: 0,
            accepted: 0,
            proposed: 0,
            n_uniform: 0,
            max_clusters: 1,
            evaluated: BatchCount::default(),
            rng,
        }
    }

    /// Iterations made.
    pub fn iterations(&self) -> usize {
        self.iterations
    }

    /// Likelihood calls made (as [`Diagnostics::n_calls`] counts them).
    pub fn n_calls(&self) -> u64 {
        self.n_calls
    }

    /// `ln Z` of the dead points so far (the live points' share is added by
    /// [`NestedSampler::finish`]).
    pub fn log_z(&self) -> f64 {
        self.log_z
    }

    /// `ln X` of the prior volume still enclosed by the live points.
    pub fn log_volume(&self) -> f64 {
        self.log_x
    }

    /// The live points' log-likelihoods.
    pub fn live_log_likelihoods(&self) -> &[f64] {
        &self.live_l
    }

    /// The dead points so far, in order of removal.
    pub fn dead(&self) -> &[Sample] {
        &self.dead
    }

    /// The generator, where the draws so far left it.
    pub fn rng(&self) -> &Rng {
        &self.rng
    }

    /// The live points' indices in increasing likelihood, ties broken by index. The order is
    /// total, so it does not depend on where the sort starts.
    fn by_likelihood(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.live_l.len()).collect();
        order.sort_by(|&a, &b| self.live_l[a].total_cmp(&self.live_l[b]).then(a.cmp(&b)));
        order
    }
}

/// Why a run is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Termination {
    /// `ln(Z + L_max X) - ln Z < dlogz`: the live points can add little more evidence.
    Converged,
    /// The `max_calls` budget of likelihood calls is spent.
    MaxCalls,
}

impl NestedSampler {
    /// Run the sampler on `model`; all randomness comes from `rng`, which is left where the
    /// sampler's draws end (also when the run fails).
    pub fn run<M: PriorModel + ?Sized>(&self, model: &M, rng: &mut Rng) -> Result<NestedResult> {
        self.drive(model, rng, None, |_, _| Ok(()))
    }

    /// The loop of [`NestedSampler::run`], from `resumed` (a state saved by an earlier run from
    /// the same `rng`; `None`: a fresh start with `rng`), calling `saw(state, stopped)` after the
    /// initial live points are drawn (when not resumed) and after every iteration, with `stopped`
    /// true once, when the run is over (`checkpoint.rs` writes the state there). The caller's
    /// `rng` is left where the state's generator ends.
    pub(super) fn drive<M: PriorModel + ?Sized>(
        &self,
        model: &M,
        rng: &mut Rng,
        resumed: Option<NestedState>,
        mut saw: impl FnMut(&NestedState, bool) -> Result<()>,
    ) -> Result<NestedResult> {
        self.check_model(model)?;
        let fresh = resumed.is_none();
        let mut state = resumed.unwrap_or_else(|| NestedState::empty(self, rng.clone()));
        let populated = if fresh {
            self.populate(model, &mut state)
                .and_then(|()| saw(&state, false))
        } else {
            Ok(())
        };
        let looped = populated.and_then(|()| {
            while self.terminate(&state).is_none() {
                self.step(model, &mut state)?;
                saw(&state, false)?;
            }
            saw(&state, true)
        });
        rng.clone_from(&state.rng);
        looped?;
        self.finish(state)
    }

    /// A fresh run on `model`: the initial live points drawn from the constrained prior with
    /// `rng`, which the state then owns. Drive it with [`NestedSampler::step`] until
    /// [`NestedSampler::terminate`] says stop, then [`NestedSampler::finish`]; this is what
    /// [`NestedSampler::run`] does.
    pub fn start<M: PriorModel + ?Sized>(&self, model: &M, rng: Rng) -> Result<NestedState> {
        self.check_model(model)?;
        let mut state = NestedState::empty(self, rng);
        self.populate(model, &mut state)?;
        Ok(state)
    }

    fn check_model<M: PriorModel + ?Sized>(&self, model: &M) -> Result<()> {
        if model.dim() != self.dim {
            return Err(Error::DimensionMismatch {
                what: "nested sampler model",
                expected: self.dim,
                got: model.dim(),
            });
        }
        Ok(())
    }

    /// Initial live points: prior draws with finite likelihood (the constrained prior), in
    /// rounds of one batch for the points still missing.
    fn populate<M: PriorModel + ?Sized>(&self, model: &M, state: &mut NestedState) -> Result<()> {
        let (d, n) = (self.dim, self.params.nlive);
        let max_draws = 1000 * n as u64 + 10_000;
        while state.live_u.len() < n {
            let need = n - state.live_u.len();
            let us: Vec<Vec<f64>> = (0..need)
                .map(|_| (0..d).map(|_| state.rng.random::<f64>()).collect())
                .collect();
            let thetas: Vec<Vec<f64>> = us
                .par_iter()
                .map(|u| {
                    let mut th = vec![0.0; d];
                    model.transform(u, &mut th);
                    th
                })
                .collect();
            let mut ls = vec![0.0; need];
            model.log_likelihood_batch(&thetas, &mut ls);
            state.evaluated.batches += 1;
            state.evaluated.points += need as u64;
            state.n_calls += need as u64;
            for ((u, th), l) in us.into_iter().zip(thetas).zip(ls) {
                if l.is_nan() || l == f64::INFINITY {
                    return Err(Error::Numerical(format!(
                        "log-likelihood is {l} at a prior draw {th:?}"
                    )));
                }
                if l > f64::NEG_INFINITY {
                    state.live_u.push(u);
                    state.live_theta.push(th);
                    state.live_l.push(l);
                }
            }
            if state.n_calls > max_draws {
                return Err(Error::InvalidData(format!(
                    "only {} of {} prior draws have a finite likelihood: the constrained prior is (nearly) empty",
                    state.live_u.len(),
                    state.n_calls
                )));
            }
        }
        Ok(())
    }

    /// Whether the run is over: the evidence criterion (dynesty's `dlogz`: the live points'
    /// largest possible contribution `L_max X` would raise `ln Z` by less than `dlogz`), checked
    /// first, or the likelihood-call budget.
    pub fn terminate(&self, state: &NestedState) -> Option<Termination> {
        let l_max = state
            .live_l
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        let remain = log_add_exp(state.log_z, l_max + state.log_x) - state.log_z;
        if state.log_z > f64::NEG_INFINITY && remain < self.params.dlogz {
            Some(Termination::Converged)
        } else if state.n_calls >= self.params.max_calls {
            Some(Termination::MaxCalls)
        } else {
            None
        }
    }

    /// One iteration: remove the `K` lowest live points (the order statistics, `ln X` shrinking
    /// by `1/(n - j)` for the `j`-th; Skilling 2006, §4), add them to the evidence, and replace
    /// them by `K` independent draws from the prior constrained by `L > L*`; then adapt the
    /// uniform-proposal budget and the random-walk scale to what the replacements saw.
    pub fn step<M: PriorModel + ?Sized>(&self, model: &M, state: &mut NestedState) -> Result<()> {
        self.check_model(model)?;
        let (d, n, k) = (self.dim, self.params.nlive, self.params.batch);
        if state.live_l.len() != n {
            return Err(Error::DimensionMismatch {
                what: "nested state live points vs nlive",
                expected: n,
                got: state.live_l.len(),
            });
        }
        state.iterations += 1;
        // The K lowest live points, ascending.
        let order = state.by_likelihood();
        let removed = &order[..k];
        for (j, &i) in removed.iter().enumerate() {
            // X_{i} = X_{i-1} * t, E[ln t] = -1/(n - j); w = X_{i-1} - X_i.
            let step = 1.0 / (n - j) as f64;
            let log_w = state.log_x + (-(-step).exp_m1()).ln();
            state.log_x -= step;
            state.log_z = log_add_exp(state.log_z, state.live_l[i] + log_w);
            state.dead.push(Sample {
                theta: state.live_theta[i].clone(),
                log_l: state.live_l[i],
                log_w,
            });
        }
        let l_star = state.live_l[removed[k - 1]];
        // The survivors all satisfy L > L*: they sample the constrained prior, so their
        // clusters are the modes the replacements must be drawn from.
        let survivors = &order[k..];
        let surv_u: Vec<&[f64]> = survivors
            .iter()
            .map(|&i| state.live_u[i].as_slice())
            .collect();
        let clusters = Clusters::of(&surv_u, d, self.params.enlarge);
        state.max_clusters = state.max_clusters.max(clusters.chols.len());
        let global = live_cholesky(&surv_u, d);
        let p_jump = if clusters.chols.len() > 1 {
            GLOBAL_JUMP
        } else {
            0.0
        };
        // Each replacement's start point and seed, drawn in order: the replacements are then
        // independent of the thread count.
        let jobs: Vec<(usize, u64)> = (0..k)
            .map(|_| {
                (
                    state.rng.random_range(0..survivors.len()),
                    state.rng.random::<u64>(),
                )
            })
            .collect();
        let batched = model.prefers_batches();
        let before = state.evaluated.points;
        let results: Vec<Walk> = if batched {
            self.replace_batched(
                model,
                &jobs,
                survivors,
                (&state.live_u, &state.live_theta, &state.live_l),
                l_star,
                (&clusters, &global, p_jump),
                state.uniform_budget,
                state.scale,
                &mut state.evaluated,
            )?
        } else {
            let (live_u, live_theta, live_l) = (&state.live_u, &state.live_theta, &state.live_l);
            let (budget, scale) = (state.uniform_budget, state.scale);
            jobs.par_iter()
                .map(|&(j, seed)| {
                    let start = survivors[j];
                    let mut r = Rng::seed_from_u64(seed);
                    self.random_walk(
                        model,
                        &live_u[start],
                        &live_theta[start],
                        live_l[start],
                        l_star,
                        (&clusters.chols[clusters.labels[j]], &global, p_jump),
                        (clusters.bounds.as_ref(), budget),
                        scale,
                        self.params.walks,
                        &mut r,
                    )
                })
                .collect()
        };
        let (mut acc, mut prop) = (0u64, 0u64);
        let (mut hits, mut hit_calls) = (0u64, 0u64);
        for (w, &slot) in results.into_iter().zip(removed) {
            hits += u64::from(w.uniform);
            hit_calls += w.uniform_calls;
            acc += w.accepted;
            prop += w.proposed;
            if !batched {
                state.n_calls += w.calls;
            }
            state.live_u[slot] = w.u;
            state.live_theta[slot] = w.theta;
            state.live_l[slot] = w.log_l;
        }
        if batched {
            state.n_calls += state.evaluated.points - before;
        }
        state.accepted += acc;
        state.proposed += prop;
        state.n_uniform += hits;
        if hit_calls > 0 {
            let uniform_calls = self.params.uniform_calls;
            let per_call = hits as f64 / hit_calls as f64;
            let p_hit = 1.0 - (1.0 - per_call).powf(uniform_calls as f64);
            state.uniform_budget = if p_hit >= MIN_UNIFORM_SUCCESS {
                uniform_calls
            } else {
                self.params.walks.min(uniform_calls)
            };
        }
        // Keep the acceptance near 1/2 (dynesty's rwalk target). One scale for all clusters,
        // as in dynesty: it is in units of each cluster's own covariance, so it measures how
        // far a step may go relative to the mode's width, which is alike across modes, and a
        // per-cluster scale could not be carried over because clusters are rebuilt each
        // iteration.
        if prop > 0 {
            let rate = acc as f64 / prop as f64;
            state.scale = (state.scale
                * ((rate - 0.5) * 2.0 / (1.0 + (k as f64).sqrt().recip())).exp())
            .clamp(1e-6, 10.0);
        }
        Ok(())
    }

    /// The result of a run that stopped at `state`: the final live points, each with weight
    /// `X / n`, join the dead points in increasing likelihood; the information
    /// `H = Σ p_i ln(L_i / Z)` gives the error `sqrt(H / n)` (Skilling 2006, eq. 17).
    /// [`Diagnostics::converged`] is whether [`NestedSampler::terminate`] says
    /// [`Termination::Converged`] at `state`.
    pub fn finish(&self, state: NestedState) -> Result<NestedResult> {
        let converged = self.terminate(&state) == Some(Termination::Converged);
        let n = state.live_l.len();
        let k = self.params.batch;
        let order = state.by_likelihood();
        let NestedState {
            live_theta,
            live_l,
            log_x,
            mut log_z,
            mut dead,
            ..
        } = state;
        let log_w_final = log_x - (n as f64).ln();
        for &i in &order {
            log_z = log_add_exp(log_z, live_l[i] + log_w_final);
            dead.push(Sample {
                theta: live_theta[i].clone(),
                log_l: live_l[i],
                log_w: log_w_final,
            });
        }
        let mut information = 0.0;
        for s in &dead {
            let p = (s.log_l + s.log_w - log_z).exp();
            if p > 0.0 {
                information += p * (s.log_l - log_z);
            }
        }
        let information = information.max(0.0);
        if !log_z.is_finite() {
            return Err(Error::Numerical(format!("log-evidence is {log_z}")));
        }
        Ok(NestedResult {
            log_z,
            log_z_err: (information / n as f64).sqrt(),
            samples: dead,
            diagnostics: Diagnostics {
                iterations: state.iterations,
                n_calls: state.n_calls,
                acceptance: state.accepted as f64 / state.proposed.max(1) as f64,
                information,
                final_scale: state.scale,
                max_clusters: state.max_clusters,
                uniform_fraction: state.n_uniform as f64 / (state.iterations * k).max(1) as f64,
                converged,
                log_volume: log_x,
                batches: state.evaluated.batches,
                batch_points: state.evaluated.points,
                walk_batches: state.evaluated.walk_batches,
                walk_points: state.evaluated.walk_points,
            },
        })
    }
}

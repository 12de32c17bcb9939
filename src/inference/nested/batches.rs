//! The batched path ([`PriorModel::prefers_batches`]): the `K` replacements of an iteration
//! with every likelihood evaluated in batches across them, the uniform proposals in rounds and
//! the random walks in lockstep, one batch per step, giving the same run as the one-at-a-time
//! path of `walks.rs`.

use super::bounds::Clusters;
use super::model::PriorModel;
use super::params::NestedSampler;
use super::walks::{Walk, Walker};
use crate::error::{Error, Result};
use crate::rng::Rng;
use rand_chacha::rand_core::SeedableRng;
use rayon::prelude::*;

/// Smallest number of uniform proposals the batched path ([`PriorModel::prefers_batches`])
/// evaluates per batch (enough to fill a GPU's likelihood kernel with blocks).
pub(super) const BATCH_TARGET: usize = 256;

impl NestedSampler {
    /// The `K` replacements of one iteration with every likelihood evaluated in batches across
    /// replacements ([`PriorModel::prefers_batches`]).
    ///
    /// *Uniform proposals.* Replacement j draws exactly the candidates
    /// `NestedSampler::random_walk` would draw from its own generator (the draws do not depend
    /// on likelihood values), in rounds of a growing number per replacement; every round's
    /// candidates of all unresolved replacements go to one [`PriorModel::log_likelihood_batch`].
    /// A replacement's first candidate with `L > L*` is the one the one-at-a-time loop would
    /// have accepted; candidates drawn after it are evaluated and discarded.
    ///
    /// *Random walks, in lockstep.* The replacements without a uniform hit walk from their start
    /// points with the generator state the uniform draws left, one step per round: every
    /// still-walking replacement draws its next candidate exactly as `NestedSampler::walk`
    /// does (its own generator, its own current position), the candidates inside the cube go to
    /// one batch, and each walker then accepts or rejects its own. A walk's proposals depend on
    /// the likelihood only through its own current position, which is updated per walker, so
    /// each replacement ends where its one-at-a-time walk would. A walk in its extension (past
    /// `walks` steps without an accepted move) draws up to `walks` steps per round
    /// ([`Walker::ahead`]): they all start from the start point, the first acceptance ends the
    /// walk, and the steps drawn after it are evaluated but discarded. Without this, the few
    /// walks stuck in their extension (up to `50 walks` steps) made most of the rounds.
    ///
    /// The output therefore equals the one-at-a-time path's, evaluated values being equal. The
    /// [`Walk`] bookkeeping (`calls`, `uniform_calls`, `accepted`, `proposed`) is the
    /// one-at-a-time path's too, so the uniform-budget rule and the scale adaptation see the same
    /// numbers; the points actually evaluated (every point of every batch, the discarded uniform
    /// candidates and extension steps included, walk steps outside the cube excluded) are
    /// counted in `evaluated`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn replace_batched<M: PriorModel + ?Sized>(
        &self,
        model: &M,
        jobs: &[(usize, u64)],
        survivors: &[usize],
        (live_u, live_theta, live_l): (&[Vec<f64>], &[Vec<f64>], &[f64]),
        l_star: f64,
        (clusters, global, p_jump): (&Clusters, &[f64], f64),
        uniform_budget: usize,
        scale: f64,
        evaluated: &mut BatchCount,
    ) -> Result<Vec<Walk>> {
        let d = self.dim;
        let k = jobs.len();
        let mut rngs: Vec<Rng> = jobs.iter().map(|&(_, s)| Rng::seed_from_u64(s)).collect();
        let mut calls = vec![0u64; k];
        let mut hits: Vec<Option<Walk>> = (0..k).map(|_| None).collect();
        if let Some(b) = clusters.bounds.as_ref() {
            let budget = uniform_budget as u64;
            let max_tries = 20 * uniform_budget;
            let mut tries = vec![0usize; k];
            let mut active: Vec<usize> = if budget > 0 { (0..k).collect() } else { vec![] };
            let (mut z, mut x) = (vec![0.0; d], vec![0.0; d]);
            let mut round = 0u32;
            while !active.is_empty() {
                // At least BATCH_TARGET points per batch, and a per-replacement share that
                // doubles each round, so a replacement needing m calls costs O(log m) batches.
                let per = BATCH_TARGET
                    .div_ceil(active.len())
                    .max(1usize << round.min(16));
                round += 1;
                let mut cand_u: Vec<Vec<f64>> = Vec::new();
                let mut spans: Vec<(usize, usize, usize)> = Vec::with_capacity(active.len());
                for &j in &active {
                    let start = cand_u.len();
                    let mut drawn = 0;
                    while drawn < per && calls[j] + (drawn as u64) < budget && tries[j] < max_tries
                    {
                        tries[j] += 1;
                        let mut cand = vec![0.0; d];
                        if !b.draw(&mut rngs[j], &mut cand, &mut z, &mut x)
                            || cand.iter().any(|v| !(0.0..=1.0).contains(v))
                        {
                            continue;
                        }
                        drawn += 1;
                        cand_u.push(cand);
                    }
                    spans.push((j, start, cand_u.len()));
                }
                let (thetas, ls) = evaluate_batch(model, &cand_u, evaluated)?;
                let mut next = Vec::with_capacity(active.len());
                for (j, start, end) in spans {
                    match (start..end).find(|&i| ls[i] > l_star) {
                        Some(i) => {
                            calls[j] += (i - start + 1) as u64;
                            hits[j] = Some(Walk {
                                u: cand_u[i].clone(),
                                theta: thetas[i].clone(),
                                log_l: ls[i],
                                accepted: 0,
                                proposed: 0,
                                calls: calls[j],
                                uniform: true,
                                uniform_calls: calls[j],
                            });
                        }
                        None => {
                            calls[j] += (end - start) as u64;
                            if calls[j] < budget && tries[j] < max_tries {
                                next.push(j);
                            }
                        }
                    }
                }
                active = next;
            }
        }

        // The walks of the replacements without a uniform hit, one lockstep round per step.
        let walks = self.params.walks;
        let mut walkers: Vec<Option<Walker>> = hits
            .iter()
            .zip(jobs)
            .zip(&calls)
            .map(|((hit, &(j, _)), &c)| {
                hit.is_none().then(|| {
                    let start = survivors[j];
                    Walker::new(&live_u[start], &live_theta[start], live_l[start], c)
                })
            })
            .collect();
        let mut z = vec![0.0; d];
        loop {
            // The steps drawn this round, in walker order: (replacement, global jump, index of
            // the candidate in the batch or `None` outside the cube).
            let mut steps: Vec<(usize, bool, Option<usize>)> = Vec::new();
            let mut cand_u: Vec<Vec<f64>> = Vec::new();
            for (i, slot) in walkers.iter().enumerate() {
                let Some(w) = slot.as_ref().filter(|w| w.walking(walks)) else {
                    continue;
                };
                let kernel = (
                    clusters.chols[clusters.labels[jobs[i].0]].as_slice(),
                    global,
                    p_jump,
                );
                for _ in 0..w.ahead(walks) {
                    let mut cand = vec![0.0; d];
                    let (jump, inside) =
                        w.draw(model, kernel, scale, &mut rngs[i], &mut z, &mut cand);
                    steps.push((i, jump, inside.then_some(cand_u.len())));
                    if inside {
                        cand_u.push(cand);
                    }
                }
            }
            if steps.is_empty() {
                break;
            }
            let (thetas, ls) = if cand_u.is_empty() {
                (Vec::new(), Vec::new())
            } else {
                let r = evaluate_batch(model, &cand_u, evaluated)?;
                evaluated.walk_batches += 1;
                evaluated.walk_points += cand_u.len() as u64;
                r
            };
            for (i, jump, c) in steps {
                let Some(w) = walkers[i].as_mut().filter(|w| w.walking(walks)) else {
                    // Drawn ahead past this walk's end: evaluated, not a step.
                    continue;
                };
                w.settle(
                    jump,
                    c.map(|c| (cand_u[c].as_slice(), thetas[c].as_slice(), ls[c])),
                    l_star,
                );
            }
        }
        Ok(hits
            .into_iter()
            .zip(walkers)
            .map(|(hit, walker)| match (hit, walker) {
                (Some(h), _) => h,
                (None, Some(w)) => w.finish(),
                (None, None) => unreachable!("a replacement without a hit has a walker"),
            })
            .collect())
    }
}

/// Likelihood batches and the points in them, as counted by the sampler.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct BatchCount {
    /// Calls of [`PriorModel::log_likelihood_batch`].
    pub(super) batches: u64,
    /// Points evaluated in them.
    pub(super) points: u64,
    /// Of which lockstep random-walk rounds, and their points.
    pub(super) walk_batches: u64,
    /// Points of the lockstep random-walk rounds.
    pub(super) walk_points: u64,
}

/// Transform the unit-cube points `us` and evaluate them in one
/// [`PriorModel::log_likelihood_batch`] (counted in `count`); a NaN is an error.
pub(super) fn evaluate_batch<M: PriorModel + ?Sized>(
    model: &M,
    us: &[Vec<f64>],
    count: &mut BatchCount,
) -> Result<(Vec<Vec<f64>>, Vec<f64>)> {
    let d = model.dim();
    let thetas: Vec<Vec<f64>> = us
        .par_iter()
        .map(|u| {
            let mut th = vec![0.0; d];
            model.transform(u, &mut th);
            th
        })
        .collect();
    let mut ls = vec![0.0; thetas.len()];
    model.log_likelihood_batch(&thetas, &mut ls);
    count.batches += 1;
    count.points += thetas.len() as u64;
    if let Some(i) = ls.iter().position(|l| l.is_nan()) {
        return Err(Error::Numerical(format!(
            "log-likelihood is NaN at {:?}",
            thetas[i]
        )));
    }
    Ok((thetas, ls))
}

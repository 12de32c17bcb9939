//! Proposals of one replacement (Speagle 2020, §4.1.2 and §4.2, dynesty's `unif` and `rwalk`):
//! uniform draws from the bounds up to a budget of likelihood calls, then a constrained random
//! walk from a live point. [`Walker`] holds one walk's state so that the one-at-a-time path here
//! and the lockstep path of `batches.rs` draw the same numbers and take the same decisions.

use super::bounds::Bounds;
use super::model::PriorModel;
use super::params::NestedSampler;
use crate::rng::Rng;
use rand::RngExt;
use rand_distr::StandardNormal;

/// One replacement: the point it found and what it cost.
pub(super) struct Walk {
    pub(super) u: Vec<f64>,
    pub(super) theta: Vec<f64>,
    pub(super) log_l: f64,
    /// Accepted / proposed steps with the cluster's covariance (these tune `scale`).
    pub(super) accepted: u64,
    pub(super) proposed: u64,
    /// All likelihood calls, the uniform draws and global jumps included.
    pub(super) calls: u64,
    /// Whether the replacement is a uniform draw from the bounds (no walk was needed).
    pub(super) uniform: bool,
    /// Likelihood calls spent on uniform draws.
    pub(super) uniform_calls: u64,
}

/// Fraction of random-walk steps that use the covariance of all live points instead of the
/// start point's cluster while the live points form several clusters. Cluster-local steps cannot
/// carry a walk from one mode to another, so without such jumps each mode's share of live points
/// only drifts (a Pólya urn) instead of following its share of the constrained prior volume;
/// both kernels are symmetric and fixed for the walk, so their mixture keeps the constrained
/// prior invariant.
pub(super) const GLOBAL_JUMP: f64 = 0.2;

impl NestedSampler {
    /// Constrained random walk from a live point: Gaussian steps with its cluster's covariance
    /// times `scale`, accepted when inside the cube (periodic axes wrap) and `L > L*`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn random_walk<M: PriorModel + ?Sized>(
        &self,
        model: &M,
        u0: &[f64],
        theta0: &[f64],
        l0: f64,
        l_star: f64,
        (chol, global, p_jump): (&[f64], &[f64], f64),
        (bounds, uniform_calls): (Option<&Bounds>, usize),
        scale: f64,
        walks: usize,
        rng: &mut Rng,
    ) -> Walk {
        let d = self.dim;
        let mut cand = vec![0.0; d];
        let mut cand_theta = vec![0.0; d];
        let mut z = vec![0.0; d];
        let mut calls = 0u64;
        if let Some(b) = bounds.filter(|_| uniform_calls > 0) {
            let mut x = vec![0.0; d];
            // At most `uniform_calls` likelihood calls; draws that the union's overlap rule or
            // the cube rejects cost no call, but are capped too, in case the ellipsoids lie
            // mostly outside the cube.
            let mut tries = 0;
            while calls < uniform_calls as u64 && tries < 20 * uniform_calls {
                tries += 1;
                if !b.draw(rng, &mut cand, &mut z, &mut x)
                    || cand.iter().any(|v| !(0.0..=1.0).contains(v))
                {
                    continue;
                }
                model.transform(&cand, &mut cand_theta);
                let l = model.log_likelihood(&cand_theta);
                calls += 1;
                if l > l_star {
                    return Walk {
                        u: cand,
                        theta: cand_theta,
                        log_l: l,
                        accepted: 0,
                        proposed: 0,
                        calls,
                        uniform: true,
                        uniform_calls: calls,
                    };
                }
            }
        }
        self.walk(
            model,
            (u0, theta0, l0),
            l_star,
            (chol, global, p_jump),
            scale,
            walks,
            rng,
            calls,
        )
    }

    /// The walk part of [`NestedSampler::random_walk`] (after the uniform proposals, which
    /// spent `calls` likelihood calls).
    #[allow(clippy::too_many_arguments)]
    fn walk<M: PriorModel + ?Sized>(
        &self,
        model: &M,
        (u0, theta0, l0): (&[f64], &[f64], f64),
        l_star: f64,
        kernel: (&[f64], &[f64], f64),
        scale: f64,
        walks: usize,
        rng: &mut Rng,
        calls: u64,
    ) -> Walk {
        let d = self.dim;
        let mut w = Walker::new(u0, theta0, l0, calls);
        let mut cand = vec![0.0; d];
        let mut cand_theta = vec![0.0; d];
        let mut z = vec![0.0; d];
        while w.walking(walks) {
            let (jump, inside) = w.draw(model, kernel, scale, rng, &mut z, &mut cand);
            let l = if inside {
                model.transform(&cand, &mut cand_theta);
                model.log_likelihood(&cand_theta)
            } else {
                f64::NEG_INFINITY
            };
            w.settle(jump, inside.then_some((&cand, &cand_theta, l)), l_star);
        }
        w.finish()
    }
}

/// The state of one constrained random walk from a live point: Gaussian steps with its
/// cluster's covariance times `scale` (or, with probability `p_jump`, the covariance of all live
/// points at scale 1), accepted when inside the cube (periodic axes wrap) and `L > L*`. The
/// one-at-a-time [`NestedSampler::walk`] and the lockstep walks of
/// `NestedSampler::replace_batched` both drive it, so a walk draws the same numbers and takes
/// the same decisions on either path.
pub(super) struct Walker {
    u: Vec<f64>,
    theta: Vec<f64>,
    log_l: f64,
    accepted: u64,
    proposed: u64,
    /// [`Walk::calls`]: the uniform draws' calls plus one per step.
    calls: u64,
    uniform_spent: u64,
    steps: usize,
    moved: bool,
}

impl Walker {
    pub(super) fn new(u0: &[f64], theta0: &[f64], l0: f64, uniform_spent: u64) -> Self {
        Self {
            u: u0.to_vec(),
            theta: theta0.to_vec(),
            log_l: l0,
            accepted: 0,
            proposed: 0,
            calls: uniform_spent,
            uniform_spent,
            steps: 0,
            moved: false,
        }
    }

    /// Whether another step is due: `walks` steps, and past them until one move is accepted
    /// (at most 50 walks' worth), so a replacement is never a copy of its start unless the
    /// constrained region is tiny.
    pub(super) fn walking(&self, walks: usize) -> bool {
        self.steps < walks || (!self.moved && self.steps < 50 * walks)
    }

    /// Steps this walker may draw ahead of its decisions in one lockstep round. One while the
    /// walk can still move on; but in the extension past `walks` steps with no move accepted
    /// yet, the position is the start point until the first acceptance, which ends the walk, so
    /// the next steps (up to `walks` of them) are all drawn from it and can be evaluated at once.
    /// Draws past the acceptance only advance this walk's own generator, which is discarded
    /// when the walk ends.
    pub(super) fn ahead(&self, walks: usize) -> usize {
        if self.steps >= walks && !self.moved {
            walks.min(50 * walks - self.steps)
        } else {
            1
        }
    }

    /// Draw the next step from `rng` into `cand` (from the current position): whether it used
    /// the global covariance, and whether it lies in the cube (periodic axes wrap; a candidate
    /// outside is rejected without a likelihood). [`Walker::settle`] books it.
    pub(super) fn draw<M: PriorModel + ?Sized>(
        &self,
        model: &M,
        (chol, global, p_jump): (&[f64], &[f64], f64),
        scale: f64,
        rng: &mut Rng,
        z: &mut [f64],
        cand: &mut [f64],
    ) -> (bool, bool) {
        let d = cand.len();
        let jump = p_jump > 0.0 && rng.random::<f64>() < p_jump;
        let (l_mat, s) = if jump { (global, 1.0) } else { (chol, scale) };
        for zi in z.iter_mut() {
            *zi = rng.sample(StandardNormal);
        }
        let mut inside = true;
        for i in 0..d {
            let mut step = 0.0;
            for j in 0..=i {
                step += l_mat[i * d + j] * z[j];
            }
            let mut v = self.u[i] + s * step;
            if model.is_periodic(i) {
                v -= v.floor();
            } else if !(0.0..=1.0).contains(&v) {
                inside = false;
            }
            cand[i] = v;
        }
        (jump, inside)
    }

    /// Book one drawn step: count it in `calls` (and, for a cluster-local step, in `proposed`),
    /// and move to the candidate `(u, theta, L)` (`None` when it left the cube) when `L > L*`.
    pub(super) fn settle(&mut self, jump: bool, cand: Option<(&[f64], &[f64], f64)>, l_star: f64) {
        self.steps += 1;
        self.calls += 1;
        if !jump {
            self.proposed += 1;
        }
        if let Some((u, theta, l)) = cand
            && l > l_star
        {
            self.u.copy_from_slice(u);
            self.theta.copy_from_slice(theta);
            self.log_l = l;
            self.moved = true;
            if !jump {
                self.accepted += 1;
            }
        }
    }

    pub(super) fn finish(self) -> Walk {
        Walk {
            u: self.u,
            theta: self.theta,
            log_l: self.log_l,
            accepted: self.accepted,
            proposed: self.proposed,
            calls: self.calls,
            uniform: false,
            uniform_calls: self.uniform_spent,
        }
    }
}

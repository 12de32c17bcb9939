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
//! `L > L*` (the largest removed likelihood) by `K` independent proposals (below), each with its own seed drawn in
//! order from the caller's generator, run in parallel with rayon and collected in order: the
//! output is the same for any number of threads.
//!
//! **Mode-local proposals (Feroz & Hobson 2008, MNRAS 384:449; Feroz, Hobson & Bridges 2009,
//! MultiNest, MNRAS 398:1601; Speagle 2020, dynesty, MNRAS 493:3132, multi-ellipsoid bounds;
//! the splitting rule is dynesty 3.1's `bounding._bounding_ellipsoids`).** On a multimodal posterior one covariance of *all* live points spans the gaps
//! between modes: steps are huge next to each mode, almost all are rejected, replacements are
//! near-copies of their start points and small modes die out, so evidence is lost. Each
//! iteration therefore partitions the surviving live points into clusters exactly as dynesty's
//! `MultiEllipsoid` bound does (recursive 2-means splits kept while the children's bounding
//! ellipsoids are clearly smaller than the parent's) and a walk steps with the covariance of the
//! cluster its start point belongs to. A fifth of the steps (only while there are several
//! clusters) still use the covariance of all live points, so walks can move between modes and
//! each mode's share of live points follows its share of the constrained prior. The clustering
//! has no randomness (k-means starts at the major-axis ends, as in dynesty), so the
//! seed-and-thread-count determinism is unchanged.
//!
//! **Uniform proposals from the bounds (Feroz & Hobson 2008, §5; Speagle 2020, §4.1.2, dynesty's
//! `unif` sampling).** Before walking, a replacement is first sought by rejection from the union
//! of the clusters' bounding ellipsoids, each enlarged `enlarge`-fold in volume (default 2), for
//! up to `uniform_calls` likelihood calls (default 200). A hit is an independent draw from the
//! constrained prior wherever the union covers it; only when the budget is spent does the
//! replacement walk from a live point. When the previous iteration's hit rate makes a hit within
//! the budget unlikely (< 10 %, e.g. the many tiny peaks of a noise-only comb search), an
//! iteration spends only `walks` calls on uniform draws (a probe that keeps measuring the rate). Random walks alone are biased low on the toy below: the
//! comb's posterior is a sharp core inside a fan of ridges (one per tooth that still matches), and
//! walks started from live points move between ridges too slowly.
//!
//! Measured (3-parameter toy comb search of spec §5, `benches/peers/echo.py`, SNR 15,
//! nlive = 500, walks = 25). The reference is ln B = 45.633 ± 0.002 by importance sampling with
//! Student-t proposals fitted to a posterior (`examples/echo_toy.rs` with a `draws` argument,
//! 1e6 draws; ν = 1 and 3 agree, as did ν = 2 and covariances inflated 1-16x in a first check).
//!
//! | proposals | ln B over seeds 1-6 | mean |
//! |---|---|---|
//! | random walk only (cluster covariances + global jumps) | 44.28, 43.58, 46.83 (seeds 1-3) | 44.9 |
//! | uniform, enlarge 1.25, 25 calls, then walk | 45.28, 45.16, 44.93, 45.54 (1-4) | 45.2 |
//! | uniform, enlarge 2, 200 calls, then walk | 45.71, 45.72, 45.62, 45.62, 45.80, 45.91 | 45.73 |
//! | the same with the 10 % probe rule (default) | 45.63, 45.69, 45.84, 45.54, 45.86, 45.70 | 45.71 |
//!
//! Each run reports ± 0.17; the default's spread over seeds (0.12) agrees with it and its mean is
//! 0.08 above the reference. The probe rule cut the calls from 400-460 thousand to 330-380
//! thousand here, and the noise-only searches of `echo-noise-calibration` run twice as fast. Small clusters (a cluster may have as few as `2d` points) bound their
//! share of the region poorly, hence the larger enlargement.
//!
//! **Batched likelihoods (a GPU; [`PriorModel::prefers_batches`]).** Every likelihood of an
//! iteration is then evaluated in batches across its `K` replacements: the uniform proposals in
//! rounds, the random walks in lockstep (one batch per step; a walk past `walks` steps with no
//! move yet draws up to `walks` steps per round from its start point, since its first
//! acceptance ends it). The run equals the one-at-a-time run (same draws and decisions per
//! replacement); only [`Diagnostics::n_calls`] counts differently (every evaluated point). What
//! decides whether a GPU can beat the CPU is the number of batched calls (each a kernel launch
//! and a host-device round trip) and the points per call. Measured through the CPU twins
//! (`examples/echo_device.rs`, seed 1, nlive 500, walks 25): the 3-parameter toy above, and
//! the acceptance-5 search of `scripts/gpu-run.sh` (6 parameters, Boltzmann N = 50, SNR 15,
//! `--analytic`, new likelihood). "Calls" are batched calls plus, before the walks were
//! batched, one call per walk step inside the cube (for the same run: the run is the same).
//!
//! | search | sampler | K | calls | mean points per call | ln B |
//! |---|---|---|---|---|---|
//! | toy | walks one at a time (before) | 10 | 40 703 (1 978 batches + 38 725 single) | 12.9 | 45.630 ± 0.172 |
//! | toy | lockstep walks | 10 | 13 579 | 38.8 | 45.630 |
//! | toy | lockstep + extension drawn ahead | 10 | 7 026 | 75.1 | 45.630 |
//! | toy | the same, device K (`nlive / 10`, default on CUDA) | 50 | 2 074 | 230.8 | 45.482 ± 0.172 |
//! | toy | the same, `nlive / 5` | 100 | 1 117 | 401.7 | 45.484 ± 0.173 |
//! | acceptance 5 | walks one at a time (before) | 10 | 133 307 (4 236 + 129 071 single) | 8.7 | 13.765 ± 0.183 |
//! | acceptance 5 | lockstep walks | 10 | 33 957 | 34.3 | 13.765 |
//! | acceptance 5 | lockstep + extension drawn ahead | 10 | 23 897 | 48.8 | 13.765 |
//! | acceptance 5 | the same, device K (default on CUDA) | 50 | 6 290 | 198.9 | 13.141 ± 0.182 |
//! | acceptance 5 | the same, `nlive / 5` | 100 | 3 112 | 374.4 | 13.290 ± 0.179 |
//!
//! So the calls drop 20x (toy) and 21x (acceptance 5) at the GPU's default `K`, 36x and 43x at
//! `nlive / 5`. Evaluated points: the batched path also evaluates the uniform candidates drawn
//! after a replacement's first hit (toy at K = 10: 527 k points against 334 k one-at-a-time
//! calls; acceptance 5: 1.17 M points at K = 10 and 1.25 M at K = 50). Removing `K` points
//! per iteration is exact (the order statistics above); the cost is a live set that dips to
//! `n - K`. On the toy over seeds 1-12
//! (ln B reference 45.633 ± 0.002): K = 10 gives mean 45.66, spread 0.16 (reported ± 0.17);
//! K = 100 gives mean 45.61 but spread 0.27 against the same reported ± 0.17, so at `K = n/5`
//! the reported `sqrt(H / n)` understates the run-to-run error by about 1.5x (the dipping live
//! count alone accounts for 5 %); K = 50 gives mean 45.54, spread 0.21 (reported ± 0.17), hence
//! the GPU's default `nlive / 10` (`echo::device_batch`). On acceptance 5, seeds 1-5 (each
//! run ± 0.18): K = 10 gives 13.77, 13.56, 13.44, 13.47, 13.60 (mean 13.57, spread 0.13) and
//! K = 50 gives 13.14, 13.43, 13.58, 13.59, 13.56 (mean 13.46, spread 0.19): the means differ
//! by 0.11 ± 0.10, within errors.
//!
//! Evidence `Z = Σ_i L_i w_i` with `w_i = X_{i-1} - X_i`, plus the final live points with weight
//! `X_final / n` each; the information `H = Σ p_i ln(L_i / Z)` gives the error
//! `σ_lnZ ≈ sqrt(H / n)` (Skilling 2006, eq. 17).

use crate::error::{Error, Result, check};
use crate::rng::Rng;
use rand::RngExt;
use rand_chacha::rand_core::SeedableRng;
use rand_distr::StandardNormal;
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
    /// walks in lockstep, one batch per step (see `NestedSampler::replace_batched`). Default
    /// `false`: proposals are evaluated one at a time inside each replacement, as always. A
    /// model whose [`PriorModel::log_likelihood_batch`] is much cheaper per point than single
    /// calls (a GPU) returns `true`; the proposals, the random stream and the result are the
    /// same either way (given the same values), only extra uniform candidates beyond a
    /// replacement's first hit are evaluated, and [`Diagnostics::n_calls`] counts the points
    /// evaluated.
    fn prefers_batches(&self) -> bool {
        false
    }
}

/// Settings of the sampler (builder); validated by [`NestedSampler::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct NestedParams {
    /// Number of live points `n` (>= dimension + 1).
    pub nlive: usize,
    /// Random-walk steps per replacement (dynesty's `walks`).
    pub walks: usize,
    /// Points removed and replaced per iteration (`K`, < nlive / 2); the unit of parallel work.
    pub batch: usize,
    /// Stop when `ln(Z + L_max X) - ln Z < dlogz` (dynesty's criterion).
    pub dlogz: f64,
    /// Hard cap on likelihood calls; reaching it ends the run with `converged = false`.
    pub max_calls: u64,
    /// Volume factor (>= 1) by which each cluster's bounding ellipsoid is enlarged before
    /// uniform proposals are drawn from the union.
    pub enlarge: f64,
    /// Likelihood calls spent on uniform proposals from the ellipsoids before a replacement
    /// falls back to a random walk; 0 turns uniform proposals off (pure random walk).
    pub uniform_calls: usize,
}

impl NestedParams {
    /// Defaults: `walks = 25`, `batch = max(1, nlive / 50)`, `dlogz = 0.1`, `max_calls = 5e7`,
    /// `enlarge = 2`, `uniform_calls = 200`.
    pub fn new(nlive: usize) -> Self {
        Self {
            nlive,
            walks: 25,
            batch: (nlive / 50).max(1),
            dlogz: 0.1,
            max_calls: 50_000_000,
            enlarge: 2.0,
            uniform_calls: 200,
        }
    }
    /// Set the ellipsoids' volume enlargement.
    pub fn enlarge(mut self, enlarge: f64) -> Self {
        self.enlarge = enlarge;
        self
    }
    /// Set the uniform-proposal budget per replacement (0: random walks only).
    pub fn uniform_calls(mut self, uniform_calls: usize) -> Self {
        self.uniform_calls = uniform_calls;
        self
    }
    /// Set the random-walk length.
    pub fn walks(mut self, walks: usize) -> Self {
        self.walks = walks;
        self
    }
    /// Set the batch size `K`.
    pub fn batch(mut self, batch: usize) -> Self {
        self.batch = batch;
        self
    }
    /// Set the stopping tolerance.
    pub fn dlogz(mut self, dlogz: f64) -> Self {
        self.dlogz = dlogz;
        self
    }
    /// Set the likelihood-call cap.
    pub fn max_calls(mut self, max_calls: u64) -> Self {
        self.max_calls = max_calls;
        self
    }
}

/// A validated nested sampler for problems of a given dimension.
#[derive(Debug, Clone)]
pub struct NestedSampler {
    params: NestedParams,
    dim: usize,
}

/// One dead (or final live) point.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Parameters.
    pub theta: Vec<f64>,
    /// Log-likelihood.
    pub log_l: f64,
    /// Log prior-volume weight `ln w_i`.
    pub log_w: f64,
}

/// Run statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostics {
    /// Iterations (each removes `batch` points).
    pub iterations: usize,
    /// Likelihood calls, including the initial prior draws. One at a time (the default), each
    /// replacement counts its uniform draws up to the first hit and one per random-walk step
    /// (a step that leaves the cube counts though it needs no evaluation, as in the acceptance
    /// rate). With [`PriorModel::prefers_batches`], every point the batch evaluator evaluated
    /// and nothing else: uniform candidates beyond a replacement's first hit count, walk steps
    /// outside the cube do not. The `max_calls` cap applies to this count.
    pub n_calls: u64,
    /// Accepted / proposed cluster-local random-walk steps.
    pub acceptance: f64,
    /// Information `H` (nats).
    pub information: f64,
    /// Final random-walk scale (in units of each cluster's live-point covariance).
    pub final_scale: f64,
    /// Largest number of live-point clusters seen in one iteration.
    pub max_clusters: usize,
    /// Share of replacements drawn uniformly from the bounding ellipsoids (the rest walked).
    pub uniform_fraction: f64,
    /// Whether the `dlogz` criterion was met (false: `max_calls` was hit).
    pub converged: bool,
    /// Final `ln X` of the prior volume.
    pub log_volume: f64,
    /// Calls of [`PriorModel::log_likelihood_batch`] (the initial prior draws included; on the
    /// default path only those, the replacements evaluating one point at a time).
    pub batches: u64,
    /// Points evaluated in those calls (`batch_points / batches` is the mean batch size).
    pub batch_points: u64,
    /// Of [`Diagnostics::batches`], the lockstep random-walk rounds (0 on the default path).
    /// Before the walks were batched each of their [`Diagnostics::walk_points`] was a call of
    /// its own.
    pub walk_batches: u64,
    /// Points evaluated in the lockstep random-walk rounds.
    pub walk_points: u64,
}

/// The output of a run.
#[derive(Debug, Clone)]
pub struct NestedResult {
    /// Log-evidence `ln Z`.
    pub log_z: f64,
    /// Its standard error `sqrt(H / n)`.
    pub log_z_err: f64,
    /// Dead points followed by the final live points, in increasing likelihood.
    pub samples: Vec<Sample>,
    /// Run statistics.
    pub diagnostics: Diagnostics,
}

impl NestedResult {
    /// Normalised posterior weights `p_i = L_i w_i / Z` of [`NestedResult::samples`].
    pub fn weights(&self) -> Vec<f64> {
        self.samples
            .iter()
            .map(|s| (s.log_l + s.log_w - self.log_z).exp())
            .collect()
    }

    /// Posterior quantile `q` of parameter `j` (weighted, linear in the cumulative weight).
    pub fn quantile(&self, j: usize, q: f64) -> Result<f64> {
        let xs: Vec<f64> = self
            .samples
            .iter()
            .map(|s| s.theta.get(j).copied())
            .collect::<Option<_>>()
            .ok_or_else(|| {
                Error::param(
                    "parameter index",
                    j,
                    format!(
                        "must be < {}",
                        self.samples.first().map_or(0, |s| s.theta.len())
                    ),
                )
            })?;
        weighted_quantile(&xs, &self.weights(), q)
    }

    /// Posterior median of every parameter.
    pub fn medians(&self) -> Result<Vec<f64>> {
        let d = self.samples.first().map_or(0, |s| s.theta.len());
        (0..d).map(|j| self.quantile(j, 0.5)).collect()
    }

    /// The sample with the largest likelihood.
    pub fn max_likelihood(&self) -> Option<&Sample> {
        self.samples
            .iter()
            .max_by(|a, b| a.log_l.total_cmp(&b.log_l))
    }

    /// `m` equally weighted posterior draws by systematic resampling.
    pub fn resample_equal(&self, m: usize, rng: &mut Rng) -> Vec<Vec<f64>> {
        let w = self.weights();
        let total: f64 = w.iter().sum();
        let mut out = Vec::with_capacity(m);
        let u0: f64 = rng.random::<f64>() / m as f64;
        let mut cum = 0.0;
        let mut i = 0;
        for k in 0..m {
            let target = (u0 + k as f64 / m as f64) * total;
            while i + 1 < w.len() && cum + w[i] < target {
                cum += w[i];
                i += 1;
            }
            out.push(self.samples[i].theta.clone());
        }
        out
    }
}

/// Weighted quantile with the cumulative weight at each sample's midpoint (bilby's convention
/// is unweighted resampled quantiles; this is its continuous analogue).
pub fn weighted_quantile(xs: &[f64], w: &[f64], q: f64) -> Result<f64> {
    if xs.is_empty() || xs.len() != w.len() {
        return Err(Error::InvalidData(format!(
            "weighted quantile of {} values with {} weights",
            xs.len(),
            w.len()
        )));
    }
    let mut idx: Vec<usize> = (0..xs.len()).collect();
    idx.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let total: f64 = w.iter().sum();
    if total.is_nan() || total <= 0.0 {
        return Err(Error::Numerical("posterior weights sum to zero".into()));
    }
    let mut cum = 0.0;
    let mut prev: Option<(f64, f64)> = None;
    for &i in &idx {
        let mid = (cum + 0.5 * w[i]) / total;
        cum += w[i];
        if mid >= q {
            return Ok(match prev {
                None => xs[i],
                Some((pm, px)) => {
                    let t = if mid > pm { (q - pm) / (mid - pm) } else { 1.0 };
                    px + t * (xs[i] - px)
                }
            });
        }
        prev = Some((mid, xs[i]));
    }
    Ok(xs[*idx.last().expect("non-empty")])
}

struct Walk {
    u: Vec<f64>,
    theta: Vec<f64>,
    log_l: f64,
    /// Accepted / proposed steps with the cluster's covariance (these tune `scale`).
    accepted: u64,
    proposed: u64,
    /// All likelihood calls, the uniform draws and global jumps included.
    calls: u64,
    /// Whether the replacement is a uniform draw from the bounds (no walk was needed).
    uniform: bool,
    /// Likelihood calls spent on uniform draws.
    uniform_calls: u64,
}

/// Below this chance that a replacement finds a uniform draw within the full `uniform_calls`
/// budget (estimated from the previous iteration's hit rate per call), an iteration spends only
/// `walks` calls on uniform draws before walking. On a likelihood landscape of many tiny peaks
/// (noise-only comb searches) the bounds are mostly empty and the full budget would be wasted
/// on every replacement; the short probe keeps measuring the hit rate, so the full budget returns
/// as soon as the bounds fit the region again.
const MIN_UNIFORM_SUCCESS: f64 = 0.1;

/// Fraction of random-walk steps that use the covariance of all live points instead of the
/// start point's cluster while the live points form several clusters. Cluster-local steps cannot
/// carry a walk from one mode to another, so without such jumps each mode's share of live points
/// only drifts (a Pólya urn) instead of following its share of the constrained prior volume;
/// both kernels are symmetric and fixed for the walk, so their mixture keeps the constrained
/// prior invariant.
const GLOBAL_JUMP: f64 = 0.2;

/// Smallest number of uniform proposals the batched path ([`PriorModel::prefers_batches`])
/// evaluates per batch (enough to fill a GPU's likelihood kernel with blocks).
const BATCH_TARGET: usize = 256;

impl NestedSampler {
    /// Validate `params` for a `dim`-dimensional problem.
    pub fn new(params: NestedParams, dim: usize) -> Result<Self> {
        check::at_least("dim", dim, 1)?;
        check::at_least("nlive", params.nlive, dim + 1)?;
        check::at_least("walks", params.walks, 1)?;
        check::at_least("batch", params.batch, 1)?;
        if 2 * params.batch >= params.nlive {
            return Err(Error::param(
                "batch",
                params.batch,
                format!("must be < nlive / 2 = {}", params.nlive / 2),
            ));
        }
        check::positive("dlogz", params.dlogz)?;
        if !(params.enlarge >= 1.0 && params.enlarge.is_finite()) {
            return Err(Error::param(
                "enlarge",
                params.enlarge,
                "must be a finite volume factor >= 1",
            ));
        }
        if params.max_calls < params.nlive as u64 {
            return Err(Error::param(
                "max_calls",
                params.max_calls,
                "must be >= nlive",
            ));
        }
        Ok(Self { params, dim })
    }

    /// The validated settings.
    pub fn params(&self) -> &NestedParams {
        &self.params
    }

    /// Run the sampler on `model`; all randomness comes from `rng`.
    pub fn run<M: PriorModel + ?Sized>(&self, model: &M, rng: &mut Rng) -> Result<NestedResult> {
        let d = self.dim;
        if model.dim() != d {
            return Err(Error::DimensionMismatch {
                what: "nested sampler model",
                expected: d,
                got: model.dim(),
            });
        }
        let n = self.params.nlive;
        let k = self.params.batch;
        let mut n_calls: u64 = 0;
        let batched = model.prefers_batches();
        let mut evaluated = BatchCount::default();

        // Initial live points: prior draws with finite likelihood (the constrained prior).
        let mut live_u: Vec<Vec<f64>> = Vec::with_capacity(n);
        let mut live_theta: Vec<Vec<f64>> = Vec::with_capacity(n);
        let mut live_l: Vec<f64> = Vec::with_capacity(n);
        let max_draws = 1000 * n as u64 + 10_000;
        while live_u.len() < n {
            let need = n - live_u.len();
            let us: Vec<Vec<f64>> = (0..need)
                .map(|_| (0..d).map(|_| rng.random::<f64>()).collect())
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
            evaluated.batches += 1;
            evaluated.points += need as u64;
            n_calls += need as u64;
            for ((u, th), l) in us.into_iter().zip(thetas).zip(ls) {
                if l.is_nan() || l == f64::INFINITY {
                    return Err(Error::Numerical(format!(
                        "log-likelihood is {l} at a prior draw {th:?}"
                    )));
                }
                if l > f64::NEG_INFINITY {
                    live_u.push(u);
                    live_theta.push(th);
                    live_l.push(l);
                }
            }
            if n_calls > max_draws {
                return Err(Error::InvalidData(format!(
                    "only {} of {n_calls} prior draws have a finite likelihood: the constrained prior is (nearly) empty",
                    live_u.len()
                )));
            }
        }

        let mut log_x = 0.0f64;
        let mut log_z = f64::NEG_INFINITY;
        let mut dead: Vec<Sample> = Vec::new();
        let mut scale = 1.0f64;
        let (mut acc_total, mut prop_total) = (0u64, 0u64);
        let mut iterations = 0usize;
        let mut max_clusters = 1usize;
        let mut n_uniform = 0u64;
        let mut uniform_budget = self.params.uniform_calls;
        let mut converged = false;
        let walks = self.params.walks;
        let mut order: Vec<usize> = (0..n).collect();

        loop {
            let l_max = live_l.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let remain = log_add_exp(log_z, l_max + log_x) - log_z;
            if log_z > f64::NEG_INFINITY && remain < self.params.dlogz {
                converged = true;
                break;
            }
            if n_calls >= self.params.max_calls {
                break;
            }
            iterations += 1;
            // The K lowest live points, ascending (ties broken by index for determinism).
            order.sort_by(|&a, &b| live_l[a].total_cmp(&live_l[b]).then(a.cmp(&b)));
            let removed: Vec<usize> = order[..k].to_vec();
            for (j, &i) in removed.iter().enumerate() {
                // X_{i} = X_{i-1} * t, E[ln t] = -1/(n - j); w = X_{i-1} - X_i.
                let step = 1.0 / (n - j) as f64;
                let log_w = log_x + (-(-step).exp_m1()).ln();
                log_x -= step;
                log_z = log_add_exp(log_z, live_l[i] + log_w);
                dead.push(Sample {
                    theta: live_theta[i].clone(),
                    log_l: live_l[i],
                    log_w,
                });
            }
            let l_star = live_l[removed[k - 1]];
            // The survivors all satisfy L > L*: they sample the constrained prior, so their
            // clusters are the modes the replacements must be drawn from.
            let survivors = &order[k..];
            let surv_u: Vec<&[f64]> = survivors.iter().map(|&i| live_u[i].as_slice()).collect();
            let clusters = Clusters::of(&surv_u, d, self.params.enlarge);
            max_clusters = max_clusters.max(clusters.chols.len());
            let global = live_cholesky(&surv_u, d);
            let p_jump = if clusters.chols.len() > 1 {
                GLOBAL_JUMP
            } else {
                0.0
            };
            let jobs: Vec<(usize, u64)> = (0..k)
                .map(|_| (rng.random_range(0..survivors.len()), rng.random::<u64>()))
                .collect();
            let before = evaluated.points;
            let results: Vec<Walk> = if batched {
                self.replace_batched(
                    model,
                    &jobs,
                    survivors,
                    (&live_u, &live_theta, &live_l),
                    l_star,
                    (&clusters, &global, p_jump),
                    uniform_budget,
                    scale,
                    &mut evaluated,
                )?
            } else {
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
                            (clusters.bounds.as_ref(), uniform_budget),
                            scale,
                            walks,
                            &mut r,
                        )
                    })
                    .collect()
            };
            let mut acc = 0u64;
            let mut prop = 0u64;
            let (mut hits, mut hit_calls) = (0u64, 0u64);
            for (w, &slot) in results.into_iter().zip(&removed) {
                hits += u64::from(w.uniform);
                hit_calls += w.uniform_calls;
                acc += w.accepted;
                prop += w.proposed;
                if !batched {
                    n_calls += w.calls;
                }
                live_u[slot] = w.u;
                live_theta[slot] = w.theta;
                live_l[slot] = w.log_l;
            }
            if batched {
                n_calls += evaluated.points - before;
            }
            acc_total += acc;
            prop_total += prop;
            n_uniform += hits;
            if hit_calls > 0 {
                let per_call = hits as f64 / hit_calls as f64;
                let p_hit = 1.0 - (1.0 - per_call).powf(self.params.uniform_calls as f64);
                uniform_budget = if p_hit >= MIN_UNIFORM_SUCCESS {
                    self.params.uniform_calls
                } else {
                    walks.min(self.params.uniform_calls)
                };
            }
            // Keep the acceptance near 1/2 (dynesty's rwalk target). One scale for all clusters,
            // as in dynesty: it is in units of each cluster's own covariance, so it measures how
            // far a step may go relative to the mode's width, which is alike across modes, and a
            // per-cluster scale could not be carried over because clusters are rebuilt each
            // iteration.
            if prop > 0 {
                let rate = acc as f64 / prop as f64;
                scale = (scale * ((rate - 0.5) * 2.0 / (1.0 + (k as f64).sqrt().recip())).exp())
                    .clamp(1e-6, 10.0);
            }
        }

        // Final live points, each with weight X / n, in increasing likelihood.
        order.sort_by(|&a, &b| live_l[a].total_cmp(&live_l[b]).then(a.cmp(&b)));
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
                iterations,
                n_calls,
                acceptance: acc_total as f64 / prop_total.max(1) as f64,
                information,
                final_scale: scale,
                max_clusters,
                uniform_fraction: n_uniform as f64 / (iterations * k).max(1) as f64,
                converged,
                log_volume: log_x,
                batches: evaluated.batches,
                batch_points: evaluated.points,
                walk_batches: evaluated.walk_batches,
                walk_points: evaluated.walk_points,
            },
        })
    }

    /// The `K` replacements of one iteration with every likelihood evaluated in batches across
    /// replacements ([`PriorModel::prefers_batches`]).
    ///
    /// *Uniform proposals.* Replacement j draws exactly the candidates
    /// [`NestedSampler::random_walk`] would draw from its own generator (the draws do not depend
    /// on likelihood values), in rounds of a growing number per replacement; every round's
    /// candidates of all unresolved replacements go to one [`PriorModel::log_likelihood_batch`].
    /// A replacement's first candidate with `L > L*` is the one the one-at-a-time loop would
    /// have accepted; candidates drawn after it are evaluated and discarded.
    ///
    /// *Random walks, in lockstep.* The replacements without a uniform hit walk from their start
    /// points with the generator state the uniform draws left, one step per round: every
    /// still-walking replacement draws its next candidate exactly as [`NestedSampler::walk`]
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
    fn replace_batched<M: PriorModel + ?Sized>(
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

    /// Constrained random walk from a live point: Gaussian steps with its cluster's covariance
    /// times `scale`, accepted when inside the cube (periodic axes wrap) and `L > L*`.
    #[allow(clippy::too_many_arguments)]
    fn random_walk<M: PriorModel + ?Sized>(
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
/// [`NestedSampler::replace_batched`] both drive it, so a walk draws the same numbers and takes
/// the same decisions on either path.
struct Walker {
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
    fn new(u0: &[f64], theta0: &[f64], l0: f64, uniform_spent: u64) -> Self {
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
    fn walking(&self, walks: usize) -> bool {
        self.steps < walks || (!self.moved && self.steps < 50 * walks)
    }

    /// Steps this walker may draw ahead of its decisions in one lockstep round. One while the
    /// walk can still move on; but in the extension past `walks` steps with no move accepted
    /// yet, the position is the start point until the first acceptance, which ends the walk, so
    /// the next steps (up to `walks` of them) are all drawn from it and can be evaluated at once.
    /// Draws past the acceptance only advance this walk's own generator, which is discarded
    /// when the walk ends.
    fn ahead(&self, walks: usize) -> usize {
        if self.steps >= walks && !self.moved {
            walks.min(50 * walks - self.steps)
        } else {
            1
        }
    }

    /// Draw the next step from `rng` into `cand` (from the current position): whether it used
    /// the global covariance, and whether it lies in the cube (periodic axes wrap; a candidate
    /// outside is rejected without a likelihood). [`Walker::settle`] books it.
    fn draw<M: PriorModel + ?Sized>(
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
    fn settle(&mut self, jump: bool, cand: Option<(&[f64], &[f64], f64)>, l_star: f64) {
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

    fn finish(self) -> Walk {
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

/// Likelihood batches and the points in them, as counted by the sampler.
#[derive(Debug, Clone, Copy, Default)]
struct BatchCount {
    batches: u64,
    points: u64,
    /// Of which lockstep random-walk rounds, and their points.
    walk_batches: u64,
    walk_points: u64,
}

/// Transform the unit-cube points `us` and evaluate them in one
/// [`PriorModel::log_likelihood_batch`] (counted in `count`); a NaN is an error.
fn evaluate_batch<M: PriorModel + ?Sized>(
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

/// `ln(e^a + e^b)` without overflow.
pub fn log_add_exp(a: f64, b: f64) -> f64 {
    if a == f64::NEG_INFINITY {
        return b;
    }
    if b == f64::NEG_INFINITY {
        return a;
    }
    let m = a.max(b);
    m + ((a - m).exp() + (b - m).exp()).ln()
}

/// The live points' clusters in one iteration: a cluster label per point and, per cluster, the
/// Cholesky factor of its covariance (unit cube), which shapes the walks started in it.
struct Clusters {
    labels: Vec<usize>,
    chols: Vec<Vec<f64>>,
    /// The clusters' bounding ellipsoids, for uniform proposals; `None` when a covariance is
    /// singular.
    bounds: Option<Bounds>,
}

/// The union of the clusters' bounding ellipsoids, each enlarged `enlarge`-fold in volume, in
/// the spread-scaled coordinates `x = u / spread` of the clustering (Feroz & Hobson 2008, §5.1;
/// Speagle 2020, §4.1.2).
struct Bounds {
    spread: Vec<f64>,
    ells: Vec<Ellipsoid>,
    /// Cumulative volume shares, for choosing an ellipsoid in proportion to its volume.
    cum: Vec<f64>,
    /// Factor on each ellipsoid's `fmax` for the enlargement, `enlarge^(2/d)`.
    r2_scale: f64,
}

impl Bounds {
    fn new(spread: Vec<f64>, ells: Vec<Ellipsoid>, d: usize, enlarge: f64) -> Self {
        let top = ells
            .iter()
            .map(|e| e.log_vol)
            .fold(f64::NEG_INFINITY, f64::max);
        let mut cum = Vec::with_capacity(ells.len());
        let mut acc = 0.0;
        for e in &ells {
            acc += (e.log_vol - top).exp();
            cum.push(acc);
        }
        for c in &mut cum {
            *c /= acc;
        }
        Self {
            spread,
            ells,
            cum,
            r2_scale: enlarge.powf(2.0 / d as f64),
        }
    }

    /// One draw from the uniform distribution on the union written to `u` (unit-cube
    /// coordinates), or `false` when the draw is rejected: a point in `q` overlapping
    /// ellipsoids is kept with probability `1/q`, which makes the union's density flat.
    fn draw(&self, rng: &mut Rng, u: &mut [f64], z: &mut [f64], x: &mut [f64]) -> bool {
        let d = u.len();
        let pick: f64 = rng.random();
        let i = self
            .cum
            .partition_point(|&c| c < pick)
            .min(self.ells.len() - 1);
        let e = &self.ells[i];
        // Uniform in the unit ball: a normal direction and radius U^(1/d).
        let mut norm2 = 0.0;
        for zi in z.iter_mut() {
            *zi = rng.sample(StandardNormal);
            norm2 += *zi * *zi;
        }
        let radius = rng.random::<f64>().powf(1.0 / d as f64) / norm2.sqrt();
        let r = (e.fmax * self.r2_scale).sqrt() * radius;
        for (a, xa) in x.iter_mut().enumerate() {
            let row = &e.chol[a * d..=a * d + a];
            let s = row
                .iter()
                .zip(z.iter())
                .fold(0.0, |acc, (l, zb)| acc + l * zb);
            *xa = e.centre[a] + r * s;
        }
        if self.ells.len() > 1 {
            let q = self
                .ells
                .iter()
                .filter(|o| o.mahalanobis2(x) <= o.fmax * self.r2_scale)
                .count()
                .max(1);
            if q > 1 && rng.random::<f64>() * q as f64 >= 1.0 {
                return false;
            }
        }
        for a in 0..d {
            u[a] = x[a] * self.spread[a];
        }
        true
    }
}

/// An ellipsoid bounding a set of points: `(x - centre)ᵀ (f·C)⁻¹ (x - centre) <= 1` with `C`
/// the points' (maximum-likelihood) covariance and `f` the largest squared Mahalanobis distance.
struct Ellipsoid {
    centre: Vec<f64>,
    cov: Vec<f64>,
    /// Lower Cholesky factor of `cov` (row-major).
    chol: Vec<f64>,
    fmax: f64,
    /// `ln` volume less the unit ball's (a constant that cancels in every comparison).
    log_vol: f64,
}

impl Clusters {
    /// dynesty's `bounding_ellipsoids` (Speagle 2020; after Feroz & Hobson 2008): coordinates are divided by each axis' spread so k-means sees a roughly isotropic
    /// cloud, then clusters are split recursively.
    ///
    /// Periodic axes are clustered as if they were not periodic: a mode straddling the wrap then
    /// looks like two blobs at both ends of the axis, which the splitting separates (their
    /// combined bounding ellipsoid is far larger than the two pieces), so each piece still gets
    /// a local covariance and the walks, which do wrap, cross the seam freely.
    fn of(us: &[&[f64]], d: usize, enlarge: f64) -> Self {
        let n = us.len();
        let one = |us: &[&[f64]]| Self {
            labels: vec![0; us.len()],
            chols: vec![live_cholesky(us, d)],
            bounds: None,
        };
        let mut spread = vec![0.0; d];
        for (j, s) in spread.iter_mut().enumerate() {
            let m = us.iter().map(|u| u[j]).sum::<f64>() / n as f64;
            let v = us.iter().map(|u| (u[j] - m).powi(2)).sum::<f64>() / n as f64;
            *s = if v > 0.0 { v.sqrt() } else { 1.0 };
        }
        let x: Vec<Vec<f64>> = us
            .iter()
            .map(|u| u.iter().zip(&spread).map(|(a, s)| a / s).collect())
            .collect();
        let all: Vec<usize> = (0..n).collect();
        let Some(root) = Ellipsoid::bounding(&x, &all, d) else {
            return one(us);
        };
        let parts = split(&x, all, root, d);
        let mut labels = vec![0; n];
        let mut chols = Vec::with_capacity(parts.len());
        let mut ells = Vec::with_capacity(parts.len());
        for (c, (idx, ell)) in parts.into_iter().enumerate() {
            for &i in &idx {
                labels[i] = c;
            }
            let pts: Vec<&[f64]> = idx.iter().map(|&i| us[i]).collect();
            chols.push(live_cholesky(&pts, d));
            ells.push(ell);
        }
        Self {
            labels,
            chols,
            bounds: Some(Bounds::new(spread, ells, d, enlarge)),
        }
    }
}

impl Ellipsoid {
    /// The bounding ellipsoid of `x[idx]`; `None` when their covariance is singular.
    fn bounding(x: &[Vec<f64>], idx: &[usize], d: usize) -> Option<Self> {
        let n = idx.len() as f64;
        let mut centre = vec![0.0; d];
        for &i in idx {
            for (c, v) in centre.iter_mut().zip(&x[i]) {
                *c += v;
            }
        }
        for c in &mut centre {
            *c /= n;
        }
        let mut cov = vec![0.0; d * d];
        for &i in idx {
            for a in 0..d {
                let da = x[i][a] - centre[a];
                for b in 0..=a {
                    cov[a * d + b] += da * (x[i][b] - centre[b]);
                }
            }
        }
        for a in 0..d {
            for b in 0..=a {
                cov[a * d + b] /= n;
                cov[b * d + a] = cov[a * d + b];
            }
        }
        let l = cholesky(&cov, d)?;
        let fmax = idx
            .iter()
            .map(|&i| mahalanobis2(&l, &centre, &x[i]))
            .fold(0.0f64, f64::max);
        if !(fmax > 0.0 && fmax.is_finite()) {
            return None;
        }
        let log_det_half: f64 = (0..d).map(|a| l[a * d + a].ln()).sum();
        Some(Self {
            centre,
            cov,
            chol: l,
            fmax,
            log_vol: log_det_half + 0.5 * d as f64 * fmax.ln(),
        })
    }

    /// Squared Mahalanobis distance `(x - centre)ᵀ C⁻¹ (x - centre)` by forward substitution.
    fn mahalanobis2(&self, x: &[f64]) -> f64 {
        mahalanobis2(&self.chol, &self.centre, x)
    }

    /// The two ends of the major axis (dynesty's k-means starting centres).
    fn major_axis_ends(&self, d: usize) -> (Vec<f64>, Vec<f64>) {
        let eig = nalgebra::DMatrix::from_row_slice(d, d, &self.cov).symmetric_eigen();
        let mut best = 0;
        for a in 1..d {
            if eig.eigenvalues[a] > eig.eigenvalues[best] {
                best = a;
            }
        }
        let half = (eig.eigenvalues[best].max(0.0) * self.fmax).sqrt();
        let v = eig.eigenvectors.column(best);
        let p: Vec<f64> = (0..d).map(|a| self.centre[a] + half * v[a]).collect();
        let m: Vec<f64> = (0..d).map(|a| self.centre[a] - half * v[a]).collect();
        (m, p)
    }
}

/// One level of dynesty's `_bounding_ellipsoids`: split `idx` in two by 2-means (10 Lloyd
/// iterations from the major-axis ends), recurse into both halves, and keep the split when the
/// volume drops by more than the BIC-motivated `X ln(N) / N`, `X = d(d+3)/2` ellipsoid
/// parameters (x-means, Pelleg & Moore 2000), either at once or after the recursion. Clusters
/// keep at least `2d` points so that their covariances are well determined.
fn split(
    x: &[Vec<f64>],
    idx: Vec<usize>,
    ell: Ellipsoid,
    d: usize,
) -> Vec<(Vec<usize>, Ellipsoid)> {
    let min_size = 2 * d;
    let n = idx.len();
    if n < 2 * min_size {
        return vec![(idx, ell)];
    }
    let (c0, c1) = ell.major_axis_ends(d);
    let mut centres = [c0, c1];
    let mut labels = vec![usize::MAX; n];
    for _ in 0..10 {
        let mut changed = false;
        for (lab, &i) in labels.iter_mut().zip(&idx) {
            let dist =
                |c: &[f64]| -> f64 { x[i].iter().zip(c).map(|(a, b)| (a - b).powi(2)).sum() };
            let new = usize::from(dist(&centres[1]) < dist(&centres[0]));
            changed |= new != *lab;
            *lab = new;
        }
        if !changed {
            break;
        }
        let mut sums = [vec![0.0; d], vec![0.0; d]];
        let mut counts = [0usize; 2];
        for (&lab, &i) in labels.iter().zip(&idx) {
            counts[lab] += 1;
            for (s, v) in sums[lab].iter_mut().zip(&x[i]) {
                *s += v;
            }
        }
        if counts.contains(&0) {
            return vec![(idx, ell)];
        }
        for c in 0..2 {
            for (cc, s) in centres[c].iter_mut().zip(&sums[c]) {
                *cc = s / counts[c] as f64;
            }
        }
    }
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for (&lab, &i) in labels.iter().zip(&idx) {
        if lab == 0 { a.push(i) } else { b.push(i) }
    }
    if a.len() < min_size || b.len() < min_size {
        return vec![(idx, ell)];
    }
    let (Some(ea), Some(eb)) = (Ellipsoid::bounding(x, &a, d), Ellipsoid::bounding(x, &b, d))
    else {
        return vec![(idx, ell)];
    };
    let n_param = (d * (d + 3) / 2) as f64;
    let log_vol_dec = n_param * (n as f64).ln() / n as f64;
    let first = log_add_exp(ea.log_vol, eb.log_vol) - ell.log_vol;
    let mut out = split(x, a, ea, d);
    out.extend(split(x, b, eb, d));
    let all = out
        .iter()
        .fold(f64::NEG_INFINITY, |acc, (_, e)| log_add_exp(acc, e.log_vol));
    if first < -log_vol_dec || all - ell.log_vol < -log_vol_dec * (out.len() - 1) as f64 {
        out
    } else {
        vec![(idx, ell)]
    }
}

/// `|L⁻¹ (x - centre)|²` for a lower Cholesky factor `L` (row-major) of a covariance.
fn mahalanobis2(l: &[f64], centre: &[f64], x: &[f64]) -> f64 {
    let d = centre.len();
    let mut z = [0.0f64; 32];
    let mut heap;
    let z: &mut [f64] = if d <= z.len() {
        &mut z[..d]
    } else {
        heap = vec![0.0; d];
        &mut heap
    };
    let mut r2 = 0.0;
    for a in 0..d {
        let mut s = x[a] - centre[a];
        for b in 0..a {
            s -= l[a * d + b] * z[b];
        }
        z[a] = s / l[a * d + a];
        r2 += z[a] * z[a];
    }
    r2
}

/// Lower Cholesky factor (row-major) of a symmetric `d x d` matrix; `None` unless positive
/// definite.
fn cholesky(c: &[f64], d: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..=i {
            let mut s = c[i * d + j];
            for p in 0..j {
                s -= l[i * d + p] * l[j * d + p];
            }
            if i == j {
                if s.is_nan() || s <= 0.0 {
                    return None;
                }
                l[i * d + i] = s.sqrt();
            } else {
                l[i * d + j] = s / l[j * d + j];
            }
        }
    }
    Some(l)
}

/// Lower Cholesky factor (row-major, d x d) of the points' covariance, regularised so
/// a collapsed axis still gets a small step.
fn live_cholesky(us: &[&[f64]], d: usize) -> Vec<f64> {
    let n = us.len() as f64;
    let mut mean = vec![0.0; d];
    for u in us {
        for (m, x) in mean.iter_mut().zip(u.iter()) {
            *m += x;
        }
    }
    for m in &mut mean {
        *m /= n;
    }
    let mut c = vec![0.0; d * d];
    for u in us {
        for i in 0..d {
            let di = u[i] - mean[i];
            for j in 0..=i {
                c[i * d + j] += di * (u[j] - mean[j]);
            }
        }
    }
    for i in 0..d {
        for j in 0..=i {
            c[i * d + j] /= n - 1.0;
        }
        c[i * d + i] += 1e-12;
    }
    // A non-positive pivot falls back to the diagonal.
    cholesky(&c, d).unwrap_or_else(|| {
        let mut diag = vec![0.0; d * d];
        for q in 0..d {
            diag[q * d + q] = c[q * d + q].max(1e-12).sqrt();
        }
        diag
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::function::erf::erf;

    /// Isotropic Gaussian likelihood (normalised density) on the box [-a, a]^d.
    struct Gauss {
        d: usize,
        a: f64,
        sigma: f64,
        mu: f64,
    }
    impl PriorModel for Gauss {
        fn dim(&self) -> usize {
            self.d
        }
        fn transform(&self, u: &[f64], t: &mut [f64]) {
            for (ti, ui) in t.iter_mut().zip(u) {
                *ti = -self.a + 2.0 * self.a * ui;
            }
        }
        fn log_likelihood(&self, t: &[f64]) -> f64 {
            let s2 = self.sigma * self.sigma;
            t.iter()
                .map(|x| {
                    -0.5 * (x - self.mu).powi(2) / s2 - 0.5 * (2.0 * std::f64::consts::PI * s2).ln()
                })
                .sum()
        }
    }
    fn gauss_log_z(g: &Gauss) -> f64 {
        let s = g.sigma * std::f64::consts::SQRT_2;
        let mass = 0.5 * (erf((g.a - g.mu) / s) - erf((-g.a - g.mu) / s));
        g.d as f64 * (mass / (2.0 * g.a)).ln()
    }

    #[test]
    fn gaussian_evidence_within_three_sigma() {
        let g = Gauss {
            d: 3,
            a: 5.0,
            sigma: 0.5,
            mu: 0.3,
        };
        let truth = gauss_log_z(&g);
        let s = NestedSampler::new(NestedParams::new(200), 3).unwrap();
        let mut bad = 0;
        for seed in 0..5 {
            let r = s
                .run(&g, &mut crate::rng::stream(seed, "nested-test", 0))
                .unwrap();
            assert!(r.diagnostics.converged);
            if (r.log_z - truth).abs() > 3.0 * r.log_z_err {
                bad += 1;
            }
            let med = r.medians().unwrap();
            assert!((med[0] - 0.3).abs() < 0.15, "median {med:?}");
        }
        assert!(bad <= 1, "{bad} of 5 runs outside 3 sigma");
    }

    /// A model that opts in to batched likelihoods, evaluating batches point by point in
    /// reverse order (so any dependence on evaluation order would show); counts the batches and
    /// their points.
    struct Batched<'a, M: PriorModel + ?Sized>(
        &'a M,
        std::sync::atomic::AtomicU64,
        std::sync::atomic::AtomicU64,
    );
    impl<'a, M: PriorModel + ?Sized> Batched<'a, M> {
        fn new(m: &'a M) -> Self {
            Self(m, Default::default(), Default::default())
        }
    }
    impl<M: PriorModel + ?Sized> PriorModel for Batched<'_, M> {
        fn dim(&self) -> usize {
            self.0.dim()
        }
        fn is_periodic(&self, i: usize) -> bool {
            self.0.is_periodic(i)
        }
        fn transform(&self, u: &[f64], t: &mut [f64]) {
            self.0.transform(u, t)
        }
        fn log_likelihood(&self, t: &[f64]) -> f64 {
            self.0.log_likelihood(t)
        }
        fn log_likelihood_batch(&self, thetas: &[Vec<f64>], out: &mut [f64]) {
            self.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.2
                .fetch_add(thetas.len() as u64, std::sync::atomic::Ordering::Relaxed);
            for (t, o) in thetas.iter().zip(out.iter_mut()).rev() {
                *o = self.0.log_likelihood(t);
            }
        }
        fn prefers_batches(&self) -> bool {
            true
        }
    }

    /// The diagnostics that must agree between the batched and one-at-a-time paths: all but
    /// the call and batch counts, which count different things (see [`Diagnostics::n_calls`]).
    fn same_but_counts(d: &Diagnostics) -> Diagnostics {
        Diagnostics {
            n_calls: 0,
            batches: 0,
            batch_points: 0,
            walk_batches: 0,
            walk_points: 0,
            ..d.clone()
        }
    }

    #[test]
    fn batched_proposals_and_lockstep_walks_give_the_same_run() {
        let g = Gauss {
            d: 3,
            a: 5.0,
            sigma: 0.5,
            mu: 0.3,
        };
        let m = Mixture {
            d: 2,
            sigma: 0.4,
            w: 0.75,
        };
        let runs: [(&dyn PriorModel, NestedParams, u64); 6] = [
            (&g, NestedParams::new(120), 1),
            (&g, NestedParams::new(120).uniform_calls(3), 2),
            (&g, NestedParams::new(120).uniform_calls(0), 3),
            (&g, NestedParams::new(120).uniform_calls(0).batch(25), 4),
            // Short walks: many reach their extension (steps drawn ahead of the decisions).
            (
                &g,
                NestedParams::new(120).uniform_calls(0).walks(2).batch(10),
                6,
            ),
            // Several clusters: global jumps in the walks.
            (&m, NestedParams::new(150).uniform_calls(2).batch(7), 5),
        ];
        let mut walked = false;
        for (model, params, seed) in runs {
            let b = Batched::new(model);
            let s = NestedSampler::new(params, model.dim()).unwrap();
            let one = s
                .run(model, &mut crate::rng::stream(seed, "nested-batch", 0))
                .unwrap();
            let many = s
                .run(&b, &mut crate::rng::stream(seed, "nested-batch", 0))
                .unwrap();
            assert_eq!(one.log_z.to_bits(), many.log_z.to_bits());
            assert_eq!(one.samples, many.samples);
            assert_eq!(
                same_but_counts(&one.diagnostics),
                same_but_counts(&many.diagnostics)
            );
            walked |= one.diagnostics.uniform_fraction < 1.0;
            // The batched run counts exactly the points its evaluator saw, in the batches it saw.
            let (d1, dn) = (&one.diagnostics, &many.diagnostics);
            assert_eq!(dn.batches, b.1.load(std::sync::atomic::Ordering::Relaxed));
            assert_eq!(
                dn.batch_points,
                b.2.load(std::sync::atomic::Ordering::Relaxed)
            );
            assert_eq!(dn.n_calls, dn.batch_points);
            // One at a time, only the initial prior draws are batched.
            assert!(d1.batch_points >= 120 && d1.batch_points < d1.n_calls);
            assert!(dn.batches >= d1.batches + dn.iterations as u64);
            // The walks of an iteration share batches.
            assert!(dn.walk_points > dn.walk_batches || dn.walk_batches == 0);
            assert_eq!(d1.walk_batches, 0);
        }
        assert!(walked, "no replacement walked");
    }

    /// `w N(-μ1, σ²I) + (1 - w) N(+μ1, σ²I)` on the box [-a, a]^d: two well separated modes of
    /// unequal mass whose evidence is exact (erf).
    struct Mixture {
        d: usize,
        sigma: f64,
        w: f64,
    }
    impl Mixture {
        const A: f64 = 5.0;
        const MU: f64 = 1.5;
        fn comps(&self) -> [(f64, f64); 2] {
            [(self.w, -Self::MU), (1.0 - self.w, Self::MU)]
        }
        fn log_z(&self) -> f64 {
            let s = self.sigma * std::f64::consts::SQRT_2;
            let z: f64 = self
                .comps()
                .iter()
                .map(|&(w, m)| {
                    let mass = 0.5 * (erf((Self::A - m) / s) - erf((-Self::A - m) / s));
                    w * mass.powi(self.d as i32)
                })
                .sum();
            z.ln() - self.d as f64 * (2.0 * Self::A).ln()
        }
    }
    impl PriorModel for Mixture {
        fn dim(&self) -> usize {
            self.d
        }
        fn transform(&self, u: &[f64], t: &mut [f64]) {
            for (ti, ui) in t.iter_mut().zip(u) {
                *ti = -Self::A + 2.0 * Self::A * ui;
            }
        }
        fn log_likelihood(&self, t: &[f64]) -> f64 {
            let s2 = self.sigma * self.sigma;
            let norm = -0.5 * self.d as f64 * (2.0 * std::f64::consts::PI * s2).ln();
            let [a, b] = self.comps().map(|(w, m)| {
                w.ln() + norm - 0.5 * t.iter().map(|x| (x - m).powi(2)).sum::<f64>() / s2
            });
            log_add_exp(a, b)
        }
    }

    /// Over `seeds` runs: each run's posterior mass of the minor (`+μ`) mode, and how many runs
    /// put ln Z more than 3 reported standard errors from the truth.
    fn mixture_runs(m: &Mixture, nlive: usize, seeds: u64) -> (Vec<f64>, usize) {
        let s = NestedSampler::new(NestedParams::new(nlive), m.d).unwrap();
        let truth = m.log_z();
        let (mut minor, mut outside) = (Vec::new(), 0);
        for seed in 0..seeds {
            let r = s
                .run(m, &mut crate::rng::stream(seed, "nested-mixture", 0))
                .unwrap();
            assert!(r.diagnostics.converged);
            let w = r.weights();
            let mass = r
                .samples
                .iter()
                .zip(&w)
                .filter(|(s, _)| s.theta.iter().sum::<f64>() > 0.0)
                .map(|(_, w)| w)
                .sum::<f64>()
                / w.iter().sum::<f64>();
            minor.push(mass);
            if (r.log_z - truth).abs() > 3.0 * r.log_z_err {
                outside += 1;
            }
        }
        (minor, outside)
    }

    #[test]
    fn bimodal_mixture_mode_masses_and_evidence() {
        // Spec check 5: both modes kept with the right mass ratio (1/3 here), ln Z within 3 σ.
        // The ratio is pooled over seeds: one run's mode mass carries nested sampling's own
        // error, sqrt(H / n_mode) in ln mass, far above 5 % at this n.
        let m = Mixture {
            d: 2,
            sigma: 0.4,
            w: 0.75,
        };
        let (minor, outside) = mixture_runs(&m, 1000, 20);
        let f = minor.iter().sum::<f64>() / minor.len() as f64;
        let ratio = f / (1.0 - f);
        assert!((ratio * 3.0 - 1.0).abs() < 0.05, "2-D mass ratio {ratio}");
        assert!(outside <= 1, "2-D: {outside} runs outside 3 sigma");
        // Sharp modes in 5-D (H ≈ 22 nats, so one run's minor-mode mass scatters by ~50 %):
        // every run must keep both modes, neither lost nor dominant. With one covariance for all
        // live points, runs lost the minor mode (mass 0.007) or inflated it (0.89), and 2 of 10
        // (21 of 40 at nlive = 500) missed ln Z by more than 3 σ.
        let m = Mixture {
            d: 5,
            sigma: 0.03,
            w: 0.75,
        };
        let (minor, outside) = mixture_runs(&m, 300, 10);
        assert!(
            minor.iter().all(|f| (0.05..=0.75).contains(f)),
            "5-D minor-mode masses {minor:?} (truth 0.25)"
        );
        assert!(outside <= 1, "5-D: {outside} runs outside 3 sigma");
    }

    #[test]
    fn union_of_overlapping_ellipsoids_is_sampled_uniformly() {
        // Two unit disks with centres 1 apart: the lens they share has area
        // 2 acos(1/2) - sqrt(3)/2, so a uniform draw on the union lands in it with probability
        // lens / (2π - lens) = 0.2430. Without the 1/q rule it would be 2 lens / 2π = 0.391.
        let disk = |cx: f64| Ellipsoid {
            centre: vec![cx, 0.0],
            cov: vec![1.0, 0.0, 0.0, 1.0],
            chol: vec![1.0, 0.0, 0.0, 1.0],
            fmax: 1.0,
            log_vol: 0.0,
        };
        let b = Bounds::new(vec![1.0, 1.0], vec![disk(0.0), disk(1.0)], 2, 1.0);
        let mut rng = crate::rng::stream(5, "nested-union", 0);
        let (mut u, mut z, mut x) = ([0.0; 2], [0.0; 2], [0.0; 2]);
        let (mut n, mut lens, mut left_only) = (0usize, 0usize, 0usize);
        while n < 200_000 {
            if !b.draw(&mut rng, &mut u, &mut z, &mut x) {
                continue;
            }
            n += 1;
            let in0 = u[0] * u[0] + u[1] * u[1] <= 1.0;
            let in1 = (u[0] - 1.0).powi(2) + u[1] * u[1] <= 1.0;
            assert!(in0 || in1, "draw {u:?} outside the union");
            lens += usize::from(in0 && in1);
            left_only += usize::from(in0 && !in1);
        }
        let area = 2.0 * 0.5f64.acos() - 0.75f64.sqrt();
        let p = area / (2.0 * std::f64::consts::PI - area);
        let se = (p * (1.0 - p) / n as f64).sqrt();
        let f = lens as f64 / n as f64;
        assert!((f - p).abs() < 4.0 * se, "lens share {f} vs {p} ± {se}");
        let q = (1.0 - p) / 2.0;
        let f = left_only as f64 / n as f64;
        assert!(
            (f - q).abs() < 4.0 * (q * (1.0 - q) / n as f64).sqrt(),
            "left-only share {f} vs {q}"
        );
    }

    #[test]
    fn bad_params_are_typed_errors() {
        assert!(matches!(
            NestedSampler::new(NestedParams::new(3), 3),
            Err(Error::InvalidParameter { name: "nlive", .. })
        ));
        assert!(matches!(
            NestedSampler::new(NestedParams::new(100).walks(0), 3),
            Err(Error::InvalidParameter { name: "walks", .. })
        ));
        assert!(matches!(
            NestedSampler::new(NestedParams::new(100).dlogz(-1.0), 3),
            Err(Error::InvalidParameter { name: "dlogz", .. })
        ));
    }

    #[test]
    fn weighted_quantile_of_uniform_weights_is_the_median() {
        let xs = [3.0, 1.0, 2.0];
        assert!((weighted_quantile(&xs, &[1.0, 1.0, 1.0], 0.5).unwrap() - 2.0).abs() < 1e-12);
    }
}

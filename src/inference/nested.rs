//! Static nested sampling with a constrained random walk (Skilling 2006; dynesty's `rwalk`).
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
//! `L > L*` (the largest removed likelihood) by `K` random walks, each with its own seed drawn in
//! order from the caller's generator, run in parallel with rayon and collected in order: the
//! output is the same for any number of threads.
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
}

impl NestedParams {
    /// Defaults: `walks = 25`, `batch = max(1, nlive / 50)`, `dlogz = 0.1`, `max_calls = 5e7`.
    pub fn new(nlive: usize) -> Self {
        Self {
            nlive,
            walks: 25,
            batch: (nlive / 50).max(1),
            dlogz: 0.1,
            max_calls: 50_000_000,
        }
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
    /// Likelihood evaluations, including the initial prior draws.
    pub n_calls: u64,
    /// Accepted / proposed random-walk steps.
    pub acceptance: f64,
    /// Information `H` (nats).
    pub information: f64,
    /// Final random-walk scale (in units of the live-point covariance).
    pub final_scale: f64,
    /// Whether the `dlogz` criterion was met (false: `max_calls` was hit).
    pub converged: bool,
    /// Final `ln X` of the prior volume.
    pub log_volume: f64,
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
    accepted: u64,
    proposed: u64,
}

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
            let evals: Vec<(Vec<f64>, f64)> = us
                .par_iter()
                .map(|u| {
                    let mut th = vec![0.0; d];
                    model.transform(u, &mut th);
                    let l = model.log_likelihood(&th);
                    (th, l)
                })
                .collect();
            n_calls += need as u64;
            for (u, (th, l)) in us.into_iter().zip(evals) {
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
            // Proposal covariance from the live points (unit cube), Cholesky factor.
            let chol = live_cholesky(&live_u, d);
            let survivors = &order[k..];
            let jobs: Vec<(usize, u64)> = (0..k)
                .map(|_| {
                    (
                        survivors[rng.random_range(0..survivors.len())],
                        rng.random::<u64>(),
                    )
                })
                .collect();
            let results: Vec<Walk> = jobs
                .par_iter()
                .map(|&(start, seed)| {
                    let mut r = Rng::seed_from_u64(seed);
                    self.random_walk(
                        model,
                        &live_u[start],
                        &live_theta[start],
                        live_l[start],
                        l_star,
                        &chol,
                        scale,
                        walks,
                        &mut r,
                    )
                })
                .collect();
            let mut acc = 0u64;
            let mut prop = 0u64;
            for (w, &slot) in results.into_iter().zip(&removed) {
                acc += w.accepted;
                prop += w.proposed;
                live_u[slot] = w.u;
                live_theta[slot] = w.theta;
                live_l[slot] = w.log_l;
            }
            n_calls += prop;
            acc_total += acc;
            prop_total += prop;
            // Keep the acceptance near 1/2 (dynesty's rwalk target).
            let rate = acc as f64 / prop.max(1) as f64;
            scale = (scale * ((rate - 0.5) * 2.0 / (1.0 + (k as f64).sqrt().recip())).exp())
                .clamp(1e-6, 10.0);
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
                converged,
                log_volume: log_x,
            },
        })
    }

    /// Constrained random walk from a live point: Gaussian steps with the live-point covariance
    /// times `scale`, accepted when inside the cube (periodic axes wrap) and `L > L*`.
    #[allow(clippy::too_many_arguments)]
    fn random_walk<M: PriorModel + ?Sized>(
        &self,
        model: &M,
        u0: &[f64],
        theta0: &[f64],
        l0: f64,
        l_star: f64,
        chol: &[f64],
        scale: f64,
        walks: usize,
        rng: &mut Rng,
    ) -> Walk {
        let d = self.dim;
        let mut u = u0.to_vec();
        let mut theta = theta0.to_vec();
        let mut log_l = l0;
        let mut cand = vec![0.0; d];
        let mut cand_theta = vec![0.0; d];
        let mut z = vec![0.0; d];
        let (mut accepted, mut proposed) = (0u64, 0u64);
        // Keep walking past `walks` until one move is accepted (at most 50 walks' worth), so a
        // replacement is never a copy of its start unless the constrained region is tiny.
        let max_steps = 50 * walks;
        let mut steps = 0;
        while steps < walks || (accepted == 0 && steps < max_steps) {
            steps += 1;
            for zi in z.iter_mut() {
                *zi = rng.sample(StandardNormal);
            }
            let mut inside = true;
            for i in 0..d {
                let mut step = 0.0;
                for j in 0..=i {
                    step += chol[i * d + j] * z[j];
                }
                let mut v = u[i] + scale * step;
                if model.is_periodic(i) {
                    v -= v.floor();
                } else if !(0.0..=1.0).contains(&v) {
                    inside = false;
                }
                cand[i] = v;
            }
            if !inside {
                proposed += 1;
                continue;
            }
            model.transform(&cand, &mut cand_theta);
            let l = model.log_likelihood(&cand_theta);
            proposed += 1;
            if l > l_star {
                u.copy_from_slice(&cand);
                theta.copy_from_slice(&cand_theta);
                log_l = l;
                accepted += 1;
            }
        }
        Walk {
            u,
            theta,
            log_l,
            accepted,
            proposed,
        }
    }
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

/// Lower Cholesky factor (row-major, d x d) of the live points' covariance, regularised so
/// a collapsed axis still gets a small step.
fn live_cholesky(us: &[Vec<f64>], d: usize) -> Vec<f64> {
    let n = us.len() as f64;
    let mut mean = vec![0.0; d];
    for u in us {
        for (m, x) in mean.iter_mut().zip(u) {
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
    // In-place Cholesky (lower); a non-positive pivot falls back to the diagonal.
    let mut l = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..=i {
            let mut s = c[i * d + j];
            for p in 0..j {
                s -= l[i * d + p] * l[j * d + p];
            }
            if i == j {
                if s <= 0.0 {
                    let mut diag = vec![0.0; d * d];
                    for q in 0..d {
                        diag[q * d + q] = c[q * d + q].max(1e-12).sqrt();
                    }
                    return diag;
                }
                l[i * d + i] = s.sqrt();
            } else {
                l[i * d + j] = s / l[j * d + j];
            }
        }
    }
    l
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

//! Sequentially interactive LDP iterative hard thresholding (Wang & Xu 2019, Alg. 3, as
//! rectified and extended to sub-Gaussian designs by Zhu et al. 2024; spec §1c).
//!
//! This is the LDP protocol's own IHT: one disjoint user group per round, each user used once,
//! gradients privatized on the user's device. (The non-private IHT lives in `sparse`.)
//!
//! [`IhtProblem`] is the simulated setting the `ldp-iht-slopes` claim runs on a device
//! ([`super::iht_batch()`]): this estimator on users drawn from [`RademacherDesign`].

use super::fit::{LdpFit, Method, check_data, positive, truncate};
use super::simulate::RademacherDesign;
use crate::error::{Error, Result};
use crate::estimator::{Fit, ParamGuard, RegressionData};
use crate::ldp::mechanisms::{DuchiLinf, Mechanism};
use crate::ldp::privacy::{Ledger, check_epsilon};
use crate::linalg::soft_threshold;
use crate::rng::{self, Rng};
use nalgebra::{DMatrix, DVector};
use rand::RngExt;
use rayon::prelude::*;
use serde::Serialize;
use std::time::Instant;

/// ε-LDP iterative hard thresholding with T rounds.
///
/// Round t: broadcast θ_{t−1}; every user i of group t computes
/// g_i = x̃_i(⟨x̃_i, θ_{t−1}⟩ − ỹ_i), clipped to the box of radius G = τ₁(τ₁R + τ₂) (which
/// contains it, since ‖θ‖₁ ≤ R), and sends it through Duchi's ε-LDP ℓ∞ mechanism
/// ([`DuchiLinf`]). The server averages, steps θ' = θ − ηḡ, keeps the s largest coordinates
/// and projects onto the ℓ1 ball of radius R. Users are shuffled once and split into T
/// disjoint groups, so by parallel composition the protocol is ε-LDP.
///
/// The unchecked parameters: `check()` gives an [`LdpIht`].
#[derive(Debug, Clone)]
pub struct LdpIhtParams {
    epsilon: f64,
    sparsity: usize,
    rounds: usize,
    step: f64,
    tau1: f64,
    tau2: f64,
    l1_radius: f64,
    private: bool,
    seed: u64,
}

/// ε-LDP iterative hard thresholding with checked parameters ([`LdpIhtParams`]).
#[derive(Debug, Clone)]
pub struct LdpIht(LdpIhtParams);

/// What happened during the rounds (the `details` of an LDP-IHT [`LdpFit`]).
#[derive(Debug, Clone, Serialize)]
pub struct LdpIhtDetails {
    /// Users per round.
    pub group_sizes: Vec<usize>,
    /// Box radius G of the gradients.
    pub gradient_bound: f64,
    /// Output magnitude of the Duchi mechanism per coordinate (G·B).
    pub report_bound: f64,
    /// Largest number of rounds any single user took part in (1 by construction).
    pub max_rounds_per_user: usize,
    /// ‖θ_t − θ_{t−1}‖₂ per round.
    pub steps: Vec<f64>,
}

impl LdpIhtParams {
    /// Defaults: T = 10 rounds, η = 1, τ₁ = τ₂ = 1 (bounded designs), R = 1, seed 0.
    pub fn new(epsilon: f64, sparsity: usize) -> Self {
        Self {
            epsilon,
            sparsity,
            rounds: 10,
            step: 1.0,
            tau1: 1.0,
            tau2: 1.0,
            l1_radius: 1.0,
            private: true,
            seed: 0,
        }
    }
    /// Number of rounds T (disjoint user groups).
    pub fn rounds(mut self, t: usize) -> Self {
        self.rounds = t;
        self
    }
    /// Step size η.
    pub fn step(mut self, eta: f64) -> Self {
        self.step = eta;
        self
    }
    /// Truncation levels.
    pub fn tau(mut self, tau1: f64, tau2: f64) -> Self {
        self.tau1 = tau1;
        self.tau2 = tau2;
        self
    }
    /// ℓ1 radius R of the projection (an upper bound on ‖θ*‖₁).
    pub fn l1_radius(mut self, r: f64) -> Self {
        self.l1_radius = r;
        self
    }
    /// **Testing only:** turn the privacy noise off (exact group-mean gradients).
    pub fn noise_off(mut self) -> Self {
        self.private = false;
        self
    }

    /// Seed of [`Fit::fit`]'s shuffle and privacy noise (stream
    /// `rng::stream(seed, LdpIht::LABEL, 0)`).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

impl ParamGuard for LdpIhtParams {
    type Checked = LdpIht;
    /// ε > 0 (finite), k ≥ 1, T ≥ 1, η, τ₁, τ₂, R > 0; k ≤ d and T ≤ n are checked against
    /// the data by `fit`.
    fn check(&self) -> Result<LdpIht> {
        check_epsilon(self.epsilon)?;
        if self.sparsity == 0 {
            return Err(Error::param("k", self.sparsity, "sparsity must be >= 1"));
        }
        if self.rounds == 0 {
            return Err(Error::param("rounds", self.rounds, "must be >= 1"));
        }
        positive("step", self.step)?;
        positive("tau1", self.tau1)?;
        positive("tau2", self.tau2)?;
        positive("l1_radius", self.l1_radius)?;
        Ok(LdpIht(self.clone()))
    }
}

impl Fit<RegressionData> for LdpIht {
    type Fitted = LdpFit;
    /// [`LdpIht::fit_with`] on `rng::stream(seed, LdpIht::LABEL, 0)`.
    fn fit(&self, data: &RegressionData) -> Result<LdpFit> {
        self.fit_with(data, &mut rng::stream(self.0.seed, Self::LABEL, 0))
    }
}

impl LdpIht {
    /// The label of [`Fit::fit`]'s random stream.
    pub const LABEL: &'static str = "ldp-iht";

    /// The checked parameters.
    pub fn params(&self) -> &LdpIhtParams {
        &self.0
    }

    /// Fit on users' data, the shuffle and the privacy noise drawn from `rng` (the lower-level
    /// form of [`Fit::fit`], for callers that own the stream).
    pub fn fit_with(&self, data: &RegressionData, rng: &mut Rng) -> Result<LdpFit> {
        let start = Instant::now();
        let p = &self.0;
        let (x, y) = (data.x(), data.y());
        check_data(x, y)?;
        let (n, d) = x.shape();
        if p.sparsity > d {
            return Err(Error::param(
                "k",
                p.sparsity,
                format!("sparsity must lie in 1..={d}"),
            ));
        }
        if p.rounds > n {
            return Err(Error::param(
                "rounds",
                p.rounds,
                format!("must lie in 1..={n} (one user group per round)"),
            ));
        }
        let g_bound = gradient_bound(p.tau1, p.tau2, p.l1_radius);
        let mech = DuchiLinf::new(p.epsilon, d, g_bound)?;
        // Shuffle users once (Fisher–Yates), then cut into T contiguous groups.
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = rng.random_range(0..=i);
            order.swap(i, j);
        }
        // Users as columns (d × n): each user's features contiguous.
        let xr = x.transpose();
        let mut ledger = Ledger::new(n);
        let mut theta = DVector::zeros(d);
        let mut sizes = Vec::with_capacity(p.rounds);
        let mut steps = Vec::with_capacity(p.rounds);
        for t in 0..p.rounds {
            let group = &order[t * n / p.rounds..(t + 1) * n / p.rounds];
            sizes.push(group.len());
            for &i in group {
                ledger.charge(i, mech.privacy())?;
            }
            let master: u64 = rng.random();
            let gbar = self.round_mean(&xr, y, group, &theta, &mech, g_bound, master);
            let prev = theta.clone();
            let stepped = &theta - gbar * p.step;
            theta = project_l1(&hard_threshold(&stepped, p.sparsity), p.l1_radius);
            steps.push((&theta - prev).norm());
        }
        let max_rounds = (0..n).map(|i| ledger.messages(i)).max().unwrap_or(0);
        if max_rounds != 1 {
            return Err(Error::Numerical(format!(
                "LDP-IHT accounting: a user took part in {max_rounds} rounds"
            )));
        }
        let details = LdpIhtDetails {
            group_sizes: sizes,
            gradient_bound: g_bound,
            report_bound: mech.bound(),
            max_rounds_per_user: max_rounds,
            steps,
        };
        let mut dj = serde_json::to_value(&details).map_err(|e| Error::Numerical(e.to_string()))?;
        dj["rounds"] = serde_json::json!(p.rounds);
        dj["sparsity"] = serde_json::json!(p.sparsity);
        dj["step"] = serde_json::json!(p.step);
        let privacy = if p.private {
            Some(ledger.total()?)
        } else {
            None
        };
        Ok(LdpFit::new(
            Method::Iht,
            theta,
            privacy,
            dj,
            p.rounds,
            start,
        ))
    }

    /// Mean of the group's privatized gradients; blocks of users use streams keyed by
    /// (master, block) and are summed in block order (thread-count independent).
    #[allow(clippy::too_many_arguments)]
    fn round_mean(
        &self,
        xr: &DMatrix<f64>,
        y: &DVector<f64>,
        group: &[usize],
        theta: &DVector<f64>,
        mech: &DuchiLinf,
        g: f64,
        master: u64,
    ) -> DVector<f64> {
        const BLOCK: usize = 2048;
        let d = xr.nrows();
        let sums: Vec<Vec<f64>> = group
            .par_chunks(BLOCK)
            .enumerate()
            .map(|(b, users)| {
                let mut r = rng::stream(master, "ldp-iht-user", b as u64);
                let mut sum = vec![0.0; d];
                let mut xt = vec![0.0; d];
                let mut grad = vec![0.0; d];
                let mut out = vec![0.0; d];
                // The shuffled order makes every user's row a cache miss: gathered first in a
                // tight loop, the misses overlap instead of stalling each user's draws.
                let mut rows = Vec::with_capacity(users.len() * d);
                let mut ys = Vec::with_capacity(users.len());
                for &i in users {
                    rows.extend_from_slice(&xr.as_slice()[i * d..(i + 1) * d]);
                    ys.push(y[i]);
                }
                for (row, &yi) in rows.chunks_exact(d).zip(&ys) {
                    for (v, xv) in xt.iter_mut().zip(row) {
                        *v = truncate(*xv, self.0.tau1);
                    }
                    let pred: f64 = xt.iter().zip(theta.iter()).map(|(a, b)| a * b).sum();
                    let resid = pred - truncate(yi, self.0.tau2);
                    for (gj, xj) in grad.iter_mut().zip(&xt) {
                        *gj = (xj * resid).clamp(-g, g);
                    }
                    if self.0.private {
                        mech.privatize_into(&grad, &mut out, &mut r);
                    } else {
                        out.copy_from_slice(&grad);
                    }
                    sum.iter_mut().zip(&out).for_each(|(s, o)| *s += o);
                }
                sum
            })
            .collect();
        let mut total = DVector::zeros(d);
        for s in sums {
            for j in 0..d {
                total[j] += s[j];
            }
        }
        total / group.len() as f64
    }
}

/// Largest dimension of an [`IhtProblem`]: x's d bits and ζ's sign bit fill one 64-bit word of
/// the kernel's counter layout ([`crate::ldp::kernels::iht_round`]).
pub const MAX_DIM: usize = 63;

/// Users per round must stay below 2^42 (user index bits 6..48 of the kernel's block index).
const MAX_GROUP: u64 = 1 << 42;

/// Rounds must stay below 2^16 (bits 48..64 of the kernel's block index).
const MAX_ROUNDS: usize = 1 << 16;

/// One LDP-IHT problem: the design, the privacy level and the protocol's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct IhtProblem {
    /// Users in all (split into `rounds` groups of sizes ⌊(t+1)n/T⌋ − ⌊tn/T⌋).
    pub n: u64,
    /// ε of every user's report.
    pub epsilon: f64,
    /// Dimension d (at most [`MAX_DIM`]).
    pub d: usize,
    /// Sparsity k: θ* has k entries 1/k, and the estimate keeps k coordinates.
    pub k: usize,
    /// |ζ|.
    pub noise: f64,
    /// Rounds T.
    pub rounds: usize,
    /// Step size η.
    pub step: f64,
    /// Truncation level of x.
    pub tau1: f64,
    /// Truncation level of y.
    pub tau2: f64,
    /// ℓ1 radius R of the projection.
    pub l1_radius: f64,
}

impl IhtProblem {
    /// The library estimator this problem's protocol describes (ε, k, rounds, step, truncation
    /// and radius), checked: what the simulations and kernels are compared against.
    pub fn estimator(&self) -> Result<LdpIht> {
        LdpIhtParams::new(self.epsilon, self.k)
            .rounds(self.rounds)
            .step(self.step)
            .tau(self.tau1, self.tau2)
            .l1_radius(self.l1_radius)
            .check()
    }

    /// Check every setting; a bad one is an [`Error::InvalidParameter`] naming it.
    pub fn validate(&self) -> Result<()> {
        check_epsilon(self.epsilon)?;
        if self.d == 0 || self.d > MAX_DIM {
            return Err(Error::param(
                "d",
                self.d,
                format!("must lie in 1..={MAX_DIM} (x's bits and ζ's sign fill one 64-bit word)"),
            ));
        }
        if self.k == 0 || self.k > self.d {
            return Err(Error::param(
                "k",
                self.k,
                format!("sparsity must lie in 1..={}", self.d),
            ));
        }
        crate::error::check::non_negative("noise", self.noise)?;
        if self.rounds == 0 || self.rounds >= MAX_ROUNDS || self.rounds as u64 > self.n {
            return Err(Error::param(
                "rounds",
                self.rounds,
                format!(
                    "must lie in 1..={} (one user group per round, below {MAX_ROUNDS})",
                    self.n
                ),
            ));
        }
        if self.n / self.rounds as u64 >= MAX_GROUP - 1 {
            return Err(Error::param(
                "n",
                self.n,
                "users per round must stay below 2^42 (the Philox counter layout)",
            ));
        }
        crate::error::check::positive("step", self.step)?;
        crate::error::check::positive("tau1", self.tau1)?;
        crate::error::check::positive("tau2", self.tau2)?;
        crate::error::check::positive("l1_radius", self.l1_radius)?;
        Ok(())
    }

    /// Users of round t: ⌊(t+1)n/T⌋ − ⌊tn/T⌋, the library's group sizes.
    pub fn group_size(&self, round: usize) -> u64 {
        let (n, t, tt) = (self.n as u128, round as u128, self.rounds as u128);
        ((t + 1) * n / tt - t * n / tt) as u64
    }

    /// θ*: the first k entries 1/k ([`RademacherDesign`]'s).
    pub fn theta_star(&self) -> Result<DVector<f64>> {
        Ok(RademacherDesign::new(self.d, self.k, self.noise)?.theta)
    }
}

/// The box radius G = τ₁(τ₁R + τ₂) of the users' gradients: |x̃_j(⟨x̃, θ⟩ − ỹ)| ≤ τ₁(τ₁‖θ‖₁ + τ₂)
/// with ‖θ‖₁ ≤ R.
pub fn gradient_bound(tau1: f64, tau2: f64, l1_radius: f64) -> f64 {
    tau1 * (tau1 * l1_radius + tau2)
}

/// Keep the s largest-magnitude coordinates (ties broken by index, deterministic).
pub fn hard_threshold(v: &DVector<f64>, s: usize) -> DVector<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[b].abs().total_cmp(&v[a].abs()).then(a.cmp(&b)));
    let mut out = DVector::zeros(v.len());
    for &j in idx.iter().take(s) {
        out[j] = v[j];
    }
    out
}

/// Euclidean projection onto the ℓ1 ball of radius r (Duchi et al. 2008, Fig. 1).
pub fn project_l1(v: &DVector<f64>, r: f64) -> DVector<f64> {
    if v.iter().map(|x| x.abs()).sum::<f64>() <= r {
        return v.clone();
    }
    let mut u: Vec<f64> = v.iter().map(|x| x.abs()).collect();
    u.sort_by(|a, b| b.total_cmp(a));
    let mut cum = 0.0;
    let mut theta = 0.0;
    for (j, uj) in u.iter().enumerate() {
        cum += uj;
        let t = (cum - r) / (j + 1) as f64;
        if uj - t > 0.0 {
            theta = t;
        }
    }
    v.map(|x| soft_threshold(x, theta))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projection_and_threshold() {
        let v = DVector::from_vec(vec![3.0, -1.0, 0.5]);
        let p = project_l1(&v, 1.0);
        assert!((p.iter().map(|x| x.abs()).sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(p[0], 1.0);
        let h = hard_threshold(&v, 2);
        assert_eq!(h.as_slice(), &[3.0, -1.0, 0.0]);
    }
}

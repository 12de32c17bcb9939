//! Rounds of the sequentially interactive LDP-IHT protocol ([`crate::ldp::regression::LdpIht`];
//! Wang & Xu 2019, Algorithm 3, as rectified by Zhu et al. 2024) for a batch of independent
//! problems at once: the users' side on the device, the server's step on the host.
//!
//! **What the kernel computes.** For every problem p of the batch (one per Monte Carlo
//! replicate, all at the same n, ε, d, k) and round t, the m_t users of that round are drawn
//! on the fly from the bounded design of
//! [`RademacherDesign`](crate::ldp::regression::simulate::RademacherDesign): x uniform on
//! {±1}^d, ζ = ±σ with equal probability, y = ⟨x, θ*⟩ + ζ with θ* = (1/k, …, 1/k, 0, …, 0). User
//! i computes the truncated gradient at the problem's current θ_{t−1},
//!
//! g_i = clip_G( x̃_i(⟨x̃_i, θ_{t−1}⟩ − ỹ_i) ),  x̃ = clip_{τ₁}(x), ỹ = clip_{τ₂}(y),
//! G = τ₁(τ₁R + τ₂),
//!
//! and privatizes it with Duchi et al.'s ε-LDP ℓ∞ mechanism exactly as
//! [`DuchiLinf::privatize_into`] does: v_j ~ Bernoulli(½ + g_j/(2G)) and a fair bit s_j per
//! coordinate, ties ⟨s, v⟩ = 0 of even d broken by a coordinate J drawn uniformly per report
//! (s_J = v_J puts s in T⁺), and the report ±G·B·s with + exactly when a Bernoulli(π) draw,
//! π = e^ε/(e^ε + 1), agrees with s ∈ T⁺ (B = [`duchi_linf_bound`](crate::ldp::mechanisms::duchi_linf_bound)).
//! The kernel returns, per problem, the d-vector Σ_i z_i of the round's reports. The host
//! ([`iht_batch`]) then takes the server's step of Algorithm 3,
//! θ_t = P_R(H_k(θ_{t−1} − η·Σ_i z_i / m_t)), with the library's own `hard_threshold` and
//! `project_l1`.
//!
//! **Users.** The library fits a given data set: it shuffles n users once and cuts them into T
//! disjoint groups. Here every round's users are fresh draws from the design. Since the n users
//! are iid, a uniformly shuffled split into groups of sizes m_1, …, m_T (the library's sizes,
//! ⌊tn/T⌋ boundaries) is T independent iid samples of those sizes: the two are the same
//! distribution, and each simulated user still reports once (ε-LDP by parallel composition).
//!
//! **Random numbers.** Philox-4x32-10 ([`super::philox`]) keyed by (seed, claim and sweep
//! point); stream = replicate index, block = (t << 48) | (i << 6) | b for user i of round t:
//! block 0 gives x (bits 0..d of words 0–1, low word first) with ζ's sign in bit d, and s
//! (words 2–3); block 1 gives the tie coordinate J = ⌊w·d / 2⁶⁴⌋ of the 64-bit word w of words
//! 0–1 (bias below d·2⁻⁶⁴) and the uniform of the final Bernoulli(π) (words 2–3); block 2 + ⌊j/2⌋
//! gives the uniform of v_j (words 0–1 for even j, 2–3 for odd j). Uniforms are the 53-bit
//! (0, 1] values of [`u01`]; Bernoulli(q) is u ≤ q. A replicate is thus reproducible from its
//! index alone, and replicates, rounds and users are independent streams.
//!
//! **Precision and order.** The user-side arithmetic is f64 with the same operations in the same
//! order on both sides (NVRTC `--fmad=false`, no transcendental functions), so GPU and twin take
//! the same branch at every draw. Every report is ±G·B per coordinate, so Σ_i z_i = G·B·c with c
//! an integer: both sides accumulate c exactly in 64-bit integers (the GPU with integer
//! atomics, whose order cannot matter because integer addition is exact and associative) and
//! multiply once, in f64, by G·B. The sums are therefore identical bit for bit whatever the
//! thread count, block size or device, and more accurate than a floating-point sum of the
//! reports in any order (one rounding instead of m_t).

use super::philox::{PhiloxKey, u01};
use crate::device::Kernels;
use crate::error::{Error, Result};
use crate::ldp::mechanisms::DuchiLinf;
use crate::ldp::privacy::check_epsilon;
use crate::ldp::regression::{gradient_bound, hard_threshold, project_l1};
use nalgebra::DVector;
use rayon::prelude::*;

/// Largest dimension: x's d bits and ζ's sign bit fit one 64-bit word.
pub const MAX_DIM: usize = 63;

/// Users per GPU thread (each thread accumulates its users' integer counts, then adds them to
/// the problem's totals with one atomic per coordinate).
pub const USERS_PER_THREAD: u32 = 64;

/// Users per task of the CPU twin.
const TWIN_CHUNK: u64 = 4096;

/// Bits of the block index below the user index (Philox blocks per user: 2 + ⌈d/2⌉ ≤ 34 < 64).
const BLOCK_BITS: u32 = 6;

/// Users per round must stay below 2^42 (user index bits 6..48 of the block index).
const MAX_GROUP: u64 = 1 << 42;

/// Rounds must stay below 2^16 (bits 48..64 of the block index).
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

    /// θ*: the first k entries 1/k.
    pub fn theta_star(&self) -> DVector<f64> {
        DVector::from_fn(self.d, |j, _| {
            if j < self.k {
                1.0 / self.k as f64
            } else {
                0.0
            }
        })
    }
}

/// One round's users and mechanism: what the kernel is given besides θ.
#[derive(Debug, Clone, PartialEq)]
pub struct IhtRound {
    d: usize,
    k: usize,
    noise: f64,
    tau1: f64,
    tau2: f64,
    /// Gradient box radius G.
    g: f64,
    /// Report magnitude G·B.
    gb: f64,
    /// π = e^ε/(e^ε + 1).
    pi: f64,
    users: u64,
    round: u32,
}

impl IhtRound {
    /// Round `round` (0-based) of `problem` (validated here).
    pub fn new(problem: &IhtProblem, round: usize) -> Result<Self> {
        problem.validate()?;
        if round >= problem.rounds {
            return Err(Error::param(
                "round",
                round,
                format!("must lie in 0..{}", problem.rounds),
            ));
        }
        let g = gradient_bound(problem.tau1, problem.tau2, problem.l1_radius);
        let mech = DuchiLinf::new(problem.epsilon, problem.d, g)?;
        Ok(Self {
            d: problem.d,
            k: problem.k,
            noise: problem.noise,
            tau1: problem.tau1,
            tau2: problem.tau2,
            g,
            gb: mech.bound(),
            pi: mech.plus_probability(),
            users: problem.group_size(round),
            round: round as u32,
        })
    }

    /// Dimension.
    pub fn dim(&self) -> usize {
        self.d
    }

    /// Sparsity of θ*.
    pub fn sparsity(&self) -> usize {
        self.k
    }

    /// Users of this round.
    pub fn users(&self) -> u64 {
        self.users
    }

    /// Round index (0-based).
    pub fn round(&self) -> u32 {
        self.round
    }

    /// (|ζ|, τ₁, τ₂).
    pub fn design(&self) -> (f64, f64, f64) {
        (self.noise, self.tau1, self.tau2)
    }

    /// (G, G·B, π): gradient bound, report magnitude, probability of reporting from T⁺.
    pub fn mechanism(&self) -> (f64, f64, f64) {
        (self.g, self.gb, self.pi)
    }

    /// Check a batch: `theta` holds one d-vector per replicate (replicate-major), finite.
    pub fn check_batch(&self, reps: &[u64], theta: &[f64]) -> Result<()> {
        if theta.len() != reps.len() * self.d {
            return Err(Error::DimensionMismatch {
                what: "theta values (replicates × d)",
                expected: reps.len() * self.d,
                got: theta.len(),
            });
        }
        crate::error::check::all_finite("theta", theta)
    }

    /// Σ_i z_i = G·B·c from the integer counts c (one place, for both sides).
    pub fn sums_from_counts(&self, counts: &[i64]) -> Vec<f64> {
        counts.iter().map(|&c| c as f64 * self.gb).collect()
    }

    /// User `user` of replicate `rep` at θ: writes the clipped gradient into `grad` and returns
    /// (s as bits, whether the report is +G·B·s). The kernel's per-user body, line for line.
    #[inline]
    fn user(&self, key: PhiloxKey, rep: u64, user: u64, theta: &[f64], grad: &mut [f64]) -> (u64, bool) {
        let d = self.d;
        let base = (u64::from(self.round) << 48) | (user << BLOCK_BITS);
        let w = key.block(rep, base);
        let xb = u64::from(w[0]) | (u64::from(w[1]) << 32);
        let sb = u64::from(w[2]) | (u64::from(w[3]) << 32);
        let w = key.block(rep, base + 1);
        let tie = if d % 2 == 0 {
            let word = u64::from(w[0]) | (u64::from(w[1]) << 32);
            ((u128::from(word) * d as u128) >> 64) as usize
        } else {
            d
        };
        let upi = u01(w[2], w[3]);
        let inv_k = 1.0 / self.k as f64;
        let xv = |j: usize| if (xb >> j) & 1 == 1 { 1.0 } else { -1.0 };
        let mut s = 0.0;
        for j in 0..d {
            s += xv(j) * if j < self.k { inv_k } else { 0.0 };
        }
        let y = s + if (xb >> d) & 1 == 1 {
            self.noise
        } else {
            -self.noise
        };
        let yt = clip(y, self.tau2);
        let mut pred = 0.0;
        for (j, t) in theta.iter().enumerate() {
            pred += clip(xv(j), self.tau1) * t;
        }
        let resid = pred - yt;
        let mut dot: i32 = 0;
        let mut tie_agree = false;
        let mut w = [0u32; 4];
        for (j, gj) in grad.iter_mut().enumerate() {
            if j % 2 == 0 {
                w = key.block(rep, base + 2 + (j / 2) as u64);
            }
            let g = clip(clip(xv(j), self.tau1) * resid, self.g);
            *gj = g;
            let u = if j % 2 == 0 {
                u01(w[0], w[1])
            } else {
                u01(w[2], w[3])
            };
            let v = u <= 0.5 + g / (2.0 * self.g);
            let agree = v == ((sb >> j) & 1 == 1);
            dot += if agree { 1 } else { -1 };
            if j == tie {
                tie_agree = agree;
            }
        }
        let in_plus = dot > 0 || (dot == 0 && tie_agree);
        (sb, (upi <= self.pi) == in_plus)
    }

    /// One user's clipped gradient and privatized report (for tests and audits of the twin).
    pub fn user_report(
        &self,
        key: PhiloxKey,
        rep: u64,
        user: u64,
        theta: &[f64],
    ) -> Result<(Vec<f64>, Vec<f64>)> {
        self.check_batch(&[rep], theta)?;
        if user >= self.users {
            return Err(Error::param(
                "user",
                user,
                format!("must lie in 0..{}", self.users),
            ));
        }
        let mut grad = vec![0.0; self.d];
        let (sb, pos) = self.user(key, rep, user, theta, &mut grad);
        let report = (0..self.d)
            .map(|j| {
                if pos == ((sb >> j) & 1 == 1) {
                    self.gb
                } else {
                    -self.gb
                }
            })
            .collect();
        Ok((grad, report))
    }

    /// CPU twin of `vs_ldp_iht_round`: per replicate of `reps`, the sum of the round's reports
    /// at that replicate's θ (`theta`, replicate-major), replicate-major d-vectors.
    pub fn round_cpu(&self, key: PhiloxKey, reps: &[u64], theta: &[f64]) -> Result<Vec<f64>> {
        self.check_batch(reps, theta)?;
        let d = self.d;
        let chunks = self.users.div_ceil(TWIN_CHUNK);
        let tasks = reps.len() as u64 * chunks;
        let parts: Vec<Vec<i64>> = (0..tasks)
            .into_par_iter()
            .map(|t| {
                let (p, c) = ((t / chunks) as usize, t % chunks);
                let th = &theta[p * d..(p + 1) * d];
                let mut grad = vec![0.0; d];
                let mut cnt = vec![0i64; d];
                for i in c * TWIN_CHUNK..((c + 1) * TWIN_CHUNK).min(self.users) {
                    let (sb, pos) = self.user(key, reps[p], i, th, &mut grad);
                    for (j, cj) in cnt.iter_mut().enumerate() {
                        *cj += if pos == ((sb >> j) & 1 == 1) { 1 } else { -1 };
                    }
                }
                cnt
            })
            .collect();
        let mut counts = vec![0i64; reps.len() * d];
        for (t, part) in parts.iter().enumerate() {
            let p = t / chunks as usize;
            for (c, v) in counts[p * d..(p + 1) * d].iter_mut().zip(part) {
                *c += v;
            }
        }
        Ok(self.sums_from_counts(&counts))
    }
}

/// sign(v)·min(|v|, τ), as `f64::clamp` (the library's truncation) computes it.
#[inline]
fn clip(v: f64, tau: f64) -> f64 {
    v.clamp(-tau, tau)
}

/// LDP-IHT for the replicates `reps` of `problem`, all rounds: round t's users on `kernels`
/// ([`Kernels::ldp_iht_round`]), then θ ← P_R(H_k(θ − η·Σz/m_t)) per replicate on the host.
/// Returns the final θ of every replicate, in the order of `reps`.
pub fn iht_batch(
    kernels: &dyn Kernels,
    key: PhiloxKey,
    problem: &IhtProblem,
    reps: &[u64],
) -> Result<Vec<DVector<f64>>> {
    problem.validate()?;
    let d = problem.d;
    let mut thetas: Vec<DVector<f64>> = vec![DVector::zeros(d); reps.len()];
    if reps.is_empty() {
        return Ok(thetas);
    }
    for t in 0..problem.rounds {
        let round = IhtRound::new(problem, t)?;
        let flat: Vec<f64> = thetas.iter().flat_map(|th| th.iter().copied()).collect();
        let sums = kernels.ldp_iht_round(&round, key, reps, &flat)?;
        if sums.len() != flat.len() {
            return Err(Error::DimensionMismatch {
                what: "LDP-IHT round sums (replicates × d)",
                expected: flat.len(),
                got: sums.len(),
            });
        }
        let m = round.users() as f64;
        for (p, theta) in thetas.iter_mut().enumerate() {
            // As `LdpIht::fit`: the mean report, a gradient step, hard thresholding, then the
            // ℓ1 projection.
            let gbar = DVector::from_column_slice(&sums[p * d..(p + 1) * d]) / m;
            let stepped = &*theta - gbar * problem.step;
            *theta = project_l1(&hard_threshold(&stepped, problem.k), problem.l1_radius);
        }
    }
    Ok(thetas)
}

/// CUDA kernel `vs_ldp_iht_round`: one thread per (replicate, run of [`USERS_PER_THREAD`]
/// users), the per-user body of [`IhtRound`]'s twin line for line, integer counts added to the
/// replicate's totals with 64-bit atomics (two's complement: a signed count added as unsigned).
pub const CUDA_SRC: &str = r#"
__device__ __forceinline__ double vs_iht_clip(double v, double tau) {
    return v < -tau ? -tau : (v > tau ? tau : v);
}

extern "C" __global__ void vs_ldp_iht_round(
    vs_u32 k0, vs_u32 k1, const vs_u64* reps, vs_u64 problems, vs_u64 users, vs_u32 round,
    vs_u32 d, vs_u32 k, double noise, double tau1, double tau2, double g, double pi,
    vs_u32 upt, const double* theta, unsigned long long* counts)
{
    vs_u64 chunks = (users + upt - 1) / upt;
    vs_u64 tid = (vs_u64)blockIdx.x * blockDim.x + threadIdx.x;
    if (tid >= problems * chunks) return;
    vs_u64 p = tid / chunks;
    vs_u64 c = tid % chunks;
    vs_u64 rep = reps[p];
    double th[63];
    long long cnt[63];
    for (vs_u32 j = 0; j < d; ++j) { th[j] = theta[p * d + j]; cnt[j] = 0; }
    double inv_k = 1.0 / (double)k;
    vs_u64 lo = c * upt;
    vs_u64 hi = lo + upt < users ? lo + upt : users;
    for (vs_u64 i = lo; i < hi; ++i) {
        vs_u64 base = ((vs_u64)round << 48) | (i << 6);
        vs_u32 w[4];
        vs_block(w, k0, k1, rep, base);
        vs_u64 xb = (vs_u64)w[0] | ((vs_u64)w[1] << 32);
        vs_u64 sb = (vs_u64)w[2] | ((vs_u64)w[3] << 32);
        vs_block(w, k0, k1, rep, base + 1);
        vs_u32 tie = d;
        if (d % 2 == 0) tie = (vs_u32)__umul64hi((vs_u64)w[0] | ((vs_u64)w[1] << 32), (vs_u64)d);
        double upi = vs_u01(w[2], w[3]);
        double s = 0.0;
        for (vs_u32 j = 0; j < d; ++j) {
            double xj = ((xb >> j) & 1) ? 1.0 : -1.0;
            s += xj * (j < k ? inv_k : 0.0);
        }
        double y = s + (((xb >> d) & 1) ? noise : -noise);
        double yt = vs_iht_clip(y, tau2);
        double pred = 0.0;
        for (vs_u32 j = 0; j < d; ++j) {
            double xj = ((xb >> j) & 1) ? 1.0 : -1.0;
            pred += vs_iht_clip(xj, tau1) * th[j];
        }
        double resid = pred - yt;
        int dot = 0;
        int tie_agree = 0;
        for (vs_u32 j = 0; j < d; ++j) {
            if (j % 2 == 0) vs_block(w, k0, k1, rep, base + 2 + j / 2);
            double xj = ((xb >> j) & 1) ? 1.0 : -1.0;
            double gj = vs_iht_clip(vs_iht_clip(xj, tau1) * resid, g);
            double u = (j % 2 == 0) ? vs_u01(w[0], w[1]) : vs_u01(w[2], w[3]);
            int v = u <= 0.5 + gj / (2.0 * g);
            int agree = v == (int)((sb >> j) & 1);
            dot += agree ? 1 : -1;
            if (j == tie) tie_agree = agree;
        }
        int in_plus = dot > 0 || (dot == 0 && tie_agree);
        int pos = (upi <= pi) == in_plus;
        for (vs_u32 j = 0; j < d; ++j) cnt[j] += (pos == (int)((sb >> j) & 1)) ? 1 : -1;
    }
    for (vs_u32 j = 0; j < d; ++j)
        if (cnt[j] != 0) atomicAdd(counts + p * d + j, (unsigned long long)cnt[j]);
}
"#;

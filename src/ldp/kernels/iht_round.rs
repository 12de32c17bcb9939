//! One round of the sequentially interactive LDP-IHT protocol ([`crate::ldp::regression::LdpIht`];
//! Wang & Xu 2019, Algorithm 3, as rectified by Zhu et al. 2024) for a batch of independent
//! problems at once: the users' side, on the device. The server's step and the rounds are the
//! host driver [`iht_batch`](crate::ldp::regression::iht_batch::iht_batch).
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
//! (`iht_batch`) then takes the server's step of Algorithm 3,
//! θ_t = P_R(H_k(θ_{t−1} − η·Σ_i z_i / m_t)), with the library's own `hard_threshold` and
//! `project_l1`.
//!
//! **Users.** The library fits a given data set: it shuffles n users once and cuts them into T
//! disjoint groups. Here every round's users are fresh draws from the design. Since the n users
//! are iid, a uniformly shuffled split into groups of sizes m_1, …, m_T (the library's sizes,
//! ⌊tn/T⌋ boundaries) is T independent iid samples of those sizes: the two are the same
//! distribution, and each simulated user still reports once (ε-LDP by parallel composition).
//!
//! **Random numbers.** Philox-4x32-10 ([`crate::device::philox`]) keyed by (seed, claim and sweep
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

use crate::device::philox::{PhiloxKey, u01};
use crate::device::{KernelJob, KernelSource};
use crate::error::{Error, Result};
use crate::ldp::mechanisms::DuchiLinf;
use crate::ldp::regression::iht::{IhtProblem, gradient_bound};
use rayon::prelude::*;

/// The kernel's registry entry.
pub const SOURCE: KernelSource = KernelSource {
    kernels: &[KERNEL],
    cuda: || CUDA_SRC.into(),
};

/// The kernel's name.
const KERNEL: &str = "vs_ldp_iht_round";

/// Users per GPU thread (each thread accumulates its users' integer counts, then adds them to
/// the problem's totals with one atomic per coordinate).
pub const USERS_PER_THREAD: u32 = 64;

/// Users per task of the CPU twin.
const TWIN_CHUNK: u64 = 4096;

/// Bits of the block index below the user index (Philox blocks per user: 2 + ⌈d/2⌉ ≤ 34 < 64).
const BLOCK_BITS: u32 = 6;

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
    fn user(
        &self,
        key: PhiloxKey,
        rep: u64,
        user: u64,
        theta: &[f64],
        grad: &mut [f64],
    ) -> (u64, bool) {
        let d = self.d;
        let base = (u64::from(self.round) << 48) | (user << BLOCK_BITS);
        let w = key.block(rep, base);
        let xb = u64::from(w[0]) | (u64::from(w[1]) << 32);
        let sb = u64::from(w[2]) | (u64::from(w[3]) << 32);
        let w = key.block(rep, base + 1);
        let tie = if d.is_multiple_of(2) {
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

/// One LDP-IHT round for the replicates `reps` at their current θ (`theta`, one d-vector per
/// replicate, replicate-major): the sums of the round's Duchi reports, replicate-major. Twin and
/// kernel draw the same Philox numbers and accumulate exact integer counts, so they agree bit
/// for bit.
#[derive(Debug, Clone, Copy)]
pub struct IhtRoundBatch<'a> {
    /// The round.
    pub round: &'a IhtRound,
    /// The users' key.
    pub key: PhiloxKey,
    /// Replicate indices.
    pub reps: &'a [u64],
    /// θ of every replicate.
    pub theta: &'a [f64],
}

impl KernelJob for IhtRoundBatch<'_> {
    type Output = Vec<f64>;

    fn run_cpu(&self) -> Result<Vec<f64>> {
        self.round.round_cpu(self.key, self.reps, self.theta)
    }

    /// One thread per (replicate, run of [`USERS_PER_THREAD`] users), 128 per block.
    #[cfg(feature = "cuda")]
    fn run_cuda(&self, gpu: &crate::device::cuda::Gpu) -> Result<Vec<f64>> {
        use crate::device::cuda::launch::{blocks, error, to_u32};
        use cudarc::driver::PushKernelArg;
        let (round, reps, theta) = (self.round, self.reps, self.theta);
        round.check_batch(reps, theta)?;
        if reps.is_empty() {
            return Ok(Vec::new());
        }
        let d = round.dim();
        let d32 = to_u32(d, "d")?;
        let k32 = to_u32(round.sparsity(), "k")?;
        let problems = reps.len() as u64;
        let users = round.users();
        let chunks = users.div_ceil(u64::from(USERS_PER_THREAD));
        let threads = 128u32;
        let total = problems
            .checked_mul(chunks)
            .ok_or_else(|| Error::param("replicates", problems, "too many threads"))?;
        let grid = u32::try_from(total.div_ceil(u64::from(threads))).map_err(|_| {
            Error::param(
                "replicates",
                problems,
                "replicates × users exceed the kernel's grid",
            )
        })?;
        let (noise, tau1, tau2) = round.design();
        let (g, _, pi) = round.mechanism();
        let r32 = round.round();
        let [k0, k1] = self.key.0;
        let f = gpu.function(KERNEL)?;
        let reps_d = gpu.upload(reps, "replicate indices")?;
        let theta_d = gpu.upload(theta, "θ")?;
        let mut counts = gpu.zeros::<u64>(reps.len() * d, "report counts")?;
        let mut l = gpu.stream().launch_builder(&f);
        l.arg(&k0).arg(&k1).arg(&reps_d).arg(&problems).arg(&users);
        l.arg(&r32).arg(&d32).arg(&k32);
        l.arg(&noise).arg(&tau1).arg(&tau2).arg(&g).arg(&pi);
        l.arg(&USERS_PER_THREAD).arg(&theta_d).arg(&mut counts);
        // SAFETY: argument types and order match vs_ldp_iht_round; reps holds `problems`
        // indices, theta and counts hold problems·d values, the most the kernel reads or writes.
        unsafe { l.launch(blocks((grid, 1), threads, 0)) }
            .map_err(|e| error("launching vs_ldp_iht_round", e))?;
        let c = gpu.download(&counts, "report counts")?;
        gpu.sync()?;
        // The kernel adds signed counts as two's-complement u64: reinterpret.
        let c: Vec<i64> = c.into_iter().map(|v| v as i64).collect();
        Ok(round.sums_from_counts(&c))
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng;
    use rand::RngExt;

    fn problem(n: u64, epsilon: f64, d: usize, k: usize, rounds: usize) -> IhtProblem {
        IhtProblem {
            n,
            epsilon,
            d,
            k,
            noise: 0.5,
            rounds,
            step: 1.0,
            tau1: 1.0,
            tau2: 1.5,
            l1_radius: 2.0,
        }
    }

    /// Check (a): every report is ±G·B per coordinate, the round's sums are G·B times the
    /// reports' signs summed, and Duchi's mechanism is unbiased: the mean report of N users
    /// equals their mean clipped gradient within 5 standard errors per coordinate (Var of a
    /// report coordinate given the gradient is (GB)² − g²). At θ = 0 the gradient is −x·y
    /// (no clipping binds), whose mean is −θ*: the users are the design's.
    #[test]
    fn reports_are_unbiased_two_valued_and_sum_to_the_round_sums() {
        let users = 40_000u64;
        for (d, k) in [(5, 2), (4, 2)] {
            let pr = problem(users, 1.0, d, k, 1);
            let round = IhtRound::new(&pr, 0).unwrap();
            let (g, gb, _) = round.mechanism();
            assert_eq!(g, 3.5);
            let key = PhiloxKey::new(3, "iht-unbiased");
            let mut r = rng::stream(3, "iht-theta", d as u64);
            let random: Vec<f64> = (0..d).map(|_| r.random::<f64>() - 0.5).collect();
            let star: Vec<f64> = pr.theta_star().unwrap().iter().copied().collect();
            for theta in [vec![0.0; d], random, star.clone()] {
                let n = users as f64;
                let (mut mg, mut mz, mut vz) = (vec![0.0; d], vec![0.0; d], vec![0.0; d]);
                let mut signs = vec![0.0; d];
                for i in 0..users {
                    let (grad, rep) = round.user_report(key, 7, i, &theta).unwrap();
                    for j in 0..d {
                        assert!(rep[j] == gb || rep[j] == -gb, "report {}", rep[j]);
                        assert!(grad[j].abs() <= g);
                        mg[j] += grad[j] / n;
                        mz[j] += rep[j] / n;
                        vz[j] += (gb * gb - grad[j] * grad[j]) / n;
                        signs[j] += rep[j] / gb;
                    }
                }
                for j in 0..d {
                    let se = (vz[j] / n).sqrt();
                    assert!(
                        (mz[j] - mg[j]).abs() < 5.0 * se,
                        "d={d} j={j}: mean report {} vs mean gradient {} (se {se})",
                        mz[j],
                        mg[j]
                    );
                }
                let sums = round.round_cpu(key, &[7], &theta).unwrap();
                let want: Vec<f64> = signs.iter().map(|c| c * gb).collect();
                assert_eq!(sums, want);
                if theta.iter().all(|t| *t == 0.0) {
                    // E g = −E[x y] = −θ*, Var g_j ≤ E y² ≤ 1.5².
                    for j in 0..d {
                        let se = 1.5 / n.sqrt();
                        assert!((mg[j] + star[j]).abs() < 5.0 * se, "j={j}: {}", mg[j]);
                    }
                }
            }
        }
    }

    /// Same numbers whatever the thread count, and replicate r's sums do not depend on which
    /// other replicates share the batch.
    #[test]
    fn rounds_are_thread_count_and_batch_independent() {
        let pr = problem(30_000, 0.5, 6, 3, 3);
        let round = IhtRound::new(&pr, 2).unwrap();
        let key = PhiloxKey::new(9, "iht-threads");
        let reps = [4u64, 0, 1 << 40];
        let mut r = rng::stream(9, "iht-theta", 0);
        let theta: Vec<f64> = (0..reps.len() * 6)
            .map(|_| r.random::<f64>() - 0.5)
            .collect();
        let all = round.round_cpu(key, &reps, &theta).unwrap();
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| round.round_cpu(key, &reps, &theta).unwrap());
        assert_eq!(all, one);
        let alone = round.round_cpu(key, &reps[2..], &theta[12..]).unwrap();
        assert_eq!(&all[12..], &alone[..]);
        // Different rounds and replicates draw different users.
        assert_ne!(&all[..6], &all[6..12]);
        let other = IhtRound::new(&pr, 1).unwrap();
        assert_ne!(other.round_cpu(key, &reps, &theta).unwrap(), all);
    }
}

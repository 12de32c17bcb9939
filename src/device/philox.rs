//! Philox-4x32-10, the counter-based generator of Salmon, Moraes, Dror & Shaw, "Parallel random
//! numbers: as easy as 1, 2, 3" (SC 2011; the Random123 library), with the uniform, normal,
//! gamma and Poisson draws the kernels use.
//!
//! A counter-based generator is a keyed bijection of a 128-bit counter, so any draw of any
//! replicate can be computed directly from (key, replicate, position) without stepping a state:
//! a GPU thread per replicate and a CPU thread per replicate read the same numbers, whatever the
//! thread, shard or device layout. The layout used throughout veristat's kernels:
//!
//! * key (2 × 32 bits) = SplitMix64(seed ⊕ FNV-1a(claim label)) — the same hash that keys the
//!   ChaCha streams of [`crate::rng`];
//! * counter = (block low, block high, stream low, stream high), where the stream is the
//!   replicate (or user) index and the block is the position inside that stream.
//!
//! Every function here has a line-for-line twin in [`CUDA_PRELUDE`]; the kernels are compiled with
//! `--fmad=false` so that the basic arithmetic rounds identically on both sides, leaving only the
//! last-ulp differences of `log`, `sqrt`, `sin`, `cos` and `pow` between CUDA's libdevice and the
//! host's libm.

use crate::rng::{fnv1a64, splitmix64};

/// Philox-4x32 round multipliers (Random123 `PHILOX_M4x32_0`, `PHILOX_M4x32_1`).
const M0: u32 = 0xD251_1F53;
const M1: u32 = 0xCD9E_8D57;
/// Weyl key increments (golden ratio and √3 − 1 in 0.32 fixed point).
const W0: u32 = 0x9E37_79B9;
const W1: u32 = 0xBB67_AE85;

/// 2⁻⁵³: the spacing of the 53-bit uniforms.
const TWO_POW_M53: f64 = 1.0 / 9_007_199_254_740_992.0;

/// `rounds` rounds of Philox-4x32 on `ctr` under `key` (Random123's `philox4x32_R`; 10 is the
/// recommended and the only count the kernels use; 7 is exposed for the published 7-round
/// known-answer vectors).
pub fn philox4x32(ctr: [u32; 4], key: [u32; 2], rounds: u32) -> [u32; 4] {
    let (mut c, mut k) = (ctr, key);
    for r in 0..rounds {
        if r > 0 {
            k[0] = k[0].wrapping_add(W0);
            k[1] = k[1].wrapping_add(W1);
        }
        let p0 = u64::from(M0) * u64::from(c[0]);
        let p1 = u64::from(M1) * u64::from(c[2]);
        let (hi0, lo0) = ((p0 >> 32) as u32, p0 as u32);
        let (hi1, lo1) = ((p1 >> 32) as u32, p1 as u32);
        c = [hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0];
    }
    c
}

/// Philox-4x32-10.
pub fn philox4x32_10(ctr: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    philox4x32(ctr, key, 10)
}

/// The 64-bit Philox key of a (seed, claim label) pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhiloxKey(pub [u32; 2]);

impl PhiloxKey {
    /// SplitMix64(seed ⊕ FNV-1a(label)), split low word first: the same mixing as
    /// [`crate::rng::key`], so a claim's ChaCha and Philox keys derive from one documented hash.
    pub fn new(seed: u64, label: &str) -> Self {
        let k = splitmix64(seed ^ fnv1a64(label.as_bytes()));
        Self([k as u32, (k >> 32) as u32])
    }

    /// Block `block` of stream `stream`.
    #[inline]
    pub fn block(&self, stream: u64, block: u64) -> [u32; 4] {
        philox4x32_10(
            [
                block as u32,
                (block >> 32) as u32,
                stream as u32,
                (stream >> 32) as u32,
            ],
            self.0,
        )
    }

    /// Normals 2·`pair` and 2·`pair` + 1 of stream `stream`, drawn directly (what a fresh
    /// [`PhiloxStream`] returns from its `2·pair`-th and `2·pair + 1`-th `normal()` calls when
    /// it draws nothing else): the LDP kernel uses this to give every (user, message entry) its
    /// own noise without stepping through the earlier entries.
    #[inline]
    pub fn normal_pair(&self, stream: u64, pair: u64) -> (f64, f64) {
        let w = self.block(stream, pair);
        box_muller(u01(w[0], w[1]), u01(w[2], w[3]))
    }
}

/// A uniform on (0, 1] with 53 random bits: the top 27 bits of `a` and the top 26 of `b` form
/// k ∈ [0, 2⁵³), and u = (k + 1)·2⁻⁵³. Both steps are exact in f64, and u is never 0, so
/// `ln u` is always finite (Box–Muller and the gamma acceptance test take logarithms).
#[inline]
pub fn u01(a: u32, b: u32) -> f64 {
    let k = (u64::from(a >> 5) << 26) | u64::from(b >> 6);
    (k as f64 + 1.0) * TWO_POW_M53
}

/// Box–Muller: two independent standard normals from two uniforms on (0, 1].
#[inline]
pub fn box_muller(u1: f64, u2: f64) -> (f64, f64) {
    let r = (-2.0 * u1.ln()).sqrt();
    let t = std::f64::consts::TAU * u2;
    (r * t.cos(), r * t.sin())
}

/// One replicate's (or one user's) sequential stream of draws.
///
/// Uniforms come two per Philox block; normals come two per pair of uniforms (Box–Muller, the
/// sine half kept for the next call). The state machine is copied exactly by the CUDA struct
/// `vs_stream` so the kernels consume the same blocks in the same order.
#[derive(Debug, Clone)]
pub struct PhiloxStream {
    key: PhiloxKey,
    stream: u64,
    block: u64,
    u: [f64; 2],
    left: usize,
    spare: f64,
    has_spare: bool,
}

impl PhiloxStream {
    /// Stream `stream` (replicate or user index) under `key`, from block 0.
    pub fn new(key: PhiloxKey, stream: u64) -> Self {
        Self {
            key,
            stream,
            block: 0,
            u: [0.0; 2],
            left: 0,
            spare: 0.0,
            has_spare: false,
        }
    }

    /// Next uniform on (0, 1].
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        if self.left == 0 {
            let w = self.key.block(self.stream, self.block);
            self.block += 1;
            self.u = [u01(w[0], w[1]), u01(w[2], w[3])];
            self.left = 2;
        }
        let v = self.u[2 - self.left];
        self.left -= 1;
        v
    }

    /// Next standard normal.
    #[inline]
    pub fn normal(&mut self) -> f64 {
        if self.has_spare {
            self.has_spare = false;
            return self.spare;
        }
        let u1 = self.uniform();
        let u2 = self.uniform();
        let (z0, z1) = box_muller(u1, u2);
        self.spare = z1;
        self.has_spare = true;
        z0
    }

    /// Gamma(shape, 1) by Marsaglia & Tsang (2000) for shape ≥ 1; below 1 the boost
    /// Gamma(a) = Gamma(a + 1)·U^{1/a}. `shape` must be positive and finite (callers validate).
    pub fn gamma(&mut self, shape: f64) -> f64 {
        if shape < 1.0 {
            let g = self.gamma(shape + 1.0);
            let u = self.uniform();
            return g * u.powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = self.uniform();
            let x2 = x * x;
            if u < 1.0 - 0.0331 * (x2 * x2) {
                return d * v;
            }
            if u.ln() < 0.5 * x2 + d * (1.0 - v + v.ln()) {
                return d * v;
            }
        }
    }

    /// Poisson(mu), exact: for mu < 10 Knuth's multiplication method (the count of uniforms
    /// whose running product stays above e^{-mu}; Knuth, TAOCP vol. 2, §3.4.1), for mu >= 10
    /// the transformed rejection with squeeze PTRS of Hörmann, "The transformed rejection method
    /// for generating Poisson random variables", Insurance: Mathematics and Economics 12 (1993)
    /// 39–45, with its constants (as numpy's `random_poisson_ptrs`). The acceptance test uses
    /// [`ln_factorial`]. Returns the count as an f64 (exact below 2⁵³). `mu` must be finite and
    /// non-negative (callers validate).
    pub fn poisson(&mut self, mu: f64) -> f64 {
        if mu < 10.0 {
            let enlam = (-mu).exp();
            let mut x = 0.0;
            let mut prod = 1.0;
            loop {
                prod *= self.uniform();
                if prod > enlam {
                    x += 1.0;
                } else {
                    return x;
                }
            }
        }
        let slam = mu.sqrt();
        let loglam = mu.ln();
        let b = 0.931 + 2.53 * slam;
        let a = -0.059 + 0.02483 * b;
        let invalpha = 1.1239 + 1.1328 / (b - 3.4);
        let vr = 0.9277 - 3.6224 / (b - 2.0);
        loop {
            let u = self.uniform() - 0.5;
            let v = self.uniform();
            let us = 0.5 - u.abs();
            let k = ((2.0 * a / us + b) * u + mu + 0.43).floor();
            if us >= 0.07 && v <= vr {
                return k;
            }
            if k < 0.0 || (us < 0.013 && v > us) {
                continue;
            }
            if v.ln() + invalpha.ln() - (a / (us * us) + b).ln()
                <= -mu + k * loglam - ln_factorial(k)
            {
                return k;
            }
        }
    }
}

/// ln k! for k = 0..9, correctly rounded (computed at 40 digits).
const LN_FACT: [f64; 10] = [
    0.0,
    0.0,
    std::f64::consts::LN_2,
    1.791759469228055,
    3.1780538303479458,
    4.787491742782046,
    6.579251212010101,
    8.525161361065415,
    10.60460290274525,
    12.801827480081469,
];

/// ln k! for a non-negative integer k held in an f64: the table below 10, else Stirling's
/// series at x = k + 1 ≥ 11 (DLMF 5.11.1), ln Γ(x) = (x − ½) ln x − x + ½ ln 2π + 1/(12x) −
/// 1/(360x³) + 1/(1260x⁵) − 1/(1680x⁷) + 1/(1188x⁹); the first omitted term, 691/(360360x¹¹),
/// is below 7e-15, about 2 ulp of ln k! ≥ 15.
#[inline]
pub fn ln_factorial(k: f64) -> f64 {
    if k < 10.0 {
        return LN_FACT[k as usize];
    }
    let x = k + 1.0;
    let r = 1.0 / x;
    let r2 = r * r;
    let series = r
        * (1.0 / 12.0
            - r2 * (1.0 / 360.0 - r2 * (1.0 / 1260.0 - r2 * (1.0 / 1680.0 - r2 / 1188.0))));
    (x - 0.5) * x.ln() - x + 0.9189385332046727 + series
}

/// CUDA twin of this module, prepended to every kernel program. Same constants, same counter
/// layout, same uniform and Box–Muller arithmetic, same stream state machine.
pub const CUDA_PRELUDE: &str = r#"
typedef unsigned int vs_u32;
typedef unsigned long long vs_u64;

__device__ __forceinline__ void vs_philox(vs_u32 c[4], vs_u32 k0, vs_u32 k1) {
    for (int r = 0; r < 10; ++r) {
        if (r > 0) { k0 += 0x9E3779B9u; k1 += 0xBB67AE85u; }
        vs_u32 hi0 = __umulhi(0xD2511F53u, c[0]), lo0 = 0xD2511F53u * c[0];
        vs_u32 hi1 = __umulhi(0xCD9E8D57u, c[2]), lo1 = 0xCD9E8D57u * c[2];
        vs_u32 n0 = hi1 ^ c[1] ^ k0, n2 = hi0 ^ c[3] ^ k1;
        c[0] = n0; c[1] = lo1; c[2] = n2; c[3] = lo0;
    }
}

__device__ __forceinline__ void vs_block(vs_u32 w[4], vs_u32 k0, vs_u32 k1, vs_u64 stream, vs_u64 block) {
    w[0] = (vs_u32)block; w[1] = (vs_u32)(block >> 32);
    w[2] = (vs_u32)stream; w[3] = (vs_u32)(stream >> 32);
    vs_philox(w, k0, k1);
}

/* (k + 1) * 2^-53 with k the top 27 bits of a and the top 26 of b: in (0, 1]. */
__device__ __forceinline__ double vs_u01(vs_u32 a, vs_u32 b) {
    vs_u64 k = ((vs_u64)(a >> 5) << 26) | (vs_u64)(b >> 6);
    return ((double)k + 1.0) * 1.1102230246251565e-16;
}

__device__ __forceinline__ void vs_box_muller(double u1, double u2, double* z0, double* z1) {
    double r = sqrt(-2.0 * log(u1));
    double t = 6.283185307179586 * u2;
    *z0 = r * cos(t);
    *z1 = r * sin(t);
}

__device__ __forceinline__ void vs_normal_pair(vs_u32 k0, vs_u32 k1, vs_u64 stream, vs_u64 pair, double* z0, double* z1) {
    vs_u32 w[4];
    vs_block(w, k0, k1, stream, pair);
    vs_box_muller(vs_u01(w[0], w[1]), vs_u01(w[2], w[3]), z0, z1);
}

struct vs_stream {
    vs_u32 k0, k1;
    vs_u64 stream, block;
    double u[2];
    int left;
    double spare;
    int has_spare;
};

__device__ __forceinline__ void vs_stream_init(vs_stream* s, vs_u32 k0, vs_u32 k1, vs_u64 stream) {
    s->k0 = k0; s->k1 = k1; s->stream = stream; s->block = 0;
    s->u[0] = 0.0; s->u[1] = 0.0; s->left = 0; s->spare = 0.0; s->has_spare = 0;
}

__device__ __forceinline__ double vs_uniform(vs_stream* s) {
    if (s->left == 0) {
        vs_u32 w[4];
        vs_block(w, s->k0, s->k1, s->stream, s->block);
        s->block += 1;
        s->u[0] = vs_u01(w[0], w[1]);
        s->u[1] = vs_u01(w[2], w[3]);
        s->left = 2;
    }
    double v = s->u[2 - s->left];
    s->left -= 1;
    return v;
}

__device__ __forceinline__ double vs_normal(vs_stream* s) {
    if (s->has_spare) { s->has_spare = 0; return s->spare; }
    double u1 = vs_uniform(s);
    double u2 = vs_uniform(s);
    double z0, z1;
    vs_box_muller(u1, u2, &z0, &z1);
    s->spare = z1;
    s->has_spare = 1;
    return z0;
}

/* Marsaglia-Tsang for shape >= 1, boosted below 1 (one level: shape + 1 >= 1). */
__device__ double vs_gamma(vs_stream* s, double shape) {
    double boost = 1.0;
    int boosted = 0;
    double a = shape;
    if (a < 1.0) { a = shape + 1.0; boosted = 1; }
    double d = a - 1.0 / 3.0;
    double c = 1.0 / sqrt(9.0 * d);
    double g;
    for (;;) {
        double x = vs_normal(s);
        double v = 1.0 + c * x;
        if (v <= 0.0) continue;
        v = v * v * v;
        double u = vs_uniform(s);
        double x2 = x * x;
        if (u < 1.0 - 0.0331 * (x2 * x2)) { g = d * v; break; }
        if (log(u) < 0.5 * x2 + d * (1.0 - v + log(v))) { g = d * v; break; }
    }
    if (boosted) {
        double u = vs_uniform(s);
        boost = pow(u, 1.0 / shape);
        return g * boost;
    }
    return g;
}

/* ln k! : table below 10, Stirling's series at x = k + 1 >= 11 (as ln_factorial). */
__device__ __forceinline__ double vs_ln_factorial(double k) {
    const double t[10] = {0.0, 0.0, 0.6931471805599453, 1.791759469228055, 3.1780538303479458,
        4.787491742782046, 6.579251212010101, 8.525161361065415, 10.60460290274525,
        12.801827480081469};
    if (k < 10.0) return t[(int)k];
    double x = k + 1.0;
    double r = 1.0 / x;
    double r2 = r * r;
    double series = r * (1.0 / 12.0 - r2 * (1.0 / 360.0 - r2 * (1.0 / 1260.0 - r2 * (1.0 / 1680.0 - r2 / 1188.0))));
    return (x - 0.5) * log(x) - x + 0.9189385332046727 + series;
}

/* Poisson(mu): Knuth's multiplication below 10, Hormann's PTRS (1993) from 10 (as poisson). */
__device__ double vs_poisson(vs_stream* s, double mu) {
    if (mu < 10.0) {
        double enlam = exp(-mu);
        double x = 0.0;
        double prod = 1.0;
        for (;;) {
            prod *= vs_uniform(s);
            if (prod > enlam) { x += 1.0; } else { return x; }
        }
    }
    double slam = sqrt(mu);
    double loglam = log(mu);
    double b = 0.931 + 2.53 * slam;
    double a = -0.059 + 0.02483 * b;
    double invalpha = 1.1239 + 1.1328 / (b - 3.4);
    double vr = 0.9277 - 3.6224 / (b - 2.0);
    for (;;) {
        double u = vs_uniform(s) - 0.5;
        double v = vs_uniform(s);
        double us = 0.5 - fabs(u);
        double k = floor((2.0 * a / us + b) * u + mu + 0.43);
        if (us >= 0.07 && v <= vr) return k;
        if (k < 0.0 || (us < 0.013 && v > us)) continue;
        if (log(v) + log(invalpha) - log(a / (us * us) + b) <= -mu + k * loglam - vs_ln_factorial(k))
            return k;
    }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    /// Random123 `tests/kat_vectors`, the `philox4x32 10` and `philox4x32 7` rows: counter[4],
    /// key[2], expected output[4].
    #[allow(clippy::type_complexity)]
    const KAT: [(u32, [u32; 4], [u32; 2], [u32; 4]); 6] = [
        (
            10,
            [0, 0, 0, 0],
            [0, 0],
            [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8],
        ),
        (
            10,
            [0xffff_ffff; 4],
            [0xffff_ffff; 2],
            [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd],
        ),
        (
            10,
            [0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344],
            [0xa409_3822, 0x299f_31d0],
            [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1],
        ),
        (
            7,
            [0, 0, 0, 0],
            [0, 0],
            [0x5f6f_b709, 0x0d89_3f64, 0x4f12_1f81, 0x4f73_0a48],
        ),
        (
            7,
            [0xffff_ffff; 4],
            [0xffff_ffff; 2],
            [0x5207_ddc2, 0x4516_5e59, 0x4d8e_e751, 0x8c52_f662],
        ),
        (
            7,
            [0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344],
            [0xa409_3822, 0x299f_31d0],
            [0x4dfc_caba, 0x190a_87f0, 0xc473_62ba, 0xb6b5_242a],
        ),
    ];

    #[test]
    fn random123_known_answers() {
        for (rounds, ctr, key, want) in KAT {
            assert_eq!(
                philox4x32(ctr, key, rounds),
                want,
                "philox4x32-{rounds} {ctr:08x?} {key:08x?}"
            );
        }
    }

    #[test]
    fn counter_layout_puts_the_stream_in_the_high_words() {
        // KAT 3 read through the (stream, block) layout: block = ctr[0] | ctr[1] << 32,
        // stream = ctr[2] | ctr[3] << 32.
        let key = PhiloxKey([0xa409_3822, 0x299f_31d0]);
        let block = 0x85a3_08d3_243f_6a88u64;
        let stream = 0x0370_7344_1319_8a2eu64;
        assert_eq!(
            key.block(stream, block),
            [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1]
        );
    }

    #[test]
    fn uniforms_cover_zero_one_exclusive_of_zero() {
        assert_eq!(u01(0, 0), TWO_POW_M53);
        assert_eq!(u01(u32::MAX, u32::MAX), 1.0);
        // The 53 bits are the top 27 of a then the top 26 of b.
        assert_eq!(u01(1 << 5, 0), ((1u64 << 26) as f64 + 1.0) * TWO_POW_M53);
        assert_eq!(u01(0, 1 << 6), 2.0 * TWO_POW_M53);
    }

    #[test]
    fn replicate_streams_do_not_depend_on_order() {
        let key = PhiloxKey::new(7, "expfam-risk-expansion");
        // Stream 3 drawn alone equals stream 3 drawn after streams 0..3.
        let mut alone = PhiloxStream::new(key, 3);
        let x: Vec<f64> = (0..9).map(|_| alone.normal()).collect();
        let mut y = Vec::new();
        for s in 0..4 {
            let mut st = PhiloxStream::new(key, s);
            let v: Vec<f64> = (0..9).map(|_| st.normal()).collect();
            if s == 3 {
                y = v;
            }
        }
        assert_eq!(x, y);
        // Direct pair access equals the sequential stream.
        let mut st = PhiloxStream::new(key, 11);
        let seq: Vec<f64> = (0..6).map(|_| st.normal()).collect();
        for p in 0..3 {
            let (z0, z1) = key.normal_pair(11, p);
            assert_eq!((z0, z1), (seq[2 * p as usize], seq[2 * p as usize + 1]));
        }
        assert_ne!(PhiloxKey::new(7, "a"), PhiloxKey::new(7, "b"));
        assert_ne!(PhiloxKey::new(7, "a"), PhiloxKey::new(8, "a"));
    }

    /// Moments of 2·10⁵ draws against the exact ones, each within 5 standard errors (the
    /// standard errors are the exact ones of the sample moments).
    #[test]
    fn normal_and_gamma_moments() {
        let key = PhiloxKey::new(1, "philox-moments");
        let n = 200_000;
        let mut st = PhiloxStream::new(key, 0);
        let z: Vec<f64> = (0..n).map(|_| st.normal()).collect();
        let nf = n as f64;
        let m1 = z.iter().sum::<f64>() / nf;
        let m2 = z.iter().map(|v| v * v).sum::<f64>() / nf;
        let m4 = z.iter().map(|v| v.powi(4)).sum::<f64>() / nf;
        assert!(m1.abs() < 5.0 / nf.sqrt(), "mean {m1}");
        assert!((m2 - 1.0).abs() < 5.0 * 2f64.sqrt() / nf.sqrt(), "var {m2}");
        assert!((m4 - 3.0).abs() < 5.0 * 96f64.sqrt() / nf.sqrt(), "m4 {m4}");
        for shape in [0.5, 1.0, 4.0] {
            let mut st = PhiloxStream::new(key, 1);
            let g: Vec<f64> = (0..n).map(|_| st.gamma(shape)).collect();
            let mean = g.iter().sum::<f64>() / nf;
            let var = g.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (nf - 1.0);
            // Var of the sample mean = shape/n; of the sample variance ≈ (μ4 − σ⁴)/n with
            // μ4 = 3k² + 6k for Gamma(k, 1).
            assert!(
                (mean - shape).abs() < 5.0 * (shape / nf).sqrt(),
                "{shape}: mean {mean}"
            );
            let mu4 = 3.0 * shape * shape + 6.0 * shape;
            assert!(
                (var - shape).abs() < 5.0 * ((mu4 - shape * shape) / nf).sqrt(),
                "{shape}: var {var}"
            );
        }
    }
    #[test]
    fn ln_factorial_matches_ln_gamma() {
        for k in 0..400u32 {
            let kf = f64::from(k);
            let want = statrs::function::gamma::ln_gamma(kf + 1.0);
            let got = ln_factorial(kf);
            assert!(
                (got - want).abs() <= 1e-14 * want.abs().max(1.0),
                "ln {k}! = {got}, ln_gamma {want}"
            );
        }
        // Exact small values: ln 5! = ln 120.
        assert_eq!(ln_factorial(5.0), 120f64.ln());
        assert!((ln_factorial(1e6) - statrs::function::gamma::ln_gamma(1e6 + 1.0)).abs() < 1e-8);
    }

    /// Mean and variance of 2·10⁵ Poisson draws within 5 standard errors of μ (both branches and
    /// the switch at 10), and the frequencies of the values near the mode against the closed-form
    /// pmf e^{-μ}μᵏ/k! (statrs' ln Γ, not the sampler's table), each within 5 binomial SE.
    #[test]
    fn poisson_moments_and_pmf() {
        let key = PhiloxKey::new(3, "philox-poisson");
        let n = 200_000;
        let nf = n as f64;
        for (i, mu) in [0.0, 0.4, 3.0, 9.99, 10.0, 27.5, 5000.0]
            .into_iter()
            .enumerate()
        {
            let mut st = PhiloxStream::new(key, i as u64);
            let x: Vec<f64> = (0..n).map(|_| st.poisson(mu)).collect();
            assert!(x.iter().all(|v| *v >= 0.0 && v.fract() == 0.0), "{mu}");
            let mean = x.iter().sum::<f64>() / nf;
            let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (nf - 1.0);
            if mu == 0.0 {
                assert_eq!((mean, var), (0.0, 0.0));
                continue;
            }
            assert!(
                (mean - mu).abs() < 5.0 * (mu / nf).sqrt(),
                "{mu}: mean {mean}"
            );
            // Var of the sample variance ≈ (μ4 − σ⁴)/n, μ4 = μ(1 + 3μ) for Poisson.
            let mu4 = mu * (1.0 + 3.0 * mu);
            assert!(
                (var - mu).abs() < 5.0 * ((mu4 - mu * mu) / nf).sqrt(),
                "{mu}: var {var}"
            );
            let mode = mu.floor();
            let lo = (mode - 2.0 * mu.sqrt()).max(0.0) as u64;
            let hi = (mode + 2.0 * mu.sqrt()) as u64;
            for k in lo..=hi {
                let kf = k as f64;
                let p = (-mu + kf * mu.ln() - statrs::function::gamma::ln_gamma(kf + 1.0)).exp();
                let f = x.iter().filter(|v| **v == kf).count() as f64 / nf;
                assert!(
                    (f - p).abs() < 5.0 * (p * (1.0 - p) / nf).sqrt() + 1e-12,
                    "mu {mu}, k {k}: frequency {f}, pmf {p}"
                );
            }
        }
    }
}

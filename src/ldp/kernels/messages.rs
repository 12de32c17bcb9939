//! The users' side of the non-interactive LDP regression ([`crate::ldp::regression::Nldp`],
//! Zhu et al. 2024, Algorithm 1 steps 1–4) and the server's aggregation, for n users at once.
//!
//! User i clips x at τ₁ (x̃), shrinks x̃ into the ℓ2 ball of radius r when r is set (x̄), clips y
//! at τ₂ (ỹ) and releases the upper triangle of x̄x̄ᵀ + σ₁N₁ and x̃ỹ + σ₂N₂ (only the second with
//! public covariates). The server sums the messages. The Gaussian noise of entry e of user i is
//! normal e of Philox stream i (pair ⌊e/2⌋ of [`PhiloxKey::normal_pair`]), so a user's message
//! does not depend on how users are split across threads, blocks or devices.
//!
//! Summation order is fixed so that the GPU and the CPU twin add the same numbers in the same
//! order: users in chunks of [`CHUNK`], each chunk summed in user order, then the chunk sums in
//! chunk order. A cuBLAS SYRK would form Σx̄x̄ᵀ faster, but the noise has to be generated and
//! added per user and entry anyway, and SYRK's internal order is unspecified; the fused
//! reduction keeps the GPU within a few ulps of the twin.

use crate::device::philox::PhiloxKey;
use crate::device::{KernelJob, KernelSource};
use crate::error::{Error, Result};
use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;

/// The kernels' registry entry.
pub const SOURCE: KernelSource = KernelSource {
    kernels: &[FEATURES, CHUNK_SUMS, REDUCE],
    cuda: || CUDA_SRC.into(),
};

const FEATURES: &str = "vs_ldp_features";
const CHUNK_SUMS: &str = "vs_ldp_chunk_sums";
const REDUCE: &str = "vs_ldp_reduce";

/// Users per chunk of the fixed-order reduction.
pub const CHUNK: usize = 256;

/// What every user does, and the noise scales.
#[derive(Debug, Clone, PartialEq)]
pub struct LdpMessages {
    d: usize,
    public: bool,
    tau1: f64,
    tau2: f64,
    radius: Option<f64>,
    sigma1: f64,
    sigma2: f64,
}

/// The server's sums of n users' messages.
#[derive(Debug, Clone, PartialEq)]
pub struct LdpSums {
    /// Users.
    pub n: u64,
    /// Dimension.
    pub d: usize,
    /// Summed entries: the upper triangle of Σ(x̄x̄ᵀ + N₁), row-major with the diagonal (absent
    /// with public covariates), then Σ(x̃ỹ + N₂).
    pub entries: Vec<f64>,
}

impl LdpSums {
    fn tri(&self) -> usize {
        self.entries.len() - self.d
    }

    /// Σ(x̄x̄ᵀ + N₁) as a symmetric matrix (None with public covariates).
    pub fn xx(&self) -> Option<DMatrix<f64>> {
        if self.tri() == 0 {
            return None;
        }
        let d = self.d;
        let mut m = DMatrix::zeros(d, d);
        let mut e = 0;
        for j in 0..d {
            for l in j..d {
                m[(j, l)] = self.entries[e];
                m[(l, j)] = self.entries[e];
                e += 1;
            }
        }
        Some(m)
    }

    /// Σ(x̃ỹ + N₂).
    pub fn xy(&self) -> DVector<f64> {
        DVector::from_column_slice(&self.entries[self.tri()..])
    }
}

impl LdpMessages {
    /// Explicit settings: dimension, public-covariate variant, clipping levels, optional ℓ2
    /// radius and the per-entry noise SDs (0 switches the noise off, for tests).
    pub fn new(
        d: usize,
        public: bool,
        tau: (f64, f64),
        radius: Option<f64>,
        sigma: (f64, f64),
    ) -> Result<Self> {
        crate::error::check::at_least("d", d, 1)?;
        crate::error::check::positive("tau1", tau.0)?;
        crate::error::check::positive("tau2", tau.1)?;
        if let Some(r) = radius {
            crate::error::check::positive("radius", r)?;
        }
        crate::error::check::non_negative("sigma1", sigma.0)?;
        crate::error::check::non_negative("sigma2", sigma.1)?;
        Ok(Self {
            d,
            public,
            tau1: tau.0,
            tau2: tau.1,
            radius,
            sigma1: if public { 0.0 } else { sigma.0 },
            sigma2: sigma.1,
        })
    }

    /// Dimension.
    pub fn dim(&self) -> usize {
        self.d
    }

    /// Whether only the cross moment is sent.
    pub fn public(&self) -> bool {
        self.public
    }

    /// (τ₁, τ₂).
    pub fn tau(&self) -> (f64, f64) {
        (self.tau1, self.tau2)
    }

    /// ℓ2 radius, 0 when unset (the kernel's encoding).
    pub fn radius_or_zero(&self) -> f64 {
        self.radius.unwrap_or(0.0)
    }

    /// (σ₁, σ₂).
    pub fn sigma(&self) -> (f64, f64) {
        (self.sigma1, self.sigma2)
    }

    /// Upper-triangle entries of the covariance message (0 with public covariates).
    pub fn tri(&self) -> usize {
        if self.public {
            0
        } else {
            self.d * (self.d + 1) / 2
        }
    }

    /// Entries per message.
    pub fn entries(&self) -> usize {
        self.tri() + self.d
    }

    /// (j, l) of every covariance entry, row-major upper triangle: the kernel's lookup table.
    pub fn pair_table(&self) -> (Vec<i32>, Vec<i32>) {
        let mut js = Vec::with_capacity(self.tri());
        let mut ls = Vec::with_capacity(self.tri());
        if !self.public {
            for j in 0..self.d {
                for l in j..self.d {
                    js.push(j as i32);
                    ls.push(l as i32);
                }
            }
        }
        (js, ls)
    }

    /// Check users' data: `x` holds n rows of d values (user-major), `y` n values, all finite.
    pub fn validate(&self, x: &[f64], y: &[f64]) -> Result<usize> {
        let n = y.len();
        if n == 0 {
            return Err(Error::param("n", 0, "need at least one user"));
        }
        if x.len() != n * self.d {
            return Err(Error::DimensionMismatch {
                what: "x values (n users × d)",
                expected: n * self.d,
                got: x.len(),
            });
        }
        crate::error::check::all_finite("x", x)?;
        crate::error::check::all_finite("y", y)?;
        Ok(n)
    }

    /// x̄ (clipped, then shrunk) and x̃ỹ of one user, exactly as `Nldp::user_features` and
    /// the kernel `vs_ldp_features` compute them.
    #[inline]
    pub fn features(&self, x: &[f64], y: f64, xb: &mut [f64], xty: &mut [f64]) {
        let yt = clip(y, self.tau2);
        let mut ss = 0.0;
        for (j, v) in x.iter().enumerate() {
            let t = clip(*v, self.tau1);
            xb[j] = t;
            xty[j] = t * yt;
            ss += t * t;
        }
        if let Some(r) = self.radius {
            let norm = f64::sqrt(ss);
            if norm > r {
                for b in xb.iter_mut() {
                    *b = *b * r / norm;
                }
            }
        }
    }

    /// CPU twin of the kernels: every user's message, summed in the fixed chunk order.
    pub fn aggregate_cpu(&self, key: PhiloxKey, x: &[f64], y: &[f64]) -> Result<LdpSums> {
        let n = self.validate(x, y)?;
        let (d, ne, tri) = (self.d, self.entries(), self.tri());
        let (js, ls) = self.pair_table();
        let noisy = self.sigma1 != 0.0 || self.sigma2 != 0.0;
        let scale = |e: usize| if e < tri { self.sigma1 } else { self.sigma2 };
        let partials: Vec<Vec<f64>> = (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| {
                let mut acc = vec![0.0; ne];
                let (mut xb, mut xty) = (vec![0.0; d], vec![0.0; d]);
                for i in c * CHUNK..((c + 1) * CHUNK).min(n) {
                    self.features(&x[i * d..(i + 1) * d], y[i], &mut xb, &mut xty);
                    let signal = |e: usize| {
                        if e < tri {
                            xb[js[e] as usize] * xb[ls[e] as usize]
                        } else {
                            xty[e - tri]
                        }
                    };
                    for p in 0..ne.div_ceil(2) {
                        let (z0, z1) = if noisy {
                            key.normal_pair(i as u64, p as u64)
                        } else {
                            (0.0, 0.0)
                        };
                        let e0 = 2 * p;
                        acc[e0] += signal(e0) + scale(e0) * z0;
                        if e0 + 1 < ne {
                            acc[e0 + 1] += signal(e0 + 1) + scale(e0 + 1) * z1;
                        }
                    }
                }
                acc
            })
            .collect();
        let mut entries = vec![0.0; ne];
        for p in &partials {
            for (t, v) in entries.iter_mut().zip(p) {
                *t += v;
            }
        }
        Ok(LdpSums {
            n: n as u64,
            d,
            entries,
        })
    }
}

/// The server's sums of the messages of the users in `x` (n × d, user-major) and `y`: user i's
/// Gaussian noise is Philox stream i of `key` ([`LdpMessages::aggregate_cpu`] is the twin).
#[derive(Debug, Clone, Copy)]
pub struct MessageSums<'a> {
    /// What every user does.
    pub messages: &'a LdpMessages,
    /// The noise streams' key.
    pub key: PhiloxKey,
    /// Covariates, n rows of d values.
    pub x: &'a [f64],
    /// Responses.
    pub y: &'a [f64],
}

impl KernelJob for MessageSums<'_> {
    type Output = LdpSums;

    fn run_cpu(&self) -> Result<LdpSums> {
        self.messages.aggregate_cpu(self.key, self.x, self.y)
    }

    /// Clipping and shrinkage per user (`vs_ldp_features`), Gaussian noise from Philox stream
    /// i for user i and chunk sums (`vs_ldp_chunk_sums`), the chunks in order
    /// (`vs_ldp_reduce`): the twin's arithmetic and order.
    #[cfg(feature = "cuda")]
    fn run_cuda(&self, gpu: &crate::device::cuda::Gpu) -> Result<LdpSums> {
        use crate::device::cuda::launch::{blocks, error, to_u32};
        use cudarc::driver::PushKernelArg;
        let (msg, x, y) = (self.messages, self.x, self.y);
        let n = msg.validate(x, y)?;
        let d = msg.dim();
        let (ne, tri) = (msg.entries(), msg.tri());
        let (d32, ne32, tri32) = (to_u32(d, "d")?, to_u32(ne, "entries")?, to_u32(tri, "tri")?);
        let chunks = n.div_ceil(CHUNK);
        let chunks32 = to_u32(chunks, "user chunks")?;
        let pairs32 = to_u32(ne.div_ceil(2), "entry pairs")?;
        let users = n as u64;
        let (features, chunk_sums, reduce) = (
            gpu.function(FEATURES)?,
            gpu.function(CHUNK_SUMS)?,
            gpu.function(REDUCE)?,
        );
        let s = gpu.stream();
        let (mut js, mut ls) = msg.pair_table();
        // The public variant has no covariance entries; a one-element table keeps the device
        // allocations non-empty (the kernel never reads it then).
        if js.is_empty() {
            js.push(0);
            ls.push(0);
        }
        let x_d = gpu.upload(x, "x")?;
        let y_d = gpu.upload(y, "y")?;
        let js_d = gpu.upload(&js, "js")?;
        let ls_d = gpu.upload(&ls, "ls")?;
        let mut xb = gpu.zeros::<f64>((n * d).max(1), "x̄")?;
        let mut xty = gpu.zeros::<f64>((n * d).max(1), "x̃ỹ")?;
        let mut partial = gpu.zeros::<f64>((chunks * ne).max(1), "chunk sums")?;
        let mut out = gpu.zeros::<f64>(ne.max(1), "sums")?;
        let (tau1, tau2) = msg.tau();
        let radius = msg.radius_or_zero();
        let (s1, s2) = msg.sigma();
        let [k0, k1] = self.key.0;
        let chunk32 = CHUNK as u32;

        let threads = 256u32;
        let users_blocks = to_u32(n.div_ceil(threads as usize), "user blocks")?;
        let mut l = s.launch_builder(&features);
        l.arg(&x_d).arg(&y_d).arg(&users).arg(&d32);
        l.arg(&tau1).arg(&tau2).arg(&radius);
        l.arg(&mut xb).arg(&mut xty);
        // SAFETY: argument types and order match vs_ldp_features; xb and xty hold n·d doubles.
        unsafe { l.launch(blocks((users_blocks, 1), threads, 0)) }
            .map_err(|e| error("launching vs_ldp_features", e))?;

        let tp = 128u32;
        let mut l = s.launch_builder(&chunk_sums);
        l.arg(&k0).arg(&k1).arg(&xb).arg(&xty).arg(&users).arg(&d32);
        l.arg(&tri32).arg(&ne32).arg(&js_d).arg(&ls_d);
        l.arg(&s1).arg(&s2).arg(&chunk32).arg(&mut partial);
        // SAFETY: argument types and order match vs_ldp_chunk_sums; partial holds
        // chunks·entries doubles and js/ls hold the tri covariance index pairs.
        unsafe { l.launch(blocks((chunks32, pairs32.div_ceil(tp)), tp, 0)) }
            .map_err(|e| error("launching vs_ldp_chunk_sums", e))?;

        let chunks64 = chunks as u64;
        let mut l = s.launch_builder(&reduce);
        l.arg(&partial).arg(&chunks64).arg(&ne32).arg(&mut out);
        // SAFETY: argument types and order match vs_ldp_reduce; out holds `entries` doubles.
        unsafe { l.launch(blocks((ne32.div_ceil(tp), 1), tp, 0)) }
            .map_err(|e| error("launching vs_ldp_reduce", e))?;
        let mut entries = gpu.download(&out, "sums")?;
        gpu.sync()?;
        entries.truncate(ne);
        Ok(LdpSums {
            n: users,
            d,
            entries,
        })
    }
}

/// sign(v)·min(|v|, τ), as `f64::clamp` (the library's truncation) computes it.
#[inline]
fn clip(v: f64, tau: f64) -> f64 {
    v.clamp(-tau, tau)
}

/// CUDA kernels: `vs_ldp_features` (one thread per user), `vs_ldp_chunk_sums` (block x = chunk,
/// one thread per pair of message entries) and `vs_ldp_reduce` (one thread per entry, chunks in
/// order): the same arithmetic and order as [`LdpMessages::aggregate_cpu`].
pub const CUDA_SRC: &str = r#"
__device__ __forceinline__ double vs_clip(double v, double tau) {
    return v < -tau ? -tau : (v > tau ? tau : v);
}

extern "C" __global__ void vs_ldp_features(
    const double* x, const double* y, vs_u64 n, vs_u32 d,
    double tau1, double tau2, double radius, double* xb, double* xty)
{
    vs_u64 i = (vs_u64)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    const double* xi = x + i * d;
    double* bi = xb + i * d;
    double* ti = xty + i * d;
    double yt = vs_clip(y[i], tau2);
    double ss = 0.0;
    for (vs_u32 j = 0; j < d; ++j) {
        double t = vs_clip(xi[j], tau1);
        bi[j] = t;
        ti[j] = t * yt;
        ss += t * t;
    }
    if (radius > 0.0) {
        double norm = sqrt(ss);
        if (norm > radius) {
            for (vs_u32 j = 0; j < d; ++j) bi[j] = bi[j] * radius / norm;
        }
    }
}

extern "C" __global__ void vs_ldp_chunk_sums(
    vs_u32 k0, vs_u32 k1, const double* xb, const double* xty, vs_u64 n, vs_u32 d,
    vs_u32 tri, vs_u32 entries, const int* js, const int* ls,
    double sigma1, double sigma2, vs_u32 chunk, double* partial)
{
    vs_u64 c = blockIdx.x;
    vs_u32 p = blockIdx.y * blockDim.x + threadIdx.x;
    vs_u32 e0 = 2 * p;
    if (e0 >= entries) return;
    vs_u32 e1 = e0 + 1;
    int has1 = e1 < entries;
    int noisy = sigma1 != 0.0 || sigma2 != 0.0;
    double sc0 = e0 < tri ? sigma1 : sigma2;
    double sc1 = e1 < tri ? sigma1 : sigma2;
    vs_u64 lo = c * chunk;
    vs_u64 hi = lo + chunk < n ? lo + chunk : n;
    double a0 = 0.0, a1 = 0.0;
    for (vs_u64 i = lo; i < hi; ++i) {
        double z0 = 0.0, z1 = 0.0;
        if (noisy) vs_normal_pair(k0, k1, i, (vs_u64)p, &z0, &z1);
        const double* bi = xb + i * d;
        double s0 = e0 < tri ? bi[js[e0]] * bi[ls[e0]] : xty[i * d + (e0 - tri)];
        a0 += s0 + sc0 * z0;
        if (has1) {
            double s1 = e1 < tri ? bi[js[e1]] * bi[ls[e1]] : xty[i * d + (e1 - tri)];
            a1 += s1 + sc1 * z1;
        }
    }
    partial[c * entries + e0] = a0;
    if (has1) partial[c * entries + e1] = a1;
}

extern "C" __global__ void vs_ldp_reduce(const double* partial, vs_u64 chunks, vs_u32 entries, double* out)
{
    vs_u32 e = blockIdx.x * blockDim.x + threadIdx.x;
    if (e >= entries) return;
    double t = 0.0;
    for (vs_u64 c = 0; c < chunks; ++c) t += partial[c * entries + e];
    out[e] = t;
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_inputs_are_errors() {
        let msg = LdpMessages::new(2, false, (1.0, 1.0), None, (0.0, 0.0)).unwrap();
        assert!(
            msg.aggregate_cpu(PhiloxKey([0, 0]), &[1.0; 3], &[0.0; 2])
                .is_err()
        );
        assert!(
            msg.aggregate_cpu(PhiloxKey([0, 0]), &[1.0, f64::NAN], &[0.0])
                .is_err()
        );
        assert!(msg.aggregate_cpu(PhiloxKey([0, 0]), &[], &[]).is_err());
        assert!(LdpMessages::new(0, false, (1.0, 1.0), None, (0.0, 0.0)).is_err());
        assert!(LdpMessages::new(2, false, (-1.0, 1.0), None, (0.0, 0.0)).is_err());
    }
}

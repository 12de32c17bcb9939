//! Exact sufficient statistics of n users of the bounded design
//! ([`RademacherDesign`]: x uniform on {±1}^d, ζ = ±σ) for a batch of replicates: the kernel
//! behind the `ldp-nldp-slopes` and `ldp-public-slopes` claims on a device.
//!
//! **What.** Every (x, sign ζ) cell has probability 2^{−(d+1)}, so the cell counts of n users are
//! Multinomial(n, uniform over 2^{d+1} cells). They are drawn by recursive halving: the count c of
//! a node of the binary tree over the cells splits into Binomial(c, 1/2) and the rest, level by
//! level (d + 1 levels), exactly as [`RademacherDesign::moments`] does on a ChaCha stream. From
//! the counts:
//!
//! * Σ x xᵀ: with C(p) the users of sign pattern p (bit j set ⇔ x_j = +1), entry (j, l) is
//!   Σ_p C(p)(−1)^{b_j(p)+b_l(p)}, i.e. entry e_j ⊕ e_l of the Walsh–Hadamard transform of C;
//!   the diagonal is WHT(C)(0) = n. The transform is done in i64, so these entries are exact integers.
//! * Σ x ỹ: with Y(p) = C(p, ζ=−σ)·clip(⟨x_p, θ*⟩ − σ, τ₂) + C(p, ζ=+σ)·clip(⟨x_p, θ*⟩ + σ, τ₂),
//!   entry j is −(WHT Y)(e_j), in f64 through the same butterflies (a fixed order: every
//!   butterfly adds the same two numbers on every device).
//!
//! The public Gram matrix of m unlabelled rows is the same computation with n = m (its Σ x ỹ is
//! ignored; τ₂ = f64::MAX so that nothing is clipped).
//!
//! **Binomial sampler.** Binomial(c, 1/2) for c ≤ [`POPCOUNT_MAX`] is the number of ones among c
//! fair bits (the 53 random bits of one uniform): exact. Above, Hörmann's BTRS, "transformed
//! rejection with squeeze" (W. Hörmann, "The generation of binomial random variates", J. Statist.
//! Comput. Simul. 46 (1993) 101–110; valid for c·p ≥ 10, here c·p > 26), in the form of
//! TensorFlow's `random_binomial_op.cc` (which takes the log of v that the paper's step 3.1 omits),
//! with the Stirling-series tail δ(k) = ln k! − (k + ½)ln(k + 1) + (k + 1) − ½ ln 2π ([`stirling_tail`],
//! TensorFlow's table, its series extended by two terms). For p = 1/2 the log-density bound's three logarithms
//! are rewritten as `ln_1p` of ratios of exact integers, so that the bound stays accurate to
//! ~1e-9 absolute at c ~ 1e13 (the plain log of a ratio within 1e-13 of 1 would lose ~1e-3).
//! BTRS is exact (a rejection sampler) up to the rounding of that bound.
//!
//! **Streams.** The split of tree node `node` (heap numbering: level ℓ, index i ↦ 2^ℓ + i) of
//! replicate r draws from Philox stream r·2^20 + node ([`node_stream`]) under the point's key,
//! so a node's draw does not depend on which thread handles it or in what order.
//!
//! **Precision and agreement.** Counts and Σ x xᵀ are integers; Y and Σ x ỹ are f64 sums of
//! counts (< 2^53, exact in f64) times clipped means, in butterfly order. Twin and kernel run
//! the same arithmetic (NVRTC `--fmad=false`); the only possible difference is a last-ulp
//! difference of CUDA's `log`/`log1p`/`sqrt` flipping a BTRS acceptance that lies within an ulp
//! of its bound, a probability of order 1e-16 per draw. `emulate.rs` checks the CUDA source
//! compiled for the host bit for bit against [`Cells::moments_cpu`].

use crate::device::philox::{PhiloxKey, PhiloxStream};
use crate::device::{KernelJob, KernelSource};
use crate::error::{Error, Result};
use crate::ldp::regression::nldp::Moments;
use crate::ldp::regression::simulate::{MAX_CELL_DIM, RademacherDesign};
use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;

/// The kernel's registry entry.
pub const SOURCE: KernelSource = KernelSource {
    kernels: &[KERNEL],
    cuda: || CUDA_SRC.into(),
};

/// The kernel's name.
const KERNEL: &str = "vs_ldp_cells";

/// Device scratch bound of one `vs_ldp_cells` launch, bytes.
pub const CELLS_SCRATCH: usize = 1 << 30;

/// Threads per block of `vs_ldp_cells` (one block per replicate).
pub const THREADS: u32 = 256;

/// Largest count split by counting fair bits (the 53 bits of one uniform).
pub const POPCOUNT_MAX: u64 = 53;

/// Bits of the Philox stream index reserved for the tree node (2^{d+1} ≤ 2^19 nodes).
pub const NODE_BITS: u32 = 20;

/// Replicate indices must lie below this (the stream index is r·2^20 + node).
pub const MAX_REPLICATE: u64 = 1 << (64 - NODE_BITS);

/// Counts must lie below 2^53 so that they, and every partial sum, are exact in f64.
pub const MAX_USERS: u64 = 1 << 53;

/// The Philox stream of node `node` of replicate `replicate`.
#[inline]
pub fn node_stream(replicate: u64, node: u64) -> u64 {
    (replicate << NODE_BITS) | node
}

/// δ(k) = ln k! − (k + ½) ln(k + 1) + (k + 1) − ½ ln 2π, Stirling's approximation's error: the
/// values for k ≤ 9 (TensorFlow's `stirling_approx_tail` table), then the Stirling series in
/// z = k + 1, 1/(12z) − 1/(360z³) + 1/(1260z⁵) − 1/(1680z⁷) + 1/(1188z⁹): two terms beyond
/// TensorFlow's three, so that the truncation error is below 1e-14 for every k ≥ 10 (3e-11 at
/// k = 10 with three terms).
#[inline]
pub fn stirling_tail(k: f64) -> f64 {
    const TAIL: [f64; 10] = [
        0.0810614667953272,
        0.0413406959554092,
        0.0276779256849983,
        0.02079067210376509,
        0.0166446911898211,
        0.0138761288230707,
        0.0118967099458917,
        0.0104112652619720,
        0.00925546218271273,
        0.00833056343336287,
    ];
    if k <= 9.0 {
        return TAIL[k as usize];
    }
    let kp1sq = (k + 1.0) * (k + 1.0);
    (1.0 / 12.0
        - (1.0 / 360.0 - (1.0 / 1260.0 - (1.0 / 1680.0 - 1.0 / 1188.0 / kp1sq) / kp1sq) / kp1sq)
            / kp1sq)
        / (k + 1.0)
}

/// One Binomial(c, 1/2) draw from `st`: fair bits for c ≤ [`POPCOUNT_MAX`], BTRS above.
/// `c` must be below [`MAX_USERS`] (callers validate).
pub fn binomial_half(st: &mut PhiloxStream, c: u64) -> u64 {
    if c == 0 {
        return 0;
    }
    if c <= POPCOUNT_MAX {
        // u = (k + 1)·2⁻⁵³ with k 53 fair bits: both steps back are exact.
        let k = (st.uniform() * 9_007_199_254_740_992.0) as u64 - 1;
        return u64::from((k & ((1u64 << c) - 1)).count_ones());
    }
    let cf = c as f64;
    let stddev = (cf * 0.25).sqrt();
    let b = 1.15 + 2.53 * stddev;
    let a = -0.0873 + 0.0248 * b + 0.005;
    let cc = cf * 0.5 + 0.5;
    let v_r = 0.92 - 4.2 / b;
    let alpha = (2.83 + 5.1 / b) * stddev;
    let m = ((cf + 1.0) * 0.5).floor();
    let fixed = (m + 0.5) * ((2.0 * m - cf) / (cf - m + 1.0)).ln_1p()
        + stirling_tail(m)
        + stirling_tail(cf - m);
    loop {
        let u = st.uniform() - 0.5;
        let v = st.uniform();
        let us = 0.5 - u.abs();
        let k = ((2.0 * a / us + b) * u + cc).floor();
        // Out of range (or not a number when us = 0): the pmf is 0 there.
        if !(k >= 0.0 && k <= cf) {
            continue;
        }
        if us >= 0.07 && v <= v_r {
            return k as u64;
        }
        let lv = (v * alpha / (a / (us * us) + b)).ln();
        let bound = fixed
            + (cf + 1.0) * ((k - m) / (cf - k + 1.0)).ln_1p()
            + (k + 0.5) * ((cf - 2.0 * k) / (k + 1.0)).ln_1p()
            - stirling_tail(k)
            - stirling_tail(cf - k);
        if lv <= bound {
            return k as u64;
        }
    }
}

/// One replicate's kernel output.
#[derive(Debug, Clone, PartialEq)]
pub struct CellMoments {
    /// Users.
    pub n: u64,
    /// Dimension.
    pub d: usize,
    /// Σ x xᵀ, upper triangle row-major with the diagonal (exact integers).
    pub xx: Vec<i64>,
    /// Σ x ỹ.
    pub xy: Vec<f64>,
}

impl CellMoments {
    /// Σ x xᵀ as a symmetric f64 matrix (exact: every entry is an integer of size ≤ n < 2^53).
    pub fn gram(&self) -> DMatrix<f64> {
        let d = self.d;
        let mut m = DMatrix::zeros(d, d);
        let mut e = 0;
        for j in 0..d {
            for l in j..d {
                m[(j, l)] = self.xx[e] as f64;
                m[(l, j)] = self.xx[e] as f64;
                e += 1;
            }
        }
        m
    }

    /// The library's [`Moments`] (what [`RademacherDesign::moments`] returns).
    pub fn moments(&self) -> Moments {
        Moments {
            n: self.n,
            xx: self.gram(),
            xy: DVector::from_column_slice(&self.xy),
        }
    }
}

/// n users of the design, drawn as cell counts, with the response clipped at τ₂: the setting of
/// a [`CellBatch`].
#[derive(Debug, Clone)]
pub struct Cells<'a> {
    design: &'a RademacherDesign,
    n: u64,
    tau2: f64,
}

impl<'a> Cells<'a> {
    /// n users of `design` with ỹ = y clipped at τ₂ (`f64::MAX`: no clipping, as for a public
    /// Gram matrix). Errors name the parameter: d above [`MAX_CELL_DIM`], n = 0 or ≥ 2^53,
    /// τ₂ not positive.
    pub fn new(design: &'a RademacherDesign, n: u64, tau2: f64) -> Result<Self> {
        let d = design.dim();
        if d > MAX_CELL_DIM {
            return Err(Error::param(
                "d",
                d,
                format!("cell simulation supports d <= {MAX_CELL_DIM}"),
            ));
        }
        if n == 0 || n >= MAX_USERS {
            return Err(Error::param("n", n, "users must lie in 1..2^53"));
        }
        crate::error::check::positive("tau2", tau2)?;
        crate::error::check::all_finite("theta", design.theta.as_slice())?;
        crate::error::check::non_negative("noise", design.noise)?;
        Ok(Self { design, n, tau2 })
    }

    /// Dimension.
    pub fn dim(&self) -> usize {
        self.design.dim()
    }

    /// Users per replicate.
    pub fn users(&self) -> u64 {
        self.n
    }

    /// τ₂.
    pub fn tau2(&self) -> f64 {
        self.tau2
    }

    /// θ*.
    pub fn theta(&self) -> &[f64] {
        self.design.theta.as_slice()
    }

    /// |ζ|.
    pub fn noise(&self) -> f64 {
        self.design.noise
    }

    /// Entries of the Σ x xᵀ upper triangle.
    pub fn tri(&self) -> usize {
        let d = self.dim();
        d * (d + 1) / 2
    }

    /// Check replicate indices (each below [`MAX_REPLICATE`]).
    pub fn check_reps(reps: &[u64]) -> Result<()> {
        if let Some(&r) = reps.iter().find(|&&r| r >= MAX_REPLICATE) {
            return Err(Error::param("replicate", r, "must lie below 2^44"));
        }
        Ok(())
    }

    /// CPU twin of `vs_ldp_cells`: the moments of replicates `reps` under `key` (rayon over
    /// replicates; each replicate's numbers depend only on (key, replicate)).
    pub fn moments_cpu(&self, key: PhiloxKey, reps: &[u64]) -> Result<Vec<CellMoments>> {
        Self::check_reps(reps)?;
        Ok(reps.par_iter().map(|&r| self.one(key, r)).collect())
    }

    fn one(&self, key: PhiloxKey, rep: u64) -> CellMoments {
        let d = self.dim();
        let levels = d + 1;
        let size = 1usize << levels;
        let np = 1usize << d;
        let mut a = vec![0u64; size];
        for lvl in 0..levels {
            let s = size >> lvl;
            for i in 0..1usize << lvl {
                let c = if lvl == 0 { self.n } else { a[i * s] };
                let node = ((1usize << lvl) + i) as u64;
                let left = if c == 0 {
                    0
                } else {
                    binomial_half(&mut PhiloxStream::new(key, node_stream(rep, node)), c)
                };
                a[i * s] = left;
                a[i * s + s / 2] = c - left;
            }
        }
        let (theta, noise, tau2) = (self.theta(), self.noise(), self.tau2);
        let mut cnt = vec![0i64; np];
        let mut ys = vec![0.0f64; np];
        for p in 0..np {
            let (cm, cp) = (a[2 * p], a[2 * p + 1]);
            cnt[p] = (cm + cp) as i64;
            let mut mean = 0.0;
            for (j, t) in theta.iter().enumerate() {
                mean += if (p >> j) & 1 == 1 { *t } else { -*t };
            }
            ys[p] = cm as f64 * (mean - noise).clamp(-tau2, tau2)
                + cp as f64 * (mean + noise).clamp(-tau2, tau2);
        }
        for s in 0..d {
            let h = 1usize << s;
            for q in 0..np / 2 {
                let i = ((q >> s) << (s + 1)) | (q & (h - 1));
                let (x, y) = (cnt[i], cnt[i + h]);
                cnt[i] = x + y;
                cnt[i + h] = x - y;
                let (x, y) = (ys[i], ys[i + h]);
                ys[i] = x + y;
                ys[i + h] = x - y;
            }
        }
        let mut xx = Vec::with_capacity(self.tri());
        for j in 0..d {
            for l in j..d {
                xx.push(if j == l {
                    cnt[0]
                } else {
                    cnt[(1 << j) | (1 << l)]
                });
            }
        }
        let xy = (0..d).map(|j| -ys[1 << j]).collect();
        CellMoments {
            n: self.n,
            d,
            xx,
            xy,
        }
    }

    /// Phases of `vs_ldp_cells` (barriers between them): d + 1 split levels, the collapse to
    /// patterns, d butterfly stages, the output.
    pub fn phases(&self) -> u32 {
        (2 * self.dim() + 3) as u32
    }
}

/// Exact Σxxᵀ and Σxỹ of `cells`' users for each replicate in `reps`, drawn under `key`.
#[derive(Debug, Clone, Copy)]
pub struct CellBatch<'a> {
    /// The setting.
    pub cells: &'a Cells<'a>,
    /// The draws' key.
    pub key: PhiloxKey,
    /// Replicate indices (each below [`MAX_REPLICATE`]).
    pub reps: &'a [u64],
}

impl KernelJob for CellBatch<'_> {
    type Output = Vec<CellMoments>;

    fn run_cpu(&self) -> Result<Vec<CellMoments>> {
        self.cells.moments_cpu(self.key, self.reps)
    }

    /// One block of [`THREADS`] threads per replicate (the tree's levels, the collapse to
    /// patterns and the Walsh–Hadamard stages separated by barriers), replicates in chunks whose
    /// scratch (32·2^d bytes each) stays within [`CELLS_SCRATCH`] bytes. Same numbers as
    /// [`Cells::moments_cpu`].
    #[cfg(feature = "cuda")]
    fn run_cuda(&self, gpu: &crate::device::cuda::Gpu) -> Result<Vec<CellMoments>> {
        use crate::device::cuda::launch::{blocks, error, to_u32};
        use cudarc::driver::PushKernelArg;
        let (job, reps) = (self.cells, self.reps);
        Cells::check_reps(reps)?;
        if reps.is_empty() {
            return Ok(Vec::new());
        }
        let f = gpu.function(KERNEL)?;
        let s = gpu.stream();
        let d = job.dim();
        let (tri, np) = (job.tri(), 1usize << d);
        let per_rep = 32 * np;
        let chunk = (CELLS_SCRATCH / per_rep).clamp(1, reps.len());
        let theta = gpu.upload(job.theta(), "theta")?;
        let mut cells = gpu.zeros::<u64>(chunk * 2 * np, "cell scratch")?;
        let mut cnt = gpu.zeros::<i64>(chunk * np, "cell scratch")?;
        let mut ys = gpu.zeros::<f64>(chunk * np, "cell scratch")?;
        let mut xx = gpu.zeros::<i64>(chunk * tri, "cell scratch")?;
        let mut xy = gpu.zeros::<f64>(chunk * d, "cell scratch")?;
        let [k0, k1] = self.key.0;
        let (n, d32) = (job.users(), to_u32(d, "d")?);
        let (noise, tau2) = (job.noise(), job.tau2());
        let mut out = Vec::with_capacity(reps.len());
        for part in reps.chunks(chunk) {
            let count = to_u32(part.len(), "replicates")?;
            let reps_d = gpu.upload(part, "replicate indices")?;
            let mut l = s.launch_builder(&f);
            l.arg(&k0)
                .arg(&k1)
                .arg(&reps_d)
                .arg(&count)
                .arg(&n)
                .arg(&d32);
            l.arg(&theta).arg(&noise).arg(&tau2);
            l.arg(&mut cells)
                .arg(&mut cnt)
                .arg(&mut ys)
                .arg(&mut xx)
                .arg(&mut xy);
            // SAFETY: argument types and order match vs_ldp_cells; the scratch holds 2^{d+1}
            // counts and 2^d pattern counts and sums per block, the outputs tri + d values per
            // block, for `count` ≤ `chunk` blocks.
            unsafe { l.launch(blocks((count, 1), THREADS, 0)) }
                .map_err(|e| error("launching vs_ldp_cells", e))?;
            let xx_h = gpu.download(&xx, "Σxxᵀ")?;
            let xy_h = gpu.download(&xy, "Σxỹ")?;
            gpu.sync()?;
            for b in 0..part.len() {
                out.push(CellMoments {
                    n,
                    d,
                    xx: xx_h[b * tri..(b + 1) * tri].to_vec(),
                    xy: xy_h[b * d..(b + 1) * d].to_vec(),
                });
            }
        }
        Ok(out)
    }
}

/// CUDA kernel `vs_ldp_cells`: block b = replicate `streams[b]` (its scratch: 2^{d+1} counts,
/// 2^d pattern counts, 2^d pattern sums), `vs_cells_phase` run by every thread between
/// barriers. Same arithmetic and order as [`Cells::moments_cpu`].
pub const CUDA_SRC: &str = r#"
__constant__ double vs_stirling_table[10] = {0.0810614667953272, 0.0413406959554092,
    0.0276779256849983, 0.02079067210376509, 0.0166446911898211, 0.0138761288230707,
    0.0118967099458917, 0.0104112652619720, 0.00925546218271273, 0.00833056343336287};

__device__ __forceinline__ double vs_stirling_tail(double k) {
    if (k <= 9.0) return vs_stirling_table[(int)k];
    double kp1sq = (k + 1.0) * (k + 1.0);
    return (1.0 / 12.0
        - (1.0 / 360.0 - (1.0 / 1260.0 - (1.0 / 1680.0 - 1.0 / 1188.0 / kp1sq) / kp1sq) / kp1sq)
            / kp1sq)
        / (k + 1.0);
}

__device__ vs_u64 vs_binomial_half(vs_stream* st, vs_u64 c) {
    if (c == 0) return 0;
    if (c <= 53) {
        vs_u64 k = (vs_u64)(vs_uniform(st) * 9007199254740992.0) - 1;
        vs_u64 mask = (1ull << c) - 1;
        return (vs_u64)__popcll(k & mask);
    }
    double cf = (double)c;
    double stddev = sqrt(cf * 0.25);
    double b = 1.15 + 2.53 * stddev;
    double a = -0.0873 + 0.0248 * b + 0.005;
    double cc = cf * 0.5 + 0.5;
    double v_r = 0.92 - 4.2 / b;
    double alpha = (2.83 + 5.1 / b) * stddev;
    double m = floor((cf + 1.0) * 0.5);
    double fixed = (m + 0.5) * log1p((2.0 * m - cf) / (cf - m + 1.0))
        + vs_stirling_tail(m) + vs_stirling_tail(cf - m);
    for (;;) {
        double u = vs_uniform(st) - 0.5;
        double v = vs_uniform(st);
        double us = 0.5 - fabs(u);
        double k = floor((2.0 * a / us + b) * u + cc);
        if (!(k >= 0.0 && k <= cf)) continue;
        if (us >= 0.07 && v <= v_r) return (vs_u64)k;
        double lv = log(v * alpha / (a / (us * us) + b));
        double bound = fixed
            + (cf + 1.0) * log1p((k - m) / (cf - k + 1.0))
            + (k + 0.5) * log1p((cf - 2.0 * k) / (k + 1.0))
            - vs_stirling_tail(k)
            - vs_stirling_tail(cf - k);
        if (lv <= bound) return (vs_u64)k;
    }
}

__device__ void vs_cells_phase(
    vs_u32 k0, vs_u32 k1, vs_u64 rep, vs_u64 n, vs_u32 d, const double* theta, double noise,
    double tau2, vs_u64* a, long long* cnt, double* ys, long long* xx, double* xy,
    vs_u32 phase, vs_u32 t, vs_u32 nt)
{
    vs_u32 levels = d + 1;
    vs_u64 size = 1ull << levels;
    vs_u64 np = 1ull << d;
    if (phase < levels) {
        vs_u32 lvl = phase;
        vs_u64 s = size >> lvl;
        for (vs_u64 i = t; i < (1ull << lvl); i += nt) {
            vs_u64 c = lvl == 0 ? n : a[i * s];
            vs_u64 node = (1ull << lvl) + i;
            vs_u64 left = 0;
            if (c != 0) {
                vs_stream st;
                vs_stream_init(&st, k0, k1, (rep << 20) | node);
                left = vs_binomial_half(&st, c);
            }
            a[i * s] = left;
            a[i * s + s / 2] = c - left;
        }
    } else if (phase == levels) {
        for (vs_u64 p = t; p < np; p += nt) {
            vs_u64 cm = a[2 * p], cp = a[2 * p + 1];
            cnt[p] = (long long)(cm + cp);
            double mean = 0.0;
            for (vs_u32 j = 0; j < d; ++j) mean += ((p >> j) & 1) ? theta[j] : -theta[j];
            double lo = mean - noise, hi = mean + noise;
            lo = lo < -tau2 ? -tau2 : (lo > tau2 ? tau2 : lo);
            hi = hi < -tau2 ? -tau2 : (hi > tau2 ? tau2 : hi);
            ys[p] = (double)cm * lo + (double)cp * hi;
        }
    } else if (phase < levels + 1 + d) {
        vs_u32 s = phase - levels - 1;
        vs_u64 h = 1ull << s;
        for (vs_u64 q = t; q < np / 2; q += nt) {
            vs_u64 i = ((q >> s) << (s + 1)) | (q & (h - 1));
            long long x = cnt[i], y = cnt[i + h];
            cnt[i] = x + y;
            cnt[i + h] = x - y;
            double u = ys[i], w = ys[i + h];
            ys[i] = u + w;
            ys[i + h] = u - w;
        }
    } else {
        vs_u32 tri = d * (d + 1) / 2;
        for (vs_u32 e = t; e < tri + d; e += nt) {
            if (e < tri) {
                vs_u32 j = 0, r = e;
                while (r >= d - j) { r -= d - j; ++j; }
                vs_u32 l = j + r;
                xx[e] = j == l ? cnt[0] : cnt[(1ull << j) | (1ull << l)];
            } else {
                xy[e - tri] = -ys[1ull << (e - tri)];
            }
        }
    }
}

extern "C" __global__ void vs_ldp_cells(
    vs_u32 k0, vs_u32 k1, const vs_u64* reps, vs_u32 count, vs_u64 n, vs_u32 d,
    const double* theta, double noise, double tau2, vs_u64* cells, long long* cnt,
    double* ys, long long* xx, double* xy)
{
    vs_u32 b = blockIdx.x;
    if (b >= count) return;
    vs_u64 size = 1ull << (d + 1), np = 1ull << d;
    vs_u32 tri = d * (d + 1) / 2;
    vs_u32 phases = 2 * d + 3;
    for (vs_u32 ph = 0; ph < phases; ++ph) {
        vs_cells_phase(k0, k1, reps[b], n, d, theta, noise, tau2, cells + b * size,
            cnt + b * np, ys + b * np, xx + (vs_u64)b * tri, xy + (vs_u64)b * d, ph,
            threadIdx.x, blockDim.x);
        __syncthreads();
    }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::{ChiSquared, ContinuousCDF, Discrete, DiscreteCDF};

    /// The Stirling table is δ(k) to the digits it has, and the series takes over within 1e-14:
    /// the reference is the exact recursion δ(k) = δ(k − 1) + 1 − (k + ½)·ln(1 + 1/k) from
    /// δ(0) = 1 − ½ ln 2π (each step accurate to ~1e-16, unlike ln Γ of a large argument).
    #[test]
    fn stirling_tail_is_the_log_factorial_remainder() {
        let mut exact = 1.0 - 0.5 * (2.0 * std::f64::consts::PI).ln();
        for k in 0..60u32 {
            let kf = f64::from(k);
            if k > 0 {
                exact += 1.0 - (kf + 0.5) * (1.0 / kf).ln_1p();
            }
            let got = stirling_tail(kf);
            assert!((got - exact).abs() < 1e-14, "k = {k}: {got} vs {exact}");
        }
    }

    fn draws(c: u64, count: u64, seed: u64) -> Vec<u64> {
        let key = PhiloxKey::new(seed, "binomial-half-test");
        (0..count)
            .map(|s| binomial_half(&mut PhiloxStream::new(key, s), c))
            .collect()
    }

    /// Chi-square of the draws' histogram against the exact pmf: bins [a, b) over the central
    /// ±6 SD merged until each expects ≥ 20 draws, the tails pooled into the end bins; the
    /// statistic must lie below the 1 − 1e-4 quantile.
    fn chi_square(c: u64, count: u64, seed: u64) {
        let x = draws(c, count, seed);
        let pmf = statrs::distribution::Binomial::new(0.5, c).unwrap();
        let nf = count as f64;
        let cdf_below = |v: u64| if v == 0 { 0.0 } else { pmf.cdf(v - 1) };
        let (mean, sd) = (c as f64 / 2.0, (c as f64 / 4.0).sqrt());
        let lo = (mean - 6.0 * sd).max(0.0) as u64;
        let hi = ((mean + 6.0 * sd) as u64).min(c);
        let mut edges = vec![0u64];
        let mut acc = cdf_below(lo) * nf;
        for v in lo..=hi {
            acc += pmf.pmf(v) * nf;
            if acc >= 20.0 {
                edges.push(v + 1);
                acc = 0.0;
            }
        }
        // The last partial bin joins its neighbour; the last edge takes the upper tail.
        if edges.len() > 2 && acc > 0.0 {
            edges.pop();
        }
        *edges.last_mut().unwrap() = c + 1;
        let mut stat = 0.0;
        for w in edges.windows(2) {
            let (a, b) = (w[0], w[1]);
            let e = (if b > c { 1.0 } else { cdf_below(b) } - cdf_below(a)) * nf;
            let o = x.iter().filter(|&&v| v >= a && v < b).count() as f64;
            stat += (o - e) * (o - e) / e;
        }
        let df = (edges.len() - 2) as f64;
        assert!(df >= 1.0, "c = {c}: too few bins");
        let q = ChiSquared::new(df).unwrap().inverse_cdf(1.0 - 1e-4);
        assert!(stat < q, "c = {c}: chi-square {stat} on {df} df, bound {q}");
    }

    #[test]
    fn binomial_pmf_by_chi_square() {
        // Fair bits (c ≤ 53) and BTRS just above the switch, moderate and large.
        for (c, seed) in [(2, 1), (7, 2), (53, 3), (54, 4), (200, 5), (100_000, 6)] {
            chi_square(c, 200_000, seed);
        }
    }

    /// Mean and variance against c/2 and c/4 (5 standard errors), up to c = 1e13.
    #[test]
    fn binomial_mean_and_variance() {
        for (c, seed) in [
            (60u64, 1u64),
            (12_345, 2),
            (1_000_000_000, 3),
            (10_000_000_000_000, 4),
        ] {
            let nd = 100_000u64;
            let x = draws(c, nd, seed);
            let nf = nd as f64;
            let mu = c as f64 / 2.0;
            let var = c as f64 / 4.0;
            // Centre before averaging: the values are near 5e12.
            let dev: Vec<f64> = x.iter().map(|&v| v as f64 - mu).collect();
            let m = dev.iter().sum::<f64>() / nf;
            let s2 = dev.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (nf - 1.0);
            assert!(
                m.abs() < 5.0 * (var / nf).sqrt(),
                "c = {c}: mean offset {m}"
            );
            // Var of the sample variance ≈ (μ4 − σ⁴)/n = 2σ⁴/n (1 − 2/c, small).
            assert!(
                (s2 - var).abs() < 5.0 * var * (2.0 / nf).sqrt(),
                "c = {c}: variance {s2} vs {var}"
            );
            assert!(x.iter().all(|&v| v <= c));
        }
    }

    fn design(d: usize, k: usize) -> RademacherDesign {
        RademacherDesign::new(d, k, 0.5).unwrap()
    }

    /// Exact identities of every draw: Σ counts = n on the diagonal, every entry within ±n with
    /// the parity of n, and Σ x ỹ bounded by n·max|ỹ|.
    #[test]
    fn moments_are_consistent() {
        let des = design(6, 2);
        for n in [1u64, 17, 1000, 10_000_000_000_000] {
            let job = Cells::new(&des, n, 1.5).unwrap();
            let reps: Vec<u64> = (0..8).collect();
            for m in job.moments_cpu(PhiloxKey::new(n, "cells"), &reps).unwrap() {
                let g = m.gram();
                for j in 0..6 {
                    assert_eq!(g[(j, j)], n as f64);
                    for l in 0..6 {
                        let v = g[(j, l)] as i64;
                        assert!(v.unsigned_abs() <= n && (v - n as i64) % 2 == 0);
                    }
                    assert!(m.xy[j].abs() <= 1.5 * n as f64);
                }
            }
        }
    }

    /// E Σxxᵀ = n I and E Σxỹ = n θ* (τ₂ = 1.5 does not bind): over 400 replicates at
    /// n = 1e10, the standardized off-diagonal entries and Σxỹ errors have mean 0 and
    /// variance 1 (Var of entry (j, l) is n; of Σ x_j ỹ is n(E ỹ² − θ_j²)).
    #[test]
    fn moments_match_the_closed_form() {
        let (d, k, n) = (5usize, 2usize, 10_000_000_000u64);
        let des = design(d, k);
        let job = Cells::new(&des, n, 1.5).unwrap();
        let reps: Vec<u64> = (0..400).collect();
        let ms = job
            .moments_cpu(PhiloxKey::new(9, "cells-closed"), &reps)
            .unwrap();
        let nf = n as f64;
        // E ỹ² = ‖θ*‖² + σ² (x uniform ±1, ζ independent).
        let ey2 = des.theta.norm_squared() + 0.25;
        let mut z = Vec::new();
        for m in &ms {
            let g = m.gram();
            for j in 0..d {
                for l in j + 1..d {
                    z.push(g[(j, l)] / nf.sqrt());
                }
                let th = des.theta[j];
                z.push((m.xy[j] - nf * th) / (nf * (ey2 - th * th)).sqrt());
            }
        }
        let kf = z.len() as f64;
        let mean = z.iter().sum::<f64>() / kf;
        let ss = z.iter().map(|v| v * v).sum::<f64>() / kf;
        // Entries of one replicate are uncorrelated (Rademacher products), so the bands of
        // independent N(0, 1) apply.
        assert!(mean.abs() < 5.0 / kf.sqrt(), "mean {mean}");
        assert!(
            (ss - 1.0).abs() < 5.0 * (2.0 / kf).sqrt(),
            "second moment {ss}"
        );
    }

    /// Same distribution as the library's ChaCha draw ([`RademacherDesign::moments`]) at small
    /// n (40: fair-bit splits only; 5000: BTRS at the upper levels): mean and variance of an
    /// off-diagonal Gram entry and of two Σxỹ entries over 3000 draws of each (two-sample z
    /// within 5; variances within 5 SE).
    #[test]
    fn moments_match_the_library_draw() {
        for n in [40u64, 5000] {
            library_comparison(n);
        }
    }

    fn library_comparison(n: u64) {
        let d = 4usize;
        let des = design(d, 2);
        let job = Cells::new(&des, n, 1.5).unwrap();
        let reps: Vec<u64> = (0..3000).collect();
        let twin = job
            .moments_cpu(PhiloxKey::new(3, "cells-lib"), &reps)
            .unwrap();
        let mut rng = crate::rng::stream(3, "cells-lib", 0);
        let lib: Vec<Moments> = (0..3000)
            .map(|_| des.moments(n, 1.5, &mut rng).unwrap())
            .collect();
        let stats = |v: &[f64]| {
            let m = v.iter().sum::<f64>() / v.len() as f64;
            let s2 = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - 1) as f64;
            (m, s2)
        };
        for (name, a, b) in [
            (
                "xx(0,1)",
                twin.iter().map(|m| m.gram()[(0, 1)]).collect::<Vec<_>>(),
                lib.iter().map(|m| m.xx[(0, 1)]).collect::<Vec<_>>(),
            ),
            (
                "xy(0)",
                twin.iter().map(|m| m.xy[0]).collect(),
                lib.iter().map(|m| m.xy[0]).collect(),
            ),
            (
                "xy(3)",
                twin.iter().map(|m| m.xy[3]).collect(),
                lib.iter().map(|m| m.xy[3]).collect(),
            ),
        ] {
            let ((ma, va), (mb, vb)) = (stats(&a), stats(&b));
            let nf = a.len() as f64;
            let z = (ma - mb) / ((va + vb) / nf).sqrt();
            assert!(
                z.abs() < 5.0,
                "n = {n}, {name}: means {ma} vs {mb} (z = {z})"
            );
            // Var of a sample variance ≈ 2σ⁴/(n−1) for near-normal entries.
            let se = ((2.0 * va * va + 2.0 * vb * vb) / nf).sqrt();
            assert!(
                (va - vb).abs() < 5.0 * se,
                "n = {n}, {name}: variances {va} vs {vb}"
            );
        }
    }

    #[test]
    fn replicates_do_not_depend_on_the_batch() {
        let des = design(5, 3);
        let job = Cells::new(&des, 1_000_000, 1.5).unwrap();
        let key = PhiloxKey::new(1, "cells-batch");
        let all = job.moments_cpu(key, &[0, 1, 2, 3, 4]).unwrap();
        let one = job.moments_cpu(key, &[3]).unwrap();
        assert_eq!(all[3], one[0]);
        assert_ne!(all[2], all[3]);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let des = design(3, 1);
        assert!(Cells::new(&des, 0, 1.5).is_err());
        assert!(Cells::new(&des, MAX_USERS, 1.5).is_err());
        assert!(Cells::new(&des, 10, 0.0).is_err());
        assert!(Cells::new(&des, 10, f64::NAN).is_err());
        let big = design(MAX_CELL_DIM + 1, 1);
        assert!(Cells::new(&big, 10, 1.5).is_err());
        let job = Cells::new(&des, 10, 1.5).unwrap();
        assert!(
            job.moments_cpu(PhiloxKey([0, 0]), &[MAX_REPLICATE])
                .is_err()
        );
    }
}

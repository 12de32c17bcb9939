//! Comb log-likelihood ratios ("new" per-QNM and "old" per-bin phase marginalisation, spec §3.3)
//! for a batch of parameter points: one CUDA block per point, its threads over the comb's teeth,
//! a fixed-shape tree reduction over the threads.
//!
//! The CPU twin is the library itself: [`CombLikelihood::log_ratio`] per point, in parallel
//! ([`log_ratio_batch_cpu`]). The kernel is a transcription of that function's tooth loop (same
//! band, cut, tooth range, phase rotation and Lorentzian arithmetic; `ln I₀` from the same Cephes
//! tables). [`EchoData::log_ratio_mirror`] is the kernel's own order of operations in Rust (per-tooth
//! contributions, the same thread striding and tree), tested here against the library, so the
//! transcription is checked on every `cargo test` and not only on a GPU.

use crate::device::{KernelJob, KernelSource};
use crate::echo::bessel::{I0E_A, I0E_B, ln_i0};
use crate::echo::likelihood::{CombLikelihood, LikelihoodKind};
use crate::echo::spectrum::Spectrum;
use crate::echo::template::{CUT, CombParams, DurationFactor};
use crate::error::{Error, Result};
use rayon::prelude::*;
use std::f64::consts::PI;

/// The kernel's registry entry: the Bessel tables, then the kernel.
pub const SOURCE: KernelSource = KernelSource {
    kernels: &[KERNEL],
    cuda: || cuda_tables() + CUDA_SRC,
};

/// The kernel's name.
const KERNEL: &str = "vs_echo_loglike";

/// Threads per block of `vs_echo_loglike` (a power of two: the tree halves it).
pub const THREADS: usize = 128;

/// The data arrays the kernel reads, computed as [`CombLikelihood::new`] computes them.
#[derive(Debug, Clone)]
pub struct EchoData {
    /// Frequencies.
    pub freq: Vec<f64>,
    /// Re of `4Δf d̃_k / S_k`.
    pub w_re: Vec<f64>,
    /// Im of `4Δf d̃_k / S_k`.
    pub w_im: Vec<f64>,
    /// `|4Δf d̃_k / S_k|`.
    pub w_abs: Vec<f64>,
    /// `2Δf / S_k`.
    pub v: Vec<f64>,
    /// First frequency.
    pub f0: f64,
    /// Bin width.
    pub df: f64,
    /// Template duration T = 1/Δf.
    pub duration: f64,
    /// +1 for the reference duration factor, −1 for the exact one.
    pub sign: f64,
    /// Per-QNM ("new") or per-bin ("old") marginalisation.
    pub kind: LikelihoodKind,
}

impl EchoData {
    /// Prepare `spec` for `kind` with the duration factor `factor`.
    pub fn new(spec: &Spectrum, kind: LikelihoodKind, factor: DurationFactor) -> Self {
        let df = spec.df();
        let w: Vec<_> = spec
            .data()
            .iter()
            .zip(spec.psd())
            .map(|(d, s)| d * (4.0 * df / s))
            .collect();
        Self {
            freq: spec.freq().to_vec(),
            w_re: w.iter().map(|z| z.re).collect(),
            w_im: w.iter().map(|z| z.im).collect(),
            w_abs: w.iter().map(|z| z.norm()).collect(),
            v: spec.psd().iter().map(|s| 2.0 * df / s).collect(),
            f0: spec.freq()[0],
            df,
            duration: spec.duration(),
            sign: match factor {
                DurationFactor::Reference => 1.0,
                DurationFactor::Exact => -1.0,
            },
            kind,
        }
    }

    /// Bytes the kernel reads per pass over the whole grid (for the bandwidth column).
    pub fn bytes(&self) -> usize {
        self.freq.len() * 5 * std::mem::size_of::<f64>()
    }

    /// Band bins `[lo, hi)` as the library slices them.
    pub fn band(&self, fmin: f64, fmax: f64) -> (usize, usize) {
        let n = self.freq.len() as f64;
        let lo = ((fmin - self.f0) / self.df).floor().clamp(0.0, n) as usize;
        let hi = ((fmax - self.f0) / self.df + 2.0).floor().clamp(0.0, n) as usize;
        (lo, hi.max(lo))
    }

    /// The kernel's computation in Rust: per-tooth contributions, tooth n_first + t + jB summed
    /// by thread t in order, then the B = [`THREADS`] partial sums by the halving tree.
    pub fn log_ratio_mirror(&self, p: &CombParams) -> f64 {
        let (lo, hi) = self.band(p.fmin, p.fmax);
        if lo >= hi {
            return 0.0;
        }
        let g = self.geometry(p, lo, hi);
        let mut part = [0.0; THREADS];
        for (t, slot) in part.iter_mut().enumerate() {
            let mut acc = 0.0;
            let mut n = g.n_first + t as i64;
            while n <= g.n_last {
                acc += self.tooth(p, &g, n, lo, hi);
                n += THREADS as i64;
            }
            *slot = acc;
        }
        let mut s = THREADS / 2;
        while s > 0 {
            for t in 0..s {
                part[t] += part[t + s];
            }
            s /= 2;
        }
        part[0]
    }

    fn geometry(&self, p: &CombParams, lo: usize, hi: usize) -> Geometry {
        let (gamma, delta, t) = (p.width, p.spacing, self.duration);
        let c1 = (1.0 - CUT * CUT).sqrt() * gamma / CUT;
        let c2 = 6.0 * PI / t;
        let cut = c1.max(c2).min(PI * delta);
        let inv_delta = 1.0 / delta;
        let (rs, rc) = (self.sign * 2.0 * PI * self.df * t).sin_cos();
        Geometry {
            cut,
            half_f: cut / (2.0 * PI),
            e_gt: (-gamma * t).exp(),
            rot: (rc, rs),
            n_first: ((self.freq[lo] - p.phase * delta) * inv_delta + 0.5).floor() as i64,
            n_last: ((self.freq[hi - 1] - p.phase * delta) * inv_delta + 0.5).floor() as i64,
        }
    }

    /// Tooth n's contribution: `ln I₀(|Σx|) − ΣE` (new) or `Σ ln I₀(|x_k|) − ΣE` (old).
    fn tooth(&self, p: &CombParams, g: &Geometry, n: i64, lo: usize, hi: usize) -> f64 {
        let (gamma, a, phi, delta, t) = (p.width, p.amplitude, p.phase, p.spacing, self.duration);
        let fc = (n as f64 + phi) * delta;
        let k_lo =
            (((fc - g.half_f - self.f0) / self.df).floor() as i64 - 1).max(lo as i64) as usize;
        let k_hi = (((fc + g.half_f - self.f0) / self.df).ceil() as i64 + 2)
            .min(hi as i64)
            .max(k_lo as i64) as usize;
        let (mut xr, mut xi, mut e, mut c) = (0.0, 0.0, 0.0, 0.0);
        let (mut zr, mut zi) = (0.0, 0.0);
        let mut k_prev = usize::MAX;
        for k in k_lo..k_hi {
            let u = (self.freq[k] - phi * delta) / delta;
            let nk = (u + 0.5).floor();
            if nk as i64 != n {
                continue;
            }
            let wp = (u - nk) * delta * 2.0 * PI;
            if !(-g.cut < wp && wp < g.cut) {
                continue;
            }
            if k_prev == usize::MAX {
                let (s, co) = (self.sign * wp * t).sin_cos();
                (zr, zi) = (co, s);
            } else {
                for _ in k_prev..k {
                    (zr, zi) = (zr * g.rot.0 - zi * g.rot.1, zr * g.rot.1 + zi * g.rot.0);
                }
            }
            k_prev = k;
            let fin_re = 1.0 - g.e_gt * zr;
            let fin_im = -g.e_gt * zi;
            let den = a / (gamma * gamma + wp * wp);
            let l_re = gamma * gamma * den;
            let l_im = -gamma * wp * den;
            let hr = l_re * fin_re - l_im * fin_im;
            let hi_ = l_re * fin_im + l_im * fin_re;
            let h2 = hr * hr + hi_ * hi_;
            e += self.v[k] * h2;
            match self.kind {
                LikelihoodKind::New => {
                    // w · conj(h), as num-complex multiplies.
                    let (cr, ci) = (hr, -hi_);
                    xr += self.w_re[k] * cr - self.w_im[k] * ci;
                    xi += self.w_re[k] * ci + self.w_im[k] * cr;
                }
                LikelihoodKind::Old => c += ln_i0(self.w_abs[k] * h2.sqrt()),
            }
        }
        match self.kind {
            LikelihoodKind::New => -e + ln_i0(xr.hypot(xi)),
            LikelihoodKind::Old => c - e,
        }
    }
}

struct Geometry {
    cut: f64,
    half_f: f64,
    e_gt: f64,
    rot: (f64, f64),
    n_first: i64,
    n_last: i64,
}

/// CPU twin of the batch kernel: the library's [`CombLikelihood::log_ratio`] at every point,
/// in parallel.
pub fn log_ratio_batch_cpu(lik: &CombLikelihood, points: &[CombParams]) -> Vec<f64> {
    points.par_iter().map(|p| lik.log_ratio(p)).collect()
}

/// The kernel's tables as CUDA `__constant__` arrays, printed from the library's Cephes tables (`echo::bessel`) with
/// Rust's shortest round-trip formatting, so the device parses back the same doubles.
pub fn cuda_tables() -> String {
    let fmt = |name: &str, t: &[f64]| {
        let body: Vec<String> = t.iter().map(|v| format!("{v:e}")).collect();
        format!(
            "__constant__ double {name}[{}] = {{{}}};\n",
            t.len(),
            body.join(", ")
        )
    };
    fmt("vs_i0e_a", &I0E_A) + &fmt("vs_i0e_b", &I0E_B)
}

/// CUDA kernel `vs_echo_loglike` (after [`cuda_tables`]): block b evaluates point b exactly as
/// [`EchoData::log_ratio_mirror`]. Launch with [`THREADS`] threads and THREADS doubles of
/// shared memory.
pub const CUDA_SRC: &str = r#"
__device__ double vs_chbevl(double x, const double* c, int n) {
    double b0 = c[0], b1 = 0.0, b2 = 0.0;
    for (int i = 1; i < n; ++i) { b2 = b1; b1 = b0; b0 = x * b1 - b2 + c[i]; }
    return 0.5 * (b0 - b2);
}

__device__ double vs_ln_i0(double x) {
    x = fabs(x);
    if (x < 0.5) {
        double t = 0.25 * x * x;
        double s = t * (1.0 + t / 4.0 * (1.0 + t / 9.0 * (1.0 + t / 16.0 * (1.0 + t / 25.0
                 * (1.0 + t / 36.0 * (1.0 + t / 49.0 * (1.0 + t / 64.0)))))));
        return log1p(s);
    }
    double i0e = x <= 8.0 ? vs_chbevl(0.5 * x - 2.0, vs_i0e_a, 30)
                          : vs_chbevl(32.0 / x - 2.0, vs_i0e_b, 25) / sqrt(x);
    return log(i0e) + x;
}

/* Thread `tid` of `nthreads`: the sum of the contributions of teeth n_first + tid + j*nthreads
   of the point p (a kernel-independent function so the host emulation test can call it). */
__device__ double vs_echo_thread(
    const double* freq, const double* w_re, const double* w_im, const double* w_abs,
    const double* v, vs_u32 nbins, double f0, double df, double duration, double sign,
    int kind_new, const double* p, vs_u32 tid, vs_u32 nthreads)
{
    const double PI = 3.141592653589793;
    double gamma = p[0], a = p[1], phi = p[2], delta = p[3], band_lo = p[4], band_hi = p[5];
    double t = duration;
    double nb = (double)nbins;
    double lo_f = floor((band_lo - f0) / df);
    lo_f = lo_f < 0.0 ? 0.0 : (lo_f > nb ? nb : lo_f);
    double hi_f = floor((band_hi - f0) / df + 2.0);
    hi_f = hi_f < 0.0 ? 0.0 : (hi_f > nb ? nb : hi_f);
    long long lo = (long long)lo_f, hi = (long long)hi_f;
    if (hi < lo) hi = lo;
    double acc = 0.0;
    if (lo >= hi) return acc;
    double c1 = sqrt(1.0 - 0.2 * 0.2) * gamma / 0.2;
    double c2 = 6.0 * PI / t;
    double cut = fmin(fmax(c1, c2), PI * delta);
    double half_f = cut / (2.0 * PI);
    double inv_delta = 1.0 / delta;
    double e_gt = exp(-gamma * t);
    double rarg = sign * 2.0 * PI * df * t;
    double rs = sin(rarg), rc = cos(rarg);
    long long n_first = (long long)floor((freq[lo] - phi * delta) * inv_delta + 0.5);
    long long n_last = (long long)floor((freq[hi - 1] - phi * delta) * inv_delta + 0.5);
    for (long long n = n_first + (long long)tid; n <= n_last; n += (long long)nthreads) {
        double fc = ((double)n + phi) * delta;
        long long k_lo = (long long)floor((fc - half_f - f0) / df) - 1;
        if (k_lo < lo) k_lo = lo;
        long long k_hi = (long long)ceil((fc + half_f - f0) / df) + 2;
        if (k_hi > hi) k_hi = hi;
        if (k_hi < k_lo) k_hi = k_lo;
        double xr = 0.0, xi = 0.0, e = 0.0, c = 0.0, zr = 0.0, zi = 0.0;
        long long k_prev = -1;
        for (long long k = k_lo; k < k_hi; ++k) {
            double u = (freq[k] - phi * delta) / delta;
            double nk = floor(u + 0.5);
            if ((long long)nk != n) continue;
            double wp = (u - nk) * delta * 2.0 * PI;
            if (!(-cut < wp && wp < cut)) continue;
            if (k_prev < 0) {
                double arg = sign * wp * t;
                zr = cos(arg); zi = sin(arg);
            } else {
                for (long long j = k_prev; j < k; ++j) {
                    double nr = zr * rc - zi * rs;
                    double ni = zr * rs + zi * rc;
                    zr = nr; zi = ni;
                }
            }
            k_prev = k;
            double fin_re = 1.0 - e_gt * zr;
            double fin_im = -e_gt * zi;
            double den = a / (gamma * gamma + wp * wp);
            double l_re = gamma * gamma * den;
            double l_im = -gamma * wp * den;
            double hr = l_re * fin_re - l_im * fin_im;
            double hi_ = l_re * fin_im + l_im * fin_re;
            double h2 = hr * hr + hi_ * hi_;
            e += v[k] * h2;
            if (kind_new) {
                double cr = hr, ci = -hi_;
                xr += w_re[k] * cr - w_im[k] * ci;
                xi += w_re[k] * ci + w_im[k] * cr;
            } else {
                c += vs_ln_i0(w_abs[k] * sqrt(h2));
            }
        }
        acc += kind_new ? (-e + vs_ln_i0(hypot(xr, xi))) : (c - e);
    }
    return acc;
}

extern "C" __global__ void vs_echo_loglike(
    const double* freq, const double* w_re, const double* w_im, const double* w_abs,
    const double* v, vs_u32 nbins, double f0, double df, double duration, double sign,
    int kind_new, const double* params, vs_u32 npoints, double* out)
{
    extern __shared__ double part[];
    vs_u32 b = blockIdx.x;
    if (b >= npoints) return;
    part[threadIdx.x] = vs_echo_thread(freq, w_re, w_im, w_abs, v, nbins, f0, df, duration,
        sign, kind_new, params + 6 * (vs_u64)b, threadIdx.x, blockDim.x);
    __syncthreads();
    for (unsigned int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) part[threadIdx.x] += part[threadIdx.x + s];
        __syncthreads();
    }
    if (threadIdx.x == 0) out[b] = part[0];
}
"#;

/// Comb log-likelihood ratios of batches of points on one prepared data set.
pub trait EchoBatch: Sync {
    /// `ln Λ` at every point (points are validated first; a non-finite value is an error).
    fn log_ratios(&self, points: &[CombParams]) -> Result<Vec<f64>>;
}

/// Prepare an echo data set for many batches of likelihood evaluations: on a GPU, the data are
/// uploaded once and every batch is one launch; on the twins, every batch is
/// [`EchoData::log_ratio_mirror`] per point (the kernel's order of operations).
#[derive(Debug, Clone, Copy)]
pub struct EchoPrepare<'a> {
    /// The data set.
    pub data: &'a EchoData,
}

impl KernelJob for EchoPrepare<'_> {
    type Output = Box<dyn EchoBatch>;

    fn run_cpu(&self) -> Result<Box<dyn EchoBatch>> {
        Ok(Box::new(TwinEcho(self.data.clone())))
    }

    #[cfg(feature = "cuda")]
    fn run_cuda(&self, gpu: &crate::device::cuda::Gpu) -> Result<Box<dyn EchoBatch>> {
        Ok(Box::new(cuda::GpuEcho::upload(*gpu, self.data)?))
    }
}

/// A non-finite log ratio is an error naming the point.
fn check_ratios(v: Vec<f64>, points: &[CombParams]) -> Result<Vec<f64>> {
    if let Some(i) = v.iter().position(|x| !x.is_finite()) {
        return Err(Error::Numerical(format!(
            "log likelihood ratio is {} at {:?}",
            v[i], points[i]
        )));
    }
    Ok(v)
}

/// The twins' batches: the kernel's arithmetic per point, points in parallel.
struct TwinEcho(EchoData);

impl EchoBatch for TwinEcho {
    fn log_ratios(&self, points: &[CombParams]) -> Result<Vec<f64>> {
        for p in points {
            p.validate()?;
        }
        let v: Vec<f64> = points
            .par_iter()
            .map(|p| self.0.log_ratio_mirror(p))
            .collect();
        check_ratios(v, points)
    }
}

/// The GPU's batches: the data resident on the device, one block per point.
#[cfg(feature = "cuda")]
mod cuda {
    use super::{EchoBatch, EchoData, KERNEL, THREADS, check_ratios};
    use crate::device::cuda::Gpu;
    use crate::device::cuda::launch::{blocks, error, to_u32};
    use crate::echo::likelihood::LikelihoodKind;
    use crate::echo::template::CombParams;
    use crate::error::Result;
    use cudarc::driver::{CudaSlice, PushKernelArg};

    /// Echo data resident on the device (uploaded once per data set, reused for every batch).
    pub(super) struct GpuEcho {
        gpu: Gpu,
        freq: CudaSlice<f64>,
        w_re: CudaSlice<f64>,
        w_im: CudaSlice<f64>,
        w_abs: CudaSlice<f64>,
        v: CudaSlice<f64>,
        nbins: u32,
        f0: f64,
        df: f64,
        duration: f64,
        sign: f64,
        kind_new: i32,
    }

    impl GpuEcho {
        /// Upload a prepared data set once (a search then evaluates many batches on it).
        pub(super) fn upload(gpu: Gpu, data: &EchoData) -> Result<Self> {
            Ok(Self {
                gpu,
                freq: gpu.upload(&data.freq, "frequencies")?,
                w_re: gpu.upload(&data.w_re, "data weights")?,
                w_im: gpu.upload(&data.w_im, "data weights")?,
                w_abs: gpu.upload(&data.w_abs, "data weights")?,
                v: gpu.upload(&data.v, "noise weights")?,
                nbins: to_u32(data.freq.len(), "frequency bins")?,
                f0: data.f0,
                df: data.df,
                duration: data.duration,
                sign: data.sign,
                kind_new: i32::from(data.kind == LikelihoodKind::New),
            })
        }
    }

    impl EchoBatch for GpuEcho {
        /// `ln Λ` (new or old, as the data were prepared) at every point: one block per point,
        /// as [`EchoData::log_ratio_mirror`] and the library's `CombLikelihood::log_ratio`.
        /// Points are validated first ([`CombParams::validate`]), as the CLI's `loglike` does.
        fn log_ratios(&self, points: &[CombParams]) -> Result<Vec<f64>> {
            if points.is_empty() {
                return Ok(Vec::new());
            }
            for p in points {
                p.validate()?;
            }
            let gpu = &self.gpu;
            let np = to_u32(points.len(), "points")?;
            let f = gpu.function(KERNEL)?;
            let flat: Vec<f64> = points.iter().flat_map(|p| p.to_array()).collect();
            let params = gpu.upload(&flat, "points")?;
            let mut out = gpu.zeros::<f64>(points.len(), "log ratios")?;
            let mut l = gpu.stream().launch_builder(&f);
            l.arg(&self.freq)
                .arg(&self.w_re)
                .arg(&self.w_im)
                .arg(&self.w_abs);
            l.arg(&self.v).arg(&self.nbins).arg(&self.f0).arg(&self.df);
            l.arg(&self.duration).arg(&self.sign).arg(&self.kind_new);
            l.arg(&params).arg(&np).arg(&mut out);
            let shared = (THREADS * std::mem::size_of::<f64>()) as u32;
            // SAFETY: argument types and order match vs_echo_loglike; the block has THREADS
            // threads and THREADS doubles of shared memory, out holds one double per point.
            unsafe { l.launch(blocks((np, 1), THREADS as u32, shared)) }
                .map_err(|e| error("launching vs_echo_loglike", e))?;
            let v = gpu.download(&out, "log ratios")?;
            gpu.sync()?;
            check_ratios(v, points)
        }
    }
}

/// A toy data set with an injected comb, for the tests here and the `veristat device` check:
/// `bins` bins of width Δf = 0.25 (T = 4), a sloped PSD, Gaussian noise from `seed`.
pub fn toy_spectrum(bins: usize, seed: u64) -> Result<Spectrum> {
    use crate::echo::spectrum::gaussian_noise;
    use crate::echo::template::qnm_comb;
    let mut rng = crate::rng::stream(seed, "echo-toy-spectrum", 0);
    let df = 0.25;
    let freq: Vec<f64> = (0..bins).map(|k| k as f64 * df).collect();
    let psd: Vec<f64> = freq.iter().map(|f| 1.0 + 0.01 * f).collect();
    let noise = gaussian_noise(&psd, df, &mut rng)?;
    let spec = Spectrum::new(freq.clone(), noise, psd)?;
    let p = CombParams {
        width: 0.8,
        amplitude: 1.5,
        phase: 0.37,
        spacing: 7.3,
        fmin: 0.0,
        fmax: freq[bins - 1],
    };
    let (h, _) = qnm_comb(&freq, &p, 1.0 / df, DurationFactor::Reference);
    spec.inject(&h, 1.0)
}

/// `count` parameter points spread over the prior box of the toy spectrum (width, amplitude,
/// phase, spacing, band), from `seed`.
pub fn random_points(count: usize, fmax: f64, seed: u64) -> Vec<CombParams> {
    use rand::RngExt;
    let mut r = crate::rng::stream(seed, "echo-points", 0);
    (0..count)
        .map(|_| {
            let lo = r.random::<f64>() * 0.3 * fmax;
            CombParams {
                width: 0.05 + 3.0 * r.random::<f64>(),
                amplitude: 3.0 * r.random::<f64>(),
                phase: r.random::<f64>(),
                spacing: 1.0 + 9.0 * r.random::<f64>(),
                fmin: lo,
                fmax: lo + (fmax - lo) * (0.3 + 0.7 * r.random::<f64>()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_order_mirror_matches_the_library() {
        let spec = toy_spectrum(400, 5).unwrap();
        let fmax = *spec.freq().last().unwrap();
        let mut pts = random_points(300, fmax, 9);
        // Edge cases: an empty band, a band below the grid, a very narrow and a very wide tooth.
        pts.push(CombParams {
            fmin: 200.0,
            fmax: 300.0,
            ..pts[0]
        });
        pts.push(CombParams {
            fmin: -50.0,
            fmax: -40.0,
            ..pts[0]
        });
        pts.push(CombParams {
            width: 1e-6,
            ..pts[1]
        });
        pts.push(CombParams {
            width: 500.0,
            spacing: 0.6,
            ..pts[2]
        });
        for kind in [LikelihoodKind::New, LikelihoodKind::Old] {
            for factor in [DurationFactor::Reference, DurationFactor::Exact] {
                let lik = CombLikelihood::new(&spec, kind).with_factor(factor);
                let data = EchoData::new(&spec, kind, factor);
                for p in &pts {
                    let (m, l) = (data.log_ratio_mirror(p), lik.log_ratio(p));
                    assert!(
                        (m - l).abs() <= 1e-12 * l.abs().max(1.0),
                        "{kind:?} {factor:?} {p:?}: mirror {m} library {l}"
                    );
                }
            }
        }
    }

    #[test]
    fn batch_twin_is_the_library_per_point() {
        let spec = toy_spectrum(300, 6).unwrap();
        let pts = random_points(64, 74.0, 2);
        let lik = CombLikelihood::new(&spec, LikelihoodKind::New);
        let batch = log_ratio_batch_cpu(&lik, &pts);
        for (b, p) in batch.iter().zip(&pts) {
            assert_eq!(b.to_bits(), lik.log_ratio(p).to_bits());
        }
    }

    #[test]
    fn tables_print_as_cuda_constants() {
        let t = cuda_tables();
        assert!(
            t.starts_with("__constant__ double vs_i0e_a[30] = {-4.41534"),
            "{t}"
        );
        assert!(t.contains("vs_i0e_b[25]"));
        // Every printed number parses back to the same double.
        let nums: Vec<f64> = t
            .split(['{', '}', ','])
            .filter_map(|s| s.trim().parse().ok())
            .collect();
        let all: Vec<f64> = I0E_A.iter().chain(&I0E_B).copied().collect();
        assert_eq!(nums, all);
    }
}

//! Monte Carlo risk replicates of the chain Gaussian graphical model on d variables (edges
//! (0,1), (1,2), …, (d−2,d−1); t = (x_i, x_i², x_i x_{i+1}), p = 3d − 1), the family of case C
//! of the `expfam-risk-expansion` claim (d = 4, equicorrelated truth N(1, Σ), Σ_ii = 1,
//! Σ_ij = ½, whose dense precision lies outside the model). 2 ≤ d ≤ [`MAX_D`].
//!
//! One GPU thread runs one replicate, all in f64:
//!
//! 1. n draws x = m + Lz from the truth N(m, Σ), L the lower Cholesky factor of Σ and z the
//!    replicate's Philox normals, accumulating Σx_i, Σx_i², Σx_i x_{i+1};
//! 2. the MLE: m̂ = t̄_x and the sample moments S_ii = t̄_{x_i²} − m̂_i², S_{i,i+1} =
//!    t̄_{x_i x_{i+1}} − m̂_i m̂_{i+1}. A chain is decomposable (cliques {i, i+1}, separators
//!    {i}, 0 < i < d − 1), so the MLE of the precision has the closed form
//!    K̂ = Σ_cliques [S_C⁻¹]⁰ − Σ_separators [S_s⁻¹]⁰ and det Σ̂ = Π det S_C / Π S_ss
//!    (Lauritzen, *Graphical Models*, 1996, Prop. 5.9 and eq. (5.21)); the clique inverses are
//!    2 × 2 and written out;
//! 3. the exact loss KL(g_θ* ‖ g_θ̂) = ½[tr(K̂Σ*) + (m̂ − m*)ᵀK̂(m̂ − m*) − d + ln det Σ̂ −
//!    ln det Σ*] (the library's `Gaussian::kl`); K̂ is tridiagonal, so only Σ*'s diagonal and
//!    first off-diagonal enter;
//! 4. the control variate Q = ½ZᵀI⁻¹Z, Z = t̄ − η* (E Q = c1/n).
//!
//! A replicate whose clique sample covariances are not positive definite (a variance ≤ 0 or a
//! determinant below 1e-12 of its diagonal product: n too small) has no MLE: its loss is NaN
//! and the call is an error. θ*, Σ*, η*, I⁻¹ and c1, c2 come from the library
//! ([`crate::expfam::risk`]); [`ChainRisk::replicates_cpu`] is the CPU twin of the CUDA kernel
//! `vs_expfam_chain_risk`.

use super::{Replicates, check_finite_because, check_n};
use crate::device::philox::{PhiloxKey, PhiloxStream};
use crate::device::{KernelJob, KernelSource};
use crate::error::{Error, Result};
use crate::expfam::families::{Gaussian, Structure};
use crate::expfam::family::ExponentialFamily;
use crate::expfam::projection::project_truth;
use crate::expfam::risk::{ExpansionTerms, RiskDraw, expansion_terms};
use crate::expfam::truth::Truth;
use crate::linalg::Cholesky;
use rayon::prelude::*;

/// The kernel's registry entry.
pub const SOURCE: KernelSource = KernelSource {
    kernels: &[KERNEL],
    cuda: || CUDA_SRC.into(),
};

/// The kernel's name.
const KERNEL: &str = "vs_expfam_chain_risk";

/// The largest chain the kernel handles (its per-thread arrays are sized for it).
pub const MAX_D: usize = 8;

/// Everything one replicate needs, prepared once by the library's projection code.
#[derive(Debug, Clone)]
pub struct ChainRisk {
    d: usize,
    family: Gaussian,
    /// Truth mean m.
    mean: Vec<f64>,
    /// Lower Cholesky factor of the truth's Σ, row-major d × d.
    chol: Vec<f64>,
    /// m* = mean of the projection g_θ*.
    m_star: Vec<f64>,
    /// η* = E_g t (p = 3d − 1 entries, in the family's statistic order).
    eta: Vec<f64>,
    /// Σ*_ii and Σ*_{i,i+1} of g_θ*.
    s_diag: Vec<f64>,
    s_off: Vec<f64>,
    /// ln det Σ*.
    ld_star: f64,
    /// I(θ*)⁻¹, row-major p × p.
    fisher_inv: Vec<f64>,
    terms: ExpansionTerms,
}

/// The chain graphical model on d variables, edges (i, i + 1) in order (the statistic order the
/// kernel accumulates in).
pub fn chain_family(d: usize) -> Result<Gaussian> {
    if !(2..=MAX_D).contains(&d) {
        return Err(Error::param(
            "d",
            d,
            format!("the chain risk kernel needs 2 <= d <= {MAX_D}"),
        ));
    }
    Gaussian::new(
        d,
        Structure::Graphical((0..d - 1).map(|i| (i, i + 1)).collect()),
    )
}

impl ChainRisk {
    /// Prepare for a d-variate Gaussian truth N(m, Σ) (Σ positive definite), 2 ≤ d ≤ [`MAX_D`],
    /// fitted by the chain model on its d variables.
    pub fn new(truth: &Truth) -> Result<Self> {
        let Truth::Gaussian { mean, cov } = truth else {
            return Err(Error::InvalidData(format!(
                "the chain-model risk kernel draws from a multivariate Gaussian truth, not {}",
                truth.label()
            )));
        };
        let d = mean.len();
        let family = chain_family(d)?;
        if cov.nrows() != d || cov.ncols() != d {
            return Err(Error::DimensionMismatch {
                what: "truth covariance",
                expected: d,
                got: cov.nrows(),
            });
        }
        crate::error::check::all_finite("mean", mean.as_slice())?;
        crate::error::check::all_finite("cov", cov.as_slice())?;
        let l = cov
            .clone()
            .cholesky()
            .ok_or_else(|| Error::param("cov", "truth covariance", "must be positive definite"))?
            .l();
        let pt = project_truth(&family, family.truth_moments(truth)?)?;
        let terms = expansion_terms(&pt.model, &pt.truth)?;
        let inv = Cholesky::new(&pt.model.fisher, "Fisher information")?.inverse();
        let mc = family.mean_cov(&pt.theta)?;
        let ld_star = Cholesky::new(&mc.cov, "projected covariance")?.log_det();
        let p = family.dim();
        Ok(Self {
            d,
            mean: mean.iter().copied().collect(),
            chol: (0..d * d).map(|k| l[(k / d, k % d)]).collect(),
            m_star: mc.mean.iter().copied().collect(),
            eta: pt.truth.eta.iter().copied().collect(),
            s_diag: (0..d).map(|i| mc.cov[(i, i)]).collect(),
            s_off: (0..d - 1).map(|i| mc.cov[(i, i + 1)]).collect(),
            ld_star,
            fisher_inv: (0..p * p).map(|k| inv[(k / p, k % p)]).collect(),
            terms,
            family,
        })
    }

    /// Variables d.
    pub fn d(&self) -> usize {
        self.d
    }

    /// The fitted model (the library's family).
    pub fn family(&self) -> &Gaussian {
        &self.family
    }

    /// c1, c2 of the risk expansion.
    pub fn terms(&self) -> ExpansionTerms {
        self.terms
    }

    /// The kernel's parameter block: m (d), L (d², row-major), m* (d), η* (3d − 1), Σ*_ii (d),
    /// Σ*_{i,i+1} (d − 1), ln det Σ* (1), I⁻¹ ((3d − 1)², row-major).
    pub fn kernel_params(&self) -> Vec<f64> {
        let mut v = Vec::with_capacity(self.param_len());
        v.extend(&self.mean);
        v.extend(&self.chol);
        v.extend(&self.m_star);
        v.extend(&self.eta);
        v.extend(&self.s_diag);
        v.extend(&self.s_off);
        v.push(self.ld_star);
        v.extend(&self.fisher_inv);
        v
    }

    fn param_len(&self) -> usize {
        let (d, p) = (self.d, 3 * self.d - 1);
        4 * d + d * d + p + p * p
    }

    /// Replicate r: the sums of t over n draws from stream r of `key`, in the statistic order
    /// (Σx_i, Σx_i², Σx_i x_{i+1}).
    pub fn sums(&self, key: PhiloxKey, r: u64, n: usize) -> Vec<f64> {
        let d = self.d;
        let mut s = PhiloxStream::new(key, r);
        let mut z = [0.0; MAX_D];
        let mut x = [0.0; MAX_D];
        let mut t = vec![0.0; 3 * d - 1];
        for _ in 0..n {
            for zj in z.iter_mut().take(d) {
                *zj = s.normal();
            }
            for (j, xj) in x.iter_mut().enumerate().take(d) {
                // Row j of L, k = 0..=j, in order.
                let mut acc = 0.0;
                for (l, zk) in self.chol[j * d..=j * d + j].iter().zip(&z) {
                    acc += l * zk;
                }
                *xj = self.mean[j] + acc;
            }
            for j in 0..d {
                t[j] += x[j];
                t[d + j] += x[j] * x[j];
            }
            for j in 0..d - 1 {
                t[2 * d + j] += x[j] * x[j + 1];
            }
        }
        t
    }

    /// The loss and control variate from the sums of t (shared by the twin and, line for line,
    /// the kernel).
    pub fn from_sums(&self, sums: &[f64], n: usize) -> RiskDraw {
        let d = self.d;
        let p = 3 * d - 1;
        let nf = n as f64;
        let mut tb = [0.0; 3 * MAX_D - 1];
        for a in 0..p {
            tb[a] = sums[a] / nf;
        }
        // Sample moments and the closed-form decomposable MLE.
        let mut sd = [0.0; MAX_D];
        let mut so = [0.0; MAX_D];
        for j in 0..d {
            sd[j] = tb[d + j] - tb[j] * tb[j];
        }
        for j in 0..d - 1 {
            so[j] = tb[2 * d + j] - tb[j] * tb[j + 1];
        }
        let mut kd = [0.0; MAX_D];
        let mut ko = [0.0; MAX_D];
        let mut ld_hat = 0.0;
        // The MLE exists when every clique covariance is positive definite; a determinant
        // below 1e-12 of its diagonal product is singular up to rounding.
        let mut ok = true;
        for v in sd.iter().take(d) {
            ok &= *v > 0.0;
        }
        for j in 0..d - 1 {
            let det = sd[j] * sd[j + 1] - so[j] * so[j];
            ok &= det > 1e-12 * (sd[j] * sd[j + 1]);
            kd[j] += sd[j + 1] / det;
            kd[j + 1] += sd[j] / det;
            ko[j] = -so[j] / det;
            ld_hat += det.ln();
        }
        for j in 1..d - 1 {
            kd[j] -= 1.0 / sd[j];
            ld_hat -= sd[j].ln();
        }
        // ½[tr(K̂Σ*) + dmᵀK̂dm − d + ln det Σ̂ − ln det Σ*].
        let mut tr = 0.0;
        let mut quad = 0.0;
        for j in 0..d {
            let dm = tb[j] - self.m_star[j];
            tr += kd[j] * self.s_diag[j];
            quad += kd[j] * dm * dm;
        }
        for j in 0..d - 1 {
            let dm0 = tb[j] - self.m_star[j];
            let dm1 = tb[j + 1] - self.m_star[j + 1];
            tr += 2.0 * (ko[j] * self.s_off[j]);
            quad += 2.0 * (ko[j] * dm0 * dm1);
        }
        let kl = if ok {
            0.5 * (tr + quad - d as f64 + ld_hat - self.ld_star)
        } else {
            f64::NAN
        };
        let mut z = [0.0; 3 * MAX_D - 1];
        for a in 0..p {
            z[a] = tb[a] - self.eta[a];
        }
        let mut acc = 0.0;
        for (a, za) in z.iter().enumerate().take(p) {
            // Row a of I⁻¹ against Z, b = 0..p, in order.
            let mut row = 0.0;
            for (f, zb) in self.fisher_inv[a * p..(a + 1) * p].iter().zip(&z) {
                row += f * zb;
            }
            acc += za * row;
        }
        RiskDraw { kl, q: 0.5 * acc }
    }

    /// CPU twin of the kernel: replicates `first .. first + count` at sample size n, in
    /// parallel over replicates (each on its own stream). Errors: n < 2, or a replicate whose
    /// clique sample covariances are not positive definite (no MLE).
    pub fn replicates_cpu(
        &self,
        key: PhiloxKey,
        first: u64,
        count: usize,
        n: usize,
    ) -> Result<Vec<RiskDraw>> {
        check_n(n)?;
        let out: Vec<RiskDraw> = (first..first + count as u64)
            .into_par_iter()
            .map(|r| self.from_sums(&self.sums(key, r, n), n))
            .collect();
        check_finite_because(&out, first, NO_MLE)?;
        Ok(out)
    }
}

impl KernelJob for Replicates<'_, ChainRisk> {
    type Output = Vec<RiskDraw>;

    fn run_cpu(&self) -> Result<Vec<RiskDraw>> {
        self.case
            .replicates_cpu(self.key, self.first, self.count, self.n)
    }

    /// One thread per replicate, same Philox streams as [`ChainRisk::replicates_cpu`].
    #[cfg(feature = "cuda")]
    fn run_cuda(&self, gpu: &crate::device::cuda::Gpu) -> Result<Vec<RiskDraw>> {
        use super::launch;
        use crate::device::cuda::launch::{error, to_u32};
        use cudarc::driver::PushKernelArg;
        let (case, key, first, n) = (self.case, self.key, self.first, self.n);
        check_n(n)?;
        if self.count == 0 {
            return Ok(Vec::new());
        }
        let (count32, n32) = (to_u32(self.count, "replicates")?, to_u32(n, "n")?);
        let d32 = to_u32(case.d(), "d")?;
        let f = gpu.function(KERNEL)?;
        let prm = gpu.upload(&case.kernel_params(), "chain parameters")?;
        let (mut kl, mut q) = launch::buffers(gpu, self.count)?;
        let [k0, k1] = key.0;
        let mut l = gpu.stream().launch_builder(&f);
        l.arg(&k0)
            .arg(&k1)
            .arg(&first)
            .arg(&count32)
            .arg(&n32)
            .arg(&d32);
        l.arg(&prm).arg(&mut kl).arg(&mut q);
        // SAFETY: the arguments match vs_expfam_chain_risk's signature in type and order; prm is
        // the parameter block laid out for d (ChainRisk::kernel_params, d <= MAX_D checked when
        // the case was built) and kl/q hold `count` doubles, the most the kernel writes.
        unsafe { l.launch(launch::grid(count32)) }
            .map_err(|e| error("launching vs_expfam_chain_risk", e))?;
        launch::results(gpu, &kl, &q, first, NO_MLE)
    }
}

/// Why a chain replicate's loss is not finite.
pub const NO_MLE: &str =
    "a clique's sample covariance is not positive definite, so the chain-model MLE does not exist";

/// CUDA kernel `vs_expfam_chain_risk`: thread r runs replicate `first + r`, exactly as
/// [`ChainRisk::sums`] and [`ChainRisk::from_sums`]; `prm` is [`ChainRisk::kernel_params`].
pub const CUDA_SRC: &str = r#"
#define VS_CHAIN_MAX_D 8
extern "C" __global__ void vs_expfam_chain_risk(
    vs_u32 k0, vs_u32 k1, vs_u64 first, vs_u32 count, vs_u32 n, vs_u32 d,
    const double* prm, double* kl_out, double* q_out)
{
    vs_u32 r = blockIdx.x * blockDim.x + threadIdx.x;
    if (r >= count) return;
    vs_u32 p = 3 * d - 1;
    const double* tm = prm;
    const double* L = tm + d;
    const double* ms = L + d * d;
    const double* eta = ms + d;
    const double* s_diag = eta + p;
    const double* s_off = s_diag + d;
    double ld_star = s_off[d - 1];
    const double* fi = s_off + d;
    vs_stream s;
    vs_stream_init(&s, k0, k1, first + (vs_u64)r);
    double z[VS_CHAIN_MAX_D], x[VS_CHAIN_MAX_D];
    double t[3 * VS_CHAIN_MAX_D - 1];
    for (vs_u32 a = 0; a < p; ++a) t[a] = 0.0;
    for (vs_u32 i = 0; i < n; ++i) {
        for (vs_u32 j = 0; j < d; ++j) z[j] = vs_normal(&s);
        for (vs_u32 j = 0; j < d; ++j) {
            double acc = 0.0;
            for (vs_u32 k = 0; k <= j; ++k) acc += L[j * d + k] * z[k];
            x[j] = tm[j] + acc;
        }
        for (vs_u32 j = 0; j < d; ++j) {
            t[j] += x[j];
            t[d + j] += x[j] * x[j];
        }
        for (vs_u32 j = 0; j + 1 < d; ++j) t[2 * d + j] += x[j] * x[j + 1];
    }
    double nf = (double)n;
    double tb[3 * VS_CHAIN_MAX_D - 1];
    for (vs_u32 a = 0; a < p; ++a) tb[a] = t[a] / nf;
    double sd[VS_CHAIN_MAX_D], so[VS_CHAIN_MAX_D];
    for (vs_u32 j = 0; j < d; ++j) sd[j] = tb[d + j] - tb[j] * tb[j];
    for (vs_u32 j = 0; j + 1 < d; ++j) so[j] = tb[2 * d + j] - tb[j] * tb[j + 1];
    double kd[VS_CHAIN_MAX_D], ko[VS_CHAIN_MAX_D];
    for (vs_u32 j = 0; j < d; ++j) { kd[j] = 0.0; ko[j] = 0.0; }
    double ld_hat = 0.0;
    int ok = 1;
    for (vs_u32 j = 0; j < d; ++j) ok &= sd[j] > 0.0;
    for (vs_u32 j = 0; j + 1 < d; ++j) {
        double det = sd[j] * sd[j + 1] - so[j] * so[j];
        ok &= det > 1e-12 * (sd[j] * sd[j + 1]);
        kd[j] += sd[j + 1] / det;
        kd[j + 1] += sd[j] / det;
        ko[j] = -so[j] / det;
        ld_hat += log(det);
    }
    for (vs_u32 j = 1; j + 1 < d; ++j) {
        kd[j] -= 1.0 / sd[j];
        ld_hat -= log(sd[j]);
    }
    double tr = 0.0, quad = 0.0;
    for (vs_u32 j = 0; j < d; ++j) {
        double dm = tb[j] - ms[j];
        tr += kd[j] * s_diag[j];
        quad += kd[j] * dm * dm;
    }
    for (vs_u32 j = 0; j + 1 < d; ++j) {
        double dm0 = tb[j] - ms[j];
        double dm1 = tb[j + 1] - ms[j + 1];
        tr += 2.0 * (ko[j] * s_off[j]);
        quad += 2.0 * (ko[j] * dm0 * dm1);
    }
    kl_out[r] = ok ? 0.5 * (tr + quad - (double)d + ld_hat - ld_star) : nan("");
    double zz[3 * VS_CHAIN_MAX_D - 1];
    for (vs_u32 a = 0; a < p; ++a) zz[a] = tb[a] - eta[a];
    double acc = 0.0;
    for (vs_u32 a = 0; a < p; ++a) {
        double row = 0.0;
        for (vs_u32 b = 0; b < p; ++b) row += fi[a * p + b] * zz[b];
        acc += zz[a] * row;
    }
    q_out[r] = 0.5 * acc;
}
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::montecarlo::stats;
    use nalgebra::{DMatrix, DVector};

    fn case_c() -> Truth {
        let d = 4;
        Truth::Gaussian {
            mean: DVector::from_element(d, 1.0),
            cov: DMatrix::from_fn(d, d, |i, j| if i == j { 1.0 } else { 0.5 }),
        }
    }

    /// For drawn sums, the twin's closed-form MLE and loss equal the library's: θ̂ from
    /// `natural_from_mean(t̄)` (Newton's information projection) and
    /// `Gaussian::kl(θ*, θ̂)` (Cholesky factors); the control variate equals ½ZᵀI⁻¹Z from the
    /// library's projection.
    #[test]
    fn loss_equals_the_library_kl() {
        let truth = case_c();
        let cr = ChainRisk::new(&truth).unwrap();
        let fam = cr.family().clone();
        let pt = project_truth(&fam, fam.truth_moments(&truth).unwrap()).unwrap();
        let inv = Cholesky::new(&pt.model.fisher, "I").unwrap().inverse();
        let key = PhiloxKey::new(3, "chain-kl-check");
        for (r, n) in [(0u64, 20usize), (1, 50), (2, 200), (3, 1000), (4, 5000)] {
            let s = cr.sums(key, r, n);
            let d = cr.from_sums(&s, n);
            let tbar = DVector::from_iterator(s.len(), s.iter().map(|v| v / n as f64));
            let theta_hat = fam.natural_from_mean(&tbar).unwrap();
            let lib = fam.kl(&pt.theta, &theta_hat).unwrap();
            // Both sides cancel O(d) terms down to KL ≈ c1/n, so the relative rounding error
            // grows like ε·d·n/c1: 1e-15·n leaves room (observed 4e-14 at n = 1000, 2e-13 at
            // n = 5000; θ̂ is Newton-converged to 1e-12 in η).
            assert!(
                (d.kl - lib).abs() <= 1e-15 * n as f64 * lib.abs(),
                "n={n}: twin {} library {lib}",
                d.kl
            );
            let z = &tbar - &pt.truth.eta;
            let q = 0.5 * z.dot(&(&inv * &z));
            assert!((d.q - q).abs() <= 1e-12 * q, "n={n}: q {} vs {q}", d.q);
            // The closed-form K̂ is the library's fitted precision (its pattern entries).
            let mc = fam.mean_cov(&theta_hat).unwrap();
            let k_lib = Cholesky::new(&mc.cov, "Σ̂").unwrap().inverse();
            let (kd, ko) = closed_form_precision(&tbar, 4);
            for j in 0..4 {
                assert!((kd[j] - k_lib[(j, j)]).abs() <= 1e-10 * k_lib[(j, j)].abs());
            }
            for j in 0..3 {
                assert!((ko[j] - k_lib[(j, j + 1)]).abs() <= 1e-10 * k_lib[(j, j)].abs());
                // Off the chain, the library's K̂ is zero (to the Newton tolerance).
                if j + 2 < 4 {
                    assert!(k_lib[(j, j + 2)].abs() <= 1e-9 * k_lib[(j, j)].abs());
                }
            }
        }
    }

    /// K̂ = Σ_C [S_C⁻¹]⁰ − Σ_s [S_s⁻¹]⁰ assembled with nalgebra inverses (not the twin's
    /// written-out 2 × 2 algebra): diagonal and first off-diagonal.
    fn closed_form_precision(tbar: &DVector<f64>, d: usize) -> (Vec<f64>, Vec<f64>) {
        let cov = |i: usize, j: usize| {
            if i == j {
                tbar[d + i] - tbar[i] * tbar[i]
            } else {
                tbar[2 * d + i.min(j)] - tbar[i] * tbar[j]
            }
        };
        let mut k = DMatrix::zeros(d, d);
        for c in 0..d - 1 {
            let s = DMatrix::from_fn(2, 2, |a, b| cov(c + a, c + b));
            let inv = s.try_inverse().unwrap();
            for a in 0..2 {
                for b in 0..2 {
                    k[(c + a, c + b)] += inv[(a, b)];
                }
            }
        }
        for s in 1..d - 1 {
            k[(s, s)] -= 1.0 / cov(s, s);
        }
        (
            (0..d).map(|j| k[(j, j)]).collect(),
            (0..d - 1).map(|j| k[(j, j + 1)]).collect(),
        )
    }

    /// The truth's moments of the draws: mean 1 and Σ_ij = ½ off the diagonal (through the
    /// sums' means over replicates, each within 5 SE).
    #[test]
    fn draws_have_the_truths_moments() {
        let cr = ChainRisk::new(&case_c()).unwrap();
        let key = PhiloxKey::new(8, "chain-moments");
        let (n, reps) = (20, 20_000u64);
        let sums: Vec<Vec<f64>> = (0..reps).map(|r| cr.sums(key, r, n)).collect();
        // E t: x_i → 1, x_i² → 2, x_i x_{i+1} → 1.5.
        let want = |a: usize| match a {
            0..4 => 1.0,
            4..8 => 2.0,
            _ => 1.5,
        };
        for a in 0..11 {
            let v: Vec<f64> = sums.iter().map(|s| s[a] / n as f64).collect();
            let (m, se) = (stats::mean(&v).unwrap(), stats::std_error(&v).unwrap());
            assert!((m - want(a)).abs() < 5.0 * se, "t[{a}]: {m} ± {se}");
        }
    }

    /// The mean loss matches the library's exact expansion c1/n + c2/n² (control variate, 4 SE),
    /// for the claim's case C and for a truth inside the model (c1 = p/2 = 5.5); E Q = c1/n.
    #[test]
    fn mean_loss_matches_the_risk_expansion() {
        let d = 4;
        let inside = {
            // The projection of an AR(1)-like truth onto the chain is itself a chain member.
            let fam = chain_family(d).unwrap();
            let t = Truth::Gaussian {
                mean: DVector::from_fn(d, |i, _| 0.5 - i as f64),
                cov: DMatrix::from_fn(d, d, |i, j| 0.6f64.powi((i as i32 - j as i32).abs())),
            };
            let pt = project_truth(&fam, fam.truth_moments(&t).unwrap()).unwrap();
            let mc = fam.mean_cov(&pt.theta).unwrap();
            Truth::Gaussian {
                mean: mc.mean,
                cov: mc.cov,
            }
        };
        for (label, truth, n, reps) in [
            ("C", case_c(), 200, 20_000),
            ("inside", inside, 200, 20_000),
        ] {
            let cr = ChainRisk::new(&truth).unwrap();
            let t = cr.terms();
            let sim = crate::expfam::RiskSimulation::new(
                std::sync::Arc::new(cr.family().clone()),
                &truth,
            )
            .unwrap();
            assert_eq!(sim.terms(), t);
            let key = PhiloxKey::new(11, "chain-twin");
            let draws = cr.replicates_cpu(key, 0, reps, n).unwrap();
            crate::expfam::kernels::assert_draws_match_expansion(&draws, &t, n, label);
            if label == "inside" {
                assert!((t.c1 - 5.5).abs() < 1e-9, "{t:?}");
            }
        }
    }

    #[test]
    fn replicates_depend_only_on_their_index() {
        let cr = ChainRisk::new(&case_c()).unwrap();
        let key = PhiloxKey::new(5, "chain-shard");
        let all = cr.replicates_cpu(key, 0, 40, 30).unwrap();
        let tail = cr.replicates_cpu(key, 25, 15, 30).unwrap();
        assert_eq!(&all[25..], &tail[..]);
        assert_eq!(cr.kernel_params().len(), cr.param_len());
    }

    #[test]
    fn bad_inputs_are_errors() {
        let cr = ChainRisk::new(&case_c()).unwrap();
        assert!(cr.replicates_cpu(PhiloxKey([1, 2]), 0, 3, 1).is_err());
        assert!(ChainRisk::new(&Truth::parse("gamma:4", 1).unwrap()).is_err());
        let big = Truth::Gaussian {
            mean: DVector::zeros(9),
            cov: DMatrix::identity(9, 9),
        };
        let e = ChainRisk::new(&big).unwrap_err();
        assert!(e.to_string().contains('d'), "{e}");
        let singular = Truth::Gaussian {
            mean: DVector::zeros(3),
            cov: DMatrix::from_element(3, 3, 1.0),
        };
        assert!(ChainRisk::new(&singular).is_err());
        // n = 2 draws of d = 4: a 2 × 2 clique covariance from 2 points is singular.
        let e = cr
            .replicates_cpu(PhiloxKey([1, 2]), 0, 4, 2)
            .map(|v| v.iter().map(|d| d.kl).collect::<Vec<_>>());
        assert!(e.is_err(), "{e:?}");
    }
}

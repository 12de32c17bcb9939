//! Monte Carlo risk replicates of the normal model N(μ, σ²) (t = (x, x²)), the family of case A
//! of the `expfam-risk-expansion` claim (normal model, Gamma(4) truth) and of the correctly
//! specified normal row of `expfam-c1-correct`.
//!
//! The normal model is the one family whose whole replicate is closed form: the MLE is
//! (t̄₁, t̄₂ − t̄₁²) and KL(N(μ*, σ*²) ‖ N(μ̂, σ̂²)) = ½[(ρ − 1 − ln ρ) + (μ* − μ̂)²/σ̂²] with
//! ρ = σ*²/σ̂². One GPU thread runs one replicate: n draws from the truth on the replicate's own
//! Philox stream, the sums of x and x² in f64, the MLE, the exact KL and the control variate
//! Q = ½ZᵀI⁻¹Z (Z = t̄ − η*, E Q = c1/n). [`NormalRisk::replicates_cpu`] is the CPU twin.
//!
//! θ*, η*, I⁻¹ and the expansion terms come from the library ([`crate::expfam::risk`]), so the
//! twin and the kernel simulate exactly the quantity the claim verifies.

use super::{Replicates, check_finite_because, check_n};
use crate::device::philox::{PhiloxKey, PhiloxStream};
use crate::device::{Device, KernelJob, KernelSource};
use crate::error::{Error, Result};
use crate::expfam::families::Gaussian;
use crate::expfam::family::ExponentialFamily;
use crate::expfam::risk::{ExpansionTerms, MonteCarloRisk, RiskDraw, exact_terms, summarize};
use crate::expfam::truth::{Truth, Univariate};
use crate::linalg::Cholesky;
use rayon::prelude::*;

/// The kernel's registry entry.
pub const SOURCE: KernelSource = KernelSource {
    kernels: &[KERNEL],
    cuda: || CUDA_SRC.into(),
};

/// The kernel's name.
const KERNEL: &str = "vs_expfam_normal_risk";

/// A truth the kernel can draw from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NormalRiskTruth {
    /// N(mean, sd²): the correctly specified case (c1 = p/2 = 1).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// Gamma(shape, scale): the misspecified case A of the risk-expansion claim.
    Gamma {
        /// Shape.
        shape: f64,
        /// Scale.
        scale: f64,
    },
}

impl NormalRiskTruth {
    /// (kind code, p1, p2) as the kernel takes them: 0 = normal (mean, sd), 1 = gamma
    /// (shape, scale).
    pub fn code(&self) -> (i32, f64, f64) {
        match *self {
            Self::Normal { mean, sd } => (0, mean, sd),
            Self::Gamma { shape, scale } => (1, shape, scale),
        }
    }

    #[inline]
    fn draw(&self, s: &mut PhiloxStream) -> f64 {
        match *self {
            Self::Normal { mean, sd } => mean + sd * s.normal(),
            Self::Gamma { shape, scale } => scale * s.gamma(shape),
        }
    }
}

/// Everything one replicate needs, prepared once by the library's projection code.
#[derive(Debug, Clone)]
pub struct NormalRisk {
    truth: NormalRiskTruth,
    /// μ* and σ*² of the information projection.
    mu_star: f64,
    var_star: f64,
    /// η* = E_g t = (μ*, σ*² + μ*²).
    eta: [f64; 2],
    /// I(θ*)⁻¹ as (11, 12, 22).
    fisher_inv: [f64; 3],
    terms: ExpansionTerms,
}

impl NormalRisk {
    /// Prepare for a univariate normal or gamma truth (the others have no sampler in the
    /// kernel); θ*, I and c1, c2 come from [`exact_terms`] of the library's normal model.
    pub fn new(truth: &Truth) -> Result<Self> {
        let t = match truth {
            Truth::Univariate(Univariate::Normal { mean, sd }) => NormalRiskTruth::Normal {
                mean: *mean,
                sd: *sd,
            },
            Truth::Univariate(Univariate::Gamma { shape, scale }) => NormalRiskTruth::Gamma {
                shape: *shape,
                scale: *scale,
            },
            other => {
                return Err(Error::InvalidData(format!(
                    "the normal-model risk kernel draws from normal and gamma truths, not {}",
                    other.label()
                )));
            }
        };
        let family = Gaussian::normal();
        let (theta, terms) = exact_terms(&family, truth)?;
        let eta = family.mean(&theta)?;
        let fisher = family.fisher(&theta)?;
        let inv = Cholesky::new(&fisher, "Fisher information")?.inverse();
        let (m, m2) = (eta[0], eta[1]);
        Ok(Self {
            truth: t,
            mu_star: m,
            var_star: m2 - m * m,
            eta: [m, m2],
            fisher_inv: [inv[(0, 0)], inv[(0, 1)], inv[(1, 1)]],
            terms,
        })
    }

    /// The truth drawn from.
    pub fn truth(&self) -> NormalRiskTruth {
        self.truth
    }

    /// c1, c2 of the risk expansion.
    pub fn terms(&self) -> ExpansionTerms {
        self.terms
    }

    /// The flat parameter list of the kernel after the truth: μ*, σ*², η*₁, η*₂, I⁻¹₁₁, I⁻¹₁₂,
    /// I⁻¹₂₂.
    pub fn kernel_params(&self) -> [f64; 7] {
        [
            self.mu_star,
            self.var_star,
            self.eta[0],
            self.eta[1],
            self.fisher_inv[0],
            self.fisher_inv[1],
            self.fisher_inv[2],
        ]
    }

    /// The loss and control variate from the sums of x and x² over n draws (shared by the twin
    /// and, line for line, the kernel).
    #[inline]
    pub fn from_sums(&self, s1: f64, s2: f64, n: usize) -> RiskDraw {
        let nf = n as f64;
        let m1 = s1 / nf;
        let m2 = s2 / nf;
        let var_hat = m2 - m1 * m1;
        // ρ − 1 − ln ρ through ln_1p: ρ is near 1, where ln ρ would cancel against ρ − 1.
        let rho_m1 = self.var_star / var_hat - 1.0;
        let dm = self.mu_star - m1;
        let kl = 0.5 * ((rho_m1 - rho_m1.ln_1p()) + dm * dm / var_hat);
        let z1 = m1 - self.eta[0];
        let z2 = m2 - self.eta[1];
        let [i11, i12, i22] = self.fisher_inv;
        let q = 0.5 * (i11 * z1 * z1 + 2.0 * i12 * z1 * z2 + i22 * z2 * z2);
        RiskDraw { kl, q }
    }

    /// Replicate r: n draws from stream r of `key`, reduced to (Σx, Σx²).
    pub fn sums(&self, key: PhiloxKey, r: u64, n: usize) -> (f64, f64) {
        let mut s = PhiloxStream::new(key, r);
        let (mut s1, mut s2) = (0.0, 0.0);
        for _ in 0..n {
            let x = self.truth.draw(&mut s);
            s1 += x;
            s2 += x * x;
        }
        (s1, s2)
    }

    /// CPU twin of the kernel: replicates `first .. first + count` at sample size n, in
    /// parallel over replicates (each on its own stream, so the thread count does not matter).
    /// Errors: n < 2 (no MLE of σ²), or a non-finite loss.
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
            .map(|r| {
                let (s1, s2) = self.sums(key, r, n);
                self.from_sums(s1, s2, n)
            })
            .collect();
        check_finite(&out, first)?;
        Ok(out)
    }
}

impl NormalRisk {
    /// The claim-level summary of `replicates` replicates at n on the CPU twin: plain and
    /// control-variate risk with standard errors, ĉ2 ([`summarize`], the summary
    /// `RiskSimulation::run` gives).
    pub fn run_cpu(&self, key: PhiloxKey, n: usize, replicates: usize) -> Result<MonteCarloRisk> {
        self.run_on(&Device::Twins, key, n, replicates)
    }

    /// [`NormalRisk::run_cpu`] on `device`: replicates 0..`replicates` at n, summarized as the
    /// claim summarizes them.
    pub fn run_on(
        &self,
        device: &Device,
        key: PhiloxKey,
        n: usize,
        replicates: usize,
    ) -> Result<MonteCarloRisk> {
        crate::error::check::at_least("replicates", replicates, 2)?;
        let draws = device.run(&Replicates::new(self, key, 0, replicates, n))?;
        summarize(n, &draws, &self.terms)
    }
}

impl KernelJob for Replicates<'_, NormalRisk> {
    type Output = Vec<RiskDraw>;

    fn run_cpu(&self) -> Result<Vec<RiskDraw>> {
        self.case
            .replicates_cpu(self.key, self.first, self.count, self.n)
    }

    /// One thread per replicate, same Philox streams as [`NormalRisk::replicates_cpu`].
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
        let f = gpu.function(KERNEL)?;
        let (mut kl, mut q) = launch::buffers(gpu, self.count)?;
        let (kind, p1, p2) = case.truth().code();
        let [mu, var, eta1, eta2, i11, i12, i22] = case.kernel_params();
        let [k0, k1] = key.0;
        let mut l = gpu.stream().launch_builder(&f);
        l.arg(&k0).arg(&k1).arg(&first).arg(&count32).arg(&n32);
        l.arg(&kind).arg(&p1).arg(&p2);
        l.arg(&mu).arg(&var).arg(&eta1).arg(&eta2);
        l.arg(&i11).arg(&i12).arg(&i22);
        l.arg(&mut kl).arg(&mut q);
        // SAFETY: the arguments match vs_expfam_normal_risk's signature in type and order, and
        // kl/q hold `count` doubles, the most the kernel writes.
        unsafe { l.launch(launch::grid(count32)) }
            .map_err(|e| error("launching vs_expfam_normal_risk", e))?;
        launch::results(gpu, &kl, &q, first, NO_MLE)
    }
}

/// A replicate whose sample variance rounds to 0 has no MLE: report it instead of averaging an
/// infinite loss.
pub fn check_finite(draws: &[RiskDraw], first: u64) -> Result<()> {
    check_finite_because(draws, first, NO_MLE)
}

/// Why a normal-model replicate's loss is not finite.
pub const NO_MLE: &str = "the sample variance is 0";

/// CUDA kernel `vs_expfam_normal_risk`: thread r runs replicate `first + r`, exactly as
/// [`NormalRisk::sums`] and [`NormalRisk::from_sums`].
pub const CUDA_SRC: &str = r#"
extern "C" __global__ void vs_expfam_normal_risk(
    vs_u32 k0, vs_u32 k1, vs_u64 first, vs_u32 count, vs_u32 n,
    int truth_kind, double p1, double p2,
    double mu_star, double var_star, double eta1, double eta2,
    double i11, double i12, double i22,
    double* kl_out, double* q_out)
{
    vs_u32 r = blockIdx.x * blockDim.x + threadIdx.x;
    if (r >= count) return;
    vs_stream s;
    vs_stream_init(&s, k0, k1, first + (vs_u64)r);
    double s1 = 0.0, s2 = 0.0;
    for (vs_u32 i = 0; i < n; ++i) {
        double x;
        if (truth_kind == 0) {
            x = p1 + p2 * vs_normal(&s);
        } else {
            x = p2 * vs_gamma(&s, p1);
        }
        s1 += x;
        s2 += x * x;
    }
    double nf = (double)n;
    double m1 = s1 / nf;
    double m2 = s2 / nf;
    double var_hat = m2 - m1 * m1;
    double rho_m1 = var_star / var_hat - 1.0;
    double dm = mu_star - m1;
    kl_out[r] = 0.5 * ((rho_m1 - log1p(rho_m1)) + dm * dm / var_hat);
    double z1 = m1 - eta1;
    double z2 = m2 - eta2;
    q_out[r] = 0.5 * (i11 * z1 * z1 + 2.0 * i12 * z1 * z2 + i22 * z2 * z2);
}
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expfam::kernels::assert_draws_match_expansion;
    use nalgebra::DVector;

    /// The closed-form KL of the twin equals the library's Bregman KL ψ(θ̂) − ψ(θ*) −
    /// (θ̂ − θ*)ᵀη* at the MLE the library computes from the same t̄.
    #[test]
    fn loss_equals_the_library_bregman_kl() {
        let truth = Truth::parse("gamma:4", 1).unwrap();
        let nr = NormalRisk::new(&truth).unwrap();
        let fam = Gaussian::normal();
        let (theta_star, _) = exact_terms(&fam, &truth).unwrap();
        let key = PhiloxKey::new(3, "kl-check");
        for (r, n) in [(0u64, 20usize), (1, 50), (2, 200), (3, 1000)] {
            let (s1, s2) = nr.sums(key, r, n);
            let d = nr.from_sums(s1, s2, n);
            let tbar = DVector::from_vec(vec![s1 / n as f64, s2 / n as f64]);
            let theta_hat = fam.natural_from_mean(&tbar).unwrap();
            let lib = fam.kl(&theta_star, &theta_hat).unwrap();
            assert!(
                (d.kl - lib).abs() <= 1e-9 * lib.abs(),
                "n={n}: twin {} library {lib}",
                d.kl
            );
        }
    }

    /// The mean loss of the twin's replicates matches the library's exact expansion c1/n + c2/n²
    /// (control-variate estimate, 4 standard errors), for a correctly specified normal truth
    /// (c1 = 1) and the claim's Gamma(4) truth (c1 = 1.375, c2 = 6.28125).
    #[test]
    fn mean_loss_matches_the_risk_expansion() {
        for (spec, n, reps) in [("normal:1,2", 200, 20_000), ("gamma:4", 400, 20_000)] {
            let truth = Truth::parse(spec, 1).unwrap();
            let nr = NormalRisk::new(&truth).unwrap();
            let t = nr.terms();
            let key = PhiloxKey::new(11, "expfam-twin");
            let draws = nr.replicates_cpu(key, 0, reps, n).unwrap();
            assert_draws_match_expansion(&draws, &t, n, spec);
        }
        let nr = NormalRisk::new(&Truth::parse("gamma:4", 1).unwrap()).unwrap();
        assert!((nr.terms().c1 - 1.375).abs() < 1e-9);
    }

    /// The summary agrees with the exact expansion as the claim's check does (control variate
    /// within 2 SE would be the claim; 4 SE here so the test is not flaky across seeds).
    #[test]
    fn claim_summary_matches_the_expansion() {
        let nr = NormalRisk::new(&Truth::parse("gamma:4", 1).unwrap()).unwrap();
        let s = nr
            .run_cpu(PhiloxKey::new(2, "expfam-risk-expansion"), 200, 20_000)
            .unwrap();
        let pred = nr.terms().second_order(200.0);
        assert!((s.risk - pred).abs() < 4.0 * s.se, "{s:?} vs {pred}");
        assert!(nr.run_cpu(PhiloxKey([0, 0]), 200, 1).is_err());
    }

    #[test]
    fn replicates_depend_only_on_their_index() {
        let nr = NormalRisk::new(&Truth::parse("gamma:4", 1).unwrap()).unwrap();
        let key = PhiloxKey::new(5, "expfam-shard");
        let all = nr.replicates_cpu(key, 0, 40, 30).unwrap();
        let tail = nr.replicates_cpu(key, 25, 15, 30).unwrap();
        assert_eq!(&all[25..], &tail[..]);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let nr = NormalRisk::new(&Truth::parse("normal:0,1", 1).unwrap()).unwrap();
        assert!(nr.replicates_cpu(PhiloxKey([1, 2]), 0, 3, 1).is_err());
        assert!(NormalRisk::new(&Truth::parse("poisson:3", 1).unwrap()).is_err());
    }
}

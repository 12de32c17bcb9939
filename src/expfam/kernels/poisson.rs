//! Monte Carlo risk replicates of the Poisson model (t = x, θ = ln μ), the family of case B of
//! the `expfam-risk-expansion` claim (Poisson model, negative-binomial(5, 0.5) truth).
//!
//! The Poisson MLE depends on the data only through S = Σx, so a replicate draws S directly:
//!
//! * negative-binomial(r, p) truth (failures before the r-th success): a sum of n iid NB(r, p)
//!   is NB(nr, p), and NB(nr, p) is the Poisson(λ) mixture over λ ~ Gamma(nr, scale (1 − p)/p);
//!   so λ = scale·Gamma(nr) (Marsaglia–Tsang, [`PhiloxStream::gamma`]) and S ~ Poisson(λ)
//!   ([`PhiloxStream::poisson`], Hörmann's PTRS);
//! * Poisson(μ) truth (the correctly specified check, c1 = ½): S ~ Poisson(nμ).
//!
//! Then, in f64 (spec §3): μ̂ = S/n, the exact loss KL(P_μ* ‖ P_μ̂) = μ*(ρ − 1 − ln ρ) with
//! ρ = μ̂/μ* (the library's `Poisson::kl`, written here with ln_1p(ρ − 1) since ρ is near 1) and
//! the control variate Q = ½ I⁻¹ Z² with Z = t̄ − η*, I = μ* (E Q = c1/n). Two draws per
//! replicate instead of 2n: the kernel's cost does not grow with n. A replicate with S = 0 has no
//! MLE (ln 0): its loss is infinite and the call is an error, as the library's fit is.
//! [`PoissonRisk::replicates_cpu`] is the CPU twin of the CUDA kernel `vs_expfam_poisson_risk`;
//! μ*, η*, I⁻¹ and c1, c2 come from the library's projection ([`crate::expfam::risk`]).

use crate::device::philox::{PhiloxKey, PhiloxStream};
use crate::device::{KernelJob, KernelSource};
use crate::error::{Error, Result};
use crate::expfam::families::Poisson;
use crate::expfam::family::ExponentialFamily;
use crate::expfam::kernels::{Replicates, check_finite_because, check_n};
use crate::expfam::projection::project_truth;
use crate::expfam::risk::{ExpansionTerms, RiskDraw, expansion_terms};
use crate::expfam::truth::{Truth, TruthSampler, Univariate};
use crate::linalg::Cholesky;
use rayon::prelude::*;

/// The kernel's registry entry.
pub const SOURCE: KernelSource = KernelSource {
    kernels: &[KERNEL],
    cuda: || CUDA_SRC.into(),
};

/// The kernel's name.
const KERNEL: &str = "vs_expfam_poisson_risk";

/// A count truth the kernel can draw Σx from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PoissonRiskTruth {
    /// Poisson(mu): correctly specified.
    Poisson {
        /// Mean.
        mu: f64,
    },
    /// Negative binomial NB(r, p) as the mixture Poisson(Gamma(r, scale)), scale = (1 − p)/p.
    NegBin {
        /// r (the Gamma shape of one observation).
        r: f64,
        /// (1 − p)/p.
        scale: f64,
    },
}

impl PoissonRiskTruth {
    /// (kind code, p1, p2) as the kernel takes them: 0 = Poisson (μ, 0), 1 = negative binomial
    /// (r, (1 − p)/p).
    pub fn code(&self) -> (i32, f64, f64) {
        match *self {
            Self::Poisson { mu } => (0, mu, 0.0),
            Self::NegBin { r, scale } => (1, r, scale),
        }
    }
}

/// Everything one replicate needs, prepared once by the library's projection code.
#[derive(Debug, Clone)]
pub struct PoissonRisk {
    truth: PoissonRiskTruth,
    /// μ* = exp(θ*), the mean of the projection (the library's KL reads μ from θ).
    mu_star: f64,
    /// η* = E_g x.
    eta: f64,
    /// I(θ*)⁻¹.
    fisher_inv: f64,
    terms: ExpansionTerms,
}

impl PoissonRisk {
    /// Prepare for a Poisson or negative-binomial truth (the truth's parameters are validated
    /// by the library's sampler: μ > 0, r > 0, p in (0, 1]).
    pub fn new(truth: &Truth) -> Result<Self> {
        let t = match truth {
            Truth::Univariate(Univariate::Poisson { mu }) => PoissonRiskTruth::Poisson { mu: *mu },
            Truth::Univariate(Univariate::NegBin { r, p }) => PoissonRiskTruth::NegBin {
                r: *r,
                scale: (1.0 - p) / p,
            },
            other => {
                return Err(Error::InvalidData(format!(
                    "the Poisson-model risk kernel draws from Poisson and negative-binomial truths, not {}",
                    other.label()
                )));
            }
        };
        TruthSampler::new(truth, 1)?;
        let family = Poisson;
        let pt = project_truth(&family, family.truth_moments(truth)?)?;
        let terms = expansion_terms(&pt.model, &pt.truth)?;
        let inv = Cholesky::new(&pt.model.fisher, "Fisher information")?.inverse();
        Ok(Self {
            truth: t,
            mu_star: family.mean(&pt.theta)?[0],
            eta: pt.truth.eta[0],
            fisher_inv: inv[(0, 0)],
            terms,
        })
    }

    /// The truth drawn from.
    pub fn truth(&self) -> PoissonRiskTruth {
        self.truth
    }

    /// c1, c2 of the risk expansion.
    pub fn terms(&self) -> ExpansionTerms {
        self.terms
    }

    /// The kernel's parameters after the truth: μ*, η*, I⁻¹.
    pub fn kernel_params(&self) -> [f64; 3] {
        [self.mu_star, self.eta, self.fisher_inv]
    }

    /// Replicate r: S = Σx over n draws, from stream r of `key`.
    pub fn sum(&self, key: PhiloxKey, r: u64, n: usize) -> f64 {
        let mut s = PhiloxStream::new(key, r);
        let nf = n as f64;
        match self.truth {
            PoissonRiskTruth::Poisson { mu } => s.poisson(nf * mu),
            PoissonRiskTruth::NegBin { r, scale } => {
                let lambda = scale * s.gamma(nf * r);
                s.poisson(lambda)
            }
        }
    }

    /// The loss and control variate from S (shared by the twin and, line for line, the kernel).
    #[inline]
    pub fn from_sum(&self, sum: f64, n: usize) -> RiskDraw {
        let m = sum / n as f64;
        // ρ − 1 − ln ρ through ln_1p: ρ = μ̂/μ* is near 1.
        let rho_m1 = m / self.mu_star - 1.0;
        let kl = self.mu_star * (rho_m1 - rho_m1.ln_1p());
        let z = m - self.eta;
        let q = 0.5 * (self.fisher_inv * z * z);
        RiskDraw { kl, q }
    }

    /// CPU twin of the kernel: replicates `first .. first + count` at sample size n, in
    /// parallel over replicates (each on its own stream). Errors: n < 2 (as the other risk
    /// kernels), or a replicate with S = 0 (no MLE).
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
            .map(|r| self.from_sum(self.sum(key, r, n), n))
            .collect();
        check_finite_because(&out, first, NO_MLE)?;
        Ok(out)
    }
}

impl KernelJob for Replicates<'_, PoissonRisk> {
    type Output = Vec<RiskDraw>;

    fn run_cpu(&self) -> Result<Vec<RiskDraw>> {
        self.case
            .replicates_cpu(self.key, self.first, self.count, self.n)
    }

    /// One thread per replicate draws Σx (two draws whatever n), same Philox streams as
    /// [`PoissonRisk::replicates_cpu`].
    #[cfg(feature = "cuda")]
    fn run_cuda(&self, gpu: &crate::device::cuda::Gpu) -> Result<Vec<RiskDraw>> {
        use crate::device::cuda::launch::{error, to_u32};
        use crate::expfam::kernels::launch;
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
        let [mu, eta, iinv] = case.kernel_params();
        let [k0, k1] = key.0;
        let mut l = gpu.stream().launch_builder(&f);
        l.arg(&k0).arg(&k1).arg(&first).arg(&count32).arg(&n32);
        l.arg(&kind).arg(&p1).arg(&p2);
        l.arg(&mu).arg(&eta).arg(&iinv);
        l.arg(&mut kl).arg(&mut q);
        // SAFETY: the arguments match vs_expfam_poisson_risk's signature in type and order, and
        // kl/q hold `count` doubles, the most the kernel writes.
        unsafe { l.launch(launch::grid(count32)) }
            .map_err(|e| error("launching vs_expfam_poisson_risk", e))?;
        launch::results(gpu, &kl, &q, first, NO_MLE)
    }
}

/// Why a Poisson replicate's loss is not finite.
pub const NO_MLE: &str = "every count is 0, so the Poisson MLE does not exist";

/// CUDA kernel `vs_expfam_poisson_risk`: thread r runs replicate `first + r`, exactly as
/// [`PoissonRisk::sum`] and [`PoissonRisk::from_sum`].
pub const CUDA_SRC: &str = r#"
extern "C" __global__ void vs_expfam_poisson_risk(
    vs_u32 k0, vs_u32 k1, vs_u64 first, vs_u32 count, vs_u32 n,
    int truth_kind, double p1, double p2,
    double mu_star, double eta, double i_inv,
    double* kl_out, double* q_out)
{
    vs_u32 r = blockIdx.x * blockDim.x + threadIdx.x;
    if (r >= count) return;
    vs_stream s;
    vs_stream_init(&s, k0, k1, first + (vs_u64)r);
    double nf = (double)n;
    double sum;
    if (truth_kind == 0) {
        sum = vs_poisson(&s, nf * p1);
    } else {
        double lambda = p2 * vs_gamma(&s, nf * p1);
        sum = vs_poisson(&s, lambda);
    }
    double m = sum / nf;
    double rho_m1 = m / mu_star - 1.0;
    kl_out[r] = mu_star * (rho_m1 - log1p(rho_m1));
    double z = m - eta;
    q_out[r] = 0.5 * (i_inv * z * z);
}
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::DVector;

    /// For drawn sums, the twin's loss equals the library's: θ̂ from the library's
    /// `natural_from_mean(t̄)` and `Poisson::kl(θ*, θ̂)`; the control variate equals ½Zᵀ I⁻¹ Z
    /// from the library's projection.
    #[test]
    fn loss_equals_the_library_kl() {
        let truth = Truth::parse("negbin:5,0.5", 1).unwrap();
        let pr = PoissonRisk::new(&truth).unwrap();
        let fam = Poisson;
        let pt = project_truth(&fam, fam.truth_moments(&truth).unwrap()).unwrap();
        let key = PhiloxKey::new(3, "poisson-kl-check");
        for (r, n) in [(0u64, 20usize), (1, 50), (2, 200), (3, 1000), (4, 5000)] {
            let s = pr.sum(key, r, n);
            let d = pr.from_sum(s, n);
            let tbar = DVector::from_element(1, s / n as f64);
            let theta_hat = fam.natural_from_mean(&tbar).unwrap();
            let lib = fam.kl(&pt.theta, &theta_hat).unwrap();
            assert!(
                (d.kl - lib).abs() <= 1e-12 * lib.abs(),
                "n={n}: twin {} library {lib}",
                d.kl
            );
            let z = s / n as f64 - pt.truth.eta[0];
            let q = 0.5 * z * z / pt.model.fisher[(0, 0)];
            assert!((d.q - q).abs() <= 1e-13 * q, "n={n}: q {} vs {q}", d.q);
        }
        assert_eq!(pr.truth().code(), (1, 5.0, 1.0));
        // NB(5, 0.5): mean 5, variance 10, so c1 = ½ Var/μ = 1.
        assert!((pr.terms().c1 - 1.0).abs() < 1e-12, "{:?}", pr.terms());
    }

    /// S = Σx has the truth's mean and variance: NB(5, 0.5) per observation has mean 5 and
    /// variance 10, so S has mean 5n and variance 10n (each within 5 SE over 10⁵ replicates).
    #[test]
    fn sums_have_the_truths_moments() {
        let n = 40;
        let reps = 100_000u64;
        // The SE of the sample variance uses the sample's own fourth central moment.
        for (spec, mean, var) in [("negbin:5,0.5", 5.0, 10.0), ("poisson:3", 3.0, 3.0)] {
            let pr = PoissonRisk::new(&Truth::parse(spec, 1).unwrap()).unwrap();
            let key = PhiloxKey::new(9, spec);
            let s: Vec<f64> = (0..reps).map(|r| pr.sum(key, r, n)).collect();
            let nf = reps as f64;
            let m = s.iter().sum::<f64>() / nf;
            let v = s.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (nf - 1.0);
            let m4 = s.iter().map(|x| (x - m).powi(4)).sum::<f64>() / nf;
            let (em, ev) = (mean * n as f64, var * n as f64);
            assert!((m - em).abs() < 5.0 * (ev / nf).sqrt(), "{spec}: mean {m}");
            assert!(
                (v - ev).abs() < 5.0 * ((m4 - v * v) / nf).sqrt(),
                "{spec}: var {v} vs {ev}"
            );
        }
    }

    /// The mean loss of the twin's replicates matches the library's exact expansion c1/n + c2/n²
    /// (control-variate estimate, 4 SE) for a correctly specified Poisson truth (c1 = ½) and the
    /// claim's NB(5, 0.5) truth; E Q = c1/n.
    #[test]
    fn mean_loss_matches_the_risk_expansion() {
        for (spec, n, reps) in [("poisson:4", 200, 40_000), ("negbin:5,0.5", 200, 40_000)] {
            let truth = Truth::parse(spec, 1).unwrap();
            let pr = PoissonRisk::new(&truth).unwrap();
            let t = pr.terms();
            // The library's RiskSimulation computes the same terms.
            let sim =
                crate::expfam::RiskSimulation::new(std::sync::Arc::new(Poisson), &truth).unwrap();
            assert_eq!(sim.terms(), t);
            let key = PhiloxKey::new(11, "poisson-twin");
            let draws = pr.replicates_cpu(key, 0, reps, n).unwrap();
            crate::expfam::kernels::assert_draws_match_expansion(&draws, &t, n, spec);
        }
    }

    #[test]
    fn replicates_depend_only_on_their_index() {
        let pr = PoissonRisk::new(&Truth::parse("negbin:5,0.5", 1).unwrap()).unwrap();
        let key = PhiloxKey::new(5, "poisson-shard");
        let all = pr.replicates_cpu(key, 0, 40, 30).unwrap();
        let tail = pr.replicates_cpu(key, 25, 15, 30).unwrap();
        assert_eq!(&all[25..], &tail[..]);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let pr = PoissonRisk::new(&Truth::parse("poisson:2", 1).unwrap()).unwrap();
        assert!(pr.replicates_cpu(PhiloxKey([1, 2]), 0, 3, 1).is_err());
        assert!(PoissonRisk::new(&Truth::parse("gamma:4", 1).unwrap()).is_err());
        // Σx = 0 has no MLE: a tiny mean makes it certain within a few replicates.
        let tiny = PoissonRisk::new(&Truth::parse("poisson:1e-6", 1).unwrap()).unwrap();
        let e = tiny.replicates_cpu(PhiloxKey([1, 2]), 0, 8, 2).unwrap_err();
        assert!(e.to_string().contains("every count is 0"), "{e}");
    }
}

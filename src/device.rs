//! Which device runs the hot loops: the `--device auto|cpu|cuda` choice and its resolution.
//!
//! Compiled with or without the `cuda` feature, so commands can take the flag in every build: a
//! CPU-only build resolves `auto` to the CPU (saying why) and refuses `cuda` with
//! [`Error::GpuUnavailable`], the same error a CUDA build gives on a machine without a GPU.

use crate::echo::template::CombParams;
use crate::error::{Error, Result};
use crate::expfam::risk::RiskDraw;
use crate::kernels::echo::EchoData;
use crate::kernels::expfam::NormalRisk;
use crate::kernels::expfam_chain::ChainRisk;
use crate::kernels::expfam_poisson::PoissonRisk;
use crate::kernels::ldp::{LdpMessages, LdpSums};
use crate::kernels::ldp_cells::{CellJob, CellMoments};
use crate::kernels::ldp_iht::IhtRound;
use crate::kernels::philox::PhiloxKey;
use rayon::prelude::*;
use std::fmt;
use std::str::FromStr;

/// The user's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeviceChoice {
    /// CUDA when a usable GPU is found, else the CPU.
    #[default]
    Auto,
    /// Always the CPU (rayon over all cores).
    Cpu,
    /// CUDA, or an error.
    Cuda,
}

impl DeviceChoice {
    /// `auto`, `cpu` or `cuda`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Cpu => "cpu",
            Self::Cuda => "cuda",
        }
    }
}

impl FromStr for DeviceChoice {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(Self::Auto),
            "cpu" => Ok(Self::Cpu),
            "cuda" => Ok(Self::Cuda),
            _ => Err(Error::UnknownName {
                kind: "device",
                name: s.to_string(),
                known: "auto, cpu, cuda".into(),
            }),
        }
    }
}

/// The device actually used, with the reason, for the "device: ..." line commands print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// The CPU, and why (asked for, or why CUDA was not usable under `auto`).
    Cpu(String),
    /// CUDA device 0, by name.
    Cuda(String),
}

impl Resolved {
    /// Whether the GPU is used.
    pub fn is_cuda(&self) -> bool {
        matches!(self, Self::Cuda(_))
    }
}

impl fmt::Display for Resolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cpu(why) => write!(f, "device: cpu ({why})"),
            Self::Cuda(name) => write!(f, "device: cuda ({name})"),
        }
    }
}

impl Resolved {
    /// The kernels of the resolved device: `None` for the CPU (callers keep their own CPU
    /// code), the process's GPU for CUDA. A `Cuda` value in a build without the `cuda` feature
    /// (it can only be made by hand) is an [`Error::GpuUnavailable`].
    pub fn kernels(&self) -> Result<Option<&'static dyn Kernels>> {
        match self {
            Self::Cpu(_) => Ok(None),
            #[cfg(feature = "cuda")]
            Self::Cuda(_) => Ok(Some(crate::gpu::Gpu::get()?)),
            #[cfg(not(feature = "cuda"))]
            Self::Cuda(_) => Err(Error::GpuUnavailable(
                "this build has no `cuda` feature".into(),
            )),
        }
    }
}

/// The family (and truth) of an expfam risk kernel's replicates: one kernel per model, one
/// [`Kernels::expfam_risk`] call for all of them.
#[derive(Debug, Clone, Copy)]
pub enum RiskCase<'a> {
    /// Normal model (`vs_expfam_normal_risk`).
    Normal(&'a NormalRisk),
    /// Poisson model (`vs_expfam_poisson_risk`).
    Poisson(&'a PoissonRisk),
    /// Chain Gaussian graphical model (`vs_expfam_chain_risk`).
    Chain(&'a ChainRisk),
}

impl RiskCase<'_> {
    /// The CPU twin of the case's kernel.
    pub fn replicates_cpu(
        &self,
        key: PhiloxKey,
        first: u64,
        count: usize,
        n: usize,
    ) -> Result<Vec<RiskDraw>> {
        match self {
            Self::Normal(c) => c.replicates_cpu(key, first, count, n),
            Self::Poisson(c) => c.replicates_cpu(key, first, count, n),
            Self::Chain(c) => c.replicates_cpu(key, first, count, n),
        }
    }
}

/// The host calls of the GPU kernels, as work that library code routes to a device: the GPU
/// ([`crate::gpu::Gpu`], feature `cuda`) implements it, and so do the CPU twins ([`Twins`]),
/// which draw the same Philox numbers. Routed code is therefore tested without a GPU, and a GPU
/// run can be compared with its twin number for number.
pub trait Kernels: Sync {
    /// Which implementation (for messages).
    fn label(&self) -> String;
    /// Risk replicates `first .. first + count` of `case` at sample size n
    /// ([`RiskCase::replicates_cpu`]).
    fn expfam_risk(
        &self,
        case: RiskCase<'_>,
        key: PhiloxKey,
        first: u64,
        count: usize,
        n: usize,
    ) -> Result<Vec<RiskDraw>>;
    /// The server's sums of the NLDP messages of the users in `x` (n × d, user-major) and `y`
    /// ([`LdpMessages::aggregate_cpu`]).
    fn ldp_aggregate(
        &self,
        msg: &LdpMessages,
        key: PhiloxKey,
        x: &[f64],
        y: &[f64],
    ) -> Result<LdpSums>;
    /// Exact Σxxᵀ and Σxỹ of `job`'s n users for each replicate in `reps`, from the cell counts
    /// drawn under `key` ([`CellJob::moments_cpu`]).
    fn ldp_cells(&self, job: &CellJob, key: PhiloxKey, reps: &[u64]) -> Result<Vec<CellMoments>>;
    /// Prepare an echo data set for many batches of likelihood evaluations (on a GPU: uploaded
    /// once).
    fn echo_prepare<'a>(&'a self, data: &EchoData) -> Result<Box<dyn EchoBatch + 'a>>;
    /// One LDP-IHT round for the replicates `reps` at their current θ (`theta`, one d-vector
    /// per replicate): the sums of the round's Duchi reports, replicate-major
    /// ([`IhtRound::round_cpu`]).
    fn ldp_iht_round(
        &self,
        round: &IhtRound,
        key: PhiloxKey,
        reps: &[u64],
        theta: &[f64],
    ) -> Result<Vec<f64>>;
}

/// Comb log-likelihood ratios of batches of points on one prepared data set.
pub trait EchoBatch: Sync {
    /// `ln Λ` at every point (points are validated first; a non-finite value is an error).
    fn log_ratios(&self, points: &[CombParams]) -> Result<Vec<f64>>;
}

/// The CPU twins as a [`Kernels`] implementation: the GPU's numbers on the CPU (same Philox
/// streams and summation orders), to test device-routed code without a GPU.
#[derive(Debug, Clone, Copy, Default)]
pub struct Twins;

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
        if let Some(i) = v.iter().position(|x| !x.is_finite()) {
            return Err(Error::Numerical(format!(
                "log likelihood ratio is {} at {:?}",
                v[i], points[i]
            )));
        }
        Ok(v)
    }
}

impl Kernels for Twins {
    fn label(&self) -> String {
        "CPU twins".into()
    }
    fn expfam_risk(
        &self,
        case: RiskCase<'_>,
        key: PhiloxKey,
        first: u64,
        count: usize,
        n: usize,
    ) -> Result<Vec<RiskDraw>> {
        case.replicates_cpu(key, first, count, n)
    }
    fn ldp_aggregate(
        &self,
        msg: &LdpMessages,
        key: PhiloxKey,
        x: &[f64],
        y: &[f64],
    ) -> Result<LdpSums> {
        msg.aggregate_cpu(key, x, y)
    }
    fn ldp_cells(&self, job: &CellJob, key: PhiloxKey, reps: &[u64]) -> Result<Vec<CellMoments>> {
        job.moments_cpu(key, reps)
    }
    fn echo_prepare<'a>(&'a self, data: &EchoData) -> Result<Box<dyn EchoBatch + 'a>> {
        Ok(Box::new(TwinEcho(data.clone())))
    }
    fn ldp_iht_round(
        &self,
        round: &IhtRound,
        key: PhiloxKey,
        reps: &[u64],
        theta: &[f64],
    ) -> Result<Vec<f64>> {
        round.round_cpu(key, reps, theta)
    }
}

/// The usable GPU's name, or why there is none.
fn probe_cuda() -> Result<String> {
    #[cfg(feature = "cuda")]
    {
        let g = crate::gpu::Gpu::get()?;
        let (name, _, (maj, min)) = g.describe()?;
        Ok(format!("{name}, sm_{maj}{min}"))
    }
    #[cfg(not(feature = "cuda"))]
    {
        Err(Error::GpuUnavailable(
            "this build has no `cuda` feature".into(),
        ))
    }
}

/// Why CUDA is not usable, short enough for the `device:` line every `auto` run prints: the
/// names of the libraries that do not load (the file names tried are in `--device cuda`'s
/// error and `veristat device`), or the error itself.
fn short_reason(e: &Error) -> String {
    #[cfg(feature = "cuda")]
    {
        let missing: Vec<&str> = crate::gpu::libraries()
            .into_iter()
            .filter(|l| !l.found)
            .map(|l| l.name)
            .collect();
        if !missing.is_empty() {
            return format!(
                "no usable GPU: cannot load {}; `--device cuda` lists the files tried",
                missing.join(", ")
            );
        }
    }
    e.to_string()
}

/// Resolve a choice: `cpu` always succeeds; `cuda` is an error without a usable GPU; `auto`
/// takes the GPU when one is usable and otherwise the CPU with the reason.
pub fn resolve(choice: DeviceChoice) -> Result<Resolved> {
    match choice {
        DeviceChoice::Cpu => Ok(Resolved::Cpu("--device cpu".into())),
        DeviceChoice::Cuda => probe_cuda().map(Resolved::Cuda),
        DeviceChoice::Auto => Ok(match probe_cuda() {
            Ok(name) => Resolved::Cuda(name),
            Err(e) => Resolved::Cpu(format!("auto: {}", short_reason(&e))),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_name_round_trip() {
        for c in [DeviceChoice::Auto, DeviceChoice::Cpu, DeviceChoice::Cuda] {
            assert_eq!(c.name().parse::<DeviceChoice>().unwrap(), c);
        }
        assert!("gpu".parse::<DeviceChoice>().is_err());
    }

    #[test]
    fn cpu_is_always_available_and_auto_agrees_with_cuda() {
        assert_eq!(
            resolve(DeviceChoice::Cpu).unwrap(),
            Resolved::Cpu("--device cpu".into())
        );
        // Whatever this machine has, auto picks CUDA exactly when an explicit cuda succeeds.
        let auto = resolve(DeviceChoice::Auto).unwrap();
        match resolve(DeviceChoice::Cuda) {
            Ok(r) => assert_eq!(auto, r),
            Err(e) => {
                assert!(matches!(e, Error::GpuUnavailable(_)), "{e}");
                assert!(!auto.is_cuda());
                assert!(
                    auto.to_string().starts_with("device: cpu (auto: "),
                    "{auto}"
                );
            }
        }
    }
}

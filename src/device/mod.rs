//! The device layer: which device runs the hot loops, and how a kernel job reaches it. It knows
//! no domain (nothing here names a claim, a family or an estimator); each domain owns its kernel
//! jobs beside its code, and `crate::registry` lists their CUDA sources.
//!
//! * [`DeviceChoice`], [`resolve`], [`Resolved`]: the `--device auto|cpu|cuda` choice and its
//!   resolution. Compiled with or without the `cuda` feature, so commands take the flag in every
//!   build: a CPU-only build resolves `auto` to the CPU (saying why) and refuses `cuda` with
//!   [`Error::GpuUnavailable`], the same error a CUDA build gives on a machine without a GPU.
//! * [`KernelJob`] and [`Device`]: a job is one kernel call's inputs with two ways to run, its
//!   CPU twin (the GPU's arithmetic on the CPU, from the same Philox numbers) and, with the `cuda`
//!   feature, its launch; [`Device::run`] dispatches. Routed code is therefore tested without a
//!   GPU, and a GPU run can be compared with its twin number for number.
//! * [`KernelSource`], [`program`]: a kernel's CUDA C++ text and the `__global__` names it
//!   defines; the program NVRTC compiles is [`philox::CUDA_PRELUDE`] followed by the sources.
//! * [`philox`]: the counter-based generator every kernel and twin draws from.
//! * `cuda` (feature `cuda`): the CUDA context, the NVRTC module cache looked up by kernel name,
//!   device buffers and launch helpers.
//!
//! Adding a kernel: write the job (type, twin, CUDA source, cfg-gated launch) in its domain's
//! folder and add its [`KernelSource`] to `crate::registry::SOURCES`.

pub mod philox;

#[cfg(feature = "cuda")]
pub mod cuda;

use crate::error::{Error, Result};
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
    /// The device handle of the resolution: `None` for the CPU (callers keep their own CPU
    /// code), the process's GPU with the kernels of `sources` for CUDA. A `Cuda` value in a build
    /// without the `cuda` feature (it can only be made by hand) is an [`Error::GpuUnavailable`].
    pub fn device(&self, sources: &'static [KernelSource]) -> Result<Option<Device>> {
        match self {
            Self::Cpu(_) => Ok(None),
            Self::Cuda(_) => Device::cuda(sources).map(Some),
        }
    }
}

/// One kernel's CUDA C++ source and the `__global__` functions it defines (looked up by these
/// names once the program is compiled).
#[derive(Debug, Clone, Copy)]
pub struct KernelSource {
    /// The `extern "C" __global__` functions the source defines.
    pub kernels: &'static [&'static str],
    /// The source text; it may use everything [`philox::CUDA_PRELUDE`] defines.
    pub cuda: fn() -> String,
}

/// The CUDA program of `sources`: the Philox prelude, then every source in order (one NVRTC
/// compile, one module).
pub fn program(sources: &[KernelSource]) -> String {
    let mut s = String::from(philox::CUDA_PRELUDE);
    for k in sources {
        s.push_str(&(k.cuda)());
    }
    s
}

/// The kernel names of `sources`, in order.
pub fn kernel_names(sources: &[KernelSource]) -> Vec<&'static str> {
    sources
        .iter()
        .flat_map(|k| k.kernels.iter().copied())
        .collect()
}

/// NVRTC options: no fused multiply-add contraction, so products and sums round as the host's
/// do (the twins agree to the last-ulp differences of the transcendental functions only).
pub const NVRTC_OPTIONS: [&str; 1] = ["--fmad=false"];

/// One kernel call's inputs, runnable on the CPU twin or on a GPU ([`Device::run`]). The twin
/// draws the same Philox numbers and sums in the same order as the kernel, so the two agree to
/// the last-ulp differences of the device's transcendental functions (or bit for bit, where the
/// job says so).
pub trait KernelJob {
    /// What the call returns.
    type Output;
    /// The CPU twin.
    fn run_cpu(&self) -> Result<Self::Output>;
    /// The kernel launch(es) on `gpu`, copies in and out included.
    #[cfg(feature = "cuda")]
    fn run_cuda(&self, gpu: &cuda::Gpu) -> Result<Self::Output>;
}

/// Where [`KernelJob`]s run: the CPU twins (the GPU's numbers on the CPU, to test device-routed
/// code without a GPU) or a CUDA GPU.
#[derive(Debug, Clone, Copy)]
pub enum Device {
    /// The CPU twins.
    Twins,
    /// CUDA device 0 with a list of kernel sources (the registry's, for the CLI).
    #[cfg(feature = "cuda")]
    Cuda(cuda::Gpu),
}

impl Device {
    /// Run `job` here.
    pub fn run<J: KernelJob>(&self, job: &J) -> Result<J::Output> {
        match self {
            Self::Twins => job.run_cpu(),
            #[cfg(feature = "cuda")]
            Self::Cuda(g) => job.run_cuda(g),
        }
    }

    /// Which implementation (for messages).
    pub fn label(&self) -> String {
        match self {
            Self::Twins => "CPU twins".into(),
            #[cfg(feature = "cuda")]
            Self::Cuda(g) => g.label(),
        }
    }

    /// The process's GPU with the kernels of `sources` (feature `cuda`; without it, or without
    /// a usable GPU, an [`Error::GpuUnavailable`]).
    pub fn cuda(sources: &'static [KernelSource]) -> Result<Self> {
        #[cfg(feature = "cuda")]
        {
            Ok(Self::Cuda(cuda::Gpu::open(sources)?))
        }
        #[cfg(not(feature = "cuda"))]
        {
            let _ = sources;
            Err(no_cuda_feature())
        }
    }
}

/// The usable GPU's name, or why there is none.
fn probe_cuda() -> Result<String> {
    #[cfg(feature = "cuda")]
    {
        cuda::Context::get()?.label()
    }
    #[cfg(not(feature = "cuda"))]
    {
        Err(no_cuda_feature())
    }
}

#[cfg(not(feature = "cuda"))]
fn no_cuda_feature() -> Error {
    Error::GpuUnavailable("this build has no `cuda` feature".into())
}

/// Why CUDA is not usable, short enough for the `device:` line every `auto` run prints: the
/// names of the libraries that do not load (the file names tried are in `--device cuda`'s
/// error and `veristat device`), or the error itself.
fn short_reason(e: &Error) -> String {
    #[cfg(feature = "cuda")]
    {
        let missing: Vec<&str> = cuda::libraries()
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

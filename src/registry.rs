//! Every GPU kernel's CUDA source, one line per kernel: the one list the program NVRTC compiles
//! is assembled from ([`crate::device::program`]), and the one place a new kernel is registered.
//!
//! Each domain owns its kernel jobs beside its code (the job type, its CPU twin, its CUDA source
//! and its cfg-gated launch: see [`crate::device::KernelJob`]); a kernel's
//! [`KernelSource`] names the `__global__` functions its source defines, and its launch looks
//! them up by name. Adding a kernel is its domain's folder plus one line here.
//!
//! | kernel | job (twin and launch) | what |
//! |---|---|---|
//! | `vs_expfam_normal_risk` | [`Replicates`]`<`[`NormalRisk`]`>` | normal-model MLE risk replicates (draw, sufficient statistic, MLE, exact KL, control variate) |
//! | `vs_expfam_poisson_risk` | [`Replicates`]`<`[`PoissonRisk`]`>` | Poisson-model MLE risk replicates (Σx drawn directly: Poisson or Gamma–Poisson mixture; MLE, exact KL, control variate) |
//! | `vs_expfam_chain_risk` | [`Replicates`]`<`[`ChainRisk`]`>` | chain Gaussian graphical model MLE risk replicates (Cholesky draws, closed-form decomposable MLE, exact KL, control variate) |
//! | `vs_ldp_features`, `vs_ldp_chunk_sums`, `vs_ldp_reduce` | [`MessageSums`] | NLDP per-user clipping, Gaussian perturbation, Σx̄x̄ᵀ and Σx̃ỹ |
//! | `vs_ldp_cells` | [`CellBatch`] | exact cell counts of n users of the ±1 design (recursive Binomial(c, 1/2) halving, Hörmann's BTRS), Σxxᵀ (exact integers) and Σxỹ by Walsh–Hadamard butterflies |
//! | `vs_ldp_iht_round` | [`IhtRoundBatch`] (driven by [`iht_batch`]) | one LDP-IHT round for a batch of replicates: users drawn on the fly, clipped gradients, Duchi ℓ∞ reports, summed exactly |
//! | `vs_echo_loglike` | [`EchoPrepare`] (the library's `log_ratio`) | comb log-likelihood ratio, new and old, for a batch of points |
//!
//! [`Replicates`]: crate::expfam::kernels::Replicates
//! [`NormalRisk`]: crate::expfam::kernels::normal::NormalRisk
//! [`PoissonRisk`]: crate::expfam::kernels::poisson::PoissonRisk
//! [`ChainRisk`]: crate::expfam::kernels::chain::ChainRisk
//! [`MessageSums`]: crate::ldp::kernels::messages::MessageSums
//! [`CellBatch`]: crate::ldp::kernels::cells::CellBatch
//! [`IhtRoundBatch`]: crate::ldp::kernels::iht_round::IhtRoundBatch
//! [`iht_batch`]: crate::ldp::regression::iht_batch::iht_batch
//! [`EchoPrepare`]: crate::echo::kernel::EchoPrepare

use crate::device::KernelSource;

#[cfg(test)]
mod emulate;

/// The registered kernels, in program order.
pub static SOURCES: &[KernelSource] = &[
    crate::expfam::kernels::normal::SOURCE,
    crate::expfam::kernels::poisson::SOURCE,
    crate::expfam::kernels::chain::SOURCE,
    crate::ldp::kernels::messages::SOURCE,
    crate::ldp::kernels::cells::SOURCE,
    crate::ldp::kernels::iht_round::SOURCE,
    crate::echo::kernel::SOURCE,
];

/// The whole program (the Philox prelude and every source), as NVRTC compiles it.
pub fn program() -> String {
    crate::device::program(SOURCES)
}

/// Every registered kernel's name.
pub fn kernel_names() -> Vec<&'static str> {
    crate::device::kernel_names(SOURCES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_defines_every_kernel_once() {
        let p = program();
        for k in kernel_names() {
            let decl = format!("__global__ void {k}(");
            assert_eq!(p.matches(&decl).count(), 1, "{k}");
        }
    }
}

//! GPU kernels' CPU side: the counter-based generator, the CPU twins and the CUDA C sources.
//!
//! This module is compiled without the `cuda` feature: the twins are ordinary library code
//! (tested by `cargo test`), and the CUDA sources are plain strings that [`crate::gpu`] (feature
//! `cuda`) compiles with NVRTC. Keeping each kernel's source next to its twin keeps the two
//! reviewable side by side; they share the [`philox`] stream, so a GPU replicate and a CPU
//! replicate draw the same numbers.
//!
//! | kernel | twin | what |
//! |---|---|---|
//! | `vs_expfam_normal_risk` | [`expfam::NormalRisk::replicates_cpu`] | normal-model MLE risk replicates (draw, sufficient statistic, MLE, exact KL, control variate) |
//! | `vs_expfam_poisson_risk` | [`expfam_poisson::PoissonRisk::replicates_cpu`] | Poisson-model MLE risk replicates (Σx drawn directly: Poisson or Gamma–Poisson mixture; MLE, exact KL, control variate) |
//! | `vs_expfam_chain_risk` | [`expfam_chain::ChainRisk::replicates_cpu`] | chain Gaussian graphical model MLE risk replicates (Cholesky draws, closed-form decomposable MLE, exact KL, control variate) |
//! | `vs_ldp_features`, `vs_ldp_chunk_sums`, `vs_ldp_reduce` | [`ldp::LdpMessages::aggregate_cpu`] | NLDP per-user clipping, Gaussian perturbation, Σx̄x̄ᵀ and Σx̃ỹ |
//! | `vs_ldp_cells` | [`ldp_cells::CellJob::moments_cpu`] | exact cell counts of n users of the ±1 design (recursive Binomial(c, 1/2) halving, Hörmann's BTRS), Σxxᵀ (exact integers) and Σxỹ by Walsh–Hadamard butterflies |
//! | `vs_ldp_iht_round` | [`ldp_iht::IhtRound::round_cpu`] (driven by [`ldp_iht::iht_batch`]) | one LDP-IHT round for a batch of replicates: users drawn on the fly, clipped gradients, Duchi ℓ∞ reports, summed exactly |
//! | `vs_echo_loglike` | [`echo::log_ratio_batch_cpu`] (the library's `log_ratio`) | comb log-likelihood ratio, new and old, for a batch of points |

pub mod echo;
#[cfg(test)]
mod emulate;
pub mod expfam;
pub mod expfam_chain;
pub mod expfam_poisson;
pub mod ldp;
pub mod ldp_cells;
pub mod ldp_iht;
pub mod philox;

/// Every kernel as one CUDA C++ program (one NVRTC compile, one module).
pub fn cuda_program() -> String {
    let mut s = String::from(philox::CUDA_PRELUDE);
    s.push_str(expfam::CUDA_SRC);
    s.push_str(expfam_poisson::CUDA_SRC);
    s.push_str(expfam_chain::CUDA_SRC);
    s.push_str(ldp::CUDA_SRC);
    s.push_str(ldp_cells::CUDA_SRC);
    s.push_str(ldp_iht::CUDA_SRC);
    s.push_str(&echo::cuda_tables());
    s.push_str(echo::CUDA_SRC);
    s
}

/// Names of the kernels in [`cuda_program`].
pub const KERNEL_NAMES: [&str; 9] = [
    "vs_expfam_normal_risk",
    "vs_expfam_poisson_risk",
    "vs_expfam_chain_risk",
    "vs_ldp_features",
    "vs_ldp_chunk_sums",
    "vs_ldp_reduce",
    "vs_ldp_cells",
    "vs_echo_loglike",
    "vs_ldp_iht_round",
];

/// NVRTC options: no fused multiply-add contraction, so products and sums round as the host's
/// do (the twins agree to the last-ulp differences of the transcendental functions only).
pub const NVRTC_OPTIONS: [&str; 1] = ["--fmad=false"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_defines_every_kernel_once() {
        let p = cuda_program();
        for k in KERNEL_NAMES {
            let decl = format!("__global__ void {k}(");
            assert_eq!(p.matches(&decl).count(), 1, "{k}");
        }
    }
}

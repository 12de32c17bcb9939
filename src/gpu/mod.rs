//! Every registered kernel against its CPU twin on a CUDA GPU (feature `cuda`): the rows of
//! `veristat device` ([`checks`]) and the `#[ignore]`d GPU tests (run on a GPU machine with
//! `--ignored`). The device layer itself is [`crate::device`] (`device::cuda`: context, module
//! cache, buffers, launches); the kernels are in their domains ([`crate::registry`] lists them).
//!
//! | check | job | CPU twin |
//! |---|---|---|
//! | [`checks::xt_r`] | cuBLAS DGEMM (`Gpu::xt_r`) | `x.tr_mul(r)` |
//! | [`checks::expfam`], [`checks::expfam_poisson`], [`checks::expfam_chain`] | `expfam::kernels::Replicates` | `replicates_cpu` of the normal, Poisson and chain cases |
//! | [`checks::ldp`] | `ldp::kernels::messages::MessageSums` | `LdpMessages::aggregate_cpu` |
//! | [`checks::ldp_cells`] | `ldp::kernels::cells::CellBatch` | `Cells::moments_cpu` |
//! | [`checks::ldp_iht`] | `ldp::kernels::iht_round::IhtRoundBatch` | `IhtRound::round_cpu` |
//! | [`checks::echo`] | `echo::kernel::EchoPrepare` | the library's `log_ratio` |

pub mod checks;
#[cfg(test)]
mod tests;

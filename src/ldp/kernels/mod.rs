//! The ldp module's GPU kernels, each a [`crate::device::KernelJob`] with its CPU twin, its CUDA
//! source and its launch:
//!
//! | kernel(s) | job | what |
//! |---|---|---|
//! | `vs_ldp_features`, `vs_ldp_chunk_sums`, `vs_ldp_reduce` | [`messages::MessageSums`] | NLDP per-user clipping, Gaussian perturbation, Σx̄x̄ᵀ and Σx̃ỹ (`Nldp::fit_on`) |
//! | `vs_ldp_cells` | [`cells::CellBatch`] | exact sufficient statistics of n users of the ±1 design, for the NLDP and public slope claims |
//! | `vs_ldp_iht_round` | [`iht_round::IhtRoundBatch`] | one LDP-IHT round of a batch of replicates (driven by `regression::iht_batch`) |

pub mod cells;
pub mod iht_round;
pub mod messages;

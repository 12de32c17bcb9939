//! Sparse linear regression under LDP (Zhu, Ding, Aggarwal, Xu & Wang, ICLR 2024,
//! arXiv 2310.07367; spec §1).
//!
//! Model y = ⟨x, θ*⟩ + ζ, ‖θ*‖₀ ≤ k, ‖θ*‖₁ bounded.
//! * [`Nldp`] — non-interactive (§1a): every user sends once a noisy covariance message
//!   x̄x̄ᵀ + N₁ and a noisy cross-moment x̃ỹ + N₂, each at (ε/2, δ/2); the server floors the
//!   eigenvalues of Σ̂ and soft-thresholds Σ̇⁻¹ŝ. Rate Õ(d√k/(√n ε)).
//! * [`PublicNldp`], NLDP with public covariates (§1b) — users send only x̃ỹ + N₂ with the
//!   whole budget; Σ̂ comes from public unlabeled data. Rate Õ(√(dk)/(√n ε)).
//! * [`LdpIht`] — sequentially interactive LDP iterative hard thresholding (§1c), each user used
//!   once, gradients privatized with Duchi's ℓ∞ mechanism. Rate Õ(k√d/(√n ε)).
//!
//! Each follows the estimator contract ([`crate::estimator`]): a params builder
//! ([`NldpParams`], [`PublicNldpParams`], [`LdpIhtParams`]), `check()` into the checked
//! estimator, `fit(&RegressionData)` into an [`LdpFit`] (`Predict`, `Fitted`). The privacy noise
//! of `fit` is drawn from `rng::stream(seed, LABEL, 0)` with the params' `seed`; `fit_with`
//! takes the stream instead (the Monte Carlo claims draw from their replicate's stream, the CLI
//! from its command's).
//!
//! ```
//! use veristat::estimator::{Fit, Fitted, Predict, RegressionData};
//! use veristat::ldp::regression::{LdpIhtParams, simulate::RademacherDesign};
//! let design = RademacherDesign::new(4, 2, 0.5).unwrap();
//! let (x, y) = design.sample(100_000, &mut veristat::rng::stream(1, "doc", 0));
//! let data = RegressionData::new(x, y).unwrap();
//! let fit = LdpIhtParams::new(1.0, 2)
//!     .rounds(3)
//!     .tau(1.0, 1.5)
//!     .l1_radius(2.0)
//!     .seed(7)
//!     .fit(&data)
//!     .unwrap();
//! assert!((&fit.coef - &design.theta).norm() < 0.5);
//! assert_eq!(fit.diagnostics().iterations, 3);
//! assert_eq!(fit.predict(data.x()).unwrap().len(), 100_000);
//! ```
//!
//! [`simulate`] draws the sufficient statistics of a Rademacher design exactly for any n (used
//! by the Monte Carlo claims, where the NLDP estimator's working range needs n ≳ 10⁹), and
//! [`iht_batch()`] runs LDP-IHT for a batch of simulated replicates on a device
//! ([`crate::ldp::kernels::iht_round`]), [`iht_sim::simulate_iht`] one replicate on the CPU.

pub mod fit;
pub mod iht;
pub mod iht_batch;
pub mod iht_sim;
pub mod nldp;
pub mod simulate;

pub use fit::{LdpFit, Method};
pub use iht::{IhtProblem, LdpIht, LdpIhtDetails, LdpIhtParams};
pub use iht_batch::iht_batch;
pub use nldp::{Moments, Nldp, NldpDetails, NldpParams, NoiseMode, PublicNldp, PublicNldpParams};

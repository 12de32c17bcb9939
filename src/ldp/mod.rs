//! Local differential privacy: mechanisms, accounting, audits and LDP sparse linear regression.
//!
//! * [`privacy`]: typed (ε, δ) guarantees and composition (sequential within a user, parallel
//!   across disjoint users, post-processing free).
//! * [`mechanisms`]: randomized response, GRR, OUE/SUE/OLH frequency oracles, Duchi et al.'s
//!   scalar / ℓ2 / ℓ∞ mechanisms, piecewise and hybrid, clipped Laplace and Gaussian (classic
//!   and analytic), each with its unbiased decoder and variance formula.
//! * [`estimate`]: frequency and mean estimation by averaging decoded reports.
//! * [`audit`]: exact output-ratio checks and the empirical (Clopper–Pearson / hockey-stick)
//!   auditor.
//! * [`regression`]: sparse linear regression under non-interactive LDP (Zhu et al., ICLR 2024,
//!   arXiv 2310.07367), its public-unlabeled-data variant, and sequentially interactive LDP
//!   iterative hard thresholding (Wang & Xu 2019 as rectified by Zhu et al.).
//!
//! ```
//! use veristat::ldp::mechanisms::{Mechanism, DuchiScalar};
//! let m = DuchiScalar::new(1.0, 1.0).unwrap();
//! let mut rng = veristat::rng::stream(7, "doc", 0);
//! let reports: Vec<f64> = (0..20_000).map(|_| m.privatize(&[0.3], &mut rng).unwrap()[0]).collect();
//! let mean = reports.iter().sum::<f64>() / reports.len() as f64;
//! assert!((mean - 0.3).abs() < 0.1);
//! assert_eq!(m.privacy().epsilon, 1.0);
//! ```

pub mod audit;
pub mod estimate;
pub mod kernels;
pub mod mechanisms;
pub mod privacy;
pub mod regression;

pub use privacy::{Ledger, Privacy};

//! Predictive multiplicity of L2-regularized logistic regression (Watson-Daniels, Parkes, Ustun,
//! "Predictive Multiplicity in Probabilistic Classification", AAAI 2023, arXiv 2206.01131; see
//! `docs/specs/multiplicity.md`).
//!
//! The module tree follows the maths:
//! - [`logistic`]: the baseline θ* = argmin J, J = mean log-loss + λ/2‖w‖² (Newton, ‖∇J‖ ≤ 1e-10),
//!   with the input checks (separation at λ = 0, constant or collinear features, a single class),
//!   as an estimator: [`LogisticParams`] → `check()` → [`Logistic`] → `fit(&RegressionData)` →
//!   [`LogisticFit`] (`predict` gives probabilities, `diagnostics()` the Newton certificate);
//! - [`level_set`]: the ε-level set S_ε = {θ : J(θ) ≤ J* + ε} and its small-ε ellipsoid preview;
//! - [`range`]: exact per-point score ranges over S_ε (tilted Newton + scalar root), each
//!   endpoint with its certificate (Def. 2, the viable prediction range);
//! - [`measures`]: ambiguity (Def. 3), a discrepancy bracket (Def. 4), label-flip versions.
//!
//! ```
//! use nalgebra::{DMatrix, DVector};
//! use veristat::estimator::{Fit, RegressionData};
//! use veristat::multiplicity::{Epsilon, LevelSet, LogisticParams, measures};
//! let x = DMatrix::from_fn(40, 2, |i, j| ((i * 7 + j * 3) % 11) as f64 - 5.0);
//! let y = DVector::from_fn(40, |i, _| ((i * 7) % 11 > 4) as u8 as f64);
//! let data = RegressionData::new(x, y).unwrap();
//! let fit = LogisticParams::new(0.01).standardize(true).fit(&data).unwrap();
//! let set = LevelSet::new(&fit, Epsilon::Relative(0.01)).unwrap();
//! let ranges = set.all_training_ranges().unwrap();
//! assert!(ranges.iter().all(|r| r.converged() && r.lower.score <= r.s0 && r.s0 <= r.upper.score));
//! let amb = measures::ambiguity(&ranges, 0.05).unwrap();
//! assert!((0.0..=1.0).contains(&amb));
//! ```

pub mod level_set;
pub mod logistic;
pub mod measures;
pub mod range;

pub use level_set::{EllipsoidRange, Epsilon, LevelSet};
pub use logistic::{Logistic, LogisticFit, LogisticParams, Objective};
pub use measures::{
    Discrepancy, ambiguity, binary_channel_capacity, discrepancy, label_flip_ambiguity,
    label_flip_discrepancy, rashomon_capacity,
};
pub use range::{Direction, Endpoint, ScoreRange};

#[cfg(test)]
mod tests;

//! The families: univariate normal and restricted multivariate Gaussians, Poisson, Gamma,
//! categorical / log-linear.

pub mod gamma;
pub mod gaussian;
pub mod loglinear;
pub mod poisson;

pub use gamma::GammaFamily;
pub use gaussian::{Gaussian, Structure};
pub use loglinear::LogLinear;
pub use poisson::Poisson;

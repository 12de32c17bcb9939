//! Kernels not yet moved into their domain's folder.

pub mod expfam_poisson;

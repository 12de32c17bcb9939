//! # veristat
//!
//! Estimators and tests from recent statistics and machine-learning papers, with the papers'
//! theory checked by reproducible Monte Carlo.
//!
//! | module | what | source |
//! |---|---|---|
//! | [`sparse`] | Lasso / elastic-net paths (screening, duality gaps, CV), IHT, OMP, best subset, preconditioned Lasso | Friedman et al. 2010; Kelner et al. 2021; Chandrasekaran et al. 2025 |
//! | [`ldp`] | local differential privacy mechanisms, audits, LDP sparse regression | see `ldp` docs |
//! | [`ordinal`], [`metrics`] | proportional odds, PRESTO, rare-event metrics | see `ordinal` docs |
//! | [`expfam`] | MLE risk to the information projection, the p-n criterion | see `expfam` docs |
//! | [`multiplicity`] | predictive multiplicity over the epsilon-level set | see `multiplicity` docs |
//! | [`echo`], [`inference`] | gravitational-wave echo search, nested sampling | see `echo` docs |
//! | [`montecarlo`], [`claims`] | the `Claim` trait, sharded runner, every registered claim | |
//! | [`data`] | CSV / Parquet loading with cell-level errors (`io` feature) | |
//! | `report` | figures and the HTML page (`report` feature) | |
//! | [`device`] | the device layer, which knows no domain: `--device auto\|cpu\|cuda` ([`device::resolve`]), [`device::KernelJob`] (a kernel call: CPU twin and cfg-gated launch) run by a [`device::Device`] (the twins or a GPU), the Philox-4x32-10 generator, and (`cuda` feature) the CUDA context, NVRTC module cache, buffers and launch helpers. Claims ([`montecarlo::Claim::offload`]), `ldp regress` and `echo search` route work through it | Salmon et al. 2011 (Random123); issue 8 |
//! | [`registry`] | every kernel's CUDA source, one line per kernel; each domain owns its kernel jobs (`expfam::kernels`, `ldp::kernels`, `echo::kernel`) | |
//! | `gpu` | every kernel against its CPU twin on a GPU: `veristat device`'s table and the ignored GPU tests (`cuda` feature) | |
//!
//! Estimators follow one shape: a params builder, validated into checked params (bad values are
//! an [`Error`] naming the parameter), `fit`, and a fitted model with diagnostics.

#![warn(missing_docs)]

pub mod claims;
pub mod data;
pub mod device;
pub mod echo;
pub mod error;
pub mod estimator;
pub mod expfam;
pub mod fsutil;
pub mod inference;
pub mod ldp;
pub mod linalg;
pub mod metrics;
pub mod montecarlo;
pub mod multiplicity;
pub mod ordinal;
pub mod registry;
pub mod rng;
pub mod sparse;

#[cfg(feature = "report")]
pub mod report;

#[cfg(feature = "cuda")]
pub mod gpu;

pub use error::{Error, Result};

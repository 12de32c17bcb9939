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
//! | [`kernels`] | the GPU kernels' CUDA sources, their CPU twins and the Philox-4x32-10 generator (always compiled) | Salmon et al. 2011 (Random123) |
//! | [`device`] | `--device auto\|cpu\|cuda`: [`device::resolve`], and [`device::Kernels`], the kernels' host calls implemented by the GPU and by the CPU twins, through which claims ([`montecarlo::Claim::offload`]), `ldp regress` and `echo search` route work | issue 8 |
//! | `gpu` | CUDA context, NVRTC-compiled kernels and their agreement checks (`cuda` feature) | |
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
pub mod kernels;
pub mod ldp;
pub mod linalg;
pub mod metrics;
pub mod montecarlo;
pub mod multiplicity;
pub mod ordinal;
pub mod rng;
pub mod sparse;

#[cfg(feature = "report")]
pub mod report;

#[cfg(feature = "cuda")]
pub mod gpu;

pub use error::{Error, Result};

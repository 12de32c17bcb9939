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
//! Every estimator follows one contract ([`estimator`]): a params builder, validated by
//! [`estimator::ParamGuard::check`] into checked params (a bad value is an [`Error`] naming the
//! parameter), [`estimator::Fit::fit`] on the data, and a fitted model with
//! [`estimator::Predict::predict`] and [`estimator::Fitted::diagnostics`].
//!
//! # A tour
//!
//! Load a CSV, cross-validate an elastic-net path and PRESTO through the one contract, predict,
//! and run a Monte Carlo claim at test scale:
//!
//! ```
//! # #[cfg(feature = "io")] {
//! use nalgebra::DVector;
//! use veristat::estimator::{Fit, Fitted, Folds, Predict, RegressionData};
//! use veristat::montecarlo::{RunConfig, Scale, runner};
//! use veristat::ordinal::{OrdinalData, PrestoCvParams, PrestoPathParams};
//! use veristat::sparse::{LassoCvParams, PathParams};
//!
//! let dir = env!("CARGO_MANIFEST_DIR");
//! // Diabetes (scikit-learn's copy): an elastic-net path, alpha chosen by 5-fold CV.
//! let table = veristat::data::read_table(format!("{dir}/datasets/diabetes.csv")).unwrap();
//! let ds = table.dataset("target", None, &[]).unwrap();
//! let data = RegressionData::new(ds.x, ds.y).unwrap();
//! let cv = LassoCvParams::new(PathParams::new().l1_ratio(0.5).n_alphas(30))
//!     .folds(Folds::Shuffled { k: 5, seed: 1 })
//!     .fit(&data)
//!     .unwrap();
//! assert!(cv.alpha_1se >= cv.alpha_min);
//! let y_hat: DVector<f64> = cv.predict(data.x()).unwrap();
//! assert_eq!(y_hat.len(), data.x().nrows());
//! assert!(cv.diagnostics().converged());
//!
//! // Soup tasting (ordinal, K = 6): PRESTO with lambda chosen by the same fold routine.
//! let table = veristat::data::read_table(format!("{dir}/datasets/soup.csv")).unwrap();
//! let ds = table.dataset("sureness_rev", None, &[]).unwrap();
//! let soup = OrdinalData::from_labels(ds.x, ds.y.as_slice(), None).unwrap();
//! let presto = PrestoCvParams::new(
//!     PrestoPathParams::new().n_lambdas(5),
//!     Folds::Shuffled { k: 3, seed: 1 },
//! )
//! .fit(&soup)
//! .unwrap();
//! let p = presto.predict(soup.x()).unwrap();
//! for row in p.probs.row_iter() {
//!     assert!((row.sum() - 1.0).abs() < 1e-12);
//! }
//!
//! // A claim of the sparse-regression paper, at the size the tests use.
//! let claim = veristat::claims::find("sparse-random-support", Scale::Test).unwrap();
//! let results = runner::run(claim.as_ref(), &RunConfig::new(1, 4), &runner::NoProgress).unwrap();
//! let verdict = claim.verdict(&results).unwrap();
//! assert_eq!(verdict.replicates, 4);
//! # }
//! ```

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

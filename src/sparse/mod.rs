//! Sparse linear regression (see `docs/specs/sparse.md`).
//!
//! Submodules follow the maths: the solver options, the data preparation (weights, centring,
//! standardization), the coordinate-descent engine and its certificates and screening rules, the
//! elastic net at one penalty, the regularization path, cross-validation, the preconditioned
//! Lasso, and the L0 / greedy estimators (IHT, OMP, best subset), plus the random-design
//! generators used by the `sparse-random-support` claim.
//!
//! Every estimator follows the [`crate::estimator`] contract: unchecked params (a builder)
//! `-> check() ->` checked params `-> fit(&RegressionData) ->` a fitted model that predicts
//! ([`Predict`](crate::estimator::Predict), an n x d design to a response vector) and reports one
//! [`Diagnostics`](crate::estimator::Diagnostics) record
//! ([`Fitted::diagnostics`](crate::estimator::Fitted::diagnostics)). Unchecked params fit
//! directly (they are checked first).
//!
//! | unchecked | checked | fitted | certificate |
//! |---|---|---|---|
//! | [`ElasticNetParams`] ([`Lasso::new`]) | [`ElasticNet`] | [`EnetFit`] | duality gap |
//! | [`PathParams`] | [`ElasticNetPath`] | [`EnetPath`] | largest gap on the path |
//! | [`LassoCvParams`] | [`LassoCv`] | [`LassoCvFit`] | the full-data path's |
//! | [`PrecondLassoParams`] | [`PrecondLasso`] | [`PrecondLassoFit`] | phase 2's |
//! | [`IhtParams`](iht::IhtParams) | [`Iht`](iht::Iht) | [`IhtFit`](iht::IhtFit) | relative change |
//! | [`OmpParams`](omp::OmpParams) | [`Omp`](omp::Omp) | [`OmpFit`](omp::OmpFit) | none (finished) |
//! | [`BestSubsetParams`](best_subset::BestSubsetParams) | [`BestSubset`](best_subset::BestSubset) | [`BestSubsetFit`](best_subset::BestSubsetFit) | none (finished) |
//!
//! # The Lasso / elastic-net part
//!
//! Objective (scikit-learn scaling; `alpha` is the penalty strength, `rho` the `l1_ratio`):
//! `(1/2n)||y - Xw - b||^2 + alpha*rho*||w||_1 + alpha*(1-rho)/2*||w||^2`.
//!
//! - Single fit: [`Lasso::new`]`(alpha)` or [`ElasticNetParams::new`]`(alpha, rho)`, builder
//!   methods `.fit_intercept(bool) .standardize(bool) .tol(t) .max_iter(k) .screening(Screening)
//!   .gram(GramMode) .weights(DVector) .options(SolverOptions)`, then `.fit(&data)` ->
//!   [`EnetFit`] with `coef` (original scale), `intercept`, `duality_gap` (scikit-learn units),
//!   `gap_tol`, `n_full_passes`, `used_gram`.
//! - Path: [`PathParams::new`]`()` with `.l1_ratio .n_alphas .eps .alphas(vec) .early_stop
//!   .dfmax` and the same option builders, `.fit(&data)` -> [`EnetPath`] (`alphas`, `coefs`
//!   d x K, `intercepts`, `duality_gaps`, `n_iter`, `alpha_max`, `point(k)`, ...).
//!   [`alpha_max`] and [`alpha_grid`] are exposed.
//! - Cross-validation: [`LassoCvParams::new`]`(PathParams)`, then
//!   `.folds(`[`Folds`](crate::estimator::Folds)`)` with `Folds::Ids(Vec<i64>)` (cv.glmnet's
//!   foldid) or `Folds::Shuffled { k, seed }`, `.fit(&data)` -> [`LassoCvFit`] (`alpha_min`,
//!   `alpha_1se`, `mean`, `se`, `fold_mse`, `refit_min()`, `refit_1se()`); the fold loop is
//!   [`crate::estimator::cross_validate`].
//! - Preconditioned Lasso (the Kelner-Koehler-Meka-Rohatgi framework, not the random-supports
//!   paper's own algorithm): [`PrecondLassoParams::new`]`(lasso)` or
//!   [`PrecondLassoParams::cv`]`(cv)`, `.preconditioner(`[`Preconditioner`]`)`, column
//!   normalization by default.
//! - Certificates: [`kkt_residual`], [`duality_gap`].

mod anderson;
pub mod best_subset;
pub mod cv;
pub mod design;
mod engine;
pub mod glm;
pub mod iht;
mod kernels;
pub mod lasso;
mod linear;
pub mod omp;
pub mod options;
pub mod path;
pub mod precond;
mod prepare;
pub mod screening;

pub use cv::{LassoCv, LassoCvFit, LassoCvParams};
pub use lasso::{ElasticNet, ElasticNetParams, EnetFit, Lasso};
pub use options::{GramMode, Screening, SolverOptions};
pub use path::{ElasticNetPath, EnetPath, PathParams, PathStop, alpha_grid, alpha_max};
pub use precond::{
    PrecondLasso, PrecondLassoFit, PrecondLassoParams, Preconditioner, column_normalization,
};
pub use screening::{duality_gap, kkt_residual};

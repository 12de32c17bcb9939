//! Sparse linear regression (see `docs/specs/sparse.md`).
//!
//! Submodules follow the maths: the elastic-net objective and its coordinate-descent solver,
//! the regularization path with screening, cross-validation, the preconditioned Lasso, and the
//! L0 / greedy estimators (IHT, OMP, best subset), plus the random-design generators used by the
//! `sparse-random-support` claim.
//!
//! # Public API of the Lasso / elastic-net part
//!
//! Objective (scikit-learn scaling):
//! `(1/2n)||y - Xw - b||^2 + alpha*rho*||w||_1 + alpha*(1-rho)/2*||w||^2`.
//!
//! - Single fit: [`Lasso::new`]`(alpha)` or [`ElasticNet::new`]`(alpha, rho)`, builder methods
//!   `.fit_intercept(bool) .standardize(bool) .tol(t) .max_iter(k) .screening(Screening)
//!   .gram(GramMode) .weights(DVector)`, then `.fit(&x, &y) -> Result<`[`EnetFit`]`>` with `coef`
//!   (original scale), `intercept`, `duality_gap` (scikit-learn units) and `gap_tol`, `n_iter`,
//!   `converged`, `predict`.
//! - Path: [`PathParams::new`]`()` with `.l1_ratio .n_alphas .eps .alphas(vec) .early_stop .dfmax`
//!   and the same option builders; [`lasso_path`] / [`enet_path`]`(&x, &y, &params) ->`
//!   [`EnetPath`] (`alphas`, `coefs` d x K, `intercepts`, `duality_gaps`, `n_iter`,
//!   `alpha_max`, ...). [`alpha_max`] and [`alpha_grid`] are exposed.
//! - Cross-validation: [`LassoCv::new`]`(PathParams).fit(&x, &y, &`[`Folds`]`)` with
//!   `Folds::Ids(Vec<i64>)` (cv.glmnet's foldid) or `Folds::Shuffled { k, seed }` ->
//!   [`CvFit`] (`alpha_min`, `alpha_1se`, `mean`, `se`, `fold_mse`, `refit_min()`,
//!   `refit_1se()`, `predict`).
//! - Preconditioned Lasso (the Kelner-Koehler-Meka-Rohatgi framework, not the random-supports
//!   paper's own algorithm): [`lasso_precond`]`(&x, &y, &`[`Preconditioner`]`, &ElasticNet)` and
//!   [`lasso_precond_cv`], column normalization by default.
//! - Certificates: [`kkt_residual`], [`duality_gap`].

pub mod best_subset;
pub mod cv;
pub mod design;
pub mod iht;
pub mod lasso;
pub mod omp;
pub mod path;
pub mod precond;
pub mod screening;

pub use cv::{CvFit, Folds, LassoCv, fold_ids};
pub use lasso::{ElasticNet, EnetFit, GramMode, Lasso, Screening, SolverOptions};
pub use path::{EnetPath, PathParams, PathStop, alpha_grid, alpha_max, enet_path, lasso_path};
pub use precond::{
    PrecondFit, Preconditioner, column_normalization, lasso_precond, lasso_precond_cv,
};
pub use screening::{duality_gap, kkt_residual};

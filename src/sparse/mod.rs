//! Sparse linear regression (see `../shared/specs/sparse.md`).
//!
//! Submodules follow the maths: the elastic-net objective and its coordinate-descent solver,
//! the regularization path with screening, cross-validation, the preconditioned Lasso, and the
//! L0 / greedy estimators (IHT, OMP, best subset), plus the random-design generators used by the
//! `sparse-random-support` claim.

pub mod best_subset;
pub mod cv;
pub mod design;
pub mod iht;
pub mod lasso;
pub mod omp;
pub mod path;
pub mod precond;
pub mod screening;

//! Sparse generalized linear models with glmnet's semantics (issue 16; `docs/specs/glm.md`):
//! gaussian, binomial and poisson families, elastic-net penalties with per-feature penalty
//! factors, observation weights and glmnet's standardization, fitted by proximal Newton
//! (IRLS + coordinate descent) with strong-rule working sets and a per-alpha KKT certificate.
//!
//! | unchecked | checked | fitted | certificate |
//! |---|---|---|---|
//! | [`GlmParams`] | [`Glm`] | [`GlmFit`] | KKT residual / alpha |
//! | [`GlmPathParams`] | [`GlmPath`] | [`GlmPathFit`] | worst point's |
//! | [`GlmCvParams`] | [`GlmCv`] | [`GlmCvFit`] | the full-data path's |
//! | [`GlmRelaxParams`] | [`GlmRelax`] | [`GlmRelaxFit`] | the path's; refit gradients |
//! | [`GlmRelaxCvParams`] | [`GlmRelaxCv`] | [`GlmRelaxCvFit`] | the full-data path's |
//!
//! The Gaussian elastic net of [`crate::sparse`] (scikit-learn's units, duality-gap certificate)
//! is unchanged; the gaussian family here is glmnet's (the same objective), with penalty factors.

pub mod cv;
mod design;
pub mod family;
mod inner;
mod irls;
pub mod path;
mod problem;
pub mod relax;
pub mod relax_cv;

pub use cv::{CvMeasure, GlmCv, GlmCvFit, GlmCvParams};
pub use design::SparseRegressionData;
pub use family::Family;
/// The compressed-sparse-column matrix type of [`SparseRegressionData`] (`nalgebra-sparse`).
pub use nalgebra_sparse::{CooMatrix, CscMatrix};
pub use path::{
    Glm, GlmDataRef, GlmFit, GlmParams, GlmPath, GlmPathFit, GlmPathParams, GlmStop,
    glm_kkt_residual, glm_objective,
};
pub use problem::GlmOptions;
pub use relax::{
    GlmRefit, GlmRelax, GlmRelaxFit, GlmRelaxParams, RelaxOmission, RelaxedPath, unpenalized_refit,
};
pub use relax_cv::{GlmRelaxCv, GlmRelaxCvFit, GlmRelaxCvParams};

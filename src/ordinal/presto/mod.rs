//! PRESTO: cumulative logit with boundary-specific slopes, shrunk toward proportional odds by an
//! L1 (or L2) penalty on adjacent slope differences (Faletto & Bien 2023; spec §1.2–1.4).
//!
//! With `ψ_0 = b_0`, `ψ_k = b_k − b_{k−1}` (so `b_k = Σ_{m≤k} ψ_m`) the objective is
//!
//! ```text
//!   min_{θ, ψ}  −(1/N) Σ_i w_i log p_i,y_i  +  λ Σ_j Σ_k c_jk [ a |ψ_jk| + (1−a)/2 ψ_jk² ]
//! ```
//!
//! with unpenalized cutpoints, `c_j0 = w_1` (first block; 1 = penalized, the authors' final
//! code) and `c_jk = 1` for k ≥ 1, and the mixing weight `a` (spec §1.2's symbol): `a = 1` lasso
//! and `a = 0` the "PRESTO_L2" variant. With `w_1 = 1`, λ → ∞ gives the intercept-only model;
//! with `w_1 = 0` any λ ≥ λ_max gives exactly the proportional-odds MLE.
//!
//! Three estimators share the penalty settings (`a`, `w_1`, standardization, KKT tolerance,
//! step cap), each unchecked params → `check()` → checked → `fit(&OrdinalData)`:
//!
//! | params | checked | fitted | what |
//! |---|---|---|---|
//! | [`PrestoParams`] | [`Presto`] | [`PrestoFit`] | one λ, from the intercept-only model |
//! | [`PrestoPathParams`] | [`PrestoPath`] | [`PrestoPathFit`] | log-spaced λ grid from λ_max, warm starts |
//! | [`PrestoCvParams`] | [`PrestoCv`] | [`PrestoCvFit`] | the path tuned by K-fold CV on the Brier score |
//!
//! ```
//! use nalgebra::DMatrix;
//! use veristat::estimator::{Fit, Fitted, Folds, Predict};
//! use veristat::ordinal::{OrdinalData, PrestoCvParams, PrestoParams, PrestoPathParams};
//! let x = DMatrix::from_fn(60, 2, |i, j| ((i * 7 + j * 5) % 13) as f64 / 6.0 - 1.0);
//! let y: Vec<f64> = (0..60).map(|i| ((i * 7) % 13 / 5) as f64).collect();
//! let data = OrdinalData::from_labels(x.clone(), &y, None).unwrap();
//! let one = PrestoParams::new(0.05).a(1.0).fit(&data).unwrap();
//! assert!(one.diagnostics().converged());
//! let folds = Folds::Ids((0..60).map(|i| i % 3).collect());
//! let path = PrestoPathParams::new().n_lambdas(8).lambda_ratio(0.05).standardize(true);
//! let cv = PrestoCvParams::new(path, folds).fit(&data).unwrap();
//! assert_eq!(cv.fit.lambda, cv.path.lambdas[cv.best_index]);
//! let probs = cv.predict(&x).unwrap().probs;
//! assert!((probs.row(0).sum() - 1.0).abs() < 1e-12);
//! ```

pub mod cv;
pub mod fit;
pub mod path;
pub(crate) mod problem;

pub use cv::{PrestoCv, PrestoCvFit, PrestoCvParams, round_robin_fold_ids};
pub use fit::{Presto, PrestoFit, PrestoParams};
pub use path::{PrestoPath, PrestoPathFit, PrestoPathParams, grid};

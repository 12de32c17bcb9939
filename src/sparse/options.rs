//! Solver options shared by the elastic net, its path and its cross-validation (spec §2.1-2.5):
//! intercept, glmnet's standardization, the duality-gap tolerance in scikit-learn's units, the
//! epoch cap, the screening rules, covariance (Gram) mode and observation weights.

use crate::error::{Error, Result, check};
use nalgebra::DVector;

/// When to use covariance (Gram) mode, where coordinate updates cost O(d) instead of O(n).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GramMode {
    /// Gram mode from the start when `n >= 2d` and `d <= 512` (glmnet uses covariance mode for
    /// `p < 500`). For `n >= 2d` and `512 < d <= 4096` a path starts in naive mode and switches
    /// to Gram mode between two alphas once the residual updates it expects for the rest of the
    /// grid would cost more than forming `X^T X` (`n d^2 / 2` multiply-adds in one GEMM): a
    /// dense path gets the Gram, a short or sparse one never pays for it.
    #[default]
    Auto,
    /// Always keep the residual (naive mode).
    Never,
    /// Always precompute `X^T X`.
    Always,
}

/// Which screening rules the solver applies. Both are exact in the end: the strong rule is
/// followed by a KKT re-check on all features, and the gap-safe rule only discards features that
/// are provably zero at the optimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Screening {
    /// Sequential strong rule (Tibshirani et al. 2012) to pick the working set, plus KKT re-check.
    pub strong_rule: bool,
    /// Gap-safe sphere test (Fercoq, Gramfort, Salmon 2015; Ndiaye et al. 2017).
    pub gap_safe: bool,
}

impl Screening {
    /// Strong rule and gap-safe rule (the default).
    pub fn all() -> Self {
        Self {
            strong_rule: true,
            gap_safe: true,
        }
    }
    /// Plain cyclic coordinate descent over every feature: the reference the rules must match.
    pub fn none() -> Self {
        Self {
            strong_rule: false,
            gap_safe: false,
        }
    }
}

impl Default for Screening {
    fn default() -> Self {
        Self::all()
    }
}

/// Options shared by single fits, paths and cross-validation. A plain record (it is also what
/// [`kkt_residual`](super::kkt_residual) and [`alpha_max`](super::alpha_max) take to prepare
/// the problem as a fit would); the params builders set it field by field or whole with
/// `.options(..)`, and their `check()` validates it.
#[derive(Debug, Clone, PartialEq)]
pub struct SolverOptions {
    /// Fit an unpenalized intercept (centre X and y). Default true.
    pub fit_intercept: bool,
    /// Divide columns by their population (1/n, weighted) standard deviation before fitting, as
    /// glmnet's `standardize=TRUE`; coefficients are back-transformed. Default false
    /// (scikit-learn). Note the scaling trap of spec §2.1: on scikit-learn's diabetes data
    /// (unit-l2 columns) glmnet's standardized lambda_max is `2.148 * sqrt(442)`.
    pub standardize: bool,
    /// Duality-gap tolerance in scikit-learn's units: stop when `gap <= tol * ||y_c||^2`
    /// (y centred, and weighted, as fitted). Default 1e-4.
    pub tol: f64,
    /// Maximum coordinate-descent epochs per alpha. Default 10 000.
    pub max_iter: usize,
    /// Screening rules. Default: all.
    pub screening: Screening,
    /// Covariance mode choice. Default: automatic.
    pub gram: GramMode,
    /// Observation weights (non-negative, not all zero); rescaled to sum to n. Their length
    /// must match the rows of the data fitted (checked at fit time).
    pub weights: Option<DVector<f64>>,
}

impl Default for SolverOptions {
    fn default() -> Self {
        Self {
            fit_intercept: true,
            standardize: false,
            tol: 1e-4,
            max_iter: 10_000,
            screening: Screening::all(),
            gram: GramMode::Auto,
            weights: None,
        }
    }
}

impl SolverOptions {
    /// The checks that need no data: `tol > 0`, `max_iter >= 1`, weights finite, non-negative
    /// and not all zero.
    pub(crate) fn check(&self) -> Result<()> {
        check::positive("tol", self.tol)?;
        check::at_least("max_iter", self.max_iter, 1)?;
        if let Some(w) = &self.weights {
            check::all_finite("weights", w.as_slice())?;
            if let Some(i) = w.iter().position(|&v| v < 0.0) {
                return Err(Error::param(
                    "weights",
                    format!("{} at index {i}", w[i]),
                    "weights must be >= 0",
                ));
            }
            if w.sum() <= 0.0 {
                return Err(Error::param(
                    "weights",
                    "all zero",
                    "at least one weight must be > 0",
                ));
            }
        }
        Ok(())
    }

    /// [`check`](Self::check) plus the weights' length against `n` rows.
    pub(crate) fn validate(&self, n: usize) -> Result<()> {
        if let Some(w) = &self.weights
            && w.len() != n
        {
            return Err(Error::DimensionMismatch {
                what: "observation weights",
                expected: n,
                got: w.len(),
            });
        }
        self.check()
    }
}

/// Builder methods for the [`SolverOptions`] held in a params struct's `options` field.
macro_rules! option_builders {
    () => {
        /// Fit an intercept (default true).
        pub fn fit_intercept(mut self, v: bool) -> Self {
            self.options.fit_intercept = v;
            self
        }
        /// Standardize columns by their population SD (glmnet); default false.
        pub fn standardize(mut self, v: bool) -> Self {
            self.options.standardize = v;
            self
        }
        /// Duality-gap tolerance, relative to `||y||^2` (scikit-learn units); default 1e-4.
        pub fn tol(mut self, v: f64) -> Self {
            self.options.tol = v;
            self
        }
        /// Maximum epochs per alpha; default 10 000.
        pub fn max_iter(mut self, v: usize) -> Self {
            self.options.max_iter = v;
            self
        }
        /// Screening rules; default [`Screening::all`](crate::sparse::Screening::all).
        pub fn screening(mut self, v: $crate::sparse::options::Screening) -> Self {
            self.options.screening = v;
            self
        }
        /// Covariance-mode choice; default [`GramMode::Auto`](crate::sparse::GramMode).
        pub fn gram(mut self, v: $crate::sparse::options::GramMode) -> Self {
            self.options.gram = v;
            self
        }
        /// Observation weights (rescaled to sum to n; one per row of the data fitted).
        pub fn weights(mut self, w: nalgebra::DVector<f64>) -> Self {
            self.options.weights = Some(w);
            self
        }
        /// Every solver option at once.
        pub fn options(mut self, o: $crate::sparse::options::SolverOptions) -> Self {
            self.options = o;
            self
        }
    };
}
pub(crate) use option_builders;

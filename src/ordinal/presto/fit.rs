//! PRESTO at one λ: [`PrestoParams`] → [`Presto`] → [`PrestoFit`], and the penalty settings
//! every PRESTO estimator shares.

use super::problem::{Problem, Solution};
use crate::error::{Error, Result, check};
use crate::estimator::{Certificate, Diagnostics, Fit, Fitted, ParamGuard, Predict, seconds_since};
use crate::ordinal::data::OrdinalData;
use crate::ordinal::link::Link;
use crate::ordinal::model::{CumulativeLogit, Probabilities};
use nalgebra::{DMatrix, DVector};
use std::time::Instant;

/// The settings of the penalized problem shared by the single-λ fit, the path and CV.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Settings {
    pub(crate) a: f64,
    pub(crate) penalize_first: bool,
    pub(crate) standardize: bool,
    pub(crate) tol: f64,
    pub(crate) max_iter: usize,
    pub(crate) link: Link,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            a: 1.0,
            penalize_first: true,
            standardize: false,
            tol: 1e-9,
            max_iter: 200,
            link: Link::Logit,
        }
    }
}

impl Settings {
    pub(crate) fn check(&self) -> Result<Settings> {
        check::in_closed("a", self.a, 0.0, 1.0)?;
        check::positive("tol", self.tol)?;
        check::at_least("max_iter", self.max_iter, 1)?;
        Ok(self.clone())
    }

    /// The problem on `data`: K ≥ 2 and a row in every class. For K = 2 there are no boundary
    /// differences to fuse and PRESTO is the elastic-net-penalized binary cumulative link model
    /// (with `penalize_first`; without it, the unpenalized one).
    pub(crate) fn problem(&self, data: &OrdinalData) -> Result<Problem> {
        if data.n_classes() < 2 {
            return Err(Error::param(
                "K",
                data.n_classes(),
                "PRESTO needs K >= 2 ordered classes",
            ));
        }
        data.check_levels()?;
        Ok(Problem::new(
            data,
            self.penalize_first,
            self.a,
            self.standardize,
            self.link,
        ))
    }

    /// Solve at `lambda` from `start`; the fit's seconds count from `t0`.
    pub(crate) fn fit_from(
        &self,
        prob: &Problem,
        lambda: f64,
        start: DVector<f64>,
        t0: Instant,
    ) -> Result<(PrestoFit, Solution)> {
        let s = prob.solve(lambda, start, self.tol, self.max_iter)?;
        let (model, psi) = prob.original_scale(&s, lambda)?;
        let fit = PrestoFit {
            model,
            psi,
            lambda,
            loglik: s.ll,
            objective: s.objective,
            diagnostics: Diagnostics {
                iterations: s.n_iter,
                stop: s.stop,
                certificate: Certificate::GradientNorm {
                    norm: s.kkt,
                    target: self.tol,
                },
                fit_seconds: seconds_since(t0),
            },
        };
        Ok((fit, s))
    }
}

/// The builder methods of the shared settings, for each PRESTO params type.
macro_rules! settings_setters {
    () => {
        /// Mixing weight `a` ∈ [0, 1] of the penalty c_jk [a|ψ_jk| + (1−a)/2 ψ_jk²] (spec
        /// §1.2): 1 = lasso (PRESTO, the default), 0 = ridge (PRESTO_L2).
        pub fn a(mut self, a: f64) -> Self {
            self.settings.a = a;
            self
        }

        /// Whether the first slope block ψ_0 = b_0 is penalized (w_1 = 1, the authors' default).
        pub fn penalize_first(mut self, v: bool) -> Self {
            self.settings.penalize_first = v;
            self
        }

        /// Centre each column and divide by its population SD before fitting, as ordinalNet
        /// does (λ then refers to the standardized scale); coefficients are returned on the
        /// original scale. Default off.
        pub fn standardize(mut self, v: bool) -> Self {
            self.settings.standardize = v;
            self
        }

        /// KKT tolerance (> 0; default 1e-9).
        pub fn tol(mut self, v: f64) -> Self {
            self.settings.tol = v;
            self
        }

        /// Maximum proximal Newton steps per λ (≥ 1; default 200).
        pub fn max_iter(mut self, v: usize) -> Self {
            self.settings.max_iter = v;
            self
        }

        /// Inverse link F of P(Y ≤ k | x) = F(θ_k − xᵀb_k) (default logit, the paper's model).
        pub fn link(mut self, link: $crate::ordinal::link::Link) -> Self {
            self.settings.link = link;
            self
        }
    };
}
pub(crate) use settings_setters;

/// PRESTO at one λ (builder; unchecked). Defaults: lasso (`a = 1`), first block penalized, no
/// standardization, KKT tolerance 1e-9, at most 200 proximal Newton steps.
#[derive(Debug, Clone, PartialEq)]
pub struct PrestoParams {
    lambda: f64,
    settings: Settings,
}

/// Checked [`PrestoParams`]: [`Fit`] on [`OrdinalData`].
#[derive(Debug, Clone, PartialEq)]
pub struct Presto {
    lambda: f64,
    settings: Settings,
}

/// One PRESTO fit.
#[derive(Debug, Clone)]
pub struct PrestoFit {
    /// The model on the original scale of x (polr sign).
    pub model: CumulativeLogit,
    /// Differences ψ on the original scale, (K−1) × p: row 0 is b_0, row k is b_k − b_{k−1}.
    pub psi: DMatrix<f64>,
    /// λ.
    pub lambda: f64,
    /// Weighted log-likelihood.
    pub loglik: f64,
    /// Objective value on the fitting scale (standardized x when standardization is on).
    pub objective: f64,
    /// Proximal Newton steps; the certificate is the KKT residual on the fitting scale (see
    /// [`PrestoFit::kkt`]) against the tolerance.
    diagnostics: Diagnostics,
}

impl PrestoFit {
    /// KKT residual on the fitting scale: max over cutpoints of |∂f|, over nonzero ψ of
    /// |∂f + λ c a sign ψ|, over zero ψ of (|∂f| − λ c a)₊, f the smooth part (the
    /// certificate's norm; the fit only ever certifies by it, so the NaN arm is never taken).
    pub fn kkt(&self) -> f64 {
        match self.diagnostics.certificate {
            Certificate::GradientNorm { norm, .. } => norm,
            _ => f64::NAN,
        }
    }
}

impl Fitted for PrestoFit {
    fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }
}

impl Predict for PrestoFit {
    type Output = Probabilities;
    /// Class probabilities under the default crossing policy (clamp; crossings counted).
    fn predict(&self, x: &DMatrix<f64>) -> Result<Probabilities> {
        self.model.predict(x)
    }
}

impl PrestoParams {
    /// PRESTO at penalty strength `lambda` ≥ 0 with the authors' defaults (see the type docs).
    pub fn new(lambda: f64) -> Self {
        Self {
            lambda,
            settings: Settings::default(),
        }
    }

    settings_setters!();
}

impl ParamGuard for PrestoParams {
    type Checked = Presto;
    fn check(&self) -> Result<Presto> {
        check::non_negative("lambda", self.lambda)?;
        Ok(Presto {
            lambda: self.lambda,
            settings: self.settings.check()?,
        })
    }
}

impl Presto {
    /// The checked settings at another λ (the CV refit at the chosen λ).
    pub(crate) fn at(settings: Settings, lambda: f64) -> Self {
        Self { lambda, settings }
    }
}

impl Fit<OrdinalData> for Presto {
    type Fitted = PrestoFit;
    /// Fit at λ, started from the intercept-only model. Errors: K < 2 (`K`), an empty class,
    /// separation at λ = 0 ([`Error::NotIdentifiable`]), a KKT residual above 1e-6
    /// ([`Error::NotConverged`]).
    fn fit(&self, data: &OrdinalData) -> Result<PrestoFit> {
        let t0 = Instant::now();
        let prob = self.settings.problem(data)?;
        let start = prob.intercept_only()?;
        Ok(self.settings.fit_from(&prob, self.lambda, start, t0)?.0)
    }
}

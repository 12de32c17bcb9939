//! The three exponential families of glmnet's `glmnet(family = ...)` with their canonical links
//! (Friedman, Hastie, Tibshirani 2010, §3-4): per-observation negative log-likelihood
//! `loss(y, eta)`, mean `mu(eta)`, the IRLS weight `d mu / d eta` and the unit deviance.
//!
//! | family | support of y | loss(y, eta) | mu(eta) | d mu / d eta |
//! |---|---|---|---|---|
//! | gaussian | real | (y - eta)^2 / 2 | eta | 1 |
//! | binomial | {0, 1} | log(1 + e^eta) - y eta | 1 / (1 + e^-eta) | mu (1 - mu) |
//! | poisson | counts >= 0 | e^eta - y eta | e^eta | mu |

use crate::error::{Error, Result};

/// Why a GLM path ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GlmStop {
    /// Every alpha of the grid was fitted.
    Complete,
    /// glmnet's `fdev` rule: the deviance ratio gained too little.
    DevianceChange,
    /// glmnet's `devmax` rule: deviance ratio above 0.999.
    DevianceRatio,
    /// Binomial: the summed IRLS weight fell to glmnet's `vmin` (fitted probabilities at 0 or 1).
    Saturated,
}

/// A GLM family with its canonical link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// Squared-error loss (identity link).
    #[default]
    Gaussian,
    /// Logistic regression, y in {0, 1} (logit link).
    Binomial,
    /// Poisson regression, y a count (log link).
    Poisson,
}

/// glmnet's `pmin`: fitted probabilities are clamped to `[pmin, 1 - pmin]` in the deviance, and
/// a path whose summed IRLS weight falls to `(1 + pmin) pmin (1 - pmin)` is saturated.
pub(crate) const PMIN: f64 = 1e-9;

/// The largest linear predictor whose exponential is finite with room to spare (glmnet's
/// `fmax = log(huge * 0.1)`).
const ETA_MAX: f64 = 707.0;

impl Family {
    /// The family's name as glmnet spells it.
    pub fn name(&self) -> &'static str {
        match self {
            Family::Gaussian => "gaussian",
            Family::Binomial => "binomial",
            Family::Poisson => "poisson",
        }
    }

    /// Parse glmnet's family name.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "gaussian" => Ok(Family::Gaussian),
            "binomial" => Ok(Family::Binomial),
            "poisson" => Ok(Family::Poisson),
            other => Err(Error::UnknownName {
                kind: "family",
                name: other.into(),
                known: "gaussian, binomial, poisson".into(),
            }),
        }
    }

    /// Every y must lie in the family's support: finite; {0, 1} for binomial; >= 0 for poisson.
    /// The error names `y`, the row and the value.
    pub fn check_response(&self, y: &[f64]) -> Result<()> {
        for (i, &v) in y.iter().enumerate() {
            let bad = match self {
                Family::Gaussian => (!v.is_finite()).then_some("must be finite"),
                Family::Binomial => (v != 0.0 && v != 1.0).then_some("binomial y must be 0 or 1"),
                Family::Poisson => {
                    (!(v.is_finite() && v >= 0.0)).then_some("poisson y must be a count >= 0")
                }
            };
            if let Some(reason) = bad {
                return Err(Error::param("y", format!("{v} at row {i}"), reason));
            }
        }
        Ok(())
    }

    /// The mean `mu(eta)`.
    #[inline]
    pub fn mean(&self, eta: f64) -> f64 {
        match self {
            Family::Gaussian => eta,
            Family::Binomial => 1.0 / (1.0 + (-eta).exp()),
            Family::Poisson => eta.min(ETA_MAX).exp(),
        }
    }

    /// `d mu / d eta` at the mean `mu` (the IRLS weight before observation weights).
    #[inline]
    pub fn variance(&self, mu: f64) -> f64 {
        match self {
            Family::Gaussian => 1.0,
            Family::Binomial => mu * (1.0 - mu),
            Family::Poisson => mu,
        }
    }

    /// Negative log-likelihood of one observation, up to terms free of eta.
    #[inline]
    pub fn loss(&self, y: f64, eta: f64) -> f64 {
        match self {
            Family::Gaussian => 0.5 * (y - eta) * (y - eta),
            // log(1 + e^eta) computed without overflow.
            Family::Binomial => eta.max(0.0) + (-eta.abs()).exp().ln_1p() - y * eta,
            Family::Poisson => eta.min(ETA_MAX).exp() - y * eta,
        }
    }

    /// Loss, mean and `d mu / d eta` at eta (as [`Family::loss`], [`Family::mean`],
    /// [`Family::variance`]), with one exponential: the solver's pass over the observations.
    #[inline]
    pub(crate) fn eval(&self, y: f64, eta: f64) -> (f64, f64, f64) {
        match self {
            Family::Gaussian => (0.5 * (y - eta) * (y - eta), eta, 1.0),
            Family::Binomial => {
                let e = (-eta.abs()).exp();
                let p = if eta >= 0.0 {
                    1.0 / (1.0 + e)
                } else {
                    e / (1.0 + e)
                };
                (eta.max(0.0) + e.ln_1p() - y * eta, p, p * (1.0 - p))
            }
            Family::Poisson => {
                let m = eta.min(ETA_MAX).exp();
                (m - y * eta, m, m)
            }
        }
    }

    /// `loss(y, eta + delta) - loss(y, eta)` at `mu = mean(eta)`, computed without the
    /// cancellation of the difference of two losses (binomial `log1p(mu expm1(delta))`, poisson
    /// `mu expm1(delta)`, each minus `y delta`), so that a line search can still tell a
    /// decrease of 1e-20 from rounding. Returns the change and the magnitude of its terms (the
    /// scale of its rounding error).
    #[inline]
    pub(crate) fn loss_change(&self, y: f64, eta: f64, mu: f64, delta: f64) -> (f64, f64) {
        if delta.abs() > 1.0 || (*self == Family::Poisson && eta + delta > ETA_MAX) {
            // A large move has no cancellation to fear.
            let (a, b) = (self.loss(y, eta + delta), self.loss(y, eta));
            return (a - b, a.abs() + b.abs());
        }
        let t = match self {
            Family::Gaussian => delta * (0.5 * delta - (y - eta)) + y * delta,
            Family::Binomial => (mu * delta.exp_m1()).ln_1p(),
            Family::Poisson => mu * delta.exp_m1(),
        };
        (t - y * delta, t.abs() + (y * delta).abs())
    }

    /// Unit deviance `2 (loglik(saturated) - loglik(mu))` of one observation, glmnet's: the
    /// binomial mean clamped to `[pmin, 1 - pmin]`.
    pub fn unit_deviance(&self, y: f64, mu: f64) -> f64 {
        match self {
            Family::Gaussian => (y - mu) * (y - mu),
            Family::Binomial => {
                let p = mu.clamp(PMIN, 1.0 - PMIN);
                -2.0 * (y * p.ln() + (1.0 - y) * (1.0 - p).ln())
            }
            Family::Poisson => {
                let ylogy = if y > 0.0 { y * (y / mu).ln() } else { 0.0 };
                2.0 * (ylogy - (y - mu))
            }
        }
    }

    /// The intercept-only fit `g(ybar)` (weighted mean, weights summing to n); an error when it
    /// does not exist (a binomial y of one class, a poisson y of zeros).
    pub fn null_eta(&self, ybar: f64) -> Result<f64> {
        match self {
            Family::Gaussian => Ok(ybar),
            Family::Binomial => {
                if ybar <= PMIN || ybar >= 1.0 - PMIN {
                    return Err(Error::param(
                        "y",
                        format!("weighted mean {ybar}"),
                        "binomial y has a single class; both 0 and 1 must occur",
                    ));
                }
                Ok((ybar / (1.0 - ybar)).ln())
            }
            Family::Poisson => {
                if ybar <= 0.0 {
                    return Err(Error::param(
                        "y",
                        "all zero",
                        "poisson y must have a positive count (the null intercept log(0) is -inf)",
                    ));
                }
                Ok(ybar.ln())
            }
        }
    }

    /// glmnet's early stop of the path after point `k` (0-based) with deviance ratios
    /// `dev[0..=k]`, checked from the 5th point on (`mnlam`): ratio above 0.999 (`devmax`), or
    /// too small a gain (`fdev = 1e-5`): binomial `dev[k] - dev[k-1] < fdev` (lognet), poisson
    /// `(dev[k] - dev[k-4]) / dev[k] < 10 fdev` (fishnet), gaussian
    /// `dev[k] - dev[k-1] < fdev dev[k]` (elnet).
    pub(crate) fn early_stop(&self, dev: &[f64], n_grid: usize) -> Option<GlmStop> {
        let k = dev.len() - 1;
        let mnl = 5.min(n_grid);
        if k + 1 < mnl {
            return None;
        }
        let d = dev[k];
        let gain_small = match self {
            Family::Binomial => k >= 1 && d - dev[k - 1] < 1e-5,
            Family::Poisson => d - dev[k + 1 - mnl] < 1e-4 * d,
            Family::Gaussian => k >= 1 && d - dev[k - 1] < 1e-5 * d,
        };
        if d > 0.999 {
            Some(GlmStop::DevianceRatio)
        } else if gain_small {
            Some(GlmStop::DevianceChange)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn losses_are_the_negative_log_likelihoods() {
        let f = Family::Binomial;
        for eta in [-800.0, -3.0, 0.0, 2.5, 800.0] {
            let direct = (1.0 + f64::exp(eta)).ln();
            if direct.is_finite() {
                assert!((f.loss(0.0, eta) - direct).abs() < 1e-12);
            }
            assert!(f.loss(1.0, eta).is_finite());
        }
        assert!((Family::Poisson.loss(2.0, 0.5) - (0.5f64.exp() - 1.0)).abs() < 1e-15);
        // The deviance of the saturated fit is zero.
        assert!(Family::Poisson.unit_deviance(3.0, 3.0).abs() < 1e-15);
        assert!(Family::Poisson.unit_deviance(0.0, 0.0).abs() < 1e-15);
        assert!(Family::Binomial.unit_deviance(1.0, 1.0) < 1e-8);
    }

    #[test]
    fn responses_outside_the_support_are_typed_errors() {
        assert!(Family::Binomial.check_response(&[0.0, 1.0]).is_ok());
        let e = Family::Binomial.check_response(&[0.0, 2.0]).unwrap_err();
        assert!(e.to_string().contains("`y`") && e.to_string().contains("row 1"));
        assert!(Family::Poisson.check_response(&[0.0, -1.0]).is_err());
        assert!(Family::Poisson.check_response(&[0.0, 1.5]).is_ok());
        assert!(Family::Gaussian.check_response(&[f64::NAN]).is_err());
        assert!(Family::Binomial.null_eta(0.0).is_err());
        assert!(Family::Poisson.null_eta(0.0).is_err());
        assert!(Family::parse("gamma").is_err());
    }
}

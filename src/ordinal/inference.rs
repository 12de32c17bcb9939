//! Likelihood-based inference for cumulative link models, as R's `ordinal` reports it
//! (Christensen 2019, Sec. 4 and 5): Wald z statistics, two-sided normal p values and Wald
//! intervals from the inverse observed information (clm's `summary` and
//! `confint(type = "Wald")`), likelihood-ratio tests between nested fits (clm's `anova`,
//! `nominal_test`), and the information criteria AIC = −2ℓ + 2k and BIC = −2ℓ + k log N with N
//! the total frequency weight (clm's `nobs`).

use crate::error::{Error, Result, check};
use crate::montecarlo::stats::normal_quantile;
use libm::erfc;
use statrs::distribution::{ChiSquared, ContinuousCDF};
use std::f64::consts::FRAC_1_SQRT_2;

/// One parameter's Wald inference.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Wald {
    /// The estimate.
    pub estimate: f64,
    /// Standard error, the square root of the diagonal of the inverse observed information.
    pub std_error: f64,
    /// z = estimate / std_error.
    pub z: f64,
    /// Two-sided p value 2Φ(−|z|).
    pub p_value: f64,
    /// Lower end of the Wald interval, estimate − z_{(1+level)/2} · std_error.
    pub lower: f64,
    /// Upper end.
    pub upper: f64,
}

/// The normal critical value z_{(1+level)/2} of a two-sided interval; `level` in (0, 1).
pub fn z_critical(level: f64) -> Result<f64> {
    check::in_open("level", level, 0.0, 1.0)?;
    Ok(normal_quantile(0.5 + 0.5 * level))
}

/// Two-sided normal p value 2Φ(−|z|) = erfc(|z|/√2), with full relative precision far in the
/// tail.
pub fn two_sided_p(z: f64) -> f64 {
    erfc(z.abs() * FRAC_1_SQRT_2)
}

/// Wald statistics of every estimate with its standard error at confidence `level`.
pub fn wald(estimates: &[f64], std_errors: &[f64], level: f64) -> Result<Vec<Wald>> {
    if estimates.len() != std_errors.len() {
        return Err(Error::DimensionMismatch {
            what: "standard errors vs estimates",
            expected: estimates.len(),
            got: std_errors.len(),
        });
    }
    let zc = z_critical(level)?;
    Ok(estimates
        .iter()
        .zip(std_errors)
        .map(|(&estimate, &std_error)| {
            let z = estimate / std_error;
            Wald {
                estimate,
                std_error,
                z,
                p_value: two_sided_p(z),
                lower: estimate - zc * std_error,
                upper: estimate + zc * std_error,
            }
        })
        .collect())
}

/// Upper tail P(χ²_df > x) (0 ≤ x; df ≥ 1). One degree of freedom goes through erfc, exact in the
/// far tail.
pub fn chi2_sf(x: f64, df: usize) -> Result<f64> {
    check::at_least("df", df, 1)?;
    check::non_negative("statistic", x)?;
    if df == 1 {
        return Ok(erfc((0.5 * x).sqrt()));
    }
    let d = ChiSquared::new(df as f64).map_err(|e| Error::param("df", df, e.to_string()))?;
    Ok(d.sf(x))
}

/// A likelihood-ratio test of a reduced model nested in a fuller one.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LrTest {
    /// Log-likelihood of the reduced model.
    pub loglik_reduced: f64,
    /// Log-likelihood of the fuller model.
    pub loglik_full: f64,
    /// 2 (ℓ_full − ℓ_reduced).
    pub statistic: f64,
    /// Difference in the number of free parameters.
    pub df: usize,
    /// P(χ²_df > statistic).
    pub p_value: f64,
}

/// LR test of `loglik_reduced` (with `k_reduced` parameters) against `loglik_full`
/// (`k_full` > `k_reduced`). A statistic below zero by more than rounding means the fits are
/// not nested or one of them is not at its maximum: an error, not a p value of 1.
pub fn lr_test(
    loglik_reduced: f64,
    k_reduced: usize,
    loglik_full: f64,
    k_full: usize,
) -> Result<LrTest> {
    check::finite("loglik_reduced", loglik_reduced)?;
    check::finite("loglik_full", loglik_full)?;
    if k_full <= k_reduced {
        return Err(Error::param(
            "k_full",
            k_full,
            format!(
                "the fuller model must have more parameters than the reduced one ({k_reduced})"
            ),
        ));
    }
    let raw = 2.0 * (loglik_full - loglik_reduced);
    let slack = 1e-8 * loglik_full.abs().max(1.0);
    if raw < -slack {
        return Err(Error::Numerical(format!(
            "likelihood-ratio statistic {raw:e} < 0: the reduced fit ({loglik_reduced}) beats the fuller one \
             ({loglik_full}), so they are not nested or one is not at its maximum"
        )));
    }
    let statistic = raw.max(0.0);
    let df = k_full - k_reduced;
    Ok(LrTest {
        loglik_reduced,
        loglik_full,
        statistic,
        df,
        p_value: chi2_sf(statistic, df)?,
    })
}

/// AIC and BIC of a fit with `n_params` free parameters and total frequency weight `nobs`.
pub fn information_criteria(loglik: f64, n_params: usize, nobs: f64) -> Result<(f64, f64)> {
    check::finite("loglik", loglik)?;
    check::positive("nobs", nobs)?;
    let k = n_params as f64;
    Ok((-2.0 * loglik + 2.0 * k, -2.0 * loglik + k * nobs.ln()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wald_table_matches_closed_forms() {
        let w = wald(&[1.0, -0.5], &[0.5, 0.25], 0.95).unwrap();
        assert_eq!(w[0].z, 2.0);
        // R: 2 * pnorm(-2), qnorm(0.975).
        assert!((w[0].p_value - 0.045_500_263_896_358_42).abs() < 1e-16);
        let zc = 1.959_963_984_540_053_6;
        assert!((w[1].lower - (-0.5 - zc * 0.25)).abs() < 1e-15);
        assert!((w[1].upper - (-0.5 + zc * 0.25)).abs() < 1e-15);
        assert!(wald(&[1.0], &[], 0.95).is_err());
        assert!(wald(&[1.0], &[1.0], 1.0).is_err());
        // Far tail: R 2 * pnorm(-30).
        assert!((two_sided_p(-30.0) / 9.813_427_854_296_374e-198 - 1.0).abs() < 1e-13);
    }

    #[test]
    fn chi_square_tail_and_lr_test() {
        // R: pchisq(3.84145882069412, 1, lower = FALSE) = 0.05; pchisq(10, 4, lower = FALSE).
        assert!((chi2_sf(3.841_458_820_694_124, 1).unwrap() - 0.05).abs() < 1e-16);
        assert!((chi2_sf(10.0, 4).unwrap() - 0.040_427_681_994_512_805).abs() < 1e-14);
        let t = lr_test(-10.0, 2, -8.0, 3).unwrap();
        assert_eq!((t.statistic, t.df), (4.0, 1));
        assert!((t.p_value - 0.045_500_263_896_358_42).abs() < 1e-15);
        assert!(lr_test(-8.0, 2, -10.0, 3).is_err());
        assert!(lr_test(-10.0, 3, -8.0, 3).is_err());
        assert_eq!(lr_test(-8.0, 2, -8.0, 3).unwrap().p_value, 1.0);
        // Rounding below zero is clamped; more is an error.
        assert_eq!(lr_test(-8.0, 2, -8.0 - 1e-12, 3).unwrap().statistic, 0.0);
    }

    #[test]
    fn aic_and_bic() {
        let (aic, bic) = information_criteria(-100.0, 3, 50.0).unwrap();
        assert_eq!(aic, 206.0);
        assert!((bic - (200.0 + 3.0 * 50f64.ln())).abs() < 1e-12);
        assert!(information_criteria(f64::NAN, 3, 50.0).is_err());
    }
}

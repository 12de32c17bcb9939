//! The p-n criterion (spec §1.5) and the information criteria it is linked to (spec §4).
//!
//! A sample of size n is large enough for a p-parameter model when the expected information
//! loss R_n ≈ c1/n + c2/n² stays below a threshold ε. The threshold comes from a bound on the
//! Bayes error of telling g_θ* from g_θ̂ apart: with equal priors BER = ½(1 − TV), and
//! E BER ≥ ½ − δ holds when
//! * Pinsker (default): TV ≤ √(KL/2) and Jensen give ε = 8δ²;
//! * Bhattacharyya: TV ≤ √(1 − e^{−KL}) gives ε = −log(1 − 4δ²) (tighter only for large R_n).
//!
//! The constant of the paper's own bound (Sheena 2021, §3) was not available when this was
//! written, so the threshold is always a parameter (`--delta` with a bound, or `--threshold ε`
//! directly) and nothing here hard-codes 8δ² beyond the documented default.

use crate::error::{Error, Result};

/// Which bound turns δ into ε.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Bound {
    /// ε = 8δ² (Pinsker + Jensen).
    #[default]
    Pinsker,
    /// ε = −log(1 − 4δ²) (Bhattacharyya).
    Bhattacharyya,
}

impl Bound {
    /// Parse `pinsker` or `bhattacharyya`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "pinsker" => Ok(Bound::Pinsker),
            "bhattacharyya" => Ok(Bound::Bhattacharyya),
            _ => Err(Error::UnknownName {
                kind: "bound",
                name: s.into(),
                known: "pinsker, bhattacharyya".into(),
            }),
        }
    }
}

/// The risk threshold ε.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Threshold {
    /// ε: accept when R_n ≤ ε.
    pub epsilon: f64,
    /// δ it came from, if any.
    pub delta: Option<f64>,
    /// Bound used for δ → ε, if any.
    pub bound: Option<Bound>,
}

/// Default tolerated departure from indistinguishability: E BER ≥ 0.45.
pub const DEFAULT_DELTA: f64 = 0.05;

impl Threshold {
    /// ε from δ ∈ (0, ½): E BER ≥ ½ − δ.
    pub fn from_delta(delta: f64, bound: Bound) -> Result<Self> {
        crate::error::check::in_open("delta", delta, 0.0, 0.5)?;
        let epsilon = match bound {
            Bound::Pinsker => 8.0 * delta * delta,
            Bound::Bhattacharyya => -(1.0 - 4.0 * delta * delta).ln(),
        };
        Ok(Self {
            epsilon,
            delta: Some(delta),
            bound: Some(bound),
        })
    }

    /// ε given directly.
    pub fn from_epsilon(epsilon: f64) -> Result<Self> {
        crate::error::check::positive("threshold", epsilon)?;
        Ok(Self {
            epsilon,
            delta: None,
            bound: None,
        })
    }

    /// The default: Pinsker with δ = [`DEFAULT_DELTA`].
    pub fn default_pinsker() -> Self {
        Self::from_delta(DEFAULT_DELTA, Bound::Pinsker).expect("valid default")
    }
}

fn check_terms(c1: f64, c2: f64) -> Result<()> {
    crate::error::check::positive("c1", c1)?;
    crate::error::check::finite("c2", c2)?;
    Ok(())
}

/// Minimum sample size: the smallest n ≥ 1 beyond which c1/n + c2/n² ≤ ε, i.e. the larger root
/// of εn² − c1 n − c2 = 0 rounded up, n_min = ⌈(c1 + √(c1² + 4εc2))/(2ε)⌉ (spec §1.5 item 4).
/// With c2 = 0 this is ⌈c1/ε⌉. When c2 < 0 and the discriminant is negative every n passes
/// (n_min = 1). The small-n region where a negative c2 makes the two-term expansion itself
/// negative is never counted as accepted.
pub fn n_min(c1: f64, c2: f64, epsilon: f64) -> Result<u64> {
    check_terms(c1, c2)?;
    crate::error::check::positive("threshold", epsilon)?;
    let disc = c1 * c1 + 4.0 * epsilon * c2;
    if disc < 0.0 {
        return Ok(1);
    }
    let root = if c2 == 0.0 {
        c1 / epsilon
    } else {
        (c1 + disc.sqrt()) / (2.0 * epsilon)
    };
    let n = root.ceil();
    Ok(if n >= u64::MAX as f64 {
        u64::MAX
    } else {
        (n as u64).max(1)
    })
}

/// Accept (p, n): n ≥ n_min(c1, c2, ε); for c2 ≥ 0 this is exactly c1/n + c2/n² ≤ ε.
pub fn accept(c1: f64, c2: f64, n: u64, epsilon: f64) -> Result<bool> {
    Ok(n >= n_min(c1, c2, epsilon)?)
}

/// In a nested sequence of models given as (p, c1, c2) in increasing p, the largest p that
/// passes at sample size n (spec §1.5 item 5); `None` if none passes.
pub fn max_dimension(models: &[(usize, f64, f64)], n: u64, epsilon: f64) -> Result<Option<usize>> {
    let mut best = None;
    for &(p, c1, c2) in models {
        if accept(c1, c2, n, epsilon)? {
            best = Some(best.map_or(p, |b: usize| b.max(p)));
        }
    }
    Ok(best)
}

/// AIC, TIC and BIC of a fitted model (spec §4).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InformationCriteria {
    /// −2ℓ + 2p.
    pub aic: f64,
    /// −2ℓ + 2 tr(Î⁻¹Ĵ).
    pub tic: f64,
    /// −2ℓ + p log n.
    pub bic: f64,
    /// tr(Î⁻¹Ĵ) (= 2 ĉ1 up to the divisor of Ĵ).
    pub tic_trace: f64,
}

/// AIC/TIC/BIC from the maximized log-likelihood, p, n and tr(Î⁻¹Ĵ).
pub fn information_criteria(
    loglik: f64,
    p: usize,
    n: usize,
    tic_trace: f64,
) -> Result<InformationCriteria> {
    crate::error::check::finite("log-likelihood", loglik)?;
    crate::error::check::finite("tr(I^-1 J)", tic_trace)?;
    let m2l = -2.0 * loglik;
    Ok(InformationCriteria {
        aic: m2l + 2.0 * p as f64,
        tic: m2l + 2.0 * tic_trace,
        bic: m2l + p as f64 * (n as f64).ln(),
        tic_trace,
    })
}

//! ε-LDP and (ε, δ)-LDP randomizers (spec §2), each with its exact guarantee as a typed
//! [`Privacy`], an unbiased decoder and the decoder's variance in closed form.
//!
//! | mechanism | input | output | source |
//! |---|---|---|---|
//! | [`BinaryRr`] | bit | bit | Warner 1965 |
//! | [`Grr`] | category in \[K\] | category | Kairouz et al. 2016 (direct encoding) |
//! | [`UnaryEncoding`] (OUE, SUE) | category | K bits | Wang et al. 2017, Erlingsson et al. 2014 |
//! | [`Olh`] | category | (hash seed, value in \[g\]) | Wang et al. 2017 |
//! | [`DuchiScalar`], [`DuchiL2`], [`DuchiLinf`] | [−r, r], ℓ2 ball, ℓ∞ box | ±B, sphere, {±B}^d | Duchi, Jordan & Wainwright 2018 |
//! | [`Piecewise`], [`Hybrid`] | [−1, 1] | [−C, C] | Wang et al. ICDE 2019 |
//! | [`Laplace`] | box [−r, r]^d | R^d | Dwork et al. 2006 |
//! | [`Gaussian`] | ℓ2 ball | R^d | Dwork & Roth 2014 Thm A.1; Balle & Wang 2018 |
//!
//! **Clipping.** Numeric inputs are projected onto the mechanism's domain before anything else,
//! so ±∞ and 1e300 give exactly the output law of the clipped input and the noise scale depends
//! only on (ε, δ, radius, d). NaN cannot be clipped and is an error (`f64::clamp` and `f64::min`
//! would propagate or silently drop it).
//!
//! **Floating point (spec §2.9).** The discrete mechanisms (RR, GRR, OUE, SUE, OLH, Duchi scalar
//! and ℓ∞) draw only Bernoulli and uniform-integer variables; their output pmf is exactly the
//! closed form up to the 2⁻⁶⁴ resolution of the Bernoulli sampler, and [`DiscreteMechanism`]
//! exposes it for exact ratio checks. The continuous mechanisms (Duchi ℓ2, piecewise, hybrid,
//! Laplace, Gaussian) use textbook floating-point samplers (inverse CDF, ziggurat). Such samplers
//! are **not** protected against the low-order-bit attack of Mironov (2012) or the precision
//! attacks of Jin et al. (arXiv 2207.13793): an adversary who sees the exact bit pattern of an
//! output can, for some inputs, learn more than ε allows. Round or snap their outputs before
//! release when that threat matters; these mechanisms are meant for simulation and research.

mod additive;
mod duchi;
mod frequency;
mod piecewise;

pub use additive::{
    Gaussian, GaussianCalibration, Laplace, analytic_gaussian_sigma, classic_gaussian_sigma,
    gaussian_delta,
};
pub use duchi::{DuchiL2, DuchiLinf, DuchiScalar, duchi_linf_bound};
pub use frequency::{BinaryRr, BrokenOue, Grr, Olh, UnaryEncoding, olh_hash};
pub use piecewise::{Hybrid, Piecewise};

use super::privacy::Privacy;
use crate::error::{Error, Result};
use crate::rng::Rng;

/// A local randomizer: one user's input in, one privatized report out.
pub trait Mechanism: Send + Sync {
    /// Short name (as the CLI spells it).
    fn name(&self) -> &'static str;
    /// The guarantee every report satisfies.
    fn privacy(&self) -> Privacy;
    /// Length of an input vector (1 for scalars and categories).
    fn input_dim(&self) -> usize;
    /// Length of a report.
    fn output_dim(&self) -> usize;
    /// Length of a decoded report (K for frequency oracles, d for mean mechanisms).
    fn estimate_dim(&self) -> usize {
        self.input_dim()
    }
    /// The input after projection onto the domain (numeric) or validation (categorical).
    fn clip(&self, x: &[f64]) -> Result<Vec<f64>>;
    /// Privatize one (clipped inside) input.
    fn privatize(&self, x: &[f64], rng: &mut Rng) -> Result<Vec<f64>>;
    /// Unbiased estimate from one report: of the clipped input (mean mechanisms) or of the
    /// one-hot indicator of the category (frequency oracles). Averaging over users estimates
    /// the mean or the frequency vector.
    fn decode(&self, report: &[f64]) -> Vec<f64>;
    /// Variance of each coordinate of [`Mechanism::decode`] when the true input is `x`.
    fn decode_variance(&self, x: &[f64]) -> Result<Vec<f64>>;
    /// A pair of inputs at which the privacy loss is largest, for audits.
    fn worst_pair(&self) -> (Vec<f64>, Vec<f64>);
    /// Number of histogram bins the empirical auditor uses.
    fn audit_bins(&self) -> usize;
    /// The bin of a report, as a function of the report only (post-processing, so bin
    /// probabilities obey the same ε bound). `x`, `x'` are the audited pair.
    fn audit_bin(&self, report: &[f64], pair: (&[f64], &[f64])) -> usize;
    /// The exact output law, for discrete mechanisms.
    fn as_discrete(&self) -> Option<&dyn DiscreteMechanism> {
        None
    }
    /// The Gaussian mechanism behind this one, whose (ε, δ) guarantee is audited through the
    /// hockey-stick divergence instead of bin ratios.
    fn gaussian(&self) -> Option<&Gaussian> {
        None
    }
}

/// A mechanism whose output law is a closed-form pmf on a finite set (for exact audits).
pub trait DiscreteMechanism {
    /// Inputs to compare pairwise (all of a finite domain, or a grid including the extremes).
    fn audit_inputs(&self) -> Vec<Vec<f64>>;
    /// Output sets to enumerate; each inner list is one conditional output space (e.g. one
    /// hash function of OLH) whose probabilities are compared across inputs.
    fn output_spaces(&self) -> Vec<Vec<Vec<f64>>>;
    /// P[M(x) = y] (conditional on the output space's public randomness, e.g. the hash).
    fn pmf(&self, x: &[f64], y: &[f64]) -> f64;
}

/// Names accepted by [`by_name`].
pub const NAMES: &[&str] = &[
    "rr",
    "grr",
    "oue",
    "sue",
    "olh",
    "duchi",
    "duchi-l2",
    "duchi-linf",
    "piecewise",
    "hybrid",
    "laplace",
    "gaussian",
    "gaussian-analytic",
];

/// Build a mechanism by name. `k` is the domain size of the frequency oracles, `d` the input
/// dimension of the vector mechanisms, `delta` is used by the Gaussian ones only. Numeric
/// domains are the unit interval, ball or box.
pub fn by_name(
    name: &str,
    epsilon: f64,
    delta: Option<f64>,
    k: usize,
    d: usize,
) -> Result<Box<dyn Mechanism>> {
    let need_delta = || {
        delta.ok_or_else(|| {
            Error::param(
                "delta",
                "none",
                "the Gaussian mechanism needs --delta in (0, 1)",
            )
        })
    };
    Ok(match name {
        "rr" => Box::new(BinaryRr::new(epsilon)?),
        "grr" => Box::new(Grr::new(epsilon, k)?),
        "oue" => Box::new(UnaryEncoding::optimized(epsilon, k)?),
        "sue" => Box::new(UnaryEncoding::symmetric(epsilon, k)?),
        "olh" => Box::new(Olh::new(epsilon, k)?),
        "duchi" => Box::new(DuchiScalar::new(epsilon, 1.0)?),
        "duchi-l2" => Box::new(DuchiL2::new(epsilon, d, 1.0)?),
        "duchi-linf" => Box::new(DuchiLinf::new(epsilon, d, 1.0)?),
        "piecewise" => Box::new(Piecewise::new(epsilon)?),
        "hybrid" => Box::new(Hybrid::new(epsilon)?),
        "laplace" => Box::new(Laplace::new(epsilon, d, 1.0)?),
        "gaussian" => Box::new(Gaussian::new(
            epsilon,
            need_delta()?,
            d,
            1.0,
            GaussianCalibration::Classic,
        )?),
        "gaussian-analytic" => Box::new(Gaussian::new(
            epsilon,
            need_delta()?,
            d,
            1.0,
            GaussianCalibration::Analytic,
        )?),
        _ => {
            return Err(Error::UnknownName {
                kind: "mechanism",
                name: name.to_string(),
                known: NAMES.join(", "),
            });
        }
    })
}

/// Check the input length and reject NaN (which no clip can repair).
pub(crate) fn check_input(x: &[f64], dim: usize) -> Result<()> {
    if x.len() != dim {
        return Err(Error::DimensionMismatch {
            what: "mechanism input",
            expected: dim,
            got: x.len(),
        });
    }
    if let Some(i) = x.iter().position(|v| v.is_nan()) {
        return Err(Error::param(
            "input",
            format!("NaN at index {i}"),
            "NaN cannot be clipped",
        ));
    }
    Ok(())
}

/// A category index from an f64 input: must be an integer in [0, k).
pub(crate) fn category(x: &[f64], k: usize) -> Result<usize> {
    check_input(x, 1)?;
    let v = x[0];
    if v.is_finite() && v >= 0.0 && v < k as f64 && v.fract() == 0.0 {
        Ok(v as usize)
    } else {
        Err(Error::param(
            "input",
            v,
            format!("must be a category index in 0..{k}"),
        ))
    }
}

/// Project a scalar onto [−r, r]; ±∞ go to the ends.
pub(crate) fn clip_scalar(v: f64, r: f64) -> f64 {
    if v > r {
        r
    } else if v < -r {
        -r
    } else {
        v
    }
}

/// Project onto the ℓ2 ball of radius r without overflow (1e300² = inf): scale by the largest
/// entry first; infinite entries map to the ball's boundary in the direction of their signs.
pub(crate) fn clip_l2(x: &[f64], r: f64) -> Vec<f64> {
    if x.iter().any(|v| v.is_infinite()) {
        let dir: Vec<f64> = x
            .iter()
            .map(|v| if v.is_infinite() { v.signum() } else { 0.0 })
            .collect();
        let norm = (dir.iter().filter(|v| **v != 0.0).count() as f64).sqrt();
        return dir.iter().map(|v| v * r / norm).collect();
    }
    let m = x.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    if m == 0.0 {
        return x.to_vec();
    }
    let norm = m * x.iter().map(|v| (v / m).powi(2)).sum::<f64>().sqrt();
    if norm <= r {
        x.to_vec()
    } else {
        x.iter().map(|v| (v / m) * (r * m / norm)).collect()
    }
}

/// The ℓ2 norm without overflow.
pub(crate) fn l2_norm(x: &[f64]) -> f64 {
    let m = x.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    if m == 0.0 || !m.is_finite() {
        return m;
    }
    m * x.iter().map(|v| (v / m).powi(2)).sum::<f64>().sqrt()
}

/// Equal-width bin of `v` over [lo, hi] with `bins` inner bins plus one underflow and one
/// overflow bin (indices 0 and bins + 1).
pub(crate) fn range_bin(v: f64, lo: f64, hi: f64, bins: usize) -> usize {
    if v < lo {
        0
    } else if v >= hi {
        bins + 1
    } else {
        1 + (((v - lo) / (hi - lo) * bins as f64) as usize).min(bins - 1)
    }
}

/// Index of a bit vector (first entry = least significant bit); for audits of OUE/SUE.
pub(crate) fn bits_to_index(bits: &[f64]) -> usize {
    bits.iter()
        .enumerate()
        .fold(0usize, |acc, (i, b)| acc | (usize::from(*b != 0.0) << i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_is_overflow_safe() {
        assert_eq!(clip_l2(&[1e300, 0.0], 1.0), vec![1.0, 0.0]);
        let c = clip_l2(&[f64::INFINITY, f64::NEG_INFINITY], 2.0);
        assert!((c[0] - 2f64.sqrt()).abs() < 1e-15 && (c[1] + 2f64.sqrt()).abs() < 1e-15);
        assert_eq!(clip_l2(&[0.3, 0.4], 1.0), vec![0.3, 0.4]);
        assert_eq!(clip_scalar(f64::NEG_INFINITY, 1.0), -1.0);
        assert!(check_input(&[f64::NAN], 1).is_err());
        assert!(by_name("nope", 1.0, None, 2, 1).is_err());
        assert!(by_name("gaussian", 0.5, None, 2, 1).is_err());
    }
}

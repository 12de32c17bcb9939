//! Multiplicity measures computed from viable prediction ranges (spec §1): ambiguity (Def. 3),
//! a certified discrepancy bracket (Def. 4), and their label-based versions (Marx et al. 2020).

use super::range::ScoreRange;
use crate::error::{Error, Result, check};
use crate::linalg::sigmoid;
use nalgebra::{DMatrix, DVector};

/// Ambiguity α_ε(δ) = (1/n) Σ_i 1[σ(s⁺_i) ≥ p0_i + δ or σ(s⁻_i) ≤ p0_i − δ] (Def. 3): the
/// fraction of points that some model in S_ε moves by at least δ.
pub fn ambiguity(ranges: &[ScoreRange], delta: f64) -> Result<f64> {
    let delta = check::in_open("delta", delta, 0.0, 1.0)?;
    nonempty(ranges)?;
    let k = ranges
        .iter()
        .filter(|r| {
            let p0 = r.p0();
            r.upper.probability() >= p0 + delta || r.lower.probability() <= p0 - delta
        })
        .count();
    Ok(k as f64 / ranges.len() as f64)
}

/// Label-based ambiguity: the fraction of points whose range crosses 0.5 to the other side of
/// p0 (some model in S_ε flips the predicted label 1[p ≥ 0.5]).
pub fn label_flip_ambiguity(ranges: &[ScoreRange]) -> Result<f64> {
    nonempty(ranges)?;
    let k = ranges.iter().filter(|r| flips(r)).count();
    Ok(k as f64 / ranges.len() as f64)
}

fn flips(r: &ScoreRange) -> bool {
    if r.s0 >= 0.0 {
        r.lower.score < 0.0
    } else {
        r.upper.score >= 0.0
    }
}

fn nonempty(ranges: &[ScoreRange]) -> Result<()> {
    if ranges.is_empty() {
        return Err(Error::InvalidData(
            "no viable prediction ranges to summarize".into(),
        ));
    }
    Ok(())
}

/// A certified bracket on discrepancy d_ε(δ) (Def. 4): `lower` is attained by one of the
/// extremal models θ±_i (each lies in S_ε), `upper` is the ambiguity (d ≤ α always). The exact
/// value is a mixed-integer exponential-cone program (spec §2.3, out of scope).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Discrepancy {
    /// Threshold δ.
    pub delta: f64,
    /// max over the extremal models of the fraction moved by ≥ δ.
    pub lower: f64,
    /// Ambiguity α_ε(δ).
    pub upper: f64,
}

/// Scores of every point (rows of `a`) under every extremal model of `ranges` (columns: lower
/// then upper endpoint of range 0, of range 1, ...): the n × 2k GEMM of spec §2.3.
fn extremal_scores(a: &DMatrix<f64>, ranges: &[ScoreRange]) -> DMatrix<f64> {
    let d = a.ncols();
    let thetas = DMatrix::from_fn(d, 2 * ranges.len(), |j, m| {
        let r = &ranges[m / 2];
        if m % 2 == 0 {
            r.lower.theta[j]
        } else {
            r.upper.theta[j]
        }
    });
    a * thetas
}

/// Discrepancy brackets at each δ, on the points whose design rows are `a` (the same points, in
/// the same order, as `ranges`).
pub fn discrepancy(
    a: &DMatrix<f64>,
    ranges: &[ScoreRange],
    deltas: &[f64],
) -> Result<Vec<Discrepancy>> {
    nonempty(ranges)?;
    if a.nrows() != ranges.len() {
        return Err(Error::DimensionMismatch {
            what: "design rows vs ranges",
            expected: ranges.len(),
            got: a.nrows(),
        });
    }
    let s = extremal_scores(a, ranges);
    let p0: DVector<f64> = DVector::from_iterator(ranges.len(), ranges.iter().map(|r| r.p0()));
    let probs = s.map(sigmoid);
    let n = ranges.len() as f64;
    deltas
        .iter()
        .map(|&delta| {
            let upper = ambiguity(ranges, delta)?;
            let lower = (0..probs.ncols())
                .map(|m| {
                    (0..probs.nrows())
                        .filter(|&i| (probs[(i, m)] - p0[i]).abs() >= delta)
                        .count()
                })
                .max()
                .unwrap_or(0) as f64
                / n;
            Ok(Discrepancy {
                delta,
                lower,
                upper,
            })
        })
        .collect()
}

/// Label-based discrepancy bracket: [max over extremal models of the fraction whose label
/// 1[s ≥ 0] differs from the baseline's, label-flip ambiguity].
pub fn label_flip_discrepancy(a: &DMatrix<f64>, ranges: &[ScoreRange]) -> Result<(f64, f64)> {
    nonempty(ranges)?;
    if a.nrows() != ranges.len() {
        return Err(Error::DimensionMismatch {
            what: "design rows vs ranges",
            expected: ranges.len(),
            got: a.nrows(),
        });
    }
    let s = extremal_scores(a, ranges);
    let n = ranges.len() as f64;
    let lower = (0..s.ncols())
        .map(|m| {
            (0..s.nrows())
                .filter(|&i| (s[(i, m)] >= 0.0) != (ranges[i].s0 >= 0.0))
                .count()
        })
        .max()
        .unwrap_or(0) as f64
        / n;
    Ok((lower, label_flip_ambiguity(ranges)?))
}

/// Capacity in bits of the two-input binary channel with rows (p_lo, 1 − p_lo) and
/// (p_hi, 1 − p_hi), by Blahut–Arimoto (Blahut 1972; Arimoto 1972) to a gap of 1e-12 nats
/// between its lower and upper capacity bounds. For binary outputs the capacity over a set of
/// models depends only on the extreme probabilities (spec §1, "Rashomon capacity", tag \[D\]), so with
/// p_lo, p_hi the VPR endpoints this is the exact log2 Rashomon capacity of Hsu & Calmon (2022).
pub fn binary_channel_capacity(p_lo: f64, p_hi: f64) -> Result<f64> {
    let p_lo = check::in_closed("p_lo", p_lo, 0.0, 1.0)?;
    let p_hi = check::in_closed("p_hi", p_hi, 0.0, 1.0)?;
    let w = [[p_lo, 1.0 - p_lo], [p_hi, 1.0 - p_hi]];
    if (p_hi - p_lo).abs() < 1e-15 {
        return Ok(0.0);
    }
    let mut r = [0.5, 0.5];
    let mut lower = 0.0;
    for _ in 0..100_000 {
        let q = [
            r[0] * w[0][0] + r[1] * w[1][0],
            r[0] * w[0][1] + r[1] * w[1][1],
        ];
        // c_x = exp(D(W(·|x) ‖ q)), with 0 log 0 = 0.
        let c: Vec<f64> = w
            .iter()
            .map(|row| {
                let kl: f64 = row
                    .iter()
                    .zip(&q)
                    .filter(|(wy, _)| **wy > 0.0)
                    .map(|(wy, qy)| wy * (wy / qy).ln())
                    .sum();
                kl.exp()
            })
            .collect();
        let z = r[0] * c[0] + r[1] * c[1];
        lower = z.ln();
        let upper = c[0].max(c[1]).ln();
        if upper - lower < 1e-12 {
            break;
        }
        r = [r[0] * c[0] / z, r[1] * c[1] / z];
    }
    Ok(lower / std::f64::consts::LN_2)
}

/// Rashomon capacity RC = 2^C ∈ [1, 2] of one point from its viable prediction range.
pub fn rashomon_capacity(range: &ScoreRange) -> Result<f64> {
    let (lo, hi) = range.probability_range();
    Ok(2f64.powf(binary_channel_capacity(lo, hi)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h2(p: f64) -> f64 {
        -(p * p.log2() + (1.0 - p) * (1.0 - p).log2())
    }

    #[test]
    fn channel_capacity_closed_forms() {
        // Binary symmetric channel: C = 1 − h(a).
        for a in [0.05, 0.2, 0.4, 0.49] {
            assert!(
                (binary_channel_capacity(a, 1.0 - a).unwrap() - (1.0 - h2(a))).abs() < 1e-9,
                "{a}"
            );
        }
        // Z channel (one noiseless row): C = log2(1 + (1 − a) a^{a/(1−a)}).
        for a in [0.1_f64, 0.5, 0.9] {
            let exact = (1.0 + (1.0 - a) * a.powf(a / (1.0 - a))).log2();
            assert!(
                (binary_channel_capacity(0.0, 1.0 - a).unwrap() - exact).abs() < 1e-9,
                "{a}"
            );
        }
        assert_eq!(binary_channel_capacity(0.3, 0.3).unwrap(), 0.0);
        assert!((binary_channel_capacity(0.0, 1.0).unwrap() - 1.0).abs() < 1e-12);
        assert!(binary_channel_capacity(-0.1, 0.5).is_err());
    }
}

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

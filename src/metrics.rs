//! Rare-event classification metrics (McDermott et al. 2024; spec §4).
//!
//! Labels are 0/1 (`true` = positive), scores are any finite numbers (probabilities for Brier,
//! log loss and calibration). Ties are handled exactly:
//! - AUROC = Mann–Whitney U / (n₊ n₋), a tie between a positive and a negative counts ½ (the
//!   trapezoidal ROC area), i.e. `1 − E_{t∼f(x)|y=1}[FPR(t)]` with ties ½.
//! - Average precision is the step-wise sum `Σ_k (R_k − R_{k−1}) P_k` over distinct thresholds
//!   (scikit-learn's `average_precision_score`), equal to
//!   `1 − π₀ E_{t∼f(x)|y=1}[FPR_≥(t) / P(f(x) ≥ t)]`. It is not the trapezoidal PR area, which is
//!   optimistic.

use crate::error::{Error, Result, check};

fn validate(y: &[bool], s: &[f64]) -> Result<(usize, usize)> {
    if y.len() != s.len() {
        return Err(Error::DimensionMismatch {
            what: "labels and scores",
            expected: y.len(),
            got: s.len(),
        });
    }
    check::all_finite("score", s)?;
    let pos = y.iter().filter(|&&v| v).count();
    Ok((pos, y.len() - pos))
}

fn need_both(pos: usize, neg: usize, what: &str) -> Result<()> {
    if pos == 0 || neg == 0 {
        return Err(Error::InvalidData(format!(
            "{what} needs both classes; got {pos} positive and {neg} negative labels"
        )));
    }
    Ok(())
}

/// Labels from numbers: each must be 0 or 1 (names the first bad row).
pub fn labels_from_f64(v: &[f64]) -> Result<Vec<bool>> {
    v.iter()
        .enumerate()
        .map(|(i, &x)| match x {
            0.0 => Ok(false),
            1.0 => Ok(true),
            _ => Err(Error::param(
                "label",
                format!("{x} at row {i}"),
                "labels must be 0 or 1",
            )),
        })
        .collect()
}

/// Indices sorted by decreasing score.
fn order_desc(s: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..s.len()).collect();
    idx.sort_by(|&a, &b| s[b].total_cmp(&s[a]));
    idx
}

/// Area under the ROC curve with ties counted ½ (Mann–Whitney).
pub fn auroc(y: &[bool], s: &[f64]) -> Result<f64> {
    let (pos, neg) = validate(y, s)?;
    need_both(pos, neg, "AUROC")?;
    let idx = order_desc(s);
    // Walk tie groups from the top; each positive earns (#negatives strictly above) + ½ (#tied).
    let (mut neg_above, mut penalty) = (0.0, 0.0);
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        let (mut gp, mut gn) = (0.0, 0.0);
        while j < idx.len() && s[idx[j]] == s[idx[i]] {
            if y[idx[j]] {
                gp += 1.0
            } else {
                gn += 1.0
            }
            j += 1;
        }
        penalty += gp * (neg_above + 0.5 * gn);
        neg_above += gn;
        i = j;
    }
    Ok(1.0 - penalty / (pos as f64 * neg as f64))
}

/// Step-wise average precision Σ_k (R_k − R_{k−1}) P_k over distinct score thresholds.
pub fn average_precision(y: &[bool], s: &[f64]) -> Result<f64> {
    let (pos, _) = validate(y, s)?;
    if pos == 0 {
        return Err(Error::InvalidData(
            "average precision needs at least one positive label".into(),
        ));
    }
    let idx = order_desc(s);
    let (mut tp, mut fp, mut ap) = (0.0, 0.0, 0.0);
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        let mut gp = 0.0;
        while j < idx.len() && s[idx[j]] == s[idx[i]] {
            if y[idx[j]] {
                gp += 1.0
            } else {
                fp += 1.0
            }
            j += 1;
        }
        tp += gp;
        if gp > 0.0 {
            ap += gp / pos as f64 * (tp / (tp + fp));
        }
        i = j;
    }
    Ok(ap)
}

fn check_probabilities(p: &[f64]) -> Result<()> {
    if let Some(i) = p.iter().position(|v| !(0.0..=1.0).contains(v)) {
        return Err(Error::param(
            "score",
            format!("{} at row {i}", p[i]),
            "probabilities must lie in [0, 1]",
        ));
    }
    Ok(())
}

/// Brier score mean (p − y)².
pub fn brier(y: &[bool], p: &[f64]) -> Result<f64> {
    validate(y, p)?;
    check_probabilities(p)?;
    if y.is_empty() {
        return Err(Error::InvalidData("Brier score of no rows".into()));
    }
    Ok(y.iter()
        .zip(p)
        .map(|(&t, &q)| (q - f64::from(u8::from(t))).powi(2))
        .sum::<f64>()
        / y.len() as f64)
}

/// Log loss −mean[y log p + (1−y) log(1−p)], p clipped to [ε, 1−ε] with ε = f64::EPSILON
/// (scikit-learn's default for float64).
pub fn log_loss(y: &[bool], p: &[f64]) -> Result<f64> {
    validate(y, p)?;
    check_probabilities(p)?;
    if y.is_empty() {
        return Err(Error::InvalidData("log loss of no rows".into()));
    }
    let eps = f64::EPSILON;
    let s: f64 = y
        .iter()
        .zip(p)
        .map(|(&t, &q)| {
            let q = q.clamp(eps, 1.0 - eps);
            if t { -q.ln() } else { -(1.0 - q).ln() }
        })
        .sum();
    Ok(s / y.len() as f64)
}

/// Multiclass Brier score Σ_k (1{y = k} − p_k)² averaged over rows; `probs[i]` is row i.
pub fn multiclass_brier(y: &[usize], probs: &[Vec<f64>]) -> Result<f64> {
    if y.len() != probs.len() || y.is_empty() {
        return Err(Error::DimensionMismatch {
            what: "labels and probability rows",
            expected: y.len(),
            got: probs.len(),
        });
    }
    let mut s = 0.0;
    for (i, (&c, row)) in y.iter().zip(probs).enumerate() {
        if c >= row.len() {
            return Err(Error::param(
                "y",
                format!("{c} at row {i}"),
                format!("must be < {}", row.len()),
            ));
        }
        check::all_finite("probs", row)?;
        s += row
            .iter()
            .enumerate()
            .map(|(k, &q)| (if k == c { 1.0 } else { 0.0 } - q).powi(2))
            .sum::<f64>();
    }
    Ok(s / y.len() as f64)
}

/// Bin edges of a calibration curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binning {
    /// `n_bins` equal widths on [0, 1].
    Uniform,
    /// Edges at the score quantiles (linear interpolation, as numpy's `percentile`).
    Quantile,
}

/// A reliability curve: for each non-empty bin, the fraction of positives and the mean score.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationCurve {
    /// Fraction of positives per non-empty bin.
    pub prob_true: Vec<f64>,
    /// Mean predicted probability per non-empty bin.
    pub prob_pred: Vec<f64>,
    /// Rows per non-empty bin.
    pub counts: Vec<usize>,
}

fn quantile_linear(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Calibration curve as scikit-learn's `calibration_curve`: a score goes to the bin whose upper
/// inner edge it does not exceed (so a score on an edge joins the lower bin; 1 is in the last).
pub fn calibration_curve(
    y: &[bool],
    p: &[f64],
    n_bins: usize,
    binning: Binning,
) -> Result<CalibrationCurve> {
    validate(y, p)?;
    check_probabilities(p)?;
    check::at_least("n_bins", n_bins, 1)?;
    if y.is_empty() {
        return Err(Error::InvalidData("calibration curve of no rows".into()));
    }
    let edges: Vec<f64> = match binning {
        Binning::Uniform => (0..=n_bins).map(|i| i as f64 / n_bins as f64).collect(),
        Binning::Quantile => {
            let mut s = p.to_vec();
            s.sort_by(f64::total_cmp);
            (0..=n_bins)
                .map(|i| quantile_linear(&s, i as f64 / n_bins as f64))
                .collect()
        }
    };
    let inner = &edges[1..n_bins];
    let mut sum_p = vec![0.0; n_bins];
    let mut sum_y = vec![0.0; n_bins];
    let mut cnt = vec![0usize; n_bins];
    for (&t, &q) in y.iter().zip(p) {
        let b = inner.partition_point(|&e| e < q);
        sum_p[b] += q;
        sum_y[b] += f64::from(u8::from(t));
        cnt[b] += 1;
    }
    let mut out = CalibrationCurve {
        prob_true: vec![],
        prob_pred: vec![],
        counts: vec![],
    };
    for b in 0..n_bins {
        if cnt[b] > 0 {
            out.prob_true.push(sum_y[b] / cnt[b] as f64);
            out.prob_pred.push(sum_p[b] / cnt[b] as f64);
            out.counts.push(cnt[b]);
        }
    }
    Ok(out)
}

/// Expected calibration error Σ_b (n_b / n) |mean y_b − mean p_b| over `n_bins` uniform bins.
pub fn expected_calibration_error(y: &[bool], p: &[f64], n_bins: usize) -> Result<f64> {
    let c = calibration_curve(y, p, n_bins, Binning::Uniform)?;
    let n = y.len() as f64;
    Ok(c.prob_true
        .iter()
        .zip(&c.prob_pred)
        .zip(&c.counts)
        .map(|((t, q), &m)| m as f64 / n * (t - q).abs())
        .sum())
}

/// The authors' squared one-sided calibration error for the rare class (spec §2, Sec. 4.3):
/// sort the predictions, cut them into `max(round(n / 100), 10)` equal-frequency bins, and
/// average (p̂_i − mean of y in i's bin)² over rows.
pub fn rare_calibration_error(y: &[bool], p: &[f64]) -> Result<f64> {
    validate(y, p)?;
    check_probabilities(p)?;
    let n = y.len();
    if n == 0 {
        return Err(Error::InvalidData("calibration error of no rows".into()));
    }
    let n_bins = ((n as f64 / 100.0).round() as usize).max(10).min(n);
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut err = 0.0;
    for b in 0..n_bins {
        let (lo, hi) = (b * n / n_bins, (b + 1) * n / n_bins);
        let rows = &idx[lo..hi];
        let ybar = rows.iter().filter(|&&i| y[i]).count() as f64 / rows.len() as f64;
        err += rows.iter().map(|&i| (p[i] - ybar).powi(2)).sum::<f64>();
    }
    Ok(err / n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> (Vec<bool>, Vec<f64>) {
        let y = [0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0]
            .iter()
            .map(|&v| v == 1)
            .collect();
        let s = vec![
            0.05, 0.10, 0.35, 0.35, 0.20, 0.80, 0.10, 0.60, 0.15, 0.60, 0.02, 0.40,
        ];
        (y, s)
    }

    #[test]
    fn spec_example_closed_forms() {
        let (y, s) = example();
        assert!((auroc(&y, &s).unwrap() - 8.0 / 9.0).abs() < 1e-12);
        assert!((average_precision(&y, &s).unwrap() - 13.0 / 18.0).abs() < 1e-12);
    }

    #[test]
    fn errors_on_one_class_and_bad_probabilities() {
        assert!(auroc(&[true, true], &[0.1, 0.2]).is_err());
        assert!(brier(&[true], &[1.5]).is_err());
        assert!(labels_from_f64(&[0.0, 2.0]).is_err());
        assert!(auroc(&[true, false], &[f64::NAN, 0.2]).is_err());
    }
}

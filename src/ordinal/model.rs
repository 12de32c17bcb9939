//! A fitted cumulative link model (logit by default) and its predicted class probabilities.

use super::link::Link;
use crate::error::{Error, Result};
use crate::estimator::Predict;
use nalgebra::DMatrix;

/// Floor for clamped probabilities (ordinalNet's `pMin`, spec §1.3).
pub const P_MIN: f64 = 1e-8;

/// What to do with a row whose cumulative probabilities are not nondecreasing in k (possible
/// for new x when slopes differ across boundaries; spec §1.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CrossingPolicy {
    /// Return an error naming the first crossing row.
    Strict,
    /// Floor every class probability at [`P_MIN`] and renormalize the row.
    #[default]
    Clamp,
    /// Sort the row's cumulative probabilities before differencing (monotone rearrangement).
    Rearrange,
}

/// Predicted class probabilities and how many rows crossed.
#[derive(Debug, Clone, PartialEq)]
pub struct Probabilities {
    /// n × K class probabilities; rows sum to 1.
    pub probs: DMatrix<f64>,
    /// Rows whose raw cumulative probabilities were not nondecreasing.
    pub n_crossing: usize,
}

/// `P(Y ≤ k | x) = F(θ_k − xᵀ b_k)`, k = 0..K−1, with F the inverse [`Link`] (σ for the
/// cumulative logit model; polr / statsmodels / clm sign; the paper's `β_k = −b_k`, see the
/// [module docs](super)).
#[derive(Debug, Clone, PartialEq)]
pub struct CumulativeLogit {
    /// Cutpoints θ_k (K−1).
    pub cutpoints: Vec<f64>,
    /// Slopes, (K−1) × p: row k is b_k. Equal rows for proportional odds.
    pub coef: DMatrix<f64>,
    /// The inverse link F ([`Link::Logit`] for the cumulative logit model).
    pub link: Link,
}

impl CumulativeLogit {
    /// Number of classes K.
    pub fn n_classes(&self) -> usize {
        self.cutpoints.len() + 1
    }

    /// Number of features p.
    pub fn n_features(&self) -> usize {
        self.coef.ncols()
    }

    fn check_x(&self, x: &DMatrix<f64>) -> Result<()> {
        if x.ncols() != self.n_features() {
            return Err(Error::DimensionMismatch {
                what: "columns of x",
                expected: self.n_features(),
                got: x.ncols(),
            });
        }
        crate::error::check::all_finite("x", x.as_slice())
    }

    /// Cumulative probabilities F_ik = P(Y ≤ k | x_i), n × (K−1), as computed (may cross).
    pub fn cumulative(&self, x: &DMatrix<f64>) -> Result<DMatrix<f64>> {
        self.check_x(x)?;
        let mut eta = x * self.coef.transpose();
        for (k, &t) in self.cutpoints.iter().enumerate() {
            eta.column_mut(k)
                .iter_mut()
                .for_each(|v| *v = self.link.cdf(t - *v));
        }
        Ok(eta)
    }

    /// Raw differences p_ik = F_ik − F_i,k−1 (negative entries where a row crosses), as
    /// ordinalNet's `predict` and the CV Brier score use them (spec §1.4–1.5).
    pub fn raw_probabilities(&self, x: &DMatrix<f64>) -> Result<DMatrix<f64>> {
        let f = self.cumulative(x)?;
        let (n, k) = (x.nrows(), self.n_classes());
        Ok(DMatrix::from_fn(n, k, |i, c| {
            let hi = if c + 1 == k { 1.0 } else { f[(i, c)] };
            let lo = if c == 0 { 0.0 } else { f[(i, c - 1)] };
            hi - lo
        }))
    }

    /// Class probabilities under `policy`; always reports the number of crossing rows.
    pub fn predict_proba(&self, x: &DMatrix<f64>, policy: CrossingPolicy) -> Result<Probabilities> {
        let f = self.cumulative(x)?;
        let (n, k) = (x.nrows(), self.n_classes());
        let mut probs = DMatrix::zeros(n, k);
        let mut n_crossing = 0;
        let mut row = vec![0.0; k - 1];
        for i in 0..n {
            for (c, r) in row.iter_mut().enumerate() {
                *r = f[(i, c)];
            }
            let crossing = row.windows(2).any(|w| w[1] < w[0]);
            if crossing {
                n_crossing += 1;
                match policy {
                    CrossingPolicy::Strict => {
                        return Err(Error::InvalidData(format!(
                            "row {i}: cumulative probabilities cross ({:?}); use the clamp or rearrange policy",
                            row
                        )));
                    }
                    CrossingPolicy::Rearrange => row.sort_by(f64::total_cmp),
                    CrossingPolicy::Clamp => {}
                }
            }
            for c in 0..k {
                let hi = if c + 1 == k { 1.0 } else { row[c] };
                let lo = if c == 0 { 0.0 } else { row[c - 1] };
                probs[(i, c)] = hi - lo;
            }
            if policy == CrossingPolicy::Clamp && crossing {
                // Entries below P_MIN are set to P_MIN and the others share the remaining mass,
                // so every entry is >= P_MIN and the row sums to 1.
                let floored = probs.row(i).iter().filter(|&&v| v < P_MIN).count();
                let rest: f64 = probs.row(i).iter().filter(|&&v| v >= P_MIN).sum();
                let scale = (1.0 - floored as f64 * P_MIN) / rest;
                probs
                    .row_mut(i)
                    .iter_mut()
                    .for_each(|v| *v = if *v < P_MIN { P_MIN } else { *v * scale });
            }
        }
        Ok(Probabilities { probs, n_crossing })
    }

    /// Probability of the last (rare) class, 1 − F(θ_{K−2} − xᵀ b_{K−2}): always valid, never
    /// needs a crossing correction (spec §1.5).
    pub fn last_class_probability(&self, x: &DMatrix<f64>) -> Result<Vec<f64>> {
        self.check_x(x)?;
        let k = self.cutpoints.len() - 1;
        let eta = x * self.coef.row(k).transpose();
        Ok(eta
            .iter()
            .map(|&v| self.link.sf(self.cutpoints[k] - v))
            .collect())
    }
}

/// Class probabilities under the default [`CrossingPolicy`] (clamp); the fitted ordinal models
/// predict through their [`CumulativeLogit`].
impl Predict for CumulativeLogit {
    type Output = Probabilities;
    fn predict(&self, x: &DMatrix<f64>) -> Result<Probabilities> {
        self.predict_proba(x, CrossingPolicy::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crossing_model() -> CumulativeLogit {
        // Slopes of opposite sign cross for large |x|.
        CumulativeLogit {
            cutpoints: vec![-0.5, 0.5],
            coef: DMatrix::from_row_slice(2, 1, &[2.0, -2.0]),
            link: Link::Logit,
        }
    }

    #[test]
    fn policies_on_crossing_rows() {
        let m = crossing_model();
        let x = DMatrix::from_column_slice(3, 1, &[0.0, -3.0, 3.0]);
        let raw = m.raw_probabilities(&x).unwrap();
        assert!(raw.min() < 0.0);
        assert!(m.predict_proba(&x, CrossingPolicy::Strict).is_err());
        for policy in [CrossingPolicy::Clamp, CrossingPolicy::Rearrange] {
            let p = m.predict_proba(&x, policy).unwrap();
            assert_eq!(p.n_crossing, 1);
            for i in 0..3 {
                assert!((p.probs.row(i).sum() - 1.0).abs() < 1e-12);
                let lo = if policy == CrossingPolicy::Clamp {
                    P_MIN
                } else {
                    0.0
                };
                assert!(
                    p.probs.row(i).min() >= lo,
                    "{policy:?} row {i}: {}",
                    p.probs.row(i)
                );
            }
            if policy == CrossingPolicy::Rearrange {
                let f = m.cumulative(&x).unwrap();
                assert!(
                    (p.probs[(1, 0)] - f[(1, 1)]).abs() < 1e-15,
                    "sorted F: smallest first"
                );
            }
        }
        // p_K never needs correction: equals 1 − F_{K−1}.
        let last = m.last_class_probability(&x).unwrap();
        for i in 0..3 {
            assert!((last[i] - raw[(i, 2)]).abs() < 1e-15);
        }
        // Rows without crossing are untouched.
        let p = m.predict_proba(&x, CrossingPolicy::Clamp).unwrap();
        for c in 0..3 {
            assert_eq!(p.probs[(0, c)], raw[(0, c)]);
        }
    }
}

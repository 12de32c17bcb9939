//! Post-processing of frequency-oracle estimates (spec §2.10; free under LDP, Dwork & Roth
//! 2014, Prop. 2.1) and heavy hitters.
//!
//! The unbiased estimates f̂ of [`crate::ldp::batch`] can be negative and need not sum to one.
//! The methods here map them into the probability simplex. They reduce mean squared error at
//! small frequencies but are **biased**, so the variance and intervals a caller reports are
//! those of the unbiased f̂ *before* post-processing (as the CLI does):
//!
//! * [`PostProcess::NormSub`] (Wang, Lopuhaä-Zwakenberg et al., NDSS 2020, §IV.C "Norm-Sub"):
//!   set negative estimates to 0 and subtract one common δ from the positive ones so they sum
//!   to 1, repeating until none is negative. When the positive estimates sum to at least 1
//!   (δ ≥ 0) the result is max(f̂ − δ, 0) with Σ = 1, the Euclidean projection onto the
//!   simplex; when they sum to less, norm-sub hands the whole deficit to the categories
//!   estimated positive and leaves the others at 0. Bias: categories truncated at 0 are biased
//!   upward where f ≈ 0, and every surviving category is shifted by the same δ, so large
//!   frequencies are biased downward by E δ when many small ones are estimated negative.
//! * [`PostProcess::Simplex`]: the Euclidean projection, computed by sorting (Held, Wolfe &
//!   Crowder 1974; Duchi et al. ICML 2008, Fig. 1): O(K log K), no iteration. It equals
//!   norm-sub whenever Σ max(f̂, 0) ≥ 1 (tested); otherwise it spreads the deficit over
//!   categories estimated slightly negative too. Same direction of bias as norm-sub.
//! * [`PostProcess::NormMul`] (Wang et al. 2020, "Norm-Mul"): clip negatives to 0 and rescale
//!   by the sum. Bias: multiplicative; every positive estimate is scaled by 1/Σ max(f̂, 0),
//!   which is < 1 in expectation once negative noise is clipped, so large frequencies are
//!   biased downward proportionally to their size.
//!
//! [`heavy_hitters`]: the categories whose estimate exceeds z_{1−α/K}·SE (one-sided tests of
//! f_u = 0, Bonferroni over the K categories, with the closed-form SE of the unbiased
//! estimate), largest first, at most `top`.

use super::batch::{Estimates, Target};
use crate::error::{Error, Result};
use crate::montecarlo::stats::normal_quantile;
use serde::Serialize;

/// A post-processing of frequency estimates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PostProcess {
    /// Leave the unbiased estimates as they are.
    None,
    /// Iterative clip-and-shift (Norm-Sub).
    NormSub,
    /// Euclidean projection onto the simplex by sorting.
    Simplex,
    /// Clip negatives and rescale (Norm-Mul).
    NormMul,
}

impl PostProcess {
    /// Names as the CLI spells them.
    pub const NAMES: &'static [&'static str] = &["none", "norm-sub", "simplex", "norm-mul"];

    /// Parse a name of [`PostProcess::NAMES`].
    pub fn by_name(name: &str) -> Result<Self> {
        Ok(match name {
            "none" => Self::None,
            "norm-sub" => Self::NormSub,
            "simplex" => Self::Simplex,
            "norm-mul" => Self::NormMul,
            _ => {
                return Err(Error::UnknownName {
                    kind: "post-processing",
                    name: name.to_string(),
                    known: Self::NAMES.join(", "),
                });
            }
        })
    }

    /// Apply to a frequency vector.
    pub fn apply(self, f: &[f64]) -> Result<Vec<f64>> {
        if let Some(v) = f.iter().find(|v| !v.is_finite()) {
            return Err(Error::param("estimate", *v, "must be finite"));
        }
        if f.is_empty() {
            return Err(Error::param("k", 0, "need at least one category"));
        }
        Ok(match self {
            Self::None => f.to_vec(),
            Self::NormSub => norm_sub(f),
            Self::Simplex => project_simplex(f),
            Self::NormMul => norm_mul(f),
        })
    }
}

fn uniform(k: usize) -> Vec<f64> {
    vec![1.0 / k as f64; k]
}

/// Norm-Sub: repeat (zero the negatives, shift the positives to sum 1) until no negatives.
/// Terminates within K rounds: each round that leaves a negative zeroes at least one more.
pub fn norm_sub(f: &[f64]) -> Vec<f64> {
    let mut v = f.to_vec();
    for _ in 0..=v.len() {
        v.iter_mut().for_each(|x| *x = x.max(0.0));
        let pos = v.iter().filter(|x| **x > 0.0).count();
        if pos == 0 {
            return uniform(v.len());
        }
        let delta = (v.iter().sum::<f64>() - 1.0) / pos as f64;
        v.iter_mut().filter(|x| **x > 0.0).for_each(|x| *x -= delta);
        if v.iter().all(|x| *x >= 0.0) {
            break;
        }
    }
    v
}

/// Euclidean projection onto {w ≥ 0, Σ w = 1}: w = max(f − τ, 0) with τ from the sorted
/// prefix sums, ρ = max{j : u_j − (Σ_{i≤j} u_i − 1)/j > 0} (Duchi et al. 2008, Fig. 1).
pub fn project_simplex(f: &[f64]) -> Vec<f64> {
    let mut u = f.to_vec();
    u.sort_by(|a, b| b.total_cmp(a));
    let (mut acc, mut tau) = (0.0, 0.0);
    for (j, x) in u.iter().enumerate() {
        acc += x;
        let t = (acc - 1.0) / (j + 1) as f64;
        if x - t > 0.0 {
            tau = t;
        }
    }
    f.iter().map(|x| (x - tau).max(0.0)).collect()
}

/// Norm-Mul: max(f, 0)/Σ max(f, 0) (uniform when every estimate is ≤ 0).
pub fn norm_mul(f: &[f64]) -> Vec<f64> {
    let s: f64 = f.iter().map(|x| x.max(0.0)).sum();
    if s <= 0.0 {
        return uniform(f.len());
    }
    f.iter().map(|x| x.max(0.0) / s).collect()
}

/// One heavy hitter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeavyHitter {
    /// Category index.
    pub category: usize,
    /// Unbiased frequency estimate.
    pub estimate: f64,
    /// Its standard error.
    pub std_error: f64,
}

/// Categories with f̂_u > z_{1−α/K}·SE_u, largest estimate first, at most `top`.
pub fn heavy_hitters(e: &Estimates, top: usize, alpha: f64) -> Result<Vec<HeavyHitter>> {
    if e.kind != Target::Frequency {
        return Err(Error::param(
            "mechanism",
            "mean",
            "heavy hitters need a frequency oracle",
        ));
    }
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(Error::param("alpha", alpha, "must lie in (0, 1)"));
    }
    let z = normal_quantile(1.0 - alpha / e.estimate.len() as f64);
    let mut hits: Vec<HeavyHitter> = e
        .estimate
        .iter()
        .zip(&e.std_error)
        .enumerate()
        .filter(|(_, (f, s))| **f > z * **s)
        .map(|(category, (f, s))| HeavyHitter {
            category,
            estimate: *f,
            std_error: *s,
        })
        .collect();
    hits.sort_by(|a, b| b.estimate.total_cmp(&a.estimate));
    hits.truncate(top);
    Ok(hits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ldp::batch::{aggregate_column, privatize_column};
    use crate::ldp::mechanisms::by_name;

    #[test]
    fn norm_sub_equals_the_sorted_projection_and_lands_on_the_simplex() {
        let cases = [
            vec![0.5, -0.1, 0.3, 0.4, -0.05],
            vec![-0.2, -0.1, 0.05],
            vec![0.2, 0.2, 0.2],
            vec![1.5, 0.7, -3.0, 0.01],
            vec![-1.0, -2.0],
        ];
        for f in &cases {
            let a = norm_sub(f);
            let b = project_simplex(f);
            let c = norm_mul(f);
            for w in [&a, &b, &c] {
                assert!(
                    (w.iter().sum::<f64>() - 1.0).abs() < 1e-12,
                    "{f:?} -> {w:?}"
                );
                assert!(w.iter().all(|x| *x >= 0.0));
            }
            if f.iter().map(|x| x.max(0.0)).sum::<f64>() >= 1.0 {
                for (x, y) in a.iter().zip(&b) {
                    assert!((x - y).abs() < 1e-12, "{f:?}: {a:?} vs {b:?}");
                }
            }
        }
        // Positives summing to less than 1: norm-sub keeps the zeros, the projection does not.
        assert_eq!(norm_sub(&[-0.2, -0.1, 0.05]), vec![0.0, 0.0, 1.0]);
        assert!(project_simplex(&[-0.2, -0.1, 0.05])[0] > 0.2);
        // A point of the simplex is its own projection.
        assert_eq!(project_simplex(&[0.25, 0.75]), vec![0.25, 0.75]);
        assert!(PostProcess::by_name("bogus").is_err());
        assert!(PostProcess::Simplex.apply(&[f64::NAN]).is_err());
    }

    #[test]
    fn heavy_hitters_find_the_planted_categories() {
        let m = by_name("hr", 1.0, None, 64, 1).unwrap();
        // 30% category 5, 20% category 17, the rest spread over all 64.
        let xs: Vec<f64> = (0..200_000usize)
            .map(|i| match i % 10 {
                0..=2 => 5.0,
                3 | 4 => 17.0,
                _ => ((i * 31) % 64) as f64,
            })
            .collect();
        let r = privatize_column(m.as_ref(), &xs, 5).unwrap();
        let e = aggregate_column(m.as_ref(), &r).unwrap();
        let h = heavy_hitters(&e, 2, 0.05).unwrap();
        assert_eq!(
            h.iter().map(|h| h.category).collect::<Vec<_>>(),
            vec![5, 17]
        );
        let none = heavy_hitters(&e, 0, 0.05).unwrap();
        assert!(none.is_empty());
        assert!(heavy_hitters(&e, 2, 1.5).is_err());
    }
}

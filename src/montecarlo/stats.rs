//! Summary statistics and intervals used by claim verdicts. One implementation of each, so every
//! claim's confidence interval means the same thing.

use crate::error::{Error, Result};
use crate::rng::Rng;
use rand::RngExt;
use statrs::distribution::{Beta, ContinuousCDF, Normal, StudentsT};

/// Arithmetic mean (NaN-free input assumed; empty gives an error).
pub fn mean(xs: &[f64]) -> Result<f64> {
    if xs.is_empty() {
        return Err(Error::InvalidData("mean of an empty sample".into()));
    }
    Ok(xs.iter().sum::<f64>() / xs.len() as f64)
}

/// Unbiased sample variance (n - 1 denominator); needs two points.
pub fn variance(xs: &[f64]) -> Result<f64> {
    if xs.len() < 2 {
        return Err(Error::InvalidData(format!(
            "variance needs >= 2 points, got {}",
            xs.len()
        )));
    }
    let m = mean(xs)?;
    Ok(xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() - 1) as f64)
}

/// Standard error of the mean, sd / sqrt(n).
pub fn std_error(xs: &[f64]) -> Result<f64> {
    Ok((variance(xs)? / xs.len() as f64).sqrt())
}

/// Median (average of the two middle values for even n).
pub fn median(xs: &[f64]) -> Result<f64> {
    quantile(xs, 0.5)
}

/// Sample quantile with linear interpolation (numpy's default, "type 7").
pub fn quantile(xs: &[f64], q: f64) -> Result<f64> {
    if xs.is_empty() {
        return Err(Error::InvalidData("quantile of an empty sample".into()));
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let h = (v.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    Ok(v[lo] + (h - lo as f64) * (v[hi] - v[lo]))
}

/// Standard normal quantile.
pub fn normal_quantile(p: f64) -> f64 {
    Normal::standard().inverse_cdf(p)
}

/// Student-t quantile with `df` degrees of freedom.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df)
        .map(|t| t.inverse_cdf(p))
        .unwrap_or(f64::NAN)
}

/// Two-sided t confidence interval for the mean at `level`.
pub fn mean_ci(xs: &[f64], level: f64) -> Result<(f64, (f64, f64))> {
    let m = mean(xs)?;
    let se = std_error(xs)?;
    let t = t_quantile(0.5 + level / 2.0, (xs.len() - 1) as f64);
    Ok((m, (m - t * se, m + t * se)))
}

/// One-sided paired t-test of H1: mean(a - b) < 0. Returns (mean difference, p-value).
pub fn paired_t_less(a: &[f64], b: &[f64]) -> Result<(f64, f64)> {
    if a.len() != b.len() {
        return Err(Error::DimensionMismatch {
            what: "paired samples",
            expected: a.len(),
            got: b.len(),
        });
    }
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let m = mean(&d)?;
    let se = std_error(&d)?;
    if se == 0.0 {
        return Ok((m, if m < 0.0 { 0.0 } else { 1.0 }));
    }
    let t = StudentsT::new(0.0, 1.0, (d.len() - 1) as f64)
        .map_err(|e| Error::Numerical(e.to_string()))?;
    Ok((m, t.cdf(m / se)))
}

/// Clopper-Pearson (exact) interval for a binomial proportion k/n at `level`.
pub fn clopper_pearson(k: u64, n: u64, level: f64) -> Result<(f64, f64)> {
    if n == 0 || k > n {
        return Err(Error::param(
            "n",
            format!("k={k}, n={n}"),
            "need 0 <= k <= n, n >= 1",
        ));
    }
    let a = (1.0 - level) / 2.0;
    let (k, n) = (k as f64, n as f64);
    let lo = if k == 0.0 {
        0.0
    } else {
        Beta::new(k, n - k + 1.0)
            .map_err(|e| Error::Numerical(e.to_string()))?
            .inverse_cdf(a)
    };
    let hi = if k == n {
        1.0
    } else {
        Beta::new(k + 1.0, n - k)
            .map_err(|e| Error::Numerical(e.to_string()))?
            .inverse_cdf(1.0 - a)
    };
    Ok((lo, hi))
}

/// Percentile bootstrap interval of `statistic` over resamples of `xs` (indices resampled with
/// replacement; `b` resamples). The RNG is the caller's so verdicts are reproducible.
pub fn bootstrap_ci<T: Clone>(
    xs: &[T],
    statistic: impl Fn(&[T]) -> Result<f64>,
    b: usize,
    level: f64,
    rng: &mut Rng,
) -> Result<(f64, f64)> {
    if xs.is_empty() {
        return Err(Error::InvalidData("bootstrap of an empty sample".into()));
    }
    let mut stats = Vec::with_capacity(b);
    let mut buf = Vec::with_capacity(xs.len());
    for _ in 0..b {
        buf.clear();
        for _ in 0..xs.len() {
            buf.push(xs[rng.random_range(0..xs.len())].clone());
        }
        stats.push(statistic(&buf)?);
    }
    let a = (1.0 - level) / 2.0;
    Ok((quantile(&stats, a)?, quantile(&stats, 1.0 - a)?))
}

/// Least-squares slope and intercept of y on x.
pub fn ols_slope(x: &[f64], y: &[f64]) -> Result<(f64, f64)> {
    if x.len() != y.len() || x.len() < 2 {
        return Err(Error::InvalidData(format!(
            "slope needs >= 2 paired points, got {} and {}",
            x.len(),
            y.len()
        )));
    }
    let mx = mean(x)?;
    let my = mean(y)?;
    let sxx: f64 = x.iter().map(|v| (v - mx).powi(2)).sum();
    if sxx == 0.0 {
        return Err(Error::InvalidData("slope: x has no spread".into()));
    }
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let slope = sxy / sxx;
    Ok((slope, my - slope * mx))
}

/// Two-sample Kolmogorov-Smirnov statistic and asymptotic p-value (Kolmogorov distribution with
/// the effective sample size n m / (n + m) and Stephens' small-sample correction).
pub fn ks_two_sample(a: &[f64], b: &[f64]) -> Result<(f64, f64)> {
    if a.is_empty() || b.is_empty() {
        return Err(Error::InvalidData(
            "KS test needs two non-empty samples".into(),
        ));
    }
    let mut x = a.to_vec();
    let mut y = b.to_vec();
    x.sort_by(f64::total_cmp);
    y.sort_by(f64::total_cmp);
    let (n, m) = (x.len(), y.len());
    let (mut i, mut j, mut d) = (0usize, 0usize, 0.0f64);
    while i < n && j < m {
        let v = x[i].min(y[j]);
        while i < n && x[i] <= v {
            i += 1;
        }
        while j < m && y[j] <= v {
            j += 1;
        }
        d = d.max((i as f64 / n as f64 - j as f64 / m as f64).abs());
    }
    let ne = (n * m) as f64 / (n + m) as f64;
    let lambda = (ne.sqrt() + 0.12 + 0.11 / ne.sqrt()) * d;
    let mut p = 0.0;
    for k in 1..=100 {
        let k = k as f64;
        p += 2.0 * (-1f64).powf(k - 1.0) * (-2.0 * k * k * lambda * lambda).exp();
    }
    Ok((d, p.clamp(0.0, 1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_form_values() {
        let xs = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(mean(&xs).unwrap(), 2.5);
        assert!((variance(&xs).unwrap() - 5.0 / 3.0).abs() < 1e-15);
        assert_eq!(median(&xs).unwrap(), 2.5);
        assert_eq!(quantile(&xs, 0.25).unwrap(), 1.75);
        assert!((normal_quantile(0.975) - 1.959963984540054).abs() < 1e-9);
        // scipy.stats.t.ppf(0.975, 5) = 2.570581835636314
        assert!((t_quantile(0.975, 5.0) - 2.570581835636314).abs() < 1e-9);
        // scipy.stats.binomtest(3, 10).proportion_ci('exact') = (0.0667395, 0.6524529)
        let (lo, hi) = clopper_pearson(3, 10, 0.95).unwrap();
        assert!((lo - 0.06673951117773447).abs() < 1e-9 && (hi - 0.6524528500599973).abs() < 1e-9);
        let (s, c) = ols_slope(&[0.0, 1.0, 2.0], &[1.0, 3.0, 5.0]).unwrap();
        assert!((s - 2.0).abs() < 1e-15 && (c - 1.0).abs() < 1e-15);
        // scipy.stats.ks_2samp exact p differs; the statistic is exact.
        let (d, _) = ks_two_sample(&[1.0, 2.0, 3.0], &[2.5, 3.5, 4.5, 5.5]).unwrap();
        assert!((d - 0.75).abs() < 1e-15);
        let (m, p) = paired_t_less(&[1.0, 2.0, 3.0], &[2.0, 2.5, 4.5]).unwrap();
        assert!(m < 0.0 && p < 0.5);
    }
}

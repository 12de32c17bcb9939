//! Frequency and mean estimation from privatized reports (spec §2.3, §2.7): the server
//! averages the unbiased per-user decodes (post-processing, no privacy cost); the variance of
//! the average is the mean of the per-user decoder variances divided by n.

use super::mechanisms::Mechanism;
use crate::error::{Error, Result};
use crate::rng::{self, Rng};
use rand::RngExt;
use rayon::prelude::*;

/// An estimate with its exact variance under the mechanism.
#[derive(Debug, Clone)]
pub struct Estimate {
    /// Average of the decoded reports (mean vector, or frequency vector for oracles).
    pub estimate: Vec<f64>,
    /// Variance of each coordinate of `estimate` from the closed-form formulas.
    pub variance: Vec<f64>,
    /// Number of users.
    pub n: usize,
}

/// Users per random stream; fixed so results do not depend on the thread count.
const USERS_PER_STREAM: usize = 4096;

/// Privatize every user's input: user block b draws from stream (master, b) where the master
/// seed comes from `rng`, so the reports are identical for any rayon pool size.
pub fn privatize_all(
    m: &dyn Mechanism,
    inputs: &[Vec<f64>],
    rng: &mut Rng,
) -> Result<Vec<Vec<f64>>> {
    let master: u64 = rng.random();
    let blocks: Vec<Result<Vec<Vec<f64>>>> = inputs
        .par_chunks(USERS_PER_STREAM)
        .enumerate()
        .map(|(b, chunk)| {
            let mut r = rng::stream(master, "ldp-privatize", b as u64);
            chunk.iter().map(|x| m.privatize(x, &mut r)).collect()
        })
        .collect();
    let mut out = Vec::with_capacity(inputs.len());
    for b in blocks {
        out.extend(b?);
    }
    Ok(out)
}

/// Estimate the mean (or frequency vector) from users' true inputs: privatize, decode, average.
pub fn estimate(m: &dyn Mechanism, inputs: &[Vec<f64>], rng: &mut Rng) -> Result<Estimate> {
    if inputs.is_empty() {
        return Err(Error::param("n", 0, "need at least one user"));
    }
    let reports = privatize_all(m, inputs, rng)?;
    aggregate(m, &reports, Some(inputs))
}

/// Average decoded reports; with the true inputs also gives the exact variance.
pub fn aggregate(
    m: &dyn Mechanism,
    reports: &[Vec<f64>],
    inputs: Option<&[Vec<f64>]>,
) -> Result<Estimate> {
    let n = reports.len();
    if n == 0 {
        return Err(Error::param("n", 0, "need at least one report"));
    }
    let k = m.estimate_dim();
    let mut est = vec![0.0; k];
    for r in reports {
        if r.len() != m.output_dim() {
            return Err(Error::DimensionMismatch {
                what: "report",
                expected: m.output_dim(),
                got: r.len(),
            });
        }
        for (e, v) in est.iter_mut().zip(m.decode(r)) {
            *e += v;
        }
    }
    est.iter_mut().for_each(|e| *e /= n as f64);
    let mut var = vec![f64::NAN; k];
    if let Some(xs) = inputs {
        var = vec![0.0; k];
        for x in xs {
            for (v, s) in var.iter_mut().zip(m.decode_variance(x)?) {
                *v += s;
            }
        }
        let n2 = (n * n) as f64;
        var.iter_mut().for_each(|v| *v /= n2);
    }
    Ok(Estimate {
        estimate: est,
        variance: var,
        n,
    })
}

//! The expfam module's GPU kernels: Monte Carlo risk replicates of one model each (the families
//! of the `expfam-risk-expansion` claim's cases), as [`Replicates`] jobs.
//!
//! | kernel | case | file |
//! |---|---|---|
//! | `vs_expfam_normal_risk` | A (normal model; also the normal row of `expfam-c1-correct`) | [`normal`] |
//! | `vs_expfam_poisson_risk` | B (Poisson model, Σx drawn directly) | [`poisson`] |
//! | `vs_expfam_chain_risk` | C (chain Gaussian graphical model, closed-form MLE) | [`chain`] |
//!
//! Each family's file holds the case (θ*, I⁻¹ and c1, c2 prepared once by the library's
//! projection code), its CPU twin (`replicates_cpu`), its CUDA source and the launch. One GPU
//! thread (and one twin task) runs one replicate on the replicate's own Philox stream.

pub mod chain;
pub mod normal;
pub mod poisson;

use crate::device::philox::PhiloxKey;
use crate::error::{Error, Result};
use crate::expfam::risk::RiskDraw;

/// Risk replicates `first .. first + count` of `case` at sample size n, replicate r drawing
/// from Philox stream r of `key`: the job of every risk kernel (one implementation per case
/// type).
#[derive(Debug, Clone, Copy)]
pub struct Replicates<'a, C> {
    /// The prepared case.
    pub case: &'a C,
    /// The streams' key.
    pub key: PhiloxKey,
    /// First replicate index.
    pub first: u64,
    /// Number of replicates.
    pub count: usize,
    /// Sample size of every replicate.
    pub n: usize,
}

impl<'a, C> Replicates<'a, C> {
    /// Replicates `first .. first + count` of `case` at n under `key`.
    pub fn new(case: &'a C, key: PhiloxKey, first: u64, count: usize, n: usize) -> Self {
        Self {
            case,
            key,
            first,
            count,
            n,
        }
    }
}

/// An MLE needs two observations (the normal model's σ², a chain's clique covariances).
pub fn check_n(n: usize) -> Result<()> {
    crate::error::check::at_least("n", n, 2).map(|_| ())
}

/// A replicate whose loss is not finite (no MLE) is an error naming the replicate and `cause`,
/// the family's reason, instead of an infinite average.
pub fn check_finite_because(draws: &[RiskDraw], first: u64, cause: &str) -> Result<()> {
    match draws
        .iter()
        .position(|d| !(d.kl.is_finite() && d.q.is_finite()))
    {
        None => Ok(()),
        Some(i) => Err(Error::Numerical(format!(
            "risk replicate {} has a non-finite loss (kl = {}, q = {}): {cause}",
            first + i as u64,
            draws[i].kl,
            draws[i].q
        ))),
    }
}

/// The device side shared by the risk kernels: one thread per replicate, two output arrays.
#[cfg(feature = "cuda")]
pub(crate) mod launch {
    use crate::device::cuda::Gpu;
    use crate::error::Result;
    use crate::expfam::risk::RiskDraw;
    use cudarc::driver::{CudaSlice, LaunchConfig};

    /// Threads per block (one replicate each).
    const THREADS: u32 = 128;

    /// One thread per replicate.
    pub(crate) fn grid(count: u32) -> LaunchConfig {
        crate::device::cuda::launch::per_thread(count, THREADS)
    }

    /// Device buffers for `count` losses and control variates.
    pub(crate) fn buffers(gpu: &Gpu, count: usize) -> Result<(CudaSlice<f64>, CudaSlice<f64>)> {
        Ok((gpu.zeros(count, "KL")?, gpu.zeros(count, "Q")?))
    }

    /// Copy a risk kernel's outputs back and check them (`cause`: why a loss can be infinite).
    pub(crate) fn results(
        gpu: &Gpu,
        kl: &CudaSlice<f64>,
        q: &CudaSlice<f64>,
        first: u64,
        cause: &str,
    ) -> Result<Vec<RiskDraw>> {
        let kl = gpu.download(kl, "KL")?;
        let q = gpu.download(q, "Q")?;
        gpu.sync()?;
        let out: Vec<RiskDraw> = kl
            .into_iter()
            .zip(q)
            .map(|(kl, q)| RiskDraw { kl, q })
            .collect();
        super::check_finite_because(&out, first, cause)?;
        Ok(out)
    }
}

/// Test check shared by the risk kernels' twins: the control-variate mean loss
/// c1/n + (KL − Q) matches c1/n + c2/n², and E Q = c1/n, each within 4 standard errors.
#[cfg(test)]
pub(crate) fn assert_draws_match_expansion(
    draws: &[RiskDraw],
    t: &crate::expfam::risk::ExpansionTerms,
    n: usize,
    what: &str,
) {
    use crate::montecarlo::stats;
    let nf = n as f64;
    let cv: Vec<f64> = draws.iter().map(|d| t.c1 / nf + d.kl - d.q).collect();
    let (m, se) = (stats::mean(&cv).unwrap(), stats::std_error(&cv).unwrap());
    let pred = t.second_order(nf);
    assert!(
        (m - pred).abs() < 4.0 * se,
        "{what} n={n}: {m} ± {se} vs {pred} ({t:?})"
    );
    // E Q = c1/n exactly.
    let q: Vec<f64> = draws.iter().map(|d| d.q).collect();
    let (mq, seq) = (stats::mean(&q).unwrap(), stats::std_error(&q).unwrap());
    assert!((mq - t.c1 / nf).abs() < 4.0 * seq, "{what}: E Q {mq}");
}

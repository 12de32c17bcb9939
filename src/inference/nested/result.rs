//! What a run returns: the dead points with their prior-volume weights, the evidence and its
//! error, and the run statistics; posterior summaries from the weighted samples.

use crate::error::{Error, Result};
use crate::rng::Rng;
use rand::RngExt;

/// One dead (or final live) point.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Parameters.
    pub theta: Vec<f64>,
    /// Log-likelihood.
    pub log_l: f64,
    /// Log prior-volume weight `ln w_i`.
    pub log_w: f64,
}

/// Run statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostics {
    /// Iterations (each removes `batch` points).
    pub iterations: usize,
    /// Likelihood calls, including the initial prior draws. One at a time (the default), each
    /// replacement counts its uniform draws up to the first hit and one per random-walk step
    /// (a step that leaves the cube counts though it needs no evaluation, as in the acceptance
    /// rate). With [`PriorModel::prefers_batches`](super::PriorModel::prefers_batches), every
    /// point the batch evaluator evaluated and nothing else: uniform candidates beyond a
    /// replacement's first hit count, walk steps outside the cube do not. The `max_calls` cap
    /// applies to this count.
    pub n_calls: u64,
    /// Accepted / proposed cluster-local random-walk steps.
    pub acceptance: f64,
    /// Information `H` (nats).
    pub information: f64,
    /// Final random-walk scale (in units of each cluster's live-point covariance).
    pub final_scale: f64,
    /// Largest number of live-point clusters seen in one iteration.
    pub max_clusters: usize,
    /// Share of replacements drawn uniformly from the bounding ellipsoids (the rest walked).
    pub uniform_fraction: f64,
    /// Whether the `dlogz` criterion was met (false: `max_calls` was hit).
    pub converged: bool,
    /// Final `ln X` of the prior volume.
    pub log_volume: f64,
    /// Calls of [`PriorModel::log_likelihood_batch`](super::PriorModel::log_likelihood_batch)
    /// (the initial prior draws included; on the default path only those, the replacements
    /// evaluating one point at a time).
    pub batches: u64,
    /// Points evaluated in those calls (`batch_points / batches` is the mean batch size).
    pub batch_points: u64,
    /// Of [`Diagnostics::batches`], the lockstep random-walk rounds (0 on the default path).
    /// Before the walks were batched each of their [`Diagnostics::walk_points`] was a call of
    /// its own.
    pub walk_batches: u64,
    /// Points evaluated in the lockstep random-walk rounds.
    pub walk_points: u64,
}

/// The output of a run.
#[derive(Debug, Clone)]
pub struct NestedResult {
    /// Log-evidence `ln Z`.
    pub log_z: f64,
    /// Its standard error `sqrt(H / n)`.
    pub log_z_err: f64,
    /// Dead points followed by the final live points, in increasing likelihood.
    pub samples: Vec<Sample>,
    /// Run statistics.
    pub diagnostics: Diagnostics,
}

impl NestedResult {
    /// Normalised posterior weights `p_i = L_i w_i / Z` of [`NestedResult::samples`].
    pub fn weights(&self) -> Vec<f64> {
        self.samples
            .iter()
            .map(|s| (s.log_l + s.log_w - self.log_z).exp())
            .collect()
    }

    /// Posterior quantile `q` of parameter `j` (weighted, linear in the cumulative weight).
    pub fn quantile(&self, j: usize, q: f64) -> Result<f64> {
        let xs: Vec<f64> = self
            .samples
            .iter()
            .map(|s| s.theta.get(j).copied())
            .collect::<Option<_>>()
            .ok_or_else(|| {
                Error::param(
                    "parameter index",
                    j,
                    format!(
                        "must be < {}",
                        self.samples.first().map_or(0, |s| s.theta.len())
                    ),
                )
            })?;
        weighted_quantile(&xs, &self.weights(), q)
    }

    /// Posterior median of every parameter.
    pub fn medians(&self) -> Result<Vec<f64>> {
        let d = self.samples.first().map_or(0, |s| s.theta.len());
        (0..d).map(|j| self.quantile(j, 0.5)).collect()
    }

    /// The sample with the largest likelihood.
    pub fn max_likelihood(&self) -> Option<&Sample> {
        self.samples
            .iter()
            .max_by(|a, b| a.log_l.total_cmp(&b.log_l))
    }

    /// `m` equally weighted posterior draws by systematic resampling.
    pub fn resample_equal(&self, m: usize, rng: &mut Rng) -> Vec<Vec<f64>> {
        let w = self.weights();
        let total: f64 = w.iter().sum();
        let mut out = Vec::with_capacity(m);
        let u0: f64 = rng.random::<f64>() / m as f64;
        let mut cum = 0.0;
        let mut i = 0;
        for k in 0..m {
            let target = (u0 + k as f64 / m as f64) * total;
            while i + 1 < w.len() && cum + w[i] < target {
                cum += w[i];
                i += 1;
            }
            out.push(self.samples[i].theta.clone());
        }
        out
    }
}

/// Weighted quantile with the cumulative weight at each sample's midpoint (bilby's convention
/// is unweighted resampled quantiles; this is its continuous analogue).
pub fn weighted_quantile(xs: &[f64], w: &[f64], q: f64) -> Result<f64> {
    if xs.is_empty() || xs.len() != w.len() {
        return Err(Error::InvalidData(format!(
            "weighted quantile of {} values with {} weights",
            xs.len(),
            w.len()
        )));
    }
    let mut idx: Vec<usize> = (0..xs.len()).collect();
    idx.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let total: f64 = w.iter().sum();
    if total.is_nan() || total <= 0.0 {
        return Err(Error::Numerical("posterior weights sum to zero".into()));
    }
    let mut cum = 0.0;
    let mut prev: Option<(f64, f64)> = None;
    for &i in &idx {
        let mid = (cum + 0.5 * w[i]) / total;
        cum += w[i];
        if mid >= q {
            return Ok(match prev {
                None => xs[i],
                Some((pm, px)) => {
                    let t = if mid > pm { (q - pm) / (mid - pm) } else { 1.0 };
                    px + t * (xs[i] - px)
                }
            });
        }
        prev = Some((mid, xs[i]));
    }
    Ok(xs[*idx.last().expect("non-empty")])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_quantile_of_uniform_weights_is_the_median() {
        let xs = [3.0, 1.0, 2.0];
        assert!((weighted_quantile(&xs, &[1.0, 1.0, 1.0], 0.5).unwrap() - 2.0).abs() < 1e-12);
    }
}

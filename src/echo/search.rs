//! Priors of the comb search (spec §3.2) and the search itself: the log Bayes factor of comb
//! vs noise is the nested-sampling log-evidence of the likelihood *ratio* (spec §4).

use super::benchmarks::{f_ringdown, r_bar};
use super::kernel::{EchoBatch, EchoData, EchoPrepare};
use super::likelihood::{CombLikelihood, LikelihoodKind};
use super::spectrum::Spectrum;
use super::template::{CombParams, DurationFactor};
use crate::device::Device;
use crate::error::{Error, Result};
use crate::inference::nested::{
    Checkpointing, NestedParams, NestedResult, NestedSampler, PriorModel,
};
use crate::rng::Rng;
use std::sync::Mutex;

/// Prior of one comb parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PriorRange {
    /// Held at a value (not sampled).
    Fixed(f64),
    /// Uniform on [lo, hi].
    Uniform(f64, f64),
    /// Log-uniform on [lo, hi], lo > 0.
    LogUniform(f64, f64),
}

impl PriorRange {
    fn validate(&self, name: &'static str) -> Result<()> {
        match *self {
            PriorRange::Fixed(v) => {
                if !v.is_finite() {
                    return Err(Error::param(name, v, "fixed value must be finite"));
                }
            }
            PriorRange::Uniform(lo, hi) | PriorRange::LogUniform(lo, hi) => {
                if !(lo.is_finite() && hi.is_finite() && lo < hi) {
                    return Err(Error::param(
                        name,
                        format!("[{lo}, {hi}]"),
                        "prior needs finite lower < upper",
                    ));
                }
                if matches!(self, PriorRange::LogUniform(..)) && lo <= 0.0 {
                    return Err(Error::param(
                        name,
                        format!("[{lo}, {hi}]"),
                        "log-uniform prior needs lower > 0",
                    ));
                }
            }
        }
        Ok(())
    }

    /// Map `u ∈ [0,1]` to the parameter.
    #[inline]
    pub fn transform(&self, u: f64) -> f64 {
        match *self {
            PriorRange::Fixed(v) => v,
            PriorRange::Uniform(lo, hi) => lo + u * (hi - lo),
            PriorRange::LogUniform(lo, hi) => lo * (hi / lo).powf(u),
        }
    }

    fn is_free(&self) -> bool {
        !matches!(self, PriorRange::Fixed(_))
    }
}

/// Priors of the six comb parameters, with the band constraint
/// `0 <= f_max - f_min - min_teeth·Δ <= max_span` when `min_teeth` is set (spec §3.2).
#[derive(Debug, Clone, PartialEq)]
pub struct CombPrior {
    /// γ.
    pub width: PriorRange,
    /// A.
    pub amplitude: PriorRange,
    /// φ (periodic when free on [0, 1]).
    pub phase: PriorRange,
    /// Δ.
    pub spacing: PriorRange,
    /// f_min.
    pub fmin: PriorRange,
    /// f_max.
    pub fmax: PriorRange,
    /// Band constraint: at least this many spacings inside the band, and a span <= `max_span`.
    pub min_teeth: Option<(f64, f64)>,
}

impl CombPrior {
    /// The benchmarks' 6-parameter prior (spec §3.2, ECHOMASE `signal_tem.py`): γ ~ LogU(1/T, R̄),
    /// A ~ U(⟨|ñ|⟩/100, 10⟨|ñ|⟩), φ ~ U(0,1), Δ ~ U(R̄/4, R̄), f_min, f_max ~ U(0, f_RD) with
    /// `0 <= f_max - f_min - 10Δ <= f_RD`; χ = 0.69, frequencies in 1/M.
    pub fn benchmark(duration: f64, mean_abs_noise: f64) -> Self {
        let (rb, frd) = (r_bar(0.69), f_ringdown(0.69));
        Self {
            width: PriorRange::LogUniform(1.0 / duration, rb),
            amplitude: PriorRange::Uniform(mean_abs_noise / 100.0, 10.0 * mean_abs_noise),
            phase: PriorRange::Uniform(0.0, 1.0),
            spacing: PriorRange::Uniform(rb / 4.0, rb),
            fmin: PriorRange::Uniform(0.0, frd),
            fmax: PriorRange::Uniform(0.0, frd),
            min_teeth: Some((10.0, frd)),
        }
    }

    /// The spec's 3-parameter toy (§5): γ fixed, A ~ U(0, a_max), φ ~ U(0,1), Δ ~ U(spacing),
    /// fixed band.
    pub fn toy(width: f64, a_max: f64, spacing: (f64, f64), band: (f64, f64)) -> Self {
        Self {
            width: PriorRange::Fixed(width),
            amplitude: PriorRange::Uniform(0.0, a_max),
            phase: PriorRange::Uniform(0.0, 1.0),
            spacing: PriorRange::Uniform(spacing.0, spacing.1),
            fmin: PriorRange::Fixed(band.0),
            fmax: PriorRange::Fixed(band.1),
            min_teeth: None,
        }
    }

    /// Check every range (lower < upper, finite, log-uniform lower > 0).
    pub fn validate(&self) -> Result<()> {
        for (name, r) in self.ranges() {
            r.validate(name)?;
        }
        if let Some((m, span)) = self.min_teeth
            && !(m.is_finite() && m >= 0.0 && span.is_finite() && span > 0.0)
        {
            return Err(Error::param(
                "min_teeth",
                format!("({m}, {span})"),
                "needs finite min_teeth >= 0 and span > 0",
            ));
        }
        if self.free().is_empty() {
            return Err(Error::InvalidData(
                "every comb parameter is fixed: nothing to sample".into(),
            ));
        }
        Ok(())
    }

    fn ranges(&self) -> [(&'static str, PriorRange); 6] {
        [
            ("width", self.width),
            ("amplitude", self.amplitude),
            ("phase", self.phase),
            ("spacing", self.spacing),
            ("fmin", self.fmin),
            ("fmax", self.fmax),
        ]
    }

    /// Indices (in [`CombParams::NAMES`] order) of the sampled parameters.
    pub fn free(&self) -> Vec<usize> {
        self.ranges()
            .iter()
            .enumerate()
            .filter(|(_, (_, r))| r.is_free())
            .map(|(i, _)| i)
            .collect()
    }

    /// Parameters at the unit-cube point `u` (one coordinate per free parameter).
    pub fn transform(&self, u: &[f64]) -> CombParams {
        let r = self.ranges();
        let mut a = [0.0; 6];
        let mut j = 0;
        for (ai, (_, ri)) in a.iter_mut().zip(r.iter()) {
            *ai = if ri.is_free() {
                j += 1;
                ri.transform(u[j - 1])
            } else {
                ri.transform(0.0)
            };
        }
        CombParams::from_array(a)
    }

    /// Whether `p` satisfies the band constraint.
    #[inline]
    pub fn satisfies_constraint(&self, p: &CombParams) -> bool {
        match self.min_teeth {
            None => true,
            Some((m, span)) => {
                let z = p.fmax - p.fmin - m * p.spacing;
                (0.0..=span).contains(&z)
            }
        }
    }
}

/// The comb search as a nested-sampling problem.
pub struct CombProblem<'a> {
    lik: &'a CombLikelihood,
    prior: &'a CombPrior,
    free: Vec<usize>,
    /// All six parameters with the fixed ones set (the free ones are overwritten per call).
    base: [f64; 6],
}

impl<'a> CombProblem<'a> {
    /// Pair a prepared likelihood with a validated prior.
    pub fn new(lik: &'a CombLikelihood, prior: &'a CombPrior) -> Result<Self> {
        prior.validate()?;
        let free = prior.free();
        let base = prior.transform(&vec![0.0; free.len()]).to_array();
        Ok(Self {
            lik,
            prior,
            free,
            base,
        })
    }
}

impl PriorModel for CombProblem<'_> {
    fn dim(&self) -> usize {
        self.free.len()
    }
    fn is_periodic(&self, i: usize) -> bool {
        self.free[i] == 2 && self.prior.phase == PriorRange::Uniform(0.0, 1.0)
    }
    fn transform(&self, u: &[f64], theta: &mut [f64]) {
        let p = self.prior.transform(u).to_array();
        for (t, &i) in theta.iter_mut().zip(&self.free) {
            *t = p[i];
        }
    }
    fn log_likelihood(&self, theta: &[f64]) -> f64 {
        let p = self.params(theta);
        if !self.prior.satisfies_constraint(&p) {
            return f64::NEG_INFINITY;
        }
        self.lik.log_ratio(&p)
    }
}

impl CombProblem<'_> {
    /// Full parameters from the sampled ones.
    pub fn params(&self, theta: &[f64]) -> CombParams {
        let mut a = self.base;
        for (t, &i) in theta.iter().zip(&self.free) {
            a[i] = *t;
        }
        CombParams::from_array(a)
    }
}

/// Outcome of one search.
#[derive(Debug, Clone)]
pub struct SearchResult {
    /// `ln B = ln Z_comb - ln Z_noise` (the evidence of the likelihood ratio).
    pub log_bayes_factor: f64,
    /// Its nested-sampling standard error.
    pub log_bayes_factor_err: f64,
    /// Likelihood evaluations.
    pub n_likelihood_calls: u64,
    /// Posterior medians of the sampled parameters, by name.
    pub posterior_median: Vec<(&'static str, f64)>,
    /// The maximum-likelihood comb among the samples (the CSVs' `*_global`).
    pub max_likelihood: CombParams,
    /// Its log-likelihood ratio.
    pub max_log_likelihood: f64,
    /// The sampler's full output (samples in the free parameters' order).
    pub nested: NestedResult,
    /// Names of the sampled parameters, in sample order.
    pub free_names: Vec<&'static str>,
}

/// Run the comb-vs-noise search on `spec` (spec §4).
pub fn search(
    spec: &Spectrum,
    prior: &CombPrior,
    kind: LikelihoodKind,
    params: &NestedParams,
    rng: &mut Rng,
) -> Result<SearchResult> {
    let lik = CombLikelihood::new(spec, kind);
    search_prepared(&lik, prior, params, rng)
}

/// Replacements per iteration (`K`, [`NestedParams::batch`]) that a search routed to a GPU uses
/// unless told otherwise: `nlive / 10` (50 for the default 500 live points), against the CPU's
/// `nlive / 50`.
///
/// On a device every likelihood of an iteration's `K` replacements is evaluated in batches
/// across them ([`PriorModel::prefers_batches`]): the random walks run in lockstep, one batch of
/// at most `K` points per step, so with the CPU's `K = 10` a GPU gets about ten points per
/// launch and sits idle. Removing `K` points per iteration is still exact nested sampling (the
/// `K` removals are the order statistics, with `ln X` shrinking by `1/(n - j)` for the `j`-th,
/// and the replacements are drawn above the largest removed likelihood), but the number of live
/// points dips to `n - K` within an iteration and the run-to-run scatter of ln B grows with `K`
/// faster than the reported `sqrt(H / n)`. `n / 10` keeps the error within about 1.2x of the
/// reported one while cutting the calls about 20-fold against the sampler with unbatched walks.
/// Measurements: `docs/measurements/inference.md`.
pub fn device_batch(nlive: usize) -> usize {
    (nlive / 10).max(1)
}

/// [`search_prepared`] on a device: every batch of likelihood evaluations (the initial prior
/// draws, the uniform proposals from the bounds and the lockstep random-walk steps, batched
/// across the `K = params.batch` replacements of an iteration as
/// [`PriorModel::prefers_batches`] describes) goes to `device` (the GPU's echo kernel, or its
/// CPU twin). Points outside the band constraint are `-inf` without a kernel call, and points
/// the kernel's domain check would refuse go to the CPU likelihood. The proposals and the
/// random stream are those of [`search`] with the same `params`; only the rounding of the
/// batched log-likelihoods (kernel summation order, libdevice) differs, so a run can drift from
/// the CPU run with the same seed wherever a comparison with `L*` flips, within the evidence's
/// error. `params` is used as given: a caller that wants the GPU's larger batches sets
/// `batch` to [`device_batch`] (the CLI does when it routes to CUDA).
pub fn search_on(
    spec: &Spectrum,
    prior: &CombPrior,
    kind: LikelihoodKind,
    params: &NestedParams,
    rng: &mut Rng,
    device: &Device,
) -> Result<SearchResult> {
    search_device(spec, prior, kind, params, rng, device, None)
}

/// [`search`] (`device = None`) or [`search_on`] resumable from checkpoints: the sampler's
/// state is written to `checkpoint.path` every `checkpoint.every` iterations and the search
/// continues from that file when it exists ([`NestedSampler::run_checkpointed`]), giving the
/// same result bit for bit as a search that was never interrupted. The spectrum, the likelihood,
/// the prior and the device join `checkpoint.problem` in the checkpoint's identity, so a
/// checkpoint of another search is refused rather than continued.
pub fn search_resumable(
    spec: &Spectrum,
    prior: &CombPrior,
    kind: LikelihoodKind,
    params: &NestedParams,
    rng: &mut Rng,
    device: Option<&Device>,
    checkpoint: &Checkpointing,
) -> Result<SearchResult> {
    // Every number of the spectrum by its bits: a changed data file is a changed problem.
    let data: Vec<u8> = spec
        .freq()
        .iter()
        .chain(spec.psd())
        .chain(spec.data().iter().flat_map(|z| [&z.re, &z.im]))
        .flat_map(|x| x.to_bits().to_le_bytes())
        .collect();
    let problem = format!(
        "{} | echo search, {} likelihood, device {}, spectrum fnv {:016x} ({} bins), prior {:?}",
        checkpoint.problem,
        kind.name(),
        device.map_or("cpu".to_string(), Device::label),
        crate::rng::fnv1a64(&data),
        spec.len(),
        prior
    );
    let c = Checkpointing {
        problem,
        ..checkpoint.clone()
    };
    match device {
        Some(d) => search_device(spec, prior, kind, params, rng, d, Some(&c)),
        None => {
            let lik = CombLikelihood::new(spec, kind);
            search_run(&lik, prior, params, rng, Some(&c))
        }
    }
}

fn search_device(
    spec: &Spectrum,
    prior: &CombPrior,
    kind: LikelihoodKind,
    params: &NestedParams,
    rng: &mut Rng,
    device: &Device,
    checkpoint: Option<&Checkpointing>,
) -> Result<SearchResult> {
    let lik = CombLikelihood::new(spec, kind);
    let data = EchoData::new(spec, kind, DurationFactor::Reference);
    let batch = device.run(&EchoPrepare { data: &data })?;
    let problem = CombProblem::new(&lik, prior)?;
    let model = BatchedComb {
        problem: &problem,
        batch: batch.as_ref(),
        error: Mutex::new(None),
    };
    let sampler = NestedSampler::new(params.clone(), problem.dim())?;
    let res = match checkpoint {
        Some(c) => sampler.run_checkpointed(&model, rng, c),
        None => sampler.run(&model, rng),
    };
    // A kernel failure surfaces as NaN likelihoods (the sampler then stops); report its cause.
    if let Some(e) = model.error.into_inner().ok().flatten() {
        return Err(e);
    }
    finish(&problem, prior, res?)
}

/// The comb problem with batches evaluated by a device's [`EchoBatch`].
struct BatchedComb<'a> {
    problem: &'a CombProblem<'a>,
    batch: &'a dyn EchoBatch,
    error: Mutex<Option<Error>>,
}

impl PriorModel for BatchedComb<'_> {
    fn dim(&self) -> usize {
        self.problem.dim()
    }
    fn is_periodic(&self, i: usize) -> bool {
        self.problem.is_periodic(i)
    }
    fn transform(&self, u: &[f64], theta: &mut [f64]) {
        self.problem.transform(u, theta)
    }
    fn log_likelihood(&self, theta: &[f64]) -> f64 {
        self.problem.log_likelihood(theta)
    }
    fn log_likelihood_batch(&self, thetas: &[Vec<f64>], out: &mut [f64]) {
        // Outside the band constraint: -inf, as one at a time. Points the kernel's domain
        // check would refuse (e.g. fmax < fmin without a constraint) go to the CPU, as one at
        // a time; the rest to the device in one batch.
        let mut idx = Vec::with_capacity(thetas.len());
        let mut pts = Vec::with_capacity(thetas.len());
        for (i, (t, o)) in thetas.iter().zip(out.iter_mut()).enumerate() {
            let p = self.problem.params(t);
            if !self.problem.prior.satisfies_constraint(&p) {
                *o = f64::NEG_INFINITY;
            } else if p.validate().is_err() {
                *o = self.problem.lik.log_ratio(&p);
            } else {
                idx.push(i);
                pts.push(p);
            }
        }
        match self.batch.log_ratios(&pts) {
            Ok(v) => {
                for (i, l) in idx.into_iter().zip(v) {
                    out[i] = l;
                }
            }
            Err(e) => {
                if let Ok(mut slot) = self.error.lock() {
                    slot.get_or_insert(e);
                }
                for i in idx {
                    out[i] = f64::NAN;
                }
            }
        }
    }
    fn prefers_batches(&self) -> bool {
        true
    }
}

/// [`search`] on an already prepared likelihood.
pub fn search_prepared(
    lik: &CombLikelihood,
    prior: &CombPrior,
    params: &NestedParams,
    rng: &mut Rng,
) -> Result<SearchResult> {
    search_run(lik, prior, params, rng, None)
}

fn search_run(
    lik: &CombLikelihood,
    prior: &CombPrior,
    params: &NestedParams,
    rng: &mut Rng,
    checkpoint: Option<&Checkpointing>,
) -> Result<SearchResult> {
    let problem = CombProblem::new(lik, prior)?;
    let sampler = NestedSampler::new(params.clone(), problem.dim())?;
    let res = match checkpoint {
        Some(c) => sampler.run_checkpointed(&problem, rng, c)?,
        None => sampler.run(&problem, rng)?,
    };
    finish(&problem, prior, res)
}

fn finish(problem: &CombProblem<'_>, prior: &CombPrior, res: NestedResult) -> Result<SearchResult> {
    let free = prior.free();
    let free_names: Vec<&'static str> = free.iter().map(|&i| CombParams::NAMES[i]).collect();
    let med = res.medians()?;
    let best = res
        .max_likelihood()
        .ok_or_else(|| Error::Numerical("nested sampler returned no samples".into()))?;
    Ok(SearchResult {
        log_bayes_factor: res.log_z,
        log_bayes_factor_err: res.log_z_err,
        n_likelihood_calls: res.diagnostics.n_calls,
        posterior_median: free_names.iter().copied().zip(med).collect(),
        max_likelihood: problem.params(&best.theta),
        max_log_likelihood: best.log_l,
        free_names,
        nested: res,
    })
}

/// Fraction of `log_b` strictly above `threshold` (spec §4's detection rule with the noise-only
/// maximum or 99th percentile as threshold).
pub fn detection_rate(log_b: &[f64], threshold: f64) -> f64 {
    if log_b.is_empty() {
        return 0.0;
    }
    log_b.iter().filter(|&&b| b > threshold).count() as f64 / log_b.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prior_errors_name_the_parameter() {
        let mut p = CombPrior::benchmark(8701.0, 1.0);
        p.spacing = PriorRange::Uniform(2.0, 1.0);
        assert!(matches!(
            p.validate(),
            Err(Error::InvalidParameter {
                name: "spacing",
                ..
            })
        ));
        p.spacing = PriorRange::Uniform(1.0, 2.0);
        p.width = PriorRange::LogUniform(0.0, 1.0);
        assert!(matches!(
            p.validate(),
            Err(Error::InvalidParameter { name: "width", .. })
        ));
    }

    #[test]
    fn transform_hits_the_prior_ends() {
        let p = CombPrior::benchmark(100.0, 2.0);
        let lo = p.transform(&[0.0; 6]);
        let hi = p.transform(&[1.0; 6]);
        assert!((lo.width - 0.01).abs() < 1e-15 && (hi.amplitude - 20.0).abs() < 1e-12);
        assert!((hi.fmax - f_ringdown(0.69)).abs() < 1e-15);
    }
}

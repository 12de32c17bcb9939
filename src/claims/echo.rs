//! Claims of the `echo` module (and of the `inference::nested` sampler it relies on).
//!
//! - `nested-evidence`: on Gaussian and Gaussian-mixture toys with analytic evidence, in 2-10
//!   dimensions, the nested log-evidence is within 3 reported standard errors of the truth in
//!   >= 95 % of seeds (spec §7.5).
//! - `echo-noise-calibration`: noise-only log Bayes factors are centred below 0; the reference
//!   results have a median near -2.5 (spec §4, §7.6).
//! - `echo-detection`: per benchmark and echo count, detection rate and median ln B over noise
//!   realizations agree with the reference (ECHOMASE) per-realization results within their
//!   binomial / bootstrap intervals, and the new likelihood beats the old on Xin (spec §4, §7.7).
//!
//! The reference per-realization ln B are `datasets/echo/reference_logb.csv` (made by
//! `datasets/echo/make_reference_logb.py`); the spectra the Test and Quick scales need
//! (`*N010.dat`) ship in `datasets/echo/`. `Scale::Full` runs every benchmark and echo count and
//! reads the other spectra from `$VERISTAT_ECHO_SPECTRA` (the reference repository's
//! `echo_wave_injection/echo_waves`).

use crate::echo::{Benchmark, CombPrior, LikelihoodKind, PsdModel, ReferenceSpectrum, simulate};
use crate::error::{Error, Result};
use crate::inference::nested::{NestedParams, NestedSampler, PriorModel};
use crate::montecarlo::stats::{bootstrap_ci, clopper_pearson, median};
use crate::montecarlo::{Check, Claim, Observation, ResultTable, Scale, Verdict};
use crate::rng::Rng;
use rand::RngExt;
use serde_json::json;
use statrs::function::erf::erf;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// This module's claims at the given scale.
pub fn claims(scale: Scale) -> Vec<Box<dyn Claim>> {
    vec![
        Box::new(NestedEvidence::new(scale)),
        Box::new(NoiseCalibration::new(scale)),
        Box::new(Detection::new(scale)),
    ]
}

/// Folder of the shipped datasets (`$VERISTAT_DATASETS`, `./datasets`, or the source tree's).
pub fn datasets_dir() -> PathBuf {
    if let Ok(d) = std::env::var("VERISTAT_DATASETS") {
        return PathBuf::from(d);
    }
    let local = PathBuf::from("datasets");
    if local.join("echo").is_dir() {
        local
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("datasets")
    }
}

/// Path of a benchmark spectrum: `datasets/echo/` first, then `$VERISTAT_ECHO_SPECTRA`.
pub fn spectrum_path(bench: Benchmark, n_echo: usize) -> Result<PathBuf> {
    let name = bench.file_name(n_echo);
    let shipped = datasets_dir().join("echo").join(&name);
    if shipped.is_file() {
        return Ok(shipped);
    }
    if let Ok(d) = std::env::var("VERISTAT_ECHO_SPECTRA") {
        let p = PathBuf::from(d).join(&name);
        if p.is_file() {
            return Ok(p);
        }
    }
    Err(Error::InvalidData(format!(
        "benchmark spectrum {name} not found in datasets/echo/ or $VERISTAT_ECHO_SPECTRA (the ECHOMASE echo_wave_injection/echo_waves folder)"
    )))
}

/// Reference ln B keyed by (group, n_echo, likelihood).
type RefTable = HashMap<(String, usize, String), Vec<f64>>;

/// Per likelihood: (ln B, its error, calls, spacing median, injected SNR).
type RunSummary = (f64, f64, u64, f64, f64);

/// One row of `datasets/echo/reference_logb.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceRow {
    /// `xin | boltzmann | damped | constant | noise`.
    pub group: String,
    /// Echo count N.
    pub n_echo: usize,
    /// `new | old`.
    pub likelihood: String,
    /// ln B.
    pub log_b: f64,
    /// Injected optimal SNR in the best-fit band (0 for noise).
    pub snr: f64,
}

/// Every reference row (ECHOMASE per-realization results).
pub fn reference_rows() -> Result<Vec<ReferenceRow>> {
    let path = datasets_dir().join("echo").join("reference_logb.csv");
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let c: Vec<&str> = line.split(',').collect();
        let bad = || Error::Format {
            path: path.clone(),
            message: format!("line {}: {line:?}", i + 1),
        };
        if c.len() < 6 {
            return Err(bad());
        }
        out.push(ReferenceRow {
            group: c[0].to_string(),
            n_echo: c[1].parse().map_err(|_| bad())?,
            likelihood: c[2].to_string(),
            log_b: c[4].parse().map_err(|_| bad())?,
            snr: c[5].parse().map_err(|_| bad())?,
        });
    }
    Ok(out)
}

/// Reference ln B values keyed by (group, n_echo, likelihood), each sorted by realization.
pub fn reference_logb() -> Result<HashMap<(String, usize, String), Vec<f64>>> {
    let mut out: HashMap<(String, usize, String), Vec<f64>> = HashMap::new();
    for r in reference_rows()? {
        out.entry((r.group, r.n_echo, r.likelihood))
            .or_default()
            .push(r.log_b);
    }
    Ok(out)
}

/// Reference ln B of one configuration (group `xin|boltzmann|damped|constant|noise`).
pub fn reference(group: &str, n: usize, lik: &str) -> Result<Vec<f64>> {
    static REF: OnceLock<std::result::Result<RefTable, String>> = OnceLock::new();
    let table = REF
        .get_or_init(|| reference_logb().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| Error::InvalidData(e.clone()))?;
    table
        .get(&(group.to_string(), n, lik.to_string()))
        .cloned()
        .ok_or_else(|| Error::InvalidData(format!("no reference ln B for {group} N={n} {lik}")))
}

fn load_spectrum(bench: Benchmark, n: usize) -> Result<Arc<ReferenceSpectrum>> {
    static CACHE: OnceLock<std::sync::Mutex<HashMap<String, Arc<ReferenceSpectrum>>>> =
        OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = bench.file_name(n);
    if let Some(s) = cache.lock().expect("spectrum cache").get(&key) {
        return Ok(s.clone());
    }
    let s = Arc::new(ReferenceSpectrum::read(spectrum_path(bench, n)?)?);
    cache.lock().expect("spectrum cache").insert(key, s.clone());
    Ok(s)
}

/// Sizes of the echo searches at a scale.
#[derive(Debug, Clone, Copy)]
pub struct EchoSizes {
    /// Live points of each search.
    pub nlive: usize,
    /// Random-walk steps per replacement.
    pub walks: usize,
    /// Welch segments of the analysis PSD.
    pub welch_segments: usize,
    /// Noise realizations (replicates) of the claims.
    pub replicates: u64,
}

impl EchoSizes {
    /// The sampler's settings for one search.
    pub fn nested(&self) -> NestedParams {
        NestedParams::new(self.nlive).walks(self.walks)
    }
}

/// The echo claims' search sizes at `scale` (the report's echo section searches at the same).
pub fn echo_sizes(scale: Scale) -> EchoSizes {
    match scale {
        Scale::Test => EchoSizes {
            nlive: 60,
            walks: 20,
            welch_segments: 200,
            replicates: 3,
        },
        // Sized for the report's minutes (issue 15), every check kept. The spread of ln B over
        // noise realizations (SD about 10 for Xin new, 5 for Boltzmann) is far larger than the
        // sampler's error at these sizes, and the realizations do not depend on the sampler's
        // sizes, so the searches of one replicate can be compared across sizes: at seed 1 the
        // per-replicate ln B at nlive = 100, walks = 20 are those at 200 x 20 within about
        // ±2 (Xin new median 31.8 against 30.2, Boltzmann new 6.1 against 5.9). (Before uniform
        // proposals from the bounds, with walks only, nlive = 100 left Boltzmann at a median
        // ln B of 0.7: these sizes hold only with them.) Margins at seeds 1, 2, 3 (20
        // replicates each; the report's seed is 1): every median ln B's bootstrap interval
        // overlaps the reference's by 2.3 or more (in ln B units; the intervals are 2.6-11
        // wide); detection rates 0.90-1.0, Clopper-Pearson upper ends >= 0.97 against
        // reference lower ends <= 0.96; noise-only medians -2.17 to -2.57 against
        // [-3.5, -1.5], interval upper ends <= -1.66 against 0; paired Xin new - old median
        // 18.6-23.6 (> 0 needed). Measurements: docs/measurements/report.md.
        // Earlier sizes: 400 x 40 (Xin new 30.6, Boltzmann new 6.69, 562 s on two shared
        // cores before the batched ln I₀) and 200 x 40 (31.2, 5.95, 278 s).
        Scale::Quick => EchoSizes {
            nlive: 100,
            walks: 20,
            welch_segments: 500,
            replicates: 20,
        },
        Scale::Full => EchoSizes {
            nlive: 1000,
            walks: 50,
            welch_segments: 2000,
            replicates: 20,
        },
    }
}

/// One search on `bench` at `n` echoes (`amp = 0`: noise only), realization noise from `rng`.
/// Returns per likelihood (ln B, its error, calls, spacing median, injected SNR over [0, f_RD]).
fn benchmark_run(
    bench: Benchmark,
    n: usize,
    amp: f64,
    kinds: &[LikelihoodKind],
    s: EchoSizes,
    rng: &mut Rng,
) -> Result<Vec<RunSummary>> {
    let spec = load_spectrum(bench, n)?;
    let (freq, h) = spec.positive_half();
    let psd = PsdModel::WhiteWelch {
        dt: spec.dt(),
        nfft: 2048,
        segments: s.welch_segments,
    };
    let real = simulate(&freq, &h, amp, psd, rng)?;
    let prior = CombPrior::benchmark(spec.duration(), real.mean_abs_noise);
    let band = real
        .spectrum
        .band(0.0, crate::echo::benchmarks::f_ringdown(0.69))?;
    let snr = amp * real.spectrum.optimal_snr(&h, band)?;
    let params = s.nested();
    kinds
        .iter()
        .map(|&k| {
            let r = crate::echo::search(&real.spectrum, &prior, k, &params, rng)?;
            let spacing = r
                .posterior_median
                .iter()
                .find(|(n, _)| *n == "spacing")
                .map_or(0.0, |p| p.1);
            Ok((
                r.log_bayes_factor,
                r.log_bayes_factor_err,
                r.n_likelihood_calls,
                spacing,
                snr,
            ))
        })
        .collect()
}

fn median_ci(xs: &[f64], rng: &mut Rng) -> Result<(f64, (f64, f64))> {
    Ok((median(xs)?, bootstrap_ci(xs, median, 999, 0.95, rng)?))
}

fn overlap(a: (f64, f64), b: (f64, f64)) -> bool {
    a.0 <= b.1 && b.0 <= a.1
}

// ---------------------------------------------------------------------------------------------
// nested-evidence

/// Toy problems with analytic evidence on the box [-a, a]^d.
#[derive(Debug, Clone, Copy)]
enum Toy {
    /// N(μ, σ² I), normalised density likelihood.
    Gaussian { d: usize },
    /// 0.7 N(-μ, σ²I) + 0.3 N(+μ, σ²I): two well separated modes.
    Mixture { d: usize },
}

impl Toy {
    const A: f64 = 5.0;
    const SIGMA: f64 = 0.4;
    const MU: f64 = 1.5;
    fn name(&self) -> String {
        match self {
            Toy::Gaussian { d } => format!("gaussian-{d}d"),
            Toy::Mixture { d } => format!("mixture-{d}d"),
        }
    }
    fn d(&self) -> usize {
        match *self {
            Toy::Gaussian { d } | Toy::Mixture { d } => d,
        }
    }
    fn comps(&self) -> Vec<(f64, f64)> {
        match self {
            Toy::Gaussian { .. } => vec![(1.0, 0.3)],
            Toy::Mixture { .. } => vec![(0.7, -Self::MU), (0.3, Self::MU)],
        }
    }
    /// ln Z = ln Σ_c w_c Π_i P(-a < x_i < a | N(μ_c, σ²)) / (2a)^d, exactly (erf).
    fn log_z(&self) -> f64 {
        let s = Self::SIGMA * std::f64::consts::SQRT_2;
        let d = self.d() as f64;
        let z: f64 = self
            .comps()
            .iter()
            .map(|&(w, mu)| {
                w * (0.5 * (erf((Self::A - mu) / s) - erf((-Self::A - mu) / s))).powf(d)
            })
            .sum();
        z.ln() - d * (2.0 * Self::A).ln()
    }
}

impl PriorModel for Toy {
    fn dim(&self) -> usize {
        self.d()
    }
    fn transform(&self, u: &[f64], t: &mut [f64]) {
        for (ti, ui) in t.iter_mut().zip(u) {
            *ti = -Self::A + 2.0 * Self::A * ui;
        }
    }
    fn log_likelihood(&self, t: &[f64]) -> f64 {
        let s2 = Self::SIGMA * Self::SIGMA;
        let norm = -0.5 * self.d() as f64 * (2.0 * std::f64::consts::PI * s2).ln();
        let terms: Vec<f64> = self
            .comps()
            .iter()
            .map(|&(w, mu)| {
                w.ln() + norm - 0.5 * t.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / s2
            })
            .collect();
        crate::linalg::logsumexp(&terms)
    }
}

/// `nested-evidence`.
pub struct NestedEvidence {
    scale: Scale,
    toys: Vec<Toy>,
    nlive: usize,
}

impl NestedEvidence {
    fn new(scale: Scale) -> Self {
        let toys = vec![
            Toy::Gaussian { d: 2 },
            Toy::Gaussian { d: 5 },
            Toy::Gaussian { d: 10 },
            Toy::Mixture { d: 2 },
            Toy::Mixture { d: 6 },
        ];
        let nlive = match scale {
            Scale::Test => 100,
            Scale::Quick => 200,
            Scale::Full => 500,
        };
        Self { scale, toys, nlive }
    }
}

impl Claim for NestedEvidence {
    fn name(&self) -> &'static str {
        "nested-evidence"
    }
    fn description(&self) -> String {
        format!(
            "Nested sampling (random walk, nlive = {}, walks = 25) on Gaussian (d = 2, 5, 10) and two-mode Gaussian-mixture (d = 2, 6) likelihoods in the box [-5, 5]^d; one seed per replicate; z = (ln Z_hat - ln Z) / sigma_hat with ln Z exact from erf.",
            self.nlive
        )
    }
    fn prediction(&self) -> String {
        "|z| <= 3 in >= 95% of seeds for every toy; the mean error |mean(ln Z_hat - ln Z)| is small (< 3 SE of the mean + 0.05)".into()
    }
    fn key_columns(&self) -> &'static [&'static str] {
        &["toy"]
    }
    fn value_columns(&self) -> &'static [&'static str] {
        &[
            "d",
            "log_z",
            "log_z_err",
            "log_z_true",
            "z",
            "covered",
            "n_calls",
        ]
    }
    fn config(&self) -> serde_json::Value {
        json!({"scale": format!("{:?}", self.scale), "nlive": self.nlive, "toys": self.toys.iter().map(|t| t.name()).collect::<Vec<_>>()})
    }
    fn default_replicates(&self) -> u64 {
        match self.scale {
            Scale::Test => 8,
            Scale::Quick => 40,
            Scale::Full => 200,
        }
    }
    fn replicate(&self, _r: u64, rng: &mut Rng) -> Result<Vec<Observation>> {
        self.toys
            .iter()
            .map(|toy| {
                let s = NestedSampler::new(NestedParams::new(self.nlive), toy.d())?;
                let res = s.run(toy, rng)?;
                let truth = toy.log_z();
                let z = (res.log_z - truth) / res.log_z_err.max(1e-12);
                Ok(Observation::new(
                    [toy.name()],
                    vec![
                        toy.d() as f64,
                        res.log_z,
                        res.log_z_err,
                        truth,
                        z,
                        f64::from(u8::from(z.abs() <= 3.0)),
                        res.diagnostics.n_calls as f64,
                    ],
                ))
            })
            .collect()
    }
    fn verdict(&self, t: &ResultTable) -> Result<Verdict> {
        let mut checks = Vec::new();
        for toy in t.distinct("toy")? {
            let cov = t.values(&[("toy", &toy)], "covered")?;
            let k = cov.iter().filter(|&&c| c > 0.5).count() as u64;
            let n = cov.len() as u64;
            let frac = k as f64 / n as f64;
            let ci = clopper_pearson(k, n, 0.95)?;
            checks.push(Check {
                name: format!("{toy}: fraction of seeds with |z| <= 3"),
                estimate: frac,
                ci,
                level: 0.95,
                prediction: ">= 0.95".into(),
                pass: frac >= 0.95,
            });
            let est = t.values(&[("toy", &toy)], "log_z")?;
            let tru = t.values(&[("toy", &toy)], "log_z_true")?;
            let err: Vec<f64> = est.iter().zip(&tru).map(|(a, b)| a - b).collect();
            let m = crate::montecarlo::stats::mean(&err)?;
            let se = if err.len() > 1 {
                crate::montecarlo::stats::std_error(&err)?
            } else {
                0.0
            };
            checks.push(Check {
                name: format!("{toy}: mean ln Z error"),
                estimate: m,
                ci: (m - 1.96 * se, m + 1.96 * se),
                level: 0.95,
                prediction: "|bias| < 3 SE + 0.05".into(),
                pass: m.abs() < 3.0 * se + 0.05,
            });
        }
        Ok(Verdict {
            claim: self.name().into(),
            replicates: t.n_replicates(),
            checks,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// echo-noise-calibration

/// `echo-noise-calibration`.
pub struct NoiseCalibration {
    scale: Scale,
    sizes: EchoSizes,
    n_echo: Vec<usize>,
}

impl NoiseCalibration {
    fn new(scale: Scale) -> Self {
        let n_echo = if scale == Scale::Full {
            vec![10, 20, 50, 100, 150, 200]
        } else {
            vec![10]
        };
        Self {
            scale,
            sizes: echo_sizes(scale),
            n_echo,
        }
    }
}

impl Claim for NoiseCalibration {
    fn name(&self) -> &'static str {
        "echo-noise-calibration"
    }
    fn description(&self) -> String {
        format!(
            "6-parameter comb search (spec priors) on white Gaussian noise only, Welch PSD ({} segments), N_echo = {:?} (T = N x 870.1 M), both likelihoods on the same realization; nlive = {}, walks = {}.",
            self.sizes.welch_segments, self.n_echo, self.sizes.nlive, self.sizes.walks
        )
    }
    fn prediction(&self) -> String {
        "median noise-only ln B < 0 (bootstrap CI below 0) and within [-3.5, -1.5] (reference median -2.5 new, -2.4 old)".into()
    }
    fn key_columns(&self) -> &'static [&'static str] {
        &["n_echo", "likelihood"]
    }
    fn value_columns(&self) -> &'static [&'static str] {
        &["log_b", "log_b_err", "n_calls"]
    }
    fn config(&self) -> serde_json::Value {
        json!({"scale": format!("{:?}", self.scale), "nlive": self.sizes.nlive, "walks": self.sizes.walks, "welch_segments": self.sizes.welch_segments, "n_echo": self.n_echo})
    }
    fn default_replicates(&self) -> u64 {
        if self.scale == Scale::Test {
            4
        } else {
            self.sizes.replicates
        }
    }
    fn replicate(&self, _r: u64, rng: &mut Rng) -> Result<Vec<Observation>> {
        let mut out = Vec::new();
        for &n in &self.n_echo {
            let kinds = [LikelihoodKind::New, LikelihoodKind::Old];
            let res = benchmark_run(Benchmark::Constant, n, 0.0, &kinds, self.sizes, rng)?;
            for (k, (b, e, c, _, _)) in kinds.iter().zip(res) {
                out.push(Observation::new(
                    [n.to_string(), k.name().to_string()],
                    vec![b, e, c as f64],
                ));
            }
        }
        Ok(out)
    }
    fn verdict(&self, t: &ResultTable) -> Result<Verdict> {
        let mut rng = crate::rng::stream(t.seed, "echo-noise-calibration-bootstrap", 0);
        let mut checks = Vec::new();
        for n in t.distinct("n_echo")? {
            for lik in t.distinct("likelihood")? {
                let b = t.values(&[("n_echo", &n), ("likelihood", &lik)], "log_b")?;
                let (m, ci) = median_ci(&b, &mut rng)?;
                let reference = reference("noise", n.parse().unwrap_or(10), &lik)?;
                checks.push(Check {
                    name: format!(
                        "noise-only median ln B, N={n}, {lik} (reference median {:.2})",
                        median(&reference)?
                    ),
                    estimate: m,
                    ci,
                    level: 0.95,
                    prediction: "CI below 0; median in [-3.5, -1.5]".into(),
                    pass: ci.1 < 0.0 && (-3.5..=-1.5).contains(&m),
                });
            }
        }
        Ok(Verdict {
            claim: self.name().into(),
            replicates: t.n_replicates(),
            checks,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// echo-detection

/// `echo-detection`.
pub struct Detection {
    scale: Scale,
    sizes: EchoSizes,
    configs: Vec<(Benchmark, usize)>,
}

impl Detection {
    fn new(scale: Scale) -> Self {
        let configs = match scale {
            Scale::Test => vec![(Benchmark::Xin, 10)],
            Scale::Quick => vec![(Benchmark::Xin, 10), (Benchmark::Boltzmann, 10)],
            Scale::Full => Benchmark::ALL
                .iter()
                .flat_map(|&b| [10, 20, 50, 100, 150, 200].map(|n| (b, n)))
                .collect(),
        };
        Self {
            scale,
            sizes: echo_sizes(scale),
            configs,
        }
    }
}

impl Claim for Detection {
    fn name(&self) -> &'static str {
        "echo-detection"
    }
    fn description(&self) -> String {
        format!(
            "Inject the reference benchmark spectra ({}) at the reference amplitudes into white Gaussian noise (Welch PSD, {} segments) and search with both likelihoods on the same realization (nlive = {}, walks = {}). Detection: ln B above the reference's noise-only maximum at the same N and likelihood, for ours and the reference alike.{}",
            self.configs
                .iter()
                .map(|(b, n)| format!("{} N={n}", b.name()))
                .collect::<Vec<_>>()
                .join(", "),
            self.sizes.welch_segments,
            self.sizes.nlive,
            self.sizes.walks,
            if self.scale == Scale::Full {
                ""
            } else {
                " Reduced set at this scale; Scale::Full runs all 4 benchmarks x 6 echo counts."
            }
        )
    }
    fn prediction(&self) -> String {
        "detection rate: Clopper-Pearson 95% intervals of ours and the reference overlap; median ln B: bootstrap 95% intervals overlap; Xin: median paired ln B_new - ln B_old > 0".into()
    }
    fn key_columns(&self) -> &'static [&'static str] {
        &["benchmark", "n_echo", "likelihood"]
    }
    fn value_columns(&self) -> &'static [&'static str] {
        &["log_b", "log_b_err", "n_calls", "spacing_median", "snr"]
    }
    fn config(&self) -> serde_json::Value {
        json!({"scale": format!("{:?}", self.scale), "nlive": self.sizes.nlive, "walks": self.sizes.walks, "welch_segments": self.sizes.welch_segments,
               "configs": self.configs.iter().map(|(b, n)| format!("{}-{n}", b.name())).collect::<Vec<_>>()})
    }
    fn default_replicates(&self) -> u64 {
        self.sizes.replicates
    }
    fn replicate(&self, _r: u64, rng: &mut Rng) -> Result<Vec<Observation>> {
        let kinds = [LikelihoodKind::New, LikelihoodKind::Old];
        let mut out = Vec::new();
        for &(b, n) in &self.configs {
            // Each configuration gets its own sub-stream so adding one leaves the others as they were.
            let mut sub = Rng::from_seed_stream(rng.random::<u64>());
            for (k, (lb, e, c, sp, snr)) in kinds.iter().zip(benchmark_run(
                b,
                n,
                b.injection_amplitude(),
                &kinds,
                self.sizes,
                &mut sub,
            )?) {
                out.push(Observation::new(
                    [b.name().to_string(), n.to_string(), k.name().to_string()],
                    vec![lb, e, c as f64, sp, snr],
                ));
            }
        }
        Ok(out)
    }
    fn verdict(&self, t: &ResultTable) -> Result<Verdict> {
        let mut rng = crate::rng::stream(t.seed, "echo-detection-bootstrap", 0);
        let mut checks = Vec::new();
        for &(b, n) in &self.configs {
            let ns = n.to_string();
            for lik in ["new", "old"] {
                let ours = t.values(
                    &[
                        ("benchmark", b.name()),
                        ("n_echo", &ns),
                        ("likelihood", lik),
                    ],
                    "log_b",
                )?;
                if ours.is_empty() {
                    continue;
                }
                let refs = reference(b.name(), n, lik)?;
                let thr = reference("noise", n, lik)?
                    .into_iter()
                    .fold(f64::NEG_INFINITY, f64::max);
                let k_ours = ours.iter().filter(|&&v| v > thr).count() as u64;
                let k_ref = refs.iter().filter(|&&v| v > thr).count() as u64;
                let ci_ours = clopper_pearson(k_ours, ours.len() as u64, 0.95)?;
                let ci_ref = clopper_pearson(k_ref, refs.len() as u64, 0.95)?;
                checks.push(Check {
                    name: format!(
                        "{} N={n} {lik}: detection rate (reference {:.2})",
                        b.name(),
                        k_ref as f64 / refs.len() as f64
                    ),
                    estimate: k_ours as f64 / ours.len() as f64,
                    ci: ci_ours,
                    level: 0.95,
                    prediction: format!("overlaps reference CI [{:.2}, {:.2}]", ci_ref.0, ci_ref.1),
                    pass: overlap(ci_ours, ci_ref),
                });
                let (m, ci) = median_ci(&ours, &mut rng)?;
                let (mr, cir) = median_ci(&refs, &mut rng)?;
                checks.push(Check {
                    name: format!("{} N={n} {lik}: median ln B (reference {mr:.2})", b.name()),
                    estimate: m,
                    ci,
                    level: 0.95,
                    prediction: format!("overlaps reference CI [{:.2}, {:.2}]", cir.0, cir.1),
                    pass: overlap(ci, cir),
                });
            }
            if b == Benchmark::Xin {
                let new = t.values(
                    &[
                        ("benchmark", b.name()),
                        ("n_echo", &ns),
                        ("likelihood", "new"),
                    ],
                    "log_b",
                )?;
                let old = t.values(
                    &[
                        ("benchmark", b.name()),
                        ("n_echo", &ns),
                        ("likelihood", "old"),
                    ],
                    "log_b",
                )?;
                let diff: Vec<f64> = new.iter().zip(&old).map(|(a, c)| a - c).collect();
                let (m, ci) = median_ci(&diff, &mut rng)?;
                checks.push(Check {
                    name: format!("xin N={n}: median paired ln B_new - ln B_old"),
                    estimate: m,
                    ci,
                    level: 0.95,
                    prediction: "> 0 (new beats old on resolved QNMs)".into(),
                    pass: m > 0.0 && diff.iter().filter(|&&d| d > 0.0).count() * 2 > diff.len(),
                });
            }
        }
        Ok(Verdict {
            claim: self.name().into(),
            replicates: t.n_replicates(),
            checks,
        })
    }
}

/// A fresh generator from one 64-bit seed (sub-streams inside a replicate).
trait FromSeedStream {
    fn from_seed_stream(seed: u64) -> Self;
}

impl FromSeedStream for Rng {
    fn from_seed_stream(seed: u64) -> Self {
        use rand_chacha::rand_core::SeedableRng;
        Rng::seed_from_u64(seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toy_evidence_is_the_box_average() {
        // 1-component, d = 2: Z = mass² / (2a)², mass ≈ 1 for a box of ±12.5σ.
        let t = Toy::Gaussian { d: 2 };
        assert!((t.log_z() + 2.0 * 10f64.ln()).abs() < 1e-9);
        let m = Toy::Mixture { d: 2 };
        assert!((m.log_z() + 2.0 * 10f64.ln()).abs() < 1e-9);
    }

    #[test]
    fn reference_table_has_every_configuration() {
        let r = reference_logb().unwrap();
        assert_eq!(r.len(), 60);
        assert!(r.values().all(|v| v.len() == 100));
        let noise = &r[&("noise".to_string(), 10, "new".to_string())];
        assert!((median(noise).unwrap() + 2.6).abs() < 0.5);
    }
}

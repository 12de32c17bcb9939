//! `veristat echo inject | search | loglike`: the gravitational-wave echo comb search.

use super::{Format, print_json, print_table};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use veristat::claims::echo::spectrum_path;
use veristat::data::{Table, read_columns, write_csv};
use veristat::device::{DeviceChoice, Resolved};
use veristat::echo::benchmarks::{LN_M_OVER_LP_M50, analytic_spectrum, f_ringdown, r_bar};
use veristat::echo::{
    Benchmark, C64, CombLikelihood, CombParams, CombPrior, LikelihoodKind, PsdModel,
    ReferenceSpectrum, Spectrum, simulate,
};
use veristat::inference::{Checkpointing, NestedParams};
use veristat::{Error, Result};

/// Echo commands.
#[derive(Debug, Subcommand)]
pub enum EchoCommand {
    /// Inject a benchmark echo spectrum into white Gaussian noise at a target SNR; writes
    /// frequency, real, imaginary, psd columns (numpy's Fourier sign; frequencies in 1/M).
    Inject(InjectArgs),
    /// Nested-sampling comb search: log Bayes factor of comb vs noise.
    Search(SearchArgs),
    /// The log likelihood ratio at one parameter point.
    Loglike(LoglikeArgs),
}

/// `echo inject`.
#[derive(Debug, Args)]
pub struct InjectArgs {
    /// xin | boltzmann | damped | constant.
    #[arg(long)]
    pub benchmark: String,
    /// Number of echoes N (sets T = N × 870.1 M).
    #[arg(long)]
    pub n_echo: usize,
    /// Optimal SNR of the injection over [0, f_RD].
    #[arg(long)]
    pub snr: f64,
    /// Seed of the noise.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output CSV.
    #[arg(long)]
    pub out: PathBuf,
    /// Use the analytic transfer function even when the reference spectrum is available.
    #[arg(long)]
    pub analytic: bool,
    /// Welch segments of the PSD estimate (the reference analysis used about 2000).
    #[arg(long, default_value_t = 2000)]
    pub welch_segments: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
}

/// `echo search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// CSV with frequency, real, imaginary, psd.
    #[arg(long)]
    pub data: PathBuf,
    /// new | old.
    #[arg(long)]
    pub likelihood: String,
    /// Live points.
    #[arg(long, default_value_t = 500)]
    pub nlive: usize,
    /// Random-walk steps per replacement.
    #[arg(long, default_value_t = 25)]
    pub walks: usize,
    /// Points removed and replaced per iteration, K (< nlive/2). Default nlive/50 on the CPU and
    /// nlive/10 on CUDA, where the K replacements' likelihoods form the GPU's batches.
    #[arg(long)]
    pub batch: Option<usize>,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Prior scale R̄ (spacing ~ U(R̄/4, R̄), width ~ LogU(1/T, R̄)); default 2/Δt_echo for χ = 0.69 in 1/M.
    #[arg(long)]
    pub r_bar: Option<f64>,
    /// Upper edge of the band prior (default f_RD for χ = 0.69 in 1/M).
    #[arg(long)]
    pub f_max: Option<f64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
    /// Device: auto (CUDA when a usable GPU is found, else the CPU), cpu, or cuda (an error
    /// without a GPU). The device used is printed on stderr.
    #[arg(long, default_value = "auto", value_name = "auto|cpu|cuda")]
    pub device: DeviceChoice,
    /// Save the sampler's state to this file (atomically) and resume from it when it exists: a
    /// killed search rerun with the same arguments continues where the file left it and gives
    /// the same result bit for bit. Other arguments are refused, naming the first that differs.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
    /// Iterations between two checkpoint writes (with --checkpoint).
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub checkpoint_every: usize,
}

/// `echo loglike`.
#[derive(Debug, Args)]
pub struct LoglikeArgs {
    /// CSV with frequency, real, imaginary, psd.
    #[arg(long)]
    pub data: PathBuf,
    /// new | old.
    #[arg(long)]
    pub likelihood: String,
    /// width=..,amplitude=..,phase=..,spacing=..,fmin=..,fmax=..
    #[arg(long)]
    pub params: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
}

/// Dispatch.
pub fn run(c: EchoCommand) -> Result<()> {
    match c {
        EchoCommand::Inject(a) => inject(a),
        EchoCommand::Search(a) => search(a),
        EchoCommand::Loglike(a) => loglike(a),
    }
}

fn inject(a: InjectArgs) -> Result<()> {
    let bench = Benchmark::parse(&a.benchmark)?;
    if !(a.snr.is_finite() && a.snr >= 0.0) {
        return Err(Error::param("snr", a.snr, "must be finite and >= 0"));
    }
    if a.n_echo == 0 {
        return Err(Error::param("n-echo", a.n_echo, "must be >= 1"));
    }
    let reference = if a.analytic {
        None
    } else {
        spectrum_path(bench, a.n_echo).ok()
    };
    let (freq, h, dt, source) = match (reference, bench.reflectivity()) {
        (Some(p), _) => {
            let r = ReferenceSpectrum::read(&p)?;
            let (f, h) = r.positive_half();
            (f, h, r.dt(), p.display().to_string())
        }
        (None, Some(refl)) => {
            let (f, h) = analytic_spectrum(refl, a.n_echo, 0.69, LN_M_OVER_LP_M50)?;
            let t = 1.0 / (f[1] - f[0]);
            let dt = t / (2 * f.len() + 1) as f64;
            (f, h, dt, "analytic".to_string())
        }
        (None, None) => {
            return Err(Error::InvalidData(format!(
                "the xin benchmark is numerical: {} is needed in datasets/echo/ or $VERISTAT_ECHO_SPECTRA",
                bench.file_name(a.n_echo)
            )));
        }
    };
    let mut rng = veristat::rng::stream(a.seed, "echo-inject", 0);
    let psd = PsdModel::WhiteWelch {
        dt,
        nfft: 2048,
        segments: a.welch_segments,
    };
    let noise = simulate(&freq, &h, 0.0, psd, &mut rng)?;
    let band = noise.spectrum.band(0.0, f_ringdown(0.69))?;
    let scale = veristat::echo::spectrum::scale_to_snr(&noise.spectrum, &h, band, a.snr)?;
    let data = noise.spectrum.inject(&h, scale)?;
    let table = Table::new(
        vec![
            "frequency".into(),
            "real".into(),
            "imaginary".into(),
            "psd".into(),
        ],
        vec![
            data.freq().to_vec(),
            data.data().iter().map(|z| z.re).collect(),
            data.data().iter().map(|z| z.im).collect(),
            data.psd().to_vec(),
        ],
    )?;
    write_csv(&table, &a.out)?;
    super::print_object(
        &json!({
            "benchmark": bench.name(), "n_echo": a.n_echo, "snr": a.snr, "scale": scale, "source": source,
            "rows": data.len(), "duration": data.duration(), "out": a.out.display().to_string(),
        }),
        a.format,
    )
}

fn read_spectrum(path: &PathBuf) -> Result<Spectrum> {
    let names = ["frequency", "real", "imaginary", "psd"].map(String::from);
    let t = read_columns(path, &names)?;
    let f = t.column("frequency")?.to_vec();
    let re = t.column("real")?;
    let im = t.column("imaginary")?;
    let psd = t.column("psd")?.to_vec();
    Spectrum::new(
        f,
        re.iter().zip(im).map(|(&r, &i)| C64::new(r, i)).collect(),
        psd,
    )
}

fn search(a: SearchArgs) -> Result<()> {
    let kind = LikelihoodKind::parse(&a.likelihood)?;
    let (dev, kernels) = super::device(a.device)?;
    let spec = read_spectrum(&a.data)?;
    let mean_abs = spec.data().iter().map(|z| z.norm()).sum::<f64>() / spec.len() as f64;
    let mut prior = CombPrior::benchmark(spec.duration(), mean_abs);
    if let Some(rb) = a.r_bar {
        prior.width = veristat::echo::PriorRange::LogUniform(1.0 / spec.duration(), rb);
        prior.spacing = veristat::echo::PriorRange::Uniform(rb / 4.0, rb);
    }
    let fmax = a.f_max.unwrap_or(f_ringdown(0.69));
    if a.f_max.is_some() {
        prior.fmin = veristat::echo::PriorRange::Uniform(0.0, fmax);
        prior.fmax = veristat::echo::PriorRange::Uniform(0.0, fmax);
        prior.min_teeth = Some((10.0, fmax));
    }
    prior.validate()?;
    spec.band(0.0, fmax)?;
    let mut params = NestedParams::new(a.nlive).walks(a.walks);
    if let Some(k) = a.batch {
        params = params.batch(k);
    } else if kernels.is_some() {
        params = params.batch(veristat::echo::device_batch(a.nlive));
    }
    // Settings are checked before the device line, so that a failing command prints one line.
    veristat::inference::NestedSampler::new(params.clone(), prior.free().len())?;
    if a.checkpoint.is_some() && a.checkpoint_every == 0 {
        return Err(Error::param(
            "checkpoint-every",
            a.checkpoint_every,
            "must be >= 1",
        ));
    }
    match &dev {
        Resolved::Cuda(name) => eprintln!(
            "device: cuda ({name}) for the likelihoods, batched across the {} replacements per iteration (prior draws, uniform proposals, lockstep random walks)",
            params.batch
        ),
        Resolved::Cpu(_) => eprintln!("{dev}"),
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} echo search ({msg}) {elapsed}")
            .expect("static template"),
    );
    bar.set_message(format!("{} likelihood, nlive {}", kind.name(), a.nlive));
    bar.enable_steady_tick(Duration::from_millis(200));
    let t0 = Instant::now();
    let mut rng = veristat::rng::stream(a.seed, "echo-search", 0);
    let res = match (&a.checkpoint, &kernels) {
        (Some(path), d) => {
            let c = Checkpointing::new(path, a.checkpoint_every, "veristat echo search");
            veristat::echo::search_resumable(&spec, &prior, kind, &params, &mut rng, d.as_ref(), &c)
        }
        (None, Some(d)) => veristat::echo::search_on(&spec, &prior, kind, &params, &mut rng, d),
        (None, None) => veristat::echo::search(&spec, &prior, kind, &params, &mut rng),
    };
    bar.finish_and_clear();
    let res = res?;
    let secs = t0.elapsed().as_secs_f64();
    let _ = r_bar;
    match a.format {
        Format::Json => {
            let med: serde_json::Map<String, serde_json::Value> = res
                .posterior_median
                .iter()
                .map(|(n, v)| (n.to_string(), json!(v)))
                .collect();
            let best: serde_json::Map<String, serde_json::Value> = CombParams::NAMES
                .iter()
                .zip(res.max_likelihood.to_array())
                .map(|(n, v)| (n.to_string(), json!(v)))
                .collect();
            print_json(&json!({
                "log_bayes_factor": res.log_bayes_factor,
                "log_bayes_factor_err": res.log_bayes_factor_err,
                "n_likelihood_calls": res.n_likelihood_calls,
                "posterior_median": med,
                "seconds": secs,
                "likelihood": kind.name(),
                "nlive": a.nlive,
                "batch": params.batch,
                "max_log_likelihood": res.max_log_likelihood,
                "max_likelihood_params": best,
                "converged": res.nested.diagnostics.converged,
                "samples_hash": samples_hash(&res.nested),
            }))
        }
        Format::Table => {
            let mut rows = vec![
                vec![
                    "log_bayes_factor".into(),
                    format!("{:.4}", res.log_bayes_factor),
                ],
                vec![
                    "log_bayes_factor_err".into(),
                    format!("{:.4}", res.log_bayes_factor_err),
                ],
                vec![
                    "n_likelihood_calls".into(),
                    res.n_likelihood_calls.to_string(),
                ],
                vec!["seconds".into(), format!("{secs:.3}")],
            ];
            for (n, v) in &res.posterior_median {
                rows.push(vec![format!("median {n}"), format!("{v:.6e}")]);
            }
            print_table(&["quantity", "value"], &rows)?;
            Ok(())
        }
    }
}

/// FNV-1a 64 (hex) of every sample's parameters, log-likelihood and log-weight bits, in
/// order, then `ln Z`'s: equal hashes mean the same samples and weights bit for bit (what a
/// resumed `--checkpoint` run is checked against).
fn samples_hash(res: &veristat::inference::NestedResult) -> String {
    let bytes: Vec<u8> = res
        .samples
        .iter()
        .flat_map(|s| s.theta.iter().chain([&s.log_l, &s.log_w]))
        .chain([&res.log_z])
        .flat_map(|x| x.to_bits().to_le_bytes())
        .collect();
    format!("{:016x}", veristat::rng::fnv1a64(&bytes))
}

/// Parse `k=v,k=v` into comb parameters; every one of the six names is required.
fn parse_params(s: &str) -> Result<CombParams> {
    let mut vals = [f64::NAN; 6];
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| Error::param("params", part, "expected key=value"))?;
        let i = CombParams::NAMES
            .iter()
            .position(|n| *n == k.trim())
            .ok_or_else(|| Error::UnknownName {
                kind: "comb parameter",
                name: k.trim().into(),
                known: CombParams::NAMES.join(", "),
            })?;
        vals[i] = v
            .trim()
            .parse()
            .map_err(|_| Error::param("params", part, "value is not a number"))?;
    }
    if let Some(i) = vals.iter().position(|v| v.is_nan()) {
        return Err(Error::param(
            "params",
            s,
            format!(
                "missing `{}` (need {})",
                CombParams::NAMES[i],
                CombParams::NAMES.join(", ")
            ),
        ));
    }
    Ok(CombParams::from_array(vals))
}

fn loglike(a: LoglikeArgs) -> Result<()> {
    let kind = LikelihoodKind::parse(&a.likelihood)?;
    let p = parse_params(&a.params)?;
    let spec = read_spectrum(&a.data)?;
    let v = CombLikelihood::new(&spec, kind).log_ratio_checked(&p)?;
    super::print_object(
        &json!({"log_likelihood_ratio": v, "likelihood": kind.name()}),
        a.format,
    )
}

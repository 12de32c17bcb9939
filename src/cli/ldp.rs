//! `veristat ldp`: sample a mechanism, audit it, or fit an LDP sparse regression.

use super::{Bars, Format, print_json, print_table};
use clap::{Args, Subcommand, ValueEnum};
use nalgebra::DMatrix;
use serde_json::json;
use std::io::Write;
use veristat::device::{DeviceChoice, Resolved};
use veristat::estimator::{ParamGuard, RegressionData};
use veristat::ldp::audit::empirical_audit;
use veristat::ldp::mechanisms;
use veristat::ldp::regression::{LdpFit, LdpIhtParams, NldpParams};
use veristat::montecarlo::Progress;
use veristat::{Error, Result, rng};

/// LDP commands.
#[derive(Debug, Subcommand)]
pub enum LdpCommand {
    /// Write N privatized outputs of one input, one per line (vector outputs comma-separated).
    Sample(SampleArgs),
    /// Empirical privacy audit: a lower confidence bound on the privacy loss, then PASS/FAIL.
    Audit(AuditArgs),
    /// LDP sparse linear regression on a CSV or Parquet file; prints JSON.
    Regress(RegressArgs),
}

/// `veristat ldp sample`.
#[derive(Debug, Args)]
pub struct SampleArgs {
    /// Mechanism: rr, grr, oue, sue, olh, duchi, duchi-l2, duchi-linf, piecewise, hybrid,
    /// laplace, gaussian, gaussian-analytic.
    #[arg(long)]
    pub mechanism: String,
    /// Privacy parameter ε > 0.
    #[arg(long, allow_negative_numbers = true)]
    pub epsilon: f64,
    /// δ in (0, 1) (Gaussian mechanisms only).
    #[arg(long, allow_negative_numbers = true)]
    pub delta: Option<f64>,
    /// Domain size of the frequency oracles (grr, oue, sue, olh).
    #[arg(long, default_value_t = 2)]
    pub k: usize,
    /// The input: a category index, a number, or comma-separated numbers for vector mechanisms.
    #[arg(long, allow_hyphen_values = true)]
    pub input: String,
    /// Number of outputs.
    #[arg(long)]
    pub n: u64,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// `veristat ldp audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Mechanism name (as for `sample`).
    #[arg(long)]
    pub mechanism: String,
    /// Claimed ε.
    #[arg(long, allow_negative_numbers = true)]
    pub epsilon: f64,
    /// Claimed δ (Gaussian mechanisms).
    #[arg(long, allow_negative_numbers = true)]
    pub delta: Option<f64>,
    /// Draws per input of the worst pair.
    #[arg(long, default_value_t = 10_000_000)]
    pub draws: u64,
    /// Domain size of the frequency oracles.
    #[arg(long, default_value_t = 4)]
    pub k: usize,
    /// Dimension of the vector mechanisms.
    #[arg(long, default_value_t = 3)]
    pub d: usize,
    /// Confidence level of the lower bound.
    #[arg(long, default_value_t = 0.95)]
    pub level: f64,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// Estimator of `veristat ldp regress`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    /// Non-interactive (ε, δ)-LDP (Zhu et al. 2024, Algorithm 1).
    Nldp,
    /// NLDP with public unlabeled covariates (--public FILE).
    Public,
    /// Sequentially interactive ε-LDP iterative hard thresholding.
    Iht,
}

/// `veristat ldp regress`.
#[derive(Debug, Args)]
pub struct RegressArgs {
    /// CSV or Parquet file, one user per row.
    #[arg(long)]
    pub data: std::path::PathBuf,
    /// Response column; every other column is a feature.
    #[arg(long)]
    pub target: String,
    /// Estimator.
    #[arg(long, value_enum)]
    pub method: MethodArg,
    /// Per-user ε.
    #[arg(long, allow_negative_numbers = true)]
    pub epsilon: f64,
    /// Per-user δ (the Gaussian messages of nldp/public; iht is pure ε-LDP).
    #[arg(long, allow_negative_numbers = true)]
    pub delta: f64,
    /// Public unlabeled covariates (same feature columns) for --method public.
    #[arg(long)]
    pub public: Option<std::path::PathBuf>,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Truncation level of the features.
    #[arg(long, default_value_t = 4.0)]
    pub tau1: f64,
    /// Truncation level of the response.
    #[arg(long, default_value_t = 8.0)]
    pub tau2: f64,
    /// Soft threshold λ (nldp/public) [default: the union-bound rule].
    #[arg(long)]
    pub lambda: Option<f64>,
    /// Sparsity kept by IHT [default: min(d, 5)].
    #[arg(long)]
    pub k: Option<usize>,
    /// IHT rounds (disjoint user groups).
    #[arg(long, default_value_t = 10)]
    pub rounds: usize,
    /// IHT step size.
    #[arg(long, default_value_t = 1.0)]
    pub step: f64,
    /// Bound R on ‖θ*‖₁ (λ rule and IHT projection).
    #[arg(long, default_value_t = 1.0)]
    pub l1_bound: f64,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
    /// Device: auto (CUDA when a usable GPU is found, else the CPU), cpu, or cuda (an error
    /// without a GPU). The device used is printed on stderr.
    #[arg(long, default_value = "auto", value_name = "auto|cpu|cuda")]
    pub device: DeviceChoice,
}

pub fn run(c: LdpCommand) -> Result<()> {
    match c {
        LdpCommand::Sample(a) => sample(a),
        LdpCommand::Audit(a) => audit(a),
        LdpCommand::Regress(a) => regress(a),
    }
}

fn parse_input(s: &str) -> Result<Vec<f64>> {
    s.split(',')
        .map(|t| {
            let t = t.trim();
            match t.to_ascii_lowercase().as_str() {
                "inf" | "+inf" | "infinity" => Ok(f64::INFINITY),
                "-inf" | "-infinity" => Ok(f64::NEG_INFINITY),
                _ => t
                    .parse::<f64>()
                    .map_err(|_| Error::param("input", s, "expected comma-separated numbers")),
            }
        })
        .collect()
}

fn sample(a: SampleArgs) -> Result<()> {
    let input = parse_input(&a.input)?;
    if a.n == 0 {
        return Err(Error::param("n", 0, "must be >= 1"));
    }
    let m = mechanisms::by_name(&a.mechanism, a.epsilon, a.delta, a.k, input.len())?;
    // Validate before writing anything: no partial output on bad input.
    m.clip(&input)?;
    let mut r = rng::stream(a.seed, "ldp-sample", 0);
    let bars = Bars::new();
    bars.start("ldp sample", a.n);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut line = String::new();
    for i in 0..a.n {
        let rep = m.privatize(&input, &mut r)?;
        line.clear();
        for (j, v) in rep.iter().enumerate() {
            if j > 0 {
                line.push(',');
            }
            line.push_str(&v.to_string());
        }
        line.push('\n');
        out.write_all(line.as_bytes())
            .map_err(|e| Error::io("<stdout>", e))?;
        if (i + 1) % 65_536 == 0 {
            bars.inc(65_536);
        }
    }
    out.flush().map_err(|e| Error::io("<stdout>", e))?;
    bars.finish();
    Ok(())
}

fn audit(a: AuditArgs) -> Result<()> {
    let m = mechanisms::by_name(&a.mechanism, a.epsilon, a.delta, a.k, a.d)?;
    let mut r = rng::stream(a.seed, "ldp-audit", 0);
    let res = empirical_audit(m.as_ref(), a.draws, a.level, &mut r)?;
    let verdict = if res.pass { "PASS" } else { "FAIL" };
    match a.format {
        Format::Json => {
            let mut v = serde_json::to_value(&res).map_err(|e| Error::Numerical(e.to_string()))?;
            v["verdict"] = json!(verdict);
            print_json(&v)?;
        }
        Format::Table => {
            print_table(
                &[
                    "mechanism",
                    "epsilon",
                    "delta",
                    "epsilon_lower",
                    "estimate",
                    "draws",
                    "method",
                    "verdict",
                ],
                &[vec![
                    res.mechanism.clone(),
                    res.epsilon.to_string(),
                    res.delta.to_string(),
                    format!("{:.4}", res.epsilon_lower),
                    format!("{:.4}", res.epsilon_estimate),
                    res.draws.to_string(),
                    res.method.to_string(),
                    verdict.to_string(),
                ]],
            )?;
        }
    }
    Ok(())
}

/// The users' noise streams of `ldp regress` on a device: user i draws from Philox stream i.
fn philox_key(seed: u64) -> veristat::device::philox::PhiloxKey {
    veristat::device::philox::PhiloxKey::new(seed, "ldp-regress")
}

fn regress(a: RegressArgs) -> Result<()> {
    let (dev, kernels) = super::device(a.device)?;
    // Only the NLDP variants' per-user messages have a kernel.
    let kernels = kernels.filter(|_| a.method != MethodArg::Iht);
    let table = veristat::data::read_table(&a.data)?;
    let ds = table.dataset(&a.target, None, &[])?;
    let mut r = rng::stream(a.seed, "ldp-regress", 0);
    let d = ds.x.ncols();
    let data = RegressionData::new(ds.x, ds.y)?;
    let (fit, params): (LdpFit, serde_json::Value) = match a.method {
        MethodArg::Nldp | MethodArg::Public => {
            let mut est = NldpParams::new(a.epsilon, a.delta)
                .tau(a.tau1, a.tau2)
                .l1_bound(a.l1_bound);
            if let Some(l) = a.lambda {
                est = est.lambda(l);
            }
            let fit = if a.method == MethodArg::Public {
                let path = a.public.as_ref().ok_or_else(|| {
                    Error::param("public", "none", "--method public needs --public FILE")
                })?;
                let pt = veristat::data::read_columns(path, &ds.feature_names)?;
                let cols: Vec<&[f64]> = ds
                    .feature_names
                    .iter()
                    .map(|f| pt.column(f))
                    .collect::<Result<_>>()?;
                let xp = DMatrix::from_fn(pt.n_rows(), d, |i, j| cols[j][i]);
                let est = est.with_public_covariates(xp).check()?;
                match &kernels {
                    Some(dev) => est.fit_on(&data, dev, philox_key(a.seed))?,
                    None => est.fit_with(&data, &mut r)?,
                }
            } else {
                let est = est.check()?;
                match &kernels {
                    Some(dev) => est.fit_on(&data, dev, philox_key(a.seed))?,
                    None => est.fit_with(&data, &mut r)?,
                }
            };
            let p = json!({"tau1": a.tau1, "tau2": a.tau2, "l1_bound": a.l1_bound, "lambda_given": a.lambda, "diagnostics": fit.details});
            (fit, p)
        }
        MethodArg::Iht => {
            let k = a.k.unwrap_or(d.min(5));
            let fit = LdpIhtParams::new(a.epsilon, k)
                .rounds(a.rounds)
                .step(a.step)
                .tau(a.tau1, a.tau2)
                .l1_radius(a.l1_bound)
                .check()?
                .fit_with(&data, &mut r)?;
            let p = json!({"tau1": a.tau1, "tau2": a.tau2, "l1_radius": a.l1_bound, "k": k, "rounds": a.rounds, "step": a.step, "diagnostics": fit.details});
            (fit, p)
        }
    };
    let privacy = fit
        .privacy
        .ok_or_else(|| Error::Numerical("fit carries no privacy guarantee".into()))?;
    // After the fit (it validates the inputs), so that a failing command prints one line.
    match (&dev, &kernels) {
        (Resolved::Cuda(name), Some(_)) => eprintln!(
            "device: cuda ({name}) for the users' clipping, Gaussian messages and their sums; the server's fit on the CPU"
        ),
        _ => eprintln!("{}", super::cpu_line(&dev, "--method iht")),
    }
    match a.format {
        // `lambda_given` echoes the optional --lambda: null when it was not given.
        Format::Json => super::print_json_optional(
            &json!({
                "method": fit.method.as_str(),
                "coef": fit.coef.as_slice(),
                "feature_names": ds.feature_names,
                "epsilon": privacy.epsilon,
                "delta": privacy.delta,
                "n": data.x().nrows(),
                "seed": a.seed,
                "params": params,
            }),
            &["params.lambda_given"],
        ),
        Format::Table => {
            let rows: Vec<Vec<String>> = ds
                .feature_names
                .iter()
                .zip(fit.coef.iter())
                .map(|(f, c)| vec![f.clone(), format!("{c:.6}")])
                .collect();
            print_table(&["feature", "coef"], &rows)?;
            super::print_line(&format!(
                "method {} epsilon {} delta {}",
                fit.method.as_str(),
                privacy.epsilon,
                privacy.delta
            ))?;
            Ok(())
        }
    }
}

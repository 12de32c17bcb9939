//! `veristat pn`: the p-n criterion on a data file, and `veristat pn simulate`: the Monte Carlo
//! risk of a misspecified family against its expansion.

use super::{Bars, Format, print_table};
use clap::{Args, Subcommand};
use nalgebra::DMatrix;
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;
use veristat::data::{Table, parse_name_list, read_columns, read_table};
use veristat::expfam::ExponentialFamily;
use veristat::expfam::criterion::{self, Bound, DEFAULT_DELTA, Threshold};
use veristat::expfam::families::{Gaussian, Poisson, Structure};
use veristat::expfam::risk::{self, RiskSimulation};
use veristat::expfam::truth::Truth;
use veristat::montecarlo::Progress;
use veristat::{Error, Result};

/// p-n criterion: `veristat pn --data FILE --family F [--columns A,B] [--delta D | --threshold E]`,
/// or `veristat pn simulate ...`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct PnArgs {
    #[command(subcommand)]
    command: Option<PnCommand>,
    /// CSV (`,` or `;`) or Parquet file; one row per observation.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Columns to use (comma-separated); default: every column.
    #[arg(long)]
    columns: Option<String>,
    /// gaussian-diag | gaussian-full | gaussian-iso | poisson | normal.
    #[arg(long)]
    family: Option<String>,
    /// Tolerated departure from indistinguishability: E BER >= 1/2 - delta (default 0.05).
    #[arg(long, conflicts_with = "threshold")]
    delta: Option<f64>,
    /// Risk threshold epsilon given directly.
    #[arg(long)]
    threshold: Option<f64>,
    /// Bound turning delta into epsilon: pinsker (8 delta^2) | bhattacharyya.
    #[arg(long, default_value = "pinsker")]
    bound: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
}

#[derive(Debug, Subcommand)]
enum PnCommand {
    /// Monte Carlo risk of a model fitted to data from a truth outside it, per n.
    Simulate(SimulateArgs),
}

#[derive(Debug, Args)]
struct SimulateArgs {
    /// normal | poisson | gaussian-iso | gaussian-diag | gaussian-full.
    #[arg(long)]
    family: String,
    /// gamma:k, student-t:nu, lognormal:s, negbin:r,p, poisson:mu, normal:m,s,
    /// mixture:w,m1,s1,m2,s2, or gaussian-ar:rho (multivariate).
    #[arg(long)]
    truth: String,
    /// Sample sizes, comma-separated.
    #[arg(long, default_value = "50,100,200")]
    n: String,
    /// Replicates per n.
    #[arg(long, default_value_t = 10_000)]
    replicates: usize,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Observation dimension d for the Gaussian families.
    #[arg(long, default_value_t = 1)]
    dim: usize,
    /// Output format: json is one JSON object per n, one per line, as each n finishes.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
}

const FAMILIES: &str = "gaussian-diag, gaussian-full, gaussian-iso, poisson, normal";

fn family_for(name: &str, d: usize) -> Result<Arc<dyn ExponentialFamily>> {
    let one = |what: &str| -> Result<()> {
        if d == 1 {
            Ok(())
        } else {
            Err(Error::param(
                "columns",
                d,
                format!("the {what} family takes exactly one column"),
            ))
        }
    };
    Ok(match name {
        "normal" => {
            one("normal")?;
            Arc::new(Gaussian::normal())
        }
        "poisson" => {
            one("poisson")?;
            Arc::new(Poisson)
        }
        "gaussian-diag" => Arc::new(Gaussian::new(d, Structure::Diagonal)?),
        "gaussian-full" => Arc::new(Gaussian::new(d, Structure::Full)?),
        "gaussian-iso" => Arc::new(Gaussian::new(d, Structure::Isotropic)?),
        other => {
            return Err(Error::UnknownName {
                kind: "family",
                name: other.into(),
                known: FAMILIES.into(),
            });
        }
    })
}

fn load(path: &PathBuf, columns: Option<&str>) -> Result<Table> {
    match columns {
        Some(list) => read_columns(path, &parse_name_list(list)),
        None => read_table(path),
    }
}

pub fn run(a: PnArgs) -> Result<()> {
    if let Some(PnCommand::Simulate(s)) = a.command {
        return simulate(s);
    }
    let path = a.data.ok_or_else(|| {
        Error::param(
            "data",
            "(missing)",
            "give --data FILE (or use `pn simulate`)",
        )
    })?;
    let fam_name = a.family.ok_or_else(|| {
        Error::param(
            "family",
            "(missing)",
            format!("give --family, one of {FAMILIES}"),
        )
    })?;
    let bound = Bound::parse(&a.bound)?;
    let threshold = match (a.delta, a.threshold) {
        (_, Some(e)) => Threshold::from_epsilon(e)?,
        (Some(d), None) => Threshold::from_delta(d, bound)?,
        (None, None) => Threshold::from_delta(DEFAULT_DELTA, bound)?,
    };
    // Validate the family name before reading the file.
    family_for(
        &fam_name,
        if matches!(fam_name.as_str(), "normal" | "poisson") {
            1
        } else {
            2
        },
    )?;
    let table = load(&path, a.columns.as_deref())?;
    let d = table.names().len();
    let family = family_for(&fam_name, d)?;
    let n = table.n_rows();
    let mut x = DMatrix::zeros(n, d);
    for (j, name) in table.names().iter().enumerate() {
        x.column_mut(j).copy_from_slice(table.column(name)?);
    }
    let fit = risk::plug_in(family.as_ref(), &x)?;
    let (c1, c2) = (fit.terms.c1, fit.terms.c2);
    let eps = threshold.epsilon;
    let n_min = criterion::n_min(c1, c2, eps)?;
    let out = json!({
        "family": fam_name,
        "p": fit.p,
        "n": n,
        "c1": c1,
        "c2": c2,
        "risk_first_order": fit.terms.first_order(n as f64),
        "risk_second_order": fit.terms.second_order(n as f64),
        "threshold": eps,
        "accept": n as u64 >= n_min,
        "n_min": n_min,
        "aic": fit.criteria.aic,
        "tic": fit.criteria.tic,
        "bic": fit.criteria.bic,
    });
    super::print_object(&out, a.format)
}

fn simulate(s: SimulateArgs) -> Result<()> {
    veristat::error::check::at_least("dim", s.dim, 1)?;
    veristat::error::check::at_least("replicates", s.replicates, 2)?;
    let ns: Vec<usize> = parse_name_list(&s.n)
        .iter()
        .map(|v| match v.parse::<usize>() {
            Ok(n) if n >= 2 => Ok(n),
            _ => Err(Error::param("n", v, "sample sizes must be integers >= 2")),
        })
        .collect::<Result<_>>()?;
    if ns.is_empty() {
        return Err(Error::param("n", &s.n, "give at least one sample size"));
    }
    let family = family_for(&s.family, s.dim)?;
    let truth = Truth::parse(&s.truth, s.dim)?;
    let sim = RiskSimulation::new(family, &truth)?;
    let terms = sim.terms();
    let bars = Bars::new();
    let mut rows = Vec::new();
    for &n in &ns {
        bars.start(&format!("pn simulate n={n}"), 1);
        let r = sim.run(n, s.replicates, s.seed, &format!("pn-simulate-{n}"))?;
        bars.inc(1);
        bars.finish();
        let line = json!({"n": n, "risk_mc": r.risk, "se": r.se, "c1": terms.c1, "c2": terms.c2});
        match s.format {
            Format::Json => super::print_json_line(&line)?,
            Format::Table => rows.push(simulate_row(&line)),
        }
    }
    match s.format {
        Format::Json => Ok(()),
        Format::Table => print_table(&["n", "risk_mc", "se", "c1", "c2"], &rows),
    }
}

/// One `pn simulate` record as a table row, in the JSON record's key order.
fn simulate_row(line: &serde_json::Value) -> Vec<String> {
    ["n", "risk_mc", "se", "c1", "c2"]
        .iter()
        .map(|k| match line[*k].as_f64() {
            Some(v) if *k != "n" => format!("{v:.6e}"),
            _ => line[*k].to_string(),
        })
        .collect()
}

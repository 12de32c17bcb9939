//! `veristat report`.

use super::Bars;
use super::verify::ScaleArg;
use clap::Args;
use std::path::PathBuf;
use veristat::Result;
use veristat::report::{self, ReportOptions};

/// Build the HTML report with figures for every module.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Output folder.
    #[arg(long, default_value = "reports")]
    pub out: PathBuf,
    /// Folder with the shipped datasets [default: ./datasets].
    #[arg(long)]
    pub datasets: Option<PathBuf>,
    /// Seed of the Monte Carlo runs.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Size of the claims' runs.
    #[arg(long, value_enum, default_value = "quick")]
    pub scale: ScaleArg,
}

pub fn run(a: ReportArgs) -> Result<()> {
    let opts = ReportOptions {
        out_dir: a.out,
        datasets_dir: a.datasets.unwrap_or_else(report::default_datasets_dir),
        seed: a.seed,
        scale: a.scale.into(),
    };
    let bars = Bars::new();
    let t0 = std::time::Instant::now();
    let summary = report::build(opts, &bars)?;
    let pass = summary.verdicts.iter().filter(|v| v.pass()).count();
    for v in &summary.verdicts {
        println!("{:<28} {}", v.claim, if v.pass() { "PASS" } else { "FAIL" });
    }
    println!(
        "wrote {} ({} sections, {pass}/{} claims PASS) in {:.1} s",
        summary.index.display(),
        summary.sections.len(),
        summary.verdicts.len(),
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}

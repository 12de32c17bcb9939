//! `veristat report`.

use super::Bars;
use super::verify::ScaleArg;
use clap::Args;
use std::path::PathBuf;
use veristat::Result;
use veristat::device::{DeviceChoice, Resolved};
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
    /// Device: auto (CUDA when a usable GPU is found, else the CPU), cpu, or cuda (an error
    /// without a GPU). The device used is printed on stderr.
    #[arg(long, default_value = "auto", value_name = "auto|cpu|cuda")]
    pub device: DeviceChoice,
}

pub fn run(a: ReportArgs) -> Result<()> {
    let (dev, kernels) = super::device(a.device)?;
    match &dev {
        Resolved::Cuda(name) => {
            let offloaded: Vec<String> = veristat::claims::all(a.scale.into())
                .iter()
                .filter_map(|c| {
                    c.offload()
                        .map(|o| format!("{} ({})", c.name(), o.describe()))
                })
                .collect();
            eprintln!(
                "device: cuda ({name}) for {}; every other claim and figure runs on the CPU (no GPU kernel)",
                offloaded.join("; ")
            );
        }
        Resolved::Cpu(_) => eprintln!("{dev}"),
    }
    let opts = ReportOptions {
        out_dir: a.out,
        datasets_dir: a.datasets.unwrap_or_else(report::default_datasets_dir),
        seed: a.seed,
        scale: a.scale.into(),
    };
    let bars = Bars::new();
    let t0 = std::time::Instant::now();
    let summary = report::build_on(opts, &bars, kernels.as_ref())?;
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

//! The CLI's shared pieces: output format, progress bars, JSON printing.

pub mod device;
pub mod echo;
pub mod expfam;
pub mod ldp;
pub mod multiplicity;
pub mod ordinal;
pub mod report;
pub mod sparse;
pub mod verify;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::sync::Mutex;
use veristat::Result;
use veristat::device::{Device, DeviceChoice, Resolved};
use veristat::montecarlo::Progress;

/// `--format json|table`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Format {
    /// Machine-readable JSON on stdout (the documented contract).
    #[default]
    Json,
    /// Aligned text for people.
    Table,
}

/// Resolve `--device` and its device with the registered kernels (`None`: the CPU). `cuda`
/// without a usable GPU (or in a build without the `cuda` feature) is an
/// [`veristat::Error::GpuUnavailable`], which the CLI prints as one line and exits 2 on.
pub fn device(choice: DeviceChoice) -> Result<(Resolved, Option<Device>)> {
    let r = veristat::device::resolve(choice)?;
    let d = r.device(veristat::registry::SOURCES)?;
    Ok((r, d))
}

/// The stderr line of a command whose work has no GPU kernel: it ran on the CPU, and why.
pub fn cpu_line(r: &Resolved, what: &str) -> String {
    match r {
        Resolved::Cpu(_) => r.to_string(),
        Resolved::Cuda(name) => {
            format!("device: cpu for {what}: no GPU kernel for it (cuda ({name}) unused)")
        }
    }
}

/// Print a JSON value on stdout.
pub fn print_json(v: &serde_json::Value) -> Result<()> {
    println!(
        "{}",
        serde_json::to_string_pretty(v).expect("JSON values always serialize")
    );
    Ok(())
}

/// Print rows as an aligned text table.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut w: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.len());
        }
    }
    let line = |cells: Vec<&str>| {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:>w$}", w = w[i]))
            .collect::<Vec<_>>()
            .join("  ")
    };
    println!("{}", line(header.to_vec()));
    for r in rows {
        println!("{}", line(r.iter().map(|s| s.as_str()).collect()));
    }
}

/// Progress bars on stderr (hidden when stderr is not a terminal, as indicatif does).
pub struct Bars {
    multi: MultiProgress,
    current: Mutex<Option<ProgressBar>>,
}

impl Bars {
    /// New, empty set of bars.
    pub fn new() -> Self {
        Self {
            multi: MultiProgress::new(),
            current: Mutex::new(None),
        }
    }
}

impl Progress for Bars {
    fn start(&self, label: &str, total: u64) {
        let pb = self.multi.add(ProgressBar::new(total));
        pb.set_style(
            ProgressStyle::with_template(
                "{prefix:>28} [{bar:30}] {pos}/{len} {elapsed_precise} eta {eta}",
            )
            .expect("static template")
            .progress_chars("=> "),
        );
        pb.set_prefix(label.to_string());
        *self.current.lock().expect("progress lock") = Some(pb);
    }
    fn inc(&self, n: u64) {
        if let Some(pb) = self.current.lock().expect("progress lock").as_ref() {
            pb.inc(n);
        }
    }
    fn finish(&self) {
        if let Some(pb) = self.current.lock().expect("progress lock").take() {
            pb.finish();
        }
    }
}

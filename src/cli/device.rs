//! `veristat device`.

use clap::Args;
use veristat::Result;

/// List GPUs and check every kernel against its CPU twin.
#[derive(Debug, Args)]
pub struct DeviceArgs {
    /// Rows of the test design for the Xᵀ R check.
    #[arg(long, default_value_t = 20000)]
    pub n: usize,
    /// Columns of the test design.
    #[arg(long, default_value_t = 2000)]
    pub d: usize,
    /// expfam: risk replicates (one GPU thread each).
    #[arg(long, default_value_t = 1_000_000)]
    pub replicates: usize,
    /// expfam: observations per replicate.
    #[arg(long, default_value_t = 200)]
    pub n_obs: usize,
    /// ldp: users.
    #[arg(long, default_value_t = 1_000_000)]
    pub users: usize,
    /// ldp: features per user.
    #[arg(long, default_value_t = 16)]
    pub ldp_d: usize,
    /// ldp-iht: replicates per round launch (d is --ldp-d).
    #[arg(long, default_value_t = 16)]
    pub iht_replicates: usize,
    /// ldp-iht: users per replicate in the round.
    #[arg(long, default_value_t = 200_000)]
    pub iht_users: usize,
    /// echo: frequency bins of the test spectrum.
    #[arg(long, default_value_t = 40_000)]
    pub bins: usize,
    /// echo: parameter points per batch.
    #[arg(long, default_value_t = 20_000)]
    pub points: usize,
    /// Seed of the random inputs (default: from the clock, printed, so a run can be repeated).
    #[arg(long)]
    pub seed: Option<u64>,
}

#[cfg(not(feature = "cuda"))]
pub fn run(_a: DeviceArgs) -> Result<()> {
    Err(veristat::Error::GpuUnavailable(
        "this binary was built without the `cuda` feature (cargo build --release --features cuda)"
            .into(),
    ))
}

/// Prints the libraries, the device and the agreement-and-speed table; exits with status 1 when
/// a kernel disagrees with its twin (2, through the error path, when there is no GPU).
#[cfg(feature = "cuda")]
pub fn run(a: DeviceArgs) -> Result<()> {
    use veristat::device::cuda::{self, Gpu};
    use veristat::gpu::checks::{self, Sizes, TOL};
    cuda::preflight()?;
    let g = Gpu::open(veristat::registry::SOURCES)?;
    let (name, mem, (maj, min)) = g.describe()?;
    for l in cuda::libraries() {
        println!(
            "library {:<7} {}",
            l.name,
            if l.found { "found" } else { "MISSING" }
        );
    }
    println!(
        "device 0: {name} (sm_{maj}{min}), {:.1} GiB; CPU twins on {} threads",
        mem as f64 / (1u64 << 30) as f64,
        rayon::current_num_threads()
    );
    // What `--device auto` resolves to on this machine (the line other commands print).
    println!(
        "--device auto resolves to {}",
        veristat::device::resolve(veristat::device::DeviceChoice::Auto)?
    );
    println!(
        "NVRTC: {} kernels compiled and loaded in {:.2} s",
        veristat::registry::kernel_names().len(),
        g.compile_seconds()?
    );
    let seed = a.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
    });
    println!("inputs from seed {seed} (repeat with --seed {seed})");
    let sizes = Sizes {
        xtr_n: a.n,
        xtr_d: a.d,
        expfam_replicates: a.replicates,
        expfam_n: a.n_obs,
        ldp_users: a.users,
        ldp_d: a.ldp_d,
        // The slope claims' hardest point: d = 16 (2^17 cells), 256 replicates.
        cells_replicates: 256,
        cells_d: 16,
        echo_bins: a.bins,
        echo_points: a.points,
        iht_replicates: a.iht_replicates,
        iht_users: a.iht_users,
    };
    let rows = checks::all(&g, &sizes, seed)?;
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.kernel.clone(),
                r.size.clone(),
                format!("{:.3}", r.gpu_s * 1e3),
                format!("{:.3}", r.cpu_s * 1e3),
                format!("{:.1}", r.cpu_s / r.gpu_s),
                r.library_s
                    .map_or("-".into(), |l| format!("{:.3}", l * 1e3)),
                r.library_s
                    .map_or("-".into(), |l| format!("{:.1}", l / r.gpu_s)),
                format!("{:.2} {}", r.rate, r.unit),
                format!("{:.2e}", r.rel_err),
                if r.ok { "yes".into() } else { "NO".into() },
            ]
        })
        .collect();
    super::print_table(
        &[
            "kernel",
            "size",
            "gpu ms (incl. copies)",
            "cpu ms (all cores)",
            "cpu/gpu",
            "lib cpu ms",
            "lib/gpu",
            "gpu rate",
            "rel err",
            "ok",
        ],
        &cells,
    )?;
    println!("rel err = max|gpu - cpu| / max|cpu| over each output; ok when <= {TOL:e}");
    println!(
        "cpu = the kernel's CPU twin (same Philox numbers); lib cpu = the library's existing CPU code \
         for the same work (ChaCha streams), where it differs from the twin"
    );
    if rows.iter().any(|r| !r.ok) {
        eprintln!("a kernel disagrees with its CPU twin (rows marked NO)");
        std::process::exit(1);
    }
    Ok(())
}

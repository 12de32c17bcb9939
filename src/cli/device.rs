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
}

#[cfg(not(feature = "cuda"))]
pub fn run(_a: DeviceArgs) -> Result<()> {
    Err(veristat::Error::GpuUnavailable(
        "this binary was built without the `cuda` feature (cargo build --release --features cuda)"
            .into(),
    ))
}

#[cfg(feature = "cuda")]
pub fn run(a: DeviceArgs) -> Result<()> {
    use nalgebra::DMatrix;
    use rand::RngExt;
    use std::time::Instant;
    use veristat::gpu::{self, Gpu};
    gpu::preflight()?;
    let g = Gpu::get()?;
    let (name, mem, (maj, min)) = g.describe()?;
    for l in gpu::libraries() {
        println!(
            "library {:<7} {}",
            l.name,
            if l.found { "found" } else { "MISSING" }
        );
    }
    println!(
        "device 0: {name} (sm_{maj}{min}), {:.1} GiB",
        mem as f64 / (1u64 << 30) as f64
    );
    let mut rng = veristat::rng::stream(1, "veristat-device", 0);
    let x = DMatrix::from_fn(a.n, a.d, |_, _| rng.random::<f64>() - 0.5);
    let r = DMatrix::from_fn(a.n, 8, |_, _| rng.random::<f64>() - 0.5);
    g.xt_r(&x, &r)?; // warm-up: handle and workspace creation stay out of the timing
    let t = Instant::now();
    let gpu_out = g.xt_r(&x, &r)?;
    let gpu_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let cpu_out = x.tr_mul(&r);
    let cpu_s = t.elapsed().as_secs_f64();
    let rel = (&gpu_out - &cpu_out).norm() / cpu_out.norm();
    let bytes = (a.n * a.d * 8) as f64;
    super::print_table(
        &[
            "kernel",
            "size",
            "gpu ms (incl. copies)",
            "cpu ms",
            "cpu/gpu",
            "GB/s",
            "rel err",
            "ok",
        ],
        &[vec![
            "sparse Xᵀ R (DGEMM)".into(),
            format!("{}x{}x8", a.n, a.d),
            format!("{:.3}", gpu_s * 1e3),
            format!("{:.3}", cpu_s * 1e3),
            format!("{:.1}", cpu_s / gpu_s),
            format!("{:.1}", bytes / gpu_s / 1e9),
            format!("{rel:.2e}"),
            if rel <= 1e-12 {
                "yes".into()
            } else {
                "NO".into()
            },
        ]],
    );
    Ok(())
}

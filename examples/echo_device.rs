//! An echo search routed through a device's batch interface on the CPU twins
//! ([`veristat::device::Device::Twins`]: the GPU kernel's arithmetic, no GPU needed), with the sampler's
//! batch statistics: how many batched likelihood calls a search makes and how many points each
//! carries, which is what decides whether a GPU can beat the CPU. Prints one JSON object.
//!
//! ```text
//! cargo run --release --no-default-features --example echo_device -- \
//!     DATA.csv toy A0 [nlive] [walks] [seed] [batch]     # the 3-parameter toy of echo_toy
//! cargo run --release --no-default-features --example echo_device -- \
//!     DATA.csv benchmark [nlive] [walks] [seed] [batch]  # `veristat echo search`'s prior
//! ```
//!
//! `DATA.csv` is a spectrum with a header line and columns frequency, real, imaginary, psd
//! (`benches/peers/echo.py`'s toy, or `veristat echo inject`). `batch` is the number of
//! replacements per iteration `K`: a number, `cpu` (`nlive / 50`, the default) or `device`
//! ([`veristat::echo::device_batch`], what `echo search --device cuda` uses). The random stream
//! is `echo_toy`'s (toy) or `veristat echo search`'s (benchmark) for the same seed.
//!
//! `before_*` are the figures of the sampler before its random walks were batched, for the same
//! run: the uniform-proposal rounds were batches, and each walk step inside the cube was a call
//! of its own.

use std::time::Instant;
use veristat::device::Device;
use veristat::echo::{C64, CombPrior, LikelihoodKind, Spectrum, device_batch, search_on};
use veristat::inference::NestedParams;

fn read(path: &str) -> veristat::Result<Spectrum> {
    let text = std::fs::read_to_string(path).map_err(|e| veristat::Error::io(path, e))?;
    let (mut f, mut d, mut s) = (Vec::new(), Vec::new(), Vec::new());
    for line in text.lines().skip(1) {
        let c: Vec<f64> = line
            .split(',')
            .map(|x| x.trim().parse().unwrap_or(f64::NAN))
            .collect();
        if c.len() < 4 {
            return Err(veristat::Error::InvalidData(format!(
                "{path}: a row with {} columns (need frequency, real, imaginary, psd)",
                c.len()
            )));
        }
        f.push(c[0]);
        d.push(C64::new(c[1], c[2]));
        s.push(c[3]);
    }
    Spectrum::new(f, d, s)
}

fn main() -> veristat::Result<()> {
    let usage = "usage: echo_device DATA.csv (toy A0 | benchmark) [nlive] [walks] [seed] [batch]";
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).expect(usage);
    let spec = read(path)?;
    let (prior, stream, rest) = match args.get(2).map(String::as_str) {
        Some("toy") => {
            let a0: f64 = args.get(3).and_then(|s| s.parse().ok()).expect(usage);
            let fmax = spec.freq()[spec.len() - 1];
            let prior = CombPrior::toy(2.0, 3.0 * a0, (10.0, 40.0), (0.0, fmax));
            (prior, "echo-toy-search", &args[4..])
        }
        Some("benchmark") => {
            let mean_abs = spec.data().iter().map(|z| z.norm()).sum::<f64>() / spec.len() as f64;
            let prior = CombPrior::benchmark(spec.duration(), mean_abs);
            (prior, "echo-search", &args[3..])
        }
        _ => panic!("{usage}"),
    };
    let nlive: usize = rest.first().and_then(|s| s.parse().ok()).unwrap_or(500);
    let walks: usize = rest.get(1).and_then(|s| s.parse().ok()).unwrap_or(25);
    let seed: u64 = rest.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let mut params = NestedParams::new(nlive).walks(walks);
    match rest.get(3).map(String::as_str) {
        None | Some("cpu") => {}
        Some("device") => params = params.batch(device_batch(nlive)),
        Some(k) => {
            let k = k.parse().map_err(|_| {
                veristat::Error::param("batch", k, "must be a number, `cpu` or `device`")
            })?;
            params = params.batch(k);
        }
    }
    let t = Instant::now();
    let mut rng = veristat::rng::stream(seed, stream, 0);
    let res = search_on(
        &spec,
        &prior,
        LikelihoodKind::New,
        &params,
        &mut rng,
        &Device::Twins,
    )?;
    let secs = t.elapsed().as_secs_f64();
    let d = &res.nested.diagnostics;
    let before_batches = d.batches - d.walk_batches;
    let before_points = d.batch_points - d.walk_points;
    println!(
        "{{\"log_bayes_factor\": {}, \"log_bayes_factor_err\": {}, \"nlive\": {nlive}, \"batch\": {}, \"iterations\": {}, \"n_likelihood_calls\": {}, \"batches\": {}, \"batch_points\": {}, \"mean_batch\": {:.1}, \"walk_batches\": {}, \"walk_points\": {}, \"before_batches\": {before_batches}, \"before_mean_batch\": {:.1}, \"before_single_calls\": {}, \"uniform_fraction\": {:.3}, \"seconds\": {secs:.2}, \"threads\": {}}}",
        res.log_bayes_factor,
        res.log_bayes_factor_err,
        params.batch,
        d.iterations,
        res.n_likelihood_calls,
        d.batches,
        d.batch_points,
        d.batch_points as f64 / d.batches.max(1) as f64,
        d.walk_batches,
        d.walk_points,
        before_points as f64 / before_batches.max(1) as f64,
        d.walk_points,
        d.uniform_fraction,
        rayon::current_num_threads()
    );
    Ok(())
}

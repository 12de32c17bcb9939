//! Inject the Xin et al. echo benchmark (10 echoes) into white noise and search it with both
//! phase-marginalised likelihoods, as a user would: `cargo run --release --example echo [nlive]`.

use std::time::Instant;
use veristat::echo::{
    Benchmark, CombPrior, LikelihoodKind, PsdModel, ReferenceSpectrum, search, simulate,
};
use veristat::inference::NestedParams;

fn main() -> veristat::Result<()> {
    let nlive: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(400);
    let bench = Benchmark::Xin;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("datasets/echo")
        .join(bench.file_name(10));
    let reference = ReferenceSpectrum::read(&path)?;
    let (freq, h) = reference.positive_half();
    let mut rng = veristat::rng::stream(7, "echo-example", 0);
    let psd = PsdModel::WhiteWelch {
        dt: reference.dt(),
        nfft: 2048,
        segments: 2000,
    };
    let real = simulate(&freq, &h, bench.injection_amplitude(), psd, &mut rng)?;
    let prior = CombPrior::benchmark(reference.duration(), real.mean_abs_noise);
    println!(
        "{} bins, T = {:.1} M, nlive = {nlive}",
        freq.len(),
        reference.duration()
    );
    for kind in [LikelihoodKind::New, LikelihoodKind::Old] {
        let t = Instant::now();
        let res = search(
            &real.spectrum,
            &prior,
            kind,
            &NestedParams::new(nlive),
            &mut rng,
        )?;
        let secs = t.elapsed().as_secs_f64();
        println!(
            "{:>3}: ln B = {:7.2} ± {:.2}   calls = {:9}   {:6.2} s ({:.2} µs/call)   spacing median = {:.6e} (1/Δt_echo = 1.1493e-3)",
            kind.name(),
            res.log_bayes_factor,
            res.log_bayes_factor_err,
            res.n_likelihood_calls,
            secs,
            1e6 * secs / res.n_likelihood_calls as f64,
            res.posterior_median
                .iter()
                .find(|(n, _)| *n == "spacing")
                .map_or(f64::NAN, |p| p.1),
        );
    }
    Ok(())
}

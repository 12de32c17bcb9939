//! The spec's 3-parameter toy search (§5: 4000 bins, T = 4 s, white S = 1, γ = 2 s⁻¹ fixed,
//! Δ ~ U(10, 40) Hz, φ ~ U(0, 1), A ~ U(0, 3A₀)) on a CSV written by `benches/peers/echo.py`,
//! plus single-thread likelihood throughput. Prints one JSON object.
//!
//! `cargo run --release --example echo_toy -- DATA.csv A0 [nlive] [walks] [seed]`

use rand::RngExt;
use std::time::Instant;
use veristat::echo::{C64, CombLikelihood, CombPrior, LikelihoodKind, Spectrum, search};
use veristat::inference::NestedParams;

fn read(path: &str) -> veristat::Result<Spectrum> {
    let text = std::fs::read_to_string(path).map_err(|e| veristat::Error::io(path, e))?;
    let (mut f, mut d, mut s) = (Vec::new(), Vec::new(), Vec::new());
    for line in text.lines().skip(1) {
        let c: Vec<f64> = line
            .split(',')
            .map(|x| x.trim().parse().unwrap_or(f64::NAN))
            .collect();
        f.push(c[0]);
        d.push(C64::new(c[1], c[2]));
        s.push(c[3]);
    }
    Spectrum::new(f, d, s)
}

fn main() -> veristat::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .expect("usage: echo_toy DATA.csv A0 [nlive] [walks] [seed]");
    let a0: f64 = args.get(2).and_then(|s| s.parse().ok()).expect("A0");
    let nlive: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(500);
    let walks: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(25);
    let seed: u64 = args.get(5).and_then(|s| s.parse().ok()).unwrap_or(1);
    let spec = read(path)?;
    let fmax = spec.freq()[spec.len() - 1];
    let prior = CombPrior::toy(2.0, 3.0 * a0, (10.0, 40.0), (0.0, fmax));

    // Throughput: single-threaded evaluations at prior draws.
    let mut rng = veristat::rng::stream(seed, "echo-toy-throughput", 0);
    let pts: Vec<_> = (0..20_000)
        .map(|_| prior.transform(&[rng.random(), rng.random(), rng.random()]))
        .collect();
    let mut rates = Vec::new();
    for kind in [LikelihoodKind::New, LikelihoodKind::Old] {
        let lik = CombLikelihood::new(&spec, kind);
        let t = Instant::now();
        let mut acc = 0.0;
        for p in &pts {
            acc += lik.log_ratio(p);
        }
        let secs = t.elapsed().as_secs_f64();
        assert!(acc.is_finite());
        rates.push(pts.len() as f64 / secs);
    }

    let t = Instant::now();
    let mut rng = veristat::rng::stream(seed, "echo-toy-search", 0);
    let res = search(
        &spec,
        &prior,
        LikelihoodKind::New,
        &NestedParams::new(nlive).walks(walks),
        &mut rng,
    )?;
    let secs = t.elapsed().as_secs_f64();
    let med: Vec<String> = res
        .posterior_median
        .iter()
        .map(|(n, v)| format!("\"{n}\": {v}"))
        .collect();
    println!(
        "{{\"log_bayes_factor\": {}, \"log_bayes_factor_err\": {}, \"n_likelihood_calls\": {}, \"seconds\": {}, \"posterior_median\": {{{}}}, \"new_calls_per_second\": {}, \"old_calls_per_second\": {}, \"threads\": {}}}",
        res.log_bayes_factor,
        res.log_bayes_factor_err,
        res.n_likelihood_calls,
        secs,
        med.join(", "),
        rates[0],
        rates[1],
        rayon::current_num_threads()
    );
    Ok(())
}

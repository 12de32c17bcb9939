//! Likelihood throughput of the comb search: new and old phase-marginalised likelihoods on the
//! spec's 4000-bin toy and on the Xin benchmark (N = 10) at random prior points.
//! The search against dynesty is `benches/peers/echo.py`.

use criterion::{Criterion, criterion_group, criterion_main};
use rand::RngExt;
use std::hint::black_box;
use veristat::echo::template::{DurationFactor, qnm_comb};
use veristat::echo::{
    Benchmark, CombLikelihood, CombParams, CombPrior, LikelihoodKind, PsdModel, ReferenceSpectrum,
    simulate,
};

fn bench(c: &mut Criterion) {
    let mut rng = veristat::rng::stream(1, "echo-bench", 0);
    // Toy: 4000 bins, T = 4 s, S = 1, comb Δ = 20 Hz, γ = 2.
    let freq: Vec<f64> = (0..4000).map(|k| k as f64 * 0.25).collect();
    let truth = CombParams {
        width: 2.0,
        amplitude: 1.0,
        phase: 0.37,
        spacing: 20.0,
        fmin: 0.0,
        fmax: 999.75,
    };
    let (h, _) = qnm_comb(&freq, &truth, 4.0, DurationFactor::Reference);
    let toy = simulate(&freq, &h, 0.5, PsdModel::Known(vec![1.0; 4000]), &mut rng).unwrap();
    let toy_prior = CombPrior::toy(2.0, 1.5, (10.0, 40.0), (0.0, 999.75));
    let toy_pts: Vec<CombParams> = (0..256)
        .map(|_| toy_prior.transform(&[rng.random(), rng.random(), rng.random()]))
        .collect();

    let r = ReferenceSpectrum::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("datasets/echo")
            .join(Benchmark::Xin.file_name(10)),
    )
    .unwrap();
    let (bf, bh) = r.positive_half();
    let real = simulate(
        &bf,
        &bh,
        160.0,
        PsdModel::WhiteExact { dt: r.dt() },
        &mut rng,
    )
    .unwrap();
    let prior = CombPrior::benchmark(r.duration(), real.mean_abs_noise);
    let pts: Vec<CombParams> = (0..256)
        .map(|_| {
            loop {
                let p = prior.transform(&(0..6).map(|_| rng.random()).collect::<Vec<f64>>());
                if prior.satisfies_constraint(&p) {
                    break p;
                }
            }
        })
        .collect();

    let mut g = c.benchmark_group("echo-likelihood");
    g.sample_size(20)
        .measurement_time(std::time::Duration::from_secs(3));
    for kind in [LikelihoodKind::New, LikelihoodKind::Old] {
        let lik = CombLikelihood::new(&toy.spectrum, kind);
        g.bench_function(format!("toy-4000-bins-{}-x256", kind.name()), |b| {
            b.iter(|| {
                toy_pts
                    .iter()
                    .map(|p| lik.log_ratio(black_box(p)))
                    .sum::<f64>()
            })
        });
        let lik = CombLikelihood::new(&real.spectrum, kind);
        g.bench_function(format!("xin-n10-{}-x256", kind.name()), |b| {
            b.iter(|| pts.iter().map(|p| lik.log_ratio(black_box(p))).sum::<f64>())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

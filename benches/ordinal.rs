//! Criterion benchmarks of the `ordinal` module: proportional odds, one PRESTO fit, a PRESTO
//! path, and AUROC / average precision. The peer comparison (statsmodels) is
//! benches/peers/ordinal.py.
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use veristat::estimator::{Fit, ParamGuard};
use veristat::metrics;
use veristat::ordinal::simulate::{Design, Differences};
use veristat::ordinal::{PrestoParams, PrestoPathParams, ProportionalOddsParams};

fn bench(c: &mut Criterion) {
    let mut rng = veristat::rng::stream(1, "bench-ordinal", 0);
    let design = Design {
        n: 10_000,
        p: 20,
        intercepts: vec![0.0, 3.0, 5.0],
        differences: Differences::Sparse { pi: 0.5 },
    };
    let sim = design.simulate(&mut rng).expect("simulation");
    let mut g = c.benchmark_group("ordinal");
    g.sample_size(10);
    g.bench_function("po_n10000_p20_k4", |b| {
        b.iter(|| {
            ProportionalOddsParams::new()
                .fit(black_box(&sim.data))
                .unwrap()
        })
    });
    let path = PrestoPathParams::new()
        .standardize(true)
        .n_lambdas(20)
        .lambda_ratio(0.01)
        .check()
        .unwrap();
    let lmax = path.lambda_max(&sim.data).unwrap();
    let presto = PrestoParams::new(0.05 * lmax)
        .standardize(true)
        .check()
        .unwrap();
    g.bench_function("presto_fit_n10000_p20_k4", |b| {
        b.iter(|| presto.fit(black_box(&sim.data)).unwrap())
    });
    g.bench_function("presto_path20_n10000_p20_k4", |b| {
        b.iter(|| path.fit(black_box(&sim.data)).unwrap())
    });
    let y: Vec<bool> = sim.data.y().iter().map(|&v| v == 3).collect();
    let s = sim.rare_probability.clone();
    g.bench_function("auroc_ap_n10000", |b| {
        b.iter(|| {
            (
                metrics::auroc(&y, black_box(&s)).unwrap(),
                metrics::average_precision(&y, &s).unwrap(),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

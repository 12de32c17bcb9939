//! Criterion benchmarks of the `ordinal` module: proportional odds, one PRESTO fit, a PRESTO
//! path, and AUROC / average precision. The peer comparison (statsmodels) is
//! benches/peers/ordinal.py.
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use veristat::metrics;
use veristat::ordinal::simulate::{Design, Differences};
use veristat::ordinal::{Presto, ProportionalOdds};

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
        b.iter(|| ProportionalOdds::new().fit(black_box(&sim.data)).unwrap())
    });
    let presto = Presto::new().standardize(true);
    let lmax = presto.lambda_max(&sim.data).unwrap();
    g.bench_function("presto_fit_n10000_p20_k4", |b| {
        b.iter(|| presto.fit(black_box(&sim.data), 0.05 * lmax).unwrap())
    });
    g.bench_function("presto_path20_n10000_p20_k4", |b| {
        b.iter(|| presto.path(black_box(&sim.data), 20, 0.01).unwrap())
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

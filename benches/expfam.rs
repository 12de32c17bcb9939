//! Monte Carlo replicate cost for the two benchmark cases (normal vs Gamma(4), n = 100; diagonal
//! Gaussian d = 20 vs AR(1) Gaussian truth, n = 100) and the cost of the exact expansion terms.
//! The numpy comparison is `benches/peers/expfam.py`.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::sync::Arc;
use veristat::expfam::families::{Gaussian, Structure};
use veristat::expfam::risk::{self, RiskSimulation};
use veristat::expfam::truth::Truth;

fn bench(c: &mut Criterion) {
    let a = RiskSimulation::new(
        Arc::new(Gaussian::normal()),
        &Truth::parse("gamma:4", 1).unwrap(),
    )
    .unwrap();
    let g20 = RiskSimulation::new(
        Arc::new(Gaussian::new(20, Structure::Diagonal).unwrap()),
        &Truth::parse("gaussian-ar:0.5", 20).unwrap(),
    )
    .unwrap();
    let mut rng = veristat::rng::stream(1, "bench", 0);
    c.bench_function("expfam replicate normal-gamma n=100", |b| {
        b.iter(|| black_box(a.replicate(100, &mut rng).unwrap()))
    });
    c.bench_function("expfam replicate gauss20 n=100", |b| {
        b.iter(|| black_box(g20.replicate(100, &mut rng).unwrap()))
    });
    let full = Gaussian::new(8, Structure::Full).unwrap();
    let truth = Truth::parse("gaussian-ar:0.5", 8).unwrap();
    c.bench_function("expfam exact terms gaussian-full d=8 (p=44)", |b| {
        b.iter(|| black_box(risk::exact_terms(&full, &truth).unwrap()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Criterion benchmark of the `multiplicity` module: viable prediction ranges of every
//! breast-cancer training point at ε = 1% of J* (1138 certified solves), plus one point's range
//! and the baseline fit.
use criterion::{Criterion, criterion_group, criterion_main};
use nalgebra::{DMatrix, DVector};
use std::hint::black_box;
use veristat::estimator::{Fit, ParamGuard, RegressionData};
use veristat::multiplicity::{Epsilon, LevelSet, LogisticParams};

fn breast_cancer() -> (DMatrix<f64>, DVector<f64>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/breast_cancer.csv");
    let ds = veristat::data::read_table(path)
        .unwrap()
        .dataset("target", None, &[])
        .unwrap();
    (ds.x, ds.y)
}

fn bench(c: &mut Criterion) {
    let (x, y) = breast_cancer();
    let params = LogisticParams::new(1.0 / 569.0)
        .standardize(true)
        .check()
        .unwrap();
    let data = RegressionData::new(x, y).unwrap();
    c.bench_function("multiplicity/fit breast cancer", |b| {
        b.iter(|| params.fit(black_box(&data)).unwrap())
    });
    let fit = params.fit(&data).unwrap();
    let set = LevelSet::new(&fit, Epsilon::Relative(0.01)).unwrap();
    let a3 = fit.objective.row(3);
    c.bench_function("multiplicity/one point (2 solves)", |b| {
        b.iter(|| set.score_range(black_box(&a3)).unwrap())
    });
    let mut g = c.benchmark_group("multiplicity/all points");
    g.sample_size(10);
    g.bench_function("569 points (1138 solves), eps 1% rel", |b| {
        b.iter(|| set.all_training_ranges().unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

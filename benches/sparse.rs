//! Criterion benchmarks of the Lasso path (spec §3 timings table and §6 check 7):
//! the synthetic 100-alpha path on n = 10 000, d = 2 000, k = 20 (iid N(0,1) design, sigma 0.5,
//! seeded), and the diabetes path. `benches/peers/sparse.py` times scikit-learn and celer on the
//! same kind of data in one run.
use criterion::{Criterion, criterion_group, criterion_main};
use nalgebra::{DMatrix, DVector};
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};
use std::hint::black_box;
use veristat::estimator::{Fit, RegressionData};
use veristat::sparse::PathParams;

fn synthetic(n: usize, d: usize, k: usize) -> (DMatrix<f64>, DVector<f64>) {
    let mut rng = veristat::rng::stream(0, "sparse-bench", 0);
    let x = DMatrix::from_fn(n, d, |_, _| {
        let z: f64 = StandardNormal.sample(&mut rng);
        z
    });
    let mut w = DVector::zeros(d);
    let mut placed = 0;
    while placed < k {
        let j = rng.random_range(0..d);
        if w[j] == 0.0 {
            w[j] = StandardNormal.sample(&mut rng);
            placed += 1;
        }
    }
    let noise = DVector::from_fn(n, |_, _| {
        let z: f64 = StandardNormal.sample(&mut rng);
        0.5 * z
    });
    let y = &x * &w + noise;
    (x, y)
}

fn diabetes() -> (DMatrix<f64>, DVector<f64>) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/datasets/diabetes.csv"
    ))
    .unwrap();
    let rows: Vec<Vec<f64>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    (
        DMatrix::from_fn(rows.len(), 10, |i, j| rows[i][j]),
        DVector::from_fn(rows.len(), |i, _| rows[i][10]),
    )
}

fn bench(c: &mut Criterion) {
    let params = PathParams::new().n_alphas(100).eps(1e-3).tol(1e-4);
    let (x, y) = diabetes();
    let data = RegressionData::new(x, y).unwrap();
    c.bench_function("lasso_path diabetes 442x10, 100 alphas", |b| {
        b.iter(|| params.fit(black_box(&data)).unwrap())
    });
    let (x, y) = synthetic(10_000, 2_000, 20);
    let data = RegressionData::new(x, y).unwrap();
    let mut g = c.benchmark_group("synthetic");
    g.sample_size(10);
    g.bench_function("lasso_path n=10000 d=2000 k=20, 100 alphas", |b| {
        b.iter(|| params.fit(black_box(&data)).unwrap())
    });
    // The floor of any covariance-mode path on this design (scikit-learn's and veristat's
    // alike): the lower triangle of X^T X, n d^2 / 2 = 2e10 multiply-adds, as the engine forms
    // it (faer), on one thread.
    let xv = faer::MatRef::from_column_major_slice(data.x().as_slice(), 10_000, 2_000);
    g.bench_function("X^T X lower triangle n=10000 d=2000, 1 thread", |b| {
        use faer::linalg::matmul::triangular::{BlockStructure, matmul};
        let mut gram = faer::Mat::<f64>::zeros(2_000, 2_000);
        b.iter(|| {
            matmul(
                gram.as_mut(),
                BlockStructure::TriangularLower,
                faer::Accum::Replace,
                xv.transpose(),
                BlockStructure::Rectangular,
                black_box(xv),
                BlockStructure::Rectangular,
                1.0,
                faer::Par::Seq,
            )
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

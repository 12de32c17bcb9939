//! Criterion benchmark of the `ldp` module: privatized reports per second for every mechanism
//! (10⁵ reports per iteration) and the per-user NLDP estimator at n = 10⁴, d = 50.
//! The peer comparison at n = 10⁶ is `benches/peers/ldp.py`.
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use veristat::estimator::{ParamGuard, RegressionData};
use veristat::ldp::estimate::privatize_all;
use veristat::ldp::mechanisms;
use veristat::ldp::regression::NldpParams;
use veristat::ldp::regression::simulate::RademacherDesign;
use veristat::rng;

fn bench(c: &mut Criterion) {
    let n = 100_000;
    let mut g = c.benchmark_group("ldp-privatize");
    g.throughput(Throughput::Elements(n as u64));
    g.sample_size(10);
    for name in mechanisms::NAMES {
        let d = if [
            "duchi-l2",
            "duchi-linf",
            "laplace",
            "gaussian",
            "gaussian-analytic",
        ]
        .contains(name)
        {
            50
        } else {
            1
        };
        let m = mechanisms::by_name(name, 0.5, Some(1e-5), 16, d).unwrap();
        let x: Vec<f64> = match *name {
            "rr" => vec![1.0],
            "grr" | "oue" | "sue" | "olh" => vec![3.0],
            _ => vec![0.3; d],
        };
        let inputs = vec![x; n];
        let mut r = rng::stream(1, "bench", 0);
        g.bench_function(*name, |b| {
            b.iter(|| privatize_all(m.as_ref(), &inputs, &mut r).unwrap())
        });
    }
    g.finish();
    let design = RademacherDesign::new(50, 5, 0.5).unwrap();
    let mut r = rng::stream(2, "bench", 0);
    let (x, y) = design.sample(10_000, &mut r);
    let data = RegressionData::new(x, y).unwrap();
    let est = NldpParams::new(0.5, 1e-5).tau(1.0, 1.5).check().unwrap();
    let mut g = c.benchmark_group("ldp-nldp");
    g.sample_size(10);
    g.throughput(Throughput::Elements(10_000));
    g.bench_function("per-user n=1e4 d=50", |b| {
        b.iter(|| est.fit_with(&data, &mut r).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

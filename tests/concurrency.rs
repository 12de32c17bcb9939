//! Concurrency and memory (issue 20, item 8): library fits called from many threads at once,
//! each using rayon inside (column preparation, cross-validation folds, the nested sampler's
//! parallel replacements), give bit-identical results to the same fits run one after another;
//! and (ignored by default, a measurement) the peak memory of a 1e6 x 100 Lasso path.

use nalgebra::{DMatrix, DVector};
use rand_distr::{Distribution, StandardNormal};
use veristat::estimator::{Fit, Folds, ParamGuard, RegressionData};
use veristat::inference::{NestedParams, NestedSampler, PriorModel};
use veristat::multiplicity::LogisticParams;
use veristat::ordinal::{OrdinalData, ProportionalOddsParams};
use veristat::sparse::{LassoCvParams, PathParams};

fn normal(rng: &mut veristat::rng::Rng) -> f64 {
    <StandardNormal as Distribution<f64>>::sample(&StandardNormal, rng)
}

fn design(n: usize, p: usize, seed: u64) -> (DMatrix<f64>, DVector<f64>) {
    let mut rng = veristat::rng::stream(seed, "concurrency", 0);
    let x = DMatrix::from_fn(n, p, |_, _| normal(&mut rng));
    let y = DVector::from_fn(n, |i, _| {
        x[(i, 0)] - 2.0 * x[(i, 1 % p)] + 0.5 * x[(i, 2 % p)] + normal(&mut rng)
    });
    (x, y)
}

struct Gauss;

impl PriorModel for Gauss {
    fn dim(&self) -> usize {
        2
    }
    fn transform(&self, u: &[f64], t: &mut [f64]) {
        for (ti, ui) in t.iter_mut().zip(u) {
            *ti = -5.0 + 10.0 * ui;
        }
    }
    fn log_likelihood(&self, t: &[f64]) -> f64 {
        -0.5 * t.iter().map(|x| (x - 0.3).powi(2) / 0.25).sum::<f64>()
    }
}

fn bits<'a>(xs: impl IntoIterator<Item = &'a f64>) -> Vec<u64> {
    xs.into_iter().map(|x| x.to_bits()).collect()
}

/// Every fit of the test, as the bits of its numbers, one vector per fit.
fn fits(seed: u64) -> Vec<Vec<u64>> {
    let (x, y) = design(400, 30, seed);
    let data = RegressionData::new(x.clone(), y.clone()).unwrap();
    let path = PathParams::new()
        .n_alphas(30)
        .standardize(true)
        .fit(&data)
        .unwrap();
    let cv = LassoCvParams::new(PathParams::new().n_alphas(20))
        .folds(Folds::Shuffled { k: 5, seed })
        .fit(&data)
        .unwrap();
    let labels = DVector::from_fn(400, |i, _| f64::from(y[i] > 0.0));
    let logistic = LogisticParams::new(1e-3)
        .fit(&RegressionData::new(x.columns(0, 5).into_owned(), labels).unwrap())
        .unwrap();
    let classes: Vec<f64> = y
        .iter()
        .map(|v| f64::from(u8::from(*v > -1.0) + u8::from(*v > 1.0)))
        .collect();
    let ord = OrdinalData::from_labels(x.columns(0, 4).into_owned(), &classes, None).unwrap();
    let po = ProportionalOddsParams::new().fit(&ord).unwrap();
    let sampler = NestedSampler::new(NestedParams::new(60).batch(3), 2).unwrap();
    let mut rng = veristat::rng::stream(seed, "concurrency-nested", 0);
    let nested = sampler.run(&Gauss, &mut rng).unwrap();
    vec![
        bits(
            path.coefs
                .iter()
                .chain(&path.alphas)
                .chain(&path.intercepts),
        ),
        bits(cv.mean.iter().chain(&cv.se).chain([&cv.alpha_min])),
        bits(logistic.theta.iter()),
        bits(po.coef.iter().chain(&po.cutpoints).chain([&po.loglik])),
        bits(
            nested
                .samples
                .iter()
                .flat_map(|s| s.theta.iter().chain([&s.log_l, &s.log_w]))
                .chain([&nested.log_z]),
        ),
    ]
}

#[test]
fn fits_from_many_threads_at_once_equal_sequential_fits_bit_for_bit() {
    const THREADS: u64 = 8;
    let sequential: Vec<_> = (0..THREADS).map(fits).collect();
    // All at once, twice (the rayon pool is shared by every thread, so the work interleaves
    // differently each time).
    for _ in 0..2 {
        let concurrent: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..THREADS).map(|t| s.spawn(move || fits(t))).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (t, (a, b)) in sequential.iter().zip(&concurrent).enumerate() {
            for (k, name) in ["path", "cv", "logistic", "po", "nested"]
                .iter()
                .enumerate()
            {
                assert_eq!(
                    a[k], b[k],
                    "thread {t}: {name} differs from its sequential fit"
                );
            }
        }
    }
    // The fits differ between seeds (the comparison is not between constants).
    assert_ne!(sequential[0][0], sequential[1][0]);
}

#[test]
fn a_path_fitted_on_owned_data_equals_the_borrowed_fit_bit_for_bit() {
    for standardize in [false, true] {
        let (x, y) = design(300, 12, 3);
        let data = RegressionData::new(x, y).unwrap();
        let params = PathParams::new().n_alphas(25).standardize(standardize);
        let a = params.fit(&data).unwrap();
        let b = params.check().unwrap().fit_owned(data).unwrap();
        assert_eq!(bits(a.coefs.iter()), bits(b.coefs.iter()));
        assert_eq!(bits(&a.intercepts), bits(&b.intercepts));
        assert_eq!(bits(&a.alphas), bits(&b.alphas));
        assert_eq!(bits(&a.duality_gaps), bits(&b.duality_gaps));
    }
}

/// Peak resident memory of this process so far (Linux `VmHWM`), in bytes.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The measurement of docs/measurements/memory.md: a 1e6 x 100 Lasso path (X is 800 MB).
/// `cargo test --release --test concurrency -- --ignored --nocapture lasso_path_peak_memory`
/// (or run the test binary under `/usr/bin/time -v`).
#[test]
#[ignore = "a measurement: 1e6 x 100 design, several GB and tens of seconds"]
fn lasso_path_peak_memory() {
    let (n, p) = (1_000_000, 100);
    let mut rng = veristat::rng::stream(1, "memory", 0);
    let x = DMatrix::from_fn(n, p, |_, _| normal(&mut rng));
    let y = DVector::from_fn(n, |i, _| x[(i, 0)] - x[(i, 1)] + normal(&mut rng));
    let x_bytes = (n * p * 8) as f64;
    let before = peak_rss().unwrap_or(0) as f64;
    // The data move into RegressionData and then into the solver (`fit_owned`: no copy);
    // VERISTAT_MEMORY_BORROWED=1 measures `fit(&data)`, which centres a copy of X.
    let data = RegressionData::new(x, y).unwrap();
    let t0 = std::time::Instant::now();
    let path = if std::env::var_os("VERISTAT_MEMORY_BORROWED").is_some() {
        PathParams::new().n_alphas(100).fit(&data).unwrap()
    } else {
        PathParams::new()
            .n_alphas(100)
            .check()
            .unwrap()
            .fit_owned(data)
            .unwrap()
    };
    let secs = t0.elapsed().as_secs_f64();
    let peak = peak_rss().unwrap_or(0) as f64;
    println!(
        "lasso path {n} x {p}: {} alphas in {secs:.1} s; X {:.0} MB; peak RSS {:.0} MB before the fit, {:.0} MB after ({:.2} x X)",
        path.alphas.len(),
        x_bytes / 1e6,
        before / 1e6,
        peak / 1e6,
        peak / x_bytes
    );
}

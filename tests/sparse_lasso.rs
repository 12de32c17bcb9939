//! Lasso / elastic net: scikit-learn parity on diabetes, optimality certificates on random
//! problems, screening safety, cross-validation arithmetic, degenerate inputs, the CLI.
//!
//! Fixtures: `tests/fixtures/sparse/make_fixtures.py` (scikit-learn, numpy; versions recorded in
//! the JSON files).

mod common;

use nalgebra::{DMatrix, DVector};
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};
use serde_json::Value;
use veristat::Error;
use veristat::estimator::{Fit, Fitted, Folds, Predict, RegressionData};
use veristat::sparse::{
    ElasticNetParams, EnetPath, GramMode, Lasso, LassoCvParams, PathParams, PrecondLassoParams,
    Preconditioner, Screening, SolverOptions, alpha_max, kkt_residual,
};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn diabetes() -> (DMatrix<f64>, DVector<f64>) {
    let text = std::fs::read_to_string(format!("{ROOT}/datasets/diabetes.csv")).unwrap();
    let rows: Vec<Vec<f64>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    let n = rows.len();
    let x = DMatrix::from_fn(n, 10, |i, j| rows[i][j]);
    let y = DVector::from_fn(n, |i, _| rows[i][10]);
    (x, y)
}

fn data(x: &DMatrix<f64>, y: &DVector<f64>) -> RegressionData {
    RegressionData::new(x.clone(), y.clone()).unwrap()
}

/// The path of `params` on (x, y).
fn path(x: &DMatrix<f64>, y: &DVector<f64>, params: &PathParams) -> veristat::Result<EnetPath> {
    params.fit(&data(x, y))
}

/// `f` run on a rayon pool of `threads` threads.
fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

fn fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{ROOT}/tests/fixtures/sparse/{name}")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn diabetes_paths_match_sklearn() {
    let (x, y) = diabetes();
    let fx = fixture("diabetes_paths.json");
    for p in fx["paths"].as_array().unwrap() {
        let rho = p["l1_ratio"].as_f64().unwrap();
        let std = p["standardize"].as_bool().unwrap();
        let ours = path(
            &x,
            &y,
            &PathParams::new()
                .l1_ratio(rho)
                .standardize(std)
                .tol(1e-12)
                .max_iter(1_000_000),
        )
        .unwrap();
        let alphas = floats(&p["alphas"]);
        assert_eq!(ours.alphas.len(), 100);
        if rho == 1.0 && !std {
            assert!(
                (ours.alpha_max - 2.14804).abs() < 1e-5,
                "alpha_max {}",
                ours.alpha_max
            );
        }
        let mut worst = 0.0f64;
        for (k, row) in p["coefs"].as_array().unwrap().iter().enumerate() {
            assert!(
                (ours.alphas[k] - alphas[k]).abs() <= 1e-12 * alphas[k],
                "alpha {k}"
            );
            let sk = floats(row);
            let scale = sk.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let diff = sk
                .iter()
                .zip(ours.coefs.column(k).iter())
                .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
            if scale == 0.0 {
                assert_eq!(
                    diff, 0.0,
                    "rho {rho} std {std} alpha {k}: sklearn is all zero"
                );
            } else {
                worst = worst.max(diff / scale);
            }
            let b = floats(&p["intercepts"])[k];
            assert!(
                (ours.intercepts[k] - b).abs() <= 1e-6 * b.abs().max(1.0),
                "intercept at {k}"
            );
        }
        assert!(
            worst <= 1e-6,
            "rho {rho} standardize {std}: relative max|coef diff| {worst:e}"
        );
        println!(
            "rho {rho} standardize {std}: worst relative max|coef diff| over 100 alphas = {worst:.3e}"
        );
    }
}

fn gaussian(rng: &mut veristat::rng::Rng, n: usize, d: usize) -> DMatrix<f64> {
    DMatrix::from_fn(n, d, |_, _| StandardNormal.sample(rng))
}

/// A random sparse problem; some columns rescaled, one sometimes zero, noise sigma 0.5.
fn random_problem(case: u64) -> (DMatrix<f64>, DVector<f64>, f64, SolverOptions) {
    let mut rng = veristat::rng::stream(case, "sparse-lasso-tests", 0);
    let shapes = [(60, 20), (40, 200), (100, 10), (30, 300), (200, 50)];
    let (n, d) = shapes[(case % 5) as usize];
    let mut x = gaussian(&mut rng, n, d);
    for j in 0..d {
        let s = 10f64.powf(rng.random_range(-1.0..1.0));
        x.column_mut(j).scale_mut(s);
    }
    if case.is_multiple_of(7) {
        x.column_mut(d / 2).fill(0.0);
    }
    let k = 5.min(d);
    let mut w = DVector::zeros(d);
    for _ in 0..k {
        let j = rng.random_range(0..d);
        w[j] = rng.random_range(-2.0..2.0);
    }
    let noise = DVector::from_fn(n, |_, _| {
        let z: f64 = StandardNormal.sample(&mut rng);
        0.5 * z
    });
    let y = &x * &w + noise + DVector::from_element(n, 3.0);
    let rho = [1.0, 0.9, 0.5, 0.2, 1.0][(case / 5 % 5) as usize];
    let mut opts = SolverOptions {
        standardize: case.is_multiple_of(3),
        tol: 1e-13,
        max_iter: 1_000_000,
        ..Default::default()
    };
    if case % 4 == 1 {
        opts.weights = Some(DVector::from_fn(n, |_, _| rng.random_range(0.2..3.0)));
    }
    if case % 11 == 5 {
        opts.fit_intercept = false;
    }
    (x, y, rho, opts)
}

#[test]
fn certificates_and_screening_on_random_problems() {
    let mut worst_kkt = 0.0f64;
    let mut worst_diff = 0.0f64;
    for case in 0..50u64 {
        let (x, y, rho, opts) = random_problem(case);
        let params = PathParams::new()
            .l1_ratio(rho)
            .n_alphas(15)
            .eps(1e-2)
            .options(opts.clone());
        let on = path(&x, &y, &params).unwrap();
        let off_params = params
            .clone()
            .screening(Screening::none())
            .gram(GramMode::Never);
        let off = path(&x, &y, &off_params).unwrap();
        for k in 0..on.alphas.len() {
            assert!(
                on.converged[k] && off.converged[k],
                "case {case} alpha {k} not converged"
            );
            assert!(on.diagnostics().converged() && off.diagnostics().converged());
            assert_eq!(on.diagnostics().iterations, on.n_iter.iter().sum::<usize>());
            let worst = on
                .duality_gaps
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max);
            assert_eq!(
                on.diagnostics().certificate,
                veristat::estimator::Certificate::DualityGap {
                    gap: worst,
                    target: on.gap_tol
                }
            );
            assert!(
                on.duality_gaps[k] <= on.gap_tol,
                "case {case}: gap {} > {}",
                on.duality_gaps[k],
                on.gap_tol
            );
            assert!(off.duality_gaps[k] <= off.gap_tol);
            let coef = on.coef(k);
            let kkt = kkt_residual(&x, &y, &coef, on.alphas[k], rho, &opts).unwrap();
            worst_kkt = worst_kkt.max(kkt);
            assert!(kkt <= 1e-8, "case {case} alpha {k}: KKT residual {kkt:e}");
            let scale = coef.amax().max(off.coef(k).amax()).max(1.0);
            let diff = (&coef - off.coef(k)).amax() / scale;
            worst_diff = worst_diff.max(diff);
            assert!(
                diff <= 1e-10,
                "case {case} alpha {k}: screening on/off differ by {diff:e}"
            );
        }
    }
    println!(
        "50 problems: worst KKT residual {worst_kkt:.2e}, worst screening on/off diff {worst_diff:.2e}"
    );
}

#[test]
fn gram_and_naive_modes_agree() {
    let (x, y) = diabetes();
    let base = PathParams::new().tol(1e-12).max_iter(1_000_000);
    let g = path(&x, &y, &base.clone().gram(GramMode::Always)).unwrap();
    let n = path(&x, &y, &base.gram(GramMode::Never)).unwrap();
    assert!(g.used_gram && !n.used_gram);
    let diff = (&g.coefs - &n.coefs).amax() / g.coefs.amax();
    assert!(diff <= 1e-9, "{diff:e}");
}

/// `GramMode::Auto` on n >= 2d with d > 512: a dense path switches to covariance mode between two
/// alphas, a short sparse one never forms `X^T X`. The switched path and the naive one must each
/// be certified and agree within what their gaps allow: the objective is `mu`-strongly convex
/// with `mu = lambda_min(X^T X)`, so `||w - w*|| <= sqrt(2 gap / mu)` for each.
#[test]
fn auto_mode_switches_to_gram_on_dense_paths_only() {
    let mut rng = veristat::rng::stream(5, "auto-gram", 0);
    let (n, d) = (1200, 560);
    let x = gaussian(&mut rng, n, d);
    let truth = DVector::from_fn(d, |j, _| {
        if j % 3 == 0 {
            1.0 / (1.0 + j as f64).sqrt()
        } else {
            0.0
        }
    });
    let noise = gaussian(&mut rng, n, 1);
    let y = &x * &truth + noise.column(0) * 0.5;
    let base = PathParams::new().tol(1e-10).fit_intercept(false);
    let auto = path(&x, &y, &base).unwrap();
    let naive = path(&x, &y, &base.clone().gram(GramMode::Never)).unwrap();
    assert!(auto.used_gram && !naive.used_gram);
    assert_eq!(auto.alphas, naive.alphas);
    let nnz_last = auto
        .coefs
        .column(auto.alphas.len() - 1)
        .iter()
        .filter(|v| **v != 0.0)
        .count();
    assert!(
        nnz_last > 150,
        "the path should end dense: {nnz_last} nonzeros"
    );
    let mu = (x.transpose() * &x).symmetric_eigenvalues().min();
    assert!(mu > 0.0);
    // Rounding: a gap computed as exactly 0 still leaves the last bits of w free.
    let rounding = 1e-12 * naive.coefs.amax();
    for k in 0..auto.alphas.len() {
        for p in [&auto, &naive] {
            assert!(
                p.duality_gaps[k] <= p.gap_tol,
                "alpha {k}: gap {:e}",
                p.duality_gaps[k]
            );
        }
        let bound = (2.0 * auto.duality_gaps[k].max(0.0) / mu).sqrt()
            + (2.0 * naive.duality_gaps[k].max(0.0) / mu).sqrt()
            + rounding;
        let diff = (auto.coefs.column(k) - naive.coefs.column(k)).norm();
        assert!(diff <= bound, "alpha {k}: {diff:e} > {bound:e}");
    }
    // Forming X^T X with threads gives the same bits as without.
    let on = |threads: usize| on_threads(threads, || path(&x, &y, &base).unwrap());
    let (one, three) = (on(1), on(3));
    assert_eq!(one.coefs, three.coefs);
    assert_eq!(one.coefs, auto.coefs);
    assert_eq!(one.duality_gaps, three.duality_gaps);
    // Three alphas near alpha_max: a few nonzeros, never worth the Gram.
    let short = path(&x, &y, &base.clone().n_alphas(3).eps(0.5)).unwrap();
    assert!(!short.used_gram);
}

/// p >> n at a tight tolerance. Near the end of the path the support is nearly n columns and the
/// face it lies on is badly conditioned: coordinate descent alone creeps along it and some alphas
/// stop at the default cap of 10 000 epochs without meeting the gap (checked with the Newton step
/// switched off), while the Newton step on the support lands on the face's minimiser: 1068
/// epochs for the whole path. Every alpha is still certified by its duality gap.
#[test]
fn newton_steps_finish_tight_wide_paths_in_few_epochs() {
    let mut rng = veristat::rng::stream(7, "newton", 0);
    let (n, d) = (60, 3000);
    let x = gaussian(&mut rng, n, d);
    let truth = DVector::from_fn(d, |j, _| if j % 400 == 0 { 1.0 } else { 0.0 });
    let noise = gaussian(&mut rng, n, 1);
    let y = &x * &truth + noise.column(0) * 0.5;
    let p = path(&x, &y, &PathParams::new().tol(1e-10).n_alphas(50)).unwrap();
    assert!(p.converged.iter().all(|&c| c));
    for (k, g) in p.duality_gaps.iter().enumerate() {
        assert!(*g <= p.gap_tol, "alpha {k}: gap {g:e}");
    }
    let nnz_last = p
        .coefs
        .column(p.alphas.len() - 1)
        .iter()
        .filter(|v| **v != 0.0)
        .count();
    let epochs: usize = p.n_iter.iter().sum();
    println!("{nnz_last} nonzeros at the end, {epochs} epochs");
    assert!(nnz_last > n / 2, "{nnz_last}");
    assert!(epochs <= 2_000, "{epochs} epochs");
}

#[test]
fn cv_matches_numpy_reimplementation() {
    let (x, y) = diabetes();
    let fx = fixture("diabetes_cv.json");
    let foldid: Vec<i64> = fx["foldid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    let cv = LassoCvParams::new(PathParams::new().tol(1e-12).max_iter(1_000_000))
        .folds(Folds::Ids(foldid))
        .fit(&data(&x, &y))
        .unwrap();
    let (mean, se, alphas) = (
        floats(&fx["mean"]),
        floats(&fx["se"]),
        floats(&fx["alphas"]),
    );
    for k in 0..alphas.len() {
        assert!((cv.alphas[k] - alphas[k]).abs() <= 1e-12 * alphas[k]);
        assert!(
            (cv.mean[k] - mean[k]).abs() <= 1e-10 * mean[k],
            "mean at {k}: {} vs {}",
            cv.mean[k],
            mean[k]
        );
        assert!(
            (cv.se[k] - se[k]).abs() <= 1e-10 * se[k].max(1e-300),
            "se at {k}: {} vs {}",
            cv.se[k],
            se[k]
        );
    }
    let rel = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b;
    assert!(
        rel(cv.alpha_min, fx["alpha_min"].as_f64().unwrap()),
        "alpha_min {}",
        cv.alpha_min
    );
    assert!(
        rel(cv.alpha_1se, fx["alpha_1se"].as_f64().unwrap()),
        "alpha_1se {}",
        cv.alpha_1se
    );
    let (coef, b) = cv.refit_min();
    let direct = Lasso::new(cv.alpha_min)
        .tol(1e-12)
        .max_iter(1_000_000)
        .fit(&data(&x, &y))
        .unwrap();
    assert!((&coef - &direct.coef).amax() <= 1e-6 * coef.amax());
    assert!((b - direct.intercept).abs() <= 1e-6 * b.abs());
    println!("CV alpha_min {} alpha_1se {}", cv.alpha_min, cv.alpha_1se);
}

#[test]
fn sklearn_lassocv_alpha_on_diabetes() {
    // sklearn's LassoCV(cv=5): contiguous folds, tol 1e-4; its fold mean is unweighted while
    // ours is fold-size weighted (cv.glmnet), which can move the argmin by at most a grid step.
    let (x, y) = diabetes();
    let fx = fixture("diabetes_cv.json");
    let foldid: Vec<i64> = fx["sklearn_lassocv_foldid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    let cv = LassoCvParams::new(PathParams::new())
        .folds(Folds::Ids(foldid))
        .fit(&data(&x, &y))
        .unwrap();
    let sk = fx["sklearn_lassocv_alpha"].as_f64().unwrap();
    assert!((sk - 0.003754).abs() < 1e-6);
    println!("ours alpha_min {} sklearn LassoCV {}", cv.alpha_min, sk);
    assert!(
        (cv.alpha_min / sk).ln().abs() <= 1.01 * (1000f64.ln() / 99.0),
        "{} vs {sk}",
        cv.alpha_min
    );
}

#[test]
fn weights_equal_row_duplication() {
    let (x, y) = diabetes();
    let n = x.nrows();
    let w = DVector::from_fn(n, |i, _| (1 + i % 3) as f64);
    let rows: Vec<usize> = (0..n)
        .flat_map(|i| std::iter::repeat_n(i, 1 + i % 3))
        .collect();
    let (xd, yd) = (x.select_rows(&rows), y.select_rows(&rows));
    for std in [false, true] {
        let a = ElasticNetParams::new(0.05, 0.7)
            .standardize(std)
            .tol(1e-13)
            .weights(w.clone())
            .fit(&data(&x, &y))
            .unwrap();
        let b = ElasticNetParams::new(0.05, 0.7)
            .standardize(std)
            .tol(1e-13)
            .fit(&data(&xd, &yd))
            .unwrap();
        assert!(
            (&a.coef - &b.coef).amax() <= 1e-8 * b.coef.amax(),
            "std {std}"
        );
        assert!((a.intercept - b.intercept).abs() <= 1e-8 * b.intercept.abs());
    }
}

#[test]
fn preconditioned_lasso_column_normalization_closed_form() {
    // Diabetes columns have unit l2 norm, so S = D^{-1} = sqrt(n) I and the preconditioned Lasso
    // at alpha equals the plain Lasso at alpha / sqrt(n) (substitute u = sqrt(n) v).
    let (x, y) = diabetes();
    let c = (x.nrows() as f64).sqrt();
    let pre = PrecondLassoParams::new(Lasso::new(2.0).tol(1e-13))
        .preconditioner(Preconditioner::ColumnNormalization)
        .fit(&data(&x, &y))
        .unwrap();
    let plain = Lasso::new(2.0 / c).tol(1e-13).fit(&data(&x, &y)).unwrap();
    assert!((&pre.coef - &plain.coef).amax() <= 1e-8 * plain.coef.amax());
    // A user S: predictions X w = (X S) v.
    let s = DMatrix::from_fn(10, 10, |i, j| {
        if i == j {
            2.0
        } else if j == i + 1 {
            0.3
        } else {
            0.0
        }
    });
    let pre = PrecondLassoParams::new(Lasso::new(0.1).tol(1e-12))
        .preconditioner(Preconditioner::Matrix(s.clone()))
        .fit(&data(&x, &y))
        .unwrap();
    let xs = &x * &s;
    let p1 = pre.predict(&x).unwrap();
    let p2 = &xs * &pre.inner.coef + DVector::from_element(x.nrows(), pre.inner.intercept);
    assert!((p1 - p2).amax() <= 1e-9);
    assert!(
        kkt_residual(
            &xs,
            &y,
            &pre.inner.coef,
            0.1,
            1.0,
            &SolverOptions::default()
        )
        .unwrap()
            <= 1e-6
    );
    let singular = DMatrix::zeros(10, 10);
    assert!(
        PrecondLassoParams::new(Lasso::new(0.1))
            .preconditioner(Preconditioner::Matrix(singular))
            .fit(&data(&x, &y))
            .is_err()
    );
}

#[test]
fn degenerate_inputs() {
    let (mut x, y) = diabetes();
    // Zero column: coefficient stays exactly zero, no NaN.
    x.column_mut(3).fill(0.0);
    for std in [false, true] {
        let p = path(&x, &y, &PathParams::new().standardize(std)).unwrap();
        assert!(p.coefs.row(3).iter().all(|&v| v == 0.0));
        assert!(p.coefs.iter().all(|v| v.is_finite()));
    }
    // Constant y: the whole path is zero and the intercept is the constant.
    let yc = DVector::from_element(x.nrows(), 4.5);
    let p = path(&x, &yc, &PathParams::new().n_alphas(10)).unwrap();
    assert!(p.coefs.iter().all(|&v| v == 0.0));
    assert!(p.intercepts.iter().all(|&b| (b - 4.5).abs() < 1e-12));
    // alpha >= alpha_max: exactly zero.
    let (x, y) = diabetes();
    let amax = alpha_max(&x, &y, 1.0, &SolverOptions::default()).unwrap();
    for a in [amax, amax * 1.5] {
        let f = Lasso::new(a).fit(&data(&x, &y)).unwrap();
        assert!(f.coef.iter().all(|&v| v == 0.0));
        assert!((f.intercept - y.mean()).abs() < 1e-9);
    }
    assert!(
        Lasso::new(amax * 0.99)
            .fit(&data(&x, &y))
            .unwrap()
            .coef
            .iter()
            .any(|&v| v != 0.0)
    );
    // The scaling trap of spec §2.1: standardizing unit-l2 columns multiplies alpha_max by
    // sqrt(442) (glmnet's standardized lambda_max 45.160).
    let std_opts = SolverOptions {
        standardize: true,
        ..Default::default()
    };
    let amax_std = alpha_max(&x, &y, 1.0, &std_opts).unwrap();
    assert!((amax_std - 45.160).abs() < 1e-3, "{amax_std}");
    assert!((amax_std / amax - 442f64.sqrt()).abs() < 1e-9);
    // d > n works (the certificate test covers more).
    let mut rng = veristat::rng::stream(9, "wide", 0);
    let xw = gaussian(&mut rng, 20, 100);
    let yw = DVector::from_fn(20, |i, _| xw[(i, 0)] * 3.0 + xw[(i, 7)]);
    let f = Lasso::new(0.01).tol(1e-12).fit(&data(&xw, &yw)).unwrap();
    assert!(f.diagnostics().converged() && f.coef.iter().filter(|v| **v != 0.0).count() <= 20);
    // Typed errors naming the parameter.
    let named = |e: Error, want: &str| match e {
        Error::InvalidParameter { name, .. } => assert_eq!(name, want),
        other => panic!("expected InvalidParameter({want}), got {other}"),
    };
    let xy = data(&x, &y);
    named(Lasso::new(-1.0).fit(&xy).unwrap_err(), "alpha");
    named(
        ElasticNetParams::new(0.1, 1.5).fit(&xy).unwrap_err(),
        "l1_ratio",
    );
    named(
        ElasticNetParams::new(0.1, -0.1).fit(&xy).unwrap_err(),
        "l1_ratio",
    );
    named(
        path(&x, &y, &PathParams::new().l1_ratio(2.0)).unwrap_err(),
        "l1_ratio",
    );
    named(
        path(&x, &y, &PathParams::new().eps(0.0)).unwrap_err(),
        "eps",
    );
    named(Lasso::new(0.1).tol(-1.0).fit(&xy).unwrap_err(), "tol");
    let mut xn = x.clone();
    xn[(5, 2)] = f64::NAN;
    let e = Lasso::new(0.1).fit(&data(&xn, &y)).unwrap_err();
    assert!(e.to_string().contains("row 5, column 2"), "{e}");
    named(
        Lasso::new(0.1)
            .weights(DVector::from_element(x.nrows(), -1.0))
            .fit(&xy)
            .unwrap_err(),
        "weights",
    );
    assert!(matches!(
        RegressionData::new(x.clone(), DVector::zeros(3)).unwrap_err(),
        Error::DimensionMismatch { .. }
    ));
    assert!(matches!(
        Lasso::new(0.1)
            .weights(DVector::from_element(3, 1.0))
            .fit(&xy)
            .unwrap_err(),
        Error::DimensionMismatch { .. }
    ));
    let bad_folds = Folds::Ids(vec![1; x.nrows()]);
    named(
        LassoCvParams::new(PathParams::new())
            .folds(bad_folds)
            .fit(&xy)
            .unwrap_err(),
        "foldid",
    );
}

#[test]
fn early_stop_and_dfmax_end_the_path() {
    let (x, y) = diabetes();
    let p = path(&x, &y, &PathParams::new().eps(1e-4).early_stop(true)).unwrap();
    assert!(
        p.alphas.len() < 100 && p.alphas.len() >= 5,
        "{}",
        p.alphas.len()
    );
    let p = path(&x, &y, &PathParams::new().dfmax(4)).unwrap();
    let last = p.coef(p.alphas.len() - 1);
    assert!(last.iter().filter(|v| **v != 0.0).count() > 4);
    assert!(
        p.coef(p.alphas.len() - 2)
            .iter()
            .filter(|v| **v != 0.0)
            .count()
            <= 4
    );
}

#[cfg(feature = "cli")]
mod cli {
    use super::*;
    use common::veristat as run;

    fn tmp(name: &str, text: &str) -> std::path::PathBuf {
        common::temp_file("sparse-lasso", name, text)
    }

    fn diabetes_path() -> String {
        format!("{ROOT}/datasets/diabetes.csv")
    }

    #[test]
    fn cli_path_json_contract() {
        let (code, out, err) = run(&[
            "fit",
            "lasso",
            "--data",
            &diabetes_path(),
            "--target",
            "target",
            "--tol",
            "1e-10",
        ]);
        assert_eq!(code, 0, "{err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        let mut want = vec![
            "method",
            "feature_names",
            "alphas",
            "coef",
            "intercept",
            "duality_gap",
            "n_iter",
            "fit_seconds",
            "cpu_seconds",
        ];
        want.sort_unstable();
        let mut got = keys.clone();
        got.sort_unstable();
        assert_eq!(got, want);
        assert_eq!(v["method"], "lasso");
        // The fit's own clock (file reading excluded): wall and CPU seconds of the process.
        assert!(v["fit_seconds"].as_f64().unwrap() >= 0.0);
        assert!(v["cpu_seconds"].as_f64().unwrap() >= 0.0);
        assert_eq!(v["alphas"].as_array().unwrap().len(), 100);
        assert!((v["alphas"][0].as_f64().unwrap() - 2.14804).abs() < 1e-5);
        assert_eq!(v["coef"].as_array().unwrap().len(), 100);
        assert_eq!(v["coef"][99].as_array().unwrap().len(), 10);
        // The CLI's numbers are the library's.
        let (x, y) = diabetes();
        let lib = path(&x, &y, &PathParams::new().tol(1e-10)).unwrap();
        assert_eq!(v["coef"][50][2].as_f64().unwrap(), lib.coefs[(2, 50)]);
    }

    #[test]
    fn cli_cv_with_foldid_column() {
        let text = std::fs::read_to_string(diabetes_path()).unwrap();
        let fx = fixture("diabetes_cv.json");
        let ids = fx["foldid"].as_array().unwrap();
        let mut csv = String::new();
        for (i, line) in text.lines().enumerate() {
            let extra = if i == 0 {
                "fold".to_string()
            } else {
                ids[i - 1].to_string()
            };
            csv.push_str(&format!("{line},{extra}\n"));
        }
        let p = tmp("folds.csv", &csv);
        let (code, out, err) = run(&[
            "fit",
            "lasso",
            "--data",
            p.to_str().unwrap(),
            "--target",
            "target",
            "--foldid",
            "fold",
            "--tol",
            "1e-12",
        ]);
        assert_eq!(code, 0, "{err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        let names: Vec<&str> = v["feature_names"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert!(!names.contains(&"fold") && !names.contains(&"target") && names.len() == 10);
        let a = v["cv"]["alpha_min"].as_f64().unwrap();
        assert!((a - fx["alpha_min"].as_f64().unwrap()).abs() <= 1e-12 * a);
        assert_eq!(v["cv"]["se"].as_array().unwrap().len(), 100);
        let (code, out, _) = run(&[
            "fit",
            "lasso",
            "--data",
            &diabetes_path(),
            "--target",
            "target",
            "--cv",
            "5",
            "--format",
            "table",
        ]);
        assert_eq!(code, 0);
        assert!(out.contains("alpha_min"));
    }

    #[test]
    fn cli_bad_input_exits_2_with_one_line() {
        let d = diabetes_path();
        let nan = tmp("nan.csv", "a,b,y\n1,2,3\n4,NaN,6\n7,8,9\n");
        let text = tmp("text.csv", "a,b,y\n1,2,3\n4,abc,6\n7,8,9\n");
        let empty = tmp("empty.csv", "");
        let cases: Vec<(Vec<&str>, &str)> = vec![
            (
                vec!["--data", nan.to_str().unwrap(), "--target", "y"],
                "row 1",
            ),
            (
                vec!["--data", text.to_str().unwrap(), "--target", "y"],
                "abc",
            ),
            (vec!["--data", &d, "--target", "nope"], "nope"),
            (
                vec!["--data", empty.to_str().unwrap(), "--target", "y"],
                "empty",
            ),
            (
                vec!["--data", &d, "--target", "target", "--alpha", "-1"],
                "alpha",
            ),
            (
                vec!["--data", &d, "--target", "target", "--l1-ratio", "1.5"],
                "l1_ratio",
            ),
            (
                vec![
                    "--data",
                    &d,
                    "--target",
                    "target",
                    "--features",
                    "bmi,target",
                ],
                "target",
            ),
        ];
        for (args, needle) in cases {
            let mut full = vec!["fit", "lasso"];
            full.extend(args.iter());
            let (code, _, err) = run(&full);
            assert_eq!(code, 2, "{args:?}: {err}");
            assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
            assert!(err.contains(needle), "{args:?}: {err}");
        }
    }
}

#[test]
fn same_numbers_whatever_the_thread_count() {
    let mut rng = veristat::rng::stream(3, "threads", 0);
    let x = gaussian(&mut rng, 1500, 300);
    let y = DVector::from_fn(1500, |i, _| x[(i, 3)] - 2.0 * x[(i, 100)] + 0.1 * x[(i, 7)]);
    for gram in [GramMode::Always, GramMode::Never] {
        let params = PathParams::new().n_alphas(30).gram(gram);
        let run = |threads: usize| on_threads(threads, || path(&x, &y, &params).unwrap());
        let (a, b) = (run(1), run(2));
        assert_eq!(a.coefs, b.coefs, "{gram:?}");
        assert_eq!(a.duality_gaps, b.duality_gaps);
        let cv = |threads: usize| {
            on_threads(threads, || {
                LassoCvParams::new(params.clone())
                    .folds(Folds::Shuffled { k: 4, seed: 11 })
                    .fit(&data(&x, &y))
                    .unwrap()
                    .mean
            })
        };
        assert_eq!(cv(1), cv(2));
    }
}

/// One generic cross-validation routine over any estimator of the contract whose model predicts
/// a response vector: the held-out MSE per fold.
fn cv_mse<E>(estimator: &E, data: &RegressionData, folds: &Folds) -> Vec<f64>
where
    E: Fit<RegressionData> + Sync,
    E::Fitted: Predict<Output = DVector<f64>> + Fitted,
{
    veristat::estimator::cross_validate(estimator, data, folds, |model, held_out| {
        assert!(model.diagnostics().fit_seconds >= 0.0);
        let r = model.predict(held_out.x())? - held_out.y();
        Ok(r.norm_squared() / r.len() as f64)
    })
    .unwrap()
    .into_iter()
    .map(|f| f.score)
    .collect()
}

#[test]
fn every_sparse_estimator_cross_validates_through_one_generic_routine() {
    use veristat::sparse::best_subset::BestSubsetParams;
    use veristat::sparse::iht::IhtParams;
    use veristat::sparse::omp::OmpParams;
    let (x, y) = diabetes();
    let xy = data(&x, &y);
    let folds = Folds::Shuffled { k: 4, seed: 3 };
    let null = cv_mse(&Lasso::new(1e3), &xy, &folds);
    let results = [
        ("lasso", cv_mse(&Lasso::new(0.01), &xy, &folds)),
        (
            "enet",
            cv_mse(&ElasticNetParams::new(0.01, 0.5), &xy, &folds),
        ),
        (
            "lasso-cv",
            cv_mse(
                &LassoCvParams::new(PathParams::new().n_alphas(20))
                    .folds(Folds::Shuffled { k: 3, seed: 1 }),
                &xy,
                &folds,
            ),
        ),
        (
            "precond",
            cv_mse(&PrecondLassoParams::new(Lasso::new(0.01)), &xy, &folds),
        ),
        ("iht", cv_mse(&IhtParams::new(4), &xy, &folds)),
        (
            "omp",
            cv_mse(&OmpParams::new().n_nonzero_coefs(4), &xy, &folds),
        ),
        (
            "best-subset",
            cv_mse(&BestSubsetParams::new().support_sizes(1, 6), &xy, &folds),
        ),
    ];
    // Every model explains much of the diabetes response on held-out rows, where the intercept
    // alone (alpha far above alpha_max) explains none of it.
    for (name, mse) in results {
        assert_eq!(mse.len(), 4, "{name}");
        for (m, m0) in mse.iter().zip(&null) {
            assert!(
                *m < 0.7 * m0,
                "{name}: held-out MSE {m} vs intercept-only {m0}"
            );
        }
    }
    // The Lasso's fold scores are those of fitting the training rows by hand.
    let (ids, _) = folds.assign(x.nrows()).unwrap();
    let test: Vec<usize> = (0..x.nrows()).filter(|&i| ids[i] == 0).collect();
    let train: Vec<usize> = (0..x.nrows()).filter(|&i| ids[i] != 0).collect();
    let fit = Lasso::new(0.01)
        .fit(&data(&x.select_rows(&train), &y.select_rows(&train)))
        .unwrap();
    let r = fit.predict(&x.select_rows(&test)).unwrap() - y.select_rows(&test);
    assert_eq!(
        cv_mse(&Lasso::new(0.01), &xy, &folds)[0],
        r.norm_squared() / test.len() as f64
    );
}

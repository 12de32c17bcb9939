//! Numerical stress tests (issue 20, item 6): columns scaled from 1e-8 to 1e8, more features
//! than rows, exact duplicate columns, near-separable logistic and ordinal data, a single class,
//! a single row. Each case gives the right answer, checked against a reference (a closed form,
//! an optimality certificate: KKT residual, duality gap, gradient norm; or scaling
//! equivariance), or a typed error naming the cause.

use nalgebra::{DMatrix, DVector};
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};
use veristat::estimator::{Fit, RegressionData};
use veristat::multiplicity::LogisticParams;
use veristat::ordinal::{OrdinalData, ProportionalOddsParams};
use veristat::sparse::{Lasso, PathParams, SolverOptions, alpha_max, kkt_residual};

fn gaussian(n: usize, p: usize, seed: u64) -> (DMatrix<f64>, DVector<f64>) {
    let mut rng = veristat::rng::stream(seed, "stress", 0);
    let x = DMatrix::from_fn(n, p, |_, _| StandardNormal.sample(&mut rng));
    let beta = DVector::from_fn(p, |j, _| if j < 3 { 1.0 + j as f64 } else { 0.0 });
    let noise = DVector::from_fn(n, |_, _| {
        0.5 * <StandardNormal as Distribution<f64>>::sample(&StandardNormal, &mut rng)
    });
    let y = &x * beta + noise;
    (x, y)
}

fn data(x: &DMatrix<f64>, y: &DVector<f64>) -> RegressionData {
    RegressionData::new(x.clone(), y.clone()).unwrap()
}

/// The scales of the columns: 1e-8, 1e-6, ..., 1e8, cycled.
fn scales(p: usize) -> Vec<f64> {
    (0..p)
        .map(|j| 10f64.powi(-8 + 2 * (j as i32 % 9)))
        .collect()
}

#[test]
fn lasso_with_columns_from_1e_minus_8_to_1e8_is_scale_equivariant() {
    // Standardized Lasso: scaling column j by s_j divides its coefficient by s_j and leaves the
    // predictions unchanged (the penalty acts on the standardized coefficients).
    let (x, y) = gaussian(120, 9, 1);
    let s = scales(9);
    let xs = DMatrix::from_fn(120, 9, |i, j| x[(i, j)] * s[j]);
    let fit = |x: &DMatrix<f64>| {
        Lasso::new(0.05)
            .standardize(true)
            .tol(1e-12)
            .max_iter(1_000_000)
            .fit(&data(x, &y))
            .unwrap()
    };
    let (a, b) = (fit(&x), fit(&xs));
    for (j, &sj) in s.iter().enumerate() {
        let want = a.coef[j] / sj;
        assert!(
            (b.coef[j] - want).abs() <= 1e-6 * want.abs().max(1e-12 / sj),
            "column {j} scaled by {sj}: {} vs {want}",
            b.coef[j]
        );
    }
    let (pa, pb) = (&x * &a.coef, &xs * &b.coef);
    assert!((pa - pb).amax() <= 1e-6 * y.amax());
    assert!((a.intercept - b.intercept).abs() <= 1e-6 * y.amax());
    // The scaled fit's own certificate: the KKT conditions of the standardized problem.
    let opts = SolverOptions {
        standardize: true,
        ..SolverOptions::default()
    };
    let kkt = kkt_residual(&xs, &y, &b.coef, 0.05, 1.0, &opts).unwrap();
    assert!(kkt <= 1e-6, "KKT residual {kkt}");
    assert!(
        b.duality_gap <= b.gap_tol,
        "{} > {}",
        b.duality_gap,
        b.gap_tol
    );
}

#[test]
fn lasso_unstandardized_scaling_of_x_and_y_is_equivariant() {
    // Without standardization: X -> c X, alpha -> c alpha gives w -> w / c; y -> c y, alpha ->
    // c alpha gives w -> c w. Checked at c = 1e-8 and 1e8.
    let (x, y) = gaussian(80, 6, 2);
    let base = Lasso::new(0.1)
        .tol(1e-13)
        .max_iter(1_000_000)
        .fit(&data(&x, &y))
        .unwrap();
    for c in [1e-8, 1e8] {
        let fx = Lasso::new(0.1 * c)
            .tol(1e-13)
            .max_iter(1_000_000)
            .fit(&data(&(&x * c), &y))
            .unwrap();
        let fy = Lasso::new(0.1 * c)
            .tol(1e-13)
            .max_iter(1_000_000)
            .fit(&data(&x, &(&y * c)))
            .unwrap();
        for j in 0..6 {
            let (want_x, want_y) = (base.coef[j] / c, base.coef[j] * c);
            assert!(
                (fx.coef[j] - want_x).abs() <= 1e-7 * (base.coef.amax() / c),
                "c {c} j {j}"
            );
            assert!(
                (fy.coef[j] - want_y).abs() <= 1e-7 * (base.coef.amax() * c),
                "c {c} j {j}"
            );
        }
    }
}

#[test]
fn lasso_path_with_more_features_than_rows_has_certified_solutions() {
    let (x, y) = gaussian(20, 200, 3);
    let path = PathParams::new()
        .n_alphas(15)
        .tol(1e-10)
        .max_iter(1_000_000)
        .fit(&data(&x, &y))
        .unwrap();
    let amax = alpha_max(&x, &y, 1.0, &SolverOptions::default()).unwrap();
    assert!((path.alphas[0] - amax).abs() <= 1e-12 * amax);
    for (k, &alpha) in path.alphas.iter().enumerate() {
        let coef = path.coefs.column(k).into_owned();
        assert!(coef.iter().all(|v| v.is_finite()));
        // At most n nonzeros at a Lasso solution found by coordinate descent (in general
        // position the solution is unique with at most n nonzeros).
        assert!(
            coef.iter().filter(|v| **v != 0.0).count() <= 20,
            "alpha {alpha}"
        );
        let kkt = kkt_residual(&x, &y, &coef, alpha, 1.0, &SolverOptions::default()).unwrap();
        assert!(
            kkt <= 1e-5 * amax.max(1.0),
            "alpha {alpha}: KKT residual {kkt}"
        );
        assert!(path.duality_gaps[k] <= path.gap_tol);
    }
    // alpha_max is where the solution becomes zero: the first coefficient vector is.
    assert!(path.coefs.column(0).iter().all(|v| *v == 0.0));
}

#[test]
fn lasso_with_an_exact_duplicate_column_splits_the_same_solution() {
    // Duplicating column 0 leaves the Lasso problem's optimal value and predictions unchanged:
    // any split w_a + w_b = w_0 with equal signs is optimal (|w_a| + |w_b| = |w_0|).
    let (x, y) = gaussian(100, 5, 4);
    let mut xd = DMatrix::zeros(100, 6);
    xd.columns_mut(0, 5).copy_from(&x);
    xd.set_column(5, &x.column(0));
    let fit = |x: &DMatrix<f64>| {
        Lasso::new(0.1)
            .tol(1e-13)
            .max_iter(1_000_000)
            .fit(&data(x, &y))
            .unwrap()
    };
    let (a, b) = (fit(&x), fit(&xd));
    let split = b.coef[0] + b.coef[5];
    assert!(
        (split - a.coef[0]).abs() <= 1e-7 * a.coef[0].abs(),
        "{split} vs {}",
        a.coef[0]
    );
    assert!(
        b.coef[0] * b.coef[5] >= 0.0,
        "opposite signs: {} {}",
        b.coef[0],
        b.coef[5]
    );
    assert!((&x * &a.coef - &xd * &b.coef).amax() <= 1e-7 * y.amax());
    let kkt = kkt_residual(&xd, &y, &b.coef, 0.1, 1.0, &SolverOptions::default()).unwrap();
    assert!(kkt <= 1e-6, "KKT residual {kkt}");
}

#[test]
fn lasso_on_a_single_row_is_a_typed_error_or_a_zero_fit() {
    let x = DMatrix::from_row_slice(1, 3, &[1.0, 2.0, 3.0]);
    let y = DVector::from_element(1, 5.0);
    match Lasso::new(0.1).fit(&data(&x, &y)) {
        // With an intercept one row is fitted exactly by the intercept alone: w = 0, b = y.
        Ok(f) => {
            assert!(f.coef.iter().all(|v| *v == 0.0), "{:?}", f.coef);
            assert_eq!(f.intercept, 5.0);
        }
        Err(e) => assert!(e.to_string().contains("row"), "{e}"),
    }
    match PathParams::new().fit(&data(&x, &y)) {
        Ok(p) => panic!("a path on one row: alphas {:?}", p.alphas),
        Err(e) => {
            let m = e.to_string();
            assert!(m.contains("row") || m.contains("constant"), "{m}");
        }
    }
}

/// Logistic data whose classes are separated by the hyperplane x_0 = 0 except for `flip` rows.
fn near_separable(n: usize, flip: usize, seed: u64) -> (DMatrix<f64>, DVector<f64>) {
    let mut rng = veristat::rng::stream(seed, "stress-logistic", 0);
    let x = DMatrix::from_fn(n, 2, |_, _| StandardNormal.sample(&mut rng));
    let mut y = DVector::from_fn(n, |i, _| f64::from(x[(i, 0)] > 0.0));
    for _ in 0..flip {
        let i = rng.random_range(0..n);
        y[i] = 1.0 - y[i];
    }
    (x, y)
}

#[test]
fn logistic_near_separable_data_reach_the_gradient_certificate_or_say_separation() {
    // With a ridge a finite optimum always exists: the gradient certificate holds however
    // close to separable the data are.
    for flip in [0, 1, 3] {
        let (x, y) = near_separable(200, flip, 5);
        for lambda in [1e-6, 1e-3] {
            let fit = LogisticParams::new(lambda).fit(&data(&x, &y)).unwrap();
            assert!(fit.theta.iter().all(|v| v.is_finite()));
            assert!(
                fit.gradient_norm() <= 1e-8,
                "flip {flip} lambda {lambda}: |grad| {}",
                fit.gradient_norm()
            );
        }
    }
    // Without a ridge, separable data have no MLE: a typed error that says so.
    let (x, y) = near_separable(200, 0, 5);
    let e = LogisticParams::new(0.0).fit(&data(&x, &y)).unwrap_err();
    assert!(e.to_string().contains("separa"), "{e}");
}

#[test]
fn logistic_with_a_single_class_is_a_typed_error_or_the_closed_form() {
    let (x, _) = near_separable(50, 0, 6);
    let y = DVector::zeros(50);
    match LogisticParams::new(1e-2).fit(&data(&x, &y)) {
        Err(e) => assert!(e.to_string().contains("class"), "{e}"),
        Ok(f) => panic!("one class fitted: theta {:?}", f.theta),
    }
}

#[test]
fn metrics_with_a_single_class_are_typed_errors() {
    let y = vec![true; 10];
    let s: Vec<f64> = (0..10).map(f64::from).collect();
    for r in [
        veristat::metrics::auroc(&y, &s),
        veristat::metrics::average_precision(&[false; 10], &s),
    ] {
        let e = r.unwrap_err();
        assert!(
            e.to_string().contains("class") || e.to_string().contains("positive"),
            "{e}"
        );
    }
}

fn ordinal(n: usize, sep: f64, seed: u64) -> (DMatrix<f64>, Vec<f64>) {
    let mut rng = veristat::rng::stream(seed, "stress-ordinal", 0);
    let x = DMatrix::from_fn(n, 2, |_, _| StandardNormal.sample(&mut rng));
    let labels = (0..n)
        .map(|i| {
            let eta = sep * x[(i, 0)]
                + <StandardNormal as Distribution<f64>>::sample(&StandardNormal, &mut rng) * 0.5;
            if eta < -0.5 {
                0.0
            } else if eta < 0.5 {
                1.0
            } else {
                2.0
            }
        })
        .collect();
    (x, labels)
}

#[test]
fn proportional_odds_is_certified_or_says_why_not() {
    // Well-posed data: the gradient certificate.
    let (x, labels) = ordinal(300, 1.0, 7);
    let d = OrdinalData::from_labels(x.clone(), &labels, None).unwrap();
    let fit = ProportionalOddsParams::new().fit(&d).unwrap();
    assert!(
        fit.gradient_norm() <= 1e-6,
        "|grad| {}",
        fit.gradient_norm()
    );
    // Scaling a column by 1e-8 / 1e8 divides its coefficient accordingly (the MLE is
    // equivariant) and leaves the log-likelihood unchanged.
    for c in [1e-8, 1e8] {
        let mut xs = x.clone();
        xs.column_mut(0).scale_mut(c);
        let ds = OrdinalData::from_labels(xs, &labels, None).unwrap();
        let f = ProportionalOddsParams::new().fit(&ds).unwrap();
        assert!(
            (f.coef[0] * c - fit.coef[0]).abs() <= 1e-6 * fit.coef[0].abs(),
            "c {c}: {} vs {}",
            f.coef[0] * c,
            fit.coef[0]
        );
        assert!((f.loglik - fit.loglik).abs() <= 1e-8 * fit.loglik.abs());
    }
    // Perfectly separated classes: the MLE does not exist; a typed error.
    let x = DMatrix::from_fn(30, 1, |i, _| i as f64);
    let labels: Vec<f64> = (0..30).map(|i| (i / 10) as f64).collect();
    let d = OrdinalData::from_labels(x, &labels, None).unwrap();
    let e = ProportionalOddsParams::new().fit(&d).unwrap_err();
    assert!(
        e.to_string().contains("separa") || e.to_string().contains("exist"),
        "{e}"
    );
    // An exact duplicate column: the design is rank-deficient, the MLE is not unique; a typed
    // error naming the cause, quickly.
    let (x, labels) = ordinal(100, 1.0, 8);
    let mut xd = DMatrix::zeros(100, 3);
    xd.columns_mut(0, 2).copy_from(&x);
    xd.set_column(2, &x.column(0));
    let d = OrdinalData::from_labels(xd, &labels, None).unwrap();
    let e = ProportionalOddsParams::new().fit(&d).unwrap_err();
    assert!(e.to_string().contains("rank"), "{e}");
    // More parameters than rows (n < p): a typed error before any Newton step.
    let (x, _) = gaussian(6, 300, 9);
    let labels = [0.0, 1.0, 2.0, 0.0, 1.0, 2.0];
    let d = OrdinalData::from_labels(x, &labels, None).unwrap();
    let t0 = std::time::Instant::now();
    let e = ProportionalOddsParams::new().fit(&d).unwrap_err();
    assert!(t0.elapsed().as_secs_f64() < 2.0, "{:?}", t0.elapsed());
    assert!(
        e.to_string().contains("rank") || e.to_string().contains("rows"),
        "{e}"
    );
}

#[test]
fn ordinal_data_with_one_class_or_one_row_are_typed_errors() {
    let x = DMatrix::from_fn(10, 2, |i, j| (i + j) as f64);
    let e = OrdinalData::from_labels(x, &[1.0; 10], None).unwrap_err();
    assert!(e.to_string().contains("class 0"), "{e}");
    let x = DMatrix::from_row_slice(1, 2, &[1.0, 2.0]);
    match OrdinalData::from_labels(x, &[0.0], Some(2)) {
        Err(e) => assert!(
            e.to_string().contains("class") || e.to_string().contains("row"),
            "{e}"
        ),
        Ok(d) => {
            let e = ProportionalOddsParams::new().fit(&d).unwrap_err();
            assert!(e.to_string().contains("row"), "{e}");
        }
    }
}

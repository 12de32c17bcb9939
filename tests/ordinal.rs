//! Integration tests of the `ordinal` module and `metrics` against independent references:
//! statsmodels `OrderedModel`, scikit-learn metrics and scipy L-BFGS-B on the PRESTO objective
//! (tests/fixtures/ordinal/make_fixtures.py), the spec's tables, closed forms and KKT
//! certificates.

mod common;

use nalgebra::DMatrix;
use serde_json::Value;
use veristat::Error;
use veristat::metrics::{self, Binning};
use veristat::ordinal::likelihood;
use veristat::ordinal::{Folds, LogitLast, OrdinalData, Presto, ProportionalOdds};

fn fixtures() -> Value {
    let s = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/ordinal/fixtures.json"
    ))
    .expect("fixture file");
    serde_json::from_str(&s).expect("fixture JSON")
}

fn vec_of(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

/// The spec's 30-row dataset A (classes 1..3 shifted to 0..2).
fn dataset_a() -> OrdinalData {
    let f = fixtures();
    let a = &f["dataset_a"];
    let (x1, x2) = (vec_of(&a["x1"]), vec_of(&a["x2"]));
    let y: Vec<f64> = vec_of(&a["y"]).iter().map(|v| v - 1.0).collect();
    let x = DMatrix::from_fn(30, 2, |i, j| if j == 0 { x1[i] } else { x2[i] });
    OrdinalData::from_labels(x, &y, None).unwrap()
}

fn close(a: f64, b: f64, tol: f64, what: &str) {
    assert!(
        (a - b).abs() <= tol,
        "{what}: {a} vs {b} (|diff| {:e} > {tol:e})",
        (a - b).abs()
    );
}

// ---------------------------------------------------------------- acceptance 1: PO anchor

#[test]
fn proportional_odds_matches_statsmodels_on_dataset_a() {
    let f = fixtures();
    let fit = ProportionalOdds::new().fit(&dataset_a()).unwrap();
    close(
        fit.loglik,
        f["po"]["loglik"].as_f64().unwrap(),
        1e-6,
        "loglik",
    );
    close(fit.loglik, -28.351567007119, 1e-9, "loglik (spec)");
    for (j, v) in vec_of(&f["po"]["coef"]).iter().enumerate() {
        close(fit.coef[j], *v, 1e-6, "coef");
    }
    for (k, v) in vec_of(&f["po"]["cutpoints"]).iter().enumerate() {
        close(fit.cutpoints[k], *v, 1e-6, "cutpoint");
    }
    // statsmodels' standard errors come from a numerical Hessian.
    for (j, v) in vec_of(&f["po"]["std_errors"]).iter().enumerate() {
        close(fit.std_errors[j], *v, 1e-5, "std error");
    }
    assert!(fit.gradient_norm <= 1e-10);
    // Every row of the PO model's coefficient matrix is the common slope.
    for k in 0..2 {
        assert_eq!(
            fit.model.coef.row(k).iter().copied().collect::<Vec<_>>(),
            fit.coef
        );
    }
}

/// K = 6 with 22 dummy columns: the cutpoint reparameterization's chain rule must move every
/// cutpoint with θ_0 (a Jacobian that missed this stalled Newton at |∇| = 1e-2 on these data).
#[cfg(feature = "io")]
#[test]
fn proportional_odds_matches_statsmodels_on_soup() {
    let f = fixtures();
    let r = &f["po_soup"];
    let table = veristat::data::read_table(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/datasets/soup.csv"
    )))
    .unwrap();
    let ds = table.dataset("sureness_rev", None, &[]).unwrap();
    let names: Vec<String> = r["feature_names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(ds.feature_names, names);
    let labels: Vec<f64> = table
        .integer_column("sureness_rev")
        .unwrap()
        .into_iter()
        .map(|v| v as f64)
        .collect();
    let data = OrdinalData::from_labels(ds.x.clone(), &labels, None).unwrap();
    let fit = ProportionalOdds::new().fit(&data).unwrap();
    assert!(fit.converged && fit.gradient_norm <= 1e-10);
    close(
        fit.loglik,
        r["loglik"].as_f64().unwrap(),
        1e-6,
        "soup loglik",
    );
    for (j, v) in vec_of(&r["coef"]).iter().enumerate() {
        close(fit.coef[j], *v, 1e-6, "soup coef");
    }
    for (k, v) in vec_of(&r["cutpoints"]).iter().enumerate() {
        close(fit.cutpoints[k], *v, 1e-6, "soup cutpoint");
    }
}

#[test]
fn observation_weights_equal_duplicated_rows() {
    let a = dataset_a();
    let mut w = vec![1.0; 30];
    w[4] = 2.0;
    w[25] = 3.0;
    let weighted = ProportionalOdds::new()
        .fit(&a.clone().with_weights(w).unwrap())
        .unwrap();
    let rows: Vec<usize> = (0..30).chain([4, 25, 25]).collect();
    let dup = ProportionalOdds::new()
        .fit(&a.subset(&rows).unwrap())
        .unwrap();
    close(weighted.loglik, dup.loglik, 1e-9, "loglik");
    for j in 0..2 {
        close(weighted.coef[j], dup.coef[j], 1e-8, "coef");
    }
}

// ---------------------------------------------------------------- acceptance 2, 3: PRESTO

/// (w_1, λ, α, β_1, β_2, objective).
type PrestoRow = (f64, f64, [f64; 2], [f64; 2], [f64; 2], f64);

/// Spec §3 table (paper sign: β = −b).
const SPEC_PRESTO: [PrestoRow; 4] = [
    (
        1.0,
        0.05,
        [0.032235, 2.243732],
        [0.081034, 0.0],
        [0.081034, 1.282277],
        0.957239064,
    ),
    (
        1.0,
        0.02,
        [0.103023, 3.001001],
        [0.662865, 0.0],
        [-0.142756, 2.891969],
        0.886287213,
    ),
    (
        0.0,
        0.05,
        [0.161180, 2.407358],
        [0.881853, 0.335904],
        [0.881853, 1.439133],
        0.929001823,
    ),
    (
        0.0,
        0.02,
        [0.148734, 3.030384],
        [1.043436, 0.043488],
        [0.039169, 2.952332],
        0.869136110,
    ),
];

#[test]
fn presto_fixed_lambdas_match_the_spec_table_and_scipy() {
    let a = dataset_a();
    let f = fixtures();
    for (i, (w1, lam, alpha, beta1, beta2, obj)) in SPEC_PRESTO.iter().enumerate() {
        let fit = Presto::new()
            .penalize_first(*w1 == 1.0)
            .fit(&a, *lam)
            .unwrap();
        assert!(fit.converged && fit.kkt <= 1e-8, "KKT {}", fit.kkt);
        // The table is rounded to 6 decimals: 5e-7 rounding + 1e-6.
        for k in 0..2 {
            close(fit.model.cutpoints[k], alpha[k], 1.5e-6, "alpha");
            close(-fit.model.coef[(0, k)], beta1[k], 1.5e-6, "beta_1");
            close(-fit.model.coef[(1, k)], beta2[k], 1.5e-6, "beta_2");
        }
        close(fit.objective, *obj, 1e-7, "objective (spec, 9 digits)");
        let r = &f["presto"][i];
        assert_eq!(r["lambda"].as_f64().unwrap(), *lam);
        close(
            fit.objective,
            r["objective"].as_f64().unwrap(),
            1e-8,
            "objective (scipy)",
        );
        // L-BFGS-B stops on its own tolerances: our KKT-certified optimum has the lower value.
        assert!(fit.objective <= r["objective"].as_f64().unwrap() + 1e-12);
        for k in 0..2 {
            close(
                fit.model.cutpoints[k],
                vec_of(&r["cutpoints"])[k],
                1e-5,
                "alpha (scipy)",
            );
            for bnd in 0..2 {
                close(
                    fit.model.coef[(bnd, k)],
                    vec_of(&r["coef"][bnd])[k],
                    1e-5,
                    "coef (scipy)",
                );
            }
        }
        // β_k = Σ_{m≤k} ψ_m and the reported log-likelihood is the model's.
        for k in 0..2 {
            close(
                fit.model.coef[(1, k)],
                fit.psi[(0, k)] + fit.psi[(1, k)],
                1e-15,
                "cumulative psi",
            );
        }
        let ll = likelihood::loglik(&a, &fit.model.cutpoints, &fit.model.coef.transpose()).unwrap();
        close(ll, fit.loglik, 1e-12, "loglik identity");
    }
}

#[test]
fn lambda_max_for_both_first_block_settings() {
    let a = dataset_a();
    for (w1, expected) in [(true, 0.0916303), (false, 0.0802158)] {
        let p = Presto::new().penalize_first(w1);
        let lmax = p.lambda_max(&a).unwrap();
        close(lmax, expected, 5e-8, "lambda_max");
        let at = p.fit(&a, lmax).unwrap();
        let first = if w1 { 0 } else { 1 };
        assert!(
            (first..2).all(|k| at.psi.row(k).iter().all(|&v| v == 0.0)),
            "all penalized psi are 0 at lambda_max"
        );
        let below = p.fit(&a, 0.99 * lmax).unwrap();
        assert!(
            (first..2).any(|k| below.psi.row(k).iter().any(|&v| v != 0.0)),
            "some psi != 0 below lambda_max"
        );
    }
}

#[test]
fn presto_above_lambda_max_is_po_or_intercept_only() {
    let a = dataset_a();
    let po = ProportionalOdds::new().fit(&a).unwrap();
    let fit = Presto::new()
        .penalize_first(false)
        .fit(&a, 0.0802158 * 1.5)
        .unwrap();
    assert!(fit.psi.row(1).iter().all(|&v| v == 0.0));
    for k in 0..2 {
        close(
            fit.model.cutpoints[k],
            po.cutpoints[k],
            1e-6,
            "cutpoint = PO",
        );
        for j in 0..2 {
            close(fit.model.coef[(k, j)], po.coef[j], 1e-6, "slope = PO");
        }
    }
    close(fit.loglik, po.loglik, 1e-9, "loglik = PO");
    close(fit.objective, 0.945052234, 1e-9, "objective (spec)");
    let io = Presto::new().fit(&a, 0.5).unwrap();
    assert!(io.psi.iter().all(|&v| v == 0.0));
    close(io.model.cutpoints[0], 0.0, 1e-9, "logit(15/30)");
    close(
        io.model.cutpoints[1],
        (26.0f64 / 4.0).ln(),
        1e-9,
        "logit(26/30)",
    );
    close(io.loglik, -29.493142988, 1e-8, "intercept-only loglik");
}

#[test]
fn ridge_variant_and_standardization() {
    let a = dataset_a();
    // L2: KKT of the smooth objective (every coordinate's gradient vanishes).
    let fit = Presto::new().alpha(0.0).fit(&a, 0.05).unwrap();
    assert!(fit.converged && fit.kkt <= 1e-8);
    assert!(
        fit.psi.iter().all(|&v| v != 0.0),
        "ridge does not zero coefficients"
    );
    // Standardized fit: a constant column gets a zero coefficient, the rest is the fit without it.
    let mut x = a.x().clone().insert_column(2, 3.0);
    x[(0, 2)] = 3.0;
    let with_const = OrdinalData::from_labels(
        x,
        &a.y().iter().map(|&v| v as f64).collect::<Vec<_>>(),
        None,
    )
    .unwrap();
    let p = Presto::new().standardize(true);
    let f3 = p.fit(&with_const, 0.03).unwrap();
    let f2 = p.fit(&a, 0.03).unwrap();
    assert!(f3.model.coef.column(2).iter().all(|&v| v == 0.0));
    for k in 0..2 {
        close(
            f3.model.cutpoints[k],
            f2.model.cutpoints[k],
            1e-8,
            "cutpoints",
        );
        for j in 0..2 {
            close(f3.model.coef[(k, j)], f2.model.coef[(k, j)], 1e-8, "coef");
        }
    }
    // Standardized fit on the original scale predicts like the fit on pre-standardized data.
    let n = 30.0;
    let mut xs = a.x().clone();
    for j in 0..2 {
        let m = xs.column(j).sum() / n;
        let s = (xs.column(j).iter().map(|v| (v - m).powi(2)).sum::<f64>() / n).sqrt();
        xs.column_mut(j).iter_mut().for_each(|v| *v = (*v - m) / s);
    }
    let pre = OrdinalData::from_labels(
        xs.clone(),
        &a.y().iter().map(|&v| v as f64).collect::<Vec<_>>(),
        None,
    )
    .unwrap();
    let g = Presto::new().fit(&pre, 0.03).unwrap();
    let p1 = f2.model.raw_probabilities(a.x()).unwrap();
    let p2 = g.model.raw_probabilities(&xs).unwrap();
    assert!((p1 - p2).amax() < 1e-8);
}

#[test]
fn path_warm_starts_and_cv_choice() {
    let a = dataset_a();
    let p = Presto::new();
    let path = p.path(&a, 8, 0.05).unwrap();
    close(path.lambda_max, 0.0916303, 5e-8, "path lambda_max");
    for (fit, lam) in path.fits.iter().zip(&path.lambdas) {
        assert!(fit.converged);
        let cold = p.fit(&a, *lam).unwrap();
        assert!(
            fit.objective <= cold.objective + 1e-10,
            "warm {} vs cold {}",
            fit.objective,
            cold.objective
        );
    }
    let folds = Folds::Given((0..30).map(|i| (i % 3) as i64).collect());
    let mut rng = veristat::rng::stream(1, "t", 0);
    let cv = p.cv(&a, 8, 0.05, &folds, &mut rng).unwrap();
    let min = cv.cv_brier.iter().copied().fold(f64::INFINITY, f64::min);
    assert_eq!(
        cv.best_index,
        cv.cv_brier.iter().position(|&v| v == min).unwrap()
    );
    assert_eq!(cv.fit.lambda, cv.path.lambdas[cv.best_index]);
    // The same CV on one thread and on two is bit-for-bit identical.
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut rng = veristat::rng::stream(1, "t", 0);
            p.cv(&a, 8, 0.05, &Folds::Random(3), &mut rng).unwrap()
        })
    };
    let (c1, c2) = (run(1), run(2));
    assert_eq!(c1.cv_brier, c2.cv_brier);
    assert_eq!(c1.fit.model, c2.fit.model);
}

// ---------------------------------------------------------------- acceptance 6: bad input

#[test]
fn bad_inputs_are_typed_errors() {
    let a = dataset_a();
    let y: Vec<f64> = a.y().iter().map(|&v| v as f64).collect();
    // K < 3 for PRESTO (PO allows K = 2).
    let bin: Vec<f64> = y.iter().map(|&v| if v > 0.0 { 1.0 } else { 0.0 }).collect();
    let d2 = OrdinalData::from_labels(a.x().clone(), &bin, None).unwrap();
    assert!(matches!(
        Presto::new().fit(&d2, 0.1),
        Err(Error::InvalidParameter { name: "K", .. })
    ));
    assert!(ProportionalOdds::new().fit(&d2).is_ok());
    // A declared class with no rows: named.
    let shifted: Vec<f64> = y
        .iter()
        .map(|&v| if v > 0.0 { v + 1.0 } else { v })
        .collect();
    let e = OrdinalData::from_labels(a.x().clone(), &shifted, None).unwrap_err();
    assert!(
        matches!(e, Error::NotIdentifiable(_)) && e.to_string().contains("class 1"),
        "{e}"
    );
    // Non-integer, negative, out of range labels.
    let mut bad = y.clone();
    bad[3] = 1.5;
    assert!(matches!(
        OrdinalData::from_labels(a.x().clone(), &bad, None),
        Err(Error::InvalidParameter { name: "y", .. })
    ));
    bad[3] = -1.0;
    assert!(OrdinalData::from_labels(a.x().clone(), &bad, None).is_err());
    assert!(matches!(
        OrdinalData::from_labels(a.x().clone(), &y, Some(2)),
        Err(Error::InvalidParameter { name: "y", .. })
    ));
    // NaN in x or y, row mismatch.
    let mut xn = a.x().clone();
    xn[(2, 1)] = f64::NAN;
    assert!(matches!(
        OrdinalData::from_labels(xn, &y, None),
        Err(Error::InvalidParameter { name: "x", .. })
    ));
    bad[3] = f64::NAN;
    assert!(OrdinalData::from_labels(a.x().clone(), &bad, None).is_err());
    assert!(matches!(
        OrdinalData::from_labels(a.x().clone(), &y[..29], None),
        Err(Error::DimensionMismatch { .. })
    ));
    // lambda < 0, alpha outside [0, 1], bad weights.
    assert!(matches!(
        Presto::new().fit(&a, -0.1),
        Err(Error::InvalidParameter { name: "lambda", .. })
    ));
    assert!(matches!(
        Presto::new().alpha(1.5).fit(&a, 0.1),
        Err(Error::InvalidParameter { name: "alpha", .. })
    ));
    assert!(a.clone().with_weights(vec![0.0; 30]).is_err());
    // The spec calls λ = 0 on A quasi-separated, but the nonparallel MLE exists: scipy's
    // Nelder-Mead and BFGS from different starts agree with our KKT-certified fit.
    let f = fixtures();
    let np = Presto::new().penalize_first(false).fit(&a, 0.0).unwrap();
    assert!(np.kkt <= 1e-8);
    close(
        np.loglik,
        f["nonparallel_mle"]["loglik_bfgs"].as_f64().unwrap(),
        1e-9,
        "nonparallel MLE loglik",
    );
    close(
        np.model.coef[(1, 1)],
        vec_of(&f["nonparallel_mle"]["coef"][1])[1],
        1e-5,
        "nonparallel MLE slope",
    );
    assert!(Presto::new().fit(&a, 0.02).unwrap().converged);
    // Complete separation: proportional odds and unpenalized PRESTO are errors, never a silent
    // answer; penalized PRESTO still converges.
    let x = DMatrix::from_fn(12, 1, |i, _| i as f64);
    let ys: Vec<f64> = (0..12).map(|i| (i / 4) as f64).collect();
    let sep = OrdinalData::from_labels(x, &ys, None).unwrap();
    let e = ProportionalOdds::new().fit(&sep).unwrap_err();
    assert!(matches!(e, Error::NotIdentifiable(_)), "{e}");
    let e = Presto::new().fit(&sep, 0.0).unwrap_err();
    assert!(matches!(e, Error::NotIdentifiable(_)), "{e}");
    assert!(Presto::new().fit(&sep, 0.01).unwrap().converged);
}

#[test]
fn logit_last_is_binary_logistic_on_the_rare_class() {
    let a = dataset_a();
    let fit = LogitLast::new().fit(&a).unwrap();
    assert_eq!(fit.model.n_classes(), 2);
    // Score equations of logistic regression: Σ (1{y = last} − p̂) = 0 and Σ x (…) = 0.
    let p = fit.model.last_class_probability(a.x()).unwrap();
    let r: Vec<f64> = a
        .y()
        .iter()
        .zip(&p)
        .map(|(&c, &q)| f64::from(u8::from(c == 2)) - q)
        .collect();
    close(r.iter().sum::<f64>(), 0.0, 1e-8, "intercept score");
    for j in 0..2 {
        close(
            r.iter()
                .enumerate()
                .map(|(i, v)| v * a.x()[(i, j)])
                .sum::<f64>(),
            0.0,
            1e-8,
            "slope score",
        );
    }
}

// ---------------------------------------------------------------- acceptance 4: metrics

#[test]
fn metrics_match_scikit_learn_on_the_spec_example() {
    let f = fixtures();
    let m = &f["metrics"];
    let y = metrics::labels_from_f64(&vec_of(&m["y"])).unwrap();
    let s = vec_of(&m["score"]);
    close(
        metrics::auroc(&y, &s).unwrap(),
        m["auroc"].as_f64().unwrap(),
        1e-12,
        "AUROC",
    );
    close(
        metrics::auroc(&y, &s).unwrap(),
        8.0 / 9.0,
        1e-12,
        "AUROC 8/9",
    );
    close(
        metrics::average_precision(&y, &s).unwrap(),
        m["average_precision"].as_f64().unwrap(),
        1e-12,
        "AP",
    );
    close(
        metrics::average_precision(&y, &s).unwrap(),
        13.0 / 18.0,
        1e-12,
        "AP 13/18",
    );
    close(
        metrics::brier(&y, &s).unwrap(),
        m["brier"].as_f64().unwrap(),
        1e-12,
        "Brier",
    );
    close(
        metrics::log_loss(&y, &s).unwrap(),
        m["log_loss"].as_f64().unwrap(),
        1e-12,
        "log loss",
    );
    for (binning, key) in [
        (Binning::Uniform, "uniform"),
        (Binning::Quantile, "quantile"),
    ] {
        let c = metrics::calibration_curve(&y, &s, 4, binning).unwrap();
        let (t, p) = (
            vec_of(&m[format!("calibration_{key}_true")]),
            vec_of(&m[format!("calibration_{key}_pred")]),
        );
        assert_eq!(c.prob_true.len(), t.len(), "{key}");
        for i in 0..t.len() {
            close(c.prob_true[i], t[i], 1e-12, "calibration true");
            close(c.prob_pred[i], p[i], 1e-12, "calibration pred");
        }
    }
}

#[test]
fn auroc_and_auprc_identities_on_random_data() {
    use rand::RngExt;
    let mut rng = veristat::rng::stream(7, "metrics", 0);
    for rep in 0..20 {
        let n = 50 + rep * 7;
        // Coarse scores so that ties between classes are common.
        let y: Vec<bool> = (0..n).map(|_| rng.random::<f64>() < 0.2).collect();
        if !y.iter().any(|&v| v) || y.iter().all(|&v| v) {
            continue;
        }
        let s: Vec<f64> = y
            .iter()
            .map(|&t| ((rng.random::<f64>() + if t { 0.4 } else { 0.0 }) * 10.0).round() / 10.0)
            .collect();
        let pos: Vec<usize> = (0..n).filter(|&i| y[i]).collect();
        let neg: Vec<usize> = (0..n).filter(|&i| !y[i]).collect();
        // 1 − E_{t ~ f|y=1}[FPR(t)], FPR with ties ½.
        let mean_fpr = pos
            .iter()
            .map(|&i| {
                neg.iter()
                    .map(|&j| {
                        if s[j] > s[i] {
                            1.0
                        } else if s[j] == s[i] {
                            0.5
                        } else {
                            0.0
                        }
                    })
                    .sum::<f64>()
                    / neg.len() as f64
            })
            .sum::<f64>()
            / pos.len() as f64;
        close(
            metrics::auroc(&y, &s).unwrap(),
            1.0 - mean_fpr,
            1e-12,
            "AUROC identity",
        );
        // 1 − π₀ E_{t ~ f|y=1}[FPR_≥(t) / P(f ≥ t)].
        let pi0 = neg.len() as f64 / n as f64;
        let term = pos
            .iter()
            .map(|&i| {
                let fpr = neg.iter().filter(|&&j| s[j] >= s[i]).count() as f64 / neg.len() as f64;
                let pge = (0..n).filter(|&j| s[j] >= s[i]).count() as f64 / n as f64;
                fpr / pge
            })
            .sum::<f64>()
            / pos.len() as f64;
        close(
            metrics::average_precision(&y, &s).unwrap(),
            1.0 - pi0 * term,
            1e-12,
            "AP identity",
        );
        // Invariance to a strictly increasing transform.
        let t: Vec<f64> = s.iter().map(|v| (3.0 * v).exp() - 7.0).collect();
        close(
            metrics::auroc(&y, &t).unwrap(),
            metrics::auroc(&y, &s).unwrap(),
            1e-12,
            "AUROC invariance",
        );
        close(
            metrics::average_precision(&y, &t).unwrap(),
            metrics::average_precision(&y, &s).unwrap(),
            1e-12,
            "AP invariance",
        );
    }
}

// ---------------------------------------------------------------- acceptance 5: claim

#[test]
fn claim_presto_rare_passes_at_test_scale() {
    use veristat::montecarlo::{NoProgress, RunConfig, Scale, runner};
    let claim = veristat::claims::find("ordinal-presto-rare", Scale::Test).unwrap();
    let table = runner::run(
        claim.as_ref(),
        &RunConfig::new(1, claim.default_replicates()),
        &NoProgress,
    )
    .unwrap();
    assert!(
        table
            .rows
            .iter()
            .all(|r| r.values.iter().all(|v| v.is_finite()))
    );
    let verdict = claim.verdict(&table).unwrap();
    for c in &verdict.checks {
        eprintln!("{}: {:e}", c.name, c.estimate);
    }
    assert!(verdict.pass(), "{verdict:#?}");
}

// ---------------------------------------------------------------- CLI

#[cfg(feature = "cli")]
mod cli {
    use super::*;
    use common::veristat as run;

    fn write_csv(name: &str, header: &str, rows: &[String]) -> std::path::PathBuf {
        common::temp_file("ordinal", name, &format!("{header}\n{}\n", rows.join("\n")))
    }

    fn dataset_a_csv() -> std::path::PathBuf {
        let a = dataset_a();
        let rows: Vec<String> = (0..30)
            .map(|i| format!("{},{},{}", a.x()[(i, 0)], a.x()[(i, 1)], a.y()[i]))
            .collect();
        write_csv("a.csv", "x1,x2,y", &rows)
    }

    #[test]
    fn fit_ordinal_json_contract() {
        let f = fixtures();
        let csv = dataset_a_csv();
        let csv = csv.to_str().unwrap();
        let (code, out, err) = run(&[
            "fit", "ordinal", "--data", csv, "--target", "y", "--model", "po",
        ]);
        assert_eq!(code, 0, "{err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        for key in [
            "model",
            "feature_names",
            "cutpoints",
            "coef",
            "loglik",
            "lambda",
            "n_iter",
            "converged",
            "std_errors",
        ] {
            assert!(v.get(key).is_some(), "missing {key}");
        }
        close(
            v["loglik"].as_f64().unwrap(),
            f["po"]["loglik"].as_f64().unwrap(),
            1e-6,
            "CLI loglik",
        );
        assert_eq!(v["coef"].as_array().unwrap().len(), 2);
        assert_eq!(v["coef"][0], v["coef"][1]);
        let (code, out, err) = run(&[
            "fit", "ordinal", "--data", csv, "--target", "y", "--model", "presto", "--lambda",
            "0.05",
        ]);
        assert_eq!(code, 0, "{err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        close(
            v["objective"].as_f64().unwrap(),
            0.957239064,
            1e-7,
            "CLI PRESTO objective",
        );
        assert!(v.get("std_errors").is_none());
        // Fold ids row % 3 keep each of the four top-class rows' folds mixed, so every training
        // set has all classes (a seeded shuffle of 30 rows can leave that class out of one).
        let a = dataset_a();
        let rows: Vec<String> = (0..30)
            .map(|i| format!("{},{},{},{}", a.x()[(i, 0)], a.x()[(i, 1)], a.y()[i], i % 3))
            .collect();
        let folded = write_csv("a_folds.csv", "x1,x2,y,fold", &rows);
        let (code, out, err) = run(&[
            "fit",
            "ordinal",
            "--data",
            folded.to_str().unwrap(),
            "--target",
            "y",
            "--model",
            "presto",
            "--n-lambdas",
            "5",
            "--foldid",
            "fold",
            "--penalize-first",
            "false",
        ]);
        assert_eq!(code, 0, "{err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["lambdas"].as_array().unwrap().len(), 5);
        close(
            v["lambdas"][0].as_f64().unwrap(),
            0.0802158,
            5e-8,
            "CLI lambda_max (w1 = 0)",
        );
        let (code, out, _) = run(&[
            "fit",
            "ordinal",
            "--data",
            csv,
            "--target",
            "y",
            "--model",
            "logit-last",
        ]);
        assert_eq!(code, 0);
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["cutpoints"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn metrics_json_contract() {
        let f = fixtures();
        let m = &f["metrics"];
        let rows: Vec<String> = vec_of(&m["y"])
            .iter()
            .zip(vec_of(&m["score"]))
            .map(|(y, s)| format!("{y},{s}"))
            .collect();
        let csv = write_csv("m.csv", "label,score", &rows);
        let (code, out, err) = run(&[
            "metrics",
            "--data",
            csv.to_str().unwrap(),
            "--label",
            "label",
            "--score",
            "score",
        ]);
        assert_eq!(code, 0, "{err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        for key in ["auroc", "average_precision", "brier", "log_loss"] {
            close(
                v[key].as_f64().unwrap(),
                m[key].as_f64().unwrap(),
                1e-12,
                key,
            );
        }
    }

    #[test]
    fn bad_input_exits_2_with_one_line() {
        let csv = dataset_a_csv();
        let csv = csv.to_str().unwrap();
        let cases: Vec<Vec<&str>> = vec![
            vec![
                "fit", "ordinal", "--data", csv, "--target", "x1", "--model", "po",
            ], // non-integer labels
            vec![
                "fit", "ordinal", "--data", csv, "--target", "nope", "--model", "po",
            ],
            vec![
                "fit",
                "ordinal",
                "--data",
                csv,
                "--target",
                "y",
                "--model",
                "presto",
                "--lambda=-1",
            ],
            vec!["metrics", "--data", csv, "--label", "y", "--score", "x1"], // labels not 0/1
        ];
        for args in cases {
            let (code, _, err) = run(&args);
            assert_eq!(code, 2, "{args:?}: {err}");
            assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        }
        // A class with no rows is named.
        let rows: Vec<String> = (0..9)
            .map(|i| format!("{},{}", i as f64 * 0.1, [0, 2, 3][i % 3]))
            .collect();
        let gap = write_csv("gap.csv", "x,y", &rows);
        let (code, _, err) = run(&[
            "fit",
            "ordinal",
            "--data",
            gap.to_str().unwrap(),
            "--target",
            "y",
            "--model",
            "po",
        ]);
        assert_eq!(code, 2);
        assert!(err.contains("class 1"), "{err}");
        // K < 3 for PRESTO.
        let rows: Vec<String> = (0..10)
            .map(|i| format!("{},{}", i as f64 * 0.1 + 0.05 * (i % 3) as f64, i % 2))
            .collect();
        let bin = write_csv("bin.csv", "x,y", &rows);
        let (code, _, err) = run(&[
            "fit",
            "ordinal",
            "--data",
            bin.to_str().unwrap(),
            "--target",
            "y",
            "--model",
            "presto",
            "--lambda",
            "0.1",
        ]);
        assert_eq!(code, 2);
        assert!(err.contains("K"), "{err}");
    }
}

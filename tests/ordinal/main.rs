//! Integration tests of the `ordinal` module and `metrics` against independent references:
//! statsmodels `OrderedModel`, scikit-learn metrics and scipy L-BFGS-B on the PRESTO objective
//! (tests/fixtures/ordinal/make_fixtures.py), the spec's tables, closed forms and KKT
//! certificates.

#[cfg(feature = "cli")]
mod cli;
#[path = "../common/mod.rs"]
mod common;
mod rare_event_metrics;

use nalgebra::DMatrix;
use serde_json::Value;
use veristat::Error;
use veristat::estimator::{Fit, Fitted, Folds, ParamGuard, Rows};
use veristat::metrics::{self, Binning};
use veristat::ordinal::likelihood;
use veristat::ordinal::presto::round_robin_fold_ids;
use veristat::ordinal::{
    LogitLastParams, OrdinalData, PrestoCvParams, PrestoParams, PrestoPathParams,
    ProportionalOddsParams,
};

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
    let fit = ProportionalOddsParams::new().fit(&dataset_a()).unwrap();
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
    assert!(fit.gradient_norm() <= 1e-10);
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
    let fit = ProportionalOddsParams::new().fit(&data).unwrap();
    assert!(fit.diagnostics().converged() && fit.gradient_norm() <= 1e-10);
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
    let weighted = ProportionalOddsParams::new()
        .fit(&a.clone().with_weights(w).unwrap())
        .unwrap();
    let rows: Vec<usize> = (0..30).chain([4, 25, 25]).collect();
    let dup = ProportionalOddsParams::new()
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
        let fit = PrestoParams::new(*lam)
            .penalize_first(*w1 == 1.0)
            .fit(&a)
            .unwrap();
        assert!(
            fit.diagnostics().converged() && fit.kkt() <= 1e-8,
            "KKT {}",
            fit.kkt()
        );
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
        let ll = likelihood::loglik(
            &a,
            &fit.model.cutpoints,
            &fit.model.coef.transpose(),
            fit.model.link,
        )
        .unwrap();
        close(ll, fit.loglik, 1e-12, "loglik identity");
    }
}

#[test]
fn lambda_max_for_both_first_block_settings() {
    let a = dataset_a();
    for (w1, expected) in [(true, 0.0916303), (false, 0.0802158)] {
        let p = PrestoPathParams::new().penalize_first(w1).check().unwrap();
        let lmax = p.lambda_max(&a).unwrap();
        close(lmax, expected, 5e-8, "lambda_max");
        let at_lambda = |l: f64| PrestoParams::new(l).penalize_first(w1).fit(&a);
        let at = at_lambda(lmax).unwrap();
        let first = if w1 { 0 } else { 1 };
        assert!(
            (first..2).all(|k| at.psi.row(k).iter().all(|&v| v == 0.0)),
            "all penalized psi are 0 at lambda_max"
        );
        let below = at_lambda(0.99 * lmax).unwrap();
        assert!(
            (first..2).any(|k| below.psi.row(k).iter().any(|&v| v != 0.0)),
            "some psi != 0 below lambda_max"
        );
    }
}

#[test]
fn presto_above_lambda_max_is_po_or_intercept_only() {
    let a = dataset_a();
    let po = ProportionalOddsParams::new().fit(&a).unwrap();
    let fit = PrestoParams::new(0.0802158 * 1.5)
        .penalize_first(false)
        .fit(&a)
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
    let io = PrestoParams::new(0.5).fit(&a).unwrap();
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
    let fit = PrestoParams::new(0.05).a(0.0).fit(&a).unwrap();
    assert!(fit.diagnostics().converged() && fit.kkt() <= 1e-8);
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
    let p = PrestoParams::new(0.03).standardize(true);
    let f3 = p.fit(&with_const).unwrap();
    let f2 = p.fit(&a).unwrap();
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
    let g = PrestoParams::new(0.03).fit(&pre).unwrap();
    let p1 = f2.model.raw_probabilities(a.x()).unwrap();
    let p2 = g.model.raw_probabilities(&xs).unwrap();
    assert!((p1 - p2).amax() < 1e-8);
}

#[test]
fn path_warm_starts_and_cv_choice() {
    let a = dataset_a();
    let p = PrestoPathParams::new().n_lambdas(8).lambda_ratio(0.05);
    let path = p.fit(&a).unwrap();
    close(path.lambda_max, 0.0916303, 5e-8, "path lambda_max");
    for (fit, lam) in path.fits.iter().zip(&path.lambdas) {
        assert!(fit.diagnostics().converged());
        let cold = PrestoParams::new(*lam).fit(&a).unwrap();
        assert!(
            fit.objective <= cold.objective + 1e-10,
            "warm {} vs cold {}",
            fit.objective,
            cold.objective
        );
    }
    let folds = Folds::Ids((0..30).map(|i| (i % 3) as i64).collect());
    let cv = PrestoCvParams::new(p.clone(), folds).fit(&a).unwrap();
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
            let folds = Folds::Ids(round_robin_fold_ids(30, 3, &mut rng).unwrap());
            PrestoCvParams::new(p.clone(), folds).fit(&a).unwrap()
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
    // K = 2: PRESTO is the penalized binary model (issue 19; tests/ordinal_links/penalized.rs
    // checks it against references), PO is logistic regression.
    let bin: Vec<f64> = y.iter().map(|&v| if v > 0.0 { 1.0 } else { 0.0 }).collect();
    let d2 = OrdinalData::from_labels(a.x().clone(), &bin, None).unwrap();
    assert_eq!(
        PrestoParams::new(0.1).fit(&d2).unwrap().model.coef.nrows(),
        1
    );
    assert!(ProportionalOddsParams::new().fit(&d2).is_ok());
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
    // lambda < 0, the mixing weight a outside [0, 1], bad weights.
    assert!(matches!(
        PrestoParams::new(-0.1).fit(&a),
        Err(Error::InvalidParameter { name: "lambda", .. })
    ));
    assert!(matches!(
        PrestoParams::new(0.1).a(1.5).fit(&a),
        Err(Error::InvalidParameter { name: "a", .. })
    ));
    assert!(a.clone().with_weights(vec![0.0; 30]).is_err());
    // The spec calls λ = 0 on A quasi-separated, but the nonparallel MLE exists: scipy's
    // Nelder-Mead and BFGS from different starts agree with our KKT-certified fit.
    let f = fixtures();
    let np = PrestoParams::new(0.0)
        .penalize_first(false)
        .fit(&a)
        .unwrap();
    assert!(np.kkt() <= 1e-8);
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
    assert!(
        PrestoParams::new(0.02)
            .fit(&a)
            .unwrap()
            .diagnostics()
            .converged()
    );
    // Complete separation: proportional odds and unpenalized PRESTO are errors, never a silent
    // answer; penalized PRESTO still converges.
    let x = DMatrix::from_fn(12, 1, |i, _| i as f64);
    let ys: Vec<f64> = (0..12).map(|i| (i / 4) as f64).collect();
    let sep = OrdinalData::from_labels(x, &ys, None).unwrap();
    let e = ProportionalOddsParams::new().fit(&sep).unwrap_err();
    assert!(matches!(e, Error::NotIdentifiable(_)), "{e}");
    let e = PrestoParams::new(0.0).fit(&sep).unwrap_err();
    assert!(matches!(e, Error::NotIdentifiable(_)), "{e}");
    assert!(
        PrestoParams::new(0.01)
            .fit(&sep)
            .unwrap()
            .diagnostics()
            .converged()
    );
}

#[test]
fn logit_last_is_binary_logistic_on_the_rare_class() {
    let a = dataset_a();
    let fit = LogitLastParams::new().fit(&a).unwrap();
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

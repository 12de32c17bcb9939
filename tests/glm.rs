//! Sparse GLMs against R glmnet 4.1-6: binomial, poisson and gaussian paths with and without
//! standardization, observation weights and penalty factors (grid, coefficients, deviance
//! ratio, early stop), and that veristat's objective is no larger than glmnet's while its KKT
//! residual is tighter; typed errors for bad inputs; cross-validation.
//!
//! Fixtures: `tests/fixtures/glm/make_fixtures.R` (versions in `tests/fixtures/glm/versions.txt`).

use nalgebra::{DMatrix, DVector};
use serde_json::Value;
use veristat::estimator::{Fit, Fitted, Folds, RegressionData};
use veristat::sparse::glm::{
    CvMeasure, Family, GlmCvParams, GlmOptions, GlmParams, GlmPathParams, GlmStop,
    glm_kkt_residual, glm_objective,
};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn fixture(family: &str) -> Value {
    let text = std::fs::read_to_string(format!("{ROOT}/tests/fixtures/glm/{family}.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn matrix(v: &Value) -> DMatrix<f64> {
    let rows: Vec<Vec<f64>> = v.as_array().unwrap().iter().map(floats).collect();
    DMatrix::from_fn(rows.len(), rows[0].len(), |i, j| rows[i][j])
}

fn opt_vec(v: &Value) -> Option<DVector<f64>> {
    (!v.is_null()).then(|| DVector::from_vec(floats(v)))
}

/// Worst coefficient difference relative to the path's max |beta|, worst KKT residual / alpha
/// of veristat's solutions, and worst KKT of glmnet's.
struct Worst {
    coef: f64,
    kkt: f64,
    glmnet_kkt: f64,
    length: usize,
}

fn check_family(family: Family) -> Worst {
    let fx = fixture(family.name());
    let mut worst = Worst {
        coef: 0.0,
        kkt: 0.0,
        glmnet_kkt: 0.0,
        length: 0,
    };
    for case in fx["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let rho = case["alpha"].as_f64().unwrap();
        let data =
            RegressionData::new(matrix(&fx["x"]), DVector::from_vec(floats(&case["y"]))).unwrap();
        let options = GlmOptions {
            standardize: case["standardize"].as_bool().unwrap(),
            weights: opt_vec(&case["weights"]),
            penalty_factor: opt_vec(&case["penalty_factor"]),
            ..GlmOptions::default()
        };
        let fit = GlmPathParams::new(family)
            .l1_ratio(rho)
            .options(options.clone())
            .fit(&data)
            .unwrap();
        let lambda = floats(&case["lambda"]);
        let a0 = floats(&case["a0"]);
        let beta = matrix(&case["beta"]);
        let dev_ratio = floats(&case["dev_ratio"]);
        // glmnet's early stop reads its own (threshold-1e-7) deviance ratios, so near the
        // end of the path the index where a 1e-5 rule fires can differ by a few points.
        let common = lambda.len().min(fit.alphas.len());
        assert!(
            fit.alphas.len().abs_diff(lambda.len()) <= 3,
            "{} {name}: path length {} vs glmnet's {} (early stop {:?})",
            family.name(),
            fit.alphas.len(),
            lambda.len(),
            fit.stop
        );
        worst.length = worst.length.max(fit.alphas.len().abs_diff(lambda.len()));
        assert_ne!(fit.stop, GlmStop::Complete, "{name}: glmnet stopped early");
        assert!(fit.diagnostics().converged());
        let tight = case["lambda_max_tight"].as_f64().unwrap();
        assert!(
            (fit.alpha_max - tight).abs() < 1e-9 * tight,
            "{name}: alpha_max {} vs glmnet's at thresh 1e-20 {tight}",
            fit.alpha_max
        );
        let (mut case_kkt, mut case_glmnet_kkt) = (0.0f64, 0.0f64);
        let same_grid = GlmPathParams::new(family)
            .l1_ratio(rho)
            .options(options.clone())
            .alphas(lambda.clone())
            .fit(&data)
            .unwrap();
        let bmax = beta.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for k in 0..common {
            // With unpenalized features glmnet's alpha_max reads the gradient at its own
            // (threshold-1e-7) unpenalized fit, so the grid agrees to that fit's precision; the
            // tight-threshold glmnet's alpha_max is checked to 1e-9 below.
            let grid_tol = if case["penalty_factor"].is_null() {
                1e-9
            } else {
                1e-4
            };
            let rel = (fit.alphas[k] - lambda[k]).abs() / lambda[k];
            assert!(
                rel < grid_tol,
                "{name}: alpha[{k}] {} vs {}",
                fit.alphas[k],
                lambda[k]
            );
            let theirs = beta.column(k).into_owned();
            let diff = (fit.coef(k) - &theirs).amax() / bmax;
            worst.coef = worst.coef.max(diff);
            assert!(
                diff < 1e-3,
                "{name}: coef at {k} differ by {diff:e} of max|b|"
            );
            let objective = |c: &DVector<f64>, b: f64| {
                glm_objective(family, &data, c, b, lambda[k], rho, &options).unwrap()
            };
            // On glmnet's own grid (which differs from ours in the 5th digit when some
            // penalty factor is 0), so that both solve the same problem.
            let ours = objective(&same_grid.coef(k), same_grid.intercepts[k]);
            let glmnet = objective(&theirs, a0[k]);
            assert!(
                ours <= glmnet + 1e-13 * glmnet.abs(),
                "{name}: objective at {k}: {ours} > glmnet's {glmnet}"
            );
            let kkt = |c: &DVector<f64>, b: f64, alpha: f64| {
                glm_kkt_residual(family, &data, c, b, alpha, rho, &options).unwrap()
            };
            let k_ours = kkt(&fit.coef(k), fit.intercepts[k], fit.alphas[k]);
            let k_glmnet = kkt(&theirs, a0[k], lambda[k]);
            assert!(
                (k_ours - fit.kkt[k]).abs() <= 1e-9,
                "{name}: certificate at {k}"
            );
            assert!(k_ours <= 1e-7, "{name}: KKT at {k} = {k_ours:e}");
            case_kkt = case_kkt.max(k_ours);
            case_glmnet_kkt = case_glmnet_kkt.max(k_glmnet);
            worst.kkt = worst.kkt.max(k_ours);
            worst.glmnet_kkt = worst.glmnet_kkt.max(k_glmnet);
            assert!(
                (fit.deviance_ratio[k] - dev_ratio[k]).abs() < 1e-3,
                "{name}: dev ratio at {k}: {} vs {}",
                fit.deviance_ratio[k],
                dev_ratio[k]
            );
        }
        assert!(
            case_kkt <= case_glmnet_kkt,
            "{name}: worst KKT ours {case_kkt:e} vs glmnet {case_glmnet_kkt:e}"
        );
        let nulldev = case["nulldev"].as_f64().unwrap();
        assert!(
            (fit.null_deviance - nulldev).abs() < 1e-9 * nulldev,
            "{name}: null deviance"
        );
    }
    eprintln!(
        "{}: worst |coef - glmnet| / max|b| = {:.2e}; worst KKT / alpha: veristat {:.2e}, glmnet {:.2e}; path lengths differ by <= {}",
        family.name(),
        worst.coef,
        worst.kkt,
        worst.glmnet_kkt,
        worst.length
    );
    worst
}

#[test]
fn binomial_paths_match_glmnet() {
    check_family(Family::Binomial);
}

#[test]
fn poisson_paths_match_glmnet() {
    check_family(Family::Poisson);
}

#[test]
fn gaussian_paths_with_penalty_factors_match_glmnet() {
    check_family(Family::Gaussian);
}

fn small(family: Family) -> RegressionData {
    let fx = fixture(family.name());
    let case = &fx["cases"][0];
    RegressionData::new(matrix(&fx["x"]), DVector::from_vec(floats(&case["y"]))).unwrap()
}

#[test]
fn bad_inputs_are_typed_errors_naming_the_parameter() {
    let data = small(Family::Binomial);
    let msg = |r: veristat::Result<veristat::sparse::glm::GlmPathFit>| r.unwrap_err().to_string();
    let pf =
        |v: Vec<f64>| GlmPathParams::new(Family::Binomial).penalty_factor(DVector::from_vec(v));
    let mut neg = vec![1.0; 10];
    neg[3] = -1.0;
    assert!(msg(pf(neg).fit(&data)).contains("penalty_factor"));
    assert!(msg(pf(vec![0.0; 10]).fit(&data)).contains("all zero"));
    assert!(msg(pf(vec![1.0; 3]).fit(&data)).contains("penalty factors"));
    let mut w = vec![1.0; 200];
    w[7] = -0.5;
    let e = msg(GlmPathParams::new(Family::Binomial)
        .weights(DVector::from_vec(w))
        .fit(&data));
    assert!(e.contains("weights") && e.contains("index 7"), "{e}");
    // y outside the support: a count for binomial, a negative value for poisson.
    let (x, mut y) = (data.x().clone(), data.y().clone());
    y[4] = 2.0;
    let two = RegressionData::new(x.clone(), y.clone()).unwrap();
    let e = msg(GlmPathParams::new(Family::Binomial).fit(&two));
    assert!(e.contains("`y`") && e.contains("row 4"), "{e}");
    assert!(GlmPathParams::new(Family::Poisson).fit(&two).is_ok());
    y[4] = -1.0;
    let neg_y = RegressionData::new(x.clone(), y).unwrap();
    assert!(msg(GlmPathParams::new(Family::Poisson).fit(&neg_y)).contains("`y`"));
    // One class only: the null model does not exist.
    let ones = RegressionData::new(x, DVector::from_element(200, 1.0)).unwrap();
    assert!(msg(GlmPathParams::new(Family::Binomial).fit(&ones)).contains("single class"));
    assert!(GlmParams::new(Family::Poisson, -1.0).fit(&data).is_err());
    assert!(
        GlmPathParams::new(Family::Poisson)
            .l1_ratio(1.5)
            .fit(&data)
            .is_err()
    );
}

#[test]
fn a_single_fit_is_the_path_point_and_predicts_means() {
    let data = small(Family::Poisson);
    let path = GlmPathParams::new(Family::Poisson).fit(&data).unwrap();
    let k = 20;
    let one = GlmParams::new(Family::Poisson, path.alphas[k])
        .fit(&data)
        .unwrap();
    assert!(one.diagnostics().converged() && one.kkt <= 1e-7);
    let scale = path.coefs.amax();
    assert!((one.coef.clone() - path.coef(k)).amax() < 1e-6 * scale);
    use veristat::estimator::Predict;
    let mu = one.predict(data.x()).unwrap();
    assert!(mu.iter().all(|&m| m > 0.0));
    // The intercept-only model's mean response is the mean of y.
    let top = path.predict_at(data.x(), 0).unwrap();
    assert!((top.mean() - data.y().mean()).abs() < 1e-9);
}

#[test]
fn cross_validation_of_every_family_and_measure() {
    for (family, measures) in [
        (
            Family::Binomial,
            vec![
                CvMeasure::Deviance,
                CvMeasure::Mse,
                CvMeasure::Mae,
                CvMeasure::Class,
                CvMeasure::Auc,
            ],
        ),
        (
            Family::Poisson,
            vec![CvMeasure::Deviance, CvMeasure::Mse, CvMeasure::Mae],
        ),
        (Family::Gaussian, vec![CvMeasure::Mse]),
    ] {
        let data = small(family);
        let ids: Vec<i64> = (0..200).map(|i| (i % 5) as i64).collect();
        for m in measures {
            let cv = GlmCvParams::new(GlmPathParams::new(family))
                .folds(Folds::Ids(ids.clone()))
                .measure(m)
                .fit(&data)
                .unwrap();
            assert!(cv.alpha_1se >= cv.alpha_min, "{m:?}");
            assert_eq!(cv.fold_measure.nrows(), 5);
            assert!(cv.mean.iter().all(|v| v.is_finite()));
            // The minimum (maximum for AUC) is where it says.
            let best = cv.mean[cv.index_min];
            let better = |a: f64, b: f64| if m == CvMeasure::Auc { a > b } else { a < b };
            assert!(cv.mean.iter().all(|&v| !better(v, best)));
        }
    }
    let bad = GlmCvParams::new(GlmPathParams::new(Family::Poisson))
        .measure(CvMeasure::Auc)
        .fit(&small(Family::Poisson));
    assert!(bad.unwrap_err().to_string().contains("measure"));
}

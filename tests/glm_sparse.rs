//! Sparse GLMs on a compressed-sparse-column design against R glmnet 4.1-6 given the same
//! matrix as a `dgCMatrix` (its implicit centring and scaling): binomial, poisson and gaussian
//! paths with and without standardization, observation weights and penalty factors. Each case
//! checks glmnet's grid, the coefficients, that veristat's objective is no larger than
//! glmnet's while its KKT residual is tighter, and that the sparse fit equals the dense fit of
//! the same matrix; the Matrix Market reader and `veristat fit lasso --mtx` on the same data.
//!
//! Fixtures: `tests/fixtures/glm/make_fixtures.R` (its sparse section; versions in
//! `tests/fixtures/glm/versions.txt`), `tests/fixtures/glm/sparse.json` and `sparse_x.mtx`.

mod common;

use nalgebra::{DMatrix, DVector};
use serde_json::Value;
use veristat::estimator::{Fit, Fitted, RegressionData};
use veristat::sparse::glm::{
    CooMatrix, CscMatrix, Family, GlmOptions, GlmPathParams, SparseRegressionData,
    glm_kkt_residual, glm_objective,
};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn fixture() -> Value {
    let text = std::fs::read_to_string(format!("{ROOT}/tests/fixtures/glm/sparse.json")).unwrap();
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

/// The fixture's matrix from its 1-based triplets.
fn design(fx: &Value) -> CscMatrix<f64> {
    let (nrow, ncol) = (
        fx["nrow"].as_u64().unwrap() as usize,
        fx["ncol"].as_u64().unwrap() as usize,
    );
    let (i, j, v) = (floats(&fx["i"]), floats(&fx["j"]), floats(&fx["v"]));
    let mut coo = CooMatrix::new(nrow, ncol);
    for k in 0..v.len() {
        coo.push(i[k] as usize - 1, j[k] as usize - 1, v[k]);
    }
    CscMatrix::from(&coo)
}

fn options(case: &Value) -> GlmOptions {
    GlmOptions {
        standardize: case["standardize"].as_bool().unwrap(),
        weights: opt_vec(&case["weights"]),
        penalty_factor: opt_vec(&case["penalty_factor"]),
        ..GlmOptions::default()
    }
}

#[derive(Default)]
struct Worst {
    coef: f64,
    own: f64,
    precise: f64,
    kkt: f64,
    glmnet_kkt: f64,
    dense: f64,
}

fn check_family(family: Family) -> Worst {
    let fx = fixture();
    let x = design(&fx);
    let dense_x = DMatrix::from(&x);
    let mut worst = Worst::default();
    for case in fx["families"][family.name()].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let rho = case["alpha"].as_f64().unwrap();
        let y = DVector::from_vec(floats(&case["y"]));
        let data = SparseRegressionData::new(x.clone(), y.clone()).unwrap();
        let dense = RegressionData::new(dense_x.clone(), y).unwrap();
        let options = options(case);
        let fit = GlmPathParams::new(family)
            .l1_ratio(rho)
            .options(options.clone())
            .fit(&data)
            .unwrap();
        assert!(fit.diagnostics().converged(), "{name}");
        let lambda = floats(&case["lambda"]);
        let (a0, beta) = (floats(&case["a0"]), matrix(&case["beta"]));
        let beta_precise = matrix(&case["beta_precise"]);
        let dev_ratio = floats(&case["dev_ratio"]);
        assert!(
            fit.alphas.len().abs_diff(lambda.len()) <= 3,
            "{name}: path length {} vs glmnet's {}",
            fit.alphas.len(),
            lambda.len()
        );
        let tight = case["lambda_max_tight"].as_f64().unwrap();
        assert!(
            (fit.alpha_max - tight).abs() < 1e-9 * tight,
            "{name}: alpha_max {} vs glmnet's at thresh 1e-20 {tight}",
            fit.alpha_max
        );
        let nulldev = case["nulldev"].as_f64().unwrap();
        assert!((fit.null_deviance - nulldev).abs() < 1e-9 * nulldev);
        // glmnet's grid, so that both solve the same problems (with a zero penalty factor
        // glmnet's alpha_max reads its own threshold-1e-7 unpenalized fit).
        let same_grid = GlmPathParams::new(family)
            .l1_ratio(rho)
            .options(options.clone())
            .alphas(lambda.clone())
            .fit(&data)
            .unwrap();
        let bmax = beta.amax();
        let grid_tol = if case["penalty_factor"].is_null() {
            1e-9
        } else {
            1e-4
        };
        let (mut case_kkt, mut case_glmnet_kkt) = (0.0f64, 0.0f64);
        for k in 0..lambda.len().min(fit.alphas.len()) {
            assert!(
                (fit.alphas[k] - lambda[k]).abs() < grid_tol * lambda[k],
                "{name}: alpha[{k}]"
            );
            let theirs = beta.column(k).into_owned();
            // glmnet at its default threshold is itself off by up to 1e-2 of max |b| here (its
            // distance to its own thresh-1e-14 fit on the same grid); veristat is within that
            // distance of it, and within 1e-5 of the thresh-1e-14 fit.
            let diff = (same_grid.coef(k) - &theirs).amax() / bmax;
            let own = (beta_precise.column(k) - &theirs).amax() / bmax;
            worst.coef = worst.coef.max(diff);
            worst.own = worst.own.max(own);
            assert!(
                diff <= own + 1e-5,
                "{name}: coef at {k} differ by {diff:e}, glmnet's own error {own:e}"
            );
            let precise = (same_grid.coef(k) - beta_precise.column(k)).amax() / bmax;
            worst.precise = worst.precise.max(precise);
            assert!(
                precise < 1e-5,
                "{name}: coef at {k} differ from glmnet's at thresh 1e-14 by {precise:e}"
            );
            let obj = |c: &DVector<f64>, b: f64| {
                glm_objective(family, &data, c, b, lambda[k], rho, &options).unwrap()
            };
            let (ours, glmnet) = (
                obj(&same_grid.coef(k), same_grid.intercepts[k]),
                obj(&theirs, a0[k]),
            );
            assert!(
                ours <= glmnet + 1e-13 * glmnet.abs(),
                "{name}: objective at {k}: {ours} > glmnet's {glmnet}"
            );
            let kkt = |c: &DVector<f64>, b: f64, a: f64| {
                glm_kkt_residual(family, &data, c, b, a, rho, &options).unwrap()
            };
            let k_ours = kkt(&fit.coef(k), fit.intercepts[k], fit.alphas[k]);
            assert!((k_ours - fit.kkt[k]).abs() <= 1e-9, "{name}: certificate");
            assert!(k_ours <= 1e-7, "{name}: KKT at {k} = {k_ours:e}");
            // The same certificate on the densified matrix.
            let k_dense = glm_kkt_residual(
                family,
                &dense,
                &fit.coef(k),
                fit.intercepts[k],
                fit.alphas[k],
                rho,
                &options,
            )
            .unwrap();
            assert!(
                (k_dense - k_ours).abs() <= 1e-9,
                "{name}: dense certificate"
            );
            case_kkt = case_kkt.max(k_ours);
            case_glmnet_kkt = case_glmnet_kkt.max(kkt(&theirs, a0[k], lambda[k]));
            assert!(
                (fit.deviance_ratio[k] - dev_ratio[k]).abs() < 1e-3,
                "{name}: dev ratio at {k}"
            );
        }
        assert!(
            case_kkt <= case_glmnet_kkt,
            "{name}: KKT ours {case_kkt:e} vs glmnet {case_glmnet_kkt:e}"
        );
        worst.kkt = worst.kkt.max(case_kkt);
        worst.glmnet_kkt = worst.glmnet_kkt.max(case_glmnet_kkt);
        // Sparse and dense fits of the same matrix, both solved to tol 1e-11, far past the default target,
        // agree to 1e-10 of max |b| (their arithmetic differs: implicit vs explicit centring).
        let precise = GlmPathParams::new(family)
            .l1_ratio(rho)
            .options(options.clone())
            .tol(1e-11)
            .alphas(lambda.clone());
        let s = precise.fit(&data).unwrap();
        let dn = precise.fit(&dense).unwrap();
        assert!(s.diagnostics().converged() && dn.diagnostics().converged());
        let scale = s.coefs.amax();
        let diff = (&s.coefs - &dn.coefs).amax() / scale;
        let idiff = s
            .intercepts
            .iter()
            .zip(&dn.intercepts)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        worst.dense = worst.dense.max(diff);
        assert!(
            diff < 1e-10 && idiff < 1e-10 * scale.max(1.0),
            "{name}: sparse vs dense {diff:e}, intercepts {idiff:e}"
        );
    }
    eprintln!(
        "sparse {}: worst |coef - glmnet| / max|b| = {:.2e} (glmnet's own error {:.2e}; vs glmnet at thresh 1e-14: {:.2e}); worst KKT / alpha: veristat {:.2e}, glmnet {:.2e}; sparse vs dense {:.1e}",
        family.name(),
        worst.coef,
        worst.own,
        worst.precise,
        worst.kkt,
        worst.glmnet_kkt,
        worst.dense
    );
    worst
}

#[test]
fn sparse_binomial_paths_match_glmnet_and_the_dense_fit() {
    check_family(Family::Binomial);
}

#[test]
fn sparse_poisson_paths_match_glmnet_and_the_dense_fit() {
    check_family(Family::Poisson);
}

#[test]
fn sparse_gaussian_paths_match_glmnet_and_the_dense_fit() {
    check_family(Family::Gaussian);
}

#[test]
fn the_matrix_market_file_is_the_fixture_matrix_and_bad_data_are_typed_errors() {
    let fx = fixture();
    let x = design(&fx);
    let read =
        veristat::data::read_matrix_market(format!("{ROOT}/tests/fixtures/glm/sparse_x.mtx"))
            .unwrap();
    // writeMM prints 15 significant digits; the triplets carry all 17.
    let (a, b) = (DMatrix::from(&read), DMatrix::from(&x));
    assert_eq!(read.nnz(), x.nnz());
    assert!((a - &b).amax() <= 1e-14 * b.amax());
    let y = DVector::from_element(x.nrows() - 1, 0.0);
    assert!(SparseRegressionData::new(x.clone(), y).is_err());
    let y = DVector::from_fn(x.nrows(), |i, _| (i % 2) as f64 * 3.0);
    let e = GlmPathParams::new(Family::Binomial)
        .fit(&SparseRegressionData::new(x, y).unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.contains("`y`") && e.contains("row 1"), "{e}");
}

/// `veristat fit lasso --mtx X.mtx --data y.csv --target y`: glmnet's grid to 1e-9, its
/// coefficients within glmnet's own error (its distance to its thresh-1e-14 fit) and to 1e-5
/// of max |b| of that fit, objective no larger than glmnet's.
#[cfg(feature = "cli")]
#[test]
fn cli_fits_a_matrix_market_design() {
    let fx = fixture();
    let x = design(&fx);
    let mtx = format!("{ROOT}/tests/fixtures/glm/sparse_x.mtx");
    for family in [Family::Binomial, Family::Poisson] {
        let case = &fx["families"][family.name()][0];
        let y = floats(&case["y"]);
        let body: String = std::iter::once("y".to_string())
            .chain(y.iter().map(|v| format!("{v:?}")))
            .collect::<Vec<_>>()
            .join("\n")
            + "\n";
        let csv = common::temp_file("glm_sparse", &format!("{}.csv", family.name()), &body);
        let (code, out, err) = common::veristat(&[
            "fit",
            "lasso",
            "--mtx",
            &mtx,
            "--data",
            &csv.to_string_lossy(),
            "--target",
            "y",
            "--family",
            family.name(),
            "--standardize",
        ]);
        assert_eq!(code, 0, "{err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["feature_names"][49], "x50");
        let alphas = floats(&v["alphas"]);
        let lambda = floats(&case["lambda"]);
        assert_eq!(alphas.len(), lambda.len());
        let (beta, a0) = (matrix(&case["beta"]), floats(&case["a0"]));
        let (coefs, intercepts) = (matrix(&v["coef"]), floats(&v["intercept"]));
        let beta_precise = matrix(&case["beta_precise"]);
        let data = SparseRegressionData::new(x.clone(), DVector::from_vec(y)).unwrap();
        let options = options(case);
        let mut worst = 0.0f64;
        for k in 0..lambda.len() {
            assert!((alphas[k] - lambda[k]).abs() <= 1e-9 * lambda[k]);
            let (ours, theirs) = (coefs.row(k).transpose(), beta.column(k).into_owned());
            let diff = (&ours - &theirs).amax() / beta.amax();
            let own = (beta_precise.column(k) - &theirs).amax() / beta.amax();
            worst = worst.max(diff);
            assert!(
                diff <= own + 1e-5,
                "coef {k}: {diff:e} (glmnet's own {own:e})"
            );
            let precise = (&ours - beta_precise.column(k)).amax() / beta.amax();
            assert!(
                precise < 1e-5,
                "coef {k} vs glmnet at thresh 1e-14: {precise:e}"
            );
            let obj = |c: &DVector<f64>, b: f64| {
                glm_objective(family, &data, c, b, lambda[k], 1.0, &options).unwrap()
            };
            let (o, g) = (obj(&ours, intercepts[k]), obj(&theirs, a0[k]));
            assert!(o <= g + 1e-13 * g.abs(), "objective {k}: {o} > {g}");
        }
        eprintln!(
            "cli --mtx {}: {} alphas, worst coef diff {worst:.2e} of max|b|",
            family.name(),
            alphas.len()
        );
        // Cross-validation is for dense data; a sparse design says so.
        let (code, _, err) = common::veristat(&[
            "fit",
            "lasso",
            "--mtx",
            &mtx,
            "--data",
            &csv.to_string_lossy(),
            "--target",
            "y",
            "--family",
            family.name(),
            "--cv",
            "3",
        ]);
        assert_eq!(code, 2);
        assert!(err.contains("mtx"), "{err}");
    }
    let bad = common::temp_file(
        "glm_sparse",
        "bad.mtx",
        "%%MatrixMarket matrix coordinate real general\n3 2 1\n1 9 1.0\n",
    );
    let csv = common::temp_file("glm_sparse", "y3.csv", "y\n0\n1\n0\n");
    let (code, _, err) = common::veristat(&[
        "fit",
        "lasso",
        "--mtx",
        &bad.to_string_lossy(),
        "--data",
        &csv.to_string_lossy(),
        "--target",
        "y",
        "--family",
        "binomial",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("line 3") && err.contains("`9`"), "{err}");
}

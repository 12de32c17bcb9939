//! Lasso / elastic net with veristat: a diabetes walk-through, and a benchmark mode used by
//! `benches/peers/sparse.py`.
//!
//! ```text
//! cargo run --release --example sparse_lasso                 # diabetes: path, CV, enet, precond
//! cargo run --release --example sparse_lasso -- --bench-file data.bin --out coefs.bin \
//!     [--tol 1e-4] [--no-intercept] [--inner M] [--gram auto|always|never]
//! ```
//!
//! The bench file is little-endian f64: `n, d`, X in column-major order (n*d values), y (n).
//! The mode fits the 100-alpha Lasso path (eps 1e-3, intercept unless `--no-intercept`) `M`
//! times (default 1) and prints one JSON line with the mean wall and CPU seconds of one fit
//! (loading excluded; the repeats beat the 10 ms resolution of the CPU clock on small problems);
//! `--out` writes the d x 100 coefficients (column-major f64) for the peer script to compare.

mod common;

use common::cpu_seconds;
use nalgebra::{DMatrix, DVector};
use veristat::estimator::{Fit, Fitted, Folds, RegressionData};
use veristat::sparse::{
    ElasticNetParams, GramMode, Lasso, LassoCvParams, PathParams, PrecondLassoParams,
};

fn read_f64s(path: &str) -> Vec<f64> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    bytes
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
        .collect()
}

fn bench(file: &str, out: Option<&str>, tol: f64, intercept: bool, inner: usize, gram: GramMode) {
    let v = read_f64s(file);
    let (n, d) = (v[0] as usize, v[1] as usize);
    let x = DMatrix::from_column_slice(n, d, &v[2..2 + n * d]);
    let y = DVector::from_column_slice(&v[2 + n * d..2 + n * d + n]);
    let data = RegressionData::new(x, y).expect("data");
    let params = PathParams::new()
        .n_alphas(100)
        .eps(1e-3)
        .tol(tol)
        .fit_intercept(intercept)
        .gram(gram);
    let c0 = cpu_seconds();
    let t0 = std::time::Instant::now();
    let mut path = params.fit(&data).expect("path");
    for _ in 1..inner {
        path = params.fit(&data).expect("path");
    }
    let secs = t0.elapsed().as_secs_f64() / inner as f64;
    let cpu = (cpu_seconds() - c0) / inner as f64;
    let passes: usize = path.n_full_passes.iter().sum();
    let epochs: usize = path.n_iter.iter().sum();
    let nnz = path
        .coefs
        .column(path.alphas.len() - 1)
        .iter()
        .filter(|c| **c != 0.0)
        .count();
    let all_ok = path.converged.iter().all(|&c| c);
    println!(
        "{{\"seconds\": {secs}, \"cpu_seconds\": {cpu}, \"n\": {n}, \"d\": {d}, \"alphas\": {}, \"full_passes\": {passes}, \"epochs\": {epochs}, \"nnz_last\": {nnz}, \"converged\": {all_ok}, \"gram\": {}}}",
        path.alphas.len(),
        path.used_gram
    );
    if let Some(o) = out {
        let bytes: Vec<u8> = path.coefs.iter().flat_map(|c| c.to_le_bytes()).collect();
        std::fs::write(o, bytes).unwrap_or_else(|e| panic!("{o}: {e}"));
    }
}

fn diabetes() -> (DMatrix<f64>, DVector<f64>, Vec<String>) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/datasets/diabetes.csv"
    ))
    .expect("diabetes.csv");
    let mut lines = text.lines();
    let names: Vec<String> = lines
        .next()
        .expect("header")
        .split(',')
        .map(String::from)
        .collect();
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|v| v.parse().expect("number")).collect())
        .collect();
    let d = names.len() - 1;
    let x = DMatrix::from_fn(rows.len(), d, |i, j| rows[i][j]);
    let y = DVector::from_fn(rows.len(), |i, _| rows[i][d]);
    (x, y, names[..d].to_vec())
}

fn main() -> veristat::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let get = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .map(|s| s.as_str())
    };
    if let Some(file) = get("--bench-file") {
        let tol = get("--tol").map_or(1e-4, |t| t.parse().expect("--tol number"));
        let inner = get("--inner").map_or(1, |m| m.parse().expect("--inner count"));
        let intercept = !args.iter().any(|a| a == "--no-intercept");
        let gram = match get("--gram") {
            None | Some("auto") => GramMode::Auto,
            Some("always") => GramMode::Always,
            Some("never") => GramMode::Never,
            Some(other) => panic!("--gram auto|always|never, not {other}"),
        };
        bench(file, get("--out"), tol, intercept, inner.max(1), gram);
        return Ok(());
    }

    let (x, y, names) = diabetes();
    let data = RegressionData::new(x, y)?;
    // 1. The Lasso path (scikit-learn's lasso_path grid: 100 alphas down to 1e-3 alpha_max).
    let path = PathParams::new().fit(&data)?;
    println!("alpha_max = {:.5} (scikit-learn: 2.14804)", path.alpha_max);
    for k in [0, 25, 50, 99] {
        let nz: Vec<&str> = (0..names.len())
            .filter(|&j| path.coefs[(j, k)] != 0.0)
            .map(|j| names[j].as_str())
            .collect();
        println!(
            "alpha = {:.5}: gap {:.1e}, nonzero {:?}",
            path.alphas[k], path.duality_gaps[k], nz
        );
    }
    // 2. Five-fold CV with the 1-SE rule and a seeded shuffle.
    let cv = LassoCvParams::new(PathParams::new())
        .folds(Folds::Shuffled { k: 5, seed: 1 })
        .fit(&data)?;
    let (coef, b) = cv.refit_1se();
    println!(
        "CV: alpha_min = {:.5}, alpha_1se = {:.5}; 1-SE refit intercept {b:.2}, coef {:.2?}",
        cv.alpha_min,
        cv.alpha_1se,
        coef.as_slice()
    );
    // 3. Elastic net with glmnet-style standardization (coefficients on the original scale).
    let enet = ElasticNetParams::new(0.01, 0.5)
        .standardize(true)
        .fit(&data)?;
    println!(
        "elastic net: {} epochs, gap {:.1e} <= {:.1e}",
        enet.diagnostics().iterations,
        enet.duality_gap,
        enet.gap_tol
    );
    // 4. Preconditioned Lasso (Kelner et al. framework), column normalization (the default S).
    let pre = PrecondLassoParams::new(Lasso::new(1.0)).fit(&data)?;
    println!("preconditioned Lasso: w = {:.2?}", pre.coef.as_slice());
    Ok(())
}

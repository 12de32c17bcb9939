//! `veristat.linear_model`: the elastic net (one penalty, a path, K-fold CV), IHT, OMP and best
//! subset of [`veristat::sparse`].

use crate::conv::{detach, mat, py_mat, py_vec, vector};
use nalgebra::DVector;
use numpy::{PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use veristat::estimator::{Certificate, Fit, Fitted, Folds, RegressionData};
use veristat::sparse::best_subset::BestSubsetParams;
use veristat::sparse::iht::{IhtParams, Step};
use veristat::sparse::omp::{OmpParams, Selection};
use veristat::sparse::{ElasticNetParams, GramMode, LassoCvParams, PathParams, SolverOptions};

/// scikit-learn's `precompute` as the core's covariance mode: "auto", "always" or "never".
fn gram(precompute: &str) -> PyResult<GramMode> {
    match precompute {
        "auto" => Ok(GramMode::Auto),
        "always" => Ok(GramMode::Always),
        "never" => Ok(GramMode::Never),
        other => Err(crate::errors::to_py(veristat::Error::param(
            "precompute",
            other,
            "must be 'auto', True or False",
        ))),
    }
}

/// The solver options every elastic-net entry point shares.
fn options(
    fit_intercept: bool,
    standardize: bool,
    tol: f64,
    max_iter: usize,
    precompute: &str,
    weights: Option<DVector<f64>>,
) -> PyResult<SolverOptions> {
    Ok(SolverOptions {
        fit_intercept,
        standardize,
        tol,
        max_iter,
        gram: gram(precompute)?,
        weights,
        ..SolverOptions::default()
    })
}

/// One elastic-net fit at `alpha`: coef, intercept, dual_gap, gap_tol, n_iter, converged.
#[pyfunction]
#[pyo3(signature = (x, y, alpha, l1_ratio, fit_intercept, standardize, tol, max_iter, precompute, sample_weight=None))]
#[allow(clippy::too_many_arguments)]
fn enet_fit<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    alpha: f64,
    l1_ratio: f64,
    fit_intercept: bool,
    standardize: bool,
    tol: f64,
    max_iter: usize,
    precompute: &str,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<Bound<'py, PyDict>> {
    let (x, y) = (mat(&x), vector(&y));
    let params = ElasticNetParams::new(alpha, l1_ratio).options(options(
        fit_intercept,
        standardize,
        tol,
        max_iter,
        precompute,
        sample_weight.as_ref().map(vector),
    )?);
    let fit = detach(py, None, move || params.fit(&RegressionData::new(x, y)?))?;
    let d = PyDict::new(py);
    d.set_item("coef", py_vec(py, fit.coef.iter().copied()))?;
    d.set_item("intercept", fit.intercept)?;
    d.set_item("dual_gap", fit.duality_gap)?;
    d.set_item("gap_tol", fit.gap_tol)?;
    d.set_item("n_iter", fit.diagnostics().iterations)?;
    d.set_item("converged", fit.diagnostics().converged())?;
    Ok(d)
}

#[allow(clippy::too_many_arguments)]
fn path_params(
    l1_ratio: f64,
    eps: f64,
    n_alphas: usize,
    alphas: Option<Vec<f64>>,
    fit_intercept: bool,
    standardize: bool,
    tol: f64,
    max_iter: usize,
    precompute: &str,
) -> PyResult<PathParams> {
    let p = PathParams::new()
        .l1_ratio(l1_ratio)
        .eps(eps)
        .n_alphas(n_alphas)
        .early_stop(false)
        .options(options(
            fit_intercept,
            standardize,
            tol,
            max_iter,
            precompute,
            None,
        )?);
    Ok(match alphas {
        Some(a) => p.alphas(a),
        None => p,
    })
}

fn path_dict<'py>(
    py: Python<'py>,
    d: &Bound<'py, PyDict>,
    p: &veristat::sparse::EnetPath,
) -> PyResult<()> {
    d.set_item("alphas", py_vec(py, p.alphas.iter().copied()))?;
    d.set_item("coefs", py_mat(py, &p.coefs))?;
    d.set_item("intercepts", py_vec(py, p.intercepts.iter().copied()))?;
    d.set_item("dual_gaps", py_vec(py, p.duality_gaps.iter().copied()))?;
    d.set_item("gap_tol", p.gap_tol)?;
    d.set_item("n_iter", p.n_iter.clone())?;
    d.set_item("converged", p.converged.clone())?;
    Ok(())
}

/// The elastic-net path on `alphas` (or the geometric grid of `n_alphas` from alpha_max down to
/// `eps * alpha_max`): alphas, coefs (d x K), intercepts, dual_gaps, gap_tol, n_iter, converged.
#[pyfunction]
#[pyo3(signature = (x, y, l1_ratio, eps, n_alphas, alphas, fit_intercept, standardize, tol, max_iter, precompute))]
#[allow(clippy::too_many_arguments)]
fn enet_path<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    l1_ratio: f64,
    eps: f64,
    n_alphas: usize,
    alphas: Option<Vec<f64>>,
    fit_intercept: bool,
    standardize: bool,
    tol: f64,
    max_iter: usize,
    precompute: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let (x, y) = (mat(&x), vector(&y));
    let params = path_params(
        l1_ratio,
        eps,
        n_alphas,
        alphas,
        fit_intercept,
        standardize,
        tol,
        max_iter,
        precompute,
    )?;
    let path = detach(py, None, move || params.fit(&RegressionData::new(x, y)?))?;
    let d = PyDict::new(py);
    path_dict(py, &d, &path)?;
    Ok(d)
}

/// K-fold CV of the path with fold labels `fold_ids` (one per row): the full-data path's fields
/// plus fold_mse (K x n_alphas, folds in the order of the sorted labels), the core's
/// fold-weighted mean and se, and index_min / index_1se.
#[pyfunction]
#[pyo3(signature = (x, y, fold_ids, l1_ratio, eps, n_alphas, alphas, fit_intercept, standardize, tol, max_iter, precompute, n_jobs))]
#[allow(clippy::too_many_arguments)]
fn enet_cv<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    fold_ids: Vec<i64>,
    l1_ratio: f64,
    eps: f64,
    n_alphas: usize,
    alphas: Option<Vec<f64>>,
    fit_intercept: bool,
    standardize: bool,
    tol: f64,
    max_iter: usize,
    precompute: &str,
    n_jobs: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let (x, y) = (mat(&x), vector(&y));
    let cv = LassoCvParams::new(path_params(
        l1_ratio,
        eps,
        n_alphas,
        alphas,
        fit_intercept,
        standardize,
        tol,
        max_iter,
        precompute,
    )?)
    .folds(Folds::Ids(fold_ids));
    let fit = detach(py, n_jobs, move || cv.fit(&RegressionData::new(x, y)?))?;
    let d = PyDict::new(py);
    path_dict(py, &d, &fit.path)?;
    d.set_item("fold_mse", py_mat(py, &fit.fold_mse))?;
    d.set_item("mean", py_vec(py, fit.mean.iter().copied()))?;
    d.set_item("se", py_vec(py, fit.se.iter().copied()))?;
    d.set_item("index_min", fit.index_min)?;
    d.set_item("index_1se", fit.index_1se)?;
    Ok(d)
}

fn linear_dict<'py>(
    py: Python<'py>,
    coef: &DVector<f64>,
    intercept: f64,
    support: &[usize],
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("coef", py_vec(py, coef.iter().copied()))?;
    d.set_item("intercept", intercept)?;
    d.set_item("support", support.to_vec())?;
    Ok(d)
}

/// Iterative hard thresholding with sparsity `k`: coef, intercept, support, n_iter, converged,
/// relative_change.
#[pyfunction]
#[pyo3(signature = (x, y, k, step, tol, max_iter, fit_intercept))]
#[allow(clippy::too_many_arguments)]
fn iht_fit<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    k: usize,
    step: &str,
    tol: f64,
    max_iter: usize,
    fit_intercept: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let step = match step {
        "normalized" => Step::Normalized,
        "fixed" => Step::Fixed,
        other => {
            return Err(crate::errors::to_py(veristat::Error::param(
                "step",
                other,
                "must be 'normalized' or 'fixed'",
            )));
        }
    };
    let (x, y) = (mat(&x), vector(&y));
    let params = IhtParams::new(k)
        .step(step)
        .tol(tol)
        .max_iter(max_iter)
        .fit_intercept(fit_intercept);
    let fit = detach(py, None, move || params.fit(&RegressionData::new(x, y)?))?;
    let d = linear_dict(py, &fit.coef, fit.intercept, &fit.support)?;
    let diag = fit.diagnostics();
    d.set_item("n_iter", diag.iterations)?;
    d.set_item("converged", diag.converged())?;
    let change = match diag.certificate {
        Certificate::RelativeChange { change, .. } => change,
        _ => 0.0,
    };
    d.set_item("relative_change", change)?;
    Ok(d)
}

/// Orthogonal matching pursuit: coef, intercept, support, n_iter (atoms selected).
#[pyfunction]
#[pyo3(signature = (x, y, n_nonzero_coefs, tol, fit_intercept, normalized_selection))]
fn omp_fit<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    n_nonzero_coefs: Option<usize>,
    tol: Option<f64>,
    fit_intercept: bool,
    normalized_selection: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let (x, y) = (mat(&x), vector(&y));
    let mut params =
        OmpParams::new()
            .fit_intercept(fit_intercept)
            .selection(if normalized_selection {
                Selection::NormalizedCorrelation
            } else {
                Selection::Correlation
            });
    if let Some(k) = n_nonzero_coefs {
        params = params.n_nonzero_coefs(k);
    }
    if let Some(t) = tol {
        params = params.tol(t);
    }
    let fit = detach(py, None, move || params.fit(&RegressionData::new(x, y)?))?;
    let d = linear_dict(py, &fit.coef, fit.intercept, &fit.support)?;
    d.set_item("n_iter", fit.diagnostics().iterations)?;
    Ok(d)
}

/// Best-subset selection by splicing (abess), the size chosen by GIC: coef, intercept, support,
/// and per size its support, loss and GIC.
#[pyfunction]
#[pyo3(signature = (x, y, support_sizes, max_exchange, max_splicing_iter, fit_intercept))]
fn best_subset_fit<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    support_sizes: Option<(usize, usize)>,
    max_exchange: usize,
    max_splicing_iter: usize,
    fit_intercept: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let (x, y) = (mat(&x), vector(&y));
    let mut params = BestSubsetParams::new()
        .max_exchange(max_exchange)
        .max_splicing_iter(max_splicing_iter)
        .fit_intercept(fit_intercept);
    if let Some((lo, hi)) = support_sizes {
        params = params.support_sizes(lo, hi);
    }
    let fit = detach(py, None, move || params.fit(&RegressionData::new(x, y)?))?;
    let d = linear_dict(py, &fit.coef, fit.intercept, &fit.support)?;
    d.set_item("sizes", fit.path.iter().map(|s| s.size).collect::<Vec<_>>())?;
    d.set_item("loss", fit.path.iter().map(|s| s.loss).collect::<Vec<_>>())?;
    d.set_item("gic", fit.path.iter().map(|s| s.gic).collect::<Vec<_>>())?;
    d.set_item("converged", fit.path.iter().all(|s| s.converged))?;
    Ok(d)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(enet_fit, m)?)?;
    m.add_function(wrap_pyfunction!(enet_path, m)?)?;
    m.add_function(wrap_pyfunction!(enet_cv, m)?)?;
    m.add_function(wrap_pyfunction!(iht_fit, m)?)?;
    m.add_function(wrap_pyfunction!(omp_fit, m)?)?;
    m.add_function(wrap_pyfunction!(best_subset_fit, m)?)?;
    Ok(())
}

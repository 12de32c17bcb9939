//! `veristat.linear_model`'s penalized GLMs (`LogisticLasso`, `PoissonLasso`, their CV classes
//! and `glm_path`): glmnet's binomial, poisson and gaussian paths of
//! [`veristat::sparse::glm`].

use crate::conv::{detach, mat, py_mat, py_vec, vector};
use numpy::{PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use veristat::estimator::{Fit, Fitted, Folds, RegressionData};
use veristat::sparse::glm::{
    CscMatrix, CvMeasure, Family, GlmCvParams, GlmOptions, GlmPathFit, GlmPathParams,
    SparseRegressionData,
};

fn py_err(e: veristat::Error) -> PyErr {
    crate::errors::to_py(e)
}

#[allow(clippy::too_many_arguments)]
fn params(
    family: &str,
    l1_ratio: f64,
    n_alphas: usize,
    eps: Option<f64>,
    alphas: Option<Vec<f64>>,
    fit_intercept: bool,
    standardize: bool,
    tol: f64,
    max_iter: usize,
    sample_weight: Option<nalgebra::DVector<f64>>,
    penalty_factor: Option<nalgebra::DVector<f64>>,
) -> PyResult<GlmPathParams> {
    let mut p = GlmPathParams::new(Family::parse(family).map_err(py_err)?)
        .l1_ratio(l1_ratio)
        .n_alphas(n_alphas)
        .options(GlmOptions {
            fit_intercept,
            standardize,
            tol,
            max_iter,
            weights: sample_weight,
            penalty_factor,
            ..GlmOptions::default()
        });
    if let Some(e) = eps {
        p = p.eps(e);
    }
    if let Some(a) = alphas {
        p = p.alphas(a);
    }
    Ok(p)
}

fn path_dict<'py>(py: Python<'py>, d: &Bound<'py, PyDict>, p: &GlmPathFit) -> PyResult<()> {
    d.set_item("alphas", py_vec(py, p.alphas.iter().copied()))?;
    d.set_item("coefs", py_mat(py, &p.coefs))?;
    d.set_item("intercepts", py_vec(py, p.intercepts.iter().copied()))?;
    d.set_item("kkt", py_vec(py, p.kkt.iter().copied()))?;
    d.set_item("kkt_tol", p.kkt_tol)?;
    d.set_item("n_iter", p.n_iter.clone())?;
    d.set_item("n_newton", p.n_newton.clone())?;
    d.set_item("fit_seconds", p.diagnostics().fit_seconds)?;
    d.set_item("converged", p.converged.clone())?;
    d.set_item("deviance", py_vec(py, p.deviance.iter().copied()))?;
    d.set_item("null_deviance", p.null_deviance)?;
    d.set_item(
        "deviance_ratio",
        py_vec(py, p.deviance_ratio.iter().copied()),
    )?;
    d.set_item("alpha_max", p.alpha_max)?;
    let stop = serde_json::to_value(p.stop)
        .map_err(|e| py_err(veristat::Error::Numerical(e.to_string())))?;
    d.set_item("stop", stop.as_str().unwrap_or("complete"))?;
    Ok(())
}

/// A GLM path (glmnet's grid, or `alphas` in the order given): alphas, coefs (d x K),
/// intercepts, kkt (KKT residual / alpha), kkt_tol, n_iter, converged, deviance,
/// null_deviance, deviance_ratio, alpha_max, stop.
#[pyfunction]
#[pyo3(signature = (x, y, family, l1_ratio, n_alphas, eps, alphas, fit_intercept, standardize, tol, max_iter, early_stop, sample_weight=None, penalty_factor=None))]
#[allow(clippy::too_many_arguments)]
fn glm_path<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    family: &str,
    l1_ratio: f64,
    n_alphas: usize,
    eps: Option<f64>,
    alphas: Option<Vec<f64>>,
    fit_intercept: bool,
    standardize: bool,
    tol: f64,
    max_iter: usize,
    early_stop: bool,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    penalty_factor: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<Bound<'py, PyDict>> {
    let (x, y) = (mat(&x), vector(&y));
    let p = params(
        family,
        l1_ratio,
        n_alphas,
        eps,
        alphas,
        fit_intercept,
        standardize,
        tol,
        max_iter,
        sample_weight.as_ref().map(vector),
        penalty_factor.as_ref().map(vector),
    )?
    .early_stop(early_stop);
    let fit = detach(py, None, move || p.fit(&RegressionData::new(x, y)?))?;
    let d = PyDict::new(py);
    path_dict(py, &d, &fit)?;
    Ok(d)
}

/// A GLM path on a compressed-sparse-column design (scipy's `csc_matrix` arrays `indptr`,
/// `indices`, `data` and its `shape`), never densified; the entries of [`glm_path`]'s dict.
#[pyfunction]
#[pyo3(signature = (indptr, indices, data, shape, y, family, l1_ratio, n_alphas, eps, alphas, fit_intercept, standardize, tol, max_iter, early_stop, sample_weight=None, penalty_factor=None))]
#[allow(clippy::too_many_arguments)]
fn glm_path_csc<'py>(
    py: Python<'py>,
    indptr: Vec<usize>,
    indices: Vec<usize>,
    data: PyReadonlyArray1<'py, f64>,
    shape: (usize, usize),
    y: PyReadonlyArray1<'py, f64>,
    family: &str,
    l1_ratio: f64,
    n_alphas: usize,
    eps: Option<f64>,
    alphas: Option<Vec<f64>>,
    fit_intercept: bool,
    standardize: bool,
    tol: f64,
    max_iter: usize,
    early_stop: bool,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    penalty_factor: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<Bound<'py, PyDict>> {
    let values: Vec<f64> = vector(&data).iter().copied().collect();
    let x = CscMatrix::try_from_unsorted_csc_data(shape.0, shape.1, indptr, indices, values)
        .map_err(|e| py_err(veristat::Error::InvalidData(format!("CSC arrays: {e}"))))?;
    let y = vector(&y);
    let p = params(
        family,
        l1_ratio,
        n_alphas,
        eps,
        alphas,
        fit_intercept,
        standardize,
        tol,
        max_iter,
        sample_weight.as_ref().map(vector),
        penalty_factor.as_ref().map(vector),
    )?
    .early_stop(early_stop);
    let fit = detach(py, None, move || p.fit(&SparseRegressionData::new(x, y)?))?;
    let d = PyDict::new(py);
    path_dict(py, &d, &fit)?;
    Ok(d)
}

/// Cross-validated GLM path (cv.glmnet): the path's entries plus mean, se, fold_measure
/// (K x n_alphas), alpha_min, alpha_1se, index_min, index_1se, measure.
#[pyfunction]
#[pyo3(signature = (x, y, family, l1_ratio, n_alphas, eps, fit_intercept, standardize, tol, max_iter, n_folds, seed, fold_ids, measure, sample_weight=None, penalty_factor=None, n_jobs=None))]
#[allow(clippy::too_many_arguments)]
fn glm_cv<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    family: &str,
    l1_ratio: f64,
    n_alphas: usize,
    eps: Option<f64>,
    fit_intercept: bool,
    standardize: bool,
    tol: f64,
    max_iter: usize,
    n_folds: usize,
    seed: u64,
    fold_ids: Option<Vec<i64>>,
    measure: Option<&str>,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    penalty_factor: Option<PyReadonlyArray1<'py, f64>>,
    n_jobs: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let (x, y) = (mat(&x), vector(&y));
    let p = params(
        family,
        l1_ratio,
        n_alphas,
        eps,
        None,
        fit_intercept,
        standardize,
        tol,
        max_iter,
        sample_weight.as_ref().map(vector),
        penalty_factor.as_ref().map(vector),
    )?;
    let folds = match fold_ids {
        Some(ids) => Folds::Ids(ids),
        None => Folds::Shuffled { k: n_folds, seed },
    };
    let mut cv = GlmCvParams::new(p).folds(folds);
    if let Some(m) = measure {
        cv = cv.measure(CvMeasure::parse(m).map_err(py_err)?);
    }
    let fit = detach(py, n_jobs, move || cv.fit(&RegressionData::new(x, y)?))?;
    let d = PyDict::new(py);
    path_dict(py, &d, &fit.path)?;
    d.set_item("mean", py_vec(py, fit.mean.iter().copied()))?;
    d.set_item("se", py_vec(py, fit.se.iter().copied()))?;
    d.set_item("fold_measure", py_mat(py, &fit.fold_measure))?;
    d.set_item("alpha_min", fit.alpha_min)?;
    d.set_item("alpha_1se", fit.alpha_1se)?;
    d.set_item("index_min", fit.index_min)?;
    d.set_item("index_1se", fit.index_1se)?;
    d.set_item("measure", fit.measure.name())?;
    Ok(d)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(glm_path, m)?)?;
    m.add_function(wrap_pyfunction!(glm_path_csc, m)?)?;
    m.add_function(wrap_pyfunction!(glm_cv, m)?)?;
    Ok(())
}

//! `veristat.ordinal`: proportional odds, PRESTO (one penalty and K-fold CV) and the
//! logit-last baseline of [`veristat::ordinal`], on labels already coded `0..K-1`.

use crate::conv::{detach, mat, py_mat, vec};
use crate::errors::{IntoPy, to_py};
use numpy::{PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use veristat::estimator::{Diagnostics, Fit, Fitted, Folds, ParamGuard, Stop};
use veristat::ordinal::{
    CrossingPolicy, CumulativeLogit, LogitLastParams, OrdinalData, PrestoCvParams, PrestoFit,
    PrestoParams, PrestoPathParams, ProportionalOddsFit, ProportionalOddsParams,
};

fn data(
    x: &PyReadonlyArray2<'_, f64>,
    y: &PyReadonlyArray1<'_, f64>,
    n_classes: usize,
    sample_weight: Option<&PyReadonlyArray1<'_, f64>>,
) -> PyResult<OrdinalData> {
    let d = OrdinalData::from_labels(mat(x), &vec(y), Some(n_classes)).py()?;
    match sample_weight {
        None => Ok(d),
        Some(w) => d.with_weights(vec(w)).py(),
    }
}

/// Iterations and whether the fit met its tolerance, from the contract's diagnostics.
fn progress(d: &Diagnostics) -> (usize, bool) {
    (d.iterations, !matches!(d.stop, Stop::MaxIterations))
}

fn po_dict<'py>(py: Python<'py>, f: &ProportionalOddsFit) -> PyResult<Bound<'py, PyDict>> {
    let (n_iter, converged) = progress(f.diagnostics());
    let d = PyDict::new(py);
    d.set_item("coef", f.coef.clone())?;
    d.set_item("cutpoints", f.cutpoints.clone())?;
    d.set_item("bse", f.std_errors.clone())?;
    d.set_item("cutpoint_bse", f.cutpoint_std_errors.clone())?;
    d.set_item("loglik", f.loglik)?;
    d.set_item("n_iter", n_iter)?;
    d.set_item("gradient_norm", f.gradient_norm())?;
    d.set_item("converged", converged)?;
    Ok(d)
}

/// Proportional-odds MLE by Newton (statsmodels' `OrderedModel(distr="logit")` sign).
#[pyfunction]
#[pyo3(signature = (x, y, n_classes, max_iter, tol, sample_weight=None))]
fn po_fit<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    n_classes: usize,
    max_iter: usize,
    tol: f64,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<Bound<'py, PyDict>> {
    let d = data(&x, &y, n_classes, sample_weight.as_ref())?;
    let fit = detach(py, None, move || {
        ProportionalOddsParams::new()
            .max_iter(max_iter)
            .tol(tol)
            .fit(&d)
    })?;
    po_dict(py, &fit)
}

/// Logistic regression of `1{y = K-1}` on x (the rare-class baseline).
#[pyfunction]
#[pyo3(signature = (x, y, n_classes, sample_weight=None))]
fn logit_last_fit<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    n_classes: usize,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<Bound<'py, PyDict>> {
    let d = data(&x, &y, n_classes, sample_weight.as_ref())?;
    let fit = detach(py, None, move || LogitLastParams::new().fit(&d))?;
    po_dict(py, &fit)
}

/// Class probabilities (n x K) of the cumulative-logit model with `cutpoints` (K-1) and slope
/// rows `coef` ((K-1) x p), crossing rows handled by `policy`; and the number of crossing rows.
#[pyfunction]
fn cumulative_proba<'py>(
    py: Python<'py>,
    cutpoints: Vec<f64>,
    coef: PyReadonlyArray2<'py, f64>,
    x: PyReadonlyArray2<'py, f64>,
    policy: &str,
) -> PyResult<(Bound<'py, PyArray2<f64>>, usize)> {
    let policy = match policy {
        "clamp" => CrossingPolicy::Clamp,
        "rearrange" => CrossingPolicy::Rearrange,
        "strict" => CrossingPolicy::Strict,
        other => {
            return Err(to_py(veristat::Error::param(
                "crossing",
                other,
                "must be 'clamp', 'rearrange' or 'strict'",
            )));
        }
    };
    let coef = mat(&coef);
    if coef.nrows() != cutpoints.len() {
        return Err(to_py(veristat::Error::DimensionMismatch {
            what: "slope rows vs cutpoints",
            expected: cutpoints.len(),
            got: coef.nrows(),
        }));
    }
    let model = CumulativeLogit {
        cutpoints,
        coef,
        link: veristat::ordinal::Link::Logit,
    };
    let x = mat(&x);
    let p = detach(py, None, move || model.predict_proba(&x, policy))?;
    Ok((py_mat(py, &p.probs), p.n_crossing))
}

fn presto_dict<'py>(py: Python<'py>, f: &PrestoFit) -> PyResult<Bound<'py, PyDict>> {
    let (n_iter, converged) = progress(f.diagnostics());
    let d = PyDict::new(py);
    d.set_item("cutpoints", f.model.cutpoints.clone())?;
    d.set_item("coef", py_mat(py, &f.model.coef))?;
    d.set_item("psi", py_mat(py, &f.psi))?;
    d.set_item("lambda", f.lambda)?;
    d.set_item("loglik", f.loglik)?;
    d.set_item("objective", f.objective)?;
    d.set_item("kkt", f.kkt())?;
    d.set_item("n_iter", n_iter)?;
    d.set_item("converged", converged)?;
    Ok(d)
}

/// PRESTO at one penalty `lam` (Faletto and Bien 2023).
#[pyfunction]
#[pyo3(signature = (x, y, n_classes, lam, mixing, penalize_first, standardize, tol, max_iter))]
#[allow(clippy::too_many_arguments)]
fn presto_fit<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    n_classes: usize,
    lam: f64,
    mixing: f64,
    penalize_first: bool,
    standardize: bool,
    tol: f64,
    max_iter: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let d = data(&x, &y, n_classes, None)?;
    let p = PrestoParams::new(lam)
        .a(mixing)
        .penalize_first(penalize_first)
        .standardize(standardize)
        .tol(tol)
        .max_iter(max_iter);
    let fit = detach(py, None, move || p.fit(&d))?;
    presto_dict(py, &fit)
}

/// K-fold CV of the PRESTO path on the held-out multiclass Brier score, folds given per row.
#[pyfunction]
#[pyo3(signature = (x, y, n_classes, fold_ids, n_lambdas, lambda_ratio, mixing, penalize_first, standardize, tol, max_iter, n_jobs))]
#[allow(clippy::too_many_arguments)]
fn presto_cv<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    n_classes: usize,
    fold_ids: Vec<i64>,
    n_lambdas: usize,
    lambda_ratio: f64,
    mixing: f64,
    penalize_first: bool,
    standardize: bool,
    tol: f64,
    max_iter: usize,
    n_jobs: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let d = data(&x, &y, n_classes, None)?;
    let path = PrestoPathParams::new()
        .n_lambdas(n_lambdas)
        .lambda_ratio(lambda_ratio)
        .a(mixing)
        .penalize_first(penalize_first)
        .standardize(standardize)
        .tol(tol)
        .max_iter(max_iter);
    let cv = PrestoCvParams::new(path, Folds::Ids(fold_ids));
    let cv = detach(py, n_jobs, move || cv.check()?.fit(&d))?;
    let out = presto_dict(py, &cv.fit)?;
    out.set_item("lambdas", cv.path.lambdas.clone())?;
    out.set_item("lambda_max", cv.path.lambda_max)?;
    out.set_item("cv_brier", cv.cv_brier.clone())?;
    out.set_item("cv_se", cv.cv_se.clone())?;
    out.set_item("best_index", cv.best_index)?;
    Ok(out)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(po_fit, m)?)?;
    m.add_function(wrap_pyfunction!(logit_last_fit, m)?)?;
    m.add_function(wrap_pyfunction!(cumulative_proba, m)?)?;
    m.add_function(wrap_pyfunction!(presto_fit, m)?)?;
    m.add_function(wrap_pyfunction!(presto_cv, m)?)?;
    Ok(())
}

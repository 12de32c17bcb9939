//! `veristat.ordinal`: proportional odds, PRESTO (one penalty and K-fold CV) and the
//! logit-last baseline of [`veristat::ordinal`], on labels already coded `0..K-1`; every
//! cumulative link of clm (`link`), Wald inference, delta-method predictions and average
//! marginal effects of a proportional-odds fit.

use crate::conv::{detach, mat, py_mat, vec};
use crate::errors::{IntoPy, to_py};
use numpy::{PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use veristat::estimator::{Diagnostics, Fit, Fitted, Folds, ParamGuard, Stop};
use veristat::ordinal::uncertainty::{ModelWithCovariance, po_covariance};
use veristat::ordinal::{
    CrossingPolicy, CumulativeLogit, Link, LogitLastParams, OrdinalData, PrestoCvParams, PrestoFit,
    PrestoParams, PrestoPathParams, ProportionalOddsFit, ProportionalOddsParams,
};

/// The inverse link named `name` (`logit`, `probit`, `cloglog`, `loglog`, `cauchit`).
fn link_of(name: &str) -> PyResult<Link> {
    name.parse::<Link>().py()
}

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
    d.set_item("cov", py_mat(py, &f.cov))?;
    let (aic, bic) = f.information_criteria().py()?;
    d.set_item("aic", aic)?;
    d.set_item("bic", bic)?;
    d.set_item("nobs", f.nobs)?;
    // p values do not depend on the level; intervals are formed in Python at any level.
    let (slopes, cuts) = f.wald(0.95).py()?;
    d.set_item("z", slopes.iter().map(|w| w.z).collect::<Vec<_>>())?;
    d.set_item(
        "pvalues",
        slopes.iter().map(|w| w.p_value).collect::<Vec<_>>(),
    )?;
    d.set_item("cutpoint_z", cuts.iter().map(|w| w.z).collect::<Vec<_>>())?;
    d.set_item(
        "cutpoint_pvalues",
        cuts.iter().map(|w| w.p_value).collect::<Vec<_>>(),
    )?;
    Ok(d)
}

/// Proportional-odds MLE by Newton under the inverse link `link` (clm's parametrisation,
/// statsmodels' `OrderedModel` sign); with `ridge` > 0 the minimizer of -loglik/N +
/// ridge/2 |b|^2.
#[pyfunction]
#[pyo3(signature = (x, y, n_classes, max_iter, tol, sample_weight=None, link="logit", ridge=0.0))]
#[allow(clippy::too_many_arguments)]
fn po_fit<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    n_classes: usize,
    max_iter: usize,
    tol: f64,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    link: &str,
    ridge: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let link = link_of(link)?;
    let d = data(&x, &y, n_classes, sample_weight.as_ref())?;
    let fit = detach(py, None, move || {
        ProportionalOddsParams::new()
            .max_iter(max_iter)
            .tol(tol)
            .link(link)
            .ridge(ridge)
            .fit(&d)
    })?;
    po_dict(py, &fit)
}

/// A proportional-odds fit with its covariance (cutpoints first, clm's `vcov` order).
fn po_model(
    link: &str,
    cutpoints: Vec<f64>,
    coef: &PyReadonlyArray1<'_, f64>,
    cov: &PyReadonlyArray2<'_, f64>,
) -> PyResult<ModelWithCovariance> {
    let link = link_of(link)?;
    let coef = vec(coef);
    let (k1, p) = (cutpoints.len(), coef.len());
    let slopes = nalgebra::DMatrix::from_fn(k1, p, |_, j| coef[j]);
    let cov = po_covariance(&mat(cov), k1, p).py()?;
    ModelWithCovariance::new(link, cutpoints, slopes, cov).py()
}

/// Class and cumulative probabilities of the rows of `x` under a proportional-odds fit, with
/// delta-method standard errors and intervals at `level` (clm's `predict(se.fit = TRUE,
/// interval = TRUE)`).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn po_predict<'py>(
    py: Python<'py>,
    link: &str,
    cutpoints: Vec<f64>,
    coef: PyReadonlyArray1<'py, f64>,
    cov: PyReadonlyArray2<'py, f64>,
    x: PyReadonlyArray2<'py, f64>,
    level: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let m = po_model(link, cutpoints, &coef, &cov)?;
    let x = mat(&x);
    let (cls, cum) = detach(py, None, move || {
        Ok((m.classes(&x, level)?, m.cumulative(&x, level)?))
    })?;
    let d = PyDict::new(py);
    d.set_item("prob", py_mat(py, &cls.prob))?;
    d.set_item("se", py_mat(py, &cls.se))?;
    d.set_item("lower", py_mat(py, &cls.lower))?;
    d.set_item("upper", py_mat(py, &cls.upper))?;
    d.set_item("cum_prob", py_mat(py, &cum.prob))?;
    d.set_item("cum_se", py_mat(py, &cum.se))?;
    d.set_item("cum_lower", py_mat(py, &cum.lower))?;
    d.set_item("cum_upper", py_mat(py, &cum.upper))?;
    Ok(d)
}

/// Two numpy matrices.
type MatrixPair<'py> = (Bound<'py, PyArray2<f64>>, Bound<'py, PyArray2<f64>>);

/// Average marginal effects (p x K) of each feature on each class probability over the rows
/// of `x` (weighted by `sample_weight`), with delta-method standard errors.
#[pyfunction]
#[pyo3(signature = (link, cutpoints, coef, cov, x, sample_weight=None))]
fn po_marginal_effects<'py>(
    py: Python<'py>,
    link: &str,
    cutpoints: Vec<f64>,
    coef: PyReadonlyArray1<'py, f64>,
    cov: PyReadonlyArray2<'py, f64>,
    x: PyReadonlyArray2<'py, f64>,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<MatrixPair<'py>> {
    let m = po_model(link, cutpoints, &coef, &cov)?;
    let x = mat(&x);
    let w = sample_weight.as_ref().map(vec);
    let me = detach(py, None, move || m.marginal_effects(&x, w.as_deref()))?;
    Ok((py_mat(py, &me.effect), py_mat(py, &me.se)))
}

/// Logistic regression of `1{y = K-1}` on x (the rare-class baseline), ridge-penalized by
/// `ridge` >= 0.
#[pyfunction]
#[pyo3(signature = (x, y, n_classes, sample_weight=None, max_iter=100, tol=1e-10, ridge=0.0))]
#[allow(clippy::too_many_arguments)]
fn logit_last_fit<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    n_classes: usize,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    max_iter: usize,
    tol: f64,
    ridge: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let d = data(&x, &y, n_classes, sample_weight.as_ref())?;
    let fit = detach(py, None, move || {
        LogitLastParams::new()
            .max_iter(max_iter)
            .tol(tol)
            .ridge(ridge)
            .fit(&d)
    })?;
    po_dict(py, &fit)
}

/// Class probabilities (n x K) of the cumulative link model with `cutpoints` (K-1), slope rows
/// `coef` ((K-1) x p) and inverse link `link`, crossing rows handled by `policy`; and the
/// number of crossing rows.
#[pyfunction]
#[pyo3(signature = (cutpoints, coef, x, policy, link="logit"))]
fn cumulative_proba<'py>(
    py: Python<'py>,
    cutpoints: Vec<f64>,
    coef: PyReadonlyArray2<'py, f64>,
    x: PyReadonlyArray2<'py, f64>,
    policy: &str,
    link: &str,
) -> PyResult<(Bound<'py, PyArray2<f64>>, usize)> {
    let link = link_of(link)?;
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
        link,
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
#[pyo3(signature = (x, y, n_classes, lam, mixing, penalize_first, standardize, tol, max_iter, link="logit"))]
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
    link: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let link = link_of(link)?;
    let d = data(&x, &y, n_classes, None)?;
    let p = PrestoParams::new(lam)
        .link(link)
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
#[pyo3(signature = (x, y, n_classes, fold_ids, n_lambdas, lambda_ratio, mixing, penalize_first, standardize, tol, max_iter, n_jobs, link="logit"))]
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
    link: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let link = link_of(link)?;
    let d = data(&x, &y, n_classes, None)?;
    let path = PrestoPathParams::new()
        .link(link)
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
    m.add_function(wrap_pyfunction!(po_predict, m)?)?;
    m.add_function(wrap_pyfunction!(po_marginal_effects, m)?)?;
    m.add_function(wrap_pyfunction!(presto_fit, m)?)?;
    m.add_function(wrap_pyfunction!(presto_cv, m)?)?;
    Ok(())
}

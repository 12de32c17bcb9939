//! `veristat.ldp`: the mechanisms of [`veristat::ldp::mechanisms`] applied to whole arrays
//! (one row per user), aggregation, and the exact and empirical privacy audits.

use crate::conv::{detach, py_mat};
use crate::errors::IntoPy;
use nalgebra::DMatrix;
use numpy::{IntoPyArray, PyArray2, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use veristat::ldp::audit::{empirical_audit, exact_ratio_check};
use veristat::ldp::batch::{Estimates, Target, aggregate_column, privatize_column};
use veristat::ldp::estimate::{aggregate, privatize_all};
use veristat::ldp::mechanisms::{Mechanism, by_name};
use veristat::ldp::postprocess::{PostProcess, heavy_hitters};
use veristat::ldp::reports::{Layout, Reports, Rows};

/// The mechanism `name` (see `veristat::ldp::mechanisms::NAMES`).
fn mechanism(
    name: &str,
    epsilon: f64,
    delta: Option<f64>,
    k: usize,
    d: usize,
) -> PyResult<Box<dyn Mechanism>> {
    by_name(name, epsilon, delta, k, d).py()
}

fn rows(a: &PyReadonlyArray2<'_, f64>) -> Vec<Vec<f64>> {
    a.as_array()
        .rows()
        .into_iter()
        .map(|r| r.to_vec())
        .collect()
}

fn matrix(rows: &[Vec<f64>], width: usize) -> DMatrix<f64> {
    DMatrix::from_fn(rows.len(), width, |i, j| rows[i][j])
}

/// The mechanism's dimensions and guarantee.
#[pyfunction]
#[pyo3(signature = (name, epsilon, delta, k, d))]
fn ldp_info<'py>(
    py: Python<'py>,
    name: &str,
    epsilon: f64,
    delta: Option<f64>,
    k: usize,
    d: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let m = mechanism(name, epsilon, delta, k, d)?;
    let out = PyDict::new(py);
    out.set_item("name", m.name())?;
    out.set_item("epsilon", m.privacy().epsilon)?;
    out.set_item("delta", m.privacy().delta)?;
    out.set_item("input_dim", m.input_dim())?;
    out.set_item("output_dim", m.output_dim())?;
    out.set_item("estimate_dim", m.estimate_dim())?;
    out.set_item("discrete", m.as_discrete().is_some())?;
    Ok(out)
}

/// Privatize every row of `x` (n x input_dim): n x output_dim reports. User block b draws from
/// its own stream of `seed`, so the reports do not depend on the thread count.
#[pyfunction]
#[pyo3(signature = (name, epsilon, delta, k, d, x, seed))]
#[allow(clippy::too_many_arguments)]
fn ldp_privatize<'py>(
    py: Python<'py>,
    name: &str,
    epsilon: f64,
    delta: Option<f64>,
    k: usize,
    d: usize,
    x: PyReadonlyArray2<'py, f64>,
    seed: u64,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let m = mechanism(name, epsilon, delta, k, d)?;
    let inputs = rows(&x);
    let width = m.output_dim();
    let reports = detach(py, None, move || {
        let mut rng = veristat::rng::stream(seed, "python-ldp-privatize", 0);
        privatize_all(m.as_ref(), &inputs, &mut rng)
    })?;
    Ok(py_mat(py, &matrix(&reports, width)))
}

/// Per-user unbiased decodes of `reports` (n x output_dim): n x estimate_dim.
#[pyfunction]
#[pyo3(signature = (name, epsilon, delta, k, d, reports))]
fn ldp_decode<'py>(
    py: Python<'py>,
    name: &str,
    epsilon: f64,
    delta: Option<f64>,
    k: usize,
    d: usize,
    reports: PyReadonlyArray2<'py, f64>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let m = mechanism(name, epsilon, delta, k, d)?;
    let reports = rows(&reports);
    if let Some(r) = reports.iter().find(|r| r.len() != m.output_dim()) {
        return Err(veristat::Error::DimensionMismatch {
            what: "report",
            expected: m.output_dim(),
            got: r.len(),
        })
        .py();
    }
    let decoded: Vec<Vec<f64>> = reports.iter().map(|r| m.decode(r)).collect();
    Ok(py_mat(py, &matrix(&decoded, m.estimate_dim())))
}

/// The server's estimate from `reports` (the average decode) and, with the true `inputs`, its
/// exact variance per coordinate (NaN without them).
#[pyfunction]
#[pyo3(signature = (name, epsilon, delta, k, d, reports, inputs=None))]
#[allow(clippy::too_many_arguments)]
fn ldp_aggregate<'py>(
    py: Python<'py>,
    name: &str,
    epsilon: f64,
    delta: Option<f64>,
    k: usize,
    d: usize,
    reports: PyReadonlyArray2<'py, f64>,
    inputs: Option<PyReadonlyArray2<'py, f64>>,
) -> PyResult<(Vec<f64>, Vec<f64>)> {
    let m = mechanism(name, epsilon, delta, k, d)?;
    let reports = rows(&reports);
    let inputs = inputs.as_ref().map(rows);
    if let Some(xs) = &inputs
        && xs.len() != reports.len()
    {
        return Err(veristat::Error::DimensionMismatch {
            what: "inputs vs reports",
            expected: reports.len(),
            got: xs.len(),
        })
        .py();
    }
    let est = detach(py, None, move || {
        aggregate(m.as_ref(), &reports, inputs.as_deref())
    })?;
    Ok((est.estimate, est.variance))
}

/// The empirical audit at the mechanism's worst input pair (`draws` outputs per input).
#[pyfunction]
#[pyo3(signature = (name, epsilon, delta, k, d, draws, level, seed))]
#[allow(clippy::too_many_arguments)]
fn ldp_audit<'py>(
    py: Python<'py>,
    name: &str,
    epsilon: f64,
    delta: Option<f64>,
    k: usize,
    d: usize,
    draws: u64,
    level: f64,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let m = mechanism(name, epsilon, delta, k, d)?;
    let a = detach(py, None, move || {
        let mut rng = veristat::rng::stream(seed, "python-ldp-audit", 0);
        empirical_audit(m.as_ref(), draws, level, &mut rng)
    })?;
    let out = PyDict::new(py);
    out.set_item("mechanism", a.mechanism)?;
    out.set_item("epsilon", a.epsilon)?;
    out.set_item("delta", a.delta)?;
    out.set_item("epsilon_lower", a.epsilon_lower)?;
    out.set_item("epsilon_estimate", a.epsilon_estimate)?;
    out.set_item("delta_estimate", a.delta_estimate)?;
    out.set_item("draws", a.draws)?;
    out.set_item("level", a.level)?;
    out.set_item("method", a.method)?;
    out.set_item("pass", a.pass)?;
    Ok(out)
}

/// The exact worst-case likelihood ratio of a discrete mechanism against e^epsilon.
#[pyfunction]
#[pyo3(signature = (name, epsilon, delta, k, d))]
fn ldp_exact_audit<'py>(
    py: Python<'py>,
    name: &str,
    epsilon: f64,
    delta: Option<f64>,
    k: usize,
    d: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let m = mechanism(name, epsilon, delta, k, d)?;
    let Some(disc) = m.as_discrete() else {
        return Err(veristat::Error::param(
            "mechanism",
            name,
            "the exact audit needs a discrete mechanism (rr, grr, oue, sue, olh, hr)",
        ))
        .py();
    };
    let a = exact_ratio_check(disc, m.privacy().epsilon).py()?;
    let out = PyDict::new(py);
    out.set_item("max_ratio", a.max_ratio)?;
    out.set_item("bound", a.bound)?;
    out.set_item("pass", a.pass)?;
    out.set_item("outputs", a.outputs)?;
    Ok(out)
}

/// Rows of a 2-d array, row-major, in one copy.
fn flat<T: numpy::Element + Copy>(a: &numpy::PyReadonlyArray2<'_, T>) -> Vec<T> {
    let v = a.as_array();
    match v.as_slice() {
        Some(s) => s.to_vec(),
        None => v.iter().copied().collect(),
    }
}

/// Privatize every row of `x` (n x input_dim) with the batch API into the compact report
/// buffer: uint64 words (n x ceil(k/64)) for the unary encodings, uint32 (n x width) for rr,
/// grr, olh (seed, value) and hr, float64 (n x dim) for the mean mechanisms. Chunk c of 16384
/// users draws from stream c of `seed`: the same reports for any thread count.
#[pyfunction]
#[pyo3(signature = (name, epsilon, delta, k, d, x, seed, n_jobs=None))]
#[allow(clippy::too_many_arguments)]
fn ldp_privatize_column<'py>(
    py: Python<'py>,
    name: &str,
    epsilon: f64,
    delta: Option<f64>,
    k: usize,
    d: usize,
    x: PyReadonlyArray2<'py, f64>,
    seed: u64,
    n_jobs: Option<usize>,
) -> PyResult<Bound<'py, PyAny>> {
    let m = mechanism(name, epsilon, delta, k, d)?;
    let xs = flat(&x);
    let r = detach(py, n_jobs, move || privatize_column(m.as_ref(), &xs, seed))?;
    let (n, w) = (r.len(), r.layout().stride());
    let arr = |e: numpy::ndarray::ShapeError| veristat::Error::Numerical(e.to_string());
    Ok(match r.all() {
        Rows::Bits(v) => numpy::ndarray::Array2::from_shape_vec((n, w), v.to_vec())
            .map_err(arr)
            .py()?
            .into_pyarray(py)
            .into_any(),
        Rows::Ints(v) => numpy::ndarray::Array2::from_shape_vec((n, w), v.to_vec())
            .map_err(arr)
            .py()?
            .into_pyarray(py)
            .into_any(),
        Rows::Reals(v) => numpy::ndarray::Array2::from_shape_vec((n, w), v.to_vec())
            .map_err(arr)
            .py()?
            .into_pyarray(py)
            .into_any(),
    })
}

/// A compact report array back into a buffer of the mechanism's layout.
fn reports_from(m: &dyn Mechanism, reports: &Bound<'_, PyAny>) -> PyResult<Reports> {
    let bad = |what: &str| {
        veristat::Error::param(
            "reports",
            what,
            format!(
                "mechanism `{}` reports are a 2-d {} array",
                m.name(),
                match m.layout() {
                    Layout::Bits { .. } => "uint64",
                    Layout::Ints { .. } => "uint32",
                    Layout::Reals { .. } => "float64",
                }
            ),
        )
    };
    let r = match m.layout() {
        Layout::Bits { k } => {
            let a: numpy::PyReadonlyArray2<'_, u64> = reports
                .extract()
                .map_err(|_| to_py_err(bad("another dtype")))?;
            Reports::from_bits(k, flat(&a))
        }
        Layout::Ints { width } => {
            let a: numpy::PyReadonlyArray2<'_, u32> = reports
                .extract()
                .map_err(|_| to_py_err(bad("another dtype")))?;
            Reports::from_ints(width, flat(&a))
        }
        Layout::Reals { dim } => {
            let a: PyReadonlyArray2<'_, f64> = reports
                .extract()
                .map_err(|_| to_py_err(bad("another dtype")))?;
            Reports::from_reals(dim, flat(&a))
        }
    };
    r.py()
}

fn to_py_err(e: veristat::Error) -> PyErr {
    crate::errors::to_py(e)
}

fn estimates_dict<'py>(
    py: Python<'py>,
    e: &Estimates,
    level: f64,
    post: PostProcess,
) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    let ci = e.conf_int(level).py()?;
    out.set_item(
        "target",
        match e.kind {
            Target::Frequency => "frequency",
            Target::Mean => "mean",
        },
    )?;
    out.set_item(
        "estimate",
        crate::conv::py_vec(py, e.estimate.iter().copied()),
    )?;
    out.set_item(
        "variance",
        crate::conv::py_vec(py, e.variance.iter().copied()),
    )?;
    out.set_item(
        "std_error",
        crate::conv::py_vec(py, e.std_error.iter().copied()),
    )?;
    let lo_hi = numpy::ndarray::Array2::from_shape_fn((ci.len(), 2), |(i, j)| {
        if j == 0 { ci[i].0 } else { ci[i].1 }
    });
    out.set_item("conf_int", lo_hi.into_pyarray(py))?;
    out.set_item("n", e.n)?;
    out.set_item("level", level)?;
    if e.kind == Target::Frequency {
        let p = post.apply(&e.estimate).py()?;
        out.set_item("postprocessed", crate::conv::py_vec(py, p))?;
    }
    Ok(out)
}

/// Aggregate a compact report array in one parallel pass: estimate, variance, std_error,
/// conf_int (n_coords x 2) at `level`, and the post-processed frequencies (oracles).
#[pyfunction]
#[pyo3(signature = (name, epsilon, delta, k, d, reports, level, postprocess, n_jobs=None))]
#[allow(clippy::too_many_arguments)]
fn ldp_estimate_column<'py>(
    py: Python<'py>,
    name: &str,
    epsilon: f64,
    delta: Option<f64>,
    k: usize,
    d: usize,
    reports: Bound<'py, PyAny>,
    level: f64,
    postprocess: &str,
    n_jobs: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let m = mechanism(name, epsilon, delta, k, d)?;
    let post = PostProcess::by_name(postprocess).py()?;
    let r = reports_from(m.as_ref(), &reports)?;
    let e = detach(py, n_jobs, move || aggregate_column(m.as_ref(), &r))?;
    estimates_dict(py, &e, level, post)
}

/// Heavy hitters from estimates and standard errors: (category, estimate, std_error) of the
/// categories above z_{1-alpha/K} SE, largest first, at most `top`.
#[pyfunction]
#[pyo3(signature = (estimate, std_error, n, top, alpha))]
fn ldp_heavy_hitters(
    estimate: Vec<f64>,
    std_error: Vec<f64>,
    n: usize,
    top: usize,
    alpha: f64,
) -> PyResult<Vec<(usize, f64, f64)>> {
    if estimate.len() != std_error.len() {
        return Err(veristat::Error::DimensionMismatch {
            what: "std_error vs estimate",
            expected: estimate.len(),
            got: std_error.len(),
        })
        .py();
    }
    let e = Estimates {
        kind: Target::Frequency,
        variance: std_error.iter().map(|s| s * s).collect(),
        estimate,
        std_error,
        n,
    };
    Ok(heavy_hitters(&e, top, alpha)
        .py()?
        .into_iter()
        .map(|h| (h.category, h.estimate, h.std_error))
        .collect())
}

/// A frequency vector post-processed onto the simplex (none, norm-sub, simplex, norm-mul).
#[pyfunction]
fn ldp_postprocess(f: Vec<f64>, method: &str) -> PyResult<Vec<f64>> {
    PostProcess::by_name(method).py()?.apply(&f).py()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(ldp_privatize_column, m)?)?;
    m.add_function(wrap_pyfunction!(ldp_estimate_column, m)?)?;
    m.add_function(wrap_pyfunction!(ldp_heavy_hitters, m)?)?;
    m.add_function(wrap_pyfunction!(ldp_postprocess, m)?)?;
    m.add_function(wrap_pyfunction!(ldp_info, m)?)?;
    m.add_function(wrap_pyfunction!(ldp_privatize, m)?)?;
    m.add_function(wrap_pyfunction!(ldp_decode, m)?)?;
    m.add_function(wrap_pyfunction!(ldp_aggregate, m)?)?;
    m.add_function(wrap_pyfunction!(ldp_audit, m)?)?;
    m.add_function(wrap_pyfunction!(ldp_exact_audit, m)?)?;
    Ok(())
}

fn ldp_fit_dict<'py>(
    py: Python<'py>,
    fit: &veristat::ldp::regression::LdpFit,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("coef", crate::conv::py_vec(py, fit.coef.iter().copied()))?;
    d.set_item("epsilon", fit.privacy.map(|p| p.epsilon))?;
    d.set_item("delta", fit.privacy.map(|p| p.delta))?;
    d.set_item("diagnostics", fit.details.to_string())?;
    Ok(d)
}

/// Non-interactive LDP sparse regression (Zhu et al. 2024, Algorithm 1); with `x_public`, the
/// public-unlabeled-covariates variant (§1b).
#[pyfunction]
#[pyo3(signature = (x, y, epsilon, delta, tau1, tau2, radius, soft_threshold, lambda_scale, l1_bound, floor, x_public, seed))]
#[allow(clippy::too_many_arguments)]
fn ldp_nldp_fit<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: numpy::PyReadonlyArray1<'py, f64>,
    epsilon: f64,
    delta: f64,
    tau1: f64,
    tau2: f64,
    radius: Option<f64>,
    soft_threshold: Option<f64>,
    lambda_scale: f64,
    l1_bound: f64,
    floor: Option<f64>,
    x_public: Option<PyReadonlyArray2<'py, f64>>,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    use veristat::estimator::{Fit, RegressionData};
    use veristat::ldp::regression::NldpParams;
    let (x, y) = (crate::conv::mat(&x), crate::conv::vector(&y));
    let x_public = x_public.as_ref().map(crate::conv::mat);
    let mut est = NldpParams::new(epsilon, delta)
        .tau(tau1, tau2)
        .lambda_scale(lambda_scale)
        .l1_bound(l1_bound)
        .seed(seed);
    if let Some(r) = radius {
        est = est.radius(r);
    }
    if let Some(l) = soft_threshold {
        est = est.lambda(l);
    }
    if let Some(k) = floor {
        est = est.floor(k);
    }
    let fit = detach(py, None, move || {
        let data = RegressionData::new(x, y)?;
        match x_public {
            None => est.fit(&data),
            Some(xp) => est.with_public_covariates(xp).fit(&data),
        }
    })?;
    ldp_fit_dict(py, &fit)
}

/// Sequentially interactive LDP iterative hard thresholding (§1c).
#[pyfunction]
#[pyo3(signature = (x, y, epsilon, sparsity, rounds, step, tau1, tau2, l1_radius, seed))]
#[allow(clippy::too_many_arguments)]
fn ldp_iht_fit<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: numpy::PyReadonlyArray1<'py, f64>,
    epsilon: f64,
    sparsity: usize,
    rounds: usize,
    step: f64,
    tau1: f64,
    tau2: f64,
    l1_radius: f64,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    use veristat::estimator::{Fit, RegressionData};
    use veristat::ldp::regression::LdpIhtParams;
    let (x, y) = (crate::conv::mat(&x), crate::conv::vector(&y));
    let est = LdpIhtParams::new(epsilon, sparsity)
        .rounds(rounds)
        .step(step)
        .tau(tau1, tau2)
        .l1_radius(l1_radius)
        .seed(seed);
    let fit = detach(py, None, move || est.fit(&RegressionData::new(x, y)?))?;
    ldp_fit_dict(py, &fit)
}

pub fn register_regressions(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(ldp_nldp_fit, m)?)?;
    m.add_function(wrap_pyfunction!(ldp_iht_fit, m)?)?;
    Ok(())
}

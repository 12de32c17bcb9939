//! `veristat.ldp`: the mechanisms of [`veristat::ldp::mechanisms`] applied to whole arrays
//! (one row per user), aggregation, and the exact and empirical privacy audits.

use crate::conv::{detach, py_mat};
use crate::errors::IntoPy;
use nalgebra::DMatrix;
use numpy::{PyArray2, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use veristat::ldp::audit::{empirical_audit, exact_ratio_check};
use veristat::ldp::estimate::{aggregate, privatize_all};
use veristat::ldp::mechanisms::{Mechanism, by_name};

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
            "the exact audit needs a discrete mechanism (rr, grr, oue, sue, olh)",
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

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
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

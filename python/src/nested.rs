//! `veristat.inference.NestedSampler`: the core's nested sampler on a Python likelihood and
//! prior transform (dynesty's calling convention).
//!
//! The sampler runs with the GIL released; each likelihood batch and each prior transform
//! re-attaches to call Python. The core asks for likelihoods in batches
//! (`prefers_batches`), so a vectorized Python likelihood is called once per batch of points.
//! A Python exception in a callback is kept, the points are reported as NaN (which ends the
//! core's run with an error), and the kept exception is raised in place of that error.

use crate::conv::py_mat;
use crate::errors::to_py;
use nalgebra::DMatrix;
use numpy::{PyArray1, PyReadonlyArray1, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::sync::Mutex;
use veristat::inference::{NestedParams, NestedSampler, PriorModel};

struct PyModel {
    loglike: Py<PyAny>,
    prior_transform: Py<PyAny>,
    dim: usize,
    periodic: Vec<bool>,
    vectorized: bool,
    error: Mutex<Option<PyErr>>,
}

impl PyModel {
    fn failed(&self) -> bool {
        self.error.lock().map(|e| e.is_some()).unwrap_or(true)
    }

    fn keep(&self, e: PyErr) {
        if let Ok(mut slot) = self.error.lock()
            && slot.is_none()
        {
            *slot = Some(e);
        }
    }

    fn shape_error(what: &str, expected: usize, got: usize) -> PyErr {
        to_py(veristat::Error::InvalidData(format!(
            "{what} returned {got} values, expected {expected}"
        )))
    }

    fn transform_py(&self, py: Python<'_>, u: &[f64], theta: &mut [f64]) -> PyResult<()> {
        let arr = PyArray1::from_slice(py, u);
        let out = self.prior_transform.bind(py).call1((arr,))?;
        let out: PyReadonlyArray1<'_, f64> = py
            .import("numpy")?
            .call_method1("asarray", (out, "float64"))?
            .call_method1("reshape", (-1,))?
            .extract()?;
        if out.len() != theta.len() {
            return Err(Self::shape_error("prior_transform", theta.len(), out.len()));
        }
        for (t, v) in theta.iter_mut().zip(out.as_array().iter()) {
            *t = *v;
        }
        Ok(())
    }

    fn loglike_py(&self, py: Python<'_>, thetas: &[Vec<f64>], out: &mut [f64]) -> PyResult<()> {
        let ll = self.loglike.bind(py);
        let asarray = py.import("numpy")?.getattr("asarray")?;
        if self.vectorized {
            let m = DMatrix::from_fn(thetas.len(), self.dim, |i, j| thetas[i][j]);
            let values = ll.call1((py_mat(py, &m),))?;
            let values: PyReadonlyArray1<'_, f64> = asarray
                .call1((values, "float64"))?
                .call_method1("reshape", (-1,))?
                .extract()?;
            if values.len() != out.len() {
                return Err(Self::shape_error("loglike", out.len(), values.len()));
            }
            for (o, v) in out.iter_mut().zip(values.as_array().iter()) {
                *o = *v;
            }
        } else {
            for (o, t) in out.iter_mut().zip(thetas) {
                let v = ll.call1((PyArray1::from_slice(py, t),))?;
                *o = asarray
                    .call1((v, "float64"))?
                    .call_method0("item")?
                    .extract()?;
            }
        }
        // A likelihood that cannot be evaluated is NaN for the core; +inf is not a likelihood.
        if let Some(i) = out.iter().position(|v| *v == f64::INFINITY) {
            return Err(to_py(veristat::Error::InvalidData(format!(
                "loglike returned +inf at {:?}",
                thetas[i]
            ))));
        }
        Ok(())
    }
}

impl PriorModel for PyModel {
    fn dim(&self) -> usize {
        self.dim
    }
    fn is_periodic(&self, i: usize) -> bool {
        self.periodic[i]
    }
    fn transform(&self, u: &[f64], theta: &mut [f64]) {
        if self.failed() {
            theta.fill(f64::NAN);
            return;
        }
        if let Err(e) = Python::attach(|py| self.transform_py(py, u, theta)) {
            theta.fill(f64::NAN);
            self.keep(e);
        }
    }
    fn log_likelihood(&self, theta: &[f64]) -> f64 {
        let mut out = [f64::NAN];
        self.log_likelihood_batch(&[theta.to_vec()], &mut out);
        out[0]
    }
    fn log_likelihood_batch(&self, thetas: &[Vec<f64>], out: &mut [f64]) {
        if self.failed() {
            out.fill(f64::NAN);
            return;
        }
        if let Err(e) = Python::attach(|py| self.loglike_py(py, thetas, out)) {
            out.fill(f64::NAN);
            self.keep(e);
        }
    }
    fn prefers_batches(&self) -> bool {
        true
    }
}

/// Run the nested sampler: logz, logzerr, samples (n x ndim), logl, logwt, weights, and the
/// run's statistics.
#[pyfunction]
#[pyo3(signature = (loglike, prior_transform, ndim, nlive, walks, batch, dlogz, max_calls, enlarge, uniform_calls, periodic, vectorized, seed))]
#[allow(clippy::too_many_arguments)]
fn nested_run<'py>(
    py: Python<'py>,
    loglike: Py<PyAny>,
    prior_transform: Py<PyAny>,
    ndim: usize,
    nlive: usize,
    walks: usize,
    batch: Option<usize>,
    dlogz: f64,
    max_calls: u64,
    enlarge: f64,
    uniform_calls: usize,
    periodic: Vec<usize>,
    vectorized: bool,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let mut params = NestedParams::new(nlive)
        .walks(walks)
        .dlogz(dlogz)
        .max_calls(max_calls)
        .enlarge(enlarge)
        .uniform_calls(uniform_calls);
    if let Some(k) = batch {
        params = params.batch(k);
    }
    let sampler = NestedSampler::new(params, ndim).map_err(to_py)?;
    let mut flags = vec![false; ndim];
    for &i in &periodic {
        if i >= ndim {
            return Err(to_py(veristat::Error::param(
                "periodic",
                i,
                format!("indices must be < ndim = {ndim}"),
            )));
        }
        flags[i] = true;
    }
    let model = PyModel {
        loglike,
        prior_transform,
        dim: ndim,
        periodic: flags,
        vectorized,
        error: Mutex::new(None),
    };
    let run = py.detach(|| {
        let mut rng = veristat::rng::stream(seed, "python-nested", 0);
        sampler.run(&model, &mut rng)
    });
    if let Some(e) = model.error.lock().ok().and_then(|mut e| e.take()) {
        return Err(e);
    }
    let res = run.map_err(to_py)?;
    let n = res.samples.len();
    let samples = DMatrix::from_fn(n, ndim, |i, j| res.samples[i].theta[j]);
    let d = PyDict::new(py);
    d.set_item("logz", res.log_z)?;
    d.set_item("logzerr", res.log_z_err)?;
    d.set_item("samples", py_mat(py, &samples))?;
    d.set_item(
        "logl",
        res.samples.iter().map(|s| s.log_l).collect::<Vec<_>>(),
    )?;
    d.set_item(
        "logwt",
        res.samples
            .iter()
            .map(|s| s.log_l + s.log_w)
            .collect::<Vec<_>>(),
    )?;
    d.set_item("weights", res.weights())?;
    let g = &res.diagnostics;
    d.set_item("niter", g.iterations)?;
    d.set_item("ncall", g.n_calls)?;
    d.set_item("information", g.information)?;
    d.set_item("acceptance", g.acceptance)?;
    d.set_item("converged", g.converged)?;
    d.set_item("batches", g.batches)?;
    Ok(d)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(nested_run, m)?)?;
    Ok(())
}

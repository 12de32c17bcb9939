//! `veristat.expfam`: the p-n criterion of [`veristat::expfam`] (Sheena 2021) on data, and the
//! Monte Carlo risk of a model fitted to draws from a truth outside it.

use crate::conv::{detach, mat, py_vec};
use crate::errors::{IntoPy, to_py};
use numpy::PyReadonlyArray2;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use std::sync::Arc;
use veristat::Error;
use veristat::expfam::ExponentialFamily;
use veristat::expfam::criterion::{self, Bound as RiskBound, Threshold};
use veristat::expfam::families::{Gaussian, Poisson, Structure};
use veristat::expfam::risk::{self, RiskSimulation};
use veristat::expfam::truth::Truth;

const FAMILIES: &str = "normal, poisson, gaussian-iso, gaussian-diag, gaussian-full";

/// The family called `name` for `d`-dimensional observations (the CLI's `pn --family`).
fn family(name: &str, d: usize) -> veristat::Result<Arc<dyn ExponentialFamily>> {
    let scalar = |what: &str| {
        if d == 1 {
            Ok(())
        } else {
            Err(Error::param(
                "family",
                what,
                format!("the {what} family takes one column, got {d}"),
            ))
        }
    };
    Ok(match name {
        "normal" => {
            scalar("normal")?;
            Arc::new(Gaussian::normal())
        }
        "poisson" => {
            scalar("poisson")?;
            Arc::new(Poisson)
        }
        "gaussian-iso" => Arc::new(Gaussian::new(d, Structure::Isotropic)?),
        "gaussian-diag" => Arc::new(Gaussian::new(d, Structure::Diagonal)?),
        "gaussian-full" => Arc::new(Gaussian::new(d, Structure::Full)?),
        other => {
            return Err(Error::UnknownName {
                kind: "family",
                name: other.into(),
                known: FAMILIES.into(),
            });
        }
    })
}

/// The threshold epsilon: given directly, or from delta through the named bound.
fn threshold(epsilon: Option<f64>, delta: f64, bound: &str) -> veristat::Result<Threshold> {
    match epsilon {
        Some(e) => Threshold::from_epsilon(e),
        None => Threshold::from_delta(delta, RiskBound::parse(bound)?),
    }
}

/// The p-n criterion on the rows of `x` (n x d) for `family_name`.
#[pyfunction]
#[pyo3(signature = (x, family_name, epsilon, delta, bound))]
fn pn_criterion<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    family_name: &str,
    epsilon: Option<f64>,
    delta: f64,
    bound: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let x = mat(&x);
    let fam = family(family_name, x.ncols()).py()?;
    let eps = threshold(epsilon, delta, bound).py()?.epsilon;
    let (fit, n_min) = detach(py, None, move || {
        let fit = risk::plug_in(fam.as_ref(), &x)?;
        let n_min = criterion::n_min(fit.terms.c1, fit.terms.c2, eps)?;
        Ok((fit, n_min))
    })?;
    let n = fit.n as f64;
    let d = PyDict::new(py);
    d.set_item("p", fit.p)?;
    d.set_item("n", fit.n)?;
    d.set_item("c1", fit.terms.c1)?;
    d.set_item("c2", fit.terms.c2)?;
    d.set_item("risk_first_order", fit.terms.first_order(n))?;
    d.set_item("risk_second_order", fit.terms.second_order(n))?;
    d.set_item("threshold", eps)?;
    d.set_item("n_min", n_min)?;
    d.set_item("accept", fit.n as u64 >= n_min)?;
    d.set_item("theta", py_vec(py, fit.theta.iter().copied()))?;
    d.set_item("loglik", fit.loglik)?;
    d.set_item("aic", fit.criteria.aic)?;
    d.set_item("tic", fit.criteria.tic)?;
    d.set_item("bic", fit.criteria.bic)?;
    Ok(d)
}

/// Minimum sample size n_min(c1, c2, epsilon).
#[pyfunction]
fn pn_n_min(c1: f64, c2: f64, epsilon: f64) -> PyResult<u64> {
    criterion::n_min(c1, c2, epsilon).py()
}

/// Epsilon from delta through the named bound.
#[pyfunction]
fn pn_threshold(delta: f64, bound: &str) -> PyResult<f64> {
    Ok(threshold(None, delta, bound).py()?.epsilon)
}

/// Monte Carlo risk E KL(g_theta* || g_theta_hat) at each n in `ns`, with the expansion's c1, c2.
#[pyfunction]
#[pyo3(signature = (family_name, truth, dim, ns, replicates, seed, n_jobs))]
#[allow(clippy::too_many_arguments)]
fn pn_simulate<'py>(
    py: Python<'py>,
    family_name: &str,
    truth: &str,
    dim: usize,
    ns: Vec<usize>,
    replicates: usize,
    seed: u64,
    n_jobs: Option<usize>,
) -> PyResult<Bound<'py, PyList>> {
    veristat::error::check::at_least("dim", dim, 1).py()?;
    veristat::error::check::at_least("replicates", replicates, 2).py()?;
    if let Some(&n) = ns.iter().find(|&&n| n < 2) {
        return Err(to_py(Error::param("n", n, "sample sizes must be >= 2")));
    }
    let fam = family(family_name, dim).py()?;
    let truth = Truth::parse(truth, dim).py()?;
    let rows = detach(py, n_jobs, move || {
        let sim = RiskSimulation::new(fam, &truth)?;
        let terms = sim.terms();
        ns.iter()
            .map(|&n| {
                // The CLI's `pn simulate` stream label, so the same seed gives the same numbers.
                let r = sim.run(n, replicates, seed, &format!("pn-simulate-{n}"))?;
                Ok((n, r, terms))
            })
            .collect::<veristat::Result<Vec<_>>>()
    })?;
    let out = PyList::empty(py);
    for (n, r, t) in rows {
        let d = PyDict::new(py);
        d.set_item("n", n)?;
        d.set_item("risk_mc", r.risk)?;
        d.set_item("se", r.se)?;
        d.set_item("risk_plain", r.risk_plain)?;
        d.set_item("se_plain", r.se_plain)?;
        d.set_item("c1", t.c1)?;
        d.set_item("c2", t.c2)?;
        d.set_item("risk_second_order", t.second_order(n as f64))?;
        out.append(d)?;
    }
    Ok(out)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(pn_criterion, m)?)?;
    m.add_function(wrap_pyfunction!(pn_n_min, m)?)?;
    m.add_function(wrap_pyfunction!(pn_threshold, m)?)?;
    m.add_function(wrap_pyfunction!(pn_simulate, m)?)?;
    Ok(())
}

//! `veristat.claims`: the registered claims, and one run of a claim (a scale, a seed, a shard).

use crate::conv::detach;
use crate::errors::IntoPy;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use veristat::claims;
use veristat::montecarlo::{NoProgress, RunConfig, Scale, Shard, runner};

fn scale(s: &str) -> PyResult<Scale> {
    match s {
        "test" => Ok(Scale::Test),
        "quick" => Ok(Scale::Quick),
        "full" => Ok(Scale::Full),
        other => Err(veristat::Error::param(
            "scale",
            other,
            "must be 'test', 'quick' or 'full'",
        ))
        .py(),
    }
}

/// Every claim at `scale`: name, description, prediction, columns and default replicates.
#[pyfunction]
fn list_claims<'py>(py: Python<'py>, scale_name: &str) -> PyResult<Bound<'py, PyList>> {
    let out = PyList::empty(py);
    for c in claims::all(scale(scale_name)?) {
        let d = PyDict::new(py);
        d.set_item("name", c.name())?;
        d.set_item("description", c.description())?;
        d.set_item("prediction", c.prediction())?;
        d.set_item("key_columns", c.key_columns().to_vec())?;
        d.set_item("value_columns", c.value_columns().to_vec())?;
        d.set_item("default_replicates", c.default_replicates())?;
        d.set_item("config", c.config().to_string())?;
        out.append(d)?;
    }
    Ok(out)
}

/// Run `name`'s replicates of shard `shard_index`/`shard_count` on the CPU. Returns the table as
/// columns (replicate, keys, values), its content hash, and the verdict (`None` for a partial
/// shard, which cannot be judged alone).
#[pyfunction]
#[pyo3(signature = (name, scale_name, seed, replicates, shard_index, shard_count, n_jobs))]
#[allow(clippy::too_many_arguments)]
fn run_claim<'py>(
    py: Python<'py>,
    name: &str,
    scale_name: &str,
    seed: u64,
    replicates: Option<u64>,
    shard_index: u64,
    shard_count: u64,
    n_jobs: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let claim = claims::find(name, scale(scale_name)?).py()?;
    if shard_count == 0 || shard_index >= shard_count {
        return Err(veristat::Error::param(
            "shard",
            format!("({shard_index}, {shard_count})"),
            "expected (i, N) with 0 <= i < N",
        ))
        .py();
    }
    let cfg = RunConfig {
        seed,
        replicates: replicates.unwrap_or_else(|| claim.default_replicates()),
        shard: Shard {
            index: shard_index,
            count: shard_count,
        },
    };
    let claim_ref = claim.as_ref();
    let (table, verdict) = detach(py, n_jobs, move || {
        let table = runner::run(claim_ref, &cfg, &NoProgress)?;
        let verdict = if cfg.shard.count == 1 {
            Some(claim_ref.verdict(&table)?)
        } else {
            None
        };
        Ok((table, verdict))
    })?;

    let out = PyDict::new(py);
    out.set_item("claim", &table.claim)?;
    out.set_item("seed", table.seed)?;
    out.set_item("content_hash", table.content_hash())?;
    out.set_item("key_columns", &table.key_columns)?;
    out.set_item("value_columns", &table.value_columns)?;
    let reps: Vec<u64> = table.rows.iter().map(|r| r.replicate).collect();
    out.set_item("replicate", reps)?;
    let keys: Vec<Vec<String>> = (0..table.key_columns.len())
        .map(|j| table.rows.iter().map(|r| r.key[j].clone()).collect())
        .collect();
    out.set_item("keys", keys)?;
    let values: Vec<Vec<f64>> = (0..table.value_columns.len())
        .map(|j| table.rows.iter().map(|r| r.values[j]).collect())
        .collect();
    out.set_item("values", values)?;
    match verdict {
        None => out.set_item("verdict", py.None())?,
        Some(v) => {
            let d = PyDict::new(py);
            d.set_item("claim", &v.claim)?;
            d.set_item("replicates", v.replicates)?;
            d.set_item("pass", v.pass())?;
            let checks = PyList::empty(py);
            for c in &v.checks {
                let cd = PyDict::new(py);
                cd.set_item("name", &c.name)?;
                cd.set_item("estimate", c.estimate)?;
                cd.set_item("ci_low", c.ci.0)?;
                cd.set_item("ci_high", c.ci.1)?;
                cd.set_item("level", c.level)?;
                cd.set_item("prediction", &c.prediction)?;
                cd.set_item("pass", c.pass)?;
                checks.append(cd)?;
            }
            d.set_item("checks", checks)?;
            out.set_item("verdict", d)?;
        }
    }
    Ok(out)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(list_claims, m)?)?;
    m.add_function(wrap_pyfunction!(run_claim, m)?)?;
    Ok(())
}

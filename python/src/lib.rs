//! `veristat._core`: the compiled half of the Python package.
//!
//! Every function here takes validated float64 numpy arrays (the Python layer,
//! `python/veristat/`, runs scikit-learn's `validate_data` first), copies them into the core's
//! nalgebra types, releases the GIL for the numerics (`Python::detach`), and returns numpy
//! arrays or plain dicts. Errors of the core become the exception classes of
//! `veristat.exceptions` (see [`errors`]); the functions never panic on bad input because the
//! core returns typed errors for it.

mod claims;
mod conv;
mod echo;
mod errors;
mod expfam;
mod ldp;
mod metrics;
mod multiplicity;
mod nested;
mod ordinal;
mod sparse;

use pyo3::prelude::*;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    metrics::register(m)?;
    claims::register(m)?;
    sparse::register(m)?;
    ldp::register(m)?;
    ldp::register_regressions(m)?;
    nested::register(m)?;
    echo::register(m)?;
    ordinal::register(m)?;
    expfam::register(m)?;
    multiplicity::register(m)?;
    Ok(())
}

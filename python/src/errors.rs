//! The core's [`veristat::Error`] as the exception classes of `veristat.exceptions`.
//!
//! Each class subclasses the builtin a Python user would catch (`ValueError` for bad parameters
//! and data, `KeyError` for a missing column, `RuntimeError` for non-convergence and numerical
//! failure) and carries the parameter (or column) name, the offending value and the reason as
//! attributes, so `except ValueError as e: e.param` works.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use veristat::Error;

/// The Python exception for `e`.
pub fn to_py(e: Error) -> PyErr {
    Python::attach(|py| build(py, &e).unwrap_or_else(|failed| failed))
}

/// `Result<T, veristat::Error>` -> `PyResult<T>`.
pub trait IntoPy<T> {
    /// Map the error with [`to_py`].
    fn py(self) -> PyResult<T>;
}

impl<T> IntoPy<T> for veristat::Result<T> {
    fn py(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}

fn build(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let kw = PyDict::new(py);
    let class = match e {
        Error::InvalidParameter {
            name,
            value,
            reason,
        } => {
            kw.set_item("param", *name)?;
            kw.set_item("value", value)?;
            kw.set_item("reason", reason)?;
            "InvalidParameterError"
        }
        Error::BadCell {
            column,
            row,
            value,
            reason,
        } => {
            kw.set_item("param", column)?;
            kw.set_item("value", format!("{value} at row {row}"))?;
            kw.set_item("reason", reason)?;
            "InvalidDataError"
        }
        Error::MissingColumn { column, .. } => {
            kw.set_item("param", column)?;
            "MissingColumnError"
        }
        Error::DimensionMismatch {
            what,
            expected,
            got,
        } => {
            kw.set_item("param", *what)?;
            kw.set_item("value", got.to_string())?;
            kw.set_item("reason", format!("expected {expected}"))?;
            "InvalidDataError"
        }
        Error::InvalidData(_) | Error::Format { .. } => "InvalidDataError",
        Error::NotIdentifiable(_) => "NotIdentifiableError",
        Error::NotConverged {
            solver, residual, ..
        } => {
            kw.set_item("param", "max_iter")?;
            kw.set_item("value", residual.to_string())?;
            kw.set_item("reason", format!("{solver} did not converge"))?;
            "NotConvergedError"
        }
        Error::Numerical(_) => "NumericalError",
        Error::UnknownName { kind, name, known } => {
            kw.set_item("param", *kind)?;
            kw.set_item("value", name)?;
            kw.set_item("reason", format!("known: {known}"))?;
            "UnknownNameError"
        }
        Error::GpuUnavailable(_) => "DeviceUnavailableError",
        Error::Io { .. } => "VeristatIOError",
        Error::Results(_) => "ResultsError",
        _ => "VeristatError",
    };
    let cls = py.import("veristat.exceptions")?.getattr(class)?;
    let exc = cls.call((e.to_string(),), Some(&kw))?;
    Ok(PyErr::from_value(exc))
}

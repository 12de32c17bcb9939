//! `veristat.metrics`: binary-classification metrics of [`veristat::metrics`] on 0/1 labels.

use crate::conv::{detach, py_vec, vec};
use crate::errors::IntoPy;
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use veristat::metrics::{self, Binning};

fn labels(y: &PyReadonlyArray1<'_, f64>) -> PyResult<Vec<bool>> {
    metrics::labels_from_f64(&vec(y)).py()
}

/// Binary metric `f` on labels `y` (0/1) and scores `s`, without the GIL.
fn binary(
    py: Python<'_>,
    y: PyReadonlyArray1<'_, f64>,
    s: PyReadonlyArray1<'_, f64>,
    f: fn(&[bool], &[f64]) -> veristat::Result<f64>,
) -> PyResult<f64> {
    let (y, s) = (labels(&y)?, vec(&s));
    detach(py, None, move || f(&y, &s))
}

/// Area under the ROC curve, ties counted 1/2.
#[pyfunction]
fn roc_auc(
    py: Python<'_>,
    y: PyReadonlyArray1<'_, f64>,
    s: PyReadonlyArray1<'_, f64>,
) -> PyResult<f64> {
    binary(py, y, s, metrics::auroc)
}

/// Step-wise average precision.
#[pyfunction]
fn average_precision(
    py: Python<'_>,
    y: PyReadonlyArray1<'_, f64>,
    s: PyReadonlyArray1<'_, f64>,
) -> PyResult<f64> {
    binary(py, y, s, metrics::average_precision)
}

/// Brier score.
#[pyfunction]
fn brier(
    py: Python<'_>,
    y: PyReadonlyArray1<'_, f64>,
    p: PyReadonlyArray1<'_, f64>,
) -> PyResult<f64> {
    binary(py, y, p, metrics::brier)
}

/// Log loss (probabilities clipped to [eps, 1 - eps]).
#[pyfunction]
fn log_loss(
    py: Python<'_>,
    y: PyReadonlyArray1<'_, f64>,
    p: PyReadonlyArray1<'_, f64>,
) -> PyResult<f64> {
    binary(py, y, p, metrics::log_loss)
}

/// Reliability curve: (fraction of positives, mean prediction, count) per non-empty bin.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn calibration_curve<'py>(
    py: Python<'py>,
    y: PyReadonlyArray1<'py, f64>,
    p: PyReadonlyArray1<'py, f64>,
    n_bins: usize,
    strategy: &str,
) -> PyResult<(
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
)> {
    let binning = match strategy {
        "uniform" => Binning::Uniform,
        "quantile" => Binning::Quantile,
        other => {
            return Err(veristat::Error::param(
                "strategy",
                other,
                "must be 'uniform' or 'quantile'",
            ))
            .py();
        }
    };
    let (y, p) = (labels(&y)?, vec(&p));
    let c = detach(py, None, move || {
        metrics::calibration_curve(&y, &p, n_bins, binning)
    })?;
    Ok((
        py_vec(py, c.prob_true),
        py_vec(py, c.prob_pred),
        py_vec(py, c.counts.iter().map(|&n| n as f64)),
    ))
}

/// Expected calibration error over `n_bins` uniform bins.
#[pyfunction]
fn expected_calibration_error(
    py: Python<'_>,
    y: PyReadonlyArray1<'_, f64>,
    p: PyReadonlyArray1<'_, f64>,
    n_bins: usize,
) -> PyResult<f64> {
    let (y, p) = (labels(&y)?, vec(&p));
    detach(py, None, move || {
        metrics::expected_calibration_error(&y, &p, n_bins)
    })
}

/// The rare-class squared calibration error of McDermott et al. (2024).
#[pyfunction]
fn rare_calibration_error(
    py: Python<'_>,
    y: PyReadonlyArray1<'_, f64>,
    p: PyReadonlyArray1<'_, f64>,
) -> PyResult<f64> {
    binary(py, y, p, metrics::rare_calibration_error)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(roc_auc, m)?)?;
    m.add_function(wrap_pyfunction!(average_precision, m)?)?;
    m.add_function(wrap_pyfunction!(brier, m)?)?;
    m.add_function(wrap_pyfunction!(log_loss, m)?)?;
    m.add_function(wrap_pyfunction!(calibration_curve, m)?)?;
    m.add_function(wrap_pyfunction!(expected_calibration_error, m)?)?;
    m.add_function(wrap_pyfunction!(rare_calibration_error, m)?)?;
    Ok(())
}

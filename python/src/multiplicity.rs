//! `veristat.multiplicity`: the ridge-logistic baseline and its viable prediction ranges,
//! ambiguity and discrepancy over the epsilon-level set (Watson-Daniels, Parkes and Ustun 2023).

use crate::conv::{detach, mat, vec, vector};
use nalgebra::{DMatrix, DVector};
use numpy::{PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use veristat::estimator::{Fit, Fitted, RegressionData};
use veristat::multiplicity::{
    Epsilon, LevelSet, LogisticFit, LogisticParams, ScoreRange, discrepancy, label_flip_ambiguity,
};

fn baseline(
    x: &DMatrix<f64>,
    y: &DVector<f64>,
    lam: f64,
    standardize: bool,
    weights: Option<Vec<f64>>,
) -> veristat::Result<LogisticFit> {
    let mut p = LogisticParams::new(lam).standardize(standardize);
    if let Some(w) = weights {
        p = p.weights(w);
    }
    p.fit(&RegressionData::new(x.clone(), y.clone())?)
}

/// The baseline theta* = argmin mean log-loss + lam / 2 ||w||^2 on `x` and 0/1 `y`: its
/// coefficients and intercept on the original feature scale (the score a(x)^T theta* is affine
/// in x), J*, the Newton steps and the gradient norm.
#[pyfunction]
#[pyo3(signature = (x, y, lam, standardize, sample_weight=None))]
fn ridge_logistic_fit<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    lam: f64,
    standardize: bool,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<Bound<'py, PyDict>> {
    let (x, y, w) = (mat(&x), vector(&y), sample_weight.as_ref().map(vec));
    let p = x.ncols();
    let (coef, intercept, fit) = detach(py, None, move || {
        let fit = baseline(&x, &y, lam, standardize, w)?;
        let score = |row: &[f64]| -> veristat::Result<f64> {
            Ok(fit.objective.design_row(row)?.dot(&fit.theta))
        };
        let zero = vec![0.0; p];
        let intercept = score(&zero)?;
        let coef = (0..p)
            .map(|j| {
                let mut e = zero.clone();
                e[j] = 1.0;
                Ok(score(&e)? - intercept)
            })
            .collect::<veristat::Result<Vec<f64>>>()?;
        Ok((coef, intercept, fit))
    })?;
    let d = PyDict::new(py);
    d.set_item("coef", coef)?;
    d.set_item("intercept", intercept)?;
    d.set_item("j_star", fit.j_star)?;
    d.set_item("n_iter", fit.diagnostics().iterations)?;
    d.set_item("gradient_norm", fit.gradient_norm())?;
    Ok(d)
}

/// Viable prediction ranges over S_eps of the baseline fitted to (x, y), for the training rows
/// or the rows of `x_new`; with the ambiguity and the discrepancy bracket at each delta.
#[pyfunction]
#[pyo3(signature = (x, y, lam, standardize, sample_weight, epsilon, relative, x_new, deltas))]
#[allow(clippy::too_many_arguments)]
fn multiplicity_ranges<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    lam: f64,
    standardize: bool,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    epsilon: f64,
    relative: bool,
    x_new: Option<PyReadonlyArray2<'py, f64>>,
    deltas: Vec<f64>,
) -> PyResult<Bound<'py, PyDict>> {
    let (x, y, w) = (mat(&x), vector(&y), sample_weight.as_ref().map(vec));
    let x_new = x_new.as_ref().map(mat);
    let eps = if relative {
        Epsilon::Relative(epsilon)
    } else {
        Epsilon::Absolute(epsilon)
    };
    type Out = (Vec<ScoreRange>, Vec<f64>, Vec<(f64, f64)>, f64);
    let (ranges, amb, disc, flip): Out = detach(py, None, move || {
        let fit = baseline(&x, &y, lam, standardize, w)?;
        let set = LevelSet::new(&fit, eps)?;
        let (ranges, a) = match &x_new {
            None => (set.all_training_ranges()?, fit.objective.design().clone()),
            Some(xn) => {
                let rows = (0..xn.nrows())
                    .map(|i| {
                        let r: Vec<f64> = xn.row(i).iter().copied().collect();
                        fit.objective.design_row(&r)
                    })
                    .collect::<veristat::Result<Vec<DVector<f64>>>>()?;
                let a = DMatrix::from_fn(rows.len(), fit.theta.len(), |i, j| rows[i][j]);
                let ranges = rows
                    .iter()
                    .map(|r| set.score_range(r))
                    .collect::<veristat::Result<Vec<_>>>()?;
                (ranges, a)
            }
        };
        let amb = deltas
            .iter()
            .map(|&d| veristat::multiplicity::ambiguity(&ranges, d))
            .collect::<veristat::Result<Vec<f64>>>()?;
        let disc = discrepancy(&a, &ranges, &deltas)?
            .iter()
            .map(|d| (d.lower, d.upper))
            .collect();
        let flip = label_flip_ambiguity(&ranges)?;
        Ok((ranges, amb, disc, flip))
    })?;
    let d = PyDict::new(py);
    d.set_item("p0", ranges.iter().map(|r| r.p0()).collect::<Vec<_>>())?;
    d.set_item(
        "p_lower",
        ranges
            .iter()
            .map(|r| r.lower.probability())
            .collect::<Vec<_>>(),
    )?;
    d.set_item(
        "p_upper",
        ranges
            .iter()
            .map(|r| r.upper.probability())
            .collect::<Vec<_>>(),
    )?;
    d.set_item(
        "converged",
        ranges.iter().map(|r| r.converged()).collect::<Vec<_>>(),
    )?;
    d.set_item("ambiguity", amb)?;
    d.set_item(
        "discrepancy_lower",
        disc.iter().map(|v| v.0).collect::<Vec<_>>(),
    )?;
    d.set_item(
        "discrepancy_upper",
        disc.iter().map(|v| v.1).collect::<Vec<_>>(),
    )?;
    d.set_item("label_flip_ambiguity", flip)?;
    Ok(d)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(ridge_logistic_fit, m)?)?;
    m.add_function(wrap_pyfunction!(multiplicity_ranges, m)?)?;
    Ok(())
}

//! `veristat.echo`: the QNM comb template, injection into simulated noise, the
//! phase-marginalised likelihood ratio and the nested-sampling search of [`veristat::echo`].
//! Complex series cross the boundary as (real, imaginary) float64 pairs.

use crate::conv::{detach, py_mat, py_vec, vec};
use crate::errors::{IntoPy, to_py};
use nalgebra::DMatrix;
use numpy::{PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use veristat::echo::template::{DurationFactor, qnm_comb};
use veristat::echo::{
    C64, CombLikelihood, CombParams, CombPrior, LikelihoodKind, PriorRange, PsdModel, Spectrum,
    simulate,
};
use veristat::inference::NestedParams;

type Pair<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>);

fn complex(re: &PyReadonlyArray1<'_, f64>, im: &PyReadonlyArray1<'_, f64>) -> PyResult<Vec<C64>> {
    let (re, im) = (vec(re), vec(im));
    if re.len() != im.len() {
        return Err(to_py(veristat::Error::DimensionMismatch {
            what: "imaginary vs real parts",
            expected: re.len(),
            got: im.len(),
        }));
    }
    Ok(re.iter().zip(&im).map(|(&a, &b)| C64::new(a, b)).collect())
}

fn pair<'py>(py: Python<'py>, z: &[C64]) -> Pair<'py> {
    (
        py_vec(py, z.iter().map(|c| c.re)),
        py_vec(py, z.iter().map(|c| c.im)),
    )
}

fn spectrum(
    freq: &PyReadonlyArray1<'_, f64>,
    re: &PyReadonlyArray1<'_, f64>,
    im: &PyReadonlyArray1<'_, f64>,
    psd: &PyReadonlyArray1<'_, f64>,
) -> PyResult<Spectrum> {
    Spectrum::new(vec(freq), complex(re, im)?, vec(psd)).py()
}

fn kind(name: &str) -> PyResult<LikelihoodKind> {
    LikelihoodKind::parse(name).py()
}

fn params(row: &[f64]) -> CombParams {
    CombParams::from_array([row[0], row[1], row[2], row[3], row[4], row[5]])
}

/// The QNM comb `h(f)` (spec §3.1) at `params` = [width, amplitude, phase, spacing, fmin, fmax]
/// over `freq`, for a segment of `duration`.
#[pyfunction]
fn comb<'py>(
    py: Python<'py>,
    freq: PyReadonlyArray1<'py, f64>,
    params_row: [f64; 6],
    duration: f64,
) -> PyResult<Pair<'py>> {
    let p = CombParams::from_array(params_row);
    p.validate().py()?;
    veristat::error::check::positive("duration", duration).py()?;
    let (h, _) = qnm_comb(&vec(&freq), &p, duration, DurationFactor::Reference);
    Ok(pair(py, &h))
}

/// Gaussian noise with PSD `psd` (per bin; or white at step `dt`) plus `scale * signal`:
/// the data's real and imaginary parts, the analysis PSD and the noise's mean |n_k|.
#[pyfunction]
#[pyo3(signature = (freq, signal_re, signal_im, scale, psd, dt, seed))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn inject<'py>(
    py: Python<'py>,
    freq: PyReadonlyArray1<'py, f64>,
    signal_re: PyReadonlyArray1<'py, f64>,
    signal_im: PyReadonlyArray1<'py, f64>,
    scale: f64,
    psd: Option<PyReadonlyArray1<'py, f64>>,
    dt: Option<f64>,
    seed: u64,
) -> PyResult<(
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    f64,
)> {
    let model = match (psd, dt) {
        (Some(s), None) => PsdModel::Known(vec(&s)),
        (None, Some(dt)) => PsdModel::WhiteExact { dt },
        _ => {
            return Err(to_py(veristat::Error::param(
                "psd",
                "psd and dt",
                "give exactly one of psd (per bin) and dt (white noise)",
            )));
        }
    };
    let (f, h) = (vec(&freq), complex(&signal_re, &signal_im)?);
    let real = detach(py, None, move || {
        let mut rng = veristat::rng::stream(seed, "python-echo-inject", 0);
        simulate(&f, &h, scale, model, &mut rng)
    })?;
    let (re, im) = pair(py, real.spectrum.data());
    Ok((
        re,
        im,
        py_vec(py, real.spectrum.psd().iter().copied()),
        real.mean_abs_noise,
    ))
}

/// `ln Λ` (new: per-QNM phase marginalisation; old: per bin) at every row of `params`
/// (m x 6), on the spectrum (freq, data, psd).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn loglike<'py>(
    py: Python<'py>,
    freq: PyReadonlyArray1<'py, f64>,
    data_re: PyReadonlyArray1<'py, f64>,
    data_im: PyReadonlyArray1<'py, f64>,
    psd: PyReadonlyArray1<'py, f64>,
    params_rows: PyReadonlyArray2<'py, f64>,
    kind_name: &str,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let spec = spectrum(&freq, &data_re, &data_im, &psd)?;
    let k = kind(kind_name)?;
    let rows: Vec<Vec<f64>> = params_rows
        .as_array()
        .rows()
        .into_iter()
        .map(|r| r.to_vec())
        .collect();
    if let Some(r) = rows.iter().find(|r| r.len() != 6) {
        return Err(to_py(veristat::Error::DimensionMismatch {
            what: "comb parameters per row",
            expected: 6,
            got: r.len(),
        }));
    }
    let out = detach(py, None, move || {
        let lik = CombLikelihood::new(&spec, k);
        rows.iter()
            .map(|r| lik.log_ratio_checked(&params(r)))
            .collect::<veristat::Result<Vec<f64>>>()
    })?;
    Ok(py_vec(py, out))
}

/// One comb parameter's prior from Python: a number (fixed), ("uniform", lo, hi) or
/// ("log-uniform", lo, hi).
fn prior_range(name: &'static str, v: &Bound<'_, PyAny>) -> PyResult<PriorRange> {
    if let Ok(x) = v.extract::<f64>() {
        return Ok(PriorRange::Fixed(x));
    }
    let (kind, lo, hi): (String, f64, f64) = v.extract().map_err(|_| {
        to_py(veristat::Error::param(
            name,
            v.to_string(),
            "a prior is a number (fixed), ('uniform', lo, hi) or ('log-uniform', lo, hi)",
        ))
    })?;
    match kind.as_str() {
        "uniform" => Ok(PriorRange::Uniform(lo, hi)),
        "log-uniform" => Ok(PriorRange::LogUniform(lo, hi)),
        other => Err(to_py(veristat::Error::param(
            name,
            other,
            "prior kind must be 'uniform' or 'log-uniform'",
        ))),
    }
}

/// The comb-vs-noise search (spec §4): ln B, its error, the posterior and the best comb.
#[pyfunction]
#[pyo3(signature = (freq, data_re, data_im, psd, prior, min_teeth, kind_name, nlive, walks, batch, dlogz, seed))]
#[allow(clippy::too_many_arguments)]
fn search<'py>(
    py: Python<'py>,
    freq: PyReadonlyArray1<'py, f64>,
    data_re: PyReadonlyArray1<'py, f64>,
    data_im: PyReadonlyArray1<'py, f64>,
    psd: PyReadonlyArray1<'py, f64>,
    prior: Bound<'py, PyDict>,
    min_teeth: Option<(f64, f64)>,
    kind_name: &str,
    nlive: usize,
    walks: usize,
    batch: Option<usize>,
    dlogz: f64,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let spec = spectrum(&freq, &data_re, &data_im, &psd)?;
    let k = kind(kind_name)?;
    let get = |name: &'static str| -> PyResult<PriorRange> {
        match prior.get_item(name)? {
            Some(v) => prior_range(name, &v),
            None => Err(to_py(veristat::Error::param(
                name,
                "missing",
                "the prior needs width, amplitude, phase, spacing, fmin and fmax",
            ))),
        }
    };
    let comb_prior = CombPrior {
        width: get("width")?,
        amplitude: get("amplitude")?,
        phase: get("phase")?,
        spacing: get("spacing")?,
        fmin: get("fmin")?,
        fmax: get("fmax")?,
        min_teeth,
    };
    let mut np = NestedParams::new(nlive).walks(walks).dlogz(dlogz);
    if let Some(b) = batch {
        np = np.batch(b);
    }
    let res = detach(py, None, move || {
        let mut rng = veristat::rng::stream(seed, "python-echo-search", 0);
        veristat::echo::search(&spec, &comb_prior, k, &np, &mut rng)
    })?;
    let d = PyDict::new(py);
    d.set_item("log_bayes_factor", res.log_bayes_factor)?;
    d.set_item("log_bayes_factor_err", res.log_bayes_factor_err)?;
    d.set_item("ncall", res.n_likelihood_calls)?;
    let med = PyDict::new(py);
    for (name, v) in &res.posterior_median {
        med.set_item(*name, *v)?;
    }
    d.set_item("posterior_median", med)?;
    let best = PyDict::new(py);
    for (name, v) in CombParams::NAMES.iter().zip(res.max_likelihood.to_array()) {
        best.set_item(*name, v)?;
    }
    d.set_item("max_likelihood", best)?;
    d.set_item("max_log_likelihood", res.max_log_likelihood)?;
    d.set_item("free_names", res.free_names.clone())?;
    let s = &res.nested.samples;
    let m = DMatrix::from_fn(s.len(), res.free_names.len(), |i, j| s[i].theta[j]);
    d.set_item("samples", py_mat(py, &m))?;
    d.set_item("weights", res.nested.weights())?;
    Ok(d)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(comb, m)?)?;
    m.add_function(wrap_pyfunction!(inject, m)?)?;
    m.add_function(wrap_pyfunction!(loglike, m)?)?;
    m.add_function(wrap_pyfunction!(search, m)?)?;
    Ok(())
}

//! numpy <-> nalgebra copies, the GIL-free call, and the `n_jobs` thread pool.

use crate::errors::to_py;
use nalgebra::{DMatrix, DVector};
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

/// An n x d numpy array as a column-major matrix: one copy, a memcpy when the array is C- or
/// F-contiguous (a strided view is copied element by element).
pub fn mat(a: &PyReadonlyArray2<'_, f64>) -> DMatrix<f64> {
    let v = a.as_array();
    let (r, c) = v.dim();
    if let Some(s) = v.t().as_slice() {
        DMatrix::from_column_slice(r, c, s)
    } else if let Some(s) = v.as_slice() {
        DMatrix::from_row_slice(r, c, s)
    } else {
        DMatrix::from_fn(r, c, |i, j| v[[i, j]])
    }
}

/// A 1-d numpy array as a vector.
pub fn vector(a: &PyReadonlyArray1<'_, f64>) -> DVector<f64> {
    DVector::from_vec(vec(a))
}

/// A 1-d numpy array as a `Vec`.
pub fn vec(a: &PyReadonlyArray1<'_, f64>) -> Vec<f64> {
    a.as_array().iter().copied().collect()
}

/// A vector as a new 1-d numpy array.
pub fn py_vec<'py>(py: Python<'py>, v: impl IntoIterator<Item = f64>) -> Bound<'py, PyArray1<f64>> {
    v.into_iter().collect::<Vec<f64>>().into_pyarray(py)
}

/// A matrix as a new C-ordered 2-d numpy array.
pub fn py_mat<'py>(py: Python<'py>, m: &DMatrix<f64>) -> Bound<'py, PyArray2<f64>> {
    Array2::from_shape_fn(m.shape(), |(i, j)| m[(i, j)]).into_pyarray(py)
}

/// Run `f` with the GIL released (other Python threads keep running), on a local pool of
/// `n_jobs` threads when given (rayon's global pool otherwise). The core's results do not depend
/// on the thread count.
pub fn detach<T, F>(py: Python<'_>, n_jobs: Option<usize>, f: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce() -> veristat::Result<T> + Send,
{
    let out = py.detach(move || match n_jobs {
        None => f(),
        Some(n) => match rayon::ThreadPoolBuilder::new().num_threads(n).build() {
            Ok(pool) => pool.install(f),
            Err(e) => Err(veristat::Error::param("n_jobs", n, e.to_string())),
        },
    });
    out.map_err(to_py)
}

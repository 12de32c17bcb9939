//! The crate's error type.
//!
//! Every public fallible function returns [`Result`]. Variants name the parameter, column or row
//! that is wrong and the offending value, so a CLI can print one line and exit 2 (see `main.rs`).

use std::path::PathBuf;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in veristat.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is outside its domain, e.g. `alpha = -1` or `l1_ratio = 1.5`.
    #[error("invalid parameter `{name}` = {value}: {reason}")]
    InvalidParameter {
        /// Parameter name as the user spells it (API field or CLI flag).
        name: &'static str,
        /// The offending value, formatted.
        value: String,
        /// What the domain is.
        reason: String,
    },

    /// One cell of a data file is unusable (NaN, infinite, text in a numeric column).
    #[error("bad value {value:?} in column `{column}` at row {row}: {reason}")]
    BadCell {
        /// Column name.
        column: String,
        /// 0-based data row (header excluded).
        row: usize,
        /// The cell as read.
        value: String,
        /// Why it is unusable.
        reason: String,
    },

    /// A column that was asked for is not in the data.
    #[error("column `{column}` not found (available: {available})")]
    MissingColumn {
        /// The requested column.
        column: String,
        /// Comma-separated list of what exists.
        available: String,
    },

    /// The data as a whole is unusable (empty, too few rows, a shape mismatch, a singular design).
    #[error("invalid data: {0}")]
    InvalidData(String),

    /// Array dimensions do not agree.
    #[error("dimension mismatch in {what}: expected {expected}, got {got}")]
    DimensionMismatch {
        /// What was being compared.
        what: &'static str,
        /// Expected size.
        expected: usize,
        /// Actual size.
        got: usize,
    },

    /// An iterative solver stopped without meeting its tolerance.
    #[error("{solver} did not converge after {iterations} iterations (residual {residual:e})")]
    NotConverged {
        /// Solver name.
        solver: &'static str,
        /// Iterations made.
        iterations: usize,
        /// Final residual / gap.
        residual: f64,
    },

    /// A matrix that must be positive definite or invertible is not.
    #[error("numerical failure in {0}")]
    Numerical(String),

    /// The model is not identifiable on this data (separation, a class with no rows, ...).
    #[error("not identifiable: {0}")]
    NotIdentifiable(String),

    /// Unknown name (mechanism, family, claim, benchmark, ...).
    #[error("unknown {kind} `{name}` (known: {known})")]
    UnknownName {
        /// What kind of name.
        kind: &'static str,
        /// The name given.
        name: String,
        /// The valid names.
        known: String,
    },

    /// No usable CUDA driver or library was found at run time.
    #[error("no usable GPU: {0}")]
    GpuUnavailable(String),

    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// File concerned.
        path: PathBuf,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },

    /// A data file could not be parsed as a table.
    #[error("{path}: {message}")]
    Format {
        /// File concerned.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },

    /// A Monte Carlo run cannot be combined or resumed (missing shard, config mismatch).
    #[error("Monte Carlo results: {0}")]
    Results(String),

    /// A result that must be a number is NaN or infinite (an overflow, a degenerate fit). It is
    /// never reported as a success: JSON has no such number and would show `null`.
    #[error("non-finite {quantity}: {reason}")]
    NonFinite {
        /// The quantity, as the output or the paper names it (`alpha_max`, `coef[2][0]`).
        quantity: String,
        /// Why it is not finite, and what to do about it.
        reason: String,
    },

    /// A checkpoint on disk was made by a run with other arguments or other code, so its
    /// replicates must not be mixed into this run's table.
    #[error(
        "{dir}: checkpoint made with {field} = {saved}, this run has {field} = {requested}; \
         rerun with the same arguments to resume, or discard it (veristat verify --restart)"
    )]
    CheckpointMismatch {
        /// The checkpoint folder.
        dir: PathBuf,
        /// The first argument or code version that differs (`seed`, `replicates`, `shard`,
        /// `scale`, `config_hash`, `git_sha`, ...).
        field: &'static str,
        /// Its value in the checkpoint.
        saved: String,
        /// Its value in this run.
        requested: String,
    },

    /// A nested-sampling checkpoint file was made by a run with other settings, another problem
    /// or another seed, so the run must not continue from it.
    #[error(
        "{path}: nested-sampling checkpoint made with {field} = {saved}, this run has {field} = {requested}; \
         rerun with the same arguments to resume, or delete the file to start afresh"
    )]
    SamplerCheckpointMismatch {
        /// The checkpoint file.
        path: PathBuf,
        /// The first setting that differs (`nlive`, `batch`, `problem`, `rng_start`, ...).
        field: &'static str,
        /// Its value in the checkpoint.
        saved: String,
        /// Its value in this run.
        requested: String,
    },
}

impl Error {
    /// Shorthand for [`Error::InvalidParameter`].
    pub fn param(
        name: &'static str,
        value: impl std::fmt::Display,
        reason: impl Into<String>,
    ) -> Self {
        Error::InvalidParameter {
            name,
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Validation helpers shared by every params builder: one place says what "finite" or
/// "positive" means and how the error reads.
pub mod check {
    use super::{Error, Result};

    /// `x` must be finite.
    pub fn finite(name: &'static str, x: f64) -> Result<f64> {
        if x.is_finite() {
            Ok(x)
        } else {
            Err(Error::param(name, x, "must be finite"))
        }
    }

    /// `x` must be finite and > 0.
    pub fn positive(name: &'static str, x: f64) -> Result<f64> {
        if x.is_finite() && x > 0.0 {
            Ok(x)
        } else {
            Err(Error::param(name, x, "must be finite and > 0"))
        }
    }

    /// `x` must be finite and >= 0.
    pub fn non_negative(name: &'static str, x: f64) -> Result<f64> {
        if x.is_finite() && x >= 0.0 {
            Ok(x)
        } else {
            Err(Error::param(name, x, "must be finite and >= 0"))
        }
    }

    /// `x` must lie in the closed interval [lo, hi].
    pub fn in_closed(name: &'static str, x: f64, lo: f64, hi: f64) -> Result<f64> {
        if x.is_finite() && x >= lo && x <= hi {
            Ok(x)
        } else {
            Err(Error::param(name, x, format!("must lie in [{lo}, {hi}]")))
        }
    }

    /// `x` must lie in the open interval (lo, hi).
    pub fn in_open(name: &'static str, x: f64, lo: f64, hi: f64) -> Result<f64> {
        if x.is_finite() && x > lo && x < hi {
            Ok(x)
        } else {
            Err(Error::param(name, x, format!("must lie in ({lo}, {hi})")))
        }
    }

    /// Integer `k` must be >= `min`.
    pub fn at_least(name: &'static str, k: usize, min: usize) -> Result<usize> {
        if k >= min {
            Ok(k)
        } else {
            Err(Error::param(name, k, format!("must be >= {min}")))
        }
    }

    /// A regression design of `n` × `d` with `y_len` responses: at least one row and one
    /// column, and one response per row (`what` names the mismatch in the error).
    pub fn design_shape(n: usize, d: usize, y_len: usize, what: &'static str) -> Result<()> {
        if n == 0 || d == 0 {
            return Err(Error::InvalidData(format!(
                "design is {n} x {d}; need at least one row and one column"
            )));
        }
        if y_len != n {
            return Err(Error::DimensionMismatch {
                what,
                expected: n,
                got: y_len,
            });
        }
        Ok(())
    }

    /// Every entry of a slice must be finite; names the first bad index.
    pub fn all_finite(name: &'static str, xs: &[f64]) -> Result<()> {
        match xs.iter().position(|v| !v.is_finite()) {
            None => Ok(()),
            Some(i) => Err(Error::param(
                name,
                format!("{} at index {i}", xs[i]),
                "entries must be finite",
            )),
        }
    }
}

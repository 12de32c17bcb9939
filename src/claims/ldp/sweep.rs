//! What the slope claims' CPU and device paths share: the estimators, the sweep grids, the
//! protocol settings, the fit at one point and the verdict's slope.

use crate::error::{Error, Result};
use crate::estimator::ParamGuard;
use crate::ldp::regression::nldp::{Moments, NldpParams, NoiseMode};
use crate::ldp::regression::simulate::RademacherDesign;
use crate::montecarlo::stats::{mean, ols_slope};
use crate::montecarlo::{Observation, ResultTable};
use crate::rng::Rng;
use crate::sparse::design::support_f1;
use nalgebra::{DMatrix, DVector};

/// The three estimators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Estimator {
    /// Non-interactive (§1a).
    Nldp,
    /// Public unlabeled covariates (§1b).
    Public,
    /// Sequentially interactive LDP-IHT (§1c).
    Iht,
}

/// One simulation setting.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Point {
    /// Users.
    pub n: u64,
    /// ε.
    pub epsilon: f64,
    /// Dimension.
    pub d: usize,
    /// Sparsity.
    pub k: usize,
}

/// A one-parameter sweep with its theoretical slope and acceptance band.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Sweep {
    /// `n`, `epsilon`, `d` or `k`.
    pub param: &'static str,
    /// Grid.
    pub points: Vec<Point>,
    /// Theoretical log-log slope.
    pub theory: f64,
    /// Accepted range of the slope's CI.
    pub band: (f64, f64),
}

impl Sweep {
    /// The swept parameter's value at a point.
    pub fn value(&self, p: &Point) -> f64 {
        match self.param {
            "n" => p.n as f64,
            "epsilon" => p.epsilon,
            "d" => p.d as f64,
            _ => p.k as f64,
        }
    }
}

/// δ of the NLDP estimators.
pub(super) const DELTA: f64 = 1e-5;
/// Truncation level of x (never binds: |x_j| = 1).
pub(super) const TAU1: f64 = 1.0;
/// Truncation level of y (never binds: |y| ≤ 1.5).
pub(super) const TAU2: f64 = 1.5;
/// |ζ|.
pub(super) const NOISE: f64 = 0.5;
/// LDP-IHT rounds T (fixed, see the module docs).
pub(super) const IHT_ROUNDS: usize = 3;
/// A loose ℓ1 bound (‖θ*‖₁ = 1): with R = ‖θ*‖₁ exactly, the projection would snap
/// θ̂ onto θ* whenever a coordinate overshoots, and the error would be 0.
pub(super) const IHT_L1_RADIUS: f64 = 2.0;
/// Step size η of LDP-IHT (the library's default).
pub(super) const IHT_STEP: f64 = 1.0;

/// A sweep of `param` over `values` from the `base` point.
pub(super) fn sweep(
    param: &'static str,
    base: Point,
    values: &[f64],
    theory: f64,
    band: (f64, f64),
) -> Sweep {
    let points = values
        .iter()
        .map(|&v| {
            let mut p = base;
            match param {
                "n" => p.n = v as u64,
                "epsilon" => p.epsilon = v,
                "d" => p.d = v as usize,
                _ => p.k = v as usize,
            }
            p
        })
        .collect();
    Sweep {
        param,
        points,
        theory,
        band,
    }
}

/// Public unlabeled rows at a point: 10n.
pub(super) fn public_rows(p: &Point) -> u64 {
    p.n.saturating_mul(10)
}

/// ‖θ̂ − θ*‖₂ and the F1 score of θ̂'s support against θ*'s.
pub(super) fn score(coef: &DVector<f64>, truth: &DVector<f64>) -> (f64, f64) {
    let err = (coef - truth).norm();
    let support: Vec<usize> = (0..truth.len()).filter(|&j| truth[j] != 0.0).collect();
    (err, support_f1(coef, &support))
}

/// The NLDP (or, with the public Gram matrix and its row count, public-covariate) fit at a
/// point from exact sufficient statistics, with the exact aggregate noise drawn from `rng`.
pub(super) fn nldp_error(
    p: &Point,
    design: &RademacherDesign,
    m: &Moments,
    public: Option<(&DMatrix<f64>, u64)>,
    rng: &mut Rng,
) -> Result<(f64, f64)> {
    let coef = NldpParams::new(p.epsilon, DELTA)
        .tau(TAU1, TAU2)
        .noise(NoiseMode::Aggregate)
        .check()?
        .fit_moments(m, public, rng)?
        .coef;
    Ok(score(&coef, &design.theta))
}

/// A slope row.
pub(super) fn observation(s: &Sweep, p: &Point, err: f64, f1: f64) -> Observation {
    Observation::new(
        [s.param],
        vec![p.n as f64, p.epsilon, p.d as f64, p.k as f64, err, f1],
    )
}

/// Log-log slope of mean error on the parameter; `rows[r][i]` = error of replicate r at point i.
pub fn loglog_slope(x: &[f64], rows: &[Vec<f64>]) -> Result<f64> {
    let lx: Vec<f64> = x.iter().map(|v| v.ln()).collect();
    let ly: Vec<f64> = (0..x.len())
        .map(|i| mean(&rows.iter().map(|r| r[i]).collect::<Vec<_>>()).map(f64::ln))
        .collect::<Result<_>>()?;
    Ok(ols_slope(&lx, &ly)?.0)
}

/// Per-replicate error rows of one sweep from a result table.
pub fn sweep_rows(results: &ResultTable, param: &str, npoints: usize) -> Result<Vec<Vec<f64>>> {
    let mut by_rep: std::collections::BTreeMap<u64, Vec<f64>> = Default::default();
    let pi = results
        .key_columns
        .iter()
        .position(|c| c == "sweep")
        .ok_or_else(|| Error::Results("no sweep column".into()))?;
    let ei = results
        .value_columns
        .iter()
        .position(|c| c == "error")
        .ok_or_else(|| Error::Results("no error column".into()))?;
    for r in results.rows.iter().filter(|r| r.key[pi] == param) {
        by_rep.entry(r.replicate).or_default().push(r.values[ei]);
    }
    let rows: Vec<Vec<f64>> = by_rep
        .into_values()
        .filter(|v| v.len() == npoints)
        .collect();
    if rows.is_empty() {
        return Err(Error::Results(format!(
            "no complete replicate for sweep {param}"
        )));
    }
    Ok(rows)
}

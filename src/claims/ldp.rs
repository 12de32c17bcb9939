//! Claims of the `ldp` module: error-rate slopes of the three LDP sparse-regression estimators
//! (spec §0, §4) and the privacy audit of every mechanism (spec §5.2).
//!
//! **Design (deviations from spec §4, and why).** The NLDP estimator is only in its working
//! range once the averaged covariance noise is small next to λ_min(Σ): ‖N̄₁‖_op ≈ 2σ₁√d/√n with
//! σ₁ = √32 dτ₁²√ln(2.5/δ)/ε ≈ 20d/ε at δ = 1e−5, so n ≳ 10⁸ already at d = 8 (spec §1a step 8:
//! "n has to be greater than O(d⁴)"). At the spec's n ∈ [1e4, 1e6] the estimator sits at its
//! noise ceiling and no slope is visible. The claims therefore use the bounded design of
//! [`RademacherDesign`] (x uniform on {±1}^d, ζ = ±0.5, so truncation at τ₁ = 1, τ₂ = 1.5 never
//! binds) whose sufficient statistics are drawn exactly for any n, plus the exact aggregate
//! noise, which makes n up to 1e11 cheap. d is limited to ≤ 16 by the 2^{d+1} cells. LDP-IHT is
//! simulated user by user (its Duchi noise has no exact aggregate) with T = 3 rounds held fixed
//! (the log n factor of T ≍ log n would otherwise bend the n-slope, spec §4). ε grids stay
//! below 1 so the classic Gaussian σ ∝ 1/ε holds.
//!
//! **Device path.** With `--device cuda` every slope claim runs on kernels ([`Offload`]); the
//! CPU path is unchanged.
//! * NLDP and public covariates: the exact sufficient statistics of all replicates come from
//!   [`crate::kernels::ldp_cells`] (Philox streams keyed by seed, claim and sweep); the aggregate
//!   noise and the fit run on the host with the same code as the CPU path.
//! * LDP-IHT: every sweep point's replicates run together through [`iht_batch`] (the
//!   `vs_ldp_iht_round` kernel draws each round's users from Philox on the device; see
//!   [`crate::kernels::ldp_iht`] for why fresh draws per round are the same distribution as the
//!   library's shuffled split).
//!
//! Either is a different sample than the CPU run of the same seed (ChaCha streams), testing the
//! same prediction.
//!
//! Each replicate evaluates every grid point; the verdict fits the OLS slope of
//! log(mean error) on log(parameter) and bootstraps replicates for a 95% CI, PASS when the CI
//! lies inside the band.

use crate::device::Kernels;
use crate::error::{Error, Result};
use crate::kernels::ldp_cells::{CellJob, CellMoments};
use crate::kernels::ldp_iht::{IhtProblem, iht_batch};
use crate::kernels::philox::PhiloxKey;
use crate::ldp::audit::empirical_audit;
use crate::ldp::mechanisms::{self, BrokenOue, Mechanism};
use crate::ldp::regression::simulate::RademacherDesign;
use crate::ldp::regression::{LdpIht, Moments, Nldp, NoiseMode};
use crate::montecarlo::stats::{bootstrap_ci, mean, ols_slope};
use crate::montecarlo::{Check, Claim, Observation, Offload, ResultTable, Scale, Verdict};
use crate::rng::{self, Rng};
use nalgebra::{DMatrix, DVector};
use rand::RngExt;
use rayon::prelude::*;
use serde_json::json;

/// This module's claims at the given scale.
pub fn claims(scale: Scale) -> Vec<Box<dyn Claim>> {
    vec![
        Box::new(SlopeClaim::new(Estimator::Nldp, scale)),
        Box::new(SlopeClaim::new(Estimator::Public, scale)),
        Box::new(SlopeClaim::new(Estimator::Iht, scale)),
        Box::new(AuditClaim::new(scale)),
    ]
}

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

const DELTA: f64 = 1e-5;
const TAU1: f64 = 1.0;
const TAU2: f64 = 1.5;
const NOISE: f64 = 0.5;
const IHT_ROUNDS: usize = 3;
/// A loose ℓ1 bound (‖θ*‖₁ = 1): with R = ‖θ*‖₁ exactly, the projection would snap
/// θ̂ onto θ* whenever a coordinate overshoots, and the error would be 0.
const IHT_L1_RADIUS: f64 = 2.0;
/// Step size η of LDP-IHT (the library's default).
const IHT_STEP: f64 = 1.0;

/// Error-slope claim for one estimator.
pub struct SlopeClaim {
    estimator: Estimator,
    sweeps: Vec<Sweep>,
    replicates: u64,
}

fn sweep(param: &'static str, base: Point, values: &[f64], theory: f64, band: (f64, f64)) -> Sweep {
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

impl SlopeClaim {
    /// The claim for `estimator`; `scale` sets the replicate count (grids are the same at
    /// every scale, because the regimes in which the rates hold do not shrink).
    pub fn new(estimator: Estimator, scale: Scale) -> Self {
        let band = |t: f64| (t - 0.15, t + 0.15);
        let n_band = (-0.6, -0.35);
        // Õ hides √log d: λ's union-bound factor √(2 ln 2d) adds 1/(2 ln 2d) to the local
        // slope (0.24 at d = 4), so the d band of the λ-based estimators is widened upward by
        // that much, as spec §4 widens the n band for log n factors.
        let d_band = |t: f64| (t - 0.15, t + 0.15 + 1.0 / (2.0 * 8f64.ln()));
        let sweeps = match estimator {
            Estimator::Nldp | Estimator::Public => {
                let d_theory = if estimator == Estimator::Nldp {
                    1.0
                } else {
                    0.5
                };
                let base = Point {
                    n: 10_000_000_000,
                    epsilon: 0.8,
                    d: 8,
                    k: 2,
                };
                // Test scale avoids the 2^17-cell d = 16 points (cost, not regime).
                let (ds, kd, ks): (&[f64], usize, &[f64]) = if scale == Scale::Test {
                    (&[4.0, 6.0, 8.0, 12.0], 8, &[1.0, 2.0, 4.0, 8.0])
                } else {
                    (&[4.0, 6.0, 8.0, 12.0, 16.0], 16, &[2.0, 4.0, 8.0, 16.0])
                };
                vec![
                    sweep("n", base, &[1e9, 1e10, 1e11, 1e12], -0.5, n_band),
                    sweep(
                        "epsilon",
                        Point {
                            n: 100_000_000_000,
                            ..base
                        },
                        &[0.1, 0.2, 0.4, 0.8],
                        -1.0,
                        band(-1.0),
                    ),
                    sweep("d", base, ds, d_theory, d_band(d_theory)),
                    sweep(
                        "k",
                        Point {
                            n: 100_000_000_000,
                            d: kd,
                            ..base
                        },
                        ks,
                        0.5,
                        band(0.5),
                    ),
                ]
            }
            Estimator::Iht => {
                // Per-round Duchi noise per coordinate ≈ G·B_d(ε)/√(n/T) with G = 3.5: the grids
                // keep it well below the smallest signal 1/k so the support is found.
                // Test scale: a quarter of the users (seconds instead of minutes; too few
                // replicates for the bands, see the test).
                let f = if scale == Scale::Test { 4.0 } else { 1.0 };
                // k = 2 rather than 1: the error is then a norm over two noisy coordinates, whose
                // spread across replicates is about half that of one half-normal coordinate.
                let base = Point {
                    n: (800_000.0 / f) as u64,
                    epsilon: 1.0,
                    d: 4,
                    k: 2,
                };
                // A 30-fold n range: the replicate spread of the error (about half its mean) needs a
                // wide lever arm for a slope CI of ±0.06 at 50 replicates.
                let ns: Vec<f64> = [1e5, 3e5, 1e6, 3e6].iter().map(|v| v / f).collect();
                vec![
                    sweep("n", base, &ns, -0.5, n_band),
                    sweep(
                        "epsilon",
                        Point {
                            n: (3_200_000.0 / f) as u64,
                            ..base
                        },
                        &[0.125, 0.25, 0.5, 1.0],
                        -1.0,
                        band(-1.0),
                    ),
                    sweep("d", base, &[4.0, 8.0, 16.0, 32.0], 0.5, band(0.5)),
                    sweep(
                        "k",
                        Point { d: 8, ..base },
                        &[1.0, 2.0, 4.0, 8.0],
                        0.5,
                        (0.35, 1.15),
                    ),
                ]
            }
        };
        let replicates = match (scale, estimator) {
            (Scale::Test, Estimator::Iht) => 2,
            (Scale::Test, _) => 30,
            // The per-replicate error is a norm over k = 2 noisy coordinates (coefficient of
            // variation about 0.5): 50 replicates put the slope CIs near ±0.1.
            (Scale::Quick, Estimator::Iht) => 50,
            (Scale::Quick, _) => 20,
            (Scale::Full, Estimator::Iht) => 100,
            (Scale::Full, _) => 50,
        };
        Self {
            estimator,
            sweeps,
            replicates,
        }
    }

    /// The sweeps (for the report).
    pub fn sweeps(&self) -> &[Sweep] {
        &self.sweeps
    }

    /// ‖θ̂ − θ*‖₂ and support F1 at one point.
    fn error_at(&self, p: &Point, rng: &mut Rng) -> Result<(f64, f64)> {
        let design = RademacherDesign::new(p.d, p.k, NOISE)?;
        match self.estimator {
            Estimator::Nldp | Estimator::Public => {
                let m = design.moments(p.n, TAU2, rng)?;
                let public = if self.estimator == Estimator::Public {
                    let rows = public_rows(p);
                    Some((design.public_gram(rows, rng)?, rows))
                } else {
                    None
                };
                nldp_error(p, &design, &m, public.as_ref().map(|(g, r)| (g, *r)), rng)
            }
            Estimator::Iht => {
                let (x, y) = design.sample(p.n as usize, rng);
                let coef = LdpIht::new(p.epsilon, p.k)
                    .rounds(IHT_ROUNDS)
                    .step(IHT_STEP)
                    .tau(TAU1, TAU2)
                    .l1_radius(IHT_L1_RADIUS)
                    .fit(&x, &y, rng)?
                    .coef;
                Ok(score(&coef, &design))
            }
        }
    }

    /// The Philox key of the kernel's draws of `what` (`moments` or `public`) in sweep `param`:
    /// shared by the sweep's points, so that a replicate's points reuse the same uniforms
    /// (common random numbers, as the CPU path's one stream per sweep).
    fn cell_key(&self, seed: u64, param: &str, what: &str) -> PhiloxKey {
        PhiloxKey::new(seed, &format!("{}/{param}/{what}", self.name()))
    }

    /// NLDP and public-covariate rows of replicates `reps`: the sufficient statistics of every
    /// point from the kernels ([`Kernels::ldp_cells`]), then per replicate the aggregate noise
    /// (from the replicate's ChaCha stream for the sweep, restarted at every point) and the fit,
    /// exactly as [`Self::error_at`] does with the library's draws.
    fn cell_rows(
        &self,
        seed: u64,
        reps: &[u64],
        kernels: &dyn Kernels,
    ) -> Result<Vec<Vec<Observation>>> {
        let mut out: Vec<Vec<Observation>> = reps.iter().map(|_| Vec::new()).collect();
        for s in &self.sweeps {
            let mkey = self.cell_key(seed, s.param, "moments");
            let gkey = self.cell_key(seed, s.param, "public");
            let noise_label = format!("{}/{}/noise", self.name(), s.param);
            for p in &s.points {
                let design = RademacherDesign::new(p.d, p.k, NOISE)?;
                let ms = batch(kernels, &CellJob::new(&design, p.n, TAU2)?, mkey, reps)?;
                let rows = public_rows(p);
                let grams = if self.estimator == Estimator::Public {
                    let gs = batch(kernels, &CellJob::new(&design, rows, f64::MAX)?, gkey, reps)?;
                    Some(gs.iter().map(CellMoments::gram).collect::<Vec<_>>())
                } else {
                    None
                };
                let fits: Vec<(f64, f64)> = reps
                    .par_iter()
                    .enumerate()
                    .map(|(i, &r)| {
                        let mut rng = rng::stream(seed, &noise_label, r);
                        let g = grams.as_ref().map(|g| (&g[i], rows));
                        nldp_error(p, &design, &ms[i].moments(), g, &mut rng)
                    })
                    .collect::<Result<_>>()?;
                for (o, (err, f1)) in out.iter_mut().zip(fits) {
                    o.push(observation(s, p, err, f1));
                }
            }
        }
        Ok(out)
    }
}

/// One kernel call, its length checked.
fn batch(
    kernels: &dyn Kernels,
    job: &CellJob,
    key: PhiloxKey,
    reps: &[u64],
) -> Result<Vec<CellMoments>> {
    let v = kernels.ldp_cells(job, key, reps)?;
    if v.len() != reps.len() {
        return Err(Error::Results(format!(
            "the cell kernel returned {} replicates, expected {}",
            v.len(),
            reps.len()
        )));
    }
    Ok(v)
}

/// Public unlabeled rows at a point: 10n.
fn public_rows(p: &Point) -> u64 {
    p.n.saturating_mul(10)
}

/// ‖θ̂ − θ*‖₂ and support F1.
fn score(coef: &DVector<f64>, design: &RademacherDesign) -> (f64, f64) {
    let err = (coef - &design.theta).norm();
    (err, support_f1(coef, &design.theta))
}

/// The NLDP (or, with the public Gram matrix and its row count, public-covariate) fit at a
/// point from exact sufficient statistics, with the exact aggregate noise drawn from `rng`.
fn nldp_error(
    p: &Point,
    design: &RademacherDesign,
    m: &Moments,
    public: Option<(&DMatrix<f64>, u64)>,
    rng: &mut Rng,
) -> Result<(f64, f64)> {
    let coef = Nldp::new(p.epsilon, DELTA)
        .tau(TAU1, TAU2)
        .noise(NoiseMode::Aggregate)
        .fit_moments(m, public, rng)?
        .coef;
    Ok(score(&coef, design))
}

/// A slope row.
fn observation(s: &Sweep, p: &Point, err: f64, f1: f64) -> Observation {
    Observation::new(
        [s.param],
        vec![p.n as f64, p.epsilon, p.d as f64, p.k as f64, err, f1],
    )
}

/// The NLDP and public-covariate claims on a device: the exact sufficient statistics of every
/// point (and the public Gram matrix) from [`Kernels::ldp_cells`]; the O(d²) aggregate noise
/// and the d × d fit on the host. Nothing per replicate on the CPU stream.
impl Offload for SlopeClaim {
    fn describe(&self) -> String {
        match self.estimator {
            Estimator::Nldp | Estimator::Public => {
                "cell counts, Σxxᵀ and Σxỹ of every point (and the public Gram matrix) on the ldp cell kernel; \
                 aggregate noise and the d×d fit on the host"
                    .into()
            }
            Estimator::Iht => format!(
                "LDP-IHT rounds of every sweep point on the vs_ldp_iht_round kernel (users drawn on \
                 the device, T = {IHT_ROUNDS} rounds, server step on the host); nothing on the CPU"
            ),
        }
    }

    fn kernel_rows(
        &self,
        seed: u64,
        reps: &[u64],
        kernels: &dyn Kernels,
    ) -> Result<Vec<Vec<Observation>>> {
        match self.estimator {
            Estimator::Nldp | Estimator::Public => self.cell_rows(seed, reps, kernels),
            Estimator::Iht => self.iht_kernel_rows(seed, reps, kernels),
        }
    }

    fn cpu_rows(&self, _replicate: u64, _rng: &mut Rng) -> Result<Vec<Observation>> {
        Ok(Vec::new())
    }
}

impl SlopeClaim {
    /// The LDP-IHT problem of a sweep point, with the claim's protocol settings.
    fn iht_problem(p: &Point) -> IhtProblem {
        IhtProblem {
            n: p.n,
            epsilon: p.epsilon,
            d: p.d,
            k: p.k,
            noise: NOISE,
            rounds: IHT_ROUNDS,
            step: IHT_STEP,
            tau1: TAU1,
            tau2: TAU2,
            l1_radius: IHT_L1_RADIUS,
        }
    }

    /// Philox key of one sweep on the kernel: shared by the sweep's points, so replicate r's
    /// users at every point of the sweep come from the same counters (common random numbers,
    /// as the CPU path's per-sweep stream), and distinct between sweeps, seeds and claims.
    fn kernel_key(&self, seed: u64, param: &str) -> PhiloxKey {
        PhiloxKey::new(seed, &format!("{}/sweep={param}", self.name()))
    }

    /// LDP-IHT's rows for `reps`: every sweep point's replicates at once through [`iht_batch`].
    fn iht_kernel_rows(
        &self,
        seed: u64,
        reps: &[u64],
        kernels: &dyn Kernels,
    ) -> Result<Vec<Vec<Observation>>> {
        let mut out: Vec<Vec<Observation>> = reps.iter().map(|_| Vec::new()).collect();
        for s in &self.sweeps {
            let key = self.kernel_key(seed, s.param);
            for p in &s.points {
                let problem = Self::iht_problem(p);
                let truth = problem.theta_star()?;
                let thetas = iht_batch(kernels, key, &problem, reps)?;
                for (o, th) in out.iter_mut().zip(&thetas) {
                    let err = (th - &truth).norm();
                    o.push(observation(s, p, err, support_f1(th, &truth)));
                }
            }
        }
        Ok(out)
    }
}

/// F1 score of the estimated support against the true one.
pub fn support_f1(est: &DVector<f64>, truth: &DVector<f64>) -> f64 {
    let tp = est
        .iter()
        .zip(truth.iter())
        .filter(|(a, b)| **a != 0.0 && **b != 0.0)
        .count() as f64;
    let ne = est.iter().filter(|a| **a != 0.0).count() as f64;
    let nt = truth.iter().filter(|a| **a != 0.0).count() as f64;
    if ne + nt == 0.0 {
        1.0
    } else {
        2.0 * tp / (ne + nt)
    }
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

impl Claim for SlopeClaim {
    fn name(&self) -> &'static str {
        match self.estimator {
            Estimator::Nldp => "ldp-nldp-slopes",
            Estimator::Public => "ldp-public-slopes",
            Estimator::Iht => "ldp-iht-slopes",
        }
    }
    fn description(&self) -> String {
        let what = match self.estimator {
            Estimator::Nldp => {
                "non-interactive (ε, δ)-LDP sparse regression (Zhu et al. 2024, Alg. 1), exact aggregate noise"
            }
            Estimator::Public => {
                "NLDP regression with public unlabeled covariates (10n public rows)"
            }
            Estimator::Iht => {
                "sequentially interactive LDP-IHT, T = 3 disjoint user groups, Duchi ℓ∞ gradients"
            }
        };
        format!(
            "{what}; x uniform on {{±1}}^d, θ* has k entries 1/k, ζ = ±0.5; error ‖θ̂ − θ*‖₂ swept over n, ε, d and k \
             (grids in the config); slope of log mean error vs log parameter with a replicate bootstrap CI."
        )
    }
    fn prediction(&self) -> String {
        match self.estimator {
            Estimator::Nldp => "error Õ(d√k/(√n ε)): slopes n −0.5, ε −1, d +1, k +0.5".into(),
            Estimator::Public => {
                "error Õ(√(dk)/(√n ε)): slopes n −0.5, ε −1, d +0.5, k +0.5".into()
            }
            Estimator::Iht => {
                "error Õ(k√d/(√n ε)): slopes n −0.5, ε −1, d +0.5, k in [0.5, 1]".into()
            }
        }
    }
    fn key_columns(&self) -> &'static [&'static str] {
        &["sweep"]
    }
    fn value_columns(&self) -> &'static [&'static str] {
        &["n", "epsilon", "d", "k", "error", "f1"]
    }
    fn config(&self) -> serde_json::Value {
        json!({"sweeps": self.sweeps, "delta": DELTA, "tau1": TAU1, "tau2": TAU2, "noise": NOISE, "iht_rounds": IHT_ROUNDS, "iht_l1_radius": IHT_L1_RADIUS})
    }
    fn default_replicates(&self) -> u64 {
        self.replicates
    }
    fn offload(&self) -> Option<&dyn Offload> {
        match self.estimator {
            Estimator::Nldp | Estimator::Public | Estimator::Iht => Some(self),
        }
    }
    /// Every point of a sweep starts from the same stream (common random numbers): the
    /// replicate's errors along the sweep are then positively correlated, which narrows the
    /// slope's bootstrap CI (the bootstrap resamples whole replicates, so the CI stays valid).
    fn replicate(&self, _replicate: u64, rng: &mut Rng) -> Result<Vec<Observation>> {
        let mut out = Vec::new();
        for s in &self.sweeps {
            let sweep_seed: u64 = rng.random();
            for p in &s.points {
                let mut prng = rng::stream(sweep_seed, "ldp-slope-point", 0);
                let (err, f1) = self.error_at(p, &mut prng)?;
                out.push(observation(s, p, err, f1));
            }
        }
        Ok(out)
    }
    fn verdict(&self, results: &ResultTable) -> Result<Verdict> {
        let mut checks = Vec::new();
        let mut brng = rng::stream(results.seed, self.name(), u64::MAX);
        for s in &self.sweeps {
            let x: Vec<f64> = s.points.iter().map(|p| s.value(p)).collect();
            let rows = sweep_rows(results, s.param, x.len())?;
            let slope = loglog_slope(&x, &rows)?;
            let ci = bootstrap_ci(&rows, |b| loglog_slope(&x, b), 400, 0.95, &mut brng)?;
            checks.push(Check {
                name: format!("slope of error vs {}", s.param),
                estimate: slope,
                ci,
                level: 0.95,
                prediction: format!("{:+} (CI within [{}, {}])", s.theory, s.band.0, s.band.1),
                pass: ci.0 >= s.band.0 && ci.1 <= s.band.1,
            });
        }
        Ok(Verdict {
            claim: self.name().into(),
            replicates: results.n_replicates(),
            checks,
        })
    }
}

/// Every mechanism passes the empirical audit at ε ∈ {0.5, 1, 2}.
pub struct AuditClaim {
    draws: u64,
    broken: bool,
}

/// The audited mechanisms at ε (δ = 1e−6 for the Gaussian ones; K = 4, d = 3).
pub fn audited_mechanisms(epsilon: f64, broken: bool) -> Result<Vec<Box<dyn Mechanism>>> {
    let mut v = Vec::new();
    for name in mechanisms::NAMES {
        // The classic Gaussian calibration is only valid for ε < 1.
        if *name == "gaussian" && epsilon >= 1.0 {
            continue;
        }
        v.push(mechanisms::by_name(name, epsilon, Some(1e-6), 4, 3)?);
    }
    if broken {
        v.push(Box::new(BrokenOue::new(epsilon, 4)?));
    }
    Ok(v)
}

const AUDIT_EPS: [f64; 3] = [0.5, 1.0, 2.0];

impl AuditClaim {
    /// Draws per input: 1e5 (test), 1e6 (quick), 1e7 (full, spec §5.2).
    pub fn new(scale: Scale) -> Self {
        let draws = match scale {
            Scale::Test => 100_000,
            Scale::Quick => 1_000_000,
            Scale::Full => 10_000_000,
        };
        Self {
            draws,
            broken: false,
        }
    }
    /// **Testing only:** also audit the deliberately broken OUE, which must fail.
    #[doc(hidden)]
    pub fn with_broken(mut self) -> Self {
        self.broken = true;
        self
    }
    fn family_size(&self) -> usize {
        AUDIT_EPS
            .iter()
            .map(|e| audited_mechanisms(*e, self.broken).map_or(0, |v| v.len()))
            .sum()
    }
}

impl Claim for AuditClaim {
    fn name(&self) -> &'static str {
        if self.broken {
            "ldp-audit-with-broken"
        } else {
            "ldp-audit"
        }
    }
    fn description(&self) -> String {
        format!(
            "Empirical audit of every mechanism at ε ∈ {{0.5, 1, 2}}: {} draws per input of the worst pair, Clopper–Pearson \
             bounds on bin ratios (hockey-stick divergence for the Gaussian ones), Bonferroni over bins and over the family.",
            self.draws
        )
    }
    fn prediction(&self) -> String {
        "the lower confidence bound on the privacy loss is ≤ the claimed ε for every mechanism"
            .into()
    }
    fn key_columns(&self) -> &'static [&'static str] {
        &["mechanism"]
    }
    fn value_columns(&self) -> &'static [&'static str] {
        &["epsilon", "epsilon_lower", "epsilon_estimate"]
    }
    fn config(&self) -> serde_json::Value {
        json!({"draws": self.draws, "epsilons": AUDIT_EPS, "broken": self.broken})
    }
    fn default_replicates(&self) -> u64 {
        1
    }
    fn replicate(&self, _replicate: u64, rng: &mut Rng) -> Result<Vec<Observation>> {
        let level = 1.0 - 0.05 / self.family_size() as f64;
        let mut out = Vec::new();
        for &eps in &AUDIT_EPS {
            for m in audited_mechanisms(eps, self.broken)? {
                let a = empirical_audit(m.as_ref(), self.draws, level, rng)?;
                out.push(Observation::new(
                    [m.name()],
                    vec![eps, a.epsilon_lower, a.epsilon_estimate.min(1e300)],
                ));
            }
        }
        Ok(out)
    }
    fn verdict(&self, results: &ResultTable) -> Result<Verdict> {
        let mut checks = Vec::new();
        for r in &results.rows {
            let (eps, lo, est) = (r.values[0], r.values[1], r.values[2]);
            checks.push(Check {
                name: format!("{} at ε = {eps}", r.key[0]),
                estimate: est,
                ci: (lo, f64::INFINITY),
                level: 1.0 - 0.05 / self.family_size() as f64,
                prediction: format!("privacy loss ≤ {eps}"),
                pass: lo <= eps,
            });
        }
        Ok(Verdict {
            claim: self.name().into(),
            replicates: results.n_replicates(),
            checks,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::Twins;
    use crate::montecarlo::{NoProgress, RunConfig, runner};

    /// The NLDP and public-covariate slope claims routed through the cell kernel's CPU twin
    /// (what `--device cuda` runs, number for number) pass at test scale, as the CPU path does.
    #[test]
    fn offloaded_slope_claims_pass_on_the_twins() {
        for est in [Estimator::Nldp, Estimator::Public] {
            let claim = SlopeClaim::new(est, Scale::Test);
            let cfg = RunConfig::new(2026, claim.default_replicates());
            let (table, used) = runner::run_on(&claim, &cfg, &NoProgress, Some(&Twins)).unwrap();
            assert!(used);
            let v = claim.verdict(&table).unwrap();
            for c in &v.checks {
                eprintln!(
                    "{} (twins) {}: {:.3} [{:.3}, {:.3}] {}",
                    v.claim, c.name, c.estimate, c.ci.0, c.ci.1, c.pass
                );
            }
            assert!(v.pass(), "{}", v.claim);
            // Same rows as the CPU path: one per sweep point, in sweep order.
            let points: usize = claim.sweeps().iter().map(|s| s.points.len()).sum();
            assert_eq!(
                table.rows.len(),
                points * claim.default_replicates() as usize
            );
        }
    }

    /// A replicate's offloaded rows depend only on (seed, replicate): a shard of one replicate
    /// gives the rows it has in the full run.
    #[test]
    fn offloaded_rows_do_not_depend_on_the_batch() {
        let claim = SlopeClaim::new(Estimator::Public, Scale::Test);
        let all = claim.kernel_rows(5, &[0, 1, 2], &Twins).unwrap();
        let one = claim.kernel_rows(5, &[1], &Twins).unwrap();
        assert_eq!(all[1], one[0]);
        assert_ne!(all[0], all[1]);
        assert!(
            claim
                .cpu_rows(1, &mut rng::stream(5, "x", 1))
                .unwrap()
                .is_empty()
        );
    }

    /// Check (c): `ldp-iht-slopes` offloaded to the twins at test scale gives the CPU path's
    /// table shape (same keys, grid columns and replicate order) and the same verdict as the
    /// CPU run of the same seed, here the slope directions (test scale has two replicates at a
    /// quarter of the users, too few for the bands; tests/ldp.rs asserts the same on the CPU).
    #[test]
    fn iht_claim_on_the_twins_agrees_with_the_cpu_run() {
        let claim = SlopeClaim::new(Estimator::Iht, Scale::Test);
        let cfg = RunConfig::new(2026, claim.default_replicates());
        let cpu = runner::run(&claim, &cfg, &NoProgress).unwrap();
        let (dev, used) = runner::run_on(&claim, &cfg, &NoProgress, Some(&Twins)).unwrap();
        assert!(used);
        assert_eq!(cpu.rows.len(), dev.rows.len());
        for (a, b) in cpu.rows.iter().zip(&dev.rows) {
            assert_eq!((a.replicate, &a.key), (b.replicate, &b.key));
            assert_eq!(a.values[..4], b.values[..4]);
        }
        let (vc, vd) = (claim.verdict(&cpu).unwrap(), claim.verdict(&dev).unwrap());
        let signs =
            |v: &Verdict| -> Vec<f64> { v.checks.iter().map(|c| c.estimate.signum()).collect() };
        for c in vc.checks.iter().chain(&vd.checks) {
            eprintln!(
                "{}: {:.3} [{:.3}, {:.3}]",
                c.name, c.estimate, c.ci.0, c.ci.1
            );
        }
        assert_eq!(
            signs(&vc),
            vec![-1.0, -1.0, 1.0, 1.0],
            "CPU slope directions"
        );
        assert_eq!(signs(&vd), signs(&vc), "twins' slope directions");
        assert_eq!(vd.pass(), vc.pass());
        // Reproducible, and a replicate's rows depend only on its index: two shards
        // combined give the same table.
        let parts: Vec<ResultTable> = (0..2)
            .map(|index| {
                let shard = crate::montecarlo::Shard { index, count: 2 };
                let cfg = RunConfig {
                    shard,
                    ..cfg.clone()
                };
                runner::run_on(&claim, &cfg, &NoProgress, Some(&Twins))
                    .unwrap()
                    .0
            })
            .collect();
        let again = runner::combine(parts, cfg.replicates).unwrap();
        assert_eq!(again.rows, dev.rows);
    }

    /// With 12 replicates the twins' n, ε and k slope CIs cover the theory's slopes. The d
    /// slope is not asserted: at a quarter of the users the d = 32 point misses the support
    /// often (error 0.65, F1 0.55, for the twins and `LdpIht::fit` alike), which steepens it.
    #[test]
    fn iht_claim_on_the_twins_has_the_predicted_slopes() {
        let claim = SlopeClaim::new(Estimator::Iht, Scale::Test);
        let cfg = RunConfig::new(5, 12);
        let (t, _) = runner::run_on(&claim, &cfg, &NoProgress, Some(&Twins)).unwrap();
        let v = claim.verdict(&t).unwrap();
        for (c, s) in v.checks.iter().zip(claim.sweeps()) {
            eprintln!(
                "{}: {:.3} [{:.3}, {:.3}] theory {}",
                c.name, c.estimate, c.ci.0, c.ci.1, s.theory
            );
            if s.param != "d" {
                assert!(c.ci.0 <= s.theory && s.theory <= c.ci.1, "{c:?}");
            }
        }
    }

    /// Quick scale on the CPU (`device` None) and on the twins (the GPU's numbers, on the
    /// CPU: the verdict `veristat report --device cuda` gives), printed; each takes 5 to 20
    /// minutes on two shared cores, so run on demand with `--ignored --nocapture`. Measured at
    /// seed 2026 (slope [95% CI], band): CPU n −0.489 [−0.554, −0.434] PASS, ε −0.973
    /// [−1.060, −0.885] PASS, d 0.540 [0.433, 0.655] FAIL (band to 0.65), k 0.601 PASS; twins
    /// n −0.552 [−0.605, −0.503] FAIL (band from −0.6), ε −1.081 [−1.174, −0.973] FAIL (band
    /// from −1.15), d 0.499 [0.378, 0.629] PASS, k 0.605 PASS. Both fail this seed, each by a
    /// CI end within 0.03 of a band edge; the estimates differ by 1.5–1.7 standard errors.
    fn quick_scale(device: Option<&dyn Kernels>) -> Verdict {
        let claim = SlopeClaim::new(Estimator::Iht, Scale::Quick);
        let cfg = RunConfig::new(2026, claim.default_replicates());
        let t0 = std::time::Instant::now();
        let (t, _) = runner::run_on(&claim, &cfg, &NoProgress, device).unwrap();
        let v = claim.verdict(&t).unwrap();
        for c in &v.checks {
            eprintln!(
                "{}: {:.3} [{:.3}, {:.3}] {}",
                c.name, c.estimate, c.ci.0, c.ci.1, c.pass
            );
        }
        eprintln!("{:.1} s", t0.elapsed().as_secs_f64());
        v
    }

    #[test]
    #[ignore = "slow (5 to 20 min): cargo test --lib claims::ldp -- --ignored --nocapture"]
    fn iht_claim_on_the_twins_at_quick_scale() {
        quick_scale(Some(&Twins));
    }

    #[test]
    #[ignore = "slow (5 to 20 min): cargo test --lib claims::ldp -- --ignored --nocapture"]
    fn iht_claim_on_the_cpu_at_quick_scale() {
        quick_scale(None);
    }

    #[test]
    fn every_slope_claim_offloads_to_its_kernel() {
        for (e, kernel) in [
            (Estimator::Nldp, "cell kernel"),
            (Estimator::Public, "cell kernel"),
            (Estimator::Iht, "vs_ldp_iht_round"),
        ] {
            let claim = SlopeClaim::new(e, Scale::Test);
            assert!(claim.offload().is_some());
            assert!(claim.describe().contains(kernel), "{}", claim.describe());
        }
    }
}

//! Claims of the `multiplicity` module (Watson-Daniels, Parkes, Ustun, AAAI 2023).
//!
//! - `multiplicity-small-eps`: as ε → 0 the level set is the Laplace ellipsoid, so the exact
//!   half-width of every score range tends to √(2 ε aᵀH0⁻¹a) (spec §2.3 and check 6), with a
//!   relative error of order √ε.
//! - `multiplicity-structure`: the paper's qualitative findings (abstract, §3 of the spec):
//!   multiplicity grows with label noise, is larger for a minority group, and shrinks with
//!   separability; each as a paired directional test over replicates.

use crate::error::Result;
use crate::estimator::{Fit, RegressionData};
use crate::montecarlo::stats::{mean, mean_ci, ols_slope};
use crate::montecarlo::{Check, Claim, Observation, ResultTable, Scale, Verdict};
use crate::multiplicity::{Epsilon, LevelSet, LogisticFit, LogisticParams, ScoreRange, ambiguity};
use crate::rng::Rng;
use nalgebra::{DMatrix, DVector};
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};

/// This module's claims at the given scale.
pub fn claims(scale: Scale) -> Vec<Box<dyn Claim>> {
    vec![
        Box::new(SmallEpsilon::new(scale)),
        Box::new(Structure::new(scale)),
    ]
}

fn normal(rng: &mut Rng) -> f64 {
    StandardNormal.sample(rng)
}

/// Logistic data: x ~ N(0, I_p), y ~ Bernoulli(σ(xᵀβ + b)). Also returns the uniforms used, so a
/// paired design can redraw labels under another β with common random numbers.
fn logistic_data(
    rng: &mut Rng,
    n: usize,
    beta: &[f64],
    b: f64,
) -> (DMatrix<f64>, Vec<f64>, DVector<f64>) {
    let p = beta.len();
    let x = DMatrix::from_fn(n, p, |_, _| 0.0);
    let mut x = x;
    for i in 0..n {
        for j in 0..p {
            x[(i, j)] = normal(rng);
        }
    }
    let u: Vec<f64> = (0..n).map(|_| rng.random::<f64>()).collect();
    let y = labels(&x, &u, beta, b);
    (x, u, y)
}

fn labels(x: &DMatrix<f64>, u: &[f64], beta: &[f64], b: f64) -> DVector<f64> {
    DVector::from_fn(x.nrows(), |i, _| {
        let s: f64 = (0..beta.len()).map(|j| x[(i, j)] * beta[j]).sum::<f64>() + b;
        (u[i] < crate::linalg::sigmoid(s)) as u8 as f64
    })
}

/// Fit with λ = 1/n on standardized features; regenerate nothing: a degenerate draw (one class)
/// is an error the runner reports, and at these sizes it has probability < 1e-20.
fn fit(x: &DMatrix<f64>, y: &DVector<f64>) -> Result<LogisticFit> {
    LogisticParams::new(1.0 / x.nrows() as f64)
        .standardize(true)
        .fit(&RegressionData::new(x.clone(), y.clone())?)
}

// ---------------------------------------------------------------------------------------------

/// `multiplicity-small-eps`.
pub struct SmallEpsilon {
    n: usize,
    p: usize,
    points: usize,
    eps: Vec<f64>,
    reps: u64,
}

impl SmallEpsilon {
    fn new(scale: Scale) -> Self {
        let (n, points, reps) = match scale {
            Scale::Test => (120, 10, 6),
            Scale::Quick => (200, 20, 20),
            Scale::Full => (400, 40, 200),
        };
        Self {
            n,
            p: 4,
            points,
            eps: vec![1e-6, 1e-5, 1e-4, 1e-3, 1e-2],
            reps,
        }
    }
}

impl Claim for SmallEpsilon {
    fn name(&self) -> &'static str {
        "multiplicity-small-eps"
    }
    fn description(&self) -> String {
        format!(
            "Logistic data (n = {}, p = {}, x ~ N(0, I), β = (1, -1, 0.5, 0), b = 0.3), ridge λ = 1/n on standardized \
             features. For {} random training points, the exact score range over the ε-level set (relative ε in {:?}) \
             is compared with the ellipsoid half-width √(2 ε aᵀH0⁻¹a); the deviation is max |half-width ratio − 1| \
             over points and both ends.",
            self.n, self.p, self.points, self.eps
        )
    }
    fn prediction(&self) -> String {
        "For small ε the half-width matches √(2 ε aᵀH⁻¹a) within 1% (at ε_rel = 1e-6), and the relative error \
         shrinks like √ε (log-log slope 0.5)."
            .into()
    }
    fn key_columns(&self) -> &'static [&'static str] {
        &["eps"]
    }
    fn value_columns(&self) -> &'static [&'static str] {
        &["eps_rel", "max_dev", "mean_dev"]
    }
    fn config(&self) -> serde_json::Value {
        serde_json::json!({"n": self.n, "p": self.p, "points": self.points, "eps": self.eps, "lambda": "1/n"})
    }
    fn default_replicates(&self) -> u64 {
        self.reps
    }
    fn replicate(&self, _replicate: u64, rng: &mut Rng) -> Result<Vec<Observation>> {
        let beta = [1.0, -1.0, 0.5, 0.0];
        let (x, _, y) = logistic_data(rng, self.n, &beta[..self.p], 0.3);
        let fit = fit(&x, &y)?;
        let rows: Vec<usize> = (0..self.points)
            .map(|_| rng.random_range(0..self.n))
            .collect();
        let mut out = Vec::new();
        for &e in &self.eps {
            let set = LevelSet::new(&fit, Epsilon::Relative(e))?;
            let ranges = set.training_ranges(&rows)?;
            let ell = set.ellipsoid_ranges();
            let mut devs = Vec::new();
            for (&i, r) in rows.iter().zip(&ranges) {
                let half = ell[i].s_max - ell[i].s0;
                devs.push(((r.upper.score - r.s0) / half - 1.0).abs());
                devs.push(((r.s0 - r.lower.score) / half - 1.0).abs());
            }
            let max = devs.iter().copied().fold(0.0, f64::max);
            out.push(Observation::new(
                [format!("{e:e}")],
                vec![e, max, mean(&devs)?],
            ));
        }
        Ok(out)
    }
    fn verdict(&self, t: &ResultTable) -> Result<Verdict> {
        let mut checks = Vec::new();
        let smallest = format!("{:e}", self.eps[0]);
        let max_dev = t.values(&[("eps", &smallest)], "max_dev")?;
        let worst = max_dev.iter().copied().fold(0.0, f64::max);
        let (m, ci) = mean_ci(&max_dev, 0.95)?;
        checks.push(Check {
            name: format!(
                "max |half-width / √(2εq) − 1| at ε_rel = {smallest} (worst replicate {worst:.2e})"
            ),
            estimate: m,
            ci,
            level: 0.95,
            prediction: "< 0.01 in every replicate".into(),
            pass: worst < 0.01,
        });
        // Slope of log mean deviation on log ε, with a percentile interval over replicates.
        let le: Vec<f64> = self.eps.iter().map(|e| e.ln()).collect();
        let mut slopes = Vec::new();
        for r in 0..t.n_replicates() as u64 {
            let rows: Vec<_> = t.rows.iter().filter(|row| row.replicate == r).collect();
            if rows.len() != self.eps.len() {
                continue;
            }
            let ld: Vec<f64> = rows
                .iter()
                .map(|row| row.values[2].max(1e-300).ln())
                .collect();
            slopes.push(ols_slope(&le, &ld)?.0);
        }
        let (ms, ci) = mean_ci(&slopes, 0.95)?;
        checks.push(Check {
            name: "log-log slope of the mean deviation on ε".into(),
            estimate: ms,
            ci,
            level: 0.95,
            prediction: "0.5 (error of order √ε): 95% CI inside [0.4, 0.6]".into(),
            pass: ci.0 > 0.4 && ci.1 < 0.6,
        });
        Ok(Verdict {
            claim: self.name().into(),
            replicates: t.n_replicates(),
            checks,
        })
    }
}

// ---------------------------------------------------------------------------------------------

/// `multiplicity-structure`.
pub struct Structure {
    n: usize,
    eps_rel: f64,
    noise: f64,
    minority: f64,
    reps: u64,
}

impl Structure {
    fn new(scale: Scale) -> Self {
        let (n, reps) = match scale {
            Scale::Test => (150, 8),
            Scale::Quick => (250, 20),
            Scale::Full => (500, 200),
        };
        Self {
            n,
            eps_rel: 0.01,
            noise: 0.2,
            minority: 0.1,
            reps,
        }
    }
}

/// Comparisons, ordered so that the paper's direction is `b > a`.
const COMPARISONS: [&str; 3] = ["label-noise", "minority-group", "separability"];

fn summary(ranges: &[ScoreRange]) -> Result<(f64, f64)> {
    let w = mean(&ranges.iter().map(|r| r.width()).collect::<Vec<_>>())?;
    Ok((w, ambiguity(ranges, 0.05)?))
}

impl Claim for Structure {
    fn name(&self) -> &'static str {
        "multiplicity-structure"
    }
    fn description(&self) -> String {
        format!(
            "Three paired designs on logistic data (n = {}, ridge λ = 1/n, standardized, ε_rel = {}), multiplicity = mean \
             viable-prediction-range width over training points (ambiguity at δ = 0.05 also recorded). \
             label-noise: x ~ N(0, I_3), β = (1.5, -1, 0.5); the same data with {}% of labels flipped (b) vs clean (a). \
             minority-group: a group indicator g (share {}) is a feature, y ~ σ(x₁ − x₂ + 0.5 g); mean width of the \
             minority rows (b) vs the majority rows (a) of the same fit. \
             separability: the same x and uniforms, β = (1, -1, 0.5) (b) vs 4β (a, more separable).",
            self.n,
            self.eps_rel,
            self.noise * 100.0,
            self.minority
        )
    }
    fn prediction(&self) -> String {
        "Multiplicity grows with label noise, is larger for the minority group and shrinks with separability: the \
         paired difference b − a has a 95% CI above 0 in each design."
            .into()
    }
    fn key_columns(&self) -> &'static [&'static str] {
        &["comparison"]
    }
    fn value_columns(&self) -> &'static [&'static str] {
        &["width_a", "width_b", "diff", "ambiguity_a", "ambiguity_b"]
    }
    fn config(&self) -> serde_json::Value {
        serde_json::json!({"n": self.n, "eps_rel": self.eps_rel, "noise": self.noise, "minority": self.minority, "delta": 0.05})
    }
    fn default_replicates(&self) -> u64 {
        self.reps
    }
    fn replicate(&self, _replicate: u64, rng: &mut Rng) -> Result<Vec<Observation>> {
        let n = self.n;
        let eps = Epsilon::Relative(self.eps_rel);
        let all = |x: &DMatrix<f64>, y: &DVector<f64>| -> Result<Vec<ScoreRange>> {
            let f = fit(x, y)?;
            LevelSet::new(&f, eps)?.all_training_ranges()
        };
        let mut out = Vec::new();

        // Label noise: flip a random subset of labels.
        let beta = [1.5, -1.0, 0.5];
        let (x, _, y) = logistic_data(rng, n, &beta, 0.0);
        let flips: Vec<bool> = (0..n).map(|_| rng.random::<f64>() < self.noise).collect();
        let yn = DVector::from_fn(n, |i, _| if flips[i] { 1.0 - y[i] } else { y[i] });
        let (wa, aa) = summary(&all(&x, &y)?)?;
        let (wb, ab) = summary(&all(&x, &yn)?)?;
        out.push(Observation::new(
            [COMPARISONS[0]],
            vec![wa, wb, wb - wa, aa, ab],
        ));

        // Minority group: the group coefficient is pinned down by the minority rows alone.
        let (mut x, u, _) = logistic_data(rng, n, &[0.0, 0.0, 0.0], 0.0);
        for i in 0..n {
            x[(i, 2)] = (rng.random::<f64>() < self.minority) as u8 as f64;
        }
        if (0..n).all(|i| x[(i, 2)] == 0.0) {
            x[(0, 2)] = 1.0;
        }
        let y = labels(&x, &u, &[1.0, -1.0, 0.5], 0.0);
        let ranges = all(&x, &y)?;
        let (maj, min): (Vec<&ScoreRange>, Vec<&ScoreRange>) =
            ranges
                .iter()
                .enumerate()
                .fold((Vec::new(), Vec::new()), |(mut a, mut b), (i, r)| {
                    if x[(i, 2)] == 1.0 {
                        b.push(r)
                    } else {
                        a.push(r)
                    }
                    (a, b)
                });
        let grp = |v: &[&ScoreRange]| -> Result<(f64, f64)> {
            let owned: Vec<ScoreRange> = v.iter().map(|r| (*r).clone()).collect();
            summary(&owned)
        };
        let (wa, aa) = grp(&maj)?;
        let (wb, ab) = grp(&min)?;
        out.push(Observation::new(
            [COMPARISONS[1]],
            vec![wa, wb, wb - wa, aa, ab],
        ));

        // Separability: common random numbers, signal scaled by 4.
        let base = [1.0, -1.0, 0.5];
        let strong: Vec<f64> = base.iter().map(|b| 4.0 * b).collect();
        let (x, u, y_weak) = logistic_data(rng, n, &base, 0.0);
        let y_strong = labels(&x, &u, &strong, 0.0);
        let (wb, ab) = summary(&all(&x, &y_weak)?)?;
        let (wa, aa) = summary(&all(&x, &y_strong)?)?;
        out.push(Observation::new(
            [COMPARISONS[2]],
            vec![wa, wb, wb - wa, aa, ab],
        ));
        Ok(out)
    }
    fn verdict(&self, t: &ResultTable) -> Result<Verdict> {
        let mut checks = Vec::new();
        for c in COMPARISONS {
            let d = t.values(&[("comparison", c)], "diff")?;
            let (m, ci) = mean_ci(&d, 0.95)?;
            let what = match c {
                "label-noise" => "noisy − clean labels",
                "minority-group" => "minority − majority",
                _ => "weak − strong signal",
            };
            checks.push(Check {
                name: format!("{c}: mean VPR width, {what}"),
                estimate: m,
                ci,
                level: 0.95,
                prediction: "> 0 (95% CI above 0)".into(),
                pass: ci.0 > 0.0,
            });
        }
        Ok(Verdict {
            claim: self.name().into(),
            replicates: t.n_replicates(),
            checks,
        })
    }
}

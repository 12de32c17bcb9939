//! Coverage of the closed-form intervals of [`crate::ldp::batch`] (spec §2.10): for every
//! mechanism, the 95% normal interval estimate ± 1.96·SE covers the population frequency or
//! mean in 95% of replicates.
//!
//! Each replicate draws n users i.i.d. from a fixed population (frequencies 0.4, 0.3, 0.2, 0.1
//! over K = 4 categories, P\[1\] = 0.3 for randomized response; scalar inputs uniform on
//! \[−0.3, 0.9\]; vector inputs uniform on a box around (0.1, −0.2, 0.25) inside the unit ℓ2
//! ball, so no clipping moves the truth), privatizes them with the batch API and records
//! whether each coordinate's interval covers the truth. Over R replicates the number of covers
//! is Binomial(R, 0.95) when the intervals are calibrated; the check passes when the
//! Clopper–Pearson interval of the coverage, Bonferroni-corrected over every (mechanism,
//! coordinate), contains 0.95.

use crate::error::Result;
use crate::ldp::batch::{aggregate_column, privatize_column};
use crate::ldp::mechanisms::{self, Mechanism};
use crate::montecarlo::stats::clopper_pearson;
use crate::montecarlo::{Check, Claim, Observation, ResultTable, Scale, Verdict};
use crate::rng::Rng;
use rand::RngExt;
use serde_json::json;

const EPSILON: f64 = 0.5;
const LEVEL: f64 = 0.95;
const FREQ: [f64; 4] = [0.4, 0.3, 0.2, 0.1];
const RR_ONE: f64 = 0.3;
const CENTRE: [f64; 3] = [0.1, -0.2, 0.25];
const HALF_WIDTH: f64 = 0.3;

/// 95% intervals of every mechanism cover the truth 95% of the time.
pub struct CoverageClaim {
    users: usize,
    replicates: u64,
}

impl CoverageClaim {
    /// Users per replicate and replicates: 1000 × 300 (test), 10⁴ × 2000 (quick),
    /// 10⁵ × 10⁴ (full).
    pub fn new(scale: Scale) -> Self {
        let (users, replicates) = match scale {
            Scale::Test => (1_000, 300),
            Scale::Quick => (10_000, 2_000),
            Scale::Full => (100_000, 10_000),
        };
        Self { users, replicates }
    }

    /// A custom size (for tests).
    pub fn with_size(users: usize, replicates: u64) -> Self {
        Self { users, replicates }
    }

    fn mechanisms() -> Result<Vec<Box<dyn Mechanism>>> {
        mechanisms::NAMES
            .iter()
            .map(|n| mechanisms::by_name(n, EPSILON, Some(1e-6), FREQ.len(), CENTRE.len()))
            .collect()
    }

    fn family_size(&self) -> usize {
        Self::mechanisms().map_or(1, |v| v.iter().map(|m| m.estimate_dim()).sum())
    }

    /// The population's users and its true frequencies or means.
    fn population(&self, m: &dyn Mechanism, rng: &mut Rng) -> (Vec<f64>, Vec<f64>) {
        let n = self.users;
        if m.support().is_some() {
            if m.estimate_dim() == 1 {
                let xs = (0..n).map(|_| f64::from(u8::from(rng.random_bool(RR_ONE))));
                return (xs.collect(), vec![RR_ONE]);
            }
            let xs = (0..n).map(|_| {
                let u: f64 = rng.random();
                let mut acc = 0.0;
                FREQ.iter()
                    .position(|f| {
                        acc += f;
                        u < acc
                    })
                    .unwrap_or(FREQ.len() - 1) as f64
            });
            return (xs.collect(), FREQ.to_vec());
        }
        let d = m.input_dim();
        let centre: Vec<f64> = if d == 1 { vec![0.3] } else { CENTRE.to_vec() };
        let half = if d == 1 { 0.6 } else { HALF_WIDTH };
        let xs = (0..n * d)
            .map(|i| centre[i % d] + half * (2.0 * rng.random::<f64>() - 1.0))
            .collect();
        (xs, centre)
    }
}

impl Claim for CoverageClaim {
    fn name(&self) -> &'static str {
        "ldp-coverage"
    }
    fn description(&self) -> String {
        format!(
            "Every mechanism at ε = {EPSILON} (K = 4, d = 3, δ = 1e−6): {} users drawn i.i.d. from a fixed population, privatized \
             and aggregated by the batch API; the 95% normal interval from the closed-form variance at the observed support \
             rate (frequency oracles) or the reports' sample variance (mean mechanisms) is checked against the population value.",
            self.users
        )
    }
    fn prediction(&self) -> String {
        "every 95% interval covers the truth in 95% of replicates (binomial tolerance)".into()
    }
    fn key_columns(&self) -> &'static [&'static str] {
        &["mechanism", "coordinate"]
    }
    fn value_columns(&self) -> &'static [&'static str] {
        &["covered", "error", "std_error"]
    }
    fn config(&self) -> serde_json::Value {
        json!({"users": self.users, "epsilon": EPSILON, "level": LEVEL, "mechanisms": mechanisms::NAMES})
    }
    fn default_replicates(&self) -> u64 {
        self.replicates
    }
    fn replicate(&self, _replicate: u64, rng: &mut Rng) -> Result<Vec<Observation>> {
        let mut out = Vec::new();
        for m in Self::mechanisms()? {
            let (xs, truth) = self.population(m.as_ref(), rng);
            let reports = privatize_column(m.as_ref(), &xs, rng.random())?;
            let e = aggregate_column(m.as_ref(), &reports)?;
            for (j, ((lo, hi), t)) in e.conf_int(LEVEL)?.into_iter().zip(&truth).enumerate() {
                out.push(Observation::new(
                    [m.name().to_string(), j.to_string()],
                    vec![
                        f64::from(u8::from(lo <= *t && *t <= hi)),
                        e.estimate[j] - t,
                        e.std_error[j],
                    ],
                ));
            }
        }
        Ok(out)
    }
    fn verdict(&self, results: &ResultTable) -> Result<Verdict> {
        let level = 1.0 - 0.05 / self.family_size() as f64;
        let groups = results.grouped(&["mechanism", "coordinate"], &["covered"])?;
        let mut keys: Vec<_> = groups.keys().cloned().collect();
        keys.sort();
        let mut checks = Vec::new();
        for key in keys {
            let covered = &groups[&key][0];
            let r = covered.len() as u64;
            let hits = covered.iter().filter(|c| **c > 0.5).count() as u64;
            let ci = clopper_pearson(hits, r, level)?;
            checks.push(Check {
                name: format!("{} coordinate {}", key[0], key[1]),
                estimate: hits as f64 / r as f64,
                ci,
                level,
                prediction: format!("coverage {LEVEL}"),
                pass: ci.0 <= LEVEL && LEVEL <= ci.1,
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
    use crate::montecarlo::{NoProgress, ResultRow, RunConfig, runner};

    #[test]
    fn small_fixed_seed_run_covers_and_a_narrow_interval_fails() {
        let claim = CoverageClaim::with_size(400, 150);
        let table = runner::run(&claim, &RunConfig::new(7, 150), &NoProgress).unwrap();
        let v = claim.verdict(&table).unwrap();
        let failing: Vec<_> = v.checks.iter().filter(|c| !c.pass).collect();
        assert!(failing.is_empty(), "{failing:?}");
        assert_eq!(v.checks.len(), claim.family_size());
        // The same table with every interval halved: coverage drops to about 2Φ(0.98) − 1 ≈ 67%.
        let mut narrow = table.clone();
        narrow.rows = table
            .rows
            .iter()
            .map(|r| {
                let covered = (r.values[1].abs() <= 0.98 * r.values[2]) as u8;
                ResultRow {
                    values: vec![f64::from(covered), r.values[1], r.values[2]],
                    ..r.clone()
                }
            })
            .collect();
        assert!(!claim.verdict(&narrow).unwrap().pass());
    }
}

//! The privacy audit of every mechanism (spec §5.2).

use crate::error::Result;
use crate::ldp::audit::empirical_audit;
use crate::ldp::mechanisms::{self, BrokenOue, Mechanism};
use crate::montecarlo::{Check, Claim, Observation, ResultTable, Scale, Verdict};
use crate::rng::Rng;
use serde_json::json;

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

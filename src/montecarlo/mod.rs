//! Monte Carlo verification of the papers' claims.
//!
//! A [`Claim`] turns one replicate index and its own random stream into a few
//! [`Observation`]s (rows of a tidy table: string key columns such as `design`, `method`, and
//! numeric value columns such as `n`, `error`). The [`runner`] executes replicates in parallel,
//! possibly one shard of them, and collects a [`ResultTable`] whose rows are in replicate order,
//! so a table is bit-identical whatever the thread or shard count. [`Claim::verdict`] compares
//! the table with the theory's prediction and returns PASS/FAIL checks with confidence intervals.
//!
//! Shape of a run (the CLI's `veristat verify` does exactly this, plus a progress bar):
//! ```
//! use veristat::montecarlo::{runner, RunConfig, Scale, NoProgress};
//! let claim = veristat::claims::find("sparse-random-support", Scale::Test).unwrap();
//! let cfg = RunConfig::new(1, 2);
//! let table = runner::run(claim.as_ref(), &cfg, &NoProgress).unwrap();
//! let verdict = claim.verdict(&table).unwrap();
//! assert!(!verdict.checks.is_empty());
//! ```

pub mod checkpoint;
pub mod runner;
pub mod stats;
#[cfg(feature = "io")]
pub mod store;

use crate::error::{Error, Result};
use crate::rng::Rng;
use serde::Serialize;

pub use runner::{NoProgress, Progress, RunConfig, Shard};

/// How big a run is. Claims size their grids from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Scale {
    /// Seconds: what `cargo test` runs.
    Test,
    /// Minutes per module (the echo searches about ten): what `veristat report` runs.
    Quick,
    /// The spec's full design: what `veristat verify` runs by default.
    Full,
}

impl Scale {
    /// The name `--scale` takes (`test`, `quick`, `full`); what parts and checkpoints record.
    pub fn name(self) -> &'static str {
        match self {
            Scale::Test => "test",
            Scale::Quick => "quick",
            Scale::Full => "full",
        }
    }

    /// The scale called `name` (as [`Self::name`] writes it).
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "test" => Ok(Scale::Test),
            "quick" => Ok(Scale::Quick),
            "full" => Ok(Scale::Full),
            other => Err(Error::UnknownName {
                kind: "scale",
                name: other.to_string(),
                known: "test, quick, full".into(),
            }),
        }
    }
}

/// One row produced by a replicate.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// Values of the claim's key columns, in [`Claim::key_columns`] order.
    pub key: Vec<String>,
    /// Values of the claim's value columns, in [`Claim::value_columns`] order; finite.
    pub values: Vec<f64>,
}

impl Observation {
    /// Build an observation from string-like keys and values.
    pub fn new<K: Into<String>>(key: impl IntoIterator<Item = K>, values: Vec<f64>) -> Self {
        Self {
            key: key.into_iter().map(Into::into).collect(),
            values,
        }
    }
}

/// A checkable statement from a paper.
pub trait Claim: Send + Sync {
    /// Stable identifier, e.g. `sparse-random-support`.
    fn name(&self) -> &'static str;
    /// One paragraph: what is simulated.
    fn description(&self) -> String;
    /// What the theory predicts, in words (shown in the report next to the verdict).
    fn prediction(&self) -> String;
    /// Names of the string key columns of every observation.
    fn key_columns(&self) -> &'static [&'static str];
    /// Names of the numeric value columns of every observation.
    fn value_columns(&self) -> &'static [&'static str];
    /// The run's parameters (grid, sizes); hashed into each result row so that parts of
    /// different configurations are never merged.
    fn config(&self) -> serde_json::Value;
    /// Replicate count used when the user does not give one.
    fn default_replicates(&self) -> u64;
    /// Run replicate `replicate`; all randomness must come from `rng`.
    fn replicate(&self, replicate: u64, rng: &mut Rng) -> Result<Vec<Observation>>;
    /// Compare a complete table with the prediction.
    fn verdict(&self, results: &ResultTable) -> Result<Verdict>;
    /// The part of every replicate that a device kernel computes in bulk, if any
    /// ([`runner::run_on`]). Default: none; the claim runs on the CPU whatever the device.
    fn offload(&self) -> Option<&dyn Offload> {
        None
    }
}

/// A claim's replicates split into rows a device kernel computes for many replicates at once
/// ([`crate::device::KernelJob`]s run by a [`crate::device::Device`]) and the rest, computed per
/// replicate on the CPU. The kernel's
/// rows draw from the kernel's own counter-based streams (keyed by seed, claim and replicate),
/// so an offloaded run is reproducible for a given seed but is a different sample than the
/// all-CPU run of the same seed; the verdict tests the same prediction.
pub trait Offload: Sync {
    /// What the kernel computes and what stays on the CPU, in words.
    fn describe(&self) -> String;
    /// The kernel's rows of replicates `reps` (ascending), one vector per replicate.
    fn kernel_rows(
        &self,
        seed: u64,
        reps: &[u64],
        device: &crate::device::Device,
    ) -> Result<Vec<Vec<Observation>>>;
    /// The rest of replicate `replicate`'s rows, from its CPU stream (placed after the
    /// kernel's rows).
    fn cpu_rows(&self, replicate: u64, rng: &mut Rng) -> Result<Vec<Observation>>;
}

/// One row of a [`ResultTable`].
#[derive(Debug, Clone, PartialEq)]
pub struct ResultRow {
    /// Replicate index.
    pub replicate: u64,
    /// Key column values.
    pub key: Vec<String>,
    /// Value column values.
    pub values: Vec<f64>,
}

/// All observations of a run (or of one shard), sorted by replicate.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultTable {
    /// Claim name.
    pub claim: String,
    /// User seed.
    pub seed: u64,
    /// FNV-1a hash of the claim's config JSON.
    pub config_hash: u64,
    /// Git commit of the binary that produced the rows.
    pub git_sha: String,
    /// Key column names.
    pub key_columns: Vec<String>,
    /// Value column names.
    pub value_columns: Vec<String>,
    /// Rows, in replicate order then the order the replicate returned them.
    pub rows: Vec<ResultRow>,
}

impl ResultTable {
    fn key_index(&self, name: &str) -> Result<usize> {
        self.key_columns
            .iter()
            .position(|c| c == name)
            .ok_or_else(|| {
                Error::Results(format!("claim {} has no key column `{name}`", self.claim))
            })
    }

    fn value_index(&self, name: &str) -> Result<usize> {
        self.value_columns
            .iter()
            .position(|c| c == name)
            .ok_or_else(|| {
                Error::Results(format!("claim {} has no value column `{name}`", self.claim))
            })
    }

    /// FNV-1a 64 hash of the table's contents in replicate order: per row the replicate index,
    /// the key strings and the values' IEEE-754 bits, after the column names. It leaves out the
    /// seed, git sha and config hash, so two runs of the same claim agree exactly when their
    /// numbers do, whatever the thread or shard count or the commit that made them.
    pub fn content_hash(&self) -> String {
        let mut bytes = Vec::new();
        for c in self.key_columns.iter().chain(&self.value_columns) {
            bytes.extend_from_slice(c.as_bytes());
            bytes.push(0);
        }
        for r in &self.rows {
            bytes.extend_from_slice(&r.replicate.to_le_bytes());
            for k in &r.key {
                bytes.extend_from_slice(k.as_bytes());
                bytes.push(0);
            }
            for v in &r.values {
                bytes.extend_from_slice(&v.to_bits().to_le_bytes());
            }
        }
        format!("{:016x}", crate::rng::fnv1a64(&bytes))
    }

    /// Rows whose key columns equal the given (column, value) pairs.
    pub fn select<'a>(&'a self, filter: &[(&str, &str)]) -> Result<Vec<&'a ResultRow>> {
        let idx: Vec<(usize, &str)> = filter
            .iter()
            .map(|(c, v)| Ok((self.key_index(c)?, *v)))
            .collect::<Result<_>>()?;
        Ok(self
            .rows
            .iter()
            .filter(|r| idx.iter().all(|(i, v)| r.key[*i] == *v))
            .collect())
    }

    /// Value columns `columns` of every group of rows that agree on the key columns `keys`, in
    /// one pass: group key (the `keys` values, in that order) → one vector per column, in row
    /// order (what [`Self::values`] gives for that group). A verdict that looks at many groups
    /// of a large table uses this rather than one [`Self::values`] scan per group.
    #[allow(clippy::type_complexity)]
    pub fn grouped<'a>(
        &'a self,
        keys: &[&str],
        columns: &[&str],
    ) -> Result<std::collections::HashMap<Vec<&'a str>, Vec<Vec<f64>>>> {
        let ki: Vec<usize> = keys
            .iter()
            .map(|c| self.key_index(c))
            .collect::<Result<_>>()?;
        let vi: Vec<usize> = columns
            .iter()
            .map(|c| self.value_index(c))
            .collect::<Result<_>>()?;
        let mut out: std::collections::HashMap<Vec<&'a str>, Vec<Vec<f64>>> = Default::default();
        let mut key: Vec<&'a str> = Vec::with_capacity(ki.len());
        for r in &self.rows {
            key.clear();
            key.extend(ki.iter().map(|&i| r.key[i].as_str()));
            let cols = match out.get_mut(key.as_slice()) {
                Some(c) => c,
                None => out
                    .entry(key.clone())
                    .or_insert_with(|| vec![Vec::new(); vi.len()]),
            };
            for (c, &j) in cols.iter_mut().zip(&vi) {
                c.push(r.values[j]);
            }
        }
        Ok(out)
    }

    /// Value column `column` of the rows matching `filter`, in row order.
    pub fn values(&self, filter: &[(&str, &str)], column: &str) -> Result<Vec<f64>> {
        let j = self.value_index(column)?;
        Ok(self
            .select(filter)?
            .into_iter()
            .map(|r| r.values[j])
            .collect())
    }

    /// Distinct values of a key column, in first-seen order.
    pub fn distinct(&self, column: &str) -> Result<Vec<String>> {
        let i = self.key_index(column)?;
        let mut out: Vec<String> = Vec::new();
        for r in &self.rows {
            if !out.contains(&r.key[i]) {
                out.push(r.key[i].clone());
            }
        }
        Ok(out)
    }

    /// Number of distinct replicates present.
    pub fn n_replicates(&self) -> usize {
        let mut reps: Vec<u64> = self.rows.iter().map(|r| r.replicate).collect();
        reps.dedup();
        reps.len()
    }
}

/// One PASS/FAIL comparison of an estimate with the theory.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// What is compared.
    pub name: String,
    /// The Monte Carlo estimate.
    pub estimate: f64,
    /// Its confidence interval (level in `level`).
    pub ci: (f64, f64),
    /// Confidence level of `ci`, e.g. 0.95.
    pub level: f64,
    /// The theory's value or band, in words.
    pub prediction: String,
    /// Whether the estimate agrees with the prediction.
    pub pass: bool,
}

/// The outcome of a claim on a table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// Claim name.
    pub claim: String,
    /// Replicates used.
    pub replicates: usize,
    /// Individual checks; the claim passes when all pass.
    pub checks: Vec<Check>,
}

impl Verdict {
    /// PASS when every check passes (and there is at least one).
    pub fn pass(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| c.pass)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouped_equals_one_values_scan_per_group() {
        let keys = [("a", "1"), ("b", "1"), ("a", "2"), ("a", "1"), ("b", "1")];
        let t = ResultTable {
            claim: "t".into(),
            seed: 1,
            config_hash: 0,
            git_sha: String::new(),
            key_columns: vec!["family".into(), "n".into()],
            value_columns: vec!["x".into(), "y".into()],
            rows: keys
                .iter()
                .enumerate()
                .map(|(i, (f, n))| ResultRow {
                    replicate: i as u64,
                    key: vec![f.to_string(), n.to_string()],
                    values: vec![i as f64, -(i as f64)],
                })
                .collect(),
        };
        let g = t.grouped(&["family", "n"], &["y", "x"]).unwrap();
        assert_eq!(g.len(), 3);
        for (f, n) in [("a", "1"), ("b", "1"), ("a", "2")] {
            let cols = &g[[f, n].as_slice()];
            let filter = [("family", f), ("n", n)];
            assert_eq!(cols[0], t.values(&filter, "y").unwrap());
            assert_eq!(cols[1], t.values(&filter, "x").unwrap());
        }
        assert_eq!(g[["a", "1"].as_slice()][1], vec![0.0, 3.0]);
        assert!(t.grouped(&["nope"], &["x"]).is_err());
        assert!(t.grouped(&["n"], &["nope"]).is_err());
    }
}

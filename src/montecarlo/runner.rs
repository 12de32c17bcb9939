//! Parallel, shardable, reproducible execution of a claim's replicates.

use super::checkpoint::{self, Checkpoint, RunIdentity};
use super::{Claim, Observation, ResultRow, ResultTable, Scale};
use crate::device::Device;
use crate::error::{Error, Result};
use crate::rng;
use rayon::prelude::*;

/// Progress reporting, implemented by the CLI (indicatif); the library never prints.
pub trait Progress: Sync {
    /// A phase with `total` steps begins.
    fn start(&self, _label: &str, _total: u64) {}
    /// `n` more steps are done.
    fn inc(&self, _n: u64) {}
    /// The phase ended.
    fn finish(&self) {}
}

/// Progress sink that ignores everything.
pub struct NoProgress;
impl Progress for NoProgress {}

/// Shard `index` of `count`: replicates r with r % count == index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 0-based shard index.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
}

impl Shard {
    /// The single shard covering everything.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Parse `i/N` (as `--shard 3/16`).
    pub fn parse(s: &str) -> Result<Self> {
        let bad = || Error::param("shard", s, "expected i/N with 0 <= i < N, e.g. 0/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u64 = i.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Self { index, count })
    }

    /// Whether replicate `r` belongs to this shard.
    pub fn contains(&self, r: u64) -> bool {
        r % self.count == self.index
    }
}

/// What to run.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// User seed.
    pub seed: u64,
    /// Total replicates over all shards.
    pub replicates: u64,
    /// Which part of them this process runs.
    pub shard: Shard,
}

impl RunConfig {
    /// All `replicates` of seed `seed` in one process.
    pub fn new(seed: u64, replicates: u64) -> Self {
        Self {
            seed,
            replicates,
            shard: Shard::ALL,
        }
    }
}

/// The git commit compiled into this binary (`unknown` outside a checkout).
pub fn git_sha() -> &'static str {
    option_env!("VERISTAT_GIT_SHA").unwrap_or("unknown")
}

/// Hash of a claim's configuration (FNV-1a of its canonical JSON).
pub fn config_hash(claim: &dyn Claim) -> u64 {
    rng::fnv1a64(claim.config().to_string().as_bytes())
}

/// The identity of running `cfg` of `claim` built at `scale` with this binary: what a
/// [`Checkpoint`] must match to be resumed.
pub fn identity(claim: &dyn Claim, cfg: &RunConfig, scale: Scale) -> RunIdentity {
    RunIdentity {
        format: checkpoint::FORMAT,
        claim: claim.name().to_string(),
        scale: scale.name().to_string(),
        seed: cfg.seed,
        replicates: cfg.replicates,
        shard: format!("{}/{}", cfg.shard.index, cfg.shard.count),
        config_hash: format!("{:016x}", config_hash(claim)),
        git_sha: git_sha().to_string(),
        key_columns: claim.key_columns().iter().map(|s| s.to_string()).collect(),
        value_columns: claim
            .value_columns()
            .iter()
            .map(|s| s.to_string())
            .collect(),
    }
}

/// Run this shard's replicates of `claim` over rayon's pool. Replicate r draws only from
/// `rng::stream(seed, claim.name(), r)`, and rows are collected in replicate order, so the table
/// does not depend on the thread count.
pub fn run(claim: &dyn Claim, cfg: &RunConfig, progress: &dyn Progress) -> Result<ResultTable> {
    Ok(run_resumable(claim, cfg, progress, None, None)?.0)
}

/// [`run`] on a device: a claim with an [`Offload`] gets its kernel rows from `device` (for all
/// of this shard's replicates at once) and the rest per replicate on the CPU; any other claim,
/// or `device = None`, runs exactly as [`run`]. Returns the table and whether the device was
/// used.
///
/// [`Offload`]: super::Offload
pub fn run_on(
    claim: &dyn Claim,
    cfg: &RunConfig,
    progress: &dyn Progress,
    device: Option<&Device>,
) -> Result<(ResultTable, bool)> {
    run_resumable(claim, cfg, progress, device, None)
}

/// [`run_on`] that saves completed replicates to `checkpoint` as they finish and computes only
/// the replicates it did not already hold (a rerun after a kill). The restored rows are the
/// rows their replicates would give again (each draws from its own stream), so the table is
/// the one an uninterrupted [`run_on`] gives. A checkpoint of another claim, seed, replicate
/// count, shard or configuration is an [`Error::CheckpointMismatch`].
pub fn run_resumable(
    claim: &dyn Claim,
    cfg: &RunConfig,
    progress: &dyn Progress,
    device: Option<&Device>,
    checkpoint: Option<&Checkpoint>,
) -> Result<(ResultTable, bool)> {
    if cfg.replicates == 0 {
        return Err(Error::param("replicates", 0, "must be >= 1"));
    }
    let reps: Vec<u64> = (0..cfg.replicates)
        .filter(|&r| cfg.shard.contains(r))
        .collect();
    let mut saved = match checkpoint {
        Some(c) => {
            c.check(&identity(
                claim,
                cfg,
                Scale::from_name(&c.identity().scale)?,
            ))?;
            c.take_restored()
        }
        None => Default::default(),
    };
    let todo: Vec<u64> = reps
        .iter()
        .copied()
        .filter(|r| !saved.contains_key(r))
        .collect();
    if saved.len() + todo.len() != reps.len() {
        return Err(Error::Results(format!(
            "claim {}: the checkpoint holds replicates outside shard {}/{} of {}",
            claim.name(),
            cfg.shard.index,
            cfg.shard.count,
            cfg.replicates
        )));
    }
    let offload = match (device, claim.offload()) {
        (Some(k), Some(off)) => Some((k, off)),
        _ => None,
    };
    let nk = claim.key_columns().len();
    let nv = claim.value_columns().len();
    let bulk = match offload {
        Some((k, off)) => {
            let bulk = off.kernel_rows(cfg.seed, &todo, k)?;
            if bulk.len() != todo.len() {
                return Err(Error::Results(format!(
                    "claim {}: the kernel returned rows of {} replicates, expected {}",
                    claim.name(),
                    bulk.len(),
                    todo.len()
                )));
            }
            Some(bulk)
        }
        None => None,
    };
    progress.start(claim.name(), reps.len() as u64);
    if !saved.is_empty() {
        progress.inc(saved.len() as u64);
    }
    let done = |r: u64, obs: Vec<Observation>| -> Result<Vec<ResultRow>> {
        progress.inc(1);
        let rows = check_rows(claim, r, obs, nk, nv)?;
        if let Some(c) = checkpoint {
            c.record(r, &rows)?;
        }
        Ok(rows)
    };
    let fresh: Result<Vec<Vec<ResultRow>>> = match (bulk, offload) {
        (Some(bulk), Some((_, off))) => todo
            .par_iter()
            .zip(bulk)
            .map(|(&r, mut obs)| {
                let mut rng = rng::stream(cfg.seed, claim.name(), r);
                obs.extend(off.cpu_rows(r, &mut rng)?);
                done(r, obs)
            })
            .collect(),
        _ => todo
            .par_iter()
            .map(|&r| {
                let mut rng = rng::stream(cfg.seed, claim.name(), r);
                let obs = claim.replicate(r, &mut rng)?;
                done(r, obs)
            })
            .collect(),
    };
    // Whatever finished is saved even when a replicate failed, so a rerun after fixing a
    // transient cause (a lost GPU) does not redo it. A failed chunk write comes first: it is
    // what made `record` fail.
    checkpoint.map_or(Ok(()), |c| c.flush())?;
    let fresh = fresh?;
    progress.finish();
    let mut fresh = fresh.into_iter();
    let per_rep: Vec<Vec<ResultRow>> = reps
        .iter()
        .filter_map(|r| saved.remove(r).or_else(|| fresh.next()))
        .collect();
    Ok((table(claim, cfg, per_rep), offload.is_some()))
}

fn table(claim: &dyn Claim, cfg: &RunConfig, per_rep: Vec<Vec<ResultRow>>) -> ResultTable {
    ResultTable {
        claim: claim.name().to_string(),
        seed: cfg.seed,
        config_hash: config_hash(claim),
        git_sha: git_sha().to_string(),
        key_columns: claim.key_columns().iter().map(|s| s.to_string()).collect(),
        value_columns: claim
            .value_columns()
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows: per_rep.into_iter().flatten().collect(),
    }
}

/// Replicate r's observations as rows, checking their shape and finiteness.
fn check_rows(
    claim: &dyn Claim,
    r: u64,
    obs: Vec<Observation>,
    nk: usize,
    nv: usize,
) -> Result<Vec<ResultRow>> {
    obs.into_iter()
        .map(|o| {
            if o.key.len() != nk || o.values.len() != nv {
                return Err(Error::Results(format!(
                    "claim {} replicate {r} returned {} keys / {} values, expected {nk} / {nv}",
                    claim.name(),
                    o.key.len(),
                    o.values.len()
                )));
            }
            if let Some(j) = o.values.iter().position(|v| !v.is_finite()) {
                return Err(Error::Results(format!(
                    "claim {} replicate {r}: column `{}` is {} at key {:?}",
                    claim.name(),
                    claim.value_columns()[j],
                    o.values[j],
                    o.key
                )));
            }
            Ok(ResultRow {
                replicate: r,
                key: o.key,
                values: o.values,
            })
        })
        .collect()
}

/// Combine shard tables into one, checking they come from the same claim, seed and config and
/// that every replicate below `replicates` appears exactly once.
pub fn combine(mut parts: Vec<ResultTable>, replicates: u64) -> Result<ResultTable> {
    let first = parts
        .first()
        .ok_or_else(|| Error::Results("no parts to combine".into()))?
        .clone();
    for p in &parts {
        if p.claim != first.claim || p.seed != first.seed || p.config_hash != first.config_hash {
            return Err(Error::Results(format!(
                "parts disagree: {}/seed {}/config {:x} vs {}/seed {}/config {:x}",
                first.claim, first.seed, first.config_hash, p.claim, p.seed, p.config_hash
            )));
        }
    }
    let mut rows: Vec<ResultRow> = parts
        .iter_mut()
        .flat_map(|p| std::mem::take(&mut p.rows))
        .collect();
    // Stable sort keeps each replicate's own row order.
    rows.sort_by_key(|r| r.replicate);
    let mut seen: Vec<u64> = rows.iter().map(|r| r.replicate).collect();
    seen.dedup();
    if seen.len() as u64 != replicates || seen.iter().enumerate().any(|(i, &r)| i as u64 != r) {
        return Err(Error::Results(format!(
            "expected replicates 0..{replicates}, found {} distinct replicates",
            seen.len()
        )));
    }
    Ok(ResultTable { rows, ..first })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_parsing() {
        assert_eq!(Shard::parse("1/2").unwrap(), Shard { index: 1, count: 2 });
        assert!(Shard::parse("2/2").is_err());
        assert!(Shard::parse("x").is_err());
        assert!(Shard::parse("0/0").is_err());
    }

    use crate::montecarlo::checkpoint::ChunkPolicy;
    use crate::montecarlo::{Check, Verdict};
    use crate::rng::Rng;
    use rand::RngExt;
    use std::path::{Path, PathBuf};
    use std::time::Duration;

    /// Two rows per replicate with a replicate-dependent row count, so restoring must keep
    /// row order within and across replicates.
    struct Draws;

    impl Claim for Draws {
        fn name(&self) -> &'static str {
            "test-checkpoint-draws"
        }
        fn description(&self) -> String {
            "uniform draws".into()
        }
        fn prediction(&self) -> String {
            "none".into()
        }
        fn key_columns(&self) -> &'static [&'static str] {
            &["kind"]
        }
        fn value_columns(&self) -> &'static [&'static str] {
            &["u", "v"]
        }
        fn config(&self) -> serde_json::Value {
            serde_json::json!({"rows": "1 + r % 3"})
        }
        fn default_replicates(&self) -> u64 {
            30
        }
        fn replicate(&self, r: u64, rng: &mut Rng) -> Result<Vec<Observation>> {
            Ok((0..1 + r % 3)
                .map(|i| {
                    Observation::new(
                        [format!("k{i}é")],
                        vec![rng.random::<f64>(), -rng.random::<f64>()],
                    )
                })
                .collect())
        }
        fn verdict(&self, t: &ResultTable) -> Result<Verdict> {
            Ok(Verdict {
                claim: self.name().into(),
                replicates: t.n_replicates(),
                checks: vec![Check {
                    name: "rows".into(),
                    estimate: t.rows.len() as f64,
                    ci: (0.0, 0.0),
                    level: 0.95,
                    prediction: "any".into(),
                    pass: true,
                }],
            })
        }
    }

    fn tmp(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("veristat-checkpoint-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    fn every_replicate() -> ChunkPolicy {
        ChunkPolicy {
            every: Duration::ZERO,
            max_replicates: 1,
        }
    }

    fn chunk_files(dir: &Path) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "bin"))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn resumed_run_equals_uninterrupted_run_whatever_was_lost() {
        let cfg = RunConfig {
            seed: 3,
            replicates: 30,
            shard: Shard { index: 1, count: 2 },
        };
        let plain = run(&Draws, &cfg, &NoProgress).unwrap();
        let dir = tmp("resume");
        let id = || identity(&Draws, &cfg, Scale::Test);
        let ck = Checkpoint::open(&dir, id(), every_replicate(), false).unwrap();
        let (t, _) = run_resumable(&Draws, &cfg, &NoProgress, None, Some(&ck)).unwrap();
        assert_eq!(t, plain);
        // One chunk per replicate; lose some (a kill before they were written) and a
        // temporary of a write cut short.
        let files = chunk_files(&dir);
        assert_eq!(files.len(), 15);
        for f in [&files[0], &files[7], &files[14]] {
            std::fs::remove_file(f).unwrap();
        }
        std::fs::write(dir.join(".chunk-00099.bin.tmp-1"), b"half").unwrap();
        let ck = Checkpoint::open(&dir, id(), ChunkPolicy::default(), false).unwrap();
        assert_eq!(ck.restored(), (12, 12));
        assert!(!dir.join(".chunk-00099.bin.tmp-1").exists());
        let (t, _) = run_resumable(&Draws, &cfg, &NoProgress, None, Some(&ck)).unwrap();
        assert_eq!(t, plain);
        assert_eq!(t.content_hash(), plain.content_hash());
        // The three recomputed replicates went into one new chunk, numbered after the last
        // one left (chunk-00013).
        assert_eq!(
            chunk_files(&dir).last().unwrap().file_name().unwrap(),
            "chunk-00014.bin"
        );
        let ck = Checkpoint::open(&dir, id(), ChunkPolicy::default(), false).unwrap();
        assert_eq!(ck.restored(), (15, 13));
        ck.remove().unwrap();
        assert!(!dir.exists());
    }

    #[test]
    fn other_arguments_are_refused_naming_the_field_and_restart_discards() {
        let cfg = RunConfig::new(1, 6);
        let dir = tmp("mismatch");
        let ck = Checkpoint::open(
            &dir,
            identity(&Draws, &cfg, Scale::Test),
            every_replicate(),
            false,
        )
        .unwrap();
        run_resumable(&Draws, &cfg, &NoProgress, None, Some(&ck)).unwrap();
        let cases: [(RunConfig, Scale, &str); 4] = [
            (RunConfig::new(2, 6), Scale::Test, "seed"),
            (RunConfig::new(1, 7), Scale::Test, "replicates"),
            (RunConfig::new(1, 6), Scale::Quick, "scale"),
            (
                RunConfig {
                    shard: Shard { index: 0, count: 2 },
                    ..RunConfig::new(1, 6)
                },
                Scale::Test,
                "shard",
            ),
        ];
        for (other, scale, want) in cases {
            let id = identity(&Draws, &other, scale);
            match Checkpoint::open(&dir, id, every_replicate(), false) {
                Err(Error::CheckpointMismatch { field, .. }) => assert_eq!(field, want),
                Err(e) => panic!("{want}: {e}"),
                Ok(_) => panic!("{want}: accepted"),
            }
        }
        let mut id = identity(&Draws, &cfg, Scale::Test);
        id.git_sha = "0123456789ab".into();
        let err = Checkpoint::open(&dir, id.clone(), every_replicate(), false)
            .err()
            .unwrap();
        assert!(err.to_string().contains("git_sha"), "{err}");
        // A checkpoint opened for one run refuses to feed another.
        let ck = Checkpoint::open(&dir, id, every_replicate(), true).unwrap();
        assert_eq!(ck.restored(), (0, 0));
        let err = run_resumable(&Draws, &cfg, &NoProgress, None, Some(&ck)).unwrap_err();
        assert!(
            matches!(
                err,
                Error::CheckpointMismatch {
                    field: "git_sha",
                    ..
                }
            ),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_failed_chunk_write_stops_the_run_with_its_own_error() {
        let cfg = RunConfig::new(2, 40);
        let dir = tmp("unwritable");
        let id = identity(&Draws, &cfg, Scale::Test);
        let ck = Checkpoint::open(&dir, id, every_replicate(), false).unwrap();
        // The first chunk's name is taken by a folder, so its rename fails.
        std::fs::create_dir(dir.join("chunk-00000.bin")).unwrap();
        let err = run_resumable(&Draws, &cfg, &NoProgress, None, Some(&ck)).unwrap_err();
        assert!(
            matches!(&err, Error::Io { path, .. } if path.ends_with("chunk-00000.bin")),
            "{err}"
        );
        drop(ck);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn damaged_chunks_are_errors_naming_the_file() {
        let cfg = RunConfig::new(5, 4);
        let dir = tmp("damaged");
        let id = identity(&Draws, &cfg, Scale::Test);
        let ck = Checkpoint::open(&dir, id.clone(), every_replicate(), false).unwrap();
        run_resumable(&Draws, &cfg, &NoProgress, None, Some(&ck)).unwrap();
        let f = chunk_files(&dir)[1].clone();
        let mut bytes = std::fs::read(&f).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 1;
        std::fs::write(&f, &bytes).unwrap();
        let err = Checkpoint::open(&dir, id.clone(), every_replicate(), false)
            .err()
            .unwrap();
        assert!(
            matches!(&err, Error::Format { path, .. } if *path == f),
            "{err}"
        );
        std::fs::write(&f, &bytes[..10]).unwrap();
        assert!(Checkpoint::open(&dir, id, every_replicate(), false).is_err());
        assert!(ChunkPolicy::every_secs(-1.0).is_err());
        assert!(ChunkPolicy::every_secs(f64::NAN).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

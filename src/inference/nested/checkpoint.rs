//! Checkpoints of a nested-sampling run, so that a killed run (a Slurm preemption, a closed
//! laptop) resumed from its last checkpoint gives the same `ln Z`, samples and weights bit for
//! bit as an uninterrupted run with the same seed (dynesty's most requested feature: its issues
//! #374, #386, #405, #444).
//!
//! Why a resumed run is exact: an iteration reads and writes only the [`NestedState`] (live
//! points, evidence accumulators, counters, adaptive scale and budget, and the generator;
//! `state.rs`), the replacements' seeds are drawn in order from that generator, and the
//! clusters are rebuilt from the live points each iteration. A checkpoint is the whole state,
//! every `f64` stored as its IEEE-754 bits and the ChaCha generator as its key, stream and word
//! position, so restoring it restores the run exactly.
//!
//! A checkpoint is one JSON file written atomically ([`crate::fsutil::atomic_write`]: a
//! temporary sibling renamed into place), so whenever the process dies the file on disk is a
//! whole earlier checkpoint or absent. It records the run's configuration (the sampler's
//! settings, the dimension, where the caller's generator started, the caller's description of
//! the problem, the code version); a run with any of them changed refuses to resume with
//! [`Error::SamplerCheckpointMismatch`] naming the first that differs.

use super::batches::BatchCount;
use super::model::PriorModel;
use super::params::NestedSampler;
use super::result::{NestedResult, Sample};
use super::state::NestedState;
use crate::error::{Error, Result};
use crate::rng::Rng;
use rand_chacha::rand_core::SeedableRng;
use serde::{Deserialize, Serialize};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Layout version of the checkpoint file; a change refuses older checkpoints.
const FORMAT: u32 = 1;

/// Where and how often a run saves its state ([`NestedSampler::run_checkpointed`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpointing {
    /// The checkpoint file; a run resumes from it when it exists.
    pub path: PathBuf,
    /// Iterations between two writes (>= 1); the state is also written once the run stops.
    pub every: usize,
    /// What identifies the problem (data, likelihood, prior), so that a checkpoint of another
    /// problem is refused. The sampler's settings, the dimension and the generator's start are
    /// recorded without being named here.
    pub problem: String,
}

impl Checkpointing {
    /// Checkpoints in `path` every `every` iterations, for a problem described by `problem`.
    pub fn new(path: impl Into<PathBuf>, every: usize, problem: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            every,
            problem: problem.into(),
        }
    }

    fn check(&self) -> Result<()> {
        crate::error::check::at_least("checkpoint_every", self.every, 1).map(drop)
    }

    /// The configuration a saved state must match, field by field, in the order in which a
    /// difference is reported.
    fn config(&self, sampler: &NestedSampler, start: &Rng) -> Vec<(&'static str, String)> {
        let p = &sampler.params;
        vec![
            ("format", FORMAT.to_string()),
            ("problem", self.problem.clone()),
            ("dim", sampler.dim.to_string()),
            ("nlive", p.nlive.to_string()),
            ("walks", p.walks.to_string()),
            ("batch", p.batch.to_string()),
            ("dlogz", format!("{:#018x}", p.dlogz.to_bits())),
            ("max_calls", p.max_calls.to_string()),
            ("enlarge", format!("{:#018x}", p.enlarge.to_bits())),
            ("uniform_calls", p.uniform_calls.to_string()),
            ("rng_start", rng_text(start)),
            // The code version, as `montecarlo::runner::git_sha` reads it (not imported: the
            // runner depends on the claims, which depend on this sampler).
            (
                "git_sha",
                option_env!("VERISTAT_GIT_SHA")
                    .unwrap_or("unknown")
                    .to_string(),
            ),
        ]
    }

    /// The saved state, when the file exists and was made with this configuration; `None` when
    /// there is no file.
    fn load(&self, sampler: &NestedSampler, start: &Rng) -> Result<Option<NestedState>> {
        self.check()?;
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(&self.path, e)),
        };
        let damaged = |why: String| {
            Error::InvalidData(format!(
                "{}: not a nested-sampling checkpoint ({why}); delete it to start afresh",
                self.path.display()
            ))
        };
        let saved: Saved = serde_json::from_str(&text).map_err(|e| damaged(e.to_string()))?;
        let now = self.config(sampler, start);
        for (name, value) in &now {
            let old = saved
                .config
                .iter()
                .find(|(n, _)| n == name)
                .map_or("(absent)", |(_, v)| v.as_str());
            if old != value {
                return Err(Error::SamplerCheckpointMismatch {
                    path: self.path.clone(),
                    field: name,
                    saved: old.to_string(),
                    requested: value.clone(),
                });
            }
        }
        let state = saved.state.restore().map_err(damaged)?;
        let (n, d) = (sampler.params.nlive, sampler.dim);
        let whole = state.live_l.len() == n
            && state.live_u.len() == n
            && state.live_theta.len() == n
            && state.live_u.iter().all(|u| u.len() == d)
            && state
                .dead
                .iter()
                .all(|s| s.theta.len() == state.live_theta[0].len());
        if !whole {
            return Err(damaged(format!(
                "its live points are not {n} points of dimension {d}"
            )));
        }
        Ok(Some(state))
    }

    /// Write `state` atomically.
    fn save(&self, sampler: &NestedSampler, start: &Rng, state: &NestedState) -> Result<()> {
        let saved = Saved {
            config: self
                .config(sampler, start)
                .into_iter()
                .map(|(n, v)| (n.to_string(), v))
                .collect(),
            state: SavedState::of(state),
        };
        crate::fsutil::atomic_write(&self.path, |f| {
            let mut w = BufWriter::new(f);
            serde_json::to_writer(&mut w, &saved).map_err(|e| Error::io(&self.path, e.into()))?;
            w.flush().map_err(|e| Error::io(&self.path, e))
        })
    }

    /// Whether a state after `iterations` iterations is due to be written.
    fn due(&self, iterations: usize) -> bool {
        iterations.is_multiple_of(self.every)
    }
}

impl NestedSampler {
    /// [`NestedSampler::run`], resumed from `checkpoint.path` when that file exists, and
    /// writing the state there atomically every `checkpoint.every` iterations and when the run
    /// stops. A run killed at any moment and run again with the same arguments (`rng` as it was
    /// before the first run) returns the same result bit for bit as an uninterrupted run; a
    /// checkpoint of other settings, another problem or another start of `rng` is refused with
    /// [`Error::SamplerCheckpointMismatch`].
    pub fn run_checkpointed<M: PriorModel + ?Sized>(
        &self,
        model: &M,
        rng: &mut Rng,
        checkpoint: &Checkpointing,
    ) -> Result<NestedResult> {
        let start = rng.clone();
        let saved = checkpoint.load(self, &start)?;
        self.drive(model, rng, saved, |state, stopped| {
            if stopped || checkpoint.due(state.iterations) {
                checkpoint.save(self, &start, state)
            } else {
                Ok(())
            }
        })
    }
}

/// A generator's position: key (hex), stream and word position. ChaCha's output depends on
/// these alone, so `from_seed(key)`, `set_stream`, `set_word_pos` give back the same generator.
fn rng_text(r: &Rng) -> String {
    let key: String = r.get_seed().iter().map(|b| format!("{b:02x}")).collect();
    format!("{key}:{}:{}", r.get_stream(), r.get_word_pos())
}

fn rng_parse(s: &str) -> Option<Rng> {
    let mut parts = s.split(':');
    let (key, stream, pos) = (parts.next()?, parts.next()?, parts.next()?);
    if key.len() != 64 || parts.next().is_some() {
        return None;
    }
    let mut seed = [0u8; 32];
    for (i, b) in seed.iter_mut().enumerate() {
        *b = u8::from_str_radix(key.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    let mut r = Rng::from_seed(seed);
    r.set_stream(stream.parse().ok()?);
    r.set_word_pos(pos.parse().ok()?);
    Some(r)
}

/// The file: the configuration it was made with and the state.
#[derive(Serialize, Deserialize)]
struct Saved {
    config: Vec<(String, String)>,
    state: SavedState,
}

/// [`NestedState`] with every `f64` as its bits (JSON has no `-inf`, and bits are exact).
#[derive(Serialize, Deserialize)]
struct SavedState {
    live_u: Vec<Vec<u64>>,
    live_theta: Vec<Vec<u64>>,
    live_l: Vec<u64>,
    log_x: u64,
    log_z: u64,
    /// Per dead point: theta's bits, then `log_l`'s and `log_w`'s.
    dead: Vec<Vec<u64>>,
    scale: u64,
    uniform_budget: usize,
    iterations: usize,
    n_calls: u64,
    accepted: u64,
    proposed: u64,
    n_uniform: u64,
    max_clusters: usize,
    /// [`BatchCount`]: batches, points, walk batches, walk points.
    evaluated: [u64; 4],
    rng: String,
}

fn bits(xs: &[f64]) -> Vec<u64> {
    xs.iter().map(|x| x.to_bits()).collect()
}

fn floats(xs: &[u64]) -> Vec<f64> {
    xs.iter().map(|&b| f64::from_bits(b)).collect()
}

impl SavedState {
    fn of(s: &NestedState) -> Self {
        let e = &s.evaluated;
        Self {
            live_u: s.live_u.iter().map(|u| bits(u)).collect(),
            live_theta: s.live_theta.iter().map(|t| bits(t)).collect(),
            live_l: bits(&s.live_l),
            log_x: s.log_x.to_bits(),
            log_z: s.log_z.to_bits(),
            dead: s
                .dead
                .iter()
                .map(|d| {
                    let mut v = bits(&d.theta);
                    v.extend([d.log_l.to_bits(), d.log_w.to_bits()]);
                    v
                })
                .collect(),
            scale: s.scale.to_bits(),
            uniform_budget: s.uniform_budget,
            iterations: s.iterations,
            n_calls: s.n_calls,
            accepted: s.accepted,
            proposed: s.proposed,
            n_uniform: s.n_uniform,
            max_clusters: s.max_clusters,
            evaluated: [e.batches, e.points, e.walk_batches, e.walk_points],
            rng: rng_text(&s.rng),
        }
    }

    fn restore(self) -> std::result::Result<NestedState, String> {
        let rng = rng_parse(&self.rng).ok_or_else(|| format!("bad generator {:?}", self.rng))?;
        let dead = self
            .dead
            .iter()
            .map(|v| match v.len() {
                n if n >= 2 => Ok(Sample {
                    theta: floats(&v[..n - 2]),
                    log_l: f64::from_bits(v[n - 2]),
                    log_w: f64::from_bits(v[n - 1]),
                }),
                _ => Err("a dead point without its likelihood and weight".to_string()),
            })
            .collect::<std::result::Result<_, _>>()?;
        let [batches, points, walk_batches, walk_points] = self.evaluated;
        Ok(NestedState {
            live_u: self.live_u.iter().map(|u| floats(u)).collect(),
            live_theta: self.live_theta.iter().map(|t| floats(t)).collect(),
            live_l: floats(&self.live_l),
            log_x: f64::from_bits(self.log_x),
            log_z: f64::from_bits(self.log_z),
            dead,
            scale: f64::from_bits(self.scale),
            uniform_budget: self.uniform_budget,
            iterations: self.iterations,
            n_calls: self.n_calls,
            accepted: self.accepted,
            proposed: self.proposed,
            n_uniform: self.n_uniform,
            max_clusters: self.max_clusters,
            evaluated: BatchCount {
                batches,
                points,
                walk_batches,
                walk_points,
            },
            rng,
        })
    }
}

/// Read the state saved in `path` without checking its configuration (tests and tools that
/// inspect a checkpoint).
pub fn read_state(path: &Path) -> Result<NestedState> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let saved: Saved = serde_json::from_str(&text)
        .map_err(|e| Error::InvalidData(format!("{}: {e}", path.display())))?;
    saved
        .state
        .restore()
        .map_err(|e| Error::InvalidData(format!("{}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn generator_text_round_trips_mid_block() {
        let mut r = crate::rng::stream(5, "ckpt", 3);
        for _ in 0..7 {
            let _: u64 = r.random();
        }
        let mut back = rng_parse(&rng_text(&r)).unwrap();
        let a: Vec<u64> = (0..20).map(|_| r.random()).collect();
        let b: Vec<u64> = (0..20).map(|_| back.random()).collect();
        assert_eq!(a, b);
        assert!(rng_parse("00:1:2").is_none());
        assert!(rng_parse(&format!("{}:x:0", "0".repeat(64))).is_none());
    }
}

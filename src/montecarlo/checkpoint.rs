//! Checkpoints of a Monte Carlo run, so that a killed run (a Slurm preemption, a closed laptop)
//! rerun with the same arguments computes only the replicates it had not yet saved.
//!
//! A checkpoint is a folder (`OUT/.chunks-i-of-N`, `store::chunk_dir`) holding `manifest.json`, the
//! run's [`RunIdentity`], and chunk files `chunk-XXXXX.bin`, each holding the rows of some
//! completed replicates and written atomically ([`crate::fsutil::atomic_write`]), so a chunk is
//! on disk whole or not at all whenever the process dies. Replicate r's rows depend on
//! (seed, claim, r) alone ([`crate::rng::stream`]), so rows restored from chunks are exactly the
//! rows a rerun would compute, and a resumed table is bit-identical to an uninterrupted one
//! whatever the thread count and wherever the run was killed. A checkpoint of other arguments
//! or other code is refused ([`Error::CheckpointMismatch`]), never mixed in.
//!
//! Chunk file layout (all integers little-endian):
//! `b"VSCHUNK\0"`, format `u32`, the identity's fingerprint `u64`, key and value column counts
//! (`u32` each), replicate count `u64`; per replicate its index `u64` and row count `u32`, per
//! row each key as length `u32` + UTF-8 bytes and each value as its IEEE-754 bits `u64`; last,
//! the FNV-1a 64 of everything before it.

use super::ResultRow;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, mpsc};
use std::time::{Duration, Instant};

const MAGIC: &[u8; 8] = b"VSCHUNK\0";
/// Version of the manifest and chunk layout; a change refuses older checkpoints.
pub(crate) const FORMAT: u32 = 1;
const MANIFEST: &str = "manifest.json";

/// Everything that decides a run's rows: a checkpoint is resumed only by a run whose identity
/// is equal field by field. `runner::identity` gives a run's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunIdentity {
    /// Layout version of the checkpoint files.
    pub format: u32,
    /// Claim name.
    pub claim: String,
    /// `--scale`, as `Scale::name` writes it.
    pub scale: String,
    /// User seed.
    pub seed: u64,
    /// Total replicates over all shards.
    pub replicates: u64,
    /// `i/N`.
    pub shard: String,
    /// `runner::config_hash` of the claim, in hex.
    pub config_hash: String,
    /// `runner::git_sha` of the binary.
    pub git_sha: String,
    /// The claim's key columns.
    pub key_columns: Vec<String>,
    /// The claim's value columns.
    pub value_columns: Vec<String>,
}

impl RunIdentity {
    fn fingerprint(&self) -> u64 {
        crate::rng::fnv1a64(
            serde_json::to_string(self)
                .expect("identity serializes")
                .as_bytes(),
        )
    }

    /// The first field where `self` (saved) and `now` differ: (name, saved, now).
    fn first_difference(&self, now: &Self) -> Option<(&'static str, String, String)> {
        let cols = |k: &[String], v: &[String]| format!("{k:?} {v:?}");
        let fields = [
            ("format", self.format.to_string(), now.format.to_string()),
            ("claim", self.claim.clone(), now.claim.clone()),
            ("scale", self.scale.clone(), now.scale.clone()),
            ("seed", self.seed.to_string(), now.seed.to_string()),
            (
                "replicates",
                self.replicates.to_string(),
                now.replicates.to_string(),
            ),
            ("shard", self.shard.clone(), now.shard.clone()),
            (
                "config_hash",
                self.config_hash.clone(),
                now.config_hash.clone(),
            ),
            ("git_sha", self.git_sha.clone(), now.git_sha.clone()),
            (
                "columns",
                cols(&self.key_columns, &self.value_columns),
                cols(&now.key_columns, &now.value_columns),
            ),
        ];
        fields.into_iter().find(|(_, a, b)| a != b)
    }
}

/// When completed replicates are written out: a chunk is written once `every` has passed since
/// the last one or `max_replicates` are waiting, whichever comes first. The time bound keeps the
/// checkpoint's cost (one file and one fsync per chunk) a small share of the compute and bounds
/// the work a kill loses; the count bound keeps a chunk's size in check when replicates are fast.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChunkPolicy {
    /// Longest time completed replicates wait before they are written.
    pub every: Duration,
    /// Most replicates in one chunk.
    pub max_replicates: u64,
}

impl Default for ChunkPolicy {
    /// A chunk every 2 s or every 10 000 replicates.
    fn default() -> Self {
        Self {
            every: Duration::from_secs(2),
            max_replicates: 10_000,
        }
    }
}

impl ChunkPolicy {
    /// A chunk every `secs` seconds (0: after every replicate) and the default count bound.
    pub fn every_secs(secs: f64) -> Result<Self> {
        let every = Duration::try_from_secs_f64(secs)
            .map_err(|_| Error::param("checkpoint-secs", secs, "must be finite and >= 0"))?;
        Ok(Self {
            every,
            ..Self::default()
        })
    }
}

struct Pending {
    /// Encoded replicate records waiting for the next chunk.
    bytes: Vec<u8>,
    count: u64,
    since: Instant,
    next_chunk: u64,
}

/// How a chunk file is laid out for one run (see the module documentation).
#[derive(Clone)]
struct ChunkFile {
    dir: PathBuf,
    fingerprint: u64,
    nk: u32,
    nv: u32,
}

impl ChunkFile {
    fn write(&self, seq: u64, count: u64, records: &[u8]) -> Result<()> {
        let mut buf = Vec::with_capacity(records.len() + 48);
        buf.extend_from_slice(MAGIC);
        buf.extend_from_slice(&FORMAT.to_le_bytes());
        buf.extend_from_slice(&self.fingerprint.to_le_bytes());
        buf.extend_from_slice(&self.nk.to_le_bytes());
        buf.extend_from_slice(&self.nv.to_le_bytes());
        buf.extend_from_slice(&count.to_le_bytes());
        buf.extend_from_slice(records);
        let sum = crate::rng::fnv1a64(&buf);
        buf.extend_from_slice(&sum.to_le_bytes());
        let path = self.dir.join(format!("chunk-{seq:05}.bin"));
        crate::fsutil::atomic_write(&path, |f| {
            f.write_all(&buf).map_err(|e| Error::io(&path, e))
        })
    }
}

/// A request to the writer thread.
enum Job {
    Chunk {
        seq: u64,
        count: u64,
        records: Vec<u8>,
    },
    /// Answered once every earlier chunk is on disk.
    Sync(mpsc::Sender<()>),
}

/// One background thread writes the chunks, so that a slow fsync (a busy disk, a cluster's
/// network file system) never holds up a worker computing replicates.
struct Writer {
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// The first failed write; the thread writes nothing after it.
    error: Arc<Mutex<Option<Error>>>,
    failed: Arc<AtomicBool>,
}

impl Writer {
    fn spawn(file: ChunkFile) -> Result<Self> {
        let (jobs, rx) = mpsc::channel::<Job>();
        let error: Arc<Mutex<Option<Error>>> = Arc::default();
        let failed: Arc<AtomicBool> = Arc::default();
        let (err, fail, dir) = (error.clone(), failed.clone(), file.dir.clone());
        let thread = std::thread::Builder::new()
            .name("veristat-checkpoint".into())
            .spawn(move || {
                for job in rx {
                    match job {
                        Job::Chunk {
                            seq,
                            count,
                            records,
                        } if !fail.load(Ordering::Acquire) => {
                            if let Err(e) = file.write(seq, count, &records) {
                                *lock(&err) = Some(e);
                                fail.store(true, Ordering::Release);
                            }
                        }
                        Job::Chunk { .. } => {}
                        Job::Sync(done) => {
                            let _ = done.send(());
                        }
                    }
                }
            })
            .map_err(|e| Error::io(dir, e))?;
        Ok(Self {
            jobs: Mutex::new(Some(jobs)),
            thread: Mutex::new(Some(thread)),
            error,
            failed,
        })
    }

    fn send(&self, job: Job) -> Result<()> {
        let stopped = || Error::Results("the checkpoint writer thread stopped".into());
        lock(&self.jobs)
            .as_ref()
            .ok_or_else(stopped)?
            .send(job)
            .map_err(|_| stopped())
    }

    /// Wait until every chunk sent is written; the first failed write, if any.
    fn sync(&self) -> Result<()> {
        let (tx, rx) = mpsc::channel();
        self.send(Job::Sync(tx))?;
        rx.recv()
            .map_err(|_| Error::Results("the checkpoint writer thread stopped".into()))?;
        lock(&self.error).take().map_or(Ok(()), Err)
    }

    /// Let the thread write what it was sent, and end it.
    fn stop(&self) {
        drop(lock(&self.jobs).take());
        if let Some(t) = lock(&self.thread).take() {
            let _ = t.join();
        }
    }
}

/// A run's checkpoint folder, opened for resuming and for saving completed replicates; shared by
/// the rayon workers of `runner::run_resumable`.
pub struct Checkpoint {
    dir: PathBuf,
    identity: RunIdentity,
    policy: ChunkPolicy,
    restored: Mutex<BTreeMap<u64, Vec<ResultRow>>>,
    restored_count: usize,
    restored_chunks: usize,
    pending: Mutex<Pending>,
    writer: Writer,
}

impl Drop for Checkpoint {
    /// Chunks already handed to the writer reach the disk even when the run stops on an error.
    fn drop(&mut self) {
        self.writer.stop();
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A worker that panicked mid-record leaves whole records behind (they are appended in one
    // call), so the data stay usable.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn corrupt(path: &Path, what: impl Into<String>) -> Error {
    Error::Format {
        path: path.to_path_buf(),
        message: format!(
            "damaged checkpoint chunk ({}); discard the checkpoint (veristat verify --restart)",
            what.into()
        ),
    }
}

impl Checkpoint {
    /// Open (or create) the checkpoint in `dir` for a run of identity `identity`, restoring the
    /// replicates its chunks hold. `restart` discards whatever is there first. Chunks of a run
    /// with another identity are an [`Error::CheckpointMismatch`] naming the first field that
    /// differs; a damaged chunk is an [`Error::Format`] naming the file. Temporaries of chunk
    /// writes cut short by a kill are removed.
    pub fn open(
        dir: &Path,
        identity: RunIdentity,
        policy: ChunkPolicy,
        restart: bool,
    ) -> Result<Self> {
        if restart && dir.exists() {
            std::fs::remove_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let mut chunks: Vec<(u64, PathBuf)> = Vec::new();
        for e in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
            let path = e.map_err(|e| Error::io(dir, e))?.path();
            let name = path
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.starts_with('.') && name.contains(".tmp-") {
                std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
            } else if let Some(seq) = name
                .strip_prefix("chunk-")
                .and_then(|s| s.strip_suffix(".bin"))
                .and_then(|s| s.parse::<u64>().ok())
            {
                chunks.push((seq, path));
            }
        }
        chunks.sort();
        let manifest = dir.join(MANIFEST);
        let saved: Option<RunIdentity> = match std::fs::read_to_string(&manifest) {
            Ok(text) => match serde_json::from_str(&text) {
                Ok(id) => Some(id),
                // A manifest of another layout beside chunks is a mismatch of `format`;
                // alone, it is simply replaced.
                Err(_) if chunks.is_empty() => None,
                Err(_) => {
                    return Err(Error::CheckpointMismatch {
                        dir: dir.to_path_buf(),
                        field: "format",
                        saved: "an unreadable manifest".into(),
                        requested: FORMAT.to_string(),
                    });
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io(&manifest, e)),
        };
        if !chunks.is_empty()
            && let Some((field, was, now)) =
                saved.as_ref().and_then(|s| s.first_difference(&identity))
        {
            return Err(Error::CheckpointMismatch {
                dir: dir.to_path_buf(),
                field,
                saved: was,
                requested: now,
            });
        }
        if saved.as_ref() != Some(&identity) {
            let json = serde_json::to_string_pretty(&identity).expect("identity serializes");
            crate::fsutil::atomic_write(&manifest, |f| {
                f.write_all(json.as_bytes())
                    .map_err(|e| Error::io(&manifest, e))
            })?;
        }
        let fingerprint = identity.fingerprint();
        let (nk, nv) = (identity.key_columns.len(), identity.value_columns.len());
        let mut restored: BTreeMap<u64, Vec<ResultRow>> = BTreeMap::new();
        for (_, path) in &chunks {
            let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
            for (r, rows) in decode_chunk(&bytes, fingerprint, nk, nv, path)? {
                match restored.get(&r) {
                    Some(old) if *old != rows => {
                        return Err(corrupt(
                            path,
                            format!("replicate {r} differs from an earlier chunk's"),
                        ));
                    }
                    _ => {
                        restored.insert(r, rows);
                    }
                }
            }
        }
        let writer = Writer::spawn(ChunkFile {
            dir: dir.to_path_buf(),
            fingerprint,
            nk: nk as u32,
            nv: nv as u32,
        })?;
        Ok(Self {
            dir: dir.to_path_buf(),
            identity,
            policy,
            restored_count: restored.len(),
            restored_chunks: chunks.len(),
            restored: Mutex::new(restored),
            pending: Mutex::new(Pending {
                bytes: Vec::new(),
                count: 0,
                since: Instant::now(),
                next_chunk: chunks.last().map_or(0, |c| c.0 + 1),
            }),
            writer,
        })
    }

    /// The checkpoint folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The identity of the run this checkpoint belongs to.
    pub fn identity(&self) -> &RunIdentity {
        &self.identity
    }

    /// How many replicates, from how many chunks, were restored when it was opened.
    pub fn restored(&self) -> (usize, usize) {
        (self.restored_count, self.restored_chunks)
    }

    /// An [`Error::CheckpointMismatch`] naming the first field where `now` differs from the
    /// identity the checkpoint was opened with.
    pub fn check(&self, now: &RunIdentity) -> Result<()> {
        match self.identity.first_difference(now) {
            None => Ok(()),
            Some((field, saved, requested)) => Err(Error::CheckpointMismatch {
                dir: self.dir.clone(),
                field,
                saved,
                requested,
            }),
        }
    }

    /// The restored replicates' rows (by replicate), handed over once.
    pub(crate) fn take_restored(&self) -> BTreeMap<u64, Vec<ResultRow>> {
        std::mem::take(&mut *lock(&self.restored))
    }

    /// Save replicate `replicate`'s rows: appended to the pending chunk, which is handed to the
    /// writer thread when the [`ChunkPolicy`] says so. Fails once a chunk could not be written
    /// ([`Self::flush`] then says why).
    pub fn record(&self, replicate: u64, rows: &[ResultRow]) -> Result<()> {
        if self.writer.failed.load(Ordering::Acquire) {
            return Err(Error::Results(format!(
                "a checkpoint chunk in {} could not be written",
                self.dir.display()
            )));
        }
        let mut rec = Vec::new();
        encode_replicate(&mut rec, replicate, rows);
        let due = {
            let mut p = lock(&self.pending);
            p.bytes.extend_from_slice(&rec);
            p.count += 1;
            if p.count >= self.policy.max_replicates || p.since.elapsed() >= self.policy.every {
                Some(take_pending(&mut p))
            } else {
                None
            }
        };
        match due {
            Some(job) => self.writer.send(job),
            None => Ok(()),
        }
    }

    /// Write whatever is pending as a chunk and wait until every chunk is on disk; the first
    /// write that failed, if any.
    pub fn flush(&self) -> Result<()> {
        let due = {
            let mut p = lock(&self.pending);
            (p.count > 0).then(|| take_pending(&mut p))
        };
        if let Some(job) = due {
            self.writer.send(job)?;
        }
        self.writer.sync()
    }

    /// Remove the checkpoint folder: called once the run's part is written, which holds
    /// everything the chunks did.
    pub fn remove(self) -> Result<()> {
        self.writer.stop();
        std::fs::remove_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e))
    }
}

fn take_pending(p: &mut Pending) -> Job {
    let seq = p.next_chunk;
    p.next_chunk += 1;
    p.since = Instant::now();
    Job::Chunk {
        seq,
        count: std::mem::take(&mut p.count),
        records: std::mem::take(&mut p.bytes),
    }
}

fn encode_replicate(out: &mut Vec<u8>, replicate: u64, rows: &[ResultRow]) {
    out.extend_from_slice(&replicate.to_le_bytes());
    out.extend_from_slice(&(rows.len() as u32).to_le_bytes());
    for row in rows {
        for k in &row.key {
            out.extend_from_slice(&(k.len() as u32).to_le_bytes());
            out.extend_from_slice(k.as_bytes());
        }
        for v in &row.values {
            out.extend_from_slice(&v.to_bits().to_le_bytes());
        }
    }
}

/// Reads a chunk's bytes front to back; every short read is a damaged chunk.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
    path: &'a Path,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| corrupt(self.path, format!("truncated at byte {}", self.at)))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
}

fn decode_chunk(
    bytes: &[u8],
    fingerprint: u64,
    nk: usize,
    nv: usize,
    path: &Path,
) -> Result<Vec<(u64, Vec<ResultRow>)>> {
    if bytes.len() < MAGIC.len() + 8 || &bytes[..MAGIC.len()] != MAGIC {
        return Err(corrupt(path, "not a veristat chunk"));
    }
    let (body, sum) = bytes.split_at(bytes.len() - 8);
    if crate::rng::fnv1a64(body).to_le_bytes() != sum {
        return Err(corrupt(path, "checksum mismatch"));
    }
    let mut c = Cursor {
        bytes: body,
        at: MAGIC.len(),
        path,
    };
    let format = c.u32()?;
    let fp = c.u64()?;
    if format != FORMAT || fp != fingerprint {
        // The manifest (if any) agreed with this run, so this chunk was written by another.
        return Err(Error::CheckpointMismatch {
            dir: path.to_path_buf(),
            field: "fingerprint",
            saved: format!("{fp:016x}"),
            requested: format!("{fingerprint:016x}"),
        });
    }
    if c.u32()? as usize != nk || c.u32()? as usize != nv {
        return Err(corrupt(path, "column counts differ from the manifest's"));
    }
    let count = c.u64()?;
    let mut out = Vec::new();
    for _ in 0..count {
        let replicate = c.u64()?;
        let n_rows = c.u32()?;
        let mut rows = Vec::new();
        for _ in 0..n_rows {
            let mut key = Vec::with_capacity(nk);
            for _ in 0..nk {
                let len = c.u32()? as usize;
                let s = std::str::from_utf8(c.take(len)?)
                    .map_err(|_| corrupt(path, "a key is not UTF-8"))?;
                key.push(s.to_string());
            }
            let mut values = Vec::with_capacity(nv);
            for _ in 0..nv {
                values.push(f64::from_bits(c.u64()?));
            }
            rows.push(ResultRow {
                replicate,
                key,
                values,
            });
        }
        out.push((replicate, rows));
    }
    if c.at != body.len() {
        return Err(corrupt(path, "trailing bytes"));
    }
    Ok(out)
}

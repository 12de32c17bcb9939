//! `veristat verify`, `veristat merge`, `veristat claims`.

use super::{Bars, Format, print_json, print_table};
use clap::Args;
use std::path::PathBuf;
use veristat::device::{DeviceChoice, Resolved};
use veristat::montecarlo::checkpoint::{Checkpoint, ChunkPolicy};
use veristat::montecarlo::{RunConfig, Scale, Shard, Verdict, runner, store};
use veristat::{Error, Result, claims};

/// Grid size of a claim run.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ScaleArg {
    /// Seconds (what the tests run).
    Test,
    /// Minutes (what the report runs; the echo searches are the longest).
    Quick,
    /// The spec's full design.
    Full,
}

impl From<ScaleArg> for Scale {
    fn from(s: ScaleArg) -> Self {
        match s {
            ScaleArg::Test => Scale::Test,
            ScaleArg::Quick => Scale::Quick,
            ScaleArg::Full => Scale::Full,
        }
    }
}

/// Run a claim's Monte Carlo (or one shard of it) and write `part-i-of-N.parquet`. Completed
/// replicates are checkpointed in `OUT/.chunks-i-of-N` as they finish; rerun with the same
/// arguments after a kill, it computes only what is missing (and gives the same table).
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Claim name (`veristat claims` lists them).
    pub claim: String,
    /// Total replicates over all shards [default: the claim's own].
    #[arg(long)]
    pub replicates: Option<u64>,
    /// Seed; replicate r uses stream r of the generator keyed by (seed, claim).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Run only replicates r with r % N == i (e.g. a Slurm array task: --shard $SLURM_ARRAY_TASK_ID/N).
    #[arg(long, default_value = "0/1")]
    pub shard: String,
    /// Output folder [default: results/<claim>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Size of the grid.
    #[arg(long, value_enum, default_value = "full")]
    pub scale: ScaleArg,
    /// Output format of the verdict.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Device: auto (CUDA when a usable GPU is found, else the CPU), cpu, or cuda (an error
    /// without a GPU). The device used is printed on stderr.
    #[arg(long, default_value = "auto", value_name = "auto|cpu|cuda")]
    pub device: DeviceChoice,
    /// Discard the checkpoint of an earlier run of this shard (needed when its arguments or
    /// the binary differ) instead of resuming from it.
    #[arg(long)]
    pub restart: bool,
    /// Longest time completed replicates wait before they are checkpointed (0: after each).
    #[arg(long, default_value_t = 2.0, value_name = "SECONDS")]
    pub checkpoint_secs: f64,
}

/// Combine the shards in a folder and print the verdict.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Folder holding part-i-of-N.parquet files.
    pub dir: PathBuf,
    /// Total replicates the parts were run with [default: inferred].
    #[arg(long)]
    pub replicates: Option<u64>,
    /// Size of the grid the parts were run with [default: what the parts record]; given, it
    /// must agree with the parts.
    #[arg(long, value_enum)]
    pub scale: Option<ScaleArg>,
    /// Output format of the verdict.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// Prints the verdict; `content_hash` is the table's `ResultTable::content_hash`.
pub fn print_verdict(v: &Verdict, content_hash: &str, format: Format) -> Result<()> {
    match format {
        Format::Json => {
            let mut j = serde_json::to_value(v).expect("verdict serializes");
            j["content_hash"] = serde_json::Value::String(content_hash.to_string());
            let open = unbounded_ends(v);
            super::print_json_optional(&j, &open.iter().map(String::as_str).collect::<Vec<_>>())
        }
        Format::Table => {
            let rows: Vec<Vec<String>> = v
                .checks
                .iter()
                .map(|c| {
                    vec![
                        c.name.clone(),
                        format!("{:.6}", c.estimate),
                        format!("[{}, {}]", ci_end(c.ci.0), ci_end(c.ci.1)),
                        c.prediction.clone(),
                        if c.pass { "PASS".into() } else { "FAIL".into() },
                    ]
                })
                .collect();
            println!(
                "claim {} ({} replicates): {}",
                v.claim,
                v.replicates,
                if v.pass() { "PASS" } else { "FAIL" }
            );
            print_table(
                &["check", "estimate", "interval", "theory", "verdict"],
                &rows,
            )?;
            println!("content_hash {content_hash}");
            Ok(())
        }
    }
}

/// The JSON paths of a verdict's one-sided intervals' infinite ends (an upper bound of +inf, a
/// lower bound of -inf): unbounded by design, so JSON shows them as `null` and the output guard
/// lets exactly these through; a NaN anywhere is still refused.
fn unbounded_ends(v: &Verdict) -> Vec<String> {
    let mut paths = Vec::new();
    for (i, c) in v.checks.iter().enumerate() {
        if c.ci.0 == f64::NEG_INFINITY {
            paths.push(format!("checks[{i}].ci[0]"));
        }
        if c.ci.1 == f64::INFINITY {
            paths.push(format!("checks[{i}].ci[1]"));
        }
    }
    paths
}

/// An interval end for the table: an unbounded end is `∞` (the table guard refuses `inf`).
fn ci_end(x: f64) -> String {
    if x == f64::INFINITY {
        "∞".into()
    } else if x == f64::NEG_INFINITY {
        "-∞".into()
    } else {
        format!("{x:.6}")
    }
}

pub fn verify(a: VerifyArgs) -> Result<()> {
    let claim = claims::find(&a.claim, a.scale.into())?;
    let shard = Shard::parse(&a.shard)?;
    let replicates = a.replicates.unwrap_or_else(|| claim.default_replicates());
    let cfg = RunConfig {
        seed: a.seed,
        replicates,
        shard,
    };
    let out = a
        .out
        .unwrap_or_else(|| PathBuf::from("results").join(claim.name()));
    if replicates == 0 {
        return Err(Error::param("replicates", 0, "must be >= 1"));
    }
    let (dev, kernels) = super::device(a.device)?;
    match (&dev, claim.offload()) {
        (Resolved::Cuda(name), Some(o)) => {
            eprintln!(
                "device: cuda ({name}) for {}: {}",
                claim.name(),
                o.describe()
            )
        }
        _ => eprintln!(
            "{}",
            super::cpu_line(&dev, &format!("claim {}", claim.name()))
        ),
    }
    let scale: Scale = a.scale.into();
    let checkpoint = Checkpoint::open(
        &store::chunk_dir(&out, shard),
        runner::identity(claim.as_ref(), &cfg, scale),
        ChunkPolicy::every_secs(a.checkpoint_secs)?,
        a.restart,
    )?;
    match checkpoint.restored() {
        (0, _) => {}
        (reps, chunks) => eprintln!(
            "resuming: {reps} replicates restored from {chunks} chunks in {}",
            checkpoint.dir().display()
        ),
    }
    let bars = Bars::new();
    let (table, _) = runner::run_resumable(
        claim.as_ref(),
        &cfg,
        &bars,
        kernels.as_ref(),
        Some(&checkpoint),
    )?;
    let path = store::part_path(&out, shard);
    let info = store::PartInfo {
        scale,
        replicates,
        shard,
    };
    store::write_part(&table, info, &path)?;
    checkpoint.remove()?;
    eprintln!("wrote {} ({} rows)", path.display(), table.rows.len());
    if shard.count == 1 {
        print_verdict(&claim.verdict(&table)?, &table.content_hash(), a.format)?;
    } else {
        eprintln!(
            "shard {}/{}: run `veristat merge {}` when all shards are done",
            shard.index,
            shard.count,
            out.display()
        );
    }
    Ok(())
}

pub fn merge(a: MergeArgs) -> Result<()> {
    let merged = store::merge_parts(&a.dir, a.replicates)?;
    let flag = a.scale.map(Scale::from);
    let scale = match (merged.scale, flag) {
        (Some(parts), Some(flag)) if parts != flag => {
            return Err(Error::param(
                "scale",
                flag.name(),
                format!("the parts were made with --scale {}", parts.name()),
            ));
        }
        (Some(s), _) | (None, Some(s)) => s,
        // Parts written before they recorded their scale.
        (None, None) => Scale::Full,
    };
    let table = merged.table;
    let claim = claims::find(&table.claim, scale)?;
    if runner::config_hash(claim.as_ref()) != table.config_hash {
        return Err(Error::Results(format!(
            "parts were made with a different configuration of {} than --scale {} gives",
            table.claim,
            scale.name()
        )));
    }
    let path = a.dir.join("merged.parquet");
    let info = store::PartInfo {
        scale,
        replicates: merged.replicates,
        shard: Shard::ALL,
    };
    store::write_part(&table, info, &path)?;
    eprintln!(
        "wrote {} ({} rows, {} replicates)",
        path.display(),
        table.rows.len(),
        table.n_replicates()
    );
    print_verdict(&claim.verdict(&table)?, &table.content_hash(), a.format)
}

/// List the claims.
#[derive(Debug, Args)]
pub struct ClaimsArgs {
    /// Output format: table is one line per claim.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

pub fn list(a: ClaimsArgs) -> Result<()> {
    let all = claims::all(Scale::Full);
    if a.format == Format::Json {
        let v: Vec<serde_json::Value> = all
            .iter()
            .map(|c| {
                serde_json::json!({
                    "name": c.name(),
                    "description": c.description(),
                    "default_replicates": c.default_replicates(),
                })
            })
            .collect();
        return print_json(&serde_json::Value::Array(v));
    }
    for c in all {
        println!(
            "{:<28} {} (default {} replicates)",
            c.name(),
            c.description(),
            c.default_replicates()
        );
    }
    Ok(())
}

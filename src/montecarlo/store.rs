//! Result tables on disk: one Parquet file per shard (`part-i-of-N.parquet`), written atomically,
//! and `merge` to combine them. Columns: `claim`, `seed`, `replicate`, `git_sha`, `config_hash`,
//! then the claim's key columns (strings) and value columns (f64). A part also records the run
//! that made it ([`PartInfo`]: scale, total replicates, shard) in the file's key-value metadata,
//! so a merge needs no arguments repeated.

use super::{ResultRow, ResultTable, Scale, Shard, runner};
use crate::data::parquet_guard;
use crate::error::{Error, Result};
use polars::prelude::*;
use std::path::{Path, PathBuf};

const FIXED: [&str; 5] = ["claim", "seed", "replicate", "git_sha", "config_hash"];

fn fmt_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Format {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// File name of a shard's part.
pub fn part_path(dir: &Path, shard: Shard) -> PathBuf {
    dir.join(format!("part-{}-of-{}.parquet", shard.index, shard.count))
}

/// The checkpoint folder ([`super::checkpoint`]) of a shard's run writing its part into `dir`;
/// removed once the part is written.
pub fn chunk_dir(dir: &Path, shard: Shard) -> PathBuf {
    dir.join(format!(".chunks-{}-of-{}", shard.index, shard.count))
}

fn to_frame(t: &ResultTable) -> PolarsResult<DataFrame> {
    let n = t.rows.len();
    let mut cols: Vec<Column> = vec![
        Column::new("claim".into(), vec![t.claim.as_str(); n]),
        Column::new("seed".into(), vec![t.seed; n]),
        Column::new(
            "replicate".into(),
            t.rows.iter().map(|r| r.replicate).collect::<Vec<u64>>(),
        ),
        Column::new("git_sha".into(), vec![t.git_sha.as_str(); n]),
        Column::new("config_hash".into(), vec![t.config_hash; n]),
    ];
    for (i, k) in t.key_columns.iter().enumerate() {
        cols.push(Column::new(
            k.as_str().into(),
            t.rows
                .iter()
                .map(|r| r.key[i].as_str())
                .collect::<Vec<&str>>(),
        ));
    }
    for (j, v) in t.value_columns.iter().enumerate() {
        cols.push(Column::new(
            v.as_str().into(),
            t.rows.iter().map(|r| r.values[j]).collect::<Vec<f64>>(),
        ));
    }
    DataFrame::new(n, cols)
}

/// What a part records about the run that made it, beside its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartInfo {
    /// The `--scale` the claim was built at (its configuration follows from it).
    pub scale: Scale,
    /// Total replicates over all shards.
    pub replicates: u64,
    /// Which shard the part holds ([`Shard::ALL`] for a merged table).
    pub shard: Shard,
}

const META_SCALE: &str = "veristat.scale";
const META_REPLICATES: &str = "veristat.replicates";
const META_SHARD: &str = "veristat.shard";

impl PartInfo {
    fn to_metadata(self) -> KeyValueMetadata {
        KeyValueMetadata::from_static(vec![
            (META_SCALE.into(), self.scale.name().into()),
            (META_REPLICATES.into(), self.replicates.to_string()),
            (
                META_SHARD.into(),
                format!("{}/{}", self.shard.index, self.shard.count),
            ),
        ])
    }

    /// The info in a file's metadata; `None` for parts written before it was recorded.
    fn from_metadata<'a>(
        get: impl Fn(&str) -> Option<&'a str>,
        path: &Path,
    ) -> Result<Option<Self>> {
        let (Some(scale), Some(replicates), Some(shard)) =
            (get(META_SCALE), get(META_REPLICATES), get(META_SHARD))
        else {
            return Ok(None);
        };
        let bad = |what: &str, v: &str| fmt_err(path, format!("bad {what} `{v}` in metadata"));
        Ok(Some(Self {
            scale: Scale::from_name(scale).map_err(|_| bad(META_SCALE, scale))?,
            replicates: replicates
                .parse()
                .map_err(|_| bad(META_REPLICATES, replicates))?,
            shard: Shard::parse(shard).map_err(|_| bad(META_SHARD, shard))?,
        }))
    }
}

/// Write a table as Parquet; the file appears whole or not at all.
pub fn write(table: &ResultTable, path: &Path) -> Result<()> {
    write_with(table, None, path)
}

/// [`write()`] recording `info` in the file's metadata, as `veristat verify` writes its parts.
pub fn write_part(table: &ResultTable, info: PartInfo, path: &Path) -> Result<()> {
    write_with(table, Some(info), path)
}

fn write_with(table: &ResultTable, info: Option<PartInfo>, path: &Path) -> Result<()> {
    let mut df = to_frame(table).map_err(|e| fmt_err(path, e))?;
    crate::fsutil::atomic_write(path, |f| {
        ParquetWriter::new(f)
            .with_key_value_metadata(info.map(PartInfo::to_metadata))
            .finish(&mut df)
            .map(|_| ())
            .map_err(|e| fmt_err(path, e))
    })
}

/// Read a table written by [`write()`]. Key and value columns are told apart by dtype.
pub fn read(path: &Path) -> Result<ResultTable> {
    Ok(read_part(path)?.0)
}

/// Read a table and the [`PartInfo`] [`write_part`] recorded (`None` when there is none).
pub fn read_part(path: &Path) -> Result<(ResultTable, Option<PartInfo>)> {
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut reader = ParquetReader::new(f);
    let meta = parquet_guard(path, || reader.get_metadata().cloned())?;
    let kv = meta.key_value_metadata.as_deref().unwrap_or_default();
    let info = PartInfo::from_metadata(
        |key| {
            kv.iter()
                .find(|e| e.key == key)
                .and_then(|e| e.value.as_deref())
        },
        path,
    )?;
    let df = parquet_guard(path, || reader.finish())?;
    let get = |name: &str| df.column(name).map_err(|e| fmt_err(path, e));
    let n = df.height();
    if n == 0 {
        return Err(Error::Results(format!("{} has no rows", path.display())));
    }
    let claim = get("claim")?
        .str()
        .map_err(|e| fmt_err(path, e))?
        .get(0)
        .unwrap_or_default()
        .to_string();
    let seed = get("seed")?
        .u64()
        .map_err(|e| fmt_err(path, e))?
        .get(0)
        .unwrap_or_default();
    let git_sha = get("git_sha")?
        .str()
        .map_err(|e| fmt_err(path, e))?
        .get(0)
        .unwrap_or_default()
        .to_string();
    let config_hash = get("config_hash")?
        .u64()
        .map_err(|e| fmt_err(path, e))?
        .get(0)
        .unwrap_or_default();
    let reps: Vec<u64> = get("replicate")?
        .u64()
        .map_err(|e| fmt_err(path, e))?
        .into_no_null_iter()
        .collect();
    let mut key_columns = Vec::new();
    let mut value_columns = Vec::new();
    let mut keys: Vec<Vec<String>> = Vec::new();
    let mut vals: Vec<Vec<f64>> = Vec::new();
    for c in df.columns() {
        let name = c.name().to_string();
        if FIXED.contains(&name.as_str()) {
            continue;
        }
        match c.dtype() {
            DataType::String => {
                key_columns.push(name);
                let ca = c.str().map_err(|e| fmt_err(path, e))?;
                keys.push(
                    ca.iter()
                        .map(|s| s.unwrap_or_default().to_string())
                        .collect(),
                );
            }
            DataType::Float64 => {
                value_columns.push(name);
                vals.push(
                    c.f64()
                        .map_err(|e| fmt_err(path, e))?
                        .into_no_null_iter()
                        .collect(),
                );
            }
            other => {
                return Err(Error::Results(format!(
                    "{}: unexpected column {name}: {other}",
                    path.display()
                )));
            }
        }
    }
    let rows = (0..n)
        .map(|i| ResultRow {
            replicate: reps[i],
            key: keys.iter().map(|k| k[i].clone()).collect(),
            values: vals.iter().map(|v| v[i]).collect(),
        })
        .collect();
    Ok((
        ResultTable {
            claim,
            seed,
            config_hash,
            git_sha,
            key_columns,
            value_columns,
            rows,
        },
        info,
    ))
}

/// The parts of a folder combined, with what they record about their run.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// All rows in replicate order.
    pub table: ResultTable,
    /// The scale the parts were made at (`None` for parts that do not record it).
    pub scale: Option<Scale>,
    /// Total replicates.
    pub replicates: u64,
}

/// Read every `part-i-of-N.parquet` in `dir`, check that all N parts are there (and nothing
/// else), and combine them. `replicates` is the total the parts were run with.
pub fn merge_dir(dir: &Path, replicates: Option<u64>) -> Result<ResultTable> {
    Ok(merge_parts(dir, replicates)?.table)
}

/// [`merge_dir`], also returning the scale and replicate count the parts record. Parts that
/// disagree on them, a part whose recorded shard is not the one its name says, or a
/// `replicates` other than the parts' own are errors. Without a recorded count the total is
/// `replicates`, else one past the largest replicate found.
pub fn merge_parts(dir: &Path, replicates: Option<u64>) -> Result<Merged> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut parts: Vec<(u64, u64, PathBuf)> = Vec::new();
    for e in entries {
        let p = e.map_err(|e| Error::io(dir, e))?.path();
        let name = p
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(rest) = name
            .strip_prefix("part-")
            .and_then(|r| r.strip_suffix(".parquet"))
        {
            let (i, n) = rest
                .split_once("-of-")
                .and_then(|(i, n)| Some((i.parse().ok()?, n.parse().ok()?)))
                .ok_or_else(|| Error::Results(format!("unexpected part name {name}")))?;
            parts.push((i, n, p));
        }
    }
    if parts.is_empty() {
        return Err(Error::Results(format!(
            "no part-i-of-N.parquet files in {}",
            dir.display()
        )));
    }
    parts.sort();
    let count = parts[0].1;
    if parts.iter().any(|p| p.1 != count) {
        return Err(Error::Results(
            "parts of different shard counts in one folder".into(),
        ));
    }
    let missing: Vec<String> = (0..count)
        .filter(|i| !parts.iter().any(|p| p.0 == *i))
        .map(|i| i.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(Error::Results(format!(
            "missing parts {} of {count}",
            missing.join(", ")
        )));
    }
    let mut tables = Vec::with_capacity(parts.len());
    let mut recorded: Option<(PartInfo, &Path)> = None;
    for (i, n, path) in &parts {
        let (table, info) = read_part(path)?;
        if let Some(info) = info {
            if info.shard
                != (Shard {
                    index: *i,
                    count: *n,
                })
            {
                return Err(Error::Results(format!(
                    "{} holds shard {}/{}, not the one its name says",
                    path.display(),
                    info.shard.index,
                    info.shard.count
                )));
            }
            if let Some((first, first_path)) = recorded
                && (first.scale, first.replicates) != (info.scale, info.replicates)
            {
                return Err(Error::Results(format!(
                    "{} was made with --scale {} --replicates {}, {} with --scale {} \
                     --replicates {}",
                    first_path.display(),
                    first.scale.name(),
                    first.replicates,
                    path.display(),
                    info.scale.name(),
                    info.replicates
                )));
            }
            recorded.get_or_insert((info, path));
        }
        tables.push(table);
    }
    let total = match (replicates, recorded) {
        (Some(r), Some((info, _))) if r != info.replicates => {
            return Err(Error::param(
                "replicates",
                r,
                format!("the parts were made with --replicates {}", info.replicates),
            ));
        }
        (Some(r), _) => r,
        (None, Some((info, _))) => info.replicates,
        (None, None) => tables
            .iter()
            .flat_map(|t| t.rows.iter().map(|r| r.replicate))
            .max()
            .map_or(0, |m| m + 1),
    };
    Ok(Merged {
        table: runner::combine(tables, total)?,
        scale: recorded.map(|(info, _)| info.scale),
        replicates: total,
    })
}

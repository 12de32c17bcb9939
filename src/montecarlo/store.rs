//! Result tables on disk: one Parquet file per shard (`part-i-of-N.parquet`), written atomically,
//! and `merge` to combine them. Columns: `claim`, `seed`, `replicate`, `git_sha`, `config_hash`,
//! then the claim's key columns (strings) and value columns (f64).

use super::{ResultRow, ResultTable, Shard, runner};
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

/// Write a table as Parquet; the file appears whole or not at all.
pub fn write(table: &ResultTable, path: &Path) -> Result<()> {
    let mut df = to_frame(table).map_err(|e| fmt_err(path, e))?;
    crate::fsutil::atomic_write(path, |f| {
        ParquetWriter::new(f)
            .finish(&mut df)
            .map(|_| ())
            .map_err(|e| fmt_err(path, e))
    })
}

/// Read a table written by [`write`]. Key and value columns are told apart by dtype.
pub fn read(path: &Path) -> Result<ResultTable> {
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let df = ParquetReader::new(f)
        .finish()
        .map_err(|e| fmt_err(path, e))?;
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
    Ok(ResultTable {
        claim,
        seed,
        config_hash,
        git_sha,
        key_columns,
        value_columns,
        rows,
    })
}

/// Read every `part-i-of-N.parquet` in `dir`, check that all N parts are there (and nothing
/// else), and combine them. `replicates` is the total the parts were run with.
pub fn merge_dir(dir: &Path, replicates: Option<u64>) -> Result<ResultTable> {
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
    let tables = parts
        .iter()
        .map(|p| read(&p.2))
        .collect::<Result<Vec<_>>>()?;
    let total = match replicates {
        Some(r) => r,
        None => tables
            .iter()
            .flat_map(|t| t.rows.iter().map(|r| r.replicate))
            .max()
            .map_or(0, |m| m + 1),
    };
    runner::combine(tables, total)
}

//! Selecting numeric columns from a delimited text file that may also hold text columns (e.g.
//! abalone's `sex`). The shared `data::read_table` rejects any non-numeric cell in the file, so
//! this reader parses only the columns asked for; it needs no polars, so the core build has it.

use crate::data::Table;
use crate::error::{Error, Result};
use std::path::Path;

fn unquote(s: &str) -> &str {
    let t = s.trim();
    t.strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .unwrap_or(t)
}

/// Read the named columns of a `,`- or `;`-separated file with a header row (the separator is
/// detected from the header as `read_table` does). Every selected cell must be a finite number:
/// otherwise an [`Error::BadCell`] names the row and column.
pub fn read_columns(path: impl AsRef<Path>, columns: &[String]) -> Result<Table> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = lines.next().ok_or_else(|| Error::Format {
        path: path.to_path_buf(),
        message: "file is empty".into(),
    })?;
    let sep = if header.contains(';') && !header.contains(',') {
        ';'
    } else {
        ','
    };
    let names: Vec<&str> = header.split(sep).map(unquote).collect();
    let idx: Vec<usize> = columns
        .iter()
        .map(|c| {
            names
                .iter()
                .position(|n| n == c)
                .ok_or_else(|| Error::MissingColumn {
                    column: c.clone(),
                    available: names.join(", "),
                })
        })
        .collect::<Result<_>>()?;
    let mut cols: Vec<Vec<f64>> = vec![Vec::new(); idx.len()];
    for (row, line) in lines.enumerate() {
        let cells: Vec<&str> = line.split(sep).collect();
        if cells.len() != names.len() {
            return Err(Error::Format {
                path: path.to_path_buf(),
                message: format!(
                    "row {row} has {} fields, the header has {}",
                    cells.len(),
                    names.len()
                ),
            });
        }
        for (k, &j) in idx.iter().enumerate() {
            let raw = unquote(cells[j]);
            match raw.parse::<f64>() {
                Ok(v) if v.is_finite() => cols[k].push(v),
                _ => {
                    return Err(Error::BadCell {
                        column: columns[k].clone(),
                        row,
                        value: raw.to_string(),
                        reason: "not a finite number".into(),
                    });
                }
            }
        }
    }
    Table::new(columns.to_vec(), cols)
}

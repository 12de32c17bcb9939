//! Tabular data: a validated numeric [`Table`] and the regression [`Dataset`] cut from it.
//!
//! [`Table`] and [`Dataset`] are plain Rust (nalgebra) and always available; reading files needs
//! the `io` feature (CSV by our own reader, Parquet by polars, eager only). Every cell of a column
//! that is read is checked: a NaN, an infinity, a text value or an empty cell is an
//! [`Error::BadCell`] naming its row and column. `read_columns` and `read_used` read only the
//! columns a command uses, so a text or NaN column elsewhere in the file is never an error; a
//! ragged row or a duplicated header name always is, named by row and field count or by name.

use crate::error::{Error, Result};
use nalgebra::{DMatrix, DVector};

/// A numeric table: named columns of equal length, every cell finite.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    names: Vec<String>,
    columns: Vec<Vec<f64>>,
}

/// A design matrix, a response, and the names of both.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// n × d design, column-major.
    pub x: DMatrix<f64>,
    /// Response of length n.
    pub y: DVector<f64>,
    /// d feature names, in column order.
    pub feature_names: Vec<String>,
    /// Name of the response column.
    pub target_name: String,
}

impl Table {
    /// Build a table from named columns, validating lengths, names and cells.
    pub fn new(names: Vec<String>, columns: Vec<Vec<f64>>) -> Result<Self> {
        if names.len() != columns.len() {
            return Err(Error::DimensionMismatch {
                what: "column names",
                expected: columns.len(),
                got: names.len(),
            });
        }
        if names.is_empty() {
            return Err(Error::InvalidData("the table has no columns".into()));
        }
        let n = columns[0].len();
        for (name, col) in names.iter().zip(&columns) {
            if col.len() != n {
                return Err(Error::InvalidData(format!(
                    "column `{name}` has {} rows, expected {n}",
                    col.len()
                )));
            }
            if let Some(row) = col.iter().position(|v| !v.is_finite()) {
                return Err(Error::BadCell {
                    column: name.clone(),
                    row,
                    value: col[row].to_string(),
                    reason: "not a finite number".into(),
                });
            }
        }
        for (i, a) in names.iter().enumerate() {
            if names[..i].contains(a) {
                return Err(Error::InvalidData(format!("duplicate column name `{a}`")));
            }
        }
        if n == 0 {
            return Err(Error::InvalidData("the table has no data rows".into()));
        }
        Ok(Self { names, columns })
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.columns[0].len()
    }

    /// Column names in file order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// A column by name.
    pub fn column(&self, name: &str) -> Result<&[f64]> {
        match self.names.iter().position(|n| n == name) {
            Some(i) => Ok(&self.columns[i]),
            None => Err(Error::MissingColumn {
                column: name.to_string(),
                available: self.names.join(", "),
            }),
        }
    }

    /// A column whose values must be whole numbers (labels, fold ids, counts).
    pub fn integer_column(&self, name: &str) -> Result<Vec<i64>> {
        self.column(name)?
            .iter()
            .enumerate()
            .map(|(row, &v)| {
                if v.fract() == 0.0 && v.abs() < 9.0e15 {
                    Ok(v as i64)
                } else {
                    Err(Error::BadCell {
                        column: name.into(),
                        row,
                        value: v.to_string(),
                        reason: "not an integer".into(),
                    })
                }
            })
            .collect()
    }

    /// Cut a regression dataset: `target` as y, `features` (or every other column not listed in
    /// `exclude`) as X. The target and excluded columns are never features.
    pub fn dataset(
        &self,
        target: &str,
        features: Option<&[String]>,
        exclude: &[&str],
    ) -> Result<Dataset> {
        let y = DVector::from_column_slice(self.column(target)?);
        let feature_names: Vec<String> = match features {
            Some(list) => {
                for f in list {
                    self.column(f)?;
                    if f == target || exclude.contains(&f.as_str()) {
                        return Err(Error::InvalidData(format!(
                            "column `{f}` is the target or a fold/label column and cannot be a feature"
                        )));
                    }
                }
                list.to_vec()
            }
            None => self
                .names
                .iter()
                .filter(|n| n.as_str() != target && !exclude.contains(&n.as_str()))
                .cloned()
                .collect(),
        };
        if feature_names.is_empty() {
            return Err(Error::InvalidData(
                "no feature columns left after removing the target".into(),
            ));
        }
        let n = self.n_rows();
        let mut x = DMatrix::zeros(n, feature_names.len());
        for (j, f) in feature_names.iter().enumerate() {
            x.column_mut(j).copy_from_slice(self.column(f)?);
        }
        Ok(Dataset {
            x,
            y,
            feature_names,
            target_name: target.to_string(),
        })
    }
}

/// Split a comma-separated `--features A,B,C` argument into names.
pub fn parse_name_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Positions in `header` of the `wanted` columns. A wanted name that is empty, absent, or present
/// more than once is an error naming it: a duplicated header would make "column `a`" mean two
/// different columns.
#[cfg(feature = "io")]
fn header_index(
    path: &std::path::Path,
    header: &[String],
    wanted: &[String],
) -> Result<Vec<usize>> {
    wanted
        .iter()
        .map(|w| {
            let mut at = header
                .iter()
                .enumerate()
                .filter(|(_, h)| *h == w)
                .map(|(j, _)| j);
            match (at.next(), at.next()) {
                (Some(_), Some(second)) if w.is_empty() => Err(Error::Format {
                    path: path.to_path_buf(),
                    message: format!(
                        "header fields {} and {} have no name; name every column the command uses",
                        header.iter().position(|h| h.is_empty()).unwrap_or(0) + 1,
                        second + 1
                    ),
                }),
                (Some(first), Some(second)) => Err(Error::Format {
                    path: path.to_path_buf(),
                    message: format!(
                        "duplicate column name `{w}` (header fields {} and {})",
                        first + 1,
                        second + 1
                    ),
                }),
                (Some(j), None) if w.is_empty() => Err(Error::Format {
                    path: path.to_path_buf(),
                    message: format!(
                        "header field {} has no name; name every column the command uses",
                        j + 1
                    ),
                }),
                (Some(j), None) => Ok(j),
                (None, _) => Err(Error::MissingColumn {
                    column: w.clone(),
                    available: header.join(", "),
                }),
            }
        })
        .collect()
}

#[cfg(feature = "io")]
mod csv;
#[cfg(feature = "io")]
mod footer;
pub mod mtx;
pub use mtx::{parse_matrix_market, read_matrix_market};

#[cfg(feature = "io")]
mod io {
    use super::Table;
    use super::csv::{self, Select};
    use crate::error::{Error, Result};
    use polars::prelude::*;
    use std::path::Path;

    fn format_err(path: &Path, e: impl std::fmt::Display) -> Error {
        Error::Format {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    }

    /// [`super::footer::check`] on the Parquet file at `path`.
    fn check_footer(path: &Path) -> Result<()> {
        let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let file_len = f.metadata().map_err(|e| Error::io(path, e))?.len();
        let mut buffered = std::io::BufReader::new(&mut f);
        super::footer::check(&mut buffered, file_len).map_err(|why| format_err(path, why))
    }

    /// Parquet reads in progress inside [`parquet_guard`]. The panics there are caught and
    /// become errors, so a binary that promises one `error:` line on stderr (the CLI) installs a
    /// panic hook that stays silent while this is non-zero; the library never touches the hook.
    pub static GUARDED_READS: std::sync::atomic::AtomicUsize =
        std::sync::atomic::AtomicUsize::new(0);

    /// Run a polars Parquet read of `path`: its error, or a panic, becomes a typed
    /// [`Error::Format`]. polars' Parquet reader panics on some damaged files (an out-of-range
    /// bitmap slice in polars-arrow, a missing thrift field: found by fuzz/read_table), and
    /// aborts on files that declare more than they hold, which the metadata check
    /// (`data::footer`) refuses first.
    pub fn parquet_guard<T>(path: &Path, read: impl FnOnce() -> PolarsResult<T>) -> Result<T> {
        check_footer(path)?;
        GUARDED_READS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(read));
        GUARDED_READS.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        match out {
            Ok(r) => r.map_err(|e| format_err(path, e)),
            Err(p) => {
                let why = p
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                Err(format_err(
                    path,
                    format!("damaged Parquet file (the reader failed: {why})"),
                ))
            }
        }
    }

    /// Read a CSV (`,` or `;` separated, detected from the header) or Parquet file into a
    /// [`Table`] of every column; every cell is validated. A ragged row, a duplicated or unnamed
    /// header, a NaN, an infinity, text or an empty cell is an error naming its row and column.
    pub fn read_table(path: impl AsRef<Path>) -> Result<Table> {
        read(path.as_ref(), Select::All)
    }

    /// Read only the named columns (in that order) of a CSV or Parquet file: the other columns
    /// may hold text, NaNs or gaps (real data sets have such columns) and are never parsed. The
    /// selected cells are validated as [`read_table`] validates every cell.
    pub fn read_columns(path: impl AsRef<Path>, columns: &[String]) -> Result<Table> {
        read(path.as_ref(), Select::Only(columns))
    }

    /// Read what a model command uses: the `target`, the `extra` columns (fold ids, weights),
    /// and the `features` when they are listed; with no list every column is a feature, so
    /// every column is read (as [`read_table`]). A name given twice is read once.
    pub fn read_used(
        path: impl AsRef<Path>,
        target: &str,
        features: Option<&[String]>,
        extra: &[&str],
    ) -> Result<Table> {
        let Some(features) = features else {
            return read_table(path);
        };
        let mut names: Vec<String> = Vec::with_capacity(features.len() + extra.len() + 1);
        let all = std::iter::once(target)
            .chain(features.iter().map(String::as_str))
            .chain(extra.iter().copied());
        for name in all {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
        read_columns(path, &names)
    }

    fn read(path: &Path, select: Select<'_>) -> Result<Table> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.len() == 0 {
            return Err(Error::Format {
                path: path.to_path_buf(),
                message: "file is empty".into(),
            });
        }
        let is_parquet = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
        if is_parquet {
            let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
            let df = parquet_guard(path, || ParquetReader::new(f).finish())?;
            return table_from_frame(&df, path, select);
        }
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let text = std::str::from_utf8(&bytes).map_err(|e| Error::Format {
            path: path.to_path_buf(),
            message: format!(
                "not UTF-8 text (invalid byte at line {})",
                bytes[..e.valid_up_to()]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count()
                    + 1
            ),
        })?;
        csv::parse(text, path, select)
    }

    fn table_from_frame(df: &DataFrame, path: &Path, select: Select<'_>) -> Result<Table> {
        if df.width() == 0 {
            return Err(Error::Format {
                path: path.to_path_buf(),
                message: "no columns".into(),
            });
        }
        if df.height() == 0 {
            return Err(Error::Format {
                path: path.to_path_buf(),
                message: "no data rows".into(),
            });
        }
        let header: Vec<String> = df.columns().iter().map(|c| c.name().to_string()).collect();
        let wanted: Vec<String> = match select {
            Select::All => header.clone(),
            Select::Only(names) => names.to_vec(),
        };
        let index = super::header_index(path, &header, &wanted)?;
        let mut columns = Vec::with_capacity(wanted.len());
        for (name, &j) in wanted.iter().zip(&index) {
            let s = df.columns()[j].as_materialized_series();
            let values: Vec<f64> = if s.dtype() == &DataType::String {
                let ca = s.str().map_err(|e| format_err(path, e))?;
                ca.iter()
                    .enumerate()
                    .map(|(row, cell)| csv::parse_cell(name, row, cell.unwrap_or("")))
                    .collect::<Result<_>>()?
            } else {
                let cast = s
                    .cast(&DataType::Float64)
                    .map_err(|e| format_err(path, e))?;
                let ca = cast.f64().map_err(|e| format_err(path, e))?;
                ca.iter()
                    .enumerate()
                    .map(|(row, v)| match v {
                        Some(v) if v.is_finite() => Ok(v),
                        Some(v) => Err(bad(name, row, &v.to_string(), "not a finite number")),
                        None => Err(bad(name, row, "", "missing value")),
                    })
                    .collect::<Result<_>>()?
            };
            columns.push(values);
        }
        Table::new(wanted, columns)
    }

    fn bad(column: &str, row: usize, value: &str, reason: &str) -> Error {
        Error::BadCell {
            column: column.into(),
            row,
            value: value.into(),
            reason: reason.into(),
        }
    }

    /// Write a table as CSV (used by the CLI's writers); the file appears whole or not at all.
    pub fn write_csv(table: &Table, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let cols: Vec<Column> = table
            .names()
            .iter()
            .map(|n| Ok(Column::new(n.as_str().into(), table.column(n)?)))
            .collect::<Result<_>>()?;
        let mut df = DataFrame::new_infer_height(cols).map_err(|e| format_err(path, e))?;
        crate::fsutil::atomic_write(path, |f| {
            CsvWriter::new(f)
                .finish(&mut df)
                .map_err(|e| format_err(path, e))
        })
    }
}

#[cfg(feature = "io")]
pub use io::{GUARDED_READS, parquet_guard, read_columns, read_table, read_used, write_csv};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dataset_selection_never_uses_target_or_excluded_columns() {
        let t = Table::new(
            vec!["a".into(), "b".into(), "y".into(), "fold".into()],
            vec![
                vec![1.0, 2.0],
                vec![3.0, 4.0],
                vec![5.0, 6.0],
                vec![0.0, 1.0],
            ],
        )
        .unwrap();
        let d = t.dataset("y", None, &["fold"]).unwrap();
        assert_eq!(d.feature_names, vec!["a", "b"]);
        assert_eq!(d.x[(1, 1)], 4.0);
        assert!(t.dataset("y", Some(&["y".to_string()]), &[]).is_err());
        assert!(matches!(
            t.dataset("zz", None, &[]),
            Err(Error::MissingColumn { .. })
        ));
        let err = Table::new(vec!["a".into()], vec![vec![1.0, f64::NAN]]).unwrap_err();
        assert!(matches!(err, Error::BadCell { row: 1, .. }), "{err}");
        assert!(t.integer_column("a").is_ok());
        assert!(
            Table::new(vec!["a".into()], vec![vec![1.5]])
                .unwrap()
                .integer_column("a")
                .is_err()
        );
    }
}

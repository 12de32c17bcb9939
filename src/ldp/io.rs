//! Files of the LDP pipeline (spec §2.10): one data column read in chunks, report buffers
//! written and read in chunks (CSV or Parquet, by extension), and the metadata file beside the
//! reports (mechanism, ε, categorical labels or numeric range).
//!
//! Memory stays bounded by the chunk: CSV is read line by line, Parquet by row slices of the
//! one column needed, and reports are written as they are made (Parquet: one row group per
//! chunk).

use super::reports::{Layout, Reports, Rows};
use crate::data::parquet_guard;
use crate::error::{Error, Result};
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

fn format_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Format {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

fn is_parquet(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
}

/// Split one CSV record (RFC 4180 quotes, no line breaks inside fields).
fn split_fields(line: &str, sep: u8) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.trim_end_matches(['\r', '\n']).chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    cur.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                cur.push(c);
            }
        } else if c == '"' {
            quoted = true;
        } else if c as u32 == u32::from(sep) {
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    out.push(cur);
    out
}

struct CsvLines {
    lines: std::io::Lines<BufReader<File>>,
    sep: u8,
    header: Vec<String>,
    line: usize,
}

impl CsvLines {
    fn open(path: &Path) -> Result<Self> {
        let f = File::open(path).map_err(|e| Error::io(path, e))?;
        let mut lines = BufReader::with_capacity(1 << 20, f).lines();
        let first = lines
            .next()
            .ok_or_else(|| format_err(path, "file is empty"))?
            .map_err(|e| Error::io(path, e))?;
        let first = first.trim_start_matches('\u{feff}');
        let sep = if !first.contains(',') && first.contains(';') {
            b';'
        } else {
            b','
        };
        let header = split_fields(first, sep)
            .into_iter()
            .map(|h| h.trim().to_string())
            .collect();
        Ok(Self {
            lines,
            sep,
            header,
            line: 1,
        })
    }
    fn index(&self, column: &str) -> Result<usize> {
        self.header
            .iter()
            .position(|h| h == column)
            .ok_or_else(|| Error::MissingColumn {
                column: column.to_string(),
                available: self.header.join(", "),
            })
    }
    /// The next non-blank record's fields, checked against the header's width.
    fn next(&mut self, path: &Path) -> Result<Option<Vec<String>>> {
        for l in self.lines.by_ref() {
            let l = l.map_err(|e| Error::io(path, e))?;
            self.line += 1;
            if l.trim().is_empty() {
                continue;
            }
            let f = split_fields(&l, self.sep);
            if f.len() != self.header.len() {
                return Err(format_err(
                    path,
                    format!(
                        "line {} has {} fields, the header has {}",
                        self.line,
                        f.len(),
                        self.header.len()
                    ),
                ));
            }
            return Ok(Some(f));
        }
        Ok(None)
    }
}

enum Source {
    Csv(CsvLines, usize),
    Parquet { total: usize },
}

/// One column of a CSV or Parquet data file, read in chunks of cells (as text).
pub struct ColumnReader {
    path: PathBuf,
    column: String,
    source: Source,
    pos: usize,
}

impl ColumnReader {
    /// Open `path` and find `column` (an [`Error::MissingColumn`] listing the others if absent).
    pub fn open(path: &Path, column: &str) -> Result<Self> {
        let source = if is_parquet(path) {
            let f = File::open(path).map_err(|e| Error::io(path, e))?;
            let mut r = ParquetReader::new(f);
            let (schema, total) = parquet_guard(path, || Ok((r.schema()?, r.num_rows()?)))?;
            if !schema.iter_names().any(|n| n.as_str() == column) {
                return Err(Error::MissingColumn {
                    column: column.to_string(),
                    available: schema
                        .iter_names()
                        .map(|n| n.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
            Source::Parquet { total }
        } else {
            let c = CsvLines::open(path)?;
            let j = c.index(column)?;
            Source::Csv(c, j)
        };
        Ok(Self {
            path: path.to_path_buf(),
            column: column.to_string(),
            source,
            pos: 0,
        })
    }

    /// Data rows returned so far.
    pub fn rows_read(&self) -> usize {
        self.pos
    }

    /// The column's name.
    pub fn column(&self) -> &str {
        &self.column
    }

    /// Up to `rows` cells (text, trimmed; a Parquet null is the empty string); empty at the end.
    pub fn next_cells(&mut self, rows: usize) -> Result<Vec<String>> {
        let mut out = Vec::with_capacity(rows.min(1 << 20));
        match &mut self.source {
            Source::Csv(c, j) => {
                while out.len() < rows {
                    match c.next(&self.path)? {
                        Some(mut f) => out.push(std::mem::take(&mut f[*j]).trim().to_string()),
                        None => break,
                    }
                }
            }
            Source::Parquet { total } => {
                let len = rows.min(*total - self.pos);
                if len > 0 {
                    let f = File::open(&self.path).map_err(|e| Error::io(&self.path, e))?;
                    let df = parquet_guard(&self.path, || {
                        ParquetReader::new(f)
                            .with_columns(Some(vec![self.column.clone()]))
                            .with_slice(Some((self.pos, len)))
                            .finish()
                    })?;
                    let col = df
                        .column(&self.column)
                        .and_then(|c| c.cast(&DataType::String))
                        .map_err(|e| format_err(&self.path, e))?;
                    let s = col.str().map_err(|e| format_err(&self.path, e))?;
                    out.extend(s.iter().map(|v| v.unwrap_or("").to_string()));
                }
            }
        }
        self.pos += out.len();
        Ok(out)
    }
}

/// What `ldp privatize` records beside its reports, and `ldp estimate` checks and uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportsMeta {
    /// Mechanism name.
    pub mechanism: String,
    /// ε of every report.
    pub epsilon: f64,
    /// δ (Gaussian mechanisms).
    pub delta: Option<f64>,
    /// Domain size of a frequency oracle (0 for mean mechanisms).
    pub k: usize,
    /// The data column privatized.
    pub column: String,
    /// Category labels, index = category (frequency oracles).
    pub labels: Option<Vec<String>>,
    /// \[lo, hi\] of a numeric column, mapped onto the mechanism's \[−1, 1\].
    pub range: Option<(f64, f64)>,
    /// Reports written.
    pub n: usize,
    /// Seed of the privatizer.
    pub seed: u64,
}

impl ReportsMeta {
    /// The metadata file beside `reports`: `REPORTS.meta.json`.
    pub fn path_for(reports: &Path) -> PathBuf {
        let mut s = reports.as_os_str().to_owned();
        s.push(".meta.json");
        PathBuf::from(s)
    }
    /// Write it beside `reports`.
    pub fn write(&self, reports: &Path) -> Result<()> {
        let p = Self::path_for(reports);
        let text = serde_json::to_string_pretty(self).map_err(|e| format_err(&p, e))?;
        std::fs::write(&p, text).map_err(|e| Error::io(&p, e))
    }
    /// Read it from beside `reports`; `None` when there is none.
    pub fn read(reports: &Path) -> Result<Option<Self>> {
        let p = Self::path_for(reports);
        if !p.exists() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| format_err(&p, e))
    }
}

/// Column names of a report layout in files.
pub fn report_columns(layout: Layout) -> Vec<String> {
    match layout {
        Layout::Bits { k } => (0..k.div_ceil(64)).map(|i| format!("word{i}")).collect(),
        Layout::Ints { width: 1 } | Layout::Reals { dim: 1 } => vec!["report".into()],
        Layout::Ints { width: 2 } => vec!["seed".into(), "value".into()],
        Layout::Ints { width } => (0..width).map(|i| format!("report{i}")).collect(),
        Layout::Reals { dim } => (0..dim).map(|i| format!("report{i}")).collect(),
    }
}

enum Sink {
    Csv(BufWriter<File>),
    Parquet(Box<polars::io::parquet::write::BatchedWriter<File>>),
}

/// Reports written chunk by chunk to CSV or Parquet.
pub struct ReportWriter {
    path: PathBuf,
    layout: Layout,
    sink: Sink,
}

impl ReportWriter {
    /// Create `path` (Parquet when it ends in `.parquet`, else CSV) for reports in `layout`.
    pub fn create(path: &Path, layout: Layout) -> Result<Self> {
        let f = File::create(path).map_err(|e| Error::io(path, e))?;
        let names = report_columns(layout);
        let sink = if is_parquet(path) {
            let dtype = match layout {
                Layout::Bits { .. } => DataType::UInt64,
                Layout::Ints { .. } => DataType::UInt32,
                Layout::Reals { .. } => DataType::Float64,
            };
            let schema = Schema::from_iter(
                names
                    .iter()
                    .map(|n| Field::new(n.as_str().into(), dtype.clone())),
            );
            let w = ParquetWriter::new(f)
                .batched(&schema)
                .map_err(|e| format_err(path, e))?;
            Sink::Parquet(Box::new(w))
        } else {
            let mut w = BufWriter::with_capacity(1 << 20, f);
            writeln!(w, "{}", names.join(",")).map_err(|e| Error::io(path, e))?;
            Sink::Csv(w)
        };
        Ok(Self {
            path: path.to_path_buf(),
            layout,
            sink,
        })
    }

    /// Append a buffer of reports.
    pub fn write(&mut self, r: &Reports) -> Result<()> {
        if r.layout() != self.layout {
            return Err(Error::InvalidData("report layout changed mid-file".into()));
        }
        let w = self.layout.stride();
        match &mut self.sink {
            Sink::Csv(out) => {
                let mut line = String::new();
                let io = |e| Error::io(&self.path, e);
                match r.all() {
                    Rows::Bits(v) => write_rows(out, &mut line, v, w).map_err(io)?,
                    Rows::Ints(v) => write_rows(out, &mut line, v, w).map_err(io)?,
                    Rows::Reals(v) => write_rows(out, &mut line, v, w).map_err(io)?,
                }
            }
            Sink::Parquet(pw) => {
                let names = report_columns(self.layout);
                let n = r.len();
                let cols: Vec<Column> = names
                    .iter()
                    .enumerate()
                    .map(|(j, name)| match r.all() {
                        Rows::Bits(v) => Column::new(
                            name.as_str().into(),
                            v.iter().skip(j).step_by(w).copied().collect::<Vec<u64>>(),
                        ),
                        Rows::Ints(v) => Column::new(
                            name.as_str().into(),
                            v.iter().skip(j).step_by(w).copied().collect::<Vec<u32>>(),
                        ),
                        Rows::Reals(v) => Column::new(
                            name.as_str().into(),
                            v.iter().skip(j).step_by(w).copied().collect::<Vec<f64>>(),
                        ),
                    })
                    .collect();
                let df = DataFrame::new(n, cols).map_err(|e| format_err(&self.path, e))?;
                pw.write_batch(&df).map_err(|e| format_err(&self.path, e))?;
            }
        }
        Ok(())
    }

    /// Flush and close the file.
    pub fn finish(self) -> Result<()> {
        match self.sink {
            Sink::Csv(mut w) => w.flush().map_err(|e| Error::io(&self.path, e)),
            Sink::Parquet(w) => w
                .finish()
                .map(|_| ())
                .map_err(|e| format_err(&self.path, e)),
        }
    }
}

fn write_rows<T: std::fmt::Display>(
    out: &mut BufWriter<File>,
    line: &mut String,
    v: &[T],
    w: usize,
) -> std::io::Result<()> {
    use std::fmt::Write as _;
    for row in v.chunks(w) {
        line.clear();
        for (j, x) in row.iter().enumerate() {
            if j > 0 {
                line.push(',');
            }
            let _ = write!(line, "{x}");
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// Reports read back chunk by chunk, in the layout of the mechanism that wrote them.
pub struct ReportReader {
    layout: Layout,
    cols: Vec<ColumnReader>,
}

impl ReportReader {
    /// Open `path`, whose columns must be those [`report_columns`] names for `layout`.
    pub fn open(path: &Path, layout: Layout) -> Result<Self> {
        let cols = report_columns(layout)
            .iter()
            .map(|c| ColumnReader::open(path, c))
            .collect::<Result<_>>()?;
        Ok(Self { layout, cols })
    }

    /// The next up to `rows` reports; `None` at the end.
    pub fn next_chunk(&mut self, rows: usize) -> Result<Option<Reports>> {
        let start = self.cols[0].rows_read();
        let cells: Vec<Vec<String>> = self
            .cols
            .iter_mut()
            .map(|c| c.next_cells(rows))
            .collect::<Result<_>>()?;
        let n = cells[0].len();
        if n == 0 {
            return Ok(None);
        }
        let w = self.layout.stride();
        let bad = |j: usize, i: usize, reason: &str| Error::BadCell {
            column: self.cols[j].column().to_string(),
            row: start + i,
            value: cells[j][i].clone(),
            reason: reason.into(),
        };
        let cell = |j: usize, i: usize| cells[j].get(i).map_or("", String::as_str);
        match self.layout {
            Layout::Bits { k } => {
                let mut words = Vec::with_capacity(n * w);
                for i in 0..n {
                    for j in 0..w {
                        words.push(
                            cell(j, i)
                                .parse()
                                .map_err(|_| bad(j, i, "not a 64-bit word"))?,
                        );
                    }
                }
                Reports::from_bits(k, words).map_err(|e| match e {
                    Error::BadCell { row, .. } => bad(w - 1, row, "sets a bit beyond k"),
                    e => e,
                })
            }
            Layout::Ints { width } => {
                let mut v = Vec::with_capacity(n * w);
                for i in 0..n {
                    for j in 0..w {
                        v.push(
                            cell(j, i)
                                .parse::<u32>()
                                .map_err(|_| bad(j, i, "not an integer in [0, 2^32)"))?,
                        );
                    }
                }
                Reports::from_ints(width, v)
            }
            Layout::Reals { dim } => {
                let mut v = Vec::with_capacity(n * w);
                for i in 0..n {
                    for j in 0..w {
                        let x: f64 = cell(j, i).parse().map_err(|_| bad(j, i, "not a number"))?;
                        if !x.is_finite() {
                            return Err(bad(j, i, "not finite"));
                        }
                        v.push(x);
                    }
                }
                Reports::from_reals(dim, v)
            }
        }
        .map(Some)
    }
}

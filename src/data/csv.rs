//! A delimited-text reader (RFC 4180: `"` quotes, `""` inside quotes, LF or CRLF line ends, a
//! leading UTF-8 BOM) that parses only the columns asked for.
//!
//! It is ours rather than the dataframe library's so that every message speaks of rows, fields
//! and columns of the user's file (never of a parser option), a ragged row is reported with its
//! field count against the header's, and a text column the command does not use is never parsed.

use super::Table;
use crate::error::{Error, Result};
use std::borrow::Cow;
use std::path::Path;

/// What a caller asks of a file: every column, or these columns in this order.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Select<'a> {
    /// Every column of the header, each validated.
    All,
    /// Only these columns; the others are split into fields (to check the row's shape) but never
    /// parsed as numbers.
    Only(&'a [String]),
}

fn format(path: &Path, message: String) -> Error {
    Error::Format {
        path: path.to_path_buf(),
        message,
    }
}

/// Splits the text into records of fields. Blank lines between records are skipped (as
/// spreadsheet exports leave them); `line` is 1-based and counts every physical line, so a
/// message can point into the file even when a quoted field spans lines.
struct Records<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
    sep: u8,
}

impl<'a> Records<'a> {
    /// The next record's fields and the line it starts on; `None` at the end of the text.
    fn next(&mut self, path: &Path, fields: &mut Vec<Cow<'a, str>>) -> Result<Option<usize>> {
        let b = self.text.as_bytes();
        // Skip blank (or whitespace-only) lines.
        loop {
            if self.pos >= b.len() {
                return Ok(None);
            }
            let end = b[self.pos..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |k| self.pos + k);
            if !self.text[self.pos..end].trim().is_empty() {
                break;
            }
            if end >= b.len() {
                return Ok(None);
            }
            self.pos = end + 1;
            self.line += 1;
        }
        fields.clear();
        let start_line = self.line;
        loop {
            // One field starting at self.pos.
            if b.get(self.pos) == Some(&b'"') {
                let mut i = self.pos + 1;
                let mut owned: Option<String> = None;
                let mut seg = i;
                loop {
                    match b.get(i) {
                        None => {
                            return Err(format(
                                path,
                                format!(
                                    "a quoted field opened on line {start_line} is never closed"
                                ),
                            ));
                        }
                        Some(b'"') if b.get(i + 1) == Some(&b'"') => {
                            owned
                                .get_or_insert_with(String::new)
                                .push_str(&self.text[seg..=i]);
                            i += 2;
                            seg = i;
                        }
                        Some(b'"') => break,
                        Some(b'\n') => {
                            self.line += 1;
                            i += 1;
                        }
                        Some(_) => i += 1,
                    }
                }
                let field = match owned {
                    Some(mut s) => {
                        s.push_str(&self.text[seg..i]);
                        Cow::Owned(s)
                    }
                    None => Cow::Borrowed(&self.text[seg..i]),
                };
                fields.push(field);
                i += 1;
                // After the closing quote: spaces, then a separator or the end of the record.
                while matches!(b.get(i), Some(b' ' | b'\t' | b'\r')) {
                    i += 1;
                }
                match b.get(i) {
                    Some(&c) if c == self.sep => self.pos = i + 1,
                    Some(b'\n') => {
                        self.pos = i + 1;
                        self.line += 1;
                        return Ok(Some(start_line));
                    }
                    None => {
                        self.pos = i;
                        return Ok(Some(start_line));
                    }
                    Some(_) => {
                        return Err(format(
                            path,
                            format!(
                                "line {}: text after the closing quote of a quoted field",
                                self.line
                            ),
                        ));
                    }
                }
            } else {
                let rest = &b[self.pos..];
                let k = rest
                    .iter()
                    .position(|&c| c == self.sep || c == b'\n')
                    .unwrap_or(rest.len());
                let field = &self.text[self.pos..self.pos + k];
                fields.push(Cow::Borrowed(field.strip_suffix('\r').unwrap_or(field)));
                match rest.get(k) {
                    Some(&c) if c == self.sep => self.pos += k + 1,
                    Some(_) => {
                        self.pos += k + 1;
                        self.line += 1;
                        return Ok(Some(start_line));
                    }
                    None => {
                        self.pos += k;
                        return Ok(Some(start_line));
                    }
                }
            }
        }
    }
}

/// One cell as a finite number, or an [`Error::BadCell`] saying why not (an empty cell is a
/// missing value; `NaN` and `inf` parse but are not finite).
pub(crate) fn parse_cell(column: &str, row: usize, raw: &str) -> std::result::Result<f64, Error> {
    let t = raw.trim();
    let bad = |reason: &str| Error::BadCell {
        column: column.into(),
        row,
        value: raw.into(),
        reason: reason.into(),
    };
    if t.is_empty() {
        return Err(bad("missing value"));
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(bad("not a finite number")),
        Err(_) => Err(bad("not a number")),
    }
}

/// Parse `text` (the whole file) into a [`Table`] of the selected columns. The separator is `;`
/// when the header has `;` and no `,`, else `,`.
pub(crate) fn parse(text: &str, path: &Path, select: Select<'_>) -> Result<Table> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let sep = if first_line.contains(';') && !first_line.contains(',') {
        b';'
    } else {
        b','
    };
    let mut rec = Records {
        text,
        pos: 0,
        line: 1,
        sep,
    };
    let mut fields = Vec::new();
    if rec.next(path, &mut fields)?.is_none() {
        return Err(format(path, "file is empty".into()));
    }
    let header: Vec<String> = fields.iter().map(|f| f.trim().to_string()).collect();
    let wanted: Vec<String> = match select {
        Select::All => header.clone(),
        Select::Only(names) => names.to_vec(),
    };
    let index = super::header_index(path, &header, &wanted)?;
    let mut columns: Vec<Vec<f64>> = vec![Vec::new(); wanted.len()];
    let mut first_bad: Vec<Option<Error>> = (0..wanted.len()).map(|_| None).collect();
    let mut row = 0;
    while let Some(line) = rec.next(path, &mut fields)? {
        if fields.len() != header.len() {
            return Err(format(
                path,
                format!(
                    "row {row} (line {line}) has {} fields, the header has {}",
                    fields.len(),
                    header.len()
                ),
            ));
        }
        // A bad cell is kept until every row is read, so that the error is the first bad row of
        // the first bad column (the order of a column-by-column check).
        for (k, &j) in index.iter().enumerate() {
            match parse_cell(&wanted[k], row, &fields[j]) {
                Ok(v) => columns[k].push(v),
                Err(e) => {
                    columns[k].push(f64::NAN);
                    first_bad[k].get_or_insert(e);
                }
            }
        }
        row += 1;
    }
    if row == 0 {
        return Err(format(path, "no data rows".into()));
    }
    if let Some(e) = first_bad.into_iter().flatten().next() {
        return Err(e);
    }
    Table::new(wanted, columns)
}

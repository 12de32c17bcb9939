//! Matrix Market exchange format (NIST, Boisvert, Pozo, Remington 1996), the coordinate form:
//! a banner `%%MatrixMarket matrix coordinate real|integer|pattern general`, `%` comment lines,
//! a size line `M N NNZ`, then NNZ lines `i j [value]` with 1-based indices. Read into a
//! compressed-sparse-column matrix without densifying; duplicate entries are summed (as
//! scipy's `mmread`). Every problem is an [`Error::Format`] naming the file, the line and the
//! offending text; no input makes the reader panic or allocate more than a small multiple of
//! the file's size.

use crate::error::{Error, Result};
use nalgebra_sparse::{CooMatrix, CscMatrix};
use std::path::Path;

/// Empty columns accepted beyond one per stored entry: the column pointers are the only
/// allocation the size line controls, so this bounds what a hostile header can ask for.
const MAX_EMPTY_COLUMNS: usize = 1 << 20;

/// Read a Matrix Market coordinate file (real, integer or pattern; general symmetry).
pub fn read_matrix_market(path: impl AsRef<Path>) -> Result<CscMatrix<f64>> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = std::str::from_utf8(&bytes).map_err(|e| Error::Format {
        path: path.into(),
        message: format!(
            "not UTF-8 text (byte {} of the file); a Matrix Market file is ASCII",
            e.valid_up_to()
        ),
    })?;
    parse_matrix_market(text, path)
}

/// Parse the text of a Matrix Market coordinate file; `origin` names it in errors.
pub fn parse_matrix_market(text: &str, origin: &Path) -> Result<CscMatrix<f64>> {
    let fail = |line: usize, message: String| Error::Format {
        path: origin.into(),
        message: format!("line {line}: {message}"),
    };
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    let (_, banner) = lines
        .next()
        .ok_or_else(|| fail(1, "empty file; expected the `%%MatrixMarket` banner".into()))?;
    let words: Vec<String> = banner
        .split_whitespace()
        .map(|w| w.to_ascii_lowercase())
        .collect();
    if words.first().map(String::as_str) != Some("%%matrixmarket") || words.len() != 5 {
        return Err(fail(
            1,
            format!(
                "banner {:?}: expected `%%MatrixMarket matrix coordinate <field> <symmetry>`",
                clip(banner)
            ),
        ));
    }
    if words[1] != "matrix" || words[2] != "coordinate" {
        return Err(fail(
            1,
            format!(
                "`{} {}`: only `matrix coordinate` (sparse) files are read",
                clip(&words[1]),
                clip(&words[2])
            ),
        ));
    }
    let pattern = match words[3].as_str() {
        "real" | "integer" | "double" => false,
        "pattern" => true,
        other => {
            return Err(fail(
                1,
                format!(
                    "field `{}`: only real, integer and pattern are read",
                    clip(other)
                ),
            ));
        }
    };
    if words[4] != "general" {
        return Err(fail(
            1,
            format!(
                "symmetry `{}`: only general matrices are read (a design matrix is not \
                 stored by its triangle)",
                clip(&words[4])
            ),
        ));
    }
    let mut data = lines.filter(|(_, l)| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with('%')
    });
    let (size_line, size) = data
        .next()
        .ok_or_else(|| fail(2, "no size line `M N NNZ`".into()))?;
    let dims: Vec<&str> = size.split_whitespace().collect();
    let parse_count = |s: &str, what: &str| -> Result<usize> {
        s.parse::<usize>().map_err(|_| {
            fail(
                size_line,
                format!("{what} `{}` is not a non-negative integer", clip(s)),
            )
        })
    };
    if dims.len() != 3 {
        return Err(fail(
            size_line,
            format!("size line {:?}: expected `M N NNZ`", clip(size)),
        ));
    }
    let nrows = parse_count(dims[0], "row count")?;
    let ncols = parse_count(dims[1], "column count")?;
    let nnz = parse_count(dims[2], "entry count")?;
    if ncols > nnz.saturating_add(MAX_EMPTY_COLUMNS) {
        return Err(fail(
            size_line,
            format!(
                "{ncols} columns for {nnz} entries: more than {MAX_EMPTY_COLUMNS} columns would \
                 be empty"
            ),
        ));
    }
    if nrows.checked_mul(ncols).is_some_and(|cells| nnz > cells) {
        return Err(fail(
            size_line,
            format!("{nnz} entries in a {nrows} x {ncols} matrix"),
        ));
    }
    // The entry count is a claim; the text bounds what is reserved.
    let mut coo = CooMatrix::new(nrows, ncols);
    coo.reserve(nnz.min(text.len() / 4 + 1));
    let mut seen = 0usize;
    for (line, l) in data {
        if seen == nnz {
            return Err(fail(
                line,
                format!(
                    "{:?}: more entries than the {nnz} of the size line",
                    clip(l)
                ),
            ));
        }
        let f: Vec<&str> = l.split_whitespace().collect();
        let want = if pattern { 2 } else { 3 };
        if f.len() != want {
            return Err(fail(
                line,
                format!(
                    "{:?}: expected {want} fields (`i j{}`)",
                    clip(l),
                    if pattern { "" } else { " value" }
                ),
            ));
        }
        let index = |s: &str, what: &str, max: usize| -> Result<usize> {
            match s.parse::<usize>() {
                Ok(k) if (1..=max).contains(&k) => Ok(k - 1),
                _ => Err(fail(
                    line,
                    format!("{what} index `{}` is not in 1..={max}", clip(s)),
                )),
            }
        };
        let i = index(f[0], "row", nrows)?;
        let j = index(f[1], "column", ncols)?;
        let v = if pattern {
            1.0
        } else {
            match f[2].parse::<f64>() {
                Ok(v) if v.is_finite() => v,
                _ => {
                    return Err(fail(
                        line,
                        format!("value `{}` is not a finite number", clip(f[2])),
                    ));
                }
            }
        };
        coo.push(i, j, v);
        seen += 1;
    }
    if seen != nnz {
        return Err(fail(
            text.lines().count(),
            format!("{seen} entries, but the size line promised {nnz}"),
        ));
    }
    Ok(CscMatrix::from(&coo))
}

/// At most 40 characters of an offending text, so an error message stays one line.
fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push_str("...");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<CscMatrix<f64>> {
        parse_matrix_market(s, Path::new("t.mtx"))
    }

    #[test]
    fn reads_coordinate_files_and_sums_duplicates() {
        let m = parse(
            "%%MatrixMarket matrix coordinate real general\n% a comment\n3 2 4\n1 1 1.5\n3 1 -2\n2 2 4e-1\n2 2 1\n",
        )
        .unwrap();
        assert_eq!((m.nrows(), m.ncols(), m.nnz()), (3, 2, 3));
        let d = nalgebra::DMatrix::from(&m);
        assert_eq!(d[(0, 0)], 1.5);
        assert_eq!(d[(2, 0)], -2.0);
        assert!((d[(1, 1)] - 1.4).abs() < 1e-15);
        let p = parse("%%MatrixMarket matrix coordinate pattern general\n2 2 1\n2 1\n").unwrap();
        assert_eq!(nalgebra::DMatrix::from(&p)[(1, 0)], 1.0);
        // Rows cost nothing until a response of that length is paired with the matrix.
        let tall = "%%MatrixMarket matrix coordinate real general\n18446744073709551615 1 1\n18446744073709551615 1 2\n";
        assert_eq!(parse(tall).unwrap().nrows(), usize::MAX);
        let e = parse("%%MatrixMarket matrix coordinate integer general\n4 3 0\n").unwrap();
        assert_eq!((e.nrows(), e.ncols(), e.nnz()), (4, 3, 0));
    }

    #[test]
    fn hostile_files_are_errors_naming_line_and_value() {
        let bad = [
            ("", "line 1"),
            (
                "%%MatrixMarket matrix array real general\n1 1\n1\n",
                "coordinate",
            ),
            (
                "%%MatrixMarket matrix coordinate complex general\n",
                "complex",
            ),
            (
                "%%MatrixMarket matrix coordinate real symmetric\n",
                "symmetric",
            ),
            (
                "%%MatrixMarket matrix coordinate real general\n",
                "size line",
            ),
            (
                "%%MatrixMarket matrix coordinate real general\n2 x 1\n",
                "`x`",
            ),
            (
                "%%MatrixMarket matrix coordinate real general\n2 2 1\n3 1 1\n",
                "line 3",
            ),
            (
                "%%MatrixMarket matrix coordinate real general\n2 2 1\n0 1 1\n",
                "`0`",
            ),
            (
                "%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 nan\n",
                "`nan`",
            ),
            (
                "%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 inf\n",
                "`inf`",
            ),
            (
                "%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1\n",
                "3 fields",
            ),
            (
                "%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n",
                "promised 2",
            ),
            (
                "%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 1\n2 2 1\n",
                "line 4",
            ),
            (
                "%%MatrixMarket matrix coordinate real general\n2 2 9\n",
                "9 entries",
            ),
            (
                "%%MatrixMarket matrix coordinate real general\n1 99999999999999 0\n",
                "empty",
            ),
            (
                "%%MatrixMarket matrix coordinate real general\n1 1 99999999999999999999999\n",
                "entry count",
            ),
        ];
        for (text, needle) in bad {
            let e = parse(text).unwrap_err().to_string();
            assert!(e.contains("t.mtx") && e.contains(needle), "{text:?}: {e}");
        }
    }
}

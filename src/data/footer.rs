//! A validation of a Parquet file's metadata before polars decodes it.
//!
//! polars-parquet 0.55 trusts the sizes and counts a file declares: it sizes vectors by a
//! footer's list lengths and row counts, its decoders' buffers by a column chunk's `num_values`
//! and each page's `num_values` (cast to `usize`, so a negative count asks for 2^61 bytes), and
//! its decompression buffers by `uncompressed_page_size`. On a damaged file those allocations
//! fail and the process aborts, which cannot be caught as the decoders' panics are in
//! [`super::parquet_guard`] (found by fuzz/read_table; docs/measurements/fuzzing.md). So every
//! such quantity is checked here against the file first, and a file that declares more than it
//! can hold is an [`crate::Error::Format`] naming the field and its value:
//!
//! - the footer's Thrift compact encoding: every list, map or binary fits in the bytes left;
//! - the schema is one tree whose leaves match each row group's column chunks;
//! - `FileMetaData.num_rows` is the sum of the row groups' `num_rows`; a flat column chunk's
//!   `num_values` is its row group's `num_rows` (a repeated one's at least that);
//! - each column chunk's byte range lies between the leading magic and the footer, and its page
//!   headers (walked as polars reads them) stay inside it and hold exactly `num_values` values;
//! - what the file declares decoded (8 bytes per value and per row, and the pages'
//!   `uncompressed_page_size`, `total_uncompressed_size`, `total_byte_size`) stays below
//!   [`decoded_limit`]: [`FLOOR_BYTES`] whatever the file's size, else [`MAX_RATIO`] times the
//!   file's size, and never more than the memory available.

#[cfg(test)]
mod built;
mod meta;
mod pages;
mod spec;
mod thrift;

use pages::{Chunk, Width};
use std::io::{Read, Seek, SeekFrom};
pub use thrift::Refusal;

/// Decoded bytes any Parquet file may declare, whatever its size (64 MiB: 8 million values).
pub const FLOOR_BYTES: u64 = 64 << 20;
/// Beyond [`FLOOR_BYTES`], the most decoded bytes a file may declare per byte it holds. Measured
/// numbers compress to within a few times their decoded size; sparse columns (one-hot
/// indicators with 0.1% ones: about 2000-fold with pyarrow's dictionary and RLE encoding) and
/// constant ones (1e6 rows x 11 columns of zeros beside one `arange` column: 22-fold) far less
/// than this. A file above it is all long runs of one value, or damaged: a fuzzed 16 kB file
/// may still make polars decode 160 MB, which it does in under a second.
pub const MAX_RATIO: u64 = 10_000;
/// Nesting of the schema's groups beyond which a file is refused (polars converts the schema
/// recursively).
const MAX_SCHEMA_DEPTH: usize = 64;

/// The most decoded bytes a file of `file_len` bytes may declare: `max(FLOOR_BYTES, MAX_RATIO x
/// file_len)`, capped at the memory available (`MemAvailable` of /proc/meminfo where there is
/// one).
pub fn decoded_limit(file_len: u64) -> u64 {
    let by_size = FLOOR_BYTES.max(MAX_RATIO.saturating_mul(file_len));
    available_memory().map_or(by_size, |m| by_size.min(m))
}

fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb.saturating_mul(1024))
}

/// Check the Parquet file read by `src` (of `file_len` bytes). A file that does not end in
/// Parquet's magic passes: polars refuses it itself.
pub fn check(src: &mut (impl Read + Seek), file_len: u64) -> Result<(), Refusal> {
    let io = |e: std::io::Error| format!("reading the footer: {e}");
    if file_len < 12 {
        return Ok(());
    }
    let mut last = [0u8; 8];
    src.seek(SeekFrom::End(-8)).map_err(io)?;
    src.read_exact(&mut last).map_err(io)?;
    if &last[4..] != b"PAR1" {
        return Ok(());
    }
    let len = u64::from(u32::from_le_bytes([last[0], last[1], last[2], last[3]]));
    if len + 12 > file_len {
        return Err(format!(
            "the footer claims {len} bytes of metadata in a file of {file_len} bytes"
        ));
    }
    let mut footer = vec![0u8; len as usize];
    src.seek(SeekFrom::Start(file_len - 8 - len)).map_err(io)?;
    src.read_exact(&mut footer).map_err(io)?;
    let meta = meta::decode(&footer)?;
    let limit = decoded_limit(file_len);
    let chunks = chunks(&meta, file_len - 8 - len, limit, file_len)?;
    let mut uncompressed = 0u64;
    for c in &chunks {
        uncompressed = uncompressed.saturating_add(pages::walk(src, c)?.uncompressed);
        if uncompressed > limit {
            return Err(format!(
                "the pages' uncompressed_page_size sum to {uncompressed} bytes (at {}), above \
                 the {limit} bytes a file of {file_len} bytes may declare decoded (the larger of \
                 {FLOOR_BYTES} and {MAX_RATIO} times its size, within the memory available)",
                c.label
            ));
        }
    }
    Ok(())
}

/// A leaf of the schema: what its values take and whether a repeated field is on its path.
#[derive(Debug)]
struct Leaf {
    width: Width,
    flat: bool,
}

/// The schema's leaves in order (the order of each row group's column chunks).
fn leaves(schema: &[meta::SchemaElement]) -> Result<Vec<Leaf>, Refusal> {
    let Some(root) = schema.first() else {
        return Err("the footer's schema is empty".into());
    };
    let children = |e: &meta::SchemaElement, i: usize| match e.num_children {
        Some(n) if n < 0 => Err(format!(
            "schema element {i}: num_children = {n} is negative"
        )),
        n => Ok(n.unwrap_or(0) as u64),
    };
    // Open groups: (children still to come, a repeated field on the path).
    let mut open: Vec<(u64, bool)> = vec![(children(root, 0)?, false)];
    let mut out = Vec::new();
    for (i, e) in schema.iter().enumerate().skip(1) {
        let Some(top) = open.last_mut().filter(|t| t.0 > 0) else {
            return Err(format!(
                "schema element {i} is outside the tree (the root's children end before it)"
            ));
        };
        top.0 -= 1;
        let repeated = top.1 || e.repetition == Some(2);
        let k = children(e, i)?;
        if k > 0 {
            if open.len() >= MAX_SCHEMA_DEPTH {
                return Err(format!(
                    "schema element {i}: groups nest deeper than {MAX_SCHEMA_DEPTH}"
                ));
            }
            open.push((k, repeated));
        } else {
            let width = match e.physical {
                Some(0) => Width::Bit,
                Some(1 | 4) => Width::Bytes(4),
                Some(2 | 5) => Width::Bytes(8),
                Some(3) => Width::Bytes(12),
                Some(6) => Width::Prefixed,
                Some(7) => Width::Bytes(e.type_length.unwrap_or(0).max(0) as u64),
                // No or an unknown physical type: polars refuses the schema itself.
                _ => Width::Bytes(0),
            };
            out.push(Leaf {
                width,
                flat: !repeated,
            });
        }
        while open.last().is_some_and(|t| t.0 == 0) {
            open.pop();
        }
    }
    if let Some(&(k, _)) = open.last() {
        return Err(format!(
            "the footer's schema ends with {k} children of a group missing"
        ));
    }
    Ok(out)
}

fn nonneg(v: Option<i64>, field: &str, at: &str) -> Result<u64, Refusal> {
    match v {
        Some(v) if v >= 0 => Ok(v as u64),
        Some(v) => Err(format!("{at}: {field} = {v} is negative")),
        None => Err(format!("{at} has no {field}")),
    }
}

/// Check the footer's counts and byte ranges; the column chunks to walk. `data_end` is where
/// the footer starts.
fn chunks(
    m: &meta::FileMeta,
    data_end: u64,
    limit: u64,
    file_len: u64,
) -> Result<Vec<Chunk>, Refusal> {
    let leaves = leaves(&m.schema)?;
    let num_rows = nonneg(m.num_rows, "FileMetaData.num_rows", "the footer")?;
    let (mut rows_sum, mut values, mut unc_sum, mut byte_sum) = (0u64, 0u64, 0u64, 0u64);
    let mut out = Vec::new();
    for (g, rg) in m.row_groups.iter().enumerate() {
        let at = format!("row group {g}");
        let rows = nonneg(rg.num_rows, "RowGroup.num_rows", &at)?;
        if let Some(b) = rg.total_byte_size {
            byte_sum = byte_sum.saturating_add(nonneg(Some(b), "RowGroup.total_byte_size", &at)?);
        }
        rows_sum = rows_sum.saturating_add(rows);
        values = values.saturating_add(rows);
        if rg.columns.len() != leaves.len() {
            return Err(format!(
                "{at} has {} column chunks, the schema {} columns",
                rg.columns.len(),
                leaves.len()
            ));
        }
        for (j, (col, leaf)) in rg.columns.iter().zip(&leaves).enumerate() {
            let at = format!("row group {g}, column {j}");
            let Some(c) = col else {
                return Err(format!("{at} has no ColumnMetaData"));
            };
            let n = nonneg(c.num_values, "ColumnMetaData.num_values", &at)?;
            if (leaf.flat && n != rows) || n < rows {
                return Err(format!(
                    "{at}: ColumnMetaData.num_values = {n} for RowGroup.num_rows = {rows}"
                ));
            }
            values = values.saturating_add(n);
            let unc = nonneg(
                c.total_uncompressed_size,
                "ColumnMetaData.total_uncompressed_size",
                &at,
            )?;
            unc_sum = unc_sum.saturating_add(unc);
            let comp = nonneg(
                c.total_compressed_size,
                "ColumnMetaData.total_compressed_size",
                &at,
            )?;
            let data = nonneg(c.data_page_offset, "ColumnMetaData.data_page_offset", &at)?;
            let start = match c.dictionary_page_offset {
                Some(d) => nonneg(Some(d), "ColumnMetaData.dictionary_page_offset", &at)?,
                None => data,
            };
            let end = start.saturating_add(comp);
            if start < 4 || end > data_end || data < start || data > end {
                return Err(format!(
                    "{at}: the chunk's bytes [{start}, {end}) (data pages from {data}) are not \
                     inside the file's data [4, {data_end})"
                ));
            }
            out.push(Chunk {
                label: at,
                start,
                end,
                num_values: n,
                flat: leaf.flat,
                width: leaf.width,
            });
        }
    }
    if rows_sum != num_rows {
        return Err(format!(
            "FileMetaData.num_rows = {num_rows}, the row groups hold {rows_sum} rows"
        ));
    }
    let decoded = values.saturating_mul(8);
    for (what, v) in [
        ("rows and values (8 bytes each)", decoded),
        ("ColumnMetaData.total_uncompressed_size", unc_sum),
        ("RowGroup.total_byte_size", byte_sum),
    ] {
        if v > limit {
            return Err(format!(
                "the footer declares {v} bytes of {what} ({num_rows} rows), above the {limit} \
                 bytes a file of {file_len} bytes may declare decoded (the larger of \
                 {FLOOR_BYTES} and {MAX_RATIO} times its size, within the memory available)"
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn file(meta: &[u8]) -> Vec<u8> {
        let mut f = b"PAR1".to_vec();
        f.extend_from_slice(meta);
        f.extend_from_slice(&(meta.len() as u32).to_le_bytes());
        f.extend_from_slice(b"PAR1");
        f
    }

    fn run(f: &[u8]) -> Result<(), Refusal> {
        check(&mut Cursor::new(f), f.len() as u64)
    }

    #[test]
    fn a_list_longer_than_the_footer_is_refused() {
        // Field 2 (schema, delta 2), type list; list header: size 15 -> varint 10^9, structs.
        let mut meta = vec![0x29, 0xfc];
        let mut v = 1_000_000_000u64;
        while v >= 0x80 {
            meta.push((v as u8) | 0x80);
            v >>= 7;
        }
        meta.push(v as u8);
        meta.push(0);
        let e = run(&file(&meta)).unwrap_err();
        assert!(e.contains("1000000000 elements"), "{e}");
        // A binary claiming more bytes than are left.
        assert!(run(&file(&[0x18, 0x7f, 0x00])).is_err());
        // A footer length beyond the file.
        let mut bad = file(&[0x00]);
        let n = bad.len();
        bad[n - 8..n - 4].copy_from_slice(&1000u32.to_le_bytes());
        assert!(run(&bad).unwrap_err().contains("1000 bytes of metadata"));
        // Not Parquet's magic: left to polars.
        assert_eq!(run(b"a,b\n1,2\n3,4\n"), Ok(()));
    }

    #[test]
    fn schema_trees_are_checked() {
        let el = |rep: Option<i64>, k: Option<i64>| meta::SchemaElement {
            physical: k.is_none().then_some(5),
            type_length: None,
            repetition: rep,
            num_children: k,
        };
        // root { a; g (repeated) { b } }: two leaves, the second one repeated.
        let s = [
            el(None, Some(2)),
            el(Some(0), None),
            el(Some(2), Some(1)),
            el(Some(1), None),
        ];
        let l = leaves(&s).unwrap();
        assert_eq!(l.iter().map(|l| l.flat).collect::<Vec<_>>(), [true, false]);
        // A child too many, a child missing, a negative count.
        assert!(leaves(&s[..3]).unwrap_err().contains("missing"));
        let mut more = s.to_vec();
        more.push(el(Some(0), None));
        assert!(leaves(&more).unwrap_err().contains("outside the tree"));
        assert!(
            leaves(&[el(None, Some(-1))])
                .unwrap_err()
                .contains("negative")
        );
        // Groups nested 100 deep.
        let deep: Vec<_> = (0..100).map(|_| el(Some(0), Some(1))).collect();
        assert!(leaves(&deep).unwrap_err().contains("deeper"));
    }

    #[test]
    fn the_decoded_limit_grows_with_the_file_and_has_a_floor() {
        let small = decoded_limit(100);
        assert!(small <= FLOOR_BYTES);
        if available_memory().is_none_or(|m| m > 100_000 * MAX_RATIO) {
            assert_eq!(small, FLOOR_BYTES);
            assert_eq!(decoded_limit(100_000), 100_000 * MAX_RATIO);
        }
    }
}

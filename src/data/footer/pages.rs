//! A walk over one column chunk's page headers (`PageHeader` of parquet-format, Thrift
//! compact), as polars-parquet 0.55's `PageReader` reads them: an optional dictionary page
//! first, then data pages until their value counts reach the chunk's `num_values`.
//!
//! polars sizes its decoders' buffers by these counts (a page's `num_values` as `usize`: a
//! negative one asked `BitmapBuilder` for 2^61 bytes) and its decompression buffer by
//! `uncompressed_page_size`, so each count is checked against the chunk before polars sees it.

use super::spec::{Kind, fields};
use super::thrift::{Field, Reader, Refusal};
use std::io::{Read, Seek, SeekFrom};

/// How many bytes one plain-encoded value of a column takes at least, for the dictionary
/// page's bound `num_values x width <= uncompressed_page_size`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Width {
    /// BOOLEAN: one bit.
    Bit,
    /// INT32, INT64, INT96, FLOAT, DOUBLE, FIXED_LEN_BYTE_ARRAY: that many bytes.
    Bytes(u64),
    /// BYTE_ARRAY: a 4-byte length before each value.
    Prefixed,
}

/// One column chunk, as the footer declares it (already checked to lie inside the file).
#[derive(Debug, Clone)]
pub struct Chunk {
    /// "row group R, column C", for refusals.
    pub label: String,
    /// Its byte range `[start, end)` in the file (polars starts at the dictionary page offset
    /// when there is one, else at the data page offset).
    pub start: u64,
    pub end: u64,
    /// `ColumnMetaData.num_values`.
    pub num_values: u64,
    /// No repeated field on its schema path (one value, or null, per row).
    pub flat: bool,
    pub width: Width,
}

/// What a walk found: the sum of the pages' `uncompressed_page_size`, which polars allocates
/// page by page to decompress into.
#[derive(Debug, Default, Clone, Copy)]
pub struct Totals {
    pub uncompressed: u64,
    pub pages: u64,
}

#[derive(Debug, Default)]
struct Header {
    ty: Option<i64>,
    uncompressed: Option<i64>,
    compressed: Option<i64>,
    /// `DataPageHeader.num_values`.
    v1_values: Option<i64>,
    /// `DataPageHeaderV2`: num_values, num_nulls, num_rows, and the level byte lengths.
    v2: Option<[Option<i64>; 5]>,
    /// `DictionaryPageHeader`: num_values and encoding.
    dict: Option<[Option<i64>; 2]>,
}

const DATA_PAGE: i64 = 0;
const INDEX_PAGE: i64 = 1;
const DICTIONARY_PAGE: i64 = 2;
const DATA_PAGE_V2: i64 = 3;
/// Encodings of a dictionary page's values: PLAIN and PLAIN_DICTIONARY (both plain values).
const PLAIN: i64 = 0;
const PLAIN_DICTIONARY: i64 = 2;

/// The `i32` fields `ids` of the sub-header `k` (field `f` of the page header).
fn sub(r: &mut Reader<'_>, f: Field, k: Kind, ids: &[i16]) -> Result<[Option<i64>; 5], Refusal> {
    r.expect_struct(f.ty, &format!("{k:?}"))?;
    let mut out = [None; 5];
    fields(r, k, |r, g| match ids.iter().position(|&id| id == g.id) {
        Some(j) => {
            out[j] = Some(r.int32(g, &format!("{k:?} field {}", g.id))?);
            Ok(true)
        }
        None => Ok(false),
    })?;
    Ok(out)
}

fn header(r: &mut Reader<'_>) -> Result<Header, Refusal> {
    let mut h = Header::default();
    fields(r, Kind::PageHeader, |r, f| {
        match f.id {
            1 => h.ty = Some(r.int32(f, "PageHeader.type")?),
            2 => h.uncompressed = Some(r.int32(f, "PageHeader.uncompressed_page_size")?),
            3 => h.compressed = Some(r.int32(f, "PageHeader.compressed_page_size")?),
            5 => h.v1_values = sub(r, f, Kind::DataPageHeader, &[1])?[0],
            7 => {
                let [n, e, ..] = sub(r, f, Kind::DictionaryPageHeader, &[1, 2])?;
                h.dict = Some([n, e]);
            }
            8 => h.v2 = Some(sub(r, f, Kind::DataPageHeaderV2, &[1, 2, 3, 5, 6])?),
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(h)
}

/// Read the page header at `pos` (inside `c`): a window of 512 bytes first, doubled while the
/// header runs past it and the chunk has more bytes. Returns the header and its length.
fn read_header(
    src: &mut (impl Read + Seek),
    c: &Chunk,
    pos: u64,
    what: &str,
) -> Result<(Header, u64), Refusal> {
    let io = |e: std::io::Error| format!("{what}: {e}");
    let room = c.end - pos;
    let mut window = room.min(512);
    loop {
        let mut buf = vec![0u8; window as usize];
        src.seek(SeekFrom::Start(pos)).map_err(io)?;
        src.read_exact(&mut buf).map_err(io)?;
        let mut r = Reader::new(&buf, what);
        match header(&mut r) {
            Ok(h) => return Ok((h, r.pos() as u64)),
            Err(why) if Reader::ran_out(&why) && window < room => {
                window = room.min(window * 2);
            }
            Err(why) => return Err(why),
        }
    }
}

fn need(v: Option<i64>, field: &str, what: &str) -> Result<u64, Refusal> {
    match v {
        Some(v) if v >= 0 => Ok(v as u64),
        Some(v) => Err(format!("{what}: {field} = {v} is negative")),
        None => Err(format!("{what} has no {field}")),
    }
}

/// Walk the pages of chunk `c` in `src` (the whole file).
pub fn walk(src: &mut (impl Read + Seek), c: &Chunk) -> Result<Totals, Refusal> {
    let mut t = Totals::default();
    let mut pos = c.start;
    let mut seen = 0u64;
    // polars' `read_dict` reads the first header of every non-empty chunk, then its data pages
    // are read while their values fall short of `num_values`.
    while pos < c.end && (t.pages == 0 || seen < c.num_values) {
        let what = format!("the page header at byte {pos} ({})", c.label);
        let (h, len) = read_header(src, c, pos, &what)?;
        let ty = need(h.ty, "PageHeader.type", &what)?;
        let unc = need(h.uncompressed, "PageHeader.uncompressed_page_size", &what)?;
        let comp = need(h.compressed, "PageHeader.compressed_page_size", &what)?;
        let data_end = pos + len + comp;
        if data_end > c.end {
            return Err(format!(
                "{what}: compressed_page_size = {comp} runs past the column chunk (its page would \
                 end at byte {data_end}, the chunk ends at byte {})",
                c.end
            ));
        }
        match ty as i64 {
            DICTIONARY_PAGE => {
                if t.pages > 0 {
                    return Err(format!(
                        "{what}: a dictionary page after the chunk's first page"
                    ));
                }
                let [n, enc] = h.dict.unwrap_or_default();
                let n = need(n, "DictionaryPageHeader.num_values", &what)?;
                if matches!(enc, Some(PLAIN | PLAIN_DICTIONARY)) {
                    let bytes = match c.width {
                        Width::Bit => n.div_ceil(8),
                        Width::Bytes(w) => n.saturating_mul(w),
                        Width::Prefixed => n.saturating_mul(4),
                    };
                    if bytes > unc {
                        return Err(format!(
                            "{what}: DictionaryPageHeader.num_values = {n} needs at least {bytes} \
                             bytes, the page holds uncompressed_page_size = {unc}"
                        ));
                    }
                }
            }
            DATA_PAGE => {
                if t.pages == 0 && seen >= c.num_values {
                    // polars reads no data page of a chunk that declares no values.
                    break;
                }
                seen += need(h.v1_values, "DataPageHeader.num_values", &what)?;
            }
            DATA_PAGE_V2 => {
                if t.pages == 0 && seen >= c.num_values {
                    break;
                }
                let [n, nulls, rows, def, rep] = h.v2.unwrap_or_default();
                let n = need(n, "DataPageHeaderV2.num_values", &what)?;
                let nulls = need(nulls, "DataPageHeaderV2.num_nulls", &what)?;
                let rows = need(rows, "DataPageHeaderV2.num_rows", &what)?;
                let levels = need(def, "DataPageHeaderV2.definition_levels_byte_length", &what)?
                    + need(rep, "DataPageHeaderV2.repetition_levels_byte_length", &what)?;
                if nulls > n || rows > n || (c.flat && rows != n) {
                    return Err(format!(
                        "{what}: DataPageHeaderV2 declares num_values = {n}, num_nulls = {nulls}, \
                         num_rows = {rows}"
                    ));
                }
                if levels > comp {
                    return Err(format!(
                        "{what}: DataPageHeaderV2's level lengths ({levels} bytes) exceed \
                         compressed_page_size = {comp}"
                    ));
                }
                seen += n;
            }
            INDEX_PAGE => {}
            other => return Err(format!("{what}: PageHeader.type = {other} is unknown")),
        }
        t.pages += 1;
        t.uncompressed += unc;
        pos = data_end;
    }
    if seen != c.num_values {
        return Err(format!(
            "{}: its data pages hold {seen} values, ColumnMetaData.num_values = {}",
            c.label, c.num_values
        ));
    }
    Ok(t)
}

//! The fields of a Parquet `FileMetaData` (parquet-format's `parquet.thrift`) that polars
//! sizes allocations or byte ranges from; every other field is skipped.

use super::spec::{Kind, fields, structs};
use super::thrift::{Reader, Refusal};

/// `SchemaElement`: the physical type, its length (fixed-length byte arrays), the repetition
/// (0 required, 1 optional, 2 repeated) and the number of children of a group.
#[derive(Debug, Default, Clone)]
pub struct SchemaElement {
    pub physical: Option<i64>,
    pub type_length: Option<i64>,
    pub repetition: Option<i64>,
    pub num_children: Option<i64>,
}

/// `ColumnMetaData`.
#[derive(Debug, Default, Clone)]
pub struct ColumnMeta {
    pub num_values: Option<i64>,
    pub total_uncompressed_size: Option<i64>,
    pub total_compressed_size: Option<i64>,
    pub data_page_offset: Option<i64>,
    pub dictionary_page_offset: Option<i64>,
}

/// `RowGroup`: its column chunks' metadata (`ColumnChunk.meta_data`, `None` when absent).
#[derive(Debug, Default, Clone)]
pub struct RowGroup {
    pub columns: Vec<Option<ColumnMeta>>,
    pub total_byte_size: Option<i64>,
    pub num_rows: Option<i64>,
}

/// `FileMetaData`.
#[derive(Debug, Default, Clone)]
pub struct FileMeta {
    pub schema: Vec<SchemaElement>,
    pub num_rows: Option<i64>,
    pub row_groups: Vec<RowGroup>,
}

fn schema_element(r: &mut Reader<'_>) -> Result<SchemaElement, Refusal> {
    let mut e = SchemaElement::default();
    fields(r, Kind::SchemaElement, |r, f| {
        match f.id {
            1 => e.physical = Some(r.int32(f, "SchemaElement.type")?),
            2 => e.type_length = Some(r.int32(f, "SchemaElement.type_length")?),
            3 => e.repetition = Some(r.int32(f, "SchemaElement.repetition_type")?),
            5 => e.num_children = Some(r.int32(f, "SchemaElement.num_children")?),
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(e)
}

fn column_meta(r: &mut Reader<'_>) -> Result<ColumnMeta, Refusal> {
    let mut m = ColumnMeta::default();
    fields(r, Kind::ColumnMetaData, |r, f| {
        match f.id {
            5 => m.num_values = Some(r.int(f, "ColumnMetaData.num_values")?),
            6 => {
                m.total_uncompressed_size =
                    Some(r.int(f, "ColumnMetaData.total_uncompressed_size")?)
            }
            7 => m.total_compressed_size = Some(r.int(f, "ColumnMetaData.total_compressed_size")?),
            9 => m.data_page_offset = Some(r.int(f, "ColumnMetaData.data_page_offset")?),
            11 => {
                m.dictionary_page_offset = Some(r.int(f, "ColumnMetaData.dictionary_page_offset")?)
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(m)
}

fn column_chunk(r: &mut Reader<'_>) -> Result<Option<ColumnMeta>, Refusal> {
    let mut meta = None;
    fields(r, Kind::ColumnChunk, |r, f| {
        if f.id != 3 {
            return Ok(false);
        }
        meta = Some(column_meta(r)?);
        Ok(true)
    })?;
    Ok(meta)
}

fn row_group(r: &mut Reader<'_>) -> Result<RowGroup, Refusal> {
    let mut g = RowGroup::default();
    fields(r, Kind::RowGroup, |r, f| {
        match f.id {
            1 => g.columns = structs(r, f, "RowGroup.columns", column_chunk)?,
            2 => g.total_byte_size = Some(r.int(f, "RowGroup.total_byte_size")?),
            3 => g.num_rows = Some(r.int(f, "RowGroup.num_rows")?),
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(g)
}

/// Decode the fields of the `FileMetaData` encoded in `buf` (the footer without its length and
/// magic) that the checks use.
pub fn decode(buf: &[u8]) -> Result<FileMeta, Refusal> {
    let mut r = Reader::new(buf, "the footer");
    let mut m = FileMeta::default();
    fields(&mut r, Kind::FileMetaData, |r, f| {
        match f.id {
            2 => m.schema = structs(r, f, "FileMetaData.schema", schema_element)?,
            3 => m.num_rows = Some(r.int(f, "FileMetaData.num_rows")?),
            4 => m.row_groups = structs(r, f, "FileMetaData.row_groups", row_group)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(m)
}

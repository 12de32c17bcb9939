//! The Thrift types of the fields polars-parquet 0.55 reads from a footer and a page header
//! (parquet-format's `parquet.thrift`).
//!
//! polars' footer decoder (and the generated page-header decoder) dispatch on a field's id and
//! read the value as the id's type says, whatever type the field header declares: a
//! `row_groups` field encoded as a boolean made it read a list header out of the bytes that
//! follow and preallocate 28-222 GB from it (fuzz/read_table). So a field whose declared type
//! is not its id's type is refused here, and then what these checks read is what polars reads.

use super::thrift::{Field, Reader, Refusal, STRUCT};

/// The structs of the footer and the page header.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    FileMetaData,
    SchemaElement,
    RowGroup,
    ColumnChunk,
    ColumnMetaData,
    Statistics,
    KeyValue,
    SortingColumn,
    ColumnOrder,
    LogicalType,
    DecimalType,
    TimeUnit,
    TimeType,
    IntType,
    /// A struct without fields (the unions' unit variants).
    Empty,
    PageHeader,
    DataPageHeader,
    DictionaryPageHeader,
    DataPageHeaderV2,
}

/// What a field's id says it holds.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Ty {
    /// `i16`, `i32` or `i64`: a zigzag varint.
    Int,
    /// `i8`: one byte.
    Byte,
    Binary,
    Bool,
    Struct(Kind),
    List(Elem),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Elem {
    Int,
    Binary,
    Struct(Kind),
}

fn spec(k: Kind, id: i16) -> Option<Ty> {
    use Kind as K;
    use Ty::*;
    Some(match (k, id) {
        (K::FileMetaData, 1 | 3) => Int,
        (K::FileMetaData, 2) => List(Elem::Struct(K::SchemaElement)),
        (K::FileMetaData, 4) => List(Elem::Struct(K::RowGroup)),
        (K::FileMetaData, 5) => List(Elem::Struct(K::KeyValue)),
        (K::FileMetaData, 6) => Binary,
        (K::FileMetaData, 7) => List(Elem::Struct(K::ColumnOrder)),
        (K::SchemaElement, 1..=3 | 5..=9) => Int,
        (K::SchemaElement, 4) => Binary,
        (K::SchemaElement, 10) => Struct(K::LogicalType),
        (K::RowGroup, 1) => List(Elem::Struct(K::ColumnChunk)),
        (K::RowGroup, 2 | 3 | 5..=7) => Int,
        (K::RowGroup, 4) => List(Elem::Struct(K::SortingColumn)),
        (K::ColumnChunk, 1) => Binary,
        (K::ColumnChunk, 2 | 4..=7) => Int,
        (K::ColumnChunk, 3) => Struct(K::ColumnMetaData),
        (K::ColumnMetaData, 1 | 4..=7 | 9..=11 | 14 | 15) => Int,
        (K::ColumnMetaData, 2) => List(Elem::Int),
        (K::ColumnMetaData, 3) => List(Elem::Binary),
        (K::ColumnMetaData, 12) => Struct(K::Statistics),
        (K::Statistics, 1 | 2 | 5 | 6) => Binary,
        (K::Statistics, 3 | 4) => Int,
        (K::Statistics, 7 | 8) => Bool,
        (K::KeyValue, 1 | 2) => Binary,
        (K::SortingColumn, 1) => Int,
        (K::SortingColumn, 2 | 3) => Bool,
        (K::ColumnOrder, 1 | 2) => Struct(K::Empty),
        (K::LogicalType, 1..=4 | 6 | 11..=15) => Struct(K::Empty),
        (K::LogicalType, 5) => Struct(K::DecimalType),
        (K::LogicalType, 7 | 8) => Struct(K::TimeType),
        (K::LogicalType, 10) => Struct(K::IntType),
        (K::DecimalType, 1 | 2) => Int,
        (K::TimeUnit, 1..=3) => Struct(K::Empty),
        (K::TimeType, 1) => Bool,
        (K::TimeType, 2) => Struct(K::TimeUnit),
        (K::IntType, 1) => Byte,
        (K::IntType, 2) => Bool,
        (K::PageHeader, 1..=4) => Int,
        (K::PageHeader, 5) => Struct(K::DataPageHeader),
        // IndexPageHeader has no fields.
        (K::PageHeader, 6) => Struct(K::Empty),
        (K::PageHeader, 7) => Struct(K::DictionaryPageHeader),
        (K::PageHeader, 8) => Struct(K::DataPageHeaderV2),
        (K::DataPageHeader, 1..=4) => Int,
        (K::DataPageHeader, 5) => Struct(K::Statistics),
        (K::DictionaryPageHeader, 1 | 2) => Int,
        (K::DictionaryPageHeader, 3) => Bool,
        (K::DataPageHeaderV2, 1..=6) => Int,
        (K::DataPageHeaderV2, 7) => Bool,
        (K::DataPageHeaderV2, 8) => Struct(K::Statistics),
        _ => return None,
    })
}

fn matches(ty: u8, want: Ty) -> bool {
    match want {
        Ty::Int => (4..=6).contains(&ty),
        Ty::Byte => ty == 3,
        Ty::Binary => ty == 8,
        Ty::Bool => ty == 1 || ty == 2,
        Ty::Struct(_) => ty == STRUCT,
        Ty::List(_) => ty == 9 || ty == 10,
    }
}

/// Refuse field `f` of struct `k` when its declared type is not what its id holds.
pub fn expect(r: &Reader<'_>, k: Kind, f: Field) -> Result<(), Refusal> {
    match spec(k, f.id) {
        Some(want) if !matches(f.ty, want) => Err(r.refuse(&format!(
            "{k:?} field {} has Thrift type {}, where polars reads {want:?}",
            f.id, f.ty
        ))),
        _ => Ok(()),
    }
}

/// Skip the value of field `f` of struct `k`, checking the types of what polars reads in it.
pub fn skip(r: &mut Reader<'_>, k: Kind, f: Field) -> Result<(), Refusal> {
    expect(r, k, f)?;
    match spec(k, f.id) {
        Some(Ty::Struct(inner)) => fields(r, inner, |_, _| Ok(false)),
        Some(Ty::List(e)) => {
            let (n, et) = r.list(f, &format!("{k:?} field {}", f.id))?;
            let ok = n == 0
                || match e {
                    Elem::Int => (4..=6).contains(&et),
                    Elem::Binary => et == 8,
                    Elem::Struct(_) => et == STRUCT,
                };
            if !ok {
                return Err(r.refuse(&format!(
                    "{k:?} field {} is a list of Thrift type {et}, where polars reads {e:?}",
                    f.id
                )));
            }
            for _ in 0..n {
                match e {
                    Elem::Struct(inner) => fields(r, inner, |_, _| Ok(false))?,
                    _ => r.skip(et, 1)?,
                }
            }
            Ok(())
        }
        _ => r.skip_field(f),
    }
}

/// Read the struct `k` that starts at the reader's position, calling `on` for each field; `on`
/// returns `false` for a field it does not read, which is then type-checked and skipped.
pub fn fields(
    r: &mut Reader<'_>,
    k: Kind,
    mut on: impl FnMut(&mut Reader<'_>, Field) -> Result<bool, Refusal>,
) -> Result<(), Refusal> {
    let mut last = 0;
    while let Some(f) = r.field(&mut last)? {
        expect(r, k, f)?;
        if !on(r, f)? {
            skip(r, k, f)?;
        }
    }
    Ok(())
}

/// A list of structs `k` (field `f`), each read by `one`.
pub fn structs<T>(
    r: &mut Reader<'_>,
    f: Field,
    name: &str,
    mut one: impl FnMut(&mut Reader<'_>) -> Result<T, Refusal>,
) -> Result<Vec<T>, Refusal> {
    let (n, ty) = r.list(f, name)?;
    if n > 0 && ty != STRUCT {
        return Err(r.refuse(&format!(
            "{name} is a list of Thrift type {ty}, not of structs"
        )));
    }
    // Each element takes at least its stop byte, so `n` is bounded by the bytes left.
    let mut out = Vec::with_capacity(n as usize);
    for _ in 0..n {
        out.push(one(r)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::data::footer::spec::*;

    #[test]
    fn a_field_of_the_wrong_type_is_refused() {
        // FileMetaData field 4 (row_groups) declared as a boolean (type 1), then field 5 as
        // an i32 where polars reads a list.
        let mut r = Reader::new(&[0x41, 0x00], "t");
        let e = fields(&mut r, Kind::FileMetaData, |_, _| Ok(false)).unwrap_err();
        assert!(e.contains("FileMetaData field 4 has Thrift type 1"), "{e}");
        let mut r = Reader::new(&[0x55, 0x02, 0x00], "t");
        assert!(fields(&mut r, Kind::FileMetaData, |_, _| Ok(false)).is_err());
        // An unknown field id of any type is skipped; an empty list of element type 0 (as
        // fastparquet writes it) passes.
        let mut r = Reader::new(&[0xf5, 0x02, 0x19, 0x00, 0x00], "t");
        fields(&mut r, Kind::RowGroup, |_, _| Ok(false)).unwrap();
        let mut r = Reader::new(&[0x49, 0x00, 0x00], "t");
        fields(&mut r, Kind::FileMetaData, |_, _| Ok(false)).unwrap();
    }
}

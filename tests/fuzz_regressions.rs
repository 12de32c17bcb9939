//! Inputs found by the fuzz targets (fuzz/, issue 20), each a typed error now.
#![cfg(feature = "io")]

use veristat::Error;

/// fuzz/read_table: a damaged Parquet file on which polars-arrow 0.55 panics (bitmap slice out
/// of range) is a typed `Format` error naming the file, not a panic.
#[test]
fn a_parquet_file_that_panics_polars_is_a_typed_error() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/fuzz/polars-bitmap-panic.parquet"
    );
    match veristat::data::read_table(path) {
        Err(Error::Format { message, .. }) => assert!(!message.is_empty()),
        other => panic!("expected a Format error, got {other:?}"),
    }
}

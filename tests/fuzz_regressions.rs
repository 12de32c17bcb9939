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

/// fuzz/read_table, long run: damaged Parquet files on which polars-parquet 0.55 panics while
/// decoding the file metadata ("thrift bool field", outside the reader the first guard covered);
/// each is a typed `Format` error through every reader of Parquet files: the table reader, a
/// Monte Carlo part (`merge`) and the LDP column reader (`ldp privatize`).
#[test]
fn parquet_files_that_panic_polars_metadata_are_typed_errors() {
    for name in [
        "polars-thrift-panic-1.parquet",
        "polars-thrift-panic-2.parquet",
    ] {
        let path = format!("{}/tests/fixtures/fuzz/{name}", env!("CARGO_MANIFEST_DIR"));
        match veristat::data::read_table(&path) {
            Err(Error::Format { message, .. }) => assert!(!message.is_empty()),
            other => panic!("{name}: expected a Format error, got {other:?}"),
        }
        let p = std::path::Path::new(&path);
        assert!(veristat::montecarlo::store::read(p).is_err(), "{name}");
        // The LDP column reader reads the schema, then slices: whatever it returns (the schema
        // of these files is readable), it returns instead of panicking.
        let cells =
            veristat::ldp::io::ColumnReader::open(p, "a").and_then(|mut c| c.next_cells(64));
        if let Err(e) = cells {
            assert!(
                matches!(e, Error::Format { .. } | Error::MissingColumn { .. }),
                "{e:?}"
            );
        }
    }
}

/// fuzz/read_table, long run: more damaged Parquet files on which polars 0.55 panics inside its
/// decoders (a column chunk without metadata, a bitmap slice, a plain-page length assertion, an
/// `unreachable!`), replayed with the reader the fuzzer used; each is a typed error.
#[test]
fn parquet_files_that_panic_polars_decoders_are_typed_errors() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fuzz");
    let whole = [
        "polars-column-chunk-panic.parquet",
        "polars-bitmap-panic-2.parquet",
    ];
    for name in whole {
        let r = veristat::data::read_table(format!("{dir}/{name}"));
        assert!(matches!(r, Err(Error::Format { .. })), "{name}: {r:?}");
    }
    let picked = ["a".to_string(), "y".to_string()];
    for name in [
        "polars-plain-decode-panic.parquet",
        "polars-unreachable-panic.parquet",
    ] {
        let r = veristat::data::read_columns(format!("{dir}/{name}"), &picked);
        assert!(matches!(r, Err(Error::Format { .. })), "{name}: {r:?}");
    }
}

/// fuzz/read_table, long run: damaged footers declaring lists of ~10^9 elements in a 1 kB file,
/// on which polars-parquet 0.55 asks for tens of gigabytes and the failed allocation aborts the
/// process (no panic to catch). `data::footer` refuses them before polars sees them.
#[test]
fn parquet_footers_declaring_huge_lists_are_refused() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fuzz");
    for i in 1..=3 {
        let path = format!("{dir}/polars-footer-alloc-{i}.parquet");
        match veristat::data::read_table(&path) {
            Err(Error::Format { message, .. }) => assert!(message.contains("footer"), "{message}"),
            other => panic!("{path}: expected a Format error, got {other:?}"),
        }
    }
}

/// fuzz/cli: `ldp audit`/`ldp sample` at an ε where e^ε overflows panicked in the samplers
/// (`p=NaN is outside range`, in GRR, OUE, OLH, Duchi and the piecewise mechanism); now every
/// mechanism refuses such an ε with a typed error naming `epsilon`, at both ends of the range.
#[test]
fn every_mechanism_refuses_an_extreme_epsilon() {
    for &name in veristat::ldp::mechanisms::NAMES {
        for eps in [710.0, 1500.0, 1e300, 1e-9] {
            match veristat::ldp::mechanisms::by_name(name, eps, Some(1e-6), 4, 3) {
                Err(e) => assert!(e.to_string().contains("epsilon"), "{name} {eps}: {e}"),
                Ok(_) => panic!("{name} at epsilon {eps} was accepted"),
            }
        }
        assert!(
            veristat::ldp::mechanisms::by_name(name, 0.5, Some(1e-6), 4, 3).is_ok(),
            "{name}"
        );
    }
}

/// fuzz/read_table, long run: damaged Parquet files on which polars-parquet 0.55 aborted the
/// process on a failed allocation (136 GB from a `row_groups` field of the wrong Thrift type,
/// 2^61 bytes for `BitmapBuilder` from a negative page value count, a column chunk past the
/// footer, a row count its column does not hold) or spent seconds skipping a list of 2^31
/// booleans (a timeout). `data::footer` refuses each before polars sees it, naming the field,
/// through every reader of Parquet files.
#[test]
fn parquet_files_declaring_more_than_they_hold_are_refused() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fuzz");
    for (name, field) in [
        (
            "polars-wrong-type-alloc",
            "FileMetaData field 4 has Thrift type 8",
        ),
        (
            "polars-page-values-alloc",
            "DataPageHeader.num_values = -31",
        ),
        ("polars-chunk-range-alloc", "are not inside the file's data"),
        (
            "polars-row-count-alloc",
            "Statistics field 3 has Thrift type 2",
        ),
        (
            "polars-bool-list-timeout",
            "Statistics field 3 has Thrift type 2",
        ),
    ] {
        let path = format!("{dir}/{name}.parquet");
        let t0 = std::time::Instant::now();
        match veristat::data::read_table(&path) {
            Err(Error::Format { message, .. }) => assert!(message.contains(field), "{message}"),
            other => panic!("{name}: expected a Format error, got {other:?}"),
        }
        let p = std::path::Path::new(&path);
        assert!(veristat::montecarlo::store::read(p).is_err(), "{name}");
        let r = veristat::ldp::io::ColumnReader::open(p, "a");
        assert!(matches!(r, Err(Error::Format { .. })), "{name}");
        // Refused from the metadata alone (polars took 5 s on the last one before failing).
        assert!(
            t0.elapsed().as_secs_f64() < 2.0,
            "{name}: {:?}",
            t0.elapsed()
        );
    }
}

/// Valid Parquet files of other writers pass the metadata check and read right: pyarrow 26
/// (row groups; v2 pages of 128 bytes with zstd, a page index, nulls, strings and a list
/// column; gzip without statistics or dictionaries) and Python polars 2.1 (default; lz4 row
/// groups with statistics). Written by `tests/fixtures/writers/make.py`.
#[test]
fn parquet_files_of_other_writers_still_read() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/writers");
    let cols = ["a".to_string(), "b".to_string(), "y".to_string()];
    for name in [
        "pyarrow-default",
        "pyarrow-v2-zstd-pages",
        "pyarrow-gzip-nostats",
        "pypolars-default",
        "pypolars-rowgroups",
    ] {
        let t = veristat::data::read_columns(format!("{dir}/{name}.parquet"), &cols)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(t.n_rows(), 100, "{name}");
        let (a, b, y) = (
            t.column("a").unwrap(),
            t.column("b").unwrap(),
            t.column("y").unwrap(),
        );
        assert_eq!(a.iter().sum::<f64>(), 1237.5, "{name}");
        assert_eq!(b.iter().sum::<f64>(), 295.0, "{name}");
        assert!((0..100).all(|i| y[i] == 2.0 * a[i] - b[i]), "{name}");
    }
}

//! The data path: any bytes as a CSV or Parquet file into a `Table` and a regression `Dataset`.
//! Invariant: a table whose every cell is finite, with unique non-empty names and equal column
//! lengths, or a typed error; never a panic, an abort or a hang.
//!
//! Input: byte 0 picks the extension (even: `.csv`, odd: `.parquet`) and how the columns are
//! selected (all, only some, a command's `read_used`); byte 1 picks the column names asked for;
//! the rest is the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use veristat::data::{Table, read_columns, read_table, read_used};

/// Names the selections ask for: those of the seed corpus, an empty one and one with a space.
const NAMES: [&str; 8] = ["a", "b", "y", "label", "score", "", " a", "x1"];

fn scratch(ext: &str) -> PathBuf {
    // One file per process and extension, in memory where the system has /dev/shm.
    let dir = if std::path::Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    dir.join(format!("veristat-fuzz-{}.{ext}", std::process::id()))
}

fn check(t: &Table) {
    let names = t.names();
    assert!(!names.is_empty());
    for (i, n) in names.iter().enumerate() {
        assert!(!names[..i].contains(n), "duplicate column {n:?} accepted");
        let col = t.column(n).expect("a listed column");
        assert_eq!(col.len(), t.n_rows());
        assert!(
            col.iter().all(|v| v.is_finite()),
            "non-finite cell in {n:?}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    // libFuzzer's panic hook aborts on every panic, also one veristat catches and turns into a
    // typed error (polars' Parquet reader); back to the default hook, an uncaught panic still
    // reaches libfuzzer-sys's own catch and aborts.
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| drop(std::panic::take_hook()));
    if data.len() < 2 {
        return;
    }
    let (mode, pick, body) = (data[0], data[1], &data[2..]);
    let path = scratch(if mode & 1 == 0 { "csv" } else { "parquet" });
    std::fs::write(&path, body).expect("scratch file");
    let picked: Vec<String> = (0..NAMES.len())
        .filter(|i| pick & (1 << i) != 0)
        .map(|i| NAMES[i].to_string())
        .collect();
    let table = match (mode >> 1) % 3 {
        0 => read_table(&path),
        1 => read_columns(&path, &picked),
        _ => read_used(
            &path,
            NAMES[usize::from(pick % 5)],
            Some(picked.as_slice()),
            &["fold"],
        ),
    };
    if let Ok(t) = table {
        check(&t);
        let target = &t.names()[0];
        if let Ok(ds) = t.dataset(target, None, &[]) {
            assert_eq!(ds.x.nrows(), ds.y.len());
            assert!(ds.x.iter().chain(ds.y.iter()).all(|v| v.is_finite()));
            assert!(!ds.feature_names.contains(target));
        }
    }
});

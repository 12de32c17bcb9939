//! Tests on Parquet files built byte by byte: one valid file (which polars reads), and the
//! same file with one declared count or offset changed, as the fuzzer's files changed them.

use super::{FLOOR_BYTES, check};
use std::io::Cursor;

/// A Thrift compact encoder, enough for a footer and a page header.
struct W {
    buf: Vec<u8>,
    last: Vec<i16>,
}

impl W {
    fn new() -> Self {
        Self {
            buf: Vec::new(),
            last: vec![0],
        }
    }

    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push(v as u8 | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    fn zigzag(&mut self, v: i64) {
        self.varint(((v << 1) ^ (v >> 63)) as u64);
    }

    fn head(&mut self, id: i16, ty: u8) {
        let last = self.last.last_mut().expect("a struct is open");
        let delta = id - *last;
        *last = id;
        if (1..=15).contains(&delta) {
            self.buf.push(((delta as u8) << 4) | ty);
        } else {
            self.buf.push(ty);
            self.zigzag(i64::from(id));
        }
    }

    fn int(&mut self, id: i16, v: i64) -> &mut Self {
        self.head(id, 6);
        self.zigzag(v);
        self
    }

    fn bin(&mut self, id: i16, b: &[u8]) -> &mut Self {
        self.head(id, 8);
        self.varint(b.len() as u64);
        self.buf.extend_from_slice(b);
        self
    }

    /// A struct field (`id`) or, with `None`, a struct element of a list.
    fn open(&mut self, id: Option<i16>) -> &mut Self {
        if let Some(id) = id {
            self.head(id, 12);
        }
        self.last.push(0);
        self
    }

    fn close(&mut self) -> &mut Self {
        self.buf.push(0);
        self.last.pop();
        self
    }

    fn list(&mut self, id: i16, n: usize, elem: u8) -> &mut Self {
        self.head(id, 9);
        if n < 15 {
            self.buf.push(((n as u8) << 4) | elem);
        } else {
            self.buf.push(0xf0 | elem);
            self.varint(n as u64);
        }
        self
    }
}

/// What the built file declares; `Spec::valid(n)` is consistent with its `n` doubles.
#[derive(Clone, Copy)]
struct Spec {
    n: usize,
    file_rows: i64,
    group_rows: i64,
    chunk_values: i64,
    page_values: i64,
    /// Added to the data page's `compressed_page_size`.
    page_extra: i64,
    /// `None`: the chunk's real offset (4).
    data_offset: Option<i64>,
}

impl Spec {
    fn valid(n: usize) -> Self {
        let k = n as i64;
        Self {
            n,
            file_rows: k,
            group_rows: k,
            chunk_values: k,
            page_values: k,
            page_extra: 0,
            data_offset: None,
        }
    }
}

/// A Parquet file of one required DOUBLE column `a` = 0, 1, ..., n-1: one row group, one
/// uncompressed PLAIN data page (v1).
fn build(s: Spec) -> Vec<u8> {
    let bytes = 8 * s.n as i64;
    let mut h = W::new();
    h.int(1, 0).int(2, bytes).int(3, bytes + s.page_extra);
    h.open(Some(5))
        .int(1, s.page_values)
        .int(2, 0)
        .int(3, 3)
        .int(4, 3)
        .close();
    h.buf.push(0);
    let mut f = b"PAR1".to_vec();
    f.extend_from_slice(&h.buf);
    for i in 0..s.n {
        f.extend_from_slice(&(i as f64).to_le_bytes());
    }
    let chunk = f.len() as i64 - 4;
    let mut m = W::new();
    m.int(1, 1).list(2, 2, 12);
    m.open(None).bin(4, b"schema").int(5, 1).close();
    m.open(None).int(1, 5).int(3, 0).bin(4, b"a").close();
    m.int(3, s.file_rows).list(4, 1, 12).open(None);
    m.list(1, 1, 12).open(None).int(2, 4).open(Some(3));
    m.int(1, 5).list(2, 1, 5);
    m.zigzag(0);
    m.list(3, 1, 8);
    m.varint(1);
    m.buf.push(b'a');
    m.int(4, 0)
        .int(5, s.chunk_values)
        .int(6, chunk)
        .int(7, chunk)
        .int(9, s.data_offset.unwrap_or(4));
    m.close().close();
    m.int(2, chunk).int(3, s.group_rows).close();
    m.buf.push(0);
    f.extend_from_slice(&m.buf);
    f.extend_from_slice(&(m.buf.len() as u32).to_le_bytes());
    f.extend_from_slice(b"PAR1");
    f
}

fn refusal(s: Spec) -> String {
    let f = build(s);
    check(&mut Cursor::new(&f), f.len() as u64).expect_err("the file should be refused")
}

#[test]
fn the_built_file_passes_and_polars_reads_it() {
    let f = build(Spec::valid(10));
    assert_eq!(check(&mut Cursor::new(&f), f.len() as u64), Ok(()));
    let path = std::env::temp_dir().join(format!("veristat-built-{}.parquet", std::process::id()));
    std::fs::write(&path, &f).unwrap();
    let t = crate::data::read_table(&path);
    std::fs::remove_file(&path).unwrap();
    let t = t.unwrap();
    assert_eq!(
        t.column("a").unwrap(),
        (0..10).map(f64::from).collect::<Vec<_>>()
    );
}

#[test]
fn each_inconsistent_count_is_refused_by_name() {
    let v = Spec::valid(10);
    let cases: [(Spec, &str); 7] = [
        (
            Spec { file_rows: 11, ..v },
            "FileMetaData.num_rows = 11, the row groups hold 10",
        ),
        (
            Spec {
                chunk_values: 9,
                page_values: 9,
                ..v
            },
            "ColumnMetaData.num_values = 9 for RowGroup.num_rows = 10",
        ),
        (
            Spec {
                page_values: -1,
                ..v
            },
            "DataPageHeader.num_values = -1 is negative",
        ),
        (
            Spec {
                page_values: 9,
                ..v
            },
            "its data pages hold 9 values, ColumnMetaData.num_values = 10",
        ),
        (
            Spec {
                page_extra: 100,
                ..v
            },
            "compressed_page_size = 180 runs past the column chunk",
        ),
        (
            Spec {
                data_offset: Some(10_000),
                ..v
            },
            "are not inside the file's data",
        ),
        (
            Spec {
                group_rows: -5,
                file_rows: -5,
                ..v
            },
            "FileMetaData.num_rows = -5 is negative",
        ),
    ];
    for (s, want) in cases {
        let e = refusal(s);
        assert!(e.contains(want), "{e}\nexpected: {want}");
    }
}

#[test]
fn a_file_declaring_more_decoded_bytes_than_the_limit_is_refused() {
    // 10^8 rows of one column in a file of a few hundred bytes: 1.6 GB decoded (values and
    // rows, 8 bytes each), above the 64 MiB floor, refused before any page is read.
    let big = 100_000_000;
    let s = Spec {
        file_rows: big,
        group_rows: big,
        chunk_values: big,
        page_values: big,
        ..Spec::valid(10)
    };
    let e = refusal(s);
    assert!(e.contains("1600000000 bytes of rows and values"), "{e}");
    // Below the floor a file may declare more than it holds per byte: 10^6 rows pass the
    // limit (and are then refused by the page walk, the page holding 10 values' bytes only,
    // as polars would refuse them).
    let m = 1_000_000;
    assert!(16 * m as u64 <= FLOOR_BYTES);
    let e = refusal(Spec {
        file_rows: m,
        group_rows: m,
        chunk_values: m,
        ..Spec::valid(10)
    });
    assert!(e.contains("data pages hold 10 values"), "{e}");
}

//! A bounds check of a Parquet file's footer before polars decodes it.
//!
//! polars-parquet 0.55 sizes its vectors by the element counts a footer declares: a damaged
//! footer that declares 10^9 row groups in a 1 kB file makes it ask for tens of gigabytes, and the
//! failed allocation aborts the process (found by fuzz/read_table; an abort cannot be caught as
//! the decoders' panics are in [`super::parquet_guard`]). This walks the footer's Thrift compact
//! encoding (the Apache Thrift compact protocol specification) without decoding it and refuses
//! any list, set, map or binary whose declared size exceeds the bytes left, which bounds every
//! allocation by the file's size.

/// Why a footer was refused, for [`crate::Error::Format`].
pub type Refusal = String;

/// Check a Parquet file's footer: `tail` is the end of the file (at least the footer, its length
/// and the magic), `file_len` the file's length.
pub fn check(tail: &[u8], file_len: u64) -> Result<(), Refusal> {
    let n = tail.len();
    if n < 8 || &tail[n - 4..] != b"PAR1" {
        // Not a plain Parquet footer (an encrypted one, or no Parquet at all): polars reports it.
        return Ok(());
    }
    let len = u32::from_le_bytes([tail[n - 8], tail[n - 7], tail[n - 6], tail[n - 5]]) as u64;
    if len + 12 > file_len || len as usize > n - 8 {
        return Err(format!(
            "the footer claims {len} bytes of metadata in a file of {file_len} bytes"
        ));
    }
    let meta = &tail[n - 8 - len as usize..n - 8];
    let mut w = Walker { buf: meta, pos: 0 };
    w.value(STRUCT, 0)
}

const STRUCT: u8 = 12;
const MAX_DEPTH: usize = 64;

struct Walker<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Walker<'_> {
    fn left(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn byte(&mut self) -> Result<u8, Refusal> {
        let b = *self
            .buf
            .get(self.pos)
            .ok_or_else(|| "the footer's metadata ends inside a value".to_string())?;
        self.pos += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, Refusal> {
        let mut v = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift.min(63);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err("a varint of the footer's metadata runs over 10 bytes".into())
    }

    fn skip(&mut self, k: u64, what: &str) -> Result<(), Refusal> {
        if k > self.left() as u64 {
            return Err(format!(
                "the footer declares a {what} of {k} bytes with {} bytes left",
                self.left()
            ));
        }
        self.pos += k as usize;
        Ok(())
    }

    /// `count` elements, each at least one byte long, must fit in what is left.
    fn count(&self, count: u64, what: &str) -> Result<(), Refusal> {
        if count > self.left() as u64 {
            return Err(format!(
                "the footer declares a {what} of {count} elements with {} bytes left",
                self.left()
            ));
        }
        Ok(())
    }

    fn value(&mut self, ty: u8, depth: usize) -> Result<(), Refusal> {
        if depth > MAX_DEPTH {
            return Err(format!("the footer nests values deeper than {MAX_DEPTH}"));
        }
        match ty {
            // Booleans inside a list take one byte; in a struct's field header they take none
            // (handled by the caller).
            1..=3 => self.skip(1, "byte"),
            4..=6 => self.varint().map(|_| ()),
            7 => self.skip(8, "double"),
            8 => {
                let k = self.varint()?;
                self.skip(k, "binary")
            }
            9 | 10 => {
                let h = self.byte()?;
                let mut size = u64::from(h >> 4);
                if size == 15 {
                    size = self.varint()?;
                }
                self.count(size, "list")?;
                for _ in 0..size {
                    self.value(h & 0x0f, depth + 1)?;
                }
                Ok(())
            }
            11 => {
                let size = self.varint()?;
                if size == 0 {
                    return Ok(());
                }
                self.count(size.saturating_mul(2), "map")?;
                let kv = self.byte()?;
                for _ in 0..size {
                    self.value(kv >> 4, depth + 1)?;
                    self.value(kv & 0x0f, depth + 1)?;
                }
                Ok(())
            }
            STRUCT => loop {
                let h = self.byte()?;
                if h == 0 {
                    return Ok(());
                }
                if h >> 4 == 0 {
                    self.varint()?;
                }
                match h & 0x0f {
                    1 | 2 => {}
                    t => self.value(t, depth + 1)?,
                }
            },
            13 => self.skip(16, "uuid"),
            t => Err(format!(
                "the footer holds a value of unknown Thrift type {t}"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(meta: &[u8]) -> Vec<u8> {
        let mut f = b"PAR1".to_vec();
        f.extend_from_slice(meta);
        f.extend_from_slice(&(meta.len() as u32).to_le_bytes());
        f.extend_from_slice(b"PAR1");
        f
    }

    #[test]
    fn a_list_longer_than_the_footer_is_refused() {
        // Struct field 1 (delta 1), type list; list header: size 15 -> varint 10^9, i32 elements.
        let mut meta = vec![0x19, 0xf5];
        let mut v = 1_000_000_000u64;
        while v >= 0x80 {
            meta.push((v as u8) | 0x80);
            v >>= 7;
        }
        meta.push(v as u8);
        meta.push(0);
        let f = file(&meta);
        let e = check(&f, f.len() as u64).unwrap_err();
        assert!(e.contains("1000000000 elements"), "{e}");
        // The same list with 2 elements that are there passes.
        let ok = file(&[0x19, 0x25, 0x02, 0x04, 0x00]);
        assert_eq!(check(&ok, ok.len() as u64), Ok(()));
        // A binary claiming more bytes than are left.
        let bin = file(&[0x18, 0x7f, 0x00]);
        assert!(check(&bin, bin.len() as u64).is_err());
        // A footer length beyond the file.
        let mut bad = file(&[0x00]);
        let n = bad.len();
        bad[n - 8..n - 4].copy_from_slice(&1000u32.to_le_bytes());
        assert!(check(&bad, bad.len() as u64).is_err());
    }
}

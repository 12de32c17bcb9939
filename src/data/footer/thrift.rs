//! A reader of the Thrift compact protocol (the Apache Thrift compact protocol specification),
//! which encodes a Parquet file's footer (`FileMetaData`) and its page headers (`PageHeader`).
//!
//! It reads the few integer fields the checks need and skips every other value without decoding
//! it; every list, set, map or binary must fit in the bytes left, so no declared length can
//! size an allocation here.

/// Why a file was refused, for [`crate::Error::Format`].
pub type Refusal = String;

/// Thrift compact type ids.
pub const STRUCT: u8 = 12;
const LIST: u8 = 9;
const SET: u8 = 10;
const MAX_DEPTH: usize = 64;

/// A cursor over one encoded value; `what` names the value in refusals ("the footer", "the
/// page header at byte 1234").
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    what: &'a str,
}

/// The field header of a struct's next field.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub id: i16,
    pub ty: u8,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8], what: &'a str) -> Self {
        Self { buf, pos: 0, what }
    }

    /// A refusal about this value.
    pub fn refuse(&self, why: &str) -> Refusal {
        format!("{}: {why}", self.what)
    }

    /// Bytes consumed so far.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Whether the last refusal was the end of the bytes (a page header read through a window
    /// too short for it): the caller may read a longer window and try again.
    pub fn ran_out(why: &str) -> bool {
        why.ends_with(ENDS_INSIDE)
    }

    fn left(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn byte(&mut self) -> Result<u8, Refusal> {
        let b = *self
            .buf
            .get(self.pos)
            .ok_or_else(|| format!("{}{ENDS_INSIDE}", self.what))?;
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
        Err(format!("a varint of {} runs over 10 bytes", self.what))
    }

    fn zigzag(&mut self) -> Result<i64, Refusal> {
        let v = self.varint()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    fn skip_bytes(&mut self, k: u64, kind: &str) -> Result<(), Refusal> {
        if k > self.left() as u64 {
            return Err(format!(
                "{} declares a {kind} of {k} bytes with {} bytes left",
                self.what,
                self.left()
            ));
        }
        self.pos += k as usize;
        Ok(())
    }

    /// `count` elements, each at least one byte long, must fit in what is left.
    fn count(&self, count: u64, kind: &str) -> Result<(), Refusal> {
        if count > self.left() as u64 {
            return Err(format!(
                "{} declares a {kind} of {count} elements with {} bytes left",
                self.what,
                self.left()
            ));
        }
        Ok(())
    }

    /// The next field of a struct (`last` is the previous field's id, 0 at the start), or
    /// `None` at the struct's end. A boolean field carries its value in its type (1 true, 2
    /// false) and has no bytes of its own.
    pub fn field(&mut self, last: &mut i16) -> Result<Option<Field>, Refusal> {
        let h = self.byte()?;
        if h == 0 {
            return Ok(None);
        }
        let id = match h >> 4 {
            0 => i16::try_from(self.zigzag()?)
                .map_err(|_| format!("{} holds a field id beyond 16 bits", self.what))?,
            delta => last.wrapping_add(i16::from(delta)),
        };
        *last = id;
        Ok(Some(Field { id, ty: h & 0x0f }))
    }

    /// An integer field (`i16`, `i32` or `i64`: all zigzag varints); `name` names it in
    /// refusals.
    pub fn int(&mut self, f: Field, name: &str) -> Result<i64, Refusal> {
        match f.ty {
            4..=6 => self.zigzag(),
            t => Err(format!(
                "{}: {name} has Thrift type {t}, not an integer",
                self.what
            )),
        }
    }

    /// An `i32` field: an integer that fits in 32 bits (polars reads these as `i32`, so a wider
    /// value would be read truncated, not as this check sees it).
    pub fn int32(&mut self, f: Field, name: &str) -> Result<i64, Refusal> {
        let v = self.int(f, name)?;
        if i32::try_from(v).is_err() {
            return Err(format!(
                "{}: {name} = {v} does not fit in 32 bits",
                self.what
            ));
        }
        Ok(v)
    }

    /// The header of a list field: its element count (checked against the bytes left) and
    /// element type.
    pub fn list(&mut self, f: Field, name: &str) -> Result<(u64, u8), Refusal> {
        if f.ty != LIST && f.ty != SET {
            return Err(format!(
                "{}: {name} has Thrift type {}, not a list",
                self.what, f.ty
            ));
        }
        let h = self.byte()?;
        let mut size = u64::from(h >> 4);
        if size == 15 {
            size = self.varint()?;
        }
        self.count(size, "list")?;
        Ok((size, h & 0x0f))
    }

    /// Refuse a field that should be a struct and is not.
    pub fn expect_struct(&self, ty: u8, name: &str) -> Result<(), Refusal> {
        if ty == STRUCT {
            Ok(())
        } else {
            Err(format!(
                "{}: {name} has Thrift type {ty}, not a struct",
                self.what
            ))
        }
    }

    /// Skip the value of a field (or list element) of type `ty`.
    pub fn skip_field(&mut self, f: Field) -> Result<(), Refusal> {
        match f.ty {
            1 | 2 => Ok(()),
            t => self.skip(t, 1),
        }
    }

    /// Skip one value of type `ty` at nesting `depth`.
    pub fn skip(&mut self, ty: u8, depth: usize) -> Result<(), Refusal> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "{} nests values deeper than {MAX_DEPTH}",
                self.what
            ));
        }
        match ty {
            // Booleans inside a list take one byte; in a struct's field header they take none
            // (see `skip_field`).
            1..=3 => self.skip_bytes(1, "byte"),
            4..=6 => self.varint().map(|_| ()),
            7 => self.skip_bytes(8, "double"),
            8 => {
                let k = self.varint()?;
                self.skip_bytes(k, "binary")
            }
            LIST => {
                let h = self.byte()?;
                let mut size = u64::from(h >> 4);
                if size == 15 {
                    size = self.varint()?;
                }
                self.count(size, "list")?;
                if size > 0 && matches!(h & 0x0f, 1 | 2) {
                    // The specification spends a byte on each; polars-parquet's footer decoder
                    // none, so the two would read what follows differently (and a list of 2^31
                    // booleans kept polars busy for seconds: fuzz/read_table's timeouts).
                    return Err(format!(
                        "{} holds a list of {size} booleans (no Parquet structure has one)",
                        self.what
                    ));
                }
                for _ in 0..size {
                    self.skip(h & 0x0f, depth + 1)?;
                }
                Ok(())
            }
            STRUCT => {
                let mut last = 0;
                while let Some(f) = self.field(&mut last)? {
                    match f.ty {
                        1 | 2 => {}
                        t => self.skip(t, depth + 1)?,
                    }
                }
                Ok(())
            }
            // Sets, maps and UUIDs: no Parquet structure has one, and polars cannot skip them.
            SET | 11 | 13 => Err(format!(
                "{} holds a value of Thrift type {ty} (a set, map or UUID)",
                self.what
            )),
            t => Err(format!(
                "{} holds a value of unknown Thrift type {t}",
                self.what
            )),
        }
    }
}

const ENDS_INSIDE: &str = " ends inside a value";

#[cfg(test)]
mod tests {
    use crate::data::footer::thrift::*;

    #[test]
    fn fields_integers_and_lists_are_read_and_bounded() {
        // Field 1 (delta 1) i32 = -3 (zigzag 5); field 3 (delta 2) i64 = 300 (zigzag 600 =
        // 0xd8 0x04); field 20 in long form (type i32, id zigzag 40) = 1; stop.
        let buf = [0x15, 0x05, 0x26, 0xd8, 0x04, 0x05, 0x28, 0x02, 0x00];
        let mut r = Reader::new(&buf, "t");
        let mut last = 0;
        let f = r.field(&mut last).unwrap().unwrap();
        assert_eq!((f.id, r.int(f, "a").unwrap()), (1, -3));
        let f = r.field(&mut last).unwrap().unwrap();
        assert_eq!((f.id, r.int(f, "b").unwrap()), (3, 300));
        let f = r.field(&mut last).unwrap().unwrap();
        assert_eq!((f.id, r.int(f, "c").unwrap()), (20, 1));
        assert!(r.field(&mut last).unwrap().is_none());
        assert_eq!(r.pos(), buf.len());
        // A list of 10^9 elements in a few bytes is refused before anything is read.
        let mut big = vec![0x19, 0xf5];
        let mut v = 1_000_000_000u64;
        while v >= 0x80 {
            big.push((v as u8) | 0x80);
            v >>= 7;
        }
        big.push(v as u8);
        let mut r = Reader::new(&big, "t");
        let f = r.field(&mut 0).unwrap().unwrap();
        let e = r.list(f, "l").unwrap_err();
        assert!(e.contains("1000000000 elements"), "{e}");
        // A binary longer than the bytes left, and a value cut short.
        assert!(Reader::new(&[0x7f], "t").skip(8, 0).is_err());
        let e = Reader::new(&[0x15], "t").skip(STRUCT, 0).unwrap_err();
        assert!(Reader::ran_out(&e), "{e}");
        // A list of booleans (one byte each to Thrift, none to polars' skip), a set, a map.
        let e = Reader::new(&[0x31, 1, 1, 1], "t")
            .skip(LIST, 0)
            .unwrap_err();
        assert!(e.contains("3 booleans"), "{e}");
        assert!(Reader::new(&[0x00], "t").skip(SET, 0).is_err());
        assert!(Reader::new(&[0x00], "t").skip(11, 0).is_err());
    }
}

//! Columnar buffers of privatized reports (spec §2.10): one buffer per column of users, in the
//! narrowest exact representation of each mechanism's output.
//!
//! * [`Layout::Bits`]: the unary encodings (OUE, SUE); K bits per report, packed into
//!   ⌈K/64⌉ little-endian `u64` words (bit j of the report is bit j mod 64 of word j/64).
//! * [`Layout::Ints`]: randomized response, GRR, OLH and Hadamard response; `width` `u32`s per
//!   report (OLH: the public hash seed, then the hashed value).
//! * [`Layout::Reals`]: the numeric mechanisms; `dim` `f64`s per report.
//!
//! A buffer is the same whatever thread count wrote it ([`crate::ldp::batch`]), so it can be
//! hashed, written to disk and aggregated anywhere.

use crate::error::{Error, Result};

/// How one mechanism's reports are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// K bits per report (unary encodings).
    Bits {
        /// Number of bits (the domain size K).
        k: usize,
    },
    /// `width` unsigned integers per report.
    Ints {
        /// Integers per report.
        width: usize,
    },
    /// `dim` floating-point numbers per report.
    Reals {
        /// Coordinates per report.
        dim: usize,
    },
}

impl Layout {
    /// Storage units (words, integers or reals) per report.
    pub fn stride(&self) -> usize {
        match *self {
            Layout::Bits { k } => k.div_ceil(64),
            Layout::Ints { width } => width,
            Layout::Reals { dim } => dim,
        }
    }
    /// Length of one report written out as numbers (K bits, `width` ints, `dim` reals).
    pub fn row_len(&self) -> usize {
        match *self {
            Layout::Bits { k } => k,
            Layout::Ints { width } => width,
            Layout::Reals { dim } => dim,
        }
    }
}

/// Read-only view of consecutive reports.
#[derive(Debug, Clone, Copy)]
pub enum Rows<'a> {
    /// Packed bit words.
    Bits(&'a [u64]),
    /// Integers.
    Ints(&'a [u32]),
    /// Reals.
    Reals(&'a [f64]),
}

/// Writable view of consecutive reports.
#[derive(Debug)]
pub enum RowsMut<'a> {
    /// Packed bit words (zeroed by the caller).
    Bits(&'a mut [u64]),
    /// Integers.
    Ints(&'a mut [u32]),
    /// Reals.
    Reals(&'a mut [f64]),
}

#[derive(Debug, Clone, PartialEq)]
enum Store {
    Bits(Vec<u64>),
    Ints(Vec<u32>),
    Reals(Vec<f64>),
}

/// A column of `n` reports in one [`Layout`].
#[derive(Debug, Clone, PartialEq)]
pub struct Reports {
    layout: Layout,
    n: usize,
    store: Store,
}

impl Reports {
    /// `n` zeroed reports.
    pub fn zeros(layout: Layout, n: usize) -> Self {
        let len = n * layout.stride();
        let store = match layout {
            Layout::Bits { .. } => Store::Bits(vec![0; len]),
            Layout::Ints { .. } => Store::Ints(vec![0; len]),
            Layout::Reals { .. } => Store::Reals(vec![0.0; len]),
        };
        Self { layout, n, store }
    }

    /// Reports given as numbers, one row per report ([`Layout::row_len`] numbers each): bits as
    /// 0/1, integers as non-negative whole numbers below 2³².
    pub fn from_rows(layout: Layout, rows: &[Vec<f64>]) -> Result<Self> {
        let mut out = Self::zeros(layout, rows.len());
        for (i, r) in rows.iter().enumerate() {
            out.set_row(i, r)?;
        }
        Ok(out)
    }

    /// Reports from a flat row-major slice of numbers.
    pub fn from_flat(layout: Layout, flat: &[f64]) -> Result<Self> {
        let w = layout.row_len();
        if w == 0 || !flat.len().is_multiple_of(w) {
            return Err(Error::DimensionMismatch {
                what: "report buffer length (a multiple of the report width)",
                expected: w,
                got: flat.len(),
            });
        }
        let n = flat.len() / w;
        let mut out = Self::zeros(layout, n);
        for i in 0..n {
            out.set_row(i, &flat[i * w..(i + 1) * w])?;
        }
        Ok(out)
    }

    /// Bit reports from packed words (⌈k/64⌉ per report); a set bit at or beyond k is an
    /// [`Error::BadCell`] naming the report.
    pub fn from_bits(k: usize, words: Vec<u64>) -> Result<Self> {
        let layout = Layout::Bits { k };
        let n = Self::count(layout, words.len())?;
        let s = layout.stride();
        let used = k - 64 * (s - 1);
        if used < 64
            && let Some(i) = (0..n).find(|i| words[i * s + s - 1] >> used != 0)
        {
            return Err(Error::BadCell {
                column: format!("word{}", s - 1),
                row: i,
                value: words[i * s + s - 1].to_string(),
                reason: format!("sets a bit at or beyond k = {k}"),
            });
        }
        Ok(Self {
            layout,
            n,
            store: Store::Bits(words),
        })
    }

    /// Integer reports, `width` per report.
    pub fn from_ints(width: usize, v: Vec<u32>) -> Result<Self> {
        let layout = Layout::Ints { width };
        let n = Self::count(layout, v.len())?;
        Ok(Self {
            layout,
            n,
            store: Store::Ints(v),
        })
    }

    /// Real reports, `dim` per report; every value finite.
    pub fn from_reals(dim: usize, v: Vec<f64>) -> Result<Self> {
        let layout = Layout::Reals { dim };
        let n = Self::count(layout, v.len())?;
        if let Some(x) = v.iter().find(|x| !x.is_finite()) {
            return Err(Error::param("report", *x, "must be finite"));
        }
        Ok(Self {
            layout,
            n,
            store: Store::Reals(v),
        })
    }

    fn count(layout: Layout, len: usize) -> Result<usize> {
        let s = layout.stride();
        if s == 0 || !len.is_multiple_of(s) {
            return Err(Error::DimensionMismatch {
                what: "report buffer length (a multiple of the report width)",
                expected: s,
                got: len,
            });
        }
        Ok(len / s)
    }

    fn set_row(&mut self, i: usize, r: &[f64]) -> Result<()> {
        let w = self.layout.row_len();
        if r.len() != w {
            return Err(Error::DimensionMismatch {
                what: "report",
                expected: w,
                got: r.len(),
            });
        }
        let s = self.layout.stride();
        match &mut self.store {
            Store::Bits(b) => {
                for (j, v) in r.iter().enumerate() {
                    if *v == 1.0 {
                        b[i * s + j / 64] |= 1u64 << (j % 64);
                    } else if *v != 0.0 {
                        return Err(Error::param(
                            "report",
                            *v,
                            "a unary-encoding bit must be 0 or 1",
                        ));
                    }
                }
            }
            Store::Ints(b) => {
                for (j, v) in r.iter().enumerate() {
                    if !(v.fract() == 0.0 && *v >= 0.0 && *v < 4_294_967_296.0) {
                        return Err(Error::param(
                            "report",
                            *v,
                            "must be a whole number in [0, 2^32)",
                        ));
                    }
                    b[i * s + j] = *v as u32;
                }
            }
            Store::Reals(b) => {
                if let Some(v) = r.iter().find(|v| !v.is_finite()) {
                    return Err(Error::param("report", *v, "must be finite"));
                }
                b[i * s..(i + 1) * s].copy_from_slice(r);
            }
        }
        Ok(())
    }

    /// The layout.
    pub fn layout(&self) -> Layout {
        self.layout
    }
    /// Number of reports.
    pub fn len(&self) -> usize {
        self.n
    }
    /// True when there are no reports.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }
    /// Reports `start..end`.
    pub fn rows(&self, start: usize, end: usize) -> Rows<'_> {
        let s = self.layout.stride();
        match &self.store {
            Store::Bits(b) => Rows::Bits(&b[start * s..end * s]),
            Store::Ints(b) => Rows::Ints(&b[start * s..end * s]),
            Store::Reals(b) => Rows::Reals(&b[start * s..end * s]),
        }
    }
    /// All reports.
    pub fn all(&self) -> Rows<'_> {
        self.rows(0, self.n)
    }
    /// Disjoint writable views of `rows` reports each (the last may be shorter).
    pub fn chunks_mut(&mut self, rows: usize) -> Vec<RowsMut<'_>> {
        let len = rows * self.layout.stride();
        match &mut self.store {
            Store::Bits(b) => b.chunks_mut(len).map(RowsMut::Bits).collect(),
            Store::Ints(b) => b.chunks_mut(len).map(RowsMut::Ints).collect(),
            Store::Reals(b) => b.chunks_mut(len).map(RowsMut::Reals).collect(),
        }
    }
    /// Report `i` as numbers (bits as 0/1), the per-report representation of
    /// [`crate::ldp::mechanisms::Mechanism::privatize`].
    pub fn row(&self, i: usize) -> Vec<f64> {
        row_of(self.layout, self.rows(i, i + 1))
    }
    /// The packed words of a bit layout, the integers of an integer layout or the reals of a
    /// real one (for writers).
    pub fn raw(&self) -> Rows<'_> {
        self.all()
    }
}

/// The first report of `rows` as numbers.
pub fn row_of(layout: Layout, rows: Rows<'_>) -> Vec<f64> {
    match (layout, rows) {
        (Layout::Bits { k }, Rows::Bits(b)) => (0..k)
            .map(|j| ((b[j / 64] >> (j % 64)) & 1) as f64)
            .collect(),
        (Layout::Ints { width }, Rows::Ints(b)) => {
            b[..width].iter().map(|v| f64::from(*v)).collect()
        }
        (Layout::Reals { dim }, Rows::Reals(b)) => b[..dim].to_vec(),
        _ => Vec::new(),
    }
}

/// The error a mechanism returns when handed a buffer of another layout.
pub(crate) fn wrong_layout(mechanism: &str) -> Error {
    Error::InvalidData(format!(
        "report buffer layout does not match mechanism `{mechanism}`"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_and_reject_bad_values() {
        let l = Layout::Bits { k: 70 };
        let mut r = vec![0.0; 70];
        r[3] = 1.0;
        r[69] = 1.0;
        let b = Reports::from_rows(l, &[r.clone(), vec![0.0; 70]]).unwrap();
        assert_eq!(b.row(0), r);
        assert_eq!(b.layout().stride(), 2);
        assert!(Reports::from_rows(l, &[vec![0.5; 70]]).is_err());
        let i = Reports::from_flat(Layout::Ints { width: 2 }, &[1.0, 2.0, 3.0, 4.0]).unwrap();
        assert_eq!(i.len(), 2);
        assert_eq!(i.row(1), vec![3.0, 4.0]);
        assert!(Reports::from_flat(Layout::Ints { width: 2 }, &[1.0, 2.0, 3.0]).is_err());
        assert!(Reports::from_flat(Layout::Ints { width: 1 }, &[-1.0]).is_err());
        assert!(Reports::from_flat(Layout::Reals { dim: 1 }, &[f64::NAN]).is_err());
    }
}

//! Dense symmetric cumulant tensors and the contractions the risk expansion needs.
//!
//! Third-order tensors are stored densely (p³ entries). Fourth-order cumulants enter the n⁻²
//! risk term only through the double contraction Σ k4_abcd M_ab M_cd (Sheena 2021, §2; spec
//! §1.2), so [`Fourth`] exposes that contraction: dense families store p⁴ entries, families
//! with a closed form (the Gaussians) evaluate it without ever materialising the tensor.

use nalgebra::DMatrix;
use std::sync::Arc;

/// A dense p×p×p tensor, index order (a, b, c) with c fastest.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor3 {
    /// Side length p.
    pub p: usize,
    /// p³ entries.
    pub data: Vec<f64>,
}

impl Tensor3 {
    /// The zero tensor.
    pub fn zeros(p: usize) -> Self {
        Self {
            p,
            data: vec![0.0; p * p * p],
        }
    }

    /// Entry (a, b, c).
    #[inline]
    pub fn get(&self, a: usize, b: usize, c: usize) -> f64 {
        self.data[(a * self.p + b) * self.p + c]
    }

    /// Mutable entry (a, b, c).
    #[inline]
    pub fn at(&mut self, a: usize, b: usize, c: usize) -> &mut f64 {
        &mut self.data[(a * self.p + b) * self.p + c]
    }

    /// Apply `w` to every index: T'_abc = Σ w_aa' w_bb' w_cc' T_a'b'c' (the whitening of the
    /// spec's §1.2 step 2, and the change of statistic t → A t).
    pub fn transform(&self, w: &DMatrix<f64>) -> Tensor3 {
        let p = self.p;
        let q = w.nrows();
        assert_eq!(w.ncols(), p, "transform matrix must have p columns");
        // Three mode products, each O(q p³).
        let mut t1 = vec![0.0; q * p * p];
        for a in 0..q {
            for a2 in 0..p {
                let wa = w[(a, a2)];
                if wa == 0.0 {
                    continue;
                }
                let src = &self.data[a2 * p * p..(a2 + 1) * p * p];
                let dst = &mut t1[a * p * p..(a + 1) * p * p];
                for (d, s) in dst.iter_mut().zip(src) {
                    *d += wa * s;
                }
            }
        }
        let mut t2 = vec![0.0; q * q * p];
        for a in 0..q {
            for b in 0..q {
                let dst = &mut t2[(a * q + b) * p..(a * q + b + 1) * p];
                for b2 in 0..p {
                    let wb = w[(b, b2)];
                    if wb == 0.0 {
                        continue;
                    }
                    let src = &t1[(a * p + b2) * p..(a * p + b2 + 1) * p];
                    for (d, s) in dst.iter_mut().zip(src) {
                        *d += wb * s;
                    }
                }
            }
        }
        let mut out = Tensor3::zeros(q);
        for ab in 0..q * q {
            let src = &t2[ab * p..(ab + 1) * p];
            for c in 0..q {
                let mut s = 0.0;
                for (c2, v) in src.iter().enumerate() {
                    s += w[(c, c2)] * v;
                }
                out.data[ab * q + c] = s;
            }
        }
        out
    }

    /// Full contraction Σ_abc T_abc U_abc.
    pub fn dot(&self, other: &Tensor3) -> f64 {
        self.data.iter().zip(&other.data).map(|(a, b)| a * b).sum()
    }

    /// The p×p slice T_{f··}.
    pub fn slice(&self, f: usize) -> DMatrix<f64> {
        let p = self.p;
        DMatrix::from_fn(p, p, |b, c| self.get(f, b, c))
    }

    /// Largest |T_abc − T_σ(abc)| over permutations: a symmetry check for tests.
    pub fn asymmetry(&self) -> f64 {
        let p = self.p;
        let mut worst: f64 = 0.0;
        for a in 0..p {
            for b in 0..p {
                for c in 0..p {
                    let v = self.get(a, b, c);
                    for w in [self.get(a, c, b), self.get(b, a, c), self.get(c, b, a)] {
                        worst = worst.max((v - w).abs());
                    }
                }
            }
        }
        worst
    }
}

/// A dense p×p×p×p tensor, index order (a, b, c, d) with d fastest.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor4 {
    /// Side length p.
    pub p: usize,
    /// p⁴ entries.
    pub data: Vec<f64>,
}

impl Tensor4 {
    /// The zero tensor.
    pub fn zeros(p: usize) -> Self {
        Self {
            p,
            data: vec![0.0; p * p * p * p],
        }
    }

    /// Entry (a, b, c, d).
    #[inline]
    pub fn get(&self, a: usize, b: usize, c: usize, d: usize) -> f64 {
        self.data[((a * self.p + b) * self.p + c) * self.p + d]
    }

    /// Mutable entry (a, b, c, d).
    #[inline]
    pub fn at(&mut self, a: usize, b: usize, c: usize, d: usize) -> &mut f64 {
        let p = self.p;
        &mut self.data[((a * p + b) * p + c) * p + d]
    }

    /// Σ_abcd T_abcd M_ab M_cd.
    pub fn contract2(&self, m: &DMatrix<f64>) -> f64 {
        let p = self.p;
        let pp = p * p;
        // Contract the last pair first: v_ab = Σ_cd T_abcd M_cd (M stored column-major, so
        // index it explicitly).
        let mflat: Vec<f64> = (0..pp).map(|k| m[(k / p, k % p)]).collect();
        let mut s = 0.0;
        for ab in 0..pp {
            let row = &self.data[ab * pp..(ab + 1) * pp];
            let v: f64 = row.iter().zip(&mflat).map(|(x, y)| x * y).sum();
            s += mflat[ab] * v;
        }
        s
    }

    /// Apply `w` to every index (used by the reparametrization tests).
    pub fn transform(&self, w: &DMatrix<f64>) -> Tensor4 {
        let p = self.p;
        let q = w.nrows();
        let mut cur = self.data.clone();
        // Rotate: each pass contracts the first index and moves it to the back.
        let mut dims = [p, p, p, p];
        for _ in 0..4 {
            let rest: usize = dims[1] * dims[2] * dims[3];
            let mut next = vec![0.0; rest * q];
            for a in 0..q {
                for a2 in 0..dims[0] {
                    let wa = w[(a, a2)];
                    if wa == 0.0 {
                        continue;
                    }
                    for r in 0..rest {
                        next[r * q + a] += wa * cur[a2 * rest + r];
                    }
                }
            }
            cur = next;
            dims = [dims[1], dims[2], dims[3], q];
        }
        Tensor4 { p: q, data: cur }
    }
}

/// A fourth cumulant a family evaluates in closed form instead of storing p⁴ entries.
pub trait QuarticForm: std::fmt::Debug + Send + Sync {
    /// Σ_abcd k4_abcd M_ab M_cd for a symmetric p×p M.
    fn contract2(&self, m: &DMatrix<f64>) -> crate::Result<f64>;
    /// Every entry (O(p⁴) or worse: for tests and small models).
    fn dense(&self) -> Tensor4;
}

/// Fourth-order model cumulants, as the risk expansion uses them.
#[derive(Debug, Clone)]
pub enum Fourth {
    /// Every entry stored.
    Dense(Tensor4),
    /// Evaluated in closed form by the family (the Gaussians' statistics).
    ClosedForm(Arc<dyn QuarticForm>),
}

impl Fourth {
    /// Σ_abcd k4_abcd M_ab M_cd for a symmetric M.
    pub fn contract2(&self, m: &DMatrix<f64>) -> crate::Result<f64> {
        match self {
            Fourth::Dense(t) => Ok(t.contract2(m)),
            Fourth::ClosedForm(q) => q.contract2(m),
        }
    }
}

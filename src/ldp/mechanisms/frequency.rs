//! Randomized response and frequency oracles (spec §2.1–2.3).

use super::{Coin, DiscreteMechanism, GEOMETRIC_BELOW, Mechanism, bits_to_index, category};
use crate::error::{Error, Result};
use crate::ldp::privacy::Privacy;
use crate::ldp::reports::{Layout, Rows, RowsMut, wrong_layout};
use crate::rng::{Rng, splitmix64};
use rand::RngExt;

/// The integer slice of an integer-layout buffer, or the layout error.
fn ints<'a>(out: RowsMut<'a>, name: &str) -> Result<&'a mut [u32]> {
    match out {
        RowsMut::Ints(o) => Ok(o),
        _ => Err(wrong_layout(name)),
    }
}

fn ints_ref<'a>(rows: Rows<'a>, name: &str) -> Result<&'a [u32]> {
    match rows {
        Rows::Ints(o) => Ok(o),
        _ => Err(wrong_layout(name)),
    }
}

fn domain_size(k: usize, min: usize) -> Result<usize> {
    if k >= min {
        Ok(k)
    } else {
        Err(Error::param(
            "k",
            k,
            format!("domain size must be >= {min}"),
        ))
    }
}

/// Per-user decoded indicator (1[report says u] − q)/(p − q) and its variance P(1 − P)/(p − q)²
/// where P is the probability that the report "says u" (Wang et al. 2017, eq. 2 and Thm. 2).
fn indicator_variance(prob: f64, p: f64, q: f64) -> f64 {
    prob * (1.0 - prob) / ((p - q) * (p - q))
}

/// Binary randomized response (Warner 1965): keep the bit w.p. p = e^ε/(1+e^ε), else flip.
/// Decoder (y − q)/(p − q), q = 1 − p; per-user variance of the decoder
/// P(1−P)/(p−q)² with P = P[y = 1], which sums to spec §2.1's π(1−π)/n + e^ε/(n(e^ε−1)²).
#[derive(Debug, Clone)]
pub struct BinaryRr {
    privacy: Privacy,
    p: f64,
    keep: Coin,
}

impl BinaryRr {
    /// ε-LDP randomized response.
    pub fn new(epsilon: f64) -> Result<Self> {
        let privacy = Privacy::pure(epsilon)?;
        let e = epsilon.exp();
        let p = e / (1.0 + e);
        Ok(Self {
            privacy,
            p,
            keep: Coin::new(p),
        })
    }
    /// Probability of keeping the bit.
    pub fn keep_probability(&self) -> f64 {
        self.p
    }
    fn draw(&self, b: usize, rng: &mut Rng) -> u32 {
        if self.keep.flip(rng) {
            b as u32
        } else {
            (1 - b) as u32
        }
    }
}

impl Mechanism for BinaryRr {
    fn name(&self) -> &'static str {
        "rr"
    }
    fn privacy(&self) -> Privacy {
        self.privacy
    }
    fn input_dim(&self) -> usize {
        1
    }
    fn output_dim(&self) -> usize {
        1
    }
    fn clip(&self, x: &[f64]) -> Result<Vec<f64>> {
        Ok(vec![category(x, 2)? as f64])
    }
    fn privatize(&self, x: &[f64], rng: &mut Rng) -> Result<Vec<f64>> {
        Ok(vec![f64::from(self.draw(category(x, 2)?, rng))])
    }
    fn layout(&self) -> Layout {
        Layout::Ints { width: 1 }
    }
    fn privatize_rows(&self, xs: &[f64], out: RowsMut<'_>, rng: &mut Rng) -> Result<()> {
        for (x, o) in xs.iter().zip(ints(out, self.name())?) {
            *o = self.draw(category(std::slice::from_ref(x), 2)?, rng);
        }
        Ok(())
    }
    fn support(&self) -> Option<(f64, f64)> {
        Some((self.p, 1.0 - self.p))
    }
    fn count_support(&self, rows: Rows<'_>, counts: &mut [u64]) -> Result<()> {
        counts[0] += ints_ref(rows, self.name())?
            .iter()
            .map(|y| u64::from(*y))
            .sum::<u64>();
        Ok(())
    }
    fn decode(&self, report: &[f64]) -> Vec<f64> {
        let q = 1.0 - self.p;
        vec![(report[0] - q) / (self.p - q)]
    }
    fn decode_variance(&self, x: &[f64]) -> Result<Vec<f64>> {
        let b = category(x, 2)?;
        let q = 1.0 - self.p;
        let prob = if b == 1 { self.p } else { q };
        Ok(vec![indicator_variance(prob, self.p, q)])
    }
    fn worst_pair(&self) -> (Vec<f64>, Vec<f64>) {
        (vec![0.0], vec![1.0])
    }
    fn audit_bins(&self) -> usize {
        2
    }
    fn audit_bin(&self, report: &[f64], _: (&[f64], &[f64])) -> usize {
        usize::from(report[0] != 0.0)
    }
    fn as_discrete(&self) -> Option<&dyn DiscreteMechanism> {
        Some(self)
    }
}

impl DiscreteMechanism for BinaryRr {
    fn audit_inputs(&self) -> Vec<Vec<f64>> {
        vec![vec![0.0], vec![1.0]]
    }
    fn output_spaces(&self) -> Vec<Vec<Vec<f64>>> {
        vec![vec![vec![0.0], vec![1.0]]]
    }
    fn pmf(&self, x: &[f64], y: &[f64]) -> f64 {
        if x[0] == y[0] { self.p } else { 1.0 - self.p }
    }
}

/// Generalized (K-ary) randomized response / direct encoding (Kairouz et al. 2016):
/// P[v → v] = p = e^ε/(e^ε + K − 1), P[v → u ≠ v] = q = 1/(e^ε + K − 1).
#[derive(Debug, Clone)]
pub struct Grr {
    privacy: Privacy,
    k: usize,
    p: f64,
    q: f64,
    keep: Coin,
}

impl Grr {
    /// ε-LDP GRR on the domain {0, …, k−1}, k ≥ 2.
    pub fn new(epsilon: f64, k: usize) -> Result<Self> {
        let privacy = Privacy::pure(epsilon)?;
        let k = domain_size(k, 2)?;
        let e = epsilon.exp();
        let den = e + (k - 1) as f64;
        Ok(Self {
            privacy,
            k,
            p: e / den,
            q: 1.0 / den,
            keep: Coin::new(e / den),
        })
    }
    /// (p, q).
    pub fn probabilities(&self) -> (f64, f64) {
        (self.p, self.q)
    }
    fn draw(&self, v: usize, rng: &mut Rng) -> u32 {
        if self.keep.flip(rng) {
            return v as u32;
        }
        // Uniform over the K − 1 other values: draw from K − 1 and skip v.
        let u = rng.random_range(0..self.k - 1);
        (if u >= v { u + 1 } else { u }) as u32
    }
}

impl Mechanism for Grr {
    fn name(&self) -> &'static str {
        "grr"
    }
    fn privacy(&self) -> Privacy {
        self.privacy
    }
    fn input_dim(&self) -> usize {
        1
    }
    fn output_dim(&self) -> usize {
        1
    }
    fn estimate_dim(&self) -> usize {
        self.k
    }
    fn clip(&self, x: &[f64]) -> Result<Vec<f64>> {
        Ok(vec![category(x, self.k)? as f64])
    }
    fn privatize(&self, x: &[f64], rng: &mut Rng) -> Result<Vec<f64>> {
        Ok(vec![f64::from(self.draw(category(x, self.k)?, rng))])
    }
    fn layout(&self) -> Layout {
        Layout::Ints { width: 1 }
    }
    fn privatize_rows(&self, xs: &[f64], out: RowsMut<'_>, rng: &mut Rng) -> Result<()> {
        for (x, o) in xs.iter().zip(ints(out, self.name())?) {
            *o = self.draw(category(std::slice::from_ref(x), self.k)?, rng);
        }
        Ok(())
    }
    fn support(&self) -> Option<(f64, f64)> {
        Some((self.p, self.q))
    }
    fn count_support(&self, rows: Rows<'_>, counts: &mut [u64]) -> Result<()> {
        for y in ints_ref(rows, self.name())? {
            match counts.get_mut(*y as usize) {
                Some(c) => *c += 1,
                None => {
                    return Err(Error::param(
                        "report",
                        y,
                        format!("must be < k = {}", self.k),
                    ));
                }
            }
        }
        Ok(())
    }
    fn decode(&self, report: &[f64]) -> Vec<f64> {
        let y = report[0] as usize;
        (0..self.k)
            .map(|u| (f64::from(u8::from(u == y)) - self.q) / (self.p - self.q))
            .collect()
    }
    fn decode_variance(&self, x: &[f64]) -> Result<Vec<f64>> {
        let v = category(x, self.k)?;
        Ok((0..self.k)
            .map(|u| indicator_variance(if u == v { self.p } else { self.q }, self.p, self.q))
            .collect())
    }
    fn worst_pair(&self) -> (Vec<f64>, Vec<f64>) {
        (vec![0.0], vec![1.0])
    }
    fn audit_bins(&self) -> usize {
        self.k
    }
    fn audit_bin(&self, report: &[f64], _: (&[f64], &[f64])) -> usize {
        report[0] as usize
    }
    fn as_discrete(&self) -> Option<&dyn DiscreteMechanism> {
        Some(self)
    }
}

impl DiscreteMechanism for Grr {
    fn audit_inputs(&self) -> Vec<Vec<f64>> {
        (0..self.k).map(|v| vec![v as f64]).collect()
    }
    fn output_spaces(&self) -> Vec<Vec<Vec<f64>>> {
        vec![(0..self.k).map(|v| vec![v as f64]).collect()]
    }
    fn pmf(&self, x: &[f64], y: &[f64]) -> f64 {
        if x[0] == y[0] { self.p } else { self.q }
    }
}

/// Unary encoding (Wang et al. 2017): one-hot encode v ∈ \[K\], keep the true bit at 1 with
/// probability p and set every other bit to 1 with probability q, independently.
/// OUE: p = 1/2, q = 1/(e^ε + 1) (per-user decoder variance at frequency 0: 4e^ε/(e^ε−1)²).
/// SUE (basic RAPPOR): p = e^{ε/2}/(e^{ε/2} + 1), q = 1 − p.
#[derive(Debug, Clone)]
pub struct UnaryEncoding {
    privacy: Privacy,
    k: usize,
    p: f64,
    q: f64,
    name: &'static str,
}

impl UnaryEncoding {
    /// Optimized unary encoding.
    pub fn optimized(epsilon: f64, k: usize) -> Result<Self> {
        let privacy = Privacy::pure(epsilon)?;
        Ok(Self {
            privacy,
            k: domain_size(k, 2)?,
            p: 0.5,
            q: 1.0 / (epsilon.exp() + 1.0),
            name: "oue",
        })
    }
    /// Symmetric unary encoding (basic RAPPOR).
    pub fn symmetric(epsilon: f64, k: usize) -> Result<Self> {
        let privacy = Privacy::pure(epsilon)?;
        let h = (epsilon / 2.0).exp();
        Ok(Self {
            privacy,
            k: domain_size(k, 2)?,
            p: h / (h + 1.0),
            q: 1.0 / (h + 1.0),
            name: "sue",
        })
    }
    /// (p, q).
    pub fn probabilities(&self) -> (f64, f64) {
        (self.p, self.q)
    }
}

fn ue_privatize(k: usize, v: usize, p: f64, q: f64, rng: &mut Rng) -> Vec<f64> {
    (0..k)
        .map(|u| f64::from(u8::from(rng.random_bool(if u == v { p } else { q }))))
        .collect()
}

impl UnaryEncoding {
    /// The batch kernel: K bits per user into `out` (zeroed, ⌈K/64⌉ words per user). With
    /// q < [`GEOMETRIC_BELOW`] the 1-bits of the whole chunk come from geometric gaps
    /// ⌊ln U/ln(1 − q)⌋ between successive Bernoulli(q) successes over the flattened bit
    /// positions, after which each user's own bit is redrawn as Bernoulli(p): the same law as
    /// K independent coins, with about K·q + 1 draws per user instead of K.
    fn privatize_bits(&self, xs: &[f64], out: &mut [u64], rng: &mut Rng) -> Result<()> {
        let (k, s) = (self.k, self.k.div_ceil(64));
        let (cp, cq) = (Coin::new(self.p), Coin::new(self.q));
        if self.q < GEOMETRIC_BELOW {
            let total = xs.len() * k;
            let ln_miss = (-self.q).ln_1p();
            let mut pos = 0usize;
            loop {
                let u = 1.0 - rng.random::<f64>();
                pos = pos.saturating_add((u.ln() / ln_miss) as usize);
                if pos >= total {
                    break;
                }
                let (r, j) = (pos / k, pos % k);
                out[r * s + j / 64] |= 1u64 << (j % 64);
                pos += 1;
            }
            for (r, x) in xs.iter().enumerate() {
                let v = category(std::slice::from_ref(x), k)?;
                let bit = 1u64 << (v % 64);
                let w = &mut out[r * s + v / 64];
                if cp.flip(rng) {
                    *w |= bit;
                } else {
                    *w &= !bit;
                }
            }
        } else {
            for (x, row) in xs.iter().zip(out.chunks_mut(s)) {
                let v = category(std::slice::from_ref(x), k)?;
                for u in 0..k {
                    if (if u == v { cp } else { cq }).flip(rng) {
                        row[u / 64] |= 1u64 << (u % 64);
                    }
                }
            }
        }
        Ok(())
    }

    fn count_bits(&self, rows: Rows<'_>, counts: &mut [u64]) -> Result<()> {
        let Rows::Bits(words) = rows else {
            return Err(wrong_layout(self.name));
        };
        let s = self.k.div_ceil(64);
        for row in words.chunks(s) {
            for (i, w) in row.iter().enumerate() {
                let mut w = *w;
                while w != 0 {
                    let j = i * 64 + w.trailing_zeros() as usize;
                    match counts.get_mut(j) {
                        Some(c) => *c += 1,
                        None => return Err(Error::param("report", j, "bit index beyond k")),
                    }
                    w &= w - 1;
                }
            }
        }
        Ok(())
    }
}

fn ue_pmf(x: &[f64], y: &[f64], p: f64, q: f64) -> f64 {
    let v = x[0] as usize;
    y.iter()
        .enumerate()
        .map(|(u, b)| {
            let one = if u == v { p } else { q };
            if *b != 0.0 { one } else { 1.0 - one }
        })
        .product()
}

fn ue_bin(report: &[f64], pair: (&[f64], &[f64])) -> usize {
    let (a, b) = (pair.0[0] as usize, pair.1[0] as usize);
    bits_to_index(&[report[a], report[b]])
}

fn all_bit_vectors(k: usize) -> Vec<Vec<f64>> {
    (0..1usize << k)
        .map(|m| (0..k).map(|j| ((m >> j) & 1) as f64).collect())
        .collect()
}

impl Mechanism for UnaryEncoding {
    fn name(&self) -> &'static str {
        self.name
    }
    fn privacy(&self) -> Privacy {
        self.privacy
    }
    fn input_dim(&self) -> usize {
        1
    }
    fn output_dim(&self) -> usize {
        self.k
    }
    fn estimate_dim(&self) -> usize {
        self.k
    }
    fn clip(&self, x: &[f64]) -> Result<Vec<f64>> {
        Ok(vec![category(x, self.k)? as f64])
    }
    fn privatize(&self, x: &[f64], rng: &mut Rng) -> Result<Vec<f64>> {
        Ok(ue_privatize(
            self.k,
            category(x, self.k)?,
            self.p,
            self.q,
            rng,
        ))
    }
    fn layout(&self) -> Layout {
        Layout::Bits { k: self.k }
    }
    fn privatize_rows(&self, xs: &[f64], out: RowsMut<'_>, rng: &mut Rng) -> Result<()> {
        match out {
            RowsMut::Bits(o) => self.privatize_bits(xs, o, rng),
            _ => Err(wrong_layout(self.name)),
        }
    }
    fn support(&self) -> Option<(f64, f64)> {
        Some((self.p, self.q))
    }
    fn count_support(&self, rows: Rows<'_>, counts: &mut [u64]) -> Result<()> {
        self.count_bits(rows, counts)
    }
    fn decode(&self, report: &[f64]) -> Vec<f64> {
        report
            .iter()
            .map(|b| (b - self.q) / (self.p - self.q))
            .collect()
    }
    fn decode_variance(&self, x: &[f64]) -> Result<Vec<f64>> {
        let v = category(x, self.k)?;
        Ok((0..self.k)
            .map(|u| indicator_variance(if u == v { self.p } else { self.q }, self.p, self.q))
            .collect())
    }
    fn worst_pair(&self) -> (Vec<f64>, Vec<f64>) {
        (vec![0.0], vec![1.0])
    }
    fn audit_bins(&self) -> usize {
        4
    }
    fn audit_bin(&self, report: &[f64], pair: (&[f64], &[f64])) -> usize {
        ue_bin(report, pair)
    }
    fn as_discrete(&self) -> Option<&dyn DiscreteMechanism> {
        Some(self)
    }
}

impl DiscreteMechanism for UnaryEncoding {
    fn audit_inputs(&self) -> Vec<Vec<f64>> {
        (0..self.k).map(|v| vec![v as f64]).collect()
    }
    /// All 2^K bit vectors (use K ≤ 16 for exact audits).
    fn output_spaces(&self) -> Vec<Vec<Vec<f64>>> {
        vec![all_bit_vectors(self.k)]
    }
    fn pmf(&self, x: &[f64], y: &[f64]) -> f64 {
        ue_pmf(x, y, self.p, self.q)
    }
}

/// **Deliberately broken** unary encoding, for testing the audits only: it keeps the true bit
/// with probability e^ε/(e^ε+1) instead of 1/2 while flipping the others with OUE's
/// q = 1/(e^ε+1), the pure-ldp #11 bug. Its real guarantee is 2ε, not the ε it claims.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct BrokenOue(UnaryEncoding);

impl BrokenOue {
    /// The broken mechanism, claiming ε-LDP.
    pub fn new(epsilon: f64, k: usize) -> Result<Self> {
        let mut ue = UnaryEncoding::optimized(epsilon, k)?;
        ue.p = 1.0 - ue.q;
        ue.name = "broken-oue";
        Ok(Self(ue))
    }
}

impl Mechanism for BrokenOue {
    fn name(&self) -> &'static str {
        "broken-oue"
    }
    fn privacy(&self) -> Privacy {
        self.0.privacy
    }
    fn input_dim(&self) -> usize {
        1
    }
    fn output_dim(&self) -> usize {
        self.0.k
    }
    fn estimate_dim(&self) -> usize {
        self.0.k
    }
    fn clip(&self, x: &[f64]) -> Result<Vec<f64>> {
        self.0.clip(x)
    }
    fn privatize(&self, x: &[f64], rng: &mut Rng) -> Result<Vec<f64>> {
        self.0.privatize(x, rng)
    }
    fn layout(&self) -> Layout {
        self.0.layout()
    }
    fn privatize_rows(&self, xs: &[f64], out: RowsMut<'_>, rng: &mut Rng) -> Result<()> {
        self.0.privatize_rows(xs, out, rng)
    }
    fn support(&self) -> Option<(f64, f64)> {
        self.0.support()
    }
    fn count_support(&self, rows: Rows<'_>, counts: &mut [u64]) -> Result<()> {
        self.0.count_support(rows, counts)
    }
    fn decode(&self, report: &[f64]) -> Vec<f64> {
        self.0.decode(report)
    }
    fn decode_variance(&self, x: &[f64]) -> Result<Vec<f64>> {
        self.0.decode_variance(x)
    }
    fn worst_pair(&self) -> (Vec<f64>, Vec<f64>) {
        (vec![0.0], vec![1.0])
    }
    fn audit_bins(&self) -> usize {
        4
    }
    fn audit_bin(&self, report: &[f64], pair: (&[f64], &[f64])) -> usize {
        ue_bin(report, pair)
    }
    fn as_discrete(&self) -> Option<&dyn DiscreteMechanism> {
        Some(&self.0)
    }
}

/// The OLH hash family: h_seed(v) = SplitMix64(seed ⊕ SplitMix64(v)) mod g. Public and
/// deterministic, so anyone can decode a report (seed, y).
pub fn olh_hash(seed: u32, v: usize, g: usize) -> usize {
    (splitmix64(u64::from(seed) ^ splitmix64(v as u64)) % g as u64) as usize
}

/// Optimized local hashing (Wang et al. 2017): the user draws a public hash h: \[K\] → \[g\],
/// g = round(e^ε + 1), and reports (h, GRR_g(h(v))). Per-hash output law is GRR on \[g\], so the
/// ratio is exactly e^ε for every hash. Decoder (1[h(u) = y] − 1/g)/(p − 1/g),
/// p = e^ε/(e^ε + g − 1); its variance at frequency 0 is (1/g)(1 − 1/g)/(p − 1/g)²,
/// = 4e^ε/(e^ε−1)² when g = e^ε + 1.
#[derive(Debug, Clone)]
pub struct Olh {
    privacy: Privacy,
    k: usize,
    g: usize,
    p: f64,
    keep: Coin,
}

impl Olh {
    /// ε-LDP OLH on {0, …, k−1}.
    pub fn new(epsilon: f64, k: usize) -> Result<Self> {
        let privacy = Privacy::pure(epsilon)?;
        let k = domain_size(k, 2)?;
        let e = epsilon.exp();
        let g = ((e + 1.0).round() as usize).max(2);
        let p = e / (e + (g - 1) as f64);
        Ok(Self {
            privacy,
            k,
            g,
            p,
            keep: Coin::new(p),
        })
    }
    /// Hash range g.
    pub fn hash_range(&self) -> usize {
        self.g
    }
    fn draw(&self, v: usize, rng: &mut Rng) -> (u32, u32) {
        let seed: u32 = rng.random();
        let h = olh_hash(seed, v, self.g);
        let y = if self.keep.flip(rng) {
            h
        } else {
            let u = rng.random_range(0..self.g - 1);
            if u >= h { u + 1 } else { u }
        };
        (seed, y as u32)
    }
}

impl Mechanism for Olh {
    fn name(&self) -> &'static str {
        "olh"
    }
    fn privacy(&self) -> Privacy {
        self.privacy
    }
    fn input_dim(&self) -> usize {
        1
    }
    fn output_dim(&self) -> usize {
        2
    }
    fn estimate_dim(&self) -> usize {
        self.k
    }
    fn clip(&self, x: &[f64]) -> Result<Vec<f64>> {
        Ok(vec![category(x, self.k)? as f64])
    }
    fn privatize(&self, x: &[f64], rng: &mut Rng) -> Result<Vec<f64>> {
        let (seed, y) = self.draw(category(x, self.k)?, rng);
        Ok(vec![f64::from(seed), f64::from(y)])
    }
    fn layout(&self) -> Layout {
        Layout::Ints { width: 2 }
    }
    fn privatize_rows(&self, xs: &[f64], out: RowsMut<'_>, rng: &mut Rng) -> Result<()> {
        for (x, o) in xs.iter().zip(ints(out, self.name())?.chunks_mut(2)) {
            let (seed, y) = self.draw(category(std::slice::from_ref(x), self.k)?, rng);
            o[0] = seed;
            o[1] = y;
        }
        Ok(())
    }
    fn support(&self) -> Option<(f64, f64)> {
        Some((self.p, 1.0 / self.g as f64))
    }
    /// h_seed(u) = SplitMix64(seed ⊕ SplitMix64(u)) mod g: the inner hash of every category
    /// is computed once per chunk.
    fn count_support(&self, rows: Rows<'_>, counts: &mut [u64]) -> Result<()> {
        let inner: Vec<u64> = (0..self.k).map(|u| splitmix64(u as u64)).collect();
        let g = self.g as u64;
        for r in ints_ref(rows, self.name())?.chunks(2) {
            let (seed, y) = (u64::from(r[0]), u64::from(r[1]));
            for (c, h) in counts.iter_mut().zip(&inner) {
                *c += u64::from(splitmix64(seed ^ h) % g == y);
            }
        }
        Ok(())
    }
    fn decode(&self, report: &[f64]) -> Vec<f64> {
        let (seed, y) = (report[0] as u32, report[1] as usize);
        let q = 1.0 / self.g as f64;
        (0..self.k)
            .map(|u| (f64::from(u8::from(olh_hash(seed, u, self.g) == y)) - q) / (self.p - q))
            .collect()
    }
    fn decode_variance(&self, x: &[f64]) -> Result<Vec<f64>> {
        let v = category(x, self.k)?;
        let q = 1.0 / self.g as f64;
        Ok((0..self.k)
            .map(|u| indicator_variance(if u == v { self.p } else { q }, self.p, q))
            .collect())
    }
    fn worst_pair(&self) -> (Vec<f64>, Vec<f64>) {
        (vec![0.0], vec![1.0])
    }
    fn audit_bins(&self) -> usize {
        4
    }
    fn audit_bin(&self, report: &[f64], pair: (&[f64], &[f64])) -> usize {
        let (seed, y) = (report[0] as u32, report[1] as usize);
        let a = olh_hash(seed, pair.0[0] as usize, self.g) == y;
        let b = olh_hash(seed, pair.1[0] as usize, self.g) == y;
        usize::from(a) | (usize::from(b) << 1)
    }
    fn as_discrete(&self) -> Option<&dyn DiscreteMechanism> {
        Some(self)
    }
}

impl DiscreteMechanism for Olh {
    fn audit_inputs(&self) -> Vec<Vec<f64>> {
        (0..self.k).map(|v| vec![v as f64]).collect()
    }
    /// One output space per hash seed 0..64: {(seed, y) : y ∈ \[g\]}.
    fn output_spaces(&self) -> Vec<Vec<Vec<f64>>> {
        (0..64u32)
            .map(|s| (0..self.g).map(|y| vec![f64::from(s), y as f64]).collect())
            .collect()
    }
    fn pmf(&self, x: &[f64], y: &[f64]) -> f64 {
        let h = olh_hash(y[0] as u32, x[0] as usize, self.g);
        if h == y[1] as usize {
            self.p
        } else {
            (1.0 - self.p) / (self.g - 1) as f64
        }
    }
}

//! Randomized response and frequency oracles (spec §2.1–2.3).

use super::{DiscreteMechanism, Mechanism, bits_to_index, category};
use crate::error::{Error, Result};
use crate::ldp::privacy::Privacy;
use crate::rng::{Rng, splitmix64};
use rand::RngExt;

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
}

impl BinaryRr {
    /// ε-LDP randomized response.
    pub fn new(epsilon: f64) -> Result<Self> {
        let privacy = Privacy::pure(epsilon)?;
        let e = epsilon.exp();
        Ok(Self {
            privacy,
            p: e / (1.0 + e),
        })
    }
    /// Probability of keeping the bit.
    pub fn keep_probability(&self) -> f64 {
        self.p
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
        let b = category(x, 2)?;
        let keep = rng.random_bool(self.p);
        Ok(vec![if keep { b as f64 } else { (1 - b) as f64 }])
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
        })
    }
    /// (p, q).
    pub fn probabilities(&self) -> (f64, f64) {
        (self.p, self.q)
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
        let v = category(x, self.k)?;
        if rng.random_bool(self.p) {
            return Ok(vec![v as f64]);
        }
        // Uniform over the K − 1 other values: draw from K − 1 and skip v.
        let u = rng.random_range(0..self.k - 1);
        Ok(vec![if u >= v { (u + 1) as f64 } else { u as f64 }])
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
}

impl Olh {
    /// ε-LDP OLH on {0, …, k−1}.
    pub fn new(epsilon: f64, k: usize) -> Result<Self> {
        let privacy = Privacy::pure(epsilon)?;
        let k = domain_size(k, 2)?;
        let e = epsilon.exp();
        let g = ((e + 1.0).round() as usize).max(2);
        Ok(Self {
            privacy,
            k,
            g,
            p: e / (e + (g - 1) as f64),
        })
    }
    /// Hash range g.
    pub fn hash_range(&self) -> usize {
        self.g
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
        let v = category(x, self.k)?;
        let seed: u32 = rng.random();
        let h = olh_hash(seed, v, self.g);
        let y = if rng.random_bool(self.p) {
            h
        } else {
            let u = rng.random_range(0..self.g - 1);
            if u >= h { u + 1 } else { u }
        };
        Ok(vec![f64::from(seed), y as f64])
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

//! Hadamard response (Acharya, Sun & Zhang, AISTATS 2019, §3; spec §2.3).
//!
//! With K' = 2^⌈log₂(K+1)⌉ and the Sylvester–Hadamard matrix H_{rj} = (−1)^{popcount(r ∧ j)}
//! of order K', category v owns row r = v + 1 (row 0, all ones, is unused) and the set
//! C_v = {j ∈ \[K'\] : H_{rj} = +1} of size K'/2. The report is one index y ∈ \[K'\]:
//! uniform on C_v with probability π = e^ε/(e^ε + 1), else uniform on its complement, so
//! P\[y | v\] ∈ {2π/K', 2(1 − π)/K'} and every likelihood ratio is at most π/(1 − π) = e^ε
//! exactly. Two distinct non-zero rows agree on exactly half the columns, so a report
//! supports u ≠ v (y ∈ C_u) with probability q = 1/2 and its own category with p = π: the
//! oracle's decoder (1\[y ∈ C_u\] − 1/2)/(π − 1/2) is unbiased with per-user variance
//! P(1 − P)/(π − 1/2)², P ∈ {π, 1/2} (at frequency 0: ((e^ε + 1)/(e^ε − 1))²). One
//! ⌈log₂ K'⌉-bit integer per report; the server counts support for all K categories at once
//! by a fast Walsh–Hadamard transform of the report histogram, O(K' log K').

use super::{Coin, DiscreteMechanism, Mechanism, category};
use crate::error::{Error, Result};
use crate::ldp::privacy::Privacy;
use crate::ldp::reports::{Layout, Rows, RowsMut, wrong_layout};
use crate::rng::Rng;
use rand::RngExt;

/// Hadamard response on {0, …, K − 1}.
#[derive(Debug, Clone)]
pub struct Hadamard {
    privacy: Privacy,
    k: usize,
    order: usize,
    pi: f64,
    coin: Coin,
    name: &'static str,
}

/// y ∈ C_r: the row-r entry of column y is +1.
#[inline]
fn in_set(r: usize, y: usize) -> bool {
    (r & y).count_ones().is_multiple_of(2)
}

impl Hadamard {
    /// ε-LDP Hadamard response, K ≥ 2 (K' ≤ 2³¹).
    pub fn new(epsilon: f64, k: usize) -> Result<Self> {
        Self::build(epsilon, epsilon, k, "hr")
    }

    /// `claimed` is the guarantee the mechanism states, `used` the ε its coin is built from
    /// (they differ only in [`BrokenHadamard`]).
    fn build(claimed: f64, used: f64, k: usize, name: &'static str) -> Result<Self> {
        let privacy = Privacy::pure(claimed)?;
        if !(2..1 << 30).contains(&k) {
            return Err(Error::param("k", k, "domain size must be in [2, 2^30)"));
        }
        let e = used.exp();
        let pi = e / (e + 1.0);
        Ok(Self {
            privacy,
            k,
            order: (k + 1).next_power_of_two(),
            pi,
            coin: Coin::new(pi),
            name,
        })
    }

    /// The Hadamard order K' (the number of possible reports).
    pub fn order(&self) -> usize {
        self.order
    }

    /// π = e^ε/(e^ε + 1): the probability that the report lies in the user's set.
    pub fn inside_probability(&self) -> f64 {
        self.pi
    }

    /// Uniform j on \[K'\] from one raw draw, then moved across the set boundary by flipping
    /// the lowest set bit of r when it lies on the wrong side: j ↦ j ⊕ lowbit(r) flips the
    /// parity of popcount(r ∧ j) and is a bijection, so the result is uniform on the side
    /// wanted.
    #[inline]
    fn draw(&self, v: usize, rng: &mut Rng) -> u32 {
        let r = v + 1;
        let want = self.coin.flip(rng);
        let mut j = (rng.random::<u32>() as usize) & (self.order - 1);
        if in_set(r, j) != want {
            j ^= r & r.wrapping_neg();
        }
        j as u32
    }
}

impl Mechanism for Hadamard {
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
    fn decode(&self, report: &[f64]) -> Vec<f64> {
        let y = report[0] as usize;
        (0..self.k)
            .map(|u| (f64::from(u8::from(in_set(u + 1, y))) - 0.5) / (self.pi - 0.5))
            .collect()
    }
    fn decode_variance(&self, x: &[f64]) -> Result<Vec<f64>> {
        let v = category(x, self.k)?;
        let d = (self.pi - 0.5).powi(2);
        Ok((0..self.k)
            .map(|u| {
                let p = if u == v { self.pi } else { 0.5 };
                p * (1.0 - p) / d
            })
            .collect())
    }
    fn worst_pair(&self) -> (Vec<f64>, Vec<f64>) {
        (vec![0.0], vec![1.0])
    }
    /// One bin per possible report.
    fn audit_bins(&self) -> usize {
        self.order
    }
    fn audit_bin(&self, report: &[f64], _: (&[f64], &[f64])) -> usize {
        report[0] as usize
    }
    fn as_discrete(&self) -> Option<&dyn DiscreteMechanism> {
        Some(self)
    }
    fn layout(&self) -> Layout {
        Layout::Ints { width: 1 }
    }
    fn privatize_rows(&self, xs: &[f64], out: RowsMut<'_>, rng: &mut Rng) -> Result<()> {
        let RowsMut::Ints(out) = out else {
            return Err(wrong_layout(self.name));
        };
        for (x, o) in xs.iter().zip(out) {
            *o = self.draw(category(std::slice::from_ref(x), self.k)?, rng);
        }
        Ok(())
    }
    fn support(&self) -> Option<(f64, f64)> {
        Some((self.pi, 0.5))
    }
    /// Histogram of the reports, then the Walsh–Hadamard transform W_r = Σ_j H_{rj} h_j =
    /// |C_r hits| − |misses|, so the support count of u is (n + W_{u+1})/2.
    fn count_support(&self, rows: Rows<'_>, counts: &mut [u64]) -> Result<()> {
        let Rows::Ints(ys) = rows else {
            return Err(wrong_layout(self.name));
        };
        let mut h = vec![0i64; self.order];
        for y in ys {
            match h.get_mut(*y as usize) {
                Some(c) => *c += 1,
                None => {
                    return Err(Error::param(
                        "report",
                        y,
                        format!("must be < the Hadamard order {}", self.order),
                    ));
                }
            }
        }
        let mut len = 1;
        while len < self.order {
            for block in h.chunks_mut(2 * len) {
                let (a, b) = block.split_at_mut(len);
                for (x, y) in a.iter_mut().zip(b.iter_mut()) {
                    let (s, t) = (*x + *y, *x - *y);
                    *x = s;
                    *y = t;
                }
            }
            len *= 2;
        }
        let n = ys.len() as i64;
        for (u, c) in counts.iter_mut().enumerate() {
            *c += ((n + h[u + 1]) / 2) as u64;
        }
        Ok(())
    }
}

impl DiscreteMechanism for Hadamard {
    fn audit_inputs(&self) -> Vec<Vec<f64>> {
        (0..self.k).map(|v| vec![v as f64]).collect()
    }
    fn output_spaces(&self) -> Vec<Vec<Vec<f64>>> {
        vec![(0..self.order).map(|y| vec![y as f64]).collect()]
    }
    fn pmf(&self, x: &[f64], y: &[f64]) -> f64 {
        let half = (self.order / 2) as f64;
        if in_set(x[0] as usize + 1, y[0] as usize) {
            self.pi / half
        } else {
            (1.0 - self.pi) / half
        }
    }
}

/// **Deliberately broken** Hadamard response, for testing the audits only: its coin uses
/// π = e^{2ε}/(e^{2ε} + 1) (ε counted twice, as when a per-report budget is confused with a
/// doubled one) while it claims ε-LDP. Its real guarantee is 2ε.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct BrokenHadamard;

impl BrokenHadamard {
    /// The broken mechanism, claiming ε-LDP.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(epsilon: f64, k: usize) -> Result<Hadamard> {
        Hadamard::build(epsilon, 2.0 * epsilon, k, "broken-hr")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ldp::audit::{empirical_audit, exact_ratio_check};
    use crate::ldp::reports::Reports;

    #[test]
    fn exact_ratio_is_e_epsilon_and_support_counts_match_decode() {
        let m = Hadamard::new(0.7, 5).unwrap();
        assert_eq!(m.order(), 8);
        let a = exact_ratio_check(&m, 0.7).unwrap();
        assert!(a.pass);
        assert!((a.max_ratio - 0.7f64.exp()).abs() < 1e-12);
        let mut rng = crate::rng::stream(3, "hr-test", 0);
        let rows: Vec<Vec<f64>> = (0..500)
            .map(|i| m.privatize(&[(i % 5) as f64], &mut rng).unwrap())
            .collect();
        let buf = Reports::from_rows(m.layout(), &rows).unwrap();
        let mut counts = vec![0u64; 5];
        m.count_support(buf.all(), &mut counts).unwrap();
        for (u, c) in counts.iter().enumerate() {
            let direct = rows.iter().filter(|r| in_set(u + 1, r[0] as usize)).count();
            assert_eq!(*c as usize, direct);
        }
    }

    #[test]
    fn planted_bug_is_caught_by_both_audits() {
        let bad = BrokenHadamard::new(1.0, 4).unwrap();
        assert!(!exact_ratio_check(&bad, 1.0).unwrap().pass);
        let mut rng = crate::rng::stream(1, "hr-broken", 0);
        let a = empirical_audit(&bad, 100_000, 0.95, &mut rng).unwrap();
        assert!(!a.pass, "lower bound {} should exceed 1", a.epsilon_lower);
        let good = Hadamard::new(1.0, 4).unwrap();
        let a = empirical_audit(&good, 100_000, 0.95, &mut rng).unwrap();
        assert!(a.pass, "lower bound {}", a.epsilon_lower);
    }
}

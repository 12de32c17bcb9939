//! Duchi, Jordan & Wainwright (JASA 2018, §4.2.3) mean mechanisms for bounded inputs.
//!
//! All three are ε-LDP with unbiased outputs. The constants are derived here and pinned by the
//! unbiasedness tests (spec §2.4 marks them [R]); for the ℓ2 ball the spec's closed form carries
//! an extra factor 2 (its own small-ε approximation r√(2πd)/ε agrees with the one used here).

use super::{
    DiscreteMechanism, Mechanism, check_input, clip_l2, clip_scalar, l2_norm, range_bin, reals,
};
use crate::error::{Error, Result};
use crate::ldp::privacy::Privacy;
use crate::ldp::reports::RowsMut;
use crate::rng::Rng;
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};
use statrs::function::gamma::ln_gamma;

fn radius(r: f64) -> Result<f64> {
    if r.is_finite() && r > 0.0 {
        Ok(r)
    } else {
        Err(Error::param("radius", r, "must be finite and > 0"))
    }
}

fn dimension(d: usize) -> Result<usize> {
    if d >= 1 {
        Ok(d)
    } else {
        Err(Error::param("d", d, "dimension must be >= 1"))
    }
}

/// (e^ε + 1)/(e^ε − 1) = 1/tanh(ε/2), the scalar bound.
fn coth_half(epsilon: f64) -> f64 {
    1.0 / (epsilon / 2.0).tanh()
}

/// Scalar mechanism on [−r, r]: output ±rB, B = (e^ε+1)/(e^ε−1), with
/// P[+rB] = ½ + (x/r)(e^ε−1)/(2(e^ε+1)). Unbiased; Var = r²B² − x².
#[derive(Debug, Clone)]
pub struct DuchiScalar {
    privacy: Privacy,
    r: f64,
    b: f64,
    slope: f64,
}

impl DuchiScalar {
    /// ε-LDP on [−r, r].
    pub fn new(epsilon: f64, r: f64) -> Result<Self> {
        let privacy = Privacy::pure(epsilon)?;
        let r = radius(r)?;
        let b = coth_half(epsilon);
        Ok(Self {
            privacy,
            r,
            b,
            slope: 1.0 / (2.0 * b),
        })
    }
    /// The output magnitude rB.
    pub fn bound(&self) -> f64 {
        self.r * self.b
    }
    fn p_plus(&self, x: f64) -> f64 {
        0.5 + (x / self.r) * self.slope
    }
    fn draw(&self, x: &[f64], rng: &mut Rng) -> Result<f64> {
        check_input(x, 1)?;
        let x = clip_scalar(x[0], self.r);
        let sign = if rng.random_bool(self.p_plus(x)) {
            1.0
        } else {
            -1.0
        };
        Ok(sign * self.bound())
    }
}

impl Mechanism for DuchiScalar {
    fn name(&self) -> &'static str {
        "duchi"
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
        check_input(x, 1)?;
        Ok(vec![clip_scalar(x[0], self.r)])
    }
    fn privatize(&self, x: &[f64], rng: &mut Rng) -> Result<Vec<f64>> {
        Ok(vec![self.draw(x, rng)?])
    }
    fn privatize_rows(&self, xs: &[f64], out: RowsMut<'_>, rng: &mut Rng) -> Result<()> {
        for (x, o) in xs.iter().zip(reals(out, self.name())?) {
            *o = self.draw(std::slice::from_ref(x), rng)?;
        }
        Ok(())
    }
    fn decode(&self, report: &[f64]) -> Vec<f64> {
        report.to_vec()
    }
    fn decode_variance(&self, x: &[f64]) -> Result<Vec<f64>> {
        let x = self.clip(x)?[0];
        Ok(vec![self.bound().powi(2) - x * x])
    }
    fn worst_pair(&self) -> (Vec<f64>, Vec<f64>) {
        (vec![self.r], vec![-self.r])
    }
    fn audit_bins(&self) -> usize {
        2
    }
    fn audit_bin(&self, report: &[f64], _: (&[f64], &[f64])) -> usize {
        usize::from(report[0] > 0.0)
    }
    fn as_discrete(&self) -> Option<&dyn DiscreteMechanism> {
        Some(self)
    }
}

impl DiscreteMechanism for DuchiScalar {
    /// 41 equally spaced inputs from −r to r (both ends included: the worst pair).
    fn audit_inputs(&self) -> Vec<Vec<f64>> {
        (0..=40)
            .map(|i| vec![-self.r + 2.0 * self.r * i as f64 / 40.0])
            .collect()
    }
    fn output_spaces(&self) -> Vec<Vec<Vec<f64>>> {
        vec![vec![vec![-self.bound()], vec![self.bound()]]]
    }
    fn pmf(&self, x: &[f64], y: &[f64]) -> f64 {
        let p = self.p_plus(clip_scalar(x[0], self.r));
        if y[0] > 0.0 { p } else { 1.0 - p }
    }
}

/// ln C(n, k).
fn ln_choose(n: usize, k: usize) -> f64 {
    ln_gamma(n as f64 + 1.0) - ln_gamma(k as f64 + 1.0) - ln_gamma((n - k) as f64 + 1.0)
}

/// The ℓ∞-box constant B for unit radius: B = (e^ε+1)/(e^ε−1) / m_d with
/// m_d = E[s₁v₁ | s ∈ T⁺] = C(d−1, ⌊(d−1)/2⌋)/2^{d−1}.
///
/// For odd d this is Duchi et al.'s 2^{d−1}/C(d−1, (d−1)/2) (spec §2.4). For even d, ties
/// ⟨s, v⟩ = 0 join T⁺ when s_J = v_J for a coordinate J drawn uniformly per report: every
/// mixture component still has |T⁺| = |T⁻| = 2^{d−1} (ratio exactly e^ε), symmetry makes the
/// output unbiased, and working out E[s₁v₁ | T⁺] gives the same closed form as the odd case.
pub fn duchi_linf_bound(epsilon: f64, d: usize) -> f64 {
    let m = (ln_choose(d - 1, (d - 1) / 2) - (d - 1) as f64 * std::f64::consts::LN_2).exp();
    coth_half(epsilon) / m
}

/// ℓ∞-box mechanism: v_j = ±1 independently with P[+1] = ½ + x_j/(2r); output rB·s with s
/// uniform on T⁺ = {s ∈ {±1}^d : ⟨s, v⟩ > 0} w.p. e^ε/(e^ε+1), else uniform on its complement
/// (ties of even d: see [`duchi_linf_bound`]). Sampled without rejection: draw s uniform and
/// negate it when it lies on the wrong side (s ↦ −s swaps T⁺ and its complement).
/// Unbiased; Var(z_j) = r²B² − x_j².
#[derive(Debug, Clone)]
pub struct DuchiLinf {
    privacy: Privacy,
    d: usize,
    r: f64,
    b: f64,
    pi: f64,
}

impl DuchiLinf {
    /// ε-LDP on the box [−r, r]^d.
    pub fn new(epsilon: f64, d: usize, r: f64) -> Result<Self> {
        let privacy = Privacy::pure(epsilon)?;
        let d = dimension(d)?;
        let r = radius(r)?;
        let e = epsilon.exp();
        Ok(Self {
            privacy,
            d,
            r,
            b: duchi_linf_bound(epsilon, d),
            pi: e / (e + 1.0),
        })
    }
    /// Output magnitude per coordinate, rB.
    pub fn bound(&self) -> f64 {
        self.r * self.b
    }

    /// π = e^ε/(e^ε + 1): the probability that the report is drawn from T⁺.
    pub fn plus_probability(&self) -> f64 {
        self.pi
    }

    /// Privatize an already clipped input into `out` (no allocation; the hot path of LDP-IHT).
    pub fn privatize_into(&self, x: &[f64], out: &mut [f64], rng: &mut Rng) {
        let mut dot: i64 = 0;
        let mut tie_agree = false;
        let tie_j = if self.d.is_multiple_of(2) {
            rng.random_range(0..self.d)
        } else {
            usize::MAX
        };
        for (j, o) in out.iter_mut().enumerate() {
            let v = rng.random_bool(0.5 + x[j] / (2.0 * self.r));
            let s = rng.random::<bool>();
            dot += if v == s { 1 } else { -1 };
            if j == tie_j {
                tie_agree = v == s;
            }
            *o = if s { 1.0 } else { -1.0 };
        }
        let in_plus = dot > 0 || (dot == 0 && tie_agree);
        let sign = if rng.random_bool(self.pi) == in_plus {
            1.0
        } else {
            -1.0
        };
        let scale = sign * self.bound();
        for o in out.iter_mut() {
            *o *= scale;
        }
    }
}

impl Mechanism for DuchiLinf {
    fn name(&self) -> &'static str {
        "duchi-linf"
    }
    fn privacy(&self) -> Privacy {
        self.privacy
    }
    fn input_dim(&self) -> usize {
        self.d
    }
    fn output_dim(&self) -> usize {
        self.d
    }
    fn clip(&self, x: &[f64]) -> Result<Vec<f64>> {
        check_input(x, self.d)?;
        Ok(x.iter().map(|v| clip_scalar(*v, self.r)).collect())
    }
    fn privatize(&self, x: &[f64], rng: &mut Rng) -> Result<Vec<f64>> {
        let x = self.clip(x)?;
        let mut out = vec![0.0; self.d];
        self.privatize_into(&x, &mut out, rng);
        Ok(out)
    }
    fn privatize_rows(&self, xs: &[f64], out: RowsMut<'_>, rng: &mut Rng) -> Result<()> {
        let mut clipped = vec![0.0; self.d];
        for (x, o) in xs
            .chunks(self.d)
            .zip(reals(out, self.name())?.chunks_mut(self.d))
        {
            check_input(x, self.d)?;
            for (c, v) in clipped.iter_mut().zip(x) {
                *c = clip_scalar(*v, self.r);
            }
            self.privatize_into(&clipped, o, rng);
        }
        Ok(())
    }
    fn decode(&self, report: &[f64]) -> Vec<f64> {
        report.to_vec()
    }
    fn decode_variance(&self, x: &[f64]) -> Result<Vec<f64>> {
        let b2 = self.bound().powi(2);
        Ok(self.clip(x)?.iter().map(|v| b2 - v * v).collect())
    }
    fn worst_pair(&self) -> (Vec<f64>, Vec<f64>) {
        (vec![self.r; self.d], vec![-self.r; self.d])
    }
    /// Bins: the number of positive coordinates (0..=d).
    fn audit_bins(&self) -> usize {
        self.d + 1
    }
    fn audit_bin(&self, report: &[f64], _: (&[f64], &[f64])) -> usize {
        report.iter().filter(|v| **v > 0.0).count()
    }
    fn as_discrete(&self) -> Option<&dyn DiscreteMechanism> {
        Some(self)
    }
}

impl DiscreteMechanism for DuchiLinf {
    /// The 2^d vertices of the box and its centre (use small d).
    fn audit_inputs(&self) -> Vec<Vec<f64>> {
        let mut v: Vec<Vec<f64>> = (0..1usize << self.d)
            .map(|m| {
                (0..self.d)
                    .map(|j| if (m >> j) & 1 == 1 { self.r } else { -self.r })
                    .collect()
            })
            .collect();
        v.push(vec![0.0; self.d]);
        v
    }
    fn output_spaces(&self) -> Vec<Vec<Vec<f64>>> {
        let b = self.bound();
        vec![
            (0..1usize << self.d)
                .map(|m| {
                    (0..self.d)
                        .map(|j| if (m >> j) & 1 == 1 { b } else { -b })
                        .collect()
                })
                .collect(),
        ]
    }
    /// Σ_v P[v | x] P[s | v], the second factor averaged over the tie coordinate J for even d.
    fn pmf(&self, x: &[f64], y: &[f64]) -> f64 {
        let d = self.d;
        let s: Vec<bool> = y.iter().map(|v| *v > 0.0).collect();
        let half = 2f64.powi(d as i32 - 1);
        let mut total = 0.0;
        for m in 0..1usize << d {
            let v: Vec<bool> = (0..d).map(|j| (m >> j) & 1 == 1).collect();
            let pv: f64 = (0..d)
                .map(|j| {
                    let p = 0.5 + clip_scalar(x[j], self.r) / (2.0 * self.r);
                    if v[j] { p } else { 1.0 - p }
                })
                .product();
            if pv == 0.0 {
                continue;
            }
            let dot: i64 = (0..d).map(|j| if v[j] == s[j] { 1 } else { -1 }).sum();
            let ps = if dot != 0 || d % 2 == 1 {
                if dot > 0 {
                    self.pi / half
                } else {
                    (1.0 - self.pi) / half
                }
            } else {
                (0..d)
                    .map(|jj| {
                        if v[jj] == s[jj] {
                            self.pi / half
                        } else {
                            (1.0 - self.pi) / half
                        }
                    })
                    .sum::<f64>()
                    / d as f64
            };
            total += pv * ps;
        }
        total
    }
}

/// ℓ2-ball mechanism: v = ±r x/‖x‖ with P[+] = ½ + ‖x‖/(2r) (uniform direction when x = 0),
/// then z uniform on the sphere of radius B with ⟨z, v⟩ > 0 w.p. e^ε/(e^ε+1), else on the
/// other hemisphere. B = r (e^ε+1)/(e^ε−1) · √π Γ((d+1)/2)/Γ(d/2) ≈ r√(2πd)/ε, which makes
/// E z = x because E[|u₁|] = Γ(d/2)/(√π Γ((d+1)/2)) for u uniform on the unit sphere.
/// Var(z_j) = B²/d − x_j². Continuous output: see the floating-point note in the module docs.
#[derive(Debug, Clone)]
pub struct DuchiL2 {
    privacy: Privacy,
    d: usize,
    r: f64,
    b: f64,
    pi: f64,
}

impl DuchiL2 {
    /// ε-LDP on the ℓ2 ball of radius r in R^d.
    pub fn new(epsilon: f64, d: usize, r: f64) -> Result<Self> {
        let privacy = Privacy::pure(epsilon)?;
        let d = dimension(d)?;
        let r = radius(r)?;
        let ratio = (ln_gamma((d as f64 + 1.0) / 2.0) - ln_gamma(d as f64 / 2.0)).exp();
        let e = epsilon.exp();
        Ok(Self {
            privacy,
            d,
            r,
            b: r * coth_half(epsilon) * std::f64::consts::PI.sqrt() * ratio,
            pi: e / (e + 1.0),
        })
    }
    /// Sphere radius B.
    pub fn bound(&self) -> f64 {
        self.b
    }
}

fn unit_gaussian_direction(d: usize, rng: &mut Rng) -> Vec<f64> {
    loop {
        let g: Vec<f64> = (0..d).map(|_| StandardNormal.sample(rng)).collect();
        let n = l2_norm(&g);
        if n > 0.0 {
            return g.iter().map(|v| v / n).collect();
        }
    }
}

impl Mechanism for DuchiL2 {
    fn name(&self) -> &'static str {
        "duchi-l2"
    }
    fn privacy(&self) -> Privacy {
        self.privacy
    }
    fn input_dim(&self) -> usize {
        self.d
    }
    fn output_dim(&self) -> usize {
        self.d
    }
    fn clip(&self, x: &[f64]) -> Result<Vec<f64>> {
        check_input(x, self.d)?;
        Ok(clip_l2(x, self.r))
    }
    fn privatize(&self, x: &[f64], rng: &mut Rng) -> Result<Vec<f64>> {
        let x = self.clip(x)?;
        let norm = l2_norm(&x);
        let v: Vec<f64> = if norm == 0.0 {
            unit_gaussian_direction(self.d, rng)
        } else {
            let sign = if rng.random_bool((0.5 + norm / (2.0 * self.r)).min(1.0)) {
                1.0
            } else {
                -1.0
            };
            x.iter().map(|xi| sign * xi / norm).collect()
        };
        let u = unit_gaussian_direction(self.d, rng);
        let dot: f64 = u.iter().zip(&v).map(|(a, b)| a * b).sum();
        let sign = if rng.random_bool(self.pi) == (dot > 0.0) {
            1.0
        } else {
            -1.0
        };
        Ok(u.iter().map(|ui| sign * self.b * ui).collect())
    }
    fn decode(&self, report: &[f64]) -> Vec<f64> {
        report.to_vec()
    }
    fn decode_variance(&self, x: &[f64]) -> Result<Vec<f64>> {
        let b2 = self.b * self.b / self.d as f64;
        Ok(self.clip(x)?.iter().map(|v| b2 - v * v).collect())
    }
    fn worst_pair(&self) -> (Vec<f64>, Vec<f64>) {
        let mut a = vec![0.0; self.d];
        a[0] = self.r;
        let mut b = vec![0.0; self.d];
        b[0] = -self.r;
        (a, b)
    }
    /// 20 bins of z₁/B over [−1, 1] (plus two empty guard bins).
    fn audit_bins(&self) -> usize {
        22
    }
    fn audit_bin(&self, report: &[f64], _: (&[f64], &[f64])) -> usize {
        range_bin(report[0] / self.b, -1.0, 1.0 + 1e-12, 20)
    }
}

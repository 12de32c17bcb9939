//! Piecewise and hybrid mechanisms (Wang et al., ICDE 2019, §III.B–C) for x ∈ [−1, 1].

use super::{
    DiscreteMechanism, DuchiScalar, Mechanism, check_input, clip_scalar, range_bin, reals,
};
use crate::error::Result;
use crate::ldp::privacy::Privacy;
use crate::ldp::reports::RowsMut;
use crate::rng::Rng;
use rand::RngExt;

/// Piecewise mechanism: with C = (e^{ε/2}+1)/(e^{ε/2}−1), ℓ(x) = ((C+1)/2)x − (C−1)/2 and
/// ρ(x) = ℓ(x) + C − 1, the output density is p = (e^ε − e^{ε/2})/(2e^{ε/2}+2) on [ℓ, ρ] and
/// p/e^ε elsewhere on [−C, C] (Algorithm 2). Unbiased with
/// Var = x²/(e^{ε/2}−1) + (e^{ε/2}+3)/(3(e^{ε/2}−1)²) (Lemma 1).
/// Continuous output: see the floating-point note in the module docs.
#[derive(Debug, Clone)]
pub struct Piecewise {
    privacy: Privacy,
    c: f64,
    p_centre: f64,
    eh: f64,
}

impl Piecewise {
    /// ε-LDP piecewise mechanism.
    pub fn new(epsilon: f64) -> Result<Self> {
        let privacy = Privacy::pure(epsilon)?;
        let eh = (epsilon / 2.0).exp();
        Ok(Self {
            privacy,
            c: (eh + 1.0) / (eh - 1.0),
            p_centre: eh / (eh + 1.0),
            eh,
        })
    }
    /// Output range [−C, C].
    pub fn c(&self) -> f64 {
        self.c
    }
    fn sample(&self, x: f64, rng: &mut Rng) -> f64 {
        let c = self.c;
        let l = (c + 1.0) / 2.0 * x - (c - 1.0) / 2.0;
        let r = l + c - 1.0;
        if rng.random_bool(self.p_centre) {
            l + (r - l) * rng.random::<f64>()
        } else {
            // Uniform on [−C, ℓ) ∪ (ρ, C], total length C + 1.
            let u = (c + 1.0) * rng.random::<f64>();
            if u < l + c { -c + u } else { r + (u - (l + c)) }
        }
    }
    fn variance(&self, x: f64) -> f64 {
        let a = self.eh - 1.0;
        x * x / a + (self.eh + 3.0) / (3.0 * a * a)
    }
}

fn scalar_clip(x: &[f64]) -> Result<f64> {
    check_input(x, 1)?;
    Ok(clip_scalar(x[0], 1.0))
}

impl Mechanism for Piecewise {
    fn name(&self) -> &'static str {
        "piecewise"
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
        Ok(vec![scalar_clip(x)?])
    }
    fn privatize(&self, x: &[f64], rng: &mut Rng) -> Result<Vec<f64>> {
        Ok(vec![self.sample(scalar_clip(x)?, rng)])
    }
    fn privatize_rows(&self, xs: &[f64], out: RowsMut<'_>, rng: &mut Rng) -> Result<()> {
        for (x, o) in xs.iter().zip(reals(out, self.name())?) {
            *o = self.sample(scalar_clip(std::slice::from_ref(x))?, rng);
        }
        Ok(())
    }
    fn decode(&self, report: &[f64]) -> Vec<f64> {
        report.to_vec()
    }
    fn decode_variance(&self, x: &[f64]) -> Result<Vec<f64>> {
        Ok(vec![self.variance(scalar_clip(x)?)])
    }
    fn worst_pair(&self) -> (Vec<f64>, Vec<f64>) {
        (vec![1.0], vec![-1.0])
    }
    /// 50 equal bins over [−C, C] plus two guard bins.
    fn audit_bins(&self) -> usize {
        52
    }
    fn audit_bin(&self, report: &[f64], _: (&[f64], &[f64])) -> usize {
        range_bin(report[0], -self.c, self.c * (1.0 + 1e-12), 50)
    }
}

/// Hybrid mechanism (§III.C): the piecewise mechanism with probability α = 1 − e^{−ε/2} when
/// ε > 0.61, else (and otherwise) Duchi's scalar mechanism. A mixture, with input-independent
/// weights, of two ε-LDP mechanisms is ε-LDP; Var = α Var_PM + (1 − α) Var_Duchi.
#[derive(Debug, Clone)]
pub struct Hybrid {
    pm: Piecewise,
    duchi: DuchiScalar,
    alpha: f64,
}

impl Hybrid {
    /// ε-LDP hybrid mechanism.
    pub fn new(epsilon: f64) -> Result<Self> {
        let pm = Piecewise::new(epsilon)?;
        let duchi = DuchiScalar::new(epsilon, 1.0)?;
        let alpha = if epsilon > 0.61 {
            1.0 - (-epsilon / 2.0).exp()
        } else {
            0.0
        };
        Ok(Self { pm, duchi, alpha })
    }
    /// Probability of using the piecewise mechanism.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
    fn draw(&self, x: &[f64], rng: &mut Rng) -> Result<f64> {
        let x = scalar_clip(x)?;
        if self.alpha > 0.0 && rng.random_bool(self.alpha) {
            Ok(self.pm.sample(x, rng))
        } else {
            Ok(self.duchi.privatize(&[x], rng)?[0])
        }
    }
}

impl Mechanism for Hybrid {
    fn name(&self) -> &'static str {
        "hybrid"
    }
    fn privacy(&self) -> Privacy {
        self.pm.privacy
    }
    fn input_dim(&self) -> usize {
        1
    }
    fn output_dim(&self) -> usize {
        1
    }
    fn clip(&self, x: &[f64]) -> Result<Vec<f64>> {
        Ok(vec![scalar_clip(x)?])
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
        let x = scalar_clip(x)?;
        let vd = self.duchi.bound().powi(2) - x * x;
        Ok(vec![
            self.alpha * self.pm.variance(x) + (1.0 - self.alpha) * vd,
        ])
    }
    fn worst_pair(&self) -> (Vec<f64>, Vec<f64>) {
        (vec![1.0], vec![-1.0])
    }
    fn audit_bins(&self) -> usize {
        52
    }
    fn audit_bin(&self, report: &[f64], _: (&[f64], &[f64])) -> usize {
        range_bin(report[0], -self.pm.c, self.pm.c * (1.0 + 1e-12), 50)
    }
    fn as_discrete(&self) -> Option<&dyn DiscreteMechanism> {
        None
    }
}

//! Additive-noise mechanisms after clipping (spec §2.6): Laplace on a box, Gaussian on a ball.
//! Continuous floating-point samplers: see the limitation stated in the module docs.

use super::{Mechanism, check_input, clip_l2, clip_scalar, range_bin, reals};
use crate::error::{Error, Result};
use crate::ldp::privacy::{Privacy, check_delta, check_epsilon};
use crate::ldp::reports::RowsMut;
use crate::rng::Rng;
use rand_distr::{Distribution, Exp1, StandardNormal};
use statrs::function::erf::erfc;

fn radius(r: f64) -> Result<f64> {
    if r.is_finite() && r > 0.0 {
        Ok(r)
    } else {
        Err(Error::param("radius", r, "must be finite and > 0"))
    }
}

/// Laplace mechanism on the box [−r, r]^d: the ℓ1 diameter is Δ₁ = 2rd, so adding iid
/// Lap(Δ₁/ε) noise per coordinate is ε-LDP (Dwork et al. 2006). Var = 2(Δ₁/ε)² per coordinate.
#[derive(Debug, Clone)]
pub struct Laplace {
    privacy: Privacy,
    d: usize,
    r: f64,
    scale: f64,
}

impl Laplace {
    /// ε-LDP Laplace mechanism on [−r, r]^d.
    pub fn new(epsilon: f64, d: usize, r: f64) -> Result<Self> {
        let privacy = Privacy::pure(epsilon)?;
        if d == 0 {
            return Err(Error::param("d", d, "dimension must be >= 1"));
        }
        let r = radius(r)?;
        Ok(Self {
            privacy,
            d,
            r,
            scale: 2.0 * r * d as f64 / epsilon,
        })
    }
    /// Noise scale b = Δ₁/ε.
    pub fn scale(&self) -> f64 {
        self.scale
    }
    /// x clipped to the box plus the difference of two Exp(1) draws per coordinate, scaled.
    fn draw(&self, x: &[f64], out: &mut [f64], rng: &mut Rng) -> Result<()> {
        check_input(x, self.d)?;
        for (o, v) in out.iter_mut().zip(x) {
            let a: f64 = Exp1.sample(rng);
            let b: f64 = Exp1.sample(rng);
            *o = clip_scalar(*v, self.r) + self.scale * (a - b);
        }
        Ok(())
    }
    /// Privacy loss ln p(o | x)/p(o | x') for the product Laplace density.
    fn loss(&self, o: &[f64], x: &[f64], xp: &[f64]) -> f64 {
        o.iter()
            .zip(x)
            .zip(xp)
            .map(|((o, a), b)| ((o - b).abs() - (o - a).abs()) / self.scale)
            .sum()
    }
}

impl Mechanism for Laplace {
    fn name(&self) -> &'static str {
        "laplace"
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
        let mut out = vec![0.0; self.d];
        self.draw(x, &mut out, rng)?;
        Ok(out)
    }
    fn privatize_rows(&self, xs: &[f64], out: RowsMut<'_>, rng: &mut Rng) -> Result<()> {
        for (x, o) in xs
            .chunks(self.d)
            .zip(reals(out, self.name())?.chunks_mut(self.d))
        {
            self.draw(x, o, rng)?;
        }
        Ok(())
    }
    fn decode(&self, report: &[f64]) -> Vec<f64> {
        report.to_vec()
    }
    fn decode_variance(&self, x: &[f64]) -> Result<Vec<f64>> {
        check_input(x, self.d)?;
        Ok(vec![2.0 * self.scale * self.scale; self.d])
    }
    fn worst_pair(&self) -> (Vec<f64>, Vec<f64>) {
        (vec![self.r; self.d], vec![-self.r; self.d])
    }
    /// 50 bins of the privacy loss over [−ε, ε] (its exact range), plus two guard bins: the
    /// loss is the most powerful statistic for telling x from x'.
    fn audit_bins(&self) -> usize {
        52
    }
    fn audit_bin(&self, report: &[f64], pair: (&[f64], &[f64])) -> usize {
        let e = self.privacy.epsilon;
        range_bin(
            self.loss(report, pair.0, pair.1),
            -e * (1.0 + 1e-9),
            e * (1.0 + 1e-9),
            50,
        )
    }
}

/// How the Gaussian mechanism's σ is calibrated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GaussianCalibration {
    /// σ = Δ₂ √(2 ln(1.25/δ))/ε (Dwork & Roth 2014, Thm A.1); valid for ε < 1 only.
    Classic,
    /// The smallest σ with δ(σ) ≤ δ in Balle & Wang (2018, Thm 8); valid for every ε.
    Analytic,
}

/// Φ(x) through erfc, accurate in the lower tail.
fn norm_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// Exact δ of the Gaussian mechanism with noise σ and ℓ2 sensitivity Δ at ε (Balle & Wang 2018,
/// Thm 8): δ = Φ(Δ/(2σ) − εσ/Δ) − e^ε Φ(−Δ/(2σ) − εσ/Δ), the hockey-stick divergence.
pub fn gaussian_delta(epsilon: f64, sigma: f64, sensitivity: f64) -> f64 {
    let a = sensitivity / (2.0 * sigma);
    let b = epsilon * sigma / sensitivity;
    (norm_cdf(a - b) - epsilon.exp() * norm_cdf(-a - b)).max(0.0)
}

/// Classic calibration σ = Δ₂ √(2 ln(1.25/δ))/ε; errors unless 0 < ε < 1.
pub fn classic_gaussian_sigma(epsilon: f64, delta: f64, sensitivity: f64) -> Result<f64> {
    check_epsilon(epsilon)?;
    check_delta(delta)?;
    if epsilon >= 1.0 {
        return Err(Error::param(
            "epsilon",
            epsilon,
            "the classic Gaussian calibration needs epsilon < 1; use the analytic one",
        ));
    }
    Ok(sensitivity * (2.0 * (1.25 / delta).ln()).sqrt() / epsilon)
}

/// Analytic calibration: bisection (in log σ) for δ(σ) = δ, δ(σ) decreasing in σ.
pub fn analytic_gaussian_sigma(epsilon: f64, delta: f64, sensitivity: f64) -> Result<f64> {
    check_epsilon(epsilon)?;
    check_delta(delta)?;
    let (mut lo, mut hi) = (sensitivity * 1e-6, sensitivity * 1e6);
    if gaussian_delta(epsilon, hi, sensitivity) > delta {
        return Err(Error::Numerical(format!(
            "analytic Gaussian: no sigma below {hi:e} reaches delta = {delta:e}"
        )));
    }
    for _ in 0..200 {
        let mid = (lo * hi).sqrt();
        if gaussian_delta(epsilon, mid, sensitivity) > delta {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi / lo - 1.0 < 1e-14 {
            break;
        }
    }
    Ok(hi)
}

/// Gaussian mechanism on the ℓ2 ball of radius r: Δ₂ = 2r (the ball's diameter), iid
/// N(0, σ²) noise per coordinate; (ε, δ)-LDP.
#[derive(Debug, Clone)]
pub struct Gaussian {
    privacy: Privacy,
    d: usize,
    r: f64,
    sigma: f64,
    calibration: GaussianCalibration,
}

impl Gaussian {
    /// (ε, δ)-LDP Gaussian mechanism on the radius-r ball of R^d.
    pub fn new(
        epsilon: f64,
        delta: f64,
        d: usize,
        r: f64,
        calibration: GaussianCalibration,
    ) -> Result<Self> {
        let privacy = Privacy::approximate(epsilon, delta)?;
        if d == 0 {
            return Err(Error::param("d", d, "dimension must be >= 1"));
        }
        let r = radius(r)?;
        let sigma = match calibration {
            GaussianCalibration::Classic => classic_gaussian_sigma(epsilon, delta, 2.0 * r)?,
            GaussianCalibration::Analytic => analytic_gaussian_sigma(epsilon, delta, 2.0 * r)?,
        };
        Ok(Self {
            privacy,
            d,
            r,
            sigma,
            calibration,
        })
    }
    /// Noise standard deviation.
    pub fn sigma(&self) -> f64 {
        self.sigma
    }
    /// The calibration used.
    pub fn calibration(&self) -> GaussianCalibration {
        self.calibration
    }
    /// x projected onto the ball plus N(0, σ²) per coordinate.
    fn draw(&self, x: &[f64], out: &mut [f64], rng: &mut Rng) -> Result<()> {
        check_input(x, self.d)?;
        for (o, v) in out.iter_mut().zip(clip_l2(x, self.r)) {
            let z: f64 = StandardNormal.sample(rng);
            *o = v + self.sigma * z;
        }
        Ok(())
    }
    /// Privacy loss ln p(o | x)/p(o | x') = (‖o − x'‖² − ‖o − x‖²)/(2σ²).
    pub fn privacy_loss(&self, o: &[f64], x: &[f64], xp: &[f64]) -> f64 {
        o.iter()
            .zip(x)
            .zip(xp)
            .map(|((o, a), b)| {
                ((o - b).powi(2) - (o - a).powi(2)) / (2.0 * self.sigma * self.sigma)
            })
            .sum()
    }
}

impl Mechanism for Gaussian {
    fn name(&self) -> &'static str {
        match self.calibration {
            GaussianCalibration::Classic => "gaussian",
            GaussianCalibration::Analytic => "gaussian-analytic",
        }
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
        let mut out = vec![0.0; self.d];
        self.draw(x, &mut out, rng)?;
        Ok(out)
    }
    fn privatize_rows(&self, xs: &[f64], out: RowsMut<'_>, rng: &mut Rng) -> Result<()> {
        for (x, o) in xs
            .chunks(self.d)
            .zip(reals(out, self.name())?.chunks_mut(self.d))
        {
            self.draw(x, o, rng)?;
        }
        Ok(())
    }
    fn decode(&self, report: &[f64]) -> Vec<f64> {
        report.to_vec()
    }
    fn decode_variance(&self, x: &[f64]) -> Result<Vec<f64>> {
        check_input(x, self.d)?;
        Ok(vec![self.sigma * self.sigma; self.d])
    }
    fn worst_pair(&self) -> (Vec<f64>, Vec<f64>) {
        let mut a = vec![0.0; self.d];
        a[0] = self.r;
        let mut b = vec![0.0; self.d];
        b[0] = -self.r;
        (a, b)
    }
    /// Not used: a δ > 0 guarantee is audited by the hockey-stick divergence, not bin ratios.
    fn audit_bins(&self) -> usize {
        1
    }
    fn audit_bin(&self, _: &[f64], _: (&[f64], &[f64])) -> usize {
        0
    }
    fn gaussian(&self) -> Option<&Gaussian> {
        Some(self)
    }
}

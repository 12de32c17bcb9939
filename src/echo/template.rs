//! The QNM comb template `qnmcomb_cut` (spec §3.1) and the predecessor's triangle comb (§3.4).

use super::spectrum::C64;
use crate::error::{Error, Result, check};
use std::f64::consts::PI;

/// Truncation level `c` of the Lorentzian teeth: a tooth is cut where its modulus falls below
/// 20 % of the peak (spec §3.1).
pub const CUT: f64 = 0.2;

/// Parameters of one comb (names as in the reference result tables).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CombParams {
    /// Damping rate γ (angular, 1/M or s⁻¹): the tooth HWHM is γ/2π in frequency.
    pub width: f64,
    /// Amplitude `A` (peak height, data units).
    pub amplitude: f64,
    /// Offset φ ∈ [0, 1) as a fraction of the spacing.
    pub phase: f64,
    /// Tooth spacing Δ (1/M or Hz).
    pub spacing: f64,
    /// Lower band edge (same unit as frequency).
    pub fmin: f64,
    /// Upper band edge.
    pub fmax: f64,
}

impl CombParams {
    /// Names in [`CombParams::to_array`] order.
    pub const NAMES: [&'static str; 6] = ["width", "amplitude", "phase", "spacing", "fmin", "fmax"];

    /// `[width, amplitude, phase, spacing, fmin, fmax]`.
    pub fn to_array(&self) -> [f64; 6] {
        [
            self.width,
            self.amplitude,
            self.phase,
            self.spacing,
            self.fmin,
            self.fmax,
        ]
    }

    /// Inverse of [`CombParams::to_array`].
    pub fn from_array(a: [f64; 6]) -> Self {
        Self {
            width: a[0],
            amplitude: a[1],
            phase: a[2],
            spacing: a[3],
            fmin: a[4],
            fmax: a[5],
        }
    }

    /// Check the parameter domain: γ > 0, Δ > 0, A >= 0, all finite, f_min <= f_max.
    pub fn validate(&self) -> Result<()> {
        check::positive("width", self.width)?;
        check::non_negative("amplitude", self.amplitude)?;
        check::finite("phase", self.phase)?;
        check::positive("spacing", self.spacing)?;
        check::finite("fmin", self.fmin)?;
        check::finite("fmax", self.fmax)?;
        if self.fmax < self.fmin {
            return Err(Error::param(
                "fmax",
                self.fmax,
                format!("must be >= fmin = {}", self.fmin),
            ));
        }
        Ok(())
    }
}

/// Which finite-duration factor the teeth carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DurationFactor {
    /// `1 - e^{-γT + iω'T}`, as the reference code writes it (default, for parity).
    #[default]
    Reference,
    /// `1 - e^{-(γ + iω')T}`, the exact Fourier transform of `e^{-γt} e^{iω_n t}` on [0, T].
    Exact,
}

/// Half-width `ω_cut = min(max(γ sqrt(1-c²)/c, 6π/T), πΔ)` of a tooth in angular frequency.
#[inline]
pub fn cut_halfwidth(width: f64, spacing: f64, duration: f64) -> f64 {
    let c1 = (1.0 - CUT * CUT).sqrt() * width / CUT;
    let c2 = 6.0 * PI / duration;
    c1.max(c2).min(PI * spacing)
}

/// One tooth's transfer function at detuning ω' (without the amplitude):
/// `H(ω') = γ/(γ + iω') · (1 - e^{-γT ± iω'T})` (spec §3.1).
#[inline]
pub fn tooth(width: f64, omega_p: f64, duration: f64, factor: DurationFactor) -> C64 {
    let sign = match factor {
        DurationFactor::Reference => 1.0,
        DurationFactor::Exact => -1.0,
    };
    let (s, c) = (sign * omega_p * duration).sin_cos();
    let e = (-width * duration).exp();
    let fin = C64::new(1.0 - e * c, -e * s);
    let den = width * width + omega_p * omega_p;
    let lor = C64::new(width * width / den, -width * omega_p / den);
    lor * fin
}

/// Tooth index `n(f) = ⌊(f - φΔ)/Δ + ½⌋` and detuning `ω' = 2π(f - f_n)`.
#[inline]
pub fn tooth_index(f: f64, phase: f64, spacing: f64) -> (i64, f64) {
    let u = (f - phase * spacing) / spacing;
    let n = (u + 0.5).floor();
    (n as i64, (u - n) * spacing * 2.0 * PI)
}

/// The comb `h̃(f) = A·H(ω')` inside the cut, 0 outside, at every frequency of `freq`, with
/// each bin's tooth index (spec §3.1; the band edges are not applied here).
pub fn qnm_comb(
    freq: &[f64],
    p: &CombParams,
    duration: f64,
    factor: DurationFactor,
) -> (Vec<C64>, Vec<i64>) {
    let cut = cut_halfwidth(p.width, p.spacing, duration);
    let mut h = Vec::with_capacity(freq.len());
    let mut idx = Vec::with_capacity(freq.len());
    for &f in freq {
        let (n, w) = tooth_index(f, p.phase, p.spacing);
        idx.push(n);
        if -cut < w && w < cut {
            h.push(tooth(p.width, w, duration, factor) * p.amplitude);
        } else {
            h.push(C64::new(0.0, 0.0));
        }
    }
    (h, idx)
}

/// The predecessor's triangle comb (spec §3.4): `|h̃| = A(1 - 2|f - f_n|/w)` within `w/2` of
/// a tooth centre `f_n = (n + φ)Δ`, else 0; no phase.
pub fn triangle_comb(
    freq: &[f64],
    amplitude: f64,
    phase: f64,
    tooth_width: f64,
    spacing: f64,
) -> Vec<f64> {
    freq.iter()
        .map(|&f| {
            let (_, w) = tooth_index(f, phase, spacing);
            let df = (w / (2.0 * PI)).abs();
            if df < tooth_width / 2.0 {
                amplitude * (1.0 - 2.0 * df / tooth_width)
            } else {
                0.0
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_is_the_amplitude_for_long_data() {
        let p = CombParams {
            width: 1.0,
            amplitude: 2.5,
            phase: 0.3,
            spacing: 10.0,
            fmin: 0.0,
            fmax: 100.0,
        };
        // A bin exactly at a tooth centre f_n = (n + φ)Δ: ω' = 0, H = 1 - e^{-γT}.
        let (h, idx) = qnm_comb(&[43.0], &p, 100.0, DurationFactor::Reference);
        assert_eq!(idx[0], 4);
        assert!((h[0].re - 2.5 * (1.0 - (-100.0f64).exp())).abs() < 1e-12 && h[0].im.abs() < 1e-12);
    }

    #[test]
    fn cut_respects_its_three_bounds() {
        // γ√(1-c²)/c dominates.
        assert!((cut_halfwidth(1.0, 100.0, 1e6) - 24f64.sqrt()).abs() < 1e-12);
        // at least ±3 bins.
        assert!((cut_halfwidth(1e-9, 100.0, 2.0) - 3.0 * PI).abs() < 1e-12);
        // never past half a spacing.
        assert!((cut_halfwidth(1e3, 0.5, 2.0) - 0.5 * PI).abs() < 1e-12);
    }

    #[test]
    fn exact_and_reference_factors_agree_when_gamma_t_is_large() {
        let a = tooth(5.0, 1.3, 10.0, DurationFactor::Reference);
        let b = tooth(5.0, 1.3, 10.0, DurationFactor::Exact);
        assert!((a - b).norm() < 1e-20);
    }

    #[test]
    fn triangle_has_unit_peak_and_zero_edges() {
        let v = triangle_comb(&[3.0, 3.25, 3.5], 2.0, 0.0, 1.0, 1.0);
        assert!((v[0] - 2.0).abs() < 1e-12 && (v[1] - 1.0).abs() < 1e-12 && v[2] == 0.0);
    }
}

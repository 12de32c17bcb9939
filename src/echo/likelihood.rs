//! The two phase-marginalised log-likelihood ratios of a comb against noise (spec §3.3).
//!
//! With `x_k = 4Δf d̃_k h̃_k* / S_k` and `E_k = 2Δf |h̃_k|² / S_k`:
//! - per bin ("old", the predecessor's): `ln Λ_old = Σ_k [ln I₀(|x_k|) - E_k]`;
//! - per QNM ("new"): `ln Λ_new = Σ_n [ln I₀(|Σ_{k∈n} x_k|) - Σ_{k∈n} E_k]`.
//!
//! [`CombLikelihood::log_ratio`] visits only the bins inside each tooth's cut (the comb is zero
//! elsewhere, and a zero bin contributes `ln I₀(0) - 0 = 0`), with `4Δf d̃/S` and `2Δf/S`
//! precomputed once per data set (spec §6).

use super::bessel::{ln_i0, ln_i0_batch};
use super::spectrum::{C64, Spectrum};
use super::template::{CombParams, DurationFactor, cut_halfwidth, qnm_comb, tooth};
use crate::error::{Error, Result, check};
use std::f64::consts::PI;

/// Which phase marginalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LikelihoodKind {
    /// One uniform phase per QNM tooth, relative phases inside a tooth kept (the paper's).
    New,
    /// One uniform phase per frequency bin: only `|h̃|` enters (the predecessor's).
    Old,
}

impl LikelihoodKind {
    /// Parse `new` / `old`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "new" => Ok(Self::New),
            "old" => Ok(Self::Old),
            _ => Err(Error::UnknownName {
                kind: "likelihood",
                name: s.to_string(),
                known: "new, old".into(),
            }),
        }
    }
    /// `new` / `old`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Old => "old",
        }
    }
}

/// A data set prepared for fast comb likelihood evaluations.
#[derive(Debug, Clone)]
pub struct CombLikelihood {
    kind: LikelihoodKind,
    freq: Vec<f64>,
    /// `4Δf d̃_k / S_k`.
    w: Vec<C64>,
    /// `|4Δf d̃_k / S_k|`.
    w_abs: Vec<f64>,
    /// `2Δf / S_k`.
    v: Vec<f64>,
    f0: f64,
    df: f64,
    duration: f64,
    factor: DurationFactor,
}

impl CombLikelihood {
    /// Prepare `spec` with the template duration `T = 1/Δf` (the data length).
    pub fn new(spec: &Spectrum, kind: LikelihoodKind) -> Self {
        let df = spec.df();
        let w: Vec<C64> = spec
            .data()
            .iter()
            .zip(spec.psd())
            .map(|(d, s)| d * (4.0 * df / s))
            .collect();
        let w_abs = w.iter().map(|z| z.norm()).collect();
        let v = spec.psd().iter().map(|s| 2.0 * df / s).collect();
        Self {
            kind,
            freq: spec.freq().to_vec(),
            w,
            w_abs,
            v,
            f0: spec.freq()[0],
            df,
            duration: spec.duration(),
            factor: DurationFactor::Reference,
        }
    }

    /// Use another finite-duration factor (default: the reference code's).
    pub fn with_factor(mut self, factor: DurationFactor) -> Self {
        self.factor = factor;
        self
    }

    /// The marginalisation in use.
    pub fn kind(&self) -> LikelihoodKind {
        self.kind
    }

    /// Template duration T.
    pub fn duration(&self) -> f64 {
        self.duration
    }

    /// Band bins as [`Spectrum::band_unchecked`] slices them.
    #[inline]
    fn band(&self, fmin: f64, fmax: f64) -> (usize, usize) {
        let n = self.freq.len() as f64;
        let lo = ((fmin - self.f0) / self.df).floor().clamp(0.0, n) as usize;
        let hi = ((fmax - self.f0) / self.df + 2.0).floor().clamp(0.0, n) as usize;
        (lo, hi.max(lo))
    }

    /// `ln Λ` at `p` after checking its domain (the CLI's `loglike`).
    pub fn log_ratio_checked(&self, p: &CombParams) -> Result<f64> {
        p.validate()?;
        let (lo, hi) = self.band(p.fmin, p.fmax);
        if lo >= hi {
            return Err(Error::param(
                "fmax",
                p.fmax,
                format!("band [{}, {}] holds no frequency bin", p.fmin, p.fmax),
            ));
        }
        let v = self.log_ratio(p);
        check::finite("log likelihood ratio", v)
            .map_err(|_| Error::Numerical(format!("log likelihood ratio is {v} at {p:?}")))
    }

    /// `ln Λ_new` or `ln Λ_old` at `p` (spec §3.3), visiting only bins inside the teeth.
    pub fn log_ratio(&self, p: &CombParams) -> f64 {
        let (lo, hi) = self.band(p.fmin, p.fmax);
        if lo >= hi {
            return 0.0;
        }
        let (gamma, a, phi, delta, t) = (p.width, p.amplitude, p.phase, p.spacing, self.duration);
        let cut = cut_halfwidth(gamma, delta, t);
        let half_f = cut / (2.0 * PI);
        let inv_delta = 1.0 / delta;
        let e_gt = (-gamma * t).exp();
        let sign = match self.factor {
            DurationFactor::Reference => 1.0,
            DurationFactor::Exact => -1.0,
        };
        // With f_k = f_0 + kΔf the factor e^{±iω'T} advances by r = e^{±2πiΔfT} from one bin
        // to the next inside a tooth (r = 1 when T = 1/Δf): one sincos per tooth, not per bin.
        let (rs, rc) = (sign * 2.0 * PI * self.df * t).sin_cos();
        let rot = C64::new(rc, rs);
        let n_first = ((self.freq[lo] - phi * delta) * inv_delta + 0.5).floor() as i64;
        let n_last = ((self.freq[hi - 1] - phi * delta) * inv_delta + 0.5).floor() as i64;
        // The terms are added in the order of the one-tooth-at-a-time loop (per bin ln I₀ and
        // then -E for "old", -E and then ln I₀ per tooth for "new"); only the ln I₀ are
        // evaluated in groups, so the sum is the same bit for bit.
        let mut sum = OrderedSum::new();
        for n in n_first..=n_last {
            let fc = (n as f64 + phi) * delta;
            let k_lo =
                (floor_exact((fc - half_f - self.f0) / self.df) as i64 - 1).max(lo as i64) as usize;
            let k_hi = (ceil_exact((fc + half_f - self.f0) / self.df) as i64 + 2)
                .min(hi as i64)
                .max(k_lo as i64) as usize;
            let mut x = C64::new(0.0, 0.0);
            let mut e = 0.0;
            let mut z = C64::new(0.0, 0.0);
            let mut k_prev = usize::MAX;
            for k in k_lo..k_hi {
                let u = (self.freq[k] - phi * delta) / delta;
                let nk = floor_exact(u + 0.5);
                if nk as i64 != n {
                    continue;
                }
                let wp = (u - nk) * delta * 2.0 * PI;
                if !(-cut < wp && wp < cut) {
                    continue;
                }
                // h = A γ/(γ + iω') (1 - e^{-γT} e^{±iω'T}).
                if k_prev == usize::MAX {
                    let (s, c) = (sign * wp * t).sin_cos();
                    z = C64::new(c, s);
                } else {
                    for _ in k_prev..k {
                        z *= rot;
                    }
                }
                k_prev = k;
                let fin_re = 1.0 - e_gt * z.re;
                let fin_im = -e_gt * z.im;
                let den = a / (gamma * gamma + wp * wp);
                let l_re = gamma * gamma * den;
                let l_im = -gamma * wp * den;
                let h = C64::new(l_re * fin_re - l_im * fin_im, l_re * fin_im + l_im * fin_re);
                let h2 = h.norm_sqr();
                e += self.v[k] * h2;
                match self.kind {
                    LikelihoodKind::New => x += self.w[k] * h.conj(),
                    LikelihoodKind::Old => sum.push_ln_i0(self.w_abs[k] * h2.sqrt()),
                }
            }
            sum.push(-e);
            if self.kind == LikelihoodKind::New {
                sum.push_ln_i0(x.norm());
            }
        }
        sum.finish()
    }

    /// The same ratio by evaluating the template on every band bin and grouping by tooth index
    /// (the reference code's algorithm); slow, used to check [`CombLikelihood::log_ratio`].
    pub fn log_ratio_dense(&self, p: &CombParams) -> f64 {
        let (lo, hi) = self.band(p.fmin, p.fmax);
        if lo >= hi {
            return 0.0;
        }
        let (h, idx) = qnm_comb(&self.freq[lo..hi], p, self.duration, self.factor);
        match self.kind {
            LikelihoodKind::Old => (0..h.len())
                .map(|j| ln_i0(self.w_abs[lo + j] * h[j].norm()) - self.v[lo + j] * h[j].norm_sqr())
                .sum(),
            LikelihoodKind::New => {
                let mut total = 0.0;
                let mut j = 0;
                while j < h.len() {
                    let mut x = C64::new(0.0, 0.0);
                    let mut e = 0.0;
                    let n = idx[j];
                    while j < h.len() && idx[j] == n {
                        x += self.w[lo + j] * h[j].conj();
                        e += self.v[lo + j] * h[j].norm_sqr();
                        j += 1;
                    }
                    total += ln_i0(x.norm()) - e;
                }
                total
            }
        }
    }
}

/// Terms per group of [`OrderedSum`].
const CHUNK: usize = 128;

/// The running sum of [`CombLikelihood::log_ratio`], term by term in the loop's order, with the
/// `ln I₀` terms deferred until a group of [`CHUNK`] terms is full and then evaluated together
/// by [`ln_i0_batch`] (whose latency-bound recurrences then overlap). Same terms, same order:
/// the same sum as adding each term when it is made.
struct OrderedSum {
    total: f64,
    terms: [f64; CHUNK],
    len: usize,
    /// Arguments of the deferred `ln I₀` terms and their positions in `terms`.
    args: [f64; CHUNK],
    at: [usize; CHUNK],
    n_args: usize,
}

impl OrderedSum {
    fn new() -> Self {
        Self {
            total: 0.0,
            terms: [0.0; CHUNK],
            len: 0,
            args: [0.0; CHUNK],
            at: [0; CHUNK],
            n_args: 0,
        }
    }

    /// Add `v` (`total -= e` is `total += -e`, exactly).
    #[inline]
    fn push(&mut self, v: f64) {
        if self.len == CHUNK {
            self.flush();
        }
        self.terms[self.len] = v;
        self.len += 1;
    }

    /// Add `ln I₀(x)`.
    #[inline]
    fn push_ln_i0(&mut self, x: f64) {
        if self.len == CHUNK {
            self.flush();
        }
        self.args[self.n_args] = x;
        self.at[self.n_args] = self.len;
        self.n_args += 1;
        self.len += 1;
    }

    fn flush(&mut self) {
        let mut l = [0.0; CHUNK];
        let n = self.n_args;
        ln_i0_batch(&self.args[..n], &mut l[..n]);
        for (&at, &v) in self.at[..n].iter().zip(&l[..n]) {
            self.terms[at] = v;
        }
        for &v in &self.terms[..self.len] {
            self.total += v;
        }
        self.len = 0;
        self.n_args = 0;
    }

    fn finish(mut self) -> f64 {
        self.flush();
        self.total
    }
}

/// `x.floor()` without the library call: below 2⁵² in magnitude truncation to `i64` is exact,
/// and a negative non-integer is one above its floor. Equal to `floor` for every argument
/// except `-0.0` (here `+0.0`), which the callers never pass or only convert to an integer.
#[inline]
fn floor_exact(x: f64) -> f64 {
    if x.abs() < 4_503_599_627_370_496.0 {
        let t = x as i64 as f64;
        if t > x { t - 1.0 } else { t }
    } else {
        x.floor()
    }
}

/// `x.ceil()` as [`floor_exact`] (`-0.0` for `x` in (-1, 0) comes out as `+0.0`; the one
/// caller converts it to an integer).
#[inline]
fn ceil_exact(x: f64) -> f64 {
    if x.abs() < 4_503_599_627_370_496.0 {
        let t = x as i64 as f64;
        if t < x { t + 1.0 } else { t }
    } else {
        x.ceil()
    }
}

/// One tooth's transfer function, re-exported for the cross-checks in tests.
pub fn tooth_value(width: f64, omega_p: f64, duration: f64) -> C64 {
    tooth(width, omega_p, duration, DurationFactor::Reference)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::echo::spectrum::gaussian_noise;

    fn toy(kind: LikelihoodKind) -> (CombLikelihood, Spectrum) {
        let mut rng = crate::rng::stream(5, "lik", 0);
        let n = 400;
        let df = 0.25;
        let freq: Vec<f64> = (0..n).map(|k| k as f64 * df).collect();
        let psd: Vec<f64> = freq.iter().map(|f| 1.0 + 0.01 * f).collect();
        let noise = gaussian_noise(&psd, df, &mut rng).unwrap();
        let spec = Spectrum::new(freq.clone(), noise, psd).unwrap();
        let p = CombParams {
            width: 0.8,
            amplitude: 1.5,
            phase: 0.37,
            spacing: 7.3,
            fmin: 0.0,
            fmax: 100.0,
        };
        let (h, _) = qnm_comb(&freq, &p, 4.0, DurationFactor::Reference);
        let spec = spec.inject(&h, 1.0).unwrap();
        (CombLikelihood::new(&spec, kind), spec)
    }

    #[test]
    fn floor_and_ceil_without_the_library_call_are_exact() {
        let mut r = crate::rng::stream(4, "floor-exact", 0);
        use rand::RngExt;
        let mut xs = vec![
            0.5, -0.5, 1.0, -1.0, 2.5, -2.5, 4.5e15, -4.5e15, 1e300, -1e300,
        ];
        xs.extend([f64::NAN, f64::INFINITY, f64::NEG_INFINITY]);
        for _ in 0..10_000 {
            let e: f64 = r.random::<f64>() * 20.0 - 4.0;
            let s = if r.random::<bool>() { 1.0 } else { -1.0 };
            xs.push(s * 10f64.powf(e));
        }
        for x in xs {
            let (f, c) = (floor_exact(x), ceil_exact(x));
            // `-0.0` from ceil of (-1, 0) comes out as `+0.0`: equal as numbers.
            assert!(
                f.to_bits() == x.floor().to_bits() || (f.is_nan() && x.is_nan()),
                "{x}"
            );
            assert!(c == x.ceil() || (c.is_nan() && x.is_nan()), "{x}");
        }
    }

    #[test]
    fn sparse_equals_dense() {
        for kind in [LikelihoodKind::New, LikelihoodKind::Old] {
            let (lik, _) = toy(kind);
            for (g, a, ph, sp, lo, hi) in [
                (0.8, 1.5, 0.37, 7.3, 0.0, 100.0),
                (0.05, 0.7, 0.91, 3.1, 12.3, 77.7),
                (30.0, 2.0, 0.1, 5.0, 3.0, 60.0),
                (0.3, 1.0, 0.5, 0.9, 20.0, 99.9),
            ] {
                let p = CombParams {
                    width: g,
                    amplitude: a,
                    phase: ph,
                    spacing: sp,
                    fmin: lo,
                    fmax: hi,
                };
                let (s, d) = (lik.log_ratio(&p), lik.log_ratio_dense(&p));
                assert!(
                    (s - d).abs() <= 1e-10 * d.abs().max(1.0),
                    "{kind:?} {p:?}: sparse {s} dense {d}"
                );
            }
        }
    }

    /// Per tooth, Λ_new is the average over one common phase θ of the full Whittle ratio
    /// exp(⟨d, h e^{iθ}⟩ - ½⟨h, h⟩) (spec §7.1): checked by a 2000-point trapezoid on [0, 2π).
    #[test]
    fn new_likelihood_is_the_phase_integral_of_whittle() {
        let (lik, spec) = toy(LikelihoodKind::New);
        let p = CombParams {
            width: 0.8,
            amplitude: 1.2,
            phase: 0.37,
            spacing: 7.3,
            fmin: 23.0,
            fmax: 26.0,
        };
        let range = spec.band(p.fmin, p.fmax).unwrap();
        let (h, idx) = qnm_comb(
            &spec.freq()[range.clone()],
            &p,
            spec.duration(),
            DurationFactor::Reference,
        );
        assert!(
            idx.iter().all(|&n| n == idx[0]),
            "the band must hold one tooth"
        );
        let mut full = vec![C64::new(0.0, 0.0); spec.len()];
        full[range.clone()].copy_from_slice(&h);
        let m = 2000;
        let vals: Vec<f64> = (0..m)
            .map(|j| {
                let th = 2.0 * PI * j as f64 / m as f64;
                let rot: Vec<C64> = full
                    .iter()
                    .map(|z| z * C64::new(th.cos(), th.sin()))
                    .collect();
                spec.whittle_log_ratio(&rot, range.clone()).unwrap()
            })
            .collect();
        let mx = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let integral = mx + (vals.iter().map(|v| (v - mx).exp()).sum::<f64>() / m as f64).ln();
        let ours = lik.log_ratio(&p);
        assert!(
            (ours - integral).abs() < 1e-8 * integral.abs().max(1.0),
            "{ours} vs {integral}"
        );
    }

    /// Λ_old is the product over bins of the per-bin phase integrals.
    #[test]
    fn old_likelihood_is_the_per_bin_phase_integral() {
        let (lik, spec) = toy(LikelihoodKind::Old);
        let p = CombParams {
            width: 0.8,
            amplitude: 1.2,
            phase: 0.37,
            spacing: 7.3,
            fmin: 10.0,
            fmax: 40.0,
        };
        let range = spec.band(p.fmin, p.fmax).unwrap();
        let (h, _) = qnm_comb(
            &spec.freq()[range.clone()],
            &p,
            spec.duration(),
            DurationFactor::Reference,
        );
        let m = 2000;
        let mut total = 0.0;
        for (j, k) in range.clone().enumerate() {
            let mut hk = vec![C64::new(0.0, 0.0); spec.len()];
            let vals: Vec<f64> = (0..m)
                .map(|i| {
                    let th = 2.0 * PI * i as f64 / m as f64;
                    hk[k] = h[j] * C64::new(th.cos(), th.sin());
                    spec.whittle_log_ratio(&hk, k..k + 1).unwrap()
                })
                .collect();
            let mx = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            total += mx + (vals.iter().map(|v| (v - mx).exp()).sum::<f64>() / m as f64).ln();
        }
        let ours = lik.log_ratio(&p);
        assert!(
            (ours - total).abs() < 1e-8 * total.abs().max(1.0),
            "{ours} vs {total}"
        );
    }
}

//! Frequency-domain data model (spec §1): one detector, continuous-FT convention
//! `d̃ = Δt·FFT(d)`, one-sided PSD `S`, Whittle inner product, optimal SNR, Gaussian noise per
//! bin, Welch PSD estimate and the analytic aLIGO design fit.

use crate::error::{Error, Result, check};
use crate::rng::Rng;
use nalgebra::Complex;
use rand::RngExt;
use rand_distr::StandardNormal;
use std::f64::consts::PI;
use std::ops::Range;

/// Complex f64.
pub type C64 = Complex<f64>;

/// A one-sided frequency series `d̃(f_k)` on a uniform grid, with its PSD `S(f_k)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Spectrum {
    freq: Vec<f64>,
    data: Vec<C64>,
    psd: Vec<f64>,
    df: f64,
}

impl Spectrum {
    /// Validate and build. Frequencies must be finite, strictly increasing and uniformly spaced
    /// (relative tolerance 1e-6; the band indices assume `f_k = f_0 + kΔf`), data finite, PSD
    /// finite and > 0, at least two bins.
    pub fn new(freq: Vec<f64>, data: Vec<C64>, psd: Vec<f64>) -> Result<Self> {
        let n = freq.len();
        if n < 2 {
            return Err(Error::InvalidData(format!(
                "a spectrum needs at least 2 frequency bins, got {n}"
            )));
        }
        if data.len() != n {
            return Err(Error::DimensionMismatch {
                what: "spectrum data vs frequency",
                expected: n,
                got: data.len(),
            });
        }
        if psd.len() != n {
            return Err(Error::DimensionMismatch {
                what: "spectrum psd vs frequency",
                expected: n,
                got: psd.len(),
            });
        }
        check::all_finite("frequency", &freq)?;
        for (k, z) in data.iter().enumerate() {
            if !z.re.is_finite() || !z.im.is_finite() {
                return Err(Error::param(
                    "data",
                    format!("{z} at index {k}"),
                    "entries must be finite",
                ));
            }
        }
        for (k, &s) in psd.iter().enumerate() {
            if !(s.is_finite() && s > 0.0) {
                return Err(Error::param(
                    "psd",
                    format!("{s} at index {k}"),
                    "entries must be finite and > 0",
                ));
            }
        }
        for k in 1..n {
            if freq[k] <= freq[k - 1] {
                let what = if freq[k] == freq[k - 1] {
                    "duplicate"
                } else {
                    "unsorted"
                };
                return Err(Error::param(
                    "frequency",
                    format!("{} after {} at index {k}", freq[k], freq[k - 1]),
                    format!("must be strictly increasing ({what} frequency)"),
                ));
            }
        }
        let df = freq[1] - freq[0];
        let span = freq[n - 1] - freq[0];
        for k in 1..n {
            let expect = freq[0] + k as f64 * df;
            if (freq[k] - expect).abs() > 1e-6 * span.max(df) {
                return Err(Error::param(
                    "frequency",
                    format!("{} at index {k} (expected {expect})", freq[k]),
                    "must be a uniform grid",
                ));
            }
        }
        Ok(Self {
            freq,
            data,
            psd,
            df,
        })
    }

    /// Frequencies `f_k`.
    pub fn freq(&self) -> &[f64] {
        &self.freq
    }
    /// Data `d̃_k`.
    pub fn data(&self) -> &[C64] {
        &self.data
    }
    /// One-sided PSD `S_k`.
    pub fn psd(&self) -> &[f64] {
        &self.psd
    }
    /// Bin width `Δf = f_1 - f_0` (the reference code's `np.diff(frequency)[0]`).
    pub fn df(&self) -> f64 {
        self.df
    }
    /// Duration `T = 1/Δf`.
    pub fn duration(&self) -> f64 {
        1.0 / self.df
    }
    /// Number of bins.
    pub fn len(&self) -> usize {
        self.freq.len()
    }
    /// Never true for a validated spectrum.
    pub fn is_empty(&self) -> bool {
        self.freq.is_empty()
    }

    /// Bins of the band `[f_min, f_max]` as the reference code slices them:
    /// `[⌊(f_min - f_0)/Δf⌋, ⌊(f_max - f_0)/Δf + 2⌋)` clipped to the grid (spec §3.2).
    /// An empty band is an error.
    pub fn band(&self, fmin: f64, fmax: f64) -> Result<Range<usize>> {
        check::finite("fmin", fmin)?;
        check::finite("fmax", fmax)?;
        let r = self.band_unchecked(fmin, fmax);
        if r.is_empty() || fmax < fmin {
            return Err(Error::param(
                "fmax",
                fmax,
                format!(
                    "band [{fmin}, {fmax}] holds no bin of the grid [{}, {}]",
                    self.freq[0],
                    self.freq[self.len() - 1]
                ),
            ));
        }
        Ok(r)
    }

    /// [`Spectrum::band`] without the checks (the likelihood's hot path; may be empty).
    #[inline]
    pub fn band_unchecked(&self, fmin: f64, fmax: f64) -> Range<usize> {
        let f0 = self.freq[0];
        let n = self.len() as f64;
        let lo = ((fmin - f0) / self.df).floor().clamp(0.0, n) as usize;
        let hi = ((fmax - f0) / self.df + 2.0).floor().clamp(0.0, n) as usize;
        lo..hi.max(lo)
    }

    /// Whittle inner product `⟨a, b⟩ = 4Δf Σ_k Re(a_k b_k*) / S_k` over `range` (spec §1).
    pub fn inner(&self, a: &[C64], b: &[C64], range: Range<usize>) -> Result<f64> {
        self.check_len("a", a.len())?;
        self.check_len("b", b.len())?;
        Ok(4.0
            * self.df
            * range
                .map(|k| (a[k] * b[k].conj()).re / self.psd[k])
                .sum::<f64>())
    }

    /// Optimal SNR `ρ = sqrt(4Δf Σ |h_k|² / S_k)` over `range`.
    pub fn optimal_snr(&self, h: &[C64], range: Range<usize>) -> Result<f64> {
        Ok(self.inner(h, h, range)?.sqrt())
    }

    /// Whittle log-likelihood ratio `ln L(d|h) - ln L(d|0) = ⟨d, h⟩ - ½⟨h, h⟩` over `range`.
    pub fn whittle_log_ratio(&self, h: &[C64], range: Range<usize>) -> Result<f64> {
        Ok(self.inner(&self.data, h, range.clone())? - 0.5 * self.inner(h, h, range)?)
    }

    /// The same grid and PSD with other data.
    pub fn with_data(&self, data: Vec<C64>) -> Result<Self> {
        Self::new(self.freq.clone(), data, self.psd.clone())
    }

    /// Add `scale · h` to the data (an injection).
    pub fn inject(&self, h: &[C64], scale: f64) -> Result<Self> {
        self.check_len("signal", h.len())?;
        check::finite("scale", scale)?;
        self.with_data(
            self.data
                .iter()
                .zip(h)
                .map(|(d, s)| d + s * scale)
                .collect(),
        )
    }

    fn check_len(&self, what: &'static str, got: usize) -> Result<()> {
        if got != self.len() {
            return Err(Error::DimensionMismatch {
                what,
                expected: self.len(),
                got,
            });
        }
        Ok(())
    }
}

/// Gaussian noise per bin: `Re, Im ~ N(0, S_k / (4Δf))` independently, so
/// `E|ñ_k|² = S_k / (2Δf)` (spec §1).
pub fn gaussian_noise(psd: &[f64], df: f64, rng: &mut Rng) -> Result<Vec<C64>> {
    check::positive("df", df)?;
    psd.iter()
        .enumerate()
        .map(|(k, &s)| {
            if !(s.is_finite() && s > 0.0) {
                return Err(Error::param(
                    "psd",
                    format!("{s} at index {k}"),
                    "entries must be finite and > 0",
                ));
            }
            let sd = (s / (4.0 * df)).sqrt();
            let re: f64 = rng.sample(StandardNormal);
            let im: f64 = rng.sample(StandardNormal);
            Ok(C64::new(sd * re, sd * im))
        })
        .collect()
}

/// Scale factor that gives `h` the optimal SNR `target` over `range` of `spec`'s PSD.
pub fn scale_to_snr(spec: &Spectrum, h: &[C64], range: Range<usize>, target: f64) -> Result<f64> {
    check::non_negative("snr", target)?;
    let rho = spec.optimal_snr(h, range)?;
    if rho.is_nan() || rho <= 0.0 {
        return Err(Error::InvalidData(
            "the signal is zero in the band: cannot scale it to an SNR".into(),
        ));
    }
    Ok(target / rho)
}

/// In-place radix-2 FFT, `X_k = Σ_j x_j e^{-2πi jk/n}` (numpy's sign); `n` a power of two.
pub fn fft_radix2(x: &mut [C64]) -> Result<()> {
    let n = x.len();
    if !n.is_power_of_two() {
        return Err(Error::param("nfft", n, "must be a power of two"));
    }
    let mut j = 0;
    for i in 1..n {
        let mut bit = n >> 1;
        while j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
        if i < j {
            x.swap(i, j);
        }
    }
    let mut len = 2;
    while len <= n {
        let ang = -2.0 * PI / len as f64;
        let (s, c) = ang.sin_cos();
        let wl = C64::new(c, s);
        for start in (0..n).step_by(len) {
            let mut w = C64::new(1.0, 0.0);
            for k in 0..len / 2 {
                let a = x[start + k];
                let b = x[start + k + len / 2] * w;
                x[start + k] = a + b;
                x[start + k + len / 2] = a - b;
                w *= wl;
            }
        }
        len <<= 1;
    }
    Ok(())
}

/// Blackman window `0.42 - 0.5 cos(2πn/(M-1)) + 0.08 cos(4πn/(M-1))` (numpy's `blackman`).
pub fn blackman(m: usize) -> Vec<f64> {
    if m == 1 {
        return vec![1.0];
    }
    (0..m)
        .map(|i| {
            let t = i as f64 / (m - 1) as f64;
            0.42 - 0.5 * (2.0 * PI * t).cos() + 0.08 * (4.0 * PI * t).cos()
        })
        .collect()
}

/// Welch one-sided PSD estimate as `matplotlib.mlab.psd` computes it (spec §1): Blackman
/// window, no detrending, overlap `noverlap`, density scaling `1/(fs Σw²)`, doubled except at
/// DC and Nyquist. Returns `(frequencies k·fs/nfft, PSD)` for `k = 0..=nfft/2`.
pub fn welch_psd(x: &[f64], fs: f64, nfft: usize, noverlap: usize) -> Result<(Vec<f64>, Vec<f64>)> {
    check::positive("fs", fs)?;
    check::at_least("nfft", nfft, 2)?;
    if noverlap >= nfft {
        return Err(Error::param(
            "noverlap",
            noverlap,
            format!("must be < nfft = {nfft}"),
        ));
    }
    if x.len() < nfft {
        return Err(Error::InvalidData(format!(
            "Welch PSD needs at least nfft = {nfft} samples, got {}",
            x.len()
        )));
    }
    check::all_finite("series", x)?;
    let w = blackman(nfft);
    let wss: f64 = w.iter().map(|v| v * v).sum();
    let step = nfft - noverlap;
    let nseg = (x.len() - noverlap) / step;
    let half = nfft / 2 + 1;
    let mut acc = vec![0.0; half];
    let mut buf = vec![C64::new(0.0, 0.0); nfft];
    for s in 0..nseg {
        let seg = &x[s * step..s * step + nfft];
        for ((b, x), wi) in buf.iter_mut().zip(seg).zip(&w) {
            *b = C64::new(x * wi, 0.0);
        }
        fft_radix2(&mut buf)?;
        for (a, b) in acc.iter_mut().zip(&buf) {
            *a += b.norm_sqr();
        }
    }
    let norm = 1.0 / (nseg as f64 * fs * wss);
    let psd: Vec<f64> = acc
        .iter()
        .enumerate()
        .map(|(k, a)| {
            if k == 0 || (nfft.is_multiple_of(2) && k == nfft / 2) {
                a * norm
            } else {
                2.0 * a * norm
            }
        })
        .collect();
    let freqs = (0..half).map(|k| k as f64 * fs / nfft as f64).collect();
    Ok((freqs, psd))
}

/// Linear interpolation of `(xs, ys)` at `x` (clamped to the end values outside, where
/// `scipy.interpolate.interp1d` would raise; the last grid bin can sit a rounding error past
/// the Welch Nyquist frequency).
pub fn interp_linear(xs: &[f64], ys: &[f64], x: f64) -> f64 {
    if x <= xs[0] {
        return ys[0];
    }
    let n = xs.len();
    if x >= xs[n - 1] {
        return ys[n - 1];
    }
    let step = xs[1] - xs[0];
    let mut i = (((x - xs[0]) / step).floor() as usize).min(n - 2);
    while i + 1 < n - 1 && xs[i + 1] < x {
        i += 1;
    }
    while i > 0 && xs[i] > x {
        i -= 1;
    }
    let t = (x - xs[i]) / (xs[i + 1] - xs[i]);
    ys[i] + t * (ys[i + 1] - ys[i])
}

/// Welch PSD of a unit-variance white series sampled at `1/dt`, as the reference analysis
/// estimates it (`nfft = 2048`, 50 % overlap), interpolated to `freq`. `segments` sets the
/// series length `(segments + 1)·nfft/2` (the reference used ≈ 2000 segments).
pub fn white_noise_welch_psd(
    freq: &[f64],
    dt: f64,
    nfft: usize,
    segments: usize,
    rng: &mut Rng,
) -> Result<Vec<f64>> {
    check::positive("dt", dt)?;
    check::at_least("segments", segments, 1)?;
    let len = (segments + 1) * (nfft / 2);
    let series: Vec<f64> = (0..len).map(|_| rng.sample(StandardNormal)).collect();
    let (fw, pw) = welch_psd(&series, 1.0 / dt, nfft, nfft / 2)?;
    Ok(freq.iter().map(|&f| interp_linear(&fw, &pw, f)).collect())
}

/// Analytic aLIGO design sensitivity (zero-detuned high power) fit, Sathyaprakash & Schutz,
/// Living Rev. Rel. 12:2 (2009), eq. 4.7 as quoted in spec §1:
/// `S(f) = 1e-49 [x^{-4.14} - 5x^{-2} + 111(1 - x² + x⁴/2)/(1 + x²/2)] Hz⁻¹`, `x = f / 215 Hz`,
/// valid for `f >= 10 Hz`.
pub fn aligo_design_psd(f: f64) -> Result<f64> {
    if !(f.is_finite() && f >= 10.0) {
        return Err(Error::param(
            "frequency",
            f,
            "the aLIGO design fit is defined for f >= 10 Hz",
        ));
    }
    let x = f / 215.0;
    let x2 = x * x;
    Ok(1e-49 * (x.powf(-4.14) - 5.0 / x2 + 111.0 * (1.0 - x2 + 0.5 * x2 * x2) / (1.0 + 0.5 * x2)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(n: usize) -> Spectrum {
        Spectrum::new(
            (0..n).map(|k| k as f64 * 0.5).collect(),
            vec![C64::new(1.0, -1.0); n],
            vec![2.0; n],
        )
        .unwrap()
    }

    #[test]
    fn band_matches_reference_slicing() {
        let s = spec(100);
        // int(fmin/df) : int(fmax/df + 2)
        assert_eq!(s.band(1.2, 10.3).unwrap(), 2..22);
        assert!(matches!(
            s.band(80.0, 90.0),
            Err(Error::InvalidParameter { name: "fmax", .. })
        ));
    }

    #[test]
    fn bad_spectra_are_typed_errors() {
        let f = vec![0.0, 1.0, 2.0];
        let d = vec![C64::new(0.0, 0.0); 3];
        assert!(matches!(
            Spectrum::new(vec![0.0, 2.0, 1.0], d.clone(), vec![1.0; 3]),
            Err(Error::InvalidParameter {
                name: "frequency",
                ..
            })
        ));
        assert!(matches!(
            Spectrum::new(vec![0.0, 1.0, 1.0], d.clone(), vec![1.0; 3]),
            Err(Error::InvalidParameter {
                name: "frequency",
                ..
            })
        ));
        assert!(matches!(
            Spectrum::new(f.clone(), d.clone(), vec![1.0, 0.0, 1.0]),
            Err(Error::InvalidParameter { name: "psd", .. })
        ));
        let mut dn = d.clone();
        dn[1] = C64::new(f64::NAN, 0.0);
        assert!(matches!(
            Spectrum::new(f, dn, vec![1.0; 3]),
            Err(Error::InvalidParameter { name: "data", .. })
        ));
    }

    #[test]
    fn fft_matches_direct_dft() {
        let x: Vec<C64> = (0..16)
            .map(|i| C64::new((i as f64 * 0.7).sin(), (i as f64 * 0.3).cos()))
            .collect();
        let mut y = x.clone();
        fft_radix2(&mut y).unwrap();
        for (k, yk) in y.iter().enumerate() {
            let mut s = C64::new(0.0, 0.0);
            for (j, xj) in x.iter().enumerate() {
                let a = -2.0 * PI * (j * k) as f64 / 16.0;
                s += xj * C64::new(a.cos(), a.sin());
            }
            assert!((s - yk).norm() < 1e-12);
        }
    }

    #[test]
    fn welch_of_white_noise_is_two_dt() {
        let mut rng = crate::rng::stream(1, "welch", 0);
        let freq: Vec<f64> = (0..200).map(|k| k as f64 * 0.001).collect();
        let psd = white_noise_welch_psd(&freq, 0.5, 256, 400, &mut rng).unwrap();
        let mean = psd.iter().sum::<f64>() / psd.len() as f64;
        assert!(
            (mean / 1.0 - 1.0).abs() < 0.03,
            "mean PSD {mean}, expected 2 dt = 1"
        );
    }

    #[test]
    fn noise_has_the_whittle_variance() {
        let mut rng = crate::rng::stream(2, "noise", 0);
        let n = gaussian_noise(&vec![3.0; 20000], 0.25, &mut rng).unwrap();
        let m = n.iter().map(|z| z.norm_sqr()).sum::<f64>() / n.len() as f64;
        // E|n|² = S / (2Δf) = 6.
        assert!((m / 6.0 - 1.0).abs() < 0.03, "{m}");
    }

    #[test]
    fn aligo_fit_value_at_215_hz() {
        // x = 1: 1 - 5 + 111 (0.5/1.5) = 33 -> sqrt(3.3e-48) ≈ 1.8e-24.
        let s = aligo_design_psd(215.0).unwrap();
        assert!((s - 3.3e-48).abs() < 1e-60);
        assert!(aligo_design_psd(5.0).is_err());
    }
}

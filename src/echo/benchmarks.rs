//! The four echo benchmarks (spec §2): the reference implementation's spectra (read from its
//! `.dat` files) and analytic transfer functions for the three reflectivity models, plus the
//! Kerr formulas (ringdown frequency, echo delay, horizon frequency and temperature).
//!
//! Geometric units: frequencies in 1/M, times in M.

use super::spectrum::C64;
use crate::error::{Error, Result, check};
use std::f64::consts::PI;
use std::path::Path;

/// Ringdown frequency of the (2,2,0) mode, Berti et al. fit used by the reference code:
/// `f_RD = (1.5251 - 1.1568 (1-χ)^0.129) / 2π` (spec §1; 0.0844/M at χ = 0.69).
pub fn f_ringdown(chi: f64) -> f64 {
    (1.5251 - 1.1568 * (1.0 - chi).powf(0.129)) / (2.0 * PI)
}

/// Quality factor of the (2,2,0) mode, `Q = 0.7 + 1.4187 (1-χ)^{-0.4990}` (Berti, Cardoso &
/// Will 2006, Table VIII); the damping rate is `ω_R / 2Q`.
pub fn q_ringdown(chi: f64) -> f64 {
    0.7 + 1.4187 * (1.0 - chi).powf(-0.4990)
}

/// Prior scale `R̄ = 0.00547 / (1 + 1/sqrt(1-χ²))` = 2/Δt_echo (spec §3.2).
pub fn r_bar(chi: f64) -> f64 {
    0.00547 / (1.0 + 1.0 / (1.0 - chi * chi).sqrt())
}

/// `ln(M/ℓ_P)` that reproduces the reference spectra's echo delay 870.117 M at χ = 0.69
/// (`M = 50 M_sun`).
pub const LN_M_OVER_LP_M50: f64 = 91.338_18;

/// Kerr echo delay `Δt_echo = 4M (1 + 1/sqrt(1-χ²)) ln(M/ℓ_P)` (spec §1), in M.
pub fn echo_delay(chi: f64, ln_m_over_lp: f64) -> f64 {
    4.0 * (1.0 + 1.0 / (1.0 - chi * chi).sqrt()) * ln_m_over_lp
}

/// Horizon angular velocity `Ω_H = χ / (2M(1 + sqrt(1-χ²)))`.
pub fn omega_horizon(chi: f64) -> f64 {
    chi / (2.0 * (1.0 + (1.0 - chi * chi).sqrt()))
}

/// Hawking temperature `T_H = sqrt(1-χ²) / (4πM(1 + sqrt(1-χ²)))`.
pub fn hawking_temperature(chi: f64) -> f64 {
    let s = (1.0 - chi * chi).sqrt();
    s / (4.0 * PI * (1.0 + s))
}

/// The four benchmarks, with the reference file stems and injection scale factors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Benchmark {
    /// Teukolsky-equation numerical echoes of Xin et al. 2021 (B4; only as a reference file).
    Xin,
    /// Boltzmann reflectivity (B3).
    Boltzmann,
    /// Frequency-dependent damped reflectivity, V = 0.2 (B2).
    Damped,
    /// Constant reflectivity R = 0.99 (B1).
    Constant,
}

impl Benchmark {
    /// All four, in the CLI's order.
    pub const ALL: [Benchmark; 4] = [
        Benchmark::Xin,
        Benchmark::Boltzmann,
        Benchmark::Damped,
        Benchmark::Constant,
    ];

    /// Parse `xin | boltzmann | damped | constant`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "xin" => Ok(Self::Xin),
            "boltzmann" => Ok(Self::Boltzmann),
            "damped" => Ok(Self::Damped),
            "constant" => Ok(Self::Constant),
            _ => Err(Error::UnknownName {
                kind: "benchmark",
                name: s.into(),
                known: "xin, boltzmann, damped, constant".into(),
            }),
        }
    }
    /// CLI name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Xin => "xin",
            Self::Boltzmann => "boltzmann",
            Self::Damped => "damped",
            Self::Constant => "constant",
        }
    }
    /// The reference repository's file stem (and result-folder name).
    pub fn stem(&self) -> &'static str {
        match self {
            Self::Xin => "w1Xin",
            Self::Boltzmann => "w1specM50RbolT10Chi0.69",
            Self::Damped => "w1specM50RdV0.2Chi0.69",
            Self::Constant => "w1specM50Rw0.99Chi0.69",
        }
    }
    /// Injection scale factor of the reference runs.
    pub fn injection_amplitude(&self) -> f64 {
        match self {
            Self::Xin => 160.0,
            Self::Boltzmann => 57.0,
            Self::Damped => 29.0,
            Self::Constant => 34.0,
        }
    }
    /// Reference spectrum file name for `n_echo` echoes.
    pub fn file_name(&self, n_echo: usize) -> String {
        format!("{}N{:03}.dat", self.stem(), n_echo)
    }
    /// The analytic reflectivity model (none for Xin, which is numerical).
    pub fn reflectivity(&self) -> Option<Reflectivity> {
        match self {
            Self::Xin => None,
            Self::Boltzmann => Some(Reflectivity::Boltzmann { t_ratio: 1.0 }),
            Self::Damped => Some(Reflectivity::Damped { v: 0.2 }),
            Self::Constant => Some(Reflectivity::Constant { r: 0.99 }),
        }
    }
}

/// A two-sided benchmark spectrum as stored by the reference code: rows in DFT order
/// (ω = 0, positive ω, then negative ω), complex `h̃(ω)`, Mathematica's Fourier sign.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceSpectrum {
    /// Angular frequency ω (1/M), DFT order.
    pub omega: Vec<f64>,
    /// `h̃(ω)`.
    pub h: Vec<C64>,
}

/// Parse a Python complex literal such as `-0.1181+0.02357j`, `1e-06-2.5e-05j`, `0.` or `0`.
pub fn parse_complex(s: &str) -> Option<C64> {
    let s = s.trim();
    let Some(body) = s.strip_suffix('j') else {
        return s.parse::<f64>().ok().map(|r| C64::new(r, 0.0));
    };
    let bytes = body.as_bytes();
    let split = (1..bytes.len())
        .rev()
        .find(|&i| (bytes[i] == b'+' || bytes[i] == b'-') && !matches!(bytes[i - 1], b'e' | b'E'));
    match split {
        None => body.parse::<f64>().ok().map(|im| C64::new(0.0, im)),
        Some(i) => Some(C64::new(body[..i].parse().ok()?, body[i..].parse().ok()?)),
    }
}

impl ReferenceSpectrum {
    /// Read a `.dat` file (tab-separated ω and complex h̃; spec §2, data README §1).
    pub fn read(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut omega = Vec::new();
        let mut h = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let mut it = line.split('\t');
            let (Some(a), Some(b)) = (it.next(), it.next()) else {
                return Err(Error::Format {
                    path: path.into(),
                    message: format!("line {}: expected two tab-separated columns", i + 1),
                });
            };
            let w: f64 = a.trim().parse().map_err(|_| Error::Format {
                path: path.into(),
                message: format!("line {}: bad frequency {a:?}", i + 1),
            })?;
            let z = parse_complex(b).ok_or_else(|| Error::Format {
                path: path.into(),
                message: format!("line {}: bad complex {b:?}", i + 1),
            })?;
            if !w.is_finite() || !z.re.is_finite() || !z.im.is_finite() {
                return Err(Error::Format {
                    path: path.into(),
                    message: format!("line {}: non-finite value", i + 1),
                });
            }
            omega.push(w);
            h.push(z);
        }
        if omega.len() < 5 || omega[0] != 0.0 || omega[1] <= 0.0 {
            return Err(Error::Format {
                path: path.into(),
                message: "expected DFT row order starting at ω = 0 with at least 5 rows".into(),
            });
        }
        Ok(Self { omega, h })
    }

    /// Bin width `Δf = Δω / 2π` (1/M).
    pub fn df(&self) -> f64 {
        (self.omega[1] - self.omega[0]) / (2.0 * PI)
    }

    /// Duration `T = 1/Δf` (M).
    pub fn duration(&self) -> f64 {
        1.0 / self.df()
    }

    /// Time step `T / n_rows` (M), as the reference code derives it.
    pub fn dt(&self) -> f64 {
        self.duration() / self.omega.len() as f64
    }

    /// Positive-frequency half as the reference analysis builds it, in numpy's Fourier sign:
    /// `f_k = ω_k/2π` and `h̃₊_k = ½[h̃_k + h̃*_{n-1-k}]` for `k < n/2` (the reference code's
    /// `(h + conj(h[::-1]))/2`; note the reversed array pairs row k with row n-1-k, i.e.
    /// `-(k+1)Δω`, not `-kΔω`: reproduced for parity). The result is conjugated because the
    /// files use Mathematica's sign (the reference flips the data phase in the new likelihood;
    /// conjugating the signal instead is the same in distribution, since the noise is
    /// circularly symmetric).
    pub fn positive_half(&self) -> (Vec<f64>, Vec<C64>) {
        let n = self.omega.len();
        let nb = n / 2;
        let f = (0..nb).map(|k| self.omega[k] / (2.0 * PI)).collect();
        let h = (0..nb)
            .map(|k| ((self.h[k] + self.h[n - 1 - k].conj()) * 0.5).conj())
            .collect();
        (f, h)
    }
}

/// Near-horizon ("wall") reflectivity models R(ω̃), ω̃ = ω - 2Ω_H (spec §2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reflectivity {
    /// Frequency-independent `R`.
    Constant {
        /// |R| < 1.
        r: f64,
    },
    /// Boltzmann reflectivity `R = exp(-|ω̃| / (2 T_QH))`, `T_QH = t_ratio · T_H`
    /// (Oshita, Wang & Afshordi 2020).
    Boltzmann {
        /// `T_QH / T_H`.
        t_ratio: f64,
    },
    /// Damped reflectivity `R = 0.99999 exp(-V (Mω̃ + 1)²)`: our smooth parametrisation with
    /// `|R| → 0.99999` at `ω̃ = -1/M` like the reference's V = 0.2 table (that table is not
    /// shipped, so this benchmark is an analogue, not a copy).
    Damped {
        /// Damping strength V >= 0.
        v: f64,
    },
}

impl Reflectivity {
    /// `R(ω̃)` (real: the wall's phase is absorbed in the echo delay).
    pub fn at(&self, omega_tilde: f64, chi: f64) -> f64 {
        match *self {
            Reflectivity::Constant { r } => r,
            Reflectivity::Boltzmann { t_ratio } => {
                (-omega_tilde.abs() / (2.0 * t_ratio * hawking_temperature(chi))).exp()
            }
            Reflectivity::Damped { v } => 0.99999 * (-v * (omega_tilde + 1.0).powi(2)).exp(),
        }
    }

    fn validate(&self) -> Result<()> {
        match *self {
            Reflectivity::Constant { r } => {
                check::in_closed("reflectivity", r, 0.0, 1.0).map(|_| ())
            }
            Reflectivity::Boltzmann { t_ratio } => check::positive("t_ratio", t_ratio).map(|_| ()),
            Reflectivity::Damped { v } => check::non_negative("v", v).map(|_| ()),
        }
    }
}

/// Barrier transmission `|T_BH|²` of a Pöschl–Teller potential matched to the (2,2,0) QNM
/// `ω_R - iω_I` (α = 2ω_I): `sinh²(πω̃/α) / (sinh²(πω̃/α) + cosh²(πω_R/α))`. The reference's
/// tabulated Teukolsky `|R_BH|²` is not shipped; this is the standard analytic stand-in.
pub fn barrier_transmission(omega_tilde: f64, chi: f64) -> f64 {
    let wr = 2.0 * PI * f_ringdown(chi);
    let alpha = wr / q_ringdown(chi);
    let s = (PI * omega_tilde / alpha).sinh().powi(2);
    let c = (PI * wr / alpha).cosh().powi(2);
    if s.is_infinite() { 1.0 } else { s / (s + c) }
}

/// Analytic echo spectrum (spec §2, generic construction), one-sided, numpy's Fourier sign:
/// `h̃(ω) = h̃_RD(ω) T_BH R e^{-iωΔt} Σ_{n<N} [R_BH R e^{-iωΔt}]^n` with the ringdown seed
/// `h̃_RD = 1/(ω_I + i(ω - ω_R))`, on the reference grid `f_k = k/T`, `T = N Δt_echo`,
/// `k < n/2` with `n = 2⌊T/2π⌋ + 1` rows (dt ≈ πM). Returns `(f, h̃)`.
pub fn analytic_spectrum(
    refl: Reflectivity,
    n_echo: usize,
    chi: f64,
    ln_m_over_lp: f64,
) -> Result<(Vec<f64>, Vec<C64>)> {
    check::at_least("n_echo", n_echo, 1)?;
    check::in_open("chi", chi, 0.0, 1.0)?;
    check::positive("ln_m_over_lp", ln_m_over_lp)?;
    refl.validate()?;
    let dt_echo = echo_delay(chi, ln_m_over_lp);
    let t = n_echo as f64 * dt_echo;
    let rows = 2 * (t / (2.0 * PI)).floor() as usize + 1;
    let nb = rows / 2;
    let wr = 2.0 * PI * f_ringdown(chi);
    let wi = wr / (2.0 * q_ringdown(chi));
    let oh = omega_horizon(chi);
    let mut f = Vec::with_capacity(nb);
    let mut h = Vec::with_capacity(nb);
    for k in 0..nb {
        let fk = k as f64 / t;
        let w = 2.0 * PI * fk;
        let wt = w - 2.0 * oh;
        let t2 = barrier_transmission(wt, chi);
        let (tbh, rbh) = (t2.sqrt(), (1.0 - t2).max(0.0).sqrt());
        let r = refl.at(wt, chi);
        let delay = C64::new((w * dt_echo).cos(), -(w * dt_echo).sin());
        let q = delay * (rbh * r);
        let geom = if (C64::new(1.0, 0.0) - q).norm() < 1e-12 {
            C64::new(n_echo as f64, 0.0)
        } else {
            (C64::new(1.0, 0.0) - q.powu(n_echo as u32)) / (C64::new(1.0, 0.0) - q)
        };
        let seed = C64::new(1.0, 0.0) / C64::new(wi, w - wr);
        f.push(fk);
        h.push(seed * delay * (tbh * r) * geom);
    }
    Ok((f, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kerr_numbers_match_the_spec() {
        assert!((f_ringdown(0.69) - 0.0844).abs() < 1e-4);
        assert!((r_bar(0.69) - 2.297e-3).abs() < 1e-6);
        assert!((echo_delay(0.69, LN_M_OVER_LP_M50) - 870.117).abs() < 1e-2);
        assert!((r_bar(0.69) - 2.0 / echo_delay(0.69, LN_M_OVER_LP_M50)).abs() < 2e-6);
    }

    #[test]
    fn complex_literals() {
        assert_eq!(
            parse_complex("-0.1181+0.02357j"),
            Some(C64::new(-0.1181, 0.02357))
        );
        assert_eq!(
            parse_complex("1e-06-2.5e-05j"),
            Some(C64::new(1e-6, -2.5e-5))
        );
        assert_eq!(parse_complex("0."), Some(C64::new(0.0, 0.0)));
        assert_eq!(parse_complex("3j"), Some(C64::new(0.0, 3.0)));
        assert_eq!(parse_complex("x+1j"), None);
    }

    #[test]
    fn analytic_comb_has_the_echo_spacing() {
        // |h̃| peaks where R_BH R e^{-iωΔt} = 1: adjacent peaks 1/Δt_echo apart in f.
        let (f, h) = analytic_spectrum(
            Reflectivity::Constant { r: 0.99 },
            50,
            0.69,
            LN_M_OVER_LP_M50,
        )
        .unwrap();
        let lo = f.iter().position(|&x| x > 0.03).unwrap();
        let mut peaks = Vec::new();
        for k in lo..f.len() - 1 {
            if f[k] > 0.05 {
                break;
            }
            if h[k].norm() > h[k - 1].norm() && h[k].norm() >= h[k + 1].norm() {
                peaks.push(f[k]);
            }
        }
        let spacing = (peaks[peaks.len() - 1] - peaks[0]) / (peaks.len() - 1) as f64;
        let expect = 1.0 / echo_delay(0.69, LN_M_OVER_LP_M50);
        assert!(
            (spacing / expect - 1.0).abs() < 0.02,
            "{spacing} vs {expect}"
        );
    }
}

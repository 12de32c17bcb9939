//! Inverse link functions of cumulative link models in clm's parametrisation
//! (Christensen 2019, "Cumulative Link Models for Ordinal Regression with the R Package
//! ordinal", eq. (1) and Table 3):
//!
//! ```text
//!     γ_ij = P(Y_i ≤ j) = F(η_ij),   η_ij = θ_j − x_iᵀβ
//! ```
//!
//! with F the logistic (`logit`), standard normal (`probit`), Gumbel-min
//! (`cloglog`, F(t) = 1 − exp(−exp(t))), Gumbel-max (`loglog`, F(t) = exp(−exp(−t))) or Cauchy
//! (`cauchit`, F(t) = 1/2 + atan(t)/π) distribution function.
//!
//! Everything a likelihood needs is in log space: `log F`, `log(1 − F)`, `log f`, the score
//! `f'/f`, and the log probability of a class, `log(F(a) − F(b))` for `a > b`, computed without
//! cancellation far in either tail and without `log(0)` (the logit, cloglog, loglog and cauchit
//! differences have closed forms free of cancellation; the probit one switches to Gauss–Legendre
//! quadrature of the density where the two CDF values agree to within a factor 2).
//! [`Link::row_terms`] turns these into a row's log-likelihood and its first and second
//! derivatives in the two linear predictors that bound the observed class.

use crate::error::{Error, Result};
use crate::linalg::{log1pexp, sigmoid};
use libm::erfc;
use std::f64::consts::{FRAC_1_SQRT_2, LN_2, PI};

/// A linear predictor that moves by more than this (log-odds) across the training rows is
/// taken as (quasi-)complete separation under the logit link: the MLE does not exist and Newton
/// only walks the coefficients off to infinity (σ(30) = 1 − 9e−14). [`Link::separation_span`]
/// carries the same tail probability over to the other links.
pub const SEPARATION_LOGIT_SPAN: f64 = 30.0;

/// ln √(2π).
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// Inverse link F of a cumulative link model, `P(Y ≤ j | x) = F(θ_j − xᵀβ)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Link {
    /// Logistic: F(t) = 1 / (1 + e^{−t}) (proportional odds).
    #[default]
    Logit,
    /// Standard normal: F = Φ.
    Probit,
    /// Complementary log-log (Gumbel-min): F(t) = 1 − exp(−exp(t)).
    Cloglog,
    /// Log-log (Gumbel-max): F(t) = exp(−exp(−t)).
    Loglog,
    /// Cauchy: F(t) = 1/2 + atan(t)/π.
    Cauchit,
}

/// Log-likelihood terms of one row: value, and first and second derivatives with respect to
/// the lower (`lo`, η_{c−1}) and upper (`hi`, η_c) linear predictor of its class c.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RowTerms {
    /// log p_ic.
    pub ll: f64,
    /// ∂ log p / ∂η_{c−1}.
    pub g_lo: f64,
    /// ∂ log p / ∂η_c.
    pub g_hi: f64,
    /// ∂² log p / ∂η_{c−1}².
    pub h_lo: f64,
    /// ∂² log p / ∂η_c².
    pub h_hi: f64,
    /// ∂² log p / ∂η_{c−1}∂η_c.
    pub h_lohi: f64,
}

/// log(1 − e^{−u}) for u ≥ 0, accurate for small and large u (Mächler 2012).
fn log1mexp(u: f64) -> f64 {
    if u <= LN_2 {
        (-(-u).exp_m1()).ln()
    } else {
        (-(-u).exp()).ln_1p()
    }
}

/// log(e^d − 1) for d > 0.
fn log_expm1(d: f64) -> f64 {
    if d > 40.0 {
        d + (-(-d).exp()).ln_1p()
    } else {
        d.exp_m1().ln()
    }
}

/// log(1 − exp(−u)) with u given as its logarithm `lu` (so that u may underflow).
fn log1mexp_of_log(lu: f64) -> f64 {
    if lu < -700.0 {
        // 1 − e^{−u} = u (1 − u/2 + …) with u < 1e−304.
        lu
    } else {
        log1mexp(lu.exp())
    }
}

/// log Φ(t): erfc where it does not underflow, the Mills-ratio continued fraction below.
fn norm_log_cdf(t: f64) -> f64 {
    if t.is_nan() {
        return f64::NAN;
    }
    if t > 0.0 {
        (-0.5 * erfc(t * FRAC_1_SQRT_2)).ln_1p()
    } else if t >= -37.0 {
        (0.5 * erfc(-t * FRAC_1_SQRT_2)).ln()
    } else if t == f64::NEG_INFINITY {
        f64::NEG_INFINITY
    } else {
        // Φ(−x) = φ(x) R(x), R(x) = 1/(x + 1/(x + 2/(x + 3/(x + …)))); 40 levels are exact to
        // rounding for x ≥ 37.
        let x = -t;
        let mut v = x;
        for k in (1..=40).rev() {
            v = x + k as f64 / v;
        }
        -0.5 * x * x - LN_SQRT_2PI - v.ln()
    }
}

/// 10-point Gauss–Legendre nodes and weights on [−1, 1] (positive half).
const GL_X: [f64; 5] = [
    0.148_874_338_981_631_2,
    0.433_395_394_129_247_2,
    0.679_409_568_299_024_4,
    0.865_063_366_688_984_5,
    0.973_906_528_517_171_7,
];
const GL_W: [f64; 5] = [
    0.295_524_224_714_752_9,
    0.269_266_719_309_996_3,
    0.219_086_362_515_982,
    0.149_451_349_150_580_6,
    0.066_671_344_308_688_1,
];

impl Link {
    /// The five links, in clm's order.
    pub const ALL: [Link; 5] = [
        Link::Logit,
        Link::Probit,
        Link::Cloglog,
        Link::Loglog,
        Link::Cauchit,
    ];

    /// clm's name of the link.
    pub fn name(self) -> &'static str {
        match self {
            Link::Logit => "logit",
            Link::Probit => "probit",
            Link::Cloglog => "cloglog",
            Link::Loglog => "loglog",
            Link::Cauchit => "cauchit",
        }
    }

    /// Whether the log-likelihood is concave in the linear predictors (log-concave density):
    /// every link but the Cauchy one (Christensen 2019, Sec. 3.3).
    pub fn log_concave(self) -> bool {
        self != Link::Cauchit
    }

    /// The span of a linear predictor beyond which a fit counts as (quasi-)separated: the
    /// distance from the median of F to the point where the farther tail has probability
    /// σ(−30) ≈ 9.4e−14 ([`SEPARATION_LOGIT_SPAN`] = 30 for the logit link; about 7.4 for the
    /// probit, 29.6 for the Gumbel links and 3.4e12 for the Cauchy link, whose tails are so
    /// heavy that the span never flags it and the Newton probe alone does).
    pub fn separation_span(self) -> f64 {
        if self == Link::Logit {
            return SEPARATION_LOGIT_SPAN;
        }
        let eps = sigmoid(-SEPARATION_LOGIT_SPAN);
        let q = |p: f64| self.quantile(p).unwrap_or(f64::INFINITY);
        let m = q(0.5);
        (q(1.0 - eps) - m).max(m - q(eps))
    }

    /// F(t).
    pub fn cdf(self, t: f64) -> f64 {
        match self {
            Link::Logit => sigmoid(t),
            Link::Cauchit if t < 0.0 => (-1.0 / t).atan() / PI,
            Link::Cauchit => 0.5 + t.atan() / PI,
            _ => self.log_cdf(t).exp(),
        }
    }

    /// 1 − F(t), without cancellation for large t.
    pub fn sf(self, t: f64) -> f64 {
        match self {
            Link::Logit => sigmoid(-t),
            Link::Cauchit => Link::Cauchit.cdf(-t),
            _ => self.log_sf(t).exp(),
        }
    }

    /// log F(t); `−inf` only where F(t) is below the smallest double's logarithm.
    pub fn log_cdf(self, t: f64) -> f64 {
        match self {
            Link::Logit => -log1pexp(-t),
            Link::Probit => norm_log_cdf(t),
            Link::Cloglog => log1mexp_of_log(t),
            Link::Loglog => -(-t).exp(),
            Link::Cauchit => {
                if t < 0.0 {
                    ((-1.0 / t).atan() / PI).ln()
                } else {
                    // F = 1 − atan(1/t)/π for t ≥ 0 (|t| so that −0 maps to +inf).
                    (-(1.0 / t.abs()).atan() / PI).ln_1p()
                }
            }
        }
    }

    /// log(1 − F(t)).
    pub fn log_sf(self, t: f64) -> f64 {
        match self {
            Link::Logit => -log1pexp(t),
            Link::Probit => norm_log_cdf(-t),
            Link::Cloglog => -t.exp(),
            Link::Loglog => log1mexp_of_log(-t),
            Link::Cauchit => Link::Cauchit.log_cdf(-t),
        }
    }

    /// Density f(t) = F'(t).
    pub fn pdf(self, t: f64) -> f64 {
        self.log_pdf(t).exp()
    }

    /// log f(t), finite wherever f(t) > 0 in exact arithmetic and its log is a double.
    pub fn log_pdf(self, t: f64) -> f64 {
        match self {
            Link::Logit => -log1pexp(-t) - log1pexp(t),
            Link::Probit => -0.5 * t * t - LN_SQRT_2PI,
            Link::Cloglog => t - t.exp(),
            Link::Loglog => -t - (-t).exp(),
            Link::Cauchit => {
                if t.abs() > 1e8 {
                    -PI.ln() - 2.0 * t.abs().ln() - (1.0 / (t * t)).ln_1p()
                } else {
                    -PI.ln() - (t * t).ln_1p()
                }
            }
        }
    }

    /// The score f'(t)/f(t) = d log f / dt (bounded or linear in t, so it never overflows
    /// where the density underflows).
    pub fn score(self, t: f64) -> f64 {
        match self {
            Link::Logit => (-0.5 * t).tanh(),
            Link::Probit => -t,
            Link::Cloglog => -t.exp_m1(),
            Link::Loglog => (-t).exp_m1(),
            Link::Cauchit => {
                if t.abs() > 1e8 {
                    -2.0 / (t + 1.0 / t)
                } else {
                    -2.0 * t / (1.0 + t * t)
                }
            }
        }
    }

    /// f'(t).
    pub fn dpdf(self, t: f64) -> f64 {
        self.score(t) * self.pdf(t)
    }

    /// F⁻¹(q) for q in (0, 1) (starting cutpoints from the cumulative class proportions).
    pub fn quantile(self, q: f64) -> Result<f64> {
        if !(q > 0.0 && q < 1.0) {
            return Err(Error::param(
                "q",
                q,
                "a probability strictly between 0 and 1",
            ));
        }
        Ok(match self {
            Link::Logit => (q / (1.0 - q)).ln(),
            Link::Probit => crate::montecarlo::stats::normal_quantile(q),
            Link::Cloglog => (-(-q).ln_1p()).ln(),
            Link::Loglog => -(-q.ln()).ln(),
            // tan(π(q − 1/2)) = −1/tan(πq), written so that q near 0 or 1 keeps its digits.
            Link::Cauchit if q < 0.5 => -1.0 / (PI * q).tan(),
            Link::Cauchit => 1.0 / (PI * (1.0 - q)).tan(),
        })
    }

    /// log(F(a) − F(b)) for b < a (either may be infinite: `b = −inf` for the first class,
    /// `a = +inf` for the last). `−inf` when `a ≤ b` or either is NaN (the probability is not
    /// positive), never NaN.
    pub fn log_prob(self, a: f64, b: f64) -> f64 {
        if a.is_nan() || b.is_nan() || a <= b {
            return f64::NEG_INFINITY;
        }
        if b == f64::NEG_INFINITY {
            return if a == f64::INFINITY {
                0.0
            } else {
                self.log_cdf(a)
            };
        }
        if a == f64::INFINITY {
            return self.log_sf(b);
        }
        match self {
            // σ(a) − σ(b) = σ(a) σ(−b) (1 − e^{b−a}).
            Link::Logit => -log1pexp(-a) - log1pexp(b) + (-(b - a).exp_m1()).ln(),
            // e^{−e^b} − e^{−e^a} = e^{−e^b} (1 − e^{−u}), u = e^a − e^b = e^b (e^{a−b} − 1).
            Link::Cloglog => -b.exp() + log1mexp_of_log(b + log_expm1(a - b)),
            // F_loglog(t) = 1 − F_cloglog(−t).
            Link::Loglog => Link::Cloglog.log_prob(-b, -a),
            Link::Cauchit => (cauchy_atan_diff(a, b) / PI).ln(),
            Link::Probit => {
                if b >= 0.0 {
                    // Φ(a) − Φ(b) = Φ(−b) − Φ(−a): work in the lower tail (then the quadrature
                    // below only ever sees an interval where Φ changes by less than a factor 2,
                    // i.e. one in the lower tail or within (−0.68, 1.4) around the median).
                    return Link::Probit.log_prob(-b, -a);
                }
                let (la, lb) = (norm_log_cdf(a), norm_log_cdf(b));
                let d = la - lb;
                if d > LN_2 {
                    la + log1mexp(d)
                } else {
                    // Φ(b) > Φ(a)/2: the difference would cancel; integrate φ over [b, a].
                    let (m, h) = (0.5 * (a + b), 0.5 * (a - b));
                    let lm = self.log_pdf(m);
                    let s: f64 = GL_X
                        .iter()
                        .zip(GL_W)
                        .map(|(&x, w)| {
                            w * ((self.log_pdf(m + h * x) - lm).exp()
                                + (self.log_pdf(m - h * x) - lm).exp())
                        })
                        .sum();
                    lm + (h * s).ln()
                }
            }
        }
    }

    /// Log-likelihood of a row of class `c` out of K = `k1 + 1` and its derivatives in the two
    /// bounding linear predictors; `eta(k)` is η_k = θ_k − xᵀβ_k. `None` where the class
    /// probability is not positive (crossing cutpoints, or an underflow past the smallest
    /// double), where the log-likelihood is −∞.
    ///
    /// With p = F(a) − F(b), a = η_c, b = η_{c−1}: ∂ log p/∂a = f(a)/p, ∂ log p/∂b = −f(b)/p,
    /// ∂²/∂a² = (f'/f)(a) f(a)/p − (f(a)/p)², ∂²/∂b² = (f'/f)(b) (−f(b)/p) − (f(b)/p)²,
    /// ∂²/∂a∂b = f(a) f(b)/p²; the ratios f/p are formed in log space.
    pub fn row_terms(self, c: usize, k1: usize, eta: impl Fn(usize) -> f64) -> Option<RowTerms> {
        if self == Link::Logit {
            return logit_row_terms(c, k1, eta);
        }
        let a = if c < k1 { eta(c) } else { f64::INFINITY };
        let b = if c > 0 { eta(c - 1) } else { f64::NEG_INFINITY };
        let ll = self.log_prob(a, b);
        if !ll.is_finite() {
            return None;
        }
        let mut t = RowTerms {
            ll,
            ..RowTerms::default()
        };
        // A density that underflows to 0 contributes nothing, even where its score overflows.
        let curvature = |g: f64, t: f64| {
            if g == 0.0 {
                0.0
            } else {
                self.score(t) * g - g * g
            }
        };
        if c < k1 {
            t.g_hi = (self.log_pdf(a) - ll).exp();
            t.h_hi = curvature(t.g_hi, a);
        }
        if c > 0 {
            t.g_lo = -(self.log_pdf(b) - ll).exp();
            t.h_lo = curvature(t.g_lo, b);
        }
        if c > 0 && c < k1 {
            t.h_lohi = -t.g_hi * t.g_lo;
        }
        let finite = [t.g_lo, t.g_hi, t.h_lo, t.h_hi, t.h_lohi]
            .iter()
            .all(|v| v.is_finite());
        finite.then_some(t)
    }
}

/// atan(a) − atan(b) for a > b, without cancellation when a and b are close or both large.
fn cauchy_atan_diff(a: f64, b: f64) -> f64 {
    if b >= 1.0 {
        // atan a − atan b = atan(1/b) − atan(1/a) = atan((1/b − 1/a) / (1 + 1/(ab))).
        let q = ((a - b) / a) / b;
        (q / (1.0 + (1.0 / a) * (1.0 / b))).atan()
    } else if a <= -1.0 {
        cauchy_atan_diff(-b, -a)
    } else if a * b >= 0.0 {
        // Same sign with one of them in (−1, 1): 1 + ab ≥ 1, no overflow.
        ((a - b) / (1.0 + a * b)).atan()
    } else {
        // Opposite signs: the two arctangents add in magnitude.
        a.atan() - b.atan()
    }
}

/// The logistic link's row terms, `log(σ(a) − σ(b)) = log σ(a) + log σ(−b) + log(1 − e^{b−a})`
/// (the arithmetic the logit fits have always used; kept operation for operation so that fits
/// and Monte Carlo tables are unchanged).
fn logit_row_terms(c: usize, k1: usize, eta: impl Fn(usize) -> f64) -> Option<RowTerms> {
    let log_sigmoid = |t: f64| -log1pexp(-t);
    let mut t = RowTerms::default();
    if c == 0 {
        let a = eta(0);
        let f = sigmoid(a);
        t.ll = log_sigmoid(a);
        t.g_hi = sigmoid(-a);
        t.h_hi = -f * (1.0 - f);
    } else if c == k1 {
        let b = eta(k1 - 1);
        let f = sigmoid(b);
        t.ll = log_sigmoid(-b);
        t.g_lo = -f;
        t.h_lo = -f * (1.0 - f);
    } else {
        let (a, b) = (eta(c), eta(c - 1));
        if a.is_nan() || b.is_nan() || a <= b {
            return None;
        }
        t.ll = log_sigmoid(a) + log_sigmoid(-b) + (-(b - a).exp_m1()).ln();
        let p = t.ll.exp();
        if p <= 0.0 || !t.ll.is_finite() {
            return None;
        }
        let (fa, fb) = (sigmoid(a), sigmoid(b));
        let (da, db) = (fa * (1.0 - fa), fb * (1.0 - fb));
        t.g_hi = da / p;
        t.g_lo = -db / p;
        t.h_hi = da * (1.0 - 2.0 * fa) / p - t.g_hi * t.g_hi;
        t.h_lo = -db * (1.0 - 2.0 * fb) / p - t.g_lo * t.g_lo;
        t.h_lohi = -t.g_hi * t.g_lo;
    }
    if t.ll.is_finite() { Some(t) } else { None }
}

impl std::fmt::Display for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Link {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Link::ALL
            .into_iter()
            .find(|l| l.name() == s)
            .ok_or_else(|| {
                Error::param("link", s, "one of logit, probit, cloglog, loglog, cauchit")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs().max(1e-300)
    }

    /// Closed forms of F, written out independently of the implementation.
    fn sf_closed(link: Link, t: f64) -> f64 {
        match link {
            Link::Logit => 1.0 / (1.0 + t.exp()),
            Link::Probit => 0.5 * erfc(t / 2f64.sqrt()),
            Link::Cloglog => (-t.exp()).exp(),
            Link::Loglog => -(-(-t).exp()).exp_m1(),
            Link::Cauchit => 0.5 - t.atan() / PI,
        }
    }

    /// F(a) − F(b) from the closed forms, on the side of the median where it does not cancel.
    fn diff_closed(link: Link, a: f64, b: f64) -> f64 {
        if b > 0.0 {
            sf_closed(link, b) - sf_closed(link, a)
        } else {
            cdf_closed(link, a) - cdf_closed(link, b)
        }
    }

    fn cdf_closed(link: Link, t: f64) -> f64 {
        match link {
            Link::Logit => 1.0 / (1.0 + (-t).exp()),
            Link::Probit => 0.5 * erfc(-t / 2f64.sqrt()),
            Link::Cloglog => -(-t.exp()).exp_m1(),
            Link::Loglog => (-(-t).exp()).exp(),
            Link::Cauchit => 0.5 + t.atan() / PI,
        }
    }

    #[test]
    fn cdf_matches_closed_forms_and_known_values() {
        for link in Link::ALL {
            for i in -40..=40 {
                let t = i as f64 * 0.25;
                let (f, want) = (link.cdf(t), cdf_closed(link, t));
                assert!(rel(f, want) < 1e-13, "{link} F({t}) = {f} vs {want}");
                let s = link.sf(t);
                assert!((f + s - 1.0).abs() < 1e-15, "{link} F + S at {t}");
                // ln F from F itself only has absolute precision where F is near 1.
                let (lf, lw) = (link.log_cdf(t), f.ln());
                // (Where F underflows only log F is a double: the tail tests cover it.)
                assert!(
                    f == 0.0 || (lf - lw).abs() < 1e-13 * lw.abs().max(1.0),
                    "{link} log F({t}) {lf} vs {lw}"
                );
            }
        }
        // R: pnorm(1.96), pnorm(-3); F(0) of the Gumbel links; Cauchy quartile.
        assert!(rel(Link::Probit.cdf(1.96), 0.975_002_104_851_779_6) < 1e-15);
        assert!(rel(Link::Probit.cdf(-3.0), 1.349_898_031_630_094_6e-3) < 1e-14);
        assert!(rel(Link::Cloglog.cdf(0.0), 1.0 - (-1f64).exp()) < 1e-15);
        assert!(rel(Link::Loglog.cdf(0.0), (-1f64).exp()) < 1e-15);
        assert!(rel(Link::Cauchit.cdf(1.0), 0.75) < 1e-15);
        assert_eq!(Link::Cauchit.cdf(-0.0), 0.5);
        assert_eq!(Link::Cauchit.log_cdf(-0.0), 0.5f64.ln());
    }

    #[test]
    fn log_cdf_far_in_the_tails() {
        // R: pnorm(t, log.p = TRUE) for t = -5, -37, -37.5, -38, -40, -1e5.
        let r = [
            (-5.0, -1.506_499_839_398_872_5e1),
            (-37.0, -6.890_305_855_768_906e2),
            (-37.5, -7.076_689_893_175_072e2),
            (-38.0, -7.265_572_160_188_201e2),
            (-40.0, -8.046_084_420_137_538e2),
            (-1e5, -5.000_000_012_431_864e9),
        ];
        for (t, want) in r {
            let got = Link::Probit.log_cdf(t);
            assert!(rel(got, want) < 1e-14, "log Phi({t}) = {got} vs {want}");
            assert_eq!(Link::Probit.log_sf(-t), got);
        }
        // Gumbel and logistic tails in closed form: log F(t) → t for t → −∞.
        for t in [-50.0, -200.0, -800.0, -1e5] {
            assert!(rel(Link::Logit.log_cdf(t), t) < 1e-15);
            assert!(rel(Link::Cloglog.log_cdf(t), t) < 1e-15);
            assert!(rel(Link::Loglog.log_sf(-t), t) < 1e-15);
            // Cauchy: F(t) = atan(−1/t)/π = (1 − 1/(3t²) + 1/(5t⁴) − …)/(π|t|).
            let want =
                -(PI * t.abs()).ln() + (-1.0 / (3.0 * t * t) + 1.0 / (5.0 * t.powi(4))).ln_1p();
            assert!((Link::Cauchit.log_cdf(t) - want).abs() < 1e-11);
        }
        assert_eq!(Link::Loglog.log_cdf(-3.0), -(3f64).exp());
        assert_eq!(Link::Cloglog.log_sf(3.0), -(3f64).exp());
        for link in Link::ALL {
            for t in [-1e6, -700.0, -50.0, 0.0, 50.0, 700.0, 1e6] {
                assert!(
                    !link.log_cdf(t).is_nan() && !link.log_sf(t).is_nan(),
                    "{link} {t}"
                );
                assert!(link.log_cdf(t) <= 0.0 && link.log_sf(t) <= 0.0);
            }
        }
    }

    #[test]
    fn density_and_its_derivative_match_numerical_derivatives() {
        for link in Link::ALL {
            for i in -24..=24 {
                let t = i as f64 * 0.25 + 0.01;
                let h = 1e-5;
                let fd = (link.cdf(t + h) - link.cdf(t - h)) / (2.0 * h);
                let f = link.pdf(t);
                assert!((f - fd).abs() < 1e-9, "{link} f({t}) {f} vs {fd}");
                let fd2 = (link.pdf(t + h) - link.pdf(t - h)) / (2.0 * h);
                let d = link.dpdf(t);
                assert!((d - fd2).abs() < 1e-9, "{link} f'({t}) {d} vs {fd2}");
            }
        }
        // Closed forms.
        let t: f64 = 0.7;
        assert!(
            rel(
                Link::Probit.pdf(t),
                (-t * t / 2.0).exp() / (2.0 * PI).sqrt()
            ) < 1e-15
        );
        assert!(rel(Link::Cloglog.pdf(t), (t - t.exp()).exp()) < 1e-15);
        assert!(rel(Link::Loglog.pdf(t), (-t - (-t).exp()).exp()) < 1e-15);
        assert!(rel(Link::Cauchit.pdf(t), 1.0 / (PI * (1.0 + t * t))) < 1e-15);
        assert!(
            rel(
                Link::Cauchit.dpdf(t),
                -2.0 * t / (PI * (1.0 + t * t).powi(2))
            ) < 1e-14
        );
        let s = 1.0 / (1.0 + (-t).exp());
        assert!(rel(Link::Logit.dpdf(t), s * (1.0 - s) * (1.0 - 2.0 * s)) < 1e-14);
        // Far tails: the score stays finite where the density underflows (the Gumbel scores grow
        // like e^{|t|} and overflow past |t| = 709, where the density is exactly 0).
        for link in Link::ALL {
            let far: &[f64] = match link {
                Link::Cloglog | Link::Loglog => &[-700.0, 700.0],
                _ => &[-1e3, 1e3, -1e10, 1e10],
            };
            for &t in far {
                assert!(link.score(t).is_finite(), "{link} score({t})");
                assert!(!link.log_pdf(t).is_nan());
            }
        }
    }

    #[test]
    fn quantile_inverts_the_cdf() {
        for link in Link::ALL {
            for q in [1e-10, 0.01, 0.2, 0.5, 0.8, 0.99, 1.0 - 1e-10] {
                let t = link.quantile(q).unwrap();
                assert!(rel(link.cdf(t), q) < 1e-9, "{link} F(F^-1({q}))");
            }
            assert!(link.quantile(0.0).is_err() && link.quantile(1.0).is_err());
        }
        assert!(
            rel(
                Link::Probit.quantile(0.975).unwrap(),
                1.959_963_984_540_053_6
            ) < 1e-14
        );
    }

    #[test]
    fn class_log_probability_matches_direct_differences_in_the_body() {
        for link in Link::ALL {
            for i in -12..12 {
                for d in [0.05, 0.5, 2.0] {
                    let b = i as f64 * 0.4;
                    let a = b + d;
                    let direct = diff_closed(link, a, b).ln();
                    let got = link.log_prob(a, b);
                    assert!(
                        (got - direct).abs() < 1e-12,
                        "{link} ({a}, {b}): {got} vs {direct}"
                    );
                }
            }
            assert_eq!(link.log_prob(f64::INFINITY, f64::NEG_INFINITY), 0.0);
            assert_eq!(link.log_prob(1.0, f64::NEG_INFINITY), link.log_cdf(1.0));
            assert_eq!(link.log_prob(f64::INFINITY, 1.0), link.log_sf(1.0));
            assert_eq!(link.log_prob(1.0, 1.0), f64::NEG_INFINITY);
            assert_eq!(link.log_prob(1.0, 2.0), f64::NEG_INFINITY);
            assert_eq!(link.log_prob(f64::NAN, 2.0), f64::NEG_INFINITY);
        }
    }

    #[test]
    fn class_log_probability_has_no_cancellation_far_in_a_tail() {
        // Close cutpoints: F(a) − F(b) = f(m) d (1 + d² f''(m)/(24 f(m)) + O(d⁴)),
        // m = (a + b)/2, d = a − b, f''/f = score² + score'.
        let dscore = |link: Link, t: f64| match link {
            Link::Logit => -0.5 / (0.5 * t).cosh().powi(2),
            Link::Probit => -1.0,
            Link::Cloglog => -t.exp(),
            Link::Loglog => -(-t).exp(),
            Link::Cauchit => (2.0 * t * t - 2.0) / (1.0 + t * t).powi(2),
        };
        for link in Link::ALL {
            for m in [-30.0, -8.0, -0.3, 0.0, 0.4, 8.0, 30.0] {
                for d in [1e-12, 1e-8, 1e-4] {
                    if d * link.score(m).abs() > 1e-3 {
                        // The O(d⁴) remainder of the expansion is no longer below 1e-7.
                        continue;
                    }
                    let (a, b) = (m + d / 2.0, m - d / 2.0);
                    let curv = link.score(m).powi(2) + dscore(link, m);
                    let want = link.log_pdf(m) + (a - b).ln() + (d * d * curv / 24.0).ln_1p();
                    let got = link.log_prob(a, b);
                    assert!(
                        (got - want).abs() < 1e-7,
                        "{link} m={m} d={d}: {got} vs {want}"
                    );
                }
            }
        }
        // Far tails with a closed form (logistic and Gumbel tails are exponential there):
        // log(F(a) − F(b)) = a + log(1 − e^{b−a}) to double precision.
        let (a, b) = (-800.0, -801.0);
        let want = a + (1.0 - (-1f64).exp()).ln();
        for (link, a, b) in [
            (Link::Logit, a, b),
            (Link::Cloglog, a, b),
            (Link::Loglog, -b, -a),
        ] {
            let got = link.log_prob(a, b);
            assert!(rel(got, want) < 1e-15, "{link}: {got} vs {want}");
        }
        // Logistic upper tail: 1 − σ(t) = e^{−t}(1 + …).
        let got = Link::Logit.log_prob(801.0, 800.0);
        assert!(rel(got, -800.0 + (1.0 - (-1f64).exp()).ln()) < 1e-15);
        // Normal: R pnorm(-40, log.p = TRUE) + log1mexp of the difference to pnorm(-40.1).
        let got = Link::Probit.log_prob(-40.0, -40.1);
        assert!(rel(got, -804.626_788_178_752_1) < 1e-14, "{got}");
        assert_eq!(Link::Probit.log_prob(40.1, 40.0), got);
        // R: log(pnorm(-1) - pnorm(-1.5)).
        assert!(rel(Link::Probit.log_prob(-1.0, -1.5), -2.387_619_668_823_935) < 1e-14);
        // Cauchy: (atan a − atan b)/π with a, b huge: (1/b − 1/a)/π.
        let (a, b) = (2e200, 1e200);
        let want = ((1.0 / b - 1.0 / a) / PI).ln();
        assert!(rel(Link::Cauchit.log_prob(a, b), want) < 1e-14);
        assert!(rel(Link::Cauchit.log_prob(-b, -a), want) < 1e-14);
        // Never NaN or log(0) for ordered finite arguments.
        for link in Link::ALL {
            for &b in &[-1e4, -500.0, -40.0, -1.0, 0.0, 1.0, 40.0, 500.0] {
                for &d in &[1e-10, 1e-3, 1.0, 100.0] {
                    let v = link.log_prob(b + d, b);
                    assert!(!v.is_nan(), "{link} ({}, {b})", b + d);
                    let in_range = b.abs() <= 40.0 || link == Link::Cauchit;
                    assert!(!in_range || v.is_finite(), "{link} ({}, {b}) = {v}", b + d);
                }
            }
        }
    }

    #[test]
    fn row_terms_match_finite_differences() {
        let k1 = 3;
        let eta0 = [-0.8, 0.3, 1.6];
        for link in Link::ALL {
            for c in 0..=k1 {
                let t = link.row_terms(c, k1, |k| eta0[k]).unwrap();
                let ll = |e: &[f64; 3]| link.row_terms(c, k1, |k| e[k]).unwrap().ll;
                let h = 1e-5;
                let bump = |k: usize, s: f64| {
                    let mut e = eta0;
                    e[k] += s;
                    e
                };
                let want_ll = link.log_prob(
                    if c < k1 { eta0[c] } else { f64::INFINITY },
                    if c > 0 {
                        eta0[c - 1]
                    } else {
                        f64::NEG_INFINITY
                    },
                );
                assert!((t.ll - want_ll).abs() < 1e-14, "{link} c={c} ll");
                let d1 = |k: usize| (ll(&bump(k, h)) - ll(&bump(k, -h))) / (2.0 * h);
                if c < k1 {
                    assert!((t.g_hi - d1(c)).abs() < 1e-8, "{link} c={c} g_hi");
                    let dd = (ll(&bump(c, h)) - 2.0 * t.ll + ll(&bump(c, -h))) / (h * h);
                    assert!(
                        (t.h_hi - dd).abs() < 1e-4,
                        "{link} c={c} h_hi {} vs {dd}",
                        t.h_hi
                    );
                }
                if c > 0 {
                    assert!((t.g_lo - d1(c - 1)).abs() < 1e-8, "{link} c={c} g_lo");
                    let dd = (ll(&bump(c - 1, h)) - 2.0 * t.ll + ll(&bump(c - 1, -h))) / (h * h);
                    assert!((t.h_lo - dd).abs() < 1e-4, "{link} c={c} h_lo");
                }
                if c > 0 && c < k1 {
                    let mut pp = eta0;
                    pp[c] += h;
                    pp[c - 1] += h;
                    let mut mm = eta0;
                    mm[c] -= h;
                    mm[c - 1] -= h;
                    let mut pm = eta0;
                    pm[c] += h;
                    pm[c - 1] -= h;
                    let mut mp = eta0;
                    mp[c] -= h;
                    mp[c - 1] += h;
                    let dd = (ll(&pp) - ll(&pm) - ll(&mp) + ll(&mm)) / (4.0 * h * h);
                    assert!((t.h_lohi - dd).abs() < 1e-4, "{link} c={c} h_lohi");
                }
            }
            // Crossing boundaries: no probability, no terms.
            assert!(link.row_terms(1, k1, |k| [0.5, 0.2, 1.0][k]).is_none());
        }
    }

    #[test]
    fn row_terms_stay_accurate_far_in_the_lower_tail() {
        // A row of class 1 whose interval lies where F is below the smallest double (F(t) <
        // 1e-300) but log F is still precise: every term is finite and matches finite
        // differences of the log probability.
        for (link, b) in [
            (Link::Logit, -700.0),
            (Link::Probit, -38.0),
            (Link::Cloglog, -700.0),
            (Link::Loglog, -7.0),
            (Link::Cauchit, -1e300),
        ] {
            let a = if link == Link::Cauchit {
                b / 2.0
            } else {
                b + 0.1
            };
            assert!(link.cdf(a) < 1e-300, "{link}: F({a}) = {}", link.cdf(a));
            let eta = [b, a];
            let t = link.row_terms(1, 2, |k| eta[k]).unwrap();
            assert!(
                t.ll.is_finite() && t.g_hi > 0.0 && t.g_lo < 0.0,
                "{link} {t:?}"
            );
            let h = if link == Link::Cauchit {
                1e-6 * a.abs()
            } else {
                1e-6
            };
            let fd_hi = (link.log_prob(a + h, b) - link.log_prob(a - h, b)) / (2.0 * h);
            let fd_lo = (link.log_prob(a, b + h) - link.log_prob(a, b - h)) / (2.0 * h);
            // Relative to the larger of the two (the loglog g_lo is e^{−104} of g_hi here).
            let scale = t.g_hi.abs().max(t.g_lo.abs());
            assert!(
                (t.g_hi - fd_hi).abs() < 1e-6 * scale,
                "{link} g_hi {} vs {fd_hi}",
                t.g_hi
            );
            assert!(
                (t.g_lo - fd_lo).abs() < 1e-6 * scale,
                "{link} g_lo {} vs {fd_lo}",
                t.g_lo
            );
        }
    }

    #[test]
    fn names_round_trip() {
        for link in Link::ALL {
            assert_eq!(link.name().parse::<Link>().unwrap(), link);
            assert_eq!(serde_json::to_string(&link).unwrap(), format!("\"{link}\""));
        }
        let e = "probitt".parse::<Link>().unwrap_err().to_string();
        assert!(e.contains("link") && e.contains("probitt"), "{e}");
        assert!(Link::Probit.log_concave() && !Link::Cauchit.log_concave());
    }
}

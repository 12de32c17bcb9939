//! Truths for simulation: distributions outside the model with exact moments of t.
//!
//! Univariate truths (for the normal and Poisson models, or independent coordinates of an
//! isotropic / diagonal Gaussian model) expose raw moments up to order 6, which is what the
//! normal model's λ3 (a cumulant of x² up to third order) needs.

use crate::error::{Error, Result};
use crate::rng::Rng;
use nalgebra::{DMatrix, DVector};
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};

/// A univariate distribution with known moments.
#[derive(Debug, Clone, PartialEq)]
pub enum Univariate {
    /// N(mean, sd²).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// Gamma(shape, scale).
    Gamma {
        /// Shape k.
        shape: f64,
        /// Scale.
        scale: f64,
    },
    /// Student t with ν degrees of freedom (ν > 6 for the sixth moment).
    StudentT {
        /// Degrees of freedom.
        nu: f64,
    },
    /// exp(σ Z).
    LogNormal {
        /// σ of log X.
        sigma: f64,
    },
    /// Negative binomial: failures before the r-th success, success probability p.
    NegBin {
        /// Number of successes r.
        r: f64,
        /// Success probability p.
        p: f64,
    },
    /// Poisson(μ).
    Poisson {
        /// Mean.
        mu: f64,
    },
    /// w N(m1, s1²) + (1 − w) N(m2, s2²).
    Mixture {
        /// Weight of the first component.
        w: f64,
        /// Mean of the first component.
        m1: f64,
        /// Sd of the first component.
        s1: f64,
        /// Mean of the second component.
        m2: f64,
        /// Sd of the second component.
        s2: f64,
    },
}

const KNOWN: &str = "gamma:k, student-t:nu, lognormal:s, negbin:r,p, poisson:mu, normal:m,s, mixture:w,m1,s1,m2,s2, gaussian-ar:rho (multivariate)";

/// E[Z^j] for a standard normal.
fn std_normal_moment(j: usize) -> f64 {
    if j % 2 == 1 {
        0.0
    } else {
        (1..j).step_by(2).map(|k| k as f64).product()
    }
}

fn binom(n: usize, k: usize) -> f64 {
    (0..k).map(|i| (n - i) as f64 / (i + 1) as f64).product()
}

/// Raw moments of N(m, s²) up to order 6.
fn normal_raw(m: f64, s: f64) -> [f64; 7] {
    let mut out = [0.0; 7];
    for (r, o) in out.iter_mut().enumerate() {
        *o = (0..=r)
            .map(|j| binom(r, j) * m.powi((r - j) as i32) * s.powi(j as i32) * std_normal_moment(j))
            .sum();
    }
    out
}

/// Raw moments from factorial moments f_k = E[(X)_k] via Stirling numbers of the second kind.
fn raw_from_factorial(f: &[f64; 7]) -> [f64; 7] {
    // S(m, k) for m, k ≤ 6.
    let mut s = [[0.0f64; 7]; 7];
    s[0][0] = 1.0;
    for m in 1..7 {
        for k in 1..=m {
            s[m][k] = k as f64 * s[m - 1][k] + s[m - 1][k - 1];
        }
    }
    let mut out = [0.0; 7];
    for m in 0..7 {
        out[m] = (0..=m).map(|k| s[m][k] * f[k]).sum();
    }
    out
}

impl Univariate {
    /// Parse `gamma:4`, `student-t:7`, `lognormal:0.5`, `negbin:5,0.5`, `poisson:3`,
    /// `normal:0,1`, `mixture:0.3,-1,1,2,0.5`.
    pub fn parse(s: &str) -> Result<Self> {
        let (kind, args) = s.split_once(':').unwrap_or((s, ""));
        let nums: Vec<f64> = if args.trim().is_empty() {
            Vec::new()
        } else {
            args.split(',')
                .map(|a| {
                    a.trim()
                        .parse::<f64>()
                        .map_err(|_| Error::param("truth", s, format!("`{a}` is not a number")))
                })
                .collect::<Result<_>>()?
        };
        let want = |k: usize| -> Result<()> {
            if nums.len() == k {
                Ok(())
            } else {
                Err(Error::param(
                    "truth",
                    s,
                    format!("`{kind}` takes {k} number(s)"),
                ))
            }
        };
        let u = match kind.trim() {
            "gamma" => {
                want(1)?;
                Univariate::Gamma {
                    shape: nums[0],
                    scale: 1.0,
                }
            }
            "student-t" | "t" => {
                want(1)?;
                Univariate::StudentT { nu: nums[0] }
            }
            "lognormal" => {
                want(1)?;
                Univariate::LogNormal { sigma: nums[0] }
            }
            "negbin" => {
                want(2)?;
                Univariate::NegBin {
                    r: nums[0],
                    p: nums[1],
                }
            }
            "poisson" => {
                want(1)?;
                Univariate::Poisson { mu: nums[0] }
            }
            "normal" => {
                want(2)?;
                Univariate::Normal {
                    mean: nums[0],
                    sd: nums[1],
                }
            }
            "mixture" | "mix" => {
                want(5)?;
                Univariate::Mixture {
                    w: nums[0],
                    m1: nums[1],
                    s1: nums[2],
                    m2: nums[3],
                    s2: nums[4],
                }
            }
            other => {
                return Err(Error::UnknownName {
                    kind: "truth",
                    name: other.to_string(),
                    known: KNOWN.into(),
                });
            }
        };
        u.validate()?;
        Ok(u)
    }

    fn validate(&self) -> Result<()> {
        use crate::error::check;
        match *self {
            Univariate::Normal { mean, sd } => {
                check::finite("truth mean", mean)?;
                check::positive("truth sd", sd)?;
            }
            Univariate::Gamma { shape, scale } => {
                check::positive("truth shape", shape)?;
                check::positive("truth scale", scale)?;
            }
            Univariate::StudentT { nu } => {
                if !(nu > 6.0 && nu.is_finite()) {
                    return Err(Error::param(
                        "truth nu",
                        nu,
                        "student-t needs nu > 6 for finite sixth moments",
                    ));
                }
            }
            Univariate::LogNormal { sigma } => {
                check::positive("truth sigma", sigma)?;
            }
            Univariate::NegBin { r, p } => {
                check::positive("truth r", r)?;
                check::in_open("truth p", p, 0.0, 1.0)?;
            }
            Univariate::Poisson { mu } => {
                check::positive("truth mu", mu)?;
            }
            Univariate::Mixture { w, m1, s1, m2, s2 } => {
                check::in_open("truth w", w, 0.0, 1.0)?;
                check::finite("truth m1", m1)?;
                check::finite("truth m2", m2)?;
                check::positive("truth s1", s1)?;
                check::positive("truth s2", s2)?;
            }
        }
        Ok(())
    }

    /// Label, e.g. `gamma:4`.
    pub fn label(&self) -> String {
        match *self {
            Univariate::Normal { mean, sd } => format!("normal:{mean},{sd}"),
            Univariate::Gamma { shape, scale: 1.0 } => format!("gamma:{shape}"),
            Univariate::Gamma { shape, scale } => format!("gamma:{shape}(scale {scale})"),
            Univariate::StudentT { nu } => format!("student-t:{nu}"),
            Univariate::LogNormal { sigma } => format!("lognormal:{sigma}"),
            Univariate::NegBin { r, p } => format!("negbin:{r},{p}"),
            Univariate::Poisson { mu } => format!("poisson:{mu}"),
            Univariate::Mixture { w, m1, s1, m2, s2 } => format!("mixture:{w},{m1},{s1},{m2},{s2}"),
        }
    }

    /// Whether draws are counts (non-negative integers).
    pub fn is_count(&self) -> bool {
        matches!(self, Univariate::NegBin { .. } | Univariate::Poisson { .. })
    }

    /// E[X^r] for r = 0..6.
    pub fn raw_moments(&self) -> Result<[f64; 7]> {
        self.validate()?;
        Ok(match *self {
            Univariate::Normal { mean, sd } => normal_raw(mean, sd),
            Univariate::Gamma { shape, scale } => {
                let mut out = [1.0; 7];
                for r in 1..7 {
                    out[r] = out[r - 1] * scale * (shape + (r - 1) as f64);
                }
                out
            }
            Univariate::StudentT { nu } => {
                let mut out = [0.0; 7];
                out[0] = 1.0;
                out[2] = nu / (nu - 2.0);
                out[4] = 3.0 * nu * nu / ((nu - 2.0) * (nu - 4.0));
                out[6] = 15.0 * nu.powi(3) / ((nu - 2.0) * (nu - 4.0) * (nu - 6.0));
                out
            }
            Univariate::LogNormal { sigma } => {
                let mut out = [0.0; 7];
                for (r, o) in out.iter_mut().enumerate() {
                    *o = ((r * r) as f64 * sigma * sigma / 2.0).exp();
                }
                out
            }
            Univariate::NegBin { r, p } => {
                let q = (1.0 - p) / p;
                let mut f = [1.0; 7];
                for k in 1..7 {
                    f[k] = f[k - 1] * (r + (k - 1) as f64) * q;
                }
                raw_from_factorial(&f)
            }
            Univariate::Poisson { mu } => {
                let mut f = [1.0; 7];
                for k in 1..7 {
                    f[k] = f[k - 1] * mu;
                }
                raw_from_factorial(&f)
            }
            Univariate::Mixture { w, m1, s1, m2, s2 } => {
                let (a, b) = (normal_raw(m1, s1), normal_raw(m2, s2));
                let mut out = [0.0; 7];
                for r in 0..7 {
                    out[r] = w * a[r] + (1.0 - w) * b[r];
                }
                out
            }
        })
    }

    /// First three cumulants (mean, variance, κ3).
    pub fn cumulants3(&self) -> Result<[f64; 3]> {
        let m = self.raw_moments()?;
        let var = m[2] - m[1] * m[1];
        let k3 = m[3] - 3.0 * m[2] * m[1] + 2.0 * m[1].powi(3);
        Ok([m[1], var, k3])
    }

    /// Excess kurtosis γ2.
    pub fn excess_kurtosis(&self) -> Result<f64> {
        let m = self.raw_moments()?;
        let mu = m[1];
        let var = m[2] - mu * mu;
        let c4 = m[4] - 4.0 * m[3] * mu + 6.0 * m[2] * mu * mu - 3.0 * mu.powi(4);
        Ok(c4 / (var * var) - 3.0)
    }
}

/// A truth: the distribution the data come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Truth {
    /// One univariate distribution.
    Univariate(Univariate),
    /// Independent coordinates.
    Independent(Vec<Univariate>),
    /// A multivariate Gaussian N(mean, cov).
    Gaussian {
        /// Mean.
        mean: DVector<f64>,
        /// Covariance.
        cov: DMatrix<f64>,
    },
    /// Cell probabilities of a categorical distribution.
    Categorical(Vec<f64>),
}

impl Truth {
    /// Parse a truth string for observations of dimension `d`: a univariate truth (applied
    /// independently to each coordinate when d > 1) or `gaussian-ar:rho` (zero mean, unit
    /// variances, AR(1) correlation rho^|i−j|).
    pub fn parse(s: &str, d: usize) -> Result<Self> {
        if let Some(rest) = s.strip_prefix("gaussian-ar:") {
            let rho: f64 = rest
                .trim()
                .parse()
                .map_err(|_| Error::param("truth", s, "gaussian-ar takes one number rho"))?;
            crate::error::check::in_open("truth rho", rho, -1.0, 1.0)?;
            let cov = DMatrix::from_fn(d, d, |i, j| rho.powi((i as i32 - j as i32).abs()));
            return Ok(Truth::Gaussian {
                mean: DVector::zeros(d),
                cov,
            });
        }
        let u = Univariate::parse(s)?;
        Ok(if d == 1 {
            Truth::Univariate(u)
        } else {
            Truth::Independent(vec![u; d])
        })
    }

    /// Short label.
    pub fn label(&self) -> String {
        match self {
            Truth::Univariate(u) => u.label(),
            Truth::Independent(us) => format!(
                "independent {} x {}",
                us.len(),
                us.first().map(|u| u.label()).unwrap_or_default()
            ),
            Truth::Gaussian { mean, .. } => format!("gaussian(d={})", mean.len()),
            Truth::Categorical(p) => format!("categorical(K={})", p.len()),
        }
    }
}

/// Index of the cell that a uniform draw `u` falls in under probabilities `pi`.
pub fn draw_cell(pi: &[f64], u: f64) -> usize {
    let mut acc = 0.0;
    for (c, p) in pi.iter().enumerate() {
        acc += p;
        if u < acc {
            return c;
        }
    }
    pi.len() - 1
}

#[derive(Debug, Clone)]
enum UniSampler {
    Normal(rand_distr::Normal<f64>),
    Gamma(rand_distr::Gamma<f64>),
    StudentT(rand_distr::StudentT<f64>),
    LogNormal(rand_distr::LogNormal<f64>),
    NegBin(rand_distr::Gamma<f64>),
    Poisson(rand_distr::Poisson<f64>),
    Mixture(f64, rand_distr::Normal<f64>, rand_distr::Normal<f64>),
}

fn dist_err(e: impl std::fmt::Display) -> Error {
    Error::param("truth", e.to_string(), "invalid distribution parameters")
}

impl UniSampler {
    fn new(u: &Univariate) -> Result<Self> {
        u.validate()?;
        Ok(match *u {
            Univariate::Normal { mean, sd } => {
                UniSampler::Normal(rand_distr::Normal::new(mean, sd).map_err(dist_err)?)
            }
            Univariate::Gamma { shape, scale } => {
                UniSampler::Gamma(rand_distr::Gamma::new(shape, scale).map_err(dist_err)?)
            }
            Univariate::StudentT { nu } => {
                UniSampler::StudentT(rand_distr::StudentT::new(nu).map_err(dist_err)?)
            }
            Univariate::LogNormal { sigma } => {
                UniSampler::LogNormal(rand_distr::LogNormal::new(0.0, sigma).map_err(dist_err)?)
            }
            // Gamma–Poisson mixture: λ ~ Gamma(r, (1−p)/p), X | λ ~ Poisson(λ).
            Univariate::NegBin { r, p } => {
                UniSampler::NegBin(rand_distr::Gamma::new(r, (1.0 - p) / p).map_err(dist_err)?)
            }
            Univariate::Poisson { mu } => {
                UniSampler::Poisson(rand_distr::Poisson::new(mu).map_err(dist_err)?)
            }
            Univariate::Mixture { w, m1, s1, m2, s2 } => UniSampler::Mixture(
                w,
                rand_distr::Normal::new(m1, s1).map_err(dist_err)?,
                rand_distr::Normal::new(m2, s2).map_err(dist_err)?,
            ),
        })
    }

    fn draw(&self, rng: &mut Rng) -> f64 {
        match self {
            UniSampler::Normal(d) => d.sample(rng),
            UniSampler::Gamma(d) => d.sample(rng),
            UniSampler::StudentT(d) => d.sample(rng),
            UniSampler::LogNormal(d) => d.sample(rng),
            UniSampler::NegBin(g) => {
                let lambda = g.sample(rng);
                if lambda <= 0.0 {
                    0.0
                } else {
                    rand_distr::Poisson::new(lambda)
                        .map(|p| p.sample(rng))
                        .unwrap_or(0.0)
                }
            }
            UniSampler::Poisson(d) => d.sample(rng),
            UniSampler::Mixture(w, a, b) => {
                if rng.random::<f64>() < *w {
                    a.sample(rng)
                } else {
                    b.sample(rng)
                }
            }
        }
    }
}

/// A truth prepared for drawing (distributions built, Cholesky factor computed once).
#[derive(Debug, Clone)]
pub struct TruthSampler(Prepared);

#[derive(Debug, Clone)]
enum Prepared {
    Independent(Vec<UniSampler>),
    Gaussian(DVector<f64>, DMatrix<f64>),
    Categorical(Vec<f64>),
}

impl TruthSampler {
    /// Prepare `truth` for drawing observations of length `d`.
    pub fn new(truth: &Truth, d: usize) -> Result<Self> {
        let s = match truth {
            Truth::Univariate(u) => Prepared::Independent(vec![UniSampler::new(u)?]),
            Truth::Independent(us) => {
                Prepared::Independent(us.iter().map(UniSampler::new).collect::<Result<_>>()?)
            }
            Truth::Gaussian { mean, cov } => {
                let l = cov.clone().cholesky().ok_or_else(|| {
                    Error::Numerical("truth covariance is not positive definite".into())
                })?;
                Prepared::Gaussian(mean.clone(), l.l())
            }
            Truth::Categorical(pi) => {
                if pi.iter().any(|p| p.is_nan() || *p < 0.0)
                    || (pi.iter().sum::<f64>() - 1.0).abs() > 1e-9
                {
                    return Err(Error::param(
                        "truth",
                        format!("{pi:?}"),
                        "cell probabilities must be >= 0 and sum to 1",
                    ));
                }
                Prepared::Categorical(pi.clone())
            }
        };
        let got = match &s {
            Prepared::Independent(v) => v.len(),
            Prepared::Gaussian(m, _) => m.len(),
            Prepared::Categorical(_) => 1,
        };
        if got != d {
            return Err(Error::DimensionMismatch {
                what: "truth dimension",
                expected: d,
                got,
            });
        }
        Ok(TruthSampler(s))
    }

    /// One observation into `x`.
    pub fn draw(&self, rng: &mut Rng, x: &mut [f64]) {
        match &self.0 {
            Prepared::Independent(v) => {
                for (xi, s) in x.iter_mut().zip(v) {
                    *xi = s.draw(rng);
                }
            }
            Prepared::Gaussian(m, l) => {
                let d = m.len();
                let z: Vec<f64> = (0..d).map(|_| StandardNormal.sample(rng)).collect();
                for i in 0..d {
                    let mut s = m[i];
                    for (j, zj) in z.iter().enumerate().take(i + 1) {
                        s += l[(i, j)] * zj;
                    }
                    x[i] = s;
                }
            }
            Prepared::Categorical(pi) => x[0] = draw_cell(pi, rng.random::<f64>()) as f64,
        }
    }
}

//! Prediction uncertainty of a fitted cumulative link model by the delta method (clm's
//! `predict(..., se.fit = TRUE, interval = TRUE)`, Christensen 2019, Sec. 5.5), and average
//! marginal effects of each feature on each class probability with delta-method standard
//! errors.
//!
//! The parameters are laid out as in the boundary-specific model: ψ = (θ_0, …, θ_{K−2}, b_0, …,
//! b_{K−2}) with b_k ∈ R^p, so that η_k(x) = θ_k − xᵀb_k is linear in ψ with gradient
//! d_k(x) = e_{θ_k} − x placed in block b_k. A proportional-odds fit maps into this layout by
//! copying its slope vector into every block ([`po_covariance`]). With V = Cov(ψ̂):
//!
//! * cumulative probability γ_k = F(η_k): se = f(η_k) √(d_kᵀ V d_k); interval F(η_k ∓ z se(η_k))
//!   on the link scale (it stays inside (0, 1));
//! * class probability π_c = F(η_c) − F(η_{c−1}): gradient f(η_c) d_c − f(η_{c−1}) d_{c−1};
//!   interval on the logit scale, logit π_c ∓ z se/(π_c(1 − π_c)) back-transformed (clm's);
//! * average marginal effect of feature j on class c, the weighted mean over rows of
//!   ∂π_c/∂x_j = f(η_{c−1}) b_{c−1,j} − f(η_c) b_{c,j}, with its gradient in ψ in closed form.

use super::inference::z_critical;
use super::link::Link;
use crate::error::{Error, Result};
use nalgebra::{DMatrix, DVector};

/// A fitted cumulative link model with the covariance of its estimates.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelWithCovariance {
    link: Link,
    cutpoints: Vec<f64>,
    coef: DMatrix<f64>,
    cov: DMatrix<f64>,
}

/// Cumulative probabilities P(Y ≤ k | x), k = 0..K−2, of each row, with their uncertainty.
#[derive(Debug, Clone, PartialEq)]
pub struct CumulativePrediction {
    /// Linear predictors η_k = θ_k − xᵀb_k (n × (K−1)).
    pub eta: DMatrix<f64>,
    /// Standard errors of η_k.
    pub eta_se: DMatrix<f64>,
    /// F(η_k).
    pub prob: DMatrix<f64>,
    /// Delta-method standard errors f(η_k) se(η_k).
    pub se: DMatrix<f64>,
    /// F(η_k − z se(η_k)).
    pub lower: DMatrix<f64>,
    /// F(η_k + z se(η_k)).
    pub upper: DMatrix<f64>,
}

/// Class probabilities P(Y = c | x), c = 0..K−1, with their uncertainty.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassPrediction {
    /// π_c (n × K).
    pub prob: DMatrix<f64>,
    /// Delta-method standard errors.
    pub se: DMatrix<f64>,
    /// Lower end of the logit-scale interval.
    pub lower: DMatrix<f64>,
    /// Upper end.
    pub upper: DMatrix<f64>,
    /// The most probable class of each row.
    pub class: Vec<usize>,
}

/// Average marginal effects ∂π_c/∂x_j averaged over rows (p × K), with standard errors.
#[derive(Debug, Clone, PartialEq)]
pub struct MarginalEffects {
    /// Effect of feature j (row) on class c (column).
    pub effect: DMatrix<f64>,
    /// Delta-method standard errors.
    pub se: DMatrix<f64>,
}

/// The covariance of a proportional-odds fit, (θ, β) of size K−1+p, in the boundary-specific
/// layout: Z V Zᵀ with Z copying β into every block.
pub fn po_covariance(cov: &DMatrix<f64>, k1: usize, p: usize) -> Result<DMatrix<f64>> {
    if cov.nrows() != k1 + p || cov.ncols() != k1 + p {
        return Err(Error::DimensionMismatch {
            what: "proportional-odds covariance (K-1+p square)",
            expected: k1 + p,
            got: cov.nrows(),
        });
    }
    let map = |i: usize| if i < k1 { i } else { k1 + (i - k1) % p };
    let d = k1 * (1 + p);
    Ok(DMatrix::from_fn(d, d, |i, j| cov[(map(i), map(j))]))
}

impl ModelWithCovariance {
    /// `coef` is (K−1) × p with row k = b_k; `cov` is the covariance in the layout of the
    /// module docs (size (K−1)(1+p)).
    pub fn new(
        link: Link,
        cutpoints: Vec<f64>,
        coef: DMatrix<f64>,
        cov: DMatrix<f64>,
    ) -> Result<Self> {
        let k1 = cutpoints.len();
        if coef.nrows() != k1 {
            return Err(Error::DimensionMismatch {
                what: "slope rows vs cutpoints",
                expected: k1,
                got: coef.nrows(),
            });
        }
        let d = k1 * (1 + coef.ncols());
        if cov.nrows() != d || cov.ncols() != d {
            return Err(Error::DimensionMismatch {
                what: "covariance size ((K-1)(1+p))",
                expected: d,
                got: cov.nrows(),
            });
        }
        Ok(Self {
            link,
            cutpoints,
            coef,
            cov,
        })
    }

    fn k1(&self) -> usize {
        self.cutpoints.len()
    }

    fn p(&self) -> usize {
        self.coef.ncols()
    }

    fn check_x(&self, x: &DMatrix<f64>) -> Result<()> {
        if x.ncols() != self.p() {
            return Err(Error::DimensionMismatch {
                what: "feature columns",
                expected: self.p(),
                got: x.ncols(),
            });
        }
        crate::error::check::all_finite("x", x.as_slice())
    }

    /// η_k of row `x`.
    fn eta(&self, x: &[f64], k: usize) -> f64 {
        self.cutpoints[k]
            - self
                .coef
                .row(k)
                .iter()
                .zip(x)
                .map(|(b, v)| b * v)
                .sum::<f64>()
    }

    /// Gradient d_k(x) of η_k in ψ.
    fn d_eta(&self, x: &[f64], k: usize) -> DVector<f64> {
        let (k1, p) = (self.k1(), self.p());
        let mut d = DVector::zeros(k1 * (1 + p));
        d[k] = 1.0;
        for (j, v) in x.iter().enumerate() {
            d[k1 + k * p + j] = -v;
        }
        d
    }

    fn quad(&self, g: &DVector<f64>) -> f64 {
        (g.transpose() * &self.cov * g)[(0, 0)].max(0.0)
    }

    /// Cumulative probabilities with standard errors and link-scale intervals at `level`.
    pub fn cumulative(&self, x: &DMatrix<f64>, level: f64) -> Result<CumulativePrediction> {
        self.check_x(x)?;
        let zc = z_critical(level)?;
        let (n, k1) = (x.nrows(), self.k1());
        let mut out = CumulativePrediction {
            eta: DMatrix::zeros(n, k1),
            eta_se: DMatrix::zeros(n, k1),
            prob: DMatrix::zeros(n, k1),
            se: DMatrix::zeros(n, k1),
            lower: DMatrix::zeros(n, k1),
            upper: DMatrix::zeros(n, k1),
        };
        for i in 0..n {
            let row: Vec<f64> = x.row(i).iter().copied().collect();
            for k in 0..k1 {
                let eta = self.eta(&row, k);
                let se_eta = self.quad(&self.d_eta(&row, k)).sqrt();
                out.eta[(i, k)] = eta;
                out.eta_se[(i, k)] = se_eta;
                out.prob[(i, k)] = self.link.cdf(eta);
                out.se[(i, k)] = self.link.pdf(eta) * se_eta;
                out.lower[(i, k)] = self.link.cdf(eta - zc * se_eta);
                out.upper[(i, k)] = self.link.cdf(eta + zc * se_eta);
            }
        }
        Ok(out)
    }

    /// Class probabilities with standard errors and clm's logit-scale intervals at `level`.
    /// Crossing boundary-specific slopes give negative raw probabilities, reported as they are.
    pub fn classes(&self, x: &DMatrix<f64>, level: f64) -> Result<ClassPrediction> {
        self.check_x(x)?;
        let zc = z_critical(level)?;
        let (n, k1) = (x.nrows(), self.k1());
        let k = k1 + 1;
        let mut out = ClassPrediction {
            prob: DMatrix::zeros(n, k),
            se: DMatrix::zeros(n, k),
            lower: DMatrix::zeros(n, k),
            upper: DMatrix::zeros(n, k),
            class: vec![0; n],
        };
        let link = self.link;
        for i in 0..n {
            let row: Vec<f64> = x.row(i).iter().copied().collect();
            let eta: Vec<f64> = (0..k1).map(|k| self.eta(&row, k)).collect();
            for c in 0..k {
                let a = if c < k1 { eta[c] } else { f64::INFINITY };
                let b = if c > 0 { eta[c - 1] } else { f64::NEG_INFINITY };
                let pi = if a > b {
                    link.log_prob(a, b).exp()
                } else {
                    link.cdf(a) - link.cdf(b)
                };
                let mut g = DVector::zeros(k1 * (1 + self.p()));
                if c < k1 {
                    g += self.d_eta(&row, c) * link.pdf(a);
                }
                if c > 0 {
                    g -= self.d_eta(&row, c - 1) * link.pdf(b);
                }
                let se = self.quad(&g).sqrt();
                out.prob[(i, c)] = pi;
                out.se[(i, c)] = se;
                let (lo, hi) = if pi > 0.0 && pi < 1.0 {
                    let (l, s) = ((pi / (1.0 - pi)).ln(), se / (pi * (1.0 - pi)));
                    (Link::Logit.cdf(l - zc * s), Link::Logit.cdf(l + zc * s))
                } else {
                    (pi, pi)
                };
                out.lower[(i, c)] = lo;
                out.upper[(i, c)] = hi;
            }
            out.class[i] = (0..k)
                .max_by(|&u, &v| {
                    out.prob[(i, u)]
                        .total_cmp(&out.prob[(i, v)])
                        .then(v.cmp(&u))
                })
                .unwrap_or(0);
        }
        Ok(out)
    }

    /// Average marginal effects over the rows of `x` with observation weights `weights`
    /// (`None`: equal weights).
    pub fn marginal_effects(
        &self,
        x: &DMatrix<f64>,
        weights: Option<&[f64]>,
    ) -> Result<MarginalEffects> {
        self.check_x(x)?;
        let (n, k1, p) = (x.nrows(), self.k1(), self.p());
        let w: Vec<f64> = match weights {
            Some(w) if w.len() != n => {
                return Err(Error::DimensionMismatch {
                    what: "weights",
                    expected: n,
                    got: w.len(),
                });
            }
            Some(w) => w.to_vec(),
            None => vec![1.0; n],
        };
        let total: f64 = w.iter().sum();
        if total.is_nan() || total <= 0.0 || n == 0 {
            return Err(Error::InvalidData(
                "marginal effects need rows with positive total weight".into(),
            ));
        }
        // Per boundary: u_k = Σ w f(η_k), t_k = Σ w f'(η_k), s_k = Σ w f'(η_k) x.
        let mut u = vec![0.0; k1];
        let mut t = vec![0.0; k1];
        let mut s = DMatrix::<f64>::zeros(p, k1);
        for (i, &wi) in w.iter().enumerate() {
            let row: Vec<f64> = x.row(i).iter().copied().collect();
            for k in 0..k1 {
                let eta = self.eta(&row, k);
                let (f, df) = (self.link.pdf(eta), self.link.dpdf(eta));
                u[k] += wi * f;
                t[k] += wi * df;
                for (j, v) in row.iter().enumerate() {
                    s[(j, k)] += wi * df * v;
                }
            }
        }
        // A_kj = Σ_i w_i f(η_ik) b_kj / N and its gradient in ψ.
        let d = k1 * (1 + p);
        let a_val = |k: usize, j: usize| u[k] * self.coef[(k, j)] / total;
        let a_grad = |k: usize, j: usize| {
            let b = self.coef[(k, j)];
            let mut g = DVector::zeros(d);
            g[k] = t[k] * b / total;
            for m in 0..p {
                g[k1 + k * p + m] = -b * s[(m, k)] / total;
            }
            g[k1 + k * p + j] += u[k] / total;
            g
        };
        let mut effect = DMatrix::zeros(p, k1 + 1);
        let mut se = DMatrix::zeros(p, k1 + 1);
        for j in 0..p {
            for c in 0..=k1 {
                let mut g = DVector::zeros(d);
                let mut v = 0.0;
                if c > 0 {
                    v += a_val(c - 1, j);
                    g += a_grad(c - 1, j);
                }
                if c < k1 {
                    v -= a_val(c, j);
                    g -= a_grad(c, j);
                }
                effect[(j, c)] = v;
                se[(j, c)] = self.quad(&g).sqrt();
            }
        }
        Ok(MarginalEffects { effect, se })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3-class model with boundary-specific slopes and a dense covariance.
    fn model_parts() -> (Vec<f64>, DMatrix<f64>, DMatrix<f64>) {
        let theta = vec![-0.4, 1.1];
        let coef = DMatrix::from_row_slice(2, 2, &[0.7, -0.3, 0.5, -0.1]);
        let a = DMatrix::from_fn(6, 6, |i, j| ((i * 7 + j * 3) % 5) as f64 * 0.05 + 0.02);
        let cov = &a * a.transpose() + DMatrix::identity(6, 6) * 0.01;
        (theta, coef, cov)
    }

    fn pack(theta: &[f64], coef: &DMatrix<f64>) -> DVector<f64> {
        let (k1, p) = (coef.nrows(), coef.ncols());
        DVector::from_fn(k1 * (1 + p), |i, _| {
            if i < k1 {
                theta[i]
            } else {
                coef[((i - k1) / p, (i - k1) % p)]
            }
        })
    }

    fn unpack(psi: &DVector<f64>, k1: usize, p: usize) -> (Vec<f64>, DMatrix<f64>) {
        let theta = psi.rows(0, k1).iter().copied().collect();
        let coef = DMatrix::from_fn(k1, p, |k, j| psi[k1 + k * p + j]);
        (theta, coef)
    }

    /// Delta-method variance gᵀVg with g a central-difference gradient of `h(ψ)`.
    fn fd_se(psi: &DVector<f64>, cov: &DMatrix<f64>, h: impl Fn(&DVector<f64>) -> f64) -> f64 {
        let e = 1e-6;
        let g = DVector::from_fn(psi.len(), |i, _| {
            let (mut a, mut b) = (psi.clone(), psi.clone());
            a[i] += e;
            b[i] -= e;
            (h(&a) - h(&b)) / (2.0 * e)
        });
        (g.transpose() * cov * &g)[(0, 0)].sqrt()
    }

    #[test]
    fn standard_errors_match_numerical_delta_method() {
        let (theta, coef, cov) = model_parts();
        let x = DMatrix::from_row_slice(3, 2, &[0.2, -1.0, 1.5, 0.3, -0.7, 0.9]);
        let psi = pack(&theta, &coef);
        for link in Link::ALL {
            let m =
                ModelWithCovariance::new(link, theta.clone(), coef.clone(), cov.clone()).unwrap();
            let cum = m.cumulative(&x, 0.95).unwrap();
            let cls = m.classes(&x, 0.95).unwrap();
            for i in 0..3 {
                let row: Vec<f64> = x.row(i).iter().copied().collect();
                let prob_at = |q: &DVector<f64>, c: usize| {
                    let (t, b) = unpack(q, 2, 2);
                    let eta = |k: usize| t[k] - b[(k, 0)] * row[0] - b[(k, 1)] * row[1];
                    let hi = if c < 2 { link.cdf(eta(c)) } else { 1.0 };
                    let lo = if c > 0 { link.cdf(eta(c - 1)) } else { 0.0 };
                    hi - lo
                };
                for c in 0..3 {
                    let want = fd_se(&psi, &cov, |q| prob_at(q, c));
                    assert!((cls.se[(i, c)] - want).abs() < 1e-8, "{link} class se");
                    assert!((cls.prob[(i, c)] - prob_at(&psi, c)).abs() < 1e-14);
                    assert!(
                        cls.lower[(i, c)] < cls.prob[(i, c)]
                            && cls.prob[(i, c)] < cls.upper[(i, c)]
                    );
                }
                for k in 0..2 {
                    let cum_at =
                        |q: &DVector<f64>| prob_at(q, 0) + if k == 1 { prob_at(q, 1) } else { 0.0 };
                    let want = fd_se(&psi, &cov, cum_at);
                    assert!((cum.se[(i, k)] - want).abs() < 1e-8, "{link} cumulative se");
                    assert!((cum.prob[(i, k)] - cum_at(&psi)).abs() < 1e-14);
                    let (lo, hi) = (cum.lower[(i, k)], cum.upper[(i, k)]);
                    assert!(0.0 < lo && lo < cum.prob[(i, k)] && cum.prob[(i, k)] < hi && hi < 1.0);
                }
                let best = (0..3).max_by(|&a, &b| cls.prob[(i, a)].total_cmp(&cls.prob[(i, b)]));
                assert_eq!(Some(cls.class[i]), best);
            }
        }
    }

    #[test]
    fn marginal_effects_match_numerical_derivatives() {
        let (theta, coef, cov) = model_parts();
        let x = DMatrix::from_row_slice(4, 2, &[0.2, -1.0, 1.5, 0.3, -0.7, 0.9, 0.0, 0.4]);
        let w = [1.0, 2.0, 1.0, 3.0];
        let psi = pack(&theta, &coef);
        for link in Link::ALL {
            let m =
                ModelWithCovariance::new(link, theta.clone(), coef.clone(), cov.clone()).unwrap();
            let me = m.marginal_effects(&x, Some(&w)).unwrap();
            // AME by differentiating the class probabilities in x numerically.
            let ame_at = |q: &DVector<f64>, j: usize, c: usize| {
                let (t, b) = unpack(q, 2, 2);
                let mut acc = 0.0;
                for i in 0..4 {
                    let pr = |xr: [f64; 2]| {
                        let eta = |k: usize| t[k] - b[(k, 0)] * xr[0] - b[(k, 1)] * xr[1];
                        let hi = if c < 2 { link.cdf(eta(c)) } else { 1.0 };
                        let lo = if c > 0 { link.cdf(eta(c - 1)) } else { 0.0 };
                        hi - lo
                    };
                    let (mut up, mut dn) = ([x[(i, 0)], x[(i, 1)]], [x[(i, 0)], x[(i, 1)]]);
                    up[j] += 1e-6;
                    dn[j] -= 1e-6;
                    acc += w[i] * (pr(up) - pr(dn)) / 2e-6;
                }
                acc / 7.0
            };
            for j in 0..2 {
                let row_sum: f64 = (0..3).map(|c| me.effect[(j, c)]).sum();
                assert!(row_sum.abs() < 1e-15, "effects on all classes sum to 0");
                for c in 0..3 {
                    assert!(
                        (me.effect[(j, c)] - ame_at(&psi, j, c)).abs() < 1e-8,
                        "{link} AME"
                    );
                    // The SE of an average of derivatives: a smoother function of ψ, so a coarser
                    // numerical gradient (nested differences) is compared loosely.
                    let want = fd_se(&psi, &cov, |q| {
                        let (t, b) = unpack(q, 2, 2);
                        let mm = ModelWithCovariance::new(link, t, b, cov.clone()).unwrap();
                        mm.marginal_effects(&x, Some(&w)).unwrap().effect[(j, c)]
                    });
                    assert!((me.se[(j, c)] - want).abs() < 1e-7, "{link} AME se");
                }
            }
        }
    }

    #[test]
    fn po_covariance_copies_the_slope_block() {
        let v = DMatrix::from_fn(4, 4, |i, j| (i * 4 + j) as f64);
        let full = po_covariance(&v, 2, 2).unwrap();
        assert_eq!(full.nrows(), 6);
        assert_eq!(full[(2, 4)], v[(2, 2)]);
        assert_eq!(full[(5, 1)], v[(3, 1)]);
        assert!(po_covariance(&v, 3, 2).is_err());
        let coef = DMatrix::zeros(2, 2);
        assert!(ModelWithCovariance::new(Link::Logit, vec![0.0, 1.0], coef, v).is_err());
    }
}

//! Multivariate Gaussian models with restricted covariance, t(x) = (x, xᵀP_q x for each
//! quadratic pattern P_q): isotropic (one pattern, P = I), diagonal (P = e_i e_iᵀ), graphical
//! with edge set E (diagonal patterns plus sym(e_i e_jᵀ) for (i, j) ∈ E), full. The univariate
//! normal is the diagonal model with d = 1, t = (x, x²).
//!
//! Natural parameters: θ = (θ_x, θ_q) with precision K = −2 Σ_q θ_q P_q and mean m = K⁻¹θ_x;
//! ψ(θ) = ½ θ_xᵀ m − ½ log det K + (d/2) log 2π, h = 1.
//!
//! Cumulants of the statistics under any Gaussian N(m, Σ) are closed forms for quadratic forms
//! Q = zᵀAz + bᵀz of z ~ N(0, Σ) (Mathai & Provost 1992, thm 3.2b.2, polarized to joint
//! cumulants): κ(Q₁,Q₂) = 2 tr(A₁ΣA₂Σ) + b₁ᵀΣb₂;
//! κ(Q₁,Q₂,Q₃) = 8 tr(A₁ΣA₂ΣA₃Σ) + 2 Σ_{j} b_iᵀΣA_jΣb_k (three chains);
//! κ(Q₁..Q₄) = 16 Σ_{3 cyclic orders} tr(A ΣA ΣA ΣA Σ) + 4 Σ_{12 chains} b_iᵀΣA_jΣA_kΣb_l.
//! The same formulas give the model cumulants at θ* and the truth's J and λ3 when the truth is
//! Gaussian.

use crate::error::{Error, Result};
use crate::expfam::family::{ExponentialFamily, ModelCumulants, Projection, TruthMoments};
use crate::expfam::projection::information_projection;
use crate::expfam::tensor::{Fourth, QuarticForm, Tensor3, Tensor4};
use crate::expfam::truth::{Truth, Univariate};
use crate::linalg::Cholesky;
use crate::rng::Rng;
use nalgebra::{DMatrix, DVector};
use rand_distr::{Distribution, StandardNormal};
use std::sync::Arc;

/// Which covariance matrices the model allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Structure {
    /// Σ = σ² I (p = d + 1).
    Isotropic,
    /// Σ diagonal (p = 2d).
    Diagonal,
    /// Precision zero off the given edges (p = 2d + |E|); edges are (i, j) with i < j.
    Graphical(Vec<(usize, usize)>),
    /// Unrestricted Σ (p = d + d(d+1)/2).
    Full,
}

/// Sparse symmetric pattern matrix: entries (r, s, w).
type Pattern = Vec<(usize, usize, f64)>;

/// A Gaussian model with restricted covariance.
#[derive(Debug, Clone)]
pub struct Gaussian {
    d: usize,
    structure: Structure,
    patterns: Vec<Pattern>,
    edges: Vec<(usize, usize)>,
}

/// Mean and covariance of a Gaussian.
#[derive(Debug, Clone)]
pub struct MeanCov {
    /// Mean m.
    pub mean: DVector<f64>,
    /// Covariance Σ.
    pub cov: DMatrix<f64>,
}

impl Gaussian {
    /// The univariate normal N(μ, σ²), t = (x, x²).
    pub fn normal() -> Self {
        Self::new(1, Structure::Diagonal).expect("d = 1 is valid")
    }

    /// A d-variate model with the given covariance structure.
    pub fn new(d: usize, structure: Structure) -> Result<Self> {
        crate::error::check::at_least("dim", d, 1)?;
        let diag: Vec<Pattern> = (0..d).map(|i| vec![(i, i, 1.0)]).collect();
        let (patterns, edges) = match &structure {
            Structure::Isotropic => (vec![(0..d).map(|i| (i, i, 1.0)).collect()], Vec::new()),
            Structure::Diagonal => (diag, Vec::new()),
            Structure::Full => {
                let e: Vec<(usize, usize)> = (0..d)
                    .flat_map(|i| (i + 1..d).map(move |j| (i, j)))
                    .collect();
                let mut p = diag;
                p.extend(e.iter().map(|&(i, j)| vec![(i, j, 0.5), (j, i, 0.5)]));
                (p, e)
            }
            Structure::Graphical(list) => {
                let mut e = Vec::with_capacity(list.len());
                for &(a, b) in list {
                    let (i, j) = (a.min(b), a.max(b));
                    if i == j || j >= d {
                        return Err(Error::param(
                            "edges",
                            format!("({a}, {b})"),
                            format!("edge must join two distinct variables in 0..{d}"),
                        ));
                    }
                    if e.contains(&(i, j)) {
                        return Err(Error::param(
                            "edges",
                            format!("({a}, {b})"),
                            "edge listed twice",
                        ));
                    }
                    e.push((i, j));
                }
                let mut p = diag;
                p.extend(e.iter().map(|&(i, j)| vec![(i, j, 0.5), (j, i, 0.5)]));
                (p, e)
            }
        };
        Ok(Self {
            d,
            structure,
            patterns,
            edges,
        })
    }

    /// Variables d.
    pub fn d(&self) -> usize {
        self.d
    }

    /// The structure.
    pub fn structure(&self) -> &Structure {
        &self.structure
    }

    /// Edges of the off-diagonal precision pattern (empty unless graphical / full).
    pub fn edges(&self) -> &[(usize, usize)] {
        &self.edges
    }

    fn precision(&self, theta: &DVector<f64>) -> DMatrix<f64> {
        let mut k = DMatrix::zeros(self.d, self.d);
        for (q, pat) in self.patterns.iter().enumerate() {
            let th = theta[self.d + q];
            for &(r, s, w) in pat {
                k[(r, s)] -= 2.0 * th * w;
            }
        }
        k
    }

    /// (m, Σ) of g_θ.
    pub fn mean_cov(&self, theta: &DVector<f64>) -> Result<MeanCov> {
        if theta.len() != self.dim() {
            return Err(Error::DimensionMismatch {
                what: "natural parameter",
                expected: self.dim(),
                got: theta.len(),
            });
        }
        crate::error::check::all_finite("theta", theta.as_slice())?;
        let k = self.precision(theta);
        let ch = Cholesky::new(&k, "precision matrix")?;
        let th_x = DVector::from_fn(self.d, |i, _| theta[i]);
        Ok(MeanCov {
            mean: ch.solve(&th_x),
            cov: ch.inverse(),
        })
    }

    /// θ of N(m, Σ); Σ must obey the structure (only the pattern entries of K = Σ⁻¹ are read).
    pub fn natural(&self, mean: &DVector<f64>, cov: &DMatrix<f64>) -> Result<DVector<f64>> {
        let k = Cholesky::new(cov, "covariance matrix")?.inverse();
        Ok(self.natural_from_precision(mean, &k))
    }

    fn natural_from_precision(&self, mean: &DVector<f64>, k: &DMatrix<f64>) -> DVector<f64> {
        let mut theta = DVector::zeros(self.dim());
        let km = k * mean;
        for i in 0..self.d {
            theta[i] = km[i];
        }
        for (q, pat) in self.patterns.iter().enumerate() {
            let (r, s, _) = pat[0];
            // Diagonal patterns: θ = −K_ii/2; off-diagonal x_i x_j: θ = −K_ij; isotropic: −k/2.
            theta[self.d + q] = if r == s { -k[(r, r)] / 2.0 } else { -k[(r, s)] };
        }
        theta
    }

    /// Quadratic forms of the statistics about the mean: t_a − E t_a = zᵀA_a z + b_aᵀz.
    fn forms(&self, m: &DVector<f64>) -> Vec<(Option<&Pattern>, DVector<f64>)> {
        let mut out = Vec::with_capacity(self.dim());
        for i in 0..self.d {
            let mut b = DVector::zeros(self.d);
            b[i] = 1.0;
            out.push((None, b));
        }
        for pat in &self.patterns {
            let mut b = DVector::zeros(self.d);
            for &(r, s, w) in pat {
                b[r] += 2.0 * w * m[s];
            }
            out.push((Some(pat), b));
        }
        out
    }

    /// Mean, covariance and third cumulant of t under N(m, Σ), and its fourth cumulant as a
    /// closed-form contraction.
    pub fn statistic_cumulants(
        &self,
        mc: &MeanCov,
    ) -> (DVector<f64>, DMatrix<f64>, Tensor3, GaussianQuartic) {
        self.statistic_moments(mc, true)
    }

    fn statistic_moments(
        &self,
        mc: &MeanCov,
        higher: bool,
    ) -> (DVector<f64>, DMatrix<f64>, Tensor3, GaussianQuartic) {
        let (m, sig) = (&mc.mean, &mc.cov);
        let p = self.dim();
        let forms = self.forms(m);
        let mut mean = DVector::zeros(p);
        for i in 0..self.d {
            mean[i] = m[i];
        }
        for (q, pat) in self.patterns.iter().enumerate() {
            mean[self.d + q] = pat
                .iter()
                .map(|&(r, s, w)| w * (sig[(s, r)] + m[r] * m[s]))
                .sum();
        }
        let u: Vec<DVector<f64>> = forms.iter().map(|(_, b)| sig * b).collect();
        let tr2 = |a: &Pattern, b: &Pattern| -> f64 {
            let mut s = 0.0;
            for &(r1, s1, w1) in a {
                for &(r2, s2, w2) in b {
                    s += w1 * w2 * sig[(s1, r2)] * sig[(s2, r1)];
                }
            }
            s
        };
        let quad = |pat: &Pattern, x: &DVector<f64>, y: &DVector<f64>| -> f64 {
            pat.iter().map(|&(r, s, w)| w * x[r] * y[s]).sum()
        };
        let mut cov = DMatrix::zeros(p, p);
        for a in 0..p {
            for b in a..p {
                let mut v = forms[a].1.dot(&u[b]);
                if let (Some(pa), Some(pb)) = (forms[a].0, forms[b].0) {
                    v += 2.0 * tr2(pa, pb);
                }
                cov[(a, b)] = v;
                cov[(b, a)] = v;
            }
        }
        let mut k3 = Tensor3::zeros(if higher { p } else { 0 });
        for a in 0..if higher { p } else { 0 } {
            for b in a..p {
                for c in b..p {
                    let mut v = 0.0;
                    if let (Some(pa), Some(pb), Some(pc)) = (forms[a].0, forms[b].0, forms[c].0) {
                        let mut t = 0.0;
                        for &(r1, s1, w1) in pa {
                            for &(r2, s2, w2) in pb {
                                let x12 = w1 * w2 * sig[(s1, r2)];
                                for &(r3, s3, w3) in pc {
                                    t += x12 * w3 * sig[(s2, r3)] * sig[(s3, r1)];
                                }
                            }
                        }
                        v += 8.0 * t;
                    }
                    if let Some(pb) = forms[b].0 {
                        v += 2.0 * quad(pb, &u[a], &u[c]);
                    }
                    if let Some(pa) = forms[a].0 {
                        v += 2.0 * quad(pa, &u[b], &u[c]);
                    }
                    if let Some(pc) = forms[c].0 {
                        v += 2.0 * quad(pc, &u[a], &u[b]);
                    }
                    *k3.at(a, b, c) = v;
                }
            }
        }
        crate::expfam::family::symmetrize_upper(&mut k3, 1.0);
        let dense_a: Vec<DMatrix<f64>> = forms
            .iter()
            .map(|(pat, _)| {
                let mut a = DMatrix::zeros(self.d, self.d);
                if let Some(pat) = pat {
                    for &(r, s, w) in *pat {
                        a[(r, s)] += w;
                    }
                }
                a
            })
            .collect();
        let quartic = GaussianQuartic {
            sigma: sig.clone(),
            a: dense_a,
            b: forms.into_iter().map(|(_, b)| b).collect(),
        };
        (mean, cov, k3, quartic)
    }

    /// Moments of t under a Gaussian truth N(m, Σ) (any structure) or, for isotropic and
    /// diagonal models, under independent non-Gaussian coordinates.
    pub fn moments_under(&self, truth: &Truth) -> Result<TruthMoments> {
        match truth {
            Truth::Gaussian { mean, cov } => {
                if mean.len() != self.d {
                    return Err(Error::DimensionMismatch {
                        what: "truth dimension",
                        expected: self.d,
                        got: mean.len(),
                    });
                }
                Cholesky::new(cov, "truth covariance")?;
                let (eta, j, lambda3, _) = self.statistic_cumulants(&MeanCov {
                    mean: mean.clone(),
                    cov: cov.clone(),
                });
                Ok(TruthMoments { eta, j, lambda3 })
            }
            Truth::Univariate(u) if self.d == 1 => {
                self.independent_moments(std::slice::from_ref(u))
            }
            Truth::Independent(us) => self.independent_moments(us),
            other => Err(Error::InvalidData(format!(
                "truth {} does not fit the {} model",
                other.label(),
                self.name()
            ))),
        }
    }

    /// Independent coordinates: every statistic of an isotropic or diagonal model is a sum over
    /// coordinates of α x_i + β x_i², so joint cumulants are sums of per-coordinate cumulants of
    /// (x_i, x_i²), which need raw moments up to order 6.
    fn independent_moments(&self, us: &[Univariate]) -> Result<TruthMoments> {
        if us.len() != self.d {
            return Err(Error::DimensionMismatch {
                what: "truth coordinates",
                expected: self.d,
                got: us.len(),
            });
        }
        if !matches!(self.structure, Structure::Isotropic | Structure::Diagonal) {
            return Err(Error::InvalidData(
                "independent non-Gaussian coordinates are supported for isotropic and diagonal models; use a Gaussian truth for graphical models".into(),
            ));
        }
        let p = self.dim();
        // coef[a][i] = (α, β) of statistic a on coordinate i.
        let mut coef = vec![vec![(0.0, 0.0); self.d]; p];
        for (i, row) in coef.iter_mut().take(self.d).enumerate() {
            row[i].0 = 1.0;
        }
        for (q, pat) in self.patterns.iter().enumerate() {
            for &(r, _, w) in pat {
                coef[self.d + q][r].1 += w;
            }
        }
        let mut eta = DVector::zeros(p);
        let mut j = DMatrix::zeros(p, p);
        let mut lambda3 = Tensor3::zeros(p);
        for (i, u) in us.iter().enumerate() {
            let mu = u.raw_moments()?;
            let e = |k: usize| mu[k];
            // Cumulants of y = (x, x²): degrees 1 and 2.
            let deg = [1usize, 2usize];
            let m1 = [e(1), e(2)];
            let mut c2 = [[0.0; 2]; 2];
            let mut c3 = [[[0.0; 2]; 2]; 2];
            for a in 0..2 {
                for b in 0..2 {
                    let eab = e(deg[a] + deg[b]);
                    c2[a][b] = eab - m1[a] * m1[b];
                    for c in 0..2 {
                        let eabc = e(deg[a] + deg[b] + deg[c]);
                        let ebc = e(deg[b] + deg[c]);
                        let eac = e(deg[a] + deg[c]);
                        c3[a][b][c] = eabc - eab * m1[c] - eac * m1[b] - ebc * m1[a]
                            + 2.0 * m1[a] * m1[b] * m1[c];
                    }
                }
            }
            let v: Vec<[f64; 2]> = coef.iter().map(|row| [row[i].0, row[i].1]).collect();
            let active: Vec<usize> = (0..p).filter(|&a| v[a] != [0.0, 0.0]).collect();
            for &a in &active {
                eta[a] += v[a][0] * m1[0] + v[a][1] * m1[1];
                for &b in &active {
                    let mut s = 0.0;
                    for x in 0..2 {
                        for y in 0..2 {
                            s += v[a][x] * v[b][y] * c2[x][y];
                        }
                    }
                    j[(a, b)] += s;
                    for &c in &active {
                        let mut s3 = 0.0;
                        for x in 0..2 {
                            for y in 0..2 {
                                for z in 0..2 {
                                    s3 += v[a][x] * v[b][y] * v[c][z] * c3[x][y][z];
                                }
                            }
                        }
                        *lambda3.at(a, b, c) += s3;
                    }
                }
            }
        }
        Ok(TruthMoments { eta, j, lambda3 })
    }
}

/// The fourth cumulant of Gaussian statistics in closed form: the forms (A_a, b_a) about the
/// mean and Σ.
#[derive(Debug, Clone)]
pub struct GaussianQuartic {
    sigma: DMatrix<f64>,
    a: Vec<DMatrix<f64>>,
    b: Vec<DVector<f64>>,
}

impl GaussianQuartic {
    /// κ(Q_i, Q_j, Q_k, Q_l) for four forms (A, b), by the polarized formula.
    fn kappa4(&self, f: [(&DMatrix<f64>, &DVector<f64>); 4]) -> f64 {
        let sig = &self.sigma;
        let s: Vec<DMatrix<f64>> = f.iter().map(|(a, _)| *a * sig).collect();
        let tr4 = |i: usize, j: usize, k: usize, l: usize| (&s[i] * &s[j] * &s[k] * &s[l]).trace();
        let trace_part = 16.0 * (tr4(0, 1, 2, 3) + tr4(0, 1, 3, 2) + tr4(0, 2, 1, 3));
        let u: Vec<DVector<f64>> = f.iter().map(|(_, b)| sig * *b).collect();
        let mut chain = 0.0;
        for i in 0..4 {
            for l in i + 1..4 {
                let rest: Vec<usize> = (0..4).filter(|&x| x != i && x != l).collect();
                for (j, k) in [(rest[0], rest[1]), (rest[1], rest[0])] {
                    chain += (f[j].0 * &u[i]).dot(&(sig * (f[k].0 * &u[l])));
                }
            }
        }
        trace_part + 4.0 * chain
    }
}

impl QuarticForm for GaussianQuartic {
    /// Every entry of the fourth cumulant tensor (O(p⁴ d³): for tests and small models).
    fn dense(&self) -> Tensor4 {
        let p = self.a.len();
        let mut t = Tensor4::zeros(p);
        for i in 0..p {
            for j in 0..p {
                for k in 0..p {
                    for l in 0..p {
                        *t.at(i, j, k, l) = self.kappa4([
                            (&self.a[i], &self.b[i]),
                            (&self.a[j], &self.b[j]),
                            (&self.a[k], &self.b[k]),
                            (&self.a[l], &self.b[l]),
                        ]);
                    }
                }
            }
        }
        t
    }

    /// Σ_abcd k4_abcd M_ab M_cd: with M = Σ_i μ_i v_i v_iᵀ this is Σ_ij μ_i μ_j κ(Q_i,Q_i,Q_j,Q_j)
    /// for the combined forms Q_i = Σ_a v_ia t_a, O(p² d³) instead of O(p⁴).
    fn contract2(&self, m: &DMatrix<f64>) -> Result<f64> {
        let p = self.a.len();
        if m.nrows() != p || m.ncols() != p {
            return Err(Error::DimensionMismatch {
                what: "quartic contraction",
                expected: p,
                got: m.nrows(),
            });
        }
        let sym = (m + m.transpose()) * 0.5;
        let (vals, vecs) = crate::linalg::sym_eigen(&sym)?;
        let sig = &self.sigma;
        let dd = sig.nrows();
        let scale = vals.amax();
        let mut comb: Vec<(f64, DMatrix<f64>, DVector<f64>)> = Vec::new();
        for (idx, &mu) in vals.iter().enumerate() {
            if mu.abs() <= 1e-15 * scale {
                continue;
            }
            let mut a = DMatrix::zeros(dd, dd);
            let mut b = DVector::zeros(dd);
            for k in 0..p {
                let v = vecs[(k, idx)];
                if v != 0.0 {
                    a += &self.a[k] * v;
                    b += &self.b[k] * v;
                }
            }
            comb.push((mu, a, b));
        }
        let s: Vec<DMatrix<f64>> = comb.iter().map(|(_, a, _)| a * sig).collect();
        let s2: Vec<DMatrix<f64>> = s.iter().map(|x| x * x).collect();
        let w: Vec<DVector<f64>> = comb.iter().map(|(_, _, b)| sig * b).collect();
        let r = comb.len();
        // g[i][j] = A_j w_i
        let g: Vec<Vec<DVector<f64>>> = (0..r)
            .map(|i| (0..r).map(|j| &comb[j].1 * &w[i]).collect())
            .collect();
        let qf = |x: &DVector<f64>, y: &DVector<f64>| x.dot(&(sig * y));
        let mut total = 0.0;
        for i in 0..r {
            for j in 0..r {
                let tr_a: f64 = s2[i].component_mul(&s2[j].transpose()).sum();
                let sij = &s[i] * &s[j];
                let tr_b: f64 = sij.component_mul(&sij.transpose()).sum();
                let traces = 16.0 * (2.0 * tr_a + tr_b);
                let chains = 4.0
                    * (2.0 * qf(&g[i][j], &g[i][j])
                        + 2.0 * qf(&g[j][i], &g[j][i])
                        + 4.0 * (qf(&g[i][i], &g[j][j]) + qf(&g[i][j], &g[j][i])));
                total += comb[i].0 * comb[j].0 * (traces + chains);
            }
        }
        Ok(total)
    }
}

impl ExponentialFamily for Gaussian {
    fn truth_moments(&self, truth: &Truth) -> Result<TruthMoments> {
        self.moments_under(truth)
    }
    fn name(&self) -> String {
        match &self.structure {
            Structure::Diagonal if self.d == 1 => "normal".into(),
            Structure::Isotropic => format!("gaussian-iso(d={})", self.d),
            Structure::Diagonal => format!("gaussian-diag(d={})", self.d),
            Structure::Full => format!("gaussian-full(d={})", self.d),
            Structure::Graphical(_) => {
                format!("gaussian-graphical(d={}, |E|={})", self.d, self.edges.len())
            }
        }
    }
    fn dim(&self) -> usize {
        self.d + self.patterns.len()
    }
    fn obs_dim(&self) -> usize {
        self.d
    }
    fn statistic_names(&self) -> Vec<String> {
        let mut v: Vec<String> = (0..self.d).map(|i| format!("x{i}")).collect();
        for pat in &self.patterns {
            let (r, s, _) = pat[0];
            v.push(if pat.len() > 2 {
                "sum x_i^2".into()
            } else if r == s {
                format!("x{r}^2")
            } else {
                format!("x{r}*x{s}")
            });
        }
        v
    }
    fn sufficient_statistic(&self, x: &[f64], t: &mut [f64]) -> Result<()> {
        t[..self.d].copy_from_slice(&x[..self.d]);
        for (q, pat) in self.patterns.iter().enumerate() {
            t[self.d + q] = pat.iter().map(|&(r, s, w)| w * x[r] * x[s]).sum();
        }
        Ok(())
    }
    fn log_base_measure(&self, _x: &[f64]) -> f64 {
        0.0
    }
    fn log_partition(&self, theta: &DVector<f64>) -> Result<f64> {
        if theta.len() != self.dim() {
            return Err(Error::DimensionMismatch {
                what: "natural parameter",
                expected: self.dim(),
                got: theta.len(),
            });
        }
        crate::error::check::all_finite("theta", theta.as_slice())?;
        let k = self.precision(theta);
        let ch = Cholesky::new(&k, "precision matrix")?;
        let th_x = DVector::from_fn(self.d, |i, _| theta[i]);
        let m = ch.solve(&th_x);
        Ok(0.5 * th_x.dot(&m) - 0.5 * ch.log_det()
            + 0.5 * self.d as f64 * (2.0 * std::f64::consts::PI).ln())
    }
    fn mean(&self, theta: &DVector<f64>) -> Result<DVector<f64>> {
        let mc = self.mean_cov(theta)?;
        let mut eta = DVector::zeros(self.dim());
        for i in 0..self.d {
            eta[i] = mc.mean[i];
        }
        for (q, pat) in self.patterns.iter().enumerate() {
            eta[self.d + q] = pat
                .iter()
                .map(|&(r, s, w)| w * (mc.cov[(s, r)] + mc.mean[r] * mc.mean[s]))
                .sum();
        }
        Ok(eta)
    }
    fn fisher(&self, theta: &DVector<f64>) -> Result<DMatrix<f64>> {
        Ok(self.statistic_moments(&self.mean_cov(theta)?, false).1)
    }
    fn cumulants(&self, theta: &DVector<f64>) -> Result<ModelCumulants> {
        let mc = self.mean_cov(theta)?;
        let (mean, fisher, k3, q) = self.statistic_cumulants(&mc);
        Ok(ModelCumulants {
            mean,
            fisher,
            k3,
            k4: Fourth::ClosedForm(Arc::new(q)),
        })
    }
    fn sample(&self, theta: &DVector<f64>, rng: &mut Rng, x: &mut [f64]) -> Result<()> {
        let mc = self.mean_cov(theta)?;
        let l = mc
            .cov
            .clone()
            .cholesky()
            .ok_or_else(|| Error::Numerical("covariance matrix".into()))?
            .l();
        let z = DVector::from_fn(self.d, |_, _| StandardNormal.sample(rng));
        let v = &mc.mean + l * z;
        x.copy_from_slice(v.as_slice());
        Ok(())
    }
    fn initial_natural(&self, eta: &DVector<f64>) -> DVector<f64> {
        // The diagonal fit is always inside a graphical model's parameter space.
        let m = DVector::from_fn(self.d, |i, _| eta[i]);
        let mut k = DMatrix::zeros(self.d, self.d);
        for (q, pat) in self.patterns.iter().enumerate() {
            let (r, s, _) = pat[0];
            if r == s && pat.len() == 1 {
                k[(r, r)] = 1.0 / (eta[self.d + q] - m[r] * m[r]).max(1e-300);
            }
        }
        if matches!(self.structure, Structure::Isotropic) {
            let v = (eta[self.d] - m.norm_squared()) / self.d as f64;
            k = DMatrix::identity(self.d, self.d) / v.max(1e-300);
        }
        self.natural_from_precision(&m, &k)
    }
    fn natural_from_mean(&self, eta: &DVector<f64>) -> Result<DVector<f64>> {
        if eta.len() != self.dim() {
            return Err(Error::DimensionMismatch {
                what: "mean parameter",
                expected: self.dim(),
                got: eta.len(),
            });
        }
        let m = DVector::from_fn(self.d, |i, _| eta[i]);
        let var_err = |what: String| {
            Error::Numerical(format!("{what}: the sample covariance is singular, no MLE"))
        };
        match &self.structure {
            Structure::Isotropic => {
                let v = (eta[self.d] - m.norm_squared()) / self.d as f64;
                if v.is_nan() || v <= 0.0 {
                    return Err(var_err(format!("pooled variance {v}")));
                }
                Ok(self.natural_from_precision(&m, &(DMatrix::identity(self.d, self.d) / v)))
            }
            Structure::Diagonal => {
                let mut k = DMatrix::zeros(self.d, self.d);
                for i in 0..self.d {
                    let v = eta[self.d + i] - m[i] * m[i];
                    if v.is_nan() || v <= 1e-12 * eta[self.d + i].abs() {
                        return Err(var_err(format!("variance of x{i} = {v}")));
                    }
                    k[(i, i)] = 1.0 / v;
                }
                Ok(self.natural_from_precision(&m, &k))
            }
            Structure::Full => {
                let mut s = DMatrix::zeros(self.d, self.d);
                for (q, pat) in self.patterns.iter().enumerate() {
                    let (r, c, _) = pat[0];
                    let v = eta[self.d + q] - m[r] * m[c];
                    s[(r, c)] = v;
                    s[(c, r)] = v;
                }
                // Reject numerically singular covariances too (Cholesky can succeed on rounding).
                let (ev, _) = crate::linalg::sym_eigen(&s)?;
                if ev[0].is_nan() || ev[0] <= 1e-12 * ev[self.d - 1].abs() {
                    return Err(var_err(format!("smallest eigenvalue {:e}", ev[0])));
                }
                let k = Cholesky::new(&s, "sample covariance")
                    .map_err(|_| var_err("covariance".into()))?
                    .inverse();
                Ok(self.natural_from_precision(&m, &k))
            }
            Structure::Graphical(_) => Ok(self.project_mean(eta)?.theta),
        }
    }
    /// Closed forms except for a graphical structure, whose zero-precision constraints leave
    /// Newton's moment matching (the MLE exists when every variance is positive).
    fn project_mean(&self, eta: &DVector<f64>) -> Result<Projection> {
        if !matches!(self.structure, Structure::Graphical(_)) {
            return Ok(Projection::closed_form(self.natural_from_mean(eta)?));
        }
        if eta.len() != self.dim() {
            return Err(Error::DimensionMismatch {
                what: "mean parameter",
                expected: self.dim(),
                got: eta.len(),
            });
        }
        for i in 0..self.d {
            let v = eta[self.d + i] - eta[i] * eta[i];
            if v.is_nan() || v <= 0.0 {
                return Err(Error::Numerical(format!(
                    "variance of x{i}: the sample covariance is singular, no MLE"
                )));
            }
        }
        information_projection(self, eta)
    }
    fn kl(&self, theta0: &DVector<f64>, theta1: &DVector<f64>) -> Result<f64> {
        // Closed form ½[tr(K₁Σ₀) + (m₁−m₀)ᵀK₁(m₁−m₀) − d + log det Σ₁/det Σ₀]; equal to the
        // Bregman divergence of ψ, with less cancellation.
        let mc0 = self.mean_cov(theta0)?;
        let k1 = self.precision(theta1);
        let ch1 = Cholesky::new(&k1, "precision matrix")?;
        let m1 = ch1.solve(&DVector::from_fn(self.d, |i, _| theta1[i]));
        let k0 = self.precision(theta0);
        let ch0 = Cholesky::new(&k0, "precision matrix")?;
        let dm = &m1 - &mc0.mean;
        let tr = (&k1 * &mc0.cov).trace();
        Ok(0.5 * (tr + dm.dot(&(&k1 * &dm)) - self.d as f64 + ch0.log_det() - ch1.log_det()))
    }
}

//! Random designs and random k-sparse supports for the `sparse-random-support` claim
//! (spec §6 check 6, after Chandrasekaran, Meka, Stavropoulos, arXiv:2511.06211: the support of
//! w* is a uniformly random k-subset while the design may be arbitrarily ill-conditioned).
//!
//! Every draw comes from the [`Rng`] handed in, in a fixed order, so a design depends on the
//! (seed, claim, replicate) stream alone. Matrix products use nalgebra (single-threaded), never a
//! multi-threaded kernel whose floating-point reduction order could depend on the thread count.

use crate::error::{Error, Result};
use crate::estimator::RegressionData;
use crate::rng::Rng;
use nalgebra::{DMatrix, DVector};
use rand::RngExt;
use rand_distr::StandardNormal;

/// The four design families of spec §6 check 6.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Design {
    /// (a) iid N(0, 1) entries.
    Iid,
    /// (b) Rows are stationary Gaussian AR(1) sequences with unit variance:
    /// x_{i,1} = z_{i,1}, x_{i,j} = ρ x_{i,j-1} + √(1 − ρ²) z_{i,j}, so corr(x_j, x_l) = ρ^{|j−l|}.
    Ar1 {
        /// Lag-one correlation ρ ∈ (−1, 1); the claim uses 0.95.
        rho: f64,
    },
    /// (c) X = U diag(s) Vᵀ with Haar-random orthonormal U (N×m), V (d×m), m = min(N, d), and
    /// singular values geometric from 1 down to `smallest`; then every column rescaled to
    /// ‖x_j‖ = √N. The claim uses `smallest` = 1e-10.
    Geometric {
        /// Smallest singular value before column normalization, in (0, 1].
        smallest: f64,
    },
    /// (d) Near-duplicate columns: columns come in pairs (x_j, x_j + ε g_j) with x_j, g_j iid
    /// N(0, I_N); with odd d the last column has no twin. The claim uses ε = 1e-6.
    NearDuplicate {
        /// Perturbation size ε > 0.
        eps: f64,
    },
}

impl Design {
    /// The four designs of the claim with the spec's parameters.
    pub fn claim_designs() -> [Design; 4] {
        [
            Design::Iid,
            Design::Ar1 { rho: 0.95 },
            Design::Geometric { smallest: 1e-10 },
            Design::NearDuplicate { eps: 1e-6 },
        ]
    }

    /// Short name used as a key column value and in figures.
    pub fn name(&self) -> &'static str {
        match self {
            Design::Iid => "iid",
            Design::Ar1 { .. } => "ar1",
            Design::Geometric { .. } => "geometric",
            Design::NearDuplicate { .. } => "near-duplicate",
        }
    }

    fn validate(&self) -> Result<()> {
        match *self {
            Design::Iid => Ok(()),
            Design::Ar1 { rho } => {
                crate::error::check::in_open("rho", rho, -1.0, 1.0)?;
                Ok(())
            }
            Design::Geometric { smallest } => {
                if smallest.is_finite() && smallest > 0.0 && smallest <= 1.0 {
                    Ok(())
                } else {
                    Err(Error::param("smallest", smallest, "must lie in (0, 1]"))
                }
            }
            Design::NearDuplicate { eps } => {
                crate::error::check::positive("eps", eps)?;
                Ok(())
            }
        }
    }

    /// Draw an `n` × `d` design.
    pub fn sample(&self, n: usize, d: usize, rng: &mut Rng) -> Result<DMatrix<f64>> {
        crate::error::check::at_least("n", n, 1)?;
        crate::error::check::at_least("d", d, 1)?;
        self.validate()?;
        Ok(match *self {
            Design::Iid => gaussian_matrix(n, d, rng),
            Design::Ar1 { rho } => {
                let z = gaussian_matrix(n, d, rng);
                let c = (1.0 - rho * rho).sqrt();
                let mut x = z.clone();
                for j in 1..d {
                    for i in 0..n {
                        x[(i, j)] = rho * x[(i, j - 1)] + c * z[(i, j)];
                    }
                }
                x
            }
            Design::Geometric { smallest } => {
                let m = n.min(d);
                let u = haar_orthonormal(n, m, rng);
                let v = haar_orthonormal(d, m, rng);
                let s = geometric_singular_values(m, smallest);
                let mut x = u * DMatrix::from_diagonal(&s) * v.transpose();
                normalize_columns(&mut x);
                x
            }
            Design::NearDuplicate { eps } => {
                let base = gaussian_matrix(n, d.div_ceil(2), rng);
                let g = gaussian_matrix(n, d / 2, rng);
                DMatrix::from_fn(n, d, |i, j| {
                    let b = base[(i, j / 2)];
                    if j % 2 == 0 {
                        b
                    } else {
                        b + eps * g[(i, j / 2)]
                    }
                })
            }
        })
    }
}

/// Singular values s_i = smallest^{i/(m−1)}, i = 0..m−1 (geometric from 1 to `smallest`).
pub fn geometric_singular_values(m: usize, smallest: f64) -> DVector<f64> {
    if m == 1 {
        return DVector::from_element(1, 1.0);
    }
    DVector::from_fn(m, |i, _| smallest.powf(i as f64 / (m - 1) as f64))
}

/// An `n` × `d` matrix of iid N(0, 1) draws, filled column by column.
pub fn gaussian_matrix(n: usize, d: usize, rng: &mut Rng) -> DMatrix<f64> {
    let data: Vec<f64> = (0..n * d)
        .map(|_| rng.sample::<f64, _>(StandardNormal))
        .collect();
    DMatrix::from_vec(n, d, data)
}

/// An `n` × `m` matrix (m ≤ n) with orthonormal columns distributed uniformly (Haar): the Q
/// factor of a Gaussian matrix with the signs of R's diagonal absorbed (Mezzadri 2007).
fn haar_orthonormal(n: usize, m: usize, rng: &mut Rng) -> DMatrix<f64> {
    let qr = gaussian_matrix(n, m, rng).qr();
    let mut q = qr.q();
    let r = qr.r();
    for j in 0..m {
        if r[(j, j)] < 0.0 {
            q.column_mut(j).neg_mut();
        }
    }
    q
}

/// Rescale every nonzero column to Euclidean norm √n (the "bounded column norms" normalization
/// of the slow-rate bound, spec §1a).
pub fn normalize_columns(x: &mut DMatrix<f64>) {
    let target = (x.nrows() as f64).sqrt();
    for mut c in x.column_iter_mut() {
        let norm = c.norm();
        if norm > 0.0 {
            c *= target / norm;
        }
    }
}

/// A uniformly random `k`-subset of 0..d, sorted (partial Fisher–Yates shuffle).
pub fn random_support(d: usize, k: usize, rng: &mut Rng) -> Result<Vec<usize>> {
    check_sparsity(k, d)?;
    let mut idx: Vec<usize> = (0..d).collect();
    for i in 0..k {
        let j = rng.random_range(i..d);
        idx.swap(i, j);
    }
    let mut s = idx[..k].to_vec();
    s.sort_unstable();
    Ok(s)
}

/// k must satisfy 1 <= k <= d; the error names `k`.
pub(crate) fn check_sparsity(k: usize, d: usize) -> Result<()> {
    if k == 0 {
        return Err(Error::param("k", k, "must be >= 1"));
    }
    if k > d {
        return Err(Error::param(
            "k",
            k,
            format!("must be <= the number of features d = {d}"),
        ));
    }
    Ok(())
}

/// A k-sparse coefficient vector on `support` with entries ±(1 + |z|), z ~ N(0, 1): random signs
/// and magnitudes bounded away from zero, so every support entry is detectable at the claim's
/// noise level.
pub fn sparse_coefficients(d: usize, support: &[usize], rng: &mut Rng) -> Result<DVector<f64>> {
    let mut w = DVector::zeros(d);
    for &j in support {
        if j >= d {
            return Err(Error::param(
                "support",
                j,
                format!("index must be < d = {d}"),
            ));
        }
        let sign = if rng.random::<bool>() { 1.0 } else { -1.0 };
        let z: f64 = rng.sample(StandardNormal);
        w[j] = sign * (1.0 + z.abs());
    }
    Ok(w)
}

/// One simulated regression problem y = X w* + σ ξ.
#[derive(Debug, Clone)]
pub struct Problem {
    /// Design, N × d.
    pub x: DMatrix<f64>,
    /// Response.
    pub y: DVector<f64>,
    /// True coefficients.
    pub w_true: DVector<f64>,
    /// supp(w*), sorted.
    pub support: Vec<usize>,
}

impl Problem {
    /// Draw design, a uniformly random k-support, coefficients and N(0, σ²) noise, in that order.
    pub fn sample(
        design: Design,
        n: usize,
        d: usize,
        k: usize,
        sigma: f64,
        rng: &mut Rng,
    ) -> Result<Self> {
        crate::error::check::non_negative("sigma", sigma)?;
        check_sparsity(k, d)?;
        let x = design.sample(n, d, rng)?;
        let support = random_support(d, k, rng)?;
        let w_true = sparse_coefficients(d, &support, rng)?;
        let noise = DVector::from_fn(n, |_, _| rng.sample::<f64, _>(StandardNormal));
        let y = &x * &w_true + noise * sigma;
        Ok(Self {
            x,
            y,
            w_true,
            support,
        })
    }

    /// The (X, y) pair as estimator data (a copy; the problem keeps w* and its support).
    pub fn data(&self) -> Result<RegressionData> {
        RegressionData::new(self.x.clone(), self.y.clone())
    }

    /// Prediction error (1/N)‖X(ŵ − w*)‖² (the loss of arXiv:2511.06211).
    pub fn prediction_error(&self, w_hat: &DVector<f64>) -> f64 {
        prediction_error(&self.x, w_hat, &self.w_true)
    }
}

/// (1/N)‖X(ŵ − w*)‖².
pub fn prediction_error(x: &DMatrix<f64>, w_hat: &DVector<f64>, w_true: &DVector<f64>) -> f64 {
    let diff = w_hat - w_true;
    (x * diff).norm_squared() / x.nrows() as f64
}

/// F1 score of the estimated support {j : ŵ_j ≠ 0} against the true support; 1 when both are
/// empty.
pub fn support_f1(w_hat: &DVector<f64>, support: &[usize]) -> f64 {
    let est: Vec<usize> = (0..w_hat.len()).filter(|&j| w_hat[j] != 0.0).collect();
    let tp = est
        .iter()
        .filter(|j| support.binary_search(j).is_ok())
        .count() as f64;
    let denom = est.len() as f64 + support.len() as f64;
    if denom == 0.0 { 1.0 } else { 2.0 * tp / denom }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn support_is_uniform_subset_and_reproducible() {
        let a = random_support(50, 7, &mut stream(1, "t", 0)).unwrap();
        let b = random_support(50, 7, &mut stream(1, "t", 0)).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 7);
        assert!(a.windows(2).all(|w| w[0] < w[1]) && a[6] < 50);
        // Each index is chosen with probability k/d: count over many draws.
        let mut counts = [0usize; 10];
        let mut rng = stream(2, "t", 0);
        let draws = 20_000;
        for _ in 0..draws {
            for j in random_support(10, 3, &mut rng).unwrap() {
                counts[j] += 1;
            }
        }
        // Binomial(20000, 0.3): sd ≈ 65; 5 sd band.
        for c in counts {
            assert!((c as f64 - 6000.0).abs() < 325.0, "{c}");
        }
        assert!(random_support(5, 0, &mut rng).is_err());
        assert!(random_support(5, 6, &mut rng).is_err());
    }

    #[test]
    fn ar1_correlation_matches_rho_power() {
        let x = Design::Ar1 { rho: 0.95 }
            .sample(20_000, 4, &mut stream(3, "t", 0))
            .unwrap();
        let n = x.nrows() as f64;
        for (j, l) in [(0, 1), (0, 2), (1, 3)] {
            let c = x.column(j).dot(&x.column(l)) / n;
            let want = 0.95f64.powi((l - j) as i32);
            assert!((c - want).abs() < 0.02, "corr({j},{l}) = {c}, want {want}");
        }
        let v = x.column(3).norm_squared() / n;
        assert!((v - 1.0).abs() < 0.05);
    }

    #[test]
    fn geometric_design_has_the_prescribed_spectrum_before_normalization() {
        let mut rng = stream(4, "t", 0);
        let u = haar_orthonormal(30, 10, &mut rng);
        assert!((u.tr_mul(&u) - DMatrix::identity(10, 10)).norm() < 1e-12);
        let x = Design::Geometric { smallest: 1e-10 }
            .sample(30, 60, &mut rng)
            .unwrap();
        for c in x.column_iter() {
            assert!((c.norm() - 30f64.sqrt()).abs() < 1e-9);
        }
        // Column rescaling keeps the rank and a huge condition number.
        let s = x.clone().svd(false, false).singular_values;
        let (mx, mn) = (
            s.max(),
            s.iter()
                .copied()
                .filter(|v| *v > 0.0)
                .fold(f64::INFINITY, f64::min),
        );
        assert!(mx / mn > 1e6, "condition {}", mx / mn);
        let sv = geometric_singular_values(5, 1e-4);
        assert!(
            (sv[0] - 1.0).abs() < 1e-15
                && (sv[4] - 1e-4).abs() < 1e-18
                && (sv[2] - 1e-2).abs() < 1e-16
        );
    }

    #[test]
    fn near_duplicates_differ_by_eps_scale() {
        let x = Design::NearDuplicate { eps: 1e-6 }
            .sample(100, 7, &mut stream(5, "t", 0))
            .unwrap();
        for j in 0..3 {
            let diff = (x.column(2 * j + 1) - x.column(2 * j)).norm() / 10.0;
            assert!(diff > 1e-7 && diff < 1e-5, "{diff}");
        }
        assert!(
            Design::NearDuplicate { eps: 0.0 }
                .sample(3, 3, &mut stream(5, "t", 0))
                .is_err()
        );
        assert!(
            Design::Ar1 { rho: 1.0 }
                .sample(3, 3, &mut stream(5, "t", 0))
                .is_err()
        );
    }

    #[test]
    fn metrics() {
        let w = DVector::from_vec(vec![1.0, 0.0, 2.0, 0.0]);
        assert_eq!(support_f1(&w, &[0, 2]), 1.0);
        assert!((support_f1(&w, &[0, 1]) - 0.5).abs() < 1e-15);
        let x = DMatrix::identity(4, 4);
        assert!((prediction_error(&x, &w, &DVector::zeros(4)) - 5.0 / 4.0).abs() < 1e-15);
        let p = Problem::sample(Design::Iid, 20, 10, 3, 0.0, &mut stream(6, "t", 0)).unwrap();
        assert!((&p.x * &p.w_true - &p.y).norm() == 0.0);
        assert_eq!(p.support.len(), 3);
        assert!(p.support.iter().all(|&j| p.w_true[j].abs() >= 1.0));
    }
}

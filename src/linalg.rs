//! Shared numerics: stable scalar functions, thresholding, and faer-backed dense factorizations
//! on nalgebra matrices (column-major storage, so faer reads them in place without copying).

use crate::error::{Error, Result};
use faer::linalg::solvers::{Solve, SolveLstsq};
use nalgebra::{DMatrix, DVector};

/// Logistic function 1/(1+e^{-x}), evaluated without overflow for any finite x.
pub fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// log(1 + e^x) without overflow or loss of precision in either tail.
pub fn log1pexp(x: f64) -> f64 {
    if x > 33.3 {
        x + (-x).exp()
    } else if x > -37.0 {
        x.exp().ln_1p()
    } else {
        x.exp()
    }
}

/// log Σ exp(x_i); `-inf` for an empty slice.
pub fn logsumexp(xs: &[f64]) -> f64 {
    let m = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return m;
    }
    m + xs.iter().map(|&x| (x - m).exp()).sum::<f64>().ln()
}

/// `ln(e^a + e^b)` without overflow: the two-term [`logsumexp`] for running sums (a nested
/// sampler's evidence), with `-inf` as the empty sum's neutral element.
pub fn log_add_exp(a: f64, b: f64) -> f64 {
    if a == f64::NEG_INFINITY {
        return b;
    }
    if b == f64::NEG_INFINITY {
        return a;
    }
    let m = a.max(b);
    m + ((a - m).exp() + (b - m).exp()).ln()
}

/// Soft-thresholding operator S(z, t) = sign(z) max(|z| - t, 0) (Friedman et al. 2010, eq. 6).
pub fn soft_threshold(z: f64, t: f64) -> f64 {
    if z > t {
        z - t
    } else if z < -t {
        z + t
    } else {
        0.0
    }
}

/// A zero-copy faer view of an nalgebra matrix.
pub fn faer_view(a: &DMatrix<f64>) -> faer::MatRef<'_, f64> {
    faer::MatRef::from_column_major_slice(a.as_slice(), a.nrows(), a.ncols())
}

/// The lower triangle of `a^T a` into `dst` (faer's GEMM: each entry is one dot in a fixed
/// summation order, the same bits for any thread count), then [`clear_avx_upper`]. The Gram
/// matrices of the elastic net's covariance mode, the ordinal rank check and the multiplicity
/// Hessian all go through here.
pub fn gram_lower(dst: faer::MatMut<'_, f64>, a: faer::MatRef<'_, f64>, par: faer::Par) {
    use faer::linalg::matmul::triangular::{BlockStructure, matmul};
    matmul(
        dst,
        BlockStructure::TriangularLower,
        faer::Accum::Replace,
        a.transpose(),
        BlockStructure::Rectangular,
        a,
        BlockStructure::Rectangular,
        1.0,
        par,
    );
    clear_avx_upper(par);
}

/// faer's x86 GEMM kernels (AVX-512) return with the upper halves of the vector registers dirty.
/// Until a `vzeroupper`, every legacy-SSE instruction after them on that thread (the crate's
/// scalar f64 code, glibc's `exp` and `log`) pays a state-transition penalty, enough to make a
/// likelihood evaluated after the product several times slower (`docs/measurements/ordinal.md`).
/// Clears the state on this thread and, after a parallel product, on every worker of the current
/// rayon pool (faer's threads are rayon's).
pub fn clear_avx_upper(par: faer::Par) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // `vzeroupper` zeroes bits 128 and up of the vector registers, which no live value
        // holds across a function call.
        #[target_feature(enable = "avx")]
        fn zeroupper() {
            std::arch::x86_64::_mm256_zeroupper()
        }
        // SAFETY: AVX was just detected (the feature set is the machine's, so every core has it).
        let run = || unsafe { zeroupper() };
        run();
        if matches!(par, faer::Par::Rayon(_)) {
            rayon::broadcast(|_| run());
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = par;
}

fn to_nalgebra(m: faer::MatRef<'_, f64>) -> DMatrix<f64> {
    DMatrix::from_fn(m.nrows(), m.ncols(), |i, j| m[(i, j)])
}

/// Cholesky factor of a symmetric positive definite matrix; solves reuse it.
pub struct Cholesky {
    llt: faer::linalg::solvers::Llt<f64>,
    n: usize,
}

impl Cholesky {
    /// Factor `a` (only its lower triangle is read). `what` names the matrix in the error.
    pub fn new(a: &DMatrix<f64>, what: &str) -> Result<Self> {
        if a.nrows() != a.ncols() {
            return Err(Error::DimensionMismatch {
                what: "Cholesky (square matrix)",
                expected: a.nrows(),
                got: a.ncols(),
            });
        }
        let llt = faer_view(a)
            .llt(faer::Side::Lower)
            .map_err(|_| Error::Numerical(format!("{what} is not positive definite")))?;
        Ok(Self { llt, n: a.nrows() })
    }

    /// Solve A x = b.
    pub fn solve(&self, b: &DVector<f64>) -> DVector<f64> {
        let rhs = faer::MatRef::from_column_major_slice(b.as_slice(), self.n, 1);
        let x = self.llt.solve(rhs);
        DVector::from_fn(self.n, |i, _| x[(i, 0)])
    }

    /// Solve A X = B for a matrix right-hand side.
    pub fn solve_mat(&self, b: &DMatrix<f64>) -> DMatrix<f64> {
        to_nalgebra(self.llt.solve(faer_view(b)).as_ref())
    }

    /// A^{-1}.
    pub fn inverse(&self) -> DMatrix<f64> {
        self.solve_mat(&DMatrix::identity(self.n, self.n))
    }

    /// log det A = 2 Σ log L_ii.
    pub fn log_det(&self) -> f64 {
        let l = self.llt.L();
        (0..self.n).map(|i| l[(i, i)].ln()).sum::<f64>() * 2.0
    }
}

/// Lower Cholesky factor `L` (row-major, zeros above the diagonal) of a small symmetric `d x d`
/// matrix `a` (row-major; only its lower triangle is read); `None` unless positive definite (a
/// pivot that is not > 0, or NaN).
///
/// The textbook row-by-row (Cholesky-Banachiewicz) loop: every entry is one sum in increasing
/// index order without fused multiply-adds, so its rounding is fixed by this code alone.
/// [`Cholesky`] is the solver for everything else, but faer's kernels (blocked, SIMD with FMA)
/// round differently: on 20 000 random covariances of 2-10 dimensions, 97 % of the factors
/// differed from this one in the last bits (by up to 9e-13 relative). The nested sampler's
/// seeded runs depend on the last bits of its walk and bounding-ellipsoid factors (through
/// every accept/reject decision against `L*`), so it uses this one and its results stay
/// reproducible across faer versions.
pub fn cholesky_lower_row_major(a: &[f64], d: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..=i {
            let mut s = a[i * d + j];
            for p in 0..j {
                s -= l[i * d + p] * l[j * d + p];
            }
            if i == j {
                if s.is_nan() || s <= 0.0 {
                    return None;
                }
                l[i * d + i] = s.sqrt();
            } else {
                l[i * d + j] = s / l[j * d + j];
            }
        }
    }
    Some(l)
}

/// Solve A x = b for symmetric positive definite A.
pub fn spd_solve(a: &DMatrix<f64>, b: &DVector<f64>, what: &str) -> Result<DVector<f64>> {
    Ok(Cholesky::new(a, what)?.solve(b))
}

/// Eigen-decomposition of a symmetric matrix: eigenvalues ascending, eigenvectors as columns.
pub fn sym_eigen(a: &DMatrix<f64>) -> Result<(DVector<f64>, DMatrix<f64>)> {
    let evd = faer_view(a)
        .self_adjoint_eigen(faer::Side::Lower)
        .map_err(|e| Error::Numerical(format!("symmetric eigendecomposition failed: {e:?}")))?;
    let s = evd.S();
    let vals = DVector::from_fn(a.nrows(), |i, _| s[i]);
    Ok((vals, to_nalgebra(evd.U())))
}

/// Least squares min ||A x - b|| by a column-pivoted QR; `A` must have full column rank.
pub fn lstsq(a: &DMatrix<f64>, b: &DVector<f64>) -> Result<DVector<f64>> {
    if a.nrows() != b.len() {
        return Err(Error::DimensionMismatch {
            what: "least squares rows",
            expected: a.nrows(),
            got: b.len(),
        });
    }
    let qr = faer_view(a).col_piv_qr();
    let rhs = faer::MatRef::from_column_major_slice(b.as_slice(), b.len(), 1);
    let x = qr.solve_lstsq(rhs);
    let out = DVector::from_fn(a.ncols(), |i, _| x[(i, 0)]);
    if out.iter().all(|v| v.is_finite()) {
        Ok(out)
    } else {
        Err(Error::Numerical(
            "least squares: design is rank deficient".into(),
        ))
    }
}

/// Largest eigenvalue of XᵀX / n by power iteration (the Lipschitz constant of the least-squares
/// gradient). Deterministic start vector so results do not depend on any RNG.
pub fn max_eig_gram(x: &DMatrix<f64>, iters: usize) -> f64 {
    let n = x.nrows().max(1) as f64;
    let mut v = DVector::from_fn(x.ncols(), |i, _| {
        1.0 + (i as f64 * 0.618_033_988_75).fract()
    });
    let mut lambda = 0.0;
    for _ in 0..iters {
        let norm = v.norm();
        if norm == 0.0 {
            return 0.0;
        }
        v /= norm;
        let w = x.tr_mul(&(x * &v)) / n;
        let next = v.dot(&w);
        v = w;
        if (next - lambda).abs() <= 1e-12 * next.abs() {
            return next;
        }
        lambda = next;
    }
    lambda
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_scalars_match_naive_formulas_where_those_are_exact() {
        for &x in &[-30.0, -2.5, 0.0, 1.0, 20.0] {
            assert!((sigmoid(x) - 1.0 / (1.0 + f64::exp(-x))).abs() < 1e-15);
            assert!((log1pexp(x) - (1.0 + f64::exp(x)).ln()).abs() < 1e-14 * (1.0 + x.abs()));
        }
        assert_eq!(log1pexp(1000.0), 1000.0);
        assert!(log1pexp(-1000.0) >= 0.0);
        assert!((logsumexp(&[1000.0, 1000.0]) - (1000.0 + 2f64.ln())).abs() < 1e-12);
        assert!((log_add_exp(1000.0, 1000.0) - (1000.0 + 2f64.ln())).abs() < 1e-12);
        assert_eq!(log_add_exp(f64::NEG_INFINITY, -3.5), -3.5);
        assert_eq!(log_add_exp(2.0, f64::NEG_INFINITY), 2.0);
        assert_eq!(log_add_exp(-1.0, 0.5), logsumexp(&[-1.0, 0.5]));
        assert_eq!(soft_threshold(3.0, 1.0), 2.0);
        assert_eq!(soft_threshold(-3.0, 1.0), -2.0);
        assert_eq!(soft_threshold(0.5, 1.0), 0.0);
    }

    #[test]
    fn cholesky_solve_has_small_residual() {
        let n = 6;
        let b = DMatrix::from_fn(n, n, |i, j| ((i * 7 + j * 3) % 5) as f64 - 2.0);
        let a = &b * b.transpose() + DMatrix::identity(n, n);
        let rhs = DVector::from_fn(n, |i, _| i as f64 - 1.5);
        let ch = Cholesky::new(&a, "A").unwrap();
        let x = ch.solve(&rhs);
        assert!((&a * &x - &rhs).norm() < 1e-12 * rhs.norm() * n as f64);
        let det_ref = a.clone().determinant().ln();
        assert!((ch.log_det() - det_ref).abs() < 1e-10);
        let (vals, vecs) = sym_eigen(&a).unwrap();
        let recon = &vecs * DMatrix::from_diagonal(&vals) * vecs.transpose();
        assert!((recon - &a).norm() < 1e-10 * a.norm());
        assert!(Cholesky::new(&(-a), "negated A").is_err());
    }

    #[test]
    fn row_major_cholesky_agrees_with_faers_and_refuses_what_it_refuses() {
        let n = 5;
        let b = DMatrix::from_fn(n, n, |i, j| ((i * 5 + j * 3) % 7) as f64 - 3.0);
        let a = &b * b.transpose() + DMatrix::identity(n, n) * 0.5;
        let row_major: Vec<f64> = (0..n * n).map(|k| a[(k / n, k % n)]).collect();
        let l = cholesky_lower_row_major(&row_major, n).unwrap();
        let faer_l = faer_view(&a).llt(faer::Side::Lower).unwrap();
        let faer_l = faer_l.L();
        for i in 0..n {
            for j in 0..n {
                let want = if j <= i { faer_l[(i, j)] } else { 0.0 };
                assert!((l[i * n + j] - want).abs() <= 1e-12 * want.abs().max(1.0));
            }
        }
        // Only the lower triangle is read.
        let mut lower_only = row_major.clone();
        for i in 0..n {
            for j in i + 1..n {
                lower_only[i * n + j] = f64::NAN;
            }
        }
        assert_eq!(cholesky_lower_row_major(&lower_only, n), Some(l));
        assert!(cholesky_lower_row_major(&[1.0, 2.0, 2.0, 1.0], 2).is_none());
        assert!(cholesky_lower_row_major(&[f64::NAN, 0.0, 0.0, 1.0], 2).is_none());
        assert!(Cholesky::new(&DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 2.0, 1.0]), "A").is_err());
    }

    #[test]
    fn lstsq_and_power_iteration() {
        let x = DMatrix::from_fn(8, 3, |i, j| ((i + 1) as f64).powi(j as i32));
        let truth = DVector::from_vec(vec![1.0, -2.0, 0.5]);
        let y = &x * &truth;
        let w = lstsq(&x, &y).unwrap();
        assert!((w - truth).norm() < 1e-9);
        let g = x.tr_mul(&x) / 8.0;
        let (vals, _) = sym_eigen(&g).unwrap();
        assert!((max_eig_gram(&x, 500) - vals[2]).abs() < 1e-8 * vals[2]);
    }
}

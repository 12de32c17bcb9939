//! Anderson extrapolation of coordinate-descent iterates (Bertrand & Massias 2021, "Anderson
//! acceleration of coordinate descent", AISTATS, Alg. 2; the scheme of celer and skglm).
//!
//! Cyclic CD on a fixed working set is a fixed-point iteration `w <- T(w)` whose convergence is
//! linear with a rate close to 1 when the working-set columns are nearly collinear (p >> n near
//! the end of a path, strongly correlated designs). From the last `K + 1` iterates `w_0..w_K`,
//! with `U = [w_1 - w_0, ..., w_K - w_{K-1}]`, the extrapolated point is
//! `sum_i c_i w_{i+1}`, `c = z / (1^T z)`, `(U^T U + eps tr(U^T U) I) z = 1` (eq. 7 of the paper,
//! with the small Tikhonov term of regularized nonlinear acceleration, Scieur et al. 2016, so
//! that a rank-deficient `U` still gives the minimal-norm combination instead of failing). It
//! may be worse than the last iterate, so the caller accepts it only when the primal objective
//! decreases, which keeps CD's monotone descent and its convergence guarantee.

use nalgebra::{DMatrix, DVector};

/// History of CD iterates restricted to a working set.
pub(crate) struct Anderson {
    k: usize,
    iterates: Vec<Vec<f64>>,
}

impl Anderson {
    /// Extrapolate from `k + 1` iterates (`k` differences); celer and skglm use `k = 5`.
    pub fn new(k: usize) -> Self {
        Self {
            k,
            iterates: Vec::with_capacity(k + 1),
        }
    }

    /// Record the iterate after an epoch; when `k + 1` iterates are stored, returns the
    /// extrapolated point (or `None` when the iterates did not move or the weights are not
    /// finite) and starts a new history.
    pub fn push(&mut self, w: Vec<f64>) -> Option<Vec<f64>> {
        self.iterates.push(w);
        if self.iterates.len() <= self.k {
            return None;
        }
        let it = std::mem::take(&mut self.iterates);
        extrapolate(&it, 1e-14)
    }
}

/// The extrapolated point `sum_i c_i w_{i+1}` from iterates `it` (`k + 1` vectors of equal
/// length), with the Tikhonov term `reg tr(U^T U)` (0: none, as the GLM solver's inner CD uses
/// it); `None` when the iterates did not move, `U^T U` is singular or a weight is not finite.
pub(crate) fn extrapolate(it: &[Vec<f64>], reg: f64) -> Option<Vec<f64>> {
    let (k, m) = (it.len().checked_sub(1)?, it.first()?.len());
    let diff = |i: usize| -> Vec<f64> { (0..m).map(|j| it[i + 1][j] - it[i][j]).collect() };
    let u: Vec<Vec<f64>> = (0..k).map(diff).collect();
    let gram = DMatrix::from_fn(k, k, |a, b| {
        u[a].iter().zip(&u[b]).map(|(x, y)| x * y).sum::<f64>()
    });
    let trace = gram.trace();
    if trace.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return None;
    }
    let z = (gram + DMatrix::identity(k, k) * (reg * trace))
        .lu()
        .solve(&DVector::from_element(k, 1.0))?;
    let total: f64 = z.iter().sum();
    if !total.is_finite() || total == 0.0 || z.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let mut out = vec![0.0; m];
    for (i, zi) in z.iter().enumerate() {
        let c = zi / total;
        for (o, v) in out.iter_mut().zip(&it[i + 1]) {
            *o += c * v;
        }
    }
    out.iter().all(|v| v.is_finite()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On a linear fixed-point iteration `w <- A w + b` in two dimensions, three differences
    /// are linearly dependent, so the extrapolation from four iterates is the fixed point up to
    /// the regularization (about 1e-6 here), while the last iterate is still 6 away from it.
    #[test]
    fn extrapolation_finds_the_fixed_point_of_a_linear_iteration() {
        let a = [[0.9, 0.05], [0.02, 0.95]];
        let b = [1.0, -0.5];
        // Fixed point of w = A w + b: (I - A) w = b (closed form of the 2 x 2 inverse).
        let det = (1.0 - a[0][0]) * (1.0 - a[1][1]) - a[0][1] * a[1][0];
        let fixed = [
            ((1.0 - a[1][1]) * b[0] + a[0][1] * b[1]) / det,
            ((1.0 - a[0][0]) * b[1] + a[1][0] * b[0]) / det,
        ];
        let mut acc = Anderson::new(3);
        let mut w = vec![0.0, 0.0];
        let (mut out, mut last) = (None, w.clone());
        for _ in 0..4 {
            last = w.clone();
            out = acc.push(w.clone());
            w = vec![
                a[0][0] * w[0] + a[0][1] * w[1] + b[0],
                a[1][0] * w[0] + a[1][1] * w[1] + b[1],
            ];
        }
        let x = out.expect("four iterates give an extrapolation");
        let dist = |v: &[f64]| (v[0] - fixed[0]).abs().max((v[1] - fixed[1]).abs());
        let scale = fixed[0].abs().max(fixed[1].abs());
        assert!(dist(&x) < 1e-5 * scale, "error {:e}", dist(&x));
        assert!(
            dist(&last) > 1.0,
            "the plain iterate is still {} away",
            dist(&last)
        );
    }

    /// Identical iterates make U^T U singular: no extrapolation.
    #[test]
    fn stalled_iterates_give_none() {
        let mut acc = Anderson::new(2);
        assert!(acc.push(vec![1.0, 2.0]).is_none());
        assert!(acc.push(vec![1.0, 2.0]).is_none());
        assert!(acc.push(vec![1.0, 2.0]).is_none());
    }
}

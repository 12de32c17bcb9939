//! Log-likelihood of the cumulative link model and its analytic derivatives, for any
//! [`Link`].
//!
//! Row i with class c contributes `log p_ic`, `p_ic = F(η_c) − F(η_{c−1})`, with
//! `η_k = θ_k − xᵢᵀ b_k`, `F(η_{−1}) = 0`, `F(η_{K−1}) = 1` (spec §1.1 for the logit link;
//! Christensen 2019, eq. (1) and (3), for every link). Only the two boundaries adjacent to the
//! observed class enter, so the per-row Hessian in η is tridiagonal and the full Hessian costs
//! O(n p² K) (spec §3). The row terms ([`Link::row_terms`]) keep their precision in both tails.
//!
//! Sums over rows run in parallel over fixed chunks of [`CHUNK`] rows and the chunk results are
//! added in chunk order, so every number is the same whatever the thread count.

use super::data::OrdinalData;
use super::link::Link;
pub use super::link::RowTerms;
use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;

/// Rows per parallel chunk (fixed, so sums do not depend on the number of threads).
pub const CHUNK: usize = 2048;

/// η = 1θᵀ − X B for slopes `b` (p × (K−1), column k = b_k).
pub fn linear_predictors(x: &DMatrix<f64>, theta: &[f64], b: &DMatrix<f64>) -> DMatrix<f64> {
    let mut eta = x * b;
    for (k, &t) in theta.iter().enumerate() {
        eta.column_mut(k).iter_mut().for_each(|v| *v = t - *v);
    }
    eta
}

/// Per-row terms for all rows, or `None` if some training probability is not positive.
pub fn all_row_terms(data: &OrdinalData, eta: &DMatrix<f64>, link: Link) -> Option<Vec<RowTerms>> {
    let k1 = data.n_classes() - 1;
    let y = data.y();
    let out: Vec<Option<RowTerms>> = (0..y.len())
        .into_par_iter()
        .with_min_len(CHUNK)
        .map(|i| link.row_terms(y[i], k1, |k| eta[(i, k)]))
        .collect();
    out.into_iter().collect()
}

/// Weighted log-likelihood Σ w_i log p_i,y_i; `None` (−∞) when a training probability is ≤ 0.
pub fn loglik(data: &OrdinalData, theta: &[f64], b: &DMatrix<f64>, link: Link) -> Option<f64> {
    let eta = linear_predictors(data.x(), theta, b);
    let terms = all_row_terms(data, &eta, link)?;
    Some(ordered_sum(
        terms.iter().zip(data.weights()).map(|(t, w)| w * t.ll),
    ))
}

/// Sum in row order (deterministic whatever the thread count).
fn ordered_sum(it: impl Iterator<Item = f64>) -> f64 {
    it.fold(0.0, |a, v| a + v)
}

/// Σ_chunks f(chunk) with the chunk results added in order: deterministic parallel reduction.
pub fn chunked_sum(
    n: usize,
    f: impl Fn(usize, usize) -> Vec<DMatrix<f64>> + Sync,
) -> Vec<DMatrix<f64>> {
    let starts: Vec<usize> = (0..n).step_by(CHUNK).collect();
    let parts: Vec<Vec<DMatrix<f64>>> = starts
        .par_iter()
        .map(|&s| f(s, (s + CHUNK).min(n)))
        .collect();
    let mut it = parts.into_iter();
    let mut acc = it.next().unwrap_or_default();
    for part in it {
        for (a, p) in acc.iter_mut().zip(part) {
            *a += p;
        }
    }
    acc
}

/// `Xᵀ W` (p × m) and `Xᵀ diag(v_j) X` (p × p) for each weight column `v_j` of `grams`,
/// summed over row chunks deterministically.
pub fn weighted_products(
    x: &DMatrix<f64>,
    w: &DMatrix<f64>,
    grams: &DMatrix<f64>,
) -> (DMatrix<f64>, Vec<DMatrix<f64>>) {
    let (n, p) = (x.nrows(), x.ncols());
    let mut sums = chunked_sum(n, |s, e| {
        let xc = x.rows(s, e - s);
        let mut out = Vec::with_capacity(1 + grams.ncols());
        out.push(xc.tr_mul(&w.rows(s, e - s)));
        let mut scaled = xc.clone_owned();
        for g in 0..grams.ncols() {
            for j in 0..p {
                for i in 0..(e - s) {
                    scaled[(i, j)] = xc[(i, j)] * grams[(s + i, g)];
                }
            }
            out.push(xc.tr_mul(&scaled));
        }
        out
    });
    let xtw = sums.remove(0);
    (xtw, sums)
}

/// Gradient and Hessian of the log-likelihood in η-space per row, weighted, as columns:
/// `g` (n × (K−1)), diagonal `hd` (n × (K−1)), off-diagonal `ho` (n × (K−2), entry (k, k+1)).
pub struct EtaDerivatives {
    /// Weighted log-likelihood.
    pub ll: f64,
    /// w_i ∂ log p_i / ∂η_ik.
    pub g: DMatrix<f64>,
    /// w_i ∂² log p_i / ∂η_ik².
    pub hd: DMatrix<f64>,
    /// w_i ∂² log p_i / ∂η_ik ∂η_i,k+1.
    pub ho: DMatrix<f64>,
}

/// The η-space derivatives at η, or `None` if a training probability is not positive.
pub fn eta_derivatives(
    data: &OrdinalData,
    eta: &DMatrix<f64>,
    link: Link,
) -> Option<EtaDerivatives> {
    let n = data.n_rows();
    let k1 = data.n_classes() - 1;
    let terms = all_row_terms(data, eta, link)?;
    let mut g = DMatrix::zeros(n, k1);
    let mut hd = DMatrix::zeros(n, k1);
    let mut ho = DMatrix::zeros(n, k1.saturating_sub(1));
    let mut ll = 0.0;
    for (i, (t, (&c, &w))) in terms
        .iter()
        .zip(data.y().iter().zip(data.weights()))
        .enumerate()
    {
        ll += w * t.ll;
        if c < k1 {
            g[(i, c)] += w * t.g_hi;
            hd[(i, c)] += w * t.h_hi;
        }
        if c > 0 {
            g[(i, c - 1)] += w * t.g_lo;
            hd[(i, c - 1)] += w * t.h_lo;
            if c < k1 {
                ho[(i, c - 1)] += w * t.h_lohi;
            }
        }
    }
    Some(EtaDerivatives { ll, g, hd, ho })
}

/// Log-likelihood, gradient and Hessian with respect to (θ, b_0, …, b_{K−2}) of the model with
/// free slopes per boundary. Layout: θ (K−1) first, then the p slopes of each boundary.
pub struct Derivatives {
    /// Weighted log-likelihood.
    pub ll: f64,
    /// Gradient.
    pub grad: DVector<f64>,
    /// Hessian (negative semidefinite for every link with a log-concave density, i.e. all but
    /// the Cauchy one: then log p is concave in η).
    pub hess: DMatrix<f64>,
}

/// Derivatives of the nonparallel model at (θ, B), or `None` outside the valid domain.
pub fn nonparallel_derivatives(
    data: &OrdinalData,
    theta: &[f64],
    b: &DMatrix<f64>,
    link: Link,
) -> Option<Derivatives> {
    let (p, k1) = (data.n_features(), data.n_classes() - 1);
    let eta = linear_predictors(data.x(), theta, b);
    let ed = eta_derivatives(data, &eta, link)?;
    // Weight columns: g_k (gradient), then hd_k, then ho_k (Hessian blocks).
    let mut wcols = DMatrix::zeros(data.n_rows(), k1 + k1 + ed.ho.ncols());
    wcols.columns_mut(0, k1).copy_from(&ed.g);
    wcols.columns_mut(k1, k1).copy_from(&ed.hd);
    wcols.columns_mut(2 * k1, ed.ho.ncols()).copy_from(&ed.ho);
    let grams = DMatrix::from_fn(data.n_rows(), k1 + ed.ho.ncols(), |i, j| {
        if j < k1 {
            ed.hd[(i, j)]
        } else {
            ed.ho[(i, j - k1)]
        }
    });
    let (xtw, xhx) = weighted_products(data.x(), &wcols, &grams);
    let d = k1 * (p + 1);
    let mut grad = DVector::zeros(d);
    let mut hess = DMatrix::zeros(d, d);
    for k in 0..k1 {
        grad[k] = ed.g.column(k).sum();
        // ∂η_k/∂b_k = −x.
        grad.rows_mut(k1 + k * p, p).copy_from(&(-xtw.column(k)));
        hess[(k, k)] = ed.hd.column(k).sum();
        hess.view_mut((k1 + k * p, k1 + k * p), (p, p))
            .copy_from(&xhx[k]);
        let col = -xtw.column(k1 + k);
        hess.view_mut((k1 + k * p, k), (p, 1)).copy_from(&col);
        hess.view_mut((k, k1 + k * p), (1, p))
            .copy_from(&col.transpose());
    }
    for k in 0..k1.saturating_sub(1) {
        let o = ed.ho.column(k).sum();
        hess[(k, k + 1)] = o;
        hess[(k + 1, k)] = o;
        let col = -xtw.column(2 * k1 + k);
        // θ_k with b_{k+1} and θ_{k+1} with b_k share the weight ho_k.
        hess.view_mut((k1 + (k + 1) * p, k), (p, 1)).copy_from(&col);
        hess.view_mut((k, k1 + (k + 1) * p), (1, p))
            .copy_from(&col.transpose());
        hess.view_mut((k1 + k * p, k + 1), (p, 1)).copy_from(&col);
        hess.view_mut((k + 1, k1 + k * p), (1, p))
            .copy_from(&col.transpose());
        let blk = &xhx[k1 + k];
        hess.view_mut((k1 + k * p, k1 + (k + 1) * p), (p, p))
            .copy_from(blk);
        hess.view_mut((k1 + (k + 1) * p, k1 + k * p), (p, p))
            .copy_from(&blk.transpose());
    }
    Some(Derivatives {
        ll: ed.ll,
        grad,
        hess,
    })
}

/// Derivatives of the proportional-odds model (one slope vector b shared by all boundaries)
/// with respect to (θ, b); layout θ (K−1) then b (p).
pub fn po_derivatives(
    data: &OrdinalData,
    theta: &[f64],
    b: &DVector<f64>,
    link: Link,
) -> Option<Derivatives> {
    let (n, p, k1) = (data.n_rows(), data.n_features(), data.n_classes() - 1);
    let bm = DMatrix::from_fn(p, k1, |j, _| b[j]);
    let eta = linear_predictors(data.x(), theta, &bm);
    let ed = eta_derivatives(data, &eta, link)?;
    let ho = |i: usize, k: usize| {
        if k < ed.ho.ncols() {
            ed.ho[(i, k)]
        } else {
            0.0
        }
    };
    // Columns: Σ_k g_k; for each θ_k, Σ_l H_{kl} = hd_k + ho_k + ho_{k−1}; gram weight Σ_{kl} H_kl.
    let mut wcols = DMatrix::zeros(n, 1 + k1);
    let mut gram = DMatrix::zeros(n, 1);
    for i in 0..n {
        let mut gs = 0.0;
        let mut hs = 0.0;
        for k in 0..k1 {
            gs += ed.g[(i, k)];
            let row = ed.hd[(i, k)] + ho(i, k) + if k > 0 { ho(i, k - 1) } else { 0.0 };
            wcols[(i, 1 + k)] = row;
            hs += row;
        }
        wcols[(i, 0)] = gs;
        gram[(i, 0)] = hs;
    }
    let (xtw, xhx) = weighted_products(data.x(), &wcols, &gram);
    let d = k1 + p;
    let mut grad = DVector::zeros(d);
    let mut hess = DMatrix::zeros(d, d);
    for k in 0..k1 {
        grad[k] = ed.g.column(k).sum();
        hess[(k, k)] = ed.hd.column(k).sum();
        if k + 1 < k1 {
            let o = ed.ho.column(k).sum();
            hess[(k, k + 1)] = o;
            hess[(k + 1, k)] = o;
        }
        let col = -xtw.column(1 + k);
        hess.view_mut((k1, k), (p, 1)).copy_from(&col);
        hess.view_mut((k, k1), (1, p)).copy_from(&col.transpose());
    }
    grad.rows_mut(k1, p).copy_from(&(-xtw.column(0)));
    hess.view_mut((k1, k1), (p, p)).copy_from(&xhx[0]);
    Some(Derivatives {
        ll: ed.ll,
        grad,
        hess,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> OrdinalData {
        let x = DMatrix::from_row_slice(
            6,
            2,
            &[
                0.1, -0.3, 0.5, 0.2, -0.7, 0.9, 0.3, 0.3, -0.2, -0.8, 0.8, 0.1,
            ],
        );
        OrdinalData::from_labels(x, &[0.0, 1.0, 2.0, 1.0, 0.0, 2.0], None).unwrap()
    }

    #[test]
    fn gradient_and_hessian_match_finite_differences() {
        for link in Link::ALL {
            gradient_and_hessian_match_for(link);
        }
    }

    fn gradient_and_hessian_match_for(link: Link) {
        let d = data();
        let theta = [-0.4, 0.9];
        let b = DMatrix::from_column_slice(2, 2, &[0.3, -0.2, 0.6, 0.1]);
        let der = nonparallel_derivatives(&d, &theta, &b, link).unwrap();
        let pack = |z: &DVector<f64>| {
            (
                vec![z[0], z[1]],
                DMatrix::from_column_slice(2, 2, &z.as_slice()[2..]),
            )
        };
        let z0 = DVector::from_vec(vec![-0.4, 0.9, 0.3, -0.2, 0.6, 0.1]);
        let h = 1e-6;
        for j in 0..6 {
            let mut zp = z0.clone();
            zp[j] += h;
            let mut zm = z0.clone();
            zm[j] -= h;
            let (tp, bp) = pack(&zp);
            let (tm, bm) = pack(&zm);
            let fd = (loglik(&d, &tp, &bp, link).unwrap() - loglik(&d, &tm, &bm, link).unwrap())
                / (2.0 * h);
            assert!(
                (fd - der.grad[j]).abs() < 1e-8,
                "{link} grad {j}: {fd} vs {}",
                der.grad[j]
            );
            let gp = nonparallel_derivatives(&d, &tp, &bp, link).unwrap().grad;
            let gm = nonparallel_derivatives(&d, &tm, &bm, link).unwrap().grad;
            for i in 0..6 {
                let fd = (gp[i] - gm[i]) / (2.0 * h);
                assert!(
                    (fd - der.hess[(i, j)]).abs() < 1e-7,
                    "{link} hess {i},{j}: {fd} vs {}",
                    der.hess[(i, j)]
                );
            }
        }
    }

    #[test]
    fn po_derivatives_are_the_nonparallel_ones_summed_over_boundaries() {
        for link in Link::ALL {
            po_is_nonparallel_summed_for(link);
        }
    }

    fn po_is_nonparallel_summed_for(link: Link) {
        let d = data();
        let theta = [-0.4, 0.9];
        let b = DVector::from_vec(vec![0.3, -0.2]);
        let po = po_derivatives(&d, &theta, &b, link).unwrap();
        let np = nonparallel_derivatives(&d, &theta, &DMatrix::from_fn(2, 2, |j, _| b[j]), link)
            .unwrap();
        // Chain rule with T: b_k = b for every k.
        let t = DMatrix::from_row_slice(
            6,
            4,
            &[
                1., 0., 0., 0., 0., 1., 0., 0., 0., 0., 1., 0., 0., 0., 0., 1., 0., 0., 1., 0., 0.,
                0., 0., 1.,
            ],
        );
        assert!((t.transpose() * &np.grad - &po.grad).amax() < 1e-12);
        assert!((t.transpose() * &np.hess * &t - &po.hess).amax() < 1e-12);
        assert!((po.ll - np.ll).abs() < 1e-14);
    }

    #[test]
    fn crossing_cutpoints_give_minus_infinity() {
        let d = data();
        for link in Link::ALL {
            assert!(loglik(&d, &[1.0, 0.5], &DMatrix::zeros(2, 2), link).is_none());
        }
    }
}

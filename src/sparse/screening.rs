//! Optimality certificates and screening rules for the elastic net (spec §2.4-2.5).
//!
//! Units: the unnormalized primal of scikit-learn's coordinate descent,
//! `P(w) = 1/2 ||y - Xw||^2 + lam1 ||w||_1 + lam2/2 ||w||^2` with `lam1 = n alpha rho` and
//! `lam2 = n alpha (1 - rho)`; the elastic net is the Lasso on the augmented design
//! `[X; sqrt(lam2) I]`, `[y; 0]`, whose residual correlations are `X^T r - lam2 w`.

use super::options::SolverOptions;
use super::prepare::Prepared;
use crate::error::{Error, Result};
use nalgebra::{DMatrix, DVector};

/// `max_j |c_j - lam2 w_j|` over the features in `set`: the dual norm of the augmented residual.
pub fn dual_norm(c: &[f64], w: &[f64], lam2: f64, set: impl Iterator<Item = usize>) -> f64 {
    set.fold(0.0f64, |m, j| m.max((c[j] - lam2 * w[j]).abs()))
}

/// Duality gap `P(w) - D(theta)` with the rescaled dual point
/// `theta = r / max(lam1, ||X^T r - lam2 w||_inf)` (Fercoq et al. 2015, §2), exactly as
/// scikit-learn's `enet_coordinate_descent` computes it. For `lam1 = 0` (ridge) the dual point
/// is `theta = r` (no feasibility constraint) and `dual_norm` must be `||X^T r||_2`.
///
/// `rr = ||r||^2`, `ry = r.y`, `l1 = ||w||_1`, `w2 = ||w||^2`.
pub fn duality_gap(
    rr: f64,
    ry: f64,
    dual_norm: f64,
    l1: f64,
    w2: f64,
    lam1: f64,
    lam2: f64,
) -> f64 {
    if lam1 == 0.0 {
        // Ridge: theta = r, P - D = ||r||^2 - r.y + lam2/2 ||w||^2 + ||X^T r||^2 / (2 lam2);
        // the caller passes the l2 norm ||X^T r|| as `dual_norm`.
        return rr - ry + 0.5 * lam2 * w2 + dual_norm * dual_norm / (2.0 * lam2);
    }
    let (cst, mut gap) = if dual_norm > lam1 {
        let cst = lam1 / dual_norm;
        (cst, 0.5 * (rr + rr * cst * cst))
    } else {
        (1.0, rr)
    };
    gap += lam1 * l1 - cst * ry + 0.5 * lam2 * (1.0 + cst * cst) * w2;
    gap
}

/// Gap-safe sphere test (Ndiaye et al. 2017, eq. 11): feature j is zero at the optimum if
/// `|x_j^T theta| + ||x_j|| sqrt(2 G) / lam1 < 1`, with `x_j^T theta = corr / scale`,
/// `scale = max(lam1, dual norm)`, `col_norm_sq = ||x_j||^2 + lam2` (augmented column) and
/// `radius = sqrt(2 G) / lam1`.
pub fn gap_safe_discard(corr: f64, scale: f64, col_norm_sq: f64, radius: f64) -> bool {
    corr.abs() / scale + col_norm_sq.sqrt() * radius < 1.0
}

/// Sequential strong rule (Tibshirani et al. 2012, eq. 6) in the 1/n units of the spec: keep
/// feature j at `alpha` if `|x_j^T r(alpha_prev)| / n >= rho (2 alpha - alpha_prev)`.
pub fn strong_rule_keeps(corr_over_n: f64, rho: f64, alpha: f64, alpha_prev: f64) -> bool {
    corr_over_n.abs() >= rho * (2.0 * alpha - alpha_prev)
}

/// The largest KKT violation of an original-scale solution, in the 1/n units of the spec (§6
/// check 3): for `w_j = 0`, `max(0, |x_j^T r|/n - alpha rho)`; for `w_j != 0`,
/// `|x_j^T r/n - alpha (1-rho) w_j - alpha rho sign(w_j)|`, all on the prepared (weighted,
/// centred, scaled as fitted) problem. The intercept is the optimal one for `coef`, as every fit
/// returns.
pub fn kkt_residual(
    x: &DMatrix<f64>,
    y: &DVector<f64>,
    coef: &DVector<f64>,
    alpha: f64,
    l1_ratio: f64,
    options: &SolverOptions,
) -> Result<f64> {
    let p = Prepared::new(x, y, options)?;
    if coef.len() != p.d() {
        return Err(Error::DimensionMismatch {
            what: "coefficients",
            expected: p.d(),
            got: coef.len(),
        });
    }
    let w: Vec<f64> = coef.iter().zip(&p.x_scale).map(|(c, s)| c * s).collect();
    let mut r = p.y.clone();
    for (j, &wj) in w.iter().enumerate() {
        if wj != 0.0 {
            for (ri, xi) in r.iter_mut().zip(p.col(j)) {
                *ri -= wj * xi;
            }
        }
    }
    let nf = p.n() as f64;
    let c = p.xt(&r);
    let mut worst = 0.0f64;
    for j in 0..p.d() {
        let g = c[j] / nf;
        let v = if w[j] == 0.0 {
            (g.abs() - alpha * l1_ratio).max(0.0)
        } else {
            (g - alpha * (1.0 - l1_ratio) * w[j] - alpha * l1_ratio * w[j].signum()).abs()
        };
        worst = worst.max(v);
    }
    Ok(worst)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One feature: the elastic-net optimum is `S(x.y, lam1) / (x.x + lam2)` in closed form, and
    /// the gap there must vanish (and be positive anywhere else).
    #[test]
    fn gap_vanishes_at_the_closed_form_optimum() {
        let x = [1.0, -2.0, 0.5, 3.0];
        let y = [2.0, -1.0, 0.0, 4.0];
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(u, v)| u * v).sum::<f64>();
        for (lam1, lam2) in [(3.0, 0.0), (3.0, 2.0), (0.0, 2.0), (100.0, 1.0)] {
            let xy = dot(&x, &y);
            let w_opt = crate::linalg::soft_threshold(xy, lam1) / (dot(&x, &x) + lam2);
            let gap_at = |w: f64| {
                let r: Vec<f64> = x.iter().zip(&y).map(|(xi, yi)| yi - xi * w).collect();
                let c = dot(&x, &r);
                let dn = if lam1 == 0.0 {
                    c.abs()
                } else {
                    dual_norm(&[c], &[w], lam2, 0..1)
                };
                duality_gap(dot(&r, &r), dot(&r, &y), dn, w.abs(), w * w, lam1, lam2)
            };
            assert!(
                gap_at(w_opt).abs() < 1e-12,
                "lam1 {lam1} lam2 {lam2}: {}",
                gap_at(w_opt)
            );
            assert!(gap_at(w_opt + 0.1) > 1e-6);
        }
    }

    #[test]
    fn gap_safe_sphere_test_keeps_boundary_features() {
        // |x^T theta| = 1 at the boundary: never discard, whatever the radius.
        assert!(!gap_safe_discard(5.0, 5.0, 1.0, 0.0));
        assert!(gap_safe_discard(2.0, 5.0, 1.0, 0.1));
        assert!(!gap_safe_discard(2.0, 5.0, 1.0, 0.7));
        assert!(strong_rule_keeps(0.5, 1.0, 0.3, 0.4) && !strong_rule_keeps(0.1, 1.0, 0.3, 0.4));
    }
}

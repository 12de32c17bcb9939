//! The ridge option of proportional odds and PRESTO for K = 2 (issue 19's separated and binary
//! estimator checks), against independent references: the crate's ridge-penalized logistic
//! regression (`multiplicity::LogisticParams`, its own Newton on its own objective), closed
//! forms at λ ≥ λ_max, and stationarity / KKT certificates from central finite differences of
//! the log-likelihood (no analytic gradient involved).

use super::*;
use veristat::estimator::RegressionData;
use veristat::multiplicity::LogisticParams;
use veristat::ordinal::likelihood::loglik;
use veristat::ordinal::{PrestoParams, ProportionalOddsParams};

/// ∂(−ℓ/N)/∂ψ by central differences, ψ = (θ, b) with b shared by every boundary (`shared`)
/// or one block per boundary.
fn fd_gradient(data: &OrdinalData, theta: &[f64], b: &DMatrix<f64>, link: Link) -> Vec<f64> {
    let (p, k1) = (b.nrows(), b.ncols());
    let n_w: f64 = data.weights().iter().sum();
    let f = |t: &[f64], bb: &DMatrix<f64>| -loglik(data, t, bb, link).expect("finite") / n_w;
    let h = 1e-5;
    let mut g = Vec::new();
    for k in 0..k1 {
        let (mut up, mut dn) = (theta.to_vec(), theta.to_vec());
        up[k] += h;
        dn[k] -= h;
        g.push((f(&up, b) - f(&dn, b)) / (2.0 * h));
    }
    for k in 0..k1 {
        for j in 0..p {
            let (mut up, mut dn) = (b.clone(), b.clone());
            up[(j, k)] += h;
            dn[(j, k)] -= h;
            g.push((f(theta, &up) - f(theta, &dn)) / (2.0 * h));
        }
    }
    g
}

/// soup's rare last class against the rest (K = 2).
fn soup_binary() -> OrdinalData {
    soup().0.last_vs_rest()
}

fn logistic_reference(data: &OrdinalData, lam: f64) -> (Vec<f64>, f64) {
    let y = nalgebra::DVector::from_iterator(
        data.n_rows(),
        data.y().iter().map(|&c| if c == 1 { 1.0 } else { 0.0 }),
    );
    let fit = LogisticParams::new(lam)
        .standardize(false)
        .fit(&RegressionData::new(data.x().clone(), y).unwrap())
        .unwrap();
    let p = data.n_features();
    // θ* = (w, intercept): P(y = 1) = σ(xᵀw + c), and P(Y ≤ 0) = F(θ − xᵀb) gives b = w, θ = −c.
    (
        fit.theta.rows(0, p).iter().copied().collect(),
        -fit.theta[p],
    )
}

#[test]
fn ridge_proportional_odds_with_two_classes_is_ridge_logistic_regression() {
    let data = soup_binary();
    for lam in [1e-3, 0.05] {
        let m = ProportionalOddsParams::new().ridge(lam).fit(&data).unwrap();
        let (w, theta) = logistic_reference(&data, lam);
        let d = worst(&m.coef, &w, 1e-7, &format!("ridge {lam} slopes"));
        assert!(
            (m.cutpoints[0] - theta).abs() < 1e-7,
            "ridge {lam} cutpoint"
        );
        println!("ridge {lam}: worst |slope diff| vs ridge logistic {d:.1e}");
        // The reported log-likelihood is the unpenalized one at the penalized estimate.
        let bm = DMatrix::from_fn(data.n_features(), 1, |j, _| m.coef[j]);
        let ll = loglik(&data, &m.cutpoints, &bm, Link::Logit).unwrap();
        assert!(rel(m.loglik, ll) < 1e-12);
    }
}

#[test]
fn ridge_estimate_exists_under_separation_and_is_stationary() {
    // y = 1{x1 > 0}: completely separated; the MLE does not exist.
    let n = 40;
    let x = DMatrix::from_fn(n, 2, |i, j| {
        if j == 0 {
            (i as f64 - 19.5) / 10.0
        } else {
            ((i * 7) % 11) as f64 / 11.0
        }
    });
    let y: Vec<f64> = (0..n).map(|i| if i < 20 { 0.0 } else { 1.0 }).collect();
    let sep = OrdinalData::from_labels(x, &y, None).unwrap();
    assert!(matches!(
        ProportionalOddsParams::new().fit(&sep),
        Err(veristat::Error::NotIdentifiable(_))
    ));
    let m = ProportionalOddsParams::new().ridge(0.01).fit(&sep).unwrap();
    let (w, theta) = logistic_reference(&sep, 0.01);
    worst(&m.coef, &w, 1e-7, "separated ridge slopes");
    assert!((m.cutpoints[0] - theta).abs() < 1e-7);
    // Stationarity of −ℓ/N + (α/2)‖b‖² on soup (K = 6) under every link, by finite differences.
    let (data, _) = soup();
    let alpha = 0.05;
    for link in Link::ALL {
        let m = ProportionalOddsParams::new()
            .ridge(alpha)
            .link(link)
            .fit(&data)
            .unwrap();
        let k1 = m.cutpoints.len();
        let bm = DMatrix::from_fn(data.n_features(), k1, |j, _| m.coef[j]);
        let g = fd_gradient(&data, &m.cutpoints, &bm, link);
        let p = data.n_features();
        let mut worst_g: f64 = g[..k1].iter().map(|v| v.abs()).fold(0.0, f64::max);
        for j in 0..p {
            // A shared slope's derivative is the sum over the boundaries' blocks.
            let gj: f64 = (0..k1).map(|k| g[k1 + k * p + j]).sum();
            worst_g = worst_g.max((gj + alpha * m.coef[j]).abs());
        }
        assert!(worst_g < 1e-6, "{link}: stationarity residual {worst_g:e}");
        println!(
            "{:8} ridge {alpha}: stationarity residual {worst_g:.1e}",
            link.name()
        );
    }
}

#[test]
fn presto_with_two_classes_is_the_penalized_binary_model() {
    let data = soup_binary();
    // a = 0 (PRESTO_L2): λ/2 ‖b‖², the ridge proportional-odds fit, under two links.
    for link in [Link::Logit, Link::Probit] {
        let lam = 0.02;
        let pr = PrestoParams::new(lam)
            .a(0.0)
            .link(link)
            .tol(1e-11)
            .fit(&data)
            .unwrap();
        let po = ProportionalOddsParams::new()
            .ridge(lam)
            .link(link)
            .fit(&data)
            .unwrap();
        let b: Vec<f64> = pr.model.coef.row(0).iter().copied().collect();
        worst(&b, &po.coef, 1e-6, &format!("{link} PRESTO_L2 vs ridge"));
        assert!((pr.model.cutpoints[0] - po.cutpoints[0]).abs() < 1e-6);
    }
    // a = 1: the L1-penalized binary model. At λ ≥ λ_max every slope is 0 and the cutpoint is
    // the logit of the first class's share (closed form).
    let share = data.y().iter().filter(|&&c| c == 0).count() as f64 / data.n_rows() as f64;
    let top = PrestoParams::new(1.0).fit(&data).unwrap();
    assert!(top.model.coef.iter().all(|&v| v == 0.0));
    assert!((top.model.cutpoints[0] - (share / (1.0 - share)).ln()).abs() < 1e-9);
    // In between, the KKT conditions by finite differences: g_j = −λ sign(b_j) where b_j ≠ 0,
    // |g_j| ≤ λ where b_j = 0, and a stationary cutpoint.
    let lam = 0.004;
    let fit = PrestoParams::new(lam).tol(1e-11).fit(&data).unwrap();
    let b = DMatrix::from_fn(data.n_features(), 1, |j, _| fit.model.coef[(0, j)]);
    let g = fd_gradient(&data, &fit.model.cutpoints, &b, Link::Logit);
    assert!(g[0].abs() < 1e-7, "cutpoint gradient {}", g[0]);
    let (mut zeros, mut worst_kkt) = (0, 0.0_f64);
    for (j, &bj) in b.iter().enumerate() {
        let gj = g[1 + j];
        if bj == 0.0 {
            zeros += 1;
            assert!(gj.abs() <= lam + 1e-7, "feature {j}: |g| {} > λ", gj.abs());
        } else {
            worst_kkt = worst_kkt.max((gj + lam * bj.signum()).abs());
        }
    }
    assert!(
        zeros > 0 && zeros < data.n_features(),
        "{zeros} zero slopes"
    );
    assert!(worst_kkt < 1e-6, "KKT residual {worst_kkt:e}");
    println!(
        "PRESTO K = 2, λ = {lam}: {} of {} slopes zero, KKT residual {worst_kkt:.1e}",
        zeros,
        data.n_features()
    );
}

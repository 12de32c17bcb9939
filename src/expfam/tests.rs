//! Closed forms (spec §1.3, §5 checks 1–4, 7) and numerical cross-checks of the cumulants.

use super::criterion::{self, Bound, Threshold};
use super::families::{GammaFamily, Gaussian, LogLinear, Poisson, Structure};
use super::family::{ExponentialFamily, ModelCumulants, TruthMoments, sample_cumulants};
use super::risk::{self, expansion_terms};
use super::tensor::{Fourth, Tensor3, Tensor4};
use super::truth::{Truth, Univariate};
use crate::error::Error;
use nalgebra::{DMatrix, DVector};
use proptest::prelude::*;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}

fn chain_graph(d: usize) -> Gaussian {
    Gaussian::new(
        d,
        Structure::Graphical((0..d - 1).map(|i| (i, i + 1)).collect()),
    )
    .unwrap()
}

fn test_cov(d: usize) -> (DVector<f64>, DMatrix<f64>) {
    let m = DVector::from_fn(d, |i, _| 0.3 * i as f64 - 0.2);
    let b = DMatrix::from_fn(d, d, |i, j| ((i * 3 + j * 5) % 7) as f64 / 7.0 - 0.4);
    (m, &b * b.transpose() + DMatrix::identity(d, d))
}

#[test]
fn poisson_closed_forms() {
    for &mu in &[0.5, 3.0, 20.0] {
        let t = risk::correct_terms(&Poisson, &DVector::from_element(1, f64::ln(mu))).unwrap();
        assert!((t.c1 - 0.5).abs() < 1e-12);
        assert!(close(t.c2, 5.0 / (12.0 * mu), 1e-9), "mu {mu}: {}", t.c2);
    }
    for (r, p) in [(5.0, 0.5), (2.0, 0.3), (10.0, 0.8)] {
        let u = Univariate::NegBin { r, p };
        let [mu, s2, k3] = u.cumulants3().unwrap();
        let (_, t) = risk::exact_terms(&Poisson, &Truth::Univariate(u)).unwrap();
        assert!(close(t.c1, s2 / (2.0 * mu), 1e-12));
        assert!(close(
            t.c2,
            -k3 / (3.0 * mu * mu) + 3.0 * s2 * s2 / (4.0 * mu.powi(3)),
            1e-9
        ));
        // The negative binomial's own cumulants.
        let q = 1.0 - p;
        assert!(close(mu, r * q / p, 1e-12) && close(s2, r * q / (p * p), 1e-12));
        assert!(close(k3, r * q * (1.0 + q) / p.powi(3), 1e-10));
    }
}

#[test]
fn normal_closed_forms() {
    let g = Gaussian::normal();
    for (m, s) in [(0.0, 1.0), (2.0, 0.5), (-3.0, 4.0)] {
        let theta = g
            .natural(
                &DVector::from_element(1, m),
                &DMatrix::from_element(1, 1, s * s),
            )
            .unwrap();
        let t = risk::correct_terms(&g, &theta).unwrap();
        assert!((t.c1 - 1.0).abs() < 1e-12);
        assert!(close(t.c2, 61.0 / 12.0, 1e-9), "c2 {}", t.c2);
    }
    let (_, t) = risk::exact_terms(&g, &Truth::parse("gamma:4", 1).unwrap()).unwrap();
    assert!(
        (t.c1 - 1.375).abs() < 1e-9 && (t.c2 - 6.28125).abs() < 1e-9,
        "{t:?}"
    );
    // c1 = 1 + γ2/4 for any truth.
    for s in [
        "student-t:7",
        "lognormal:0.4",
        "mixture:0.3,-1,1,2,0.5",
        "negbin:5,0.5",
    ] {
        let u = Univariate::parse(s).unwrap();
        let (_, t) = risk::exact_terms(&g, &Truth::Univariate(u.clone())).unwrap();
        assert!(
            close(t.c1, 1.0 + u.excess_kurtosis().unwrap() / 4.0, 1e-10),
            "{s}"
        );
    }
}

#[test]
fn normal_exact_risk_matches_expansion() {
    // Correctly specified normal: R_n = ½[ψ((n−1)/2) + log(2/n) + 4/(n−3)] exactly (spec §1.3);
    // the remainder after 1/n + (61/12)/n² must be O(n⁻³): it shrinks 8-fold when n doubles.
    let g = Gaussian::normal();
    let t = risk::correct_terms(
        &g,
        &g.natural(&DVector::zeros(1), &DMatrix::identity(1, 1))
            .unwrap(),
    )
    .unwrap();
    let exact = |n: f64| {
        0.5 * (super::special::polygamma(0, (n - 1.0) / 2.0) + (2.0 / n).ln() + 4.0 / (n - 3.0))
    };
    let rem = |n: f64| exact(n) - t.second_order(n);
    for &n in &[500.0, 1000.0] {
        let ratio = rem(n) / rem(2.0 * n);
        assert!(
            (7.0..9.0).contains(&ratio),
            "n {n}: remainder ratio {ratio}"
        );
        assert!(rem(n).abs() * n.powi(3) < 100.0);
        // Dropping c2 leaves an O(n⁻²) error instead.
        assert!((exact(n) - t.first_order(n)).abs() * n * n > 5.0);
    }
}

#[test]
fn correct_specification_gives_half_p() {
    let mut fams: Vec<(Box<dyn ExponentialFamily>, DVector<f64>)> = vec![
        (Box::new(Poisson), DVector::from_element(1, 1.3)),
        (Box::new(GammaFamily), GammaFamily::natural(2.5, 1.5)),
        (
            Box::new(LogLinear::categorical(4).unwrap()),
            DVector::from_vec(vec![0.2, -0.3, 0.5]),
        ),
        (
            Box::new(LogLinear::independence(2, 3).unwrap()),
            DVector::from_vec(vec![0.4, -0.2, 0.7]),
        ),
    ];
    for (g, d) in [
        (Gaussian::normal(), 1),
        (Gaussian::new(3, Structure::Isotropic).unwrap(), 3),
        (Gaussian::new(3, Structure::Diagonal).unwrap(), 3),
        (chain_graph(4), 4),
        (Gaussian::new(3, Structure::Full).unwrap(), 3),
    ] {
        let (m, c) = test_cov(d);
        let k = c.clone().try_inverse().unwrap();
        // Project N(m, c) onto the structure to get a parameter inside it.
        let pt = super::projection::project_truth(
            &g,
            g.truth_moments(&Truth::Gaussian { mean: m, cov: c })
                .unwrap(),
        )
        .unwrap();
        let _ = k;
        fams.push((Box::new(g), pt.theta));
    }
    for (f, theta) in &fams {
        let t = risk::correct_terms(f.as_ref(), theta).unwrap();
        assert!(
            (t.c1 - f.dim() as f64 / 2.0).abs() < 1e-12,
            "{}: c1 {}",
            f.name(),
            t.c1
        );
    }
}

#[test]
fn one_dimensional_correct_formula() {
    // c2 = (19/24)ρ3² − (3/8)ρ4 with standardized cumulants (spec §1.3), e.g. Poisson.
    let mu: f64 = 2.7;
    let t = risk::correct_terms(&Poisson, &DVector::from_element(1, mu.ln())).unwrap();
    let (r3, r4) = (mu / mu.powf(1.5), mu / (mu * mu));
    assert!(close(t.c2, 19.0 / 24.0 * r3 * r3 - 0.375 * r4, 1e-12));
}

fn dense(c: &ModelCumulants) -> ModelCumulants {
    let k4 = match &c.k4 {
        Fourth::Dense(t) => t.clone(),
        Fourth::ClosedForm(q) => q.dense(),
    };
    ModelCumulants {
        k4: Fourth::Dense(k4),
        ..c.clone()
    }
}

#[test]
fn invariance_under_affine_reparametrization() {
    let cases: Vec<(Box<dyn ExponentialFamily>, Truth)> = vec![
        (
            Box::new(Gaussian::normal()),
            Truth::parse("gamma:4", 1).unwrap(),
        ),
        (
            Box::new(Gaussian::new(2, Structure::Isotropic).unwrap()),
            Truth::parse("lognormal:0.3", 2).unwrap(),
        ),
        (Box::new(chain_graph(3)), {
            let (m, c) = test_cov(3);
            Truth::Gaussian { mean: m, cov: c }
        }),
        (
            Box::new(LogLinear::independence(2, 3).unwrap()),
            Truth::Categorical(vec![0.1, 0.2, 0.15, 0.25, 0.05, 0.25]),
        ),
    ];
    for (f, truth) in &cases {
        let pt =
            super::projection::project_truth(f.as_ref(), f.truth_moments(truth).unwrap()).unwrap();
        let model = dense(&pt.model);
        let base = expansion_terms(&model, &pt.truth).unwrap();
        let p = f.dim();
        let a = DMatrix::from_fn(p, p, |i, j| {
            if i == j {
                1.5 + i as f64
            } else {
                0.3 * ((i + 2 * j) % 3) as f64 - 0.2
            }
        });
        let b = DVector::from_fn(p, |i, _| i as f64 - 0.7);
        let t2 = expansion_terms(&model.affine(&a, &b).unwrap(), &pt.truth.affine(&a, &b)).unwrap();
        assert!(
            close(t2.c1, base.c1, 1e-9) && close(t2.c2, base.c2, 1e-9),
            "{}: {base:?} vs {t2:?}",
            f.name()
        );
        // The closed-form Gaussian contraction equals the dense one.
        let t3 = expansion_terms(&pt.model, &pt.truth).unwrap();
        assert!(
            close(t3.c2, base.c2, 1e-10),
            "{}: {} vs {}",
            f.name(),
            t3.c2,
            base.c2
        );
    }
}

fn fd_grad(
    f: impl Fn(&DVector<f64>) -> DVector<f64>,
    theta: &DVector<f64>,
    h: f64,
) -> Vec<DVector<f64>> {
    (0..theta.len())
        .map(|k| {
            let mut up = theta.clone();
            let mut dn = theta.clone();
            up[k] += h;
            dn[k] -= h;
            let mut up2 = theta.clone();
            let mut dn2 = theta.clone();
            up2[k] += 2.0 * h;
            dn2[k] -= 2.0 * h;
            // Fourth-order central difference.
            (f(&dn2) - f(&up2) + (f(&up) - f(&dn)) * 8.0) / (12.0 * h)
        })
        .collect()
}

#[test]
fn gaussian_cumulants_match_derivatives_of_psi() {
    for g in [
        Gaussian::new(3, Structure::Full).unwrap(),
        Gaussian::new(2, Structure::Isotropic).unwrap(),
        chain_graph(3),
    ] {
        let (m, c) = test_cov(g.d());
        let pt = super::projection::project_truth(
            &g,
            g.truth_moments(&Truth::Gaussian { mean: m, cov: c })
                .unwrap(),
        )
        .unwrap();
        let theta = pt.theta;
        let p = g.dim();
        let cum = g.cumulants(&theta).unwrap();
        let h = 1e-4;
        let g_psi = fd_grad(
            |t| DVector::from_element(1, g.log_partition(t).unwrap()),
            &theta,
            h,
        );
        for k in 0..p {
            assert!(close(g_psi[k][0], cum.mean[k], 1e-8), "mean {k}");
        }
        let g_mean = fd_grad(|t| g.mean(t).unwrap(), &theta, h);
        for k in 0..p {
            for l in 0..p {
                assert!(
                    close(g_mean[k][l], cum.fisher[(k, l)], 1e-7),
                    "fisher {k} {l}"
                );
            }
        }
        let flat = |t: &DVector<f64>| DVector::from_column_slice(g.fisher(t).unwrap().as_slice());
        let g_fisher = fd_grad(flat, &theta, h);
        for k in 0..p {
            for a in 0..p {
                for b in 0..p {
                    assert!(
                        close(g_fisher[k][b * p + a], cum.k3.get(k, a, b), 1e-6),
                        "k3 {k} {a} {b}"
                    );
                }
            }
        }
        assert!(cum.k3.asymmetry() < 1e-12);
        let Fourth::ClosedForm(q) = &cum.k4 else {
            panic!("gaussian quartic expected")
        };
        let k4 = q.dense();
        let k3flat = |t: &DVector<f64>| DVector::from_vec(g.cumulants(t).unwrap().k3.data);
        let g_k3 = fd_grad(k3flat, &theta, h);
        for k in 0..p {
            for a in 0..p {
                for b in 0..p {
                    for c in 0..p {
                        let fd = g_k3[k][(a * p + b) * p + c];
                        assert!(
                            close(fd, k4.get(k, a, b, c), 1e-5),
                            "k4 {k}{a}{b}{c}: {fd} vs {}",
                            k4.get(k, a, b, c)
                        );
                    }
                }
            }
        }
        let mm = DMatrix::from_fn(p, p, |i, j| 1.0 / (1.0 + i as f64 + j as f64));
        assert!(close(q.contract2(&mm).unwrap(), k4.contract2(&mm), 1e-10));
    }
}

#[test]
fn other_families_cumulants_match_derivatives() {
    let fams: Vec<(Box<dyn ExponentialFamily>, DVector<f64>)> = vec![
        (Box::new(GammaFamily), GammaFamily::natural(2.5, 1.5)),
        (
            Box::new(LogLinear::independence(2, 3).unwrap()),
            DVector::from_vec(vec![0.4, -0.2, 0.7]),
        ),
    ];
    for (f, theta) in &fams {
        let p = f.dim();
        let cum = f.cumulants(theta).unwrap();
        let h = 1e-4;
        let g_mean = fd_grad(|t| f.mean(t).unwrap(), theta, h);
        let g_psi = fd_grad(
            |t| DVector::from_element(1, f.log_partition(t).unwrap()),
            theta,
            h,
        );
        let k3flat = |t: &DVector<f64>| DVector::from_vec(f.cumulants(t).unwrap().k3.data);
        let g_k3 = fd_grad(k3flat, theta, h);
        let Fourth::Dense(k4) = &cum.k4 else { panic!() };
        for k in 0..p {
            assert!(close(g_psi[k][0], cum.mean[k], 1e-8));
            for a in 0..p {
                assert!(close(g_mean[k][a], cum.fisher[(k, a)], 1e-7));
                for b in 0..p {
                    for c in 0..p {
                        assert!(
                            close(g_k3[k][(a * p + b) * p + c], k4.get(k, a, b, c), 1e-5),
                            "{}",
                            f.name()
                        );
                    }
                }
            }
        }
    }
}

fn simpson(f: impl Fn(f64) -> f64, a: f64, b: f64, n: usize) -> f64 {
    let h = (b - a) / n as f64;
    let mut s = f(a) + f(b);
    for i in 1..n {
        s += f(a + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
    }
    s * h / 3.0
}

#[test]
fn bregman_kl_equals_numeric_kl() {
    // Poisson: enumeration.
    let (t0, t1) = (
        DVector::from_element(1, 1.1f64),
        DVector::from_element(1, 0.4f64),
    );
    let (m0, m1) = (t0[0].exp(), t1[0].exp());
    let mut kl = 0.0;
    for x in 0..200 {
        let lp = |m: f64| x as f64 * m.ln() - m - statrs::function::gamma::ln_gamma(x as f64 + 1.0);
        kl += lp(m0).exp() * (lp(m0) - lp(m1));
    }
    let bregman = |f: &dyn ExponentialFamily, a: &DVector<f64>, b: &DVector<f64>| {
        f.log_partition(b).unwrap() - f.log_partition(a).unwrap() - (b - a).dot(&f.mean(a).unwrap())
    };
    assert!((Poisson.kl(&t0, &t1).unwrap() - kl).abs() < 1e-10);
    assert!((bregman(&Poisson, &t0, &t1) - kl).abs() < 1e-10);
    // Normal: quadrature of the log-density ratio (densities written out, not via ψ).
    let g = Gaussian::normal();
    let a = g
        .natural(
            &DVector::from_element(1, 0.3),
            &DMatrix::from_element(1, 1, 1.44),
        )
        .unwrap();
    let b = g
        .natural(
            &DVector::from_element(1, -0.5),
            &DMatrix::from_element(1, 1, 0.8),
        )
        .unwrap();
    let logn = |x: f64, m: f64, v: f64| {
        -0.5 * ((2.0 * std::f64::consts::PI * v).ln() + (x - m).powi(2) / v)
    };
    let num = simpson(
        |x| logn(x, 0.3, 1.44).exp() * (logn(x, 0.3, 1.44) - logn(x, -0.5, 0.8)),
        -20.0,
        20.0,
        40000,
    );
    assert!(
        (bregman(&g, &a, &b) - num).abs() < 1e-10,
        "{} vs {num}",
        bregman(&g, &a, &b)
    );
    assert!((g.kl(&a, &b).unwrap() - num).abs() < 1e-10);
    // Categorical: enumeration.
    let c = LogLinear::independence(2, 3).unwrap();
    let (a, b) = (
        DVector::from_vec(vec![0.4, -0.2, 0.7]),
        DVector::from_vec(vec![-0.3, 0.5, 0.1]),
    );
    let (pa, pb) = (c.probabilities(&a).unwrap(), c.probabilities(&b).unwrap());
    let num: f64 = pa.iter().zip(&pb).map(|(x, y)| x * (x / y).ln()).sum();
    assert!((c.kl(&a, &b).unwrap() - num).abs() < 1e-12);
    // Gamma: quadrature in u = log x.
    let (k0, b0, k1, b1) = (2.5f64, 1.5f64, 1.7f64, 0.9f64);
    let lg = |x: f64, k: f64, r: f64| {
        k * r.ln() - statrs::function::gamma::ln_gamma(k) + (k - 1.0) * x.ln() - r * x
    };
    let num = simpson(
        |u| {
            let x = u.exp();
            x * lg(x, k0, b0).exp() * (lg(x, k0, b0) - lg(x, k1, b1))
        },
        -30.0,
        5.0,
        60000,
    );
    let kl = GammaFamily
        .kl(&GammaFamily::natural(k0, b0), &GammaFamily::natural(k1, b1))
        .unwrap();
    assert!((kl - num).abs() < 1e-10, "{kl} vs {num}");
}

#[test]
fn graphical_projection_matches_covariances_on_edges() {
    let g = chain_graph(4);
    let (m, c) = test_cov(4);
    let pt = super::projection::project_truth(
        &g,
        g.truth_moments(&Truth::Gaussian {
            mean: m.clone(),
            cov: c.clone(),
        })
        .unwrap(),
    )
    .unwrap();
    let mc = g.mean_cov(&pt.theta).unwrap();
    let k = mc.cov.clone().try_inverse().unwrap();
    for i in 0..4 {
        assert!((mc.cov[(i, i)] - c[(i, i)]).abs() < 1e-10);
        for j in i + 1..4 {
            if j == i + 1 {
                assert!((mc.cov[(i, j)] - c[(i, j)]).abs() < 1e-10);
            } else {
                assert!(
                    k[(i, j)].abs() < 1e-10,
                    "precision ({i},{j}) = {}",
                    k[(i, j)]
                );
            }
        }
    }
}

#[test]
fn sample_cumulants_approach_exact_ones() {
    let mut rng = crate::rng::stream(1, "expfam-sample-cumulants", 0);
    let theta = GammaFamily::natural(3.0, 2.0);
    let est = sample_cumulants(&GammaFamily, &theta, 200_000, &mut rng).unwrap();
    let exact = GammaFamily.cumulants(&theta).unwrap();
    assert!((&est.fisher - &exact.fisher).amax() < 0.02 * exact.fisher.amax());
    let t = expansion_terms(&est, &TruthMoments::from_model(&est)).unwrap();
    assert!((t.c1 - 1.0).abs() < 1e-12);
    let _ = Tensor3::zeros(1);
    let _ = Tensor4::zeros(1);
}

#[test]
fn bad_inputs_are_typed_errors() {
    let x = DMatrix::from_row_slice(2, 1, &[1.0, 2.0]);
    assert!(matches!(
        risk::plug_in(&Gaussian::normal(), &x),
        Err(Error::InvalidData(_))
    ));
    let full = Gaussian::new(2, Structure::Full).unwrap();
    let x = DMatrix::from_fn(20, 2, |i, _| i as f64);
    assert!(
        matches!(risk::plug_in(&full, &x), Err(Error::Numerical(_))),
        "{:?}",
        risk::plug_in(&full, &x).err()
    );
    let x = DMatrix::from_fn(20, 1, |i, _| if i == 3 { -1.0 } else { i as f64 });
    let e = risk::plug_in(&Poisson, &x).unwrap_err();
    assert!(e.to_string().contains("-1"), "{e}");
    let x = DMatrix::from_fn(20, 1, |i, _| if i == 3 { f64::NAN } else { i as f64 });
    assert!(matches!(
        risk::plug_in(&Gaussian::normal(), &x),
        Err(Error::BadCell { row: 3, .. })
    ));
    assert!(matches!(
        Truth::parse("cauchy:1", 1),
        Err(Error::UnknownName { .. })
    ));
    assert!(matches!(
        Truth::parse("student-t:5", 1),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        Truth::parse("gamma:x", 1),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(Threshold::from_delta(0.7, Bound::Pinsker).is_err());
    assert!(criterion::n_min(-1.0, 0.0, 0.1).is_err());
}

#[test]
fn plug_in_on_model_data_is_near_half_p() {
    let g = Gaussian::new(3, Structure::Diagonal).unwrap();
    let truth = Truth::parse("normal:1,2", 3).unwrap();
    let sampler = super::truth::TruthSampler::new(&truth, 3).unwrap();
    let mut rng = crate::rng::stream(2, "expfam-plugin", 0);
    let n = 4000;
    let mut x = DMatrix::zeros(n, 3);
    let mut row = [0.0; 3];
    for i in 0..n {
        sampler.draw(&mut rng, &mut row);
        for j in 0..3 {
            x[(i, j)] = row[j];
        }
    }
    let fit = risk::plug_in(&g, &x).unwrap();
    assert!((fit.terms.c1 - 3.0).abs() < 0.3, "{}", fit.terms.c1);
    assert!((fit.criteria.tic - fit.criteria.aic).abs() < 1.0);
    let ci = risk::bootstrap_c1(&g, &x, 50, 0.9, &mut rng).unwrap();
    assert!(ci.0 < fit.terms.c1 && fit.terms.c1 < ci.1, "{ci:?}");
}

proptest! {
    #[test]
    fn n_min_decreases_in_epsilon(c1 in 0.01f64..50.0, c2 in -20.0f64..50.0, e1 in 1e-4f64..0.5, f in 1.0f64..10.0) {
        let e2 = e1 * f;
        prop_assert!(criterion::n_min(c1, c2, e2).unwrap() <= criterion::n_min(c1, c2, e1).unwrap());
    }

    #[test]
    fn accept_is_monotone_in_n(c1 in 0.01f64..50.0, c2 in -20.0f64..50.0, eps in 1e-4f64..0.5, n in 1u64..100_000, k in 0u64..100_000) {
        if criterion::accept(c1, c2, n, eps).unwrap() {
            prop_assert!(criterion::accept(c1, c2, n + k, eps).unwrap());
        }
    }

    #[test]
    fn accept_is_monotone_in_nested_models(c1 in 0.01f64..50.0, c2 in 0.0f64..50.0, dc1 in 0.0f64..10.0, dc2 in 0.0f64..10.0, eps in 1e-4f64..0.5, n in 1u64..100_000) {
        // A larger nested model has larger risk terms; if it passes, the smaller one passes.
        if criterion::accept(c1 + dc1, c2 + dc2, n, eps).unwrap() {
            prop_assert!(criterion::accept(c1, c2, n, eps).unwrap());
        }
    }

    #[test]
    fn n_min_without_c2_is_ceil_c1_over_eps(c1 in 0.01f64..50.0, eps in 1e-4f64..0.5) {
        prop_assert_eq!(criterion::n_min(c1, 0.0, eps).unwrap(), (c1 / eps).ceil() as u64);
    }

    #[test]
    fn accept_matches_inequality_for_nonnegative_c2(c1 in 0.01f64..50.0, c2 in 0.0f64..50.0, eps in 1e-4f64..0.5, n in 1u64..100_000) {
        let nf = n as f64;
        let lhs = c1 / nf + c2 / (nf * nf);
        // Away from the boundary (rounding) the two definitions agree.
        if (lhs - eps).abs() > 1e-9 * eps {
            prop_assert_eq!(criterion::accept(c1, c2, n, eps).unwrap(), lhs <= eps);
        }
    }
}

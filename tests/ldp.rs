//! Integration tests of the `ldp` module (issue 4 acceptance items 1–7).
//! Run with the optimized test profile (`[profile.test] opt-level = 2`); 1e6-draw checks are
//! parallel over users with thread-count independent streams.

use nalgebra::{DMatrix, DVector};
use veristat::Error;
use veristat::estimator::{ParamGuard, RegressionData};
use veristat::ldp::Privacy;
use veristat::ldp::audit::{empirical_audit, exact_ratio_check};
use veristat::ldp::estimate::privatize_all;
use veristat::ldp::mechanisms::{
    self, BinaryRr, BrokenOue, DuchiLinf, DuchiScalar, Gaussian, GaussianCalibration, Grr,
    Mechanism, Olh, UnaryEncoding, analytic_gaussian_sigma, classic_gaussian_sigma, gaussian_delta,
};
use veristat::ldp::regression::simulate::RademacherDesign;
use veristat::ldp::regression::{LdpFit, LdpIhtParams, NldpParams, NoiseMode};
use veristat::montecarlo::stats::ks_two_sample;
use veristat::montecarlo::{NoProgress, RunConfig, Scale, runner};
use veristat::rng;

/// Users' data for the estimators (a length mismatch is the constructor's error).
fn users(x: &DMatrix<f64>, y: &DVector<f64>) -> veristat::Result<RegressionData> {
    RegressionData::new(x.clone(), y.clone())
}

/// NLDP fitted to (x, y) with the noise from `r`.
fn nldp_fit(
    p: &NldpParams,
    x: &DMatrix<f64>,
    y: &DVector<f64>,
    r: &mut rng::Rng,
) -> veristat::Result<LdpFit> {
    p.check()?.fit_with(&users(x, y)?, r)
}

/// LDP-IHT fitted to (x, y) with the shuffle and noise from `r`.
fn iht_fit(
    p: &LdpIhtParams,
    x: &DMatrix<f64>,
    y: &DVector<f64>,
    r: &mut rng::Rng,
) -> veristat::Result<LdpFit> {
    p.check()?.fit_with(&users(x, y)?, r)
}

fn discrete_mechanisms(eps: f64) -> Vec<Box<dyn Mechanism>> {
    vec![
        Box::new(BinaryRr::new(eps).unwrap()),
        Box::new(Grr::new(eps, 5).unwrap()),
        Box::new(UnaryEncoding::optimized(eps, 6).unwrap()),
        Box::new(UnaryEncoding::symmetric(eps, 6).unwrap()),
        Box::new(Olh::new(eps, 6).unwrap()),
        Box::new(DuchiScalar::new(eps, 1.0).unwrap()),
        Box::new(DuchiLinf::new(eps, 3, 1.0).unwrap()),
        Box::new(DuchiLinf::new(eps, 4, 2.0).unwrap()),
    ]
}

/// Acceptance 1: exact output-ratio bound for RR, GRR, OUE, SUE, OLH, Duchi scalar (and ℓ∞).
#[test]
fn exact_ratio_check_every_discrete_mechanism() {
    for eps in [0.1, 0.5, 1.0, 2.0, 5.0] {
        for m in discrete_mechanisms(eps) {
            let a = exact_ratio_check(m.as_discrete().unwrap(), eps).unwrap();
            assert!(
                a.pass,
                "{} at eps {eps}: max ratio {} > e^eps {}",
                m.name(),
                a.max_ratio,
                a.bound
            );
            // The bound is attained (the mechanisms are not needlessly noisy).
            assert!(
                a.max_ratio > a.bound * (1.0 - 1e-9),
                "{} ratio {} below e^eps",
                m.name(),
                a.max_ratio
            );
        }
        let broken = BrokenOue::new(eps, 6).unwrap();
        let a = exact_ratio_check(broken.as_discrete().unwrap(), eps).unwrap();
        assert!(!a.pass);
        assert!(
            (a.max_ratio.ln() - 2.0 * eps).abs() < 1e-9,
            "broken OUE spends 2 eps"
        );
    }
}

/// Acceptance 2: the empirical audit passes every mechanism at ε = 0.5 and catches the bug.
#[test]
fn empirical_audit_passes_all_and_catches_planted_bug() {
    let eps = 0.5;
    let mut r = rng::stream(11, "audit-test", 0);
    for name in mechanisms::NAMES {
        let m = mechanisms::by_name(name, eps, Some(1e-6), 4, 3).unwrap();
        let a = empirical_audit(m.as_ref(), 200_000, 0.99, &mut r).unwrap();
        assert!(
            a.pass,
            "{name}: lower bound {} > eps {eps}",
            a.epsilon_lower
        );
        assert!(a.epsilon_estimate.is_finite());
    }
    let broken = BrokenOue::new(eps, 4).unwrap();
    let a = empirical_audit(&broken, 200_000, 0.99, &mut r).unwrap();
    assert!(
        !a.pass,
        "broken OUE not caught: lower bound {}",
        a.epsilon_lower
    );
    assert!(
        a.epsilon_lower > 0.8,
        "true loss is 2 eps = 1.0, lower bound {}",
        a.epsilon_lower
    );
    // A Gaussian calibrated for a smaller sensitivity than its domain has is caught by the
    // hockey-stick audit: sigma for eps = 0.5 used at claimed eps = 0.25.
    let g = Gaussian::new(0.25, 1e-6, 1, 1.0, GaussianCalibration::Analytic).unwrap();
    let ok = empirical_audit(&g, 200_000, 0.99, &mut r).unwrap();
    assert!(ok.pass && ok.method == "hockey-stick");
}

fn check_moments(m: &dyn Mechanism, x: &[f64], draws: usize, seed: u64) {
    let inputs = vec![x.to_vec(); draws];
    let mut r = rng::stream(seed, "moments", 0);
    let reports = privatize_all(m, &inputs, &mut r).unwrap();
    let k = m.estimate_dim();
    let truth: Vec<f64> = if k == m.input_dim() {
        m.clip(x).unwrap()
    } else {
        (0..k)
            .map(|u| if u == x[0] as usize { 1.0 } else { 0.0 })
            .collect()
    };
    let var = m.decode_variance(x).unwrap();
    let mut sum = vec![0.0; k];
    let mut sum2 = vec![0.0; k];
    for rep in &reports {
        for (j, v) in m.decode(rep).into_iter().enumerate() {
            sum[j] += v;
            sum2[j] += v * v;
        }
    }
    let n = draws as f64;
    for j in 0..k {
        let mean = sum[j] / n;
        let sv = sum2[j] / n - mean * mean;
        let z = (mean - truth[j]) / (var[j] / n).sqrt();
        assert!(
            z.abs() < 4.0,
            "{} coord {j}: mean {mean} vs {} (z = {z})",
            m.name(),
            truth[j]
        );
        assert!(
            (sv / var[j] - 1.0).abs() < 0.03,
            "{} coord {j}: variance {sv} vs formula {}",
            m.name(),
            var[j]
        );
    }
}

/// Acceptance 3: unbiased (|z| < 4) with variance within 3% of the formulas over 1e6 draws;
/// this pins the Duchi constants (ℓ∞ odd and even d, ℓ2).
#[test]
fn unbiased_with_formula_variance() {
    let n = 1_000_000;
    let eps = 1.0;
    let cases: Vec<(Box<dyn Mechanism>, Vec<f64>)> = vec![
        (Box::new(BinaryRr::new(eps).unwrap()), vec![1.0]),
        (Box::new(Grr::new(eps, 4).unwrap()), vec![2.0]),
        (
            Box::new(UnaryEncoding::optimized(eps, 4).unwrap()),
            vec![1.0],
        ),
        (
            Box::new(UnaryEncoding::symmetric(eps, 4).unwrap()),
            vec![3.0],
        ),
        (Box::new(Olh::new(eps, 4).unwrap()), vec![0.0]),
        (Box::new(DuchiScalar::new(eps, 1.0).unwrap()), vec![0.6]),
        (
            mechanisms::by_name("duchi-linf", eps, None, 0, 3).unwrap(),
            vec![0.5, -0.2, 0.9],
        ),
        (
            mechanisms::by_name("duchi-linf", eps, None, 0, 4).unwrap(),
            vec![0.5, -0.2, 0.9, 0.0],
        ),
        (
            mechanisms::by_name("duchi-l2", eps, None, 0, 3).unwrap(),
            vec![0.5, -0.2, 0.3],
        ),
        (
            mechanisms::by_name("piecewise", eps, None, 0, 1).unwrap(),
            vec![-0.7],
        ),
        (
            mechanisms::by_name("hybrid", eps, None, 0, 1).unwrap(),
            vec![0.4],
        ),
        (
            mechanisms::by_name("laplace", eps, None, 0, 2).unwrap(),
            vec![0.4, -1.0],
        ),
        (
            mechanisms::by_name("gaussian-analytic", eps, Some(1e-5), 0, 2).unwrap(),
            vec![0.4, -0.5],
        ),
    ];
    for (i, (m, x)) in cases.iter().enumerate() {
        check_moments(m.as_ref(), x, n, i as u64);
    }
}

/// Acceptance 4a: out-of-domain inputs give exactly the output law of the clipped input
/// (same stream ⇒ bit-identical reports), and the noise scale ignores the data.
#[test]
fn huge_and_infinite_inputs_are_clipped() {
    let cases: [(&str, usize, Vec<f64>, Vec<f64>); 7] = [
        ("duchi", 1, vec![1e300], vec![1.0]),
        ("duchi", 1, vec![f64::NEG_INFINITY], vec![-1.0]),
        ("piecewise", 1, vec![f64::INFINITY], vec![1.0]),
        ("hybrid", 1, vec![-1e300], vec![-1.0]),
        (
            "duchi-linf",
            2,
            vec![1e300, f64::NEG_INFINITY],
            vec![1.0, -1.0],
        ),
        ("laplace", 2, vec![f64::INFINITY, 0.5], vec![1.0, 0.5]),
        ("duchi-l2", 2, vec![1e300, 0.0], vec![1.0, 0.0]),
    ];
    for (name, d, wild, clipped) in cases {
        let m = mechanisms::by_name(name, 1.0, None, 0, d).unwrap();
        let mut a = rng::stream(5, "clip", 0);
        let mut b = rng::stream(5, "clip", 0);
        for _ in 0..1000 {
            assert_eq!(
                m.privatize(&wild, &mut a).unwrap(),
                m.privatize(&clipped, &mut b).unwrap(),
                "{name}"
            );
        }
    }
    let g = mechanisms::by_name("gaussian-analytic", 1.0, Some(1e-5), 0, 2).unwrap();
    let mut a = rng::stream(5, "clip", 1);
    let mut b = rng::stream(5, "clip", 1);
    let s = 1.0 / 2f64.sqrt();
    for _ in 0..100 {
        let o1 = g
            .privatize(&[f64::INFINITY, f64::INFINITY], &mut a)
            .unwrap();
        let o2 = g.privatize(&[s, s], &mut b).unwrap();
        assert!(o1.iter().zip(&o2).all(|(u, v)| (u - v).abs() < 1e-15));
    }
    // Regression: truncation makes the messages of a 1e300 user identical to a τ-user's.
    let est = NldpParams::new(0.5, 1e-5).tau(1.0, 2.0).check().unwrap();
    let mut a = rng::stream(6, "clip", 0);
    let mut b = rng::stream(6, "clip", 0);
    assert_eq!(
        est.user_message(&[1e300, -1e300], 1e300, false, &mut a)
            .unwrap(),
        est.user_message(&[1.0, -1.0], 2.0, false, &mut b).unwrap()
    );
}

fn is_param(e: Error, name: &str) -> bool {
    matches!(e, Error::InvalidParameter { name: n, .. } if n == name)
}

/// Acceptance 4b: bad input ⇒ typed errors naming the parameter, never a panic or NaN.
#[test]
fn bad_input_gives_typed_errors() {
    let m = DuchiScalar::new(1.0, 1.0).unwrap();
    let mut r = rng::stream(1, "bad", 0);
    assert!(is_param(
        m.privatize(&[f64::NAN], &mut r).unwrap_err(),
        "input"
    ));
    for eps in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        for name in mechanisms::NAMES {
            assert!(
                is_param(
                    mechanisms::by_name(name, eps, Some(1e-5), 4, 2)
                        .err()
                        .unwrap(),
                    "epsilon"
                ),
                "{name} eps {eps}"
            );
        }
        assert!(is_param(
            NldpParams::new(eps, 1e-5).check().unwrap_err(),
            "epsilon"
        ));
    }
    for delta in [0.0, 1.0, -0.1, f64::NAN, 2.0] {
        assert!(is_param(
            mechanisms::by_name("gaussian", 0.5, Some(delta), 4, 2)
                .err()
                .unwrap(),
            "delta"
        ));
        assert!(is_param(
            Privacy::approximate(1.0, delta).unwrap_err(),
            "delta"
        ));
        assert!(is_param(
            NldpParams::new(1.0, delta).check().unwrap_err(),
            "delta"
        ));
    }
    for tau in [0.0, -1.0, f64::NAN] {
        assert!(is_param(
            NldpParams::new(1.0, 1e-5)
                .tau(tau, 1.0)
                .check()
                .unwrap_err(),
            "tau1"
        ));
        assert!(is_param(
            NldpParams::new(1.0, 1e-5)
                .tau(1.0, tau)
                .check()
                .unwrap_err(),
            "tau2"
        ));
    }
    let x = DMatrix::from_element(10, 3, 0.5);
    let y = DVector::from_element(10, 1.0);
    assert!(is_param(
        iht_fit(&LdpIhtParams::new(1.0, 4), &x, &y, &mut r).unwrap_err(),
        "k"
    ));
    assert!(is_param(RademacherDesign::new(3, 4, 0.5).unwrap_err(), "k"));
    let empty = DMatrix::<f64>::zeros(0, 3);
    assert!(is_param(
        nldp_fit(
            &NldpParams::new(1.0, 1e-5),
            &empty,
            &DVector::zeros(0),
            &mut r
        )
        .unwrap_err(),
        "n"
    ));
    assert!(is_param(
        iht_fit(
            &LdpIhtParams::new(1.0, 1),
            &empty,
            &DVector::zeros(0),
            &mut r
        )
        .unwrap_err(),
        "n"
    ));
    let mut xn = x.clone();
    xn[(3, 1)] = f64::NAN;
    assert!(is_param(
        nldp_fit(&NldpParams::new(1.0, 1e-5), &xn, &y, &mut r).unwrap_err(),
        "x"
    ));
    let mut yi = y.clone();
    yi[2] = f64::INFINITY;
    assert!(is_param(
        nldp_fit(&NldpParams::new(1.0, 1e-5), &x, &yi, &mut r).unwrap_err(),
        "y"
    ));
    assert!(matches!(
        nldp_fit(&NldpParams::new(1.0, 1e-5), &x, &DVector::zeros(9), &mut r).unwrap_err(),
        Error::DimensionMismatch { .. }
    ));
    assert!(is_param(Grr::new(1.0, 1).unwrap_err(), "k"));
    assert!(is_param(
        Grr::new(1.0, 3)
            .unwrap()
            .privatize(&[3.0], &mut r)
            .unwrap_err(),
        "input"
    ));
    assert!(is_param(
        classic_gaussian_sigma(1.5, 1e-5, 1.0).unwrap_err(),
        "epsilon"
    ));
    assert!(is_param(
        empirical_audit(&m, 0, 0.95, &mut r).unwrap_err(),
        "draws"
    ));
}

/// Gaussian calibrations against Balle & Wang's analytic condition (a certificate: the
/// hockey-stick divergence at σ is δ) and against the fixture made by diffprivlib.
#[test]
fn gaussian_calibration() {
    for (eps, delta) in [(0.5, 1e-5), (1.0, 1e-6), (4.0, 1e-3)] {
        let s = analytic_gaussian_sigma(eps, delta, 2.0).unwrap();
        assert!((gaussian_delta(eps, s, 2.0) / delta - 1.0).abs() < 1e-6);
        if eps < 1.0 {
            let c = classic_gaussian_sigma(eps, delta, 2.0).unwrap();
            assert!(c > s && gaussian_delta(eps, c, 2.0) <= delta);
        }
    }
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/ldp/analytic_gaussian.csv"
    ))
    .unwrap();
    let mut rows = 0;
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("epsilon"))
    {
        let v: Vec<f64> = line.split(',').map(|c| c.trim().parse().unwrap()).collect();
        let s = analytic_gaussian_sigma(v[0], v[1], v[2]).unwrap();
        assert!(
            (s / v[3] - 1.0).abs() < 1e-6,
            "eps {} delta {}: {s} vs diffprivlib {}",
            v[0],
            v[1],
            v[3]
        );
        rows += 1;
    }
    assert!(rows >= 6);
}

/// Acceptance 5: with noise off the estimators recover θ* as the non-private estimator does.
#[test]
fn noise_off_recovers_non_private_estimate() {
    let design = RademacherDesign::new(8, 2, 0.5).unwrap();
    let mut r = rng::stream(3, "noise-off", 0);
    let (x, y) = design.sample(20_000, &mut r);
    let ols = veristat::linalg::lstsq(&x, &y).unwrap();
    let off = NldpParams::new(0.5, 1e-5)
        .tau(1.0, 1.5)
        .noise(NoiseMode::Off)
        .lambda(0.0);
    let fit = nldp_fit(&off, &x, &y, &mut r).unwrap();
    assert!(fit.privacy.is_none());
    assert!(
        (&fit.coef - &ols).amax() < 1e-10,
        "NLDP without noise = OLS on untruncated data"
    );
    let xp = design.sample(50_000, &mut r).0;
    let fp = off
        .with_public_covariates(xp.clone())
        .check()
        .unwrap()
        .fit_with(&users(&x, &y).unwrap(), &mut r)
        .unwrap();
    // The non-private public-covariate estimator in closed form: (X_pubᵀX_pub/m)⁻¹ Xᵀy/n.
    let g = xp.transpose() * &xp / xp.nrows() as f64;
    let reference = g
        .lu()
        .solve(&(x.transpose() * &y / x.nrows() as f64))
        .unwrap();
    assert!(
        (&fp.coef - &reference).amax() < 1e-9,
        "public without noise = its non-private closed form"
    );
    let e_ols = (&ols - &design.theta).norm();
    let iht = iht_fit(
        &LdpIhtParams::new(1.0, 2)
            .rounds(5)
            .tau(1.0, 1.5)
            .noise_off(),
        &x,
        &y,
        &mut r,
    )
    .unwrap();
    let e_iht = (&iht.coef - &design.theta).norm();
    assert!(
        iht.coef.iter().take(2).all(|v| *v > 0.4) && iht.coef.iter().skip(2).all(|v| *v == 0.0)
    );
    assert!(e_iht < 2.0 * e_ols + 0.01, "IHT {e_iht} vs OLS {e_ols}");
    let steps = iht.details["steps"].as_array().unwrap();
    assert!(
        steps.last().unwrap().as_f64().unwrap() < 0.05,
        "IHT converged: {steps:?}"
    );
    // Accounting: every user in exactly one round; per-user budget (ε, 0).
    let fit = iht_fit(
        &LdpIhtParams::new(1.0, 2).rounds(5).tau(1.0, 1.5),
        &x,
        &y,
        &mut r,
    )
    .unwrap();
    assert_eq!(fit.details["max_rounds_per_user"], 1);
    assert_eq!(fit.privacy.unwrap(), Privacy::pure(1.0).unwrap());
    let nl = NldpParams::new(0.5, 1e-5)
        .check()
        .unwrap()
        .privacy(false)
        .unwrap();
    assert_eq!((nl.epsilon, nl.delta), (0.5, 1e-5));
}

/// Acceptance 6b: per-user and aggregate noise give the same error distribution
/// (KS p > 0.01 at d = 20, n = 1e5).
/// LDP-IHT's error against its closed form. With the support found (signal 1/k = 0.5, noise
/// sd 0.064), the last round's error on the support is the mean of n/T privatized gradients:
/// per coordinate N(0, σ²) with σ = G·B/√(n/T) (Duchi's ℓ∞ output ±G·B, G = τ₁(τ₁R + τ₂)),
/// so E‖θ̂ − θ*‖₂ = σ√(π/2) for k = 2 (a χ₂ scaled by σ).
#[test]
fn iht_error_matches_its_closed_form_noise_level() {
    let (n, reps, t) = (300_000usize, 100u64, 3usize);
    let design = RademacherDesign::new(4, 2, 0.5).unwrap();
    let (tau1, tau2, radius) = (1.0, 1.5, 2.0);
    let g = tau1 * (tau1 * radius + tau2);
    let sigma = DuchiLinf::new(1.0, 4, g).unwrap().bound() / ((n / t) as f64).sqrt();
    let expected = sigma * (std::f64::consts::PI / 2.0).sqrt();
    let errs: Vec<f64> = (0..reps)
        .map(|r| {
            let mut rng = rng::stream(11, "iht-closed-form", r);
            let (x, y) = design.sample(n, &mut rng);
            let fit = iht_fit(
                &LdpIhtParams::new(1.0, 2)
                    .rounds(t)
                    .tau(tau1, tau2)
                    .l1_radius(radius),
                &x,
                &y,
                &mut rng,
            )
            .unwrap();
            (&fit.coef - &design.theta).norm()
        })
        .collect();
    let mean = errs.iter().sum::<f64>() / reps as f64;
    let sd = (errs.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (reps - 1) as f64).sqrt();
    let z = (mean - expected) / (sd / (reps as f64).sqrt());
    eprintln!("LDP-IHT mean error {mean:.5} (sd {sd:.5}) vs closed form {expected:.5}: z = {z:.2}");
    assert!(
        z.abs() < 3.0,
        "mean error {mean} vs {expected} (z = {z:.2})"
    );
}

#[test]
fn aggregate_noise_matches_per_user() {
    let design = RademacherDesign::new(20, 4, 0.5).unwrap();
    let mut r = rng::stream(4, "aggregate", 0);
    let (x, y) = design.sample(100_000, &mut r);
    let reps = 30;
    let mut per_user = Vec::new();
    let mut aggregate = Vec::new();
    for rep in 0..reps {
        for (mode, out) in [
            (NoiseMode::PerUser, &mut per_user),
            (NoiseMode::Aggregate, &mut aggregate),
        ] {
            let mut rr = rng::stream(
                rep,
                "aggregate-noise",
                u64::from(mode == NoiseMode::PerUser),
            );
            let est = NldpParams::new(0.5, 1e-5)
                .tau(1.0, 1.5)
                .noise(mode)
                .lambda(0.0)
                .floor(1e-3);
            let fit = nldp_fit(&est, &x, &y, &mut rr).unwrap();
            out.push((&fit.coef - &design.theta).norm());
        }
    }
    let (d, p) = ks_two_sample(&per_user, &aggregate).unwrap();
    assert!(p > 0.01, "KS D = {d}, p = {p}");
}

/// Acceptance 6a: the three slope claims and the audit claim at test scale.
#[test]
fn claims_pass_at_test_scale() {
    let mut failed = Vec::new();
    for claim in veristat::claims::ldp::claims(Scale::Test) {
        let cfg = RunConfig::new(2026, claim.default_replicates());
        let table = runner::run(claim.as_ref(), &cfg, &NoProgress).unwrap();
        assert!(
            table
                .rows
                .iter()
                .all(|r| r.values.iter().all(|v| v.is_finite()))
        );
        let v = claim.verdict(&table).unwrap();
        for c in &v.checks {
            eprintln!(
                "{} {}: {:.3} [{:.3}, {:.3}] {}",
                v.claim, c.name, c.estimate, c.ci.0, c.ci.1, c.pass
            );
        }
        if v.claim == "ldp-iht-slopes" {
            // Two replicates at a quarter of the users: the bands need the quick/full runs;
            // here only the directions of the four effects are asserted.
            let sign: Vec<f64> = v.checks.iter().map(|c| c.estimate.signum()).collect();
            assert_eq!(sign, vec![-1.0, -1.0, 1.0, 1.0], "IHT slope directions");
        } else if !v.pass() {
            failed.push(v.claim.clone());
        }
    }
    assert!(failed.is_empty(), "failed: {failed:?}");
    let broken = veristat::claims::ldp::AuditClaim::new(Scale::Test).with_broken();
    let table = runner::run(&broken, &RunConfig::new(2026, 1), &NoProgress).unwrap();
    let v = veristat::montecarlo::Claim::verdict(&broken, &table).unwrap();
    assert!(!v.pass());
    let failing: Vec<&str> = v
        .checks
        .iter()
        .filter(|c| !c.pass)
        .map(|c| c.name.as_str())
        .collect();
    assert!(
        failing.iter().all(|n| n.starts_with("broken-oue")),
        "{failing:?}"
    );
    assert!(failing.iter().any(|n| n.contains("0.5")));
}

/// Acceptance 7: same seed ⇒ same outputs with 1 and 2 threads.
#[test]
fn same_seed_same_outputs_any_thread_count() {
    let run = || {
        let mut r = rng::stream(9, "threads", 0);
        let m = mechanisms::by_name("oue", 1.0, None, 8, 1).unwrap();
        let inputs: Vec<Vec<f64>> = (0..20_000).map(|i| vec![(i % 8) as f64]).collect();
        let reports = privatize_all(m.as_ref(), &inputs, &mut r).unwrap();
        let design = RademacherDesign::new(6, 2, 0.5).unwrap();
        let (x, y) = design.sample(10_000, &mut r);
        let nldp = nldp_fit(&NldpParams::new(0.5, 1e-5).tau(1.0, 1.5), &x, &y, &mut r)
            .unwrap()
            .coef;
        let iht = iht_fit(
            &LdpIhtParams::new(1.0, 2).rounds(4).tau(1.0, 1.5),
            &x,
            &y,
            &mut r,
        )
        .unwrap()
        .coef;
        let audit = empirical_audit(m.as_ref(), 100_000, 0.95, &mut r)
            .unwrap()
            .epsilon_lower;
        (reports, nldp, iht, audit)
    };
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(run);
    let two = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap()
        .install(run);
    assert_eq!(one.0, two.0);
    assert_eq!(one.1, two.1);
    assert_eq!(one.2, two.2);
    assert_eq!(one.3.to_bits(), two.3.to_bits());
}

/// The CLI contract of `veristat ldp` (needs the binary: default features).
#[cfg(feature = "cli")]
mod cli {
    use std::process::Command;

    fn veristat(args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_veristat"))
            .args(args)
            .output()
            .unwrap()
    }

    #[test]
    fn sample_writes_n_lines_reproducibly() {
        let args = [
            "ldp",
            "sample",
            "--mechanism",
            "duchi-linf",
            "--epsilon",
            "1",
            "--input",
            "0.5,-2,1e300",
            "--n",
            "1000",
            "--seed",
            "3",
        ];
        let a = veristat(&args);
        assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
        let text = String::from_utf8(a.stdout.clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1000);
        let b = veristat::ldp::mechanisms::duchi_linf_bound(1.0, 3);
        for l in &lines {
            let v: Vec<f64> = l.split(',').map(|c| c.parse().unwrap()).collect();
            assert_eq!(v.len(), 3);
            assert!(v.iter().all(|x| (x.abs() - b).abs() < 1e-12));
        }
        assert_eq!(veristat(&args).stdout, a.stdout);
        let rr = veristat(&[
            "ldp",
            "sample",
            "--mechanism",
            "rr",
            "--epsilon",
            "0.5",
            "--input",
            "1",
            "--n",
            "5",
            "--seed",
            "1",
        ]);
        assert_eq!(String::from_utf8(rr.stdout).unwrap().lines().count(), 5);
    }

    #[test]
    fn audit_prints_bound_and_verdict() {
        let out = veristat(&[
            "ldp",
            "audit",
            "--mechanism",
            "oue",
            "--epsilon",
            "0.5",
            "--draws",
            "100000",
        ]);
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("PASS") && text.contains("epsilon_lower"),
            "{text}"
        );
        let js = veristat(&[
            "ldp",
            "audit",
            "--mechanism",
            "gaussian",
            "--epsilon",
            "0.5",
            "--delta",
            "1e-5",
            "--draws",
            "50000",
            "--format",
            "json",
        ]);
        let v: serde_json::Value = serde_json::from_slice(&js.stdout).unwrap();
        assert_eq!(v["verdict"], "PASS");
        assert!(v["epsilon_lower"].as_f64().unwrap() <= 0.5);
    }

    #[test]
    fn regress_prints_contract_json() {
        let dir = std::env::temp_dir().join(format!("veristat-ldp-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let design = veristat::ldp::regression::simulate::RademacherDesign::new(4, 1, 0.5).unwrap();
        let mut r = veristat::rng::stream(1, "cli", 0);
        let (x, y) = design.sample(5000, &mut r);
        let mut csv = String::from("a,b,c,d,target\n");
        for i in 0..5000 {
            csv.push_str(&format!(
                "{},{},{},{},{}\n",
                x[(i, 0)],
                x[(i, 1)],
                x[(i, 2)],
                x[(i, 3)],
                y[i]
            ));
        }
        let data = dir.join("users.csv");
        std::fs::write(&data, &csv).unwrap();
        let d = data.to_str().unwrap();
        for method in ["nldp", "public", "iht"] {
            let mut args = vec![
                "ldp",
                "regress",
                "--data",
                d,
                "--target",
                "target",
                "--method",
                method,
                "--epsilon",
                "0.5",
                "--delta",
                "1e-5",
                "--seed",
                "2",
                "--format",
                "json",
            ];
            if method == "public" {
                args.extend(["--public", d]);
            }
            let out = veristat(&args);
            assert!(
                out.status.success(),
                "{method}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            for key in [
                "method",
                "coef",
                "feature_names",
                "epsilon",
                "delta",
                "params",
            ] {
                assert!(v.get(key).is_some(), "{method}: missing {key}");
            }
            assert_eq!(v["method"], method);
            assert_eq!(v["coef"].as_array().unwrap().len(), 4);
            assert_eq!(v["feature_names"][3], "d");
            assert_eq!(v["epsilon"], 0.5);
        }
        // Bad input: exit 2, one line on stderr, nothing on stdout.
        for args in [
            vec![
                "ldp",
                "regress",
                "--data",
                d,
                "--target",
                "nope",
                "--method",
                "nldp",
                "--epsilon",
                "0.5",
                "--delta",
                "1e-5",
            ],
            vec![
                "ldp",
                "regress",
                "--data",
                d,
                "--target",
                "target",
                "--method",
                "nldp",
                "--epsilon",
                "0",
                "--delta",
                "1e-5",
            ],
            vec![
                "ldp",
                "regress",
                "--data",
                d,
                "--target",
                "target",
                "--method",
                "nldp",
                "--epsilon",
                "0.5",
                "--delta",
                "1.5",
            ],
            vec![
                "ldp",
                "regress",
                "--data",
                d,
                "--target",
                "target",
                "--method",
                "public",
                "--epsilon",
                "0.5",
                "--delta",
                "1e-5",
            ],
            vec![
                "ldp",
                "sample",
                "--mechanism",
                "duchi",
                "--epsilon",
                "1",
                "--input",
                "nan",
                "--n",
                "10",
            ],
            vec![
                "ldp",
                "sample",
                "--mechanism",
                "laplace",
                "--epsilon",
                "-1",
                "--input",
                "0.1",
                "--n",
                "10",
            ],
            vec![
                "ldp",
                "sample",
                "--mechanism",
                "grr",
                "--epsilon",
                "1",
                "--k",
                "3",
                "--input",
                "7",
                "--n",
                "10",
            ],
            vec![
                "ldp",
                "sample",
                "--mechanism",
                "nope",
                "--epsilon",
                "1",
                "--input",
                "1",
                "--n",
                "10",
            ],
            vec![
                "ldp",
                "audit",
                "--mechanism",
                "gaussian",
                "--epsilon",
                "0.5",
                "--draws",
                "10",
            ],
        ] {
            let out = veristat(&args);
            assert_eq!(out.status.code(), Some(2), "{args:?}");
            assert!(out.stdout.is_empty(), "{args:?}");
            assert_eq!(
                String::from_utf8_lossy(&out.stderr).trim().lines().count(),
                1,
                "{args:?}"
            );
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}

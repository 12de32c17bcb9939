//! Spec §5 checks on the shipped breast-cancer data against the cvxpy + ECOS fixture
//! (tests/fixtures/multiplicity/make_fixtures.py) and the spec's §4 tables.

use super::*;
use crate::estimator::{Fit, RegressionData};
use crate::linalg::sigmoid;
use nalgebra::{DMatrix, DVector};
use std::sync::OnceLock;

fn data(x: &DMatrix<f64>, y: &DVector<f64>) -> RegressionData {
    RegressionData::new(x.clone(), y.clone()).unwrap()
}

/// The CSV is all-numeric with a header; parse it by hand so these tests need no polars.
fn breast_cancer() -> (DMatrix<f64>, DVector<f64>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/breast_cancer.csv");
    let text = std::fs::read_to_string(path).expect("datasets/breast_cancer.csv");
    let rows: Vec<Vec<f64>> = text
        .lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .map(|v| v.parse::<f64>().expect("number"))
                .collect()
        })
        .collect();
    let n = rows.len();
    let p = rows[0].len() - 1;
    (
        DMatrix::from_fn(n, p, |i, j| rows[i][j]),
        DVector::from_fn(n, |i, _| rows[i][p]),
    )
}

fn fixture() -> serde_json::Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/multiplicity/breast_cancer_ecos.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json")
}

fn bc_fit() -> &'static LogisticFit {
    static FIT: OnceLock<LogisticFit> = OnceLock::new();
    FIT.get_or_init(|| {
        let (x, y) = breast_cancer();
        LogisticParams::new(1.0 / 569.0)
            .standardize(true)
            .fit(&data(&x, &y))
            .unwrap()
    })
}

fn bc_all_ranges() -> &'static Vec<ScoreRange> {
    static R: OnceLock<Vec<ScoreRange>> = OnceLock::new();
    R.get_or_init(|| {
        LevelSet::new(bc_fit(), Epsilon::Relative(0.01))
            .unwrap()
            .all_training_ranges()
            .unwrap()
    })
}

/// Acceptance 1 / spec check 5: J*, the ten listed points (ECOS fixture, which reproduces the
/// spec's tables) to 1e-5 in score and 1e-6 in probability.
#[test]
fn breast_cancer_reference_matches_ecos_and_spec() {
    let fit = bc_fit();
    let fx = fixture();
    assert!(fit.gradient_norm() <= 1e-10);
    assert!(
        (fit.j_star - 0.06636018622473809).abs() < 1e-12,
        "J* = {}",
        fit.j_star
    );
    assert!((fit.j_star - fx["j_star"].as_f64().unwrap()).abs() < 1e-12);
    assert!((fit.accuracy() - 0.98770).abs() < 1e-5);
    let set = LevelSet::new(fit, Epsilon::Relative(0.01)).unwrap();
    for pt in fx["points"].as_array().unwrap() {
        let i = pt["row"].as_u64().unwrap() as usize;
        let r = set.score_range(&fit.objective.row(i)).unwrap();
        assert!(r.converged(), "row {i}");
        let (smin, smax) = (pt["s_min"].as_f64().unwrap(), pt["s_max"].as_f64().unwrap());
        assert!(
            (r.s0 - pt["s0"].as_f64().unwrap()).abs() < 1e-8,
            "s0 row {i}"
        );
        assert!(
            (r.lower.score - smin).abs() < 1e-5,
            "s_min row {i}: {} vs {smin}",
            r.lower.score
        );
        assert!(
            (r.upper.score - smax).abs() < 1e-5,
            "s_max row {i}: {} vs {smax}",
            r.upper.score
        );
        assert!((r.lower.probability() - sigmoid(smin)).abs() < 1e-6);
        assert!((r.upper.probability() - sigmoid(smax)).abs() < 1e-6);
    }
    // Spec §4 table values (rounded to 6 decimals there).
    let spec = [
        (0, -23.834902, -17.409597),
        (1, -12.206393, -8.585772),
        (2, -17.627717, -13.779404),
        (3, -9.887412, -5.485049),
        (4, -12.188275, -8.756517),
        (541, -0.907607, 0.519729),
        (413, -0.858346, 0.435101),
        (363, -0.393774, 1.034123),
        (255, -0.942205, 0.302975),
        (215, -1.015908, 0.268825),
    ];
    for (i, lo, hi) in spec {
        let r = set.score_range(&fit.objective.row(i)).unwrap();
        assert!(
            (r.lower.score - lo).abs() < 1e-5 && (r.upper.score - hi).abs() < 1e-5,
            "row {i}"
        );
    }
}

/// Acceptance 1: whole-data ambiguity at the four deltas (spec §4; 4 decimals there = exact
/// counts out of 569), and the discrepancy lower bounds.
#[test]
fn breast_cancer_ambiguity_and_discrepancy() {
    let ranges = bc_all_ranges();
    assert!(ranges.iter().all(|r| r.converged()));
    let table = [
        (0.01, 0.3005, 0.1494),
        (0.05, 0.1564, 0.0211),
        (0.10, 0.0914, 0.0035),
        (0.20, 0.0211, 0.0018),
    ];
    let a = bc_fit().objective.design();
    let deltas: Vec<f64> = table.iter().map(|t| t.0).collect();
    let disc = discrepancy(a, ranges, &deltas).unwrap();
    for ((delta, amb, lb), d) in table.iter().zip(&disc) {
        let got = ambiguity(ranges, *delta).unwrap();
        assert!((got - amb).abs() < 5e-5, "ambiguity at {delta}: {got}");
        assert!((d.upper - got).abs() == 0.0);
        assert!(
            (d.lower - lb).abs() < 5e-5,
            "discrepancy LB at {delta}: {}",
            d.lower
        );
    }
    let widths: Vec<f64> = ranges.iter().map(|r| r.width()).collect();
    let mean = widths.iter().sum::<f64>() / widths.len() as f64;
    let max = widths.iter().copied().fold(0.0, f64::max);
    assert!(
        (mean - 0.0406).abs() < 5e-5 && (max - 0.5495).abs() < 5e-5,
        "{mean} {max}"
    );
}

/// Spec checks 1 and 4: containment and the certificates, for every training row.
#[test]
fn containment_and_certificates() {
    let fit = bc_fit();
    let set = LevelSet::new(fit, Epsilon::Relative(0.01)).unwrap();
    for (i, r) in bc_all_ranges().iter().enumerate() {
        assert!(
            r.lower.score <= r.s0 + 1e-9 && r.s0 <= r.upper.score + 1e-9,
            "row {i}"
        );
        for (ep, sign) in [(&r.lower, -1.0), (&r.upper, 1.0)] {
            assert!(ep.constraint_residual.abs() <= 1e-10 * set.tau, "row {i}");
            assert!(ep.constraint_residual <= 0.0, "row {i}: infeasible");
            assert!(ep.stationarity_residual <= 1e-8, "row {i}");
            assert_eq!(ep.t.signum(), sign);
            // Recompute the certificates independently of the solver.
            let a = fit.objective.row(i);
            assert_eq!(ep.score, a.dot(&ep.theta));
            let j = fit.objective.objective(&ep.theta);
            assert!((j - set.tau).abs() <= 1e-10 * set.tau);
            assert!((fit.objective.gradient(&ep.theta) - &a * ep.t).amax() <= 1e-8);
        }
    }
}

/// Spec check 2: ε = 0 gives width exactly 0; ε = 1e-12 J* gives a width below 1e-5 in score.
/// The width is 2√(2ε aᵀH0⁻¹a) to first order, which exceeds 1e-5 for the highest-leverage rows
/// (row 0: 6.4e-5), so there the check is that the width matches that value within 1%.
#[test]
fn epsilon_zero_and_tiny() {
    let fit = bc_fit();
    let zero = LevelSet::new(fit, Epsilon::Absolute(0.0)).unwrap();
    let tiny = LevelSet::new(fit, Epsilon::Relative(1e-12)).unwrap();
    for i in [0, 3, 215, 363, 541] {
        let a = fit.objective.row(i);
        let r = zero.score_range(&a).unwrap();
        assert_eq!(r.score_width(), 0.0);
        assert_eq!(r.width(), 0.0);
        let r = tiny.score_range(&a).unwrap();
        let ell = tiny.ellipsoid_range(&a).unwrap();
        let ell_width = ell.s_max - ell.s_min;
        assert!(
            (r.score_width() / ell_width - 1.0).abs() < 1e-2,
            "row {i}: {} vs {ell_width}",
            r.score_width()
        );
        if ell_width < 0.5e-5 {
            assert!(r.score_width() < 1e-5, "row {i}: {}", r.score_width());
        }
        assert!(r.converged(), "row {i}");
        assert!(r.lower.constraint_residual <= 0.0 && r.upper.constraint_residual <= 0.0);
    }
}

/// Spec check 3: nesting over the §4 ε sweep, monotone widths, ambiguity and discrepancy LB in
/// ε; ambiguity non-increasing in δ. Also the §4 sweep values for points 3 and 541.
#[test]
fn nesting_over_the_epsilon_sweep() {
    let fit = bc_fit();
    let rows: Vec<usize> = (0..569).step_by(7).chain([3, 541]).collect();
    let a = fit.objective.design_rows(&rows).unwrap();
    let sweep = [0.0, 0.001, 0.005, 0.01, 0.02, 0.05];
    let spec3 = [
        (0.00049, 0.00049),
        (0.00024, 0.00098),
        (0.00010, 0.00225),
        (0.00005, 0.00413),
        (0.00002, 0.00959),
        (0.0, 0.04680),
    ];
    let spec541 = [
        (0.45263, 0.45263),
        (0.39758, 0.50868),
        (0.33272, 0.57737),
        (0.28749, 0.62708),
        (0.22971, 0.69296),
        (0.13903, 0.80240),
    ];
    let mut prev: Option<Vec<ScoreRange>> = None;
    let mut prev_amb = vec![0.0; 4];
    let mut prev_lb = vec![0.0; 4];
    let deltas = [0.01, 0.05, 0.1, 0.2];
    for (k, &e) in sweep.iter().enumerate() {
        let set = LevelSet::new(fit, Epsilon::Relative(e)).unwrap();
        let ranges = set.training_ranges(&rows).unwrap();
        let n = rows.len();
        let (p3, p541) = (
            ranges[n - 2].probability_range(),
            ranges[n - 1].probability_range(),
        );
        assert!(
            (p3.0 - spec3[k].0).abs() < 5e-6 && (p3.1 - spec3[k].1).abs() < 5e-6,
            "point 3 at {e}: {p3:?}"
        );
        assert!(
            (p541.0 - spec541[k].0).abs() < 5e-6 && (p541.1 - spec541[k].1).abs() < 5e-6,
            "541 at {e}"
        );
        if let Some(p) = &prev {
            for (r0, r1) in p.iter().zip(&ranges) {
                assert!(
                    r1.lower.score <= r0.lower.score + 1e-12
                        && r1.upper.score >= r0.upper.score - 1e-12
                );
                assert!(r1.width() >= r0.width() - 1e-15);
            }
        }
        if e > 0.0 {
            let disc = discrepancy(&a, &ranges, &deltas).unwrap();
            let ambs: Vec<f64> = deltas
                .iter()
                .map(|&d| ambiguity(&ranges, d).unwrap())
                .collect();
            for j in 0..4 {
                assert!(
                    ambs[j] >= prev_amb[j] && disc[j].lower >= prev_lb[j],
                    "monotone in eps at {e}"
                );
                if j > 0 {
                    assert!(ambs[j] <= ambs[j - 1], "non-increasing in delta");
                }
            }
            prev_amb = ambs;
            prev_lb = disc.iter().map(|d| d.lower).collect();
        }
        prev = Some(ranges);
    }
}

/// Spec check 6: at ε_rel = 1e-6 the half-widths match √(2 ε aᵀH0⁻¹a) within 1%.
#[test]
fn small_epsilon_matches_the_ellipsoid() {
    let fit = bc_fit();
    let set = LevelSet::new(fit, Epsilon::Relative(1e-6)).unwrap();
    let rows: Vec<usize> = (0..569).step_by(11).collect();
    let ranges = set.training_ranges(&rows).unwrap();
    let ell = set.ellipsoid_ranges();
    for (&i, r) in rows.iter().zip(&ranges) {
        let half = ell[i].s_max - ell[i].s0;
        let ratio_hi = (r.upper.score - r.s0) / half;
        let ratio_lo = (r.s0 - r.lower.score) / half;
        assert!(
            (ratio_hi - 1.0).abs() < 1e-2 && (ratio_lo - 1.0).abs() < 1e-2,
            "row {i}: {ratio_lo} {ratio_hi}"
        );
    }
}

/// Spec check 7: y → 1 − y maps every range to [1 − p⁺, 1 − p⁻].
#[test]
fn label_flip_symmetry() {
    let (x, y) = breast_cancer();
    let flipped = y.map(|v| 1.0 - v);
    let fit2 = LogisticParams::new(1.0 / 569.0)
        .standardize(true)
        .fit(&data(&x, &flipped))
        .unwrap();
    let set1 = LevelSet::new(bc_fit(), Epsilon::Relative(0.01)).unwrap();
    let set2 = LevelSet::new(&fit2, Epsilon::Relative(0.01)).unwrap();
    let rows = [0, 3, 100, 215, 363, 541];
    let r1 = set1.training_ranges(&rows).unwrap();
    let r2 = set2.training_ranges(&rows).unwrap();
    for (a, b) in r1.iter().zip(&r2) {
        let (lo1, hi1) = a.probability_range();
        let (lo2, hi2) = b.probability_range();
        assert!((lo2 - (1.0 - hi1)).abs() < 1e-9 && (hi2 - (1.0 - lo1)).abs() < 1e-9);
        assert!(
            (b.lower.score + a.upper.score).abs() < 1e-7
                && (b.upper.score + a.lower.score).abs() < 1e-7
        );
    }
}

/// Spec check 8: duplicating row k is the same as giving it weight 2 (the mean loss is
/// normalized by the total weight, and standardization uses the weighted moments).
#[test]
fn weights_equal_duplication() {
    let (x, y) = breast_cancer();
    let (n, p) = x.shape();
    let k = 3;
    let xd = DMatrix::from_fn(n + 1, p, |i, j| if i < n { x[(i, j)] } else { x[(k, j)] });
    let yd = DVector::from_fn(n + 1, |i, _| if i < n { y[i] } else { y[k] });
    let lam = 1.0 / 569.0;
    let dup = LogisticParams::new(lam)
        .standardize(true)
        .fit(&data(&xd, &yd))
        .unwrap();
    let mut w = vec![1.0; n];
    w[k] = 2.0;
    let wtd = LogisticParams::new(lam)
        .standardize(true)
        .weights(w)
        .fit(&data(&x, &y))
        .unwrap();
    assert!((dup.j_star - wtd.j_star).abs() < 1e-13);
    let rows = [0, 3, 541];
    let rd = LevelSet::new(&dup, Epsilon::Relative(0.01))
        .unwrap()
        .training_ranges(&rows)
        .unwrap();
    let rw = LevelSet::new(&wtd, Epsilon::Relative(0.01))
        .unwrap()
        .training_ranges(&rows)
        .unwrap();
    for (a, b) in rd.iter().zip(&rw) {
        assert!(
            (a.lower.score - b.lower.score).abs() < 1e-7
                && (a.upper.score - b.upper.score).abs() < 1e-7
        );
    }
}

/// Spec check 9: 0 ≤ LB ≤ ambiguity ≤ 1; label-flip ambiguity = fraction of ranges crossing 0.5.
#[test]
fn measures_are_consistent() {
    let ranges = bc_all_ranges();
    let a = bc_fit().objective.design();
    for d in discrepancy(a, ranges, &[0.001, 0.01, 0.1, 0.3, 0.6]).unwrap() {
        assert!(0.0 <= d.lower && d.lower <= d.upper && d.upper <= 1.0);
    }
    let crossing = ranges
        .iter()
        .filter(|r| {
            let (lo, hi) = r.probability_range();
            let p0 = r.p0();
            if p0 >= 0.5 { lo < 0.5 } else { hi >= 0.5 }
        })
        .count() as f64
        / ranges.len() as f64;
    assert_eq!(label_flip_ambiguity(ranges).unwrap(), crossing);
    assert!(crossing > 0.0);
    let (lb, ub) = label_flip_discrepancy(a, ranges).unwrap();
    assert!(0.0 < lb && lb <= ub);
    // Rashomon capacity lies in [1, 2] and grows with the width of the range.
    let rc: Vec<f64> = ranges
        .iter()
        .map(|r| rashomon_capacity(r).unwrap())
        .collect();
    assert!(rc.iter().all(|&c| (1.0..=2.0).contains(&c)));
    let widest = (0..ranges.len())
        .max_by(|&i, &j| ranges[i].width().total_cmp(&ranges[j].width()))
        .unwrap();
    let narrowest = (0..ranges.len())
        .min_by(|&i, &j| ranges[i].width().total_cmp(&ranges[j].width()))
        .unwrap();
    assert!(rc[widest] > rc[narrowest]);
}

/// Bad inputs: typed errors, never NaN.
#[test]
fn bad_inputs_are_typed_errors() {
    let (x, y) = breast_cancer();
    let err = |r: crate::Result<LogisticFit>| match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    };
    let e = err(LogisticParams::new(0.0)
        .standardize(true)
        .fit(&data(&x, &y)));
    assert!(
        matches!(e, crate::Error::NotIdentifiable(ref m) if m.contains("separable") && m.contains("l2 > 0")),
        "{e}"
    );
    let mut xc = x.clone();
    xc.column_mut(4).fill(2.5);
    let names: Vec<String> = (0..30).map(|j| format!("f{j}")).collect();
    let e = err(LogisticParams::new(0.01)
        .standardize(true)
        .feature_names(names)
        .fit(&data(&xc, &y)));
    assert!(
        e.to_string().contains("`f4`") && e.to_string().contains("constant"),
        "{e}"
    );
    let ones = DVector::from_element(569, 1.0);
    let e = err(LogisticParams::new(0.01).fit(&data(&x, &ones)));
    assert!(e.to_string().contains("single class"), "{e}");
    let mut yb = y.clone();
    yb[7] = 2.0;
    assert!(matches!(
        LogisticParams::new(0.01).fit(&data(&x, &yb)),
        Err(crate::Error::InvalidParameter { name: "y", .. })
    ));
    let mut xn = x.clone();
    xn[(5, 2)] = f64::NAN;
    assert!(matches!(
        LogisticParams::new(0.01).fit(&data(&xn, &y)),
        Err(crate::Error::InvalidParameter { name: "x", .. })
    ));
    assert!(matches!(
        LogisticParams::new(-1.0).fit(&data(&x, &y)),
        Err(crate::Error::InvalidParameter { name: "l2", .. })
    ));
    assert!(matches!(
        LevelSet::new(bc_fit(), Epsilon::Relative(-0.1)),
        Err(crate::Error::InvalidParameter {
            name: "epsilon",
            ..
        })
    ));
    assert!(matches!(
        ambiguity(bc_all_ranges(), 1.5),
        Err(crate::Error::InvalidParameter { name: "delta", .. })
    ));
    // λ = 0 with n ≤ p, and collinear columns at λ = 0 on non-separable data.
    let xs = x.rows(0, 20).into_owned();
    let ys = y.rows(0, 20).into_owned();
    assert!(matches!(
        LogisticParams::new(0.0).fit(&data(&xs, &ys)),
        Err(crate::Error::InvalidParameter { name: "l2", .. })
    ));
    let xo = DMatrix::from_fn(60, 3, |i, j| {
        if j < 2 {
            ((i * (j + 3)) % 7) as f64
        } else {
            2.0 * ((i * 3) % 7) as f64
        }
    });
    let yo = DVector::from_fn(60, |i, _| ((i * 5) % 3 == 0) as u8 as f64);
    let e = err(LogisticParams::new(0.0).fit(&data(&xo, &yo)));
    assert!(e.to_string().contains("collinear"), "{e}");
}

/// At λ = 0 on overlapping classes the MLE exists and the ranges are certified.
#[test]
fn unregularized_fit_on_overlapping_classes() {
    let x = DMatrix::from_fn(200, 2, |i, j| {
        if j == 0 {
            ((i * 37) % 97) as f64 / 48.5 - 1.0
        } else {
            ((i * 61) % 89) as f64 / 22.0 - 2.0
        }
    });
    let y = DVector::from_fn(200, |i, _| {
        (((i * 53) % 89) as f64 / 89.0 < sigmoid(x[(i, 0)] - 0.5 * x[(i, 1)])) as u8 as f64
    });
    let fit = LogisticParams::new(0.0).fit(&data(&x, &y)).unwrap();
    let set = LevelSet::new(&fit, Epsilon::Relative(0.02)).unwrap();
    let r = set.all_training_ranges().unwrap();
    for (i, r) in r.iter().enumerate() {
        for ep in [&r.lower, &r.upper] {
            assert!(
                ep.converged && ep.constraint_residual <= 0.0,
                "row {i}: {:?}",
                (
                    ep.score,
                    ep.t,
                    ep.constraint_residual,
                    ep.stationarity_residual,
                    ep.outer_iterations
                )
            );
        }
    }
    // A test point far outside the data.
    let a = fit.objective.design_row(&[10.0, -10.0]).unwrap();
    let out = set.score_range(&a).unwrap();
    assert!(out.converged() && out.lower.score < out.s0 && out.s0 < out.upper.score);
}

/// Rayon over points: the ranges are bit-identical whatever the thread count.
#[test]
fn ranges_do_not_depend_on_thread_count() {
    let fit = bc_fit();
    let set = LevelSet::new(fit, Epsilon::Relative(0.01)).unwrap();
    let rows: Vec<usize> = (0..569).step_by(13).collect();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let three = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap();
    let a = one.install(|| set.training_ranges(&rows).unwrap());
    let b = three.install(|| set.training_ranges(&rows).unwrap());
    assert_eq!(a, b);
    // A single-point call gives the same endpoints as the batched call.
    let r = set.score_range(&fit.objective.row(rows[1])).unwrap();
    assert_eq!(r, a[1]);
}

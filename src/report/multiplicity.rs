//! Report section for the `multiplicity` module: viable prediction ranges on the shipped breast
//! cancer data (sorted by baseline risk), ambiguity against ε, and the group comparison and
//! small-ε asymptotics from the claims' quick runs.

use super::{BoxChart, LineChart, ReportContext, Section, Series, Style, escape, html_table, num};
use crate::error::Result;
use crate::estimator::{Fit, RegressionData};
use crate::multiplicity::{
    Epsilon, LevelSet, LogisticParams, ambiguity, discrepancy, label_flip_ambiguity,
    rashomon_capacity,
};
use std::fmt::Write as _;

const DELTAS: [f64; 4] = [0.01, 0.05, 0.1, 0.2];

/// Build the `multiplicity` section.
pub fn section(ctx: &mut ReportContext) -> Result<Section> {
    let mut html = String::new();
    let table = crate::data::read_table(ctx.dataset("breast_cancer.csv"))?;
    let ds = table.dataset("target", None, &[])?;
    let n = ds.y.len();
    let lambda = 1.0 / n as f64;
    let fit = LogisticParams::new(lambda)
        .standardize(true)
        .feature_names(ds.feature_names.clone())
        .fit(&RegressionData::new(ds.x.clone(), ds.y.clone())?)?;
    let set = LevelSet::new(&fit, Epsilon::Relative(0.01))?;
    let t0 = std::time::Instant::now();
    let ranges = set.all_training_ranges()?;
    let secs = t0.elapsed().as_secs_f64();
    let certified = ranges.iter().filter(|r| r.converged()).count();
    let _ = writeln!(
        html,
        "<p>Breast cancer (569 rows, 30 standardized features), L2 logistic regression with λ = 1/n (sklearn C = 1), \
         J* = {:.12}. ε = 1% of J* (ε_abs = {}). All {} score ranges (2 solves each) took {:.2} s here; {} of {} points \
         have both endpoints certified (|J − τ| ≤ 1e-10 τ, ‖∇J − t a‖∞ ≤ 1e-8).</p>",
        fit.j_star,
        num(set.eps_abs),
        n,
        secs,
        certified,
        n
    );

    // Ranges sorted by baseline risk.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| ranges[i].s0.total_cmp(&ranges[j].s0));
    let pick = |f: &dyn Fn(usize) -> f64| -> Vec<(f64, f64)> {
        order
            .iter()
            .enumerate()
            .map(|(k, &i)| (k as f64, f(i)))
            .collect()
    };
    let chart = LineChart {
        title: "Viable prediction ranges, breast cancer, ε = 1% of J*".into(),
        x_label: "point, sorted by baseline risk p0".into(),
        y_label: "predicted probability".into(),
        log_x: false,
        log_y: false,
        series: vec![
            Series::new(
                "p_max",
                pick(&|i| ranges[i].upper.probability()),
                Style::Points,
            ),
            Series::new("p0 (baseline)", pick(&|i| ranges[i].p0()), Style::Line),
            Series::new(
                "p_min",
                pick(&|i| ranges[i].lower.probability()),
                Style::Points,
            ),
        ],
    };
    html += &ctx.figure(
        &chart,
        "multiplicity-ranges",
        "Per-point [p_min, p_max] over the ε-level set against the baseline risk; widths peak where p0 is near 0.5.",
    )?;
    let score_chart = LineChart {
        title: "Score ranges (logit scale), same points".into(),
        x_label: "point, sorted by baseline risk p0".into(),
        y_label: "score aᵀθ".into(),
        log_x: false,
        log_y: false,
        series: vec![
            Series::new("s_max", pick(&|i| ranges[i].upper.score), Style::Points),
            Series::new("s0", pick(&|i| ranges[i].s0), Style::Line),
            Series::new("s_min", pick(&|i| ranges[i].lower.score), Style::Points),
        ],
    };
    html += &ctx.figure(
        &score_chart,
        "multiplicity-score-ranges",
        "In score space the ranges do not collapse at the extremes: probability widths hide large score moves near 0 and 1.",
    )?;

    // Ambiguity and the discrepancy bracket at ε = 1%.
    let amb: Vec<f64> = DELTAS
        .iter()
        .map(|&d| ambiguity(&ranges, d))
        .collect::<Result<_>>()?;
    let disc = discrepancy(fit.objective.design(), &ranges, &DELTAS)?;
    let rc: Vec<f64> = ranges
        .iter()
        .map(rashomon_capacity)
        .collect::<Result<_>>()?;
    let rows: Vec<Vec<String>> = DELTAS
        .iter()
        .zip(&amb)
        .zip(&disc)
        .map(|((d, a), di)| {
            vec![
                format!("{d}"),
                format!("{a:.4}"),
                format!("{:.4}", di.lower),
                format!("{:.4}", di.upper),
            ]
        })
        .collect();
    html += &html_table(
        &[
            "δ",
            "ambiguity α(δ)",
            "discrepancy lower bound",
            "discrepancy upper bound (= α)",
        ],
        &rows,
    );
    let _ = writeln!(
        html,
        "<p>Label-flip ambiguity (range crosses 0.5): {:.4}. Rashomon capacity 2^C (C the capacity of the \
         two-row channel of the VPR endpoints): mean {:.4}, max {:.4} (1 = no multiplicity, 2 = the label is \
         arbitrary).</p>",
        label_flip_ambiguity(&ranges)?,
        rc.iter().sum::<f64>() / rc.len() as f64,
        rc.iter().copied().fold(1.0, f64::max)
    );

    // Ambiguity vs ε on every third point (keeps this section to a few seconds).
    let sub: Vec<usize> = (0..n).step_by(3).collect();
    let sub_design = fit.objective.design_rows(&sub)?;
    let grid = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05];
    let mut amb_series: Vec<Vec<(f64, f64)>> = vec![Vec::new(); DELTAS.len()];
    let mut lb_series: Vec<(f64, f64)> = Vec::new();
    for &e in &grid {
        let s = LevelSet::new(&fit, Epsilon::Relative(e))?;
        let r = s.training_ranges(&sub)?;
        for (k, &d) in DELTAS.iter().enumerate() {
            amb_series[k].push((e, ambiguity(&r, d)?));
        }
        lb_series.push((e, discrepancy(&sub_design, &r, &[0.05])?[0].lower));
    }
    let mut series: Vec<Series> = DELTAS
        .iter()
        .zip(amb_series)
        .map(|(d, pts)| Series::new(format!("ambiguity, δ = {d}"), pts, Style::LinePoints))
        .collect();
    series.push(Series::new(
        "discrepancy lower bound, δ = 0.05",
        lb_series,
        Style::Dashed,
    ));
    let chart = LineChart {
        title: format!("Ambiguity vs ε (breast cancer, {} points)", sub.len()),
        x_label: "ε relative to J*".into(),
        y_label: "fraction of points".into(),
        log_x: true,
        log_y: false,
        series,
    };
    html += &ctx.figure(
        &chart,
        "multiplicity-ambiguity-eps",
        "Ambiguity grows with ε and falls with δ.",
    )?;

    // Group comparison from the structure claim's quick run.
    if let Ok((t, v)) = ctx.claim_run("multiplicity-structure") {
        let mut groups = Vec::new();
        for (c, a, b) in [
            ("minority-group", "majority", "minority"),
            ("label-noise", "clean labels", "20% flipped"),
            ("separability", "strong signal", "weak signal"),
        ] {
            groups.push((a.to_string(), t.values(&[("comparison", c)], "width_a")?));
            groups.push((b.to_string(), t.values(&[("comparison", c)], "width_b")?));
        }
        let chart = BoxChart {
            title: "Mean VPR width by design (multiplicity-structure, quick run)".into(),
            y_label: "mean width of [p_min, p_max]".into(),
            log_y: false,
            groups,
        };
        html += &ctx.figure(
            &chart,
            "multiplicity-groups",
            "Paired designs: minority vs majority rows of the same fit, noisy vs clean labels, weak vs strong signal.",
        )?;
        let rows: Vec<Vec<String>> = v
            .checks
            .iter()
            .map(|c| {
                vec![
                    escape(&c.name),
                    num(c.estimate),
                    format!("[{}, {}]", num(c.ci.0), num(c.ci.1)),
                    (if c.pass { "PASS" } else { "FAIL" }).into(),
                ]
            })
            .collect();
        html += &html_table(&["check", "estimate", "95% CI", "verdict"], &rows);
    }
    if let Ok((t, _)) = ctx.claim_run("multiplicity-small-eps") {
        let eps = t.distinct("eps")?;
        let pts: Vec<(f64, f64)> = eps
            .iter()
            .map(|e| {
                let d = t.values(&[("eps", e)], "mean_dev")?;
                let x = t.values(&[("eps", e)], "eps_rel")?[0];
                Ok((x, crate::montecarlo::stats::mean(&d)?))
            })
            .collect::<Result<_>>()?;
        let (x0, y0) = pts[0];
        let theory: Vec<(f64, f64)> = pts
            .iter()
            .map(|&(x, _)| (x, y0 * (x / x0).sqrt()))
            .collect();
        let chart = LineChart {
            title: "Exact half-width vs ellipsoid √(2εaᵀH⁻¹a)".into(),
            x_label: "ε relative to J*".into(),
            y_label: "mean |ratio − 1|".into(),
            log_x: true,
            log_y: true,
            series: vec![
                Series::new("measured", pts, Style::LinePoints),
                Series::new("slope 1/2", theory, Style::Dashed),
            ],
        };
        html += &ctx.figure(
            &chart,
            "multiplicity-small-eps",
            "The ellipsoid preview is exact to first order: its relative error shrinks like √ε (multiplicity-small-eps).",
        )?;
    }
    Ok(Section {
        id: "multiplicity",
        title: "Predictive multiplicity (ε-level sets of logistic regression)".into(),
        html,
    })
}

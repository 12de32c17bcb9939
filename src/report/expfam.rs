//! Report section for the `expfam` module: n·risk against n with the one- and two-term
//! predictions (Monte Carlo with control variate, 2 SE bars), and the p-n criterion on the
//! wine-quality and abalone data over nested Gaussian graphical models.

use super::{LineChart, ReportContext, Section, Series, Style, escape, html_table, num};
use crate::claims::expfam::risk_expansion_cases;
use crate::error::Result;
use crate::expfam::columns::read_columns;
use crate::expfam::criterion::{self, Threshold};
use crate::expfam::families::{Gaussian, Structure};
use crate::expfam::risk;
use crate::montecarlo::stats;
use nalgebra::DMatrix;
use std::fmt::Write as _;

/// Build the `expfam` section.
pub fn section(ctx: &mut ReportContext) -> Result<Section> {
    let mut html = String::new();
    html.push_str(
        "<p>Misspecified exponential-family MLE (Sheena 2021): the risk R<sub>n</sub> = E KL(g<sub>θ*</sub> ‖ g<sub>θ̂</sub>) \
         against its expansion c1/n + c2/n². Points: Monte Carlo with the control variate Q = ½ZᵀI⁻¹Z (bars: 2 SE).</p>\n",
    );
    let (table, verdict) = ctx.claim_run("expfam-risk-expansion")?;
    let cases = risk_expansion_cases()?;
    for (i, (label, sim)) in cases.iter().enumerate() {
        let t = sim.terms();
        let ns: Vec<f64> = table
            .distinct("n")?
            .iter()
            .filter_map(|s| s.parse::<f64>().ok())
            .collect();
        let mut mc = Vec::new();
        let mut err = Vec::new();
        for &n in &ns {
            let ns = format!("{n}");
            let f = [("family", *label), ("n", ns.as_str())];
            let kl = table.values(&f, "kl")?;
            let q = table.values(&f, "q")?;
            let cv: Vec<f64> = kl
                .iter()
                .zip(&q)
                .map(|(k, q)| n * (t.c1 / n + k - q))
                .collect();
            mc.push((n, stats::mean(&cv)?));
            err.push(2.0 * stats::std_error(&cv)?);
        }
        let one: Vec<(f64, f64)> = ns.iter().map(|&n| (n, t.c1)).collect();
        let two: Vec<(f64, f64)> = ns.iter().map(|&n| (n, t.c1 + t.c2 / n)).collect();
        let chart = LineChart {
            title: format!("{label}: n·risk"),
            x_label: "n".into(),
            y_label: "n · R_n".into(),
            log_x: true,
            log_y: false,
            series: vec![
                Series::new("Monte Carlo (control variate) ± 2 SE", mc, Style::Points)
                    .with_errors(err),
                Series::new(format!("one term c1 = {:.4}", t.c1), one, Style::Dashed),
                Series::new(
                    format!("two terms c1 + c2/n (c2 = {:.4})", t.c2),
                    two,
                    Style::Line,
                ),
            ],
        };
        html.push_str(&ctx.figure(
            &chart,
            &format!("expfam-risk-{i}"),
            &format!("{label}: n·R_n against n"),
        )?);
    }
    let _ = writeln!(
        html,
        "<p>Claim <code>expfam-risk-expansion</code>: {} ({} replicates).</p>",
        if verdict.pass() { "PASS" } else { "FAIL" },
        verdict.replicates
    );
    html.push_str(&criterion_table(ctx)?);
    Ok(Section {
        id: "expfam",
        title: "Exponential families: MLE risk and the p-n criterion".into(),
        html,
    })
}

const WINE: [&str; 11] = [
    "fixed acidity",
    "volatile acidity",
    "citric acid",
    "residual sugar",
    "chlorides",
    "free sulfur dioxide",
    "total sulfur dioxide",
    "density",
    "pH",
    "sulphates",
    "alcohol",
];
const ABALONE: [&str; 7] = [
    "length",
    "diameter",
    "height",
    "whole_weight",
    "shucked_weight",
    "viscera_weight",
    "shell_weight",
];

/// Nested edge sets: the k pairs with the largest |sample correlation|.
pub fn nested_edges(x: &DMatrix<f64>) -> Vec<(usize, usize)> {
    let (n, d) = (x.nrows() as f64, x.ncols());
    let mean: Vec<f64> = (0..d).map(|j| x.column(j).sum() / n).collect();
    let sd: Vec<f64> = (0..d)
        .map(|j| (x.column(j).map(|v| (v - mean[j]).powi(2)).sum() / n).sqrt())
        .collect();
    let mut pairs: Vec<((usize, usize), f64)> = Vec::new();
    for i in 0..d {
        for j in i + 1..d {
            let c: f64 = (0..x.nrows())
                .map(|r| (x[(r, i)] - mean[i]) * (x[(r, j)] - mean[j]))
                .sum::<f64>()
                / n;
            pairs.push(((i, j), (c / (sd[i] * sd[j])).abs()));
        }
    }
    pairs.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    pairs.into_iter().map(|(e, _)| e).collect()
}

fn criterion_table(ctx: &ReportContext) -> Result<String> {
    let thr = Threshold::default_pinsker();
    let eps = thr.epsilon;
    let mut rows = Vec::new();
    let mut summary = String::new();
    let mut rng = crate::rng::stream(ctx.opts.seed, "expfam-report-bootstrap", 0);
    for (file, cols) in [
        ("winequality-red.csv", &WINE[..]),
        ("winequality-white.csv", &WINE[..]),
        ("abalone.csv", &ABALONE[..]),
    ] {
        let names: Vec<String> = cols.iter().map(|s| s.to_string()).collect();
        let t = read_columns(ctx.dataset(file), &names)?;
        let (n, d) = (t.n_rows(), names.len());
        let mut x = DMatrix::zeros(n, d);
        for (j, c) in names.iter().enumerate() {
            x.column_mut(j).copy_from_slice(t.column(c)?);
        }
        // Standardize so that the graphical fits are well scaled (c1, c2 are invariant to it).
        for j in 0..d {
            let m = x.column(j).sum() / n as f64;
            let s = (x.column(j).map(|v| (v - m).powi(2)).sum() / n as f64).sqrt();
            x.column_mut(j).apply(|v| *v = (*v - m) / s);
        }
        let order = nested_edges(&x);
        let all = order.len();
        let mut ks: Vec<usize> = vec![0, 3, 6, 10, 20, all];
        ks.retain(|&k| k <= all);
        ks.dedup();
        let mut models = Vec::new();
        for &k in &ks {
            let edges: Vec<(usize, usize)> = order[..k].to_vec();
            let g = if k == all {
                Gaussian::new(d, Structure::Full)?
            } else {
                Gaussian::new(d, Structure::Graphical(edges.clone()))?
            };
            let fit = risk::plug_in(&g, &x)?;
            let ci = risk::bootstrap_c1(&g, &x, 40, 0.9, &mut rng)?;
            let (c1, c2) = (fit.terms.c1, fit.terms.c2);
            let nm = criterion::n_min(c1, c2, eps)?;
            let acc = n as u64 >= nm;
            models.push((fit.p, c1, c2));
            let set_name = if k == 0 {
                "E0 = ∅ (independence)".to_string()
            } else if k == all {
                format!("E{k} = all pairs (full)")
            } else {
                format!("E{k} = top {k} |r|")
            };
            let listed: Vec<String> = edges
                .iter()
                .map(|&(i, j)| format!("{}–{}", names[i], names[j]))
                .collect();
            let edge_cell = if k == all || k == 0 {
                escape(&set_name)
            } else {
                format!(
                    "{}<br><small>{}</small>",
                    escape(&set_name),
                    escape(&listed.join(", "))
                )
            };
            rows.push(vec![
                escape(file),
                n.to_string(),
                edge_cell,
                fit.p.to_string(),
                format!("{} [{}, {}]", num(c1), num(ci.0), num(ci.1)),
                num(c2),
                num(fit.terms.first_order(n as f64)),
                num(fit.terms.second_order(n as f64)),
                if acc {
                    "accept".into()
                } else {
                    "reject".into()
                },
                nm.to_string(),
                format!("{:.1}", fit.criteria.aic),
                format!("{:.1}", fit.criteria.tic),
                format!("{:.1}", fit.criteria.bic),
            ]);
        }
        let best = criterion::max_dimension(&models, n as u64, eps)?;
        let _ = writeln!(
            summary,
            "<li>{}: largest accepted p = {}</li>",
            escape(file),
            best.map_or("none".into(), |p| p.to_string())
        );
    }
    let mut html = format!(
        "<h3>The p-n criterion on the paper's data</h3>\n<p>Gaussian graphical models of the standardized \
         continuous variables (wine: the 11 physico-chemical inputs; abalone: the 7 measurements) over nested \
         edge sets E<sub>k</sub> = the k pairs with the largest |sample correlation|. p = 2d + |E|. Threshold \
         ε = {} (Pinsker form 8δ², δ = {}; the paper's own constant is not known, so this is a parameter). \
         ĉ1 with a 90% bootstrap interval (40 resamples). Accept when n ≥ n<sub>min</sub>.</p>\n",
        num(eps),
        thr.delta.unwrap_or(f64::NAN)
    );
    html.push_str(&html_table(
        &[
            "data",
            "n",
            "edge set",
            "p",
            "ĉ1 [90% CI]",
            "ĉ2",
            "ĉ1/n",
            "ĉ1/n + ĉ2/n²",
            "decision",
            "n_min",
            "AIC",
            "TIC",
            "BIC",
        ],
        &rows,
    ));
    let _ = writeln!(html, "<ul>{summary}</ul>");
    Ok(html)
}

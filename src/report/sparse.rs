//! Report section for the `sparse` module: the Lasso path and CV curve on the diabetes data, and
//! the `sparse-random-support` claim's error-vs-N and F1-vs-N curves with a summary table.

use super::{ReportContext, Section, escape, html_table, num};
use crate::claims::sparse::RandomSupport;
use crate::error::Result;
use crate::estimator::{Fit, Folds, RegressionData};
use crate::montecarlo::{Claim, ResultTable, stats};
use crate::report::{LineChart, Series, Style};
use crate::sparse::{LassoCvParams, PathParams};
use std::fmt::Write as _;

/// Build the `sparse` section.
pub fn section(ctx: &mut ReportContext) -> Result<Section> {
    let mut html = String::new();
    html.push_str(&diabetes(ctx)?);
    html.push_str(&random_support(ctx)?);
    Ok(Section {
        id: "sparse",
        title: "Sparse linear regression".into(),
        html,
    })
}

/// Lasso path and 10-fold CV curve on diabetes (Efron et al. 2004; scikit-learn's scaled copy).
fn diabetes(ctx: &ReportContext) -> Result<String> {
    let table = crate::data::read_table(ctx.dataset("diabetes.csv"))?;
    let data = table.dataset("target", None, &[])?;
    let params = PathParams::new();
    let rd = RegressionData::new(data.x, data.y)?;
    let path = params.fit(&rd)?;
    let series: Vec<Series> = data
        .feature_names
        .iter()
        .enumerate()
        .map(|(j, name)| {
            let pts = path
                .alphas
                .iter()
                .enumerate()
                .map(|(k, &a)| (a, path.coefs[(j, k)]))
                .collect();
            // Eight palette colours for ten features: the last ones are dashed to stay distinct.
            Series::new(
                name.clone(),
                pts,
                if j < 8 { Style::Line } else { Style::Dashed },
            )
        })
        .collect();
    let chart = LineChart {
        title: "Diabetes: Lasso coefficient path".into(),
        x_label: "alpha (log scale)".into(),
        y_label: "coefficient".into(),
        log_x: true,
        log_y: false,
        series,
    };
    let mut html = String::from("<h3>Diabetes (442 x 10): Lasso path and cross-validation</h3>\n");
    html.push_str(&ctx.figure(
        &chart,
        "sparse-diabetes-path",
        &format!(
            "Lasso path (100 alphas, eps 1e-3, intercept), alpha_max = {:.5}; coefficients on the original scale.",
            path.alpha_max
        ),
    )?);

    let cv = LassoCvParams::new(params)
        .folds(Folds::Shuffled {
            k: 10,
            seed: ctx.opts.seed,
        })
        .fit(&rd)?;
    let pts: Vec<(f64, f64)> = cv
        .alphas
        .iter()
        .zip(&cv.mean)
        .map(|(&a, &m)| (a, m))
        .collect();
    let (lo, hi) = cv
        .mean
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &m| {
            (l.min(m), h.max(m))
        });
    let vline = |a: f64| vec![(a, lo), (a, hi)];
    let chart = LineChart {
        title: "Diabetes: 10-fold CV of the Lasso".into(),
        x_label: "alpha (log scale)".into(),
        y_label: "CV mean squared error".into(),
        log_x: true,
        log_y: false,
        series: vec![
            Series::new("CV mean +- SE", pts, Style::LinePoints).with_errors(cv.se.clone()),
            Series::new(
                format!("alpha_min = {}", num(cv.alpha_min)),
                vline(cv.alpha_min),
                Style::Dashed,
            ),
            Series::new(
                format!("alpha_1se = {}", num(cv.alpha_1se)),
                vline(cv.alpha_1se),
                Style::Dashed,
            ),
        ],
    };
    html.push_str(&ctx.figure(
        &chart,
        "sparse-diabetes-cv",
        "Fold-size-weighted CV error with its standard error; alpha_min and the 1-SE rule's alpha_1se.",
    )?);
    let nnz = |k: usize| path_nnz(&cv.path.coefs, k);
    html.push_str(&html_table(
        &[
            "alpha_max",
            "alpha_min",
            "nonzero at alpha_min",
            "CV MSE at alpha_min",
            "alpha_1se",
            "nonzero at alpha_1se",
        ],
        &[vec![
            num(path.alpha_max),
            num(cv.alpha_min),
            nnz(cv.index_min).to_string(),
            num(cv.mean[cv.index_min]),
            num(cv.alpha_1se),
            nnz(cv.index_1se).to_string(),
        ]],
    ));
    Ok(html)
}

fn path_nnz(coefs: &nalgebra::DMatrix<f64>, k: usize) -> usize {
    coefs.column(k).iter().filter(|v| **v != 0.0).count()
}

/// Mean and standard error of `column` for (design, method) at each N of the grid.
/// (N, mean) points and their standard errors.
type Curve = (Vec<(f64, f64)>, Vec<f64>);

fn curve(t: &ResultTable, design: &str, method: &str, column: &str, ns: &[usize]) -> Result<Curve> {
    let n_col = t.values(&[("design", design), ("method", method)], "n")?;
    let v_col = t.values(&[("design", design), ("method", method)], column)?;
    let mut pts = Vec::new();
    let mut errs = Vec::new();
    for &n in ns {
        let vals: Vec<f64> = n_col
            .iter()
            .zip(&v_col)
            .filter(|(m, _)| **m as usize == n)
            .map(|(_, v)| *v)
            .collect();
        if vals.is_empty() {
            continue;
        }
        pts.push((n as f64, stats::mean(&vals)?));
        errs.push(if vals.len() >= 2 {
            stats::std_error(&vals)?
        } else {
            0.0
        });
    }
    Ok((pts, errs))
}

fn random_support(ctx: &ReportContext) -> Result<String> {
    let claim = RandomSupport::new(ctx.opts.scale);
    let (table, verdict) = ctx.claim_run("sparse-random-support")?;
    let ns = claim.ns().to_vec();
    let designs = table.distinct("design")?;
    let methods = table.distinct("method")?;
    let mut html = String::new();
    let _ = write!(
        html,
        "<h3>Random k-sparse supports (claim <code>sparse-random-support</code>, {} replicates, verdict <b class={}>{}</b>)</h3>\n<p>{}</p>\n",
        verdict.replicates,
        if verdict.pass() { "pass" } else { "fail" },
        if verdict.pass() { "PASS" } else { "FAIL" },
        escape(&claim.description())
    );
    for (column, label, stem) in [
        ("pred_error", "(1/N)||X(w_hat - w*)||^2", "error"),
        ("f1", "support F1", "f1"),
    ] {
        for design in &designs {
            let mut series = Vec::new();
            for method in &methods {
                let (pts, errs) = curve(table, design, method, column, &ns)?;
                series.push(Series::new(method.clone(), pts, Style::LinePoints).with_errors(errs));
            }
            if column == "pred_error" {
                series.push(Series::new(
                    "2 sigma^2 k ln d / N",
                    ns.iter()
                        .map(|&n| (n as f64, 2.0 * claim.rate(n)))
                        .collect(),
                    Style::Dashed,
                ));
                let (pts, _) = curve(table, design, &methods[0], "signal", &ns)?;
                series.push(Series::new("w_hat = 0", pts, Style::Dashed));
            }
            let chart = LineChart {
                title: format!("{design} design: {label} vs N"),
                x_label: "N (log scale)".into(),
                y_label: if column == "pred_error" {
                    format!("{label} (log scale)")
                } else {
                    label.into()
                },
                log_x: true,
                log_y: column == "pred_error",
                series,
            };
            html.push_str(&ctx.figure(
                &chart,
                &format!("sparse-random-support-{stem}-{design}"),
                &format!("{design}: mean {label} over replicates (bars: one standard error)."),
            )?);
        }
    }
    let n_star = claim.n_star();
    let n_max = *ns.last().unwrap_or(&n_star);
    let mut rows = Vec::new();
    for design in &designs {
        for method in &methods {
            let at = |col: &str, n: usize| -> Result<String> {
                let (pts, _) = curve(table, design, method, col, &[n])?;
                Ok(pts.first().map_or(String::from("-"), |p| num(p.1)))
            };
            rows.push(vec![
                escape(design),
                escape(method),
                at("pred_error", n_star)?,
                at("f1", n_star)?,
                at("nnz", n_star)?,
                at("pred_error", n_max)?,
                at("f1", n_max)?,
            ]);
        }
    }
    let _ = writeln!(
        html,
        "<p>Mean over replicates at N* = round(4k ln d) = {n_star} (where the verdict looks; the bound there is \
         2 sigma^2 k ln d / N* = {}) and at the largest N = {n_max}.</p>",
        num(2.0 * claim.rate(n_star))
    );
    html.push_str(&html_table(
        &[
            "design",
            "method",
            &format!("error at N={n_star}"),
            &format!("F1 at N={n_star}"),
            &format!("nonzeros at N={n_star}"),
            &format!("error at N={n_max}"),
            &format!("F1 at N={n_max}"),
        ],
        &rows,
    ));
    Ok(html)
}

//! Report section for the `ordinal` module: the `ordinal-presto-rare` Monte Carlo (MSE box
//! plots per method and setting), a PRESTO coefficient path and rare-class calibration on the
//! shipped `soup` data.

use super::{BoxChart, LineChart, ReportContext, Section, Series, Style, escape, html_table, num};
use crate::claims::ordinal::{METHODS, SETTINGS, paired_summary};
use crate::data::read_table;
use crate::error::Result;
use crate::estimator::{Fit, Folds, Rows};
use crate::metrics::{self, Binning};
use crate::montecarlo::stats::{mean, std_error};
use crate::ordinal::presto::round_robin_fold_ids;
use crate::ordinal::{
    LogitLastParams, OrdinalData, PrestoCvParams, PrestoPathParams, ProportionalOddsParams,
};
use std::fmt::Write as _;

/// Build the `ordinal` section.
pub fn section(ctx: &mut ReportContext) -> Result<Section> {
    let mut html = String::from(
        "<p>Cumulative-logit models, sign P(Y &le; k | x) = &sigma;(&theta;<sub>k</sub> &minus; x&#x1d40;b<sub>k</sub>) \
         (polr / statsmodels; the paper's &beta;<sub>k</sub> = &minus;b<sub>k</sub>). PRESTO (Faletto &amp; Bien, ICML 2023) \
         lets each boundary have its own slopes and shrinks adjacent differences toward proportional odds with an L1 \
         penalty.</p>\n",
    );
    html.push_str(&claim_part(ctx)?);
    html.push_str(&soup_part(ctx)?);
    Ok(Section {
        id: "ordinal",
        title: "Ordinal regression and rare-event metrics (PRESTO)".into(),
        html,
    })
}

fn claim_part(ctx: &ReportContext) -> Result<String> {
    let (table, verdict) = ctx.claim_run("ordinal-presto-rare")?;
    let mut html = format!(
        "<h3>Rare-class probability: PRESTO vs proportional odds vs logistic on the last class</h3>\
         <p>Claim <code>ordinal-presto-rare</code>, {} replicates, verdict <b>{}</b>.</p>",
        verdict.replicates,
        if verdict.pass() { "PASS" } else { "FAIL" }
    );
    let settings = table.distinct("setting")?;
    let mut groups = Vec::new();
    let mut rows = Vec::new();
    for setting in SETTINGS
        .iter()
        .copied()
        .filter(|s| settings.iter().any(|t| t.as_str() == *s))
    {
        for m in METHODS {
            let v = table.values(&[("setting", setting), ("method", m)], "mse")?;
            groups.push((format!("{setting} {m}"), v.clone()));
            let (diff, p) = if m == "presto" {
                (f64::NAN, f64::NAN)
            } else {
                paired_summary(table, setting, m)?
            };
            rows.push(vec![
                escape(setting),
                escape(m),
                num(mean(&v)?),
                num(std_error(&v)?),
                if m == "presto" {
                    "&mdash;".into()
                } else {
                    num(diff)
                },
                if m == "presto" {
                    "&mdash;".into()
                } else {
                    format!("{p:.2e}")
                },
            ]);
        }
    }
    html.push_str(&ctx.figure(
        &BoxChart {
            title: "MSE of the rare-class probability at the training rows".into(),
            y_label: "MSE".into(),
            log_y: true,
            groups,
        },
        "ordinal-mse",
        "Per-replicate MSE of the estimated rare-class probability (sparse: Sec. 4.1 design, pi = 1/2, \
         intercepts (0, 4, 6); dense: Sec. 4.2).",
    )?);
    html.push_str(&html_table(
        &[
            "setting",
            "method",
            "mean MSE",
            "s.e.",
            "mean(PRESTO - method)",
            "one-sided p (PRESTO < method)",
        ],
        &rows,
    ));
    Ok(html)
}

/// The shipped soup data: target `sureness_rev`, every other column a feature; the feature
/// names.
pub(super) fn soup(ctx: &ReportContext) -> Result<(OrdinalData, Vec<String>)> {
    let path = ctx.dataset("soup.csv");
    let table = read_table(&path)?;
    let ds = table.dataset("sureness_rev", None, &[])?;
    let labels: Vec<f64> = table
        .integer_column("sureness_rev")?
        .into_iter()
        .map(|v| v as f64)
        .collect();
    let data = OrdinalData::from_labels(ds.x, &labels, None)?;
    Ok((data, ds.feature_names))
}

fn soup_part(ctx: &ReportContext) -> Result<String> {
    let (data, feature_names) = soup(ctx)?;
    let k = data.n_classes();
    let mut html = format!(
        "<h3>soup data (n = {}, K = {k}, {} dummy-coded features)</h3><p>Target: 6 &minus; SURENESS, so \
         SURENESS = 1 is the last, rare class ({} rows).</p>",
        data.n_rows(),
        data.n_features(),
        data.class_counts()[k - 1]
    );
    // Coefficient path of the rare boundary.
    let presto = PrestoPathParams::new()
        .standardize(true)
        .n_lambdas(20)
        .lambda_ratio(0.01);
    let path_fit = presto.fit(&data)?;
    let last = k - 2;
    let final_fit = path_fit.fits.last().expect("path has fits");
    let mut idx: Vec<usize> = (0..data.n_features()).collect();
    idx.sort_by(|&a, &b| {
        final_fit.model.coef[(last, b)]
            .abs()
            .total_cmp(&final_fit.model.coef[(last, a)].abs())
    });
    let series: Vec<Series> = idx
        .iter()
        .take(6)
        .map(|&j| {
            let pts = path_fit
                .lambdas
                .iter()
                .zip(&path_fit.fits)
                .map(|(l, f)| (*l, f.model.coef[(last, j)]))
                .collect();
            Series::new(feature_names[j].clone(), pts, Style::LinePoints)
        })
        .collect();
    html.push_str(&ctx.figure(
        &LineChart {
            title: "PRESTO path: slopes of the rare-class boundary".into(),
            x_label: "lambda (standardized scale)".into(),
            y_label: "b (original scale)".into(),
            log_x: true,
            log_y: false,
            series,
        },
        "ordinal-presto-path",
        "Slopes b_{K-2} of the boundary between the rare class and the rest along the PRESTO path (the 6 largest at the \
         smallest lambda); at lambda_max every slope is zero (intercept-only model).",
    )?);
    let nonzero: Vec<(f64, f64)> = path_fit
        .lambdas
        .iter()
        .zip(&path_fit.fits)
        .map(|(l, f)| {
            (
                *l,
                f.psi.rows(1, k - 2).iter().filter(|v| **v != 0.0).count() as f64,
            )
        })
        .collect();
    html.push_str(&ctx.figure(
        &LineChart {
            title: "Nonzero slope differences along the path".into(),
            x_label: "lambda".into(),
            y_label: "count of psi_k != 0 (k >= 1)".into(),
            log_x: true,
            log_y: false,
            series: vec![Series::new("PRESTO", nonzero, Style::LinePoints)],
        },
        "ordinal-presto-nonzero",
        "How many adjacent-boundary slope differences are nonzero: PRESTO departs from proportional odds only where \
         the data ask for it.",
    )?);
    // Rare-class calibration on a seeded 70/30 split.
    let n = data.n_rows();
    let mut rng = crate::rng::stream(1, "report-ordinal-soup", 0);
    let fold = round_robin_fold_ids(n, 10, &mut rng)?;
    let train: Vec<usize> = (0..n).filter(|&i| fold[i] >= 3).collect();
    let test: Vec<usize> = (0..n).filter(|&i| fold[i] < 3).collect();
    let tr = data.subset(&train)?;
    let xt = data.x().select_rows(&test);
    let yt: Vec<bool> = test.iter().map(|&i| data.y()[i] == k - 1).collect();
    let mut rng = crate::rng::stream(1, "report-ordinal-soup-cv", 0);
    let folds = Folds::Ids(round_robin_fold_ids(tr.n_rows(), 5, &mut rng)?);
    let cv = PrestoCvParams::new(presto, folds).fit(&tr)?;
    let fits = [
        ("PRESTO", cv.fit.model.clone()),
        (
            "proportional odds",
            ProportionalOddsParams::new().fit(&tr)?.model,
        ),
        ("logit (last class)", LogitLastParams::new().fit(&tr)?.model),
    ];
    let mut series = vec![Series::new(
        "perfect",
        vec![(0.0, 0.0), (0.6, 0.6)],
        Style::Dashed,
    )];
    let mut rows = Vec::new();
    for (name, model) in &fits {
        let p = model.last_class_probability(&xt)?;
        let c = metrics::calibration_curve(&yt, &p, 8, Binning::Quantile)?;
        series.push(Series::new(
            *name,
            c.prob_pred
                .iter()
                .copied()
                .zip(c.prob_true.iter().copied())
                .collect(),
            Style::LinePoints,
        ));
        rows.push(vec![
            escape(name),
            num(metrics::auroc(&yt, &p)?),
            num(metrics::average_precision(&yt, &p)?),
            num(metrics::brier(&yt, &p)?),
            num(metrics::log_loss(&yt, &p)?),
            num(metrics::rare_calibration_error(&yt, &p)?),
        ]);
    }
    html.push_str(&ctx.figure(
        &LineChart {
            title: "soup: rare-class calibration on held-out rows".into(),
            x_label: "mean predicted P(rare)".into(),
            y_label: "observed fraction rare".into(),
            log_x: false,
            log_y: false,
            series,
        },
        "ordinal-soup-calibration",
        "Reliability curve (8 quantile bins) of the rare class on a seeded 30% test split; PRESTO tuned by 5-fold CV \
         on the multiclass Brier score.",
    )?);
    let _ = write!(
        html,
        "<p>Held-out rare-class metrics ({} test rows, {} rare; PRESTO lambda = {}). AP is step-wise, not the \
         trapezoidal PR area; the last column is the authors' squared one-sided calibration error.</p>",
        test.len(),
        yt.iter().filter(|&&v| v).count(),
        num(cv.fit.lambda)
    );
    html.push_str(&html_table(
        &[
            "method",
            "AUROC",
            "AP",
            "Brier",
            "log loss",
            "calibration error",
        ],
        &rows,
    ));
    Ok(html)
}

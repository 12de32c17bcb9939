//! Report section for the links and inference of `ordinal` (issue 17): the soup data under the
//! five inverse links of clm's parametrisation P(Y ≤ k | x) = F(θ_k − xᵀβ) (log-likelihood, AIC,
//! BIC), and predicted class probabilities with delta-method intervals for a few covariate
//! patterns (Christensen 2019, Sec. 5.5; [`crate::ordinal::uncertainty`]).

use super::ordinal::soup;
use super::{LineChart, ReportContext, Section, Series, Style, escape, html_table, num};
use crate::error::{Error, Result};
use crate::estimator::Fit;
use crate::ordinal::inference::z_critical;
use crate::ordinal::{Link, ProportionalOddsFit, ProportionalOddsParams};
use nalgebra::DMatrix;
use std::fmt::Write as _;

/// Confidence level of every interval in the section.
const LEVEL: f64 = 0.95;

/// The modal level of every factor of soup but the product: ease 7, soup bought 1-4 times a
/// month, female, 51-65, location 3 (self-made soup, day 1 and no cold are the reference levels
/// and the modes). The reference level of ease (1) holds 0.7% of the rows, so patterns at it
/// are extrapolations with wide intervals.
const TYPICAL: [&str; 5] = [
    "EASY_7",
    "SOUPFREQ_1to4_month",
    "GENDER_Female",
    "AGE_51_65",
    "LOCATION_3",
];

/// Covariate patterns: a label and the dummy columns set to 1 besides [`TYPICAL`] (all others
/// 0, their reference levels).
const PATTERNS: [(&str, &[&str]); 3] = [
    ("typical, reference product", &[]),
    ("typical, test product", &["PROD_Test"]),
    (
        "typical, test product, canned, cold",
        &["PROD_Test", "SOUPTYPE_Canned", "COLD_Yes"],
    ),
];

/// Build the section.
pub fn section(ctx: &mut ReportContext) -> Result<Section> {
    let (data, names) = soup(ctx)?;
    let fits: Vec<(Link, ProportionalOddsFit)> = Link::ALL
        .into_iter()
        .map(|link| Ok((link, ProportionalOddsParams::new().link(link).fit(&data)?)))
        .collect::<Result<_>>()?;
    let mut html = format!(
        "<p>Proportional-odds cumulative link models in clm's parametrisation \
         P(Y &le; k | x) = F(&theta;<sub>k</sub> &minus; x&#x1d40;&beta;), fitted by Newton to the soup data \
         (n = {}, K = {}, {} features) under each inverse link F: logit, probit &Phi;, cloglog \
         1 &minus; exp(&minus;e<sup>t</sup>), loglog exp(&minus;e<sup>&minus;t</sup>) and cauchit \
         1/2 + atan(t)/&pi;. The fits match R's <code>ordinal::clm</code> to 1e-8 in the \
         log-likelihood (tests/ordinal_links).</p>\n",
        data.n_rows(),
        data.n_classes(),
        data.n_features()
    );
    html.push_str(&links_table(&fits, &names)?);
    html.push_str(&predictions_part(ctx, &fits, &names)?);
    Ok(Section {
        id: "ordinal-links",
        title: "Ordinal regression: links, inference, prediction intervals".into(),
        html,
    })
}

/// Log-likelihood, AIC, BIC and the test product's Wald statistic per link.
fn links_table(fits: &[(Link, ProportionalOddsFit)], names: &[String]) -> Result<String> {
    let prod = column(names, "PROD_Test")?;
    let ics: Vec<(f64, f64)> = fits
        .iter()
        .map(|(_, f)| f.information_criteria())
        .collect::<Result<_>>()?;
    let best = ics.iter().map(|ic| ic.0).fold(f64::INFINITY, f64::min);
    let mut rows = Vec::new();
    for ((link, fit), (aic, bic)) in fits.iter().zip(&ics) {
        let (slopes, _) = fit.wald(LEVEL)?;
        let w = &slopes[prod];
        rows.push(vec![
            format!("<code>{}</code>", link.name()),
            format!("{:.4}", fit.loglik),
            format!("{aic:.2}"),
            format!("{bic:.2}"),
            format!("{:.2}", aic - best),
            format!(
                "{} ({}) [{}, {}]",
                num(w.estimate),
                num(w.std_error),
                num(w.lower),
                num(w.upper)
            ),
            format!("{:.2}", w.z),
        ]);
    }
    let mut html = String::from("<h3>soup under the five links</h3>");
    html.push_str(&html_table(
        &[
            "link",
            "log-likelihood",
            "AIC",
            "BIC",
            "AIC - min AIC",
            "PROD_Test slope (SE) [95% Wald CI]",
            "z",
        ],
        &rows,
    ));
    let _ = write!(
        html,
        "<p>{} parameters each ({} cutpoints, {} slopes), so AIC orders the links as the \
         log-likelihood does. Slopes are on each link's latent scale (a probit slope is about \
         1/1.7 of a logit one), the z statistics are comparable.</p>",
        fits[0].1.n_params(),
        fits[0].1.cutpoints.len(),
        fits[0].1.coef.len()
    );
    Ok(html)
}

/// Class probabilities with intervals for [`PATTERNS`]: under logit for every pattern, and for
/// the test product under every link.
fn predictions_part(
    ctx: &ReportContext,
    fits: &[(Link, ProportionalOddsFit)],
    names: &[String],
) -> Result<String> {
    let mut x = DMatrix::zeros(PATTERNS.len(), names.len());
    for (i, (_, ones)) in PATTERNS.iter().enumerate() {
        for name in TYPICAL.iter().chain(*ones) {
            x[(i, column(names, name)?)] = 1.0;
        }
    }
    let z = z_critical(LEVEL)?;
    let k = fits[0].1.cutpoints.len() + 1;
    // Series `s` of `n` is drawn at x = c + dodge so that the error bars do not overlap.
    let classes = |row: usize, prob: &DMatrix<f64>, se: &DMatrix<f64>, s: usize, n: usize| {
        let dodge = 0.06 * (s as f64 - (n as f64 - 1.0) / 2.0);
        let pts = (0..k).map(|c| (c as f64 + dodge, prob[(row, c)])).collect();
        let err = (0..k).map(|c| z * se[(row, c)]).collect();
        (pts, err)
    };
    let logit = &fits[0].1;
    let pred = logit.uncertainty()?.classes(&x, LEVEL)?;
    let mut series = Vec::new();
    let mut rows = Vec::new();
    for (i, (label, _)) in PATTERNS.iter().enumerate() {
        let (pts, err) = classes(i, &pred.prob, &pred.se, i, PATTERNS.len());
        series.push(Series::new(*label, pts, Style::LinePoints).with_errors(err));
        let mut r = vec![escape(label)];
        r.extend((0..k).map(|c| {
            format!(
                "{:.3} [{:.3}, {:.3}]",
                pred.prob[(i, c)],
                pred.lower[(i, c)],
                pred.upper[(i, c)]
            )
        }));
        rows.push(r);
    }
    let mut html = String::from("<h3>Predicted class probabilities with 95% intervals</h3>");
    html.push_str(&ctx.figure(
        &LineChart {
            title: "soup, logit link: P(sureness_rev = c | pattern)".into(),
            x_label: "class c (sureness_rev = 6 - SURENESS)".into(),
            y_label: "probability".into(),
            log_x: false,
            log_y: false,
            series,
        },
        "ordinal-links-patterns",
        "Class probabilities of three covariate patterns under the logit link (typical: the \
         modal level of every other factor: ease 7, soup 1-4 times a month, female, 51-65, \
         location 3, self-made soup, day 1, no cold); bars are +-1.96 delta-method standard \
         errors (the table gives clm's logit-scale intervals).",
    )?);
    let mut series = Vec::new();
    for (s, (link, fit)) in fits.iter().enumerate() {
        let p = fit
            .uncertainty()?
            .classes(&x.rows(1, 1).into_owned(), LEVEL)?;
        let (pts, err) = classes(0, &p.prob, &p.se, s, fits.len());
        series.push(Series::new(link.name(), pts, Style::LinePoints).with_errors(err));
        let mut r = vec![format!("{}, <code>{}</code>", PATTERNS[1].0, link.name())];
        r.extend((0..k).map(|c| {
            format!(
                "{:.3} [{:.3}, {:.3}]",
                p.prob[(0, c)],
                p.lower[(0, c)],
                p.upper[(0, c)]
            )
        }));
        rows.push(r);
    }
    html.push_str(&ctx.figure(
        &LineChart {
            title: "soup, typical respondent, test product: P(sureness_rev = c) by link".into(),
            x_label: "class c".into(),
            y_label: "probability".into(),
            log_x: false,
            log_y: false,
            series,
        },
        "ordinal-links-by-link",
        "The typical respondent tasting the test product under the five links; bars are \
         +-1.96 delta-method standard errors.",
    )?);
    let mut header = vec!["pattern (logit unless named)".to_string()];
    header.extend((0..k).map(|c| format!("P(Y = {c}) [95% CI]")));
    let h: Vec<&str> = header.iter().map(String::as_str).collect();
    html.push_str(&html_table(&h, &rows));
    html.push_str(
        "<p>Intervals as clm's <code>predict(interval = TRUE)</code>: the delta-method standard \
         error of the class probability, the interval formed on the logit scale and mapped \
         back, so it stays inside (0, 1).</p>",
    );
    Ok(html)
}

fn column(names: &[String], name: &str) -> Result<usize> {
    names
        .iter()
        .position(|n| n == name)
        .ok_or_else(|| Error::param("feature", name, "a column of datasets/soup.csv"))
}

//! `veristat fit ordinal` and `veristat metrics`.
//!
//! JSON uses the clm / polr / statsmodels sign, `P(Y ≤ k | x) = F(θ_k − xᵀ b_k)` with F the
//! inverse link (`--link`, σ by default): `cutpoints` are the θ_k, `coef` has one row b_k per
//! boundary (equal rows for proportional odds). The paper's (ordinalNet's) slopes are
//! `β_k = −b_k`, intercepts `α_k = θ_k`.
//!
//! Proportional odds adds clm's inference: Wald `z`, `p_values` and `conf_int` for the slopes
//! (and `cutpoint_*` for the cutpoints), `aic`, `bic`; optionally profile-likelihood intervals
//! (`--profile`), per-feature nominal tests (`--nominal-test`), predicted class and cumulative
//! probabilities of new rows with delta-method standard errors and intervals (`--predict`) and
//! average marginal effects (`--marginal-effects`).

use super::clock::FitClock;
use super::{Format, print_json, print_table};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget};
use serde_json::json;
use std::path::PathBuf;
use veristat::data::{parse_name_list, read_used};
use veristat::estimator::{Fit, Fitted, Folds};
use veristat::metrics;
use veristat::ordinal::likelihood_ratio::{nominal_test, profile_interval};
use veristat::ordinal::presto::round_robin_fold_ids;
use veristat::ordinal::{
    CumulativeLogit, Link, LogitLastParams, OrdinalData, PrestoCvParams, PrestoParams,
    PrestoPathParams, ProportionalOddsFit, ProportionalOddsParams,
};
use veristat::{Error, Result};

/// Which ordinal model to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OrdinalModel {
    /// Proportional odds (cumulative logit with one slope vector).
    Po,
    /// PRESTO: boundary-specific slopes with an L1 penalty on adjacent differences.
    Presto,
    /// Logistic regression of the last class against the rest.
    LogitLast,
}

/// Fit proportional odds, PRESTO, or logistic regression on the last class.
#[derive(Debug, Args)]
pub struct FitOrdinalArgs {
    /// CSV or Parquet file.
    #[arg(long)]
    pub data: PathBuf,
    /// Target column: integers 0..K-1 in the order of the classes.
    #[arg(long)]
    pub target: String,
    /// Feature columns, comma separated [default: every other column].
    #[arg(long)]
    pub features: Option<String>,
    /// Model.
    #[arg(long, value_enum)]
    pub model: OrdinalModel,
    /// Inverse link F of P(Y <= k | x) = F(theta_k - x'b): logit, probit, cloglog, loglog or
    /// cauchit (clm's parametrisation); po and presto.
    #[arg(long, default_value = "logit")]
    pub link: Link,
    /// Column of frequency weights (finite, > 0; clm's `weights`); never a feature.
    #[arg(long)]
    pub weights: Option<String>,
    /// po and logit-last: ridge penalty alpha >= 0 on the slopes, minimizing
    /// -loglik/N + alpha/2 |b|^2 (an estimate also where the classes are separated).
    #[arg(long, default_value_t = 0.0)]
    pub ridge: f64,
    /// Confidence level of the Wald, profile and prediction intervals.
    #[arg(long, default_value_t = 0.95)]
    pub level: f64,
    /// po: profile-likelihood intervals of the slopes (`profile_conf_int`).
    #[arg(long)]
    pub profile: bool,
    /// po: likelihood-ratio test of each feature made nominal (boundary-specific slopes),
    /// clm's `nominal_test` (`nominal_test`).
    #[arg(long)]
    pub nominal_test: bool,
    /// CSV or Parquet file of new rows (the feature columns by name): their class and
    /// cumulative probabilities (`predictions`), with delta-method standard errors and
    /// intervals for po.
    #[arg(long)]
    pub predict: Option<PathBuf>,
    /// po: average marginal effects of each feature on each class probability over the
    /// training rows, with delta-method standard errors (`marginal_effects`).
    #[arg(long)]
    pub marginal_effects: bool,
    /// PRESTO: fit at this lambda (no path, no CV).
    #[arg(long, conflicts_with_all = ["cv", "foldid"])]
    pub lambda: Option<f64>,
    /// PRESTO: number of lambdas on the log grid from lambda_max down to ratio * lambda_max.
    #[arg(long, default_value_t = 20)]
    pub n_lambdas: usize,
    /// PRESTO: lambda_min / lambda_max of the grid.
    #[arg(long, default_value_t = 0.01)]
    pub lambda_ratio: f64,
    /// PRESTO: number of CV folds (random permutation dealt round-robin) [default: 5].
    #[arg(long)]
    pub cv: Option<usize>,
    /// PRESTO: column of fold ids (instead of random folds); never a feature.
    #[arg(long)]
    pub foldid: Option<String>,
    /// PRESTO: penalize the first slope block (the authors' default) or leave it free (then a
    /// large lambda gives proportional odds).
    #[arg(long, default_value = "true", action = clap::ArgAction::Set)]
    pub penalize_first: bool,
    /// PRESTO: centre and scale each feature by its population SD before fitting (lambda then
    /// refers to that scale); coefficients are reported on the original scale.
    #[arg(long)]
    pub standardize: bool,
    /// PRESTO: mixing weight a of the penalty a|psi| + (1-a)/2 psi^2 (spec §1.2), 1 = lasso
    /// (PRESTO), 0 = ridge (PRESTO_L2).
    #[arg(long, default_value_t = 1.0, alias = "alpha")]
    pub a: f64,
    /// Seed of the random CV folds.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
}

/// AUROC, average precision, Brier score and log loss of a score column.
#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// CSV or Parquet file.
    #[arg(long)]
    pub data: PathBuf,
    /// Label column (0/1).
    #[arg(long)]
    pub label: String,
    /// Score column: predicted probabilities of label 1 in [0, 1].
    #[arg(long)]
    pub score: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
}

fn rows_of(m: &CumulativeLogit) -> Vec<Vec<f64>> {
    (0..m.coef.nrows())
        .map(|k| m.coef.row(k).iter().copied().collect())
        .collect()
}

/// `[lo, hi]` pairs.
fn pairs(lo: impl Iterator<Item = f64>, hi: impl Iterator<Item = f64>) -> Vec<[f64; 2]> {
    lo.zip(hi).map(|(l, h)| [l, h]).collect()
}

fn matrix_rows(m: &nalgebra::DMatrix<f64>) -> Vec<Vec<f64>> {
    (0..m.nrows())
        .map(|i| m.row(i).iter().copied().collect())
        .collect()
}

/// The proportional-odds inference fields: Wald statistics, information criteria, and the
/// optional profile intervals, nominal tests and marginal effects.
fn po_inference(
    out: &mut serde_json::Value,
    a: &FitOrdinalArgs,
    data: &OrdinalData,
    fit: &ProportionalOddsFit,
) -> Result<()> {
    let (slopes, cuts) = fit.wald(a.level)?;
    out["std_errors"] = json!(fit.std_errors);
    out["cutpoint_std_errors"] = json!(fit.cutpoint_std_errors);
    out["z"] = json!(slopes.iter().map(|w| w.z).collect::<Vec<_>>());
    out["p_values"] = json!(slopes.iter().map(|w| w.p_value).collect::<Vec<_>>());
    out["conf_int"] = json!(pairs(
        slopes.iter().map(|w| w.lower),
        slopes.iter().map(|w| w.upper)
    ));
    out["cutpoint_z"] = json!(cuts.iter().map(|w| w.z).collect::<Vec<_>>());
    out["cutpoint_p_values"] = json!(cuts.iter().map(|w| w.p_value).collect::<Vec<_>>());
    out["cutpoint_conf_int"] = json!(pairs(
        cuts.iter().map(|w| w.lower),
        cuts.iter().map(|w| w.upper)
    ));
    let (aic, bic) = fit.information_criteria()?;
    out["aic"] = json!(aic);
    out["bic"] = json!(bic);
    out["nobs"] = json!(fit.nobs);
    if a.profile {
        let ci: Vec<[f64; 2]> = (0..fit.coef.len())
            .map(|j| profile_interval(data, fit, j, a.level).map(|(l, h)| [l, h]))
            .collect::<Result<_>>()?;
        out["profile_conf_int"] = json!(ci);
    }
    if a.nominal_test {
        let tests = nominal_test(data, fit, None)?;
        out["nominal_test"] = json!(
            tests
                .iter()
                .map(|t| json!({
                    "feature": data.feature_names().map_or(String::new(), |n| n[t.feature].clone()),
                    "loglik": t.test.loglik_full,
                    "statistic": t.test.statistic,
                    "df": t.test.df,
                    "p_value": t.test.p_value,
                }))
                .collect::<Vec<_>>()
        );
    }
    if a.marginal_effects {
        let me = fit
            .uncertainty()?
            .marginal_effects(data.x(), Some(data.weights()))?;
        out["marginal_effects"] = json!({
            "effect": matrix_rows(&me.effect),
            "std_errors": matrix_rows(&me.se),
        });
    }
    Ok(())
}

/// Predictions for the rows of `--predict`: class and cumulative probabilities, with
/// delta-method standard errors and intervals when the fit has a covariance (proportional odds).
fn predictions(
    path: &std::path::Path,
    names: &[String],
    model: &CumulativeLogit,
    po: Option<&ProportionalOddsFit>,
    level: f64,
) -> Result<serde_json::Value> {
    let table = veristat::data::read_columns(path, names)?;
    let n = table.n_rows();
    let mut x = nalgebra::DMatrix::zeros(n, names.len());
    for (j, f) in names.iter().enumerate() {
        x.column_mut(j).copy_from_slice(table.column(f)?);
    }
    let Some(po) = po else {
        let p = model.predict_proba(&x, Default::default())?;
        return Ok(json!({
            "n_rows": n,
            "class_prob": matrix_rows(&p.probs),
            "cum_prob": matrix_rows(&model.cumulative(&x)?),
            "n_crossing": p.n_crossing,
        }));
    };
    let u = po.uncertainty()?;
    let cls = u.classes(&x, level)?;
    let cum = u.cumulative(&x, level)?;
    Ok(json!({
        "n_rows": n,
        "class": cls.class,
        "class_prob": matrix_rows(&cls.prob),
        "class_prob_se": matrix_rows(&cls.se),
        "class_prob_lower": matrix_rows(&cls.lower),
        "class_prob_upper": matrix_rows(&cls.upper),
        "cum_prob": matrix_rows(&cum.prob),
        "cum_prob_se": matrix_rows(&cum.se),
        "cum_prob_lower": matrix_rows(&cum.lower),
        "cum_prob_upper": matrix_rows(&cum.upper),
    }))
}

/// `veristat fit ordinal`.
pub fn fit_ordinal(a: FitOrdinalArgs) -> Result<()> {
    let features = a.features.as_deref().map(parse_name_list);
    let exclude: Vec<&str> = a
        .foldid
        .iter()
        .chain(&a.weights)
        .map(|s| s.as_str())
        .collect();
    let table = read_used(&a.data, &a.target, features.as_deref(), &exclude)?;
    let ds = table.dataset(&a.target, features.as_deref(), &exclude)?;
    let labels: Vec<f64> = table
        .integer_column(&a.target)?
        .into_iter()
        .map(|v| v as f64)
        .collect();
    let mut data = OrdinalData::from_labels(ds.x, &labels, None)?
        .with_feature_names(ds.feature_names.clone())?;
    if let Some(col) = &a.weights {
        data = data.with_weights(table.column(col)?.to_vec())?;
    }
    let po_only = [
        ("--profile", a.profile),
        ("--nominal-test", a.nominal_test),
        ("--marginal-effects", a.marginal_effects),
    ];
    if a.model != OrdinalModel::Po
        && let Some((flag, _)) = po_only.iter().find(|(_, on)| *on)
    {
        return Err(Error::param(
            "model",
            format!("{:?}", a.model).to_lowercase(),
            format!("{flag} needs the proportional-odds model (--model po)"),
        ));
    }
    if a.model == OrdinalModel::Presto && a.ridge != 0.0 {
        return Err(Error::param(
            "ridge",
            a.ridge,
            "--ridge is for po and logit-last; PRESTO's ridge is --a 0 with --lambda",
        ));
    }
    if a.model == OrdinalModel::LogitLast && a.link != Link::Logit {
        return Err(Error::param(
            "link",
            a.link,
            "logit-last is logistic regression; use --model po for other links",
        ));
    }
    let mut out = json!({
        "feature_names": ds.feature_names,
        "n_rows": data.n_rows(),
        "n_classes": data.n_classes(),
        "link": a.link.name(),
        "level": a.level,
    });
    let mut po_fit = None;
    let model = match a.model {
        OrdinalModel::Po | OrdinalModel::LogitLast => {
            let clock = FitClock::start();
            let fit = if a.model == OrdinalModel::Po {
                ProportionalOddsParams::new()
                    .link(a.link)
                    .ridge(a.ridge)
                    .fit(&data)?
            } else {
                LogitLastParams::new().ridge(a.ridge).fit(&data)?
            };
            clock.stop().record(&mut out);
            out["model"] = json!(if a.model == OrdinalModel::Po {
                "po"
            } else {
                "logit-last"
            });
            out["loglik"] = json!(fit.loglik);
            out["lambda"] = json!(0.0);
            out["ridge"] = json!(a.ridge);
            out["n_iter"] = json!(fit.diagnostics().iterations);
            out["converged"] = json!(fit.diagnostics().converged());
            out["gradient_norm"] = json!(fit.gradient_norm());
            if a.model == OrdinalModel::Po {
                po_inference(&mut out, &a, &data, &fit)?;
            }
            let model = fit.model.clone();
            if a.model == OrdinalModel::Po {
                po_fit = Some(fit);
            }
            model
        }
        OrdinalModel::Presto => {
            out["model"] = json!("presto");
            // With cross-validation the clock covers the folds' paths and the final fit.
            let clock = FitClock::start();
            let fit = match a.lambda {
                Some(l) => PrestoParams::new(l)
                    .a(a.a)
                    .penalize_first(a.penalize_first)
                    .standardize(a.standardize)
                    .link(a.link)
                    .fit(&data)?,
                None => {
                    let folds = match &a.foldid {
                        Some(col) => Folds::Ids(table.integer_column(col)?),
                        // The authors' split drawn from the seed's stream, as before `Folds`.
                        None => Folds::Ids(round_robin_fold_ids(
                            data.n_rows(),
                            a.cv.unwrap_or(5),
                            &mut veristat::rng::stream(a.seed, "fit-ordinal-cv", 0),
                        )?),
                    };
                    let path = PrestoPathParams::new()
                        .n_lambdas(a.n_lambdas)
                        .lambda_ratio(a.lambda_ratio)
                        .a(a.a)
                        .penalize_first(a.penalize_first)
                        .standardize(a.standardize)
                        .link(a.link);
                    let bar = ProgressBar::new_spinner();
                    bar.set_draw_target(ProgressDrawTarget::stderr());
                    bar.set_message("PRESTO: lambda path and cross-validation");
                    bar.enable_steady_tick(std::time::Duration::from_millis(200));
                    let cv = PrestoCvParams::new(path, folds).fit(&data);
                    bar.finish_and_clear();
                    let cv = cv?;
                    out["lambda_max"] = json!(cv.path.lambda_max);
                    out["lambdas"] = json!(cv.path.lambdas);
                    out["cv_brier"] = json!(cv.cv_brier);
                    out["cv_brier_se"] = json!(cv.cv_se);
                    cv.fit
                }
            };
            clock.stop().record(&mut out);
            out["loglik"] = json!(fit.loglik);
            out["lambda"] = json!(fit.lambda);
            out["objective"] = json!(fit.objective);
            out["kkt"] = json!(fit.kkt());
            out["n_iter"] = json!(fit.diagnostics().iterations);
            out["converged"] = json!(fit.diagnostics().converged());
            out["psi"] = json!(
                (0..fit.psi.nrows())
                    .map(|k| fit.psi.row(k).iter().copied().collect::<Vec<_>>())
                    .collect::<Vec<_>>()
            );
            fit.model
        }
    };
    out["cutpoints"] = json!(model.cutpoints);
    out["coef"] = json!(rows_of(&model));
    if let Some(path) = &a.predict {
        out["predictions"] =
            predictions(path, &ds.feature_names, &model, po_fit.as_ref(), a.level)?;
    }
    match a.format {
        Format::Json => print_json(&out),
        Format::Table => {
            let mut header = vec!["boundary".to_string(), "cutpoint".to_string()];
            header.extend(ds.feature_names.iter().cloned());
            let mut rows: Vec<Vec<String>> = (0..model.cutpoints.len())
                .map(|k| {
                    let mut r = vec![format!("P(Y<={k})"), format!("{:.6}", model.cutpoints[k])];
                    r.extend(model.coef.row(k).iter().map(|v| format!("{v:.6}")));
                    r
                })
                .collect();
            if let Some(fit) = &po_fit {
                let (slopes, _) = fit.wald(a.level)?;
                let line = |name: &str, f: &dyn Fn(&veristat::ordinal::inference::Wald) -> f64| {
                    let mut r = vec![name.to_string(), String::new()];
                    r.extend(slopes.iter().map(|w| format!("{:.6}", f(w))));
                    r
                };
                rows.push(line("std. error", &|w| w.std_error));
                rows.push(line("z", &|w| w.z));
                rows.push(line("p value", &|w| w.p_value));
            }
            let h: Vec<&str> = header.iter().map(|s| s.as_str()).collect();
            print_table(&h, &rows)?;
            let ic = match &po_fit {
                Some(fit) => {
                    let (aic, bic) = fit.information_criteria()?;
                    format!("  AIC {aic:.4}  BIC {bic:.4}")
                }
                None => String::new(),
            };
            super::print_line(&format!(
                "model {}  link {}  loglik {:.6}  lambda {}{ic}",
                out["model"], out["link"], out["loglik"], out["lambda"]
            ))?;
            Ok(())
        }
    }
}

/// `veristat metrics`.
pub fn metrics(a: MetricsArgs) -> Result<()> {
    let table = read_used(&a.data, &a.label, Some(std::slice::from_ref(&a.score)), &[])?;
    let labels: Vec<f64> = table
        .integer_column(&a.label)?
        .into_iter()
        .map(|v| v as f64)
        .collect();
    let y = metrics::labels_from_f64(&labels)?;
    let s = table.column(&a.score)?;
    if y.is_empty() {
        return Err(Error::InvalidData("no rows".into()));
    }
    let out = json!({
        "auroc": metrics::auroc(&y, s)?,
        "average_precision": metrics::average_precision(&y, s)?,
        "brier": metrics::brier(&y, s)?,
        "log_loss": metrics::log_loss(&y, s)?,
        "n_rows": y.len(),
        "n_positive": y.iter().filter(|&&v| v).count(),
    });
    match a.format {
        Format::Json => print_json(&out),
        Format::Table => {
            let rows: Vec<Vec<String>> = ["auroc", "average_precision", "brier", "log_loss"]
                .iter()
                .map(|k| {
                    vec![
                        k.to_string(),
                        format!("{:.12}", out[*k].as_f64().unwrap_or(f64::NAN)),
                    ]
                })
                .collect();
            print_table(&["metric", "value"], &rows)?;
            Ok(())
        }
    }
}

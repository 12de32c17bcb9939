//! `veristat fit ordinal` and `veristat metrics`.
//!
//! JSON uses the polr / statsmodels sign, `P(Y ≤ k | x) = σ(θ_k − xᵀ b_k)`: `cutpoints` are the
//! θ_k, `coef` has one row b_k per boundary (equal rows for proportional odds). The paper's
//! (ordinalNet's) slopes are `β_k = −b_k`, intercepts `α_k = θ_k`.

use super::{Format, print_json, print_table};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget};
use serde_json::json;
use std::path::PathBuf;
use veristat::data::{parse_name_list, read_used};
use veristat::estimator::{Fit, Fitted, Folds};
use veristat::metrics;
use veristat::ordinal::presto::round_robin_fold_ids;
use veristat::ordinal::{
    CumulativeLogit, LogitLastParams, OrdinalData, PrestoCvParams, PrestoParams, PrestoPathParams,
    ProportionalOddsParams,
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

/// `veristat fit ordinal`.
pub fn fit_ordinal(a: FitOrdinalArgs) -> Result<()> {
    let features = a.features.as_deref().map(parse_name_list);
    let exclude: Vec<&str> = a.foldid.iter().map(|s| s.as_str()).collect();
    let table = read_used(&a.data, &a.target, features.as_deref(), &exclude)?;
    let ds = table.dataset(&a.target, features.as_deref(), &exclude)?;
    let labels: Vec<f64> = table
        .integer_column(&a.target)?
        .into_iter()
        .map(|v| v as f64)
        .collect();
    let data = OrdinalData::from_labels(ds.x, &labels, None)?;
    let mut out = json!({ "feature_names": ds.feature_names, "n_rows": data.n_rows(), "n_classes": data.n_classes() });
    let model = match a.model {
        OrdinalModel::Po | OrdinalModel::LogitLast => {
            let fit = if a.model == OrdinalModel::Po {
                ProportionalOddsParams::new().fit(&data)?
            } else {
                LogitLastParams::new().fit(&data)?
            };
            out["model"] = json!(if a.model == OrdinalModel::Po {
                "po"
            } else {
                "logit-last"
            });
            out["loglik"] = json!(fit.loglik);
            out["lambda"] = json!(0.0);
            out["n_iter"] = json!(fit.diagnostics().iterations);
            out["converged"] = json!(fit.diagnostics().converged());
            out["gradient_norm"] = json!(fit.gradient_norm());
            out["fit_seconds"] = json!(fit.diagnostics().fit_seconds);
            if a.model == OrdinalModel::Po {
                out["std_errors"] = json!(fit.std_errors);
                out["cutpoint_std_errors"] = json!(fit.cutpoint_std_errors);
            }
            fit.model
        }
        OrdinalModel::Presto => {
            out["model"] = json!("presto");
            let fit = match a.lambda {
                Some(l) => PrestoParams::new(l)
                    .a(a.a)
                    .penalize_first(a.penalize_first)
                    .standardize(a.standardize)
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
                        .standardize(a.standardize);
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
            out["loglik"] = json!(fit.loglik);
            out["lambda"] = json!(fit.lambda);
            out["objective"] = json!(fit.objective);
            out["kkt"] = json!(fit.kkt());
            out["n_iter"] = json!(fit.diagnostics().iterations);
            out["converged"] = json!(fit.diagnostics().converged());
            out["fit_seconds"] = json!(fit.diagnostics().fit_seconds);
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
    match a.format {
        Format::Json => print_json(&out),
        Format::Table => {
            let mut header = vec!["boundary".to_string(), "cutpoint".to_string()];
            header.extend(ds.feature_names.iter().cloned());
            let rows: Vec<Vec<String>> = (0..model.cutpoints.len())
                .map(|k| {
                    let mut r = vec![format!("P(Y<={k})"), format!("{:.6}", model.cutpoints[k])];
                    r.extend(model.coef.row(k).iter().map(|v| format!("{v:.6}")));
                    r
                })
                .collect();
            let h: Vec<&str> = header.iter().map(|s| s.as_str()).collect();
            print_table(&h, &rows)?;
            super::print_line(&format!(
                "model {}  loglik {:.6}  lambda {}",
                out["model"], out["loglik"], out["lambda"]
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

//! `veristat fit lasso`: a Lasso / elastic-net path (or one alpha) with optional K-fold CV.
//!
//! JSON contract (issue 2): `{"method", "feature_names", "alphas", "coef" (one row per alpha,
//! original scale), "intercept", "duality_gap", "n_iter", "cv": {"alpha_min", "alpha_1se",
//! "mean", "se"}}`, `cv` only when cross-validating. The target and fold-id columns are never
//! features.

use super::{Format, print_json, print_table};
use clap::Args;
use serde_json::json;
use veristat::data::{parse_name_list, read_used};
use veristat::estimator::{Fit, Folds, ParamGuard, RegressionData};
use veristat::sparse::{EnetPath, LassoCvFit, LassoCvParams, PathParams};
use veristat::{Error, Result};

/// Lasso / elastic-net path.
#[derive(Debug, Args)]
pub struct FitLassoArgs {
    /// CSV or Parquet file.
    #[arg(long)]
    pub data: std::path::PathBuf,
    /// Response column.
    #[arg(long)]
    pub target: String,
    /// Comma-separated feature columns (default: every other column).
    #[arg(long)]
    pub features: Option<String>,
    /// Fit this single alpha instead of a grid.
    #[arg(long, allow_negative_numbers = true, conflicts_with_all = ["n_alphas", "eps"])]
    pub alpha: Option<f64>,
    /// Grid length.
    #[arg(long, default_value_t = 100)]
    pub n_alphas: usize,
    /// Grid end as a fraction of alpha_max.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1e-3)]
    pub eps: f64,
    /// Elastic-net mixing rho in [0, 1] (1 = Lasso).
    #[arg(long, allow_negative_numbers = true, default_value_t = 1.0)]
    pub l1_ratio: f64,
    /// Standardize columns by their population SD (glmnet); coefficients stay on the original scale.
    #[arg(long)]
    pub standardize: bool,
    /// K-fold cross-validation with a seeded shuffle (see --seed).
    #[arg(long)]
    pub cv: Option<usize>,
    /// Column of fold ids for cross-validation (like cv.glmnet's foldid); never a feature.
    #[arg(long)]
    pub foldid: Option<String>,
    /// Seed of the fold shuffle for --cv.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Duality-gap tolerance relative to ||y||^2 (scikit-learn units).
    #[arg(long, allow_negative_numbers = true, default_value_t = 1e-4)]
    pub tol: f64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
}

/// Run `veristat fit lasso`.
pub fn fit_lasso(a: FitLassoArgs) -> Result<()> {
    let exclude: Vec<&str> = a.foldid.iter().map(|s| s.as_str()).collect();
    let features = a.features.as_deref().map(parse_name_list);
    let table = read_used(&a.data, &a.target, features.as_deref(), &exclude)?;
    let ds = table.dataset(&a.target, features.as_deref(), &exclude)?;
    let feature_names = ds.feature_names;
    let data = RegressionData::new(ds.x, ds.y)?;
    let mut params = PathParams::new()
        .l1_ratio(a.l1_ratio)
        .n_alphas(a.n_alphas)
        .eps(a.eps)
        .standardize(a.standardize)
        .tol(a.tol);
    if let Some(alpha) = a.alpha {
        params = params.alphas(vec![alpha]);
    }
    // Parameter errors come before any fold column is read.
    let path_est = params.check()?;
    let folds = match (&a.foldid, a.cv) {
        (Some(col), k) => {
            let ids = table.integer_column(col)?;
            let mut distinct = ids.clone();
            distinct.sort_unstable();
            distinct.dedup();
            if let Some(k) = k.filter(|&k| k != distinct.len()) {
                return Err(Error::param(
                    "cv",
                    k,
                    format!("--foldid column `{col}` has {} folds", distinct.len()),
                ));
            }
            Some(Folds::Ids(ids))
        }
        (None, Some(k)) => Some(Folds::Shuffled { k, seed: a.seed }),
        (None, None) => None,
    };
    if folds.is_some() && a.alpha.is_some() {
        return Err(Error::param(
            "alpha",
            a.alpha.unwrap_or_default(),
            "cross-validation needs a grid; drop --alpha",
        ));
    }
    let (path, cv): (EnetPath, Option<LassoCvFit>) = match folds {
        Some(f) => {
            // A spinner on stderr (hidden when stderr is not a terminal): the fold paths are
            // fitted in parallel, so there is no meaningful per-step count to show.
            let spin = indicatif::ProgressBar::new_spinner();
            spin.set_message("cross-validating the path");
            spin.enable_steady_tick(std::time::Duration::from_millis(120));
            let cv = LassoCvParams::new(params).folds(f).fit(&data);
            spin.finish_and_clear();
            let cv = cv?;
            (cv.path.clone(), Some(cv))
        }
        None => (path_est.fit(&data)?, None),
    };
    let method = if a.l1_ratio == 1.0 {
        "lasso"
    } else {
        "elastic_net"
    };
    match a.format {
        Format::Json => {
            let coef: Vec<Vec<f64>> = (0..path.alphas.len())
                .map(|k| path.coefs.column(k).iter().copied().collect())
                .collect();
            let mut v = json!({
                "method": method,
                "feature_names": feature_names,
                "alphas": path.alphas,
                "coef": coef,
                "intercept": path.intercepts,
                "duality_gap": path.duality_gaps,
                "n_iter": path.n_iter,
            });
            if let Some(cv) = &cv {
                v["cv"] = json!({"alpha_min": cv.alpha_min, "alpha_1se": cv.alpha_1se, "mean": cv.mean, "se": cv.se});
            }
            print_json(&v)
        }
        Format::Table => {
            let mut header = vec!["alpha", "intercept"];
            header.extend(feature_names.iter().map(|s| s.as_str()));
            header.extend(["duality_gap", "n_iter"]);
            if cv.is_some() {
                header.extend(["cv_mean", "cv_se"]);
            }
            let rows: Vec<Vec<String>> = (0..path.alphas.len())
                .map(|k| {
                    let mut r = vec![
                        format!("{:.6e}", path.alphas[k]),
                        format!("{:.6}", path.intercepts[k]),
                    ];
                    r.extend(path.coefs.column(k).iter().map(|c| format!("{c:.6}")));
                    r.push(format!("{:.2e}", path.duality_gaps[k]));
                    r.push(path.n_iter[k].to_string());
                    if let Some(cv) = &cv {
                        r.push(format!("{:.6}", cv.mean[k]));
                        r.push(format!("{:.6}", cv.se[k]));
                    }
                    r
                })
                .collect();
            print_table(&header, &rows)?;
            if let Some(cv) = &cv {
                super::print_line(&format!(
                    "{method}: alpha_min = {:.6e}, alpha_1se = {:.6e}",
                    cv.alpha_min, cv.alpha_1se
                ))?;
            }
            Ok(())
        }
    }
}

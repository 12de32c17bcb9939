//! `veristat fit lasso`: a Lasso / elastic-net path (or one alpha) with optional K-fold CV, for
//! the gaussian, binomial and poisson families (glmnet's semantics, issue 16).
//!
//! JSON contract (issue 2): `{"method", "feature_names", "alphas", "coef" (one row per alpha,
//! original scale), "intercept", "duality_gap", "n_iter", "cv": {"alpha_min", "alpha_1se",
//! "mean", "se"}}`, `cv` only when cross-validating; issue 16 adds `family`, `deviance`,
//! `null_deviance`, `deviance_ratio`, `certificate` (one `{kind, value, target, converged}` per
//! alpha), `path_stop` and `alpha_max` (for the gaussian family when `--family` is given, so
//! that the default output is issue 2's exactly). The gaussian family without penalty factors
//! runs the crate's elastic net (scikit-learn's units, duality-gap certificate: the numbers of
//! issue 2);
//! binomial, poisson, and gaussian with `--penalty-factor` run the GLM solver, whose certificate
//! is the KKT residual over alpha and which has no `duality_gap` field. The target, fold-id and
//! weight columns are never features.

use super::clock::FitClock;
use super::{Format, print_json, print_table};
use clap::Args;
use nalgebra::DVector;
use serde_json::json;
use veristat::data::{parse_name_list, read_used};
use veristat::estimator::{Fit, Folds, ParamGuard, RegressionData};
use veristat::sparse::glm::{
    CvMeasure, Family, GlmCvFit, GlmCvParams, GlmDataRef, GlmOptions, GlmPathFit, GlmPathParams,
    GlmRelaxCvFit, GlmRelaxCvParams, GlmRelaxParams, RelaxOmission, RelaxedPath,
    SparseRegressionData,
};
use veristat::sparse::{EnetPath, LassoCvFit, LassoCvParams, PathParams, PathStop};
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
    /// Grid end as a fraction of alpha_max (default 1e-3 for the gaussian elastic net;
    /// glmnet's 1e-4, or 1e-2 when rows <= features, for the GLM solver).
    #[arg(long, allow_negative_numbers = true)]
    pub eps: Option<f64>,
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
    /// Tolerance: the gaussian elastic net's duality gap relative to ||y||^2 (scikit-learn
    /// units, default 1e-4); the GLM solver's KKT residual relative to alpha (default 1e-7).
    #[arg(long, allow_negative_numbers = true)]
    pub tol: Option<f64>,
    /// Response family (glmnet's): gaussian (the default), binomial (y in {0, 1}) or poisson
    /// (counts). Given explicitly, the JSON gains family, deviance, deviance_ratio and the
    /// per-alpha certificate (without it, the gaussian JSON is issue 2's, unchanged).
    #[arg(long)]
    pub family: Option<String>,
    /// Comma-separated penalty factors, one per feature (0 = unpenalized; glmnet's
    /// penalty.factor, rescaled to sum to the number of features).
    #[arg(long, allow_hyphen_values = true)]
    pub penalty_factor: Option<String>,
    /// Column of observation weights (rescaled to sum to n); never a feature.
    #[arg(long)]
    pub weights: Option<String>,
    /// Sparse design from a Matrix Market file (coordinate real/integer/pattern general): its
    /// rows are those of --data, which then supplies only --target (and --weights, --foldid).
    /// Fitted by the GLM solver (any --family) without densifying; features are named x1..xd.
    #[arg(long, conflicts_with = "features")]
    pub mtx: Option<std::path::PathBuf>,
    /// Cross-validation measure (cv.glmnet's type.measure): deviance, mse, mae, class, auc.
    /// Default: deviance for binomial and poisson, mse for gaussian.
    #[arg(long)]
    pub measure: Option<String>,
    /// Relaxed lasso (glmnet's relax = TRUE): refit the family's unpenalized likelihood on each
    /// alpha's support and add the refits, blended at --gamma, to the output as `relaxed`.
    #[arg(long)]
    pub relax: bool,
    /// Blend of the relaxed lasso in [0, 1]: gamma lasso + (1 - gamma) refit (default 0, the
    /// refit).
    #[arg(long, allow_negative_numbers = true, requires = "relax")]
    pub gamma: Option<f64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
}

/// Run `veristat fit lasso`.
pub fn fit_lasso(a: FitLassoArgs) -> Result<()> {
    let family = Family::parse(a.family.as_deref().unwrap_or("gaussian"))?;
    let penalty_factor = a
        .penalty_factor
        .as_deref()
        .map(parse_penalty_factors)
        .transpose()?;
    let exclude: Vec<&str> = a
        .foldid
        .iter()
        .chain(a.weights.iter())
        .map(|s| s.as_str())
        .collect();
    // With --mtx the table holds only the target and the weight and fold-id columns.
    let features = match &a.mtx {
        Some(_) => Some(Vec::new()),
        None => a.features.as_deref().map(parse_name_list),
    };
    let table = read_used(&a.data, &a.target, features.as_deref(), &exclude)?;
    let weights = match &a.weights {
        Some(col) => Some(DVector::from_column_slice(table.column(col)?)),
        None => None,
    };
    let glm_run = |weights| -> Result<GlmRun> {
        Ok(GlmRun {
            family,
            penalty_factor: penalty_factor.clone(),
            weights,
            measure: a.measure.as_deref().map(CvMeasure::parse).transpose()?,
            folds: folds_of(&a, &table)?,
        })
    };
    if let Some(path) = &a.mtx {
        let x = veristat::data::read_matrix_market(path)?;
        let y = DVector::from_column_slice(table.column(&a.target)?);
        let data = SparseRegressionData::new(x, y)?;
        let names: Vec<String> = (1..=data.x().ncols()).map(|j| format!("x{j}")).collect();
        return fit_glm(&a, glm_run(weights)?, GlmDataRef::Sparse(&data), &names);
    }
    let ds = table.dataset(&a.target, features.as_deref(), &exclude)?;
    let feature_names = ds.feature_names;
    let data = RegressionData::new(ds.x, ds.y)?;
    if family != Family::Gaussian || penalty_factor.is_some() || a.relax {
        return fit_glm(
            &a,
            glm_run(weights)?,
            GlmDataRef::Dense(&data),
            &feature_names,
        );
    }
    if let Some(m) = &a.measure
        && m != "mse"
    {
        return Err(Error::param(
            "measure",
            m.clone(),
            "the gaussian elastic net cross-validates on mse",
        ));
    }
    let mut params = PathParams::new()
        .l1_ratio(a.l1_ratio)
        .n_alphas(a.n_alphas)
        .eps(a.eps.unwrap_or(1e-3))
        .standardize(a.standardize)
        .tol(a.tol.unwrap_or(1e-4));
    if let Some(w) = weights.clone() {
        params = params.weights(w);
    }
    if let Some(alpha) = a.alpha {
        params = params.alphas(vec![alpha]);
    }
    // Parameter errors come before any fold column is read.
    let path_est = params.check()?;
    let folds = folds_of(&a, &table)?;
    if folds.is_some() && a.alpha.is_some() {
        return Err(Error::param(
            "alpha",
            a.alpha.unwrap_or_default(),
            "cross-validation needs a grid; drop --alpha",
        ));
    }
    let clock = FitClock::start();
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
    let time = clock.stop();
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
            // glmnet's gaussian deviance: the weighted residual sum of squares, on the scale of
            // the weights as given; the path's ratio is on the prepared problem.
            let y = data.y();
            let w: Vec<f64> = (0..y.len())
                .map(|i| weights.as_ref().map_or(1.0, |w| w[i]))
                .collect();
            let wsum: f64 = w.iter().sum();
            let ybar = (0..y.len()).map(|i| w[i] * y[i]).sum::<f64>() / wsum;
            let null_deviance: f64 = (0..y.len()).map(|i| w[i] * (y[i] - ybar).powi(2)).sum();
            let deviance: Vec<f64> = path
                .dev_ratio
                .iter()
                .map(|r| (1.0 - r) * null_deviance)
                .collect();
            let certificate: Vec<serde_json::Value> = (0..path.alphas.len())
                .map(|k| {
                    json!({"kind": "duality_gap", "value": path.duality_gaps[k],
                           "target": path.gap_tol, "converged": path.converged[k]})
                })
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
            if a.family.is_some() {
                v["family"] = json!("gaussian");
                v["deviance"] = json!(deviance);
                v["null_deviance"] = json!(null_deviance);
                v["deviance_ratio"] = json!(path.dev_ratio);
                v["certificate"] = json!(certificate);
                v["path_stop"] = json!(match path.stop {
                    PathStop::Complete => "complete",
                    PathStop::DevianceChange => "deviance_change",
                    PathStop::DevianceRatio => "deviance_ratio",
                    PathStop::Dfmax => "dfmax",
                });
                v["alpha_max"] = json!(path.alpha_max);
            }
            if let Some(cv) = &cv {
                v["cv"] = json!({"alpha_min": cv.alpha_min, "alpha_1se": cv.alpha_1se, "mean": cv.mean, "se": cv.se});
                if a.family.is_some() {
                    v["cv"]["measure"] = json!("mse");
                }
            }
            time.record(&mut v);
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

/// `--penalty-factor 1,0,2.5`: finite numbers (the sign and the count are checked by the
/// estimator, which names the parameter).
fn parse_penalty_factors(s: &str) -> Result<DVector<f64>> {
    let v: Vec<f64> = s
        .split(',')
        .map(|t| {
            t.trim().parse::<f64>().map_err(|_| {
                Error::param(
                    "penalty_factor",
                    t.trim().to_string(),
                    "must be a comma-separated list of numbers",
                )
            })
        })
        .collect::<Result<_>>()?;
    Ok(DVector::from_vec(v))
}

/// The folds of `--foldid COL` or `--cv K` (with `--seed`), if any.
fn folds_of(a: &FitLassoArgs, table: &veristat::data::Table) -> Result<Option<Folds>> {
    Ok(match (&a.foldid, a.cv) {
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
    })
}

/// The lasso's cross-validation as the JSON's `cv` shows it.
struct CvSummary {
    alpha_min: f64,
    alpha_1se: f64,
    mean: Vec<f64>,
    se: Vec<f64>,
    measure: CvMeasure,
}

impl CvSummary {
    fn of(cv: &GlmCvFit) -> Self {
        Self {
            alpha_min: cv.alpha_min,
            alpha_1se: cv.alpha_1se,
            mean: cv.mean.clone(),
            se: cv.se.clone(),
            measure: cv.measure,
        }
    }
}

/// What the GLM branch needs beyond the arguments.
struct GlmRun {
    family: Family,
    penalty_factor: Option<DVector<f64>>,
    weights: Option<DVector<f64>>,
    measure: Option<CvMeasure>,
    folds: Option<Folds>,
}

/// The GLM solver's path (binomial, poisson, or gaussian with penalty factors).
fn fit_glm(
    a: &FitLassoArgs,
    run: GlmRun,
    data: GlmDataRef<'_>,
    feature_names: &[String],
) -> Result<()> {
    let options = GlmOptions {
        standardize: a.standardize,
        tol: a.tol.unwrap_or(GlmOptions::default().tol),
        weights: run.weights,
        penalty_factor: run.penalty_factor,
        ..GlmOptions::default()
    };
    let mut params = GlmPathParams::new(run.family)
        .l1_ratio(a.l1_ratio)
        .n_alphas(a.n_alphas)
        .options(options.clone());
    if let Some(e) = a.eps {
        params = params.eps(e);
    }
    if let Some(alpha) = a.alpha {
        params = params.alphas(vec![alpha]);
    }
    let path_est = params.check()?;
    let gamma = a.gamma.unwrap_or(0.0);
    if a.relax {
        GlmRelaxParams::new(params.clone()).gamma(gamma).check()?;
    }
    if run.folds.is_some() && a.alpha.is_some() {
        return Err(Error::param(
            "alpha",
            a.alpha.unwrap_or_default(),
            "cross-validation needs a grid; drop --alpha",
        ));
    }
    // Cross-validation and the relaxed refits take dense data only.
    let dense = || match data {
        GlmDataRef::Dense(d) => Ok(d),
        GlmDataRef::Sparse(_) => Err(Error::param(
            "mtx",
            "a sparse design",
            "cross-validation and --relax run on dense data only; drop --cv / --foldid / --relax",
        )),
    };
    let clock = FitClock::start();
    let (path, cv, relax_cv): (GlmPathFit, Option<CvSummary>, Option<GlmRelaxCvFit>) =
        match run.folds {
            Some(f) if a.relax => {
                let spin = indicatif::ProgressBar::new_spinner();
                spin.set_message("cross-validating the relaxed path");
                spin.enable_steady_tick(std::time::Duration::from_millis(120));
                let mut cvp = GlmRelaxCvParams::new(params).folds(f);
                if let Some(m) = run.measure {
                    cvp = cvp.measure(m);
                }
                let cv = cvp.fit(dense()?);
                spin.finish_and_clear();
                let cv = cv?;
                // The lasso's curve is the gamma = 1 one (the default grid's last).
                let g1 = cv.gammas.len() - 1;
                let (imin, i1se) = cv.select_at_gamma(g1)?;
                let summary = CvSummary {
                    alpha_min: cv.alphas[imin],
                    alpha_1se: cv.alphas[i1se],
                    mean: cv.mean.row(g1).iter().copied().collect(),
                    se: cv.se.row(g1).iter().copied().collect(),
                    measure: cv.measure,
                };
                (cv.fit.path.clone(), Some(summary), Some(cv))
            }
            Some(f) => {
                let spin = indicatif::ProgressBar::new_spinner();
                spin.set_message("cross-validating the path");
                spin.enable_steady_tick(std::time::Duration::from_millis(120));
                let mut cvp = GlmCvParams::new(params).folds(f);
                if let Some(m) = run.measure {
                    cvp = cvp.measure(m);
                }
                let cv = cvp.fit(dense()?);
                spin.finish_and_clear();
                let cv = cv?;
                (cv.path.clone(), Some(CvSummary::of(&cv)), None)
            }
            None => match data {
                GlmDataRef::Dense(d) => (path_est.fit(d)?, None, None),
                GlmDataRef::Sparse(d) => (path_est.fit(d)?, None, None),
            },
        };
    let method = if a.l1_ratio == 1.0 {
        "lasso"
    } else {
        "elastic_net"
    };
    let relaxed = match (&relax_cv, a.relax) {
        (Some(cv), _) => Some(cv.fit.relaxed.clone()),
        (None, true) => Some(path.relax(dense()?, &options, None)?),
        (None, false) => None,
    };
    // The refits are part of the fit's time.
    let time = clock.stop();
    let stop = serde_json::to_value(path.stop).map_err(|e| Error::Numerical(e.to_string()))?;
    match a.format {
        Format::Json => {
            let coef: Vec<Vec<f64>> = (0..path.alphas.len())
                .map(|k| path.coefs.column(k).iter().copied().collect())
                .collect();
            let certificate: Vec<serde_json::Value> = (0..path.alphas.len())
                .map(|k| {
                    json!({"kind": "kkt_residual_over_alpha", "value": path.kkt[k],
                           "target": path.kkt_tol, "converged": path.converged[k]})
                })
                .collect();
            let mut v = json!({
                "method": method,
                "family": run.family.name(),
                "feature_names": feature_names,
                "alphas": path.alphas,
                "coef": coef,
                "intercept": path.intercepts,
                "n_iter": path.n_iter,
                "n_newton": path.n_newton,
                "deviance": path.deviance,
                "null_deviance": path.null_deviance,
                "deviance_ratio": path.deviance_ratio,
                "objective": path.objective,
                "certificate": certificate,
                "path_stop": stop,
                "alpha_max": path.alpha_max,
            });
            if let Some(cv) = &cv {
                v["cv"] = json!({"alpha_min": cv.alpha_min, "alpha_1se": cv.alpha_1se,
                                 "mean": cv.mean, "se": cv.se, "measure": cv.measure.name()});
            }
            if let Some(rc) = &relax_cv {
                let rows = |m: &nalgebra::DMatrix<f64>| -> Vec<Vec<f64>> {
                    m.row_iter().map(|r| r.iter().copied().collect()).collect()
                };
                v["cv"]["relaxed"] = json!({
                    "gammas": rc.gammas, "mean": rows(&rc.mean), "se": rows(&rc.se),
                    "alpha_min": rc.alpha_min, "gamma_min": rc.gamma_min,
                    "alpha_1se": rc.alpha_1se, "gamma_1se": rc.gamma_1se,
                });
            }
            if let Some(r) = &relaxed {
                v["relaxed"] = relaxed_json(&path, r, gamma)?;
            }
            time.record(&mut v);
            print_json(&v)
        }
        Format::Table => {
            let mut header = vec!["alpha", "intercept"];
            header.extend(feature_names.iter().map(|s| s.as_str()));
            header.extend(["deviance_ratio", "kkt/alpha", "n_iter"]);
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
                    r.push(format!("{:.6}", path.deviance_ratio[k]));
                    r.push(format!("{:.2e}", path.kkt[k]));
                    r.push(path.n_iter[k].to_string());
                    if let Some(cv) = &cv {
                        r.push(format!("{:.6}", cv.mean[k]));
                        r.push(format!("{:.6}", cv.se[k]));
                    }
                    r
                })
                .collect();
            print_table(&header, &rows)?;
            if let Some(r) = &relaxed {
                let (coefs, b0) = r.blend(&path, gamma)?;
                let mut header = vec!["alpha", "relaxed_intercept"];
                header.extend(feature_names.iter().map(|s| s.as_str()));
                header.push("refit");
                let rows: Vec<Vec<String>> = (0..path.alphas.len())
                    .map(|k| {
                        let mut row =
                            vec![format!("{:.6e}", path.alphas[k]), format!("{:.6}", b0[k])];
                        row.extend(coefs.column(k).iter().map(|c| format!("{c:.6}")));
                        row.push(match &r.omitted[k] {
                            None => "ok".into(),
                            Some(RelaxOmission::SupportTooLarge { .. }) => "support > maxp".into(),
                            Some(RelaxOmission::NoMle { .. }) => "no MLE".into(),
                        });
                        row
                    })
                    .collect();
                super::print_line(&format!("relaxed lasso, gamma = {gamma}:"))?;
                print_table(&header, &rows)?;
            }
            super::print_line(&format!(
                "{} {method}: path stop {}",
                run.family.name(),
                stop.as_str().unwrap_or("?")
            ))?;
            if let Some(cv) = &cv {
                super::print_line(&format!(
                    "{} {method}: alpha_min = {:.6e}, alpha_1se = {:.6e} ({})",
                    run.family.name(),
                    cv.alpha_min,
                    cv.alpha_1se,
                    cv.measure.name()
                ))?;
            }
            if let Some(rc) = &relax_cv {
                super::print_line(&format!(
                    "relaxed {method}: (alpha, gamma)_min = ({:.6e}, {}), (alpha, gamma)_1se = \
                     ({:.6e}, {})",
                    rc.alpha_min, rc.gamma_min, rc.alpha_1se, rc.gamma_1se
                ))?;
            }
            Ok(())
        }
    }
}

/// The `relaxed` object of the JSON: the blend at `gamma` per alpha (coefficients one row per
/// alpha, intercepts), the refits' deviance, deviance ratio and gradient norm, and per alpha
/// `refit`: `{"kind": "refitted"}` or why the refit was omitted (`support_too_large`, glmnet's
/// maxp, with `size` and `max`; `no_mle`, with the `reason`; an omitted alpha's refit is the
/// nearest larger alpha's).
fn relaxed_json(path: &GlmPathFit, r: &RelaxedPath, gamma: f64) -> Result<serde_json::Value> {
    let (coefs, intercept) = r.blend(path, gamma)?;
    let coef: Vec<Vec<f64>> = (0..path.alphas.len())
        .map(|k| coefs.column(k).iter().copied().collect())
        .collect();
    let refit = r
        .omitted
        .iter()
        .map(|o| match o {
            None => Ok(json!({"kind": "refitted"})),
            Some(o) => serde_json::to_value(o).map_err(|e| Error::Numerical(e.to_string())),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(json!({
        "gamma": gamma,
        "coef": coef,
        "intercept": intercept,
        "refit_deviance": r.deviance,
        "refit_deviance_ratio": r.deviance_ratio,
        "refit_gradient_norm": r.gradient_norm,
        "refit": refit,
    }))
}

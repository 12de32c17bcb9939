//! `veristat multiplicity`: viable prediction ranges, ambiguity and discrepancy of an
//! L2-regularized logistic regression over its ε-level set.

use super::{Bars, Format, print_json, print_table};
use clap::Args;
use serde_json::json;
use veristat::data::parse_name_list;
use veristat::estimator::{Fit, RegressionData};
use veristat::montecarlo::Progress;
use veristat::multiplicity::{
    Epsilon, LevelSet, LogisticParams, ScoreRange, ambiguity, discrepancy, label_flip_ambiguity,
    label_flip_discrepancy,
};
use veristat::{Error, Result};

/// Thresholds δ at which ambiguity and discrepancy are reported.
const DELTAS: [f64; 4] = [0.01, 0.05, 0.1, 0.2];

/// Predictive multiplicity: for each point, the range of its predicted risk over all models whose
/// training objective (mean log-loss + l2/2 ||w||², intercept free) is within epsilon of the best.
#[derive(Debug, Args)]
pub struct MultiplicityArgs {
    /// CSV or Parquet file.
    #[arg(long)]
    pub data: std::path::PathBuf,
    /// Binary (0/1) target column.
    #[arg(long)]
    pub target: String,
    /// Comma-separated feature columns (default: every other column).
    #[arg(long)]
    pub features: Option<String>,
    /// Level-set tolerance ε (absolute, in mean log-loss units, unless --relative).
    #[arg(long, allow_negative_numbers = true)]
    pub epsilon: f64,
    /// Read --epsilon as relative: ε_abs = ε · J*.
    #[arg(long)]
    pub relative: bool,
    /// Ridge strength λ in J = mean log-loss + λ/2 ||w||² (sklearn's C is 1/(λ n)).
    #[arg(long, allow_negative_numbers = true)]
    pub l2: f64,
    /// Standardize features by their mean and population SD before fitting.
    #[arg(long)]
    pub standardize: bool,
    /// Comma-separated 0-based rows to report (default: all rows).
    #[arg(long, conflicts_with = "all")]
    pub rows: Option<String>,
    /// Report every row (the default).
    #[arg(long)]
    pub all: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
}

fn parse_rows(s: &str, n: usize) -> Result<Vec<usize>> {
    let rows: Vec<usize> = s
        .split(',')
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.parse::<usize>()
                .map_err(|_| Error::param("rows", t, "must be comma-separated row numbers >= 0"))
        })
        .collect::<Result<_>>()?;
    if rows.is_empty() {
        return Err(Error::param("rows", s, "lists no row"));
    }
    if let Some(&r) = rows.iter().find(|&&r| r >= n) {
        return Err(Error::param(
            "rows",
            r,
            format!("must be < {n}, the number of data rows"),
        ));
    }
    Ok(rows)
}

/// Run the subcommand.
pub fn run(a: MultiplicityArgs) -> Result<()> {
    if !a.epsilon.is_finite() || a.epsilon < 0.0 {
        return Err(Error::param(
            "epsilon",
            a.epsilon,
            "must be finite and >= 0",
        ));
    }
    let features = a.features.as_deref().map(parse_name_list);
    let table = veristat::data::read_used(&a.data, &a.target, features.as_deref(), &[])?;
    let ds = table.dataset(&a.target, features.as_deref(), &[])?;
    if let Some(row) = ds.y.iter().position(|&v| v != 0.0 && v != 1.0) {
        return Err(Error::BadCell {
            column: a.target.clone(),
            row,
            value: ds.y[row].to_string(),
            reason: "the target must be 0 or 1".into(),
        });
    }
    let n = ds.y.len();
    let rows = match &a.rows {
        Some(s) => parse_rows(s, n)?,
        None => (0..n).collect(),
    };
    let fit = LogisticParams::new(a.l2)
        .standardize(a.standardize)
        .feature_names(ds.feature_names.clone())
        .fit(&RegressionData::new(ds.x.clone(), ds.y.clone())?)?;
    let eps = if a.relative {
        Epsilon::Relative(a.epsilon)
    } else {
        Epsilon::Absolute(a.epsilon)
    };
    let set = LevelSet::new(&fit, eps)?;

    let bars = Bars::new();
    bars.start("viable prediction ranges", rows.len() as u64);
    let mut ranges: Vec<ScoreRange> = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(64) {
        ranges.extend(set.training_ranges(chunk)?);
        bars.inc(chunk.len() as u64);
    }
    bars.finish();

    let design = fit.objective.design_rows(&rows)?;
    let amb: Vec<f64> = DELTAS
        .iter()
        .map(|&d| ambiguity(&ranges, d))
        .collect::<Result<_>>()?;
    let disc = discrepancy(&design, &ranges, &DELTAS)?;
    let flip = label_flip_ambiguity(&ranges)?;
    let (flip_lb, flip_ub) = label_flip_discrepancy(&design, &ranges)?;

    match a.format {
        Format::Json => {
            let points: Vec<_> = rows
                .iter()
                .zip(&ranges)
                .map(|(&i, r)| {
                    let (p_min, p_max) = r.probability_range();
                    json!({
                        "row": i, "s_min": r.lower.score, "s0": r.s0, "s_max": r.upper.score,
                        "p_min": p_min, "p0": r.p0(), "p_max": p_max, "converged": r.converged(),
                    })
                })
                .collect();
            print_json(&json!({
                "j_star": fit.j_star,
                "epsilon_abs": set.eps_abs,
                "points": points,
                "ambiguity": {"n_points": ranges.len(), "deltas": DELTAS, "values": amb, "label_flip": flip},
                "discrepancy": {
                    "deltas": DELTAS,
                    "lower_bound": disc.iter().map(|d| d.lower).collect::<Vec<_>>(),
                    "upper_bound": disc.iter().map(|d| d.upper).collect::<Vec<_>>(),
                    "label_flip_lower_bound": flip_lb,
                    "label_flip_upper_bound": flip_ub,
                },
            }))
        }
        Format::Table => {
            super::print_line(&format!(
                "J* = {:.12}  epsilon_abs = {:.6e}  tau = {:.12}",
                fit.j_star, set.eps_abs, set.tau
            ))?;
            let body: Vec<Vec<String>> = rows
                .iter()
                .zip(&ranges)
                .map(|(&i, r)| {
                    let (lo, hi) = r.probability_range();
                    vec![
                        i.to_string(),
                        format!("{:.6}", r.lower.score),
                        format!("{:.6}", r.s0),
                        format!("{:.6}", r.upper.score),
                        format!("{lo:.6e}"),
                        format!("{:.6e}", r.p0()),
                        format!("{hi:.6e}"),
                        r.converged().to_string(),
                    ]
                })
                .collect();
            print_table(
                &[
                    "row",
                    "s_min",
                    "s0",
                    "s_max",
                    "p_min",
                    "p0",
                    "p_max",
                    "converged",
                ],
                &body,
            )?;
            println!();
            let summary: Vec<Vec<String>> = DELTAS
                .iter()
                .zip(&amb)
                .zip(&disc)
                .map(|((d, am), di)| {
                    vec![
                        format!("{d}"),
                        format!("{am:.4}"),
                        format!("{:.4}", di.lower),
                    ]
                })
                .collect();
            print_table(&["delta", "ambiguity", "discrepancy_lb"], &summary)?;
            super::print_line(&format!(
                "label-flip ambiguity {flip:.4}, discrepancy in [{flip_lb:.4}, {flip_ub:.4}]"
            ))?;
            Ok(())
        }
    }
}

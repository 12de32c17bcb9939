//! `veristat ldp privatize` and `veristat ldp estimate`: one column of a user table to a file
//! of reports, and the reports to estimates with standard errors and intervals.
//!
//! Both stream in pieces of [`PIECE`] rows (a whole number of the batch API's chunks), so
//! memory stays bounded whatever the row count, and the reports are the same for any thread
//! count (`veristat::ldp::batch`).

use crate::cli::{Format, print_json, print_table};
use clap::Args;
use serde_json::json;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use veristat::ldp::batch::{CHUNK, Summary, Target, privatize_column_from};
use veristat::ldp::io::{ColumnReader, ReportReader, ReportWriter, ReportsMeta};
use veristat::ldp::mechanisms;
use veristat::ldp::postprocess::{PostProcess, heavy_hitters};
use veristat::{Error, Result};

/// Rows per piece: 64 chunks of the batch API.
const PIECE: usize = 64 * CHUNK;

/// Distinct categories a column may have.
const MAX_CATEGORIES: usize = 1 << 20;

/// `veristat ldp privatize`.
#[derive(Debug, Args)]
pub struct PrivatizeArgs {
    /// CSV or Parquet file, one user per row.
    #[arg(long)]
    pub data: PathBuf,
    /// The column to privatize.
    #[arg(long)]
    pub column: String,
    /// Mechanism (as for `ldp sample`, or hr).
    #[arg(long)]
    pub mechanism: String,
    /// Privacy parameter ε > 0.
    #[arg(long, allow_negative_numbers = true)]
    pub epsilon: f64,
    /// δ in (0, 1) (Gaussian mechanisms only).
    #[arg(long, allow_negative_numbers = true)]
    pub delta: Option<f64>,
    /// Domain size of a frequency oracle [default: the number of distinct values].
    #[arg(long)]
    pub k: Option<usize>,
    /// LO,HI of a numeric column: values are clipped to it and mapped onto [−1, 1].
    #[arg(long, allow_hyphen_values = true)]
    pub range: Option<String>,
    /// Reports file (Parquet when it ends in .parquet, else CSV); REPORTS.meta.json beside it.
    #[arg(long)]
    pub out: PathBuf,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// `veristat ldp estimate`.
#[derive(Debug, Args)]
pub struct EstimateArgs {
    /// Reports written by `ldp privatize`.
    #[arg(long)]
    pub reports: PathBuf,
    /// Mechanism that wrote them.
    #[arg(long)]
    pub mechanism: String,
    /// Its ε.
    #[arg(long, allow_negative_numbers = true)]
    pub epsilon: f64,
    /// δ (Gaussian mechanisms).
    #[arg(long, allow_negative_numbers = true)]
    pub delta: Option<f64>,
    /// Domain size [default: from REPORTS.meta.json].
    #[arg(long)]
    pub k: Option<usize>,
    /// Post-processing of frequency estimates: none, norm-sub, simplex, norm-mul.
    #[arg(long, default_value = "none")]
    pub postprocess: String,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95)]
    pub level: f64,
    /// Also list up to this many heavy hitters (frequency oracles).
    #[arg(long, default_value_t = 0)]
    pub top: usize,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
}

fn is_oracle(name: &str) -> Result<bool> {
    // Domain size 2 and dimension 1 are valid for every mechanism; δ only matters for Gaussians.
    Ok(mechanisms::by_name(name, 1.0, Some(0.5), 2, 1)
        .or_else(|_| mechanisms::by_name(name, 0.5, Some(0.5), 2, 1))?
        .support()
        .is_some())
}

fn parse_range(s: &str) -> Result<(f64, f64)> {
    let bad = || Error::param("range", s, "expected LO,HI with finite LO < HI");
    let (a, b) = s.split_once(',').ok_or_else(bad)?;
    let lo: f64 = a.trim().parse().map_err(|_| bad())?;
    let hi: f64 = b.trim().parse().map_err(|_| bad())?;
    if lo.is_finite() && hi.is_finite() && lo < hi {
        Ok((lo, hi))
    } else {
        Err(bad())
    }
}

fn bad_cell(column: &str, row: usize, value: &str, reason: &str) -> Error {
    Error::BadCell {
        column: column.to_string(),
        row,
        value: value.to_string(),
        reason: reason.to_string(),
    }
}

/// The sorted distinct values of the column (numerically when all are integers).
fn categories(data: &Path, column: &str) -> Result<Vec<String>> {
    let mut r = ColumnReader::open(data, column)?;
    let mut seen = BTreeSet::new();
    loop {
        let start = r.rows_read();
        let cells = r.next_cells(PIECE)?;
        if cells.is_empty() {
            break;
        }
        for (i, c) in cells.into_iter().enumerate() {
            if c.is_empty() {
                return Err(bad_cell(column, start + i, "", "empty cell"));
            }
            seen.insert(c);
            if seen.len() > MAX_CATEGORIES {
                return Err(Error::param(
                    "column",
                    column,
                    format!("more than {MAX_CATEGORIES} distinct values; not a categorical column"),
                ));
            }
        }
    }
    let mut v: Vec<String> = seen.into_iter().collect();
    if v.iter().all(|s| s.parse::<i64>().is_ok()) {
        v.sort_by_key(|s| s.parse::<i64>().unwrap_or(0));
    }
    Ok(v)
}

pub fn privatize(a: PrivatizeArgs) -> Result<()> {
    let oracle = is_oracle(&a.mechanism)?;
    let (labels, range, k) = if oracle {
        if a.range.is_some() {
            return Err(Error::param(
                "range",
                a.range.as_deref().unwrap_or(""),
                format!(
                    "`{}` is a frequency oracle; --range is for numeric mechanisms",
                    a.mechanism
                ),
            ));
        }
        let labels = categories(&a.data, &a.column)?;
        let rr = a.mechanism == "rr";
        let k = match a.k {
            Some(k) if k < labels.len() => {
                return Err(Error::param(
                    "k",
                    k,
                    format!("column `{}` has {} distinct values", a.column, labels.len()),
                ));
            }
            Some(k) => k,
            None => labels.len().max(2),
        };
        if rr && labels.len() > 2 {
            return Err(Error::param(
                "mechanism",
                "rr",
                format!(
                    "column `{}` has {} distinct values; rr needs two",
                    a.column,
                    labels.len()
                ),
            ));
        }
        (Some(labels), None, k)
    } else {
        if a.k.is_some() {
            return Err(Error::param(
                "k",
                a.k.unwrap_or(0),
                "--k is for frequency oracles",
            ));
        }
        let s = a.range.as_deref().ok_or_else(|| {
            Error::param(
                "range",
                "none",
                format!("numeric mechanism `{}` needs --range LO,HI", a.mechanism),
            )
        })?;
        (None, Some(parse_range(s)?), 0)
    };
    let m = mechanisms::by_name(&a.mechanism, a.epsilon, a.delta, k.max(2), 1)?;
    let index: std::collections::HashMap<&str, usize> = labels
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i))
        .collect();
    let mut reader = ColumnReader::open(&a.data, &a.column)?;
    let mut writer = ReportWriter::create(&a.out, m.layout())?;
    let mut chunk = 0u64;
    let mut xs: Vec<f64> = Vec::with_capacity(PIECE);
    loop {
        let start = reader.rows_read();
        let cells = reader.next_cells(PIECE)?;
        if cells.is_empty() {
            break;
        }
        xs.clear();
        for (i, c) in cells.iter().enumerate() {
            let x = match range {
                None => *index
                    .get(c.as_str())
                    .ok_or_else(|| bad_cell(&a.column, start + i, c, "not a category"))?
                    as f64,
                Some((lo, hi)) => {
                    let v: f64 = c
                        .parse()
                        .map_err(|_| bad_cell(&a.column, start + i, c, "not a number"))?;
                    if v.is_nan() {
                        return Err(bad_cell(&a.column, start + i, c, "NaN cannot be clipped"));
                    }
                    2.0 * (v.clamp(lo, hi) - lo) / (hi - lo) - 1.0
                }
            };
            xs.push(x);
        }
        let reports = privatize_column_from(m.as_ref(), &xs, a.seed, chunk)?;
        writer.write(&reports)?;
        chunk += (cells.len() / CHUNK) as u64;
    }
    writer.finish()?;
    let n = reader.rows_read();
    if n == 0 {
        return Err(Error::InvalidData(format!(
            "column `{}` of {} has no rows",
            a.column,
            a.data.display()
        )));
    }
    let meta = ReportsMeta {
        mechanism: m.name().to_string(),
        epsilon: a.epsilon,
        delta: a.delta,
        k: if oracle { k } else { 0 },
        column: a.column.clone(),
        labels,
        range,
        n,
        seed: a.seed,
    };
    meta.write(&a.out)?;
    eprintln!(
        "{n} reports of `{}` ({}, ε = {}) written to {}",
        a.column,
        m.name(),
        a.epsilon,
        a.out.display()
    );
    Ok(())
}

pub fn estimate(a: EstimateArgs) -> Result<()> {
    let post = PostProcess::by_name(&a.postprocess)?;
    let meta = ReportsMeta::read(&a.reports)?;
    if let Some(meta) = &meta {
        if meta.mechanism != a.mechanism {
            return Err(Error::param(
                "mechanism",
                &a.mechanism,
                format!("the reports were written by `{}`", meta.mechanism),
            ));
        }
        if meta.epsilon != a.epsilon {
            return Err(Error::param(
                "epsilon",
                a.epsilon,
                format!("the reports were written at ε = {}", meta.epsilon),
            ));
        }
    }
    let oracle = is_oracle(&a.mechanism)?;
    let k = match (a.k, &meta) {
        (Some(k), Some(m)) if oracle && k != m.k => {
            return Err(Error::param(
                "k",
                k,
                format!("the reports were written with k = {}", m.k),
            ));
        }
        (Some(k), _) => k,
        (None, Some(m)) if oracle => m.k,
        (None, None) if oracle => {
            return Err(Error::param(
                "k",
                "none",
                format!(
                    "no {} beside the reports; give --k",
                    ReportsMeta::path_for(&a.reports).display()
                ),
            ));
        }
        _ => 2,
    };
    let delta = a.delta.or(meta.as_ref().and_then(|m| m.delta));
    let m = mechanisms::by_name(&a.mechanism, a.epsilon, delta, k, 1)?;
    if post != PostProcess::None && !oracle {
        return Err(Error::param(
            "postprocess",
            &a.postprocess,
            "post-processing applies to frequency oracles only",
        ));
    }
    let mut reader = ReportReader::open(&a.reports, m.layout())?;
    let mut summary = Summary::new(m.as_ref());
    while let Some(chunk) = reader.next_chunk(PIECE)? {
        summary.add(m.as_ref(), &chunk)?;
    }
    let est = summary.finish(m.as_ref())?;
    let ci = est.conf_int(a.level)?;
    let mut out = json!({
        "mechanism": m.name(),
        "epsilon": a.epsilon,
        "n": est.n,
        "level": a.level,
        "target": est.kind,
    });
    match est.kind {
        Target::Frequency => {
            let labels: Vec<String> = meta
                .as_ref()
                .and_then(|m| m.labels.clone())
                .unwrap_or_default();
            let label = |u: usize| -> String {
                if a.mechanism == "rr" {
                    labels.get(1).cloned().unwrap_or_else(|| "1".into())
                } else {
                    labels.get(u).cloned().unwrap_or_else(|| u.to_string())
                }
            };
            let processed = post.apply(&est.estimate)?;
            let cats: Vec<serde_json::Value> = (0..est.estimate.len())
                .map(|u| {
                    json!({
                        "label": label(u),
                        "estimate": est.estimate[u],
                        "std_error": est.std_error[u],
                        "conf_int": [ci[u].0, ci[u].1],
                        "postprocessed": processed[u],
                    })
                })
                .collect();
            out["postprocess"] = json!(a.postprocess);
            out["categories"] = json!(cats);
            if a.top > 0 {
                let hh = heavy_hitters(&est, a.top, 1.0 - a.level)?;
                out["heavy_hitters"] = json!(
                    hh.iter()
                        .map(|h| json!({"label": label(h.category), "estimate": h.estimate, "std_error": h.std_error}))
                        .collect::<Vec<_>>()
                );
            }
        }
        Target::Mean => {
            let (lo, hi) = meta.as_ref().and_then(|m| m.range).unwrap_or((-1.0, 1.0));
            let half = (hi - lo) / 2.0;
            let back = |v: f64| lo + (v + 1.0) * half;
            out["range"] = json!([lo, hi]);
            out["mean"] = json!({
                "estimate": back(est.estimate[0]),
                "std_error": est.std_error[0] * half,
                "conf_int": [back(ci[0].0), back(ci[0].1)],
            });
        }
    }
    match a.format {
        Format::Json => print_json(&out),
        Format::Table => {
            let f = |v: &serde_json::Value| v.as_f64().map_or(String::new(), |x| format!("{x:.6}"));
            let row = |label: String, c: &serde_json::Value| {
                vec![
                    label,
                    f(&c["estimate"]),
                    f(&c["std_error"]),
                    f(&c["conf_int"][0]),
                    f(&c["conf_int"][1]),
                ]
            };
            let rows: Vec<Vec<String>> = match est.kind {
                Target::Frequency => out["categories"]
                    .as_array()
                    .map(|cs| {
                        cs.iter()
                            .map(|c| {
                                let mut r = row(c["label"].as_str().unwrap_or("").to_string(), c);
                                r.push(f(&c["postprocessed"]));
                                r
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                Target::Mean => vec![row("mean".into(), &out["mean"])],
            };
            let mut head = vec!["category", "estimate", "std_error", "ci_low", "ci_high"];
            if est.kind == Target::Frequency {
                head.push(&a.postprocess);
            }
            print_table(&head, &rows)
        }
    }
}

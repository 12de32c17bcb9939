//! Predictive multiplicity on the shipped breast-cancer data: fit an L2 logistic regression,
//! then, for every patient, the range of predicted risk over all models whose training loss is
//! within 1% of the best (the ε-level set), with ambiguity and a discrepancy bracket.
//!
//! Run: `cargo run --release --example multiplicity [EPS_REL]` (also builds with
//! `--no-default-features`: the shipped CSV is all-numeric, so it is read here with the standard
//! library into a validated `Table`; with the `io` feature, `veristat::data::read_table` reads any
//! CSV or Parquet file). The last line, `solve_seconds=...`, is what
//! `benches/peers/multiplicity.py` reads.

use std::time::Instant;
use veristat::data::Table;
use veristat::estimator::{Fit, RegressionData};
use veristat::multiplicity::{Epsilon, LevelSet, LogisticParams, ambiguity, discrepancy};

fn read_numeric_csv(path: &str) -> veristat::Result<Table> {
    let text = std::fs::read_to_string(path).map_err(|e| veristat::Error::io(path, e))?;
    let mut lines = text.lines();
    let names: Vec<String> = lines
        .next()
        .unwrap_or("")
        .split(',')
        .map(str::to_string)
        .collect();
    let mut columns = vec![Vec::new(); names.len()];
    for (row, line) in lines.enumerate() {
        for (j, cell) in line.split(',').enumerate() {
            let v = cell
                .trim()
                .parse::<f64>()
                .map_err(|_| veristat::Error::BadCell {
                    column: names.get(j).cloned().unwrap_or_default(),
                    row,
                    value: cell.into(),
                    reason: "not a number".into(),
                })?;
            columns
                .get_mut(j)
                .ok_or_else(|| veristat::Error::InvalidData(format!("row {row} has extra cells")))?
                .push(v);
        }
    }
    Table::new(names, columns)
}

fn main() -> veristat::Result<()> {
    let eps_rel: f64 = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("EPS_REL must be a number"))
        .unwrap_or(0.01);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/breast_cancer.csv");
    let ds = read_numeric_csv(path)?.dataset("target", None, &[])?;
    let n = ds.y.len();

    // λ = 1/n is sklearn's default C = 1 on the mean loss.
    let t0 = Instant::now();
    let fit = LogisticParams::new(1.0 / n as f64)
        .standardize(true)
        .fit(&RegressionData::new(ds.x.clone(), ds.y.clone())?)?;
    let set = LevelSet::new(&fit, Epsilon::Relative(eps_rel))?;
    let ranges = set.all_training_ranges()?;
    let secs = t0.elapsed().as_secs_f64();

    println!(
        "J* = {:.12} (gradient norm {:.1e}), epsilon_abs = {:.4e}",
        fit.j_star,
        fit.gradient_norm(),
        set.eps_abs
    );
    println!(
        "certified endpoints: {} of {}",
        ranges.iter().filter(|r| r.converged()).count(),
        n
    );
    let mut widest: Vec<usize> = (0..n).collect();
    widest.sort_by(|&a, &b| ranges[b].width().total_cmp(&ranges[a].width()));
    println!("widest viable prediction ranges:");
    for &i in widest.iter().take(5) {
        let (lo, hi) = ranges[i].probability_range();
        println!(
            "  row {i:3}: p0 = {:.4}, range [{lo:.4}, {hi:.4}]",
            ranges[i].p0()
        );
    }
    let deltas = [0.01, 0.05, 0.1, 0.2];
    for d in discrepancy(fit.objective.design(), &ranges, &deltas)? {
        println!(
            "delta {:4}: ambiguity {:.4}, discrepancy in [{:.4}, {:.4}]",
            d.delta,
            ambiguity(&ranges, d.delta)?,
            d.lower,
            d.upper
        );
    }
    let steps: usize = ranges
        .iter()
        .map(|r| r.lower.newton_steps + r.upper.newton_steps)
        .sum();
    println!(
        "newton steps per solve: {:.1}",
        steps as f64 / (2 * n) as f64
    );
    println!("solves={} solve_seconds={secs:.6}", 2 * n);
    Ok(())
}

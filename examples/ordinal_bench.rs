//! Timing driver for benches/peers/ordinal.py: reads a numeric CSV (header, target column `y`,
//! every other column a feature) with the standard library only, fits one model and prints
//! JSON with the fit's wall and CPU seconds (excluding reading the file).
//!
//! `cargo run --release --no-default-features --example ordinal_bench -- FILE po [LINK]`
//! (LINK: logit, probit, cloglog, loglog or cauchit; benches/peers/ordinal_links.R)
//! `... FILE presto-cv N_LAMBDAS FOLDS` or `... FILE presto-lambda LAMBDA`

mod common;

use common::cpu_seconds;
use nalgebra::DMatrix;
use std::time::Instant;
use veristat::estimator::{Fit, Fitted, Folds};
use veristat::ordinal::presto::round_robin_fold_ids;
use veristat::ordinal::{
    Link, OrdinalData, PrestoCvParams, PrestoParams, PrestoPathParams, ProportionalOddsParams,
};
use veristat::{Error, Result};

fn read_csv(path: &str) -> Result<(Vec<String>, DMatrix<f64>, Vec<f64>)> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap_or("")
        .split(',')
        .map(|s| s.trim().to_string())
        .collect();
    let yi = header
        .iter()
        .position(|h| h == "y")
        .ok_or_else(|| Error::InvalidData("no column y".into()))?;
    let (mut xs, mut y) = (Vec::new(), Vec::new());
    for (r, line) in lines.enumerate() {
        for (j, cell) in line.split(',').enumerate() {
            let v: f64 = cell
                .trim()
                .parse()
                .map_err(|_| Error::InvalidData(format!("row {r} column {j}: {cell:?}")))?;
            if j == yi { y.push(v) } else { xs.push(v) }
        }
    }
    let p = header.len() - 1;
    let names = header.into_iter().filter(|h| h != "y").collect();
    Ok((names, DMatrix::from_row_slice(y.len(), p, &xs), y))
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        return Err(Error::InvalidData(
            "usage: ordinal_bench FILE po [LINK]|presto-cv N FOLDS|presto-lambda L".into(),
        ));
    }
    let (_, x, y) = read_csv(&args[1])?;
    let data = OrdinalData::from_labels(x, &y, None)?;
    let arg = |i: usize| args.get(i).cloned().unwrap_or_default();
    let c0 = cpu_seconds();
    let t0 = Instant::now();
    let out = match args[2].as_str() {
        "po" => {
            let link: Link = if args.len() > 3 {
                arg(3).parse()?
            } else {
                Link::Logit
            };
            let fit = ProportionalOddsParams::new().link(link).fit(&data)?;
            serde_json::json!({"link": link.name(), "loglik": fit.loglik, "n_iter": fit.diagnostics().iterations, "coef": fit.coef, "cutpoints": fit.cutpoints})
        }
        "presto-cv" => {
            let n_lambdas: usize = arg(3).parse().unwrap_or(20);
            let folds: usize = arg(4).parse().unwrap_or(5);
            let mut rng = veristat::rng::stream(1, "ordinal-bench", 0);
            let folds = Folds::Ids(round_robin_fold_ids(data.n_rows(), folds, &mut rng)?);
            let path = PrestoPathParams::new()
                .standardize(true)
                .n_lambdas(n_lambdas)
                .lambda_ratio(0.01);
            let cv = PrestoCvParams::new(path, folds).fit(&data)?;
            serde_json::json!({"lambda": cv.fit.lambda, "lambdas": cv.path.lambdas, "objective": cv.fit.objective, "kkt": cv.fit.kkt()})
        }
        "presto-lambda" => {
            let lam: f64 = arg(3)
                .parse()
                .map_err(|_| Error::param("lambda", arg(3), "a number"))?;
            let fit = PrestoParams::new(lam).standardize(true).fit(&data)?;
            serde_json::json!({"lambda": lam, "objective": fit.objective, "kkt": fit.kkt(), "n_iter": fit.diagnostics().iterations})
        }
        other => {
            return Err(Error::param(
                "mode",
                other,
                "po, presto-cv or presto-lambda",
            ));
        }
    };
    let mut out = out;
    out["seconds"] = serde_json::json!(t0.elapsed().as_secs_f64());
    out["cpu_seconds"] = serde_json::json!(cpu_seconds() - c0);
    println!("{out}");
    Ok(())
}

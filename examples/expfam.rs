//! The p-n criterion and the MLE risk expansion, end to end.
//!
//! ```text
//! cargo run --release --example expfam                     # walk-through
//! cargo run --release --example expfam -- bench CASE N R   # replicates/s (CASE: normal-gamma | gauss20)
//! ```

use nalgebra::DMatrix;
use std::sync::Arc;
use std::time::Instant;
use veristat::expfam::columns::read_columns;
use veristat::expfam::criterion::{self, Threshold};
use veristat::expfam::families::{Gaussian, Structure};
use veristat::expfam::risk::{self, RiskSimulation};
use veristat::expfam::truth::Truth;

fn case(name: &str) -> veristat::Result<RiskSimulation> {
    match name {
        "normal-gamma" => {
            RiskSimulation::new(Arc::new(Gaussian::normal()), &Truth::parse("gamma:4", 1)?)
        }
        "gauss20" => RiskSimulation::new(
            Arc::new(Gaussian::new(20, Structure::Diagonal)?),
            &Truth::parse("gaussian-ar:0.5", 20)?,
        ),
        other => Err(veristat::Error::UnknownName {
            kind: "bench case",
            name: other.into(),
            known: "normal-gamma, gauss20".into(),
        }),
    }
}

fn main() -> veristat::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 5 && args[1] == "bench" {
        let sim = case(&args[2])?;
        let n: usize = args[3]
            .parse()
            .map_err(|_| veristat::Error::param("N", &args[3], "integer"))?;
        let r: usize = args[4]
            .parse()
            .map_err(|_| veristat::Error::param("R", &args[4], "integer"))?;
        let t0 = Instant::now();
        let mc = sim.run(n, r, 1, "bench")?;
        let secs = t0.elapsed().as_secs_f64();
        println!(
            "{{\"case\": \"{}\", \"n\": {n}, \"replicates\": {r}, \"seconds\": {secs}, \"replicates_per_second\": {}, \"risk\": {}, \"se\": {}, \"c1\": {}, \"c2\": {}}}",
            args[2],
            r as f64 / secs,
            mc.risk_plain,
            mc.se_plain,
            sim.terms().c1,
            sim.terms().c2
        );
        return Ok(());
    }

    // 1. A normal model fitted to Gamma(4) data: exact expansion and Monte Carlo.
    let sim = case("normal-gamma")?;
    let t = sim.terms();
    println!(
        "normal model, Gamma(4) truth: c1 = {:.5}, c2 = {:.5}",
        t.c1, t.c2
    );
    for n in [50, 200] {
        let mc = sim.run(n, 20_000, 1, "example")?;
        println!(
            "  n = {n:4}: MC risk {:.6} ± {:.6}  one-term {:.6}  two-term {:.6}",
            mc.risk,
            mc.se,
            t.first_order(n as f64),
            t.second_order(n as f64)
        );
    }

    // 2. The criterion on real data: is n = 1599 enough for a full Gaussian on 5 wine variables?
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/winequality-red.csv");
    let cols: Vec<String> = ["alcohol", "pH", "density", "sulphates", "citric acid"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let table = read_columns(path, &cols)?;
    let mut x = DMatrix::zeros(table.n_rows(), cols.len());
    for (j, c) in cols.iter().enumerate() {
        x.column_mut(j).copy_from_slice(table.column(c)?);
    }
    let thr = Threshold::default_pinsker();
    for g in [
        Gaussian::new(5, Structure::Diagonal)?,
        Gaussian::new(5, Structure::Full)?,
    ] {
        let fit = risk::plug_in(&g, &x)?;
        let nmin = criterion::n_min(fit.terms.c1, fit.terms.c2, thr.epsilon)?;
        println!(
            "{:24} p = {:2}  c1 = {:.3}  c2 = {:.2}  n_min(eps = {}) = {nmin}  AIC {:.1}  TIC {:.1}  BIC {:.1}",
            veristat::expfam::ExponentialFamily::name(&g),
            fit.p,
            fit.terms.c1,
            fit.terms.c2,
            thr.epsilon,
            fit.criteria.aic,
            fit.criteria.tic,
            fit.criteria.bic
        );
    }
    Ok(())
}

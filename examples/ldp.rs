//! Local differential privacy with veristat: frequency and mean estimation, an audit, and
//! sparse regression under NLDP and LDP-IHT.
//!
//! `cargo run --release --example ldp` runs the tour; `cargo run --release --example ldp -- bench N`
//! prints privatized reports per second for every mechanism and the time of the NLDP estimator
//! at n = N, d = 50 as JSON (used by `benches/peers/ldp.py`).

use std::time::Instant;
use veristat::estimator::{ParamGuard, RegressionData};
use veristat::ldp::audit::empirical_audit;
use veristat::ldp::estimate::{estimate, privatize_all};
use veristat::ldp::mechanisms;
use veristat::ldp::regression::simulate::RademacherDesign;
use veristat::ldp::regression::{LdpIhtParams, NldpParams, NoiseMode};
use veristat::{Result, rng};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("bench") {
        let n: usize = args
            .get(2)
            .and_then(|s| s.parse().ok())
            .unwrap_or(1_000_000);
        return bench(n);
    }
    let mut r = rng::stream(42, "example", 0);

    // Frequency estimation: 100k users with categories 0..8, OUE at ε = 1.
    let oue = mechanisms::by_name("oue", 1.0, None, 8, 1)?;
    let users: Vec<Vec<f64>> = (0..100_000).map(|i| vec![((i * i) % 8) as f64]).collect();
    let f = estimate(oue.as_ref(), &users, &mut r)?;
    println!(
        "OUE frequencies: {:?}",
        f.estimate
            .iter()
            .map(|v| format!("{v:.3}"))
            .collect::<Vec<_>>()
    );
    println!(
        "  standard errors: {:?}",
        f.variance
            .iter()
            .map(|v| format!("{:.3}", v.sqrt()))
            .collect::<Vec<_>>()
    );

    // Mean of values in [-1, 1] with the hybrid mechanism at ε = 2.
    let hm = mechanisms::by_name("hybrid", 2.0, None, 0, 1)?;
    let xs: Vec<Vec<f64>> = (0..100_000)
        .map(|i| vec![(i as f64 / 50_000.0) - 0.8])
        .collect();
    let m = estimate(hm.as_ref(), &xs, &mut r)?;
    println!(
        "hybrid mean: {:.4} ± {:.4} (true {:.4})",
        m.estimate[0],
        m.variance[0].sqrt(),
        0.2 - 1e-5
    );

    // Audit a mechanism before trusting it.
    let a = empirical_audit(oue.as_ref(), 1_000_000, 0.95, &mut r)?;
    println!(
        "audit {}: privacy loss >= {:.3} at 95% (claimed {}) -> {}",
        a.mechanism,
        a.epsilon_lower,
        a.epsilon,
        if a.pass { "PASS" } else { "FAIL" }
    );

    // Sparse regression: 200k users, d = 8, 2-sparse θ*.
    let design = RademacherDesign::new(8, 2, 0.5)?;
    let (x, y) = design.sample(200_000, &mut r);
    // Params -> check -> fit; `fit_with` draws the shuffle and the noise from the tour's stream
    // (`Fit::fit(&data)` would draw them from the params' seed).
    let iht = LdpIhtParams::new(1.0, 2)
        .rounds(3)
        .tau(1.0, 1.5)
        .l1_radius(2.0)
        .check()?
        .fit_with(&RegressionData::new(x, y)?, &mut r)?;
    println!(
        "LDP-IHT (eps = 1): coef {:.3}, error {:.3}",
        iht.coef.transpose(),
        (&iht.coef - &design.theta).norm()
    );
    // NLDP needs far more users; its sufficient statistics can be simulated exactly.
    let est = NldpParams::new(0.8, 1e-5)
        .tau(1.0, 1.5)
        .noise(NoiseMode::Aggregate)
        .check()?;
    let mom = design.moments(10_000_000_000, 1.5, &mut r)?;
    let fit = est.fit_moments(&mom, None, &mut r)?;
    println!(
        "NLDP (eps = 0.8, delta = 1e-5, n = 1e10): error {:.4}, lambda {:.4}",
        (&fit.coef - &design.theta).norm(),
        fit.details["lambda"]
    );
    Ok(())
}

fn bench(n: usize) -> Result<()> {
    let mut r = rng::stream(1, "bench", 0);
    let mut out = serde_json::Map::new();
    for name in mechanisms::NAMES {
        let (k, d) = (
            16,
            if [
                "duchi-l2",
                "duchi-linf",
                "laplace",
                "gaussian",
                "gaussian-analytic",
            ]
            .contains(name)
            {
                50
            } else {
                1
            },
        );
        let m = mechanisms::by_name(name, 0.5, Some(1e-5), k, d)?;
        let x: Vec<f64> = match *name {
            "rr" => vec![1.0],
            "grr" | "oue" | "sue" | "olh" => vec![3.0],
            _ => vec![0.3; d],
        };
        let inputs = vec![x; n];
        let t = Instant::now();
        let reports = privatize_all(m.as_ref(), &inputs, &mut r)?;
        let s = t.elapsed().as_secs_f64();
        std::hint::black_box(&reports);
        out.insert(
            format!(
                "{name}{}",
                if d > 1 {
                    format!("-d{d}")
                } else {
                    String::new()
                }
            ),
            serde_json::json!(n as f64 / s),
        );
    }
    let design = RademacherDesign::new(50, 5, 0.5)?;
    let (x, y) = design.sample(n, &mut r);
    let t = Instant::now();
    let fit = NldpParams::new(0.5, 1e-5)
        .tau(1.0, 1.5)
        .check()?
        .fit_with(&RegressionData::new(x, y)?, &mut r)?;
    std::hint::black_box(&fit);
    out.insert(
        "nldp-d50".into(),
        serde_json::json!(n as f64 / t.elapsed().as_secs_f64()),
    );
    println!("{}", serde_json::Value::Object(out));
    Ok(())
}

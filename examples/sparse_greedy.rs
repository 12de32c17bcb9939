//! Greedy and L0 sparse regression on a simulated random-support problem.
//!
//! ```text
//! cargo run --release --example sparse_greedy -- [design] [n] [d] [k]
//! ```
//! `design` is one of iid, ar1, geometric, near-duplicate (default iid; n = 1000, d = 1000,
//! k = 20). Prints, for IHT, OMP and best subset (GIC), the prediction error
//! (1/N)||X(w_hat - w*)||^2, the support F1 score, the support size and the time taken.

use veristat::estimator::{Fit, Fitted};
use veristat::sparse::best_subset::BestSubsetParams;
use veristat::sparse::design::{Design, Problem, support_f1};
use veristat::sparse::iht::IhtParams;
use veristat::sparse::omp::OmpParams;

fn main() -> veristat::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let design = match args.first().map(String::as_str).unwrap_or("iid") {
        "iid" => Design::Iid,
        "ar1" => Design::Ar1 { rho: 0.95 },
        "geometric" => Design::Geometric { smallest: 1e-10 },
        "near-duplicate" => Design::NearDuplicate { eps: 1e-6 },
        other => {
            return Err(veristat::Error::UnknownName {
                kind: "design",
                name: other.to_string(),
                known: "iid, ar1, geometric, near-duplicate".into(),
            });
        }
    };
    let num = |i: usize, default: usize| -> veristat::Result<usize> {
        match args.get(i) {
            None => Ok(default),
            Some(s) => s
                .parse()
                .map_err(|_| veristat::Error::param("argument", s, "expected a positive integer")),
        }
    };
    let (n, d, k) = (num(1, 1000)?, num(2, 1000)?, num(3, 20)?);
    let mut rng = veristat::rng::stream(1, "example-sparse-greedy", 0);
    let p = Problem::sample(design, n, d, k, 0.5, &mut rng)?;
    println!(
        "design {} n={n} d={d} k={k} sigma=0.5; true support {:?}",
        design.name(),
        p.support
    );
    println!(
        "{:<12} {:>12} {:>6} {:>5} {:>10}",
        "method", "pred_error", "f1", "nnz", "time"
    );

    let data = p.data()?;
    let iht = IhtParams::new(k).fit_intercept(false).fit(&data)?;
    report("iht", &p, &iht.coef, iht.diagnostics().fit_seconds);
    let omp = OmpParams::new()
        .n_nonzero_coefs(k)
        .fit_intercept(false)
        .fit(&data)?;
    report("omp", &p, &omp.coef, omp.diagnostics().fit_seconds);
    let bs = BestSubsetParams::new().fit_intercept(false).fit(&data)?;
    report("best-subset", &p, &bs.coef, bs.diagnostics().fit_seconds);
    println!(
        "best subset chose size {} by GIC; exact support: {}",
        bs.size,
        bs.support == p.support
    );
    println!(
        "IHT: {} iterations ({:?}), {} step halvings",
        iht.diagnostics().iterations,
        iht.diagnostics().stop,
        iht.halvings
    );
    Ok(())
}

fn report(name: &str, p: &Problem, w: &nalgebra::DVector<f64>, fit_seconds: f64) {
    let nnz = w.iter().filter(|v| **v != 0.0).count();
    println!(
        "{name:<12} {:>12.4e} {:>6.3} {nnz:>5} {:>9.1?}",
        p.prediction_error(w),
        support_f1(w, &p.support),
        std::time::Duration::from_secs_f64(fit_seconds)
    );
}

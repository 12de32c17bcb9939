//! Predicting a rare last class: proportional odds, logistic regression on the last class and
//! PRESTO on data drawn from the paper's sparse-differences design (Faletto & Bien 2023,
//! Sec. 4.1), then honest rare-event metrics.
//!
//! Run: `cargo run --release --example ordinal`

use veristat::estimator::{Fit, Fitted, Folds};
use veristat::metrics;
use veristat::ordinal::presto::round_robin_fold_ids;
use veristat::ordinal::simulate::{Design, Differences};
use veristat::ordinal::{
    CrossingPolicy, LogitLastParams, PrestoCvParams, PrestoPathParams, ProportionalOddsParams,
};

fn main() -> veristat::Result<()> {
    let mut rng = veristat::rng::stream(2390812, "example-ordinal", 0);
    let design = Design {
        n: 2500,
        p: 10,
        intercepts: vec![0.0, 3.0, 5.0],
        differences: Differences::Sparse { pi: 0.5 },
    };
    let sim = design.simulate(&mut rng)?;
    let data = &sim.data;
    println!("classes: {:?} rows per class", data.class_counts());

    let po = ProportionalOddsParams::new().fit(data)?;
    println!(
        "proportional odds: loglik {:.3}, cutpoints {:?}",
        po.loglik, po.cutpoints
    );
    let logit = LogitLastParams::new().fit(data)?;
    // PRESTO tuned as the authors do: 20 lambdas, 5-fold CV on the multiclass Brier score.
    let folds = Folds::Ids(round_robin_fold_ids(data.n_rows(), 5, &mut rng)?);
    let path = PrestoPathParams::new()
        .standardize(true)
        .n_lambdas(20)
        .lambda_ratio(0.01);
    let cv = PrestoCvParams::new(path, folds).fit(data)?;
    println!(
        "PRESTO: lambda {:.4e} (index {} of {}), KKT residual {:.1e}, {} proximal Newton steps in {:.2} s, \
         nonzero differences {}",
        cv.fit.lambda,
        cv.best_index,
        cv.path.lambdas.len(),
        cv.fit.kkt(),
        cv.diagnostics().iterations,
        cv.diagnostics().fit_seconds,
        cv.fit.psi.rows(1, 2).iter().filter(|v| **v != 0.0).count()
    );

    let x = data.x();
    let rare: Vec<bool> = data.y().iter().map(|&c| c == 3).collect();
    for (name, model) in [
        ("PRESTO", &cv.fit.model),
        ("PO", &po.model),
        ("logit", &logit.model),
    ] {
        let p = model.last_class_probability(x)?;
        let mse = p
            .iter()
            .zip(&sim.rare_probability)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            / p.len() as f64;
        println!(
            "{name:>7}: MSE(rare prob) {mse:.3e}  AUROC {:.4}  AP {:.4}  Brier {:.5}",
            metrics::auroc(&rare, &p)?,
            metrics::average_precision(&rare, &p)?,
            metrics::brier(&rare, &p)?
        );
    }
    let probs = cv.fit.model.predict_proba(x, CrossingPolicy::Clamp)?;
    println!(
        "PRESTO class probabilities: {} of {} rows had crossing cumulative probabilities",
        probs.n_crossing,
        x.nrows()
    );
    Ok(())
}

//! Rare-event metrics against scikit-learn and closed-form identities.

use super::*;

#[test]
fn metrics_match_scikit_learn_on_the_spec_example() {
    let f = fixtures();
    let m = &f["metrics"];
    let y = metrics::labels_from_f64(&vec_of(&m["y"])).unwrap();
    let s = vec_of(&m["score"]);
    close(
        metrics::auroc(&y, &s).unwrap(),
        m["auroc"].as_f64().unwrap(),
        1e-12,
        "AUROC",
    );
    close(
        metrics::auroc(&y, &s).unwrap(),
        8.0 / 9.0,
        1e-12,
        "AUROC 8/9",
    );
    close(
        metrics::average_precision(&y, &s).unwrap(),
        m["average_precision"].as_f64().unwrap(),
        1e-12,
        "AP",
    );
    close(
        metrics::average_precision(&y, &s).unwrap(),
        13.0 / 18.0,
        1e-12,
        "AP 13/18",
    );
    close(
        metrics::brier(&y, &s).unwrap(),
        m["brier"].as_f64().unwrap(),
        1e-12,
        "Brier",
    );
    close(
        metrics::log_loss(&y, &s).unwrap(),
        m["log_loss"].as_f64().unwrap(),
        1e-12,
        "log loss",
    );
    for (binning, key) in [
        (Binning::Uniform, "uniform"),
        (Binning::Quantile, "quantile"),
    ] {
        let c = metrics::calibration_curve(&y, &s, 4, binning).unwrap();
        let (t, p) = (
            vec_of(&m[format!("calibration_{key}_true")]),
            vec_of(&m[format!("calibration_{key}_pred")]),
        );
        assert_eq!(c.prob_true.len(), t.len(), "{key}");
        for i in 0..t.len() {
            close(c.prob_true[i], t[i], 1e-12, "calibration true");
            close(c.prob_pred[i], p[i], 1e-12, "calibration pred");
        }
    }
}

#[test]
fn auroc_and_auprc_identities_on_random_data() {
    use rand::RngExt;
    let mut rng = veristat::rng::stream(7, "metrics", 0);
    for rep in 0..20 {
        let n = 50 + rep * 7;
        // Coarse scores so that ties between classes are common.
        let y: Vec<bool> = (0..n).map(|_| rng.random::<f64>() < 0.2).collect();
        if !y.iter().any(|&v| v) || y.iter().all(|&v| v) {
            continue;
        }
        let s: Vec<f64> = y
            .iter()
            .map(|&t| ((rng.random::<f64>() + if t { 0.4 } else { 0.0 }) * 10.0).round() / 10.0)
            .collect();
        let pos: Vec<usize> = (0..n).filter(|&i| y[i]).collect();
        let neg: Vec<usize> = (0..n).filter(|&i| !y[i]).collect();
        // 1 − E_{t ~ f|y=1}[FPR(t)], FPR with ties ½.
        let mean_fpr = pos
            .iter()
            .map(|&i| {
                neg.iter()
                    .map(|&j| {
                        if s[j] > s[i] {
                            1.0
                        } else if s[j] == s[i] {
                            0.5
                        } else {
                            0.0
                        }
                    })
                    .sum::<f64>()
                    / neg.len() as f64
            })
            .sum::<f64>()
            / pos.len() as f64;
        close(
            metrics::auroc(&y, &s).unwrap(),
            1.0 - mean_fpr,
            1e-12,
            "AUROC identity",
        );
        // 1 − π₀ E_{t ~ f|y=1}[FPR_≥(t) / P(f ≥ t)].
        let pi0 = neg.len() as f64 / n as f64;
        let term = pos
            .iter()
            .map(|&i| {
                let fpr = neg.iter().filter(|&&j| s[j] >= s[i]).count() as f64 / neg.len() as f64;
                let pge = (0..n).filter(|&j| s[j] >= s[i]).count() as f64 / n as f64;
                fpr / pge
            })
            .sum::<f64>()
            / pos.len() as f64;
        close(
            metrics::average_precision(&y, &s).unwrap(),
            1.0 - pi0 * term,
            1e-12,
            "AP identity",
        );
        // Invariance to a strictly increasing transform.
        let t: Vec<f64> = s.iter().map(|v| (3.0 * v).exp() - 7.0).collect();
        close(
            metrics::auroc(&y, &t).unwrap(),
            metrics::auroc(&y, &s).unwrap(),
            1e-12,
            "AUROC invariance",
        );
        close(
            metrics::average_precision(&y, &t).unwrap(),
            metrics::average_precision(&y, &s).unwrap(),
            1e-12,
            "AP invariance",
        );
    }
}

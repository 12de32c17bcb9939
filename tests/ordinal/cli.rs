//! The `veristat fit ordinal` and `veristat metrics` commands' JSON and exit codes.

use super::*;
use common::veristat as run;

fn write_csv(name: &str, header: &str, rows: &[String]) -> std::path::PathBuf {
    common::temp_file("ordinal", name, &format!("{header}\n{}\n", rows.join("\n")))
}

fn dataset_a_csv() -> std::path::PathBuf {
    let a = dataset_a();
    let rows: Vec<String> = (0..30)
        .map(|i| format!("{},{},{}", a.x()[(i, 0)], a.x()[(i, 1)], a.y()[i]))
        .collect();
    write_csv("a.csv", "x1,x2,y", &rows)
}

#[test]
fn fit_ordinal_json_contract() {
    let f = fixtures();
    let csv = dataset_a_csv();
    let csv = csv.to_str().unwrap();
    let (code, out, err) = run(&[
        "fit", "ordinal", "--data", csv, "--target", "y", "--model", "po",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    for key in [
        "model",
        "feature_names",
        "cutpoints",
        "coef",
        "loglik",
        "lambda",
        "n_iter",
        "converged",
        "std_errors",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    close(
        v["loglik"].as_f64().unwrap(),
        f["po"]["loglik"].as_f64().unwrap(),
        1e-6,
        "CLI loglik",
    );
    assert_eq!(v["coef"].as_array().unwrap().len(), 2);
    assert_eq!(v["coef"][0], v["coef"][1]);
    let (code, out, err) = run(&[
        "fit", "ordinal", "--data", csv, "--target", "y", "--model", "presto", "--lambda", "0.05",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    close(
        v["objective"].as_f64().unwrap(),
        0.957239064,
        1e-7,
        "CLI PRESTO objective",
    );
    assert!(v.get("std_errors").is_none());
    // Fold ids row % 3 keep each of the four top-class rows' folds mixed, so every training
    // set has all classes (a seeded shuffle of 30 rows can leave that class out of one).
    let a = dataset_a();
    let rows: Vec<String> = (0..30)
        .map(|i| format!("{},{},{},{}", a.x()[(i, 0)], a.x()[(i, 1)], a.y()[i], i % 3))
        .collect();
    let folded = write_csv("a_folds.csv", "x1,x2,y,fold", &rows);
    let (code, out, err) = run(&[
        "fit",
        "ordinal",
        "--data",
        folded.to_str().unwrap(),
        "--target",
        "y",
        "--model",
        "presto",
        "--n-lambdas",
        "5",
        "--foldid",
        "fold",
        "--penalize-first",
        "false",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["lambdas"].as_array().unwrap().len(), 5);
    close(
        v["lambdas"][0].as_f64().unwrap(),
        0.0802158,
        5e-8,
        "CLI lambda_max (w1 = 0)",
    );
    let (code, out, _) = run(&[
        "fit",
        "ordinal",
        "--data",
        csv,
        "--target",
        "y",
        "--model",
        "logit-last",
    ]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["cutpoints"].as_array().unwrap().len(), 1);
}

#[test]
fn metrics_json_contract() {
    let f = fixtures();
    let m = &f["metrics"];
    let rows: Vec<String> = vec_of(&m["y"])
        .iter()
        .zip(vec_of(&m["score"]))
        .map(|(y, s)| format!("{y},{s}"))
        .collect();
    let csv = write_csv("m.csv", "label,score", &rows);
    let (code, out, err) = run(&[
        "metrics",
        "--data",
        csv.to_str().unwrap(),
        "--label",
        "label",
        "--score",
        "score",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    for key in ["auroc", "average_precision", "brier", "log_loss"] {
        close(
            v[key].as_f64().unwrap(),
            m[key].as_f64().unwrap(),
            1e-12,
            key,
        );
    }
}

#[test]
fn bad_input_exits_2_with_one_line() {
    let csv = dataset_a_csv();
    let csv = csv.to_str().unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec![
            "fit", "ordinal", "--data", csv, "--target", "x1", "--model", "po",
        ], // non-integer labels
        vec![
            "fit", "ordinal", "--data", csv, "--target", "nope", "--model", "po",
        ],
        vec![
            "fit",
            "ordinal",
            "--data",
            csv,
            "--target",
            "y",
            "--model",
            "presto",
            "--lambda=-1",
        ],
        vec!["metrics", "--data", csv, "--label", "y", "--score", "x1"], // labels not 0/1
    ];
    for args in cases {
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    }
    // A class with no rows is named.
    let rows: Vec<String> = (0..9)
        .map(|i| format!("{},{}", i as f64 * 0.1, [0, 2, 3][i % 3]))
        .collect();
    let gap = write_csv("gap.csv", "x,y", &rows);
    let (code, _, err) = run(&[
        "fit",
        "ordinal",
        "--data",
        gap.to_str().unwrap(),
        "--target",
        "y",
        "--model",
        "po",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("class 1"), "{err}");
    // K = 2: PRESTO fits the penalized binary model (one boundary).
    let rows: Vec<String> = (0..10)
        .map(|i| format!("{},{}", i as f64 * 0.1 + 0.05 * (i % 3) as f64, i % 2))
        .collect();
    let bin = write_csv("bin.csv", "x,y", &rows);
    let (code, out, err) = run(&[
        "fit",
        "ordinal",
        "--data",
        bin.to_str().unwrap(),
        "--target",
        "y",
        "--model",
        "presto",
        "--lambda",
        "0.1",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["coef"].as_array().unwrap().len(), 1);
}

/// The mixing weight is `--a` (spec §1.2's symbol); the old `--alpha` is a hidden alias.
#[test]
fn presto_mixing_weight_flag_and_its_old_alias() {
    let csv = dataset_a_csv();
    let csv = csv.to_str().unwrap();
    let objective = |flag: &str| {
        let (code, out, err) = run(&[
            "fit", "ordinal", "--data", csv, "--target", "y", "--model", "presto", "--lambda",
            "0.05", flag, "0",
        ]);
        assert_eq!(code, 0, "{flag}: {err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        assert!(v["fit_seconds"].as_f64().unwrap() >= 0.0);
        assert!(v["cpu_seconds"].as_f64().unwrap() >= 0.0);
        v["objective"].as_f64().unwrap()
    };
    let a = dataset_a();
    let lib = PrestoParams::new(0.05).a(0.0).fit(&a).unwrap().objective;
    assert_eq!(objective("--a"), lib);
    assert_eq!(objective("--alpha"), lib);
    let (_, help, _) = run(&["fit", "ordinal", "--help"]);
    assert!(
        help.contains("--a <A>") && !help.contains("--alpha"),
        "{help}"
    );
}

//! `veristat ldp privatize` and `veristat ldp estimate` (issue 18, items 5 and acceptance 4):
//! round trips through CSV and Parquet, outputs independent of the thread count, and typed
//! errors that name the column or parameter.
#![cfg(feature = "cli")]

use std::path::PathBuf;
use std::process::{Command, Output};

fn dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("veristat-ldp-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn veristat(args: &[&str], threads: Option<usize>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_veristat"));
    c.args(args);
    if let Some(t) = threads {
        c.env("RAYON_NUM_THREADS", t.to_string());
    }
    c.output().unwrap()
}

fn ok(o: &Output) -> serde_json::Value {
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let s = String::from_utf8_lossy(&o.stdout);
    if s.trim().is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(&s).unwrap()
    }
}

fn err(o: &Output) -> String {
    assert!(!o.status.success(), "expected a failure");
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A table of 40 000 users (over two batch chunks): a text category with frequencies
/// 0.4/0.3/0.2/0.1 and a numeric column with mean 55 on [10, 100].
fn table(d: &std::path::Path) -> PathBuf {
    let p = d.join("users.csv");
    let mut s = String::from("id,city,age\n");
    for i in 0..40_000usize {
        let city = match i % 10 {
            0..=3 => "Oslo",
            4..=6 => "Lyon",
            7 | 8 => "Kyoto",
            _ => "Quito",
        };
        let age = 10.0 + 90.0 * ((i * 7919) % 1000) as f64 / 999.0;
        s.push_str(&format!("{i},{city},{age}\n"));
    }
    std::fs::write(&p, s).unwrap();
    p
}

#[test]
fn frequencies_and_means_round_trip_within_their_standard_errors() {
    let d = dir("round");
    let data = table(&d);
    let data = data.to_str().unwrap();
    for (mech, out) in [("oue", "r.csv"), ("hr", "r.parquet"), ("olh", "o.csv")] {
        let out = d.join(out);
        let out = out.to_str().unwrap();
        ok(&veristat(
            &[
                "ldp",
                "privatize",
                "--data",
                data,
                "--column",
                "city",
                "--mechanism",
                mech,
                "--epsilon",
                "1",
                "--out",
                out,
                "--seed",
                "3",
            ],
            None,
        ));
        let j = ok(&veristat(
            &[
                "ldp",
                "estimate",
                "--reports",
                out,
                "--mechanism",
                mech,
                "--epsilon",
                "1",
                "--postprocess",
                "simplex",
                "--top",
                "2",
            ],
            None,
        ));
        assert_eq!(j["n"], 40_000);
        let truth = [("Kyoto", 0.2), ("Lyon", 0.3), ("Oslo", 0.4), ("Quito", 0.1)];
        let cats = j["categories"].as_array().unwrap();
        assert_eq!(cats.len(), 4);
        for (c, (label, f)) in cats.iter().zip(truth) {
            assert_eq!(c["label"], label);
            let (e, se) = (
                c["estimate"].as_f64().unwrap(),
                c["std_error"].as_f64().unwrap(),
            );
            assert!((e - f).abs() < 4.0 * se, "{mech} {label}: {e} ± {se}");
            let ci = c["conf_int"].as_array().unwrap();
            assert!(ci[0].as_f64().unwrap() < e && e < ci[1].as_f64().unwrap());
        }
        let post: f64 = cats
            .iter()
            .map(|c| c["postprocessed"].as_f64().unwrap())
            .sum();
        assert!((post - 1.0).abs() < 1e-9);
        assert_eq!(j["heavy_hitters"][0]["label"], "Oslo");
    }
    let out = d.join("age.csv");
    let out = out.to_str().unwrap();
    ok(&veristat(
        &[
            "ldp",
            "privatize",
            "--data",
            data,
            "--column",
            "age",
            "--mechanism",
            "piecewise",
            "--epsilon",
            "2",
            "--range",
            "0,100",
            "--out",
            out,
        ],
        None,
    ));
    let j = ok(&veristat(
        &[
            "ldp",
            "estimate",
            "--reports",
            out,
            "--mechanism",
            "piecewise",
            "--epsilon",
            "2",
        ],
        None,
    ));
    let (e, se) = (
        j["mean"]["estimate"].as_f64().unwrap(),
        j["mean"]["std_error"].as_f64().unwrap(),
    );
    assert!((e - 55.0).abs() < 4.0 * se && se < 2.0, "{e} ± {se}");
    let t = veristat(
        &[
            "ldp",
            "estimate",
            "--reports",
            out,
            "--mechanism",
            "piecewise",
            "--epsilon",
            "2",
            "--format",
            "table",
        ],
        None,
    );
    assert!(t.status.success());
    let text = String::from_utf8_lossy(&t.stdout);
    assert!(
        text.contains("std_error") && text.contains("mean"),
        "{text}"
    );
}

#[test]
fn one_and_two_threads_give_the_same_reports_and_estimates() {
    let d = dir("threads");
    let data = table(&d);
    let data = data.to_str().unwrap();
    for (mech, col, extra) in [("sue", "city", None), ("laplace", "age", Some("10,100"))] {
        let mut outs = Vec::new();
        for t in [1, 2] {
            let out = d.join(format!("{mech}-{t}.csv"));
            let o = out.to_str().unwrap();
            let mut args = vec![
                "ldp",
                "privatize",
                "--data",
                data,
                "--column",
                col,
                "--mechanism",
                mech,
                "--epsilon",
                "0.5",
                "--out",
                o,
                "--seed",
                "11",
            ];
            if let Some(r) = extra {
                args.extend(["--range", r]);
            }
            ok(&veristat(&args, Some(t)));
            let est = veristat(
                &[
                    "ldp",
                    "estimate",
                    "--reports",
                    o,
                    "--mechanism",
                    mech,
                    "--epsilon",
                    "0.5",
                ],
                Some(t),
            );
            ok(&est);
            outs.push((std::fs::read(&out).unwrap(), est.stdout));
        }
        assert_eq!(outs[0], outs[1], "{mech}");
    }
}

#[test]
fn bad_inputs_are_typed_errors_naming_the_column_or_parameter() {
    let d = dir("bad");
    let data = table(&d);
    let data = data.to_str().unwrap();
    let out = d.join("r.csv");
    let out = out.to_str().unwrap();
    let p = |extra: &[&str]| {
        let mut a = vec!["ldp", "privatize", "--data", data, "--out", out];
        a.extend_from_slice(extra);
        err(&veristat(&a, None))
    };
    let e = p(&["--column", "town", "--mechanism", "grr", "--epsilon", "1"]);
    assert!(e.contains("town") && e.contains("city"), "{e}");
    let e = p(&["--column", "city", "--mechanism", "grr", "--epsilon", "-1"]);
    assert!(e.contains("epsilon"), "{e}");
    let e = p(&["--column", "age", "--mechanism", "duchi", "--epsilon", "1"]);
    assert!(e.contains("range"), "{e}");
    let e = p(&[
        "--column",
        "age",
        "--mechanism",
        "duchi",
        "--epsilon",
        "1",
        "--range",
        "5,1",
    ]);
    assert!(e.contains("range"), "{e}");
    let e = p(&[
        "--column",
        "city",
        "--mechanism",
        "grr",
        "--epsilon",
        "1",
        "--k",
        "3",
    ]);
    assert!(e.contains("`k`"), "{e}");
    let e = p(&[
        "--column",
        "city",
        "--mechanism",
        "duchi",
        "--epsilon",
        "1",
        "--range",
        "0,1",
    ]);
    assert!(e.contains("city") && e.contains("row 0"), "{e}");
    let e = p(&["--column", "city", "--mechanism", "nope", "--epsilon", "1"]);
    assert!(e.contains("nope"), "{e}");
    // Estimate: reports of another mechanism or ε, a corrupted report.
    ok(&veristat(
        &[
            "ldp",
            "privatize",
            "--data",
            data,
            "--column",
            "city",
            "--mechanism",
            "grr",
            "--epsilon",
            "1",
            "--out",
            out,
        ],
        None,
    ));
    let e = err(&veristat(
        &[
            "ldp",
            "estimate",
            "--reports",
            out,
            "--mechanism",
            "oue",
            "--epsilon",
            "1",
        ],
        None,
    ));
    assert!(e.contains("mechanism") && e.contains("grr"), "{e}");
    let e = err(&veristat(
        &[
            "ldp",
            "estimate",
            "--reports",
            out,
            "--mechanism",
            "grr",
            "--epsilon",
            "2",
        ],
        None,
    ));
    assert!(e.contains("epsilon"), "{e}");
    let e = err(&veristat(
        &[
            "ldp",
            "estimate",
            "--reports",
            out,
            "--mechanism",
            "grr",
            "--epsilon",
            "1",
            "--postprocess",
            "magic",
        ],
        None,
    ));
    assert!(e.contains("magic"), "{e}");
    let text = std::fs::read_to_string(out)
        .unwrap()
        .replacen("\n1\n", "\n-1\n", 1);
    std::fs::write(out, text).unwrap();
    let e = err(&veristat(
        &[
            "ldp",
            "estimate",
            "--reports",
            out,
            "--mechanism",
            "grr",
            "--epsilon",
            "1",
        ],
        None,
    ));
    assert!(e.contains("report") && e.contains("row"), "{e}");
}

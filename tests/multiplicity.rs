//! Integration tests of the `multiplicity` module: the claims at test scale, and the CLI contract
//! on the shipped breast-cancer data against the cvxpy + ECOS fixture
//! (tests/fixtures/multiplicity/make_fixtures.py). The numerical spec checks live next to the code
//! (src/multiplicity/tests.rs) so they run without polars.

use std::process::Command;
use veristat::montecarlo::{NoProgress, RunConfig, Scale, runner};

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run_claim(name: &str) {
    let claim = veristat::claims::find(name, Scale::Test).unwrap();
    let cfg = RunConfig::new(7, claim.default_replicates());
    let table = runner::run(claim.as_ref(), &cfg, &NoProgress).unwrap();
    assert!(
        table
            .rows
            .iter()
            .all(|r| r.values.iter().all(|v| v.is_finite()))
    );
    // Same seed, same numbers.
    let again = runner::run(claim.as_ref(), &cfg, &NoProgress).unwrap();
    assert_eq!(table.rows, again.rows);
    let verdict = claim.verdict(&table).unwrap();
    for c in &verdict.checks {
        eprintln!(
            "{name}: {} = {} CI {:?} -> {}",
            c.name, c.estimate, c.ci, c.pass
        );
    }
    assert!(verdict.pass(), "{name} failed: {:?}", verdict.checks);
}

#[test]
fn claim_small_eps_passes() {
    run_claim("multiplicity-small-eps");
}

#[test]
fn claim_structure_passes() {
    run_claim("multiplicity-structure");
}

fn cli(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_veristat"))
        .arg("multiplicity")
        .args(args)
        .output()
        .expect("run veristat")
}

fn bc() -> String {
    root()
        .join("datasets/breast_cancer.csv")
        .display()
        .to_string()
}

fn fixture() -> serde_json::Value {
    let s =
        std::fs::read_to_string(root().join("tests/fixtures/multiplicity/breast_cancer_ecos.json"))
            .unwrap();
    serde_json::from_str(&s).unwrap()
}

#[test]
fn cli_matches_the_ecos_reference() {
    let fx = fixture();
    let rows: Vec<String> = fx["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["row"].to_string())
        .collect();
    let rows = rows.join(",");
    let data = bc();
    let out = cli(&[
        "--data",
        &data,
        "--target",
        "target",
        "--epsilon",
        "0.01",
        "--relative",
        "--l2",
        &(1.0 / 569.0).to_string(),
        "--standardize",
        "--rows",
        &rows,
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "j_star",
        "epsilon_abs",
        "points",
        "ambiguity",
        "discrepancy",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    let j = v["j_star"].as_f64().unwrap();
    assert!((j - fx["j_star"].as_f64().unwrap()).abs() < 1e-12);
    assert!((v["epsilon_abs"].as_f64().unwrap() - 0.01 * j).abs() < 1e-15);
    for (p, r) in v["points"]
        .as_array()
        .unwrap()
        .iter()
        .zip(fx["points"].as_array().unwrap())
    {
        for key in [
            "row",
            "s_min",
            "s0",
            "s_max",
            "p_min",
            "p0",
            "p_max",
            "converged",
        ] {
            assert!(p.get(key).is_some(), "missing points[].{key}");
        }
        assert_eq!(p["row"], r["row"]);
        assert_eq!(p["converged"], true);
        let f = |k: &str| p[k].as_f64().unwrap();
        let g = |k: &str| r[k].as_f64().unwrap();
        let sig = |s: f64| 1.0 / (1.0 + (-s).exp());
        assert!(
            (f("s_min") - g("s_min")).abs() < 1e-5 && (f("s_max") - g("s_max")).abs() < 1e-5,
            "row {}",
            p["row"]
        );
        assert!(
            (f("p_min") - sig(g("s_min"))).abs() < 1e-6
                && (f("p_max") - sig(g("s_max"))).abs() < 1e-6
        );
        assert!(f("p_min") <= f("p0") && f("p0") <= f("p_max"));
    }
}

#[test]
fn cli_all_rows_reproduces_the_spec_ambiguity() {
    let data = bc();
    let lam = (1.0 / 569.0).to_string();
    let out = cli(&[
        "--data",
        &data,
        "--target",
        "target",
        "--epsilon",
        "0.01",
        "--relative",
        "--l2",
        &lam,
        "--standardize",
        "--all",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["points"].as_array().unwrap().len(), 569);
    let amb: Vec<f64> = v["ambiguity"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    let lb: Vec<f64> = v["discrepancy"]["lower_bound"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    // Spec §4 (4 decimals = exact counts out of 569).
    for (got, want) in amb.iter().zip([0.3005, 0.1564, 0.0914, 0.0211]) {
        assert!((got - want).abs() < 5e-5, "{amb:?}");
    }
    for (got, want) in lb.iter().zip([0.1494, 0.0211, 0.0035, 0.0018]) {
        assert!((got - want).abs() < 5e-5, "{lb:?}");
    }
}

fn assert_one_line_error(out: &std::process::Output, needle: &str) {
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "stderr: {err}");
    assert!(err.contains(needle), "stderr {err:?} lacks {needle:?}");
    assert!(out.stdout.is_empty());
}

#[test]
fn cli_bad_inputs_exit_2_with_one_line() {
    let data = bc();
    let base = ["--data", data.as_str(), "--target", "target"];
    let with = |extra: &[&str]| {
        let mut v: Vec<&str> = base.to_vec();
        v.extend_from_slice(extra);
        cli(&v)
    };
    // Separation at λ = 0.
    assert_one_line_error(
        &with(&[
            "--epsilon",
            "0.01",
            "--relative",
            "--l2",
            "0",
            "--standardize",
        ]),
        "l2 > 0",
    );
    // Negative epsilon and l2.
    assert_one_line_error(&with(&["--epsilon", "-0.1", "--l2", "0.01"]), "epsilon");
    assert_one_line_error(&with(&["--epsilon", "0.1", "--l2", "-1"]), "l2");
    // Row out of range, missing column, non-binary target.
    assert_one_line_error(
        &with(&["--epsilon", "0.01", "--l2", "0.01", "--rows", "0,600"]),
        "rows",
    );
    assert_one_line_error(
        &cli(&[
            "--data",
            &data,
            "--target",
            "nope",
            "--epsilon",
            "0.01",
            "--l2",
            "0.01",
        ]),
        "nope",
    );
    assert_one_line_error(
        &cli(&[
            "--data",
            &data,
            "--target",
            "mean_radius",
            "--epsilon",
            "0.01",
            "--l2",
            "0.01",
        ]),
        "mean_radius",
    );
    // A constant feature under --standardize, and a single class.
    let dir = std::env::temp_dir().join(format!("veristat-mult-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("const.csv");
    std::fs::write(&f, "a,b,y\n1,5,0\n2,5,1\n3,5,0\n4,5,1\n").unwrap();
    let fs = f.display().to_string();
    assert_one_line_error(
        &cli(&[
            "--data",
            &fs,
            "--target",
            "y",
            "--epsilon",
            "0.1",
            "--l2",
            "0.1",
            "--standardize",
        ]),
        "`b`",
    );
    let g = dir.join("one.csv");
    std::fs::write(&g, "a,y\n1,1\n2,1\n3,1\n").unwrap();
    let gs = g.display().to_string();
    assert_one_line_error(
        &cli(&[
            "--data",
            &gs,
            "--target",
            "y",
            "--epsilon",
            "0.1",
            "--l2",
            "0.1",
        ]),
        "single class",
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn cli_table_format_and_epsilon_zero() {
    let data = bc();
    let out = cli(&[
        "--data",
        &data,
        "--target",
        "target",
        "--epsilon",
        "0",
        "--l2",
        "0.01",
        "--standardize",
        "--rows",
        "3,541",
        "--format",
        "table",
    ]);
    assert!(out.status.success());
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("s_min") && s.contains("ambiguity"));
    let out = cli(&[
        "--data",
        &data,
        "--target",
        "target",
        "--epsilon",
        "0",
        "--l2",
        "0.01",
        "--standardize",
        "--rows",
        "3",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let p = &v["points"][0];
    assert_eq!(p["s_min"], p["s0"]);
    assert_eq!(p["s_max"], p["s0"]);
}

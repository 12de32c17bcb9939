//! Foundation: data loading errors, Monte Carlo runner determinism, shard merge, Parquet
//! round trip, figure rendering, and the CLI's error contract.

use rand::RngExt;
use std::path::PathBuf;
use veristat::Error;
use veristat::data::read_table;
use veristat::montecarlo::{
    Check, Claim, NoProgress, Observation, ResultTable, RunConfig, Shard, Verdict, runner, stats,
    store,
};
use veristat::rng::Rng;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("veristat-foundation-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The mean of 50 standard normals: its 95% t-interval should cover 0 (a closed form: the
/// population mean is 0).
struct MeanOfNormals;

impl Claim for MeanOfNormals {
    fn name(&self) -> &'static str {
        "test-mean-of-normals"
    }
    fn description(&self) -> String {
        "mean of 50 N(0,1) draws".into()
    }
    fn prediction(&self) -> String {
        "E[mean] = 0".into()
    }
    fn key_columns(&self) -> &'static [&'static str] {
        &["half"]
    }
    fn value_columns(&self) -> &'static [&'static str] {
        &["mean", "n"]
    }
    fn config(&self) -> serde_json::Value {
        serde_json::json!({"n": 50})
    }
    fn default_replicates(&self) -> u64 {
        40
    }
    fn replicate(&self, _r: u64, rng: &mut Rng) -> veristat::Result<Vec<Observation>> {
        let normal = rand_distr::StandardNormal;
        let xs: Vec<f64> = (0..50).map(|_| rng.sample::<f64, _>(normal)).collect();
        Ok(vec![
            Observation::new(["first"], vec![stats::mean(&xs[..25])?, 25.0]),
            Observation::new(["second"], vec![stats::mean(&xs[25..])?, 25.0]),
        ])
    }
    fn verdict(&self, t: &ResultTable) -> veristat::Result<Verdict> {
        let m = t.values(&[], "mean")?;
        let (est, ci) = stats::mean_ci(&m, 0.99)?;
        Ok(Verdict {
            claim: self.name().into(),
            replicates: t.n_replicates(),
            checks: vec![Check {
                name: "mean".into(),
                estimate: est,
                ci,
                level: 0.99,
                prediction: "0".into(),
                pass: ci.0 <= 0.0 && 0.0 <= ci.1,
            }],
        })
    }
}

#[test]
fn runner_is_thread_and_shard_invariant_and_parquet_round_trips() {
    let claim = MeanOfNormals;
    let cfg = RunConfig::new(7, 40);
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let two = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let a = one
        .install(|| runner::run(&claim, &cfg, &NoProgress))
        .unwrap();
    let b = two
        .install(|| runner::run(&claim, &cfg, &NoProgress))
        .unwrap();
    assert_eq!(a, b);
    assert_eq!(a.rows.len(), 80);
    assert!(claim.verdict(&a).unwrap().pass());

    let dir = tmp("shards");
    for i in 0..3 {
        let shard = Shard { index: i, count: 3 };
        let part = runner::run(
            &claim,
            &RunConfig {
                shard,
                ..cfg.clone()
            },
            &NoProgress,
        )
        .unwrap();
        store::write(&part, &store::part_path(&dir, shard)).unwrap();
    }
    let merged = store::merge_dir(&dir, Some(40)).unwrap();
    assert_eq!(merged, a);
    std::fs::remove_file(store::part_path(&dir, Shard { index: 1, count: 3 })).unwrap();
    let err = store::merge_dir(&dir, Some(40)).unwrap_err();
    assert!(err.to_string().contains("missing parts 1 of 3"), "{err}");
    // A different seed is a different stream.
    let c = runner::run(&claim, &RunConfig::new(8, 40), &NoProgress).unwrap();
    assert_ne!(c.rows[0].values, a.rows[0].values);
}

#[test]
fn read_table_reports_bad_cells_with_row_and_column() {
    let dir = tmp("csv");
    let write = |name: &str, body: &str| {
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        p
    };
    let ok = read_table(write("ok.csv", "a,b,y\n1,2,3\n4,5.5,6\n")).unwrap();
    assert_eq!(ok.column("b").unwrap(), &[2.0, 5.5]);
    let semi = read_table(write("semi.csv", "\"a\";\"b\"\n1;2\n")).unwrap();
    assert_eq!(semi.names(), &["a", "b"]);
    match read_table(write("nan.csv", "a,b\n1,2\n3,NaN\n")).unwrap_err() {
        Error::BadCell { column, row, .. } => assert_eq!((column.as_str(), row), ("b", 1)),
        e => panic!("{e}"),
    }
    match read_table(write("text.csv", "a,b\n1,2\nx,3\n")).unwrap_err() {
        Error::BadCell {
            column, row, value, ..
        } => assert_eq!((column.as_str(), row, value.as_str()), ("a", 1, "x")),
        e => panic!("{e}"),
    }
    match read_table(write("missing.csv", "a,b\n1,\n")).unwrap_err() {
        Error::BadCell { column, row, .. } => assert_eq!((column.as_str(), row), ("b", 0)),
        e => panic!("{e}"),
    }
    assert!(matches!(
        read_table(write("empty.csv", "")).unwrap_err(),
        Error::Format { .. }
    ));
    assert!(read_table(write("header.csv", "a,b\n")).is_err());
    assert!(matches!(
        read_table(dir.join("nope.csv")).unwrap_err(),
        Error::Io { .. }
    ));
    assert!(matches!(
        ok.dataset("zz", None, &[]).unwrap_err(),
        Error::MissingColumn { .. }
    ));
}

#[test]
fn figures_render_to_svg_and_png() {
    use veristat::report::{BoxChart, LineChart, Series, Style, plot};
    let dir = tmp("fig");
    let chart = LineChart {
        title: "test".into(),
        x_label: "n".into(),
        y_label: "error".into(),
        log_x: true,
        log_y: true,
        series: vec![
            Series::new(
                "a",
                vec![(10.0, 1.0), (100.0, 0.1), (1000.0, 0.01)],
                Style::LinePoints,
            )
            .with_errors(vec![0.1, 0.01, 0.001]),
            Series::new("theory", vec![(10.0, 1.2), (1000.0, 0.012)], Style::Dashed),
        ],
    };
    let f = plot::render(&chart, &dir, "line").unwrap();
    let svg = std::fs::read_to_string(dir.join(&f.svg)).unwrap();
    assert!(svg.contains("<svg") && svg.contains("theory"));
    let png = std::fs::read(dir.join(&f.png)).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let boxes = BoxChart {
        title: "b".into(),
        y_label: "y".into(),
        log_y: false,
        groups: vec![
            ("g1".into(), vec![1.0, 2.0, 3.0]),
            ("g2".into(), vec![2.0, 4.0]),
        ],
    };
    plot::render(&boxes, &dir, "box").unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(dir.join("figures"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn cli_errors_exit_2_with_one_line() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_veristat"))
        .args(["verify", "no-such-claim"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("no-such-claim"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_veristat"))
        .args(["verify", "x", "--shard", "3/2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

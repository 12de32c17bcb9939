//! Resumable `veristat echo search --checkpoint` (issue 20, item 5): the binary SIGKILLed at
//! several points of a search and rerun with the same arguments prints the JSON of an
//! uninterrupted search bit for bit (ln B, medians, the maximum-likelihood comb, the call count
//! and `samples_hash`, a hash of every sample's and weight's bits); a search without
//! `--checkpoint` prints the same; a rerun with another argument is refused naming it.
#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_veristat");

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "veristat-echo-resume-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `echo search` on `data` with seed 1, 120 live points, a checkpoint every 2 iterations when
/// `checkpoint` is given, and `extra` arguments.
fn search(data: &Path, checkpoint: Option<&Path>, extra: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(["echo", "search", "--likelihood", "new", "--device", "cpu"])
        .args([
            "--nlive", "120", "--seed", "1", "--format", "json", "--data",
        ])
        .arg(data)
        .args(extra)
        .env("RAYON_NUM_THREADS", "2")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(p) = checkpoint {
        c.arg("--checkpoint")
            .arg(p)
            .args(["--checkpoint-every", "2"]);
    }
    c
}

/// The JSON without its wall-clock `seconds`.
fn result(out: &Output) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_object_mut().unwrap().remove("seconds").unwrap();
    v
}

/// Iterations recorded in the checkpoint file, when it exists and is readable.
fn saved_iterations(path: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["state"]["iterations"].as_u64()
}

/// Start the search, SIGKILL it once its checkpoint holds at least `iterations` iterations (0:
/// as soon as the file exists); false when the search finished first.
fn kill_at(cmd: &mut Command, path: &Path, iterations: u64) -> bool {
    let mut child = cmd.spawn().unwrap();
    let t0 = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "the search failed before it was killed");
            return false;
        }
        if saved_iterations(path).is_some_and(|i| i >= iterations) {
            child.kill().unwrap(); // SIGKILL on Unix.
            child.wait().unwrap();
            return true;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(300),
            "search never reached {iterations}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn a_search_killed_at_several_points_resumes_bit_for_bit() {
    let dir = tmp("kill");
    let data = dir.join("inj.csv");
    ok(Command::new(BIN)
        .args([
            "echo",
            "inject",
            "--benchmark",
            "constant",
            "--n-echo",
            "10",
        ])
        .args(["--snr", "15", "--seed", "3", "--out"])
        .arg(&data)
        .output()
        .unwrap());
    let plain = result(&ok(search(&data, None, &[]).output().unwrap()));
    let whole_ck = dir.join("whole.json");
    let whole = result(&ok(search(&data, Some(&whole_ck), &[]).output().unwrap()));
    assert_eq!(whole, plain, "--checkpoint changes the search");
    let total = saved_iterations(&whole_ck).unwrap();
    assert!(
        total >= 40,
        "{total} iterations: too short a search to kill midway"
    );
    // Rerun on a finished checkpoint: the same output.
    assert_eq!(
        result(&ok(search(&data, Some(&whole_ck), &[]).output().unwrap())),
        plain
    );

    // Killed after the initial live points, early, midway and late (the same file: each resume
    // is itself killed later on).
    let ck = dir.join("killed.json");
    let mut killed = 0;
    for at in [0, total / 5, total / 2, total * 4 / 5] {
        if kill_at(&mut search(&data, Some(&ck), &[]), &ck, at) {
            killed += 1;
        }
    }
    assert!(
        killed >= 2,
        "only {killed} of the runs were killed before they finished"
    );
    let resumed = result(&ok(search(&data, Some(&ck), &[]).output().unwrap()));
    assert_eq!(resumed, plain);

    // A single kill midway, resumed with another thread count.
    let ck1 = dir.join("once.json");
    assert!(kill_at(
        &mut search(&data, Some(&ck1), &[]),
        &ck1,
        total / 3
    ));
    let mut other = search(&data, Some(&ck1), &[]);
    other.env("RAYON_NUM_THREADS", "1");
    assert_eq!(result(&ok(other.output().unwrap())), plain);

    // Another argument is refused, naming it, with one error line and exit status 2.
    for (args, field) in [
        (&["--nlive", "121"][..], "nlive"),
        (&["--walks", "24"][..], "walks"),
        (&["--seed", "2"][..], "rng_start"),
        (&["--r-bar", "0.001"][..], "problem"),
    ] {
        let mut c = search(&data, Some(&ck1), &[]);
        // The later flag wins in clap only for repeated options; rebuild with the new value.
        let mut argv: Vec<String> = c
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        match argv.iter().position(|a| a == args[0]) {
            Some(i) => argv[i + 1] = args[1].to_string(),
            None => argv.extend(args.iter().map(|s| s.to_string())),
        }
        c = Command::new(BIN);
        let out = c.args(&argv).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(lines.len(), 1, "{err}");
        assert!(
            lines[0].contains(&format!("made with {field} = ")),
            "{args:?}: {err}"
        );
    }
    // --checkpoint-every 0 is a typed error.
    let out = search(
        &data,
        None,
        &["--checkpoint", "zero.json", "--checkpoint-every", "0"],
    )
    .current_dir(&dir)
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("checkpoint-every"));
    std::fs::remove_dir_all(&dir).unwrap();
}

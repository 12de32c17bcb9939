//! Resumable `veristat verify` (issue 20): the binary SIGKILLed at several points and rerun with
//! the same arguments gives the table of an uninterrupted run (the same `content_hash`), with
//! another thread count too; a rerun with another argument is refused, naming it; `merge` takes
//! the scale from the parts.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_veristat");
/// A test-scale claim of about 0.2 ms of CPU per replicate: 30 000 replicates last 2-3 s on two
/// threads, and write tens of chunks at `--checkpoint-secs 0.1`.
const CLAIM: &str = "expfam-c1-correct";
const REPLICATES: &str = "30000";

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("veristat-resume-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// `veristat verify CLAIM` on the CPU, checkpointing every 0.1 s, into `out`, with seed 1,
/// [`REPLICATES`] replicates and test scale unless `args` (pairs of flag and value, then flags)
/// say otherwise.
fn verify(out: &Path, threads: usize, args: &[&str]) -> Command {
    let mut all: Vec<&str> = vec!["--seed", "1", "--replicates", REPLICATES, "--scale", "test"];
    for pair in args.chunks(2) {
        match all.iter().position(|a| *a == pair[0]) {
            Some(i) if pair.len() == 2 => all[i + 1] = pair[1],
            _ => all.extend_from_slice(pair),
        }
    }
    let mut c = Command::new(BIN);
    c.args(["verify", CLAIM, "--device", "cpu", "--format", "json"])
        .args(["--checkpoint-secs", "0.1", "--out"])
        .arg(out)
        .args(all)
        .env("RAYON_NUM_THREADS", threads.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn chunk_dir(out: &Path) -> PathBuf {
    out.join(".chunks-0-of-1")
}

fn chunks(out: &Path) -> usize {
    std::fs::read_dir(chunk_dir(out)).map_or(0, |d| {
        d.filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            let name = name.to_string_lossy();
            name.starts_with("chunk-") && name.ends_with(".bin")
        })
        .count()
    })
}

/// Start `cmd`, wait until `ready` holds, SIGKILL it; panics if it exits first.
fn kill_when(mut cmd: Command, what: &str, ready: impl Fn() -> bool) {
    let mut child: Child = cmd.spawn().unwrap();
    let start = Instant::now();
    while !ready() {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            panic!(
                "verify exited ({status}) before {what}; stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no {what} in 60 s"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    // Child::kill is SIGKILL on Unix: no destructor, no flush, as a Slurm preemption.
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "{what}: {status}");
}

fn finished(mut cmd: Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn content_hash(out: &Output) -> String {
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    j["content_hash"].as_str().unwrap().to_string()
}

/// The number in stderr's `resuming: N replicates restored ...` line (0 without one).
fn restored(out: &Output) -> u64 {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .find_map(|l| l.strip_prefix("resuming: "))
        .map_or(0, |l| l.split(' ').next().unwrap().parse().unwrap())
}

#[test]
fn killed_runs_resume_to_the_uninterrupted_table() {
    let plain_out = tmp("plain");
    let plain = finished(verify(&plain_out, 2, &[]));
    let want = content_hash(&plain);
    assert_eq!(restored(&plain), 0);
    assert!(
        !chunk_dir(&plain_out).exists(),
        "chunks left after the part"
    );

    let out = tmp("killed");
    // Right after start: at most the manifest is there.
    kill_when(verify(&out, 2, &[]), "start", || true);
    // Once the first chunk is on disk.
    kill_when(verify(&out, 2, &[]), "a first chunk", || chunks(&out) >= 1);
    let first = chunks(&out);
    // Later, in a run that resumed from those chunks.
    kill_when(verify(&out, 2, &[]), "more chunks", || {
        chunks(&out) >= first + 10
    });
    // Rerun to the end with the same arguments, on one thread.
    let resumed = finished(verify(&out, 1, &[]));
    let n = restored(&resumed);
    assert!(n > 0, "{}", String::from_utf8_lossy(&resumed.stderr));
    assert!(n < REPLICATES.parse().unwrap());
    assert_eq!(content_hash(&resumed), want);
    assert!(out.join("part-0-of-1.parquet").exists());
    assert!(!chunk_dir(&out).exists(), "chunks left after the part");
    for d in [plain_out, out] {
        std::fs::remove_dir_all(d).unwrap();
    }
}

#[test]
fn changed_arguments_are_refused_naming_them_and_restart_discards() {
    let out = tmp("changed");
    kill_when(verify(&out, 2, &[]), "a first chunk", || chunks(&out) >= 1);
    let refused = |extra: &[&str], field: &str, saved: &str, now: &str| {
        let o = verify(&out, 2, extra).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {err}");
        let line = err.lines().find(|l| l.starts_with("error:")).unwrap();
        let says = format!("checkpoint made with {field} = {saved}, this run has {field} = {now}");
        assert!(line.contains(&says), "{extra:?}: {line}");
        assert!(line.contains("--restart"), "{line}");
    };
    refused(&["--seed", "2"], "seed", "1", "2");
    refused(&["--replicates", "30001"], "replicates", "30000", "30001");
    refused(&["--scale", "quick"], "scale", "test", "quick");
    assert!(
        chunks(&out) >= 1,
        "a refused run must leave the checkpoint alone"
    );
    // --restart discards it: the new checkpoint is seed 2's, which seed 1 now may not use.
    let restart = verify(&out, 2, &["--seed", "2", "--restart"]);
    kill_when(restart, "seed 2's first chunk", || {
        let manifest = std::fs::read_to_string(chunk_dir(&out).join("manifest.json"));
        manifest.is_ok_and(|m| m.contains("\"seed\": 2")) && chunks(&out) >= 1
    });
    refused(&[], "seed", "2", "1");
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn merge_takes_the_scale_from_the_parts() {
    let dir = tmp("merge");
    let run = |shard: &str| {
        let mut c = Command::new(BIN);
        c.args(["verify", CLAIM, "--scale", "test", "--device", "cpu"])
            .args(["--seed", "1", "--replicates", "200", "--format", "json"])
            .args(["--shard", shard, "--out"])
            .arg(&dir);
        finished(c)
    };
    let single = run("0/1");
    std::fs::remove_file(dir.join("part-0-of-1.parquet")).unwrap();
    run("0/2");
    run("1/2");
    let merge = |extra: &[&str]| {
        Command::new(BIN)
            .arg("merge")
            .arg(&dir)
            .args(["--format", "json"])
            .args(extra)
            .output()
            .unwrap()
    };
    let merged = merge(&[]);
    assert!(
        merged.status.success(),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    assert_eq!(content_hash(&merged), content_hash(&single));
    assert!(
        merge(&["--scale", "test", "--replicates", "200"])
            .status
            .success()
    );
    let wrong = merge(&["--scale", "full"]);
    assert_eq!(wrong.status.code(), Some(2));
    let err = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        err.contains("`scale` = full") && err.contains("--scale test"),
        "{err}"
    );
    let wrong = merge(&["--replicates", "201"]);
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("--replicates 200"),
        "{}",
        String::from_utf8_lossy(&wrong.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

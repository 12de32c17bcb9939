//! Helpers shared by the integration tests that drive the `veristat` binary (each such test file
//! declares `mod common;`).
#![allow(dead_code)]

use std::path::PathBuf;

/// Runs the `veristat` binary built for these tests: (exit code, stdout, stderr).
#[cfg(feature = "cli")]
pub fn veristat(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_veristat"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// Writes `body` to `name` in a per-process temporary folder of the test file `tag`.
pub fn temp_file(tag: &str, name: &str, body: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("veristat-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    path
}

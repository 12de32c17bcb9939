// Records the git commit in the binary so every Monte Carlo result row names the code that made it.
fn main() {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    // Rerun when HEAD or a branch moves. Git says where they are: in a linked worktree `.git` is
    // a file, and a `rerun-if-changed` path that does not exist reruns this script, and so
    // rebuilds the crate, on every build (each `cargo fuzz run` recompiled veristat for minutes).
    match (
        git(&["rev-parse", "--git-path", "HEAD"]),
        git(&["rev-parse", "--git-common-dir"]),
    ) {
        (Some(head), Some(common)) => {
            println!("cargo:rerun-if-changed={head}");
            println!("cargo:rerun-if-changed={common}/refs/heads");
            let packed = format!("{common}/packed-refs");
            if std::path::Path::new(&packed).exists() {
                println!("cargo:rerun-if-changed={packed}");
            }
        }
        _ => println!("cargo:rerun-if-changed=build.rs"),
    }
    let sha = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=VERISTAT_GIT_SHA={sha}");
}

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
    // Rerun when HEAD or its branch moves, at the paths git names: in a linked worktree `.git` is
    // a file, and a `rerun-if-changed` path that does not exist reruns this script, and so
    // rebuilds the crate, on every build (each `cargo fuzz run` recompiled veristat for
    // minutes); the whole `refs/heads` would rerun it whenever any worktree commits.
    let path = |p: &str| git(&["rev-parse", "--git-path", p]);
    match path("HEAD") {
        Some(head) => {
            println!("cargo:rerun-if-changed={head}");
            let branch = git(&["symbolic-ref", "-q", "HEAD"]).and_then(|b| path(&b));
            match branch.filter(|b| std::path::Path::new(b).exists()) {
                Some(b) => println!("cargo:rerun-if-changed={b}"),
                // A packed (or unborn) branch: a commit writes its loose ref under refs/heads.
                None => {
                    for p in ["packed-refs", "refs/heads"].iter().filter_map(|p| path(p)) {
                        if std::path::Path::new(&p).exists() {
                            println!("cargo:rerun-if-changed={p}");
                        }
                    }
                }
            }
        }
        None => println!("cargo:rerun-if-changed=build.rs"),
    }
    let sha = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=VERISTAT_GIT_SHA={sha}");
}

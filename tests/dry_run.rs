//! Nothing capiform renders is refused by a real API server: every object of every case,
//! and every object inside the addons' `Manifests` templates, is sent to kube-apiserver as
//! a server-side dry-run create (`?dryRun=All&fieldValidation=Strict`), with the CRDs of
//! Cluster API, CAPO and the addon provider installed and their webhooks running
//! (`scripts/test-apiserver`). The driver is `tests/dry_run/dry_run.py`; what is dry-run
//! where is listed in `docs/dry-run.md`.
//!
//! Two tests share one API server:
//! - `every_case_passes_a_server_side_dry_run`: the cases of `golden/`,
//!   `tests/differential/cases/` and `../shared/parity/cases/` (error cases left out).
//! - `random_values_pass_a_server_side_dry_run`: `CAPIFORM_DRY_RUN_COUNT` draws (default
//!   300 with `CI=true`, else 60) of `../shared/parity/fuzz_values.py` from the seed
//!   `CAPIFORM_DRY_RUN_SEED` (default: a fresh one, printed): a draw capiform refuses with
//!   a message passes; one it renders must be accepted whole.
//!
//! Needs `../shared`, `python3` with PyYAML and Jinja2, and `scripts/test-apiserver`
//! (which builds the API server with Go). Without them the tests are reported ignored,
//! with the reason; with `CI=true` they fail.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

mod common;

struct DryRunTest {
    name: &'static str,
    /// The driver's arguments after `--bin`, `--kubeconfig`.
    args: fn() -> Vec<String>,
}

const TESTS: &[DryRunTest] = &[
    DryRunTest {
        name: "every_case_passes_a_server_side_dry_run",
        args: corpus_args,
    },
    DryRunTest {
        name: "random_values_pass_a_server_side_dry_run",
        args: fuzz_args,
    },
];

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn path_arg(p: PathBuf) -> String {
    p.to_string_lossy().into_owned()
}

fn corpus_args() -> Vec<String> {
    let mut args = Vec::new();
    for dir in [
        root().join("golden"),
        root().join("tests/differential/cases"),
        root().join("../shared/parity/cases"),
    ] {
        args.push("--cases".into());
        args.push(path_arg(dir));
    }
    args
}

fn fuzz_args() -> Vec<String> {
    let seed = std::env::var("CAPIFORM_DRY_RUN_SEED")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_secs() % 1_000_000)
        });
    let count = std::env::var("CAPIFORM_DRY_RUN_COUNT")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(if in_ci() { 300 } else { 60 });
    common::loud(&format!(
        "dry run of random values: seed {seed}, {count} draws (CAPIFORM_DRY_RUN_SEED={seed} CAPIFORM_DRY_RUN_COUNT={count} repeats them)"
    ));
    vec![
        "--fuzz-seed".into(),
        seed.to_string(),
        "--fuzz-count".into(),
        count.to_string(),
    ]
}

/// What is missing for the tests to run, if anything.
fn missing() -> Option<String> {
    if !root().join("../shared/parity/cases").is_dir() {
        return Some("../shared not found (clone the project with ../shared beside it)".into());
    }
    if !root().join("scripts/test-apiserver").is_file() {
        return Some("scripts/test-apiserver not found".into());
    }
    let python = Command::new("python3")
        .args(["-c", "import yaml, jinja2"])
        .output();
    match python {
        Ok(o) if o.status.success() => None,
        Ok(o) => Some(format!(
            "python3 cannot import yaml and jinja2: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Some(format!("python3 not found: {e}")),
    }
}

/// The API server of `scripts/test-apiserver`, stopped when dropped.
struct ApiServer {
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
}

impl ApiServer {
    fn start() -> Result<Self, String> {
        let dir = tempfile::Builder::new()
            .prefix("capiform-dry-run-apiserver-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let out = Command::new(root().join("scripts/test-apiserver"))
            .arg("start")
            .arg(dir.path())
            .output()
            .map_err(|e| format!("scripts/test-apiserver start: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "scripts/test-apiserver start failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let kubeconfig = String::from_utf8_lossy(&out.stdout)
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map(|l| PathBuf::from(l.trim()))
            .ok_or("scripts/test-apiserver start printed no kubeconfig path")?;
        Ok(Self { dir, kubeconfig })
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        let _ = Command::new(root().join("scripts/test-apiserver"))
            .arg("stop")
            .arg(self.dir.path())
            .output();
    }
}

fn run_driver(server: &ApiServer, args: &[String]) -> Result<String, String> {
    let out = Command::new("python3")
        .arg(root().join("tests/dry_run/dry_run.py"))
        .arg("--bin")
        .arg(env!("CARGO_BIN_EXE_capiform"))
        .arg("--kubeconfig")
        .arg(&server.kubeconfig)
        .args(args)
        .output()
        .map_err(|e| format!("python3: {e}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        Ok(text)
    } else {
        Err(text)
    }
}

/// libtest's command line, as far as cargo uses it: name filters, `--exact`, `--list`.
fn selected() -> (Vec<&'static DryRunTest>, bool) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let list = args.iter().any(|a| a == "--list");
    let exact = args.iter().any(|a| a == "--exact");
    let mut filters = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if matches!(
            a.as_str(),
            "--test-threads" | "--color" | "--format" | "--logfile" | "--skip" | "-Z"
        ) {
            i += 1;
        } else if !a.starts_with('-') {
            filters.push(a.clone());
        }
        i += 1;
    }
    let tests = TESTS
        .iter()
        .filter(|t| {
            filters.is_empty()
                || filters.iter().any(|f| {
                    if exact {
                        t.name == f
                    } else {
                        t.name.contains(f.as_str())
                    }
                })
        })
        .collect();
    (tests, list)
}

fn main() {
    let (tests, list) = selected();
    if list {
        for t in &tests {
            println!("{}: test", t.name);
        }
        return;
    }
    let start = Instant::now();
    println!("\nrunning {} tests", tests.len());
    let (mut passed, mut ignored, mut failed) = (0, 0, Vec::new());
    let server = match (tests.is_empty(), missing()) {
        (true, _) => None,
        (false, Some(why)) => Some(Err(why)),
        (false, None) => Some(ApiServer::start()),
    };
    for t in &tests {
        match &server {
            Some(Err(why)) if !in_ci() => {
                ignored += 1;
                println!("test {} ... ignored, {why}", t.name);
                common::loud(&format!("======== DRY RUN SKIPPED: {why} ========"));
            }
            Some(Err(why)) => {
                println!("test {} ... FAILED", t.name);
                failed.push((t.name, format!("{why}; with CI=true this fails")));
            }
            Some(Ok(server)) => match run_driver(server, &(t.args)()) {
                Ok(summary) => {
                    passed += 1;
                    common::loud(summary.trim_end());
                    println!("test {} ... ok", t.name);
                }
                Err(report) => {
                    println!("test {} ... FAILED", t.name);
                    failed.push((t.name, report));
                }
            },
            None => unreachable!("a server is started when a test is selected"),
        }
    }
    drop(server);
    for (name, why) in &failed {
        println!("\n---- {name} ----\n{why}");
    }
    println!(
        "\ntest result: {}. {passed} passed; {} failed; {ignored} ignored; 0 measured; {} filtered out; finished in {:.2}s\n",
        if failed.is_empty() { "ok" } else { "FAILED" },
        failed.len(),
        TESTS.len() - tests.len(),
        start.elapsed().as_secs_f64()
    );
    std::process::exit(if failed.is_empty() { 0 } else { 101 });
}

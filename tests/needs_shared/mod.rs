//! A small test runner for the tests that read `../shared` (the parity corpus and its
//! referee, the upstream CRDs), which is not part of the project's clone.
//!
//! Without the folder, such a test is reported **ignored** in the test summary, with the
//! reason, rather than passing silently: `cargo test` shows how much was not run. With
//! `CI=true` it **fails** instead: a CI run without its referees is not a green run.
//! The runner speaks enough of libtest's command line for cargo: name filters,
//! `--exact`, `--list`, `--ignored`/`--include-ignored`; other options are accepted and
//! ignored.

use std::path::Path;
use std::time::Instant;

/// One test: its name, the path under the repository root it needs, the programs it
/// runs (found by [`program`]), its body.
pub struct Test {
    pub name: &'static str,
    pub needs: &'static str,
    pub programs: &'static [&'static str],
    pub run: fn(),
}

/// Where the program `name` is: the path in the environment variable of its name in
/// capitals (`HELM`, `GO`), else `~/.cache/capiform/bin/NAME` (where `scripts/test-deps`
/// puts what it installs), else the first `NAME` on `PATH`.
pub fn program(name: &str) -> Option<std::path::PathBuf> {
    let from_env = std::env::var_os(name.to_uppercase()).map(std::path::PathBuf::from);
    let cached =
        std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/capiform/bin").join(name));
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    from_env
        .filter(|p| p.is_file())
        .or(cached.filter(|p| p.is_file()))
        .or(on_path)
}

enum Verdict {
    Passed,
    Failed(String),
    Ignored(String),
}

/// libtest options that take a value as the next argument.
const OPTIONS_WITH_VALUE: &[&str] = &[
    "--test-threads",
    "--color",
    "--format",
    "--logfile",
    "--skip",
    "-Z",
];

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// What the test needs that is not here, said for the test summary.
fn missing(test: &Test) -> Option<String> {
    let needed = Path::new(env!("CARGO_MANIFEST_DIR")).join(test.needs);
    if !needed.exists() {
        return Some(format!(
            "{} not found (clone the project with ../shared beside it)",
            test.needs
        ));
    }
    let absent: Vec<&str> = test
        .programs
        .iter()
        .copied()
        .filter(|p| program(p).is_none())
        .collect();
    (!absent.is_empty()).then(|| {
        format!(
            "{} not found (scripts/test-deps installs what the tests need)",
            absent.join(", ")
        )
    })
}

fn run_one(test: &Test, ignored_too: bool) -> Verdict {
    if let Some(why) = missing(test) {
        if in_ci() {
            return Verdict::Failed(format!("{why}; with CI=true a missing referee fails"));
        }
        if !ignored_too {
            return Verdict::Ignored(why);
        }
    }
    match std::panic::catch_unwind(test.run) {
        Ok(()) => Verdict::Passed,
        Err(panic) => Verdict::Failed(
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panicked".into()),
        ),
    }
}

/// Run `tests` as the process's test harness; exits with libtest's status (101 when a
/// test failed).
pub fn main(tests: &[Test]) -> ! {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut filters = Vec::new();
    let (mut list, mut exact, mut ignored_too) = (false, false, false);
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "--list" => list = true,
            "--exact" => exact = true,
            "--ignored" | "--include-ignored" => ignored_too = true,
            _ if OPTIONS_WITH_VALUE.contains(&a) => i += 1,
            _ if a.starts_with('-') => {}
            _ => filters.push(a.to_string()),
        }
        i += 1;
    }
    let selected: Vec<&Test> = tests
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
    if list {
        for t in &selected {
            println!("{}: test", t.name);
        }
        std::process::exit(0);
    }
    let start = Instant::now();
    println!("\nrunning {} tests", selected.len());
    let (mut passed, mut failed, mut ignored) = (0, Vec::new(), 0);
    for t in &selected {
        match run_one(t, ignored_too) {
            Verdict::Passed => {
                passed += 1;
                println!("test {} ... ok", t.name);
            }
            Verdict::Ignored(why) => {
                ignored += 1;
                println!("test {} ... ignored, {why}", t.name);
            }
            Verdict::Failed(why) => {
                println!("test {} ... FAILED", t.name);
                failed.push((t.name, why));
            }
        }
    }
    if !failed.is_empty() {
        println!("\nfailures:");
        for (name, why) in &failed {
            println!("\n---- {name} ----\n{why}");
        }
    }
    println!(
        "\ntest result: {}. {passed} passed; {} failed; {ignored} ignored; 0 measured; {} filtered out; finished in {:.2}s\n",
        if failed.is_empty() { "ok" } else { "FAILED" },
        failed.len(),
        tests.len() - selected.len(),
        start.elapsed().as_secs_f64()
    );
    std::process::exit(if failed.is_empty() { 0 } else { 101 });
}

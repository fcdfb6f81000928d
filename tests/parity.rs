//! Parity with the reference chart: every case of `../shared/parity/cases` must render
//! what `helm template` of the openstack-cluster chart rendered, by the rules of the
//! referee `../shared/parity/parity.py` (which this test runs).
//!
//! Cases listed in `tests/parity-known-failures.txt` are reported loudly but do not fail
//! the test; any other failing case does, and so does a listed case that now passes
//! (remove it from the list).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

mod needs_shared;
use needs_shared::Test;

fn main() {
    needs_shared::main(&[
        Test {
            name: "parity_core_documents",
            needs: "../shared/parity/cases",
            programs: &[],
            run: parity_core_documents,
        },
        Test {
            name: "parity_all_documents",
            needs: "../shared/parity/cases",
            programs: &[],
            run: parity_all_documents,
        },
    ]);
}

fn shared() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/parity")
}

fn known_failures() -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/parity-known-failures.txt");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

fn run_referee(part: Option<&str>) -> serde_json::Value {
    let dir = shared();
    let mut cmd = Command::new("python3");
    cmd.arg(dir.join("parity.py"))
        .arg("--bin")
        .arg(env!("CARGO_BIN_EXE_capiform"))
        .arg("--cases")
        .arg(dir.join("cases"))
        .arg("--json")
        .arg("--show")
        .arg("20");
    if let Some(p) = part {
        cmd.arg("--part").arg(p);
    }
    let out = cmd
        .output()
        .expect("python3 must be installed to run the parity referee");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json_end = stdout.rfind("\nparity:").unwrap_or(stdout.len());
    let parsed: serde_json::Value = serde_json::from_str(&stdout[..json_end]).unwrap_or_else(|e| {
        panic!(
            "parity.py output is not JSON ({e}); is PyYAML installed (pip install pyyaml)?\nstdout: {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    parsed
}

fn check(part: Option<&str>) {
    let results = run_referee(part);
    let known = known_failures();
    let mut unexpected = Vec::new();
    let mut still_known = Vec::new();
    let mut fixed = Vec::new();
    let cases = results.as_object().expect("map of cases");
    assert!(!cases.is_empty(), "the parity corpus has no cases");
    for (name, r) in cases {
        let ok = r["status"] == "ok";
        let problems: Vec<String> = r["problems"]
            .as_array()
            .map(|a| {
                a.iter()
                    .take(12)
                    .map(|p| format!("      {}", p.as_str().unwrap_or("")))
                    .collect()
            })
            .unwrap_or_default();
        match (ok, known.contains(name)) {
            (true, true) => fixed.push(name.clone()),
            (true, false) => {}
            (false, true) => still_known.push(format!("{name}\n{}", problems.join("\n"))),
            (false, false) => unexpected.push(format!("{name}\n{}", problems.join("\n"))),
        }
    }
    let label = part.unwrap_or("all");
    println!(
        "parity ({label}): {} cases, {} failing",
        cases.len(),
        unexpected.len() + still_known.len()
    );
    if !still_known.is_empty() {
        eprintln!("\n!! KNOWN PARITY GAPS ({label}), listed in tests/parity-known-failures.txt:");
        for f in &still_known {
            eprintln!("  {f}");
        }
    }
    assert!(
        unexpected.is_empty(),
        "parity ({label}) failures:\n{}",
        unexpected.join("\n")
    );
    if part.is_none() {
        assert!(
            fixed.is_empty(),
            "these cases now pass: remove them from tests/parity-known-failures.txt: {fixed:?}"
        );
    }
}

fn parity_core_documents() {
    check(Some("core"));
}

fn parity_all_documents() {
    check(None);
}

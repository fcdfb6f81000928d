//! Golden diffs: `golden/diff/base.yaml` is rendered twice, once with the case's
//! `from.yaml` on top (when present) and once with its `to.yaml`, and the report of
//! `capiform diff` is compared byte for byte with `expected.txt` (and `expected.json`
//! when present). Each case also states what it must show (the test table below), so
//! that a rewritten golden file cannot hide a wrong rollout.
//!
//! `UPDATE_GOLDEN=1 cargo test --test diff_golden` rewrites the expected files; review
//! the diff before committing.

use std::path::{Path, PathBuf};

use capiform::diff::{Diff, DiffOptions, SetChange, diff_manifests};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("golden/diff")
}

fn render(layers: &[PathBuf]) -> capiform::Manifest {
    let set = capiform::TemplateSet::embedded(None).unwrap();
    let mut req = capiform::RenderRequest::new("golden", "clusters");
    for path in layers {
        req = req.with_values_yaml(
            path.display().to_string(),
            std::fs::read_to_string(path).unwrap(),
        );
    }
    capiform::render(&req, set).unwrap()
}

fn case(name: &str) -> Diff {
    let dir = root().join(name);
    let base = root().join("base.yaml");
    let mut from = vec![base.clone()];
    if dir.join("from.yaml").is_file() {
        from.push(dir.join("from.yaml"));
    }
    let to = vec![base, dir.join("to.yaml")];
    let diff = diff_manifests(&render(&from), &render(&to), &DiffOptions::offline());
    check_golden(&dir.join("expected.txt"), &diff.to_text());
    if dir.join("expected.json").is_file() {
        check_golden(&dir.join("expected.json"), &diff.to_json());
    }
    diff
}

fn check_golden(path: &Path, got: &str) {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(path, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(path)
        .unwrap_or_else(|_| panic!("{} is missing (UPDATE_GOLDEN=1 writes it)", path.display()));
    assert!(
        want == got,
        "{} differs from the report:\n{got}",
        path.display()
    );
}

fn replaced(diff: &Diff) -> Vec<&str> {
    diff.rollout
        .iter()
        .filter(|r| r.replaces_machines)
        .map(|r| r.role.as_str())
        .collect()
}

#[test]
fn node_group_flavor_rolls_that_group_only() {
    let d = case("node-group-flavor");
    assert_eq!(replaced(&d), ["md-0"]);
    assert!(d.refused.is_empty());
    let created: Vec<_> = d
        .objects
        .iter()
        .filter(|o| o.action == capiform::diff::Action::Create)
        .collect();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].kind, "OpenStackMachineTemplate");
    assert!(created[0].replaces.is_some());
}

#[test]
fn machine_count_adds_machines_without_a_roll() {
    let d = case("machine-count");
    assert!(replaced(&d).is_empty());
    assert_eq!(d.rollout.len(), 1);
    let r = &d.rollout[0];
    assert_eq!((r.role.as_str(), r.change), ("md-0", SetChange::Updated));
    assert_eq!((r.machines_before, r.machines_after), (Some(2), Some(5)));
    assert_eq!(d.summary.change, 1);
}

#[test]
fn addon_version_rolls_nothing() {
    let d = case("addon-version");
    assert!(d.rollout.is_empty());
    assert!(d.refused.is_empty());
    let changed: Vec<_> = d
        .objects
        .iter()
        .filter(|o| o.action != capiform::diff::Action::Unchanged)
        .map(|o| format!("{}/{}", o.kind, o.name))
        .collect();
    assert_eq!(changed, ["HelmRelease/golden-metrics-server"]);
}

#[test]
fn control_plane_image_rolls_the_control_plane_only() {
    let d = case("control-plane-image");
    assert_eq!(replaced(&d), ["control-plane"]);
}

#[test]
fn external_network_change_is_refused() {
    let d = case("external-network");
    let refused: Vec<_> = d
        .refused
        .iter()
        .map(|r| format!("{} {}", r.object, r.path))
        .collect();
    assert_eq!(refused, ["OpenStackCluster/golden spec.externalNetwork"]);
    assert!(replaced(&d).is_empty());
}

#[test]
fn same_values_show_no_change() {
    let base = vec![root().join("base.yaml")];
    let d = diff_manifests(&render(&base), &render(&base), &DiffOptions::offline());
    assert!(!d.has_changes());
    assert!(
        d.to_text()
            .starts_with("Rollout: no machine is replaced, added or removed\nObjects: 0 to create, 0 to change, 0 to prune,")
    );
}

#[test]
fn reports_never_show_the_credential() {
    for name in [
        "node-group-flavor",
        "machine-count",
        "addon-version",
        "control-plane-image",
        "external-network",
    ] {
        let text =
            std::fs::read_to_string(root().join(name).join("expected.txt")).unwrap_or_default();
        assert!(!text.contains("diff-secret"), "{name}");
    }
}

/// The command line: exit statuses, stdout only on success, JSON output.
mod command_line {
    use super::root;
    use std::process::Command;

    fn run(args: &[&str]) -> (i32, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_capiform"))
            .arg("diff")
            .args(args)
            .current_dir(root())
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }

    #[test]
    fn detailed_exit_codes() {
        let (code, stdout, _) = run(&[
            "golden",
            "-n",
            "clusters",
            "--from",
            "base.yaml",
            "--to",
            "base.yaml",
            "--detailed-exitcode",
        ]);
        assert_eq!(code, 0);
        assert!(stdout.starts_with("Rollout: no machine is replaced"));
        let (code, stdout, _) = run(&[
            "golden",
            "-n",
            "clusters",
            "--from",
            "base.yaml",
            "--to",
            "base.yaml",
            "-f",
            "machine-count/to.yaml",
            "--detailed-exitcode",
        ]);
        assert_eq!(code, 0, "-f applies to both sides");
        assert!(!stdout.is_empty());
        let (code, stdout, _) = run(&[
            "golden",
            "-n",
            "clusters",
            "--from",
            "base.yaml",
            "--to",
            "base.yaml",
            "--to",
            "machine-count/to.yaml",
            "--detailed-exitcode",
        ]);
        assert_eq!(code, 2);
        let expected = std::fs::read_to_string(root().join("machine-count/expected.txt")).unwrap();
        assert_eq!(stdout, expected);
    }

    #[test]
    fn json_output_matches_the_golden_file() {
        let (code, stdout, _) = run(&[
            "golden",
            "-n",
            "clusters",
            "--from",
            "base.yaml",
            "--to",
            "base.yaml",
            "--to",
            "machine-count/to.yaml",
            "-o",
            "json",
        ]);
        assert_eq!(code, 0, "without --detailed-exitcode a report exits 0");
        let expected = std::fs::read_to_string(root().join("machine-count/expected.json")).unwrap();
        assert_eq!(stdout, expected);
    }

    #[test]
    fn errors_name_the_side_and_print_nothing_on_stdout() {
        let (code, stdout, stderr) = run(&[
            "--from",
            "base.yaml",
            "--to",
            "base.yaml",
            "--set",
            "nodeGroups[0].machineFlavor=",
            "--detailed-exitcode",
        ]);
        assert_eq!(code, 1);
        assert!(stdout.is_empty());
        assert!(
            stderr.contains("the --from side does not render"),
            "{stderr}"
        );
        let (code, stdout, stderr) = run(&[
            "--from",
            "missing.yaml",
            "--to",
            "base.yaml",
            "--detailed-exitcode",
        ]);
        assert_eq!(code, 1);
        assert!(stdout.is_empty());
        assert!(stderr.contains("missing.yaml"), "{stderr}");
    }

    #[test]
    fn without_sides_or_release_it_is_a_usage_error() {
        let (code, stdout, stderr) = run(&["-f", "base.yaml"]);
        assert_eq!(code, 2);
        assert!(stdout.is_empty());
        assert!(stderr.contains("--from/--to"), "{stderr}");
    }

    #[test]
    fn against_an_unreachable_cluster_it_fails_with_nothing_on_stdout() {
        let out = Command::new(env!("CARGO_BIN_EXE_capiform"))
            .args(["diff", "demo", "-f", "base.yaml", "--detailed-exitcode"])
            .env("KUBECONFIG", "/nonexistent/kubeconfig")
            .current_dir(root())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert!(out.stdout.is_empty());
    }
}

/// Two template sets, same values: what a template set release does to a cluster.
#[test]
fn template_set_versions_on_each_side() {
    let dir = tempfile::tempdir().unwrap();
    let fork = dir.path().join("fork");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_capiform"))
        .args(["templates", "export", "1.0.0"])
        .arg(&fork)
        .output()
        .unwrap();
    assert!(out.status.success());
    let addons = fork.join("defaults/addons-core.yaml");
    let text = std::fs::read_to_string(&addons).unwrap();
    assert!(text.contains("version: 3.13.0"));
    std::fs::write(&addons, text.replace("version: 3.13.0", "version: 3.14.0")).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_capiform"))
        .args(["diff", "golden", "-n", "clusters", "-f"])
        .arg(root().join("base.yaml"))
        .args(["--from-template-version", "1.0.0", "--to-templates"])
        .arg(&fork)
        .args(["--detailed-exitcode", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let changed: Vec<&str> = report["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["action"] != "unchanged")
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(changed, ["golden-metrics-server"]);
    assert_eq!(report["rollout"], serde_json::json!([]));
}

//! Template sets: embedded sets, sets loaded from disk, export round trips, provenance,
//! and refusal of incompatible or broken sets.

use std::collections::BTreeMap;
use std::process::Command;

use capiform::template_set::Origin;
use capiform::{RenderRequest, TemplateSet};

const VALUES: &str = r#"
kubernetesVersion: 1.31.4
machineImage: ubuntu-jammy-kube-v{{ .Values.kubernetesVersion }}
cloudCredentialsSecretName: demo-credentials
controlPlane:
  machineFlavor: vm.small
nodeGroups:
  - name: md-0
    machineFlavor: vm.small
    machineCount: 2
"#;

fn request() -> RenderRequest {
    RenderRequest::new("demo", "default").with_values_yaml("values.yaml", VALUES)
}

fn embedded_files() -> BTreeMap<String, Vec<u8>> {
    TemplateSet::embedded(None)
        .unwrap()
        .files()
        .map(|(k, v)| (k.to_string(), v.to_vec()))
        .collect()
}

fn edit(files: &mut BTreeMap<String, Vec<u8>>, name: &str, f: impl FnOnce(String) -> String) {
    let text = String::from_utf8(files.get(name).cloned().unwrap_or_default()).unwrap();
    files.insert(name.to_string(), f(text).into_bytes());
}

/// A second set, used only in tests: a newer version with another default Kubernetes
/// patch level and another autoscaler image tag.
fn second_set() -> TemplateSet {
    let mut files = embedded_files();
    edit(&mut files, "template-set.yaml", |t| {
        t.replace("version: 1.0.0\n", "version: 1.1.0\n")
    });
    edit(&mut files, "defaults.yaml", |t| {
        t.replace("tag: v1.30.4", "tag: v1.31.9").replace(
            "kubernetesVersion:\nmachineImage:",
            "kubernetesVersion: 1.31.9\nmachineImage:",
        )
    });
    TemplateSet::from_files(files, Origin::Path("test-1.1.0".into()), "test-1.1.0").unwrap()
}

#[test]
fn the_default_embedded_set_is_the_highest_version_that_is_not_opt_in() {
    let all = TemplateSet::all_embedded().unwrap();
    assert!(!all.is_empty());
    let default = TemplateSet::embedded(None).unwrap();
    assert!(!default.manifest().opt_in);
    assert!(
        all.iter()
            .filter(|s| !s.manifest().opt_in)
            .all(|s| s.manifest().version <= default.manifest().version)
    );
    // New releases keep 1.0.0 (Cluster API v1beta1) until they ask for 2.0.0.
    assert_eq!(default.manifest().version.to_string(), "1.0.0");
    let v1beta2 = TemplateSet::embedded(Some("2.0.0")).unwrap();
    assert!(v1beta2.manifest().opt_in);
    for set in all {
        assert_eq!(*set.origin(), Origin::Embedded);
        assert_eq!(set.manifest().schema_version, "v1");
        assert!(
            !set.manifest().changelog.is_empty(),
            "{} has no changelog",
            set.id()
        );
    }
}

#[test]
fn two_versions_coexist_and_render_differently() {
    let old = TemplateSet::embedded(Some("1.0.0")).unwrap();
    let new = second_set();
    let values_without_version = VALUES.replace("kubernetesVersion: 1.31.4\n", "");
    let req = RenderRequest::new("demo", "default")
        .with_values_yaml("values.yaml", values_without_version);
    let a = capiform::render(&request(), old).unwrap().to_yaml();
    let b = capiform::render(&request(), &new).unwrap().to_yaml();
    assert_ne!(a, b);
    assert!(a.contains("capiform.dev/template-set: openstack-cluster@1.0.0"));
    assert!(b.contains("capiform.dev/template-set: openstack-cluster@1.1.0"));
    // the new set's default Kubernetes version applies when the values give none
    let c = capiform::render(&req, &new).unwrap().to_yaml();
    assert!(
        c.contains("v1.31.9"),
        "the second set's default Kubernetes version is used"
    );
    assert!(
        capiform::render(&req, old).is_err(),
        "the first set has no default Kubernetes version"
    );
}

#[test]
fn export_and_reload_renders_byte_identical_output() {
    let dir = tempfile::tempdir().unwrap();
    let set = TemplateSet::embedded(None).unwrap();
    for (rel, bytes) in set.files() {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    let loaded = TemplateSet::load_dir(dir.path()).unwrap();
    assert_eq!(
        capiform::render(&request(), set).unwrap().to_yaml(),
        capiform::render(&request(), &loaded).unwrap().to_yaml()
    );
}

fn refused(files: BTreeMap<String, Vec<u8>>) -> String {
    TemplateSet::from_files(files, Origin::Path("broken".into()), "broken")
        .expect_err("the set must be refused")
        .to_string()
}

#[test]
fn a_set_for_another_engine_is_refused() {
    let mut files = embedded_files();
    edit(&mut files, "template-set.yaml", |t| {
        t.lines()
            .map(|l| {
                if l.starts_with("engine:") {
                    "engine: \">=99.0.0\"".to_string()
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    let msg = refused(files);
    assert!(msg.contains("requires engine >=99.0.0"), "{msg}");
    assert!(msg.contains("template-set.yaml"), "{msg}");
}

#[test]
fn an_unknown_schema_version_is_refused() {
    let mut files = embedded_files();
    edit(&mut files, "template-set.yaml", |t| {
        t.replace("schemaVersion: v1", "schemaVersion: v9")
    });
    let msg = refused(files);
    assert!(msg.contains("'v9'") && msg.contains("known: v1"), "{msg}");
}

#[test]
fn missing_and_malformed_files_are_named() {
    let mut files = embedded_files();
    files.remove("defaults.yaml");
    assert!(refused(files).contains("defaults.yaml: file is missing"));

    let mut files = embedded_files();
    files.remove("template-set.yaml");
    assert!(refused(files).contains("template-set.yaml: file is missing"));

    let mut files = embedded_files();
    edit(&mut files, "defaults.yaml", |t| {
        format!("{t}\n  bad: [indent")
    });
    let msg = refused(files);
    assert!(
        msg.contains("defaults.yaml") && msg.contains("line"),
        "{msg}"
    );

    let mut files = embedded_files();
    edit(&mut files, "template-set.yaml", |t| {
        format!("{t}\nunexpected: key\n")
    });
    assert!(refused(files).contains("template-set.yaml: unknown field `unexpected`"));

    let mut files = embedded_files();
    files.insert(
        "templates/broken.hbs".into(),
        b"{{#if x}}never closed".to_vec(),
    );
    assert!(refused(files).contains("templates/broken.hbs"));
}

#[test]
fn an_unknown_embedded_version_is_refused_with_the_known_ones() {
    let msg = TemplateSet::embedded(Some("0.0.1"))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("embedded: 1.0.0"), "{msg}");
}

fn capiform(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_capiform"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn cli_lists_shows_and_exports_sets() {
    let list = capiform(&["templates", "list"]);
    assert!(list.status.success());
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        text.contains("1.0.0") && text.contains("embedded") && text.contains("v1"),
        "{text}"
    );

    let show = capiform(&["templates", "show", "1.0.0"]);
    assert!(String::from_utf8_lossy(&show.stdout).contains("changelog"));

    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("fork");
    let values = dir.path().join("values.yaml");
    std::fs::write(&values, VALUES).unwrap();
    assert!(
        capiform(&["templates", "export", "1.0.0", target.to_str().unwrap()])
            .status
            .success()
    );
    let embedded = capiform(&["render", "demo", "-f", values.to_str().unwrap()]);
    let from_disk = capiform(&[
        "render",
        "demo",
        "-f",
        values.to_str().unwrap(),
        "--templates",
        target.to_str().unwrap(),
    ]);
    assert!(embedded.status.success() && from_disk.status.success());
    assert_eq!(
        embedded.stdout, from_disk.stdout,
        "export → --templates must round-trip byte for byte"
    );

    // an edited fork changes the output without a rebuild
    let defaults = target.join("defaults.yaml");
    let text = std::fs::read_to_string(&defaults)
        .unwrap()
        .replace("tag: v1.30.4", "tag: v1.30.99");
    std::fs::write(&defaults, text).unwrap();
    let edited = capiform(&[
        "render",
        "demo",
        "-f",
        values.to_str().unwrap(),
        "--templates",
        target.to_str().unwrap(),
    ]);
    assert!(edited.status.success());
    assert_ne!(embedded.stdout, edited.stdout);

    // exporting into a non-empty directory is a usage error
    let again = capiform(&["templates", "export", "1.0.0", target.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
}

#[test]
fn an_addon_chart_version_changes_without_a_rebuild() {
    let mut files = embedded_files();
    edit(&mut files, "defaults/addons-core.yaml", |t| {
        t.replace(
            "name: metrics-server\n      version: 3.13.0",
            "name: metrics-server\n      version: 9.9.9",
        )
    });
    let edited = TemplateSet::from_files(files, Origin::Path("edited".into()), "edited").unwrap();
    let values = format!("{VALUES}addons:\n  metricsServer:\n    enabled: true\n");
    let req = RenderRequest::new("demo", "default").with_values_yaml("values.yaml", values);
    let before = capiform::render(&req, TemplateSet::embedded(None).unwrap()).unwrap();
    let after = capiform::render(&req, &edited).unwrap();
    let version = |m: &capiform::Manifest| {
        m.objects
            .iter()
            .find(|o| o.kind == "HelmRelease" && o.metadata.name == "demo-metrics-server")
            .map(|o| o.body["spec"]["chart"]["version"].clone())
    };
    assert_eq!(version(&before), Some(serde_json::json!("3.13.0")));
    assert_eq!(version(&after), Some(serde_json::json!("9.9.9")));
}

#[test]
fn every_template_of_every_embedded_set_compiles() {
    for set in TemplateSet::all_embedded().unwrap() {
        set.check_templates().unwrap_or_else(|e| panic!("{e}"));
    }
}

/// The Cluster API version of a set decides the form of its Cluster API objects; the
/// OpenStack and other objects are the same.
#[test]
fn set_2_0_0_renders_cluster_api_v1beta2_from_the_same_values() {
    use capiform::ClusterApiVersion;
    let old = TemplateSet::embedded(Some("1.0.0")).unwrap();
    let new = TemplateSet::embedded(Some("2.0.0")).unwrap();
    assert_eq!(
        old.manifest().cluster_api_version,
        ClusterApiVersion::V1beta1
    );
    assert_eq!(
        new.manifest().cluster_api_version,
        ClusterApiVersion::V1beta2
    );
    let a = capiform::render(&request(), old).unwrap();
    let b = capiform::render(&request(), new).unwrap();
    assert_eq!(a.objects.len(), b.objects.len());
    for (x, y) in a.objects.iter().zip(&b.objects) {
        assert_eq!((&x.kind, &x.metadata.name), (&y.kind, &y.metadata.name));
        let converted = matches!(
            x.kind.as_str(),
            "Cluster"
                | "MachineDeployment"
                | "MachineHealthCheck"
                | "KubeadmControlPlane"
                | "KubeadmConfigTemplate"
        );
        if converted {
            assert!(x.api_version.ends_with("/v1beta1"), "{}", x.api_version);
            assert!(y.api_version.ends_with("/v1beta2"), "{}", y.api_version);
        } else {
            assert_eq!(x.api_version, y.api_version);
            assert_eq!(x.body, y.body, "{}/{}", x.kind, x.metadata.name);
        }
    }
    let kcp = b
        .objects
        .iter()
        .find(|o| o.kind == "KubeadmControlPlane")
        .unwrap();
    assert_eq!(
        kcp.body["spec"]["machineTemplate"]["spec"]["infrastructureRef"]["apiGroup"],
        "infrastructure.cluster.x-k8s.io"
    );
}

/// Every embedded set passes its own cases (`cluster-templates/<version>/cases`), as
/// `capiform templates test` runs them.
#[test]
fn embedded_sets_pass_their_own_cases() {
    use capiform::template_set::cases::{Outcome, test_cases};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("cluster-templates");
    for set in TemplateSet::all_embedded().unwrap() {
        let dir = root.join(set.manifest().version.to_string());
        let results = test_cases(&dir, false).unwrap();
        assert!(
            results.len() >= 3,
            "{}: only {} cases",
            dir.display(),
            results.len()
        );
        let failed: Vec<String> = results
            .iter()
            .filter_map(|r| match &r.outcome {
                Outcome::Failed(diff) => Some(format!("{}:\n{diff}", r.name)),
                _ => None,
            })
            .collect();
        assert!(
            failed.is_empty(),
            "{}: cases render otherwise (capiform templates test {} --update to accept):\n{}",
            set.id(),
            dir.display(),
            failed.join("\n")
        );
    }
}

/// `capiform templates test` on the folders of both embedded sets, as an operator runs
/// it: every case passes, one line per case, exit 0.
#[test]
fn cli_tests_the_cases_of_both_embedded_sets() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("cluster-templates");
    for version in ["1.0.0", "2.0.0"] {
        let dir = root.join(version);
        let out = capiform(&["templates", "test", dir.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "capiform templates test {}:\n{stderr}\n{}",
            dir.display(),
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(out.stdout.is_empty(), "a diff on stdout");
        let cases = std::fs::read_dir(dir.join("cases")).unwrap().count();
        assert!(cases >= 5, "{version}: {cases} cases");
        assert!(
            stderr.contains(&format!("{cases} cases: {cases} passed, 0 failed")),
            "{stderr}"
        );
    }
}

/// An operator's fork keeps the set's cases: `templates test` passes on the export,
/// shows a diff and exits 1 after an edit, and `--update` accepts the edit.
#[test]
fn cli_tests_a_fork_with_its_cases() {
    let dir = tempfile::tempdir().unwrap();
    let fork = dir.path().join("fork");
    let fork_arg = fork.to_str().unwrap();
    assert!(
        capiform(&["templates", "export", "2.0.0", fork_arg])
            .status
            .success()
    );
    assert!(fork.join("cases/minimal/expected.yaml").is_file());
    let ok = capiform(&["templates", "test", fork_arg]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stderr).contains("case minimal ... ok"));

    let defaults = fork.join("defaults.yaml");
    let text = std::fs::read_to_string(&defaults).unwrap();
    assert!(text.contains("tag: v1.30.4"));
    std::fs::write(&defaults, text.replace("tag: v1.30.4", "tag: v1.30.99")).unwrap();
    let changed = capiform(&["templates", "test", fork_arg]);
    assert_eq!(changed.status.code(), Some(1));
    let diff = String::from_utf8_lossy(&changed.stdout);
    assert!(diff.contains("-") && diff.contains("v1.30.99"), "{diff}");
    assert!(String::from_utf8_lossy(&changed.stderr).contains("--update"));

    assert!(
        capiform(&["templates", "test", fork_arg, "--update"])
            .status
            .success()
    );
    assert!(capiform(&["templates", "test", fork_arg]).status.success());

    let empty = dir.path().join("empty");
    assert!(
        capiform(&["templates", "export", "1.0.0", empty.to_str().unwrap()])
            .status
            .success()
    );
    std::fs::remove_dir_all(empty.join("cases")).unwrap();
    let none = capiform(&["templates", "test", empty.to_str().unwrap()]);
    assert_eq!(none.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&none.stderr).contains("no cases"));
}

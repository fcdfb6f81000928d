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
fn the_default_embedded_set_is_the_highest_version() {
    let all = TemplateSet::all_embedded().unwrap();
    assert!(!all.is_empty());
    let newest = TemplateSet::embedded(None).unwrap();
    assert!(
        all.iter()
            .all(|s| s.manifest().version <= newest.manifest().version)
    );
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

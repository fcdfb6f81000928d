//! Rendered objects validate against the upstream CRD schemas in `../shared/crds`
//! (Cluster API v1.13.3, CAPO v0.14.6, addon provider): the reference chart's output,
//! every parity case and every golden case rendered by capiform. Broken objects are caught.

use std::path::{Path, PathBuf};

use capiform::validate::{CrdSet, Outcome};

mod needs_shared;
use needs_shared::Test;

const CRDS: &str = "../shared/crds";

fn main() {
    needs_shared::main(&[
        Test {
            name: "the_reference_output_validates",
            needs: CRDS,
            programs: &[],
            run: the_reference_output_validates,
        },
        Test {
            name: "everything_capiform_renders_validates",
            needs: CRDS,
            programs: &[],
            run: everything_capiform_renders_validates,
        },
        Test {
            name: "broken_objects_are_caught_with_their_path",
            needs: CRDS,
            programs: &[],
            run: broken_objects_are_caught_with_their_path,
        },
        Test {
            name: "cli_validate_and_render_validate",
            needs: CRDS,
            programs: &[],
            run: cli_validate_and_render_validate,
        },
    ]);
}

fn crds() -> CrdSet {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(CRDS);
    CrdSet::load_dir(&dir).expect("the shared CRDs load")
}

fn case_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.join("values.yaml").is_file())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

fn release_of(dir: &Path) -> (String, String) {
    let meta: serde_json::Value = std::fs::read_to_string(dir.join("case.yaml"))
        .ok()
        .and_then(|t| serde_yaml::from_str(&t).ok())
        .unwrap_or_default();
    (
        meta["release"].as_str().unwrap_or("demo").to_string(),
        meta["namespace"].as_str().unwrap_or("default").to_string(),
    )
}

fn existing_of(dir: &Path) -> Vec<serde_json::Value> {
    let meta: serde_json::Value = std::fs::read_to_string(dir.join("case.yaml"))
        .ok()
        .and_then(|t| serde_yaml::from_str(&t).ok())
        .unwrap_or_default();
    let mut out = Vec::new();
    if let Some(text) = meta["existing"].as_str() {
        for doc in serde_yaml::Deserializer::from_str(text) {
            let v: serde_json::Value = serde::Deserialize::deserialize(doc).unwrap();
            out.push(v);
        }
    }
    out
}

fn the_reference_output_validates() {
    let crds = crds();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/parity/cases");
    let mut checked = 0;
    for dir in case_dirs(&root) {
        let Ok(text) = std::fs::read_to_string(dir.join("expected.yaml")) else {
            continue;
        };
        let report = crds.validate_yaml(&text).unwrap();
        assert!(report.is_clean(), "{}:\n{report}", dir.display());
        checked += report.checked;
    }
    assert!(
        checked > 500,
        "only {checked} reference objects were checked"
    );
}

fn everything_capiform_renders_validates() {
    let crds = crds();
    let set = capiform::TemplateSet::embedded(None).unwrap();
    let base = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut rendered = 0;
    for root in [base.join("../shared/parity/cases"), base.join("golden")] {
        for dir in case_dirs(&root) {
            let (release, namespace) = release_of(&dir);
            let mut req = capiform::RenderRequest::new(release, namespace).with_values_yaml(
                "values.yaml",
                std::fs::read_to_string(dir.join("values.yaml")).unwrap(),
            );
            req.existing = existing_of(&dir);
            let Ok(manifest) = capiform::render(&req, set) else {
                continue;
            };
            let docs: Vec<_> = manifest.objects.iter().map(|o| o.to_value()).collect();
            let report = crds.validate_documents(&docs);
            assert!(report.is_clean(), "{}:\n{report}", dir.display());
            rendered += 1;
        }
    }
    assert!(rendered > 50, "only {rendered} cases rendered");
}

fn broken_objects_are_caught_with_their_path() {
    let crds = crds();
    let kcp = |spec: serde_json::Value| serde_json::json!({"apiVersion": "controlplane.cluster.x-k8s.io/v1beta1", "kind": "KubeadmControlPlane", "metadata": {"name": "cp"}, "spec": spec});
    let ok_spec = serde_json::json!({
        "version": "v1.31.4", "replicas": 3,
        "machineTemplate": {"infrastructureRef": {"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1", "kind": "OpenStackMachineTemplate", "name": "t"}},
        "kubeadmConfigSpec": {}
    });
    let problems = |obj| match crds.validate_object(&obj) {
        Outcome::Checked(p) => p.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        Outcome::NotChecked => panic!("not checked"),
    };
    assert!(
        problems(kcp(ok_spec.clone())).is_empty(),
        "{:?}",
        problems(kcp(ok_spec.clone()))
    );
    let mut wrong_type = ok_spec.clone();
    wrong_type["replicas"] = serde_json::json!("three");
    assert!(
        problems(kcp(wrong_type))
            .iter()
            .any(|p| p.starts_with("KubeadmControlPlane/cp: .spec.replicas:"))
    );
    let mut unknown = ok_spec.clone();
    unknown["kubeadmConfigSpec"]["colour"] = serde_json::json!("red");
    assert!(problems(kcp(unknown)).contains(&"KubeadmControlPlane/cp: .spec.kubeadmConfigSpec.colour: unknown field (Kubernetes would prune it)".to_string()));
    let mut missing = ok_spec.clone();
    missing.as_object_mut().unwrap().remove("version");
    assert!(
        problems(kcp(missing))
            .iter()
            .any(|p| p.starts_with("KubeadmControlPlane/cp: .spec:") && p.contains("version"))
    );
    let mut bad_enum = ok_spec.clone();
    bad_enum["kubeadmConfigSpec"]["format"] = serde_json::json!("yaml");
    assert!(
        problems(kcp(bad_enum))
            .iter()
            .any(|p| p.starts_with("KubeadmControlPlane/cp: .spec.kubeadmConfigSpec.format:"))
    );
    let unknown_kind =
        serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
    assert_eq!(crds.validate_object(&unknown_kind), Outcome::NotChecked);
}

fn cli_validate_and_render_validate() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    let bin = env!("CARGO_BIN_EXE_capiform");
    let values = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/values/full.yaml");
    let out = std::process::Command::new(bin)
        .args(["render", "demo", "--validate", "--crds"])
        .arg(dir.join("crds"))
        .arg("-f")
        .arg(&values)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.stdout.is_empty());
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("objs.yaml");
    std::fs::write(&file, &out.stdout).unwrap();
    let ok = std::process::Command::new(bin)
        .args(["validate", "--crds"])
        .arg(dir.join("crds"))
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let broken = String::from_utf8_lossy(&out.stdout).replace("replicas: 3", "replicas: three");
    std::fs::write(&file, broken).unwrap();
    let bad = std::process::Command::new(bin)
        .args(["validate", "--crds"])
        .arg(dir.join("crds"))
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stdout).contains(".spec.replicas"));
}

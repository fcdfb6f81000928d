//! Template set 2.0.0 (Cluster API v1beta2) held to Cluster API's own conversion code.
//!
//! For every case of the corpus (`../shared/parity/cases`, `golden/`,
//! `tests/differential/cases`) that renders:
//!
//! * `cluster_api_converts_1_0_0_into_2_0_0`: the 2.0.0 render equals what Cluster
//!   API's conversion (`ConvertTo` of its v1beta1 types, as its conversion webhook runs
//!   it; the Go program in `tests/conversion/`) makes of the 1.0.0 render. Set aside,
//!   as listed in `docs/template-sets.md`: the `status` the conversion writes for an
//!   object that has none, and the template-set annotation (it names the set).
//! * `machine_templates_keep_their_names`: the two renders name the same
//!   `OpenStackMachineTemplate`s and `KubeadmConfigTemplate`s, and every
//!   `MachineDeployment` and the `KubeadmControlPlane` refer to the same ones: moving a
//!   release from 1.0.0 to 2.0.0 replaces no machine.
//! * `fields_only_in_v1beta2_are_not_written`: the fields of the Cluster API v1beta2
//!   kinds that have no v1beta1 counterpart (proven from the CRDs of `../shared/crds`:
//!   in the v1beta2 schema, in no v1beta1 one) appear in no 2.0.0 render: 2.0.0 writes
//!   only what 1.0.0's values say (the list is in `docs/template-sets.md`).
//! * `renders_of_2_0_0_validate_against_the_crds`: every 2.0.0 render validates against
//!   the CRDs of `../shared/crds` (Cluster API v1.13.3, whose v1beta2 is the storage
//!   version), as `capiform validate --crds` checks them.
//!
//! The Go program is built once per version of its source under
//! `~/.cache/capiform/go-bin/` (`tests/go_tool`; modules from the Go proxy). Without Go or `../shared` the tests show as
//! ignored with the reason; with `CI=true` they fail (see `tests/needs_shared`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use capiform::TemplateSet;
use serde_json::Value;

mod go_tool;
mod needs_shared;
use needs_shared::Test;

const CORPUS: &str = "../shared/parity/cases";
const CRDS: &str = "../shared/crds";
const TEMPLATE_SET_ANNOTATION: &str = "capiform.dev/template-set";

fn main() {
    needs_shared::main(&[
        Test {
            name: "cluster_api_converts_1_0_0_into_2_0_0",
            needs: CORPUS,
            programs: &["go"],
            run: cluster_api_converts_1_0_0_into_2_0_0,
        },
        Test {
            name: "machine_templates_keep_their_names",
            needs: CORPUS,
            programs: &[],
            run: machine_templates_keep_their_names,
        },
        Test {
            name: "fields_only_in_v1beta2_are_not_written",
            needs: CRDS,
            programs: &[],
            run: fields_only_in_v1beta2_are_not_written,
        },
        Test {
            name: "renders_of_2_0_0_validate_against_the_crds",
            needs: CRDS,
            programs: &[],
            run: renders_of_2_0_0_validate_against_the_crds,
        },
    ]);
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every case folder of the corpus: parity cases, golden cases, the differential test's
/// pinned cases.
fn corpus() -> Vec<PathBuf> {
    let mut all = Vec::new();
    for dir in [
        root().join(CORPUS),
        root().join("golden"),
        root().join("tests/differential/cases"),
    ] {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|d| {
                d.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.join("values.yaml").is_file())
                    .collect()
            })
            .unwrap_or_default();
        dirs.sort();
        all.extend(dirs);
    }
    all
}

/// The 1.0.0 and 2.0.0 renders of every corpus case that renders (both sets refuse
/// the same values: a case refused by only one is a failure).
fn renders() -> Vec<(PathBuf, String, String)> {
    let old = TemplateSet::embedded(Some("1.0.0")).unwrap();
    let new = TemplateSet::embedded(Some("2.0.0")).unwrap();
    let mut out = Vec::new();
    for dir in corpus() {
        let a = capiform::template_set::cases::render_case(old, &dir).unwrap();
        let b = capiform::template_set::cases::render_case(new, &dir).unwrap();
        match (a, b) {
            (Ok(a), Ok(b)) => out.push((dir, a, b)),
            (Err(_), Err(_)) => {}
            (a, b) => panic!(
                "{}: 1.0.0 {} but 2.0.0 {}",
                dir.display(),
                if a.is_ok() { "renders" } else { "refuses" },
                if b.is_ok() { "renders" } else { "refuses" }
            ),
        }
    }
    assert!(out.len() > 70, "only {} corpus cases rendered", out.len());
    out
}

fn documents(yaml: &str) -> Vec<Value> {
    serde_yaml::Deserializer::from_str(yaml)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .filter(|v: &Value| !v.is_null())
        .collect()
}

/// What the comparison sets aside: the `status` the conversion writes (the webhook's
/// empty v1beta2 status of an object that has none) and the set's name.
fn comparable(mut doc: Value) -> Value {
    if let Some(m) = doc.as_object_mut() {
        m.remove("status");
    }
    if let Some(a) = doc
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
    {
        a.remove(TEMPLATE_SET_ANNOTATION);
    }
    doc
}

/// The referee, built on first use under `~/.cache/capiform/go-bin/` (`tests/go_tool`).
fn referee() -> PathBuf {
    go_tool::build("conversion")
}

/// Cluster API's conversion of a v1beta1 render.
fn convert(referee: &Path, yaml: &str) -> Result<String, String> {
    use std::io::Write;
    let mut child = Command::new(referee)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the referee runs");
    let mut stdin = child.stdin.take().unwrap();
    let text = yaml.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    if out.status.success() {
        Ok(String::from_utf8(out.stdout).unwrap())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn object_id(doc: &Value) -> String {
    format!(
        "{} {}/{}",
        doc["apiVersion"].as_str().unwrap_or_default(),
        doc["kind"].as_str().unwrap_or_default(),
        doc["metadata"]["name"].as_str().unwrap_or_default()
    )
}

fn cluster_api_converts_1_0_0_into_2_0_0() {
    let referee = referee();
    let mut failures = Vec::new();
    let mut objects = 0;
    let cases = renders();
    for (dir, v1beta1, v1beta2) in &cases {
        let name = dir
            .strip_prefix(root())
            .unwrap_or(dir)
            .display()
            .to_string();
        let converted = match convert(&referee, v1beta1) {
            Ok(c) => documents(&c),
            Err(e) => {
                failures.push(format!(
                    "{name}: Cluster API's conversion refused the 1.0.0 render: {e}"
                ));
                continue;
            }
        };
        let ours = documents(v1beta2);
        if converted.len() != ours.len() {
            failures.push(format!(
                "{name}: {} objects converted, {} rendered",
                converted.len(),
                ours.len()
            ));
            continue;
        }
        for (want, got) in converted.into_iter().zip(ours) {
            objects += 1;
            let (want, got) = (comparable(want), comparable(got));
            if want != got {
                let text = capiform::template_set::cases::unified_diff(
                    &serde_yaml::to_string(&want).unwrap(),
                    &serde_yaml::to_string(&got).unwrap(),
                    "Cluster API's conversion of 1.0.0",
                    "capiform 2.0.0",
                );
                failures.push(format!("{name}: {}\n{text}", object_id(&got)));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} difference(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    println!(
        "    {} cases, {objects} objects: capiform 2.0.0 = Cluster API's conversion of 1.0.0",
        cases.len()
    );
}

/// The machine template names a render uses: the templates it holds, and the
/// references of the `MachineDeployment`s and the `KubeadmControlPlane` (either form).
fn template_names(yaml: &str) -> Vec<String> {
    let mut names = Vec::new();
    for doc in documents(yaml) {
        let kind = doc["kind"].as_str().unwrap_or_default();
        let name = doc["metadata"]["name"].as_str().unwrap_or_default();
        let spec = &doc["spec"];
        match kind {
            "OpenStackMachineTemplate" | "KubeadmConfigTemplate" => {
                names.push(format!("{kind} {name}"));
            }
            "MachineDeployment" => {
                let machine = &spec["template"]["spec"];
                names.push(format!(
                    "MachineDeployment {name} -> {} + {}",
                    machine["infrastructureRef"]["name"], machine["bootstrap"]["configRef"]["name"]
                ));
            }
            "KubeadmControlPlane" => {
                let t = &spec["machineTemplate"];
                let reference = if t["spec"]["infrastructureRef"].is_object() {
                    &t["spec"]["infrastructureRef"]
                } else {
                    &t["infrastructureRef"]
                };
                names.push(format!(
                    "KubeadmControlPlane {name} -> {}",
                    reference["name"]
                ));
            }
            _ => {}
        }
    }
    names.sort();
    names
}

fn machine_templates_keep_their_names() {
    let mut failures = Vec::new();
    let cases = renders();
    for (dir, v1beta1, v1beta2) in &cases {
        let (before, after) = (template_names(v1beta1), template_names(v1beta2));
        assert!(!before.is_empty(), "{}: no machine template", dir.display());
        if before != after {
            failures.push(format!(
                "{}:\n  1.0.0: {before:?}\n  2.0.0: {after:?}",
                dir.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!(
        "    {} cases: the same machine templates in 1.0.0 and 2.0.0",
        cases.len()
    );
}

fn renders_of_2_0_0_validate_against_the_crds() {
    let crds = capiform::validate::CrdSet::load_dir(root().join(CRDS)).unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    let cases = renders();
    for (dir, _, v1beta2) in &cases {
        let docs = documents(v1beta2);
        assert!(
            docs.iter()
                .any(|d| d["apiVersion"] == "controlplane.cluster.x-k8s.io/v1beta2"),
            "{}: no v1beta2 KubeadmControlPlane",
            dir.display()
        );
        let report = crds.validate_documents(&docs);
        if !report.is_clean() {
            failures.push(format!("{}:\n{report}", dir.display()));
        }
        checked += report.checked;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked > 500, "only {checked} objects checked");
    println!(
        "    {} cases, {checked} objects of 2.0.0 valid against {CRDS}",
        cases.len()
    );
}

/// The fields of the v1beta2 kinds with no v1beta1 counterpart: (CRD file, kind, path
/// under `spec`). Cluster API's `ConvertTo` never sets them (a v1beta1 object has nothing
/// to fill them with); it keeps them only across a v1beta2 -> v1beta1 -> v1beta2 round
/// trip, in its conversion-data annotation. Listed in `docs/template-sets.md`.
const ONLY_IN_V1BETA2: &[(&str, &str, &str)] = &[
    (
        KCP_CRD,
        "KubeadmControlPlane",
        "kubeadmConfigSpec.initConfiguration.timeouts.discoverySeconds",
    ),
    (
        KCP_CRD,
        "KubeadmControlPlane",
        "kubeadmConfigSpec.initConfiguration.timeouts.etcdAPICallSeconds",
    ),
    (
        KCP_CRD,
        "KubeadmControlPlane",
        "kubeadmConfigSpec.initConfiguration.timeouts.kubeletHealthCheckSeconds",
    ),
    (
        KCP_CRD,
        "KubeadmControlPlane",
        "kubeadmConfigSpec.initConfiguration.timeouts.kubernetesAPICallSeconds",
    ),
    (
        KCP_CRD,
        "KubeadmControlPlane",
        "kubeadmConfigSpec.initConfiguration.timeouts.tlsBootstrapSeconds",
    ),
    (
        KCP_CRD,
        "KubeadmControlPlane",
        "kubeadmConfigSpec.joinConfiguration.timeouts.discoverySeconds",
    ),
    (
        KCP_CRD,
        "KubeadmControlPlane",
        "kubeadmConfigSpec.joinConfiguration.timeouts.etcdAPICallSeconds",
    ),
    (
        KCP_CRD,
        "KubeadmControlPlane",
        "kubeadmConfigSpec.joinConfiguration.timeouts.kubeletHealthCheckSeconds",
    ),
    (
        KCP_CRD,
        "KubeadmControlPlane",
        "kubeadmConfigSpec.joinConfiguration.timeouts.kubernetesAPICallSeconds",
    ),
    (
        KCT_CRD,
        "KubeadmConfigTemplate",
        "template.spec.initConfiguration.timeouts.discoverySeconds",
    ),
    (
        KCT_CRD,
        "KubeadmConfigTemplate",
        "template.spec.initConfiguration.timeouts.etcdAPICallSeconds",
    ),
    (
        KCT_CRD,
        "KubeadmConfigTemplate",
        "template.spec.initConfiguration.timeouts.kubeletHealthCheckSeconds",
    ),
    (
        KCT_CRD,
        "KubeadmConfigTemplate",
        "template.spec.initConfiguration.timeouts.kubernetesAPICallSeconds",
    ),
    (
        KCT_CRD,
        "KubeadmConfigTemplate",
        "template.spec.initConfiguration.timeouts.tlsBootstrapSeconds",
    ),
    (
        KCT_CRD,
        "KubeadmConfigTemplate",
        "template.spec.joinConfiguration.timeouts.discoverySeconds",
    ),
    (
        KCT_CRD,
        "KubeadmConfigTemplate",
        "template.spec.joinConfiguration.timeouts.etcdAPICallSeconds",
    ),
    (
        KCT_CRD,
        "KubeadmConfigTemplate",
        "template.spec.joinConfiguration.timeouts.kubeletHealthCheckSeconds",
    ),
    (
        KCT_CRD,
        "KubeadmConfigTemplate",
        "template.spec.joinConfiguration.timeouts.kubernetesAPICallSeconds",
    ),
];
const KCP_CRD: &str = "controlplane.cluster.x-k8s.io_kubeadmcontrolplanes.yaml";
const KCT_CRD: &str = "bootstrap.cluster.x-k8s.io_kubeadmconfigtemplates.yaml";

/// Whether the `spec` schema of `version` in a CRD file has the property path `path`.
fn schema_has(crd: &Value, version: &str, path: &str) -> bool {
    let Some(versions) = crd["spec"]["versions"].as_array() else {
        return false;
    };
    let Some(v) = versions.iter().find(|v| v["name"] == version) else {
        return false;
    };
    let mut node = &v["schema"]["openAPIV3Schema"]["properties"]["spec"];
    for part in path.split('.') {
        node = &node["properties"][part];
        if node.is_null() {
            return false;
        }
    }
    true
}

fn fields_only_in_v1beta2_are_not_written() {
    for (file, kind, path) in ONLY_IN_V1BETA2 {
        let text = std::fs::read_to_string(root().join(CRDS).join(file)).unwrap();
        let crd: Value = serde_yaml::from_str(&text).unwrap();
        assert!(
            schema_has(&crd, "v1beta2", path) && !schema_has(&crd, "v1beta1", path),
            "{kind} spec.{path}: not a field of v1beta2 only in {file}"
        );
    }
    let mut failures = Vec::new();
    let cases = renders();
    for (dir, _, v1beta2) in &cases {
        for doc in documents(v1beta2) {
            for (_, kind, path) in ONLY_IN_V1BETA2 {
                if doc["kind"] != *kind {
                    continue;
                }
                let pointer = format!("/spec/{}", path.replace('.', "/"));
                if let Some(v) = doc.pointer(&pointer) {
                    failures.push(format!(
                        "{}: {}: spec.{path} = {v} (a field of v1beta2 only)",
                        dir.display(),
                        object_id(&doc)
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!(
        "    {} cases: none of the {} fields of v1beta2 only is written",
        cases.len(),
        ONLY_IN_V1BETA2.len()
    );
}

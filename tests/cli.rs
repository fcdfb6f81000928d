//! The command line as an operator meets it: Helm's words, quiet pipes, the output
//! directory, `--show-only`, the values printout and CRD validation's messages.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_capiform");

fn repo(path: &str) -> String {
    format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))
}

fn capiform(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn minimal() -> String {
    repo("examples/values/minimal.yaml")
}

/// A CRD directory with one small CRD: `Widget` of `example.org/v1`, `spec.size` an int32.
fn widget_crds(dir: &Path) {
    std::fs::write(
        dir.join("widget.yaml"),
        "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
spec:
  group: example.org
  names: {kind: Widget}
  versions:
    - name: v1
      served: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: {type: integer, format: int32}
",
    )
    .unwrap();
}

#[test]
fn template_is_render() {
    let render = capiform(&["render", "demo", "-f", &minimal()]);
    let template = capiform(&["template", "demo", "-f", &minimal()]);
    assert!(render.status.success(), "{}", stderr(&render));
    assert_eq!(render.stdout, template.stdout);
}

#[test]
fn a_closed_pipe_ends_the_render_quietly() {
    // Output well beyond a pipe's buffer, so that the render is still writing when the
    // reader goes away.
    let tmp = tempfile::tempdir().unwrap();
    let many = tmp.path().join("many.yaml");
    let mut text = std::fs::read_to_string(minimal()).unwrap();
    let groups: String = (0..60)
        .map(|i| format!("  - name: group-{i}\n    machineFlavor: vm.small\n    machineCount: 1\n"))
        .collect();
    text = text.replace("nodeGroups:\n", &format!("nodeGroups:\n{groups}"));
    std::fs::write(&many, text).unwrap();
    let mut child = Command::new(BIN)
        .args(["render", "demo", "-f", &many.display().to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one byte, then close the pipe (as `head -c1` does).
    let mut out = child.stdout.take().unwrap();
    let mut byte = [0u8; 1];
    out.read_exact(&mut byte).unwrap();
    drop(out);
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "{status:?}: {err}");
    assert_eq!(err, "");
}

#[test]
fn show_only_selects_kinds_and_names() {
    let o = capiform(&[
        "render",
        "demo",
        "-f",
        &minimal(),
        "--show-only",
        "machinedeployment",
        "--show-only",
        "Secret/demo-cloud-credentials",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let ids: Vec<String> = serde_yaml::Deserializer::from_str(&text)
        .map(|doc| {
            let v: serde_json::Value = serde::Deserialize::deserialize(doc).unwrap();
            format!(
                "{}/{}",
                v["kind"].as_str().unwrap(),
                v["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        ids,
        [
            "Secret/demo-cloud-credentials",
            "MachineDeployment/demo-md-0"
        ]
    );

    let o = capiform(&["render", "demo", "-f", &minimal(), "--show-only", "Widget"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).is_empty());
    assert!(stderr(&o).contains("--show-only Widget: no rendered object matches"));
}

#[test]
fn values_prints_the_merged_values_or_the_users() {
    let o = capiform(&[
        "values",
        "-f",
        &minimal(),
        "--set",
        "controlPlane.machineCount=5",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let all: serde_json::Value = serde_yaml::from_str(&stdout(&o)).unwrap();
    assert_eq!(all["controlPlane"]["machineCount"], 5);
    // A default of the template set no layer sets.
    assert!(all["apiServer"]["port"].is_number(), "{all}");

    let o = capiform(&["values", "--set", "controlPlane.machineCount=5", "--user"]);
    let user: serde_json::Value = serde_yaml::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        user,
        serde_json::json!({"controlPlane": {"machineCount": 5}})
    );
}

#[test]
fn validate_needs_crds_and_names_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let objects = tmp.path().join("objects.yaml");
    std::fs::write(
        &objects,
        "apiVersion: example.org/v1
kind: Widget
metadata: {name: w}
spec: {size: 9223372036854775807}
---
apiVersion: v1
kind: Secret
metadata: {name: s}
",
    )
    .unwrap();
    let objects = objects.display().to_string();

    let o = capiform(&["validate", "--crds", &empty.display().to_string(), &objects]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("no CustomResourceDefinition found"));

    let crds = tmp.path().join("crds");
    std::fs::create_dir(&crds).unwrap();
    widget_crds(&crds);
    let crds = crds.display().to_string();
    let o = capiform(&["validate", "--crds", &crds, &objects]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.starts_with(&format!("{objects}: Widget/w: .spec.size: ")),
        "{out}"
    );
    assert!(
        out.contains("greater than the maximum of 2147483647"),
        "{out}"
    );
    // Objects no CRD describes are counted in one line; -v lists them.
    let err = stderr(&o);
    assert!(
        err.contains("not checked (no CRD): 1 object(s): 1 v1/Secret (-v lists them)"),
        "{err}"
    );
    let o = capiform(&["validate", "-v", "--crds", &crds, &objects]);
    assert!(stderr(&o).contains("not checked (no CRD): v1/Secret s"));
}

#[test]
fn render_crds_implies_validation_and_validate_needs_crds() {
    let tmp = tempfile::tempdir().unwrap();
    let o = capiform(&[
        "render",
        "demo",
        "-f",
        &minimal(),
        "--crds",
        &tmp.path().display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).is_empty());
    assert!(stderr(&o).contains("no CustomResourceDefinition found"));

    let o = capiform(&["render", "demo", "-f", &minimal(), "--validate"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--crds"), "{}", stderr(&o));
}

#[test]
fn output_dir_holds_exactly_the_render() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let out_arg = out.display().to_string();
    let two_groups = tmp.path().join("two.yaml");
    let mut text = std::fs::read_to_string(minimal()).unwrap();
    text = text.replace(
        "nodeGroups:\n",
        "nodeGroups:\n  - name: md-1\n    machineFlavor: vm.small\n    machineCount: 1\n",
    );
    std::fs::write(&two_groups, text).unwrap();
    let with = capiform(&[
        "render",
        "demo",
        "-f",
        &two_groups.display().to_string(),
        "--output-dir",
        &out_arg,
    ]);
    assert!(with.status.success(), "{}", stderr(&with));
    let files = |dir: &Path| -> String {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names.join(" ")
    };
    assert!(files(&out).contains("machinedeployment-demo-md-1"));
    let without = capiform(&["render", "demo", "-f", &minimal(), "--output-dir", &out_arg]);
    assert!(without.status.success(), "{}", stderr(&without));
    assert!(!files(&out).contains("demo-md-1"), "{}", files(&out));
    // The same objects as the stream, file by file.
    let stream = stdout(&capiform(&["render", "demo", "-f", &minimal()]));
    let mut joined = String::new();
    for name in files(&out).split(' ').filter(|n| n.ends_with(".yaml")) {
        joined.push_str(&std::fs::read_to_string(out.join(name)).unwrap());
    }
    assert_eq!(joined, stream);

    // A directory capiform did not write is refused.
    let foreign = tmp.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
    let o = capiform(&[
        "render",
        "demo",
        "-f",
        &minimal(),
        "--output-dir",
        &foreign.display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("capiform did not write it"));
}

#[test]
fn help_texts_show_examples() {
    for args in [
        &["--help"][..],
        &["render", "--help"],
        &["values", "--help"],
        &["validate", "--help"],
        &["validate-values", "--help"],
        &["schema", "--help"],
        &["templates", "--help"],
    ] {
        let o = capiform(args);
        assert!(o.status.success());
        assert!(stdout(&o).contains("Examples:\n  capiform "), "{args:?}");
    }
}

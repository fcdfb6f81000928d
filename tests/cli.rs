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
fn a_dotted_release_name_renders_only_without_addons() {
    // helm takes `my.cluster`; the addon provider refuses the '.' in its values Secrets'
    // names, so with addons the name is a usage error, and without them it renders.
    let with_addons = capiform(&["render", "my.cluster", "-f", &minimal()]);
    assert_eq!(with_addons.status.code(), Some(2));
    assert!(with_addons.stdout.is_empty());
    assert!(
        stderr(&with_addons).contains("^[a-z0-9-]+$"),
        "{}",
        stderr(&with_addons)
    );
    let without = capiform(&[
        "render",
        "my.cluster",
        "-f",
        &repo("golden/addons-disabled/values.yaml"),
    ]);
    assert!(without.status.success(), "{}", stderr(&without));
    assert!(stdout(&without).contains("name: my.cluster\n"));
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
    // The summary names the file too (issue 28), not a placeholder.
    assert!(
        err.ends_with(&format!(
            "Error: {objects}: 1 problem(s) against the CRDs in {crds}\n"
        )),
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

/// A command run without a kubeconfig: no `KUBECONFIG`, a `HOME` without `.kube/config`,
/// no in-cluster service account.
fn without_kubeconfig(home: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env("HOME", home)
        .output()
        .unwrap()
}

/// Four problems of one file, each with its line.
const FOUR_PROBLEMS: &str = "osDistro: arch\napiServer: {port: 70000}\nmachineSSHKeyName: 0644\ncontrolPlane:\n  machineFlavour: x\n";

fn assert_the_four_problems(o: &Output, bad: &str, what: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "{what}: {err}");
    assert!(stdout(o).is_empty(), "{what}");
    assert!(
        err.starts_with("Error: the values are invalid (4 problems):\n"),
        "{what}: {err}"
    );
    for expected in [
        "  apiServer.port: 70000 is too large (expected at most 65535: Cluster API's Cluster takes spec.clusterNetwork.apiServerPort from 1 to 65535) (in {bad}, line 2)",
        "  controlPlane.machineFlavour: unknown key (did you mean 'machineFlavor'?) (in {bad}, line 5)",
        "  machineSSHKeyName: expected a string, got 0644 (helm reads YAML 1.1, where 0644 is the octal number 420; quote it, '0644', to keep the text) (in {bad}, line 3)",
        "  osDistro: \"arch\" is not allowed (expected one of \"ubuntu\", \"flatcar\") (in {bad}, line 1)",
    ] {
        let expected = expected.replace("{bad}", bad);
        assert!(err.contains(&expected), "{what}: {expected}\n{err}");
    }
    assert!(!err.contains("kubeconfig"), "{what}: {err}");
}

/// Issue 28: `apply`, `diff RELEASE` and `adopt` check the values before any request:
/// with no kubeconfig, or one whose server does not answer, the values' problems are the
/// error (exit 1, at once), never a kubeconfig error or a retried connection.
#[test]
fn commands_that_talk_to_a_cluster_check_the_values_first() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.yaml");
    std::fs::write(&bad, FOUR_PROBLEMS).unwrap();
    let bad = bad.display().to_string();
    let home = tmp.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let m = minimal();
    for args in [
        &["apply", "demo", "-n", "clusters", "-f", &m, "-f", &bad][..],
        &["diff", "demo", "-n", "clusters", "-f", &m, "-f", &bad],
        &["adopt", "demo", "-n", "clusters", "-f", &bad],
    ] {
        assert_the_four_problems(&without_kubeconfig(&home, args), &bad, args[0]);
    }
    // A kubeconfig whose server does not answer: still the values, at once.
    let kubeconfig = tmp.path().join("unreachable.kubeconfig");
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\n\
         users: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n",
    )
    .unwrap();
    let start = std::time::Instant::now();
    let o = capiform(&[
        "apply",
        "demo",
        "-f",
        &m,
        "-f",
        &bad,
        "--kubeconfig",
        &kubeconfig.display().to_string(),
    ]);
    assert_the_four_problems(&o, &bad, "apply with an unreachable server");
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
}

/// Issue 28: a missing kubeconfig is one sentence naming `--kubeconfig` and `KUBECONFIG`
/// (not the client library's text with its doubled quotes).
#[test]
fn a_missing_kubeconfig_names_the_flag_and_the_variable() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    for args in [
        &["status", "demo", "-n", "clusters"][..],
        &["apply", "demo", "-n", "clusters", "-f", &minimal()],
        &["history", "demo"],
    ] {
        let o = without_kubeconfig(home, args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(stdout(&o).is_empty());
        assert_eq!(
            err,
            format!(
                "Error: no kubeconfig: give the management cluster's kubeconfig with --kubeconfig FILE or KUBECONFIG=FILE (there is no {}/.kube/config and no in-cluster service account)\n",
                home.display()
            ),
            "{args:?}"
        );
    }
    let o = capiform(&["status", "demo", "--kubeconfig", "/nonexistent/k.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "Error: --kubeconfig /nonexistent/k.yaml: no such file\n"
    );
    let o = Command::new(BIN)
        .args(["history", "demo"])
        .env("KUBECONFIG", "/nonexistent/a:/nonexistent/b")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with(
            "Error: KUBECONFIG names no file that exists (/nonexistent/a, /nonexistent/b); give the management cluster's kubeconfig with --kubeconfig FILE"
        ),
        "{}",
        stderr(&o)
    );
}

/// Issue 28: `diff --from A` without `--to` is a usage error naming `--to`.
#[test]
fn diff_from_needs_to() {
    let o = capiform(&["diff", "demo", "--from", &minimal()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).is_empty());
    let err = stderr(&o);
    assert!(
        err.starts_with(
            "error: the following required arguments were not provided:\n  --to <FILE>"
        ),
        "{err}"
    );
    let o = capiform(&["diff", "demo", "--to", &minimal()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--from <FILE>"), "{}", stderr(&o));
}

/// Issue 28: `--show-only Kind/wrong-name` lists the names of that kind.
#[test]
fn show_only_with_a_wrong_name_lists_the_names_of_the_kind() {
    for selector in ["MachineDeployment/md-0", "machinedeployment/md-0"] {
        let o = capiform(&["render", "demo", "-f", &minimal(), "--show-only", selector]);
        assert_eq!(o.status.code(), Some(2));
        assert!(stdout(&o).is_empty());
        assert_eq!(
            stderr(&o),
            format!(
                "Error: --show-only {selector}: no rendered MachineDeployment has that name (the MachineDeployment objects rendered: demo-md-0)\n"
            )
        );
    }
}

/// Issue 28: an `--existing` object of another namespace is not the one the release reads.
#[test]
fn existing_objects_of_another_namespace_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let key = |ns: &str| {
        let path = tmp.path().join(format!("key-{ns}.yaml"));
        std::fs::write(
            &path,
            format!(
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: demo-etcd-key\n  namespace: {ns}\n\
                 data:\n  key: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
            ),
        )
        .unwrap();
        path.display().to_string()
    };
    let render = |key: &str| {
        capiform(&[
            "render",
            "demo",
            "-n",
            "clusters",
            "-f",
            &minimal(),
            "--set",
            "etcd.encryption.enabled=true",
            "--existing",
            key,
        ])
    };
    let other = key("other");
    let o = render(&other);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).is_empty());
    assert_eq!(
        stderr(&o),
        format!(
            "Error: --existing {other}: Secret/demo-etcd-key is in namespace other, but the render is for namespace clusters (-n): give the object of namespace clusters (kubectl get -n clusters …)\n"
        )
    );
    let o = render(&key("clusters"));
    assert!(o.status.success(), "{}", stderr(&o));
}

/// Issue 28: every command's `--help` ends with examples, the lifecycle's and the
/// template sets' included.
#[test]
fn every_command_help_ends_with_examples() {
    for args in [
        &["apply", "--help"][..],
        &["status", "--help"],
        &["history", "--help"],
        &["get", "--help"],
        &["get", "values", "--help"],
        &["rollback", "--help"],
        &["uninstall", "--help"],
        &["diff", "--help"],
        &["adopt", "--help"],
        &["templates", "list", "--help"],
        &["templates", "show", "--help"],
        &["templates", "export", "--help"],
        &["templates", "test", "--help"],
    ] {
        let o = capiform(args);
        assert!(o.status.success(), "{args:?}");
        let out = stdout(&o);
        let examples = out
            .rfind("Examples:\n  capiform ")
            .unwrap_or_else(|| panic!("{args:?}: {out}"));
        // Nothing but example lines after the heading.
        assert!(
            out[examples..]
                .lines()
                .skip(1)
                .all(|l| l.is_empty() || l.starts_with("  capiform ")),
            "{args:?}: {out}"
        );
    }
}

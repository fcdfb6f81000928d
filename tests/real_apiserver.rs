//! The lifecycle against a real kube-apiserver with Cluster API's and CAPO's own webhooks
//! and Cluster API's core controllers (`scripts/test-apiserver`): `apply`, `status`,
//! `history`, `get values`, `rollback`, prune, `uninstall`, `diff`, conflicts with other
//! field managers, and the way from `helm install` of the reference chart to `capiform
//! adopt`.
//!
//! One API server for the whole binary (started once, stopped at the end); each test has
//! namespaces of its own. Needs `scripts/test-apiserver` with Go, `../shared` (parity
//! corpus, reference chart, CRDs) and, for the adoption tests, helm 3.17.3 (`$HELM` or
//! `~/.cache/capiform/bin/helm`, as `scripts/test-deps` installs it). Without them the
//! tests show as ignored with the reason; with `CI=true` they fail.
//!
//! `CAPIFORM_REAL_APISERVER_CASES=all` (the default with `CI=true`) adopts every parity
//! case helm installs; otherwise a handful.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use capiform::TemplateSet;
use capiform::lifecycle::{render_and_apply, rollback};
use capiform::values::ValuesSource;
use capiform_kube::{ApplyOptions, ApplyReport, Client, Outcome, Release};
use kube::core::Request;
use kube::core::params::{GetParams, ListParams, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

mod common;
#[allow(dead_code)]
mod needs_shared;

type TestFn = fn(&Ctx);

const TESTS: &[(&str, TestFn)] = &[
    ("minimal_lifecycle", minimal_lifecycle),
    (
        "status_wait_follows_generations_and_versions",
        status_wait_follows_generations_and_versions,
    ),
    (
        "upstream_full_applies_and_reapplies",
        upstream_full_applies_and_reapplies,
    ),
    (
        "node_group_and_addon_removed_prune_exactly_those",
        node_group_and_addon_removed_prune_exactly_those,
    ),
    (
        "rollback_recreates_what_a_prune_is_still_deleting",
        rollback_recreates_what_a_prune_is_still_deleting,
    ),
    (
        "a_field_of_another_manager_is_a_conflict",
        a_field_of_another_manager_is_a_conflict,
    ),
    ("helm_releases_are_adopted", helm_releases_are_adopted),
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// What is missing for the tests to run.
fn missing() -> Option<String> {
    if !root().join("../shared/parity/cases").is_dir() {
        return Some("../shared not found (clone the project with ../shared beside it)".into());
    }
    if !root().join("scripts/test-apiserver").is_file() {
        return Some("scripts/test-apiserver not found".into());
    }
    if needs_shared::program("go").is_none() {
        return Some("go not found (scripts/test-apiserver builds the API server with it)".into());
    }
    if needs_shared::program("helm").is_none() {
        return Some("helm not found (scripts/test-deps installs it)".into());
    }
    None
}

/// The API server of `scripts/test-apiserver`, stopped when dropped.
struct ApiServer {
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
}

impl ApiServer {
    fn start() -> Result<Self, String> {
        let dir = tempfile::Builder::new()
            .prefix("capiform-real-apiserver-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let started = Instant::now();
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
        common::loud(&format!(
            "real API server ready in {:.1} s ({})",
            started.elapsed().as_secs_f64(),
            dir.path().display()
        ));
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

/// What every test gets: the server, a runtime and a client.
struct Ctx {
    kubeconfig: PathBuf,
    runtime: tokio::runtime::Runtime,
    client: Client,
}

impl Ctx {
    fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }

    /// A fresh namespace.
    fn namespace(&self, name: &str) -> String {
        let body = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}});
        let request = Request::new("/api/v1/namespaces")
            .create(&PostParams::default(), serde_json::to_vec(&body).unwrap())
            .unwrap();
        let _: Value = self
            .block_on(self.client.request(request))
            .unwrap_or_else(|e| panic!("creating namespace {name}: {e}"));
        name.to_owned()
    }

    fn release(&self, name: &str, namespace: &str) -> Release {
        Release::new(self.client.clone(), name, namespace)
    }

    /// GET an object by its path; `None` on 404.
    fn get(&self, path: &str) -> Option<Value> {
        let (collection, name) = path.rsplit_once('/').unwrap();
        let request = Request::new(collection)
            .get(name, &GetParams::default())
            .unwrap();
        not_found_is_none(path, self.block_on(self.client.request::<Value>(request)))
    }

    /// LIST a collection by its path; `None` on 404.
    fn list(&self, path: &str) -> Option<Value> {
        let request = Request::new(path).list(&ListParams::default()).unwrap();
        not_found_is_none(path, self.block_on(self.client.request::<Value>(request)))
    }

    /// Names of the objects of a resource in a namespace (`group/version`, plural).
    fn names(&self, namespace: &str, group_version: &str, plural: &str) -> Vec<String> {
        let root = if group_version.contains('/') {
            "apis"
        } else {
            "api"
        };
        let list = self
            .list(&format!(
                "/{root}/{group_version}/namespaces/{namespace}/{plural}"
            ))
            .unwrap_or_else(|| panic!("{group_version} {plural} is not served"));
        let mut names: Vec<String> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["metadata"]["name"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names
    }

    /// The machine and bootstrap templates of a namespace.
    fn templates(&self, namespace: &str) -> Vec<String> {
        let mut all = self.names(
            namespace,
            "infrastructure.cluster.x-k8s.io/v1beta1",
            "openstackmachinetemplates",
        );
        all.extend(self.names(
            namespace,
            "bootstrap.cluster.x-k8s.io/v1beta2",
            "kubeadmconfigtemplates",
        ));
        all
    }

    /// The `spec`s of the MachineDeployments and the control plane, at Cluster API's
    /// storage version: what a rollout follows.
    fn machine_specs(&self, namespace: &str) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        for (gv, plural) in [
            ("cluster.x-k8s.io/v1beta2", "machinedeployments"),
            (
                "controlplane.cluster.x-k8s.io/v1beta2",
                "kubeadmcontrolplanes",
            ),
        ] {
            let list = self
                .list(&format!("/apis/{gv}/namespaces/{namespace}/{plural}"))
                .unwrap();
            for item in list["items"].as_array().unwrap() {
                let mut spec = item["spec"].clone();
                // Written by the controllers, not by an apply.
                if let Some(m) = spec.as_object_mut() {
                    m.remove("replicas");
                }
                out.push((
                    format!("{plural}/{}", item["metadata"]["name"].as_str().unwrap()),
                    spec,
                ));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// A JSON merge patch of an object (`name`, or `name/status` for its status) as the
    /// field manager `tests`.
    fn merge(&self, collection: &str, name: &str, patch: Value) -> Value {
        let params = PatchParams {
            field_manager: Some("tests".into()),
            ..Default::default()
        };
        let request = Request::new(collection)
            .patch(name, &params, &Patch::Merge(patch))
            .unwrap();
        self.block_on(self.client.request::<Value>(request))
            .unwrap_or_else(|e| panic!("PATCH {collection}/{name}: {e}"))
    }

    /// Run the `capiform` binary against the server.
    fn capiform(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_capiform"))
            .args(args)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .output()
            .expect("the capiform binary runs")
    }

    /// Run helm against the server.
    fn helm(&self, args: &[&str]) -> Output {
        Command::new(needs_shared::program("helm").unwrap())
            .args(args)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .output()
            .expect("helm runs")
    }
}

fn not_found_is_none(path: &str, answer: Result<Value, kube::Error>) -> Option<Value> {
    match answer {
        Ok(v) => Some(v),
        Err(kube::Error::Api(s)) if s.code == 404 => None,
        Err(e) => panic!("{path}: {e}"),
    }
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn layers(files: &[&Path], extra: &str) -> Vec<ValuesSource> {
    let mut out: Vec<ValuesSource> = files
        .iter()
        .map(|f| ValuesSource::Yaml {
            name: f.display().to_string(),
            text: std::fs::read_to_string(f).unwrap(),
        })
        .collect();
    if !extra.is_empty() {
        out.push(ValuesSource::Yaml {
            name: "change.yaml".into(),
            text: extra.into(),
        });
    }
    out
}

fn apply(ctx: &Ctx, release: &Release, sources: Vec<ValuesSource>) -> ApplyReport {
    let set = TemplateSet::embedded(None).unwrap();
    ctx.block_on(render_and_apply(
        release,
        set,
        sources,
        "",
        &ApplyOptions::default(),
    ))
    .unwrap_or_else(|e| panic!("apply: {e}"))
}

fn names_of(report: &ApplyReport, outcome: Outcome) -> Vec<String> {
    report
        .applied
        .iter()
        .filter(|a| a.outcome == outcome)
        .map(|a| a.object.to_string())
        .collect()
}

/// Kinds whose objects Cluster API 1.13 stores at v1beta2: a server-side apply at v1beta1
/// goes through its conversion, which bumps `metadata.generation` on every apply
/// (`kubectl apply --server-side` does the same), so they may come back `configured`
/// when nothing changed (docs/lifecycle.md).
const CONVERTED: &[&str] = &[
    "Cluster",
    "KubeadmControlPlane",
    "MachineDeployment",
    "MachineHealthCheck",
];

/// A re-apply: nothing created or pruned, no template renamed, no machine spec changed;
/// only converted kinds may say `configured`.
fn assert_reapply_changes_nothing(
    ctx: &Ctx,
    ns: &str,
    report: &ApplyReport,
    before: &[(String, Value)],
    templates: &[String],
) {
    assert!(
        names_of(report, Outcome::Created).is_empty(),
        "{}",
        report.summary()
    );
    assert!(report.pruned.is_empty(), "{:?}", report.pruned);
    let configured: Vec<String> = names_of(report, Outcome::Configured)
        .into_iter()
        .filter(|n| !CONVERTED.iter().any(|k| n.starts_with(&format!("{k}/"))))
        .collect();
    assert!(configured.is_empty(), "configured again: {configured:?}");
    assert_eq!(ctx.templates(ns), templates, "no template renamed");
    assert_eq!(ctx.machine_specs(ns), before, "no machine spec changed");
}

// ----- tests ---------------------------------------------------------------------------

fn minimal() -> PathBuf {
    root().join("golden/minimal/values.yaml")
}

/// apply, re-apply, status, history, get values, a changed Secret key set, rollback,
/// uninstall.
fn minimal_lifecycle(ctx: &Ctx) {
    let ns = ctx.namespace("minimal-lifecycle");
    let release = ctx.release("demo", &ns);
    let values = minimal();
    let report = apply(ctx, &release, layers(&[&values], ""));
    assert_eq!(
        names_of(&report, Outcome::Created).len(),
        report.applied.len()
    );
    let templates = ctx.templates(&ns);
    let specs = ctx.machine_specs(&ns);

    let again = apply(ctx, &release, layers(&[&values], ""));
    assert_reapply_changes_nothing(ctx, &ns, &again, &specs, &templates);

    // status: the Cluster exists, nothing provisions it (no OpenStack): progressing, and
    // --wait times out (exit 4) rather than calling it ready.
    let out = ctx.capiform(&["status", "demo", "-n", &ns]);
    assert!(out.status.success(), "{}", text(&out));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("STATUS  Progressing"), "{table}");
    assert!(table.contains("demo-md-0"), "{table}");
    let out = ctx.capiform(&["status", "demo", "-n", &ns, "--wait", "--timeout", "3s"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));

    // diff with the applied values: nothing.
    let v = values.to_string_lossy();
    let out = ctx.capiform(&["diff", "demo", "-n", &ns, "-f", &v, "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // A key added to a Secret, then removed: no stale key stays.
    let ca = "cloudCACert: |\n  -----BEGIN CERTIFICATE-----\n  MIIBrealapiserver\n  -----END CERTIFICATE-----\n";
    apply(ctx, &release, layers(&[&values], ca));
    let secret = |ctx: &Ctx| {
        ctx.get(&format!(
            "/api/v1/namespaces/{ns}/secrets/demo-cloud-credentials"
        ))
        .unwrap()
    };
    assert!(
        secret(ctx)["data"].get("cacert").is_some(),
        "{}",
        secret(ctx)["data"]
    );
    apply(ctx, &release, layers(&[&values], ""));
    let data = secret(ctx)["data"].clone();
    assert!(
        data.get("cacert").is_none(),
        "the dropped key stayed: {:?}",
        data.as_object().unwrap().keys().collect::<Vec<_>>()
    );
    assert!(data.get("clouds.yaml").is_some());

    // history and get values.
    let out = ctx.capiform(&["history", "demo", "-n", &ns, "-o", "json"]);
    assert!(out.status.success(), "{}", text(&out));
    let history: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(history.as_array().unwrap().len(), 4, "{history}");
    let out = ctx.capiform(&[
        "get",
        "values",
        "demo",
        "-n",
        &ns,
        "--revision",
        "3",
        "-o",
        "json",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        got["cloudCACert"]
            .as_str()
            .unwrap()
            .contains("MIIBrealapiserver"),
        "{got}"
    );

    // rollback to 3: the key comes back, as revision 5.
    let report = ctx
        .block_on(rollback(&release, 3, None, &ApplyOptions::default()))
        .unwrap();
    assert_eq!(report.revision, 5);
    assert!(secret(ctx)["data"].get("cacert").is_some());

    // uninstall: everything goes, the record last.
    let out = ctx.capiform(&["uninstall", "demo", "-n", &ns, "--timeout", "5m"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        ctx.names(&ns, "cluster.x-k8s.io/v1beta2", "clusters")
            .is_empty()
    );
    assert!(ctx.templates(&ns).is_empty());
    let secrets = ctx.names(&ns, "v1", "secrets");
    assert!(
        secrets
            .iter()
            .all(|s| !s.starts_with("demo-") && !s.starts_with("capiform-release-")),
        "{secrets:?}"
    );
}

/// `status --wait` against the statuses a management cluster's controllers write. Nothing
/// provisions machines here, so the test pauses the Cluster (`spec.paused`: Cluster API's
/// controllers then leave its objects alone) and writes the statuses itself through the
/// status subresource, at the versions the release renders. Ready when every status says
/// so; after a Kubernetes upgrade is applied, not ready until the control plane's
/// controller has seen the new generation and reports the new version, and the
/// MachineDeployment's controller has seen its new generation and updated every replica.
fn status_wait_follows_generations_and_versions(ctx: &Ctx) {
    let ns = ctx.namespace("status-wait");
    let release = ctx.release("demo", &ns);
    let values = minimal();
    apply(ctx, &release, layers(&[&values], ""));
    let clusters = format!("/apis/cluster.x-k8s.io/v1beta1/namespaces/{ns}/clusters");
    let kcps =
        format!("/apis/controlplane.cluster.x-k8s.io/v1beta1/namespaces/{ns}/kubeadmcontrolplanes");
    let mds = format!("/apis/cluster.x-k8s.io/v1beta1/namespaces/{ns}/machinedeployments");
    let (kcp, md) = ("demo-control-plane", "demo-md-0");
    ctx.merge(&clusters, "demo", json!({"spec": {"paused": true}}));

    let time = "2026-01-01T00:00:00Z";
    let cluster_ready = |ctx: &Ctx| {
        ctx.merge(
            &clusters,
            "demo/status",
            json!({"status": {"phase": "Provisioned", "infrastructureReady": true,
                "controlPlaneReady": true,
                "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": time}]}}),
        );
    };
    // The control plane's status: `version` reported, the generation seen (or not).
    let control_plane = |ctx: &Ctx, version: &str, seen: bool| {
        let live = ctx.get(&format!("{kcps}/{kcp}")).unwrap();
        let replicas = live["spec"]["replicas"].as_i64().unwrap();
        let mut status = json!({"replicas": replicas, "readyReplicas": replicas,
            "updatedReplicas": replicas, "unavailableReplicas": 0, "ready": true,
            "initialized": true, "version": version});
        if seen {
            status["observedGeneration"] = live["metadata"]["generation"].clone();
        }
        ctx.merge(&kcps, &format!("{kcp}/status"), json!({ "status": status }));
    };
    // The MachineDeployment's status: the generation seen (or not), `updated` replicas
    // with the current spec.
    let machine_deployment = |ctx: &Ctx, seen: bool, updated: i64| {
        let live = ctx.get(&format!("{mds}/{md}")).unwrap();
        let replicas = live["spec"]["replicas"].as_i64().unwrap();
        let mut status = json!({"phase": "Running", "replicas": replicas,
            "readyReplicas": replicas, "availableReplicas": replicas,
            "updatedReplicas": updated, "unavailableReplicas": 0});
        if seen {
            status["observedGeneration"] = live["metadata"]["generation"].clone();
        }
        ctx.merge(&mds, &format!("{md}/status"), json!({ "status": status }));
        replicas
    };
    let addons_deployed = |ctx: &Ctx| {
        for plural in ["helmreleases", "manifests"] {
            let collection = format!("/apis/addons.stackhpc.com/v1alpha1/namespaces/{ns}/{plural}");
            for name in ctx.names(&ns, "addons.stackhpc.com/v1alpha1", plural) {
                ctx.merge(
                    &collection,
                    &format!("{name}/status"),
                    json!({"status": {"phase": "Deployed"}}),
                );
            }
        }
    };
    let readiness = |ctx: &Ctx| -> Value {
        let out = ctx.capiform(&["status", "demo", "-n", &ns, "-o", "json"]);
        assert!(out.status.success(), "{}", text(&out));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()["readiness"].clone()
    };
    let progressing = |reason: String| json!({"state": "progressing", "reason": reason});
    let wait = |ctx: &Ctx, timeout: &str| {
        ctx.capiform(&["status", "demo", "-n", &ns, "--wait", "--timeout", timeout])
    };

    // Everything as the controllers report a running cluster: ready at once.
    let old = ctx.get(&format!("{kcps}/{kcp}")).unwrap()["spec"]["version"]
        .as_str()
        .unwrap()
        .to_owned();
    cluster_ready(ctx);
    control_plane(ctx, &old, true);
    let replicas = machine_deployment(ctx, true, 2);
    addons_deployed(ctx);
    assert_eq!(readiness(ctx), json!({"state": "ready"}));
    let out = wait(ctx, "60s");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("STATUS  Ready"),
        "{}",
        text(&out)
    );

    // An upgrade applied: the statuses still say ready, but no controller has seen it.
    apply(
        ctx,
        &release,
        layers(&[&values], "kubernetesVersion: 1.32.1\n"),
    );
    let new = ctx.get(&format!("{kcps}/{kcp}")).unwrap()["spec"]["version"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new, old);
    assert_eq!(
        readiness(ctx),
        progressing(format!(
            "KubeadmControlPlane {kcp}: the controller has not seen the latest spec yet"
        ))
    );
    let out = wait(ctx, "3s");
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));

    // The control plane's controller has seen it, its machines still run the old version.
    control_plane(ctx, &old, true);
    assert_eq!(
        readiness(ctx),
        progressing(format!(
            "KubeadmControlPlane {kcp}: at version {old}, upgrading to {new}"
        ))
    );
    // The control plane upgraded; the MachineDeployment's controller has not seen its new
    // spec.
    control_plane(ctx, &new, true);
    assert_eq!(
        readiness(ctx),
        progressing(format!(
            "MachineDeployment {md}: the controller has not seen the latest spec yet"
        ))
    );
    // Seen, no machine replaced yet.
    machine_deployment(ctx, true, 0);
    assert_eq!(
        readiness(ctx),
        progressing(format!(
            "MachineDeployment {md}: {replicas}/{replicas} ready, 0/{replicas} up to date"
        ))
    );
    let out = wait(ctx, "3s");
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    // Every machine replaced.
    machine_deployment(ctx, true, replicas);
    assert_eq!(readiness(ctx), json!({"state": "ready"}));
    let out = wait(ctx, "60s");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

fn upstream_full_applies_and_reapplies(ctx: &Ctx) {
    let ns = ctx.namespace("upstream-full");
    let release = ctx.release("demo", &ns);
    let values = root().join("../shared/parity/cases/upstream-full/values.yaml");
    let report = apply(ctx, &release, layers(&[&values], ""));
    assert_eq!(
        names_of(&report, Outcome::Created).len(),
        report.applied.len()
    );
    let templates = ctx.templates(&ns);
    let specs = ctx.machine_specs(&ns);
    let again = apply(ctx, &release, layers(&[&values], ""));
    assert_reapply_changes_nothing(ctx, &ns, &again, &specs, &templates);
    let v = values.to_string_lossy();
    let out = ctx.capiform(&["diff", "demo", "-n", &ns, "-f", &v, "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

fn node_group_and_addon_removed_prune_exactly_those(ctx: &Ctx) {
    let ns = ctx.namespace("prune");
    let release = ctx.release("demo", &ns);
    let values = minimal();
    let two = "nodeGroups:\n  - {name: md-0, machineFlavor: worker.small, machineCount: 2}\n  - {name: md-1, machineFlavor: worker.large, machineCount: 1}\n";
    let one = "nodeGroups:\n  - {name: md-0, machineFlavor: worker.small, machineCount: 2}\naddons: {metricsServer: {enabled: false}}\n";
    apply(ctx, &release, layers(&[&values], two));
    let md1 = |gv: &str, plural: &str| -> String {
        let names: Vec<String> = ctx
            .names(&ns, gv, plural)
            .into_iter()
            .filter(|n| n.starts_with("demo-md-1-"))
            .collect();
        assert_eq!(names.len(), 1, "{plural}: {names:?}");
        names[0].clone()
    };
    let kct = md1(
        "bootstrap.cluster.x-k8s.io/v1beta2",
        "kubeadmconfigtemplates",
    );
    let osmt = md1(
        "infrastructure.cluster.x-k8s.io/v1beta1",
        "openstackmachinetemplates",
    );

    let report = apply(ctx, &release, layers(&[&values], one));
    let mut gone: Vec<String> = report
        .pruned
        .iter()
        .chain(&report.kept)
        .map(ToString::to_string)
        .collect();
    gone.sort();
    let mut expected = vec![
        "HelmRelease/demo-metrics-server".to_string(),
        "MachineDeployment/demo-md-1".into(),
        "MachineHealthCheck/demo-md-1".into(),
        "Secret/demo-metrics-server-config".into(),
        format!("KubeadmConfigTemplate/{kct}"),
        format!("OpenStackMachineTemplate/{osmt}"),
    ];
    expected.sort();
    assert_eq!(
        gone, expected,
        "pruned {:?}, kept {:?}",
        report.pruned, report.kept
    );

    // Templates kept while md-1's MachineSet drained are pruned by a later apply, not kept
    // forever.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let left: Vec<String> = ctx
            .templates(&ns)
            .into_iter()
            .filter(|n| n.starts_with("demo-md-1-"))
            .collect();
        if left.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "md-1's templates are kept forever: {left:?}"
        );
        std::thread::sleep(Duration::from_secs(3));
        apply(ctx, &release, layers(&[&values], one));
    }
    assert!(
        ctx.templates(&ns)
            .iter()
            .all(|n| !n.starts_with("demo-md-1-"))
    );
    // md-1's MachineDeployment goes once Cluster API has removed its finalizer.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let left = ctx.names(&ns, "cluster.x-k8s.io/v1beta2", "machinedeployments");
        if left == ["demo-md-0"] {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "MachineDeployments left after the prune: {left:?}"
        );
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// A node group removed (its MachineDeployment pruned: it stays, terminating, while
/// Cluster API deletes its MachineSets), then at once a rollback to the revision that had
/// it: the rollback creates it anew once the deletion is over, rather than applying to
/// the object being deleted (which would vanish with it).
fn rollback_recreates_what_a_prune_is_still_deleting(ctx: &Ctx) {
    let ns = ctx.namespace("rollback-prune");
    let release = ctx.release("demo", &ns);
    let values = minimal();
    let two = "nodeGroups:\n  - {name: md-0, machineFlavor: worker.small, machineCount: 2}\n  - {name: md-1, machineFlavor: worker.large, machineCount: 1}\n";
    let one = "nodeGroups:\n  - {name: md-0, machineFlavor: worker.small, machineCount: 2}\n";
    apply(ctx, &release, layers(&[&values], two));
    let md1 =
        format!("/apis/cluster.x-k8s.io/v1beta1/namespaces/{ns}/machinedeployments/demo-md-1");
    // Cluster API's MachineSet for md-1 (it keeps md-1 terminating when pruned).
    let deadline = Instant::now() + Duration::from_secs(60);
    while ctx
        .names(&ns, "cluster.x-k8s.io/v1beta2", "machinesets")
        .iter()
        .all(|n| !n.starts_with("demo-md-1-"))
    {
        assert!(Instant::now() < deadline, "no MachineSet for md-1");
        std::thread::sleep(Duration::from_millis(500));
    }
    let report = apply(ctx, &release, layers(&[&values], one));
    assert!(
        report
            .pruned
            .iter()
            .any(|r| r.to_string() == "MachineDeployment/demo-md-1"),
        "{:?}",
        report.pruned
    );
    let terminating = ctx
        .get(&md1)
        .is_some_and(|md| md["metadata"].get("deletionTimestamp").is_some());
    common::loud(&format!(
        "rollback after prune: md-1 terminating when the rollback starts: {terminating}"
    ));

    let report = ctx
        .block_on(rollback(&release, 1, None, &ApplyOptions::default()))
        .unwrap_or_else(|e| panic!("rollback: {e}"));
    assert!(
        names_of(&report, Outcome::Created).contains(&"MachineDeployment/demo-md-1".to_string()),
        "{}: {:?}",
        report.summary(),
        report.applied
    );
    // It stays: not the terminating object, which would go with its last MachineSet.
    for _ in 0..10 {
        let md = ctx.get(&md1).expect("md-1 exists after the rollback");
        assert!(
            md["metadata"].get("deletionTimestamp").is_none(),
            "md-1 is being deleted after the rollback: {}",
            md["metadata"]
        );
        std::thread::sleep(Duration::from_secs(1));
    }
}

fn a_field_of_another_manager_is_a_conflict(ctx: &Ctx) {
    let ns = ctx.namespace("conflict");
    let release = ctx.release("demo", &ns);
    let values = minimal();
    apply(ctx, &release, layers(&[&values], ""));
    // The autoscaler sets the replicas through the scale subresource.
    let params = PatchParams {
        field_manager: Some("cluster-autoscaler".into()),
        ..Default::default()
    };
    let request = Request::new(format!(
        "/apis/cluster.x-k8s.io/v1beta1/namespaces/{ns}/machinedeployments"
    ))
    .patch(
        "demo-md-0/scale",
        &params,
        &Patch::Merge(json!({"spec": {"replicas": 5}})),
    )
    .unwrap();
    let _: Value = ctx.block_on(ctx.client.request(request)).unwrap();

    let v = values.to_string_lossy();
    let out = ctx.capiform(&["diff", "demo", "-n", &ns, "-f", &v, "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("Conflicts")
            && report.contains(
                "MachineDeployment/demo-md-0 .spec.replicas (manager cluster-autoscaler)"
            ),
        "{report}"
    );

    let out = ctx.capiform(&["apply", "demo", "-n", &ns, "-f", &v]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cluster-autoscaler") && err.contains(".spec.replicas"),
        "{err}"
    );

    let out = ctx.capiform(&["apply", "demo", "-n", &ns, "-f", &v, "--force-conflicts"]);
    assert!(out.status.success(), "{}", text(&out));
    let md = ctx
        .get(&format!(
            "/apis/cluster.x-k8s.io/v1beta1/namespaces/{ns}/machinedeployments/demo-md-0"
        ))
        .unwrap();
    assert_eq!(md["spec"]["replicas"], 2);
    let out = ctx.capiform(&["diff", "demo", "-n", &ns, "-f", &v, "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// The parity cases adopted: every one helm installs with `CAPIFORM_REAL_APISERVER_CASES=all`
/// (the default with `CI=true`), else these.
const FEW_CASES: &[&str] = &[
    "minimal",
    "autoscaling",
    "node-groups-overrides",
    "upstream-full",
];

/// The cases whose whole way is checked (flavor change, helm afterwards).
const FULL_WAY: &[&str] = &["minimal", "node-groups-overrides"];

fn cases() -> Vec<String> {
    let all = std::env::var("CAPIFORM_REAL_APISERVER_CASES").map_or(in_ci(), |v| v == "all");
    if !all {
        return FEW_CASES.iter().map(|s| s.to_string()).collect();
    }
    let mut out: Vec<String> = std::fs::read_dir(root().join("../shared/parity/cases"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("error-"))
        .collect();
    out.sort();
    out
}

fn helm_releases_are_adopted(ctx: &Ctx) {
    let chart = root().join("../shared/reference-chart/openstack-cluster");
    let chart = chart.to_string_lossy();
    let mut adopted = 0;
    let mut skipped = Vec::new();
    for case in cases() {
        let values = root().join(format!("../shared/parity/cases/{case}/values.yaml"));
        let v = values.to_string_lossy().into_owned();
        let ns = ctx.namespace(&format!("adopt-{case}"));
        let out = ctx.helm(&["install", "demo", &chart, "-n", &ns, "-f", &v]);
        if !out.status.success() {
            skipped.push(format!(
                "{case}: helm install failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
            continue;
        }
        let templates = ctx.templates(&ns);

        let out = ctx.capiform(&["adopt", "demo", "-n", &ns, "--dry-run"]);
        assert!(out.status.success(), "{case}: {}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("would change"), "{case}: {}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Rollout: no machine is replaced"),
            "{case}"
        );

        let out = ctx.capiform(&["adopt", "demo", "-n", &ns]);
        assert!(out.status.success(), "{case}: {}", text(&out));
        assert_eq!(
            ctx.templates(&ns),
            templates,
            "{case}: adopt renamed templates"
        );
        let md = ctx
            .list(&format!(
                "/apis/cluster.x-k8s.io/v1beta1/namespaces/{ns}/machinedeployments"
            ))
            .unwrap();
        if let Some(first) = md["items"].as_array().and_then(|a| a.first()) {
            let managers: Vec<&str> = first["metadata"]["managedFields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["manager"].as_str().unwrap())
                .collect();
            assert!(!managers.contains(&"helm"), "{case}: {managers:?}");
            let labels = &first["metadata"]["labels"];
            assert!(
                labels.get("app.kubernetes.io/managed-by").is_none(),
                "{case}: {labels}"
            );
        }

        let out = ctx.capiform(&["diff", "demo", "-n", &ns, "-f", &v, "--detailed-exitcode"]);
        assert_eq!(out.status.code(), Some(0), "{case}: {}", text(&out));
        adopted += 1;

        if !FULL_WAY.contains(&case.as_str()) {
            continue;
        }
        // The next apply with the same values changes nothing and renames nothing.
        let release = ctx.release("demo", &ns);
        let specs = ctx.machine_specs(&ns);
        let report = apply(ctx, &release, layers(&[&values], ""));
        assert_reapply_changes_nothing(ctx, &ns, &report, &specs, &templates);

        // A flavor change of one node group rolls that group alone.
        let case_values: Value =
            serde_yaml::from_str(&std::fs::read_to_string(&values).unwrap()).unwrap();
        let mut groups = case_values["nodeGroups"].clone();
        let first = groups[0]["name"].as_str().unwrap().to_owned();
        groups[0]["machineFlavor"] = json!("flavor.changed");
        let change = serde_yaml::to_string(&json!({"nodeGroups": groups})).unwrap();
        let before = ctx.machine_specs(&ns);
        let report = apply(ctx, &release, layers(&[&values], &change));
        let created = names_of(&report, Outcome::Created);
        assert!(
            created.len() == 1
                && created[0].starts_with(&format!("OpenStackMachineTemplate/demo-{first}-")),
            "{case}: {created:?}"
        );
        let after = ctx.machine_specs(&ns);
        let changed: Vec<&String> = before
            .iter()
            .zip(&after)
            .filter(|(b, a)| b != a)
            .map(|(b, _)| &b.0)
            .collect();
        assert_eq!(
            changed,
            [&format!("machinedeployments/demo-{first}")],
            "{case}"
        );

        // helm afterwards touches nothing.
        let snapshot = ctx.machine_specs(&ns);
        let names = ctx.templates(&ns);
        let out = ctx.helm(&["upgrade", "demo", &chart, "-n", &ns, "-f", &v]);
        assert!(
            !out.status.success(),
            "{case}: helm upgrade went on: {}",
            text(&out)
        );
        let out = ctx.helm(&["upgrade", "--install", "demo", &chart, "-n", &ns, "-f", &v]);
        assert!(
            !out.status.success(),
            "{case}: helm upgrade --install went on: {}",
            text(&out)
        );
        let out = ctx.helm(&["uninstall", "demo", "-n", &ns]);
        assert!(
            !out.status.success(),
            "{case}: helm uninstall went on: {}",
            text(&out)
        );
        assert_eq!(ctx.machine_specs(&ns), snapshot, "{case}");
        assert_eq!(ctx.templates(&ns), names, "{case}");
        assert!(
            !ctx.names(&ns, "cluster.x-k8s.io/v1beta2", "clusters")
                .is_empty(),
            "{case}"
        );
    }
    for s in &skipped {
        common::loud(&format!("adoption: {s}"));
    }
    common::loud(&format!("adoption: {adopted} helm release(s) adopted"));
    assert!(adopted > 0);
}

/// Flux's `GitRepository` and `Kustomization` (which `upstream-full` renders) are not in
/// `../shared/crds`: stand-in CRDs of the same group, version and kind that keep any
/// field, so that the API server serves the kinds (unless the server has them already).
fn install_flux_stand_ins(ctx: &Ctx) {
    for (group, kind, plural) in [
        (
            "source.toolkit.fluxcd.io",
            "GitRepository",
            "gitrepositories",
        ),
        (
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            "kustomizations",
        ),
    ] {
        let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": format!("{plural}.{group}")},
            "spec": {"group": group, "scope": "Namespaced",
                "names": {"kind": kind, "plural": plural, "singular": kind.to_lowercase(), "listKind": format!("{kind}List")},
                "versions": [{"name": "v1", "served": true, "storage": true,
                    "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}});
        let request = Request::new("/apis/apiextensions.k8s.io/v1/customresourcedefinitions")
            .create(&PostParams::default(), serde_json::to_vec(&crd).unwrap())
            .unwrap();
        match ctx.block_on(ctx.client.request::<Value>(request)) {
            Ok(_) => {}
            // scripts/test-apiserver may install them itself.
            Err(kube::Error::Api(s)) if s.code == 409 => {}
            Err(e) => panic!("installing the {kind} stand-in CRD: {e}"),
        }
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while ctx
        .list("/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/default/kustomizations")
        .is_none()
        || ctx
            .list("/apis/source.toolkit.fluxcd.io/v1/namespaces/default/gitrepositories")
            .is_none()
    {
        assert!(
            Instant::now() < deadline,
            "the Flux stand-in CRDs are not served"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

// ----- runner --------------------------------------------------------------------------

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let exact = args.iter().any(|a| a == "--exact");
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let selected: Vec<&(&str, TestFn)> = TESTS
        .iter()
        .filter(|(name, _)| {
            filters.is_empty()
                || filters.iter().any(|f| {
                    if exact {
                        name == f
                    } else {
                        name.contains(f.as_str())
                    }
                })
        })
        .collect();
    if args.iter().any(|a| a == "--list") {
        for (name, _) in &selected {
            println!("{name}: test");
        }
        return;
    }
    let started = Instant::now();
    println!("\nrunning {} tests", selected.len());
    let summary = |passed: usize, failed: &[(&str, String)], ignored: usize| {
        for (name, why) in failed {
            println!("\n---- {name} ----\n{why}");
        }
        println!(
            "\ntest result: {}. {passed} passed; {} failed; {ignored} ignored; 0 measured; {} filtered out; finished in {:.2}s\n",
            if failed.is_empty() { "ok" } else { "FAILED" },
            failed.len(),
            TESTS.len() - selected.len(),
            started.elapsed().as_secs_f64()
        );
        std::process::exit(if failed.is_empty() { 0 } else { 101 });
    };
    if selected.is_empty() {
        summary(0, &[], 0);
    }
    if let Some(why) = missing() {
        if in_ci() {
            let failed: Vec<(&str, String)> = selected
                .iter()
                .map(|(n, _)| {
                    (
                        *n,
                        format!("{why}; with CI=true a missing prerequisite fails"),
                    )
                })
                .collect();
            for (n, _) in &failed {
                println!("test {n} ... FAILED");
            }
            summary(0, &failed, 0);
        }
        for (n, _) in &selected {
            println!("test {n} ... ignored, {why}");
        }
        summary(0, &[], selected.len());
    }
    let server = match ApiServer::start() {
        Ok(s) => s,
        Err(why) => {
            let failed: Vec<(&str, String)> =
                selected.iter().map(|(n, _)| (*n, why.clone())).collect();
            for (n, _) in &failed {
                println!("test {n} ... FAILED");
            }
            summary(0, &failed, 0);
            unreachable!()
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = runtime
        .block_on(capiform_kube::connect(&capiform_kube::ConnectOptions {
            kubeconfig: Some(server.kubeconfig.clone()),
            context: None,
        }))
        .expect("the test API server answers");
    let ctx = Ctx {
        kubeconfig: server.kubeconfig.clone(),
        runtime,
        client,
    };
    install_flux_stand_ins(&ctx);
    let (mut passed, mut failed) = (0, Vec::new());
    for (name, run) in &selected {
        let t = Instant::now();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&ctx))) {
            Ok(()) => {
                passed += 1;
                println!("test {name} ... ok ({:.1} s)", t.elapsed().as_secs_f64());
            }
            Err(panic) => {
                println!("test {name} ... FAILED");
                let why = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "panicked".into());
                failed.push((*name, why));
            }
        }
    }
    drop(ctx);
    drop(server);
    summary(passed, &failed, 0);
}

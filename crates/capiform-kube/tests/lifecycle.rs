//! The release lifecycle against the API server test double: each scenario drives the
//! real kube client and asserts the exact requests and the final state.

use std::time::Duration;

use capiform_kube::testing::ApiServerDouble;
use capiform_kube::{
    ApplyOptions, Error, Outcome, Readiness, RecordMeta, Release, RetryPolicy, RevisionStatus,
    UninstallOptions,
};
use serde_json::{Value, json};

const NS: &str = "clusters";

/// A cluster as the renderer makes it, reduced to what the lifecycle looks at: node groups
/// `(name, template hash)` and addons.
fn cluster(node_groups: &[(&str, &str)], addons: &[&str]) -> Vec<Value> {
    let mut objects = vec![
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "demo-cloud-credentials"},
               "stringData": {"clouds.yaml": "clouds: {openstack: {auth: {application_credential_secret: s3cr3t}}}"}}),
        json!({"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1", "kind": "OpenStackCluster",
               "metadata": {"name": "demo"},
               "spec": {"identityRef": {"name": "demo-cloud-credentials", "cloudName": "openstack"}}}),
        json!({"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1", "kind": "OpenStackMachineTemplate",
               "metadata": {"name": "demo-control-plane-aaaa"}, "spec": {"template": {"spec": {"flavor": "small"}}}}),
        json!({"apiVersion": "controlplane.cluster.x-k8s.io/v1beta1", "kind": "KubeadmControlPlane",
               "metadata": {"name": "demo-control-plane"},
               "spec": {"replicas": 3, "version": "v1.31.4", "machineTemplate": {"infrastructureRef": {
                   "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1", "kind": "OpenStackMachineTemplate",
                   "name": "demo-control-plane-aaaa"}}}}),
        json!({"apiVersion": "cluster.x-k8s.io/v1beta1", "kind": "Cluster", "metadata": {"name": "demo"},
               "spec": {"controlPlaneRef": {"kind": "KubeadmControlPlane", "name": "demo-control-plane"},
                        "infrastructureRef": {"kind": "OpenStackCluster", "name": "demo"}}}),
    ];
    for (ng, hash) in node_groups {
        let template = format!("demo-{ng}-{hash}");
        objects.push(json!({"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1", "kind": "OpenStackMachineTemplate",
            "metadata": {"name": template}, "spec": {"template": {"spec": {"flavor": hash}}}}));
        objects.push(json!({"apiVersion": "bootstrap.cluster.x-k8s.io/v1beta1", "kind": "KubeadmConfigTemplate",
            "metadata": {"name": template}, "spec": {"template": {"spec": {}}}}));
        objects.push(
            json!({"apiVersion": "cluster.x-k8s.io/v1beta1", "kind": "MachineDeployment",
            "metadata": {"name": format!("demo-{ng}")},
            "spec": {"clusterName": "demo", "replicas": 2, "template": {"spec": {
                "bootstrap": {"configRef": {"kind": "KubeadmConfigTemplate", "name": template}},
                "infrastructureRef": {"kind": "OpenStackMachineTemplate", "name": template}}}}}),
        );
        objects.push(
            json!({"apiVersion": "cluster.x-k8s.io/v1beta1", "kind": "MachineHealthCheck",
            "metadata": {"name": format!("demo-{ng}")}, "spec": {"clusterName": "demo"}}),
        );
    }
    for addon in addons {
        objects.push(json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": format!("demo-{addon}-config")}, "stringData": {"values": "{}"}}));
        objects.push(
            json!({"apiVersion": "addons.stackhpc.com/v1alpha1", "kind": "HelmRelease",
            "metadata": {"name": format!("demo-{addon}")}, "spec": {"clusterName": "demo"}}),
        );
    }
    objects
}

fn meta(values: Value) -> RecordMeta {
    RecordMeta::new("0.1.0", "openstack-cluster@1.0.0", values)
}

/// One request at a time, so that the recorded order is the apply order.
fn sequential() -> ApplyOptions {
    ApplyOptions {
        concurrency: 1,
        ..Default::default()
    }
}

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(4),
        max_elapsed: Duration::from_secs(5),
    }
}

fn release(api: &ApiServerDouble) -> Release {
    Release::new(api.client(), "demo", NS).with_retry(fast_retry())
}

const SEC: &str = "/api/v1/namespaces/clusters/secrets";
const OSC: &str =
    "/apis/infrastructure.cluster.x-k8s.io/v1beta1/namespaces/clusters/openstackclusters";
const OSMT: &str =
    "/apis/infrastructure.cluster.x-k8s.io/v1beta1/namespaces/clusters/openstackmachinetemplates";
const KCT: &str =
    "/apis/bootstrap.cluster.x-k8s.io/v1beta1/namespaces/clusters/kubeadmconfigtemplates";
const KCP: &str =
    "/apis/controlplane.cluster.x-k8s.io/v1beta1/namespaces/clusters/kubeadmcontrolplanes";
const CL: &str = "/apis/cluster.x-k8s.io/v1beta1/namespaces/clusters/clusters";
const MD: &str = "/apis/cluster.x-k8s.io/v1beta1/namespaces/clusters/machinedeployments";
const MS: &str = "/apis/cluster.x-k8s.io/v1beta1/namespaces/clusters/machinesets";
const MA: &str = "/apis/cluster.x-k8s.io/v1beta1/namespaces/clusters/machines";
const MHC: &str = "/apis/cluster.x-k8s.io/v1beta1/namespaces/clusters/machinehealthchecks";
const HR: &str = "/apis/addons.stackhpc.com/v1alpha1/namespaces/clusters/helmreleases";

fn id() -> String {
    capiform_kube::applyset::applyset_id("capiform-release-demo", NS, "Secret", "")
}

fn selector() -> String {
    format!("labelSelector=applyset.kubernetes.io/part-of={}", id())
}

/// The apply requests of the objects of `cluster(&[("md-0", "1111")], &["cni"])`, in
/// stage order then kind and name, with `query`.
fn applies(query: &str) -> Vec<String> {
    [
        format!("{SEC}/demo-cloud-credentials"),
        format!("{SEC}/demo-cni-config"),
        format!("{KCT}/demo-md-0-1111"),
        format!("{OSC}/demo"),
        format!("{OSMT}/demo-control-plane-aaaa"),
        format!("{OSMT}/demo-md-0-1111"),
        format!("{KCP}/demo-control-plane"),
        format!("{CL}/demo"),
        format!("{MD}/demo-md-0"),
        format!("{MHC}/demo-md-0"),
        format!("{HR}/demo-cni"),
    ]
    .into_iter()
    .map(|p| format!("PATCH {p}{query}"))
    .collect()
}

/// The LISTs of the set's members before an apply (what changed is judged against them,
/// prune deletes those no longer rendered) over the group-kinds of
/// `cluster(.., &["cni"])`, in the order of the sorted group-kinds.
fn prune_lists() -> Vec<String> {
    let s = selector();
    vec![
        format!("GET {CL}?{s}"),
        format!("GET {HR}?{s}"),
        format!("GET {KCT}?{s}"),
        format!("GET {KCP}?{s}"),
        format!("GET {MD}?{s}"),
        format!("GET {MHC}?{s}"),
        format!("GET {OSC}?{s}"),
        format!("GET {OSMT}?{s}"),
        format!("GET {SEC}?{s}"),
    ]
}

#[tokio::test]
async fn fresh_install_dry_runs_everything_then_applies_in_stage_order() {
    let api = ApiServerDouble::new();
    let report = release(&api)
        .apply(
            cluster(&[("md-0", "1111")], &["cni"]),
            meta(json!({"a": 1})),
            &sequential(),
        )
        .await
        .unwrap();
    assert_eq!(report.revision, 1);
    assert!(report.applied.iter().all(|a| a.outcome == Outcome::Created));
    assert!(report.pruned.is_empty());

    let mut expected = vec![format!("GET {SEC}/capiform-release-demo")];
    expected.extend(applies("?dryRun=All"));
    expected.push(format!("PATCH {SEC}/capiform-release-demo?force=true"));
    expected.extend(prune_lists());
    expected.extend(applies(""));
    expected.push(format!("PATCH {SEC}/capiform-release-demo?force=true"));
    assert_eq!(api.lines(), expected);

    // Every request is a server-side apply by capiform.
    for r in api.requests().iter().filter(|r| r.method == "PATCH") {
        assert_eq!(r.content_type, "application/apply-patch+yaml");
        assert!(
            r.query
                .contains(&("fieldManager".into(), "capiform".into()))
        );
    }
    // Members carry the part-of label; the parent its id, tooling and group-kinds.
    let md = api.object("machinedeployments", "demo-md-0").unwrap();
    assert_eq!(
        md["metadata"]["labels"]["applyset.kubernetes.io/part-of"],
        id()
    );
    assert_eq!(md["metadata"]["namespace"], NS);
    let parent = api.object("secrets", "capiform-release-demo").unwrap();
    assert_eq!(
        parent["metadata"]["labels"]["applyset.kubernetes.io/id"],
        id()
    );
    assert_eq!(
        parent["metadata"]["annotations"]["applyset.kubernetes.io/tooling"],
        format!("capiform/v{}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(
        parent["metadata"]["annotations"]["applyset.kubernetes.io/contains-group-kinds"],
        "Cluster.cluster.x-k8s.io,HelmRelease.addons.stackhpc.com,KubeadmConfigTemplate.bootstrap.cluster.x-k8s.io,\
KubeadmControlPlane.controlplane.cluster.x-k8s.io,MachineDeployment.cluster.x-k8s.io,\
MachineHealthCheck.cluster.x-k8s.io,OpenStackCluster.infrastructure.cluster.x-k8s.io,\
OpenStackMachineTemplate.infrastructure.cluster.x-k8s.io,Secret"
    );
    assert_eq!(
        parent["metadata"]["annotations"]["capiform.dev/revision"],
        "1"
    );
    assert_eq!(api.inventory().len(), 12);
}

#[tokio::test]
async fn concurrent_stages_keep_the_stage_order() {
    let api = ApiServerDouble::new();
    release(&api)
        .apply(
            cluster(&[("md-0", "1111")], &["cni"]),
            meta(json!({})),
            &ApplyOptions::default(),
        )
        .await
        .unwrap();
    // The stages of the objects in `applies`' order.
    use capiform_kube::Stage::*;
    let stages = [
        Secrets,
        Secrets,
        Infrastructure,
        Infrastructure,
        Infrastructure,
        Infrastructure,
        ControlPlane,
        Cluster,
        Workers,
        Workers,
        Addons,
    ];
    let expected = applies("");
    let lines = api.lines();
    let sent: Vec<usize> = lines
        .iter()
        .filter_map(|l| expected.iter().position(|e| e == l))
        .collect();
    // Every object once; within a stage in any order, across stages in stage order.
    let mut all = sent.clone();
    all.sort();
    assert_eq!(all, (0..expected.len()).collect::<Vec<_>>());
    let sent_stages: Vec<_> = sent.iter().map(|i| stages[*i]).collect();
    assert!(
        sent_stages.windows(2).all(|w| w[0] <= w[1]),
        "{sent_stages:?}"
    );
    // Every dry run before the first write.
    let first_write = lines
        .iter()
        .position(|l| l.starts_with("PATCH") && !l.contains("dryRun"))
        .unwrap();
    assert_eq!(
        lines[..first_write]
            .iter()
            .filter(|l| l.contains("dryRun=All"))
            .count(),
        11
    );
}

#[tokio::test]
async fn reapply_without_change_writes_only_the_patches_and_the_record() {
    let api = ApiServerDouble::new();
    let rel = release(&api);
    let objects = cluster(&[("md-0", "1111")], &["cni"]);
    rel.apply(objects.clone(), meta(json!({})), &sequential())
        .await
        .unwrap();
    let before = api.inventory();
    let md_rv =
        api.object("machinedeployments", "demo-md-0").unwrap()["metadata"]["resourceVersion"]
            .clone();
    api.clear_requests();

    let report = rel
        .apply(objects, meta(json!({})), &sequential())
        .await
        .unwrap();
    assert_eq!(report.revision, 2);
    assert!(
        report
            .applied
            .iter()
            .all(|a| a.outcome == Outcome::Unchanged),
        "{report:?}"
    );
    assert!(report.pruned.is_empty());
    let mut expected = vec![format!("GET {SEC}/capiform-release-demo")];
    expected.extend(applies("?dryRun=All"));
    expected.push(format!("PATCH {SEC}/capiform-release-demo?force=true"));
    expected.extend(prune_lists());
    expected.extend(applies(""));
    expected.push(format!("PATCH {SEC}/capiform-release-demo?force=true"));
    assert_eq!(api.lines(), expected);
    assert!(
        !api.requests()
            .iter()
            .any(|r| r.method == "DELETE" || r.method == "POST")
    );
    assert_eq!(api.inventory(), before);
    assert_eq!(
        api.object("machinedeployments", "demo-md-0").unwrap()["metadata"]["resourceVersion"],
        md_rv
    );
    let history = rel.history().await.unwrap();
    assert_eq!(
        history
            .iter()
            .map(|r| (r.revision, r.status))
            .collect::<Vec<_>>(),
        [
            (1, RevisionStatus::Superseded),
            (2, RevisionStatus::Deployed)
        ]
    );
}

#[tokio::test]
async fn node_group_added_removed_and_changed() {
    let api = ApiServerDouble::new();
    let rel = release(&api);
    rel.apply(
        cluster(&[("md-0", "1111"), ("md-1", "2222")], &[]),
        meta(json!({})),
        &sequential(),
    )
    .await
    .unwrap();

    // md-1 removed, md-0's templates renamed (flavor change), md-2 added. Cluster API
    // still has md-0's old MachineSet referencing the old templates.
    api.insert(json!({"apiVersion": "cluster.x-k8s.io/v1beta1", "kind": "MachineSet",
        "metadata": {"name": "demo-md-0-abcde", "namespace": NS},
        "spec": {"template": {"spec": {
            "bootstrap": {"configRef": {"kind": "KubeadmConfigTemplate", "name": "demo-md-0-1111"}},
            "infrastructureRef": {"kind": "OpenStackMachineTemplate", "name": "demo-md-0-1111"}}}}}));
    api.clear_requests();
    let report = rel
        .apply(
            cluster(&[("md-0", "3333"), ("md-2", "4444")], &[]),
            meta(json!({})),
            &sequential(),
        )
        .await
        .unwrap();
    let pruned: Vec<String> = report.pruned.iter().map(ToString::to_string).collect();
    assert_eq!(
        pruned,
        [
            "MachineDeployment/demo-md-1",
            "MachineHealthCheck/demo-md-1",
            "KubeadmConfigTemplate/demo-md-1-2222",
            "OpenStackMachineTemplate/demo-md-1-2222",
        ]
    );
    let kept: Vec<String> = report.kept.iter().map(ToString::to_string).collect();
    assert_eq!(
        kept,
        [
            "KubeadmConfigTemplate/demo-md-0-1111",
            "OpenStackMachineTemplate/demo-md-0-1111"
        ]
    );
    let deletes: Vec<String> = api
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("DELETE"))
        .collect();
    assert_eq!(
        deletes,
        [
            format!("DELETE {MD}/demo-md-1"),
            format!("DELETE {MHC}/demo-md-1"),
            format!("DELETE {KCT}/demo-md-1-2222"),
            format!("DELETE {OSMT}/demo-md-1-2222"),
        ]
    );
    // The reference check lists what may use a template.
    let lines = api.lines();
    for path in [MD, MS, MA, KCP] {
        assert!(lines.contains(&format!("GET {path}")), "{path}");
    }
    assert_eq!(
        api.names("openstackmachinetemplates"),
        [
            "demo-control-plane-aaaa",
            "demo-md-0-1111",
            "demo-md-0-3333",
            "demo-md-2-4444"
        ]
    );
    assert_eq!(api.names("machinedeployments"), ["demo-md-0", "demo-md-2"]);

    // Once the MachineSet is gone, the next apply prunes the old templates.
    api.remove("machinesets", "demo-md-0-abcde");
    let report = rel
        .apply(
            cluster(&[("md-0", "3333"), ("md-2", "4444")], &[]),
            meta(json!({})),
            &sequential(),
        )
        .await
        .unwrap();
    let pruned: Vec<String> = report.pruned.iter().map(ToString::to_string).collect();
    assert_eq!(
        pruned,
        [
            "KubeadmConfigTemplate/demo-md-0-1111",
            "OpenStackMachineTemplate/demo-md-0-1111"
        ]
    );
    assert!(report.kept.is_empty());
    assert_eq!(
        api.names("openstackmachinetemplates"),
        [
            "demo-control-plane-aaaa",
            "demo-md-0-3333",
            "demo-md-2-4444"
        ]
    );
}

#[tokio::test]
async fn disabled_addon_is_pruned_and_nothing_else() {
    let api = ApiServerDouble::new();
    let rel = release(&api);
    rel.apply(
        cluster(&[("md-0", "1111")], &["cni", "monitoring"]),
        meta(json!({})),
        &sequential(),
    )
    .await
    .unwrap();
    // An object of the same kind that is not part of the set must survive.
    api.insert(
        json!({"apiVersion": "addons.stackhpc.com/v1alpha1", "kind": "HelmRelease",
        "metadata": {"name": "someone-elses", "namespace": NS}}),
    );
    api.insert(json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "other-set-member", "namespace": NS,
                     "labels": {"applyset.kubernetes.io/part-of": "applyset-other-v1"}}}));
    let report = rel
        .apply(
            cluster(&[("md-0", "1111")], &["cni"]),
            meta(json!({})),
            &sequential(),
        )
        .await
        .unwrap();
    let pruned: Vec<String> = report.pruned.iter().map(ToString::to_string).collect();
    assert_eq!(
        pruned,
        [
            "HelmRelease/demo-monitoring",
            "Secret/demo-monitoring-config"
        ]
    );
    assert_eq!(api.names("helmreleases"), ["demo-cni", "someone-elses"]);
    assert!(api.object("secrets", "other-set-member").is_some());
}

#[tokio::test]
async fn an_object_being_deleted_is_awaited_then_created_anew() {
    let api = ApiServerDouble::new();
    // A pruned MachineDeployment stays, terminating, while Cluster API deletes its
    // MachineSets.
    api.deletion_polls("machinedeployments", 2);
    let rel = release(&api);
    let two = || cluster(&[("md-0", "1111"), ("md-1", "2222")], &[]);
    rel.apply(two(), meta(json!({})), &sequential())
        .await
        .unwrap();
    let report = rel
        .apply(
            cluster(&[("md-0", "1111")], &[]),
            meta(json!({})),
            &sequential(),
        )
        .await
        .unwrap();
    assert!(
        report
            .pruned
            .iter()
            .any(|r| r.to_string() == "MachineDeployment/demo-md-1")
    );
    let md1 = api.object("machinedeployments", "demo-md-1").unwrap();
    assert!(md1["metadata"]["deletionTimestamp"].is_string());

    // Back to two groups (a rollback does this) while md-1 is still being deleted.
    api.clear_requests();
    let report = rel
        .apply(two(), meta(json!({})), &sequential())
        .await
        .unwrap();
    let md1_outcome = report
        .applied
        .iter()
        .find(|a| a.object.to_string() == "MachineDeployment/demo-md-1")
        .unwrap()
        .outcome;
    assert_eq!(md1_outcome, Outcome::Created);
    let md1 = api.object("machinedeployments", "demo-md-1").unwrap();
    assert!(md1["metadata"].get("deletionTimestamp").is_none(), "{md1}");
    // Its dry run, GETs until it was gone (two polls find it), then its apply.
    let lines: Vec<String> = api
        .lines()
        .into_iter()
        .filter(|l| l.contains("/machinedeployments/demo-md-1"))
        .collect();
    assert_eq!(
        lines,
        [
            format!("PATCH {MD}/demo-md-1?dryRun=All"),
            format!("GET {MD}/demo-md-1"),
            format!("GET {MD}/demo-md-1"),
            format!("GET {MD}/demo-md-1"),
            format!("PATCH {MD}/demo-md-1"),
        ]
    );
}

#[tokio::test]
async fn dry_run_refusal_applies_nothing() {
    let api = ApiServerDouble::new();
    api.refuse(
        "openstackmachinetemplates",
        "demo-md-0-1111",
        400,
        "admission webhook \"validation.openstackmachinetemplate.infrastructure.cluster.x-k8s.io\" denied the request: spec.template.spec: Forbidden: cannot be modified",
    );
    api.refuse("kubeadmcontrolplanes", "demo-control-plane", 422, "KubeadmControlPlane.controlplane.cluster.x-k8s.io \"demo-control-plane\" is invalid: spec.replicas: Invalid value: 2");
    let err = release(&api)
        .apply(
            cluster(&[("md-0", "1111")], &["cni"]),
            meta(json!({})),
            &sequential(),
        )
        .await
        .unwrap_err();
    let Error::DryRunRefused(refusals) = &err else {
        panic!("{err}")
    };
    assert_eq!(refusals.len(), 2);
    assert_eq!(
        refusals[0].object.to_string(),
        "OpenStackMachineTemplate/demo-md-0-1111"
    );
    assert_eq!(refusals[0].code, 400);
    assert_eq!(
        refusals[1].object.to_string(),
        "KubeadmControlPlane/demo-control-plane"
    );
    let text = err.to_string();
    assert!(text.contains("nothing was applied"), "{text}");
    assert!(text.contains("denied the request"), "{text}");
    assert!(
        api.requests().iter().all(|r| !r.is_write()),
        "{:?}",
        api.lines()
    );
    assert!(api.inventory().is_empty());
}

#[tokio::test]
async fn conflict_is_reported_with_manager_and_field_then_forced() {
    let api = ApiServerDouble::new();
    let rel = release(&api);
    rel.apply(
        cluster(&[("md-0", "1111")], &[]),
        meta(json!({})),
        &sequential(),
    )
    .await
    .unwrap();
    api.set_owned_field(
        "machinedeployments",
        "demo-md-0",
        "/spec/replicas",
        json!(5),
        "kubectl-edit",
    );
    api.clear_requests();

    let err = rel
        .apply(
            cluster(&[("md-0", "1111")], &[]),
            meta(json!({})),
            &sequential(),
        )
        .await
        .unwrap_err();
    let Error::Conflict { object, conflicts } = &err else {
        panic!("{err}")
    };
    assert_eq!(object.to_string(), "MachineDeployment/demo-md-0");
    assert_eq!(conflicts[0].manager, "kubectl-edit");
    assert_eq!(conflicts[0].field, ".spec.replicas");
    assert!(err.to_string().contains("--force-conflicts"));
    assert!(api.requests().iter().all(|r| !r.is_write()));

    let forced = ApplyOptions {
        force_conflicts: true,
        ..sequential()
    };
    let report = rel
        .apply(cluster(&[("md-0", "1111")], &[]), meta(json!({})), &forced)
        .await
        .unwrap();
    assert_eq!(report.revision, 2);
    assert!(
        api.lines()
            .iter()
            .any(|l| *l == format!("PATCH {MD}/demo-md-0?force=true"))
    );
    assert_eq!(
        api.object("machinedeployments", "demo-md-0").unwrap()["spec"]["replicas"],
        2
    );
}

#[tokio::test]
async fn throttling_and_dropped_connections_are_retried() {
    let api = ApiServerDouble::new();
    api.fail("PATCH", "/clusters/demo", 429, 2);
    api.fail("PATCH", "/machinedeployments/demo-md-0", 503, 1);
    api.drop_connections(1);
    let report = release(&api)
        .apply(
            cluster(&[("md-0", "1111")], &[]),
            meta(json!({})),
            &sequential(),
        )
        .await
        .unwrap();
    assert_eq!(report.revision, 1);
    let lines = api.lines();
    // The first request (the parent GET) was dropped and sent again.
    assert_eq!(lines[0], lines[1]);
    let cluster_dry = format!("PATCH {CL}/demo?dryRun=All");
    assert_eq!(lines.iter().filter(|l| **l == cluster_dry).count(), 3);
    assert!(api.object("clusters", "demo").is_some());
}

#[tokio::test]
async fn a_server_that_never_answers_is_a_clear_error() {
    let api = ApiServerDouble::new();
    api.fail("GET", "/", 503, 100);
    let err = release(&api)
        .apply(
            cluster(&[("md-0", "1111")], &[]),
            meta(json!({})),
            &sequential(),
        )
        .await
        .unwrap_err();
    assert!(err.is_unavailable());
    let text = err.to_string();
    assert!(
        text.contains("GET Secret/capiform-release-demo after 4 attempt(s)"),
        "{text}"
    );
    assert_eq!(api.requests().len(), 4);
}

#[tokio::test]
async fn invalid_objects_are_refused_before_any_request() {
    let api = ApiServerDouble::new();
    let rel = release(&api);
    let err = rel
        .apply(vec![json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x", "namespace": "other"}})], meta(json!({})), &sequential())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "object #0 cannot be applied: Secret/x is in namespace other, the release in clusters"
    );
    let err = rel
        .apply(
            vec![json!({"kind": "Secret"})],
            meta(json!({})),
            &sequential(),
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("needs apiVersion, kind and metadata.name")
    );
    assert_eq!(
        api.lines(),
        [
            format!("GET {SEC}/capiform-release-demo"),
            format!("GET {SEC}/capiform-release-demo")
        ]
    );
}

#[tokio::test]
async fn uninstall_deletes_the_cluster_first_waits_and_the_credentials_last() {
    let api = ApiServerDouble::new();
    let rel = release(&api);
    rel.apply(
        cluster(&[("md-0", "1111")], &["cni"]),
        meta(json!({})),
        &sequential(),
    )
    .await
    .unwrap();
    rel.ensure_etcd_key().await.unwrap();
    api.deletion_polls("clusters", 3);
    api.clear_requests();
    let mut progress = Vec::new();
    let opts = UninstallOptions {
        poll_interval: Duration::from_millis(1),
        ..Default::default()
    };
    let report = rel
        .uninstall(&opts, &mut |line: &str| progress.push(line.to_owned()))
        .await
        .unwrap();
    assert!(report.complete);
    let deleted: Vec<String> = report.deleted.iter().map(ToString::to_string).collect();
    assert_eq!(
        deleted,
        [
            "Cluster/demo",
            "HelmRelease/demo-cni",
            "MachineDeployment/demo-md-0",
            "MachineHealthCheck/demo-md-0",
            "KubeadmControlPlane/demo-control-plane",
            "KubeadmConfigTemplate/demo-md-0-1111",
            "OpenStackCluster/demo",
            "OpenStackMachineTemplate/demo-control-plane-aaaa",
            "OpenStackMachineTemplate/demo-md-0-1111",
            "Secret/demo-cni-config",
            "Secret/demo-cloud-credentials",
            "Secret/demo-etcd-key",
            "Secret/capiform-release-demo",
        ]
    );
    // The Cluster was polled until it was gone before anything else was deleted.
    let lines = api.lines();
    let cluster_delete = lines
        .iter()
        .position(|l| *l == format!("DELETE {CL}/demo"))
        .unwrap();
    let next_delete = lines
        .iter()
        .skip(cluster_delete + 1)
        .position(|l| l.starts_with("DELETE"))
        .unwrap()
        + cluster_delete
        + 1;
    let polls = lines[cluster_delete + 1..next_delete]
        .iter()
        .filter(|l| **l == format!("GET {CL}/demo"))
        .count();
    assert_eq!(polls, 4, "{lines:#?}");
    assert!(
        progress.iter().any(|p| p == "Cluster/demo is gone"),
        "{progress:?}"
    );
    assert!(api.inventory().is_empty(), "{:?}", api.inventory());
}

#[tokio::test]
async fn uninstall_without_wait_leaves_the_rest_while_the_cluster_is_deleted() {
    let api = ApiServerDouble::new();
    let rel = release(&api);
    rel.apply(
        cluster(&[("md-0", "1111")], &[]),
        meta(json!({})),
        &sequential(),
    )
    .await
    .unwrap();
    api.deletion_polls("clusters", 2);
    let opts = UninstallOptions {
        wait: false,
        ..Default::default()
    };
    let report = rel.uninstall(&opts, &mut |_: &str| {}).await.unwrap();
    assert!(!report.complete);
    assert_eq!(
        report
            .deleted
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["Cluster/demo"]
    );
    assert!(api.object("secrets", "demo-cloud-credentials").is_some());
    // Called again once Cluster API has deleted the Cluster, it finishes.
    api.remove("clusters", "demo");
    let report = rel.uninstall(&opts, &mut |_: &str| {}).await.unwrap();
    assert!(report.complete);
    assert_eq!(
        report.deleted.first().unwrap().to_string(),
        "MachineDeployment/demo-md-0"
    );
    assert!(api.inventory().is_empty(), "{:?}", api.inventory());
}

#[tokio::test]
async fn the_etcd_key_is_created_once_and_never_replaced() {
    let api = ApiServerDouble::new();
    let rel = release(&api);
    assert!(rel.read_existing().await.unwrap().is_empty());
    let (secret, created) = rel.ensure_etcd_key().await.unwrap();
    assert!(created);
    let key = secret["data"]["key"].as_str().unwrap().to_owned();
    use base64::Engine;
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(&key)
            .unwrap()
            .len(),
        32
    );
    let (again, created) = rel.ensure_etcd_key().await.unwrap();
    assert!(!created);
    assert_eq!(again["data"]["key"], key);
    assert_eq!(rel.read_existing().await.unwrap()[0]["data"]["key"], key);
    assert_eq!(
        api.lines(),
        [
            format!("GET {SEC}/demo-etcd-key"),
            format!("GET {SEC}/demo-etcd-key"),
            format!("POST {SEC}"),
            format!("GET {SEC}/demo-etcd-key"),
            format!("GET {SEC}/demo-etcd-key"),
        ]
    );
}

#[tokio::test]
async fn history_values_and_bounded_revisions() {
    let api = ApiServerDouble::new();
    let rel = release(&api);
    let opts = ApplyOptions {
        max_revisions: 3,
        ..sequential()
    };
    for i in 1..=5 {
        rel.apply(
            cluster(&[("md-0", "1111")], &[]),
            meta(json!({"round": i})),
            &opts,
        )
        .await
        .unwrap();
    }
    let history = rel.history().await.unwrap();
    assert_eq!(
        history.iter().map(|r| r.revision).collect::<Vec<_>>(),
        [3, 4, 5]
    );
    assert_eq!(rel.values(None).await.unwrap(), json!({"round": 5}));
    assert_eq!(rel.values(Some(4)).await.unwrap(), json!({"round": 4}));
    let err = rel.values(Some(1)).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "release demo has no revision 1 (kept: 3, 4, 5)"
    );
    let parent = api.object("secrets", "capiform-release-demo").unwrap();
    let keys: Vec<&String> = parent["data"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["revision-3", "revision-4", "revision-5"]);

    // Rollback: the old revision's values and template set, applied as a new revision.
    let old = rel.record(Some(3)).await.unwrap();
    let rollback = RecordMeta::rollback_to(&old, "0.1.0");
    let report = rel
        .apply(cluster(&[("md-0", "1111")], &[]), rollback, &opts)
        .await
        .unwrap();
    assert_eq!(report.revision, 6);
    let latest = rel.record(None).await.unwrap();
    assert_eq!(latest.values, json!({"round": 3}));
    assert_eq!(latest.description, "rollback to 3");
}

#[tokio::test]
async fn unknown_release_is_reported() {
    let api = ApiServerDouble::new();
    let err = release(&api).history().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "release demo not found in namespace clusters"
    );
}

#[tokio::test]
async fn a_parent_of_another_tool_is_left_alone() {
    let api = ApiServerDouble::new();
    api.insert(
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "capiform-release-demo",
        "namespace": NS, "annotations": {"applyset.kubernetes.io/tooling": "kubectl/v1.31"}}}),
    );
    let err = release(&api)
        .apply(cluster(&[], &[]), meta(json!({})), &sequential())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("another tool manages this set"),
        "{err}"
    );
    assert!(api.requests().iter().all(|r| !r.is_write()));
}

#[tokio::test]
async fn status_and_wait() {
    let api = ApiServerDouble::new();
    let rel = release(&api);
    rel.apply(
        cluster(&[("md-0", "1111")], &["cni"]),
        meta(json!({})),
        &sequential(),
    )
    .await
    .unwrap();
    let s = rel.status().await.unwrap();
    assert_eq!(
        s.readiness,
        Readiness::Progressing("Cluster demo is not Ready".into())
    );
    api.set_status(
        "clusters",
        "demo",
        json!({"phase": "Provisioned", "conditions": [{"type": "Ready", "status": "True"}]}),
    );
    // The spec has not been seen by the controllers yet: a `--wait` right after an apply
    // must not take the previous rollout's ready machines for the new one.
    api.set_status(
        "kubeadmcontrolplanes",
        "demo-control-plane",
        json!({"readyReplicas": 3, "updatedReplicas": 3, "version": "v1.31.4"}),
    );
    let s = rel.status().await.unwrap();
    assert_eq!(
        s.readiness,
        Readiness::Progressing(
            "KubeadmControlPlane demo-control-plane: the controller has not seen the latest spec yet".into()
        )
    );
    api.set_status(
        "kubeadmcontrolplanes",
        "demo-control-plane",
        json!({"observedGeneration": 1, "readyReplicas": 3, "updatedReplicas": 2, "version": "v1.31.4"}),
    );
    let s = rel.status().await.unwrap();
    assert_eq!(
        s.readiness,
        Readiness::Progressing(
            "KubeadmControlPlane demo-control-plane: 3/3 ready, 2/3 up to date".into()
        )
    );
    api.set_status(
        "kubeadmcontrolplanes",
        "demo-control-plane",
        json!({"observedGeneration": 1, "readyReplicas": 3, "updatedReplicas": 3, "version": "v1.30.9"}),
    );
    let s = rel.status().await.unwrap();
    assert_eq!(
        s.readiness,
        Readiness::Progressing(
            "KubeadmControlPlane demo-control-plane: at version v1.30.9, upgrading to v1.31.4"
                .into()
        )
    );
    api.set_status(
        "kubeadmcontrolplanes",
        "demo-control-plane",
        json!({"observedGeneration": 1, "readyReplicas": 3, "updatedReplicas": 3, "version": "v1.31.4"}),
    );
    api.set_status(
        "machinedeployments",
        "demo-md-0",
        json!({"observedGeneration": 1, "readyReplicas": 2, "updatedReplicas": 2, "phase": "Running"}),
    );
    let s = rel.status().await.unwrap();
    assert_eq!(
        s.readiness,
        Readiness::Progressing("HelmRelease demo-cni: no phase yet".into())
    );
    api.set_status("helmreleases", "demo-cni", json!({"phase": "Deployed"}));
    let mut seen = Vec::new();
    let s = rel
        .wait_ready(Duration::from_secs(5), Duration::from_millis(1), &mut |s| {
            seen.push(s.readiness.clone())
        })
        .await
        .unwrap();
    assert_eq!(s.readiness, Readiness::Ready);
    assert_eq!(seen, [Readiness::Ready]);
    let table = s.table();
    assert!(table.contains("STATUS  Ready"), "{table}");
    assert!(table.contains("demo-md-0"), "{table}");
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["readiness"], json!({"state": "ready"}));
    assert_eq!(json["controlPlane"]["ready"], 3);

    api.set_status("helmreleases", "demo-cni", json!({"phase": "Failed"}));
    let err = rel
        .wait_ready(
            Duration::from_secs(5),
            Duration::from_millis(1),
            &mut |_| {},
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "release failed: HelmRelease demo-cni is in phase Failed"
    );
}

#[tokio::test]
async fn secrets_never_reach_logs_or_errors() {
    // The credentials' content appears in no error, even of a refused Secret.
    let api = ApiServerDouble::new();
    api.refuse(
        "secrets",
        "demo-cloud-credentials",
        422,
        "Secret \"demo-cloud-credentials\" is invalid: data: Too long",
    );
    let err = release(&api)
        .apply(
            cluster(&[("md-0", "1111")], &[]),
            meta(json!({})),
            &sequential(),
        )
        .await
        .unwrap_err();
    assert!(!format!("{err} {err:?}").contains("s3cr3t"));
}

#[tokio::test]
async fn secrets_are_applied_as_data_and_a_dropped_key_goes() {
    let api = ApiServerDouble::new();
    let rel = release(&api);
    let mut objects = cluster(&[("md-0", "1111")], &["cni"]);
    let config = objects
        .iter_mut()
        .find(|o| o["metadata"]["name"] == "demo-cni-config")
        .unwrap();
    config["stringData"] = json!({"values": "{}", "extra": "x"});
    rel.apply(objects, meta(json!({})), &sequential())
        .await
        .unwrap();
    // Sent as data: the field manager owns data.values and data.extra.
    let sent = api
        .requests()
        .into_iter()
        .find(|r| !r.is_dry_run() && r.path.ends_with("/secrets/demo-cni-config"))
        .unwrap();
    let body = sent.body.unwrap();
    assert!(body.get("stringData").is_none(), "{body}");
    assert_eq!(body["data"], json!({"values": "e30=", "extra": "eA=="}));

    rel.apply(
        cluster(&[("md-0", "1111")], &["cni"]),
        meta(json!({})),
        &sequential(),
    )
    .await
    .unwrap();
    let live = api.object("secrets", "demo-cni-config").unwrap();
    assert_eq!(live["data"], json!({"values": "e30="}), "{live}");
    assert!(live.get("stringData").is_none());
}

#[tokio::test]
async fn a_kind_no_longer_served_at_its_version_is_read_at_the_served_one() {
    let api = ApiServerDouble::new();
    api.deletion_polls("clusters", 1);
    let rel = release(&api);
    rel.apply(
        cluster(&[("md-0", "1111"), ("md-1", "2222")], &[]),
        meta(json!({})),
        &sequential(),
    )
    .await
    .unwrap();
    // Cluster API upgraded: v1beta1 is no longer served.
    api.serve_only("cluster.x-k8s.io", "v1beta2");
    api.clear_requests();
    let status = rel.status().await.unwrap();
    assert_eq!(status.machine_deployments.len(), 2, "{status:?}");
    assert!(status.cluster.is_some());

    // Prune finds md-1's MachineDeployment at v1beta2 (and deletes it there); the
    // new render still says v1beta1 for the MachineDeployment it keeps, which the
    // double refuses like the API server would: give the new version.
    let mut objects = cluster(&[("md-0", "1111")], &[]);
    for o in &mut objects {
        if o["apiVersion"] == "cluster.x-k8s.io/v1beta1" {
            o["apiVersion"] = json!("cluster.x-k8s.io/v1beta2");
        }
    }
    let report = rel
        .apply(objects, meta(json!({})), &sequential())
        .await
        .unwrap();
    let pruned: Vec<String> = report.pruned.iter().map(ToString::to_string).collect();
    assert!(
        pruned.contains(&"MachineDeployment/demo-md-1".to_string()),
        "{pruned:?}"
    );
    assert!(api.names("machinedeployments") == ["demo-md-0"]);

    let report = rel
        .uninstall(
            &UninstallOptions {
                poll_interval: Duration::from_millis(1),
                ..Default::default()
            },
            &mut |_| {},
        )
        .await
        .unwrap();
    assert!(report.complete);
    assert!(api.inventory().is_empty(), "{:?}", api.inventory());
}

#[tokio::test]
async fn a_kind_its_group_does_not_serve_is_an_error_not_an_empty_list() {
    let api = ApiServerDouble::new();
    let rel = release(&api);
    rel.apply(
        cluster(&[("md-0", "1111")], &[]),
        meta(json!({})),
        &sequential(),
    )
    .await
    .unwrap();
    // The group is served at v1beta1 only, and the record names v1beta1, yet the list
    // 404s: that is not an empty kind.
    api.serve_only("addons.stackhpc.com", "v1alpha1");
    api.fail("GET", "/machinedeployments", 404, 1);
    api.serve_only("cluster.x-k8s.io", "v1beta1");
    let err = rel
        .uninstall(&Default::default(), &mut |_| {})
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains(
            "does not serve MachineDeployment.cluster.x-k8s.io at cluster.x-k8s.io/v1beta1"
        ),
        "{err}"
    );
    assert!(
        api.names("machinedeployments") == ["demo-md-0"],
        "nothing deleted"
    );
    assert!(!api.names("secrets").is_empty(), "the record is kept");
}

#[tokio::test]
async fn a_machine_set_scaled_to_zero_keeps_no_template() {
    let api = ApiServerDouble::new();
    let rel = release(&api);
    rel.apply(
        cluster(&[("md-0", "1111")], &[]),
        meta(json!({})),
        &sequential(),
    )
    .await
    .unwrap();
    // The old MachineSet the MachineDeployment keeps as history: no replica, no machine.
    api.insert(
        json!({"apiVersion": "cluster.x-k8s.io/v1beta1", "kind": "MachineSet",
        "metadata": {"name": "demo-md-0-old", "namespace": NS},
        "spec": {"replicas": 0, "template": {"spec": {
            "bootstrap": {"configRef": {"kind": "KubeadmConfigTemplate", "name": "demo-md-0-1111"}},
            "infrastructureRef": {"kind": "OpenStackMachineTemplate", "name": "demo-md-0-1111"}}}},
        "status": {"replicas": 0}}),
    );
    let report = rel
        .apply(
            cluster(&[("md-0", "2222")], &[]),
            meta(json!({})),
            &sequential(),
        )
        .await
        .unwrap();
    assert!(report.kept.is_empty(), "{:?}", report.kept);
    assert_eq!(
        api.names("openstackmachinetemplates").len(),
        2,
        "control plane and md-0's new one"
    );
}

#[tokio::test]
async fn taking_over_from_helm_leaves_capiform_the_only_manager() {
    let api = ApiServerDouble::new();
    let rel = release(&api);
    // helm install: every field owned by `helm`, Helm's ownership marks.
    for mut o in cluster(&[("md-0", "1111")], &[]) {
        o["metadata"]["namespace"] = json!(NS);
        o["metadata"]["labels"] = json!({"app.kubernetes.io/managed-by": "Helm"});
        o["metadata"]["annotations"] = json!({"meta.helm.sh/release-name": "demo",
            "meta.helm.sh/release-namespace": NS});
        if o["kind"] == "MachineDeployment" {
            o["spec"]["minReadySeconds"] = json!(5); // a field capiform does not render
        }
        api.insert_as(o, "helm");
    }
    let force = ApplyOptions {
        force_conflicts: true,
        ..sequential()
    };
    let report = rel
        .apply(cluster(&[("md-0", "1111")], &[]), meta(json!({})), &force)
        .await
        .unwrap();
    assert!(report.pruned.is_empty());
    assert_eq!(
        api.managers("machinedeployments", "demo-md-0"),
        ["helm Update", "capiform Apply"]
    );

    let objects: Vec<capiform_kube::ObjectRef> =
        report.applied.iter().map(|a| a.object.clone()).collect();
    let taken = rel
        .take_over(&objects, &capiform_kube::ownership::TakeOver::helm())
        .await
        .unwrap();
    assert_eq!(taken.len(), objects.len());
    let md = api.object("machinedeployments", "demo-md-0").unwrap();
    assert_eq!(
        api.managers("machinedeployments", "demo-md-0"),
        ["capiform Apply"]
    );
    assert!(
        md["metadata"]["labels"]
            .get("app.kubernetes.io/managed-by")
            .is_none(),
        "{md}"
    );
    assert!(
        md["metadata"]["annotations"]
            .get("meta.helm.sh/release-name")
            .is_none(),
        "{md}"
    );
    // Helm's field no one owns now stays, as a defaulted field would.
    assert_eq!(md["spec"]["minReadySeconds"], 5);

    // A change of a field Helm set with the same value is no conflict any more.
    let mut objects = cluster(&[("md-0", "1111")], &[]);
    for o in &mut objects {
        if o["kind"] == "MachineDeployment" {
            o["spec"]["replicas"] = json!(4);
        }
    }
    rel.apply(objects, meta(json!({})), &sequential())
        .await
        .unwrap();
    assert_eq!(
        api.object("machinedeployments", "demo-md-0").unwrap()["spec"]["replicas"],
        4
    );
}

#[tokio::test]
async fn a_dry_run_without_force_names_the_conflict() {
    let api = ApiServerDouble::new();
    let rel = release(&api);
    rel.apply(
        cluster(&[("md-0", "1111")], &[]),
        meta(json!({})),
        &sequential(),
    )
    .await
    .unwrap();
    api.set_owned_field(
        "machinedeployments",
        "demo-md-0",
        "/spec/replicas",
        json!(5),
        "cluster-autoscaler",
    );
    let md = cluster(&[("md-0", "1111")], &[])
        .into_iter()
        .find(|o| o["kind"] == "MachineDeployment")
        .unwrap();
    match rel.dry_run_apply(&md, false).await.unwrap() {
        capiform_kube::DryRun::Conflict(c) => {
            assert_eq!(c[0].manager, "cluster-autoscaler");
            assert_eq!(c[0].field, ".spec.replicas");
        }
        other => panic!("{other:?}"),
    }
    match rel.dry_run_apply(&md, true).await.unwrap() {
        capiform_kube::DryRun::Stored(o) => assert_eq!(o["spec"]["replicas"], 2),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        api.object("machinedeployments", "demo-md-0").unwrap()["spec"]["replicas"],
        5
    );
}

//! The lifecycle commands with the real renderer, against the API server test double of
//! capiform-kube: rollback re-rendering a revision's values, the etcd key, and the
//! binary's behaviour when the API server is unreachable. (`lifecycle_shared.rs`: the
//! same with the parity corpus' largest case.)
#![cfg(feature = "lifecycle")]

use std::time::Duration;

use capiform::TemplateSet;
use capiform::lifecycle::{render_and_apply, rollback};
use capiform::values::ValuesSource;
use capiform_kube::testing::ApiServerDouble;
use capiform_kube::{ApplyOptions, Release, RetryPolicy};

const BASE: &str = "
kubernetesVersion: 1.31.4
machineImage: ubuntu-jammy-kube-v{{ .Values.kubernetesVersion }}
cloudCredentialsSecretName: demo-creds
controlPlane: {machineFlavor: vm.small}
";

fn layer(text: &str) -> ValuesSource {
    ValuesSource::Yaml {
        name: "values.yaml".into(),
        text: format!("{BASE}{text}"),
    }
}

fn release(api: &ApiServerDouble) -> Release {
    Release::new(api.client(), "demo", "clusters").with_retry(RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(2),
        max_elapsed: Duration::from_secs(2),
    })
}

fn set() -> &'static TemplateSet {
    TemplateSet::embedded(None).unwrap()
}

#[tokio::test]
async fn rollback_renders_that_revisions_values_with_its_template_set() {
    let api = ApiServerDouble::new();
    let rel = release(&api);
    let opts = ApplyOptions::default();
    let one = "nodeGroups: [{name: md-0, machineFlavor: vm.small, machineCount: 2}]\n";
    let two = "nodeGroups: [{name: md-0, machineFlavor: vm.small, machineCount: 3}, {name: md-1, machineFlavor: vm.large, machineCount: 4}]\n";
    let r1 = render_and_apply(&rel, set(), vec![layer(one)], "", &opts)
        .await
        .unwrap();
    let kcp_replicas = || {
        api.object("kubeadmcontrolplanes", "demo-control-plane")
            .unwrap()["spec"]["replicas"]
            .clone()
    };
    let first_replicas = kcp_replicas();
    let r2 = render_and_apply(
        &rel,
        set(),
        vec![
            layer(two),
            ValuesSource::Set("controlPlane.machineCount=5".into()),
        ],
        "",
        &opts,
    )
    .await
    .unwrap();
    assert_eq!(kcp_replicas(), 5);
    assert_eq!((r1.revision, r2.revision), (1, 2));
    assert_eq!(api.names("machinedeployments"), ["demo-md-0", "demo-md-1"]);
    assert_eq!(
        api.object("machinedeployments", "demo-md-1").unwrap()["spec"]["replicas"],
        4
    );

    let report = rollback(&rel, 1, None, &opts).await.unwrap();
    assert_eq!(report.revision, 3);
    assert_eq!(api.names("machinedeployments"), ["demo-md-0"]);
    assert_eq!(
        api.object("machinedeployments", "demo-md-0").unwrap()["spec"]["replicas"],
        2
    );
    assert_eq!(kcp_replicas(), first_replicas);
    let pruned: Vec<String> = report.pruned.iter().map(|r| r.to_string()).collect();
    assert!(
        pruned.contains(&"MachineDeployment/demo-md-1".to_string()),
        "{pruned:?}"
    );

    let latest = rel.record(None).await.unwrap();
    assert_eq!(latest.description, "rollback to 1");
    assert_eq!(latest.template_set, set().id());
    assert_eq!(latest.values["nodeGroups"][0]["machineCount"], 2.0);
    // The record's values are the user's, without the template set's defaults.
    assert!(latest.values.get("addons").is_none());
    // Revision 2 had a --set layer: its rollback renders it again, the layers as given.
    rollback(&rel, 2, None, &opts).await.unwrap();
    assert_eq!(kcp_replicas(), 5);
    assert_eq!(
        api.object("machinedeployments", "demo-md-1").unwrap()["spec"]["replicas"],
        4
    );
    let history = rel.history().await.unwrap();
    assert_eq!(
        history.iter().map(|r| r.revision).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
}

#[tokio::test]
async fn etcd_encryption_creates_the_key_once_and_renders_with_it() {
    let api = ApiServerDouble::new();
    let rel = release(&api);
    let values = "etcd: {encryption: {enabled: true}}\nnodeGroups: []\n";
    render_and_apply(
        &rel,
        set(),
        vec![layer(values)],
        "",
        &ApplyOptions::default(),
    )
    .await
    .unwrap();
    let key = api.object("secrets", "demo-etcd-key").unwrap()["data"]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let kcp = api
        .object("kubeadmcontrolplanes", "demo-control-plane")
        .unwrap()
        .to_string();
    assert!(
        kcp.contains(&key),
        "the control plane's encryption config carries the key"
    );
    // The key Secret is not a member of the set: prune never touches it.
    assert!(
        api.object("secrets", "demo-etcd-key").unwrap()["metadata"]["labels"]
            .get("applyset.kubernetes.io/part-of")
            .is_none()
    );
    render_and_apply(
        &rel,
        set(),
        vec![layer(values)],
        "",
        &ApplyOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        api.object("secrets", "demo-etcd-key").unwrap()["data"]["key"],
        key
    );
    assert_eq!(
        api.requests().iter().filter(|r| r.method == "POST").count(),
        1
    );
}

/// The binary against a port where nothing listens: a clear error on stderr, nothing on
/// stdout, exit code 3.
#[cfg(feature = "cli")]
#[test]
fn unreachable_api_server_is_a_clear_error_and_nothing_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    // A port that was free a moment ago: nothing listens there now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters: [{{name: c, cluster: {{server: 'http://127.0.0.1:{port}'}}}}]\n\
             contexts: [{{name: x, context: {{cluster: c, user: u}}}}]\ncurrent-context: x\nusers: [{{name: u, user: {{token: t0ken}}}}]\n"
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_capiform"))
        .args(["history", "demo", "-n", "clusters", "--kubeconfig"])
        .arg(&kubeconfig)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(
        stderr.contains(
            "Error: the API server did not answer GET Secret/capiform-release-demo after"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("http://127.0.0.1:{port}/")),
        "{stderr}"
    );
    assert!(!stderr.contains("t0ken"));
}

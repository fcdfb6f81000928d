//! The lifecycle against a real cluster, when `CAPIFORM_E2E_KUBECONFIG` names a
//! kubeconfig whose cluster has the Cluster API, CAPO and addon provider CRDs of
//! `../shared/crds` installed (no controllers needed). Skipped, loudly, otherwise.
//! docs/lifecycle.md has the kind recipe. Optional: `CAPIFORM_E2E_NAMESPACE` (default
//! `default`, must exist).
#![cfg(feature = "lifecycle")]

mod common;

use std::time::Duration;

use capiform::TemplateSet;
use capiform::lifecycle::{render_and_apply, rollback};
use capiform::values::ValuesSource;
use capiform_kube::{ApplyOptions, ConnectOptions, Error, Outcome, Release, UninstallOptions};
use serde_json::json;

fn kubeconfig() -> Option<std::path::PathBuf> {
    match std::env::var_os("CAPIFORM_E2E_KUBECONFIG") {
        Some(path) => Some(path.into()),
        None => {
            common::loud(
                "\n!! SKIPPED: the end-to-end lifecycle suite needs a cluster: set CAPIFORM_E2E_KUBECONFIG \
                 (docs/lifecycle.md, \"End-to-end tests\").\n",
            );
            None
        }
    }
}

fn values(node_groups: &str) -> Vec<ValuesSource> {
    vec![ValuesSource::Yaml {
        name: "e2e.yaml".into(),
        text: format!(
            "kubernetesVersion: 1.31.4\nmachineImage: ubuntu-jammy\ncloudCredentialsSecretName: e2e-creds\n\
             controlPlane: {{machineFlavor: vm.small}}\naddons: {{enabled: false}}\nnodeGroups: {node_groups}\n"
        ),
    }]
}

#[tokio::test]
async fn lifecycle_on_a_real_cluster() {
    let Some(kubeconfig) = kubeconfig() else {
        return;
    };
    let namespace = std::env::var("CAPIFORM_E2E_NAMESPACE").unwrap_or_else(|_| "default".into());
    let client = capiform_kube::connect(&ConnectOptions {
        kubeconfig: Some(kubeconfig),
        context: None,
    })
    .await
    .expect("the e2e cluster answers");
    lifecycle(client, &format!("e2e-{}", std::process::id()), &namespace).await;
}

/// The same suite against the test double, so that it is known to pass there; the
/// double refuses the invalid object as the CRD schema does.
#[tokio::test]
async fn the_suite_passes_against_the_test_double() {
    let api = capiform_kube::testing::ApiServerDouble::new();
    api.refuse("machinedeployments", "e2e-bad", 422, "MachineDeployment.cluster.x-k8s.io \"e2e-bad\" is invalid: spec.clusterName: Required value");
    lifecycle(api.client(), "e2e", "default").await;
    assert!(api.inventory().is_empty(), "{:?}", api.inventory());
}

async fn lifecycle(client: capiform_kube::Client, name: &str, namespace: &str) {
    let release = Release::new(client, name, namespace);
    let set = TemplateSet::embedded(None).unwrap();
    let opts = ApplyOptions::default();
    let two = "[{name: md-0, machineFlavor: vm.small, machineCount: 1}, {name: md-1, machineFlavor: vm.small, machineCount: 1}]";
    let one = "[{name: md-0, machineFlavor: vm.small, machineCount: 1}]";

    // Fresh install, then the same again: nothing created, nothing pruned. (With bare
    // CRDs, whose v1beta2 storage version has no conversion webhook, the API server may
    // store v1beta1 objects differently from how they are applied, so an object may come
    // back `configured`.)
    let first = render_and_apply(&release, set, values(two), "", &opts)
        .await
        .unwrap();
    assert!(
        first.applied.iter().all(|a| a.outcome == Outcome::Created),
        "{first:?}"
    );
    let again = render_and_apply(&release, set, values(two), "", &opts)
        .await
        .unwrap();
    assert!(
        again.applied.iter().all(|a| a.outcome != Outcome::Created),
        "{again:?}"
    );
    assert!(again.pruned.is_empty(), "{again:?}");

    // A node group removed: its objects are pruned (no MachineSet references its templates).
    let smaller = render_and_apply(&release, set, values(one), "", &opts)
        .await
        .unwrap();
    assert!(
        smaller
            .pruned
            .iter()
            .any(|r| r.to_string() == format!("MachineDeployment/{name}-md-1")),
        "{smaller:?}"
    );

    // A refused object: nothing applied.
    let bad = json!({"apiVersion": "cluster.x-k8s.io/v1beta1", "kind": "MachineDeployment",
        "metadata": {"name": format!("{name}-bad")}, "spec": {"replicas": 1}}); // no clusterName, selector or template: required by the CRD
    let err = release
        .apply(
            vec![bad],
            capiform_kube::RecordMeta::new("0", "x@0", json!({})),
            &opts,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::DryRunRefused(_)), "{err}");

    // History and rollback to revision 1 bring md-1 back.
    let history = release.history().await.unwrap();
    assert!(history.len() >= 3);
    let back = rollback(&release, 1, None, &opts).await.unwrap();
    assert!(back.applied.iter().any(|a| a.object.to_string()
        == format!("MachineDeployment/{name}-md-1")
        && a.outcome == Outcome::Created));

    // Uninstall removes everything, the record last.
    let report = release
        .uninstall(
            &UninstallOptions {
                timeout: Duration::from_secs(120),
                poll_interval: Duration::from_secs(1),
                ..Default::default()
            },
            &mut |line: &str| eprintln!("{line}"),
        )
        .await
        .unwrap();
    assert!(report.complete);
    assert_eq!(report.deleted.first().unwrap().kind, "Cluster");
    assert!(matches!(
        release.history().await,
        Err(Error::ReleaseNotFound { .. })
    ));
}

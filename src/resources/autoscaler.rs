//! The cluster autoscaler: a Deployment in the management cluster that scales the
//! workload cluster's MachineDeployments (Cluster API provider), with its
//! ServiceAccount, Role and RoleBinding.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    Affinity, Container, ContainerPort, HTTPGetAction, LocalObjectReference, PodSecurityContext,
    PodSpec, PodTemplateSpec, Probe, ResourceRequirements, SecretVolumeSource, SecurityContext,
    Toleration, TopologySpreadConstraint, Volume, VolumeMount,
};
use k8s_openapi::api::rbac::v1::{PolicyRule, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta as K8sMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::naming;
use crate::object::{Object, ObjectMeta};
use crate::context::Context;
use crate::resources::kubeadm::{go_string, is_empty};

const COMPONENT: &str = "autoscaler";

/// Read a free-form value of the autoscaler settings into a Kubernetes type, naming the
/// field when it does not fit.
fn typed<T: DeserializeOwned>(v: &Option<Value>, field: &str) -> Result<Option<T>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        // Numbers of values files are float64: integer fields take the whole ones.
        Some(v) => serde_path_to_error::deserialize(&crate::values::whole_numbers_as_integers(v))
            .map(Some)
            .map_err(|e| {
            let inner = e.path().to_string();
            let path = if inner == "." {
                format!("autoscaler.{field}")
            } else {
                format!("autoscaler.{field}.{inner}")
            };
            Error::invalid(path, crate::error::plain_type_error(&e.inner().to_string()))
        }),
    }
}

fn meta(ctx: &Context) -> ObjectMeta {
    let mut m = ObjectMeta::named(ctx.component_name(COMPONENT));
    m.labels = naming::component_labels(ctx.prefix(), &ctx.cluster_name(), COMPONENT);
    m
}

fn strip_metadata(mut v: Value) -> Value {
    if let Some(m) = v.as_object_mut() {
        m.remove("metadata");
        m.remove("apiVersion");
        m.remove("kind");
    }
    v
}

/// The autoscaler's command-line arguments: the Cluster API discovery of this cluster's
/// node groups, then `autoscaler.extraArgs` as `--key=value` in key order.
pub fn args(ctx: &Context) -> Vec<String> {
    let mut args = vec![
        "--cloud-provider=clusterapi".to_string(),
        "--kubeconfig=/mnt/kubeconfig/value".to_string(),
        "--clusterapi-cloud-config-authoritative".to_string(),
        format!(
            "--node-group-auto-discovery=clusterapi:namespace={},clusterName={}",
            ctx.namespace,
            ctx.cluster_name()
        ),
    ];
    if let Some(extra) = ctx
        .values
        .autoscaler
        .as_ref()
        .and_then(|a| a.extra_args.as_ref())
    {
        for (k, v) in extra {
            args.push(format!("--{k}={}", go_string(v)));
        }
    }
    args
}

/// The autoscaler `Deployment`.
pub fn deployment(ctx: &Context) -> Result<Object> {
    let unset = Default::default();
    let a = ctx.values.autoscaler.as_ref().unwrap_or(&unset);
    let selector = naming::component_selector_labels(ctx.prefix(), &ctx.cluster_name(), COMPONENT);
    let image = a.image.as_ref().unwrap_or(&Value::Null);
    let repository = go_string(&image["repository"]);
    let tag = go_string(&image["tag"]);
    let pull_policy = image["pullPolicy"].as_str().map(str::to_string);
    let container = Container {
        name: "autoscaler".into(),
        security_context: typed::<SecurityContext>(&a.security_context, "securityContext")?,
        image: Some(format!("{repository}:{tag}")),
        image_pull_policy: pull_policy,
        command: Some(vec!["/cluster-autoscaler".into()]),
        args: Some(args(ctx)),
        liveness_probe: Some(Probe {
            http_get: Some(HTTPGetAction {
                path: Some("/health-check".into()),
                port: IntOrString::Int(8085),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ports: Some(vec![ContainerPort {
            container_port: 8085,
            ..Default::default()
        }]),
        resources: typed::<ResourceRequirements>(&a.resources, "resources")?,
        volume_mounts: Some(vec![VolumeMount {
            name: "kubeconfig".into(),
            mount_path: "/mnt/kubeconfig".into(),
            read_only: Some(true),
            ..Default::default()
        }]),
        ..Default::default()
    };
    let non_empty = |v: &Option<Value>| v.clone().filter(|v| !is_empty(v));
    let list = |v: &Option<Vec<Value>>| v.clone().filter(|l| !l.is_empty()).map(Value::Array);
    let pod = PodSpec {
        service_account_name: Some(ctx.component_name(COMPONENT)),
        image_pull_secrets: typed::<Vec<LocalObjectReference>>(
            &list(&a.image_pull_secrets),
            "imagePullSecrets",
        )?,
        security_context: typed::<PodSecurityContext>(
            &a.pod_security_context,
            "podSecurityContext",
        )?,
        containers: vec![container],
        node_selector: typed::<BTreeMap<String, String>>(
            &non_empty(&a.node_selector),
            "nodeSelector",
        )?,
        affinity: typed::<Affinity>(&non_empty(&a.affinity), "affinity")?,
        tolerations: typed::<Vec<Toleration>>(&list(&a.tolerations), "tolerations")?,
        topology_spread_constraints: typed::<Vec<TopologySpreadConstraint>>(
            &list(&a.topology_spread_constraints),
            "topologySpreadConstraints",
        )?,
        volumes: Some(vec![Volume {
            name: "kubeconfig".into(),
            secret: Some(SecretVolumeSource {
                secret_name: Some(ctx.component_name("kubeconfig")),
                ..Default::default()
            }),
            ..Default::default()
        }]),
        ..Default::default()
    };
    let deployment = Deployment {
        spec: DeploymentSpec {
            replicas: Some(1),
            selector: LabelSelector {
                match_labels: Some(selector.clone()),
                ..Default::default()
            },
            template: PodTemplateSpec {
                metadata: Some(K8sMeta {
                    labels: Some(selector),
                    ..Default::default()
                }),
                spec: Some(pod),
            },
            ..Default::default()
        },
        ..Default::default()
    };
    let body = serde_json::to_value(&deployment)
        .map_err(|e| Error::invalid("autoscaler", e.to_string()))?;
    Object::from_value("apps/v1", "Deployment", meta(ctx), strip_metadata(body))
}

/// The autoscaler's `ServiceAccount`, `Role` and `RoleBinding`.
pub fn rbac(ctx: &Context) -> Result<Vec<Object>> {
    let name = ctx.component_name(COMPONENT);
    let sa = Object::from_value("v1", "ServiceAccount", meta(ctx), json!({}))?;
    let rules = vec![
        PolicyRule {
            api_groups: Some(vec!["cluster.x-k8s.io".into()]),
            resources: Some(
                [
                    "machinedeployments",
                    "machines",
                    "machinesets",
                    "machinepools",
                ]
                .map(String::from)
                .to_vec(),
            ),
            verbs: ["get", "list", "update", "watch"]
                .map(String::from)
                .to_vec(),
            ..Default::default()
        },
        PolicyRule {
            api_groups: Some(vec!["cluster.x-k8s.io".into()]),
            resources: Some(vec!["machinedeployments/scale".into()]),
            verbs: ["get", "patch", "update"].map(String::from).to_vec(),
            ..Default::default()
        },
    ];
    let role = Object::from_value(
        "rbac.authorization.k8s.io/v1",
        "Role",
        meta(ctx),
        json!({ "rules": rules }),
    )?;
    let binding = Object::from_value(
        "rbac.authorization.k8s.io/v1",
        "RoleBinding",
        meta(ctx),
        json!({
            "roleRef": RoleRef { api_group: Some("rbac.authorization.k8s.io".into()), kind: "Role".into(), name: name.clone() },
            "subjects": [Subject { kind: "ServiceAccount".into(), namespace: Some(ctx.namespace.to_string()), name, ..Default::default() }],
        }),
    )?;
    Ok(vec![sa, role, binding])
}

//! The control plane: `KubeadmControlPlane`, its `MachineHealthCheck` and the Secret
//! holding the API server's admission configuration.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::api::IntoValue;
use crate::api::capi_machine::CLUSTER_API_VERSION;
use crate::api::kubeadm::{
    CONTROL_PLANE_API_VERSION, KcpMachineTemplate, KubeadmControlPlaneSpec, ObjectReference,
    RolloutBefore, TemplateMetadata,
};
use crate::error::{Error, Result};
use crate::naming;
use crate::object::{Object, ObjectMeta};
use crate::context::Context;
use crate::resources::kubeadm;
use crate::resources::node_group::{health_check_spec, kubernetes_version};

const COMPONENT: &str = "control-plane";

fn labels(ctx: &Context, component: &str) -> BTreeMap<String, String> {
    naming::component_labels(ctx.prefix(), &ctx.cluster_name(), component)
}

fn selector_labels(ctx: &Context) -> BTreeMap<String, String> {
    naming::component_selector_labels(ctx.prefix(), &ctx.cluster_name(), COMPONENT)
}

/// A field of `controlPlane` in the merged values, `None` when absent or null.
fn cp_field(ctx: &Context, key: &str) -> Option<Value> {
    ctx.raw
        .get("controlPlane")
        .and_then(|c| c.get(key))
        .filter(|v| !v.is_null())
        .cloned()
}

/// The `KubeadmControlPlane`, referring to the control plane's
/// `OpenStackMachineTemplate` named `infrastructure_template`.
pub fn kubeadm_control_plane(ctx: &Context, infrastructure_template: &str) -> Result<Object> {
    let cp = crate::values::section(&ctx.values.control_plane);
    let version = kubernetes_version(ctx, cp.kubernetes_version.as_deref()).ok_or_else(|| {
        Error::invalid(
            "kubernetesVersion",
            "is required: the control plane needs a Kubernetes version (set kubernetesVersion, e.g. \
             1.31.4, or controlPlane.kubernetesVersion)",
        )
    })?;
    let mut meta = ObjectMeta::named(ctx.component_name(COMPONENT));
    meta.labels = labels(ctx, COMPONENT);
    meta.annotations.insert(
        "helm.sh/resource-policy".into(),
        Value::String("keep".into()),
    );
    let mut infrastructure_ref = ObjectReference::new(
        "infrastructure.cluster.x-k8s.io/v1beta1",
        "OpenStackMachineTemplate",
        infrastructure_template,
    );
    infrastructure_ref.namespace = Some(ctx.namespace.to_string());
    let spec = KubeadmControlPlaneSpec {
        version,
        replicas: cp_field(ctx, "machineCount"),
        remediation_strategy: cp_field(ctx, "remediationStrategy"),
        rollout_strategy: cp_field(ctx, "rolloutStrategy"),
        rollout_before: cp
            .certificates_expiry_days
            .filter(|d| *d > 0)
            .map(|d| RolloutBefore {
                certificates_expiry_days: d,
            }),
        machine_template: KcpMachineTemplate {
            metadata: TemplateMetadata {
                labels: selector_labels(ctx),
            },
            infrastructure_ref,
            node_drain_timeout: cp_field(ctx, "nodeDrainTimeout"),
            node_volume_detach_timeout: cp_field(ctx, "nodeVolumeDetachTimeout"),
            node_deletion_timeout: cp_field(ctx, "nodeDeletionTimeout"),
        },
        kubeadm_config_spec: kubeadm::control_plane_spec(ctx)?,
    };
    Object::from_value(
        CONTROL_PLANE_API_VERSION,
        "KubeadmControlPlane",
        meta,
        crate::object::single("spec", spec.into_value()),
    )
}

/// The control plane's `MachineHealthCheck`, when `controlPlane.healthCheck.enabled`.
pub fn machine_health_check(ctx: &Context) -> Result<Option<Object>> {
    let hc = ctx
        .values
        .control_plane
        .as_ref()
        .and_then(|c| c.health_check.as_ref())
        .filter(|h| h.enabled == Some(true));
    let Some(hc) = hc else {
        return Ok(None);
    };
    let mut meta = ObjectMeta::named(ctx.component_name(COMPONENT));
    meta.labels = labels(ctx, COMPONENT);
    let spec = health_check_spec(ctx.cluster_name(), selector_labels(ctx), hc.spec.as_ref());
    Object::from_value(
        CLUSTER_API_VERSION,
        "MachineHealthCheck",
        meta,
        crate::object::single("spec", spec.into_value()),
    )
    .map(Some)
}

/// The text of the API server's `AdmissionConfiguration`: one plugin per entry of
/// `apiServer.admissionConfiguration` (sorted by name), or no plugins.
pub fn admission_configuration_text(ctx: &Context) -> String {
    let mut text =
        String::from("apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\n");
    let plugins: Vec<Value> = ctx
        .values
        .api_server
        .as_ref()
        .and_then(|a| a.admission_configuration.as_ref())
        .map(|m| {
            m.iter()
                .map(|(name, configuration)| json!({"name": name, "configuration": configuration}))
                .collect()
        })
        .unwrap_or_default();
    if plugins.is_empty() {
        text.push_str("plugins: []\n");
    } else {
        text.push_str(&kubeadm::to_yaml_text(&json!({ "plugins": plugins })));
        text.push('\n');
    }
    text
}

/// The Secret `<release>-admission-configuration` read by the API servers.
pub fn admission_configuration_secret(ctx: &Context) -> Result<Object> {
    let component = "admission-configuration";
    let mut meta = ObjectMeta::named(ctx.component_name(component));
    meta.labels = labels(ctx, component);
    Object::from_value(
        "v1",
        "Secret",
        meta,
        crate::object::single(
            "stringData",
            crate::object::single(
                "admission-configuration.yaml",
                Value::String(admission_configuration_text(ctx)),
            ),
        ),
    )
}

/// Every control plane object owned here: the admission configuration Secret, the
/// `KubeadmControlPlane` (referring to the control plane's `OpenStackMachineTemplate`
/// named `infrastructure_template`, built by [`crate::resources::machine_template`]) and
/// its `MachineHealthCheck`.
pub fn build(ctx: &Context, infrastructure_template: &str) -> Result<Vec<Object>> {
    let mut objects = vec![
        admission_configuration_secret(ctx)?,
        kubeadm_control_plane(ctx, infrastructure_template)?,
    ];
    objects.extend(machine_health_check(ctx)?);
    Ok(objects)
}

//! Lean typed bodies of the kubeadm bootstrap and control-plane objects capiform emits
//! (`KubeadmControlPlane`, `KubeadmConfigTemplate`).
//!
//! The `kubeadmConfigSpec` itself stays a [`serde_json::Value`] on purpose: users merge
//! free-form kubeadm configuration into it (`controlPlane.kubeadmConfigSpec`, a node
//! group's `kubeadmConfigSpec`) with the chart's merge rules (maps merge, lists
//! concatenate), and any field the CRD accepts must pass through untouched — a typed
//! struct would silently drop fields it does not know.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::api::{Fields, IntoValue};

/// API version of `KubeadmControlPlane`.
pub const CONTROL_PLANE_API_VERSION: &str = "controlplane.cluster.x-k8s.io/v1beta1";

/// API version of `KubeadmConfigTemplate`.
pub const BOOTSTRAP_API_VERSION: &str = "bootstrap.cluster.x-k8s.io/v1beta1";

/// A reference to another object (`kind`, `apiVersion`, `name`, optional `namespace`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectReference {
    /// API version of the referenced object.
    pub api_version: String,
    /// Kind of the referenced object.
    pub kind: String,
    /// Name of the referenced object.
    pub name: String,
    /// Namespace of the referenced object, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

impl ObjectReference {
    /// A reference without namespace.
    pub fn new(api_version: &str, kind: &str, name: &str) -> Self {
        Self {
            api_version: api_version.to_string(),
            kind: kind.to_string(),
            name: name.to_string(),
            namespace: None,
        }
    }
}

impl IntoValue for ObjectReference {
    fn into_value(self) -> Value {
        let Self {
            api_version,
            kind,
            name,
            namespace,
        } = self;
        Fields::new()
            .set("apiVersion", api_version)
            .set("kind", kind)
            .set("name", name)
            .opt("namespace", namespace)
            .into_value()
    }
}

/// Labels (and nothing else) of a machine template.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TemplateMetadata {
    /// Labels given to the machines.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

impl IntoValue for TemplateMetadata {
    fn into_value(self) -> Value {
        Fields::new().set("labels", self.labels).into_value()
    }
}

/// `spec.machineTemplate` of a `KubeadmControlPlane`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KcpMachineTemplate {
    /// Labels of the control plane machines.
    pub metadata: TemplateMetadata,
    /// The `OpenStackMachineTemplate` of the control plane.
    pub infrastructure_ref: ObjectReference,
    /// How long to drain a node before deleting its machine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_drain_timeout: Option<Value>,
    /// How long to wait for volumes to detach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_volume_detach_timeout: Option<Value>,
    /// How long to wait for the node to be deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_deletion_timeout: Option<Value>,
}

impl IntoValue for KcpMachineTemplate {
    fn into_value(self) -> Value {
        let Self {
            metadata,
            infrastructure_ref,
            node_drain_timeout,
            node_volume_detach_timeout,
            node_deletion_timeout,
        } = self;
        Fields::new()
            .set("metadata", metadata)
            .set("infrastructureRef", infrastructure_ref)
            .node_timeouts(
                node_drain_timeout,
                node_volume_detach_timeout,
                node_deletion_timeout,
            )
            .into_value()
    }
}

/// `spec.rolloutBefore` of a `KubeadmControlPlane`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RolloutBefore {
    /// Roll machines whose certificates expire within this many days.
    pub certificates_expiry_days: i64,
}

impl IntoValue for RolloutBefore {
    fn into_value(self) -> Value {
        Fields::new()
            .set("certificatesExpiryDays", self.certificates_expiry_days)
            .into_value()
    }
}

/// The body of a `KubeadmControlPlane`'s `spec`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KubeadmControlPlaneSpec {
    /// Kubernetes version, with a leading `v`.
    pub version: String,
    /// Number of control plane machines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<Value>,
    /// Remediation strategy, passed through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation_strategy: Option<Value>,
    /// Rollout strategy, passed through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollout_strategy: Option<Value>,
    /// Roll machines before their certificates expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollout_before: Option<RolloutBefore>,
    /// Template of the control plane machines.
    pub machine_template: KcpMachineTemplate,
    /// The composed kubeadm configuration (free-form, see the module docs).
    pub kubeadm_config_spec: Value,
}

impl IntoValue for KubeadmControlPlaneSpec {
    /// The spec as JSON, moving the (large) kubeadm config and everything else instead of
    /// copying it: what `serde_json::to_value` gives, for less work.
    fn into_value(self) -> Value {
        let Self {
            version,
            replicas,
            remediation_strategy,
            rollout_strategy,
            rollout_before,
            machine_template,
            kubeadm_config_spec,
        } = self;
        Fields::new()
            .set("version", version)
            .opt("replicas", replicas)
            .opt("remediationStrategy", remediation_strategy)
            .opt("rolloutStrategy", rollout_strategy)
            .opt("rolloutBefore", rollout_before)
            .set("machineTemplate", machine_template)
            .set("kubeadmConfigSpec", kubeadm_config_spec)
            .into_value()
    }
}

/// `spec.template` of a `KubeadmConfigTemplate`: the kubeadm config of every machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KubeadmConfigTemplateResource {
    /// The kubeadm config spec (free-form, see the module docs).
    pub spec: Value,
}

/// The body of a `KubeadmConfigTemplate`'s `spec`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KubeadmConfigTemplateSpec {
    /// The template.
    pub template: KubeadmConfigTemplateResource,
}

impl IntoValue for KubeadmConfigTemplateSpec {
    /// The spec as JSON, moving the kubeadm config instead of copying it (what
    /// `serde_json::to_value` gives).
    fn into_value(self) -> Value {
        use crate::object::single;
        single("template", single("spec", self.template.spec))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::tests::assert_moves_like_serde;

    /// The kubeadm bodies move into the JSON serde would write, with optional fields set
    /// and unset.
    #[test]
    fn kubeadm_bodies_move_like_serde() {
        for full in [false, true] {
            let reference = ObjectReference {
                namespace: full.then(|| "ns".into()),
                ..ObjectReference::new("i/v1", "OpenStackMachineTemplate", "osmt")
            };
            assert_moves_like_serde(&reference);
            assert_moves_like_serde(&KubeadmControlPlaneSpec {
                version: "v1.31.4".into(),
                replicas: full.then(|| 3.into()),
                remediation_strategy: full.then(|| serde_json::json!({"maxRetry": 2})),
                rollout_strategy: full.then(|| serde_json::json!({"type": "RollingUpdate"})),
                rollout_before: full.then_some(RolloutBefore {
                    certificates_expiry_days: 30,
                }),
                machine_template: KcpMachineTemplate {
                    metadata: TemplateMetadata {
                        labels: BTreeMap::from([("a".into(), "b".into())]),
                    },
                    infrastructure_ref: reference,
                    node_drain_timeout: full.then(|| "5m".into()),
                    node_volume_detach_timeout: full.then(|| "1m".into()),
                    node_deletion_timeout: full.then(|| "10s".into()),
                },
                kubeadm_config_spec: serde_json::json!({"files": [{"path": "/x"}]}),
            });
            assert_moves_like_serde(&KubeadmConfigTemplateSpec {
                template: KubeadmConfigTemplateResource {
                    spec: serde_json::json!({"format": "ignition"}),
                },
            });
        }
    }
}

#[cfg(test)]
mod examples {
    //! What the items above do, shown on small inputs.

    #[test]
    fn object_reference() {
        let r = crate::api::kubeadm::ObjectReference::new("v1", "Secret", "s");
        assert_eq!(r.name, "s");
    }

    #[test]
    fn object_reference_new() {
        let r = crate::api::kubeadm::ObjectReference::new("v1", "Secret", "s");
        assert!(r.namespace.is_none());
    }

    #[test]
    fn template_metadata() {
        let m = crate::api::kubeadm::TemplateMetadata::default();
        assert!(m.labels.is_empty());
    }

    #[test]
    fn kcp_machine_template() {
        use crate::api::kubeadm::*;
        let t = KcpMachineTemplate {
            metadata: TemplateMetadata::default(),
            infrastructure_ref: ObjectReference::new("v1", "X", "x"),
            node_drain_timeout: None, node_volume_detach_timeout: None, node_deletion_timeout: None,
        };
        assert_eq!(serde_json::to_value(&t).unwrap()["infrastructureRef"]["name"], "x");
    }

    #[test]
    fn rollout_before() {
        let r = crate::api::kubeadm::RolloutBefore { certificates_expiry_days: 30 };
        assert_eq!(serde_json::to_value(&r).unwrap()["certificatesExpiryDays"], 30);
    }

    #[test]
    fn kubeadm_control_plane_spec() {
        use crate::api::kubeadm::*;
        let spec = KubeadmControlPlaneSpec {
            version: "v1.31.4".into(), replicas: Some(3.into()),
            remediation_strategy: None, rollout_strategy: None, rollout_before: None,
            machine_template: KcpMachineTemplate {
                metadata: TemplateMetadata::default(),
                infrastructure_ref: ObjectReference::new("v1", "X", "x"),
                node_drain_timeout: None, node_volume_detach_timeout: None, node_deletion_timeout: None,
            },
            kubeadm_config_spec: serde_json::json!({}),
        };
        assert_eq!(serde_json::to_value(&spec).unwrap()["replicas"], 3);
    }

    #[test]
    fn kubeadm_control_plane_spec_into_value() {
        use crate::api::{IntoValue, kubeadm::*};
        let spec: KubeadmControlPlaneSpec = serde_json::from_value(serde_json::json!({
            "version": "v1.31.4",
            "machineTemplate": {"metadata": {}, "infrastructureRef": {"apiVersion": "a", "kind": "k", "name": "n"}},
            "kubeadmConfigSpec": {"files": [{"path": "/x"}]}})).unwrap();
        assert_eq!(spec.clone().into_value(), serde_json::to_value(&spec).unwrap());
    }

    #[test]
    fn kubeadm_config_template_resource() {
        let t = crate::api::kubeadm::KubeadmConfigTemplateResource { spec: serde_json::json!({"format": "cloud-config"}) };
        assert_eq!(serde_json::to_value(&t).unwrap()["spec"]["format"], "cloud-config");
    }

    #[test]
    fn kubeadm_config_template_spec() {
        use crate::api::kubeadm::*;
        let s = KubeadmConfigTemplateSpec { template: KubeadmConfigTemplateResource { spec: serde_json::json!({}) } };
        assert!(serde_json::to_value(&s).unwrap()["template"]["spec"].is_object());
    }

    #[test]
    fn kubeadm_config_template_spec_into_value() {
        use crate::api::{IntoValue, kubeadm::*};
        let s = KubeadmConfigTemplateSpec { template: KubeadmConfigTemplateResource { spec: serde_json::json!({"format": "ignition"}) } };
        assert_eq!(s.clone().into_value(), serde_json::to_value(&s).unwrap());
    }
}

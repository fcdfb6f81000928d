//! Lean typed bodies of the Cluster API machine objects capiform emits
//! (`MachineDeployment`, `MachineHealthCheck`). Only the fields capiform sets are typed;
//! user-supplied pieces (rollout strategy, health check conditions) pass through as
//! [`serde_json::Value`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use crate::api::kubeadm::ObjectReference;
use crate::api::{Fields, IntoValue};

/// API version of `MachineDeployment` and `MachineHealthCheck`.
pub const CLUSTER_API_VERSION: &str = "cluster.x-k8s.io/v1beta1";

/// A label selector with `matchLabels` only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    /// Labels a machine must carry.
    pub match_labels: BTreeMap<String, String>,
}

/// The body of a `MachineHealthCheck`'s `spec`: the cluster, the selector and the user's
/// check settings (`maxUnhealthy`, `unhealthyConditions` …), passed through.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MachineHealthCheckSpec {
    /// The cluster.
    pub cluster_name: String,
    /// Machines checked.
    pub selector: LabelSelector,
    /// Everything else of the spec, from the values.
    #[serde(flatten)]
    pub settings: Map<String, Value>,
}

/// The bootstrap of a machine: a reference to its config template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bootstrap {
    /// The `KubeadmConfigTemplate`.
    pub config_ref: ObjectReference,
}

/// The spec of the machines of a `MachineDeployment`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MachineSpec {
    /// The cluster.
    pub cluster_name: String,
    /// Kubernetes version, with a leading `v`.
    pub version: String,
    /// Availability zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_domain: Option<String>,
    /// Bootstrap configuration.
    pub bootstrap: Bootstrap,
    /// The `OpenStackMachineTemplate`.
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

/// The machine template of a `MachineDeployment`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MachineTemplateSpec {
    /// Labels of the machines.
    pub metadata: crate::api::kubeadm::TemplateMetadata,
    /// The machines' spec.
    pub spec: MachineSpec,
}

/// The body of a `MachineDeployment`'s `spec`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MachineDeploymentSpec {
    /// The cluster.
    pub cluster_name: String,
    /// Number of machines; absent for autoscaled groups (the autoscaler owns it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i64>,
    /// Rollout strategy, passed through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<Value>,
    /// Machines of the deployment.
    pub selector: LabelSelector,
    /// Template of the machines.
    pub template: MachineTemplateSpec,
}

impl IntoValue for LabelSelector {
    fn into_value(self) -> Value {
        Fields::new()
            .set("matchLabels", self.match_labels)
            .into_value()
    }
}

impl IntoValue for MachineHealthCheckSpec {
    fn into_value(self) -> Value {
        let Self {
            cluster_name,
            selector,
            settings,
        } = self;
        Fields::new()
            .set("clusterName", cluster_name)
            .set("selector", selector)
            .flatten(settings)
            .into_value()
    }
}

impl IntoValue for Bootstrap {
    fn into_value(self) -> Value {
        Fields::new().set("configRef", self.config_ref).into_value()
    }
}

impl IntoValue for MachineSpec {
    fn into_value(self) -> Value {
        let Self {
            cluster_name,
            version,
            failure_domain,
            bootstrap,
            infrastructure_ref,
            node_drain_timeout,
            node_volume_detach_timeout,
            node_deletion_timeout,
        } = self;
        Fields::new()
            .set("clusterName", cluster_name)
            .set("version", version)
            .opt("failureDomain", failure_domain)
            .set("bootstrap", bootstrap)
            .set("infrastructureRef", infrastructure_ref)
            .node_timeouts(
                node_drain_timeout,
                node_volume_detach_timeout,
                node_deletion_timeout,
            )
            .into_value()
    }
}

impl IntoValue for MachineTemplateSpec {
    fn into_value(self) -> Value {
        Fields::new()
            .set("metadata", self.metadata)
            .set("spec", self.spec)
            .into_value()
    }
}

impl IntoValue for MachineDeploymentSpec {
    fn into_value(self) -> Value {
        let Self {
            cluster_name,
            replicas,
            strategy,
            selector,
            template,
        } = self;
        Fields::new()
            .set("clusterName", cluster_name)
            .opt("replicas", replicas)
            .opt("strategy", strategy)
            .set("selector", selector)
            .set("template", template)
            .into_value()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::tests::assert_moves_like_serde;

    fn machine_spec(full: bool) -> MachineSpec {
        MachineSpec {
            cluster_name: "demo".into(),
            version: "v1.31.4".into(),
            failure_domain: full.then(|| "az-1".into()),
            bootstrap: Bootstrap {
                config_ref: ObjectReference::new("b/v1", "KubeadmConfigTemplate", "kct"),
            },
            infrastructure_ref: ObjectReference {
                namespace: full.then(|| "ns".into()),
                ..ObjectReference::new("i/v1", "OpenStackMachineTemplate", "osmt")
            },
            node_drain_timeout: full.then(|| "5m".into()),
            node_volume_detach_timeout: full.then(|| "1m".into()),
            node_deletion_timeout: full.then_some(Value::Null),
        }
    }

    /// Every machine body moves into the JSON serde would write, with optional fields
    /// set and unset.
    #[test]
    fn machine_bodies_move_like_serde() {
        let labels = BTreeMap::from([("a".to_string(), "1".to_string())]);
        for full in [false, true] {
            assert_moves_like_serde(&machine_spec(full));
            assert_moves_like_serde(&MachineDeploymentSpec {
                cluster_name: "demo".into(),
                replicas: full.then_some(3),
                strategy: full.then(|| serde_json::json!({"type": "RollingUpdate"})),
                selector: LabelSelector {
                    match_labels: labels.clone(),
                },
                template: MachineTemplateSpec {
                    metadata: crate::api::kubeadm::TemplateMetadata {
                        labels: labels.clone(),
                    },
                    spec: machine_spec(full),
                },
            });
            let mut settings = Map::new();
            if full {
                settings.insert("maxUnhealthy".into(), "40%".into());
                settings.insert("clusterName".into(), "overridden".into());
            }
            assert_moves_like_serde(&MachineHealthCheckSpec {
                cluster_name: "demo".into(),
                selector: LabelSelector::default(),
                settings,
            });
        }
    }
}

#[cfg(test)]
mod examples {
    //! What the items above do, shown on small inputs.

    #[test]
    fn label_selector() {
        let s = crate::api::capi_machine::LabelSelector::default();
        assert!(s.match_labels.is_empty());
    }

    #[test]
    fn machine_health_check_spec() {
        use crate::api::capi_machine::*;
        let s = MachineHealthCheckSpec { cluster_name: "demo".into(), selector: LabelSelector::default(), settings: Default::default() };
        assert_eq!(serde_json::to_value(&s).unwrap()["clusterName"], "demo");
    }

    #[test]
    fn bootstrap() {
        use crate::api::capi_machine::*;
        let b = Bootstrap { config_ref: ObjectReference::new("v1", "X", "x") };
        assert_eq!(serde_json::to_value(&b).unwrap()["configRef"]["kind"], "X");
    }

    #[test]
    fn machine_spec() {
        use crate::api::capi_machine::*;
        let s = MachineSpec {
            cluster_name: "demo".into(), version: "v1.31.4".into(), failure_domain: None,
            bootstrap: Bootstrap { config_ref: ObjectReference::new("v1", "X", "x") },
            infrastructure_ref: ObjectReference::new("v1", "Y", "y"),
            node_drain_timeout: None, node_volume_detach_timeout: None, node_deletion_timeout: None,
        };
        assert_eq!(serde_json::to_value(&s).unwrap()["version"], "v1.31.4");
    }

    #[test]
    fn machine_template_spec() {
        use crate::api::capi_machine::*;
        let spec = MachineSpec { cluster_name: "d".into(), version: "v1".into(), failure_domain: None,
          bootstrap: Bootstrap { config_ref: ObjectReference::new("v1", "X", "x") },
          infrastructure_ref: ObjectReference::new("v1", "Y", "y"),
          node_drain_timeout: None, node_volume_detach_timeout: None, node_deletion_timeout: None };
        let t = MachineTemplateSpec { metadata: Default::default(), spec };
        assert!(serde_json::to_value(&t).unwrap()["metadata"]["labels"].is_object());
    }

    #[test]
    fn machine_deployment_spec() {
        use crate::api::capi_machine::*;
        let spec = MachineSpec { cluster_name: "d".into(), version: "v1".into(), failure_domain: None,
          bootstrap: Bootstrap { config_ref: ObjectReference::new("v1", "X", "x") },
          infrastructure_ref: ObjectReference::new("v1", "Y", "y"),
          node_drain_timeout: None, node_volume_detach_timeout: None, node_deletion_timeout: None };
        let md = MachineDeploymentSpec {
            cluster_name: "d".into(), replicas: Some(2), strategy: None,
            selector: LabelSelector::default(),
            template: MachineTemplateSpec { metadata: Default::default(), spec },
        };
        assert_eq!(serde_json::to_value(&md).unwrap()["replicas"], 2);
    }
}

//! Lean typed body of the Cluster API `Cluster` (`cluster.x-k8s.io/v1beta1`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use crate::api::kubeadm::ObjectReference;

/// The `spec` of a `Cluster`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterSpec {
    /// Pod and service networks (`kubeNetwork` of the values, passed through).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_network: Option<Value>,
    /// The `KubeadmControlPlane`.
    pub control_plane_ref: ObjectReference,
    /// The `OpenStackCluster`.
    pub infrastructure_ref: ObjectReference,
}

impl crate::api::IntoValue for ClusterSpec {
    fn into_value(self) -> Value {
        let Self {
            cluster_network,
            control_plane_ref,
            infrastructure_ref,
        } = self;
        crate::api::Fields::new()
            .opt("clusterNetwork", cluster_network)
            .set("controlPlaneRef", control_plane_ref)
            .set("infrastructureRef", infrastructure_ref)
            .into_value()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::tests::assert_moves_like_serde;

    #[test]
    fn cluster_spec_moves_like_serde() {
        for network in [
            None,
            Some(serde_json::json!({"pods": {"cidrBlocks": ["10.0.0.0/8"]}})),
        ] {
            assert_moves_like_serde(&ClusterSpec {
                cluster_network: network,
                control_plane_ref: ObjectReference::new("c/v1", "KubeadmControlPlane", "cp"),
                infrastructure_ref: ObjectReference::new("i/v1", "OpenStackCluster", "oc"),
            });
        }
    }
}

#[cfg(test)]
mod examples {
    //! What the items above do, shown on small inputs.

    #[test]
    fn cluster_spec() {
        use crate::api::capi_cluster::*;
        let s = ClusterSpec {
            cluster_network: None,
            control_plane_ref: ObjectReference::new("a/v1", "KubeadmControlPlane", "cp"),
            infrastructure_ref: ObjectReference::new("b/v1", "OpenStackCluster", "c"),
        };
        assert_eq!(serde_json::to_value(&s).unwrap()["controlPlaneRef"]["name"], "cp");
    }
}

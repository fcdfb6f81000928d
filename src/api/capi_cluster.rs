//! Lean typed body of the Cluster API `Cluster` (`cluster.x-k8s.io/v1beta1`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use crate::api::kubeadm::ObjectReference;

/// The `spec` of a `Cluster`.
///
/// ```
/// use capiform::api::capi_cluster::*;
/// let s = ClusterSpec {
///     cluster_network: None,
///     control_plane_ref: ObjectReference::new("a/v1", "KubeadmControlPlane", "cp"),
///     infrastructure_ref: ObjectReference::new("b/v1", "OpenStackCluster", "c"),
/// };
/// assert_eq!(serde_json::to_value(&s).unwrap()["controlPlaneRef"]["name"], "cp");
/// ```
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

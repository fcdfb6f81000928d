//! Typed values of the networking, OpenStack, storage and basic addons (`cni`, `csi`,
//! `openstack`, `etcdDefrag`, `metricsServer`) and of custom addons.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::extras::{AddonChart, AddonRelease};

/// A chart and its release, without an `enabled` switch.
///
/// ```
/// let c: capiform::values::addons::core::ChartRelease = serde_json::from_value(serde_json::json!({"release": {"namespace": "x"}})).unwrap();
/// assert!(c.chart.is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ChartRelease {
    /// The chart.
    pub chart: Option<AddonChart>,
    /// The release.
    pub release: Option<AddonRelease>,
}

/// The CNI (`addons.cni`).
///
/// ```
/// let c: capiform::values::addons::core::Cni = serde_json::from_value(serde_json::json!({"type": "cilium"})).unwrap();
/// assert_eq!(c.kind.as_deref(), Some("cilium"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Cni {
    /// Deploy a CNI.
    pub enabled: Option<bool>,
    /// `calico` or `cilium`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Calico.
    pub calico: Option<Calico>,
    /// Cilium.
    pub cilium: Option<ChartRelease>,
}

/// Calico (tigera-operator).
///
/// ```
/// let c: capiform::values::addons::core::Calico = serde_json::from_value(serde_json::json!({"globalNetworkPolicy": null})).unwrap();
/// assert!(c.global_network_policy.is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Calico {
    /// The chart.
    pub chart: Option<AddonChart>,
    /// The release.
    pub release: Option<AddonRelease>,
    /// Global egress policy (null disables it).
    pub global_network_policy: Option<GlobalNetworkPolicy>,
}

/// Calico global network policy for workload egress.
///
/// ```
/// let p: capiform::values::addons::core::GlobalNetworkPolicy = serde_json::from_value(serde_json::json!({"allowPriority": 20})).unwrap();
/// assert_eq!(p.allow_priority, Some(serde_json::json!(20)));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct GlobalNetworkPolicy {
    /// Namespaces the deny policy applies to (Calico selector).
    pub deny_namespace_selector: Option<String>,
    /// Order of the allow policy.
    pub allow_priority: Option<Value>,
    /// Order of the deny policy.
    pub deny_priority: Option<Value>,
    /// IPv4 destinations allowed.
    pub allow_egress_cidrs: Option<Vec<String>>,
    /// IPv4 destinations denied.
    pub deny_egress_cidrs: Option<Vec<String>>,
    /// IPv6 destinations allowed.
    #[serde(rename = "allowv6EgressCidrs")]
    pub allow_v6_egress_cidrs: Option<Vec<String>>,
    /// IPv6 destinations denied.
    #[serde(rename = "denyv6EgressCidrs")]
    pub deny_v6_egress_cidrs: Option<Vec<String>>,
}

/// Other CSI drivers (`addons.csi`).
///
/// ```
/// let c: capiform::values::addons::core::Csi = serde_json::from_value(serde_json::json!({"cephfs": {"enabled": true}})).unwrap();
/// assert!(c.cephfs.unwrap().is_enabled());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Csi {
    /// CephFS CSI.
    pub cephfs: Option<super::extras::HelmAddon>,
}

/// OpenStack integrations (`addons.openstack`).
///
/// ```
/// let o: capiform::values::addons::core::OpenStack = serde_json::from_value(serde_json::json!({"enabled": true})).unwrap();
/// assert_eq!(o.enabled, Some(true));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct OpenStack {
    /// Deploy the OpenStack integrations.
    pub enabled: Option<bool>,
    /// Namespace of the OpenStack components on the workload cluster.
    pub target_namespace: Option<String>,
    /// Sections and keys of the cloud provider's `cloud.conf` (free-form).
    pub cloud_config: Option<BTreeMap<String, Value>>,
    /// Cloud controller manager.
    pub ccm: Option<ChartValuesAddon>,
    /// Cinder CSI.
    pub csi_cinder: Option<StorageCsi>,
    /// Manila CSI.
    pub csi_manila: Option<StorageCsi>,
    /// Keystone authentication webhook.
    pub k8s_keystone_auth: Option<KeystoneAuth>,
}

/// An addon with `enabled`, `chart` and `values`.
///
/// ```
/// let a: capiform::values::addons::core::ChartValuesAddon = serde_json::from_value(serde_json::json!({"values": {}})).unwrap();
/// assert!(a.values.is_some());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ChartValuesAddon {
    /// Deploy it.
    pub enabled: Option<bool>,
    /// The chart.
    pub chart: Option<AddonChart>,
    /// Chart values (free-form).
    pub values: Option<Value>,
}

/// A CSI driver with storage classes (Cinder, Manila).
///
/// ```
/// let a: capiform::values::addons::core::StorageCsi = serde_json::from_value(serde_json::json!({"additionalStorageClasses": []})).unwrap();
/// assert!(a.additional_storage_classes.unwrap().is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct StorageCsi {
    /// Deploy it.
    pub enabled: Option<bool>,
    /// The chart.
    pub chart: Option<AddonChart>,
    /// Chart values (free-form).
    pub values: Option<Value>,
    /// The default storage class.
    pub default_storage_class: Option<StorageClass>,
    /// More storage classes.
    pub additional_storage_classes: Option<Vec<StorageClass>>,
}

/// A storage class.
///
/// ```
/// let s: capiform::values::addons::core::StorageClass = serde_json::from_value(serde_json::json!({"name": "fast"})).unwrap();
/// assert_eq!(s.name.as_deref(), Some("fast"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct StorageClass {
    /// Create it (default storage class only).
    pub enabled: Option<bool>,
    /// Name.
    pub name: Option<String>,
    /// Mark it as the cluster default.
    pub is_cluster_default: Option<bool>,
    /// `Delete` or `Retain`.
    pub reclaim_policy: Option<String>,
    /// Allow volume expansion.
    pub allow_volume_expansion: Option<bool>,
    /// `WaitForFirstConsumer` or `Immediate`.
    pub volume_binding_mode: Option<String>,
    /// Allowed topologies (free-form).
    pub allowed_topologies: Option<Value>,
    /// Filesystem type (Cinder).
    pub fstype: Option<String>,
    /// Availability zone (Cinder).
    pub availability_zone: Option<String>,
    /// Volume type (Cinder).
    pub volume_type: Option<String>,
    /// Provisioner (Manila).
    pub provisioner: Option<String>,
    /// Parameters (Manila; `type` is the share type).
    pub parameters: Option<BTreeMap<String, Value>>,
}

/// The Keystone authentication webhook.
///
/// ```
/// let k: capiform::values::addons::core::KeystoneAuth = serde_json::from_value(serde_json::json!({"enabled": true})).unwrap();
/// assert_eq!(k.enabled, Some(true));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct KeystoneAuth {
    /// Deploy it.
    pub enabled: Option<bool>,
    /// Namespace on the workload cluster.
    pub target_namespace: Option<String>,
    /// The chart.
    pub chart: Option<AddonChart>,
    /// Chart values (free-form).
    pub values: Option<Value>,
}

/// A custom addon (`addons.custom.<name>`).
///
/// ```
/// let c: capiform::values::addons::core::CustomAddon = serde_json::from_value(serde_json::json!({"kind": "Manifests", "spec": {"namespace": "x"}})).unwrap();
/// assert_eq!(c.kind.as_deref(), Some("Manifests"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct CustomAddon {
    /// `HelmRelease` or `Manifests`.
    pub kind: Option<String>,
    /// The addon.
    pub spec: Option<CustomAddonSpec>,
}

/// The spec of a custom addon.
///
/// ```
/// let s: capiform::values::addons::core::CustomAddonSpec = serde_json::from_value(serde_json::json!({"manifests": {"a.yaml": "x"}})).unwrap();
/// assert_eq!(s.manifests.unwrap().len(), 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct CustomAddonSpec {
    /// Target namespace on the workload cluster.
    pub namespace: Option<String>,
    /// The chart (HelmRelease).
    pub chart: Option<AddonChart>,
    /// Chart values (HelmRelease; free-form).
    pub values: Option<Value>,
    /// Manifests by file name (Manifests).
    pub manifests: Option<BTreeMap<String, String>>,
}

/// Ingress controllers (`addons.ingress`).
///
/// ```
/// let i: capiform::values::addons::core::Ingress = serde_json::from_value(serde_json::json!({"enabled": true})).unwrap();
/// assert_eq!(i.enabled, Some(true));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Ingress {
    /// Deploy an ingress controller.
    pub enabled: Option<bool>,
    /// ingress-nginx (deprecated upstream; off by default).
    pub nginx: Option<super::extras::HelmAddon>,
    /// Traefik (the default controller).
    pub traefik: Option<super::extras::HelmAddon>,
}

/// The monitoring stack (`addons.monitoring`).
///
/// ```
/// let m: capiform::values::addons::core::Monitoring = serde_json::from_value(serde_json::json!({"enabled": true})).unwrap();
/// assert_eq!(m.enabled, Some(true));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Monitoring {
    /// Deploy the monitoring stack.
    pub enabled: Option<bool>,
    /// Prometheus, Alertmanager and Grafana.
    pub kube_prometheus_stack: Option<ChartRelease>,
    /// Loki and Promtail.
    pub loki_stack: Option<super::extras::HelmAddon>,
    /// The blackbox exporter.
    pub blackbox_exporter: Option<BlackboxExporter>,
}

/// The blackbox exporter.
///
/// ```
/// let b: capiform::values::addons::core::BlackboxExporter = serde_json::from_value(serde_json::json!({"openstackAuthUrlTarget": {"enabled": false}})).unwrap();
/// assert_eq!(b.openstack_auth_url_target.unwrap().enabled, Some(false));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct BlackboxExporter {
    /// Deploy it.
    pub enabled: Option<bool>,
    /// The chart.
    pub chart: Option<AddonChart>,
    /// The release.
    pub release: Option<AddonRelease>,
    /// Probe the clouds' Keystone endpoints.
    pub openstack_auth_url_target: Option<Switch>,
}

/// An on/off switch.
///
/// ```
/// let s: capiform::values::addons::core::Switch = serde_json::from_value(serde_json::json!({"enabled": true})).unwrap();
/// assert_eq!(s.enabled, Some(true));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Switch {
    /// On or off.
    pub enabled: Option<bool>,
}

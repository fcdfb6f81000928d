//! Typed values of `addons:` (the chart's `cluster-addons` subchart).
//!
//! Each addon group's keys live in its own file; unknown keys are refused. `values`
//! maps handed to addon charts stay free-form.

pub mod core;
pub mod extras;
pub mod gpu;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The `addons:` section.
///
/// ```
/// let a: capiform::values::addons::Addons = serde_json::from_value(serde_json::json!({"enabled": true})).unwrap();
/// assert_eq!(a.enabled, Some(true));
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Addons {
    /// Render addons at all.
    pub enabled: Option<bool>,
    /// Name of the target cluster (defaults to the release name).
    pub cluster_name: Option<String>,
    /// The CNI.
    pub cni: Option<core::Cni>,
    /// CSI drivers other than OpenStack's (CephFS).
    pub csi: Option<core::Csi>,
    /// OpenStack integrations (cloud config, CCM, Cinder/Manila CSI, keystone auth).
    pub openstack: Option<core::OpenStack>,
    /// Stakater reloader.
    pub reloader: Option<extras::Reloader>,
    /// etcd defragmentation.
    pub etcd_defrag: Option<extras::HelmAddon>,
    /// metrics-server.
    pub metrics_server: Option<extras::HelmAddon>,
    /// Ingress controllers.
    pub ingress: Option<core::Ingress>,
    /// Monitoring stack.
    pub monitoring: Option<core::Monitoring>,
    /// node-feature-discovery.
    pub node_feature_discovery: Option<extras::NodeFeatureDiscovery>,
    /// NVIDIA GPU operator.
    #[serde(rename = "nvidiaGPUOperator")]
    pub nvidia_gpu_operator: Option<gpu::NvidiaGpuOperator>,
    /// AMD GPU operator.
    #[serde(rename = "amdGPUOperator")]
    pub amd_gpu_operator: Option<gpu::AmdGpuOperator>,
    /// Intel device plugins.
    pub intel_device_plugin: Option<gpu::IntelDevicePlugin>,
    /// cert-manager.
    pub cert_manager: Option<extras::CertManager>,
    /// Mellanox network operator.
    pub mellanox_network_operator: Option<extras::MellanoxNetworkOperator>,
    /// node-problem-detector.
    pub node_problem_detector: Option<extras::NodeProblemDetector>,
    /// Headlamp.
    pub headlamp: Option<extras::Headlamp>,
    /// Custom addons by name.
    pub custom: Option<std::collections::BTreeMap<String, core::CustomAddon>>,
}

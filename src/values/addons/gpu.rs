//! Typed values of the accelerator addons: `nvidiaGPUOperator`, `amdGPUOperator` and
//! `intelDevicePlugin`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::extras::{AddonChart, AddonRelease, HelmAddon};

/// NVIDIA GPU operator.
pub type NvidiaGpuOperator = HelmAddon;
/// AMD GPU operator.
pub type AmdGpuOperator = HelmAddon;

/// One chart of the Intel device plugins (`operator`, `gpuPlugin`): a chart and its
/// release, switched on by `intelDevicePlugin.enabled`.
///
/// ```
/// let c: capiform::values::addons::gpu::IntelChart = serde_json::from_value(serde_json::json!(
///     {"chart": {"name": "intel-device-plugins-gpu"}, "release": {"namespace": "intel"}})).unwrap();
/// assert_eq!(c.release.unwrap().namespace.as_deref(), Some("intel"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct IntelChart {
    /// The chart.
    pub chart: Option<AddonChart>,
    /// The release.
    pub release: Option<AddonRelease>,
}

/// The git repository of Intel XPU Manager, whose daemonset is deployed with Flux.
///
/// ```
/// let r: capiform::values::addons::gpu::GitSource = serde_json::from_value(serde_json::json!(
///     {"url": "https://github.com/intel/xpumanager", "tag": "V1.2.39"})).unwrap();
/// assert_eq!(r.tag.as_deref(), Some("V1.2.39"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct GitSource {
    /// Repository URL.
    pub url: Option<String>,
    /// Tag to check out.
    pub tag: Option<String>,
}

/// Intel XPU Manager monitoring (`intelDevicePlugin.xpuManagerMonitoring`).
///
/// ```
/// let m: capiform::values::addons::gpu::XpuManagerMonitoring = serde_json::from_value(
///     serde_json::json!({"enabled": true, "namespace": "intel"})).unwrap();
/// assert_eq!(m.enabled, Some(true));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct XpuManagerMonitoring {
    /// Deploy XPU Manager, its Service, ServiceMonitor and dashboard.
    pub enabled: Option<bool>,
    /// Namespace on the workload cluster.
    pub namespace: Option<String>,
    /// Where XPU Manager's deployment manifests come from.
    pub repo: Option<GitSource>,
}

/// Intel device plugins (`intelDevicePlugin`).
///
/// ```
/// let i: capiform::values::addons::gpu::IntelDevicePlugin = serde_json::from_value(
///     serde_json::json!({"enabled": true, "xpuManagerMonitoring": {"enabled": false}})).unwrap();
/// assert!(i.is_enabled() && !i.monitoring_enabled());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct IntelDevicePlugin {
    /// Deploy the Intel device plugins operator and GPU plugin.
    pub enabled: Option<bool>,
    /// The device plugins operator.
    pub operator: Option<IntelChart>,
    /// The GPU plugin.
    pub gpu_plugin: Option<IntelChart>,
    /// XPU Manager monitoring.
    pub xpu_manager_monitoring: Option<XpuManagerMonitoring>,
}

impl IntelDevicePlugin {
    /// Whether `enabled` is true.
    ///
    /// ```
    /// assert!(!capiform::values::addons::gpu::IntelDevicePlugin::default().is_enabled());
    /// ```
    pub fn is_enabled(&self) -> bool {
        self.enabled.unwrap_or(false)
    }

    /// Whether XPU Manager monitoring is rendered: the plugins and the monitoring are
    /// both enabled.
    ///
    /// ```
    /// assert!(!capiform::values::addons::gpu::IntelDevicePlugin::default().monitoring_enabled());
    /// ```
    pub fn monitoring_enabled(&self) -> bool {
        self.is_enabled()
            && self
                .xpu_manager_monitoring
                .as_ref()
                .and_then(|m| m.enabled)
                .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monitoring_needs_both_switches() {
        let on = |e: bool, m: bool| IntelDevicePlugin {
            enabled: Some(e),
            xpu_manager_monitoring: Some(XpuManagerMonitoring {
                enabled: Some(m),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert!(on(true, true).monitoring_enabled());
        assert!(!on(true, false).monitoring_enabled());
        assert!(!on(false, true).monitoring_enabled());
    }

    #[test]
    fn unknown_keys_are_refused() {
        let r: Result<IntelDevicePlugin, _> =
            serde_json::from_value(serde_json::json!({"gpuPlugins": {}}));
        assert!(r.is_err());
    }
}

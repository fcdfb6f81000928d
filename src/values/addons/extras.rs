//! Typed values of the utility addons (`nodeFeatureDiscovery`, `mellanoxNetworkOperator`,
//! `nodeProblemDetector`, `reloader`, `certManager`, `headlamp`) and the chart/release
//! shapes shared by every Helm-based addon of the GPU and extras groups.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The Helm chart an addon installs (`chart:`).
///
/// ```
/// let c: capiform::values::addons::extras::AddonChart = serde_json::from_value(serde_json::json!(
///     {"repo": "https://charts.jetstack.io", "name": "cert-manager", "version": "v1.17.0"})).unwrap();
/// assert_eq!(c.name.as_deref(), Some("cert-manager"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct AddonChart {
    /// URL of the chart repository.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// Chart name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Chart version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// Where and how an addon chart is released on the workload cluster (`release:`).
///
/// ```
/// let r: capiform::values::addons::extras::AddonRelease = serde_json::from_value(serde_json::json!(
///     {"namespace": "headlamp", "values": {"replicaCount": 2}})).unwrap();
/// assert_eq!(r.namespace.as_deref(), Some("headlamp"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct AddonRelease {
    /// Namespace of the release on the workload cluster.
    pub namespace: Option<String>,
    /// Values for the chart, layered over capiform's defaults (free-form).
    pub values: Option<Value>,
}

/// An addon that installs one Helm chart: `enabled`, `chart`, `release`.
///
/// ```
/// let a: capiform::values::addons::extras::HelmAddon = serde_json::from_value(serde_json::json!(
///     {"enabled": true, "release": {"namespace": "x"}})).unwrap();
/// assert!(a.is_enabled());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct HelmAddon {
    /// Deploy this addon.
    pub enabled: Option<bool>,
    /// The chart.
    pub chart: Option<AddonChart>,
    /// The release.
    pub release: Option<AddonRelease>,
}

impl HelmAddon {
    /// Whether `enabled` is true (absent counts as false).
    ///
    /// ```
    /// assert!(!capiform::values::addons::extras::HelmAddon::default().is_enabled());
    /// ```
    pub fn is_enabled(&self) -> bool {
        self.enabled.unwrap_or(false)
    }
}

/// `enabled` of an optional addon section (absent section: false).
///
/// ```
/// use capiform::values::addons::extras::{enabled, HelmAddon};
/// assert!(!enabled(&None));
/// assert!(enabled(&Some(HelmAddon { enabled: Some(true), ..Default::default() })));
/// ```
pub fn enabled(addon: &Option<HelmAddon>) -> bool {
    addon.as_ref().is_some_and(HelmAddon::is_enabled)
}

/// node-feature-discovery.
pub type NodeFeatureDiscovery = HelmAddon;
/// Mellanox (NVIDIA) network operator.
pub type MellanoxNetworkOperator = HelmAddon;
/// node-problem-detector.
pub type NodeProblemDetector = HelmAddon;
/// Stakater Reloader.
pub type Reloader = HelmAddon;
/// cert-manager.
pub type CertManager = HelmAddon;
/// Headlamp.
pub type Headlamp = HelmAddon;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_refused() {
        let r: Result<HelmAddon, _> = serde_json::from_value(serde_json::json!({"enable": true}));
        assert!(r.is_err());
        let r: Result<HelmAddon, _> =
            serde_json::from_value(serde_json::json!({"chart": {"url": "x"}}));
        assert!(r.is_err());
    }

    #[test]
    fn values_are_free_form() {
        let a: HelmAddon = serde_json::from_value(serde_json::json!(
            {"release": {"values": {"anything": [1, {"goes": true}]}}}
        ))
        .unwrap();
        assert!(a.release.unwrap().values.unwrap()["anything"].is_array());
    }
}

//! Utility addons: node-feature-discovery, the Mellanox network operator,
//! node-problem-detector, Reloader, cert-manager and Headlamp.
//!
//! Each is one Helm chart installed on the workload cluster by a `HelmRelease` of the
//! Cluster API addon provider, with its values in a config Secret. Some are pulled in
//! by other addons: node-feature-discovery by every addon that schedules on its node
//! labels, cert-manager by the Intel device plugins and the AMD GPU operator.

use serde_json::{Value, json};

use super::enabled_addons;
use super::objects::{
    addon_name, chart_value, helm_release, meta, monitoring_enabled, namespace,
    overrides_only_addon, release_values, to_yaml, two_source_addon,
};
use crate::context::Context;
use crate::error::Result;
use crate::object::Object;
use crate::values::addons::Addons;
use crate::values::addons::extras::{HelmAddon, enabled};

/// Version of the `cluster-addons` chart, which the reference uses as cert-manager's
/// chart version when none is given.
pub const ADDONS_CHART_VERSION: &str = "0.1.0";

/// Build the objects of every enabled utility addon.
pub fn build(ctx: &Context) -> Result<Vec<Object>> {
    let Some(addons) = enabled_addons(ctx) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    if node_feature_discovery_wanted(addons) {
        out.extend(node_feature_discovery(ctx, addons)?);
    }
    if let Some(a) = on(&addons.mellanox_network_operator) {
        let defaults = ctx
            .templates
            .render("addons/mellanox-network-operator", &json!({}))?;
        out.extend(two_source_addon(
            ctx,
            "mellanox-network-operator",
            a,
            &defaults,
        )?);
    }
    if let Some(a) = on(&addons.node_problem_detector) {
        let data = json!({"monitoring": monitoring_enabled(ctx)});
        let defaults = ctx.templates.render("addons/npd", &data)?;
        out.extend(two_source_addon(
            ctx,
            "node-problem-detector",
            a,
            &defaults,
        )?);
    }
    if let Some(a) = on(&addons.reloader) {
        out.extend(reloader(ctx, a)?);
    }
    if cert_manager_wanted(addons) {
        let a = crate::values::section(&addons.cert_manager);
        out.extend(cert_manager(ctx, &a)?);
    }
    if let Some(a) = on(&addons.headlamp) {
        let defaults = ctx
            .templates
            .render("addons/headlamp", &json!({"release": ctx.release}))?;
        out.extend(two_source_addon(ctx, "headlamp", a, &defaults)?);
    }
    Ok(out)
}

/// node-feature-discovery is deployed when enabled, and whenever an addon relying on
/// its node labels is: the NVIDIA, AMD and Intel GPU addons and the Mellanox operator.
pub fn node_feature_discovery_wanted(addons: &Addons) -> bool {
    enabled(&addons.node_feature_discovery)
        || enabled(&addons.nvidia_gpu_operator)
        || enabled(&addons.mellanox_network_operator)
        || addons
            .intel_device_plugin
            .as_ref()
            .is_some_and(|i| i.is_enabled())
        || enabled(&addons.amd_gpu_operator)
}

/// cert-manager is deployed when enabled, and for the Intel device plugins and the AMD
/// GPU operator, whose webhooks need certificates.
pub fn cert_manager_wanted(addons: &Addons) -> bool {
    addons
        .intel_device_plugin
        .as_ref()
        .is_some_and(|i| i.is_enabled())
        || enabled(&addons.cert_manager)
        || enabled(&addons.amd_gpu_operator)
}

fn on(addon: &Option<HelmAddon>) -> Option<&HelmAddon> {
    addon.as_ref().filter(|a| a.is_enabled())
}

fn node_feature_discovery(ctx: &Context, addons: &Addons) -> Result<Vec<Object>> {
    let data = json!({"amdGPUOperator": enabled(&addons.amd_gpu_operator)});
    let defaults = ctx.templates.render("addons/nfd", &data)?;
    let a = crate::values::section(&addons.node_feature_discovery);
    two_source_addon(ctx, "node-feature-discovery", &a, &defaults)
}

fn reloader(ctx: &Context, a: &HelmAddon) -> Result<Vec<Object>> {
    let component = "reloader";
    let secret_name = format!("{}-cfg", addon_name(ctx, component));
    let secret = Object::from_value(
        "v1",
        "Secret",
        meta(ctx, component, &secret_name),
        crate::object::single(
            "stringData",
            crate::object::single("values", Value::String(to_yaml(release_values(a)))),
        ),
    )?;
    let release = helm_release(
        ctx,
        component,
        chart_value(a.chart.as_ref()),
        namespace(a),
        &[(secret_name.as_str(), "values")],
        true,
    )?;
    Ok(vec![secret, release])
}

fn cert_manager(ctx: &Context, a: &HelmAddon) -> Result<Vec<Object>> {
    let component = "cert-manager";
    let mut chart = a.chart.clone().unwrap_or_default();
    if chart.version.as_deref().is_none_or(str::is_empty) {
        chart.version = Some(ADDONS_CHART_VERSION.to_string());
    }
    overrides_only_addon(ctx, component, a, chart_value(Some(&chart)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addons::objects::tests::objects_with;

    fn names(yaml: &str) -> Vec<String> {
        objects_with(build, yaml)
            .into_iter()
            .map(|(_, n)| n)
            .collect()
    }

    const ALL_OFF: &str = "addons:
  nodeFeatureDiscovery: {enabled: false}
  nvidiaGPUOperator: {enabled: false}
  mellanoxNetworkOperator: {enabled: false}
  nodeProblemDetector: {enabled: false}
";

    /// [`ALL_OFF`] with one addon enabled (its line replaced: a key given twice is refused).
    fn all_off_but(addon: &str) -> String {
        let mut out: String = ALL_OFF
            .lines()
            .filter(|l| !l.trim_start().starts_with(&format!("{addon}:")))
            .map(|l| format!("{l}\n"))
            .collect();
        out.push_str(&format!("  {addon}: {{enabled: true}}\n"));
        out
    }

    #[test]
    fn defaults_render_nfd_mellanox_and_npd() {
        let n = names("");
        for want in [
            "demo-node-feature-discovery-config",
            "demo-node-feature-discovery",
            "demo-mellanox-network-operator",
            "demo-node-problem-detector",
        ] {
            assert!(n.contains(&want.to_string()), "{want} missing from {n:?}");
        }
        assert!(
            !n.iter()
                .any(|x| x.contains("reloader") || x.contains("cert-manager"))
        );
        assert!(!n.iter().any(|x| x.contains("headlamp")));
    }

    #[test]
    fn nothing_when_everything_is_off_or_addons_disabled() {
        assert!(names(ALL_OFF).is_empty());
        assert!(names("addons: {enabled: false}").is_empty());
    }

    #[test]
    fn nfd_follows_the_addons_that_need_it() {
        for addon in [
            "nvidiaGPUOperator",
            "mellanoxNetworkOperator",
            "intelDevicePlugin",
            "amdGPUOperator",
            "nodeFeatureDiscovery",
        ] {
            let n = names(&all_off_but(addon));
            assert!(
                n.contains(&"demo-node-feature-discovery".to_string()),
                "{addon}: {n:?}"
            );
        }
    }

    #[test]
    fn cert_manager_follows_intel_and_amd() {
        for addon in ["intelDevicePlugin", "amdGPUOperator", "certManager"] {
            let n = names(&all_off_but(addon));
            assert!(
                n.contains(&"demo-cert-manager".to_string()),
                "{addon}: {n:?}"
            );
        }
        let n = names(&all_off_but("nvidiaGPUOperator"));
        assert!(!n.contains(&"demo-cert-manager".to_string()));
    }

    #[test]
    fn reloader_uses_its_own_secret_name() {
        let n = names(&format!("{ALL_OFF}  reloader: {{enabled: true}}\n"));
        assert_eq!(n, ["demo-reloader-cfg", "demo-reloader"]);
    }

    #[test]
    fn headlamp_when_enabled() {
        let n = names(&format!("{ALL_OFF}  headlamp: {{enabled: true}}\n"));
        assert_eq!(n, ["demo-headlamp-config", "demo-headlamp"]);
    }

    #[test]
    fn cert_manager_version_falls_back_to_the_addons_chart_version() {
        let values = format!("{ALL_OFF}  certManager: {{enabled: true, chart: {{version: ''}}}}\n");
        let objs = crate::resources::kubeadm::with_ctx(&values, &[], |ctx| build(ctx).unwrap());
        let hr = objs.iter().find(|o| o.kind == "HelmRelease").unwrap();
        assert_eq!(hr.body["spec"]["chart"]["version"], ADDONS_CHART_VERSION);
    }
}

#[cfg(test)]
mod examples {
    //! What the items above do, shown on small inputs.

    #[test]
    fn node_feature_discovery_wanted() {
        let mut a = crate::values::addons::Addons::default();
        assert!(!crate::addons::extras::node_feature_discovery_wanted(&a));
        a.mellanox_network_operator =
            Some(serde_json::from_value(serde_json::json!({"enabled": true})).unwrap());
        assert!(crate::addons::extras::node_feature_discovery_wanted(&a));
    }

    #[test]
    fn cert_manager_wanted() {
        let mut a = crate::values::addons::Addons::default();
        assert!(!crate::addons::extras::cert_manager_wanted(&a));
        a.amd_gpu_operator =
            Some(serde_json::from_value(serde_json::json!({"enabled": true})).unwrap());
        assert!(crate::addons::extras::cert_manager_wanted(&a));
    }
}

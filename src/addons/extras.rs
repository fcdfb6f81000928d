//! Utility addons: node-feature-discovery, the Mellanox network operator,
//! node-problem-detector, Reloader, cert-manager and Headlamp.
//!
//! Each is one Helm chart installed on the workload cluster by a `HelmRelease` of the
//! Cluster API addon provider, with its values in a config Secret. Some are pulled in
//! by other addons: node-feature-discovery by every addon that schedules on its node
//! labels, cert-manager by the Intel device plugins and the AMD GPU operator.

use serde_json::{Value, json};

use crate::api::{Fields, IntoValue};
use crate::error::Result;
use crate::object::{Object, ObjectMeta};
use crate::render::Context;
use crate::values::addons::Addons;
use crate::values::addons::extras::{AddonChart, HelmAddon, enabled};

/// Version of the `cluster-addons` chart, which the reference uses as cert-manager's
/// chart version when none is given.
pub const ADDONS_CHART_VERSION: &str = "0.1.0";

/// Build the objects of every enabled utility addon.
///
/// ```no_run
/// # fn f(ctx: &capiform::Context) {
/// let objects = capiform::addons::extras::build(ctx).unwrap();
/// # }
/// ```
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
///
/// ```
/// let mut a = capiform::values::addons::Addons::default();
/// assert!(!capiform::addons::extras::node_feature_discovery_wanted(&a));
/// a.mellanox_network_operator = Some(serde_json::from_value(serde_json::json!({"enabled": true})).unwrap());
/// assert!(capiform::addons::extras::node_feature_discovery_wanted(&a));
/// ```
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
///
/// ```
/// let mut a = capiform::values::addons::Addons::default();
/// assert!(!capiform::addons::extras::cert_manager_wanted(&a));
/// a.amd_gpu_operator = Some(serde_json::from_value(serde_json::json!({"enabled": true})).unwrap());
/// assert!(capiform::addons::extras::cert_manager_wanted(&a));
/// ```
pub fn cert_manager_wanted(addons: &Addons) -> bool {
    addons
        .intel_device_plugin
        .as_ref()
        .is_some_and(|i| i.is_enabled())
        || enabled(&addons.cert_manager)
        || enabled(&addons.amd_gpu_operator)
}

/// The `addons` section when addons are rendered at all.
pub(crate) fn enabled_addons<'a>(ctx: &'a Context) -> Option<&'a Addons> {
    ctx.values
        .addons
        .as_deref()
        .filter(|a| a.enabled.unwrap_or(false))
}

/// `addons.monitoring.enabled` (the monitoring group owns that section's type).
pub(crate) fn monitoring_enabled(ctx: &Context) -> bool {
    ctx.raw["addons"]["monitoring"]["enabled"]
        .as_bool()
        .unwrap_or(false)
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

/// The config Secret (`<release>-<component>-config`, watched by the addon provider)
/// with the given string data.
pub(crate) fn config_secret(ctx: &Context, component: &str, data: Value) -> Result<Object> {
    let name = format!("{}-config", addon_name(ctx, component));
    let mut m = meta(ctx, component, &name);
    m.labels
        .insert("addons.stackhpc.com/watch".into(), String::new());
    Object::from_value("v1", "Secret", m, crate::object::single("stringData", data))
}

/// Secret with `defaults` and `overrides` plus a HelmRelease reading both.
pub(crate) fn two_source_addon(
    ctx: &Context,
    component: &str,
    a: &HelmAddon,
    defaults: &str,
) -> Result<Vec<Object>> {
    let (ns, values) = super::common::release_parts(a.release.as_ref());
    super::common::defaults_and_overrides(ctx, component, a.chart.as_ref(), ns, defaults, values)
}

/// Secret with `overrides` only plus a HelmRelease reading it, marked for Argo CD.
pub(crate) fn overrides_only_addon(
    ctx: &Context,
    component: &str,
    a: &HelmAddon,
    chart: Value,
) -> Result<Vec<Object>> {
    let (ns, values) = super::common::release_parts(a.release.as_ref());
    let mut objects = super::common::overrides_only(ctx, component, chart, ns, values)?;
    for release in objects.iter_mut().filter(|o| o.kind == "HelmRelease") {
        argo_annotation(&mut release.metadata);
    }
    Ok(objects)
}

/// A HelmRelease of the addon provider (`bootstrap: true`, release name = component).
pub(crate) fn helm_release(
    ctx: &Context,
    component: &str,
    chart: Value,
    target_namespace: Value,
    sources: &[(&str, &str)],
    argo_controller_refs_only: bool,
) -> Result<Object> {
    let mut m = meta(ctx, component, &addon_name(ctx, component));
    if argo_controller_refs_only {
        argo_annotation(&mut m);
    }
    let sources: Vec<Value> = sources
        .iter()
        .map(|(name, key)| json!({"secret": {"name": name, "key": key}}))
        .collect();
    // Built with `Fields`, which moves the chart and the sources in (`json!` would copy
    // them).
    let spec = Fields::new()
        .set("clusterName", cluster_name(ctx))
        .set("bootstrap", true)
        .set("chart", chart)
        .set("targetNamespace", target_namespace)
        .set("releaseName", component.to_string())
        .set("valuesSources", Value::Array(sources));
    Object::from_value(
        "addons.stackhpc.com/v1alpha1",
        "HelmRelease",
        m,
        crate::object::single("spec", spec.into_value()),
    )
}

/// Tell Argo CD to ignore the non-controller owner references of the object.
pub(crate) fn argo_annotation(m: &mut ObjectMeta) {
    m.annotations.insert(
        "argocd.argoproj.io/sync-options".into(),
        Value::String("ControllerReferencesOnly=true".into()),
    );
}

/// Metadata with the component labels.
pub(crate) fn meta(ctx: &Context, component: &str, name: &str) -> ObjectMeta {
    let mut m = ObjectMeta::named(name);
    m.labels.insert(
        "capi.stackhpc.com/managed-by".into(),
        crate::MANAGED_BY.into(),
    );
    m.labels
        .insert("capi.stackhpc.com/cluster".into(), cluster_name(ctx));
    m.labels
        .insert("capi.stackhpc.com/component".into(), component.into());
    m
}

/// `<release>-<component>`, truncated.
pub(crate) fn addon_name(ctx: &Context, component: &str) -> String {
    crate::naming::component_name(ctx.release, component)
}

/// The target cluster's name: `addons.clusterName`, else the release name.
pub(crate) fn cluster_name(ctx: &Context) -> String {
    let name = ctx
        .values
        .addons
        .as_ref()
        .and_then(|a| a.cluster_name.as_deref())
        .filter(|n| !n.is_empty())
        .unwrap_or(ctx.release);
    crate::naming::trunc63(name)
}

/// The chart as given (absent fields stay absent).
pub(crate) fn chart_value(chart: Option<&AddonChart>) -> Value {
    let Some(c) = chart else {
        return Value::Object(Default::default());
    };
    crate::api::Fields::new()
        .opt("repo", c.repo.clone())
        .opt("name", c.name.clone())
        .opt("version", c.version.clone())
        .into_value()
}

/// `release.namespace` (absent: null).
pub(crate) fn namespace(a: &HelmAddon) -> Value {
    a.release
        .as_ref()
        .and_then(|r| r.namespace.clone())
        .map_or(Value::Null, Value::String)
}

/// `release.values` (absent: null, printed as `null` like the reference).
pub(crate) fn release_values(a: &HelmAddon) -> &Value {
    super::common::release_parts(a.release.as_ref()).1
}

/// A value as a YAML document.
pub(crate) fn to_yaml(v: &Value) -> String {
    crate::output::value_to_yaml(v)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Render `builder` over the template set's defaults plus `yaml`; the
    /// `(kind, name)` of every object.
    pub(crate) fn objects_with(
        builder: fn(&Context) -> Result<Vec<Object>>,
        yaml: &str,
    ) -> Vec<(String, String)> {
        crate::resources::kubeadm::with_ctx(yaml, &[], |ctx| {
            builder(ctx)
                .unwrap()
                .into_iter()
                .map(|o| (o.kind, o.metadata.name))
                .collect()
        })
    }

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

    /// The chart value is the chart as serde writes it (absent fields left out).
    #[test]
    fn chart_value_is_the_serialized_chart() {
        let full = AddonChart {
            repo: Some("https://r".into()),
            name: Some("n".into()),
            version: Some("1.0.0".into()),
        };
        let partial = AddonChart {
            name: Some("n".into()),
            ..AddonChart::default()
        };
        for c in [full, partial, AddonChart::default()] {
            assert_eq!(chart_value(Some(&c)), serde_json::to_value(&c).unwrap());
        }
        assert_eq!(chart_value(None), json!({}));
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

//! Accelerator addons: the NVIDIA GPU operator, the AMD GPU operator (with its Grafana
//! dashboards when monitoring is on) and the Intel device plugins (operator, GPU plugin
//! and XPU Manager monitoring deployed with Flux).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta as K8sMeta;
use serde::Serialize;
use serde_json::{Value, json};

use super::enabled_addons;
use super::objects::{
    addon_name, argo_annotation, chart_value, cluster_name, meta, monitoring_enabled,
    overrides_only_addon, two_source_addon,
};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::object::Object;
use crate::values::addons::extras::HelmAddon;
use crate::values::addons::gpu::{IntelChart, IntelDevicePlugin, XpuManagerMonitoring};

/// Build the objects of every enabled accelerator addon.
pub fn build(ctx: &Context) -> Result<Vec<Object>> {
    let Some(addons) = enabled_addons(ctx) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    if let Some(a) = addons
        .nvidia_gpu_operator
        .as_ref()
        .filter(|a| a.is_enabled())
    {
        let defaults = ctx
            .templates
            .render("addons/nvidia-gpu-operator", &json!({}))?;
        out.extend(two_source_addon(ctx, "nvidia-gpu-operator", a, &defaults)?);
    }
    if let Some(a) = addons.amd_gpu_operator.as_ref().filter(|a| a.is_enabled()) {
        out.extend(amd_gpu_operator(ctx, a)?);
    }
    if let Some(i) = addons
        .intel_device_plugin
        .as_ref()
        .filter(|i| i.is_enabled())
    {
        out.extend(intel_device_plugin(ctx, i)?);
    }
    Ok(out)
}

fn amd_gpu_operator(ctx: &Context, a: &HelmAddon) -> Result<Vec<Object>> {
    let monitoring = monitoring_enabled(ctx);
    let defaults = ctx.templates.render(
        "addons/amd-gpu-operator",
        &json!({ "monitoring": monitoring }),
    )?;
    let mut out = two_source_addon(ctx, "amd-gpu-operator", a, &defaults)?;
    if monitoring {
        let namespace = a.release.as_ref().and_then(|r| r.namespace.clone());
        let config_map = dashboards_config_map(
            ctx,
            "amd-gpu-grafana-dashboards",
            &[("amd-gpu.json", "amd-gpu"), ("amd-node.json", "amd-node")],
        )?;
        out.push(manifests(
            ctx,
            ManifestsSpec {
                component: "amd-gpu-dashboards",
                release_name: "amd-gpu-dashboards",
                namespace,
                bootstrap: true,
                argo_controller_refs_only: false,
                templates: vec![config_map],
            },
        )?);
    }
    Ok(out)
}

fn intel_device_plugin(ctx: &Context, i: &IntelDevicePlugin) -> Result<Vec<Object>> {
    let mut out = Vec::new();
    let gpu_plugin = as_addon(i.gpu_plugin.as_ref());
    out.extend(overrides_only_addon(
        ctx,
        "intel-device-plugin-gpu",
        &gpu_plugin,
        chart_value(gpu_plugin.chart.as_ref()),
    )?);
    if i.monitoring_enabled() {
        let m = crate::values::section(&i.xpu_manager_monitoring);
        out.extend(xpu_manager_monitoring(ctx, &m)?);
    }
    let operator = as_addon(i.operator.as_ref());
    out.extend(overrides_only_addon(
        ctx,
        "intel-device-plugin-operator",
        &operator,
        chart_value(operator.chart.as_ref()),
    )?);
    Ok(out)
}

fn as_addon(c: Option<&IntelChart>) -> HelmAddon {
    let c = c.cloned().unwrap_or_default();
    HelmAddon {
        enabled: Some(true),
        chart: c.chart,
        release: c.release,
    }
}

/// XPU Manager: its daemonset comes from Intel's repository through Flux (a
/// GitRepository and a Kustomization applied with the cluster's kubeconfig); a Service,
/// a ServiceMonitor and a dashboard are installed by the addon provider.
fn xpu_manager_monitoring(ctx: &Context, m: &XpuManagerMonitoring) -> Result<Vec<Object>> {
    let data = json!({ "namespace": m.namespace });
    let services = manifests(
        ctx,
        ManifestsSpec {
            component: "intel-xpumanager-services",
            release_name: "intel-xpumanager-services",
            namespace: m.namespace.clone(),
            bootstrap: false,
            argo_controller_refs_only: false,
            templates: vec![
                ctx.templates
                    .render("addons/intel-xpumanager-service", &data)?,
                ctx.templates
                    .render("addons/intel-xpumanager-servicemonitor", &data)?,
            ],
        },
    )?;
    let repo_component = "intel-xpu-monitoring-repo";
    let repo = m.repo.clone().unwrap_or_default();
    let git_repository = Object::from_value(
        "source.toolkit.fluxcd.io/v1",
        "GitRepository",
        meta(ctx, repo_component, &addon_name(ctx, repo_component)),
        json!({"spec": GitRepositorySpec {
            interval: "5m",
            url: repo.url,
            reference: GitRef { tag: repo.tag },
        }}),
    )?;
    let kustomization = Object::from_value(
        "kustomize.toolkit.fluxcd.io/v1",
        "Kustomization",
        meta(
            ctx,
            "intel-xpu-monitoring",
            &addon_name(ctx, "intel-xpu-monitoring"),
        ),
        json!({"spec": xpu_manager_kustomization(ctx, m, &addon_name(ctx, repo_component))}),
    )?;
    let dashboard = manifests(
        ctx,
        ManifestsSpec {
            component: "intel-xpu-dashboard",
            release_name: "xpu-manager-dashboard",
            namespace: m.namespace.clone(),
            bootstrap: true,
            argo_controller_refs_only: true,
            templates: vec![dashboards_config_map(
                ctx,
                "xpu-manager-dashboard",
                &[("intel-xpu-dashboard.json", "intel-xpu")],
            )?],
        },
    )?;
    Ok(vec![services, git_repository, kustomization, dashboard])
}

/// Spec of a Flux GitRepository.
#[derive(Serialize)]
struct GitRepositorySpec {
    interval: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(rename = "ref")]
    reference: GitRef,
}

/// A git reference (tag).
#[derive(Serialize)]
struct GitRef {
    #[serde(skip_serializing_if = "Option::is_none")]
    tag: Option<String>,
}

/// Spec of a Flux Kustomization.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct KustomizationSpec {
    interval: &'static str,
    source_ref: Value,
    prune: bool,
    timeout: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_namespace: Option<String>,
    kube_config: Value,
    path: &'static str,
    patches: Vec<Value>,
}

/// Where XPU Manager's daemonset lives in its repository.
const XPU_MANAGER_PATH: &str = "./deployment/kubernetes/daemonset/base";

fn xpu_manager_kustomization(
    ctx: &Context,
    m: &XpuManagerMonitoring,
    repo_name: &str,
) -> KustomizationSpec {
    // Let the daemonset run on the GPU nodes, which the GPU plugin taints.
    let tolerate_gpu_nodes = json!([{
        "op": "add",
        "path": "/spec/template/spec/tolerations",
        "value": [{"key": "gpu.intel.com/i915", "operator": "Exists", "effect": "NoSchedule"}],
    }]);
    KustomizationSpec {
        interval: "10m",
        source_ref: json!({"kind": "GitRepository", "name": repo_name}),
        prune: true,
        timeout: "1m",
        target_namespace: m.namespace.clone(),
        kube_config: json!({"secretRef": {"name": format!("{}-kubeconfig", cluster_name(ctx))}}),
        path: XPU_MANAGER_PATH,
        patches: vec![json!({
            "patch": crate::output::value_to_yaml(&tolerate_gpu_nodes),
            "target": {"kind": "DaemonSet", "name": "intel-xpumanager"},
        })],
    }
}

/// What a Manifests object installs.
struct ManifestsSpec {
    component: &'static str,
    release_name: &'static str,
    namespace: Option<String>,
    bootstrap: bool,
    argo_controller_refs_only: bool,
    templates: Vec<String>,
}

fn manifests(ctx: &Context, s: ManifestsSpec) -> Result<Object> {
    let mut m = meta(ctx, s.component, &addon_name(ctx, s.component));
    if s.argo_controller_refs_only {
        argo_annotation(&mut m);
    }
    let mut spec = serde_json::Map::new();
    spec.insert("clusterName".into(), cluster_name(ctx).into());
    if s.bootstrap {
        spec.insert("bootstrap".into(), true.into());
    }
    spec.insert(
        "targetNamespace".into(),
        s.namespace.map_or(Value::Null, Value::String),
    );
    spec.insert("releaseName".into(), s.release_name.into());
    let sources: Vec<Value> = s
        .templates
        .into_iter()
        .map(|t| crate::object::single("template", Value::String(t)))
        .collect();
    spec.insert("manifestSources".into(), sources.into());
    Object::from_value(
        "addons.stackhpc.com/v1alpha1",
        "Manifests",
        m,
        crate::object::single("spec", Value::Object(spec)),
    )
}

/// A ConfigMap (k8s-openapi's type, as manifest template text) holding Grafana dashboards of the template
/// set, labelled for Grafana's dashboard sidecar. Each dashboard is wrapped in a Jinja
/// raw block so the addon provider leaves Grafana's own `{{ }}` alone.
pub(crate) fn dashboards_config_map(
    ctx: &Context,
    name: &str,
    files: &[(&str, &str)],
) -> Result<String> {
    let mut data = BTreeMap::new();
    for (key, dashboard) in files {
        let text = dashboard_json(ctx, dashboard)?;
        data.insert(
            (*key).to_string(),
            format!("{{% raw %}}\n{}\n{{% endraw %}}\n", text.trim_end()),
        );
    }
    let cm = ConfigMap {
        metadata: K8sMeta {
            name: Some(name.to_string()),
            labels: Some(BTreeMap::from([(
                "grafana_dashboard".to_string(),
                "1".to_string(),
            )])),
            ..K8sMeta::default()
        },
        data: Some(data),
        ..ConfigMap::default()
    };
    let value = serde_json::to_value(&cm).map_err(|e| Error::TemplateSet {
        set: ctx.templates.id(),
        message: format!("the dashboards ConfigMap {name}: {e}"),
    })?;
    Ok(crate::output::value_to_yaml(&value))
}

/// A dashboard of the template set (`dashboards/<name>.json`).
pub(crate) fn dashboard_json(ctx: &Context, name: &str) -> Result<String> {
    let path = format!("dashboards/{name}.json");
    ctx.templates
        .text(&path)
        .map(str::to_string)
        .ok_or_else(|| Error::TemplateSet {
            set: ctx.templates.id(),
            message: format!("{path}: file is missing"),
        })
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

    #[test]
    fn nvidia_is_on_by_default_and_the_others_off() {
        assert_eq!(
            names(""),
            [
                "demo-nvidia-gpu-operator-config",
                "demo-nvidia-gpu-operator"
            ]
        );
        assert!(names("addons: {nvidiaGPUOperator: {enabled: false}}").is_empty());
        assert!(names("addons: {enabled: false}").is_empty());
    }

    #[test]
    fn amd_dashboards_only_with_monitoring() {
        let base =
            "addons:\n  nvidiaGPUOperator: {enabled: false}\n  amdGPUOperator: {enabled: true}\n";
        assert_eq!(
            names(&format!("{base}  monitoring: {{enabled: false}}\n")),
            ["demo-amd-gpu-operator-config", "demo-amd-gpu-operator"]
        );
        let with = names(&format!("{base}  monitoring: {{enabled: true}}\n"));
        assert!(
            with.contains(&"demo-amd-gpu-dashboards".to_string()),
            "{with:?}"
        );
    }

    #[test]
    fn intel_monitoring_follows_its_switch() {
        let base = "addons:\n  nvidiaGPUOperator: {enabled: false}\n  intelDevicePlugin:\n    enabled: true\n";
        let on = objects_with(build, base);
        let kinds: Vec<&str> = on.iter().map(|(k, _)| k.as_str()).collect();
        assert!(kinds.contains(&"GitRepository") && kinds.contains(&"Kustomization"));
        assert_eq!(kinds.iter().filter(|k| **k == "Manifests").count(), 2);
        let off = names(&format!(
            "{base}    xpuManagerMonitoring: {{enabled: false}}\n"
        ));
        assert_eq!(
            off,
            [
                "demo-intel-device-plugin-gpu-config",
                "demo-intel-device-plugin-gpu",
                "demo-intel-device-plugin-operator-config",
                "demo-intel-device-plugin-operator"
            ]
        );
    }

    #[test]
    fn dashboards_are_wrapped_in_a_jinja_raw_block() {
        let base = "addons:\n  nvidiaGPUOperator: {enabled: false}\n  amdGPUOperator: {enabled: true}\n  monitoring: {enabled: true}\n";
        let set = crate::TemplateSet::embedded(None).unwrap();
        let req = crate::RenderRequest::new("demo", "default").with_values_yaml("v", base);
        let raw = crate::values::merged_values(set.defaults(), &req.sources).unwrap();
        let values = crate::validation::check(&raw).0.unwrap();
        let ctx = Context {
            release: "demo",
            namespace: "default",
            values: &values,
            raw: &crate::values::Merged::whole(&raw),
            templates: set,
            existing: &[],
        };
        let cm = dashboards_config_map(&ctx, "x", &[("amd-gpu.json", "amd-gpu")]).unwrap();
        let parsed: Value = serde_yaml::from_str(&cm).unwrap();
        let text = parsed["data"]["amd-gpu.json"].as_str().unwrap();
        assert!(text.starts_with("{% raw %}\n{") && text.ends_with("}\n{% endraw %}\n"));
    }
}

//! The monitoring stack: kube-prometheus-stack (Prometheus, Alertmanager, Grafana), Loki
//! with Promtail, and the blackbox exporter, each with its dashboards; volume lifecycle
//! hooks keep the PersistentVolumeClaims in step with the configured sizes.

use serde_json::{Value, json};

use crate::context::Context;
use crate::error::Result;
use crate::object::Object;
use crate::values::addons::Addons;
use crate::values::addons::core::{BlackboxExporter, ChartRelease};
use crate::values::addons::extras::HelmAddon;

use super::gpu::dashboards_config_map;
use super::objects::{defaults_and_overrides, manifests, release_parts, truthy};

const ALERTMANAGER_PVC: &str = "alertmanager";
const PROMETHEUS_PVC: &str = "operator.prometheus.io/name";

/// The monitoring stack's objects, when `addons.monitoring.enabled`.
pub fn build(ctx: &Context, addons: &Addons) -> Result<Vec<Object>> {
    let Some(m) = addons
        .monitoring
        .as_ref()
        .filter(|m| m.enabled == Some(true))
    else {
        return Ok(vec![]);
    };
    let mut out = kube_prometheus_stack(ctx, &crate::values::section(&m.kube_prometheus_stack))?;
    if let Some(loki) = m.loki_stack.as_ref().filter(|l| l.is_enabled()) {
        out.extend(loki_stack(ctx, loki)?);
    }
    if let Some(bb) = m
        .blackbox_exporter
        .as_ref()
        .filter(|b| b.enabled == Some(true))
    {
        out.extend(blackbox_exporter(ctx, bb)?);
    }
    Ok(out)
}

fn dig<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |cur, k| cur.get(*k))
}

/// Prometheus's `retentionSize` for a volume size: 85% of it, rounded down, in the
/// volume's unit as bytes (`10Gi` → `8GB`), so that Prometheus trims its data before the
/// volume is full. `None` when the size is not a Kubernetes quantity with a unit.
pub fn retention_size(volume: &str) -> Option<String> {
    let number: String = volume
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let amount: f64 = number.parse().ok()?;
    let unit = volume
        .trim_end_matches('i')
        .chars()
        .last()
        .filter(|c| "KMGTEP".contains(*c))?;
    Some(format!("{}{unit}B", (amount * 0.85).floor() as i64))
}

fn pvc_hook(selector: (&str, &str), action: &str, size: Option<&Value>) -> Value {
    let mut hook = json!({
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "selector": { selector.0: selector.1 },
        "action": action,
    });
    if let Some(size) = size {
        hook["options"] = json!({"data": {"spec": {"resources": {"requests": {"storage": size}}}}});
    }
    hook
}

fn kube_prometheus_stack(ctx: &Context, k: &ChartRelease) -> Result<Vec<Object>> {
    let (ns, values) = release_parts(k.release.as_ref());
    let storage = ["spec", "resources", "requests", "storage"];
    let am_size = dig(
        values,
        &[
            "alertmanager",
            "alertmanagerSpec",
            "storage",
            "volumeClaimTemplate",
        ],
    )
    .and_then(|v| dig(v, &storage))
    .filter(|v| truthy(v));
    let prom_size = dig(
        values,
        &[
            "prometheus",
            "prometheusSpec",
            "storageSpec",
            "volumeClaimTemplate",
        ],
    )
    .and_then(|v| dig(v, &storage))
    .filter(|v| truthy(v));
    let retention = prom_size.and_then(Value::as_str).and_then(retention_size);
    let defaults = ctx.templates.render(
        "addons/kube-prometheus-stack",
        &json!({"retentionSize": retention}),
    )?;
    let mut out = defaults_and_overrides(
        ctx,
        "kube-prometheus-stack",
        k.chart.as_ref(),
        ns,
        &defaults,
        values,
    )?;
    let am = ("alertmanager", "kube-prometheus-stack-alertmanager");
    let prom = (PROMETHEUS_PVC, "kube-prometheus-stack-prometheus");
    let _ = ALERTMANAGER_PVC;
    let mut hooks = serde_json::Map::new();
    let pre: Vec<Value> = [(am, am_size), (prom, prom_size)]
        .iter()
        .filter_map(|(sel, size)| size.map(|s| pvc_hook(*sel, "patch", Some(s))))
        .collect();
    if !pre.is_empty() {
        hooks.insert("preUpgrade".into(), Value::Array(pre));
    }
    let post: Vec<Value> = [(am, am_size), (prom, prom_size)]
        .iter()
        .filter(|(_, size)| size.is_none())
        .map(|(sel, _)| pvc_hook(*sel, "delete", None))
        .collect();
    if !post.is_empty() {
        hooks.insert("postUpgrade".into(), Value::Array(post));
    }
    hooks.insert(
        "postDelete".into(),
        json!([pvc_hook(am, "delete", None), pvc_hook(prom, "delete", None)]),
    );
    if let Some(release) = out.iter_mut().find(|o| o.kind == "HelmRelease")
        && let Some(spec) = release.body.get_mut("spec").and_then(Value::as_object_mut)
    {
        spec.insert("lifecycleHooks".into(), Value::Object(hooks));
    }
    let dashboards = dashboards_config_map(
        ctx,
        "additional-grafana-dashboards",
        &[("nvidia-dcgm-exporter-dashboard.json", "nvidia-dcgm")],
    )?;
    let name = "kube-prometheus-stack-dashboards";
    out.push(manifests(ctx, name, name, ns, name, vec![dashboards])?);
    Ok(out)
}

fn loki_stack(ctx: &Context, l: &HelmAddon) -> Result<Vec<Object>> {
    let (ns, values) = release_parts(l.release.as_ref());
    let defaults = ctx.templates.render("addons/loki-stack", &json!({}))?;
    let mut out =
        defaults_and_overrides(ctx, "loki-stack", l.chart.as_ref(), ns, &defaults, values)?;
    let selector = json!({"app": "loki", "release": "loki-stack"});
    let mut pre = vec![
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "loki-stack", "action": "delete"}),
    ];
    let mut hooks = serde_json::Map::new();
    if dig(values, &["loki", "persistence", "enabled"]).is_some_and(truthy) {
        let size = dig(values, &["loki", "persistence", "size"])
            .cloned()
            .unwrap_or(Value::Null);
        pre.push(json!({
            "apiVersion": "v1", "kind": "PersistentVolumeClaim", "selector": selector, "action": "patch",
            "options": {"data": {"spec": {"resources": {"requests": {"storage": size}}}}},
        }));
        hooks.insert("preUpgrade".into(), Value::Array(pre));
    } else {
        hooks.insert("preUpgrade".into(), Value::Array(pre));
        hooks.insert(
            "postUpgrade".into(),
            json!([{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "selector": selector, "action": "delete"}]),
        );
    }
    if let Some(release) = out.iter_mut().find(|o| o.kind == "HelmRelease")
        && let Some(spec) = release.body.get_mut("spec").and_then(Value::as_object_mut)
    {
        spec.insert("lifecycleHooks".into(), Value::Object(hooks));
    }
    let datasource = ctx
        .templates
        .render("addons/loki-stack-datasource", &json!({"namespace": ns}))?;
    let dashboards = dashboards_config_map(
        ctx,
        "loki-stack-grafana-dashboards",
        &[
            ("loki-pod-logs-dashboard.json", "loki-pod-logs"),
            ("loki-systemd-logs-dashboard.json", "loki-systemd-logs"),
            ("loki-metrics-dashboard.json", "loki-metrics"),
        ],
    )?;
    let name = "loki-stack-dashboards";
    out.push(manifests(
        ctx,
        name,
        name,
        ns,
        name,
        vec![datasource, dashboards],
    )?);
    Ok(out)
}

fn blackbox_exporter(ctx: &Context, b: &BlackboxExporter) -> Result<Vec<Object>> {
    let (ns, values) = release_parts(b.release.as_ref());
    let auth_target = b
        .openstack_auth_url_target
        .as_ref()
        .is_some_and(|t| t.enabled == Some(true));
    let defaults = ctx.templates.render(
        "addons/blackbox-exporter",
        &json!({"openstackAuthUrlTarget": auth_target}),
    )?;
    let mut out = defaults_and_overrides(
        ctx,
        "blackbox-exporter",
        b.chart.as_ref(),
        ns,
        &defaults,
        values,
    )?;
    if let Some(release) = out.iter_mut().find(|o| o.kind == "HelmRelease") {
        release.body["spec"]["releaseName"] = json!("prometheus-blackbox-exporter");
    }
    let dashboards = dashboards_config_map(
        ctx,
        "blackbox-exporter-dashboards",
        &[("blackbox-exporter-dashboard.json", "blackbox-exporter")],
    )?;
    let name = "blackbox-exporter-dashboards";
    out.push(manifests(ctx, name, name, ns, name, vec![dashboards])?);
    let alerts = ctx
        .templates
        .render("addons/blackbox-exporter-alerts", &json!({}))?;
    let name = "blackbox-exporter-alerts";
    out.push(manifests(ctx, name, name, ns, name, vec![alerts])?);
    Ok(out)
}

#[cfg(test)]
mod examples {
    //! What the items above do, shown on small inputs.

    #[test]
    fn retention_size() {
        assert_eq!(
            crate::addons::monitoring::retention_size("10Gi").as_deref(),
            Some("8GB")
        );
        assert_eq!(
            crate::addons::monitoring::retention_size("1.5T").as_deref(),
            Some("1TB")
        );
    }
}

//! OpenStack integrations: the `cloud-config` Secret on the workload cluster, the cloud
//! controller manager, the Cinder and Manila CSI drivers with their storage classes, and
//! the Keystone authentication webhook.

use serde_json::{Map, Value, json};

use crate::context::Context;
use crate::error::{Error, FieldError, Result};
use crate::object::Object;
use crate::resources::kubeadm::go_string;
use crate::values::addons::Addons;
use crate::values::addons::core::OpenStack;

use super::objects::{
    chart_value, cluster_name, defaults_and_overrides, manifests, manifests_named, overrides_only,
};
use super::storage_class;

/// The OpenStack integrations' objects, when `addons.openstack.enabled`.
pub fn build(ctx: &Context, addons: &Addons) -> Result<Vec<Object>> {
    let Some(os) = addons
        .openstack
        .as_ref()
        .filter(|o| o.enabled == Some(true))
    else {
        return Ok(vec![]);
    };
    let ns = os.target_namespace.as_deref();
    let reloader = addons
        .reloader
        .as_ref()
        .is_some_and(|r| r.enabled == Some(true));
    let cephfs = addons
        .csi
        .as_ref()
        .and_then(|c| c.cephfs.as_ref())
        .is_some_and(|c| c.is_enabled());
    let mut out = vec![cloud_config(ctx, os)?];
    if let Some(ccm) = os.ccm.as_ref().filter(|c| c.enabled == Some(true)) {
        let defaults = ctx.templates.render(
            "addons/ccm-openstack",
            &json!({"clusterName": cluster_name(ctx), "reloader": reloader}),
        )?;
        let values = ccm.values.as_ref().unwrap_or(&Value::Null);
        out.extend(defaults_and_overrides(
            ctx,
            "ccm-openstack",
            ccm.chart.as_ref(),
            ns,
            &defaults,
            values,
        )?);
    }
    if let Some(cinder) = os.csi_cinder.as_ref().filter(|c| c.enabled == Some(true)) {
        let defaults = ctx.templates.render(
            "addons/csi-cinder",
            &json!({"clusterName": cluster_name(ctx), "reloader": reloader}),
        )?;
        let values = cinder.values.as_ref().unwrap_or(&Value::Null);
        out.extend(defaults_and_overrides(
            ctx,
            "csi-cinder",
            cinder.chart.as_ref(),
            ns,
            &defaults,
            values,
        )?);
        let classes = storage_class::manifest_texts(
            cinder,
            "addons.openstack.csiCinder",
            storage_class::cinder,
        )?;
        if !classes.is_empty() {
            out.push(manifests_named(
                ctx,
                "csi-cinder",
                &crate::naming::suffixed_component_name(ctx.release, "csi-cinder", "storageclass"),
                ns,
                "csi-cinder-storageclass",
                classes,
            )?);
        }
    }
    if let Some(manila) = os.csi_manila.as_ref().filter(|c| c.enabled == Some(true)) {
        let defaults = ctx.templates.render(
            "addons/csi-manila",
            &json!({"clusterName": cluster_name(ctx), "cephfs": cephfs}),
        )?;
        let values = manila.values.as_ref().unwrap_or(&Value::Null);
        out.extend(defaults_and_overrides(
            ctx,
            "csi-manila",
            manila.chart.as_ref(),
            ns,
            &defaults,
            values,
        )?);
        let classes =
            storage_class::manifest_texts(manila, "addons.openstack.csiManila", |sc, _, path| {
                storage_class::manila(sc, path, ns.unwrap_or_default(), cephfs)
            })?;
        if !classes.is_empty() {
            let mut templates = vec![
                ctx.templates
                    .render("addons/csi-manila-credentials", &json!({}))?,
            ];
            templates.extend(classes);
            out.push(manifests_named(
                ctx,
                "csi-manila",
                &crate::naming::suffixed_component_name(ctx.release, "csi-manila", "storageclass"),
                ns,
                "csi-manila-storageclass",
                templates,
            )?);
        }
    }
    if let Some(ka) = os
        .k8s_keystone_auth
        .as_ref()
        .filter(|k| k.enabled == Some(true))
    {
        let values = ka.values.as_ref().unwrap_or(&Value::Null);
        out.extend(overrides_only(
            ctx,
            "k8s-keystone-auth",
            chart_value(ka.chart.as_ref()),
            ka.target_namespace.as_deref(),
            values,
        )?);
    }
    Ok(out)
}

/// `key=value` lines of a cloud.conf section, sorted by key, values as Go prints them.
fn ini_lines(items: &Map<String, Value>, skip: &str) -> Vec<String> {
    items
        .iter()
        .filter(|(k, _)| k.as_str() != skip)
        .map(|(k, v)| format!("{k}={}", go_string(v)))
        .collect()
}

/// The values path of the cloud provider's configuration.
const CLOUD_CONFIG: &str = "addons.openstack.cloudConfig";

/// The problems of `addons.openstack.cloudConfig`: `cloud.conf` holds sections of
/// `key=value` lines. A section is a mapping (null: an empty section); section names and
/// keys are one line, without `[` or `]` (keys without `=` either); values are strings,
/// numbers or booleans of one line. A line break would end the line early and, inside the
/// Secret's block text, end the text: the workload cluster would get a manifest it cannot
/// read.
pub fn check_cloud_config(config: &std::collections::BTreeMap<String, Value>) -> Vec<FieldError> {
    let mut problems = Vec::new();
    let one_line = |s: &str| !s.contains(['\n', '\r']);
    for (name, items) in config {
        let at = format!("{CLOUD_CONFIG}.{name}");
        if name.is_empty() || !one_line(name) || name.contains(['[', ']']) {
            problems.push(FieldError::new(
                &at,
                format!(
                    "{name:?} is not a section name of cloud.conf: one line, without '[' or ']'"
                ),
            ));
        }
        let items = match items {
            Value::Null => continue,
            Value::Object(m) => m,
            other => {
                problems.push(FieldError::new(
                    &at,
                    format!("must be a mapping of key: value (the [{name}] section of cloud.conf), not {}", shape_of(other)),
                ));
                continue;
            }
        };
        for (key, value) in items {
            let at = format!("{at}.{key}");
            if key.is_empty() || !one_line(key) || key.contains(['=', '[', ']']) {
                problems.push(FieldError::new(
                    &at,
                    format!(
                        "{key:?} is not a key of cloud.conf: one line, without '=', '[' or ']'"
                    ),
                ));
            }
            match value {
                Value::String(v) if !one_line(v) => problems.push(FieldError::new(
                    &at,
                    "must be one line: cloud.conf holds one key=value a line (a line break would also end the cloud-config Secret's text)",
                )),
                Value::Array(_) | Value::Object(_) => problems.push(FieldError::new(
                    &at,
                    format!("must be a string, number or boolean (one key=value line of cloud.conf), not {}", shape_of(value)),
                )),
                _ => {}
            }
        }
    }
    problems
}

/// What a value is, in words, for messages.
fn shape_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn cloud_config(ctx: &Context, os: &OpenStack) -> Result<Object> {
    let config = crate::values::section(&os.cloud_config);
    let problems = check_cloud_config(&config);
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    let section = |name: &str| -> Map<String, Value> {
        config
            .get(name)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let networking = section("Networking");
    let mut networking_lines = vec![match networking.get("internal-network-name") {
        Some(v) => format!("internal-network-name={}", go_string(v)),
        None => "internal-network-name={{ infra_cluster.status.network.name }}".to_string(),
    }];
    networking_lines.extend(ini_lines(&networking, "internal-network-name"));
    let lb = section("LoadBalancer");
    let floating = lb
        .get("floating-network-id")
        .map(|v| format!("floating-network-id={}", go_string(v)));
    let sections: Vec<Value> = config
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "Global" | "LoadBalancer" | "Networking"))
        .map(|(name, items)| {
            let lines = items
                .as_object()
                .map(|m| ini_lines(m, ""))
                .unwrap_or_default();
            json!({"name": name, "lines": lines})
        })
        .collect();
    let text = ctx.templates.render(
        "addons/cloud-config",
        &json!({
            "networking": networking_lines,
            "floatingNetworkId": floating,
            "loadBalancer": ini_lines(&lb, "floating-network-id"),
            "sections": sections,
        }),
    )?;
    manifests(
        ctx,
        "cloud-config",
        "cloud-config",
        os.target_namespace.as_deref(),
        "cloud-config",
        vec![text],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(v: Value) -> Vec<(String, String)> {
        let config = serde_json::from_value(v).unwrap();
        check_cloud_config(&config)
            .into_iter()
            .map(|p| (p.path, p.message))
            .collect()
    }

    #[test]
    fn cloud_config_is_sections_of_one_line_values() {
        assert!(problems(serde_json::json!({
            "LoadBalancer": {"lb-provider": "ovn", "create-monitor": true, "monitor-max-retries": 3},
            "BlockStorage": null,
            "Networking": {"internal-network-name": "{{ infra_cluster.status.network.name }}"},
        }))
        .is_empty());
        for (given, path, part) in [
            (
                serde_json::json!({"Global": "x"}),
                "addons.openstack.cloudConfig.Global",
                "must be a mapping",
            ),
            (
                serde_json::json!({"A": {"k": "a\nb"}}),
                "addons.openstack.cloudConfig.A.k",
                "must be one line",
            ),
            (
                serde_json::json!({"A": {"k": ["a"]}}),
                "addons.openstack.cloudConfig.A.k",
                "not a list",
            ),
            (
                serde_json::json!({"A": {"k=v": "a"}}),
                "addons.openstack.cloudConfig.A.k=v",
                "is not a key",
            ),
            (
                serde_json::json!({"A]": {}}),
                "addons.openstack.cloudConfig.A]",
                "is not a section name",
            ),
        ] {
            let p = problems(given.clone());
            assert!(
                p.iter().any(|(at, m)| at == path && m.contains(part)),
                "{given}: {p:?}"
            );
        }
    }
}

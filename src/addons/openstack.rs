//! OpenStack integrations: the `cloud-config` Secret on the workload cluster, the cloud
//! controller manager, the Cinder and Manila CSI drivers with their storage classes, and
//! the Keystone authentication webhook.

use serde_json::{Map, Value, json};

use crate::error::Result;
use crate::object::Object;
use crate::context::Context;
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

fn cloud_config(ctx: &Context, os: &OpenStack) -> Result<Object> {
    let config = crate::values::section(&os.cloud_config);
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

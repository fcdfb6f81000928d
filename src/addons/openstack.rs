//! OpenStack integrations: the `cloud-config` Secret on the workload cluster, the cloud
//! controller manager, the Cinder and Manila CSI drivers with their storage classes, and
//! the Keystone authentication webhook.

use serde_json::{Map, Value, json};

use crate::error::{Error, FieldError, Result};
use crate::object::Object;
use crate::context::Context;
use crate::resources::kubeadm::go_string;
use crate::values::addons::Addons;
use crate::values::addons::core::{OpenStack, StorageClass, StorageCsi};

use super::objects::{
    chart_value, cluster_name, defaults_and_overrides, manifests, overrides_only, truthy, yaml_text,
};

const CINDER_PROVISIONER: &str = "cinder.csi.openstack.org";
const MANILA_CEPHFS_PROVISIONER: &str = "cephfs.manila.csi.openstack.org";

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
        let classes =
            storage_classes(cinder, "addons.openstack.csiCinder", |sc, default, path| {
                cinder_storage_class(sc, default, path)
            })?;
        if !classes.is_empty() {
            out.push(manifests(
                ctx,
                "csi-cinder",
                "csi-cinder-storageclass",
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
            storage_classes(manila, "addons.openstack.csiManila", |sc, default, path| {
                manila_storage_class(sc, default, path, ns.unwrap_or_default(), cephfs)
            })?;
        if !classes.is_empty() {
            let mut templates = vec![
                ctx.templates
                    .render("addons/csi-manila-credentials", &json!({}))?,
            ];
            templates.extend(classes);
            out.push(manifests(
                ctx,
                "csi-manila",
                "csi-manila-storageclass",
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

/// The manifest texts of a driver's storage classes: the default one (when enabled)
/// and the additional ones.
fn storage_classes(
    csi: &StorageCsi,
    path: &str,
    build: impl Fn(&StorageClass, bool, &str) -> Result<Value>,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    if let Some(sc) = csi
        .default_storage_class
        .as_ref()
        .filter(|s| s.enabled == Some(true))
    {
        match build(sc, true, &format!("{path}.defaultStorageClass")) {
            Ok(v) => out.push(yaml_text(&v)?),
            Err(Error::Invalid(p)) => problems.extend(p),
            Err(e) => return Err(e),
        }
    }
    for (i, sc) in csi.additional_storage_classes.iter().flatten().enumerate() {
        match build(sc, false, &format!("{path}.additionalStorageClasses[{i}]")) {
            Ok(v) => out.push(yaml_text(&v)?),
            Err(Error::Invalid(p)) => problems.extend(p),
            Err(e) => return Err(e),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(Error::Invalid(problems))
    }
}

fn class_name(sc: &StorageClass, path: &str) -> Result<String> {
    sc.name.clone().filter(|n| !n.is_empty()).ok_or_else(|| {
        Error::Invalid(vec![FieldError::new(
            format!("{path}.name"),
            "is required: the name of the storage class",
        )])
    })
}

fn class_metadata(name: String, default_class: bool) -> Value {
    let mut m = json!({ "name": name });
    if default_class {
        m["annotations"] = json!({"storageclass.kubernetes.io/is-default-class": "true"});
    }
    m
}

/// A Cinder storage class. The default class takes its settings as given; additional
/// classes get the usual defaults (zone `nova`, `Delete`, expansion allowed,
/// `WaitForFirstConsumer`).
fn cinder_storage_class(sc: &StorageClass, is_default_entry: bool, path: &str) -> Result<Value> {
    let name = if is_default_entry {
        sc.name.clone().unwrap_or_default()
    } else {
        class_name(sc, path)?
    };
    let mut params = Map::new();
    let zone = match (&sc.availability_zone, is_default_entry) {
        (Some(z), _) if !z.is_empty() => Value::String(z.clone()),
        (_, false) => Value::String("nova".into()),
        _ => Value::Null,
    };
    params.insert("availability".into(), zone);
    if let Some(t) = sc.volume_type.as_ref().filter(|t| !t.is_empty()) {
        params.insert("type".into(), json!(t));
    }
    if let Some(f) = sc.fstype.as_ref().filter(|f| !f.is_empty()) {
        params.insert("fstype".into(), json!(f));
    }
    let mut v = json!({
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "provisioner": CINDER_PROVISIONER,
    });
    // Moved in: `json!` would copy them.
    v["metadata"] = class_metadata(
        name,
        is_default_entry && sc.is_cluster_default == Some(true),
    );
    v["parameters"] = Value::Object(params);
    finish_class(&mut v, sc, is_default_entry);
    Ok(v)
}

fn finish_class(v: &mut Value, sc: &StorageClass, is_default_entry: bool) {
    if is_default_entry {
        v["reclaimPolicy"] = json!(sc.reclaim_policy);
        v["allowVolumeExpansion"] = json!(sc.allow_volume_expansion);
        v["volumeBindingMode"] = json!(sc.volume_binding_mode);
    } else {
        v["reclaimPolicy"] = json!(
            sc.reclaim_policy
                .clone()
                .filter(|s| !s.is_empty())
                .unwrap_or("Delete".into())
        );
        v["allowVolumeExpansion"] = json!(sc.allow_volume_expansion.unwrap_or(true));
        v["volumeBindingMode"] = json!(
            sc.volume_binding_mode
                .clone()
                .filter(|s| !s.is_empty())
                .unwrap_or("WaitForFirstConsumer".into())
        );
    }
    if let Some(t) = sc.allowed_topologies.as_ref().filter(|t| truthy(t)) {
        v["allowedTopologies"] = t.clone();
    }
}

/// A Manila storage class: the provisioner and share type default to CephFS when the
/// CephFS CSI driver is enabled; the credentials are those of `csi-manila-credentials`.
fn manila_storage_class(
    sc: &StorageClass,
    is_default_entry: bool,
    path: &str,
    namespace: &str,
    cephfs: bool,
) -> Result<Value> {
    let name = class_name(sc, path)?;
    let mut problems = Vec::new();
    let provisioner = match sc.provisioner.as_ref().filter(|p| !p.is_empty()) {
        Some(p) => p.clone(),
        None if cephfs => MANILA_CEPHFS_PROVISIONER.into(),
        None => {
            problems.push(FieldError::new(
                format!("{path}.provisioner"),
                format!("is required for storage class '{name}' (or enable addons.csi.cephfs for CephFS shares)"),
            ));
            String::new()
        }
    };
    let given = sc.parameters.clone().unwrap_or_default();
    let mut params = Map::new();
    for kind in [
        "provisioner",
        "controller-expand",
        "node-stage",
        "node-publish",
    ] {
        params.insert(
            format!("csi.storage.k8s.io/{kind}-secret-name"),
            json!("csi-manila-credentials"),
        );
        params.insert(
            format!("csi.storage.k8s.io/{kind}-secret-namespace"),
            json!(namespace),
        );
    }
    match given.get("type").filter(|t| truthy(t)) {
        Some(t) => {
            params.insert("type".into(), t.clone());
        }
        None if cephfs => {
            params.insert("type".into(), json!("cephfs"));
        }
        None => problems.push(FieldError::new(
            format!("{path}.parameters.type"),
            format!("is required for storage class '{name}': the Manila share type (or enable addons.csi.cephfs)"),
        )),
    }
    for (k, v) in given.iter().filter(|(k, _)| k.as_str() != "type") {
        params.insert(k.clone(), v.clone());
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    let mut v = json!({
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "provisioner": provisioner,
    });
    // Moved in: `json!` would copy them.
    v["metadata"] = class_metadata(name, sc.is_cluster_default == Some(true));
    v["parameters"] = Value::Object(params);
    finish_class(&mut v, sc, false);
    let _ = is_default_entry;
    Ok(v)
}

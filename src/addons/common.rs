//! Pieces shared by the addon builders: the standard "defaults + overrides" HelmRelease,
//! Manifests objects, and YAML text for manifest templates.
//!
//! Every addon follows the addon provider's model: a config Secret
//! `<release>-<component>-config` (labelled `addons.stackhpc.com/watch`) holds the values,
//! and a `HelmRelease` or `Manifests` object of `addons.stackhpc.com/v1alpha1` points at
//! it. Jinja text (`{{ … }}`, `{% … %}`) in values and manifest templates is for the
//! addon provider, which evaluates it against the cluster's objects; capiform emits it
//! verbatim (in handlebars templates it is written `\{{ … }}`).

use serde_json::{Value, json};

use crate::api::{Fields, IntoValue};
use crate::error::Result;
use crate::object::Object;
use crate::render::Context;
use crate::values::addons::extras::{AddonChart, AddonRelease};

pub(crate) use super::extras::{
    addon_name, chart_value, cluster_name, config_secret, helm_release, meta, to_yaml,
};

/// The standard addon: a Secret with the template set's `defaults` and the user's
/// `overrides`, and a HelmRelease reading both (release name = component).
///
/// ```no_run
/// # fn f(ctx: &capiform::Context) {
/// let objs = capiform::addons::common::defaults_and_overrides(ctx, "metrics-server", None, None, "args: []", &serde_json::json!({})).unwrap();
/// assert_eq!(objs.len(), 2);
/// # }
/// ```
pub fn defaults_and_overrides(
    ctx: &Context,
    component: &str,
    chart: Option<&AddonChart>,
    namespace: Option<&str>,
    defaults: &str,
    overrides: &Value,
) -> Result<Vec<Object>> {
    let data = Fields::new()
        .set("defaults", defaults.to_string())
        .set("overrides", to_yaml(overrides));
    let secret = config_secret(ctx, component, data.into_value())?;
    let name = secret.metadata.name.clone();
    let release = helm_release(
        ctx,
        component,
        chart_value(chart),
        namespace.map_or(Value::Null, |n| Value::String(n.to_string())),
        &[(name.as_str(), "defaults"), (name.as_str(), "overrides")],
        false,
    )?;
    Ok(vec![secret, release])
}

/// An addon whose Secret holds only the user's `overrides`.
///
/// ```no_run
/// # fn f(ctx: &capiform::Context) {
/// let objs = capiform::addons::common::overrides_only(ctx, "etcd-defrag", serde_json::json!({}), None, &serde_json::json!({})).unwrap();
/// # }
/// ```
pub fn overrides_only(
    ctx: &Context,
    component: &str,
    chart: Value,
    namespace: Option<&str>,
    overrides: &Value,
) -> Result<Vec<Object>> {
    let data = crate::object::single("overrides", Value::String(to_yaml(overrides)));
    let secret = config_secret(ctx, component, data)?;
    let name = secret.metadata.name.clone();
    let release = helm_release(
        ctx,
        component,
        chart,
        namespace.map_or(Value::Null, |n| Value::String(n.to_string())),
        &[(name.as_str(), "overrides")],
        false,
    )?;
    Ok(vec![secret, release])
}

/// A `Manifests` object named `<release>-<name>` (labelled with `component`), applying
/// the given manifest templates.
///
/// ```no_run
/// # fn f(ctx: &capiform::Context) {
/// let m = capiform::addons::common::manifests(ctx, "csi-cinder", "csi-cinder-storageclass", Some("openstack-system"), "csi-cinder-storageclass", vec!["kind: X".into()]).unwrap();
/// # }
/// ```
pub fn manifests(
    ctx: &Context,
    component: &str,
    name: &str,
    namespace: Option<&str>,
    release_name: &str,
    templates: Vec<String>,
) -> Result<Object> {
    let object_name = addon_name(ctx, name);
    manifests_named(
        ctx,
        component,
        &object_name,
        namespace,
        release_name,
        templates,
    )
}

/// [`manifests`] with the object's full name given: the storage classes are named
/// `<release>-csi-cinder` cut to 63 characters, *then* `-storageclass` (as the chart
/// names them; custom resource names may be 253 characters long).
///
/// ```no_run
/// # fn f(ctx: &capiform::Context) {
/// let name = capiform::naming::suffixed_component_name(ctx.release, "csi-cinder", "storageclass");
/// let m = capiform::addons::common::manifests_named(ctx, "csi-cinder", &name, Some("openstack-system"), "csi-cinder-storageclass", vec!["kind: X".into()]).unwrap();
/// # }
/// ```
pub fn manifests_named(
    ctx: &Context,
    component: &str,
    object_name: &str,
    namespace: Option<&str>,
    release_name: &str,
    templates: Vec<String>,
) -> Result<Object> {
    let m = meta(ctx, component, object_name);
    let sources: Vec<Value> = templates
        .into_iter()
        .map(|t| crate::object::single("template", Value::String(t)))
        .collect();
    let mut spec = json!({
        "clusterName": cluster_name(ctx),
        "bootstrap": true,
        "targetNamespace": namespace,
        "releaseName": release_name,
    });
    spec["manifestSources"] = Value::Array(sources);
    Object::from_value(
        "addons.stackhpc.com/v1alpha1",
        "Manifests",
        m,
        crate::object::single("spec", spec),
    )
}

/// YAML text of an object, for a manifest template.
///
/// ```
/// assert_eq!(capiform::addons::common::yaml_text(&serde_json::json!({"a": 1})).unwrap(), "a: 1\n");
/// ```
pub fn yaml_text(v: &Value) -> Result<String> {
    Ok(crate::output::value_to_yaml(v))
}

/// The namespace and values of a release section.
///
/// ```
/// let (ns, v) = capiform::addons::common::release_parts(None);
/// assert!(ns.is_none() && v.is_null());
/// ```
pub fn release_parts(release: Option<&AddonRelease>) -> (Option<&str>, &Value) {
    (
        release.and_then(|r| r.namespace.as_deref()),
        release
            .and_then(|r| r.values.as_ref())
            .unwrap_or(&Value::Null),
    )
}

/// Go-template truthiness of a value (what the chart's `if` tests).
///
/// ```
/// assert!(!capiform::addons::common::truthy(&serde_json::json!({})));
/// assert!(capiform::addons::common::truthy(&serde_json::json!("x")));
/// ```
pub fn truthy(v: &Value) -> bool {
    !crate::resources::kubeadm::is_empty(v)
}

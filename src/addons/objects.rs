//! The objects every addon is made of, built in one place: the config Secret holding an
//! addon's values, the addon provider's `HelmRelease` and `Manifests` objects pointing at
//! it, their metadata and names, and the standard combinations of these.
//!
//! Every addon follows the addon provider's model: a config Secret
//! `<release>-<component>-config` (labelled `addons.stackhpc.com/watch`) holds the values,
//! and a `HelmRelease` or `Manifests` object of `addons.stackhpc.com/v1alpha1` points at
//! it. Jinja text (`{{ … }}`, `{% … %}`) in values and manifest templates is for the
//! addon provider, which evaluates it against the cluster's objects; capiform emits it
//! verbatim (in handlebars templates it is written `\{{ … }}`).

use serde_json::{Value, json};

use crate::api::{Fields, IntoValue};
use crate::context::Context;
use crate::error::Result;
use crate::object::{Object, ObjectMeta};
use crate::values::addons::extras::{AddonChart, AddonRelease, HelmAddon};

/// The standard addon: a Secret with the template set's `defaults` and the user's
/// `overrides`, and a HelmRelease reading both (release name = component).
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
pub fn yaml_text(v: &Value) -> Result<String> {
    Ok(crate::output::value_to_yaml(v))
}

/// The namespace and values of a release section.
pub fn release_parts(release: Option<&AddonRelease>) -> (Option<&str>, &Value) {
    (
        release.and_then(|r| r.namespace.as_deref()),
        release
            .and_then(|r| r.values.as_ref())
            .unwrap_or(&Value::Null),
    )
}

/// Go-template truthiness of a value (what the chart's `if` tests).
pub fn truthy(v: &Value) -> bool {
    !crate::resources::kubeadm::is_empty(v)
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
    let (ns, values) = release_parts(a.release.as_ref());
    defaults_and_overrides(ctx, component, a.chart.as_ref(), ns, defaults, values)
}

/// Secret with `overrides` only plus a HelmRelease reading it, marked for Argo CD.
pub(crate) fn overrides_only_addon(
    ctx: &Context,
    component: &str,
    a: &HelmAddon,
    chart: Value,
) -> Result<Vec<Object>> {
    let (ns, values) = release_parts(a.release.as_ref());
    let mut objects = overrides_only(ctx, component, chart, ns, values)?;
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
    release_parts(a.release.as_ref()).1
}

/// A value as a YAML document.
pub(crate) fn to_yaml(v: &Value) -> String {
    crate::output::value_to_yaml(v)
}

/// `addons.monitoring.enabled` (the monitoring group owns that section's type).
pub(crate) fn monitoring_enabled(ctx: &Context) -> bool {
    ctx.raw["addons"]["monitoring"]["enabled"]
        .as_bool()
        .unwrap_or(false)
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
}

#[cfg(test)]
mod examples {
    //! What the items above do, shown on small inputs.

    #[test]
    fn yaml_text() {
        assert_eq!(
            crate::addons::objects::yaml_text(&serde_json::json!({"a": 1})).unwrap(),
            "a: 1\n"
        );
    }

    #[test]
    fn release_parts() {
        let (ns, v) = crate::addons::objects::release_parts(None);
        assert!(ns.is_none() && v.is_null());
    }

    #[test]
    fn truthy() {
        assert!(!crate::addons::objects::truthy(&serde_json::json!({})));
        assert!(crate::addons::objects::truthy(&serde_json::json!("x")));
    }
}

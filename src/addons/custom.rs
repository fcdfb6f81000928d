//! Custom addons: `addons.custom.<name>` of kind `HelmRelease` (any chart with values)
//! or `Manifests` (any manifests). Their content is wrapped in Jinja `{% raw %}` blocks so
//! that the addon provider applies it as given.

use serde_json::{Value, json};

use crate::context::Context;
use crate::error::{Error, FieldError, Result};
use crate::object::Object;
use crate::values::addons::Addons;

use super::objects::{addon_name, chart_value, cluster_name, config_secret, helm_release, meta};

/// Wrap text in a Jinja raw block (the addon provider leaves it untouched).
pub fn jinja_raw(text: &str) -> String {
    let body = text.trim_end_matches('\n');
    format!("{{%- raw %}}\n{body}\n{{%- endraw %}}\n")
}

/// Wrap a custom manifest in a Jinja raw block keeping the text as written, its final
/// newline included, as the chart writes it (the `{%-` of the closing tag strips that
/// newline again, so the addon provider sees the same text either way; a Secret adopted
/// from helm then holds the same bytes).
pub fn jinja_raw_manifest(text: &str) -> String {
    format!("{{%- raw %}}\n{text}\n{{%- endraw %}}\n")
}

/// Why a custom manifest's text is not what the addon provider can apply: not YAML, or a
/// document that is not a mapping (an object). `None` when it is.
fn not_manifest_yaml(text: &str) -> Option<String> {
    use serde::Deserialize;
    for (i, document) in serde_yaml::Deserializer::from_str(text).enumerate() {
        match serde_yaml::Value::deserialize(document) {
            Err(e) => return Some(format!("is not YAML ({e})")),
            Ok(serde_yaml::Value::Null | serde_yaml::Value::Mapping(_)) => {}
            Ok(_) => return Some(format!("document {} is not a mapping (an object)", i + 1)),
        }
    }
    None
}

/// Every custom addon, in name order.
pub fn build(ctx: &Context, addons: &Addons) -> Result<Vec<Object>> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (name, addon) in addons.custom.iter().flatten() {
        let spec = crate::values::section(&addon.spec);
        let namespace = spec.namespace.clone().map_or(Value::Null, Value::String);
        match addon.kind.as_deref() {
            Some("HelmRelease") => {
                let values = super::objects::to_yaml(spec.values.as_ref().unwrap_or(&Value::Null));
                let data = crate::object::single("values", Value::String(jinja_raw(&values)));
                let secret = config_secret(ctx, name, data)?;
                let secret_name = secret.metadata.name.clone();
                out.push(secret);
                out.push(helm_release(
                    ctx,
                    name,
                    chart_value(spec.chart.as_ref()),
                    namespace,
                    &[(secret_name.as_str(), "values")],
                    false,
                )?);
            }
            Some("Manifests") => {
                for (key, text) in spec.manifests.iter().flatten() {
                    if let Some(why) = not_manifest_yaml(text) {
                        problems.push(FieldError::new(
                            format!("addons.custom.{name}.spec.manifests.{key}"),
                            format!("{why}: the addon provider reads a custom manifest as YAML documents, each a Kubernetes object, and capiform keeps the text as written (no Jinja or helm template is evaluated in it)"),
                        ));
                    }
                }
                let data: serde_json::Map<String, Value> = spec
                    .manifests
                    .iter()
                    .flatten()
                    .map(|(k, m)| (k.clone(), Value::String(jinja_raw_manifest(m))))
                    .collect();
                let secret = config_secret(ctx, name, Value::Object(data))?;
                let secret_name = secret.metadata.name.clone();
                out.push(secret);
                out.push(Object::from_value(
                    "addons.stackhpc.com/v1alpha1",
                    "Manifests",
                    meta(ctx, name, &addon_name(ctx, name)),
                    json!({"spec": {
                        "clusterName": cluster_name(ctx),
                        "bootstrap": true,
                        "targetNamespace": namespace,
                        "releaseName": name,
                        "manifestSources": [{"secret": {"name": secret_name}}],
                    }}),
                )?);
            }
            other => problems.push(FieldError::new(
                format!("addons.custom.{name}.kind"),
                format!(
                    "{} is not a custom addon kind (expected HelmRelease or Manifests)",
                    other.map_or("nothing".to_string(), |k| format!("'{k}'"))
                ),
            )),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(Error::Invalid(problems))
    }
}

#[cfg(test)]
mod examples {
    //! What the items above do, shown on small inputs.

    #[test]
    fn not_manifest_yaml() {
        use crate::addons::custom::not_manifest_yaml;
        assert_eq!(not_manifest_yaml("a: 1\n---\nb: 2\n"), None);
        assert_eq!(not_manifest_yaml(""), None);
        let e = not_manifest_yaml("metadata:\n  name: {{ cluster.metadata.name }}-ns\n").unwrap();
        assert!(e.starts_with("is not YAML ("), "{e}");
        assert_eq!(not_manifest_yaml("just text").unwrap(), "document 1 is not a mapping (an object)");
    }

    #[test]
    fn jinja_raw() {
        assert_eq!(
            crate::addons::custom::jinja_raw("a: 1\n"),
            "{%- raw %}\na: 1\n{%- endraw %}\n"
        );
    }

    #[test]
    fn jinja_raw_manifest() {
        assert_eq!(
            crate::addons::custom::jinja_raw_manifest("a: 1\n"),
            "{%- raw %}\na: 1\n\n{%- endraw %}\n"
        );
        assert_eq!(
            crate::addons::custom::jinja_raw_manifest("a: 1"),
            "{%- raw %}\na: 1\n{%- endraw %}\n"
        );
    }
}

//! The rendered objects and the manifest that holds them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// Metadata of a rendered object. Objects carry no namespace, as `helm template` prints
/// them: they are applied into the release namespace.
///
/// ```
/// let m = capiform::ObjectMeta::named("demo");
/// assert_eq!(m.name, "demo");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ObjectMeta {
    /// Object name.
    pub name: String,
    /// Labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, Value>,
}

impl ObjectMeta {
    /// Metadata with a name and nothing else.
    ///
    /// ```
    /// assert!(capiform::ObjectMeta::named("x").labels.is_empty());
    /// ```
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Default::default()
        }
    }
}

/// A rendered Kubernetes object: `apiVersion`, `kind`, `metadata` and the rest of its
/// fields (`spec`, `stringData`, `rules` …). Builders construct typed specs and turn
/// them into an `Object` with [`Object::new`].
///
/// ```
/// let obj = capiform::Object::new("v1", "ServiceAccount", capiform::ObjectMeta::named("sa"), serde_json::json!({})).unwrap();
/// assert_eq!(obj.kind, "ServiceAccount");
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Object {
    /// API version, e.g. `cluster.x-k8s.io/v1beta1`.
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    /// Kind, e.g. `Cluster`.
    pub kind: String,
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Every other top-level field.
    #[serde(flatten)]
    pub body: Map<String, Value>,
}

impl Object {
    /// Build an object from a serializable body (a struct with `spec`, or a map).
    ///
    /// ```
    /// #[derive(serde::Serialize)]
    /// struct Body { spec: std::collections::BTreeMap<String, String> }
    /// let obj = capiform::Object::new("v1", "X", capiform::ObjectMeta::named("x"), Body { spec: Default::default() }).unwrap();
    /// assert!(obj.body.contains_key("spec"));
    /// ```
    pub fn new(
        api_version: impl Into<String>,
        kind: impl Into<String>,
        metadata: ObjectMeta,
        body: impl Serialize,
    ) -> Result<Self> {
        let body = serde_json::to_value(body).map_err(|e| Error::invalid("", e.to_string()))?;
        Self::from_value(api_version, kind, metadata, body)
    }

    /// Build an object from a body that is already a JSON value (e.g. `json!({...})`),
    /// taking it as it is: [`Object::new`] would copy it once more. `null` is an empty
    /// body; anything but a mapping is an error.
    ///
    /// ```
    /// let obj = capiform::Object::from_value("v1", "ConfigMap", capiform::ObjectMeta::named("c"),
    ///     serde_json::json!({"data": {"a": "b"}})).unwrap();
    /// assert_eq!(obj.body["data"]["a"], "b");
    /// ```
    pub fn from_value(
        api_version: impl Into<String>,
        kind: impl Into<String>,
        metadata: ObjectMeta,
        body: Value,
    ) -> Result<Self> {
        let mut body = match body {
            Value::Object(m) => m,
            Value::Null => Map::new(),
            other => {
                return Err(Error::invalid(
                    "",
                    format!("internal: object body must be a map, got {other}"),
                ));
            }
        };
        let (api_version, kind) = (api_version.into(), kind.into());
        take_header_out_of_body(&mut body, &api_version, &kind)?;
        Ok(Self {
            api_version,
            kind,
            metadata,
            body,
        })
    }

    /// `Kind/name`, as used in messages.
    ///
    /// ```
    /// let obj = capiform::Object::new("v1", "Secret", capiform::ObjectMeta::named("s"), serde_json::json!({})).unwrap();
    /// assert_eq!(obj.id(), "Secret/s");
    /// ```
    pub fn id(&self) -> String {
        format!("{}/{}", self.kind, self.metadata.name)
    }

    /// The object as a JSON value.
    ///
    /// ```
    /// let obj = capiform::Object::new("v1", "Secret", capiform::ObjectMeta::named("s"), serde_json::json!({})).unwrap();
    /// assert_eq!(obj.to_value()["kind"], "Secret");
    /// ```
    ///
    /// Numbers are as a reader of the object's YAML reads them: a whole float (values files
    /// hold every number as a float64, as Helm does) is an integer, as the YAML output
    /// prints it, so that a JSON consumer (server-side apply, the Python binding) sends
    /// `30000`, not `30000.0`, to an integer field.
    ///
    /// ```
    /// let obj = capiform::Object::new("v1", "Service", capiform::ObjectMeta::named("s"),
    ///     serde_json::json!({"spec": {"ports": [{"port": 30000.0, "weight": 0.5}]}})).unwrap();
    /// assert_eq!(obj.to_value()["spec"]["ports"][0], serde_json::json!({"port": 30000, "weight": 0.5}));
    /// ```
    pub fn to_value(&self) -> Value {
        let mut value = serde_json::to_value(self).unwrap_or(Value::Null);
        whole_floats_as_integers(&mut value);
        value
    }
}

/// The header first, then the body without any header key: a body changed by hand to
/// hold `kind` again still gives a document with one `kind`.
impl Serialize for Object {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let body = self
            .body
            .iter()
            .filter(|(k, _)| !HEADER_KEYS.contains(&k.as_str()));
        let mut map = serializer.serialize_map(Some(3 + body.clone().count()))?;
        map.serialize_entry("apiVersion", &self.api_version)?;
        map.serialize_entry("kind", &self.kind)?;
        map.serialize_entry("metadata", &self.metadata)?;
        for (k, v) in body {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// The keys of an object's header: they live in [`Object::api_version`], [`Object::kind`]
/// and [`Object::metadata`], never in [`Object::body`], so no document carries one twice.
pub const HEADER_KEYS: [&str; 3] = ["apiVersion", "kind", "metadata"];

/// Remove `apiVersion` and `kind` from a body built from a typed value (a k8s-openapi
/// type serializes them), after checking they agree with the object's own. A body with
/// `metadata`, or with another `apiVersion` or `kind`, is a builder's mistake.
fn take_header_out_of_body(
    body: &mut Map<String, Value>,
    api_version: &str,
    kind: &str,
) -> Result<()> {
    for (key, expected) in [("apiVersion", api_version), ("kind", kind)] {
        match body.remove(key) {
            None => {}
            Some(Value::String(s)) if s == expected => {}
            Some(other) => {
                return Err(Error::invalid(
                    "",
                    format!(
                        "internal: the body of a {kind} gives {key} {other}, the object {expected}"
                    ),
                ));
            }
        }
    }
    if body.contains_key("metadata") {
        return Err(Error::invalid(
            "",
            format!("internal: the body of a {kind} carries its own metadata"),
        ));
    }
    Ok(())
}

/// Turn every whole float in `value` that fits an `i64` into that integer.
fn whole_floats_as_integers(value: &mut Value) {
    match value {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64() {
                // 2^63 as f64; every whole float in (-2^63, 2^63) converts exactly.
                const LIMIT: f64 = 9_223_372_036_854_775_808.0;
                if f.fract() == 0.0 && f > -LIMIT && f < LIMIT {
                    *value = Value::from(f as i64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_floats_as_integers),
        Value::Object(map) => map.values_mut().for_each(whole_floats_as_integers),
        _ => {}
    }
}

/// A mapping of one key, taking `value` as it is: `json!({key: value})` would copy
/// `value` (the macro serializes its expressions by reference), which for a rendered
/// manifest template or a kubeadm spec is a large copy.
///
/// ```
/// let v = capiform::object::single("template", serde_json::Value::String("kind: X".into()));
/// assert_eq!(v, serde_json::json!({"template": "kind: X"}));
/// ```
pub fn single(key: &str, value: Value) -> Value {
    let mut m = Map::new();
    m.insert(key.to_string(), value);
    Value::Object(m)
}

/// The ordered list of rendered objects.
///
/// ```
/// let m = capiform::Manifest::default();
/// assert_eq!(m.to_yaml(), "");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Manifest {
    /// The objects, in output order.
    pub objects: Vec<Object>,
    /// What the render accepted but the user should know (values read as helm reads
    /// them although YAML 1.2 reads them otherwise, keys of older chart versions
    /// translated ...), each naming its source. The CLI prints them on stderr.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<crate::Warning>,
}

impl Manifest {
    /// Deterministic multi-document YAML (each document starts with `---`).
    ///
    /// ```
    /// let mut m = capiform::Manifest::default();
    /// m.objects.push(capiform::Object::new("v1", "ServiceAccount", capiform::ObjectMeta::named("sa"), serde_json::json!({})).unwrap());
    /// assert!(m.to_yaml().starts_with("---\napiVersion: v1\n"));
    /// ```
    pub fn to_yaml(&self) -> String {
        crate::output::to_yaml(&self.objects)
    }

    /// Write [`Manifest::to_yaml`] to `w` without building the whole text first.
    ///
    /// ```
    /// let mut m = capiform::Manifest::default();
    /// m.objects.push(capiform::Object::new("v1", "ServiceAccount", capiform::ObjectMeta::named("sa"), serde_json::json!({})).unwrap());
    /// let mut out = Vec::new();
    /// m.write_yaml(&mut out).unwrap();
    /// assert_eq!(String::from_utf8(out).unwrap(), m.to_yaml());
    /// ```
    pub fn write_yaml(&self, w: &mut impl std::io::Write) -> std::io::Result<()> {
        crate::output::write_yaml(&self.objects, w)
    }
}

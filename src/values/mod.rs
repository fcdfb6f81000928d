//! Values: loading, Helm-compatible layering and the typed model.
//!
//! The flow is one direction: the template set's defaults, then every `-f` file in
//! order, then `--set`/`--set-string`, merged as Helm merges them
//! ([`merge::merge_values`]); the result is checked and turned into the typed
//! [`Values`].

pub mod addons;
mod fast_yaml;
pub mod merge;
pub mod merged;
pub mod model;
pub mod set;

pub use merged::Merged;
pub use model::*;

use serde_json::Value;

use crate::error::{Error, FieldError, Result};

/// An optional section of the values, or the section's default when it is absent,
/// borrowed when it is there (builders read sections; they need no copy of them).
///
/// ```
/// use capiform::values::{section, ControlPlane};
/// let given: Option<ControlPlane> = None;
/// assert!(section(&given).machine_flavor.is_none());
/// ```
pub fn section<T: Clone + Default>(o: &Option<T>) -> std::borrow::Cow<'_, T> {
    match o {
        Some(t) => std::borrow::Cow::Borrowed(t),
        None => std::borrow::Cow::Owned(T::default()),
    }
}

/// One layer of user values, in the order given on the command line.
///
/// ```
/// let s = capiform::values::ValuesSource::Yaml { name: "inline".into(), text: "osDistro: flatcar".into() };
/// assert!(matches!(s, capiform::values::ValuesSource::Yaml { .. }));
/// ```
#[derive(Debug, Clone)]
pub enum ValuesSource {
    /// YAML text with a name used in messages (usually the file path).
    Yaml {
        /// File name or label.
        name: String,
        /// The document.
        text: String,
    },
    /// A `--set` argument.
    Set(String),
    /// A `--set-string` argument.
    SetString(String),
}

/// Parse one values document. An empty document is an empty map; anything other than
/// a mapping is an error naming the file, and YAML syntax errors carry line and column.
/// Documents in plain block YAML, as most values files are, are read by a fast reader
/// that gives the same value as `serde_yaml`; any other document is read by `serde_yaml`.
///
/// ```
/// let v = capiform::values::parse_document("values.yaml", "a: 1").unwrap();
/// assert_eq!(v, serde_json::json!({"a": 1}));
/// assert!(capiform::values::parse_document("values.yaml", "- 1").is_err());
/// assert!(capiform::values::parse_document("values.yaml", "a: [1").is_err());
/// ```
pub fn parse_document(name: &str, text: &str) -> Result<Value> {
    if text.trim().is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    if let Some(value) = fast_yaml::parse(text) {
        return Ok(value);
    }
    let value: Value = serde_yaml::from_str(text).map_err(|e| Error::Yaml {
        file: name.to_string(),
        message: yaml_message(&e),
    })?;
    match value {
        Value::Object(_) => Ok(value),
        Value::Null => Ok(Value::Object(Default::default())),
        other => Err(Error::Yaml {
            file: name.to_string(),
            message: format!(
                "the values document must be a mapping of keys to values, got {}",
                kind_name(&other)
            ),
        }),
    }
}

fn yaml_message(e: &serde_yaml::Error) -> String {
    match e.location() {
        Some(loc) => format!(
            "invalid YAML at line {}, column {}: {}",
            loc.line(),
            loc.column(),
            e.to_string().split(" at line ").next().unwrap_or_default()
        ),
        None => format!("invalid YAML: {e}"),
    }
}

/// A short name for the JSON type of a value, for messages.
///
/// ```
/// assert_eq!(capiform::values::kind_name(&serde_json::json!([1])), "a list");
/// ```
pub fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// Layer the user's sources over `defaults` as Helm does, returning the merged tree.
///
/// ```
/// use capiform::values::{merged_values, ValuesSource};
/// let defaults = serde_json::json!({"osDistro": "ubuntu", "apiServer": {"port": 6443}});
/// let v = merged_values(&defaults, &[ValuesSource::Set("apiServer.port=443".into())]).unwrap();
/// assert_eq!(v["apiServer"]["port"], 443);
/// assert_eq!(v["osDistro"], "ubuntu");
/// ```
pub fn merged_values(defaults: &Value, sources: &[ValuesSource]) -> Result<Value> {
    let mut merged = defaults.clone();
    for source in sources {
        merge::merge_values(&mut merged, parse_source(source)?);
    }
    Ok(merged)
}

/// [`merged_values`], and the user's layers merged together without the defaults
/// (what the user gave; the checks walk only that part of the merged tree).
///
/// ```
/// use capiform::values::{merged_values_and_user, ValuesSource};
/// let defaults = serde_json::json!({"osDistro": "ubuntu", "apiServer": {"port": 6443}});
/// let (merged, user) = merged_values_and_user(&defaults, &[ValuesSource::Set("apiServer.port=443".into())]).unwrap();
/// assert_eq!(merged["osDistro"], "ubuntu");
/// assert_eq!(user, serde_json::json!({"apiServer": {"port": 443}}));
/// ```
pub fn merged_values_and_user(
    defaults: &Value,
    sources: &[ValuesSource],
) -> Result<(Value, Value)> {
    let (merged, user) = Merged::over(defaults, sources)?;
    Ok((merged.to_value(), user))
}

/// Walk `path` of keys from `root`; `None` when a key is missing or a step is not a
/// mapping (a `null` is returned as `Some(Null)`, like Sprig's `dig`).
pub(crate) fn dig<'v>(root: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(root, |v, k| v.as_object()?.get(*k))
}

fn parse_source(source: &ValuesSource) -> Result<Value> {
    match source {
        ValuesSource::Yaml { name, text } => parse_document(name, text),
        ValuesSource::Set(arg) => set::parse_set(arg, false),
        ValuesSource::SetString(arg) => set::parse_set(arg, true),
    }
}

/// Turn a merged values tree into the typed [`Values`], naming the path of the first
/// field that does not fit.
///
/// ```
/// let v = capiform::values::typed_values(&serde_json::json!({"osDistro": "ubuntu"})).unwrap();
/// assert_eq!(v.os_distro.as_deref(), Some("ubuntu"));
/// let err = capiform::values::typed_values(&serde_json::json!({"osDistr": "ubuntu"})).unwrap_err();
/// assert!(err.to_string().contains("osDistr"));
/// ```
pub fn typed_values(merged: &Value) -> Result<Values> {
    use serde::Deserialize;
    // The plain deserializer is several times faster; the path-tracking one runs only
    // to name the field of an error.
    if let Ok(v) = Values::deserialize(merged) {
        return Ok(v);
    }
    typed_from(merged)
}

/// The typed [`Values`] from a deserializer of the merged values, with the path of the
/// first field that does not fit in the error.
fn typed_from<'de, D>(values: D) -> Result<Values>
where
    D: serde::Deserializer<'de>,
    D::Error: std::fmt::Display,
{
    serde_path_to_error::deserialize(values).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        Error::Invalid(vec![FieldError::new(path, e.inner().to_string())])
    })
}

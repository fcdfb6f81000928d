//! Validation of Kubernetes objects against the `openAPIV3Schema` of
//! CustomResourceDefinitions, as the API server of a management cluster would apply them.
//!
//! Kubernetes schemas are OpenAPI v3 "structural" schemas with extensions. Before
//! compiling them with the `jsonschema` crate, capiform translates them:
//!
//! * `x-kubernetes-int-or-string: true` → the value may be an integer or a string;
//! * `nullable: true` → `null` is accepted too;
//! * `x-kubernetes-preserve-unknown-fields: true` → unknown fields below are kept;
//! * otherwise an object schema with `properties` gets `additionalProperties: false`, so a
//!   field Kubernetes would **prune** (silently drop) is reported;
//! * `x-kubernetes-embedded-resource: true` → the object is a whole resource: `apiVersion`,
//!   `kind` and `metadata` are allowed besides its declared properties.
//!
//! The top-level `apiVersion`, `kind` and `metadata` of a custom resource are the API
//! server's business and are not checked here. Problems read `Kind/name: .spec.path: problem`.
//!
//! ```
//! let crd = r#"
//! apiVersion: apiextensions.k8s.io/v1
//! kind: CustomResourceDefinition
//! spec:
//!   group: example.org
//!   names: {kind: Widget}
//!   versions:
//!     - name: v1
//!       served: true
//!       schema:
//!         openAPIV3Schema:
//!           type: object
//!           properties:
//!             spec:
//!               type: object
//!               properties:
//!                 size: {type: integer}
//! "#;
//! let crds = capiform::validate::CrdSet::from_yaml_str("inline", crd).unwrap();
//! let report = crds.validate_yaml("apiVersion: example.org/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: big, colour: red}\n").unwrap();
//! let text = report.to_string();
//! assert!(text.contains("Widget/w: .spec.size:"));
//! assert!(text.contains("Widget/w: .spec.colour: unknown field"));
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::OnceLock;

use serde_json::{Map, Value, json};

use crate::error::{Error, Result};

/// One problem of one object.
///
/// ```
/// let p = capiform::validate::Problem { kind: "Cluster".into(), name: "c".into(), path: ".spec.x".into(), message: "bad".into() };
/// assert_eq!(p.to_string(), "Cluster/c: .spec.x: bad");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Kind of the object.
    pub kind: String,
    /// Name of the object.
    pub name: String,
    /// Path of the field (`.spec.template.spec.flavor`, `[0]` for list items).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}: {}: {}",
            self.kind, self.name, self.path, self.message
        )
    }
}

/// The result of validating one object.
///
/// ```
/// let o = capiform::validate::Outcome::NotChecked;
/// assert!(matches!(o, capiform::validate::Outcome::NotChecked));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// No CRD of the set serves this apiVersion and kind.
    NotChecked,
    /// Checked: the problems found (empty when valid).
    Checked(Vec<Problem>),
}

/// The result of validating many objects.
///
/// ```
/// let r = capiform::validate::Report::default();
/// assert!(r.is_clean());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Every problem, in document order.
    pub problems: Vec<Problem>,
    /// Objects no CRD of the set describes (`apiVersion/Kind name`).
    pub not_checked: Vec<String>,
    /// How many objects were checked.
    pub checked: usize,
}

impl Report {
    /// No problems (objects not checked do not count as problems).
    ///
    /// ```
    /// assert!(capiform::validate::Report::default().is_clean());
    /// ```
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.problems {
            writeln!(f, "{p}")?;
        }
        for n in &self.not_checked {
            writeln!(f, "not checked: {n}")?;
        }
        Ok(())
    }
}

struct Entry {
    /// The CRD's own schema (for defaulting).
    original: Value,
    /// The translated JSON Schema.
    schema: Value,
    validator: OnceLock<std::result::Result<jsonschema::Validator, String>>,
}

/// The served versions of a set of CRDs, by `apiVersion` and kind (see the module's
/// example).
#[derive(Default)]
pub struct CrdSet {
    entries: BTreeMap<(String, String), Entry>,
}

impl fmt::Debug for CrdSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CrdSet")
            .field("kinds", &self.entries.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn err(file: &str, message: impl Into<String>) -> Error {
    Error::Yaml {
        file: file.to_string(),
        message: message.into(),
    }
}

impl CrdSet {
    /// Read every `*.yaml`, `*.yml` and `*.json` file of a directory: CRDs, several per
    /// file, or a `List` of them (`kubectl get crd -o yaml`).
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("widget.yaml"), "
    /// apiVersion: apiextensions.k8s.io/v1
    /// kind: CustomResourceDefinition
    /// spec:
    ///   group: example.org
    ///   names: {kind: Widget}
    ///   versions:
    ///     - {name: v1, served: true, schema: {openAPIV3Schema: {type: object}}}
    ///     - {name: v1alpha1, served: false, schema: {openAPIV3Schema: {type: object}}}
    /// ").unwrap();
    /// std::fs::write(dir.path().join("README.md"), "not read").unwrap();
    /// let crds = capiform::validate::CrdSet::load_dir(dir.path()).unwrap();
    /// assert_eq!(crds.len(), 1); // example.org/v1 Widget: only served versions count
    /// ```
    pub fn load_dir(dir: impl AsRef<Path>) -> Result<CrdSet> {
        let dir = dir.as_ref();
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| Error::Io {
                path: dir.display().to_string(),
                source: e,
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("yaml" | "yml" | "json")
                )
            })
            .collect();
        paths.sort();
        let mut set = CrdSet::default();
        for p in paths {
            let text = std::fs::read_to_string(&p).map_err(|e| Error::Io {
                path: p.display().to_string(),
                source: e,
            })?;
            set.add_yaml(&p.display().to_string(), &text)?;
        }
        Ok(set)
    }

    /// CRDs from YAML (or JSON) text; `label` names it in messages.
    ///
    /// ```
    /// let set = capiform::validate::CrdSet::from_yaml_str("empty", "").unwrap();
    /// assert_eq!(set.len(), 0);
    /// ```
    pub fn from_yaml_str(label: &str, text: &str) -> Result<CrdSet> {
        let mut set = CrdSet::default();
        set.add_yaml(label, text)?;
        Ok(set)
    }

    /// The number of (apiVersion, kind) pairs served.
    ///
    /// ```
    /// assert_eq!(capiform::validate::CrdSet::default().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the set is empty.
    ///
    /// ```
    /// assert!(capiform::validate::CrdSet::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn add_yaml(&mut self, file: &str, text: &str) -> Result<()> {
        for doc in serde_yaml::Deserializer::from_str(text) {
            let v: Value =
                serde::Deserialize::deserialize(doc).map_err(|e| err(file, e.to_string()))?;
            match v.get("kind").and_then(Value::as_str) {
                Some("List") => {
                    for item in v
                        .get("items")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        self.add_crd(file, item)?;
                    }
                }
                Some("CustomResourceDefinition") => self.add_crd(file, &v)?,
                _ => {}
            }
        }
        Ok(())
    }

    fn add_crd(&mut self, file: &str, crd: &Value) -> Result<()> {
        let spec = &crd["spec"];
        let group = spec["group"]
            .as_str()
            .ok_or_else(|| err(file, "a CRD without spec.group"))?;
        let kind = spec["names"]["kind"].as_str().ok_or_else(|| {
            err(
                file,
                format!("CRD of group {group} without spec.names.kind"),
            )
        })?;
        for version in spec["versions"].as_array().into_iter().flatten() {
            if version["served"] != Value::Bool(true) {
                continue;
            }
            let name = version["name"].as_str().unwrap_or_default();
            let schema = version["schema"]["openAPIV3Schema"].clone();
            if schema.is_null() {
                return Err(err(
                    file,
                    format!("{kind} {group}/{name} has no openAPIV3Schema"),
                ));
            }
            self.entries.insert(
                (format!("{group}/{name}"), kind.to_string()),
                Entry {
                    schema: translate_root(&schema),
                    original: schema,
                    validator: OnceLock::new(),
                },
            );
        }
        Ok(())
    }

    /// Validate one object.
    ///
    /// ```
    /// let set = capiform::validate::CrdSet::default();
    /// let o = set.validate_object(&serde_json::json!({"apiVersion": "v1", "kind": "Secret"}));
    /// assert_eq!(o, capiform::validate::Outcome::NotChecked);
    /// ```
    pub fn validate_object(&self, obj: &Value) -> Outcome {
        let api_version = obj["apiVersion"].as_str().unwrap_or_default().to_string();
        let kind = obj["kind"].as_str().unwrap_or_default().to_string();
        let name = obj["metadata"]["name"]
            .as_str()
            .unwrap_or("<unnamed>")
            .to_string();
        let Some(entry) = self.entries.get(&(api_version, kind.clone())) else {
            return Outcome::NotChecked;
        };
        let validator = entry
            .validator
            .get_or_init(|| jsonschema::validator_for(&entry.schema).map_err(|e| e.to_string()));
        let validator = match validator {
            Ok(v) => v,
            Err(e) => {
                return Outcome::Checked(vec![Problem {
                    kind,
                    name,
                    path: ".".into(),
                    message: format!("the CRD's schema could not be compiled: {e}"),
                }]);
            }
        };
        // The API server owns these: do not check them against the schema.
        let mut body = obj.clone();
        if let Some(m) = body.as_object_mut() {
            m.remove("apiVersion");
            m.remove("kind");
            m.remove("metadata");
        }
        // As the API server does, fill in the schema's defaults before validating.
        apply_defaults(&mut body, &entry.original);
        let mut problems = Vec::new();
        for error in validator.iter_errors(&body) {
            let pointer = error.instance_path().to_string();
            match error.kind() {
                jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } => {
                    for field in unexpected {
                        problems.push(Problem {
                            kind: kind.clone(),
                            name: name.clone(),
                            path: kube_path(&body, &format!("{pointer}/{field}")),
                            message: "unknown field (Kubernetes would prune it)".into(),
                        });
                    }
                }
                _ => problems.push(Problem {
                    kind: kind.clone(),
                    name: name.clone(),
                    path: kube_path(&body, &pointer),
                    message: error.to_string(),
                }),
            }
        }
        Outcome::Checked(problems)
    }

    /// Validate many objects.
    ///
    /// ```
    /// let r = capiform::validate::CrdSet::default().validate_documents(&[serde_json::json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}})]);
    /// assert_eq!(r.not_checked, vec!["v1/Secret s".to_string()]);
    /// ```
    pub fn validate_documents(&self, docs: &[Value]) -> Report {
        let mut report = Report::default();
        for d in docs {
            match self.validate_object(d) {
                Outcome::NotChecked => report.not_checked.push(format!(
                    "{}/{} {}",
                    d["apiVersion"].as_str().unwrap_or("?"),
                    d["kind"].as_str().unwrap_or("?"),
                    d["metadata"]["name"].as_str().unwrap_or("<unnamed>")
                )),
                Outcome::Checked(p) => {
                    report.checked += 1;
                    report.problems.extend(p);
                }
            }
        }
        report
    }

    /// Validate the objects of a multi-document YAML text (a `List` is unpacked).
    ///
    /// ```
    /// let r = capiform::validate::CrdSet::default().validate_yaml("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n").unwrap();
    /// assert_eq!(r.not_checked.len(), 1);
    /// ```
    pub fn validate_yaml(&self, text: &str) -> Result<Report> {
        self.validate_named_yaml("<input>", text)
    }

    /// [`CrdSet::validate_yaml`] of a text read from `name` (a file), which a YAML
    /// error names.
    ///
    /// ```
    /// let crds = capiform::validate::CrdSet::default();
    /// let err = crds.validate_named_yaml("objects.yaml", "a: [").unwrap_err();
    /// assert!(err.to_string().starts_with("objects.yaml: "));
    /// ```
    pub fn validate_named_yaml(&self, name: &str, text: &str) -> Result<Report> {
        let mut docs = Vec::new();
        for doc in serde_yaml::Deserializer::from_str(text) {
            let v: Value =
                serde::Deserialize::deserialize(doc).map_err(|e| err(name, e.to_string()))?;
            match v {
                Value::Null => {}
                Value::Object(ref m) if m.get("kind").and_then(Value::as_str) == Some("List") => {
                    docs.extend(
                        m.get("items")
                            .and_then(Value::as_array)
                            .cloned()
                            .unwrap_or_default(),
                    );
                }
                other => docs.push(other),
            }
        }
        Ok(self.validate_documents(&docs))
    }
}

/// Structural defaulting: every absent property with a `default` gets it, recursively
/// through present objects and list items (Kubernetes applies defaults before validation).
///
/// ```
/// let schema = serde_json::json!({"type": "object", "properties": {"a": {"type": "string", "default": "x"}}});
/// let mut v = serde_json::json!({});
/// capiform::validate::apply_defaults(&mut v, &schema);
/// assert_eq!(v, serde_json::json!({"a": "x"}));
/// ```
pub fn apply_defaults(instance: &mut Value, schema: &Value) {
    match instance {
        Value::Object(map) => {
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (k, prop) in props {
                    match map.get_mut(k) {
                        Some(child) => apply_defaults(child, prop),
                        None => {
                            if let Some(d) = prop.get("default") {
                                let mut d = d.clone();
                                apply_defaults(&mut d, prop);
                                map.insert(k.clone(), d);
                            }
                        }
                    }
                }
            } else if let Some(extra) = schema.get("additionalProperties").filter(|a| a.is_object())
            {
                for child in map.values_mut() {
                    apply_defaults(child, extra);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for item in items {
                    apply_defaults(item, item_schema);
                }
            }
        }
        _ => {}
    }
}

/// A JSON pointer into `instance` as a Kubernetes-style path (`.spec.items[0].name`).
fn kube_path(instance: &Value, pointer: &str) -> String {
    let mut out = String::new();
    let mut cur = Some(instance);
    for raw in pointer.split('/').skip(1) {
        let seg = raw.replace("~1", "/").replace("~0", "~");
        match cur {
            Some(Value::Array(a)) => {
                out.push_str(&format!("[{seg}]"));
                cur = seg.parse::<usize>().ok().and_then(|i| a.get(i));
            }
            other => {
                out.push('.');
                out.push_str(&seg);
                cur = other.and_then(|v| v.get(&seg));
            }
        }
    }
    if out.is_empty() { ".".into() } else { out }
}

fn translate_root(schema: &Value) -> Value {
    let mut s = translate(schema);
    // apiVersion, kind and metadata are checked by the API server, not by the CRD schema
    if let Some(props) = s.get_mut("properties").and_then(Value::as_object_mut) {
        for k in ["apiVersion", "kind", "metadata"] {
            props.remove(k);
        }
    }
    s
}

/// Translate one Kubernetes structural schema node to JSON Schema.
fn translate(schema: &Value) -> Value {
    let Some(src) = schema.as_object() else {
        return schema.clone();
    };
    let mut out = Map::new();
    let int_or_string = src.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true));
    let preserve = src.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
    let embedded = src.get("x-kubernetes-embedded-resource") == Some(&Value::Bool(true));
    let nullable = src.get("nullable") == Some(&Value::Bool(true));
    for (k, v) in src {
        match k.as_str() {
            "properties" => {
                let props: Map<String, Value> = v
                    .as_object()
                    .map(|m| m.iter().map(|(k, v)| (k.clone(), translate(v))).collect())
                    .unwrap_or_default();
                out.insert(k.clone(), Value::Object(props));
            }
            "items" | "additionalProperties" | "not" => {
                out.insert(
                    k.clone(),
                    if v.is_object() {
                        translate(v)
                    } else {
                        v.clone()
                    },
                );
            }
            "allOf" | "anyOf" | "oneOf" => {
                let list: Vec<Value> = v
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(translate_constraint)
                    .collect();
                out.insert(k.clone(), Value::Array(list));
            }
            "type" | "enum" | "required" | "pattern" | "minimum" | "maximum"
            | "exclusiveMinimum" | "exclusiveMaximum" | "minLength" | "maxLength" | "minItems"
            | "maxItems" | "minProperties" | "maxProperties" | "uniqueItems" | "multipleOf"
            | "format" => {
                out.insert(k.clone(), v.clone());
            }
            _ => {} // description, default, x-kubernetes-* …
        }
    }
    if int_or_string {
        out.remove("type");
        out.insert(
            "anyOf".into(),
            json!([{"type": "integer"}, {"type": "string"}]),
        );
    }
    if embedded && let Some(props) = out.get_mut("properties").and_then(Value::as_object_mut) {
        props
            .entry("apiVersion")
            .or_insert(json!({"type": "string"}));
        props.entry("kind").or_insert(json!({"type": "string"}));
        props.entry("metadata").or_insert(json!({"type": "object"}));
    }
    let is_object = out.get("type") == Some(&json!("object"));
    if is_object && !preserve && !out.contains_key("additionalProperties") {
        if out.contains_key("properties") {
            out.insert("additionalProperties".into(), Value::Bool(false));
        } else if !embedded {
            // an object with no properties and no preserve-unknown-fields keeps nothing
            out.insert("additionalProperties".into(), Value::Bool(false));
        }
    }
    // An integer's `format` is its Go type: the value must fit in it. String formats
    // (kube-apiserver enforces some, e.g. `uuid` on CAPO's OpenStack IDs) are left to the
    // API server: the reference renders hold names there (docs/checks.md).
    if let Some((min, max)) = integer_format_bounds(src.get("format")) {
        out.entry("minimum").or_insert(json!(min));
        out.entry("maximum").or_insert(json!(max));
    }
    out.remove("format");
    if nullable {
        match out.get("type").cloned() {
            Some(Value::String(t)) => {
                out.insert("type".into(), json!([t, "null"]));
            }
            _ => {
                let inner = Value::Object(std::mem::take(&mut out));
                return json!({"anyOf": [inner, {"type": "null"}]});
            }
        }
        if let Some(Value::Array(e)) = out.get_mut("enum") {
            e.push(Value::Null);
        }
    }
    Value::Object(out)
}

/// The range of an integer `format` (`int32`, `int64`): the Go type the field is read
/// into, which a larger value would overflow.
fn integer_format_bounds(format: Option<&Value>) -> Option<(i64, i64)> {
    match format.and_then(Value::as_str)? {
        "int32" => Some((i32::MIN.into(), i32::MAX.into())),
        "int64" => Some((i64::MIN, i64::MAX)),
        _ => None,
    }
}

/// Members of `allOf`/`anyOf`/`oneOf` in structural schemas only constrain values; they
/// must not add `additionalProperties: false` of their own.
fn translate_constraint(schema: &Value) -> Value {
    let mut t = translate(schema);
    if let Some(m) = t.as_object_mut()
        && !schema
            .get("additionalProperties")
            .is_some_and(|a| a == &Value::Bool(false))
    {
        m.remove("additionalProperties");
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(schema: Value) -> CrdSet {
        let crd = json!({
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "spec": {"group": "t.io", "names": {"kind": "T"}, "versions": [
                {"name": "v1", "served": true, "schema": {"openAPIV3Schema": schema}},
                {"name": "v0", "served": false, "schema": {"openAPIV3Schema": {"type": "object"}}}
            ]}
        });
        CrdSet::from_yaml_str("t", &serde_json::to_string(&crd).unwrap()).unwrap()
    }

    fn problems(set: &CrdSet, spec: Value) -> Vec<String> {
        let obj =
            json!({"apiVersion": "t.io/v1", "kind": "T", "metadata": {"name": "x"}, "spec": spec});
        match set.validate_object(&obj) {
            Outcome::Checked(p) => p.iter().map(|p| p.to_string()).collect(),
            Outcome::NotChecked => vec!["not checked".into()],
        }
    }

    fn spec_schema(props: Value) -> Value {
        json!({"type": "object", "properties": {"spec": {"type": "object", "properties": props, "required": []}}})
    }

    #[test]
    fn int_or_string_accepts_both() {
        let s = set(spec_schema(
            json!({"port": {"x-kubernetes-int-or-string": true}}),
        ));
        assert!(problems(&s, json!({"port": 80})).is_empty());
        assert!(problems(&s, json!({"port": "http"})).is_empty());
        assert_eq!(problems(&s, json!({"port": true})).len(), 1);
    }

    /// `machineCount: 9223372036854775807` reaches `replicas`, an int32 in the CRD.
    #[test]
    fn integer_formats_bound_the_value() {
        let s = set(spec_schema(json!({
            "replicas": {"type": "integer", "format": "int32"},
            "big": {"type": "integer", "format": "int64"},
            "small": {"type": "integer", "format": "int32", "minimum": 0},
        })));
        assert!(problems(&s, json!({"replicas": 2147483647, "big": i64::MAX})).is_empty());
        let p = problems(&s, json!({"replicas": 9223372036854775807_i64}));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].starts_with("T/x: .spec.replicas: "), "{p:?}");
        assert_eq!(problems(&s, json!({"replicas": -2147483649_i64})).len(), 1);
        assert_eq!(problems(&s, json!({"big": u64::MAX})).len(), 1);
        // A bound of the CRD's own wins over the format's.
        assert_eq!(problems(&s, json!({"small": -1})).len(), 1);
    }

    #[test]
    fn preserve_unknown_fields_keeps_anything() {
        let s = set(spec_schema(
            json!({"free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}),
        ));
        assert!(problems(&s, json!({"free": {"any": {"thing": [1]}}})).is_empty());
    }

    #[test]
    fn unknown_fields_are_pruned_with_their_path() {
        let s = set(spec_schema(
            json!({"a": {"type": "object", "properties": {"b": {"type": "string"}}}}),
        ));
        assert_eq!(
            problems(&s, json!({"a": {"c": 1}})),
            vec!["T/x: .spec.a.c: unknown field (Kubernetes would prune it)"]
        );
    }

    #[test]
    fn embedded_resources_allow_resource_fields() {
        let s = set(spec_schema(
            json!({"obj": {"type": "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true}}),
        ));
        assert!(problems(&s, json!({"obj": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {}}})).is_empty());
    }

    #[test]
    fn types_enums_required_and_lists() {
        let s = set(
            json!({"type": "object", "properties": {"spec": {"type": "object", "required": ["mode"], "properties": {
                "mode": {"type": "string", "enum": ["a", "b"]},
                "items": {"type": "array", "items": {"type": "object", "properties": {"n": {"type": "integer", "minimum": 1}}}},
                "opt": {"type": "string", "nullable": true}
            }}}}),
        );
        let p = problems(&s, json!({"items": [{"n": 0}], "opt": null}));
        assert!(
            p.iter()
                .any(|p| p.starts_with("T/x: .spec:") && p.contains("mode")),
            "{p:?}"
        );
        assert!(
            p.iter().any(|p| p.starts_with("T/x: .spec.items[0].n:")),
            "{p:?}"
        );
        let p = problems(&s, json!({"mode": "c"}));
        assert!(p.iter().any(|p| p.starts_with("T/x: .spec.mode:")), "{p:?}");
    }

    #[test]
    fn unknown_kinds_and_unserved_versions_are_not_checked() {
        let s = set(json!({"type": "object"}));
        let obj = json!({"apiVersion": "t.io/v0", "kind": "T", "metadata": {"name": "x"}});
        assert_eq!(s.validate_object(&obj), Outcome::NotChecked);
    }
}

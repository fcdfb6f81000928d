//! The storage classes of the Cinder and Manila CSI drivers, installed into the workload
//! cluster by the `csi-cinder-storageclass` and `csi-manila-storageclass` `Manifests`.
//!
//! Each class is built as a Kubernetes `StorageClass` (k8s-openapi's type) from the values,
//! so that a value of the wrong shape is a values error naming its path and the shape
//! Kubernetes takes, not a manifest the workload cluster refuses long after the render:
//!
//! - `allowedTopologies` is a list of topology selector terms
//!   (`{matchLabelExpressions: [{key, values: [...]}]}`), or, as Magnum's
//!   `[capi_helm] csi_cinder_allowed_topologies` option gives it, of `KEY=VALUE` strings;
//!   see [`allowed_topologies`] for how those are read;
//! - the parameters of a Manila class are strings (quoted numbers and booleans);
//! - names, label keys and values, provisioners, reclaim policies and binding modes follow
//!   the rules the API server applies to a `StorageClass`.
//!
//! The text written into the manifest is the typed object's, with one addition: where the
//! chart prints a field with a null value (the default class's `reclaimPolicy` when the
//! values set it to null, its `availability` parameter without a zone), the null is
//! printed too. The API server reads such a null as an absent field (or, in `parameters`,
//! as an empty string), so the object is the same.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{TopologySelectorLabelRequirement, TopologySelectorTerm};
use k8s_openapi::api::storage::v1::StorageClass as K8sStorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::{Map, Value};

use crate::error::{Error, FieldError, Result};
use crate::values::addons::core::{StorageClass, StorageCsi};

use super::objects::{truthy, yaml_text};

/// The provisioner of Cinder volumes.
pub const CINDER_PROVISIONER: &str = "cinder.csi.openstack.org";
/// The provisioner of Manila CephFS shares.
pub const MANILA_CEPHFS_PROVISIONER: &str = "cephfs.manila.csi.openstack.org";
/// The Secret holding the credentials of the Manila CSI driver.
const MANILA_CREDENTIALS: &str = "csi-manila-credentials";

/// The accepted shapes of `allowedTopologies`, for error messages.
const TOPOLOGY_SHAPE: &str = "a list of topology selector terms \
    ({matchLabelExpressions: [{key: topology.cinder.csi.openstack.org/zone, values: [nova]}]}) \
    or of KEY=VALUE strings (topology.cinder.csi.openstack.org/zone=nova)";

/// A storage class as written into its manifest: the Kubernetes object, and the fields
/// the chart prints with a null value.
#[derive(Debug, Clone, PartialEq)]
pub struct PrintedClass {
    /// The object the workload cluster gets.
    pub class: K8sStorageClass,
    /// Top-level fields printed as `null` (absent in `class`).
    pub null_fields: Vec<&'static str>,
    /// Parameters printed as `null` (absent in `class.parameters`).
    pub null_parameters: Vec<String>,
}

impl PrintedClass {
    fn new(class: K8sStorageClass) -> Self {
        Self {
            class,
            null_fields: Vec::new(),
            null_parameters: Vec::new(),
        }
    }

    /// The manifest's tree: the object's fields, plus the printed nulls.
    pub fn to_value(&self) -> Value {
        let mut v = serde_json::to_value(&self.class).unwrap_or(Value::Null);
        let Value::Object(m) = &mut v else {
            return v;
        };
        for field in &self.null_fields {
            m.entry(*field).or_insert(Value::Null);
        }
        if !self.null_parameters.is_empty() {
            let params = m
                .entry("parameters")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(p) = params {
                for key in &self.null_parameters {
                    p.entry(key.clone()).or_insert(Value::Null);
                }
            }
        }
        v
    }
}

/// The manifest texts of a driver's storage classes: the default one (when enabled) and
/// the additional ones. Every class's problems are reported, not only the first's.
pub fn manifest_texts(
    csi: &StorageCsi,
    path: &str,
    build: impl Fn(&StorageClass, bool, &str) -> Result<PrintedClass>,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let default = csi
        .default_storage_class
        .as_ref()
        .filter(|s| s.enabled == Some(true))
        .map(|sc| (sc, true, format!("{path}.defaultStorageClass")));
    let additional = csi
        .additional_storage_classes
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, sc)| (sc, false, format!("{path}.additionalStorageClasses[{i}]")));
    for (sc, is_default_entry, path) in default.into_iter().chain(additional) {
        match build(sc, is_default_entry, &path) {
            Ok(printed) => out.push(yaml_text(&printed.to_value())?),
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

/// A Cinder storage class. The default class takes its settings as given; additional
/// classes get the usual defaults (zone `nova`, `Delete`, expansion allowed,
/// `WaitForFirstConsumer`).
pub fn cinder(sc: &StorageClass, is_default_entry: bool, path: &str) -> Result<PrintedClass> {
    let mut problems = Vec::new();
    let name = class_name(sc, path, &mut problems);
    let mut printed = PrintedClass::new(K8sStorageClass {
        metadata: class_metadata(
            name,
            is_default_entry && sc.is_cluster_default == Some(true),
        ),
        provisioner: CINDER_PROVISIONER.into(),
        ..K8sStorageClass::default()
    });
    let mut params = BTreeMap::new();
    match (non_empty(&sc.availability_zone), is_default_entry) {
        (Some(zone), _) => {
            params.insert("availability".to_string(), zone.to_string());
        }
        (None, false) => {
            params.insert("availability".to_string(), "nova".to_string());
        }
        (None, true) => printed.null_parameters.push("availability".into()),
    }
    if let Some(t) = non_empty(&sc.volume_type) {
        params.insert("type".into(), t.to_string());
    }
    if let Some(f) = non_empty(&sc.fstype) {
        params.insert("fstype".into(), f.to_string());
    }
    printed.class.parameters = Some(params);
    finish_class(&mut printed, sc, is_default_entry, path, &mut problems);
    done(printed, problems)
}

/// A Manila storage class: the provisioner and share type default to CephFS when the
/// CephFS CSI driver is enabled; the credentials are those of `csi-manila-credentials`
/// in the driver's `namespace`.
pub fn manila(
    sc: &StorageClass,
    path: &str,
    namespace: &str,
    cephfs: bool,
) -> Result<PrintedClass> {
    let mut problems = Vec::new();
    let name = class_name(sc, path, &mut problems);
    let provisioner = match non_empty(&sc.provisioner) {
        Some(p) => {
            check_qualified_name(
                p,
                &format!("{path}.provisioner"),
                "a provisioner",
                &mut problems,
            );
            p.to_string()
        }
        None if cephfs => MANILA_CEPHFS_PROVISIONER.into(),
        None => {
            problems.push(FieldError::new(
                format!("{path}.provisioner"),
                format!("is required for storage class '{name}' (or enable addons.csi.cephfs for CephFS shares)"),
            ));
            String::new()
        }
    };
    let mut printed = PrintedClass::new(K8sStorageClass {
        metadata: class_metadata(name.clone(), sc.is_cluster_default == Some(true)),
        provisioner,
        ..K8sStorageClass::default()
    });
    let mut params = BTreeMap::new();
    for kind in [
        "provisioner",
        "controller-expand",
        "node-stage",
        "node-publish",
    ] {
        params.insert(
            format!("csi.storage.k8s.io/{kind}-secret-name"),
            MANILA_CREDENTIALS.to_string(),
        );
        params.insert(
            format!("csi.storage.k8s.io/{kind}-secret-namespace"),
            namespace.to_string(),
        );
    }
    let given = sc.parameters.as_ref();
    match given.and_then(|g| g.get("type")).filter(|t| truthy(t)) {
        Some(t) => {
            if let Some(t) = parameter(t, &format!("{path}.parameters.type"), &mut problems) {
                params.insert("type".into(), t);
            }
        }
        None if cephfs => {
            params.insert("type".into(), "cephfs".into());
        }
        None => problems.push(FieldError::new(
            format!("{path}.parameters.type"),
            format!("is required for storage class '{name}': the Manila share type (or enable addons.csi.cephfs)"),
        )),
    }
    for (k, v) in given
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.as_str() != "type")
    {
        if v.is_null() {
            printed.null_parameters.push(k.clone());
        } else if let Some(s) = parameter(v, &format!("{path}.parameters.{k}"), &mut problems) {
            params.insert(k.clone(), s);
        }
    }
    printed.class.parameters = Some(params);
    finish_class(&mut printed, sc, false, path, &mut problems);
    done(printed, problems)
}

/// Read `allowedTopologies` into topology selector terms; `None` when it is empty or not
/// given (the class then has none).
///
/// Entries are either terms, `{matchLabelExpressions: [{key, values: [...]}]}`, kept as
/// written, or `KEY=VALUE` strings, the form of Magnum's `[capi_helm]
/// csi_cinder_allowed_topologies` option. The strings mean "the volume may be placed in a
/// topology segment carrying any of these labels": each key becomes one term, at the
/// place of its first string, whose one expression lists that key's values in the order
/// given (repeats dropped). Kubernetes ORs the terms of a class and the values of an
/// expression, so `[zone=az-1, zone=az-2]` allows either zone, as does `[zone=az-1,
/// other=x]` for a node labelled with either.
pub fn allowed_topologies(
    given: &Value,
    path: &str,
) -> std::result::Result<Option<Vec<TopologySelectorTerm>>, Vec<FieldError>> {
    if !truthy(given) {
        return Ok(None);
    }
    let Value::Array(entries) = given else {
        return Err(vec![FieldError::new(
            path,
            format!("must be {TOPOLOGY_SHAPE}, not {}", shape_of(given)),
        )]);
    };
    let mut problems = Vec::new();
    let mut terms: Vec<TopologySelectorTerm> = Vec::new();
    // Where each key of the KEY=VALUE strings has its term.
    let mut term_of_key: BTreeMap<String, usize> = BTreeMap::new();
    for (i, entry) in entries.iter().enumerate() {
        let at = format!("{path}[{i}]");
        match entry {
            Value::String(s) => {
                let Some((key, value)) = s.split_once('=') else {
                    problems.push(FieldError::new(
                        &at,
                        format!("{s:?} is not KEY=VALUE: an entry of allowedTopologies is {TOPOLOGY_SHAPE}"),
                    ));
                    continue;
                };
                let before = problems.len();
                check_label_key(key, &at, &mut problems);
                check_label_value(value, &at, &mut problems);
                if problems.len() > before {
                    continue;
                }
                let index = *term_of_key.entry(key.to_string()).or_insert_with(|| {
                    terms.push(TopologySelectorTerm {
                        match_label_expressions: Some(vec![TopologySelectorLabelRequirement {
                            key: key.to_string(),
                            values: Vec::new(),
                        }]),
                    });
                    terms.len() - 1
                });
                let values = &mut terms[index].match_label_expressions.as_mut().unwrap()[0].values;
                if !values.iter().any(|v| v == value) {
                    values.push(value.to_string());
                }
            }
            Value::Object(_) => {
                if let Some(term) = topology_term(entry, &at, &mut problems) {
                    terms.push(term);
                }
            }
            other => problems.push(FieldError::new(
                &at,
                format!("must be a topology selector term or a KEY=VALUE string, not {}: allowedTopologies is {TOPOLOGY_SHAPE}", shape_of(other)),
            )),
        }
    }
    if problems.is_empty() {
        check_distinct_terms(&terms, path, &mut problems);
    }
    if problems.is_empty() {
        Ok(Some(terms))
    } else {
        Err(problems)
    }
}

/// One term written as an object: `{matchLabelExpressions: [{key, values}]}`.
fn topology_term(
    entry: &Value,
    at: &str,
    problems: &mut Vec<FieldError>,
) -> Option<TopologySelectorTerm> {
    let before = problems.len();
    let map = entry.as_object()?;
    for key in map.keys().filter(|k| k.as_str() != "matchLabelExpressions") {
        problems.push(FieldError::new(
            format!("{at}.{key}"),
            "unknown key: a topology selector term has only matchLabelExpressions",
        ));
    }
    let expressions = match map.get("matchLabelExpressions") {
        None | Some(Value::Null) => None,
        Some(Value::Array(list)) => {
            let mut out = Vec::new();
            let mut keys = Vec::new();
            for (j, e) in list.iter().enumerate() {
                let at = format!("{at}.matchLabelExpressions[{j}]");
                if let Some(req) = label_requirement(e, &at, problems) {
                    if keys.contains(&req.key) {
                        problems.push(FieldError::new(
                            format!("{at}.key"),
                            format!("{:?} is given twice in this term (Kubernetes refuses a key repeated within a term; list all its values in one expression)", req.key),
                        ));
                    }
                    keys.push(req.key.clone());
                    out.push(req);
                }
            }
            Some(out)
        }
        Some(other) => {
            problems.push(FieldError::new(
                format!("{at}.matchLabelExpressions"),
                format!(
                    "must be a list of {{key, values: [...]}}, not {}",
                    shape_of(other)
                ),
            ));
            None
        }
    };
    (problems.len() == before).then_some(TopologySelectorTerm {
        match_label_expressions: expressions,
    })
}

/// One `{key, values: [...]}` of a term.
fn label_requirement(
    e: &Value,
    at: &str,
    problems: &mut Vec<FieldError>,
) -> Option<TopologySelectorLabelRequirement> {
    let Value::Object(map) = e else {
        problems.push(FieldError::new(
            at,
            format!(
                "must be {{key: LABEL, values: [VALUE, ...]}}, not {}",
                shape_of(e)
            ),
        ));
        return None;
    };
    let before = problems.len();
    for key in map
        .keys()
        .filter(|k| !matches!(k.as_str(), "key" | "values"))
    {
        problems.push(FieldError::new(
            format!("{at}.{key}"),
            "unknown key: a label expression of a topology term has only key and values",
        ));
    }
    let key = match map.get("key") {
        Some(Value::String(k)) => {
            check_label_key(k, &format!("{at}.key"), problems);
            k.clone()
        }
        None | Some(Value::Null) => {
            problems.push(FieldError::new(
                format!("{at}.key"),
                "is required: a label key",
            ));
            String::new()
        }
        Some(other) => {
            problems.push(FieldError::new(
                format!("{at}.key"),
                format!("must be a string (a label key), not {}", shape_of(other)),
            ));
            String::new()
        }
    };
    let mut values = Vec::new();
    match map.get("values") {
        Some(Value::Array(list)) if !list.is_empty() => {
            for (k, v) in list.iter().enumerate() {
                let at = format!("{at}.values[{k}]");
                match v {
                    Value::String(s) => {
                        check_label_value(s, &at, problems);
                        if values.contains(s) {
                            problems.push(FieldError::new(&at, format!("{s:?} is listed twice")));
                        }
                        values.push(s.clone());
                    }
                    other => problems.push(FieldError::new(
                        &at,
                        format!(
                            "must be a string (a label value; quote numbers and booleans), not {}",
                            shape_of(other)
                        ),
                    )),
                }
            }
        }
        Some(Value::Array(_)) | None | Some(Value::Null) => problems.push(FieldError::new(
            format!("{at}.values"),
            "is required: a list of at least one label value",
        )),
        Some(other) => problems.push(FieldError::new(
            format!("{at}.values"),
            format!("must be a list of label values, not {}", shape_of(other)),
        )),
    }
    (problems.len() == before).then_some(TopologySelectorLabelRequirement { key, values })
}

/// Kubernetes refuses two terms of a class that select the same labels.
fn check_distinct_terms(
    terms: &[TopologySelectorTerm],
    path: &str,
    problems: &mut Vec<FieldError>,
) {
    let canonical = |t: &TopologySelectorTerm| -> BTreeMap<String, Vec<String>> {
        t.match_label_expressions
            .iter()
            .flatten()
            .map(|e| {
                let mut values = e.values.clone();
                values.sort();
                (e.key.clone(), values)
            })
            .collect()
    };
    let seen: Vec<_> = terms.iter().map(canonical).collect();
    for (i, term) in seen.iter().enumerate() {
        if let Some(j) = seen[..i].iter().position(|t| t == term) {
            problems.push(FieldError::new(
                format!("{path}[{i}]"),
                format!("selects the same labels as entry {j} (Kubernetes refuses duplicate topology terms)"),
            ));
        }
    }
}

/// The fields the default and additional classes share: reclaim policy, expansion,
/// binding mode, topologies.
fn finish_class(
    printed: &mut PrintedClass,
    sc: &StorageClass,
    is_default_entry: bool,
    path: &str,
    problems: &mut Vec<FieldError>,
) {
    let class = &mut printed.class;
    if is_default_entry {
        class.reclaim_policy = sc.reclaim_policy.clone();
        class.allow_volume_expansion = sc.allow_volume_expansion;
        class.volume_binding_mode = sc.volume_binding_mode.clone();
        for (field, given) in [
            ("reclaimPolicy", sc.reclaim_policy.is_some()),
            ("allowVolumeExpansion", sc.allow_volume_expansion.is_some()),
            ("volumeBindingMode", sc.volume_binding_mode.is_some()),
        ] {
            if !given {
                printed.null_fields.push(field);
            }
        }
    } else {
        class.reclaim_policy = Some(
            non_empty(&sc.reclaim_policy)
                .unwrap_or("Delete")
                .to_string(),
        );
        class.allow_volume_expansion = Some(sc.allow_volume_expansion.unwrap_or(true));
        class.volume_binding_mode = Some(
            non_empty(&sc.volume_binding_mode)
                .unwrap_or("WaitForFirstConsumer")
                .to_string(),
        );
    }
    if let Some(p) = non_empty(&class.reclaim_policy) {
        check_one_of(
            p,
            &["Delete", "Retain"],
            &format!("{path}.reclaimPolicy"),
            problems,
        );
    }
    if let Some(m) = non_empty(&class.volume_binding_mode) {
        check_one_of(
            m,
            &["Immediate", "WaitForFirstConsumer"],
            &format!("{path}.volumeBindingMode"),
            problems,
        );
    }
    if let Some(given) = &sc.allowed_topologies {
        match allowed_topologies(given, &format!("{path}.allowedTopologies")) {
            Ok(terms) => class.allowed_topologies = terms,
            Err(p) => problems.extend(p),
        }
    }
}

fn done(printed: PrintedClass, problems: Vec<FieldError>) -> Result<PrintedClass> {
    if problems.is_empty() {
        Ok(printed)
    } else {
        Err(Error::Invalid(problems))
    }
}

/// The class's name: required, a DNS subdomain (Jinja for the addon provider is left to
/// it).
fn class_name(sc: &StorageClass, path: &str, problems: &mut Vec<FieldError>) -> String {
    let at = format!("{path}.name");
    match non_empty(&sc.name) {
        Some(name) => {
            if !is_jinja(name) && !is_dns_subdomain(name) {
                problems.push(FieldError::new(
                    at,
                    format!("{name:?} is not a valid storage class name: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters"),
                ));
            }
            name.to_string()
        }
        None => {
            problems.push(FieldError::new(
                at,
                "is required: the name of the storage class",
            ));
            String::new()
        }
    }
}

fn class_metadata(name: String, default_class: bool) -> ObjectMeta {
    ObjectMeta {
        name: Some(name),
        annotations: default_class.then(|| {
            BTreeMap::from([(
                "storageclass.kubernetes.io/is-default-class".to_string(),
                "true".to_string(),
            )])
        }),
        ..ObjectMeta::default()
    }
}

/// A parameter's value: a string (parameters are `map[string]string`).
fn parameter(v: &Value, at: &str, problems: &mut Vec<FieldError>) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(_) | Value::Bool(_) => {
            problems.push(FieldError::new(
                at,
                format!(
                    "must be a string: storage class parameters are strings (write it quoted, \"{}\")",
                    crate::helm_compat::go_string(v)
                ),
            ));
            None
        }
        other => {
            problems.push(FieldError::new(
                at,
                format!(
                    "must be a string (storage class parameters are strings), not {}",
                    shape_of(other)
                ),
            ));
            None
        }
    }
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

fn check_one_of(given: &str, allowed: &[&str], at: &str, problems: &mut Vec<FieldError>) {
    if !is_jinja(given) && !allowed.contains(&given) {
        problems.push(FieldError::new(
            at,
            format!("{given:?} is not one of {}", allowed.join(", ")),
        ));
    }
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

/// Text the addon provider evaluates (Jinja); its result is not known at render time.
fn is_jinja(s: &str) -> bool {
    s.contains("{{") || s.contains("{%")
}

/// Kubernetes' label value: at most 63 characters, alphanumerics with `-`, `_`, `.`
/// inside; may be empty.
fn is_label_value(s: &str) -> bool {
    s.is_empty() || is_label_name(s)
}

/// Kubernetes' label name (the part of a key after the prefix): 1 to 63 characters,
/// alphanumerics with `-`, `_`, `.` inside.
fn is_label_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// A DNS subdomain (RFC 1123): at most 253 characters, lower-case labels joined by dots.
fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253
        && s.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_lowercase() | b[0].is_ascii_digit()
                && b[b.len() - 1].is_ascii_lowercase() | b[b.len() - 1].is_ascii_digit()
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        })
}

/// A qualified name: `[DNS-subdomain/]name`, as label keys and provisioners are.
fn is_qualified_name(s: &str) -> bool {
    match s.split_once('/') {
        Some((prefix, name)) => is_dns_subdomain(prefix) && is_label_name(name),
        None => is_label_name(s),
    }
}

fn check_qualified_name(s: &str, at: &str, what: &str, problems: &mut Vec<FieldError>) {
    if !is_jinja(s) && !is_qualified_name(s) {
        problems.push(FieldError::new(
            at,
            format!("{s:?} is not {what}: an optional DNS prefix and '/', then 1 to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"),
        ));
    }
}

fn check_label_key(key: &str, at: &str, problems: &mut Vec<FieldError>) {
    check_qualified_name(
        key,
        at,
        "a label key (e.g. topology.cinder.csi.openstack.org/zone)",
        problems,
    );
}

fn check_label_value(value: &str, at: &str, problems: &mut Vec<FieldError>) {
    if !is_jinja(value) && !is_label_value(value) {
        problems.push(FieldError::new(
            at,
            format!("{value:?} is not a label value: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn class(v: Value) -> StorageClass {
        serde_json::from_value(v).unwrap()
    }

    fn messages(e: Error) -> Vec<(String, String)> {
        match e {
            Error::Invalid(p) => p.into_iter().map(|f| (f.path, f.message)).collect(),
            other => panic!("not a values error: {other}"),
        }
    }

    /// The printed tree of the default class keeps the chart's nulls.
    #[test]
    fn default_class_prints_the_charts_nulls() {
        let sc = class(json!({"enabled": true, "name": "csi-cinder"}));
        let v = cinder(&sc, true, "d").unwrap().to_value();
        assert_eq!(
            v,
            json!({
                "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                "metadata": {"name": "csi-cinder"},
                "provisioner": CINDER_PROVISIONER,
                "parameters": {"availability": null},
                "reclaimPolicy": null, "allowVolumeExpansion": null, "volumeBindingMode": null,
            })
        );
    }

    /// Magnum's strings group by key into one term each, in order of first appearance.
    #[test]
    fn key_value_strings_group_by_key() {
        let terms = allowed_topologies(&json!(["zone=a", "rack=r1", "zone=b", "zone=a"]), "t")
            .unwrap()
            .unwrap();
        assert_eq!(
            serde_json::to_value(terms).unwrap(),
            json!([
                {"matchLabelExpressions": [{"key": "zone", "values": ["a", "b"]}]},
                {"matchLabelExpressions": [{"key": "rack", "values": ["r1"]}]},
            ])
        );
    }

    #[test]
    fn terms_are_kept_as_written() {
        let given = json!([
            {"matchLabelExpressions": [{"key": "a/b", "values": ["x", "y"]}, {"key": "c", "values": ["z"]}]},
            {"matchLabelExpressions": []},
        ]);
        let terms = allowed_topologies(&given, "t").unwrap().unwrap();
        assert_eq!(serde_json::to_value(terms).unwrap(), given);
    }

    #[test]
    fn empty_topologies_are_none() {
        for v in [json!(null), json!([]), json!(""), json!({})] {
            assert_eq!(allowed_topologies(&v, "t").unwrap(), None, "{v}");
        }
    }

    #[test]
    fn wrong_shapes_name_the_path_and_the_shape() {
        for (given, path, part) in [
            (json!("zone=a"), "t", "a list of topology selector terms"),
            (json!(["nova"]), "t[0]", "is not KEY=VALUE"),
            (json!([3]), "t[0]", "not a number"),
            (
                json!([{"matchLabelExpressions": [{"key": "z", "values": []}]}]),
                "t[0].matchLabelExpressions[0].values",
                "at least one",
            ),
            (
                json!([{"matchLabelExpressions": [{"key": "z", "values": [1]}]}]),
                "t[0].matchLabelExpressions[0].values[0]",
                "must be a string",
            ),
            (
                json!([{"matchLabelExpressions": [{"key": "z", "value": ["a"]}]}]),
                "t[0].matchLabelExpressions[0].value",
                "unknown key",
            ),
            (
                json!([{"matchLabelExpressions": {"key": "z"}}]),
                "t[0].matchLabelExpressions",
                "must be a list",
            ),
            (json!(["bad key=a"]), "t[0]", "not a label key"),
            (json!(["zone=not a value"]), "t[0]", "not a label value"),
            (
                json!([{"matchLabelExpressions": [{"key": "z", "values": ["a"]}, {"key": "z", "values": ["b"]}]}]),
                "t[0].matchLabelExpressions[1].key",
                "twice",
            ),
            (
                json!(["z=a", {"matchLabelExpressions": [{"key": "z", "values": ["a"]}]}]),
                "t[1]",
                "same labels as entry 0",
            ),
        ] {
            let problems = allowed_topologies(&given, "t").unwrap_err();
            assert!(
                problems
                    .iter()
                    .any(|p| p.path == path && p.message.contains(part)),
                "{given}: {problems:?}"
            );
        }
    }

    #[test]
    fn class_fields_follow_the_api_servers_rules() {
        for (given, path) in [
            (json!({"name": "Fast_SSD"}), "c.name"),
            (
                json!({"name": "a", "reclaimPolicy": "Recycle"}),
                "c.reclaimPolicy",
            ),
            (
                json!({"name": "a", "volumeBindingMode": "Later"}),
                "c.volumeBindingMode",
            ),
            (json!({}), "c.name"),
        ] {
            let err = cinder(&class(given.clone()), false, "c").unwrap_err();
            assert!(messages(err).iter().any(|(p, _)| p == path), "{given}");
        }
    }

    #[test]
    fn manila_parameters_are_strings_and_nulls_stay_printed() {
        let sc = class(json!({"name": "s", "parameters": {"type": "fast", "a": "1", "b": null}}));
        let v = manila(&sc, "m", "ns", false).unwrap_err();
        assert!(messages(v).iter().any(|(p, _)| p == "m.provisioner"));
        let sc = class(
            json!({"name": "s", "provisioner": "x.y/z", "parameters": {"type": "fast", "a": "1", "b": null}}),
        );
        let v = manila(&sc, "m", "ns", false).unwrap().to_value();
        assert_eq!(v["parameters"]["a"], "1");
        assert!(v["parameters"]["b"].is_null());
        let sc = class(json!({"name": "s", "parameters": {"type": true}}));
        let err = manila(&sc, "m", "ns", true).unwrap_err();
        assert!(
            messages(err)
                .iter()
                .any(|(p, m)| p == "m.parameters.type" && m.contains("quoted"))
        );
    }
}

#[cfg(test)]
mod examples {
    //! What the items above do, shown on small inputs.

    use super::*;
    use serde_json::json;

    #[test]
    fn to_value() {
        let printed = PrintedClass {
            class: K8sStorageClass {
                provisioner: "p".into(),
                ..Default::default()
            },
            null_fields: vec!["reclaimPolicy"],
            null_parameters: vec!["availability".into()],
        };
        let v = printed.to_value();
        assert!(v["reclaimPolicy"].is_null() && v["parameters"]["availability"].is_null());
        assert_eq!(v["kind"], "StorageClass");
    }

    #[test]
    fn cinder() {
        let sc = serde_json::from_value(json!({
            "name": "fast", "allowedTopologies": ["topology.cinder.csi.openstack.org/zone=az-1"]
        }))
        .unwrap();
        let v = super::cinder(
            &sc,
            false,
            "addons.openstack.csiCinder.additionalStorageClasses[0]",
        )
        .unwrap()
        .to_value();
        assert_eq!(v["parameters"]["availability"], "nova");
        assert_eq!(
            v["allowedTopologies"][0]["matchLabelExpressions"][0]["values"][0],
            "az-1"
        );
    }

    #[test]
    fn manila() {
        let sc = serde_json::from_value(json!({"name": "shares"})).unwrap();
        let v = super::manila(
            &sc,
            "addons.openstack.csiManila.defaultStorageClass",
            "kube-system",
            true,
        )
        .unwrap()
        .to_value();
        assert_eq!(v["provisioner"], "cephfs.manila.csi.openstack.org");
        assert_eq!(v["parameters"]["type"], "cephfs");
        let numeric =
            serde_json::from_value(json!({"name": "s", "parameters": {"mounter": 1}})).unwrap();
        let err = super::manila(&numeric, "p", "kube-system", true)
            .unwrap_err()
            .to_string();
        assert!(err.contains("p.parameters.mounter"), "{err}");
    }

    #[test]
    fn allowed_topologies() {
        let given = json!([
            "topology.cinder.csi.openstack.org/zone=az-1",
            "topology.cinder.csi.openstack.org/zone=az-2",
        ]);
        let terms = super::allowed_topologies(&given, "allowedTopologies")
            .unwrap()
            .unwrap();
        assert_eq!(
            serde_json::to_value(&terms).unwrap(),
            json!([{"matchLabelExpressions": [
                {"key": "topology.cinder.csi.openstack.org/zone", "values": ["az-1", "az-2"]}
            ]}])
        );
        let wrong = super::allowed_topologies(&json!(["az-1"]), "allowedTopologies").unwrap_err();
        assert_eq!(wrong[0].path, "allowedTopologies[0]");
        assert!(wrong[0].message.contains("KEY=VALUE"));
    }
}

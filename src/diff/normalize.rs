//! What is compared: an object's identity, and its fields without the ones the API
//! server writes for itself.

use serde_json::{Map, Value};

/// Metadata fields the API server and the controllers write for themselves; they never
/// come from a render (Cluster API's controllers add owner references and finalizers to
/// the objects of a cluster moments after they are created).
const SERVER_METADATA: &[&str] = &[
    "ownerReferences",
    "finalizers",
    "managedFields",
    "resourceVersion",
    "generation",
    "uid",
    "creationTimestamp",
    "selfLink",
    "namespace",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
];

/// Annotations written by tools, not by the render.
const TOOL_ANNOTATIONS: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
    // Cluster API keeps what an older API version cannot hold here, status included.
    "cluster.x-k8s.io/conversion-data",
];

/// The identity of an object within a release: API group, kind and name. The version
/// is left out, so that an object served under a newer API version is the same object.
///
/// ```
/// use capiform::diff::ObjectKey;
/// let k = ObjectKey::of(&serde_json::json!({
///     "apiVersion": "cluster.x-k8s.io/v1beta1", "kind": "Cluster", "metadata": {"name": "demo"}}));
/// assert_eq!(k.to_string(), "Cluster/demo");
/// assert_eq!(k.group, "cluster.x-k8s.io");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct ObjectKey {
    /// API group (empty for the core group).
    pub group: String,
    /// Kind.
    pub kind: String,
    /// Name.
    pub name: String,
}

impl ObjectKey {
    /// The key of an object given as JSON (missing fields are empty).
    ///
    /// ```
    /// let k = capiform::diff::ObjectKey::of(&serde_json::json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}));
    /// assert_eq!((k.group.as_str(), k.kind.as_str()), ("", "Secret"));
    /// ```
    pub fn of(object: &Value) -> Self {
        Self {
            group: group_of(str_at(object, &["apiVersion"])).to_string(),
            kind: str_at(object, &["kind"]).to_string(),
            name: str_at(object, &["metadata", "name"]).to_string(),
        }
    }
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.kind, self.name)
    }
}

/// The group of an `apiVersion`: `cluster.x-k8s.io/v1beta1` -> `cluster.x-k8s.io`,
/// `v1` -> `` (the core group).
pub(crate) fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(group, _)| group)
}

/// The string at a path of map keys, or `""`.
pub(crate) fn str_at<'a>(value: &'a Value, path: &[&str]) -> &'a str {
    at(value, path).and_then(Value::as_str).unwrap_or("")
}

/// The value at a path of map keys.
pub(crate) fn at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

/// A copy of `object` without what the API server writes for itself: `status`, the
/// server's metadata (`managedFields`, `resourceVersion`, `generation`, `uid`,
/// `creationTimestamp`, the namespace, which the key already implies …), tool
/// annotations, empty label and annotation maps and `null` fields.
///
/// ```
/// let live = serde_json::json!({"kind": "X", "metadata": {"name": "a", "uid": "1",
///     "resourceVersion": "7", "managedFields": []}, "spec": {"a": 1, "b": null}, "status": {}});
/// assert_eq!(capiform::diff::normalized(&live),
///     serde_json::json!({"kind": "X", "metadata": {"name": "a"}, "spec": {"a": 1}}));
/// ```
pub fn normalized(object: &Value) -> Value {
    let mut out = without_nulls(object);
    secret_data_form(&mut out);
    secret_yaml_meaning(&mut out);
    manifests_template_meaning(&mut out);
    kustomization_patch_meaning(&mut out);
    if let Value::Object(top) = &mut out {
        top.remove("status");
        if let Some(Value::Object(meta)) = top.get_mut("metadata") {
            for field in SERVER_METADATA {
                meta.remove(*field);
            }
            if let Some(Value::Object(annotations)) = meta.get_mut("annotations") {
                for a in TOOL_ANNOTATIONS {
                    annotations.remove(*a);
                }
            }
            for field in ["labels", "annotations"] {
                if meta.get(field).is_some_and(is_empty_map) {
                    meta.remove(field);
                }
            }
        }
    }
    out
}

/// A Secret's `stringData` folded into `data` (base64), as the API server stores it and
/// as `apply` sends it: a render compares with a live Secret, which has no `stringData`.
fn secret_data_form(object: &mut Value) {
    use base64::Engine;
    let is_secret =
        str_at(object, &["apiVersion"]) == "v1" && str_at(object, &["kind"]) == "Secret";
    let Some(m) = object.as_object_mut().filter(|_| is_secret) else {
        return;
    };
    let Some(Value::Object(string_data)) = m.remove("stringData") else {
        return;
    };
    let data = m.entry("data").or_insert_with(|| Value::Object(Map::new()));
    let Some(data) = data.as_object_mut() else {
        return;
    };
    for (key, value) in string_data {
        let text = value
            .as_str()
            .map_or_else(|| value.to_string(), str::to_owned);
        data.insert(
            key,
            Value::String(base64::engine::general_purpose::STANDARD.encode(text)),
        );
    }
}

/// An addon `Manifests`' template texts (`spec.manifestSources[].template`) written in a
/// canonical form when they are YAML documents: Helm's copy carries whitespace-only
/// lines that capiform's does not, with the same meaning. Texts that do not read as YAML
/// are compared as they are.
fn manifests_template_meaning(object: &mut Value) {
    if str_at(object, &["kind"]) != "Manifests" {
        return;
    }
    let Some(Value::Array(sources)) = object
        .get_mut("spec")
        .and_then(|s| s.get_mut("manifestSources"))
    else {
        return;
    };
    canonical_texts(sources, "template");
}

/// A Flux `Kustomization`'s patches (`spec.patches[].patch`, YAML text) in the canonical
/// form of [`yaml_documents_canonical`]: Helm's text quotes and indents them its own way,
/// with the same meaning to kustomize. Texts that do not read as YAML are compared as
/// they are.
fn kustomization_patch_meaning(object: &mut Value) {
    if str_at(object, &["kind"]) != "Kustomization"
        || !str_at(object, &["apiVersion"]).starts_with("kustomize.toolkit.fluxcd.io/")
    {
        return;
    }
    let Some(Value::Array(patches)) = object.get_mut("spec").and_then(|s| s.get_mut("patches"))
    else {
        return;
    };
    canonical_texts(patches, "patch");
}

/// The text at `key` of each item written in the canonical form of
/// [`yaml_documents_canonical`], where it reads as YAML.
fn canonical_texts(items: &mut [Value], key: &str) {
    for item in items {
        let Some(Value::String(text)) = item.get_mut(key) else {
            continue;
        };
        if let Some(canonical) = yaml_documents_canonical(text) {
            *text = canonical;
        }
    }
}

/// YAML documents written back in one form (keys sorted, one quoting style, empty
/// documents left out), or `None` when the text does not read as YAML.
fn yaml_documents_canonical(text: &str) -> Option<String> {
    let mut out = String::new();
    for document in serde_yaml::Deserializer::from_str(text) {
        let value: Value = serde::Deserialize::deserialize(document).ok()?;
        if value.is_null() {
            continue;
        }
        out.push_str("---\n");
        out.push_str(&crate::output::value_to_yaml(&sorted_keys(value)));
    }
    Some(out)
}

fn sorted_keys(value: Value) -> Value {
    match value {
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, sorted_keys(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted_keys).collect()),
        other => other,
    }
}

/// A Secret's `data` values that hold a YAML mapping or list (an addon's Helm values,
/// `clouds.yaml`) in the canonical form of [`yaml_documents_canonical`]: the chart writes
/// `""` where capiform writes `''`, with the same meaning to every reader. Other values
/// (certificates, keys, texts) are compared byte for byte.
fn secret_yaml_meaning(object: &mut Value) {
    use base64::Engine;
    let engine = base64::engine::general_purpose::STANDARD;
    let is_secret =
        str_at(object, &["apiVersion"]) == "v1" && str_at(object, &["kind"]) == "Secret";
    let Some(Value::Object(data)) = object.get_mut("data").filter(|_| is_secret) else {
        return;
    };
    for value in data.values_mut() {
        let Some(text) = value
            .as_str()
            .and_then(|v| engine.decode(v).ok())
            .and_then(|bytes| String::from_utf8(bytes).ok())
        else {
            continue;
        };
        let structured =
            |t: &str| serde_yaml::from_str::<Value>(t).is_ok_and(|v| v.is_object() || v.is_array());
        // An addon's values with Jinja expressions (`k8sServiceHost: {{ cluster… }}`) read
        // as YAML once each expression stands for what it prints.
        let text = if structured(&text) {
            text
        } else {
            match jinja_expressions_as_words(&text).filter(|t| structured(t)) {
                Some(words) => words,
                None => continue,
            }
        };
        if let Some(canonical) = yaml_documents_canonical(&text) {
            *value = Value::String(engine.encode(canonical));
        }
    }
}

/// `text` with each Jinja expression (`{{ … }}`) written as a word that names it
/// (`jinja-` and the hexadecimal bytes of the expression, spaces at its ends aside), so
/// that a Jinja-templated YAML text reads as YAML and two texts compare equal when they
/// differ only in comments and layout; `None` when the text has none, or has Jinja
/// statements (`{% … %}`), whose output is not known.
fn jinja_expressions_as_words(text: &str) -> Option<String> {
    if !text.contains("{{") || text.contains("{%") {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let end = rest[start..].find("}}")? + start;
        out.push_str(&rest[..start]);
        out.push_str("jinja-");
        for b in rest[start + 2..end].trim().bytes() {
            out.push_str(&format!("{b:02x}"));
        }
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    Some(out)
}

fn is_empty_map(v: &Value) -> bool {
    v.as_object().is_some_and(Map::is_empty)
}

/// A copy without `null` map entries (server-side apply treats them as absent).
fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

/// `live` cut down to the fields that `rendered` has: map keys that `rendered` lacks are
/// dropped, at every depth (lists are matched item by item; items beyond the rendered
/// list's end are kept whole). This hides what the API server and controllers add
/// (defaults, `ownerReferences`, labels of other tools) when there is no server-side
/// dry-run to apply the same defaults to the render.
///
/// ```
/// let live = serde_json::json!({"spec": {"replicas": 2, "strategy": {"type": "RollingUpdate"}}});
/// let rendered = serde_json::json!({"spec": {"replicas": 3}});
/// assert_eq!(capiform::diff::projected_onto(&live, &rendered),
///     serde_json::json!({"spec": {"replicas": 2}}));
/// ```
pub fn projected_onto(live: &Value, rendered: &Value) -> Value {
    match (live, rendered) {
        (Value::Object(l), Value::Object(r)) => Value::Object(
            l.iter()
                .filter_map(|(k, lv)| r.get(k).map(|rv| (k.clone(), projected_onto(lv, rv))))
                .collect(),
        ),
        (Value::Array(l), Value::Array(r)) => Value::Array(
            l.iter()
                .enumerate()
                .map(|(i, lv)| {
                    r.get(i)
                        .map_or_else(|| lv.clone(), |rv| projected_onto(lv, rv))
                })
                .collect(),
        ),
        _ => live.clone(),
    }
}

/// Whether two normalized objects differ only in `metadata` labels and annotations.
pub(crate) fn differs_only_in_metadata(a: &Value, b: &Value) -> bool {
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Some(Value::Object(meta)) = v.get_mut("metadata") {
            meta.remove("labels");
            meta.remove("annotations");
        }
        v
    };
    strip(a) == strip(b)
}

/// Whether two normalized addon `Manifests` differ only in content that is capiform's
/// own (and in labels and annotations): the data of Grafana dashboard ConfigMaps (label
/// `grafana_dashboard`) and the texts of alert rules' annotations (`summary`,
/// `description`, `message` …) in PrometheusRules, inside the templates. Templates that do not read as YAML (Jinja
/// raw tags on their own lines aside) count as different when they differ.
pub(crate) fn differs_only_in_own_content(a: &Value, b: &Value) -> bool {
    if str_at(a, &["kind"]) != "Manifests" || str_at(b, &["kind"]) != "Manifests" {
        return false;
    }
    let blanked = |v: &Value| -> Option<Value> {
        let mut v = v.clone();
        if let Some(Value::Object(meta)) = v.get_mut("metadata") {
            meta.remove("labels");
            meta.remove("annotations");
        }
        if let Some(Value::Array(sources)) =
            v.get_mut("spec").and_then(|s| s.get_mut("manifestSources"))
        {
            for source in sources {
                if let Some(Value::String(text)) = source.get_mut("template") {
                    *text = own_content_blanked(text)?;
                }
            }
        }
        Some(v)
    };
    matches!((blanked(a), blanked(b)), (Some(x), Some(y)) if x == y)
}

/// A manifest template's documents, canonical, with capiform's own content blanked (see
/// [`differs_only_in_own_content`]); `None` when the text does not read as YAML.
fn own_content_blanked(text: &str) -> Option<String> {
    let is_raw_tag = |line: &str| {
        let t = line.trim();
        let inner = t.strip_prefix("{%").and_then(|r| r.strip_suffix("%}"));
        inner.is_some_and(|i| matches!(i.trim_matches('-').trim(), "raw" | "endraw"))
    };
    let mut yaml = String::with_capacity(text.len());
    for line in text.lines().filter(|l| !is_raw_tag(l)) {
        yaml.push_str(line);
        yaml.push('\n');
    }
    let mut out = String::new();
    for document in serde_yaml::Deserializer::from_str(&yaml) {
        let mut value: Value = serde::Deserialize::deserialize(document).ok()?;
        if value.is_null() {
            continue;
        }
        blank_own_content(&mut value);
        out.push_str("---\n");
        out.push_str(&crate::output::value_to_yaml(&sorted_keys(value)));
    }
    Some(out)
}

fn blank_own_content(object: &mut Value) {
    match str_at(object, &["kind"]) {
        "ConfigMap"
            if object
                .pointer("/metadata/labels/grafana_dashboard")
                .is_some() =>
        {
            object["data"] = Value::Object(Map::new());
        }
        "PrometheusRule" => {
            let groups = object
                .pointer_mut("/spec/groups")
                .and_then(Value::as_array_mut);
            for group in groups.into_iter().flatten() {
                let rules = group.get_mut("rules").and_then(Value::as_array_mut);
                for rule in rules.into_iter().flatten() {
                    // The rule (alert, expr, for, labels) is not; its annotations'
                    // keys are kept, their texts are capiform's own.
                    if let Some(Value::Object(notes)) = rule.get_mut("annotations") {
                        for text in notes.values_mut() {
                            *text = Value::String(String::new());
                        }
                    }
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn group_of_core_and_named_groups() {
        assert_eq!(group_of("v1"), "");
        assert_eq!(group_of("apps/v1"), "apps");
        assert_eq!(group_of(""), "");
    }

    #[test]
    fn normalized_drops_tool_annotations_and_then_empty_maps() {
        let live = json!({"metadata": {"name": "a", "labels": {},
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}}});
        assert_eq!(normalized(&live), json!({"metadata": {"name": "a"}}));
    }

    #[test]
    fn projection_keeps_extra_live_list_items() {
        let live = json!({"l": [{"a": 1, "d": 0}, {"a": 2}]});
        let rendered = json!({"l": [{"a": 1}]});
        assert_eq!(
            projected_onto(&live, &rendered),
            json!({"l": [{"a": 1}, {"a": 2}]})
        );
    }

    #[test]
    fn secret_string_data_compares_with_live_data() {
        let rendered = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
            "stringData": {"a": "yes"}});
        let live = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
            "data": {"a": "eWVz"}});
        assert_eq!(normalized(&rendered), normalized(&live));
        // YAML held in a Secret compares by meaning; other texts byte for byte.
        let yaml = |text: &str| {
            json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "s"}, "stringData": {"values": text}})
        };
        assert_eq!(
            normalized(&yaml("a: ''\nb: 1\n")),
            normalized(&yaml("b: 1\na: \"\"\n"))
        );
        assert_ne!(normalized(&yaml("a: x\n")), normalized(&yaml("a: y\n")));
        assert_ne!(normalized(&yaml("text ")), normalized(&yaml("text")));
        // An addon's values with Jinja expressions: comments and layout aside, the same
        // expressions at the same places are the same values.
        let helm = "# the node's IPs\nipam:\n  mode: kubernetes\nhost: {{ cluster.spec.controlPlaneEndpoint.host }}\n";
        let ours = "ipam: {mode: kubernetes}\nhost: {{cluster.spec.controlPlaneEndpoint.host}}\n";
        assert_eq!(normalized(&yaml(helm)), normalized(&yaml(ours)));
        let other =
            "ipam:\n  mode: kubernetes\nhost: {{ cluster.spec.controlPlaneEndpoint.port }}\n";
        assert_ne!(normalized(&yaml(helm)), normalized(&yaml(other)));
        // Jinja statements: compared as written.
        let statement = "{% if x %}a: 1{% endif %}\n";
        assert_ne!(
            normalized(&yaml(statement)),
            normalized(&yaml("{% if x %}a: 1{% endif %}"))
        );
    }

    #[test]
    fn manifests_templates_compare_by_meaning() {
        let m = |text: &str| {
            json!({"kind": "Manifests", "metadata": {"name": "m"},
            "spec": {"manifestSources": [{"template": text}]}})
        };
        let helm = m("---\napiVersion: v1\nkind: ConfigMap\n  \nmetadata:\n  name: x\n   \n---\n");
        let ours = m("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
        assert_eq!(normalized(&helm), normalized(&ours));
        assert_ne!(
            normalized(&ours),
            normalized(&m("---\napiVersion: v1\nkind: Secret\n"))
        );
        // Not YAML: compared as written.
        let odd = m("{{ not yaml");
        assert_eq!(
            normalized(&odd)["spec"]["manifestSources"][0]["template"],
            "{{ not yaml"
        );
    }

    #[test]
    fn own_content_is_dashboards_and_alert_texts() {
        let m = |text: &str| {
            json!({"kind": "Manifests", "metadata": {"name": "m", "labels": {"a": "1"}},
            "spec": {"manifestSources": [{"template": text}]}})
        };
        let dashboards = |title: &str| {
            m(&format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d\n  labels:\n    grafana_dashboard: \"1\"\ndata:\n  x.json: |\n    {{% raw %}}\n    {{\"title\": \"{title}\"}}\n    {{% endraw %}}\n"
            ))
        };
        assert!(differs_only_in_own_content(
            &dashboards("Nodes"),
            &dashboards("Machines")
        ));
        let rule = |summary: &str, expr: &str| {
            m(&format!(
                "{{% raw %}}\napiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {{name: r}}\nspec:\n  groups:\n  - name: g\n    rules:\n    - alert: Down\n      expr: {expr}\n      annotations: {{summary: \"{summary}\", runbook_url: u}}\n{{% endraw %}}\n"
            ))
        };
        assert!(differs_only_in_own_content(
            &rule("down", "up == 0"),
            &rule("is down", "up == 0")
        ));
        // The rule itself is not capiform's own.
        assert!(!differs_only_in_own_content(
            &rule("down", "up == 0"),
            &rule("down", "up < 1")
        ));
        // Nor is any other object.
        let cm = |v: &str| {
            m(&format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\ndata: {{a: {v}}}\n"
            ))
        };
        assert!(!differs_only_in_own_content(&cm("x"), &cm("y")));
    }

    #[test]
    fn kustomization_patches_compare_by_meaning() {
        let k = |patch: &str| {
            json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "k"}, "spec": {"patches": [{"patch": patch}]}})
        };
        let helm =
            "- op: add\n  path: /a\n  value:\n    - key: \"x\"\n      operator: \"Exists\"\n";
        let ours = "- op: add\n  path: /a\n  value:\n  - key: x\n    operator: Exists\n";
        assert_eq!(normalized(&k(helm)), normalized(&k(ours)));
        assert_ne!(
            normalized(&k(helm)),
            normalized(&k("- op: remove\n  path: /a\n"))
        );
    }

    #[test]
    fn metadata_only_difference() {
        let a = json!({"metadata": {"name": "x", "labels": {"a": "1"}}, "spec": {"s": 1}});
        let b = json!({"metadata": {"name": "x"}, "spec": {"s": 1}});
        assert!(differs_only_in_metadata(&a, &b));
        let c = json!({"metadata": {"name": "x"}, "spec": {"s": 2}});
        assert!(!differs_only_in_metadata(&a, &c));
    }
}

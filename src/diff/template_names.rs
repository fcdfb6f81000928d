//! Keep the live names of immutable machine templates whose content does not change.
//!
//! Machine templates are immutable, so each is named after a hash of its content: a
//! new content gets a new name, and the `MachineDeployment` or `KubeadmControlPlane`
//! that refers to it replaces its machines. A template rendered with the same content
//! as a live one of the same release and role, but under another name (the Helm chart
//! hashes the template's text, capiform its meaning; or an older engine hashed
//! differently), would replace every machine for nothing. So a rendered template whose
//! `spec` equals the `spec` of a live template of the same kind and role takes the
//! live name, and every reference to it follows.
//!
//! A template's role is the slot that refers to it: the infrastructure or bootstrap
//! template of the `MachineDeployment` of the same name (one node group), or the
//! infrastructure template of the `KubeadmControlPlane`. Live templates no live machine
//! set refers to any more match by their `…/component` and `…/node-group` labels.

use serde::Serialize;
use serde_json::Value;

use super::normalize::{at, str_at};

/// A rendered template that took a live template's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeptName {
    /// The template's kind.
    pub kind: String,
    /// The name the render gave it.
    pub rendered: String,
    /// The live name it keeps.
    pub live: String,
}

/// The template kinds whose names are kept, with the reference paths that name them
/// in the machine sets that use them.
const SLOTS: &[(&str, &str, &[&str])] = &[
    (
        "MachineDeployment",
        "OpenStackMachineTemplate",
        &["spec", "template", "spec", "infrastructureRef"],
    ),
    (
        "MachineDeployment",
        "KubeadmConfigTemplate",
        &["spec", "template", "spec", "bootstrap", "configRef"],
    ),
    (
        "KubeadmControlPlane",
        "OpenStackMachineTemplate",
        &["spec", "machineTemplate", "infrastructureRef"],
    ),
    // Cluster API v1beta2 (template set 2.0.0) keeps it under machineTemplate.spec.
    (
        "KubeadmControlPlane",
        "OpenStackMachineTemplate",
        &["spec", "machineTemplate", "spec", "infrastructureRef"],
    ),
];

/// The paths of template references in a machine set of kind `owner_kind`.
pub(crate) fn reference_paths(
    owner_kind: &str,
) -> impl Iterator<Item = &'static [&'static str]> + '_ {
    SLOTS
        .iter()
        .filter(move |(owner, _, _)| *owner == owner_kind)
        .map(|(_, _, path)| *path)
}

/// Give rendered templates the live names of templates with the same content and role
/// (see the module docs), rewriting every reference to them. `rendered`: the objects
/// about to be applied; `live`: the release's objects in the cluster. The `spec`s are
/// compared exactly, so pass the rendered objects as the API server would store them
/// (after a server-side dry-run) when the server adds defaults to these kinds.
///
/// ```
/// use serde_json::json;
/// let ost = |name: &str| json!({"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1",
///     "kind": "OpenStackMachineTemplate", "metadata": {"name": name},
///     "spec": {"template": {"spec": {"flavor": "m1"}}}});
/// let md = |template: &str| json!({"apiVersion": "cluster.x-k8s.io/v1beta1",
///     "kind": "MachineDeployment", "metadata": {"name": "demo-md-0"},
///     "spec": {"template": {"spec": {"infrastructureRef": {
///         "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1",
///         "kind": "OpenStackMachineTemplate", "name": template}}}}});
/// let mut rendered = vec![ost("demo-md-0-1234abcd"), md("demo-md-0-1234abcd")];
/// let live = vec![ost("demo-md-0-9f8e7d6c"), md("demo-md-0-9f8e7d6c")];
/// let kept = capiform::diff::keep_live_template_names(&mut rendered, &live);
/// assert_eq!(kept[0].live, "demo-md-0-9f8e7d6c");
/// assert_eq!(rendered[0]["metadata"]["name"], "demo-md-0-9f8e7d6c");
/// assert_eq!(rendered[1]["spec"]["template"]["spec"]["infrastructureRef"]["name"], "demo-md-0-9f8e7d6c");
/// ```
pub fn keep_live_template_names(rendered: &mut [Value], live: &[Value]) -> Vec<KeptName> {
    let mut kept: Vec<KeptName> = Vec::new();
    for index in 0..rendered.len() {
        let template = &rendered[index];
        let kind = str_at(template, &["kind"]);
        if !SLOTS.iter().any(|(_, k, _)| *k == kind) {
            continue;
        }
        let name = str_at(template, &["metadata", "name"]);
        if live.iter().any(|l| same_kind_and_name(l, kind, name)) {
            continue;
        }
        let Some(live_name) = live_match(template, rendered, live) else {
            continue;
        };
        let taken = rendered
            .iter()
            .any(|o| same_kind_and_name(o, kind, &live_name))
            || kept.iter().any(|k| k.kind == kind && k.live == live_name);
        if taken {
            continue;
        }
        kept.push(KeptName {
            kind: kind.to_string(),
            rendered: name.to_string(),
            live: live_name,
        });
    }
    rename_templates(rendered, &kept);
    kept
}

/// The kinds of templates whose live names are kept (machine and bootstrap templates).
///
/// ```
/// assert!(capiform::diff::template_kinds().any(|k| k == "KubeadmConfigTemplate"));
/// ```
pub fn template_kinds() -> impl Iterator<Item = &'static str> {
    let mut kinds: Vec<&'static str> = SLOTS.iter().map(|(_, k, _)| *k).collect();
    kinds.dedup();
    kinds.into_iter()
}

/// Give templates the names [`keep_live_template_names`] chose for them (from another
/// copy of the same objects, e.g. their server-side dry-run), rewriting every reference.
///
/// ```
/// use serde_json::json;
/// let mut objects = vec![json!({"kind": "OpenStackMachineTemplate", "metadata": {"name": "new"}})];
/// let kept = [capiform::diff::KeptName { kind: "OpenStackMachineTemplate".into(),
///     rendered: "new".into(), live: "old".into() }];
/// capiform::diff::rename_templates(&mut objects, &kept);
/// assert_eq!(objects[0]["metadata"]["name"], "old");
/// ```
pub fn rename_templates(objects: &mut [Value], kept: &[KeptName]) {
    for k in kept {
        rename(objects, k);
    }
}

fn same_kind_and_name(o: &Value, kind: &str, name: &str) -> bool {
    str_at(o, &["kind"]) == kind && str_at(o, &["metadata", "name"]) == name
}

/// The name of the live template with the same content and role as `template`.
fn live_match(template: &Value, rendered: &[Value], live: &[Value]) -> Option<String> {
    let kind = str_at(template, &["kind"]);
    let name = str_at(template, &["metadata", "name"]);
    let spec = template.get("spec");
    let same_content = |name: &str| {
        live.iter()
            .find(|l| same_kind_and_name(l, kind, name))
            .is_some_and(|l| l.get("spec") == spec)
    };
    // The slot that refers to the rendered template, and the live template in that slot.
    for (owner_kind, slot_kind, path) in SLOTS.iter().filter(|(_, k, _)| *k == kind) {
        for owner in rendered
            .iter()
            .filter(|o| str_at(o, &["kind"]) == *owner_kind)
        {
            if at(owner, path).map(|r| str_at(r, &["name"])) != Some(name) {
                continue;
            }
            let owner_name = str_at(owner, &["metadata", "name"]);
            let live_ref = live
                .iter()
                .find(|l| same_kind_and_name(l, owner_kind, owner_name))
                .and_then(|l| at(l, path))
                .filter(|r| str_at(r, &["kind"]) == *slot_kind)
                .map(|r| str_at(r, &["name"]));
            if let Some(live_name) = live_ref.filter(|n| same_content(n)) {
                return Some(live_name.to_string());
            }
        }
    }
    // A live template of the same role that no machine set refers to any more.
    let role = role_labels(template);
    live.iter()
        .filter(|l| str_at(l, &["kind"]) == kind && l.get("spec") == spec)
        .filter(|l| !role.is_empty() && role_labels(l) == role)
        .map(|l| str_at(l, &["metadata", "name"]).to_string())
        .min()
}

/// The values of the `…/component` and `…/node-group` labels.
fn role_labels(o: &Value) -> Vec<(String, String)> {
    let Some(labels) = at(o, &["metadata", "labels"]).and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = labels
        .iter()
        .filter_map(|(k, v)| {
            let suffix = k.rsplit_once('/').map_or(k.as_str(), |(_, s)| s);
            matches!(suffix, "component" | "node-group")
                .then(|| (suffix.to_string(), v.as_str().unwrap_or("").to_string()))
        })
        .collect();
    out.sort();
    out
}

/// Rename the template and every reference to it (maps with its `kind` and `name`).
fn rename(objects: &mut [Value], kept: &KeptName) {
    fn walk(v: &mut Value, kept: &KeptName) {
        match v {
            Value::Object(m) => {
                let is_ref = m.get("kind").and_then(Value::as_str) == Some(kept.kind.as_str())
                    && m.get("name").and_then(Value::as_str) == Some(kept.rendered.as_str());
                if is_ref {
                    m.insert("name".into(), Value::String(kept.live.clone()));
                }
                m.values_mut().for_each(|v| walk(v, kept));
            }
            Value::Array(items) => items.iter_mut().for_each(|v| walk(v, kept)),
            _ => {}
        }
    }
    for o in objects.iter_mut() {
        if same_kind_and_name(o, &kept.kind, &kept.rendered) {
            o["metadata"]["name"] = Value::String(kept.live.clone());
        }
        if let Some(spec) = o.get_mut("spec") {
            walk(spec, kept);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template(kind: &str, name: &str, group: &str, content: &str) -> Value {
        json!({"apiVersion": "x/v1", "kind": kind, "metadata": {"name": name,
            "labels": {"p.io/component": "worker", "p.io/node-group": group}},
            "spec": {"template": {"spec": {"c": content}}}})
    }

    fn md(name: &str, infra: &str, boot: &str) -> Value {
        json!({"kind": "MachineDeployment", "metadata": {"name": name}, "spec": {"template": {"spec": {
            "infrastructureRef": {"kind": "OpenStackMachineTemplate", "name": infra},
            "bootstrap": {"configRef": {"kind": "KubeadmConfigTemplate", "name": boot}}}}}})
    }

    fn kcp(infra: &str) -> Value {
        json!({"kind": "KubeadmControlPlane", "metadata": {"name": "cp"}, "spec": {
            "machineTemplate": {"infrastructureRef": {"kind": "OpenStackMachineTemplate", "name": infra}}}})
    }

    #[test]
    fn same_content_same_role_keeps_the_live_name_everywhere() {
        let mut rendered = vec![
            template("OpenStackMachineTemplate", "md-0-new", "md-0", "a"),
            template("KubeadmConfigTemplate", "md-0-kct-new", "md-0", "k"),
            md("md-0", "md-0-new", "md-0-kct-new"),
        ];
        let live = vec![
            template("OpenStackMachineTemplate", "md-0-old", "md-0", "a"),
            template("KubeadmConfigTemplate", "md-0-kct-old", "md-0", "k"),
            md("md-0", "md-0-old", "md-0-kct-old"),
        ];
        let kept = keep_live_template_names(&mut rendered, &live);
        assert_eq!(kept.len(), 2);
        assert_eq!(rendered, live);
    }

    #[test]
    fn changed_content_keeps_the_new_name() {
        let mut rendered = vec![
            template("OpenStackMachineTemplate", "md-0-new", "md-0", "b"),
            md("md-0", "md-0-new", "k"),
        ];
        let live = vec![
            template("OpenStackMachineTemplate", "md-0-old", "md-0", "a"),
            md("md-0", "md-0-old", "k"),
        ];
        assert!(keep_live_template_names(&mut rendered, &live).is_empty());
        assert_eq!(rendered[0]["metadata"]["name"], "md-0-new");
    }

    #[test]
    fn same_content_of_another_group_is_not_taken() {
        // Two node groups with equal templates: each keeps its own live template.
        let mut rendered = vec![
            template("OpenStackMachineTemplate", "md-1-new", "md-1", "a"),
            md("md-1", "md-1-new", "k1"),
        ];
        let live = vec![
            template("OpenStackMachineTemplate", "md-0-old", "md-0", "a"),
            md("md-0", "md-0-old", "k0"),
        ];
        assert!(keep_live_template_names(&mut rendered, &live).is_empty());
    }

    #[test]
    fn control_plane_template() {
        let mut cp_template = template("OpenStackMachineTemplate", "cp-new", "", "c");
        cp_template["metadata"]["labels"] = json!({"p.io/component": "control-plane"});
        let mut live_template = cp_template.clone();
        live_template["metadata"]["name"] = json!("cp-old");
        let mut rendered = vec![cp_template, kcp("cp-new")];
        let live = vec![live_template, kcp("cp-old")];
        keep_live_template_names(&mut rendered, &live);
        assert_eq!(rendered, live);
    }

    #[test]
    fn unreferenced_live_template_of_the_same_role() {
        // Going back to a template that is still in the cluster (a rollback).
        let mut rendered = vec![
            template("OpenStackMachineTemplate", "md-0-new", "md-0", "a"),
            md("md-0", "md-0-new", "k"),
        ];
        let live = vec![
            template("OpenStackMachineTemplate", "md-0-v1", "md-0", "a"),
            template("OpenStackMachineTemplate", "md-0-v2", "md-0", "b"),
            md("md-0", "md-0-v2", "k"),
        ];
        let kept = keep_live_template_names(&mut rendered, &live);
        assert_eq!(kept[0].live, "md-0-v1");
        assert_eq!(
            rendered[1]["spec"]["template"]["spec"]["infrastructureRef"]["name"],
            "md-0-v1"
        );
    }

    #[test]
    fn a_name_already_live_is_left_alone() {
        let mut rendered = vec![
            template("OpenStackMachineTemplate", "md-0-a", "md-0", "a"),
            md("md-0", "md-0-a", "k"),
        ];
        let live = rendered.clone();
        assert!(keep_live_template_names(&mut rendered, &live).is_empty());
    }
}

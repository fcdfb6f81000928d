//! Compare two sets of objects of one release, object by object, and say what applying
//! the second set does: which objects are created, changed, pruned or left alone, a
//! unified YAML diff per object, and above it what matters most for a running
//! cluster: which machines are replaced, added or removed, and which changes the API
//! server or a provider's webhook would refuse.
//!
//! The two sets are two renders (an offline diff: other values, another template set
//! version), or the objects in the cluster and a render.
//!
//! * Noise is removed first ([`normalized`]): `status`, `managedFields`,
//!   `resourceVersion`, `generation`, `uid`, `creationTimestamp`, the namespace.
//!   Fields the server adds by defaulting are left out when comparing with live
//!   objects without a server-side dry-run ([`FieldScope::Rendered`]).
//! * Secret values never appear ([`mask_secrets`]).
//! * Machine rollouts follow Cluster API's rules ([`MachineSetRollout`]); refusals
//!   follow the providers' webhooks ([`Refusal`]).
//!
//! ```
//! use serde_json::json;
//! let md = |replicas: u64| json!({"apiVersion": "cluster.x-k8s.io/v1beta1",
//!     "kind": "MachineDeployment", "metadata": {"name": "demo-md-0"},
//!     "spec": {"replicas": replicas}});
//! let diff = capiform::diff::diff_objects(&[md(2)], &[md(3)], &capiform::diff::DiffOptions::offline());
//! assert!(diff.has_changes());
//! assert_eq!(diff.rollout[0].summary(),
//!     "node group demo-md-0: 2 -> 3 machines (1 added); no machine is replaced");
//! ```

mod mask;
mod normalize;
mod refusals;
mod rollout;
mod template_names;
mod text;

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

pub use mask::{MASK, mask_secrets, names_credential};
pub use normalize::{ObjectKey, normalized, projected_onto};
pub use refusals::Refusal;
pub use rollout::{MachineSetRollout, SetChange};
pub use template_names::{KeptName, keep_live_template_names, rename_templates, template_kinds};

use normalize::str_at;

/// Which fields of an object are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldScope {
    /// Every field (two renders, or live objects and a server-side dry-run of the render,
    /// which carries the same defaults).
    #[default]
    All,
    /// Only the fields the rendered (after) object has: what the API server adds by
    /// defaulting is not reported. For live objects compared with a plain render.
    Rendered,
}

/// How to compare and how to label the two sides.
///
/// ```
/// let o = capiform::diff::DiffOptions::live();
/// assert_eq!((o.before_label.as_str(), o.after_label.as_str()), ("live", "rendered"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffOptions {
    /// Which fields are compared.
    pub fields: FieldScope,
    /// The name of the first side in diffs (`from`, `live`).
    pub before_label: String,
    /// The name of the second side (`to`, `rendered`).
    pub after_label: String,
    /// Lines of context around each change in the unified diffs.
    pub context_lines: usize,
}

impl DiffOptions {
    /// Two renders: every field, sides `from` and `to`.
    ///
    /// ```
    /// assert_eq!(capiform::diff::DiffOptions::offline().before_label, "from");
    /// ```
    pub fn offline() -> Self {
        Self {
            fields: FieldScope::All,
            before_label: "from".into(),
            after_label: "to".into(),
            context_lines: 3,
        }
    }

    /// Live objects and a server-side dry-run of the render: every field, sides `live`
    /// and `rendered`.
    ///
    /// ```
    /// assert_eq!(capiform::diff::DiffOptions::live().fields, capiform::diff::FieldScope::All);
    /// ```
    pub fn live() -> Self {
        Self {
            fields: FieldScope::All,
            before_label: "live".into(),
            after_label: "rendered".into(),
            context_lines: 3,
        }
    }

    /// Live objects and a plain render: only the rendered fields are compared.
    ///
    /// ```
    /// assert_eq!(capiform::diff::DiffOptions::live_rendered_fields().fields,
    ///     capiform::diff::FieldScope::Rendered);
    /// ```
    pub fn live_rendered_fields() -> Self {
        Self {
            fields: FieldScope::Rendered,
            ..Self::live()
        }
    }
}

/// What applying the second set does to one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Action {
    /// The object is new.
    Create,
    /// The object changes.
    Change,
    /// The object goes away.
    Prune,
    /// Nothing changes.
    Unchanged,
}

impl Action {
    fn sign(self) -> char {
        match self {
            Action::Create => '+',
            Action::Change => '~',
            Action::Prune => '-',
            Action::Unchanged => '=',
        }
    }
}

/// One object of the comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectDiff {
    /// What happens to it.
    pub action: Action,
    /// API version (of the second side when both have the object).
    pub api_version: String,
    /// Kind.
    pub kind: String,
    /// Name.
    pub name: String,
    /// For a change: only labels or annotations change.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub metadata_only: bool,
    /// For a change of an addon's `Manifests`: only content that is capiform's own
    /// changes (Grafana dashboards, the summary and description of alert rules), besides
    /// labels and annotations. Such a change updates the workload cluster's monitoring
    /// stack and nothing else.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub own_content_only: bool,
    /// For a created machine template: the template it replaces in its machine set
    /// (the diff is then against that template).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
    /// The unified YAML diff, secrets masked (none for an unchanged object).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

/// How many objects each action touches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Objects created.
    pub create: usize,
    /// Objects changed.
    pub change: usize,
    /// Objects pruned.
    pub prune: usize,
    /// Objects left alone.
    pub unchanged: usize,
}

/// A field another field manager owns, which applying the render would change (what a
/// server-side dry run without `force` answers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    /// The object, e.g. `MachineDeployment/demo-md-0`.
    pub object: String,
    /// The field as the API server names it, e.g. `.spec.replicas`.
    pub field: String,
    /// The field manager that owns it, e.g. `cluster-autoscaler`.
    pub manager: String,
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} (manager {})",
            self.object, self.field, self.manager
        )
    }
}

/// The result of a comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diff {
    /// Counts per action.
    pub summary: Summary,
    /// What happens to the machines of the control plane and of each node group that
    /// changes (sets that keep their machines and their count are left out).
    pub rollout: Vec<MachineSetRollout>,
    /// Changes the API server or a webhook would refuse.
    pub refused: Vec<Refusal>,
    /// Fields that other field managers own and that applying would change: `apply`
    /// stops on them unless `--force-conflicts` (only against a cluster).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<Conflict>,
    /// Every object: the second set's order, then the pruned objects.
    pub objects: Vec<ObjectDiff>,
}

impl Diff {
    /// Whether anything is created, changed or pruned.
    ///
    /// ```
    /// let d = capiform::diff::diff_objects(&[], &[], &capiform::diff::DiffOptions::offline());
    /// assert!(!d.has_changes());
    /// ```
    pub fn has_changes(&self) -> bool {
        self.objects.iter().any(|o| o.action != Action::Unchanged) || !self.conflicts.is_empty()
    }

    /// The objects whose change matters to a running cluster: created, pruned, or
    /// changed beyond labels and annotations.
    ///
    /// ```
    /// use serde_json::json;
    /// let a = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
    /// let mut b = a.clone();
    /// b["metadata"]["labels"] = json!({"x": "y"});
    /// let d = capiform::diff::diff_objects(&[a], &[b], &capiform::diff::DiffOptions::offline());
    /// assert!(d.has_changes() && d.changes_that_matter().is_empty());
    /// ```
    pub fn changes_that_matter(&self) -> Vec<&ObjectDiff> {
        self.objects
            .iter()
            .filter(|o| match o.action {
                Action::Create | Action::Prune => true,
                Action::Change => !o.metadata_only && !o.own_content_only,
                Action::Unchanged => false,
            })
            .collect()
    }

    /// The report for people: the rollout summary, refusals, the list of objects and
    /// the diffs.
    ///
    /// ```
    /// let d = capiform::diff::diff_objects(&[], &[], &capiform::diff::DiffOptions::offline());
    /// assert!(d.to_text().starts_with("Rollout: no machine is replaced, added or removed\n"));
    /// ```
    pub fn to_text(&self) -> String {
        text::report(self)
    }

    /// The report for programs (pretty JSON with a final newline).
    ///
    /// ```
    /// let d = capiform::diff::diff_objects(&[], &[], &capiform::diff::DiffOptions::offline());
    /// let v: serde_json::Value = serde_json::from_str(&d.to_json()).unwrap();
    /// assert_eq!(v["summary"]["create"], 0);
    /// ```
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// Compare `before` (live objects, or a first render) with `after` (a render, or its
/// server-side dry-run), object by object, keyed by API group, kind and name.
///
/// ```
/// use serde_json::json;
/// let cm = |v: &str| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": v}});
/// let d = capiform::diff::diff_objects(&[cm("a")], &[cm("b")], &capiform::diff::DiffOptions::offline());
/// assert_eq!(d.objects[0].action, capiform::diff::Action::Change);
/// assert!(d.objects[0].diff.as_deref().unwrap().contains("-  k: a\n+  k: b\n"));
/// ```
pub fn diff_objects(before: &[Value], after: &[Value], options: &DiffOptions) -> Diff {
    let (before, after) = in_one_cluster_api_version(before, after);
    let (before, after) = (before.as_ref(), after.as_ref());
    let before_by_key: BTreeMap<ObjectKey, &Value> =
        before.iter().map(|o| (ObjectKey::of(o), o)).collect();
    let after_norm: Vec<Value> = after.iter().map(normalized).collect();
    let after_by_key: BTreeMap<ObjectKey, &Value> =
        after_norm.iter().map(|o| (ObjectKey::of(o), o)).collect();
    // The first side as compared: normalized, and cut down to the rendered fields when
    // asked; pruned objects stay whole.
    let before_norm: BTreeMap<&ObjectKey, Value> = before_by_key
        .iter()
        .map(|(k, raw)| {
            let n = normalized(raw);
            let n = match (options.fields, after_by_key.get(k)) {
                (FieldScope::Rendered, Some(a)) => projected_onto(&n, a),
                _ => n,
            };
            (k, n)
        })
        .collect();

    let pruned: Vec<(&ObjectKey, &Value)> = before_by_key
        .keys()
        .filter(|k| !after_by_key.contains_key(*k))
        .map(|k| (k, &before_norm[k]))
        .collect();
    let replaced = replacements(&before_norm, &after_norm, &pruned);

    let mut objects = Vec::new();
    let mut refused = Vec::new();
    for a in &after_norm {
        let key = ObjectKey::of(a);
        let api_version = str_at(a, &["apiVersion"]).to_string();
        match before_norm.get(&key) {
            Some(b) if b == a => objects.push(ObjectDiff {
                action: Action::Unchanged,
                api_version,
                kind: key.kind,
                name: key.name,
                metadata_only: false,
                own_content_only: false,
                replaces: None,
                diff: None,
            }),
            Some(b) => {
                refused.extend(refusals::refusals(before_by_key[&key], b, a));
                objects.push(ObjectDiff {
                    action: Action::Change,
                    api_version,
                    metadata_only: normalize::differs_only_in_metadata(b, a),
                    own_content_only: normalize::differs_only_in_own_content(b, a),
                    replaces: None,
                    diff: Some(text::unified(Some(b), Some(a), &key, &key, options)),
                    kind: key.kind,
                    name: key.name,
                });
            }
            None => {
                let old = replaced.get(&key);
                let diff = match old {
                    Some((old_key, old_obj)) => {
                        text::unified(Some(old_obj), Some(a), old_key, &key, options)
                    }
                    None => text::unified(None, Some(a), &key, &key, options),
                };
                objects.push(ObjectDiff {
                    action: Action::Create,
                    api_version,
                    metadata_only: false,
                    own_content_only: false,
                    replaces: old.map(|(k, _)| k.name.clone()),
                    diff: Some(diff),
                    kind: key.kind,
                    name: key.name,
                });
            }
        }
    }
    let replaced_names: Vec<&ObjectKey> = replaced.values().map(|(k, _)| k).collect();
    for (key, b) in &pruned {
        // A template replaced by a created one was shown in that one's diff.
        let shown = replaced_names.contains(key);
        objects.push(ObjectDiff {
            action: Action::Prune,
            api_version: str_at(b, &["apiVersion"]).to_string(),
            kind: key.kind.clone(),
            name: key.name.clone(),
            metadata_only: false,
            own_content_only: false,
            replaces: None,
            diff: (!shown).then(|| text::unified(Some(b), None, key, key, options)),
        });
    }

    let before_refs: Vec<&Value> = before_norm.values().collect();
    let after_refs: Vec<&Value> = after_norm.iter().collect();
    let rollout = rollout::machine_rollouts(&before_refs, &after_refs);
    let mut summary = Summary::default();
    for o in &objects {
        *match o.action {
            Action::Create => &mut summary.create,
            Action::Change => &mut summary.change,
            Action::Prune => &mut summary.prune,
            Action::Unchanged => &mut summary.unchanged,
        } += 1;
    }
    Diff {
        summary,
        rollout,
        refused,
        conflicts: Vec::new(),
        objects,
    }
}

/// Both sides with each Cluster API object in one API version: where one side has a
/// Cluster API object in v1beta1 and the other the same object in v1beta2 (a move
/// between template sets 1.0.0 and 2.0.0, or live objects read at the version an older
/// revision was applied at), the v1beta1 one is compared in its v1beta2 form, the
/// conversion Cluster API's webhook makes ([`crate::api::v1beta2::convert_value`]) and
/// the form the API server stores. Nothing is copied when the versions agree.
fn in_one_cluster_api_version<'a>(
    before: &'a [Value],
    after: &'a [Value],
) -> (std::borrow::Cow<'a, [Value]>, std::borrow::Cow<'a, [Value]>) {
    use std::borrow::Cow;
    let version_of = |o: &Value| -> Option<(ObjectKey, bool)> {
        let api_version = str_at(o, &["apiVersion"]);
        let v1beta2 = match api_version.rsplit_once('/') {
            Some((
                "cluster.x-k8s.io" | "controlplane.cluster.x-k8s.io" | "bootstrap.cluster.x-k8s.io",
                version,
            )) => version == "v1beta2",
            _ => return None,
        };
        Some((ObjectKey::of(o), v1beta2))
    };
    let after_v1beta2: BTreeMap<ObjectKey, bool> = after.iter().filter_map(version_of).collect();
    let before_v1beta2: BTreeMap<ObjectKey, bool> = before.iter().filter_map(version_of).collect();
    // The objects of `side` to convert: v1beta1 there, v1beta2 on the other side.
    let to_convert = |side: &[Value], other: &BTreeMap<ObjectKey, bool>| -> Vec<usize> {
        side.iter()
            .enumerate()
            .filter(|(_, o)| {
                version_of(o)
                    .is_some_and(|(key, v1beta2)| !v1beta2 && other.get(&key) == Some(&true))
            })
            .map(|(i, _)| i)
            .collect()
    };
    let convert = |side: &'a [Value], indexes: Vec<usize>| -> Cow<'a, [Value]> {
        if indexes.is_empty() {
            return Cow::Borrowed(side);
        }
        let mut out = side.to_vec();
        for i in indexes {
            // An object Cluster API could not read either is compared as it is.
            let mut converted = out[i].clone();
            if crate::api::v1beta2::convert_value(&mut converted).is_ok() {
                out[i] = converted;
            }
        }
        Cow::Owned(out)
    };
    let before_indexes = to_convert(before, &after_v1beta2);
    let after_indexes = to_convert(after, &before_v1beta2);
    (
        convert(before, before_indexes),
        convert(after, after_indexes),
    )
}

/// For each created machine template, the pruned template that the same machine set
/// referred to before (so the report can show what changed between them).
fn replacements<'a>(
    before: &'a BTreeMap<&ObjectKey, Value>,
    after: &[Value],
    pruned: &[(&'a ObjectKey, &'a Value)],
) -> BTreeMap<ObjectKey, (ObjectKey, &'a Value)> {
    let mut out = BTreeMap::new();
    for owner in after {
        let owner_key = ObjectKey::of(owner);
        let Some(old_owner) = before.get(&owner_key) else {
            continue;
        };
        for path in template_names::reference_paths(&owner_key.kind) {
            let (Some(new_ref), Some(old_ref)) =
                (normalize::at(owner, path), normalize::at(old_owner, path))
            else {
                continue;
            };
            let kind = str_at(new_ref, &["kind"]);
            let old_name = str_at(old_ref, &["name"]);
            let found = pruned.iter().find(|(k, _)| {
                k.kind == kind && k.name == old_name && str_at(old_ref, &["kind"]) == kind
            });
            if let Some((old_key, old_obj)) = found {
                let new_key = ObjectKey {
                    group: normalize::group_of(str_at(new_ref, &["apiVersion"])).to_string(),
                    kind: kind.to_string(),
                    name: str_at(new_ref, &["name"]).to_string(),
                };
                out.insert(new_key, ((*old_key).clone(), *old_obj));
            }
        }
    }
    out
}

/// [`diff_objects`] of two manifests (e.g. two renders).
///
/// ```
/// let m = capiform::Manifest::default();
/// assert!(!capiform::diff::diff_manifests(&m, &m, &capiform::diff::DiffOptions::offline()).has_changes());
/// ```
pub fn diff_manifests(
    before: &crate::Manifest,
    after: &crate::Manifest,
    options: &DiffOptions,
) -> Diff {
    let values = |m: &crate::Manifest| {
        m.objects
            .iter()
            .map(crate::Object::to_value)
            .collect::<Vec<_>>()
    };
    diff_objects(&values(before), &values(after), options)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn md(api: &str, spec: Value) -> Value {
        json!({"apiVersion": api, "kind": "MachineDeployment",
            "metadata": {"name": "demo-md-0"}, "spec": spec})
    }

    fn kcp(api: &str, spec: Value) -> Value {
        json!({"apiVersion": api, "kind": "KubeadmControlPlane",
            "metadata": {"name": "demo-control-plane"}, "spec": spec})
    }

    #[test]
    fn a_v1beta1_object_is_compared_in_its_v1beta2_form() {
        let before = md(
            "cluster.x-k8s.io/v1beta1",
            json!({"clusterName": "demo", "replicas": 2,
                "template": {"spec": {"clusterName": "demo", "nodeDrainTimeout": "5m0s",
                    "infrastructureRef": {"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1",
                        "kind": "OpenStackMachineTemplate", "name": "t-1"}}}}),
        );
        let after = md(
            "cluster.x-k8s.io/v1beta2",
            json!({"clusterName": "demo", "replicas": 2,
                "template": {"spec": {"clusterName": "demo",
                    "deletion": {"nodeDrainTimeoutSeconds": 300},
                    "infrastructureRef": {"apiGroup": "infrastructure.cluster.x-k8s.io",
                        "kind": "OpenStackMachineTemplate", "name": "t-1"}}}}),
        );
        for (a, b) in [(&before, &after), (&after, &before)] {
            let d = diff_objects(
                std::slice::from_ref(a),
                std::slice::from_ref(b),
                &DiffOptions::offline(),
            );
            assert!(!d.has_changes(), "{}", d.to_text());
            assert!(d.rollout.is_empty());
        }
    }

    #[test]
    fn v1beta2_machine_sets_roll_out_on_a_new_template_only() {
        let spec = |template: &str, drain: u64| {
            json!({"version": "v1.31.4", "machineTemplate": {"spec": {
                "infrastructureRef": {"apiGroup": "infrastructure.cluster.x-k8s.io",
                    "kind": "OpenStackMachineTemplate", "name": template},
                "deletion": {"nodeDrainTimeoutSeconds": drain}}},
                "rollout": {"strategy": {"type": "RollingUpdate"}}})
        };
        let api = "controlplane.cluster.x-k8s.io/v1beta2";
        let in_place = diff_objects(
            &[kcp(api, spec("cp-1", 300))],
            &[kcp(api, spec("cp-1", 600))],
            &DiffOptions::offline(),
        );
        assert!(in_place.rollout.is_empty(), "{}", in_place.to_text());
        assert!(in_place.refused.is_empty(), "{}", in_place.to_text());
        let replaced = diff_objects(
            &[kcp(api, spec("cp-1", 300))],
            &[kcp(api, spec("cp-2", 300))],
            &DiffOptions::offline(),
        );
        assert!(
            replaced.rollout[0].replaces_machines,
            "{}",
            replaced.to_text()
        );
        assert!(replaced.refused.is_empty(), "{}", replaced.to_text());
        // A path the v1beta2 webhook does not allow is still refused.
        let mut other = spec("cp-1", 300);
        other["machineTemplate"]["spec"]["infrastructureRef"]["name"] = json!("cp-1");
        other["kubeadmConfigSpec"] = json!({"clusterConfiguration": {"certificatesDir": "/x"}});
        let refused = diff_objects(
            &[kcp(api, spec("cp-1", 300))],
            &[kcp(api, other)],
            &DiffOptions::offline(),
        );
        assert_eq!(
            refused.refused[0].path,
            "spec.kubeadmConfigSpec.clusterConfiguration.certificatesDir"
        );
    }

    #[test]
    fn v1beta2_machine_deployment_in_place_fields() {
        let spec = |min_ready: u64, template: &str| {
            json!({"clusterName": "demo", "replicas": 1, "template": {"spec": {
                "clusterName": "demo", "minReadySeconds": min_ready,
                "bootstrap": {"configRef": {"apiGroup": "bootstrap.cluster.x-k8s.io",
                    "kind": "KubeadmConfigTemplate", "name": "b-1"}},
                "infrastructureRef": {"apiGroup": "infrastructure.cluster.x-k8s.io",
                    "kind": "OpenStackMachineTemplate", "name": template}}}})
        };
        let api = "cluster.x-k8s.io/v1beta2";
        let d = diff_objects(
            &[md(api, spec(0, "t-1"))],
            &[md(api, spec(30, "t-1"))],
            &DiffOptions::offline(),
        );
        assert!(d.rollout.is_empty(), "{}", d.to_text());
        let d = diff_objects(
            &[md(api, spec(0, "t-1"))],
            &[md(api, spec(0, "t-2"))],
            &DiffOptions::offline(),
        );
        assert!(d.rollout[0].replaces_machines, "{}", d.to_text());
        assert!(d.rollout[0].reasons[0].contains("t-1 -> OpenStackMachineTemplate/t-2"));
    }
}

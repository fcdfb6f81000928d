//! Taking a release over from Helm, the part that needs no cluster: from Helm's release
//! records and the live objects, what capiform would apply and what that would change.
//!
//! 1. [`newest_deployed`](crate::helm_release::newest_deployed) picks the record whose
//!    values are rendered; `-f`/`--set` layers may override them ([`sources`]).
//! 2. The caller renders them and reads the live objects: those of the render and those
//!    Helm's manifest lists ([`helm_manifest_objects`]).
//! 3. [`plan`] gives rendered machine templates the live names of templates with the same
//!    content ([`crate::diff::keep_live_template_names`]), so
//!    no machine is replaced, and compares the result with the live objects.
//! 4. The caller stops when [`AdoptionPlan::blocking_changes`] is not empty (unless told
//!    to go on), applies [`AdoptionPlan::objects`], writes its own record with
//!    [`AdoptionPlan::helm`]'s values as revision 1, and deletes
//!    [`AdoptionPlan::helm_records`] last.

use serde_json::Value;

use crate::diff::{Diff, DiffOptions, KeptName, ObjectKey, diff_objects, keep_live_template_names};
use crate::helm_release::{HelmRelease, revision_of};
use crate::values::ValuesSource;

/// What an adoption would do.
#[derive(Debug, Clone)]
pub struct AdoptionPlan {
    /// The Helm revision taken over.
    pub helm: HelmRelease,
    /// The objects to apply: the render, with live template names kept.
    pub objects: Vec<Value>,
    /// The templates that keep their live names.
    pub kept_names: Vec<KeptName>,
    /// The live objects compared with [`objects`](Self::objects).
    pub diff: Diff,
    /// Helm's release records to delete once capiform owns the release: the newest first,
    /// so that Helm loses its deployed revision before any other.
    pub helm_records: Vec<String>,
}

impl AdoptionPlan {
    /// What stops an adoption: objects created, pruned or changed beyond labels and
    /// annotations (a change of capiform's own annotations or of Helm's labels does not
    /// count), and changes the API server or a webhook would refuse, one line each.
    ///
    /// ```
    /// # use capiform::{adopt::plan, helm_release::HelmRelease};
    /// let cm = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
    /// let p = plan(HelmRelease::for_test("demo", "ns", 1, "deployed", serde_json::json!({})),
    ///     &[], vec![cm.clone()], None, &[cm]);
    /// assert!(p.blocking_changes().is_empty());
    /// ```
    pub fn blocking_changes(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .diff
            .changes_that_matter()
            .into_iter()
            .map(|o| {
                let what = match o.action {
                    crate::diff::Action::Create => "would be created",
                    crate::diff::Action::Prune => "is in Helm's release but not in the render",
                    _ => "would change",
                };
                format!("{}/{} {what}", o.kind, o.name)
            })
            .collect();
        out.extend(self.diff.refused.iter().map(|r| format!("{r}")));
        out
    }
}

/// The values layers of an adoption: the Helm revision's values, then the overrides.
///
/// ```
/// let helm = capiform::helm_release::HelmRelease::for_test("demo", "ns", 3, "deployed", serde_json::json!({}));
/// let layers = capiform::adopt::sources(&helm, &[capiform::values::ValuesSource::Set("a=1".into())]);
/// assert_eq!(layers.len(), 2);
/// ```
pub fn sources(helm: &HelmRelease, overrides: &[ValuesSource]) -> Vec<ValuesSource> {
    let mut out = vec![helm.values_source()];
    out.extend(overrides.iter().cloned());
    out
}

/// The objects Helm's manifest of this revision lists (documents without a kind are
/// skipped). Their live versions belong in the comparison: an object Helm made that the
/// render lacks would be left behind.
///
/// ```
/// let mut helm = capiform::helm_release::HelmRelease::for_test("demo", "ns", 1, "deployed", serde_json::json!({}));
/// helm.manifest = "---\n# Source: x\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n---\n".into();
/// let objects = capiform::adopt::helm_manifest_objects(&helm);
/// assert_eq!(objects[0]["kind"], "Secret");
/// ```
pub fn helm_manifest_objects(helm: &HelmRelease) -> Vec<Value> {
    serde_yaml::Deserializer::from_str(&helm.manifest)
        .filter_map(|doc| serde::Deserialize::deserialize(doc).ok())
        .filter(|v: &Value| v.get("kind").and_then(Value::as_str).is_some())
        .collect()
}

/// Plan an adoption. `helm_secret_names`: the names of the namespace's Secrets (those of
/// this release's records are kept, newest first); `rendered`: the render of
/// [`sources`]; `stored`: the same objects as a server-side dry run would store them
/// (with the webhooks' defaults), then every field is compared, or `None`: only the
/// fields the render sets are compared; `live`: the live objects of the render and of
/// Helm's manifest.
///
/// ```
/// use serde_json::json;
/// let ost = |name: &str| json!({"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1",
///     "kind": "OpenStackMachineTemplate",
///     "metadata": {"name": name, "labels": {"capi.stackhpc.com/node-group": "md-0"}},
///     "spec": {"template": {"spec": {"flavor": "m1"}}}});
/// let helm = capiform::helm_release::HelmRelease::for_test("demo", "ns", 2, "deployed", json!({}));
/// let names = ["sh.helm.release.v1.demo.v1".to_string(), "sh.helm.release.v1.demo.v2".to_string()];
/// let p = capiform::adopt::plan(helm, &names, vec![ost("demo-md-0-capiform")], None, &[ost("demo-md-0-helm")]);
/// assert_eq!(p.kept_names[0].live, "demo-md-0-helm");
/// assert!(!p.diff.has_changes());
/// assert_eq!(p.helm_records, ["sh.helm.release.v1.demo.v2", "sh.helm.release.v1.demo.v1"]);
/// ```
pub fn plan(
    helm: HelmRelease,
    helm_secret_names: &[String],
    mut rendered: Vec<Value>,
    stored: Option<Vec<Value>>,
    live: &[Value],
) -> AdoptionPlan {
    let kept_names = keep_live_template_names(&mut rendered, live);
    let diff = match stored {
        Some(mut stored) => {
            crate::diff::rename_templates(&mut stored, &kept_names);
            diff_objects(live, &stored, &DiffOptions::live())
        }
        None => diff_objects(live, &rendered, &DiffOptions::live_rendered_fields()),
    };
    let mut records: Vec<(u64, String)> = helm_secret_names
        .iter()
        .filter_map(|n| revision_of(&helm.name, n).map(|r| (r, n.clone())))
        .collect();
    records.sort_by_key(|(r, _)| std::cmp::Reverse(*r));
    AdoptionPlan {
        helm,
        objects: rendered,
        kept_names,
        diff,
        helm_records: records.into_iter().map(|(_, n)| n).collect(),
    }
}

/// The keys of objects, for fetching their live versions: the render's and Helm's, each
/// once, in that order.
///
/// ```
/// let o = serde_json::json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}});
/// assert_eq!(capiform::adopt::object_keys(&[o.clone()], &[o]).len(), 1);
/// ```
pub fn object_keys(rendered: &[Value], helm: &[Value]) -> Vec<(String, ObjectKey)> {
    let mut seen = std::collections::BTreeSet::new();
    rendered
        .iter()
        .chain(helm)
        .filter_map(|o| {
            let key = ObjectKey::of(o);
            let api_version = o.get("apiVersion").and_then(Value::as_str)?.to_string();
            seen.insert(key.clone()).then_some((api_version, key))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A render of the golden case `minimal`, and the same objects as Helm left them:
    /// templates named by the chart's hash, Helm's labels, server fields, defaults.
    fn render_and_helm_live() -> (Vec<Value>, Vec<Value>) {
        let set = crate::TemplateSet::embedded(None).unwrap();
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("golden/minimal/values.yaml"),
        )
        .unwrap();
        let req = crate::RenderRequest::new("demo", "ns").with_values_yaml("values.yaml", text);
        let rendered: Vec<Value> = crate::render(&req, set)
            .unwrap()
            .objects
            .iter()
            .map(crate::Object::to_value)
            .collect();
        let mut live = rendered.clone();
        let mut renames = Vec::new();
        for o in &mut live {
            let kind = o["kind"].as_str().unwrap().to_string();
            if kind == "OpenStackMachineTemplate" || kind == "KubeadmConfigTemplate" {
                let old = o["metadata"]["name"].as_str().unwrap().to_string();
                let new = format!("{}-helm1234", &old[..old.len() - 9]);
                o["metadata"]["name"] = json!(new);
                renames.push((kind, old, new));
            }
            let meta = o["metadata"].as_object_mut().unwrap();
            meta.insert("uid".into(), json!("u-1"));
            meta.insert("namespace".into(), json!("ns"));
            meta.insert("resourceVersion".into(), json!("42"));
            meta.entry("labels")
                .or_insert(json!({}))
                .as_object_mut()
                .unwrap()
                .insert("app.kubernetes.io/managed-by".into(), json!("Helm"));
            let annotations = meta
                .entry("annotations")
                .or_insert(json!({}))
                .as_object_mut()
                .unwrap();
            annotations.remove("capiform.dev/engine-version");
            annotations.remove("capiform.dev/template-set");
            annotations.insert("meta.helm.sh/release-name".into(), json!("demo"));
            o["status"] = json!({"ready": true});
        }
        for o in &mut live {
            let text = o.to_string();
            let mut text = text;
            for (_, old, new) in &renames {
                text = text.replace(&format!("\"{old}\""), &format!("\"{new}\""));
            }
            *o = serde_json::from_str(&text).unwrap();
        }
        (rendered, live)
    }

    #[test]
    fn a_helm_release_rendered_alike_is_adopted_without_changes() {
        let (rendered, live) = render_and_helm_live();
        let helm = HelmRelease::for_test("demo", "ns", 3, "deployed", json!({}));
        let p = plan(helm, &[], rendered, None, &live);
        assert_eq!(p.kept_names.len(), 3, "{:?}", p.kept_names);
        assert!(
            p.blocking_changes().is_empty(),
            "{:?}",
            p.blocking_changes()
        );
        assert!(p.diff.rollout.is_empty());
        // Every template reference now names the live template.
        let md = p
            .objects
            .iter()
            .find(|o| o["kind"] == "MachineDeployment")
            .unwrap();
        let refs = &md["spec"]["template"]["spec"];
        assert!(
            refs["infrastructureRef"]["name"]
                .as_str()
                .unwrap()
                .ends_with("-helm1234")
        );
        assert!(
            refs["bootstrap"]["configRef"]["name"]
                .as_str()
                .unwrap()
                .ends_with("-helm1234")
        );
        let names: Vec<&str> = p
            .objects
            .iter()
            .filter(|o| o["kind"] == "OpenStackMachineTemplate")
            .map(|o| o["metadata"]["name"].as_str().unwrap())
            .collect();
        assert!(names.iter().all(|n| n.ends_with("-helm1234")), "{names:?}");
    }

    #[test]
    fn a_changed_flavor_blocks_the_adoption() {
        let (rendered, mut live) = render_and_helm_live();
        for o in &mut live {
            if o["kind"] == "OpenStackMachineTemplate"
                && o["metadata"]["labels"]["capi.stackhpc.com/node-group"] == "md-0"
            {
                o["spec"]["template"]["spec"]["flavor"] = json!("worker.old");
            }
        }
        let helm = HelmRelease::for_test("demo", "ns", 3, "deployed", json!({}));
        let p = plan(helm, &[], rendered, None, &live);
        let blocking = p.blocking_changes();
        assert!(
            blocking.iter().any(|b| b.contains("would be created")),
            "{blocking:?}"
        );
        assert_eq!(p.diff.rollout.len(), 1);
        assert!(p.diff.rollout[0].replaces_machines);
    }

    #[test]
    fn objects_only_helm_made_block_the_adoption() {
        let (rendered, mut live) = render_and_helm_live();
        live.push(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "extra"}}));
        let helm = HelmRelease::for_test("demo", "ns", 3, "deployed", json!({}));
        let p = plan(helm, &[], rendered, None, &live);
        assert_eq!(
            p.blocking_changes(),
            ["ConfigMap/extra is in Helm's release but not in the render"]
        );
    }
}

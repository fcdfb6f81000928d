//! Taking objects over from another tool: its field managers and its marks removed, so
//! that the fields it set are capiform's alone and the tool no longer claims the objects.
//!
//! A forced server-side apply takes over only the fields whose value it changes; fields
//! applied with an equal value stay shared with the other manager. Then a later apply
//! that changes such a field conflicts with that manager, and a field the render later
//! drops stays on the object (the other manager still owns it). [`Release::take_over`]
//! removes the other manager's entries from `metadata.managedFields` (what it owned
//! alone is then owned by no one, as fields defaulted by the API server are) and the
//! labels and annotations by which the tool recognises its objects (Helm's
//! `app.kubernetes.io/managed-by`, `meta.helm.sh/release-name` and
//! `meta.helm.sh/release-namespace`), in one merge patch per object guarded by its
//! `resourceVersion`.

use kube::api::{Patch, PatchParams};
use serde_json::{Map, Value, json};

use crate::ObjectRef;
use crate::error::Result;
use crate::release::{FIELD_MANAGER, Release};
use crate::retry::api_error;

/// What [`Release::take_over`] removes from each object.
///
/// ```
/// let helm = capiform_kube::ownership::TakeOver::helm();
/// assert_eq!(helm.managers, ["helm"]);
/// assert!(helm.labels.contains(&"app.kubernetes.io/managed-by".to_string()));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TakeOver {
    /// Field managers whose `managedFields` entries are removed.
    pub managers: Vec<String>,
    /// Labels removed.
    pub labels: Vec<String>,
    /// Annotations removed.
    pub annotations: Vec<String>,
}

impl TakeOver {
    /// What Helm 3 leaves on the objects of a release: its field manager `helm` and its
    /// ownership label and annotations (by which `helm upgrade` would take them back).
    pub fn helm() -> Self {
        TakeOver {
            managers: vec!["helm".into()],
            labels: vec!["app.kubernetes.io/managed-by".into()],
            annotations: vec![
                "meta.helm.sh/release-name".into(),
                "meta.helm.sh/release-namespace".into(),
            ],
        }
    }
}

/// The merge patch that takes `object` over (`None`: nothing to do): `managedFields`
/// without the managers' entries, the labels and annotations set to null, and the
/// object's `resourceVersion` so that the patch fails if the object changed meanwhile.
///
/// ```
/// use serde_json::json;
/// let live = json!({"metadata": {"name": "s", "resourceVersion": "7",
///     "labels": {"app.kubernetes.io/managed-by": "Helm", "keep": "1"},
///     "annotations": {"meta.helm.sh/release-name": "demo"},
///     "managedFields": [
///         {"manager": "helm", "operation": "Update", "fieldsV1": {"f:data": {}}},
///         {"manager": "capiform", "operation": "Apply", "fieldsV1": {"f:data": {}}}]}});
/// let patch = capiform_kube::ownership::take_over_patch(&live, &capiform_kube::ownership::TakeOver::helm()).unwrap();
/// assert_eq!(patch, json!({"metadata": {"resourceVersion": "7",
///     "managedFields": [{"manager": "capiform", "operation": "Apply", "fieldsV1": {"f:data": {}}}],
///     "labels": {"app.kubernetes.io/managed-by": null},
///     "annotations": {"meta.helm.sh/release-name": null}}}));
/// assert!(capiform_kube::ownership::take_over_patch(&json!({"metadata": {"name": "x"}}),
///     &capiform_kube::ownership::TakeOver::helm()).is_none());
/// ```
pub fn take_over_patch(object: &Value, what: &TakeOver) -> Option<Value> {
    let meta = object.get("metadata")?;
    let mut patch = Map::new();
    let entries: Vec<Value> = meta
        .get("managedFields")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let kept: Vec<Value> = entries
        .iter()
        .filter(|e| {
            !e.get("manager")
                .and_then(Value::as_str)
                .is_some_and(|m| what.managers.iter().any(|w| w == m))
        })
        .cloned()
        .collect();
    if kept.len() != entries.len() {
        // An empty list leaves managedFields as they are; one empty entry clears them.
        let list = if kept.is_empty() {
            vec![json!({})]
        } else {
            kept
        };
        patch.insert("managedFields".into(), Value::Array(list));
    }
    for (field, keys) in [("labels", &what.labels), ("annotations", &what.annotations)] {
        let present: Map<String, Value> = keys
            .iter()
            .filter(|k| meta.get(field).and_then(|m| m.get(k.as_str())).is_some())
            .map(|k| (k.clone(), Value::Null))
            .collect();
        if !present.is_empty() {
            patch.insert(field.into(), Value::Object(present));
        }
    }
    if patch.is_empty() {
        return None;
    }
    if let Some(rv) = meta.get("resourceVersion") {
        patch.insert("resourceVersion".into(), rv.clone());
    }
    Some(json!({ "metadata": patch }))
}

impl Release {
    /// Take `objects` over from another tool ([`TakeOver`]): for each live object, one
    /// merge patch ([`take_over_patch`]) removing the tool's field managers, labels and
    /// annotations. Call it after applying the objects (so that capiform's manager owns
    /// what it renders). An object changed meanwhile is read again (three tries). Returns
    /// the objects patched.
    pub async fn take_over(
        &self,
        objects: &[ObjectRef],
        what: &TakeOver,
    ) -> Result<Vec<ObjectRef>> {
        let mut patched = Vec::new();
        for r in objects {
            for attempt in 1..=3 {
                let Some(live) = self.get(r).await? else {
                    break;
                };
                let Some(patch) = take_over_patch(&live, what) else {
                    break;
                };
                let op = format!("PATCH {r} (take over from {})", what.managers.join(", "));
                let params = PatchParams {
                    field_manager: Some(FIELD_MANAGER.into()),
                    ..Default::default()
                };
                let answer = self
                    .send::<Value>(&op, || {
                        self.request(r)
                            .patch(&r.name, &params, &Patch::Merge(&patch))
                    })
                    .await?;
                match answer {
                    Ok(_) => {
                        tracing::info!(object = %r, "taken over");
                        patched.push(r.clone());
                        break;
                    }
                    Err(kube::Error::Api(s)) if s.code == 409 && attempt < 3 => continue,
                    Err(e) => return Err(api_error(&op, e)),
                }
            }
        }
        Ok(patched)
    }
}

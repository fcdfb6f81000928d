//! Render, then apply with [`capiform_kube`] (feature `lifecycle`): what `capiform apply`
//! and `capiform rollback` do, for any caller that renders with this crate (the CLI, a
//! Python binding, a driver). [`capiform_kube::Release`] does everything else (status,
//! history, values, uninstall) on its own.
//!
//! ```no_run
//! # async fn f() -> Result<(), capiform::lifecycle::LifecycleError> {
//! use capiform::values::ValuesSource;
//! let client = capiform_kube::connect(&Default::default()).await?;
//! let release = capiform_kube::Release::new(client, "demo", "clusters");
//! let set = capiform::TemplateSet::embedded(None)?;
//! let layers = vec![ValuesSource::Yaml { name: "values.yaml".into(), text: std::fs::read_to_string("values.yaml").unwrap() }];
//! let report = capiform::lifecycle::render_and_apply(&release, set, layers, "", &Default::default()).await?;
//! eprintln!("{}", report.summary());
//! capiform::lifecycle::rollback(&release, 1, None, &Default::default()).await?;
//! # Ok(()) }
//! ```

use capiform_kube::{ApplyOptions, ApplyReport, RecordMeta, Release};
use serde_json::{Value, json};

use crate::error::Error;
use crate::template_set::TemplateSet;
use crate::values::ValuesSource;
use crate::{RenderRequest, render};

/// An error of a lifecycle command: rendering (this crate) or the cluster (capiform-kube).
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    /// Values, template set or render.
    #[error(transparent)]
    Render(#[from] Error),
    /// The management cluster.
    #[error(transparent)]
    Kube(#[from] capiform_kube::Error),
}

impl LifecycleError {
    /// The exit code of the CLI: the render error's own (1 invalid, 2 usage), 3 when the
    /// API server did not answer, 4 on a timeout, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            LifecycleError::Render(e) => e.exit_code(),
            LifecycleError::Kube(capiform_kube::Error::Unavailable { .. }) => 3,
            LifecycleError::Kube(capiform_kube::Error::Timeout { .. }) => 4,
            LifecycleError::Kube(_) => 1,
        }
    }
}

/// The values layers as the record keeps them ([`RecordMeta::inputs`]).
///
/// ```
/// use capiform::values::ValuesSource;
/// use capiform::lifecycle::{inputs_of, sources_of};
/// let layers = vec![ValuesSource::Set("a=1".into()), ValuesSource::SetString("b=2".into())];
/// let inputs = inputs_of(&layers);
/// assert_eq!(inputs, serde_json::json!({"layers": [{"set": "a=1"}, {"setString": "b=2"}]}));
/// assert_eq!(sources_of(&inputs).unwrap().len(), 2);
/// ```
pub fn inputs_of(sources: &[ValuesSource]) -> Value {
    let layers: Vec<Value> = sources
        .iter()
        .map(|s| match s {
            ValuesSource::Yaml { name, text } => json!({"file": name, "text": text}),
            ValuesSource::Set(arg) => json!({"set": arg}),
            ValuesSource::SetString(arg) => json!({"setString": arg}),
            ValuesSource::SetJson(arg) => json!({"setJson": arg}),
            // The path is kept: the file is read again when the record is rendered again.
            ValuesSource::SetFile(arg) => json!({"setFile": arg}),
            ValuesSource::SetLiteral(arg) => json!({"setLiteral": arg}),
        })
        .collect();
    json!({ "layers": layers })
}

/// The values layers of a record's inputs; `None` when they are not in that form.
pub fn sources_of(inputs: &Value) -> Option<Vec<ValuesSource>> {
    inputs
        .get("layers")?
        .as_array()?
        .iter()
        .map(|layer| {
            let text = |k: &str| layer.get(k).and_then(Value::as_str).map(str::to_owned);
            if let (Some(name), Some(body)) = (text("file"), text("text")) {
                Some(ValuesSource::Yaml { name, text: body })
            } else if let Some(arg) = text("set") {
                Some(ValuesSource::Set(arg))
            } else if let Some(arg) = text("setString") {
                Some(ValuesSource::SetString(arg))
            } else if let Some(arg) = text("setJson") {
                Some(ValuesSource::SetJson(arg))
            } else if let Some(arg) = text("setFile") {
                Some(ValuesSource::SetFile(arg))
            } else {
                text("setLiteral").map(ValuesSource::SetLiteral)
            }
        })
        .collect()
}

fn etcd_encryption_enabled(merged: &Value) -> bool {
    matches!(
        merged.pointer("/etcd/encryption/enabled"),
        Some(Value::Bool(true))
    )
}

/// Render `sources` with `set` for `release` (reading the etcd key Secret from the
/// cluster, creating it first when etcd encryption is on and there is none) and apply
/// the objects as the next revision. What `capiform apply` and `rollback` do; a binding
/// calls it with its own sources.
pub async fn render_and_apply(
    release: &Release,
    set: &TemplateSet,
    sources: Vec<ValuesSource>,
    description: &str,
    opts: &ApplyOptions,
) -> Result<ApplyReport, LifecycleError> {
    let (merged, user) = crate::values::merged_values_and_user(set.defaults(), &sources)?;
    check_served_versions(release, set).await?;
    let existing = if etcd_encryption_enabled(&merged) {
        let (secret, created) = release.ensure_etcd_key().await?;
        if created {
            tracing::info!(secret = %release.etcd_key_name(), "created a new etcd encryption key");
        }
        vec![secret]
    } else {
        release.read_existing().await?
    };
    let mut req = RenderRequest::new(release.name(), release.namespace());
    let inputs = inputs_of(&sources);
    req.sources = sources;
    req.existing = existing;
    let manifest = render(&req, set)?;
    let mut objects: Vec<Value> = manifest.objects.iter().map(|o| o.to_value()).collect();
    let live = match release.live_objects().await {
        Ok(live) => live,
        Err(capiform_kube::Error::ReleaseNotFound { .. }) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    let kept = keep_live_template_names(release, &mut objects, &live).await?;
    for k in &kept {
        tracing::info!(kind = %k.kind, rendered = %k.rendered, live = %k.live, "keeps its live name");
    }
    let mut meta = RecordMeta::new(crate::ENGINE_VERSION, &set.id(), user);
    meta.inputs = inputs;
    meta.description = description.to_owned();
    Ok(release.apply(objects, meta, opts).await?)
}

/// The API groups of the Cluster API objects a template set renders in its
/// `clusterApiVersion`.
const CLUSTER_API_GROUPS: [&str; 3] = [
    "cluster.x-k8s.io",
    "controlplane.cluster.x-k8s.io",
    "bootstrap.cluster.x-k8s.io",
];

/// Refuse, before anything is written, a template set whose Cluster API version the
/// management cluster does not serve (discovery: one `GET /apis/<group>` per Cluster
/// API group), naming the embedded set that fits the versions it serves. A group the
/// cluster does not serve at all tells nothing about the set (Cluster API is not
/// installed, or not yet): the apply goes on and meets the API server's own answer.
/// `apply`, `rollback` and the Magnum driver run it through [`render_and_apply`].
pub async fn check_served_versions(
    release: &Release,
    set: &TemplateSet,
) -> Result<(), LifecycleError> {
    let wanted = set.manifest().cluster_api_version;
    let version = cluster_api_version_name(wanted);
    for group in CLUSTER_API_GROUPS {
        let Some(served) = release.served_versions(group).await? else {
            continue;
        };
        if served.iter().any(|v| v == version) {
            continue;
        }
        let cluster_api = if served.iter().any(|v| v == "v1beta2") {
            "Cluster API 1.16 or newer serves v1beta2 only"
        } else {
            "Cluster API older than 1.11 serves no v1beta2"
        };
        let fitting = embedded_set_for(&served);
        let advice = match &fitting {
            Some(v) => format!("use template set {v} (--template-version {v})"),
            None => "no embedded template set renders a version it serves".to_string(),
        };
        return Err(Error::TemplateSet {
            set: set.id(),
            message: format!(
                "it renders {group}/{version}, which the management cluster does not serve (it serves {group} at {}; {cluster_api}); {advice}. Nothing was written.",
                served.join(", ")
            ),
        }
        .into());
    }
    Ok(())
}

fn cluster_api_version_name(v: crate::api::ClusterApiVersion) -> &'static str {
    match v {
        crate::api::ClusterApiVersion::V1beta1 => "v1beta1",
        crate::api::ClusterApiVersion::V1beta2 => "v1beta2",
    }
}

/// The highest embedded set version whose Cluster API version is one of `served`
/// (preferring the sets that are not opt-in).
fn embedded_set_for(served: &[String]) -> Option<String> {
    let mut fits: Vec<(bool, semver::Version)> = crate::template_set::embedded_ids()
        .iter()
        .filter_map(|id| id.rsplit_once('@').map(|(_, v)| v.to_string()))
        .filter_map(|v| TemplateSet::embedded(Some(&v)).ok())
        .map(TemplateSet::manifest)
        .filter(|m| {
            served
                .iter()
                .any(|s| s == cluster_api_version_name(m.cluster_api_version))
        })
        .map(|m| (!m.opt_in, m.version.clone()))
        .collect();
    fits.sort();
    fits.pop().map(|(_, v)| v.to_string())
}

/// Give rendered machine and bootstrap templates the names of live templates with the
/// same content, as the API server would store them: the one rule `apply`, `diff` and
/// `adopt` share ([`crate::diff::keep_live_template_names`]), so that no machine is
/// replaced because a template carries another name for the same content (Helm's
/// templates, after an adoption, are named by the chart's hash).
///
/// Each rendered template whose name is not live is dry-run on the server (a create:
/// one request each, nothing written), so that it carries the defaults Cluster API's and
/// the providers' webhooks add (e.g. `format: cloud-config` in a KubeadmConfigTemplate),
/// as the live templates do; its `spec` is then compared with theirs. A template the
/// server refuses keeps its rendered name. `objects` are renamed in place, references
/// included; returns the names kept.
pub async fn keep_live_template_names(
    release: &Release,
    objects: &mut [Value],
    live: &[Value],
) -> Result<Vec<crate::diff::KeptName>, LifecycleError> {
    let is_live = |o: &Value| {
        let key = crate::diff::ObjectKey::of(o);
        live.iter().any(|l| crate::diff::ObjectKey::of(l) == key)
    };
    let mut stored: Vec<Value> = objects.to_vec();
    let mut probed = false;
    for o in stored.iter_mut() {
        let kind = o.get("kind").and_then(Value::as_str).unwrap_or("");
        if !crate::diff::template_kinds().any(|k| k == kind) || is_live(o) {
            continue;
        }
        probed = true;
        if let capiform_kube::DryRun::Stored(s) = release.dry_run_apply(o, true).await? {
            *o = s;
        }
    }
    if !probed {
        return Ok(Vec::new());
    }
    let kept = crate::diff::keep_live_template_names(&mut stored, live);
    crate::diff::rename_templates(objects, &kept);
    Ok(kept)
}

/// Render revision `revision` again (its values layers, its template set: the embedded
/// one it names, or the set in `templates`) and apply it as a new revision.
pub async fn rollback(
    release: &Release,
    revision: u32,
    templates: Option<&std::path::Path>,
    opts: &ApplyOptions,
) -> Result<ApplyReport, LifecycleError> {
    let record = release.record(Some(revision)).await?;
    let set = rollback_template_set(&record.template_set, templates)?;
    let sources = sources_of(&record.inputs).unwrap_or_else(|| {
        vec![ValuesSource::Yaml {
            name: format!("revision {revision} values"),
            text: record.values.to_string(),
        }]
    });
    render_and_apply(
        release,
        &set,
        sources,
        &format!("rollback to {revision}"),
        opts,
    )
    .await
}

fn rollback_template_set(
    id: &str,
    templates: Option<&std::path::Path>,
) -> Result<std::borrow::Cow<'static, TemplateSet>, Error> {
    let set = match templates {
        Some(dir) => std::borrow::Cow::Owned(TemplateSet::load_dir(dir)?),
        None => {
            let version = id.rsplit_once('@').map_or(id, |(_, v)| v);
            std::borrow::Cow::Borrowed(TemplateSet::embedded(Some(version))?)
        }
    };
    if set.id() != id {
        return Err(Error::Usage(format!(
            "the revision was rendered with template set {id}, and {} is {}",
            templates.map_or("the embedded set".to_owned(), |d| d.display().to_string()),
            set.id()
        )));
    }
    Ok(set)
}

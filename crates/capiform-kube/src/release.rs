//! A release on the management cluster: apply, prune, record, history, status, uninstall.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use base64::Engine;
use futures::StreamExt;
use kube::Client;
use kube::api::{DeleteParams, GetParams, ListParams, Patch, PatchParams, PostParams};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::applyset::{
    self, CONTAINS_GROUP_KINDS_ANNOTATION, ID_LABEL, PART_OF_LABEL, TOOLING_ANNOTATION,
};
use crate::error::{Error, FieldConflict, Refusal, Result};
use crate::kinds::{IMMUTABLE_TEMPLATE_KINDS, ObjectRef, Stage, collection_path, group_kind};
use crate::record::{self, Record, RecordMeta, RevisionStatus};
use crate::retry::{RetryPolicy, api_error};

/// Field manager of every server-side apply.
pub const FIELD_MANAGER: &str = "capiform";
/// Label on the parent Secret and the etcd key Secret: the release name.
pub const RELEASE_LABEL: &str = "capiform.dev/release";
/// Annotation on the parent Secret: the latest revision.
pub const REVISION_ANNOTATION: &str = "capiform.dev/revision";
/// `type` of the parent Secret.
pub const PARENT_SECRET_TYPE: &str = "capiform.dev/release.v1";

/// How long [`Release::apply`] waits for an object being deleted (e.g. a MachineDeployment
/// a previous apply pruned, held by Cluster API's finalizer while its MachineSets go)
/// before it creates the object anew.
pub const DELETION_WAIT: Duration = Duration::from_secs(300);

/// How often [`Release::apply`] looks whether an object being deleted is gone.
const DELETION_POLL: Duration = Duration::from_secs(1);

/// How [`Release::apply`] applies.
///
/// ```
/// let opts = capiform_kube::ApplyOptions { force_conflicts: true, ..Default::default() };
/// assert_eq!(opts.concurrency, 8);
/// assert_eq!(opts.max_revisions, 10);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplyOptions {
    /// Take over fields other field managers own (`kubectl apply --force-conflicts`).
    pub force_conflicts: bool,
    /// Requests in flight within a stage (1 = one object at a time).
    pub concurrency: usize,
    /// Delete members of the set the objects no longer contain.
    pub prune: bool,
    /// Revisions the record keeps (older ones are dropped).
    pub max_revisions: usize,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            force_conflicts: false,
            concurrency: 8,
            prune: true,
            max_revisions: 10,
        }
    }
}

/// What server-side apply did to an object, from the dry run's and the apply's
/// `resourceVersion`s.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The object did not exist.
    Created,
    /// The object changed.
    Configured,
    /// The object was already as rendered.
    Unchanged,
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Outcome::Created => "created",
            Outcome::Configured => "configured",
            Outcome::Unchanged => "unchanged",
        })
    }
}

/// One applied object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// The object.
    pub object: ObjectRef,
    /// Its stage.
    pub stage: Stage,
    /// What happened.
    pub outcome: Outcome,
}

/// The result of [`Release::apply`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApplyReport {
    /// The revision recorded.
    pub revision: u32,
    /// Every object, in stage order (by name within a stage).
    pub applied: Vec<Applied>,
    /// Members of the set deleted because the objects no longer contain them.
    pub pruned: Vec<ObjectRef>,
    /// Immutable templates the objects no longer contain, kept because Cluster API still
    /// references them; a later apply prunes them once free.
    pub kept: Vec<ObjectRef>,
}

impl ApplyReport {
    /// One line: `revision 2: 1 created, 1 configured, 40 unchanged, 1 pruned, 1 kept`.
    pub fn summary(&self) -> String {
        let count = |o: Outcome| self.applied.iter().filter(|a| a.outcome == o).count();
        format!(
            "revision {}: {} created, {} configured, {} unchanged, {} pruned, {} kept",
            self.revision,
            count(Outcome::Created),
            count(Outcome::Configured),
            count(Outcome::Unchanged),
            self.pruned.len(),
            self.kept.len()
        )
    }
}

/// How [`Release::uninstall`] proceeds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UninstallOptions {
    /// Wait for the Cluster to be gone before deleting the rest. Without waiting, a
    /// Cluster still being deleted ends the call ([`UninstallReport::complete`] false):
    /// its credentials are still needed; call again later to finish.
    pub wait: bool,
    /// Longest wait in all.
    pub timeout: Duration,
    /// Time between two polls.
    pub poll_interval: Duration,
}

impl Default for UninstallOptions {
    fn default() -> Self {
        UninstallOptions {
            wait: true,
            timeout: Duration::from_secs(30 * 60),
            poll_interval: Duration::from_secs(5),
        }
    }
}

/// The result of [`Release::uninstall`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UninstallReport {
    /// Objects deleted, in order (the parent Secret last when complete).
    pub deleted: Vec<ObjectRef>,
    /// Whether everything, the record included, is gone.
    pub complete: bool,
}

/// The answer to [`Release::dry_run_apply`].
#[derive(Clone, Debug, PartialEq)]
pub enum DryRun {
    /// The object as the API server would store it.
    Stored(Value),
    /// Fields other field managers own with other values (apply would need `force`).
    Conflict(Vec<FieldConflict>),
    /// The API server or an admission webhook refused the object.
    Refused(Refusal),
}

/// The parent Secret as read: its labels and annotations and the decoded revisions.
#[derive(Clone, Debug)]
pub(crate) struct Parent {
    pub(crate) group_kinds: Vec<(String, String)>,
    pub(crate) records: Vec<Record>,
}

/// A release: the objects of one rendered cluster in one namespace, the ApplySet they
/// form and its record.
///
/// ```no_run
/// # async fn f() -> capiform_kube::Result<()> {
/// use capiform_kube::{ApplyOptions, RecordMeta, Release};
/// let client = capiform_kube::connect(&Default::default()).await?;
/// let release = Release::new(client, "demo", "clusters");
/// let objects: Vec<serde_json::Value> = vec![/* rendered objects */];
/// let meta = RecordMeta::new("0.1.0", "openstack-cluster@1.0.0", serde_json::json!({}));
/// let report = release.apply(objects, meta, &ApplyOptions::default()).await?;
/// println!("{}", report.summary());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Release {
    client: Client,
    name: String,
    namespace: String,
    retry: RetryPolicy,
}

/// The API server's answer to one request that it did answer.
type Answer<T> = std::result::Result<T, kube::Error>;

impl Release {
    /// The release `name` in `namespace`, reached through `client`.
    pub fn new(client: Client, name: impl Into<String>, namespace: impl Into<String>) -> Self {
        Release {
            client,
            name: name.into(),
            namespace: namespace.into(),
            retry: RetryPolicy::default(),
        }
    }

    /// The same release with another retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Release name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Namespace.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// Name of the parent Secret ([`applyset::parent_name`]).
    pub fn parent_name(&self) -> String {
        applyset::parent_name(&self.name)
    }

    /// The ApplySet id of the release's set ([`applyset::applyset_id`] of the parent Secret).
    pub fn applyset_id(&self) -> String {
        applyset::applyset_id(&self.parent_name(), &self.namespace, "Secret", "")
    }

    /// Name of the etcd encryption key Secret, `<release>-etcd-key`.
    pub fn etcd_key_name(&self) -> String {
        format!("{}-etcd-key", self.name)
    }

    fn parent_ref(&self) -> ObjectRef {
        ObjectRef::new("v1", "Secret", &self.parent_name())
    }

    // ----- requests -------------------------------------------------------------------

    /// Send a request (rebuilt for each attempt) with retries; the outer error is the API
    /// server not answering, the inner one its refusal.
    pub(crate) async fn send<T: serde::de::DeserializeOwned>(
        &self,
        operation: &str,
        build: impl Fn() -> std::result::Result<http::Request<Vec<u8>>, kube::core::request::Error>,
    ) -> Result<Answer<T>> {
        let result = self
            .retry
            .run(operation, || async {
                let request = build().map_err(kube::Error::BuildRequest)?;
                match self.client.request::<T>(request).await {
                    Err(e) if is_transient(&e) => Err(e),
                    other => Ok(other),
                }
            })
            .await?;
        Ok(result)
    }

    pub(crate) fn request(&self, r: &ObjectRef) -> kube::core::Request {
        kube::core::Request::new(r.collection_path(&self.namespace))
    }

    /// GET an object; `None` when it does not exist. An object whose kind is no longer
    /// served at its version is read at the version the API server serves
    /// ([`Release::served_version`]); a kind served at no version is an error, never
    /// taken for an absent object.
    pub(crate) async fn get(&self, r: &ObjectRef) -> Result<Option<Value>> {
        let op = format!("GET {r}");
        match self
            .send::<Value>(&op, || self.request(r).get(&r.name, &GetParams::default()))
            .await?
        {
            Ok(v) => Ok(Some(v)),
            Err(e) if names_an_object(&e) => Ok(None),
            Err(e) if is_not_found(&e) => {
                let Some(served) = self
                    .other_served_version(&r.api_version, &r.kind, &op)
                    .await?
                else {
                    // The group is gone, and its objects with it.
                    return Ok(None);
                };
                let at = ObjectRef::new(&served, &r.kind, &r.name);
                let op = format!("GET {at}");
                match self
                    .send::<Value>(&op, || {
                        self.request(&at).get(&at.name, &GetParams::default())
                    })
                    .await?
                {
                    Ok(v) => Ok(Some(v)),
                    Err(e) if names_an_object(&e) => Ok(None),
                    Err(e) => Err(api_error(&op, e)),
                }
            }
            Err(e) => Err(api_error(&op, e)),
        }
    }

    /// LIST a kind in the namespace, optionally by label selector. A kind no longer
    /// served at `api_version` is listed at the version the API server serves (the items
    /// carry that version); a kind of a group the server does not serve at all has no
    /// objects (deleting a CRD deletes its objects); a kind its group does not serve is
    /// an error.
    async fn list(
        &self,
        api_version: &str,
        kind: &str,
        selector: Option<&str>,
    ) -> Result<Vec<Value>> {
        let op = format!("LIST {}", group_kind(kind, group_of(api_version)));
        let mut params = ListParams::default();
        if let Some(s) = selector {
            params = params.labels(s);
        }
        let list_at = |version: &str| {
            let path = collection_path(version, kind, &self.namespace);
            let params = params.clone();
            move || kube::core::Request::new(path.clone()).list(&params)
        };
        match self.send::<Value>(&op, list_at(api_version)).await? {
            Ok(list) => Ok(items_with_type(list, api_version, kind)),
            Err(e) if is_not_found(&e) => {
                let Some(served) = self.other_served_version(api_version, kind, &op).await? else {
                    tracing::warn!(
                        kind,
                        api_version,
                        "the API server does not serve this group; no objects"
                    );
                    return Ok(Vec::new());
                };
                match self.send::<Value>(&op, list_at(&served)).await? {
                    Ok(list) => Ok(items_with_type(list, &served, kind)),
                    Err(e) => Err(api_error(&format!("{op} at {served}"), e)),
                }
            }
            Err(e) => Err(api_error(&op, e)),
        }
    }

    /// The version the API server serves a group at (its preferred version, from
    /// discovery), `None` when it does not serve the group at all.
    pub async fn served_version(&self, group: &str) -> Result<Option<String>> {
        if group.is_empty() {
            return Ok(Some("v1".into()));
        }
        let op = format!("GET /apis/{group} (discovery)");
        let path = format!("/apis/{group}");
        let answer = self
            .send::<Value>(&op, || {
                http::Request::get(path.as_str())
                    .header(http::header::ACCEPT, "application/json")
                    .body(Vec::new())
                    .map_err(kube::core::request::Error::BuildRequest)
            })
            .await?;
        match answer {
            Ok(group) => Ok(group
                .pointer("/preferredVersion/groupVersion")
                .and_then(Value::as_str)
                .map(str::to_owned)),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(api_error(&op, e)),
        }
    }

    /// Every version the API server serves a group at (discovery, `GET /apis/<group>`),
    /// preferred first; `None` when it does not serve the group at all. What `apply`
    /// reads to refuse a template set whose API versions the cluster does not serve.
    pub async fn served_versions(&self, group: &str) -> Result<Option<Vec<String>>> {
        if group.is_empty() {
            return Ok(Some(vec!["v1".into()]));
        }
        let op = format!("GET /apis/{group} (discovery)");
        let path = format!("/apis/{group}");
        let answer = self
            .send::<Value>(&op, || {
                http::Request::get(path.as_str())
                    .header(http::header::ACCEPT, "application/json")
                    .body(Vec::new())
                    .map_err(kube::core::request::Error::BuildRequest)
            })
            .await?;
        let document = match answer {
            Ok(document) => document,
            Err(e) if is_not_found(&e) => return Ok(None),
            Err(e) => return Err(api_error(&op, e)),
        };
        let version = |v: &Value| v.get("version").and_then(Value::as_str).map(str::to_owned);
        let mut versions: Vec<String> = document
            .pointer("/preferredVersion")
            .and_then(version)
            .into_iter()
            .collect();
        for v in document
            .get("versions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(version)
        {
            if !versions.contains(&v) {
                versions.push(v);
            }
        }
        Ok(Some(versions))
    }

    /// After a 404 for `kind` at `api_version`: the other version its group is served at
    /// (`None`: the group is not served), or an error when the served version is this
    /// one (the kind itself is not served).
    async fn other_served_version(
        &self,
        api_version: &str,
        kind: &str,
        op: &str,
    ) -> Result<Option<String>> {
        let group = group_of(api_version);
        let not_served = |detail: String| Error::Api {
            operation: op.to_owned(),
            code: 404,
            reason: "NotFound".into(),
            message: format!(
                "the API server does not serve {} at {api_version}{detail}; is the provider that defines it installed at a version that still serves it?",
                group_kind(kind, group)
            ),
        };
        match self.served_version(group).await? {
            None if group.is_empty() => Err(not_served(String::new())),
            None => Ok(None),
            Some(served) if served == api_version => {
                Err(not_served(format!(" (its group is served at {served})")))
            }
            Some(served) => {
                tracing::info!(kind, from = api_version, to = %served, "reading at the served version");
                Ok(Some(served))
            }
        }
    }

    /// Server-side apply one object.
    async fn patch(
        &self,
        r: &ObjectRef,
        body: &Value,
        dry_run: bool,
        force: bool,
    ) -> Result<Answer<Value>> {
        let mut params = PatchParams::apply(FIELD_MANAGER);
        if force {
            params = params.force();
        }
        if dry_run {
            params = params.dry_run();
        }
        let op = format!("{} {r}", if dry_run { "DRY-RUN APPLY" } else { "APPLY" });
        self.send::<Value>(&op, || {
            self.request(r).patch(&r.name, &params, &Patch::Apply(body))
        })
        .await
    }

    /// DELETE an object (background propagation); `false` when it was already gone.
    async fn delete(&self, r: &ObjectRef) -> Result<bool> {
        let op = format!("DELETE {r}");
        let params = DeleteParams::background();
        match self
            .send::<Value>(&op, || self.request(r).delete(&r.name, &params))
            .await?
        {
            Ok(_) => {
                tracing::info!(object = %r, "deleted");
                Ok(true)
            }
            Err(e) if is_not_found(&e) => Ok(false),
            Err(e) => Err(api_error(&op, e)),
        }
    }

    // ----- etcd key ---------------------------------------------------------------------

    /// Objects the renderer needs from the cluster: the `<release>-etcd-key` Secret when
    /// it exists (what `capiform render --existing` reads from a file).
    pub async fn read_existing(&self) -> Result<Vec<Value>> {
        let key = ObjectRef::new("v1", "Secret", &self.etcd_key_name());
        Ok(self.get(&key).await?.into_iter().collect())
    }

    /// The etcd encryption key Secret: the live one, or, when there is none, a new one
    /// with a fresh random 32-byte key (created, never overwritten: an existing key is
    /// never replaced, as etcd's data would become unreadable). Returns the Secret and
    /// whether it was created. The key never appears in logs or errors.
    pub async fn ensure_etcd_key(&self) -> Result<(Value, bool)> {
        let r = ObjectRef::new("v1", "Secret", &self.etcd_key_name());
        if let Some(live) = self.get(&r).await? {
            return Ok((live, false));
        }
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| Error::Config(format!("no random source: {e}")))?;
        let secret = json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "Opaque",
            "metadata": {
                "name": r.name,
                "namespace": self.namespace,
                "labels": {RELEASE_LABEL: self.name},
            },
            "data": {"key": base64::engine::general_purpose::STANDARD.encode(key)},
        });
        let body = serde_json::to_vec(&secret).expect("a Secret serializes");
        let op = format!("CREATE {r}");
        match self
            .send::<Value>(&op, || {
                self.request(&r)
                    .create(&PostParams::default(), body.clone())
            })
            .await?
        {
            Ok(created) => {
                tracing::info!(secret = %r.name, "created the etcd encryption key");
                Ok((created, true))
            }
            // Created meanwhile by someone else: theirs is the key.
            Err(kube::Error::Api(s)) if s.code == 409 => {
                let live = self.get(&r).await?.ok_or_else(|| Error::Api {
                    operation: op.clone(),
                    code: 409,
                    reason: "AlreadyExists".into(),
                    message: "exists but cannot be read".into(),
                })?;
                Ok((live, false))
            }
            Err(e) => Err(api_error(&op, e)),
        }
    }

    // ----- record -----------------------------------------------------------------------

    /// Read the parent Secret; `None` when the release does not exist.
    pub(crate) async fn read_parent(&self) -> Result<Option<Parent>> {
        let Some(secret) = self.get(&self.parent_ref()).await? else {
            return Ok(None);
        };
        let bad = |message: String| Error::Record {
            name: self.parent_name(),
            message,
        };
        let tooling = secret
            .pointer(&format!(
                "/metadata/annotations/{}",
                escape(TOOLING_ANNOTATION)
            ))
            .and_then(Value::as_str)
            .unwrap_or("");
        if tooling.split('/').next() != Some(applyset::TOOLING_NAME) {
            return Err(bad(format!(
                "its {TOOLING_ANNOTATION} annotation is '{tooling}', not {}/...: another tool manages this set",
                applyset::TOOLING_NAME
            )));
        }
        let group_kinds = applyset::parse_group_kinds(
            secret
                .pointer(&format!(
                    "/metadata/annotations/{}",
                    escape(CONTAINS_GROUP_KINDS_ANNOTATION)
                ))
                .and_then(Value::as_str)
                .unwrap_or(""),
        );
        let mut records = Vec::new();
        if let Some(data) = secret.get("data").and_then(Value::as_object) {
            for (key, value) in data {
                let Some(revision) = record::revision_of_key(key) else {
                    continue;
                };
                let bytes = value
                    .as_str()
                    .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
                    .ok_or_else(|| bad(format!("data.{key} is not base64")))?;
                let rec = Record::decode(&bytes).map_err(|e| bad(format!("data.{key}: {e}")))?;
                if rec.revision != revision {
                    return Err(bad(format!("data.{key} holds revision {}", rec.revision)));
                }
                records.push(rec);
            }
        }
        records.sort_by_key(|r| r.revision);
        Ok(Some(Parent {
            group_kinds,
            records,
        }))
    }

    /// Server-side apply the parent Secret with these group-kinds and records.
    async fn write_parent(&self, group_kinds: &BTreeSet<String>, records: &[Record]) -> Result<()> {
        let mut data = Map::new();
        for r in records {
            data.insert(
                record::data_key(r.revision),
                Value::String(base64::engine::general_purpose::STANDARD.encode(r.encode())),
            );
        }
        let latest = records.last().map_or(0, |r| r.revision);
        let parent = json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "type": PARENT_SECRET_TYPE,
            "metadata": {
                "name": self.parent_name(),
                "namespace": self.namespace,
                "labels": {ID_LABEL: self.applyset_id(), RELEASE_LABEL: self.name},
                "annotations": {
                    TOOLING_ANNOTATION: applyset::tooling(),
                    CONTAINS_GROUP_KINDS_ANNOTATION:
                        applyset::group_kinds_annotation(group_kinds.iter().map(String::as_str)),
                    REVISION_ANNOTATION: latest.to_string(),
                },
            },
            "data": data,
        });
        let r = self.parent_ref();
        match self.patch(&r, &parent, false, true).await? {
            Ok(_) => Ok(()),
            Err(e) => Err(api_error(&format!("APPLY {r}"), e)),
        }
    }

    /// Every kept revision, oldest first.
    pub async fn history(&self) -> Result<Vec<Record>> {
        Ok(self.require_parent().await?.records)
    }

    /// A revision (`None`: the latest).
    pub async fn record(&self, revision: Option<u32>) -> Result<Record> {
        let records = self.history().await?;
        let found = match revision {
            None => records.last(),
            Some(n) => records.iter().find(|r| r.revision == n),
        };
        found.cloned().ok_or_else(|| Error::RevisionNotFound {
            release: self.name.clone(),
            revision: revision.unwrap_or(0),
            kept: records
                .iter()
                .map(|r| r.revision.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        })
    }

    /// The user values of a revision (`None`: the latest).
    pub async fn values(&self, revision: Option<u32>) -> Result<Value> {
        Ok(self.record(revision).await?.values)
    }

    async fn require_parent(&self) -> Result<Parent> {
        self.read_parent()
            .await?
            .ok_or_else(|| Error::ReleaseNotFound {
                release: self.name.clone(),
                namespace: self.namespace.clone(),
            })
    }

    // ----- apply ------------------------------------------------------------------------

    /// Apply rendered objects as the next revision of the release:
    ///
    /// 1. server-side dry run of every object (`dryRun=All`); any refusal or conflict
    ///    stops here with every refusal listed and nothing applied; an object the dry run
    ///    finds being deleted (`metadata.deletionTimestamp`, e.g. a MachineDeployment an
    ///    earlier apply pruned, held by Cluster API's finalizer) is awaited until gone (at
    ///    most [`DELETION_WAIT`]) and then created anew, rather than applied to the object
    ///    that is going;
    /// 2. the parent Secret, with the group-kinds of the old and new members;
    /// 3. server-side apply, stage by stage ([`Stage`]), `concurrency` requests in flight;
    /// 4. prune: members of the set the objects no longer contain are deleted, except
    ///    immutable templates Cluster API still references ([`ApplyReport::kept`]);
    /// 5. the record: the new revision, at most `max_revisions` kept.
    ///
    /// Objects without a namespace get the release's; an object of another namespace is
    /// refused. Each gets the label `applyset.kubernetes.io/part-of`. A Secret's
    /// `stringData` is sent as `data` ([`crate::secret`]), so that a key dropped from the
    /// render is removed from the live Secret.
    pub async fn apply(
        &self,
        objects: Vec<Value>,
        meta: RecordMeta,
        opts: &ApplyOptions,
    ) -> Result<ApplyReport> {
        let parent = self.read_parent().await?;
        let (old_group_kinds, mut records) = match parent {
            Some(p) => (p.group_kinds, p.records),
            None => (Vec::new(), Vec::new()),
        };
        let members = self.prepare(objects)?;
        tracing::info!(release = %self.name, objects = members.len(), "server-side dry run");
        let (mut dry, deleting) = self.dry_run(&members, opts).await?;
        // Applied to an object being deleted, the apply would vanish with it: wait until it
        // is gone, then create it.
        for i in deleting {
            self.await_deletion(&members[i].0).await?;
            dry[i].clear();
        }

        let new_group_kinds: BTreeSet<String> =
            members.iter().map(|(r, _)| r.group_kind()).collect();
        let mut superset = new_group_kinds.clone();
        superset.extend(old_group_kinds.iter().map(|(k, g)| group_kind(k, g)));
        self.write_parent(&superset, &records).await?;

        // The set's members before the apply: what an apply changed is judged against
        // them, and prune deletes those the objects no longer contain.
        let before = self
            .live_members(
                &set_group_kinds(&members, &old_group_kinds),
                &known_versions(&members, &records),
            )
            .await?;

        let revision = records.last().map_or(0, |r| r.revision) + 1;
        let applied = match self.apply_stages(&members, &dry, &before, opts).await {
            Ok(applied) => applied,
            Err(e) => {
                let failed = new_record(revision, RevisionStatus::Failed, &meta, &members);
                records.push(failed);
                trim(&mut records, opts.max_revisions);
                if let Err(record_error) = self.write_parent(&superset, &records).await {
                    tracing::warn!(error = %record_error, "could not record the failed revision");
                }
                return Err(e);
            }
        };

        let (pruned, kept) = if opts.prune {
            self.prune(&members, &before, opts).await?
        } else {
            (Vec::new(), Vec::new())
        };

        for r in records
            .iter_mut()
            .filter(|r| r.status == RevisionStatus::Deployed)
        {
            r.status = RevisionStatus::Superseded;
        }
        records.push(new_record(
            revision,
            RevisionStatus::Deployed,
            &meta,
            &members,
        ));
        trim(&mut records, opts.max_revisions);
        let mut latest = new_group_kinds;
        latest.extend(kept.iter().map(ObjectRef::group_kind));
        if !opts.prune {
            latest = superset;
        }
        self.write_parent(&latest, &records).await?;
        tracing::info!(release = %self.name, revision, "recorded");
        Ok(ApplyReport {
            revision,
            applied,
            pruned,
            kept,
        })
    }

    /// Check and label the objects; sorted by stage, then kind and name.
    fn prepare(&self, objects: Vec<Value>) -> Result<Vec<(ObjectRef, Value)>> {
        let mut seen = BTreeSet::new();
        let mut members = Vec::with_capacity(objects.len());
        for (index, object) in objects.into_iter().enumerate() {
            let (r, object) = self.prepare_one(index, object)?;
            if !seen.insert((r.group_kind(), r.name.clone())) {
                return Err(Error::InvalidObject {
                    index,
                    message: format!("{r} is given twice"),
                });
            }
            members.push((r, object));
        }
        members.sort_by(|(a, _), (b, _)| {
            (a.stage(), &a.kind, &a.name).cmp(&(b.stage(), &b.kind, &b.name))
        });
        Ok(members)
    }

    /// One object as apply sends it: in the release's namespace, labelled part of the
    /// set, a Secret's `stringData` as `data`.
    fn prepare_one(&self, index: usize, mut object: Value) -> Result<(ObjectRef, Value)> {
        let invalid = |message: String| Error::InvalidObject { index, message };
        let r = ObjectRef::of(&object)
            .ok_or_else(|| invalid("it needs apiVersion, kind and metadata.name".into()))?;
        let meta = object
            .get_mut("metadata")
            .and_then(Value::as_object_mut)
            .ok_or_else(|| invalid(format!("{r}: metadata is not a mapping")))?;
        match meta.get("namespace").and_then(Value::as_str) {
            Some(ns) if ns != self.namespace => {
                return Err(invalid(format!(
                    "{r} is in namespace {ns}, the release in {}",
                    self.namespace
                )));
            }
            _ => {
                meta.insert("namespace".into(), Value::String(self.namespace.clone()));
            }
        }
        let labels = meta
            .entry("labels")
            .or_insert_with(|| Value::Object(Map::new()));
        if labels.is_null() {
            *labels = Value::Object(Map::new());
        }
        labels
            .as_object_mut()
            .ok_or_else(|| invalid(format!("{r}: metadata.labels is not a mapping")))?
            .insert(PART_OF_LABEL.into(), Value::String(self.applyset_id()));
        crate::secret::string_data_as_data(&mut object);
        Ok((r, object))
    }

    /// A server-side dry run of applying one object as [`Release::apply`] would send it
    /// (namespace, ApplySet label, Secret `data`): the object as the API server would
    /// store it (defaults of the schema and of admission webhooks included), or why it
    /// would not. Without `force`, fields another field manager owns with another value
    /// come back as [`DryRun::Conflict`], as `apply` without `--force-conflicts` would
    /// meet them. Writes nothing.
    pub async fn dry_run_apply(&self, object: &Value, force: bool) -> Result<DryRun> {
        let (r, body) = self.prepare_one(0, object.clone())?;
        match self.patch(&r, &body, true, force).await? {
            Ok(stored) => Ok(DryRun::Stored(stored)),
            Err(kube::Error::Api(s)) if s.code == 409 && s.reason == "Conflict" => {
                Ok(DryRun::Conflict(field_conflicts(&s)))
            }
            Err(kube::Error::Api(s)) if (400..500).contains(&s.code) => {
                Ok(DryRun::Refused(Refusal {
                    object: r,
                    code: s.code,
                    message: s.message.clone(),
                }))
            }
            Err(e) => Err(api_error(&format!("DRY-RUN APPLY {r}"), e)),
        }
    }

    /// Dry-run every object; the `resourceVersion` each would have (empty: created), and
    /// the positions of those being deleted (`metadata.deletionTimestamp` set).
    async fn dry_run(
        &self,
        members: &[(ObjectRef, Value)],
        opts: &ApplyOptions,
    ) -> Result<(Vec<String>, Vec<usize>)> {
        let answers: Vec<Result<Answer<Value>>> = futures::stream::iter(members)
            .map(|(r, body)| self.patch(r, body, true, opts.force_conflicts))
            .buffered(opts.concurrency.max(1))
            .collect()
            .await;
        let mut versions = Vec::with_capacity(members.len());
        let mut deleting = Vec::new();
        let mut refusals = Vec::new();
        let mut conflicts = Vec::new();
        for ((r, _), answer) in members.iter().zip(answers) {
            match answer? {
                Ok(v) => {
                    if v.pointer("/metadata/deletionTimestamp").is_some() {
                        deleting.push(versions.len());
                    }
                    versions.push(resource_version(&v));
                }
                Err(kube::Error::Api(s)) if s.code == 409 && s.reason == "Conflict" => {
                    conflicts.push((r.clone(), field_conflicts(&s)));
                }
                Err(kube::Error::Api(s)) => refusals.push(Refusal {
                    object: r.clone(),
                    code: s.code,
                    message: s.message.clone(),
                }),
                Err(e) => return Err(api_error(&format!("DRY-RUN APPLY {r}"), e)),
            }
        }
        if let Some((object, conflicts)) =
            conflicts.into_iter().next().filter(|_| refusals.is_empty())
        {
            return Err(Error::Conflict { object, conflicts });
        }
        if !refusals.is_empty() {
            return Err(Error::DryRunRefused(refusals));
        }
        Ok((versions, deleting))
    }

    /// Wait until an object being deleted is gone (at most [`DELETION_WAIT`]).
    async fn await_deletion(&self, r: &ObjectRef) -> Result<()> {
        tracing::info!(object = %r, "being deleted: waiting until it is gone to create it anew");
        let deadline = tokio::time::Instant::now() + DELETION_WAIT;
        loop {
            match self.get(r).await? {
                None => return Ok(()),
                // Deleted and created anew by someone else meanwhile.
                Some(v) if v.pointer("/metadata/deletionTimestamp").is_none() => return Ok(()),
                Some(_) => {}
            }
            if tokio::time::Instant::now() + DELETION_POLL > deadline {
                return Err(Error::Timeout {
                    what: format!(
                        "{r}, which is being deleted, to be gone (it is applied anew once gone; nothing was applied)"
                    ),
                    after: DELETION_WAIT,
                });
            }
            tokio::time::sleep(DELETION_POLL).await;
        }
    }

    async fn apply_stages(
        &self,
        members: &[(ObjectRef, Value)],
        dry: &[String],
        before: &[(ObjectRef, Value)],
        opts: &ApplyOptions,
    ) -> Result<Vec<Applied>> {
        let mut applied = Vec::with_capacity(members.len());
        for stage in Stage::ALL {
            let of_stage: Vec<(&(ObjectRef, Value), &String)> = members
                .iter()
                .zip(dry)
                .filter(|((r, _), _)| r.stage() == stage)
                .collect();
            if of_stage.is_empty() {
                continue;
            }
            tracing::info!(?stage, objects = of_stage.len(), "applying");
            let answers: Vec<Result<Answer<Value>>> = futures::stream::iter(&of_stage)
                .map(|((r, body), _)| self.patch(r, body, false, opts.force_conflicts))
                .buffered(opts.concurrency.max(1))
                .collect()
                .await;
            for (((r, body), dry_version), answer) in of_stage.into_iter().zip(answers) {
                let live = match answer? {
                    Ok(v) => v,
                    Err(kube::Error::Api(s)) if s.code == 409 && s.reason == "Conflict" => {
                        return Err(Error::Conflict {
                            object: r.clone(),
                            conflicts: field_conflicts(&s),
                        });
                    }
                    Err(e) => return Err(api_error(&format!("APPLY {r}"), e)),
                };
                let previous = before
                    .iter()
                    .find(|(b, _)| b.group_kind() == r.group_kind() && b.name == r.name)
                    .map(|(_, v)| v);
                let outcome = if dry_version.is_empty() {
                    Outcome::Created
                } else if *dry_version == resource_version(&live)
                    || previous.is_some_and(|p| applied_fields_unchanged(body, p, &live))
                {
                    Outcome::Unchanged
                } else {
                    Outcome::Configured
                };
                tracing::info!(object = %r, %outcome, "applied");
                applied.push(Applied {
                    object: r.clone(),
                    stage,
                    outcome,
                });
            }
        }
        Ok(applied)
    }

    /// The live members of the set: every object labelled part-of the set, over the
    /// group-kinds of the parent and `extra`.
    async fn live_members(
        &self,
        group_kinds: &BTreeSet<(String, String)>,
        versions: &BTreeMap<(String, String), String>,
    ) -> Result<Vec<(ObjectRef, Value)>> {
        let selector = format!("{PART_OF_LABEL}={}", self.applyset_id());
        let mut out = Vec::new();
        for (kind, group) in group_kinds {
            let Some(api_version) = versions.get(&(kind.clone(), group.clone())) else {
                tracing::warn!(
                    kind,
                    group,
                    "no known version of this group-kind; not listed"
                );
                continue;
            };
            for item in self.list(api_version, kind, Some(&selector)).await? {
                // Only what carries this set's label, whatever the server's filtering.
                let labelled = item
                    .pointer(&format!("/metadata/labels/{}", escape(PART_OF_LABEL)))
                    .and_then(Value::as_str)
                    == Some(self.applyset_id().as_str());
                if let (true, Some(r)) = (labelled, ObjectRef::of(&item)) {
                    out.push((r, item));
                }
            }
        }
        Ok(out)
    }

    /// Every live member of the set (what the latest apply left, kept templates included).
    pub async fn live_objects(&self) -> Result<Vec<Value>> {
        let parent = self.require_parent().await?;
        let versions = known_versions(&[], &parent.records);
        let gks = parent.group_kinds.iter().cloned().collect();
        Ok(self
            .live_members(&gks, &versions)
            .await?
            .into_iter()
            .map(|(_, v)| v)
            .collect())
    }

    /// Delete the members listed `before` the apply that the objects no longer contain.
    async fn prune(
        &self,
        members: &[(ObjectRef, Value)],
        before: &[(ObjectRef, Value)],
        opts: &ApplyOptions,
    ) -> Result<(Vec<ObjectRef>, Vec<ObjectRef>)> {
        let wanted: BTreeSet<(String, String)> = members
            .iter()
            .map(|(r, _)| (r.group_kind(), r.name.clone()))
            .collect();
        let mut candidates: Vec<ObjectRef> = before
            .iter()
            .map(|(r, _)| r.clone())
            .filter(|r| !wanted.contains(&(r.group_kind(), r.name.clone())))
            .collect();
        let mut kept = Vec::new();
        if candidates
            .iter()
            .any(|r| IMMUTABLE_TEMPLATE_KINDS.contains(&r.kind.as_str()))
        {
            // What is being pruned uses nothing any more (its MachineSets, while they
            // drain, still do).
            let users: Vec<Value> = self
                .template_users(members)
                .await?
                .into_iter()
                .filter(|u| !ObjectRef::of(u).is_some_and(|r| candidates.contains(&r)))
                .collect();
            candidates.retain(|r| {
                let used = IMMUTABLE_TEMPLATE_KINDS.contains(&r.kind.as_str())
                    && users.iter().any(|u| references(u, &r.kind, &r.name));
                if used {
                    tracing::info!(object = %r, "kept: Cluster API still references it");
                    kept.push(r.clone());
                }
                !used
            });
        }
        // Addons first, Secrets last: the reverse of apply.
        candidates
            .sort_by(|a, b| (b.stage(), &a.kind, &a.name).cmp(&(a.stage(), &b.kind, &b.name)));
        let mut pruned = Vec::new();
        for stage in Stage::ALL.iter().rev() {
            let of_stage: Vec<&ObjectRef> =
                candidates.iter().filter(|r| r.stage() == *stage).collect();
            let results: Vec<Result<bool>> = futures::stream::iter(&of_stage)
                .map(|r| self.delete(r))
                .buffered(opts.concurrency.max(1))
                .collect()
                .await;
            for (r, result) in of_stage.into_iter().zip(results) {
                if result? {
                    tracing::info!(object = %r, "pruned");
                    pruned.push(r.clone());
                }
            }
        }
        Ok((pruned, kept))
    }

    /// The objects that may reference a machine or bootstrap template: MachineDeployments,
    /// MachineSets, Machines and KubeadmControlPlanes in the namespace.
    async fn template_users(&self, members: &[(ObjectRef, Value)]) -> Result<Vec<Value>> {
        let version_in = |group: &str, default: &str| {
            members
                .iter()
                .find(|(r, _)| r.group() == group)
                .map_or(default.to_owned(), |(r, _)| r.api_version.clone())
        };
        let capi = version_in("cluster.x-k8s.io", "cluster.x-k8s.io/v1beta1");
        let kcp = version_in(
            "controlplane.cluster.x-k8s.io",
            "controlplane.cluster.x-k8s.io/v1beta1",
        );
        let mut users = Vec::new();
        for (api_version, kind) in [
            (&capi, "MachineDeployment"),
            (&capi, "MachineSet"),
            (&capi, "Machine"),
            (&kcp, "KubeadmControlPlane"),
        ] {
            users.extend(
                self.list(api_version, kind, None)
                    .await?
                    .into_iter()
                    .filter(|u| !is_drained_machine_set(u)),
            );
        }
        Ok(users)
    }

    // ----- uninstall --------------------------------------------------------------------

    /// Uninstall in the order Cluster API needs: delete the `Cluster` and wait until it is
    /// gone (Cluster API deletes the machines, the control plane and the cloud resources,
    /// with the credentials); then the other members, addons first; then the Secrets, the
    /// cloud credentials last; then the etcd key Secret; then the record. `progress` gets
    /// one line per step.
    pub async fn uninstall(
        &self,
        opts: &UninstallOptions,
        progress: &mut (dyn FnMut(&str) + Send),
    ) -> Result<UninstallReport> {
        let parent = self.require_parent().await?;
        let versions = known_versions(&[], &parent.records);
        let gks = parent.group_kinds.iter().cloned().collect();
        let members: Vec<ObjectRef> = self
            .live_members(&gks, &versions)
            .await?
            .into_iter()
            .map(|(r, _)| r)
            .collect();
        let credentials = credentials_secret_names(&self.live_infrastructure(&members).await?);
        let deadline = tokio::time::Instant::now() + opts.timeout;
        let mut deleted = Vec::new();

        let clusters: Vec<&ObjectRef> = members.iter().filter(|r| r.kind == "Cluster").collect();
        for c in &clusters {
            if self.delete(c).await? {
                progress(&format!("deleting {c}"));
                deleted.push((*c).clone());
            }
        }
        for c in &clusters {
            if !self.gone(c, opts, deadline, progress).await? {
                progress(&format!(
                    "{c} is still being deleted; run uninstall again once it is gone to delete the rest"
                ));
                return Ok(UninstallReport {
                    deleted,
                    complete: false,
                });
            }
        }

        let mut rest: Vec<&ObjectRef> = members.iter().filter(|r| r.kind != "Cluster").collect();
        // Addons first, Secrets last; the credentials Secrets after every other Secret.
        rest.sort_by_key(|r| {
            (
                std::cmp::Reverse(r.stage()),
                r.kind == "Secret" && credentials.contains(&r.name),
                r.kind.clone(),
                r.name.clone(),
            )
        });
        for stage in Stage::ALL.iter().rev() {
            let of_stage: Vec<&ObjectRef> = rest
                .iter()
                .copied()
                .filter(|r| r.stage() == *stage)
                .collect();
            for r in &of_stage {
                if self.delete(r).await? {
                    progress(&format!("deleting {r}"));
                    deleted.push((*r).clone());
                }
            }
            if opts.wait {
                for r in &of_stage {
                    if !self.gone(r, opts, deadline, progress).await? {
                        return Err(Error::Timeout {
                            what: format!("{r} to be deleted"),
                            after: opts.timeout,
                        });
                    }
                }
            }
        }
        let key = ObjectRef::new("v1", "Secret", &self.etcd_key_name());
        if self.delete(&key).await? {
            progress(&format!("deleting {key}"));
            deleted.push(key);
        }
        let parent_ref = self.parent_ref();
        if self.delete(&parent_ref).await? {
            progress(&format!("deleting {parent_ref} (the release record)"));
            deleted.push(parent_ref);
        }
        Ok(UninstallReport {
            deleted,
            complete: true,
        })
    }

    /// Poll until the object is gone (`true`), the deadline passes (an error when
    /// waiting) or, without waiting, at once (`false` if still there).
    async fn gone(
        &self,
        r: &ObjectRef,
        opts: &UninstallOptions,
        deadline: tokio::time::Instant,
        progress: &mut (dyn FnMut(&str) + Send),
    ) -> Result<bool> {
        let mut polls = 0u32;
        loop {
            if self.get(r).await?.is_none() {
                if polls > 0 {
                    progress(&format!("{r} is gone"));
                }
                return Ok(true);
            }
            if !opts.wait {
                return Ok(false);
            }
            if tokio::time::Instant::now() + opts.poll_interval > deadline {
                return Err(Error::Timeout {
                    what: format!("{r} to be deleted"),
                    after: opts.timeout,
                });
            }
            polls += 1;
            if polls % 12 == 1 {
                progress(&format!("waiting for {r} to be deleted"));
            }
            tokio::time::sleep(opts.poll_interval).await;
        }
    }

    async fn live_infrastructure(&self, members: &[ObjectRef]) -> Result<Vec<Value>> {
        let mut out = Vec::new();
        for r in members.iter().filter(|r| r.kind == "OpenStackCluster") {
            out.extend(self.get(r).await?);
        }
        Ok(out)
    }

    // ----- status -----------------------------------------------------------------------

    /// The live objects the status is made of: the latest revision's Cluster,
    /// KubeadmControlPlane, MachineDeployments, HelmReleases and Manifests.
    pub(crate) async fn status_objects(&self) -> Result<(Record, Vec<Value>)> {
        let record = self.record(None).await?;
        let mut live = Vec::new();
        for r in record.objects.iter().filter(|r| {
            matches!(
                r.kind.as_str(),
                "Cluster"
                    | "KubeadmControlPlane"
                    | "MachineDeployment"
                    | "HelmRelease"
                    | "Manifests"
            )
        }) {
            if let Some(mut v) = self.get(r).await? {
                set_type(&mut v, &r.api_version, &r.kind);
                live.push(v);
            }
        }
        Ok((record, live))
    }
}

fn new_record(
    revision: u32,
    status: RevisionStatus,
    meta: &RecordMeta,
    members: &[(ObjectRef, Value)],
) -> Record {
    Record {
        revision,
        time: record::now(),
        status,
        engine_version: meta.engine_version.clone(),
        template_set: meta.template_set.clone(),
        description: meta.description.clone(),
        values: meta.values.clone(),
        inputs: meta.inputs.clone(),
        objects: members.iter().map(|(r, _)| r.clone()).collect(),
    }
}

/// The group-kinds of the set: the old members' and the new objects'.
fn set_group_kinds(
    members: &[(ObjectRef, Value)],
    old_group_kinds: &[(String, String)],
) -> BTreeSet<(String, String)> {
    let mut gks: BTreeSet<(String, String)> = old_group_kinds.iter().cloned().collect();
    gks.extend(
        members
            .iter()
            .map(|(r, _)| (r.kind.clone(), r.group().to_owned())),
    );
    gks
}

/// Whether an apply of `body` left the fields it sets as they were: `before` and `after`
/// cut down to the fields of `body` are equal, and capiform's field manager owns the same
/// fields. A controller writing the object between the dry run and the apply (its
/// status, owner references, labels of its own; Cluster API's conversion annotation)
/// changes the `resourceVersion` but not what the apply did.
///
/// ```
/// use serde_json::json;
/// let body = json!({"spec": {"replicas": 2}});
/// let before = json!({"spec": {"replicas": 2, "paused": false}, "status": {"ready": 1}});
/// let after = json!({"spec": {"replicas": 2, "paused": false}, "status": {"ready": 2}});
/// assert!(capiform_kube::release::applied_fields_unchanged(&body, &before, &after));
/// let after = json!({"spec": {"replicas": 3}});
/// assert!(!capiform_kube::release::applied_fields_unchanged(&body, &before, &after));
/// ```
pub fn applied_fields_unchanged(body: &Value, before: &Value, after: &Value) -> bool {
    fn projected(v: &Value, onto: &Value) -> Value {
        match (v, onto) {
            (Value::Object(m), Value::Object(o)) => Value::Object(
                o.iter()
                    .map(|(k, ov)| {
                        (
                            k.clone(),
                            m.get(k).map_or(Value::Null, |c| projected(c, ov)),
                        )
                    })
                    .collect(),
            ),
            _ => v.clone(),
        }
    }
    fn own_fields(v: &Value) -> Option<&Value> {
        v.pointer("/metadata/managedFields")?
            .as_array()?
            .iter()
            .find(|e| {
                e.get("manager").and_then(Value::as_str) == Some(FIELD_MANAGER)
                    && e.get("operation").and_then(Value::as_str) == Some("Apply")
                    && e.get("subresource").is_none()
            })?
            .get("fieldsV1")
    }
    let mut body = body.clone();
    if let Some(meta) = body.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("resourceVersion");
    }
    projected(before, &body) == projected(after, &body) && own_fields(before) == own_fields(after)
}

/// Keep the newest `max` records (at least one).
fn trim(records: &mut Vec<Record>, max: usize) {
    let excess = records.len().saturating_sub(max.max(1));
    records.drain(..excess);
}

/// The apiVersion to list each group-kind with: the new objects', else the newest record's.
fn known_versions(
    members: &[(ObjectRef, Value)],
    records: &[Record],
) -> BTreeMap<(String, String), String> {
    let mut versions = BTreeMap::new();
    for r in records
        .iter()
        .flat_map(|rec| rec.objects.iter())
        .chain(members.iter().map(|(r, _)| r))
    {
        versions.insert(
            (r.kind.clone(), r.group().to_owned()),
            r.api_version.clone(),
        );
    }
    versions
}

/// Whether `user` references the object `kind`/`name`: an object reference (a mapping
/// with that kind and name) anywhere in it, or Cluster API's cloned-from annotations.
///
/// ```
/// let ms = serde_json::json!({"spec": {"template": {"spec": {"infrastructureRef":
///     {"kind": "OpenStackMachineTemplate", "name": "demo-md-0-abc"}}}}});
/// assert!(capiform_kube::release::references(&ms, "OpenStackMachineTemplate", "demo-md-0-abc"));
/// assert!(!capiform_kube::release::references(&ms, "OpenStackMachineTemplate", "demo-md-0-def"));
/// ```
pub fn references(user: &Value, kind: &str, name: &str) -> bool {
    let cloned_from = user
        .pointer("/metadata/annotations/cluster.x-k8s.io~1cloned-from-name")
        .and_then(Value::as_str)
        == Some(name)
        && user
            .pointer("/metadata/annotations/cluster.x-k8s.io~1cloned-from-groupkind")
            .and_then(Value::as_str)
            .is_some_and(|gk| gk.split('.').next() == Some(kind));
    cloned_from || refers(user, kind, name)
}

fn refers(v: &Value, kind: &str, name: &str) -> bool {
    match v {
        Value::Object(m) => {
            (m.get("kind").and_then(Value::as_str) == Some(kind)
                && m.get("name").and_then(Value::as_str) == Some(name))
                || m.values().any(|c| refers(c, kind, name))
        }
        Value::Array(a) => a.iter().any(|c| refers(c, kind, name)),
        _ => false,
    }
}

/// Whether `object` is a MachineSet scaled to zero whose machines are all gone: the old
/// set a MachineDeployment keeps for its revision history. It makes no machine from its
/// templates any more, so it does not keep them.
///
/// ```
/// use serde_json::json;
/// let ms = |spec: u64, status: u64| json!({"kind": "MachineSet",
///     "spec": {"replicas": spec}, "status": {"replicas": status}});
/// assert!(capiform_kube::release::is_drained_machine_set(&ms(0, 0)));
/// assert!(!capiform_kube::release::is_drained_machine_set(&ms(0, 1))); // still draining
/// assert!(!capiform_kube::release::is_drained_machine_set(&ms(2, 2)));
/// ```
pub fn is_drained_machine_set(object: &Value) -> bool {
    let count = |pointer: &str| object.pointer(pointer).and_then(Value::as_i64).unwrap_or(0);
    object.get("kind").and_then(Value::as_str) == Some("MachineSet")
        && object.pointer("/spec/replicas").is_some()
        && count("/spec/replicas") == 0
        && count("/status/replicas") == 0
}

/// Names of the Secrets the OpenStackClusters take their cloud credentials from.
fn credentials_secret_names(openstack_clusters: &[Value]) -> BTreeSet<String> {
    openstack_clusters
        .iter()
        .filter_map(|c| c.pointer("/spec/identityRef/name").and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}

fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// The items of a list, with the apiVersion and kind the API server leaves out of them.
fn items_with_type(list: Value, api_version: &str, kind: &str) -> Vec<Value> {
    let Value::Object(mut m) = list else {
        return Vec::new();
    };
    let Some(Value::Array(items)) = m.remove("items") else {
        return Vec::new();
    };
    items
        .into_iter()
        .map(|mut item| {
            set_type(&mut item, api_version, kind);
            item
        })
        .collect()
}

fn set_type(item: &mut Value, api_version: &str, kind: &str) {
    if let Some(m) = item.as_object_mut() {
        m.entry("apiVersion")
            .or_insert_with(|| Value::String(api_version.to_owned()));
        m.entry("kind")
            .or_insert_with(|| Value::String(kind.to_owned()));
    }
}

/// An object's `metadata.resourceVersion` (empty when it has none, as a created object in
/// a dry run).
///
/// ```
/// let v = serde_json::json!({"metadata": {"resourceVersion": "42"}});
/// assert_eq!(capiform_kube::resource_version(&v), "42");
/// assert_eq!(capiform_kube::resource_version(&serde_json::json!({})), "");
/// ```
pub fn resource_version(v: &Value) -> String {
    v.pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

/// A JSON pointer segment for a key (`/` and `~` escaped).
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn is_not_found(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 404)
}

/// A 404 about a named object (`secrets "x" not found`, with `details.name`), not about
/// a resource the server does not serve at all (no details).
fn names_an_object(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 404
        && s.details.as_ref().is_some_and(|d| !d.name.is_empty()))
}

fn is_transient(e: &kube::Error) -> bool {
    match e {
        kube::Error::Api(s) => s.code == 429 || s.code >= 500,
        kube::Error::HyperError(_) | kube::Error::Service(_) => true,
        _ => false,
    }
}

/// The fields and managers of a server-side apply conflict, from the `Status` causes
/// (`reason: FieldManagerConflict`, `message: conflict with "kubectl" using apps/v1`,
/// `field: .spec.replicas`).
fn field_conflicts(status: &kube::core::Status) -> Vec<FieldConflict> {
    let causes = status
        .details
        .as_ref()
        .map(|d| d.causes.as_slice())
        .unwrap_or(&[]);
    causes
        .iter()
        .filter(|c| c.reason == "FieldManagerConflict")
        .map(|c| FieldConflict {
            manager: c.message.split('"').nth(1).unwrap_or(&c.message).to_owned(),
            field: c.field.clone(),
        })
        .collect()
}

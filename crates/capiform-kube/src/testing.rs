//! A test double of kube-apiserver (feature `test-double`): an in-process service that a
//! real [`kube::Client`] talks HTTP to. It records every request and answers as the API
//! server does for what a release uses: server-side apply (with `dryRun=All`, field
//! managers in `metadata.managedFields`, shared ownership of equal values, conflicts,
//! `force`, removal of fields the applier no longer sends and no one else owns), merge
//! patches (with a `resourceVersion` precondition and `managedFields` replaced), GET,
//! LIST with label selectors, POST, DELETE (an object may take several polls to
//! disappear), `Status` bodies, `resourceVersion`s and `generation`s, and a Secret's
//! `stringData` folded into `data` on every write.
//! Faults a real server cannot produce on demand can be injected: status codes, dropped
//! connections, admission refusals, latency, slow deletions.
//!
//! docs/lifecycle.md lists where the double and kube-apiserver differ (no defaulting,
//! no schema, no conversion, lists as atomic values, no discovery).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use capiform_kube::testing::ApiServerDouble;
//! let api = ApiServerDouble::new();
//! let release = capiform_kube::Release::new(api.client(), "demo", "ns");
//! assert!(release.read_existing().await.unwrap().is_empty());
//! assert_eq!(api.lines(), ["GET /api/v1/namespaces/ns/secrets/demo-etcd-key"]);
//! # }
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::{Map, Value, json};

/// One request the double received.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// URL path.
    pub path: String,
    /// Query parameters, decoded, in the order sent.
    pub query: Vec<(String, String)>,
    /// `Content-Type`, or empty.
    pub content_type: String,
    /// JSON body, if any.
    pub body: Option<Value>,
}

impl RecordedRequest {
    /// `METHOD path[?query]` with the field manager left out (always `capiform`):
    /// `PATCH /api/v1/namespaces/ns/secrets/s?dryRun=All&force=true`.
    pub fn line(&self) -> String {
        let query: Vec<String> = self
            .query
            .iter()
            .filter(|(k, _)| k != "fieldManager")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if query.is_empty() {
            format!("{} {}", self.method, self.path)
        } else {
            format!("{} {}?{}", self.method, self.path, query.join("&"))
        }
    }

    /// Whether the request is a dry run.
    pub fn is_dry_run(&self) -> bool {
        self.query.iter().any(|(k, v)| k == "dryRun" && v == "All")
    }

    /// Whether the request changes state (a PATCH, POST, PUT or DELETE that is not a dry run).
    pub fn is_write(&self) -> bool {
        self.method != "GET" && !self.is_dry_run()
    }
}

/// (group, plural, namespace, name)
type Key = (String, String, String, String);

#[derive(Default)]
struct State {
    objects: BTreeMap<Key, Value>,
    resource_version: u64,
    uid: u64,
    requests: Vec<RecordedRequest>,
    faults: Vec<Fault>,
    dropped_connections: u32,
    refusals: Vec<(String, String, u16, String)>,
    managers: BTreeMap<Key, Vec<Manager>>,
    deletion_polls: BTreeMap<String, u32>,
    deleting: BTreeMap<Key, u32>,
    latency: Duration,
    served: BTreeMap<String, String>,
}

/// One field manager of an object: its fields as JSON pointers to leaves (lists are
/// leaves: the double treats every list as atomic).
#[derive(Clone, Debug, PartialEq)]
struct Manager {
    name: String,
    operation: String,
    api_version: String,
    fields: BTreeSet<String>,
}

struct Fault {
    method: String,
    path_contains: String,
    code: u16,
    remaining: u32,
}

/// The test double. Cloning shares the state.
#[derive(Clone, Default)]
pub struct ApiServerDouble {
    state: Arc<Mutex<State>>,
}

fn status(code: u16, reason: &str, message: &str) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
           "message": message, "reason": reason, "code": code})
}

/// A JSON pointer (`/spec/replicas`) as the API server names fields (`.spec.replicas`).
fn field_name(pointer: &str) -> String {
    pointer.replace('/', ".")
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                    }
                    Err(_) => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// (group, version, namespace, plural, name) of a path.
fn parse_path(path: &str) -> Option<(String, String, String, String, Option<String>)> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, version, rest) = match parts.as_slice() {
        ["api", v, rest @ ..] => (String::new(), v.to_string(), rest),
        ["apis", g, v, rest @ ..] => (g.to_string(), v.to_string(), rest),
        _ => return None,
    };
    match rest {
        ["namespaces", ns, plural] => {
            Some((group, version, ns.to_string(), plural.to_string(), None))
        }
        ["namespaces", ns, plural, name] => Some((
            group,
            version,
            ns.to_string(),
            plural.to_string(),
            Some(name.to_string()),
        )),
        _ => None,
    }
}

fn pointers(v: &Value, prefix: String, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, c) in m {
                pointers(
                    c,
                    format!("{prefix}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        other => out.push((prefix, other.clone())),
    }
}

fn set_pointer(target: &mut Value, pointer: &str, value: Value) {
    let mut cur = target;
    let segments: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    for (i, seg) in segments.iter().enumerate() {
        if !cur.is_object() {
            *cur = Value::Object(Map::new());
        }
        let m = cur.as_object_mut().expect("made an object");
        if i + 1 == segments.len() {
            m.insert(seg.clone(), value);
            return;
        }
        cur = m
            .entry(seg.clone())
            .or_insert_with(|| Value::Object(Map::new()));
    }
}

/// Secret `stringData` folded into `data`, as the API server does.
fn fold_string_data(obj: &mut Value) {
    let Some(m) = obj.as_object_mut() else { return };
    if let Some(Value::Object(sd)) = m.remove("stringData") {
        let data = m.entry("data").or_insert_with(|| Value::Object(Map::new()));
        if let Some(d) = data.as_object_mut() {
            for (k, v) in sd {
                let text = v.as_str().unwrap_or_default().to_owned();
                d.insert(
                    k,
                    Value::String(base64::engine::general_purpose::STANDARD.encode(text)),
                );
            }
        }
    }
}

/// The object without the fields the server sets, to compare contents.
fn content(obj: &Value) -> Value {
    let mut c = obj.clone();
    if let Some(m) = c.get_mut("metadata").and_then(Value::as_object_mut) {
        for k in [
            "resourceVersion",
            "generation",
            "uid",
            "creationTimestamp",
            "managedFields",
        ] {
            m.remove(k);
        }
    }
    c
}

/// The pointers of an object's leaves that a field manager owns: everything but the
/// object's identity and the server's metadata.
fn owned_pointers(obj: &Value) -> BTreeSet<String> {
    let mut all = Vec::new();
    pointers(obj, String::new(), &mut all);
    all.into_iter()
        .map(|(p, _)| p)
        .filter(|p| {
            !matches!(
                p.as_str(),
                "/apiVersion" | "/kind" | "/metadata/name" | "/metadata/namespace"
            ) && !p.starts_with("/status")
                && ![
                    "resourceVersion",
                    "generation",
                    "uid",
                    "creationTimestamp",
                    "managedFields",
                    "deletionTimestamp",
                ]
                .iter()
                .any(|k| p.starts_with(&format!("/metadata/{k}")))
        })
        .collect()
}

/// `fieldsV1` of a set of pointers: `{"f:spec": {"f:replicas": {}}}`.
fn fields_v1(fields: &BTreeSet<String>) -> Value {
    let mut root = Value::Object(Map::new());
    for p in fields {
        let mut cur = &mut root;
        for seg in p.split('/').skip(1) {
            let seg = seg.replace("~1", "/").replace("~0", "~");
            cur = cur
                .as_object_mut()
                .expect("tries are maps")
                .entry(format!("f:{seg}"))
                .or_insert_with(|| Value::Object(Map::new()));
        }
    }
    root
}

/// The leaf pointers of a `fieldsV1` trie (`.` entries and list item keys ignored).
fn pointers_of_fields_v1(trie: &Value, prefix: String, out: &mut BTreeSet<String>) {
    let Some(m) = trie.as_object() else { return };
    let children: Vec<(&String, &Value)> = m.iter().filter(|(k, _)| k.starts_with("f:")).collect();
    if children.is_empty() {
        if !prefix.is_empty() {
            out.insert(prefix);
        }
        return;
    }
    for (k, v) in children {
        let seg = k[2..].replace('~', "~0").replace('/', "~1");
        pointers_of_fields_v1(v, format!("{prefix}/{seg}"), out);
    }
}

fn remove_pointer(target: &mut Value, pointer: &str) {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return;
    };
    let last = last.replace("~1", "/").replace("~0", "~");
    let parent = if parent.is_empty() {
        Some(target)
    } else {
        target.pointer_mut(parent)
    };
    if let Some(Value::Object(m)) = parent {
        m.remove(&last);
    }
}

/// RFC 7386 JSON merge patch.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let t = target.as_object_mut().expect("made an object");
    for (k, v) in p {
        if v.is_null() {
            t.remove(k);
        } else {
            merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
        }
    }
}

impl ApiServerDouble {
    /// An empty API server.
    pub fn new() -> Self {
        Self::default()
    }

    /// Answer every request after this much time (a network round trip).
    pub fn with_latency(self, latency: Duration) -> Self {
        self.state.lock().unwrap().latency = latency;
        self
    }

    /// A real kube client whose requests this double answers. Must be called inside a
    /// tokio runtime.
    pub fn client(&self) -> kube::Client {
        let double = self.clone();
        let service = tower::service_fn(move |req: http::Request<kube::client::Body>| {
            let double = double.clone();
            async move { double.handle(req).await }
        });
        kube::Client::new(service, "default")
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.lock().unwrap().requests.clone()
    }

    /// Every request so far as [`RecordedRequest::line`]s.
    pub fn lines(&self) -> Vec<String> {
        self.requests().iter().map(RecordedRequest::line).collect()
    }

    /// Forget the requests so far.
    pub fn clear_requests(&self) {
        self.state.lock().unwrap().requests.clear();
    }

    /// Store an object as if it had been created (apiVersion, kind, metadata.name and
    /// metadata.namespace needed).
    pub fn insert(&self, object: Value) {
        let r = crate::ObjectRef::of(&object).expect("an object with apiVersion, kind and name");
        let ns = object
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("default")
            .to_owned();
        self.store(object, r, ns, None);
    }

    /// Store an object as if field manager `manager` had created it with an update (as
    /// `helm install` does: operation `Update`, every field it sent owned by it).
    pub fn insert_as(&self, object: Value, manager: &str) {
        let r = crate::ObjectRef::of(&object).expect("an object with apiVersion, kind and name");
        let ns = object
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("default")
            .to_owned();
        self.store(object, r, ns, Some(manager));
    }

    fn store(&self, mut object: Value, r: crate::ObjectRef, ns: String, manager: Option<&str>) {
        fold_string_data(&mut object);
        let mut st = self.state.lock().unwrap();
        st.resource_version += 1;
        st.uid += 1;
        let rv = st.resource_version.to_string();
        let uid = format!("uid-{}", st.uid);
        let meta = object["metadata"].as_object_mut().expect("metadata");
        meta.insert("resourceVersion".into(), Value::String(rv));
        meta.entry("uid").or_insert(Value::String(uid));
        meta.entry("generation").or_insert(json!(1));
        let key = (r.group().to_owned(), r.plural(), ns, r.name.clone());
        if let Some(m) = manager {
            st.managers.insert(
                key.clone(),
                vec![Manager {
                    name: m.to_owned(),
                    operation: "Update".into(),
                    api_version: r.api_version.clone(),
                    fields: owned_pointers(&object),
                }],
            );
        }
        st.write_managed_fields(&key, &mut object);
        st.objects.insert(key, object);
    }

    /// The stored object `plural`/`name` (any group and namespace).
    pub fn object(&self, plural: &str, name: &str) -> Option<Value> {
        let st = self.state.lock().unwrap();
        st.objects
            .iter()
            .find(|((_, p, _, n), _)| p == plural && n == name)
            .map(|(_, v)| v.clone())
    }

    /// Names of the stored objects of a plural, sorted.
    pub fn names(&self, plural: &str) -> Vec<String> {
        let st = self.state.lock().unwrap();
        st.objects
            .keys()
            .filter(|(_, p, _, _)| p == plural)
            .map(|(_, _, _, n)| n.clone())
            .collect()
    }

    /// Every stored object as `plural/name`, sorted.
    pub fn inventory(&self) -> Vec<String> {
        let st = self.state.lock().unwrap();
        let mut all: Vec<String> = st
            .objects
            .keys()
            .map(|(_, p, _, n)| format!("{p}/{n}"))
            .collect();
        all.sort();
        all
    }

    /// Remove a stored object at once (as a controller's deletion would end).
    pub fn remove(&self, plural: &str, name: &str) {
        let mut st = self.state.lock().unwrap();
        st.objects
            .retain(|(_, p, _, n), _| !(p == plural && n == name));
    }

    /// Replace the `status` of a stored object.
    pub fn set_status(&self, plural: &str, name: &str, status: Value) {
        let mut st = self.state.lock().unwrap();
        if let Some((_, obj)) = st
            .objects
            .iter_mut()
            .find(|((_, p, _, n), _)| p == plural && n == name)
        {
            obj["status"] = status;
        }
    }

    /// Set a field of a stored object as owned by another field manager (a JSON pointer,
    /// e.g. `/spec/replicas`, and its value).
    pub fn set_owned_field(
        &self,
        plural: &str,
        name: &str,
        pointer: &str,
        value: Value,
        manager: &str,
    ) {
        let mut st = self.state.lock().unwrap();
        let key = st
            .objects
            .keys()
            .find(|(_, p, _, n)| p == plural && n == name)
            .cloned()
            .expect("the object exists");
        let api_version = st.objects[&key]["apiVersion"]
            .as_str()
            .unwrap_or("v1")
            .to_owned();
        let managers = st.managers.entry(key.clone()).or_default();
        // An update takes the field from whoever owned it.
        for m in managers.iter_mut() {
            m.fields.remove(pointer);
        }
        match managers
            .iter_mut()
            .find(|m| m.name == manager && m.operation == "Update")
        {
            Some(m) => {
                m.fields.insert(pointer.to_owned());
            }
            None => managers.push(Manager {
                name: manager.to_owned(),
                operation: "Update".into(),
                api_version,
                fields: [pointer.to_owned()].into(),
            }),
        }
        managers.retain(|m| !m.fields.is_empty());
        let mut object = st.objects.remove(&key).unwrap();
        set_pointer(&mut object, pointer, value);
        st.write_managed_fields(&key, &mut object);
        st.objects.insert(key, object);
    }

    /// The field managers of a stored object and their operations, as
    /// `metadata.managedFields` lists them (`helm Update`, `capiform Apply`).
    pub fn managers(&self, plural: &str, name: &str) -> Vec<String> {
        self.object(plural, name)
            .and_then(|o| o.pointer("/metadata/managedFields").cloned())
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .map(|e| {
                format!(
                    "{} {}",
                    e["manager"].as_str().unwrap_or(""),
                    e["operation"].as_str().unwrap_or("")
                )
            })
            .collect()
    }

    /// Answer the next `times` requests of `method` whose path contains `path_contains`
    /// with `code` (429: `TooManyRequests`; 5xx: `InternalError`).
    pub fn fail(&self, method: &str, path_contains: &str, code: u16, times: u32) {
        self.state.lock().unwrap().faults.push(Fault {
            method: method.to_owned(),
            path_contains: path_contains.to_owned(),
            code,
            remaining: times,
        });
    }

    /// Drop the connection of the next `times` requests (the client sees a transport error).
    pub fn drop_connections(&self, times: u32) {
        self.state.lock().unwrap().dropped_connections = times;
    }

    /// Refuse every apply of `plural`/`name` (dry run included) as an admission webhook
    /// or schema check does: `code` and `message`.
    pub fn refuse(&self, plural: &str, name: &str, code: u16, message: &str) {
        self.state.lock().unwrap().refusals.push((
            plural.to_owned(),
            name.to_owned(),
            code,
            message.to_owned(),
        ));
    }

    /// Serve API group `group` at `version` only, as after a provider upgrade that
    /// stopped serving an old version: other versions of the group answer 404 (without an
    /// object's details, as kube-apiserver does for a resource it does not serve), the
    /// group's discovery document (`GET /apis/<group>`) names `version` as preferred, and
    /// stored objects come back at `version`.
    pub fn serve_only(&self, group: &str, version: &str) {
        self.state
            .lock()
            .unwrap()
            .served
            .insert(group.to_owned(), version.to_owned());
    }

    /// Objects of `plural` stay (with a `deletionTimestamp`) for `polls` GETs after their
    /// DELETE, as a Cluster does while Cluster API tears it down.
    pub fn deletion_polls(&self, plural: &str, polls: u32) {
        self.state
            .lock()
            .unwrap()
            .deletion_polls
            .insert(plural.to_owned(), polls);
    }

    async fn handle(
        &self,
        req: http::Request<kube::client::Body>,
    ) -> Result<http::Response<Full<Bytes>>, std::io::Error> {
        let (parts, body) = req.into_parts();
        let body = body
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let query: Vec<(String, String)> = parts
            .uri
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|s| !s.is_empty())
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (percent_decode(k), percent_decode(v))
            })
            .collect();
        let recorded = RecordedRequest {
            method: parts.method.to_string(),
            path: parts.uri.path().to_owned(),
            query,
            content_type: parts
                .headers
                .get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned(),
            body: serde_json::from_slice(&body).ok(),
        };
        let latency = self.state.lock().unwrap().latency;
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        let (code, answer) = {
            let mut st = self.state.lock().unwrap();
            st.requests.push(recorded.clone());
            if st.dropped_connections > 0 {
                st.dropped_connections -= 1;
                return Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "connection reset by the test double",
                ));
            }
            st.answer(&recorded)
        };
        Ok(http::Response::builder()
            .status(code)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(serde_json::to_vec(&answer).unwrap())))
            .unwrap())
    }
}

impl State {
    fn answer(&mut self, req: &RecordedRequest) -> (u16, Value) {
        if let Some(f) = self.faults.iter_mut().find(|f| {
            f.remaining > 0 && f.method == req.method && req.path.contains(&f.path_contains)
        }) {
            f.remaining -= 1;
            let reason = if f.code == 429 {
                "TooManyRequests"
            } else {
                "InternalError"
            };
            return (
                f.code,
                status(f.code, reason, "injected by the test double"),
            );
        }
        let not_served = || {
            (
                404,
                status(
                    404,
                    "NotFound",
                    "the server could not find the requested resource",
                ),
            )
        };
        if let ["apis", group] = req.path.trim_matches('/').split('/').collect::<Vec<_>>()[..] {
            return match self.served.get(group) {
                Some(v) if req.method == "GET" => (
                    200,
                    json!({"kind": "APIGroup", "apiVersion": "v1", "name": group,
                           "versions": [{"groupVersion": format!("{group}/{v}"), "version": v}],
                           "preferredVersion": {"groupVersion": format!("{group}/{v}"), "version": v}}),
                ),
                _ => not_served(),
            };
        }
        let Some((group, version, ns, plural, name)) = parse_path(&req.path) else {
            return (
                404,
                status(
                    404,
                    "NotFound",
                    "the server could not find the requested resource",
                ),
            );
        };
        if self.served.get(&group).is_some_and(|v| *v != version) {
            return not_served();
        }
        let dry_run = req.is_dry_run();
        match (req.method.as_str(), name) {
            ("GET", None) => self.list(&group, &plural, &ns, req),
            ("GET", Some(name)) => self.get((group, plural, ns, name)),
            ("PATCH", Some(name)) => {
                let force = req.query.iter().any(|(k, v)| k == "force" && v == "true");
                let manager = req
                    .query
                    .iter()
                    .find(|(k, _)| k == "fieldManager")
                    .map_or("", |(_, v)| v.as_str())
                    .to_owned();
                let body = req.body.clone().unwrap_or(Value::Null);
                if req.content_type.starts_with("application/merge-patch+json") {
                    return self.merge((group, plural, ns, name), &body, dry_run);
                }
                self.apply((group, plural, ns, name), body, dry_run, force, &manager)
            }
            ("POST", None) => {
                let body = req.body.clone().unwrap_or(Value::Null);
                let name = body
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                self.create((group, plural, ns, name), body, dry_run)
            }
            ("DELETE", Some(name)) => self.delete((group, plural, ns, name)),
            _ => (
                405,
                status(405, "MethodNotAllowed", "not supported by the test double"),
            ),
        }
    }

    fn not_found(key: &Key) -> (u16, Value) {
        let what = if key.0.is_empty() {
            key.1.clone()
        } else {
            format!("{}.{}", key.1, key.0)
        };
        let mut s = status(404, "NotFound", &format!("{what} \"{}\" not found", key.3));
        s["details"] = json!({"name": key.3, "kind": key.1});
        (404, s)
    }

    fn get(&mut self, key: Key) -> (u16, Value) {
        if let Some(left) = self.deleting.get_mut(&key) {
            if *left == 0 {
                self.deleting.remove(&key);
                self.objects.remove(&key);
            } else {
                *left -= 1;
            }
        }
        match self.objects.get(&key) {
            Some(v) => (200, self.at_served_version(v.clone(), &key.0)),
            None => Self::not_found(&key),
        }
    }

    fn list(&mut self, group: &str, plural: &str, ns: &str, req: &RecordedRequest) -> (u16, Value) {
        let selector: Vec<(String, String)> = req
            .query
            .iter()
            .find(|(k, _)| k == "labelSelector")
            .map(|(_, s)| {
                s.split(',')
                    .filter_map(|kv| kv.split_once('='))
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let items: Vec<Value> = self
            .objects
            .iter()
            .filter(|((g, p, n, _), _)| g == group && p == plural && n == ns)
            .filter(|(_, obj)| {
                selector.iter().all(|(k, v)| {
                    obj.pointer("/metadata/labels")
                        .and_then(|l| l.get(k))
                        .and_then(Value::as_str)
                        == Some(v.as_str())
                })
            })
            .map(|(_, obj)| {
                let mut item = obj.clone();
                if let Some(m) = item.as_object_mut() {
                    m.remove("apiVersion");
                    m.remove("kind");
                }
                item
            })
            .collect();
        (
            200,
            json!({"kind": "List", "apiVersion": "v1",
                   "metadata": {"resourceVersion": self.resource_version.to_string()},
                   "items": items}),
        )
    }

    /// An object as read at the version its group is served at (see `serve_only`).
    fn at_served_version(&self, mut object: Value, group: &str) -> Value {
        if let Some(v) = self.served.get(group) {
            object["apiVersion"] = Value::String(format!("{group}/{v}"));
        }
        object
    }

    fn refusal(&self, key: &Key) -> Option<(u16, Value)> {
        self.refusals
            .iter()
            .find(|(p, n, _, _)| *p == key.1 && *n == key.3)
            .map(|(_, _, code, message)| {
                let reason = if *code == 422 {
                    "Invalid"
                } else {
                    "BadRequest"
                };
                (*code, status(*code, reason, message))
            })
    }

    fn apply(
        &mut self,
        key: Key,
        body: Value,
        dry_run: bool,
        force: bool,
        manager: &str,
    ) -> (u16, Value) {
        if let Some(refused) = self.refusal(&key) {
            return refused;
        }
        let mut desired = body;
        fold_string_data(&mut desired);
        let api_version = desired
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("v1")
            .to_owned();
        let applied = owned_pointers(&desired);
        let live = self.objects.get(&key).cloned();
        let Some(live) = live else {
            let managers = vec![Manager {
                name: manager.to_owned(),
                operation: "Apply".into(),
                api_version,
                fields: applied,
            }];
            return self.store_new(key, desired, dry_run, managers);
        };
        let before = self.managers.get(&key).cloned().unwrap_or_default();
        // Fields other managers own with another value: conflicts unless forced. Equal
        // values are shared.
        let mut conflicts: Vec<(String, String)> = Vec::new();
        for m in before.iter().filter(|m| m.name != manager) {
            for p in m.fields.intersection(&applied) {
                if live.pointer(p) != desired.pointer(p) {
                    conflicts.push((p.clone(), m.name.clone()));
                }
            }
        }
        if !conflicts.is_empty() && !force {
            let causes: Vec<Value> = conflicts
                .iter()
                .map(|(p, m)| json!({"reason": "FieldManagerConflict",
                                     "message": format!("conflict with \"{m}\" using {api_version}"),
                                     "field": field_name(p)}))
                .collect();
            let fields: Vec<String> = conflicts
                .iter()
                .map(|(p, m)| {
                    format!(
                        "conflict with \"{m}\" using {api_version}: {}",
                        field_name(p)
                    )
                })
                .collect();
            let mut s = status(
                409,
                "Conflict",
                &format!(
                    "Apply failed with {} conflict(s): {}",
                    conflicts.len(),
                    fields.join("\n")
                ),
            );
            s["details"] = json!({"causes": causes});
            return (409, s);
        }
        let mut after_managers: Vec<Manager> = before.clone();
        for m in after_managers.iter_mut().filter(|m| m.name != manager) {
            for (p, _) in &conflicts {
                m.fields.remove(p);
            }
        }
        let previous: BTreeSet<String> = after_managers
            .iter()
            .filter(|m| m.name == manager && m.operation == "Apply")
            .flat_map(|m| m.fields.iter().cloned())
            .collect();
        after_managers.retain(|m| !(m.name == manager && m.operation == "Apply"));
        let owned_by_others: BTreeSet<String> = after_managers
            .iter()
            .flat_map(|m| m.fields.iter().cloned())
            .collect();
        // The live object, without what the applier owned and no longer sends (unless
        // another manager owns it), with every applied field set.
        let mut object = live.clone();
        for p in previous.difference(&applied) {
            if !owned_by_others.contains(p) {
                remove_pointer(&mut object, p);
            }
        }
        for p in &applied {
            if let Some(v) = desired.pointer(p) {
                set_pointer(&mut object, p, v.clone());
            }
        }
        after_managers.push(Manager {
            name: manager.to_owned(),
            operation: "Apply".into(),
            api_version,
            fields: applied,
        });
        after_managers.retain(|m| !m.fields.is_empty());
        if content(&object) == content(&live) && after_managers == before {
            return (200, live);
        }
        let spec_changed = {
            let strip = |v: &Value| {
                let mut v = v.clone();
                if let Some(m) = v.as_object_mut() {
                    m.remove("metadata");
                    m.remove("status");
                }
                v
            };
            strip(&object) != strip(&live)
        };
        let generation = live
            .pointer("/metadata/generation")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        if spec_changed {
            object["metadata"]["generation"] = json!(generation + 1);
        }
        if dry_run {
            let managers = std::mem::replace(
                self.managers.entry(key.clone()).or_default(),
                after_managers,
            );
            self.write_managed_fields(&key, &mut object);
            self.managers.insert(key, managers);
            return (200, object);
        }
        self.resource_version += 1;
        object["metadata"]["resourceVersion"] = Value::String(self.resource_version.to_string());
        self.managers.insert(key.clone(), after_managers);
        self.write_managed_fields(&key, &mut object);
        self.objects.insert(key, object.clone());
        (200, object)
    }

    /// `metadata.managedFields` of the object from its managers.
    fn write_managed_fields(&self, key: &Key, object: &mut Value) {
        let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) else {
            return;
        };
        let entries: Vec<Value> = self
            .managers
            .get(key)
            .map(|ms| {
                ms.iter()
                    .map(|m| {
                        json!({"manager": m.name, "operation": m.operation,
                               "apiVersion": m.api_version, "time": "2026-01-01T00:00:00Z",
                               "fieldsType": "FieldsV1", "fieldsV1": fields_v1(&m.fields)})
                    })
                    .collect()
            })
            .unwrap_or_default();
        if entries.is_empty() {
            meta.remove("managedFields");
        } else {
            meta.insert("managedFields".into(), Value::Array(entries));
        }
    }

    /// A JSON merge patch: `metadata.resourceVersion` in the patch is a precondition;
    /// `metadata.managedFields` in the patch replaces the managers (one empty entry
    /// clears them).
    fn merge(&mut self, key: Key, patch: &Value, dry_run: bool) -> (u16, Value) {
        let Some(live) = self.objects.get(&key).cloned() else {
            return Self::not_found(&key);
        };
        if let Some(rv) = patch.pointer("/metadata/resourceVersion")
            && Some(rv) != live.pointer("/metadata/resourceVersion")
        {
            return (
                409,
                status(
                    409,
                    "Conflict",
                    &format!(
                        "Operation cannot be fulfilled on {} \"{}\": the object has been modified; please apply your changes to the latest version and try again",
                        key.1, key.3
                    ),
                ),
            );
        }
        let mut object = live.clone();
        merge_patch(&mut object, patch);
        fold_string_data(&mut object);
        let mut managers = self.managers.get(&key).cloned().unwrap_or_default();
        if let Some(Value::Array(entries)) = patch.pointer("/metadata/managedFields") {
            managers = entries
                .iter()
                .filter(|e| e.get("manager").is_some())
                .map(|e| {
                    let mut fields = BTreeSet::new();
                    pointers_of_fields_v1(&e["fieldsV1"], String::new(), &mut fields);
                    Manager {
                        name: e["manager"].as_str().unwrap_or("").to_owned(),
                        operation: e["operation"].as_str().unwrap_or("Update").to_owned(),
                        api_version: e["apiVersion"].as_str().unwrap_or("v1").to_owned(),
                        fields,
                    }
                })
                .collect();
        }
        if dry_run {
            return (200, object);
        }
        self.resource_version += 1;
        object["metadata"]["resourceVersion"] = Value::String(self.resource_version.to_string());
        managers.retain(|m| !m.fields.is_empty());
        self.managers.insert(key.clone(), managers);
        self.write_managed_fields(&key, &mut object);
        self.objects.insert(key, object.clone());
        (200, object)
    }

    fn store_new(
        &mut self,
        key: Key,
        mut object: Value,
        dry_run: bool,
        managers: Vec<Manager>,
    ) -> (u16, Value) {
        self.uid += 1;
        let meta = object["metadata"].as_object_mut();
        let Some(meta) = meta else {
            return (422, status(422, "Invalid", "metadata: Required value"));
        };
        meta.insert("uid".into(), Value::String(format!("uid-{}", self.uid)));
        meta.insert(
            "creationTimestamp".into(),
            Value::String("2026-01-01T00:00:00Z".into()),
        );
        meta.insert("generation".into(), json!(1));
        let previous = self.managers.insert(key.clone(), managers);
        self.write_managed_fields(&key, &mut object);
        if dry_run {
            match previous {
                Some(p) => self.managers.insert(key, p),
                None => self.managers.remove(&key),
            };
            // No resourceVersion: storage assigns it, and a dry run never reaches storage.
            return (201, object);
        }
        self.resource_version += 1;
        object["metadata"]["resourceVersion"] = Value::String(self.resource_version.to_string());
        self.objects.insert(key, object.clone());
        (201, object)
    }

    fn create(&mut self, key: Key, body: Value, dry_run: bool) -> (u16, Value) {
        if self.objects.contains_key(&key) {
            return (
                409,
                status(
                    409,
                    "AlreadyExists",
                    &format!("{} \"{}\" already exists", key.1, key.3),
                ),
            );
        }
        let mut body = body;
        fold_string_data(&mut body);
        let r = crate::ObjectRef::of(&body);
        let managers = vec![Manager {
            name: "capiform".into(),
            operation: "Update".into(),
            api_version: r.map_or("v1".into(), |r| r.api_version),
            fields: owned_pointers(&body),
        }];
        self.store_new(key, body, dry_run, managers)
    }

    fn delete(&mut self, key: Key) -> (u16, Value) {
        let Some(obj) = self.objects.get_mut(&key) else {
            return Self::not_found(&key);
        };
        let polls = self.deletion_polls.get(&key.1).copied().unwrap_or(0);
        if polls > 0 {
            if !self.deleting.contains_key(&key) {
                obj["metadata"]["deletionTimestamp"] = Value::String("2026-01-01T00:00:00Z".into());
                self.deleting.insert(key.clone(), polls);
            }
            return (200, obj.clone());
        }
        self.objects.remove(&key);
        self.managers.remove(&key);
        (
            200,
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                   "details": {"name": key.3, "kind": key.1}}),
        )
    }
}

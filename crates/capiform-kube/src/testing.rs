//! A test double of kube-apiserver (feature `test-double`): an in-process service that a
//! real [`kube::Client`] talks HTTP to. It records every request and answers as the API
//! server does for what a release uses: server-side apply (with `dryRun=All`, field
//! ownership and conflicts, `force`), GET, LIST with label selectors, POST, DELETE (an
//! object may take several polls to disappear), `Status` bodies and `resourceVersion`s.
//! Faults can be injected: status codes, dropped connections, admission refusals, latency.
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

use std::collections::BTreeMap;
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
    owners: BTreeMap<(Key, String), String>,
    deletion_polls: BTreeMap<String, u32>,
    deleting: BTreeMap<Key, u32>,
    latency: Duration,
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
        for k in ["resourceVersion", "generation", "uid", "creationTimestamp"] {
            m.remove(k);
        }
    }
    c
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
    pub fn insert(&self, mut object: Value) {
        let r = crate::ObjectRef::of(&object).expect("an object with apiVersion, kind and name");
        let ns = object
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("default")
            .to_owned();
        let mut st = self.state.lock().unwrap();
        st.resource_version += 1;
        st.uid += 1;
        let rv = st.resource_version.to_string();
        let uid = format!("uid-{}", st.uid);
        let meta = object["metadata"].as_object_mut().expect("metadata");
        meta.insert("resourceVersion".into(), Value::String(rv));
        meta.entry("uid").or_insert(Value::String(uid));
        st.objects.insert(
            (r.group().to_owned(), r.plural(), ns, r.name.clone()),
            object,
        );
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
        set_pointer(st.objects.get_mut(&key).unwrap(), pointer, value);
        st.owners
            .insert((key, pointer.to_owned()), manager.to_owned());
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
        let Some((group, _version, ns, plural, name)) = parse_path(&req.path) else {
            return (
                404,
                status(
                    404,
                    "NotFound",
                    "the server could not find the requested resource",
                ),
            );
        };
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
        (
            404,
            status(404, "NotFound", &format!("{what} \"{}\" not found", key.3)),
        )
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
            Some(v) => (200, v.clone()),
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
        let live = self.objects.get(&key).cloned();
        let Some(live) = live else {
            return self.store_new(key, desired, dry_run);
        };
        // Fields other managers own: a different value is a conflict unless forced;
        // fields the patch leaves out stay as they are.
        let mut patch_fields = Vec::new();
        pointers(&desired, String::new(), &mut patch_fields);
        let owned: Vec<(String, String)> = self
            .owners
            .iter()
            .filter(|((k, _), m)| *k == key && m.as_str() != manager)
            .map(|((_, p), m)| (p.clone(), m.clone()))
            .collect();
        let mut conflicts = Vec::new();
        for (pointer, owner) in &owned {
            match patch_fields.iter().find(|(p, _)| p == pointer) {
                Some((_, v)) if live.pointer(pointer) != Some(v) => {
                    conflicts.push((pointer.clone(), owner.clone()))
                }
                Some(_) => {}
                None => set_pointer(
                    &mut desired,
                    pointer,
                    live.pointer(pointer).cloned().unwrap_or(Value::Null),
                ),
            }
        }
        if !conflicts.is_empty() && !force {
            let api_version = desired
                .get("apiVersion")
                .and_then(Value::as_str)
                .unwrap_or("v1")
                .to_owned();
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
        // Server-set metadata and status carry over.
        let meta = live["metadata"].clone();
        for k in ["uid", "creationTimestamp", "resourceVersion", "generation"] {
            if let Some(v) = meta.get(k) {
                desired["metadata"][k] = v.clone();
            }
        }
        if let Some(s) = live.get("status") {
            desired["status"] = s.clone();
        }
        if content(&desired) == content(&live) {
            return (200, live);
        }
        if dry_run {
            return (200, desired);
        }
        if force {
            for (pointer, _) in conflicts {
                self.owners.remove(&(key.clone(), pointer));
            }
        }
        self.resource_version += 1;
        desired["metadata"]["resourceVersion"] = Value::String(self.resource_version.to_string());
        let generation = meta.get("generation").and_then(Value::as_i64).unwrap_or(1);
        desired["metadata"]["generation"] = json!(generation + 1);
        self.objects.insert(key, desired.clone());
        (200, desired)
    }

    fn store_new(&mut self, key: Key, mut object: Value, dry_run: bool) -> (u16, Value) {
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
        if dry_run {
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
        self.store_new(key, body, dry_run)
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
        (
            200,
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                   "details": {"name": key.3, "kind": key.1}}),
        )
    }
}

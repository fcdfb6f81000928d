//! Requests of `diff` and `adopt` that the lifecycle crate does not make: reading any
//! live object, a server-side dry run whose answer is compared, and Helm's release
//! records.

use std::time::Duration;

use capiform_kube::{Client, Error, ObjectRef};
use kube::core::params::{DeleteParams, GetParams, ListParams, Patch, PatchParams};
use serde_json::Value;

/// The field manager of capiform's server-side applies.
const FIELD_MANAGER: &str = "capiform";

fn request_error(operation: &str, e: impl std::fmt::Display) -> Error {
    Error::Config(format!("{operation}: {e}"))
}

fn api_error(operation: &str, e: kube::Error) -> Error {
    match e {
        kube::Error::Api(s) => Error::Api {
            operation: operation.to_owned(),
            code: s.code,
            reason: s.reason.clone(),
            message: s.message.clone(),
        },
        other => Error::Unavailable {
            operation: operation.to_owned(),
            attempts: 1,
            elapsed: Duration::ZERO,
            message: other.to_string(),
        },
    }
}

fn is_not_found(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 404)
}

/// GET an object; `None` when it does not exist (or its kind is not served).
pub(crate) async fn get(
    client: &Client,
    namespace: &str,
    r: &ObjectRef,
) -> Result<Option<Value>, Error> {
    let op = format!("GET {r}");
    let request = kube::core::Request::new(r.collection_path(namespace))
        .get(&r.name, &GetParams::default())
        .map_err(|e| request_error(&op, e))?;
    match client.request::<Value>(request).await {
        Ok(v) => Ok(Some(v)),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(api_error(&op, e)),
    }
}

/// The live versions of objects, each once, in their order (absent ones left out).
pub(crate) async fn get_all(
    client: &Client,
    namespace: &str,
    objects: &[Value],
) -> Result<Vec<Value>, Error> {
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for o in objects {
        let Some(r) = ObjectRef::of(o) else { continue };
        if !seen.insert((r.group().to_owned(), r.kind.clone(), r.name.clone())) {
            continue;
        }
        if let Some(live) = get(client, namespace, &r).await? {
            out.push(live);
        }
    }
    Ok(out)
}

/// The Secrets that hold Helm's records of `release` (label `owner=helm`, `name=<release>`).
pub(crate) async fn helm_records(
    client: &Client,
    namespace: &str,
    release: &str,
) -> Result<Vec<Value>, Error> {
    let op = format!("LIST Secrets of Helm release {release}");
    let params = ListParams::default().labels(&format!("owner=helm,name={release}"));
    let request = kube::core::Request::new(format!("/api/v1/namespaces/{namespace}/secrets"))
        .list(&params)
        .map_err(|e| request_error(&op, e))?;
    let list = client
        .request::<Value>(request)
        .await
        .map_err(|e| api_error(&op, e))?;
    Ok(list
        .get("items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default())
}

/// A server-side dry run of applying `object` (forced): the object as the API server
/// would store it, or the server's refusal message.
pub(crate) async fn dry_run_apply(
    client: &Client,
    namespace: &str,
    object: &Value,
) -> Result<Result<Value, String>, Error> {
    let Some(r) = ObjectRef::of(object) else {
        return Ok(Err("the object has no apiVersion, kind or name".into()));
    };
    let op = format!("DRY-RUN APPLY {r}");
    let mut body = object.clone();
    body["metadata"]["namespace"] = Value::String(namespace.to_owned());
    let params = PatchParams::apply(FIELD_MANAGER).force().dry_run();
    let request = kube::core::Request::new(r.collection_path(namespace))
        .patch(&r.name, &params, &Patch::Apply(&body))
        .map_err(|e| request_error(&op, e))?;
    match client.request::<Value>(request).await {
        Ok(v) => Ok(Ok(v)),
        Err(kube::Error::Api(s)) if (400..500).contains(&s.code) => Ok(Err(s.message.clone())),
        Err(e) => Err(api_error(&op, e)),
    }
}

/// DELETE an object; `false` when it was already gone.
pub(crate) async fn delete(client: &Client, namespace: &str, r: &ObjectRef) -> Result<bool, Error> {
    let op = format!("DELETE {r}");
    let request = kube::core::Request::new(r.collection_path(namespace))
        .delete(&r.name, &DeleteParams::background())
        .map_err(|e| request_error(&op, e))?;
    match client.request::<Value>(request).await {
        Ok(_) => Ok(true),
        Err(e) if is_not_found(&e) => Ok(false),
        Err(e) => Err(api_error(&op, e)),
    }
}

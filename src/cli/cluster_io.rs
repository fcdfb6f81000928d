//! Requests of `diff` and `adopt` that the lifecycle crate does not make: reading any
//! live object and Helm's release records.

use std::time::Duration;

use capiform_kube::{Client, Error, ObjectRef};
use kube::core::params::{DeleteParams, GetParams, ListParams};
use serde_json::Value;

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

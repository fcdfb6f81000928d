//! Secrets are applied with `data`, never `stringData`.
//!
//! The API server folds `stringData` into `data` on every write (a dry run included) and
//! never returns `stringData`. A server-side apply of `stringData.k` makes the field
//! manager own `stringData.k`, a field no stored object has, and not `data.k`: a key the
//! render later drops is then never removed from `data`. Sent as `data` (base64), each
//! key is owned as `data.k`, and an apply without it removes it.

use base64::Engine;
use serde_json::{Map, Value};

/// Move a Secret's `stringData` into `data`, base64-encoded, as the API server would
/// store it (a `stringData` key wins over the same `data` key). Other kinds, and Secrets
/// without `stringData`, are left alone. No value is logged.
///
/// ```
/// use serde_json::json;
/// let mut s = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
///     "data": {"a": "eA=="}, "stringData": {"b": "yes"}});
/// capiform_kube::secret::string_data_as_data(&mut s);
/// assert_eq!(s, json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
///     "data": {"a": "eA==", "b": "eWVz"}}));
/// ```
pub fn string_data_as_data(object: &mut Value) {
    let is_secret = object.get("apiVersion").and_then(Value::as_str) == Some("v1")
        && object.get("kind").and_then(Value::as_str) == Some("Secret");
    let Some(m) = object.as_object_mut().filter(|_| is_secret) else {
        return;
    };
    let Some(string_data) = m.remove("stringData") else {
        return;
    };
    let data = m.entry("data").or_insert_with(|| Value::Object(Map::new()));
    if data.is_null() {
        *data = Value::Object(Map::new());
    }
    let (Value::Object(string_data), Some(data)) = (string_data, data.as_object_mut()) else {
        return;
    };
    for (key, value) in string_data {
        let text = match value {
            Value::String(s) => s,
            Value::Null => String::new(),
            other => other.to_string(),
        };
        data.insert(
            key,
            Value::String(base64::engine::general_purpose::STANDARD.encode(text)),
        );
    }
}

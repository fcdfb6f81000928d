//! Lean typed bodies of the Kubernetes objects capiform emits.
//!
//! Every body type serializes with serde, and the ones a render builds implement
//! [`IntoValue`]: they turn into the same JSON as `serde_json::to_value`, but move their
//! strings, maps and lists into it instead of copying them. A render builds a body once
//! and hands it over, so the copy would be pure waste (for 100 node groups it was about a
//! tenth of all allocations).

pub mod capi_cluster;
pub mod capi_machine;
pub mod capo;
pub mod kubeadm;
pub mod v1beta2;

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// The Cluster API version a template set renders its Cluster API objects in
/// (`clusterApiVersion` of `template-set.yaml`).
///
/// ```
/// use capiform::ClusterApiVersion;
/// let v: ClusterApiVersion = serde_yaml::from_str("v1beta2").unwrap();
/// assert_eq!(v, ClusterApiVersion::V1beta2);
/// assert_eq!(ClusterApiVersion::default(), ClusterApiVersion::V1beta1);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClusterApiVersion {
    /// `cluster.x-k8s.io/v1beta1` and the kubeadm providers' `v1beta1`: served by
    /// Cluster API up to v1.15.
    #[default]
    V1beta1,
    /// `cluster.x-k8s.io/v1beta2` and the kubeadm providers' `v1beta2`: Cluster API
    /// v1.11 and newer (their storage version).
    V1beta2,
}

/// A typed body turned into JSON by moving its parts: `x.into_value()` equals
/// `serde_json::to_value(&x).unwrap()` and copies no strings.
pub trait IntoValue {
    /// The JSON of `self`, as `serde_json::to_value` gives it.
    fn into_value(self) -> Value;
}

impl IntoValue for Value {
    fn into_value(self) -> Value {
        self
    }
}

impl IntoValue for String {
    fn into_value(self) -> Value {
        Value::String(self)
    }
}

impl IntoValue for bool {
    fn into_value(self) -> Value {
        Value::Bool(self)
    }
}

impl IntoValue for i64 {
    fn into_value(self) -> Value {
        Value::from(self)
    }
}

impl<T: IntoValue> IntoValue for Vec<T> {
    fn into_value(self) -> Value {
        Value::Array(self.into_iter().map(IntoValue::into_value).collect())
    }
}

impl IntoValue for BTreeMap<String, String> {
    fn into_value(self) -> Value {
        Value::Object(
            self.into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
        )
    }
}

impl IntoValue for Map<String, Value> {
    fn into_value(self) -> Value {
        Value::Object(self)
    }
}

/// The fields of a JSON object, set one by one: how the [`IntoValue`] impls of structs
/// are written. An absent optional field is left out, as `skip_serializing_if =
/// "Option::is_none"` does.
#[derive(Debug, Default)]
pub struct Fields(Map<String, Value>);

impl Fields {
    /// No fields yet.
    pub fn new() -> Self {
        Self(Map::new())
    }

    /// Set `key` to `value`.
    pub fn set(mut self, key: &str, value: impl IntoValue) -> Self {
        self.0.insert(key.to_string(), value.into_value());
        self
    }

    /// Set `key` to `value` when there is one.
    pub fn opt(self, key: &str, value: Option<impl IntoValue>) -> Self {
        match value {
            Some(v) => self.set(key, v),
            None => self,
        }
    }

    /// Add every entry of `extra` (a `#[serde(flatten)]` map after the named fields): as
    /// with serde, an entry whose key is already set replaces it.
    pub fn flatten(mut self, extra: Map<String, Value>) -> Self {
        self.0.extend(extra);
        self
    }

    /// The three timeouts of a machine's deletion that machine templates share
    /// (`nodeDrainTimeout`, `nodeVolumeDetachTimeout`, `nodeDeletionTimeout`), each
    /// left out when absent.
    pub fn node_timeouts(
        self,
        drain: Option<Value>,
        volume_detach: Option<Value>,
        deletion: Option<Value>,
    ) -> Self {
        self.opt("nodeDrainTimeout", drain)
            .opt("nodeVolumeDetachTimeout", volume_detach)
            .opt("nodeDeletionTimeout", deletion)
    }
}

impl IntoValue for Fields {
    fn into_value(self) -> Value {
        Value::Object(self.0)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use serde::Serialize;

    use super::IntoValue;

    /// `into_value` gives what `serde_json::to_value` gives.
    pub(crate) fn assert_moves_like_serde<T: Serialize + Clone + IntoValue>(x: &T) {
        assert_eq!(
            x.clone().into_value(),
            serde_json::to_value(x).unwrap(),
            "into_value and to_value differ"
        );
    }
}

#[cfg(test)]
mod examples {
    //! What the items above do, shown on small inputs.

    #[test]
    fn into_value() {
        use crate::api::IntoValue;
        use crate::api::kubeadm::ObjectReference;
        let r = ObjectReference::new("v1", "Secret", "s");
        assert_eq!(r.clone().into_value(), serde_json::to_value(&r).unwrap());
    }

    #[test]
    fn fields() {
        use crate::api::{Fields, IntoValue};
        let v = Fields::new().set("name", "a".to_string()).opt("namespace", None::<String>).into_value();
        assert_eq!(v, serde_json::json!({"name": "a"}));
    }

    #[test]
    fn fields_new() {
        use crate::api::IntoValue;
        assert_eq!(crate::api::Fields::new().into_value(), serde_json::json!({}));
    }

    #[test]
    fn fields_set() {
        use crate::api::IntoValue;
        let v = crate::api::Fields::new().set("n", 3i64).into_value();
        assert_eq!(v["n"], 3);
    }

    #[test]
    fn fields_opt() {
        use crate::api::IntoValue;
        let v = crate::api::Fields::new().opt("a", Some(true)).opt("b", None::<bool>).into_value();
        assert_eq!(v, serde_json::json!({"a": true}));
    }

    #[test]
    fn fields_flatten() {
        use crate::api::IntoValue;
        let mut extra = serde_json::Map::new();
        extra.insert("b".into(), 2.into());
        let v = crate::api::Fields::new().set("a", 1i64).flatten(extra).into_value();
        assert_eq!(v, serde_json::json!({"a": 1, "b": 2}));
    }

    #[test]
    fn fields_node_timeouts() {
        use crate::api::{Fields, IntoValue};
        let v = Fields::new().node_timeouts(Some("5m".into()), None, None).into_value();
        assert_eq!(v, serde_json::json!({"nodeDrainTimeout": "5m"}));
    }
}

//! The merged values of a render, built only where the user gave something.
//!
//! Helm layers each values file over the chart's defaults key by key, so a top-level
//! key the user's layers never name is the defaults' subtree unchanged. [`Merged`]
//! keeps those subtrees borrowed from the template set's defaults (built once per set)
//! and owns merged copies only of the top-level keys the user's layers name: a render
//! of a small values file copies a small part of the defaults instead of all of them.
//! [`Merged::to_value`] makes the whole tree, equal to [`super::merged_values`].

use serde::Deserialize;
use serde::de::value::MapDeserializer;
use serde_json::{Map, Value};

use super::{Values, ValuesSource, merge, typed_from};
use crate::error::{Result, Warning};

/// The values of a render: the defaults with the user's layers merged over them, read
/// key by key. Subtrees the user did not touch are borrowed from the defaults.
///
/// ```
/// use capiform::values::{Merged, ValuesSource};
/// let defaults = serde_json::json!({"osDistro": "ubuntu", "apiServer": {"port": 6443, "enableLoadBalancer": true}});
/// let (merged, user) = Merged::over(&defaults, &[ValuesSource::Set("apiServer.port=443".into())]).unwrap();
/// assert_eq!(merged["apiServer"]["port"], 443);
/// assert_eq!(merged["apiServer"]["enableLoadBalancer"], true);
/// assert_eq!(merged["osDistro"], "ubuntu");
/// assert_eq!(user, serde_json::json!({"apiServer": {"port": 443}}));
/// ```
#[derive(Debug, Clone)]
pub struct Merged<'a> {
    /// The tree beneath: a template set's defaults, or a whole merged tree.
    base: Option<&'a Map<String, Value>>,
    /// The merged subtrees of the top-level keys the user's layers named (always a
    /// mapping; a key a layer removed with `null` is absent).
    given: Value,
    /// Every top-level key the user's layers named, sorted: `base` is not read for them.
    shadowed: Vec<String>,
}

/// The `Null` that absent keys read as.
static NULL: Value = Value::Null;

impl<'a> Merged<'a> {
    /// Layer `sources` over `defaults` as Helm does ([`super::merge::merge_values`]),
    /// returning the merged values and the user's layers merged together without the
    /// defaults (what the user gave; the values checks walk only that part).
    ///
    /// ```
    /// use capiform::values::{Merged, ValuesSource};
    /// let defaults = serde_json::json!({"a": {"b": 1, "c": 2}, "d": 3});
    /// let sources = [ValuesSource::Set("a.b=null".into()), ValuesSource::Set("d=null".into())];
    /// let (merged, _) = Merged::over(&defaults, &sources).unwrap();
    /// assert_eq!(merged.to_value(), serde_json::json!({"a": {"c": 2}}));
    /// ```
    pub fn over(defaults: &'a Value, sources: &[ValuesSource]) -> Result<(Self, Value)> {
        Ok(Self::over_user(
            defaults,
            super::user_values(sources, None, &mut Vec::new())?,
        ))
    }

    /// [`Merged::over`] with the keys of other chart versions translated by `dialects`
    /// and the warnings of reading the sources added to `warnings` (what
    /// [`crate::render()`] runs).
    ///
    /// ```
    /// use capiform::values::{Merged, ValuesSource};
    /// let set = capiform::TemplateSet::embedded(None).unwrap();
    /// let sources = [ValuesSource::Yaml { name: "v.yaml".into(), text: "apiServer: {allowedCidrs: [10.0.0.0/8]}".into() }];
    /// let mut warnings = Vec::new();
    /// let (merged, _) = Merged::over_with(set.defaults(), &sources, Some(set.dialects().unwrap()), &mut warnings).unwrap();
    /// assert_eq!(merged["apiServer"]["allowedCIDRs"][0], "10.0.0.0/8");
    /// assert_eq!(warnings.len(), 1);
    /// ```
    pub fn over_with(
        defaults: &'a Value,
        sources: &[ValuesSource],
        dialects: Option<&super::dialect::Dialects>,
        warnings: &mut Vec<Warning>,
    ) -> Result<(Self, Value)> {
        Ok(Self::over_user(
            defaults,
            super::user_values(sources, dialects, warnings)?,
        ))
    }

    /// The user's values ([`super::user_values`]) merged over `defaults` as helm
    /// coalesces them, and the user's values without their `null`s.
    fn over_user(defaults: &'a Value, user: Value) -> (Self, Value) {
        let base = defaults.as_object();
        let mut given = Map::new();
        let mut shadowed: Vec<String> = Vec::new();
        // Helm's merge treats top-level keys one by one: a key the user names starts
        // as the defaults' subtree, and the user's value is merged into it.
        if let Value::Object(keys) = &user {
            for k in keys.keys() {
                shadowed.push(k.clone());
                if let Some(d) = base.and_then(|b| b.get(k)) {
                    given.insert(k.clone(), d.clone());
                }
            }
        }
        shadowed.sort_unstable();
        let mut given = Value::Object(given);
        merge::merge_values(&mut given, user.clone());
        let mut without_nulls = Value::Object(Map::new());
        merge::merge_values(&mut without_nulls, user);
        let merged = Self {
            base,
            given,
            shadowed,
        };
        (merged, without_nulls)
    }

    /// A whole merged tree read as [`Merged`] (nothing to layer): for callers that
    /// merged the values themselves, such as tests building a `Context`.
    ///
    /// ```
    /// let tree = serde_json::json!({"osDistro": "flatcar"});
    /// let merged = capiform::values::Merged::whole(&tree);
    /// assert_eq!(merged["osDistro"], "flatcar");
    /// ```
    pub fn whole(tree: &'a Value) -> Self {
        Self {
            base: tree.as_object(),
            given: Value::Object(Map::new()),
            shadowed: Vec::new(),
        }
    }

    /// The merged value of a top-level key, `None` when absent.
    ///
    /// ```
    /// let tree = serde_json::json!({"a": 1});
    /// let merged = capiform::values::Merged::whole(&tree);
    /// assert_eq!(merged.get("a"), Some(&serde_json::json!(1)));
    /// assert_eq!(merged.get("b"), None);
    /// ```
    pub fn get(&self, key: &str) -> Option<&Value> {
        if self.is_shadowed(key) {
            self.given.get(key)
        } else {
            self.base?.get(key)
        }
    }

    /// The value at a path of keys, `None` when any step is absent or not a mapping.
    ///
    /// ```
    /// let tree = serde_json::json!({"oidc": {"clientId": "k8s"}});
    /// let merged = capiform::values::Merged::whole(&tree);
    /// assert_eq!(merged.dig(&["oidc", "clientId"]), Some(&serde_json::json!("k8s")));
    /// assert_eq!(merged.dig(&["oidc", "clientId", "x"]), None);
    /// ```
    pub fn dig(&self, path: &[&str]) -> Option<&Value> {
        let (first, rest) = path.split_first()?;
        super::dig(self.get(first)?, rest)
    }

    /// The merged subtrees of the top-level keys the user's layers named, as one
    /// mapping (the part of the tree the values checks walk).
    ///
    /// ```
    /// use capiform::values::{Merged, ValuesSource};
    /// let defaults = serde_json::json!({"a": {"b": 1}, "c": 2});
    /// let (merged, _) = Merged::over(&defaults, &[ValuesSource::Set("a.d=3".into())]).unwrap();
    /// assert_eq!(merged.given(), &serde_json::json!({"a": {"b": 1, "d": 3}}));
    /// ```
    pub fn given(&self) -> &Value {
        &self.given
    }

    /// Every top-level key and its merged value, sorted by key.
    ///
    /// ```
    /// let tree = serde_json::json!({"b": 1, "a": 2});
    /// let merged = capiform::values::Merged::whole(&tree);
    /// let keys: Vec<&str> = merged.entries().into_iter().map(|(k, _)| k).collect();
    /// assert_eq!(keys, ["a", "b"]);
    /// ```
    pub fn entries(&self) -> Vec<(&str, &Value)> {
        let given = self.given.as_object().into_iter().flatten();
        let base = self
            .base
            .into_iter()
            .flatten()
            .filter(|(k, _)| !self.is_shadowed(k));
        let mut out: Vec<(&str, &Value)> =
            given.chain(base).map(|(k, v)| (k.as_str(), v)).collect();
        out.sort_unstable_by(|a, b| a.0.cmp(b.0));
        out
    }

    /// The whole merged tree (a copy): what [`super::merged_values`] returns for the
    /// same defaults and sources.
    ///
    /// ```
    /// use capiform::values::{Merged, ValuesSource, merged_values};
    /// let defaults = serde_json::json!({"a": {"b": 1}, "c": 2});
    /// let sources = [ValuesSource::Set("a.d=3".into())];
    /// let (merged, _) = Merged::over(&defaults, &sources).unwrap();
    /// assert_eq!(merged.to_value(), merged_values(&defaults, &sources).unwrap());
    /// ```
    pub fn to_value(&self) -> Value {
        Value::Object(
            self.entries()
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    /// The typed [`Values`], read from the merged values without copying the
    /// untouched subtrees into one tree first; errors name the path of the first field
    /// that does not fit, as [`super::typed_values`] does.
    ///
    /// ```
    /// let tree = serde_json::json!({"osDistro": "ubuntu"});
    /// let v = capiform::values::Merged::whole(&tree).typed().unwrap();
    /// assert_eq!(v.os_distro.as_deref(), Some("ubuntu"));
    /// ```
    pub fn typed(&self) -> Result<Values> {
        let entries = self.entries();
        let map = || MapDeserializer::<_, serde_json::Error>::new(entries.iter().copied());
        if let Ok(v) = Values::deserialize(map()) {
            return Ok(v);
        }
        // Numbers of values files are float64: integer fields of Kubernetes types inside
        // the values (a pod security context's `runAsUser`) take the whole ones.
        let whole = super::whole_numbers_as_integers(&self.to_value());
        if let Ok(v) = Values::deserialize(&whole) {
            return Ok(v);
        }
        typed_from(map())
    }

    /// [`Merged::typed`] for merged values over defaults that are already typed
    /// (`defaults`: the same defaults this was merged over, typed once, e.g.
    /// [`crate::TemplateSet::typed_defaults`]). Only the top-level keys the user's
    /// layers named are typed again; the rest is taken from `defaults`, with `addons`
    /// shared. Gives what [`Merged::typed`] gives, errors included.
    ///
    /// ```
    /// use capiform::values::{Merged, ValuesSource};
    /// let defaults = serde_json::json!({"osDistro": "ubuntu", "cloudName": "openstack"});
    /// let typed_defaults = capiform::values::typed_values(&defaults).unwrap();
    /// let (merged, _) = Merged::over(&defaults, &[ValuesSource::Set("osDistro=flatcar".into())]).unwrap();
    /// let v = merged.typed_over(&typed_defaults).unwrap();
    /// assert_eq!(v.os_distro.as_deref(), Some("flatcar"));
    /// assert_eq!(v.cloud_name.as_deref(), Some("openstack"));
    /// ```
    pub fn typed_over(&self, defaults: &Values) -> Result<Values> {
        let given = Values::deserialize(&self.given)
            .or_else(|_| Values::deserialize(&super::whole_numbers_as_integers(&self.given)));
        match given {
            Ok(given) => Ok(Values::overlay(given, defaults, |k| self.is_shadowed(k))),
            // The whole tree again, for the error's path and wording.
            Err(_) => self.typed(),
        }
    }

    fn is_shadowed(&self, key: &str) -> bool {
        self.shadowed
            .binary_search_by(|k| k.as_str().cmp(key))
            .is_ok()
    }
}

impl std::ops::Index<&str> for Merged<'_> {
    type Output = Value;

    /// The merged value of a top-level key, `Null` when absent (like `Value`'s index).
    fn index(&self, key: &str) -> &Value {
        self.get(key).unwrap_or(&NULL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::merged_values;
    use serde_json::json;

    fn yaml(text: &str) -> ValuesSource {
        ValuesSource::Yaml {
            name: "v.yaml".into(),
            text: text.into(),
        }
    }

    /// Layered sources over defaults give the same tree as the eager merge, including
    /// the cases where a later layer replaces what an earlier one removed or set.
    #[test]
    fn same_tree_as_the_eager_merge() {
        let defaults = json!({
            "a": {"b": 1, "c": {"d": 2, "e": [1, 2]}},
            "f": "x",
            "g": {"h": null},
            "i": [1],
        });
        let cases: Vec<Vec<ValuesSource>> = vec![
            vec![],
            vec![yaml("a: {b: 2}")],
            vec![yaml("a: null")],
            vec![yaml("a: null"), yaml("a: {z: 1}")],
            vec![yaml("a: 1"), yaml("a: {z: 1}")],
            vec![yaml("a: {c: null}"), yaml("a: {c: {y: 1}}")],
            vec![yaml("f: {m: {n: null, o: 1}}")],
            vec![yaml("new: {p: null, q: 1}"), yaml("new: {p: 2}")],
            vec![yaml("g: {h: 1}"), ValuesSource::Set("g.h=null".into())],
            vec![yaml("i: [2, 3]"), ValuesSource::SetString("a.c.d=7".into())],
            vec![yaml(""), yaml("f: null"), yaml("f: y")],
        ];
        for sources in cases {
            let eager = merged_values(&defaults, &sources).unwrap();
            let (merged, _) = Merged::over(&defaults, &sources).unwrap();
            assert_eq!(merged.to_value(), eager, "{sources:?}");
            for (k, v) in eager.as_object().unwrap() {
                assert_eq!(merged.get(k), Some(v), "{k} in {sources:?}");
            }
            for (k, _) in defaults.as_object().unwrap() {
                assert_eq!(merged.get(k), eager.get(k), "{k} in {sources:?}");
            }
        }
    }

    #[test]
    fn untouched_defaults_are_borrowed_not_copied() {
        let defaults = json!({"big": {"x": 1}, "small": 1});
        let (merged, _) = Merged::over(&defaults, &[yaml("small: 2")]).unwrap();
        assert_eq!(merged.given(), &json!({"small": 2.0}));
        assert!(std::ptr::eq(merged.get("big").unwrap(), &defaults["big"]));
    }

    /// `typed_over` gives what `typed` gives: for the embedded set's defaults with
    /// each top-level key removed (`null`), replaced or merged into, and for errors.
    #[test]
    fn typed_over_typed_defaults_is_typed() {
        let set = crate::TemplateSet::embedded(None).unwrap();
        let defaults = set.defaults();
        let typed_defaults = set.typed_defaults().expect("embedded defaults type");
        let mut cases: Vec<Vec<ValuesSource>> = vec![
            vec![],
            vec![yaml("addons: {monitoring: {enabled: true}}")],
            vec![yaml(
                "controlPlane: {machineFlavor: small}\nnodeGroups: [{name: a}]",
            )],
            vec![yaml("osDistro: flatcar"), yaml("osDistro: null")],
            vec![yaml("osDistro: 3")],
            vec![yaml("addons: {cni: {type: 7}}")],
        ];
        for key in defaults.as_object().unwrap().keys() {
            cases.push(vec![ValuesSource::Set(format!("{key}=null"))]);
        }
        for sources in cases {
            let (merged, _) = Merged::over(defaults, &sources).unwrap();
            let whole = merged.typed().map(|v| serde_json::to_value(v).unwrap());
            let over = merged
                .typed_over(typed_defaults)
                .map(|v| serde_json::to_value(v).unwrap());
            match (whole, over) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{sources:?}"),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{sources:?}"),
                (a, b) => panic!("{sources:?}: {a:?} against {b:?}"),
            }
        }
    }

    /// Sections the user's values leave alone are the template set's typed sections,
    /// shared; a section the values name is typed anew.
    #[test]
    fn typed_over_shares_the_sections_left_alone() {
        let set = crate::TemplateSet::embedded(None).unwrap();
        let typed_defaults = set.typed_defaults().expect("embedded defaults type");
        let sources = [yaml("autoscaler: {extraArgs: {v: 2}}")];
        let (merged, _) = Merged::over(set.defaults(), &sources).unwrap();
        let typed = merged.typed_over(typed_defaults).unwrap();
        fn shared<T>(a: &Option<std::sync::Arc<T>>, b: &Option<std::sync::Arc<T>>) -> bool {
            matches!((a, b), (Some(a), Some(b)) if std::sync::Arc::ptr_eq(a, b))
        }
        assert!(shared(&typed.addons, &typed_defaults.addons));
        assert!(shared(&typed.etcd, &typed_defaults.etcd));
        assert!(shared(
            &typed.node_group_defaults,
            &typed_defaults.node_group_defaults
        ));
        assert!(!shared(&typed.autoscaler, &typed_defaults.autoscaler));
    }

    /// `Values::overlay` knows every top-level key by its serde name: values with every
    /// key of the schema set, laid over empty defaults, come through whole.
    #[test]
    fn overlay_names_every_key() {
        let schema = serde_json::to_value(schemars::schema_for!(Values)).unwrap();
        let properties = schema["properties"].as_object().unwrap();
        let mut given = Map::new();
        for (key, property) in properties {
            let types = property["type"].to_string();
            let value = if types.contains("string") {
                json!("x")
            } else if types.contains("array") {
                json!([])
            } else if types.contains("boolean") {
                json!(false)
            } else {
                json!({})
            };
            given.insert(key.clone(), value);
        }
        let given = Value::Object(given);
        let typed = Values::deserialize(&given).unwrap();
        let text = serde_json::to_value(&typed).unwrap();
        for key in properties.keys() {
            assert!(!text[key].is_null(), "{key} is not set in {text}");
        }
        let laid = Values::overlay(typed, &Values::default(), |k| given.get(k).is_some());
        assert_eq!(serde_json::to_value(laid).unwrap(), text);
    }

    #[test]
    fn typed_errors_name_the_field() {
        let tree = json!({"osDistro": 3});
        let err = Merged::whole(&tree).typed().unwrap_err();
        assert!(err.to_string().contains("osDistro"), "{err}");
    }

    #[test]
    fn index_of_an_absent_key_is_null() {
        let tree = json!({});
        assert!(Merged::whole(&tree)["nope"].is_null());
    }
}

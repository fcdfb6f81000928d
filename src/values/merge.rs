//! Helm-compatible layering of values.
//!
//! Helm coalesces a chart's defaults with each `-f` file and then `--set`: maps merge
//! key by key, every other value (lists, scalars) replaces what was there, and an
//! explicit `null` removes the key from the result when there is one to remove (else the
//! key stays, with its null, as in Helm).

use serde_json::Value;

/// Merge `overlay` into `base` the way Helm layers values files.
///
/// ```
/// use serde_json::json;
/// let mut base = json!({"a": {"b": 1, "c": [1, 2]}, "d": 1});
/// capiform::values::merge::merge_values(&mut base, json!({"a": {"c": [3]}, "d": null}));
/// assert_eq!(base, json!({"a": {"b": 1, "c": [3]}}));
/// ```
pub fn merge_values(base: &mut Value, overlay: Value) {
    match (base, overlay) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    // A null deletes what is there; where there is nothing to delete,
                    // Helm keeps the key with its null (templates print it: `foo=`).
                    Some(_) if v.is_null() => {
                        b.remove(&k);
                    }
                    Some(existing) if existing.is_object() && v.is_object() => {
                        merge_values(existing, v)
                    }
                    _ => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

/// Merge one `-f` document into the ones before it, as helm's `mergeMaps` does: maps
/// merge key by key, anything else replaces, and an explicit `null` is kept (it removes
/// the chart's default when the user's values are merged over the defaults).
///
/// ```
/// use serde_json::json;
/// let mut user = json!({"a": {"b": 1, "c": 2}, "d": [1]});
/// capiform::values::merge::merge_maps(&mut user, json!({"a": {"c": null}, "d": [2]}));
/// assert_eq!(user, json!({"a": {"b": 1, "c": null}, "d": [2]}));
/// ```
pub fn merge_maps(base: &mut Value, overlay: Value) {
    match (base, overlay) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(existing) if existing.is_object() && v.is_object() => {
                        merge_maps(existing, v)
                    }
                    _ => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

/// Deep merge where `overlay` wins and `null` in the overlay keeps the base's value:
/// the rule used to apply `nodeGroupDefaults` beneath each node group.
///
/// ```
/// use serde_json::json;
/// let mut group = json!({"healthCheck": {"enabled": true}, "machineCount": 3});
/// capiform::values::merge::overlay(&mut group, &json!({"healthCheck": {"enabled": false}}));
/// assert_eq!(group, json!({"healthCheck": {"enabled": false}, "machineCount": 3}));
/// ```
pub fn overlay(base: &mut Value, overlay: &Value) {
    match (base, overlay) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(existing) if existing.is_object() && v.is_object() => {
                        self::overlay(existing, v)
                    }
                    Some(_) if v.is_null() => {}
                    _ => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, o) => {
            if !o.is_null() {
                *b = o.clone()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_replace_and_maps_merge() {
        let mut base = json!({"m": {"x": 1, "l": [1]}, "s": "a"});
        merge_values(&mut base, json!({"m": {"y": 2, "l": [2, 3]}, "s": "b"}));
        assert_eq!(base, json!({"m": {"x": 1, "y": 2, "l": [2, 3]}, "s": "b"}));
    }

    #[test]
    fn null_deletes_a_default() {
        let mut base = json!({"registryMirrors": {"docker.io": ["x"]}, "k": 1});
        merge_values(&mut base, json!({"registryMirrors": null}));
        assert_eq!(base, json!({"k": 1}));
    }

    #[test]
    fn map_replaces_scalar() {
        let mut base = json!({"a": null});
        merge_values(&mut base, json!({"a": {"b": 1}}));
        assert_eq!(base, json!({"a": {"b": 1}}));
    }
}

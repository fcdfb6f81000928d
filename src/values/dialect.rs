//! Value dialects: keys that other versions of the chart (and the drivers written for
//! them, such as Magnum's) use, read by the template set's `dialects.yaml`.
//!
//! ```yaml
//! renamed:
//!   - from: apiServer.allowedCidrs      # the old key
//!     to: apiServer.allowedCIDRs        # the key it is read as
//!     chartVersion: 0.24.0              # the chart version that renamed it
//! removed:
//!   - key: addons.kubernetesDashboard
//!     chartVersion: 0.20.0              # the chart version that removed it
//!     replacement: deploy the dashboard as a custom addon (addons.custom)
//! ```
//!
//! A renamed key is moved to its new name with a warning; a removed key is dropped with
//! a warning naming the replacement. Keys are dotted paths of mapping keys; `[]` stands
//! for every entry of a list (`nodeGroups[].oldKey`). A template set release can extend
//! the table without a new engine.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::{Error, Result, Warning};

/// The dialect table of a template set.
///
/// ```
/// let d = capiform::values::dialect::Dialects::from_yaml(
///     "renamed: [{from: a.old, to: a.new, chartVersion: 0.2.0}]").unwrap();
/// let mut v = serde_json::json!({"a": {"old": 1}});
/// let mut warnings = Vec::new();
/// d.apply(&mut v, "values.yaml", &mut warnings).unwrap();
/// assert_eq!(v, serde_json::json!({"a": {"new": 1}}));
/// assert_eq!(warnings[0].to_string(),
///     "values.yaml: a.old is the key of chart versions before 0.2.0, read as a.new; rename it");
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dialects {
    /// Keys read under another name.
    #[serde(default)]
    pub renamed: Vec<Renamed>,
    /// Keys ignored.
    #[serde(default)]
    pub removed: Vec<Removed>,
}

/// A key the chart renamed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Renamed {
    /// The old path.
    pub from: String,
    /// The path it is read as.
    pub to: String,
    /// The chart version that renamed it.
    pub chart_version: String,
    /// A value format (`cidr`, `ip`): entries of a list under the old key that do not
    /// have it are dropped with a warning, as drivers written for the old key pass on
    /// text unchecked; when no entry is left, it is an error (an empty list would not
    /// restrict anything).
    #[serde(default)]
    pub drop_invalid: Option<String>,
}

/// A key the chart removed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Removed {
    /// The path.
    pub key: String,
    /// The chart version that removed it.
    pub chart_version: String,
    /// What to use instead.
    pub replacement: String,
}

impl Dialects {
    /// Read a `dialects.yaml`.
    ///
    /// ```
    /// assert!(capiform::values::dialect::Dialects::from_yaml("renamed: []").is_ok());
    /// assert!(capiform::values::dialect::Dialects::from_yaml("renamd: []").is_err());
    /// ```
    pub fn from_yaml(text: &str) -> std::result::Result<Self, String> {
        if text.trim().is_empty() {
            return Ok(Self::default());
        }
        let d: Self = serde_yaml::from_str(text).map_err(|e| format!("dialects.yaml: {e}"))?;
        for path in d
            .renamed
            .iter()
            .flat_map(|r| [&r.from, &r.to])
            .chain(d.removed.iter().map(|r| &r.key))
        {
            if path.split('.').any(str::is_empty) {
                return Err(format!("dialects.yaml: '{path}' is not a dotted key path"));
            }
        }
        Ok(d)
    }

    /// Whether the table is empty (nothing to do).
    ///
    /// ```
    /// assert!(capiform::values::dialect::Dialects::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.renamed.is_empty() && self.removed.is_empty()
    }

    /// Where `later` (a layer applied onto `values`, such as the `--set` arguments) gives
    /// a renamed key in its old spelling, drop the new spelling `values` got from the
    /// layers before it: the later layer wins, as it does for any other key, instead of
    /// the two spellings conflicting.
    ///
    /// ```
    /// use serde_json::json;
    /// let d = capiform::values::dialect::Dialects::from_yaml(
    ///     "renamed:\n- {from: apiServer.allowedCidrs, to: apiServer.allowedCIDRs, chartVersion: 0.24.0}\n").unwrap();
    /// // A file gave the old spelling (already read as the new one); `--set` gives the old one again.
    /// let mut values = json!({"apiServer": {"allowedCIDRs": ["10.0.0.0/8"], "allowedCidrs": ["192.0.2.1"]}});
    /// d.let_later_spellings_win(&mut values, &json!({"apiServer": {"allowedCidrs": ["192.0.2.1"]}}));
    /// assert_eq!(values, json!({"apiServer": {"allowedCidrs": ["192.0.2.1"]}}));
    /// ```
    pub fn let_later_spellings_win(&self, values: &mut Value, later: &Value) {
        let mut later = later.clone();
        for r in &self.renamed {
            let (parent, key) = split_last(&r.from);
            let (to_parent, to_key) = split_last(&r.to);
            if to_parent != parent {
                continue;
            }
            let mut places = Vec::new();
            for_each_map(&mut later, &parent, &mut |map, at| {
                if map.contains_key(key) {
                    places.push(at.to_string());
                }
            });
            if places.is_empty() {
                continue;
            }
            for_each_map(values, &parent, &mut |map, at| {
                if places.iter().any(|p| p == at) {
                    map.remove(to_key);
                }
            });
        }
    }

    /// Translate the keys of one values layer from `source`, adding a warning for each.
    /// Giving both a renamed key and its new name is an error naming both.
    pub fn apply(
        &self,
        values: &mut Value,
        source: &str,
        warnings: &mut Vec<Warning>,
    ) -> Result<()> {
        for r in &self.renamed {
            let (parent, key) = split_last(&r.from);
            let (to_parent, to_key) = split_last(&r.to);
            let mut conflict = None;
            for_each_map(
                values,
                &parent,
                &mut |map: &mut Map<String, Value>, at: &str| {
                    let Some(old) = map.remove(key) else { return };
                    let from = format!("{at}{key}");
                    let target = if to_parent == parent {
                        Some(&mut *map)
                    } else {
                        None
                    };
                    let to = format!("{at}{to_key}");
                    match target {
                        Some(m) if m.contains_key(to_key) => {
                            conflict = Some(format!(
                                "{from} and {to} are both given: {from} is the key of chart versions before {}, give only {to}",
                                r.chart_version
                            ));
                        }
                        Some(m) => {
                            let old = match &r.drop_invalid {
                                Some(format) => {
                                    match keep_valid(old, format, &from, source, warnings) {
                                        Ok(v) => v,
                                        Err(message) => {
                                            conflict = Some(message);
                                            return;
                                        }
                                    }
                                }
                                None => old,
                            };
                            m.insert(to_key.to_string(), old);
                            warnings.push(Warning::about(
                            source,
                            from.as_str(),
                            format!(
                                "{from} is the key of chart versions before {}, read as {to}; rename it",
                                r.chart_version
                            ),
                        ));
                        }
                        None => {
                            // Moves across mappings are not in any table yet; keep the key so
                            // that the unknown-key check names it.
                            map.insert(key.to_string(), old);
                        }
                    }
                },
            );
            if let Some(message) = conflict {
                return Err(Error::Yaml {
                    file: source.to_string(),
                    message,
                });
            }
        }
        for r in &self.removed {
            let (parent, key) = split_last(&r.key);
            for_each_map(
                values,
                &parent,
                &mut |map: &mut Map<String, Value>, at: &str| {
                    if map.remove(key).is_some() {
                        warnings.push(Warning::about(
                            source,
                            format!("{at}{key}"),
                            format!(
                                "{at}{key} was removed in chart version {} and is ignored; {}",
                                r.chart_version, r.replacement
                            ),
                        ));
                    }
                },
            );
        }
        Ok(())
    }
}

/// The entries of a list that have `format`; a warning for each one dropped, an error
/// when none is left of a list that had entries.
fn keep_valid(
    value: Value,
    format: &str,
    path: &str,
    source: &str,
    warnings: &mut Vec<Warning>,
) -> std::result::Result<Value, String> {
    let Value::Array(items) = value else {
        return Ok(value);
    };
    let given = items.len();
    let mut kept = Vec::with_capacity(given);
    for (i, item) in items.into_iter().enumerate() {
        let problem = match &item {
            Value::String(s) => crate::schema::check_format(format, s),
            other => Some(format!("{} is not text", super::kind_name(other))),
        };
        match problem {
            Some(problem) => warnings.push(Warning::about(
                source,
                format!("{path}[{i}]"),
                format!("{path}[{i}]: {problem}; the entry is dropped"),
            )),
            None => kept.push(item),
        }
    }
    if given > 0 && kept.is_empty() {
        return Err(format!(
            "{path}: no entry is a valid {format}, and an empty list would not restrict anything; fix the entries"
        ));
    }
    Ok(Value::Array(kept))
}

/// `a.b.c` as (`["a", "b"]`, `"c"`).
fn split_last(path: &str) -> (Vec<&str>, &str) {
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop().unwrap_or_default();
    (parts, last)
}

/// Call `f` with every mapping at `path` (`name[]` steps into each list entry), and the
/// dotted prefix naming it (`nodeGroups[1].`).
fn for_each_map(
    value: &mut Value,
    path: &[&str],
    f: &mut dyn FnMut(&mut Map<String, Value>, &str),
) {
    fn walk(
        value: &mut Value,
        path: &[&str],
        at: String,
        f: &mut dyn FnMut(&mut Map<String, Value>, &str),
    ) {
        let Value::Object(map) = value else { return };
        let Some((first, rest)) = path.split_first() else {
            f(map, &at);
            return;
        };
        if let Some(name) = first.strip_suffix("[]") {
            if let Some(Value::Array(items)) = map.get_mut(name) {
                for (i, item) in items.iter_mut().enumerate() {
                    walk(item, rest, format!("{at}{name}[{i}]."), f);
                }
            }
        } else if let Some(child) = map.get_mut(*first) {
            walk(child, rest, format!("{at}{first}."), f);
        }
    }
    walk(value, path, String::new(), f);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn table() -> Dialects {
        Dialects::from_yaml(
            "renamed:\n- {from: apiServer.allowedCidrs, to: apiServer.allowedCIDRs, chartVersion: 0.24.0}\n- {from: 'nodeGroups[].old', to: 'nodeGroups[].new', chartVersion: 0.1.0}\nremoved:\n- {key: addons.kubernetesDashboard, chartVersion: 0.20.0, replacement: use a custom addon}\n",
        )
        .unwrap()
    }

    #[test]
    fn renames_and_removals_with_warnings() {
        let mut v = json!({
            "apiServer": {"allowedCidrs": ["10.0.0.0/8"], "port": 6443},
            "addons": {"kubernetesDashboard": {"enabled": true}, "cni": {}},
            "nodeGroups": [{"name": "a"}, {"name": "b", "old": 1}],
        });
        let mut w = Vec::new();
        table().apply(&mut v, "f.yaml", &mut w).unwrap();
        assert_eq!(
            v,
            json!({
                "apiServer": {"allowedCIDRs": ["10.0.0.0/8"], "port": 6443},
                "addons": {"cni": {}},
                "nodeGroups": [{"name": "a"}, {"name": "b", "new": 1}],
            })
        );
        let text: Vec<String> = w.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "f.yaml: apiServer.allowedCidrs is the key of chart versions before 0.24.0, read as apiServer.allowedCIDRs; rename it",
                "f.yaml: nodeGroups[1].old is the key of chart versions before 0.1.0, read as nodeGroups[1].new; rename it",
                "f.yaml: addons.kubernetesDashboard was removed in chart version 0.20.0 and is ignored; use a custom addon",
            ]
        );
    }

    #[test]
    fn both_spellings_are_an_error() {
        let mut v = json!({"apiServer": {"allowedCidrs": [], "allowedCIDRs": []}});
        let err = table()
            .apply(&mut v, "f.yaml", &mut Vec::new())
            .unwrap_err();
        assert!(err.to_string().contains("are both given"), "{err}");
    }

    #[test]
    fn invalid_entries_are_dropped_but_never_all() {
        let d = Dialects::from_yaml(
            "renamed: [{from: a.old, to: a.new, chartVersion: 0.2.0, dropInvalid: cidr}]",
        )
        .unwrap();
        let mut v = json!({"a": {"old": ["10.0.0.0/8", "badchars"]}});
        let mut w = Vec::new();
        d.apply(&mut v, "f.yaml", &mut w).unwrap();
        assert_eq!(v, json!({"a": {"new": ["10.0.0.0/8"]}}));
        assert_eq!(
            w[0].to_string(),
            "f.yaml: a.old[1]: \"badchars\" is not a CIDR (expected e.g. 192.168.3.0/24); the entry is dropped"
        );
        let mut v = json!({"a": {"old": ["junk"]}});
        assert!(d.apply(&mut v, "f.yaml", &mut Vec::new()).is_err());
    }

    #[test]
    fn bad_tables_are_refused() {
        assert!(Dialects::from_yaml("renamed: [{from: a..b, to: c, chartVersion: 1}]").is_err());
        assert!(Dialects::from_yaml("removed: [{key: a}]").is_err());
    }
}

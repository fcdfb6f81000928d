//! Typed fields accept the spellings the chart accepts when it renders a valid object.
//!
//! Drivers and hand-written values send what the chart's templates take:
//! - `"true"`/`"false"` (any case) for a boolean: read as the boolean they spell.
//!   Helm's templates treat every non-empty string as true, so the chart reads
//!   `autoscale: "false"` as *true*; capiform reads it as false, as written, and warns
//!   that helm would not have;
//! - a whole number written as a float (`machineCount: 2.0`, which is what every number
//!   of a values file is for helm) for an integer;
//! - a quoted integer (`machineCount: "3"`) where the chart prints the value as text
//!   (not `machineCountMin`/`machineCountMax`, which the chart compares as numbers: helm
//!   refuses them quoted, and so does capiform; nor `controlPlane.remediationStrategy.maxRetry`
//!   and the ports of security group rules and of `controlPlaneEndpoint`, which the chart copies as the string the API
//!   server refuses, and capiform refuses).
//!
//! Fractions for integers, other strings for booleans and numbers stay errors of the
//! values checks.

use serde_json::{Map, Value};

use crate::error::Warning;
use crate::schema::Node;

/// Rewrite the values that typed fields accept in another spelling to their typed
/// form, following the values schema; a warning for each string `"false"`.
///
/// ```
/// use serde_json::json;
/// let schema = capiform::schema::compiled_schema("v1").unwrap();
/// let mut v = json!({"nodeGroups": [{"autoscale": "true", "machineCount": 2.0}], "apiServer": {"port": "443"}});
/// let mut warnings = Vec::new();
/// capiform::values::tolerance::tolerate(schema, &mut v, "values.yaml", &mut warnings);
/// assert_eq!(v, json!({"nodeGroups": [{"autoscale": true, "machineCount": 2}], "apiServer": {"port": 443}}));
/// assert!(warnings.is_empty());
/// ```
pub fn tolerate(schema: &Node, values: &mut Value, source: &str, warnings: &mut Vec<Warning>) {
    let mut walker = Walker {
        root: schema,
        source,
        warnings,
    };
    walker.walk(schema, values, "");
}

struct Walker<'a, 'w> {
    root: &'a Node,
    source: &'a str,
    warnings: &'w mut Vec<Warning>,
}

impl<'a> Walker<'a, '_> {
    /// The schema a `$ref` points to, and the branch of an `anyOf`/`oneOf` that fits
    /// the value's kind.
    fn resolve(&self, mut schema: &'a Node, value: &Value) -> &'a Node {
        for _ in 0..16 {
            if let Some(Node::Str(r)) = get(schema, "$ref") {
                let name = r.rsplit('/').next().unwrap_or_default();
                match get(self.root, "definitions").and_then(|d| get(d, name)) {
                    Some(s) => schema = s,
                    None => return schema,
                }
                continue;
            }
            let branches = match get(schema, "anyOf").or_else(|| get(schema, "oneOf")) {
                Some(Node::Arr(items)) => Some(*items),
                _ => None,
            };
            if let Some(branches) = branches {
                let fits = branches
                    .iter()
                    .find(|b| !is_null_schema(b) && kind_fits(b, value));
                match fits.or_else(|| branches.iter().find(|b| !is_null_schema(b))) {
                    Some(b) => schema = b,
                    None => return schema,
                }
                continue;
            }
            break;
        }
        schema
    }

    fn walk(&mut self, schema: &'a Node, value: &mut Value, path: &str) {
        let schema = self.resolve(schema, value);
        match value {
            Value::Object(map) => self.walk_map(schema, map, path),
            Value::Array(items) => {
                if let Some(item_schema) = get(schema, "items") {
                    for (i, item) in items.iter_mut().enumerate() {
                        self.walk(item_schema, item, &format!("{path}[{i}]"));
                    }
                }
            }
            Value::String(_) | Value::Number(_) => self.scalar(schema, value, path),
            _ => {}
        }
    }

    fn walk_map(&mut self, schema: &'a Node, map: &mut Map<String, Value>, path: &str) {
        let properties = get(schema, "properties");
        let additional = get(schema, "additionalProperties").filter(|a| matches!(a, Node::Obj(_)));
        for (key, value) in map.iter_mut() {
            let child = properties.and_then(|p| get(p, key)).or(additional);
            if let Some(child) = child {
                let path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                self.walk(child, value, &path);
            }
        }
    }

    fn scalar(&mut self, schema: &Node, value: &mut Value, path: &str) {
        let types = types(schema);
        if types.contains(&"string") {
            return;
        }
        if types.contains(&"boolean") {
            if let Some(text) = value.as_str() {
                if text.eq_ignore_ascii_case("true") {
                    *value = Value::Bool(true);
                } else if text.eq_ignore_ascii_case("false") {
                    self.warnings.push(Warning::about(
                        self.source,
                        path,
                        format!(
                            "{path}: the string \"{text}\" is read as the boolean false; helm's chart would read any non-empty string as true: write false without quotes"
                        ),
                    ));
                    *value = Value::Bool(false);
                }
            }
            return;
        }
        if types.contains(&"integer") {
            let whole = match value {
                Value::Number(n) if n.is_f64() => n
                    .as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15)
                    .map(|f| f as i64),
                Value::String(s) if !quoted_stays_text(path) => integer_text(s),
                _ => None,
            };
            if let Some(i) = whole {
                *value = Value::from(i);
            }
        }
    }
}

/// A key of a schema mapping.
fn get<'n>(schema: &'n Node, key: &str) -> Option<&'n Node> {
    match schema {
        Node::Obj(entries) => entries
            .binary_search_by(|(k, _)| (*k).cmp(key))
            .ok()
            .map(|i| &entries[i].1),
        _ => None,
    }
}

fn types(schema: &Node) -> Vec<&'static str> {
    match get(schema, "type") {
        Some(Node::Str(t)) => vec![*t],
        Some(Node::Arr(ts)) => ts
            .iter()
            .filter_map(|t| match t {
                Node::Str(s) => Some(*s),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn is_null_schema(schema: &Node) -> bool {
    types(schema) == ["null"]
}

/// Whether a schema branch can describe a value of this kind (a `$ref` can describe
/// anything, as far as this cheap test goes).
fn kind_fits(schema: &Node, value: &Value) -> bool {
    if get(schema, "$ref").is_some() {
        return value.is_object();
    }
    let types = types(schema);
    match value {
        Value::Object(_) => types.contains(&"object"),
        Value::Array(_) => types.contains(&"array"),
        _ => !types.contains(&"object") && !types.contains(&"array"),
    }
}

/// Integer fields where a quoted number is not read as one: those the chart compares as
/// numbers (`lt`), where helm refuses a quoted number, and those it copies into an
/// object verbatim (`toYaml`), where the quoted number stays a string that the API
/// server refuses for an integer field.
fn quoted_stays_text(path: &str) -> bool {
    path.ends_with("machineCountMin")
        || path.ends_with("machineCountMax")
        || path.ends_with("remediationStrategy.maxRetry")
        || path == "controlPlaneEndpoint.port"
        || (path.contains("SecurityGroupRules[")
            && (path.ends_with(".portRangeMin") || path.ends_with(".portRangeMax")))
}

/// A decimal integer written as text (`"3"`, `"-1"`), as the chart would print it.
fn integer_text(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tolerated(v: Value) -> (Value, Vec<Warning>) {
        let schema = crate::schema::compiled_schema("v1").unwrap();
        let mut v = v;
        let mut w = Vec::new();
        tolerate(schema, &mut v, "v.yaml", &mut w);
        (v, w)
    }

    #[test]
    fn boolean_strings_whole_floats_and_quoted_integers() {
        let (v, w) = tolerated(json!({
            "nodeGroups": [{"autoscale": "TRUE", "machineCount": 3.0, "machineCountMin": 1.0}],
            "apiServer": {"associateFloatingIP": "false", "port": 6443.0},
            "addons": {"monitoring": {"enabled": "true"}},
        }));
        assert_eq!(
            v,
            json!({
                "nodeGroups": [{"autoscale": true, "machineCount": 3, "machineCountMin": 1}],
                "apiServer": {"associateFloatingIP": false, "port": 6443},
                "addons": {"monitoring": {"enabled": true}},
            })
        );
        assert_eq!(w.len(), 1);
        assert!(
            w[0].message
                .starts_with("apiServer.associateFloatingIP: the string \"false\"")
        );
    }

    #[test]
    fn what_stays_an_error_is_left_alone() {
        let given = json!({
            "nodeGroups": [{"autoscale": "maybe", "machineCount": 2.5, "machineCountMax": "3"}],
            "kubernetesVersion": 1.3,
            "osDistro": "true",
        });
        let (v, w) = tolerated(given.clone());
        assert_eq!(v, given);
        assert!(w.is_empty());
    }
}

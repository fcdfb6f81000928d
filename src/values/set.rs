//! Parsing of `--set` and `--set-string` arguments, as Helm accepts them.
//!
//! `a.b=1,c[0].d=x` sets nested keys; `\,` and `\.` escape separators; `{a,b}` is a list.
//! With `--set`, `true`/`false`, `null` and integers are typed; with `--set-string`
//! every value stays a string.

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// Parse one `--set` (typed) or `--set-string` (`strings = true`) argument into a values tree.
///
/// ```
/// use serde_json::json;
/// let v = capiform::values::set::parse_set("nodeGroups[0].machineCount=3,osDistro=flatcar", false).unwrap();
/// assert_eq!(v, json!({"nodeGroups": [{"machineCount": 3}], "osDistro": "flatcar"}));
/// ```
pub fn parse_set(arg: &str, strings: bool) -> Result<Value> {
    let mut root = Value::Object(Map::new());
    for assignment in split_unescaped(arg, ',', true) {
        if assignment.is_empty() {
            continue;
        }
        let Some((key, value)) = split_key_value(&assignment) else {
            return Err(Error::Usage(format!(
                "--set {arg}: expected KEY=VALUE, got '{assignment}'"
            )));
        };
        let path = parse_path(&key).map_err(|m| Error::Usage(format!("--set {arg}: {m}")))?;
        let value = parse_value(&value, strings);
        assign(&mut root, &path, value).map_err(|m| Error::Usage(format!("--set {arg}: {m}")))?;
    }
    Ok(root)
}

enum Segment {
    Key(String),
    Index(usize),
}

fn split_unescaped(s: &str, sep: char, respect_braces: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0usize;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                cur.push(c);
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '{' if respect_braces => {
                depth += 1;
                cur.push(c)
            }
            '}' if respect_braces => {
                depth = depth.saturating_sub(1);
                cur.push(c)
            }
            c if c == sep && depth == 0 => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn split_key_value(s: &str) -> Option<(String, String)> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '=' => return Some((s[..i].to_string(), s[i + 1..].to_string())),
            _ => {}
        }
    }
    None
}

fn parse_path(key: &str) -> std::result::Result<Vec<Segment>, String> {
    let mut segs = Vec::new();
    for part in split_unescaped(key, '.', false) {
        let mut name = String::new();
        let mut rest = part.as_str();
        // key part up to first unescaped '['
        let mut chars = rest.char_indices().peekable();
        let mut cut = rest.len();
        let mut escaped = false;
        for (i, c) in chars.by_ref() {
            if escaped {
                name.push(c);
                escaped = false;
                continue;
            }
            match c {
                '\\' => escaped = true,
                '[' => {
                    cut = i;
                    break;
                }
                c => name.push(c),
            }
        }
        if !name.is_empty() {
            segs.push(Segment::Key(name));
        } else if cut == rest.len() {
            return Err(format!("empty key segment in '{key}'"));
        }
        rest = &rest[cut..];
        while !rest.is_empty() {
            let close = rest
                .find(']')
                .ok_or_else(|| format!("unclosed '[' in '{key}'"))?;
            let idx: usize = rest[1..close].trim().parse().map_err(|_| {
                format!(
                    "list index '{}' in '{key}' is not a number",
                    &rest[1..close]
                )
            })?;
            if idx > 10_000 {
                return Err(format!(
                    "list index {idx} in '{key}' is too large (at most 10000)"
                ));
            }
            segs.push(Segment::Index(idx));
            rest = &rest[close + 1..];
            if !rest.is_empty() && !rest.starts_with('[') {
                return Err(format!("unexpected '{rest}' after ']' in '{key}'"));
            }
        }
    }
    if segs.is_empty() {
        return Err("empty key".into());
    }
    Ok(segs)
}

fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn parse_value(raw: &str, strings: bool) -> Value {
    if raw.starts_with('{') && raw.ends_with('}') && raw.len() >= 2 {
        let inner = &raw[1..raw.len() - 1];
        if inner.is_empty() {
            return Value::Array(vec![]);
        }
        return Value::Array(
            split_unescaped(inner, ',', true)
                .iter()
                .map(|s| parse_value(s, strings))
                .collect(),
        );
    }
    let s = unescape(raw);
    if strings {
        return Value::String(s);
    }
    match s.as_str() {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" => Value::Null,
        _ => {
            if let Ok(i) = s.parse::<i64>() {
                if !(s.len() > 1 && s.starts_with('0')) {
                    return Value::from(i);
                }
            }
            Value::String(s)
        }
    }
}

fn assign(target: &mut Value, path: &[Segment], value: Value) -> std::result::Result<(), String> {
    let Some((first, rest)) = path.split_first() else {
        *target = value;
        return Ok(());
    };
    match first {
        Segment::Key(k) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            let map = target.as_object_mut().expect("object");
            if rest.is_empty() {
                map.insert(k.clone(), value);
                return Ok(());
            }
            let child = map.entry(k.clone()).or_insert(Value::Null);
            assign(child, rest, value)
        }
        Segment::Index(i) => {
            if !target.is_array() {
                *target = Value::Array(vec![]);
            }
            let list = target.as_array_mut().expect("array");
            while list.len() <= *i {
                list.push(Value::Null);
            }
            assign(&mut list[*i], rest, value)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn typed_and_string_values() {
        assert_eq!(
            parse_set("a=1,b=true,c=x", false).unwrap(),
            json!({"a": 1, "b": true, "c": "x"})
        );
        assert_eq!(
            parse_set("a=1,b=true", true).unwrap(),
            json!({"a": "1", "b": "true"})
        );
    }

    #[test]
    fn escapes_and_lists() {
        assert_eq!(
            parse_set(r"annotations.example\.com/x=1\,2,l={a,b}", false).unwrap(),
            json!({"annotations": {"example.com/x": "1,2"}, "l": ["a", "b"]})
        );
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert!(parse_set("novalue", false).is_err());
        assert!(parse_set("a[x]=1", false).is_err());
        assert!(parse_set("a[1", false).is_err());
        assert!(parse_set("a[99999999]=1", false).is_err());
    }
}

//! Helm's `--set` family, parsed *into* the values of the `-f` files as helm's
//! `strvals` does: `nodeGroups[0].machineCount=5` edits the first node group the files
//! gave (its other keys stay, and so do the other node groups).
//!
//! The syntax, as helm reads it:
//! - `a.b=1,c=2`: several assignments, `.` nests into mappings (at most 30 levels);
//! - `list[0]=x`, `list[1].key=y`, `m[0][1]=z`: list entries, the list grows with
//!   nulls up to the index (at most 65536);
//! - `\` escapes the next character in keys and values (`a\.b=1\,2` sets the key
//!   `a.b` to `1,2`);
//! - `a={x,y}` is a list, `a=` the empty string.
//!
//! Values: `--set` reads `true`/`false`/`null` (any case) and decimal integers that do
//! not start with `0` (an `i64`; `0` itself too), everything else is a string;
//! `--set-string` keeps strings; `--set-json` reads JSON (numbers are float64);
//! `--set-file` reads the named file's text; `--set-literal` takes everything after
//! the first `=` as one string (no `,` splitting, no escapes).

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// Deepest `a.b.c` nesting helm accepts in a key.
const MAX_NESTING: usize = 30;

/// Largest list index helm accepts.
const MAX_INDEX: usize = 65536;

/// How the values of an argument are read.
///
/// ```
/// use capiform::values::set::{SetKind, apply};
/// let mut v = serde_json::json!({});
/// apply(&mut v, "a=007", SetKind::Typed, &mut |_| unreachable!()).unwrap();
/// assert_eq!(v, serde_json::json!({"a": "007"}));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetKind {
    /// `--set`: booleans, null and integers typed.
    Typed,
    /// `--set-string`: strings.
    String,
    /// `--set-json`: JSON values.
    Json,
    /// `--set-file`: the value names a file whose text is the value.
    File,
    /// `--set-literal`: one key, the rest of the argument is the value.
    Literal,
}

impl SetKind {
    /// The flag's name, for messages.
    ///
    /// ```
    /// assert_eq!(capiform::values::set::SetKind::Json.flag(), "--set-json");
    /// ```
    pub fn flag(self) -> &'static str {
        match self {
            SetKind::Typed => "--set",
            SetKind::String => "--set-string",
            SetKind::Json => "--set-json",
            SetKind::File => "--set-file",
            SetKind::Literal => "--set-literal",
        }
    }
}

/// Parse one `--set` (typed) or `--set-string` (`strings = true`) argument into a
/// values tree of its own.
///
/// ```
/// use serde_json::json;
/// let v = capiform::values::set::parse_set("nodeGroups[0].machineCount=3,osDistro=flatcar", false).unwrap();
/// assert_eq!(v, json!({"nodeGroups": [{"machineCount": 3}], "osDistro": "flatcar"}));
/// ```
pub fn parse_set(arg: &str, strings: bool) -> Result<Value> {
    let mut root = Value::Object(Map::new());
    let kind = if strings {
        SetKind::String
    } else {
        SetKind::Typed
    };
    apply(&mut root, arg, kind, &mut |_| unreachable!("no files"))?;
    Ok(root)
}

/// Apply one argument of the `--set` family to `values` (the merged `-f` values), as
/// helm's `strvals.ParseInto` does. `read_file` gives the text of a `--set-file` path.
/// Errors name the flag and the argument.
///
/// ```
/// use capiform::values::set::{SetKind, apply};
/// use serde_json::json;
/// let mut v = json!({"nodeGroups": [{"name": "a", "machineCount": 1.0}, {"name": "b"}]});
/// apply(&mut v, "nodeGroups[0].machineCount=5", SetKind::Typed, &mut |_| unreachable!()).unwrap();
/// assert_eq!(v, json!({"nodeGroups": [{"name": "a", "machineCount": 5}, {"name": "b"}]}));
/// ```
pub fn apply(
    values: &mut Value,
    arg: &str,
    kind: SetKind,
    read_file: &mut dyn FnMut(&str) -> std::result::Result<String, String>,
) -> Result<()> {
    if !values.is_object() {
        *values = Value::Object(Map::new());
    }
    let map = values.as_object_mut().expect("a mapping");
    let mut parser = Parser {
        chars: arg.chars().collect(),
        at: 0,
        kind,
        read_file,
    };
    parser
        .parse(map)
        .map_err(|m| Error::Usage(format!("{} {arg}: {m}", kind.flag())))
}

struct Parser<'f> {
    chars: Vec<char>,
    at: usize,
    kind: SetKind,
    read_file: &'f mut dyn FnMut(&str) -> std::result::Result<String, String>,
}

type Parse<T> = std::result::Result<T, String>;

impl Parser<'_> {
    fn parse(&mut self, data: &mut Map<String, Value>) -> Parse<()> {
        while self.at < self.chars.len() {
            self.key(data, 0)?;
        }
        Ok(())
    }

    /// Characters up to one of `stop` (not consumed into the result), with `\`
    /// escapes; the stop character found, `None` at the end.
    fn until(&mut self, stop: &[char]) -> (String, Option<char>) {
        let mut out = String::new();
        while let Some(&c) = self.chars.get(self.at) {
            self.at += 1;
            if stop.contains(&c) {
                return (out, Some(c));
            }
            if c == '\\' && self.kind != SetKind::Literal {
                match self.chars.get(self.at) {
                    Some(&n) => {
                        out.push(n);
                        self.at += 1;
                    }
                    None => return (out, None),
                }
                continue;
            }
            out.push(c);
        }
        (out, None)
    }

    fn key(&mut self, data: &mut Map<String, Value>, nesting: usize) -> Parse<()> {
        let stop: &[char] = if self.kind == SetKind::Literal {
            &['=', '[', '.']
        } else {
            &['=', '[', ',', '.']
        };
        let (key, last) = self.until(stop);
        match last {
            None if key.is_empty() => Ok(()),
            None => Err(format!("key '{key}' has no value")),
            Some(',') => Err(format!("key '{key}' has no value (cannot end with ,)")),
            Some('[') => {
                let index = self.index()?;
                let list = match data.remove(&key) {
                    None => Vec::new(),
                    Some(Value::Array(list)) => list,
                    Some(other) => {
                        return Err(format!(
                            "'{key}' is {} in the values, not a list",
                            super::kind_name(&other)
                        ));
                    }
                };
                let list = self.list_item(list, index, nesting)?;
                set(data, key, Value::Array(list));
                Ok(())
            }
            Some('=') => {
                let value = self.value()?;
                set(data, key, value);
                Ok(())
            }
            Some(_) => {
                let nesting = nesting + 1;
                if nesting > MAX_NESTING {
                    return Err(format!(
                        "keys nest deeper than {MAX_NESTING} levels, the most helm accepts"
                    ));
                }
                let mut inner = match data.remove(&key) {
                    None | Some(Value::Null) => Map::new(),
                    Some(Value::Object(m)) => m,
                    Some(other) => {
                        return Err(format!(
                            "'{key}' is {} in the values, not a mapping",
                            super::kind_name(&other)
                        ));
                    }
                };
                let result = self.key(&mut inner, nesting);
                if result.is_ok() && inner.is_empty() {
                    return Err(format!("key map '{key}' has no value"));
                }
                if !inner.is_empty() {
                    set(data, key, Value::Object(inner));
                }
                result
            }
        }
    }

    fn index(&mut self) -> Parse<usize> {
        let (text, last) = self.until(&[']']);
        if last.is_none() {
            return Err(format!("unclosed '[{text}'"));
        }
        let index: i64 = text
            .parse()
            .map_err(|_| format!("list index '{text}' is not a number"))?;
        if index < 0 {
            return Err(format!("negative list index {index} is not allowed"));
        }
        let index = index as usize;
        if index > MAX_INDEX {
            return Err(format!(
                "list index {index} is greater than {MAX_INDEX}, the most helm accepts"
            ));
        }
        Ok(index)
    }

    fn list_item(
        &mut self,
        mut list: Vec<Value>,
        index: usize,
        nesting: usize,
    ) -> Parse<Vec<Value>> {
        let (rest, last) = self.until(&['[', '.', '=']);
        if !rest.is_empty() {
            return Err(format!("unexpected '{rest}' after a list index"));
        }
        let value = match last {
            None => return Err("a list index must be followed by '=', '.' or '['".into()),
            Some('=') => self.value()?,
            Some('[') => {
                let next = self.index()?;
                let inner = match list.get_mut(index).map(std::mem::take) {
                    None | Some(Value::Null) => Vec::new(),
                    Some(Value::Array(l)) => l,
                    Some(other) => {
                        return Err(format!(
                            "entry {index} is {} in the values, not a list",
                            super::kind_name(&other)
                        ));
                    }
                };
                Value::Array(self.list_item(inner, next, nesting)?)
            }
            Some(_) => {
                // An entry the values already have keeps its other keys.
                let mut inner = match list.get_mut(index).map(std::mem::take) {
                    Some(Value::Object(m)) => m,
                    _ => Map::new(),
                };
                self.key(&mut inner, nesting)?;
                Value::Object(inner)
            }
        };
        if list.len() <= index {
            list.resize(index + 1, Value::Null);
        }
        list[index] = value;
        Ok(list)
    }

    /// The value after `=`, read as the flag reads values.
    fn value(&mut self) -> Parse<Value> {
        match self.kind {
            SetKind::Literal => {
                let rest: String = self.chars[self.at..].iter().collect();
                self.at = self.chars.len();
                Ok(Value::String(rest))
            }
            SetKind::Json => self.json_value(),
            _ => {
                if self.chars.get(self.at) == Some(&'{') {
                    self.at += 1;
                    return self.list_value();
                }
                let (text, _) = self.until(&[',']);
                self.scalar(text)
            }
        }
    }

    fn scalar(&mut self, text: String) -> Parse<Value> {
        Ok(match self.kind {
            SetKind::Typed => typed_value(text),
            SetKind::File => Value::String(
                (self.read_file)(&text).map_err(|e| format!("cannot read '{text}': {e}"))?,
            ),
            _ => Value::String(text),
        })
    }

    /// `{a,b}` after its `{`.
    fn list_value(&mut self) -> Parse<Value> {
        let mut items = Vec::new();
        loop {
            let (text, last) = self.until(&[',', '}']);
            match last {
                None => return Err("a list must end with '}'".into()),
                Some('}') => {
                    items.push(self.scalar(text)?);
                    if self.chars.get(self.at) == Some(&',') {
                        self.at += 1;
                    }
                    return Ok(Value::Array(items));
                }
                Some(_) => items.push(self.scalar(text)?),
            }
        }
    }

    /// A JSON value (empty: null), then optional spaces and a comma.
    fn json_value(&mut self) -> Parse<Value> {
        if self.skip_blank_and_comma() {
            return Ok(Value::Null);
        }
        let rest: String = self.chars[self.at..].iter().collect();
        let mut stream = serde_json::Deserializer::from_str(&rest).into_iter::<Value>();
        let value = match stream.next() {
            Some(Ok(v)) => v,
            Some(Err(e)) => return Err(format!("invalid JSON value: {e}")),
            None => Value::Null,
        };
        let used = rest[..stream.byte_offset()].chars().count();
        self.at += used;
        // Spaces and a comma may follow; another key may also follow directly, as in helm.
        self.skip_blank_and_comma();
        Ok(as_float64(value))
    }

    /// Skip spaces; `true` when the value is empty (end, or a comma, which is consumed).
    fn skip_blank_and_comma(&mut self) -> bool {
        while let Some(&c) = self.chars.get(self.at) {
            if c == ',' {
                self.at += 1;
                return true;
            }
            if !c.is_whitespace() {
                return false;
            }
            self.at += 1;
        }
        true
    }
}

/// Helm's `--set` typing: `true`/`false`/`null` in any case, `0`, and decimal integers
/// not starting with `0` are typed; the rest is a string (`1.5`, `007`, `1e3`).
fn typed_value(text: String) -> Value {
    if text.eq_ignore_ascii_case("true") {
        return Value::Bool(true);
    }
    if text.eq_ignore_ascii_case("false") {
        return Value::Bool(false);
    }
    if text.eq_ignore_ascii_case("null") {
        return Value::Null;
    }
    if text == "0" {
        return Value::from(0i64);
    }
    if !text.starts_with('0')
        && let Ok(i) = text.parse::<i64>()
    {
        return Value::from(i);
    }
    Value::String(text)
}

/// Numbers of a JSON value as Go's JSON decoder gives them: float64.
fn as_float64(v: Value) -> Value {
    match v {
        Value::Number(n) => n
            .as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number),
        Value::Array(items) => Value::Array(items.into_iter().map(as_float64).collect()),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, as_float64(v))).collect()),
        other => other,
    }
}

/// Helm ignores an assignment to an empty key.
fn set(data: &mut Map<String, Value>, key: String, value: Value) {
    if !key.is_empty() {
        data.insert(key, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn set_into(values: Value, arg: &str, kind: SetKind) -> Result<Value> {
        let mut v = values;
        apply(&mut v, arg, kind, &mut |path| {
            (path == "ca.pem")
                .then(|| "-----BEGIN CERTIFICATE-----\n".to_string())
                .ok_or_else(|| "no such file".to_string())
        })?;
        Ok(v)
    }

    fn typed(arg: &str) -> Value {
        set_into(json!({}), arg, SetKind::Typed).unwrap()
    }

    #[test]
    fn typed_and_string_values() {
        assert_eq!(
            typed("a=1,b=true,c=x,d=TRUE,e=Null,f=0,g=007,h=1.5,i=-3,j=+4,k="),
            json!({"a": 1, "b": true, "c": "x", "d": true, "e": null, "f": 0, "g": "007", "h": "1.5", "i": -3, "j": 4, "k": ""})
        );
        assert!(typed("a=1")["a"].is_i64());
        assert_eq!(
            set_into(json!({}), "a=1,b=true", SetKind::String).unwrap(),
            json!({"a": "1", "b": "true"})
        );
    }

    #[test]
    fn escapes_and_lists() {
        assert_eq!(
            typed(r"annotations.example\.com/x=1\,2,l={a,b},e={}"),
            json!({"annotations": {"example.com/x": "1,2"}, "l": ["a", "b"], "e": [""]})
        );
        assert_eq!(typed("a[2]=x"), json!({"a": [null, null, "x"]}));
        assert_eq!(typed("a[0][1]=x"), json!({"a": [[null, "x"]]}));
        assert_eq!(typed("a[1].b=x"), json!({"a": [null, {"b": "x"}]}));
    }

    #[test]
    fn an_index_edits_the_entry_of_the_files() {
        let files = json!({"nodeGroups": [{"name": "a", "machineCount": 1.0}, {"name": "b"}], "x": {"y": 1}});
        let v = set_into(
            files,
            "nodeGroups[0].machineCount=5,nodeGroups[1].machineFlavor=big,x.z=2",
            SetKind::Typed,
        )
        .unwrap();
        assert_eq!(
            v,
            json!({"nodeGroups": [{"name": "a", "machineCount": 5}, {"name": "b", "machineFlavor": "big"}], "x": {"y": 1, "z": 2}})
        );
    }

    #[test]
    fn json_file_and_literal() {
        assert_eq!(
            set_into(
                json!({}),
                r#"a={"b": [1, "x"]},c=2 ,d="s",e="#,
                SetKind::Json
            )
            .unwrap(),
            json!({"a": {"b": [1.0, "x"]}, "c": 2.0, "d": "s", "e": null})
        );
        assert_eq!(
            set_into(json!({}), "cloudCACert=ca.pem", SetKind::File).unwrap(),
            json!({"cloudCACert": "-----BEGIN CERTIFICATE-----\n"})
        );
        let err = set_into(json!({}), "cloudCACert=nope.pem", SetKind::File).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--set-file cloudCACert=nope.pem: cannot read 'nope.pem': no such file"
        );
        assert_eq!(
            set_into(json!({}), r"a.b[1]=x,y=z\n", SetKind::Literal).unwrap(),
            json!({"a": {"b": [null, r"x,y=z\n"]}})
        );
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let bad = [
            "novalue",
            "a[x]=1",
            "a[1",
            "a[99999999]=1",
            "a,b=1",
            "a[-1]=2",
            "a[0]x=1",
            "a.=1",
            "a={x",
        ];
        for arg in bad {
            assert!(set_into(json!({}), arg, SetKind::Typed).is_err(), "{arg}");
        }
        assert!(set_into(json!({"a": 1}), "a.b=1", SetKind::Typed).is_err());
        assert!(set_into(json!({"a": {}}), "a[0]=1", SetKind::Typed).is_err());
        let deep = format!("{}=1", vec!["k"; 40].join("."));
        assert!(set_into(json!({}), &deep, SetKind::Typed).is_err());
        assert!(set_into(json!({}), "a=[1", SetKind::Json).is_err());
    }
}

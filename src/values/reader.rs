//! The values reader: YAML read as helm reads a values file.
//!
//! Helm reads values with a YAML 1.1 library (go-yaml v2 under `sigs.k8s.io/yaml`),
//! converts the result to JSON and reads that back, so:
//!
//! - `y`, `yes`, `on`, `n`, `no`, `off` (lower, capitalised and upper case) are
//!   booleans besides `true`/`false`; `~`, `null`, `Null`, `NULL` and nothing are null;
//! - integers may be octal (`0644` is 420), hex (`0x1F`), binary (`0b101`), signed and
//!   underscored (`1_000`); every number becomes a float64 (`2` is 2.0, integers beyond
//!   2^53 lose digits); `.inf` and `.nan` are refused (JSON has no such numbers), and a
//!   float too large for a float64 (`1e400`) stays a string;
//! - keys that read as booleans or numbers become their text (`on:` is the key
//!   `"true"`, `0x10:` is `"16"`); a null key is refused;
//! - merge keys (`<<: *base`, `<<: [*a, *b]`) merge, in helm's order: a merge replaces
//!   the keys written before it, the first map of a list wins over the later ones;
//! - only the first document of a file is read.
//!
//! Where capiform is stricter than helm: a key written twice in one mapping is refused
//! (helm keeps the last and drops the first silently). Where YAML 1.2 (and most
//! editors and linters) would read a plain scalar differently, a [`Warning`] names the
//! line and the fix.

use std::collections::HashMap;

use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::error::{Error, Result, Warning};

/// Deepest nesting of collections accepted.
const MAX_DEPTH: usize = 200;

/// Most values that aliases may copy in one document (guards against alias bombs).
const MAX_ALIAS_NODES: usize = 100_000;

/// Read one values document as helm does: the value (a mapping; an empty or null
/// document is an empty mapping) and the warnings about readings that differ from
/// YAML 1.2's.
///
/// ```
/// use capiform::values::read_values;
/// let (v, warnings) = read_values("v.yaml", "a: yes\nb: 0644\nc: 2\n").unwrap();
/// assert_eq!(v, serde_json::json!({"a": true, "b": 420.0, "c": 2.0}));
/// assert_eq!(warnings[0].to_string(),
///     "v.yaml:1: `yes` reads as the boolean true, as helm reads YAML (1.1); quote it to keep the string \"yes\"");
/// let err = read_values("v.yaml", "a: 1\nb: 2\na: 3\n").unwrap_err();
/// assert_eq!(err.to_string(),
///     "v.yaml: line 3: the key 'a' is given twice in one mapping (first at line 1); YAML forbids duplicate keys (helm would silently keep only the last one)");
/// ```
pub fn read_values(name: &str, text: &str) -> Result<(Value, Vec<Warning>)> {
    let mut reader = Reader {
        parser: Parser::new_from_str(text),
        name,
        anchors: HashMap::new(),
        warnings: Vec::new(),
        alias_nodes: 0,
    };
    let value = reader.document()?;
    let value = match value {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(v @ Value::Object(_)) => v,
        Some(other) => {
            return Err(Error::Yaml {
                file: name.to_string(),
                message: format!(
                    "the values document must be a mapping of keys to values, got {}",
                    super::kind_name(&other)
                ),
            });
        }
    };
    Ok((value, reader.warnings))
}

/// The line (1-based) where a values file writes the field at `path` (dotted keys and
/// list indexes, as warnings name fields: `nodeGroups[1].autoscale`), or `None` when the
/// text does not write it (it came from a merge key or an alias) or does not parse.
/// Keys are compared as written, which is how warnings name them.
///
/// ```
/// use capiform::values::line_of_field;
/// let text = "apiServer:\n  port: 6443\n  allowedCidrs: [10.0.0.0/8, bad]\nnodeGroups:\n- name: a\n- name: b\n  autoscale: 'no'\n";
/// assert_eq!(line_of_field(text, "apiServer.allowedCidrs"), Some(3));
/// assert_eq!(line_of_field(text, "apiServer.allowedCidrs[1]"), Some(3));
/// assert_eq!(line_of_field(text, "nodeGroups[1].autoscale"), Some(7));
/// assert_eq!(line_of_field(text, "nodeGroups[2]"), None);
/// ```
pub fn line_of_field(text: &str, path: &str) -> Option<usize> {
    written_field(text, path).map(|w| w.line)
}

/// Where and how a values file writes a field: its line, and the scalar's text as
/// written when the field is a plain scalar (`0644`, `1e10`, `9223372036854775807`:
/// messages show a number as the author wrote it, not as helm's float64 reads it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenField {
    /// The line (1-based) of the field's key, or of the list item.
    pub line: usize,
    /// The text of a plain (unquoted) scalar value.
    pub plain: Option<String>,
}

/// [`WrittenField`] of the field at `path` (as [`line_of_field`] finds it).
///
/// ```
/// use capiform::values::written_field;
/// let text = "machineSSHKeyName: 0644\nnodeGroups:\n- name: a\n  machineCount: 1e10\n";
/// let w = written_field(text, "machineSSHKeyName").unwrap();
/// assert_eq!((w.line, w.plain.as_deref()), (1, Some("0644")));
/// let w = written_field(text, "nodeGroups[0].machineCount").unwrap();
/// assert_eq!((w.line, w.plain.as_deref()), (4, Some("1e10")));
/// assert_eq!(written_field(text, "nodeGroups[0]").unwrap().plain, None);
/// ```
pub fn written_field(text: &str, path: &str) -> Option<WrittenField> {
    let target = field_steps(path)?;
    let mut parser = Parser::new_from_str(text);
    let (line, key) = find_field(&mut parser, &target)?;
    let node = if key {
        parser.next_token().ok()?.0
    } else {
        return Some(WrittenField { line, plain: None });
    };
    let plain = match node {
        Event::Scalar(value, TScalarStyle::Plain, ..) => Some(value),
        _ => None,
    };
    Some(WrittenField { line, plain })
}

/// Read `parser` up to the field at `target`: its line, and whether the parser stopped
/// at its key (its value comes next) rather than at its node.
fn find_field(
    parser: &mut Parser<std::str::Chars<'_>>,
    target: &[String],
) -> Option<(usize, bool)> {
    enum Open {
        Map { key_next: bool },
        List { next: usize },
    }
    // The path of the node being read, and the collections it is in.
    let mut at: Vec<String> = Vec::new();
    let mut open: Vec<Open> = Vec::new();
    loop {
        let (event, mark) = parser.next_token().ok()?;
        match event {
            Event::StreamEnd | Event::DocumentEnd => return None,
            Event::MappingEnd | Event::SequenceEnd => {
                open.pop();
                // The collection was a value or an item: leave its place.
                if !open.is_empty() {
                    at.pop();
                }
                continue;
            }
            Event::Scalar(..)
            | Event::Alias(_)
            | Event::MappingStart(..)
            | Event::SequenceStart(..) => {}
            _ => continue,
        }
        match open.last_mut() {
            Some(Open::Map { key_next }) if *key_next => {
                *key_next = false;
                let Event::Scalar(key, ..) = event else {
                    return None;
                };
                at.push(key);
                if at == target {
                    return Some((mark.line(), true));
                }
                continue;
            }
            Some(Open::Map { key_next }) => *key_next = true,
            Some(Open::List { next }) => {
                at.push(next.to_string());
                *next += 1;
            }
            None => {}
        }
        if at == target {
            return Some((mark.line(), false));
        }
        match event {
            Event::MappingStart(..) => open.push(Open::Map { key_next: true }),
            Event::SequenceStart(..) => open.push(Open::List { next: 0 }),
            // A scalar or an alias: leave its place.
            _ if !open.is_empty() => {
                at.pop();
            }
            _ => {}
        }
    }
}

/// `nodeGroups[1].autoscale` as `["nodeGroups", "1", "autoscale"]`.
fn field_steps(path: &str) -> Option<Vec<String>> {
    let mut steps = Vec::new();
    for part in path.split('.') {
        let (name, mut rest) = part.split_once('[').map_or((part, ""), |(n, r)| (n, r));
        if !name.is_empty() {
            steps.push(name.to_string());
        }
        while !rest.is_empty() {
            let (index, after) = rest.split_once(']')?;
            steps.push(index.to_string());
            rest = after.strip_prefix('[').unwrap_or(after);
        }
    }
    Some(steps)
}

struct Reader<'a> {
    parser: Parser<std::str::Chars<'a>>,
    name: &'a str,
    anchors: HashMap<usize, Value>,
    warnings: Vec<Warning>,
    alias_nodes: usize,
}

/// A scalar as the YAML library resolves it, before helm's JSON round trip makes every
/// number a float64 (keys keep the integer text: `0x10:` is the key `"16"`).
#[derive(Debug, Clone, PartialEq)]
enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
}

impl<'a> Reader<'a> {
    fn next(&mut self) -> Result<(Event, Marker)> {
        self.parser.next_token().map_err(|e| Error::Yaml {
            file: self.name.to_string(),
            message: format!(
                "invalid YAML at line {}, column {}: {}",
                e.marker().line(),
                e.marker().col() + 1,
                e.info()
            ),
        })
    }

    fn error(&self, mark: Marker, message: impl std::fmt::Display) -> Error {
        Error::Yaml {
            file: self.name.to_string(),
            message: format!("line {}: {message}", mark.line()),
        }
    }

    fn warn(&mut self, mark: Marker, message: String) {
        self.warnings
            .push(Warning::at(self.name, Some(mark.line()), message));
    }

    /// The first document's value (`None` for an empty stream). Later documents are
    /// ignored with a warning, as helm ignores them.
    fn document(&mut self) -> Result<Option<Value>> {
        let mut value = None;
        loop {
            let (event, mark) = self.next()?;
            match event {
                Event::StreamEnd => return Ok(value),
                Event::DocumentStart if value.is_some() => {
                    self.warn(
                        mark,
                        "only the first YAML document of a values file is read (as helm does); this one is ignored".into(),
                    );
                    return Ok(value);
                }
                Event::StreamStart | Event::DocumentStart | Event::DocumentEnd => {}
                other => value = Some(self.node(other, mark, 0)?),
            }
        }
    }

    fn node(&mut self, event: Event, mark: Marker, depth: usize) -> Result<Value> {
        if depth > MAX_DEPTH {
            return Err(self.error(mark, format!("nested deeper than {MAX_DEPTH} levels")));
        }
        let (value, anchor) = match event {
            Event::Scalar(text, style, anchor, tag) => {
                let scalar = self.scalar(&text, style, tag.as_ref(), mark)?;
                (self.scalar_value(scalar, mark)?, anchor)
            }
            Event::Alias(id) => return self.alias(id, mark),
            Event::SequenceStart(anchor, _) => {
                let mut items = Vec::new();
                loop {
                    let (event, mark) = self.next()?;
                    if matches!(event, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(event, mark, depth + 1)?);
                }
                (Value::Array(items), anchor)
            }
            Event::MappingStart(anchor, _) => (self.mapping(depth)?, anchor),
            other => return Err(self.error(mark, format!("unexpected {other:?}"))),
        };
        if anchor > 0 {
            self.anchors.insert(anchor, value.clone());
        }
        Ok(value)
    }

    fn alias(&mut self, id: usize, mark: Marker) -> Result<Value> {
        let Some(value) = self.anchors.get(&id) else {
            return Err(self.error(mark, "an alias names an anchor not defined before it"));
        };
        self.alias_nodes += node_count(value);
        if self.alias_nodes > MAX_ALIAS_NODES {
            return Err(self.error(
                mark,
                format!("aliases expand to more than {MAX_ALIAS_NODES} values"),
            ));
        }
        Ok(value.clone())
    }

    fn mapping(&mut self, depth: usize) -> Result<Value> {
        let mut map = Map::new();
        // Lines of the keys written in this mapping (not those brought by merges).
        let mut written: HashMap<String, usize> = HashMap::new();
        loop {
            let (event, mark) = self.next()?;
            let key = match event {
                Event::MappingEnd => break,
                Event::Scalar(text, TScalarStyle::Plain, _, None) if text == "<<" => {
                    let (event, vmark) = self.next()?;
                    let merged = self.node(event, vmark, depth + 1)?;
                    self.merge(&mut map, &mut written, merged, mark)?;
                    continue;
                }
                Event::Scalar(text, style, anchor, tag) => {
                    let scalar = self.scalar(&text, style, tag.as_ref(), mark)?;
                    let key = self.key_text(scalar, &text, mark)?;
                    if anchor > 0 {
                        self.anchors.insert(anchor, Value::String(key.clone()));
                    }
                    key
                }
                Event::Alias(id) => {
                    let value = self.alias(id, mark)?;
                    match value {
                        Value::String(s) => s,
                        Value::Bool(b) => b.to_string(),
                        Value::Number(n) => go_number_text(n.as_f64().unwrap_or_default()),
                        _ => return Err(self.error(mark, "a key must be a scalar")),
                    }
                }
                _ => {
                    return Err(self.error(
                        mark,
                        "a key must be a scalar (a mapping or a list cannot be a key)",
                    ));
                }
            };
            if let Some(first) = written.get(&key) {
                return Err(self.error(
                    mark,
                    format!(
                        "the key '{key}' is given twice in one mapping (first at line {first}); YAML forbids duplicate keys (helm would silently keep only the last one)"
                    ),
                ));
            }
            written.insert(key.clone(), mark.line());
            let (event, vmark) = self.next()?;
            let value = self.node(event, vmark, depth + 1)?;
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }

    /// Apply a merge key's value: a mapping, or a list of mappings of which the first
    /// wins. As in helm, the merged keys replace keys written before the `<<`.
    fn merge(
        &mut self,
        map: &mut Map<String, Value>,
        written: &mut HashMap<String, usize>,
        merged: Value,
        mark: Marker,
    ) -> Result<()> {
        let maps = match merged {
            Value::Object(m) => vec![m],
            Value::Array(items) => {
                let mut maps = Vec::with_capacity(items.len());
                for item in items.into_iter().rev() {
                    match item {
                        Value::Object(m) => maps.push(m),
                        _ => {
                            return Err(self.error(
                                mark,
                                "a merge key (<<) takes a mapping or a list of mappings",
                            ));
                        }
                    }
                }
                maps
            }
            _ => {
                return Err(self.error(
                    mark,
                    "a merge key (<<) takes a mapping or a list of mappings",
                ));
            }
        };
        for m in maps {
            for (k, v) in m {
                if let Some(line) = written.remove(&k) {
                    self.warn(
                        mark,
                        format!(
                            "this merge key replaces '{k}' given at line {line} (helm applies merges in order); put `<<` first to keep the key written in the mapping"
                        ),
                    );
                }
                map.insert(k, v);
            }
        }
        Ok(())
    }

    /// A scalar's resolution, with a warning where YAML 1.2 reads a plain scalar
    /// differently.
    fn scalar(
        &mut self,
        text: &str,
        style: TScalarStyle,
        tag: Option<&Tag>,
        mark: Marker,
    ) -> Result<Scalar> {
        if let Some(tag) = tag {
            return self.tagged(text, tag, mark);
        }
        if style != TScalarStyle::Plain {
            return Ok(Scalar::Str(text.to_string()));
        }
        let scalar = resolve_plain(text);
        if let Some(message) = yaml12_difference(text, &scalar) {
            self.warn(mark, message);
        }
        Ok(scalar)
    }

    fn tagged(&mut self, text: &str, tag: &Tag, mark: Marker) -> Result<Scalar> {
        let standard = tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!";
        if !standard {
            return Ok(Scalar::Str(text.to_string()));
        }
        let resolved = resolve_plain(text);
        let fits = match (tag.suffix.as_str(), &resolved) {
            ("str", _) => return Ok(Scalar::Str(text.to_string())),
            ("null", Scalar::Null)
            | ("bool", Scalar::Bool(_))
            | ("int", Scalar::Int(_) | Scalar::Uint(_)) => true,
            ("float", Scalar::Int(i)) => return Ok(Scalar::Float(*i as f64)),
            ("float", Scalar::Uint(u)) => return Ok(Scalar::Float(*u as f64)),
            ("float", Scalar::Float(_)) => true,
            ("binary", _) => {
                return base64_text(text)
                    .map(Scalar::Str)
                    .ok_or_else(|| self.error(mark, "a !!binary value is not valid base64 text"));
            }
            ("null" | "bool" | "int" | "float", _) => false,
            _ => return Ok(Scalar::Str(text.to_string())),
        };
        if fits {
            Ok(resolved)
        } else {
            Err(self.error(
                mark,
                format!("`{text}` cannot be read as a !!{}", tag.suffix),
            ))
        }
    }

    fn scalar_value(&self, scalar: Scalar, mark: Marker) -> Result<Value> {
        Ok(match scalar {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Int(i) => float(i as f64),
            Scalar::Uint(u) => float(u as f64),
            Scalar::Float(f) => match Number::from_f64(f) {
                Some(n) => Value::Number(n),
                None => {
                    return Err(self.error(
                        mark,
                        "infinity and NaN are not values helm can read (JSON has no such numbers); quote the value to give a string",
                    ));
                }
            },
            Scalar::Str(s) => Value::String(s),
        })
    }

    /// A key's text as helm's YAML-to-JSON conversion writes it.
    fn key_text(&mut self, scalar: Scalar, text: &str, mark: Marker) -> Result<String> {
        Ok(match scalar {
            Scalar::Str(s) => s,
            Scalar::Bool(b) => b.to_string(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) if f.is_finite() => go_number_text(f),
            Scalar::Null => {
                return Err(self.error(
                    mark,
                    format!("`{text}` reads as null, which cannot be a key; quote it"),
                ));
            }
            Scalar::Uint(_) | Scalar::Float(_) => {
                return Err(self.error(
                    mark,
                    format!("the key `{text}` is a number helm cannot use as a key; quote it"),
                ));
            }
        })
    }
}

/// A float64 as a JSON number (finite by construction of the callers).
fn float(f: f64) -> Value {
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// Go's `%v` of a float64 (`1000`, `1.5`, `1e+21`).
fn go_number_text(f: f64) -> String {
    crate::helm_compat::go_string(&float(f))
}

fn node_count(v: &Value) -> usize {
    match v {
        Value::Array(items) => 1 + items.iter().map(node_count).sum::<usize>(),
        Value::Object(m) => 1 + m.values().map(node_count).sum::<usize>(),
        _ => 1,
    }
}

/// The words YAML 1.1 (and helm) reads as booleans, `true`/`false` included.
fn yaml11_bool(s: &str) -> Option<bool> {
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            Some(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            Some(false)
        }
        _ => None,
    }
}

/// A plain scalar resolved as go-yaml v2 resolves it.
fn resolve_plain(s: &str) -> Scalar {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Scalar::Null,
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Scalar::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Scalar::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Scalar::Float(f64::NAN),
        _ => {}
    }
    if let Some(b) = yaml11_bool(s) {
        return Scalar::Bool(b);
    }
    match s.as_bytes()[0] {
        b'0'..=b'9' | b'+' | b'-' => number(s).unwrap_or_else(|| Scalar::Str(s.to_string())),
        b'.' => {
            let plain = s.replace('_', "");
            match plain.parse::<f64>() {
                Ok(f) if f.is_finite() && is_yaml_float(&plain) => Scalar::Float(f),
                _ => Scalar::Str(s.to_string()),
            }
        }
        _ => Scalar::Str(s.to_string()),
    }
}

/// A scalar starting with a digit or a sign as a number: Go's `ParseInt(s, 0, 64)`,
/// then `ParseUint`, then a float of YAML's float syntax, all after removing `_`.
fn number(s: &str) -> Option<Scalar> {
    let plain = s.replace('_', "");
    if let Some(i) = go_parse_int(&plain) {
        return Some(match i64::try_from(i) {
            Ok(i) => Scalar::Int(i),
            Err(_) => Scalar::Uint(u64::try_from(i).ok()?),
        });
    }
    if is_yaml_float(&plain) {
        return plain
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Scalar::Float);
    }
    None
}

/// Go's `strconv.ParseInt(s, 0, 64)`/`ParseUint` syntax: an optional sign, then `0x`,
/// `0o`, `0b` or a leading `0` (octal) or decimal digits. `None` when the syntax does
/// not fit or the value is beyond `u64` (or below `i64`).
fn go_parse_int(s: &str) -> Option<i128> {
    let (negative, unsigned) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = unsigned.get(..2).map(str::to_ascii_lowercase);
    let (radix, digits) = match lower.as_deref() {
        Some("0x") => (16, &unsigned[2..]),
        Some("0o") => (8, &unsigned[2..]),
        Some("0b") => (2, &unsigned[2..]),
        _ if unsigned.len() > 1 && unsigned.starts_with('0') => (8, &unsigned[1..]),
        _ => (10, unsigned),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u128::from_str_radix(digits, radix).ok()?;
    if negative {
        let value = -i128::try_from(magnitude).ok()?;
        (value >= i128::from(i64::MIN)).then_some(value)
    } else {
        (magnitude <= u128::from(u64::MAX)).then_some(magnitude as i128)
    }
}

/// YAML's float syntax as go-yaml v2 checks it:
/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// A plain scalar as YAML 1.2's core schema reads it, where it is a number.
fn yaml12_number(s: &str) -> Option<f64> {
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    if let Some(hex) = s.strip_prefix("0x") {
        return u64::from_str_radix(hex, 16).ok().map(|u| u as f64);
    }
    if let Some(oct) = s.strip_prefix("0o") {
        return u64::from_str_radix(oct, 8).ok().map(|u| u as f64);
    }
    if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<f64>().ok();
    }
    is_yaml_float(s).then(|| s.parse::<f64>().ok()).flatten()
}

/// The warning for a plain scalar that YAML 1.2 reads otherwise than helm does.
fn yaml12_difference(text: &str, scalar: &Scalar) -> Option<String> {
    let keep = format!("quote it to keep the string \"{text}\"");
    match scalar {
        Scalar::Bool(b)
            if !matches!(text, "true" | "True" | "TRUE" | "false" | "False" | "FALSE") =>
        {
            Some(format!(
                "`{text}` reads as the boolean {b}, as helm reads YAML (1.1); {keep}"
            ))
        }
        Scalar::Int(_) | Scalar::Uint(_) | Scalar::Float(_) => {
            let helm = match scalar {
                Scalar::Int(i) => *i as f64,
                Scalar::Uint(u) => *u as f64,
                Scalar::Float(f) => *f,
                _ => unreachable!("numbers only"),
            };
            if !helm.is_finite() {
                return None;
            }
            match yaml12_number(text) {
                Some(n) if n == helm || (n == 0.0 && helm == 0.0) => None,
                _ => Some(format!(
                    "`{text}` reads as the number {}, as helm reads YAML (1.1); {keep}, or write {} for the number",
                    go_number_text(helm),
                    go_number_text(helm)
                )),
            }
        }
        _ => None,
    }
}

/// Standard base64 (with or without padding, line breaks ignored) decoded as UTF-8
/// text, as helm gives a `!!binary` value to templates.
fn base64_text(text: &str) -> Option<String> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(text: &str) -> Value {
        read_values("t.yaml", text).unwrap().0
    }

    fn one(text: &str) -> Value {
        read(&format!("v: {text}\n"))["v"].clone()
    }

    /// Each reading below was checked with helm 3.17.3 (`kindOf` and `toYaml` of the
    /// value in a chart's template).
    #[test]
    fn scalars_as_helm_reads_them() {
        for t in [
            "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE",
        ] {
            assert_eq!(one(t), json!(true), "{t}");
        }
        for t in [
            "n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "FALSE",
        ] {
            assert_eq!(one(t), json!(false), "{t}");
        }
        for t in [
            "tRUE",
            "yEs",
            "nULL",
            "1:30",
            "2001-12-14",
            "_1",
            "0x",
            "1e400",
            "+inf",
        ] {
            assert_eq!(one(t), json!(t), "{t}");
        }
        for t in ["~", "null", "Null", "NULL", "", "!!null \"\""] {
            assert_eq!(one(t), Value::Null, "{t}");
        }
        let numbers: &[(&str, f64)] = &[
            ("0644", 420.0),
            ("0x1F", 31.0),
            ("0X1F", 31.0),
            ("1_000", 1000.0),
            ("0b101", 5.0),
            ("1e3", 1000.0),
            ("1E3", 1000.0),
            (".5", 0.5),
            ("+1", 1.0),
            ("0o17", 15.0),
            ("08", 8.0),
            ("-0", 0.0),
            ("1.", 1.0),
            ("-0b11", -3.0),
            ("0x_1F", 31.0),
            ("1__0", 10.0),
            ("1_0.5", 10.5),
            ("+.5", 0.5),
            ("0.0", 0.0),
            ("-1_000", -1000.0),
            ("99999999999999999999999", 1e23),
            ("12345678901234567890", 12345678901234567890.0),
            ("-0x1F", -31.0),
            ("+0x1F", 31.0),
            (".5_0", 0.5),
            ("0.1e-2", 0.001),
            ("1_", 1.0),
            ("0_7", 7.0),
            ("0b_101", 5.0),
            ("00", 0.0),
            ("0o_17", 15.0),
            ("!!int \"7\"", 7.0),
            ("!!float 3", 3.0),
            ("!!float 1_0", 10.0),
        ];
        for (t, n) in numbers {
            assert_eq!(one(t), json!(n), "{t}");
            assert!(one(t).is_f64(), "{t} is a float64");
        }
        assert_eq!(one("!!str 123"), json!("123"));
        assert_eq!(one("!!str yes"), json!("yes"));
        assert_eq!(one("!!bool yes"), json!(true));
        assert_eq!(one("!custom foo"), json!("foo"));
        assert_eq!(one("!!binary aGVsbG8="), json!("hello"));
        assert_eq!(one("'0x1F'"), json!("0x1F"));
        assert_eq!(one("\"yes\""), json!("yes"));
    }

    #[test]
    fn keys_as_helm_writes_them() {
        let v = read("k:\n  on: a\n  1: b\n  1.5: c\n  0x10: e\n  1e3: g\n");
        assert_eq!(
            v["k"],
            json!({"true": "a", "1": "b", "1.5": "c", "16": "e", "1000": "g"})
        );
        assert!(read_values("t", "~: d").is_err());
        assert!(read_values("t", "12345678901234567890: h").is_err());
    }

    #[test]
    fn merge_keys_merge_in_helms_order() {
        let v = read(
            "base: &b {x: 1, z: 2}\nother: &o {z: 3, w: 4}\none:\n  <<: *b\n  z: 9\ntwo:\n  z: 9\n  <<: *b\nmany:\n  <<: [*b, *o]\n",
        );
        assert_eq!(v["one"], json!({"x": 1.0, "z": 9.0}));
        assert_eq!(v["two"], json!({"x": 1.0, "z": 2.0}));
        assert_eq!(v["many"], json!({"x": 1.0, "z": 2.0, "w": 4.0}));
        let (_, warnings) = read_values("t", "b: &b {x: 1}\nm:\n  x: 2\n  <<: *b\n").unwrap();
        assert!(warnings[0].message.contains("replaces 'x' given at line 3"));
        assert!(read_values("t", "a: {<<: 5}").is_err());
    }

    #[test]
    fn documents_shapes_and_limits() {
        assert_eq!(read(""), json!({}));
        assert_eq!(read("~"), json!({}));
        assert_eq!(read("# only a comment\n"), json!({}));
        let (v, w) = read_values("t", "a: 1\n---\nb: 2\n").unwrap();
        assert_eq!(v, json!({"a": 1.0}));
        assert_eq!(w.len(), 1);
        assert!(read_values("t", "- 1").is_err());
        assert!(read_values("t", "hello").is_err());
        for t in [".inf", "-.Inf", ".NaN"] {
            let err = read_values("t", &format!("a: {t}"))
                .unwrap_err()
                .to_string();
            assert!(err.contains("infinity and NaN"), "{err}");
        }
        let err = read_values("v.yaml", "a: [1\n").unwrap_err().to_string();
        assert!(err.starts_with("v.yaml: invalid YAML at line"), "{err}");
        let bomb = "a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n";
        assert!(read_values("t", bomb).is_err());
        let deep = format!("a: {}{}", "[".repeat(300), "]".repeat(300));
        assert!(read_values("t", &deep).is_err());
    }

    #[test]
    fn duplicate_keys_are_refused_with_both_lines() {
        let err = read_values("v.yaml", "a:\n  b: 1\n  c: 2\n  b: 3\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 4") && err.contains("first at line 2"),
            "{err}"
        );
        // `on` and `true` are the same key once read.
        assert!(read_values("v.yaml", "on: 1\n\"true\": 2\n").is_err());
    }

    #[test]
    fn warnings_where_yaml_1_2_reads_otherwise() {
        let (_, w) = read_values(
            "v.yaml",
            "a: yes\nb: 0644\nc: 1_000\nd: 0b1\ne: 8\nf: true\ng: 0x1F\nh: \"no\"\ni: 1.5\n",
        )
        .unwrap();
        let lines: Vec<_> = w.iter().map(|w| w.line.unwrap()).collect();
        assert_eq!(lines, [1, 2, 3, 4]);
        assert!(w[1].message.contains("420"), "{}", w[1]);
        let (_, w) = read_values("v.yaml", "labels:\n  on: x\n").unwrap();
        assert_eq!(w.len(), 1);
    }
}

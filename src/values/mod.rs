//! Values: loading, Helm-compatible layering and the typed model.
//!
//! The flow is one direction, helm's: every `-f` file is read as helm reads YAML
//! ([`read_values`]) and merged over the ones before it, then the `--set` family is
//! parsed into those values ([`set`]); the user's values are then merged over the
//! template set's defaults ([`merge::merge_values`]), checked and turned into the
//! typed [`Values`]. Keys of other chart versions are translated on the way
//! ([`dialect`]), and typed fields accept the spellings the chart accepts
//! ([`tolerance`]).

pub mod addons;
pub mod dialect;
mod fast_yaml;
pub mod merge;
pub mod merged;
pub mod model;
mod reader;
pub mod set;
pub mod tolerance;
pub mod tpl;

pub use merged::Merged;
pub use model::*;
pub use reader::{WrittenField, line_of_field, read_values, written_field};

use serde_json::{Map, Value};

use crate::error::{Error, FieldError, Result, Warning};

/// An optional section of the values, or the section's default when it is absent,
/// borrowed when it is there (builders read sections; they need no copy of them).
///
/// ```
/// use capiform::values::{section, ControlPlane};
/// let given: Option<ControlPlane> = None;
/// assert!(section(&given).machine_flavor.is_none());
/// ```
pub fn section<T: Clone + Default>(o: &Option<T>) -> std::borrow::Cow<'_, T> {
    match o {
        Some(t) => std::borrow::Cow::Borrowed(t),
        None => std::borrow::Cow::Owned(T::default()),
    }
}

/// One layer of user values. Helm's order is applied whatever the order given: every
/// `-f` document in order, then `--set-json`, `--set`, `--set-string`, `--set-file`
/// and `--set-literal` arguments (each kind in the order given).
///
/// ```
/// let s = capiform::values::ValuesSource::Yaml { name: "inline".into(), text: "osDistro: flatcar".into() };
/// assert!(matches!(s, capiform::values::ValuesSource::Yaml { .. }));
/// ```
#[derive(Debug, Clone)]
pub enum ValuesSource {
    /// YAML text with a name used in messages (usually the file path).
    Yaml {
        /// File name or label.
        name: String,
        /// The document.
        text: String,
    },
    /// A `--set` argument.
    Set(String),
    /// A `--set-string` argument.
    SetString(String),
    /// A `--set-json` argument: `KEY=JSON`.
    SetJson(String),
    /// A `--set-file` argument: `KEY=PATH`, the file's text is the value.
    SetFile(String),
    /// A `--set-literal` argument: `KEY=VALUE`, the value taken as it is.
    SetLiteral(String),
}

impl ValuesSource {
    /// The position of the source's kind in helm's order.
    fn rank(&self) -> u8 {
        match self {
            ValuesSource::Yaml { .. } => 0,
            ValuesSource::SetJson(_) => 1,
            ValuesSource::Set(_) => 2,
            ValuesSource::SetString(_) => 3,
            ValuesSource::SetFile(_) => 4,
            ValuesSource::SetLiteral(_) => 5,
        }
    }
}

/// Parse one values document as helm reads it ([`read_values`]), without its
/// warnings. An empty document is an empty map; anything other than a mapping is an
/// error naming the file, and YAML syntax errors carry line and column.
///
/// ```
/// let v = capiform::values::parse_document("values.yaml", "a: 1").unwrap();
/// assert_eq!(v, serde_json::json!({"a": 1.0}));
/// assert!(capiform::values::parse_document("values.yaml", "- 1").is_err());
/// assert!(capiform::values::parse_document("values.yaml", "a: [1").is_err());
/// ```
pub fn parse_document(name: &str, text: &str) -> Result<Value> {
    read_document(name, text).map(|(v, _)| v)
}

/// [`read_values`], with a fast path: documents in plain block YAML, as most values
/// files are, are read by a reader of that subset that resolves every scalar as
/// [`read_values`] does (it leaves any scalar that would need a warning to it).
///
/// ```
/// let (v, w) = capiform::values::read_document("values.yaml", "a: 2\nb: on\n").unwrap();
/// assert_eq!(v, serde_json::json!({"a": 2.0, "b": true}));
/// assert_eq!(w.len(), 1);
/// ```
pub fn read_document(name: &str, text: &str) -> Result<(Value, Vec<Warning>)> {
    if text.trim().is_empty() {
        return Ok((Value::Object(Default::default()), Vec::new()));
    }
    if let Some(value) = fast_yaml::parse(text) {
        return Ok((value, Vec::new()));
    }
    read_values(name, text)
}

/// The user's values as helm builds them before it merges them over the chart's
/// defaults: the `-f` documents merged in order (an explicit `null` is kept, to remove
/// a default later), then the `--set` family parsed into them, in helm's order. Keys of
/// other chart versions are translated by `dialects`, and the spellings typed fields
/// accept are made typed; what was done is added to `warnings`, naming the source.
///
/// ```
/// use capiform::values::{user_values, ValuesSource};
/// let sources = [
///     ValuesSource::Set("nodeGroups[0].machineCount=5".into()),
///     ValuesSource::Yaml { name: "v.yaml".into(), text: "nodeGroups: [{name: a, machineCount: 1}, {name: b}]".into() },
/// ];
/// let mut warnings = Vec::new();
/// let v = user_values(&sources, None, &mut warnings).unwrap();
/// assert_eq!(v, serde_json::json!({"nodeGroups": [{"name": "a", "machineCount": 5}, {"name": "b"}]}));
/// ```
pub fn user_values(
    sources: &[ValuesSource],
    dialects: Option<&dialect::Dialects>,
    warnings: &mut Vec<Warning>,
) -> Result<Value> {
    let schema = crate::schema::compiled_schema(crate::validation::SCHEMA_VERSION);
    let mut ordered: Vec<&ValuesSource> = sources.iter().collect();
    ordered.sort_by_key(|s| s.rank());
    let mut user = Value::Object(Map::new());
    let mut sets = Vec::new();
    // What the `--set` family gives on its own, for the dialect table (see below).
    let mut set_only = Value::Object(Map::new());
    for source in ordered {
        let (arg, kind) = match source {
            ValuesSource::Yaml { name, text } => {
                let (mut layer, read_warnings) = read_document(name, text)?;
                warnings.extend(read_warnings);
                let first_new = warnings.len();
                if let Some(d) = dialects.filter(|d| !d.is_empty()) {
                    d.apply(&mut layer, name, warnings)?;
                }
                if let Some(schema) = schema {
                    tolerance::tolerate(schema, &mut layer, name, warnings);
                }
                // Warnings about a field of this file: the line that writes it.
                for w in &mut warnings[first_new..] {
                    if let (None, Some(field)) = (w.line, &w.field) {
                        w.line = line_of_field(text, field);
                    }
                }
                merge::merge_maps(&mut user, layer);
                continue;
            }
            ValuesSource::Set(a) => (a, set::SetKind::Typed),
            ValuesSource::SetString(a) => (a, set::SetKind::String),
            ValuesSource::SetJson(a) => (a, set::SetKind::Json),
            ValuesSource::SetFile(a) => (a, set::SetKind::File),
            ValuesSource::SetLiteral(a) => (a, set::SetKind::Literal),
        };
        set::apply(&mut user, arg, kind, &mut |path| {
            std::fs::read_to_string(path).map_err(|e| e.to_string())
        })?;
        if dialects.is_some_and(|d| !d.is_empty()) {
            // Files are not read twice: only the key matters here.
            let _ = set::apply(&mut set_only, arg, kind, &mut |_| Ok(String::new()));
        }
        sets.push(format!("{} {arg}", kind.flag()));
    }
    if !sets.is_empty() {
        let source = sets.join(" ");
        if let Some(d) = dialects.filter(|d| !d.is_empty()) {
            // `--set apiServer.allowedCidrs=…` over a file's `allowedCidrs` (already read
            // as `allowedCIDRs`) replaces it, as helm's `--set` replaces the file's key.
            d.let_later_spellings_win(&mut user, &set_only);
            d.apply(&mut user, &source, warnings)?;
        }
        if let Some(schema) = schema {
            tolerance::tolerate(schema, &mut user, &source, warnings);
        }
    }
    Ok(user)
}

/// Name the source of each problem: the last `-f` file (or `--set` argument) that gives
/// the problem's field or the closest mapping or list above it, appended to the
/// message as `(in FILE, line N)` (the line of the field, or of the closest key above it
/// that the file writes) or `(in --set ARG)`. A number is shown as the file writes it
/// (`0644`, `1e10`), not as helm's float64 reads it, with a word on YAML 1.1's octal
/// numbers where that is what happened; a `--set` value that stayed text is said to be
/// text. Problems of fields only the defaults give are left alone. Runs on the error
/// path only (it reads the sources again).
///
/// ```
/// use capiform::values::{attribute_sources, ValuesSource};
/// use capiform::FieldError;
/// let sources = [
///     ValuesSource::Yaml { name: "base.yaml".into(), text: "nodeGroups:\n- name: a\n  machineCount: 1e10\n".into() },
///     ValuesSource::Set("osDistro=arch".into()),
/// ];
/// let mut problems = vec![
///     FieldError::new("nodeGroups[0].machineFlavor", "is required"),
///     FieldError::new("osDistro", "must be one of ubuntu, flatcar"),
///     FieldError::new("kubernetesVersion", "is required"),
///     FieldError::new("nodeGroups[0].machineCount", "10000000000 is too large"),
/// ];
/// attribute_sources(&sources, &mut problems);
/// assert_eq!(problems[0].message, "is required (in base.yaml, line 2)");
/// assert_eq!(problems[1].message, "must be one of ubuntu, flatcar (in --set osDistro=arch)");
/// assert_eq!(problems[2].message, "is required");
/// assert_eq!(problems[3].message, "1e10 is too large (in base.yaml, line 3)");
/// ```
pub fn attribute_sources(sources: &[ValuesSource], problems: &mut [FieldError]) {
    /// One layer of the user's values, as it was given.
    enum Given<'s> {
        File { name: &'s str, text: &'s str },
        Flag { flag: &'static str, arg: &'s str },
    }
    let mut layers: Vec<(Given, Value)> = Vec::new();
    for source in sources {
        let (flag, kind, arg) = match source {
            ValuesSource::Yaml { name, text } => {
                if let Ok(v) = parse_document(name, text) {
                    layers.push((Given::File { name, text }, v));
                }
                continue;
            }
            ValuesSource::Set(a) => ("--set", set::SetKind::Typed, a),
            ValuesSource::SetString(a) => ("--set-string", set::SetKind::String, a),
            ValuesSource::SetJson(a) => ("--set-json", set::SetKind::Json, a),
            ValuesSource::SetFile(a) => ("--set-file", set::SetKind::File, a),
            ValuesSource::SetLiteral(a) => ("--set-literal", set::SetKind::Literal, a),
        };
        let mut v = Value::Object(Map::new());
        if set::apply(&mut v, arg, kind, &mut |_| Ok(String::new())).is_ok() {
            layers.push((Given::Flag { flag, arg }, v));
        }
    }
    for problem in problems.iter_mut() {
        let steps = path_steps(&problem.path);
        if steps.is_empty() {
            continue;
        }
        // How deep the layer `v` goes along the path, and the value there when it has
        // the field itself.
        let depth_in = |v: &'_ Value| {
            let mut at = v;
            let mut depth = 0;
            for step in &steps {
                let next = match step {
                    Ok(key) => at.get(key.as_str()),
                    Err(i) => at.get(*i),
                };
                match next {
                    Some(n) => {
                        at = n;
                        depth += 1;
                    }
                    None => break,
                }
            }
            depth
        };
        // The deepest match wins; among equals, the last source (it is the one that
        // holds the value in the end).
        let best = layers
            .iter()
            .map(|(given, v)| (depth_in(v), given, v))
            .filter(|(d, _, _)| *d > 0)
            .fold(
                None::<(usize, &Given, &Value)>,
                |best, (d, g, v)| match best {
                    Some((bd, _, _)) if bd > d => best,
                    _ => Some((d, g, v)),
                },
            );
        let Some((depth, given, layer)) = best else {
            continue;
        };
        let value = (depth == steps.len())
            .then(|| value_at(layer, &steps))
            .flatten();
        let label = match given {
            Given::File { name, text } => {
                let written = written_near(text, &steps);
                if let (Some(w), Some(value)) = (&written, value) {
                    show_as_written(&mut problem.message, value, w);
                }
                match written {
                    Some(w) => format!("{name}, line {}", w.line),
                    None => name.to_string(),
                }
            }
            Given::Flag { flag, arg } => {
                explain_flag_text(&mut problem.message, flag, value);
                format!("{flag} {arg}")
            }
        };
        problem.message = format!("{} (in {label})", problem.message);
    }
}

/// The value at `steps` below `v`.
fn value_at<'v>(v: &'v Value, steps: &[std::result::Result<String, usize>]) -> Option<&'v Value> {
    steps.iter().try_fold(v, |at, step| match step {
        Ok(key) => at.get(key.as_str()),
        Err(i) => at.get(*i),
    })
}

/// How `text` writes the field at `steps`, or the closest field above it that it writes.
fn written_near(text: &str, steps: &[std::result::Result<String, usize>]) -> Option<WrittenField> {
    (1..=steps.len()).rev().find_map(|n| {
        let path = steps_path(&steps[..n]);
        let mut w = written_field(text, &path)?;
        if n < steps.len() {
            w.plain = None;
        }
        Some(w)
    })
}

/// `steps` as a dotted path with list indexes (`nodeGroups[0].name`).
fn steps_path(steps: &[std::result::Result<String, usize>]) -> String {
    let mut out = String::new();
    for step in steps {
        match step {
            Ok(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Err(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// In `message`, a number shown as helm's float64 reads it is shown as the file wrote
/// it; a YAML 1.1 octal number (`0644`) gets a word on how it was read.
fn show_as_written(message: &mut String, value: &Value, written: &WrittenField) {
    let (Value::Number(n), Some(text)) = (value, &written.plain) else {
        return;
    };
    let shown = crate::schema::describe(value);
    if *text != shown
        && let Some(at) = message.find(&shown)
    {
        message.replace_range(at..at + shown.len(), text);
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let octal = digits.len() > 1
        && digits.starts_with('0')
        && digits.bytes().all(|b| (b'0'..=b'7').contains(&b));
    if octal {
        message.push_str(&format!(
            " (helm reads YAML 1.1, where {text} is the octal number {}; quote it, '{text}', to keep the text)",
            crate::schema::number_text(n.as_f64().unwrap_or_default())
        ));
    }
}

/// The hint "a quoted number" does not fit a `--set` family flag, which quotes nothing:
/// `--set` reads only whole numbers as numbers, the others give text.
fn explain_flag_text(message: &mut String, flag: &str, value: Option<&Value>) {
    const QUOTED: &str = " (a quoted number: write it without quotes)";
    if !message.contains(QUOTED) || flag == "--set-json" {
        return;
    }
    let text = value.and_then(Value::as_str).unwrap_or_default();
    let why = match flag {
        "--set" => {
            format!(" (--set reads only whole numbers such as 5 as numbers; {text:?} stays text)")
        }
        other => format!(" ({other} gives text; --set 5 or --set-json gives a number)"),
    };
    *message = message.replacen(QUOTED, &why, 1);
}

/// `a.b[0].c` as keys (`Ok`) and list indexes (`Err`).
fn path_steps(path: &str) -> Vec<std::result::Result<String, usize>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let mut rest = part;
        if let Some(at) = rest.find('[') {
            if at > 0 {
                out.push(Ok(rest[..at].to_string()));
            }
            rest = &rest[at..];
            while let Some(close) = rest.find(']') {
                match rest[1..close].parse::<usize>() {
                    Ok(i) => out.push(Err(i)),
                    Err(_) => return out,
                }
                rest = &rest[close + 1..];
            }
        } else if !rest.is_empty() {
            out.push(Ok(rest.to_string()));
        }
    }
    out
}

/// A copy of `v` with every whole float64 of at most 2^53 as an integer: what typed
/// integer fields read (helm's numbers are all float64; the chart prints whole ones as
/// integers).
///
/// ```
/// let v = serde_json::json!({"a": [2.0, 2.5], "b": {"c": 65534.0}});
/// assert_eq!(capiform::values::whole_numbers_as_integers(&v), serde_json::json!({"a": [2, 2.5], "b": {"c": 65534}}));
/// ```
pub fn whole_numbers_as_integers(v: &Value) -> Value {
    match v {
        Value::Number(n) if n.is_f64() => n
            .as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0)
            .map_or_else(|| v.clone(), |f| Value::from(f as i64)),
        Value::Array(items) => Value::Array(items.iter().map(whole_numbers_as_integers).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), whole_numbers_as_integers(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A short name for the JSON type of a value, for messages.
///
/// ```
/// assert_eq!(capiform::values::kind_name(&serde_json::json!([1])), "a list");
/// ```
pub fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// Layer the user's sources over `defaults` as Helm does, returning the merged tree.
///
/// ```
/// use capiform::values::{merged_values, ValuesSource};
/// let defaults = serde_json::json!({"osDistro": "ubuntu", "apiServer": {"port": 6443}});
/// let v = merged_values(&defaults, &[ValuesSource::Set("apiServer.port=443".into())]).unwrap();
/// assert_eq!(v["apiServer"]["port"], 443);
/// assert_eq!(v["osDistro"], "ubuntu");
/// ```
pub fn merged_values(defaults: &Value, sources: &[ValuesSource]) -> Result<Value> {
    let mut merged = defaults.clone();
    merge::merge_values(&mut merged, user_values(sources, None, &mut Vec::new())?);
    Ok(merged)
}

/// [`merged_values`], and the user's layers merged together without the defaults
/// (what the user gave; the checks walk only that part of the merged tree).
///
/// ```
/// use capiform::values::{merged_values_and_user, ValuesSource};
/// let defaults = serde_json::json!({"osDistro": "ubuntu", "apiServer": {"port": 6443}});
/// let (merged, user) = merged_values_and_user(&defaults, &[ValuesSource::Set("apiServer.port=443".into())]).unwrap();
/// assert_eq!(merged["osDistro"], "ubuntu");
/// assert_eq!(user, serde_json::json!({"apiServer": {"port": 443}}));
/// ```
pub fn merged_values_and_user(
    defaults: &Value,
    sources: &[ValuesSource],
) -> Result<(Value, Value)> {
    let (merged, user) = Merged::over(defaults, sources)?;
    Ok((merged.to_value(), user))
}

/// Walk `path` of keys from `root`; `None` when a key is missing or a step is not a
/// mapping (a `null` is returned as `Some(Null)`, like Sprig's `dig`).
pub(crate) fn dig<'v>(root: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(root, |v, k| v.as_object()?.get(*k))
}

/// Turn a merged values tree into the typed [`Values`], naming the path of the first
/// field that does not fit.
///
/// ```
/// let v = capiform::values::typed_values(&serde_json::json!({"osDistro": "ubuntu"})).unwrap();
/// assert_eq!(v.os_distro.as_deref(), Some("ubuntu"));
/// let err = capiform::values::typed_values(&serde_json::json!({"osDistr": "ubuntu"})).unwrap_err();
/// assert!(err.to_string().contains("osDistr"));
/// ```
pub fn typed_values(merged: &Value) -> Result<Values> {
    use serde::Deserialize;
    // The plain deserializer is several times faster; the path-tracking one runs only
    // to name the field of an error.
    if let Ok(v) = Values::deserialize(merged) {
        return Ok(v);
    }
    typed_from(merged)
}

/// The typed [`Values`] from a deserializer of the merged values, with the path of the
/// first field that does not fit in the error.
fn typed_from<'de, D>(values: D) -> Result<Values>
where
    D: serde::Deserializer<'de>,
    D::Error: std::fmt::Display,
{
    serde_path_to_error::deserialize(values).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        Error::Invalid(vec![FieldError::new(
            path,
            crate::error::plain_type_error(&e.inner().to_string()),
        )])
    })
}

//! A fast reader for the plain block YAML most values files are written in.
//!
//! `serde_yaml` (libyaml underneath) sets up a parser with buffers of tens of KiB and
//! walks an event stream for every document; for a 20-line values file that is a
//! tenth of a whole render. Values files are nearly always the same small subset of
//! YAML: block mappings and sequences, plain scalars, simple quoted strings, comments.
//! [`parse`] reads exactly that subset and gives up (`None`) on anything else, so that
//! the caller falls back to the general reader ([`super::read_values`]). It never reads
//! a document differently: whatever it accepts, it reads to the same value as the
//! general reader (numbers are float64, as helm reads them), and only documents the
//! general reader reads without a warning; whatever the general reader rejects it does
//! not accept (all checked in the tests, against every values file of the repository
//! and generated documents).
//!
//! Outside the subset, and so left to the general reader: tabs, carriage returns,
//! non-ASCII text, control characters, document markers and directives, anchors,
//! aliases, tags, block scalars (`|`, `>`), flow collections other than `{}` and `[]`,
//! multi-line scalars, quoted keys, escapes in quoted strings, duplicate keys, the
//! YAML 1.1 booleans `y`/`yes`/`on`/`n`/`no`/`off` (a warning is due) and plain scalars
//! that may read as a float or an unusual integer (`1.5`, `0x1f`, `007`, `+1`, `1_000`,
//! `.inf`).

use serde_json::{Map, Value};

/// The deepest indentation read here: deeper documents go to serde_yaml. A level of
/// nesting takes at least half a column (a bare `-` under a key at the key's
/// indentation, then its value one column further), so this keeps the depth below
/// serde_yaml's limit of 128 levels, which it reports as an error.
const MAX_INDENT: usize = 60;

/// One non-blank, non-comment line: its indentation and its text after it.
#[derive(Clone, Copy)]
struct Line<'a> {
    indent: usize,
    text: &'a str,
}

/// The value of a values document in the subset, or `None` when the document is
/// outside it (or is not a mapping): read it with `serde_yaml` then. For example
/// `a: 1` reads as `{"a": 1}`, and `b: [x]` gives `None` (a flow sequence).
pub(crate) fn parse(text: &str) -> Option<Value> {
    if !text
        .bytes()
        .all(|b| b == b'\n' || (b' '..0x7F).contains(&b))
    {
        return None;
    }
    // Cheap signs of a document outside the subset, found before any work that the
    // fallback to serde_yaml would waste: escapes and block scalars. A backslash in a
    // plain scalar is fine YAML the parse below could read, but it is rare enough to
    // leave to serde_yaml as well.
    if text.contains('\\')
        || [": |", ": >", "- |", "- >"]
            .iter()
            .any(|p| text.contains(p))
    {
        return None;
    }
    let mut lines = Vec::with_capacity(text.len() / 24 + 1);
    for raw in text.split('\n') {
        let text = raw.trim_start_matches(' ');
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let indent = raw.len() - text.len();
        if indent == 0 && (text.starts_with("---") || text.starts_with("...")) {
            return None;
        }
        // Bounds the recursion below, and keeps to documents serde_yaml accepts.
        if indent > MAX_INDENT {
            return None;
        }
        lines.push(Line { indent, text });
    }
    let first = lines.first()?;
    if first.indent != 0 || item(first.text).is_some() {
        return None;
    }
    let mut at = 0;
    let value = mapping(&mut lines, &mut at, 0)?;
    (at == lines.len()).then_some(value)
}

/// The text after `- ` when a line is a sequence item (`Some("")` for a bare `-`).
fn item(text: &str) -> Option<&str> {
    if text == "-" {
        Some("")
    } else {
        text.strip_prefix("- ")
    }
}

/// A block mapping whose keys are indented by `indent`, starting at `lines[*at]`.
fn mapping(lines: &mut [Line], at: &mut usize, indent: usize) -> Option<Value> {
    let mut map = Map::new();
    while let Some(&line) = lines.get(*at) {
        if line.indent < indent {
            break;
        }
        if line.indent > indent || item(line.text).is_some() {
            return None;
        }
        let (key, rest) = entry(line.text)?;
        *at += 1;
        // A more indented line after a scalar would continue it (or be an error): the
        // next turn of the loop gives up on it.
        let value = match value_text(rest)? {
            Some(scalar) => scalar,
            None => nested(lines, at, indent, true)?,
        };
        if map.insert(key.to_string(), value).is_some() {
            return None;
        }
    }
    Some(Value::Object(map))
}

/// The value on the lines after a key or a bare `-` that has nothing after it: a
/// more indented block or scalar, a sequence at the same indentation (after a key
/// only), or null.
fn nested(lines: &mut [Line], at: &mut usize, indent: usize, after_key: bool) -> Option<Value> {
    match lines.get(*at).copied() {
        Some(next)
            if next.indent > indent && item(next.text).is_none() && entry(next.text).is_none() =>
        {
            // A scalar on a line of its own. A line after it indented past `indent`
            // would continue it: the caller's loop gives up on such a line.
            *at += 1;
            value_text(next.text)?
        }
        Some(next) if next.indent > indent => block(lines, at, next.indent),
        Some(next) if after_key && next.indent == indent && item(next.text).is_some() => {
            sequence(lines, at, indent)
        }
        _ => Some(Value::Null),
    }
}

/// A block mapping or sequence indented by `indent`.
fn block(lines: &mut [Line], at: &mut usize, indent: usize) -> Option<Value> {
    if item(lines[*at].text).is_some() {
        sequence(lines, at, indent)
    } else {
        mapping(lines, at, indent)
    }
}

/// A block sequence whose `-` are indented by `indent`.
fn sequence(lines: &mut [Line], at: &mut usize, indent: usize) -> Option<Value> {
    let mut items = Vec::new();
    while let Some(&line) = lines.get(*at) {
        if line.indent < indent {
            break;
        }
        if line.indent > indent {
            return None;
        }
        let Some(rest) = item(line.text) else {
            break;
        };
        let content = rest.trim_start_matches(' ');
        if content.is_empty() || content.starts_with('#') {
            *at += 1;
            items.push(nested(lines, at, indent, false)?);
            continue;
        }
        if item(content).is_some() {
            return None;
        }
        if starts_entry(content) {
            // `- key: value`: a mapping indented as far as its first key.
            let inner = indent + (line.text.len() - content.len());
            lines[*at] = Line {
                indent: inner,
                text: content,
            };
            items.push(mapping(lines, at, inner)?);
            continue;
        }
        *at += 1;
        items.push(value_text(content)??);
    }
    Some(Value::Array(items))
}

/// Whether a sequence item's text is a `key: value` entry rather than a scalar.
fn starts_entry(text: &str) -> bool {
    text.as_bytes()[0].is_ascii_alphabetic() && (text.contains(": ") || text.ends_with(':'))
}

/// A `key:` line split into the key and the text after the colon. Keys are plain words
/// of letters, digits, `_`, `-`, `.` and `/`, starting with a letter.
fn entry(text: &str) -> Option<(&str, &str)> {
    let end = text
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/')))
        .unwrap_or(text.len());
    let (key, rest) = text.split_at(end);
    let rest = rest.strip_prefix(':')?;
    if !(rest.is_empty() || rest.starts_with(' '))
        || !key.as_bytes().first()?.is_ascii_alphabetic()
        || special_value(key).is_some()
        || yaml11_only_bool(key)
    {
        return None;
    }
    Some((key, rest))
}

/// What follows `key:` or `- `: `Some(None)` when nothing (but a comment) follows,
/// `Some(Some(value))` for a scalar or an empty flow collection, `None` outside the
/// subset.
fn value_text(rest: &str) -> Option<Option<Value>> {
    let text = rest.trim_start_matches(' ');
    if text.is_empty() || text.starts_with('#') {
        return Some(None);
    }
    let (scalar, tail) = match text.as_bytes()[0] {
        b'"' | b'\'' => {
            let quote = char::from(text.as_bytes()[0]);
            let inner = &text[1..];
            let close = inner.find(quote)?;
            if quote == '"' && inner[..close].contains('\\') {
                return None;
            }
            (
                Value::String(inner[..close].to_string()),
                &inner[close + 1..],
            )
        }
        _ => {
            let (plain, tail) = match text.find(" #") {
                Some(at) => (&text[..at], &text[at..]),
                None => (text, ""),
            };
            (plain_scalar(plain.trim_end_matches(' '))?, tail)
        }
    };
    // After the scalar: nothing, or spaces and then maybe a comment.
    let after = tail.trim_start_matches(' ');
    let ends = after.is_empty() || after.starts_with('#') && after.len() < tail.len();
    ends.then_some(Some(scalar))
}

/// `~`, `null`, `true` and `false` in the spellings YAML 1.2 (and `serde_yaml`) reads
/// as null and booleans: their values, never keys here.
fn special_value(s: &str) -> Option<Value> {
    match s {
        "~" | "null" | "Null" | "NULL" => Some(Value::Null),
        "true" | "True" | "TRUE" => Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => Some(Value::Bool(false)),
        _ => None,
    }
}

/// The words YAML 1.1 (and so helm) reads as booleans but YAML 1.2 as strings: the
/// general reader reads them, with a warning.
fn yaml11_only_bool(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "on"
            | "On"
            | "ON"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "off"
            | "Off"
            | "OFF"
    )
}

/// A plain scalar as the general reader resolves it, when the resolution is sure and
/// needs no warning: null, `true`/`false`, decimal integers (as float64), and strings
/// that no number syntax can read.
fn plain_scalar(s: &str) -> Option<Value> {
    let bytes = s.as_bytes();
    let first = *bytes.first()?;
    if matches!(
        first,
        b'&' | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'%'
            | b'@'
            | b'`'
            | b'?'
            | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'"'
            | b'\''
    ) {
        return match s {
            "{}" => Some(Value::Object(Map::new())),
            "[]" => Some(Value::Array(Vec::new())),
            _ => None,
        };
    }
    if s.contains(": ") || s.ends_with(':') {
        return None;
    }
    if let Some(value) = special_value(s) {
        return Some(value);
    }
    if yaml11_only_bool(s) {
        return None;
    }
    if !matches!(first, b'0'..=b'9' | b'+' | b'-' | b'.') {
        // No integer or float syntax starts otherwise (Rust's float parser reads
        // `inf` and `nan`, which serde_yaml refuses as not finite).
        return Some(Value::String(s.to_string()));
    }
    number_or_string(s)
}

/// A plain scalar starting with a digit or `-`, as the general reader resolves it: a
/// decimal integer (as a float64, as helm reads every number), or a string when no
/// integer or float syntax reads it; `None` for floats, prefixed, zero-padded or
/// underscored integers and anything starting with `+` or `.`.
fn number_or_string(s: &str) -> Option<Value> {
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let unsigned = s.strip_prefix('-').unwrap_or(s);
    if item(s).is_some() || !unsigned.starts_with(|c: char| c.is_ascii_digit()) {
        return unsigned
            .starts_with(|c: char| c.is_ascii_alphabetic() && !"iInN".contains(c))
            .then(|| Value::String(s.to_string()));
    }
    if s.contains('_') {
        return None;
    }
    if digits(unsigned) {
        if unsigned.len() > 1 && unsigned.starts_with('0') {
            return None;
        }
        // Through the integer, as helm's reader goes: `-0` is 0.
        let value = if s.starts_with('-') {
            s.parse::<i64>().ok()? as f64
        } else {
            s.parse::<u64>().ok()? as f64
        };
        return serde_json::Number::from_f64(value).map(Value::Number);
    }
    let prefixed = ["0x", "0o", "0b"].iter().any(|p| unsigned.starts_with(p));
    if prefixed || s.parse::<f64>().is_ok() {
        return None;
    }
    Some(Value::String(s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::Rng;

    /// What the general reader reads, when it reads it without a warning (the fast
    /// reader has no warnings to give).
    fn reference(text: &str) -> Option<Value> {
        match crate::values::read_values("t.yaml", text) {
            Ok((v, warnings)) if warnings.is_empty() => Some(v),
            _ => None,
        }
    }

    /// The fast reader either gives up or agrees with the general reader, and never
    /// accepts what the general reader rejects or warns about.
    fn agrees(text: &str) -> bool {
        match parse(text) {
            None => true,
            Some(v) => reference(text).as_ref() == Some(&v),
        }
    }

    #[test]
    fn reads_the_example_values_files() {
        for path in ["examples/values/minimal.yaml", "examples/values/full.yaml"] {
            let text = std::fs::read_to_string(path).unwrap();
            assert_eq!(parse(&text), reference(&text), "{path}");
        }
    }

    #[test]
    fn agrees_with_serde_yaml_on_every_yaml_file_of_the_repository() {
        let mut files = Vec::new();
        let mut dirs: Vec<std::path::PathBuf> =
            ["examples", "golden", "cluster-templates", "tests"]
                .iter()
                .map(Into::into)
                .collect();
        let shared = std::path::Path::new("../shared/parity/cases");
        if shared.is_dir() {
            dirs.push(shared.into());
        }
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                    files.push(path);
                }
            }
        }
        assert!(files.len() > 20, "too few files found: {}", files.len());
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(agrees(&text), "{}", path.display());
        }
    }

    #[test]
    fn scalars_resolve_as_serde_yaml_resolves_them() {
        for s in [
            "a",
            "1",
            "0",
            "-1",
            "-0",
            "007",
            "1.5",
            "1.31.4",
            "v1.31.4",
            "10.0.0.0/8",
            "1e3",
            "0x1f",
            "0o17",
            "0b1",
            "+1",
            ".inf",
            "-.inf",
            ".nan",
            "inf",
            "nan",
            "NaN",
            "Infinity",
            "~",
            "null",
            "Null",
            "NULL",
            "nULL",
            "true",
            "True",
            "TRUE",
            "tRUE",
            "yes",
            "no",
            "on",
            "off",
            "y",
            "n",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "1_000",
            "1.2.3e4",
            "12:30",
            "1:2",
            "a:b",
            "http://x:80/p",
            "a#b",
            "a #b",
            "{{ .Values.x }}",
            "x-{{ .Values.x }}",
            "a, b",
            "[a]",
            "{a: 1}",
            "[]",
            "{}",
            "'q'",
            "\"q\"",
            "'it''s'",
            "\"a\\nb\"",
            "\"a # b\"",
            "'a: b'",
            "\"\"",
            "''",
            "- a",
            "-a",
            "--a",
            "?a",
            "? a",
            ":a",
            "&a",
            "*a",
            "!a",
            "!!str 1",
            "|",
            ">",
            "%a",
            "@a",
            "`a",
            "a: b",
            "a:",
            "a ",
            "1.0",
            "1.",
            ".5",
            "-.5",
            "1.1.1.1",
            "1..1",
            "2001:db8::1",
            "1e",
            "0.0.0.0",
            "-1.2.3",
            "1.2.3-rc.1",
            "0001.2.3",
            "0123456789abcdef",
            "-foo",
            "-inf",
            "-nan",
            "-x1",
            "-1x",
            "-0x1f",
            "-.5x",
            "1-2",
            "1e",
            "1e400",
            "9z",
            "-",
            "-007",
            "'1'",
            "\"true\"",
            "'null'",
            "\"~\"",
            "'a' #c",
            "\"a\"  ",
        ] {
            for doc in [
                format!("k: {s}\n"),
                format!("k: {s} # c\n"),
                format!("k:\n- {s}\n"),
                format!("k:\n  - {s}\n  - x\n"),
                format!("k: {s}\nj: 1\n"),
            ] {
                assert!(
                    agrees(&doc),
                    "{doc:?}: {:?} vs {:?}",
                    parse(&doc),
                    reference(&doc)
                );
            }
        }
    }

    #[test]
    fn structures_agree_with_serde_yaml() {
        for doc in [
            "a:\n  b: 1\n  c:\n    d: x\n",
            "a:\n- 1\n- 2\nb: 3\n",
            "a:\n  - name: x\n    v: 1\n  - name: y\n",
            "a:\n-   name: x\n    v: 1\n",
            "a:\n  -\n    name: x\n",
            "a:\n  -\n  - 2\n",
            "a:\n  - - 1\n",
            "a: b\n  c: d\n",
            "a:\n    b: 1\n  c: 2\n",
            "a: 1\na: 2\n",
            "a:\n  b: 1\n  b: 2\n",
            "  a: 1\n",
            "- 1\n",
            "a: 1\n---\nb: 2\n",
            "---\na: 1\n",
            "a: 1\n...\n",
            "a:\n  b:\n  c: 1\n",
            "a: x\n  # c\nb: y\n",
            "a: x\n# c\n  b: y\n",
            "a:\n\n  b: 1\n\n",
            "a:  \n  b: 1\n",
            "a: # c\n  b: 1\n",
            "a: 'x' y\n",
            "a: \"x\" # c\n",
            "a: 'x'#c\n",
            "a: x\tb\n",
            "a:\r\n  b: 1\r\n",
            "a: é\n",
            "a : 1\n",
            "a:1\n",
            "1: x\n",
            "true: x\n",
            "a b: x\n",
            "a/b.c-d_e: x\n",
            "a:\n- b: 1\n  c:\n  - d\n- e\n",
            "a:\n  - b\n  c: 1\n",
            "a:\n  - b\n - c\n",
            "a:\n  b: 1\n c: 2\n",
            "a: [1]\n",
            "a: {b: 1}\n",
            "a: |\n  x\n",
            "a: &x 1\nb: *x\n",
            "<<: {}\n",
            "a: x:\n",
            "a: -\n",
            "a: - b\n",
            "a:\n- \n- x\n",
            "a:\n  - # c\n    b: 1\n",
            "a:\n  - 'x'\n    y\n",
            "a: x\n  y\n",
            "a:\n  x\n  y\n",
            "a:\n    x\n  y\n",
            "a:\n  x\nb: 1\n",
            "a:\n  'x'\n  y\n",
            "k:\n-\n  x\n  y\n",
            "k:\n-\n  x\n- y\n",
            "k:\n  -\n   x\n   y\n",
            "k:\n  - x\n    y\n",
            "# only a comment\n",
            "",
        ] {
            assert!(
                agrees(doc),
                "{doc:?}: {:?} vs {:?}",
                parse(doc),
                reference(doc)
            );
        }
    }

    #[test]
    fn the_usual_shapes_take_the_fast_path() {
        for doc in [
            "kubernetesVersion: 1.31.4\nmachineImage: ubuntu-{{ .Values.kubernetesVersion }}\n",
            "nodeGroups:\n  - name: md-0\n    machineCount: 2\n",
            "nodeGroups:\n- name: md-0\n  machineCount: 2\n",
            "addons:\n  monitoring:\n    enabled: true # on\n",
            "clusterNetworking:\n  dnsNameservers: ['1.1.1.1', \"8.8.8.8\"]\n",
        ] {
            let fast = parse(doc);
            if doc.contains('[') {
                assert_eq!(fast, None, "flow sequences are left to serde_yaml");
            } else {
                assert!(fast.is_some(), "{doc:?}");
                assert_eq!(fast, reference(doc));
            }
        }
    }

    /// Documents built from pieces that stress indentation, items and scalars: the
    /// fast reader must agree with the general reader on all of them. (No key is `n`
    /// or `y`: helm reads those keys as `"false"` and `"true"`, with a warning.)
    #[test]
    fn generated_documents_agree_with_serde_yaml() {
        let scalars = [
            "x", "1", "-2", "1.2", "1.2.3", "'q'", "\"d\"", "", "{}", "[]", "~", "a b", "a #c",
        ];
        let shapes: [fn(&str, &str) -> String; 9] = [
            |a, b| format!("k: {a}\nl: {b}\n"),
            |a, b| format!("k:\n  m: {a}\n  p: {b}\n"),
            |a, b| format!("k:\n- {a}\n- {b}\n"),
            |a, b| format!("k:\n  - m: {a}\n    p: {b}\n"),
            |a, b| format!("k:\n- m: {a}\n  p:\n  - {b}\n"),
            |a, b| format!("k:\n  - m: {a}\n  - {b}\n"),
            |a, b| format!("k:\n  m: {a}\n   p: {b}\n"),
            |a, b| format!("k:\n  - {a}\n    - {b}\n"),
            |a, b| format!("k:\n  m:\n    - {a}\n  p: {b}\n"),
        ];
        let mut fast = 0;
        for shape in shapes {
            for a in scalars {
                for b in scalars {
                    let doc = shape(a, b);
                    assert!(
                        agrees(&doc),
                        "{doc:?}: {:?} vs {:?}",
                        parse(&doc),
                        reference(&doc)
                    );
                    fast += usize::from(parse(&doc).is_some());
                }
            }
        }
        assert!(fast > 500, "the fast path took only {fast} documents");
    }

    /// Deep nesting is left to serde_yaml (which refuses it with an error) instead of
    /// recursing without bound.
    #[test]
    fn deep_nesting_is_left_to_serde_yaml() {
        let deep: String = (0..5000)
            .map(|i| format!("{}k:\n", " ".repeat(i)))
            .collect();
        assert_eq!(parse(&deep), None);
        assert!(crate::values::parse_document("deep.yaml", &deep).is_err());
        let shallow: String = (0..50).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
        assert!(parse(&shallow).is_some());
        for depth in 0..80 {
            let keys: String = (0..depth)
                .map(|i| format!("{}k:\n", " ".repeat(i)))
                .collect();
            let items: String = (0..depth)
                .map(|i| format!("{0}k:\n{0}-\n", " ".repeat(i)))
                .collect();
            for doc in [keys, items] {
                assert!(
                    agrees(&doc),
                    "depth {depth}: {:?} vs {:?}",
                    parse(&doc),
                    reference(&doc)
                );
            }
        }
    }

    /// Random documents of random lines (indentation, item marks, keys, separators,
    /// scalars and comments), most of them invalid or outside the subset: whatever the
    /// fast reader accepts, serde_yaml must read the same way.
    #[test]
    fn random_documents_agree_with_serde_yaml() {
        let indents = ["", " ", "  ", "   ", "    ", "      "];
        let marks = ["", "", "", "- ", "-  ", "-", "- - "];
        let keys = ["a", "b", "c", "a b", "1", "true", "x.y/z", "", "'q'"];
        let seps = [": ", ":", ":  ", " : ", ": # c"];
        let values = [
            "",
            "x",
            "1",
            "-1",
            "1.5",
            "1.2.3",
            "'q'",
            "\"d\"",
            "{}",
            "[]",
            "~",
            "a b",
            "a #c",
            "a: b",
            "- x",
            "|",
            "&a x",
            "0x1",
            "007",
            "-",
            "http://h:1",
        ];
        let mut r = Rng(0x9E37_79B9_7F4A_7C15);
        let mut accepted = 0;
        for _ in 0..20_000 {
            let mut doc = String::new();
            for _ in 0..1 + r.below(6) {
                doc.push_str(r.pick(&indents));
                doc.push_str(r.pick(&marks));
                if r.below(4) > 0 {
                    doc.push_str(r.pick(&keys));
                    doc.push_str(r.pick(&seps));
                }
                doc.push_str(r.pick(&values));
                doc.push('\n');
            }
            assert!(
                agrees(&doc),
                "{doc:?}: {:?} vs {:?}",
                parse(&doc),
                reference(&doc)
            );
            accepted += usize::from(parse(&doc).is_some());
        }
        assert!(
            accepted > 20,
            "the fast path took only {accepted} documents"
        );
    }

    /// Random well-formed trees of mappings, sequences and scalars, written in the block
    /// style with random indentation steps and item styles, one line of each in three
    /// then nudged by a space or given another scalar: the fast reader must agree with
    /// serde_yaml on all of them, and take most of the unchanged ones.
    #[test]
    fn random_trees_agree_with_serde_yaml() {
        const SCALARS: [&str; 14] = [
            "x",
            "1",
            "-1",
            "1.2.3",
            "'q'",
            "\"d\"",
            "{}",
            "[]",
            "~",
            "a b",
            "a #c",
            "true",
            "v{{ .Values.x }}",
            "",
        ];
        /// A node on lines of its own; a bare scalar only as a sequence item (under a
        /// key it would be a multi-line value, outside the subset).
        fn node(g: &mut Rng, out: &mut Vec<String>, indent: usize, depth: usize, item: bool) {
            let step = 1 + g.below(3);
            let kind = match (depth > 3, item) {
                (true, true) => 2,
                (true, false) => 1,
                (false, true) => g.below(3),
                (false, false) => g.below(2),
            };
            match kind {
                0 => {
                    for k in 0..1 + g.below(3) {
                        let key = ["a", "b", "c"][k];
                        if g.below(2) == 0 {
                            out.push(format!(
                                "{}{key}: {}",
                                " ".repeat(indent),
                                SCALARS[g.below(14)]
                            ));
                        } else {
                            out.push(format!("{}{key}:", " ".repeat(indent)));
                            node(g, out, indent + step, depth + 1, false);
                        }
                    }
                }
                1 => {
                    for _ in 0..1 + g.below(3) {
                        if depth > 3 || g.below(2) == 0 {
                            out.push(format!("{}- {}", " ".repeat(indent), SCALARS[g.below(14)]));
                        } else {
                            let at = out.len();
                            node(g, out, indent + step, depth + 1, true);
                            // `- ` replaces the first line's indentation (compact form).
                            let first = out[at].trim_start().to_string();
                            if step >= 2 && g.below(2) == 0 {
                                out[at] = format!(
                                    "{}-{}{first}",
                                    " ".repeat(indent),
                                    " ".repeat(step - 1)
                                );
                            } else {
                                out.insert(at, format!("{}-", " ".repeat(indent)));
                            }
                        }
                    }
                }
                _ => out.push(format!("{}{}", " ".repeat(indent), SCALARS[g.below(14)])),
            }
        }
        let mut g = Rng(0x2545_F491_4F6C_DD1D);
        let (mut clean, mut clean_fast) = (0, 0);
        for _ in 0..20_000 {
            let mut lines = Vec::new();
            for key in ["k", "l"] {
                lines.push(format!("{key}:"));
                node(&mut g, &mut lines, 2, 0, false);
            }
            let nudge = g.below(3) == 0;
            if nudge {
                let at = g.below(lines.len());
                if g.below(2) == 0 {
                    lines[at].insert(0, ' ');
                } else if lines[at].starts_with(' ') {
                    lines[at].remove(0);
                }
            }
            let doc = lines.join("\n") + "\n";
            assert!(
                agrees(&doc),
                "{doc:?}: {:?} vs {:?}",
                parse(&doc),
                reference(&doc)
            );
            if !nudge {
                clean += 1;
                clean_fast += usize::from(parse(&doc).is_some());
            }
        }
        assert!(
            clean_fast * 2 > clean,
            "the fast path took {clean_fast} of {clean}"
        );
    }
}

//! A byte-exact reproduction of Helm's `toYaml` for JSON-like values.
//!
//! Helm's `toYaml` is `sigs.k8s.io/yaml.Marshal` with the final newline trimmed: the value
//! is marshalled to JSON, read back with go-yaml v2 (so integers stay integers) and
//! written by go-yaml v2's emitter. The emitter's rules that matter here:
//!
//! * map keys are sorted with go-yaml's "natural" order (runs of digits compare as numbers,
//!   non-letters sort before letters);
//! * sequences inside a mapping are not indented (`- ` at the key's column);
//! * a string that would read back as another type (`"true"`, `"0644"`, `"1.0"`, `""`,
//!   `"null"`, dates …) is double-quoted; a string that cannot be plain (leading
//!   indicator, `: `, ` #`, leading or trailing space …) is single-quoted, or
//!   double-quoted when it holds characters that need escapes;
//! * multi-line strings are literal blocks (`|`, `|-`, `|+`, with an indentation hint
//!   when the first line starts with a space), unless a line ends in a space;
//! * plain and quoted scalars are folded at spaces once the line passes 80 columns.
//!
//! capiform uses it only where Helm's exact text matters: the content of the
//! `template-checksum` annotations kept compatible with the chart.

use serde_json::Value;

const BEST_WIDTH: usize = 80;
const INDENT: usize = 2;

/// Helm's `toYaml` of `value` (no trailing newline).
///
/// ```
/// use serde_json::json;
/// let text = capiform::helm_compat::go_yaml::to_string(&json!({"b": [1, "0644"], "a": {"x": true}}));
/// assert_eq!(text, "a:\n  x: true\nb:\n- 1\n- \"0644\"");
/// ```
pub fn to_string(value: &Value) -> String {
    let mut e = Emitter::default();
    e.node(value, 0, Ctx::Root);
    let mut out = e.out;
    // Helm trims exactly one final newline.
    if out.ends_with('\n') {
        out.pop();
    }
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    Root,
    /// value of a mapping key, written after `key:`
    MapValue,
    /// item of a sequence, written after `- `
    SeqItem,
}

#[derive(Default)]
struct Emitter {
    out: String,
    column: usize,
}

impl Emitter {
    fn write(&mut self, s: &str) {
        for c in s.chars() {
            if c == '\n' {
                self.column = 0;
            } else {
                self.column += 1;
            }
        }
        self.out.push_str(s);
    }

    fn newline_indent(&mut self, indent: usize) {
        self.write("\n");
        self.write(&" ".repeat(indent));
    }

    /// Write `value` whose block content is at `indent`.
    fn node(&mut self, value: &Value, indent: usize, ctx: Ctx) {
        match value {
            Value::Object(map) if !map.is_empty() => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort_by(|a, b| key_order(a, b));
                for (i, k) in keys.iter().enumerate() {
                    let first = i == 0;
                    match (ctx, first) {
                        (Ctx::SeqItem, true) => {}
                        (Ctx::Root, true) => {}
                        _ => self.newline_indent(indent),
                    }
                    self.scalar_string(k, indent, true);
                    self.write(":");
                    let v = &map[k.as_str()];
                    match v {
                        Value::Object(m) if !m.is_empty() => {
                            self.node(v, indent + INDENT, Ctx::MapValue);
                        }
                        Value::Array(a) if !a.is_empty() => {
                            self.node(v, indent, Ctx::MapValue);
                        }
                        _ => {
                            self.write(" ");
                            self.node(v, indent + INDENT, Ctx::MapValue);
                        }
                    }
                }
                if ctx == Ctx::Root {
                    self.write("\n");
                }
            }
            Value::Array(items) if !items.is_empty() => {
                for (i, item) in items.iter().enumerate() {
                    if i != 0 || !matches!(ctx, Ctx::Root | Ctx::SeqItem) {
                        self.newline_indent(indent);
                    }
                    self.write("- ");
                    self.node(item, indent + INDENT, Ctx::SeqItem);
                }
                if ctx == Ctx::Root {
                    self.write("\n");
                }
            }
            Value::Object(_) => self.write("{}"),
            Value::Array(_) => self.write("[]"),
            Value::Null => self.write("null"),
            Value::Bool(b) => self.write(if *b { "true" } else { "false" }),
            Value::Number(n) => {
                let s = number(n);
                self.write(&s)
            }
            Value::String(s) => {
                // a document-level scalar continues (and indents block content) by 2
                let indent = if ctx == Ctx::Root {
                    indent + INDENT
                } else {
                    indent
                };
                self.scalar_string(s, indent, false)
            }
        }
        if ctx == Ctx::Root
            && !matches!(value, Value::Object(m) if !m.is_empty())
            && !matches!(value, Value::Array(a) if !a.is_empty())
        {
            self.write("\n");
        }
    }

    /// A string scalar; `indent` is the indentation of continuation lines and block content.
    fn scalar_string(&mut self, s: &str, indent: usize, simple_key: bool) {
        let a = analyze(s);
        let can_use_plain = !resolves_to_non_string(s);
        let style = if s.contains('\n') && !simple_key {
            if a.block_allowed {
                Style::Literal
            } else {
                Style::Double
            }
        } else if !can_use_plain || (simple_key && a.multiline) || s.is_empty() {
            Style::Double
        } else if a.plain_allowed {
            Style::Plain
        } else if a.single_allowed && !(simple_key && a.multiline) {
            Style::Single
        } else {
            Style::Double
        };
        let allow_breaks = !simple_key;
        match style {
            Style::Plain => self.plain(s, indent, allow_breaks),
            Style::Single => self.single(s, indent, allow_breaks),
            Style::Double => self.double(s, indent, allow_breaks),
            Style::Literal => self.literal(s, indent),
        }
    }

    fn plain(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == ' ' {
                let next_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks && !spaces && self.column > BEST_WIDTH && !next_space {
                    self.newline_indent(indent);
                } else {
                    self.write(" ");
                }
                spaces = true;
            } else {
                let mut buf = [0u8; 4];
                self.write(c.encode_utf8(&mut buf));
                spaces = false;
            }
            i += 1;
        }
    }

    fn single(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        self.write("'");
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let next_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i != 0
                    && i != chars.len() - 1
                    && !next_space
                {
                    self.newline_indent(indent);
                } else {
                    self.write(" ");
                }
                spaces = true;
            } else {
                if c == '\'' {
                    self.write("''");
                } else {
                    let mut buf = [0u8; 4];
                    self.write(c.encode_utf8(&mut buf));
                }
                spaces = false;
            }
        }
        self.write("'");
    }

    fn double(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        self.write("\"");
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if needs_escape(c) {
                let esc = escape(c);
                self.write(&esc);
                spaces = false;
            } else if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i != 0
                    && i != chars.len() - 1
                {
                    self.newline_indent(indent);
                    if chars.get(i + 1) == Some(&' ') {
                        self.write("\\");
                    }
                } else {
                    self.write(" ");
                }
                spaces = true;
            } else {
                let mut buf = [0u8; 4];
                self.write(c.encode_utf8(&mut buf));
                spaces = false;
            }
        }
        self.write("\"");
    }

    fn literal(&mut self, s: &str, indent: usize) {
        self.write("|");
        let first = s.chars().next();
        if matches!(first, Some(' ') | Some('\n')) {
            self.write(&INDENT.to_string());
        }
        if !s.ends_with('\n') {
            self.write("-");
        } else if s == "\n" || s.ends_with("\n\n") {
            self.write("+");
        }
        self.write("\n");
        let mut at_line_start = true;
        for c in s.chars() {
            if c == '\n' {
                self.write("\n");
                at_line_start = true;
            } else {
                if at_line_start {
                    self.write(&" ".repeat(indent));
                    at_line_start = false;
                }
                let mut buf = [0u8; 4];
                self.write(c.encode_utf8(&mut buf));
            }
        }
        // go-yaml leaves the emitter after the last line break; the next key starts with
        // its own newline, so remove the block's final newline here.
        if self.out.ends_with('\n') {
            self.out.pop();
        }
    }
}

enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

struct Analysis {
    multiline: bool,
    plain_allowed: bool,
    single_allowed: bool,
    block_allowed: bool,
}

fn is_printable(c: char) -> bool {
    let u = c as u32;
    // go-yaml v2 treats characters outside the Basic Multilingual Plane, and NEL, as
    // non-printable (so they are escaped in double quotes).
    c == '\n'
        || (0x20..=0x7E).contains(&u)
        || (0xA0..=0xD7FF).contains(&u)
        || ((0xE000..=0xFFFD).contains(&u) && u != 0xFEFF)
}

fn is_break(c: char) -> bool {
    matches!(c as u32, 0x0A | 0x0D | 0x85 | 0x2028 | 0x2029)
}

fn needs_escape(c: char) -> bool {
    !is_printable(c) || c as u32 == 0xFEFF || is_break(c) || c == '"' || c == '\\'
}

fn escape(c: char) -> String {
    match c {
        '\0' => "\\0".into(),
        '\x07' => "\\a".into(),
        '\x08' => "\\b".into(),
        '\t' => "\\t".into(),
        '\n' => "\\n".into(),
        '\x0B' => "\\v".into(),
        '\x0C' => "\\f".into(),
        '\r' => "\\r".into(),
        '\x1B' => "\\e".into(),
        '"' => "\\\"".into(),
        '\\' => "\\\\".into(),
        '\u{85}' => "\\N".into(),
        '\u{A0}' => "\\_".into(),
        '\u{2028}' => "\\L".into(),
        '\u{2029}' => "\\P".into(),
        c if (c as u32) <= 0xFF => format!("\\x{:02X}", c as u32),
        c if (c as u32) <= 0xFFFF => format!("\\u{:04X}", c as u32),
        c => format!("\\U{:08X}", c as u32),
    }
}

/// go-yaml v2's `yaml_emitter_analyze_scalar`, reduced to what block context needs.
fn analyze(s: &str) -> Analysis {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return Analysis {
            multiline: false,
            plain_allowed: false,
            single_allowed: true,
            block_allowed: false,
        };
    }
    let mut block_indicators = false;
    let mut flow_indicators = false;
    let mut line_breaks = false;
    let mut special_characters = false;
    let mut leading_space = false;
    let mut leading_break = false;
    let mut trailing_space = false;
    let mut trailing_break = false;
    let mut break_space = false;
    let mut space_break = false;
    let mut preceded_by_whitespace = true;
    let mut previous_space = false;
    let mut previous_break = false;

    if s.starts_with("---") || s.starts_with("...") {
        block_indicators = true;
        flow_indicators = true;
    }
    let n = chars.len();
    for i in 0..n {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let followed_by_whitespace = match next {
            None => true,
            Some(x) => x == ' ' || x == '\t' || is_break(x),
        };
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                '?' | ':' => {
                    flow_indicators = true;
                    if followed_by_whitespace {
                        block_indicators = true;
                    }
                }
                '-' if followed_by_whitespace => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                _ => {}
            }
        } else {
            match c {
                ',' | '?' | '[' | ']' | '{' | '}' => flow_indicators = true,
                ':' => {
                    flow_indicators = true;
                    if followed_by_whitespace {
                        block_indicators = true;
                    }
                }
                '#' if preceded_by_whitespace => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                _ => {}
            }
        }
        if !is_printable(c) || c as u32 == 0xFEFF {
            special_characters = true;
        }
        if is_break(c) {
            line_breaks = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if i == n - 1 {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            if i == 0 {
                leading_break = true;
            }
            if i == n - 1 {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = c == ' ' || c == '\t' || is_break(c);
    }
    let mut plain = true;
    let mut single = true;
    let mut block = true;
    if leading_space || leading_break || trailing_space || trailing_break {
        plain = false;
    }
    if trailing_space {
        block = false;
    }
    if break_space {
        plain = false;
        single = false;
    }
    if space_break || special_characters {
        plain = false;
        single = false;
        block = false;
    }
    if line_breaks {
        plain = false;
    }
    if block_indicators {
        plain = false;
    }
    let _ = flow_indicators;
    Analysis {
        multiline: line_breaks,
        plain_allowed: plain,
        single_allowed: single,
        block_allowed: block,
    }
}

/// Whether go-yaml v2 would read the plain scalar `s` back as something other than a
/// string (null, bool, int, float, timestamp), or as a base-60 float.
fn resolves_to_non_string(s: &str) -> bool {
    const SPECIAL: &[&str] = &[
        "", "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
        "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
        ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
        "-.Inf", "-.INF",
    ];
    if SPECIAL.contains(&s) {
        return true;
    }
    let first = s.chars().next().unwrap_or(' ');
    if !(first.is_ascii_digit() || matches!(first, '-' | '+' | '.')) {
        return false;
    }
    let plain = s.replace('_', "");
    if is_int(&plain) || is_float(&plain) || is_base60_float(s) {
        return true;
    }
    if first.is_ascii_digit() && is_timestamp(s) {
        return true;
    }
    false
}

fn is_int(s: &str) -> bool {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let _ = neg;
    if body.is_empty() {
        return false;
    }
    if let Some(b) = body.strip_prefix("0b") {
        return !b.is_empty() && b.chars().all(|c| c == '0' || c == '1');
    }
    if let Some(h) = body.strip_prefix("0x") {
        return !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit());
    }
    if let Some(o) = body.strip_prefix("0o") {
        return !o.is_empty() && o.chars().all(|c| ('0'..='7').contains(&c));
    }
    if body.len() > 1 && body.starts_with('0') {
        // Go's ParseInt with base 0: leading 0 means octal
        return body[1..].chars().all(|c| ('0'..='7').contains(&c));
    }
    body.chars().all(|c| c.is_ascii_digit())
}

fn is_float(s: &str) -> bool {
    // go-yaml v2 uses a regexp: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
    let b = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mant, exp) = match b.find(['e', 'E']) {
        Some(i) => (&b[..i], Some(&b[i + 1..])),
        None => (b, None),
    };
    let mant_ok = if let Some(frac) = mant.strip_prefix('.') {
        !frac.is_empty() && frac.chars().all(|c| c.is_ascii_digit())
    } else {
        let (int, frac) = match mant.find('.') {
            Some(i) => (&mant[..i], &mant[i + 1..]),
            None => (mant, ""),
        };
        !int.is_empty()
            && int.chars().all(|c| c.is_ascii_digit())
            && frac.chars().all(|c| c.is_ascii_digit())
    };
    let exp_ok = match exp {
        None => true,
        Some(e) => {
            let e = e.strip_prefix(['-', '+']).unwrap_or(e);
            !e.is_empty() && e.chars().all(|c| c.is_ascii_digit())
        }
    };
    mant_ok && exp_ok
}

fn is_base60_float(s: &str) -> bool {
    // ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$
    let b = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (main, frac) = match b.find('.') {
        Some(i) => (&b[..i], Some(&b[i + 1..])),
        None => (b, None),
    };
    if let Some(f) = frac {
        if !f.chars().all(|c| c.is_ascii_digit() || c == '_') {
            return false;
        }
    }
    let mut parts = main.split(':');
    let head = parts.next().unwrap_or("");
    if head.is_empty()
        || !head.chars().next().is_some_and(|c| c.is_ascii_digit())
        || !head.chars().all(|c| c.is_ascii_digit() || c == '_')
    {
        return false;
    }
    let rest: Vec<&str> = parts.collect();
    if rest.is_empty() {
        return false;
    }
    rest.iter().all(|p| {
        let bytes = p.as_bytes();
        match bytes.len() {
            1 => bytes[0].is_ascii_digit(),
            2 => (b'0'..=b'5').contains(&bytes[0]) && bytes[1].is_ascii_digit(),
            _ => false,
        }
    })
}

fn is_timestamp(s: &str) -> bool {
    // go-yaml v2 accepts: "2006-1-2T15:4:5.999999999Z07:00", "2006-1-2t15:4:5.999999999Z07:00",
    // "2006-1-2 15:4:5.999999999", "2006-1-2"; it first requires the shape ^\d{4}-\d\d?-\d\d?
    let b = s.as_bytes();
    if b.len() < 8 || !b[..4].iter().all(|c| c.is_ascii_digit()) || b[4] != b'-' {
        return false;
    }
    let rest = &s[5..];
    let mut it = rest.splitn(2, '-');
    let month = it.next().unwrap_or("");
    let after = it.next().unwrap_or("");
    if month.is_empty() || month.len() > 2 || !month.chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    let day: String = after.chars().take_while(|c| c.is_ascii_digit()).collect();
    if day.is_empty() || day.len() > 2 {
        return false;
    }
    let tail = &after[day.len()..];
    if tail.is_empty() {
        return valid_date(
            s[..4].parse().unwrap_or(0),
            month.parse().unwrap_or(0),
            day.parse().unwrap_or(0),
        );
    }
    // A time part: only accept the common RFC3339-like shapes.
    let t = tail.strip_prefix(['T', 't', ' ']);
    match t {
        Some(t) => {
            let hms: Vec<&str> = t.splitn(3, ':').collect();
            hms.len() == 3 && hms[0].chars().all(|c| c.is_ascii_digit()) && !hms[0].is_empty()
        }
        None => false,
    }
}

fn valid_date(y: i32, m: u32, d: u32) -> bool {
    let _ = y;
    (1..=12).contains(&m) && (1..=31).contains(&d)
}

fn number(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    if f.fract() == 0.0 && f.abs() < 1e21 {
        // Go's JSON marshals it without a fraction, go-yaml reads it back as an integer.
        if f.abs() < 9.2e18 {
            return format!("{}", f as i64);
        }
        return format!("{f:.0}");
    }
    go_format_g(f)
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)`.
fn go_format_g(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+.inf".into()
        } else {
            "-.inf".into()
        };
    }
    let sci = format!("{f:e}"); // shortest digits: d.ddde±x
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        let e = exp.abs();
        return format!("{mant}e{sign}{e:02}");
    }
    format!("{f}")
}

/// go-yaml v2's ordering of map keys.
fn key_order(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let mut i = 0;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            i += 1;
            continue;
        }
        let al = ar[i].is_alphabetic();
        let bl = br[i].is_alphabetic();
        if al && bl {
            return ar[i].cmp(&br[i]);
        }
        if al || bl {
            return if bl {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        let mut an: i64 = 0;
        let mut bn: i64 = 0;
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && ar[j - 1].is_ascii_digit() {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_ascii_digit() {
            an = an
                .saturating_mul(10)
                .saturating_add(ar[ai] as i64 - '0' as i64);
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_ascii_digit() {
            bn = bn
                .saturating_mul(10)
                .saturating_add(br[bi] as i64 - '0' as i64);
            bi += 1;
        }
        if an != bn {
            return an.cmp(&bn);
        }
        if ai != bi {
            return ai.cmp(&bi);
        }
        return ar[i].cmp(&br[i]);
    }
    ar.len().cmp(&br.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_maps_and_lists() {
        let v = json!({"spec": {"files": [{"path": "/a", "owner": "root:root"}], "n": 3, "m": 1}});
        assert_eq!(
            to_string(&v),
            "spec:\n  files:\n  - owner: root:root\n    path: /a\n  m: 1\n  \"n\": 3"
        );
    }

    #[test]
    fn quoting() {
        let cases = [
            ("true", "\"true\""),
            ("0644", "\"0644\""),
            ("1.0", "\"1.0\""),
            ("", "\"\""),
            ("oidc:", "'oidc:'"),
            ("a: b", "'a: b'"),
            ("*star", "'*star'"),
            ("{{ local_hostname }}", "'{{ local_hostname }}'"),
            ("plain text", "plain text"),
            ("100%", "100%"),
            ("5m0s", "5m0s"),
            ("- x", "'- x'"),
            ("it's", "it's"),
            ("tab\there", "\"tab\\there\""),
        ];
        for (input, want) in cases {
            assert_eq!(
                to_string(&json!({ "k": input })),
                format!("k: {want}"),
                "{input:?}"
            );
        }
    }

    #[test]
    fn literal_blocks() {
        assert_eq!(to_string(&json!({"k": "a\nb\n"})), "k: |\n  a\n  b");
        assert_eq!(to_string(&json!({"k": "a\nb"})), "k: |-\n  a\n  b");
        assert_eq!(to_string(&json!({"k": "a\n\n"})), "k: |+\n  a\n");
        assert_eq!(to_string(&json!({"k": " a\n"})), "k: |2\n   a");
        assert_eq!(to_string(&json!({"l": ["x\ny\n"]})), "l:\n- |\n  x\n  y");
    }

    #[test]
    fn key_order_is_natural() {
        let v = json!({"b": 1, "a10": 1, "a9": 1, "A": 1, "_x": 1});
        assert_eq!(to_string(&v), "_x: 1\nA: 1\na9: 1\na10: 1\nb: 1");
    }
}

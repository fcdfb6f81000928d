//! Byte-exact reproduction of Helm's `toYaml`.
//!
//! Helm's `toYaml` is `sigs.k8s.io/yaml.Marshal` followed by trimming one trailing
//! newline. `sigs.k8s.io/yaml.Marshal` JSON-encodes the value (Go `encoding/json`),
//! parses that JSON back with go-yaml v2 (so JSON numbers become `int`, `uint64` or
//! `float64`, and every JSON string stays a string), and re-encodes it with the
//! go-yaml v2 emitter. This module models each of those steps:
//!
//! * map keys are ordered with go-yaml's "natural" key order (not byte order: runs of
//!   digits compare numerically, and non-letters sort before letters);
//! * numbers go through Go's JSON float formatting, then YAML number resolution, then
//!   `strconv.FormatFloat(f, 'g', -1, 64)`;
//! * strings are quoted when they would otherwise resolve to a non-string (YAML 1.1
//!   booleans, nulls, ints including octal/hex/binary, floats, timestamps, base-60
//!   floats) or when the emitter's scalar analysis forbids the plain style;
//! * strings containing `\n` use a literal block (`|`, `|-`, `|+`, `|2-`, …) when
//!   allowed, otherwise double quotes;
//! * plain, single- and double-quoted scalars are folded at column 80.

use serde_json::{Map, Number, Value};
use std::cmp::Ordering;

/// Indentation step used by go-yaml v2 (`best_indent`).
const BEST_INDENT: isize = 2;
/// Preferred line width of go-yaml v2 (`best_width`); scalars are folded past it.
const BEST_WIDTH: usize = 80;
/// Longest key (in bytes) that go-yaml emits as a simple `key: value` key.
const MAX_SIMPLE_KEY_LEN: usize = 128;

/// Exactly what Helm's `toYaml` prints for `value`.
///
/// This is [`marshal`] with one trailing newline removed (Helm's
/// `strings.TrimSuffix(s, "\n")`).
pub fn to_string(value: &Value) -> String {
    let mut s = marshal(value);
    if s.ends_with('\n') {
        s.pop();
    }
    s
}

/// What `sigs.k8s.io/yaml.Marshal` returns for `value` (ends with a newline).
pub fn marshal(value: &Value) -> String {
    try_marshal(value).unwrap_or_default()
}

/// `sigs.k8s.io/yaml.Marshal`, or `None` where it fails.
///
/// It fails when a string (key or value) holds a character that `encoding/json` writes
/// raw but go-yaml's reader rejects: U+007F, U+0080–U+0084, U+0086–U+009F, U+FFFE and
/// U+FFFF. Helm's `toYaml` swallows the error and prints an empty string.
pub fn try_marshal(value: &Value) -> Option<String> {
    let transformed;
    let value = match read_back_effect(value)? {
        ReadBack::Same => value,
        ReadBack::Changed => {
            transformed = json_round_trip(value)?;
            &transformed
        }
    };
    let mut e = Emitter::new();
    e.emit_node(value, false, false);
    // Document end: an implicit document writes only a final line break.
    e.write_indent();
    Some(e.out)
}

/// What reading the JSON text back does to a value.
enum ReadBack {
    /// Every string reads back as it was (the common case: no copy needed).
    Same,
    /// Some string holds U+0085 and reads back folded.
    Changed,
}

fn rejected_char(c: char) -> bool {
    let v = c as u32;
    v == 0x7F || (0x80..=0x9F).contains(&v) && v != 0x85 || v == 0xFFFE || v == 0xFFFF
}

/// A read-only pass deciding whether [`json_round_trip`] would fail (`None`), change
/// the value, or give it back unchanged.
fn read_back_effect(value: &Value) -> Option<ReadBack> {
    fn string(s: &str, changed: &mut bool) -> Option<()> {
        if s.is_ascii() {
            return (!s.contains('\u{7F}')).then_some(());
        }
        for c in s.chars() {
            if rejected_char(c) {
                return None;
            }
            *changed |= c == '\u{85}';
        }
        Some(())
    }
    fn walk(v: &Value, changed: &mut bool) -> Option<()> {
        match v {
            Value::String(s) => string(s, changed),
            Value::Array(items) => items.iter().try_for_each(|i| walk(i, changed)),
            Value::Object(m) => m.iter().try_for_each(|(k, v)| {
                // Six characters per character at most, quotes aside: short keys fit.
                let may_be_long = k.len() * 6 + 2 > MAX_JSON_KEY_LEN;
                if k.contains('\u{85}') || may_be_long && json_quoted_len(k) > MAX_JSON_KEY_LEN {
                    return None;
                }
                string(k, changed)?;
                walk(v, changed)
            }),
            _ => Some(()),
        }
    }
    let mut changed = false;
    walk(value, &mut changed)?;
    Some(if changed {
        ReadBack::Changed
    } else {
        ReadBack::Same
    })
}

/// Models the JSON text being read back by go-yaml: rejects characters its reader
/// refuses, and folds raw U+0085 (NEL, a YAML line break that `encoding/json` does not
/// escape) together with adjacent spaces as a double-quoted scalar folds line breaks.
fn json_round_trip(value: &Value) -> Option<Value> {
    Some(match value {
        Value::String(s) => Value::String(read_back(s)?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(json_round_trip)
                .collect::<Option<Vec<_>>>()?,
        ),
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                if k.contains('\u{85}') || json_quoted_len(k) > MAX_JSON_KEY_LEN {
                    // A line break inside a key, or a key longer than go-yaml's
                    // 1024-character simple-key limit: the scanner gives up on it.
                    return None;
                }
                out.insert(read_back(k)?, json_round_trip(v)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

/// go-yaml's scanner forgets a possible simple key after 1024 characters.
const MAX_JSON_KEY_LEN: usize = 1024;

/// Length in characters of `s` as `encoding/json` writes it, quotes included.
fn json_quoted_len(s: &str) -> usize {
    2 + s
        .chars()
        .map(|c| match c {
            '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => 6,
            c if (c as u32) < 0x20 => 6,
            _ => 1,
        })
        .sum::<usize>()
}

fn read_back(s: &str) -> Option<String> {
    if s.chars().any(rejected_char) {
        return None;
    }
    if !s.contains('\u{85}') {
        return Some(s.to_string());
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == ' ' || chars[i] == '\u{85}' {
            let start = i;
            while i < chars.len() && (chars[i] == ' ' || chars[i] == '\u{85}') {
                i += 1;
            }
            let nels = chars[start..i].iter().filter(|c| **c == '\u{85}').count();
            match nels {
                0 => out.extend(&chars[start..i]),
                1 => out.push(' '),
                n => out.extend(std::iter::repeat_n('\n', n - 1)),
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Formats a JSON number the way `toYaml` prints it.
///
/// Integral values print as integers (`5.0` → `5`) when they fit in `int64`/`uint64`;
/// other floats use Go's `%g` shortest form, which switches to exponent notation for
/// exponents below -4 or at least 6 (`1234567.5` → `1.2345675e+06`, `0.00001` →
/// `1e-05`).
pub fn format_number(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    format_float(f)
}

/// Formats an `f64` as `toYaml` prints a Go `float64`.
pub fn format_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        };
    }
    // encoding/json writes values below 1e21 in `%f` form with the shortest digits that
    // round-trip, padded with zeros (2^63 is written 9223372036854776000); go-yaml reads
    // an integral text back as int64, else uint64, else float64.
    if f.fract() == 0.0 && f.abs() < 1e21 {
        let text = format!("{f}");
        if let Ok(i) = text.parse::<i64>() {
            return i.to_string();
        }
        if let Ok(u) = text.parse::<u64>() {
            return u.to_string();
        }
    }
    go_format_g(f)
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)` for finite `f`.
pub(crate) fn go_format_g(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // Rust's `{:e}` yields the shortest round-trip digits, like Go's shortest mode.
    let s = format!("{:e}", f.abs());
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let nd = digits.len() as i32;
    let mut out = String::new();
    if f < 0.0 {
        out.push('-');
    }
    if !(-4..6).contains(&exp) {
        out.push_str(&digits[..1]);
        if nd > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let a = exp.unsigned_abs();
        if a < 10 {
            out.push('0');
        }
        out.push_str(&a.to_string());
    } else {
        let dp = exp + 1;
        if dp <= 0 {
            out.push_str("0.");
            for _ in 0..(-dp) {
                out.push('0');
            }
            out.push_str(&digits);
        } else if dp >= nd {
            out.push_str(&digits);
            for _ in 0..(dp - nd) {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..dp as usize]);
            out.push('.');
            out.push_str(&digits[dp as usize..]);
        }
    }
    out
}

/// Every number of `value` as Helm holds numbers read from values files: a Go
/// `float64` (Helm's values loader decodes JSON numbers into `float64`).
///
/// [`to_string`] prints an `i64`/`u64` exactly, as Go prints an `int64`; Helm however
/// only ever sees `float64` for numbers that came from values files, so integers beyond
/// 2^53 lose precision there (`12345678901234567890` prints as `12345678901234567000`).
/// Apply this to values-derived data before [`to_string`] to get Helm's text for such
/// numbers; it changes nothing for integers up to 2^53.
pub fn as_helm_values(value: &Value) -> Value {
    match value {
        Value::Number(n) => n
            .as_f64()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| value.clone()),
        Value::Array(items) => Value::Array(items.iter().map(as_helm_values).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), as_helm_values(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// go-yaml v2's map key order for string keys (`keyList.Less`).
///
/// Runs of digits compare by numeric value, letters compare by code point, and a
/// non-letter sorts before a letter. For non-ASCII characters Go's `unicode.IsLetter`
/// / `unicode.IsDigit` are approximated with Rust's `char::is_alphabetic` /
/// `char::is_numeric`.
pub fn key_order(a: &str, b: &str) -> Ordering {
    if a == b {
        Ordering::Equal
    } else if key_less(a, b) {
        Ordering::Less
    } else if key_less(b, a) {
        Ordering::Greater
    } else {
        a.cmp(b)
    }
}

fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        c.is_alphabetic()
    }
}

fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_digit()
    } else {
        c.is_numeric()
    }
}

fn key_less(a: &str, b: &str) -> bool {
    // Keys are nearly always ASCII: compare their bytes, with no list of characters.
    if a.is_ascii() && b.is_ascii() {
        return key_less_in(a.as_bytes(), b.as_bytes());
    }
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    key_less_in(&ar, &br)
}

/// go-yaml's key order over characters (`char`, or the bytes of an ASCII string).
fn key_less_in<C: Copy + PartialOrd + Into<char>>(ar: &[C], br: &[C]) -> bool {
    let ch = |c: C| -> char { c.into() };
    let n = ar.len().min(br.len());
    for i in 0..n {
        if ar[i] == br[i] {
            continue;
        }
        let al = is_letter(ch(ar[i]));
        let bl = is_letter(ch(br[i]));
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return bl;
        }
        let mut an: i64 = 0;
        let mut bn: i64 = 0;
        if ch(ar[i]) == '0' || ch(br[i]) == '0' {
            let mut j = i;
            while j > 0 && is_digit(ch(ar[j - 1])) {
                if ch(ar[j - 1]) != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
                j -= 1;
            }
        }
        let mut ai = i;
        while ai < ar.len() && is_digit(ch(ar[ai])) {
            an = an
                .wrapping_mul(10)
                .wrapping_add(ch(ar[ai]) as i64 - '0' as i64);
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && is_digit(ch(br[bi])) {
            bn = bn
                .wrapping_mul(10)
                .wrapping_add(ch(br[bi]) as i64 - '0' as i64);
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar[i] < br[i];
    }
    ar.len() < br.len()
}

/// Whether go-yaml v2 would print `s` without quotes *as far as YAML resolution is
/// concerned*: false when the plain text would read back as a bool, null, int, float
/// or timestamp (or a base-60 float). The emitter may still quote it for syntax
/// reasons (leading `*`, `: `, …); see [`to_string`].
pub fn resolves_to_string(s: &str) -> bool {
    !resolves_to_other(s) && !is_base60_float(s)
}

fn resolves_to_other(s: &str) -> bool {
    let Some(&first) = s.as_bytes().first() else {
        return true; // "" is null
    };
    let hint = match first {
        b'+' | b'-' => 'S',
        b'0'..=b'9' => 'D',
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => 'M',
        b'.' => '.',
        _ => return false,
    };
    const MAP: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "n", "N", "no",
        "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "~", "null", "Null", "NULL",
        ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
        "-.Inf", "-.INF",
    ];
    // None of them starts with a digit, and the longest has five characters: most
    // texts need no comparison.
    if hint != 'D' && s.len() <= 5 && MAP.contains(&s) {
        return true;
    }
    match hint {
        'M' => false,
        '.' => go_parse_float_ok(s),
        _ => {
            if is_timestamp(s) {
                return true;
            }
            let plain: std::borrow::Cow<str> = if s.contains('_') {
                s.replace('_', "").into()
            } else {
                s.into()
            };
            if go_parse_int(&plain, 0).is_some() || go_parse_uint(&plain, 0).is_some() {
                return true;
            }
            if yaml_style_float(&plain) && go_parse_float_ok(&plain) {
                return true;
            }
            if let Some(rest) = plain.strip_prefix("0b") {
                return go_parse_int(rest, 2).is_some() || go_parse_uint(rest, 2).is_some();
            }
            if let Some(rest) = plain.strip_prefix("-0b") {
                return go_parse_int(&format!("-{rest}"), 2).is_some();
            }
            false
        }
    }
}

/// Go `strconv.ParseUint(s, base, 64)` (base 0 honours 0b/0o/0x/0 prefixes).
fn go_parse_uint(s: &str, base: u32) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let b = s.as_bytes();
    let (base, digits) = if base == 0 {
        if b[0] == b'0' {
            if b.len() >= 3 && b[1].eq_ignore_ascii_case(&b'b') {
                (2, &s[2..])
            } else if b.len() >= 3 && b[1].eq_ignore_ascii_case(&b'o') {
                (8, &s[2..])
            } else if b.len() >= 3 && b[1].eq_ignore_ascii_case(&b'x') {
                (16, &s[2..])
            } else {
                (8, &s[1..])
            }
        } else {
            (10, s)
        }
    } else {
        (base, s)
    };
    let mut n: u128 = 0;
    for c in digits.chars() {
        let d = c.to_digit(36)?;
        if d >= base {
            return None;
        }
        n = n * base as u128 + d as u128;
        if n > u64::MAX as u128 {
            return None;
        }
    }
    Some(n as u64)
}

/// Go `strconv.ParseInt(s, base, 64)`.
fn go_parse_int(s: &str, base: u32) -> Option<i64> {
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let u = go_parse_uint(rest, base)? as u128;
    if neg {
        if u > 1u128 << 63 {
            None
        } else {
            Some((-(u as i128)) as i64)
        }
    } else if u > i64::MAX as u128 {
        None
    } else {
        Some(u as i64)
    }
}

/// go-yaml's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Whether Go's `strconv.ParseFloat(s, 64)` succeeds for a decimal literal
/// (inputs reaching here never carry a hex prefix or inf/nan words).
fn go_parse_float_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let mut saw_digits = false;
    let mut saw_dot = false;
    let mut underscores = false;
    while i < b.len() {
        match b[i] {
            b'_' => underscores = true,
            b'.' if !saw_dot => saw_dot = true,
            c if c.is_ascii_digit() => saw_digits = true,
            _ => break,
        }
        i += 1;
    }
    if !saw_digits {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if i >= b.len() || !b[i].is_ascii_digit() {
            return false;
        }
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            if b[i] == b'_' {
                underscores = true;
            }
            i += 1;
        }
    }
    if i != b.len() {
        return false;
    }
    if underscores && !underscore_ok(s) {
        return false;
    }
    let clean: String = s.chars().filter(|c| *c != '_').collect();
    match clean.parse::<f64>() {
        Ok(f) => f.is_finite(),
        Err(_) => false,
    }
}

/// Go's `strconv.underscoreOK` for base-10 literals.
fn underscore_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    if !b.is_empty() && (b[0] == b'-' || b[0] == b'+') {
        i = 1;
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// go-yaml's `isBase60Float`: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || !(b[0] == b'+' || b[0] == b'-' || b[0].is_ascii_digit()) || !s.contains(':')
    {
        return false;
    }
    let mut i = 0;
    if b[0] == b'+' || b[0] == b'-' {
        i += 1;
    }
    if i >= b.len() || !b[i].is_ascii_digit() {
        return false;
    }
    i += 1;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while i < b.len() && b[i] == b':' {
        i += 1;
        // [0-5]?[0-9]
        let d1 = i < b.len() && b[i].is_ascii_digit();
        let d2 = i + 1 < b.len() && b[i + 1].is_ascii_digit();
        if d1 && d2 && b[i] <= b'5' {
            i += 2;
        } else if d1 {
            i += 1;
        } else {
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// go-yaml's `parseTimestamp`: the formats `2006-1-2T15:4:5.999999999Z07:00` (also
/// with `t`), `2006-1-2 15:4:5.999999999` and `2006-1-2`, with Go `time.Parse` rules.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let lead = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if lead != 4 || lead == b.len() || b[4] != b'-' {
        return false;
    }
    // getnum(value, false): one or two digits.
    fn getnum(b: &[u8], i: &mut usize) -> Option<u32> {
        if *i >= b.len() || !b[*i].is_ascii_digit() {
            return None;
        }
        let mut n = (b[*i] - b'0') as u32;
        *i += 1;
        if *i < b.len() && b[*i].is_ascii_digit() {
            n = n * 10 + (b[*i] - b'0') as u32;
            *i += 1;
        }
        Some(n)
    }
    fn expect(b: &[u8], i: &mut usize, c: u8) -> Option<()> {
        if *i < b.len() && b[*i] == c {
            *i += 1;
            Some(())
        } else {
            None
        }
    }
    let parse = || -> Option<()> {
        let year: u32 = s[..4].parse().ok()?;
        let mut i = 5;
        let month = getnum(b, &mut i)?;
        if !(1..=12).contains(&month) {
            return None;
        }
        expect(b, &mut i, b'-')?;
        let day = getnum(b, &mut i)?;
        let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        if day < 1 || day > days {
            return None;
        }
        if i == b.len() {
            return Some(());
        }
        let with_zone = match b[i] {
            b'T' | b't' => true,
            b' ' => false,
            _ => return None,
        };
        i += 1;
        let h = getnum(b, &mut i)?;
        if h >= 24 {
            return None;
        }
        expect(b, &mut i, b':')?;
        let m = getnum(b, &mut i)?;
        if m >= 60 {
            return None;
        }
        expect(b, &mut i, b':')?;
        let sec = getnum(b, &mut i)?;
        if sec >= 60 {
            return None;
        }
        if i + 1 < b.len() && (b[i] == b'.' || b[i] == b',') && b[i + 1].is_ascii_digit() {
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
        }
        if with_zone {
            if i < b.len() && b[i] == b'Z' {
                i += 1;
            } else {
                if i + 6 > b.len() || !(b[i] == b'+' || b[i] == b'-') || b[i + 3] != b':' {
                    return None;
                }
                let two = |j: usize| -> Option<u32> {
                    if b[j].is_ascii_digit() && b[j + 1].is_ascii_digit() {
                        Some(((b[j] - b'0') * 10 + (b[j + 1] - b'0')) as u32)
                    } else {
                        None
                    }
                };
                let hh = two(i + 1)?;
                let mm = two(i + 4)?;
                if hh > 24 || mm > 60 {
                    return None;
                }
                i += 6;
            }
        }
        (i == b.len()).then_some(())
    };
    parse().is_some()
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

#[derive(Debug, PartialEq, Eq)]
struct Analysis {
    multiline: bool,
    flow_plain_allowed: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

/// go-yaml's `is_printable` (byte based; note: characters outside the BMP are *not*
/// printable, nor are C0/C1 controls, DEL, tab, CR, U+FEFF, U+FFFE, U+FFFF).
fn is_printable(c: char) -> bool {
    let v = c as u32;
    v == 0x0A
        || (0x20..=0x7E).contains(&v)
        || (0xA0..=0xD7FF).contains(&v)
        || ((0xE000..=0xFFFD).contains(&v) && v != 0xFEFF)
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn is_blankz(c: char) -> bool {
    is_blank(c) || is_break(c) || c == '\0'
}

/// go-yaml's `analyze_scalar`, with two shortcuts for ASCII text that give the same
/// answer as the general pass ([`analyze_general`], checked against it in the tests):
/// a word without blanks, `:` or `#`, and multi-line text.
fn analyze(value: &str) -> Analysis {
    let bytes = value.as_bytes();
    if !value.is_ascii() || bytes.is_empty() {
        return analyze_general(value);
    }
    let flow_chars = |b: &u8| matches!(b, b',' | b'?' | b'[' | b']' | b'{' | b'}');
    if bytes[0].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|&b| b > b' ' && b < 0x7F && b != b':' && b != b'#')
    {
        return Analysis {
            multiline: false,
            flow_plain_allowed: !value.starts_with("...") && !bytes.iter().any(flow_chars),
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: true,
        };
    }
    if memchr::memchr2(b'\n', b'\r', bytes).is_some() {
        // Multi-line texts (file contents) are most of a kubeadm spec's bytes: each
        // question is one vectorised search rather than a loop over every byte.
        let special = has_control_character(bytes);
        // A carriage return is a control character: with one, `special` alone forbids
        // both styles, so only line feeds next to spaces need looking for.
        let found = |needle: &[u8]| memchr::memmem::find(bytes, needle).is_some();
        let break_space = found(b"\n ");
        let space_break = found(b" \n");
        let trailing_space = bytes.last() == Some(&b' ');
        return Analysis {
            multiline: true,
            flow_plain_allowed: false,
            block_plain_allowed: false,
            single_quoted_allowed: !(break_space || space_break || special),
            block_allowed: !(trailing_space || space_break || special),
        };
    }
    analyze_general(value)
}

/// Whether `bytes` holds a C0 control character other than a line feed, or DEL: such
/// a text cannot be written single-quoted or as a literal block.
fn has_control_character(bytes: &[u8]) -> bool {
    // One branch-free pass, as `output::block_yaml` scans its multi-line texts: without
    // an early exit the compiler vectorises it.
    bytes.iter().fold(false, |acc, &b| {
        acc | ((b < 0x20) & (b != b'\n')) | (b == 0x7F)
    })
}

fn analyze_general(value: &str) -> Analysis {
    if value.is_empty() {
        return Analysis {
            multiline: false,
            flow_plain_allowed: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
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
    let mut previous_space = false;
    let mut previous_break = false;

    if value.starts_with("---") || value.starts_with("...") {
        block_indicators = true;
        flow_indicators = true;
    }
    let mut preceded_by_whitespace = true;
    let mut chars = value.chars().peekable();
    let mut first = true;
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let last = next.is_none();
        let followed_by_whitespace = next.is_none_or(is_blank);
        if first {
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
        if !is_printable(c) {
            special_characters = true;
        }
        if c == ' ' {
            if first {
                leading_space = true;
            }
            if last {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            line_breaks = true;
            if first {
                leading_break = true;
            }
            if last {
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
        preceded_by_whitespace = is_blankz(c);
        first = false;
    }
    let mut a = Analysis {
        multiline: line_breaks,
        flow_plain_allowed: true,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special_characters {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if flow_indicators {
        a.flow_plain_allowed = false;
    }
    if block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

/// A minimal model of go-yaml v2's emitter for block collections and scalars.
struct Emitter {
    out: String,
    column: usize,
    indent: isize,
    indents: Vec<isize>,
    whitespace: bool,
    indention: bool,
    flow_level: usize,
    mapping_context: bool,
    simple_key_context: bool,
}

impl Emitter {
    fn new() -> Self {
        Emitter {
            // Most texts are small; a kubeadm spec is a few KiB. Fewer regrowths.
            out: String::with_capacity(1024),
            column: 0,
            indent: -1,
            indents: Vec::with_capacity(8),
            whitespace: true,
            indention: true,
            flow_level: 0,
            mapping_context: false,
            simple_key_context: false,
        }
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    /// go-yaml `write_break`.
    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        if self.column < indent {
            let pad = indent - self.column;
            self.out.extend(std::iter::repeat_n(' ', pad));
            self.column = indent;
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(&mut self, ind: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(' ');
        }
        for c in ind.chars() {
            self.put(c);
        }
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn emit_node(&mut self, v: &Value, mapping: bool, simple_key: bool) {
        self.mapping_context = mapping;
        self.simple_key_context = simple_key;
        match v {
            Value::Null => self.emit_scalar("null", Style::Plain),
            Value::Bool(b) => self.emit_scalar(if *b { "true" } else { "false" }, Style::Plain),
            Value::Number(n) => {
                let s = format_number(n);
                self.emit_scalar(&s, Style::Plain)
            }
            Value::String(s) => self.emit_string(s),
            Value::Array(items) if items.is_empty() => self.emit_empty_flow("[", "]"),
            Value::Object(m) if m.is_empty() => self.emit_empty_flow("{", "}"),
            Value::Array(items) => self.emit_block_sequence(items),
            Value::Object(m) => self.emit_block_mapping(m),
        }
    }

    /// go-yaml encoder `stringv`: pick the requested style for a string.
    fn emit_string(&mut self, s: &str) {
        let style = if s.contains('\n') {
            Style::Literal
        } else if resolves_to_string(s) {
            Style::Plain
        } else {
            Style::DoubleQuoted
        };
        self.emit_scalar(s, style);
    }

    fn emit_empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.increase_indent(true, false);
        self.flow_level += 1;
        self.flow_level -= 1;
        self.pop_indent();
        self.write_indicator(close, false, false, false);
    }

    fn emit_block_sequence(&mut self, items: &[Value]) {
        let indentless = self.mapping_context && !self.indention;
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.emit_node(item, false, false);
        }
        self.pop_indent();
    }

    fn emit_block_mapping(&mut self, m: &Map<String, Value>) {
        self.increase_indent(false, false);
        // Map order is byte order, which is go-yaml's order for most keys (not for
        // digit runs or non-letters): sort only when the two differ.
        let in_order = m
            .keys()
            .zip(m.keys().skip(1))
            .all(|(a, b)| key_order(a, b) == Ordering::Less);
        if in_order {
            for (k, v) in m {
                self.emit_mapping_entry(k, v);
            }
        } else {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_by(|a, b| key_order(a.0, b.0));
            for (k, v) in entries {
                self.emit_mapping_entry(k, v);
            }
        }
        self.pop_indent();
    }

    fn emit_mapping_entry(&mut self, k: &str, v: &Value) {
        self.write_indent();
        let simple = !analyze(k).multiline && k.len() <= MAX_SIMPLE_KEY_LEN;
        if simple {
            self.mapping_context = true;
            self.simple_key_context = true;
            self.emit_string(k);
            self.write_indicator(":", false, false, false);
        } else {
            self.write_indicator("?", true, false, true);
            self.mapping_context = true;
            self.simple_key_context = false;
            self.emit_string(k);
            self.write_indent();
            self.write_indicator(":", true, false, true);
        }
        self.emit_node(v, true, false);
    }

    fn emit_scalar(&mut self, value: &str, requested: Style) {
        let a = analyze(value);
        let mut style = requested;
        if self.simple_key_context && a.multiline {
            style = Style::DoubleQuoted;
        }
        if style == Style::Plain {
            if (self.flow_level > 0 && !a.flow_plain_allowed)
                || (self.flow_level == 0 && !a.block_plain_allowed)
            {
                style = Style::SingleQuoted;
            }
            if value.is_empty() && (self.flow_level > 0 || self.simple_key_context) {
                style = Style::SingleQuoted;
            }
        }
        if style == Style::SingleQuoted && !a.single_quoted_allowed {
            style = Style::DoubleQuoted;
        }
        if style == Style::Literal
            && (!a.block_allowed || self.flow_level > 0 || self.simple_key_context)
        {
            style = Style::DoubleQuoted;
        }
        self.increase_indent(true, false);
        let allow_breaks = !self.simple_key_context;
        match style {
            Style::Plain => self.write_plain(value, allow_breaks),
            Style::SingleQuoted => self.write_single_quoted(value, allow_breaks),
            Style::DoubleQuoted => self.write_double_quoted(value, allow_breaks),
            Style::Literal => self.write_literal(value),
        }
        self.pop_indent();
    }

    fn write_plain(&mut self, value: &str, allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        if value.is_ascii() && !value.bytes().any(|b| b == b' ' || b == b'\n' || b == b'\r') {
            // Nothing to fold or break: the text as it is.
            self.out.push_str(value);
            self.column += value.len();
            self.whitespace = false;
            self.indention = false;
            return;
        }
        let mut chars = value.chars().peekable();
        let mut spaces = false;
        let mut breaks = false;
        while let Some(c) = chars.next() {
            if c == ' ' {
                let next_space = chars.peek() == Some(&' ');
                if allow_breaks && !spaces && self.column > BEST_WIDTH && !next_space {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single_quoted(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let mut chars = value.chars().peekable();
        let mut first = true;
        let mut spaces = false;
        let mut breaks = false;
        while let Some(c) = chars.next() {
            let at_edge = std::mem::take(&mut first) || chars.peek().is_none();
            if c == ' ' {
                let next_space = chars.peek() == Some(&' ');
                if allow_breaks && !spaces && self.column > BEST_WIDTH && !at_edge && !next_space {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double_quoted(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = value.chars().collect();
        let n = chars.len();
        // go-yaml's `is_bom` looks at the start of the value, not at the current
        // character: a value starting with U+FEFF has *every* character escaped.
        let bom = chars.first() == Some(&'\u{FEFF}');
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if bom || !is_printable(c) || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                match c {
                    '\0' => self.put('0'),
                    '\u{07}' => self.put('a'),
                    '\u{08}' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\u{0B}' => self.put('v'),
                    '\u{0C}' => self.put('f'),
                    '\r' => self.put('r'),
                    '\u{1B}' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{A0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    _ => {
                        let v = c as u32;
                        let (letter, width) = if v <= 0xFF {
                            ('x', 2)
                        } else if v <= 0xFFFF {
                            ('u', 4)
                        } else {
                            ('U', 8)
                        };
                        self.put(letter);
                        for ch in format!("{v:0width$X}").chars() {
                            self.put(ch);
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && i != 0 && i + 1 != n {
                    self.write_indent();
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, value: &str) {
        self.write_indicator("|", true, false, false);
        // Block scalar hints.
        let mut first = value.chars();
        if let Some(c0) = first.next()
            && (c0 == ' ' || is_break(c0)) {
                let hint = char::from(b'0' + BEST_INDENT as u8);
                self.write_indicator(hint.encode_utf8(&mut [0; 4]), false, false, false);
            }
        let mut last = value.chars().rev();
        let chomp = match (last.next(), last.next()) {
            (None, _) => Some('-'),
            (Some(c), _) if !is_break(c) => Some('-'),
            (Some(_), None) => Some('+'),
            (Some(_), Some(c)) if is_break(c) => Some('+'),
            _ => None,
        };
        if let Some(ch) = chomp {
            self.write_indicator(ch.encode_utf8(&mut [0; 4]), false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        let mut rest = value;
        let ascii = value.is_ascii();
        while let Some(c) = rest.chars().next() {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
                rest = &rest[c.len_utf8()..];
            } else {
                if breaks {
                    self.write_indent();
                    breaks = false;
                }
                // The run of characters up to the next line break, at once.
                let end = if ascii {
                    memchr::memchr2(b'\n', b'\r', rest.as_bytes())
                } else {
                    rest.find(is_break)
                }
                .unwrap_or(rest.len());
                let run = &rest[..end];
                self.out.push_str(run);
                self.column += if ascii {
                    run.len()
                } else {
                    run.chars().count()
                };
                self.indention = false;
                rest = &rest[end..];
            }
        }
    }
}

#[cfg(test)]
mod fast_path_tests {
    use super::*;

    /// Every string built from pieces that matter to the analysis: the shortcuts of
    /// [`analyze`] agree with the general pass.
    #[test]
    fn shortcuts_agree_with_the_general_analysis() {
        const PIECES: &[&str] = &[
            "a", "Z", "0", " ", "\n", "\r", "\t", ":", "#", ",", "?", "[", "}", "-", ".", "...",
            "---", "'", "\"", "\u{7f}", "\u{1}", "é", "x y", "k: v",
        ];
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..50_000 {
            let mut s = String::new();
            for _ in 0..(seed % 6) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                s.push_str(PIECES[(seed % PIECES.len() as u64) as usize]);
            }
            seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
            assert_eq!(analyze(&s), analyze_general(&s), "{s:?}");
        }
    }

    /// Long multi-line texts (some hundreds of bytes, as file contents are), with a
    /// control character, a DEL or a line break next to a space at any place: the
    /// shortcuts still agree with the general pass.
    #[test]
    fn long_texts_agree_with_the_general_analysis() {
        const PIECES: &[&str] = &["line", " ", "\n", "x = 1", "\r", "é", "#"];
        const ODD: &[&str] = &["\u{1}", "\u{7f}", "\t", " \n", "\n ", " \r", "\r "];
        let mut rng = crate::test_rng::Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..5_000 {
            let mut pieces: Vec<&str> =
                (0..40 + rng.below(120)).map(|_| rng.pick(PIECES)).collect();
            pieces.insert(0, "first\n");
            if rng.below(2) == 0 {
                let at = rng.below(pieces.len() + 1);
                pieces.insert(at, rng.pick(ODD));
            }
            let text = pieces.concat();
            assert_eq!(analyze(&text), analyze_general(&text), "{text:?}");
            let ascii = text.replace('é', "e");
            assert_eq!(analyze(&ascii), analyze_general(&ascii), "{ascii:?}");
        }
    }

    /// Mappings print in go-yaml's key order whether or not it matches the map's own
    /// (byte) order: the in-order shortcut and the sort give the same text.
    #[test]
    fn mappings_print_in_go_key_order() {
        let sorted = serde_json::json!({"a": 1, "b": {"c": "x y", "d": ["e"]}});
        assert_eq!(to_string(&sorted), "a: 1\nb:\n  c: x y\n  d:\n  - e");
        // Byte order: "B" < "_x" < "a" < "a10" < "a9"; go-yaml's: other characters
        // before letters, digit runs by value.
        let unsorted = serde_json::json!({"a9": 1, "a10": 2, "B": 3, "_x": 4, "a": 5});
        assert_eq!(to_string(&unsorted), "_x: 4\nB: 3\na: 5\na9: 1\na10: 2");
    }
}

#[cfg(test)]
mod key_order_tests {
    use super::*;

    /// The byte comparison of ASCII keys orders them as the character comparison does.
    #[test]
    fn ascii_keys_order_as_characters_do() {
        let pieces = [
            "a", "B", "z", "0", "00", "1", "9", "10", "-", "_", ".", "a1", "a01", "x9y",
        ];
        let mut keys = vec![String::new()];
        for p in pieces {
            for q in pieces {
                keys.push(format!("{p}{q}"));
            }
        }
        for a in &keys {
            for b in &keys {
                let (ac, bc): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
                assert_eq!(key_less(a, b), key_less_in(&ac, &bc), "{a:?} {b:?}");
            }
        }
    }
}

#[cfg(test)]
mod examples {
    //! What the items above do, shown on small inputs.

    #[test]
    fn to_yaml_sorts_keys_and_quotes_what_yaml_would_read_otherwise() {
        use crate::helm_compat::go_yaml;
        let v = serde_json::json!({"b": [1, "yes"], "a": {"x": "two\nlines"}});
        assert_eq!(go_yaml::to_string(&v), "a:\n  x: |-\n    two\n    lines\nb:\n- 1\n- \"yes\"");
    }

    #[test]
    fn to_string() {
        use crate::helm_compat::go_yaml::to_string;
        use serde_json::json;
        assert_eq!(to_string(&json!({"k": "v", "list": [1, 2]})), "k: v\nlist:\n- 1\n- 2");
        assert_eq!(to_string(&json!({})), "{}");
        assert_eq!(to_string(&json!(null)), "null");
        assert_eq!(to_string(&json!("on")), "\"on\"");
    }

    #[test]
    fn marshal() {
        use crate::helm_compat::go_yaml::marshal;
        assert_eq!(marshal(&serde_json::json!({"a": 1.5})), "a: 1.5\n");
    }

    #[test]
    fn try_marshal() {
        use crate::helm_compat::go_yaml::try_marshal;
        assert_eq!(try_marshal(&serde_json::json!(["a"])).as_deref(), Some("- a\n"));
        assert_eq!(try_marshal(&serde_json::json!(["a\u{7f}"])), None);
    }

    #[test]
    fn format_number() {
        use crate::helm_compat::go_yaml::format_number;
        let n = |v: serde_json::Value| format_number(v.as_number().unwrap());
        assert_eq!(n(serde_json::json!(5.0)), "5");
        assert_eq!(n(serde_json::json!(0.1)), "0.1");
        assert_eq!(n(serde_json::json!(1234567.5)), "1.2345675e+06");
        assert_eq!(n(serde_json::json!(1e21)), "1e+21");
    }

    #[test]
    fn format_float() {
        use crate::helm_compat::go_yaml::format_float;
        assert_eq!(format_float(1e20), "1e+20");
        assert_eq!(format_float(1e19), "10000000000000000000");
        assert_eq!(format_float(-0.0), "0");
        assert_eq!(format_float(9223372036854775808.0), "9223372036854776000");
        assert_eq!(format_float(-1875509544640678100.0), "-1875509544640678100");
        assert_eq!(format_float(100000.5), "100000.5");
    }

    #[test]
    fn as_helm_values() {
        use crate::helm_compat::go_yaml::{as_helm_values, to_string};
        let v = serde_json::json!({"big": 12345678901234567890u64, "small": 5});
        assert_eq!(to_string(&v), "big: 12345678901234567890\nsmall: 5");
        assert_eq!(to_string(&as_helm_values(&v)), "big: 12345678901234567000\nsmall: 5");
    }

    #[test]
    fn key_order() {
        use crate::helm_compat::go_yaml::key_order;
        use std::cmp::Ordering;
        assert_eq!(key_order("a9", "a10"), Ordering::Less);
        assert_eq!(key_order("a_b", "ab"), Ordering::Less);
        assert_eq!(key_order("B", "a"), Ordering::Less);
    }

    #[test]
    fn resolves_to_string() {
        use crate::helm_compat::go_yaml::resolves_to_string;
        assert!(resolves_to_string("hello"));
        for s in ["", "yes", "Off", "~", "0644", "0x1F", "1e3", ".5", "2001-12-14", "1:30"] {
            assert!(!resolves_to_string(s), "{s}");
        }
    }
}

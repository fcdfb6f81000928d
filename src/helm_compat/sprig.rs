//! Sprig / Helm template string functions, with Go's exact output.

use super::go_unicode::is_print;
#[cfg(test)]
use serde_json::Value;

/// Sprig's `quote` of one string: Go's `fmt.Sprintf("%q", s)` (`strconv.Quote`).
///
/// `"` and `\` are backslash-escaped; `\a \b \f \n \r \t \v` use their short escapes;
/// other characters below U+0020 and U+007F become `\xNN`; any other character that
/// Go's `unicode.IsPrint` rejects (controls, format characters such as U+00AD and
/// U+FEFF, separators other than the ASCII space such as U+00A0 and U+2028, private
/// use, unassigned) becomes `\uNNNN` or `\UNNNNNNNN`, lower-case hex. Everything else,
/// including non-ASCII letters and emoji, is kept as is.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if is_print(c) => out.push(c),
            '\u{07}' => out.push_str("\\a"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{0B}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7F => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Sprig's `indent`: `n` spaces before the text and after every `\n` (so empty lines
/// and a trailing newline also receive the padding).
pub fn indent(n: usize, s: &str) -> String {
    let pad = " ".repeat(n);
    let mut out = String::with_capacity(s.len() + n);
    out.push_str(&pad);
    out.push_str(&s.replace('\n', &format!("\n{pad}")));
    out
}

/// Sprig's `nindent`: a newline followed by [`indent`].
pub fn nindent(n: usize, s: &str) -> String {
    format!("\n{}", indent(n, s))
}

/// Sprig's `trunc n`: the first `n` *bytes* of `s` (Go slices bytes).
///
/// Where byte `n` falls inside a multi-byte character Go keeps the partial,
/// invalid UTF-8 sequence; a Rust `String` cannot, so this cuts before that character
/// instead. ASCII input (all Kubernetes names) is unaffected. Template expressions in
/// values use it ([`crate::values::tpl`]).
pub fn trunc(s: &str, n: usize) -> &str {
    if s.len() <= n {
        return s;
    }
    let mut end = n;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Sprig's `trimSuffix suffix`: removes *one* occurrence of `suffix` at the end.
#[cfg(test)]
pub fn trim_suffix<'a>(s: &'a str, suffix: &str) -> &'a str {
    s.strip_suffix(suffix).unwrap_or(s)
}

/// The chart's naming idiom `trunc n | trimSuffix "-"` (only one `-` is removed).
#[cfg(test)]
pub fn trunc_trim(s: &str, n: usize) -> String {
    trim_suffix(trunc(s, n), "-").to_string()
}

/// `{{ toYaml value | indent n }}`.
#[cfg(test)]
pub fn to_yaml_indent(value: &Value, n: usize) -> String {
    indent(n, &super::go_yaml::to_string(value))
}

/// `{{ toYaml value | nindent n }}`, as in `key: {{ toYaml .x | nindent 4 }}`.
#[cfg(test)]
pub fn to_yaml_nindent(value: &Value, n: usize) -> String {
    nindent(n, &super::go_yaml::to_string(value))
}

#[cfg(test)]
mod examples {
    //! What the items above do, shown on small inputs.

    #[test]
    fn sprig_string_functions() {
        use crate::helm_compat::sprig;
        assert_eq!(sprig::quote("a\tb"), "\"a\\tb\"");
        assert_eq!(sprig::nindent(2, "a\nb"), "\n  a\n  b");
        assert_eq!(sprig::trunc_trim("demo-", 63), "demo");
    }

    #[test]
    fn quote() {
        use crate::helm_compat::sprig::quote;
        assert_eq!(quote("plain"), "\"plain\"");
        assert_eq!(quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(quote("\u{1b}\u{0}"), r#""\x1b\x00""#);
        assert_eq!(quote("é 😀\u{a0}"), r#""é 😀\u00a0""#);
    }

    #[test]
    fn indent() {
        use crate::helm_compat::sprig::indent;
        assert_eq!(indent(2, "a\nb"), "  a\n  b");
        assert_eq!(indent(2, "a\n"), "  a\n  ");
        assert_eq!(indent(4, ""), "    ");
    }

    #[test]
    fn nindent() {
        use crate::helm_compat::sprig::nindent;
        assert_eq!(nindent(4, "a: 1\nb: 2"), "\n    a: 1\n    b: 2");
    }

    #[test]
    fn trunc() {
        use crate::helm_compat::sprig::trunc;
        assert_eq!(trunc("abcdef", 3), "abc");
        assert_eq!(trunc("abc", 63), "abc");
    }

    #[test]
    fn trim_suffix() {
        use crate::helm_compat::sprig::trim_suffix;
        assert_eq!(trim_suffix("a--", "-"), "a-");
        assert_eq!(trim_suffix("a", "-"), "a");
    }

    #[test]
    fn trunc_trim() {
        use crate::helm_compat::sprig::trunc_trim;
        let long = format!("{}-control-plane", "a".repeat(62));
        assert_eq!(trunc_trim(&long, 63), "a".repeat(62));
        assert_eq!(trunc_trim("short--", 63), "short-");
    }

    #[test]
    fn to_yaml_indent() {
        use crate::helm_compat::sprig::to_yaml_indent;
        let v = serde_json::json!({"a": [1]});
        assert_eq!(to_yaml_indent(&v, 2), "  a:\n  - 1");
    }

    #[test]
    fn to_yaml_nindent() {
        use crate::helm_compat::sprig::to_yaml_nindent;
        let v = serde_json::json!({"b": "x", "a": {}});
        assert_eq!(format!("spec:{}", to_yaml_nindent(&v, 2)), "spec:\n  a: {}\n  b: x");
    }
}

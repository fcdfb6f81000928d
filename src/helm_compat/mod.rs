//! Byte-exact reproductions of Helm and Sprig text behaviour that capiform needs for
//! compatibility with clusters deployed by the Helm chart (the `template-checksum`
//! annotations hash text exactly as Helm printed it).

pub mod go_yaml;

use sha2::{Digest, Sha256};

/// Lower-case hex SHA-256 of `text`, as Sprig's `sha256sum`.
///
/// ```
/// assert_eq!(
///     capiform::helm_compat::sha256_hex(""),
///     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/// );
/// ```
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Sprig's `quote` of a string: Go's `%q` (double quotes, Go escapes).
///
/// ```
/// assert_eq!(capiform::helm_compat::quote("a\"b"), "\"a\\\"b\"");
/// assert_eq!(capiform::helm_compat::quote("tier"), "\"tier\"");
/// ```
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0C' => out.push_str("\\f"),
            '\x0B' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7F => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Sprig's `indent`: prefix every line of `s` with `n` spaces.
///
/// ```
/// assert_eq!(capiform::helm_compat::indent(2, "a\nb"), "  a\n  b");
/// ```
pub fn indent(n: usize, s: &str) -> String {
    let pad = " ".repeat(n);
    format!("{pad}{}", s.replace('\n', &format!("\n{pad}")))
}

/// Sprig's `nindent`: a newline, then `indent`.
///
/// ```
/// assert_eq!(capiform::helm_compat::nindent(2, "a"), "\n  a");
/// ```
pub fn nindent(n: usize, s: &str) -> String {
    format!("\n{}", indent(n, s))
}

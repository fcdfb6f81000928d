//! A direct writer of block-style YAML, the text `serde_yaml` 0.9 prints for the same
//! value, without its event machinery (several times faster; emission was over half of
//! a render), and safe for every common reader.
//!
//! The style rules are those of libyaml's emitter as `serde_yaml` drives it (unicode
//! on, no line width): a string is plain when that reads back as the same string,
//! single-quoted when it would read back as another type (`'true'`, `'1.0'`, `''`) or
//! starts with an indicator, double-quoted when it holds characters YAML cannot print
//! raw, and a literal block (`|`, `|-`, `|2-`) when it spans lines. Where it departs
//! from `serde_yaml`, on purpose: a string that a YAML 1.1 reader (kubectl's go-yaml,
//! PyYAML) would read as another type is quoted too (`'on'`, `'0644'`, `'12:30'`,
//! `'2001-12-14'`, see [`misread_unquoted`]); line breaks other than `\n` and texts
//! ending in several newlines are double-quoted; whole floats print as integers, as Helm
//! prints its numbers. Keys over 1024 characters (the YAML limit for a key on one line)
//! report [`Unsupported`] and the caller falls back to `serde_yaml`;
//! `tests/yaml_writer.rs` compares the writer with `serde_yaml` on random values.

use serde_json::{Map, Value};

use crate::object::{HEADER_KEYS, Object};

/// A value shape this writer leaves to `serde_yaml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsupported;

/// Append the YAML of `value` (a whole document, ending in a newline) to `out`. On
/// [`Unsupported`], `out` may hold a partial document; callers truncate it.
pub fn write_value(out: &mut String, value: &Value) -> Result<(), Unsupported> {
    let mut w = Writer { out, column: 0 };
    w.node(value, -1, Place::Top)?;
    w.end_document();
    Ok(())
}

/// Append the YAML document of a rendered object to `out`: `apiVersion`, `kind`,
/// `metadata` (name, labels, annotations) and the other fields, as `serde_yaml` prints
/// the [`Object`].
pub fn write_object(out: &mut String, obj: &Object) -> Result<(), Unsupported> {
    let mut w = Writer { out, column: 0 };
    w.entry_str("apiVersion", &obj.api_version, 0)?;
    w.entry_str("kind", &obj.kind, 0)?;
    w.open("metadata", 0)?;
    w.entry_str("name", &obj.metadata.name, 2)?;
    if !obj.metadata.labels.is_empty() {
        w.open("labels", 2)?;
        for (k, v) in &obj.metadata.labels {
            w.entry_str(k, v, 4)?;
        }
    }
    if !obj.metadata.annotations.is_empty() {
        w.open("annotations", 2)?;
        for (k, v) in &obj.metadata.annotations {
            w.entry(k, v, 4, false)?;
        }
    }
    // The header is written above; a header key in the body (only possible when the
    // body was changed after the object was built) is not written a second time.
    for (k, v) in obj
        .body
        .iter()
        .filter(|(k, _)| !HEADER_KEYS.contains(&k.as_str()))
    {
        w.entry(k, v, 0, false)?;
    }
    w.end_document();
    Ok(())
}

/// Where a node sits, which decides its indentation and separators.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// The document root.
    Top,
    /// The value of a mapping entry (after `key:`).
    MapValue,
    /// An item of a block sequence (after `- `).
    SeqItem,
}

struct Writer<'a> {
    out: &'a mut String,
    /// Column of the next byte (only ever compared with 0 and indents).
    column: usize,
}

impl Writer<'_> {
    fn push(&mut self, s: &str) {
        self.out.push_str(s);
        self.column += s.len();
    }

    fn newline(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    /// Start a new line at `indent` unless the cursor already sits there (after `- `).
    fn line_at(&mut self, indent: usize, inline_ok: bool) {
        if !(inline_ok && self.column == indent) {
            if self.column != 0 {
                self.newline();
            }
            self.pad(indent);
        }
    }

    fn pad(&mut self, indent: usize) {
        const SPACES: &str = "                                                                ";
        let mut missing = indent.saturating_sub(self.column);
        while missing > 0 {
            let n = missing.min(SPACES.len());
            self.out.push_str(&SPACES[..n]);
            missing -= n;
        }
        self.column = self.column.max(indent);
    }

    fn end_document(&mut self) {
        if self.column != 0 {
            self.newline();
        }
    }

    /// `indent` is the indentation of the enclosing collection (-1 at the root).
    fn node(&mut self, v: &Value, indent: isize, place: Place) -> Result<(), Unsupported> {
        match v {
            Value::Object(m) if !m.is_empty() => {
                let own = if indent < 0 { 0 } else { indent as usize + 2 };
                self.mapping(m, own, place == Place::SeqItem)
            }
            Value::Array(a) if !a.is_empty() => {
                // A sequence that is a mapping value is not indented further.
                let own = match (indent < 0, place) {
                    (true, _) => 0,
                    (false, Place::MapValue) => indent as usize,
                    (false, _) => indent as usize + 2,
                };
                self.sequence(a, own, place == Place::SeqItem)
            }
            Value::Object(_) => self.inline(place, "{}"),
            Value::Array(_) => self.inline(place, "[]"),
            Value::Null => self.inline(place, "null"),
            Value::Bool(b) => self.inline(place, if *b { "true" } else { "false" }),
            Value::Number(n) => {
                let text = number_text(n);
                self.inline(place, &text)
            }
            Value::String(s) => {
                let block = if indent < 0 { 2 } else { indent as usize + 2 };
                self.string(s, block, place)
            }
        }
    }

    /// A single-line scalar or empty collection, separated from `key:` or `-` by a space.
    fn inline(&mut self, place: Place, text: &str) -> Result<(), Unsupported> {
        if place != Place::Top {
            self.push(" ");
        }
        self.push(text);
        Ok(())
    }

    fn mapping(
        &mut self,
        m: &Map<String, Value>,
        indent: usize,
        first_inline: bool,
    ) -> Result<(), Unsupported> {
        for (i, (k, v)) in m.iter().enumerate() {
            self.entry(k, v, indent, first_inline && i == 0)?;
        }
        Ok(())
    }

    /// `key: value` of a block mapping at `indent`.
    fn entry(
        &mut self,
        k: &str,
        v: &Value,
        indent: usize,
        inline: bool,
    ) -> Result<(), Unsupported> {
        self.line_at(indent, inline);
        self.key(k)?;
        self.push(":");
        self.node(v, indent as isize, Place::MapValue)
    }

    /// `key: string` of a block mapping at `indent`.
    fn entry_str(&mut self, k: &str, v: &str, indent: usize) -> Result<(), Unsupported> {
        self.line_at(indent, false);
        self.key(k)?;
        self.push(":");
        self.string(v, indent + 2, Place::MapValue)
    }

    /// `key:` opening a nested block mapping at `indent`.
    fn open(&mut self, k: &str, indent: usize) -> Result<(), Unsupported> {
        self.line_at(indent, false);
        self.key(k)?;
        self.push(":");
        Ok(())
    }

    fn sequence(
        &mut self,
        a: &[Value],
        indent: usize,
        first_inline: bool,
    ) -> Result<(), Unsupported> {
        for (i, item) in a.iter().enumerate() {
            self.line_at(indent, first_inline && i == 0);
            self.push("-");
            match item {
                Value::Object(m) if !m.is_empty() => {
                    self.push(" ");
                    self.node(item, indent as isize, Place::SeqItem)?;
                }
                Value::Array(s) if !s.is_empty() => {
                    self.push(" ");
                    self.node(item, indent as isize, Place::SeqItem)?;
                }
                _ => self.node(item, indent as isize, Place::SeqItem)?,
            }
        }
        Ok(())
    }

    /// A mapping key: an implicit key, so on one line (double-quoted when it holds line
    /// breaks) and at most 1024 characters, the YAML limit (longer keys are
    /// [`Unsupported`]).
    fn key(&mut self, k: &str) -> Result<(), Unsupported> {
        if k.len() > 1024 && k.chars().count() > 1024 {
            return Err(Unsupported);
        }
        let a = analyze(k)?;
        let style = if a.line_breaks {
            Style::DoubleQuoted
        } else {
            flow_style(k, &a)
        };
        self.scalar(k, style);
        Ok(())
    }

    fn string(&mut self, s: &str, block_indent: usize, place: Place) -> Result<(), Unsupported> {
        let a = analyze(s)?;
        let style = if a.line_breaks {
            if a.block_allowed && !ends_in_several_breaks(s) {
                Style::Literal
            } else {
                Style::DoubleQuoted
            }
        } else {
            flow_style(s, &a)
        };
        if place != Place::Top {
            self.push(" ");
        }
        match style {
            Style::Literal => self.literal(s, block_indent),
            other => {
                self.scalar(s, other);
                Ok(())
            }
        }
    }

    fn scalar(&mut self, s: &str, style: Style) {
        match style {
            Style::Plain => self.push(s),
            Style::SingleQuoted => {
                self.out.push('\'');
                for c in s.chars() {
                    if c == '\'' {
                        self.out.push('\'');
                    }
                    self.out.push(c);
                }
                self.out.push('\'');
                self.column += s.len() + 2;
            }
            Style::DoubleQuoted => {
                let start = self.out.len();
                write_double_quoted(self.out, s);
                self.column += self.out.len() - start;
            }
            Style::Literal => unreachable!("literal blocks are written by `literal`"),
        }
    }

    /// `|` with its hints, then every line at `indent`; empty lines stay empty.
    fn literal(&mut self, s: &str, indent: usize) -> Result<(), Unsupported> {
        self.out.push('|');
        if s.starts_with(' ') || s.starts_with('\n') {
            self.out.push('2');
        }
        let bytes = s.as_bytes();
        let ends_with_break = bytes.last() == Some(&b'\n');
        if !ends_with_break {
            self.out.push('-');
        }
        self.newline();
        let body = if ends_with_break {
            &s[..s.len() - 1]
        } else {
            s
        };
        for (i, line) in body.split('\n').enumerate() {
            if i > 0 {
                self.newline();
            }
            if !line.is_empty() {
                self.pad(indent);
                self.push(line);
            }
        }
        if ends_with_break {
            self.newline();
        }
        Ok(())
    }
}

/// Whether a text ends in a line break that a literal block would need `|+` for (the
/// text is just a break, or ends in two); such texts are double-quoted instead.
fn ends_in_several_breaks(s: &str) -> bool {
    s == "\n" || s.ends_with("\n\n")
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

/// Style of a one-line string: plain unless it would read back as something else or
/// holds indicators, then single quotes, then double quotes.
fn flow_style(s: &str, a: &Analysis) -> Style {
    let plain = a.block_plain_allowed && !misread_unquoted(s);
    if plain {
        Style::Plain
    } else if a.single_quoted_allowed {
        Style::SingleQuoted
    } else {
        Style::DoubleQuoted
    }
}

/// What libyaml's scalar analysis decides (block context, unicode output).
#[derive(Debug, Default, PartialEq)]
struct Analysis {
    line_breaks: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

fn is_printable(c: char) -> bool {
    matches!(c, '\n' | ' '..='~' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        && c != '\u{FEFF}'
}

/// One pass over the string, as libyaml's `analyze_scalar`. Line breaks other than `\n`
/// (`\r`, U+0085, U+2028, U+2029) are [`Unsupported`].
fn analyze(s: &str) -> Result<Analysis, Unsupported> {
    if s.is_empty() {
        return Ok(Analysis {
            line_breaks: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        });
    }
    let bytes = s.as_bytes();
    if bytes[0].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|&b| b > b' ' && b < 0x7F && b != b':' && b != b'#')
    {
        // Printable ASCII without blanks, `:` or `#`, not starting with an indicator:
        // nothing in it can change the style.
        return Ok(Analysis {
            line_breaks: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: true,
        });
    }
    if bytes.iter().all(|b| (0x20..0x7F).contains(b)) {
        return Ok(analyze_printable_line(bytes));
    }
    if bytes.contains(&b'\n') {
        return analyze_multiline(s);
    }
    analyze_general(s)
}

/// [`analyze`] of a non-empty line of printable ASCII (the common case): no decoding,
/// no line breaks, no special characters; only the indicators and the blanks at either
/// end decide.
fn analyze_printable_line(b: &[u8]) -> Analysis {
    let followed_by_space = |i: usize| b.get(i + 1).is_none_or(|&c| c == b' ');
    let first = b[0];
    let indicators = b.starts_with(b"---")
        || b.starts_with(b"...")
        || matches!(
            first,
            b'#' | b','
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b'&'
                | b'*'
                | b'!'
                | b'|'
                | b'>'
                | b'\''
                | b'"'
                | b'%'
                | b'@'
                | b'`'
        )
        || (matches!(first, b'?' | b':' | b'-') && followed_by_space(0))
        || (1..b.len()).any(|i| match b[i] {
            b':' => followed_by_space(i),
            b'#' => b[i - 1] == b' ',
            _ => false,
        });
    let leading_space = first == b' ';
    let trailing_space = b[b.len() - 1] == b' ';
    Analysis {
        line_breaks: false,
        block_plain_allowed: !(leading_space || trailing_space || indicators),
        single_quoted_allowed: true,
        block_allowed: !trailing_space,
    }
}

/// [`analyze`] character by character, for any one-line string.
fn analyze_general(s: &str) -> Result<Analysis, Unsupported> {
    let bytes = s.as_bytes();
    let mut block_indicators = s.starts_with("---") || s.starts_with("...");
    let mut line_breaks = false;
    let mut special = false;
    let (mut leading_space, mut leading_break) = (false, false);
    let (mut trailing_space, mut trailing_break) = (false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let mut preceded_by_whitespace = true;
    let mut i = 0;
    while i < bytes.len() {
        // Only the character itself needs decoding; the blanks that matter around it
        // are ASCII, so the next byte says whether it is followed by whitespace.
        let b = bytes[i];
        let (c, width) = if b < 0x80 {
            (b as char, 1)
        } else {
            let c = s[i..].chars().next().unwrap_or('\u{FFFD}');
            (c, c.len_utf8())
        };
        if matches!(c, '\r' | '\u{85}' | '\u{2028}' | '\u{2029}') {
            // Other line breaks: only double quotes (with escapes) keep them.
            line_breaks = true;
            special = true;
        }
        let first = i == 0;
        let last = i + width == bytes.len();
        let followed_by_whitespace =
            matches!(bytes.get(i + width), None | Some(b' ' | b'\t' | b'\n'));
        if first {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' if followed_by_whitespace => block_indicators = true,
                '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        let printable = if b < 0x80 {
            b == b'\n' || (0x20..0x7F).contains(&b)
        } else {
            is_printable(c)
        };
        if !printable {
            special = true;
        }
        if c == ' ' {
            leading_space |= first;
            trailing_space |= last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if c == '\n' {
            line_breaks = true;
            leading_break |= first;
            trailing_break |= last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = matches!(c, ' ' | '\t' | '\n');
        i += width;
    }
    let mut a = Analysis {
        line_breaks,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks || block_indicators {
        a.block_plain_allowed = false;
    }
    Ok(a)
}

/// The analysis of a string with line breaks, which is only ever a literal block or
/// double-quoted: what matters is whether a block may hold it (no trailing space, no
/// space before a break, only printable characters). One tight pass over the bytes.
fn analyze_multiline(s: &str) -> Result<Analysis, Unsupported> {
    let bytes = s.as_bytes();
    // One branch-free pass (the compiler vectorises it) for the common case: printable
    // ASCII and line breaks only. Anything else takes the byte-by-byte look below.
    let unusual = bytes.iter().fold(false, |acc, &b| {
        acc | ((b < 0x20) & (b != b'\n')) | (b >= 0x7F)
    });
    let mut special = false;
    let mut non_ascii = false;
    if unusual {
        for &b in bytes {
            if b < 0x20 {
                // Tabs, controls and `\r` (which only double quotes keep) alike.
                special |= b != b'\n';
            } else if b >= 0x7F {
                special |= b == 0x7F;
                non_ascii |= b >= 0x80;
            }
        }
    }
    if non_ascii {
        for c in s.chars().filter(|c| !c.is_ascii()) {
            // U+0085, U+2028, U+2029 are line breaks that only double quotes keep.
            special |= !is_printable(c) || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}');
        }
    }
    // A space before a line break, and a line break before a space, in one pass.
    let (space_break, break_space) =
        bytes
            .iter()
            .zip(&bytes[1..])
            .fold((false, false), |(sb, bs), (&x, &y)| {
                (
                    sb | ((x == b' ') & (y == b'\n')),
                    bs | ((x == b'\n') & (y == b' ')),
                )
            });
    let blocked = special || s.ends_with(' ') || space_break;
    Ok(Analysis {
        line_breaks: true,
        block_plain_allowed: false,
        single_quoted_allowed: !blocked && !break_space,
        block_allowed: !blocked,
    })
}

/// Whether a common YAML reader would read the plain text back as something other than
/// this string, so that it must be quoted: YAML 1.2 readers (`serde_yaml`, which also
/// quotes digit strings with a leading zero), go-yaml v2 as kubectl and Helm read YAML
/// (YAML 1.1 booleans `y`/`yes`/`on`/`off`…, `0644`, `1_000`, base-60 `12:30`, dates),
/// and PyYAML as the Python clients and Ansible read it (also `=`, `<<` and anything
/// shaped like a timestamp, valid or not).
///
/// ```text
/// on  yes  N  1_000  12:30  0644  0o17  0x1F  .inf  ~  1e3  +1  2001-12-14  =   → quoted
/// one  1.2.3  v1.0  10.0.0.0/8  12:30:x                                          → plain
/// ```
pub fn misread_unquoted(s: &str) -> bool {
    // Every text the three readers take for another type starts with a digit, a sign
    // or a dot (numbers, dates, `.inf`), or is at most five characters long (`false`,
    // `~`, `<<`, `=`): a longer text starting with anything else is a string to all.
    // Starting with a letter, only their keywords are something else (most keys and
    // names of an object are checked here).
    match s.as_bytes().first() {
        Some(b) if b.is_ascii_alphabetic() => return is_keyword(s),
        Some(b) if s.len() > 5 && !matches!(b, b'0'..=b'9' | b'+' | b'-' | b'.') => {
            return false;
        }
        _ => {}
    }
    serde_yaml_reads_as_non_string(s)
        || !crate::helm_compat::go_yaml::resolves_to_string(s)
        || pyyaml_reads_as_non_string(s)
}

/// The words any of the three readers takes for a boolean or null: PyYAML's (YAML 1.1)
/// and go-yaml's, which also has `y` and `n`; YAML 1.2's are among them.
fn is_keyword(s: &str) -> bool {
    pyyaml_keyword(s) || matches!(s, "y" | "Y" | "n" | "N")
}

/// PyYAML's boolean and null words.
fn pyyaml_keyword(s: &str) -> bool {
    matches!(
        s,
        "yes"
            | "Yes"
            | "YES"
            | "no"
            | "No"
            | "NO"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
            | "null"
            | "Null"
            | "NULL"
    )
}

/// Whether `serde_yaml` would read the plain text back as null, a boolean or a number
/// (or as a string of digits with a leading zero, which it quotes too).
fn serde_yaml_reads_as_non_string(s: &str) -> bool {
    match s {
        "" | "~" | "null" | "Null" | "NULL" | "true" | "True" | "TRUE" | "false" | "False"
        | "FALSE" => return true,
        _ => {}
    }
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return false;
    }
    digits_but_not_number(s) || parses_as_int(s) || parse_f64(s)
}

/// Whether PyYAML's implicit resolvers (YAML 1.1) give the plain text another tag than
/// `str`: bool, int, float, null, timestamp, merge (`<<`) or value (`=`).
fn pyyaml_reads_as_non_string(s: &str) -> bool {
    match s.as_bytes().first() {
        None => true,
        Some(b'0'..=b'9' | b'+' | b'-' | b'.') => super::pyyaml_numbers::reads_as_number_or_date(s),
        Some(_) => pyyaml_keyword(s) || matches!(s, "~" | "<<" | "="),
    }
}

fn digits_but_not_number(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    s.len() > 1 && s.starts_with('0') && s[1..].bytes().all(|b| b.is_ascii_digit())
}

fn radix_prefixed(rest: &str, radix: u32, negative: bool) -> bool {
    if negative {
        i64::from_str_radix(&format!("-{rest}"), radix).is_ok()
    } else {
        !rest.starts_with(['+', '-']) && u64::from_str_radix(rest, radix).is_ok()
    }
}

fn parses_as_int(s: &str) -> bool {
    let unpositive = s.strip_prefix('+').unwrap_or(s);
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = unpositive.strip_prefix(prefix)
            && radix_prefixed(rest, radix, false)
        {
            return true;
        }
        if let Some(rest) = s.strip_prefix('-').and_then(|r| r.strip_prefix(prefix))
            && radix_prefixed(rest, radix, true)
        {
            return true;
        }
    }
    if digits_but_not_number(s) {
        return false;
    }
    (!unpositive.starts_with(['+', '-']) && unpositive.parse::<u64>().is_ok())
        || s.parse::<i64>().is_ok()
}

fn parse_f64(s: &str) -> bool {
    let unpositive = match s.strip_prefix('+') {
        Some(u) if u.starts_with(['+', '-']) => return false,
        Some(u) => u,
        None => s,
    };
    if matches!(unpositive, ".inf" | ".Inf" | ".INF")
        || matches!(s, "-.inf" | "-.Inf" | "-.INF" | ".nan" | ".NaN" | ".NAN")
    {
        return true;
    }
    unpositive.parse::<f64>().is_ok_and(f64::is_finite)
}

/// A number as Helm's `toYaml` prints it: integers as they are, whole floats below
/// 1e21 as integers (`2.0` → `2`, as values files hold every number as a float), other
/// floats in Go's shortest form (`0.5`, `1.2345675e+06`, `1e-05`).
fn number_text(n: &serde_json::Number) -> String {
    crate::helm_compat::go_yaml::format_number(n)
}

fn write_double_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        // U+2028 and U+2029 are printable but line breaks: written raw, a reader would
        // fold them.
        let plain = is_printable(c) && !matches!(c, '\n' | '"' | '\\' | '\u{2028}' | '\u{2029}');
        if plain {
            out.push(c);
            continue;
        }
        out.push('\\');
        let short = match c {
            '\0' => Some('0'),
            '\u{7}' => Some('a'),
            '\u{8}' => Some('b'),
            '\t' => Some('t'),
            '\n' => Some('n'),
            '\u{B}' => Some('v'),
            '\u{C}' => Some('f'),
            '\r' => Some('r'),
            '\u{1B}' => Some('e'),
            '"' => Some('"'),
            '\\' => Some('\\'),
            '\u{85}' => Some('N'),
            '\u{2028}' => Some('L'),
            '\u{2029}' => Some('P'),
            _ => None,
        };
        match short {
            Some(e) => out.push(e),
            None => {
                let v = c as u32;
                let (letter, width) = if v <= 0xFF {
                    ('x', 2)
                } else if v <= 0xFFFF {
                    ('u', 4)
                } else {
                    ('U', 8)
                };
                out.push(letter);
                out.push_str(&format!("{v:0width$X}"));
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {

    /// The printable-ASCII path decides what the character-by-character analysis
    /// decides, for every string of up to four characters over the indicators, blanks
    /// and a letter.
    #[test]
    fn long_texts_not_starting_like_a_number_read_as_strings_everywhere() {
        // The shortcut of `misread_unquoted` against the three readers themselves.
        for word in [
            "falsey",
            "Nullable",
            "yesterday",
            "offset",
            "onions",
            "TRUE12",
            "nan123",
            "Infinity",
            "NaN___",
            "e12345",
            "x1_000",
            "y2001-12-14",
            "on_off",
            "null:x",
            "/etc/kubernetes",
            "${COREOS_OPENSTACK_HOSTNAME}",
            "~/.kube",
            "<<<<<<",
            "=====",
            "'{{ local_hostname }}'",
        ] {
            assert!(
                !(serde_yaml_reads_as_non_string(word)
                    || !crate::helm_compat::go_yaml::resolves_to_string(word)
                    || pyyaml_reads_as_non_string(word)),
                "{word}"
            );
            assert!(!misread_unquoted(word));
        }
        // Short words starting with a letter: the keyword table against the readers.
        for word in [
            "y", "Y", "n", "N", "yes", "no", "on", "off", "On", "OFF", "true", "True", "null",
            "Null", "NULL", "FALSE", "v1", "demo", "kind", "name", "nan", "inf", "e1", "x", "Yes",
            "nO", "tRue", "oN", "spec", "key",
        ] {
            let full = serde_yaml_reads_as_non_string(word)
                || !crate::helm_compat::go_yaml::resolves_to_string(word)
                || pyyaml_reads_as_non_string(word);
            assert_eq!(misread_unquoted(word), full, "{word}");
        }
        for word in [
            "false",
            "FALSE",
            "yes",
            "Off",
            "null",
            "y",
            "N",
            "~",
            "<<",
            "=",
            "-.inf",
            "12:30:00",
            "-1_000_000",
            "2001-12-14",
            ".5e+10",
        ] {
            assert!(misread_unquoted(word), "{word}");
        }
    }

    #[test]
    fn printable_line_analysis_is_the_general_one() {
        let alphabet = [b' ', b':', b'#', b'-', b'?', b'.', b',', b'\'', b'a'];
        let mut strings: Vec<Vec<u8>> = vec![vec![]];
        for _ in 0..4 {
            let longer: Vec<Vec<u8>> = strings
                .iter()
                .filter(|s| s.len() == strings.last().map_or(0, Vec::len))
                .flat_map(|s| {
                    alphabet.iter().map(move |&c| {
                        let mut t = s.clone();
                        t.push(c);
                        t
                    })
                })
                .collect();
            strings.extend(longer);
        }
        for s in strings.iter().filter(|s| !s.is_empty()) {
            let text = std::str::from_utf8(s).unwrap();
            assert_eq!(
                analyze_printable_line(s),
                analyze_general(text).unwrap(),
                "{text:?}"
            );
        }
    }

    use super::*;
    use serde_json::json;

    fn both(v: &Value) -> (String, String) {
        let mut out = String::new();
        write_value(&mut out, v).expect("supported");
        (out, serde_yaml::to_string(v).unwrap())
    }

    #[test]
    fn matches_serde_yaml_on_typical_shapes() {
        let v = json!({
            "apiVersion": "v1", "empty": "", "nothing": null, "t": true, "i": -3, "f": 1.5,
            "quoted": ["true", "1.0", "0644", "0x1F", ": x", "- a", "a: b", "a #b", "#c", "it's"],
            "tab": "a\tb", "block": "line 1\n  line 2\n\nend\n", "lead": " x\ny", "trail": "x \ny",
            "nested": {"list": [{"a": 1, "b": [1, [2, 3]]}, [], {}, "x\ny"], "m": {}},
            "unicode": "héllo ✓ 😀", "bom": "\u{FEFF}x", "ctrl": "\u{1}", "nel": "a\u{A0}b",
        });
        let (ours, theirs) = both(&v);
        assert_eq!(ours, theirs);
    }

    #[test]
    fn top_level_scalars_and_lists() {
        for v in [
            json!("x"),
            json!("a\nb"),
            json!([1, {"a": "b"}]),
            json!({}),
            json!(null),
            json!(""),
        ] {
            let (ours, theirs) = both(&v);
            assert_eq!(ours, theirs, "{v}");
        }
    }

    #[test]
    fn other_line_breaks_and_kept_newlines_are_double_quoted() {
        for (s, want) in [
            ("x\n\n", "a: \"x\\n\\n\"\n"),
            ("x\ry", "a: \"x\\ry\"\n"),
            ("x\u{2028}y", "a: \"x\\Ly\"\n"),
            ("\n", "a: \"\\n\"\n"),
        ] {
            let mut out = String::new();
            write_value(&mut out, &json!({ "a": s })).unwrap();
            assert_eq!(out, want);
        }
        let long_key = "k".repeat(2000);
        assert!(write_value(&mut String::new(), &json!({ long_key: 1 })).is_err());
    }
}

#[cfg(test)]
mod examples {
    //! What the items above do, shown on small inputs.

    #[test]
    fn unsupported() {
        let long_key = "k".repeat(2000);
        let v = serde_json::json!({ long_key: 1 });
        assert!(crate::output::block_yaml::write_value(&mut String::new(), &v).is_err());
    }

    #[test]
    fn write_value() {
        let mut out = String::new();
        crate::output::block_yaml::write_value(
            &mut out,
            &serde_json::json!({"a": [1, "on"], "b": "x\ny"}),
        )
        .unwrap();
        assert_eq!(out, "a:\n- 1\n- 'on'\nb: |-\n  x\n  y\n");
    }

    #[test]
    fn write_object() {
        let obj = crate::Object::new(
            "v1",
            "ServiceAccount",
            crate::ObjectMeta::named("sa"),
            serde_json::json!({}),
        )
        .unwrap();
        let mut out = String::new();
        crate::output::block_yaml::write_object(&mut out, &obj).unwrap();
        assert_eq!(
            out,
            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n"
        );
    }
}

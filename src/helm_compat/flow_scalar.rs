//! What a YAML reader makes of text that a template printed between double quotes
//! (`key: "{{ … }}"`): escape sequences are decoded and line breaks fold (one break
//! between two lines becomes a space, each further break a newline, blanks around breaks
//! go), as libyaml and go-yaml scan a double-quoted scalar.

/// Why a text cannot sit between double quotes: the reader would end the scalar early
/// or refuse an escape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotQuotable(pub String);

impl std::fmt::Display for NotQuotable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The string a YAML reader reads from `"<body>"`, where `body` is raw text.
///
/// ```text
/// use capiform::helm_compat::flow_scalar::read_double_quoted;
/// assert_eq!(read_double_quoted("a=line1\nline2\n,b=c").unwrap(), "a=line1 line2 ,b=c");
/// assert_eq!(read_double_quoted("x  \n\n  y").unwrap(), "x\ny");
/// assert_eq!(read_double_quoted(r"tab\there").unwrap(), "tab\there");
/// assert!(read_double_quoted("say \"hi\"").is_err());
/// assert!(read_double_quoted(r"bad \q escape").is_err());
/// ```
pub fn read_double_quoted(body: &str) -> Result<String, NotQuotable> {
    let chars: Vec<char> = body.chars().collect();
    let mut out = String::with_capacity(body.len());
    let mut i = 0;
    let mut column = 0usize;
    while i < chars.len() {
        // Non-blank characters, with escapes.
        while i < chars.len() && !is_blank(chars[i]) && !is_break(chars[i]) {
            if column == 0 && at_document_indicator(&chars[i..]) {
                return Err(NotQuotable(
                    "a line starts with a document marker ('---' or '...')".into(),
                ));
            }
            match chars[i] {
                '"' => {
                    return Err(NotQuotable(
                        "it holds a double quote, which would end the quoted text".into(),
                    ));
                }
                '\\' if chars.get(i + 1).is_some_and(|c| is_break(*c)) => {
                    // An escaped line break: the lines join without a space.
                    i += 1 + break_len(&chars[i + 1..]);
                    column = 0;
                    while i < chars.len() && is_blank(chars[i]) {
                        i += 1;
                        column += 1;
                    }
                    continue;
                }
                '\\' => {
                    let (c, used) = escape(&chars[i + 1..])?;
                    out.push(c);
                    i += 1 + used;
                    column += 1 + used;
                    continue;
                }
                c => out.push(c),
            }
            i += 1;
            column += 1;
        }
        if i >= chars.len() {
            break;
        }
        // Blanks and line breaks, folded.
        let mut whitespace = String::new();
        let mut breaks = 0usize;
        while i < chars.len() && (is_blank(chars[i]) || is_break(chars[i])) {
            if is_blank(chars[i]) {
                if breaks == 0 {
                    whitespace.push(chars[i]);
                }
                i += 1;
                column += 1;
            } else {
                breaks += 1;
                i += break_len(&chars[i..]);
                column = 0;
            }
        }
        match breaks {
            0 => out.push_str(&whitespace),
            1 if i < chars.len() => out.push(' '),
            // At the end of the text the closing quote follows: a break folds the same.
            1 => out.push(' '),
            n => out.extend(std::iter::repeat_n('\n', n - 1)),
        }
    }
    Ok(out)
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Characters of the line break at the start of `rest` (`\r\n` counts as one break).
fn break_len(rest: &[char]) -> usize {
    if rest.starts_with(&['\r', '\n']) {
        2
    } else {
        1
    }
}

fn at_document_indicator(rest: &[char]) -> bool {
    (rest.starts_with(&['-', '-', '-']) || rest.starts_with(&['.', '.', '.']))
        && rest
            .get(3)
            .is_none_or(|c| is_blank(*c) || is_break(*c) || *c == '"')
}

/// The character of the escape after a backslash, and how many characters it used.
fn escape(rest: &[char]) -> Result<(char, usize), NotQuotable> {
    let simple = match rest.first() {
        Some('0') => '\0',
        Some('a') => '\u{7}',
        Some('b') => '\u{8}',
        Some('t' | '\t') => '\t',
        Some('n') => '\n',
        Some('v') => '\u{B}',
        Some('f') => '\u{C}',
        Some('r') => '\r',
        Some('e') => '\u{1B}',
        Some(' ') => ' ',
        Some('"') => '"',
        Some('/') => '/',
        Some('\\') => '\\',
        Some('N') => '\u{85}',
        Some('_') => '\u{A0}',
        Some('L') => '\u{2028}',
        Some('P') => '\u{2029}',
        Some(c @ ('x' | 'u' | 'U')) => {
            let width = match c {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            let digits: String = rest.iter().skip(1).take(width).collect();
            let code = (digits.len() == width)
                .then(|| u32::from_str_radix(&digits, 16).ok())
                .flatten()
                .and_then(char::from_u32)
                .ok_or_else(|| {
                    NotQuotable(format!(
                        "'\\{c}' must be followed by {width} hex digits of a character"
                    ))
                })?;
            return Ok((code, 1 + width));
        }
        Some(c) => {
            return Err(NotQuotable(format!(
                "'\\{c}' is not a YAML escape sequence"
            )));
        }
        None => return Err(NotQuotable("it ends in a backslash".into())),
    };
    Ok((simple, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_unchanged() {
        assert_eq!(read_double_quoted("a=b,c=d").unwrap(), "a=b,c=d");
        assert_eq!(read_double_quoted("").unwrap(), "");
        assert_eq!(
            read_double_quoted("  two  spaces  ").unwrap(),
            "  two  spaces  "
        );
    }

    #[test]
    fn breaks_fold() {
        assert_eq!(read_double_quoted("a\nb").unwrap(), "a b");
        assert_eq!(read_double_quoted("a \n  b").unwrap(), "a b");
        assert_eq!(read_double_quoted("a\n\nb").unwrap(), "a\nb");
        assert_eq!(read_double_quoted("a\n\n\nb").unwrap(), "a\n\nb");
        assert_eq!(read_double_quoted("a\n").unwrap(), "a ");
        assert_eq!(read_double_quoted("a\\\n  b").unwrap(), "ab");
        assert_eq!(read_double_quoted("a\r\nb").unwrap(), "a b");
    }

    #[test]
    fn escapes_decode() {
        assert_eq!(read_double_quoted(r"\x41\u00e9\U0001F600").unwrap(), "Aé😀");
        assert!(read_double_quoted(r"\x4").is_err());
        assert!(read_double_quoted("x\\").is_err());
        assert!(read_double_quoted("a\n--- b").is_err());
    }
}

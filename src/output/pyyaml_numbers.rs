//! PyYAML's implicit resolvers for numbers and dates (YAML 1.1), matched by hand.
//!
//! The Python clients of Kubernetes and Ansible read YAML with PyYAML, which takes a
//! plain text for a float, an int or a timestamp when it matches one of its patterns:
//!
//! ```text
//! float      [-+]?[0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)?     1.5  1_0.  +3.e+4
//!            \.[0-9][0-9_]*([eE][-+][0-9]+)?                 .5
//!            [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*       1:30.5   (base 60)
//!            [-+]?\.(inf|Inf|INF)   \.(nan|NaN|NAN)
//! int        [-+]?0b[0-1_]+   [-+]?0[0-7_]+   [-+]?(0|[1-9][0-9_]*)   [-+]?0x[0-9a-fA-F_]+
//!            [-+]?[1-9][0-9_]*(:[0-5]?[0-9])+                12:30    (base 60)
//! timestamp  [0-9]{4}-[0-9]{2}-[0-9]{2}                      2001-12-14
//!            [0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]*)?
//!              ([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?
//! ```
//!
//! A compiled regular expression does the same, but compiling it costs more than a
//! whole render of a small cluster, once per process.

/// Whether PyYAML reads the plain text `s` as a float, an int or a timestamp.
pub fn reads_as_number_or_date(s: &str) -> bool {
    let b = s.as_bytes();
    float(b) || int(b) || timestamp(b)
}

fn is_digit(c: u8) -> bool {
    c.is_ascii_digit()
}

/// `[-+]?`: the text after an optional sign.
fn unsigned(b: &[u8]) -> &[u8] {
    match b.first() {
        Some(b'-' | b'+') => &b[1..],
        _ => b,
    }
}

/// The length of the longest prefix of `b` whose bytes all pass `ok`.
fn run(b: &[u8], ok: impl Fn(u8) -> bool) -> usize {
    b.iter().take_while(|&&c| ok(c)).count()
}

/// `[0-9][0-9_]*` at the start: its length, 0 when absent.
fn digits_then_underscored(b: &[u8]) -> usize {
    match b.first() {
        Some(&c) if is_digit(c) => 1 + run(&b[1..], |c| is_digit(c) || c == b'_'),
        _ => 0,
    }
}

/// `(:[0-5]?[0-9])+` at the start: its length, 0 when absent.
fn base60_parts(b: &[u8]) -> usize {
    let mut i = 0;
    while b.get(i) == Some(&b':') {
        let part = match (b.get(i + 1), b.get(i + 2)) {
            (Some(b'0'..=b'5'), Some(&c)) if is_digit(c) => 2,
            (Some(&c), _) if is_digit(c) => 1,
            _ => break,
        };
        i += 1 + part;
    }
    i
}

/// `([eE][-+][0-9]+)?` is the whole of `b`.
fn optional_exponent(b: &[u8]) -> bool {
    match b {
        [] => true,
        [b'e' | b'E', b'-' | b'+', rest @ ..] => !rest.is_empty() && rest.iter().all(|&c| is_digit(c)),
        _ => false,
    }
}

fn float(b: &[u8]) -> bool {
    if matches!(b, b".nan" | b".NaN" | b".NAN") {
        return true;
    }
    let u = unsigned(b);
    if matches!(u, b".inf" | b".Inf" | b".INF") {
        return true;
    }
    // `.5`, no sign.
    if let [b'.', rest @ ..] = b {
        let n = digits_then_underscored(rest);
        return n > 0 && optional_exponent(&rest[n..]);
    }
    let n = digits_then_underscored(u);
    if n == 0 {
        return false;
    }
    let rest = &u[n..];
    // `1_0.5e+3`
    if let [b'.', fraction @ ..] = rest {
        let m = run(fraction, |c| is_digit(c) || c == b'_');
        return optional_exponent(&fraction[m..]);
    }
    // `1:30.5`
    let p = base60_parts(rest);
    p > 0
        && rest.get(p) == Some(&b'.')
        && rest[p + 1..].iter().all(|&c| is_digit(c) || c == b'_')
}

fn int(b: &[u8]) -> bool {
    let u = unsigned(b);
    let all = |rest: &[u8], ok: fn(u8) -> bool| !rest.is_empty() && rest.iter().all(|&c| ok(c));
    match u {
        [b'0', b'b', rest @ ..] => all(rest, |c| matches!(c, b'0' | b'1' | b'_')),
        [b'0', b'x', rest @ ..] => all(rest, |c| c.is_ascii_hexdigit() || c == b'_'),
        [b'0'] => true,
        [b'0', rest @ ..] => all(rest, |c| matches!(c, b'0'..=b'7' | b'_')),
        [b'1'..=b'9', ..] => {
            let n = digits_then_underscored(u);
            let p = base60_parts(&u[n..]);
            n + p == u.len()
        }
        _ => false,
    }
}

/// `[0-9]{lo,hi}` at the start: its length, `None` when there are fewer than `lo`
/// digits (at most `hi` are taken).
fn digits(b: &[u8], lo: usize, hi: usize) -> Option<usize> {
    let n = run(b, is_digit).min(hi);
    (n >= lo).then_some(n)
}

fn timestamp(b: &[u8]) -> bool {
    // The date: four digits, then one or two for the month and the day.
    if digits(b, 4, 4) != Some(4) || b.get(4) != Some(&b'-') {
        return false;
    }
    let mut i = 5;
    let Some(month) = digits(&b[i..], 1, 2) else {
        return false;
    };
    i += month;
    if b.get(i) != Some(&b'-') {
        return false;
    }
    i += 1;
    let Some(day) = digits(&b[i..], 1, 2) else {
        return false;
    };
    i += day;
    if i == b.len() {
        // A date alone needs two-digit months and days.
        return month == 2 && day == 2;
    }
    // The time: after `T`, `t` or blanks.
    match b[i] {
        b'T' | b't' => i += 1,
        b' ' | b'\t' => i += run(&b[i..], |c| c == b' ' || c == b'\t'),
        _ => return false,
    }
    let Some(hour) = digits(&b[i..], 1, 2) else {
        return false;
    };
    i += hour;
    for _ in 0..2 {
        if b.get(i) != Some(&b':') || digits(&b[i + 1..], 2, 2).is_none() {
            return false;
        }
        i += 3;
    }
    if b.get(i) == Some(&b'.') {
        i += 1 + run(&b[i + 1..], is_digit);
    }
    // The zone: blanks, then `Z` or an offset (blanks alone are not a zone).
    if i == b.len() {
        return true;
    }
    i += run(&b[i..], |c| c == b' ' || c == b'\t');
    match b.get(i) {
        None => false,
        Some(b'Z') => i + 1 == b.len(),
        Some(b'-' | b'+') => {
            i += 1;
            let Some(h) = digits(&b[i..], 1, 2) else {
                return false;
            };
            i += h;
            match b.get(i) {
                None => true,
                Some(b':') => digits(&b[i + 1..], 2, 2).is_some() && i + 3 == b.len(),
                _ => false,
            }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::reads_as_number_or_date;

    /// PyYAML's patterns as one regular expression: the reference the hand matcher is
    /// held to.
    fn reference() -> regex::Regex {
        regex::Regex::new(concat!(
            r"^(?:",
            r"[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?",
            r"|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?",
            r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*",
            r"|[-+]?\.(?:inf|Inf|INF)",
            r"|\.(?:nan|NaN|NAN)",
            r"|[-+]?0b[0-1_]+",
            r"|[-+]?0[0-7_]+",
            r"|[-+]?(?:0|[1-9][0-9_]*)",
            r"|[-+]?0x[0-9a-fA-F_]+",
            r"|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+",
            r"|[0-9]{4}-[0-9]{2}-[0-9]{2}",
            r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?",
            r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?",
            r")$"
        ))
        .unwrap()
    }

    #[test]
    fn known_texts() {
        for yes in [
            "0", "7", "-1", "+12", "1_000", "0644", "0b101", "-0x1F", "0x_f", "12:30", "1:30:59",
            "1.5", "1.", "-1_0.5e+3", ".5", ".5E-7", "1:30.5", ".inf", "-.Inf", ".NaN",
            "2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-1-4 1:59:43", "2001-12-14 21:59:43 Z",
            "2001-12-14T21:59:43+5",
        ] {
            assert!(reads_as_number_or_date(yes), "{yes}");
        }
        for no in [
            "", "-", ".", "0.1.0", "1.31.4", "0x", "0b", "08", "12:60", "1e3", "1.5e3", "-.nan",
            "2001-1-4", "2001-12-14T", "2001-12-14 21:59", "v1", "1-2", "10.0.0.0/8", "12:30:x",
        ] {
            assert!(!reads_as_number_or_date(no), "{no}");
        }
    }

    #[test]
    fn agrees_with_the_patterns_on_random_texts() {
        let re = reference();
        let mut rng = crate::test_rng::Rng(0x5eed);
        let alphabet = b"0123456789012345_.:-+eExbTtZ \tinfaNI";
        for _ in 0..200_000 {
            let len = 1 + rng.below(12);
            let text: String = (0..len)
                .map(|_| char::from(alphabet[rng.below(alphabet.len())]))
                .collect();
            assert_eq!(reads_as_number_or_date(&text), re.is_match(&text), "{text:?}");
        }
        // Texts made of the patterns' own pieces reach dates, times and zones.
        let pieces = [
            "2001", "-", "12", "1", "T", "t", " ", "\t", ":", "59", "5", "60", ".", "Z", "+", "05",
            "_", "0x", "0b", "e+3", "E-", "inf", "NaN", "0", "7", "8",
        ];
        let mut matched = 0;
        for _ in 0..1_000_000 {
            let n = 1 + rng.below(14);
            let text: String = (0..n).map(|_| rng.pick(&pieces)).collect();
            let expected = re.is_match(&text);
            matched += usize::from(expected);
            assert_eq!(reads_as_number_or_date(&text), expected, "{text:?}");
        }
        assert!(matched > 1_000, "the pieces must reach the patterns ({matched} matched)");
        // Timestamps, whole and with one character changed or dropped.
        let mut stamps = 0;
        for _ in 0..200_000 {
            let mut text = format!(
                "2001-{}-{}{}{}:{}:{}{}{}",
                rng.pick(&["1", "12", "123"]),
                rng.pick(&["4", "14", ""]),
                rng.pick(&["T", "t", " ", " \t ", "x", ""]),
                rng.pick(&["1", "21", "210"]),
                rng.pick(&["59", "5", "599"]),
                rng.pick(&["43", "4"]),
                rng.pick(&["", ".", ".10", ".x"]),
                rng.pick(&["", "Z", " Z", "-5", "+05:00", "-05:0", " +1", "Zz"]),
            );
            if rng.below(3) == 0 && !text.is_empty() {
                let at = rng.below(text.len());
                text.remove(at);
                if rng.below(2) == 0 {
                    text.insert(at, char::from(alphabet[rng.below(alphabet.len())]));
                }
            }
            let expected = re.is_match(&text);
            stamps += usize::from(expected);
            assert_eq!(reads_as_number_or_date(&text), expected, "{text:?}");
        }
        assert!(stamps > 1_000, "the timestamps must match ({stamps} matched)");
    }
}

//! Template expressions in values, as the chart's `tpl` evaluates them (the chart runs
//! `machineImage` through `tpl`, so `ubuntu-{{ .Values.kubernetesVersion }}` names the
//! image of the cluster's version).
//!
//! What operators write is evaluated as helm would: `.Values.<path>`, `.Release.Name`,
//! `.Release.Namespace`, string literals, and pipelines of the common Sprig string
//! functions (`replace`, `lower`, `upper`, `trim`, `trimPrefix`, `trimSuffix`, `trunc`,
//! `default`, `quote`, `toString`), with `{{-`/`-}}` trimming spaces as Go does.
//! Anything else is refused with a message naming the expression, and a `.Values` key
//! that does not exist is an error with a suggestion: helm would print `<no value>`
//! and name an image that does not exist.

use serde_json::Value;

use crate::values::Merged;

/// What a template may read besides the values.
#[derive(Debug, Clone, Copy)]
pub struct Release<'a> {
    /// `.Release.Name`.
    pub name: &'a str,
    /// `.Release.Namespace`.
    pub namespace: &'a str,
}

/// Expand the template expressions of `text`; the error says what is wrong with which
/// expression (the caller names the field).
///
/// ```
/// use capiform::values::{Merged, tpl::{expand, Release}};
/// let tree = serde_json::json!({"kubernetesVersion": "1.31.4"});
/// let values = Merged::whole(&tree);
/// let release = Release { name: "demo", namespace: "ns" };
/// let text = r#"img-{{ .Values.kubernetesVersion | replace "." "-" }}-{{ .Release.Name }}"#;
/// assert_eq!(expand(text, &values, release).unwrap(), "img-1-31-4-demo");
/// let err = expand("img-{{ .Values.kubernetesVerison }}", &values, release).unwrap_err();
/// assert_eq!(err, "'{{ .Values.kubernetesVerison }}': .Values.kubernetesVerison is not set (did you mean kubernetesVersion?)");
/// ```
pub fn expand(text: &str, values: &Merged, release: Release) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| format!("unclosed '{{{{' in '{text}'"))?;
        let mut inner = &after[..end];
        if let Some(trimmed) = inner.strip_prefix("- ") {
            inner = trimmed;
            out.truncate(out.trim_end().len());
        }
        let trim_after = inner.ends_with(" -");
        if trim_after {
            inner = &inner[..inner.len() - 2];
        }
        let expr = inner.trim();
        let shown = format!("{{{{ {expr} }}}}");
        let value = pipeline(expr, values, release).map_err(|e| format!("'{shown}': {e}"))?;
        out.push_str(&value);
        rest = &after[end + 2..];
        if trim_after {
            rest = rest.trim_start();
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// A token of an expression.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Text(String),
    Pipe,
}

fn tokens(expr: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = expr.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            ' ' | '\t' => {
                chars.next();
            }
            '|' => {
                chars.next();
                out.push(Token::Pipe);
            }
            '"' => {
                chars.next();
                let mut s = String::new();
                loop {
                    match chars.next() {
                        None => return Err("unclosed string literal".into()),
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some('n') => s.push('\n'),
                            Some('t') => s.push('\t'),
                            Some(e @ ('"' | '\\')) => s.push(e),
                            _ => return Err("unsupported escape in a string literal".into()),
                        },
                        Some(c) => s.push(c),
                    }
                }
                out.push(Token::Text(s));
            }
            _ => {
                let mut w = String::new();
                while let Some(&c) = chars.peek() {
                    if matches!(c, ' ' | '\t' | '|' | '"') {
                        break;
                    }
                    w.push(c);
                    chars.next();
                }
                out.push(Token::Word(w));
            }
        }
    }
    Ok(out)
}

/// A value in the pipeline: text, or missing (`.Values` key absent / null).
type Piped = Option<String>;

fn pipeline(expr: &str, values: &Merged, release: Release) -> Result<String, String> {
    let tokens = tokens(expr)?;
    let mut piped: Option<Piped> = None;
    for command in tokens.split(|t| *t == Token::Pipe) {
        if command.is_empty() {
            return Err("empty command in the pipeline".into());
        }
        piped = Some(run(command, piped, values, release)?);
    }
    match piped {
        Some(Some(text)) => Ok(text),
        Some(None) => Err(missing_message(expr, values)),
        None => Err("empty expression".into()),
    }
}

/// The message for an expression whose value is missing: the first `.Values` path that
/// is not set, with a suggestion.
fn missing_message(expr: &str, values: &Merged) -> String {
    let path = tokens(expr)
        .ok()
        .into_iter()
        .flatten()
        .find_map(|t| match t {
            Token::Word(w) => w.strip_prefix(".Values.").map(str::to_string),
            _ => None,
        })
        .unwrap_or_default();
    let keys: Vec<&str> = path.split('.').collect();
    let mut known: Vec<String> = Vec::new();
    for depth in 0..keys.len() {
        let present = if depth == 0 {
            Some(true)
        } else {
            values.dig(&keys[..depth]).map(Value::is_object)
        };
        if values.dig(&keys[..=depth]).is_none_or(Value::is_null) {
            if present == Some(true) {
                known = if depth == 0 {
                    values
                        .entries()
                        .into_iter()
                        .map(|(k, _)| k.to_string())
                        .collect()
                } else {
                    values
                        .dig(&keys[..depth])
                        .and_then(Value::as_object)
                        .map(|m| m.keys().cloned().collect())
                        .unwrap_or_default()
                };
            }
            let missing = keys[depth];
            let best = known
                .iter()
                .map(|k| (strsim::damerau_levenshtein(k, missing), k))
                .filter(|(d, k)| *d <= 3 && k.as_str() != missing)
                .min();
            let hint = best
                .map(|(_, k)| format!(" (did you mean {k}?)"))
                .unwrap_or_default();
            return format!("{} is not set{hint}", format_args!(".Values.{path}"));
        }
    }
    format!(".Values.{path} is not set")
}

fn operand(word: &str, values: &Merged, release: Release) -> Result<Piped, String> {
    if let Some(path) = word.strip_prefix(".Values.") {
        let keys: Vec<&str> = path.split('.').collect();
        return Ok(match values.dig(&keys) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => Some(crate::helm_compat::go_string(v)),
            Some(_) => return Err(format!("{word} is a mapping or a list, not text")),
        });
    }
    match word {
        ".Release.Name" => Ok(Some(release.name.to_string())),
        ".Release.Namespace" => Ok(Some(release.namespace.to_string())),
        _ => Err(format!(
            "'{word}' is not supported (only .Values.<key>, .Release.Name, .Release.Namespace, string literals and the functions replace, lower, upper, trim, trimPrefix, trimSuffix, trunc, default, quote, toString, printf)"
        )),
    }
}

fn run(
    command: &[Token],
    piped: Option<Piped>,
    values: &Merged,
    release: Release,
) -> Result<Piped, String> {
    let (head, args) = command.split_first().expect("a command");
    let mut argv: Vec<Piped> = Vec::new();
    for a in args {
        argv.push(match a {
            Token::Text(s) => Some(s.clone()),
            Token::Word(w) if w.parse::<i64>().is_ok() => Some(w.clone()),
            Token::Word(w) => operand(w, values, release)?,
            Token::Pipe => unreachable!("split on pipes"),
        });
    }
    if let Some(p) = piped.clone() {
        argv.push(p);
    }
    let name = match head {
        Token::Text(s) if argv.is_empty() => return Ok(Some(s.clone())),
        Token::Word(w) if w.starts_with('.') && argv.is_empty() => {
            return operand(w, values, release);
        }
        Token::Word(w) => w.as_str(),
        _ => return Err("a function name or a value must start each command".into()),
    };
    let given = argv.len();
    let arity = |n: usize| -> Result<(), String> {
        if given == n {
            Ok(())
        } else {
            Err(format!("{name} takes {n} argument(s), got {given}"))
        }
    };
    // `default` is the one function that takes a missing value.
    if name == "default" {
        arity(2)?;
        return Ok(argv[1]
            .clone()
            .filter(|s| !s.is_empty())
            .or(argv[0].clone()));
    }
    if argv.iter().any(Option::is_none) {
        return Ok(None);
    }
    let a: Vec<String> = argv.into_iter().map(Option::unwrap_or_default).collect();
    let result = match name {
        "lower" => {
            arity(1)?;
            a[0].to_lowercase()
        }
        "upper" => {
            arity(1)?;
            a[0].to_uppercase()
        }
        "trim" => {
            arity(1)?;
            a[0].trim().to_string()
        }
        "toString" => {
            arity(1)?;
            a[0].clone()
        }
        "quote" => {
            arity(1)?;
            crate::helm_compat::sprig::quote(&a[0])
        }
        "replace" => {
            arity(3)?;
            a[2].replace(&a[0], &a[1])
        }
        "trimPrefix" => {
            arity(2)?;
            a[1].strip_prefix(a[0].as_str())
                .unwrap_or(&a[1])
                .to_string()
        }
        "trimSuffix" => {
            arity(2)?;
            a[1].strip_suffix(a[0].as_str())
                .unwrap_or(&a[1])
                .to_string()
        }
        "printf" => {
            let (format, args) = a.split_first().ok_or("printf takes a format")?;
            printf(format, args)?
        }
        "trunc" => {
            arity(2)?;
            let n: i64 = a[0]
                .parse()
                .map_err(|_| format!("trunc takes a number, got '{}'", a[0]))?;
            let n = if n < 0 {
                a[1].len().saturating_sub(n.unsigned_abs() as usize)
            } else {
                n as usize
            };
            crate::helm_compat::sprig::trunc(&a[1], n).to_string()
        }
        other => {
            return Err(format!(
                "the function '{other}' is not supported (supported: replace, lower, upper, trim, trimPrefix, trimSuffix, trunc, default, quote, toString, printf)"
            ));
        }
    };
    Ok(Some(result))
}

/// Go's `printf` for text arguments: `%s`, `%v`, `%d` and `%q` take the next argument,
/// `%%` is a percent sign.
fn printf(format: &str, args: &[String]) -> Result<String, String> {
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some(verb @ ('s' | 'v' | 'd' | 'q')) => {
                let arg = args
                    .next()
                    .ok_or_else(|| format!("printf: %{verb} has no argument"))?;
                if verb == 'q' {
                    out.push_str(&crate::helm_compat::sprig::quote(arg));
                } else {
                    out.push_str(arg);
                }
            }
            other => {
                return Err(format!(
                    "printf: the verb %{} is not supported (supported: %s %v %d %q %%)",
                    other.map(String::from).unwrap_or_default()
                ));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ex(text: &str) -> Result<String, String> {
        let tree =
            json!({"kubernetesVersion": "1.31.4", "n": 2.0, "osDistro": "ubuntu", "m": {"a": "x"}});
        let values = Merged::whole(&tree);
        expand(
            text,
            &values,
            Release {
                name: "demo",
                namespace: "ns",
            },
        )
    }

    #[test]
    fn what_operators_write() {
        assert_eq!(ex("u-{{ .Values.kubernetesVersion }}").unwrap(), "u-1.31.4");
        assert_eq!(ex("u-{{.Values.kubernetesVersion}}").unwrap(), "u-1.31.4");
        assert_eq!(ex("u- {{- .Values.n -}} -x").unwrap(), "u-2-x");
        assert_eq!(
            ex(r#"{{ .Values.kubernetesVersion | replace "." "" | trimPrefix "1" }}"#).unwrap(),
            "314"
        );
        assert_eq!(
            ex(r#"{{ upper .Values.osDistro }}-{{ .Release.Namespace }}"#).unwrap(),
            "UBUNTU-ns"
        );
        assert_eq!(ex(r#"{{ .Values.nope | default "d" }}"#).unwrap(), "d");
        assert_eq!(ex(r#"{{ "lit" }}"#).unwrap(), "lit");
        assert_eq!(ex(r#"{{ .Values.osDistro | trunc 3 }}"#).unwrap(), "ubu");
        assert_eq!(ex("plain").unwrap(), "plain");
        assert_eq!(
            ex(r#"{{ printf "v%s-%d" .Values.kubernetesVersion .Values.n }}"#).unwrap(),
            "v1.31.4-2"
        );
    }

    #[test]
    fn what_is_refused() {
        let err = ex("{{ .Values.kubernetesVerison }}").unwrap_err();
        assert!(err.contains("did you mean kubernetesVersion?"), "{err}");
        let err = ex("{{ .Values.m.b }}").unwrap_err();
        assert!(err.contains(".Values.m.b is not set"), "{err}");
        assert!(ex("{{ .Values.m }}").unwrap_err().contains("mapping"));
        assert!(
            ex(r#"{{ include "x" . }}"#)
                .unwrap_err()
                .contains("not supported")
        );
        assert!(ex("{{ .Values.n | lower | }}").is_err());
        assert!(
            ex("{{ .Chart.Name }}")
                .unwrap_err()
                .contains("not supported")
        );
        assert!(ex("{{ .Values.n").unwrap_err().contains("unclosed"));
        assert!(ex(r#"{{ "x }}"#).is_err());
        assert!(ex(r#"{{ replace "a" }}"#).unwrap_err().contains("takes 3"));
    }
}

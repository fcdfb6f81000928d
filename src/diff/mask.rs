//! Secret values never reach a diff: the values of Secrets (`data`, `stringData`),
//! values under keys that name a credential (`password`, `…_secret`, `token` …),
//! such lines inside multi-line texts (`application_credential_secret: …`) and PEM
//! private keys are replaced by a mask. A mask says whether the value changed, never
//! what it is: `***` when both sides are equal, `*** (before)` and `*** (after)` when
//! they differ.

use serde_json::Value;

/// The mask of a value equal on both sides, or present on one side only.
pub const MASK: &str = "***";
const MASK_BEFORE: &str = "*** (before)";
const MASK_AFTER: &str = "*** (after)";

/// Mask the secret values of two versions of one object (either may be absent), so
/// that a changed secret shows as changed and an unchanged one as unchanged.
///
/// ```
/// let mut before = Some(serde_json::json!({"apiVersion": "v1", "kind": "Secret",
///     "stringData": {"a": "old", "b": "same"}}));
/// let mut after = Some(serde_json::json!({"apiVersion": "v1", "kind": "Secret",
///     "stringData": {"a": "new", "b": "same"}}));
/// capiform::diff::mask_secrets(before.as_mut(), after.as_mut());
/// assert_eq!(before.unwrap()["stringData"], serde_json::json!({"a": "*** (before)", "b": "***"}));
/// assert_eq!(after.unwrap()["stringData"], serde_json::json!({"a": "*** (after)", "b": "***"}));
/// ```
pub fn mask_secrets(before: Option<&mut Value>, after: Option<&mut Value>) {
    let is_secret = |v: &Option<&mut Value>| {
        v.as_deref()
            .is_some_and(|o| o.get("kind").and_then(Value::as_str) == Some("Secret"))
    };
    let secret = is_secret(&before) || is_secret(&after);
    mask_pair(before, after, false, secret);
}

/// Walk both sides in step. `hidden`: the whole subtree is a secret value.
/// `secret_object`: the top level of a Secret, whose `data` and `stringData` are hidden.
fn mask_pair(
    before: Option<&mut Value>,
    after: Option<&mut Value>,
    hidden: bool,
    secret_object: bool,
) {
    match (before, after) {
        (Some(Value::Object(b)), Some(Value::Object(a))) => {
            for (key, bv) in b.iter_mut() {
                let hide = hidden || hides(key, secret_object);
                mask_pair(Some(bv), a.get_mut(key), hide, false);
            }
            for (key, av) in a.iter_mut().filter(|(k, _)| !b.contains_key(*k)) {
                let hide = hidden || hides(key, secret_object);
                mask_pair(None, Some(av), hide, false);
            }
        }
        (Some(Value::Array(b)), Some(Value::Array(a))) => {
            let mut a_items = a.iter_mut();
            for bv in b.iter_mut() {
                mask_pair(Some(bv), a_items.next(), hidden, false);
            }
            for av in a_items {
                mask_pair(None, Some(av), hidden, false);
            }
        }
        (Some(b), Some(a)) if hidden => {
            if b.is_null() && a.is_null() {
                return;
            }
            let same = b == a;
            *b = Value::String(if same { MASK } else { MASK_BEFORE }.into());
            *a = Value::String(if same { MASK } else { MASK_AFTER }.into());
        }
        (Some(Value::String(b)), Some(Value::String(a))) => mask_texts(b, a),
        (Some(b), Some(a)) => {
            mask_pair(Some(b), None, hidden, secret_object);
            mask_pair(None, Some(a), hidden, secret_object);
        }
        (Some(one), None) | (None, Some(one)) => mask_one(one, hidden, secret_object),
        (None, None) => {}
    }
}

/// Mask a value present on one side only.
fn mask_one(value: &mut Value, hidden: bool, secret_object: bool) {
    match value {
        Value::Object(m) => {
            for (key, v) in m.iter_mut() {
                mask_one(v, hidden || hides(key, secret_object), false);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| mask_one(v, hidden, false)),
        Value::Null => {}
        _ if hidden => *value = Value::String(MASK.into()),
        Value::String(s) => {
            if let Some(masked) = masked_text(s, None) {
                *s = masked;
            }
        }
        _ => {}
    }
}

fn hides(key: &str, secret_object: bool) -> bool {
    (secret_object && (key == "data" || key == "stringData")) || names_credential(key)
}

/// Whether a key names a credential: after dropping everything but letters and
/// digits and lower-casing, it ends with `password`, `passwd`, `secret`, `token`,
/// `apikey`, `privatekey`, `secretkey` or `accesskey`. Keys that name where a secret
/// is (`secretName`, `tokenFile`, `passwordRef` …) are not credentials.
///
/// ```
/// use capiform::diff::names_credential;
/// assert!(names_credential("application_credential_secret"));
/// assert!(names_credential("adminPassword"));
/// assert!(names_credential("bearer-token"));
/// assert!(!names_credential("cloudCredentialsSecretName"));
/// assert!(!names_credential("application_credential_id"));
/// ```
pub fn names_credential(key: &str) -> bool {
    const ENDINGS: &[&str] = &[
        "password",
        "passwd",
        "secret",
        "token",
        "apikey",
        "privatekey",
        "secretkey",
        "accesskey",
    ];
    let k: String = key
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    ENDINGS.iter().any(|e| k.ends_with(e))
}

/// Mask the credentials inside two versions of one text.
fn mask_texts(before: &mut String, after: &mut String) {
    let b = masked_text(before, Some(after));
    let a = masked_text(after, Some(before));
    if let Some(b) = b {
        *before = b;
    }
    if let Some(a) = a {
        *after = a;
    }
}

/// The text with its credentials masked, or `None` when it has none. A PEM private
/// key hides the whole text; otherwise each line `key: value` or `key = value` whose
/// key names a credential has its value masked. `other`: the other side's text, to
/// mark a value that differs from the other side's value under the same key.
fn masked_text(text: &str, other: Option<&str>) -> Option<String> {
    if text.contains("-----BEGIN") && text.contains("PRIVATE KEY-----") {
        let same = other == Some(text);
        return Some(
            if same || other.is_none() {
                MASK
            } else {
                "*** (a private key)"
            }
            .into(),
        );
    }
    if !text.lines().any(|l| credential_line(l).is_some()) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        match credential_line(body) {
            Some((key_part, value)) => {
                let changed = other.is_some_and(|o| {
                    o.lines()
                        .filter_map(credential_line)
                        .find(|(k, _)| k.trim() == key_part.trim())
                        .is_some_and(|(_, v)| v != value)
                });
                out.push_str(key_part);
                out.push_str(if changed { "*** (changed)" } else { MASK });
            }
            None => out.push_str(body),
        }
        out.push_str(end);
    }
    Some(out)
}

/// `("  password: ", "hunter2")` for a line that sets a credential, `None` otherwise.
fn credential_line(line: &str) -> Option<(&str, &str)> {
    let sep = line.find([':', '='])?;
    let key = line[..sep].trim().trim_matches(['"', '\'', '-', ' ']);
    if key.is_empty() || !names_credential(key) {
        return None;
    }
    let rest = &line[sep + 1..];
    let value = rest.trim_start();
    if value.is_empty() {
        return None;
    }
    let split = line.len() - value.len();
    Some((&line[..split], value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn masked(mut before: Value, mut after: Value) -> (Value, Value) {
        mask_secrets(Some(&mut before), Some(&mut after));
        (before, after)
    }

    #[test]
    fn secret_data_is_masked_on_one_side_too() {
        let mut only = json!({"kind": "Secret", "data": {"k": "c2VjcmV0"}, "type": "Opaque"});
        mask_secrets(None, Some(&mut only));
        assert_eq!(
            only,
            json!({"kind": "Secret", "data": {"k": "***"}, "type": "Opaque"})
        );
    }

    #[test]
    fn data_of_other_kinds_is_not_hidden() {
        let (b, _) = masked(
            json!({"kind": "ConfigMap", "data": {"k": "v"}}),
            json!({"kind": "ConfigMap", "data": {"k": "v"}}),
        );
        assert_eq!(b["data"]["k"], "v");
    }

    #[test]
    fn credential_keys_anywhere() {
        let (b, a) = masked(
            json!({"spec": {"values": {"auth": {"password": "a", "user": "u"}}}}),
            json!({"spec": {"values": {"auth": {"password": "a", "user": "u"}}}}),
        );
        assert_eq!(
            b["spec"]["values"]["auth"],
            json!({"password": "***", "user": "u"})
        );
        assert_eq!(a, b);
    }

    #[test]
    fn credential_lines_in_texts_are_masked_and_marked_when_changed() {
        let (b, a) = masked(
            json!({"t": "auth:\n  application_credential_secret: old\n  region: r\n"}),
            json!({"t": "auth:\n  application_credential_secret: new\n  region: r\n"}),
        );
        assert_eq!(
            b["t"],
            "auth:\n  application_credential_secret: *** (changed)\n  region: r\n"
        );
        assert_eq!(a["t"], b["t"]);
        assert!(!a.to_string().contains("new") && !b.to_string().contains("old"));
    }

    #[test]
    fn encryption_configuration_secret_lines() {
        let text = "keys:\n  - name: key1\n    secret: c2VjcmV0\n";
        let (b, _) = masked(json!({"c": text}), json!({"c": text}));
        assert_eq!(b["c"], "keys:\n  - name: key1\n    secret: ***\n");
    }

    #[test]
    fn private_keys_are_hidden_whole() {
        let key = "-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----\n";
        let (b, _) = masked(json!({"content": key}), json!({"content": key}));
        assert_eq!(b["content"], MASK);
    }

    #[test]
    fn names_that_point_at_secrets_are_kept() {
        for key in [
            "secretName",
            "tokenFile",
            "passwordRef",
            "secretRef",
            "token_ttl",
        ] {
            assert!(!names_credential(key), "{key}");
        }
    }
}

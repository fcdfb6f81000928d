//! Document order and deterministic YAML emission.

pub mod block_yaml;
mod pyyaml_numbers;
#[cfg(test)]
mod against_serde_yaml;

use serde_json::Value;

use crate::object::Object;

/// Multi-document YAML for `objects`, each document introduced by `---`.
///
/// Maps inside free-form fields are emitted with sorted keys; typed fields keep the
/// order of their Rust definition, so the same input always prints the same bytes.
pub fn to_yaml(objects: &[Object]) -> String {
    let mut out = String::with_capacity(objects.len() * 1024);
    for obj in objects {
        push_document(&mut out, obj);
    }
    out
}

/// Write the YAML of [`to_yaml`] to `w`, object by object through one small buffer,
/// instead of building the whole text first (what `capiform render` prints).
pub fn write_yaml(objects: &[Object], w: &mut impl std::io::Write) -> std::io::Result<()> {
    /// Written out whenever the buffer holds at least this much.
    const CHUNK: usize = 32 * 1024;
    let mut buf = String::with_capacity(CHUNK + 8 * 1024);
    for obj in objects {
        push_document(&mut buf, obj);
        if buf.len() >= CHUNK {
            w.write_all(buf.as_bytes())?;
            buf.clear();
        }
    }
    w.write_all(buf.as_bytes())?;
    w.flush()
}

/// `---` and the YAML of one object.
fn push_document(out: &mut String, obj: &Object) {
    out.push_str("---\n");
    let start = out.len();
    if block_yaml::write_object(out, obj).is_err() {
        out.truncate(start);
        match serde_yaml::to_string(obj) {
            Ok(s) => out.push_str(&s),
            Err(e) => out.push_str(&format!("# failed to serialise {}: {e}\n", obj.id())),
        }
    }
}

/// The YAML of one value, byte-identical to `serde_yaml::to_string` (block style,
/// sorted map keys as stored, literal blocks for multi-line strings).
pub fn value_to_yaml(value: &Value) -> String {
    let mut out = String::new();
    if block_yaml::write_value(&mut out, value).is_err() {
        return serde_yaml::to_string(value).unwrap_or_default();
    }
    out
}

#[cfg(test)]
mod write_tests {
    use super::*;

    /// Writing through the buffer gives the bytes of `to_yaml`, also when the text is
    /// written out in several chunks.
    #[test]
    fn write_yaml_is_to_yaml_in_chunks() {
        let objects: Vec<Object> = (0..100)
            .map(|i| {
                Object::new(
                    "v1",
                    "ConfigMap",
                    crate::ObjectMeta::named(format!("cm-{i}")),
                    serde_json::json!({"data": {"text": format!("line {i}\n").repeat(200)}}),
                )
                .unwrap()
            })
            .collect();
        let mut out = Vec::new();
        write_yaml(&objects, &mut out).unwrap();
        let text = to_yaml(&objects);
        assert!(text.len() > 3 * 32 * 1024);
        assert_eq!(String::from_utf8(out).unwrap(), text);
    }
}

#[cfg(test)]
mod examples {
    //! What the items above do, shown on small inputs.

    #[test]
    fn to_yaml() {
        let sa = crate::Object::new("v1", "ServiceAccount", crate::ObjectMeta::named("sa"), serde_json::json!({})).unwrap();
        let text = crate::output::to_yaml(&[sa]);
        assert_eq!(text, "---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n");
    }

    #[test]
    fn write_yaml() {
        let sa = crate::Object::new("v1", "ServiceAccount", crate::ObjectMeta::named("sa"), serde_json::json!({})).unwrap();
        let mut out = Vec::new();
        crate::output::write_yaml(std::slice::from_ref(&sa), &mut out).unwrap();
        assert_eq!(out, crate::output::to_yaml(&[sa]).into_bytes());
    }

    #[test]
    fn value_to_yaml() {
        let v = serde_json::json!({"a": {"b": ["x", "true"]}, "c": "1\n2\n"});
        assert_eq!(crate::output::value_to_yaml(&v), serde_yaml::to_string(&v).unwrap());
    }
}

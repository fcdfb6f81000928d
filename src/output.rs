//! Document order and deterministic YAML emission.

use crate::object::Object;

/// Multi-document YAML for `objects`, each document introduced by `---`.
///
/// Maps inside free-form fields are emitted with sorted keys; typed fields keep the
/// order of their Rust definition, so the same input always prints the same bytes.
///
/// ```
/// let sa = capiform::Object::new("v1", "ServiceAccount", capiform::ObjectMeta::named("sa"), serde_json::json!({})).unwrap();
/// let text = capiform::output::to_yaml(&[sa]);
/// assert_eq!(text, "---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n");
/// ```
pub fn to_yaml(objects: &[Object]) -> String {
    let mut out = String::new();
    for obj in objects {
        out.push_str("---\n");
        match serde_yaml::to_string(obj) {
            Ok(s) => out.push_str(&s),
            Err(e) => out.push_str(&format!("# failed to serialise {}: {e}\n", obj.id())),
        }
    }
    out
}

/// A file name for an object in `--output-dir` mode: `NNN-kind-name.yaml`, numbered in
/// output order so the directory lists in the same order as the stream.
///
/// ```
/// let sa = capiform::Object::new("v1", "ServiceAccount", capiform::ObjectMeta::named("sa"), serde_json::json!({})).unwrap();
/// assert_eq!(capiform::output::file_name(3, &sa), "003-serviceaccount-sa.yaml");
/// ```
pub fn file_name(index: usize, obj: &Object) -> String {
    format!(
        "{index:03}-{}-{}.yaml",
        obj.kind.to_ascii_lowercase(),
        obj.metadata.name
    )
}

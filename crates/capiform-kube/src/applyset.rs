//! The ApplySet convention of KEP-3659, as `kubectl apply --prune --applyset` implements
//! it: a parent object labelled with the set's id, annotated with the tooling and the
//! group-kinds of its members; each member labelled `applyset.kubernetes.io/part-of`.

use base64::Engine;
use sha2::{Digest, Sha256};

/// Label on the parent: the set's id.
pub const ID_LABEL: &str = "applyset.kubernetes.io/id";
/// Label on every member: the id of its set.
pub const PART_OF_LABEL: &str = "applyset.kubernetes.io/part-of";
/// Annotation on the parent: the tool that manages the set, `name/version`.
pub const TOOLING_ANNOTATION: &str = "applyset.kubernetes.io/tooling";
/// Annotation on the parent: the members' group-kinds (`Kind.group`, `Kind` for the core
/// group), sorted, comma-separated.
pub const CONTAINS_GROUP_KINDS_ANNOTATION: &str = "applyset.kubernetes.io/contains-group-kinds";
/// Name of this tool in the tooling annotation.
pub const TOOLING_NAME: &str = "capiform";

/// The tooling annotation's value for this crate's version, e.g. `capiform/v0.1.0`.
pub fn tooling() -> String {
    format!("{TOOLING_NAME}/v{}", env!("CARGO_PKG_VERSION"))
}

/// The id of the set whose parent is the object `name` of `kind` in `group` and
/// `namespace`: `applyset-` + unpadded URL-safe base64 of the SHA-256 of
/// `<name>.<namespace>.<kind>.<group>` + `-v1`, as kubectl computes it.
///
/// ```
/// let id = capiform_kube::applyset::applyset_id("capiform-release-demo", "clusters", "Secret", "");
/// assert!(id.starts_with("applyset-") && id.ends_with("-v1"));
/// assert_eq!(id.len(), "applyset-".len() + 43 + "-v1".len());
/// ```
pub fn applyset_id(name: &str, namespace: &str, kind: &str, group: &str) -> String {
    let digest = Sha256::digest(format!("{name}.{namespace}.{kind}.{group}").as_bytes());
    format!(
        "applyset-{}-v1",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
    )
}

/// The name of a release's parent Secret (which also holds its revisions).
///
/// ```
/// assert_eq!(capiform_kube::applyset::parent_name("demo"), "capiform-release-demo");
/// ```
pub fn parent_name(release: &str) -> String {
    format!("capiform-release-{release}")
}

/// The group-kinds annotation value: sorted, deduplicated, comma-separated.
///
/// ```
/// let v = capiform_kube::applyset::group_kinds_annotation(["Secret", "Cluster.cluster.x-k8s.io", "Secret"]);
/// assert_eq!(v, "Cluster.cluster.x-k8s.io,Secret");
/// ```
pub fn group_kinds_annotation<'a>(group_kinds: impl IntoIterator<Item = &'a str>) -> String {
    let set: std::collections::BTreeSet<&str> =
        group_kinds.into_iter().filter(|g| !g.is_empty()).collect();
    set.into_iter().collect::<Vec<_>>().join(",")
}

/// The group-kinds of an annotation value (`Kind` or `Kind.group`), split into kind and group.
///
/// ```
/// let gks = capiform_kube::applyset::parse_group_kinds("Cluster.cluster.x-k8s.io,Secret");
/// assert_eq!(gks, vec![("Cluster".to_string(), "cluster.x-k8s.io".to_string()), ("Secret".to_string(), String::new())]);
/// ```
pub fn parse_group_kinds(annotation: &str) -> Vec<(String, String)> {
    annotation
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|gk| match gk.split_once('.') {
            Some((kind, group)) => (kind.to_owned(), group.to_owned()),
            None => (gk.to_owned(), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value kubectl computes for a Secret parent `my-set` in `default` (the KEP's
    /// formula evaluated independently with Python's hashlib and base64.urlsafe_b64encode).
    #[test]
    fn id_matches_the_kep_formula() {
        assert_eq!(
            applyset_id("my-set", "default", "Secret", ""),
            "applyset-kdySOVBWs584aaOTmku9Ul1xDuN7LXBjs-R96jQcisk-v1"
        );
    }
}

//! Every name rule in one place: truncation, component names, labels and template hashes.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

/// Truncate to at most 63 characters and drop trailing dashes (Kubernetes name limits,
/// as the chart's `trunc 63 | trimSuffix "-"`).
pub fn trunc63(s: &str) -> String {
    truncate63(s.to_string())
}

/// The name of the cluster: the release name, truncated.
pub fn cluster_name(release: &str) -> String {
    trunc63(release)
}

/// `<release>-<component>`, truncated.
pub fn component_name(release: &str, component: &str) -> String {
    let mut name = String::with_capacity(release.len() + 1 + component.len());
    name.push_str(release);
    name.push('-');
    name.push_str(component);
    truncate63(name)
}

/// `<release>-<component>` cut as [`component_name`], *then* `-<suffix>`: how the chart
/// names the objects derived from a component (`…-config` secrets, `…-storageclass`
/// manifests), which may therefore be longer than 63 characters.
///
/// ```text
/// let release = "r".repeat(60);
/// let name = capiform::naming::suffixed_component_name(&release, "csi-cinder", "storageclass");
/// assert_eq!(name, format!("{release}-cs-storageclass"));
/// ```
pub fn suffixed_component_name(release: &str, component: &str, suffix: &str) -> String {
    let mut name = component_name(release, component);
    name.push('-');
    name.push_str(suffix);
    name
}

/// The rule of [`trunc63`], applied to a name already owned: cut in place, no second
/// string.
fn truncate63(mut s: String) -> String {
    // At most 63 bytes is at most 63 characters: nothing to cut.
    if s.len() > 63 {
        let end = s.char_indices().nth(63).map_or(s.len(), |(i, _)| i);
        s.truncate(end);
    }
    if s.ends_with('-') {
        s.pop();
    }
    s
}

/// The first 8 hex digits of the SHA-256 of the canonical JSON of `spec` (sorted keys,
/// no whitespace): the suffix of immutable template names. Only a semantic change of
/// the spec changes it; formatting, key order and engine version never do.
pub fn spec_hash(spec: &impl serde::Serialize) -> String {
    // A struct serializes its fields in declaration order; as a `serde_json::Value`
    // its keys are sorted (BTreeMap maps), which is canonical.
    match serde_json::to_value(spec) {
        Ok(v) => value_spec_hash(&v),
        Err(_) => value_spec_hash(&serde_json::Value::Null),
    }
}

/// [`spec_hash`] of a spec that is already a JSON value (no copy of it is made: its
/// canonical JSON is written straight into the hash).
pub fn value_spec_hash(spec: &serde_json::Value) -> String {
    /// Feeds what serde_json writes into the hash.
    struct HashWriter(Sha256);
    impl std::io::Write for HashWriter {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.update(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    // serde_json writes a few bytes per call: hash them a block at a time. Writing a
    // `Value` into an infallible writer cannot fail.
    let mut writer = std::io::BufWriter::with_capacity(1024, HashWriter(Sha256::new()));
    let _ = serde_json::to_writer(&mut writer, spec);
    let _ = std::io::Write::flush(&mut writer);
    let (HashWriter(hash), _) = writer.into_parts();
    crate::helm_compat::hex(&hash.finalize()[..4])
}

/// Labels shared by the chart's objects: `<prefix>/managed-by` and
/// `<prefix>/infrastructure-provider`.
pub fn common_labels(prefix: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            format!("{prefix}/managed-by"),
            crate::MANAGED_BY.to_string(),
        ),
        (
            format!("{prefix}/infrastructure-provider"),
            "openstack".to_string(),
        ),
    ])
}

/// Selector labels of cluster-level objects: `<prefix>/cluster`.
pub fn selector_labels(prefix: &str, cluster: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(format!("{prefix}/cluster"), cluster.to_string())])
}

/// Selector labels of a component: `<prefix>/cluster` and `<prefix>/component`.
pub fn component_selector_labels(
    prefix: &str,
    cluster: &str,
    component: &str,
) -> BTreeMap<String, String> {
    let mut l = selector_labels(prefix, cluster);
    l.insert(format!("{prefix}/component"), component.to_string());
    l
}

/// Labels of cluster-level objects (common + selector).
pub fn cluster_labels(prefix: &str, cluster: &str) -> BTreeMap<String, String> {
    let mut l = common_labels(prefix);
    l.extend(selector_labels(prefix, cluster));
    l
}

/// Labels of a component (common + component selector).
pub fn component_labels(prefix: &str, cluster: &str, component: &str) -> BTreeMap<String, String> {
    let mut l = common_labels(prefix);
    l.extend(component_selector_labels(prefix, cluster, component));
    l
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Cutting a name in place gives the chart's `trunc 63 | trimSuffix "-"` (the first
    /// 63 characters, then one trailing dash dropped), for short and long names,
    /// multi-byte characters and trailing dashes.
    #[test]
    fn truncate_in_place_is_the_charts_rule() {
        let chart = |s: &str| {
            let t: String = s.chars().take(63).collect();
            t.strip_suffix('-').unwrap_or(&t).to_string()
        };
        let cases = [
            String::new(),
            "demo".into(),
            "demo-".into(),
            "a".repeat(63),
            format!("{}-", "a".repeat(62)),
            format!("{}-b", "a".repeat(62)),
            "é".repeat(40),
            format!("{}-é", "é".repeat(62)),
            "ü".repeat(70),
        ];
        for s in cases {
            assert_eq!(truncate63(s.clone()), chart(&s), "{s:?}");
            assert_eq!(trunc63(&s), chart(&s), "{s:?}");
        }
    }

    /// The hash written block by block is the hash of the whole canonical text, for
    /// specs smaller and larger than a block and with strings longer than one.
    #[test]
    fn value_spec_hash_is_the_hash_of_the_canonical_text() {
        let long = "x".repeat(3000);
        let files: Vec<_> = (0..40)
            .map(|i| json!({"path": format!("/etc/f{i}"), "content": "a\nb\n".repeat(i)}))
            .collect();
        for spec in [
            json!({}),
            json!({"b": 1, "a": [true, null, 1.5]}),
            json!({"files": files}),
            json!({"long": long, "after": "y"}),
        ] {
            let text = serde_json::to_string(&spec).unwrap();
            let expected = crate::helm_compat::hex(&Sha256::digest(text.as_bytes())[..4]);
            assert_eq!(value_spec_hash(&spec), expected);
        }
    }
}

/// Check a release name and namespace as helm and Kubernetes check them: the release
/// name is at most 53 characters of lower-case letters, digits, `-` and `.`, in
/// DNS-1123 subdomain form (helm's rule); the namespace is a DNS-1123 label (at most 63
/// lower-case letters, digits and `-`, starting and ending with a letter or digit).
pub fn check_release(release: &str, namespace: &str) -> Result<(), String> {
    fn label(s: &str) -> bool {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
    }
    if release.len() > 53 || !release.split('.').all(label) {
        return Err(format!(
            "release name '{release}' is invalid: helm requires at most 53 characters of lower-case letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit (e.g. my-cluster)"
        ));
    }
    if namespace.len() > 63 || !label(namespace) {
        return Err(format!(
            "namespace '{namespace}' is invalid: Kubernetes requires at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit"
        ));
    }
    Ok(())
}

/// Check a release name for the addons: the addon provider's `HelmRelease` and `Manifests`
/// read their values from Secrets named `<release>-<component>-config`, and take only names
/// matching `^[a-z0-9-]+$` there, so a release name with a `.` (which helm allows) renders
/// addons the API server refuses. Called when the render holds an addon.
pub fn check_release_for_addons(release: &str) -> Result<(), String> {
    if !release.contains('.') {
        return Ok(());
    }
    Err(format!(
        "release name '{release}' has a '.', which the addon provider refuses: its HelmRelease and Manifests read their values from Secrets named <release>-<component>-config, and those names must match ^[a-z0-9-]+$; use '-' instead (e.g. {}), or disable the addons",
        release.replace('.', "-")
    ))
}

#[cfg(test)]
mod examples {
    //! What the items above do, shown on small inputs.

    #[test]
    fn check_release() {
        use crate::naming::check_release;
        assert!(check_release("demo", "default").is_ok());
        assert!(check_release("my.cluster-1", "ns-1").is_ok());
        let err = check_release("Demo_Cluster", "default").unwrap_err();
        assert!(err.starts_with("release name 'Demo_Cluster' is invalid"));
        assert!(check_release("", "default").is_err());
        assert!(check_release("demo", "Default").is_err());
        assert!(check_release(&"a".repeat(54), "default").is_err());
        // helm takes a dot; the addon provider's Secret names do not.
        assert!(crate::naming::check_release_for_addons("my-cluster").is_ok());
        let err = crate::naming::check_release_for_addons("my.cluster").unwrap_err();
        assert!(err.contains("^[a-z0-9-]+$") && err.contains("e.g. my-cluster"), "{err}");
    }

    #[test]
    fn trunc63() {
        assert_eq!(crate::naming::trunc63(&"a".repeat(70)).len(), 63);
        assert_eq!(crate::naming::trunc63("abc-"), "abc");
    }

    #[test]
    fn cluster_name() {
        assert_eq!(crate::naming::cluster_name("demo"), "demo");
    }

    #[test]
    fn component_name() {
        assert_eq!(crate::naming::component_name("demo", "control-plane"), "demo-control-plane");
    }

    #[test]
    fn spec_hash() {
        let a = crate::naming::spec_hash(&serde_json::json!({"b": 1, "a": 2}));
        let b = crate::naming::spec_hash(&serde_json::json!({"a": 2, "b": 1}));
        assert_eq!(a, b);
        assert_eq!(a.len(), 8);
    }

    #[test]
    fn value_spec_hash() {
        let spec = serde_json::json!({"b": 1, "a": 2});
        assert_eq!(crate::naming::value_spec_hash(&spec), crate::naming::spec_hash(&spec));
    }

    #[test]
    fn common_labels() {
        let l = crate::naming::common_labels("capi.stackhpc.com");
        assert_eq!(l["capi.stackhpc.com/infrastructure-provider"], "openstack");
    }

    #[test]
    fn selector_labels() {
        let l = crate::naming::selector_labels("p", "demo");
        assert_eq!(l["p/cluster"], "demo");
    }

    #[test]
    fn component_selector_labels() {
        let l = crate::naming::component_selector_labels("p", "demo", "autoscaler");
        assert_eq!(l["p/component"], "autoscaler");
    }

    #[test]
    fn cluster_labels() {
        assert_eq!(crate::naming::cluster_labels("p", "demo").len(), 3);
    }

    #[test]
    fn component_labels() {
        assert_eq!(crate::naming::component_labels("p", "demo", "worker").len(), 4);
    }
}

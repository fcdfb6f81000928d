//! Byte-exact reproductions of Helm and Sprig text behaviour that capiform needs for
//! compatibility with clusters deployed by the Helm chart (the `template-checksum`
//! annotations hash text exactly as Helm printed it).
//!
//! * [`go_yaml`]: Helm's `toYaml` ([`go_yaml::to_string`]).
//! * [`sprig`]: `quote`, `indent`, `nindent`, `trunc`, `trimSuffix`, and `toYaml`
//!   piped into `indent`/`nindent`; the common ones are re-exported here.
//! * [`sha256_hex`]: Sprig's `sha256sum`.

pub mod flow_scalar;
mod go_unicode;
#[cfg(test)]
mod against_helm;
pub mod go_yaml;
pub mod sprig;

pub use sprig::{nindent, quote};

use sha2::{Digest, Sha256};

/// How Go's `text/template` prints a Helm value (`{{ .Values.x }}`): strings as they
/// are, numbers as Helm holds them (`30`, `2.5`, `1e+06` for the float64 of a values file,
/// `2000000` for an int64 of `--set`), `null` as
/// `<no value>` (see the examples below).
pub fn go_print(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Null => "<no value>".into(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(_) => crate::resources::kubeadm::go_string(v),
        other => other.to_string(),
    }
}

/// Lower-case hex SHA-256 of `text`, as Sprig's `sha256sum`.
pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// Lower-case hex digits of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

#[cfg(test)]
mod examples {
    //! What the items above do, shown on small inputs.

    #[test]
    fn a_checksum_hashes_the_text_helm_prints() {
        use crate::helm_compat::{go_yaml, nindent, sha256_hex};
        let spec = serde_json::json!({"flavor": "m1.small", "ports": []});
        let text = format!("spec:{}", nindent(2, &go_yaml::to_string(&spec)));
        assert_eq!(text, "spec:\n  flavor: m1.small\n  ports: []");
        assert_eq!(sha256_hex(&text).len(), 64);
    }

    #[test]
    fn sha256_hex() {
        assert_eq!(
            crate::helm_compat::sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn go_print_prints_values_as_helm_templates_do() {
        use crate::helm_compat::go_print;
        use serde_json::json;
        assert_eq!(go_print(&json!(30.0)), "30");
        assert_eq!(go_print(&json!(2.5)), "2.5");
        assert_eq!(go_print(&json!(1000000.0)), "1e+06");
        // `--set` integers are int64 in Helm.
        assert_eq!(go_print(&json!(2000000)), "2000000");
        assert_eq!(go_print(&json!("web")), "web");
        assert_eq!(go_print(&json!(true)), "true");
        assert_eq!(go_print(&json!(null)), "<no value>");
    }

    #[test]
    fn hex() {
        assert_eq!(crate::helm_compat::hex(&[0x0f, 0xa0]), "0fa0");
    }
}

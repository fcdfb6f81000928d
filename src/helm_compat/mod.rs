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

use serde_json::Value;
use sha2::{Digest, Sha256};

/// How Go's `text/template` prints a Helm value (`{{ .Values.x }}`): strings as they
/// are, numbers as Helm holds them (`30`, `2.5`, `1e+06` for the float64 of a values file,
/// `2000000` for an int64 of `--set`): [`go_string`], but `null` as `<no value>` (see
/// the examples below).
pub fn go_print(v: &Value) -> String {
    match v {
        Value::Null => "<no value>".into(),
        other => go_string(other),
    }
}

/// Print a value as Go's `fmt` prints a Helm value (`{{ . }}`, `quote`, `join`):
/// strings as they are, `null` as nothing, numbers of values files as `float64` (`%v`),
/// so large whole numbers use an exponent (`1000000.0` → `1e+06`), and the integers of
/// `--set` as integers.
pub fn go_string(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::String(s) => s.clone(),
        // Values files hold float64 numbers; `--set` gives int64 ones (`2000000`).
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) if !n.is_f64() => i.to_string(),
            (_, Some(u)) if !n.is_f64() => u.to_string(),
            _ => go_float(n.as_f64().unwrap_or(0.0)),
        },
        other => other.to_string(),
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)` as used by `%v`, with Go's text for the
/// values that are not finite.
fn go_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        go_yaml::go_format_g(f)
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
    fn go_float_prints_the_shortest_digits_with_go_exponents() {
        // Go's `%v`: shortest round-trip digits, an exponent below 1e-4 and from 1e6.
        fn reference(f: f64) -> String {
            let sci = format!("{f:e}");
            let (mantissa, exp) = sci.split_once('e').unwrap();
            let exp: i32 = exp.parse().unwrap();
            if (-4..6).contains(&exp) {
                format!("{f}")
            } else {
                format!("{mantissa}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
            }
        }
        let mut rng = crate::test_rng::Rng(0xf10a7);
        for _ in 0..100_000 {
            let mantissa = rng.below(1_000_000_000) as f64 / 1000.0;
            let scale = 10f64.powi(rng.below(40) as i32 - 20);
            let f = if rng.below(2) == 0 { mantissa * scale } else { -mantissa * scale };
            if f != 0.0 {
                assert_eq!(super::go_float(f), reference(f), "{f:e}");
            }
        }
        assert_eq!(super::go_float(-0.0), "-0");
        assert_eq!(super::go_float(f64::INFINITY), "+Inf");
        assert_eq!(super::go_float(f64::NAN), "NaN");
    }

    #[test]
    fn hex() {
        assert_eq!(crate::helm_compat::hex(&[0x0f, 0xa0]), "0fa0");
    }
}

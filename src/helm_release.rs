//! Helm's release records, read (to take a release over from Helm) and written (for
//! tests).
//!
//! Helm 3 keeps each revision of a release in a Secret of type `helm.sh/release.v1`
//! named `sh.helm.release.v1.<release>.v<revision>`, labelled `name`, `owner=helm`,
//! `status` and `version`. Its `release` key holds the release as JSON, gzip-compressed,
//! then base64-encoded (Helm's storage format; records written before compression are
//! plain JSON under base64, and are read too). As with any Secret value, the API
//! returns that text base64-encoded once more. Of the release JSON, capiform reads
//! `config` (the values the user gave: `-f` files and `--set` merged), `chart.metadata`
//! (chart name and version), `info.status`, `version` (the revision), `name`,
//! `namespace` and `manifest`.
//!
//! ```
//! use capiform::helm_release::HelmRelease;
//! let release = HelmRelease::for_test("demo", "clusters", 3, "deployed",
//!     serde_json::json!({"kubernetesVersion": "1.31.4"}));
//! let secret = release.to_secret();
//! assert_eq!(secret["metadata"]["name"], "sh.helm.release.v1.demo.v3");
//! let back = HelmRelease::from_secret(&secret).unwrap();
//! assert_eq!(back, release);
//! ```

use std::io::{Read, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

/// The `type` of Helm's release Secrets.
pub const SECRET_TYPE: &str = "helm.sh/release.v1";

/// The gzip magic bytes Helm checks before decompressing.
const GZIP_MAGIC: [u8; 3] = [0x1f, 0x8b, 0x08];

/// The largest release JSON read (a bound against a hostile compressed record).
const MAX_RELEASE_BYTES: u64 = 256 * 1024 * 1024;

/// One revision of a Helm release, as capiform needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct HelmRelease {
    /// Release name.
    pub name: String,
    /// Release namespace.
    pub namespace: String,
    /// Revision (`version` in Helm's record).
    pub version: u64,
    /// `deployed`, `superseded`, `failed`, `pending-upgrade` …
    pub status: String,
    /// Chart name (`chart.metadata.name`), e.g. `openstack-cluster`.
    pub chart_name: String,
    /// Chart version (`chart.metadata.version`).
    pub chart_version: String,
    /// The user's values (`config`): what `-f` and `--set` gave, merged; `{}` if none.
    pub values: Value,
    /// The manifest Helm rendered for this revision.
    pub manifest: String,
}

/// A release record that cannot be read. Messages name the record and never carry
/// values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Helm release record {record}: {message}")]
pub struct RecordError {
    /// The record (Secret name).
    pub record: String,
    /// What is wrong.
    pub message: String,
}

fn record_error(record: &str, message: impl Into<String>) -> RecordError {
    RecordError {
        record: record.to_string(),
        message: message.into(),
    }
}

/// The name of the Secret of a revision.
///
/// ```
/// assert_eq!(capiform::helm_release::secret_name("demo", 2), "sh.helm.release.v1.demo.v2");
/// ```
pub fn secret_name(release: &str, version: u64) -> String {
    format!("sh.helm.release.v1.{release}.v{version}")
}

/// The revision of a Secret name of `release`, or `None` for another name.
///
/// ```
/// use capiform::helm_release::revision_of;
/// assert_eq!(revision_of("demo", "sh.helm.release.v1.demo.v12"), Some(12));
/// assert_eq!(revision_of("demo", "sh.helm.release.v1.demo-2.v1"), None);
/// ```
pub fn revision_of(release: &str, secret_name: &str) -> Option<u64> {
    secret_name
        .strip_prefix("sh.helm.release.v1.")?
        .strip_prefix(release)?
        .strip_prefix(".v")?
        .parse()
        .ok()
}

impl HelmRelease {
    /// Read the text Helm stores under `release` (base64 of gzip of JSON, or base64 of
    /// JSON). `record` names the record in errors.
    ///
    /// ```
    /// use capiform::helm_release::HelmRelease;
    /// let r = HelmRelease::for_test("demo", "ns", 1, "deployed", serde_json::json!({}));
    /// let text = r.encode();
    /// assert_eq!(HelmRelease::decode(&text, "demo v1").unwrap(), r);
    /// assert!(HelmRelease::decode("not base64!", "demo v1").is_err());
    /// ```
    pub fn decode(text: &str, record: &str) -> Result<Self, RecordError> {
        let bytes = BASE64
            .decode(text.trim())
            .map_err(|e| record_error(record, format!("`release` is not base64: {e}")))?;
        let json = if bytes.starts_with(&GZIP_MAGIC) {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(bytes.as_slice())
                .take(MAX_RELEASE_BYTES)
                .read_to_end(&mut out)
                .map_err(|e| record_error(record, format!("`release` is not valid gzip: {e}")))?;
            out
        } else {
            bytes
        };
        let value: Value = serde_json::from_slice(&json)
            .map_err(|e| record_error(record, format!("the release is not valid JSON: {e}")))?;
        Self::from_json(&value, record)
    }

    /// The fields capiform needs from a release's JSON.
    fn from_json(v: &Value, record: &str) -> Result<Self, RecordError> {
        let text = |path: &[&str]| {
            path.iter()
                .try_fold(v, |v, k| v.get(k))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let version = v
            .get("version")
            .and_then(|n| n.as_u64().or_else(|| n.as_f64().map(|f| f as u64)))
            .ok_or_else(|| record_error(record, "the release has no `version` (revision)"))?;
        let values = match v.get("config") {
            None | Some(Value::Null) => json!({}),
            Some(config @ Value::Object(_)) => config.clone(),
            Some(_) => return Err(record_error(record, "`config` (the values) is not a map")),
        };
        Ok(Self {
            name: text(&["name"]),
            namespace: text(&["namespace"]),
            version,
            status: text(&["info", "status"]),
            chart_name: text(&["chart", "metadata", "name"]),
            chart_version: text(&["chart", "metadata", "version"]),
            values,
            manifest: text(&["manifest"]),
        })
    }

    /// Read a release Secret as the API returns it (JSON, `data` base64-encoded).
    ///
    /// ```
    /// use capiform::helm_release::HelmRelease;
    /// let mut secret = HelmRelease::for_test("demo", "ns", 1, "deployed", serde_json::json!({})).to_secret();
    /// secret["type"] = "Opaque".into();
    /// let err = HelmRelease::from_secret(&secret).unwrap_err();
    /// assert_eq!(err.to_string(),
    ///     "Helm release record sh.helm.release.v1.demo.v1: type is Opaque, not helm.sh/release.v1");
    /// ```
    pub fn from_secret(secret: &Value) -> Result<Self, RecordError> {
        let name = secret
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("(unnamed Secret)");
        let kind = secret.get("type").and_then(Value::as_str).unwrap_or("");
        if kind != SECRET_TYPE {
            return Err(record_error(
                name,
                format!("type is {kind}, not {SECRET_TYPE}"),
            ));
        }
        let data = secret
            .pointer("/data/release")
            .and_then(Value::as_str)
            .ok_or_else(|| record_error(name, "has no data.release"))?;
        let inner = BASE64
            .decode(data.trim())
            .map_err(|e| record_error(name, format!("data.release is not base64: {e}")))?;
        let inner =
            String::from_utf8(inner).map_err(|_| record_error(name, "data.release is not text"))?;
        Self::decode(&inner, name)
    }

    /// Helm's storage text of this release: base64 of gzip of its JSON.
    ///
    /// ```
    /// let r = capiform::helm_release::HelmRelease::for_test("d", "n", 1, "deployed", serde_json::json!({}));
    /// assert!(r.encode().starts_with("H4sI")); // base64 of the gzip magic bytes
    /// ```
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(&self.to_json()).unwrap_or_default();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        // Writing into a Vec cannot fail.
        let _ = gz.write_all(&json);
        let bytes = gz.finish().unwrap_or_default();
        BASE64.encode(bytes)
    }

    /// The release JSON, with the fields Helm writes that capiform reads.
    fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "namespace": self.namespace,
            "version": self.version,
            "info": {
                "status": self.status,
                "description": "Install complete",
                "first_deployed": "2025-01-01T00:00:00Z",
                "last_deployed": "2025-01-01T00:00:00Z",
                "deleted": "",
            },
            "chart": {
                "metadata": {
                    "apiVersion": "v2",
                    "name": self.chart_name,
                    "version": self.chart_version,
                },
                "templates": [],
                "values": {},
            },
            "config": go_json_numbers(&self.values),
            "manifest": self.manifest,
        })
    }

    /// The release Secret as Helm writes it (`data` base64-encoded as the API wants).
    ///
    /// ```
    /// let r = capiform::helm_release::HelmRelease::for_test("demo", "ns", 4, "superseded", serde_json::json!({}));
    /// let s = r.to_secret();
    /// assert_eq!(s["metadata"]["labels"]["status"], "superseded");
    /// assert_eq!(s["metadata"]["labels"]["version"], "4");
    /// assert_eq!(s["type"], "helm.sh/release.v1");
    /// ```
    pub fn to_secret(&self) -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": secret_name(&self.name, self.version),
                "namespace": self.namespace,
                "labels": {
                    "name": self.name,
                    "owner": "helm",
                    "status": self.status,
                    "version": self.version.to_string(),
                },
            },
            "type": SECRET_TYPE,
            "data": {"release": BASE64.encode(self.encode())},
        })
    }

    /// A release of the `openstack-cluster` chart with the given values, for tests and
    /// examples.
    ///
    /// ```
    /// let r = capiform::helm_release::HelmRelease::for_test("demo", "ns", 1, "deployed", serde_json::json!({}));
    /// assert_eq!(r.chart_name, "openstack-cluster");
    /// ```
    pub fn for_test(
        name: &str,
        namespace: &str,
        version: u64,
        status: &str,
        values: Value,
    ) -> Self {
        Self {
            name: name.into(),
            namespace: namespace.into(),
            version,
            status: status.into(),
            chart_name: "openstack-cluster".into(),
            chart_version: "0.0.0-test".into(),
            values,
            manifest: String::new(),
        }
    }

    /// The values as a values layer for a render (JSON text, which YAML readers read
    /// as helm would read the same values from a file).
    ///
    /// ```
    /// let r = capiform::helm_release::HelmRelease::for_test("demo", "ns", 2, "deployed",
    ///     serde_json::json!({"kubernetesVersion": "1.31.4"}));
    /// let capiform::values::ValuesSource::Yaml { name, text } = r.values_source() else { unreachable!() };
    /// assert_eq!(name, "Helm release demo, revision 2");
    /// assert_eq!(capiform::values::parse_document(&name, &text).unwrap(), r.values);
    /// ```
    pub fn values_source(&self) -> crate::values::ValuesSource {
        crate::values::ValuesSource::Yaml {
            name: format!("Helm release {}, revision {}", self.name, self.version),
            text: serde_json::to_string_pretty(&self.values).unwrap_or_else(|_| "{}".into()),
        }
    }
}

/// Numbers as Go's `encoding/json` writes Helm's `float64` values: a whole number
/// below 2^63 in magnitude as an integer (`2`, not `2.0`).
fn go_json_numbers(value: &Value) -> Value {
    match value {
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.2e18 => json!(f as i64),
            _ => value.clone(),
        },
        Value::Array(items) => Value::Array(items.iter().map(go_json_numbers).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), go_json_numbers(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The newest revision with status `deployed` among the Secrets of a namespace (other
/// Secrets are skipped). The `status` and `version` labels choose the candidate, so
/// only one record is decompressed; records without labels are decoded to be judged.
///
/// ```
/// use capiform::helm_release::{HelmRelease, newest_deployed};
/// let v = |n: u64, status: &str| HelmRelease::for_test("demo", "ns", n, status,
///     serde_json::json!({"rev": n})).to_secret();
/// let secrets = [v(1, "superseded"), v(2, "deployed"), v(3, "failed")];
/// assert_eq!(newest_deployed(&secrets, "demo").unwrap().version, 2);
/// assert!(newest_deployed(&secrets[..1], "demo").is_err());
/// ```
pub fn newest_deployed(secrets: &[Value], release: &str) -> Result<HelmRelease, RecordError> {
    let mut candidates: Vec<(u64, &Value)> = secrets
        .iter()
        .filter(|s| s.get("type").and_then(Value::as_str) == Some(SECRET_TYPE))
        .filter_map(|s| {
            let name = s.pointer("/metadata/name").and_then(Value::as_str)?;
            revision_of(release, name).map(|n| (n, s))
        })
        .collect();
    candidates.sort_by_key(|(revision, _)| std::cmp::Reverse(*revision));
    let mut seen = Vec::new();
    for (revision, secret) in candidates {
        let label = secret
            .pointer("/metadata/labels/status")
            .and_then(Value::as_str);
        if let Some(status) = label
            && status != "deployed"
        {
            seen.push(format!("v{revision} {status}"));
            continue;
        }
        let decoded = HelmRelease::from_secret(secret)?;
        if decoded.status == "deployed" {
            return Ok(decoded);
        }
        seen.push(format!("v{revision} {}", decoded.status));
    }
    let found = if seen.is_empty() {
        "no release records found".to_string()
    } else {
        format!("records found: {}", seen.join(", "))
    };
    Err(record_error(
        &format!("sh.helm.release.v1.{release}.v*"),
        format!("no deployed revision ({found})"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_hold_numbers_as_helm_writes_them() {
        let r = HelmRelease::for_test(
            "d",
            "n",
            1,
            "deployed",
            json!({"a": 2.0, "b": 0.5, "c": [3.0]}),
        );
        assert_eq!(
            r.to_json()["config"].to_string(),
            r#"{"a":2,"b":0.5,"c":[3]}"#
        );
    }

    #[test]
    fn uncompressed_records_are_read() {
        let r = HelmRelease::for_test("demo", "ns", 1, "deployed", json!({"a": 1.5}));
        let text = BASE64.encode(serde_json::to_vec(&r.to_json()).unwrap());
        assert_eq!(HelmRelease::decode(&text, "x").unwrap(), r);
    }

    #[test]
    fn values_keep_helm_numbers() {
        // Helm writes float64 values: 2 as `2`, 1e+21 in exponent form.
        let text = BASE64.encode(
            br#"{"name":"d","namespace":"n","version":1,"info":{"status":"deployed"},
                "chart":{"metadata":{"name":"openstack-cluster","version":"0.9.0"}},
                "config":{"nodeGroups":[{"name":"md-0","machineCount":2}],"big":1e+21}}"#,
        );
        let r = HelmRelease::decode(&text, "x").unwrap();
        assert_eq!(r.chart_version, "0.9.0");
        assert_eq!(r.values["nodeGroups"][0]["machineCount"], json!(2));
        assert_eq!(r.values["big"], json!(1e21));
    }

    #[test]
    fn errors_name_the_record_and_not_the_values() {
        let text = BASE64.encode(br#"{"version":1,"config":"password-in-text"}"#);
        let err = HelmRelease::decode(&text, "sh.helm.release.v1.d.v1").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Helm release record sh.helm.release.v1.d.v1: `config` (the values) is not a map"
        );
        let gz = BASE64.encode([0x1f, 0x8b, 0x08, 0, 0]);
        assert!(
            HelmRelease::decode(&gz, "r")
                .unwrap_err()
                .message
                .contains("gzip")
        );
    }

    #[test]
    fn unlabelled_records_are_decoded_to_find_their_status() {
        let mut s1 = HelmRelease::for_test("demo", "ns", 1, "deployed", json!({})).to_secret();
        let mut s2 = HelmRelease::for_test("demo", "ns", 2, "failed", json!({})).to_secret();
        s1["metadata"]["labels"] = json!({});
        s2["metadata"]["labels"] = json!({});
        let other = HelmRelease::for_test("demo-2", "ns", 9, "deployed", json!({})).to_secret();
        assert_eq!(
            newest_deployed(&[s1, s2, other], "demo").unwrap().version,
            1
        );
    }

    #[test]
    fn no_deployed_revision_lists_what_was_found() {
        let s = HelmRelease::for_test("demo", "ns", 1, "failed", json!({})).to_secret();
        assert_eq!(
            newest_deployed(&[s], "demo").unwrap_err().to_string(),
            "Helm release record sh.helm.release.v1.demo.v*: no deployed revision (records found: v1 failed)"
        );
    }
}

//! The release record: one entry per revision (user values, engine version, template set,
//! time, status, the objects applied), kept gzip-compressed in the release's parent Secret.

use std::io::{Read, Write};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ObjectRef;

/// The state of a revision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RevisionStatus {
    /// The current revision.
    Deployed,
    /// A revision a later one replaced.
    Superseded,
    /// An apply that stopped part-way (the objects of earlier stages were applied).
    Failed,
}

impl std::fmt::Display for RevisionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RevisionStatus::Deployed => "deployed",
            RevisionStatus::Superseded => "superseded",
            RevisionStatus::Failed => "failed",
        })
    }
}

/// What the caller tells about a revision it applies: the inputs of the render.
///
/// ```
/// let meta = capiform_kube::RecordMeta::new("0.1.0", "openstack-cluster@1.0.0", serde_json::json!({"nodeGroups": []}));
/// assert_eq!(meta.template_set, "openstack-cluster@1.0.0");
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordMeta {
    /// Version of the engine that rendered the objects.
    pub engine_version: String,
    /// The template set, `name@version`.
    pub template_set: String,
    /// The user's values (as given, before the template set's defaults): rendering them
    /// again with the same template set gives the same objects.
    pub values: Value,
    /// A note for `history` (e.g. `rollback to 3`); empty by default.
    #[serde(default)]
    pub description: String,
    /// The render's inputs in the caller's own form, for an exact re-render (capiform
    /// keeps its values layers: files' text, `--set` and `--set-string` arguments, which
    /// carry number types a merged tree loses); `null` by default.
    #[serde(default)]
    pub inputs: Value,
}

impl RecordMeta {
    /// Metadata with an empty description.
    pub fn new(engine_version: &str, template_set: &str, values: Value) -> Self {
        RecordMeta {
            engine_version: engine_version.to_owned(),
            template_set: template_set.to_owned(),
            values,
            description: String::new(),
            inputs: Value::Null,
        }
    }

    /// The metadata of a rollback to `record`: its values and template set, the engine
    /// version of the caller, described as `rollback to N`.
    pub fn rollback_to(record: &Record, engine_version: &str) -> Self {
        RecordMeta {
            engine_version: engine_version.to_owned(),
            template_set: record.template_set.clone(),
            values: record.values.clone(),
            description: format!("rollback to {}", record.revision),
            inputs: record.inputs.clone(),
        }
    }
}

/// One revision of a release.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    /// Revision number, from 1.
    pub revision: u32,
    /// When it was applied, RFC 3339 UTC.
    pub time: String,
    /// Its state.
    pub status: RevisionStatus,
    /// Version of the engine that rendered it.
    pub engine_version: String,
    /// The template set, `name@version`.
    pub template_set: String,
    /// A note (e.g. `rollback to 3`), or empty.
    #[serde(default)]
    pub description: String,
    /// The user's values.
    pub values: Value,
    /// The render's inputs in the caller's form ([`RecordMeta::inputs`]).
    #[serde(default)]
    pub inputs: Value,
    /// The objects it applied.
    pub objects: Vec<ObjectRef>,
}

/// Data key of a revision in the parent Secret.
///
/// ```
/// assert_eq!(capiform_kube::record::data_key(7), "revision-7");
/// assert_eq!(capiform_kube::record::revision_of_key("revision-7"), Some(7));
/// assert_eq!(capiform_kube::record::revision_of_key("other"), None);
/// ```
pub fn data_key(revision: u32) -> String {
    format!("revision-{revision}")
}

/// The revision a data key holds.
pub fn revision_of_key(key: &str) -> Option<u32> {
    key.strip_prefix("revision-")?.parse().ok()
}

impl Record {
    /// The record as gzip-compressed JSON (a Secret data value, before base64).
    ///
    /// ```
    /// use capiform_kube::{Record, RevisionStatus};
    /// let r = Record { revision: 1, time: "2026-01-01T00:00:00Z".into(), status: RevisionStatus::Deployed,
    ///     engine_version: "0.1.0".into(), template_set: "openstack-cluster@1.0.0".into(),
    ///     description: String::new(), values: serde_json::json!({"a": 1}), inputs: serde_json::Value::Null,
    ///     objects: vec![] };
    /// assert_eq!(Record::decode(&r.encode()).unwrap(), r);
    /// ```
    pub fn encode(&self) -> Vec<u8> {
        let json = serde_json::to_vec(self).expect("a record serializes");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&json).expect("writing to a Vec cannot fail");
        gz.finish().expect("writing to a Vec cannot fail")
    }

    /// A record from [`Record::encode`]'s bytes.
    pub fn decode(bytes: &[u8]) -> Result<Record, String> {
        let mut json = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut json)
            .map_err(|e| format!("not gzip data: {e}"))?;
        serde_json::from_slice(&json).map_err(|e| format!("not a revision record: {e}"))
    }
}

/// The current time, RFC 3339 UTC to the second.
pub(crate) fn now() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    k8s_openapi::jiff::Timestamp::from_second(seconds)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

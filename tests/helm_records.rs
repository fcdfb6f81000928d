//! Helm release records of the parity cases: each case's values, stored as Helm stores a
//! release (a Secret `sh.helm.release.v1.<release>.v<N>` holding base64 of gzip of the
//! release JSON) among other revisions, are recovered from the newest deployed
//! revision, equal the case's values, and render exactly what the values file renders.
//!
//! The cases are read from `../shared/parity/cases`; without them the test is reported
//! ignored, and fails with `CI=true` (see `tests/needs_shared`).

use std::path::{Path, PathBuf};

use capiform::helm_release::{HelmRelease, newest_deployed};
use serde_json::{Value, json};

mod needs_shared;
use needs_shared::Test;

const CASES: &str = "../shared/parity/cases";

fn main() {
    needs_shared::main(&[Test {
        name: "parity_cases_recovered_from_helm_records",
        needs: CASES,
        programs: &[],
        run: parity_cases_recovered_from_helm_records,
    }]);
}

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(CASES);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("values.yaml").is_file())
        .collect();
    out.sort();
    out
}

#[derive(serde::Deserialize, Default)]
struct CaseMeta {
    release: Option<String>,
    namespace: Option<String>,
}

/// Every number as a float, as Helm holds values: `2` and `2.0` are the same value.
fn as_floats(v: &Value) -> Value {
    match v {
        Value::Number(n) => json!(n.as_f64()),
        Value::Array(items) => Value::Array(items.iter().map(as_floats).collect()),
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), as_floats(v))).collect())
        }
        other => other.clone(),
    }
}

fn render(release: &str, namespace: &str, source: capiform::values::ValuesSource) -> String {
    let set = capiform::TemplateSet::embedded(None).unwrap();
    let mut req = capiform::RenderRequest::new(release, namespace);
    req.sources.push(source);
    match capiform::render(&req, set) {
        Ok(m) => m.to_yaml(),
        Err(e) => format!("error: {e}"),
    }
}

fn parity_cases_recovered_from_helm_records() {
    let cases = cases();
    assert!(!cases.is_empty());
    for dir in cases {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let meta: CaseMeta = std::fs::read_to_string(dir.join("case.yaml"))
            .ok()
            .and_then(|t| serde_yaml::from_str(&t).ok())
            .unwrap_or_default();
        let release = meta.release.unwrap_or_else(|| "demo".into());
        let namespace = meta.namespace.unwrap_or_else(|| "default".into());
        let text = std::fs::read_to_string(dir.join("values.yaml")).unwrap();
        let values = capiform::values::parse_document("values.yaml", &text).unwrap();

        // Revision 2 is the deployed one; 1 was superseded, 3 failed, and another
        // release's record sits beside them.
        let record = |version: u64, status: &str, values: Value| {
            HelmRelease::for_test(&release, &namespace, version, status, values).to_secret()
        };
        let secrets = vec![
            record(1, "superseded", json!({"stale": true})),
            record(3, "failed", json!({"broken": true})),
            record(2, "deployed", values.clone()),
            HelmRelease::for_test(
                &format!("{release}-other"),
                &namespace,
                7,
                "deployed",
                json!({}),
            )
            .to_secret(),
        ];
        let recovered = newest_deployed(&secrets, &release).unwrap();
        assert_eq!(recovered.version, 2, "{name}");
        assert_eq!(recovered.chart_name, "openstack-cluster", "{name}");
        assert_eq!(
            as_floats(&recovered.values),
            as_floats(&values),
            "{name}: values differ"
        );

        let from_file = render(
            &release,
            &namespace,
            capiform::values::ValuesSource::Yaml {
                name: "values.yaml".into(),
                text,
            },
        );
        // Cases without expected objects are refusals: the same refusal is expected.
        if dir.join("expected.yaml").is_file() {
            assert!(!from_file.starts_with("error: "), "{name}: {from_file}");
        }
        let from_record = render(&release, &namespace, recovered.values_source());
        if from_file.starts_with("error: ") {
            // A refusal names its source (the file, or the Helm record): both refuse.
            assert!(from_record.starts_with("error: "), "{name}: {from_record}");
            continue;
        }
        assert!(
            from_file == from_record,
            "{name}: the render from the Helm record differs"
        );
    }
}

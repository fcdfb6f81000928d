//! Golden cases: `golden/<case>/values.yaml` (+ optional `case.yaml` with `release`,
//! `namespace`, `existing`, and `--set` family arguments `set`, `setString`, `setJson`,
//! `setLiteral`) is rendered and compared byte for byte with
//! `golden/<case>/expected.yaml`, or, for a refused input, the message with
//! `golden/<case>/expected-error.txt`. The warnings of a render, one a line, are
//! compared with `golden/<case>/expected-warnings.txt` (absent: no warnings).
//!
//! `UPDATE_GOLDEN=1 cargo test --test golden` rewrites the expected files; review the
//! diff before committing.

use std::path::{Path, PathBuf};

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CaseMeta {
    #[serde(default)]
    release: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    existing: Option<String>,
    #[serde(default)]
    template_version: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    set: Vec<String>,
    #[serde(default)]
    set_string: Vec<String>,
    #[serde(default)]
    set_json: Vec<String>,
    #[serde(default)]
    set_literal: Vec<String>,
}

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("golden");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.join("values.yaml").is_file())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// The rendered YAML and the warnings, one a line; or the error.
fn render_case(dir: &Path) -> Result<(String, String), String> {
    let meta: CaseMeta = std::fs::read_to_string(dir.join("case.yaml"))
        .ok()
        .map(|t| serde_yaml::from_str(&t).expect("valid case.yaml"))
        .unwrap_or_default();
    let _ = meta.description;
    let set = capiform::TemplateSet::embedded(meta.template_version.as_deref())
        .map_err(|e| e.to_string())?;
    let mut req = capiform::RenderRequest::new(
        meta.release.as_deref().unwrap_or("demo"),
        meta.namespace.as_deref().unwrap_or("default"),
    )
    .with_values_yaml(
        "values.yaml",
        std::fs::read_to_string(dir.join("values.yaml")).unwrap(),
    );
    use capiform::values::ValuesSource;
    req.sources
        .extend(meta.set.iter().cloned().map(ValuesSource::Set));
    req.sources
        .extend(meta.set_string.iter().cloned().map(ValuesSource::SetString));
    req.sources
        .extend(meta.set_json.iter().cloned().map(ValuesSource::SetJson));
    req.sources.extend(
        meta.set_literal
            .iter()
            .cloned()
            .map(ValuesSource::SetLiteral),
    );
    if let Some(existing) = &meta.existing {
        for doc in serde_yaml::Deserializer::from_str(existing) {
            let v: serde_json::Value = serde::Deserialize::deserialize(doc).unwrap();
            if !v.is_null() {
                req.existing.push(v);
            }
        }
    }
    capiform::render(&req, set)
        .map(|m| {
            let warnings: String = m.warnings.iter().map(|w| format!("{w}\n")).collect();
            (m.to_yaml(), warnings)
        })
        .map_err(|e| e.to_string())
}

#[test]
fn golden_cases() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    let all = cases();
    for dir in &all {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let got = render_case(dir);
        let (file, text) = match &got {
            Ok((yaml, _)) => ("expected.yaml", yaml.clone()),
            Err(msg) => ("expected-error.txt", format!("{msg}\n")),
        };
        let warnings = got.as_ref().map(|(_, w)| w.clone()).unwrap_or_default();
        let warnings_path = dir.join("expected-warnings.txt");
        if update {
            if warnings.is_empty() {
                let _ = std::fs::remove_file(&warnings_path);
            } else {
                std::fs::write(&warnings_path, &warnings).unwrap();
            }
        } else if std::fs::read_to_string(&warnings_path).unwrap_or_default() != warnings {
            failures.push(format!(
                "{name}: the warnings differ from expected-warnings.txt (UPDATE_GOLDEN=1 cargo test --test golden to accept):\n{warnings}"
            ));
        }
        let path = dir.join(file);
        if update {
            let other = dir.join(if file == "expected.yaml" {
                "expected-error.txt"
            } else {
                "expected.yaml"
            });
            let _ = std::fs::remove_file(other);
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(want) if want == text => {}
            Ok(_) => failures.push(format!(
                "{name}: {file} differs (UPDATE_GOLDEN=1 cargo test --test golden to accept)"
            )),
            Err(_) => failures.push(format!(
                "{name}: expected {file} but it is absent ({})",
                got.err()
                    .map(|e| format!("engine refused: {e}"))
                    .unwrap_or_else(|| "engine rendered".into())
            )),
        }
    }
    println!("golden: {} cases", all.len());
    assert!(
        failures.is_empty(),
        "golden failures:\n{}",
        failures.join("\n")
    );
}

#[test]
fn rendering_is_deterministic() {
    for dir in cases() {
        let a = render_case(&dir);
        let b = render_case(&dir);
        assert_eq!(a, b, "{} rendered differently twice", dir.display());
    }
}

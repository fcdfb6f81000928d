//! A template set's own golden tests: the folder `cases/` of a set holds one folder per
//! case, with the values and the render they must give.
//!
//! ```text
//! cases/<name>/values.yaml          the values (a values file as `render -f` takes it)
//! cases/<name>/case.yaml            optional: description, release (demo), namespace
//!                                   (default), set, setString, setJson, setLiteral
//!                                   (lists of --set arguments), existing (YAML documents
//!                                   of objects already in the cluster)
//! cases/<name>/expected.yaml        the render, byte for byte
//! cases/<name>/expected-error.txt   or: the message of a refused render
//! ```
//!
//! `capiform templates test DIR` renders every case with the set in `DIR` and shows a
//! unified diff for each case whose render changed; `--update` writes the renders as the
//! new expected files, for review in version control. An exported set keeps its cases,
//! so a site's fork is tested the way the project's sets are.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::template_set::TemplateSet;
use crate::values::ValuesSource;

/// `case.yaml`: how a case is rendered, besides its values file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CaseOptions {
    /// What the case shows (for people).
    #[serde(default)]
    pub description: Option<String>,
    /// Release name (`demo` when absent).
    #[serde(default)]
    pub release: Option<String>,
    /// Namespace (`default` when absent).
    #[serde(default)]
    pub namespace: Option<String>,
    /// `--set` arguments, in order.
    #[serde(default)]
    pub set: Vec<String>,
    /// `--set-string` arguments.
    #[serde(default)]
    pub set_string: Vec<String>,
    /// `--set-json` arguments.
    #[serde(default)]
    pub set_json: Vec<String>,
    /// `--set-literal` arguments.
    #[serde(default)]
    pub set_literal: Vec<String>,
    /// YAML documents of objects already in the cluster (`--existing`).
    #[serde(default)]
    pub existing: Option<String>,
}

/// What happened to one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The render is the expected one.
    Passed,
    /// The render differs: a unified diff, expected (`-`) to rendered (`+`).
    Failed(String),
    /// The expected file was (re)written (`--update`).
    Updated,
}

/// One case's name and outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseResult {
    /// Folder name under `cases/`.
    pub name: String,
    /// What happened.
    pub outcome: Outcome,
}

/// The case folders of the set in `set_dir` (those holding a `values.yaml`), by name.
pub fn case_dirs(set_dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(set_dir.join("cases"))
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

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::Io {
        path: path.display().to_string(),
        source: e,
    })
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| Error::Io {
        path: path.display().to_string(),
        source: e,
    })
}

/// The render of the case in `dir` with `set`: `Ok(yaml)`, or `Err(message)` when the
/// engine refuses the values (an expected outcome for a case that shows a refusal).
/// A `case.yaml` that does not read is an error of the call.
pub fn render_case(set: &TemplateSet, dir: &Path) -> Result<std::result::Result<String, String>> {
    let case_file = dir.join("case.yaml");
    let options: CaseOptions = if case_file.is_file() {
        serde_yaml::from_str(&read(&case_file)?)
            .map_err(|e| Error::Usage(format!("{}: {e}", case_file.display())))?
    } else {
        CaseOptions::default()
    };
    let values_file = dir.join("values.yaml");
    let mut req = crate::RenderRequest::new(
        options.release.as_deref().unwrap_or("demo"),
        options.namespace.as_deref().unwrap_or("default"),
    )
    .with_values_yaml(values_file.display().to_string(), read(&values_file)?);
    // Helm's order of the --set family.
    req.sources
        .extend(options.set_json.iter().cloned().map(ValuesSource::SetJson));
    req.sources
        .extend(options.set.iter().cloned().map(ValuesSource::Set));
    req.sources.extend(
        options
            .set_string
            .iter()
            .cloned()
            .map(ValuesSource::SetString),
    );
    req.sources.extend(
        options
            .set_literal
            .iter()
            .cloned()
            .map(ValuesSource::SetLiteral),
    );
    if let Some(existing) = &options.existing {
        for doc in serde_yaml::Deserializer::from_str(existing) {
            let v = serde_json::Value::deserialize(doc)
                .map_err(|e| Error::Usage(format!("{}: existing: {e}", case_file.display())))?;
            if !v.is_null() {
                req.existing.push(v);
            }
        }
    }
    Ok(crate::render(&req, set)
        .map(|m| m.to_yaml())
        .map_err(|e| format!("{e}\n")))
}

/// A unified diff of `expected` (labelled `a`) and `got` (labelled `b`), with three
/// lines of context.
pub fn unified_diff(expected: &str, got: &str, a: &str, b: &str) -> String {
    similar::TextDiff::from_lines(expected, got)
        .unified_diff()
        .context_radius(3)
        .header(a, b)
        .to_string()
}

/// Render every case of the set in `set_dir` and compare with its expected file; with
/// `update`, write the renders as the expected files instead.
pub fn test_cases(set_dir: &Path, update: bool) -> Result<Vec<CaseResult>> {
    let set = TemplateSet::load_dir(set_dir)?;
    let mut results = Vec::new();
    for dir in case_dirs(set_dir) {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let (file, other, text) = match render_case(&set, &dir)? {
            Ok(yaml) => ("expected.yaml", "expected-error.txt", yaml),
            Err(message) => ("expected-error.txt", "expected.yaml", message),
        };
        let path = dir.join(file);
        let outcome = if update {
            let _ = std::fs::remove_file(dir.join(other));
            if std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
                Outcome::Passed
            } else {
                write(&path, &text)?;
                Outcome::Updated
            }
        } else {
            let expected_other = dir.join(other);
            match std::fs::read_to_string(&path) {
                Ok(want) if want == text => Outcome::Passed,
                Ok(want) => Outcome::Failed(unified_diff(
                    &want,
                    &text,
                    &format!("cases/{name}/{file} (expected)"),
                    &format!("cases/{name}/{file} (rendered)"),
                )),
                Err(_) if expected_other.is_file() => Outcome::Failed(unified_diff(
                    &std::fs::read_to_string(&expected_other).unwrap_or_default(),
                    &text,
                    &format!("cases/{name}/{other} (expected)"),
                    &format!("cases/{name}/{file} (rendered)"),
                )),
                Err(_) => Outcome::Failed(format!(
                    "cases/{name}: no {file} yet (--update writes it)\n"
                )),
            }
        };
        results.push(CaseResult { name, outcome });
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fork(dir: &Path) {
        let set = TemplateSet::embedded(Some("1.0.0")).unwrap();
        for (path, bytes) in set.files() {
            let file = dir.join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, bytes).unwrap();
        }
    }

    /// A case passes, a changed value fails with a diff naming the changed line, and
    /// `--update` rewrites the expected file so that the next run passes.
    #[test]
    fn cases_pass_fail_and_update() {
        let tmp = tempfile::tempdir().unwrap();
        fork(tmp.path());
        let case = tmp.path().join("cases/extra");
        std::fs::create_dir_all(&case).unwrap();
        std::fs::write(
            case.join("values.yaml"),
            "kubernetesVersion: 1.31.4\nmachineImage: img\ncloudCredentialsSecretName: c\n\
             controlPlane: {machineFlavor: m}\nnodeGroups: [{name: md-0, machineFlavor: m, machineCount: 2}]\n",
        )
        .unwrap();
        let results = test_cases(tmp.path(), false).unwrap();
        let extra = results.iter().find(|r| r.name == "extra").unwrap();
        assert!(matches!(&extra.outcome, Outcome::Failed(m) if m.contains("--update")));
        let results = test_cases(tmp.path(), true).unwrap();
        assert!(
            results
                .iter()
                .all(|r| r.outcome != Outcome::Failed(String::new()))
        );
        assert!(
            test_cases(tmp.path(), false)
                .unwrap()
                .iter()
                .all(|r| r.outcome == Outcome::Passed)
        );
        let values = std::fs::read_to_string(case.join("values.yaml")).unwrap();
        std::fs::write(
            case.join("values.yaml"),
            values.replace("machineCount: 2", "machineCount: 3"),
        )
        .unwrap();
        let results = test_cases(tmp.path(), false).unwrap();
        let extra = results.iter().find(|r| r.name == "extra").unwrap();
        match &extra.outcome {
            Outcome::Failed(diff) => {
                assert!(diff.contains("-  replicas: 2\n+  replicas: 3\n"), "{diff}");
            }
            other => panic!("{other:?}"),
        }
    }
}

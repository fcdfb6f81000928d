//! The native half of the `capiform` Python package (`capiform._native`).
//!
//! Python hands over plain text (values layers and existing objects as JSON or YAML
//! text, made by the package with the standard `json` module) and gets text back
//! (the objects as a JSON array, or the manifest as YAML). Everything in between runs
//! without the GIL, so renders on several Python threads run in parallel. The package
//! (`python/capiform/__init__.py`) turns the text into dicts and the errors raised here
//! into its exception classes.
//!
//! Errors are raised as `NativeError(kind, message, problems)`: `kind` is one of
//! `invalid`, `syntax`, `template-set`, `io`, `usage`, `kubernetes`; `problems` is a list of
//! `(path, message)` pairs (one pair with an empty path for errors that are not about a
//! field).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use capiform::{Error, RenderRequest, TemplateSet};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

mod kube;

create_exception!(_native, NativeError, PyException);

/// Where the template set comes from: an embedded version, or an operator's directory.
enum SetChoice<'a> {
    Embedded(Option<&'a str>),
    Dir(&'a Path),
}

/// Either an embedded set (lives for the process) or one loaded from a directory
/// (kept in [`dir_sets`] for the process, keyed by its path).
enum SetRef {
    Embedded(&'static TemplateSet),
    Loaded(Arc<TemplateSet>),
}

impl SetRef {
    fn get(&self) -> &TemplateSet {
        match self {
            SetRef::Embedded(s) => s,
            SetRef::Loaded(s) => s,
        }
    }
}

/// Template sets loaded from directories, by path. A directory is read once per
/// process: an operator who changes a fork restarts the service, as for any code change.
fn dir_sets() -> &'static Mutex<HashMap<PathBuf, Arc<TemplateSet>>> {
    static SETS: std::sync::OnceLock<Mutex<HashMap<PathBuf, Arc<TemplateSet>>>> =
        std::sync::OnceLock::new();
    SETS.get_or_init(Default::default)
}

fn template_set(choice: SetChoice<'_>) -> capiform::Result<SetRef> {
    match choice {
        SetChoice::Embedded(version) => TemplateSet::embedded(version).map(SetRef::Embedded),
        SetChoice::Dir(dir) => {
            if let Some(set) = dir_sets()
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(dir)
            {
                return Ok(SetRef::Loaded(set.clone()));
            }
            // Loaded outside the lock: two threads may both load a new directory once;
            // the first one stored wins and both results are the same set.
            let set = Arc::new(TemplateSet::load_dir(dir)?);
            let mut sets = dir_sets().lock().unwrap_or_else(|p| p.into_inner());
            Ok(SetRef::Loaded(
                sets.entry(dir.to_path_buf()).or_insert(set).clone(),
            ))
        }
    }
}

/// The request and set for one call: `layers` are `(name, text)` values documents in
/// order; `existing_json` is a JSON array of objects already in the cluster.
fn prepare(
    release: &str,
    namespace: &str,
    layers: Vec<(String, String)>,
    choice: SetChoice<'_>,
    existing_json: Option<&str>,
) -> capiform::Result<(RenderRequest, SetRef)> {
    let mut req = RenderRequest::new(release, namespace);
    for (name, text) in layers {
        req = req.with_values_yaml(name, text);
    }
    if let Some(text) = existing_json {
        req.existing = serde_json::from_str(text).map_err(|e| Error::Yaml {
            file: "existing".into(),
            message: format!("not a JSON array of objects: {e}"),
        })?;
    }
    Ok((req, template_set(choice)?))
}

fn choice<'a>(template_version: Option<&'a str>, templates_dir: Option<&'a str>) -> SetChoice<'a> {
    match templates_dir {
        Some(dir) => SetChoice::Dir(Path::new(dir)),
        None => SetChoice::Embedded(template_version),
    }
}

/// `NativeError(kind, message, problems)` for a library error.
fn to_py(err: Error) -> PyErr {
    let kind = match &err {
        Error::Invalid(_) => "invalid",
        Error::Yaml { .. } => "syntax",
        Error::TemplateSet { .. } => "template-set",
        Error::Io { .. } => "io",
        Error::Usage(_) => "usage",
    };
    let problems: Problems = match &err {
        Error::Invalid(list) => list
            .iter()
            .map(|p| (p.path.clone(), p.message.clone()))
            .collect(),
        other => vec![(String::new(), other.to_string())],
    };
    NativeError::new_err((kind, err.to_string(), problems))
}

/// What a render call returns to Python: the output text and the warnings to log.
type Rendered = (String, Vec<String>);

/// Render once and turn the manifest into the text Python gets, with the warnings.
fn render_to_text(
    release: &str,
    namespace: &str,
    layers: Vec<(String, String)>,
    template_version: Option<&str>,
    templates_dir: Option<&str>,
    existing_json: Option<&str>,
    text_of: impl FnOnce(&capiform::Manifest) -> Result<String, Error>,
) -> Result<Rendered, Error> {
    let (req, set) = prepare(
        release,
        namespace,
        layers,
        choice(template_version, templates_dir),
        existing_json,
    )?;
    let manifest = capiform::render(&req, set.get())?;
    Ok((text_of(&manifest)?, warning_texts(&manifest)))
}

/// Render and return the objects as one JSON array (text), with the warnings.
#[pyfunction]
#[pyo3(signature = (release, namespace, layers, template_version=None, templates_dir=None, existing_json=None))]
fn render_json(
    py: Python<'_>,
    release: &str,
    namespace: &str,
    layers: Vec<(String, String)>,
    template_version: Option<&str>,
    templates_dir: Option<&str>,
    existing_json: Option<&str>,
) -> PyResult<Rendered> {
    py.detach(|| {
        render_to_text(
            release,
            namespace,
            layers,
            template_version,
            templates_dir,
            existing_json,
            |manifest| {
                let values: Vec<serde_json::Value> =
                    manifest.objects.iter().map(|o| o.to_value()).collect();
                serde_json::to_string(&values).map_err(|e| Error::Usage(e.to_string()))
            },
        )
    })
    .map_err(to_py)
}

/// Render and return the manifest as YAML (the text `capiform render` prints).
#[pyfunction]
#[pyo3(signature = (release, namespace, layers, template_version=None, templates_dir=None, existing_json=None))]
fn render_yaml(
    py: Python<'_>,
    release: &str,
    namespace: &str,
    layers: Vec<(String, String)>,
    template_version: Option<&str>,
    templates_dir: Option<&str>,
    existing_json: Option<&str>,
) -> PyResult<Rendered> {
    py.detach(|| {
        render_to_text(
            release,
            namespace,
            layers,
            template_version,
            templates_dir,
            existing_json,
            |manifest| Ok(manifest.to_yaml()),
        )
    })
    .map_err(to_py)
}

/// The render's warnings as the lines Python logs (`file:line: message`).
fn warning_texts(manifest: &capiform::Manifest) -> Vec<String> {
    manifest.warnings.iter().map(ToString::to_string).collect()
}

/// `(path, message)` pairs, as `NativeError` carries them.
type Problems = Vec<(String, String)>;

/// Every problem of the values as `(path, message)` pairs (empty: valid), with the
/// warnings. Errors that are not about the values (syntax, template set) are raised.
#[pyfunction]
#[pyo3(signature = (layers, template_version=None, templates_dir=None, existing_json=None))]
fn validate_values(
    py: Python<'_>,
    layers: Vec<(String, String)>,
    template_version: Option<&str>,
    templates_dir: Option<&str>,
    existing_json: Option<&str>,
) -> PyResult<(Problems, Vec<String>)> {
    py.detach(|| {
        // A full render runs every check, the builders' included; the output is dropped.
        let (req, set) = prepare(
            "validate",
            "default",
            layers,
            choice(template_version, templates_dir),
            existing_json,
        )?;
        match capiform::render(&req, set.get()) {
            Ok(manifest) => Ok((Vec::new(), warning_texts(&manifest))),
            Err(Error::Invalid(list)) => Ok((
                list.into_iter().map(|p| (p.path, p.message)).collect(),
                Vec::new(),
            )),
            Err(other) => Err(other),
        }
    })
    .map_err(to_py)
}

/// The embedded template sets as `(name, version)`, lowest version first.
#[pyfunction]
fn embedded_template_sets() -> PyResult<Vec<(String, String)>> {
    Ok(TemplateSet::all_embedded()
        .map_err(to_py)?
        .iter()
        .map(|s| (s.manifest().name.clone(), s.manifest().version.to_string()))
        .collect())
}

/// `name@version` of the set a call with these arguments would use.
#[pyfunction]
#[pyo3(signature = (template_version=None, templates_dir=None))]
fn template_set_id(
    py: Python<'_>,
    template_version: Option<&str>,
    templates_dir: Option<&str>,
) -> PyResult<String> {
    py.detach(|| template_set(choice(template_version, templates_dir)).map(|s| s.get().id()))
        .map_err(to_py)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("NativeError", m.py().get_type::<NativeError>())?;
    m.add("ENGINE_VERSION", capiform::ENGINE_VERSION)?;
    m.add_function(wrap_pyfunction!(render_json, m)?)?;
    m.add_function(wrap_pyfunction!(render_yaml, m)?)?;
    m.add_function(wrap_pyfunction!(validate_values, m)?)?;
    m.add_function(wrap_pyfunction!(embedded_template_sets, m)?)?;
    m.add_function(wrap_pyfunction!(template_set_id, m)?)?;
    m.add_function(wrap_pyfunction!(kube::apply_release, m)?)?;
    m.add_function(wrap_pyfunction!(kube::uninstall_release, m)?)?;
    m.add_function(wrap_pyfunction!(kube::release_status, m)?)?;
    Ok(())
}

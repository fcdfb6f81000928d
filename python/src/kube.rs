//! The release lifecycle for Python: render and apply, status, uninstall, over the
//! `capiform-kube` crate. Each call connects with a kubeconfig file (and optional
//! context), runs on its own single-threaded runtime and holds no GIL while it waits for
//! the API server. Results go back as JSON text; errors as `NativeError("kubernetes",
//! message, problems)`, one problem per refused object.

use capiform::lifecycle::{LifecycleError, render_and_apply};
use capiform::values::ValuesSource;
use capiform_kube::blocking::BlockingRelease;
use capiform_kube::{ApplyOptions, ConnectOptions, UninstallOptions};
use pyo3::prelude::*;
use serde_json::json;

use crate::{NativeError, Problems, choice, template_set, to_py};

/// `NativeError("kubernetes", …)` for a lifecycle error; a refused dry run lists every
/// object with the API server's answer.
fn kube_to_py(err: capiform_kube::Error) -> PyErr {
    let problems: Problems = match &err {
        capiform_kube::Error::DryRunRefused(refusals) => refusals
            .iter()
            .map(|r| (r.object.to_string(), format!("{} {}", r.code, r.message)))
            .collect(),
        other => vec![(String::new(), other.to_string())],
    };
    NativeError::new_err(("kubernetes", err.to_string(), problems))
}

/// The error of a render-and-apply: the engine's (values, template set) or the cluster's.
fn lifecycle_to_py(err: LifecycleError) -> PyErr {
    match err {
        LifecycleError::Render(e) => to_py(e),
        LifecycleError::Kube(e) => kube_to_py(e),
    }
}

fn connect(
    kubeconfig: &str,
    context: Option<&str>,
    release: &str,
    namespace: &str,
) -> capiform_kube::Result<BlockingRelease> {
    let opts = ConnectOptions {
        kubeconfig: Some(kubeconfig.into()),
        context: context.map(str::to_owned),
    };
    BlockingRelease::connect(&opts, release, namespace)
}

/// Render `layers` (reading the etcd key Secret from the cluster, created first when
/// etcd encryption is on and there is none) and apply the objects as the next revision,
/// as `capiform apply` does (the record keeps the layers, so `capiform rollback` works on
/// the release). Returns the apply report as JSON.
#[pyfunction]
#[pyo3(signature = (release, namespace, layers, kubeconfig, context=None, template_version=None, templates_dir=None, prune=true, force_conflicts=true))]
#[allow(clippy::too_many_arguments)]
pub fn apply_release(
    py: Python<'_>,
    release: &str,
    namespace: &str,
    layers: Vec<(String, String)>,
    kubeconfig: &str,
    context: Option<&str>,
    template_version: Option<&str>,
    templates_dir: Option<&str>,
    prune: bool,
    force_conflicts: bool,
) -> PyResult<String> {
    py.detach(|| -> Result<String, LifecycleError> {
        let set = template_set(choice(template_version, templates_dir))?;
        let sources: Vec<ValuesSource> = layers
            .into_iter()
            .map(|(name, text)| ValuesSource::Yaml { name, text })
            .collect();
        let target = connect(kubeconfig, context, release, namespace)?;
        let opts = ApplyOptions {
            prune,
            force_conflicts,
            ..Default::default()
        };
        let report = target.block_on(render_and_apply(
            target.release(),
            set.get(),
            sources,
            "",
            &opts,
        ))?;
        Ok(serde_json::to_string(&report).unwrap_or_default())
    })
    .map_err(lifecycle_to_py)
}

/// One step of the ordered uninstall, without waiting: returns
/// `{"deleted": [...], "complete": bool}` as JSON (`complete` false while the Cluster is
/// still being deleted; call again later). A release that does not exist is complete.
#[pyfunction]
#[pyo3(signature = (release, namespace, kubeconfig, context=None))]
pub fn uninstall_release(
    py: Python<'_>,
    release: &str,
    namespace: &str,
    kubeconfig: &str,
    context: Option<&str>,
) -> PyResult<String> {
    py.detach(|| -> capiform_kube::Result<String> {
        let target = connect(kubeconfig, context, release, namespace)?;
        let opts = UninstallOptions {
            wait: false,
            ..Default::default()
        };
        // The progress lines are not kept: the report lists what was deleted.
        match target.uninstall(&opts, &mut |_line| {}) {
            Ok(report) => Ok(serde_json::to_string(&report).unwrap_or_default()),
            Err(capiform_kube::Error::ReleaseNotFound { .. }) => {
                Ok(json!({"deleted": [], "complete": true}).to_string())
            }
            Err(e) => Err(e),
        }
    })
    .map_err(kube_to_py)
}

/// The release's status as JSON, or `None` when it is not installed.
#[pyfunction]
#[pyo3(signature = (release, namespace, kubeconfig, context=None))]
pub fn release_status(
    py: Python<'_>,
    release: &str,
    namespace: &str,
    kubeconfig: &str,
    context: Option<&str>,
) -> PyResult<Option<String>> {
    py.detach(|| -> capiform_kube::Result<Option<String>> {
        let target = connect(kubeconfig, context, release, namespace)?;
        match target.status() {
            Ok(status) => Ok(Some(serde_json::to_string(&status).unwrap_or_default())),
            Err(capiform_kube::Error::ReleaseNotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    })
    .map_err(kube_to_py)
}

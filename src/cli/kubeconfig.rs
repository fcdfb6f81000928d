//! Where the commands that talk to a cluster find it, checked before the client is
//! configured: a missing kubeconfig is one clear sentence naming `--kubeconfig` and
//! `KUBECONFIG`, not the client library's chain of errors.

use std::path::{Path, PathBuf};

/// Why no kubeconfig can be read, or `None` when one can (or the in-cluster service
/// account is there). The client reads `--kubeconfig FILE`, else every file of
/// `$KUBECONFIG`, else `~/.kube/config`, else the in-cluster service account.
pub(super) fn problem(kubeconfig: Option<&Path>) -> Option<String> {
    problem_with(
        kubeconfig,
        &|name| std::env::var_os(name).map(PathBuf::from),
        &|p| p.is_file(),
    )
}

/// [`problem`] with the environment and the file system given.
fn problem_with(
    kubeconfig: Option<&Path>,
    env: &dyn Fn(&str) -> Option<PathBuf>,
    exists: &dyn Fn(&Path) -> bool,
) -> Option<String> {
    if let Some(path) = kubeconfig {
        return (!exists(path)).then(|| format!("--kubeconfig {}: no such file", path.display()));
    }
    if let Some(list) = env("KUBECONFIG").filter(|l| !l.as_os_str().is_empty()) {
        let files: Vec<PathBuf> = std::env::split_paths(&list).collect();
        if files.iter().any(|f| exists(f)) {
            return None;
        }
        return Some(format!(
            "KUBECONFIG names no file that exists ({}); give the management cluster's kubeconfig with --kubeconfig FILE or KUBECONFIG=FILE",
            files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let home_config = env("HOME").map(|h| h.join(".kube").join("config"));
    if home_config.as_deref().is_some_and(exists) || env("KUBERNETES_SERVICE_HOST").is_some() {
        return None;
    }
    Some(format!(
        "no kubeconfig: give the management cluster's kubeconfig with --kubeconfig FILE or KUBECONFIG=FILE \
         (there is no {} and no in-cluster service account)",
        home_config
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "~/.kube/config".into())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<PathBuf> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| PathBuf::from(v))
        }
    }

    #[test]
    fn a_missing_kubeconfig_names_the_flag_and_the_variable() {
        let none = |_: &Path| false;
        let m = problem_with(None, &env(&[("HOME", "/root")]), &none).unwrap();
        assert!(
            m.contains("--kubeconfig")
                && m.contains("KUBECONFIG")
                && m.contains("/root/.kube/config"),
            "{m}"
        );
        assert!(!m.contains("\"\""), "{m}");
        let m = problem_with(Some(Path::new("k.yaml")), &env(&[]), &none).unwrap();
        assert_eq!(m, "--kubeconfig k.yaml: no such file");
        let m = problem_with(None, &env(&[("KUBECONFIG", "/a:/b")]), &none).unwrap();
        assert!(m.contains("/a, /b"), "{m}");
    }

    #[test]
    fn a_kubeconfig_that_exists_or_the_service_account_is_no_problem() {
        let all = |_: &Path| true;
        let none = |_: &Path| false;
        assert!(problem_with(Some(Path::new("k")), &env(&[]), &all).is_none());
        assert!(problem_with(None, &env(&[("HOME", "/root")]), &all).is_none());
        assert!(
            problem_with(
                None,
                &env(&[("KUBERNETES_SERVICE_HOST", "10.0.0.1")]),
                &none
            )
            .is_none()
        );
    }
}

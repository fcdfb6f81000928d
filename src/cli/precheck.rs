//! The values checks of the commands that talk to a cluster (`apply`, `diff RELEASE`,
//! `adopt`), run before any request: a values problem is an error at once, offline, with
//! every problem listed (exit 1), never a kubeconfig error or a retried connection
//! first.

use crate::RenderRequest;
use crate::error::Result;
use crate::template_set::TemplateSet;
use crate::values::{Merged, ValuesSource};

/// Render `sources` for `release` in `namespace` as `apply` will, with stand-ins for
/// what `apply` reads from the cluster: the etcd encryption key Secret (`apply` creates
/// it when the cluster has none), so that its absence here is no problem.
///
/// ```ignore
/// // capiform apply demo -n clusters -f values.yaml   (the check of `apply`)
/// check_render(&set, "demo", "clusters", sources)?;
/// ```
pub(super) fn check_render(
    set: &TemplateSet,
    release: &str,
    namespace: &str,
    sources: Vec<ValuesSource>,
) -> Result<()> {
    let mut req = RenderRequest::new(release, namespace);
    req.sources = sources;
    let (merged, _) = Merged::over(set.defaults(), &req.sources)?;
    if merged.to_value().pointer("/etcd/encryption/enabled") == Some(&serde_json::Value::Bool(true))
    {
        req.existing.push(etcd_key_stand_in(release, namespace));
    }
    crate::render(&req, set).map(drop)
}

/// [`check_render`] of a command's values arguments.
pub(super) fn check_render_args(
    release: &str,
    namespace: &str,
    args: &super::ValuesArgs,
) -> Result<()> {
    let set = super::template_set(args)?;
    check_render(&set, release, namespace, super::sources(args)?)
}

/// Check the layers `adopt` puts over the values of the Helm release: they read
/// (files, `--set` syntax) and what they give fits the values schema (known keys,
/// types, ranges, formats). The whole render needs Helm's values, read from the
/// cluster later.
pub(super) fn check_layers(set: &TemplateSet, sources: &[ValuesSource]) -> Result<()> {
    let (merged, user) = Merged::over_with(
        set.defaults(),
        sources,
        Some(set.dialects()?),
        &mut Vec::new(),
    )?;
    let mut problems =
        crate::schema::check_user_part(&set.manifest().schema_version, merged.given(), &user);
    if problems.is_empty() {
        return Ok(());
    }
    crate::values::attribute_sources(sources, &mut problems);
    Err(crate::Error::Invalid(crate::validation::dedup(problems)))
}

/// A Secret holding a valid key for every provider (32 zero bytes), named as the
/// release's etcd key: what `apply` reads or creates in the cluster.
fn etcd_key_stand_in(release: &str, namespace: &str) -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": crate::naming::component_name(release, "etcd-key"),
            "namespace": namespace,
        },
        "data": {"key": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> Vec<ValuesSource> {
        vec![ValuesSource::Yaml {
            name: "values.yaml".into(),
            text: text.into(),
        }]
    }

    const GOOD: &str = "kubernetesVersion: 1.31.4\nmachineImage: img\ncloudCredentialsSecretName: c\n\
                        controlPlane: {machineFlavor: f}\nnodeGroups: [{name: md-0, machineFlavor: f, machineCount: 1}]\n";

    #[test]
    fn every_problem_is_found_without_a_cluster() {
        let set = TemplateSet::embedded(None).unwrap();
        if let Err(e) = check_render(set, "demo", "ns", file(GOOD)) {
            panic!("{e}");
        }
        let bad = format!("{GOOD}osDistro: arch\napiServer: {{port: 70000}}\n");
        let Err(crate::Error::Invalid(problems)) = check_render(set, "demo", "ns", file(&bad))
        else {
            panic!("not refused");
        };
        assert_eq!(problems.len(), 2, "{problems:?}");
    }

    #[test]
    fn the_etcd_key_apply_reads_from_the_cluster_is_no_problem() {
        let set = TemplateSet::embedded(None).unwrap();
        let text = format!("{GOOD}etcd: {{encryption: {{enabled: true}}}}\n");
        if let Err(e) = check_render(set, "demo", "ns", file(&text)) {
            panic!("{e}");
        }
    }

    #[test]
    fn adopt_checks_what_its_layers_give() {
        let set = TemplateSet::embedded(None).unwrap();
        assert!(check_layers(set, &file("nodeGroups: [{name: md-0, machineCount: 3}]")).is_ok());
        let err =
            check_layers(set, &file("nodeGroups: [{name: md-0, machineCont: 3}]")).unwrap_err();
        assert!(
            err.to_string().contains("machineCont: unknown key"),
            "{err}"
        );
    }
}

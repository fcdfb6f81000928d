//! `capiform adopt`: take a release over from Helm without replacing a machine.
//!
//! The newest deployed Helm record gives the values (`-f`/`--set` layer over them); the
//! render is compared with the live objects (those it renders and those Helm's manifest
//! lists); machine templates with the same content keep their live names. The adoption
//! stops when anything that matters would change, unless `--allow-changes`. Then the
//! objects are applied (server-side, forced: capiform takes the fields Helm set), join
//! the release's ApplySet, Helm's field manager and ownership label and annotations are
//! removed from them (capiform alone owns their fields; `helm upgrade --install` no longer
//! takes them), capiform's record gets revision 1 with the values, and Helm's records are
//! deleted last, so that a later `helm uninstall` cannot delete the cluster.

use capiform_kube::{ApplyOptions, ApplyReport, Client, ObjectRef, RecordMeta, Release};
use clap::Args;
use serde_json::Value;

use super::cluster_io;
use super::lifecycle::{ClusterArgs, init_logs};
use super::{ValuesArgs, sources, template_set};
use crate::adopt::{AdoptionPlan, helm_manifest_objects, plan};
use crate::error::Error;
use crate::helm_release::newest_deployed;
use crate::lifecycle::{LifecycleError, inputs_of};
use crate::template_set::TemplateSet;
use crate::values::ValuesSource;

/// The examples under `capiform adopt --help`.
pub(super) const ADOPT_EXAMPLES: &str = "\
Examples:
  capiform adopt demo -n clusters --dry-run      # what would happen; nothing is written
  capiform adopt demo -n clusters                # take the Helm release over
  capiform adopt demo -n clusters -f fix.yaml --allow-changes";

/// Arguments of `adopt`.
#[derive(Debug, Args)]
pub struct AdoptArgs {
    /// The Helm release to take over (the cluster name).
    pub release: String,
    /// Cluster connection.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Values layered over the Helm release's values, and the template set.
    #[command(flatten)]
    pub values: ValuesArgs,
    /// Show what the adoption would do and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Go on when the adoption would change objects (the changes are shown first).
    #[arg(long)]
    pub allow_changes: bool,
}

/// What an adoption did.
#[derive(Debug)]
pub struct Adopted {
    /// The plan: the Helm revision, the objects, kept names, the comparison.
    pub plan: AdoptionPlan,
    /// What stopped the adoption (empty when it went on).
    pub blocking: Vec<String>,
    /// The apply, when the adoption went on.
    pub applied: Option<ApplyReport>,
    /// Helm's records deleted, in order.
    pub deleted_helm_records: Vec<String>,
}

/// Adopt Helm release `release.name()` in `release.namespace()`. With `dry_run`, or when
/// changes block it, nothing is written.
pub async fn adopt(
    client: &Client,
    release: &Release,
    set: &TemplateSet,
    overrides: &[ValuesSource],
    dry_run: bool,
    allow_changes: bool,
) -> Result<Adopted, LifecycleError> {
    let ns = release.namespace();
    let secrets = cluster_io::helm_records(client, ns, release.name()).await?;
    let helm = newest_deployed(&secrets, release.name()).map_err(|e| Error::Yaml {
        file: e.record,
        message: e.message,
    })?;
    let layers = crate::adopt::sources(&helm, overrides);
    let (_, user) = crate::values::merged_values_and_user(set.defaults(), &layers)?;
    let mut request = crate::RenderRequest::new(release.name(), ns);
    request.sources = layers.clone();
    request.existing = release.read_existing().await?;
    let mut rendered: Vec<Value> = crate::render(&request, set)?
        .objects
        .iter()
        .map(crate::Object::to_value)
        .collect();
    let wanted: Vec<Value> = rendered
        .iter()
        .chain(&helm_manifest_objects(&helm))
        .cloned()
        .collect();
    let mut live = cluster_io::get_all(client, ns, &wanted).await?;
    let names: Vec<String> = secrets
        .iter()
        .filter_map(|s| s.pointer("/metadata/name")?.as_str().map(str::to_owned))
        .collect();
    // The rule apply follows: templates with the content of Helm's keep Helm's names.
    crate::lifecycle::keep_live_template_names(release, &mut rendered, &live).await?;
    // As the forced apply would store them, compared field by field with Helm's objects.
    let compared =
        super::diff::server_side(client, ns, release, &rendered, &mut live, true).await?;
    let stored = compared.stored.clone();
    let mut plan = plan(helm, &names, rendered, Some(stored), &live);
    compared.report_into(&mut plan.diff);
    let blocking = plan.blocking_changes();
    if dry_run || (!blocking.is_empty() && !allow_changes) {
        return Ok(Adopted {
            plan,
            blocking,
            applied: None,
            deleted_helm_records: Vec::new(),
        });
    }
    let mut meta = RecordMeta::new(crate::ENGINE_VERSION, &set.id(), user);
    meta.inputs = inputs_of(&layers);
    meta.description = format!(
        "adopted from Helm revision {} ({} {})",
        plan.helm.version, plan.helm.chart_name, plan.helm.chart_version
    );
    let opts = ApplyOptions {
        force_conflicts: true,
        ..Default::default()
    };
    let applied = release.apply(plan.objects.clone(), meta, &opts).await?;
    // capiform alone owns the fields now, and Helm no longer claims the objects: a later
    // `helm upgrade --install` refuses them instead of taking them back.
    let objects: Vec<ObjectRef> = applied.applied.iter().map(|a| a.object.clone()).collect();
    release
        .take_over(&objects, &capiform_kube::ownership::TakeOver::helm())
        .await?;
    let mut deleted = Vec::new();
    for name in &plan.helm_records {
        cluster_io::delete(client, ns, &ObjectRef::new("v1", "Secret", name)).await?;
        deleted.push(name.clone());
    }
    Ok(Adopted {
        plan,
        blocking,
        applied: Some(applied),
        deleted_helm_records: deleted,
    })
}

/// The lines for people on stderr, after the diff on stdout.
fn summary(adopted: &Adopted, dry_run: bool, allow_changes: bool) -> Vec<String> {
    let p = &adopted.plan;
    let mut out = vec![format!(
        "Helm release {} revision {} (chart {} {}): {} objects rendered",
        p.helm.name,
        p.helm.version,
        p.helm.chart_name,
        p.helm.chart_version,
        p.objects.len()
    )];
    for k in &p.kept_names {
        out.push(format!(
            "  {} {} keeps its live name {}",
            k.kind, k.rendered, k.live
        ));
    }
    if !adopted.blocking.is_empty() {
        out.push(format!(
            "The adoption would change {} thing(s):",
            adopted.blocking.len()
        ));
        out.extend(adopted.blocking.iter().map(|b| format!("  {b}")));
        if !allow_changes && !dry_run {
            out.push("Stopped: nothing was changed (--allow-changes goes on)".into());
        }
    }
    if dry_run {
        out.push(format!(
            "Dry run: would apply {} objects (server-side apply, taking over Helm's fields), add them to the release's ApplySet, write revision 1 of the release record with the Helm values, then delete Helm's records: {}",
            p.objects.len(),
            p.helm_records.join(", ")
        ));
        out.push("Nothing was changed.".into());
    }
    if let Some(report) = &adopted.applied {
        out.push(report.summary());
        out.push(format!(
            "Deleted Helm's records: {}",
            adopted.deleted_helm_records.join(", ")
        ));
    }
    out
}

/// Run `adopt`; returns the exit status (0 adopted or dry run, 1 stopped or failed,
/// 2 usage, 3 the API server did not answer).
pub fn run(args: &AdoptArgs) -> i32 {
    init_logs(args.cluster.verbose);
    let set = match template_set(&args.values) {
        Ok(s) => s,
        Err(e) => {
            super::report(&e);
            return e.exit_code();
        }
    };
    let overrides = match sources(&args.values) {
        Ok(s) => s,
        Err(e) => {
            super::report(&e);
            return e.exit_code();
        }
    };
    // What the files and flags give is checked before any request, offline.
    if let Err(e) = super::precheck::check_layers(&set, &overrides) {
        super::report(&e);
        return e.exit_code();
    }
    if let Some(problem) = super::kubeconfig::problem(args.cluster.kubeconfig.as_deref()) {
        eprintln!("Error: {problem}");
        return 1;
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("Error: cannot start the async runtime: {e}");
            return 1;
        }
    };
    let result = runtime.block_on(async {
        let opts = capiform_kube::ConnectOptions {
            kubeconfig: args.cluster.kubeconfig.clone(),
            context: args.cluster.context.clone(),
        };
        let config = capiform_kube::config(&opts).await?;
        let client = capiform_kube::client(config)?;
        let release = Release::new(client.clone(), &args.release, &args.cluster.namespace);
        adopt(
            &client,
            &release,
            &set,
            &overrides,
            args.dry_run,
            args.allow_changes,
        )
        .await
    });
    match result {
        Ok(adopted) => {
            if let Err(e) = super::print_stdout(&adopted.plan.diff.to_text()) {
                super::report(&e);
                return 1;
            }
            for line in summary(&adopted, args.dry_run, args.allow_changes) {
                eprintln!("{line}");
            }
            let stopped = !args.dry_run && adopted.applied.is_none();
            i32::from(stopped)
        }
        Err(e) => {
            eprintln!("Error: {e}");
            e.exit_code()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use capiform_kube::testing::ApiServerDouble;
    use serde_json::json;

    use super::*;
    use crate::helm_release::HelmRelease;

    const NS: &str = "clusters";

    /// Parity cases adopted here (the corpus is read from ../shared at run time).
    const CASES: &[&str] = &[
        "autoscaling",
        "cilium",
        "control-plane-full",
        "node-groups-overrides",
    ];

    fn case_dir(name: &str) -> Option<PathBuf> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/parity/cases")
            .join(name);
        if dir.join("values.yaml").is_file() {
            return Some(dir);
        }
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{} is missing: CI must have the parity corpus",
            dir.display()
        );
        eprintln!("\n!! ADOPTION TEST SKIPPED: {} not found\n", dir.display());
        None
    }

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

    /// A cluster as `helm install` of the chart left it: the objects in the namespace,
    /// machine templates named by the chart's hash (not capiform's), Helm's labels and
    /// annotations, and the release records (revision 1 superseded, 2 deployed).
    /// Returns the values and the live template names.
    fn helm_installed(
        api: &ApiServerDouble,
        release: &str,
        values_text: &str,
    ) -> (Value, Vec<String>) {
        let values = crate::values::parse_document("values.yaml", values_text).unwrap();
        let set = TemplateSet::embedded(None).unwrap();
        let mut req =
            crate::RenderRequest::new(release, NS).with_values_yaml("values.yaml", values_text);
        if values.pointer("/etcd/encryption/enabled") == Some(&json!(true)) {
            let key = json!({"apiVersion": "v1", "kind": "Secret",
                "metadata": {"name": format!("{release}-etcd-key"), "namespace": NS},
                "data": {"key": "c2VjcmV0LWtleS1vZi0zMi1ieXRlcy1sb25nLi4uLi4="}});
            api.insert(key.clone());
            req.existing.push(key);
        }
        let mut objects: Vec<Value> = crate::render(&req, set)
            .unwrap()
            .objects
            .iter()
            .map(crate::Object::to_value)
            .collect();
        let mut renames = Vec::new();
        for (i, o) in objects.iter_mut().enumerate() {
            let kind = o["kind"].as_str().unwrap_or("").to_owned();
            if kind == "OpenStackMachineTemplate" || kind == "KubeadmConfigTemplate" {
                let old = o["metadata"]["name"].as_str().unwrap().to_owned();
                let new = format!("{}-helm{i:04}", &old[..old.len() - 9]);
                renames.push((old, new.clone()));
                o["metadata"]["name"] = json!(new);
            }
        }
        let mut text = serde_json::to_string(&objects).unwrap();
        for (old, new) in &renames {
            text = text.replace(&format!("\"{old}\""), &format!("\"{new}\""));
        }
        objects = serde_json::from_str(&text).unwrap();
        let mut manifest = String::new();
        for o in &mut objects {
            let meta = o["metadata"].as_object_mut().unwrap();
            meta.insert("namespace".into(), json!(NS));
            let annotations = meta
                .entry("annotations")
                .or_insert(json!({}))
                .as_object_mut()
                .unwrap();
            annotations.remove("capiform.dev/engine-version");
            annotations.remove("capiform.dev/template-set");
            annotations.insert("meta.helm.sh/release-name".into(), json!(release));
            annotations.insert("meta.helm.sh/release-namespace".into(), json!(NS));
            meta.entry("labels")
                .or_insert(json!({}))
                .as_object_mut()
                .unwrap()
                .insert("app.kubernetes.io/managed-by".into(), json!("Helm"));
            manifest.push_str("---\n");
            manifest.push_str(&serde_yaml::to_string(o).unwrap());
            api.insert_as(o.clone(), "helm");
        }
        let mut old = HelmRelease::for_test(release, NS, 1, "superseded", json!({"stale": true}));
        old.manifest = String::new();
        api.insert(old.to_secret());
        let mut deployed = HelmRelease::for_test(release, NS, 2, "deployed", values.clone());
        deployed.manifest = manifest;
        api.insert(deployed.to_secret());
        (values, renames.into_iter().map(|(_, n)| n).collect())
    }

    fn template_names(api: &ApiServerDouble) -> Vec<String> {
        let mut names = api.names("openstackmachinetemplates");
        names.extend(api.names("kubeadmconfigtemplates"));
        names.sort();
        names
    }

    #[tokio::test]
    async fn parity_cases_adopt_without_renaming_or_changing() {
        for case in CASES {
            let Some(dir) = case_dir(case) else { return };
            let text = std::fs::read_to_string(dir.join("values.yaml")).unwrap();
            let api = ApiServerDouble::new();
            let (values, mut helm_names) = helm_installed(&api, "demo", &text);
            helm_names.sort();
            let release = Release::new(api.client(), "demo", NS);
            let set = TemplateSet::embedded(None).unwrap();
            let adopted = adopt(&api.client(), &release, set, &[], false, false)
                .await
                .unwrap();
            assert!(
                adopted.blocking.is_empty(),
                "{case}: {:?}",
                adopted.blocking
            );
            assert!(adopted.applied.is_some(), "{case}");
            assert!(adopted.plan.diff.rollout.is_empty(), "{case}");

            // The values recovered are the case's values, as revision 1 of the record.
            assert_eq!(
                as_floats(&release.values(Some(1)).await.unwrap()),
                as_floats(&values),
                "{case}"
            );
            // No template renamed: the live templates are Helm's, and no other was made.
            assert_eq!(template_names(&api), helm_names, "{case}");
            // capiform alone owns every object, and Helm's marks are gone.
            for (plural, name) in [
                ("machinedeployments", "demo-md-0"),
                ("kubeadmcontrolplanes", "demo-control-plane"),
                ("clusters", "demo"),
            ] {
                if api.object(plural, name).is_none() {
                    continue;
                }
                assert_eq!(
                    api.managers(plural, name),
                    ["capiform Apply"],
                    "{case} {plural}"
                );
                let o = api.object(plural, name).unwrap();
                let text = o["metadata"].to_string();
                assert!(
                    !text.contains("meta.helm.sh") && !text.contains("\"Helm\""),
                    "{case}: {text}"
                );
            }
            // Helm's records are gone, deleted after every other write.
            assert!(
                api.names("secrets")
                    .iter()
                    .all(|n| !n.starts_with("sh.helm.release.v1.")),
                "{case}"
            );
            let writes: Vec<String> = api
                .requests()
                .iter()
                .filter(|r| r.is_write())
                .map(|r| r.line())
                .collect();
            let first_helm_delete = writes
                .iter()
                .position(|l| l.contains("/secrets/sh.helm.release.v1."))
                .unwrap();
            assert!(
                writes[first_helm_delete..]
                    .iter()
                    .all(|l| l.starts_with("DELETE") && l.contains("sh.helm.release.v1.")),
                "{case}: {writes:#?}"
            );
            assert_eq!(
                writes[first_helm_delete..].len(),
                2,
                "{case}: both records, the deployed one first: {writes:#?}"
            );
            assert!(writes[first_helm_delete].ends_with(".v2"), "{case}");
        }
    }

    #[tokio::test]
    async fn dry_run_writes_nothing() {
        let Some(dir) = case_dir("autoscaling") else {
            return;
        };
        let api = ApiServerDouble::new();
        helm_installed(
            &api,
            "demo",
            &std::fs::read_to_string(dir.join("values.yaml")).unwrap(),
        );
        let before = api.inventory();
        let release = Release::new(api.client(), "demo", NS);
        let set = TemplateSet::embedded(None).unwrap();
        let adopted = adopt(&api.client(), &release, set, &[], true, false)
            .await
            .unwrap();
        assert!(adopted.applied.is_none());
        assert!(
            api.requests().iter().all(|r| !r.is_write()),
            "{:#?}",
            api.lines()
        );
        assert_eq!(api.inventory(), before);
        let lines = summary(&adopted, true, false);
        assert!(
            lines.iter().any(|l| l.starts_with("Dry run: would apply")),
            "{lines:?}"
        );
    }

    #[tokio::test]
    async fn a_change_stops_the_adoption_unless_allowed() {
        let Some(dir) = case_dir("autoscaling") else {
            return;
        };
        let text = std::fs::read_to_string(dir.join("values.yaml")).unwrap();
        let api = ApiServerDouble::new();
        helm_installed(&api, "demo", &text);
        let release = Release::new(api.client(), "demo", NS);
        let set = TemplateSet::embedded(None).unwrap();
        // An override that changes the cluster (and that CAPO would refuse).
        let overrides = [ValuesSource::Yaml {
            name: "override.yaml".into(),
            text: "clusterNetworking:\n  externalNetworkId: 00000000-0000-4000-8000-000000000009\n"
                .into(),
        }];
        let adopted = adopt(&api.client(), &release, set, &overrides, false, false)
            .await
            .unwrap();
        assert!(!adopted.blocking.is_empty());
        assert!(adopted.applied.is_none());
        assert!(api.requests().iter().all(|r| !r.is_write()));
        assert!(
            api.names("secrets")
                .iter()
                .any(|n| n == "sh.helm.release.v1.demo.v2")
        );
    }
}

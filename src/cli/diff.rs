//! `capiform diff`: what a change of values or of template set version does to a
//! cluster, before it is made.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{ValuesArgs, parse_existing, read, sources, with_stdout};
use crate::diff::{DiffOptions, diff_manifests};
use crate::error::{Error, Result};
use crate::template_set::TemplateSet;
use crate::values::ValuesSource;
use crate::{Manifest, RenderRequest};

/// Arguments of `diff`.
///
/// Without `--from`/`--to` and the side template options, the render of `-f`/`--set` is
/// compared with the release in the cluster. Offline, two renders are compared: `--from`/`--to` give each side's values files,
/// `--from-template-version`/`--to-template-version` (or `--from-templates`/
/// `--to-templates`) each side's template set; `-f`/`--set` and `--template-version`
/// apply to both sides, after the side's own files.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Release name (the cluster name); offline it only names the objects (default: demo).
    pub release: Option<String>,
    /// Namespace of the release.
    #[arg(short = 'n', long, default_value = "default")]
    pub namespace: String,
    /// Values file of the first side (repeatable; later files win).
    #[arg(long = "from", value_name = "FILE", requires = "to")]
    pub from: Vec<PathBuf>,
    /// Values file of the second side (repeatable; later files win).
    #[arg(long = "to", value_name = "FILE", requires = "from")]
    pub to: Vec<PathBuf>,
    /// Embedded template set version of the first side.
    #[arg(long, value_name = "VERSION", conflicts_with = "from_templates")]
    pub from_template_version: Option<String>,
    /// Embedded template set version of the second side.
    #[arg(long, value_name = "VERSION", conflicts_with = "to_templates")]
    pub to_template_version: Option<String>,
    /// Template set directory of the first side.
    #[arg(long, value_name = "DIR")]
    pub from_templates: Option<PathBuf>,
    /// Template set directory of the second side.
    #[arg(long, value_name = "DIR")]
    pub to_templates: Option<PathBuf>,
    /// Values and template set of both sides.
    #[command(flatten)]
    pub values: ValuesArgs,
    /// YAML file of objects already in the cluster (e.g. the etcd encryption key Secret).
    #[arg(long = "existing", value_name = "FILE")]
    pub existing: Vec<PathBuf>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = DiffFormat::Text)]
    pub output: DiffFormat,
    /// Exit 0 when nothing changes, 2 when something does, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Kubeconfig file, for a diff against the cluster (default: $KUBECONFIG,
    /// ~/.kube/config, then the in-cluster service account).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context, for a diff against the cluster.
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
}

/// The examples under `capiform diff --help`.
pub(super) const DIFF_EXAMPLES: &str = "\
Examples:
  capiform diff demo -n clusters -f values.yaml        # against the cluster
  capiform diff demo --from values.yaml --to values-next.yaml
  capiform diff demo -f values.yaml --from-template-version 1.0.0 --to-template-version 1.1.0
  capiform diff demo -f values.yaml --to-templates my-sets/1.0.0-site -o json
  capiform diff demo --from a.yaml --to b.yaml --detailed-exitcode   # 0 same, 2 changes, 1 error";

/// Output format of `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// For people: rollout summary, refusals, objects, unified diffs.
    Text,
    /// For programs: the same as one JSON document.
    Json,
}

impl DiffArgs {
    fn is_offline(&self) -> bool {
        !self.from.is_empty()
            || !self.to.is_empty()
            || self.from_template_version.is_some()
            || self.to_template_version.is_some()
            || self.from_templates.is_some()
            || self.to_templates.is_some()
    }
}

/// One side of an offline diff.
struct Side<'a> {
    flag: &'static str,
    files: &'a [PathBuf],
    template_version: Option<&'a str>,
    templates: Option<&'a PathBuf>,
}

fn side_template_set(
    side: &Side,
    args: &ValuesArgs,
) -> Result<std::borrow::Cow<'static, TemplateSet>> {
    match (side.templates, side.template_version) {
        (Some(dir), _) => Ok(std::borrow::Cow::Owned(TemplateSet::load_dir(dir)?)),
        (None, Some(version)) => Ok(std::borrow::Cow::Borrowed(TemplateSet::embedded(Some(
            version,
        ))?)),
        (None, None) => super::template_set(args),
    }
}

fn render_side(
    args: &DiffArgs,
    side: &Side,
    common: &[ValuesSource],
    existing: &[serde_json::Value],
) -> Result<Manifest> {
    let set = side_template_set(side, &args.values)?;
    let mut req = RenderRequest::new(args.release.as_deref().unwrap_or("demo"), &args.namespace);
    for f in side.files {
        req.sources.push(ValuesSource::Yaml {
            name: f.display().to_string(),
            text: read(f)?,
        });
    }
    req.sources.extend(common.iter().cloned());
    req.existing = existing.to_vec();
    crate::render(&req, &set)
}

fn run_offline(
    args: &DiffArgs,
) -> std::result::Result<crate::diff::Diff, (Option<&'static str>, Error)> {
    let common = sources(&args.values).map_err(|e| (None, e))?;
    let mut existing = Vec::new();
    for f in &args.existing {
        existing.extend(parse_existing(f).map_err(|e| (None, e))?);
    }
    let from = Side {
        flag: "--from",
        files: &args.from,
        template_version: args
            .from_template_version
            .as_deref()
            .or(args.values.template_version.as_deref()),
        templates: args
            .from_templates
            .as_ref()
            .or(args.values.templates.as_ref()),
    };
    let to = Side {
        flag: "--to",
        files: &args.to,
        template_version: args
            .to_template_version
            .as_deref()
            .or(args.values.template_version.as_deref()),
        templates: args
            .to_templates
            .as_ref()
            .or(args.values.templates.as_ref()),
    };
    let before = render_side(args, &from, &common, &existing).map_err(|e| (Some(from.flag), e))?;
    let after = render_side(args, &to, &common, &existing).map_err(|e| (Some(to.flag), e))?;
    Ok(diff_manifests(&before, &after, &DiffOptions::offline()))
}

/// The usage error of `capiform diff` given neither a release nor two sides.
const MISSING_RELEASE: &str =
    "capiform diff against the cluster needs the release name (or --from/--to for an offline diff)";

/// The report of a diff against the cluster.
fn run_against_cluster(args: &DiffArgs) -> std::result::Result<crate::diff::Diff, (i32, String)> {
    let Some(release) = args.release.as_deref() else {
        return Err((2, MISSING_RELEASE.into()));
    };
    let usage = |e: Error| (e.exit_code(), e.to_string());
    let set = super::template_set(&args.values).map_err(usage)?;
    let layers = sources(&args.values).map_err(usage)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| (1, format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        let opts = capiform_kube::ConnectOptions {
            kubeconfig: args.kubeconfig.clone(),
            context: args.context.clone(),
        };
        let fail = |e: crate::lifecycle::LifecycleError| (e.exit_code(), e.to_string());
        let config = capiform_kube::config(&opts)
            .await
            .map_err(|e| fail(e.into()))?;
        let client = capiform_kube::client(config).map_err(|e| fail(e.into()))?;
        let release = capiform_kube::Release::new(client.clone(), release, &args.namespace);
        live_diff(&client, &release, &set, layers)
            .await
            .map_err(fail)
    })
}

/// Run `diff`; returns the exit status (see `--detailed-exitcode`).
pub(super) fn run(args: &DiffArgs) -> i32 {
    let error_code = |code: i32| if args.detailed_exitcode { 1 } else { code };
    let diff = if args.is_offline() {
        match run_offline(args) {
            Ok(diff) => diff,
            Err((side, e)) => {
                if let Some(flag) = side {
                    eprintln!("capiform diff: the {flag} side does not render");
                }
                super::report(&e);
                return error_code(e.exit_code());
            }
        }
    } else {
        // Usage first: without a release (and without --from/--to) there is nothing to
        // compare, whatever the kubeconfig.
        let Some(release) = args.release.as_deref() else {
            eprintln!("Error: {MISSING_RELEASE}");
            return error_code(2);
        };
        // The values are checked (and rendered) before any request, offline.
        if let Err(e) = super::precheck::check_render_args(release, &args.namespace, &args.values) {
            super::report(&e);
            return error_code(e.exit_code());
        }
        if let Some(problem) = super::kubeconfig::problem(args.kubeconfig.as_deref()) {
            eprintln!("Error: {problem}");
            return 1;
        }
        match run_against_cluster(args) {
            Ok(diff) => diff,
            Err((code, message)) => {
                eprintln!("Error: {message}");
                return error_code(code);
            }
        }
    };
    let text = match args.output {
        DiffFormat::Text => diff.to_text(),
        DiffFormat::Json => diff.to_json(),
    };
    if let Err(e) = with_stdout(|out| std::io::Write::write_all(out, text.as_bytes())) {
        super::report(&e);
        return 1;
    }
    if args.detailed_exitcode && diff.has_changes() {
        2
    } else {
        0
    }
}

/// `capiform diff RELEASE -f …` against the cluster: the render (live template names
/// kept, the rule `apply` follows), dry-run on the server as `apply` sends it, compared
/// with the release's live objects.
pub(super) async fn live_diff(
    client: &capiform_kube::Client,
    release: &capiform_kube::Release,
    set: &TemplateSet,
    sources: Vec<ValuesSource>,
) -> std::result::Result<crate::diff::Diff, crate::lifecycle::LifecycleError> {
    let ns = release.namespace();
    let mut req = RenderRequest::new(release.name(), ns);
    req.sources = sources;
    req.existing = release.read_existing().await?;
    let mut objects: Vec<serde_json::Value> = crate::render(&req, set)?
        .objects
        .iter()
        .map(crate::Object::to_value)
        .collect();
    let mut live = match release.live_objects().await {
        Ok(live) => live,
        Err(capiform_kube::Error::ReleaseNotFound { .. }) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    // Rendered objects that are not members of the release (yet): a first apply, or
    // objects another tool made.
    let missing: Vec<serde_json::Value> = objects
        .iter()
        .filter(|o| {
            !live
                .iter()
                .any(|l| crate::diff::ObjectKey::of(l) == crate::diff::ObjectKey::of(o))
        })
        .cloned()
        .collect();
    live.extend(super::cluster_io::get_all(client, ns, &missing).await?);
    crate::lifecycle::keep_live_template_names(release, &mut objects, &live).await?;
    let compared = server_side(client, ns, release, &objects, &mut live, false).await?;
    let mut diff = crate::diff::diff_objects(&live, &compared.stored, &DiffOptions::live());
    compared.report_into(&mut diff);
    Ok(diff)
}

/// The render as the API server would store it, object by object, with what it said.
pub(super) struct ServerSide {
    /// Each object as stored (or as rendered when refused).
    pub stored: Vec<serde_json::Value>,
    /// Objects the server refused.
    pub refused: Vec<crate::diff::Refusal>,
    /// Fields other managers own that the apply would change.
    pub conflicts: Vec<crate::diff::Conflict>,
}

impl ServerSide {
    /// Put the server's refusals and conflicts in the diff, in place of the refusals the
    /// diff's own rules found for the same objects (the server's word wins).
    pub fn report_into(self, diff: &mut crate::diff::Diff) {
        diff.refused
            .retain(|r| !self.refused.iter().any(|s| s.object == r.object));
        diff.refused.extend(self.refused);
        diff.conflicts.extend(self.conflicts);
    }
}

/// One dry run of `o` as `apply` sends it. Without `force`, the fields another manager owns
/// with another value are returned as conflicts, and the answer is that of a second, forced
/// dry run (what the object would become).
async fn dry_run_meeting_conflicts(
    release: &capiform_kube::Release,
    o: &serde_json::Value,
    force: bool,
) -> std::result::Result<
    (capiform_kube::DryRun, Vec<crate::diff::Conflict>),
    crate::lifecycle::LifecycleError,
> {
    let answer = release.dry_run_apply(o, force).await?;
    let capiform_kube::DryRun::Conflict(fields) = &answer else {
        return Ok((answer, Vec::new()));
    };
    let object = crate::diff::ObjectKey::of(o).to_string();
    let conflicts = fields
        .iter()
        .map(|c| crate::diff::Conflict {
            object: object.clone(),
            field: c.field.clone(),
            manager: c.manager.clone(),
        })
        .collect();
    Ok((release.dry_run_apply(o, true).await?, conflicts))
}

/// Dry-run every object as `apply` sends it. Without `force`, a field another manager
/// owns with another value is a conflict (reported, as `apply` would meet it), and the
/// object is dry-run again with `force` to see what it would become. A refused object
/// is compared as rendered, with its live version cut down to the rendered fields (so
/// that the server's defaults do not show as changes).
///
/// A controller may change an object between the read of `live` and its dry run (Cluster
/// API's MachineDeployment controller adds its revision annotation): the dry run then
/// answers with another `resourceVersion`, and the object is read again (in `namespace`,
/// through `client`) so that its own change does not show as the render's.
pub(super) async fn server_side(
    client: &capiform_kube::Client,
    namespace: &str,
    release: &capiform_kube::Release,
    objects: &[serde_json::Value],
    live: &mut [serde_json::Value],
    force: bool,
) -> std::result::Result<ServerSide, crate::lifecycle::LifecycleError> {
    use crate::diff::{ObjectKey, Refusal};
    use capiform_kube::DryRun;
    let mut out = ServerSide {
        stored: Vec::with_capacity(objects.len()),
        refused: Vec::new(),
        conflicts: Vec::new(),
    };
    for o in objects {
        let key = ObjectKey::of(o);
        let (mut answer, mut conflicts) = dry_run_meeting_conflicts(release, o, force).await?;
        for _ in 0..2 {
            let DryRun::Stored(stored) = &answer else {
                break;
            };
            let Some(l) = live.iter_mut().find(|l| ObjectKey::of(l) == key) else {
                break;
            };
            let version = capiform_kube::resource_version(stored);
            if version.is_empty() || version == capiform_kube::resource_version(l) {
                break;
            }
            let fresh = super::cluster_io::get_all(client, namespace, std::slice::from_ref(o))
                .await?
                .into_iter()
                .next();
            let Some(fresh) = fresh else { break };
            *l = fresh;
            (answer, conflicts) = dry_run_meeting_conflicts(release, o, force).await?;
        }
        out.conflicts.extend(conflicts);
        match answer {
            DryRun::Stored(stored) => out.stored.push(stored),
            DryRun::Refused(r) => {
                out.refused.push(Refusal {
                    object: key.to_string(),
                    path: String::new(),
                    reason: r.message,
                    by: "API server (dry run)".into(),
                });
                for l in live.iter_mut().filter(|l| ObjectKey::of(l) == key) {
                    *l = crate::diff::projected_onto(
                        &crate::diff::normalized(l),
                        &crate::diff::normalized(o),
                    );
                }
                out.stored.push(o.clone());
            }
            DryRun::Conflict(_) => out.stored.push(o.clone()),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::super::{Cli, Command};
    use super::*;

    fn parse(args: &[&str]) -> DiffArgs {
        let mut all = vec!["capiform", "diff"];
        all.extend(args);
        match Cli::try_parse_from(all).unwrap().command {
            Command::Diff(d) => d,
            other => panic!("not diff: {other:?}"),
        }
    }

    #[test]
    fn offline_flags() {
        let d = parse(&[
            "--from",
            "a.yaml",
            "--to",
            "b.yaml",
            "-o",
            "json",
            "--detailed-exitcode",
        ]);
        assert!(d.is_offline() && d.detailed_exitcode);
        assert_eq!(d.output, DiffFormat::Json);
        assert_eq!(d.release, None);
        let d = parse(&[
            "demo",
            "-f",
            "v.yaml",
            "--from-template-version",
            "1.0.0",
            "--to-template-version",
            "1.1.0",
        ]);
        assert!(d.is_offline());
        assert_eq!(d.release.as_deref(), Some("demo"));
        assert!(!parse(&["demo", "-f", "v.yaml"]).is_offline());
    }

    #[test]
    fn a_side_takes_a_version_or_a_directory() {
        let all = [
            "capiform",
            "diff",
            "--from-template-version",
            "1.0.0",
            "--from-templates",
            "d",
        ];
        assert!(Cli::try_parse_from(all).is_err());
    }
}

#[cfg(test)]
mod against_the_cluster {
    use capiform_kube::testing::ApiServerDouble;
    use capiform_kube::{ApplyOptions, Release};

    use super::*;

    const BASE: &str = "kubernetesVersion: 1.31.4
machineImage: ubuntu-jammy-kube-v1.31.4
cloudCredentialsSecretName: creds
controlPlane: {machineFlavor: cp.small}
nodeGroups: [{name: md-0, machineFlavor: worker.small, machineCount: 2}]
";

    fn layers(extra: &str) -> Vec<ValuesSource> {
        let mut out = vec![ValuesSource::Yaml {
            name: "values.yaml".into(),
            text: BASE.into(),
        }];
        if !extra.is_empty() {
            out.push(ValuesSource::Yaml {
                name: "change.yaml".into(),
                text: extra.into(),
            });
        }
        out
    }

    async fn applied() -> (ApiServerDouble, Release) {
        let api = ApiServerDouble::new();
        let release = Release::new(api.client(), "demo", "clusters");
        let set = TemplateSet::embedded(None).unwrap();
        crate::lifecycle::render_and_apply(&release, set, layers(""), "", &ApplyOptions::default())
            .await
            .unwrap();
        (api, release)
    }

    #[tokio::test]
    async fn the_applied_values_show_no_change_and_write_nothing() {
        let (api, release) = applied().await;
        api.clear_requests();
        let set = TemplateSet::embedded(None).unwrap();
        let diff = live_diff(&api.client(), &release, set, layers(""))
            .await
            .unwrap();
        assert!(!diff.has_changes(), "{}", diff.to_text());
        assert!(
            api.requests().iter().all(|r| !r.is_write()),
            "{:#?}",
            api.lines()
        );
    }

    #[tokio::test]
    async fn machine_count_and_flavor() {
        let (api, release) = applied().await;
        api.clear_requests();
        let set = TemplateSet::embedded(None).unwrap();
        let more = "nodeGroups: [{name: md-0, machineFlavor: worker.small, machineCount: 4}]\n";
        let diff = live_diff(&api.client(), &release, set, layers(more))
            .await
            .unwrap();
        assert_eq!(diff.rollout.len(), 1, "{}", diff.to_text());
        assert_eq!(
            (
                diff.rollout[0].machines_before,
                diff.rollout[0].machines_after
            ),
            (Some(2), Some(4))
        );
        assert!(!diff.rollout[0].replaces_machines);
        assert_eq!(diff.summary.change, 1, "{}", diff.to_text());

        let bigger = "nodeGroups: [{name: md-0, machineFlavor: worker.large, machineCount: 2}]\n";
        let diff = live_diff(&api.client(), &release, set, layers(bigger))
            .await
            .unwrap();
        assert!(diff.rollout[0].replaces_machines, "{}", diff.to_text());
        assert_eq!(
            (diff.summary.create, diff.summary.prune),
            (1, 1),
            "{}",
            diff.to_text()
        );
        assert!(
            api.requests().iter().all(|r| !r.is_write()),
            "{:#?}",
            api.lines()
        );
    }
}

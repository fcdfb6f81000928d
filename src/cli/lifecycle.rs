//! The release lifecycle commands: `apply`, `status`, `history`, `get values`,
//! `rollback`, `uninstall`. They render with this crate and hand the objects to
//! [`capiform_kube`] ([`crate::lifecycle`]), which talks to the management cluster. Objects and tables go to
//! stdout; progress, logs (`-v`, `RUST_LOG`) and errors to stderr.
//!
//! Exit codes: 0 done; 1 refused, failed or invalid; 2 usage; 3 the API server did not
//! answer; 4 timed out waiting.

use std::path::PathBuf;
use std::time::Duration;

use capiform_kube::{
    ApplyOptions, ApplyReport, ConnectOptions, Readiness, Release, UninstallOptions,
};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Value, json};

use super::{ValuesArgs, sources, template_set};
use crate::error::Error;
use crate::lifecycle::{LifecycleError, render_and_apply, rollback};

/// Where the management cluster is and how much to log.
#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// Namespace of the release.
    #[arg(short = 'n', long, default_value = "default")]
    pub namespace: String,
    /// Kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then the in-cluster service account).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context (default: the current context).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// Log more to stderr (-v: each object, -vv: each request); RUST_LOG overrides.
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// Output formats of `status` and `history`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table for people.
    Table,
    /// JSON for programs.
    Json,
}

/// Output formats of `get values`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ValuesFormat {
    /// YAML.
    Yaml,
    /// JSON.
    Json,
}

/// Arguments of `apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Release name (the cluster name).
    pub release: String,
    /// Cluster connection.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Values and template set.
    #[command(flatten)]
    pub values: ValuesArgs,
    /// Take over fields other field managers own.
    #[arg(long)]
    pub force_conflicts: bool,
    /// Keep members of the release the new render no longer contains.
    #[arg(long)]
    pub no_prune: bool,
    /// Revisions the record keeps.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub history_max: usize,
    /// Wait until the cluster is ready.
    #[arg(long)]
    pub wait: bool,
    /// Longest wait with --wait (e.g. 30m, 1h, 90s).
    #[arg(long, default_value = "30m", value_parser = parse_duration)]
    pub timeout: Duration,
}

/// Arguments of `rollback`.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// Release name.
    pub release: String,
    /// The revision whose values to apply again.
    pub revision: u32,
    /// Cluster connection.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// The template set directory, when the revision was rendered from one (default:
    /// the embedded set the revision names).
    #[arg(long = "templates", value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Take over fields other field managers own.
    #[arg(long)]
    pub force_conflicts: bool,
    /// Revisions the record keeps.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub history_max: usize,
}

/// What `get` shows.
#[derive(Debug, Subcommand)]
pub enum GetWhat {
    /// The user values of a revision (default: the latest).
    #[command(after_help = super::GET_EXAMPLES)]
    Values {
        /// Release name.
        release: String,
        /// Revision.
        #[arg(long)]
        revision: Option<u32>,
        /// Output format.
        #[arg(short = 'o', long = "output", value_enum, default_value = "yaml")]
        output: ValuesFormat,
        /// Cluster connection.
        #[command(flatten)]
        cluster: ClusterArgs,
    },
}

/// The lifecycle subcommands (flattened into [`super::Command`]).
#[derive(Debug, Subcommand)]
pub enum LifecycleCommand {
    /// Render and apply a release to the management cluster (server-side dry run first).
    #[command(after_help = super::APPLY_EXAMPLES)]
    Apply(ApplyArgs),
    /// Show a release's cluster, control plane, node groups and addons.
    #[command(after_help = super::STATUS_EXAMPLES)]
    Status {
        /// Release name.
        release: String,
        /// Cluster connection.
        #[command(flatten)]
        cluster: ClusterArgs,
        /// Poll until ready (exit 0), failed (1) or the timeout (4).
        #[arg(long)]
        wait: bool,
        /// Longest wait with --wait (e.g. 30m, 1h, 90s).
        #[arg(long, default_value = "30m", value_parser = parse_duration)]
        timeout: Duration,
        /// Output format.
        #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
        output: Format,
    },
    /// List a release's revisions.
    #[command(after_help = super::HISTORY_EXAMPLES)]
    History {
        /// Release name.
        release: String,
        /// Cluster connection.
        #[command(flatten)]
        cluster: ClusterArgs,
        /// Output format.
        #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
        output: Format,
    },
    /// Show what a release was applied with.
    #[command(after_help = super::GET_EXAMPLES)]
    Get {
        /// What to show.
        #[command(subcommand)]
        what: GetWhat,
    },
    /// Apply a revision's values again, with its template set, as a new revision.
    #[command(after_help = super::ROLLBACK_EXAMPLES)]
    Rollback(RollbackArgs),
    /// Delete a release: the Cluster first (waiting until it is gone), the credentials last.
    #[command(after_help = super::UNINSTALL_EXAMPLES)]
    Uninstall {
        /// Release name.
        release: String,
        /// Cluster connection.
        #[command(flatten)]
        cluster: ClusterArgs,
        /// Longest wait.
        #[arg(long, default_value = "30m", value_parser = parse_duration)]
        timeout: Duration,
        /// Do not wait: start the Cluster's deletion and return; run again to finish.
        #[arg(long)]
        no_wait: bool,
    },
}

/// A duration like `30m`, `1h30m`, `90s` or `45` (seconds).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || format!("'{text}' is not a duration (examples: 90s, 30m, 1h30m)");
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    let mut total = 0u64;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return Err(bad()),
        };
        let n: u64 = number.parse().map_err(|_| bad())?;
        total = total.saturating_add(n.saturating_mul(unit));
        number.clear();
    }
    if !number.is_empty() || text.is_empty() {
        return Err(bad());
    }
    Ok(Duration::from_secs(total))
}

pub(super) fn init_logs(verbose: u8) {
    let default = match verbose {
        // kube-client logs each failed request as an error; the retries say it better.
        0 => "warn,kube_client=off",
        1 => "info,kube_client=off",
        _ => "debug,hyper=info,hyper_util=info,tower=info",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

fn cluster_args(cmd: &LifecycleCommand) -> &ClusterArgs {
    match cmd {
        LifecycleCommand::Apply(a) => &a.cluster,
        LifecycleCommand::Rollback(a) => &a.cluster,
        LifecycleCommand::Status { cluster, .. }
        | LifecycleCommand::History { cluster, .. }
        | LifecycleCommand::Uninstall { cluster, .. }
        | LifecycleCommand::Get {
            what: GetWhat::Values { cluster, .. },
        } => cluster,
    }
}

fn release_name(cmd: &LifecycleCommand) -> &str {
    match cmd {
        LifecycleCommand::Apply(a) => &a.release,
        LifecycleCommand::Rollback(a) => &a.release,
        LifecycleCommand::Status { release, .. }
        | LifecycleCommand::History { release, .. }
        | LifecycleCommand::Uninstall { release, .. }
        | LifecycleCommand::Get {
            what: GetWhat::Values { release, .. },
        } => release,
    }
}

/// Run a lifecycle command; returns the exit code.
pub fn run(cmd: &LifecycleCommand) -> i32 {
    let cluster = cluster_args(cmd);
    // The values are checked (and rendered) before any request, offline.
    if let LifecycleCommand::Apply(a) = cmd
        && let Err(e) =
            super::precheck::check_render_args(&a.release, &cluster.namespace, &a.values)
    {
        super::report(&e);
        return e.exit_code();
    }
    if let Some(problem) = super::kubeconfig::problem(cluster.kubeconfig.as_deref()) {
        eprintln!("Error: {problem}");
        return 1;
    }
    init_logs(cluster.verbose);
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
    let result: Result<i32, (LifecycleError, Option<String>)> = runtime.block_on(async {
        let opts = ConnectOptions {
            kubeconfig: cluster.kubeconfig.clone(),
            context: cluster.context.clone(),
        };
        let early = |e: capiform_kube::Error| (LifecycleError::from(e), None);
        let config = capiform_kube::config(&opts).await.map_err(early)?;
        let server = config.cluster_url.to_string();
        let client = capiform_kube::client(config).map_err(early)?;
        let release = Release::new(client, release_name(cmd), &cluster.namespace);
        run_on(cmd, &release).await.map_err(|e| (e, Some(server)))
    });
    match result {
        Ok(code) => code,
        Err((e, server)) => {
            match &e {
                LifecycleError::Render(Error::Invalid(problems)) => {
                    eprintln!(
                        "Error: the values are invalid ({} problem(s)):",
                        problems.len()
                    );
                    for p in problems {
                        eprintln!("  {p}");
                    }
                }
                other => eprintln!("Error: {other}"),
            }
            if let (3, Some(server)) = (e.exit_code(), server) {
                eprintln!("  (the API server of the kubeconfig context is {server})");
            }
            e.exit_code()
        }
    }
}

/// Run a lifecycle command against a release; returns the exit code (errors are returned).
pub async fn run_on(cmd: &LifecycleCommand, release: &Release) -> Result<i32, LifecycleError> {
    match cmd {
        LifecycleCommand::Apply(args) => {
            let set = template_set(&args.values)?;
            let opts = ApplyOptions {
                force_conflicts: args.force_conflicts,
                prune: !args.no_prune,
                max_revisions: args.history_max,
                ..Default::default()
            };
            let report = render_and_apply(release, &set, sources(&args.values)?, "", &opts).await?;
            print_report(&report)?;
            if args.wait {
                return wait(release, args.timeout).await;
            }
            Ok(0)
        }
        LifecycleCommand::Rollback(args) => {
            let opts = ApplyOptions {
                force_conflicts: args.force_conflicts,
                max_revisions: args.history_max,
                ..Default::default()
            };
            let report = rollback(release, args.revision, args.templates.as_deref(), &opts).await?;
            print_report(&report)?;
            Ok(0)
        }
        LifecycleCommand::Status {
            wait: true,
            timeout,
            output,
            ..
        } => {
            let code = wait(release, *timeout).await;
            let status = release.status().await?;
            print_status(&status, *output)?;
            code
        }
        LifecycleCommand::Status { output, .. } => {
            let status = release.status().await?;
            print_status(&status, *output)?;
            Ok(0)
        }
        LifecycleCommand::History { output, .. } => {
            let records = release.history().await?;
            let text = match output {
                Format::Json => {
                    let rows: Vec<Value> = records
                        .iter()
                        .map(|r| {
                            json!({"revision": r.revision, "time": r.time, "status": r.status,
                                   "engineVersion": r.engine_version, "templateSet": r.template_set,
                                   "description": r.description, "objects": r.objects.len()})
                        })
                        .collect();
                    format!(
                        "{}\n",
                        serde_json::to_string_pretty(&rows).unwrap_or_default()
                    )
                }
                Format::Table => {
                    let mut t = format!(
                        "{:<9} {:<21} {:<11} {:<28} {:<8} DESCRIPTION\n",
                        "REVISION", "UPDATED", "STATUS", "TEMPLATE SET", "ENGINE"
                    );
                    for r in &records {
                        t.push_str(&format!(
                            "{:<9} {:<21} {:<11} {:<28} {:<8} {}\n",
                            r.revision,
                            r.time,
                            r.status.to_string(),
                            r.template_set,
                            r.engine_version,
                            r.description
                        ));
                    }
                    t
                }
            };
            super::print_stdout(&text)?;
            Ok(0)
        }
        LifecycleCommand::Get {
            what: GetWhat::Values {
                revision, output, ..
            },
        } => {
            let values = release.values(*revision).await?;
            let text = match output {
                ValuesFormat::Json => format!(
                    "{}\n",
                    serde_json::to_string_pretty(&values).unwrap_or_default()
                ),
                ValuesFormat::Yaml => serde_yaml::to_string(&values).unwrap_or_default(),
            };
            super::print_stdout(&text)?;
            Ok(0)
        }
        LifecycleCommand::Uninstall {
            timeout, no_wait, ..
        } => {
            let opts = UninstallOptions {
                wait: !no_wait,
                timeout: *timeout,
                ..Default::default()
            };
            let report = release
                .uninstall(&opts, &mut |line: &str| eprintln!("{line}"))
                .await?;
            if report.complete {
                eprintln!("release {} uninstalled", release.name());
            }
            Ok(0)
        }
    }
}

fn print_report(report: &ApplyReport) -> Result<(), Error> {
    let mut text = String::new();
    for a in &report.applied {
        text.push_str(&format!("{} {}\n", a.object, a.outcome));
    }
    for p in &report.pruned {
        text.push_str(&format!("{p} pruned\n"));
    }
    for k in &report.kept {
        text.push_str(&format!("{k} kept (still referenced)\n"));
    }
    super::print_stdout(&text)?;
    eprintln!("{}", report.summary());
    Ok(())
}

fn print_status(status: &capiform_kube::ReleaseStatus, output: Format) -> Result<(), Error> {
    let text = match output {
        Format::Table => status.table(),
        Format::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(status).unwrap_or_default()
        ),
    };
    super::print_stdout(&text)
}

async fn wait(release: &Release, timeout: Duration) -> Result<i32, LifecycleError> {
    let result = release
        .wait_ready(
            timeout,
            Duration::from_secs(10),
            &mut |s| match &s.readiness {
                Readiness::Ready => eprintln!("ready"),
                Readiness::Progressing(why) => eprintln!("waiting: {why}"),
                Readiness::Failed(why) => eprintln!("failed: {why}"),
            },
        )
        .await;
    match result {
        Ok(_) => Ok(0),
        Err(capiform_kube::Error::Failed(why)) => {
            eprintln!("Error: release failed: {why}");
            Ok(1)
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert!(parse_duration("5 minutes").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("10m5").is_err());
    }

    #[test]
    fn commands_parse() {
        for args in [
            &[
                "capiform",
                "apply",
                "demo",
                "-n",
                "ns",
                "-f",
                "v.yaml",
                "--set",
                "a=1",
                "--force-conflicts",
                "--wait",
            ][..],
            &[
                "capiform",
                "status",
                "demo",
                "-n",
                "ns",
                "--wait",
                "--timeout",
                "1h",
                "-o",
                "json",
            ],
            &[
                "capiform",
                "history",
                "demo",
                "--kubeconfig",
                "kc",
                "--context",
                "c",
                "-vv",
            ],
            &[
                "capiform",
                "get",
                "values",
                "demo",
                "--revision",
                "3",
                "-o",
                "json",
            ],
            &["capiform", "rollback", "demo", "2", "-n", "ns"],
            &[
                "capiform",
                "uninstall",
                "demo",
                "--no-wait",
                "--timeout",
                "10m",
            ],
        ] {
            let cli =
                super::super::Cli::try_parse_from(args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
            assert!(
                matches!(cli.command, super::super::Command::Lifecycle(_)),
                "{args:?}"
            );
        }
        assert!(super::super::Cli::try_parse_from(["capiform", "rollback", "demo"]).is_err());
    }
}

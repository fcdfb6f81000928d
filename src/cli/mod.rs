//! The `capiform` command line: thin wrappers that parse arguments, call the library
//! and print. Objects go to stdout; every message goes to stderr.

// The commands that talk to a cluster (feature `cli`; `cli-render` leaves them out).
#[cfg(feature = "cli")]
mod adopt;
#[cfg(feature = "cli")]
mod cluster_io;
#[cfg(feature = "cli")]
mod lifecycle;

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[cfg(feature = "cli")]
mod kubeconfig;
mod output_dir;
#[cfg(feature = "cli")]
mod precheck;
mod templates_test;

use crate::RenderRequest;
use crate::error::{Error, Result};
use crate::template_set::TemplateSet;
use crate::values::ValuesSource;

#[cfg(feature = "cli")]
mod diff;

/// Command-line interface.
#[derive(Debug, Parser)]
#[command(
    name = "capiform",
    version = version_string(),
    about = "Render Cluster API clusters on OpenStack from openstack-cluster values",
    long_about = None,
    after_help = MAIN_EXAMPLES
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

const MAIN_EXAMPLES: &str = "\
Examples:
  capiform render demo -f values.yaml > demo.yaml       # like helm template demo openstack-cluster
  capiform render demo -f values.yaml --output-dir out/  # one file per object
  capiform values -f values.yaml                         # the merged values the render reads
  capiform validate-values -f values.yaml                # check values without output
  capiform validate --crds crds/ demo.yaml               # check objects against CRD schemas
  capiform templates list                                # the embedded template sets";

const RENDER_EXAMPLES: &str = "\
Examples:
  capiform render demo -f values.yaml
  capiform render demo -n clusters -f base.yaml -f demo.yaml --set nodeGroups[0].machineCount=5
  capiform render demo -f values.yaml --show-only MachineDeployment
  capiform render demo -f values.yaml --show-only KubeadmControlPlane/demo-control-plane
  capiform render demo -f values.yaml --existing etcd-key.yaml   # Secret demo-etcd-key
  capiform render demo -f values.yaml --crds crds/ --output-dir out/
  kubectl get secret demo-etcd-key -o yaml > etcd-key.yaml       # what --existing reads";

const VALUES_EXAMPLES: &str = "\
Examples:
  capiform values                                  # the template set's defaults (helm show values)
  capiform values -f values.yaml --set controlPlane.machineCount=5
  capiform values -f values.yaml --user            # only what the files and flags give";

const VALIDATE_VALUES_EXAMPLES: &str = "\
Examples:
  capiform validate-values -f values.yaml
  capiform validate-values -f base.yaml -f demo.yaml --set etcd.encryption.enabled=true --existing etcd-key.yaml";

const SCHEMA_EXAMPLES: &str = "\
Examples:
  capiform schema > values.schema.json             # for editors (yaml-language-server) and CI";

const TEMPLATES_EXAMPLES: &str = "\
Examples:
  capiform templates list
  capiform templates show 1.0.0                    # manifest and changelog
  capiform templates export 1.0.0 my-sets/1.0.0-site
  capiform templates test my-sets/1.0.0-site          # the set's cases: render and diff
  capiform templates test my-sets/1.0.0-site --update # accept the new renders
  capiform render demo -f values.yaml --templates my-sets/1.0.0-site";

const TEMPLATES_LIST_EXAMPLES: &str = "\
Examples:
  capiform templates list                          # version, name, schema, engine, source";

const TEMPLATES_SHOW_EXAMPLES: &str = "\
Examples:
  capiform templates show 1.0.0                    # the set's manifest and changelog";

const TEMPLATES_EXPORT_EXAMPLES: &str = "\
Examples:
  capiform templates export 1.0.0 my-sets/1.0.0-site
  capiform render demo -f values.yaml --templates my-sets/1.0.0-site";

const TEMPLATES_TEST_EXAMPLES: &str = "\
Examples:
  capiform templates export 1.0.0 my-sets/1.0.0-site
  capiform templates test my-sets/1.0.0-site          # render each case, diff with expected.yaml
  capiform templates test my-sets/1.0.0-site --update # accept the new renders";

// The lifecycle commands' examples (src/cli/lifecycle.rs puts them under their --help).
#[cfg(feature = "cli")]
const APPLY_EXAMPLES: &str = "\
Examples:
  capiform apply demo -n clusters -f values.yaml
  capiform apply demo -n clusters -f base.yaml -f demo.yaml --set nodeGroups[0].machineCount=5
  capiform apply demo -n clusters -f values.yaml --wait --timeout 45m
  capiform apply demo -n clusters -f values.yaml --no-prune --force-conflicts
  capiform apply demo -n clusters -f values.yaml --kubeconfig mgmt.kubeconfig --context admin";

#[cfg(feature = "cli")]
const STATUS_EXAMPLES: &str = "\
Examples:
  capiform status demo -n clusters
  capiform status demo -n clusters --wait --timeout 30m    # exit 0 ready, 1 failed, 4 timed out
  capiform status demo -n clusters -o json";

#[cfg(feature = "cli")]
const HISTORY_EXAMPLES: &str = "\
Examples:
  capiform history demo -n clusters
  capiform history demo -n clusters -o json";

#[cfg(feature = "cli")]
const GET_EXAMPLES: &str = "\
Examples:
  capiform get values demo -n clusters                   # the latest revision's user values
  capiform get values demo -n clusters --revision 2 -o json";

#[cfg(feature = "cli")]
const ROLLBACK_EXAMPLES: &str = "\
Examples:
  capiform history demo -n clusters                      # pick a revision
  capiform rollback demo 2 -n clusters
  capiform rollback demo 2 -n clusters --templates my-sets/1.0.0-site";

#[cfg(feature = "cli")]
const UNINSTALL_EXAMPLES: &str = "\
Examples:
  capiform uninstall demo -n clusters
  capiform uninstall demo -n clusters --no-wait          # start the deletion and return
  capiform uninstall demo -n clusters --timeout 1h";

const VALIDATE_EXAMPLES: &str = "\
Examples:
  capiform validate --crds crds/ demo.yaml
  capiform render demo -f values.yaml | capiform validate --crds crds/
  kubectl get crd -o yaml > crds/all.yaml          # CRDs from a management cluster";

fn version_string() -> &'static str {
    static V: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    V.get_or_init(|| {
        // Read at build time: printing the version loads no template set.
        let sets = crate::template_set::embedded_ids().join(", ");
        format!("{} (template sets: {sets})", crate::ENGINE_VERSION)
    })
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render a cluster, like `helm template RELEASE openstack-cluster`.
    #[command(visible_alias = "template", after_help = RENDER_EXAMPLES)]
    Render(RenderArgs),
    /// Show what a change of values or template set does to a cluster, before it is made.
    #[cfg(feature = "cli")]
    #[command(after_help = diff::DIFF_EXAMPLES)]
    Diff(diff::DiffArgs),
    /// Take a release over from Helm without replacing a machine.
    #[cfg(feature = "cli")]
    #[command(after_help = adopt::ADOPT_EXAMPLES)]
    Adopt(adopt::AdoptArgs),
    /// Print the merged values a render reads: the template set's defaults under the
    /// values files and --set flags (`helm show values`, `helm get values --all`).
    #[command(after_help = VALUES_EXAMPLES)]
    Values(ValuesCmdArgs),
    /// Print the JSON Schema of the values (for editors and CI checks).
    #[command(after_help = SCHEMA_EXAMPLES)]
    Schema {
        /// Values schema version.
        #[arg(long, default_value = "v1")]
        version: String,
    },
    /// Check values files without rendering: every problem is listed, exit 1 if any.
    #[command(after_help = VALIDATE_VALUES_EXAMPLES)]
    ValidateValues {
        /// Values and template set.
        #[command(flatten)]
        values: ValuesArgs,
        /// YAML file of objects already in the cluster (e.g. the etcd encryption key Secret).
        #[arg(long = "existing", value_name = "FILE")]
        existing: Vec<PathBuf>,
    },
    /// Validate Kubernetes objects against the CRD schemas in a directory.
    #[command(after_help = VALIDATE_EXAMPLES)]
    Validate(ValidateArgs),
    /// Work with cluster template sets.
    #[command(after_help = TEMPLATES_EXAMPLES)]
    Templates {
        /// What to do with template sets.
        #[command(subcommand)]
        action: TemplatesAction,
    },
    /// Release lifecycle on a management cluster: apply, status, history, get values,
    /// rollback, uninstall.
    #[cfg(feature = "cli")]
    #[command(flatten)]
    Lifecycle(lifecycle::LifecycleCommand),
}

/// Template set subcommands.
#[derive(Debug, Subcommand)]
pub enum TemplatesAction {
    /// List the embedded template sets.
    #[command(after_help = TEMPLATES_LIST_EXAMPLES)]
    List,
    /// Show a set's manifest and changelog.
    #[command(after_help = TEMPLATES_SHOW_EXAMPLES)]
    Show {
        /// Version of an embedded set.
        version: String,
    },
    /// Write an embedded set to a directory, as the start of a fork.
    #[command(after_help = TEMPLATES_EXPORT_EXAMPLES)]
    Export {
        /// Version of an embedded set.
        version: String,
        /// Target directory (created; must be empty or absent).
        dir: PathBuf,
    },
    /// Render the cases of a set folder (`cases/<name>/values.yaml`) and compare each
    /// with its `expected.yaml`: a unified diff per changed case, exit 1 if any.
    #[command(after_help = TEMPLATES_TEST_EXAMPLES)]
    Test {
        /// The set's folder (an exported or forked set, or `cluster-templates/<version>`).
        dir: PathBuf,
        /// Write the renders as the new expected files (review the change in version control).
        #[arg(long)]
        update: bool,
    },
}

/// Values and template-set options shared by commands that render.
#[derive(Debug, Args)]
pub struct ValuesArgs {
    /// Values file (repeatable; later files win).
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    pub values: Vec<PathBuf>,
    /// Set a value: KEY=VALUE[,KEY=VALUE] (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Set a string value: KEY=VALUE[,KEY=VALUE] (repeatable).
    #[arg(long = "set-string", value_name = "KEY=VALUE")]
    pub set_string: Vec<String>,
    /// Set a JSON value: KEY=JSON[,KEY=JSON] (repeatable).
    #[arg(long = "set-json", value_name = "KEY=JSON")]
    pub set_json: Vec<String>,
    /// Set a value to the text of a file: KEY=PATH[,KEY=PATH] (repeatable).
    #[arg(long = "set-file", value_name = "KEY=PATH")]
    pub set_file: Vec<String>,
    /// Set one value taken literally (no `,` splitting, no escapes): KEY=VALUE (repeatable).
    #[arg(long = "set-literal", value_name = "KEY=VALUE")]
    pub set_literal: Vec<String>,
    /// Version of the embedded template set (default: the highest).
    #[arg(
        long = "template-version",
        value_name = "VERSION",
        conflicts_with = "templates"
    )]
    pub template_version: Option<String>,
    /// Load the template set from a directory instead.
    #[arg(long = "templates", value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

/// Arguments of `render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Release name (the cluster name).
    pub release: String,
    /// Namespace the objects are applied to.
    #[arg(short = 'n', long, default_value = "default")]
    pub namespace: String,
    /// Values and template set.
    #[command(flatten)]
    pub values: ValuesArgs,
    /// YAML file of objects already in the cluster (e.g. the etcd encryption key Secret).
    #[arg(long = "existing", value_name = "FILE")]
    pub existing: Vec<PathBuf>,
    /// Write one file per object into this directory instead of printing. The directory
    /// then holds exactly this render: the files of the previous render are removed
    /// (capiform lists them in DIR/.capiform-files); a non-empty directory capiform did
    /// not write is refused.
    #[arg(long = "output-dir", value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Only the objects of this kind, or this kind and name (case-insensitive kind);
    /// repeatable. An argument matching no object is an error.
    #[arg(long = "show-only", short = 's', value_name = "KIND[/NAME]")]
    pub show_only: Vec<String>,
    /// Check the rendered objects against the CRDs of --crds before printing them
    /// (implied by --crds).
    #[arg(long, requires = "crds")]
    pub validate: bool,
    /// Directory of CustomResourceDefinitions (YAML/JSON files, or a `kubectl get crd -o
    /// yaml` List): check the rendered objects against them before printing.
    #[arg(long, value_name = "DIR")]
    pub crds: Option<PathBuf>,
    /// With --crds: list the objects no CRD describes (by default only counted).
    #[arg(short = 'v', long)]
    pub verbose: bool,
}

/// Arguments of `values`.
#[derive(Debug, Args)]
pub struct ValuesCmdArgs {
    /// Values and template set.
    #[command(flatten)]
    pub values: ValuesArgs,
    /// Only the values the files and flags give, without the template set's defaults
    /// (`helm get values`).
    #[arg(long)]
    pub user: bool,
}

/// Arguments of `validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Directory of CustomResourceDefinitions (YAML/JSON files, or a `kubectl get crd -o
    /// yaml` List); it must hold at least one.
    #[arg(long, value_name = "DIR")]
    pub crds: PathBuf,
    /// Files of objects (multi-document YAML); `-` or none: standard input.
    pub files: Vec<PathBuf>,
    /// List the objects no CRD describes (by default only counted).
    #[arg(short = 'v', long)]
    pub verbose: bool,
}

fn read(path: &PathBuf) -> Result<String> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s).map_err(|e| Error::Io {
            path: "-".into(),
            source: e,
        })?;
        return Ok(s);
    }
    std::fs::read_to_string(path).map_err(|e| Error::Io {
        path: path.display().to_string(),
        source: e,
    })
}

/// Resolve the template set a command asks for (owned when loaded from disk).
pub fn template_set(args: &ValuesArgs) -> Result<std::borrow::Cow<'static, TemplateSet>> {
    match &args.templates {
        Some(dir) => Ok(std::borrow::Cow::Owned(TemplateSet::load_dir(dir)?)),
        None => Ok(std::borrow::Cow::Borrowed(TemplateSet::embedded(
            args.template_version.as_deref(),
        )?)),
    }
}

/// The values layers of a command, in Helm's order: files, then `--set-json`, `--set`,
/// `--set-string`, `--set-file` and `--set-literal`.
pub fn sources(args: &ValuesArgs) -> Result<Vec<ValuesSource>> {
    let mut out = Vec::new();
    for f in &args.values {
        out.push(ValuesSource::Yaml {
            name: f.display().to_string(),
            text: read(f)?,
        });
    }
    out.extend(args.set_json.iter().cloned().map(ValuesSource::SetJson));
    out.extend(args.set.iter().cloned().map(ValuesSource::Set));
    out.extend(args.set_string.iter().cloned().map(ValuesSource::SetString));
    out.extend(args.set_file.iter().cloned().map(ValuesSource::SetFile));
    out.extend(
        args.set_literal
            .iter()
            .cloned()
            .map(ValuesSource::SetLiteral),
    );
    Ok(out)
}

/// The objects of `--existing` files for a render into `namespace`. An object of
/// another namespace is refused: it is not the one the cluster's release reads (the etcd
/// encryption key of a release is the Secret of its own namespace).
fn existing_objects(files: &[PathBuf], namespace: &str) -> Result<Vec<serde_json::Value>> {
    let mut out = Vec::new();
    for f in files {
        for object in parse_existing(f)? {
            if let Some(other) = object
                .pointer("/metadata/namespace")
                .and_then(serde_json::Value::as_str)
                .filter(|ns| !ns.is_empty() && *ns != namespace)
            {
                let kind = object["kind"].as_str().unwrap_or("object");
                let name = object
                    .pointer("/metadata/name")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("?");
                return Err(Error::Usage(format!(
                    "--existing {}: {kind}/{name} is in namespace {other}, but the render is for namespace {namespace} (-n): \
                     give the object of namespace {namespace} (kubectl get -n {namespace} …)",
                    f.display()
                )));
            }
            out.push(object);
        }
    }
    Ok(out)
}

fn parse_existing(path: &PathBuf) -> Result<Vec<serde_json::Value>> {
    let text = read(path)?;
    let mut out = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(&text) {
        let v: serde_json::Value =
            serde::Deserialize::deserialize(doc).map_err(|e| Error::Yaml {
                file: path.display().to_string(),
                message: e.to_string(),
            })?;
        match v {
            serde_json::Value::Null => {}
            serde_json::Value::Object(ref m)
                if m.get("kind").and_then(|k| k.as_str()) == Some("List") =>
            {
                if let Some(items) = m.get("items").and_then(|i| i.as_array()) {
                    out.extend(items.iter().cloned());
                }
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

fn run_render(args: &RenderArgs) -> Result<()> {
    // No warm-up thread: with the template fast path there is little left to do ahead,
    // and starting a thread cost the main thread more (~0.4 ms) than it saved.
    let set = template_set(&args.values)?;
    let mut req = RenderRequest::new(&args.release, &args.namespace);
    req.sources = sources(&args.values)?;
    req.existing = existing_objects(&args.existing, &args.namespace)?;
    let mut manifest = crate::render(&req, &set)?;
    print_warnings(&manifest.warnings);
    if !args.show_only.is_empty() {
        manifest.objects = show_only(std::mem::take(&mut manifest.objects), &args.show_only)?;
    }
    // --crds implies --validate: CRDs given are CRDs to check against.
    if let Some(dir) = &args.crds {
        let crds = load_crds(dir)?;
        let docs: Vec<_> = manifest.objects.iter().map(|o| o.to_value()).collect();
        let report = crds.validate_documents(&docs);
        for p in &report.problems {
            eprintln!("<rendered>: {p}");
        }
        report_not_checked(&report, args.verbose);
        if !report.is_clean() {
            return Err(Error::Yaml {
                file: "<rendered objects>".into(),
                message: format!(
                    "{} problem(s) against the CRDs in {}; nothing was written",
                    report.problems.len(),
                    dir.display()
                ),
            });
        }
    }
    match &args.output_dir {
        Some(dir) => output_dir::write(dir, &manifest.objects)?,
        None => with_stdout(|out| manifest.write_yaml(out))?,
    }
    // The process ends next: freeing the objects one by one would be wasted work.
    std::mem::forget(manifest);
    std::mem::forget(req);
    Ok(())
}

/// Warnings go to stderr, one a line.
fn print_warnings(warnings: &[crate::Warning]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

/// The objects `--show-only KIND[/NAME]` selects, in output order. Every argument must
/// select at least one object.
fn show_only(objects: Vec<crate::Object>, selectors: &[String]) -> Result<Vec<crate::Object>> {
    let parsed: Vec<(&str, Option<&str>)> = selectors
        .iter()
        .map(|s| match s.split_once('/') {
            Some((kind, name)) => (kind, Some(name)),
            None => (s.as_str(), None),
        })
        .collect();
    let selects = |(kind, name): &(&str, Option<&str>), o: &crate::Object| {
        o.kind.eq_ignore_ascii_case(kind) && name.is_none_or(|n| n == o.metadata.name)
    };
    if let Some(unmatched) = selectors
        .iter()
        .zip(&parsed)
        .find(|(_, sel)| !objects.iter().any(|o| selects(sel, o)))
    {
        let (kind, name) = unmatched.1;
        let of_kind: Vec<&crate::Object> = objects
            .iter()
            .filter(|o| o.kind.eq_ignore_ascii_case(kind))
            .collect();
        if name.is_some()
            && let Some(first) = of_kind.first()
        {
            // The kind as rendered (the selector's case does not matter).
            let kind = first.kind.as_str();
            let mut names: Vec<&str> = of_kind.iter().map(|o| o.metadata.name.as_str()).collect();
            names.sort_unstable();
            return Err(Error::Usage(format!(
                "--show-only {}: no rendered {kind} has that name (the {kind} objects rendered: {})",
                unmatched.0,
                names.join(", ")
            )));
        }
        let mut kinds: Vec<&str> = objects.iter().map(|o| o.kind.as_str()).collect();
        kinds.sort_unstable();
        kinds.dedup();
        return Err(Error::Usage(format!(
            "--show-only {}: no rendered object matches (kinds rendered: {})",
            unmatched.0,
            kinds.join(", ")
        )));
    }
    Ok(objects
        .into_iter()
        .filter(|o| parsed.iter().any(|sel| selects(sel, o)))
        .collect())
}

/// The CRDs of a directory; a directory without any is an error (nothing would be
/// checked).
fn load_crds(dir: &std::path::Path) -> Result<crate::validate::CrdSet> {
    let crds = crate::validate::CrdSet::load_dir(dir)?;
    if crds.is_empty() {
        return Err(Error::Usage(format!(
            "{}: no CustomResourceDefinition found (in *.yaml, *.yml or *.json files); \
             `kubectl get crd -o yaml > {}/crds.yaml` writes those of a cluster",
            dir.display(),
            dir.display()
        )));
    }
    Ok(crds)
}

/// The objects no CRD describes: listed with `verbose`, else counted by kind in one line.
fn report_not_checked(report: &crate::validate::Report, verbose: bool) {
    if report.not_checked.is_empty() {
        return;
    }
    if verbose {
        for n in &report.not_checked {
            eprintln!("not checked (no CRD): {n}");
        }
        return;
    }
    let mut kinds: std::collections::BTreeMap<&str, usize> = Default::default();
    for n in &report.not_checked {
        *kinds.entry(n.split(' ').next().unwrap_or(n)).or_default() += 1;
    }
    let counts: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
    eprintln!(
        "not checked (no CRD): {} object(s): {} (-v lists them)",
        report.not_checked.len(),
        counts.join(", ")
    );
}

fn run_values(args: &ValuesCmdArgs) -> Result<()> {
    let set = template_set(&args.values)?;
    let sources = sources(&args.values)?;
    let (merged, user) = crate::values::merged_values_and_user(set.defaults(), &sources)?;
    let shown = if args.user { &user } else { &merged };
    print_stdout(&crate::output::value_to_yaml(shown))
}

fn print_stdout(text: &str) -> Result<()> {
    with_stdout(|out| out.write_all(text.as_bytes()).and_then(|_| out.flush()))
}

/// Write to stdout; a failure is an I/O error on `<stdout>`.
fn with_stdout(
    write: impl FnOnce(&mut std::io::StdoutLock<'static>) -> std::io::Result<()>,
) -> Result<()> {
    write(&mut std::io::stdout().lock()).map_err(|e| Error::Io {
        path: "<stdout>".into(),
        source: e,
    })
}

fn run_validate(args: &ValidateArgs) -> Result<()> {
    let crds = load_crds(&args.crds)?;
    let stdin = [PathBuf::from("-")];
    let files = if args.files.is_empty() {
        &stdin[..]
    } else {
        &args.files[..]
    };
    let mut total = crate::validate::Report::default();
    let mut problems = String::new();
    let mut labels = Vec::new();
    for f in files {
        let label = if f.as_os_str() == "-" {
            "<stdin>".to_string()
        } else {
            f.display().to_string()
        };
        let report = crds.validate_named_yaml(&label, &read(f)?)?;
        for p in &report.problems {
            problems.push_str(&format!("{label}: {p}\n"));
        }
        if !report.problems.is_empty() {
            labels.push(label);
        }
        total.checked += report.checked;
        total.problems.extend(report.problems);
        total.not_checked.extend(report.not_checked);
    }
    print_stdout(&problems)?;
    report_not_checked(&total, args.verbose);
    if total.is_clean() {
        eprintln!(
            "{} object(s) valid, {} not checked",
            total.checked,
            total.not_checked.len()
        );
        Ok(())
    } else {
        Err(Error::Yaml {
            file: labels.join(", "),
            message: format!(
                "{} problem(s) against the CRDs in {}",
                total.problems.len(),
                args.crds.display()
            ),
        })
    }
}

fn run_schema(version: &str) -> Result<()> {
    let text = crate::schema::values_schema_text(version).ok_or_else(|| {
        Error::Usage(format!(
            "unknown values schema version '{version}' (known: {})",
            crate::schema::SCHEMA_VERSIONS.join(", ")
        ))
    })?;
    print_stdout(&text)
}

fn run_validate_values(args: &ValuesArgs, existing: &[PathBuf]) -> Result<()> {
    let set = template_set(args)?;
    let mut req = RenderRequest::new("validate", "default");
    req.sources = sources(args)?;
    req.existing = existing
        .iter()
        .map(parse_existing)
        .collect::<Result<Vec<_>>>()?
        .concat();
    // A full render runs every check, including those of the builders; nothing is printed.
    print_warnings(&crate::render(&req, &set)?.warnings);
    eprintln!("values are valid");
    Ok(())
}

fn run_templates(action: &TemplatesAction) -> Result<()> {
    match action {
        TemplatesAction::List => {
            let mut text = format!(
                "{:<12} {:<20} {:<8} {:<16} SOURCE\n",
                "VERSION", "NAME", "SCHEMA", "ENGINE"
            );
            for s in TemplateSet::all_embedded()? {
                let m = s.manifest();
                text.push_str(&format!(
                    "{:<12} {:<20} {:<8} {:<16} {}\n",
                    m.version.to_string(),
                    m.name,
                    m.schema_version,
                    m.engine.to_string(),
                    s.origin()
                ));
            }
            print_stdout(&text)
        }
        TemplatesAction::Show { version } => {
            let s = TemplateSet::embedded(Some(version))?;
            let text = serde_yaml::to_string(s.manifest()).unwrap_or_default();
            print_stdout(&text)
        }
        TemplatesAction::Export { version, dir } => {
            let s = TemplateSet::embedded(Some(version))?;
            if dir.exists()
                && std::fs::read_dir(dir)
                    .map(|mut d| d.next().is_some())
                    .unwrap_or(true)
            {
                return Err(Error::Usage(format!(
                    "{}: directory exists and is not empty",
                    dir.display()
                )));
            }
            for (rel, bytes) in s.files() {
                let path = dir.join(rel);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| Error::Io {
                        path: parent.display().to_string(),
                        source: e,
                    })?;
                }
                std::fs::write(&path, bytes).map_err(|e| Error::Io {
                    path: path.display().to_string(),
                    source: e,
                })?;
            }
            eprintln!("exported template set {} to {}", s.id(), dir.display());
            Ok(())
        }
        TemplatesAction::Test { dir, update } => templates_test::run(dir, *update),
    }
}

/// Run the CLI with already-parsed arguments; returns the process exit status.
pub fn run(cli: Cli) -> i32 {
    let result = match &cli.command {
        #[cfg(feature = "cli")]
        Command::Diff(args) => return diff::run(args),
        #[cfg(feature = "cli")]
        Command::Adopt(args) => return adopt::run(args),
        Command::Render(args) => run_render(args),
        Command::Values(args) => run_values(args),
        Command::Templates { action } => run_templates(action),
        Command::Schema { version } => run_schema(version),
        Command::Validate(args) => run_validate(args),
        Command::ValidateValues { values, existing } => run_validate_values(values, existing),
        #[cfg(feature = "cli")]
        Command::Lifecycle(cmd) => return lifecycle::run(cmd),
    };
    match result {
        Ok(()) => 0,
        // The reader went away (`capiform render … | head`): stop quietly, as ripgrep
        // and other command-line tools do.
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            report(&e);
            e.exit_code()
        }
    }
}

fn report(e: &Error) {
    match e {
        Error::Invalid(problems) => {
            eprintln!(
                "Error: the values are invalid ({} problem{}):",
                problems.len(),
                if problems.len() == 1 { "" } else { "s" }
            );
            for p in problems {
                eprintln!("  {p}");
            }
        }
        other => eprintln!("Error: {other}"),
    }
}

#[cfg(test)]
mod examples {
    //! What the items above do, shown on small inputs.

    #[test]
    fn cli() {
        use clap::Parser;
        let cli =
            crate::cli::Cli::try_parse_from(["capiform", "render", "demo", "-f", "values.yaml"])
                .unwrap();
        assert!(matches!(cli.command, crate::cli::Command::Render(_)));
    }

    #[test]
    fn command() {
        use clap::Parser;
        let cli = crate::cli::Cli::try_parse_from(["capiform", "templates", "list"]).unwrap();
        assert!(matches!(cli.command, crate::cli::Command::Templates { .. }));
    }

    #[test]
    fn templates_action() {
        use clap::Parser;
        let cli =
            crate::cli::Cli::try_parse_from(["capiform", "templates", "show", "1.0.0"]).unwrap();
        assert!(matches!(
            cli.command,
            crate::cli::Command::Templates { action: crate::cli::TemplatesAction::Show { version } } if version == "1.0.0"
        ));
    }

    #[test]
    fn values_args() {
        use clap::Parser;
        let cli = crate::cli::Cli::try_parse_from(["capiform", "render", "demo", "--set", "a=1"])
            .unwrap();
        let crate::cli::Command::Render(args) = cli.command else {
            panic!("not render")
        };
        assert_eq!(args.values.set, ["a=1"]);
    }

    #[test]
    fn render_args() {
        use clap::Parser;
        let cli =
            crate::cli::Cli::try_parse_from(["capiform", "render", "demo", "--namespace", "ns"])
                .unwrap();
        let crate::cli::Command::Render(args) = cli.command else {
            panic!("not render")
        };
        assert_eq!(
            (args.release.as_str(), args.namespace.as_str()),
            ("demo", "ns")
        );
    }

    #[test]
    fn validate_args() {
        use clap::Parser;
        let cli = crate::cli::Cli::try_parse_from([
            "capiform",
            "validate",
            "--crds",
            "crds",
            "objs.yaml",
        ])
        .unwrap();
        let crate::cli::Command::Validate(args) = cli.command else {
            panic!("not validate")
        };
        assert_eq!(args.crds, std::path::Path::new("crds"));
        assert_eq!(args.files, [std::path::Path::new("objs.yaml")]);
    }

    #[test]
    fn template_set() {
        use clap::Parser;
        let cli = crate::cli::Cli::try_parse_from(["capiform", "render", "demo"]).unwrap();
        if let crate::cli::Command::Render(args) = cli.command {
            assert!(crate::cli::template_set(&args.values).is_ok());
        }
    }

    #[test]
    fn sources() {
        use clap::Parser;
        let cli = crate::cli::Cli::try_parse_from(["capiform", "render", "demo", "--set", "a=1"])
            .unwrap();
        if let crate::cli::Command::Render(args) = cli.command {
            assert_eq!(crate::cli::sources(&args.values).unwrap().len(), 1);
        }
    }
}

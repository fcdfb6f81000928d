//! The `capiform` command line: thin wrappers that parse arguments, call the library
//! and print. Objects go to stdout; every message goes to stderr.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::RenderRequest;
use crate::error::{Error, Result};
use crate::template_set::TemplateSet;
use crate::values::ValuesSource;

/// Command-line interface.
///
/// ```
/// use clap::Parser;
/// let cli = capiform::cli::Cli::try_parse_from(["capiform", "render", "demo", "-f", "values.yaml"]).unwrap();
/// assert!(matches!(cli.command, capiform::cli::Command::Render(_)));
/// ```
#[derive(Debug, Parser)]
#[command(name = "capiform", version = version_string(), about = "Render Cluster API clusters on OpenStack from openstack-cluster values", long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

fn version_string() -> &'static str {
    static V: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    V.get_or_init(|| {
        // Read at build time: printing the version loads no template set.
        let sets = crate::template_set::embedded_ids().join(", ");
        format!("{} (template sets: {sets})", crate::ENGINE_VERSION)
    })
}

/// Subcommands.
///
/// ```
/// use clap::Parser;
/// let cli = capiform::cli::Cli::try_parse_from(["capiform", "templates", "list"]).unwrap();
/// assert!(matches!(cli.command, capiform::cli::Command::Templates { .. }));
/// ```
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render a cluster, like `helm template RELEASE openstack-cluster`.
    Render(RenderArgs),
    /// Print the JSON Schema of the values (for editors and CI checks).
    Schema {
        /// Values schema version.
        #[arg(long, default_value = "v1")]
        version: String,
    },
    /// Check values files without rendering: every problem is listed, exit 1 if any.
    ValidateValues {
        /// Values and template set.
        #[command(flatten)]
        values: ValuesArgs,
        /// YAML file of objects already in the cluster (e.g. the etcd encryption key Secret).
        #[arg(long = "existing", value_name = "FILE")]
        existing: Vec<PathBuf>,
    },
    /// Validate Kubernetes objects against the CRD schemas in a directory.
    Validate(ValidateArgs),
    /// Work with cluster template sets.
    Templates {
        /// What to do with template sets.
        #[command(subcommand)]
        action: TemplatesAction,
    },
}

/// Template set subcommands.
///
/// ```
/// use clap::Parser;
/// let cli = capiform::cli::Cli::try_parse_from(["capiform", "templates", "show", "1.0.0"]).unwrap();
/// ```
#[derive(Debug, Subcommand)]
pub enum TemplatesAction {
    /// List the embedded template sets.
    List,
    /// Show a set's manifest and changelog.
    Show {
        /// Version of an embedded set.
        version: String,
    },
    /// Write an embedded set to a directory, as the start of a fork.
    Export {
        /// Version of an embedded set.
        version: String,
        /// Target directory (created; must be empty or absent).
        dir: PathBuf,
    },
}

/// Values and template-set options shared by commands that render.
///
/// ```
/// use clap::Parser;
/// let cli = capiform::cli::Cli::try_parse_from(["capiform", "render", "demo", "--set", "a=1"]).unwrap();
/// ```
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
///
/// ```
/// use clap::Parser;
/// let cli = capiform::cli::Cli::try_parse_from(["capiform", "render", "demo", "--namespace", "ns"]).unwrap();
/// ```
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
    /// Write one file per object into this directory instead of printing.
    #[arg(long = "output-dir", value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Check the rendered objects against the CRDs of --crds before printing them.
    #[arg(long, requires = "crds")]
    pub validate: bool,
    /// Directory of CustomResourceDefinitions (YAML/JSON files, or a `kubectl get crd -o yaml` List).
    #[arg(long, value_name = "DIR")]
    pub crds: Option<PathBuf>,
}

/// Arguments of `validate`.
///
/// ```
/// use clap::Parser;
/// let cli = capiform::cli::Cli::try_parse_from(["capiform", "validate", "--crds", "crds", "objs.yaml"]).unwrap();
/// ```
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Directory of CustomResourceDefinitions.
    #[arg(long, value_name = "DIR")]
    pub crds: PathBuf,
    /// Files of objects (multi-document YAML); `-` or none: standard input.
    pub files: Vec<PathBuf>,
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
///
/// ```
/// use clap::Parser;
/// let cli = capiform::cli::Cli::try_parse_from(["capiform", "render", "demo"]).unwrap();
/// if let capiform::cli::Command::Render(args) = cli.command {
///     assert!(capiform::cli::template_set(&args.values).is_ok());
/// }
/// ```
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
///
/// ```
/// use clap::Parser;
/// let cli = capiform::cli::Cli::try_parse_from(["capiform", "render", "demo", "--set", "a=1"]).unwrap();
/// if let capiform::cli::Command::Render(args) = cli.command {
///     assert_eq!(capiform::cli::sources(&args.values).unwrap().len(), 1);
/// }
/// ```
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
    for f in &args.existing {
        req.existing.extend(parse_existing(f)?);
    }
    let manifest = crate::render(&req, &set)?;
    print_warnings(&manifest.warnings);
    if let (true, Some(dir)) = (args.validate, &args.crds) {
        let crds = crate::validate::CrdSet::load_dir(dir)?;
        let docs: Vec<_> = manifest.objects.iter().map(|o| o.to_value()).collect();
        let report = crds.validate_documents(&docs);
        if !report.is_clean() {
            eprint!("{report}");
            return Err(Error::Yaml {
                file: "<rendered objects>".into(),
                message: format!(
                    "{} problem(s) against the CRDs in {}",
                    report.problems.len(),
                    dir.display()
                ),
            });
        }
    }
    match &args.output_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| Error::Io {
                path: dir.display().to_string(),
                source: e,
            })?;
            for (i, obj) in manifest.objects.iter().enumerate() {
                let path = dir.join(crate::output::file_name(i, obj));
                std::fs::write(&path, crate::output::to_yaml(std::slice::from_ref(obj))).map_err(
                    |e| Error::Io {
                        path: path.display().to_string(),
                        source: e,
                    },
                )?;
            }
        }
        None => with_stdout(|out| crate::output::write_yaml(&manifest.objects, out))?,
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
    let crds = crate::validate::CrdSet::load_dir(&args.crds)?;
    let mut text = String::new();
    if args.files.is_empty() {
        text = read(&PathBuf::from("-"))?;
    }
    for f in &args.files {
        text.push_str("\n---\n");
        text.push_str(&read(f)?);
    }
    let report = crds.validate_yaml(&text)?;
    print_stdout(&report.to_string())?;
    if report.is_clean() {
        eprintln!(
            "{} object(s) valid, {} not checked",
            report.checked,
            report.not_checked.len()
        );
        Ok(())
    } else {
        Err(Error::Yaml {
            file: "<objects>".into(),
            message: format!(
                "{} problem(s) against the CRDs in {}",
                report.problems.len(),
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
    for f in existing {
        req.existing.extend(parse_existing(f)?);
    }
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
    }
}

/// Run the CLI with already-parsed arguments; returns the process exit status.
///
/// ```no_run
/// use clap::Parser;
/// let code = capiform::cli::run(capiform::cli::Cli::parse());
/// std::process::exit(code);
/// ```
pub fn run(cli: Cli) -> i32 {
    let result = match &cli.command {
        Command::Render(args) => run_render(args),
        Command::Templates { action } => run_templates(action),
        Command::Schema { version } => run_schema(version),
        Command::Validate(args) => run_validate(args),
        Command::ValidateValues { values, existing } => run_validate_values(values, existing),
    };
    match result {
        Ok(()) => 0,
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

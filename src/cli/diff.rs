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
/// Offline, two renders are compared: `--from`/`--to` give each side's values files,
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
    #[arg(long = "from", value_name = "FILE")]
    pub from: Vec<PathBuf>,
    /// Values file of the second side (repeatable; later files win).
    #[arg(long = "to", value_name = "FILE")]
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
}

/// The examples under `capiform diff --help`.
pub(super) const DIFF_EXAMPLES: &str = "\
Examples:
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

/// Run `diff`; returns the exit status (see `--detailed-exitcode`).
pub(super) fn run(args: &DiffArgs) -> i32 {
    if !args.is_offline() {
        super::report(&Error::Usage(
            "capiform diff compares two renders: give --from/--to (values files of each side) \
             and/or --from-template-version/--to-template-version"
                .into(),
        ));
        return if args.detailed_exitcode { 1 } else { 2 };
    }
    let diff = match run_offline(args) {
        Ok(diff) => diff,
        Err((side, e)) => {
            if let Some(flag) = side {
                eprintln!("capiform diff: the {flag} side does not render");
            }
            super::report(&e);
            return if args.detailed_exitcode {
                1
            } else {
                e.exit_code()
            };
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

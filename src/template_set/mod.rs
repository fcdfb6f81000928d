//! Cluster template sets: defaults, addon catalogue, handlebars templates and
//! dashboards, versioned apart from the engine.
//!
//! A set is a folder `cluster-templates/<version>/` holding `template-set.yaml` (its
//! manifest), `defaults.yaml` (the values defaults), `addons/` (the addon catalogue),
//! `templates/**/*.hbs` (handlebars templates, strict mode, pure helpers only) and
//! `dashboards/` (Grafana dashboards). Every folder under `cluster-templates/` is
//! embedded in the binary at build time; [`TemplateSet::load_dir`] reads a set from disk.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, OnceLock, RwLock};

use handlebars::Handlebars;

pub mod cases;
internal_modules!(fast, static_text);
#[cfg(test)]
mod fast_against_handlebars;
use include_dir::{Dir, include_dir};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/cluster-templates");

// The embedded sets' YAML files, read at build time (see build.rs).
use crate::schema::Node;
include!(concat!(env!("OUT_DIR"), "/parsed_yaml.rs"));

/// The values schema versions this engine understands.
pub const SUPPORTED_SCHEMA_VERSIONS: &[&str] = &["v1"];

/// The manifest of a template set (`template-set.yaml`).
///
/// ```
/// let m: capiform::TemplateSetManifest = serde_yaml::from_str(
///     "name: openstack-cluster\nversion: 1.0.0\nschemaVersion: v1\nengine: '>=0.1.0'\n").unwrap();
/// assert_eq!(m.version.to_string(), "1.0.0");
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TemplateSetManifest {
    /// Name of the set.
    pub name: String,
    /// Semantic version of the set.
    pub version: semver::Version,
    /// The values schema version the set's defaults are written for (e.g. `v1`).
    pub schema_version: String,
    /// The engine versions the set works with, as a semver requirement.
    pub engine: semver::VersionReq,
    /// One line on what the set is.
    #[serde(default)]
    pub description: String,
    /// What changed, newest first.
    #[serde(default)]
    pub changelog: Vec<ChangelogEntry>,
    /// The Cluster API version of the `Cluster`, `KubeadmControlPlane`,
    /// `MachineDeployment`, `MachineHealthCheck` and `KubeadmConfigTemplate` the set
    /// renders (`v1beta1` when absent). One engine builds both: the objects are built
    /// in the v1beta1 form and converted ([`crate::api::v1beta2`]) for a `v1beta2` set.
    #[serde(default)]
    pub cluster_api_version: crate::api::ClusterApiVersion,
    /// An opt-in set is never the default for new releases: it is used only when asked
    /// for by version (`--template-version`) or folder (`--templates`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub opt_in: bool,
}

/// One release of a template set.
///
/// ```
/// let c: capiform::template_set::ChangelogEntry = serde_yaml::from_str("version: 1.0.0\nchanges: [first]").unwrap();
/// assert_eq!(c.changes, vec!["first".to_string()]);
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangelogEntry {
    /// The version this entry describes.
    pub version: String,
    /// What changed.
    pub changes: Vec<String>,
}

/// Where a template set came from.
///
/// ```
/// let s = capiform::template_set::Origin::Embedded;
/// assert_eq!(s.to_string(), "embedded");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Compiled into this binary.
    Embedded,
    /// Loaded from a directory.
    Path(String),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Embedded => write!(f, "embedded"),
            Origin::Path(p) => write!(f, "{p}"),
        }
    }
}

/// A loaded, checked template set.
///
/// ```
/// let set = capiform::TemplateSet::embedded(None).unwrap();
/// assert_eq!(set.manifest().schema_version, "v1");
/// assert!(set.defaults().get("controlPlane").is_some());
/// ```
pub struct TemplateSet {
    manifest: TemplateSetManifest,
    origin: Origin,
    /// Made on first use from `defaults_node` for embedded sets; renders borrow from it
    /// (see [`crate::values::Merged`]).
    defaults: OnceLock<Value>,
    /// The embedded set's defaults as static data (build.rs).
    defaults_node: Option<&'static Node>,
    /// Embedded sets borrow their files from the binary (no copy at start-up).
    files: BTreeMap<String, Cow<'static, [u8]>>,
    /// Compiled on first use (compiling every template at start-up costs more than a render).
    handlebars: std::sync::RwLock<Handlebars<'static>>,
    /// Templates compiled by the [`fast`] path on first use (`None`: it declined them,
    /// handlebars renders them).
    fast: RwLock<BTreeMap<String, Option<Arc<fast::FastTemplate>>>>,
    /// Static line runs taken out of the templates before compiling ([`static_text`]).
    statics: static_text::Table,
    /// Whether the defaults alone pass the values schema check (computed once).
    defaults_valid: OnceLock<bool>,
    /// The defaults typed (computed once; `None` when they do not pass the checks).
    typed_defaults: OnceLock<Option<crate::values::Values>>,
    /// `dialects.yaml`, read on first use.
    dialects: OnceLock<std::result::Result<crate::values::dialect::Dialects, String>>,
}

impl Clone for TemplateSet {
    fn clone(&self) -> Self {
        let hb = self
            .handlebars
            .read()
            .map(|h| h.clone())
            .unwrap_or_else(|e| e.into_inner().clone());
        TemplateSet {
            manifest: self.manifest.clone(),
            origin: self.origin.clone(),
            defaults: self.defaults.clone(),
            defaults_node: self.defaults_node,
            files: self.files.clone(),
            handlebars: std::sync::RwLock::new(hb),
            fast: RwLock::new(
                self.fast
                    .read()
                    .map(|f| f.clone())
                    .unwrap_or_else(|e| e.into_inner().clone()),
            ),
            statics: self.statics.clone(),
            defaults_valid: self.defaults_valid.clone(),
            typed_defaults: self.typed_defaults.clone(),
            dialects: self.dialects.clone(),
        }
    }
}

impl std::fmt::Debug for TemplateSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TemplateSet")
            .field("name", &self.manifest.name)
            .field("version", &self.manifest.version.to_string())
            .field("origin", &self.origin)
            .finish()
    }
}

/// The embedded set in folder `dir` of `cluster-templates/`, loaded on first use.
fn embedded_set(dir: &str) -> std::result::Result<&'static TemplateSet, String> {
    type Slot = OnceLock<std::result::Result<TemplateSet, String>>;
    static SLOTS: OnceLock<Vec<Slot>> = OnceLock::new();
    let slots = SLOTS.get_or_init(|| EMBEDDED_INDEX.iter().map(|_| OnceLock::new()).collect());
    let i = EMBEDDED_INDEX
        .iter()
        .position(|(d, _, _)| *d == dir)
        .ok_or_else(|| format!("{dir}: no such embedded set"))?;
    slots[i]
        .get_or_init(|| {
            let folder = EMBEDDED
                .get_dir(dir)
                .ok_or_else(|| format!("{dir}: not embedded"))?;
            let mut files = BTreeMap::new();
            collect_embedded(folder, folder.path(), &mut files);
            let parsed = |file: &str| {
                PARSED_YAML
                    .iter()
                    .find(|(set, f, _)| *set == dir && *f == file)
                    .map(|(_, _, json)| *json)
            };
            TemplateSet::from_files_parsed(files, Origin::Embedded, dir, parsed)
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// The folders of the embedded sets, lowest version first (versions read at build time;
/// one that does not parse sorts first, and loading it reports the problem).
fn embedded_dirs() -> &'static [&'static str] {
    static DIRS: OnceLock<Vec<&'static str>> = OnceLock::new();
    DIRS.get_or_init(|| {
        let mut index: Vec<_> = EMBEDDED_INDEX
            .iter()
            .map(|(dir, _, v)| (semver::Version::parse(v).ok(), *dir))
            .collect();
        index.sort();
        index.into_iter().map(|(_, dir)| dir).collect()
    })
}

/// `name@version` of every embedded set, lowest version first, read at build time
/// (no set is loaded).
///
/// ```
/// let ids = capiform::template_set::embedded_ids();
/// assert!(ids.contains(&capiform::TemplateSet::embedded(None).unwrap().id()));
/// ```
pub fn embedded_ids() -> Vec<String> {
    embedded_dirs()
        .iter()
        .filter_map(|d| EMBEDDED_INDEX.iter().find(|(dir, _, _)| dir == d))
        .map(|(_, name, version)| format!("{name}@{version}"))
        .collect()
}

/// The handlebars registry of a template set: strict mode, no HTML escaping, capiform's
/// helpers and the static-text helper reading `statics` ([`static_text`]). Tests that
/// hold the fast path to handlebars use this very configuration.
#[doc(hidden)]
pub fn registry(statics: &static_text::Table) -> Handlebars<'static> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(handlebars::no_escape);
    crate::addons::helpers::register(&mut hb);
    static_text::register_helper(&mut hb, statics.clone());
    hb
}

fn collect_embedded(
    dir: &Dir<'static>,
    root: &Path,
    out: &mut BTreeMap<String, Cow<'static, [u8]>>,
) {
    for file in dir.files() {
        let rel = file.path().strip_prefix(root).unwrap_or(file.path());
        out.insert(rel_key(rel), Cow::Borrowed(file.contents()));
    }
    for sub in dir.dirs() {
        collect_embedded(sub, root, out);
    }
}

fn rel_key(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

impl TemplateSet {
    /// Every set compiled into this binary, lowest version first (each is loaded on
    /// first use and kept for the life of the process).
    ///
    /// ```
    /// assert!(!capiform::TemplateSet::all_embedded().unwrap().is_empty());
    /// ```
    pub fn all_embedded() -> Result<Vec<&'static TemplateSet>> {
        embedded_dirs()
            .iter()
            .map(|dir| {
                embedded_set(dir).map_err(|message| Error::TemplateSet {
                    set: "embedded".into(),
                    message,
                })
            })
            .collect()
    }

    /// An embedded set by version (`None`: the default set for new releases, the
    /// highest version that is not opt-in). Only that set is loaded.
    ///
    /// ```
    /// let default = capiform::TemplateSet::embedded(None).unwrap();
    /// let same = capiform::TemplateSet::embedded(Some(&default.manifest().version.to_string())).unwrap();
    /// assert_eq!(default.manifest().version, same.manifest().version);
    /// assert!(!default.manifest().opt_in);
    /// assert!(capiform::TemplateSet::embedded(Some("99.0.0")).is_err());
    /// ```
    pub fn embedded(version: Option<&str>) -> Result<&'static TemplateSet> {
        let dirs = embedded_dirs();
        let dir = match version {
            None => dirs
                .iter()
                .rev()
                .find(|d| !EMBEDDED_OPT_IN.contains(d))
                .ok_or_else(|| Error::TemplateSet {
                    set: "embedded".into(),
                    message: "no template set is embedded in this engine".into(),
                })?,
            Some(v) => {
                let wanted = v.trim_start_matches('v');
                let version_of = |d: &&str| {
                    EMBEDDED_INDEX
                        .iter()
                        .find(|(dir, _, _)| dir == d)
                        .map(|(_, _, v)| *v)
                        .unwrap_or_default()
                };
                dirs.iter()
                    .find(|d| {
                        let v = version_of(d);
                        v == wanted
                            || semver::Version::parse(v).is_ok_and(|v| v.to_string() == wanted)
                    })
                    .ok_or_else(|| Error::TemplateSet {
                        set: v.to_string(),
                        message: format!(
                            "no embedded template set has this version (embedded: {})",
                            dirs.iter().map(version_of).collect::<Vec<_>>().join(", ")
                        ),
                    })?
            }
        };
        embedded_set(dir).map_err(|message| Error::TemplateSet {
            set: "embedded".into(),
            message,
        })
    }

    /// Load a set from a directory (an operator's fork, or an exported set).
    ///
    /// A fork starts as a copy of an embedded set (`capiform templates export`):
    ///
    /// ```
    /// let embedded = capiform::TemplateSet::embedded(None).unwrap();
    /// let dir = tempfile::tempdir().unwrap();
    /// for (path, bytes) in embedded.files() {
    ///     let file = dir.path().join(path);
    ///     std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    ///     std::fs::write(file, bytes).unwrap();
    /// }
    /// let fork = capiform::TemplateSet::load_dir(dir.path()).unwrap();
    /// assert_eq!(fork.id(), embedded.id());
    /// assert_eq!(fork.defaults(), embedded.defaults());
    /// ```
    pub fn load_dir(path: impl AsRef<Path>) -> Result<TemplateSet> {
        let path = path.as_ref();
        let label = path.display().to_string();
        let mut files = BTreeMap::new();
        read_dir_recursive(path, path, &mut files).map_err(|e| Error::TemplateSet {
            set: label.clone(),
            message: e,
        })?;
        Self::from_files(files, Origin::Path(label.clone()), &label)
    }

    /// Build a set from its files (relative path -> content). Checks the manifest,
    /// the engine range, the schema version, the defaults and every template.
    ///
    /// ```
    /// let set = capiform::TemplateSet::embedded(None).unwrap();
    /// let files: std::collections::BTreeMap<_, _> =
    ///     set.files().map(|(k, v)| (k.to_string(), v.to_vec())).collect();
    /// let copy = capiform::TemplateSet::from_files(files, capiform::template_set::Origin::Path("copy".into()), "copy").unwrap();
    /// assert_eq!(copy.manifest().version, set.manifest().version);
    /// ```
    pub fn from_files(
        files: BTreeMap<String, Vec<u8>>,
        origin: Origin,
        label: &str,
    ) -> Result<TemplateSet> {
        let files = files.into_iter().map(|(k, v)| (k, Cow::Owned(v))).collect();
        Self::from_files_parsed(files, origin, label, |_| None)
    }

    /// [`TemplateSet::from_files`], with `parsed(file)` giving the JSON of a YAML file
    /// already read (the embedded sets, by the build script) to skip reading it again.
    fn from_files_parsed(
        files: BTreeMap<String, Cow<'static, [u8]>>,
        origin: Origin,
        label: &str,
        parsed: impl Fn(&str) -> Option<&'static str>,
    ) -> Result<TemplateSet> {
        let err = |message: String| Error::TemplateSet {
            set: label.to_string(),
            message,
        };
        fn read<T: serde::de::DeserializeOwned>(
            name: &str,
            yaml: &str,
            json: Option<&str>,
        ) -> std::result::Result<T, String> {
            if let Some(Ok(v)) = json.map(serde_json::from_str) {
                return Ok(v);
            }
            serde_yaml::from_str(yaml).map_err(|e| format!("{name}: {e}"))
        }
        let text = |name: &str| -> Result<&str> {
            let bytes = files
                .get(name)
                .ok_or_else(|| err(format!("{name}: file is missing")))?;
            std::str::from_utf8(bytes).map_err(|_| err(format!("{name}: not UTF-8 text")))
        };
        let manifest: TemplateSetManifest = read(
            "template-set.yaml",
            text("template-set.yaml")?,
            parsed("template-set.yaml"),
        )
        .map_err(err)?;
        let engine =
            semver::Version::parse(crate::ENGINE_VERSION).expect("engine version is semver");
        if !manifest.engine.matches(&engine) {
            return Err(err(format!(
                "template-set.yaml: requires engine {} but this is capiform {}",
                manifest.engine,
                crate::ENGINE_VERSION
            )));
        }
        if !SUPPORTED_SCHEMA_VERSIONS.contains(&manifest.schema_version.as_str()) {
            return Err(err(format!(
                "template-set.yaml: values schema version '{}' is not known to this engine (known: {})",
                manifest.schema_version,
                SUPPORTED_SCHEMA_VERSIONS.join(", ")
            )));
        }
        // Fragments under defaults/ (one per area, e.g. the addon catalogue per group) are
        // layered in file-name order, and defaults.yaml goes over them: it has the last
        // word, as the parent chart's values have over its subchart's. The build script
        // did this for the embedded sets (`DEFAULTS_NODES`).
        let defaults_node = match origin {
            Origin::Embedded => DEFAULTS_NODES
                .iter()
                .find(|(dir, _)| *dir == label)
                .map(|(_, node)| *node),
            Origin::Path(_) => None,
        };
        let defaults = OnceLock::new();
        if defaults_node.is_none() {
            let top: Value = read(
                "defaults.yaml",
                text("defaults.yaml")?,
                parsed("defaults.yaml"),
            )
            .map_err(err)?;
            if !top.is_object() {
                return Err(err("defaults.yaml: must be a mapping".into()));
            }
            let mut merged_defaults = Value::Object(Default::default());
            for (name, bytes) in files.range("defaults/".to_string()..) {
                if !name.starts_with("defaults/") {
                    break;
                }
                if !(name.ends_with(".yaml") || name.ends_with(".yml")) {
                    continue;
                }
                let src = std::str::from_utf8(bytes)
                    .map_err(|_| err(format!("{name}: not UTF-8 text")))?;
                let fragment: Value = read(name, src, parsed(name)).map_err(err)?;
                if !fragment.is_object() {
                    return Err(err(format!("{name}: must be a mapping")));
                }
                crate::values::merge::overlay(&mut merged_defaults, &fragment);
            }
            crate::values::merge::overlay(&mut merged_defaults, &top);
            let _ = defaults.set(merged_defaults);
        }
        let statics = static_text::Table::default();
        let handlebars = registry(&statics);
        let set = TemplateSet {
            manifest,
            origin,
            defaults,
            defaults_node,
            files,
            handlebars: std::sync::RwLock::new(handlebars),
            fast: RwLock::default(),
            statics,
            defaults_valid: OnceLock::new(),
            typed_defaults: OnceLock::new(),
            dialects: OnceLock::new(),
        };
        // A set from disk is checked whole when it is loaded; embedded sets are checked by
        // the test suite and compile their templates on first use.
        if set.origin != Origin::Embedded {
            set.check_templates()?;
            set.dialects()?;
        }
        Ok(set)
    }

    /// The set's value dialects (`dialects.yaml`; none when the file is absent): keys
    /// of other chart versions that are translated or ignored with a warning.
    ///
    /// ```
    /// let set = capiform::TemplateSet::embedded(None).unwrap();
    /// assert!(set.dialects().unwrap().renamed.iter().any(|r| r.to == "apiServer.allowedCIDRs"));
    /// ```
    pub fn dialects(&self) -> Result<&crate::values::dialect::Dialects> {
        let read = self.dialects.get_or_init(|| {
            let text = match self.files.get("dialects.yaml") {
                None => return Ok(Default::default()),
                Some(bytes) => std::str::from_utf8(bytes)
                    .map_err(|_| "dialects.yaml: not UTF-8 text".to_string())?,
            };
            crate::values::dialect::Dialects::from_yaml(text)
        });
        read.as_ref().map_err(|message| Error::TemplateSet {
            set: self.id(),
            message: message.clone(),
        })
    }

    /// The set's manifest.
    ///
    /// ```
    /// assert!(!capiform::TemplateSet::embedded(None).unwrap().manifest().name.is_empty());
    /// ```
    pub fn manifest(&self) -> &TemplateSetManifest {
        &self.manifest
    }

    /// Where the set came from.
    ///
    /// ```
    /// assert_eq!(*capiform::TemplateSet::embedded(None).unwrap().origin(), capiform::template_set::Origin::Embedded);
    /// ```
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The values defaults of the set.
    ///
    /// ```
    /// assert!(capiform::TemplateSet::embedded(None).unwrap().defaults().is_object());
    /// ```
    pub fn defaults(&self) -> &Value {
        self.defaults.get_or_init(|| {
            self.defaults_node
                .map(Node::to_value)
                .unwrap_or_else(|| Value::Object(Default::default()))
        })
    }

    /// `name@version`, as recorded in the provenance annotation.
    ///
    /// ```
    /// assert!(capiform::TemplateSet::embedded(None).unwrap().id().contains('@'));
    /// ```
    pub fn id(&self) -> String {
        format!("{}@{}", self.manifest.name, self.manifest.version)
    }

    /// Every file of the set (relative path, content), sorted by path.
    ///
    /// ```
    /// assert!(capiform::TemplateSet::embedded(None).unwrap().files().any(|(p, _)| p == "template-set.yaml"));
    /// ```
    pub fn files(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.files.iter().map(|(k, v)| (k.as_str(), v.as_ref()))
    }

    /// A text file of the set.
    ///
    /// ```
    /// assert!(capiform::TemplateSet::embedded(None).unwrap().text("defaults.yaml").is_some());
    /// ```
    pub fn text(&self, path: &str) -> Option<&str> {
        self.files
            .get(path)
            .and_then(|b| std::str::from_utf8(b).ok())
    }

    /// Parse a YAML (or JSON) file of the set.
    ///
    /// ```
    /// let set = capiform::TemplateSet::embedded(None).unwrap();
    /// assert!(set.yaml("defaults.yaml").unwrap().is_object());
    /// ```
    pub fn yaml(&self, path: &str) -> Result<Value> {
        let text = self.text(path).ok_or_else(|| Error::TemplateSet {
            set: self.id(),
            message: format!("{path}: file is missing"),
        })?;
        serde_yaml::from_str(text).map_err(|e| Error::TemplateSet {
            set: self.id(),
            message: format!("{path}: {e}"),
        })
    }

    /// Whether the set has a handlebars template `templates/<name>.hbs`.
    ///
    /// ```
    /// assert!(!capiform::TemplateSet::embedded(None).unwrap().has_template("no/such/template"));
    /// ```
    pub fn has_template(&self, name: &str) -> bool {
        self.files.contains_key(&format!("templates/{name}.hbs"))
    }

    /// Compile every handlebars template of the set, naming the first broken file.
    ///
    /// ```
    /// capiform::TemplateSet::embedded(None).unwrap().check_templates().unwrap();
    /// ```
    pub fn check_templates(&self) -> Result<()> {
        for name in self.template_names() {
            self.compiled(name)?;
        }
        Ok(())
    }

    /// The names of the set's templates (`templates/<name>.hbs`).
    fn template_names(&self) -> impl Iterator<Item = &str> {
        self.files.keys().filter_map(|n| {
            n.strip_prefix("templates/")
                .and_then(|n| n.strip_suffix(".hbs"))
        })
    }

    /// The template `name` compiled by the [`fast`] path (on first use), or `None` when
    /// the fast path declines it (or there is no such template: handlebars then says so).
    fn fast_template(&self, name: &str) -> Option<Arc<fast::FastTemplate>> {
        if let Some(known) = self
            .fast
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
        {
            return known.clone();
        }
        let src = self
            .files
            .get(&format!("templates/{name}.hbs"))
            .and_then(|b| std::str::from_utf8(b).ok());
        // The registry has no helpers but handlebars' own and the static-text one
        // (`fast::tests::the_registry_has_no_helper_the_fast_path_does_not_know`).
        let compiled = src.and_then(fast::compile).map(Arc::new);
        self.fast
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(name.to_string())
            .or_insert(compiled)
            .clone()
    }

    /// Make sure the template `name` is compiled.
    fn compiled(&self, name: &str) -> Result<()> {
        let ready = self
            .handlebars
            .read()
            .map(|h| h.has_template(name))
            .unwrap_or(false);
        if ready {
            return Ok(());
        }
        let file = format!("templates/{name}.hbs");
        let err = |message: String| Error::TemplateSet {
            set: self.id(),
            message,
        };
        let bytes = self
            .files
            .get(&file)
            .ok_or_else(|| err(format!("{file}: template not found")))?;
        let src = std::str::from_utf8(bytes).map_err(|_| err(format!("{file}: not UTF-8 text")))?;
        // Parsed without holding the lock, so that another thread may compile another
        // template meanwhile ([`TemplateSet::warm_up`]); the first to finish registers it.
        let template = static_text::collapse(src, &self.statics)
            .and_then(|collapsed| handlebars::Template::compile(&collapsed).ok());
        let template = match template {
            Some(t) => t,
            None => handlebars::Template::compile(src).map_err(|e| err(format!("{file}: {e}")))?,
        };
        let mut hb = self.handlebars.write().unwrap_or_else(|e| e.into_inner());
        if !hb.has_template(name) {
            hb.register_template(name, template);
        }
        Ok(())
    }

    /// Whether the set's defaults, with no user values, pass the values schema check
    /// (computed on first call; the embedded sets' defaults are checked by the test
    /// suite instead). Renders then check only the user's part of the values.
    ///
    /// ```
    /// assert!(capiform::TemplateSet::embedded(None).unwrap().defaults_are_valid());
    /// ```
    pub fn defaults_are_valid(&self) -> bool {
        *self.defaults_valid.get_or_init(|| {
            // The embedded sets' defaults are checked by the test suite
            // (`tests/schema.rs`), so a process need not check them again.
            self.origin == Origin::Embedded
                || crate::schema::check(&self.manifest.schema_version, self.defaults()).is_empty()
        })
    }

    /// The set's defaults as typed [`crate::Values`] (computed on first call), or `None`
    /// when they do not pass the values checks. Renders type only the top-level keys
    /// the user's values name and take the rest from here
    /// ([`crate::values::Merged::typed_over`]).
    ///
    /// ```
    /// let set = capiform::TemplateSet::embedded(None).unwrap();
    /// let typed = set.typed_defaults().unwrap();
    /// assert!(typed.addons.is_some());
    /// ```
    pub fn typed_defaults(&self) -> Option<&crate::values::Values> {
        self.typed_defaults
            .get_or_init(|| {
                self.defaults_are_valid()
                    .then(|| crate::values::typed_values(self.defaults()).ok())
                    .flatten()
            })
            .as_ref()
    }

    /// Prepare every template of the set on a background
    /// thread, so that renders started later find them ready (for a service that links
    /// the library, at start-up): each template is compiled by the fast path, and
    /// by handlebars only when the fast path declines it. Templates are compiled on
    /// first use anyway; this only moves the work off the first render's path. The CLI
    /// does not use it: a thread started by a short process cost its main thread more
    /// than the ~0.1 ms of work it took over.
    ///
    /// ```
    /// let set = capiform::TemplateSet::embedded(None).unwrap();
    /// set.warm_up().join().unwrap();
    /// ```
    pub fn warm_up(&'static self) -> std::thread::JoinHandle<()> {
        std::thread::spawn(move || {
            let _ = self.typed_defaults();
            for name in self.template_names() {
                if self.fast_template(name).is_none() {
                    let _ = self.compiled(name);
                }
            }
        })
    }

    /// The error of rendering the template as written (not collapsed), so that line
    /// and column in the message are those of the file.
    fn original_error(
        &self,
        name: &str,
        data: &impl Serialize,
        first: handlebars::RenderError,
    ) -> String {
        let file = format!("templates/{name}.hbs");
        let src = self.text(&file).unwrap_or_default();
        let mut hb = self
            .handlebars
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let message = match hb.register_template_string(name, src) {
            Ok(()) => match hb.render(name, data) {
                Err(e) => e.to_string(),
                Ok(_) => first.to_string(),
            },
            Err(e) => e.to_string(),
        };
        format!("{file}: {message}")
    }

    /// Render the handlebars template `templates/<name>.hbs` with `data` (strict mode:
    /// a missing variable is an error naming the template).
    ///
    /// The fast path renders it when it can (same output); handlebars renders
    /// whatever it declines, and writes every error.
    ///
    /// ```
    /// let set = capiform::TemplateSet::embedded(None).unwrap();
    /// assert!(set.render("no/such/template", &serde_json::json!({})).is_err());
    /// ```
    pub fn render(&self, name: &str, data: &impl Serialize) -> Result<String> {
        let Ok(value) = serde_json::to_value(data) else {
            // handlebars reports the serialization error.
            return self.render_handlebars(name, data);
        };
        if let Some(template) = self.fast_template(name) {
            let statics = self.statics.read().unwrap_or_else(|e| e.into_inner());
            if let Some(out) = template.render(&value, &statics) {
                return Ok(out);
            }
        }
        self.render_handlebars(name, &value)
    }

    /// [`TemplateSet::render`] with handlebars (compiling the template on first use).
    fn render_handlebars(&self, name: &str, data: &impl Serialize) -> Result<String> {
        self.compiled(name)?;
        let result = self
            .handlebars
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .render(name, data);
        result.map_err(|e| Error::TemplateSet {
            set: self.id(),
            message: self.original_error(name, data, e),
        })
    }
}

fn read_dir_recursive(
    root: &Path,
    dir: &Path,
    out: &mut BTreeMap<String, Vec<u8>>,
) -> std::result::Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            read_dir_recursive(root, &p, out)?;
        } else {
            let rel = p.strip_prefix(root).map_err(|e| e.to_string())?;
            let bytes = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            out.insert(rel_key(rel), bytes);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `warm_up` prepares fast templates and compiles with handlebars only those the
    /// fast path declines; `render` uses the fast path and falls back to handlebars,
    /// which still writes the errors.
    #[test]
    fn templates_go_through_the_fast_path_and_fall_back_to_handlebars() {
        let mut files: BTreeMap<String, Vec<u8>> = TemplateSet::embedded(None)
            .unwrap()
            .files()
            .map(|(k, v)| (k.to_string(), v.to_vec()))
            .collect();
        let declined = "templates/test/declined.hbs";
        files.insert(declined.into(), b"{{lookup names 0}}\n".to_vec());
        let files = files.into_iter().map(|(k, v)| (k, Cow::Owned(v))).collect();
        let set =
            TemplateSet::from_files_parsed(files, Origin::Embedded, "test", |_| None).unwrap();
        let set: &'static TemplateSet = Box::leak(Box::new(set));
        set.warm_up().join().unwrap();
        {
            let hb = set.handlebars.read().unwrap();
            let fast = set.fast.read().unwrap();
            assert!(hb.has_template("test/declined"));
            assert!(matches!(fast.get("test/declined"), Some(None)));
            for name in set.template_names().filter(|n| n.starts_with("addons/")) {
                assert!(!hb.has_template(name), "{name} compiled by handlebars");
                assert!(matches!(fast.get(name), Some(Some(_))), "{name} not fast");
            }
        }
        let data = serde_json::json!({"names": ["first", "second"]});
        assert_eq!(set.render("test/declined", &data).unwrap(), "first\n");
        let out = set
            .render("addons/headlamp", &serde_json::json!({"release": "hl"}))
            .unwrap();
        assert!(out.contains("- name: hl\n"));
        // A missing value: handlebars' error, with the file's line and column.
        let err = set
            .render("addons/headlamp", &serde_json::json!({}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("templates/addons/headlamp.hbs"), "{err}");
        assert!(err.contains("release"), "{err}");
        assert!(
            set.handlebars
                .read()
                .unwrap()
                .has_template("addons/headlamp")
        );
        // A copy keeps its fast templates.
        let copy = set.clone();
        assert!(matches!(
            copy.fast.read().unwrap().get("addons/headlamp"),
            Some(Some(_))
        ));
    }

    /// The defaults the build script merged are those the engine layers from the files.
    #[test]
    fn build_time_merged_defaults_agree_with_the_layered_files() {
        for (dir, _, _) in EMBEDDED_INDEX {
            assert!(
                DEFAULTS_NODES.iter().any(|(s, _)| s == dir),
                "{dir}: defaults not merged ahead"
            );
            let embedded = embedded_set(dir).unwrap();
            let files = embedded
                .files()
                .map(|(k, v)| (k.to_string(), v.to_vec()))
                .collect();
            let layered =
                TemplateSet::from_files(files, Origin::Path("copy".into()), "copy").unwrap();
            assert_eq!(embedded.defaults(), layered.defaults(), "{dir}");
        }
    }

    /// The build-time index names each embedded set as its manifest does.
    #[test]
    fn build_time_index_agrees_with_the_manifests() {
        assert_eq!(EMBEDDED_INDEX.len(), EMBEDDED.dirs().count());
        for (dir, name, version) in EMBEDDED_INDEX {
            let set = embedded_set(dir).unwrap();
            assert_eq!(set.manifest().name, *name, "{dir}");
            assert_eq!(set.manifest().version.to_string(), *version, "{dir}");
        }
        let ids: Vec<String> = TemplateSet::all_embedded()
            .unwrap()
            .iter()
            .map(|s| s.id())
            .collect();
        assert_eq!(embedded_ids(), ids);
    }

    /// The JSON the build script embeds reads as the YAML it came from, and every
    /// embedded set has its manifest and defaults read ahead.
    #[test]
    fn build_time_reading_agrees_with_the_yaml() {
        for dir in EMBEDDED.dirs() {
            let set = dir.path().display().to_string();
            for file in ["template-set.yaml", "defaults.yaml"] {
                assert!(
                    PARSED_YAML.iter().any(|(s, f, _)| *s == set && *f == file),
                    "{set}/{file} not read ahead"
                );
            }
        }
        assert!(!PARSED_YAML.is_empty());
        for (set, file, json) in PARSED_YAML {
            let yaml = EMBEDDED
                .get_file(format!("{set}/{file}"))
                .and_then(|f| f.contents_utf8())
                .unwrap_or_else(|| panic!("{set}/{file} is embedded"));
            let from_yaml: Value = serde_yaml::from_str(yaml).unwrap();
            let from_json: Value = serde_json::from_str(json).unwrap();
            assert_eq!(from_yaml, from_json, "{set}/{file}");
        }
    }
}

#[cfg(test)]
mod examples {
    //! What the items above do, shown on small inputs.

    #[test]
    fn registry() {
        let statics = crate::template_set::static_text::Table::default();
        let hb = crate::template_set::registry(&statics);
        assert!(hb.strict_mode());
    }
}

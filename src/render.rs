//! The render pipeline: values → typed [`Context`] → builders → manifest. This module
//! only orchestrates; the context lives in [`crate::context`], below the builders.

use serde_json::Value;

use crate::error::Result;
use crate::object::Manifest;
use crate::template_set::TemplateSet;
use crate::context::Context;
use crate::values::{self, ValuesSource};

/// What to render: the release, its namespace, the values layers and the objects that
/// already exist in the cluster (used for the etcd encryption key, instead of Helm's
/// `lookup`).
///
/// ```
/// let req = capiform::RenderRequest::new("demo", "default")
///     .with_values_yaml("values.yaml", "kubernetesVersion: 1.31.4");
/// assert_eq!(req.release, "demo");
/// ```
#[derive(Debug, Clone, Default)]
pub struct RenderRequest {
    /// Release name (the cluster name).
    pub release: String,
    /// Namespace the objects are applied to.
    pub namespace: String,
    /// Values layers, in order.
    pub sources: Vec<ValuesSource>,
    /// Objects already in the cluster (`--existing`), as JSON values.
    pub existing: Vec<Value>,
}

impl RenderRequest {
    /// A request with no values.
    ///
    /// ```
    /// assert!(capiform::RenderRequest::new("a", "b").sources.is_empty());
    /// ```
    pub fn new(release: impl Into<String>, namespace: impl Into<String>) -> Self {
        Self {
            release: release.into(),
            namespace: namespace.into(),
            ..Default::default()
        }
    }

    /// Add a YAML values layer.
    ///
    /// ```
    /// let r = capiform::RenderRequest::new("a", "b").with_values_yaml("f.yaml", "a: 1");
    /// assert_eq!(r.sources.len(), 1);
    /// ```
    pub fn with_values_yaml(mut self, name: impl Into<String>, text: impl Into<String>) -> Self {
        self.sources.push(ValuesSource::Yaml {
            name: name.into(),
            text: text.into(),
        });
        self
    }

    /// Add a `--set` layer: `KEY=VALUE[,KEY=VALUE]`, values typed as Helm types them
    /// (integers, booleans, `null`; anything else a string).
    ///
    /// ```
    /// let r = capiform::RenderRequest::new("a", "b")
    ///     .with_values_yaml("f.yaml", "kubernetesVersion: 1.31.4")
    ///     .with_set("controlPlane.machineCount=5");
    /// use capiform::values::ValuesSource;
    /// assert!(matches!(&r.sources[1], ValuesSource::Set(arg) if arg == "controlPlane.machineCount=5"));
    /// ```
    pub fn with_set(mut self, arg: impl Into<String>) -> Self {
        self.sources.push(ValuesSource::Set(arg.into()));
        self
    }

    /// Add a `--set-string` layer: `KEY=VALUE[,KEY=VALUE]`, every value a string.
    ///
    /// ```
    /// let r = capiform::RenderRequest::new("a", "b").with_set_string("machineImageId=0123");
    /// use capiform::values::ValuesSource;
    /// assert!(matches!(&r.sources[0], ValuesSource::SetString(arg) if arg == "machineImageId=0123"));
    /// ```
    pub fn with_set_string(mut self, arg: impl Into<String>) -> Self {
        self.sources.push(ValuesSource::SetString(arg.into()));
        self
    }

    /// Add a values layer of any kind; layers apply in the order they are added.
    ///
    /// ```
    /// use capiform::values::ValuesSource;
    /// let r = capiform::RenderRequest::new("a", "b").with_source(ValuesSource::Set("x=1".into()));
    /// assert!(matches!(&r.sources[..], [ValuesSource::Set(arg)] if arg == "x=1"));
    /// ```
    pub fn with_source(mut self, source: ValuesSource) -> Self {
        self.sources.push(source);
        self
    }

    /// Add an object that already exists in the cluster (Helm's `lookup`): the etcd
    /// encryption key Secret `<release>-etcd-key`, read back so that upgrades keep the key.
    ///
    /// ```
    /// let secret = serde_json::json!({
    ///     "apiVersion": "v1", "kind": "Secret",
    ///     "metadata": {"name": "demo-etcd-key", "namespace": "default"},
    ///     "data": {"key": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="},
    /// });
    /// let r = capiform::RenderRequest::new("demo", "default").with_existing(secret);
    /// assert_eq!(r.existing.len(), 1);
    /// ```
    pub fn with_existing(mut self, object: Value) -> Self {
        self.existing.push(object);
        self
    }
}

/// Render a cluster with a template set.
///
/// ```
/// let set = capiform::TemplateSet::embedded(None).unwrap();
/// let req = capiform::RenderRequest::new("demo", "default").with_values_yaml("values.yaml", r#"
/// kubernetesVersion: 1.31.4
/// machineImage: ubuntu-jammy-kube-v1.31.4
/// cloudCredentialsSecretName: my-creds
/// controlPlane: {machineFlavor: vm.small}
/// nodeGroups: [{name: md-0, machineFlavor: vm.small, machineCount: 2}]
/// "#);
/// let manifest = capiform::render(&req, set).unwrap();
/// assert!(manifest.objects.iter().any(|o| o.kind == "Cluster"));
/// ```
pub fn render(req: &RenderRequest, templates: &TemplateSet) -> Result<Manifest> {
    crate::naming::check_release(&req.release, &req.namespace).map_err(crate::Error::Usage)?;
    let mut warnings = Vec::new();
    let (raw, user) = values::Merged::over_with(
        templates.defaults(),
        &req.sources,
        Some(templates.dialects()?),
        &mut warnings,
    )?;
    let (typed, mut problems) = crate::validation::check_over_set(&raw, &user, templates);
    let Some(typed) = typed else {
        return Err(invalid(req, problems));
    };
    let ctx = Context {
        release: &req.release,
        namespace: &req.namespace,
        values: &typed,
        raw: &raw,
        templates,
        existing: &req.existing,
    };
    // Every family is built even when another has invalid values, so that one run
    // reports every problem.
    let mut objects = crate::resources::collect(crate::resources::build(&ctx), &mut problems)?
        .unwrap_or_default();
    objects.extend(
        crate::resources::collect(crate::addons::build(&ctx), &mut problems)?.unwrap_or_default(),
    );
    if !problems.is_empty() {
        return Err(invalid(req, problems));
    }
    if objects.iter().any(|o| o.api_version.starts_with(ADDON_GROUP)) {
        crate::naming::check_release_for_addons(&req.release).map_err(crate::Error::Usage)?;
    }
    let template_set = templates.id();
    for obj in &mut objects {
        obj.metadata.annotations.insert(
            crate::PROVENANCE_ENGINE.to_string(),
            Value::String(crate::ENGINE_VERSION.to_string()),
        );
        obj.metadata.annotations.insert(
            crate::PROVENANCE_TEMPLATE_SET.to_string(),
            Value::String(template_set.clone()),
        );
    }
    Ok(Manifest { objects, warnings })
}

/// The API group of the addon provider's `HelmRelease` and `Manifests`.
const ADDON_GROUP: &str = "addons.stackhpc.com/";

/// The invalid-values error of a render, each problem naming the source that gave it.
fn invalid(req: &RenderRequest, problems: Vec<crate::FieldError>) -> crate::Error {
    let mut problems = crate::validation::dedup(problems);
    values::attribute_sources(&req.sources, &mut problems);
    crate::Error::Invalid(problems)
}

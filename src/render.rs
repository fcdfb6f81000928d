//! The render pipeline: values → typed context → builders → manifest.

use serde_json::Value;

use crate::error::Result;
use crate::object::Manifest;
use crate::template_set::TemplateSet;
use crate::values::{self, Merged, Values, ValuesSource};

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
}

/// Everything a builder may read. Builders are pure functions of the context.
///
/// ```no_run
/// # fn f(ctx: &capiform::Context) {
/// let name = capiform::naming::cluster_name(ctx.release);
/// # }
/// ```
#[derive(Debug)]
pub struct Context<'a> {
    /// Release name.
    pub release: &'a str,
    /// Release namespace.
    pub namespace: &'a str,
    /// The typed values.
    pub values: &'a Values,
    /// The merged values (defaults + user layers), for free-form areas.
    pub raw: &'a Merged<'a>,
    /// The template set in use.
    pub templates: &'a TemplateSet,
    /// Objects already in the cluster.
    pub existing: &'a [Value],
}

impl Context<'_> {
    /// The label/annotation prefix (`projectPrefix`).
    ///
    /// ```no_run
    /// # fn f(ctx: &capiform::Context) { let p = ctx.prefix(); }
    /// ```
    pub fn prefix(&self) -> &str {
        self.values
            .project_prefix
            .as_deref()
            .unwrap_or("capi.stackhpc.com")
    }

    /// The cluster name.
    ///
    /// ```no_run
    /// # fn f(ctx: &capiform::Context) { let n = ctx.cluster_name(); }
    /// ```
    pub fn cluster_name(&self) -> String {
        crate::naming::cluster_name(self.release)
    }

    /// `<release>-<component>`.
    ///
    /// ```no_run
    /// # fn f(ctx: &capiform::Context) { let n = ctx.component_name("autoscaler"); }
    /// ```
    pub fn component_name(&self, component: &str) -> String {
        crate::naming::component_name(self.release, component)
    }

    /// An existing object by apiVersion, kind and name.
    ///
    /// ```no_run
    /// # fn f(ctx: &capiform::Context) { let s = ctx.existing_object("v1", "Secret", "demo-etcd-key"); }
    /// ```
    pub fn existing_object(&self, api_version: &str, kind: &str, name: &str) -> Option<&Value> {
        self.existing.iter().find(|o| {
            o["apiVersion"] == api_version && o["kind"] == kind && o["metadata"]["name"] == name
        })
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

/// The invalid-values error of a render, each problem naming the source that gave it.
fn invalid(req: &RenderRequest, problems: Vec<crate::FieldError>) -> crate::Error {
    let mut problems = crate::validation::dedup(problems);
    values::attribute_sources(&req.sources, &mut problems);
    crate::Error::Invalid(problems)
}

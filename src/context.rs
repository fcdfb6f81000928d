//! What every builder reads: the release, the typed and merged values, the template
//! set and the objects already in the cluster. The builders (`resources`, `addons`)
//! depend on this module; it depends on none of them.

use serde_json::Value;

use crate::template_set::TemplateSet;
use crate::values::{Merged, Values};

/// Everything a builder may read. Builders are pure functions of the context.
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
    pub fn prefix(&self) -> &str {
        self.values
            .project_prefix
            .as_deref()
            .unwrap_or("capi.stackhpc.com")
    }

    /// The cluster name.
    pub fn cluster_name(&self) -> String {
        crate::naming::cluster_name(self.release)
    }

    /// `<release>-<component>`.
    pub fn component_name(&self, component: &str) -> String {
        crate::naming::component_name(self.release, component)
    }

    /// An existing object by apiVersion, kind and name.
    pub fn existing_object(&self, api_version: &str, kind: &str, name: &str) -> Option<&Value> {
        self.existing.iter().find(|o| {
            o["apiVersion"] == api_version && o["kind"] == kind && o["metadata"]["name"] == name
        })
    }
}

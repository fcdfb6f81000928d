//! # capiform
//!
//! Render everything an OpenStack cloud needs to run a Kubernetes cluster through
//! Cluster API — the `Cluster`, `OpenStackCluster`, `KubeadmControlPlane`, machine
//! templates, `MachineDeployment`s, health checks, the cluster autoscaler and the
//! addon provider's `HelmRelease`/`Manifests` objects — from the values format of the
//! `openstack-cluster` Helm chart, with typed Rust builders instead of Go templates.
//!
//! ```
//! let set = capiform::TemplateSet::embedded(None).unwrap();
//! let req = capiform::RenderRequest::new("demo", "default").with_values_yaml("values.yaml", r#"
//! kubernetesVersion: 1.31.4
//! machineImage: ubuntu-jammy-kube-v{{ .Values.kubernetesVersion }}
//! cloudCredentialsSecretName: demo-creds
//! controlPlane: {machineFlavor: vm.small}
//! nodeGroups: [{name: md-0, machineFlavor: vm.small, machineCount: 2}]
//! "#);
//! let yaml = capiform::render(&req, set).unwrap().to_yaml();
//! assert!(yaml.contains("kind: KubeadmControlPlane"));
//! ```
//!
//! Data flow: values files → [`values`] (Helm-compatible merge over the template set's
//! defaults, strict typed model) → a typed context → the builders of the Cluster API
//! objects and of the addons → [`Manifest`] → deterministic YAML
//! ([`Manifest::to_yaml`]).
//!
//! ## Public surface
//!
//! - [`render`] with a [`RenderRequest`] and a [`TemplateSet`] gives a [`Manifest`] of
//!   [`Object`]s; errors are [`Error`] (every values problem as a [`FieldError`]).
//! - [`values`]: the values model ([`Values`]) and the Helm-compatible merge;
//!   [`validation`] checks merged values without rendering; [`schema`] is their JSON
//!   Schema.
//! - [`validate`]: check rendered objects against CRD schemas.
//! - [`template_set`]: embedded and forked template sets.
//!
//! Library users turn off the default feature `cli` (the command line and clap):
//! `capiform = { version = "…", default-features = false }`.
//!
//! ## Allocator
//!
//! A render makes a few thousand small heap allocations and frees them when its
//! [`Manifest`] is dropped. The crate sets no global allocator; that is the host's
//! choice. A service that renders often should set a modern one. Under mimalloc a render
//! takes about half the time it takes under glibc's malloc (README, "Performance"):
//!
//! ```text
//! #[global_allocator]
//! static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
//! ```

/// Declares modules that are internal to the crate: private, or public but hidden from
/// the docs with the unstable feature `internals` (for the stage benchmarks and the
/// profiling examples; no compatibility promise).
macro_rules! internal_modules {
    ($($name:ident),* $(,)?) => {$(
        #[cfg(feature = "internals")]
        #[doc(hidden)]
        pub mod $name;
        #[cfg(not(feature = "internals"))]
        mod $name;
    )*};
}

internal_modules!(
    addons,
    api,
    context,
    helm_compat,
    naming,
    output,
    render,
    resources
);

pub mod adopt;
#[cfg(feature = "cli-render")]
mod cli;
pub mod diff;
pub mod error;
pub mod helm_release;
#[cfg(feature = "lifecycle")]
pub mod lifecycle;
pub mod object;
pub mod schema;
pub mod template_set;
#[cfg(test)]
mod test_rng;
pub mod validate;
pub mod validation;
pub mod values;

/// Cluster API v1beta2: the API version a template set renders in, and the conversion
/// of rendered (or live) v1beta1 objects to it.
pub use api::{ClusterApiVersion, v1beta2};
#[cfg(feature = "internals")]
#[doc(hidden)]
pub use context::Context;
pub use error::{Error, FieldError, Result, Warning};
pub use object::{Manifest, Object, ObjectMeta};
pub use render::{RenderRequest, render};
pub use template_set::{TemplateSet, TemplateSetManifest};
pub use values::Values;

/// Run the `capiform` command line on the process's arguments and return its exit
/// code (feature `cli`, on by default; `cli-render` without the commands that talk to
/// a cluster). The `capiform` binary is this one call.
#[cfg(feature = "cli-render")]
pub fn cli_main() -> i32 {
    use clap::Parser;
    cli::run(cli::Cli::parse())
}

/// The engine version (this crate's version).
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Value of the `<projectPrefix>/managed-by` label on rendered objects.
pub const MANAGED_BY: &str = "capiform";

/// Annotation recording the engine version that rendered an object.
pub const PROVENANCE_ENGINE: &str = "capiform.dev/engine-version";

/// Annotation recording the template set (`name@version`) an object was rendered from.
pub const PROVENANCE_TEMPLATE_SET: &str = "capiform.dev/template-set";

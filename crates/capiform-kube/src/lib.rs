//! # capiform-kube
//!
//! The release lifecycle of rendered Cluster API objects on a management cluster, what
//! `helm upgrade --install`, `helm status`, `helm history`, `helm rollback` and
//! `helm uninstall` do for a chart, with kube-rs:
//!
//! - [`Release::apply`]: server-side dry run of every object, then server-side apply in
//!   dependency order ([`Stage`]), a few requests in flight per stage; an
//!   [ApplySet](applyset) inventory and prune; a record of revisions in the parent Secret;
//! - [`Release::history`], [`Release::values`], [`Release::record`] and
//!   [`RecordMeta::rollback_to`] for rollbacks;
//! - [`Release::status`] and [`Release::wait_ready`];
//! - [`Release::uninstall`], Cluster first, credentials last;
//! - [`Release::ensure_etcd_key`] and [`Release::read_existing`], the live objects a
//!   render needs.
//!
//! The crate does not render: it takes rendered objects as [`serde_json::Value`]s (from
//! `capiform::render`, or any renderer) and the values that produced them.
//!
//! ```no_run
//! # async fn f() -> capiform_kube::Result<()> {
//! use capiform_kube::{ApplyOptions, RecordMeta, Release};
//! let client = capiform_kube::connect(&Default::default()).await?;
//! let release = Release::new(client, "demo", "clusters");
//! let (_key, _created) = release.ensure_etcd_key().await?; // when etcd encryption is on
//! let existing = release.read_existing().await?;           // give these to the renderer
//! # let _ = existing;
//! let objects: Vec<serde_json::Value> = vec![/* rendered with `existing` */];
//! let meta = RecordMeta::new("0.1.0", "openstack-cluster@1.0.0", serde_json::json!({}));
//! let report = release.apply(objects, meta, &ApplyOptions::default()).await?;
//! eprintln!("{}", report.summary());
//! let status = release.status().await?;
//! print!("{}", status.table());
//! # Ok(()) }
//! ```
//!
//! Rollback is the caller's render of an old revision's values with its template set,
//! applied as a new revision:
//!
//! ```no_run
//! # async fn f(release: capiform_kube::Release,
//! #            render: impl Fn(&serde_json::Value, &str) -> Vec<serde_json::Value>) -> capiform_kube::Result<()> {
//! let old = release.record(Some(3)).await?;
//! let objects = render(&old.values, &old.template_set);
//! let meta = capiform_kube::RecordMeta::rollback_to(&old, "0.1.0");
//! release.apply(objects, meta, &Default::default()).await?;
//! # Ok(()) }
//! ```
//!
//! Without an async runtime, [`blocking::BlockingRelease`] offers the same calls.
//! Logs go through `tracing`; no log line or error carries an object's content.

pub mod applyset;
pub mod blocking;
mod connect;
pub mod error;
pub mod kinds;
pub mod ownership;
pub mod record;
pub mod release;
mod retry;
pub mod secret;
pub mod status;
#[cfg(feature = "test-double")]
pub mod testing;

pub use connect::{ConnectOptions, client, config, connect};
pub use error::{Error, FieldConflict, Refusal, Result};
pub use kinds::{ObjectRef, Stage};
pub use record::{Record, RecordMeta, RevisionStatus};
pub use release::{
    Applied, ApplyOptions, ApplyReport, DELETION_WAIT, DryRun, Outcome, Release, UninstallOptions,
    UninstallReport, resource_version,
};
pub use retry::RetryPolicy;
pub use status::{Readiness, ReleaseStatus};

/// `kube::Client` and `kube::Config`, re-exported so callers need not depend on kube.
pub use kube::{Client, Config};

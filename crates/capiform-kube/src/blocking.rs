//! A blocking face of [`Release`] for callers without an async runtime of their own
//! (a Python binding, a script): each call runs on a runtime the value owns.

use std::future::Future;
use std::time::Duration;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::{
    ApplyOptions, ApplyReport, ConnectOptions, Record, RecordMeta, Release, ReleaseStatus,
    UninstallOptions, UninstallReport,
};

/// A [`Release`] with its own single-threaded tokio runtime; every method blocks the
/// calling thread until the API server has answered. Do not call from inside another
/// tokio runtime.
///
/// ```no_run
/// use capiform_kube::blocking::BlockingRelease;
/// let release = BlockingRelease::connect(&Default::default(), "demo", "clusters")?;
/// for r in release.history()? {
///     println!("{} {} {}", r.revision, r.status, r.template_set);
/// }
/// # Ok::<(), capiform_kube::Error>(())
/// ```
pub struct BlockingRelease {
    runtime: tokio::runtime::Runtime,
    release: Release,
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Config(format!("cannot start a tokio runtime: {e}")))
}

impl BlockingRelease {
    /// Connect ([`crate::connect`]) and name the release.
    pub fn connect(opts: &ConnectOptions, name: &str, namespace: &str) -> Result<Self> {
        let runtime = runtime()?;
        let client = runtime.block_on(crate::connect(opts))?;
        Ok(BlockingRelease {
            release: Release::new(client, name, namespace),
            runtime,
        })
    }

    /// Wrap a release whose client `make` builds on the new runtime (a kube client must
    /// be made inside the runtime that drives it).
    pub fn with_client(
        make: impl FnOnce() -> kube::Client,
        name: &str,
        namespace: &str,
    ) -> Result<Self> {
        let runtime = runtime()?;
        let client = {
            let _guard = runtime.enter();
            make()
        };
        Ok(BlockingRelease {
            release: Release::new(client, name, namespace),
            runtime,
        })
    }

    /// The async release (for its accessors).
    pub fn release(&self) -> &Release {
        &self.release
    }

    /// Run any future on this value's runtime.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// [`Release::read_existing`].
    pub fn read_existing(&self) -> Result<Vec<Value>> {
        self.block_on(self.release.read_existing())
    }

    /// [`Release::ensure_etcd_key`].
    pub fn ensure_etcd_key(&self) -> Result<(Value, bool)> {
        self.block_on(self.release.ensure_etcd_key())
    }

    /// [`Release::apply`].
    pub fn apply(
        &self,
        objects: Vec<Value>,
        meta: RecordMeta,
        opts: &ApplyOptions,
    ) -> Result<ApplyReport> {
        self.block_on(self.release.apply(objects, meta, opts))
    }

    /// [`Release::history`].
    pub fn history(&self) -> Result<Vec<Record>> {
        self.block_on(self.release.history())
    }

    /// [`Release::record`].
    pub fn record(&self, revision: Option<u32>) -> Result<Record> {
        self.block_on(self.release.record(revision))
    }

    /// [`Release::values`].
    pub fn values(&self, revision: Option<u32>) -> Result<Value> {
        self.block_on(self.release.values(revision))
    }

    /// [`Release::status`].
    pub fn status(&self) -> Result<ReleaseStatus> {
        self.block_on(self.release.status())
    }

    /// [`Release::wait_ready`].
    pub fn wait_ready(
        &self,
        timeout: Duration,
        poll_interval: Duration,
        progress: &mut (dyn FnMut(&ReleaseStatus) + Send),
    ) -> Result<ReleaseStatus> {
        self.block_on(self.release.wait_ready(timeout, poll_interval, progress))
    }

    /// [`Release::uninstall`].
    pub fn uninstall(
        &self,
        opts: &UninstallOptions,
        progress: &mut (dyn FnMut(&str) + Send),
    ) -> Result<UninstallReport> {
        self.block_on(self.release.uninstall(opts, progress))
    }

    /// [`Release::live_objects`].
    pub fn live_objects(&self) -> Result<Vec<Value>> {
        self.block_on(self.release.live_objects())
    }
}

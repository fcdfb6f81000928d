//! A kube-rs client from the usual places: a kubeconfig file (`--kubeconfig`, else
//! `KUBECONFIG`, else `~/.kube/config`) and context, or the in-cluster service account.

use std::path::PathBuf;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use crate::error::{Error, Result};
use crate::retry::error_chain;

/// Where the client's configuration comes from.
///
/// ```
/// let opts = capiform_kube::ConnectOptions { context: Some("mgmt".into()), ..Default::default() };
/// assert!(opts.kubeconfig.is_none());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnectOptions {
    /// A kubeconfig file; `None`: `KUBECONFIG`, `~/.kube/config`, then in-cluster.
    pub kubeconfig: Option<PathBuf>,
    /// A context of the kubeconfig; `None`: its current context.
    pub context: Option<String>,
}

/// The client configuration these options name (no request is made).
pub async fn config(opts: &ConnectOptions) -> Result<Config> {
    let kube_opts = KubeConfigOptions {
        context: opts.context.clone(),
        ..Default::default()
    };
    match &opts.kubeconfig {
        Some(path) => {
            let file = Kubeconfig::read_from(path)
                .map_err(|e| Error::Config(format!("{}: {}", path.display(), error_chain(&e))))?;
            Config::from_custom_kubeconfig(file, &kube_opts)
                .await
                .map_err(|e| Error::Config(format!("{}: {}", path.display(), error_chain(&e))))
        }
        None if opts.context.is_some() => Config::from_kubeconfig(&kube_opts)
            .await
            .map_err(|e| Error::Config(error_chain(&e))),
        None => Config::infer()
            .await
            .map_err(|e| Error::Config(error_chain(&e))),
    }
}

/// A client for these options. Must run inside a tokio runtime.
pub async fn connect(opts: &ConnectOptions) -> Result<Client> {
    client(config(opts).await?)
}

/// A client for a configuration (from [`config`]). Must run inside a tokio runtime.
pub fn client(config: Config) -> Result<Client> {
    tracing::debug!(cluster_url = %config.cluster_url, "connecting");
    Client::try_from(config).map_err(|e| Error::Config(error_chain(&e)))
}

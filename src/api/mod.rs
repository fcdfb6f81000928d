//! Lean typed bodies of the Kubernetes objects capiform emits.

pub mod capi_cluster;
pub mod capi_machine;
pub mod capo;
pub mod kubeadm;

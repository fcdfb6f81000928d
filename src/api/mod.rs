//! Lean typed bodies of the Kubernetes objects capiform emits.

pub mod capi_machine;
pub mod kubeadm;

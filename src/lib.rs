//! capiform: render Cluster API clusters on OpenStack.

pub mod helm_compat;
pub mod validate;

//! Typed builders for the chart's own objects, one module per resource family.

pub mod control_plane;
pub mod kubeadm;
pub mod node_group;

use crate::error::Result;
use crate::object::Object;
use crate::render::Context;

/// Build every core object (everything but addons), in output order.
///
/// ```no_run
/// # fn f(ctx: &capiform::Context) { let objs = capiform::resources::build(ctx).unwrap(); }
/// ```
pub fn build(ctx: &Context) -> Result<Vec<Object>> {
    let mut objects = Vec::new();
    objects.extend(control_plane::build(ctx)?);
    objects.extend(node_group::build(ctx)?);
    Ok(objects)
}

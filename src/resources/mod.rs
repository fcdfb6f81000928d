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
    // Until machine_template lands: stand-in names of the OpenStackMachineTemplates
    // (replace with the names returned by machine_template::control_plane / node_group).
    let cp_template = format!("{}-00000000", ctx.component_name("control-plane"));
    objects.extend(control_plane::build(ctx, &cp_template)?);
    objects.extend(node_group::build(ctx, |_, g| {
        Ok(format!("{}-00000000", ctx.component_name(g.name.as_deref().unwrap_or_default())))
    })?);
    Ok(objects)
}

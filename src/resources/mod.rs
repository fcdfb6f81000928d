//! Typed builders for the chart's own objects, one module per resource family.

pub mod autoscaler;
pub mod cluster;
pub mod control_plane;
pub mod kubeadm;
pub mod machine_template;
pub mod node_group;
pub mod secrets;

use crate::error::Result;
use crate::object::Object;
use crate::render::Context;

/// Build every core object (everything but addons), in output order.
///
/// ```no_run
/// # fn f(ctx: &capiform::Context) { let objs = capiform::resources::build(ctx).unwrap(); }
/// ```
pub fn build(ctx: &Context) -> Result<Vec<Object>> {
    let mut objects = vec![cluster::cluster(ctx)?, cluster::openstack_cluster(ctx)?];
    objects.extend(secrets::cloud_credentials(ctx)?);
    objects.extend(secrets::containerd_auth(ctx)?);
    let (cp_template, cp_template_name) = machine_template::control_plane(ctx)?;
    objects.extend(control_plane::build(ctx, &cp_template_name)?);
    objects.push(cp_template);
    let groups = node_group::effective_node_groups(ctx)?;
    let mut group_templates = Vec::with_capacity(groups.len());
    for (index, group) in &groups {
        group_templates.push((*index, machine_template::node_group(ctx, *index, group)?));
    }
    objects.extend(node_group::build(ctx, |index, _| {
        group_templates
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, (_, name))| name.clone())
            .ok_or_else(|| {
                crate::Error::invalid(
                    format!("nodeGroups[{index}]"),
                    "internal: no machine template",
                )
            })
    })?);
    objects.extend(group_templates.into_iter().map(|(_, (obj, _))| obj));
    objects.push(autoscaler::deployment(ctx)?);
    objects.extend(autoscaler::rbac(ctx)?);
    Ok(objects)
}

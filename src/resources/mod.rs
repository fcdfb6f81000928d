//! Typed builders for the chart's own objects, one module per resource family.

pub mod autoscaler;
pub mod cluster;
pub mod control_plane;
pub mod kubeadm;
pub mod machine_template;
pub mod merge_concat;
pub mod node_group;
pub mod secrets;

use crate::error::{Error, FieldError, Result};
use crate::object::Object;
use crate::context::Context;

/// Build every core object (everything but addons), in output order.
pub fn build(ctx: &Context) -> Result<Vec<Object>> {
    let mut problems = Vec::new();
    let mut objects = Vec::new();
    objects.extend(collect(cluster::cluster(ctx), &mut problems)?);
    objects.extend(collect(cluster::openstack_cluster(ctx), &mut problems)?);
    objects.extend(collect(secrets::cloud_credentials(ctx), &mut problems)?.flatten());
    objects.extend(collect(secrets::containerd_auth(ctx), &mut problems)?.flatten());
    let cp_template = collect(machine_template::control_plane(ctx), &mut problems)?;
    if let Some((_, name)) = &cp_template {
        objects
            .extend(collect(control_plane::build(ctx, name), &mut problems)?.unwrap_or_default());
    }
    objects.extend(cp_template.map(|(obj, _)| obj));
    let groups =
        collect(node_group::effective_node_groups(ctx), &mut problems)?.unwrap_or_default();
    let mut group_templates = Vec::with_capacity(groups.len());
    for (index, group) in &groups {
        if let Some(t) = collect(
            machine_template::node_group(ctx, *index, group),
            &mut problems,
        )? {
            group_templates.push((*index, t));
        }
    }
    if problems.is_empty() {
        objects.extend(
            collect(
                node_group::build(ctx, &groups, |index, _| {
                    group_templates
                        .iter()
                        .find(|(i, _)| *i == index)
                        .map(|(_, (_, name))| name.clone())
                        .ok_or_else(|| {
                            Error::invalid(
                                format!("nodeGroups[{index}]"),
                                "internal: no machine template",
                            )
                        })
                }),
                &mut problems,
            )?
            .unwrap_or_default(),
        );
    }
    objects.extend(group_templates.into_iter().map(|(_, (obj, _))| obj));
    objects.extend(collect(autoscaler::deployment(ctx), &mut problems)?);
    objects.extend(collect(autoscaler::rbac(ctx), &mut problems)?.unwrap_or_default());
    if problems.is_empty() {
        in_cluster_api_version(objects, ctx.templates.manifest().cluster_api_version)
    } else {
        Err(Error::Invalid(crate::validation::dedup(problems)))
    }
}

/// The objects in the Cluster API version the template set renders: the builders make
/// the v1beta1 form (every name and checksum is computed from it, so a release keeps its
/// machine templates when its set moves to v1beta2), a v1beta2 set converts it.
pub fn in_cluster_api_version(
    objects: Vec<Object>,
    version: crate::api::ClusterApiVersion,
) -> Result<Vec<Object>> {
    match version {
        crate::api::ClusterApiVersion::V1beta1 => Ok(objects),
        crate::api::ClusterApiVersion::V1beta2 => {
            objects.into_iter().map(crate::api::v1beta2::convert).collect()
        }
    }
}

/// Keep going after a values problem so that one run reports every problem: invalid
/// values are added to `problems` (and `None` returned); other errors stop the build.
pub fn collect<T>(result: Result<T>, problems: &mut Vec<FieldError>) -> Result<Option<T>> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(Error::Invalid(p)) => {
            problems.extend(p);
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod examples {
    //! What the items above do, shown on small inputs.

    #[test]
    fn collect() {
        let mut problems = Vec::new();
        let r: crate::Result<u8> = Err(crate::Error::invalid("a", "b"));
        assert_eq!(crate::resources::collect(r, &mut problems).unwrap(), None);
        assert_eq!(problems.len(), 1);
    }
}

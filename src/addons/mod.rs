//! Addon builders: HelmRelease / Manifests objects of the Cluster API addon provider and
//! their config Secrets, from the template set's addon catalogue.

pub mod calico_policy;
pub mod cni;
pub mod core_addons;
pub mod custom;
pub mod extras;
pub mod gpu;
pub mod helpers;
pub mod ingress;
pub mod monitoring;
pub mod objects;
pub mod openstack;
pub mod storage_class;

use crate::context::Context;
use crate::error::Result;
use crate::object::Object;
use crate::values::addons::Addons;

/// Build every enabled addon's objects, in output order.
pub fn build(ctx: &Context) -> Result<Vec<Object>> {
    let mut out = Vec::new();
    if let Some(addons) = enabled_addons(ctx) {
        let mut problems = Vec::new();
        for part in [
            cni::build,
            openstack::build,
            core_addons::build,
            ingress::build,
            monitoring::build,
            custom::build,
        ] {
            if let Some(objs) = crate::resources::collect(part(ctx, addons), &mut problems)? {
                out.extend(objs);
            }
        }
        if !problems.is_empty() {
            return Err(crate::Error::Invalid(problems));
        }
    }
    out.extend(gpu::build(ctx)?);
    out.extend(extras::build(ctx)?);
    Ok(out)
}

/// The `addons` section when addons are rendered at all.
pub(crate) fn enabled_addons<'a>(ctx: &'a Context) -> Option<&'a Addons> {
    ctx.values
        .addons
        .as_deref()
        .filter(|a| a.enabled.unwrap_or(false))
}

//! Addon builders: HelmRelease / Manifests objects of the Cluster API addon provider and
//! their config Secrets, from the template set's addon catalogue.

pub mod extras;
pub mod gpu;
pub mod helpers;

use crate::error::Result;
use crate::object::Object;
use crate::render::Context;

/// Build every enabled addon's objects, in output order.
///
/// ```no_run
/// # fn f(ctx: &capiform::Context) { let objs = capiform::addons::build(ctx).unwrap(); }
/// ```
pub fn build(ctx: &Context) -> Result<Vec<Object>> {
    let mut out = Vec::new();
    out.extend(gpu::build(ctx)?);
    out.extend(extras::build(ctx)?);
    Ok(out)
}

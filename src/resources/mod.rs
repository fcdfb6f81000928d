//! Typed builders for the chart's own objects, one module per resource family.

use crate::error::Result;
use crate::object::Object;
use crate::render::Context;

/// Build every core object (everything but addons), in output order.
///
/// ```no_run
/// # fn f(ctx: &capiform::Context) { let objs = capiform::resources::build(ctx).unwrap(); }
/// ```
pub fn build(ctx: &Context) -> Result<Vec<Object>> {
    let _ = ctx;
    Ok(Vec::new())
}

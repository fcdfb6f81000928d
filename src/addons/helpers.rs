//! Pure handlebars helpers available to template-set templates (no file, network or
//! environment access).

use handlebars::Handlebars;

/// Register capiform's helpers on a handlebars registry.
///
/// ```
/// let mut hb = handlebars::Handlebars::new();
/// capiform::addons::helpers::register(&mut hb);
/// ```
pub fn register(hb: &mut Handlebars<'static>) {
    let _ = hb;
}

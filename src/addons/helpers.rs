//! Pure handlebars helpers available to template-set templates (no file, network or
//! environment access).

use handlebars::Handlebars;

/// Register capiform's helpers on a handlebars registry.
pub fn register(hb: &mut Handlebars<'static>) {
    let _ = hb;
}

#[cfg(test)]
mod examples {
    //! What the items above do, shown on small inputs.

    #[test]
    fn register() {
        let mut hb = handlebars::Handlebars::new();
        crate::addons::helpers::register(&mut hb);
    }
}

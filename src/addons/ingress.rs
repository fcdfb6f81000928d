//! Ingress controllers: Traefik (the default) or ingress-nginx, with dashboards and
//! certificate alerts when monitoring is on.

use serde_json::json;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::object::Object;
use crate::values::addons::Addons;
use crate::values::addons::extras::HelmAddon;

use super::gpu::dashboards_config_map;
use super::objects::monitoring_enabled;
use super::objects::{defaults_and_overrides, manifests, release_parts};

/// The ingress controller's objects, when `addons.ingress.enabled`.
pub fn build(ctx: &Context, addons: &Addons) -> Result<Vec<Object>> {
    let Some(ingress) = addons.ingress.as_ref().filter(|i| i.enabled == Some(true)) else {
        return Ok(vec![]);
    };
    let nginx = ingress.nginx.as_ref().filter(|n| n.is_enabled());
    let traefik = ingress.traefik.as_ref().filter(|t| t.is_enabled());
    match (nginx, traefik) {
        (Some(_), Some(_)) => Err(Error::invalid(
            "addons.ingress",
            "nginx and traefik are both enabled: choose one (set addons.ingress.traefik.enabled: false to keep ingress-nginx)",
        )),
        (Some(n), None) => controller(
            ctx,
            n,
            "ingress-nginx",
            "nginx-ingress-dashboard.json",
            "ingress-nginx",
        ),
        (None, Some(t)) => controller(
            ctx,
            t,
            "traefik",
            "traefik-ingress-dashboard.json",
            "traefik",
        ),
        (None, None) => Ok(vec![]),
    }
}

fn controller(
    ctx: &Context,
    a: &HelmAddon,
    component: &str,
    dashboard_key: &str,
    dashboard: &str,
) -> Result<Vec<Object>> {
    let monitoring = monitoring_enabled(ctx);
    let defaults = ctx.templates.render(
        &format!("addons/{component}"),
        &json!({"monitoring": monitoring}),
    )?;
    let (ns, values) = release_parts(a.release.as_ref());
    let mut out = defaults_and_overrides(ctx, component, a.chart.as_ref(), ns, &defaults, values)?;
    if monitoring {
        let dashboards = dashboards_config_map(
            ctx,
            &format!("{component}-dashboards"),
            &[(dashboard_key, dashboard)],
        )?;
        let name = format!("{component}-dashboards");
        out.push(manifests(ctx, &name, &name, ns, &name, vec![dashboards])?);
        let alerts = ctx
            .templates
            .render(&format!("addons/{component}-alerts"), &json!({}))?;
        let name = format!("{component}-alerts");
        out.push(manifests(ctx, &name, &name, ns, &name, vec![alerts])?);
    }
    Ok(out)
}

//! The CNI: Calico (Tigera operator, with its global egress policy and, with monitoring,
//! metrics Services, ServiceMonitors and dashboards) or Cilium.
//!
//! With Cilium's kube-proxy replacement (the default), the control plane also skips
//! kube-proxy: see `resources::kubeadm`.

use serde_json::{Value, json};

use crate::context::Context;
use crate::error::{Error, Result};
use crate::object::Object;
use crate::values::addons::Addons;
use crate::values::addons::core::{Calico, ChartRelease};

use super::objects::{addon_name, defaults_and_overrides, manifests, release_parts, truthy};

/// The CNI's objects, when `addons.cni.enabled`.
pub fn build(ctx: &Context, addons: &Addons) -> Result<Vec<Object>> {
    let Some(cni) = addons.cni.as_ref().filter(|c| c.enabled == Some(true)) else {
        return Ok(vec![]);
    };
    match cni.kind.as_deref().unwrap_or("calico") {
        "calico" => calico(ctx, &crate::values::section(&cni.calico)),
        "cilium" => cilium(ctx, &crate::values::section(&cni.cilium)),
        other => Err(Error::invalid(
            "addons.cni.type",
            format!("'{other}' is not a supported CNI (expected calico or cilium)"),
        )),
    }
}

/// Whether Cilium replaces kube-proxy: `kubeProxyReplacement` in its release values,
/// true when absent.
pub fn kube_proxy_replacement(values: &Value) -> bool {
    match values.get("kubeProxyReplacement") {
        None => true,
        Some(v) => truthy(v),
    }
}

fn calico(ctx: &Context, c: &Calico) -> Result<Vec<Object>> {
    let defaults = ctx.templates.render("addons/cni-calico", &json!({}))?;
    let (ns, values) = release_parts(c.release.as_ref());
    let mut out =
        defaults_and_overrides(ctx, "cni-calico", c.chart.as_ref(), ns, &defaults, values)?;
    if let Some(policy) = &c.global_network_policy {
        let text = super::calico_policy::manifest_text(
            ctx,
            policy,
            &addon_name(ctx, "deny-egress"),
            &addon_name(ctx, "allow-global-egress"),
        )?;
        out.push(manifests(
            ctx,
            "cni-calico-globalnetpolicy",
            "cni-calico-globalnetpolicy",
            ns,
            "cni-calico-metadata-global-netpolicy",
            vec![text],
        )?);
    }
    if super::objects::monitoring_enabled(ctx) {
        let mut templates = Vec::new();
        for (component, port, app) in [
            ("kube-controllers", 9094, "calico-kube-controllers"),
            ("node", 9091, "calico-node"),
            ("typha", 9093, "calico-typha"),
        ] {
            templates.push(ctx.templates.render(
                "addons/cni-calico-monitoring",
                &json!({"component": component, "port": port, "app": app}),
            )?);
        }
        templates.push(super::gpu::dashboards_config_map(
            ctx,
            "cni-calico-dashboards",
            &[
                ("cni-calico-felix-dashboard.json", "cni-calico-felix"),
                ("cni-calico-typha-dashboard.json", "cni-calico-typha"),
            ],
        )?);
        out.push(manifests(
            ctx,
            "cni-calico-monitoring",
            "cni-calico-monitoring",
            ns,
            "cni-calico-monitoring",
            templates,
        )?);
    }
    Ok(out)
}

fn cilium(ctx: &Context, c: &ChartRelease) -> Result<Vec<Object>> {
    let (ns, values) = release_parts(c.release.as_ref());
    let defaults = ctx.templates.render(
        "addons/cni-cilium",
        &json!({"kubeProxyReplacement": kube_proxy_replacement(values)}),
    )?;
    defaults_and_overrides(ctx, "cni-cilium", c.chart.as_ref(), ns, &defaults, values)
}

#[cfg(test)]
mod examples {
    //! What the items above do, shown on small inputs.

    #[test]
    fn kube_proxy_replacement() {
        assert!(crate::addons::cni::kube_proxy_replacement(
            &serde_json::json!({})
        ));
        assert!(!crate::addons::cni::kube_proxy_replacement(
            &serde_json::json!({"kubeProxyReplacement": false})
        ));
    }
}

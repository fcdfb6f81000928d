//! Cluster basics: metrics-server, etcd defragmentation and the CephFS CSI driver.

use serde_json::json;

use crate::context::Context;
use crate::error::Result;
use crate::object::Object;
use crate::values::addons::Addons;

use super::extras::ADDONS_CHART_VERSION;
use super::objects::{defaults_and_overrides, overrides_only, release_parts};

/// metrics-server, etcd-defrag and CephFS CSI, when enabled.
pub fn build(ctx: &Context, addons: &Addons) -> Result<Vec<Object>> {
    let mut out = Vec::new();
    if let Some(ms) = addons.metrics_server.as_ref().filter(|a| a.is_enabled()) {
        let defaults = ctx.templates.render("addons/metrics-server", &json!({}))?;
        let (ns, values) = release_parts(ms.release.as_ref());
        out.extend(defaults_and_overrides(
            ctx,
            "metrics-server",
            ms.chart.as_ref(),
            ns,
            &defaults,
            values,
        )?);
    }
    if let Some(ed) = addons.etcd_defrag.as_ref().filter(|a| a.is_enabled()) {
        // The chart of etcd-defrag is versioned with the addon catalogue.
        let mut chart = ed.chart.clone().unwrap_or_default();
        if chart.version.as_deref().is_none_or(str::is_empty) {
            chart.version = Some(ADDONS_CHART_VERSION.to_string());
        }
        let chart = json!({"repo": chart.repo, "name": chart.name, "version": chart.version});
        let (ns, values) = release_parts(ed.release.as_ref());
        out.extend(overrides_only(ctx, "etcd-defrag", chart, ns, values)?);
    }
    if let Some(ceph) = addons
        .csi
        .as_ref()
        .and_then(|c| c.cephfs.as_ref())
        .filter(|a| a.is_enabled())
    {
        let defaults = ctx.templates.render("addons/csi-cephfs", &json!({}))?;
        let (ns, values) = release_parts(ceph.release.as_ref());
        out.extend(defaults_and_overrides(
            ctx,
            "csi-cephfs",
            ceph.chart.as_ref(),
            ns,
            &defaults,
            values,
        )?);
    }
    Ok(out)
}

//! Which machines a change replaces, adds or removes, following Cluster API's rules:
//!
//! * a `MachineDeployment` replaces its machines when its machine template
//!   (`spec.template`) changes, except for the fields Cluster API updates in place:
//!   the template's labels and annotations, `nodeDrainTimeout`,
//!   `nodeDeletionTimeout`, `nodeVolumeDetachTimeout`, `readinessGates`, and the
//!   version part of the template references' `apiVersion`. An infrastructure or
//!   bootstrap template that changes name is a change of the machine template.
//! * a `KubeadmControlPlane` replaces its machines when `spec.version`,
//!   `spec.kubeadmConfigSpec`, `spec.rolloutAfter` or the infrastructure template
//!   (`spec.machineTemplate.infrastructureRef`) changes; `replicas`, the machine
//!   template's metadata and timeouts are updated in place.
//! * `spec.replicas` adds or removes machines without replacing the others; a node
//!   group without `replicas` is sized by the cluster autoscaler.

use serde::Serialize;
use serde_json::{Map, Value};

use super::normalize::{at, group_of, str_at};

/// The machines of the control plane or of one node group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MachineSetRollout {
    /// `control-plane`, or the node group's name.
    pub role: String,
    /// The object that owns the machines, e.g. `MachineDeployment/demo-md-0`.
    pub object: String,
    /// What happens to the set as a whole.
    pub change: SetChange,
    /// Whether existing machines are replaced by new ones (a rolling update).
    pub replaces_machines: bool,
    /// Why machines are replaced, one line per cause (empty when they are not).
    pub reasons: Vec<String>,
    /// Machines wanted before (`None`: left to the cluster autoscaler, or no set).
    pub machines_before: Option<u64>,
    /// Machines wanted after.
    pub machines_after: Option<u64>,
}

/// What happens to a set of machines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SetChange {
    /// A new node group: its machines are created.
    Added,
    /// The node group goes away: its machines are deleted.
    Removed,
    /// The set stays; see `replaces_machines` and the machine counts.
    Updated,
}

impl MachineSetRollout {
    /// One line for people, e.g. `node group md-0: replaces its machines (…)`.
    ///
    /// ```
    /// use capiform::diff::{MachineSetRollout, SetChange};
    /// let r = MachineSetRollout { role: "md-1".into(), object: "MachineDeployment/demo-md-1".into(),
    ///     change: SetChange::Updated, replaces_machines: false, reasons: vec![],
    ///     machines_before: Some(2), machines_after: Some(4) };
    /// assert_eq!(r.summary(), "node group md-1: 2 -> 4 machines (2 added); no machine is replaced");
    /// ```
    pub fn summary(&self) -> String {
        let who = if self.role == "control-plane" {
            "control plane".to_string()
        } else {
            format!("node group {}", self.role)
        };
        let count = |n: Option<u64>| n.map_or("autoscaled".to_string(), |n| n.to_string());
        match self.change {
            SetChange::Added => format!(
                "{who}: new, {} machines created",
                count(self.machines_after)
            ),
            SetChange::Removed => format!("{who}: removed, its machines are deleted"),
            SetChange::Updated => {
                let mut parts = Vec::new();
                if self.machines_before != self.machines_after {
                    let delta = match (self.machines_before, self.machines_after) {
                        (Some(b), Some(a)) if a > b => format!(" ({} added)", a - b),
                        (Some(b), Some(a)) => format!(" ({} removed)", b - a),
                        (_, None) => " (from now on sized by the cluster autoscaler)".into(),
                        (None, Some(_)) => " (no longer sized by the cluster autoscaler)".into(),
                    };
                    parts.push(format!(
                        "{} -> {} machines{delta}",
                        count(self.machines_before),
                        count(self.machines_after)
                    ));
                }
                if self.replaces_machines {
                    parts.push(format!(
                        "replaces its machines: {}",
                        self.reasons.join("; ")
                    ));
                } else {
                    parts.push("no machine is replaced".into());
                }
                format!("{who}: {}", parts.join("; "))
            }
        }
    }
}

/// The machine sets of one side, by role.
struct Sets<'a> {
    control_plane: Option<&'a Value>,
    node_groups: Vec<(String, &'a Value)>,
}

fn sets<'a>(objects: &[&'a Value]) -> Sets<'a> {
    let mut out = Sets {
        control_plane: None,
        node_groups: Vec::new(),
    };
    for o in objects {
        match str_at(o, &["kind"]) {
            "KubeadmControlPlane" => out.control_plane = Some(o),
            "MachineDeployment" => out.node_groups.push((node_group_name(o), o)),
            _ => {}
        }
    }
    out
}

/// The node group of a `MachineDeployment`: its `…/node-group` label, else its name.
fn node_group_name(md: &Value) -> String {
    at(md, &["metadata", "labels"])
        .and_then(Value::as_object)
        .and_then(|labels| {
            labels
                .iter()
                .find(|(k, _)| k.ends_with("/node-group"))
                .and_then(|(_, v)| v.as_str())
        })
        .map_or_else(
            || str_at(md, &["metadata", "name"]).to_string(),
            str::to_string,
        )
}

fn replicas(o: &Value) -> Option<u64> {
    at(o, &["spec", "replicas"]).and_then(|r| {
        r.as_u64().or_else(|| {
            r.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                .map(|f| f as u64)
        })
    })
}

/// What happens to the control plane's and the node groups' machines when `before`
/// becomes `after` (normalized objects of both sides). A template that keeps its name
/// but changes content replaces no machine: an OpenStackMachineTemplate refuses such a
/// change (see the refusals), and a changed KubeadmConfigTemplate only reaches machines
/// created later.
/// A machine set on both sides: its rollout, when it replaces machines or changes their
/// number (else nothing to report).
fn updated(
    role: String,
    object: String,
    reasons: Vec<String>,
    before: &Value,
    after: &Value,
) -> Option<MachineSetRollout> {
    let entry = MachineSetRollout {
        role,
        object,
        change: SetChange::Updated,
        replaces_machines: !reasons.is_empty(),
        reasons,
        machines_before: replicas(before),
        machines_after: replicas(after),
    };
    (entry.replaces_machines || entry.machines_before != entry.machines_after).then_some(entry)
}

pub(crate) fn machine_rollouts(before: &[&Value], after: &[&Value]) -> Vec<MachineSetRollout> {
    let (b, a) = (sets(before), sets(after));
    let mut out = Vec::new();
    if let (Some(bk), Some(ak)) = (b.control_plane, a.control_plane) {
        out.extend(updated(
            "control-plane".into(),
            format!("KubeadmControlPlane/{}", str_at(ak, &["metadata", "name"])),
            control_plane_reasons(bk, ak),
            bk,
            ak,
        ));
    }
    for (name, amd) in &a.node_groups {
        let object = format!("MachineDeployment/{}", str_at(amd, &["metadata", "name"]));
        match b.node_groups.iter().find(|(n, _)| n == name) {
            None => out.push(MachineSetRollout {
                role: name.clone(),
                object,
                change: SetChange::Added,
                replaces_machines: false,
                reasons: Vec::new(),
                machines_before: None,
                machines_after: replicas(amd),
            }),
            Some((_, bmd)) => out.extend(updated(
                name.clone(),
                object,
                node_group_reasons(bmd, amd),
                bmd,
                amd,
            )),
        }
    }
    for (name, bmd) in &b.node_groups {
        if !a.node_groups.iter().any(|(n, _)| n == name) {
            out.push(MachineSetRollout {
                role: name.clone(),
                object: format!("MachineDeployment/{}", str_at(bmd, &["metadata", "name"])),
                change: SetChange::Removed,
                replaces_machines: false,
                reasons: Vec::new(),
                machines_before: replicas(bmd),
                machines_after: None,
            });
        }
    }
    out
}

/// A template reference as Cluster API compares it: API group, kind and name (a
/// v1beta1 reference names the group in its `apiVersion`, a v1beta2 one in `apiGroup`).
fn reference(r: Option<&Value>) -> Option<(String, String, String)> {
    let r = r?;
    let group = match r.get("apiGroup").and_then(Value::as_str) {
        Some(group) => group,
        None => group_of(str_at(r, &["apiVersion"])),
    };
    Some((
        group.to_string(),
        str_at(r, &["kind"]).to_string(),
        str_at(r, &["name"]).to_string(),
    ))
}

fn changed_reference(label: &str, before: Option<&Value>, after: Option<&Value>) -> Option<String> {
    let (b, a) = (reference(before), reference(after));
    if b == a {
        return None;
    }
    let show = |r: &Option<(String, String, String)>| {
        r.as_ref().map_or("none".to_string(), |(_, kind, name)| {
            format!("{kind}/{name}")
        })
    };
    Some(format!("{label} {} -> {}", show(&b), show(&a)))
}

fn changed_scalar(label: &str, before: Option<&Value>, after: Option<&Value>) -> Option<String> {
    if before == after {
        return None;
    }
    let show = |v: Option<&Value>| match v {
        None => "unset".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    Some(format!("{label} {} -> {}", show(before), show(after)))
}

/// Why a `MachineDeployment` replaces its machines (empty: it does not).
fn node_group_reasons(before: &Value, after: &Value) -> Vec<String> {
    let spec = |md: &Value| {
        at(md, &["spec", "template", "spec"])
            .cloned()
            .unwrap_or(Value::Null)
    };
    let (bs, as_) = (spec(before), spec(after));
    let mut reasons = Vec::new();
    let infra = ["infrastructureRef"];
    let boot = ["bootstrap", "configRef"];
    reasons.extend(changed_scalar(
        "version",
        bs.get("version"),
        as_.get("version"),
    ));
    reasons.extend(changed_reference(
        "infrastructure template",
        at(&bs, &infra),
        at(&as_, &infra),
    ));
    reasons.extend(changed_reference(
        "bootstrap template",
        at(&bs, &boot),
        at(&as_, &boot),
    ));
    reasons.extend(changed_scalar(
        "failure domain",
        bs.get("failureDomain"),
        as_.get("failureDomain"),
    ));
    if reasons.is_empty() && rollout_fields(&bs) != rollout_fields(&as_) {
        reasons.push("machine template (spec.template.spec) changed".into());
    }
    reasons
}

/// A machine template spec without the fields Cluster API updates in place.
fn rollout_fields(spec: &Value) -> Value {
    let mut s = spec.clone();
    if let Value::Object(m) = &mut s {
        // v1beta1 and v1beta2 (`deletion` holds the timeouts, `minReadySeconds` moved
        // into the machine spec, `taints` are new): what Cluster API's
        // MachineTemplateUpToDate leaves out as propagated in place.
        for field in [
            "clusterName",
            "nodeDrainTimeout",
            "nodeDeletionTimeout",
            "nodeVolumeDetachTimeout",
            "readinessGates",
            "deletion",
            "minReadySeconds",
            "taints",
        ] {
            m.remove(field);
        }
        for path in [&["infrastructureRef"][..], &["bootstrap", "configRef"][..]] {
            if let Some(Value::Object(r)) = at_mut(m, path)
                && r.contains_key("apiVersion")
            {
                let group =
                    group_of(r.get("apiVersion").and_then(Value::as_str).unwrap_or("")).to_string();
                r.insert("apiVersion".into(), Value::String(group));
                r.remove("namespace");
            }
        }
    }
    s
}

fn at_mut<'a>(m: &'a mut Map<String, Value>, path: &[&str]) -> Option<&'a mut Value> {
    let (first, rest) = path.split_first()?;
    rest.iter()
        .try_fold(m.get_mut(*first)?, |v, k| v.get_mut(*k))
}

/// Why a `KubeadmControlPlane` replaces its machines (empty: it does not).
fn control_plane_reasons<'a>(before: &'a Value, after: &'a Value) -> Vec<String> {
    let mut reasons = Vec::new();
    reasons.extend(changed_scalar(
        "version",
        at(before, &["spec", "version"]),
        at(after, &["spec", "version"]),
    ));
    // v1beta2 keeps the reference under machineTemplate.spec.
    let infra = |o: &'a Value| {
        at(o, &["spec", "machineTemplate", "spec", "infrastructureRef"])
            .or_else(|| at(o, &["spec", "machineTemplate", "infrastructureRef"]))
    };
    reasons.extend(changed_reference(
        "infrastructure template",
        infra(before),
        infra(after),
    ));
    if at(before, &["spec", "kubeadmConfigSpec"]) != at(after, &["spec", "kubeadmConfigSpec"]) {
        reasons.push("kubeadm configuration (spec.kubeadmConfigSpec) changed".into());
    }
    let rollout_after = |o: &'a Value| {
        at(o, &["spec", "rollout", "after"]).or_else(|| at(o, &["spec", "rolloutAfter"]))
    };
    reasons.extend(changed_scalar(
        "rolloutAfter",
        rollout_after(before),
        rollout_after(after),
    ));
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn md(name: &str, replicas: Option<u64>, infra: &str, extra: Value) -> Value {
        let mut spec = json!({
            "clusterName": "demo",
            "version": "v1.31.4",
            "nodeDrainTimeout": "5m0s",
            "infrastructureRef": {"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1",
                "kind": "OpenStackMachineTemplate", "name": infra},
            "bootstrap": {"configRef": {"apiVersion": "bootstrap.cluster.x-k8s.io/v1beta1",
                "kind": "KubeadmConfigTemplate", "name": format!("demo-{name}-kct")}},
        });
        if let (Value::Object(s), Value::Object(e)) = (&mut spec, extra) {
            s.extend(e);
        }
        let mut o = json!({"apiVersion": "cluster.x-k8s.io/v1beta1", "kind": "MachineDeployment",
            "metadata": {"name": format!("demo-{name}"), "labels": {"x.io/node-group": name}},
            "spec": {"template": {"metadata": {"labels": {"a": "b"}}, "spec": spec}}});
        if let Some(r) = replicas {
            o["spec"]["replicas"] = json!(r);
        }
        o
    }

    fn rollouts(before: &[Value], after: &[Value]) -> Vec<MachineSetRollout> {
        let b: Vec<&Value> = before.iter().collect();
        let a: Vec<&Value> = after.iter().collect();
        machine_rollouts(&b, &a)
    }

    #[test]
    fn in_place_fields_replace_nothing() {
        let b = md("md-0", Some(2), "t1", json!({}));
        let mut a = md("md-0", Some(2), "t1", json!({"nodeDrainTimeout": "10m0s"}));
        a["spec"]["template"]["metadata"]["labels"]["c"] = json!("d");
        a["spec"]["template"]["spec"]["infrastructureRef"]["apiVersion"] =
            json!("infrastructure.cluster.x-k8s.io/v1beta2");
        assert!(rollouts(&[b], &[a]).is_empty());
    }

    #[test]
    fn a_new_infrastructure_template_replaces_machines() {
        let r = rollouts(
            &[md("md-0", Some(2), "t1", json!({}))],
            &[md("md-0", Some(2), "t2", json!({}))],
        );
        assert_eq!(r.len(), 1);
        assert!(r[0].replaces_machines);
        assert_eq!(
            r[0].reasons,
            vec![
                "infrastructure template OpenStackMachineTemplate/t1 -> OpenStackMachineTemplate/t2"
            ]
        );
    }

    #[test]
    fn replicas_add_machines_without_replacing() {
        let r = rollouts(
            &[md("md-0", Some(2), "t1", json!({}))],
            &[md("md-0", Some(5), "t1", json!({}))],
        );
        assert_eq!(
            r[0].summary(),
            "node group md-0: 2 -> 5 machines (3 added); no machine is replaced"
        );
    }

    #[test]
    fn added_and_removed_groups() {
        let r = rollouts(
            &[md("old", Some(1), "t", json!({}))],
            &[md("new", Some(3), "t", json!({}))],
        );
        let lines: Vec<String> = r.iter().map(MachineSetRollout::summary).collect();
        assert_eq!(
            lines,
            vec![
                "node group new: new, 3 machines created",
                "node group old: removed, its machines are deleted"
            ]
        );
    }

    #[test]
    fn other_template_fields_replace_machines() {
        let r = rollouts(
            &[md("md-0", None, "t", json!({}))],
            &[md("md-0", None, "t", json!({"providerSpecificField": 5}))],
        );
        assert_eq!(
            r[0].reasons,
            vec!["machine template (spec.template.spec) changed"]
        );
    }

    #[test]
    fn control_plane_replicas_and_version() {
        let kcp = |v: &str, n: u64| {
            json!({"kind": "KubeadmControlPlane", "metadata": {"name": "demo-control-plane"},
                "spec": {"replicas": n, "version": v, "kubeadmConfigSpec": {}}})
        };
        let r = rollouts(&[kcp("v1.31.4", 3)], &[kcp("v1.31.4", 5)]);
        assert!(!r[0].replaces_machines);
        let r = rollouts(&[kcp("v1.31.4", 3)], &[kcp("v1.32.0", 3)]);
        assert_eq!(
            r[0].summary(),
            "control plane: replaces its machines: version v1.31.4 -> v1.32.0"
        );
    }
}

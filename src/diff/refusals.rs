//! Changes the API server or a provider's admission webhook would refuse, found
//! before they are sent. The rules follow the validating webhooks' `ValidateUpdate`:
//!
//! * `OpenStackCluster` (CAPO, `v1beta1`): the spec is immutable except `identityRef`,
//!   `bastion` (which cannot be removed while enabled), the managed security group
//!   rules and `allowAllInClusterTraffic`, `apiServerLoadBalancer.allowedCIDRs`,
//!   `controlPlaneAvailabilityZones`, `controlPlaneOmitAvailabilityZone`;
//!   `controlPlaneEndpoint` while it has no host; `apiServerFixedIP` and
//!   `apiServerPort` set for the first time with the floating IP disabled;
//!   `apiServerFloatingIP` set to the load balancer's current IP and `network` set to
//!   the current network's ID (both read from the live object's status).
//! * `OpenStackMachineTemplate` (CAPO): `spec.template.spec` is immutable; a changed
//!   template needs a new name.
//! * `KubeadmControlPlane` (Cluster API): only the fields of Cluster API's allow list
//!   change (kubeadm's `clusterConfiguration` apiServer/controllerManager/scheduler/
//!   etcd/dns/imageRepository/featureGates, node registration, files, commands,
//!   users, ntp, disk setup, machine template metadata, infrastructure reference and
//!   timeouts, replicas, version, rollout and remediation settings), and the version
//!   moves at most one minor version up.
//! * `MachineDeployment`, `MachineHealthCheck` (Cluster API): `spec.clusterName` is
//!   immutable.
//! * `Deployment` (API server): `spec.selector` is immutable.

use serde::Serialize;
use serde_json::{Map, Value};

use super::normalize::{at, str_at};

/// A change that would be refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Refusal {
    /// The object, e.g. `OpenStackCluster/demo`.
    pub object: String,
    /// The field, e.g. `spec.externalNetwork` (empty when the whole object is refused).
    pub path: String,
    /// Why it is refused.
    pub reason: String,
    /// Who refuses it: the API server or a provider's webhook.
    pub by: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}: {} ({})", self.object, self.reason, self.by)
        } else {
            write!(
                f,
                "{} {}: {} ({})",
                self.object, self.path, self.reason, self.by
            )
        }
    }
}

const CAPO: &str = "CAPO webhook";
const CAPI: &str = "Cluster API webhook";

/// The refusals of a change of one object. `before_raw`: the object as it was, with its
/// status when it came from the cluster; `before`, `after`: the compared versions.
pub(crate) fn refusals(before_raw: &Value, before: &Value, after: &Value) -> Vec<Refusal> {
    let object = format!(
        "{}/{}",
        str_at(after, &["kind"]),
        str_at(after, &["metadata", "name"])
    );
    let mut out = Vec::new();
    let mut refuse = |path: String, reason: &str, by: &str| {
        out.push(Refusal {
            object: object.clone(),
            path,
            reason: reason.into(),
            by: by.into(),
        })
    };
    let group = super::normalize::group_of(str_at(after, &["apiVersion"]));
    match (group, str_at(after, &["kind"])) {
        ("infrastructure.cluster.x-k8s.io", "OpenStackCluster") => {
            let status = before_raw.get("status").unwrap_or(&Value::Null);
            for (path, reason) in open_stack_cluster(spec(before), spec(after), status) {
                refuse(path, reason, CAPO);
            }
        }
        ("infrastructure.cluster.x-k8s.io", "OpenStackMachineTemplate") => {
            let path = ["spec", "template", "spec"];
            if at(before, &path) != at(after, &path) {
                refuse(
                    "spec.template.spec".into(),
                    "is immutable: a changed machine template needs a new name",
                    CAPO,
                );
            }
        }
        ("controlplane.cluster.x-k8s.io", "KubeadmControlPlane") => {
            let allowed_paths = if str_at(after, &["apiVersion"]).ends_with("/v1beta2") {
                KCP_V1BETA2_ALLOWED
            } else {
                KCP_ALLOWED
            };
            for path in merge_patch_paths(before, after) {
                if !allowed_paths.iter().any(|allowed| allows(allowed, &path)) {
                    refuse(path.join("."), "cannot be modified", CAPI);
                }
            }
            if let Some(reason) = version_skip(
                str_at(before, &["spec", "version"]),
                str_at(after, &["spec", "version"]),
            ) {
                refuse("spec.version".into(), &reason, CAPI);
            }
        }
        ("cluster.x-k8s.io", "MachineDeployment" | "MachineHealthCheck") => {
            let path = ["spec", "clusterName"];
            if at(before, &path) != at(after, &path) {
                refuse("spec.clusterName".into(), "is immutable", CAPI);
            }
        }
        ("apps", "Deployment") => {
            let path = ["spec", "selector"];
            if at(before, &path) != at(after, &path) {
                refuse("spec.selector".into(), "is immutable", "API server");
            }
        }
        _ => {}
    }
    out
}

fn spec(o: &Value) -> Map<String, Value> {
    o.get("spec")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

fn truthy(m: &Map<String, Value>, key: &str) -> bool {
    m.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn unset_or_empty(m: &Map<String, Value>, key: &str) -> bool {
    match m.get(key) {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(_) => false,
    }
}

/// CAPO's `OpenStackCluster` update rule (`v1beta1`): clear what may change on both
/// sides, then every remaining difference is refused.
fn open_stack_cluster(
    mut old: Map<String, Value>,
    mut new: Map<String, Value>,
    status: &Value,
) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    let both = |old: &mut Map<String, Value>, new: &mut Map<String, Value>, key: &str| {
        old.remove(key);
        new.remove(key);
    };
    both(&mut old, &mut new, "identityRef");
    match old.get("controlPlaneEndpoint") {
        None | Some(Value::Null) => {
            new.remove("controlPlaneEndpoint");
        }
        Some(endpoint) if str_at(endpoint, &["host"]).is_empty() => {
            both(&mut old, &mut new, "controlPlaneEndpoint");
        }
        Some(_) => {}
    }
    let floating_ip_disabled = truthy(&old, "disableAPIServerFloatingIP");
    if floating_ip_disabled && unset_or_empty(&old, "apiServerFixedIP") {
        both(&mut old, &mut new, "apiServerFixedIP");
    }
    if floating_ip_disabled && old.get("apiServerPort").is_none() {
        new.remove("apiServerPort");
    }
    let bastion_enabled = old
        .get("bastion")
        .and_then(Value::as_object)
        .is_some_and(|b| b.get("enabled").and_then(Value::as_bool).unwrap_or(true));
    if new.get("bastion").is_none() && bastion_enabled {
        out.push((
            "spec.bastion".to_string(),
            "cannot be removed before disabling it",
        ));
    }
    both(&mut old, &mut new, "bastion");
    if new
        .get("managedSecurityGroups")
        .is_some_and(Value::is_object)
    {
        old.entry("managedSecurityGroups")
            .or_insert_with(|| Value::Object(Map::new()));
        for side in [&mut old, &mut new] {
            if let Some(Value::Object(groups)) = side.get_mut("managedSecurityGroups") {
                for rules in [
                    "allNodesSecurityGroupRules",
                    "controlPlaneNodesSecurityGroupRules",
                    "workerNodesSecurityGroupRules",
                    "allowAllInClusterTraffic",
                ] {
                    groups.remove(rules);
                }
            }
        }
    }
    if old.get("apiServerLoadBalancer").is_some() && new.get("apiServerLoadBalancer").is_some() {
        for side in [&mut old, &mut new] {
            if let Some(Value::Object(lb)) = side.get_mut("apiServerLoadBalancer") {
                lb.remove("allowedCIDRs");
            }
        }
    }
    both(&mut old, &mut new, "controlPlaneAvailabilityZones");
    both(&mut old, &mut new, "controlPlaneOmitAvailabilityZone");
    if let Some(lb_ip) = at(status, &["apiServerLoadBalancer", "ip"]).and_then(Value::as_str) {
        let new_ip = new
            .get("apiServerFloatingIP")
            .and_then(Value::as_str)
            .unwrap_or("");
        if new_ip == lb_ip {
            both(&mut old, &mut new, "apiServerFloatingIP");
        }
    }
    if let Some(network_id) = at(status, &["network", "id"]).and_then(Value::as_str)
        && old.get("network").is_some()
        && new
            .get("network")
            .is_some_and(|n| str_at(n, &["id"]) == network_id)
    {
        both(&mut old, &mut new, "network");
    }
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        if old.get(key) != new.get(key) {
            out.push((format!("spec.{key}"), "cannot be modified"));
        }
    }
    out
}

/// The paths a JSON merge patch from `before` to `after` would set (as Cluster API's
/// KubeadmControlPlane webhook lists them): maps are entered, anything else that
/// differs (scalars, lists, removed keys) is one path.
fn merge_patch_paths(before: &Value, after: &Value) -> Vec<Vec<String>> {
    fn walk(b: &Value, a: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        match (b, a) {
            (Value::Object(bm), Value::Object(am)) => {
                let mut keys: Vec<&String> = bm.keys().chain(am.keys()).collect();
                keys.sort();
                keys.dedup();
                for k in keys {
                    path.push(k.clone());
                    match (bm.get(k), am.get(k)) {
                        (Some(bv), Some(av)) => walk(bv, av, path, out),
                        (None, Some(Value::Object(am2))) if !am2.is_empty() => {
                            walk(&Value::Object(Map::new()), &am[k], path, out)
                        }
                        _ => out.push(path.clone()),
                    }
                    path.pop();
                }
            }
            _ if b == a => {}
            _ => out.push(path.clone()),
        }
    }
    let mut out = Vec::new();
    walk(before, after, &mut Vec::new(), &mut out);
    out
}

/// Cluster API's match of a changed path against an allowed path (`*` allows all below).
fn allows(allowed: &[&str], path: &[String]) -> bool {
    if allowed.is_empty() || path.is_empty() {
        return false;
    }
    for (i, segment) in path.iter().enumerate() {
        match allowed.get(i) {
            None => return false,
            Some(&"*") => return true,
            Some(a) if a != segment => return false,
            Some(_) => {}
        }
    }
    path.len() >= allowed.len()
}

/// The paths of a `KubeadmControlPlane` that may change (Cluster API's allow list).
const KCP_ALLOWED: &[&[&str]] = &[
    &["metadata", "*"],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "etcd",
        "local",
        "imageRepository",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "etcd",
        "local",
        "imageTag",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "etcd",
        "local",
        "extraArgs",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "etcd",
        "local",
        "extraArgs",
        "*",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "etcd",
        "local",
        "dataDir",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "etcd",
        "local",
        "peerCertSANs",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "etcd",
        "local",
        "serverCertSANs",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "etcd",
        "external",
        "endpoints",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "etcd",
        "external",
        "caFile",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "etcd",
        "external",
        "certFile",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "etcd",
        "external",
        "keyFile",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "dns",
        "imageRepository",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "dns",
        "imageTag",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "imageRepository",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "featureGates",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "featureGates",
        "*",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "apiServer",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "apiServer",
        "*",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "controllerManager",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "controllerManager",
        "*",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "scheduler",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "scheduler",
        "*",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "initConfiguration",
        "nodeRegistration",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "initConfiguration",
        "nodeRegistration",
        "*",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "initConfiguration",
        "patches",
        "directory",
    ],
    &["spec", "kubeadmConfigSpec", "initConfiguration", "patches"],
    &[
        "spec",
        "kubeadmConfigSpec",
        "initConfiguration",
        "skipPhases",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "initConfiguration",
        "bootstrapTokens",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "initConfiguration",
        "localAPIEndpoint",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "initConfiguration",
        "localAPIEndpoint",
        "*",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "joinConfiguration",
        "nodeRegistration",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "joinConfiguration",
        "nodeRegistration",
        "*",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "joinConfiguration",
        "patches",
        "directory",
    ],
    &["spec", "kubeadmConfigSpec", "joinConfiguration", "patches"],
    &[
        "spec",
        "kubeadmConfigSpec",
        "joinConfiguration",
        "skipPhases",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "joinConfiguration",
        "caCertPath",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "joinConfiguration",
        "controlPlane",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "joinConfiguration",
        "controlPlane",
        "*",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "joinConfiguration",
        "discovery",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "joinConfiguration",
        "discovery",
        "*",
    ],
    &["spec", "kubeadmConfigSpec", "preKubeadmCommands"],
    &["spec", "kubeadmConfigSpec", "postKubeadmCommands"],
    &["spec", "kubeadmConfigSpec", "files"],
    &["spec", "kubeadmConfigSpec", "verbosity"],
    &["spec", "kubeadmConfigSpec", "users"],
    &["spec", "kubeadmConfigSpec", "ntp"],
    &["spec", "kubeadmConfigSpec", "ntp", "*"],
    &["spec", "kubeadmConfigSpec", "ignition"],
    &["spec", "kubeadmConfigSpec", "ignition", "*"],
    &["spec", "kubeadmConfigSpec", "diskSetup"],
    &["spec", "kubeadmConfigSpec", "diskSetup", "*"],
    &["spec", "kubeadmConfigSpec", "format"],
    &["spec", "kubeadmConfigSpec", "mounts"],
    &["spec", "kubeadmConfigSpec", "useExperimentalRetryJoin"],
    &["spec", "machineTemplate", "metadata"],
    &["spec", "machineTemplate", "metadata", "*"],
    &["spec", "machineTemplate", "infrastructureRef", "apiVersion"],
    &["spec", "machineTemplate", "infrastructureRef", "name"],
    &["spec", "machineTemplate", "infrastructureRef", "kind"],
    &["spec", "machineTemplate", "nodeDrainTimeout"],
    &["spec", "machineTemplate", "nodeVolumeDetachTimeout"],
    &["spec", "machineTemplate", "nodeDeletionTimeout"],
    &["spec", "replicas"],
    &["spec", "version"],
    &["spec", "remediationStrategy"],
    &["spec", "remediationStrategy", "*"],
    &["spec", "machineNamingStrategy"],
    &["spec", "machineNamingStrategy", "*"],
    &["spec", "rolloutAfter"],
    &["spec", "rolloutBefore"],
    &["spec", "rolloutBefore", "*"],
    &["spec", "rolloutStrategy"],
    &["spec", "rolloutStrategy", "*"],
];

/// The paths of a v1beta2 `KubeadmControlPlane` that Cluster API's webhook lets an update
/// change (v1.13: its validation runs on the v1beta2 form), `*` for any key below.
const KCP_V1BETA2_ALLOWED: &[&[&str]] = &[
    &["metadata", "*"],
    &["spec", "kubeadmConfigSpec", "clusterConfiguration", "etcd"],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "etcd",
        "*",
    ],
    &["spec", "kubeadmConfigSpec", "clusterConfiguration", "dns"],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "dns",
        "*",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "imageRepository",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "featureGates",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "featureGates",
        "*",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "apiServer",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "apiServer",
        "*",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "controllerManager",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "controllerManager",
        "*",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "scheduler",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "scheduler",
        "*",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "certificateValidityPeriodDays",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "clusterConfiguration",
        "encryptionAlgorithm",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "initConfiguration",
        "nodeRegistration",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "initConfiguration",
        "nodeRegistration",
        "*",
    ],
    &["spec", "kubeadmConfigSpec", "initConfiguration", "patches"],
    &[
        "spec",
        "kubeadmConfigSpec",
        "initConfiguration",
        "patches",
        "directory",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "initConfiguration",
        "skipPhases",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "initConfiguration",
        "bootstrapTokens",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "initConfiguration",
        "localAPIEndpoint",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "initConfiguration",
        "localAPIEndpoint",
        "*",
    ],
    &["spec", "kubeadmConfigSpec", "initConfiguration", "timeouts"],
    &[
        "spec",
        "kubeadmConfigSpec",
        "initConfiguration",
        "timeouts",
        "*",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "joinConfiguration",
        "nodeRegistration",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "joinConfiguration",
        "nodeRegistration",
        "*",
    ],
    &["spec", "kubeadmConfigSpec", "joinConfiguration", "patches"],
    &[
        "spec",
        "kubeadmConfigSpec",
        "joinConfiguration",
        "patches",
        "directory",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "joinConfiguration",
        "skipPhases",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "joinConfiguration",
        "caCertPath",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "joinConfiguration",
        "controlPlane",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "joinConfiguration",
        "controlPlane",
        "*",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "joinConfiguration",
        "discovery",
    ],
    &[
        "spec",
        "kubeadmConfigSpec",
        "joinConfiguration",
        "discovery",
        "*",
    ],
    &["spec", "kubeadmConfigSpec", "joinConfiguration", "timeouts"],
    &[
        "spec",
        "kubeadmConfigSpec",
        "joinConfiguration",
        "timeouts",
        "*",
    ],
    &["spec", "kubeadmConfigSpec", "bootCommands"],
    &["spec", "kubeadmConfigSpec", "preKubeadmCommands"],
    &["spec", "kubeadmConfigSpec", "postKubeadmCommands"],
    &["spec", "kubeadmConfigSpec", "files"],
    &["spec", "kubeadmConfigSpec", "verbosity"],
    &["spec", "kubeadmConfigSpec", "users"],
    &["spec", "kubeadmConfigSpec", "ntp"],
    &["spec", "kubeadmConfigSpec", "ntp", "*"],
    &["spec", "kubeadmConfigSpec", "ignition"],
    &["spec", "kubeadmConfigSpec", "ignition", "*"],
    &["spec", "kubeadmConfigSpec", "diskSetup"],
    &["spec", "kubeadmConfigSpec", "diskSetup", "*"],
    &["spec", "kubeadmConfigSpec", "format"],
    &["spec", "kubeadmConfigSpec", "mounts"],
    &["spec", "machineTemplate", "metadata"],
    &["spec", "machineTemplate", "metadata", "*"],
    &["spec", "machineTemplate", "spec"],
    &["spec", "machineTemplate", "spec", "*"],
    &["spec", "replicas"],
    &["spec", "version"],
    &["spec", "remediation"],
    &["spec", "remediation", "*"],
    &["spec", "machineNaming"],
    &["spec", "machineNaming", "*"],
    &["spec", "rollout"],
    &["spec", "rollout", "*"],
];

/// `(major, minor)` of `v1.31.4` or `1.31.4`.
fn major_minor(version: &str) -> Option<(u64, u64)> {
    let mut parts = version.trim_start_matches('v').split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// Cluster API refuses an upgrade of the control plane by more than one minor version.
fn version_skip(before: &str, after: &str) -> Option<String> {
    let (b, a) = (major_minor(before)?, major_minor(after)?);
    (a.0 > b.0 || (a.0 == b.0 && a.1 >= b.1 + 2)).then(|| {
        format!("cannot move from {before} to {after}: a control plane upgrade moves one minor version at a time")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn osc(spec: Value) -> Value {
        json!({"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1", "kind": "OpenStackCluster",
            "metadata": {"name": "demo"}, "spec": spec})
    }

    fn paths(before: Value, after: Value) -> Vec<String> {
        refusals(&before, &before, &after)
            .into_iter()
            .map(|r| r.path)
            .collect()
    }

    #[test]
    fn open_stack_cluster_mutable_fields() {
        let before = osc(
            json!({"identityRef": {"name": "a"}, "bastion": {"enabled": false},
            "apiServerLoadBalancer": {"enabled": true, "allowedCIDRs": ["10.0.0.0/8"]},
            "controlPlaneAvailabilityZones": ["az1"], "externalNetwork": {"id": "x"}}),
        );
        let after = osc(
            json!({"identityRef": {"name": "b"}, "bastion": {"enabled": true},
            "apiServerLoadBalancer": {"enabled": true, "allowedCIDRs": []},
            "controlPlaneAvailabilityZones": ["az2"], "externalNetwork": {"id": "x"},
            "managedSecurityGroups": {"allNodesSecurityGroupRules": [{"name": "r"}]}}),
        );
        assert_eq!(paths(before, after), Vec::<String>::new());
    }

    #[test]
    fn open_stack_cluster_immutable_fields() {
        let before = osc(json!({"externalNetwork": {"id": "x"}, "bastion": {"enabled": true}}));
        let after = osc(
            json!({"externalNetwork": {"id": "y"}, "apiServerLoadBalancer": {"enabled": false}}),
        );
        assert_eq!(
            paths(before, after),
            vec![
                "spec.bastion",
                "spec.apiServerLoadBalancer",
                "spec.externalNetwork"
            ]
        );
    }

    #[test]
    fn open_stack_cluster_status_allows_pinning_the_current_address_and_network() {
        let mut before = osc(json!({"network": {"filter": {"name": "net"}}}));
        before["status"] =
            json!({"apiServerLoadBalancer": {"ip": "1.2.3.4"}, "network": {"id": "n1"}});
        let after = osc(json!({"apiServerFloatingIP": "1.2.3.4", "network": {"id": "n1"}}));
        assert_eq!(paths(before, after), Vec::<String>::new());
    }

    #[test]
    fn open_stack_cluster_first_fixed_ip() {
        let before = osc(json!({"disableAPIServerFloatingIP": true}));
        let after = osc(
            json!({"disableAPIServerFloatingIP": true, "apiServerFixedIP": "10.0.0.5", "apiServerPort": 443}),
        );
        assert_eq!(paths(before, after), Vec::<String>::new());
        let before = osc(json!({}));
        let after = osc(json!({"apiServerFixedIP": "10.0.0.5"}));
        assert_eq!(paths(before, after), vec!["spec.apiServerFixedIP"]);
    }

    #[test]
    fn machine_template_specs_are_immutable() {
        let t = |flavor: &str| {
            json!({"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1",
            "kind": "OpenStackMachineTemplate", "metadata": {"name": "t"},
            "spec": {"template": {"spec": {"flavor": flavor}}}})
        };
        assert_eq!(paths(t("a"), t("b")), vec!["spec.template.spec"]);
        assert!(paths(t("a"), t("a")).is_empty());
    }

    #[test]
    fn control_plane_allow_list_and_version_skips() {
        let kcp = |version: &str, extra: Value| {
            json!({"apiVersion": "controlplane.cluster.x-k8s.io/v1beta1",
            "kind": "KubeadmControlPlane", "metadata": {"name": "cp", "labels": {"a": version}},
            "spec": {"version": version, "replicas": 3, "kubeadmConfigSpec": {
                "clusterConfiguration": {"apiServer": {"extraArgs": {"a": version}}, "networking": extra}}}})
        };
        assert!(paths(kcp("v1.30.1", json!({})), kcp("v1.31.0", json!({}))).is_empty());
        assert_eq!(
            paths(
                kcp("v1.30.1", json!({})),
                kcp("v1.30.1", json!({"dnsDomain": "x"}))
            ),
            vec!["spec.kubeadmConfigSpec.clusterConfiguration.networking.dnsDomain"]
        );
        assert_eq!(
            paths(kcp("v1.30.1", json!({})), kcp("v1.32.0", json!({}))),
            vec!["spec.version"]
        );
    }

    #[test]
    fn allow_list_matching() {
        let p = |s: &str| s.split('.').map(String::from).collect::<Vec<_>>();
        assert!(allows(&["metadata", "*"], &p("metadata.labels.a")));
        assert!(allows(&["spec", "replicas"], &p("spec.replicas")));
        assert!(!allows(&["spec", "replicas"], &p("spec")));
        assert!(!allows(&["spec", "replicas"], &p("spec.replicas.x")));
    }

    #[test]
    fn deployment_selector() {
        let d = |app: &str| {
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {"selector": {"matchLabels": {"app": app}}}})
        };
        assert_eq!(paths(d("a"), d("b")), vec!["spec.selector"]);
    }
}

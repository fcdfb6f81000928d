//! The `Cluster` and its `OpenStackCluster`.

use crate::FieldError;
use serde_json::{Value, json};

use crate::api::IntoValue;
use crate::api::capi_cluster::{ClusterSpec, ObjectReference};
use crate::api::capo::*;
use crate::error::Result;
use crate::naming;
use crate::object::{Object, ObjectMeta};
use crate::context::Context;
use crate::resources::kubeadm::is_empty;
use crate::resources::machine_template::{
    convert_neutron_filter, credentials_secret_name, repeated_tags,
};

/// API version of the Cluster API core kinds.
pub const CLUSTER_API_VERSION: &str = "cluster.x-k8s.io/v1beta1";
/// API version of `KubeadmControlPlane`.
pub const CONTROL_PLANE_API_VERSION: &str = "controlplane.cluster.x-k8s.io/v1beta1";

/// The two security group rules the OVN load balancer provider needs on workers
/// (NodePorts over TCP and UDP from anywhere).
pub fn ovn_worker_rules() -> Vec<Value> {
    ["tcp", "udp"]
        .iter()
        .map(|proto| {
            json!({
                "name": format!("Worker nodePort {}", proto.to_uppercase()),
                "remoteIPPrefix": "0.0.0.0/0",
                "protocol": proto,
                "direction": "ingress",
                "etherType": "IPv4",
                // float64, as every number of the values is: the user's copy of a rule
                // must compare equal to drop it as a duplicate.
                "portRangeMin": 30000.0,
                "portRangeMax": 32767.0,
            })
        })
        .collect()
}

/// The `Cluster` object.
pub fn cluster(ctx: &Context) -> Result<Object> {
    let name = ctx.cluster_name();
    let mut meta = ObjectMeta::named(&name);
    meta.labels = naming::cluster_labels(ctx.prefix(), &name);
    if let Some(a) = &ctx.values.cluster_annotations {
        meta.annotations
            .extend(a.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    let mut cp_ref = ObjectReference::new(
        CONTROL_PLANE_API_VERSION,
        "KubeadmControlPlane",
        &ctx.component_name("control-plane"),
    );
    cp_ref.namespace = Some(ctx.namespace.to_string());
    let mut infra_ref = ObjectReference::new(INFRASTRUCTURE_API_VERSION, "OpenStackCluster", &name);
    infra_ref.namespace = Some(ctx.namespace.to_string());
    let spec = ClusterSpec {
        cluster_network: ctx
            .values
            .kube_network
            .as_deref()
            .filter(|v| !v.is_null())
            .cloned(),
        control_plane_ref: cp_ref,
        infrastructure_ref: infra_ref,
    };
    Object::from_value(
        CLUSTER_API_VERSION,
        "Cluster",
        meta,
        crate::object::single("spec", spec.into_value()),
    )
}

fn non_empty_list(v: &Option<Vec<Value>>) -> Option<Vec<Value>> {
    v.clone().filter(|l| !l.is_empty())
}

/// Worker rules: the user's, plus the OVN NodePort rules with the OVN provider
/// (duplicates removed, first occurrence kept, as Sprig's `uniq`).
fn worker_rules(user: &Option<Vec<Value>>, ovn: bool) -> Option<Vec<Value>> {
    let mut rules = user.clone().unwrap_or_default();
    if ovn {
        rules.extend(ovn_worker_rules());
        // Numbers compare by value: helm's are all float64, the values checks may hand
        // an integer field over as an integer.
        let mut unique: Vec<Value> = Vec::new();
        let mut seen: Vec<Value> = Vec::new();
        for r in rules {
            let key = crate::helm_compat::go_yaml::as_helm_values(&r);
            if !seen.contains(&key) {
                seen.push(key);
                unique.push(r);
            }
        }
        rules = unique;
    }
    if rules.is_empty() { None } else { Some(rules) }
}

/// The `spec` of the `OpenStackCluster`.
pub fn openstack_cluster_spec(ctx: &Context) -> OpenStackClusterSpec {
    let v = ctx.values;
    let mut spec = OpenStackClusterSpec::new(IdentityRef::openstack(credentials_secret_name(ctx)));
    spec.control_plane_endpoint = v.control_plane_endpoint.clone().filter(|e| !is_empty(e));
    let api = crate::values::section(&v.api_server);
    let ovn = api.load_balancer_provider.as_deref() == Some("ovn");
    if let Some(net) = &v.cluster_networking {
        if net.disable_external_network == Some(true) {
            spec.disable_external_network = Some(true);
        }
        if net.manage_security_groups == Some(true) {
            spec.managed_security_groups = Some(ManagedSecurityGroups {
                allow_all_in_cluster_traffic: net.allow_all_in_cluster_traffic,
                worker_nodes_security_group_rules: worker_rules(
                    &net.worker_nodes_security_group_rules,
                    ovn,
                ),
                // The chart fails on a non-empty list here (it prints the list as a
                // string); capiform renders the rules, as CAPO expects.
                control_plane_nodes_security_group_rules: non_empty_list(
                    &net.control_plane_nodes_security_group_rules,
                ),
            });
        }
        if let Some(id) = net.external_network_id.as_deref().filter(|s| !s.is_empty()) {
            spec.external_network = Some(IdRef { id: id.to_string() });
        }
        if let Some(internal) = &net.internal_network {
            let network = internal.network_filter.as_ref().filter(|f| !is_empty(f));
            let subnet = internal.subnet_filter.as_ref().filter(|f| !is_empty(f));
            if network.is_some() || subnet.is_some() {
                spec.network = network.map(convert_neutron_filter);
                spec.subnets = subnet.map(|s| vec![convert_neutron_filter(s)]);
            } else if let Some(cidr) = internal.node_cidr.clone() {
                let dns = internal
                    .dns_nameservers
                    .clone()
                    .filter(|d| !d.is_empty())
                    .or_else(|| net.dns_nameservers.clone().filter(|d| !d.is_empty()));
                spec.managed_subnets = Some(vec![ManagedSubnet {
                    cidr,
                    dns_nameservers: dns,
                }]);
            }
        }
    }
    if api.enable_load_balancer == Some(true) {
        spec.api_server_load_balancer = Some(ApiServerLoadBalancer {
            enabled: true,
            provider: api.load_balancer_provider.clone().filter(|p| !p.is_empty()),
            allowed_cidrs: api.allowed_cidrs.clone().filter(|c| !c.is_empty()),
        });
    }
    spec.disable_api_server_floating_ip = Some(api.associate_floating_ip != Some(true));
    spec.api_server_floating_ip = api.floating_ip.clone().filter(|s| !s.is_empty());
    spec.api_server_fixed_ip = api.fixed_ip.clone().filter(|s| !s.is_empty());
    spec.api_server_port = api.port;
    if let Some(cp) = &v.control_plane {
        if cp.omit_failure_domain == Some(true) {
            spec.control_plane_omit_availability_zone = Some(true);
        } else if let Some(fd) = cp.failure_domains.clone().filter(|f| !f.is_empty()) {
            spec.control_plane_availability_zones = Some(fd);
        }
    }
    spec
}

/// The `OpenStackCluster` object. It keeps Helm's `resource-policy: keep` annotation:
/// Cluster API deletes it, not the tool that applied it.
pub fn openstack_cluster(ctx: &Context) -> Result<Object> {
    let spec = openstack_cluster_spec(ctx);
    let problems = openstack_cluster_problems(ctx, &spec);
    if !problems.is_empty() {
        return Err(crate::Error::Invalid(problems));
    }
    let name = ctx.cluster_name();
    let mut meta = ObjectMeta::named(&name);
    meta.labels = naming::cluster_labels(ctx.prefix(), &name);
    meta.annotations.insert(
        "helm.sh/resource-policy".into(),
        Value::String("keep".into()),
    );
    Object::from_value(
        INFRASTRUCTURE_API_VERSION,
        "OpenStackCluster",
        meta,
        crate::object::single("spec", spec.into_value()),
    )
}

/// What CAPO's OpenStackCluster CRD would refuse in `spec`, at the values paths it comes
/// from: a security group rule name twice, a tag twice in an internal network filter.
fn openstack_cluster_problems(ctx: &Context, spec: &OpenStackClusterSpec) -> Vec<FieldError> {
    let net = ctx.values.cluster_networking.as_ref();
    let mut problems = Vec::new();
    if let Some(groups) = &spec.managed_security_groups {
        problems.extend(rule_names_once(
            "clusterNetworking.workerNodesSecurityGroupRules",
            net.and_then(|n| n.worker_nodes_security_group_rules.as_deref()),
            groups.worker_nodes_security_group_rules.as_deref(),
        ));
        problems.extend(rule_names_once(
            "clusterNetworking.controlPlaneNodesSecurityGroupRules",
            net.and_then(|n| n.control_plane_nodes_security_group_rules.as_deref()),
            groups.control_plane_nodes_security_group_rules.as_deref(),
        ));
    }
    if let Some(internal) = net.and_then(|n| n.internal_network.as_ref()) {
        for (key, filter) in [
            ("networkFilter", &internal.network_filter),
            ("subnetFilter", &internal.subnet_filter),
        ] {
            if let Some(f) = filter {
                let path = format!("clusterNetworking.internalNetwork.{key}");
                repeated_tags(f, &path, &mut problems);
            }
        }
    }
    problems
}

/// CAPO keys security group rules by name (a list map): each rendered rule's name must be
/// new. `user` are the rules of the values at `path`, `rendered` the list as rendered (the
/// user's, then with the OVN provider the NodePort rules not already given).
fn rule_names_once(path: &str, user: Option<&[Value]>, rendered: Option<&[Value]>) -> Vec<FieldError> {
    let user = user.unwrap_or_default();
    let name = |r: &Value| r.get("name").and_then(Value::as_str).map(str::to_string);
    // Rendered rules are clones of the user's (some dropped as duplicates with OVN) or the
    // OVN provider's: a problem is reported at the user's rule.
    let in_user = |r: &Value| user.iter().position(|u| u == r);
    let mut problems = Vec::new();
    let rendered = rendered.unwrap_or_default();
    for (i, rule) in rendered.iter().enumerate() {
        let Some(n) = name(rule) else { continue };
        let Some(first) = rendered[..i].iter().position(|r| name(r).as_deref() == Some(&n)) else {
            continue;
        };
        let (at, message) = match (in_user(rule), in_user(&rendered[first])) {
            (Some(at), Some(earlier)) => (at, format!("the name \"{n}\" is given twice (first at {path}[{earlier}]): CAPO's OpenStackCluster keys security group rules by name; give each rule its own name")),
            (_, earlier) => (earlier.unwrap_or(first), format!("the name \"{n}\" is the name of a rule the OVN load balancer provider adds (NodePorts 30000-32767 from anywhere) with other settings: CAPO's OpenStackCluster keys security group rules by name; rename the rule, or give it exactly as the provider's")),
        };
        problems.push(FieldError::new(format!("{path}[{at}]"), message));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ovn_rules_are_added_once() {
        let user = Some(ovn_worker_rules()[..1].to_vec());
        let rules = worker_rules(&user, true).unwrap();
        assert_eq!(rules.len(), 2);
        assert!(worker_rules(&None, false).is_none());
        assert_eq!(worker_rules(&None, true).unwrap(), ovn_worker_rules());
    }
}

#[cfg(test)]
mod examples {
    //! What the items above do, shown on small inputs.

    #[test]
    fn ovn_worker_rules() {
        assert_eq!(crate::resources::cluster::ovn_worker_rules().len(), 2);
    }
}

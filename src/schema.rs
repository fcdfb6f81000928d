//! The versioned JSON Schema of the values, and the structural check built on it.
//!
//! The schema is generated from the Rust types of [`crate::values`] (schemars), then
//! enriched with what the types alone do not say: allowed enum values, numeric ranges,
//! patterns and formats (CIDR, IP address, Kubernetes version). The checked-in copy is
//! `schemas/values.v1.json`; a test fails when it drifts from the types.
//!
//! [`check`] walks a merged values tree against the schema and reports *every* problem
//! with its path, including unknown keys with a "did you mean" suggestion. Keys whose
//! values are free-form by design (`extraArgs`, `kubeadmConfigSpec`, addon `values`,
//! annotations, labels …) accept anything.

use std::sync::OnceLock;

use serde_json::{Map, Value, json};

use crate::error::FieldError;

pub mod formats;

/// Values schema versions this engine knows.
pub const SCHEMA_VERSIONS: &[&str] = &["v1"];

/// The pattern node group names must match (the chart's rule).
pub const NODE_GROUP_NAME_PATTERN: &str = "^[a-z][a-z0-9-]+[a-z0-9]$";

/// The JSON Schema of a values schema version (`v1`), or `None` for an unknown version.
///
/// ```
/// let s = capiform::schema::values_schema("v1").unwrap();
/// assert_eq!(s["properties"]["osDistro"]["enum"], serde_json::json!(["ubuntu", "flatcar", null]));
/// assert!(capiform::schema::values_schema("v9").is_none());
/// ```
pub fn values_schema(version: &str) -> Option<&'static Value> {
    // The checked-in schema is embedded (parsing it is much cheaper than generating it at
    // every start); a test keeps it equal to what the types generate.
    static V1: OnceLock<Value> = OnceLock::new();
    match version {
        "v1" => {
            Some(V1.get_or_init(|| serde_json::from_str(V1_TEXT).unwrap_or_else(|_| generate_v1())))
        }
        _ => None,
    }
}

const V1_TEXT: &str = include_str!("../schemas/values.v1.json");

/// A schema compiled into the binary (build.rs writes the v1 check schema this way):
/// a JSON value made of static data, so checking values needs no parsing at start-up.
/// Mappings keep their keys sorted.
///
/// ```
/// use capiform::schema::Node;
/// static S: Node = Node::Obj(&[("type", Node::Str("string"))]);
/// assert!(matches!(S, Node::Obj(_)));
/// ```
#[derive(Debug)]
pub enum Node {
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// Any other number.
    Num(f64),
    /// A string.
    Str(&'static str),
    /// A list.
    Arr(&'static [Node]),
    /// A mapping, keys sorted.
    Obj(&'static [(&'static str, Node)]),
}

include!(concat!(env!("OUT_DIR"), "/values.v1.check.rs"));

/// The schema [`check`] walks: [`values_schema`] without descriptions, titles and
/// examples, compiled into the binary (same validation, nothing to read at start-up).
///
/// ```
/// assert!(capiform::schema::compiled_schema("v1").is_some());
/// ```
pub fn compiled_schema(version: &str) -> Option<&'static Node> {
    check_schema(version)
}

fn check_schema(version: &str) -> Option<&'static Node> {
    match version {
        "v1" => Some(&V1_CHECK_NODE),
        _ => None,
    }
}

/// The schema as pretty JSON with a final newline (the content of `schemas/values.v1.json`).
///
/// ```
/// assert!(capiform::schema::values_schema_text("v1").unwrap().starts_with('{'));
/// ```
pub fn values_schema_text(version: &str) -> Option<String> {
    match version {
        "v1" => Some(V1_TEXT.to_string()),
        _ => None,
    }
}

/// Generate the schema of a version from the Rust types (what `schemas/values.<v>.json`
/// must hold; `UPDATE_SCHEMA=1 cargo test --test schema` rewrites the file).
///
/// ```
/// let generated = capiform::schema::generate("v1").unwrap();
/// assert_eq!(&generated, capiform::schema::values_schema("v1").unwrap());
/// ```
pub fn generate(version: &str) -> Option<Value> {
    match version {
        "v1" => Some(generate_v1()),
        _ => None,
    }
}

/// [`generate`] as pretty JSON with a final newline.
///
/// ```
/// assert!(capiform::schema::generate_text("v1").unwrap().ends_with("}\n"));
/// ```
pub fn generate_text(version: &str) -> Option<String> {
    generate(version).map(|s| format!("{}\n", serde_json::to_string_pretty(&s).unwrap_or_default()))
}

/// A constraint added to a property of a schema definition.
type Enrichment = (&'static str, &'static str, fn() -> Value);

/// The rule of a field that lands in an int32 of a Kubernetes object.
fn int32_rule(min: i64, lands_in: &str) -> Value {
    json!({"minimum": min, "format": "int32", "x-lands-in": lands_in})
}

/// A string checked with the rule its reader applies (see [`formats`]).
fn checked(format: &str, rule: &str) -> Value {
    json!({"type": ["string", "null"], "format": format, "x-rule": rule})
}

/// A list of strings, each checked with the rule its reader applies.
fn checked_items(format: &str, rule: &str) -> Value {
    json!({"items": {"type": "string", "format": format, "x-rule": rule}})
}

const POD_CIDR_RULE: &str = "Cluster API's Cluster webhook (spec.clusterNetwork.pods.cidrBlocks) and kubeadm (networking.podSubnet) take an IPv4 or IPv6 CIDR such as 172.16.0.0/13";
const SERVICE_CIDR_RULE: &str = "Cluster API's Cluster webhook (spec.clusterNetwork.services.cidrBlocks) and kubeadm (networking.serviceSubnet) take an IPv4 or IPv6 CIDR such as 172.24.0.0/13";
const DURATION_RULE: &str =
    "Cluster API reads it as a Go duration (metav1.Duration) such as 90s, 10m or 1h30m";

/// `kubeNetwork`: the Cluster's `clusterNetwork` and kubeadm's networking section.
fn kube_network_schema() -> Value {
    let cidr_blocks = |rule: &str| {
        json!({"properties": {"cidrBlocks": {
            "type": ["array", "null"],
            "items": {"type": "string", "format": "cidr", "x-rule": rule},
        }}})
    };
    json!({"properties": {
        "pods": cidr_blocks(POD_CIDR_RULE),
        "services": cidr_blocks(SERVICE_CIDR_RULE),
        "serviceDomain": {
            "type": ["string", "null"],
            "format": "dns-subdomain",
            "x-rule": "kubeadm (networking.dnsDomain) takes a DNS subdomain (RFC 1123): lower-case letters, digits, '-' and '.', each part starting and ending with a letter or digit, e.g. cluster.local",
        },
    }})
}

/// A MachineHealthCheck's spec: its durations, and the condition type and status Cluster
/// API takes as strings.
fn health_check_spec_schema() -> Value {
    let text = string_of(
        "Cluster API's MachineHealthCheck (spec.unhealthyConditions[]) takes a string: quote it, e.g. \"False\"",
    );
    json!({"properties": {
        "nodeStartupTimeout": checked("duration", DURATION_RULE),
        "unhealthyConditions": {"items": {"properties": {
            "type": text.clone(),
            "status": text,
            "timeout": checked("duration", DURATION_RULE),
        }}},
    }})
}

/// A string (or nothing) where Cluster API's Go types take a string: a number or boolean
/// the chart copies as it is makes Cluster API's conversion webhook refuse the object.
fn string_of(rule: &str) -> Value {
    json!({"type": ["string", "null"], "x-rule": rule})
}

const KUBEADM_STRING_RULE: &str =
    "Cluster API's KubeadmConfigSpec takes a string here: quote it, e.g. \"0644\" or \"5000\"";

/// A map of command-line arguments whose values Cluster API takes as strings.
fn string_map(rule: &str) -> Value {
    json!({"type": ["object", "null"], "additionalProperties": string_of(rule)})
}

/// The parts of a `kubeadmConfigSpec` (free-form values merged into Cluster API's
/// KubeadmConfigSpec) that Cluster API types as strings; the rest passes as given.
fn kubeadm_config_spec_schema() -> Value {
    let text = string_of(KUBEADM_STRING_RULE);
    let args = string_map(KUBEADM_STRING_RULE);
    let texts = json!({"type": ["array", "null"], "items": text});
    let node_registration = json!({"properties": {
        "name": text,
        "criSocket": text,
        "kubeletExtraArgs": args,
        "ignorePreflightErrors": texts,
        "taints": {"items": {"properties": {"key": text, "value": text, "effect": text}}},
    }});
    json!({"properties": {
        "clusterConfiguration": {"properties": {
            "apiServer": {"properties": {"extraArgs": args, "certSANs": texts}},
            "controllerManager": {"properties": {"extraArgs": args}},
            "scheduler": {"properties": {"extraArgs": args}},
            "etcd": {"properties": {"local": {"properties": {"dataDir": text, "extraArgs": args}}}},
        }},
        "initConfiguration": {"properties": {"nodeRegistration": node_registration}},
        "joinConfiguration": {"properties": {"nodeRegistration": node_registration}},
        "files": {"items": {"properties": {
            "path": text, "owner": text, "permissions": text, "encoding": text, "content": text,
        }}},
        "preKubeadmCommands": texts,
        "postKubeadmCommands": texts,
    }})
}

/// The KubeadmControlPlane's remediation strategy: an int32 and durations.
fn remediation_strategy_schema() -> Value {
    json!({"properties": {
        "maxRetry": {"type": ["integer", "null"], "format": "int32", "x-lands-in": "the KubeadmControlPlane's spec.remediationStrategy.maxRetry"},
        "retryPeriod": checked("duration", DURATION_RULE),
        "minHealthyPeriod": checked("duration", DURATION_RULE),
    }})
}

/// Security group rules of CAPO: the remote prefix and the ports Neutron takes.
fn security_group_rules_schema() -> Value {
    let port = json!({
        "type": ["integer", "null"],
        "minimum": 0,
        "maximum": 65535,
        "x-rule": "CAPO's security group rules take an integer, and Neutron a port from 0 to 65535 (for ICMP, a type or code from 0 to 255)",
    });
    json!({"items": {"properties": {
        "remoteIPPrefix": {
            "type": ["string", "null"],
            "format": "ip-or-cidr",
            "x-rule": "Neutron (through CAPO's security group rules) takes an IP address or a CIDR such as 10.0.0.0/8",
        },
        "portRangeMin": port.clone(),
        "portRangeMax": port,
    }}})
}

/// Container resources: the quantities the API server's Deployment validation takes.
fn resources_schema() -> Value {
    let quantities = json!({"additionalProperties": {
        "format": "quantity",
        "x-rule": "the API server takes a quantity such as 100m, 128Mi or 2Gi (resource.Quantity)",
    }});
    json!({"properties": {"requests": quantities.clone(), "limits": quantities}})
}

fn enrichments() -> Vec<Enrichment> {
    vec![
        (
            "",
            "osDistro",
            || json!({"enum": ["ubuntu", "flatcar", null]}),
        ),
        (
            "",
            "authWebhook",
            || json!({"enum": ["none", "k8s-keystone-auth", "azimuth-authorization-webhook", null]}),
        ),
        (
            "",
            "kubernetesVersion",
            || json!({"format": "kubernetes-version"}),
        ),
        (
            "",
            "projectPrefix",
            || json!({"pattern": "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"}),
        ),
        ("", "kubeNetwork", kube_network_schema),
        ("", "controlPlaneEndpoint", || {
            json!({"properties": {"port": {
                "type": ["integer", "null"],
                "minimum": 1,
                "maximum": 65535,
                "x-rule": "Cluster API takes spec.controlPlaneEndpoint.port from 1 to 65535",
            }}})
        }),
        (
            "ControlPlane",
            "kubernetesVersion",
            || json!({"format": "kubernetes-version"}),
        ),
        ("", "clusterAnnotations", || {
            string_map(
                "the API server takes annotation values as strings: quote it, e.g. \"true\" or \"5\"",
            )
        }),
        (
            "ControlPlane",
            "kubeadmConfigSpec",
            kubeadm_config_spec_schema,
        ),
        ("NodeGroup", "kubeadmConfigSpec", kubeadm_config_spec_schema),
        ("MachineNetworking", "ports", || {
            // CAPO v1beta1's SubnetParam: an ID or a filter. The chart converts a port's
            // v1alpha7 network filter, not its subnets'; an unknown key is dropped by the
            // API server (or refused, with strict field validation).
            json!({"items": {"properties": {"fixedIPs": {"items": {"properties": {"subnet": {
                "type": ["object", "null"],
                "properties": {
                    "id": {"type": ["string", "null"]},
                    "filter": {"type": ["object", "null"]},
                },
                "additionalProperties": false,
                "x-rule": "CAPO's OpenStackMachineTemplate (v1beta1) takes a port's subnet as {id: ID} or {filter: {name: NAME, ...}}; a v1alpha7 filter written here is dropped by the API server",
            }}}}}}})
        }),
        ("Etcd", "extraArgs", || {
            string_map(
                "Cluster API's KubeadmConfigSpec takes etcd's extra arguments as strings: quote it, e.g. \"5000\"",
            )
        }),
        ("ControlPlane", "machineCount", || {
            int32_rule(1, "the KubeadmControlPlane's spec.replicas")
        }),
        (
            "ControlPlane",
            "certificatesExpiryDays",
            || json!({"format": "int32", "x-lands-in": "the KubeadmControlPlane's spec.rolloutBefore.certificatesExpiryDays"}),
        ),
        ("ControlPlane", "nodeDrainTimeout", || {
            checked("duration", DURATION_RULE)
        }),
        ("ControlPlane", "nodeVolumeDetachTimeout", || {
            checked("duration", DURATION_RULE)
        }),
        ("ControlPlane", "nodeDeletionTimeout", || {
            checked("duration", DURATION_RULE)
        }),
        (
            "ControlPlane",
            "remediationStrategy",
            remediation_strategy_schema,
        ),
        (
            "NodeGroup",
            "kubernetesVersion",
            || json!({"format": "kubernetes-version"}),
        ),
        (
            "NodeGroup",
            "name",
            || json!({"pattern": NODE_GROUP_NAME_PATTERN}),
        ),
        ("NodeGroup", "machineCount", || {
            int32_rule(0, "the MachineDeployment's spec.replicas")
        }),
        ("NodeGroup", "machineCountMin", || {
            int32_rule(
                0,
                "the cluster autoscaler's lower bound of the MachineDeployment's spec.replicas",
            )
        }),
        ("NodeGroup", "machineCountMax", || {
            int32_rule(
                0,
                "the cluster autoscaler's upper bound of the MachineDeployment's spec.replicas",
            )
        }),
        ("NodeGroup", "nodeDrainTimeout", || {
            checked("duration", DURATION_RULE)
        }),
        ("NodeGroup", "nodeVolumeDetachTimeout", || {
            checked("duration", DURATION_RULE)
        }),
        ("NodeGroup", "nodeDeletionTimeout", || {
            checked("duration", DURATION_RULE)
        }),
        ("HealthCheck", "spec", health_check_spec_schema),
        ("ApiServer", "port", || {
            json!({"minimum": 1, "maximum": 65535,
                       "x-rule": "Cluster API's Cluster takes spec.clusterNetwork.apiServerPort from 1 to 65535"})
        }),
        (
            "ApiServer",
            "logLevel",
            || json!({"minimum": 0, "maximum": 10}),
        ),
        ("ApiServer", "floatingIP", || {
            checked(
                "ip",
                "CAPO (spec.apiServerFloatingIP) takes an IPv4 or IPv6 address such as 203.0.113.10",
            )
        }),
        ("ApiServer", "fixedIP", || {
            checked(
                "ip",
                "CAPO (spec.apiServerFixedIP) takes an IPv4 or IPv6 address such as 192.168.3.10",
            )
        }),
        ("ApiServer", "allowedCIDRs", || {
            checked_items(
                "ip-or-cidr",
                "Octavia (the load balancer's allowed_cidrs, through CAPO) takes an IP address or a CIDR such as 192.168.3.0/24",
            )
        }),
        (
            "ApiServer",
            "loadBalancerProvider",
            || json!({"examples": ["amphora", "ovn"]}),
        ),
        ("InternalNetwork", "nodeCidr", || {
            checked(
                "cidr",
                "Neutron (the subnet CAPO creates) takes an IPv4 or IPv6 CIDR such as 192.168.3.0/24",
            )
        }),
        ("InternalNetwork", "dnsNameservers", || {
            checked_items(
                "ip",
                "Neutron (the subnet's dns_nameservers) takes IP addresses such as 8.8.8.8",
            )
        }),
        ("ClusterNetworking", "dnsNameservers", || {
            checked_items(
                "ip",
                "Neutron (the subnet's dns_nameservers) takes IP addresses such as 8.8.8.8",
            )
        }),
        (
            "ClusterNetworking",
            "workerNodesSecurityGroupRules",
            security_group_rules_schema,
        ),
        (
            "ClusterNetworking",
            "controlPlaneNodesSecurityGroupRules",
            security_group_rules_schema,
        ),
        ("Oidc", "issuerUrl", || {
            checked(
                "https-url",
                "the API server's --oidc-issuer-url takes an https:// URL such as https://idp.example.org/realms/k8s",
            )
        }),
        ("AzimuthAuthorizationWebhook", "timeout", || {
            checked(
                "duration",
                "the API server's AuthorizationConfiguration reads the webhook timeout as a Go duration such as 10s",
            )
        }),
        ("Autoscaler", "resources", resources_schema),
        (
            "BlockDevice",
            "type",
            || json!({"enum": ["Volume", "Local", null]}),
        ),
        (
            "BlockDevice",
            "size",
            || json!({"minimum": 1, "format": "int64", "x-lands-in": "sizeGiB of a block device of the OpenStackMachineTemplate"}),
        ),
        (
            "RootVolume",
            "diskSize",
            || json!({"minimum": 0, "format": "int64", "x-lands-in": "sizeGiB of the root volume of the OpenStackMachineTemplate"}),
        ),
        (
            "EtcdEncryption",
            "provider",
            || json!({"enum": ["secretbox", "aescbc", "aesgcm", null]}),
        ),
        (
            "AzimuthAuthorizationWebhook",
            "failurePolicy",
            || json!({"enum": ["Deny", "NoOpinion", null]}),
        ),
        (
            "Cni",
            "type",
            || json!({"enum": ["calico", "cilium", null]}),
        ),
        (
            "CniValues",
            "type",
            || json!({"enum": ["calico", "cilium", null]}),
        ),
    ]
}

/// Drop the examples of rustdoc comments (they are for Rust users, not values authors).
fn clean_descriptions(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(d)) = m.get_mut("description") {
                if let Some(i) = d.find("```") {
                    d.truncate(i);
                }
                *d = d.trim().to_string();
            }
            for (_, child) in m.iter_mut() {
                clean_descriptions(child);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(clean_descriptions),
        _ => {}
    }
}

fn generate_v1() -> Value {
    let root = schemars::schema_for!(crate::values::Values);
    let mut schema = serde_json::to_value(root).unwrap_or(Value::Null);
    clean_descriptions(&mut schema);
    for (def, prop, extra) in enrichments() {
        let target = if def.is_empty() {
            schema.get_mut("properties").and_then(|p| p.get_mut(prop))
        } else {
            schema
                .get_mut("definitions")
                .and_then(|d| d.get_mut(def))
                .and_then(|d| d.get_mut("properties"))
                .and_then(|p| p.get_mut(prop))
        };
        if let (Some(Value::Object(target)), Value::Object(extra)) = (target, extra()) {
            for (k, v) in extra {
                target.insert(k, v);
            }
        }
    }
    if let Value::Object(m) = &mut schema {
        m.insert(
            "$id".into(),
            json!("https://capiform.dev/schemas/values.v1.json"),
        );
        m.insert("title".into(), json!("capiform values (schema v1)"));
        m.insert(
            "description".into(),
            json!("Values of a capiform cluster (the openstack-cluster chart's values format). Keys marked free-form are passed through to the rendered objects as given."),
        );
    }
    schema
}

/// Check a merged values tree against the schema of `version`, returning every problem.
///
/// ```
/// let problems = capiform::schema::check("v1", &serde_json::json!({"osDistr": "ubuntu", "apiServer": {"port": "x"}}));
/// let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
/// assert!(text.iter().any(|t| t.starts_with("osDistr: unknown key") && t.contains("did you mean 'osDistro'")));
/// assert!(text.iter().any(|t| t.starts_with("apiServer.port: expected an integer")));
/// ```
pub fn check(version: &str, values: &Value) -> Vec<FieldError> {
    let Some(schema) = check_schema(version) else {
        return vec![FieldError::new(
            "",
            format!("unknown values schema version '{version}'"),
        )];
    };
    walk_all(schema, values, None)
}

/// Check values against a given schema document (one of this module's schemas, or a
/// variant of it), returning every problem. [`check`] is this with the schema of a version.
///
/// ```
/// let schema = capiform::schema::values_schema("v1").unwrap();
/// let problems = capiform::schema::check_against(schema, &serde_json::json!({"osDistro": "arch"}));
/// assert_eq!(problems[0].path, "osDistro");
/// ```
pub fn check_against(schema: &Value, values: &Value) -> Vec<FieldError> {
    walk_all(schema, values, None)
}

/// [`check`] of merged values whose parts not given by the user (`user`: the user's
/// layers merged together) are known to be valid — the defaults of a template set
/// that [`check`]s clean. Only the user's parts are walked; the problems are the same
/// as [`check`] of the whole tree would report.
///
/// ```
/// use serde_json::json;
/// let defaults_ok = json!({"osDistro": "ubuntu", "apiServer": {"port": 6443}});
/// let user = json!({"apiServer": {"port": "x"}});
/// let merged = json!({"osDistro": "ubuntu", "apiServer": {"port": "x"}});
/// let p = capiform::schema::check_user_part("v1", &merged, &user);
/// assert_eq!(p.len(), 1);
/// assert_eq!(p[0].path, "apiServer.port");
/// ```
pub fn check_user_part(version: &str, merged: &Value, user: &Value) -> Vec<FieldError> {
    let Some(schema) = check_schema(version) else {
        return check(version, merged);
    };
    walk_all(schema, merged, Some(user).filter(|u| u.is_object()))
}

/// Every problem of `values` against the root `schema` (`touched`: walk only the user's
/// part, see [`check_user_part`]).
fn walk_all<N: SchemaNode>(schema: &N, values: &Value, touched: Option<&Value>) -> Vec<FieldError> {
    let mut out = Vec::new();
    Walker { root: schema }.walk(values, schema, &P::Root, touched, &mut out);
    out
}

/// What the walker reads of a schema: a JSON value ([`check_against`]) or the schema
/// compiled into the binary ([`Node`], [`check`]).
trait SchemaNode: Sized + 'static {
    /// The schema `true` (accepts anything).
    fn accept_all() -> &'static Self;
    fn get(&self, key: &str) -> Option<&Self>;
    fn as_str(&self) -> Option<&str>;
    fn as_f64(&self) -> Option<f64>;
    fn as_slice(&self) -> Option<&[Self]>;
    fn is_null(&self) -> bool;
    fn is_false(&self) -> bool;
    fn is_object(&self) -> bool;
    /// `true`, or the empty mapping: both accept anything.
    fn accepts_all(&self) -> bool;
    fn keys(&self) -> Vec<&str>;
    /// Whether the values-tree value `v` equals this one (an `enum` entry).
    fn equals(&self, v: &Value) -> bool;
    /// The JSON text, for messages.
    fn json_text(&self) -> String;
}

static ACCEPT_ALL_VALUE: Value = Value::Bool(true);
static ACCEPT_ALL_NODE: Node = Node::Bool(true);

impl SchemaNode for Value {
    fn accept_all() -> &'static Self {
        &ACCEPT_ALL_VALUE
    }
    fn get(&self, key: &str) -> Option<&Self> {
        self.as_object()?.get(key)
    }
    fn as_str(&self) -> Option<&str> {
        Value::as_str(self)
    }
    fn as_f64(&self) -> Option<f64> {
        Value::as_f64(self)
    }
    fn as_slice(&self) -> Option<&[Self]> {
        self.as_array().map(Vec::as_slice)
    }
    fn is_null(&self) -> bool {
        Value::is_null(self)
    }
    fn is_false(&self) -> bool {
        self == &Value::Bool(false)
    }
    fn is_object(&self) -> bool {
        Value::is_object(self)
    }
    fn accepts_all(&self) -> bool {
        self == &Value::Bool(true) || self.as_object().is_some_and(|m| m.is_empty())
    }
    fn keys(&self) -> Vec<&str> {
        self.as_object()
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }
    fn equals(&self, v: &Value) -> bool {
        self == v
    }
    fn json_text(&self) -> String {
        self.to_string()
    }
}

impl SchemaNode for Node {
    fn accept_all() -> &'static Self {
        &ACCEPT_ALL_NODE
    }
    fn get(&self, key: &str) -> Option<&Self> {
        match self {
            Node::Obj(entries) => entries
                .binary_search_by(|(k, _)| (*k).cmp(key))
                .ok()
                .map(|i| &entries[i].1),
            _ => None,
        }
    }
    fn as_str(&self) -> Option<&str> {
        match self {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }
    fn as_f64(&self) -> Option<f64> {
        match self {
            Node::Int(i) => Some(*i as f64),
            Node::Num(n) => Some(*n),
            _ => None,
        }
    }
    fn as_slice(&self) -> Option<&[Self]> {
        match self {
            Node::Arr(items) => Some(items),
            _ => None,
        }
    }
    fn is_null(&self) -> bool {
        matches!(self, Node::Null)
    }
    fn is_false(&self) -> bool {
        matches!(self, Node::Bool(false))
    }
    fn is_object(&self) -> bool {
        matches!(self, Node::Obj(_))
    }
    fn accepts_all(&self) -> bool {
        match self {
            Node::Bool(b) => *b,
            Node::Obj(entries) => entries.is_empty(),
            _ => false,
        }
    }
    fn keys(&self) -> Vec<&str> {
        match self {
            Node::Obj(entries) => entries.iter().map(|(k, _)| *k).collect(),
            _ => Vec::new(),
        }
    }
    fn equals(&self, v: &Value) -> bool {
        self.to_value() == *v
    }
    fn json_text(&self) -> String {
        self.to_value().to_string()
    }
}

impl Node {
    /// The node as a JSON value.
    ///
    /// ```
    /// use capiform::schema::Node;
    /// static S: Node = Node::Obj(&[("enum", Node::Arr(&[Node::Str("a"), Node::Null]))]);
    /// assert_eq!(S.to_value(), serde_json::json!({"enum": ["a", null]}));
    /// ```
    pub fn to_value(&self) -> Value {
        match self {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(*b),
            Node::Int(i) => Value::from(*i),
            Node::Num(n) => Value::from(*n),
            Node::Str(s) => Value::String((*s).to_string()),
            Node::Arr(items) => Value::Array(items.iter().map(Node::to_value).collect()),
            Node::Obj(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| ((*k).to_string(), v.to_value()))
                    .collect(),
            ),
        }
    }
}

struct Walker<'a, N: SchemaNode> {
    root: &'a N,
}

/// A field path, built only when a problem is reported (walking stays allocation-free).
enum P<'a> {
    Root,
    Key(&'a P<'a>, &'a str),
    Index(&'a P<'a>, usize),
}

impl P<'_> {
    fn is_root(&self) -> bool {
        matches!(self, P::Root)
    }

    fn render(&self) -> String {
        match self {
            P::Root => String::new(),
            P::Key(parent, k) => join(&parent.render(), k),
            P::Index(parent, i) => format!("{}[{i}]", parent.render()),
        }
    }
}

fn join(path: &str, key: &str) -> String {
    let simple = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (path.is_empty(), simple) {
        (true, true) => key.to_string(),
        (true, false) => format!("[{key:?}]"),
        (false, true) => format!("{path}.{key}"),
        (false, false) => format!("{path}[{key:?}]"),
    }
}

/// A number as a values author reads it: a whole number without a fraction (helm
/// reads every number of a file as a float64, `1e10` included).
///
/// ```
/// assert_eq!(capiform::schema::number_text(420.0), "420");
/// assert_eq!(capiform::schema::number_text(1e10), "10000000000");
/// assert_eq!(capiform::schema::number_text(1.5), "1.5");
/// ```
pub fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e21 {
        format!("{n:.0}")
    } else {
        n.to_string()
    }
}

/// A value as the schema's messages show it: a string quoted, a number as
/// [`number_text`], a collection by its kind (long texts cut at 60 characters).
///
/// ```
/// assert_eq!(capiform::schema::describe(&serde_json::json!(420.0)), "420");
/// assert_eq!(capiform::schema::describe(&serde_json::json!("x")), "\"x\"");
/// ```
pub fn describe(v: &Value) -> String {
    let s = match v {
        Value::String(s) => format!("{s:?}"),
        Value::Number(n) if n.is_f64() => n.as_f64().map(number_text).unwrap_or_default(),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
        Value::Null => "null".into(),
        other => other.to_string(),
    };
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(57).collect::<String>())
    } else {
        s
    }
}

fn type_matches(t: &str, v: &Value) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        "number" => v.is_number(),
        _ => true,
    }
}

fn type_phrase(types: &[&str]) -> String {
    let words: Vec<&str> = types
        .iter()
        .filter(|t| **t != "null")
        .map(|t| match *t {
            "boolean" => "a boolean (true or false)",
            "string" => "a string",
            "array" => "a list",
            "object" => "a mapping",
            "integer" => "an integer",
            "number" => "a number",
            other => other,
        })
        .collect();
    words.join(" or ")
}

impl<N: SchemaNode> Walker<'_, N> {
    fn resolve<'s>(&'s self, schema: &'s N) -> &'s N {
        let mut s = schema;
        for _ in 0..16 {
            match s.get("$ref").and_then(N::as_str) {
                Some(r) => {
                    let name = r.trim_start_matches("#/definitions/");
                    s = self
                        .root
                        .get("definitions")
                        .and_then(|d| d.get(name))
                        .unwrap_or(N::accept_all());
                }
                None => break,
            }
        }
        s
    }

    /// Check `v` against `schema`. `touched` is the part of the user's values at this
    /// place when only that part needs checking (`None`: check everything below).
    fn walk(
        &self,
        v: &Value,
        schema: &N,
        path: &P<'_>,
        touched: Option<&Value>,
        out: &mut Vec<FieldError>,
    ) {
        let schema = self.resolve(schema);
        if schema.accepts_all() {
            return;
        }
        // anyOf [X, null] / allOf [X]: the shapes schemars emits for optional and documented fields
        if let Some(all) = schema.get("allOf").and_then(N::as_slice) {
            for s in all {
                self.walk(v, s, path, touched, out);
            }
        }
        if let Some(any) = schema.get("anyOf").and_then(N::as_slice) {
            let is_null_schema = |s: &&N| s.get("type").and_then(N::as_str) == Some("null");
            if v.is_null() && any.iter().any(|s| is_null_schema(&s)) {
                return;
            }
            let non_null: Vec<&N> = any.iter().filter(|s| !is_null_schema(s)).collect();
            if non_null.len() == 1 {
                self.walk(v, non_null[0], path, touched, out);
            }
        }
        if let Some(t) = schema.get("type") {
            let types: Vec<&str> = match (t.as_str(), t.as_slice()) {
                (Some(s), _) => vec![s],
                (_, Some(a)) => a.iter().filter_map(N::as_str).collect(),
                _ => vec![],
            };
            if !types.is_empty() && !types.iter().any(|t| type_matches(t, v)) {
                let field = if path.is_root() { "the values" } else { "" };
                let quoted_number = v.as_str().is_some_and(|t| t.trim().parse::<f64>().is_ok())
                    && types.iter().any(|t| matches!(*t, "integer" | "number"));
                let why = match schema.get("x-rule").and_then(N::as_str) {
                    Some(rule) if !quoted_number => format!(" ({rule})"),
                    _ => String::new(),
                };
                out.push(FieldError::new(
                    path.render(),
                    format!(
                        "{field}expected {}, got {}{}{why}",
                        type_phrase(&types),
                        describe(v),
                        if quoted_number {
                            " (a quoted number: write it without quotes)"
                        } else {
                            ""
                        }
                    ),
                ));
                return;
            }
        }
        if let Some(values) = schema.get("enum").and_then(N::as_slice)
            && !values.iter().any(|x| x.equals(v))
        {
            let allowed: Vec<String> = values
                .iter()
                .filter(|x| !x.is_null())
                .map(N::json_text)
                .collect();
            out.push(FieldError::new(
                path.render(),
                format!(
                    "{} is not allowed (expected one of {})",
                    describe(v),
                    allowed.join(", ")
                ),
            ));
        }
        if let Some(n) = v.as_f64() {
            let rule = schema
                .get("x-rule")
                .and_then(N::as_str)
                .map(|r| format!(": {r}"))
                .unwrap_or_default();
            let mut out_of_range = false;
            if let Some(min) = schema.get("minimum").and_then(N::as_f64)
                && n < min
            {
                out_of_range = true;
                out.push(FieldError::new(
                    path.render(),
                    format!(
                        "{} is too small (expected at least {}{rule})",
                        describe(v),
                        number_text(min)
                    ),
                ));
            }
            if let Some(max) = schema.get("maximum").and_then(N::as_f64)
                && n > max
            {
                out_of_range = true;
                out.push(FieldError::new(
                    path.render(),
                    format!(
                        "{} is too large (expected at most {}{rule})",
                        describe(v),
                        number_text(max)
                    ),
                ));
            }
            if let Some(f) = schema.get("format").and_then(N::as_str)
                && let Some((lo, hi)) = formats::integer_range(f)
                && !out_of_range
                && (n < lo || n > hi)
            {
                let lands_in = schema
                    .get("x-lands-in")
                    .and_then(N::as_str)
                    .map(|l| format!("it becomes {l}, "))
                    .unwrap_or_default();
                out.push(FieldError::new(
                    path.render(),
                    format!(
                        "{} is too {}: {lands_in}{}",
                        describe(v),
                        if n < lo { "small" } else { "large" },
                        formats::integer_words(f, n < lo)
                    ),
                ));
            }
        }
        if let Some(s) = v.as_str() {
            if let Some(p) = schema.get("pattern").and_then(N::as_str)
                && !pattern_matches(p, s)
            {
                out.push(FieldError::new(
                    path.render(),
                    match pattern_rule(p) {
                        Some(rule) => format!("{} does not match {p}: {rule}", describe(v)),
                        None => format!("{} does not match {p}", describe(v)),
                    },
                ));
            }
            if let Some(f) = schema.get("format").and_then(N::as_str) {
                let problem = match formats::problem(f, s) {
                    Some(expected) => Some(format!(
                        "{} is not {} ({})",
                        describe(v),
                        expected.noun,
                        schema
                            .get("x-rule")
                            .and_then(N::as_str)
                            .unwrap_or(expected.rule)
                    )),
                    None => check_format(f, s),
                };
                if let Some(problem) = problem {
                    out.push(FieldError::new(path.render(), problem));
                }
            }
        }
        match v {
            Value::Object(map) => self.walk_object(map, schema, path, touched, out),
            Value::Array(items) => {
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.walk(item, item_schema, &P::Index(path, i), None, out);
                    }
                }
            }
            _ => {}
        }
    }

    fn walk_object(
        &self,
        map: &Map<String, Value>,
        schema: &N,
        path: &P<'_>,
        touched: Option<&Value>,
        out: &mut Vec<FieldError>,
    ) {
        let props = schema.get("properties").filter(|p| p.is_object());
        let additional = schema.get("additionalProperties");
        // Below a mapping the user gave, only the keys they gave need checking; below
        // anything else they gave (a list, a scalar replaced by a mapping), everything.
        let touched = touched.and_then(Value::as_object);
        for (k, child) in map {
            let child_touched = match touched {
                Some(t) => match t.get(k) {
                    Some(tc) => Some(tc).filter(|tc| tc.is_object()),
                    None => continue,
                },
                None => None,
            };
            let child_path = P::Key(path, k);
            if let Some(s) = props.and_then(|p| p.get(k)) {
                self.walk(child, s, &child_path, child_touched, out);
                continue;
            }
            match additional {
                Some(s) if s.is_false() => {
                    let known: Vec<&str> = props.map(N::keys).unwrap_or_default();
                    let mut message = unknown_key_message(k, &known);
                    if let Some(rule) = schema.get("x-rule").and_then(N::as_str) {
                        message = format!("{message}: {rule}");
                    }
                    out.push(FieldError::new(child_path.render(), message));
                }
                Some(s) if s.is_object() => self.walk(child, s, &child_path, child_touched, out),
                _ => {}
            }
        }
    }
}

/// The rule of a known pattern in words, for error messages.
fn pattern_rule(pattern: &str) -> Option<&'static str> {
    match pattern {
        NODE_GROUP_NAME_PATTERN => Some(
            "at least 3 characters, lower-case letters, digits and '-', starting with a letter and ending with a letter or digit",
        ),
        "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$" => Some(
            "lower-case letters, digits, '-' and '.', starting and ending with a letter or digit",
        ),
        _ => None,
    }
}

/// The name patterns of the v1 schema ([`NODE_GROUP_NAME_PATTERN`] and DNS-1123
/// subdomains), matched by hand: compiling a regular expression costs more than a whole
/// values check, once per process. Other patterns: `None`.
fn known_pattern(pattern: &str, s: &str) -> Option<bool> {
    let b = s.as_bytes();
    let lower_digit = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    match pattern {
        NODE_GROUP_NAME_PATTERN => Some(
            b.len() >= 3
                && b[0].is_ascii_lowercase()
                && b[1..b.len() - 1]
                    .iter()
                    .all(|c| lower_digit(c) || *c == b'-')
                && lower_digit(&b[b.len() - 1]),
        ),
        "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$" => Some(
            !b.is_empty()
                && lower_digit(&b[0])
                && lower_digit(&b[b.len() - 1])
                && b.iter().all(|c| lower_digit(c) || *c == b'-' || *c == b'.'),
        ),
        _ => None,
    }
}

/// Whether `s` matches the schema pattern `pattern` (a pattern that does not compile
/// matches everything: the schema is ours and a test compiles each of its patterns).
fn pattern_matches(pattern: &str, s: &str) -> bool {
    known_pattern(pattern, s)
        .unwrap_or_else(|| cached_regex(pattern).is_none_or(|re| re.is_match(s)))
}

/// Compiled patterns of the schema, compiled once per process.
fn cached_regex(pattern: &str) -> Option<regex::Regex> {
    use std::collections::BTreeMap;
    use std::sync::Mutex;
    static CACHE: OnceLock<Mutex<BTreeMap<String, Option<regex::Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
    map.entry(pattern.to_string())
        .or_insert_with(|| regex::Regex::new(pattern).ok())
        .clone()
}

fn unknown_key_message(key: &str, known: &[&str]) -> String {
    let best = known
        .iter()
        .map(|k| {
            (
                strsim::jaro_winkler(&key.to_ascii_lowercase(), &k.to_ascii_lowercase()),
                *k,
            )
        })
        .filter(|(score, _)| *score >= 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, k)) => format!("unknown key (did you mean '{k}'?)"),
        None if known.len() <= 12 => {
            let mut names: Vec<&str> = known.to_vec();
            names.sort();
            format!("unknown key (expected one of: {})", names.join(", "))
        }
        None => "unknown key (see the values schema: capiform schema)".to_string(),
    }
}

/// Check a string against one of the schema's custom formats; `None` when it fits.
///
/// ```
/// assert!(capiform::schema::check_format("cidr", "10.0.0.0/24").is_none());
/// assert!(capiform::schema::check_format("cidr", "10.0.0.0/33").is_some());
/// assert!(capiform::schema::check_format("ip-or-cidr", "10.0.0.7").is_none());
/// assert!(capiform::schema::check_format("kubernetes-version", "v1.31.4").is_none());
/// assert!(capiform::schema::check_format("kubernetes-version", "latest").is_some());
/// ```
pub fn check_format(format: &str, s: &str) -> Option<String> {
    match format {
        "ip" => (!formats::is_ip(s)).then(|| format!("{s:?} is not an IP address")),
        "cidr" => (!formats::is_cidr(s))
            .then(|| format!("{s:?} is not a CIDR (expected e.g. 192.168.3.0/24)")),
        // OpenStack takes a bare address where it takes a CIDR (as a /32 or /128).
        "ip-or-cidr" => (!formats::is_ip(s) && !formats::is_cidr(s))
            .then(|| format!("{s:?} is neither an IP address nor a CIDR (expected e.g. 192.168.3.0/24 or 192.168.3.4)")),
        "kubernetes-version" => semver::Version::parse(s.strip_prefix('v').unwrap_or(s))
            .err()
            .map(|_| format!("{s:?} is not a Kubernetes version (expected MAJOR.MINOR.PATCH, e.g. 1.31.4, optionally with a leading v)")),
        other => formats::problem(other, s).map(|e| format!("{s:?} is not {} ({})", e.noun, e.rule)),
    }
}

#[cfg(test)]
mod pattern_tests {
    use super::*;

    /// The hand-written matchers agree with the regular expressions they stand for, on
    /// every short string over an alphabet of the characters that matter.
    #[test]
    fn known_patterns_match_as_their_regular_expressions() {
        let alphabet = ['a', 'z', '0', '9', '-', '.', 'A', '_'];
        let mut words = vec![String::new()];
        let mut frontier = vec![String::new()];
        for _ in 0..5 {
            let mut next = Vec::new();
            for w in &frontier {
                for c in alphabet {
                    next.push(format!("{w}{c}"));
                }
            }
            words.extend(next.iter().cloned());
            frontier = next;
        }
        for pattern in [NODE_GROUP_NAME_PATTERN, "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"] {
            let re = regex::Regex::new(pattern).unwrap();
            for w in &words {
                assert_eq!(
                    known_pattern(pattern, w),
                    Some(re.is_match(w)),
                    "{pattern} {w:?}"
                );
            }
        }
        // Every pattern of the checked-in schema is known or compiles.
        let text = values_schema_text("v1").unwrap();
        for part in text.split("\"pattern\": \"").skip(1) {
            let pattern = part.split('"').next().unwrap().replace("\\\\", "\\");
            assert!(
                known_pattern(&pattern, "x").is_some() || regex::Regex::new(&pattern).is_ok(),
                "{pattern}"
            );
        }
    }
}

//! The typed values model (schema version `v1`): the keys of the `openstack-cluster`
//! chart's values, every one known, unknown keys refused.
//!
//! Free-form areas (kubeadm config specs, extra args, annotations, addon `values`) are
//! `serde_json::Value` or maps of them by design: they are passed through to the
//! objects capiform renders.

use std::collections::BTreeMap;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A free-form map, passed through as given.
pub type FreeMap = BTreeMap<String, Value>;

/// The complete values of a cluster.
///
/// The larger sections (`addons`, `autoscaler`, `etcd`, `kubeNetwork`,
/// `registryMirrors`, `azimuthAuthorizationWebhook`, `nodeGroupDefaults`) are held in an
/// `Arc`: a render whose values leave such a section alone shares the template set's
/// typed section ([`crate::TemplateSet::typed_defaults`]) instead of copying it.
///
/// ```
/// let values: capiform::Values = serde_json::from_value(serde_json::json!({
///     "kubernetesVersion": "1.31.4",
///     "controlPlane": {"machineFlavor": "vm.small"}
/// })).unwrap();
/// assert_eq!(values.kubernetes_version.as_deref(), Some("1.31.4"));
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Values {
    /// Name of an existing Secret holding `clouds.yaml`; when set, no credentials Secret is rendered.
    pub cloud_credentials_secret_name: Option<String>,
    /// The content of a `clouds.yaml` `clouds:` map; the entry named by `cloudName` is used.
    pub clouds: Option<BTreeMap<String, Value>>,
    /// A CA certificate (PEM) for the OpenStack API endpoints.
    #[serde(rename = "cloudCACert")]
    pub cloud_ca_cert: Option<String>,
    /// The entry of `clouds` to use.
    pub cloud_name: Option<String>,
    /// Kubernetes version, e.g. `1.31.4` (a leading `v` is allowed).
    pub kubernetes_version: Option<String>,
    /// Glance image name; may contain `{{ .Values.kubernetesVersion }}`.
    pub machine_image: Option<String>,
    /// Glance image ID (wins over `machineImage`).
    pub machine_image_id: Option<String>,
    /// Nova keypair name injected into every machine.
    #[serde(rename = "machineSSHKeyName")]
    pub machine_ssh_key_name: Option<String>,
    /// Server metadata applied to every machine.
    pub machine_metadata: Option<FreeMap>,
    /// Prefix of the labels and annotations capiform sets (e.g. `capi.stackhpc.com`).
    pub project_prefix: Option<String>,
    /// Annotations of the Cluster object.
    pub cluster_annotations: Option<FreeMap>,
    /// Explicit control plane endpoint for the OpenStackCluster (host and port).
    pub control_plane_endpoint: Option<Value>,
    /// OIDC authentication for the API server.
    pub oidc: Option<Oidc>,
    /// The Cluster's `clusterNetwork` (pod and service CIDRs, service domain).
    pub kube_network: Option<Arc<Value>>,
    /// OpenStack networking of the cluster.
    pub cluster_networking: Option<ClusterNetworking>,
    /// Registry mirrors for containerd: registry -> list of mirror URLs or `{upstream, mirrors}`.
    pub registry_mirrors: Option<Arc<BTreeMap<String, Value>>>,
    /// Registry credentials for containerd: registry -> `{username, password}`.
    pub registry_auth: Option<BTreeMap<String, RegistryAuth>>,
    /// Extra trusted CA certificates (name -> PEM).
    #[serde(rename = "trustedCAs")]
    pub trusted_cas: Option<BTreeMap<String, String>>,
    /// Extra OS packages installed on every node.
    pub additional_packages: Option<Vec<String>>,
    /// etcd configuration.
    pub etcd: Option<Arc<Etcd>>,
    /// API server configuration.
    pub api_server: Option<ApiServer>,
    /// Operating system of the machine images.
    pub os_distro: Option<String>,
    /// Authentication webhook: `none`, `k8s-keystone-auth` or `azimuth-authorization-webhook`.
    pub auth_webhook: Option<String>,
    /// Settings of the Azimuth authorization webhook.
    pub azimuth_authorization_webhook: Option<Arc<AzimuthAuthorizationWebhook>>,
    /// The control plane.
    pub control_plane: Option<ControlPlane>,
    /// Defaults merged beneath every node group.
    #[schemars(with = "Option<NodeGroup>")]
    pub node_group_defaults: Option<Arc<Value>>,
    /// Worker node groups.
    #[schemars(with = "Option<Vec<NodeGroup>>")]
    pub node_groups: Option<Vec<Value>>,
    /// The cluster autoscaler.
    pub autoscaler: Option<Arc<Autoscaler>>,
    /// Cluster addons (CNI, OpenStack integrations, monitoring …).
    pub addons: Option<Arc<crate::values::addons::Addons>>,
}

impl Values {
    /// The values of a render put together from two typed parts: `given`, typed from
    /// the top-level keys the user's layers named, and `defaults`, the template set's
    /// defaults typed once per set. A field whose key `named` reports comes from
    /// `given` (absent there when a layer removed it with `null`); every other field is
    /// the defaults' one, copied (the `Arc` sections are shared, not copied). Helm merges top-level
    /// keys one by one, so this equals typing the whole merged tree.
    pub(crate) fn overlay(
        given: Values,
        defaults: &Values,
        named: impl Fn(&str) -> bool,
    ) -> Values {
        // One line per field: the pattern below lists every field without `..`, so a
        // field added to `Values` must be added here.
        macro_rules! overlay {
            ($($field:ident => $key:literal,)*) => {{
                let Values { $($field),* } = given;
                Values {
                    $($field: if named($key) { $field } else { defaults.$field.clone() },)*
                }
            }};
        }
        overlay! {
            cloud_credentials_secret_name => "cloudCredentialsSecretName",
            clouds => "clouds",
            cloud_ca_cert => "cloudCACert",
            cloud_name => "cloudName",
            kubernetes_version => "kubernetesVersion",
            machine_image => "machineImage",
            machine_image_id => "machineImageId",
            machine_ssh_key_name => "machineSSHKeyName",
            machine_metadata => "machineMetadata",
            project_prefix => "projectPrefix",
            cluster_annotations => "clusterAnnotations",
            control_plane_endpoint => "controlPlaneEndpoint",
            oidc => "oidc",
            kube_network => "kubeNetwork",
            cluster_networking => "clusterNetworking",
            registry_mirrors => "registryMirrors",
            registry_auth => "registryAuth",
            trusted_cas => "trustedCAs",
            additional_packages => "additionalPackages",
            etcd => "etcd",
            api_server => "apiServer",
            os_distro => "osDistro",
            auth_webhook => "authWebhook",
            azimuth_authorization_webhook => "azimuthAuthorizationWebhook",
            control_plane => "controlPlane",
            node_group_defaults => "nodeGroupDefaults",
            node_groups => "nodeGroups",
            autoscaler => "autoscaler",
            addons => "addons",
        }
    }
}

/// OIDC settings of the API server.
///
/// ```
/// let o: capiform::values::Oidc = serde_json::from_value(serde_json::json!({"issuerUrl": "https://id"})).unwrap();
/// assert_eq!(o.issuer_url.as_deref(), Some("https://id"));
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Oidc {
    /// Issuer URL; OIDC is enabled when set.
    pub issuer_url: Option<String>,
    /// Client ID (required with an issuer).
    pub client_id: Option<String>,
    /// Claim used as the user name.
    pub username_claim: Option<String>,
    /// Prefix of user names.
    pub username_prefix: Option<String>,
    /// Claim holding groups.
    pub groups_claim: Option<String>,
    /// Prefix of group names.
    pub groups_prefix: Option<String>,
    /// Accepted signing algorithms.
    pub signing_algs: Option<String>,
}

/// OpenStack networking of the cluster.
///
/// ```
/// let n: capiform::values::ClusterNetworking = serde_json::from_value(serde_json::json!({"externalNetworkId": "abc"})).unwrap();
/// assert_eq!(n.external_network_id.as_deref(), Some("abc"));
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ClusterNetworking {
    /// Do not attach the cluster to an external network.
    pub disable_external_network: Option<bool>,
    /// Let CAPO manage the security groups.
    pub manage_security_groups: Option<bool>,
    /// Allow all traffic between cluster nodes.
    pub allow_all_in_cluster_traffic: Option<bool>,
    /// Extra security group rules for workers.
    pub worker_nodes_security_group_rules: Option<Vec<Value>>,
    /// Extra security group rules for control plane nodes.
    pub control_plane_nodes_security_group_rules: Option<Vec<Value>>,
    /// ID of the external network.
    pub external_network_id: Option<String>,
    /// The internal network: an existing one (filters) or one CAPO creates (`nodeCidr`).
    pub internal_network: Option<InternalNetwork>,
    /// DNS servers of the managed subnet.
    pub dns_nameservers: Option<Vec<String>>,
}

/// The internal network of the cluster.
///
/// ```
/// let n: capiform::values::InternalNetwork = serde_json::from_value(serde_json::json!({"nodeCidr": "10.0.0.0/24"})).unwrap();
/// assert_eq!(n.node_cidr.as_deref(), Some("10.0.0.0/24"));
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct InternalNetwork {
    /// Filter selecting an existing network.
    pub network_filter: Option<Value>,
    /// Filter selecting an existing subnet.
    pub subnet_filter: Option<Value>,
    /// CIDR of the subnet CAPO creates.
    pub node_cidr: Option<String>,
    /// DNS servers of that subnet (defaults to `clusterNetworking.dnsNameservers`).
    pub dns_nameservers: Option<Vec<String>>,
}

/// Credentials of one registry.
///
/// ```
/// let a: capiform::values::RegistryAuth = serde_json::from_value(serde_json::json!({"username": "u", "password": "p"})).unwrap();
/// assert_eq!(a.username, "u");
/// ```
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegistryAuth {
    /// User name.
    pub username: String,
    /// Password (never logged).
    pub password: String,
}

impl std::fmt::Debug for RegistryAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryAuth")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// etcd settings.
///
/// ```
/// let e: capiform::values::Etcd = serde_json::from_value(serde_json::json!({"dataDir": "/var/lib/etcd"})).unwrap();
/// assert_eq!(e.data_dir.as_deref(), Some("/var/lib/etcd"));
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Etcd {
    /// Data directory.
    pub data_dir: Option<String>,
    /// Extra etcd arguments.
    pub extra_args: Option<FreeMap>,
    /// Encryption of Secrets at rest.
    pub encryption: Option<EtcdEncryption>,
    /// A dedicated block device for etcd.
    pub block_device: Option<BlockDevice>,
}

/// Encryption at rest.
///
/// ```
/// let e: capiform::values::EtcdEncryption = serde_json::from_value(serde_json::json!({"enabled": true})).unwrap();
/// assert_eq!(e.enabled, Some(true));
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct EtcdEncryption {
    /// Enable encryption.
    pub enabled: Option<bool>,
    /// Resources to encrypt.
    pub resources: Option<Vec<Value>>,
    /// Encryption provider (e.g. `secretbox`, `aescbc`).
    pub provider: Option<String>,
}

/// A block device attached to machines.
///
/// ```
/// let b: capiform::values::BlockDevice = serde_json::from_value(serde_json::json!({"size": 10})).unwrap();
/// assert_eq!(b.size, Some(10));
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct BlockDevice {
    /// Size in GiB.
    pub size: Option<i64>,
    /// `Volume` (Cinder) or `Local` (ephemeral).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Cinder volume type.
    pub volume_type: Option<String>,
    /// Availability zone of the volume.
    pub availability_zone: Option<String>,
}

/// API server settings.
///
/// ```
/// let a: capiform::values::ApiServer = serde_json::from_value(serde_json::json!({"port": 6443})).unwrap();
/// assert_eq!(a.port, Some(6443));
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ApiServer {
    /// Put a load balancer in front of the API servers.
    pub enable_load_balancer: Option<bool>,
    /// Octavia provider of that load balancer (e.g. `ovn`).
    pub load_balancer_provider: Option<String>,
    /// CIDRs allowed to reach the load balancer.
    #[serde(rename = "allowedCIDRs")]
    pub allowed_cidrs: Option<Vec<String>>,
    /// Associate a floating IP with the API server.
    #[serde(rename = "associateFloatingIP")]
    pub associate_floating_ip: Option<bool>,
    /// A specific floating IP.
    #[serde(rename = "floatingIP")]
    pub floating_ip: Option<String>,
    /// A fixed IP for the API server.
    #[serde(rename = "fixedIP")]
    pub fixed_ip: Option<String>,
    /// API server port.
    pub port: Option<i64>,
    /// API server log level (`-v`).
    pub log_level: Option<i64>,
    /// Admission plugin configurations (plugin name -> configuration).
    pub admission_configuration: Option<FreeMap>,
}

/// Settings of the Azimuth authorization webhook.
///
/// ```
/// let w: capiform::values::AzimuthAuthorizationWebhook = serde_json::from_value(serde_json::json!({"server": "https://a"})).unwrap();
/// assert_eq!(w.server.as_deref(), Some("https://a"));
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct AzimuthAuthorizationWebhook {
    /// Webhook URL.
    pub server: Option<String>,
    /// SubjectAccessReview version.
    pub webhook_version: Option<String>,
    /// Timeout, e.g. `10s`.
    pub timeout: Option<String>,
    /// `Deny` or `NoOpinion`.
    pub failure_policy: Option<String>,
    /// Authorizers after the webhook.
    pub additional_authorizers: Option<Vec<Value>>,
    /// TLS of the webhook.
    pub tls: Option<Value>,
    /// Namespaces the webhook is asked about.
    pub filtered_namespaces: Option<Vec<String>>,
    /// Extra CEL match conditions.
    pub extra_pre_filters: Option<Vec<String>>,
}

/// The control plane.
///
/// ```
/// let c: capiform::values::ControlPlane = serde_json::from_value(serde_json::json!({"machineCount": 3})).unwrap();
/// assert_eq!(c.machine_count, Some(3));
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ControlPlane {
    /// Availability zones for control plane machines.
    pub failure_domains: Option<Vec<String>>,
    /// Do not set an availability zone.
    pub omit_failure_domain: Option<bool>,
    /// Number of control plane machines.
    pub machine_count: Option<i64>,
    /// Kubernetes version of the control plane (defaults to `kubernetesVersion`).
    pub kubernetes_version: Option<String>,
    /// Image name.
    pub machine_image: Option<String>,
    /// Image ID.
    pub machine_image_id: Option<String>,
    /// Nova flavor (required).
    pub machine_flavor: Option<String>,
    /// Port configuration.
    pub machine_networking: Option<MachineNetworking>,
    /// Root volume.
    pub machine_root_volume: Option<RootVolume>,
    /// Server metadata.
    pub machine_metadata: Option<FreeMap>,
    /// Server group ID.
    pub server_group_id: Option<String>,
    /// Node labels.
    pub node_labels: Option<FreeMap>,
    /// Additional block devices (name -> device).
    pub additional_block_devices: Option<BTreeMap<String, BlockDevice>>,
    /// Use a config drive.
    pub machine_config_drive: Option<bool>,
    /// Drain timeout.
    pub node_drain_timeout: Option<String>,
    /// Volume detach timeout.
    pub node_volume_detach_timeout: Option<String>,
    /// Deletion timeout.
    pub node_deletion_timeout: Option<String>,
    /// KCP remediation strategy.
    pub remediation_strategy: Option<Value>,
    /// KCP rollout strategy.
    pub rollout_strategy: Option<Value>,
    /// Roll machines whose certificates expire within this many days.
    pub certificates_expiry_days: Option<i64>,
    /// kubeadm config spec merged into the generated one.
    pub kubeadm_config_spec: Option<Value>,
    /// MachineHealthCheck of the control plane.
    pub health_check: Option<HealthCheck>,
}

/// Machine networking.
///
/// ```
/// let n: capiform::values::MachineNetworking = serde_json::from_value(serde_json::json!({"ports": []})).unwrap();
/// assert!(n.ports.unwrap().is_empty());
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct MachineNetworking {
    /// Ports of the machine (CAPO port options; v1alpha7 network filters are converted).
    pub ports: Option<Vec<Value>>,
}

/// Root volume of a machine.
///
/// ```
/// let r: capiform::values::RootVolume = serde_json::from_value(serde_json::json!({"diskSize": 40})).unwrap();
/// assert_eq!(r.disk_size, Some(40));
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct RootVolume {
    /// Size in GiB; no root volume when unset.
    pub disk_size: Option<i64>,
    /// Cinder volume type.
    pub volume_type: Option<String>,
    /// Availability zone.
    pub availability_zone: Option<String>,
}

/// A MachineHealthCheck.
///
/// ```
/// let h: capiform::values::HealthCheck = serde_json::from_value(serde_json::json!({"enabled": false})).unwrap();
/// assert_eq!(h.enabled, Some(false));
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct HealthCheck {
    /// Render the MachineHealthCheck.
    pub enabled: Option<bool>,
    /// Its spec (merged with selector and clusterName).
    pub spec: Option<Value>,
}

/// A worker node group (after `nodeGroupDefaults` are merged beneath it).
///
/// ```
/// let g: capiform::values::NodeGroup = serde_json::from_value(serde_json::json!({"name": "md-0", "machineCount": 2})).unwrap();
/// assert_eq!(g.name.as_deref(), Some("md-0"));
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct NodeGroup {
    /// Name: lower-case alphanumerics and dashes, at least three characters.
    pub name: Option<String>,
    /// Let the cluster autoscaler size the group.
    pub autoscale: Option<bool>,
    /// Fixed number of machines (without autoscaling).
    pub machine_count: Option<i64>,
    /// Minimum machines with autoscaling.
    pub machine_count_min: Option<i64>,
    /// Maximum machines with autoscaling.
    pub machine_count_max: Option<i64>,
    /// Availability zone.
    pub failure_domain: Option<String>,
    /// Nova flavor (required).
    pub machine_flavor: Option<String>,
    /// Image name.
    pub machine_image: Option<String>,
    /// Image ID.
    pub machine_image_id: Option<String>,
    /// Kubernetes version of the group.
    pub kubernetes_version: Option<String>,
    /// Port configuration.
    pub machine_networking: Option<MachineNetworking>,
    /// Root volume.
    pub machine_root_volume: Option<RootVolume>,
    /// Server metadata.
    pub machine_metadata: Option<FreeMap>,
    /// Server group ID.
    pub server_group_id: Option<String>,
    /// Node labels.
    pub node_labels: Option<FreeMap>,
    /// Additional block devices.
    pub additional_block_devices: Option<BTreeMap<String, BlockDevice>>,
    /// Use a config drive.
    pub machine_config_drive: Option<bool>,
    /// Drain timeout.
    pub node_drain_timeout: Option<String>,
    /// Volume detach timeout.
    pub node_volume_detach_timeout: Option<String>,
    /// Deletion timeout.
    pub node_deletion_timeout: Option<String>,
    /// MachineDeployment strategy.
    pub rollout_strategy: Option<Value>,
    /// kubeadm config spec merged into the generated one.
    pub kubeadm_config_spec: Option<Value>,
    /// MachineHealthCheck of the group.
    pub health_check: Option<HealthCheck>,
}

/// The cluster autoscaler.
///
/// ```
/// let a: capiform::values::Autoscaler = serde_json::from_value(serde_json::json!({"resources": {}})).unwrap();
/// assert!(a.resources.is_some());
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Autoscaler {
    /// Image repository, tag and pull policy.
    pub image: Option<Value>,
    /// Image pull secrets.
    pub image_pull_secrets: Option<Vec<Value>>,
    /// Extra command-line arguments (`--key=value`).
    pub extra_args: Option<FreeMap>,
    /// Pod security context.
    pub pod_security_context: Option<Value>,
    /// Container security context.
    pub security_context: Option<Value>,
    /// Container resources.
    pub resources: Option<Value>,
    /// Node selector.
    pub node_selector: Option<Value>,
    /// Tolerations.
    pub tolerations: Option<Vec<Value>>,
    /// Topology spread constraints.
    pub topology_spread_constraints: Option<Vec<Value>>,
    /// Affinity.
    pub affinity: Option<Value>,
}

//! Lean typed bodies of the Cluster API Provider OpenStack objects capiform emits
//! (`OpenStackCluster`, `OpenStackMachineTemplate`, API version
//! `infrastructure.cluster.x-k8s.io/v1beta1`). Only the fields capiform sets are typed;
//! user-supplied Neutron filters, ports and security group rules pass through as
//! [`serde_json::Value`] (they are CAPO's own structures, given by the user).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// API version of the CAPO kinds.
pub const INFRASTRUCTURE_API_VERSION: &str = "infrastructure.cluster.x-k8s.io/v1beta1";

/// The credentials reference of CAPO objects.
///
/// ```
/// let r = capiform::api::capo::IdentityRef::openstack("creds");
/// assert_eq!(r.cloud_name, "openstack");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityRef {
    /// Secret holding `clouds.yaml`.
    pub name: String,
    /// Entry of `clouds.yaml` to use (capiform always writes the cloud as `openstack`).
    pub cloud_name: String,
}

impl IdentityRef {
    /// A reference to the `openstack` cloud of a Secret.
    ///
    /// ```
    /// assert_eq!(capiform::api::capo::IdentityRef::openstack("s").name, "s");
    /// ```
    pub fn openstack(secret: impl Into<String>) -> Self {
        Self {
            name: secret.into(),
            cloud_name: "openstack".into(),
        }
    }
}

/// A resource referenced by ID.
///
/// ```
/// let r = capiform::api::capo::IdRef { id: "x".into() };
/// assert_eq!(serde_json::to_value(&r).unwrap()["id"], "x");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdRef {
    /// The ID.
    pub id: String,
}

/// Security groups managed by CAPO.
///
/// ```
/// let m = capiform::api::capo::ManagedSecurityGroups::default();
/// assert_eq!(serde_json::to_value(&m).unwrap(), serde_json::json!({}));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedSecurityGroups {
    /// Allow all traffic between the cluster's nodes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_all_in_cluster_traffic: Option<bool>,
    /// Extra rules for workers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker_nodes_security_group_rules: Option<Vec<Value>>,
    /// Extra rules for control plane nodes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control_plane_nodes_security_group_rules: Option<Vec<Value>>,
}

/// A subnet CAPO creates.
///
/// ```
/// let s = capiform::api::capo::ManagedSubnet { cidr: "10.0.0.0/24".into(), dns_nameservers: None };
/// assert_eq!(serde_json::to_value(&s).unwrap()["cidr"], "10.0.0.0/24");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedSubnet {
    /// CIDR.
    pub cidr: String,
    /// DNS servers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns_nameservers: Option<Vec<String>>,
}

/// The API server load balancer.
///
/// ```
/// let lb = capiform::api::capo::ApiServerLoadBalancer { enabled: true, provider: None, allowed_cidrs: None };
/// assert_eq!(serde_json::to_value(&lb).unwrap(), serde_json::json!({"enabled": true}));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiServerLoadBalancer {
    /// Create it.
    pub enabled: bool,
    /// Octavia provider.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Allowed source CIDRs.
    #[serde(rename = "allowedCIDRs", skip_serializing_if = "Option::is_none")]
    pub allowed_cidrs: Option<Vec<String>>,
}

/// The `spec` of an `OpenStackCluster`.
///
/// ```
/// let s = capiform::api::capo::OpenStackClusterSpec::new(capiform::api::capo::IdentityRef::openstack("c"));
/// assert_eq!(serde_json::to_value(&s).unwrap()["identityRef"]["name"], "c");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenStackClusterSpec {
    /// Credentials.
    pub identity_ref: IdentityRef,
    /// Explicit control plane endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control_plane_endpoint: Option<Value>,
    /// No external network.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disable_external_network: Option<bool>,
    /// Security groups managed by CAPO.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub managed_security_groups: Option<ManagedSecurityGroups>,
    /// The external network.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_network: Option<IdRef>,
    /// An existing network.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<Value>,
    /// Existing subnets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnets: Option<Vec<Value>>,
    /// Subnets CAPO creates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub managed_subnets: Option<Vec<ManagedSubnet>>,
    /// The API server load balancer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_server_load_balancer: Option<ApiServerLoadBalancer>,
    /// Do not give the API server a floating IP.
    #[serde(
        rename = "disableAPIServerFloatingIP",
        skip_serializing_if = "Option::is_none"
    )]
    pub disable_api_server_floating_ip: Option<bool>,
    /// A specific floating IP.
    #[serde(
        rename = "apiServerFloatingIP",
        skip_serializing_if = "Option::is_none"
    )]
    pub api_server_floating_ip: Option<String>,
    /// A fixed IP.
    #[serde(rename = "apiServerFixedIP", skip_serializing_if = "Option::is_none")]
    pub api_server_fixed_ip: Option<String>,
    /// API server port.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_server_port: Option<i64>,
    /// Do not set an availability zone on control plane machines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control_plane_omit_availability_zone: Option<bool>,
    /// Availability zones of control plane machines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control_plane_availability_zones: Option<Vec<String>>,
}

impl OpenStackClusterSpec {
    /// A spec with only the identity set.
    ///
    /// ```
    /// let s = capiform::api::capo::OpenStackClusterSpec::new(capiform::api::capo::IdentityRef::openstack("c"));
    /// assert!(s.network.is_none());
    /// ```
    pub fn new(identity_ref: IdentityRef) -> Self {
        Self {
            identity_ref,
            control_plane_endpoint: None,
            disable_external_network: None,
            managed_security_groups: None,
            external_network: None,
            network: None,
            subnets: None,
            managed_subnets: None,
            api_server_load_balancer: None,
            disable_api_server_floating_ip: None,
            api_server_floating_ip: None,
            api_server_fixed_ip: None,
            api_server_port: None,
            control_plane_omit_availability_zone: None,
            control_plane_availability_zones: None,
        }
    }
}

/// Where a volume's availability zone comes from.
///
/// ```
/// let az = capiform::api::capo::VolumeAvailabilityZone::from_name(None);
/// assert_eq!(az.from, "Machine");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VolumeAvailabilityZone {
    /// `Name` or `Machine`.
    pub from: String,
    /// The zone, with `from: Name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl VolumeAvailabilityZone {
    /// `from: Name` with a zone, `from: Machine` without.
    ///
    /// ```
    /// let az = capiform::api::capo::VolumeAvailabilityZone::from_name(Some("az1"));
    /// assert_eq!(az.name.as_deref(), Some("az1"));
    /// ```
    pub fn from_name(zone: Option<&str>) -> Self {
        match zone.filter(|z| !z.is_empty()) {
            Some(z) => Self {
                from: "Name".into(),
                name: Some(z.to_string()),
            },
            None => Self {
                from: "Machine".into(),
                name: None,
            },
        }
    }
}

/// The root volume of a machine.
///
/// ```
/// use capiform::api::capo::*;
/// let r = RootVolume { size_gib: 40, volume_type: None, availability_zone: VolumeAvailabilityZone::from_name(None) };
/// assert_eq!(serde_json::to_value(&r).unwrap()["sizeGiB"], 40);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RootVolume {
    /// Size in GiB.
    #[serde(rename = "sizeGiB")]
    pub size_gib: i64,
    /// Cinder volume type.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub volume_type: Option<String>,
    /// Availability zone.
    pub availability_zone: VolumeAvailabilityZone,
}

/// The image of a machine: by ID or by a name filter.
///
/// ```
/// let i = capiform::api::capo::Image::Id("abc".into());
/// assert_eq!(serde_json::to_value(&i).unwrap(), serde_json::json!({"id": "abc"}));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Image {
    /// A Glance image ID.
    Id(String),
    /// A filter on the image name.
    Filter(ImageFilter),
}

/// A filter on the image name.
///
/// ```
/// let f = capiform::api::capo::ImageFilter { name: "ubuntu".into() };
/// assert_eq!(f.name, "ubuntu");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageFilter {
    /// Image name.
    pub name: String,
}

/// Storage of an additional block device.
///
/// ```
/// use capiform::api::capo::*;
/// let s = BlockDeviceStorage { kind: "Volume".into(), volume: BlockDeviceVolume { volume_type: None, availability_zone: VolumeAvailabilityZone::from_name(None) } };
/// assert_eq!(serde_json::to_value(&s).unwrap()["type"], "Volume");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockDeviceStorage {
    /// `Volume` or `Local`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Volume settings.
    pub volume: BlockDeviceVolume,
}

/// Volume settings of a block device.
///
/// ```
/// use capiform::api::capo::*;
/// let v = BlockDeviceVolume { volume_type: Some("ssd".into()), availability_zone: VolumeAvailabilityZone::from_name(None) };
/// assert_eq!(serde_json::to_value(&v).unwrap()["type"], "ssd");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockDeviceVolume {
    /// Cinder volume type.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub volume_type: Option<String>,
    /// Availability zone.
    pub availability_zone: VolumeAvailabilityZone,
}

/// An additional block device.
///
/// ```
/// use capiform::api::capo::*;
/// let d = AdditionalBlockDevice { name: "etcd".into(), size_gib: 10, storage: BlockDeviceStorage { kind: "Volume".into(), volume: BlockDeviceVolume { volume_type: None, availability_zone: VolumeAvailabilityZone::from_name(None) } } };
/// assert_eq!(serde_json::to_value(&d).unwrap()["sizeGiB"], 10);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdditionalBlockDevice {
    /// Device name (its tag).
    pub name: String,
    /// Size in GiB.
    #[serde(rename = "sizeGiB")]
    pub size_gib: i64,
    /// Storage.
    pub storage: BlockDeviceStorage,
}

/// A server metadata item.
///
/// ```
/// let m = capiform::api::capo::ServerMetadata { key: "k".into(), value: "v".into() };
/// assert_eq!(serde_json::to_value(&m).unwrap()["key"], "k");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerMetadata {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
}

/// The machine spec inside an `OpenStackMachineTemplate`.
///
/// ```
/// use capiform::api::capo::*;
/// let s = OpenStackMachineSpec::new(IdentityRef::openstack("c"), "flavor".into(), Image::Id("i".into()));
/// assert_eq!(serde_json::to_value(&s).unwrap()["flavor"], "flavor");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenStackMachineSpec {
    /// Credentials.
    pub identity_ref: IdentityRef,
    /// Nova flavor.
    pub flavor: String,
    /// Nova keypair.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh_key_name: Option<String>,
    /// Use a config drive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_drive: Option<bool>,
    /// Root volume.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_volume: Option<RootVolume>,
    /// Image.
    pub image: Image,
    /// Additional block devices.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_block_devices: Option<Vec<AdditionalBlockDevice>>,
    /// Ports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ports: Option<Vec<Value>>,
    /// Server group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_group: Option<IdRef>,
    /// Server metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_metadata: Option<Vec<ServerMetadata>>,
}

impl OpenStackMachineSpec {
    /// A spec with the required fields.
    ///
    /// ```
    /// use capiform::api::capo::*;
    /// let s = OpenStackMachineSpec::new(IdentityRef::openstack("c"), "f".into(), Image::Id("i".into()));
    /// assert!(s.ports.is_none());
    /// ```
    pub fn new(identity_ref: IdentityRef, flavor: String, image: Image) -> Self {
        Self {
            identity_ref,
            flavor,
            ssh_key_name: None,
            config_drive: None,
            root_volume: None,
            image,
            additional_block_devices: None,
            ports: None,
            server_group: None,
            server_metadata: None,
        }
    }
}

/// `template` of an `OpenStackMachineTemplate` spec.
///
/// ```
/// use capiform::api::capo::*;
/// let t = OpenStackMachineTemplateSpec { template: OpenStackMachineTemplateResource { spec: OpenStackMachineSpec::new(IdentityRef::openstack("c"), "f".into(), Image::Id("i".into())) } };
/// assert!(serde_json::to_value(&t).unwrap()["template"]["spec"].is_object());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenStackMachineTemplateSpec {
    /// The template.
    pub template: OpenStackMachineTemplateResource,
}

/// The resource inside an `OpenStackMachineTemplate`.
///
/// ```
/// use capiform::api::capo::*;
/// let r = OpenStackMachineTemplateResource { spec: OpenStackMachineSpec::new(IdentityRef::openstack("c"), "f".into(), Image::Id("i".into())) };
/// assert_eq!(r.spec.flavor, "f");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenStackMachineTemplateResource {
    /// The machine spec.
    pub spec: OpenStackMachineSpec,
}

//! Lean typed bodies of the Cluster API Provider OpenStack objects capiform emits
//! (`OpenStackCluster`, `OpenStackMachineTemplate`, API version
//! `infrastructure.cluster.x-k8s.io/v1beta1`). Only the fields capiform sets are typed;
//! user-supplied Neutron filters, ports and security group rules pass through as
//! [`serde_json::Value`] (they are CAPO's own structures, given by the user).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::api::{Fields, IntoValue};

/// API version of the CAPO kinds.
pub const INFRASTRUCTURE_API_VERSION: &str = "infrastructure.cluster.x-k8s.io/v1beta1";

/// The credentials reference of CAPO objects.
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
    pub fn openstack(secret: impl Into<String>) -> Self {
        Self {
            name: secret.into(),
            cloud_name: "openstack".into(),
        }
    }
}

/// A resource referenced by ID.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdRef {
    /// The ID.
    pub id: String,
}

/// Security groups managed by CAPO.
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Image {
    /// A Glance image ID.
    Id(String),
    /// A filter on the image name.
    Filter(ImageFilter),
}

/// A filter on the image name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageFilter {
    /// Image name.
    pub name: String,
}

/// Storage of an additional block device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockDeviceStorage {
    /// `Volume` or `Local`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Volume settings.
    pub volume: BlockDeviceVolume,
}

/// Volume settings of a block device.
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerMetadata {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
}

/// The machine spec inside an `OpenStackMachineTemplate`.
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenStackMachineTemplateSpec {
    /// The template.
    pub template: OpenStackMachineTemplateResource,
}

/// The resource inside an `OpenStackMachineTemplate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenStackMachineTemplateResource {
    /// The machine spec.
    pub spec: OpenStackMachineSpec,
}

impl IntoValue for IdentityRef {
    fn into_value(self) -> Value {
        Fields::new()
            .set("name", self.name)
            .set("cloudName", self.cloud_name)
            .into_value()
    }
}

impl IntoValue for IdRef {
    fn into_value(self) -> Value {
        Fields::new().set("id", self.id).into_value()
    }
}

impl IntoValue for ManagedSecurityGroups {
    fn into_value(self) -> Value {
        let Self {
            allow_all_in_cluster_traffic,
            worker_nodes_security_group_rules,
            control_plane_nodes_security_group_rules,
        } = self;
        Fields::new()
            .opt("allowAllInClusterTraffic", allow_all_in_cluster_traffic)
            .opt(
                "workerNodesSecurityGroupRules",
                worker_nodes_security_group_rules,
            )
            .opt(
                "controlPlaneNodesSecurityGroupRules",
                control_plane_nodes_security_group_rules,
            )
            .into_value()
    }
}

impl IntoValue for ManagedSubnet {
    fn into_value(self) -> Value {
        Fields::new()
            .set("cidr", self.cidr)
            .opt("dnsNameservers", self.dns_nameservers)
            .into_value()
    }
}

impl IntoValue for ApiServerLoadBalancer {
    fn into_value(self) -> Value {
        let Self {
            enabled,
            provider,
            allowed_cidrs,
        } = self;
        Fields::new()
            .set("enabled", enabled)
            .opt("provider", provider)
            .opt("allowedCIDRs", allowed_cidrs)
            .into_value()
    }
}

impl IntoValue for OpenStackClusterSpec {
    fn into_value(self) -> Value {
        let Self {
            identity_ref,
            control_plane_endpoint,
            disable_external_network,
            managed_security_groups,
            external_network,
            network,
            subnets,
            managed_subnets,
            api_server_load_balancer,
            disable_api_server_floating_ip,
            api_server_floating_ip,
            api_server_fixed_ip,
            api_server_port,
            control_plane_omit_availability_zone,
            control_plane_availability_zones,
        } = self;
        Fields::new()
            .set("identityRef", identity_ref)
            .opt("controlPlaneEndpoint", control_plane_endpoint)
            .opt("disableExternalNetwork", disable_external_network)
            .opt("managedSecurityGroups", managed_security_groups)
            .opt("externalNetwork", external_network)
            .opt("network", network)
            .opt("subnets", subnets)
            .opt("managedSubnets", managed_subnets)
            .opt("apiServerLoadBalancer", api_server_load_balancer)
            .opt("disableAPIServerFloatingIP", disable_api_server_floating_ip)
            .opt("apiServerFloatingIP", api_server_floating_ip)
            .opt("apiServerFixedIP", api_server_fixed_ip)
            .opt("apiServerPort", api_server_port)
            .opt(
                "controlPlaneOmitAvailabilityZone",
                control_plane_omit_availability_zone,
            )
            .opt(
                "controlPlaneAvailabilityZones",
                control_plane_availability_zones,
            )
            .into_value()
    }
}

impl IntoValue for VolumeAvailabilityZone {
    fn into_value(self) -> Value {
        Fields::new()
            .set("from", self.from)
            .opt("name", self.name)
            .into_value()
    }
}

impl IntoValue for RootVolume {
    fn into_value(self) -> Value {
        let Self {
            size_gib,
            volume_type,
            availability_zone,
        } = self;
        Fields::new()
            .set("sizeGiB", size_gib)
            .opt("type", volume_type)
            .set("availabilityZone", availability_zone)
            .into_value()
    }
}

impl IntoValue for Image {
    fn into_value(self) -> Value {
        match self {
            Image::Id(id) => Fields::new().set("id", id),
            Image::Filter(f) => Fields::new().set("filter", f),
        }
        .into_value()
    }
}

impl IntoValue for ImageFilter {
    fn into_value(self) -> Value {
        Fields::new().set("name", self.name).into_value()
    }
}

impl IntoValue for BlockDeviceStorage {
    fn into_value(self) -> Value {
        Fields::new()
            .set("type", self.kind)
            .set("volume", self.volume)
            .into_value()
    }
}

impl IntoValue for BlockDeviceVolume {
    fn into_value(self) -> Value {
        Fields::new()
            .opt("type", self.volume_type)
            .set("availabilityZone", self.availability_zone)
            .into_value()
    }
}

impl IntoValue for AdditionalBlockDevice {
    fn into_value(self) -> Value {
        let Self {
            name,
            size_gib,
            storage,
        } = self;
        Fields::new()
            .set("name", name)
            .set("sizeGiB", size_gib)
            .set("storage", storage)
            .into_value()
    }
}

impl IntoValue for ServerMetadata {
    fn into_value(self) -> Value {
        Fields::new()
            .set("key", self.key)
            .set("value", self.value)
            .into_value()
    }
}

impl IntoValue for OpenStackMachineSpec {
    fn into_value(self) -> Value {
        let Self {
            identity_ref,
            flavor,
            ssh_key_name,
            config_drive,
            root_volume,
            image,
            additional_block_devices,
            ports,
            server_group,
            server_metadata,
        } = self;
        Fields::new()
            .set("identityRef", identity_ref)
            .set("flavor", flavor)
            .opt("sshKeyName", ssh_key_name)
            .opt("configDrive", config_drive)
            .opt("rootVolume", root_volume)
            .set("image", image)
            .opt("additionalBlockDevices", additional_block_devices)
            .opt("ports", ports)
            .opt("serverGroup", server_group)
            .opt("serverMetadata", server_metadata)
            .into_value()
    }
}

impl IntoValue for OpenStackMachineTemplateSpec {
    fn into_value(self) -> Value {
        Fields::new().set("template", self.template).into_value()
    }
}

impl IntoValue for OpenStackMachineTemplateResource {
    fn into_value(self) -> Value {
        Fields::new().set("spec", self.spec).into_value()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::tests::assert_moves_like_serde;

    fn zone(name: Option<&str>) -> VolumeAvailabilityZone {
        VolumeAvailabilityZone::from_name(name)
    }

    fn machine_spec(full: bool) -> OpenStackMachineSpec {
        let mut spec = OpenStackMachineSpec::new(
            IdentityRef::openstack("creds"),
            "m1.small".into(),
            if full {
                Image::Filter(ImageFilter {
                    name: "ubuntu".into(),
                })
            } else {
                Image::Id("img".into())
            },
        );
        if full {
            spec.ssh_key_name = Some("key".into());
            spec.config_drive = Some(true);
            spec.root_volume = Some(RootVolume {
                size_gib: 50,
                volume_type: Some("ssd".into()),
                availability_zone: zone(Some("az")),
            });
            spec.additional_block_devices = Some(vec![AdditionalBlockDevice {
                name: "etcd".into(),
                size_gib: 10,
                storage: BlockDeviceStorage {
                    kind: "Volume".into(),
                    volume: BlockDeviceVolume {
                        volume_type: None,
                        availability_zone: zone(None),
                    },
                },
            }]);
            spec.ports = Some(vec![serde_json::json!({"network": {"id": "n"}})]);
            spec.server_group = Some(IdRef { id: "sg".into() });
            spec.server_metadata = Some(vec![ServerMetadata {
                key: "k".into(),
                value: "v".into(),
            }]);
        }
        spec
    }

    /// Every OpenStack body moves into the JSON serde would write, with optional fields
    /// set and unset.
    #[test]
    fn openstack_bodies_move_like_serde() {
        for full in [false, true] {
            assert_moves_like_serde(&OpenStackMachineTemplateSpec {
                template: OpenStackMachineTemplateResource {
                    spec: machine_spec(full),
                },
            });
            let mut cluster = OpenStackClusterSpec::new(IdentityRef::openstack("creds"));
            if full {
                cluster.control_plane_endpoint = Some(serde_json::json!({"host": "h"}));
                cluster.disable_external_network = Some(false);
                cluster.managed_security_groups = Some(ManagedSecurityGroups {
                    allow_all_in_cluster_traffic: Some(true),
                    worker_nodes_security_group_rules: Some(vec![serde_json::json!({"a": 1})]),
                    control_plane_nodes_security_group_rules: Some(vec![]),
                });
                cluster.external_network = Some(IdRef { id: "ext".into() });
                cluster.network = Some(serde_json::json!({"id": "net"}));
                cluster.subnets = Some(vec![serde_json::json!({"id": "sub"})]);
                cluster.managed_subnets = Some(vec![ManagedSubnet {
                    cidr: "10.0.0.0/24".into(),
                    dns_nameservers: Some(vec!["8.8.8.8".into()]),
                }]);
                cluster.api_server_load_balancer = Some(ApiServerLoadBalancer {
                    enabled: true,
                    provider: Some("ovn".into()),
                    allowed_cidrs: Some(vec!["0.0.0.0/0".into()]),
                });
                cluster.disable_api_server_floating_ip = Some(true);
                cluster.api_server_floating_ip = Some("1.2.3.4".into());
                cluster.api_server_fixed_ip = Some("10.0.0.5".into());
                cluster.api_server_port = Some(6443);
                cluster.control_plane_omit_availability_zone = Some(true);
                cluster.control_plane_availability_zones = Some(vec!["az".into()]);
            }
            assert_moves_like_serde(&cluster);
        }
    }
}

#[cfg(test)]
mod examples {
    //! What the items above do, shown on small inputs.

    #[test]
    fn identity_ref() {
        let r = crate::api::capo::IdentityRef::openstack("creds");
        assert_eq!(r.cloud_name, "openstack");
    }

    #[test]
    fn identity_ref_openstack() {
        assert_eq!(crate::api::capo::IdentityRef::openstack("s").name, "s");
    }

    #[test]
    fn id_ref() {
        let r = crate::api::capo::IdRef { id: "x".into() };
        assert_eq!(serde_json::to_value(&r).unwrap()["id"], "x");
    }

    #[test]
    fn managed_security_groups() {
        let m = crate::api::capo::ManagedSecurityGroups::default();
        assert_eq!(serde_json::to_value(&m).unwrap(), serde_json::json!({}));
    }

    #[test]
    fn managed_subnet() {
        let s = crate::api::capo::ManagedSubnet { cidr: "10.0.0.0/24".into(), dns_nameservers: None };
        assert_eq!(serde_json::to_value(&s).unwrap()["cidr"], "10.0.0.0/24");
    }

    #[test]
    fn api_server_load_balancer() {
        let lb = crate::api::capo::ApiServerLoadBalancer { enabled: true, provider: None, allowed_cidrs: None };
        assert_eq!(serde_json::to_value(&lb).unwrap(), serde_json::json!({"enabled": true}));
    }

    #[test]
    fn open_stack_cluster_spec() {
        let s = crate::api::capo::OpenStackClusterSpec::new(crate::api::capo::IdentityRef::openstack("c"));
        assert_eq!(serde_json::to_value(&s).unwrap()["identityRef"]["name"], "c");
    }

    #[test]
    fn open_stack_cluster_spec_new() {
        let s = crate::api::capo::OpenStackClusterSpec::new(crate::api::capo::IdentityRef::openstack("c"));
        assert!(s.network.is_none());
    }

    #[test]
    fn volume_availability_zone() {
        let az = crate::api::capo::VolumeAvailabilityZone::from_name(None);
        assert_eq!(az.from, "Machine");
    }

    #[test]
    fn volume_availability_zone_from_name() {
        let az = crate::api::capo::VolumeAvailabilityZone::from_name(Some("az1"));
        assert_eq!(az.name.as_deref(), Some("az1"));
    }

    #[test]
    fn root_volume() {
        use crate::api::capo::*;
        let r = RootVolume { size_gib: 40, volume_type: None, availability_zone: VolumeAvailabilityZone::from_name(None) };
        assert_eq!(serde_json::to_value(&r).unwrap()["sizeGiB"], 40);
    }

    #[test]
    fn image() {
        let i = crate::api::capo::Image::Id("abc".into());
        assert_eq!(serde_json::to_value(&i).unwrap(), serde_json::json!({"id": "abc"}));
    }

    #[test]
    fn image_filter() {
        let f = crate::api::capo::ImageFilter { name: "ubuntu".into() };
        assert_eq!(f.name, "ubuntu");
    }

    #[test]
    fn block_device_storage() {
        use crate::api::capo::*;
        let s = BlockDeviceStorage { kind: "Volume".into(), volume: BlockDeviceVolume { volume_type: None, availability_zone: VolumeAvailabilityZone::from_name(None) } };
        assert_eq!(serde_json::to_value(&s).unwrap()["type"], "Volume");
    }

    #[test]
    fn block_device_volume() {
        use crate::api::capo::*;
        let v = BlockDeviceVolume { volume_type: Some("ssd".into()), availability_zone: VolumeAvailabilityZone::from_name(None) };
        assert_eq!(serde_json::to_value(&v).unwrap()["type"], "ssd");
    }

    #[test]
    fn additional_block_device() {
        use crate::api::capo::*;
        let d = AdditionalBlockDevice { name: "etcd".into(), size_gib: 10, storage: BlockDeviceStorage { kind: "Volume".into(), volume: BlockDeviceVolume { volume_type: None, availability_zone: VolumeAvailabilityZone::from_name(None) } } };
        assert_eq!(serde_json::to_value(&d).unwrap()["sizeGiB"], 10);
    }

    #[test]
    fn server_metadata() {
        let m = crate::api::capo::ServerMetadata { key: "k".into(), value: "v".into() };
        assert_eq!(serde_json::to_value(&m).unwrap()["key"], "k");
    }

    #[test]
    fn open_stack_machine_spec() {
        use crate::api::capo::*;
        let s = OpenStackMachineSpec::new(IdentityRef::openstack("c"), "flavor".into(), Image::Id("i".into()));
        assert_eq!(serde_json::to_value(&s).unwrap()["flavor"], "flavor");
    }

    #[test]
    fn open_stack_machine_spec_new() {
        use crate::api::capo::*;
        let s = OpenStackMachineSpec::new(IdentityRef::openstack("c"), "f".into(), Image::Id("i".into()));
        assert!(s.ports.is_none());
    }

    #[test]
    fn open_stack_machine_template_spec() {
        use crate::api::capo::*;
        let t = OpenStackMachineTemplateSpec { template: OpenStackMachineTemplateResource { spec: OpenStackMachineSpec::new(IdentityRef::openstack("c"), "f".into(), Image::Id("i".into())) } };
        assert!(serde_json::to_value(&t).unwrap()["template"]["spec"].is_object());
    }

    #[test]
    fn open_stack_machine_template_resource() {
        use crate::api::capo::*;
        let r = OpenStackMachineTemplateResource { spec: OpenStackMachineSpec::new(IdentityRef::openstack("c"), "f".into(), Image::Id("i".into())) };
        assert_eq!(r.spec.flavor, "f");
    }
}

//! Object identities, API paths and the apply stages of the kinds a render contains.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An object of a release: apiVersion, kind and name (every object of a release lives in
/// the release's namespace).
///
/// ```
/// use capiform_kube::ObjectRef;
/// let r = ObjectRef::new("cluster.x-k8s.io/v1beta1", "MachineDeployment", "demo-md-0");
/// assert_eq!(r.group(), "cluster.x-k8s.io");
/// assert_eq!(r.group_kind(), "MachineDeployment.cluster.x-k8s.io");
/// assert_eq!(r.collection_path("ns"), "/apis/cluster.x-k8s.io/v1beta1/namespaces/ns/machinedeployments");
/// assert_eq!(r.to_string(), "MachineDeployment/demo-md-0");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    /// `apiVersion`, e.g. `v1` or `cluster.x-k8s.io/v1beta1`.
    pub api_version: String,
    /// `kind`, e.g. `Secret`.
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
}

impl ObjectRef {
    /// A reference from its three parts.
    pub fn new(api_version: &str, kind: &str, name: &str) -> Self {
        ObjectRef {
            api_version: api_version.to_owned(),
            kind: kind.to_owned(),
            name: name.to_owned(),
        }
    }

    /// The reference of a rendered object; `None` when apiVersion, kind or name is missing.
    ///
    /// ```
    /// let o = serde_json::json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}});
    /// assert_eq!(capiform_kube::ObjectRef::of(&o).unwrap().to_string(), "Secret/s");
    /// assert!(capiform_kube::ObjectRef::of(&serde_json::json!({"kind": "Secret"})).is_none());
    /// ```
    pub fn of(object: &Value) -> Option<Self> {
        let api_version = object.get("apiVersion")?.as_str()?;
        let kind = object.get("kind")?.as_str()?;
        let name = object.pointer("/metadata/name")?.as_str()?;
        (!api_version.is_empty() && !kind.is_empty() && !name.is_empty())
            .then(|| ObjectRef::new(api_version, kind, name))
    }

    /// The API group (`""` for the core group).
    pub fn group(&self) -> &str {
        self.api_version
            .rsplit_once('/')
            .map_or("", |(group, _)| group)
    }

    /// The API version without the group.
    pub fn version(&self) -> &str {
        self.api_version
            .rsplit_once('/')
            .map_or(self.api_version.as_str(), |(_, v)| v)
    }

    /// `Kind.group`, or `Kind` in the core group: the form of the ApplySet annotation.
    pub fn group_kind(&self) -> String {
        group_kind(&self.kind, self.group())
    }

    /// The resource name (plural) of the kind: see [`plural`].
    pub fn plural(&self) -> String {
        plural(&self.kind)
    }

    /// The collection URL path of the kind in `namespace`.
    pub fn collection_path(&self, namespace: &str) -> String {
        collection_path(&self.api_version, &self.kind, namespace)
    }

    /// The URL path of the object in `namespace`.
    pub fn path(&self, namespace: &str) -> String {
        format!("{}/{}", self.collection_path(namespace), self.name)
    }

    /// The stage this object is applied in.
    pub fn stage(&self) -> Stage {
        Stage::of(&self.kind)
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind, self.name)
    }
}

/// `Kind.group`, or `Kind` alone in the core group.
///
/// ```
/// assert_eq!(capiform_kube::kinds::group_kind("Secret", ""), "Secret");
/// assert_eq!(capiform_kube::kinds::group_kind("Deployment", "apps"), "Deployment.apps");
/// ```
pub fn group_kind(kind: &str, group: &str) -> String {
    if group.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}.{group}")
    }
}

/// The collection URL path of a kind in a namespace.
///
/// ```
/// use capiform_kube::kinds::collection_path;
/// assert_eq!(collection_path("v1", "Secret", "ns"), "/api/v1/namespaces/ns/secrets");
/// assert_eq!(collection_path("apps/v1", "Deployment", "ns"), "/apis/apps/v1/namespaces/ns/deployments");
/// ```
pub fn collection_path(api_version: &str, kind: &str, namespace: &str) -> String {
    let root = if api_version.contains('/') {
        "apis"
    } else {
        "api"
    };
    format!(
        "/{root}/{api_version}/namespaces/{namespace}/{}",
        plural(kind)
    )
}

/// Resource names of the kinds a release contains or looks at. The API server's
/// discovery would tell the same for these at the cost of a request per group.
const PLURALS: &[(&str, &str)] = &[
    ("ConfigMap", "configmaps"),
    ("Secret", "secrets"),
    ("ServiceAccount", "serviceaccounts"),
    ("Role", "roles"),
    ("RoleBinding", "rolebindings"),
    ("Deployment", "deployments"),
    ("Cluster", "clusters"),
    ("MachineDeployment", "machinedeployments"),
    ("MachineSet", "machinesets"),
    ("Machine", "machines"),
    ("MachineHealthCheck", "machinehealthchecks"),
    ("KubeadmControlPlane", "kubeadmcontrolplanes"),
    ("KubeadmConfigTemplate", "kubeadmconfigtemplates"),
    ("OpenStackCluster", "openstackclusters"),
    ("OpenStackMachineTemplate", "openstackmachinetemplates"),
    ("HelmRelease", "helmreleases"),
    ("Manifests", "manifests"),
    ("GitRepository", "gitrepositories"),
    ("Kustomization", "kustomizations"),
];

/// The resource name (plural) of a kind: from a table of the kinds a release contains,
/// otherwise by the English rule the API machinery uses for CRDs without an explicit
/// plural (lower case; `s`, or `es` after s, x, z, ch and sh, or `ies` for a consonant
/// and `y`).
///
/// ```
/// use capiform_kube::kinds::plural;
/// assert_eq!(plural("Manifests"), "manifests");
/// assert_eq!(plural("GitRepository"), "gitrepositories");
/// assert_eq!(plural("Gateway"), "gateways");
/// assert_eq!(plural("Box"), "boxes");
/// ```
pub fn plural(kind: &str) -> String {
    if let Some((_, p)) = PLURALS.iter().find(|(k, _)| *k == kind) {
        return (*p).to_owned();
    }
    let lower = kind.to_ascii_lowercase();
    let before_last = lower.chars().rev().nth(1);
    if lower.ends_with('y') && !matches!(before_last, Some('a' | 'e' | 'i' | 'o' | 'u')) {
        format!("{}ies", &lower[..lower.len() - 1])
    } else if ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|end| lower.ends_with(end))
    {
        format!("{lower}es")
    } else {
        format!("{lower}s")
    }
}

/// The order objects are applied in. Each stage is applied (and accepted by the API
/// server) before the next starts; objects of one stage go concurrently. Uninstall
/// deletes the `Cluster` first and the Secrets last.
///
/// | stage | kinds |
/// |---|---|
/// | `Secrets` | Secret, ConfigMap |
/// | `Infrastructure` | OpenStackCluster, OpenStackMachineTemplate, KubeadmConfigTemplate |
/// | `ControlPlane` | KubeadmControlPlane |
/// | `Cluster` | Cluster |
/// | `Workers` | MachineDeployment, MachineHealthCheck |
/// | `Autoscaler` | ServiceAccount, Role, RoleBinding, ClusterRole, ClusterRoleBinding, Deployment |
/// | `Addons` | HelmRelease, Manifests, and every other kind |
///
/// ```
/// use capiform_kube::Stage;
/// assert_eq!(Stage::of("KubeadmControlPlane"), Stage::ControlPlane);
/// assert_eq!(Stage::of("GitRepository"), Stage::Addons);
/// assert!(Stage::Secrets < Stage::Cluster);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Stage {
    /// Credentials and addon configuration the other objects read.
    Secrets,
    /// The OpenStack cluster and the machine and bootstrap templates.
    Infrastructure,
    /// The KubeadmControlPlane.
    ControlPlane,
    /// The Cluster, which ties infrastructure and control plane together.
    Cluster,
    /// MachineDeployments and MachineHealthChecks.
    Workers,
    /// The cluster autoscaler's Deployment and its RBAC objects.
    Autoscaler,
    /// The addon provider's HelmReleases and Manifests, and any other kind.
    Addons,
}

impl Stage {
    /// Every stage, in apply order.
    pub const ALL: [Stage; 7] = [
        Stage::Secrets,
        Stage::Infrastructure,
        Stage::ControlPlane,
        Stage::Cluster,
        Stage::Workers,
        Stage::Autoscaler,
        Stage::Addons,
    ];

    /// The stage of a kind.
    pub fn of(kind: &str) -> Stage {
        match kind {
            "Secret" | "ConfigMap" => Stage::Secrets,
            "OpenStackCluster" | "OpenStackMachineTemplate" | "KubeadmConfigTemplate" => {
                Stage::Infrastructure
            }
            "KubeadmControlPlane" => Stage::ControlPlane,
            "Cluster" => Stage::Cluster,
            "MachineDeployment" | "MachineHealthCheck" => Stage::Workers,
            "ServiceAccount" | "Role" | "RoleBinding" | "ClusterRole" | "ClusterRoleBinding"
            | "Deployment" => Stage::Autoscaler,
            _ => Stage::Addons,
        }
    }
}

/// Kinds whose objects Cluster API keeps using after the render stops naming them (a
/// renamed machine template is still read while machines roll): pruned only once nothing
/// references them.
pub const IMMUTABLE_TEMPLATE_KINDS: &[&str] =
    &["OpenStackMachineTemplate", "KubeadmConfigTemplate"];

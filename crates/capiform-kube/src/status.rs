//! The status of a release, from its live Cluster, control plane, MachineDeployments and
//! addons: a table for people, JSON for programs, and a readiness verdict for `--wait`.

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::release::Release;

/// A condition of an object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Condition {
    /// `type`.
    #[serde(rename = "type")]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    /// `reason`, or empty.
    pub reason: String,
    /// `message`, or empty.
    pub message: String,
}

/// The Cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClusterState {
    /// Name.
    pub name: String,
    /// `status.phase` (e.g. `Provisioned`), or empty.
    pub phase: String,
    /// `status.conditions`.
    pub conditions: Vec<Condition>,
    /// `status.failureReason` / `failureMessage`, when set.
    pub failure: Option<String>,
    /// Whether `metadata.deletionTimestamp` is set.
    pub deleting: bool,
}

/// The KubeadmControlPlane.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ControlPlaneState {
    /// Name.
    pub name: String,
    /// `status.readyReplicas`.
    pub ready: i64,
    /// `spec.replicas`.
    pub desired: i64,
    /// `status.version`, or empty.
    pub version: String,
    /// `spec.version`, the version asked for.
    pub desired_version: String,
    /// `status.updatedReplicas`: machines with the current spec.
    pub updated: i64,
    /// Whether the controller has seen the latest spec (`metadata.generation` ≤
    /// `status.observedGeneration`).
    pub observed: bool,
}

/// A MachineDeployment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MachineDeploymentState {
    /// Name.
    pub name: String,
    /// `status.readyReplicas`.
    pub ready: i64,
    /// `spec.replicas`.
    pub desired: i64,
    /// `status.phase`, or empty.
    pub phase: String,
    /// `status.updatedReplicas`: machines with the current spec.
    pub updated: i64,
    /// Whether the controller has seen the latest spec (`metadata.generation` ≤
    /// `status.observedGeneration`).
    pub observed: bool,
}

/// An addon (HelmRelease or Manifests of the addon provider).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AddonState {
    /// `HelmRelease` or `Manifests`.
    pub kind: String,
    /// Name.
    pub name: String,
    /// `status.phase` (e.g. `Deployed`), or empty.
    pub phase: String,
}

/// Whether the release is ready.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "reason", rename_all = "lowercase")]
pub enum Readiness {
    /// Cluster Ready; the control plane and every MachineDeployment seen by their
    /// controller at their latest generation, every replica ready and up to date, the
    /// control plane at the version asked for; every addon deployed.
    Ready,
    /// Not yet: the first thing still missing.
    Progressing(String),
    /// A failure condition: what failed.
    Failed(String),
}

/// The status of a release.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseStatus {
    /// Release name.
    pub release: String,
    /// Namespace.
    pub namespace: String,
    /// Latest revision.
    pub revision: u32,
    /// The Cluster, if it exists.
    pub cluster: Option<ClusterState>,
    /// The control plane, if it exists.
    pub control_plane: Option<ControlPlaneState>,
    /// The MachineDeployments that exist.
    pub machine_deployments: Vec<MachineDeploymentState>,
    /// The addons that exist.
    pub addons: Vec<AddonState>,
    /// The verdict.
    pub readiness: Readiness,
}

fn text(v: &Value, pointer: &str) -> String {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

fn number(v: &Value, pointer: &str) -> i64 {
    v.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

/// Whether a controller has acted on the object's latest spec: its
/// `status.observedGeneration` has reached `metadata.generation` (an object without a
/// generation, as some test fixtures are, counts as observed).
fn observed(v: &Value) -> bool {
    match v.pointer("/metadata/generation").and_then(Value::as_i64) {
        Some(generation) => number(v, "/status/observedGeneration") >= generation,
        None => true,
    }
}

fn conditions(v: &Value) -> Vec<Condition> {
    v.pointer("/status/conditions")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|c| Condition {
                    type_: text(c, "/type"),
                    status: text(c, "/status"),
                    reason: text(c, "/reason"),
                    message: text(c, "/message"),
                })
                .collect()
        })
        .unwrap_or_default()
}

impl ReleaseStatus {
    /// The status made of live objects (each with apiVersion and kind).
    ///
    /// ```
    /// use serde_json::json;
    /// let objects = vec![
    ///     json!({"kind": "Cluster", "metadata": {"name": "demo"}, "status": {"phase": "Provisioned",
    ///            "conditions": [{"type": "Ready", "status": "True"}]}}),
    ///     json!({"kind": "KubeadmControlPlane", "metadata": {"name": "demo-control-plane", "generation": 4},
    ///            "spec": {"replicas": 3, "version": "v1.31.4"},
    ///            "status": {"observedGeneration": 4, "readyReplicas": 3, "updatedReplicas": 3, "version": "v1.31.4"}}),
    ///     json!({"kind": "MachineDeployment", "metadata": {"name": "demo-md-0", "generation": 2},
    ///            "spec": {"replicas": 2},
    ///            "status": {"observedGeneration": 2, "readyReplicas": 2, "updatedReplicas": 1, "phase": "Running"}}),
    /// ];
    /// let s = capiform_kube::ReleaseStatus::from_objects("demo", "ns", 1, &objects);
    /// // Every machine is ready, but one still has the old spec: a rollout is under way.
    /// assert_eq!(s.readiness, capiform_kube::Readiness::Progressing(
    ///     "MachineDeployment demo-md-0: 2/2 ready, 1/2 up to date".into()));
    /// ```
    pub fn from_objects(release: &str, namespace: &str, revision: u32, objects: &[Value]) -> Self {
        fn of_kind<'a>(objects: &'a [Value], kind: &'a str) -> impl Iterator<Item = &'a Value> {
            objects.iter().filter(move |o| text(o, "/kind") == kind)
        }
        let cluster = of_kind(objects, "Cluster").next().map(|c| {
            let reason = text(c, "/status/failureReason");
            let message = text(c, "/status/failureMessage");
            ClusterState {
                name: text(c, "/metadata/name"),
                phase: text(c, "/status/phase"),
                conditions: conditions(c),
                failure: (!reason.is_empty() || !message.is_empty()).then(|| {
                    format!("{reason}: {message}")
                        .trim_matches([':', ' '])
                        .to_owned()
                }),
                deleting: c.pointer("/metadata/deletionTimestamp").is_some(),
            }
        });
        let control_plane =
            of_kind(objects, "KubeadmControlPlane")
                .next()
                .map(|k| ControlPlaneState {
                    name: text(k, "/metadata/name"),
                    ready: number(k, "/status/readyReplicas"),
                    desired: number(k, "/spec/replicas"),
                    version: text(k, "/status/version"),
                    desired_version: text(k, "/spec/version"),
                    updated: number(k, "/status/updatedReplicas"),
                    observed: observed(k),
                });
        let machine_deployments = of_kind(objects, "MachineDeployment")
            .map(|m| MachineDeploymentState {
                name: text(m, "/metadata/name"),
                ready: number(m, "/status/readyReplicas"),
                desired: number(m, "/spec/replicas"),
                phase: text(m, "/status/phase"),
                updated: number(m, "/status/updatedReplicas"),
                observed: observed(m),
            })
            .collect();
        let addons = objects
            .iter()
            .filter(|o| matches!(text(o, "/kind").as_str(), "HelmRelease" | "Manifests"))
            .map(|a| AddonState {
                kind: text(a, "/kind"),
                name: text(a, "/metadata/name"),
                phase: text(a, "/status/phase"),
            })
            .collect();
        let mut status = ReleaseStatus {
            release: release.to_owned(),
            namespace: namespace.to_owned(),
            revision,
            cluster,
            control_plane,
            machine_deployments,
            addons,
            readiness: Readiness::Ready,
        };
        status.readiness = status.judge();
        status
    }

    fn judge(&self) -> Readiness {
        let Some(cluster) = &self.cluster else {
            return Readiness::Progressing("the Cluster does not exist".into());
        };
        if let Some(f) = &cluster.failure {
            return Readiness::Failed(format!("Cluster {}: {f}", cluster.name));
        }
        if cluster.phase == "Failed" {
            return Readiness::Failed(format!("Cluster {} is in phase Failed", cluster.name));
        }
        if let Some(a) = self.addons.iter().find(|a| a.phase == "Failed") {
            return Readiness::Failed(format!("{} {} is in phase Failed", a.kind, a.name));
        }
        let ready = cluster
            .conditions
            .iter()
            .find(|c| c.type_ == "Ready")
            .is_some_and(|c| c.status == "True");
        if !ready {
            return Readiness::Progressing(format!("Cluster {} is not Ready", cluster.name));
        }
        if let Some(cp) = &self.control_plane {
            if !cp.observed {
                return Readiness::Progressing(format!(
                    "KubeadmControlPlane {}: the controller has not seen the latest spec yet",
                    cp.name
                ));
            }
            if cp.ready < cp.desired || cp.updated < cp.desired {
                return Readiness::Progressing(format!(
                    "KubeadmControlPlane {}: {}/{} ready, {}/{} up to date",
                    cp.name, cp.ready, cp.desired, cp.updated, cp.desired
                ));
            }
            if !cp.desired_version.is_empty() && cp.version != cp.desired_version {
                return Readiness::Progressing(format!(
                    "KubeadmControlPlane {}: at version {}, upgrading to {}",
                    cp.name,
                    if cp.version.is_empty() {
                        "(none yet)"
                    } else {
                        &cp.version
                    },
                    cp.desired_version
                ));
            }
        }
        for md in &self.machine_deployments {
            if !md.observed {
                return Readiness::Progressing(format!(
                    "MachineDeployment {}: the controller has not seen the latest spec yet",
                    md.name
                ));
            }
            if md.ready < md.desired || md.updated < md.desired {
                return Readiness::Progressing(format!(
                    "MachineDeployment {}: {}/{} ready, {}/{} up to date",
                    md.name, md.ready, md.desired, md.updated, md.desired
                ));
            }
        }
        if let Some(a) = self.addons.iter().find(|a| a.phase != "Deployed") {
            let phase = if a.phase.is_empty() {
                "no phase yet"
            } else {
                &a.phase
            };
            return Readiness::Progressing(format!("{} {}: {phase}", a.kind, a.name));
        }
        Readiness::Ready
    }

    /// A table for people.
    pub fn table(&self) -> String {
        let dash = |s: &str| {
            if s.is_empty() {
                "-".to_owned()
            } else {
                s.to_owned()
            }
        };
        let mut out = format!(
            "RELEASE {} (namespace {}, revision {})\n",
            self.release, self.namespace, self.revision
        );
        match &self.readiness {
            Readiness::Ready => out.push_str("STATUS  Ready\n"),
            Readiness::Progressing(r) => out.push_str(&format!("STATUS  Progressing: {r}\n")),
            Readiness::Failed(r) => out.push_str(&format!("STATUS  Failed: {r}\n")),
        }
        out.push_str(&format!(
            "\n{:<20} {:<40} {:<9} {:<14} DETAIL\n",
            "KIND", "NAME", "READY", "PHASE"
        ));
        if let Some(c) = &self.cluster {
            let conds: Vec<String> = c
                .conditions
                .iter()
                .map(|k| format!("{}={}", k.type_, k.status))
                .collect();
            out.push_str(&format!(
                "{:<20} {:<40} {:<9} {:<14} {}\n",
                "Cluster",
                c.name,
                "-",
                dash(&c.phase),
                dash(&conds.join(","))
            ));
        }
        if let Some(k) = &self.control_plane {
            out.push_str(&format!(
                "{:<20} {:<40} {:<9} {:<14} {}\n",
                "KubeadmControlPlane",
                k.name,
                format!("{}/{}", k.ready, k.desired),
                "-",
                dash(&k.version)
            ));
        }
        for m in &self.machine_deployments {
            out.push_str(&format!(
                "{:<20} {:<40} {:<9} {:<14} -\n",
                "MachineDeployment",
                m.name,
                format!("{}/{}", m.ready, m.desired),
                dash(&m.phase)
            ));
        }
        for a in &self.addons {
            out.push_str(&format!(
                "{:<20} {:<40} {:<9} {:<14} -\n",
                a.kind,
                a.name,
                "-",
                dash(&a.phase)
            ));
        }
        out
    }
}

impl Release {
    /// The status of the latest revision's Cluster, control plane, MachineDeployments and
    /// addons.
    pub async fn status(&self) -> Result<ReleaseStatus> {
        let (record, live) = self.status_objects().await?;
        Ok(ReleaseStatus::from_objects(
            self.name(),
            self.namespace(),
            record.revision,
            &live,
        ))
    }

    /// Poll the status until it is [`Readiness::Ready`] (returned), a failure
    /// ([`Error::Failed`]) or the timeout ([`Error::Timeout`]); `progress` is called
    /// whenever the verdict changes.
    pub async fn wait_ready(
        &self,
        timeout: Duration,
        poll_interval: Duration,
        progress: &mut (dyn FnMut(&ReleaseStatus) + Send),
    ) -> Result<ReleaseStatus> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut last: Option<Readiness> = None;
        loop {
            let status = self.status().await?;
            if last.as_ref() != Some(&status.readiness) {
                progress(&status);
                last = Some(status.readiness.clone());
            }
            match &status.readiness {
                Readiness::Ready => return Ok(status),
                Readiness::Failed(why) => return Err(Error::Failed(why.clone())),
                Readiness::Progressing(_) => {}
            }
            if tokio::time::Instant::now() + poll_interval > deadline {
                return Err(Error::Timeout {
                    what: format!("release {} to be ready", self.name()),
                    after: timeout,
                });
            }
            tokio::time::sleep(poll_interval).await;
        }
    }
}

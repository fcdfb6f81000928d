//! The Cluster API v1beta2 forms of the objects capiform emits, as pure conversions of
//! their v1beta1 forms.
//!
//! One engine builds both: the builders make the v1beta1 form (the one the reference
//! chart renders and every name hash is computed from), and a set whose manifest says
//! `clusterApiVersion: v1beta2` has each Cluster API object passed through [`convert`].
//! The conversion follows Cluster API's own (`ConvertTo` of the v1beta1 types, what its
//! conversion webhook runs); `tests/conversion.rs` holds it to that code on every case
//! of the corpus. Where the two differ (the webhook's empty `status`), see
//! `docs/template-sets.md`.
//!
//! What changes from v1beta1 to v1beta2, for the fields capiform can emit:
//!
//! * references to other objects name the API group, not the version
//!   (`apiGroup`, `kind`, `name`; no `namespace`);
//! * every duration is a whole number of seconds in a field named `…Seconds`
//!   (`nodeDrainTimeout: 5m0s` becomes `deletion.nodeDrainTimeoutSeconds: 300`);
//! * a machine's deletion timeouts move under `deletion`; a `MachineDeployment`'s
//!   `strategy` becomes `rollout.strategy`, its `deletePolicy` `deletion.order`;
//! * a `KubeadmControlPlane`'s machine template gets a `spec`, its `rolloutStrategy`,
//!   `rolloutBefore` and `rolloutAfter` move under `rollout`, `remediationStrategy`
//!   becomes `remediation`;
//! * a `MachineHealthCheck`'s checks move under `checks`, `maxUnhealthy` and
//!   `unhealthyRange` under `remediation.triggerIf`;
//! * kubeadm's `extraArgs` and `kubeletExtraArgs` are lists of `{name, value}` sorted
//!   by name; the API server's `timeoutForControlPlane` and the join discovery's
//!   `timeout` move to `initConfiguration.timeouts` and `joinConfiguration.timeouts`;
//!   `useExperimentalRetryJoin` and the cluster configuration's `networking`,
//!   `kubernetesVersion` and `clusterName` (all set by Cluster API itself) are gone;
//! * a `false` that only repeats the default (`readOnly`, `append`, `paused` …) is
//!   left out, as are empty strings and empty objects.
//!
//! ```
//! use capiform::v1beta2;
//! let md = capiform::Object::from_value("cluster.x-k8s.io/v1beta1", "MachineDeployment",
//!     capiform::ObjectMeta::named("demo-md-0"), serde_json::json!({"spec": {
//!         "clusterName": "demo",
//!         "strategy": {"type": "RollingUpdate", "rollingUpdate": {"deletePolicy": "Random"}},
//!         "template": {"spec": {
//!             "clusterName": "demo",
//!             "bootstrap": {"configRef": {"apiVersion": "bootstrap.cluster.x-k8s.io/v1beta1",
//!                 "kind": "KubeadmConfigTemplate", "name": "demo-md-0-1234"}},
//!             "infrastructureRef": {"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1",
//!                 "kind": "OpenStackMachineTemplate", "name": "demo-md-0-5678"},
//!             "nodeDrainTimeout": "5m0s"}}}})).unwrap();
//! let md = v1beta2::convert(md).unwrap();
//! assert_eq!(md.api_version, "cluster.x-k8s.io/v1beta2");
//! let spec = &md.body["spec"];
//! assert_eq!(spec["deletion"]["order"], "Random");
//! assert_eq!(spec["rollout"]["strategy"]["type"], "RollingUpdate");
//! assert_eq!(spec["template"]["spec"]["deletion"]["nodeDrainTimeoutSeconds"], 300);
//! assert_eq!(spec["template"]["spec"]["bootstrap"]["configRef"],
//!     serde_json::json!({"apiGroup": "bootstrap.cluster.x-k8s.io",
//!         "kind": "KubeadmConfigTemplate", "name": "demo-md-0-1234"}));
//! ```

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::object::Object;

/// API version of the Cluster API core kinds in v1beta2.
pub const CLUSTER_API_VERSION: &str = "cluster.x-k8s.io/v1beta2";
/// API version of `KubeadmControlPlane` in v1beta2.
pub const CONTROL_PLANE_API_VERSION: &str = "controlplane.cluster.x-k8s.io/v1beta2";
/// API version of `KubeadmConfigTemplate` in v1beta2.
pub const BOOTSTRAP_API_VERSION: &str = "bootstrap.cluster.x-k8s.io/v1beta2";

/// The v1beta2 form of one rendered object: the Cluster API kinds capiform emits in
/// v1beta1 are converted, every other object is returned as it came.
///
/// A value that Cluster API could not read (a duration that is not one) is an error
/// naming the field.
pub fn convert(mut obj: Object) -> Result<Object> {
    let Some((api_version, convert_spec)) = spec_conversion(&obj.api_version, &obj.kind) else {
        return Ok(obj);
    };
    let path = format!("{}/{}: spec", obj.kind, obj.metadata.name);
    let spec = match obj.body.remove("spec") {
        Some(Value::Object(spec)) => spec,
        _ => Map::new(),
    };
    obj.body
        .insert("spec".into(), Value::Object(convert_spec(spec, &path)?));
    obj.api_version = api_version.to_string();
    Ok(obj)
}

/// [`convert`] for an object as JSON (a live object read from a cluster, a document of
/// a render): every field but `apiVersion` and `spec` is kept as it is. What a tool that
/// compares a v1beta1 object with a v1beta2 one (a diff across the move to a v1beta2
/// set) compares both in: the v1beta2 form, which the API server stores anyway.
///
/// ```
/// let mut mhc = serde_json::json!({"apiVersion": "cluster.x-k8s.io/v1beta1",
///     "kind": "MachineHealthCheck", "metadata": {"name": "m", "namespace": "ns", "uid": "1"},
///     "spec": {"clusterName": "demo", "nodeStartupTimeout": "10m"}});
/// capiform::v1beta2::convert_value(&mut mhc).unwrap();
/// assert_eq!(mhc["apiVersion"], "cluster.x-k8s.io/v1beta2");
/// assert_eq!(mhc["metadata"]["uid"], "1");
/// assert_eq!(mhc["spec"]["checks"]["nodeStartupTimeoutSeconds"], 600);
/// ```
pub fn convert_value(object: &mut Value) -> Result<()> {
    let Some(map) = object.as_object_mut() else {
        return Ok(());
    };
    let text = |k: &str| map.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let (api_version, kind) = (text("apiVersion"), text("kind"));
    let name = map
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let Some((to, convert_spec)) = spec_conversion(&api_version, &kind) else {
        return Ok(());
    };
    let spec = match map.remove("spec") {
        Some(Value::Object(spec)) => spec,
        _ => Map::new(),
    };
    let spec = convert_spec(spec, &format!("{kind}/{name}: spec"))?;
    map.insert("spec".into(), Value::Object(spec));
    map.insert("apiVersion".into(), Value::String(to.to_string()));
    Ok(())
}

/// A spec's conversion: from v1beta1 `spec` (and the path used in messages) to v1beta2.
type SpecConversion = fn(Map<String, Value>, &str) -> Result<Map<String, Value>>;

/// The v1beta2 API version and the spec conversion of a v1beta1 Cluster API kind;
/// `None` for any other object.
fn spec_conversion(api_version: &str, kind: &str) -> Option<(&'static str, SpecConversion)> {
    Some(match (api_version, kind) {
        ("cluster.x-k8s.io/v1beta1", "Cluster") => (CLUSTER_API_VERSION, cluster_spec),
        ("cluster.x-k8s.io/v1beta1", "MachineDeployment") => {
            (CLUSTER_API_VERSION, machine_deployment_spec)
        }
        ("cluster.x-k8s.io/v1beta1", "MachineHealthCheck") => {
            (CLUSTER_API_VERSION, machine_health_check_spec)
        }
        ("controlplane.cluster.x-k8s.io/v1beta1", "KubeadmControlPlane") => {
            (CONTROL_PLANE_API_VERSION, kubeadm_control_plane_spec)
        }
        ("bootstrap.cluster.x-k8s.io/v1beta1", "KubeadmConfigTemplate") => {
            (BOOTSTRAP_API_VERSION, kubeadm_config_template_spec)
        }
        _ => return None,
    })
}

/// The group of an `apiVersion` (`cluster.x-k8s.io/v1beta1` → `cluster.x-k8s.io`; the
/// core group `v1` → empty).
fn api_group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(group, _)| group)
}

/// A v1beta1 object reference as a v1beta2 `ContractVersionedObjectReference`: the
/// group of its `apiVersion`, its kind and name (the namespace is always the
/// referring object's, and the version is read from the contract).
///
/// ```
/// let r = capiform::v1beta2::contract_reference(&serde_json::json!({
///     "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1", "kind": "OpenStackCluster",
///     "name": "demo", "namespace": "default"}));
/// assert_eq!(r, serde_json::json!({"apiGroup": "infrastructure.cluster.x-k8s.io",
///     "kind": "OpenStackCluster", "name": "demo"}));
/// ```
pub fn contract_reference(reference: &Value) -> Value {
    let text = |k: &str| reference.get(k).and_then(Value::as_str).unwrap_or_default();
    let mut out = Map::new();
    put_text(&mut out, "apiGroup", api_group(text("apiVersion")));
    put_text(&mut out, "kind", text("kind"));
    put_text(&mut out, "name", text("name"));
    Value::Object(out)
}

/// The whole seconds of a Go duration (`time.ParseDuration`: `5m0s`, `1h30m`, `90s`,
/// `1.5h`, `300ms`), truncated toward zero and capped at the largest `int32`, as Cluster
/// API's `ConvertToSeconds` does; `None` when the text is not a duration.
///
/// ```
/// use capiform::v1beta2::duration_seconds;
/// assert_eq!(duration_seconds("5m0s"), Some(300));
/// assert_eq!(duration_seconds("1h30m"), Some(5400));
/// assert_eq!(duration_seconds("1500ms"), Some(1));
/// assert_eq!(duration_seconds("0"), Some(0));
/// assert_eq!(duration_seconds("5 minutes"), None);
/// ```
pub fn duration_seconds(text: &str) -> Option<i64> {
    let (negative, mut rest) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut nanos = 0f64;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..number_end];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return None;
        }
        rest = &rest[number_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_end] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[unit_end..];
        nanos += number.parse::<f64>().ok()? * scale;
    }
    let seconds = (nanos / 1e9).trunc().min(f64::from(i32::MAX));
    Some(if negative { -seconds } else { seconds } as i64)
}

/// The seconds of the duration at `key` of `from`, if any: `Ok(None)` when absent or
/// null, an error naming `path.key` when it is not a Go duration.
fn seconds_of(from: &Map<String, Value>, key: &str, path: &str) -> Result<Option<Value>> {
    match from.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => duration_seconds(text)
            .map(|s| Some(Value::from(s)))
            .ok_or_else(|| not_a_duration(path, key, text)),
        Some(other) => Err(not_a_duration(path, key, &other.to_string())),
    }
}

fn not_a_duration(path: &str, key: &str, text: &str) -> Error {
    Error::invalid(
        format!("{path}.{key}"),
        format!(
            "{text:?} is not a duration Cluster API reads (a number and a unit: 300s, 5m, 1h30m)"
        ),
    )
}

/// Set `key` unless `value` is null, an empty string or an empty object (what Go's
/// `omitempty`/`omitzero` leave out of the v1beta2 types).
fn put(out: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    match value {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if s.is_empty() => {}
        Some(Value::Object(m)) if m.is_empty() => {}
        Some(v) => {
            out.insert(key.to_string(), v);
        }
    }
}

fn put_text(out: &mut Map<String, Value>, key: &str, text: &str) {
    put(out, key, Some(Value::String(text.to_string())));
}

/// `true` kept, `false` (the default, which v1beta2 leaves unset) dropped.
fn put_true(out: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if value == Some(Value::Bool(true)) {
        out.insert(key.to_string(), Value::Bool(true));
    }
}

fn take_map(from: &mut Map<String, Value>, key: &str) -> Option<Map<String, Value>> {
    match from.remove(key) {
        Some(Value::Object(m)) => Some(m),
        _ => None,
    }
}

/// The `spec` of a `Cluster`.
fn cluster_spec(mut spec: Map<String, Value>, _path: &str) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    put_true(&mut out, "paused", spec.remove("paused"));
    if let Some(mut network) = take_map(&mut spec, "clusterNetwork") {
        if network.get("apiServerPort").is_some_and(|p| p.is_null() || p == 0) {
            network.remove("apiServerPort");
        }
        for ranges in ["services", "pods"] {
            if network.get(ranges).is_some_and(Value::is_null) {
                network.remove(ranges);
            }
        }
        put(&mut out, "clusterNetwork", Some(Value::Object(network)));
    }
    put(&mut out, "controlPlaneEndpoint", spec.remove("controlPlaneEndpoint"));
    for reference in ["controlPlaneRef", "infrastructureRef"] {
        if let Some(r) = spec.remove(reference).filter(|r| !r.is_null()) {
            out.insert(reference.into(), contract_reference(&r));
        }
    }
    // Anything else (availabilityGates, topology) keeps its shape.
    out.extend(spec);
    Ok(out)
}

/// The spec of a machine (a `MachineDeployment`'s template); `min_ready_seconds` moves
/// here from the deployment.
fn machine_spec(
    mut spec: Map<String, Value>,
    min_ready_seconds: Option<Value>,
    path: &str,
) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    put(&mut out, "clusterName", spec.remove("clusterName"));
    if let Some(mut bootstrap) = take_map(&mut spec, "bootstrap") {
        let mut b = Map::new();
        if let Some(r) = bootstrap.remove("configRef").filter(|r| !r.is_null()) {
            b.insert("configRef".into(), contract_reference(&r));
        }
        put(&mut b, "dataSecretName", bootstrap.remove("dataSecretName"));
        put(&mut out, "bootstrap", Some(Value::Object(b)));
    }
    if let Some(r) = spec.remove("infrastructureRef") {
        out.insert("infrastructureRef".into(), contract_reference(&r));
    }
    for key in ["version", "providerID", "failureDomain"] {
        put(&mut out, key, spec.remove(key));
    }
    put(&mut out, "minReadySeconds", min_ready_seconds);
    put(&mut out, "readinessGates", spec.remove("readinessGates"));
    put(&mut out, "deletion", Some(Value::Object(deletion_seconds(&spec, path)?)));
    for key in [
        "nodeDrainTimeout",
        "nodeVolumeDetachTimeout",
        "nodeDeletionTimeout",
    ] {
        spec.remove(key);
    }
    put(&mut out, "taints", spec.remove("taints"));
    Ok(out)
}

/// A machine's three deletion timeouts, in seconds.
fn deletion_seconds(from: &Map<String, Value>, path: &str) -> Result<Map<String, Value>> {
    let mut deletion = Map::new();
    for key in [
        "nodeDrainTimeout",
        "nodeVolumeDetachTimeout",
        "nodeDeletionTimeout",
    ] {
        put(
            &mut deletion,
            &format!("{key}Seconds"),
            seconds_of(from, key, path)?,
        );
    }
    Ok(deletion)
}

/// The `spec` of a `MachineDeployment`.
fn machine_deployment_spec(
    mut spec: Map<String, Value>,
    path: &str,
) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    put(&mut out, "clusterName", spec.remove("clusterName"));
    put(&mut out, "replicas", spec.remove("replicas"));
    let mut rollout = Map::new();
    let mut deletion = Map::new();
    let mut remediation = Map::new();
    if let Some(mut strategy) = take_map(&mut spec, "strategy") {
        let mut s = Map::new();
        put(&mut s, "type", strategy.remove("type"));
        if let Some(mut rolling) = take_map(&mut strategy, "rollingUpdate") {
            let mut r = Map::new();
            put(&mut r, "maxUnavailable", rolling.remove("maxUnavailable"));
            put(&mut r, "maxSurge", rolling.remove("maxSurge"));
            put(&mut s, "rollingUpdate", Some(Value::Object(r)));
            put(&mut deletion, "order", rolling.remove("deletePolicy"));
        }
        if let Some(mut r) = take_map(&mut strategy, "remediation") {
            put(&mut remediation, "maxInFlight", r.remove("maxInFlight"));
        }
        put(&mut rollout, "strategy", Some(Value::Object(s)));
    }
    put(&mut rollout, "after", spec.remove("rolloutAfter"));
    put(&mut out, "rollout", Some(Value::Object(rollout)));
    put(&mut out, "selector", spec.remove("selector"));
    let min_ready_seconds = spec.remove("minReadySeconds");
    if let Some(mut template) = take_map(&mut spec, "template") {
        let mut t = Map::new();
        put(&mut t, "metadata", template.remove("metadata"));
        let machine = take_map(&mut template, "spec").unwrap_or_default();
        t.insert(
            "spec".into(),
            Value::Object(machine_spec(
                machine,
                min_ready_seconds,
                &format!("{path}.template.spec"),
            )?),
        );
        out.insert("template".into(), Value::Object(t));
    }
    if let Some(mut naming) = take_map(&mut spec, "machineNamingStrategy") {
        let mut n = Map::new();
        put(&mut n, "template", naming.remove("template"));
        put(&mut out, "machineNaming", Some(Value::Object(n)));
    }
    put(&mut out, "remediation", Some(Value::Object(remediation)));
    put(&mut out, "deletion", Some(Value::Object(deletion)));
    put_true(&mut out, "paused", spec.remove("paused"));
    // Gone in v1beta2 (never used by Cluster API).
    spec.remove("revisionHistoryLimit");
    spec.remove("progressDeadlineSeconds");
    out.extend(spec);
    Ok(out)
}

/// Unhealthy conditions with `timeout` as conditions with `timeoutSeconds`.
fn conditions_in_seconds(conditions: Value, path: &str) -> Result<Value> {
    let Value::Array(list) = conditions else {
        return Ok(conditions);
    };
    list.into_iter()
        .enumerate()
        .map(|(i, c)| {
            let Value::Object(mut c) = c else {
                return Ok(c);
            };
            let mut out = Map::new();
            put(&mut out, "type", c.remove("type"));
            put(&mut out, "status", c.remove("status"));
            out.insert(
                "timeoutSeconds".into(),
                seconds_of(&c, "timeout", &format!("{path}[{i}]"))?
                    .unwrap_or_else(|| Value::from(0)),
            );
            Ok(Value::Object(out))
        })
        .collect::<Result<Vec<_>>>()
        .map(Value::Array)
}

/// The `spec` of a `MachineHealthCheck`.
fn machine_health_check_spec(
    mut spec: Map<String, Value>,
    path: &str,
) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    put(&mut out, "clusterName", spec.remove("clusterName"));
    put(&mut out, "selector", spec.remove("selector"));
    let mut checks = Map::new();
    put(
        &mut checks,
        "nodeStartupTimeoutSeconds",
        seconds_of(&spec, "nodeStartupTimeout", path)?,
    );
    spec.remove("nodeStartupTimeout");
    for (from, to) in [
        ("unhealthyConditions", "unhealthyNodeConditions"),
        ("unhealthyMachineConditions", "unhealthyMachineConditions"),
    ] {
        if let Some(c) = spec.remove(from).filter(|c| !c.is_null()) {
            let c = conditions_in_seconds(c, &format!("{path}.{from}"))?;
            if c.as_array().is_none_or(|l| !l.is_empty()) {
                checks.insert(to.into(), c);
            }
        }
    }
    put(&mut out, "checks", Some(Value::Object(checks)));
    let mut trigger_if = Map::new();
    put(&mut trigger_if, "unhealthyLessThanOrEqualTo", spec.remove("maxUnhealthy"));
    put(&mut trigger_if, "unhealthyInRange", spec.remove("unhealthyRange"));
    let mut remediation = Map::new();
    put(&mut remediation, "triggerIf", Some(Value::Object(trigger_if)));
    if let Some(mut template) = take_map(&mut spec, "remediationTemplate") {
        let mut t = Map::new();
        for key in ["kind", "name", "apiVersion"] {
            put(&mut t, key, template.remove(key));
        }
        put(&mut remediation, "templateRef", Some(Value::Object(t)));
    }
    put(&mut out, "remediation", Some(Value::Object(remediation)));
    out.extend(spec);
    Ok(out)
}

/// The `spec` of a `KubeadmControlPlane`.
fn kubeadm_control_plane_spec(
    mut spec: Map<String, Value>,
    path: &str,
) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    put(&mut out, "replicas", spec.remove("replicas"));
    put(&mut out, "version", spec.remove("version"));
    if let Some(mut template) = take_map(&mut spec, "machineTemplate") {
        let mut t = Map::new();
        put(&mut t, "metadata", template.remove("metadata"));
        let mut machine = Map::new();
        if let Some(r) = template.remove("infrastructureRef") {
            machine.insert("infrastructureRef".into(), contract_reference(&r));
        }
        put(&mut machine, "readinessGates", template.remove("readinessGates"));
        put(
            &mut machine,
            "deletion",
            Some(Value::Object(deletion_seconds(
                &template,
                &format!("{path}.machineTemplate"),
            )?)),
        );
        put(&mut machine, "taints", template.remove("taints"));
        t.insert("spec".into(), Value::Object(machine));
        out.insert("machineTemplate".into(), Value::Object(t));
    }
    if let Some(config) = take_map(&mut spec, "kubeadmConfigSpec") {
        out.insert(
            "kubeadmConfigSpec".into(),
            Value::Object(kubeadm_config_spec(
                config,
                &format!("{path}.kubeadmConfigSpec"),
            )?),
        );
    }
    let mut rollout = Map::new();
    if let Some(mut before) = take_map(&mut spec, "rolloutBefore") {
        let mut b = Map::new();
        put(
            &mut b,
            "certificatesExpiryDays",
            before
                .remove("certificatesExpiryDays")
                .filter(|d| d != 0),
        );
        put(&mut rollout, "before", Some(Value::Object(b)));
    }
    put(&mut rollout, "after", spec.remove("rolloutAfter"));
    if let Some(mut strategy) = take_map(&mut spec, "rolloutStrategy") {
        let mut s = Map::new();
        put(&mut s, "type", strategy.remove("type"));
        if let Some(mut rolling) = take_map(&mut strategy, "rollingUpdate") {
            let mut r = Map::new();
            put(&mut r, "maxSurge", rolling.remove("maxSurge"));
            put(&mut s, "rollingUpdate", Some(Value::Object(r)));
        }
        put(&mut rollout, "strategy", Some(Value::Object(s)));
    }
    put(&mut out, "rollout", Some(Value::Object(rollout)));
    if let Some(mut strategy) = take_map(&mut spec, "remediationStrategy") {
        let p = format!("{path}.remediationStrategy");
        let mut r = Map::new();
        put(&mut r, "maxRetry", strategy.remove("maxRetry"));
        // A zero retry period reads as "not set" (Convert_Duration_To_Pointer_int32).
        put(
            &mut r,
            "retryPeriodSeconds",
            seconds_of(&strategy, "retryPeriod", &p)?.filter(|s| s != 0),
        );
        put(
            &mut r,
            "minHealthyPeriodSeconds",
            seconds_of(&strategy, "minHealthyPeriod", &p)?,
        );
        put(&mut out, "remediation", Some(Value::Object(r)));
    }
    if let Some(mut naming) = take_map(&mut spec, "machineNamingStrategy") {
        let mut n = Map::new();
        put(&mut n, "template", naming.remove("template"));
        put(&mut out, "machineNaming", Some(Value::Object(n)));
    }
    out.extend(spec);
    Ok(out)
}

/// The `spec` of a `KubeadmConfigTemplate`: its template's kubeadm config spec converted.
fn kubeadm_config_template_spec(
    mut spec: Map<String, Value>,
    path: &str,
) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    if let Some(mut template) = take_map(&mut spec, "template") {
        let mut t = Map::new();
        put(&mut t, "metadata", template.remove("metadata"));
        let config = take_map(&mut template, "spec").unwrap_or_default();
        put(
            &mut t,
            "spec",
            Some(Value::Object(kubeadm_config_spec(
                config,
                &format!("{path}.template.spec"),
            )?)),
        );
        out.insert("template".into(), Value::Object(t));
    }
    out.extend(spec);
    Ok(out)
}

/// kubeadm's argument map as v1beta2's list of `{name, value}`, sorted by name (then
/// value), as Cluster API's `ConvertToArgs` writes it. A `null` value (a values file's
/// `key: null` kept in the v1beta1 map) is the empty string: what Go reads a JSON `null`
/// into a `string` as, before the conversion runs.
///
/// ```
/// let args = capiform::v1beta2::argument_list(&serde_json::json!(
///     {"v": "2", "bind-address": "0.0.0.0", "audit-log-maxage": null}));
/// assert_eq!(args, serde_json::json!([
///     {"name": "audit-log-maxage", "value": ""},
///     {"name": "bind-address", "value": "0.0.0.0"}, {"name": "v", "value": "2"}]));
/// ```
pub fn argument_list(arguments: &Value) -> Value {
    let Some(map) = arguments.as_object() else {
        return arguments.clone();
    };
    let mut args: Vec<(&String, &Value)> = map.iter().collect();
    args.sort_by(|a, b| a.0.cmp(b.0));
    Value::Array(
        args.into_iter()
            .map(|(name, value)| {
                let mut arg = Map::new();
                arg.insert("name".into(), Value::String(name.clone()));
                let value = match value {
                    Value::Null => Value::String(String::new()),
                    other => other.clone(),
                };
                arg.insert("value".into(), value);
                Value::Object(arg)
            })
            .collect(),
    )
}

/// Replace the argument map at `key` of `component` with its list.
fn arguments_as_list(component: &mut Map<String, Value>, key: &str) {
    match component.remove(key) {
        None | Some(Value::Null) => {}
        Some(args) => {
            component.insert(key.into(), argument_list(&args));
        }
    }
}

/// Host path mounts with `readOnly: false` left out.
fn host_path_mounts(component: &mut Map<String, Value>) {
    if let Some(Value::Array(volumes)) = component.get_mut("extraVolumes") {
        for v in volumes.iter_mut().filter_map(Value::as_object_mut) {
            if v.get("readOnly") == Some(&Value::Bool(false)) {
                v.remove("readOnly");
            }
        }
    }
}

/// A control plane component (`apiServer`, `controllerManager`, `scheduler`) of the
/// cluster configuration.
fn control_plane_component(component: &mut Map<String, Value>) {
    arguments_as_list(component, "extraArgs");
    host_path_mounts(component);
}

/// kubeadm's node registration: `kubeletExtraArgs` as a list.
fn node_registration(configuration: &mut Map<String, Value>) {
    if let Some(Value::Object(registration)) = configuration.get_mut("nodeRegistration") {
        arguments_as_list(registration, "kubeletExtraArgs");
    }
}

/// Remove `apiVersion` and `kind` (kubeadm's own type header, not in v1beta2).
fn drop_type_header(configuration: &mut Map<String, Value>) {
    configuration.remove("apiVersion");
    configuration.remove("kind");
}

/// A `false` at `path` (keys from `root`) left out.
fn drop_false(root: &mut Map<String, Value>, path: &[&str]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = root;
    for key in parents {
        match at.get_mut(*key) {
            Some(Value::Object(m)) => at = m,
            _ => return,
        }
    }
    if at.get(*last) == Some(&Value::Bool(false)) {
        at.remove(*last);
    }
}

/// Empty objects and empty strings removed, depth first (the v1beta2 types leave out
/// zero structs and empty strings); lists are kept as they are, their items cleaned. An
/// argument's value is kept even when empty (`--max-pods=` is an argument too: v1beta2
/// keeps it as a pointer).
fn drop_empty(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if !ARGUMENT_LISTS.contains(&key.as_str()) {
                    drop_empty(v);
                }
            }
            map.retain(|_, v| match v {
                Value::Object(m) => !m.is_empty(),
                Value::String(s) => !s.is_empty(),
                Value::Null => false,
                _ => true,
            });
        }
        Value::Array(list) => list.iter_mut().for_each(drop_empty),
        _ => {}
    }
}

/// The keys of kubeadm's argument lists.
const ARGUMENT_LISTS: &[&str] = &["extraArgs", "kubeletExtraArgs"];

/// A kubeadm config spec (a `KubeadmControlPlane`'s or a `KubeadmConfigTemplate`'s) in
/// its v1beta2 form.
///
/// ```
/// let spec = serde_json::json!({
///     "clusterConfiguration": {"apiServer": {"extraArgs": {"v": "2"}, "timeoutForControlPlane": "10m"}},
///     "joinConfiguration": {"nodeRegistration": {"kubeletExtraArgs": {"cloud-provider": "external"}}},
/// });
/// let v = capiform::v1beta2::kubeadm_config_spec(spec.as_object().unwrap().clone(), "spec").unwrap();
/// assert_eq!(v["clusterConfiguration"]["apiServer"]["extraArgs"][0]["name"], "v");
/// assert_eq!(v["initConfiguration"]["timeouts"]["controlPlaneComponentHealthCheckSeconds"], 600);
/// assert_eq!(v["joinConfiguration"]["nodeRegistration"]["kubeletExtraArgs"][0]["value"], "external");
/// ```
pub fn kubeadm_config_spec(
    mut spec: Map<String, Value>,
    path: &str,
) -> Result<Map<String, Value>> {
    let mut init_health_check = None;
    if let Some(Value::Object(cluster)) = spec.get_mut("clusterConfiguration") {
        drop_type_header(cluster);
        for gone in ["networking", "kubernetesVersion", "clusterName"] {
            cluster.remove(gone);
        }
        for name in ["apiServer", "controllerManager", "scheduler"] {
            if let Some(Value::Object(component)) = cluster.get_mut(name) {
                control_plane_component(component);
            }
        }
        if let Some(Value::Object(api_server)) = cluster.get_mut("apiServer") {
            init_health_check = seconds_of(
                api_server,
                "timeoutForControlPlane",
                &format!("{path}.clusterConfiguration.apiServer"),
            )?;
            api_server.remove("timeoutForControlPlane");
        }
        if let Some(Value::Object(etcd)) = cluster.get_mut("etcd")
            && let Some(Value::Object(local)) = etcd.get_mut("local")
        {
            arguments_as_list(local, "extraArgs");
        }
    }
    if let Some(Value::Object(init)) = spec.get_mut("initConfiguration") {
        drop_type_header(init);
        node_registration(init);
        if let Some(Value::Array(tokens)) = init.get_mut("bootstrapTokens") {
            for (i, token) in tokens.iter_mut().enumerate() {
                if let Value::Object(token) = token {
                    let seconds = seconds_of(
                        token,
                        "ttl",
                        &format!("{path}.initConfiguration.bootstrapTokens[{i}]"),
                    )?;
                    token.remove("ttl");
                    put(token, "ttlSeconds", seconds);
                }
            }
        }
    }
    let mut tls_bootstrap = None;
    if let Some(Value::Object(join)) = spec.get_mut("joinConfiguration") {
        drop_type_header(join);
        node_registration(join);
        if let Some(Value::Object(discovery)) = join.get_mut("discovery") {
            tls_bootstrap = seconds_of(
                discovery,
                "timeout",
                &format!("{path}.joinConfiguration.discovery"),
            )?;
            discovery.remove("timeout");
        }
        drop_false(join, &["discovery", "bootstrapToken", "unsafeSkipCAVerification"]);
        drop_false(
            join,
            &["discovery", "file", "kubeConfig", "cluster", "insecureSkipTLSVerify"],
        );
        drop_false(
            join,
            &["discovery", "file", "kubeConfig", "user", "exec", "provideClusterInfo"],
        );
    }
    // Timeouts that v1beta1 keeps elsewhere (KubeadmConfigSpec.ConvertTo).
    if let Some(seconds) = &init_health_check {
        timeouts(&mut spec, "initConfiguration")
            .insert("controlPlaneComponentHealthCheckSeconds".into(), seconds.clone());
    }
    if init_health_check.is_some() || tls_bootstrap.is_some() {
        let join = timeouts(&mut spec, "joinConfiguration");
        put(join, "controlPlaneComponentHealthCheckSeconds", init_health_check);
        put(join, "tlsBootstrapSeconds", tls_bootstrap);
    }
    if let Some(Value::Array(files)) = spec.get_mut("files") {
        for file in files.iter_mut().filter_map(Value::as_object_mut) {
            if file.get("append") == Some(&Value::Bool(false)) {
                file.remove("append");
            }
        }
    }
    drop_false(&mut spec, &["ignition", "containerLinuxConfig", "strict"]);
    spec.remove("useExperimentalRetryJoin");
    let mut spec = Value::Object(spec);
    drop_empty(&mut spec);
    Ok(match spec {
        Value::Object(m) => m,
        _ => Map::new(),
    })
}

/// The `timeouts` object of `initConfiguration` or `joinConfiguration`, made when absent.
fn timeouts<'a>(spec: &'a mut Map<String, Value>, configuration: &str) -> &'a mut Map<String, Value> {
    let configuration = spec
        .entry(configuration)
        .or_insert_with(|| Value::Object(Map::new()));
    if !configuration.is_object() {
        *configuration = Value::Object(Map::new());
    }
    let timeouts = configuration
        .as_object_mut()
        .expect("an object")
        .entry("timeouts")
        .or_insert_with(|| Value::Object(Map::new()));
    if !timeouts.is_object() {
        *timeouts = Value::Object(Map::new());
    }
    timeouts.as_object_mut().expect("an object")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn durations_read_as_go_reads_them() {
        for (text, seconds) in [
            ("0", Some(0)),
            ("0s", Some(0)),
            ("5m0s", Some(300)),
            ("30m", Some(1800)),
            ("1h2m3s", Some(3723)),
            ("1.5h", Some(5400)),
            ("999ms", Some(0)),
            ("-90s", Some(-90)),
            ("100000000h", Some(i64::from(i32::MAX))),
            ("", None),
            ("5", None),
            ("m", None),
            ("5d", None),
            ("1..5s", None),
        ] {
            assert_eq!(duration_seconds(text), seconds, "{text:?}");
        }
    }

    #[test]
    fn machine_health_check_checks_and_remediation() {
        let spec = json!({
            "clusterName": "demo", "selector": {"matchLabels": {"a": "b"}},
            "maxUnhealthy": "40%", "nodeStartupTimeout": "10m",
            "unhealthyConditions": [{"type": "Ready", "status": "False", "timeout": "5m0s"}],
        });
        let out = machine_health_check_spec(spec.as_object().unwrap().clone(), "spec").unwrap();
        assert_eq!(
            Value::Object(out),
            json!({
                "clusterName": "demo", "selector": {"matchLabels": {"a": "b"}},
                "checks": {"nodeStartupTimeoutSeconds": 600, "unhealthyNodeConditions": [
                    {"type": "Ready", "status": "False", "timeoutSeconds": 300}]},
                "remediation": {"triggerIf": {"unhealthyLessThanOrEqualTo": "40%"}},
            })
        );
    }

    #[test]
    fn control_plane_machine_template_gets_a_spec() {
        let spec = json!({
            "version": "v1.31.4", "replicas": 3,
            "machineTemplate": {
                "metadata": {"labels": {"a": "b"}},
                "infrastructureRef": {"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1",
                    "kind": "OpenStackMachineTemplate", "name": "cp-1", "namespace": "ns"},
                "nodeDrainTimeout": "5m0s",
            },
            "rolloutStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}},
            "rolloutBefore": {"certificatesExpiryDays": 21},
            "remediationStrategy": {"maxRetry": 3, "retryPeriod": "0s", "minHealthyPeriod": "1h"},
        });
        let out = kubeadm_control_plane_spec(spec.as_object().unwrap().clone(), "spec").unwrap();
        assert_eq!(
            Value::Object(out),
            json!({
                "version": "v1.31.4", "replicas": 3,
                "machineTemplate": {"metadata": {"labels": {"a": "b"}}, "spec": {
                    "infrastructureRef": {"apiGroup": "infrastructure.cluster.x-k8s.io",
                        "kind": "OpenStackMachineTemplate", "name": "cp-1"},
                    "deletion": {"nodeDrainTimeoutSeconds": 300}}},
                "rollout": {"before": {"certificatesExpiryDays": 21},
                    "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}},
                "remediation": {"maxRetry": 3, "minHealthyPeriodSeconds": 3600},
            })
        );
    }

    #[test]
    fn an_empty_argument_keeps_its_empty_value() {
        let spec = json!({"joinConfiguration": {"nodeRegistration": {
            "kubeletExtraArgs": {"max-pods": "", "cloud-provider": "external"}, "name": ""}}});
        let out = kubeadm_config_spec(spec.as_object().unwrap().clone(), "spec").unwrap();
        assert_eq!(
            Value::Object(out),
            json!({"joinConfiguration": {"nodeRegistration": {"kubeletExtraArgs": [
                {"name": "cloud-provider", "value": "external"}, {"name": "max-pods", "value": ""}]}}})
        );
    }

    #[test]
    fn a_bad_duration_names_its_field() {
        let spec = json!({"nodeStartupTimeout": "ten minutes"});
        let err = machine_health_check_spec(spec.as_object().unwrap().clone(), "MachineHealthCheck/x: spec")
            .unwrap_err()
            .to_string();
        assert!(err.contains("MachineHealthCheck/x: spec.nodeStartupTimeout"), "{err}");
        assert!(err.contains("ten minutes"), "{err}");
    }

    #[test]
    fn other_objects_pass_through() {
        let obj = Object::from_value(
            "infrastructure.cluster.x-k8s.io/v1beta1",
            "OpenStackCluster",
            crate::object::ObjectMeta::named("demo"),
            json!({"spec": {"disableAPIServerFloatingIP": false}}),
        )
        .unwrap();
        assert_eq!(convert(obj.clone()).unwrap(), obj);
    }
}

//! Checks of the merged values before anything is rendered.
//!
//! Three passes, every problem reported at once: the structural check against the values
//! schema ([`crate::schema::check`]: unknown keys with suggestions, types, enums, ranges,
//! formats), the typed model, and cross-field rules that need several keys. Rules that
//! belong to one resource family (a flavor and an image for every machine, node group
//! names and sizes, the etcd encryption key) are checked by its builder; the render
//! collects their problems too, so one run lists everything to fix.

use serde_json::Value;

use crate::error::{Error, FieldError, Result};
use crate::template_set::TemplateSet;
use crate::values::{Merged, Values, typed_values};

/// The values schema version this engine validates against.
pub const SCHEMA_VERSION: &str = "v1";

/// Check the merged values and return the typed model, or every problem found.
///
/// ```
/// use serde_json::json;
/// let ok = json!({"kubernetesVersion": "1.31.4", "cloudCredentialsSecretName": "creds", "osDistro": "ubuntu"});
/// let v = capiform::validation::validate(&ok).unwrap();
/// assert_eq!(v.os_distro.as_deref(), Some("ubuntu"));
/// let bad = json!({"kubernetesVersion": "1.31.4", "cloudCredentialsSecretName": "creds", "osDistro": "arch", "oidcc": {}});
/// let err = capiform::validation::validate(&bad).unwrap_err();
/// assert_eq!(err.to_string().lines().count(), 2);
/// ```
pub fn validate(merged: &Value) -> Result<Values> {
    match check(merged) {
        (Some(v), problems) if problems.is_empty() => Ok(v),
        (_, problems) => Err(Error::Invalid(dedup(problems))),
    }
}

/// Every problem of the merged values, and the typed model when the values have the
/// right shape (even if other rules failed), so that callers can go on collecting the
/// builders' problems.
///
/// ```
/// let (typed, problems) = capiform::validation::check(&serde_json::json!({
///     "kubernetesVersion": "1.31.4", "cloudCredentialsSecretName": "c", "osDistro": "arch"}));
/// assert!(typed.is_some());
/// assert_eq!(problems.len(), 1);
/// ```
pub fn check(merged: &Value) -> (Option<Values>, Vec<FieldError>) {
    finish_check(merged, crate::schema::check(SCHEMA_VERSION, merged))
}

/// [`check`] of the merged values of a render ([`Merged`]), the user's values `user`
/// beside them. When `defaults_valid` (the template set's defaults check clean), the
/// structural check walks only what the user gave, and the untouched defaults are never
/// copied into one tree.
///
/// ```
/// use capiform::values::{Merged, ValuesSource};
/// let defaults = serde_json::json!({"kubernetesVersion": "1.31.4", "cloudCredentialsSecretName": "c"});
/// let (merged, user) = Merged::over(&defaults, &[ValuesSource::Set("osDistro=arch".into())]).unwrap();
/// let (typed, problems) = capiform::validation::check_merged(&merged, &user, true);
/// assert!(typed.is_some());
/// assert_eq!(problems.len(), 1);
/// ```
pub fn check_merged(
    merged: &Merged,
    user: &Value,
    defaults_valid: bool,
) -> (Option<Values>, Vec<FieldError>) {
    check_merged_over(merged, user, defaults_valid, None)
}

/// [`check_merged`] of the merged values of a render over a template set's defaults:
/// when the set's defaults pass the checks, only the user's part is walked and typed,
/// and the rest of the typed values is taken from [`TemplateSet::typed_defaults`].
/// What [`crate::render()`] runs.
///
/// ```
/// use capiform::values::{Merged, ValuesSource};
/// let set = capiform::TemplateSet::embedded(None).unwrap();
/// let (merged, user) = Merged::over(set.defaults(), &[ValuesSource::Set("osDistro=arch".into())]).unwrap();
/// let (typed, problems) = capiform::validation::check_over_set(&merged, &user, set);
/// assert!(typed.is_some());
/// assert_eq!(problems[0].path, "osDistro");
/// ```
pub fn check_over_set(
    merged: &Merged,
    user: &Value,
    set: &TemplateSet,
) -> (Option<Values>, Vec<FieldError>) {
    check_merged_over(merged, user, set.defaults_are_valid(), set.typed_defaults())
}

/// [`check_merged`], taking the fields the user's values leave alone from
/// `typed_defaults` when given (the typed form of defaults that check clean).
fn check_merged_over(
    merged: &Merged,
    user: &Value,
    defaults_valid: bool,
    typed_defaults: Option<&Values>,
) -> (Option<Values>, Vec<FieldError>) {
    let schema_problems = if defaults_valid {
        crate::schema::check_user_part(SCHEMA_VERSION, merged.given(), user)
    } else {
        crate::schema::check(SCHEMA_VERSION, &merged.to_value())
    };
    let typed = match typed_defaults {
        Some(defaults) => merged.typed_over(defaults),
        None => merged.typed(),
    };
    finish_typed(typed, schema_problems)
}

fn finish_check(
    merged: &Value,
    schema_problems: Vec<FieldError>,
) -> (Option<Values>, Vec<FieldError>) {
    finish_typed(typed_values(merged), schema_problems)
}

fn finish_typed(
    typed: Result<Values>,
    schema_problems: Vec<FieldError>,
) -> (Option<Values>, Vec<FieldError>) {
    let mut problems = schema_problems;
    let typed = match typed {
        Ok(v) => Some(v),
        Err(Error::Invalid(p)) => {
            if problems.is_empty() {
                problems.extend(p);
            }
            None
        }
        Err(e) => {
            problems.push(FieldError::new("", e.to_string()));
            None
        }
    };
    if let Some(values) = &typed {
        problems.extend(cross_field(values));
    }
    (typed, problems)
}

/// One problem per field: the first reported for a path is kept (the values checks run
/// before the builders, so their wording wins), later ones for the same path are dropped.
///
/// ```
/// use capiform::FieldError;
/// let p = vec![FieldError::new("a", "first"), FieldError::new("a", "second"), FieldError::new("b", "x")];
/// assert_eq!(capiform::validation::dedup(p).len(), 2);
/// ```
pub fn dedup(problems: Vec<FieldError>) -> Vec<FieldError> {
    let mut out: Vec<FieldError> = Vec::with_capacity(problems.len());
    for p in problems {
        if !out.iter().any(|o| o.path == p.path) {
            out.push(p);
        }
    }
    out
}

/// Rules across keys: credentials are given, `cloudName` names one of the clouds, a
/// Kubernetes version is given, and the rules Cluster API's and CAPO's webhooks and CRDs
/// apply across fields the values set independently.
fn cross_field(v: &Values) -> Vec<FieldError> {
    let mut out = Vec::new();
    let secret = v
        .cloud_credentials_secret_name
        .as_deref()
        .is_some_and(|s| !s.is_empty());
    let clouds = v.clouds.as_ref().filter(|c| !c.is_empty());
    match (secret, clouds) {
        (false, None) => out.push(FieldError::new(
            "clouds",
            "is required when cloudCredentialsSecretName is not given: give the clouds of a clouds.yaml, or the name of an existing Secret holding one in cloudCredentialsSecretName",
        )),
        (false, Some(c)) => {
            let name = v.cloud_name.as_deref().unwrap_or("openstack");
            if !c.contains_key(name) {
                let known: Vec<&str> = c.keys().map(String::as_str).collect();
                out.push(FieldError::new(
                    "cloudName",
                    format!("'{name}' is not one of the clouds given in clouds (known: {})", known.join(", ")),
                ));
            }
        }
        _ => {}
    }
    let has_version = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.is_empty());
    let cp_version = v.control_plane.as_ref().map(|c| &c.kubernetes_version);
    if !has_version(&v.kubernetes_version) && !cp_version.is_some_and(has_version) {
        out.push(FieldError::new(
            "kubernetesVersion",
            "is required (or controlPlane.kubernetesVersion): the Kubernetes version, e.g. 1.31.4",
        ));
    }
    if let Some(cp) = &v.control_plane {
        out.extend(control_plane_rollout(cp));
        if cp.omit_failure_domain != Some(true) {
            out.extend(given_twice(
                "controlPlane.failureDomains",
                cp.failure_domains.as_deref().unwrap_or_default(),
                "CAPO's OpenStackCluster takes the control plane's availability zones as a set (spec.controlPlaneAvailabilityZones): give each zone once",
            ));
        }
    }
    let no_external_network = v
        .cluster_networking
        .as_ref()
        .is_some_and(|n| n.disable_external_network == Some(true));
    let floating_ip = v
        .api_server
        .as_ref()
        .is_some_and(|a| a.associate_floating_ip == Some(true));
    if no_external_network && floating_ip {
        out.push(FieldError::new(
            "apiServer.associateFloatingIP",
            "is true while clusterNetworking.disableExternalNetwork is true: without an external network there is no floating IP to associate (CAPO's OpenStackCluster: disableAPIServerFloatingIP cannot be false when disableExternalNetwork is true); set apiServer.associateFloatingIP: false",
        ));
    }
    if let Some(api) = v
        .api_server
        .as_ref()
        .filter(|a| a.enable_load_balancer == Some(true))
    {
        out.extend(given_twice(
            "apiServer.allowedCIDRs",
            api.allowed_cidrs.as_deref().unwrap_or_default(),
            "CAPO's OpenStackCluster takes the load balancer's allowed CIDRs as a set (spec.apiServerLoadBalancer.allowedCIDRs): give each once",
        ));
    }
    out
}

/// The entries of a list its reader takes as a set that repeat an earlier entry, each
/// reported at its index.
///
/// ```text
/// controlPlane.failureDomains[2]: "nova" is given twice (first at controlPlane.failureDomains[0]): CAPO's ...
/// ```
fn given_twice(path: &str, items: &[String], rule: &str) -> Vec<FieldError> {
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let first = items[..i].iter().position(|e| e == item)?;
            Some(FieldError::new(
                format!("{path}[{i}]"),
                format!("\"{item}\" is given twice (first at {path}[{first}]): {rule}"),
            ))
        })
        .collect()
}

/// The rule of Cluster API's KubeadmControlPlane webhook on the rollout: a rolling update
/// adds 1 machine or none (`maxSurge`, read as Kubernetes reads an int-or-string as a
/// number: a string that is not a whole number counts as 0), and without one (a scale-in
/// rollout) the control plane needs at least 3 machines.
fn control_plane_rollout(cp: &crate::values::ControlPlane) -> Vec<FieldError> {
    let path = "controlPlane.rolloutStrategy.rollingUpdate.maxSurge";
    let Some(surge) = cp
        .rollout_strategy
        .as_ref()
        .and_then(|s| s.get("rollingUpdate"))
        .and_then(|r| r.get("maxSurge"))
        .filter(|s| !s.is_null())
    else {
        return Vec::new();
    };
    let value = match surge {
        serde_json::Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        serde_json::Value::String(s) => s.trim().parse::<i64>().map_or(0.0, |n| n as f64),
        _ => return Vec::new(), // a type error of the values schema
    };
    if value != 0.0 && value != 1.0 {
        return vec![FieldError::new(
            path,
            format!(
                "{} is not allowed: Cluster API's KubeadmControlPlane takes a maxSurge of 1 (a machine added before one is removed) or 0 (scale-in)",
                crate::schema::describe(surge)
            ),
        )];
    }
    match cp.machine_count {
        Some(count) if value == 0.0 && count < 3 => vec![FieldError::new(
            path,
            format!(
                "is 0 (scale-in) with controlPlane.machineCount {count}: Cluster API's KubeadmControlPlane needs at least 3 machines to roll out without a surge; give 3 or more machines, or maxSurge 1"
            ),
        )],
        _ => Vec::new(),
    }
}

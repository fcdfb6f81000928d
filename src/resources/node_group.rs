//! Worker node groups: the effective group (`nodeGroupDefaults` beneath each entry of
//! `nodeGroups`), its checks, and per group the `MachineDeployment`, the
//! `KubeadmConfigTemplate` and the `MachineHealthCheck`.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde::de::value::MapDeserializer;
use serde_json::{Map, Value};

use crate::api::IntoValue;
use crate::api::capi_machine::{
    Bootstrap, CLUSTER_API_VERSION, LabelSelector, MachineDeploymentSpec, MachineHealthCheckSpec,
    MachineSpec, MachineTemplateSpec, ObjectReference,
};
use crate::api::kubeadm::{
    BOOTSTRAP_API_VERSION, KubeadmConfigTemplateResource, KubeadmConfigTemplateSpec,
    TemplateMetadata,
};
use crate::error::{Error, FieldError, Result};
use crate::naming;
use crate::object::{Object, ObjectMeta};
use crate::context::Context;
use crate::resources::kubeadm::{self, is_empty};
use crate::values::NodeGroup;

/// Annotation giving the autoscaler the minimum size of a group.
pub const AUTOSCALER_MIN_ANNOTATION: &str =
    "cluster.x-k8s.io/cluster-api-autoscaler-node-group-min-size";

/// Annotation giving the autoscaler the maximum size of a group.
pub const AUTOSCALER_MAX_ANNOTATION: &str =
    "cluster.x-k8s.io/cluster-api-autoscaler-node-group-max-size";

/// Put `defaults` beneath `group` as the chart does (Sprig's `merge`, i.e. mergo without
/// overwrite): a key of the group wins unless its value is empty (`null`, `false`, `0`,
/// `""`, `[]`, `{}`), in which case a non-null default replaces it; two maps merge
/// recursively; lists never concatenate; a `null` default adds nothing.
pub fn merge_group_defaults(group: &Value, defaults: &Value) -> Value {
    let (Value::Object(g), Value::Object(d)) = (group, defaults) else {
        return group.clone();
    };
    Value::Object(
        group_entries(g, d)
            .into_iter()
            .map(|(k, v)| (k.clone(), v.into_owned()))
            .collect(),
    )
}

/// The entries of [`merge_group_defaults`] without copying what one side decides alone:
/// a value is borrowed from the group or from the defaults, and only two maps that merge
/// are built anew. The typed group is read from these entries directly.
fn group_entries<'v>(
    group: &'v Map<String, Value>,
    defaults: &'v Map<String, Value>,
) -> Vec<(&'v String, Cow<'v, Value>)> {
    let mut out = Vec::with_capacity(group.len() + defaults.len());
    for (k, gv) in group {
        let v = match defaults.get(k) {
            Some(dv) if !dv.is_null() => match gv {
                Value::Object(_) if dv.is_object() => {
                    let m = merge_group_defaults(gv, dv);
                    if is_empty(&m) {
                        Cow::Borrowed(dv)
                    } else {
                        Cow::Owned(m)
                    }
                }
                gv if is_empty(gv) => Cow::Borrowed(dv),
                gv => Cow::Borrowed(gv),
            },
            _ => Cow::Borrowed(gv),
        };
        out.push((k, v));
    }
    for (k, dv) in defaults {
        if !dv.is_null() && !group.contains_key(k) {
            out.push((k, Cow::Borrowed(dv)));
        }
    }
    out
}

/// The typed group over the defaults; on failure, the path and message of the first
/// problem (worded by the path-tracking deserializer, which only failures pay for).
fn typed_group(
    group: &Value,
    defaults: &Value,
) -> std::result::Result<NodeGroup, (String, String)> {
    if let (Value::Object(g), Value::Object(d)) = (group, defaults) {
        let entries = group_entries(g, d);
        let map = entries.iter().map(|(k, v)| (k.as_str(), v.as_ref()));
        if let Ok(typed) = NodeGroup::deserialize(MapDeserializer::<_, serde_json::Error>::new(map))
        {
            return Ok(typed);
        }
    }
    let merged = merge_group_defaults(group, defaults);
    NodeGroup::deserialize(&merged)
        .or_else(|_| serde_path_to_error::deserialize::<_, NodeGroup>(&merged))
        .map_err(|e| (e.path().to_string(), crate::error::plain_type_error(&e.inner().to_string())))
}

/// Whether a node group name fits the chart's rule: at least three characters, a
/// lower-case letter first, lower-case letters, digits and dashes, no dash last.
pub fn is_valid_group_name(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() >= 3
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[b.len() - 1] != b'-'
}

/// `v` + the version without a leading `v`; `None` when empty.
fn normalise_version(v: Option<&str>) -> Option<String> {
    let v = v.filter(|s| !s.is_empty())?;
    Some(format!("v{}", v.strip_prefix('v').unwrap_or(v)))
}

/// The Kubernetes version of a component: its own version, else `kubernetesVersion`,
/// with a single leading `v`.
pub fn kubernetes_version(ctx: &Context, own: Option<&str>) -> Option<String> {
    normalise_version(own.filter(|s| !s.is_empty()))
        .or_else(|| normalise_version(ctx.values.kubernetes_version.as_deref()))
}

/// The effective node groups, with their index in `nodeGroups`: `nodeGroupDefaults`
/// merged beneath each group ([`merge_group_defaults`]), typed, and checked (name rule,
/// unique names, machine counts, Kubernetes version). Every problem of every group is
/// reported, each naming its field (`nodeGroups[1].machineCount`).
pub fn effective_node_groups(ctx: &Context) -> Result<Vec<(usize, NodeGroup)>> {
    let defaults = ctx.raw.get("nodeGroupDefaults").unwrap_or(&Value::Null);
    let groups: &[Value] = match ctx.raw.get("nodeGroups") {
        Some(Value::Array(a)) => a,
        _ => &[],
    };
    let mut problems = Vec::new();
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, raw_group) in groups.iter().enumerate() {
        let path = format!("nodeGroups[{i}]");
        if !raw_group.is_object() {
            problems.push(FieldError::new(
                &path,
                format!(
                    "must be a mapping with at least a name (got {})",
                    crate::values::kind_name(raw_group)
                ),
            ));
            continue;
        }
        let group = match typed_group(raw_group, defaults) {
            Ok(g) => g,
            Err((at, message)) => {
                problems.push(FieldError::new(format!("{path}.{at}"), message));
                continue;
            }
        };
        let before = problems.len();
        check_group(ctx, i, &group, &mut problems);
        if let Some(name) = &group.name
            && !seen.insert(name.clone()) {
                problems.push(FieldError::new(
                    format!("{path}.name"),
                    format!(
                        "duplicate node group name '{name}' (every node group needs its own name)"
                    ),
                ));
            }
        if problems.len() == before {
            out.push((i, group));
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(Error::Invalid(problems))
    }
}

/// The checks of one effective group.
fn check_group(ctx: &Context, i: usize, group: &NodeGroup, problems: &mut Vec<FieldError>) {
    let path = format!("nodeGroups[{i}]");
    match group.name.as_deref() {
        None | Some("") => problems.push(FieldError::new(
            format!("{path}.name"),
            "is required (at least three characters: lower-case letters, digits and dashes, \
             starting with a letter and not ending with a dash, e.g. md-0)",
        )),
        Some(name) if !is_valid_group_name(name) => problems.push(FieldError::new(
            format!("{path}.name"),
            format!(
                "'{name}' is not a valid node group name (at least three characters: lower-case \
                 letters, digits and dashes, starting with a letter and not ending with a dash)"
            ),
        )),
        Some(_) => {}
    }
    if group.autoscale == Some(true) {
        match (group.machine_count_min, group.machine_count_max) {
            (None, _) => problems.push(FieldError::new(
                format!("{path}.machineCountMin"),
                "is required for an autoscaled node group (the minimum number of machines, 0 or more)",
            )),
            (Some(min), _) if min < 0 => problems.push(FieldError::new(
                format!("{path}.machineCountMin"),
                format!("must be 0 or more (got {min})"),
            )),
            (Some(_), None) => problems.push(FieldError::new(
                format!("{path}.machineCountMax"),
                "is required for an autoscaled node group (the maximum number of machines)",
            )),
            (Some(min), Some(max)) if max < min => problems.push(FieldError::new(
                format!("{path}.machineCountMax"),
                format!("must be at least machineCountMin ({min}), got {max}"),
            )),
            _ => {}
        }
    } else if group.machine_count.is_none() {
        problems.push(FieldError::new(
            format!("{path}.machineCount"),
            "is required (the number of machines), unless autoscale is true with machineCountMin and machineCountMax",
        ));
    }
    if kubernetes_version(ctx, group.kubernetes_version.as_deref()).is_none() {
        problems.push(FieldError::new(
            "kubernetesVersion",
            format!(
                "is required: no Kubernetes version for node group {} (set kubernetesVersion, e.g. 1.31.4, \
                 or {path}.kubernetesVersion)",
                group.name.as_deref().unwrap_or("?")
            ),
        ));
    }
}

/// The group name (checked by [`effective_node_groups`]).
fn group_name(group: &NodeGroup) -> &str {
    group.name.as_deref().unwrap_or_default()
}

/// Labels of a group's objects: the worker component labels and `<prefix>/node-group`.
fn group_labels(ctx: &Context, group: &NodeGroup) -> BTreeMap<String, String> {
    let mut l = naming::component_labels(ctx.prefix(), &ctx.cluster_name(), "worker");
    l.insert(
        format!("{}/node-group", ctx.prefix()),
        group_name(group).to_string(),
    );
    l
}

/// Selector labels of a group's machines.
fn group_selector_labels(ctx: &Context, group: &NodeGroup) -> BTreeMap<String, String> {
    let mut l = naming::component_selector_labels(ctx.prefix(), &ctx.cluster_name(), "worker");
    l.insert(
        format!("{}/node-group", ctx.prefix()),
        group_name(group).to_string(),
    );
    l
}

/// The `KubeadmConfigTemplate` of a group and its name. The name ends with
/// [`naming::spec_hash`] of the spec (a semantic hash: only a real change of the spec
/// renames the template and rolls the machines); the annotation
/// `<prefix>/template-checksum` carries the SHA-256 of the spec's YAML text as Helm
/// computes it, for continuity with clusters deployed by the chart.
pub fn kubeadm_config_template(
    ctx: &Context,
    group: &NodeGroup,
    fragments: &kubeadm::NodeGroupFragments,
) -> Result<(Object, String)> {
    let mut spec = fragments.spec(ctx, group)?;
    let checksum = template_checksum(&spec);
    kubeadm::show_as_helm_prints(&mut spec);
    let name = format!(
        "{}-{}",
        ctx.component_name(group_name(group)),
        naming::value_spec_hash(&spec)
    );
    let mut meta = ObjectMeta::named(&name);
    meta.labels = group_labels(ctx, group);
    meta.annotations.insert(
        format!("{}/template-checksum", ctx.prefix()),
        Value::String(checksum),
    );
    meta.annotations.insert(
        "helm.sh/resource-policy".into(),
        Value::String("keep".into()),
    );
    let body = crate::object::single(
        "spec",
        KubeadmConfigTemplateSpec {
            template: KubeadmConfigTemplateResource { spec },
        }
        .into_value(),
    );
    let obj = Object::from_value(BOOTSTRAP_API_VERSION, "KubeadmConfigTemplate", meta, body)?;
    Ok((obj, name))
}

/// SHA-256 (hex) of the YAML text Helm prints for a spec (`toYaml | sha256sum`).
fn template_checksum(spec: &Value) -> String {
    crate::helm_compat::sha256_hex(&crate::helm_compat::go_yaml::to_string(spec))
}

/// The `MachineDeployment` of a group, referring to its bootstrap and infrastructure
/// templates. Autoscaled groups get the autoscaler's size annotations and no replicas.
pub fn machine_deployment(
    ctx: &Context,
    group: &NodeGroup,
    bootstrap_template: &str,
    infrastructure_template: &str,
) -> Result<Object> {
    let name = group_name(group);
    let mut meta = ObjectMeta::named(ctx.component_name(name));
    meta.labels = group_labels(ctx, group);
    let autoscale = group.autoscale == Some(true);
    if autoscale {
        let count = |v: Option<i64>| {
            Value::String(v.map(|n| kubeadm::go_string(&n.into())).unwrap_or_default())
        };
        meta.annotations.insert(
            AUTOSCALER_MIN_ANNOTATION.into(),
            count(group.machine_count_min),
        );
        meta.annotations.insert(
            AUTOSCALER_MAX_ANNOTATION.into(),
            count(group.machine_count_max),
        );
    }
    let cluster = ctx.cluster_name();
    let mut selector = group_selector_labels(ctx, group);
    selector.insert("cluster.x-k8s.io/cluster-name".into(), cluster.clone());
    let version = kubernetes_version(ctx, group.kubernetes_version.as_deref())
        .ok_or_else(|| Error::invalid("kubernetesVersion", "is required (e.g. 1.31.4)"))?;
    let string = |s: &Option<String>| s.clone().map(Value::String);
    let spec = MachineDeploymentSpec {
        cluster_name: cluster.clone(),
        replicas: if autoscale { None } else { group.machine_count },
        strategy: group.rollout_strategy.clone().filter(|v| !v.is_null()),
        selector: LabelSelector {
            match_labels: selector,
        },
        template: MachineTemplateSpec {
            metadata: TemplateMetadata {
                labels: group_selector_labels(ctx, group),
            },
            spec: MachineSpec {
                cluster_name: cluster,
                version,
                failure_domain: group.failure_domain.clone().filter(|s| !s.is_empty()),
                bootstrap: Bootstrap {
                    config_ref: ObjectReference::new(
                        BOOTSTRAP_API_VERSION,
                        "KubeadmConfigTemplate",
                        bootstrap_template,
                    ),
                },
                infrastructure_ref: ObjectReference::new(
                    "infrastructure.cluster.x-k8s.io/v1beta1",
                    "OpenStackMachineTemplate",
                    infrastructure_template,
                ),
                node_drain_timeout: string(&group.node_drain_timeout),
                node_volume_detach_timeout: string(&group.node_volume_detach_timeout),
                node_deletion_timeout: string(&group.node_deletion_timeout),
            },
        },
    };
    Object::from_value(
        CLUSTER_API_VERSION,
        "MachineDeployment",
        meta,
        crate::object::single("spec", spec.into_value()),
    )
}

/// A `MachineHealthCheck` spec: cluster, selector, then the user's settings.
pub(crate) fn health_check_spec(
    cluster: String,
    match_labels: BTreeMap<String, String>,
    settings: Option<&Value>,
) -> MachineHealthCheckSpec {
    let mut extra = match settings {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    extra.remove("clusterName");
    extra.remove("selector");
    MachineHealthCheckSpec {
        cluster_name: cluster,
        selector: LabelSelector { match_labels },
        settings: extra,
    }
}

/// The `MachineHealthCheck` of a group, when `healthCheck.enabled`.
pub fn machine_health_check(ctx: &Context, group: &NodeGroup) -> Result<Option<Object>> {
    let Some(hc) = group
        .health_check
        .as_ref()
        .filter(|h| h.enabled == Some(true))
    else {
        return Ok(None);
    };
    let mut meta = ObjectMeta::named(ctx.component_name(group_name(group)));
    meta.labels = group_labels(ctx, group);
    let spec = health_check_spec(
        ctx.cluster_name(),
        group_selector_labels(ctx, group),
        hc.spec.as_ref(),
    );
    Object::from_value(
        CLUSTER_API_VERSION,
        "MachineHealthCheck",
        meta,
        crate::object::single("spec", spec.into_value()),
    )
    .map(Some)
}

/// Every object of the given node groups (from [`effective_node_groups`]): per group the
/// `KubeadmConfigTemplate`, `MachineDeployment` and `MachineHealthCheck`. The group's
/// `OpenStackMachineTemplate` is built by [`crate::resources::machine_template`];
/// `infrastructure_template` gives its name for the group at an index of `nodeGroups`.
pub fn build(
    ctx: &Context,
    groups: &[(usize, NodeGroup)],
    infrastructure_template: impl Fn(usize, &NodeGroup) -> Result<String>,
) -> Result<Vec<Object>> {
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let fragments = kubeadm::NodeGroupFragments::new(ctx)?;
    let mut objects = Vec::with_capacity(groups.len() * 3);
    for (index, group) in groups {
        let infra_name = infrastructure_template(*index, group)?;
        let (kct, kct_name) = kubeadm_config_template(ctx, group, &fragments)?;
        objects.push(kct);
        objects.push(machine_deployment(ctx, group, &kct_name, &infra_name)?);
        if let Some(mhc) = machine_health_check(ctx, group)? {
            objects.push(mhc);
        }
    }
    Ok(objects)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_fill_empty_group_values() {
        let d = json!({"s": "def", "n": 5, "b": true, "l": [1, 2], "m": {"a": 1, "b": {"c": 2}}, "z": null});
        let g = json!({"s": "", "n": 0, "b": false, "l": [], "m": {}});
        assert_eq!(
            merge_group_defaults(&g, &d),
            json!({"s": "def", "n": 5, "b": true, "l": [1, 2], "m": {"a": 1, "b": {"c": 2}}})
        );
    }

    #[test]
    fn group_values_win_and_maps_merge_deeply() {
        let d = json!({"m": {"a": 1, "b": {"c": 2}}, "l": [1], "s": "x"});
        let g = json!({"m": {"a": 9, "b": {"d": 4}}, "l": {"x": 1}, "s": {"a": 1}});
        assert_eq!(
            merge_group_defaults(&g, &d),
            json!({"m": {"a": 9, "b": {"c": 2, "d": 4}}, "l": {"x": 1}, "s": {"a": 1}})
        );
    }

    #[test]
    fn null_group_value_takes_the_default_and_null_default_adds_nothing() {
        let d = json!({"hc": {"enabled": true}, "nl": null});
        let g = json!({"hc": null, "x": null});
        assert_eq!(
            merge_group_defaults(&g, &d),
            json!({"hc": {"enabled": true}, "x": null})
        );
    }

    /// The typed group read from the borrowed entries is the one read from the merged
    /// tree, and a group that does not deserialize gets the same problem either way.
    #[test]
    fn typed_group_reads_the_merged_tree() {
        let set = crate::TemplateSet::embedded(None).unwrap();
        let set_defaults = set.defaults()["nodeGroupDefaults"].clone();
        let defaults = [
            set_defaults,
            json!({}),
            json!(null),
            json!({"machineRootVolume": {"diskSize": 40}, "nodeLabels": null, "autoscale": true}),
        ];
        let groups = [
            json!({"name": "md-0"}),
            json!({"name": "md-0", "machineCount": 0, "autoscale": false, "nodeLabels": {}}),
            json!({"name": "md-0", "machineRootVolume": {"diskSize": 100, "volumeType": "ssd"}}),
            json!({"name": "md-0", "healthCheck": {"enabled": false, "spec": {"maxUnhealthy": "50%"}}}),
            json!({"name": "md-0", "healthCheck": null, "machineRootVolume": {}}),
            json!({"name": "md-0", "kubeadmConfigSpec": {"files": [{"path": "/x"}]}}),
            json!({"name": "md-0", "machineCount": "three"}),
            json!({"name": "md-0", "machineRootVolume": {"diskSize": "big"}}),
            json!({"name": "md-0", "machineFlavr": "typo"}),
        ];
        for d in &defaults {
            for g in &groups {
                let merged = merge_group_defaults(g, d);
                let eager = serde_path_to_error::deserialize::<_, NodeGroup>(&merged)
                    .map(|t| serde_json::to_value(t).unwrap())
                    .map_err(|e| (e.path().to_string(), crate::error::plain_type_error(&e.inner().to_string())));
                let borrowed = typed_group(g, d).map(|t| serde_json::to_value(t).unwrap());
                assert_eq!(borrowed, eager, "group {g} over {d}");
            }
        }
    }

    #[test]
    fn group_names() {
        for ok in ["md-0", "abc", "a-b-c", "gpu1"] {
            assert!(is_valid_group_name(ok), "{ok}");
        }
        for bad in ["", "ab", "1ab", "-ab", "ab-", "aB-0", "a_b", "a.b"] {
            assert!(!is_valid_group_name(bad), "{bad}");
        }
    }

    fn problems(values: &str) -> Vec<FieldError> {
        crate::resources::kubeadm::with_ctx(values, &[], |ctx| match effective_node_groups(ctx) {
            Err(Error::Invalid(p)) => p,
            Err(other) => panic!("unexpected error {other}"),
            Ok(_) => Vec::new(),
        })
    }

    const V: &str = "kubernetesVersion: 1.31.4\n";

    #[test]
    fn group_without_name_is_refused_clearly() {
        let p = problems(&format!("{V}nodeGroups: [{{machineCount: 1}}]"));
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].path, "nodeGroups[0].name");
        assert!(p[0].message.starts_with("is required"), "{}", p[0].message);
    }

    #[test]
    fn invalid_and_duplicate_names_are_refused() {
        let p = problems(&format!(
            "{V}nodeGroups: [{{name: md-0, machineCount: 1}}, {{name: Md_1, machineCount: 1}}, {{name: md-0, machineCount: 1}}]"
        ));
        let paths: Vec<&str> = p.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["nodeGroups[1].name", "nodeGroups[2].name"], "{p:?}");
        assert!(p[0].message.contains("'Md_1'") && p[0].message.contains("lower-case"));
        assert!(p[1].message.contains("duplicate"));
    }

    #[test]
    fn machine_count_or_autoscale_bounds_are_required() {
        let p = problems(&format!(
            "{V}nodeGroups: [{{name: md-0}}, {{name: md-1, autoscale: true, machineCountMax: 3}}, \
             {{name: md-2, autoscale: true, machineCountMin: -1, machineCountMax: 3}}, \
             {{name: md-3, autoscale: true, machineCountMin: 2}}, \
             {{name: md-4, autoscale: true, machineCountMin: 4, machineCountMax: 3}}]"
        ));
        let paths: Vec<&str> = p.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "nodeGroups[0].machineCount",
                "nodeGroups[1].machineCountMin",
                "nodeGroups[2].machineCountMin",
                "nodeGroups[3].machineCountMax",
                "nodeGroups[4].machineCountMax",
            ],
            "{p:?}"
        );
    }

    #[test]
    fn missing_kubernetes_version_names_the_field() {
        let p = problems("nodeGroups: [{name: md-0, machineCount: 1}]");
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].path, "kubernetesVersion");
    }

    #[test]
    fn wrong_type_names_the_group_field() {
        let p = problems(&format!(
            "{V}nodeGroups: [{{name: md-0, machineCount: many}}]"
        ));
        assert_eq!(p[0].path, "nodeGroups[0].machineCount", "{p:?}");
    }

    #[test]
    fn autoscaled_deployment_has_size_annotations_and_no_replicas() {
        let values = format!(
            "{V}nodeGroups: [{{name: md-0, autoscale: true, machineCountMin: 0, machineCountMax: 5}}]"
        );
        let md = crate::resources::kubeadm::with_ctx(&values, &[], |ctx| {
            let groups = effective_node_groups(ctx).unwrap();
            machine_deployment(ctx, &groups[0].1, "kct", "osmt").unwrap()
        });
        assert_eq!(md.metadata.annotations[AUTOSCALER_MIN_ANNOTATION], "0");
        assert_eq!(md.metadata.annotations[AUTOSCALER_MAX_ANNOTATION], "5");
        assert!(md.body["spec"].get("replicas").is_none());
    }

    #[test]
    fn defaults_apply_beneath_groups() {
        let values = format!(
            "{V}nodeGroupDefaults: {{nodeLabels: {{tier: worker}}, machineRootVolume: {{diskSize: 40}}}}\n\
             nodeGroups: [{{name: md-0, machineCount: 1, machineRootVolume: {{diskSize: 100}}}}]"
        );
        let groups = crate::resources::kubeadm::with_ctx(&values, &[], |ctx| {
            effective_node_groups(ctx).unwrap()
        });
        let g = &groups[0].1;
        assert_eq!(g.machine_root_volume.as_ref().unwrap().disk_size, Some(100));
        assert_eq!(g.node_labels.as_ref().unwrap()["tier"], "worker");
        assert_eq!(g.node_drain_timeout.as_deref(), Some("5m0s"));
    }

    #[test]
    fn versions_get_one_v() {
        assert_eq!(
            normalise_version(Some("1.31.4")).as_deref(),
            Some("v1.31.4")
        );
        assert_eq!(
            normalise_version(Some("v1.31.4")).as_deref(),
            Some("v1.31.4")
        );
        assert_eq!(normalise_version(Some("")), None);
        assert_eq!(normalise_version(None), None);
    }
}

#[cfg(test)]
mod examples {
    //! What the items above do, shown on small inputs.

    #[test]
    fn merge_group_defaults() {
        use crate::resources::node_group::merge_group_defaults;
        use serde_json::json;
        let defaults = json!({"autoscale": true, "machineRootVolume": {"diskSize": 40, "volumeType": "ssd"}, "l": [1]});
        let group = json!({"autoscale": false, "machineRootVolume": {"diskSize": 100}, "l": [2]});
        assert_eq!(
            merge_group_defaults(&group, &defaults),
            json!({"autoscale": true, "machineRootVolume": {"diskSize": 100, "volumeType": "ssd"}, "l": [2]})
        );
    }

    #[test]
    fn is_valid_group_name() {
        use crate::resources::node_group::is_valid_group_name;
        assert!(is_valid_group_name("md-0"));
        assert!(!is_valid_group_name("md"));
        assert!(!is_valid_group_name("0md"));
        assert!(!is_valid_group_name("md-"));
        assert!(!is_valid_group_name("Md-0"));
    }
}

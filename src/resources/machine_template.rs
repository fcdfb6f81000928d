//! `OpenStackMachineTemplate`s: one for the control plane, one per node group.
//!
//! Machine templates are immutable in Cluster API, so a new spec needs a new template:
//! the name ends with [`naming::spec_hash`] of the typed spec (a semantic hash: only a
//! real change of the spec renames the template and rolls the machines). The annotation
//! `<prefix>/template-checksum` keeps the value the Helm chart computes (SHA-256 of the
//! text its template printed), for continuity with clusters deployed by the chart;
//! [`helm_spec_text`] reproduces that text.
//!
//! One deliberate difference from the chart: the chart merges each machine's
//! `machineMetadata` into the *shared* top-level `machineMetadata` (Sprig's
//! `mergeOverwrite` mutates its first argument), so metadata of one node group leaks into
//! the groups rendered after it and into the control plane. capiform gives every machine
//! the top-level metadata plus its own, and nothing else.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::api::IntoValue;
use crate::api::capo::*;
use crate::error::{Error, FieldError, Result};
use crate::helm_compat::{go_yaml, nindent, quote, sha256_hex};
use crate::naming;
use crate::object::{Object, ObjectMeta};
use crate::context::Context;
use crate::values::{BlockDevice, Merged, NodeGroup, RootVolume as RootVolumeValues};

/// The name of the Secret with the cloud credentials: `cloudCredentialsSecretName`, or
/// `<release>-cloud-credentials` (rendered by capiform from `clouds`).
pub fn credentials_secret_name(ctx: &Context) -> String {
    match ctx.values.cloud_credentials_secret_name.as_deref() {
        Some(name) if !name.is_empty() => name.to_string(),
        _ => ctx.component_name("cloud-credentials"),
    }
}

/// Evaluate the template expressions the chart's `tpl` allows in image names
/// ([`crate::values::tpl`]): `.Values.<path>`, `.Release.*`, pipelines of the common
/// string functions; a missing key or anything else is an error naming `field`.
pub fn expand_values_placeholders(
    text: &str,
    values: &Merged,
    release: crate::values::tpl::Release,
    field: &str,
) -> Result<String> {
    crate::values::tpl::expand(text, values, release).map_err(|e| Error::invalid(field, e))
}

/// Sprig `quote` of a value as the chart applies it to metadata keys and values.
fn quote_value(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => quote(s),
        other => quote(&crate::helm_compat::go_print(other)),
    }
}

/// The value printed for metadata in the object (a string, as CAPO expects).
fn metadata_string(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => crate::helm_compat::go_print(other),
    }
}

/// What a machine spec is built from: the control plane or a node group.
struct MachineInputs<'a> {
    /// Path prefix for messages (`controlPlane` or `nodeGroups[i]`).
    path: String,
    flavor: Option<&'a str>,
    image_id: Option<&'a str>,
    image: Option<&'a str>,
    root_volume: Option<&'a RootVolumeValues>,
    config_drive: bool,
    block_devices: BTreeMap<String, BlockDevice>,
    ports: Option<&'a Vec<Value>>,
    server_group_id: Option<&'a str>,
    metadata: BTreeMap<String, Value>,
    flavor_missing: String,
    image_missing: String,
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

fn release<'c>(ctx: &'c Context) -> crate::values::tpl::Release<'c> {
    crate::values::tpl::Release {
        name: ctx.release,
        namespace: ctx.namespace,
    }
}

fn image(ctx: &Context, m: &MachineInputs) -> Result<Image> {
    if let Some(id) = non_empty(m.image_id) {
        return Ok(Image::Id(id.to_string()));
    }
    if let Some(name) = non_empty(m.image) {
        let name = expand_values_placeholders(
            name,
            ctx.raw,
            release(ctx),
            &format!("{}.machineImage", m.path),
        )?;
        return Ok(Image::Filter(ImageFilter { name }));
    }
    if let Some(id) = non_empty(ctx.values.machine_image_id.as_deref()) {
        return Ok(Image::Id(id.to_string()));
    }
    if let Some(name) = non_empty(ctx.values.machine_image.as_deref()) {
        let name = expand_values_placeholders(name, ctx.raw, release(ctx), "machineImage")?;
        return Ok(Image::Filter(ImageFilter { name }));
    }
    Err(Error::invalid(
        format!("{}.machineImage", m.path),
        m.image_missing.clone(),
    ))
}

fn root_volume(v: Option<&RootVolumeValues>) -> Option<RootVolume> {
    let v = v?;
    let size = v.disk_size.filter(|s| *s != 0)?;
    Some(RootVolume {
        size_gib: size,
        volume_type: non_empty(v.volume_type.as_deref()).map(str::to_string),
        availability_zone: VolumeAvailabilityZone::from_name(v.availability_zone.as_deref()),
    })
}

fn block_devices(m: &MachineInputs) -> Result<Option<Vec<AdditionalBlockDevice>>> {
    if m.block_devices.is_empty() {
        return Ok(None);
    }
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (name, dev) in &m.block_devices {
        let Some(size) = dev.size.filter(|s| *s != 0) else {
            let path = if name == "etcd" && m.path == "controlPlane" {
                "etcd.blockDevice.size".to_string()
            } else {
                format!("{}.additionalBlockDevices.{name}.size", m.path)
            };
            problems.push(FieldError::new(
                path,
                "is required: the size of the block device in GiB",
            ));
            continue;
        };
        out.push(AdditionalBlockDevice {
            name: name.clone(),
            size_gib: size,
            storage: BlockDeviceStorage {
                kind: non_empty(dev.kind.as_deref())
                    .unwrap_or("Volume")
                    .to_string(),
                volume: BlockDeviceVolume {
                    volume_type: non_empty(dev.volume_type.as_deref()).map(str::to_string),
                    availability_zone: VolumeAvailabilityZone::from_name(
                        dev.availability_zone.as_deref(),
                    ),
                },
            },
        });
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    Ok(Some(out))
}

/// Convert a Neutron filter written in the older (v1alpha7) form to CAPO v1beta1: an
/// `id` becomes a reference by ID; otherwise the fields go under `filter`, with
/// comma-separated tag strings split into lists.
pub fn convert_neutron_filter(filter: &Value) -> Value {
    let Some(map) = filter.as_object() else {
        return filter.clone();
    };
    if let Some(id) = map.get("id") {
        return serde_json::json!({ "id": id });
    }
    let mut inner = serde_json::Map::new();
    for (k, v) in map {
        if v.is_null() {
            continue;
        }
        let is_tags = matches!(k.as_str(), "tags" | "tagsAny" | "notTags" | "notTagsAny");
        if is_tags {
            if crate::resources::kubeadm::is_empty(v) {
                continue;
            }
            let converted = match v {
                Value::String(s) => {
                    Value::Array(s.split(',').map(|t| Value::String(t.to_string())).collect())
                }
                other => other.clone(),
            };
            inner.insert(k.clone(), converted);
        } else {
            inner.insert(k.clone(), v.clone());
        }
    }
    if inner.is_empty() {
        return serde_json::json!({});
    }
    crate::object::single("filter", Value::Object(inner))
}

/// The lists CAPO takes as sets of tags, in Neutron filters and on ports.
const TAG_LISTS: [&str; 4] = ["tags", "tagsAny", "notTags", "notTagsAny"];

/// A tag given twice in a tag list anywhere in `value` (a filter or port of the values at
/// `path`; a comma-separated text counts as the list it is split into), each reported at
/// its list. CAPO's CRDs take these lists as sets and refuse a tag twice.
pub fn repeated_tags(value: &Value, path: &str, out: &mut Vec<FieldError>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let at = format!("{path}.{k}");
                let tags: Vec<&str> = match v {
                    Value::String(s) if TAG_LISTS.contains(&k.as_str()) => s.split(',').collect(),
                    Value::Array(items) if TAG_LISTS.contains(&k.as_str()) => {
                        items.iter().filter_map(Value::as_str).collect()
                    }
                    _ => {
                        repeated_tags(v, &at, out);
                        continue;
                    }
                };
                if let Some(tag) = tags.iter().enumerate().find_map(|(i, t)| {
                    tags[..i].contains(t).then_some(*t)
                }) {
                    out.push(FieldError::new(
                        at,
                        format!("the tag \"{tag}\" is given twice: CAPO takes {k} as a set; give each tag once"),
                    ));
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                repeated_tags(item, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Convert the `network` of each port (when it is an older-style filter without a
/// `filter` key) with [`convert_neutron_filter`].
pub fn convert_ports(ports: &[Value]) -> Vec<Value> {
    ports
        .iter()
        .map(|p| {
            let mut p = p.clone();
            if let Some(net) = p
                .get("network")
                .filter(|n| !crate::resources::kubeadm::is_empty(n))
                && net.get("filter").is_none() {
                    let converted = convert_neutron_filter(net);
                    p["network"] = converted;
                }
            p
        })
        .collect()
}

fn machine_spec(ctx: &Context, m: &MachineInputs) -> Result<OpenStackMachineSpec> {
    let mut problems = Vec::new();
    let flavor = non_empty(m.flavor);
    if flavor.is_none() {
        problems.push(FieldError::new(
            format!("{}.machineFlavor", m.path),
            m.flavor_missing.clone(),
        ));
    }
    let image = match image(ctx, m) {
        Ok(i) => Some(i),
        Err(Error::Invalid(p)) => {
            problems.extend(p);
            None
        }
        Err(e) => return Err(e),
    };
    if let Some(ports) = m.ports {
        for (i, port) in ports.iter().enumerate() {
            repeated_tags(
                port,
                &format!("{}.machineNetworking.ports[{i}]", m.path),
                &mut problems,
            );
        }
    }
    let devices = match block_devices(m) {
        Ok(d) => d,
        Err(Error::Invalid(p)) => {
            problems.extend(p);
            None
        }
        Err(e) => return Err(e),
    };
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    let (Some(flavor), Some(image)) = (flavor, image) else {
        return Err(Error::invalid(
            &m.path,
            "internal: flavor and image checked above",
        ));
    };
    let mut spec = OpenStackMachineSpec::new(
        IdentityRef::openstack(credentials_secret_name(ctx)),
        flavor.to_string(),
        image,
    );
    spec.ssh_key_name = non_empty(ctx.values.machine_ssh_key_name.as_deref()).map(str::to_string);
    if m.config_drive || !m.block_devices.is_empty() {
        spec.config_drive = Some(true);
    }
    spec.root_volume = root_volume(m.root_volume);
    spec.additional_block_devices = devices;
    spec.ports = m.ports.filter(|p| !p.is_empty()).map(|p| convert_ports(p));
    spec.server_group = non_empty(m.server_group_id).map(|id| IdRef { id: id.to_string() });
    if !m.metadata.is_empty() {
        spec.server_metadata = Some(
            m.metadata
                .iter()
                .map(|(k, v)| ServerMetadata {
                    key: k.clone(),
                    value: metadata_string(v),
                })
                .collect(),
        );
    }
    Ok(spec)
}

/// The text the chart's machine-template spec template prints for `spec` (what its
/// `template-checksum` annotation hashes). `metadata` holds the original values of the
/// server metadata (the chart quotes them as Go prints them). The control plane's text
/// starts with a newline, a node group's does not — as in the chart.
pub fn helm_spec_text(
    spec: &OpenStackMachineSpec,
    metadata: &BTreeMap<String, Value>,
    leading_newline: bool,
) -> String {
    use std::fmt::Write as _;
    // Every line ends with a newline and the last one is taken off at the end: the
    // template's lines joined by newlines. Writing to a `String` cannot fail.
    let mut out = String::with_capacity(512);
    if leading_newline {
        out.push('\n');
    }
    out.push_str("template:\n  spec:\n    identityRef:\n");
    let _ = writeln!(out, "      name: {}", spec.identity_ref.name);
    let _ = writeln!(out, "      cloudName: {}", spec.identity_ref.cloud_name);
    let _ = writeln!(out, "    flavor: {}", spec.flavor);
    if let Some(k) = &spec.ssh_key_name {
        let _ = writeln!(out, "    sshKeyName: {k}");
    }
    if spec.config_drive == Some(true) {
        out.push_str("    configDrive: true\n");
    }
    if let Some(r) = &spec.root_volume {
        out.push_str("    rootVolume:\n");
        let _ = writeln!(out, "      sizeGiB: {}", r.size_gib);
        if let Some(t) = &r.volume_type {
            let _ = writeln!(out, "      type: {t}");
        }
        out.push_str("      availabilityZone:\n");
        push_az(&mut out, &r.availability_zone, 8);
    }
    out.push_str("    image:\n");
    match &spec.image {
        Image::Id(id) => {
            let _ = writeln!(out, "      id: {id}");
        }
        Image::Filter(f) => {
            out.push_str("      filter:\n");
            let _ = writeln!(out, "        name: {}", f.name);
        }
    }
    if let Some(devices) = &spec.additional_block_devices {
        out.push_str("    additionalBlockDevices:\n");
        for d in devices {
            let _ = writeln!(out, "      - name: {}", d.name);
            let _ = writeln!(out, "        sizeGiB: {}", d.size_gib);
            out.push_str("        storage:\n");
            let _ = writeln!(out, "          type: {}", d.storage.kind);
            out.push_str("          volume:\n");
            if let Some(t) = &d.storage.volume.volume_type {
                let _ = writeln!(out, "            type: {t}");
            }
            out.push_str("            availabilityZone:\n");
            push_az(&mut out, &d.storage.volume.availability_zone, 14);
        }
    }
    if let Some(ports) = &spec.ports {
        let _ = writeln!(
            out,
            "    ports: {}",
            nindent(6, &go_yaml::to_string(&Value::Array(ports.clone())))
        );
    }
    if let Some(g) = &spec.server_group {
        out.push_str("    serverGroup:\n");
        let _ = writeln!(out, "      id: {}", g.id);
    }
    if !metadata.is_empty() {
        out.push_str("    serverMetadata:\n");
        for (k, v) in metadata {
            let _ = writeln!(out, "      - key: {}", quote(k));
            let _ = writeln!(out, "        value: {}", quote_value(v));
        }
    }
    out.pop();
    out
}

fn push_az(out: &mut String, az: &VolumeAvailabilityZone, indent: usize) {
    use std::fmt::Write as _;
    let _ = writeln!(out, "{:indent$}from: {}", "", az.from);
    if let Some(n) = &az.name {
        let _ = writeln!(out, "{:indent$}name: {n}", "");
    }
}

fn template_object(
    ctx: &Context,
    name_component: &str,
    labels: BTreeMap<String, String>,
    spec: OpenStackMachineSpec,
    metadata: &BTreeMap<String, Value>,
    leading_newline: bool,
) -> Result<(Object, String)> {
    let name = format!(
        "{}-{}",
        ctx.component_name(name_component),
        naming::spec_hash(&spec)
    );
    let checksum = sha256_hex(&helm_spec_text(&spec, metadata, leading_newline));
    let mut meta = ObjectMeta::named(&name);
    meta.labels = labels;
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
        OpenStackMachineTemplateSpec {
            template: OpenStackMachineTemplateResource { spec },
        }
        .into_value(),
    );
    let obj = Object::from_value(
        INFRASTRUCTURE_API_VERSION,
        "OpenStackMachineTemplate",
        meta,
        body,
    )?;
    Ok((obj, name))
}

fn merged_metadata(
    ctx: &Context,
    own: Option<&BTreeMap<String, Value>>,
) -> BTreeMap<String, Value> {
    let mut m = ctx.values.machine_metadata.clone().unwrap_or_default();
    if let Some(own) = own {
        m.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    m
}

/// The control plane's `OpenStackMachineTemplate` and its name.
pub fn control_plane(ctx: &Context) -> Result<(Object, String)> {
    let cp = crate::values::section(&ctx.values.control_plane);
    let mut devices = cp.additional_block_devices.clone().unwrap_or_default();
    if let Some(etcd) = ctx
        .values
        .etcd
        .as_ref()
        .and_then(|e| e.block_device.clone())
    {
        devices.insert("etcd".into(), etcd);
    }
    let metadata = merged_metadata(ctx, cp.machine_metadata.as_ref());
    let inputs = MachineInputs {
        path: "controlPlane".into(),
        flavor: cp.machine_flavor.as_deref(),
        image_id: cp.machine_image_id.as_deref(),
        image: cp.machine_image.as_deref(),
        root_volume: cp.machine_root_volume.as_ref(),
        config_drive: cp.machine_config_drive.unwrap_or(false),
        block_devices: devices,
        ports: cp.machine_networking.as_ref().and_then(|n| n.ports.as_ref()),
        server_group_id: cp.server_group_id.as_deref(),
        metadata: metadata.clone(),
        flavor_missing: "is required: the Nova flavor of the control plane machines".into(),
        image_missing: "no image given: set one of controlPlane.machineImageId, controlPlane.machineImage, machineImageId or machineImage".into(),
    };
    let spec = machine_spec(ctx, &inputs)?;
    let labels = naming::component_labels(ctx.prefix(), &ctx.cluster_name(), "control-plane");
    template_object(ctx, "control-plane", labels, spec, &metadata, true)
}

/// A node group's `OpenStackMachineTemplate` and its name; `index` is the group's
/// position in `nodeGroups` (for messages), `group` the group with
/// `nodeGroupDefaults` merged beneath it.
pub fn node_group(ctx: &Context, index: usize, group: &NodeGroup) -> Result<(Object, String)> {
    let group_name = group.name.clone().unwrap_or_default();
    let metadata = merged_metadata(ctx, group.machine_metadata.as_ref());
    let inputs = MachineInputs {
        path: format!("nodeGroups[{index}]"),
        flavor: group.machine_flavor.as_deref(),
        image_id: group.machine_image_id.as_deref(),
        image: group.machine_image.as_deref(),
        root_volume: group.machine_root_volume.as_ref(),
        config_drive: group.machine_config_drive.unwrap_or(false),
        block_devices: group.additional_block_devices.clone().unwrap_or_default(),
        ports: group
            .machine_networking
            .as_ref()
            .and_then(|n| n.ports.as_ref()),
        server_group_id: group.server_group_id.as_deref(),
        metadata: metadata.clone(),
        flavor_missing: format!(
            "is required: no flavor specified for node group '{group_name}' (set machineFlavor on the group or in nodeGroupDefaults)"
        ),
        image_missing: format!(
            "no image given for node group '{group_name}': set one of nodeGroups[{index}].machineImageId, nodeGroups[{index}].machineImage, nodeGroupDefaults.machineImageId, nodeGroupDefaults.machineImage, machineImageId or machineImage"
        ),
    };
    let spec = machine_spec(ctx, &inputs)?;
    let mut labels = naming::component_labels(ctx.prefix(), &ctx.cluster_name(), "worker");
    labels.insert(format!("{}/node-group", ctx.prefix()), group_name.clone());
    template_object(ctx, &group_name, labels, spec, &metadata, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn placeholders_expand_and_unknown_syntax_is_refused() {
        let tree = json!({"kubernetesVersion": "1.30.2", "n": 3.0});
        let v = Merged::whole(&tree);
        let r = crate::values::tpl::Release {
            name: "demo",
            namespace: "default",
        };
        assert_eq!(
            expand_values_placeholders(
                "a-{{.Values.kubernetesVersion}}-{{- .Values.n -}}",
                &v,
                r,
                "f"
            )
            .unwrap(),
            "a-1.30.2-3"
        );
        let err =
            expand_values_placeholders("{{ include \"x\" . }}", &v, r, "machineImage").unwrap_err();
        assert!(
            err.to_string().starts_with("machineImage: '{{ include")
                && err.to_string().contains("is not supported"),
            "{err}"
        );
        assert!(expand_values_placeholders("{{ .Values.x", &v, r, "f").is_err());
    }

    #[test]
    fn neutron_filters_convert_tags_and_ids() {
        assert_eq!(
            convert_neutron_filter(&json!({"id": "x", "name": "y"})),
            json!({"id": "x"})
        );
        assert_eq!(
            convert_neutron_filter(&json!({"name": "n", "notTagsAny": "a", "tags": ["b"]})),
            json!({"filter": {"name": "n", "notTagsAny": ["a"], "tags": ["b"]}})
        );
        let ports = convert_ports(&[
            json!({"network": {"filter": {"name": "kept"}}}),
            json!({"fixedIPs": []}),
        ]);
        assert_eq!(ports[0], json!({"network": {"filter": {"name": "kept"}}}));
        assert_eq!(ports[1], json!({"fixedIPs": []}));
    }

    #[test]
    fn checksum_text_follows_the_chart_layout() {
        let mut spec = OpenStackMachineSpec::new(
            IdentityRef::openstack("creds"),
            "m1".into(),
            Image::Filter(ImageFilter { name: "img".into() }),
        );
        spec.ssh_key_name = Some("key".into());
        let meta = BTreeMap::from([
            ("team".to_string(), json!("hpc")),
            ("n".to_string(), json!(42)),
        ]);
        let text = helm_spec_text(&spec, &meta, true);
        assert_eq!(
            text,
            "\ntemplate:\n  spec:\n    identityRef:\n      name: creds\n      cloudName: openstack\n    flavor: m1\n    sshKeyName: key\n    image:\n      filter:\n        name: img\n    serverMetadata:\n      - key: \"n\"\n        value: \"42\"\n      - key: \"team\"\n        value: \"hpc\""
        );
    }
}

#[cfg(test)]
mod examples {
    //! What the items above do, shown on small inputs.

    #[test]
    fn expand_values_placeholders() {
        let tree = serde_json::json!({"kubernetesVersion": "1.31.4"});
        let values = crate::values::Merged::whole(&tree);
        let release = crate::values::tpl::Release {
            name: "demo",
            namespace: "default",
        };
        let name = crate::resources::machine_template::expand_values_placeholders(
            "ubuntu-kube-v{{ .Values.kubernetesVersion }}",
            &values,
            release,
            "machineImage",
        )
        .unwrap();
        assert_eq!(name, "ubuntu-kube-v1.31.4");
        let name = crate::resources::machine_template::expand_values_placeholders(
            "ubuntu-kube-{{ .Values.kubernetesVersion | replace \".\" \"-\" }}-{{ .Release.Name }}",
            &values, release, "machineImage").unwrap();
        assert_eq!(name, "ubuntu-kube-1-31-4-demo");
    }

    #[test]
    fn convert_neutron_filter() {
        let f = crate::resources::machine_template::convert_neutron_filter(
            &serde_json::json!({"name": "net", "tags": "a,b"}));
        assert_eq!(f, serde_json::json!({"filter": {"name": "net", "tags": ["a", "b"]}}));
    }

    #[test]
    fn repeated_tags() {
        let mut out = Vec::new();
        let port = serde_json::json!({"network": {"tags": "a,b,a"}, "securityGroups": [{"filter": {"notTags": ["x", "x"]}}], "tags": ["p", "q"]});
        crate::resources::machine_template::repeated_tags(&port, "controlPlane.machineNetworking.ports[0]", &mut out);
        let paths: Vec<&str> = out.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["controlPlane.machineNetworking.ports[0].network.tags", "controlPlane.machineNetworking.ports[0].securityGroups[0].filter.notTags"]);
        assert!(out[0].message.starts_with("the tag \"a\" is given twice"));
    }

    #[test]
    fn convert_ports() {
        let ports = vec![serde_json::json!({"network": {"name": "n"}})];
        let out = crate::resources::machine_template::convert_ports(&ports);
        assert_eq!(out[0]["network"]["filter"]["name"], "n");
    }

    #[test]
    fn helm_spec_text() {
        use crate::api::capo::*;
        let spec = OpenStackMachineSpec::new(IdentityRef::openstack("c"), "f".into(), Image::Id("i".into()));
        let text = crate::resources::machine_template::helm_spec_text(&spec, &Default::default(), false);
        assert!(text.starts_with("template:\n  spec:\n    identityRef:\n      name: c\n"));
    }
}

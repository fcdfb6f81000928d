//! Composition of the `kubeadmConfigSpec` of the control plane and of every node group.
//!
//! The chart builds these specs from small fragments (containerd configuration,
//! trusted CAs, packages, node labels, OIDC, etcd, webhooks …) and the user's free-form
//! spec, folded together with its own merge ([`super::merge_concat`]): maps merge key by key,
//! lists **concatenate**, and for anything else the later value wins unless it is
//! "empty" in the Go-template sense (`null`, `false`, `0`, `""`, `[]`, `{}`), in which
//! case the earlier value is kept. Every fragment here is a pure function of the values
//! and returns a JSON value (an empty map when it contributes nothing).
//!
//! Scalars that the chart prints into its templates (node label values, package names,
//! log level …) are formatted as Go's `fmt` prints Helm values ([`go_string`]): Helm
//! reads every number as a float, so `1000000` prints as `1e+06`.

use serde_json::{Map, Value, json};

use crate::error::{Error, FieldError, Result};
use crate::context::Context;
use crate::values::dig;

pub use super::merge_concat::{MergeConcatMany, merge_concat_many};
pub use crate::helm_compat::go_string;
#[cfg(test)]
use super::merge_concat::merge_concat_into;

// ---------------------------------------------------------------------------------
// Generic helpers: Go-template truthiness, printing, the chart's merge.
// ---------------------------------------------------------------------------------

/// Whether a value is "empty" as Go templates and Sprig's `default`/`empty` see it:
/// `null`, `false`, zero, the empty string, an empty list or map.
pub fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
    }
}

/// [`merge_concat_into`] of copies (for tests).
#[cfg(test)]
pub fn merge_concat(left: &Value, right: &Value) -> Value {
    let mut out = left.clone();
    merge_concat_into(&mut out, right.clone());
    out
}

/// A value of the merged values tree, `Null` when absent.
fn raw<'v>(ctx: &'v Context, path: &[&str]) -> &'v Value {
    ctx.raw.dig(path).unwrap_or(&Value::Null)
}

/// A file entry of a kubeadm config spec with inline content.
fn file(path: &str, content: impl Into<Value>) -> Value {
    let mut entry = json!({"path": path, "owner": "root:root", "permissions": "0644"});
    // Moved in: `json!` would copy the content.
    entry["content"] = content.into();
    entry
}

/// YAML text of a value, as Helm's `toYaml` prints it.
pub(crate) fn to_yaml_text(v: &Value) -> String {
    crate::helm_compat::go_yaml::to_string(v)
}

/// The content of a literal block scalar whose lines are `text` (YAML "clip" chomping):
/// trailing blank lines dropped, one final newline.
fn block_content(text: &str) -> String {
    let mut lines: Vec<&str> = text.split('\n').collect();
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    if lines.is_empty() {
        return String::new();
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

// ---------------------------------------------------------------------------------
// Node labels.
// ---------------------------------------------------------------------------------

/// The kubelet `node-labels` argument: `key=value` pairs sorted by key, joined by commas.
pub fn node_labels_string(labels: &Map<String, Value>) -> String {
    let mut keys: Vec<&String> = labels.keys().collect();
    keys.sort();
    keys.iter()
        .map(|k| match &labels[k.as_str()] {
            // Go's text/template prints a null as `<no value>` (see `show_as_helm_prints`).
            Value::Null => format!("{k}={NO_VALUE}"),
            v => format!("{k}={}", go_string(v)),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// What Go's text/template prints for a null.
const NO_VALUE: &str = "<no value>";

/// The node-labels arguments of a kubeadm spec as Helm's output shows them.
///
/// The chart's templates print a null label value as `<no value>`, and that text is what
/// its `template-checksum` hashes; Helm then deletes `<no value>` from each rendered file
/// (so the label reads `key=`), except where `toYaml` folded the long line at that very
/// space (`…=<no` / `value>`), which a reader joins back to `<no value>`. Call this after
/// the checksum is taken; specs without a null label are left alone.
///
/// ```text
/// let mut spec = serde_json::json!({"joinConfiguration": {"nodeRegistration": {"kubeletExtraArgs": {"node-labels": "a=<no value>,b=x"}}}});
/// capiform::resources::kubeadm::show_as_helm_prints(&mut spec);
/// assert_eq!(spec["joinConfiguration"]["nodeRegistration"]["kubeletExtraArgs"]["node-labels"], "a=,b=x");
/// ```
pub fn show_as_helm_prints(spec: &mut Value) {
    for configuration in ["initConfiguration", "joinConfiguration"] {
        let Some(Value::String(text)) = spec.pointer_mut(&format!(
            "/{configuration}/nodeRegistration/kubeletExtraArgs/node-labels"
        )) else {
            continue;
        };
        if !text.contains(NO_VALUE) {
            continue;
        }
        // The spec's `toYaml` puts the value at the same column in both objects: under
        // three levels of keys, as here.
        let nested = json!({"c": {"nodeRegistration": {"kubeletExtraArgs": {"node-labels": text.as_str()}}}});
        let printed = crate::helm_compat::go_yaml::to_string(&nested).replace(NO_VALUE, "");
        if let Some(shown) = serde_yaml::from_str::<Value>(&printed).ok().and_then(|v| {
            v.pointer("/c/nodeRegistration/kubeletExtraArgs/node-labels")
                .cloned()
        }) {
            *text = shown.as_str().map(str::to_string).unwrap_or_default();
        }
    }
}

/// `{nodeRegistration: {kubeletExtraArgs: {node-labels: ...}}}`. The chart prints the
/// pairs between double quotes in YAML, so what reaches the kubelet is that text as YAML
/// reads it: line breaks in values fold to spaces, escapes decode (`a\nb` → `a b`); a
/// value holding a double quote or a bad escape is refused (`field` names the labels).
fn node_registration_labels(labels: &Map<String, Value>, field: &str) -> Result<Value> {
    let text = crate::helm_compat::flow_scalar::read_double_quoted(&node_labels_string(labels))
        .map_err(|e| {
            Error::invalid(
                field,
                format!("cannot be written as the kubelet's node-labels argument: {e}"),
            )
        })?;
    Ok(json!({"nodeRegistration": {"kubeletExtraArgs": {"node-labels": text}}}))
}

// ---------------------------------------------------------------------------------
// Containerd, registries, trusted CAs, packages: the common fragments.
// ---------------------------------------------------------------------------------

/// The text of a containerd `hosts.toml` for one registry. `spec` is either a list of
/// mirrors or `{upstream, mirrors}`; a mirror is a URL or `{url, capabilities,
/// skipVerify, overridePath}`. The upstream defaults to `https://<registry>`
/// (`registry-1.docker.io` for `docker.io`).
pub fn registry_file(registry: &str, spec: &Value, path: &str) -> Result<String> {
    let (upstream, mirrors) = match spec {
        Value::Object(m) => (m.get("upstream"), m.get("mirrors").unwrap_or(&Value::Null)),
        other => (None, other),
    };
    let mirrors: &[Value] = match mirrors {
        Value::Array(a) => a,
        Value::Null => &[],
        other => {
            return Err(Error::invalid(
                path,
                format!(
                    "mirrors must be a list of URLs or of {{url, capabilities, skipVerify, overridePath}}, got {}",
                    crate::values::kind_name(other)
                ),
            ));
        }
    };
    let mut text = String::new();
    match upstream {
        Some(u) if is_empty(u) => {}
        Some(u) => {
            text.push_str("\nserver = \"");
            push_go_string(&mut text, u);
            text.push('"');
        }
        None => {
            let host = if registry == "docker.io" {
                "registry-1.docker.io"
            } else {
                registry
            };
            // `https://<host>` is never empty.
            text.push_str("\nserver = \"https://");
            text.push_str(host);
            text.push('"');
        }
    }
    for (i, mirror) in mirrors.iter().enumerate() {
        let (url, capabilities, skip_verify, override_path) = match mirror {
            Value::Object(m) => (
                m.get("url").unwrap_or(&Value::Null),
                m.get("capabilities").unwrap_or(&Value::Null),
                m.get("skipVerify").unwrap_or(&Value::Bool(false)),
                m.get("overridePath").unwrap_or(&Value::Bool(true)),
            ),
            other => (other, &Value::Null, &Value::Bool(false), &Value::Bool(true)),
        };
        if is_empty(url) {
            return Err(Error::invalid(
                format!("{path}[{i}].url"),
                "is required (the URL of the mirror)",
            ));
        }
        text.push_str("\n[host.\"");
        push_go_string(&mut text, url);
        text.push_str("\"]\ncapabilities = [");
        match capabilities {
            Value::Array(a) if !a.is_empty() => {
                for (j, c) in a.iter().enumerate() {
                    if j > 0 {
                        text.push_str(", ");
                    }
                    text.push('"');
                    push_go_string(&mut text, c);
                    text.push('"');
                }
            }
            _ => text.push_str("\"pull\", \"resolve\""),
        }
        text.push_str("]\nskip_verify = ");
        text.push_str(if is_empty(skip_verify) {
            "false"
        } else {
            "true"
        });
        text.push_str("\noverride_path = ");
        text.push_str(if is_empty(override_path) {
            "false"
        } else {
            "true"
        });
    }
    if !text.is_empty() {
        text.push('\n');
    }
    Ok(text)
}

/// Append [`go_string`] of `v` to `out` (strings without a copy).
fn push_go_string(out: &mut String, v: &Value) {
    match v {
        Value::String(s) => out.push_str(s),
        other => out.push_str(&go_string(other)),
    }
}

/// Content of the files that make sure containerd's configuration directories exist.
const KEEPDIR_CONTENT: &str =
    "# This file is created by the capi-helm-chart to ensure that its parent directory exists\n";

/// The command that points containerd's CRI registry configuration at `certs.d`
/// (not needed on Flatcar).
const CONTAINERD_CONFIG_PATH_COMMAND: &str = concat!(
    "/usr/bin/bash -s <<EOF\n",
    "grep -q '\\[plugins.\"io.containerd.grpc.v1.cri\".registry\\]' /etc/containerd/config.toml && exit\n",
    "cat <<CONTENT >> /etc/containerd/config.toml\n",
    "[plugins.\"io.containerd.grpc.v1.cri\".registry]\n",
    "  config_path = \"/etc/containerd/certs.d\"\n",
    "CONTENT\n",
    "systemctl restart containerd\n",
    "EOF"
);

fn is_flatcar(ctx: &Context) -> bool {
    raw(ctx, &["osDistro"]) == "flatcar"
}

/// containerd: the configuration directories, one `hosts.toml` per registry mirror, the
/// registry credentials file (from the `<release>-containerd-auth` Secret) and, except
/// on Flatcar, the command enabling `certs.d`.
pub fn containerd_spec(ctx: &Context) -> Result<Value> {
    let mut files = vec![
        file("/etc/containerd/conf.d/.keepdir", KEEPDIR_CONTENT),
        file("/etc/containerd/certs.d/.keepdir", KEEPDIR_CONTENT),
    ];
    if let Value::Object(mirrors) = raw(ctx, &["registryMirrors"]) {
        for (registry, spec) in mirrors {
            let content = registry_file(registry, spec, &format!("registryMirrors.{registry}"))?;
            files.push(file(
                &format!("/etc/containerd/certs.d/{registry}/hosts.toml"),
                content,
            ));
        }
    }
    if !is_empty(raw(ctx, &["registryAuth"])) {
        files.push(json!({
            "path": "/etc/containerd/conf.d/auth.toml",
            "contentFrom": {"secret": {"name": ctx.component_name("containerd-auth"), "key": "auth.toml"}},
            "owner": "root:root",
            "permissions": "0644",
        }));
    }
    let mut spec = crate::object::single("files", Value::Array(files));
    if !is_flatcar(ctx) {
        spec["preKubeadmCommands"] = json!([CONTAINERD_CONFIG_PATH_COMMAND]);
    }
    Ok(spec)
}

/// Trusted CAs: one file per certificate under `/usr/local/share/ca-certificates` and
/// `update-ca-certificates`; empty when `trustedCAs` is empty.
pub fn trusted_cas_spec(ctx: &Context) -> Value {
    let Value::Object(cas) = raw(ctx, &["trustedCAs"]) else {
        return json!({});
    };
    if cas.is_empty() {
        return json!({});
    }
    let files: Vec<Value> = cas
        .iter()
        .map(|(name, cert)| {
            file(
                &format!("/usr/local/share/ca-certificates/{name}.crt"),
                block_content(&go_string(cert)),
            )
        })
        .collect();
    let mut spec = json!({"preKubeadmCommands": ["update-ca-certificates"]});
    spec["files"] = Value::Array(files);
    spec
}

/// Additional packages: `apt update -y` and `apt install -y <packages>`; empty when
/// there are none.
pub fn additional_packages_spec(ctx: &Context) -> Value {
    match raw(ctx, &["additionalPackages"]) {
        Value::Array(pkgs) if !pkgs.is_empty() => {
            let names: Vec<String> = pkgs.iter().map(go_string).collect();
            json!({"preKubeadmCommands": ["apt update -y", format!("apt install -y {}", names.join(" "))]})
        }
        _ => json!({}),
    }
}

/// The spec shared by the control plane and the node groups: trusted CAs, containerd,
/// packages, then the user's free-form `spec`, merged with [`merge_concat_many`].
pub fn common_spec(ctx: &Context, user_spec: &Value) -> Result<Value> {
    let mut spec = cluster_wide_spec(ctx)?;
    spec.push(user_spec.clone());
    Ok(spec.finish())
}

/// [`common_spec`] before the user's spec: trusted CAs, containerd and packages.
fn cluster_wide_spec(ctx: &Context) -> Result<MergeConcatMany> {
    let mut spec = MergeConcatMany::new();
    spec.push(trusted_cas_spec(ctx));
    spec.push(containerd_spec(ctx)?);
    spec.push(additional_packages_spec(ctx));
    Ok(spec)
}

// ---------------------------------------------------------------------------------
// Operating system and API server patches.
// ---------------------------------------------------------------------------------

/// The Ignition configuration Flatcar machines need to run kubeadm.
const FLATCAR_ADDITIONAL_CONFIG: &str = concat!(
    "systemd:\n",
    "  units:\n",
    "  - name: coreos-metadata-sshkeys@.service\n",
    "    enabled: true\n",
    "  - name: kubeadm.service\n",
    "    enabled: true\n",
    "    dropins:\n",
    "    - name: 10-flatcar.conf\n",
    "      contents: |\n",
    "        [Unit]\n",
    "        Requires=containerd.service coreos-metadata.service\n",
    "        After=containerd.service coreos-metadata.service\n",
    "        [Service]\n",
    "        EnvironmentFile=/run/metadata/flatcar"
);

/// The operating-system specific fragment: on Flatcar, Ignition format, the hostname
/// from the metadata service and the commands that substitute it; empty otherwise.
pub fn os_distro_spec(ctx: &Context) -> Value {
    if !is_flatcar(ctx) {
        return json!({});
    }
    let registration = json!({"nodeRegistration": {"name": "${COREOS_OPENSTACK_HOSTNAME}"}});
    json!({
        "initConfiguration": registration,
        "joinConfiguration": registration,
        "preKubeadmCommands": [
            "export COREOS_OPENSTACK_HOSTNAME=${COREOS_OPENSTACK_HOSTNAME%.*}",
            "envsubst < /etc/kubeadm.yml > /etc/kubeadm.yml.tmp",
            "mv /etc/kubeadm.yml.tmp /etc/kubeadm.yml",
        ],
        "format": "ignition",
        "ignition": {"containerLinuxConfig": {"additionalConfig": FLATCAR_ADDITIONAL_CONFIG}},
    })
}

/// Strategic-merge patch mounting `/etc/kubernetes/webhooks` into the API server.
const WEBHOOK_MOUNT_PATCH: &str = "spec:
  containers:
  -  name: kube-apiserver
     volumeMounts:
     - mountPath: /etc/kubernetes/webhooks
       name: kube-webhooks
       readOnly: true
  volumes:
  - hostPath:
      path: /etc/kubernetes/webhooks
      type: DirectoryOrCreate
    name: kube-webhooks
";

const KEYSTONE_KUSTOMIZATION: &str = "resources:
- kube-apiserver.yaml
patches:
- patch: |-
    - op: add
      path: /spec/containers/0/command/-
      value: --authentication-token-webhook-config-file=/etc/kubernetes/webhooks/keystone_webhook_config.yaml
    - op: add
      path: /spec/containers/0/command/-
      value: --authorization-webhook-config-file=/etc/kubernetes/webhooks/keystone_webhook_config.yaml
    - op: add
      path: /spec/containers/0/command/-
      value: --authorization-mode=Webhook
  target:
    kind: Pod
";

/// A kubeconfig pointing at a webhook; `cluster_auth` is the TLS line(s) of the cluster.
fn webhook_kubeconfig(cluster_auth: &str, server: &str) -> String {
    format!(
        "---
apiVersion: v1
kind: Config
preferences: {{}}
clusters:
  - cluster:
      {cluster_auth}
      server: {server}
    name: webhook
users:
  - name: webhook
contexts:
  - context:
      cluster: webhook
      user: webhook
    name: webhook
current-context: webhook
"
    )
}

/// The files of the k8s-keystone-auth webhook.
fn keystone_auth_files() -> Vec<Value> {
    vec![
        file(
            "/etc/kubernetes/patches/kube-apiserver0+strategic.yaml",
            WEBHOOK_MOUNT_PATCH,
        ),
        file(
            "/etc/kubernetes/keystone-auth/kustomization.yml",
            KEYSTONE_KUSTOMIZATION,
        ),
        file(
            "/etc/kubernetes/webhooks/keystone_webhook_config.yaml",
            webhook_kubeconfig(
                "insecure-skip-tls-verify: true",
                "https://127.0.0.1:8443/webhook",
            ),
        ),
    ]
}

/// Quote a string for a CEL expression as Go's `%q` does.
fn go_quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// The files of the Azimuth authorization webhook.
fn azimuth_webhook_files(ctx: &Context) -> Vec<Value> {
    let w = |k: &str| raw(ctx, &["azimuthAuthorizationWebhook", k]);
    let tls_enabled = !is_empty(raw(ctx, &["azimuthAuthorizationWebhook", "tls", "enabled"]));
    let mut files = vec![file(
        "/etc/kubernetes/patches/kube-apiserver0+strategic.yaml",
        WEBHOOK_MOUNT_PATCH,
    )];
    if tls_enabled {
        files.push(json!({
            "path": "/etc/kubernetes/webhooks/ca.pem",
            "content": raw(ctx, &["azimuthAuthorizationWebhook", "tls", "cert"]).clone(),
        }));
    }
    let cluster_auth = if tls_enabled {
        "certificate-authority: /etc/kubernetes/webhooks/ca.pem"
    } else {
        "insecure-skip-tls-verify: true"
    };
    files.push(file(
        "/etc/kubernetes/webhooks/azimuth_authorization_webhook_config.yaml",
        webhook_kubeconfig(cluster_auth, &go_string(w("server"))),
    ));
    let namespaces = match w("filteredNamespaces") {
        Value::Array(a) => a
            .iter()
            .map(|n| go_quote(&go_string(n)))
            .collect::<Vec<_>>(),
        _ => vec![],
    };
    let mut conditions = vec![json!({"expression": format!(
        "has(request.resourceAttributes) && (!has(request.resourceAttributes.namespace) || request.resourceAttributes.namespace == \"\" || request.resourceAttributes.namespace in [{}])",
        namespaces.join(",")
    )})];
    if let Value::Array(extra) = w("extraPreFilters") {
        conditions.extend(extra.iter().map(|e| json!({"expression": go_string(e)})));
    }
    let version = go_string(w("webhookVersion"));
    let mut authorizers = vec![json!({
        "type": "Webhook",
        "name": "webhook",
        "webhook": {
            "timeout": go_string(w("timeout")),
            "subjectAccessReviewVersion": version,
            "matchConditionSubjectAccessReviewVersion": version,
            "failurePolicy": go_string(w("failurePolicy")),
            "connectionInfo": {
                "type": "KubeConfigFile",
                "kubeConfigFile": "/etc/kubernetes/webhooks/azimuth_authorization_webhook_config.yaml",
            },
            "matchConditions": conditions,
        },
    })];
    if let Value::Array(extra) = w("additionalAuthorizers") {
        authorizers.extend(
            extra
                .iter()
                .map(|a| json!({"type": go_string(&a["type"]), "name": go_string(&a["name"])})),
        );
    }
    let config = json!({
        "apiVersion": "apiserver.config.k8s.io/v1",
        "kind": "AuthorizationConfiguration",
        "authorizers": authorizers,
    });
    // The chart gives this file neither owner nor permissions.
    files.push(json!({
        "path": "/etc/kubernetes/webhooks/authorization_config.yaml",
        "content": format!("---\n{}\n", to_yaml_text(&config)),
    }));
    files
}

/// The API server patches: its log level and, with an authentication webhook, the
/// patch directory, the directories and files the webhook needs.
pub fn patch_config_spec(ctx: &Context) -> Value {
    let log_level = raw(ctx, &["apiServer", "logLevel"]);
    let level = if log_level.is_null() {
        Value::Null
    } else {
        Value::String(go_string(log_level))
    };
    let mut spec = json!({"clusterConfiguration": {"apiServer": {"extraArgs": {"v": level}}}});
    let webhook = go_string(raw(ctx, &["authWebhook"]));
    if webhook == "none" {
        return spec;
    }
    if webhook == "azimuth-authorization-webhook" {
        spec["clusterConfiguration"]["apiServer"]["extraArgs"]["authorization-config"] =
            json!("/etc/kubernetes/webhooks/authorization_config.yaml");
    }
    let patches = json!({"patches": {"directory": "/etc/kubernetes/patches"}});
    spec["initConfiguration"] = patches.clone();
    spec["joinConfiguration"] = patches;
    let mut commands = vec![
        json!("mkdir -p /etc/kubernetes/webhooks"),
        json!("mkdir -p /etc/kubernetes/patches"),
    ];
    match webhook.as_str() {
        "k8s-keystone-auth" => {
            commands.push(json!("mkdir -p /etc/kubernetes/keystone-auth"));
            spec["postKubeadmCommands"] = json!([
                "cp /etc/kubernetes/manifests/kube-apiserver.yaml /etc/kubernetes/keystone-auth/kube-apiserver.yaml",
                "kubectl kustomize /etc/kubernetes/keystone-auth -o /etc/kubernetes/manifests/kube-apiserver.yaml",
            ]);
            spec["files"] = Value::Array(keystone_auth_files());
        }
        "azimuth-authorization-webhook" => {
            spec["files"] = Value::Array(azimuth_webhook_files(ctx));
        }
        _ => {}
    }
    spec["preKubeadmCommands"] = Value::Array(commands);
    spec
}

// ---------------------------------------------------------------------------------
// Control plane fragments.
// ---------------------------------------------------------------------------------

/// Control plane node labels on both `initConfiguration` and `joinConfiguration`.
fn control_plane_node_labels_spec(ctx: &Context) -> Result<Value> {
    Ok(match raw(ctx, &["controlPlane", "nodeLabels"]) {
        Value::Object(labels) if !labels.is_empty() => {
            let reg = node_registration_labels(labels, "controlPlane.nodeLabels")?;
            json!({"initConfiguration": reg, "joinConfiguration": reg})
        }
        _ => json!({}),
    })
}

/// OIDC arguments of the API server when `oidc.issuerUrl` is set.
pub fn oidc_spec(ctx: &Context) -> Result<Value> {
    let issuer = raw(ctx, &["oidc", "issuerUrl"]);
    if is_empty(issuer) {
        return Ok(json!({}));
    }
    let client_id = raw(ctx, &["oidc", "clientId"]);
    if client_id.is_null() || client_id == "" {
        return Err(Error::invalid(
            "oidc.clientId",
            "is required when oidc.issuerUrl is set (the client ID the API server accepts in tokens)",
        ));
    }
    let quoted = |v: &Value| {
        if v.is_null() {
            Value::Null
        } else {
            Value::String(go_string(v))
        }
    };
    let o = |k: &str| quoted(raw(ctx, &["oidc", k]));
    Ok(json!({"clusterConfiguration": {"apiServer": {"extraArgs": {
        "oidc-issuer-url": quoted(issuer),
        "oidc-client-id": quoted(client_id),
        "oidc-username-claim": o("usernameClaim"),
        "oidc-username-prefix": o("usernamePrefix"),
        "oidc-groups-claim": o("groupsClaim"),
        "oidc-groups-prefix": o("groupsPrefix"),
        "oidc-signing-algs": o("signingAlgs"),
    }}}}))
}

/// A scalar the chart prints into YAML as text: `null` stays null, the rest a string.
fn printed(v: &Value) -> Value {
    if v.is_null() {
        Value::Null
    } else {
        Value::String(go_string(v))
    }
}

/// Local etcd: data directory and arguments; with `etcd.blockDevice`, the filesystem
/// on the dedicated volume, its mount and the preflight check it makes fail.
pub fn etcd_spec(ctx: &Context) -> Value {
    let data_dir = raw(ctx, &["etcd", "dataDir"]);
    let mut spec = json!({"clusterConfiguration": {"etcd": {"local": {
        "dataDir": printed(data_dir),
        "extraArgs": raw(ctx, &["etcd", "extraArgs"]).clone(),
    }}}});
    if !is_empty(raw(ctx, &["etcd", "blockDevice"])) {
        let dir = go_string(data_dir);
        let ignore = json!({"nodeRegistration": {"ignorePreflightErrors": [format!("diravailable-{}", dir.replace('/', "-"))]}});
        spec["initConfiguration"] = ignore.clone();
        spec["joinConfiguration"] = ignore;
        spec["diskSetup"] = json!({"filesystems": [{
            "device": "/dev/disk/openstack/by-tag/etcd",
            "filesystem": "ext4",
            "label": "etcd_disk",
        }]});
        spec["mounts"] = json!([["LABEL=etcd_disk", printed(data_dir)]]);
    }
    spec
}

/// Strategic-merge patch mounting the encryption configuration into the API server.
const ENCRYPTION_MOUNT_PATCH: &str = "spec:
  containers:
  - name: kube-apiserver
    volumeMounts:
    - mountPath: /etc/kubernetes/enc
      name: kube-enc
      readOnly: true
  volumes:
  - hostPath:
      path: /etc/kubernetes/enc
      type: DirectoryOrCreate
    name: kube-enc
";

/// Encryption of Secrets at rest when `etcd.encryption.enabled`. The key comes from the
/// Secret `<release>-etcd-key` (`data.key`), which must be given with `--existing`
/// (Helm reads it from the cluster with `lookup`; capiform never talks to a cluster).
pub fn etcd_encryption_spec(ctx: &Context) -> Result<Value> {
    if is_empty(raw(ctx, &["etcd", "encryption", "enabled"])) {
        return Ok(json!({}));
    }
    let secret_name = ctx.component_name("etcd-key");
    let key = ctx
        .existing_object("v1", "Secret", &secret_name)
        .and_then(|s| dig(s, &["data", "key"]))
        .filter(|k| !is_empty(k))
        .ok_or_else(|| {
            Error::Invalid(vec![FieldError::new(
                "etcd.encryption.enabled",
                format!(
                    "needs the encryption key: give the Secret {secret_name} (in namespace {}, with the \
                     base64 key in data.key) with --existing FILE, as the cluster has it",
                    ctx.namespace
                ),
            )])
        })?;
    let provider = go_string(raw(ctx, &["etcd", "encryption", "provider"]));
    check_encryption_key(key, &provider, &secret_name)?;
    let mut provider_config = Map::new();
    provider_config.insert(
        provider,
        json!({"keys": [{"name": "key1", "secret": printed(key)}]}),
    );
    let config = json!({
        "apiVersion": "apiserver.config.k8s.io/v1",
        "kind": "EncryptionConfiguration",
        "resources": [{
            "resources": raw(ctx, &["etcd", "encryption", "resources"]).clone(),
            "providers": [Value::Object(provider_config), {"identity": {}}],
        }],
    });
    let patches = json!({"patches": {"directory": "/etc/kubernetes/patches"}});
    Ok(json!({
        "preKubeadmCommands": ["mkdir -p /etc/kubernetes/enc", "mkdir -p /etc/kubernetes/patches"],
        "initConfiguration": patches,
        "joinConfiguration": patches,
        "clusterConfiguration": {"apiServer": {"extraArgs": {
            "encryption-provider-config": "/etc/kubernetes/enc/enc.yaml",
        }}},
        "files": [
            file("/etc/kubernetes/patches/kube-apiserver1+strategic.yaml", ENCRYPTION_MOUNT_PATCH),
            file("/etc/kubernetes/enc/enc.yaml", format!("{}\n", to_yaml_text(&config))),
        ],
    }))
}

/// The key of the etcd encryption Secret (`data.key`) is what the
/// EncryptionConfiguration's `secret` takes: the standard base64 of the raw key, whose
/// length the provider fixes (secretbox: 32 bytes; aescbc, aesgcm: 16, 24 or 32). A key
/// Kubernetes would refuse is refused here, with the Secret's name and never the key.
fn check_encryption_key(key: &Value, provider: &str, secret_name: &str) -> Result<()> {
    let allowed: &[usize] = match provider {
        "secretbox" => &[32],
        "aescbc" | "aesgcm" => &[16, 24, 32],
        _ => &[],
    };
    let problem = match key.as_str().map(base64_decoded_len) {
        None => Some("is not a string".to_string()),
        Some(None) => Some("is not standard base64".to_string()),
        Some(Some(n)) if !allowed.is_empty() && !allowed.contains(&n) => Some(format!(
            "decodes to {n} bytes; the {provider} provider takes a key of {} bytes",
            allowed
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Some(Some(_)) => None,
    };
    match problem {
        None => Ok(()),
        Some(what) => Err(Error::Invalid(vec![FieldError::new(
            "etcd.encryption",
            format!("data.key of the Secret {secret_name} (--existing) {what}"),
        )])),
    }
}

/// The number of bytes standard, padded base64 text decodes to; `None` when it is not
/// such text.
fn base64_decoded_len(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    if bytes.is_empty() || !bytes.len().is_multiple_of(4) {
        return None;
    }
    let padding = bytes.iter().rev().take_while(|&&b| b == b'=').count();
    if padding > 2 {
        return None;
    }
    let body = &bytes[..bytes.len() - padding];
    if !body
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
    {
        return None;
    }
    Some(bytes.len() / 4 * 3 - padding)
}

/// Whether the CNI is Cilium with its kube-proxy replacement (then kubeadm must not
/// install kube-proxy).
fn cilium_replaces_kube_proxy(ctx: &Context) -> bool {
    let addons = raw(ctx, &["addons"]);
    let or = |path: &[&str], default: Value| dig(addons, path).cloned().unwrap_or(default);
    !is_empty(raw(ctx, &["addons", "enabled"]))
        && !is_empty(&or(&["cni", "enabled"], Value::Bool(true)))
        && or(&["cni", "type"], json!("calico")) == "cilium"
        && !is_empty(&or(
            &["cni", "cilium", "release", "values", "kubeProxyReplacement"],
            Value::Bool(true),
        ))
}

/// Skip kubeadm's kube-proxy addon when Cilium replaces it.
fn cilium_spec(ctx: &Context) -> Value {
    if cilium_replaces_kube_proxy(ctx) {
        json!({"initConfiguration": {"skipPhases": ["addon/kube-proxy"]}})
    } else {
        json!({})
    }
}

/// The admission configuration file (from the `<release>-admission-configuration`
/// Secret) and the API server flag and volume that use it.
fn admission_config_file_spec(ctx: &Context) -> Value {
    json!({
        "files": [{
            "path": "/etc/kubernetes/admission/configuration.yaml",
            "contentFrom": {"secret": {
                "name": ctx.component_name("admission-configuration"),
                "key": "admission-configuration.yaml",
            }},
            "owner": "root:root",
            "permissions": "0644",
        }],
        "clusterConfiguration": {"apiServer": {
            "extraArgs": {"admission-control-config-file": "/etc/kubernetes/admission/configuration.yaml"},
            "extraVolumes": [{
                "name": "admission-configuration",
                "hostPath": "/etc/kubernetes/admission",
                "mountPath": "/etc/kubernetes/admission",
                "readOnly": true,
                "pathType": "Directory",
            }],
        }},
    })
}

/// The kube-proxy configuration of `controlPlane.kubeadmConfigSpec.kubeProxyConfiguration`
/// written to a file that is appended to kubeadm's configuration.
fn kube_proxy_configuration_spec(ctx: &Context) -> Value {
    let config = raw(
        ctx,
        &[
            "controlPlane",
            "kubeadmConfigSpec",
            "kubeProxyConfiguration",
        ],
    );
    if is_empty(config) {
        return json!({});
    }
    let (config_path, kubeadm_path) = if is_flatcar(ctx) {
        ("/etc/kube-proxy-configuration.yaml", "/etc/kubeadm.yml")
    } else {
        (
            "/run/kubeadm/kube-proxy-configuration.yaml",
            "/run/kubeadm/kubeadm.yaml",
        )
    };
    let content = format!(
        "---\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n{}\n",
        to_yaml_text(config)
    );
    json!({
        "files": [file(config_path, content)],
        "preKubeadmCommands": [format!("cat {config_path} >> {kubeadm_path}")],
    })
}

/// The complete `kubeadmConfigSpec` of the control plane: node labels, OIDC, etcd,
/// encryption, Cilium, admission configuration, the common spec with
/// `controlPlane.kubeadmConfigSpec`, the OS fragment, the API server patches and
/// kube-proxy, merged in that order; `kubeProxyConfiguration` itself is removed.
pub fn control_plane_spec(ctx: &Context) -> Result<Value> {
    let user = raw(ctx, &["controlPlane", "kubeadmConfigSpec"]);
    let mut spec = merge_concat_many([
        control_plane_node_labels_spec(ctx)?,
        oidc_spec(ctx)?,
        etcd_spec(ctx),
        etcd_encryption_spec(ctx)?,
        cilium_spec(ctx),
        admission_config_file_spec(ctx),
        common_spec(ctx, user)?,
        os_distro_spec(ctx),
        patch_config_spec(ctx),
        kube_proxy_configuration_spec(ctx),
    ]);
    if let Value::Object(m) = &mut spec {
        m.remove("kubeProxyConfiguration");
    }
    Ok(spec)
}

/// The `kubeadmConfigSpec` of a node group's machines: the node labels
/// (`<prefix>/node-group` plus the group's `nodeLabels`), the common spec with the
/// group's `kubeadmConfigSpec`, the OS fragment without `initConfiguration` and only
/// the `preKubeadmCommands` of the API server patches.
///
/// For several groups, build the [`NodeGroupFragments`] once and call
/// [`NodeGroupFragments::spec`] per group (this function does both).
#[cfg(test)]
pub fn node_group_spec(ctx: &Context, group: &crate::values::NodeGroup) -> Result<Value> {
    NodeGroupFragments::new(ctx)?.spec(ctx, group)
}

/// The parts of every node group's `kubeadmConfigSpec` that depend on the cluster only
/// (trusted CAs, containerd and packages; the OS fragment; the API server patches'
/// commands), built once per render instead of once per group.
#[derive(Debug, Clone)]
pub struct NodeGroupFragments {
    /// Trusted CAs, containerd and packages merged: [`common_spec`] before the user's spec.
    cluster_wide: MergeConcatMany,
    /// [`os_distro_spec`] without `initConfiguration`.
    os: Value,
    /// The `preKubeadmCommands` of [`patch_config_spec`], or `{}`.
    commands: Value,
}

impl NodeGroupFragments {
    /// Build the cluster-wide fragments of the node groups' specs.
    pub fn new(ctx: &Context) -> Result<Self> {
        let cluster_wide = cluster_wide_spec(ctx)?;
        let mut os = os_distro_spec(ctx);
        if let Value::Object(m) = &mut os {
            m.remove("initConfiguration");
        }
        let commands = match patch_config_spec(ctx).get_mut("preKubeadmCommands") {
            Some(c) => crate::object::single("preKubeadmCommands", c.take()),
            None => json!({}),
        };
        Ok(NodeGroupFragments {
            cluster_wide,
            os,
            commands,
        })
    }

    /// The `kubeadmConfigSpec` of one group (see [`node_group_spec`]).
    pub fn spec(&self, ctx: &Context, group: &crate::values::NodeGroup) -> Result<Value> {
        let name = group.name.clone().unwrap_or_default();
        let mut labels = Map::new();
        labels.insert(format!("{}/node-group", ctx.prefix()), Value::String(name));
        if let Some(extra) = &group.node_labels {
            labels.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        let field = format!(
            "nodeLabels of node group '{}'",
            group.name.as_deref().unwrap_or("")
        );
        let labels_spec = crate::object::single(
            "joinConfiguration",
            node_registration_labels(&labels, &field)?,
        );
        // `common_spec` with the cluster-wide part built once: then the group's spec.
        let mut common = self.cluster_wide.clone();
        common.push(group.kubeadm_config_spec.clone().unwrap_or(Value::Null));
        Ok(merge_concat_many([
            labels_spec,
            common.finish(),
            self.os.clone(),
            self.commands.clone(),
        ]))
    }
}

/// Test support: run `f` with a context built from values YAML over the embedded
/// template set's defaults, and objects given as `--existing`.
#[cfg(test)]
pub(crate) fn with_ctx<R>(values: &str, existing: &[Value], f: impl FnOnce(&Context) -> R) -> R {
    use crate::values::{ValuesSource, merged_values};
    let set = crate::TemplateSet::embedded(None).expect("embedded template set");
    let src = [ValuesSource::Yaml {
        name: "test.yaml".into(),
        text: values.into(),
    }];
    let raw = merged_values(set.defaults(), &src).expect("values merge");
    let typed = crate::validation::check(&raw).0.expect("valid values");
    let ctx = Context {
        release: "demo",
        namespace: "default",
        values: &typed,
        raw: &crate::values::Merged::whole(&raw),
        templates: set,
        existing,
    };
    f(&ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// base64 of the 32 bytes `0123456789abcdef0123456789abcdef`.
    const KEY_32: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    fn encryption_error(key: Value, provider: &str) -> Option<String> {
        let secret = json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "demo-etcd-key"}, "data": {"key": key}});
        let values = format!("etcd: {{encryption: {{enabled: true, provider: {provider}}}}}");
        with_ctx(&values, &[secret], |ctx| {
            etcd_encryption_spec(ctx).err().map(|e| e.to_string())
        })
    }

    #[test]
    fn etcd_encryption_keys_kubernetes_would_refuse_are_refused() {
        assert_eq!(encryption_error(json!(KEY_32), "secretbox"), None);
        // 16 and 24 bytes: for AES, not for secretbox.
        let key_16 = "MDEyMzQ1Njc4OWFiY2RlZg==";
        assert_eq!(encryption_error(json!(key_16), "aescbc"), None);
        let err = encryption_error(json!(key_16), "secretbox").unwrap();
        assert!(err.contains("decodes to 16 bytes"), "{err}");
        assert!(err.contains("demo-etcd-key") && !err.contains(key_16), "{err}");
        for bad in ["not base64!", "MDEy\nMzQ1", "MDEyMzQ1Njc4OWFiY2RlZg=", "===="] {
            let err = encryption_error(json!(bad), "secretbox").unwrap();
            assert!(err.contains("is not standard base64"), "{bad}: {err}");
        }
        let err = encryption_error(json!(12), "secretbox").unwrap();
        assert!(err.contains("is not a string"), "{err}");
    }

    #[test]
    fn base64_lengths() {
        assert_eq!(base64_decoded_len("TWFu"), Some(3));
        assert_eq!(base64_decoded_len("TWE="), Some(2));
        assert_eq!(base64_decoded_len("TQ=="), Some(1));
        assert_eq!(base64_decoded_len(KEY_32), Some(32));
        for bad in ["", "TWF", "T===", "TW=u", "TW-_"] {
            assert_eq!(base64_decoded_len(bad), None, "{bad}");
        }
    }

    #[test]
    fn etcd_encryption_without_the_key_secret_is_refused() {
        let err = with_ctx("etcd: {encryption: {enabled: true}}", &[], |ctx| {
            etcd_encryption_spec(ctx).unwrap_err().to_string()
        });
        assert!(err.contains("demo-etcd-key"), "{err}");
        assert!(err.contains("--existing"), "{err}");
    }

    #[test]
    fn etcd_encryption_uses_the_existing_key() {
        // 32 bytes, as secretbox takes.
        let secret = json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "demo-etcd-key"}, "data": {"key": KEY_32}});
        let spec = with_ctx("etcd: {encryption: {enabled: true}}", &[secret], |ctx| {
            control_plane_spec(ctx).unwrap()
        });
        let enc = spec["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == "/etc/kubernetes/enc/enc.yaml")
            .unwrap();
        let config: Value = serde_yaml::from_str(enc["content"].as_str().unwrap()).unwrap();
        assert_eq!(
            config["resources"][0]["providers"][0]["secretbox"]["keys"][0]["secret"],
            KEY_32
        );
        assert_eq!(config["resources"][0]["resources"], json!(["secrets"]));
        assert_eq!(
            spec["clusterConfiguration"]["apiServer"]["extraArgs"]["encryption-provider-config"],
            "/etc/kubernetes/enc/enc.yaml"
        );
    }

    #[test]
    fn oidc_needs_a_client_id() {
        let err = with_ctx("oidc: {issuerUrl: https://id.example}", &[], |ctx| {
            oidc_spec(ctx).unwrap_err().to_string()
        });
        assert!(err.starts_with("oidc.clientId:"), "{err}");
    }

    #[test]
    fn control_plane_user_spec_concatenates_and_drops_kube_proxy_configuration() {
        let values = "controlPlane: {kubeadmConfigSpec: {preKubeadmCommands: [echo hi], \
                      kubeProxyConfiguration: {mode: ipvs}}}";
        let spec = with_ctx(values, &[], |ctx| control_plane_spec(ctx).unwrap());
        assert!(spec.get("kubeProxyConfiguration").is_none());
        let cmds = spec["preKubeadmCommands"].as_array().unwrap();
        assert!(cmds.contains(&json!("echo hi")));
        assert_eq!(
            cmds.last().unwrap(),
            "cat /run/kubeadm/kube-proxy-configuration.yaml >> /run/kubeadm/kubeadm.yaml"
        );
    }

    #[test]
    fn node_group_on_flatcar_has_no_init_configuration() {
        let values = "kubernetesVersion: 1.31.4\nosDistro: flatcar\nnodeGroups: [{name: md-0, machineCount: 1}]";
        let spec = with_ctx(values, &[], |ctx| {
            let groups = crate::resources::node_group::effective_node_groups(ctx).unwrap();
            node_group_spec(ctx, &groups[0].1).unwrap()
        });
        assert!(spec.get("initConfiguration").is_none());
        assert_eq!(spec["format"], "ignition");
        assert_eq!(
            spec["joinConfiguration"]["nodeRegistration"]["name"],
            "${COREOS_OPENSTACK_HOSTNAME}"
        );
    }

    #[test]
    fn node_group_takes_only_pre_kubeadm_commands_of_the_webhook_patches() {
        let values = "kubernetesVersion: 1.31.4\nauthWebhook: k8s-keystone-auth\nnodeGroups: [{name: md-0, machineCount: 1}]";
        let spec = with_ctx(values, &[], |ctx| {
            let groups = crate::resources::node_group::effective_node_groups(ctx).unwrap();
            node_group_spec(ctx, &groups[0].1).unwrap()
        });
        assert!(spec.get("postKubeadmCommands").is_none());
        assert!(spec.get("clusterConfiguration").is_none());
        assert!(
            spec["preKubeadmCommands"]
                .as_array()
                .unwrap()
                .contains(&json!("mkdir -p /etc/kubernetes/keystone-auth"))
        );
    }

    #[test]
    fn node_group_labels_include_the_group_label() {
        let values = "kubernetesVersion: 1.31.4\nnodeGroups: [{name: gpu-0, machineCount: 1, nodeLabels: {accel: nvidia}}]";
        let spec = with_ctx(values, &[], |ctx| {
            let groups = crate::resources::node_group::effective_node_groups(ctx).unwrap();
            node_group_spec(ctx, &groups[0].1).unwrap()
        });
        assert_eq!(
            spec["joinConfiguration"]["nodeRegistration"]["kubeletExtraArgs"]["node-labels"],
            "accel=nvidia,capi.stackhpc.com/node-group=gpu-0"
        );
    }

    #[test]
    fn cilium_with_kube_proxy_replacement_skips_kube_proxy() {
        let on = with_ctx("addons: {cni: {type: cilium}}", &[], cilium_spec);
        assert_eq!(
            on,
            json!({"initConfiguration": {"skipPhases": ["addon/kube-proxy"]}})
        );
        let off = with_ctx(
            "addons: {cni: {type: cilium, cilium: {release: {values: {kubeProxyReplacement: false}}}}}",
            &[],
            cilium_spec,
        );
        assert_eq!(off, json!({}));
    }

    #[test]
    fn merge_concat_concatenates_lists_and_merges_maps() {
        let l = json!({"files": [{"path": "a"}], "x": {"a": 1, "l": [1]}});
        let r = json!({"files": [{"path": "b"}], "x": {"b": 2, "l": [2]}});
        assert_eq!(
            merge_concat(&l, &r),
            json!({"files": [{"path": "a"}, {"path": "b"}], "x": {"a": 1, "b": 2, "l": [1, 2]}})
        );
    }

    #[test]
    fn merge_concat_later_scalar_wins_unless_empty() {
        assert_eq!(merge_concat(&json!("a"), &json!("b")), json!("b"));
        assert_eq!(merge_concat(&json!("a"), &json!("")), json!("a"));
        assert_eq!(merge_concat(&json!(true), &json!(false)), json!(true));
        assert_eq!(merge_concat(&json!(3), &json!(0)), json!(3));
        assert_eq!(
            merge_concat(&json!({"a": 1}), &json!(null)),
            json!({"a": 1})
        );
        // A list meeting a non-list: the later wins when not empty.
        assert_eq!(merge_concat(&json!([1]), &json!("x")), json!("x"));
        assert_eq!(merge_concat(&json!([1]), &json!({})), json!([1]));
        // A scalar meeting a map.
        assert_eq!(merge_concat(&json!("s"), &json!({"a": 1})), json!({"a": 1}));
    }

    #[test]
    fn merge_concat_many_of_nothing_is_an_empty_map() {
        assert_eq!(merge_concat_many([]), json!({}));
        assert_eq!(
            merge_concat_many([json!({}), json!({"a": [1]})]),
            json!({"a": [1]})
        );
    }

    #[test]
    fn registry_file_list_form() {
        let text = registry_file("quay.io", &json!(["https://m1", "https://m2"]), "r").unwrap();
        assert_eq!(
            text,
            "\nserver = \"https://quay.io\"\n\
             [host.\"https://m1\"]\ncapabilities = [\"pull\", \"resolve\"]\nskip_verify = false\noverride_path = true\n\
             [host.\"https://m2\"]\ncapabilities = [\"pull\", \"resolve\"]\nskip_verify = false\noverride_path = true\n"
        );
    }

    #[test]
    fn registry_file_map_form_with_options() {
        let spec = json!({
            "upstream": "https://up.example",
            "mirrors": [
                {"url": "https://m", "capabilities": ["pull"], "skipVerify": true, "overridePath": false},
                "https://plain",
            ],
        });
        let text = registry_file("docker.io", &spec, "r").unwrap();
        assert_eq!(
            text,
            "\nserver = \"https://up.example\"\n\
             [host.\"https://m\"]\ncapabilities = [\"pull\"]\nskip_verify = true\noverride_path = false\n\
             [host.\"https://plain\"]\ncapabilities = [\"pull\", \"resolve\"]\nskip_verify = false\noverride_path = true\n"
        );
    }

    #[test]
    fn registry_file_map_without_mirrors_has_only_the_server() {
        let text = registry_file("docker.io", &json!({}), "r").unwrap();
        assert_eq!(text, "\nserver = \"https://registry-1.docker.io\"\n");
    }

    #[test]
    fn registry_file_mirror_without_url_is_refused() {
        let err = registry_file(
            "docker.io",
            &json!({"mirrors": [{"capabilities": ["pull"]}]}),
            "registryMirrors.docker.io",
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("registryMirrors.docker.io[0].url"),
            "{err}"
        );
    }

    #[test]
    fn node_labels_sorted_and_joined() {
        let labels = json!({"b": "2", "a": "x", "c/d": true});
        assert_eq!(
            node_labels_string(labels.as_object().unwrap()),
            "a=x,b=2,c/d=true"
        );
        assert_eq!(node_labels_string(&Map::new()), "");
    }

    #[test]
    fn go_numbers_print_like_helm() {
        assert_eq!(go_string(&json!(123456)), "123456");
        assert_eq!(go_string(&json!(1234567.0)), "1.234567e+06");
        // An int64 (`--set`) prints whole.
        assert_eq!(go_string(&json!(1234567)), "1234567");
        assert_eq!(go_string(&json!(0.0001)), "0.0001");
        assert_eq!(go_string(&json!(0.00001)), "1e-05");
        assert_eq!(go_string(&json!(-3)), "-3");
    }

    #[test]
    fn block_content_clips_trailing_blank_lines() {
        assert_eq!(block_content("a\nb\n\n"), "a\nb\n");
        assert_eq!(block_content("a"), "a\n");
        assert_eq!(block_content(""), "");
    }
}

#[cfg(test)]
mod examples {
    //! What the items above do, shown on small inputs.

    #[test]
    fn is_empty() {
        use crate::resources::kubeadm::is_empty;
        use serde_json::json;
        assert!(is_empty(&json!(false)) && is_empty(&json!(0)) && is_empty(&json!({})));
        assert!(!is_empty(&json!("false")));
    }

    #[test]
    fn go_string() {
        use crate::resources::kubeadm::go_string;
        use serde_json::json;
        assert_eq!(go_string(&json!("a")), "a");
        assert_eq!(go_string(&json!(2)), "2");
        assert_eq!(go_string(&json!(1000000.0)), "1e+06");
        assert_eq!(go_string(&json!(1000000)), "1000000");
        assert_eq!(go_string(&json!(0.5)), "0.5");
        assert_eq!(go_string(&json!(true)), "true");
    }

    #[test]
    fn merge_concat() {
        use crate::resources::kubeadm::merge_concat;
        use serde_json::json;
        let left = json!({"files": [1], "a": {"x": 1, "y": true}});
        let right = json!({"files": [2], "a": {"x": 2, "y": false}});
        assert_eq!(merge_concat(&left, &right), json!({"files": [1, 2], "a": {"x": 2, "y": true}}));
    }

    #[test]
    fn merge_concat_into() {
        use crate::resources::merge_concat::merge_concat_into;
        use serde_json::json;
        let mut acc = json!({"files": [1], "a": {"x": 1}});
        merge_concat_into(&mut acc, json!({"files": [2], "a": {"x": ""}}));
        assert_eq!(acc, json!({"files": [1, 2], "a": {"x": 1}}));
    }

    #[test]
    fn merge_concat_many() {
        use crate::resources::kubeadm::merge_concat_many;
        use serde_json::json;
        let v = merge_concat_many([json!({"a": [1]}), json!({}), json!({"a": [2], "b": 1})]);
        assert_eq!(v, json!({"a": [1, 2], "b": 1}));
    }

    #[test]
    fn node_labels_string() {
        use crate::resources::kubeadm::node_labels_string;
        let labels = serde_json::json!({"tier": "worker", "accel": "nvidia", "n": 3});
        assert_eq!(node_labels_string(labels.as_object().unwrap()), "accel=nvidia,n=3,tier=worker");
    }

    #[test]
    fn registry_file() {
        use crate::resources::kubeadm::registry_file;
        let text = registry_file("docker.io", &serde_json::json!(["https://mirror"]), "registryMirrors").unwrap();
        assert_eq!(text, "\nserver = \"https://registry-1.docker.io\"\n[host.\"https://mirror\"]\n\
            capabilities = [\"pull\", \"resolve\"]\nskip_verify = false\noverride_path = true\n");
    }
}

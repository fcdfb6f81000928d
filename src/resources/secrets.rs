//! Secrets of the cluster: the cloud credentials (`clouds.yaml`) and containerd's
//! registry credentials. Their values are never logged or put in error messages.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Secret;
use serde_json::Value;

use crate::error::{Error, FieldError, Result};
use crate::helm_compat::go_yaml;
use crate::naming;
use crate::object::{Object, ObjectMeta};
use crate::context::Context;

fn secret_object(meta: ObjectMeta, string_data: BTreeMap<String, String>) -> Result<Object> {
    let secret = Secret {
        string_data: Some(string_data),
        ..Default::default()
    };
    let mut body = serde_json::to_value(&secret).map_err(|e| Error::invalid("", e.to_string()))?;
    if let Some(m) = body.as_object_mut() {
        m.remove("metadata");
    }
    Object::from_value("v1", "Secret", meta, body)
}

/// The `<release>-cloud-credentials` Secret with the `clouds.yaml` of the chosen cloud
/// (renamed `openstack`, the name every CAPO object refers to) and the optional CA
/// certificate. Nothing when `cloudCredentialsSecretName` names an existing Secret.
pub fn cloud_credentials(ctx: &Context) -> Result<Option<Object>> {
    let v = ctx.values;
    if v.cloud_credentials_secret_name
        .as_deref()
        .is_some_and(|s| !s.is_empty())
    {
        return Ok(None);
    }
    let clouds = v.clouds.as_ref().filter(|c| !c.is_empty()).ok_or_else(|| {
        Error::Invalid(vec![FieldError::new(
            "clouds",
            "is required when cloudCredentialsSecretName is not given: give the clouds of a clouds.yaml, or the name of an existing Secret holding one in cloudCredentialsSecretName",
        )])
    })?;
    let cloud_name = v.cloud_name.as_deref().unwrap_or("openstack");
    let cloud = clouds.get(cloud_name).ok_or_else(|| {
        let known: Vec<&str> = clouds.keys().map(String::as_str).collect();
        Error::invalid(
            "cloudName",
            format!(
                "'{cloud_name}' is not one of the clouds given in clouds (known: {})",
                known.join(", ")
            ),
        )
    })?;
    let component = "cloud-credentials";
    let mut meta = ObjectMeta::named(ctx.component_name(component));
    meta.labels = naming::component_labels(ctx.prefix(), &ctx.cluster_name(), component);
    meta.annotations.insert(
        "helm.sh/resource-policy".into(),
        Value::String("keep".into()),
    );
    let clouds_yaml = serde_json::json!({ "clouds": { "openstack": cloud } });
    let mut data = BTreeMap::from([(
        "clouds.yaml".to_string(),
        format!("{}\n", go_yaml::to_string(&clouds_yaml)),
    )]);
    if let Some(ca) = v.cloud_ca_cert.as_deref().filter(|c| !c.trim().is_empty()) {
        data.insert("cacert".into(), format!("{}\n", ca.trim()));
    }
    secret_object(meta, data).map(Some)
}

/// The containerd configuration text with registry credentials.
pub fn containerd_auth_toml(auth: &BTreeMap<String, crate::values::RegistryAuth>) -> String {
    let mut text =
        String::from("version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".registry.configs]\n");
    for (registry, a) in auth {
        text.push_str(&format!(
            "  [plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"{registry}\".auth]\n    username = \"{}\"\n    password = \"{}\"\n",
            a.username, a.password
        ));
    }
    text
}

/// The `<release>-containerd-auth` Secret, when `registryAuth` is given.
pub fn containerd_auth(ctx: &Context) -> Result<Option<Object>> {
    let Some(auth) = ctx.values.registry_auth.as_ref().filter(|a| !a.is_empty()) else {
        return Ok(None);
    };
    let component = "containerd-auth";
    let mut meta = ObjectMeta::named(ctx.component_name(component));
    meta.labels = naming::component_labels(ctx.prefix(), &ctx.cluster_name(), component);
    let data = BTreeMap::from([("auth.toml".to_string(), containerd_auth_toml(auth))]);
    secret_object(meta, data).map(Some)
}

#[cfg(test)]
mod examples {
    //! What the items above do, shown on small inputs.

    #[test]
    fn containerd_auth_toml() {
        let auth = std::collections::BTreeMap::from([("r.io".to_string(), crate::values::RegistryAuth { username: "u".into(), password: "p".into() })]);
        let text = crate::resources::secrets::containerd_auth_toml(&auth);
        assert!(text.contains("[plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"r.io\".auth]"));
    }
}

//! The fast template path (`crate::template_set::fast`) against handlebars, on every
//! template of every embedded set: as written and as `static_text::collapse` rewrites
//! it, with the data the addon builders pass and many variations of it. Whenever the
//! fast path renders, it must print exactly what handlebars prints; with the addons'
//! own data it must render every embedded template (so that the fast path is used).

use crate::TemplateSet;
use crate::template_set::{fast, registry, static_text};
use handlebars::Handlebars;
use serde_json::{Map, Value, json};

/// Every `templates/**/*.hbs` of every embedded set: (set id, name, source).
fn embedded_templates() -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for set in TemplateSet::all_embedded().unwrap() {
        for (path, bytes) in set.files() {
            if let Some(name) = path
                .strip_prefix("templates/")
                .and_then(|p| p.strip_suffix(".hbs"))
            {
                let src = String::from_utf8(bytes.to_vec()).unwrap();
                out.push((set.id(), name.to_string(), src));
            }
        }
    }
    assert!(!out.is_empty());
    out
}

/// The data the addon builders in `src/addons` pass to the template `name` (each call
/// site, with the values it can take).
fn addon_data(name: &str) -> Vec<Value> {
    let bools = |key: &str| vec![json!({ key: true }), json!({ key: false })];
    match name {
        "addons/cni-calico"
        | "addons/loki-stack"
        | "addons/blackbox-exporter-alerts"
        | "addons/metrics-server"
        | "addons/csi-cephfs"
        | "addons/nvidia-gpu-operator"
        | "addons/mellanox-network-operator"
        | "addons/csi-manila-credentials"
        | "addons/ingress-nginx-alerts"
        | "addons/traefik-alerts" => vec![json!({})],
        "addons/cni-calico-globalnetpolicy" => vec![
            json!({
                "policy": {
                    "denyNamespaceSelector": "kubernetes.io/metadata.name != 'openstack-system'",
                    "allowPriority": 20,
                    "denyPriority": 10,
                    "allowEgressCidrs": ["0.0.0.0/0"],
                    "denyEgressCidrs": ["169.254.169.254/32"],
                    "allowv6EgressCidrs": ["::/0"],
                    "denyv6EgressCidrs": ["fe80::a9fe:a9fe/128"],
                },
                "denyName": "demo-deny-egress",
                "allowName": "demo-allow-global-egress",
            }),
            json!({
                "policy": {
                    "denyNamespaceSelector": null,
                    "allowPriority": "20",
                    "denyPriority": 10.5,
                    "allowEgressCidrs": [],
                    "denyEgressCidrs": ["10.0.0.0/8", "169.254.169.254/32"],
                    "allowv6EgressCidrs": [],
                    "denyv6EgressCidrs": [],
                },
                "denyName": "x-deny-egress",
                "allowName": "x-allow-global-egress",
            }),
        ],
        "addons/cni-calico-monitoring" => vec![
            json!({"component": "kube-controllers", "port": 9094, "app": "calico-kube-controllers"}),
            json!({"component": "node", "port": 9091, "app": "calico-node"}),
            json!({"component": "typha", "port": 9093, "app": "calico-typha"}),
        ],
        "addons/cni-cilium" => bools("kubeProxyReplacement"),
        "addons/kube-prometheus-stack" => vec![
            json!({"retentionSize": "8GB"}),
            json!({"retentionSize": null}),
        ],
        "addons/loki-stack-datasource"
        | "addons/intel-xpumanager-service"
        | "addons/intel-xpumanager-servicemonitor" => {
            vec![
                json!({"namespace": "monitoring-system"}),
                json!({"namespace": null}),
            ]
        }
        "addons/blackbox-exporter" => bools("openstackAuthUrlTarget"),
        "addons/amd-gpu-operator" | "addons/npd" | "addons/ingress-nginx" | "addons/traefik" => {
            bools("monitoring")
        }
        "addons/headlamp" => vec![json!({"release": "demo"})],
        "addons/nfd" => bools("amdGPUOperator"),
        "addons/ccm-openstack" | "addons/csi-cinder" => vec![
            json!({"clusterName": "demo", "reloader": true}),
            json!({"clusterName": "demo", "reloader": false}),
        ],
        "addons/csi-manila" => vec![
            json!({"clusterName": "demo", "cephfs": true}),
            json!({"clusterName": "demo", "cephfs": false}),
        ],
        "addons/cloud-config" => vec![
            json!({
                "networking": ["internal-network-name={{ infra_cluster.status.network.name }}"],
                "floatingNetworkId": null,
                "loadBalancer": [],
                "sections": [],
            }),
            json!({
                "networking": ["internal-network-name=\"net\"", "ipv6-support-disabled=true"],
                "floatingNetworkId": "floating-network-id=\"ext-net\"",
                "loadBalancer": ["lb-method=ROUND_ROBIN", "create-monitor=true"],
                "sections": [
                    {"name": "BlockStorage", "lines": ["ignore-volume-az=true"]},
                    {"name": "Metadata", "lines": []},
                ],
            }),
        ],
        other => panic!(
            "template {other}: add the data its addon passes to addon_data in {}",
            file!()
        ),
    }
}

/// Values a field is replaced with in the variations.
fn replacements() -> Vec<Value> {
    vec![
        json!(true),
        json!(false),
        json!(null),
        json!(0),
        json!(1),
        json!(-2.5),
        json!(1e-310),
        json!(18446744073709551615u64),
        json!(""),
        json!("plain"),
        json!("special: {{x}} \\{{ y }} \"q\" 'a' é\n  next: line\t# ${X} }}"),
        json!([]),
        json!(["a", "b {{c}}"]),
        json!([1, true, null]),
        json!([{"name": "n", "lines": ["l1", "l2"]}, {"name": "m", "lines": []}]),
        json!([[1]]),
        json!({}),
        json!({"name": "x", "lines": ["k=v"]}),
        json!({"a": {"b": "c"}}),
    ]
}

/// Variations of `data`: each field (and each field of a nested map, and each item of
/// a list) replaced by each of [`replacements`] or removed; all flags flipped.
fn variations(data: &Value) -> Vec<Value> {
    let mut out = vec![data.clone()];
    let Value::Object(map) = data else {
        return out;
    };
    for (key, value) in map {
        for r in replacements() {
            let mut v = map.clone();
            v.insert(key.clone(), r);
            out.push(Value::Object(v));
        }
        let mut v = map.clone();
        v.remove(key);
        out.push(Value::Object(v));
        if let Value::Object(inner) = value {
            for nested in variations(&Value::Object(inner.clone()))
                .into_iter()
                .skip(1)
            {
                let mut v = map.clone();
                v.insert(key.clone(), nested);
                out.push(Value::Object(v));
            }
        }
        if let Value::Array(items) = value {
            for i in 0..items.len() {
                for r in replacements() {
                    let mut list = items.clone();
                    list[i] = r;
                    let mut v = map.clone();
                    v.insert(key.clone(), Value::Array(list));
                    out.push(Value::Object(v));
                }
            }
        }
    }
    let flip: Map<String, Value> = map
        .iter()
        .map(|(k, v)| match v {
            Value::Bool(b) => (k.clone(), json!(!b)),
            other => (k.clone(), other.clone()),
        })
        .collect();
    out.push(Value::Object(flip));
    out
}

/// One object with every field any addon passes (templates ignore the rest).
fn union_data() -> Value {
    json!({
        "monitoring": true, "clusterName": "demo", "reloader": true, "cephfs": true,
        "namespace": "ns", "release": "demo", "retentionSize": "8GB",
        "kubeProxyReplacement": true, "openstackAuthUrlTarget": true, "amdGPUOperator": true,
        "component": "node", "port": 9091, "app": "calico-node",
        "denyName": "d", "allowName": "a",
        "policy": {"denyNamespaceSelector": "s", "allowPriority": 20, "denyPriority": 10,
                   "allowEgressCidrs": ["0.0.0.0/0"], "denyEgressCidrs": [],
                   "allowv6EgressCidrs": ["::/0"], "denyv6EgressCidrs": ["fe80::/10"]},
        "networking": ["a=b"], "floatingNetworkId": "f=1", "loadBalancer": ["c=d"],
        "sections": [{"name": "S", "lines": ["e=f"]}],
    })
}

/// What handlebars renders (`Err` with its message when it fails).
fn handlebars(hb: &mut Handlebars<'static>, src: &str, data: &Value) -> Result<String, String> {
    hb.register_template_string("t", src)
        .map_err(|e| e.to_string())?;
    hb.render("t", data).map_err(|e| e.to_string())
}

#[test]
fn the_fast_path_prints_what_handlebars_prints_for_every_embedded_template() {
    let (mut checked, mut rendered) = (0usize, 0usize);
    for (set, name, original) in embedded_templates() {
        let table = static_text::Table::default();
        let collapsed = static_text::collapse(&original, &table);
        let statics = table.read().unwrap().clone();
        let mut hb = registry(&table);
        let real = addon_data(&name);

        let fast_original = fast::compile(&original)
            .unwrap_or_else(|| panic!("{set} {name}: the fast path declines the template"));
        let fast_collapsed = collapsed.as_deref().map(|c| {
            fast::compile(c).unwrap_or_else(|| {
                panic!("{set} {name}: the fast path declines the collapsed template")
            })
        });

        let mut contexts: Vec<Value> = real.iter().flat_map(variations).collect();
        contexts.push(union_data());
        contexts.push(json!({}));
        contexts.push(json!(null));
        contexts.push(json!(["a"]));
        for data in &contexts {
            let expected = handlebars(&mut hb, &original, data);
            if let Some(c) = &collapsed {
                // The static-text rewrite prints the same (or fails the same way).
                let from_collapsed = handlebars(&mut hb, c, data);
                assert_eq!(
                    from_collapsed.is_ok(),
                    expected.is_ok(),
                    "{set} {name} with {data}"
                );
                if let (Ok(a), Ok(b)) = (&from_collapsed, &expected) {
                    assert_eq!(a, b, "{set} {name} collapsed, with {data}");
                }
            }
            let mut fast_outputs = vec![("as written", fast_original.render(data, &statics))];
            if let Some(t) = &fast_collapsed {
                fast_outputs.push(("collapsed", t.render(data, &statics)));
            }
            for (variant, got) in fast_outputs {
                checked += 1;
                if let Some(got) = got {
                    rendered += 1;
                    match &expected {
                        Ok(e) => assert_eq!(&got, e, "{set} {name} {variant}, with {data}"),
                        Err(e) => panic!(
                            "{set} {name} {variant}, with {data}: the fast path printed {got:?} \
                             where handlebars fails: {e}"
                        ),
                    }
                }
            }
        }
        // With the addons' own data, the fast path renders.
        for data in &real {
            assert!(
                fast_original.render(data, &statics).is_some(),
                "{set} {name}: the fast path declines to render with {data}"
            );
            if let Some(t) = &fast_collapsed {
                assert!(
                    t.render(data, &statics).is_some(),
                    "{set} {name} collapsed: the fast path declines to render with {data}"
                );
            }
        }
    }
    eprintln!("{checked} renders compared, {rendered} by the fast path");
    assert!(rendered * 2 > checked, "{rendered} of {checked}");
}

/// `TemplateSet::render` gives what handlebars gives, for the addons' data, on every
/// embedded set.
#[test]
fn template_set_renders_as_handlebars_does() {
    for set in TemplateSet::all_embedded().unwrap() {
        let table = static_text::Table::default();
        let mut hb = registry(&table);
        for (path, bytes) in set.files() {
            let Some(name) = path
                .strip_prefix("templates/")
                .and_then(|p| p.strip_suffix(".hbs"))
            else {
                continue;
            };
            let src = std::str::from_utf8(bytes).unwrap();
            for data in addon_data(name).iter().chain([&union_data()]) {
                let expected = handlebars(&mut hb, src, data).unwrap();
                assert_eq!(
                    set.render(name, data).unwrap(),
                    expected,
                    "{name} with {data}"
                );
            }
        }
    }
}

/// A strict-mode error is still handlebars' message, naming the file.
#[test]
fn errors_are_still_handlebars_errors() {
    let set = TemplateSet::embedded(None).unwrap();
    let err = set
        .render("addons/ccm-openstack", &json!({"reloader": true}))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("templates/addons/ccm-openstack.hbs") && err.contains("clusterName"),
        "{err}"
    );
    assert!(set.render("addons/no-such-template", &json!({})).is_err());
}

//! Calico's global egress policies (`addons.cni.calico.globalNetworkPolicy`), installed
//! into the workload cluster by the `cni-calico-globalnetpolicy` `Manifests`: a policy
//! denying egress to the listed destinations (the metadata service) from the selected
//! namespaces, and one allowing the rest.
//!
//! The two policies are built as typed `projectcalico.org/v3` `GlobalNetworkPolicy`
//! objects ([`GlobalNetworkPolicy`], the fields of Calico's API that capiform writes), so
//! that a value Calico would refuse is a values error naming its path and the accepted
//! shape:
//!
//! - `allowPriority` and `denyPriority` become the policies' `order`, a number (a quoted
//!   number is read as one, as the chart prints it unquoted);
//! - the destinations of the IPv4 rules (`allowEgressCidrs`, `denyEgressCidrs`) are IPv4
//!   addresses or CIDRs, those of the IPv6 rules (`allowv6EgressCidrs`,
//!   `denyv6EgressCidrs`) IPv6 ones: Calico refuses a rule whose `nets` are not of its
//!   `ipVersion`;
//! - `denyNamespaceSelector` is written so that it reads back as the same text (quoted
//!   when YAML would read it otherwise).
//!
//! The template set's `addons/cni-calico-globalnetpolicy` template prints the policies;
//! what it prints must read back as the typed objects (checked at every render), so a
//! template that drifts from the objects is an error of the template set, not a broken
//! policy on the workload cluster. The Calico API server is not part of the test API
//! server, so these objects are not dry-run (`docs/dry-run.md`): this module is their check.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::context::Context;
use crate::error::{Error, FieldError, Result};
use crate::values::addons::core::GlobalNetworkPolicy as PolicyValues;

/// The values path of the policy settings.
pub const PATH: &str = "addons.cni.calico.globalNetworkPolicy";

/// A Calico `GlobalNetworkPolicy` (`projectcalico.org/v3`), the fields capiform writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GlobalNetworkPolicy {
    /// `projectcalico.org/v3`.
    pub api_version: String,
    /// `GlobalNetworkPolicy`.
    pub kind: String,
    /// The policy's name.
    pub metadata: PolicyMetadata,
    /// What the policy does.
    pub spec: PolicySpec,
}

/// The metadata of a policy: its name only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyMetadata {
    /// `default.<release>-deny-egress` and the like (the `default.` tier prefix).
    pub name: String,
}

/// `spec` of a global network policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicySpec {
    /// Where the policy sits among the others (lower first); none: last.
    #[serde(default)]
    pub order: Option<f64>,
    /// The namespaces the policy applies to (a Calico selector); none: all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<String>,
    /// The directions of traffic the policy governs.
    pub types: Vec<PolicyType>,
    /// The egress rules, in order.
    pub egress: Vec<Rule>,
}

/// A direction of traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PolicyType {
    /// Incoming traffic.
    Ingress,
    /// Outgoing traffic.
    Egress,
}

/// What a rule does with matching traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    /// Let it through.
    Allow,
    /// Drop it.
    Deny,
}

/// One rule of a policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rule {
    /// What the rule does.
    pub action: Action,
    /// 4 or 6: the rule matches only traffic of that IP version.
    pub ip_version: u8,
    /// Where the traffic goes.
    pub destination: EntityRule,
}

/// The destination of a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityRule {
    /// Addresses or CIDRs, all of the rule's IP version; none: any destination.
    #[serde(default)]
    pub nets: Option<Vec<String>>,
}

/// The deny and allow policies built from the values, or every problem of the values
/// (path, what was wrong, what is accepted).
pub fn policies(
    values: &PolicyValues,
    deny_name: &str,
    allow_name: &str,
) -> std::result::Result<[GlobalNetworkPolicy; 2], Vec<FieldError>> {
    let mut problems = Vec::new();
    let deny_order = order(values.deny_priority.as_ref(), "denyPriority", &mut problems);
    let allow_order = order(
        values.allow_priority.as_ref(),
        "allowPriority",
        &mut problems,
    );
    let mut nets = |list: &Option<Vec<String>>, key: &str, version: u8| {
        destinations(list.as_deref(), key, version, &mut problems)
    };
    let deny_v4 = nets(&values.deny_egress_cidrs, "denyEgressCidrs", 4);
    let deny_v6 = nets(&values.deny_v6_egress_cidrs, "denyv6EgressCidrs", 6);
    let allow_v4 = nets(&values.allow_egress_cidrs, "allowEgressCidrs", 4);
    let allow_v6 = nets(&values.allow_v6_egress_cidrs, "allowv6EgressCidrs", 6);
    if !problems.is_empty() {
        return Err(problems);
    }
    let policy = |name: &str, order, selector, action, v4, v6| GlobalNetworkPolicy {
        api_version: "projectcalico.org/v3".into(),
        kind: "GlobalNetworkPolicy".into(),
        metadata: PolicyMetadata {
            name: format!("default.{name}"),
        },
        spec: PolicySpec {
            order,
            namespace_selector: selector,
            types: vec![PolicyType::Egress],
            egress: vec![
                Rule {
                    action,
                    ip_version: 4,
                    destination: EntityRule { nets: v4 },
                },
                Rule {
                    action,
                    ip_version: 6,
                    destination: EntityRule { nets: v6 },
                },
            ],
        },
    };
    let selector = values
        .deny_namespace_selector
        .clone()
        .filter(|s| !s.is_empty());
    Ok([
        policy(
            deny_name,
            deny_order,
            selector,
            Action::Deny,
            deny_v4,
            deny_v6,
        ),
        policy(
            allow_name,
            allow_order,
            None,
            Action::Allow,
            allow_v4,
            allow_v6,
        ),
    ])
}

/// The manifest text of the two policies: the template set's template, given the
/// policies' fields, checked to read back as the typed objects.
pub fn manifest_text(
    ctx: &Context,
    values: &PolicyValues,
    deny_name: &str,
    allow_name: &str,
) -> Result<String> {
    let built = policies(values, deny_name, allow_name).map_err(Error::Invalid)?;
    let data = json!({
        "policy": template_data(values),
        "denyName": deny_name,
        "allowName": allow_name,
    });
    let name = "addons/cni-calico-globalnetpolicy";
    let text = ctx.templates.render(name, &data)?;
    let drift = |what: String| Error::TemplateSet {
        set: ctx.templates.id(),
        message: format!("templates/{name}.hbs: {what}"),
    };
    let mut printed = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(&text) {
        let value =
            Value::deserialize(doc).map_err(|e| drift(format!("does not print YAML: {e}")))?;
        if value.is_null() {
            continue;
        }
        let policy: GlobalNetworkPolicy = serde_json::from_value(value).map_err(|e| {
            drift(format!(
                "prints something that is not a global network policy: {e}"
            ))
        })?;
        printed.push(policy);
    }
    if printed != built {
        return Err(drift(format!(
            "prints policies that differ from those of the values: printed {printed:?}, built {built:?}"
        )));
    }
    Ok(text)
}

/// What the template is given: the values, with the orders as Go prints the chart's
/// numbers (`30`, not `30.0`; `1e+06`), the selector as a YAML scalar that reads back as
/// itself, empty lists of destinations as none.
fn template_data(values: &PolicyValues) -> Value {
    let mut data = serde_json::to_value(values).unwrap_or_default();
    for key in ["allowPriority", "denyPriority"] {
        if let Some(order) = data.get_mut(key).filter(|o| o.is_number()) {
            *order = Value::String(crate::helm_compat::go_print(order));
        }
    }
    if let Some(Value::String(s)) = data.get_mut("denyNamespaceSelector") {
        *s = yaml_scalar(s);
    }
    data
}

/// `s` as a YAML scalar on a `key: ` line: as it is when YAML reads it back as the same
/// text, else double-quoted.
fn yaml_scalar(s: &str) -> String {
    let plain = !s.contains('\n')
        && serde_yaml::from_str::<Value>(&format!("k: {s}")).ok() == Some(json!({ "k": s }));
    if plain {
        s.to_string()
    } else {
        Value::String(s.to_string()).to_string()
    }
}

/// A policy's order: a number, or a text that is one (printed unquoted, so Calico reads a
/// number); none when absent or null.
fn order(v: Option<&Value>, key: &str, problems: &mut Vec<FieldError>) -> Option<f64> {
    let wrong = |given: String, problems: &mut Vec<FieldError>| {
        problems.push(FieldError::new(
            format!("{PATH}.{key}"),
            format!("{given} is not a number: it becomes the policy's order in Calico, a number such as 10 or 20.5 (lower orders apply first)"),
        ));
        None
    };
    match v? {
        Value::Null => None,
        Value::Number(n) => n.as_f64(),
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => match s.trim().parse::<f64>() {
            Ok(n)
                if n.is_finite()
                    && s.trim() == s
                    && s.chars().all(|c| c.is_ascii_digit() || ".eE+-".contains(c))
                    && serde_yaml::from_str::<f64>(s).ok() == Some(n) =>
            {
                Some(n)
            }
            _ => wrong(format!("{s:?}"), problems),
        },
        Value::Bool(b) => wrong(b.to_string(), problems),
        Value::Array(_) => wrong("a list".into(), problems),
        Value::Object(_) => wrong("a mapping".into(), problems),
    }
}

/// The destinations of a rule of IP version `version`: none when the list is absent or
/// empty (the template prints an empty list as none).
fn destinations(
    list: Option<&[String]>,
    key: &str,
    version: u8,
    problems: &mut Vec<FieldError>,
) -> Option<Vec<String>> {
    let list = list.filter(|l| !l.is_empty())?;
    for (i, net) in list.iter().enumerate() {
        let at = format!("{PATH}.{key}[{i}]");
        match ip_or_cidr_version(net) {
            Some(v) if v == version => {}
            Some(v) => problems.push(FieldError::new(
                at,
                format!("{net:?} is an IPv{v} destination in the list of the IPv{version} rule: Calico refuses a rule whose nets are not of its ipVersion (IPv4 destinations go in {}, IPv6 ones in {})",
                    key.replace("v6", ""), v6_key(key)),
            )),
            None => problems.push(FieldError::new(
                at,
                format!("{net:?} is not an IPv{version} address or CIDR (Calico's rule nets, e.g. {})",
                    if version == 4 { "169.254.169.254/32" } else { "fe80::a9fe:a9fe/128" }),
            )),
        }
    }
    Some(list.to_vec())
}

/// The IPv6 list's key of a list's key (`denyEgressCidrs` → `denyv6EgressCidrs`).
fn v6_key(key: &str) -> String {
    if key.contains("v6") {
        key.to_string()
    } else {
        key.replacen("Egress", "v6Egress", 1)
    }
}

/// 4 or 6 when `s` is an address or a CIDR (`ADDRESS/PREFIX`, host bits allowed, as Go's
/// `net.ParseCIDR`) of that version; none otherwise.
fn ip_or_cidr_version(s: &str) -> Option<u8> {
    let (address, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let ip: IpAddr = address.parse().ok()?;
    let bits = if ip.is_ipv4() { 32 } else { 128 };
    if let Some(p) = prefix {
        let valid = !p.is_empty()
            && p.len() <= 3
            && p.bytes().all(|b| b.is_ascii_digit())
            && !(p.len() > 1 && p.starts_with('0'))
            && p.parse::<u32>().is_ok_and(|n| n <= bits);
        if !valid {
            return None;
        }
    }
    Some(if ip.is_ipv4() { 4 } else { 6 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(v: Value) -> PolicyValues {
        serde_json::from_value(v).unwrap()
    }

    fn problems(v: Value) -> Vec<(String, String)> {
        policies(&values(v), "d", "a")
            .unwrap_err()
            .into_iter()
            .map(|p| (p.path, p.message))
            .collect()
    }

    #[test]
    fn the_defaults_build_two_egress_policies() {
        let [deny, allow] = policies(
            &values(json!({
                "denyNamespaceSelector": "kubernetes.io/metadata.name != 'openstack-system'",
                "allowPriority": 20, "denyPriority": 10,
                "allowEgressCidrs": ["0.0.0.0/0"], "denyEgressCidrs": ["169.254.169.254/32"],
                "allowv6EgressCidrs": ["::/0"], "denyv6EgressCidrs": ["fe80::a9fe:a9fe/128"],
            })),
            "r-deny-egress",
            "r-allow-global-egress",
        )
        .unwrap();
        assert_eq!(deny.metadata.name, "default.r-deny-egress");
        assert_eq!(deny.spec.order, Some(10.0));
        assert_eq!(deny.spec.egress[0].action, Action::Deny);
        assert_eq!(
            deny.spec.egress[1].destination.nets.as_deref(),
            Some(&["fe80::a9fe:a9fe/128".to_string()][..])
        );
        assert_eq!(allow.spec.namespace_selector, None);
        assert_eq!(allow.spec.egress[0].ip_version, 4);
    }

    #[test]
    fn orders_are_numbers() {
        for ok in [
            json!(10),
            json!(20.5),
            json!("30"),
            json!(null),
            json!(""),
            json!(1e6),
        ] {
            assert!(
                policies(&values(json!({"denyPriority": ok})), "d", "a").is_ok(),
                "{ok}"
            );
        }
        for (bad, shown) in [
            (json!("high"), "\"high\""),
            (json!(true), "true"),
            (json!([1]), "a list"),
            (json!(" 1"), "\" 1\""),
        ] {
            let p = problems(json!({"allowPriority": bad}));
            assert_eq!(p[0].0, format!("{PATH}.allowPriority"));
            assert!(
                p[0].1.starts_with(shown) && p[0].1.contains("order"),
                "{p:?}"
            );
        }
    }

    #[test]
    fn destinations_are_addresses_or_cidrs_of_the_rules_version() {
        assert!(policies(&values(json!({"denyEgressCidrs": ["10.0.0.1", "10.0.0.0/8", "10.1.2.3/16"], "denyv6EgressCidrs": ["::1", "2001:db8::/32"]})), "d", "a").is_ok());
        for (key, net, part) in [
            (
                "denyEgressCidrs",
                "not-a-cidr",
                "is not an IPv4 address or CIDR",
            ),
            ("denyEgressCidrs", "10.0.0.0/33", "is not an IPv4"),
            ("denyEgressCidrs", "10.0.0.0/", "is not an IPv4"),
            ("allowEgressCidrs", "010.0.0.1/8", "is not an IPv4"),
            (
                "allowEgressCidrs",
                "::/0",
                "IPv6 destination in the list of the IPv4 rule",
            ),
            (
                "allowv6EgressCidrs",
                "0.0.0.0/0",
                "IPv4 destination in the list of the IPv6 rule",
            ),
            ("denyv6EgressCidrs", "fe80::/129", "is not an IPv6"),
        ] {
            let p = problems(json!({ key: [net] }));
            assert_eq!(p[0].0, format!("{PATH}.{key}[0]"));
            assert!(p[0].1.contains(part), "{net}: {p:?}");
        }
        let p = problems(json!({"allowEgressCidrs": ["::/0"]}));
        assert!(p[0].1.contains("IPv6 ones in allowv6EgressCidrs"), "{p:?}");
    }

    #[test]
    fn empty_lists_and_selectors_are_none() {
        let [deny, _] = policies(
            &values(json!({"denyEgressCidrs": [], "denyNamespaceSelector": ""})),
            "d",
            "a",
        )
        .unwrap();
        assert_eq!(deny.spec.egress[0].destination.nets, None);
        assert_eq!(deny.spec.namespace_selector, None);
    }

    #[test]
    fn selectors_read_back_as_themselves() {
        for s in [
            "all()",
            "kubernetes.io/metadata.name != 'openstack-system'",
            "!has(a)",
            "a: b",
            "x #y",
            "'q'",
            "has(a) && b == \"c\"",
        ] {
            let printed = yaml_scalar(s);
            let back: Value = serde_yaml::from_str(&format!("k: {printed}")).unwrap();
            assert_eq!(back["k"], s, "{printed}");
        }
        assert_eq!(yaml_scalar("all()"), "all()");
    }
}

#[cfg(test)]
mod examples {
    //! What the items above do, shown on small inputs.

    use serde_json::json;

    #[test]
    fn policies() {
        let values = serde_json::from_value(
            json!({"denyPriority": 10, "denyEgressCidrs": ["169.254.169.254/32"]}),
        )
        .unwrap();
        let [deny, allow] =
            super::policies(&values, "demo-deny-egress", "demo-allow-global-egress").unwrap();
        assert_eq!(deny.metadata.name, "default.demo-deny-egress");
        assert_eq!(allow.spec.order, None);
        let wrong = serde_json::from_value(json!({"denyEgressCidrs": ["::/0"]})).unwrap();
        let problems = super::policies(&wrong, "d", "a").unwrap_err();
        assert_eq!(
            problems[0].path,
            "addons.cni.calico.globalNetworkPolicy.denyEgressCidrs[0]"
        );
    }
}

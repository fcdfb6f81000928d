//! Bad input is refused with every problem listed, each naming its field; nothing is
//! printed on stdout and the exit status is 1 (2 for usage errors); nothing panics.

use std::process::Command;

const BASE: &str = r#"
kubernetesVersion: 1.31.4
machineImage: ubuntu-jammy-kube-v{{ .Values.kubernetesVersion }}
cloudCredentialsSecretName: creds
controlPlane:
  machineFlavor: cp.small
nodeGroups:
  - name: md-0
    machineFlavor: worker.small
    machineCount: 2
"#;

fn problems(extra: &str) -> Vec<String> {
    let set = capiform::TemplateSet::embedded(None).unwrap();
    let req = capiform::RenderRequest::new("demo", "default")
        .with_values_yaml("base.yaml", BASE)
        .with_values_yaml("extra.yaml", extra);
    match capiform::render(&req, set) {
        Ok(_) => vec![],
        Err(capiform::Error::Invalid(p)) => p.iter().map(|p| p.to_string()).collect(),
        Err(e) => vec![e.to_string()],
    }
}

fn has(problems: &[String], start: &str, contains: &str) -> bool {
    problems
        .iter()
        .any(|p| p.starts_with(start) && p.contains(contains))
}

#[test]
fn the_base_values_render() {
    assert!(problems("").is_empty());
}

#[test]
fn typos_are_refused_with_suggestions_everywhere() {
    let p = problems(
        "osDistr: ubuntu\ncontrolPlane:\n  machineFlavour: x\nnodeGroupDefaults:\n  machineCountt: 1\naddons:\n  metricServer:\n    enabled: true\n",
    );
    assert!(has(&p, "osDistr:", "did you mean 'osDistro'"), "{p:?}");
    assert!(
        has(
            &p,
            "controlPlane.machineFlavour:",
            "did you mean 'machineFlavor'"
        ),
        "{p:?}"
    );
    assert!(
        has(
            &p,
            "nodeGroupDefaults.machineCountt:",
            "did you mean 'machineCount'"
        ),
        "{p:?}"
    );
    assert!(
        has(&p, "addons.metricServer:", "did you mean 'metricsServer'"),
        "{p:?}"
    );
    let p = problems(
        "nodeGroups:\n  - name: md-0\n    machineFlavor: f\n    machineCount: 1\n    labels: {a: b}\n",
    );
    assert!(has(&p, "nodeGroups[0].labels:", "unknown key"), "{p:?}");
}

#[test]
fn wrong_types_enums_and_ranges_are_named() {
    let p = problems(
        "osDistro: arch\nauthWebhook: ldap\napiServer:\n  port: 70000\n  associateFloatingIP: maybe\nnodeGroups:\n  - name: md-0\n    machineFlavor: f\n    machineCount: two\n",
    );
    assert!(
        has(&p, "osDistro:", "expected one of \"ubuntu\", \"flatcar\""),
        "{p:?}"
    );
    assert!(has(&p, "authWebhook:", "not allowed"), "{p:?}");
    assert!(
        has(
            &p,
            "apiServer.port:",
            "70000 is too large (expected at most 65535: Cluster API's Cluster takes"
        ),
        "{p:?}"
    );
    assert!(
        has(&p, "apiServer.associateFloatingIP:", "expected a boolean"),
        "{p:?}"
    );
    assert!(
        has(
            &p,
            "nodeGroups[0].machineCount:",
            "expected an integer, got \"two\""
        ),
        "{p:?}"
    );
    assert!(p.len() >= 5, "all problems are reported at once: {p:?}");
}

#[test]
fn formats_are_checked() {
    let p = problems(
        "kubernetesVersion: latest\nclusterNetworking:\n  internalNetwork:\n    nodeCidr: 10.0.0.0/40\n  dnsNameservers: [8.8.8.888]\napiServer:\n  allowedCIDRs: [not-a-cidr]\n",
    );
    assert!(
        has(&p, "kubernetesVersion:", "not a Kubernetes version"),
        "{p:?}"
    );
    assert!(
        has(
            &p,
            "clusterNetworking.internalNetwork.nodeCidr:",
            "not a CIDR"
        ),
        "{p:?}"
    );
    assert!(
        has(
            &p,
            "clusterNetworking.dnsNameservers[0]:",
            "not an IP address"
        ),
        "{p:?}"
    );
    assert!(
        has(
            &p,
            "apiServer.allowedCIDRs[0]:",
            "is not an IP address or a CIDR (Octavia"
        ),
        "{p:?}"
    );
    assert!(problems("kubernetesVersion: v1.30.2\n").is_empty());
}

#[test]
fn cross_field_rules() {
    let p = problems("cloudCredentialsSecretName: null\n");
    assert!(
        has(
            &p,
            "clouds:",
            "is required when cloudCredentialsSecretName is not given"
        ),
        "{p:?}"
    );
    let p = problems("cloudCredentialsSecretName: null\nclouds: {other: {auth: {}}}\n");
    assert!(
        has(&p, "cloudName:", "'openstack' is not one of the clouds"),
        "{p:?}"
    );
    let p = problems(
        "nodeGroups:\n  - name: md-0\n    machineFlavor: f\n    machineCount: 1\n  - name: md-0\n    machineFlavor: f\n    machineCount: 1\n  - name: X\n    machineFlavor: f\n    machineCount: 1\n  - name: auto\n    machineFlavor: f\n    autoscale: true\n    machineCountMin: 3\n    machineCountMax: 1\n",
    );
    assert!(has(&p, "nodeGroups[1].name:", "duplicate"), "{p:?}");
    assert!(has(&p, "nodeGroups[2].name:", "does not match"), "{p:?}");
    assert!(
        has(&p, "nodeGroups[3].machineCountMax:", "machineCountMin"),
        "{p:?}"
    );
    let p = problems(
        "controlPlane:\n  machineFlavor: null\nnodeGroups:\n  - name: md-0\n    machineCount: 1\n",
    );
    assert!(has(&p, "controlPlane.machineFlavor:", "required"), "{p:?}");
    assert!(has(&p, "nodeGroups[0].machineFlavor:", "required"), "{p:?}");
}

fn cli(args: &[&str], stdin_file: Option<&str>) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_capiform"));
    cmd.args(args);
    if let Some(text) = stdin_file {
        let dir = std::env::temp_dir().join(format!("capiform-validation-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("v{}.yaml", args.len()));
        std::fs::write(&path, text).unwrap();
        cmd.arg("-f").arg(path);
    }
    cmd.output().unwrap()
}

#[test]
fn malformed_documents_are_refused_with_location() {
    for (text, expect) in [
        ("a: [1\n", "line"),
        ("- just\n- a list\n", "must be a mapping"),
        ("plain scalar\n", "must be a mapping"),
        ("a: 1\n\tb: 2\n", "invalid YAML"),
    ] {
        let out = cli(&["render", "demo"], Some(text));
        assert_eq!(out.status.code(), Some(1), "{text:?}");
        assert!(out.stdout.is_empty());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expect), "{text:?}: {err}");
    }
    // an empty document is an empty map: the errors are the missing required values
    let out = cli(&["render", "demo"], Some(""));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("kubernetesVersion"));
}

#[test]
fn exit_statuses() {
    let ok = cli(&["validate-values"], Some(BASE));
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(ok.stdout.is_empty());
    let bad = cli(&["validate-values"], Some("osDistro: arch\n"));
    assert_eq!(bad.status.code(), Some(1));
    let usage = cli(&["render"], None);
    assert_eq!(usage.status.code(), Some(2));
    let missing = cli(&["render", "demo", "-f", "/nonexistent/values.yaml"], None);
    assert_eq!(missing.status.code(), Some(1));
    assert!(missing.stdout.is_empty());
}

#[test]
fn secrets_never_appear_in_errors() {
    let p = problems(
        "cloudCredentialsSecretName: null\nclouds:\n  other:\n    auth:\n      application_credential_secret: TOPSECRET\nregistryAuth:\n  r.io:\n    username: u\n    password: HUNTER2\n    extra: x\n",
    );
    assert!(!p.is_empty());
    for line in &p {
        assert!(
            !line.contains("TOPSECRET") && !line.contains("HUNTER2"),
            "{line}"
        );
    }
}

mod common;

/// Renders check only the user's part of the merged values when the template set's
/// defaults are valid; that must find exactly the problems a check of everything finds.
#[test]
fn checking_the_users_part_finds_what_checking_everything_finds() {
    use capiform::values::{ValuesSource, merged_values_and_user};
    let set = capiform::TemplateSet::embedded(None).unwrap();
    assert!(set.defaults_are_valid());
    let mut compared = 0;
    let mut with_problems = 0;
    for (file, v) in common::mutations(25, 0xc4ec) {
        let yaml = serde_yaml::to_string(&v).unwrap();
        let sources = [
            ValuesSource::Yaml {
                name: "base.yaml".into(),
                text: BASE.into(),
            },
            ValuesSource::Yaml {
                name: "mutated.yaml".into(),
                text: yaml,
            },
        ];
        let Ok((merged, user)) = merged_values_and_user(set.defaults(), &sources) else {
            continue;
        };
        let render = |p: Vec<capiform::FieldError>| -> Vec<String> {
            p.iter().map(|e| e.to_string()).collect()
        };
        let all = render(capiform::schema::check("v1", &merged));
        let part = render(capiform::schema::check_user_part("v1", &merged, &user));
        assert_eq!(all, part, "mutation of {}:\n{v:#}", file.display());
        compared += 1;
        with_problems += usize::from(!all.is_empty());
    }
    assert!(
        compared > 500 && with_problems > 100,
        "{compared} {with_problems}"
    );
}

/// `schema::check` walks a copy of the schema without its documentation keywords
/// (build.rs); it must find what the whole checked-in schema finds.
#[test]
fn the_compact_check_schema_finds_what_the_whole_schema_finds() {
    use capiform::values::{ValuesSource, merged_values};
    let set = capiform::TemplateSet::embedded(None).unwrap();
    let whole = capiform::schema::values_schema("v1").unwrap();
    let mut with_problems = 0;
    for (file, v) in common::mutations(10, 0x5c4e) {
        let sources = [ValuesSource::Yaml {
            name: "mutated.yaml".into(),
            text: serde_yaml::to_string(&v).unwrap(),
        }];
        let Ok(merged) = merged_values(set.defaults(), &sources) else {
            continue;
        };
        let render = |p: Vec<capiform::FieldError>| -> Vec<String> {
            p.iter().map(|e| e.to_string()).collect()
        };
        let compact = render(capiform::schema::check("v1", &merged));
        assert_eq!(
            compact,
            render(capiform::schema::check_against(whole, &merged)),
            "mutation of {}",
            file.display()
        );
        with_problems += usize::from(!compact.is_empty());
    }
    assert!(with_problems > 50, "{with_problems}");
}

/// A render reads the merged values key by key ([`capiform::values::Merged`]), copying
/// only the top-level keys the user gave; what it reads must be what the eager merge of
/// everything gives: the same tree, the same typed values and the same problems.
#[test]
fn merged_values_read_key_by_key_are_the_eager_merge() {
    use capiform::values::{Merged, ValuesSource, merged_values};
    let set = capiform::TemplateSet::embedded(None).unwrap();
    let mut compared = 0;
    let mut with_problems = 0;
    for (i, (file, v)) in common::mutations(25, 0x3e6d).into_iter().enumerate() {
        let mut sources = vec![
            ValuesSource::Yaml {
                name: "base.yaml".into(),
                text: BASE.into(),
            },
            ValuesSource::Yaml {
                name: "mutated.yaml".into(),
                text: serde_yaml::to_string(&v).unwrap(),
            },
        ];
        // Later layers that remove and then set again what earlier ones gave.
        match i % 4 {
            1 => sources.push(ValuesSource::Set("controlPlane=null".into())),
            2 => sources.push(ValuesSource::Set("addons.cni=null".into())),
            3 => {
                sources.push(ValuesSource::Set("nodeGroupDefaults=null".into()));
                sources.push(ValuesSource::Set("nodeGroupDefaults.machineCount=2".into()));
            }
            _ => {}
        }
        let Ok(eager) = merged_values(set.defaults(), &sources) else {
            continue;
        };
        let (merged, user) = Merged::over(set.defaults(), &sources).unwrap();
        let what = format!("mutation of {} ({i}):\n{v:#}", file.display());
        assert_eq!(merged.to_value(), eager, "{what}");
        let (typed_eager, problems_eager) = capiform::validation::check(&eager);
        let (typed, problems) = capiform::validation::check_merged(&merged, &user, true);
        let text = |p: &[capiform::FieldError]| -> Vec<String> {
            p.iter().map(|e| e.to_string()).collect()
        };
        assert_eq!(text(&problems), text(&problems_eager), "{what}");
        let as_json =
            |t: &Option<capiform::Values>| t.as_ref().map(|t| serde_json::to_value(t).unwrap());
        assert_eq!(as_json(&typed), as_json(&typed_eager), "{what}");
        compared += 1;
        with_problems += usize::from(!problems.is_empty());
    }
    assert!(
        compared > 500 && with_problems > 100,
        "{compared} {with_problems}"
    );
}

/// The problem of `path`, with `source` the file that gives the extra values.
fn problem_of<'p>(problems: &'p [String], path: &str) -> &'p str {
    problems
        .iter()
        .find(|p| p.starts_with(&format!("{path}: ")))
        .map(String::as_str)
        .unwrap_or_else(|| panic!("no problem at {path}: {problems:?}"))
}

/// Issue 28: a value the API server would refuse for the Kubernetes field it lands in
/// is refused at values time, naming the field, the range and the value as written.
#[test]
fn integers_are_checked_against_the_fields_they_land_in() {
    let p = problems(
        "controlPlane:\n  machineCount: 9223372036854775807\nnodeGroups:\n  - name: md-0\n    machineFlavor: f\n    machineCount: 1e10\n    machineCountMax: 2147483648\n",
    );
    let cp = problem_of(&p, "controlPlane.machineCount");
    assert!(
        cp.contains("9223372036854775807 is too large")
            && cp.contains("KubeadmControlPlane's spec.replicas")
            && cp.contains("an int32 (at most 2147483647)")
            && cp.contains("(in extra.yaml, line 2)"),
        "{cp}"
    );
    let md = problem_of(&p, "nodeGroups[0].machineCount");
    assert!(
        md.starts_with("nodeGroups[0].machineCount: 1e10 is too large")
            && md.contains("MachineDeployment's spec.replicas, an int32 (at most 2147483647)"),
        "{md}"
    );
    assert!(problem_of(&p, "nodeGroups[0].machineCountMax").contains("at most 2147483647"));
    // The largest int32 is fine; so is a size in GiB far beyond it (sizeGiB is an int).
    assert!(
        problems("nodeGroups:\n  - {name: md-0, machineFlavor: f, machineCount: 2147483647}\n")
            .is_empty()
    );
    assert!(problems("controlPlane:\n  machineRootVolume: {diskSize: 4294967296}\n").is_empty());
    let p = problems("controlPlane:\n  machineRootVolume: {diskSize: 1e19}\n");
    assert!(
        problem_of(&p, "controlPlane.machineRootVolume.diskSize").contains("an int64"),
        "{p:?}"
    );
    let p = problems("controlPlaneEndpoint: {host: api.example.org, port: 70000}\n");
    assert!(
        problem_of(&p, "controlPlaneEndpoint.port").contains("at most 65535"),
        "{p:?}"
    );
}

#[test]
fn set_values_are_checked_against_the_fields_they_land_in() {
    let out = cli(
        &[
            "render",
            "demo",
            "--set",
            "nodeGroups[0].machineCount=9223372036854775807",
        ],
        Some(BASE),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("nodeGroups[0].machineCount: 9223372036854775807 is too large: it becomes the MachineDeployment's spec.replicas, an int32 (at most 2147483647) (in --set nodeGroups[0].machineCount=9223372036854775807)"),
        "{err}"
    );
    // --set quotes nothing: a fraction stays text, and the message says so.
    let out = cli(
        &["render", "demo", "--set", "nodeGroups[0].machineCount=1.5"],
        Some(BASE),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("quoted"), "{err}");
    assert!(err.contains("--set reads only whole numbers"), "{err}");
}

/// Issue 28: numbers are shown as written, with the line; YAML 1.1 octal gets a hint.
#[test]
fn problems_name_the_line_and_show_numbers_as_written() {
    let p = problems("machineSSHKeyName: 0644\ncontrolPlane:\n  machineFlavour: x\n");
    let key = problem_of(&p, "machineSSHKeyName");
    assert!(
        key.contains("got 0644")
            && key.contains("octal number 420")
            && key.contains("(in extra.yaml, line 1)"),
        "{key}"
    );
    assert!(!key.contains("420.0"), "{key}");
    let typo = problem_of(&p, "controlPlane.machineFlavour");
    assert!(
        typo.contains("unknown key") && typo.ends_with("(in extra.yaml, line 3)"),
        "{typo}"
    );
}

/// Issue 26: formats checked with the rule of the program that reads the value.
#[test]
fn formats_are_checked_with_the_readers_rule() {
    let p = problems(
        "kubeNetwork:\n  pods:\n    cidrBlocks: [not-a-cidr]\n  services:\n    cidrBlocks: [10.96.0.0/33]\n  serviceDomain: Cluster_Local\n\
         oidc: {issuerUrl: 'http://idp.example.org', clientId: k8s}\n\
         controlPlane:\n  nodeDrainTimeout: 5 minutes\n  healthCheck: {spec: {nodeStartupTimeout: 10}}\n\
         clusterNetworking:\n  workerNodesSecurityGroupRules: [{name: x, remoteIPPrefix: everywhere}]\n\
         apiServer: {floatingIP: 203.0.113.300}\n\
         autoscaler: {resources: {limits: {memory: 1GB}}}\n",
    );
    let pods = problem_of(&p, "kubeNetwork.pods.cidrBlocks[0]");
    assert_eq!(
        pods,
        "kubeNetwork.pods.cidrBlocks[0]: \"not-a-cidr\" is not a CIDR (Cluster API's Cluster webhook (spec.clusterNetwork.pods.cidrBlocks) and kubeadm (networking.podSubnet) take an IPv4 or IPv6 CIDR such as 172.16.0.0/13) (in extra.yaml, line 3)"
    );
    assert!(
        problem_of(&p, "kubeNetwork.services.cidrBlocks[0]").contains("serviceSubnet"),
        "{p:?}"
    );
    assert!(
        problem_of(&p, "kubeNetwork.serviceDomain").contains("kubeadm (networking.dnsDomain)"),
        "{p:?}"
    );
    assert!(
        problem_of(&p, "oidc.issuerUrl").contains("--oidc-issuer-url takes an https:// URL"),
        "{p:?}"
    );
    assert!(
        problem_of(&p, "controlPlane.nodeDrainTimeout").contains("Go duration"),
        "{p:?}"
    );
    assert!(
        problem_of(&p, "controlPlane.healthCheck.spec.nodeStartupTimeout")
            .contains("not a duration")
            || problem_of(&p, "controlPlane.healthCheck.spec.nodeStartupTimeout")
                .contains("expected a string"),
        "{p:?}"
    );
    assert!(
        problem_of(
            &p,
            "clusterNetworking.workerNodesSecurityGroupRules[0].remoteIPPrefix"
        )
        .contains("Neutron"),
        "{p:?}"
    );
    assert!(
        problem_of(&p, "apiServer.floatingIP").contains("not an IP address"),
        "{p:?}"
    );
    assert!(
        problem_of(&p, "autoscaler.resources.limits.memory").contains("not a Kubernetes quantity"),
        "{p:?}"
    );
    // What the readers take is taken: IPv6, host bits, durations, quantities.
    assert!(
        problems(
            "kubeNetwork:\n  pods: {cidrBlocks: [172.16.0.0/13, 'fd00:10::/56']}\n  services: {cidrBlocks: [10.96.0.1/12]}\n  serviceDomain: k8s.internal\n\
             controlPlane: {nodeDrainTimeout: 1h30m, nodeDeletionTimeout: '0', healthCheck: {spec: {nodeStartupTimeout: 10m0s}}}\n\
             autoscaler: {resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {cpu: 2}}}\n\
             oidc: {issuerUrl: 'https://idp.example.org/realms/k8s', clientId: k8s}\n"
        )
        .is_empty()
    );
}

/// A quoted number the chart copies verbatim into an int32 of an object stays a string
/// (the API server would refuse it): refused, where one the chart prints as text is read
/// as the number.
#[test]
fn quoted_numbers_the_chart_copies_verbatim_are_refused() {
    let p = problems("controlPlane:\n  remediationStrategy: {maxRetry: '5'}\n");
    assert!(
        problem_of(&p, "controlPlane.remediationStrategy.maxRetry").starts_with(
            "controlPlane.remediationStrategy.maxRetry: expected an integer, got \"5\""
        ),
        "{p:?}"
    );
    assert!(
        problems("controlPlane:\n  remediationStrategy: {maxRetry: 5}\n  machineCount: '3'\n")
            .is_empty()
    );
}

/// Issue 26: the ports of security group rules are integers from 0 to 65535 (CAPO's type,
/// Neutron's range); a quoted one, which the chart copies as a string, is refused.
#[test]
fn security_group_rule_ports_are_checked() {
    let p = problems(
        "clusterNetworking:\n  workerNodesSecurityGroupRules:\n    - {name: web, direction: ingress, etherType: IPv4, protocol: tcp, portRangeMin: '80', portRangeMax: 70000}\n",
    );
    let min = problem_of(
        &p,
        "clusterNetworking.workerNodesSecurityGroupRules[0].portRangeMin",
    );
    assert!(
        min.contains("expected an integer, got \"80\"") && min.ends_with("(in extra.yaml, line 3)"),
        "{min}"
    );
    let max = problem_of(
        &p,
        "clusterNetworking.workerNodesSecurityGroupRules[0].portRangeMax",
    );
    assert!(
        max.contains("70000 is too large (expected at most 65535: CAPO's security group rules take an integer, and Neutron a port from 0 to 65535"),
        "{max}"
    );
    assert!(
        problems(
            "clusterNetworking:\n  controlPlaneNodesSecurityGroupRules:\n    - {name: web, direction: ingress, etherType: IPv4, protocol: tcp, portRangeMin: 443, portRangeMax: 443}\n"
        )
        .is_empty()
    );
}

/// Cluster API's KubeadmControlPlane webhook: a scale-in rollout (maxSurge 0) needs at
/// least 3 control plane machines, and maxSurge is 0 or 1. The chart copies the strategy
/// as it is; the webhook refuses the KubeadmControlPlane.
#[test]
fn control_plane_rollout_follows_cluster_apis_rule() {
    let p = problems(
        "controlPlane:\n  machineCount: 1\n  rolloutStrategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxSurge: 0\n",
    );
    let m = problem_of(&p, "controlPlane.rolloutStrategy.rollingUpdate.maxSurge");
    assert!(
        m.contains("is 0 (scale-in) with controlPlane.machineCount 1")
            && m.contains("at least 3 machines"),
        "{m}"
    );
    let p = problems("controlPlane:\n  rolloutStrategy:\n    rollingUpdate:\n      maxSurge: 2\n");
    let m = problem_of(&p, "controlPlane.rolloutStrategy.rollingUpdate.maxSurge");
    assert!(
        m.contains("2 is not allowed") && m.contains("1 (a machine added"),
        "{m}"
    );
    assert!(
        problems(
            "controlPlane:\n  machineCount: 3\n  rolloutStrategy:\n    rollingUpdate:\n      maxSurge: 0\n"
        )
        .is_empty()
    );
}

#[test]
fn capo_sets_and_floating_ip_are_checked_only_where_the_chart_renders_them() {
    // Availability zones reach the OpenStackCluster only with omitFailureDomain false.
    let zones = "controlPlane: {failureDomains: [az-1, az-1]";
    assert!(problems(&format!("{zones}}}")).is_empty());
    let p = problems(&format!("{zones}, omitFailureDomain: false}}"));
    assert!(
        has(
            &p,
            "controlPlane.failureDomains[1]",
            "given twice (first at controlPlane.failureDomains[0])"
        ),
        "{p:?}"
    );
    // Allowed CIDRs only with the load balancer.
    let cidrs = "apiServer: {allowedCIDRs: [10.0.0.0/8, 10.0.0.0/8]";
    assert!(problems(&format!("{cidrs}, enableLoadBalancer: false}}")).is_empty());
    let p = problems(&format!("{cidrs}}}"));
    assert!(has(&p, "apiServer.allowedCIDRs[1]", "as a set"), "{p:?}");
    // No floating IP without an external network (the chart's default associates one).
    let p = problems("clusterNetworking: {disableExternalNetwork: true}");
    assert!(
        has(
            &p,
            "apiServer.associateFloatingIP",
            "set apiServer.associateFloatingIP: false"
        ),
        "{p:?}"
    );
    assert!(problems("clusterNetworking: {disableExternalNetwork: true}\napiServer: {associateFloatingIP: false}").is_empty());
}

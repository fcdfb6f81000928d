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
        has(&p, "apiServer.port:", "too large (expected at most 65535)"),
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
            "neither an IP address nor a CIDR"
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

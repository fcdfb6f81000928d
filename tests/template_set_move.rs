//! Template set 2.0.0 (Cluster API v1beta2) against a real API server, and the move of a
//! release from 1.0.0 to 2.0.0.
//!
//! * `the_move_shows_no_rollout` (offline): for every case of the corpus
//!   (`../shared/parity/cases`, `golden/`, `tests/differential/cases`) that renders,
//!   `capiform diff --from-template-version 1.0.0 --to-template-version 2.0.0 -o json`
//!   reports no machine replaced, added or removed, no refusal, nothing created or
//!   pruned, and no change but the labels and annotations (the set's name).
//! * `renders_of_2_0_0_pass_a_server_side_dry_run`: every object of the 2.0.0 render of
//!   every corpus case is accepted by kube-apiserver as a server-side dry-run create
//!   (`dryRun=All`, `fieldValidation=Strict`) with Cluster API's and CAPO's webhooks
//!   (`scripts/test-apiserver`; Cluster API v1.13.3, whose storage version is v1beta2),
//!   and `capiform validate --crds ../shared/crds` passes on each render.
//! * `the_move_applied_keeps_every_template_reference`: `capiform apply` with 1.0.0,
//!   then with 2.0.0, of corpus cases on the real server: the MachineDeployments' and the
//!   KubeadmControlPlane's template references are the same after the move, nothing is
//!   pruned, and Cluster API's MachineDeployment controller makes no new MachineSet.
//!   A handful of golden cases (minimal, autoscaling, flatcar, control-plane-full: the
//!   shapes of machine sets); `CAPIFORM_MOVE_CASES=all` moves every golden case (about
//!   40 s each).
//! * `apply_refuses_a_set_the_cluster_does_not_serve`: a release applied with 2.0.0 on a
//!   server whose Cluster API does not serve v1beta2 is refused before anything is
//!   written, naming the set to use (the test double of `capiform-kube`, which serves
//!   the Cluster API groups at v1beta1 only); the same release with 1.0.0 applies.
//!
//! Needs `../shared`, Go (`scripts/test-apiserver` builds the API server). Without them
//! the tests show as ignored with the reason; with `CI=true` they fail.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use kube::core::Request;
use kube::core::params::{ListParams, PostParams};
use serde_json::{Value, json};

mod common;
#[allow(dead_code)]
mod needs_shared;

const CORPUS: &str = "../shared/parity/cases";
const CRDS: &str = "../shared/crds";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Every case folder of the corpus.
fn corpus() -> Vec<PathBuf> {
    let mut all = Vec::new();
    for dir in [
        root().join(CORPUS),
        root().join("golden"),
        root().join("tests/differential/cases"),
    ] {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|d| {
                d.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.join("values.yaml").is_file())
                    .collect()
            })
            .unwrap_or_default();
        dirs.sort();
        all.extend(dirs);
    }
    all
}

fn name_of(dir: &Path) -> String {
    dir.strip_prefix(root())
        .unwrap_or(dir)
        .display()
        .to_string()
}

/// A case's release, namespace and the command-line arguments of its values
/// (`-f values.yaml`, the `--set` family, `--existing` written to `scratch`).
struct CaseArgs {
    release: String,
    namespace: String,
    values: Vec<String>,
    /// `--existing FILE`, for an offline command.
    existing: Vec<String>,
}

fn case_args(dir: &Path, scratch: &Path) -> CaseArgs {
    let case: Value = std::fs::read_to_string(dir.join("case.yaml"))
        .ok()
        .map(|t| serde_yaml::from_str(&t).unwrap())
        .unwrap_or(Value::Null);
    let text = |k: &str, default: &str| case[k].as_str().unwrap_or(default).to_string();
    let mut values = vec![
        "-f".to_string(),
        dir.join("values.yaml").display().to_string(),
    ];
    for (key, flag) in [
        ("setJson", "--set-json"),
        ("set", "--set"),
        ("setString", "--set-string"),
        ("setLiteral", "--set-literal"),
    ] {
        for a in case[key].as_array().into_iter().flatten() {
            values.push(flag.into());
            values.push(a.as_str().unwrap().into());
        }
    }
    let mut existing_args = Vec::new();
    if let Some(existing) = case["existing"].as_str() {
        let file = scratch.join(format!(
            "{}-existing.yaml",
            dir.file_name().unwrap().to_string_lossy()
        ));
        std::fs::write(&file, existing).unwrap();
        existing_args.push("--existing".into());
        existing_args.push(file.display().to_string());
    }
    CaseArgs {
        release: text("release", "demo"),
        namespace: text("namespace", "default"),
        values,
        existing: existing_args,
    }
}

fn capiform(args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_capiform"))
        .args(args)
        .output()
        .expect("the capiform binary runs")
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The 2.0.0 render of a case (`None`: the case is one the sets refuse).
fn render(dir: &Path, version: &str) -> Option<String> {
    let set = capiform::TemplateSet::embedded(Some(version)).unwrap();
    capiform::template_set::cases::render_case(set, dir)
        .unwrap()
        .ok()
}

fn documents(yaml: &str) -> Vec<Value> {
    serde_yaml::Deserializer::from_str(yaml)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .filter(|v: &Value| !v.is_null())
        .collect()
}

fn the_move_shows_no_rollout(_: Option<&Ctx>) {
    let scratch = tempfile::tempdir().unwrap();
    let (mut checked, mut failures) = (0, Vec::new());
    for dir in corpus() {
        if render(&dir, "1.0.0").is_none() {
            continue;
        }
        let c = case_args(&dir, scratch.path());
        let mut args = vec![
            "diff".to_string(),
            c.release.clone(),
            "-n".into(),
            c.namespace.clone(),
        ];
        args.extend(c.values.iter().cloned());
        args.extend(c.existing.iter().cloned());
        args.extend(
            [
                "--from-template-version",
                "1.0.0",
                "--to-template-version",
                "2.0.0",
                "-o",
                "json",
            ]
            .map(String::from),
        );
        let out = capiform(&args);
        let name = name_of(&dir);
        if !out.status.success() {
            failures.push(format!("{name}: capiform diff failed\n{}", text(&out)));
            continue;
        }
        let diff: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut problems = Vec::new();
        if diff["rollout"].as_array().is_none_or(|r| !r.is_empty()) {
            problems.push(format!("rollout: {}", diff["rollout"]));
        }
        if diff["refused"].as_array().is_none_or(|r| !r.is_empty()) {
            problems.push(format!("refused: {}", diff["refused"]));
        }
        for o in diff["objects"].as_array().unwrap() {
            let fine = o["action"] == "unchanged"
                || (o["action"] == "change" && o["metadataOnly"] == true);
            if !fine {
                problems.push(format!(
                    "{} {}/{}: {}\n{}",
                    o["action"],
                    o["kind"].as_str().unwrap_or_default(),
                    o["name"].as_str().unwrap_or_default(),
                    if o["metadataOnly"] == false {
                        "not labels/annotations only"
                    } else {
                        ""
                    },
                    o["diff"].as_str().unwrap_or_default()
                ));
            }
        }
        if problems.is_empty() {
            checked += 1;
        } else {
            failures.push(format!("{name}:\n  {}", problems.join("\n  ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 70, "only {checked} cases checked");
    println!("    {checked} cases: diff 1.0.0 -> 2.0.0 replaces, adds and removes no machine");
}

/// The API server of `scripts/test-apiserver`, stopped when dropped.
struct ApiServer {
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
}

impl ApiServer {
    fn start() -> Result<Self, String> {
        let dir = tempfile::Builder::new()
            .prefix("capiform-template-set-move-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let started = Instant::now();
        let out = Command::new(root().join("scripts/test-apiserver"))
            .arg("start")
            .arg(dir.path())
            .output()
            .map_err(|e| format!("scripts/test-apiserver start: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "scripts/test-apiserver start failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let kubeconfig = String::from_utf8_lossy(&out.stdout)
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map(|l| PathBuf::from(l.trim()))
            .ok_or("scripts/test-apiserver start printed no kubeconfig path")?;
        common::loud(&format!(
            "real API server ready in {:.1} s ({})",
            started.elapsed().as_secs_f64(),
            dir.path().display()
        ));
        Ok(Self { dir, kubeconfig })
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        let _ = Command::new(root().join("scripts/test-apiserver"))
            .arg("stop")
            .arg(self.dir.path())
            .output();
    }
}

/// What the tests on the real server get.
struct Ctx {
    kubeconfig: PathBuf,
    runtime: tokio::runtime::Runtime,
    client: kube::Client,
}

impl Ctx {
    fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }

    /// Create a namespace (one that exists already is fine).
    fn namespace(&self, name: &str) {
        let body = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}});
        let request = Request::new("/api/v1/namespaces")
            .create(&PostParams::default(), serde_json::to_vec(&body).unwrap())
            .unwrap();
        match self.block_on(self.client.request::<Value>(request)) {
            Ok(_) => {}
            Err(kube::Error::Api(s)) if s.code == 409 => {}
            Err(e) => panic!("creating namespace {name}: {e}"),
        }
    }

    /// Server-side dry-run creates of `objects`, with strict field validation, sent
    /// together; the refusals, in the objects' order.
    fn dry_run_create(&self, namespace: &str, objects: &[Value]) -> Vec<Option<String>> {
        let mut tasks = tokio::task::JoinSet::new();
        for (i, object) in objects.iter().enumerate() {
            let api_version = object["apiVersion"].as_str().unwrap_or_default();
            let plural = plural(object["kind"].as_str().unwrap_or_default());
            let root = if api_version.contains('/') {
                "apis"
            } else {
                "api"
            };
            let path = format!("/{root}/{api_version}/namespaces/{namespace}/{plural}");
            let params = PostParams {
                dry_run: true,
                ..Default::default()
            };
            let mut request = Request::new(&path)
                .create(&params, serde_json::to_vec(object).unwrap())
                .unwrap();
            let strict = format!("{}&fieldValidation=Strict", request.uri());
            *request.uri_mut() = strict.parse().unwrap();
            let client = self.client.clone();
            tasks.spawn_on(
                async move {
                    let answer = client.request::<Value>(request).await;
                    (
                        i,
                        answer.err().map(|e| format!("POST {path} (dry run): {e}")),
                    )
                },
                self.runtime.handle(),
            );
        }
        let mut out = vec![None; objects.len()];
        self.block_on(async {
            while let Some(done) = tasks.join_next().await {
                let (i, refusal) = done.expect("a dry run task");
                out[i] = refusal;
            }
        });
        out
    }

    /// The items of a collection (`group/version`, plural) in a namespace.
    fn list(&self, namespace: &str, group_version: &str, plural: &str) -> Vec<Value> {
        let path = format!("/apis/{group_version}/namespaces/{namespace}/{plural}");
        let request = Request::new(&path).list(&ListParams::default()).unwrap();
        let list: Value = self
            .block_on(self.client.request(request))
            .unwrap_or_else(|e| panic!("LIST {path}: {e}"));
        list["items"].as_array().cloned().unwrap_or_default()
    }

    /// `capiform` with this server's kubeconfig.
    fn capiform(&self, args: &[String]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_capiform"))
            .args(args)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .output()
            .expect("the capiform binary runs")
    }
}

/// The resource (plural) of the kinds capiform renders (`Manifests` is its own plural,
/// `GitRepository` makes `gitrepositories`).
fn plural(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    if lower.ends_with('s') {
        lower
    } else if let Some(stem) = lower.strip_suffix('y') {
        format!("{stem}ies")
    } else {
        format!("{lower}s")
    }
}

/// The classes of refusal the dry run of every render (`tests/dry_run.rs`) counts rather
/// than fails, from `tests/dry_run/known-refusals.txt` (`PATTERN | why` a line): values
/// of the corpus the OpenStack provider refuses whatever the template set. Here they
/// are accepted only for objects that are not Cluster API v1beta2 objects (those are
/// the same in both sets).
fn known_refusals() -> Vec<String> {
    std::fs::read_to_string(root().join("tests/dry_run/known-refusals.txt"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split(" | ").next())
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

fn renders_of_2_0_0_pass_a_server_side_dry_run(ctx: Option<&Ctx>) {
    let ctx = ctx.expect("the API server");
    let started = Instant::now();
    let scratch = tempfile::tempdir().unwrap();
    let (mut cases, mut objects, mut failures) = (0, 0, Vec::new());
    let known = known_refusals();
    let mut counted = 0;
    for dir in corpus() {
        let Some(yaml) = render(&dir, "2.0.0") else {
            continue;
        };
        let name = name_of(&dir);
        let c = case_args(&dir, scratch.path());
        ctx.namespace(&c.namespace);
        cases += 1;
        let docs = documents(&yaml);
        let refusals = ctx.dry_run_create(&c.namespace, &docs);
        for (doc, refusal) in docs.iter().zip(refusals) {
            objects += 1;
            if let Some(e) = refusal {
                let api_version = doc["apiVersion"].as_str().unwrap_or_default();
                if !api_version.ends_with("/v1beta2") && known.iter().any(|k| e.contains(k)) {
                    counted += 1;
                    continue;
                }
                failures.push(format!(
                    "{name}: {} {}/{}: {e}",
                    doc["apiVersion"].as_str().unwrap_or_default(),
                    doc["kind"].as_str().unwrap_or_default(),
                    doc["metadata"]["name"].as_str().unwrap_or_default()
                ));
            }
        }
        // `capiform validate --crds` on the same render.
        let file = scratch.path().join("render.yaml");
        std::fs::write(&file, &yaml).unwrap();
        let out = capiform(&[
            "validate".into(),
            "--crds".into(),
            root().join(CRDS).display().to_string(),
            file.display().to_string(),
        ]);
        if !out.status.success() {
            failures.push(format!("{name}: capiform validate --crds\n{}", text(&out)));
        }
    }
    assert!(
        failures.is_empty(),
        "{} refusal(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(cases > 70, "only {cases} cases");
    println!(
        "    {cases} cases, {objects} objects of 2.0.0: accepted by a server-side dry-run create ({counted} refusals of a known class, none of a Cluster API object), and by capiform validate --crds ({:.0} s)",
        started.elapsed().as_secs_f64()
    );
}

/// The cases moved from 1.0.0 to 2.0.0 on the real server.
fn move_cases() -> Vec<PathBuf> {
    let all = std::env::var("CAPIFORM_MOVE_CASES").is_ok_and(|v| v == "all");
    let golden: Vec<PathBuf> = corpus()
        .into_iter()
        .filter(|d| d.starts_with(root().join("golden")))
        .filter(|d| render(d, "1.0.0").is_some())
        .collect();
    if all {
        return golden;
    }
    let few = [
        "minimal",
        "autoscaling",
        "flatcar",
        "control-plane-full",
        "node-groups",
    ];
    golden
        .into_iter()
        .filter(|d| few.iter().any(|f| d.ends_with(f)))
        .collect()
}

/// The template references of the machine sets of a namespace, read at Cluster API's
/// storage version (v1beta2), and the names of its MachineSets.
fn references(ctx: &Ctx, namespace: &str) -> (Vec<String>, Vec<String>) {
    let mut refs = Vec::new();
    for md in ctx.list(namespace, "cluster.x-k8s.io/v1beta2", "machinedeployments") {
        let spec = &md["spec"]["template"]["spec"];
        refs.push(format!(
            "MachineDeployment/{} -> {} {}, {} {}",
            md["metadata"]["name"].as_str().unwrap_or_default(),
            spec["infrastructureRef"]["kind"],
            spec["infrastructureRef"]["name"],
            spec["bootstrap"]["configRef"]["kind"],
            spec["bootstrap"]["configRef"]["name"]
        ));
    }
    for kcp in ctx.list(
        namespace,
        "controlplane.cluster.x-k8s.io/v1beta2",
        "kubeadmcontrolplanes",
    ) {
        let r = &kcp["spec"]["machineTemplate"]["spec"]["infrastructureRef"];
        refs.push(format!(
            "KubeadmControlPlane/{} -> {} {}",
            kcp["metadata"]["name"].as_str().unwrap_or_default(),
            r["kind"],
            r["name"]
        ));
    }
    let mut sets: Vec<String> = ctx
        .list(namespace, "cluster.x-k8s.io/v1beta2", "machinesets")
        .iter()
        .map(|s| {
            s["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    refs.sort();
    sets.sort();
    (refs, sets)
}

/// The MachineDeployments of a namespace that have a MachineSet, once every one has
/// one (Cluster API's controller makes them), or after 60 s.
fn wait_for_machine_sets(ctx: &Ctx, namespace: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let deployments = ctx.list(namespace, "cluster.x-k8s.io/v1beta2", "machinedeployments");
        let sets = ctx.list(namespace, "cluster.x-k8s.io/v1beta2", "machinesets");
        let owned = |md: &Value| {
            sets.iter().any(|s| {
                s["metadata"]["ownerReferences"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|o| o["uid"] == md["metadata"]["uid"])
            })
        };
        if deployments.iter().all(owned) || Instant::now() > deadline {
            return;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn the_move_applied_keeps_every_template_reference(ctx: Option<&Ctx>) {
    let ctx = ctx.expect("the API server");
    let started = Instant::now();
    let scratch = tempfile::tempdir().unwrap();
    let cases = move_cases();
    assert!(!cases.is_empty(), "no case to move");
    let mut failures = Vec::new();
    for (i, dir) in cases.iter().enumerate() {
        let name = name_of(dir);
        let c = case_args(dir, scratch.path());
        let namespace = format!("move-{i}");
        ctx.namespace(&namespace);
        let apply = |version: &str| {
            let mut args = vec![
                "apply".to_string(),
                c.release.clone(),
                "-n".into(),
                namespace.clone(),
            ];
            args.extend(c.values.iter().cloned());
            args.extend(["--template-version".to_string(), version.to_string()]);
            ctx.capiform(&args)
        };
        let first = apply("1.0.0");
        if !first.status.success() {
            failures.push(format!("{name}: apply with 1.0.0\n{}", text(&first)));
            continue;
        }
        wait_for_machine_sets(ctx, &namespace);
        let (refs_before, sets_before) = references(ctx, &namespace);
        let second = apply("2.0.0");
        if !second.status.success() {
            failures.push(format!("{name}: apply with 2.0.0\n{}", text(&second)));
            continue;
        }
        let stderr = String::from_utf8_lossy(&second.stderr);
        if stderr.contains("pruned") && !stderr.contains("0 pruned") {
            failures.push(format!(
                "{name}: the move pruned objects\n{}",
                text(&second)
            ));
        }
        // Give Cluster API's MachineDeployment controller time to act on the move.
        std::thread::sleep(Duration::from_secs(3));
        wait_for_machine_sets(ctx, &namespace);
        let (refs_after, sets_after) = references(ctx, &namespace);
        if refs_before.is_empty() {
            failures.push(format!("{name}: no machine set found"));
        }
        if refs_before != refs_after {
            failures.push(format!(
                "{name}: template references changed\n  before: {refs_before:?}\n  after:  {refs_after:?}"
            ));
        }
        if sets_before != sets_after {
            failures.push(format!(
                "{name}: MachineSets changed\n  before: {sets_before:?}\n  after:  {sets_after:?}"
            ));
        }
        // The release now records 2.0.0.
        let history = ctx.capiform(&[
            "history".into(),
            c.release.clone(),
            "-n".into(),
            namespace.clone(),
        ]);
        if !String::from_utf8_lossy(&history.stdout).contains("2.0.0") {
            failures.push(format!(
                "{name}: history does not show 2.0.0\n{}",
                text(&history)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    println!(
        "    {} cases applied with 1.0.0 then 2.0.0: the same template references and MachineSets ({:.0} s)",
        cases.len(),
        started.elapsed().as_secs_f64()
    );
}

fn apply_refuses_a_set_the_cluster_does_not_serve(_: Option<&Ctx>) {
    use capiform_kube::testing::ApiServerDouble;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let api = ApiServerDouble::new();
        for group in [
            "cluster.x-k8s.io",
            "controlplane.cluster.x-k8s.io",
            "bootstrap.cluster.x-k8s.io",
        ] {
            api.serve_only(group, "v1beta1");
        }
        let release = capiform_kube::Release::new(api.client(), "demo", "clusters");
        let values = || {
            vec![capiform::values::ValuesSource::Yaml {
                name: "values.yaml".into(),
                text: std::fs::read_to_string(root().join("golden/minimal/values.yaml")).unwrap(),
            }]
        };
        let new = capiform::TemplateSet::embedded(Some("2.0.0")).unwrap();
        let err =
            capiform::lifecycle::render_and_apply(&release, new, values(), "", &Default::default())
                .await
                .expect_err("2.0.0 on a cluster that serves v1beta1 only");
        let message = err.to_string();
        for part in [
            "openstack-cluster@2.0.0",
            "cluster.x-k8s.io/v1beta2",
            "serves cluster.x-k8s.io at v1beta1",
            "1.0.0",
        ] {
            assert!(message.contains(part), "{part:?} not in: {message}");
        }
        let writes: Vec<String> = api
            .requests()
            .iter()
            .filter(|r| r.is_write())
            .map(|r| r.line())
            .collect();
        assert!(writes.is_empty(), "written before the refusal: {writes:?}");
        let old = capiform::TemplateSet::embedded(Some("1.0.0")).unwrap();
        capiform::lifecycle::render_and_apply(&release, old, values(), "", &Default::default())
            .await
            .unwrap_or_else(|e| panic!("1.0.0 on a cluster that serves v1beta1: {e}"));
        println!("    refused before any write: {message}");
    });
}

type TestFn = fn(Option<&Ctx>);

/// (name, needs the real API server, body)
const TESTS: &[(&str, bool, TestFn)] = &[
    (
        "the_move_shows_no_rollout",
        false,
        the_move_shows_no_rollout,
    ),
    (
        "apply_refuses_a_set_the_cluster_does_not_serve",
        false,
        apply_refuses_a_set_the_cluster_does_not_serve,
    ),
    (
        "renders_of_2_0_0_pass_a_server_side_dry_run",
        true,
        renders_of_2_0_0_pass_a_server_side_dry_run,
    ),
    (
        "the_move_applied_keeps_every_template_reference",
        true,
        the_move_applied_keeps_every_template_reference,
    ),
];

/// What is missing for the tests on the real server.
fn missing_for_server() -> Option<String> {
    if !root().join("scripts/test-apiserver").is_file() {
        return Some("scripts/test-apiserver not found".into());
    }
    if needs_shared::program("go").is_none() {
        return Some("go not found (scripts/test-apiserver builds the API server with it)".into());
    }
    None
}

fn run(test: TestFn, ctx: Option<&Ctx>) -> Result<(), String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| test(ctx))).map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panicked".into())
    })
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let exact = args.iter().any(|a| a == "--exact");
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let selected: Vec<&(&str, bool, TestFn)> = TESTS
        .iter()
        .filter(|(name, _, _)| {
            filters.is_empty()
                || filters.iter().any(|f| {
                    if exact {
                        name == f
                    } else {
                        name.contains(f.as_str())
                    }
                })
        })
        .collect();
    if args.iter().any(|a| a == "--list") {
        for (name, _, _) in &selected {
            println!("{name}: test");
        }
        return;
    }
    let started = Instant::now();
    println!("\nrunning {} tests", selected.len());
    let (mut passed, mut ignored, mut failed) = (0, 0, Vec::<(&str, String)>::new());
    let shared_missing = (!root().join(CORPUS).is_dir())
        .then(|| "../shared not found (clone the project with ../shared beside it)".to_string());
    let needs_server = selected.iter().any(|(_, server, _)| *server);
    let mut server: Option<Result<ApiServer, String>> = None;
    if needs_server && shared_missing.is_none() {
        server = Some(match missing_for_server() {
            Some(why) => Err(why),
            None => ApiServer::start(),
        });
    }
    let ctx = match &server {
        Some(Ok(s)) => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let client = runtime
                .block_on(async {
                    let config = kube::Config::from_custom_kubeconfig(
                        kube::config::Kubeconfig::read_from(&s.kubeconfig).unwrap(),
                        &Default::default(),
                    )
                    .await
                    .unwrap();
                    kube::Client::try_from(config)
                })
                .unwrap();
            Some(Ctx {
                kubeconfig: s.kubeconfig.clone(),
                runtime,
                client,
            })
        }
        _ => None,
    };
    for (name, needs, test) in &selected {
        let why = shared_missing.clone().or_else(|| match (&server, needs) {
            (Some(Err(why)), true) => Some(why.clone()),
            _ => None,
        });
        if let Some(why) = why {
            if in_ci() {
                println!("test {name} ... FAILED");
                failed.push((
                    name,
                    format!("{why}; with CI=true a missing prerequisite fails"),
                ));
            } else {
                println!("test {name} ... ignored, {why}");
                ignored += 1;
            }
            continue;
        }
        match run(*test, ctx.as_ref()) {
            Ok(()) => {
                println!("test {name} ... ok");
                passed += 1;
            }
            Err(why) => {
                println!("test {name} ... FAILED");
                failed.push((name, why));
            }
        }
    }
    drop(ctx);
    drop(server);
    for (name, why) in &failed {
        println!("\n---- {name} ----\n{why}");
    }
    println!(
        "\ntest result: {}. {passed} passed; {} failed; {ignored} ignored; 0 measured; {} filtered out; finished in {:.2}s\n",
        if failed.is_empty() { "ok" } else { "FAILED" },
        failed.len(),
        TESTS.len() - selected.len(),
        started.elapsed().as_secs_f64()
    );
    std::process::exit(if failed.is_empty() { 0 } else { 101 });
}

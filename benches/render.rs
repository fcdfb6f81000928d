//! Criterion benchmarks of the render pipeline. Targets (issue "Performance", medians on
//! the 2-core project machine): render of `minimal` ≤ 100 µs, of `upstream-full` ≤ 1 ms,
//! of a 100-node-group cluster ≤ 10 ms. Each stage is measured apart as well: values
//! (load, merge, validation), every builder family, YAML emission.
//!
//! `cargo bench --features internals` runs them all (`cargo bench` the full renders
//! only: the stages are internal to the crate);
//! `scripts/bench-vs-helm.sh` compares whole `capiform render` processes with helm.
//! `upstream-full` is the parity corpus' largest case (`../shared/parity/cases`); without
//! that folder its benchmarks are skipped, with a note on stderr.
//!
//! The global allocator is the system's (glibc's malloc on Linux), or mimalloc with
//! `cargo bench --features mimalloc`. The library sets none: the allocator is its
//! host's choice, and it weighs, since a render makes thousands of small allocations
//! (README, "Performance").

use std::hint::black_box;

#[cfg(feature = "internals")]
use capiform::Context;
#[cfg(feature = "internals")]
use capiform::addons;
#[cfg(feature = "internals")]
use capiform::resources::{
    autoscaler, cluster, control_plane, machine_template, node_group, secrets,
};
#[cfg(feature = "internals")]
use capiform::values::{Merged, ValuesSource};
use capiform::{RenderRequest, TemplateSet};
use criterion::{Criterion, criterion_group, criterion_main};

#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn example(name: &str) -> String {
    let path = format!("{}/examples/values/{name}.yaml", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The values of the parity corpus' `upstream-full` case, when `../shared` is there.
fn upstream_full() -> Option<String> {
    let path = format!(
        "{}/../shared/parity/cases/upstream-full/values.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(_) => {
            eprintln!("note: {path} not found: the upstream-full benchmarks are skipped");
            None
        }
    }
}

/// A cluster with `n` node groups, half of them autoscaled.
fn many_groups(n: usize) -> String {
    let mut s = example("minimal").replace(
        "nodeGroups:\n  - name: md-0\n    machineFlavor: vm.medium\n    machineCount: 2\n",
        "",
    );
    s.push_str("nodeGroups:\n");
    for i in 0..n {
        if i % 2 == 0 {
            s.push_str(&format!(
                "  - name: group-{i}\n    machineFlavor: vm.medium\n    machineCount: {}\n",
                i % 5 + 1
            ));
        } else {
            s.push_str(&format!(
                "  - name: group-{i}\n    machineFlavor: vm.large\n    autoscale: true\n    machineCountMin: 1\n    machineCountMax: {}\n",
                i % 7 + 2
            ));
        }
    }
    s
}

fn request(values: &str) -> RenderRequest {
    RenderRequest::new("bench", "default").with_values_yaml("values.yaml", values)
}

/// The inputs of every benchmark: (name, values).
fn cases() -> Vec<(&'static str, String)> {
    let mut cases = vec![("minimal", example("minimal")), ("full", example("full"))];
    cases.extend(upstream_full().map(|v| ("upstream-full", v)));
    cases.push(("100-node-groups", many_groups(100)));
    cases
}

fn full_render(c: &mut Criterion) {
    let set = TemplateSet::embedded(None).unwrap();
    let mut g = c.benchmark_group("render");
    for (name, values) in cases() {
        let req = request(&values);
        capiform::render(&req, set).expect("benchmark input renders");
        g.bench_function(name, |b| {
            b.iter(|| capiform::render(black_box(&req), set).unwrap())
        });
    }
    g.finish();
}

/// Values, each builder family and YAML emission, for each case but the 100 groups.
/// They call the pipeline's internal stages: `cargo bench --features internals`.
#[cfg(feature = "internals")]
fn stages(c: &mut Criterion) {
    let set = TemplateSet::embedded(None).unwrap();
    for (case, values) in cases() {
        if case == "100-node-groups" {
            continue;
        }
        let sources = vec![ValuesSource::Yaml {
            name: "values.yaml".into(),
            text: values.clone(),
        }];
        let mut g = c.benchmark_group(format!("stages/{case}"));
        g.bench_function("values-load-merge-validate", |b| {
            b.iter(|| {
                let (merged, user) =
                    Merged::over(set.defaults(), black_box(&sources)).expect("values load");
                // What `render` runs: the user's part typed over the set's typed defaults.
                capiform::validation::check_over_set(&merged, &user, set)
                    .0
                    .expect("values are valid")
            })
        });
        let (merged, _) = Merged::over(set.defaults(), &sources).unwrap();
        let typed = merged.typed().unwrap();
        let ctx = Context {
            release: "bench",
            namespace: "default",
            values: &typed,
            raw: &merged,
            templates: set,
            existing: &[],
        };
        let ctx = &ctx;
        g.bench_function("builders/cluster", |b| {
            b.iter(|| {
                (
                    cluster::cluster(black_box(ctx)).unwrap(),
                    cluster::openstack_cluster(ctx).unwrap(),
                )
            })
        });
        g.bench_function("builders/secrets", |b| {
            b.iter(|| {
                (
                    secrets::cloud_credentials(black_box(ctx)).unwrap(),
                    secrets::containerd_auth(ctx).unwrap(),
                )
            })
        });
        g.bench_function("builders/control-plane", |b| {
            b.iter(|| {
                let (template, name) = machine_template::control_plane(black_box(ctx)).unwrap();
                (template, control_plane::build(ctx, &name).unwrap())
            })
        });
        g.bench_function("builders/node-groups", |b| {
            b.iter(|| {
                let groups = node_group::effective_node_groups(black_box(ctx)).unwrap();
                let templates: Vec<_> = groups
                    .iter()
                    .map(|(i, g)| (*i, machine_template::node_group(ctx, *i, g).unwrap()))
                    .collect();
                let objects = node_group::build(ctx, &groups, |index, _| {
                    Ok(templates
                        .iter()
                        .find(|(i, _)| *i == index)
                        .map(|(_, (_, name))| name.clone())
                        .unwrap_or_default())
                })
                .unwrap();
                (templates, objects)
            })
        });
        g.bench_function("builders/autoscaler", |b| {
            b.iter(|| {
                (
                    autoscaler::deployment(black_box(ctx)).unwrap(),
                    autoscaler::rbac(ctx).unwrap(),
                )
            })
        });
        if let Some(enabled) = typed.addons.as_ref().filter(|a| a.enabled == Some(true)) {
            type Family = fn(
                &Context,
                &capiform::values::addons::Addons,
            ) -> capiform::Result<Vec<capiform::Object>>;
            let families: [(&str, Family); 6] = [
                ("cni", addons::cni::build),
                ("openstack", addons::openstack::build),
                ("core", addons::core_addons::build),
                ("ingress", addons::ingress::build),
                ("monitoring", addons::monitoring::build),
                ("custom", addons::custom::build),
            ];
            for (family, build) in families {
                g.bench_function(format!("builders/addons-{family}"), |b| {
                    b.iter(|| build(black_box(ctx), enabled).unwrap())
                });
            }
        }
        g.bench_function("builders/addons-gpu", |b| {
            b.iter(|| addons::gpu::build(black_box(ctx)).unwrap())
        });
        g.bench_function("builders/addons-extras", |b| {
            b.iter(|| addons::extras::build(black_box(ctx)).unwrap())
        });
        let manifest = capiform::render(&request(&values), set).unwrap();
        g.bench_function("yaml-emission", |b| {
            b.iter(|| black_box(&manifest).to_yaml())
        });
        g.finish();
    }
}

#[cfg(feature = "internals")]
criterion_group!(benches, full_render, stages);
#[cfg(not(feature = "internals"))]
criterion_group!(benches, full_render);
criterion_main!(benches);

//! Criterion benchmarks of the render pipeline (issue targets, medians on 2 cores):
//! minimal ≤ 100 µs, full ≤ 1 ms, 100 node groups ≤ 10 ms; stages measured apart.
//!
//! `cargo bench` runs them; `scripts/bench-vs-helm.sh` compares the whole CLI with helm.

use std::hint::black_box;

use capiform::values::{ValuesSource, merged_values};
use capiform::{Context, RenderRequest, TemplateSet};
use criterion::{Criterion, criterion_group, criterion_main};

fn example(name: &str) -> String {
    let path = format!("{}/examples/values/{name}.yaml", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
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

fn full_render(c: &mut Criterion) {
    let set = TemplateSet::embedded(None).unwrap();
    let mut g = c.benchmark_group("render");
    for (name, values) in [
        ("minimal", example("minimal")),
        ("full", example("full")),
        ("100-node-groups", many_groups(100)),
    ] {
        let req = request(&values);
        capiform::render(&req, set).expect("benchmark input renders");
        g.bench_function(name, |b| {
            b.iter(|| capiform::render(black_box(&req), set).unwrap())
        });
    }
    g.finish();
}

fn stages(c: &mut Criterion) {
    let set = TemplateSet::embedded(None).unwrap();
    let values = example("full");
    let sources = vec![ValuesSource::Yaml {
        name: "values.yaml".into(),
        text: values.clone(),
    }];
    let mut g = c.benchmark_group("stages");
    g.bench_function("values-load-merge-validate", |b| {
        b.iter(|| {
            let raw = merged_values(set.defaults(), black_box(&sources)).unwrap();
            capiform::validation::validate(&raw).unwrap()
        })
    });
    let raw = merged_values(set.defaults(), &sources).unwrap();
    let typed = capiform::validation::validate(&raw).unwrap();
    let ctx = Context {
        release: "bench",
        namespace: "default",
        values: &typed,
        raw: &raw,
        templates: set,
        existing: &[],
    };
    g.bench_function("core-builders", |b| {
        b.iter(|| capiform::resources::build(black_box(&ctx)).unwrap())
    });
    g.bench_function("addon-builders", |b| {
        b.iter(|| capiform::addons::build(black_box(&ctx)).unwrap())
    });
    let manifest = capiform::render(&request(&values), set).unwrap();
    g.bench_function("yaml-emission", |b| {
        b.iter(|| black_box(&manifest).to_yaml())
    });
    g.finish();
}

criterion_group!(benches, full_render, stages);
criterion_main!(benches);

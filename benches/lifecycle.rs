//! Apply of `upstream-full` (the parity corpus' largest case) as a fresh install to the
//! API server test double answering every request after 5 ms, one request in flight
//! against eight per stage. `cargo bench --bench lifecycle`; docs/lifecycle.md has the
//! numbers. Needs `../shared/parity/cases/upstream-full` (skipped with a note otherwise).

use std::time::Duration;

use capiform::lifecycle::render_and_apply;
use capiform::values::ValuesSource;
use capiform::{RenderRequest, TemplateSet};
use capiform_kube::testing::ApiServerDouble;
use capiform_kube::{ApplyOptions, Release};
use criterion::{Criterion, criterion_group, criterion_main};

const LATENCY: Duration = Duration::from_millis(5);

fn upstream_full() -> Option<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/parity/cases/upstream-full/values.yaml"
    );
    match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(e) => {
            eprintln!("\n!! SKIPPED: {path}: {e}\n");
            None
        }
    }
}

fn bench_apply(c: &mut Criterion) {
    let Some(text) = upstream_full() else { return };
    let set = TemplateSet::embedded(None).unwrap();
    let sources = || {
        vec![ValuesSource::Yaml {
            name: "upstream-full/values.yaml".into(),
            text: text.clone(),
        }]
    };
    let mut req = RenderRequest::new("demo", "default");
    req.sources = sources();
    let objects = capiform::render(&req, set).unwrap().objects.len();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut group = c.benchmark_group(format!(
        "apply upstream-full ({objects} objects), 5 ms per request"
    ));
    group.sample_size(10);
    for (label, concurrency) in [
        ("sequential (1 in flight)", 1),
        ("concurrent stages (8 in flight)", 8),
    ] {
        let opts = ApplyOptions {
            concurrency,
            ..Default::default()
        };
        group.bench_function(label, |b| {
            b.iter(|| {
                runtime.block_on(async {
                    let api = ApiServerDouble::new().with_latency(LATENCY);
                    let release = Release::new(api.client(), "demo", "default");
                    render_and_apply(&release, set, sources(), "", &opts)
                        .await
                        .unwrap();
                    api.requests().len()
                })
            })
        });
    }
    group.finish();
    // The requests of one apply, for the docs.
    let requests = runtime.block_on(async {
        let api = ApiServerDouble::new();
        let release = Release::new(api.client(), "demo", "default");
        render_and_apply(&release, set, sources(), "", &ApplyOptions::default())
            .await
            .unwrap();
        api.requests().len()
    });
    eprintln!("one fresh install of upstream-full: {objects} objects, {requests} requests");
}

criterion_group!(benches, bench_apply);
criterion_main!(benches);

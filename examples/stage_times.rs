//! Time each stage of a render as `capiform::render` runs them, averaged over many
//! renders: `cargo run --release --example stage_times -- VALUES.yaml`.

use std::time::{Duration, Instant};

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or("examples/values/minimal.yaml".into());
    let n = 2000;
    let text = std::fs::read_to_string(&path).unwrap();
    let set = capiform::TemplateSet::embedded(None).unwrap();
    let sources = vec![capiform::values::ValuesSource::Yaml {
        name: "v".into(),
        text: text.clone(),
    }];
    let req = capiform::RenderRequest::new("demo", "default").with_values_yaml(&path, text);
    let manifest = capiform::render(&req, set).unwrap();
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(capiform::render(&req, set).unwrap());
    }
    println!("render (whole, with drop) {:?}", t.elapsed() / n);
    let labels = [
        "merge",
        "check",
        "core",
        "addons",
        "drop-objects",
        "drop-values",
    ];
    let mut acc = [Duration::ZERO; 6];
    for _ in 0..n {
        let t0 = Instant::now();
        let (merged, user) = capiform::values::Merged::over(set.defaults(), &sources).unwrap();
        let t1 = Instant::now();
        let (typed, _problems) = capiform::validation::check_over_set(&merged, &user, set);
        let typed = typed.unwrap();
        let t2 = Instant::now();
        let ctx = capiform::Context {
            release: "demo",
            namespace: "default",
            values: &typed,
            raw: &merged,
            templates: set,
            existing: &[],
        };
        let core = capiform::resources::build(&ctx);
        let t3 = Instant::now();
        let addons = capiform::addons::build(&ctx);
        let t4 = Instant::now();
        drop((core, addons));
        let t5 = Instant::now();
        drop((typed, merged, user));
        let t6 = Instant::now();
        for (a, (from, to)) in acc.iter_mut().zip(
            [t0, t1, t2, t3, t4, t5]
                .into_iter()
                .zip([t1, t2, t3, t4, t5, t6]),
        ) {
            *a += to - from;
        }
    }
    for (label, d) in labels.iter().zip(acc) {
        println!("{label:<14} {:?}", d / n);
    }
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(manifest.to_yaml());
    }
    println!("emit           {:?}", t.elapsed() / n);
}

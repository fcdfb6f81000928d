//! Time the one-off work of a fresh process (what `capiform render` pays once):
//! `cargo run --release --example cold_start -- VALUES.yaml`.

use std::time::Instant;

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "examples/values/minimal.yaml".into());
    let t0 = Instant::now();
    let text = std::fs::read_to_string(&path).expect("values file");
    let t = Instant::now();
    let set = capiform::TemplateSet::embedded(None).expect("embedded set");
    eprintln!("template set load   {:?}", t.elapsed());
    let t = Instant::now();
    let _ = capiform::TemplateSet::all_embedded();
    eprintln!("all sets (again)    {:?}", t.elapsed());
    let t = Instant::now();
    if std::env::var_os("COMPILE_ALL").is_some() {
        set.check_templates().expect("templates compile");
        eprintln!("compile templates   {:?}", t.elapsed());
    }
    let t = Instant::now();
    let _ = set.defaults_are_valid();
    eprintln!("defaults check      {:?}", t.elapsed());
    let req = capiform::RenderRequest::new("demo", "default").with_values_yaml(&path, text);
    for i in 0..3 {
        let t = Instant::now();
        let m = capiform::render(&req, set).expect("renders");
        let r = t.elapsed();
        let t = Instant::now();
        let y = m.to_yaml();
        eprintln!(
            "render #{i}           {r:?} + yaml {:?} ({} bytes)",
            t.elapsed(),
            y.len()
        );
    }
    eprintln!("total               {:?}", t0.elapsed());
}

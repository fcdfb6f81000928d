//! Render an example values file many times (for profilers):
//! `cargo run --release --example profile_render -- examples/values/minimal.yaml 500`.

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "examples/values/minimal.yaml".into());
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(200);
    let text = std::fs::read_to_string(&path).expect("values file");
    let set = capiform::TemplateSet::embedded(None).expect("embedded set");
    let req = capiform::RenderRequest::new("demo", "default").with_values_yaml(&path, text);
    let mut bytes = 0;
    for _ in 0..n {
        bytes += capiform::render(&req, set)
            .expect("renders")
            .to_yaml()
            .len();
    }
    eprintln!("{n} renders, {bytes} bytes");
}

//! Render a cluster from a values file with the library, as a driver service would.
//!
//! ```text
//! cargo run --example render -- examples/values/minimal.yaml
//! ```

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "examples/values/minimal.yaml".into());
    let text = std::fs::read_to_string(&path)?;
    let set = capiform::TemplateSet::embedded(None)?;
    let request = capiform::RenderRequest::new("demo", "default").with_values_yaml(&path, text);
    let manifest = capiform::render(&request, set)?;
    for obj in &manifest.objects {
        eprintln!("{}", obj.id());
    }
    print!("{}", manifest.to_yaml());
    Ok(())
}

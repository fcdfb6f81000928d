fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or("examples/values/minimal.yaml".into());
    let which = std::env::args().nth(2).unwrap_or("core".into());
    let text = std::fs::read_to_string(&path).unwrap();
    let set = capiform::TemplateSet::embedded(None).unwrap();
    let sources = vec![capiform::values::ValuesSource::Yaml {
        name: "v".into(),
        text,
    }];
    let raw = capiform::values::merged_values(set.defaults(), &sources).unwrap();
    let typed = capiform::validation::validate(&raw).unwrap();
    let ctx = capiform::Context {
        release: "demo",
        namespace: "default",
        values: &typed,
        raw: &raw,
        templates: set,
        existing: &[],
    };
    for _ in 0..5000 {
        match which.as_str() {
            "core" => {
                std::hint::black_box(capiform::resources::build(&ctx).unwrap());
            }
            "addons" => {
                std::hint::black_box(capiform::addons::build(&ctx).unwrap());
            }
            "check" => {
                std::hint::black_box(capiform::validation::check(&raw));
            }
            _ => {
                std::hint::black_box(
                    capiform::values::merged_values(set.defaults(), &sources).unwrap(),
                );
            }
        }
    }
}

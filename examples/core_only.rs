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
    let (merged, user) = capiform::values::Merged::over(set.defaults(), &sources).unwrap();
    let typed = merged.typed().unwrap();
    let ctx = capiform::Context {
        release: "demo",
        namespace: "default",
        values: &typed,
        raw: &merged,
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
                std::hint::black_box(capiform::validation::check_merged(&merged, &user, true));
            }
            _ => {
                std::hint::black_box(
                    capiform::values::Merged::over(set.defaults(), &sources).unwrap(),
                );
            }
        }
    }
}

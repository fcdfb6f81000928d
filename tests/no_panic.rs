//! No input panics the engine: deterministic mutations of every golden and example
//! values file (keys deleted, values replaced by other types, garbage text) go through
//! loading, validation and rendering, and each must give objects or an error.
//! (`fuzz/` has a cargo-fuzz target for longer runs; crashes it finds belong here.)

mod common;

#[test]
fn mutated_values_never_panic() {
    let set = capiform::TemplateSet::embedded(None).unwrap();
    let mut runs = 0;
    for (file, v) in common::mutations(25, 0x5eed) {
        let yaml = serde_yaml::to_string(&v).unwrap();
        let req =
            capiform::RenderRequest::new("fuzz", "default").with_values_yaml("mutated.yaml", yaml);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            capiform::render(&req, set).map(|m| m.to_yaml())
        }));
        assert!(
            result.is_ok(),
            "panic rendering a mutation of {}:\n{v:#}",
            file.display()
        );
        runs += 1;
    }
    // garbage documents
    for text in [
        "\u{0}",
        "{",
        "a: *b",
        "? [",
        "- - - -",
        "!!binary x",
        "a: !!int x",
        &"[".repeat(200),
    ] {
        let req =
            capiform::RenderRequest::new("fuzz", "default").with_values_yaml("garbage.yaml", text);
        assert!(
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(
                || capiform::render(&req, set).is_err()
            ))
            .is_ok(),
            "{text:?}"
        );
    }
    assert!(runs > 500);
}

//! Fuzz values loading, merging, validation and rendering: any input must give objects
//! or an error, never a panic.
//!
//! `cargo +nightly fuzz run render_values` (from the repository root).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(set) = capiform::TemplateSet::embedded(None) else { return };
    // The fuzzed document is layered over a valid base, so that mutations reach the builders.
    let req = capiform::RenderRequest::new("fuzz", "default")
        .with_values_yaml("base.yaml", BASE)
        .with_values_yaml("fuzz.yaml", text);
    let _ = capiform::render(&req, set);
    let alone = capiform::RenderRequest::new("fuzz", "default").with_values_yaml("fuzz.yaml", text);
    let _ = capiform::render(&alone, set);
});

const BASE: &str = "kubernetesVersion: 1.31.4\nmachineImage: img\ncloudCredentialsSecretName: c\ncontrolPlane: {machineFlavor: f}\nnodeGroups: [{name: md-0, machineFlavor: f, machineCount: 1}]\n";

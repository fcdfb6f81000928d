//! The checked-in values schema must be what the Rust types generate.
//! Regenerate with `UPDATE_SCHEMA=1 cargo test --test schema` (or
//! `capiform schema > schemas/values.v1.json`).

use std::path::Path;

#[test]
fn checked_in_schema_matches_the_types() {
    for version in capiform::schema::SCHEMA_VERSIONS {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("schemas/values.{version}.json"));
        let generated = capiform::schema::generate_text(version).unwrap();
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            std::fs::write(&path, &generated).unwrap();
            continue;
        }
        let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            checked_in == generated,
            "{} is out of date with the Rust types: run `UPDATE_SCHEMA=1 cargo test --test schema` and commit it",
            path.display()
        );
    }
}

#[test]
fn the_cli_prints_the_schema() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_capiform"))
        .args(["schema", "--version", "v1"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        capiform::schema::values_schema_text("v1").unwrap()
    );
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_capiform"))
        .args(["schema", "--version", "v7"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(bad.stdout.is_empty());
}

/// Renders with an embedded set rely on this: they check only the user's part of the
/// values (`TemplateSet::defaults_are_valid`).
#[test]
fn every_default_of_the_embedded_sets_is_valid() {
    for set in capiform::TemplateSet::all_embedded().unwrap() {
        let problems = capiform::schema::check(&set.manifest().schema_version, set.defaults());
        assert!(problems.is_empty(), "{}: {problems:?}", set.id());
    }
}

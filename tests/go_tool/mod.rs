//! Builds the Go test helpers under `tests/` (real Kubernetes programs and referees built
//! on their own code), once per version of their source, into
//! `~/.cache/capiform/go-bin/NAME-HASH`, and returns the binary's path.
//!
//! Go fetches the modules named in the helper's `go.sum` from the Go module proxy on the
//! first build; later builds of the same source reuse the binary.

#![allow(dead_code)]

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The source files whose content names a build: `go.mod`, `go.sum` and the `.go` files
/// of the helper's folder, in name order.
fn source_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name == "go.mod" || name == "go.sum" || name.ends_with(".go")
        })
        .collect();
    files.sort();
    files
}

/// The path of the built helper `tests/NAME`, building it first when its source changed.
/// Panics with Go's own message when the build fails.
pub fn build(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(name);
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for file in source_files(&dir) {
        file.file_name().hash(&mut hasher);
        std::fs::read(&file)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
            .hash(&mut hasher);
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
    let bin_dir = Path::new(&home).join(".cache/capiform/go-bin");
    let bin = bin_dir.join(format!("{name}-{:016x}", hasher.finish()));
    if bin.is_file() {
        return bin;
    }
    std::fs::create_dir_all(&bin_dir).expect("create ~/.cache/capiform/go-bin");
    let go = super::needs_shared::program("go").expect("go is on PATH");
    let partial = bin.with_extension("partial");
    let out = Command::new(go)
        .current_dir(&dir)
        .args(["build", "-mod=readonly", "-o"])
        .arg(&partial)
        .arg(".")
        .output()
        .expect("go runs");
    assert!(
        out.status.success(),
        "go build of tests/{name} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::rename(&partial, &bin).expect("move the built helper into place");
    bin
}

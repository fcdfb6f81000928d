//! Rebuild when a template set changes: the sets under `cluster-templates/` are embedded
//! into the binary with `include_dir!`, which cargo does not track by itself.

fn main() {
    println!("cargo:rerun-if-changed=cluster-templates");
    println!("cargo:rerun-if-changed=build.rs");
}

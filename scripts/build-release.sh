#!/usr/bin/env bash
# Build the capiform binary as it is distributed and benchmarked, and print its path.
#
# On Linux with glibc the binary is linked statically (static-pie): a `capiform render`
# process then starts without the dynamic loader resolving shared libraries, which is a
# fifth of the whole run of a render (about 0.7 ms of ~3 ms on the project machine).
# Elsewhere it is the plain `cargo build --release` binary.
#
# Usage: scripts/build-release.sh   (prints e.g. target/x86_64-unknown-linux-gnu/release/capiform)
set -euo pipefail
cd "$(dirname "$0")/.."
host=$(rustc -vV | sed -n 's/^host: //p')
case "$host" in
  *-linux-gnu)
    # With an explicit --target, RUSTFLAGS reach only the target's crates, not the build
    # scripts and proc-macros (which cannot be linked statically).
    RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
      cargo build --release --locked --quiet --target "$host" >&2
    echo "target/$host/release/capiform"
    ;;
  *)
    cargo build --release --locked --quiet >&2
    echo "target/release/capiform"
    ;;
esac

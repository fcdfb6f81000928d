#!/usr/bin/env bash
# Build the capiform binary as it is distributed and benchmarked, and print its path.
#
# On Linux with glibc the binary is linked statically and position-dependent: a
# `capiform render` process then starts without the dynamic loader resolving shared
# libraries and without relocating itself, which was a fifth of a whole render process
# (about 0.8 ms of ~4 ms on the project machine). The cost: no address-space layout
# randomisation of the binary itself (as for most statically linked tools), which
# matters little for a command that reads local values files and exits.
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
    RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static -C relocation-model=static" \
      cargo build --release --locked --quiet --target "$host" >&2
    echo "target/$host/release/capiform"
    ;;
  *)
    cargo build --release --locked --quiet >&2
    echo "target/release/capiform"
    ;;
esac

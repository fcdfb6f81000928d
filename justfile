# Common tasks. `just --list` shows them.

default: test

# Everything CI runs
test:
    cargo test --workspace
    python/ci.sh

# Lints as CI expects them
lint:
    cargo fmt --check
    cargo clippy --workspace --all-targets -- -D warnings
    RUSTDOCFLAGS="-D warnings" cargo doc --no-deps
    cargo build --lib --no-default-features

# Rewrite golden outputs after an intended change (review the diff!)
golden:
    UPDATE_GOLDEN=1 cargo test --test golden

# Parity report against the reference chart corpus
parity:
    cargo build --release
    python3 ../shared/parity/parity.py --bin target/release/capiform

# Differential test against helm on freshly drawn values, for ten minutes (finds new misses)
fuzz:
    CAPIFORM_DIFF_SECONDS=600 cargo test --test differential fresh -- --nocapture

# Benchmarks (criterion, library)
bench:
    cargo bench --features internals

# The same benchmarks under mimalloc (the allocator a host service may set)
bench-mimalloc:
    cargo bench --features internals,mimalloc

# The binary as distributed (static on Linux/glibc); prints its path
release:
    scripts/build-release.sh

# Whole-process timing against helm: just bench-helm /path/to/helm /path/to/openstack-cluster
bench-helm helm chart:
    scripts/bench-vs-helm.sh --helm {{helm}} --chart {{chart}}

# Render the example cluster
example:
    cargo run --release -- render demo --namespace default -f examples/values/minimal.yaml

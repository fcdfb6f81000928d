//! The `capiform` binary: see `capiform --help`.

fn main() {
    std::process::exit(capiform::cli_main());
}

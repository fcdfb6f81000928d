//! The `capiform` binary: see `capiform --help`.

use clap::Parser;

fn main() {
    let cli = capiform::cli::Cli::parse();
    std::process::exit(capiform::cli::run(cli));
}

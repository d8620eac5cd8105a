//! The `berth` binary: see [`berth::cli`].

use clap::Parser;

#[tokio::main]
async fn main() {
    let args = berth::cli::Args::parse();
    if let Err(e) = berth::cli::run(args).await {
        eprintln!("berth: {e:#}");
        std::process::exit(1);
    }
}

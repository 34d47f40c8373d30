use std::process::ExitCode;

use clap::Parser;

mod cli;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("tarjuman: error: {err:#}");
            ExitCode::from(cli::EXIT_FAILURE)
        }
    }
}

use std::process::ExitCode;

use clap::Parser;

mod cli;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("tarjuman: error: {}", cli::error_text(err.as_ref()));
            ExitCode::from(cli::EXIT_FAILURE)
        }
    }
}

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = tarjuman::cli::Cli::parse();
    match tarjuman::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("tarjuman: error: {err:#}");
            ExitCode::from(tarjuman::cli::EXIT_FAILURE)
        }
    }
}

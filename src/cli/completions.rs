//! `tarjuman completions SHELL` and `tarjuman completions man`: generated
//! from the clap definition, so they never drift from the real options.

use std::process::ExitCode;

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Target {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
    /// The man page (roff), for `man -l -` or /usr/share/man/man1/tarjuman.1.
    Man,
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tarjuman completions bash > ~/.local/share/bash-completion/completions/tarjuman\n  tarjuman completions man | man -l -"
)]
pub struct Args {
    /// The shell to complete for, or `man` for the man page.
    pub target: Target,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    // Rendered into memory first: clap_complete panics on a write error,
    // and `completions bash | head` closes the pipe early.
    let mut cmd = super::command();
    let mut out = Vec::new();
    let shell = match args.target {
        Target::Bash => clap_complete::Shell::Bash,
        Target::Zsh => clap_complete::Shell::Zsh,
        Target::Fish => clap_complete::Shell::Fish,
        Target::Elvish => clap_complete::Shell::Elvish,
        Target::Powershell => clap_complete::Shell::PowerShell,
        Target::Man => {
            clap_mangen::Man::new(cmd).render(&mut out)?;
            return print(&out);
        }
    };
    clap_complete::generate(shell, &mut cmd, "tarjuman", &mut out);
    print(&out)
}

/// Write to stdout; a reader that stopped early is not an error.
fn print(bytes: &[u8]) -> anyhow::Result<ExitCode> {
    use std::io::Write as _;
    match std::io::stdout().lock().write_all(bytes) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(ExitCode::SUCCESS),
    }
}

//! `tarjuman token`: the bearer tokens `tarjuman serve` accepts.

use std::process::ExitCode;

use anyhow::bail;

use tarjuman::server::auth::{self, Scope};

#[derive(Debug, clap::Args)]
#[command(after_help = "\
The token is printed once, on stdout; the TM keeps only its SHA-256.
Examples:
  tarjuman token add --scope read weblate
  tarjuman token add --scope write desk-lead
  tarjuman token list
  tarjuman token remove weblate")]
pub struct Args {
    #[command(subcommand)]
    pub command: TokenCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Make a token and print it (once).
    Add {
        /// read: lookups, concordance, pretranslate, export, stats;
        /// write: also import and delete.
        #[arg(long, value_enum)]
        scope: ScopeArg,
        /// A name for the token, shown in `token list` and the server's log.
        #[arg(value_name = "NAME")]
        name: String,
    },
    /// List the tokens (names, scopes, dates; never the tokens).
    List {
        /// Readable text, or JSON for scripts.
        #[arg(long, value_enum, default_value_t)]
        format: super::OutputFormat,
    },
    /// Remove a token: it stops working (a running server notices within seconds).
    Remove {
        #[arg(value_name = "NAME")]
        name: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScopeArg {
    Read,
    Write,
}

pub fn run(args: Args, ctx: &super::Ctx) -> anyhow::Result<ExitCode> {
    let mut store = ctx.open_store()?;
    match args.command {
        TokenCommand::Add { scope, name } => {
            let scope = match scope {
                ScopeArg::Read => Scope::Read,
                ScopeArg::Write => Scope::Write,
            };
            let token = auth::add(&mut *store, &name, scope)?;
            println!("{token}");
            ctx.say(&format!(
                "token {name:?} ({} scope) added; it is shown this once, keep it safe",
                scope.as_str()
            ));
        }
        TokenCommand::List { format } => {
            let tokens = auth::list(&*store)?;
            match format {
                super::OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&tokens)?),
                super::OutputFormat::Text => {
                    for t in &tokens {
                        println!(
                            "{:<24} {:<6} created {}",
                            t.name,
                            t.scope.as_str(),
                            t.created_at
                        );
                    }
                    ctx.say(&format!("{} tokens", tokens.len()));
                }
            }
        }
        TokenCommand::Remove { name } => {
            if !auth::remove(&mut *store, &name)? {
                bail!("no token named {name:?} (tarjuman token list shows them)");
            }
            ctx.say(&format!("token {name:?} removed"));
        }
    }
    Ok(ExitCode::SUCCESS)
}

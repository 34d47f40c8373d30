//! `tarjuman serve`: parse the options and run the library's server.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use tarjuman::server::{Config, Limits};

const AFTER_HELP: &str = "\
Reads need a token (Authorization: Bearer TOKEN) unless --public-read; imports
and deletes need a token with write scope. Make tokens with `tarjuman token add`.
Every request is logged on stderr as one JSON line (never the token).
SIGTERM or Ctrl-C: stop accepting, finish what is in flight, then exit.
The routes: docs/openapi.json; running it for a team: docs/serving.md.

Examples:
  tarjuman token add --scope write desk
  tarjuman serve --db team.db
  tarjuman serve --bind 0.0.0.0:8765 --public-read   (behind a TLS proxy)";

#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Address and port to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8765", value_name = "ADDR:PORT")]
    pub bind: SocketAddr,

    /// Let reads (lookup, concord, pretranslate, export, stats, the
    /// amaGama/tmserver routes) through without a token.
    #[arg(long)]
    pub public_read: bool,

    /// Allow browser pages from this origin (CORS); repeat for more. No
    /// CORS headers without it.
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    pub cors_origins: Vec<String>,

    /// Largest JSON request body, in bytes.
    #[arg(long, default_value_t = Limits::default().max_body, value_name = "BYTES")]
    pub max_body: usize,

    /// Largest uploaded file for import, in bytes.
    #[arg(long, default_value_t = Limits::default().max_import_bytes, value_name = "BYTES")]
    pub max_import_bytes: u64,

    /// Longest query text, in characters.
    #[arg(long, default_value_t = Limits::default().max_query_chars, value_name = "N")]
    pub max_query_chars: usize,

    /// Most queries in one lookup batch (or sentences in one pretranslate).
    #[arg(long, default_value_t = Limits::default().max_batch, value_name = "N")]
    pub max_batch: usize,

    /// Seconds a request may take (imports and exports excepted).
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub timeout: u64,

    /// Seconds an import (upload and commit) may take, or an export to start.
    #[arg(long, default_value_t = 3600, value_name = "SECONDS")]
    pub import_timeout: u64,

    /// Read-only connections, i.e. reads at once (0: one per core).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub readers: usize,
}

pub fn run(args: Args, ctx: &super::Ctx) -> anyhow::Result<ExitCode> {
    let mut config = Config::new(ctx.db_path());
    config.bind = args.bind;
    config.public_read = args.public_read;
    config.cors_origins = args.cors_origins;
    config.readers = args.readers;
    config.limits = Limits {
        max_body: args.max_body,
        max_import_bytes: args.max_import_bytes,
        max_query_chars: args.max_query_chars,
        max_batch: args.max_batch,
        timeout: Duration::from_secs(args.timeout),
        import_timeout: Duration::from_secs(args.import_timeout),
        ..Limits::default()
    };
    let db = config.db.display().to_string();
    let public = config.public_read;
    tarjuman::server::serve(config, |addr| {
        // Always printed (also with --quiet): scripts read the port here.
        eprintln!(
            "tarjuman: serving {db} on http://{addr}{}",
            if public { " (reads public)" } else { "" }
        );
    })?;
    ctx.say("tarjuman: stopped");
    Ok(ExitCode::SUCCESS)
}

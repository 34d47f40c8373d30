//! `tarjuman migrate`: a whole TM into an empty one, between an SQLite
//! file and a PostgreSQL database (either way), through `tm::copy`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Every unit (variants, props, notes, dates, inline markup, origin), the
origins' records, the aligner's learned word pairs and serve's tokens are
copied in one transaction; the destination must hold no units. Both TMs then
export the same file (apart from the header's date).

Examples:
  tarjuman migrate --from memory.db --to postgres://tm@db.example/tm
  tarjuman migrate --from postgres://tm@db.example/tm --to backup.db")]
pub struct Args {
    /// The TM to copy: an SQLite file or a PostgreSQL URL (read only).
    #[arg(long, value_name = "PATH|URL")]
    pub from: PathBuf,
    /// The TM to copy into, created if missing; it must hold no units.
    #[arg(long, value_name = "PATH|URL")]
    pub to: PathBuf,
}

pub fn run(args: Args, ctx: &super::Ctx) -> anyhow::Result<ExitCode> {
    use tarjuman::tm::{backend::shown, open, Access};
    let (from_name, to_name) = (shown(&args.from), shown(&args.to));
    let from = open(&args.from, Access::Read).with_context(|| format!("--from {from_name}"))?;
    let total = from.stats()?.units;
    let mut to = ctx
        .open_store_at(&args.to)
        .with_context(|| format!("--to {to_name}"))?;
    let bar = ctx.progress_units(total, "migrating");
    let result = tarjuman::tm::copy::copy_tm(from, &mut *to, |n| bar.set_position(n));
    bar.finish_and_clear();
    let copied = result.with_context(|| format!("migrating {from_name} to {to_name}"))?;
    ctx.say(&format!(
        "migrated {} units, {} origins, {} word pairs and {} tokens from {from_name} to {to_name}",
        copied.units, copied.origins, copied.word_pairs, copied.tokens
    ));
    Ok(ExitCode::SUCCESS)
}

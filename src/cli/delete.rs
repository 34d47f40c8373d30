//! `tarjuman delete`: remove units by id, origin or source text.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use super::lookup::isolate;
use super::OutputFormat;
use tarjuman::tm::fuzzy::units_with_source;

/// Delete units from the translation memory, keeping the fuzzy index and
/// the counters in step. Give exactly one of --id, --origin, --query.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["id", "origin", "query"])))]
pub struct Args {
    /// Unit ids (as lookup and concord show them).
    #[arg(long, num_args = 1.., value_name = "N")]
    pub id: Vec<i64>,

    /// Every unit imported from this origin (file name as stats shows it).
    #[arg(long, value_name = "NAME")]
    pub origin: Option<String>,

    /// Every unit whose source has the same matching key as TEXT (harakat,
    /// hamza forms, case and spacing do not matter).
    #[arg(long, value_name = "TEXT")]
    pub query: Option<String>,

    /// Source language, for --query.
    #[arg(long, default_value = "ar", value_name = "LANG")]
    pub src_lang: String,

    /// Show what would be deleted; change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Output: readable text, or one JSON object.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

pub fn run(args: Args, ctx: &super::Ctx) -> Result<ExitCode> {
    let mut store = ctx.open_store()?;
    let ids: Vec<i64> = if let Some(origin) = &args.origin {
        let origin = tarjuman::api::resolve_origin(&*store, origin)?;
        store.unit_ids_of_origin(&origin)?
    } else if let Some(text) = &args.query {
        units_with_source(&*ctx.open_index()?, &args.src_lang, text)?
    } else {
        let (found, missing) = store.split_existing(&args.id)?;
        for id in missing {
            ctx.say(&format!("no unit #{id}"));
        }
        found
    };

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.dry_run {
        let mut units = Vec::with_capacity(ids.len());
        for &id in &ids {
            let unit = store
                .load_unit(id)?
                .with_context(|| format!("unit #{id} vanished"))?;
            let texts: Vec<String> = unit.variants.iter().map(|v| v.seg.plain.clone()).collect();
            units.push((id, texts));
        }
        match args.format {
            OutputFormat::Json => {
                let units = units
                    .iter()
                    .map(|(id, t)| tarjuman::api::DeletedUnit {
                        unit_id: *id,
                        texts: t.clone(),
                    })
                    .collect();
                let obj = serde_json::to_string(&tarjuman::api::DeleteResult::DryRun {
                    dry_run: true,
                    would_delete: ids.len(),
                    units,
                })?;
                writeln!(out, "{obj}")?;
            }
            OutputFormat::Text => {
                for (id, texts) in &units {
                    let shown: Vec<String> = texts.iter().map(|t| isolate(t)).collect();
                    writeln!(out, "#{id}  {}", shown.join("  |  "))?;
                }
            }
        }
        out.flush()?;
        ctx.say(&format!(
            "dry run: would delete {} units; nothing changed",
            ids.len()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let deleted = store
        .delete_units(&ids)
        .with_context(|| format!("{}: deleting {} units", ctx.db_shown(), ids.len()))?;
    // As after an import: readers read fastest with the log in the file.
    let _ = store.settle();
    if args.format == OutputFormat::Json {
        writeln!(
            out,
            "{}",
            serde_json::to_string(&tarjuman::api::DeleteResult::Deleted {
                dry_run: false,
                deleted,
                ids: ids.clone(),
            })?
        )?;
    }
    out.flush()?;
    ctx.say(&format!("deleted {deleted} units"));
    Ok(ExitCode::SUCCESS)
}

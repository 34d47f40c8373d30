//! `tarjuman concord`: every unit that contains a word or phrase.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Result;

use super::lookup::{isolate, isolate_if, Style};
use super::OutputFormat;
use tarjuman::tm::concord::{concord, Hit, Search};

/// Find every unit whose source (or target, with --target) contains PHRASE.
///
/// Arabic matches without regard to harakat, tatweel and hamza/alef forms,
/// Latin without regard to case, digits in any system. Each word is also
/// found behind the Arabic proclitics و ف ب ل ك and ال (`الميادين` finds
/// `والميادين`, `بالميادين`, `للميادين`; `حلب` finds `بحلب`), whichever
/// words of a phrase carry them; --exact matches whole words only. The
/// match is highlighted without its proclitics. Newest units first.
///
/// JSON: each hit's `spans` are UTF-8 byte offsets into `text`, its
/// `char_spans` the same as character offsets (Unicode code points); both
/// end-exclusive.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The word or phrase.
    #[arg(value_name = "PHRASE")]
    pub phrase: String,

    /// Search the target side instead of the source.
    #[arg(long)]
    pub target: bool,

    /// Whole words only: do not look behind Arabic proclitics.
    #[arg(long)]
    pub exact: bool,

    /// Source language.
    #[arg(long, default_value = "ar", value_name = "LANG")]
    pub src_lang: String,

    /// Target language.
    #[arg(long, default_value = "en", value_name = "LANG")]
    pub tgt_lang: String,

    /// Most units shown.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,

    /// Output: readable text, or one JSON object.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

pub fn run(args: Args, ctx: &super::Ctx) -> Result<ExitCode> {
    let store = ctx.open_index()?;
    let hits = concord(
        &*store,
        &Search {
            phrase: &args.phrase,
            src_lang: &args.src_lang,
            tgt_lang: &args.tgt_lang,
            target: args.target,
            exact: args.exact,
            limit: args.limit,
        },
    )?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        OutputFormat::Json => {
            let obj = serde_json::to_string(&tarjuman::api::ConcordResult {
                phrase: args.phrase.clone(),
                hits: hits.clone(),
            })?;
            writeln!(out, "{obj}")?;
        }
        OutputFormat::Text => {
            let style = Style::detect();
            let (side, other) = if args.target {
                (&args.tgt_lang, &args.src_lang)
            } else {
                (&args.src_lang, &args.tgt_lang)
            };
            for h in &hits {
                write_hit(&mut out, h, side, other, &style)?;
            }
        }
    }
    out.flush()?;
    let more = if hits.len() == args.limit {
        " (the limit; --limit N shows more)"
    } else {
        ""
    };
    let phrase = isolate_if(&args.phrase, std::io::stderr().is_terminal());
    ctx.say(&format!("{} units contain “{phrase}”{more}", hits.len()));
    Ok(ExitCode::SUCCESS)
}

fn write_hit(out: &mut impl Write, h: &Hit, side: &str, other: &str, style: &Style) -> Result<()> {
    let mut line = String::new();
    let mut pos = 0;
    for span in &h.spans {
        line.push_str(&isolate(&h.text[pos..span.start]));
        line.push_str(&style.hit(&h.text[span.clone()]));
        pos = span.end;
    }
    line.push_str(&isolate(&h.text[pos..]));
    match &h.origin {
        Some(o) => writeln!(out, "#{}  {o}", h.unit_id)?,
        None => writeln!(out, "#{}", h.unit_id)?,
    }
    writeln!(out, "  {side}: {line}")?;
    writeln!(out, "  {other}: {}", isolate(&h.other))?;
    Ok(())
}

//! `tarjuman export`.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;

use tarjuman::api::{ExportError, ExportSpec};
use tarjuman::import::FileFormat;
use tarjuman::tm::read::UnitFilter;

const AFTER_HELP: &str = "\
Dates are YYYY-MM-DD or TMX dates (20211106T090503Z) and compare with each
unit's change date, else its creation date; both ends are inclusive.
A language such as `ar` also matches ar-SY, ar-EG, ...

TSV export writes a first line naming the two languages (`ar<TAB>en`), then
one pair a line with tabs, line breaks and backslashes escaped as \\t \\n \\\\;
inline markup is dropped (TSV has no place for it).

Examples:
  tarjuman export -o memory.tmx
  tarjuman export --src-lang ar --tgt-lang en --since 2021-11-01 -o recent.tmx
  tarjuman export --origin client.tmx --to tsv > client.tsv";

#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Write here instead of to stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// The output format (default: from the output file's extension, else tmx).
    #[arg(long, alias = "format", value_enum, value_name = "FORMAT")]
    pub to: Option<super::FileFormatArg>,

    /// Only units with a variant in this language (and it becomes the TMX srclang).
    #[arg(long, value_name = "LANG", value_parser = super::import::parse_lang)]
    pub src_lang: Option<String>,

    /// Only units with a non-empty variant in this language; with
    /// --src-lang, only those two variants are written.
    #[arg(long, value_name = "LANG", value_parser = super::import::parse_lang)]
    pub tgt_lang: Option<String>,

    /// Only units imported from this origin: the imported file's name (as
    /// `tarjuman stats` lists it; a path to it works too). Unknown: exit 1.
    #[arg(long, value_name = "NAME")]
    pub origin: Option<String>,

    /// Only units dated on or after this day.
    #[arg(long, value_name = "DATE", value_parser = |s: &str| parse_date(s, false))]
    pub since: Option<String>,

    /// Only units dated on or before this day.
    #[arg(long, value_name = "DATE", value_parser = |s: &str| parse_date(s, true))]
    pub until: Option<String>,
}

pub use tarjuman::api::parse_date;

pub fn run(args: Args, ctx: &super::Ctx) -> anyhow::Result<ExitCode> {
    let store = ctx.open_reader()?;
    let format = args
        .to
        .map(FileFormat::from)
        .unwrap_or_else(|| match &args.output {
            Some(p) if FileFormat::detect(p, b"") == FileFormat::Tsv && has_extension(p) => {
                FileFormat::Tsv
            }
            _ => FileFormat::Tmx,
        });
    let origin = match &args.origin {
        Some(name) => Some(tarjuman::api::resolve_origin(&*store, name)?),
        None => None,
    };
    let spec = ExportSpec {
        format,
        src_lang: args.src_lang.clone(),
        tgt_lang: args.tgt_lang.clone(),
        filter: UnitFilter {
            origin,
            since: args.since.clone(),
            until: args.until.clone(),
        },
    };
    // Write next to the destination and rename at the end, so that a failed
    // export never leaves half a file under the real name.
    let (out, tmp): (Box<dyn Write + Send>, Option<PathBuf>) = match &args.output {
        Some(path) => {
            let tmp = temp_path(path);
            let file = std::fs::File::create(&tmp).with_context(|| {
                format!(
                    "{}: cannot create: check the directory exists and is writable",
                    tmp.display()
                )
            })?;
            (Box::new(file), Some(tmp))
        }
        None => (Box::new(std::io::stdout()), None),
    };
    let mut out = BufWriter::with_capacity(1 << 16, out);
    // At most every unit (a filter or a language pair may take fewer).
    let bar = ctx.progress_units(store.stats()?.units, "exporting");
    let mut written = 0u64;
    let result = tarjuman::api::export(&*store, &spec, &mut out, |n| bar.set_position(n))
        .map(|n| written = n);
    bar.finish_and_clear();
    drop(out);
    if let Err(e) = result {
        if let Some(tmp) = &tmp {
            let _ = std::fs::remove_file(tmp);
        }
        // A closed pipe (`| head`) is not a failure of ours.
        if matches!(&e, ExportError::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe) {
            return Ok(ExitCode::SUCCESS);
        }
        return Err(e.into());
    }
    if let (Some(tmp), Some(path)) = (&tmp, &args.output) {
        std::fs::rename(tmp, path).with_context(|| format!("{}: cannot write", path.display()))?;
    }
    let dest = args
        .output
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "stdout".into());
    ctx.say(&format!("exported {written} units to {dest}"));
    Ok(ExitCode::SUCCESS)
}

fn has_extension(p: &Path) -> bool {
    p.extension().is_some()
}

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".tarjuman-partial");
    path.with_file_name(name)
}

//! `tarjuman export`.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;

use tarjuman::import::FileFormat;
use tarjuman::tm::read::{select_languages, UnitFilter};

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
    pub to: Option<FileFormat>,

    /// Only units with a variant in this language (and it becomes the TMX srclang).
    #[arg(long, value_name = "LANG", value_parser = super::import::parse_lang)]
    pub src_lang: Option<String>,

    /// Only units with a non-empty variant in this language; with
    /// --src-lang, only those two variants are written.
    #[arg(long, value_name = "LANG", value_parser = super::import::parse_lang)]
    pub tgt_lang: Option<String>,

    /// Only units imported from this origin (a name `tarjuman stats` lists).
    #[arg(long, value_name = "NAME")]
    pub origin: Option<String>,

    /// Only units dated on or after this day.
    #[arg(long, value_name = "DATE", value_parser = |s: &str| parse_date(s, false))]
    pub since: Option<String>,

    /// Only units dated on or before this day.
    #[arg(long, value_name = "DATE", value_parser = |s: &str| parse_date(s, true))]
    pub until: Option<String>,
}

/// `YYYY-MM-DD` (or `YYYYMMDD`) → the TMX date at the start (or, for an
/// upper bound, the end) of that day; a full TMX date is taken as it is.
pub fn parse_date(s: &str, end_of_day: bool) -> Result<String, String> {
    let bad =
        || format!("`{s}` is not a date: write YYYY-MM-DD or a TMX date like 20211106T090503Z");
    let digits: String = s.chars().filter(|c| *c != '-').collect();
    let (day, time) = match digits.split_once('T') {
        Some((d, t)) => (d.to_string(), Some(t.to_string())),
        None => (digits, None),
    };
    if day.len() != 8 || !day.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let (y, m, d): (i32, u8, u8) = (
        day[0..4].parse().map_err(|_| bad())?,
        day[4..6].parse().map_err(|_| bad())?,
        day[6..8].parse().map_err(|_| bad())?,
    );
    let month = time::Month::try_from(m).map_err(|_| bad())?;
    time::Date::from_calendar_date(y, month, d).map_err(|_| bad())?;
    match time {
        None => Ok(format!(
            "{day}T{}Z",
            if end_of_day { "235959" } else { "000000" }
        )),
        Some(t) => {
            let t = t.strip_suffix('Z').unwrap_or(&t);
            if t.len() != 6 || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            Ok(format!("{day}T{t}Z"))
        }
    }
}

pub fn run(args: Args, ctx: &super::Ctx) -> anyhow::Result<ExitCode> {
    let store = ctx.open_reader()?;
    let format = args.to.unwrap_or_else(|| match &args.output {
        Some(p) if FileFormat::detect(p, b"") == FileFormat::Tsv && has_extension(p) => {
            FileFormat::Tsv
        }
        _ => FileFormat::Tmx,
    });
    let filter = UnitFilter {
        origin: args.origin.clone(),
        since: args.since.clone(),
        until: args.until.clone(),
    };
    // TSV has exactly two columns: without both languages, take the most
    // common pair (matching the one given, if any).
    let (src, tgt) = match format {
        FileFormat::Tmx => (args.src_lang.clone(), args.tgt_lang.clone()),
        FileFormat::Tsv => {
            let (s, t) = match (&args.src_lang, &args.tgt_lang) {
                (Some(s), Some(t)) => (s.clone(), t.clone()),
                (s, t) => store
                    .most_common_pair_matching(s.as_deref(), t.as_deref())?
                    .with_context(|| {
                        "the TM has no units for that language pair; give --src-lang and --tgt-lang"
                    })?,
            };
            (Some(s), Some(t))
        }
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
    let result = (|| -> anyhow::Result<()> {
        // SQLite reads on this thread while a second one writes the file.
        let mut shown = 0u64;
        match format {
            FileFormat::Tsv => {
                let (s, t) = (src.as_deref().unwrap_or(""), tgt.as_deref().unwrap_or(""));
                tarjuman::tsv::write_pair(&mut out, s, t)?;
                written = store.for_each_unit_piped(
                    &filter,
                    |unit| select_languages(unit, Some(s), Some(t)),
                    |unit| {
                        tarjuman::tsv::write_pair(
                            &mut out,
                            &unit.variants[0].seg.plain,
                            &unit.variants[1].seg.plain,
                        )?;
                        shown += 1;
                        if shown % 4096 == 0 {
                            bar.set_position(shown);
                        }
                        anyhow::Ok(())
                    },
                )?;
            }
            FileFormat::Tmx => {
                let header = tarjuman::unit::Header {
                    srclang: match &src {
                        Some(s) => Some(s.clone()),
                        None => store.most_common_source()?,
                    },
                    stamp: tarjuman::unit::Stamp {
                        creation_date: Some(tarjuman::tm::now_tmx()),
                        ..Default::default()
                    },
                    ..Default::default()
                };
                let mut tmx = tarjuman::tmx::write::TmxWriter::new(&mut out, &header)?;
                written = store.for_each_unit_piped(
                    &filter,
                    |unit| select_languages(unit, src.as_deref(), tgt.as_deref()),
                    |unit| {
                        tmx.write_unit(unit)?;
                        shown += 1;
                        if shown % 4096 == 0 {
                            bar.set_position(shown);
                        }
                        anyhow::Ok(())
                    },
                )?;
                tmx.finish()?;
            }
        }
        out.flush()?;
        Ok(())
    })();
    bar.finish_and_clear();
    drop(out);
    if let Err(e) = result {
        if let Some(tmp) = &tmp {
            let _ = std::fs::remove_file(tmp);
        }
        // A closed pipe (`| head`) is not a failure of ours.
        if e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
        {
            return Ok(ExitCode::SUCCESS);
        }
        return Err(e);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_become_inclusive_tmx_bounds() {
        assert_eq!(parse_date("2021-11-06", false).unwrap(), "20211106T000000Z");
        assert_eq!(parse_date("2021-11-06", true).unwrap(), "20211106T235959Z");
        assert_eq!(
            parse_date("20211106T090503Z", true).unwrap(),
            "20211106T090503Z"
        );
        assert!(parse_date("2021-13-01", false).is_err());
        assert!(parse_date("2021-02-30", false).is_err());
        assert!(parse_date("yesterday", false).is_err());
        assert!(parse_date("٢٠٢١-١١-٠٦", false).is_err());
    }
}

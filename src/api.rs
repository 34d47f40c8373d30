//! What the command line's `--format json` and the HTTP server (`server`)
//! share: the JSON shapes of their answers, the parsers of the options both
//! take (language tags, export dates), and the export itself (TMX or TSV
//! written to any stream), so that a script sees the same fields, and a
//! CAT tool the same file, whichever way it asked.
//!
//! Not here: reading or formatting for a terminal (the binary's `cli`),
//! HTTP (`server`), matching or storage (`tm`).

use std::io::Write;

use serde::Serialize;

use crate::import::{FileFormat, FileReport, ImportError, Located};
use crate::tm::concord::Hit;
use crate::tm::fuzzy::Match;
use crate::tm::pretranslate::{Analysis, Segment};
use crate::tm::read::{select_languages, UnitFilter};
use crate::tm::TmStore;

/// One query's answer (`lookup --format json` prints one per line).
#[derive(Debug, Clone, Serialize)]
pub struct LookupResult {
    pub query: String,
    pub matches: Vec<Match>,
}

/// `concord --format json`.
#[derive(Debug, Clone, Serialize)]
pub struct ConcordResult {
    pub phrase: String,
    pub hits: Vec<Hit>,
}

/// `pretranslate --format json`.
#[derive(Debug, Clone, Serialize)]
pub struct PretranslateResult {
    pub document: String,
    pub segments: Vec<Segment>,
    pub analysis: Analysis,
}

/// A unit `delete --dry-run` would delete: its id and its variants' texts.
#[derive(Debug, Clone, Serialize)]
pub struct DeletedUnit {
    pub unit_id: i64,
    pub texts: Vec<String>,
}

/// `delete --format json`: what would go (dry run) or what went.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum DeleteResult {
    DryRun {
        dry_run: bool,
        would_delete: usize,
        units: Vec<DeletedUnit>,
    },
    Deleted {
        dry_run: bool,
        deleted: usize,
        ids: Vec<i64>,
    },
}

/// One file's line of `import --format json`: its report, or where and
/// why it was refused (nothing of it was imported then).
#[derive(Debug, Serialize)]
pub struct ImportResult<'a> {
    pub file: String,
    pub ok: bool,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub report: Option<&'a FileReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ImportErrorJson>,
}

/// An import error's place (when the input was at fault) and message.
#[derive(Debug, Clone, Serialize)]
pub struct ImportErrorJson {
    pub line: Option<u64>,
    pub column: Option<u64>,
    pub message: String,
}

impl<'a> ImportResult<'a> {
    pub fn new(file: &str, result: &'a Result<FileReport, ImportError>) -> ImportResult<'a> {
        match result {
            Ok(report) => ImportResult {
                file: file.to_string(),
                ok: true,
                report: Some(report),
                error: None,
            },
            Err(err) => ImportResult {
                file: file.to_string(),
                ok: false,
                report: None,
                error: Some(ImportErrorJson::from(err)),
            },
        }
    }
}

impl From<&ImportError> for ImportErrorJson {
    fn from(err: &ImportError) -> ImportErrorJson {
        match err {
            ImportError::Input(Located {
                line,
                column,
                message,
            }) => ImportErrorJson {
                line: Some(*line),
                column: Some(*column),
                message: message.clone(),
            },
            other => ImportErrorJson {
                line: None,
                column: None,
                message: causes(other),
            },
        }
    }
}

/// Why an `--origin NAME` (or an API's `origin`) names no stored origin.
#[derive(Debug, thiserror::Error)]
pub enum OriginError {
    #[error("no origin named {0:?}: the translation memory has no origins yet")]
    NoneYet(String),
    #[error(
        "no origin named {name:?} in the translation memory; its origins are: {}",
        some(known)
    )]
    Unknown { name: String, known: Vec<String> },
    #[error(
        "{name:?} names several origins: {}; give one of them in full",
        some(names)
    )]
    Ambiguous { name: String, names: Vec<String> },
    #[error(transparent)]
    Tm(#[from] crate::tm::TmError),
}

/// The first 20 names, quoted, and how many more.
fn some(names: &[String]) -> String {
    let mut s = names
        .iter()
        .take(20)
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > 20 {
        s.push_str(&format!(
            ", … and {} more (tarjuman stats lists them)",
            names.len() - 20
        ));
    }
    s
}

/// The stored origin a name the user typed means (its file name or a path
/// to the file), for every command and route that takes an origin.
pub fn resolve_origin(store: &dyn TmStore, name: &str) -> Result<String, OriginError> {
    use crate::tm::read::{find_origin, Origin};
    match find_origin(store, name)? {
        Origin::Found(stored) => Ok(stored),
        Origin::Unknown { known } if known.is_empty() => Err(OriginError::NoneYet(name.into())),
        Origin::Unknown { known } => Err(OriginError::Unknown {
            name: name.into(),
            known,
        }),
        Origin::Ambiguous(names) => Err(OriginError::Ambiguous {
            name: name.into(),
            names,
        }),
    }
}

/// An error and its causes, joined as the CLI prints them ("a: b: c").
pub fn causes(err: &dyn std::error::Error) -> String {
    std::iter::successors(Some(err), |e| e.source())
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}

/// A language tag option, normalized (`AR_sy` → `ar-SY`).
pub fn parse_lang(s: &str) -> Result<String, String> {
    crate::text::lang::normalize(s)
        .filter(|t| t != "*all*")
        .ok_or_else(|| format!("`{s}` is not a language tag (try ar, en, ar-SY, en-GB)"))
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

/// What to export: the format, the languages (already normalized) and
/// which units.
#[derive(Debug, Clone)]
pub struct ExportSpec {
    pub format: FileFormat,
    pub src_lang: Option<String>,
    pub tgt_lang: Option<String>,
    pub filter: UnitFilter,
}

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// TSV needs a language pair and the TM holds none that fits.
    #[error("the TM has no units for that language pair; give --src-lang and --tgt-lang")]
    NoPair,
    /// Reading the TM failed.
    #[error(transparent)]
    Tm(#[from] crate::tm::TmError),
    /// Writing the output failed (a full disk, a closed pipe).
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Write the units `spec` selects to `out` as TMX 1.4b or TSV; `progress`
/// is called now and then with the units written so far. Returns how many
/// were written. TSV has exactly two columns: without both languages, the
/// most common pair (matching the one given, if any) is taken.
pub fn export(
    store: &dyn TmStore,
    spec: &ExportSpec,
    mut out: &mut (dyn Write + Send),
    mut progress: impl FnMut(u64) + Send,
) -> Result<u64, ExportError> {
    let (src, tgt) = match spec.format {
        FileFormat::Tmx => (spec.src_lang.clone(), spec.tgt_lang.clone()),
        FileFormat::Tsv => {
            let (s, t) = match (&spec.src_lang, &spec.tgt_lang) {
                (Some(s), Some(t)) => (s.clone(), t.clone()),
                (s, t) => store
                    .most_common_pair_matching(s.as_deref(), t.as_deref())?
                    .ok_or(ExportError::NoPair)?,
            };
            (Some(s), Some(t))
        }
    };
    // SQLite reads on this thread while a second one writes the output.
    let mut shown = 0u64;
    let written = match spec.format {
        FileFormat::Tsv => {
            let (s, t) = (src.as_deref().unwrap_or(""), tgt.as_deref().unwrap_or(""));
            crate::tsv::write_pair(&mut out, s, t)?;
            crate::tm::for_each_unit_piped(
                store,
                &spec.filter,
                |unit| select_languages(unit, Some(s), Some(t)),
                |unit| {
                    crate::tsv::write_pair(
                        &mut out,
                        &unit.variants[0].seg.plain,
                        &unit.variants[1].seg.plain,
                    )?;
                    shown += 1;
                    if shown % 4096 == 0 {
                        progress(shown);
                    }
                    Ok::<(), ExportError>(())
                },
            )?
        }
        FileFormat::Tmx => {
            let header = crate::unit::Header {
                srclang: match &src {
                    Some(s) => Some(s.clone()),
                    None => store.most_common_source()?,
                },
                stamp: crate::unit::Stamp {
                    creation_date: Some(crate::tm::now_tmx()),
                    ..Default::default()
                },
                ..Default::default()
            };
            let mut tmx = crate::tmx::write::TmxWriter::new(&mut *out, &header)?;
            let written = crate::tm::for_each_unit_piped(
                store,
                &spec.filter,
                |unit| select_languages(unit, src.as_deref(), tgt.as_deref()),
                |unit| {
                    tmx.write_unit(unit)?;
                    shown += 1;
                    if shown % 4096 == 0 {
                        progress(shown);
                    }
                    Ok::<(), ExportError>(())
                },
            )?;
            tmx.finish()?;
            written
        }
    };
    out.flush()?;
    Ok(written)
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

    #[test]
    fn language_options_are_normalized_or_refused() {
        assert_eq!(parse_lang("AR_sy").unwrap(), "ar-SY");
        assert!(parse_lang("*all*").is_err());
        assert!(parse_lang("").is_err());
    }
}

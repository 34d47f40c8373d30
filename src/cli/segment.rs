//! `tarjuman segment`: split a text file into sentences.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::ValueEnum;

use super::OutputFormat;
use tarjuman::text::segment::{Lang, Paragraphs, Segmenter, Semicolon, Sentence};
use tarjuman::text::srx::SrxRules;

const AFTER_HELP: &str = "\
Text output: one sentence per line, a blank line between paragraphs.
JSON output: one object per line (JSON Lines):
  {\"text\":..., \"paragraph\":0, \"start\":0, \"end\":42}
start/end count Unicode scalar values (characters, not bytes) into the
decoded input without its byte-order mark; end is exclusive.

Input: UTF-8 (with or without BOM) or UTF-16 with a BOM; anything else
needs --encoding (e.g. windows-1256 for Arabic Windows files).

Examples:
  tarjuman segment article-ar.txt
  curl -s URL | tarjuman segment - --lang en --format json";

#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The text file to split (`-` reads standard input).
    #[arg(value_name = "FILE", default_value = "-")]
    pub file: PathBuf,

    /// Language rules: ar or en (any tag: ar-SY, en-GB). Default: detected
    /// from the script of the letters (mostly Arabic → ar).
    #[arg(short, long, value_name = "LANG", value_parser = parse_lang)]
    pub lang: Option<Lang>,

    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,

    /// More abbreviations, one per line (`#` comments; `#NUMERIC_ONLY#` or
    /// `#MAY_END#` after an entry: see data/abbrev/en.txt). Repeatable.
    #[arg(long, value_name = "FILE")]
    pub abbrev: Vec<PathBuf>,

    /// What breaks paragraphs: every line (web articles) or blank lines
    /// only (hard-wrapped text, single line breaks become spaces).
    #[arg(long, value_enum, default_value_t = ParagraphArg::Lines)]
    pub paragraphs: ParagraphArg,

    /// When the Arabic semicolon ؛ ends a sentence: never (it joins clauses
    /// of one sentence), between two long clauses (6+ words each, not before
    /// لأن/إذ/حيث…), or always.
    #[arg(long, value_enum, default_value_t = SemicolonArg::Never)]
    pub semicolon: SemicolonArg,

    /// Split paragraphs with the rules of an SRX 2.0 file (OmegaT, Okapi)
    /// instead of the built-in ones. Look-around patterns are skipped with
    /// a warning.
    #[arg(long, value_name = "FILE")]
    pub srx: Option<PathBuf>,

    /// The language code to look up in the SRX file's maprules (default:
    /// the --lang tag, or the detected ar/en).
    #[arg(long, value_name = "CODE", requires = "srx")]
    pub srx_lang: Option<String>,

    /// The input's character encoding (WHATWG label: windows-1256,
    /// iso-8859-6, utf-16le…). Default: UTF-8, or UTF-16 by its BOM.
    #[arg(long, value_name = "LABEL")]
    pub encoding: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ParagraphArg {
    Lines,
    Blank,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SemicolonArg {
    Never,
    Long,
    Always,
}

fn parse_lang(tag: &str) -> Result<Lang, String> {
    Lang::from_tag(tag).ok_or_else(|| format!("`{tag}`: segmentation rules exist for ar and en"))
}

pub fn run(args: Args, ctx: &super::Ctx) -> anyhow::Result<ExitCode> {
    let name = if args.file == Path::new("-") {
        "standard input".to_string()
    } else {
        args.file.display().to_string()
    };
    let bytes = read_input(&args.file).with_context(|| format!("cannot read {name}"))?;
    let text = decode(&bytes, args.encoding.as_deref()).with_context(|| name.clone())?;

    let lang = args.lang.unwrap_or_else(|| Lang::detect(&text));
    let mut segmenter = Segmenter::new(lang)
        .with_paragraphs(match args.paragraphs {
            ParagraphArg::Lines => Paragraphs::Lines,
            ParagraphArg::Blank => Paragraphs::BlankLines,
        })
        .with_semicolon(match args.semicolon {
            SemicolonArg::Never => Semicolon::Never,
            SemicolonArg::Long => Semicolon::Long,
            SemicolonArg::Always => Semicolon::Always,
        });
    for path in &args.abbrev {
        let list = std::fs::read_to_string(path).with_context(|| {
            format!(
                "cannot read the abbreviation list {} (UTF-8 text expected)",
                path.display()
            )
        })?;
        segmenter
            .add_abbreviations(&list)
            .with_context(|| format!("abbreviation list {}", path.display()))?;
    }

    if let Some(path) = &args.srx {
        let xml = std::fs::read_to_string(path).with_context(|| {
            format!(
                "cannot read the SRX file {} (UTF-8 XML expected)",
                path.display()
            )
        })?;
        let code = args.srx_lang.as_deref().unwrap_or(lang.tag());
        let (rules, warnings) =
            SrxRules::parse(&xml, code).with_context(|| format!("SRX file {}", path.display()))?;
        for warning in warnings {
            ctx.say(&format!("{}: {warning}", path.display()));
        }
        segmenter = segmenter.with_srx(rules);
    }

    let sentences = segmenter.split(&text);
    let paragraphs = sentences.last().map_or(0, |s| s.paragraph + 1);
    match write_sentences(&text, &sentences, args.format) {
        Ok(()) => {}
        // `tarjuman segment big.txt | head`: the reader left; not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        Err(e) => return Err(e).context("cannot write to standard output"),
    }
    let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    ctx.say(&format!(
        "{} in {} ({}) from {name}",
        plural(sentences.len(), "sentence"),
        plural(paragraphs, "paragraph"),
        lang.tag()
    ));
    Ok(ExitCode::SUCCESS)
}

fn read_input(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        std::io::stdin().lock().read_to_end(&mut bytes)?;
    } else {
        bytes = std::fs::read(path)?;
    }
    Ok(bytes)
}

/// The text of `bytes`: UTF-8 (BOM dropped), UTF-16 by its BOM, or the
/// encoding named by `label`. Errors say where the bytes went wrong and
/// what to pass instead.
pub fn decode(bytes: &[u8], label: Option<&str>) -> anyhow::Result<String> {
    if let Some(label) = label {
        let Some(encoding) = encoding_rs::Encoding::for_label(label.trim().as_bytes()) else {
            bail!(
                "unknown encoding `{label}`: use a WHATWG label such as utf-8, \
                 windows-1256, iso-8859-6, utf-16le"
            );
        };
        let (text, used, had_errors) = encoding.decode(bytes);
        if had_errors {
            let at = text.find('\u{FFFD}').unwrap_or(0);
            let (line, column) = line_column(&text, at);
            bail!(
                "not valid {} at line {line}, column {column}: check the --encoding",
                used.name()
            );
        }
        return Ok(text.into_owned());
    }
    if let Some((encoding, _)) = encoding_rs::Encoding::for_bom(bytes) {
        if encoding != encoding_rs::UTF_8 {
            let (text, had_errors) = encoding.decode_with_bom_removal(bytes);
            if had_errors {
                bail!("not valid {} after its byte-order mark", encoding.name());
            }
            return Ok(text.into_owned());
        }
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Some(at) = body.iter().position(|&b| b == 0) {
        bail!(
            "this looks like a binary file (a NUL byte at byte {at}), not text: segment reads \
             plain text (UTF-8, UTF-16 with a byte-order mark, or --encoding LABEL)"
        );
    }
    match std::str::from_utf8(body) {
        Ok(text) => Ok(text.to_string()),
        Err(e) => {
            let valid = &body[..e.valid_up_to()];
            let valid = std::str::from_utf8(valid).unwrap_or_default();
            let (line, column) = line_column(valid, valid.len());
            let byte = body[e.valid_up_to()];
            let hint = if looks_like_windows_1256(body) {
                "it looks like windows-1256 (Arabic Windows): rerun with --encoding windows-1256"
            } else {
                "convert it to UTF-8 or name its encoding with --encoding LABEL \
                 (e.g. windows-1256, iso-8859-6, windows-1252)"
            };
            bail!("not valid UTF-8 at line {line}, column {column} (byte 0x{byte:02X}): {hint}")
        }
    }
}

/// 1-based line and column (in characters) of byte offset `at` in `text`.
fn line_column(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Do most non-ASCII bytes decode to Arabic letters under windows-1256?
/// (A few stray bytes prove nothing.)
fn looks_like_windows_1256(bytes: &[u8]) -> bool {
    let (text, _) = encoding_rs::WINDOWS_1256.decode_without_bom_handling(bytes);
    let (mut arabic, mut other) = (0usize, 0usize);
    for c in text.chars().filter(|c| !c.is_ascii()) {
        if ('\u{0600}'..='\u{06FF}').contains(&c) {
            arabic += 1;
        } else {
            other += 1;
        }
    }
    arabic >= 4 && arabic > 2 * other
}

/// One line of `--format json`, fields in reading order.
#[derive(serde::Serialize)]
struct JsonSentence<'a> {
    text: &'a str,
    paragraph: usize,
    start: usize,
    end: usize,
}

/// Text: one sentence per line (line breaks inside a sentence become
/// spaces), a blank line between paragraphs. JSON Lines with character
/// offsets.
fn write_sentences(
    text: &str,
    sentences: &[Sentence],
    format: OutputFormat,
) -> std::io::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match format {
        OutputFormat::Text => {
            let mut paragraph = None;
            for s in sentences {
                if paragraph.is_some_and(|p| p != s.paragraph) {
                    writeln!(out)?;
                }
                paragraph = Some(s.paragraph);
                if s.text.contains(['\n', '\r', '\u{2028}']) {
                    let joined: Vec<&str> =
                        s.text.split(['\n', '\u{2028}']).map(str::trim).collect();
                    writeln!(out, "{}", joined.join(" "))?;
                } else {
                    writeln!(out, "{}", s.text)?;
                }
            }
        }
        OutputFormat::Json => {
            // Byte offsets → character offsets, in one pass (sentences are ordered).
            let (mut byte, mut chars) = (0usize, 0usize);
            let mut to_chars = |at: usize| {
                chars += text[byte..at].chars().count();
                byte = at;
                chars
            };
            for s in sentences {
                let start = to_chars(s.start);
                let end = to_chars(s.end);
                let line = JsonSentence {
                    text: &s.text,
                    paragraph: s.paragraph,
                    start,
                    end,
                };
                serde_json::to_writer(&mut out, &line)?;
                writeln!(out)?;
            }
        }
    }
    out.flush()
}

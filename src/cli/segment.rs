//! `tarjuman segment`: split a text file into sentences.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::ValueEnum;

use super::OutputFormat;
use tarjuman::input;
use tarjuman::text::segment::{Lang, Paragraphs, Segmenter, Semicolon, Sentence};
use tarjuman::text::srx::SrxRules;

const AFTER_HELP: &str = "\
Text output: one sentence per line, a blank line between paragraphs.
JSON output: one object per line (JSON Lines):
  {\"text\":..., \"paragraph\":0, \"start\":0, \"end\":42}
start/end count Unicode scalar values (characters, not bytes) into the
decoded input without its byte-order mark; end is exclusive.

Input: UTF-8 (with or without BOM) or UTF-16 (by its BOM or its NUL bytes);
anything else needs --encoding (e.g. windows-1256 for Arabic Windows files).

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

    #[command(flatten)]
    pub encoding: super::EncodingArg,
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
    let text = super::read_text(&args.file, &args.encoding)?;

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
        let list = input::read_file(path, None)?;
        segmenter
            .add_abbreviations(&list)
            .with_context(|| format!("abbreviation list {}", path.display()))?;
    }

    if let Some(path) = &args.srx {
        let xml = input::read_file(path, None)?;
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

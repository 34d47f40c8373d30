//! `tarjuman lookup`: fuzzy matches for one sentence, or for every sentence
//! (or line) of a file, answered in one process.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};

use super::OutputFormat;
use tarjuman::text::segment::{Lang, Segmenter};
use tarjuman::tm::diff::DiffOp;
use tarjuman::tm::fuzzy::{Match, Matcher};

/// Look sentences up in the translation memory.
///
/// Scores (0–101): 100·(1 − d/max(n,m)) over the words and numbers of the
/// matching keys (d = word edit distance); 96–99 when only numbers,
/// punctuation, case, harakat or hamza forms differ; 100 identical; 101
/// identical with the same previous sentence (context match).
///
/// With several queries (--file, or - for stdin) the input is by default
/// running text: it is split into sentences (as `segment` and `align` do,
/// each line a paragraph) and each sentence is one query. With --input lines
/// each line is one query, as given. Either way the query before is the
/// context of the next, and blank lines are skipped. Many queries are
/// looked up on every core (--jobs), each thread with its own connection
/// to the TM; the answers come out in the order of the queries.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Differences from the stored source to the query are shown as [-stored-]{+query+}, \
or in red/green on a terminal (NO_COLOR turns colour off). Arabic runs are wrapped in Unicode \
isolates (FSI … PDI) on a terminal, so that bidi terminals keep the markers in place; piped or \
redirected output has no isolates."
)]
pub struct Args {
    /// The sentence to look up; `-` reads queries from stdin (see --input).
    #[arg(
        value_name = "TEXT",
        required_unless_present = "file",
        conflicts_with = "file"
    )]
    pub text: Option<String>,

    /// Read queries from this file (see --input).
    #[arg(long, short, value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// What --file or stdin holds: running text, split into sentences (the
    /// default: a document is looked up sentence by sentence, as a CAT tool
    /// segments it), or one query a line, used as given (for a list already
    /// segmented, where a line is one segment whatever its punctuation).
    #[arg(long, value_enum, default_value_t = Input::Text)]
    pub input: Input,

    #[command(flatten)]
    pub encoding: super::EncodingArg,

    /// Lowest score shown (1–101).
    #[arg(long, default_value_t = 70, value_parser = clap::value_parser!(u8).range(1..=101))]
    pub min: u8,

    /// Most matches per query.
    #[arg(long, default_value_t = 5)]
    pub top: usize,

    /// Source language of the queries.
    #[arg(long, default_value = "ar", value_name = "LANG")]
    pub src_lang: String,

    /// Target language of the matches.
    #[arg(long, default_value = "en", value_name = "LANG")]
    pub tgt_lang: String,

    /// Output: readable text, or JSON Lines (one object per query).
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,

    /// How many threads look queries up at once, each with its own
    /// connection to the TM (default: one per core).
    #[arg(long, short, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
}

/// Queries a lookup thread answers between two hand-overs.
const BLOCK: usize = 32;

pub fn run(args: Args, ctx: &super::Ctx) -> Result<ExitCode> {
    let queries = read_queries(&args)?;
    let style = Style::detect();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let many = queries.len() > 1;
    let mut matched = 0usize;
    look_up_all(ctx, &args, &queries, |k, matches| {
        let query = &queries[k];
        matched += usize::from(!matches.is_empty());
        match args.format {
            OutputFormat::Json => {
                let obj = serde_json::to_string(&tarjuman::api::LookupResult {
                    query: query.clone(),
                    matches,
                })?;
                writeln!(out, "{obj}")?;
            }
            OutputFormat::Text => {
                if many {
                    writeln!(out, "{}. {}", k + 1, isolate(query))?;
                }
                write_matches(&mut out, &matches, args.min, &style)?;
            }
        }
        Ok(())
    })?;
    out.flush()?;
    ctx.say(&format!(
        "{} of {} {} matched at ≥ {}%",
        matched,
        queries.len(),
        if queries.len() == 1 {
            "query"
        } else {
            "queries"
        },
        args.min
    ));
    Ok(ExitCode::SUCCESS)
}

/// What a lookup thread sends back: a block's matches, query by query.
type Answers = Result<Vec<Vec<Match>>>;

/// Look every query up (the one before it its context) and hand the
/// matches to `emit` in query order. Threads (--jobs) take blocks of
/// queries in turn, each block's answers queued for the caller, at most
/// two blocks ahead per thread, so memory stays bounded however long the
/// input.
fn look_up_all(
    ctx: &super::Ctx,
    args: &Args,
    queries: &[String],
    mut emit: impl FnMut(usize, Vec<Match>) -> Result<()>,
) -> Result<()> {
    let blocks = queries.len().div_ceil(BLOCK);
    let jobs = super::threads(args.jobs, blocks);
    std::thread::scope(|scope| -> Result<()> {
        let mut answers = Vec::with_capacity(jobs);
        for first in 0..jobs {
            let (send, answer) = std::sync::mpsc::sync_channel::<Answers>(2);
            answers.push(answer);
            scope.spawn(move || {
                let blocks = (first..blocks).step_by(jobs);
                if let Err(e) = look_up_blocks(ctx, args, queries, blocks, &send) {
                    let _ = send.send(Err(e));
                }
            });
        }
        for b in 0..blocks {
            let found = answers[b % jobs]
                .recv()
                .map_err(|_| anyhow::anyhow!("a lookup thread stopped"))??;
            for (i, matches) in found.into_iter().enumerate() {
                emit(b * BLOCK + i, matches)?;
            }
        }
        Ok(())
    })
}

/// One lookup thread: its own connection and matcher, the answers of
/// each of `blocks` sent in turn (until the caller stops listening).
fn look_up_blocks(
    ctx: &super::Ctx,
    args: &Args,
    queries: &[String],
    blocks: impl Iterator<Item = usize>,
    send: &std::sync::mpsc::SyncSender<Answers>,
) -> Result<()> {
    let store = ctx.open_index()?;
    let matcher = Matcher::new(&*store, &args.src_lang, &args.tgt_lang)?;
    for b in blocks {
        let mut found = Vec::with_capacity(BLOCK);
        for k in b * BLOCK..((b + 1) * BLOCK).min(queries.len()) {
            let (query, prev) = (&queries[k], k.checked_sub(1).map(|p| queries[p].as_str()));
            let matches = matcher
                .lookup(query, prev, args.min, args.top)
                .with_context(|| format!("looking up query {} ({query:?})", k + 1))?;
            found.push(matches);
        }
        if send.send(Ok(found)).is_err() {
            break; // the caller stopped
        }
    }
    Ok(())
}

fn read_queries(args: &Args) -> Result<Vec<String>> {
    let lines = |text: &str| -> Vec<String> {
        match args.input {
            Input::Lines => text
                .lines()
                .map(|l| l.trim_end_matches('\r'))
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string)
                .collect(),
            Input::Text => {
                let lang = Lang::from_tag(&args.src_lang).unwrap_or_else(|| Lang::detect(text));
                Segmenter::new(lang)
                    .split(text)
                    .into_iter()
                    .map(|s| s.text)
                    .collect()
            }
        }
    };
    let queries = match (&args.file, args.text.as_deref()) {
        (Some(path), _) => lines(&super::read_text(path, &args.encoding)?),
        (None, Some("-")) => lines(&tarjuman::input::read_stdin(args.encoding.encoding)?),
        (None, Some(text)) => {
            if text.trim().is_empty() {
                bail!("the query is empty: give a sentence to look up, --file FILE, or - to read stdin");
            }
            vec![text.to_string()]
        }
        (None, None) => bail!("give a sentence to look up, --file FILE, or - to read stdin"),
    };
    if queries.is_empty() {
        bail!("no queries: the input has only blank lines");
    }
    Ok(queries)
}

/// What a file or stdin of queries holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Input {
    /// Running text, split into sentences by the segmenter.
    Text,
    /// One query a line, used as given.
    Lines,
}

/// How differences are marked.
pub(crate) struct Style {
    pub colour: bool,
}

impl Style {
    /// Colour on a terminal unless NO_COLOR is set.
    pub fn detect() -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            colour: !no_color && std::io::stdout().is_terminal(),
        }
    }

    pub fn deleted(&self, t: &str) -> String {
        if self.colour {
            format!("\x1b[31;9m{}\x1b[0m", isolate(t))
        } else {
            format!("[-{}-]", isolate(t))
        }
    }

    pub fn inserted(&self, t: &str) -> String {
        if self.colour {
            format!("\x1b[32;4m{}\x1b[0m", isolate(t))
        } else {
            format!("{{+{}+}}", isolate(t))
        }
    }

    pub fn hit(&self, t: &str) -> String {
        if self.colour {
            format!("\x1b[1;33m{}\x1b[0m", isolate(t))
        } else {
            format!("[[{}]]", isolate(t))
        }
    }
}

/// Has the text right-to-left letters (Arabic, Hebrew, Syriac, Thaana…)?
fn has_rtl(t: &str) -> bool {
    t.chars()
        .any(|c| matches!(c, '\u{0590}'..='\u{08FF}' | '\u{FB1D}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}'))
}

/// Is stdout a terminal? Asked once.
fn stdout_is_terminal() -> bool {
    static TERMINAL: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *TERMINAL.get_or_init(|| std::io::stdout().is_terminal())
}

/// Wrap right-to-left text in FSI … PDI so that markers around it stay put
/// on a bidi terminal; into a pipe or file the text goes as it is (the
/// isolates would end up in whatever reads it).
pub(crate) fn isolate(t: &str) -> String {
    isolate_if(t, stdout_is_terminal())
}

/// `isolate` for a stream: wrap only when `terminal`.
pub(crate) fn isolate_if(t: &str, terminal: bool) -> String {
    if terminal && has_rtl(t) {
        format!("\u{2068}{t}\u{2069}")
    } else {
        t.to_string()
    }
}

/// A diff as one line: unchanged text plain, changes marked; any run of
/// whitespace before a piece shown as one space.
pub(crate) fn render_diff(ops: &[DiffOp], style: &Style) -> String {
    let mut line = String::new();
    let mut after_deleted = false;
    for op in ops {
        let text = op.text();
        let body = text.trim();
        let gap = text.starts_with(char::is_whitespace);
        // A changed word reads [-old-]{+new+}, without a gap; a word kept
        // after one deleted at the start of the query still needs one.
        let space = match op {
            DiffOp::Inserted(_) => gap && !after_deleted,
            DiffOp::Same(_) => gap || (after_deleted && body.starts_with(char::is_alphanumeric)),
            DiffOp::Deleted(_) => gap,
        };
        if space && !line.is_empty() {
            line.push(' ');
        }
        after_deleted = matches!(op, DiffOp::Deleted(_));
        match op {
            DiffOp::Same(_) => line.push_str(&isolate(body)),
            DiffOp::Deleted(_) => line.push_str(&style.deleted(body)),
            DiffOp::Inserted(_) => line.push_str(&style.inserted(body)),
        }
    }
    line
}

/// A TMX date as YYYY-MM-DD.
pub(crate) fn short_date(d: &str) -> String {
    if d.len() >= 8 && d.as_bytes()[..8].iter().all(u8::is_ascii_digit) {
        format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..8])
    } else {
        d.to_string()
    }
}

fn write_matches(out: &mut impl Write, matches: &[Match], min: u8, style: &Style) -> Result<()> {
    if matches.is_empty() {
        writeln!(out, "  no match at ≥ {min}%")?;
        return Ok(());
    }
    for m in matches {
        let label = match m.score {
            101 => "101% context".to_string(),
            s => format!("{s}%"),
        };
        let mut head = format!("  {label}  #{}", m.unit_id);
        if let Some(o) = &m.origin {
            head.push_str(&format!("  {o}"));
        }
        if let Some(d) = &m.date {
            head.push_str(&format!("  {}", short_date(d)));
        }
        writeln!(out, "{head}")?;
        writeln!(out, "    source: {}", render_diff(&m.diff, style))?;
        writeln!(out, "    target: {}", isolate(&m.target))?;
        if let Some(f) = &m.target_fixed {
            writeln!(out, "    fixed:  {}", isolate(f))?;
        }
    }
    Ok(())
}

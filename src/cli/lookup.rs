//! `tarjuman lookup`: fuzzy matches for one sentence or for every line of a
//! file, answered in one process.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};

use super::OutputFormat;
use tarjuman::tm::diff::DiffOp;
use tarjuman::tm::fuzzy::{Match, Matcher};

/// Look sentences up in the translation memory.
///
/// Scores (0–101): 100·(1 − d/max(n,m)) over the words and numbers of the
/// matching keys (d = word edit distance); 96–99 when only numbers,
/// punctuation, case, harakat or hamza forms differ; 100 identical; 101
/// identical with the same previous sentence (context match).
///
/// With several queries (--file, or - for stdin), each line is one query and
/// the line before it is its context. Blank lines are skipped.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Differences from the stored source to the query are shown as [-stored-]{+query+}, \
or in red/green on a terminal (NO_COLOR turns colour off). Arabic runs are wrapped in Unicode \
isolates (FSI … PDI) so that bidi terminals keep the markers in place."
)]
pub struct Args {
    /// The sentence to look up; `-` reads queries from stdin, one a line.
    #[arg(
        value_name = "TEXT",
        required_unless_present = "file",
        conflicts_with = "file"
    )]
    pub text: Option<String>,

    /// Read queries from this file, one a line.
    #[arg(long, short, value_name = "FILE")]
    pub file: Option<PathBuf>,

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
}

pub fn run(args: Args, ctx: &super::Ctx) -> Result<ExitCode> {
    let queries = read_queries(&args)?;
    let store = ctx.open_reader()?;
    let matcher = Matcher::new(&store, &args.src_lang, &args.tgt_lang)?;
    let style = Style::detect();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let many = queries.len() > 1;
    let mut prev: Option<&str> = None;
    let mut matched = 0usize;
    for (k, query) in queries.iter().enumerate() {
        let matches = matcher
            .lookup(query, prev, args.min, args.top)
            .with_context(|| format!("looking up query {} ({query:?})", k + 1))?;
        matched += usize::from(!matches.is_empty());
        match args.format {
            OutputFormat::Json => {
                let obj = serde_json::json!({ "query": query, "matches": matches });
                writeln!(out, "{obj}")?;
            }
            OutputFormat::Text => {
                if many {
                    writeln!(out, "{}. {}", k + 1, isolate(query))?;
                }
                write_matches(&mut out, &matches, args.min, &style)?;
            }
        }
        prev = Some(query);
    }
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

fn read_queries(args: &Args) -> Result<Vec<String>> {
    let lines = |text: &str| -> Vec<String> {
        text.lines()
            .map(|l| l.trim_end_matches('\r'))
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect()
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

/// Wrap right-to-left text in FSI … PDI so that markers around it stay put.
pub(crate) fn isolate(t: &str) -> String {
    if has_rtl(t) {
        format!("\u{2068}{t}\u{2069}")
    } else {
        t.to_string()
    }
}

/// A diff as one line: unchanged text plain, changes marked.
pub(crate) fn render_diff(ops: &[DiffOp], style: &Style) -> String {
    let mut line = String::new();
    let mut after_deleted = false;
    for op in ops {
        let text = op.text();
        let (space, body) = match text.strip_prefix(' ') {
            Some(rest) => (" ", rest),
            None => ("", text),
        };
        // A changed word reads [-old-]{+new+}, without a gap.
        let replaces = after_deleted && matches!(op, DiffOp::Inserted(_));
        if !replaces {
            line.push_str(space);
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

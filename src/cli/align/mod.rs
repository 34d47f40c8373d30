//! `tarjuman align`: align an Arabic text with its English translation,
//! or a whole archive of pairs (`--batch`).
//!
//! - `read`: one pair's files, decoded, checked (`check`) and split;
//! - `dicts`: the dictionaries, loaded once per run;
//! - `output`: the output formats;
//! - `batch`: many pairs on every core.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};

use tarjuman::align::{self, AlignOptions, Alignment, Lexicon};

mod batch;
mod check;
mod dicts;
mod output;
mod read;

use read::Text;

const AFTER_HELP: &str = "\
Output formats (-o PATH writes to a file, else stdout):
  tsv    src_ids<TAB>tgt_ids<TAB>score<TAB>src_text<TAB>tgt_text per link;
         ids 0-based and comma-separated, empty for an omission (1-0/0-1);
         texts of a multi-sentence side joined by a space, tabs and line
         breaks inside replaced by spaces; with --allow-moves a sixth
         column, `moved` on links recovered out of order
  json   one object per link per line: {\"src\":[..],\"tgt\":[..],
         \"score\":..,\"moved\":false,\"src_text\":..,\"tgt_text\":..}
  tmx    TMX 1.4b, one unit per link with both sides (omissions left out),
         with origin, context and the score as a prop (and
         x-tarjuman-align-moved=yes on a moved link)
  moses  two line-parallel files PREFIX.ar and PREFIX.en (needs -o PREFIX),
         one line per link with both sides
  html   a side-by-side review page: Arabic right-to-left, links coloured by
         confidence, omissions shown, a summary at the top

Sentence ids: with --input text, the sentences the segmenter finds, in
order; with --input lines, the 0-based line numbers of the files (blank
lines are paragraph breaks and never part of a link, but they count, so
line numbers stay valid).

Links are in order on both sides: each link's Arabic and English come
after the previous link's. --allow-moves lets runs of several sentences
with strong lexical evidence link out of order (swapped paragraphs); they
are marked moved, and the summary counts them.

The score is the link's posterior probability under the alignment model
(the chance it is right; for an omission, the chance its sentence has no
counterpart). --import stores the links with both sides and a
score of at least --min-score in the translation memory (origin
\"AR_FILE + EN_FILE\", each unit with the neighbouring Arabic sentences as
context) and learns word pairs from them for later alignments.

Inputs: each file is read as --encoding says, else UTF-8 or UTF-16 by its
byte-order mark or NUL bytes (windows-1256 needs --encoding windows-1256).
AR_FILE must be mostly Arabic letters and EN_FILE mostly Latin ones: a
swapped or one-language pair is refused (exit 1) before aligning. An HTML or
XML page (a doctype, an XML declaration or a tag at the start, or tags on a
third of the lines) is refused too, with the place of its first tag: save it
as plain text first. A sentence quoting a tag or two is plain text.

Dictionaries: the built-in core lexicon; --dict FILE (TSV
arabic<TAB>english, repeatable); FreeDict's Arabic-English dictionary when
installed (Debian dict-freedict-ara-eng, or $TARJUMAN_FREEDICT), parsed once
into a cache file in the user cache directory ($XDG_CACHE_HOME/tarjuman) and
read from there afterwards; word pairs learned from earlier --import runs in
the translation memory (when it exists). The summary on stderr names the
dictionaries used. The links depend on them: for output that is the same on
every machine, use --no-freedict and a fresh --db (or none).

Batch (--batch): a whole archive in one run, on every core. Either
  --batch PAIRS.tsv       one pair a line: Arabic path<TAB>English path
                          (relative paths from the TSV's folder; # comments)
  --batch AR_DIR EN_DIR   files paired by name: the same name in both, or
                          names that differ only by a -ar/-en (_ar/_en, .ar/.en)
                          tag; files without a partner are reported
Outputs: one file per pair in --out-dir DIR (named after the pair, with the
format's extension; moses: NAME.ar and NAME.en), or with --format tmx and no
--out-dir one TMX for the whole archive (-o or stdout). --import stores each
pair in its own transaction: a pair that fails (unreadable, swapped, HTML) is
reported and the others are still aligned and stored. One summary line per
pair and a total on stderr; the exit code is 1 when any pair failed or any
file had no partner.

Correcting an alignment: write it as TSV (the default format), fix it in a
spreadsheet or an editor (move text between rows, empty a side for an
omission, delete scores you have checked), then `tarjuman import FILE.tsv`:
the file is recognised by its columns (or give --from align-tsv) and the
rows with both sides are stored as they now read.

Examples:
  tarjuman align article-ar.txt article-en.txt
  tarjuman align --format html -o review.html article-ar.txt article-en.txt
  tarjuman align --input lines --format json ar.txt en.txt
  tarjuman align --import --min-score 0.7 article-ar.txt article-en.txt
  tarjuman align --batch --import --out-dir aligned/ archive/ar archive/en
  tarjuman align --batch pairs.tsv --format tmx -o archive.tmx";

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Tsv,
    Json,
    Tmx,
    Moses,
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Input {
    /// Running text, split into sentences by the segmenter.
    Text,
    /// One sentence per line, used as given.
    Lines,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ParagraphMode {
    /// Blank lines when the text is hard-wrapped, else every line.
    Auto,
    /// Every line is a paragraph (web text).
    Lines,
    /// Paragraphs are separated by blank lines.
    Blank,
}

#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The Arabic text (with --batch: PAIRS.tsv, or the Arabic folder).
    #[arg(value_name = "AR_FILE")]
    pub ar_file: PathBuf,

    /// The English translation (with --batch: the English folder, or
    /// nothing after PAIRS.tsv).
    #[arg(value_name = "EN_FILE", required_unless_present = "batch")]
    pub en_file: Option<PathBuf>,

    /// Align many pairs: AR_FILE is a TSV of pairs, or AR_FILE and EN_FILE
    /// are two folders whose files are paired by name.
    #[arg(long)]
    pub batch: bool,

    /// With --batch: write one output file per pair into this folder.
    #[arg(long, value_name = "DIR", requires = "batch")]
    pub out_dir: Option<PathBuf>,

    /// With --batch: how many pairs to align at once (default: one per core).
    #[arg(long, value_name = "N", requires = "batch", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,

    #[command(flatten)]
    pub encoding: super::EncodingArg,

    /// Running text to segment, or one sentence per line.
    #[arg(long, value_enum, default_value_t = Input::Text)]
    pub input: Input,

    /// Where paragraphs end in running text.
    #[arg(long, value_enum, default_value_t = ParagraphMode::Auto)]
    pub paragraphs: ParagraphMode,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Tsv)]
    pub format: Format,

    /// Write to this file (for moses: the prefix of PATH.ar and PATH.en).
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// A bilingual dictionary: TSV, one `arabic<TAB>english` pair per line.
    #[arg(long, value_name = "FILE")]
    pub dict: Vec<PathBuf>,

    /// Do not use FreeDict's Arabic-English dictionary even when installed
    /// (output then does not depend on what the machine has installed).
    #[arg(long)]
    pub no_freedict: bool,

    /// Store the aligned pairs in the translation memory.
    #[arg(long)]
    pub import: bool,

    /// Recover material the translation moved (swapped paragraphs): runs
    /// of several sentences with strong lexical evidence may link out of
    /// order; such links are marked moved in every output format.
    #[arg(long)]
    pub allow_moves: bool,

    /// With --import: store only links with at least this score.
    #[arg(long, default_value_t = 0.5, value_name = "SCORE", value_parser = parse_score)]
    pub min_score: f64,
}

fn parse_score(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(format!("`{s}` is not a score between 0 and 1")),
    }
}

pub fn run(args: Args, ctx: &super::Ctx) -> anyhow::Result<ExitCode> {
    if args.batch {
        return batch::run(&args, ctx);
    }
    let Some(en_file) = &args.en_file else {
        bail!("give the English translation after the Arabic file (AR_FILE EN_FILE)");
    };
    if args.format == Format::Moses && args.output.is_none() {
        bail!("--format moses writes two files: give their prefix with -o PREFIX (PREFIX.ar, PREFIX.en)");
    }
    let (ar, en) = read::pair(&args.ar_file, en_file, &args)?;
    let dicts = dicts::load(&args, ctx)?;
    let spinner = ctx.progress(0, "aligning");
    let result = align_texts(&ar, &en, &dicts.lexicon, args.allow_moves);
    spinner.finish_and_clear();

    let name = pair_name(&args.ar_file, en_file);
    match args.format {
        Format::Moses => {
            let prefix = args.output.as_ref().expect("checked above");
            write_moses(prefix, &result, &ar, &en)?;
        }
        format => write_out(
            &args.output,
            &render(format, &result, &ar, &en, &name, args.allow_moves)?,
        )?,
    }
    summarize(ctx, &result, &ar, &en);
    ctx.say(&dicts.summary);
    if args.import {
        let mut store = ctx.open_store()?;
        let todo = ToImport::new(&result, &ar, &en, &name, args.min_score);
        let line = import(&mut *store, &name, &todo)?;
        ctx.say(&format!("imported into {}: {line}", ctx.db_shown()));
    }
    // The process ends here: freeing the dictionaries (FreeDict's ~100,000
    // strings), the texts and the links one allocation at a time would be
    // ~3% of a 2,700-line alignment's instructions, for nothing.
    std::mem::forget((dicts, ar, en, result));
    Ok(ExitCode::SUCCESS)
}

/// What a pair is called in the TM's origins and in messages.
fn pair_name(ar: &Path, en: &Path) -> String {
    format!("{} + {}", ar.display(), en.display())
}

fn align_texts(ar: &Text, en: &Text, lexicon: &Lexicon, allow_moves: bool) -> Alignment {
    let opts = AlignOptions {
        src_paragraphs: ar.paragraphs.clone(),
        tgt_paragraphs: en.paragraphs.clone(),
        lexicon: lexicon.clone(),
        learn: true,
        allow_moves,
    };
    align::align_detailed(&ar.sentences, &en.sentences, &opts)
}

/// One file's worth of output in any format but moses.
fn render(
    format: Format,
    result: &Alignment,
    ar: &Text,
    en: &Text,
    name: &str,
    moves: bool,
) -> anyhow::Result<Vec<u8>> {
    Ok(match format {
        Format::Tsv => output::tsv(result, ar, en, moves).into_bytes(),
        Format::Json => output::json(result, ar, en).into_bytes(),
        Format::Html => align::html::render(&align::html::Page {
            title: name,
            src: &ar.sentences,
            tgt: &en.sentences,
            src_ids: &ar.ids,
            tgt_ids: &en.ids,
            alignment: result,
        })
        .into_bytes(),
        Format::Tmx => output::tmx(&output::units(result, ar, en, name, 0.0))?,
        Format::Moses => unreachable!("moses writes two files: write_moses"),
    })
}

fn write_moses(prefix: &Path, result: &Alignment, ar: &Text, en: &Text) -> anyhow::Result<()> {
    let (a, e) = output::moses(result, ar, en);
    let pa = with_suffix(prefix, "ar");
    let pe = with_suffix(prefix, "en");
    std::fs::write(&pa, a).with_context(|| format!("{}: cannot write", pa.display()))?;
    std::fs::write(&pe, e).with_context(|| format!("{}: cannot write", pe.display()))?;
    Ok(())
}

fn summarize(ctx: &super::Ctx, result: &Alignment, ar: &Text, en: &Text) {
    let links = &result.links;
    let pairs = links
        .iter()
        .filter(|l| !l.src.is_empty() && !l.tgt.is_empty())
        .count();
    let low = links.iter().filter(|l| l.score < 0.5).count();
    let mean = if links.is_empty() {
        0.0
    } else {
        links.iter().map(|l| l.score).sum::<f64>() / links.len() as f64
    };
    ctx.say(&format!(
        "aligned {} Arabic and {} English sentences: {} links ({} pairs, {} omissions), {} below 0.5, mean score {:.2}; {:.0}% of pairs share words, names or numbers; English/Arabic length ratio {:.2}",
        ar.sentences.len(),
        en.sentences.len(),
        links.len(),
        pairs,
        links.len() - pairs,
        low,
        mean,
        100.0 * result.lexical_support,
        result.ratio
    ));
    if result.moved_links > 0 {
        ctx.say(&format!(
            "{} link(s) moved out of order (--allow-moves)",
            result.moved_links
        ));
    }
    if !links.is_empty()
        && (mean < 0.4 || pairs * 3 < links.len() || (pairs >= 5 && result.lexical_support < 0.4))
    {
        ctx.say(
            "warning: most links are weak: are these two texts really a translation of each other?",
        );
    }
}

fn with_suffix(prefix: &Path, lang: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(".");
    s.push(lang);
    PathBuf::from(s)
}

fn write_out(path: &Option<PathBuf>, bytes: &[u8]) -> anyhow::Result<()> {
    match path {
        Some(p) => {
            std::fs::write(p, bytes).with_context(|| format!("{}: cannot write", p.display()))
        }
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(bytes).and_then(|_| out.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                r => r.context("cannot write to stdout"),
            }
        }
    }
}

/// What importing one pair did.
pub struct Imported {
    pub inserted: u64,
    pub duplicates: u64,
    /// Pairs below --min-score (omissions are never stored).
    pub below: usize,
    pub min_score: f64,
    pub word_pairs: usize,
}

impl std::fmt::Display for Imported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} new, {} already there; {} link(s) below {} and the omissions left out; {} word pairs updated",
            self.inserted, self.duplicates, self.below, self.min_score, self.word_pairs
        )
    }
}

/// What importing an alignment needs, made away from the TM (a batch's
/// workers make it): the units to store and the word pairs to learn.
pub struct ToImport {
    units: Vec<tarjuman::unit::Unit>,
    learned: tarjuman::import::aligned::Learned,
    below: usize,
    min_score: f64,
}

impl ToImport {
    fn new(result: &Alignment, ar: &Text, en: &Text, name: &str, min_score: f64) -> ToImport {
        let mut units = output::units(result, ar, en, name, min_score);
        // Dated like any imported unit, so `export --since` finds them.
        let now = tarjuman::tm::now_tmx();
        for u in &mut units {
            u.stamp.creation_date = Some(now.clone());
        }
        let mut co = align::Cooccurrence::default();
        let every = units.len().div_ceil(align::MAX_LEARN_LINKS).max(1);
        for u in units.iter().step_by(every) {
            co.add_link(&u.variants[0].seg.plain, &u.variants[1].seg.plain);
        }
        let below = result
            .links
            .iter()
            .filter(|l| !l.src.is_empty() && !l.tgt.is_empty() && l.score < min_score)
            .count();
        ToImport {
            units,
            learned: tarjuman::import::aligned::Learned::new(&co),
            below,
            min_score,
        }
    }
}

/// Store the pairs of one alignment in one transaction, then the word
/// pairs learned from them.
fn import(
    store: &mut dyn tarjuman::tm::TmStore,
    name: &str,
    todo: &ToImport,
) -> anyhow::Result<Imported> {
    let origin = tarjuman::tm::write::OriginInfo {
        name: name.to_string(),
        kind: "align".into(),
        header: None,
    };
    let mut writer = store.writer(&origin)?;
    for u in &todo.units {
        writer.add(u, tarjuman::tm::OnDuplicate::Skip)?;
    }
    let summary = writer.commit()?;
    let word_pairs = tarjuman::import::aligned::store_learned(store, &todo.learned)?;
    Ok(Imported {
        inserted: summary.inserted,
        duplicates: summary.duplicates,
        below: todo.below,
        min_score: todo.min_score,
        word_pairs,
    })
}

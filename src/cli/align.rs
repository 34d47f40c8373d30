//! `tarjuman align`: align an Arabic text with its English translation.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};

use tarjuman::align::{self, AlignOptions, Alignment, Lexicon};
use tarjuman::input;
use tarjuman::text::segment::{Lang, Paragraphs, Segmenter};

const AFTER_HELP: &str = "\
Output formats (-o PATH writes to a file, else stdout):
  tsv    src_ids<TAB>tgt_ids<TAB>score<TAB>src_text<TAB>tgt_text per link;
         ids 0-based and comma-separated, empty for an omission (1-0/0-1);
         texts of a multi-sentence side joined by a space, tabs and line
         breaks inside replaced by spaces
  json   one object per link per line:
         {\"src\":[..],\"tgt\":[..],\"score\":..,\"src_text\":..,\"tgt_text\":..}
  tmx    TMX 1.4b, one unit per link with both sides (omissions left out),
         with origin, context and the score as a prop
  moses  two line-parallel files PREFIX.ar and PREFIX.en (needs -o PREFIX),
         one line per link with both sides
  html   a side-by-side review page: Arabic right-to-left, links coloured by
         confidence, omissions shown, a summary at the top

Sentence ids: with --input text, the sentences the segmenter finds, in
order; with --input lines, the 0-based line numbers of the files (blank
lines are paragraph breaks and never part of a link, but they count, so
line numbers stay valid).

The score is the link's posterior probability under the alignment model
(the chance it is right). --import stores the links with both sides and a
score of at least --min-score in the translation memory (origin
\"AR_FILE + EN_FILE\", each unit with the neighbouring Arabic sentences as
context) and learns word pairs from them for later alignments.

Dictionaries: --dict FILE (TSV arabic<TAB>english, repeatable); FreeDict's
Arabic-English dictionary when installed (Debian dict-freedict-ara-eng;
--no-freedict to skip); word pairs learned from earlier --import runs in the
translation memory (when it exists).

Examples:
  tarjuman align article-ar.txt article-en.txt
  tarjuman align --format html -o review.html article-ar.txt article-en.txt
  tarjuman align --input lines --format json ar.txt en.txt
  tarjuman align --import --min-score 0.7 article-ar.txt article-en.txt";

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
    /// The Arabic text.
    #[arg(value_name = "AR_FILE")]
    pub ar_file: PathBuf,

    /// The English translation.
    #[arg(value_name = "EN_FILE")]
    pub en_file: PathBuf,

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

    /// Do not use FreeDict's Arabic-English dictionary even when installed.
    #[arg(long)]
    pub no_freedict: bool,

    /// Store the aligned pairs in the translation memory.
    #[arg(long)]
    pub import: bool,

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

/// Where FreeDict's dictionary lives on Debian.
const FREEDICT: &str = "/usr/share/dictd/freedict-ara-eng";

/// One side as read: sentences, their paragraphs and their ids for output.
struct Text {
    sentences: Vec<String>,
    paragraphs: Vec<usize>,
    /// Output id of each sentence (its line number with --input lines).
    ids: Vec<usize>,
}

pub fn run(args: Args, ctx: &super::Ctx) -> anyhow::Result<ExitCode> {
    if args.format == Format::Moses && args.output.is_none() {
        bail!("--format moses writes two files: give their prefix with -o PREFIX (PREFIX.ar, PREFIX.en)");
    }
    let ar = read_text(&args.ar_file, Lang::Arabic, &args)?;
    let en = read_text(&args.en_file, Lang::English, &args)?;
    let mut lexicon = Lexicon::core();
    for path in &args.dict {
        let text = input::read_file(path, None)?;
        let bad = lexicon.add_tsv(&text);
        if let Some(first) = bad.first() {
            ctx.say(&format!(
                "warning: {}: {} line(s) without a tab were skipped (first: line {first}); the format is arabic<TAB>english",
                path.display(),
                bad.len()
            ));
        }
    }
    if !args.no_freedict {
        if let Some(n) = load_freedict(&mut lexicon, Path::new(FREEDICT))? {
            ctx.say(&format!("using FreeDict Arabic-English ({n} senses)"));
        }
    }
    let db_path = ctx.db_path();
    if db_path.exists() {
        let store = ctx.open_reader()?;
        let learned = tarjuman::import::aligned::load(&store)?;
        lexicon.extend(&learned);
    }
    let opts = AlignOptions {
        src_paragraphs: ar.paragraphs.clone(),
        tgt_paragraphs: en.paragraphs.clone(),
        lexicon,
        learn: true,
    };
    let spinner = ctx.progress(0, "aligning");
    let result = align::align_detailed(&ar.sentences, &en.sentences, &opts);
    spinner.finish_and_clear();

    let name = format!("{} + {}", args.ar_file.display(), args.en_file.display());
    match args.format {
        Format::Tsv => write_out(&args.output, tsv(&result, &ar, &en).as_bytes())?,
        Format::Json => write_out(&args.output, json(&result, &ar, &en).as_bytes())?,
        Format::Html => {
            let page = align::html::render(&align::html::Page {
                title: &name,
                src: &ar.sentences,
                tgt: &en.sentences,
                src_ids: &ar.ids,
                tgt_ids: &en.ids,
                alignment: &result,
            });
            write_out(&args.output, page.as_bytes())?
        }
        Format::Moses => {
            let prefix = args.output.as_ref().expect("checked above");
            let (a, e) = moses(&result, &ar, &en);
            let pa = with_suffix(prefix, "ar");
            let pe = with_suffix(prefix, "en");
            std::fs::write(&pa, a).with_context(|| format!("{}: cannot write", pa.display()))?;
            std::fs::write(&pe, e).with_context(|| format!("{}: cannot write", pe.display()))?;
        }
        Format::Tmx => {
            let units = units(&result, &ar, &en, &name, 0.0);
            write_out(&args.output, &tmx(&units)?)?;
        }
    }
    summarize(ctx, &result, &ar, &en);
    if args.import {
        import(ctx, &result, &ar, &en, &name, args.min_score)?;
    }
    Ok(ExitCode::SUCCESS)
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
    if result.crossing_links > 0 {
        ctx.say(&format!(
            "{} link(s) out of order (moved or swapped paragraphs)",
            result.crossing_links
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

fn read_text(path: &Path, lang: Lang, args: &Args) -> anyhow::Result<Text> {
    let text = input::read_file(path, args.encoding.encoding)?;
    if text.trim().is_empty() {
        bail!("{}: the file is empty: nothing to align", path.display());
    }
    let mut out = Text {
        sentences: Vec::new(),
        paragraphs: Vec::new(),
        ids: Vec::new(),
    };
    match args.input {
        Input::Lines => {
            let mut para = 0;
            let mut after_blank = false;
            for (n, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() {
                    after_blank = true;
                    continue;
                }
                if after_blank && !out.sentences.is_empty() {
                    para += 1;
                }
                after_blank = false;
                out.sentences.push(line.to_string());
                out.paragraphs.push(para);
                out.ids.push(n);
            }
        }
        Input::Text => {
            let mode = match args.paragraphs {
                ParagraphMode::Lines => Paragraphs::Lines,
                ParagraphMode::Blank => Paragraphs::BlankLines,
                ParagraphMode::Auto if hard_wrapped(&text) => Paragraphs::BlankLines,
                ParagraphMode::Auto => Paragraphs::Lines,
            };
            let seg = Segmenter::new(lang).with_paragraphs(mode);
            for (k, s) in seg.split(&text).into_iter().enumerate() {
                out.sentences.push(s.text);
                out.paragraphs.push(s.paragraph);
                out.ids.push(k);
            }
        }
    }
    Ok(out)
}

/// Text broken into lines inside paragraphs (most lines not ending a
/// sentence, paragraphs separated by blank lines).
fn hard_wrapped(text: &str) -> bool {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    if !lines.iter().any(|l| l.is_empty()) {
        return false;
    }
    let mut inner = 0;
    let mut open = 0;
    for w in lines.windows(2) {
        if !w[0].is_empty() && !w[1].is_empty() {
            inner += 1;
            if !w[0].ends_with(['.', '!', '?', '؟', ':', '"', '»', '”']) {
                open += 1;
            }
        }
    }
    inner >= 3 && open * 2 > inner
}

fn load_freedict(lexicon: &mut Lexicon, base: &Path) -> anyhow::Result<Option<usize>> {
    let index_path = base.with_extension("index");
    let dict_path = base.with_extension("dict.dz");
    if !index_path.exists() || !dict_path.exists() {
        return Ok(None);
    }
    let index = std::fs::read_to_string(&index_path).with_context(|| {
        format!(
            "{}: cannot read (use --no-freedict to skip it)",
            index_path.display()
        )
    })?;
    let file = std::fs::File::open(&dict_path).with_context(|| {
        format!(
            "{}: cannot read (use --no-freedict to skip it)",
            dict_path.display()
        )
    })?;
    let mut body = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(file), &mut body)
        .with_context(|| {
            format!(
                "{}: cannot decompress (use --no-freedict to skip it)",
                dict_path.display()
            )
        })?;
    Ok(Some(lexicon.add_dictd(&index, &body)))
}

fn side_ids(idx: &[usize], text: &Text) -> Vec<usize> {
    idx.iter().map(|&i| text.ids[i]).collect()
}

fn side_text(idx: &[usize], text: &Text) -> String {
    idx.iter()
        .map(|&i| text.sentences[i].as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn one_line(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ")
}

fn ids_str(ids: &[usize]) -> String {
    ids.iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn tsv(result: &Alignment, ar: &Text, en: &Text) -> String {
    let mut out = String::new();
    for l in &result.links {
        out.push_str(&format!(
            "{}\t{}\t{:.3}\t{}\t{}\n",
            ids_str(&side_ids(&l.src, ar)),
            ids_str(&side_ids(&l.tgt, en)),
            l.score,
            one_line(&side_text(&l.src, ar)),
            one_line(&side_text(&l.tgt, en))
        ));
    }
    out
}

#[derive(serde::Serialize)]
struct JsonLink<'a> {
    src: &'a [usize],
    tgt: &'a [usize],
    score: f64,
    src_text: String,
    tgt_text: String,
}

fn json(result: &Alignment, ar: &Text, en: &Text) -> String {
    let mut out = String::new();
    for l in &result.links {
        let link = JsonLink {
            src: &side_ids(&l.src, ar),
            tgt: &side_ids(&l.tgt, en),
            score: (l.score * 1000.0).round() / 1000.0,
            src_text: side_text(&l.src, ar),
            tgt_text: side_text(&l.tgt, en),
        };
        out.push_str(&serde_json::to_string(&link).expect("plain data serializes"));
        out.push('\n');
    }
    out
}

fn moses(result: &Alignment, ar: &Text, en: &Text) -> (String, String) {
    let (mut a, mut e) = (String::new(), String::new());
    for l in result
        .links
        .iter()
        .filter(|l| !l.src.is_empty() && !l.tgt.is_empty())
    {
        a.push_str(&one_line(&side_text(&l.src, ar)));
        a.push('\n');
        e.push_str(&one_line(&side_text(&l.tgt, en)));
        e.push('\n');
    }
    (a, e)
}

/// Units for the links with both sides and at least `min_score`; context is
/// the Arabic sentence before and after the link.
fn units(
    result: &Alignment,
    ar: &Text,
    en: &Text,
    origin: &str,
    min_score: f64,
) -> Vec<tarjuman::unit::Unit> {
    let mut out = Vec::new();
    for l in &result.links {
        if l.src.is_empty() || l.tgt.is_empty() || l.score < min_score {
            continue;
        }
        let mut u =
            tarjuman::unit::Unit::pair("ar", &side_text(&l.src, ar), "en", &side_text(&l.tgt, en));
        u.origin = Some(origin.to_string());
        u.props.push(tarjuman::unit::Prop {
            kind: "x-tarjuman-align-score".into(),
            value: format!("{:.3}", l.score),
            ..Default::default()
        });
        let first = l.src[0];
        let last = l.src[l.src.len() - 1];
        u.context.prev = first.checked_sub(1).map(|i| ar.sentences[i].clone());
        u.context.next = ar.sentences.get(last + 1).cloned();
        out.push(u);
    }
    out
}

fn tmx(units: &[tarjuman::unit::Unit]) -> anyhow::Result<Vec<u8>> {
    let header = tarjuman::unit::Header {
        creation_tool: Some("tarjuman".into()),
        creation_tool_version: Some(env!("CARGO_PKG_VERSION").into()),
        segtype: Some("sentence".into()),
        o_tmf: Some("tarjuman".into()),
        adminlang: Some("en".into()),
        srclang: Some("ar".into()),
        datatype: Some("plaintext".into()),
        ..Default::default()
    };
    let mut w = tarjuman::tmx::write::TmxWriter::new(Vec::new(), &header)?;
    for u in units {
        w.write_unit(u)?;
    }
    Ok(w.finish()?)
}

fn import(
    ctx: &super::Ctx,
    result: &Alignment,
    ar: &Text,
    en: &Text,
    name: &str,
    min_score: f64,
) -> anyhow::Result<()> {
    let units = units(result, ar, en, name, min_score);
    let mut store = ctx.open_store()?;
    let origin = tarjuman::tm::write::OriginInfo {
        name: name.to_string(),
        kind: "align".into(),
        header: None,
    };
    let mut writer = store.writer(&origin)?;
    for u in &units {
        writer.add(u, tarjuman::tm::OnDuplicate::Skip)?;
    }
    let summary = writer.commit()?;
    let mut co = align::Cooccurrence::default();
    let every = units.len().div_ceil(align::MAX_LEARN_LINKS).max(1);
    for u in units.iter().step_by(every) {
        co.add_link(&u.variants[0].seg.plain, &u.variants[1].seg.plain);
    }
    let learned = tarjuman::import::aligned::store(&mut store, &co)?;
    let skipped = result
        .links
        .iter()
        .filter(|l| !l.src.is_empty() && !l.tgt.is_empty() && l.score < min_score)
        .count();
    ctx.say(&format!(
        "imported into {}: {} new, {} already there; {} link(s) below {min_score} and the omissions left out; {learned} word pairs updated",
        store.path.display(),
        summary.inserted,
        summary.duplicates,
        skipped
    ));
    Ok(())
}

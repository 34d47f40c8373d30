//! `tarjuman pretranslate`: segment a document, look every sentence up,
//! write the best matches, and quote-style analysis by match band.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};

use super::lookup::isolate;
use tarjuman::text::segment::{Lang, Segmenter};
use tarjuman::tm::fuzzy::Matcher;
use tarjuman::tm::pretranslate::{analyse, pretranslate, Analysis, Segment};
use tarjuman::tmx::write::TmxWriter;
use tarjuman::unit::{Header, Prop, Unit};

/// Pre-translate a document from the translation memory, with an analysis.
///
/// The document is split into sentences; each is looked up with the
/// sentence before it as context. The analysis counts segments and words by
/// band of the best match: context (101), 100, 95–99, 85–94, 75–84, 50–74,
/// no match; a segment identical to an earlier one in the document is a
/// repetition.
///
/// Drafts for CAT tools. `--tmx` holds only matches exact for the
/// document's sentence (101, 100, or the same text but for numbers, put
/// into the target), so a CAT tool may insert them unread: OmegaT, put it
/// in the project's tm/auto/ folder (inserted as translations); Trados
/// Studio, import it into a project TM and run Pre-translate with "apply
/// exact matches" (100%); memoQ, import it into a TM and pre-translate
/// with exact matches only. `--fuzzy-tmx` holds the other matches ≥
/// --min with the STORED source and target as they are, so the CAT tool
/// computes its own score and shows them as fuzzy matches, never inserts
/// them: OmegaT, put it in tm/ (or tm/penalty-010/ to lower its scores
/// 10 points), never tm/auto/; Trados and memoQ, import it as a reference
/// TM (memoQ: with a match-rate penalty).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The document (text); `-` reads stdin. At most 32 MiB, lines at
    /// most 4 MiB (longer is refused with FILE:LINE:COL).
    #[arg(value_name = "DOC")]
    pub doc: PathBuf,

    #[command(flatten)]
    pub encoding: super::EncodingArg,

    /// Lowest score written to --fuzzy-tmx (1–99).
    #[arg(long, default_value_t = 70, value_parser = clap::value_parser!(u8).range(1..=99))]
    pub min: u8,

    /// Write the draft: the matches exact for the document's sentence, as a
    /// TMX 1.4b file: the sentence as source, the match's target (numbers
    /// replaced) as target, the score in an `x-tarjuman-score` prop. For
    /// OmegaT's tm/auto/ (see above).
    #[arg(long, value_name = "OUT")]
    pub tmx: Option<PathBuf>,

    /// Write the fuzzy suggestions (best matches ≥ --min that are not
    /// exact) as a TMX 1.4b file of the stored units as they are (stored
    /// source, stored target), for the CAT tool to score itself. For
    /// OmegaT's tm/ or tm/penalty-NNN/, never tm/auto/ (see above).
    #[arg(long, value_name = "OUT")]
    pub fuzzy_tmx: Option<PathBuf>,

    /// Write the segments and the analysis here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// text: every segment with its best match, then the analysis table;
    /// tsv: one row per segment (index, paragraph, score, band as labelled
    /// in the analysis table, segment, match source, match target),
    /// analysis on stderr; json: both.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,

    /// Language of the document.
    #[arg(long, default_value = "ar", value_name = "LANG")]
    pub src_lang: String,

    /// Language of the translation.
    #[arg(long, default_value = "en", value_name = "LANG")]
    pub tgt_lang: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Tsv,
    Json,
}

pub fn run(args: Args, ctx: &super::Ctx) -> Result<ExitCode> {
    let name = args.doc.display().to_string();
    let text = super::read_text(&args.doc, &args.encoding)?;
    let lang = Lang::from_tag(&args.src_lang).with_context(|| {
        format!(
            "cannot segment {:?}: sentence segmentation knows ar and en",
            args.src_lang
        )
    })?;
    let sentences: Vec<(usize, String)> = Segmenter::new(lang)
        .split(&text)
        .into_iter()
        .map(|s| (s.paragraph, s.text))
        .filter(|(_, t)| !t.trim().is_empty())
        .collect();
    if sentences.is_empty() {
        bail!("{name}: the document has no text to pre-translate");
    }
    let store = ctx.open_index()?;
    let matcher = Matcher::new(&*store, &args.src_lang, &args.tgt_lang)?;
    let bar = ctx.progress(sentences.len() as u64, "looking up");
    let segments = pretranslate(&matcher, &sentences, || bar.inc(1))?;
    bar.finish_and_clear();
    let analysis = analyse(&segments);

    if let Some(path) = &args.tmx {
        let written = write_tmx(path, &segments, &args, Draft::Exact)?;
        ctx.say(&format!(
            "{}: {written} segments with an exact match (the draft)",
            path.display()
        ));
    }
    if let Some(path) = &args.fuzzy_tmx {
        let written = write_tmx(path, &segments, &args, Draft::Fuzzy)?;
        ctx.say(&format!(
            "{}: {written} fuzzy suggestions ≥ {}% (stored source and target)",
            path.display(),
            args.min
        ));
    }

    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("{}: cannot create the output file", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    match args.format {
        Format::Text => {
            for s in &segments {
                write_segment_text(&mut out, s)?;
            }
            writeln!(out)?;
            write_table(&mut out, &analysis)?;
        }
        Format::Tsv => {
            writeln!(
                out,
                "index\tparagraph\tscore\tband\tsegment\tmatch_source\tmatch_target"
            )?;
            for s in &segments {
                let band = tarjuman::tm::pretranslate::Band::of(s);
                let (score, src, tgt) = match &s.best {
                    Some(m) => (
                        m.score.to_string(),
                        m.source.as_str(),
                        m.target_fixed.as_deref().unwrap_or(&m.target),
                    ),
                    None => (String::new(), "", ""),
                };
                writeln!(
                    out,
                    "{}\t{}\t{score}\t{}\t{}\t{}\t{}",
                    s.index + 1,
                    s.paragraph + 1,
                    band.label(),
                    tarjuman::tsv::escape(&s.text),
                    tarjuman::tsv::escape(src),
                    tarjuman::tsv::escape(tgt)
                )?;
            }
            let mut table = Vec::new();
            write_table(&mut table, &analysis)?;
            ctx.say(String::from_utf8_lossy(&table).trim_end());
        }
        Format::Json => {
            let obj = serde_json::to_string(&tarjuman::api::PretranslateResult {
                document: name,
                segments,
                analysis,
            })?;
            writeln!(out, "{obj}")?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Which matches a TMX gets.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Draft {
    /// Exact for the sentence: the sentence and the (number-fixed) target.
    Exact,
    /// The others ≥ --min: the stored unit's source and target.
    Fuzzy,
}

fn write_tmx(path: &PathBuf, segments: &[Segment], args: &Args, draft: Draft) -> Result<usize> {
    let file = std::fs::File::create(path)
        .with_context(|| format!("{}: cannot create the TMX file", path.display()))?;
    let header = Header {
        srclang: Some(args.src_lang.clone()),
        ..Header::default()
    };
    let mut w = TmxWriter::new(file, &header)
        .with_context(|| format!("{}: cannot write", path.display()))?;
    let mut written = 0;
    let mut stored = std::collections::HashSet::new();
    for s in segments {
        let Some(m) = s.best.as_ref() else {
            continue;
        };
        let mut unit = match draft {
            Draft::Exact if s.exact => {
                let target = m.target_fixed.as_deref().unwrap_or(&m.target);
                Unit::pair(&args.src_lang, &s.text, &args.tgt_lang, target)
            }
            // A stored unit once, however many sentences it matches.
            Draft::Fuzzy if !s.exact && m.score >= args.min && stored.insert(m.unit_id) => {
                Unit::pair(&args.src_lang, &m.source, &args.tgt_lang, &m.target)
            }
            _ => continue,
        };
        unit.props.push(Prop {
            kind: "x-tarjuman-score".into(),
            value: m.score.to_string(),
            ..Prop::default()
        });
        unit.props.push(Prop {
            kind: "x-tarjuman-match".into(),
            value: m.unit_id.to_string(),
            ..Prop::default()
        });
        w.write_unit(&unit)
            .with_context(|| format!("{}: cannot write", path.display()))?;
        written += 1;
    }
    w.finish()
        .with_context(|| format!("{}: cannot write", path.display()))?;
    Ok(written)
}

fn write_segment_text(out: &mut impl Write, s: &Segment) -> Result<()> {
    let score = match &s.best {
        Some(m) => format!("{:>3}%", m.score),
        None => "   –".to_string(),
    };
    let rep = if s.repetition { " (repetition)" } else { "" };
    writeln!(out, "{:>4} {score}{rep}  {}", s.index + 1, isolate(&s.text))?;
    if let Some(m) = &s.best {
        writeln!(
            out,
            "           → {}",
            isolate(m.target_fixed.as_deref().unwrap_or(&m.target))
        )?;
    }
    Ok(())
}

/// The analysis as CAT tools print it.
pub fn write_table(out: &mut impl Write, a: &Analysis) -> Result<()> {
    let pct = |x: usize, of: usize| {
        if of == 0 {
            0.0
        } else {
            100.0 * x as f64 / of as f64
        }
    };
    writeln!(
        out,
        "{:<22} {:>8} {:>8} {:>7}",
        "Match", "Segments", "Words", "Words%"
    )?;
    for r in &a.rows {
        writeln!(
            out,
            "{:<22} {:>8} {:>8} {:>6.1}%",
            r.band.label(),
            r.segments,
            r.words,
            pct(r.words, a.words)
        )?;
    }
    writeln!(
        out,
        "{:<22} {:>8} {:>8} {:>6.1}%",
        "Total", a.segments, a.words, 100.0
    )?;
    Ok(())
}

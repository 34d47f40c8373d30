//! `align --batch`: a whole archive of pairs in one run. The pairs come
//! from a TSV or from two folders paired by name; worker threads (one per
//! core) read, check and align pairs; this thread takes the results in the
//! archive's order, writes each pair's output, stores it in the TM in its
//! own transaction (SQLite has one writer), and prints one line per pair
//! and a total. A pair that fails is reported and the others go on.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{bail, Context};
use tarjuman::align::Alignment;

use super::{dicts, output, read, Args, Format, Text};

/// One pair of the archive.
struct Pair {
    ar: PathBuf,
    en: PathBuf,
    /// The output file name (without extension), unique in the batch.
    stem: String,
}

/// A worker's result for one pair (with what to import, under --import).
type Aligned = anyhow::Result<(Text, Text, Alignment, Option<super::ToImport>)>;

pub fn run(args: &Args, ctx: &crate::cli::Ctx) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let (pairs, unpaired) = match &args.en_file {
        None => (from_tsv(&args.ar_file)?, Vec::new()),
        Some(en_dir) => from_dirs(&args.ar_file, en_dir)?,
    };
    for path in &unpaired {
        eprintln!(
            "tarjuman: warning: {}: no file to pair it with",
            path.display()
        );
    }
    let one_tmx = args.format == Format::Tmx && args.out_dir.is_none();
    if args.output.is_some() && !one_tmx {
        bail!("with --batch, -o names the one TMX of the archive (--format tmx); for one file per pair give --out-dir DIR");
    }
    if args.out_dir.is_none() && !one_tmx && !args.import {
        bail!("--batch writes one output per pair: give --out-dir DIR, or --format tmx for one TMX, or --import to store the pairs only");
    }
    if let Some(dir) = &args.out_dir {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create the folder", dir.display()))?;
    }
    let dicts = dicts::load(args, ctx)?;
    let mut store = if args.import {
        Some(ctx.open_store()?)
    } else {
        None
    };
    let mut tmx = if one_tmx {
        Some(output::TmxStream::new()?)
    } else {
        None
    };

    let jobs = super::super::threads(args.jobs, pairs.len());
    let next = AtomicUsize::new(0);
    let mut totals = Totals::default();
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let (send, results) = std::sync::mpsc::channel::<(usize, Aligned)>();
        for _ in 0..jobs {
            let send = send.clone();
            let (pairs, next, lexicon) = (&pairs, &next, &dicts.lexicon);
            scope.spawn(move || loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some(pair) = pairs.get(k) else { break };
                let aligned = read::pair(&pair.ar, &pair.en, args).map(|(ar, en)| {
                    let result = super::align_texts(&ar, &en, lexicon, args.allow_moves);
                    // The units and word counts are made here, so that the
                    // one thread that writes to the TM only writes.
                    let todo = args.import.then(|| {
                        let name = super::pair_name(&pair.ar, &pair.en);
                        super::ToImport::new(&result, &ar, &en, &name, args.min_score)
                    });
                    (ar, en, result, todo)
                });
                if send.send((k, aligned)).is_err() {
                    break;
                }
            });
        }
        drop(send);
        // Results arrive as they are done; they are handled in the
        // archive's order, so output and messages do not depend on timing.
        let mut waiting: BTreeMap<usize, Aligned> = BTreeMap::new();
        let mut due = 0;
        for (k, aligned) in results {
            waiting.insert(k, aligned);
            while let Some(aligned) = waiting.remove(&due) {
                let pair = &pairs[due];
                let done = finish(
                    args,
                    ctx,
                    pair,
                    aligned,
                    store
                        .as_mut()
                        .map(|s| &mut **s as &mut dyn tarjuman::tm::TmStore),
                    tmx.as_mut(),
                );
                totals.add(pair, done);
                due += 1;
            }
        }
        Ok(())
    })?;
    if let Some(tmx) = tmx {
        super::write_out(&args.output, &tmx.finish()?)?;
    }
    ctx.say(&format!(
        "batch: {} pair(s) aligned, {} failed, {} file(s) without a partner: {} Arabic and {} English sentences, {} links ({} pairs){} in {:.1} s on {jobs} thread(s)",
        totals.aligned,
        totals.failed,
        unpaired.len(),
        totals.ar_sentences,
        totals.en_sentences,
        totals.links,
        totals.pairs,
        match &store {
            Some(s) => format!(
                "; {} unit(s) imported into {}",
                totals.imported,
                tarjuman::tm::backend::shown(s.location())
            ),
            None => String::new(),
        },
        start.elapsed().as_secs_f64()
    ));
    ctx.say(&dicts.summary);
    Ok(if totals.failed > 0 || !unpaired.is_empty() {
        ExitCode::from(crate::cli::EXIT_FAILURE)
    } else {
        ExitCode::SUCCESS
    })
}

#[derive(Default)]
struct Totals {
    aligned: usize,
    failed: usize,
    ar_sentences: usize,
    en_sentences: usize,
    links: usize,
    pairs: usize,
    imported: u64,
}

/// What one pair gave, for the totals.
struct Done {
    ar_sentences: usize,
    en_sentences: usize,
    links: usize,
    pairs: usize,
    imported: u64,
}

impl Totals {
    fn add(&mut self, _pair: &Pair, done: Option<Done>) {
        match done {
            None => self.failed += 1,
            Some(d) => {
                self.aligned += 1;
                self.ar_sentences += d.ar_sentences;
                self.en_sentences += d.en_sentences;
                self.links += d.links;
                self.pairs += d.pairs;
                self.imported += d.imported;
            }
        }
    }
}

/// Write, store and report one pair; `None` when it failed (reported).
fn finish(
    args: &Args,
    ctx: &crate::cli::Ctx,
    pair: &Pair,
    aligned: Aligned,
    store: Option<&mut dyn tarjuman::tm::TmStore>,
    tmx: Option<&mut output::TmxStream>,
) -> Option<Done> {
    let name = super::pair_name(&pair.ar, &pair.en);
    let result = (|| -> anyhow::Result<(Done, String)> {
        let (ar, en, result, todo) = aligned?;
        if let Some(dir) = &args.out_dir {
            let base = dir.join(&pair.stem);
            match args.format {
                Format::Moses => super::write_moses(&base, &result, &ar, &en)?,
                format => {
                    let path = base.with_extension(extension(format));
                    let bytes = super::render(format, &result, &ar, &en, &name, args.allow_moves)?;
                    std::fs::write(&path, bytes)
                        .with_context(|| format!("{}: cannot write", path.display()))?;
                }
            }
        }
        if let Some(tmx) = tmx {
            tmx.write(&output::units(&result, &ar, &en, &name, 0.0))?;
        }
        let links = &result.links;
        let pairs = links
            .iter()
            .filter(|l| !l.src.is_empty() && !l.tgt.is_empty())
            .count();
        let mean = links.iter().map(|l| l.score).sum::<f64>() / links.len().max(1) as f64;
        let mut line = format!(
            "{}: {} Arabic and {} English sentences, {} links ({pairs} pairs), {} below 0.5, mean score {mean:.2}",
            name,
            ar.sentences.len(),
            en.sentences.len(),
            links.len(),
            links.iter().filter(|l| l.score < 0.5).count()
        );
        let mut imported = 0;
        if let (Some(store), Some(todo)) = (store, &todo) {
            let done = super::import(store, &name, todo).context("not imported")?;
            imported = done.inserted;
            line.push_str(&format!(
                "; imported {} new, {} already there",
                done.inserted, done.duplicates
            ));
        }
        Ok((
            Done {
                ar_sentences: ar.sentences.len(),
                en_sentences: en.sentences.len(),
                links: links.len(),
                pairs,
                imported,
            },
            line,
        ))
    })();
    match result {
        Ok((done, line)) => {
            ctx.say(&line);
            Some(done)
        }
        Err(e) => {
            // Failures are printed even with --quiet.
            eprintln!("tarjuman: error: {name}: {e:#}");
            None
        }
    }
}

fn extension(format: Format) -> &'static str {
    match format {
        Format::Tsv => "tsv",
        Format::Json => "jsonl",
        Format::Tmx => "tmx",
        Format::Html => "html",
        Format::Moses => "",
    }
}

/// The pairs of a TSV: `arabic path<TAB>english path` a line, relative
/// paths from the TSV's folder; blank lines and `#` comments skipped.
fn from_tsv(path: &Path) -> anyhow::Result<Vec<Pair>> {
    let text = tarjuman::input::read_file(path, None)?;
    let base = path.parent().unwrap_or(Path::new(""));
    let mut pairs = Vec::new();
    let mut stems = HashSet::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((ar, en)) = line.split_once('\t') else {
            bail!(
                "{}:{}:1: a pair is `arabic path<TAB>english path`; this line has no tab",
                path.display(),
                n + 1
            );
        };
        let (ar, en) = (base.join(ar.trim()), base.join(en.trim()));
        let stem = unique_stem(&ar, &mut stems, n + 1);
        pairs.push(Pair { ar, en, stem });
    }
    if pairs.is_empty() {
        bail!("{}: no pairs in the file", path.display());
    }
    Ok(pairs)
}

/// `story` for `story.txt`; `story-7` when another pair took `story`.
fn unique_stem(ar: &Path, taken: &mut HashSet<String>, n: usize) -> String {
    let stem = ar
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| format!("pair-{n}"));
    let stem = if taken.contains(&stem) {
        format!("{stem}-{n}")
    } else {
        stem
    };
    taken.insert(stem.clone());
    stem
}

/// The key a file is paired by: its name with a language tag (`-ar`,
/// `_ar`, `.ar` for Arabic; `-en`… for English) taken out of the stem.
fn pairing_key(name: &str, lang: &str) -> String {
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s, Some(e)),
        _ => (name, None),
    };
    let mut key = stem.to_string();
    for sep in ['-', '_', '.'] {
        if let Some(rest) = stem.strip_suffix(&format!("{sep}{lang}")) {
            key = rest.to_string();
            break;
        }
    }
    match ext {
        Some(e) if e != lang => format!("{key}.{e}"),
        _ => key,
    }
}

/// The regular, non-hidden files of a folder, sorted by name.
fn files(dir: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot read the folder", dir.display()))?
    {
        let entry = entry.with_context(|| format!("{}: cannot read the folder", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !entry.path().is_file() {
            continue;
        }
        out.push((name, entry.path()));
    }
    out.sort();
    Ok(out)
}

/// Pairs of two folders by name (see `pairing_key`), and the files left
/// without a partner.
fn from_dirs(ar_dir: &Path, en_dir: &Path) -> anyhow::Result<(Vec<Pair>, Vec<PathBuf>)> {
    for dir in [ar_dir, en_dir] {
        if !dir.is_dir() {
            bail!(
                "{}: not a folder (--batch takes PAIRS.tsv, or AR_DIR EN_DIR)",
                dir.display()
            );
        }
    }
    let mut english: HashMap<String, PathBuf> = files(en_dir)?
        .into_iter()
        .map(|(name, path)| (pairing_key(&name, "en"), path))
        .collect();
    let mut pairs = Vec::new();
    let mut unpaired = Vec::new();
    let mut stems = HashSet::new();
    for (n, (name, ar)) in files(ar_dir)?.into_iter().enumerate() {
        let key = pairing_key(&name, "ar");
        match english.remove(&key) {
            Some(en) => {
                let stem = unique_stem(Path::new(&key), &mut stems, n + 1);
                pairs.push(Pair { ar, en, stem });
            }
            None => unpaired.push(ar),
        }
    }
    let mut rest: Vec<PathBuf> = english.into_values().collect();
    rest.sort();
    unpaired.extend(rest);
    if pairs.is_empty() {
        bail!(
            "no file of {} has a partner in {} (paired by name, as story.txt and story.txt, or story-ar.txt and story-en.txt)",
            ar_dir.display(),
            en_dir.display()
        );
    }
    Ok((pairs, unpaired))
}

#[cfg(test)]
mod tests {
    use super::pairing_key;

    #[test]
    fn files_pair_by_name_without_their_language_tag() {
        assert_eq!(pairing_key("0001.txt", "ar"), "0001.txt");
        assert_eq!(pairing_key("story-ar.txt", "ar"), "story.txt");
        assert_eq!(pairing_key("story_en.txt", "en"), "story.txt");
        assert_eq!(pairing_key("story.ar.txt", "ar"), "story.txt");
        assert_eq!(pairing_key("story.ar", "ar"), "story");
        assert_eq!(pairing_key("story.en", "en"), "story");
        assert_eq!(pairing_key("arabic.txt", "ar"), "arabic.txt");
        assert_eq!(pairing_key("README", "en"), "README");
    }
}

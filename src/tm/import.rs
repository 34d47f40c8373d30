//! Importing one file (TMX or TSV) into the TM: read units as a stream and
//! hand them to one `UnitWriter`, so that a file goes in whole or not at all.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use std::sync::mpsc::{Receiver, SyncSender};

use super::write::{OnDuplicate, OriginInfo, Prepared, WriteSummary};
use super::Store;
use crate::tmx::read::GZIP_MAGIC;
use crate::unit::Unit;

/// The file formats import understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    Tmx,
    Tsv,
}

impl FileFormat {
    /// By extension (`.tmx`; `.tsv`, `.tab`, `.txt`; the same under a
    /// `.gz`), else by content: a file that opens with `<` (after a BOM and
    /// blanks), is UTF-16 or is gzip (OPUS's `.tmx.gz`) is TMX, anything
    /// else TSV.
    pub fn detect(path: &Path, head: &[u8]) -> FileFormat {
        let ext_of = |p: &Path| {
            p.extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
        };
        let mut ext = ext_of(path);
        if ext.as_deref() == Some("gz") {
            // `ar-en.tmx.gz`, `pairs.tsv.gz`: the name under the `.gz`.
            ext = path.file_stem().map(Path::new).and_then(ext_of);
        }
        match ext.as_deref() {
            Some("tmx") => return FileFormat::Tmx,
            Some("tsv" | "tab" | "txt") => return FileFormat::Tsv,
            _ => {}
        }
        if [b"\xFF\xFE", b"\xFE\xFF", GZIP_MAGIC]
            .iter()
            .any(|m| head.starts_with(m))
        {
            return FileFormat::Tmx;
        }
        let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
        match head.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'<') => FileFormat::Tmx,
            _ => FileFormat::Tsv,
        }
    }
}

/// A problem at a place in the input file (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Located {
    pub line: u64,
    pub column: u64,
    pub message: String,
}

/// Both readers' errors and warnings carry the same place and message.
macro_rules! located_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Located {
            fn from(e: $t) -> Located {
                Located {
                    line: e.line,
                    column: e.column,
                    message: e.message,
                }
            }
        }
    )*};
}

located_from!(
    crate::tmx::read::ReadError,
    crate::tmx::read::Warning,
    crate::tsv::ReadError,
    crate::tsv::Warning
);

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Force the format instead of detecting it.
    pub format: Option<FileFormat>,
    /// TSV languages; a header line in the file is used when these are absent.
    pub src_lang: Option<String>,
    pub tgt_lang: Option<String>,
    pub on_duplicate: OnDuplicate,
    /// The origin name to record (as `stats` lists it) instead of the
    /// path: the server names an upload as its client did, not by the
    /// temporary file it was spooled to.
    pub origin: Option<String>,
    /// Keep the write-ahead log even for a big file (no switch to a
    /// rollback journal): readers in other threads or processes go on
    /// reading while the import runs, as a server's must.
    pub keep_wal: bool,
}

/// What importing one file did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileReport {
    pub format: FileFormat,
    pub units_read: u64,
    #[serde(flatten)]
    pub written: WriteSummary,
    pub warnings: Vec<Located>,
}

/// Why a file was not imported (nothing of it was stored).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Bad input: the place and what was wrong.
    #[error("{}:{}: {}", .0.line, .0.column, .0.message)]
    Input(Located),
    /// Anything else: the file could not be opened, the TM not written.
    #[error("{0:#}")]
    Other(anyhow::Error),
}

impl From<anyhow::Error> for ImportError {
    fn from(e: anyhow::Error) -> Self {
        ImportError::Other(e)
    }
}

/// A file's bytes, counted as they are read: the progress of a gzipped
/// TSV file, whose reader only sees the decompressed text.
struct CountedFile {
    file: File,
    count: Arc<AtomicU64>,
}

impl Read for CountedFile {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A stream of units from either format.
enum Source {
    Tmx(Box<crate::tmx::read::TmxReader<BufReader<File>>>),
    Tsv {
        reader: Box<crate::tsv::TsvReader<Box<dyn BufRead + Send>>>,
        /// Bytes of the gzipped file read so far (None: not gzipped).
        compressed: Option<Arc<AtomicU64>>,
        src: String,
        tgt: String,
        stamp: String,
    },
}

impl Source {
    /// The next unit into `unit` (the TMX reader refills it in its own
    /// memory); `false` at the end.
    fn next_unit_into(&mut self, unit: &mut Unit) -> Result<bool, Located> {
        match self {
            Source::Tmx(r) => r.next_unit_into(unit).map_err(Located::from),
            Source::Tsv {
                reader,
                src,
                tgt,
                stamp,
                ..
            } => {
                let Some(p) = reader.next_pair().map_err(Located::from)? else {
                    return Ok(false);
                };
                *unit = Unit::pair(src, &p.source, tgt, &p.target);
                // TSV has no dates: the import time makes --since and
                // the stats date range mean something for these units.
                unit.stamp.creation_date = Some(stamp.clone());
                Ok(true)
            }
        }
    }

    fn take_warnings(&mut self) -> Vec<Located> {
        match self {
            Source::Tmx(r) => r.take_warnings().into_iter().map(Located::from).collect(),
            Source::Tsv { reader, .. } => reader
                .take_warnings()
                .into_iter()
                .map(Located::from)
                .collect(),
        }
    }

    fn bytes_read(&self) -> u64 {
        match self {
            Source::Tmx(r) => r.bytes_read(),
            Source::Tsv {
                compressed: Some(count),
                ..
            } => count.load(Ordering::Relaxed),
            Source::Tsv { reader, .. } => reader.bytes_read(),
        }
    }
}

/// Units parsed and prepared by the reader thread, with what it saw.
struct Batch {
    units: Vec<(Unit, Prepared)>,
    warnings: Vec<Located>,
    bytes_read: u64,
}

const BATCH: usize = 256;

/// Start bringing over the units after `units[i]`, which the other thread
/// touched last, on the other core (see `Prepared::prefetch`): the arrays of
/// the one two ahead, the strings and lists of the next one.
fn prefetch_after(units: &[(Unit, Prepared)], i: usize) {
    if let Some((u, p)) = units.get(i + 2) {
        p.prefetch(u, true);
    }
    if let Some((u, p)) = units.get(i + 1) {
        p.prefetch(u, false);
    }
}

/// The reader thread: send batches until the end of the file, an input
/// error (returned), or the writer hanging up (it failed; it reports).
/// Batches the writer is done with come back on `used` and are refilled
/// in place: the TMX reader builds the next units in the old ones' strings
/// and vectors, and what is freed is freed here. Freeing memory another
/// thread allocated cost the writer, the import's critical path, about a
/// tenth of its time.
fn read_batches(
    source: &mut Source,
    sender: &SyncSender<Batch>,
    used: &Receiver<Batch>,
    with_tokens: bool,
) -> Result<(), Located> {
    let mut returned = Vec::new();
    let mut spans = Vec::new();
    loop {
        returned.extend(used.try_iter().map(|batch| batch.units));
        let mut units = returned.pop().unwrap_or_else(|| Vec::with_capacity(BATCH));
        let mut filled = 0;
        let mut end = false;
        while filled < BATCH {
            if filled == units.len() {
                units.push(Default::default());
            }
            // The next units' buffers were last used by the writer.
            prefetch_after(&units, filled);
            let (unit, prepared) = &mut units[filled];
            if !source.next_unit_into(unit)? {
                end = true;
                break;
            }
            prepared.refill(unit, with_tokens, &mut spans);
            filled += 1;
        }
        units.truncate(filled);
        let batch = Batch {
            units,
            warnings: source.take_warnings(),
            bytes_read: source.bytes_read(),
        };
        if sender.send(batch).is_err() || end {
            return Ok(());
        }
    }
}

/// Import one file in one transaction. `progress` is called now and then
/// with the bytes read so far. On any error the TM is left as it was.
pub fn import_file(
    store: &mut Store,
    path: &Path,
    opts: &ImportOptions,
    mut progress: impl FnMut(u64),
) -> Result<FileReport, ImportError> {
    let open = || -> anyhow::Result<BufReader<File>> {
        let file = File::open(path).map_err(|e| anyhow::anyhow!("cannot open: {e}"))?;
        Ok(BufReader::with_capacity(1 << 16, file))
    };
    let mut head = Vec::with_capacity(512);
    open()?
        .take(512)
        .read_to_end(&mut head)
        .map_err(|e| anyhow::anyhow!("cannot read: {e}"))?;
    let format = opts
        .format
        .unwrap_or_else(|| FileFormat::detect(path, &head));
    let input = open()?;
    let (mut source, header) = match format {
        FileFormat::Tmx => {
            let reader = crate::tmx::read::TmxReader::new(input)
                .map_err(|e| ImportError::Input(e.into()))?;
            let header = reader.header().clone();
            (Source::Tmx(Box::new(reader)), Some(header))
        }
        FileFormat::Tsv => {
            // A gzipped TSV is read as is, like a gzipped TMX.
            let compressed = head
                .starts_with(GZIP_MAGIC)
                .then(|| Arc::new(AtomicU64::new(0)));
            let text: Box<dyn BufRead + Send> = match &compressed {
                Some(count) => {
                    let file = CountedFile {
                        file: input.into_inner(),
                        count: Arc::clone(count),
                    };
                    Box::new(BufReader::with_capacity(
                        1 << 16,
                        flate2::read::MultiGzDecoder::new(BufReader::new(file)),
                    ))
                }
                None => Box::new(input),
            };
            let reader =
                crate::tsv::TsvReader::new(text).map_err(|e| ImportError::Input(e.into()))?;
            let header = reader
                .languages()
                .map(|(a, b)| (a.to_string(), b.to_string()));
            let (src, tgt) = match (&opts.src_lang, &opts.tgt_lang, header) {
                (Some(s), Some(t), _) => (s.clone(), t.clone()),
                (s, t, Some((hs, ht))) => (s.clone().unwrap_or(hs), t.clone().unwrap_or(ht)),
                _ => {
                    return Err(ImportError::Input(Located {
                        line: 1,
                        column: 1,
                        message: "a TSV file needs its languages: give --src-lang and --tgt-lang, \
                                  or start the file with a line such as `ar<TAB>en`"
                            .into(),
                    }))
                }
            };
            let source = Source::Tsv {
                reader: Box::new(reader),
                compressed,
                src,
                tgt,
                stamp: super::now_tmx(),
            };
            (source, None)
        }
    };
    let origin = OriginInfo {
        name: opts
            .origin
            .clone()
            .unwrap_or_else(|| path.display().to_string()),
        kind: match format {
            FileFormat::Tmx => "tmx",
            FileFormat::Tsv => "tsv",
        }
        .into(),
        header,
    };
    // Above a few MB the rollback journal's single write beats the WAL's
    // write-then-checkpoint; below, keep the WAL (no mode switch at all).
    let big = !opts.keep_wal && std::fs::metadata(path).is_ok_and(|m| m.len() > 8 << 20);
    let mut writer = if big {
        store.bulk_writer(&origin)?
    } else {
        store.writer(&origin)?
    };
    // Two threads: this one writes to SQLite while a reader parses the
    // file and does the per-unit CPU work (keys, index tokens) a batch
    // ahead.
    // The bounded channel keeps memory flat whatever the file size.
    let on_duplicate = opts.on_duplicate;
    let mut units_read = 0u64;
    let mut warnings = Vec::new();
    std::thread::scope(|scope| -> Result<(), ImportError> {
        let (sender, batches) = std::sync::mpsc::sync_channel::<Batch>(4);
        // Unbounded, but never holds more than the batches in flight.
        let (give_back, used) = std::sync::mpsc::channel::<Batch>();
        let with_tokens = writer.is_fresh();
        let reader = scope.spawn(move || read_batches(&mut source, &sender, &used, with_tokens));
        let written = (|| -> Result<(), ImportError> {
            for mut batch in &batches {
                let units = &batch.units;
                for (i, (unit, prepared)) in units.iter().enumerate() {
                    prefetch_after(units, i);
                    writer.add_prepared(unit, prepared, on_duplicate)?;
                }
                units_read += batch.units.len() as u64;
                warnings.append(&mut batch.warnings);
                progress(batch.bytes_read);
                // If the reader is gone, the batch is simply freed here.
                let _ = give_back.send(batch);
            }
            Ok(())
        })();
        // Stop the reader (its next send fails) before waiting for it.
        drop(batches);
        let read = reader.join().expect("the reader thread panicked");
        written?;
        read.map_err(ImportError::Input)
    })?;
    let written = writer.commit()?;
    Ok(FileReport {
        format,
        units_read,
        written,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::FileFormat;
    use std::path::Path;

    #[test]
    fn format_comes_from_the_extension_also_under_gz_else_from_the_content() {
        let gzip = [0x1F, 0x8B, 0x08, 0x00];
        let detect = |name: &str, head: &[u8]| FileFormat::detect(Path::new(name), head);
        assert_eq!(detect("ar-en.tmx", b"ar\ten"), FileFormat::Tmx);
        assert_eq!(detect("pairs.TSV", b"<tmx"), FileFormat::Tsv);
        assert_eq!(detect("ar-en.tmx.gz", &gzip), FileFormat::Tmx);
        assert_eq!(detect("pairs.tsv.gz", &gzip), FileFormat::Tsv);
        assert_eq!(detect("pairs.txt.GZ", &gzip), FileFormat::Tsv);
        // No telling extension: gzip, UTF-16 and `<` mean TMX.
        assert_eq!(detect("download.gz", &gzip), FileFormat::Tmx);
        assert_eq!(detect("memory", b"\xFF\xFE<\0"), FileFormat::Tmx);
        assert_eq!(detect("memory", b"\xEF\xBB\xBF  <?xml"), FileFormat::Tmx);
        assert_eq!(detect("memory", "قال\tsaid".as_bytes()), FileFormat::Tsv);
    }
}

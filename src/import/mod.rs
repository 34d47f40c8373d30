//! Importing one file (TMX or TSV, gzipped or not, or an alignment that
//! `tarjuman align` wrote and a translator corrected) into the TM, and
//! storing the word pairs of an alignment: the glue above the file formats
//! (`tmx`, `tsv`), the aligner (`align`) and the store (`tm`), which do not
//! know each other. A file's units are read as a stream and handed to one
//! `tm::UnitWriter`, so that a file goes in whole or not at all.
//!
//! - `format`: which reader a file needs;
//! - `align_tsv`: an alignment's TSV, corrected by hand;
//! - `source`: the readers behind one stream of units, their places;
//! - `pipeline`: the reader and writer threads;
//! - [`aligned`]: the aligner's learned dictionary to and from the TM.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

mod align_tsv;
pub mod aligned;
mod format;
mod pipeline;
mod source;

pub use format::{FileFormat, InputFormat};
pub use source::Located;

use crate::tm::write::{OnDuplicate, OriginInfo, WriteSummary};
use crate::tm::{TmError, TmStore};
use source::Source;

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Force the format instead of detecting it.
    pub format: Option<InputFormat>,
    /// TSV languages; a header line in the file is used when these are absent.
    pub src_lang: Option<String>,
    pub tgt_lang: Option<String>,
    pub on_duplicate: OnDuplicate,
    /// The origin name to record (as `stats` lists it) instead of the
    /// path: the server names an upload as its client did, not by the
    /// temporary file it was spooled to.
    pub origin: Option<String>,
}

/// What importing one file did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileReport {
    pub format: InputFormat,
    /// Word pairs the aligner learned (an alignment's TSV only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub word_pairs: Option<usize>,
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
    /// The file could not be opened.
    #[error("cannot open: {0}")]
    Open(std::io::Error),
    /// The file's first bytes could not be read.
    #[error("cannot read: {0}")]
    Read(std::io::Error),
    /// The TM could not be written (its causes as `source()`).
    #[error(transparent)]
    Tm(#[from] TmError),
}

/// Where an import is, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// This many bytes of the file read (and their units written).
    Read(u64),
    /// All read; the transaction is being committed (building the deferred
    /// indexes, writing the TM out): seconds for a big file.
    Committing,
}

/// Import one file in one transaction. `progress` is called now and then
/// with where the import is. On any error the TM is left as it was.
pub fn import_file(
    store: &mut dyn TmStore,
    path: &Path,
    opts: &ImportOptions,
    mut progress: impl FnMut(Progress),
) -> Result<FileReport, ImportError> {
    let open = || -> Result<BufReader<File>, ImportError> {
        let file = File::open(path).map_err(ImportError::Open)?;
        Ok(BufReader::with_capacity(1 << 16, file))
    };
    let mut head = Vec::with_capacity(512);
    open()?
        .take(512)
        .read_to_end(&mut head)
        .map_err(ImportError::Read)?;
    let format = opts
        .format
        .unwrap_or_else(|| InputFormat::detect(path, &head));
    let (source, header) = Source::open(open()?, &head, format, opts)?;
    // A corrected alignment teaches the aligner, as `align --import` does:
    // its links' word pairs are counted before the units go to the writer.
    let cooccurrence = source.cooccurrence();
    let origin = OriginInfo {
        // Stored as the file name, the form users type back (--origin),
        // unless the caller names it (the server names an upload).
        name: opts
            .origin
            .clone()
            .unwrap_or_else(|| crate::tm::read::origin_name(path)),
        kind: match format {
            InputFormat::Tmx => "tmx",
            InputFormat::Tsv => "tsv",
            InputFormat::AlignTsv => "align",
        }
        .into(),
        header,
    };
    // Above a few MB the kernel is asked to write the log out as the
    // import goes, so the commit's fsync does not wait for all of it.
    let big = std::fs::metadata(path).is_ok_and(|m| m.len() > 8 << 20);
    let mut writer = if big {
        store.bulk_writer(&origin)
    } else {
        store.writer(&origin)
    }
    .map_err(TmError::from)?;
    // Two threads: this one writes to SQLite while a reader parses the
    // file a batch ahead.
    let (units_read, warnings) =
        pipeline::write_all(&mut *writer, source, opts.on_duplicate, |bytes| {
            progress(Progress::Read(bytes))
        })?;
    progress(Progress::Committing);
    let written = writer.commit().map_err(TmError::from)?;
    let word_pairs = match cooccurrence {
        Some(co) => Some(aligned::store(store, &co)?),
        None => None,
    };
    Ok(FileReport {
        format,
        word_pairs,
        units_read,
        written,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A progress display hears that the import is committing after the
    /// last bytes are read (not a silent 99% while the TM is written).
    #[test]
    fn progress_says_committing_after_reading() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = crate::tm::Store::open(&dir.path().join("tm.db")).unwrap();
        let tsv = dir.path().join("a.tsv");
        std::fs::write(&tsv, "ar\ten\nقال الرئيس\tThe president said\n").unwrap();
        let mut seen = Vec::new();
        let report = import_file(&mut store, &tsv, &ImportOptions::default(), |p| {
            seen.push(p)
        })
        .unwrap();
        assert_eq!(report.written.inserted, 1);
        let len = std::fs::metadata(&tsv).unwrap().len();
        assert_eq!(seen.last(), Some(&Progress::Committing));
        assert!(seen.contains(&Progress::Read(len)), "{seen:?}");
    }
}

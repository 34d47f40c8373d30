//! One stream of units from a file, whatever its format: the TMX reader,
//! or the TSV reader (behind a gzip decoder when the file is gzipped), and
//! their errors and warnings as places in the file. It reads; storing the
//! units is `pipeline` and `tm`.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::{FileFormat, ImportError, ImportOptions};
use crate::tmx::read::{TmxReader, GZIP_MAGIC};
use crate::tsv::TsvReader;
use crate::unit::{Header, Unit};

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
pub(super) enum Source {
    Tmx(Box<TmxReader<BufReader<File>>>),
    Tsv {
        reader: Box<TsvReader<Box<dyn BufRead + Send>>>,
        /// Bytes of the gzipped file read so far (None: not gzipped).
        compressed: Option<Arc<AtomicU64>>,
        src: String,
        tgt: String,
        stamp: String,
    },
}

impl Source {
    /// Start reading `input` (opened at its first byte) as `format`;
    /// `head` is its first bytes. Returns the TMX header too.
    pub(super) fn open(
        input: BufReader<File>,
        head: &[u8],
        format: FileFormat,
        opts: &ImportOptions,
    ) -> Result<(Source, Option<Header>), ImportError> {
        match format {
            FileFormat::Tmx => {
                let reader = TmxReader::new(input).map_err(|e| ImportError::Input(e.into()))?;
                let header = reader.header().clone();
                Ok((Source::Tmx(Box::new(reader)), Some(header)))
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
                let reader = TsvReader::new(text).map_err(|e| ImportError::Input(e.into()))?;
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
                            message:
                                "a TSV file needs its languages: give --src-lang and --tgt-lang, \
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
                    stamp: crate::tm::now_tmx(),
                };
                Ok((source, None))
            }
        }
    }

    /// The next unit into `unit` (the TMX reader refills it in its own
    /// memory); `false` at the end.
    pub(super) fn next_unit_into(&mut self, unit: &mut Unit) -> Result<bool, Located> {
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

    pub(super) fn take_warnings(&mut self) -> Vec<Located> {
        match self {
            Source::Tmx(r) => r.take_warnings().into_iter().map(Located::from).collect(),
            Source::Tsv { reader, .. } => reader
                .take_warnings()
                .into_iter()
                .map(Located::from)
                .collect(),
        }
    }

    pub(super) fn bytes_read(&self) -> u64 {
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

//! One stream of units from a file, whatever its format: the TMX reader,
//! or the TSV reader (behind a gzip decoder when the file is gzipped), and
//! their errors and warnings as places in the file. It reads; storing the
//! units is `pipeline` and `tm`.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::{ImportError, ImportOptions, InputFormat};
use crate::tmx::read::{TmxReader, GZIP_MAGIC};
use crate::tsv::TsvReader;
use crate::unit::{Header, Unit};

/// A problem at a place in the input file (1-based line and column): the
/// type every file reader reports.
pub use crate::text::located::Located;

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

/// A stream of units from any format.
pub(super) enum Source {
    /// Units read at once (an alignment's TSV: one document).
    Units {
        units: std::vec::IntoIter<Unit>,
        bytes: u64,
    },
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
        format: InputFormat,
        opts: &ImportOptions,
    ) -> Result<(Source, Option<Header>), ImportError> {
        match format {
            InputFormat::AlignTsv => {
                let mut bytes = Vec::new();
                let mut input = input;
                input.read_to_end(&mut bytes).map_err(ImportError::Read)?;
                let size = bytes.len() as u64;
                let text = decode(bytes).map_err(ImportError::Input)?;
                let src = opts.src_lang.as_deref().unwrap_or("ar");
                let tgt = opts.tgt_lang.as_deref().unwrap_or("en");
                let (mut units, _omissions) =
                    super::align_tsv::units(&text, src, tgt).map_err(ImportError::Input)?;
                let stamp = crate::tm::now_tmx();
                for u in &mut units {
                    u.stamp.creation_date = Some(stamp.clone());
                }
                let source = Source::Units {
                    units: units.into_iter(),
                    bytes: size,
                };
                Ok((source, None))
            }
            InputFormat::Tmx => {
                let reader = TmxReader::new(input).map_err(ImportError::Input)?;
                let header = reader.header().clone();
                Ok((Source::Tmx(Box::new(reader)), Some(header)))
            }
            InputFormat::Tsv => {
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
                let reader = TsvReader::new(text).map_err(ImportError::Input)?;
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

    /// For units read at once (an alignment), the co-occurrence counts of
    /// their two texts (every link when there are few, an even sample of
    /// `MAX_LEARN_LINKS` otherwise, as `align --import` counts).
    pub(super) fn cooccurrence(&self) -> Option<crate::align::Cooccurrence> {
        let Source::Units { units, .. } = self else {
            return None;
        };
        let units = units.as_slice();
        let mut co = crate::align::Cooccurrence::default();
        let every = units.len().div_ceil(crate::align::MAX_LEARN_LINKS).max(1);
        for u in units.iter().step_by(every) {
            co.add_link(&u.variants[0].seg.plain, &u.variants[1].seg.plain);
        }
        Some(co)
    }

    /// The next unit into `unit` (the TMX reader refills it in its own
    /// memory); `false` at the end.
    pub(super) fn next_unit_into(&mut self, unit: &mut Unit) -> Result<bool, Located> {
        match self {
            Source::Units { units, .. } => Ok(units.next().map(|u| *unit = u).is_some()),
            Source::Tmx(r) => r.next_unit_into(unit),
            Source::Tsv {
                reader,
                src,
                tgt,
                stamp,
                ..
            } => {
                let Some(p) = reader.next_pair()? else {
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
            Source::Units { .. } => Vec::new(),
            Source::Tmx(r) => r.take_warnings(),
            Source::Tsv { reader, .. } => reader.take_warnings(),
        }
    }

    pub(super) fn bytes_read(&self) -> u64 {
        match self {
            Source::Units { bytes, .. } => *bytes,
            Source::Tmx(r) => r.bytes_read(),
            Source::Tsv {
                compressed: Some(count),
                ..
            } => count.load(Ordering::Relaxed),
            Source::Tsv { reader, .. } => reader.bytes_read(),
        }
    }
}

/// A whole file as text: UTF-8, or the encoding its byte-order mark names
/// (spreadsheets save "Unicode text" as UTF-16 with a mark). Bad bytes are
/// placed by line and column (in characters).
fn decode(bytes: Vec<u8>) -> Result<String, Located> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(&bytes) {
        return match encoding.decode_without_bom_handling_and_without_replacement(&bytes[bom..]) {
            Some(text) => Ok(text.into_owned()),
            None => Err(Located {
                line: 1,
                column: 1,
                message: format!(
                    "not valid {}: the file's byte-order mark names this encoding, but the text is damaged",
                    encoding.name()
                ),
            }),
        };
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let valid = std::str::from_utf8(valid).unwrap_or_default();
        let line = valid.matches('\n').count() as u64 + 1;
        let last = valid.rsplit('\n').next().unwrap_or("");
        Located {
            line,
            column: last.chars().count() as u64 + 1,
            message: "not valid UTF-8: save the file as UTF-8 (or as UTF-16 \"Unicode text\")"
                .into(),
        }
    })
}

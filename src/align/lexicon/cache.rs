//! FreeDict's Arabic–English dictionary, parsed once and kept in a compact
//! cache file, so that an alignment does not pay for parsing it.
//!
//! Parsing the dictd files (decompress 1 MB, fold and stem 85,000 senses)
//! costs about a quarter of a second, more than aligning a long article.
//! The parsed lexicon is written once to a cache file (`freedict-ara-eng.lex`
//! in the directory the caller names, the user cache directory for the
//! binary) in a compact form: the folded Arabic keys and English stems, as
//! length-prefixed UTF-8, read back in a few milliseconds. The file starts
//! with a key: the dictionary files' paths, sizes and modification times
//! and the program's own size and time, so a new dictionary package or a
//! new tarjuman (whose folding may differ) rebuilds it. A cache that is
//! stale, damaged or cannot be written is never an error: the dictionary
//! is parsed, and the caller told why it was not cached.
//!
//! This module reads files; it does not decide whether FreeDict is used
//! (the caller does, `--no-freedict`), nor where the cache directory is.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use super::Lexicon;

/// Where Debian's `dict-freedict-ara-eng` puts the dictionary (without the
/// `.index` and `.dict.dz` extensions).
pub const FREEDICT: &str = "/usr/share/dictd/freedict-ara-eng";

/// The first bytes of a cache file, with the layout's version.
const MAGIC: &[u8] = b"tarjuman lexicon 1\n";

/// Why FreeDict could not be read (the cache is never the reason).
#[derive(Debug, thiserror::Error)]
pub enum DictError {
    #[error("{}: cannot read (use --no-freedict to skip it)", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: cannot decompress (use --no-freedict to skip it)", path.display())]
    Decompress {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Where a loaded dictionary came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Read from the cache file.
    Cache,
    /// Parsed, and the cache file written.
    Parsed,
    /// Parsed; the cache could not be written (why).
    ParsedNotCached(String),
}

/// A dictionary as loaded.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// Frozen: cloning it for each alignment copies nothing.
    pub lexicon: Lexicon,
    /// How many senses the dictionary gave.
    pub senses: usize,
    pub origin: Origin,
}

/// Load FreeDict's dictionary from `base` (`base.index`, `base.dict.dz`)
/// through the cache file in `cache_dir` (none: parse every time).
/// `Ok(None)` when the dictionary is not installed.
pub fn load_freedict(base: &Path, cache_dir: Option<&Path>) -> Result<Option<Loaded>, DictError> {
    let index_path = base.with_extension("index");
    let dict_path = base.with_extension("dict.dz");
    let (Ok(index_meta), Ok(dict_meta)) = (index_path.metadata(), dict_path.metadata()) else {
        return Ok(None);
    };
    let key = format!(
        "{}\n{}\n{}\n{}",
        env!("CARGO_PKG_VERSION"),
        program_stamp(),
        file_stamp(&index_path, &index_meta),
        file_stamp(&dict_path, &dict_meta)
    );
    let cache_file = cache_dir.map(|d| d.join(cache_name(base)));
    if let Some(file) = &cache_file {
        if let Ok(bytes) = std::fs::read(file) {
            if let Some((lexicon, senses)) = from_compact(&bytes, &key) {
                return Ok(Some(Loaded {
                    lexicon,
                    senses,
                    origin: Origin::Cache,
                }));
            }
        }
    }
    let (mut lexicon, senses) = parse_dictd(&index_path, &dict_path)?;
    lexicon.freeze();
    let origin = match &cache_file {
        None => Origin::ParsedNotCached("no cache directory".into()),
        Some(file) => match write_atomically(file, &to_compact(&lexicon, senses, &key)) {
            Ok(()) => Origin::Parsed,
            Err(e) => Origin::ParsedNotCached(format!("{}: {e}", file.display())),
        },
    };
    Ok(Some(Loaded {
        lexicon,
        senses,
        origin,
    }))
}

/// `freedict-ara-eng.lex` for `/usr/share/dictd/freedict-ara-eng`.
fn cache_name(base: &Path) -> String {
    let stem = base
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "dictionary".into());
    format!("{stem}.lex")
}

/// Path, size and modification time: what says a file was replaced.
fn file_stamp(path: &Path, meta: &std::fs::Metadata) -> String {
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!("{} {} {mtime}", path.display(), meta.len())
}

/// The running program's own stamp: another build of tarjuman may fold or
/// stem words differently, so its cache is not this one's.
fn program_stamp() -> String {
    std::env::current_exe()
        .and_then(|p| Ok((p.metadata()?, p)))
        .map(|(m, p)| file_stamp(&p, &m))
        .unwrap_or_default()
}

fn parse_dictd(index_path: &Path, dict_path: &Path) -> Result<(Lexicon, usize), DictError> {
    let index = std::fs::read_to_string(index_path).map_err(|source| DictError::Read {
        path: index_path.to_path_buf(),
        source,
    })?;
    let file = std::fs::File::open(dict_path).map_err(|source| DictError::Read {
        path: dict_path.to_path_buf(),
        source,
    })?;
    let mut body = Vec::new();
    flate2::read::MultiGzDecoder::new(std::io::BufReader::new(file))
        .read_to_end(&mut body)
        .map_err(|source| DictError::Decompress {
            path: dict_path.to_path_buf(),
            source,
        })?;
    let mut lexicon = Lexicon::new();
    let senses = lexicon.add_dictd(&index, &body);
    Ok((lexicon, senses))
}

/// Write through a temporary file in the same directory and rename it, so
/// that two runs at once never read a half-written cache.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut tmp, bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn put_len(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n & 0x7F) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

/// The compact form: `MAGIC`, the key, the sense count, the number of
/// entries, then per entry its Arabic key and its English stems, every
/// string and count LEB128-length-prefixed. Entries sorted, so the same
/// lexicon always gives the same bytes.
pub fn to_compact(lexicon: &Lexicon, senses: usize, key: &str) -> Vec<u8> {
    let entries = lexicon.entries();
    let mut out = Vec::with_capacity(64 + 24 * entries.len());
    out.extend_from_slice(MAGIC);
    put_str(&mut out, key);
    put_len(&mut out, senses);
    put_len(&mut out, entries.len());
    for (arabic, stems) in entries {
        put_str(&mut out, arabic);
        put_len(&mut out, stems.len());
        for stem in stems {
            put_str(&mut out, stem);
        }
    }
    out
}

/// A cursor over the compact form; every read checks its bounds.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn len(&mut self) -> Option<usize> {
        let mut n = 0usize;
        for shift in (0..64).step_by(7) {
            let byte = *self.bytes.get(self.at)?;
            self.at += 1;
            n |= usize::from(byte & 0x7F).checked_shl(shift)?;
            if byte & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    fn str(&mut self) -> Option<&'a str> {
        let n = self.len()?;
        let bytes = self.bytes.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        std::str::from_utf8(bytes).ok()
    }
}

/// The lexicon (frozen) and its sense count, if `bytes` is a whole compact
/// form made under `key`; `None` for anything else (stale, damaged,
/// truncated): the caller rebuilds it.
pub fn from_compact(bytes: &[u8], key: &str) -> Option<(Lexicon, usize)> {
    let mut r = Reader {
        bytes: bytes.strip_prefix(MAGIC)?,
        at: 0,
    };
    if r.str()? != key {
        return None;
    }
    let senses = r.len()?;
    let count = r.len()?;
    // Each entry takes at least two bytes: a damaged count cannot make
    // this reserve more than the file could hold.
    let mut map =
        super::Entries::with_capacity_and_hasher(count.min(bytes.len() / 2), Default::default());
    for _ in 0..count {
        let arabic = r.str()?;
        let n = r.len()?;
        let mut stems = Vec::with_capacity(n.min(super::MAX_SENSES));
        for _ in 0..n {
            stems.push(r.str()?.to_string());
        }
        map.insert(arabic.to_string(), stems);
    }
    if r.at != r.bytes.len() {
        return None;
    }
    Some((Lexicon::frozen(map), senses))
}

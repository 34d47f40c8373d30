//! The bytes of a TMX file made into UTF-8 for the XML reader: gzip is
//! unpacked (OPUS ships `.tmx.gz`), the encoding is sniffed from the first
//! bytes (BOM, UTF-16 without BOM, the XML declaration, binary files named
//! `.tmx` by mistake) and anything but UTF-8 is transcoded with
//! encoding_rs. Also the message for bytes that are not UTF-8 after all.
//!
//! It does not parse XML (beyond the declaration's `encoding`), check
//! characters or track positions: see `tracker` and `lexer`.

use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use encoding_rs::Encoding;

use super::{Pos, ReadError};

/// Bytes looked at to sniff the encoding.
const PREFIX_LEN: u64 = 4096;

/// Counts the raw bytes read, for progress bars.
pub(super) struct Counted<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The first bytes of a gzip file.
pub const GZIP_MAGIC: &[u8] = b"\x1f\x8b";

/// The file's bytes as stored, or gunzipped: OPUS ships its TMX as
/// `.tmx.gz`. Counting happens below the decompressor, so `bytes_read`
/// stays comparable with the file's size.
pub(super) enum Stored<R: Read> {
    Plain(Counted<R>),
    Gzip(Box<flate2::read::MultiGzDecoder<Sniffed<R>>>),
}

/// The bytes read to sniff the format, then the rest of the file.
pub(super) type Sniffed<R> = io::Chain<io::Cursor<Vec<u8>>, Counted<R>>;

impl<R: Read> Read for Stored<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stored::Plain(r) => r.read(buf),
            Stored::Gzip(r) => r.read(buf).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("the gzip data is corrupt or cut off ({e}): download the file again"),
                )
            }),
        }
    }
}

pub(super) type Raw<R> = io::Chain<io::Cursor<Vec<u8>>, Stored<R>>;

/// The input as UTF-8: passed through, or transcoded.
pub(super) enum Source<R: Read> {
    Utf8(Raw<R>),
    Decoded(Box<encoding_rs_io::DecodeReaderBytes<Raw<R>, Vec<u8>>>),
}

impl<R: Read> Read for Source<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Source::Utf8(r) => r.read(buf),
            Source::Decoded(r) => r.read(buf),
        }
    }
}

/// A file opened for reading: its text as UTF-8, the counter of raw bytes
/// read (for `TmxReader::bytes_read`) and what was odd about its encoding.
pub(super) struct Opened<R: Read> {
    pub(super) source: Source<R>,
    pub(super) count: Arc<AtomicU64>,
    pub(super) warning: Option<String>,
}

/// Gunzip `input` if it is gzip, sniff its encoding, and pass it through
/// (UTF-8, without its BOM) or transcode it.
pub(super) fn open<R: Read>(input: R) -> Result<Opened<R>, ReadError> {
    let count = Arc::new(AtomicU64::new(0));
    let mut counted = Counted {
        inner: input,
        count: count.clone(),
    };
    let mut prefix = read_prefix(&mut counted)?;
    let stored = if prefix.starts_with(GZIP_MAGIC) {
        let gunzip = flate2::read::MultiGzDecoder::new(io::Cursor::new(prefix).chain(counted));
        let mut stored = Stored::Gzip(Box::new(gunzip));
        prefix = read_prefix(&mut stored)?;
        stored
    } else {
        Stored::Plain(counted)
    };
    let (encoding, bom, warning) = sniff(&prefix)?;
    prefix.drain(..bom);
    let raw = io::Cursor::new(prefix).chain(stored);
    let source = if encoding == encoding_rs::UTF_8 {
        Source::Utf8(raw)
    } else {
        let decoder = encoding_rs_io::DecodeReaderBytesBuilder::new()
            .encoding(Some(encoding))
            .bom_sniffing(false)
            .build(raw);
        Source::Decoded(Box::new(decoder))
    };
    Ok(Opened {
        source,
        count,
        warning,
    })
}

/// The encoding of a file from its first bytes: (encoding, BOM length,
/// warning).
pub(super) fn sniff(
    prefix: &[u8],
) -> Result<(&'static Encoding, usize, Option<String>), ReadError> {
    let at = Pos::START;
    if prefix.is_empty() {
        return Err(
            at.err("the file is empty: a TMX file starts with <?xml ...?> or <tmx>; re-export it")
        );
    }
    if prefix.starts_with(&[0, 0, 0xFE, 0xFF]) || prefix.starts_with(&[0xFF, 0xFE, 0, 0]) {
        return Err(at.err("the file is UTF-32, which tarjuman does not read: save it as UTF-8"));
    }
    if prefix.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Ok((encoding_rs::UTF_8, 3, None));
    }
    if prefix.starts_with(&[0xFF, 0xFE]) {
        return Ok((encoding_rs::UTF_16LE, 2, None));
    }
    if prefix.starts_with(&[0xFE, 0xFF]) {
        return Ok((encoding_rs::UTF_16BE, 2, None));
    }
    // UTF-16 without BOM: `<` (or XML whitespace) next to a NUL byte.
    let xml_start = |b: u8| matches!(b, b'<' | b' ' | b'\t' | b'\r' | b'\n');
    if prefix.len() >= 4 {
        if xml_start(prefix[0]) && prefix[1] == 0 && prefix[3] == 0 && prefix[2] != 0 {
            return Ok((encoding_rs::UTF_16LE, 0, None));
        }
        if prefix[0] == 0 && xml_start(prefix[1]) && prefix[2] == 0 && prefix[3] != 0 {
            return Ok((encoding_rs::UTF_16BE, 0, None));
        }
    }
    if let Some(what) = known_binary(prefix) {
        return Err(at.err(format!("this is {what}, not a TMX file")));
    }
    if let Some(i) = prefix.iter().position(|&b| b == 0) {
        return Err(at.err(format!(
            "binary data (a NUL byte at byte {}): this is not a TMX text file",
            i + 1
        )));
    }
    let Some(label) = declared_encoding(prefix) else {
        return Ok((encoding_rs::UTF_8, 0, None));
    };
    // Python writes its codec names (`iso8859_6`, `utf_8`).
    let enc = Encoding::for_label(label.trim().as_bytes())
        .or_else(|| Encoding::for_label(label.trim().replace('_', "-").as_bytes()));
    let Some(enc) = enc else {
        if is_utf8_prefix(prefix) {
            // `UTF-8N`, `utf-8-sig`: names for UTF-8 that only some tools know.
            return Ok((
                encoding_rs::UTF_8,
                0,
                Some(format!(
                    "unknown encoding \"{label}\" in the XML declaration; the text is UTF-8: \
                     read as UTF-8"
                )),
            ));
        }
        return Err(at.err(format!(
            "unknown encoding \"{label}\" in the XML declaration: save the file as UTF-8, or \
             declare an encoding such as UTF-8 or windows-1256"
        )));
    };
    if enc == encoding_rs::REPLACEMENT {
        return Err(at.err(format!(
            "encoding \"{label}\" is not supported: save the file as UTF-8"
        )));
    }
    if enc != encoding_rs::UTF_8 && enc.is_ascii_compatible() && is_utf8_text(prefix) {
        // Multi-byte UTF-8 that decodes cleanly is never legacy 8-bit text
        // in practice: the declaration was left over from another encoding.
        return Ok((
            encoding_rs::UTF_8,
            0,
            Some(format!(
                "the XML declaration says \"{label}\" but the text is UTF-8: read as UTF-8"
            )),
        ));
    }
    if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
        // The bytes are 8-bit (no NULs next to `<`): the declaration is wrong.
        return Ok((
            encoding_rs::UTF_8,
            0,
            Some(format!(
                "the XML declaration says \"{label}\" but the bytes are 8-bit: read as UTF-8"
            )),
        ));
    }
    Ok((enc, 0, None))
}

/// Valid UTF-8 (a sequence cut off by the end of the prefix counts as
/// valid).
fn is_utf8_prefix(prefix: &[u8]) -> bool {
    match std::str::from_utf8(prefix) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

/// Non-ASCII bytes that are valid UTF-8.
fn is_utf8_text(prefix: &[u8]) -> bool {
    is_utf8_prefix(prefix) && !prefix.is_ascii()
}

/// File types that get named .tmx by mistake.
fn known_binary(prefix: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"PK\x03\x04", "a ZIP archive (unzip it first; is it a .sdltm.zip or .tmx.zip?)"),
        (
            b"SQLite format 3\0",
            "an SQLite database (a Trados .sdltm or an OmegaT/tarjuman TM?): export it to TMX from its tool",
        ),
        (b"%PDF", "a PDF document"),
        (b"\x89PNG", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"{\\rtf", "an RTF document"),
        (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
    ];
    MAGIC
        .iter()
        .find(|(magic, _)| prefix.starts_with(magic))
        .map(|(_, what)| *what)
}

/// The `encoding` pseudo-attribute of an XML declaration at the start.
pub(super) fn declared_encoding(prefix: &[u8]) -> Option<String> {
    let decl = prefix.strip_prefix(b"<?xml")?;
    let end = decl.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(&decl[..end]).ok()?;
    let rest = &decl[decl.find("encoding")? + "encoding".len()..];
    let rest = rest.trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    Some(value[..value.find(quote)?].to_string())
}

pub(super) fn invalid_utf8_message(rest: &[u8]) -> String {
    let sample = &rest[..rest.len().min(64)];
    let high = sample.iter().filter(|&&b| b >= 0x80).count();
    let (as_1256, _) = encoding_rs::WINDOWS_1256.decode_without_bom_handling(sample);
    let arabic = as_1256
        .chars()
        .filter(|c| ('\u{0600}'..='\u{06FF}').contains(c))
        .count();
    let guess = if arabic > 0 && arabic * 2 >= high {
        "it looks like windows-1256 (Arabic Windows)"
    } else {
        "it is probably in a legacy encoding such as windows-1252"
    };
    let example = if arabic > 0 && arabic * 2 >= high {
        "windows-1256"
    } else {
        "windows-1252"
    };
    format!(
        "byte 0x{:02X} is not valid UTF-8, and no other encoding is declared: {guess}. \
         Declare it on the first line (<?xml version=\"1.0\" encoding=\"{example}\"?>) or \
         convert the file to UTF-8",
        rest.first().copied().unwrap_or(0)
    )
}

/// The first bytes, to sniff the encoding (and gzip) from.
fn read_prefix(input: &mut impl Read) -> Result<Vec<u8>, ReadError> {
    let mut prefix = Vec::with_capacity(PREFIX_LEN as usize);
    input
        .take(PREFIX_LEN)
        .read_to_end(&mut prefix)
        .map_err(|e| Pos::START.err(format!("cannot read the file: {e}")))?;
    Ok(prefix)
}

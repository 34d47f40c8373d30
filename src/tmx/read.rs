//! Streaming TMX reader: TMX 1.1–1.4b in any encoding real tools write,
//! one unit at a time (memory does not grow with the file).
//!
//! Layers, bottom up:
//! - encoding sniffing (BOM, UTF-16 without BOM, the XML declaration) and
//!   transcoding to UTF-8 (`Source`), since quick-xml reads UTF-8 only;
//! - `Tracker`: the buffered byte source quick-xml reads from; it keeps the
//!   bytes of the current event so that any offset maps to a line and a
//!   column (in characters, so they hold for UTF-16 files too), and checks
//!   each event for bytes XML forbids. Invalid UTF-8 is caught where text
//!   is used (`utf8`), with the same exact position;
//! - `Lexer`: quick-xml events plus a nesting-depth limit;
//! - `TmxReader`: the TMX grammar, iterative (no recursion), tolerant where
//!   real files differ (warnings) and strict where the data would be wrong
//!   (errors).

use std::borrow::Cow;
use std::fmt;
use std::io::{self, BufRead, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use encoding_rs::Encoding;
use quick_xml::events::attributes::AttrError;
use quick_xml::events::{BytesStart, Event};

use super::{PROP_ATTR_PREFIX, PROP_CONTEXT_NEXT, PROP_CONTEXT_PREV, PROP_ORIGIN};
use crate::text::lang;
use crate::unit::{Context, Header, Note, Prop, Segment, Stamp, Unit, Variant};

/// Deepest element nesting accepted. TMX itself needs five levels
/// (tmx/body/tu/tuv/seg) plus inline markup; real files stay far below this,
/// and a hostile file with 100,000 nested elements stops here.
pub const MAX_DEPTH: usize = 200;
/// Warnings kept until `take_warnings`; beyond that they are counted.
const MAX_PENDING_WARNINGS: usize = 1000;
/// Bytes looked at to sniff the encoding.
const PREFIX_LEN: u64 = 4096;
const BUF_LEN: usize = 128 * 1024;

/// A file that cannot be read as TMX, with the place (1-based line and
/// column in characters) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    pub line: u64,
    pub column: u64,
    pub message: String,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for ReadError {}

/// Something odd that was tolerated (a `tuv` without `seg`, an unknown
/// element); the data around it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub line: u64,
    pub column: u64,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pos {
    line: u64,
    column: u64,
}

impl Pos {
    const START: Pos = Pos { line: 1, column: 1 };

    fn err(self, message: impl Into<String>) -> ReadError {
        ReadError {
            line: self.line,
            column: self.column,
            message: message.into(),
        }
    }
}

// ---------------------------------------------------------------- encoding

/// Counts the raw bytes read, for progress bars.
struct Counted<R> {
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
enum Stored<R: Read> {
    Plain(Counted<R>),
    Gzip(Box<flate2::read::MultiGzDecoder<Sniffed<R>>>),
}

/// The bytes read to sniff the format, then the rest of the file.
type Sniffed<R> = io::Chain<io::Cursor<Vec<u8>>, Counted<R>>;

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

type Raw<R> = io::Chain<io::Cursor<Vec<u8>>, Stored<R>>;

/// The input as UTF-8: passed through, or transcoded.
enum Source<R: Read> {
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

/// The encoding of a file from its first bytes: (encoding, BOM length,
/// warning).
fn sniff(prefix: &[u8]) -> Result<(&'static Encoding, usize, Option<String>), ReadError> {
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

/// What a control character usually is in a real TMX file: Word's special
/// characters leak into exports from tools that do not escape them.
fn control_hint(code: u32) -> &'static str {
    match code {
        0x0B => " (Word's manual line break: replace it with a line break)",
        0x0C => " (a page or section break)",
        0x1A => " (an old end-of-file mark)",
        0x1E => " (Word's non-breaking hyphen: replace it with U+2011)",
        0x1F => " (Word's optional hyphen: replace it with U+00AD)",
        _ => "",
    }
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
fn declared_encoding(prefix: &[u8]) -> Option<String> {
    let decl = prefix.strip_prefix(b"<?xml")?;
    let end = decl.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(&decl[..end]).ok()?;
    let rest = &decl[decl.find("encoding")? + "encoding".len()..];
    let rest = rest.trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    Some(value[..value.find(quote)?].to_string())
}

// ---------------------------------------------------------------- tracking

/// The buffered byte source quick-xml reads from. Keeps the bytes consumed
/// since the start of the current event to locate offsets and to check
/// them once the event is complete: `buf[start..pos]`, after `window`, the
/// part read before the buffer was last refilled (usually none, so bytes
/// are not copied).
struct Tracker<S> {
    src: S,
    buf: Box<[u8]>,
    pos: usize,
    filled: usize,
    start: usize,
    window: Vec<u8>,
    /// Offset, line and column of the current event's first byte.
    win_offset: u64,
    line: u64,
    column: u64,
}

impl<S: Read> Tracker<S> {
    fn new(src: S) -> Self {
        Tracker {
            src,
            buf: vec![0; BUF_LEN].into_boxed_slice(),
            pos: 0,
            filled: 0,
            start: 0,
            window: Vec::new(),
            win_offset: 0,
            line: 1,
            column: 1,
        }
    }

    fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            column: self.column,
        }
    }

    /// The line and column of absolute byte offset `offset` (clamped to the
    /// current window).
    fn locate(&self, offset: u64) -> Pos {
        if offset < self.win_offset {
            // The `<` of a tag, consumed with the text before it: same line.
            let back = self.win_offset - offset;
            return Pos {
                line: self.line,
                column: self.column.saturating_sub(back).max(1),
            };
        }
        let i = (offset - self.win_offset) as usize;
        if i == 0 {
            // Every event's start: the last event was just accepted.
            return self.pos();
        }
        let (head, tail) = self.event();
        let head = &head[..i.min(head.len())];
        let tail = &tail[..(i - head.len()).min(tail.len())];
        let (line, column) = advance(self.line, self.column, head, &scan(head));
        let (line, column) = advance(line, column, tail, &scan(tail));
        Pos { line, column }
    }

    /// The bytes of the current event: the part carried over from the
    /// previous buffer, and the part in this one.
    fn event(&self) -> (&[u8], &[u8]) {
        (&self.window, &self.buf[self.start..self.pos])
    }

    /// Check the bytes of the event just read and move past them.
    fn accept(&mut self) -> Result<(), ReadError> {
        let (head, tail) = self.event();
        let st = scan(tail);
        // Usually the event is all in this buffer: no second scan.
        let sh = (!head.is_empty()).then(|| scan(head));
        if st.suspect || sh.as_ref().is_some_and(|s| s.suspect) {
            let bytes = [head, tail].concat();
            if let Some(i) = find_forbidden(&bytes) {
                let what = match bytes[i] {
                    0xEF => "the non-character U+FFFE/U+FFFF".to_string(),
                    b => format!("the control character U+{b:04X}{}", control_hint(b.into())),
                };
                return Err(self.locate(self.win_offset + i as u64).err(format!(
                    "{what} is not allowed in XML (only tab, line feed and carriage return \
                     are): remove it from the file"
                )));
            }
        }
        let (line, column) = match &sh {
            Some(sh) => advance(self.line, self.column, head, sh),
            None => (self.line, self.column),
        };
        let (line, column) = advance(line, column, tail, &st);
        let len = head.len() + tail.len();
        self.line = line;
        self.column = column;
        self.win_offset += len as u64;
        self.window.clear();
        self.start = self.pos;
        Ok(())
    }
}

impl<S: Read> Read for Tracker<S> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let avail = self.fill_buf()?;
            let n = avail.len().min(out.len());
            out[..n].copy_from_slice(&avail[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<S: Read> BufRead for Tracker<S> {
    // quick-xml asks for the buffer several times per event: the common
    // case (bytes left) inline, the refill out of line.
    #[inline]
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.filled {
            self.refill()?;
        }
        Ok(&self.buf[self.pos..self.filled])
    }

    #[inline]
    fn consume(&mut self, n: usize) {
        self.pos += n.min(self.filled - self.pos);
    }
}

impl<S: Read> Tracker<S> {
    /// Read the next buffer; the current event's bytes in this one are
    /// kept.
    #[inline(never)]
    fn refill(&mut self) -> io::Result<()> {
        self.window
            .extend_from_slice(&self.buf[self.start..self.pos]);
        self.start = self.pos;
        self.filled = loop {
            match self.src.read(&mut self.buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        self.pos = 0;
        self.start = 0;
        Ok(())
    }
}

/// What one pass over an event's bytes finds.
struct Scan {
    newlines: u64,
    chars: u64,
    /// A byte XML may forbid is present (see `find_forbidden`).
    suspect: bool,
}

fn scan(bytes: &[u8]) -> Scan {
    // Eight bytes at a time in a u64 (SWAR): most events are shorter than
    // a SIMD block, and this is where every input byte passes once. Bytes
    // below 0x20 (line feeds, tabs, forbidden controls) are rare inside
    // text: only a word that has one is looked at closely.
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    /// The high bit of each byte of `x` that is zero, exactly.
    fn zeros(x: u64) -> u64 {
        !(((x & !HI).wrapping_add(!HI)) | x) & HI
    }
    /// How many bytes have their high bit set (a multiply sums the lanes;
    /// `count_ones` is slow without the popcnt instruction).
    fn lanes(high_bits: u64) -> u64 {
        ((high_bits >> 7).wrapping_mul(LO)) >> 56
    }
    /// The sum of the eight byte lanes of `x` (each up to 255).
    fn sum_lanes(x: u64) -> u64 {
        const PAIRS: u64 = 0x00FF_00FF_00FF_00FF;
        let pairs = (x & PAIRS) + ((x >> 8) & PAIRS);
        pairs.wrapping_mul(0x0001_0001_0001_0001) >> 48
    }
    let (mut newlines, mut continuation, mut flag) = (0u64, 0u64, 0u64);
    let mut word = |x: u64, per_lane: &mut u64| {
        *per_lane += (x & !(x << 1) & HI) >> 7;
        let low = zeros(x & (LO * 0xE0));
        if low != 0 {
            let nl = zeros(x ^ (LO * b'\n' as u64));
            newlines += lanes(nl);
            flag |= low & !nl & !zeros(x ^ (LO * b'\t' as u64)) & !zeros(x ^ (LO * b'\r' as u64));
        }
        flag |= zeros(x ^ (LO * 0xEF));
    };
    // Continuation bytes are counted per lane, summed every 255 words
    // before a lane can overflow.
    let mut blocks = bytes.chunks_exact(8 * 255);
    for block in &mut blocks {
        let mut per_lane = 0u64;
        for w in block.chunks_exact(8) {
            word(
                u64::from_le_bytes(w.try_into().expect("8 bytes")),
                &mut per_lane,
            );
        }
        continuation += sum_lanes(per_lane);
    }
    let mut per_lane = 0u64;
    let mut words = blocks.remainder().chunks_exact(8);
    for w in &mut words {
        word(
            u64::from_le_bytes(w.try_into().expect("8 bytes")),
            &mut per_lane,
        );
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        // Padded with spaces: not a newline, a continuation or suspect.
        let mut x = LO * u64::from(b' ');
        for (i, &b) in rest.iter().enumerate() {
            x ^= u64::from(b ^ b' ') << (8 * i);
        }
        word(x, &mut per_lane);
    }
    continuation += sum_lanes(per_lane);
    Scan {
        newlines,
        chars: bytes.len() as u64 - continuation,
        suspect: flag != 0,
    }
}

/// Line and column after `bytes` (scanned as `s`), starting at (`line`,
/// `column`). Columns count characters (UTF-8 lead bytes).
fn advance(line: u64, column: u64, bytes: &[u8], s: &Scan) -> (u64, u64) {
    if s.newlines == 0 {
        return (line, column + s.chars);
    }
    let last = bytes.iter().rposition(|&b| b == b'\n').unwrap_or(0);
    (line + s.newlines, 1 + scan(&bytes[last + 1..]).chars)
}

/// The first byte XML forbids: a control character other than tab, LF,
/// CR, or the start of U+FFFE/U+FFFF.
fn find_forbidden(bytes: &[u8]) -> Option<usize> {
    (0..bytes.len()).find(|&i| match bytes[i] {
        0xEF => bytes.get(i + 1) == Some(&0xBF) && matches!(bytes.get(i + 2), Some(0xBE | 0xBF)),
        b => b < 0x20 && b != b'\t' && b != b'\n' && b != b'\r',
    })
}

fn invalid_utf8_message(rest: &[u8]) -> String {
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

// ---------------------------------------------------------------- lexing

/// quick-xml events with positions and a depth limit.
struct Lexer<R: Read> {
    xml: quick_xml::Reader<Tracker<Source<R>>>,
    buf: Vec<u8>,
    depth: usize,
}

impl<R: Read> Lexer<R> {
    /// The next event and the position where it starts. Comments, PIs and
    /// the XML declaration come through too; callers ignore them.
    fn next(&mut self) -> Result<(Event<'_>, Pos), ReadError> {
        self.buf.clear();
        let (offset, tracker) = (self.xml.buffer_position(), self.xml.get_ref());
        // Every event's start, but one after a `<` consumed with text: no
        // call for what `locate` would answer first.
        let at = if offset == tracker.win_offset {
            tracker.pos()
        } else {
            tracker.locate(offset)
        };
        let ev = match self.xml.read_event_into(&mut self.buf) {
            Ok(ev) => ev,
            Err(e) => return Err(xml_error(&self.xml, &e)),
        };
        self.xml.get_mut().accept()?;
        if let Event::Start(e) | Event::Empty(e) = &ev {
            if e.name().as_ref().is_empty() {
                // `a < b` in a seg: the tool did not escape it.
                return Err(at.err(
                    "malformed XML: a `<` that starts no tag: in text it must be written &lt;",
                ));
            }
            if !is_name(e.name().as_ref()) {
                return Err(at.err(format!(
                    "malformed XML: <{}> is not a valid element name",
                    name_of(e)
                )));
            }
        }
        match &ev {
            Event::Start(_) => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(at.err(format!(
                        "elements are nested more than {MAX_DEPTH} levels deep: this is not a \
                         usable TMX file (or it was built to exhaust the reader)"
                    )));
                }
            }
            Event::End(_) => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        Ok((ev, at))
    }
}

fn xml_error<R: Read>(
    xml: &quick_xml::Reader<Tracker<Source<R>>>,
    e: &quick_xml::Error,
) -> ReadError {
    use quick_xml::errors::{Error, IllFormedError};
    let message = match e {
        Error::Io(e) => format!("cannot read the file: {e}"),
        Error::Syntax(s) => format!("malformed XML: {s} (is the file truncated?)"),
        Error::IllFormed(IllFormedError::MismatchedEndTag { expected, found }) => {
            match found.find(|c: char| c.is_whitespace() || c == '<') {
                // `</tu` then a line break and `</body>`: the `>` is missing.
                Some(end) => format!(
                    "malformed XML: </{} is not closed by `>`",
                    found[..end].trim_end()
                ),
                None => format!("malformed XML: </{found}> where </{expected}> was expected"),
            }
        }
        Error::IllFormed(IllFormedError::UnmatchedEndTag(name)) => {
            format!("malformed XML: </{name}> without a matching start tag")
        }
        Error::IllFormed(IllFormedError::UnclosedReference) => {
            "malformed XML: `&` that does not start an entity like &amp; (write a literal & as &amp;)"
                .to_string()
        }
        other => format!("malformed XML: {other}"),
    };
    xml.get_ref().locate(xml.error_position()).err(message)
}

// ---------------------------------------------------------------- text

/// An XML name, close enough: ASCII letters, digits, `_ : - .` and any
/// non-ASCII character, not starting with a digit, `-` or `.`.
fn is_name(name: &[u8]) -> bool {
    let ok =
        |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'-' | b'.') || *b >= 0x80;
    match name.first() {
        None => false,
        Some(b) if b.is_ascii_digit() || *b == b'-' || *b == b'.' => false,
        Some(_) => name.iter().all(ok),
    }
}

fn is_blank(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// `str::from_utf8`, with SIMD for text long enough to gain from it (most
/// segments, whole tags): the standard check, which says where the error
/// is, runs again only for bytes that fail.
fn valid_utf8(bytes: &[u8]) -> Result<&str, std::str::Utf8Error> {
    match simdutf8::basic::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(_) => std::str::from_utf8(bytes),
    }
}

/// Bytes that must be UTF-8 (the input is UTF-8 or was transcoded to it).
/// This is where a file in an undeclared legacy encoding is caught: the
/// error points at the first bad byte of the text starting at `at`.
fn utf8(bytes: &[u8], at: Pos) -> Result<&str, ReadError> {
    valid_utf8(bytes).map_err(|e| {
        let i = e.valid_up_to();
        let (line, column) = advance(at.line, at.column, &bytes[..i], &scan(&bytes[..i]));
        Pos { line, column }.err(invalid_utf8_message(&bytes[i..]))
    })
}

fn is_xml_char(c: char) -> bool {
    matches!(c as u32, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

/// The character an entity or character reference (`amp`, `#x41`) stands for.
fn resolve_ref(name: &str) -> Result<char, String> {
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            let Some(num) = name.strip_prefix('#') else {
                return Err(format!(
                    "undefined entity &{name};: TMX allows only &amp; &lt; &gt; &quot; &apos; \
                     and numeric references like &#x627;"
                ));
            };
            let code = match num.strip_prefix('x') {
                Some(hex) => u32::from_str_radix(hex, 16),
                None => num.parse::<u32>(),
            };
            let c = code.ok().and_then(char::from_u32);
            match c {
                Some(c) if is_xml_char(c) => c,
                Some(c) => {
                    return Err(format!(
                        "&{name}; is U+{:04X}{}, a character XML forbids: remove it",
                        c as u32,
                        control_hint(c as u32)
                    ))
                }
                None => return Err(format!("&{name}; is not a valid character reference")),
            }
        }
    };
    Ok(c)
}

/// Text as XML delivers it: line ends normalized to `\n`.
fn push_text(out: &mut String, text: &str) {
    if memchr::memchr(b'\r', text.as_bytes()).is_some() {
        out.push_str(&text.replace("\r\n", "\n").replace('\r', "\n"));
    } else {
        out.push_str(text);
    }
}

/// Escape text into canonical markup: `&amp; &lt; &gt;`, and `&#13;` for a
/// carriage return that came from a character reference.
fn escape_into(out: &mut String, text: &str) {
    if !text.contains(['&', '<', '>', '\r']) {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}

/// Escape an attribute value for canonical markup (double quotes).
pub(crate) fn escape_attr_into(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}

/// An attribute value as XML delivers it: references resolved, literal
/// tabs and line ends turned into spaces.
#[cfg(test)]
fn unescape_attr(raw: &[u8]) -> Result<String, String> {
    let mut out = String::new();
    unescape_attr_into(utf8_value(raw)?, &mut out)?;
    Ok(out)
}

/// An attribute's raw value as text; the error says what the bytes may be.
fn utf8_value(raw: &[u8]) -> Result<&str, String> {
    valid_utf8(raw).map_err(|e| invalid_utf8_message(&raw[e.valid_up_to()..]))
}

/// `unescape_attr` of a value known to be UTF-8, appending to `out` (a
/// reused string).
fn unescape_attr_into(s: &str, out: &mut String) -> Result<(), String> {
    // Bytes, not chars: most values have none of these.
    let special = |b: &u8| matches!(b, b'&' | b'<' | b'\t' | b'\n' | b'\r');
    if !s.as_bytes().iter().any(special) {
        out.push_str(s);
        return Ok(());
    }
    out.reserve(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(['&', '<', '\t', '\n', '\r']) {
        out.push_str(&rest[..i]);
        let c = rest.as_bytes()[i];
        rest = &rest[i + 1..];
        match c {
            b'&' => {
                let end = rest
                    .find(';')
                    .ok_or("`&` that does not start a reference (write & as &amp;)")?;
                out.push(resolve_ref(&rest[..end])?);
                rest = &rest[end + 1..];
            }
            b'<' => return Err("`<` is not allowed in an attribute value (write &lt;)".into()),
            b'\r' => {
                rest = rest.strip_prefix('\n').unwrap_or(rest);
                out.push(' ');
            }
            _ => out.push(' '),
        }
    }
    out.push_str(rest);
    Ok(())
}

/// Attribute names are mostly the same few words: those are not allocated.
type Attrs = Vec<(Cow<'static, str>, String)>;

/// The attribute names TMX uses, as static strings: matched as bytes, and
/// being valid names they need no other check.
fn known_attr(key: &[u8]) -> Option<&'static str> {
    Some(match key {
        b"tuid" => "tuid",
        b"o-encoding" => "o-encoding",
        b"datatype" => "datatype",
        b"usagecount" => "usagecount",
        b"lastusagedate" => "lastusagedate",
        b"creationtool" => "creationtool",
        b"creationtoolversion" => "creationtoolversion",
        b"creationdate" => "creationdate",
        b"creationid" => "creationid",
        b"changedate" => "changedate",
        b"segtype" => "segtype",
        b"changeid" => "changeid",
        b"o-tmf" => "o-tmf",
        b"srclang" => "srclang",
        b"xml:lang" => "xml:lang",
        b"type" => "type",
        b"lang" => "lang",
        b"version" => "version",
        b"i" => "i",
        b"x" => "x",
        b"pos" => "pos",
        b"assoc" => "assoc",
        b"name" => "name",
        b"base" => "base",
        b"unicode" => "unicode",
        b"code" => "code",
        b"ent" => "ent",
        b"subst" => "subst",
        b"adminlang" => "adminlang",
        _ => return None,
    })
}

fn name_of(e: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(e.name().as_ref()).into_owned()
}

fn collect_attrs(
    e: &BytesStart<'_>,
    at: Pos,
    out: &mut Attrs,
    spares: &mut Spares,
) -> Result<(), ReadError> {
    // Usually emptied already by whoever read them.
    if !out.is_empty() {
        for (_, value) in out.drain(..) {
            spares.keep(value);
        }
    }
    let region = &e[e.name().as_ref().len()..];
    let mut spans = [(0, 0, 0); MAX_QUICK_ATTRS];
    if let Some(n) = split_attrs(region, &mut spans) {
        // One UTF-8 check for the whole tag, not two per attribute; a tag
        // with a bad byte goes attribute by attribute, to say where.
        if let Ok(text) = valid_utf8(region) {
            for &(key, eq, end) in &spans[..n] {
                add_attr(e, at, &text[key..eq], &text[eq + 2..end], out, spares)?;
            }
            return Ok(());
        }
        for &(key, eq, end) in &spans[..n] {
            add_raw_attr(e, at, &region[key..eq], &region[eq + 2..end], out, spares)?;
        }
        return Ok(());
    }
    for a in e.attributes().with_checks(true) {
        let a = a.map_err(|err| attr_error(e, at, err))?;
        add_raw_attr(e, at, a.key.as_ref(), &a.value, out, spares)?;
    }
    Ok(())
}

/// `add_attr` of bytes not yet known to be UTF-8.
fn add_raw_attr(
    e: &BytesStart<'_>,
    at: Pos,
    key: &[u8],
    raw_value: &[u8],
    out: &mut Attrs,
    spares: &mut Spares,
) -> Result<(), ReadError> {
    let name = utf8(key, at)?;
    check_attr_name(e, at, name)?;
    let value = utf8_value(raw_value)
        .map_err(|m| at.err(format!("attribute {name} of <{}>: {m}", name_of(e))))?;
    add_attr(e, at, name, value, out, spares)
}

fn check_attr_name(e: &BytesStart<'_>, at: Pos, name: &str) -> Result<(), ReadError> {
    if !is_name(name.as_bytes()) {
        return Err(at.err(format!(
            "malformed XML: \"{name}\" in <{}> is not a valid attribute name",
            name_of(e)
        )));
    }
    Ok(())
}

fn add_attr(
    e: &BytesStart<'_>,
    at: Pos,
    name: &str,
    raw_value: &str,
    out: &mut Attrs,
    spares: &mut Spares,
) -> Result<(), ReadError> {
    let key = match known_attr(name.as_bytes()) {
        Some(key) => Cow::Borrowed(key),
        None => {
            check_attr_name(e, at, name)?;
            Cow::Owned(name.to_string())
        }
    };
    let mut value = spares.string();
    unescape_attr_into(raw_value, &mut value)
        .map_err(|m| at.err(format!("attribute {name} of <{}>: {m}", name_of(e))))?;
    out.push((key, value));
    Ok(())
}

/// Attributes `split_attrs` takes; a tag with more goes through quick-xml.
const MAX_QUICK_ATTRS: usize = 8;

/// The attributes of a tag written the usual way, `name="value"` (or
/// `'value'`) apart by whitespace, as (name start, `=`, closing quote)
/// offsets into `region`, the tag after its name. `None` for anything
/// else (space around `=`, a repeated name, a missing quote, more than
/// `MAX_QUICK_ATTRS`): quick-xml's iterator then reads the tag and reports
/// its exact error. Where this succeeds, quick-xml yields the same pairs:
/// this only skips its general-purpose iteration.
fn split_attrs(region: &[u8], spans: &mut [(usize, usize, usize)]) -> Option<usize> {
    let blank = |b: u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let (mut n, mut i) = (0, 0);
    loop {
        while region.get(i).is_some_and(|&b| blank(b)) {
            i += 1;
        }
        if i == region.len() {
            return Some(n);
        }
        let key = i;
        while region
            .get(i)
            .is_some_and(|&b| !blank(b) && !matches!(b, b'=' | b'"' | b'\''))
        {
            i += 1;
        }
        let eq = i;
        let quote = *region.get(eq + 1)?;
        if eq == key || region[eq] != b'=' || !matches!(quote, b'"' | b'\'') || n == spans.len() {
            return None;
        }
        let end = eq + 2 + region[eq + 2..].iter().position(|&b| b == quote)?;
        let name = &region[key..eq];
        if spans[..n].iter().any(|&(k, e, _)| &region[k..e] == name) {
            return None;
        }
        spans[n] = (key, eq, end);
        n += 1;
        i = end + 1;
    }
}

/// A bad attribute, placed where it is in the tag (which may span lines)
/// rather than at the tag's start.
fn attr_error(e: &BytesStart<'_>, at: Pos, err: AttrError) -> ReadError {
    let (i, what) = match err {
        AttrError::ExpectedEq(i) => (i, "an attribute name must be followed by `=`"),
        AttrError::ExpectedValue(i) => (i, "`=` must be followed by a value in quotes"),
        AttrError::UnquotedValue(i) => (i, "an attribute value must be in `\"` or `'`"),
        AttrError::ExpectedQuote(i, _) => (i, "an attribute value is not closed by its quote"),
        AttrError::Duplicated(i, _) => (i, "duplicated attribute"),
    };
    // `i` counts from the tag name, just after `<`.
    let before = &e[..i.min(e.len())];
    let (line, column) = advance(at.line, at.column + 1, before, &scan(before));
    Pos { line, column }.err(format!(
        "malformed XML: bad attribute in <{}>: {what}",
        name_of(e)
    ))
}

/// Canonical start tag: `<name a="v">` (or `/>`), values re-escaped.
fn write_start_tag(
    out: &mut String,
    e: &BytesStart<'_>,
    at: Pos,
    empty: bool,
    scratch: &mut Attrs,
    spares: &mut Spares,
) -> Result<(), ReadError> {
    collect_attrs(e, at, scratch, spares)?;
    out.push('<');
    out.push_str(utf8(e.name().as_ref(), at)?);
    for (k, v) in scratch.iter() {
        out.push(' ');
        out.push_str(k);
        out.push_str("=\"");
        escape_attr_into(out, v);
        out.push('"');
    }
    out.push_str(if empty { "/>" } else { ">" });
    Ok(())
}

// ---------------------------------------------------------------- grammar

/// The TMX elements the grammar knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Tmx,
    Header,
    Body,
    Tu,
    Tuv,
    Seg,
    Prop,
    Note,
    Ude,
    /// Native-code inline elements: their text is not translatable.
    Native,
    Hi,
    Sub,
    Other,
}

fn kind_of(name: &[u8]) -> Kind {
    match name {
        b"tmx" => Kind::Tmx,
        b"header" => Kind::Header,
        b"body" => Kind::Body,
        b"tu" => Kind::Tu,
        b"tuv" => Kind::Tuv,
        b"seg" => Kind::Seg,
        b"prop" => Kind::Prop,
        b"note" => Kind::Note,
        b"ude" => Kind::Ude,
        b"bpt" | b"ept" | b"it" | b"ph" | b"ut" => Kind::Native,
        b"hi" => Kind::Hi,
        b"sub" => Kind::Sub,
        _ => Kind::Other,
    }
}

/// How the tags of an inline element are written into `Segment.markup`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tags {
    /// TMX inline markup, as it is.
    Kept,
    /// A foreign tag (XLIFF `<x/>`, `<g>` in t5memory or OpenTM2 exports) as
    /// escaped native code in a `<ph>`, so that nothing is lost and the
    /// markup stays valid TMX.
    Ph,
    /// A foreign tag inside native code: escaped, as more code.
    Bare,
}

fn push_foreign_tag(markup: &mut String, tag: &str, tags: Tags) {
    if tags == Tags::Ph {
        markup.push_str("<ph>");
    }
    escape_into(markup, tag);
    if tags == Tags::Ph {
        markup.push_str("</ph>");
    }
}

/// Elements that give the file its structure: never inside text.
fn is_structural(k: Kind) -> bool {
    matches!(
        k,
        Kind::Tmx
            | Kind::Header
            | Kind::Body
            | Kind::Tu
            | Kind::Tuv
            | Kind::Seg
            | Kind::Prop
            | Kind::Note
    )
}

/// A prop read at header, tu or tuv level: `x-tarjuman-attr:NAME` props turn
/// back into the attributes the writer had to move out of the DTD's way.
fn keep_prop(p: Prop, props: &mut Vec<Prop>, attr_props: &mut Vec<(String, String)>) {
    match p.kind.strip_prefix(PROP_ATTR_PREFIX) {
        Some(name) => attr_props.push((name.to_string(), p.value)),
        None => props.push(p),
    }
}

/// A structural event, reduced to what the grammar needs.
enum Step {
    Open { kind: Kind, empty: bool, at: Pos },
    Close,
    Text { blank: bool, at: Pos },
    Eof(Pos),
    Ignore,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Inside `<body>`: units come next.
    Body,
    /// `</body>` seen (or `<body/>`): expecting `</tmx>`.
    AfterBody,
    /// `</tmx>` seen: only comments and whitespace may follow.
    AfterRoot,
    Done,
}

#[derive(Default)]
struct Warnings {
    list: Vec<Warning>,
    dropped: u64,
    last_dropped: Option<Pos>,
}

impl Warnings {
    fn push(&mut self, at: Pos, message: String) {
        if self.list.len() < MAX_PENDING_WARNINGS {
            self.list.push(Warning {
                line: at.line,
                column: at.column,
                message,
            });
        } else {
            self.dropped += 1;
            self.last_dropped = Some(at);
        }
    }
}

/// Language tags remembered by `TmxReader::lang_attr`.
const MAX_CACHED_LANGS: usize = 32;
/// Spare strings bigger than this are freed, not kept: one huge segment
/// must not keep its memory for the rest of the file.
const MAX_SPARE_CAPACITY: usize = 16 * 1024;
/// Enough for a unit with very many variants, props and notes.
const MAX_SPARE_VARIANTS: usize = 256;
const MAX_SPARE_STRINGS: usize = 4096;

/// The memory of units being refilled (see `TmxReader::next_unit_into`)
/// that the next unit has no place for: emptied variants (their language
/// and segment strings keep their capacity) and empty strings for
/// attribute values, props and notes.
#[derive(Default)]
struct Spares {
    variants: Vec<Variant>,
    strings: Vec<String>,
}

impl Spares {
    fn string(&mut self) -> String {
        self.strings.pop().unwrap_or_default()
    }

    fn keep(&mut self, mut s: String) {
        let fits = (1..=MAX_SPARE_CAPACITY).contains(&s.capacity());
        if fits && self.strings.len() < MAX_SPARE_STRINGS {
            s.clear();
            self.strings.push(s);
        }
    }

    fn keep_some(&mut self, s: Option<String>) {
        if let Some(s) = s {
            self.keep(s);
        }
    }

    /// Empty `s`, keeping its memory unless it is big.
    fn clear(s: &mut String) {
        if s.capacity() > MAX_SPARE_CAPACITY {
            *s = String::new();
        } else {
            s.clear();
        }
    }

    fn keep_stamp(&mut self, stamp: &mut Stamp) {
        // Every field named: a new one must be thought about here.
        let Stamp {
            creation_date,
            creation_id,
            change_date,
            change_id,
            last_usage_date,
            usage_count,
            creation_tool,
            creation_tool_version,
        } = stamp;
        *usage_count = None;
        for s in [
            creation_date,
            creation_id,
            change_date,
            change_id,
            last_usage_date,
            creation_tool,
            creation_tool_version,
        ] {
            self.keep_some(s.take());
        }
    }

    /// Empty the three lists both units and variants have.
    fn keep_lists(
        &mut self,
        props: &mut Vec<Prop>,
        notes: &mut Vec<Note>,
        extra: &mut Vec<(String, String)>,
    ) {
        if props.is_empty() && notes.is_empty() && extra.is_empty() {
            // Most variants and many units: a drain costs even when empty.
            return;
        }
        for Prop {
            kind,
            value,
            lang,
            encoding,
        } in props.drain(..)
        {
            self.keep(kind);
            self.keep(value);
            self.keep_some(lang);
            self.keep_some(encoding);
        }
        for Note {
            text,
            lang,
            encoding,
        } in notes.drain(..)
        {
            self.keep(text);
            self.keep_some(lang);
            self.keep_some(encoding);
        }
        for (k, v) in extra.drain(..) {
            self.keep(k);
            self.keep(v);
        }
    }

    /// Empty `v` in place, keeping its language and segment strings.
    fn clear_variant(&mut self, v: &mut Variant) {
        let Variant {
            lang,
            seg,
            stamp,
            props,
            notes,
            extra,
        } = v;
        Spares::clear(lang);
        Spares::clear(&mut seg.markup);
        Spares::clear(&mut seg.plain);
        self.keep_stamp(stamp);
        self.keep_lists(props, notes, extra);
    }

    fn keep_variant(&mut self, mut v: Variant) {
        if self.variants.len() < MAX_SPARE_VARIANTS {
            self.clear_variant(&mut v);
            self.variants.push(v);
        }
    }

    /// Empty `unit` in place; its variants stay, emptied, to be refilled.
    fn clear_unit(&mut self, unit: &mut Unit) {
        let Unit {
            tuid,
            srclang,
            stamp,
            props,
            notes,
            extra,
            variants,
            origin,
            context: Context { prev, next },
        } = unit;
        for s in [tuid, srclang, origin, prev, next] {
            self.keep_some(s.take());
        }
        self.keep_stamp(stamp);
        self.keep_lists(props, notes, extra);
        for v in variants {
            self.clear_variant(v);
        }
    }
}

/// Streaming TMX reader. `new` reads up to `<body>` (so the header is
/// known); `next_unit` then returns one unit at a time.
pub struct TmxReader<R: Read> {
    lex: Lexer<R>,
    version: String,
    header: Header,
    warnings: Warnings,
    phase: Phase,
    failed: Option<ReadError>,
    bytes: Arc<AtomicU64>,
    units: u64,
    /// Reused attribute list and element name of the last `Step::Open`
    /// (as bytes: made text only for a message, see `name`).
    attrs: Attrs,
    scratch: Attrs,
    name: Vec<u8>,
    /// Memory of recycled units (see `next_unit_into`).
    spares: Spares,
    /// Language attributes seen (as written) and their normalized form:
    /// a file has a handful, on every variant.
    langs: Vec<(String, Option<String>)>,
    /// Open inline elements of the `<seg>` being read (see `read_seg`).
    seg_stack: Vec<(bool, Tags)>,
}

impl<R: Read> TmxReader<R> {
    /// Sniff the encoding, read the prolog, the root and the header.
    pub fn new(input: R) -> Result<TmxReader<R>, ReadError> {
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
        let mut xml = quick_xml::Reader::from_reader(Tracker::new(source));
        let config = xml.config_mut();
        config.check_end_names = true;
        config.trim_text(false);
        config.expand_empty_elements = false;
        let mut reader = TmxReader {
            lex: Lexer {
                xml,
                buf: Vec::with_capacity(4096),
                depth: 0,
            },
            version: String::new(),
            header: Header::default(),
            warnings: Warnings::default(),
            phase: Phase::Body,
            failed: None,
            bytes: count,
            units: 0,
            attrs: Vec::new(),
            scratch: Vec::new(),
            name: Vec::new(),
            spares: Spares::default(),
            langs: Vec::new(),
            seg_stack: Vec::new(),
        };
        if let Some(w) = warning {
            reader.warnings.push(Pos::START, w);
        }
        reader.read_prolog()?;
        reader.read_until_body()?;
        Ok(reader)
    }

    /// The `version` attribute of `<tmx>` ("1.4", "1.1", …).
    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Bytes of the input consumed so far (for progress bars).
    pub fn bytes_read(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Warnings since the last call, in file order.
    pub fn take_warnings(&mut self) -> Vec<Warning> {
        let mut list = std::mem::take(&mut self.warnings.list);
        if self.warnings.dropped > 0 {
            let at = self.warnings.last_dropped.unwrap_or(Pos::START);
            list.push(Warning {
                line: at.line,
                column: at.column,
                message: format!("{} more warnings not shown", self.warnings.dropped),
            });
            self.warnings.dropped = 0;
        }
        list
    }

    /// The next unit, `None` at the end of the file. After an error, the
    /// same error again.
    pub fn next_unit(&mut self) -> Result<Option<Unit>, ReadError> {
        let mut unit = Unit::default();
        Ok(self.next_unit_into(&mut unit)?.then_some(unit))
    }

    /// `next_unit` into `unit`, which is emptied first and refilled in its
    /// own memory (no unit is moved or allocated: an import refills the
    /// units of the batches the writer is done with). `false` at the end.
    pub fn next_unit_into(&mut self, unit: &mut Unit) -> Result<bool, ReadError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let result = self.read_next_unit(unit);
        if let Err(e) = &result {
            self.failed = Some(e.clone());
        }
        result
    }

    /// The name of the element the last `Step::Open` opened.
    fn name(&self) -> String {
        String::from_utf8_lossy(&self.name).into_owned()
    }

    fn warn(&mut self, at: Pos, message: String) {
        self.warnings.push(at, message);
    }

    /// The next event reduced to a `Step`; attributes of an opened element
    /// go to `self.attrs`, its name to `self.name`.
    fn step(&mut self) -> Result<Step, ReadError> {
        let (ev, at) = self.lex.next()?;
        Ok(match ev {
            Event::Start(e) => {
                collect_attrs(&e, at, &mut self.attrs, &mut self.spares)?;
                self.name.clear();
                self.name.extend_from_slice(e.name().as_ref());
                Step::Open {
                    kind: kind_of(e.name().as_ref()),
                    empty: false,
                    at,
                }
            }
            Event::Empty(e) => {
                collect_attrs(&e, at, &mut self.attrs, &mut self.spares)?;
                self.name.clear();
                self.name.extend_from_slice(e.name().as_ref());
                Step::Open {
                    kind: kind_of(e.name().as_ref()),
                    empty: true,
                    at,
                }
            }
            Event::End(_) => Step::Close,
            Event::Text(t) => Step::Text {
                blank: is_blank(&t),
                at,
            },
            Event::CData(_) | Event::GeneralRef(_) => Step::Text { blank: false, at },
            Event::Eof => Step::Eof(at),
            Event::Comment(_) | Event::PI(_) | Event::Decl(_) | Event::DocType(_) => Step::Ignore,
        })
    }

    /// Skip the rest of an element whose start was just read.
    fn skip_element(&mut self) -> Result<(), ReadError> {
        let depth = self.lex.depth;
        loop {
            let (ev, at) = self.lex.next()?;
            let (end, eof) = (matches!(ev, Event::End(_)), matches!(ev, Event::Eof));
            if eof {
                return Err(truncated(at, "an element"));
            }
            if end && self.lex.depth < depth {
                return Ok(());
            }
        }
    }

    /// Tolerate an element TMX does not define here: warn and skip it.
    fn skip_unknown(&mut self, at: Pos, empty: bool, parent: &str) -> Result<(), ReadError> {
        let name = self.name();
        self.warn(
            at,
            format!("unknown element <{name}> inside <{parent}>: skipped"),
        );
        if !empty {
            self.skip_element()?;
        }
        Ok(())
    }

    fn read_prolog(&mut self) -> Result<(), ReadError> {
        let mut seen_markup = false;
        loop {
            let (ev, at) = self.lex.next()?;
            match ev {
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) => seen_markup = true,
                Event::DocType(d) => {
                    seen_markup = true;
                    check_doctype(&d, at)?;
                }
                Event::Text(t) if is_blank(&t) => {}
                Event::Text(t) => {
                    let sample: String = String::from_utf8_lossy(&t)
                        .trim()
                        .lines()
                        .next()
                        .unwrap_or("")
                        .chars()
                        .take(40)
                        .collect();
                    return Err(at.err(format!(
                        "this is not XML: the file starts with text (\"{sample}\") instead of \
                         <?xml ...?> or <tmx> (a download error message?)"
                    )));
                }
                Event::CData(_) | Event::GeneralRef(_) => {
                    return Err(at.err("this is not XML: text before the first element"));
                }
                Event::Start(ref e) | Event::Empty(ref e) => {
                    let name = e.name();
                    let name = name.as_ref();
                    if name != b"tmx" {
                        return Err(at.err(not_tmx_message(name)));
                    }
                    collect_attrs(e, at, &mut self.attrs, &mut self.spares)?;
                    if matches!(ev, Event::Empty(_)) {
                        return Err(at.err("<tmx/> is empty: no <header>, no <body>"));
                    }
                    break;
                }
                Event::End(_) => return Err(at.err("malformed XML: an end tag before any element")),
                Event::Eof => {
                    return Err(at.err(if seen_markup {
                        "no root element: this is not a TMX file"
                    } else {
                        "the file is empty (only whitespace): a TMX file starts with <?xml ...?> or <tmx>"
                    }))
                }
            }
        }
        let at = self.lex.xml.get_ref().pos();
        match self.attrs.iter().find(|(k, _)| k == "version") {
            Some((_, v)) => {
                self.version = v.trim().to_string();
                if !matches!(
                    self.version.as_str(),
                    "1.1" | "1.2" | "1.3" | "1.4" | "1.4a" | "1.4b"
                ) {
                    let v = self.version.clone();
                    self.warn(at, format!("unknown TMX version \"{v}\": read as TMX 1.4"));
                }
            }
            None => self.warn(at, "<tmx> has no version attribute: read as TMX 1.4".into()),
        }
        Ok(())
    }

    /// Inside `<tmx>`: the header, then the start of the body.
    fn read_until_body(&mut self) -> Result<(), ReadError> {
        let mut seen_header = false;
        loop {
            match self.step()? {
                Step::Open {
                    kind: Kind::Header,
                    empty,
                    at,
                } => {
                    if seen_header {
                        return Err(at.err("a second <header>: invalid TMX"));
                    }
                    seen_header = true;
                    self.read_header(at, empty)?;
                }
                Step::Open {
                    kind: Kind::Body,
                    empty,
                    at,
                } => {
                    if !seen_header {
                        self.warn(at, "no <header> before <body>".into());
                    }
                    self.phase = if empty { Phase::AfterBody } else { Phase::Body };
                    return Ok(());
                }
                Step::Open { kind, at, .. } if is_structural(kind) => {
                    let name = self.name();
                    return Err(at.err(format!(
                        "<{name}> directly inside <tmx>: invalid nesting (expected <header> then <body>)"
                    )));
                }
                Step::Open { at, empty, .. } => self.skip_unknown(at, empty, "tmx")?,
                Step::Close => {
                    let at = self.lex.xml.get_ref().pos();
                    self.warn(at, "<tmx> has no <body>: no units".into());
                    self.phase = Phase::AfterRoot;
                    return Ok(());
                }
                Step::Text { blank: false, at } => {
                    return Err(at.err("text directly inside <tmx>: invalid TMX"));
                }
                Step::Eof(at) => return Err(truncated(at, "<tmx>")),
                Step::Text { .. } | Step::Ignore => {}
            }
        }
    }

    fn read_header(&mut self, at: Pos, empty: bool) -> Result<(), ReadError> {
        let mut h = Header::default();
        let mut attrs = std::mem::take(&mut self.attrs);
        for (k, v) in attrs.drain(..) {
            match k.as_ref() {
                "creationtool" => h.creation_tool = Some(v),
                "creationtoolversion" => h.creation_tool_version = Some(v),
                "segtype" => h.segtype = Some(v),
                "o-tmf" => h.o_tmf = Some(v),
                "adminlang" => h.adminlang = self.lang_attr(v, at),
                "srclang" => h.srclang = self.lang_attr(v, at),
                "datatype" => h.datatype = Some(v),
                "o-encoding" => h.o_encoding = Some(v),
                "creationdate" => h.stamp.creation_date = Some(v),
                "creationid" => h.stamp.creation_id = Some(v),
                "changedate" => h.stamp.change_date = Some(v),
                "changeid" => h.stamp.change_id = Some(v),
                _ => h.extra.push((k.into_owned(), v)),
            }
        }
        self.attrs = attrs;
        let mut attr_props = Vec::new();
        if !empty {
            loop {
                match self.step()? {
                    Step::Open {
                        kind: Kind::Prop,
                        empty,
                        at,
                    } => {
                        let p = self.read_prop(at, empty)?;
                        keep_prop(p, &mut h.props, &mut attr_props);
                    }
                    Step::Open {
                        kind: Kind::Note,
                        empty,
                        at,
                    } => {
                        h.notes.push(self.read_note(at, empty)?);
                    }
                    Step::Open {
                        kind: Kind::Ude,
                        empty,
                        ..
                    } => {
                        let ude = self.read_raw(empty)?;
                        h.ude.push(ude);
                    }
                    Step::Open { kind, at, .. } if is_structural(kind) => {
                        let name = self.name();
                        return Err(at.err(format!("<{name}> inside <header>: invalid nesting")));
                    }
                    Step::Open { at, empty, .. } => self.skip_unknown(at, empty, "header")?,
                    Step::Close => break,
                    Step::Text { blank: false, at } => {
                        self.warn(at, "text directly inside <header>: ignored".into())
                    }
                    Step::Eof(at) => return Err(truncated(at, "<header>")),
                    Step::Text { .. } | Step::Ignore => {}
                }
            }
        }
        h.extra.extend(attr_props);
        self.header = h;
        Ok(())
    }

    fn read_next_unit(&mut self, unit: &mut Unit) -> Result<bool, ReadError> {
        loop {
            match self.phase {
                Phase::Done => return Ok(false),
                Phase::AfterRoot => {
                    self.read_trailer()?;
                    self.phase = Phase::Done;
                    return Ok(false);
                }
                Phase::AfterBody => match self.step()? {
                    Step::Close => self.phase = Phase::AfterRoot,
                    Step::Open { kind, at, .. } if is_structural(kind) => {
                        let name = self.name();
                        return Err(at.err(format!("<{name}> after </body>: invalid TMX")));
                    }
                    Step::Open { at, empty, .. } => self.skip_unknown(at, empty, "tmx")?,
                    Step::Text { blank: false, at } => {
                        return Err(at.err("text after </body>: invalid TMX"));
                    }
                    Step::Eof(at) => return Err(truncated(at, "<tmx>")),
                    Step::Text { .. } | Step::Ignore => {}
                },
                Phase::Body => match self.step()? {
                    Step::Open {
                        kind: Kind::Tu,
                        empty,
                        at,
                    } => {
                        if self.read_tu(at, empty, unit)? {
                            self.units += 1;
                            return Ok(true);
                        }
                    }
                    Step::Open { kind, at, .. } if is_structural(kind) => {
                        let name = self.name();
                        return Err(at.err(format!(
                            "<{name}> directly inside <body>: invalid nesting (expected <tu>)"
                        )));
                    }
                    Step::Open { at, empty, .. } => self.skip_unknown(at, empty, "body")?,
                    Step::Close => self.phase = Phase::AfterBody,
                    Step::Text { blank: false, at } => {
                        self.warn(at, "text directly inside <body>: ignored".into())
                    }
                    Step::Eof(at) => {
                        return Err(at.err(format!(
                            "the file ends inside <body> after {} units: it is truncated; \
                             re-export or re-download it",
                            self.units
                        )))
                    }
                    Step::Text { .. } | Step::Ignore => {}
                },
            }
        }
    }

    /// After `</tmx>`: whitespace, comments and PIs only.
    fn read_trailer(&mut self) -> Result<(), ReadError> {
        loop {
            match self.step()? {
                Step::Eof(_) => return Ok(()),
                Step::Text { blank: true, .. } | Step::Ignore => {}
                Step::Open { at, .. } | Step::Text { at, .. } => {
                    return Err(at.err("content after </tmx>: malformed XML"));
                }
                Step::Close => {
                    return Err(self
                        .lex
                        .xml
                        .get_ref()
                        .pos()
                        .err("malformed XML after </tmx>"))
                }
            }
        }
    }

    /// A language attribute, normalized; kept as written (with a warning)
    /// when it is not a well-formed tag. Reuses `value`'s memory.
    fn lang_attr(&mut self, mut value: String, at: Pos) -> Option<String> {
        if value.trim().is_empty() {
            self.spares.keep(value);
            return None;
        }
        let i = match self.langs.iter().position(|(raw, _)| *raw == value) {
            Some(i) => i,
            None if self.langs.len() < MAX_CACHED_LANGS => {
                self.langs.push((value.clone(), lang::normalize(&value)));
                self.langs.len() - 1
            }
            None => {
                // A file with very many different tags: no more caching.
                let tag = lang::normalize(&value);
                return self.lang_attr_as(value, tag, at);
            }
        };
        match &self.langs[i].1 {
            Some(tag) => {
                if *tag != value {
                    value.clear();
                    value.push_str(tag);
                }
                Some(value)
            }
            None => self.lang_attr_as(value, None, at),
        }
    }

    /// `value` as its normalized form `tag`, or kept as written.
    fn lang_attr_as(&mut self, value: String, tag: Option<String>, at: Pos) -> Option<String> {
        match tag {
            Some(tag) => {
                self.spares.keep(value);
                Some(tag)
            }
            None => {
                self.warn(
                    at,
                    format!("\"{value}\" is not a well-formed language tag: kept as written"),
                );
                Some(value.trim().to_string())
            }
        }
    }

    /// A `<tu>` into `unit`; `false` when it was skipped.
    fn read_tu(&mut self, at: Pos, empty: bool, unit: &mut Unit) -> Result<bool, ReadError> {
        self.spares.clear_unit(unit);
        // Variants read into `unit.variants[..filled]`; the rest are spare.
        let mut filled = 0;
        let mut attrs = std::mem::take(&mut self.attrs);
        for (k, v) in attrs.drain(..) {
            match k.as_ref() {
                "tuid" => unit.tuid = Some(v),
                "srclang" => unit.srclang = self.lang_attr(v, at),
                _ => {
                    if let Some((k, v)) = self.set_stamp(&mut unit.stamp, k, v, at) {
                        unit.extra.push((k, v));
                    }
                }
            }
        }
        self.attrs = attrs;
        let mut attr_props = Vec::new();
        if !empty {
            loop {
                match self.step()? {
                    Step::Open {
                        kind: Kind::Prop,
                        empty,
                        at,
                    } => {
                        let p = self.read_prop(at, empty)?;
                        match p.kind.as_str() {
                            PROP_ORIGIN => unit.origin = Some(p.value),
                            PROP_CONTEXT_PREV => unit.context.prev = Some(p.value),
                            PROP_CONTEXT_NEXT => unit.context.next = Some(p.value),
                            _ => keep_prop(p, &mut unit.props, &mut attr_props),
                        }
                    }
                    Step::Open {
                        kind: Kind::Note,
                        empty,
                        at,
                    } => {
                        unit.notes.push(self.read_note(at, empty)?);
                    }
                    Step::Open {
                        kind: Kind::Tuv,
                        empty,
                        at,
                    } => {
                        if filled == unit.variants.len() {
                            let spare = self.spares.variants.pop().unwrap_or_default();
                            unit.variants.push(spare);
                        }
                        if self.read_tuv(at, empty, &mut unit.variants[filled])? {
                            filled += 1;
                        } else {
                            self.spares.clear_variant(&mut unit.variants[filled]);
                        }
                    }
                    Step::Open { kind, at, .. } if is_structural(kind) => {
                        let name = self.name();
                        return Err(at.err(format!("<{name}> inside <tu>: invalid nesting")));
                    }
                    Step::Open { at, empty, .. } => self.skip_unknown(at, empty, "tu")?,
                    Step::Close => break,
                    Step::Text { blank: false, at } => {
                        self.warn(at, "text directly inside <tu>: ignored".into())
                    }
                    Step::Eof(at) => return Err(truncated(at, "<tu>")),
                    Step::Text { .. } | Step::Ignore => {}
                }
            }
        }
        unit.extra.extend(attr_props);
        for v in unit.variants.drain(filled..) {
            self.spares.keep_variant(v);
        }
        if unit.variants.len() >= 2 {
            return Ok(true);
        }
        let id = unit
            .tuid
            .as_ref()
            .map(|t| format!(" (tuid \"{t}\")"))
            .unwrap_or_default();
        if unit.variants.is_empty() {
            self.warn(at, format!("<tu>{id} has no usable <tuv>: skipped"));
            return Ok(false);
        }
        self.warn(at, format!("<tu>{id} has only one language"));
        Ok(true)
    }

    /// Apply a `tu`/`tuv` date/id/usage attribute to `stamp`; anything else
    /// (or a usage count that is not a number) comes back for `extra`.
    fn set_stamp(
        &mut self,
        stamp: &mut Stamp,
        k: Cow<'static, str>,
        v: String,
        at: Pos,
    ) -> Option<(String, String)> {
        match k.as_ref() {
            "creationdate" => stamp.creation_date = Some(v),
            "creationid" => stamp.creation_id = Some(v),
            "changedate" => stamp.change_date = Some(v),
            "changeid" => stamp.change_id = Some(v),
            "lastusagedate" => stamp.last_usage_date = Some(v),
            "creationtool" => stamp.creation_tool = Some(v),
            "creationtoolversion" => stamp.creation_tool_version = Some(v),
            "usagecount" => match v.trim().parse::<u64>() {
                Ok(n) => stamp.usage_count = Some(n),
                Err(_) => {
                    self.warn(
                        at,
                        format!("usagecount \"{v}\" is not a number: kept as written"),
                    );
                    return Some((k.into_owned(), v));
                }
            },
            _ => return Some((k.into_owned(), v)),
        }
        None
    }

    /// A `<tuv>` into `v` (empty); `false` when it is skipped.
    fn read_tuv(&mut self, at: Pos, empty: bool, v: &mut Variant) -> Result<bool, ReadError> {
        let mut attrs = std::mem::take(&mut self.attrs);
        let has_xml_lang = attrs.iter().any(|(k, _)| k == "xml:lang");
        let mut lang = None;
        for (k, val) in attrs.drain(..) {
            match k.as_ref() {
                "xml:lang" => lang = self.lang_attr(val, at),
                // TMX 1.1 wrote `lang`.
                "lang" if !has_xml_lang => lang = self.lang_attr(val, at),
                _ => {
                    if let Some(kv) = self.set_stamp(&mut v.stamp, k, val, at) {
                        v.extra.push(kv);
                    }
                }
            }
        }
        self.attrs = attrs;
        let mut has_seg = false;
        let mut attr_props = Vec::new();
        if !empty {
            loop {
                match self.step()? {
                    Step::Open {
                        kind: Kind::Seg,
                        empty,
                        at,
                    } => {
                        if has_seg {
                            return Err(at.err("a second <seg> in one <tuv>: invalid TMX"));
                        }
                        has_seg = true;
                        // A spare variant's segment is empty: `<seg/>` leaves it so.
                        if !empty {
                            self.read_seg(&mut v.seg)?;
                        }
                    }
                    Step::Open {
                        kind: Kind::Prop,
                        empty,
                        at,
                    } => {
                        let p = self.read_prop(at, empty)?;
                        keep_prop(p, &mut v.props, &mut attr_props);
                    }
                    Step::Open {
                        kind: Kind::Note,
                        empty,
                        at,
                    } => {
                        v.notes.push(self.read_note(at, empty)?);
                    }
                    Step::Open { kind, at, .. } if is_structural(kind) => {
                        let name = self.name();
                        return Err(at.err(format!("<{name}> inside <tuv>: invalid nesting")));
                    }
                    Step::Open { at, empty, .. } => self.skip_unknown(at, empty, "tuv")?,
                    Step::Close => break,
                    Step::Text { blank: false, at } => self.warn(
                        at,
                        "text directly inside <tuv> (outside <seg>): ignored".into(),
                    ),
                    Step::Eof(at) => return Err(truncated(at, "<tuv>")),
                    Step::Text { .. } | Step::Ignore => {}
                }
            }
        }
        v.extra.extend(attr_props);
        let Some(lang) = lang else {
            self.warn(at, "<tuv> without xml:lang: skipped".into());
            return Ok(false);
        };
        if !has_seg {
            self.warn(
                at,
                format!("<tuv xml:lang=\"{lang}\"> without <seg>: skipped"),
            );
            self.spares.keep(lang);
            return Ok(false);
        }
        let old = std::mem::replace(&mut v.lang, lang);
        self.spares.keep(old);
        Ok(true)
    }

    fn read_prop(&mut self, at: Pos, empty: bool) -> Result<Prop, ReadError> {
        let mut p = Prop::default();
        let mut attrs = std::mem::take(&mut self.attrs);
        let mut has_type = false;
        for (k, v) in attrs.drain(..) {
            match k.as_ref() {
                "type" => {
                    has_type = true;
                    p.kind = v;
                }
                "xml:lang" | "lang" => p.lang = self.lang_attr(v, at),
                "o-encoding" => p.encoding = Some(v),
                _ => self.warn(at, dropped_attr(&k, &v, "prop")),
            }
        }
        self.attrs = attrs;
        if !has_type {
            self.warn(at, "<prop> without type".into());
        }
        if !empty {
            p.value = self.read_text("prop")?;
        }
        Ok(p)
    }

    fn read_note(&mut self, at: Pos, empty: bool) -> Result<Note, ReadError> {
        let mut n = Note::default();
        let mut attrs = std::mem::take(&mut self.attrs);
        for (k, v) in attrs.drain(..) {
            match k.as_ref() {
                "xml:lang" | "lang" => n.lang = self.lang_attr(v, at),
                "o-encoding" => n.encoding = Some(v),
                _ => self.warn(at, dropped_attr(&k, &v, "note")),
            }
        }
        self.attrs = attrs;
        if !empty {
            n.text = self.read_text("note")?;
        }
        Ok(n)
    }

    /// The text content of `prop` or `note` (unknown elements inside are
    /// dropped, their text kept).
    fn read_text(&mut self, parent: &str) -> Result<String, ReadError> {
        let mut out = self.spares.string();
        let mut open = 0usize;
        loop {
            let (ev, at) = self.lex.next()?;
            match ev {
                Event::Text(t) => push_text(&mut out, utf8(&t, at)?),
                Event::CData(t) => push_text(&mut out, utf8(&t, at)?),
                Event::GeneralRef(r) => {
                    out.push(resolve_ref(utf8(&r, at)?).map_err(|m| at.err(m))?)
                }
                Event::Start(ref e) | Event::Empty(ref e) => {
                    let name = name_of(e);
                    if is_structural(kind_of(name.as_bytes())) {
                        return Err(at.err(format!("<{name}> inside <{parent}>: invalid nesting")));
                    }
                    if matches!(ev, Event::Start(_)) {
                        open += 1;
                    }
                    self.warnings.push(
                        at,
                        format!("element <{name}> inside <{parent}>: tags dropped, text kept"),
                    );
                }
                Event::End(_) => {
                    if open == 0 {
                        return Ok(out);
                    }
                    open -= 1;
                }
                Event::Eof => return Err(truncated(at, &format!("<{parent}>"))),
                _ => {}
            }
        }
    }

    /// The content of `<seg>` as canonical markup and plain text, into
    /// `seg` (empty, with the memory of a recycled one).
    fn read_seg(&mut self, seg: &mut Segment) -> Result<(), ReadError> {
        let Segment { markup, plain } = seg;
        // Per open inline element: is its text translatable, how its tags
        // were written.
        let mut stack = std::mem::take(&mut self.seg_stack);
        stack.clear();
        loop {
            let (ev, at) = self.lex.next()?;
            let include = stack.last().map_or(true, |f| f.0);
            match ev {
                Event::Text(t) => {
                    let text = utf8(&t, at)?;
                    if memchr::memchr2(b'\r', b'>', text.as_bytes()).is_none() {
                        // Most text: no line end to normalize, nothing to
                        // escape.
                        markup.push_str(text);
                        if include {
                            plain.push_str(text);
                        }
                        continue;
                    }
                    let start = markup.len();
                    push_text(markup, text);
                    if markup[start..].contains('>') {
                        let text = markup.split_off(start);
                        if include {
                            plain.push_str(&text);
                        }
                        escape_into(markup, &text);
                    } else if include {
                        plain.push_str(&markup[start..]);
                    }
                }
                Event::CData(t) => {
                    let mut text = String::new();
                    push_text(&mut text, utf8(&t, at)?);
                    escape_into(markup, &text);
                    if include {
                        plain.push_str(&text);
                    }
                }
                Event::GeneralRef(r) => {
                    let c = resolve_ref(utf8(&r, at)?).map_err(|m| at.err(m))?;
                    let mut b = [0u8; 4];
                    escape_into(markup, c.encode_utf8(&mut b));
                    if include {
                        plain.push(c);
                    }
                }
                Event::Start(ref e) | Event::Empty(ref e) => {
                    let empty = matches!(ev, Event::Empty(_));
                    let kind = kind_of(e.name().as_ref());
                    let frame = match kind {
                        Kind::Native => (false, Tags::Kept),
                        Kind::Sub => (true, Tags::Kept),
                        Kind::Hi => (include, Tags::Kept),
                        k if is_structural(k) => {
                            return Err(
                                at.err(format!("<{}> inside <seg>: invalid nesting", name_of(e)))
                            );
                        }
                        _ => {
                            self.warnings.push(
                                at,
                                format!(
                                    "element <{}> inside <seg> is not TMX inline markup: \
                                     its tags are kept as native code (<ph>), its text as text",
                                    name_of(e)
                                ),
                            );
                            // Inside native code the tag is just more code.
                            (include, if include { Tags::Ph } else { Tags::Bare })
                        }
                    };
                    if frame.1 == Tags::Kept {
                        write_start_tag(markup, e, at, empty, &mut self.scratch, &mut self.spares)?;
                    } else {
                        let mut tag = String::new();
                        write_start_tag(
                            &mut tag,
                            e,
                            at,
                            empty,
                            &mut self.scratch,
                            &mut self.spares,
                        )?;
                        push_foreign_tag(markup, &tag, frame.1);
                    }
                    if !empty {
                        stack.push(frame);
                    }
                }
                Event::End(e) => match stack.pop() {
                    None => break,
                    Some((_, Tags::Kept)) => {
                        markup.push_str("</");
                        markup.push_str(utf8(e.name().as_ref(), at)?);
                        markup.push('>');
                    }
                    Some((_, tags)) => {
                        let tag = format!("</{}>", utf8(e.name().as_ref(), at)?);
                        push_foreign_tag(markup, &tag, tags);
                    }
                },
                Event::Eof => return Err(truncated(at, "<seg>")),
                _ => {}
            }
        }
        self.seg_stack = stack;
        Ok(())
    }

    /// An element kept as canonical XML (`<ude>` in the header).
    fn read_raw(&mut self, empty: bool) -> Result<String, ReadError> {
        let mut out = String::new();
        out.push('<');
        out.push_str(&self.name());
        for (k, v) in &self.attrs {
            out.push(' ');
            out.push_str(k);
            out.push_str("=\"");
            escape_attr_into(&mut out, v);
            out.push('"');
        }
        if empty {
            out.push_str("/>");
            return Ok(out);
        }
        out.push('>');
        let mut names = vec![self.name()];
        loop {
            let (ev, p) = self.lex.next()?;
            match ev {
                Event::Text(t) => {
                    let mut text = String::new();
                    push_text(&mut text, utf8(&t, p)?);
                    escape_into(&mut out, &text);
                }
                Event::CData(t) => escape_into(&mut out, utf8(&t, p)?),
                Event::GeneralRef(r) => {
                    let c = resolve_ref(utf8(&r, p)?).map_err(|m| p.err(m))?;
                    let mut b = [0u8; 4];
                    escape_into(&mut out, c.encode_utf8(&mut b));
                }
                Event::Start(e) => {
                    write_start_tag(&mut out, &e, p, false, &mut self.scratch, &mut self.spares)?;
                    names.push(name_of(&e));
                }
                Event::Empty(e) => {
                    write_start_tag(&mut out, &e, p, true, &mut self.scratch, &mut self.spares)?
                }
                Event::End(_) => {
                    let name = names.pop().unwrap_or_default();
                    out.push_str("</");
                    out.push_str(&name);
                    out.push('>');
                    if names.is_empty() {
                        return Ok(out);
                    }
                }
                Event::Eof => return Err(truncated(p, "<ude>")),
                _ => {}
            }
        }
    }
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

/// `<prop>` and `<note>` have no place for other attributes: say which
/// one was dropped rather than lose it silently.
fn dropped_attr(key: &str, value: &str, element: &str) -> String {
    format!("attribute {key}=\"{value}\" of <{element}> is not TMX: dropped")
}

fn truncated(at: Pos, inside: &str) -> ReadError {
    at.err(format!(
        "the file ends inside {inside}: it is truncated; re-export or re-download it"
    ))
}

fn not_tmx_message(root: &[u8]) -> String {
    let root = String::from_utf8_lossy(root);
    let local = root
        .rsplit(':')
        .next()
        .unwrap_or(&root)
        .to_ascii_lowercase();
    match local.as_str() {
        "xliff" => "this is an XLIFF file, not TMX: open it in a CAT tool and export a TMX, or \
                    import the TMX the project produced"
            .to_string(),
        "html" => "this is an HTML page, not TMX (a web or download error page saved as .tmx?)"
            .to_string(),
        "martif" | "tbx" => "this is a TBX termbase, not TMX".to_string(),
        "map" => "this is a Tiled map (the game-level format that also uses .tmx), not a \
                  translation memory"
            .to_string(),
        "xml" | "tmx" => format!("the root element is <{root}>, not <tmx>: this is not a TMX file"),
        _ => format!("the root element is <{root}>, not <tmx>: this is not a TMX file"),
    }
}

/// Refuse DOCTYPEs that declare entities: expanding them is how XML bombs
/// (billion laughs, quadratic blow-up) and external-entity attacks work. A
/// plain `<!DOCTYPE tmx SYSTEM "tmx14.dtd">` is fine (and never fetched).
fn check_doctype(doctype: &[u8], at: Pos) -> Result<(), ReadError> {
    let text = String::from_utf8_lossy(doctype);
    let subset = text.find('[').map(|i| &text[i..]);
    let declares_entities =
        text.to_ascii_uppercase().contains("<!ENTITY") || subset.is_some_and(|s| s.contains('%'));
    if declares_entities {
        return Err(at.err(
            "the DOCTYPE declares entities: tarjuman refuses them (they can expand to gigabytes \
             or read other files and URLs). Remove the [...] part; a plain \
             <!DOCTYPE tmx SYSTEM \"tmx14.dtd\"> is fine",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_encoding_accepts_either_quote_and_spaces() {
        assert_eq!(
            declared_encoding(b"<?xml version=\"1.0\" encoding=\"windows-1256\"?><tmx/>")
                .as_deref(),
            Some("windows-1256")
        );
        assert_eq!(
            declared_encoding(b"<?xml version='1.0' encoding = 'ISO-8859-6' ?>").as_deref(),
            Some("ISO-8859-6")
        );
        assert_eq!(declared_encoding(b"<?xml version=\"1.0\"?>"), None);
        assert_eq!(declared_encoding(b"<tmx encoding=\"x\">"), None);
    }

    #[test]
    fn sniff_tells_boms_utf16_without_bom_and_legacy_declarations() {
        let enc = |b: &[u8]| sniff(b).map(|(e, bom, _)| (e.name(), bom));
        assert_eq!(enc(b"\xef\xbb\xbf<tmx>").unwrap(), ("UTF-8", 3));
        assert_eq!(enc(b"\xff\xfe<\0t\0").unwrap(), ("UTF-16LE", 2));
        assert_eq!(enc(b"\xfe\xff\0<\0t").unwrap(), ("UTF-16BE", 2));
        assert_eq!(enc(b"<\0?\0x\0m\0").unwrap(), ("UTF-16LE", 0));
        assert_eq!(enc(b"\0<\0?\0x\0m").unwrap(), ("UTF-16BE", 0));
        assert_eq!(
            enc(b"<?xml version=\"1.0\" encoding=\"cp1256\"?>").unwrap(),
            ("windows-1256", 0)
        );
        assert_eq!(enc(b"<tmx>").unwrap(), ("UTF-8", 0));
        assert!(sniff(b"").unwrap_err().message.contains("empty"));
        assert!(sniff(b"SQLite format 3\0")
            .unwrap_err()
            .message
            .contains("SQLite"));
    }

    #[test]
    fn positions_hold_for_events_that_span_buffer_refills() {
        // Segments longer than the 128 KiB buffer: their events are read
        // across refills. Each <tu> has one language (a warning at its
        // start); the last segment holds a forbidden byte (an error there).
        let line = "قاعدة بيانات الذاكرة ـ ترجمة «نعم»؟ ١٢٣\n".repeat(2_000);
        let mut text = String::from(
            "<?xml version=\"1.0\"?>\n<tmx version=\"1.4\"><header srclang=\"ar\"/><body>\n",
        );
        let mut tu_starts = Vec::new();
        for i in 0..3 {
            tu_starts.push(text.len());
            let bad = if i == 2 { "\u{1}" } else { "" };
            text.push_str(&format!(
                "<tu tuid=\"{i}\"><tuv xml:lang=\"ar\"><seg>{line}{bad}</seg></tuv></tu>\n"
            ));
        }
        text.push_str("</body></tmx>\n");
        let at = |i: usize| {
            let before = &text[..i];
            let line = before.matches('\n').count() as u64 + 1;
            let column = before.rsplit('\n').next().unwrap().chars().count() as u64 + 1;
            (line, column)
        };
        let mut r = TmxReader::new(io::Cursor::new(text.clone().into_bytes())).unwrap();
        let mut read = 0;
        let err = loop {
            match r.next_unit() {
                Ok(Some(_)) => read += 1,
                Ok(None) => panic!("the forbidden byte was not found"),
                Err(e) => break e,
            }
        };
        assert_eq!(read, 2);
        let warned: Vec<_> = r
            .take_warnings()
            .iter()
            .map(|w| (w.line, w.column))
            .collect();
        let expected: Vec<_> = tu_starts[..2].iter().map(|&i| at(i)).collect();
        assert_eq!(warned, expected);
        assert!(err.message.contains("U+0001"), "{}", err.message);
        assert_eq!((err.line, err.column), at(text.find('\u{1}').unwrap()));
    }

    #[test]
    fn positions_count_characters_and_lines() {
        let text = "سطر\nقاعدة علي <x>";
        let bytes = text.as_bytes();
        let (line, column) = advance(1, 1, bytes, &scan(bytes));
        assert_eq!((line, column), (2, 14));
        // Longer than one 64-byte block, with a forbidden byte at the end.
        let long = format!("{}\u{1}", "ب".repeat(100));
        let s = scan(long.as_bytes());
        assert_eq!((s.newlines, s.chars, s.suspect), (0, 101, true));
        assert_eq!(find_forbidden(long.as_bytes()), Some(200));
        assert_eq!(find_forbidden("\u{FEFF}ﻻ".as_bytes()), None);
        assert_eq!(find_forbidden("a\u{FFFF}".as_bytes()), Some(1));
    }

    proptest::proptest! {
        #[test]
        fn scan_agrees_with_counting_byte_by_byte(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            let s = scan(&bytes);
            let newlines = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
            let chars = bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count() as u64;
            let suspect = bytes
                .iter()
                .any(|&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0xEF);
            proptest::prop_assert_eq!((s.newlines, s.chars, s.suspect), (newlines, chars, suspect));
        }
    }

    /// Every unit and warning of a file, each unit new.
    fn read_all(path: &std::path::Path) -> (Vec<Unit>, Vec<Warning>) {
        let file = std::fs::File::open(path).unwrap();
        let mut r = TmxReader::new(io::BufReader::new(file)).unwrap();
        let mut units = Vec::new();
        while let Some(u) = r.next_unit().unwrap() {
            units.push(u);
        }
        (units, r.take_warnings())
    }

    /// `read_all` refilling one unit, the way an import does.
    fn read_all_into_one(path: &std::path::Path) -> (Vec<Unit>, Vec<Warning>) {
        let file = std::fs::File::open(path).unwrap();
        let mut r = TmxReader::new(io::BufReader::new(file)).unwrap();
        let (mut units, mut unit) = (Vec::new(), Unit::default());
        while r.next_unit_into(&mut unit).unwrap() {
            units.push(unit.clone());
        }
        (units, r.take_warnings())
    }

    #[test]
    fn refilled_units_give_the_same_units_and_warnings_for_every_fixture() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tmx");
        let mut files = 0;
        for dir in ["good", "from-tools"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.to_string_lossy().contains(".tmx") {
                    let fresh = read_all(&path);
                    assert!(!fresh.0.is_empty(), "{}", path.display());
                    assert_eq!(read_all_into_one(&path), fresh, "{}", path.display());
                    files += 1;
                }
            }
        }
        assert!(files >= 25, "only {files} fixtures found");
    }

    #[test]
    fn an_emptied_unit_keeps_its_memory_for_the_next_one() {
        let mut spares = Spares::default();
        let mut unit = Unit::pair("ar", "قال «نعم»؟", "en", "He said \"yes\"?");
        unit.tuid = Some("7".into());
        unit.stamp.creation_date = Some("20240101T000000Z".into());
        unit.stamp.usage_count = Some(3);
        unit.props.push(Prop {
            kind: "x-domain".into(),
            value: "أخبار".into(),
            ..Prop::default()
        });
        unit.variants[0].notes.push(Note {
            text: "مراجعة".into(),
            ..Note::default()
        });
        unit.variants[1].extra.push(("o-tmf".into(), "x".into()));
        unit.context.prev = Some("السابق".into());
        spares.clear_unit(&mut unit);
        // The unit keeps its two variants, emptied, to be refilled.
        let emptied = Unit {
            variants: vec![Variant::default(); 2],
            ..Unit::default()
        };
        assert_eq!(unit, emptied);
        assert!(unit.variants.iter().all(|v| v.seg.plain.capacity() > 0));
        // tuid, srclang, date, prev, prop kind and value, note, extra pair.
        assert_eq!(spares.strings.len(), 9);
        assert!(spares.strings.iter().all(|s| s.is_empty()));
        // A huge segment's memory is freed, not kept.
        let big = "ب".repeat(MAX_SPARE_CAPACITY);
        let mut unit = Unit::pair("ar", &big, "en", "b");
        spares.clear_unit(&mut unit);
        assert!(unit
            .variants
            .iter()
            .all(|v| v.seg.plain.capacity() <= MAX_SPARE_CAPACITY));
    }

    proptest::proptest! {
        /// Long Arabic text: continuation bytes fill the per-lane counters,
        /// which must be summed before they overflow (every 2040 bytes).
        #[test]
        fn scan_counts_long_arabic_text_exactly(
            text in "[\u{0621}-\u{064A}\u{064B}-\u{0652} \n\u{0001}\u{FEFB}a]{0,3000}"
        ) {
            let bytes = text.as_bytes();
            let s = scan(bytes);
            let newlines = text.matches('\n').count() as u64;
            let suspect = text.contains(['\u{0001}', '\u{FEFB}']);
            proptest::prop_assert_eq!(
                (s.newlines, s.chars, s.suspect),
                (newlines, text.chars().count() as u64, suspect)
            );
        }
    }

    #[test]
    fn scan_counts_characters_past_every_lane_counter_overflow() {
        // Two-byte letters put a continuation byte in every other lane of
        // every word: 20,000 of them overflow an unsummed lane many times.
        for n in [1, 1019, 1020, 1021, 20_000] {
            let text = format!("{}\n{}", "ب".repeat(n), "ـلا".repeat(n));
            let s = scan(text.as_bytes());
            assert_eq!(
                (s.newlines, s.chars, s.suspect),
                (1, 4 * n as u64 + 1, false),
                "{n}"
            );
        }
    }

    #[test]
    fn usual_attributes_are_split_as_quick_xml_splits_them_and_the_rest_left_to_it() {
        let split = |tag: &str| -> Option<Vec<(String, String)>> {
            let mut spans = [(0, 0, 0); MAX_QUICK_ATTRS];
            let n = split_attrs(tag.as_bytes(), &mut spans)?;
            let pairs = spans[..n]
                .iter()
                .map(|&(k, eq, end)| (tag[k..eq].to_string(), tag[eq + 2..end].to_string()));
            Some(pairs.collect())
        };
        let quick_xml = |tag: &str| -> Option<Vec<(String, String)>> {
            let start = BytesStart::from_content(format!("x{tag}"), 1);
            let pairs: Result<Vec<_>, _> = start
                .attributes()
                .map(|a| {
                    a.map(|a| {
                        let key = String::from_utf8(a.key.as_ref().to_vec()).unwrap();
                        (key, String::from_utf8(a.value.to_vec()).unwrap())
                    })
                })
                .collect();
            pairs.ok()
        };
        for tag in [
            "",
            "  ",
            " tuid=\"1\" creationdate='20240101T000000Z'\n\t xml:lang=\"ar-SY\"",
            " a=\"\" b='it\"s' c=\"ليس &amp; <\"",
            " a=\"1\"b=\"2\"",
        ] {
            assert!(split(tag).is_some(), "{tag:?}");
            assert_eq!(split(tag), quick_xml(tag), "{tag:?}");
        }
        // Unusual or wrong: quick-xml's iterator decides.
        for tag in [
            " a = \"1\"",
            " a=1",
            " a",
            " a=\"1",
            " a=\"1\" a=\"2\"",
            " =\"1\"",
            " a\"b=\"1\"",
            " a=\"1\" b=\"2\" c=\"3\" d=\"4\" e=\"5\" f=\"6\" g=\"7\" h=\"8\" i=\"9\"",
        ] {
            assert_eq!(split(tag), None, "{tag:?}");
        }
    }

    #[test]
    fn attribute_values_resolve_references_and_normalize_whitespace() {
        assert_eq!(
            unescape_attr(b"a &amp; &#x627;\tb\r\nc").unwrap(),
            "a & ا b c"
        );
        assert_eq!(unescape_attr(b"&#9;").unwrap(), "\t");
        assert!(unescape_attr(b"a < b").is_err());
        assert!(unescape_attr(b"&nbsp;")
            .unwrap_err()
            .contains("undefined entity"));
        assert!(unescape_attr(b"&#0;").is_err());
    }
}

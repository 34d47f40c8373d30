//! The buffered byte source quick-xml reads from, and where its bytes are
//! in the file: it keeps the bytes of the current event so that any offset
//! maps to a line and a column (in characters, so they hold for UTF-16
//! files too), and checks each event for bytes XML forbids (control
//! characters, U+FFFE/U+FFFF) once the event is complete.
//!
//! It does not decode (the bytes are UTF-8 already, see `encoding`), check
//! UTF-8 (see `escape::utf8`) or know XML: `lexer` drives it.

use std::io::{self, BufRead, Read};

use super::{Pos, ReadError, MAX_SEGMENT_BYTES};

/// The io error `Tracker` stops with when one XML piece (a text run, a tag)
/// is longer than `MAX_SEGMENT_BYTES`.
#[derive(Debug)]
pub(super) struct TooLong;

impl std::fmt::Display for TooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", too_long_message())
    }
}

impl std::error::Error for TooLong {}

/// Said of a segment or XML piece beyond `MAX_SEGMENT_BYTES`.
pub(super) fn too_long_message() -> String {
    format!(
        "a segment (or text, or tag) longer than {} MiB: refused, nothing read into memory \
         beyond that; a TMX segment is a sentence or a paragraph, so this file is damaged \
         or not a translation memory",
        MAX_SEGMENT_BYTES >> 20
    )
}

const BUF_LEN: usize = 128 * 1024;

/// The buffered byte source quick-xml reads from. Keeps the bytes consumed
/// since the start of the current event to locate offsets and to check
/// them once the event is complete: `buf[start..pos]`, after `window`, the
/// part read before the buffer was last refilled (usually none, so bytes
/// are not copied).
pub(super) struct Tracker<S> {
    src: S,
    buf: Box<[u8]>,
    pos: usize,
    filled: usize,
    start: usize,
    window: Vec<u8>,
    /// Offset, line and column of the current event's first byte.
    pub(super) win_offset: u64,
    line: u64,
    column: u64,
}

impl<S: Read> Tracker<S> {
    pub(super) fn new(src: S) -> Self {
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

    pub(super) fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            column: self.column,
        }
    }

    /// The line and column of absolute byte offset `offset` (clamped to the
    /// current window).
    pub(super) fn locate(&self, offset: u64) -> Pos {
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
    pub(super) fn accept(&mut self) -> Result<(), ReadError> {
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
        if self.window.len() + (self.pos - self.start) > MAX_SEGMENT_BYTES {
            // One XML piece (text, tag) longer than any segment may be:
            // stop before it grows in memory (quick-xml's buffer and the
            // window both hold it). `lexer` turns this into a `ReadError`
            // at the piece's start.
            return Err(io::Error::new(io::ErrorKind::InvalidData, TooLong));
        }
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
pub(super) struct Scan {
    pub(super) newlines: u64,
    pub(super) chars: u64,
    /// A byte XML may forbid is present (see `find_forbidden`).
    pub(super) suspect: bool,
}

pub(super) fn scan(bytes: &[u8]) -> Scan {
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
pub(super) fn advance(line: u64, column: u64, bytes: &[u8], s: &Scan) -> (u64, u64) {
    if s.newlines == 0 {
        return (line, column + s.chars);
    }
    let last = bytes.iter().rposition(|&b| b == b'\n').unwrap_or(0);
    (line + s.newlines, 1 + scan(&bytes[last + 1..]).chars)
}

/// The first byte XML forbids: a control character other than tab, LF,
/// CR, or the start of U+FFFE/U+FFFF.
pub(super) fn find_forbidden(bytes: &[u8]) -> Option<usize> {
    (0..bytes.len()).find(|&i| match bytes[i] {
        0xEF => bytes.get(i + 1) == Some(&0xBF) && matches!(bytes.get(i + 2), Some(0xBE | 0xBF)),
        b => b < 0x20 && b != b'\t' && b != b'\n' && b != b'\r',
    })
}

/// What a control character usually is in a real TMX file: Word's special
/// characters leak into exports from tools that do not escape them.
pub(super) fn control_hint(code: u32) -> &'static str {
    match code {
        0x0B => " (Word's manual line break: replace it with a line break)",
        0x0C => " (a page or section break)",
        0x1A => " (an old end-of-file mark)",
        0x1E => " (Word's non-breaking hyphen: replace it with U+2011)",
        0x1F => " (Word's optional hyphen: replace it with U+00AD)",
        _ => "",
    }
}

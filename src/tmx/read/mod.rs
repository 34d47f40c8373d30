//! Streaming TMX reader: TMX 1.1–1.4b in any encoding real tools write,
//! one unit at a time (memory does not grow with the file). This file holds
//! the public face: [`TmxReader`], [`ReadError`], [`Warning`]; the work is
//! done in the modules below it, bottom up:
//! - `encoding`: gzip, encoding sniffing (BOM, UTF-16 without BOM, the XML
//!   declaration) and transcoding to UTF-8 (`Source`), since quick-xml
//!   reads UTF-8 only;
//! - `tracker`: the buffered byte source quick-xml reads from; it keeps the
//!   bytes of the current event so that any offset maps to a line and a
//!   column (in characters, so they hold for UTF-16 files too), and checks
//!   each event for bytes XML forbids. Invalid UTF-8 is caught where text
//!   is used (`escape::utf8`), with the same exact position;
//! - `lexer`: quick-xml events plus a nesting-depth limit;
//! - `escape` and `attrs`: text, references and attributes of one event;
//! - `grammar`: the structure of a TMX file (prolog, `<tmx>`, `<body>`,
//!   the end) and the one loop every element's children are read with;
//!   `elements`: what each element (`header`, `tu`, `tuv`, `prop`, `note`)
//!   makes of its attributes and children; `markup`: the content of `<seg>`
//!   and other mixed content. Iterative (no recursion), tolerant where real
//!   files differ (warnings) and strict where the data would be wrong
//!   (errors);
//! - `spares`: the memory of refilled units, reused.
//!
//! It reads; it does not write TMX (`super::write`) and knows nothing of
//! where units go (no SQLite).

use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::unit::{Header, Unit};

mod attrs;
mod elements;
mod encoding;
mod escape;
mod grammar;
mod lexer;
mod markup;
mod spares;
#[cfg(test)]
mod tests;
mod tracker;

use attrs::Attrs;
use grammar::Phase;
use lexer::Lexer;
use markup::Tags;
use spares::Spares;

pub use encoding::GZIP_MAGIC;
pub(crate) use escape::escape_attr_into;

/// Deepest element nesting accepted. TMX itself needs five levels
/// (tmx/body/tu/tuv/seg) plus inline markup; real files stay far below this,
/// and a hostile file with 100,000 nested elements stops here.
pub const MAX_DEPTH: usize = 200;
/// Longest `<seg>` accepted (its markup, in UTF-8 bytes), and longest
/// single XML piece (a text run, a tag, a comment) anywhere in the file:
/// 4 MiB. Real segments are sentences or paragraphs (kilobytes); a longer
/// one is refused with its line and column as soon as the reader has read
/// this much of it, so memory never grows with it (a 2.2 GB `<seg>` is
/// refused after 4 MiB).
pub const MAX_SEGMENT_BYTES: usize = 4 << 20;
/// Warnings kept until `take_warnings`; beyond that they are counted.
const MAX_PENDING_WARNINGS: usize = 1000;

/// A file that cannot be read as TMX: the place (1-based line and column
/// in characters) and what is wrong.
pub type ReadError = crate::text::located::Located;

/// Something odd that was tolerated (a `tuv` without `seg`, an unknown
/// element); the data around it was read.
pub type Warning = crate::text::located::Located;

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
        let opened = encoding::open(input)?;
        let mut reader = TmxReader {
            lex: Lexer::new(opened.source),
            version: String::new(),
            header: Header::default(),
            warnings: Warnings::default(),
            phase: Phase::Body,
            failed: None,
            bytes: opened.count,
            units: 0,
            attrs: Vec::new(),
            scratch: Vec::new(),
            name: Vec::new(),
            spares: Spares::default(),
            langs: Vec::new(),
            seg_stack: Vec::new(),
        };
        if let Some(w) = opened.warning {
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
}

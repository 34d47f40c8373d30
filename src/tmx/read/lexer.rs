//! quick-xml events with the position where each starts, checked for what
//! quick-xml lets through (a bare `<`, a bad element name) and limited in
//! nesting depth; quick-xml's errors turned into `ReadError`s at their place.
//!
//! It does not know TMX: which element may go where is `grammar`'s job.

use std::io::Read;

use quick_xml::events::{BytesStart, Event};

use super::encoding::Source;
use super::tracker::{too_long_message, TooLong, Tracker};
use super::{Pos, ReadError, MAX_DEPTH};

/// quick-xml events with positions and a depth limit.
pub(super) struct Lexer<R: Read> {
    pub(super) xml: quick_xml::Reader<Tracker<Source<R>>>,
    buf: Vec<u8>,
    pub(super) depth: usize,
}

impl<R: Read> Lexer<R> {
    pub(super) fn new(source: Source<R>) -> Self {
        let mut xml = quick_xml::Reader::from_reader(Tracker::new(source));
        let config = xml.config_mut();
        config.check_end_names = true;
        config.trim_text(false);
        config.expand_empty_elements = false;
        Lexer {
            xml,
            buf: Vec::with_capacity(4096),
            depth: 0,
        }
    }

    /// The next event and the position where it starts. Comments, PIs and
    /// the XML declaration come through too; callers ignore them.
    pub(super) fn next(&mut self) -> Result<(Event<'_>, Pos), ReadError> {
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
        Error::Io(e) if e.get_ref().is_some_and(|inner| inner.is::<TooLong>()) => {
            // Where the too-long piece starts.
            return xml.get_ref().pos().err(too_long_message());
        }
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

/// An XML name, close enough: ASCII letters, digits, `_ : - .` and any
/// non-ASCII character, not starting with a digit, `-` or `.`.
pub(super) fn is_name(name: &[u8]) -> bool {
    let ok =
        |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'-' | b'.') || *b >= 0x80;
    match name.first() {
        None => false,
        Some(b) if b.is_ascii_digit() || *b == b'-' || *b == b'.' => false,
        Some(_) => name.iter().all(ok),
    }
}

pub(super) fn is_blank(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// The name of a tag, as text for a message.
pub(super) fn name_of(e: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(e.name().as_ref()).into_owned()
}

//! Mixed content: `<seg>` into canonical markup and plain text (TMX inline
//! elements kept, foreign tags kept as escaped native code, native code's
//! text left out of the plain text), the text of `<prop>` and `<note>`, and
//! `<ude>` kept as canonical XML.
//!
//! It does not read elements that hold only elements (`grammar`,
//! `elements`) or check characters (`escape`, `tracker`).

use std::io::Read;

use quick_xml::events::Event;

use super::attrs::write_start_tag;
use super::escape::{escape_attr_into, escape_into, push_text, resolve_ref, utf8};
use super::grammar::{is_structural, kind_of, truncated, Kind};
use super::lexer::name_of;
use super::tracker::too_long_message;
use super::{ReadError, TmxReader, MAX_SEGMENT_BYTES};
use crate::unit::Segment;

/// How the tags of an inline element are written into `Segment.markup`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Tags {
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

impl<R: Read> TmxReader<R> {
    /// The text content of `prop` or `note` (unknown elements inside are
    /// dropped, their text kept).
    pub(super) fn read_text(&mut self, parent: &str) -> Result<String, ReadError> {
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
    pub(super) fn read_seg(&mut self, seg: &mut Segment) -> Result<(), ReadError> {
        let Segment { markup, plain } = seg;
        // Per open inline element: is its text translatable, how its tags
        // were written.
        let mut stack = std::mem::take(&mut self.seg_stack);
        stack.clear();
        loop {
            let (ev, at) = self.lex.next()?;
            if markup.len() > MAX_SEGMENT_BYTES {
                // Many pieces (entities, inline tags) that each pass the
                // lexer's limit but add up.
                return Err(at.err(too_long_message()));
            }
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
                        // A sub-flow (a link's title inside a <bpt>…) is
                        // another text, not part of the sentence: kept in
                        // the markup, left out of the plain text and so of
                        // the matching key.
                        Kind::Sub => (false, Tags::Kept),
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
    pub(super) fn read_raw(&mut self, empty: bool) -> Result<String, ReadError> {
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

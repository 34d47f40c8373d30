//! The structure of a TMX file: the prolog, `<tmx>` and its header and
//! body, the end of the file, and the one loop every element's children
//! are read with (`TmxReader::children`, with a `Parent` row saying what
//! each element tolerates). Iterative, no recursion.
//!
//! It does not say what an element makes of its attributes and children
//! (`elements`), read mixed content (`markup`) or lex XML (`lexer`).

use std::io::Read;

use quick_xml::events::Event;

use super::attrs::collect_attrs;
use super::lexer::is_blank;
use super::{Pos, ReadError, TmxReader};
use crate::unit::Unit;

/// The TMX elements the grammar knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
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

pub(super) fn kind_of(name: &[u8]) -> Kind {
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

/// Elements that give the file its structure: never inside text.
pub(super) fn is_structural(k: Kind) -> bool {
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

/// A structural event, reduced to what the grammar needs.
enum Step {
    Open { kind: Kind, empty: bool, at: Pos },
    Close,
    Text { blank: bool, at: Pos },
    Eof(Pos),
    Ignore,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// Inside `<body>`: units come next.
    Body,
    /// `</body>` seen (or `<body/>`): expecting `</tmx>`.
    AfterBody,
    /// `</tmx>` seen: only comments and whitespace may follow.
    AfterRoot,
    Done,
}

/// How an element treats what it does not read itself: one row per
/// element whose children `TmxReader::children` reads.
pub(super) struct Parent {
    /// The parent named in the warning about an unknown element skipped.
    name: &'static str,
    /// What follows `<CHILD>` in the error for a structural element found
    /// here.
    misplaced: &'static str,
    /// Non-blank text directly inside.
    text: Text,
    /// The end of the file before the end tag.
    eof: Eof,
}

/// Non-blank text directly inside an element that holds only elements.
enum Text {
    /// Warned about (this message) and ignored.
    Ignored(&'static str),
    /// The file is not TMX (this message).
    Invalid(&'static str),
}

/// What is said when the file ends inside an element.
enum Eof {
    /// The file is truncated inside this (`<tu>`).
    Inside(&'static str),
    /// Inside `<body>`: how many units were read is said too.
    Body,
}

/// `<tmx>` up to `<body>`.
const TMX: Parent = Parent {
    name: "tmx",
    misplaced: " directly inside <tmx>: invalid nesting (expected <header> then <body>)",
    text: Text::Invalid("text directly inside <tmx>: invalid TMX"),
    eof: Eof::Inside("<tmx>"),
};
/// `<tmx>` after `</body>`.
const AFTER_BODY: Parent = Parent {
    name: "tmx",
    misplaced: " after </body>: invalid TMX",
    text: Text::Invalid("text after </body>: invalid TMX"),
    eof: Eof::Inside("<tmx>"),
};
pub(super) const HEADER: Parent = Parent {
    name: "header",
    misplaced: " inside <header>: invalid nesting",
    text: Text::Ignored("text directly inside <header>: ignored"),
    eof: Eof::Inside("<header>"),
};
const BODY: Parent = Parent {
    name: "body",
    misplaced: " directly inside <body>: invalid nesting (expected <tu>)",
    text: Text::Ignored("text directly inside <body>: ignored"),
    eof: Eof::Body,
};
pub(super) const TU: Parent = Parent {
    name: "tu",
    misplaced: " inside <tu>: invalid nesting",
    text: Text::Ignored("text directly inside <tu>: ignored"),
    eof: Eof::Inside("<tu>"),
};
pub(super) const TUV: Parent = Parent {
    name: "tuv",
    misplaced: " inside <tuv>: invalid nesting",
    text: Text::Ignored("text directly inside <tuv> (outside <seg>): ignored"),
    eof: Eof::Inside("<tuv>"),
};

/// What an element's handler did with a child element.
pub(super) enum Child {
    /// Read it: go on with the next child.
    Read,
    /// Read it, and stop reading children for now (`<body>` opened, a
    /// unit read).
    Stop,
    /// Not a child this element reads: `children` rejects or skips it.
    Other,
}

/// Why `children` returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum End {
    /// The parent's end tag was read.
    Closed,
    /// The handler said `Child::Stop`.
    Stopped,
}

impl<R: Read> TmxReader<R> {
    /// Read the children of the element `parent` describes, up to its end
    /// tag or until `child` says stop: the loop every element with element
    /// children goes through. `child(self, kind, empty, at)` reads the
    /// elements the parent holds (their attributes in `self.attrs`) and
    /// answers `Child::Other` for the rest: an element that gives the file
    /// its structure is then an error, any other is warned about and
    /// skipped. Text, comments and the end of the file: as `parent` says.
    pub(super) fn children<F>(&mut self, parent: &Parent, mut child: F) -> Result<End, ReadError>
    where
        F: FnMut(&mut Self, Kind, bool, Pos) -> Result<Child, ReadError>,
    {
        loop {
            match self.step()? {
                Step::Open { kind, empty, at } => match child(self, kind, empty, at)? {
                    Child::Read => {}
                    Child::Stop => return Ok(End::Stopped),
                    Child::Other if is_structural(kind) => {
                        let name = self.name();
                        return Err(at.err(format!("<{name}>{}", parent.misplaced)));
                    }
                    Child::Other => self.skip_unknown(at, empty, parent.name)?,
                },
                Step::Close => return Ok(End::Closed),
                Step::Text { blank: false, at } => match parent.text {
                    Text::Ignored(message) => self.warn(at, message.into()),
                    Text::Invalid(message) => return Err(at.err(message)),
                },
                Step::Eof(at) => {
                    return Err(match parent.eof {
                        Eof::Inside(element) => truncated(at, element),
                        Eof::Body => at.err(format!(
                            "the file ends inside <body> after {} units: it is truncated; \
                             re-export or re-download it",
                            self.units
                        )),
                    })
                }
                Step::Text { .. } | Step::Ignore => {}
            }
        }
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

    pub(super) fn read_prolog(&mut self) -> Result<(), ReadError> {
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
    pub(super) fn read_until_body(&mut self) -> Result<(), ReadError> {
        let mut seen_header = false;
        let end = self.children(&TMX, |r, kind, empty, at| {
            match kind {
                Kind::Header => {
                    if seen_header {
                        return Err(at.err("a second <header>: invalid TMX"));
                    }
                    seen_header = true;
                    r.read_header(at, empty)?;
                }
                Kind::Body => {
                    if !seen_header {
                        r.warn(at, "no <header> before <body>".into());
                    }
                    r.phase = if empty { Phase::AfterBody } else { Phase::Body };
                    return Ok(Child::Stop);
                }
                _ => return Ok(Child::Other),
            }
            Ok(Child::Read)
        })?;
        if end == End::Closed {
            // The DTD requires a body (an empty <body/> holds no units):
            // without one the file is not TMX, whatever else it holds.
            let at = self.lex.xml.get_ref().pos();
            return Err(at.err("</tmx> before any <body>: invalid TMX (a TMX file needs a <body>, even an empty one)"));
        }
        Ok(())
    }

    pub(super) fn read_next_unit(&mut self, unit: &mut Unit) -> Result<bool, ReadError> {
        loop {
            match self.phase {
                Phase::Done => return Ok(false),
                Phase::AfterRoot => {
                    self.read_trailer()?;
                    self.phase = Phase::Done;
                    return Ok(false);
                }
                Phase::AfterBody => {
                    // Nothing is read here: every element is rejected or skipped.
                    self.children(&AFTER_BODY, |_, _, _, _| Ok(Child::Other))?;
                    self.phase = Phase::AfterRoot;
                }
                Phase::Body => {
                    let end = self.children(&BODY, |r, kind, empty, at| {
                        if kind != Kind::Tu {
                            return Ok(Child::Other);
                        }
                        Ok(match r.read_tu(at, empty, unit)? {
                            true => Child::Stop,
                            false => Child::Read,
                        })
                    })?;
                    match end {
                        End::Stopped => {
                            self.units += 1;
                            return Ok(true);
                        }
                        End::Closed => self.phase = Phase::AfterBody,
                    }
                }
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
}

pub(super) fn truncated(at: Pos, inside: &str) -> ReadError {
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

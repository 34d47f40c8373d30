//! Streaming TMX 1.4b writer: UTF-8, valid against the TMX 1.4 DTD, one
//! unit at a time.
//!
//! Attribute values the DTD does not allow on an element (from `extra`)
//! are written as `<prop type="x-tarjuman-attr:NAME">` so that reading the
//! file back gives the same units (see the module docs of `tmx`).

use std::io::{self, BufWriter, Write};

use super::read::escape_attr_into;
use super::{
    HEADER_ATTRS, PROP_ATTR_PREFIX, PROP_CONTEXT_NEXT, PROP_CONTEXT_PREV, PROP_ORIGIN, TUV_ATTRS,
    TU_ATTRS,
};
use crate::unit::{Header, Note, Prop, Stamp, Unit};

/// The header as the writer writes it: every attribute the DTD requires
/// filled in (`creationtool` "tarjuman", `creationtoolversion` the crate
/// version, `segtype` "sentence", `o-tmf` "tarjuman", `adminlang` "en",
/// `srclang` "*all*", `datatype` "plaintext") and the stamp reduced to
/// what a TMX header can carry (dates and ids).
pub fn header_with_defaults(header: &Header) -> Header {
    let or = |v: &Option<String>, d: &str| Some(v.clone().unwrap_or_else(|| d.to_string()));
    Header {
        creation_tool: or(&header.creation_tool, "tarjuman"),
        creation_tool_version: or(&header.creation_tool_version, env!("CARGO_PKG_VERSION")),
        segtype: or(&header.segtype, "sentence"),
        o_tmf: or(&header.o_tmf, "tarjuman"),
        adminlang: or(&header.adminlang, "en"),
        srclang: or(&header.srclang, "*all*"),
        datatype: or(&header.datatype, "plaintext"),
        stamp: Stamp {
            creation_date: header.stamp.creation_date.clone(),
            creation_id: header.stamp.creation_id.clone(),
            change_date: header.stamp.change_date.clone(),
            change_id: header.stamp.change_id.clone(),
            ..Stamp::default()
        },
        ..header.clone()
    }
}

/// Writes a TMX 1.4b document: `new` writes everything up to `<body>`,
/// `write_unit` one `<tu>`, `finish` closes the document.
pub struct TmxWriter<W: Write> {
    out: BufWriter<W>,
    /// Reused buffer for one unit.
    buf: String,
}

impl<W: Write> TmxWriter<W> {
    pub fn new(w: W, header: &Header) -> io::Result<TmxWriter<W>> {
        let mut writer = TmxWriter {
            out: BufWriter::with_capacity(256 * 1024, w),
            buf: String::with_capacity(4096),
        };
        let h = header_with_defaults(header);
        let b = &mut writer.buf;
        b.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        b.push_str("<!DOCTYPE tmx SYSTEM \"tmx14.dtd\">\n");
        b.push_str("<tmx version=\"1.4\">\n  <header");
        let mut names = Vec::new();
        let fields = [
            ("creationtool", &h.creation_tool),
            ("creationtoolversion", &h.creation_tool_version),
            ("segtype", &h.segtype),
            ("o-tmf", &h.o_tmf),
            ("adminlang", &h.adminlang),
            ("srclang", &h.srclang),
            ("datatype", &h.datatype),
            ("o-encoding", &h.o_encoding),
            ("creationdate", &h.stamp.creation_date),
            ("creationid", &h.stamp.creation_id),
            ("changedate", &h.stamp.change_date),
            ("changeid", &h.stamp.change_id),
        ];
        for (name, value) in fields {
            if let Some(v) = value {
                attr(b, name, v);
                names.push(name);
            }
        }
        let rest = extra_attrs(b, &h.extra, HEADER_ATTRS, &names);
        if h.notes.is_empty() && h.props.is_empty() && h.ude.is_empty() && rest.is_empty() {
            b.push_str("/>\n");
        } else {
            b.push_str(">\n");
            children(b, "    ", &h.notes, &h.props, rest);
            for ude in &h.ude {
                b.push_str("    ");
                push_checked(b, ude);
                b.push('\n');
            }
            b.push_str("  </header>\n");
        }
        b.push_str("  <body>\n");
        writer.flush_buf()?;
        Ok(writer)
    }

    /// Write one `<tu>`. A unit needs at least one variant (the DTD says
    /// `tuv+`); a variant with an empty segment is written as `<seg></seg>`.
    pub fn write_unit(&mut self, unit: &Unit) -> io::Result<()> {
        if unit.variants.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a TMX unit needs at least one language variant",
            ));
        }
        let b = &mut self.buf;
        b.push_str("    <tu");
        let mut names: Vec<&str> = Vec::new();
        if let Some(t) = &unit.tuid {
            attr(b, "tuid", t);
            names.push("tuid");
        }
        if let Some(s) = &unit.srclang {
            attr(b, "srclang", s);
            names.push("srclang");
        }
        stamp_attrs(b, &unit.stamp, &mut names);
        let rest = extra_attrs(b, &unit.extra, TU_ATTRS, &names);
        b.push_str(">\n");
        let mut props: Vec<Prop> = Vec::new();
        let tarjuman = [
            (PROP_ORIGIN, &unit.origin),
            (PROP_CONTEXT_PREV, &unit.context.prev),
            (PROP_CONTEXT_NEXT, &unit.context.next),
        ];
        for (kind, value) in tarjuman {
            if let Some(v) = value {
                props.push(Prop {
                    kind: kind.to_string(),
                    value: v.clone(),
                    ..Prop::default()
                });
            }
        }
        children(b, "      ", &unit.notes, &unit.props, rest);
        for p in &props {
            prop(b, "      ", p);
        }
        for v in &unit.variants {
            b.push_str("      <tuv");
            attr(b, "xml:lang", &v.lang);
            let mut names: Vec<&str> = vec!["xml:lang"];
            stamp_attrs(b, &v.stamp, &mut names);
            let rest = extra_attrs(b, &v.extra, TUV_ATTRS, &names);
            b.push_str(">\n");
            children(b, "        ", &v.notes, &v.props, rest);
            b.push_str("        <seg>");
            push_checked(b, &v.seg.markup);
            b.push_str("</seg>\n      </tuv>\n");
        }
        b.push_str("    </tu>\n");
        self.flush_buf()
    }

    /// Close `<body>` and `<tmx>`, flush, and give the writer back.
    pub fn finish(mut self) -> io::Result<W> {
        self.buf.push_str("  </body>\n</tmx>\n");
        self.flush_buf()?;
        self.out.into_inner().map_err(|e| e.into_error())
    }

    fn flush_buf(&mut self) -> io::Result<()> {
        self.out.write_all(self.buf.as_bytes())?;
        self.buf.clear();
        Ok(())
    }
}

/// Could `s` need escaping or filtering? (Cheap byte test for the common
/// case of plain text.)
fn plain_safe(s: &str) -> bool {
    !s.bytes()
        .any(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | 0..=0x1F | 0xEF))
}

fn attr(b: &mut String, name: &str, value: &str) {
    b.push(' ');
    b.push_str(name);
    b.push_str("=\"");
    if plain_safe(value) {
        b.push_str(value);
    } else {
        escape_attr_into(b, &strip_forbidden(value));
    }
    b.push('"');
}

fn stamp_attrs<'a>(b: &mut String, s: &Stamp, names: &mut Vec<&'a str>) {
    let count = s.usage_count.map(|n| n.to_string());
    let fields: [(&'a str, Option<&String>); 8] = [
        ("creationdate", s.creation_date.as_ref()),
        ("creationid", s.creation_id.as_ref()),
        ("changedate", s.change_date.as_ref()),
        ("changeid", s.change_id.as_ref()),
        ("lastusagedate", s.last_usage_date.as_ref()),
        ("usagecount", count.as_ref()),
        ("creationtool", s.creation_tool.as_ref()),
        ("creationtoolversion", s.creation_tool_version.as_ref()),
    ];
    for (name, value) in fields {
        if let Some(v) = value {
            attr(b, name, v);
            names.push(name);
        }
    }
}

/// Write the longest prefix of `extra` that can be attributes (allowed by
/// the DTD, not yet written); return the rest, which goes out as props.
/// Keeping the order this way is what makes the round trip exact.
fn extra_attrs<'e>(
    b: &mut String,
    extra: &'e [(String, String)],
    allowed: &[&str],
    written: &[&str],
) -> &'e [(String, String)] {
    let mut seen: Vec<&str> = written.to_vec();
    for (i, (k, v)) in extra.iter().enumerate() {
        if !allowed.contains(&k.as_str()) || seen.contains(&k.as_str()) {
            return &extra[i..];
        }
        attr(b, k, v);
        seen.push(k);
    }
    &[]
}

/// Notes, props, then the attributes that travel as props.
fn children(
    b: &mut String,
    indent: &str,
    notes: &[Note],
    props: &[Prop],
    attrs: &[(String, String)],
) {
    for n in notes {
        b.push_str(indent);
        b.push_str("<note");
        if let Some(l) = &n.lang {
            attr(b, "xml:lang", l);
        }
        if let Some(e) = &n.encoding {
            attr(b, "o-encoding", e);
        }
        b.push('>');
        text(b, &n.text);
        b.push_str("</note>\n");
    }
    for p in props {
        prop(b, indent, p);
    }
    for (k, v) in attrs {
        b.push_str(indent);
        b.push_str("<prop");
        attr(b, "type", &format!("{PROP_ATTR_PREFIX}{k}"));
        b.push('>');
        text(b, v);
        b.push_str("</prop>\n");
    }
}

fn prop(b: &mut String, indent: &str, p: &Prop) {
    b.push_str(indent);
    b.push_str("<prop");
    attr(b, "type", &p.kind);
    if let Some(l) = &p.lang {
        attr(b, "xml:lang", l);
    }
    if let Some(e) = &p.encoding {
        attr(b, "o-encoding", e);
    }
    b.push('>');
    text(b, &p.value);
    b.push_str("</prop>\n");
}

/// Element text: `&amp; &lt; &gt;`, a carriage return as `&#13;` (a raw one
/// would be read back as a line feed), characters XML forbids dropped.
fn text(b: &mut String, s: &str) {
    if plain_safe(s) {
        b.push_str(s);
        return;
    }
    for c in s.chars() {
        match c {
            '&' => b.push_str("&amp;"),
            '<' => b.push_str("&lt;"),
            '>' => b.push_str("&gt;"),
            '\r' => b.push_str("&#13;"),
            c if forbidden(c) => {}
            c => b.push(c),
        }
    }
}

/// Canonical markup as it is, except what XML cannot carry raw.
fn push_checked(b: &mut String, markup: &str) {
    if !markup.bytes().any(|b| b < 0x20 || b == 0xEF)
        || !markup.chars().any(|c| c == '\r' || forbidden(c))
    {
        b.push_str(markup);
        return;
    }
    for c in markup.chars() {
        match c {
            '\r' => b.push_str("&#13;"),
            c if forbidden(c) => {}
            c => b.push(c),
        }
    }
}

fn forbidden(c: char) -> bool {
    (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{FFFE}' || c == '\u{FFFF}'
}

fn strip_forbidden(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().any(forbidden) {
        s.chars()
            .filter(|c| !forbidden(*c))
            .collect::<String>()
            .into()
    } else {
        s.into()
    }
}

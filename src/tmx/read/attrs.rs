//! The attributes of a start tag: split (the usual `name="value"` form
//! without quick-xml's general iterator, the rest through it), checked,
//! unescaped into reused strings with their names mostly not allocated, and
//! written back as a canonical start tag. Errors point inside the tag.
//!
//! It does not decide what an attribute means for TMX: `elements` does.

use std::borrow::Cow;

use quick_xml::events::attributes::AttrError;
use quick_xml::events::BytesStart;

use super::escape::{escape_attr_into, unescape_attr_into, utf8, utf8_value, valid_utf8};
use super::lexer::{is_name, name_of};
use super::spares::Spares;
use super::tracker::{advance, scan};
use super::{Pos, ReadError};

/// Attribute names are mostly the same few words: those are not allocated.
pub(super) type Attrs = Vec<(Cow<'static, str>, String)>;

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

pub(super) fn collect_attrs(
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
pub(super) const MAX_QUICK_ATTRS: usize = 8;

/// The attributes of a tag written the usual way, `name="value"` (or
/// `'value'`) apart by whitespace, as (name start, `=`, closing quote)
/// offsets into `region`, the tag after its name. `None` for anything
/// else (space around `=`, a repeated name, a missing quote, more than
/// `MAX_QUICK_ATTRS`): quick-xml's iterator then reads the tag and reports
/// its exact error. Where this succeeds, quick-xml yields the same pairs:
/// this only skips its general-purpose iteration.
pub(super) fn split_attrs(region: &[u8], spans: &mut [(usize, usize, usize)]) -> Option<usize> {
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
pub(super) fn write_start_tag(
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

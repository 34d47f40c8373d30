//! What each TMX element makes of its attributes and children: `<header>`
//! into the `Header`, `<tu>` into a `Unit` (refilled in place), `<tuv>` into
//! a `Variant`, `<prop>` and `<note>`; language tags normalized, dates, ids
//! and usage counts into the `Stamp`, anything else kept in `extra`.
//!
//! It does not loop over events (each element's children go through
//! `TmxReader::children` in `grammar`) or read `<seg>` content (`markup`).

use std::borrow::Cow;
use std::io::Read;

use super::grammar::{Child, Kind, HEADER, TU, TUV};
use super::{Pos, ReadError, TmxReader};
use crate::text::lang;
use crate::tmx::{PROP_ATTR_PREFIX, PROP_CONTEXT_NEXT, PROP_CONTEXT_PREV, PROP_ORIGIN};
use crate::unit::{Header, Note, Prop, Stamp, Unit, Variant};

/// A prop read at header, tu or tuv level: `x-tarjuman-attr:NAME` props turn
/// back into the attributes the writer had to move out of the DTD's way.
fn keep_prop(p: Prop, props: &mut Vec<Prop>, attr_props: &mut Vec<(String, String)>) {
    match p.kind.strip_prefix(PROP_ATTR_PREFIX) {
        Some(name) => attr_props.push((name.to_string(), p.value)),
        None => props.push(p),
    }
}

/// Language tags remembered by `TmxReader::lang_attr`.
const MAX_CACHED_LANGS: usize = 32;

impl<R: Read> TmxReader<R> {
    pub(super) fn read_header(&mut self, at: Pos, empty: bool) -> Result<(), ReadError> {
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
            self.children(&HEADER, |r, kind, empty, at| {
                match kind {
                    Kind::Prop => {
                        let p = r.read_prop(at, empty)?;
                        keep_prop(p, &mut h.props, &mut attr_props);
                    }
                    Kind::Note => h.notes.push(r.read_note(at, empty)?),
                    Kind::Ude => {
                        let ude = r.read_raw(empty)?;
                        h.ude.push(ude);
                    }
                    _ => return Ok(Child::Other),
                }
                Ok(Child::Read)
            })?;
        }
        h.extra.extend(attr_props);
        self.header = h;
        Ok(())
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
    pub(super) fn read_tu(
        &mut self,
        at: Pos,
        empty: bool,
        unit: &mut Unit,
    ) -> Result<bool, ReadError> {
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
            self.children(&TU, |r, kind, empty, at| {
                match kind {
                    Kind::Prop => {
                        let p = r.read_prop(at, empty)?;
                        match p.kind.as_str() {
                            PROP_ORIGIN => unit.origin = Some(p.value),
                            PROP_CONTEXT_PREV => unit.context.prev = Some(p.value),
                            PROP_CONTEXT_NEXT => unit.context.next = Some(p.value),
                            _ => keep_prop(p, &mut unit.props, &mut attr_props),
                        }
                    }
                    Kind::Note => unit.notes.push(r.read_note(at, empty)?),
                    Kind::Tuv => {
                        if filled == unit.variants.len() {
                            let spare = r.spares.variants.pop().unwrap_or_default();
                            unit.variants.push(spare);
                        }
                        if r.read_tuv(at, empty, &mut unit.variants[filled])? {
                            filled += 1;
                        } else {
                            r.spares.clear_variant(&mut unit.variants[filled]);
                        }
                    }
                    _ => return Ok(Child::Other),
                }
                Ok(Child::Read)
            })?;
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
            self.children(&TUV, |r, kind, empty, at| {
                match kind {
                    Kind::Seg => {
                        if has_seg {
                            return Err(at.err("a second <seg> in one <tuv>: invalid TMX"));
                        }
                        has_seg = true;
                        // A spare variant's segment is empty: `<seg/>` leaves it so.
                        if !empty {
                            r.read_seg(&mut v.seg)?;
                        }
                    }
                    Kind::Prop => {
                        let p = r.read_prop(at, empty)?;
                        keep_prop(p, &mut v.props, &mut attr_props);
                    }
                    Kind::Note => v.notes.push(r.read_note(at, empty)?),
                    _ => return Ok(Child::Other),
                }
                Ok(Child::Read)
            })?;
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
}

/// `<prop>` and `<note>` have no place for other attributes: say which
/// one was dropped rather than lose it silently.
fn dropped_attr(key: &str, value: &str, element: &str) -> String {
    format!("attribute {key}=\"{value}\" of <{element}> is not TMX: dropped")
}

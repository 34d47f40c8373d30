//! The core data model shared by the TMX reader/writer, the TM store, the
//! aligner and the matcher: a translation unit with its language variants.
//!
//! It mirrors TMX (`tu`, `tuv`, `prop`, `note`, `seg`) closely enough that a
//! TMX file round-trips without loss, and adds what tarjuman itself records
//! (origin document, context). Nothing here knows about XML parsing or SQL.

/// A `<prop type="...">` at unit or variant level.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Prop {
    pub kind: String,
    pub value: String,
    /// `xml:lang` of the prop itself, if any (already BCP 47 normalized).
    pub lang: Option<String>,
    /// `o-encoding`, if any.
    pub encoding: Option<String>,
}

/// A `<note>` at unit or variant level.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Note {
    pub text: String,
    pub lang: Option<String>,
    pub encoding: Option<String>,
}

/// Creation/change/usage data, present on both `tu` and `tuv` in TMX.
/// Dates are kept as written in the file (normally `YYYYMMDDThhmmssZ`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Stamp {
    pub creation_date: Option<String>,
    pub creation_id: Option<String>,
    pub change_date: Option<String>,
    pub change_id: Option<String>,
    pub last_usage_date: Option<String>,
    pub usage_count: Option<u64>,
    pub creation_tool: Option<String>,
    pub creation_tool_version: Option<String>,
}

/// A segment: the content of a TMX `<seg>`.
///
/// `markup` is the exact inner XML of `<seg>` in canonical form: text escaped
/// (`&amp; &lt; &gt;`), inline elements (`bpt ept it ph hi ut sub`) with their
/// attributes, whitespace untouched. `plain` is the translatable text only:
/// text outside native-code elements (`bpt ept it ph ut`), including the
/// content of `hi` and of `sub`. Matching works on `plain`; export writes
/// `markup`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Segment {
    pub markup: String,
    pub plain: String,
}

impl Segment {
    /// A segment with no inline markup.
    pub fn from_plain(text: &str) -> Segment {
        Segment {
            markup: escape_text(text),
            plain: text.to_string(),
        }
    }

    /// True when the segment carries inline elements.
    pub fn has_tags(&self) -> bool {
        self.markup.contains('<')
    }
}

/// Escape text for XML element content (not attributes).
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// One language variant of a unit (TMX `tuv`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Variant {
    /// BCP 47 language tag, normalized (see `text::lang`).
    pub lang: String,
    pub seg: Segment,
    pub stamp: Stamp,
    pub props: Vec<Prop>,
    pub notes: Vec<Note>,
    /// Other attributes of the `tuv` kept verbatim (`datatype`, `o-tmf`,
    /// `o-encoding`, unknown ones), in file order.
    pub extra: Vec<(String, String)>,
}

/// Where a unit came from and what surrounded it; tarjuman's own metadata.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Context {
    /// Source-language sentence before this one in its document.
    pub prev: Option<String>,
    /// Source-language sentence after this one.
    pub next: Option<String>,
}

/// A translation unit (TMX `tu`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Unit {
    pub tuid: Option<String>,
    /// `srclang` as written on the `tu` (normalized), `*all*`, or none.
    pub srclang: Option<String>,
    pub stamp: Stamp,
    pub props: Vec<Prop>,
    pub notes: Vec<Note>,
    /// Other `tu` attributes kept verbatim (`datatype`, `segtype`, `o-tmf`,
    /// `o-encoding`, unknown ones), in file order.
    pub extra: Vec<(String, String)>,
    pub variants: Vec<Variant>,
    /// The file or alignment this unit came from (set by import/align).
    pub origin: Option<String>,
    pub context: Context,
}

impl Unit {
    /// A plain bilingual unit, as the aligner and TSV import make them.
    pub fn pair(src_lang: &str, src: &str, tgt_lang: &str, tgt: &str) -> Unit {
        Unit {
            srclang: Some(src_lang.to_string()),
            variants: vec![
                Variant {
                    lang: src_lang.to_string(),
                    seg: Segment::from_plain(src),
                    ..Variant::default()
                },
                Variant {
                    lang: tgt_lang.to_string(),
                    seg: Segment::from_plain(tgt),
                    ..Variant::default()
                },
            ],
            ..Unit::default()
        }
    }

    /// The first variant whose language matches `lang` (see `text::lang::matches`).
    pub fn variant(&self, lang: &str) -> Option<&Variant> {
        self.variants
            .iter()
            .find(|v| crate::text::lang::matches(lang, &v.lang))
    }
}

/// The TMX `<header>`: kept so that export can say where a TM came from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Header {
    pub creation_tool: Option<String>,
    pub creation_tool_version: Option<String>,
    pub segtype: Option<String>,
    pub o_tmf: Option<String>,
    pub adminlang: Option<String>,
    pub srclang: Option<String>,
    pub datatype: Option<String>,
    pub o_encoding: Option<String>,
    pub stamp: Stamp,
    pub props: Vec<Prop>,
    pub notes: Vec<Note>,
    /// Other header attributes kept verbatim.
    pub extra: Vec<(String, String)>,
    /// Each `<ude>` (user-defined encoding) element of the header as
    /// canonical XML, kept so that export writes it back.
    pub ude: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_segment_escapes_markup_characters() {
        let s = Segment::from_plain("a < b & c > d «نص»");
        assert_eq!(s.markup, "a &lt; b &amp; c &gt; d «نص»");
        assert_eq!(s.plain, "a < b & c > d «نص»");
        assert!(!s.has_tags());
    }

    #[test]
    fn variant_lookup_accepts_a_bare_language() {
        let u = Unit::pair("ar-SY", "مرحبا", "en-GB", "hello");
        assert_eq!(u.variant("ar").unwrap().seg.plain, "مرحبا");
        assert_eq!(u.variant("en").unwrap().seg.plain, "hello");
        assert!(u.variant("en-US").is_none());
        assert!(u.variant("fr").is_none());
    }
}

//! The memory of units being refilled (`TmxReader::next_unit_into`): a
//! unit is emptied in place, its strings and variants kept for the next one,
//! so that an import allocates next to nothing per unit. Big strings are
//! freed, not kept.
//!
//! It does not read anything: the grammar takes from it and gives back.

use crate::unit::{Context, Note, Prop, Stamp, Unit, Variant};

/// Spare strings bigger than this are freed, not kept: one huge segment
/// must not keep its memory for the rest of the file.
pub(super) const MAX_SPARE_CAPACITY: usize = 16 * 1024;
/// Enough for a unit with very many variants, props and notes.
const MAX_SPARE_VARIANTS: usize = 256;
const MAX_SPARE_STRINGS: usize = 4096;

/// The memory of units being refilled (see `TmxReader::next_unit_into`)
/// that the next unit has no place for: emptied variants (their language
/// and segment strings keep their capacity) and empty strings for
/// attribute values, props and notes.
#[derive(Default)]
pub(super) struct Spares {
    pub(super) variants: Vec<Variant>,
    pub(super) strings: Vec<String>,
}

impl Spares {
    pub(super) fn string(&mut self) -> String {
        self.strings.pop().unwrap_or_default()
    }

    pub(super) fn keep(&mut self, mut s: String) {
        let fits = (1..=MAX_SPARE_CAPACITY).contains(&s.capacity());
        if fits && self.strings.len() < MAX_SPARE_STRINGS {
            s.clear();
            self.strings.push(s);
        }
    }

    pub(super) fn keep_some(&mut self, s: Option<String>) {
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
    pub(super) fn clear_variant(&mut self, v: &mut Variant) {
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

    pub(super) fn keep_variant(&mut self, mut v: Variant) {
        if self.variants.len() < MAX_SPARE_VARIANTS {
            self.clear_variant(&mut v);
            self.variants.push(v);
        }
    }

    /// Empty `unit` in place; its variants stay, emptied, to be refilled.
    pub(super) fn clear_unit(&mut self, unit: &mut Unit) {
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

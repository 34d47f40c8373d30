//! A unit's writing work that needs no database (`Prepared`): its
//! duplicate hashes, matching keys and index tokens, worked out on an
//! import's reader thread while the writer thread writes the unit before.

use super::super::index::{prefetch, unit_tokens_into, VariantTokens};
use super::dup::unit_hashes;
use super::meta::is_escaped;
use crate::text::normalize::{matching_key_tokens_into, KeyToken};
use crate::unit::Unit;

/// The per-unit CPU work of an insert, which needs no database: the
/// variants' matching keys and their index tokens (an import's reader
/// thread does it while the writer writes).
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    pub(crate) keys: Vec<String>,
    /// None: worked out by the writer if the unit is stored.
    pub(crate) tokens: Option<Vec<VariantTokens>>,
    /// Per variant: its markup is just its escaped text (`is_escaped`),
    /// stored as NULL.
    pub(crate) plain_markup: Vec<bool>,
    /// The duplicate hashes (`unit_hashes`), when worked out here. Into an
    /// empty TM the writer works them out instead: when that was measured
    /// (1M pair ratio 0.97), the reader, making the index tokens too, was
    /// the busier thread. The flushes and the commit have changed since,
    /// and a perf timeline now shows the writer the busier one; moving
    /// them back is a change too small for this machine's wall times to
    /// resolve, so it has not been made.
    pub(crate) hashes: Option<(i64, i64)>,
}

/// A reused key buffer bigger than this (a huge segment) is dropped
/// rather than kept for the next unit (its token list likewise, at a
/// quarter of the count).
pub(super) const SPARE_KEY_BYTES: usize = 1 << 16;

impl Prepared {
    /// `with_tokens`: also the index tokens. Worth it when most units will
    /// be stored (an import into an empty TM); when many may be duplicates
    /// (a re-import), the writer makes them only for the units it stores.
    pub fn new(unit: &Unit, with_tokens: bool) -> Prepared {
        let mut prepared = Prepared::default();
        prepared.refill(unit, with_tokens, &mut Vec::new());
        prepared
    }

    /// `new`, reusing this one's buffers: an import's reader refills the
    /// units the writer hands back, and allocating and freeing every key
    /// and token list was a tenth of its work. `spans` is scratch for the
    /// keys' tokens, kept by the caller (one for all units, not one per
    /// unit in flight).
    pub fn refill(&mut self, unit: &Unit, with_tokens: bool, spans: &mut Vec<Vec<KeyToken>>) {
        self.hashes = (!with_tokens).then(|| unit_hashes(unit));
        let n = unit.variants.len();
        self.plain_markup.clear();
        self.plain_markup.extend(
            unit.variants
                .iter()
                .map(|v| is_escaped(&v.seg.plain, &v.seg.markup)),
        );
        self.keys.resize_with(n, String::new);
        spans.resize_with(n, Vec::new);
        for ((v, key), spans) in unit
            .variants
            .iter()
            .zip(&mut self.keys)
            .zip(spans.iter_mut())
        {
            if key.capacity() > SPARE_KEY_BYTES {
                *key = String::new();
            }
            if spans.capacity() > SPARE_KEY_BYTES / 4 {
                *spans = Vec::new();
            }
            matching_key_tokens_into(&v.seg.plain, key, spans);
        }
        if with_tokens {
            let with = unit
                .variants
                .iter()
                .zip(&self.keys)
                .zip(spans.iter())
                .map(|((v, k), t)| (v.lang.as_str(), k.as_str(), t.as_slice()));
            unit_tokens_into(with, self.tokens.get_or_insert_with(Vec::new));
        } else {
            self.tokens = None;
        }
    }

    /// Ask the CPU to start loading this unit's memory, which an import's
    /// other thread touched last, on the other core: the writer reads what
    /// the reader wrote, and the reader refills buffers the writer read.
    /// `outer`: the unit's own arrays; otherwise (a unit later, when those
    /// arrays are in cache) the strings and lists they point to. Waiting
    /// for those lines was most of the writer's time outside SQLite.
    pub fn prefetch(&self, unit: &Unit, outer: bool) {
        let text = |s: &str| prefetch(s.as_ptr(), s.len());
        let opt = |s: &Option<String>| {
            if let Some(s) = s {
                text(s)
            }
        };
        if outer {
            prefetch(unit.variants.as_ptr(), unit.variants.len());
            prefetch(unit.props.as_ptr(), unit.props.len());
            prefetch(self.keys.as_ptr(), self.keys.len());
            if let Some(t) = &self.tokens {
                prefetch(t.as_ptr(), t.len());
            }
            return;
        }
        opt(&unit.tuid);
        opt(&unit.srclang);
        opt(&unit.stamp.creation_date);
        opt(&unit.stamp.creation_id);
        opt(&unit.stamp.change_date);
        opt(&unit.stamp.change_id);
        for p in &unit.props {
            text(&p.kind);
            text(&p.value);
        }
        for v in &unit.variants {
            text(&v.lang);
            text(&v.seg.plain);
            text(&v.seg.markup);
        }
        for k in &self.keys {
            text(k);
        }
        if let Some(t) = &self.tokens {
            for v in t {
                v.prefetch();
            }
        }
    }
}

/// Each variant's (lang, matching key).
pub(super) fn key_pairs<'a>(unit: &'a Unit, keys: &'a [String]) -> Vec<(&'a str, &'a str)> {
    unit.variants
        .iter()
        .zip(keys)
        .map(|(v, k)| (v.lang.as_str(), k.as_str()))
        .collect()
}

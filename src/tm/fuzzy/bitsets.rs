//! The units of the TM's most common tokens as bit sets, kept by a
//! `Matcher` from one lookup to the next.
//!
//! Past the prefix, the candidate search only needs to know which of its
//! candidates hold a token (`candidates::Source::units`). For في or من,
//! in over half the segments of Arabic text, that meant decoding half a
//! million postings per lookup; with the token's bit set it is one bit
//! test per candidate. A set costs one bit per unit id (125 KB per
//! million units) and one decoding of all the token's postings, so it is
//! made only for a token in at least 1/`COMMON` of the indexed variants
//! and only when a matcher needs it a second time: a matcher made for one
//! lookup (a server request) never pays for one. At most `MAX_BYTES` are
//! kept.
//!
//! The sets are dropped whenever the TM has changed since they were made:
//! `IndexRead::data_version` (SQLite's count of commits by other
//! connections; on PostgreSQL the `tm_change` counter, read with the
//! snapshot) is read at every lookup; the matcher's own connection cannot
//! write while it borrows the store. A backend that cannot tell keeps no
//! sets.

use crate::tm::error::Result;
use crate::tm::index::{FastMap, TokenInfo};
use crate::tm::source::{self, IndexRead};

/// A token gets a bit set when it is in at least 1 / COMMON of the
/// indexed variants (a set is then at most COMMON / 8 bytes per posting).
const COMMON: i64 = 256;

/// Memory kept in bit sets at most (bytes).
const MAX_BYTES: usize = 64 << 20;

/// Unit ids at or past this make a token's postings too sparse for a set
/// (a TM whose ids were set by hand): it is decoded instead.
const MAX_ID: u64 = 1 << 28;

#[derive(Default)]
pub(super) struct Bitsets {
    /// The `data_version` the sets were made at.
    version: Option<i64>,
    /// Indexed variants of the source language, for `COMMON`.
    variants: i64,
    /// Lookups that asked for a common token without a set yet.
    asked: FastMap<i64, u32>,
    /// Token id → its set (None: too sparse, see `MAX_ID`).
    sets: FastMap<i64, Option<Vec<u64>>>,
    bytes: usize,
    /// A group of postings' ids while a set is made.
    ids: Vec<u64>,
}

impl Bitsets {
    /// Drop everything if the TM changed since the sets were made.
    pub(super) fn check(&mut self, src: &dyn IndexRead, src_index: &str) -> Result<()> {
        let version = src.data_version();
        if version.is_none() {
            // Nothing can be kept: no sets, and no query for `variants`.
            *self = Bitsets::default();
        } else if self.version != version {
            *self = Bitsets {
                version,
                variants: src.indexed_variants(src_index)?,
                ..Bitsets::default()
            };
        }
        Ok(())
    }

    /// The set of a common token, made on the second time it is asked.
    pub(super) fn units(
        &mut self,
        src: &dyn IndexRead,
        token: &TokenInfo,
    ) -> Result<Option<&[u64]>> {
        if self.version.is_none() || token.df.saturating_mul(COMMON) < self.variants {
            return Ok(None);
        }
        if !self.sets.contains_key(&token.id) {
            let asked = self.asked.entry(token.id).or_default();
            *asked += 1;
            if *asked < 2 || self.bytes >= MAX_BYTES {
                return Ok(None);
            }
            let mut bits: Vec<u64> = Vec::new();
            let mut sparse = false;
            // A group's ids at a time (hundreds of thousands in all): the
            // loop kept small, the rare growth of the set out of line.
            let mut ids = std::mem::take(&mut self.ids);
            source::posting_groups(src, token.id, 0, u32::MAX, &mut ids, |_, _, ids| {
                for u in ids.drain(..) {
                    let w = (u / 64) as usize;
                    match bits.get_mut(w) {
                        Some(word) => *word |= 1 << (u % 64),
                        None => set_beyond(&mut bits, &mut sparse, u),
                    }
                }
            })?;
            self.ids = ids;
            let set = (!sparse).then_some(bits);
            self.bytes += set.as_ref().map_or(0, |b| b.len() * 8);
            self.sets.insert(token.id, set);
        }
        Ok(self.sets[&token.id].as_deref())
    }
}

/// Set bit `u` past the end of `bits`, growing them (in powers of two);
/// an id at or past `MAX_ID` marks the token as too sparse instead.
#[cold]
#[inline(never)]
fn set_beyond(bits: &mut Vec<u64>, sparse: &mut bool, u: u64) {
    if u >= MAX_ID {
        *sparse = true;
        return;
    }
    let w = (u / 64) as usize;
    bits.resize((w + 1).next_power_of_two(), 0);
    bits[w] |= 1 << (u % 64);
}

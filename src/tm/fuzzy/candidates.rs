//! The candidate search of a lookup: the units that can score ≥ min, each
//! with a bound on its score (the length, prefix, positional and count
//! filters of the module doc of `tm::fuzzy`), from the postings of the
//! query's tokens.
//!
//! The counts h are kept in a dense table indexed by unit id (`Counts`),
//! reused by every lookup on a thread, with a bit set of the candidates
//! beside it: a posting of a common token that is not a candidate costs a
//! test of one bit in a table that stays in the cache (128 KB per million
//! units), where a hash map cost a hash and a probe per posting.

use std::cell::RefCell;

use super::MAX_QUERY_TOKENS;
use crate::tm::error::Result;
use crate::tm::index::{self, FastMap, TokenInfo};

/// A unit that passed the filters, with the bound on its score.
#[derive(Debug, Clone, Copy)]
pub(super) struct Candidate {
    pub(super) unit: u64,
    pub(super) bound: u8,
}

/// A token's postings as a search reads them: unit ids, in groups of one
/// (length, place), so that what a posting means (it may add a candidate,
/// or only count for one) is decided once a group.
#[derive(Default)]
pub(super) struct Postings {
    pub(super) units: Vec<u64>,
    /// (length, place, end): the group's units are `units[previous end..end]`.
    pub(super) groups: Vec<(u32, u32, usize)>,
}

impl Postings {
    fn clear(&mut self) {
        self.units.clear();
        self.groups.clear();
    }

    /// The groups as (length, place, units).
    fn groups(&self) -> impl Iterator<Item = (u32, u32, &[u64])> {
        let mut start = 0;
        self.groups.iter().map(move |&(len, place, end)| {
            let units = &self.units[start..end];
            start = end;
            (len, place, units)
        })
    }
}

/// After the prefix, a token without a bit set has its postings decoded
/// while its document frequency is at most this many times the number of
/// live candidates:
/// decoding a posting and testing its bit costs a few ns, verifying a
/// candidate (one SQL read, a token-level Levenshtein) a few µs.
const PROBE_FACTOR: i64 = 64;

/// In the prefix, a token's postings of lengths no unit can be added at
/// are decoded (a few ns each, counted only for candidates) rather than
/// tested through its bit set when its document frequency is at most this
/// many times the candidates they could count for (a cache miss each).
const LONG_FACTOR: i64 = 2;

/// A slot of `Counts`: h (query positions matched so far) in the low
/// `H_BITS`, the unit's length above; 0 when the unit is no candidate.
const H_BITS: u32 = 11;
const H_MASK: u32 = (1 << H_BITS) - 1;
// h ≤ n ≤ MAX_QUERY_TOKENS, and a length decoded is ≤ hi = ⌊n·100/min⌋ ≤
// 100·MAX_QUERY_TOKENS: both fit.
const _: () = assert!(MAX_QUERY_TOKENS < 1 << H_BITS);
const _: () = assert!(100 * MAX_QUERY_TOKENS < 1 << (32 - H_BITS));

/// Unit ids below this are counted in the dense table (4 bytes and a bit
/// each, grown to the largest id met); larger ids (a TM whose ids were set
/// by hand) in a hash map.
const DENSE_IDS: u64 = 1 << 26;

/// The counts of one search. Between searches every slot is 0 and `units`
/// is empty.
#[derive(Default)]
pub(super) struct Counts {
    slot: Vec<u32>,
    /// Bit u is set when `slot[u] != 0`.
    bits: Vec<u64>,
    /// Slots of ids ≥ `DENSE_IDS`.
    far: FastMap<u64, u32>,
    /// The candidates, in the order met.
    units: Vec<u64>,
    /// The candidates longer than the query, added in the prefix (the only
    /// ones a prefix token may count without adding: see `search_in`).
    long: Vec<u64>,
    /// The postings of one token, decoded before they are counted.
    posts: Postings,
    /// The postings of one token that may add their unit, as (unit,
    /// length).
    adding: Vec<(u64, u32)>,
    /// Per length from the search's shortest: how many places a token may
    /// be at in a unit of that length for the unit to become a candidate
    /// there (see `add_all`).
    room: Vec<u32>,
}

/// How many postings or candidates ahead a slot is fetched.
const AHEAD: usize = 16;

thread_local! {
    /// Reused by every lookup on the thread (a server's reader threads
    /// make a matcher per request).
    static COUNTS: RefCell<Counts> = RefCell::default();
}

impl Counts {
    /// A posting of a token occurring `k` times in the query: the unit
    /// becomes a candidate (of length `len`) if it is not one yet (then
    /// true).
    #[inline]
    fn add(&mut self, u: u64, len: u32, k: u32) -> bool {
        if u < DENSE_IDS {
            let i = u as usize;
            if i >= self.slot.len() {
                let size = (i + 1).next_power_of_two().max(1 << 16);
                self.slot.resize(size, 0);
                self.bits.resize(size / 64, 0);
            }
            let s = &mut self.slot[i];
            if *s != 0 {
                *s += k;
                return false;
            }
            *s = (len << H_BITS) | k;
            self.bits[i / 64] |= 1 << (i % 64);
        } else {
            let s = self.far.entry(u).or_insert(0);
            if *s != 0 {
                *s += k;
                return false;
            }
            *s = (len << H_BITS) | k;
        }
        self.units.push(u);
        true
    }

    /// A posting of a token occurring `k` times in the query: counted if
    /// the unit is a candidate.
    #[inline]
    fn bump(&mut self, u: u64, k: u32) {
        if u < DENSE_IDS {
            let i = u as usize;
            if self
                .bits
                .get(i / 64)
                .is_some_and(|w| w & (1 << (i % 64)) != 0)
            {
                self.slot[i] += k;
            }
        } else if let Some(s) = self.far.get_mut(&u) {
            *s += k;
        }
    }

    #[inline]
    fn get(&self, u: u64) -> u32 {
        if u < DENSE_IDS {
            self.slot[u as usize]
        } else {
            self.far.get(&u).copied().unwrap_or(0)
        }
    }

    #[inline]
    fn drop_unit(&mut self, u: u64) {
        if u < DENSE_IDS {
            let i = u as usize;
            self.slot[i] = 0;
            self.bits[i / 64] &= !(1 << (i % 64));
        } else {
            self.far.remove(&u);
        }
    }

    /// Start loading the slot of `u` into the cache.
    #[inline]
    fn prefetch(&self, u: u64) {
        if let Some(s) = self.slot.get(u as usize) {
            index::prefetch(s, 1);
        }
    }

    /// `add` the postings in `posts` whose place is below `room[len −
    /// lo]` (none past the end of `room`), `bump` the others. The slots
    /// are a table of megabytes met in no useful order, so those of the
    /// postings added are fetched a few ahead: the misses overlap instead
    /// of coming one after the other (they were most of a lookup's time).
    /// A posting that only counts tests the candidates' bit set first (a
    /// table that stays in the cache) and touches its slot only for a
    /// candidate. A unit added longer than `short` also goes on `long`.
    fn add_all(&mut self, posts: &Postings, room: &[u32], lo: u32, k: u32, short: u32) {
        let mut adding = std::mem::take(&mut self.adding);
        adding.clear();
        for (len, place, units) in posts.groups() {
            if room.get((len - lo) as usize).is_some_and(|&r| place < r) {
                adding.extend(units.iter().map(|&u| (u, len)));
            } else {
                for &u in units {
                    self.bump(u, k);
                }
            }
        }
        for (i, &(u, len)) in adding.iter().enumerate() {
            if let Some(&(ahead, _)) = adding.get(i + AHEAD) {
                self.prefetch(ahead);
            }
            if self.add(u, len, k) && len > short {
                self.long.push(u);
            }
        }
        self.adding = adding;
    }

    /// Put the candidates in id order. The passes after the prefix then
    /// read the slot table and the tokens' bit sets in ascending order,
    /// which the hardware fetches ahead; in the order met, each test was a
    /// miss (a set is 125 KB a million units, and a matcher keeps tens of
    /// megabytes of them, mostly out of the cache). Many candidates are
    /// read off their bit set, in order already; a few are sorted.
    fn in_id_order(&mut self) {
        if self.units.len() * 8 < self.bits.len() {
            self.units.sort_unstable();
            return;
        }
        self.units.clear();
        for (w, &word) in self.bits.iter().enumerate() {
            let mut rest = word;
            while rest != 0 {
                self.units
                    .push((w * 64) as u64 + u64::from(rest.trailing_zeros()));
                rest &= rest - 1;
            }
        }
        let start = self.units.len();
        self.units.extend(self.far.keys());
        self.units[start..].sort_unstable();
    }

    /// Keep the candidates for which `keep(h, len)` holds.
    fn retain(&mut self, keep: impl FnMut(u32, u32) -> bool) {
        self.bump_all_retain(&[], 0, keep);
    }

    /// Count `k` for each candidate whose bit is set in `bits`, and keep
    /// those for which `keep(h, len)` then holds: one pass over the
    /// candidates (slots fetched ahead, as in `add_all`).
    fn bump_all_retain(&mut self, bits: &[u64], k: u32, mut keep: impl FnMut(u32, u32) -> bool) {
        let mut units = std::mem::take(&mut self.units);
        let mut kept = 0;
        for i in 0..units.len() {
            if let Some(&ahead) = units.get(i + AHEAD) {
                self.prefetch(ahead);
            }
            let u = units[i];
            if has(bits, u) {
                self.bump(u, k);
            }
            let s = self.get(u);
            if keep(s & H_MASK, s >> H_BITS) {
                units[kept] = u;
                kept += 1;
            } else {
                self.drop_unit(u);
            }
        }
        units.truncate(kept);
        self.units = units;
    }

    /// Every slot back to 0.
    fn clear(&mut self) {
        self.long.clear();
        for u in std::mem::take(&mut self.units) {
            self.drop_unit(u);
        }
        self.far.clear();
    }
}

/// What a search reads of the index.
pub(super) trait Source {
    /// Append the postings of the token with lo ≤ len ≤ hi to `out` (the
    /// matcher reads `source::posting_groups`). A list, not a call per
    /// posting: a call through `dyn` for each of thousands of postings was
    /// a tenth of a lookup.
    fn postings(&mut self, token: &TokenInfo, lo: u32, hi: u32, out: &mut Postings) -> Result<()>;

    /// The units holding the token, as a bit set over unit ids (bit u of
    /// word u / 64), when the source keeps one for it (common tokens: see
    /// `fuzzy::bitsets`). Every unit holding the token has its bit set.
    fn units(&mut self, token: &TokenInfo) -> Result<Option<&[u64]>>;
}

/// Is bit `u` set in `bits` (false past its end)?
#[inline]
fn has(bits: &[u64], u: u64) -> bool {
    bits.get((u / 64) as usize)
        .is_some_and(|w| w & (1 << (u % 64)) != 0)
}

/// Units that can score ≥ min (1–100) for a query of `n` content tokens,
/// given its distinct tokens as (dictionary entry or None when not in the
/// TM, multiplicity) in the index's order (`in_index_order`); with score
/// bounds, best bound first.
pub(super) fn search(
    source: &mut dyn Source,
    toks: &[(Option<TokenInfo>, u64)],
    n: u64,
    min: u8,
) -> Result<Vec<Candidate>> {
    COUNTS.with(|counts| {
        let mut counts = counts.borrow_mut();
        counts.clear();
        let found = search_in(&mut counts, source, toks, n, min);
        counts.clear();
        found
    })
}

/// Put a query's tokens in the order places count in: tokens absent from
/// the TM first (they fill prefix positions for free), then by rank, then
/// by dictionary id, highest first (`index::order`).
pub(super) fn in_index_order<T>(toks: &mut [(Option<TokenInfo>, T)]) {
    toks.sort_by_key(|(info, _)| info.map(|i| (i.rank, std::cmp::Reverse(i.id))));
}

/// How many query positions the prefix filter reads: any n − τ + 1 of them
/// hold a match of every unit that can reach min.
pub(super) fn prefix_len(n: u64, min: u8) -> u64 {
    n - (n * u64::from(min.min(100))).div_ceil(100) + 1
}

/// How many of `toks` (in the index's order, with their multiplicities)
/// the prefix of a query at `min` reads: those that start before its end.
pub(super) fn in_prefix(toks: &[(Option<TokenInfo>, u64)], n: u64, min: u8) -> usize {
    let prefix = prefix_len(n, min);
    let mut upto = 0;
    toks.iter()
        .take_while(|(_, k)| (upto < prefix, upto += k).0)
        .count()
}

fn search_in(
    cands: &mut Counts,
    source: &mut dyn Source,
    toks: &[(Option<TokenInfo>, u64)],
    n: u64,
    min: u8,
) -> Result<Vec<Candidate>> {
    let t = u64::from(min.min(100));
    let lo = (n * t).div_ceil(100) as u32;
    let hi = (n * 100 / t).min(u64::from(u32::MAX)) as u32;
    let need = |m: u32| (n.max(u64::from(m)) * t).div_ceil(100);
    let (prefix, rest) = toks.split_at(in_prefix(toks, n, min));

    // The prefix, in the index's order: every unit that can reach min
    // becomes a candidate at the first of its tokens met here.
    let mut read = 0u64;
    for &(info, k) in prefix {
        let Some(info) = info else {
            // Absent from the TM: matched by no unit, counted for free.
            read += k;
            continue;
        };
        let k32 = k as u32;
        // Positional filter. A unit not yet a candidate holds none of the
        // query's earlier tokens: its matches are this token (at most k)
        // and later ones, of which the query has n − read − k and the unit
        // len − place − 1 (place: how many of its words come before this
        // one). So it can reach need(len) only if
        //   k + min(n − read − k, len − place − 1) ≥ need(len),
        // that is n − read ≥ need(len) and place < len + k − need(len).
        // The first condition bounds the lengths it may add (`add_hi`).
        let open = n - read;
        let add_hi = (open * 100 / t).max(n).min(u64::from(hi)) as u32;
        let mut room = std::mem::take(&mut cands.room);
        room.clear();
        room.extend((lo..=add_hi).map(|len| {
            let need = need(len);
            if need > open {
                0
            } else {
                (u64::from(len) + k).saturating_sub(need) as u32
            }
        }));
        // Lengths past add_hi only count for the candidates longer than
        // the query: through the token's bit set, a test per such
        // candidate (a miss in a set of 125 KB), unless the token has so
        // few postings that decoding them all costs less.
        let bits = if add_hi < hi && info.df > LONG_FACTOR * cands.long.len() as i64 {
            source.units(&info)?
        } else {
            None
        };
        let mut posts = std::mem::take(&mut cands.posts);
        posts.clear();
        if let Some(bits) = bits {
            // The longer lengths only count for candidates already in:
            // one bit each rather than decoding the postings. They are
            // longer than the query (add_hi ≥ n), so on `long`; nothing is
            // dropped during the prefix, so `long` holds no stale unit.
            for i in 0..cands.long.len() {
                if let Some(&ahead) = cands.long.get(i + AHEAD) {
                    cands.prefetch(ahead);
                    // The token's set is likely out of the cache.
                    if let Some(w) = bits.get((ahead / 64) as usize) {
                        index::prefetch(w, 1);
                    }
                }
                let u = cands.long[i];
                if cands.get(u) >> H_BITS > add_hi && has(bits, u) {
                    cands.bump(u, k32);
                }
            }
            source.postings(&info, lo, add_hi, &mut posts)?;
        } else {
            source.postings(&info, lo, hi, &mut posts)?;
        }
        cands.add_all(&posts, &room, lo, k32, n as u32);
        cands.posts = posts;
        cands.room = room;
        read += k;
    }
    cands.retain(|h, len| u64::from(h) + n - read >= need(len));
    cands.in_id_order();

    // Past the prefix a token only sharpens the bounds of the candidates,
    // rarest first: through its bit set (a bit test per candidate) when
    // there is one and the token has more postings than there are
    // candidates, else by decoding its postings while that is cheaper
    // than verifying candidates. A token skipped is left unread: its
    // positions stay in the slack n − read, so the bounds stay sound.
    let mut rest = rest.to_vec();
    rest.sort_by_key(|(info, _)| info.map_or(0, |i| i.df));
    for (info, k) in rest {
        if cands.units.is_empty() {
            break;
        }
        let after = read + k;
        let k32 = k as u32;
        let Some(info) = info else {
            read = after;
            cands.retain(|h, len| u64::from(h) + n - read >= need(len));
            continue;
        };
        // A token with fewer postings than there are candidates is decoded
        // even when it has a bit set: a test per candidate costs more.
        let few = info.df <= cands.units.len() as i64;
        let bits = if few { None } else { source.units(&info)? };
        if let Some(bits) = bits {
            cands.bump_all_retain(bits, k32, |h, len| u64::from(h) + n - after >= need(len));
        } else if info.df <= PROBE_FACTOR * cands.units.len() as i64 {
            let mut posts = std::mem::take(&mut cands.posts);
            posts.clear();
            source.postings(&info, lo, hi, &mut posts)?;
            // No room: every posting only counts.
            cands.add_all(&posts, &[], lo, k32, u32::MAX);
            cands.posts = posts;
            cands.retain(|h, len| u64::from(h) + n - after >= need(len));
        } else {
            continue;
        }
        read = after;
    }
    let mut out: Vec<Candidate> = cands
        .units
        .iter()
        .map(|&unit| {
            let s = cands.get(unit);
            let (h, len) = (s & H_MASK, s >> H_BITS);
            let ub = u64::from(h) + n - read;
            let l = n.max(u64::from(len));
            let bound = if ub >= l { 101 } else { (100 * ub / l) as u8 };
            Candidate { unit, bound }
        })
        .collect();
    out.sort_unstable_by(|a, b| b.bound.cmp(&a.bound).then(b.unit.cmp(&a.unit)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Postings held in memory: token id → (unit, len, place); with bit
    /// sets of every token when `sets`.
    struct Mem {
        lists: Vec<Vec<(u64, u32, u32)>>,
        sets: Option<Vec<Option<Vec<u64>>>>,
    }

    impl Mem {
        /// Postings without places (all 0, as in a TM from before 0005).
        fn new(lists: Vec<Vec<(u64, u32)>>, with_sets: bool) -> Mem {
            let lists = lists
                .into_iter()
                .map(|l| l.into_iter().map(|(u, len)| (u, len, 0)).collect())
                .collect();
            Mem::with_places(lists, with_sets)
        }

        fn with_places(lists: Vec<Vec<(u64, u32, u32)>>, with_sets: bool) -> Mem {
            let sets = with_sets.then(|| {
                lists
                    .iter()
                    .map(|l| {
                        // As `Bitsets`: none for a token with far ids.
                        let mut bits = vec![0u64; 2048];
                        for &(u, _, _) in l {
                            if u >= 2048 * 64 {
                                return None;
                            }
                            bits[(u / 64) as usize] |= 1 << (u % 64);
                        }
                        Some(bits)
                    })
                    .collect()
            });
            Mem { lists, sets }
        }
    }

    impl Source for Mem {
        fn postings(
            &mut self,
            token: &TokenInfo,
            lo: u32,
            hi: u32,
            out: &mut Postings,
        ) -> Result<()> {
            // A group of one posting each: what a group holds is the
            // reader's choice.
            for &(u, len, place) in &self.lists[token.id as usize] {
                if (lo..=hi).contains(&len) {
                    out.units.push(u);
                    out.groups.push((len, place, out.units.len()));
                }
            }
            Ok(())
        }

        fn units(&mut self, token: &TokenInfo) -> Result<Option<&[u64]>> {
            Ok(self
                .sets
                .as_ref()
                .and_then(|s| s[token.id as usize].as_deref()))
        }
    }

    fn info(id: i64, df: i64) -> Option<TokenInfo> {
        Some(TokenInfo { id, df, rank: 0 })
    }

    /// Ids past the dense table (set by hand in a TM) and ids near its
    /// end are counted alike, and nothing is left behind for the next
    /// search on the thread.
    #[test]
    fn far_ids_count_as_near_ones() {
        let near = 5u64;
        // Past the table's first size (it grows).
        let edge = 70_000;
        let far = DENSE_IDS + 12;
        let huge = (1u64 << 40) - 1;
        // Query of 3 tokens, all three in `near` and `far`, two in `edge`
        // and `huge`.
        let mut mem = Mem::new(
            vec![
                vec![(near, 3), (edge, 3), (far, 3), (huge, 3)],
                vec![(near, 3), (far, 3), (huge, 3)],
                vec![(near, 3), (edge, 3), (far, 3)],
            ],
            false,
        );
        let toks = [(info(0, 4), 1), (info(1, 3), 1), (info(2, 3), 1)];
        for _ in 0..2 {
            let got = search(&mut mem, &toks, 3, 60).unwrap();
            let by_unit: FastMap<u64, u8> = got.iter().map(|c| (c.unit, c.bound)).collect();
            assert_eq!(by_unit.get(&near), Some(&101));
            assert_eq!(by_unit.get(&far), Some(&101));
            assert_eq!(by_unit.get(&edge), Some(&66));
            assert_eq!(by_unit.get(&huge), Some(&66));
            assert_eq!(got.len(), 4);
            // At 70, two of three cannot do: only the full ones are left.
            let got = search(&mut mem, &toks, 3, 70).unwrap();
            let mut units: Vec<u64> = got.iter().map(|c| c.unit).collect();
            units.sort_unstable();
            assert_eq!(units, vec![near, far]);
        }
        COUNTS.with(|c| {
            let c = c.borrow();
            assert!(c.units.is_empty() && c.far.is_empty());
            assert!(c.slot.iter().all(|&s| s == 0));
            assert!(c.bits.iter().all(|&b| b == 0));
        });
    }

    /// Candidates put in id order, few (sorted) or many (read off their
    /// bit set), far ids included, are the same candidates.
    #[test]
    fn candidates_in_id_order_are_the_same_candidates() {
        for many in [10u64, 5_000] {
            let mut c = Counts::default();
            let mut ids: Vec<u64> = (0..many).map(|i| (i * 7_919) % 200_003 + 1).collect();
            ids.extend([DENSE_IDS + 5, DENSE_IDS + 1, 1 << 39]);
            for &u in &ids {
                c.add(u, 3, 1);
            }
            // One dropped: not among them afterwards.
            c.drop_unit(ids[0]);
            c.units.retain(|&u| u != ids[0]);
            c.in_id_order();
            ids.remove(0);
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(c.units, ids, "{many}");
            c.clear();
        }
    }

    /// Counting a token through its bit set keeps what decoding its
    /// postings keeps, in the prefix (lengths past those a token can add)
    /// and after it.
    #[test]
    fn bit_sets_count_as_postings_do() {
        // Units 1–200 of lengths 4–12; token x is in unit u when
        // (u·(x+3)) % 7 < x % 5 + 2, so tokens have different densities.
        let ntok = 10u64;
        let lists: Vec<Vec<(u64, u32)>> = (0..ntok)
            .map(|x| {
                (1..=200u64)
                    .filter(|u| (u * (x + 3)) % 7 < x % 5 + 2)
                    .map(|u| (u, 4 + (u % 9) as u32))
                    .collect()
            })
            .collect();
        let df = |x: u64| lists[x as usize].len() as i64;
        for n in [4u64, 6, 8] {
            for min in [30u8, 50, 70, 90] {
                let mut toks: Vec<(Option<TokenInfo>, u64)> =
                    (0..n).map(|x| (info(x as i64, df(x)), 1 + x % 2)).collect();
                toks.sort_by_key(|(i, _)| i.map(|i| i.df));
                let len: u64 = toks.iter().map(|t| t.1).sum();
                let plain = search(&mut Mem::new(lists.clone(), false), &toks, len, min).unwrap();
                let sets = search(&mut Mem::new(lists.clone(), true), &toks, len, min).unwrap();
                // Every unit that can reach min (its overlap with the
                // query reaches need(m); a unit holds each token once, so
                // a token counts once, and at most m match) is in both.
                for u in 1..=200u64 {
                    let m = 4 + u64::from((u % 9) as u32);
                    let overlap: u64 = toks
                        .iter()
                        .filter(|(i, _)| lists[i.unwrap().id as usize].iter().any(|p| p.0 == u))
                        .count() as u64;
                    let overlap = overlap.min(m);
                    if 100 * overlap >= u64::from(min) * len.max(m) {
                        assert!(plain.iter().any(|c| c.unit == u), "{u} n={n} min={min}");
                        assert!(sets.iter().any(|c| c.unit == u), "{u} n={n} min={min}");
                    }
                }
                // Bit sets read every token: bounds no looser, no more
                // candidates.
                assert!(sets.len() <= plain.len());
                for c in &sets {
                    let p = plain.iter().find(|p| p.unit == c.unit).unwrap();
                    assert!(c.bound <= p.bound);
                }
            }
        }
    }

    /// With places, in the index's order, every unit whose overlap with
    /// the query can reach min is still found (the positional filter
    /// never drops one), while fewer candidates come out than without.
    #[test]
    fn places_keep_every_unit_that_can_reach_min() {
        // A little xorshift: units of 3–14 words drawn from 30 tokens,
        // low ids common (as in a TM: a word met early is common).
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        let ntok = 30u64;
        let mut units: Vec<Vec<u64>> = Vec::new();
        for _ in 0..400 {
            let m = 3 + next(12);
            // Skewed toward low ids: the smaller of two draws.
            let mut words: Vec<u64> = (0..m).map(|_| next(ntok).min(next(ntok))).collect();
            words.sort_unstable();
            units.push(words);
        }
        let mut lists: Vec<Vec<(u64, u32, u32)>> = vec![Vec::new(); ntok as usize];
        let mut plain: Vec<Vec<(u64, u32)>> = vec![Vec::new(); ntok as usize];
        for (u, words) in units.iter().enumerate() {
            let len = words.len() as u32;
            let mut distinct = words.clone();
            distinct.dedup();
            for &w in &distinct {
                let place = distinct.iter().filter(|&&o| o > w).count() as u32;
                lists[w as usize].push((u as u64 + 1, len, place));
                plain[w as usize].push((u as u64 + 1, len));
            }
        }
        let df = |t: u64| lists[t as usize].len() as i64;
        let (mut with, mut without) = (0, 0);
        for _ in 0..200 {
            let n = 2 + next(12);
            let mut q: Vec<u64> = (0..n).map(|_| next(ntok).min(next(ntok))).collect();
            q.sort_unstable();
            let mut toks: Vec<(Option<TokenInfo>, u64)> = q
                .chunk_by(|a, b| a == b)
                .map(|c| (info(c[0] as i64, df(c[0])), c.len() as u64))
                .collect();
            in_index_order(&mut toks);
            for min in [30u8, 50, 70, 90] {
                let got =
                    search(&mut Mem::with_places(lists.clone(), false), &toks, n, min).unwrap();
                let old = search(&mut Mem::new(plain.clone(), false), &toks, n, min).unwrap();
                (with, without) = (with + got.len(), without + old.len());
                for (u, words) in units.iter().enumerate() {
                    // Overlap as a multiset: Σ min(q_x, c_x).
                    let overlap: u64 = q
                        .chunk_by(|a, b| a == b)
                        .map(|c| c.len().min(words.iter().filter(|&&w| w == c[0]).count()) as u64)
                        .sum();
                    let m = words.len() as u64;
                    if 100 * overlap >= u64::from(min) * n.max(m) {
                        let unit = u as u64 + 1;
                        assert!(
                            got.iter().any(|c| c.unit == unit),
                            "{u} {q:?} {words:?} {min}"
                        );
                    }
                }
            }
        }
        assert!(
            with < without,
            "{with} candidates with places, {without} without"
        );
    }
}

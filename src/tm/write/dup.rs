//! Duplicate detection's hashes and lookups: each unit's (content, source)
//! FNV-1a hashes as stored in `unit.content_hash` / `source_hash` (their
//! values are part of the format), the comparisons that confirm a
//! candidate, and the in-memory table of units added to an empty TM.
//! Not here: what the writer does with a duplicate (`UnitWriter::add`).

use std::hash::Hasher as _;

use super::error::Result;
use rusqlite::Connection;

use super::OnDuplicate;
use crate::unit::{escape_text, Unit};

/// The duplicate hashes' function: FNV-1a, 64 bits (the `fnv` crate),
/// stable across builds and platforms (unlike std's RandomState). Its
/// values are stored in every TM (`unit.content_hash`, `source_hash`):
/// changing the function needs a migration that rehashes every unit.
pub(super) struct Fnv(fnv::FnvHasher);

impl Fnv {
    pub(super) fn new() -> Fnv {
        Fnv(fnv::FnvHasher::default())
    }
    /// A hasher that goes on from this one's state.
    pub(super) fn fork(&self) -> Fnv {
        Fnv(fnv::FnvHasher::with_key(self.0.finish()))
    }
    pub(super) fn bytes(&mut self, bytes: &[u8]) {
        self.0.write(bytes);
    }
    /// A field separator: 0xFF never occurs in UTF-8.
    pub(super) fn field(&mut self, s: &str) {
        self.bytes(s.as_bytes());
        self.bytes(&[0xFF]);
    }
    pub(super) fn finish(&self) -> i64 {
        self.0.finish() as i64
    }
}

/// A unit's variants as duplicate detection sees them: (lang, markup).
pub(crate) type Signature<'a> = Vec<(&'a str, &'a str)>;

/// The index of the source variant: the one in `srclang`, else the first.
pub fn source_index(srclang: Option<&str>, langs: &[&str]) -> usize {
    let Some(src) = srclang.filter(|s| *s != "*all*") else {
        return 0;
    };
    langs
        .iter()
        .position(|l| *l == src)
        .or_else(|| {
            langs
                .iter()
                .position(|l| crate::text::lang::matches(src, l))
        })
        .unwrap_or(0)
}

/// Most units have two variants: up to this many are sorted on the stack.
pub(crate) const SMALL: usize = 4;

/// `items` in `small` when they fit, else in `large`: no allocation for
/// the common unit (`Prepared::new` runs once per imported unit).
pub(crate) fn collect_small<'b, T: Copy>(
    small: &'b mut [T; SMALL],
    large: &'b mut Vec<T>,
    items: impl ExactSizeIterator<Item = T>,
) -> &'b mut [T] {
    let n = items.len();
    if n <= SMALL {
        for (slot, item) in small.iter_mut().zip(items) {
            *slot = item;
        }
        &mut small[..n]
    } else {
        large.extend(items);
        large
    }
}

/// `(content_hash, source_hash)` of a unit.
pub(crate) fn unit_hashes(unit: &Unit) -> (i64, i64) {
    let (mut small, mut large) = ([("", ""); SMALL], Vec::new());
    let signature = collect_small(
        &mut small,
        &mut large,
        unit.variants
            .iter()
            .map(|v| (v.lang.as_str(), v.seg.markup.as_str())),
    );
    hashes(unit.srclang.as_deref(), signature)
}

/// `(content_hash, source_hash)` of a unit given as (lang, markup) pairs.
pub(super) fn hashes(srclang: Option<&str>, variants: &[(&str, &str)]) -> (i64, i64) {
    let (mut small, mut large) = ([("", ""); SMALL], Vec::new());
    let sorted = collect_small(&mut small, &mut large, variants.iter().copied());
    sorted.sort_unstable();
    let (mut small_langs, mut large_langs) = ([""; SMALL], Vec::new());
    let langs = collect_small(
        &mut small_langs,
        &mut large_langs,
        variants.iter().map(|v| v.0),
    );
    let source_variant = variants.get(source_index(srclang, langs));
    let mut content = Fnv::new();
    let mut source = None;
    for (i, (lang, markup)) in sorted.iter().enumerate() {
        content.field(lang);
        content.field(markup);
        // Both hashes start with the source variant when it sorts first
        // (Arabic before English): hash its text once. FNV-1a is a serial
        // chain over every byte, a few cycles each.
        if i == 0 && source_variant == Some(&(*lang, *markup)) {
            source = Some(content.fork());
        }
    }
    let mut source = source.unwrap_or_else(|| {
        let mut source = Fnv::new();
        if let Some((lang, markup)) = source_variant {
            source.field(lang);
            source.field(markup);
        }
        source
    });
    // The sorted set of languages (as `source_and_langs` gives it): the
    // pairs are sorted by language first, so skip repeats.
    let mut last = None;
    for (lang, _) in sorted.iter() {
        if last != Some(*lang) {
            source.field(lang);
            last = Some(*lang);
        }
    }
    (content.finish(), source.finish())
}

/// Same variants, in any order?
pub(crate) fn same_content(a: &Signature, b: &Signature) -> bool {
    let (mut a, mut b) = (a.clone(), b.clone());
    a.sort_unstable();
    b.sort_unstable();
    a == b
}

/// The source (lang, markup) and the sorted set of languages of a unit.
pub(super) fn source_and_langs<'a>(
    srclang: Option<&str>,
    v: &Signature<'a>,
) -> (Option<(&'a str, &'a str)>, Vec<&'a str>) {
    let langs: Vec<&'a str> = v.iter().map(|x| x.0).collect();
    let source = v.get(source_index(srclang, &langs)).copied();
    let mut set = langs;
    set.sort_unstable();
    set.dedup();
    (source, set)
}

/// Same source segment and the same set of languages?
pub(crate) fn same_source(
    a_src: Option<&str>,
    a: &Signature,
    b_src: Option<&str>,
    b: &Signature,
) -> bool {
    source_and_langs(a_src, a) == source_and_langs(b_src, b)
}

/// A stored unit's srclang and its variants as (lang, markup).
pub(crate) type StoredSignature = (Option<String>, Vec<(String, String)>);

/// What the duplicate rule says of a unit about to be added.
pub(crate) enum Verdict {
    /// Store it as a new unit.
    New,
    /// A stored unit has the same content: skip it (`OnDuplicate::Skip`).
    Duplicate,
    /// A stored unit has the same source: replace it, keeping its id
    /// (`OnDuplicate::Update`).
    Replace(i64),
}

/// The duplicate rule of both stores. `candidates` are the stored units
/// the backend found by hash (same source, and same content for `Skip`),
/// lowest id first; `stored` reads one's signature. Hashes only narrow
/// the search: the signatures decide.
pub(crate) fn verdict<E>(
    unit: &Unit,
    on_duplicate: OnDuplicate,
    candidates: Vec<i64>,
    mut stored: impl FnMut(i64) -> std::result::Result<StoredSignature, E>,
) -> std::result::Result<Verdict, E> {
    if on_duplicate == OnDuplicate::Keep || candidates.is_empty() {
        return Ok(Verdict::New);
    }
    let signature: Signature = unit
        .variants
        .iter()
        .map(|v| (v.lang.as_str(), v.seg.markup.as_str()))
        .collect();
    for id in candidates {
        let (stored_src, stored) = stored(id)?;
        let stored: Signature = stored
            .iter()
            .map(|(l, m)| (l.as_str(), m.as_str()))
            .collect();
        match on_duplicate {
            OnDuplicate::Skip if same_content(&signature, &stored) => {
                return Ok(Verdict::Duplicate)
            }
            OnDuplicate::Update
                if same_source(
                    unit.srclang.as_deref(),
                    &signature,
                    stored_src.as_deref(),
                    &stored,
                ) =>
            {
                return Ok(Verdict::Replace(id))
            }
            _ => {}
        }
    }
    Ok(Verdict::New)
}

/// The stored variants of a unit as (lang, markup), and its srclang.
pub(super) fn stored_signature(conn: &Connection, id: i64) -> Result<StoredSignature> {
    let srclang: Option<String> = conn
        .prepare_cached("SELECT srclang FROM unit WHERE id = ?1")?
        .query_row([id], |r| r.get(0))?;
    let mut stmt = conn.prepare_cached(
        "SELECT lang, plain, markup FROM variant WHERE unit_id = ?1 ORDER BY ord",
    )?;
    let rows = stmt.query_map([id], |r| {
        let lang: String = r.get(0)?;
        let plain: String = r.get(1)?;
        let markup: Option<String> = r.get(2)?;
        Ok((lang, markup.unwrap_or_else(|| escape_text(&plain))))
    })?;
    let variants = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((srclang, variants))
}

/// The units added to a TM that was empty, by source hash: a multimap
/// (`hashbrown::HashTable`, duplicates allowed), 12 bytes an entry. A 1M-unit
/// import into an empty TM spent a fifth of its time inserting each unit's
/// hashes into the `unit_duplicate` B-tree in random order; sorting them
/// once at the end is far cheaper. An entry holds its hash and id side by
/// side, so a lookup in a table too big for the cache misses once, not
/// twice.
pub(super) struct FreshUnits {
    /// [hash low half, hash high half, unit id minus `base`].
    pub(super) table: hashbrown::HashTable<[u32; 3]>,
    pub(super) base: i64,
}

impl FreshUnits {
    /// An offset never stored (kept free, as the table's first form used
    /// it to mark an empty slot; ids that far from `base` take the SQL way).
    const TOO_FAR: u32 = u32::MAX;

    pub(super) fn new(base: i64) -> FreshUnits {
        FreshUnits {
            table: hashbrown::HashTable::with_capacity(1 << 11),
            base,
        }
    }

    /// The table's hash of a source hash (already an FNV-1a value; the
    /// multiply spreads it into the high bits the table's tags use).
    pub(super) fn key(hash: i64) -> u64 {
        (hash as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }

    pub(super) fn halves(hash: i64) -> [u32; 2] {
        [hash as u32, ((hash as u64) >> 32) as u32]
    }

    pub(super) fn whole([lo, hi, _]: &[u32; 3]) -> i64 {
        (u64::from(*lo) | u64::from(*hi) << 32) as i64
    }

    /// The ids added with this source hash.
    pub(super) fn candidates(&self, hash: i64) -> Vec<i64> {
        let halves = Self::halves(hash);
        self.table
            .iter_hash(Self::key(hash))
            .filter(|e| e[..2] == halves)
            .map(|e| self.base + i64::from(e[2]))
            .collect()
    }

    /// Record an added unit; false if its id is too far from `base` to be
    /// kept (then the caller falls back to the SQL index).
    pub(super) fn insert(&mut self, hash: i64, id: i64) -> bool {
        let Some(offset) = id
            .checked_sub(self.base)
            .and_then(|o| u32::try_from(o).ok())
            .filter(|&o| o != Self::TOO_FAR)
        else {
            return false;
        };
        let [lo, hi] = Self::halves(hash);
        self.table
            .insert_unique(Self::key(hash), [lo, hi, offset], |e| {
                Self::key(Self::whole(e))
            });
        true
    }
}

//! Units into the TM: the one insert path (`UnitWriter`) and the one delete
//! path (`Store::delete_units`). Both keep the fuzzy index (`Indexer`) and
//! the counters that `stats` reads (`lang_count`, `pair_count`,
//! `origin.units`, `meta`) in step, inside the caller's single transaction.

use std::collections::HashMap;
use std::hash::Hasher as _;

use anyhow::{Context as _, Result};
use rusqlite::{params, Connection, OptionalExtension};

use super::held::{HeldInsert, Param};
use super::index::{
    prefetch, stored_unit_tokens, unit_tokens_into, FastMap, Indexer, VariantTokens,
};
use super::Store;
use crate::text::normalize::{matching_key_tokens_into, KeyToken};
use crate::unit::{escape_text, Header, Note, Prop, Stamp, Unit};

/// Where the units being written came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginInfo {
    /// The file path as given, or a name such as `ar.txt + en.txt`.
    pub name: String,
    /// `"tmx"`, `"tsv"` or `"align"`.
    pub kind: String,
    /// The TMX header, kept for the record.
    pub header: Option<Header>,
}

/// What to do with a unit the TM already holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OnDuplicate {
    /// Skip a unit whose variants (languages and texts) are all stored already.
    #[default]
    Skip,
    /// Replace the stored unit with the same source text and languages
    /// (its targets and metadata) by the new one; it keeps its id.
    Update,
    /// Store the unit even when an identical one exists.
    Keep,
}

/// What `UnitWriter::add` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// Stored as a new unit with this id.
    Inserted(i64),
    /// Not stored: the TM holds the same unit (`OnDuplicate::Skip`).
    Duplicate,
    /// Replaced the stored unit with this id (`OnDuplicate::Update`).
    Updated(i64),
}

/// Counts for one committed transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct WriteSummary {
    pub inserted: u64,
    pub updated: u64,
    pub duplicates: u64,
}

/// The duplicate hashes' function: FNV-1a, 64 bits (the `fnv` crate),
/// stable across builds and platforms (unlike std's RandomState). Its
/// values are stored in every TM (`unit.content_hash`, `source_hash`):
/// changing the function needs a migration that rehashes every unit.
struct Fnv(fnv::FnvHasher);

impl Fnv {
    fn new() -> Fnv {
        Fnv(fnv::FnvHasher::default())
    }
    /// A hasher that goes on from this one's state.
    fn fork(&self) -> Fnv {
        Fnv(fnv::FnvHasher::with_key(self.0.finish()))
    }
    fn bytes(&mut self, bytes: &[u8]) {
        self.0.write(bytes);
    }
    /// A field separator: 0xFF never occurs in UTF-8.
    fn field(&mut self, s: &str) {
        self.bytes(s.as_bytes());
        self.bytes(&[0xFF]);
    }
    fn finish(&self) -> i64 {
        self.0.finish() as i64
    }
}

/// A unit's variants as duplicate detection sees them: (lang, markup).
type Signature<'a> = Vec<(&'a str, &'a str)>;

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
const SMALL: usize = 4;

/// `items` in `small` when they fit, else in `large`: no allocation for
/// the common unit (`Prepared::new` runs once per imported unit).
fn collect_small<'b, T: Copy>(
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
fn unit_hashes(unit: &Unit) -> (i64, i64) {
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
fn hashes(srclang: Option<&str>, variants: &[(&str, &str)]) -> (i64, i64) {
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
fn same_content(a: &Signature, b: &Signature) -> bool {
    let (mut a, mut b) = (a.clone(), b.clone());
    a.sort_unstable();
    b.sort_unstable();
    a == b
}

/// The source (lang, markup) and the sorted set of languages of a unit.
fn source_and_langs<'a>(
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
fn same_source(a_src: Option<&str>, a: &Signature, b_src: Option<&str>, b: &Signature) -> bool {
    source_and_langs(a_src, a) == source_and_langs(b_src, b)
}

/// The TM's date for a unit: when it last changed, else when it was made.
fn unit_date(stamp: &Stamp) -> Option<&str> {
    stamp
        .change_date
        .as_deref()
        .or(stamp.creation_date.as_deref())
}

/// Per-variant stamp and attributes, as the `variant.meta` JSON holds them.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct VariantMeta {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub creation_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub creation_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub change_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub change_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub last_usage_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub usage_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub creation_tool: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub creation_tool_version: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub extra: Vec<(String, String)>,
}

impl VariantMeta {
    /// The JSON for a variant, or `None` when it has no metadata (the
    /// common case: no JSON work at all).
    fn encode(stamp: &Stamp, extra: &[(String, String)]) -> Result<Option<String>> {
        if *stamp == Stamp::default() && extra.is_empty() {
            return Ok(None);
        }
        let meta = VariantMeta {
            creation_date: stamp.creation_date.clone(),
            creation_id: stamp.creation_id.clone(),
            change_date: stamp.change_date.clone(),
            change_id: stamp.change_id.clone(),
            last_usage_date: stamp.last_usage_date.clone(),
            usage_count: stamp.usage_count,
            creation_tool: stamp.creation_tool.clone(),
            creation_tool_version: stamp.creation_tool_version.clone(),
            extra: extra.to_vec(),
        };
        Ok(Some(serde_json::to_string(&meta)?))
    }

    pub(crate) fn decode(json: &str) -> Result<(Stamp, Vec<(String, String)>)> {
        let m: VariantMeta = serde_json::from_str(json).context("corrupt variant metadata")?;
        let stamp = Stamp {
            creation_date: m.creation_date,
            creation_id: m.creation_id,
            change_date: m.change_date,
            change_id: m.change_id,
            last_usage_date: m.last_usage_date,
            usage_count: m.usage_count,
            creation_tool: m.creation_tool,
            creation_tool_version: m.creation_tool_version,
        };
        Ok((stamp, m.extra))
    }
}

fn header_json(h: &Header) -> String {
    let props: Vec<_> = h.props.iter().map(prop_json).collect();
    let notes: Vec<_> = h.notes.iter().map(note_json).collect();
    serde_json::json!({
        "creationtool": h.creation_tool,
        "creationtoolversion": h.creation_tool_version,
        "segtype": h.segtype,
        "o-tmf": h.o_tmf,
        "adminlang": h.adminlang,
        "srclang": h.srclang,
        "datatype": h.datatype,
        "o-encoding": h.o_encoding,
        "creationdate": h.stamp.creation_date,
        "creationid": h.stamp.creation_id,
        "changedate": h.stamp.change_date,
        "changeid": h.stamp.change_id,
        "props": props,
        "notes": notes,
        "extra": h.extra,
    })
    .to_string()
}

fn prop_json(p: &Prop) -> serde_json::Value {
    serde_json::json!({"type": p.kind, "value": p.value, "lang": p.lang, "o-encoding": p.encoding})
}

fn note_json(n: &Note) -> serde_json::Value {
    serde_json::json!({"text": n.text, "lang": n.lang, "o-encoding": n.encoding})
}

/// Is `markup` exactly `escape_text(plain)`? (Then it is stored as NULL.)
/// Compares without building the escaped string.
pub(crate) fn is_escaped(plain: &str, markup: &str) -> bool {
    // Nearly every segment: no markup and nothing to escape, one memcmp
    // and one vectorized search (a byte loop here was 4% of the writer).
    if plain.len() == markup.len() {
        return plain == markup && memchr::memchr3(b'&', b'<', b'>', plain.as_bytes()).is_none();
    }
    let mut rest = markup.as_bytes();
    for &b in plain.as_bytes() {
        let expect: &[u8] = match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            _ => std::slice::from_ref(&b),
        };
        match rest.strip_prefix(expect) {
            Some(r) => rest = r,
            None => return false,
        }
    }
    rest.is_empty()
}

/// Add `delta` to a counter, allocating the key only the first time.
fn bump(map: &mut FastMap<String, i64>, key: &str, delta: i64) {
    match map.get_mut(key) {
        Some(n) => *n += delta,
        None => {
            map.insert(key.to_string(), delta);
        }
    }
}

/// Counter changes made in one transaction, written just before commit.
/// Each run of like units (see `run`) bumps a few language counters:
/// FxHash, not SipHash, for these short keys.
#[derive(Default)]
struct Counters {
    units: i64,
    langs: FastMap<String, i64>,
    /// source → target → units.
    pairs: FastMap<String, FastMap<String, i64>>,
    origins: HashMap<i64, i64>,
    date_min: Option<String>,
    date_max: Option<String>,
    /// A removed unit sat on the date range's edge: rescan it at commit.
    dates_dirty: bool,
    /// Units in a row with the same languages, source and origin, not yet
    /// in the maps: they are counted once per run (a file is mostly one
    /// language pair from one origin; hashing every unit's tags into the
    /// maps was 2% of a big import's writer thread).
    run: Option<SameUnits>,
}

/// See `Counters::run`.
struct SameUnits {
    delta: i64,
    srclang: Option<String>,
    langs: Vec<String>,
    origin: Option<i64>,
    units: i64,
}

impl SameUnits {
    fn matches(
        &self,
        delta: i64,
        srclang: Option<&str>,
        langs: &[&str],
        origin: Option<i64>,
    ) -> bool {
        self.delta == delta
            && self.origin == origin
            && self.srclang.as_deref() == srclang
            && self.langs.len() == langs.len()
            && self.langs.iter().zip(langs).all(|(a, b)| a == b)
    }
}

impl Counters {
    /// Count (`delta` +1) or uncount (-1) a unit with these variant
    /// languages and source.
    fn unit(&mut self, delta: i64, srclang: Option<&str>, langs: &[&str], origin: Option<i64>) {
        if let Some(run) = &mut self.run {
            if run.matches(delta, srclang, langs, origin) {
                run.units += 1;
                return;
            }
        }
        self.end_run();
        self.run = Some(SameUnits {
            delta,
            srclang: srclang.map(str::to_string),
            langs: langs.iter().map(|l| l.to_string()).collect(),
            origin,
            units: 1,
        });
    }

    /// Move the current run of same units into the maps.
    fn end_run(&mut self) {
        if let Some(run) = self.run.take() {
            let langs: Vec<&str> = run.langs.iter().map(String::as_str).collect();
            self.count(
                run.delta * run.units,
                run.srclang.as_deref(),
                &langs,
                run.origin,
            );
        }
    }

    /// Add `delta` units with these variant languages and source.
    fn count(&mut self, delta: i64, srclang: Option<&str>, langs: &[&str], origin: Option<i64>) {
        self.units += delta;
        for lang in langs {
            bump(&mut self.langs, lang, delta);
        }
        if let Some(src) = langs.get(source_index(srclang, langs)) {
            let targets = match self.pairs.get_mut(*src) {
                Some(t) => t,
                None => self.pairs.entry((*src).to_string()).or_default(),
            };
            for (i, tgt) in langs.iter().enumerate() {
                // Each distinct target once.
                if tgt != src && !langs[..i].contains(tgt) {
                    bump(targets, tgt, delta);
                }
            }
        }
        if let Some(id) = origin {
            *self.origins.entry(id).or_default() += delta;
        }
    }

    fn date_added(&mut self, date: Option<&str>) {
        let Some(d) = date else { return };
        if self.date_min.as_deref().map_or(true, |m| d < m) {
            self.date_min = Some(d.to_string());
        }
        if self.date_max.as_deref().map_or(true, |m| d > m) {
            self.date_max = Some(d.to_string());
        }
    }

    fn write(mut self, conn: &Connection) -> Result<()> {
        self.end_run();
        if self.units != 0 {
            conn.execute(
                "INSERT INTO meta(name, value) VALUES ('units', ?1)
                 ON CONFLICT(name) DO UPDATE SET value = CAST(value AS INTEGER) + ?1",
                [self.units],
            )?;
        }
        for (lang, n) in self.langs.iter().filter(|(_, n)| **n != 0) {
            conn.prepare_cached(
                "INSERT INTO lang_count(lang, variants) VALUES (?1, ?2)
                 ON CONFLICT(lang) DO UPDATE SET variants = variants + ?2",
            )?
            .execute(params![lang, n])?;
        }
        let pairs = self
            .pairs
            .iter()
            .flat_map(|(src, t)| t.iter().map(move |(tgt, n)| (src, tgt, n)));
        for (src, tgt, n) in pairs.filter(|(_, _, n)| **n != 0) {
            conn.prepare_cached(
                "INSERT INTO pair_count(src, tgt, units) VALUES (?1, ?2, ?3)
                 ON CONFLICT(src, tgt) DO UPDATE SET units = units + ?3",
            )?
            .execute(params![src, tgt, n])?;
        }
        for (id, n) in self.origins.iter().filter(|(_, n)| **n != 0) {
            conn.prepare_cached("UPDATE origin SET units = units + ?2 WHERE id = ?1")?
                .execute(params![id, n])?;
        }
        conn.execute("DELETE FROM lang_count WHERE variants <= 0", [])?;
        conn.execute("DELETE FROM pair_count WHERE units <= 0", [])?;
        let get = |name: &str| -> Result<Option<String>> {
            Ok(conn
                .query_row("SELECT value FROM meta WHERE name = ?1", [name], |r| {
                    r.get(0)
                })
                .optional()?)
        };
        let (mut min, mut max) = (get("date_min")?, get("date_max")?);
        if self.dates_dirty {
            (min, max) = conn.query_row(
                "SELECT min(coalesce(change_date, creation_date)),
                        max(coalesce(change_date, creation_date)) FROM unit",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
        }
        if let Some(d) = self.date_min {
            if min.as_ref().map_or(true, |m| d < *m) {
                min = Some(d);
            }
        }
        if let Some(d) = self.date_max {
            if max.as_ref().map_or(true, |m| d > *m) {
                max = Some(d);
            }
        }
        for (name, value) in [("date_min", min), ("date_max", max)] {
            match value {
                Some(v) => conn.execute(
                    "INSERT INTO meta(name, value) VALUES (?1, ?2)
                     ON CONFLICT(name) DO UPDATE SET value = ?2",
                    params![name, v],
                )?,
                None => conn.execute("DELETE FROM meta WHERE name = ?1", [name])?,
            };
        }
        Ok(())
    }
}

/// A stored unit's srclang and its variants as (lang, markup).
type StoredSignature = (Option<String>, Vec<(String, String)>);

/// The stored variants of a unit as (lang, markup), and its srclang.
fn stored_signature(conn: &Connection, id: i64) -> Result<StoredSignature> {
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

/// Unindex, uncount and delete one unit. Returns false if there was none.
fn remove_unit(
    conn: &Connection,
    indexer: &mut Indexer,
    counters: &mut Counters,
    id: i64,
) -> Result<bool> {
    let row: Option<(Option<String>, Option<i64>, Option<String>)> = conn
        .prepare_cached(
            "SELECT srclang, origin_id, coalesce(change_date, creation_date) FROM unit WHERE id = ?1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((srclang, origin, date)) = row else {
        return Ok(false);
    };
    let langs: Vec<String> = conn
        .prepare_cached("SELECT lang FROM variant WHERE unit_id = ?1 ORDER BY ord")?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let langs: Vec<&str> = langs.iter().map(String::as_str).collect();
    counters.unit(-1, srclang.as_deref(), &langs, origin);
    if let Some(d) = date {
        let edge = |name: &str| -> Result<bool> {
            Ok(conn
                .prepare_cached("SELECT 1 FROM meta WHERE name = ?1 AND value = ?2")?
                .exists(params![name, d])?)
        };
        if edge("date_min")? || edge("date_max")? {
            counters.dates_dirty = true;
        }
    }
    indexer.remove(conn, id)?;
    for sql in [
        "DELETE FROM prop WHERE unit_id = ?1",
        "DELETE FROM note WHERE unit_id = ?1",
        "DELETE FROM variant WHERE unit_id = ?1",
        "DELETE FROM unit WHERE id = ?1",
    ] {
        conn.prepare_cached(sql)?.execute([id])?;
    }
    Ok(true)
}

/// The per-unit CPU work of an insert, which needs no database: the
/// variants' matching keys and their index tokens (an import's reader
/// thread does it while the writer writes).
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    keys: Vec<String>,
    /// None: worked out by the writer if the unit is stored.
    tokens: Option<Vec<VariantTokens>>,
    /// Per variant: its markup is just its escaped text (`is_escaped`),
    /// stored as NULL.
    plain_markup: Vec<bool>,
    /// The duplicate hashes (`unit_hashes`), when worked out here. Into an
    /// empty TM the writer works them out instead: when that was measured
    /// (1M pair ratio 0.97), the reader, making the index tokens too, was
    /// the busier thread. The flushes and the commit have changed since,
    /// and a perf timeline now shows the writer the busier one; moving
    /// them back is a change too small for this machine's wall times to
    /// resolve, so it has not been made.
    hashes: Option<(i64, i64)>,
}

/// A reused key buffer bigger than this (a huge segment) is dropped
/// rather than kept for the next unit (its token list likewise, at a
/// quarter of the count).
const SPARE_KEY_BYTES: usize = 1 << 16;

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
fn key_pairs<'a>(unit: &'a Unit, keys: &'a [String]) -> Vec<(&'a str, &'a str)> {
    unit.variants
        .iter()
        .zip(keys)
        .map(|(v, k)| (v.lang.as_str(), k.as_str()))
        .collect()
}

/// An open write transaction on the TM, rolled back when dropped
/// uncommitted. For big imports it also switches the journal: see `begin`.
struct TxGuard<'a> {
    conn: &'a Connection,
    open: bool,
    /// The TM was in WAL mode and was switched to a rollback journal.
    restore_wal: bool,
}

impl<'a> TxGuard<'a> {
    /// `BEGIN IMMEDIATE` (take the write lock now, not at the first insert).
    ///
    /// `bulk`: a write-ahead log makes every page of a big transaction be
    /// written twice (to the log, then copied into the database at the
    /// checkpoint). With a rollback journal, pages appended to the file
    /// are written once and only pages that existed are journaled; this
    /// needs the TM to ourselves, so it is only tried, never required.
    fn begin(conn: &'a Connection, bulk: bool) -> rusqlite::Result<TxGuard<'a>> {
        let mut restore_wal = false;
        if bulk {
            let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
            if mode.eq_ignore_ascii_case("wal") {
                let now: String =
                    conn.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
                restore_wal = now.eq_ignore_ascii_case("delete");
            }
        }
        // The writer keeps unit/variant/prop/note consistent itself (and
        // deletes children explicitly); checking each child insert against
        // its parent would cost a lookup per row. Must be set outside a
        // transaction.
        conn.execute_batch("PRAGMA foreign_keys = OFF; BEGIN IMMEDIATE")?;
        Ok(TxGuard {
            conn,
            open: true,
            restore_wal,
        })
    }

    fn commit(mut self) -> rusqlite::Result<()> {
        self.conn.execute_batch("COMMIT")?;
        self.open = false;
        Ok(())
    }
}

impl Drop for TxGuard<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        let _ = self.conn.execute_batch("PRAGMA foreign_keys = ON");
        if self.restore_wal {
            let _ = self
                .conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0));
        }
    }
}

impl std::ops::Deref for TxGuard<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}

/// Writes units into the TM inside one transaction. `commit` makes them
/// visible; dropping the writer without committing leaves the TM exactly as
/// it was.
pub struct UnitWriter<'a> {
    /// The inserts every unit makes, held for the writer's life: through
    /// the statement cache each execution also paid a cache lookup and a
    /// clearing of its bindings. Declared before `tx`, so they are
    /// finalized before a rollback.
    insert_unit: HeldInsert<'a>,
    insert_variant: HeldInsert<'a>,
    insert_props_notes: PropNoteInserts<'a>,
    tx: TxGuard<'a>,
    indexer: Indexer,
    origin: OriginInfo,
    imported_at: String,
    /// Origin name → id, for the writer's origin and those units carry.
    origin_ids: HashMap<String, i64>,
    counters: Counters,
    summary: WriteSummary,
    /// When the TM held no unit as this writer began: the units it added,
    /// by source hash. The duplicate check then asks this table instead of
    /// the `unit_duplicate` index, which is dropped and built once at commit.
    fresh: Option<FreshUnits>,
    /// The SQL that creates the indexes of `unit`, `prop` and `note`, to
    /// run at commit (`fresh`).
    deferred_indexes: Vec<String>,
    /// A big import's TM file, whose written pages the kernel is asked to
    /// start writing out as the import goes (see `Writeback`).
    writeback: Option<Writeback>,
}

/// Early writeback of a big import's TM file. The pages SQLite writes
/// during the transaction stay dirty in the kernel's cache (800 MB for 1M
/// units is below its thresholds), so the commit's `fsync` used to wait
/// ~1.4 s for all of them. Asking the kernel every few thousand units to
/// start writing what is dirty (without waiting) lets the disk work while
/// both threads compute: the 1M import's `fsync` then waits ~0.3 s, for
/// ~60 calls of a few milliseconds. A request, not a sync: durability
/// still comes from the commit alone. Linux only; elsewhere a no-op.
struct Writeback {
    file: std::fs::File,
    units: u32,
}

impl Writeback {
    const EVERY_UNITS: u32 = 16_384;

    /// `None` where the file cannot be opened (then nothing changes).
    fn open(path: &std::path::Path) -> Option<Writeback> {
        let file = std::fs::File::open(path).ok()?;
        Some(Writeback { file, units: 0 })
    }

    fn unit_added(&mut self) {
        self.units += 1;
        if self.units == Self::EVERY_UNITS {
            self.units = 0;
            start_writeback(&self.file);
        }
    }
}

#[cfg(target_os = "linux")]
fn start_writeback(file: &std::fs::File) {
    use std::os::fd::AsRawFd;
    // SAFETY: a plain system call on a descriptor `file` keeps open; its
    // result only says whether writing out was started, which is advisory.
    unsafe {
        libc::sync_file_range(file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_file: &std::fs::File) {}

/// The units added to a TM that was empty, by source hash: a multimap
/// (`hashbrown::HashTable`, duplicates allowed), 12 bytes an entry. A 1M-unit
/// import into an empty TM spent a fifth of its time inserting each unit's
/// hashes into the `unit_duplicate` B-tree in random order; sorting them
/// once at the end is far cheaper. An entry holds its hash and id side by
/// side, so a lookup in a table too big for the cache misses once, not
/// twice.
struct FreshUnits {
    /// [hash low half, hash high half, unit id minus `base`].
    table: hashbrown::HashTable<[u32; 3]>,
    base: i64,
}

impl FreshUnits {
    /// An offset never stored (kept free, as the table's first form used
    /// it to mark an empty slot; ids that far from `base` take the SQL way).
    const TOO_FAR: u32 = u32::MAX;

    fn new(base: i64) -> FreshUnits {
        FreshUnits {
            table: hashbrown::HashTable::with_capacity(1 << 11),
            base,
        }
    }

    /// The table's hash of a source hash (already an FNV-1a value; the
    /// multiply spreads it into the high bits the table's tags use).
    fn key(hash: i64) -> u64 {
        (hash as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }

    fn halves(hash: i64) -> [u32; 2] {
        [hash as u32, ((hash as u64) >> 32) as u32]
    }

    fn whole([lo, hi, _]: &[u32; 3]) -> i64 {
        (u64::from(*lo) | u64::from(*hi) << 32) as i64
    }

    /// The ids added with this source hash.
    fn candidates(&self, hash: i64) -> Vec<i64> {
        let halves = Self::halves(hash);
        self.table
            .iter_hash(Self::key(hash))
            .filter(|e| e[..2] == halves)
            .map(|e| self.base + i64::from(e[2]))
            .collect()
    }

    /// Record an added unit; false if its id is too far from `base` to be
    /// kept (then the caller falls back to the SQL index).
    fn insert(&mut self, hash: i64, id: i64) -> bool {
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

impl Store {
    /// Start writing units that came from `origin`, in one transaction.
    pub fn writer(&mut self, origin: &OriginInfo) -> Result<UnitWriter<'_>> {
        self.start_writer(origin, false)
    }

    /// `writer` for a big import (a large file): the same, but written
    /// through a rollback journal instead of the write-ahead log when
    /// nobody else has the TM open (see `TxGuard::begin`).
    pub fn bulk_writer(&mut self, origin: &OriginInfo) -> Result<UnitWriter<'_>> {
        self.start_writer(origin, true)
    }

    fn start_writer(&mut self, origin: &OriginInfo, bulk: bool) -> Result<UnitWriter<'_>> {
        let path = self.path.display().to_string();
        let conn = &self.conn;
        let tx = TxGuard::begin(conn, bulk).with_context(|| {
            format!("{path}: cannot start writing (is another tarjuman writing to it?)")
        })?;
        let indexer = Indexer::new(&tx)?;
        let empty: bool =
            tx.query_row("SELECT NOT EXISTS (SELECT 1 FROM unit)", [], |r| r.get(0))?;
        let mut deferred_indexes = Vec::new();
        if empty {
            // An index built once by sorting costs less than one kept up to
            // date row by row, most of all `unit_duplicate`, written in
            // random order. Taken from the schema itself, so a migration
            // that changes an index changes what is rebuilt. Dropped inside
            // the transaction: a rollback brings them back.
            let indexes: Vec<(String, String)> = tx
                .prepare(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index'
                     AND tbl_name IN ('unit', 'prop', 'note') AND sql IS NOT NULL",
                )?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            for (name, sql) in indexes {
                tx.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))?;
                deferred_indexes.push(sql);
            }
        }
        // Page cache: into an empty TM, 8 MiB holds the tail pages of each
        // table and the upper levels of the indexes (the one index written
        // in random order is deferred; see `FreshUnits`), and bounds the
        // sorter that builds it at commit, leaving room for the fresh table.
        // Otherwise 32 MiB, so that the duplicate index's lookups in random
        // order mostly hit memory (8 MiB doubled a 1M-unit re-import).
        let cache_kib = if empty { 8192 } else { 32768 };
        tx.execute_batch(&format!("PRAGMA cache_size = -{cache_kib}"))?;
        let next_id: i64 = tx.query_row("SELECT coalesce(max(id), 0) + 1 FROM unit", [], |r| {
            r.get(0)
        })?;
        Ok(UnitWriter {
            fresh: empty.then(|| FreshUnits::new(next_id)),
            deferred_indexes,
            writeback: bulk.then(|| Writeback::open(&self.path)).flatten(),
            insert_unit: HeldInsert::new(
                conn,
                "INSERT INTO unit(id, tuid, srclang, creation_date, creation_id, change_date,
                    change_id, last_usage_date, usage_count, creation_tool,
                    creation_tool_version, extra, origin_id, context_prev, context_next,
                    content_hash, source_hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            )?,
            insert_variant: HeldInsert::new(
                conn,
                "INSERT INTO variant(unit_id, ord, lang, plain, markup, key, meta)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?,
            insert_props_notes: PropNoteInserts::new(conn)?,
            tx,
            indexer,
            origin: origin.clone(),
            imported_at: super::now_tmx(),
            origin_ids: HashMap::new(),
            counters: Counters::default(),
            summary: WriteSummary::default(),
        })
    }

    /// Delete units by id (unknown ids are ignored), keeping the index and
    /// counters in step. Returns how many were deleted.
    pub fn delete_units(&mut self, ids: &[i64]) -> Result<usize> {
        let tx = TxGuard::begin(&self.conn, false)?;
        let mut indexer = Indexer::new(&tx)?;
        let mut counters = Counters::default();
        let mut deleted = 0;
        for &id in ids {
            if remove_unit(&tx, &mut indexer, &mut counters, id)? {
                deleted += 1;
            }
        }
        counters.write(&tx)?;
        indexer.finish(&tx)?;
        tx.commit()?;
        Ok(deleted)
    }
}

impl UnitWriter<'_> {
    /// The id of the origin named `name`, creating its row on first use.
    /// The writer's own origin gets its kind, header and import time
    /// refreshed; an origin a unit carries (a re-imported tarjuman export)
    /// is created if missing and otherwise left alone.
    fn origin_id(&mut self, name: Option<&str>) -> Result<i64> {
        let own = name.map_or(true, |n| n == self.origin.name);
        let name = name.unwrap_or(&self.origin.name);
        if let Some(id) = self.origin_ids.get(name) {
            return Ok(*id);
        }
        let id: i64 = if own {
            let header = self.origin.header.as_ref().map(header_json);
            self.tx.query_row(
                "INSERT INTO origin(name, kind, imported_at, header) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(name) DO UPDATE SET kind = ?2, imported_at = ?3, header = ?4
                 RETURNING id",
                params![name, self.origin.kind, self.imported_at, header],
                |r| r.get(0),
            )?
        } else {
            self.tx.execute(
                "INSERT INTO origin(name, kind, imported_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(name) DO NOTHING",
                params![name, self.origin.kind, self.imported_at],
            )?;
            self.tx
                .query_row("SELECT id FROM origin WHERE name = ?1", [name], |r| {
                    r.get(0)
                })?
        };
        self.origin_ids.insert(name.to_string(), id);
        Ok(id)
    }

    /// Add one unit, deciding what a duplicate means by `on_duplicate`.
    pub fn add(&mut self, unit: &Unit, on_duplicate: OnDuplicate) -> Result<Added> {
        self.add_prepared(unit, &Prepared::new(unit, false), on_duplicate)
    }

    /// `add` with the CPU work (matching keys, hashes) already done, so that
    /// a reader thread can do it while this one writes.
    pub fn add_prepared(
        &mut self,
        unit: &Unit,
        prepared: &Prepared,
        on_duplicate: OnDuplicate,
    ) -> Result<Added> {
        // Only a unit with candidates needs its signature (few do).
        let signature = || -> Signature {
            unit.variants
                .iter()
                .map(|v| (v.lang.as_str(), v.seg.markup.as_str()))
                .collect()
        };
        let srclang = unit.srclang.as_deref();
        let hashes = prepared.hashes.unwrap_or_else(|| unit_hashes(unit));
        let (content_hash, source_hash) = hashes;

        let mut reuse_id = None;
        match on_duplicate {
            OnDuplicate::Keep => {}
            OnDuplicate::Skip => {
                for id in self.candidates(source_hash, Some(content_hash))? {
                    let (_, stored) = stored_signature(&self.tx, id)?;
                    let stored: Signature = stored
                        .iter()
                        .map(|(l, m)| (l.as_str(), m.as_str()))
                        .collect();
                    if same_content(&signature(), &stored) {
                        self.summary.duplicates += 1;
                        return Ok(Added::Duplicate);
                    }
                }
            }
            OnDuplicate::Update => {
                for id in self.candidates(source_hash, None)? {
                    let (stored_src, stored) = stored_signature(&self.tx, id)?;
                    let stored: Signature = stored
                        .iter()
                        .map(|(l, m)| (l.as_str(), m.as_str()))
                        .collect();
                    if same_source(srclang, &signature(), stored_src.as_deref(), &stored) {
                        remove_unit(&self.tx, &mut self.indexer, &mut self.counters, id)?;
                        reuse_id = Some(id);
                        break;
                    }
                }
            }
        }

        let origin_id = self.origin_id(unit.origin.as_deref())?;
        let id = self.insert(unit, prepared, hashes, reuse_id, origin_id)?;
        if reuse_id.is_none() {
            if let Some(fresh) = &mut self.fresh {
                if !fresh.insert(source_hash, id) {
                    self.index_now()?;
                }
            }
        }
        // On the stack for the usual few variants (a Vec was an allocation
        // per unit on the import's busier thread).
        let (mut few, mut many) = ([""; SMALL], Vec::new());
        let langs = collect_small(
            &mut few,
            &mut many,
            unit.variants.iter().map(|v| v.lang.as_str()),
        );
        self.counters.unit(1, srclang, langs, Some(origin_id));
        self.counters.date_added(unit_date(&unit.stamp));
        if let Some(w) = &mut self.writeback {
            w.unit_added();
        }
        Ok(match reuse_id {
            Some(id) => {
                self.summary.updated += 1;
                Added::Updated(id)
            }
            None => {
                self.summary.inserted += 1;
                Added::Inserted(id)
            }
        })
    }

    /// Stored units that may be duplicates: same source hash (and content
    /// hash, when given; the fresh table only filters by source).
    fn candidates(&self, source_hash: i64, content_hash: Option<i64>) -> Result<Vec<i64>> {
        if let Some(fresh) = &self.fresh {
            return Ok(fresh.candidates(source_hash));
        }
        let ids = match content_hash {
            Some(c) => self
                .tx
                .prepare_cached("SELECT id FROM unit WHERE source_hash = ?1 AND content_hash = ?2")?
                .query_map([source_hash, c], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<i64>>>()?,
            None => self
                .tx
                .prepare_cached("SELECT id FROM unit WHERE source_hash = ?1")?
                .query_map([source_hash], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<i64>>>()?,
        };
        Ok(ids)
    }

    /// Build the deferred indexes now and check duplicates against
    /// `unit_duplicate` from here on (at commit, or mid-import when the
    /// fresh table cannot hold an id).
    fn index_now(&mut self) -> Result<()> {
        // Free the table first: the sorter wants the memory.
        self.fresh = None;
        let indexes = std::mem::take(&mut self.deferred_indexes);
        if !indexes.is_empty() {
            // At commit the reader thread is done: let the sorter use the
            // second core.
            self.tx.execute_batch("PRAGMA threads = 2")?;
            for sql in indexes {
                self.tx.execute_batch(&sql)?;
            }
            self.tx.execute_batch("PRAGMA threads = 0")?;
        }
        Ok(())
    }

    fn insert(
        &mut self,
        unit: &Unit,
        prepared: &Prepared,
        (content_hash, source_hash): (i64, i64),
        id: Option<i64>,
        origin_id: i64,
    ) -> Result<i64> {
        let tx = &self.tx;
        let extra = if unit.extra.is_empty() {
            None
        } else {
            Some(serde_json::to_string(&unit.extra)?)
        };
        let s = &unit.stamp;
        let text = Param::opt_text;
        self.insert_unit.execute(&[
            id.map(Param::Int),
            text(&unit.tuid),
            text(&unit.srclang),
            text(&s.creation_date),
            text(&s.creation_id),
            text(&s.change_date),
            text(&s.change_id),
            text(&s.last_usage_date),
            s.usage_count.map(|n| Param::Int(n as i64)),
            text(&s.creation_tool),
            text(&s.creation_tool_version),
            text(&extra),
            Some(Param::Int(origin_id)),
            text(&unit.context.prev),
            text(&unit.context.next),
            Some(Param::Int(content_hash)),
            Some(Param::Int(source_hash)),
        ])?;
        // Plain INSERT + last_insert_rowid: RETURNING costs an ephemeral table.
        let id = tx.last_insert_rowid();
        let keys = &prepared.keys;
        let plain_markup = &prepared.plain_markup;
        for (((ord, v), key), &just_text) in
            unit.variants.iter().enumerate().zip(keys).zip(plain_markup)
        {
            let markup = (!just_text).then_some(v.seg.markup.as_str());
            let meta = VariantMeta::encode(&v.stamp, &v.extra)?;
            self.insert_variant.execute(&[
                Some(Param::Int(id)),
                Some(Param::Int(ord as i64)),
                Some(Param::Text(&v.lang)),
                Some(Param::Text(&v.seg.plain)),
                markup.map(Param::Text),
                Some(Param::Text(key)),
                meta.as_deref().map(Param::Text),
            ])?;
            self.insert_props_notes
                .add(id, Some(ord as i64), &v.props, &v.notes)?;
        }
        self.insert_props_notes
            .add(id, None, &unit.props, &unit.notes)?;
        match &prepared.tokens {
            Some(tokens) => self.indexer.add(tx, id, keys, tokens)?,
            None => {
                let tokens = stored_unit_tokens(&key_pairs(unit, keys));
                self.indexer.add(tx, id, keys, &tokens)?
            }
        }
        Ok(id)
    }

    /// See `Indexer::set_flush_postings`.
    #[cfg(test)]
    pub(crate) fn set_index_flush(&mut self, postings: usize) {
        self.indexer.set_flush_postings(postings);
    }

    /// Did this writer start on an empty TM? (Then nearly every unit will be
    /// stored: see `Prepared::new`.)
    pub fn is_fresh(&self) -> bool {
        self.fresh.is_some()
    }

    /// Counts so far (before commit).
    pub fn summary(&self) -> WriteSummary {
        self.summary
    }

    /// Make everything added visible, atomically.
    pub fn commit(mut self) -> Result<WriteSummary> {
        if !self.deferred_indexes.is_empty() {
            // The fuzzy index's runs are joined beside the deferred indexes.
            self.indexer.join_ahead(&self.tx)?;
        }
        self.index_now()?;
        let UnitWriter {
            tx,
            indexer,
            counters,
            summary,
            ..
        } = self;
        counters.write(&tx)?;
        indexer.finish(&tx)?;
        tx.commit()?;
        Ok(summary)
    }
}

/// The prop and note inserts, held like the unit's (in the bench one
/// unit in ten carries a prop).
struct PropNoteInserts<'c> {
    prop: HeldInsert<'c>,
    note: HeldInsert<'c>,
}

impl<'c> PropNoteInserts<'c> {
    fn new(conn: &'c Connection) -> rusqlite::Result<PropNoteInserts<'c>> {
        Ok(PropNoteInserts {
            prop: HeldInsert::new(
                conn,
                "INSERT INTO prop(unit_id, variant_ord, ord, kind, value, lang, encoding)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?,
            note: HeldInsert::new(
                conn,
                "INSERT INTO note(unit_id, variant_ord, ord, text, lang, encoding)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?,
        })
    }

    /// The props and notes of a unit (`variant_ord` None) or of a variant.
    fn add(
        &mut self,
        unit_id: i64,
        variant_ord: Option<i64>,
        props: &[Prop],
        notes: &[Note],
    ) -> rusqlite::Result<()> {
        let text = Param::opt_text;
        for (ord, p) in props.iter().enumerate() {
            self.prop.execute(&[
                Some(Param::Int(unit_id)),
                variant_ord.map(Param::Int),
                Some(Param::Int(ord as i64)),
                Some(Param::Text(&p.kind)),
                Some(Param::Text(&p.value)),
                text(&p.lang),
                text(&p.encoding),
            ])?;
        }
        for (ord, n) in notes.iter().enumerate() {
            self.note.execute(&[
                Some(Param::Int(unit_id)),
                variant_ord.map(Param::Int),
                Some(Param::Int(ord as i64)),
                Some(Param::Text(&n.text)),
                text(&n.lang),
                text(&n.encoding),
            ])?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unit::{Segment, Variant};

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("tm.db")).unwrap();
        (dir, store)
    }

    #[test]
    fn counters_count_runs_of_same_units_as_each_unit_would() {
        let mut c = Counters::default();
        let (ar_en, ar_fr) = (["ar", "en"], ["ar", "fr-FR"]);
        c.unit(1, Some("ar"), &ar_en, Some(1));
        c.unit(1, Some("ar"), &ar_en, Some(1));
        c.unit(1, Some("ar"), &ar_fr, Some(1));
        c.unit(1, Some("ar"), &ar_en, Some(2));
        c.unit(-1, Some("ar"), &ar_en, Some(1));
        c.unit(1, None, &ar_en, Some(2));
        c.end_run();
        assert_eq!(c.units, 4);
        assert_eq!(c.langs["ar"], 4);
        assert_eq!(c.langs["en"], 3);
        assert_eq!(c.langs["fr-FR"], 1);
        assert_eq!(c.pairs["ar"]["en"], 3);
        assert_eq!(c.pairs["ar"]["fr-FR"], 1);
        assert_eq!((c.origins[&1], c.origins[&2]), (2, 2));
    }

    fn origin(name: &str) -> OriginInfo {
        OriginInfo {
            name: name.into(),
            kind: "tsv".into(),
            header: None,
        }
    }

    fn count(store: &Store, sql: &str) -> i64 {
        store.conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    /// A five-language unit with props, notes, stamps and inline markup at
    /// both levels: everything the schema has a place for.
    fn rich_unit() -> Unit {
        let mut u = Unit {
            tuid: Some("tu-7".into()),
            srclang: Some("ar-SY".into()),
            stamp: Stamp {
                creation_date: Some("20211106T090503Z".into()),
                creation_id: Some("hiba".into()),
                change_date: Some("20211107T100000Z".into()),
                usage_count: Some(3),
                ..Stamp::default()
            },
            props: vec![Prop {
                kind: "x-domain".into(),
                value: "أخبار".into(),
                lang: Some("ar".into()),
                encoding: None,
            }],
            notes: vec![Note {
                text: "مراجعة «المحرر»".into(),
                lang: None,
                encoding: Some("UTF-8".into()),
            }],
            extra: vec![("datatype".into(), "plaintext".into())],
            origin: Some("alaraby.tmx".into()),
            context: crate::unit::Context {
                prev: Some("قبل".into()),
                next: None,
            },
            ..Unit::default()
        };
        for (lang, text) in [
            (
                "ar-SY",
                "أَخْلَت الميليشيات الإيرانية قاعدةً قرب البوكمال في ٦ تشرين الثاني؛",
            ),
            ("en-GB", "Iranian militias evacuated a base near Albu Kamal"),
            ("fr", "Les milices iraniennes ont évacué une base"),
            ("de", "Iranische Milizen räumten einen Stützpunkt"),
            ("fa", "شبه‌نظامیان ایرانی پایگاهی را تخلیه کردند"),
        ] {
            u.variants.push(Variant {
                lang: lang.into(),
                seg: Segment::from_plain(text),
                ..Variant::default()
            });
        }
        u.variants[1].seg = Segment {
            markup: "Iranian <bpt i=\"1\">&lt;b&gt;</bpt>militias<ept i=\"1\">&lt;/b&gt;</ept> evacuated a base near Albu Kamal".into(),
            plain: "Iranian militias evacuated a base near Albu Kamal".into(),
        };
        u.variants[1].stamp.change_id = Some("editor".into());
        u.variants[1].extra = vec![("o-tmf".into(), "Trados".into())];
        u.variants[1].notes = vec![Note {
            text: "checked".into(),
            ..Note::default()
        }];
        u.variants[4].props = vec![Prop {
            kind: "x-script".into(),
            value: "Arab".into(),
            ..Prop::default()
        }];
        u
    }

    #[test]
    fn a_rich_five_language_unit_comes_back_unchanged() {
        let (_dir, mut store) = store();
        let unit = rich_unit();
        let mut w = store.writer(&origin("file.tmx")).unwrap();
        let Added::Inserted(id) = w.add(&unit, OnDuplicate::Skip).unwrap() else {
            panic!("not inserted")
        };
        w.commit().unwrap();
        assert_eq!(store.load_unit(id).unwrap().unwrap(), unit);
        assert_eq!(store.load_unit(id + 1).unwrap(), None);
        let mut streamed = Vec::new();
        store
            .for_each_unit(&Default::default(), |_, u| {
                streamed.push(u);
                Ok(())
            })
            .unwrap();
        assert_eq!(streamed, vec![unit]);
        // Plain segments store no markup; the tagged one does.
        assert_eq!(
            count(
                &store,
                "SELECT count(*) FROM variant WHERE markup IS NOT NULL"
            ),
            1
        );
        assert_eq!(
            count(
                &store,
                "SELECT count(*) FROM variant WHERE meta IS NOT NULL"
            ),
            1
        );
    }

    #[test]
    fn keys_are_stored_beside_the_untouched_text() {
        let (_dir, mut store) = store();
        let mut w = store.writer(&origin("a.tsv")).unwrap();
        w.add(
            &Unit::pair("ar", "قالَ الرئيسُ ١٢٣", "en", "The President said 123"),
            OnDuplicate::Skip,
        )
        .unwrap();
        w.commit().unwrap();
        let (plain, key): (String, String) = store
            .conn
            .query_row(
                "SELECT plain, key FROM variant WHERE lang = 'ar'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(plain, "قالَ الرئيسُ ١٢٣");
        assert_eq!(key, "قال الرييس 123");
    }

    #[test]
    fn skip_update_and_keep_treat_duplicates_as_documented() {
        let (_dir, mut store) = store();
        let a = Unit::pair("ar", "صباح الخير", "en", "Good morning");
        let mut w = store.writer(&origin("one.tsv")).unwrap();
        assert!(matches!(
            w.add(&a, OnDuplicate::Skip).unwrap(),
            Added::Inserted(_)
        ));
        // A duplicate inside the same transaction is seen too.
        assert_eq!(w.add(&a, OnDuplicate::Skip).unwrap(), Added::Duplicate);
        // Variant order does not matter.
        let mut swapped = a.clone();
        swapped.variants.reverse();
        swapped.srclang = Some("ar".into());
        assert_eq!(
            w.add(&swapped, OnDuplicate::Skip).unwrap(),
            Added::Duplicate
        );
        let s = w.commit().unwrap();
        assert_eq!((s.inserted, s.duplicates, s.updated), (1, 2, 0));

        // Same source, new target: skip keeps both translations.
        let b = Unit::pair("ar", "صباح الخير", "en", "Morning!");
        let mut w = store.writer(&origin("two.tsv")).unwrap();
        assert!(matches!(
            w.add(&b, OnDuplicate::Skip).unwrap(),
            Added::Inserted(_)
        ));
        w.commit().unwrap();
        assert_eq!(count(&store, "SELECT count(*) FROM unit"), 2);

        // Update replaces the target of the unit with the same source.
        let c = Unit::pair("ar", "مساء الخير", "en", "Good evening");
        let mut w = store.writer(&origin("three.tsv")).unwrap();
        let Added::Inserted(id) = w.add(&c, OnDuplicate::Update).unwrap() else {
            panic!()
        };
        let c2 = Unit::pair("ar", "مساء الخير", "en", "Good evening!");
        assert_eq!(w.add(&c2, OnDuplicate::Update).unwrap(), Added::Updated(id));
        w.commit().unwrap();
        assert_eq!(
            store.load_unit(id).unwrap().unwrap().variants[1].seg.plain,
            "Good evening!"
        );
        assert_eq!(count(&store, "SELECT count(*) FROM unit"), 3);

        // Keep stores it anyway.
        let mut w = store.writer(&origin("four.tsv")).unwrap();
        assert!(matches!(
            w.add(&a, OnDuplicate::Keep).unwrap(),
            Added::Inserted(_)
        ));
        w.commit().unwrap();
        let stats = store.stats().unwrap();
        assert_eq!(stats.units, 4);
        assert_eq!(stats.variants, 8);
        assert_eq!(stats.pairs[0].units, 4);
    }

    #[test]
    fn dropping_the_writer_rolls_everything_back() {
        let (_dir, mut store) = store();
        {
            let mut w = store.writer(&origin("bad.tsv")).unwrap();
            w.add(&rich_unit(), OnDuplicate::Skip).unwrap();
        }
        for table in [
            "unit",
            "variant",
            "prop",
            "note",
            "origin",
            "lang_count",
            "pair_count",
        ] {
            assert_eq!(
                count(&store, &format!("SELECT count(*) FROM {table}")),
                0,
                "{table}"
            );
        }
        assert_eq!(store.stats().unwrap().units, 0);
        // The indexes, dropped while the writer filled an empty TM, are back.
        assert_eq!(count(&store, DEFERRED_INDEXES), 4);
    }

    /// The indexes a writer into an empty TM drops and builds at commit.
    const DEFERRED_INDEXES: &str = "SELECT count(*) FROM sqlite_master WHERE type = 'index'
         AND name IN ('unit_duplicate', 'unit_origin', 'prop_unit', 'note_unit')";

    #[test]
    fn the_fresh_table_finds_every_unit_with_a_source_hash_through_growth() {
        let mut fresh = FreshUnits::new(100);
        // Hashes over the whole 64-bit range, negative ones included.
        let hash = |i: i64| i.wrapping_mul(0x2545_F491_4F6C_DD1D);
        // Far more than the first capacity, every hash twice (same source,
        // two targets), ids in insertion order.
        for i in 0..20_000i64 {
            assert!(fresh.insert(hash(i), 100 + 2 * i));
            assert!(fresh.insert(hash(i), 101 + 2 * i));
        }
        for i in [0, 1, 4095, 4096, 19_999] {
            let mut got = fresh.candidates(hash(i));
            got.sort_unstable();
            assert_eq!(got, [100 + 2 * i, 101 + 2 * i]);
        }
        assert!((0..20_000).any(|i| hash(i) < 0));
        assert!(fresh.candidates(-1).is_empty());
        // An id it cannot hold is refused, not stored wrongly.
        assert!(!fresh.insert(5, 99));
        assert!(!fresh.insert(5, 100 + i64::from(u32::MAX)));
    }

    #[test]
    fn a_first_import_checks_duplicates_and_leaves_the_index_built() {
        let (_dir, mut store) = store();
        let mut w = store.writer(&origin("first.tsv")).unwrap();
        let a = Unit::pair("ar", "قال الوزير", "en", "The minister said");
        let b = Unit::pair("ar", "قال الوزير", "en", "The minister stated");
        assert!(matches!(
            w.add(&a, OnDuplicate::Skip).unwrap(),
            Added::Inserted(_)
        ));
        assert_eq!(w.add(&a, OnDuplicate::Skip).unwrap(), Added::Duplicate);
        // Same source, other target: not a duplicate under skip.
        assert!(matches!(
            w.add(&b, OnDuplicate::Skip).unwrap(),
            Added::Inserted(_)
        ));
        // Update replaces one stored unit with that source, keeping its id.
        let c = Unit::pair("ar", "قال الوزير", "en", "The minister told");
        assert!(matches!(
            w.add(&c, OnDuplicate::Update).unwrap(),
            Added::Updated(_)
        ));
        w.commit().unwrap();
        assert_eq!(count(&store, "SELECT count(*) FROM unit"), 2);
        let plan: String = store
            .conn
            .query_row(
                "EXPLAIN QUERY PLAN SELECT id FROM unit WHERE source_hash = 1",
                [],
                |r| r.get(3),
            )
            .unwrap();
        assert!(plan.contains("unit_duplicate"), "{plan}");
        assert_eq!(count(&store, DEFERRED_INDEXES), 4);
        // A second writer on the now non-empty TM finds them through it.
        let mut w = store.writer(&origin("second.tsv")).unwrap();
        assert_eq!(w.add(&b, OnDuplicate::Skip).unwrap(), Added::Duplicate);
        assert_eq!(w.add(&c, OnDuplicate::Skip).unwrap(), Added::Duplicate);
        w.commit().unwrap();
    }

    #[test]
    fn counters_follow_inserts_and_deletes() {
        let (_dir, mut store) = store();
        let mut w = store.writer(&origin("x.tmx")).unwrap();
        let mut ids = Vec::new();
        for i in 0..5 {
            let mut u = Unit::pair(
                "ar",
                &format!("جملة {i}"),
                "en-US",
                &format!("sentence {i}"),
            );
            u.stamp.creation_date = Some(format!("2021110{i}T000000Z"));
            if let Added::Inserted(id) = w.add(&u, OnDuplicate::Skip).unwrap() {
                ids.push(id);
            }
        }
        let mut rich = rich_unit();
        rich.origin = None;
        w.add(&rich, OnDuplicate::Skip).unwrap();
        w.commit().unwrap();
        let s = store.stats().unwrap();
        assert_eq!(s.units, 6);
        assert_eq!(s.variants, 15);
        assert_eq!(s.date_min.as_deref(), Some("20211100T000000Z"));
        assert_eq!(s.date_max.as_deref(), Some("20211107T100000Z"));
        assert_eq!(s.origins.len(), 1);
        assert_eq!(
            (s.origins[0].name.as_str(), s.origins[0].units),
            ("x.tmx", 6)
        );
        let pair = |s: &super::super::stats::Stats, a: &str, b: &str| {
            s.pairs
                .iter()
                .find(|p| p.src == a && p.tgt == b)
                .map(|p| p.units)
        };
        assert_eq!(pair(&s, "ar", "en-US"), Some(5));
        assert_eq!(pair(&s, "ar-SY", "fa"), Some(1));

        assert_eq!(store.delete_units(&[ids[0], ids[4], 999_999]).unwrap(), 2);
        let s = store.stats().unwrap();
        assert_eq!(s.units, 4);
        assert_eq!(pair(&s, "ar", "en-US"), Some(3));
        assert_eq!(s.date_min.as_deref(), Some("20211101T000000Z"));
        assert_eq!(s.origins[0].units, 4);
        assert_eq!(count(&store, "SELECT count(*) FROM variant"), 11);

        let all: Vec<i64> = store
            .conn
            .prepare("SELECT id FROM unit")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        store.delete_units(&all).unwrap();
        let s = store.stats().unwrap();
        assert_eq!((s.units, s.variants), (0, 0));
        assert!(s.languages.is_empty() && s.pairs.is_empty() && s.origins.is_empty());
        assert_eq!(s.date_min, None);
        for table in ["variant", "prop", "note"] {
            assert_eq!(
                count(&store, &format!("SELECT count(*) FROM {table}")),
                0,
                "{table}"
            );
        }
    }

    #[test]
    fn escaped_plain_text_is_recognized_without_allocating() {
        for plain in ["", "نص عادي", "a < b & c > d", "&amp;"] {
            assert!(is_escaped(plain, &escape_text(plain)), "{plain}");
        }
        assert!(!is_escaped("a<b", "a<b"));
        assert!(!is_escaped("ab", "a<ph/>b"));
        assert!(!is_escaped("ab", "ab "));
        assert!(!is_escaped("ab", "a"));
    }

    #[test]
    fn a_refilled_prepared_equals_a_new_one() {
        use crate::unit::{Segment, Variant};
        let mut three = Unit::pair("ar-SY", "قُتل ٥ أشخاص في «حلب».", "en", "Five killed.");
        three.variants.push(Variant {
            lang: "fr".into(),
            seg: Segment::from_plain("Cinq tués à Alep"),
            ..Variant::default()
        });
        let huge = "كلمة ".repeat(20_000);
        let units = [
            three,
            Unit::pair("en", "Two words", "ar", "كلمتان"),
            Unit::pair("ar", &huge, "ar-EG", "نص"),
            Unit::pair("EN-gb", "", "en", "the same language twice"),
            Unit::pair("ar", "الحسكة", "en", "Hasakah"),
        ];
        for with_tokens in [true, false, true] {
            let (mut p, mut spans) = (Prepared::default(), Vec::new());
            for u in &units {
                p.refill(u, with_tokens, &mut spans);
                assert_eq!(
                    format!("{p:?}"),
                    format!("{:?}", Prepared::new(u, with_tokens))
                );
            }
        }
    }

    #[test]
    fn hashes_are_stable_across_builds() {
        // Pinned values: a changed hash would make every stored TM's
        // duplicate detection silently miss.
        let sig: Signature = vec![("ar", "نص"), ("en", "text")];
        assert_eq!(
            hashes(Some("ar"), &sig),
            hashes(Some("ar"), &[("en", "text"), ("ar", "نص")])
        );
        let mut f = Fnv::new();
        f.bytes(b"a");
        assert_eq!(f.finish() as u64, 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn stored_duplicate_hashes_keep_their_values() {
        // The exact values TMs made since schema 0001 hold in
        // `unit.content_hash` / `source_hash`: a different function (or a
        // different crate's FNV) would make duplicate detection miss on
        // every existing TM.
        let pair = [
            ("ar", "قال الرئيس إنَّ الحكومة"),
            ("en", "The president said"),
        ];
        assert_eq!(
            hashes(Some("ar"), &pair),
            (1_244_371_943_994_226_105, -8_790_051_636_045_833_584)
        );
        let three = [("en", "x"), ("ar-SY", "<ph/>نص"), ("fr", "y")];
        assert_eq!(
            hashes(None, &three),
            (7_535_131_579_272_081_150, 5_291_002_192_769_862_068)
        );
    }

    /// `hashes` as it was written first (clone, sort, `source_and_langs`):
    /// the allocation-free version must give the same values, or stored
    /// TMs would stop finding their duplicates.
    fn hashes_as_first_written(srclang: Option<&str>, variants: &Signature) -> (i64, i64) {
        let mut sorted = variants.clone();
        sorted.sort_unstable();
        let mut content = Fnv::new();
        for (lang, markup) in &sorted {
            content.field(lang);
            content.field(markup);
        }
        let mut source = Fnv::new();
        let (src, set) = source_and_langs(srclang, variants);
        if let Some((lang, markup)) = src {
            source.field(lang);
            source.field(markup);
        }
        for lang in set {
            source.field(lang);
        }
        (content.finish(), source.finish())
    }

    proptest::proptest! {
        #[test]
        fn hashes_match_the_first_version_for_any_number_of_variants(
            variants in proptest::collection::vec(
                (proptest::sample::select(vec!["ar", "ar-SY", "en", "en-GB", "fr"]),
                 proptest::sample::select(vec!["", "نص", "text", "<ph/>نص", "a &amp; b"])),
                0..7,
            ),
            srclang in proptest::option::of(proptest::sample::select(vec!["ar", "en", "de", "*all*"])),
        ) {
            let sig: Signature = variants.clone();
            proptest::prop_assert_eq!(hashes(srclang, &sig), hashes_as_first_written(srclang, &sig));
        }
    }
}

//! Units into PostgreSQL: the writer (`PgWriter`) and the delete path, with
//! the same duplicate rules, hashes, stored metadata and counters as the
//! SQLite writer (`tm::write`, whose helpers this uses).
//!
//! One transaction per import (all or nothing), holding the advisory lock
//! `WRITE_LOCK` from its start, so writers never interleave: two imports of
//! overlapping files at once run one after the other, and the second sees
//! the first's units as duplicates. Readers are not blocked. Units are
//! buffered and written with binary `COPY` in batches, on the connection's
//! own thread (`conn`) while the next batch is prepared; a unit whose source
//! hash may match one still in the buffer flushes it first, so duplicate
//! checks always see every unit written before.
//!
//! The fuzzy index is kept in the same transaction by
//! `tm::index::PgIndexer`, as `tm::index::Indexer` is by the SQLite
//! writer: `add` as each unit is buffered, `remove` before a unit's rows
//! are deleted, `finish` before the commit.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{ToSql, Type};
use postgres::{Client, GenericClient, Transaction};

use super::conn::Conn;
use super::WRITE_LOCK;
use crate::tm::index::{stored_unit_tokens, PgIndexer};
use crate::tm::store::WriteWait;
use crate::tm::write::{
    header_json, unit_hashes, verdict, Added, Counters, OnDuplicate, OriginInfo, Prepared,
    StoredSignature, VariantMeta, Verdict, WriteError, WriteSummary,
};
use crate::unit::{escape_text, Note, Prop, Unit};

type Result<T, E = WriteError> = std::result::Result<T, E>;

/// Units buffered before a `COPY`.
const BATCH: usize = 5000;

/// Begin the write transaction and take the write lock, waiting for
/// another writer as `wait` says: told once after a second, given up after
/// its timeout (nothing written).
pub(super) fn begin<'c>(
    client: &'c mut postgres::Client,
    location: &Path,
    wait: &mut WriteWait,
) -> Result<Transaction<'c>> {
    let mut tx = client.transaction()?;
    take_write_lock(&mut tx, location, wait)?;
    Ok(tx)
}

/// Take the write lock inside the transaction `tx` has begun, waiting for
/// another writer as `wait` says.
pub(super) fn take_write_lock(
    tx: &mut impl GenericClient,
    location: &Path,
    wait: &mut WriteWait,
) -> Result<()> {
    let start = Instant::now();
    let mut told = false;
    loop {
        let got: bool = tx
            .query_one("SELECT pg_try_advisory_xact_lock($1)", &[&WRITE_LOCK])?
            .get(0);
        if got {
            return Ok(());
        }
        let waited = start.elapsed();
        if waited >= wait.timeout {
            return Err(WriteError::GaveUpWaiting {
                path: location.display().to_string(),
                secs: wait.timeout.as_secs(),
            });
        }
        if !told && waited >= Duration::from_secs(1) {
            told = true;
            if let Some(on_wait) = &mut wait.on_wait {
                on_wait(location);
            }
        }
        std::thread::sleep(Duration::from_millis(50).min(wait.timeout.saturating_sub(waited)));
    }
}

/// Rows waiting for the next `COPY`.
#[derive(Default)]
struct Pending {
    units: Vec<UnitRow>,
    variants: Vec<VariantRow>,
    props: Vec<PropRow>,
    notes: Vec<NoteRow>,
    /// Source hashes of the buffered units.
    sources: HashSet<i64>,
}

struct UnitRow {
    id: i64,
    tuid: Option<String>,
    srclang: Option<String>,
    dates: [Option<String>; 6],
    usage_count: Option<i64>,
    tool_version: Option<String>,
    extra: Option<String>,
    origin_id: i64,
    context: [Option<String>; 2],
    content_hash: i64,
    source_hash: i64,
}

struct VariantRow {
    unit_id: i64,
    ord: i32,
    lang: String,
    plain: String,
    markup: Option<String>,
    key: String,
    meta: Option<String>,
}

struct PropRow {
    unit_id: i64,
    variant_ord: Option<i32>,
    ord: i32,
    kind: String,
    value: String,
    lang: Option<String>,
    encoding: Option<String>,
}

struct NoteRow {
    unit_id: i64,
    variant_ord: Option<i32>,
    ord: i32,
    text: String,
    lang: Option<String>,
    encoding: Option<String>,
}

/// An import transaction on a PostgreSQL TM.
/// Units written by one import past which it refreshes the planner's
/// statistics of the tables it wrote.
pub const ANALYZE_AFTER: u64 = 1_000;

pub struct PgWriter {
    conn: Conn,
    origin: OriginInfo,
    imported_at: String,
    origin_ids: HashMap<String, i64>,
    next_id: i64,
    fresh: bool,
    /// Source hashes of every unit in the TM (loaded on the first
    /// duplicate check, kept up to date): most units match none, and need
    /// no query.
    sources: Option<HashSet<i64>>,
    pending: Pending,
    counters: Counters,
    summary: WriteSummary,
    indexer: PgIndexer,
}

impl PgWriter {
    /// The writer of the transaction `client` has begun, with the write
    /// lock held.
    pub(super) fn new(mut client: Client, origin: &OriginInfo) -> Result<PgWriter> {
        let next_id: i64 = client
            .query_one("SELECT coalesce(max(id), 0) + 1 FROM unit", &[])?
            .get(0);
        Ok(PgWriter {
            conn: Conn::start(client)?,
            origin: origin.clone(),
            imported_at: crate::tm::now_tmx(),
            origin_ids: HashMap::new(),
            fresh: next_id == 1,
            next_id,
            sources: None,
            pending: Pending::default(),
            counters: Counters::default(),
            summary: WriteSummary::default(),
            indexer: PgIndexer::new(),
        })
    }

    /// As `UnitWriter::origin_id`: the writer's own origin has its kind,
    /// header and import time refreshed; one a unit carries is created if
    /// missing and otherwise left alone.
    fn origin_id(&mut self, name: Option<&str>) -> Result<i64> {
        let own = name.map_or(true, |n| n == self.origin.name);
        let name = name.unwrap_or(&self.origin.name);
        if let Some(id) = self.origin_ids.get(name) {
            return Ok(*id);
        }
        let new_id = "(SELECT coalesce(max(id), 0) + 1 FROM origin)";
        let header = own
            .then(|| self.origin.header.as_ref().map(header_json))
            .flatten();
        let (owned, kind, at) = (
            name.to_string(),
            self.origin.kind.clone(),
            self.imported_at.clone(),
        );
        let id: i64 = self.conn.call(move |c| {
            let name = owned;
            Ok(if own {
                c.query_one(
                    &format!(
                        "INSERT INTO origin(id, name, kind, imported_at, header)
                         VALUES ({new_id}, $1, $2, $3, $4)
                         ON CONFLICT(name) DO UPDATE SET kind = $2, imported_at = $3, header = $4
                         RETURNING id"
                    ),
                    &[&name, &kind, &at, &header],
                )?
                .get(0)
            } else {
                c.execute(
                    &format!(
                        "INSERT INTO origin(id, name, kind, imported_at) VALUES ({new_id}, $1, $2, $3)
                         ON CONFLICT(name) DO NOTHING"
                    ),
                    &[&name, &kind, &at],
                )?;
                c.query_one("SELECT id FROM origin WHERE name = $1", &[&name])?
                    .get(0)
            })
        })?;
        self.origin_ids.insert(name.to_string(), id);
        Ok(id)
    }

    /// Could the TM hold a unit with this source hash? Loads every unit's
    /// source hash the first time.
    fn may_hold(&mut self, source_hash: i64) -> Result<bool> {
        if self.sources.is_none() {
            let set = if self.fresh {
                HashSet::new()
            } else {
                self.conn.call(|c| {
                    use postgres::fallible_iterator::FallibleIterator;
                    let mut set = HashSet::new();
                    let mut rows =
                        c.query_raw("SELECT source_hash FROM unit", std::iter::empty::<i64>())?;
                    while let Some(r) = rows.next()? {
                        set.insert(r.get::<_, i64>(0));
                    }
                    Ok(set)
                })?
            };
            self.sources = Some(set);
        }
        let may = self
            .sources
            .as_ref()
            .is_some_and(|s| s.contains(&source_hash));
        if may && self.pending.sources.contains(&source_hash) {
            self.flush()?;
        }
        Ok(may)
    }

    fn candidates(&mut self, source_hash: i64, content_hash: Option<i64>) -> Result<Vec<i64>> {
        if !self.may_hold(source_hash)? {
            return Ok(Vec::new());
        }
        self.conn.call(move |tx| {
            let rows = match content_hash {
                Some(c) => tx.query(
                    "SELECT id FROM unit WHERE source_hash = $1 AND content_hash = $2 ORDER BY id",
                    &[&source_hash, &c],
                )?,
                None => tx.query(
                    "SELECT id FROM unit WHERE source_hash = $1 ORDER BY id",
                    &[&source_hash],
                )?,
            };
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }

    /// Send the buffered rows to the connection's thread, to be written
    /// with one binary `COPY` per table while the writer goes on.
    fn flush(&mut self) -> Result<()> {
        if self.pending.units.is_empty() {
            return Ok(());
        }
        let p = std::mem::take(&mut self.pending);
        self.conn.send(move |tx| copy_rows(tx, &p))
    }

    fn buffer(
        &mut self,
        unit: &Unit,
        prepared: &Prepared,
        (content_hash, source_hash): (i64, i64),
        id: i64,
        origin_id: i64,
    ) -> Result<()> {
        let s = &unit.stamp;
        let extra = if unit.extra.is_empty() {
            None
        } else {
            Some(serde_json::to_string(&unit.extra)?)
        };
        self.pending.units.push(UnitRow {
            id,
            tuid: unit.tuid.clone(),
            srclang: unit.srclang.clone(),
            dates: [
                s.creation_date.clone(),
                s.creation_id.clone(),
                s.change_date.clone(),
                s.change_id.clone(),
                s.last_usage_date.clone(),
                s.creation_tool.clone(),
            ],
            usage_count: s.usage_count.map(|n| n as i64),
            tool_version: s.creation_tool_version.clone(),
            extra,
            origin_id,
            context: [unit.context.prev.clone(), unit.context.next.clone()],
            content_hash,
            source_hash,
        });
        for (ord, v) in unit.variants.iter().enumerate() {
            let just_text = prepared.plain_markup.get(ord).copied().unwrap_or(false);
            self.pending.variants.push(VariantRow {
                unit_id: id,
                ord: ord as i32,
                lang: v.lang.clone(),
                plain: v.seg.plain.clone(),
                markup: (!just_text).then(|| v.seg.markup.clone()),
                key: prepared.keys[ord].clone(),
                meta: VariantMeta::encode(&v.stamp, &v.extra)?,
            });
            self.props_notes(id, Some(ord as i32), &v.props, &v.notes);
        }
        self.props_notes(id, None, &unit.props, &unit.notes);
        self.pending.sources.insert(source_hash);
        if let Some(set) = &mut self.sources {
            set.insert(source_hash);
        }
        let due = match &prepared.tokens {
            Some(tokens) => self.indexer.add(id, &prepared.keys, tokens)?,
            None => {
                let pairs: Vec<(&str, &str)> = unit
                    .variants
                    .iter()
                    .zip(&prepared.keys)
                    .map(|(v, k)| (v.lang.as_str(), k.as_str()))
                    .collect();
                let tokens = stored_unit_tokens(&pairs);
                self.indexer.add(id, &prepared.keys, &tokens)?
            }
        };
        if due {
            // The index's buffer is full: to its run file (its new tokens
            // given rows first), or after a removal to the database.
            self.conn
                .call_with(&mut self.indexer, |tx, indexer| Ok(indexer.flush_due(tx)?))?;
        }
        if self.pending.units.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn props_notes(
        &mut self,
        unit_id: i64,
        variant_ord: Option<i32>,
        props: &[Prop],
        notes: &[Note],
    ) {
        for (ord, p) in props.iter().enumerate() {
            self.pending.props.push(PropRow {
                unit_id,
                variant_ord,
                ord: ord as i32,
                kind: p.kind.clone(),
                value: p.value.clone(),
                lang: p.lang.clone(),
                encoding: p.encoding.clone(),
            });
        }
        for (ord, n) in notes.iter().enumerate() {
            self.pending.notes.push(NoteRow {
                unit_id,
                variant_ord,
                ord: ord as i32,
                text: n.text.clone(),
                lang: n.lang.clone(),
                encoding: n.encoding.clone(),
            });
        }
    }

    pub(super) fn add_prepared(
        &mut self,
        unit: &Unit,
        prepared: &Prepared,
        on_duplicate: OnDuplicate,
    ) -> Result<Added> {
        let hashes = prepared.hashes.unwrap_or_else(|| unit_hashes(unit));
        let (content_hash, source_hash) = hashes;
        let candidates = match on_duplicate {
            OnDuplicate::Keep => Vec::new(),
            OnDuplicate::Skip => self.candidates(source_hash, Some(content_hash))?,
            OnDuplicate::Update => self.candidates(source_hash, None)?,
        };
        let conn = &mut self.conn;
        let reuse_id = match verdict(unit, on_duplicate, candidates, |id| {
            conn.call(move |tx| stored_signature(tx, id))
        })? {
            Verdict::New => None,
            Verdict::Duplicate => {
                self.summary.duplicates += 1;
                return Ok(Added::Duplicate);
            }
            Verdict::Replace(id) => {
                let mut state = (
                    std::mem::take(&mut self.counters),
                    std::mem::take(&mut self.indexer),
                );
                let removed = self
                    .conn
                    .call_with(&mut state, move |tx, (counters, indexer)| {
                        remove_unit(tx, counters, indexer, id)
                    });
                (self.counters, self.indexer) = state;
                removed?;
                Some(id)
            }
        };
        let origin_id = self.origin_id(unit.origin.as_deref())?;
        let id = match reuse_id {
            Some(id) => id,
            None => {
                self.next_id += 1;
                self.next_id - 1
            }
        };
        let fallback;
        let prepared = if prepared.keys.len() == unit.variants.len()
            && prepared.plain_markup.len() == unit.variants.len()
        {
            prepared
        } else {
            fallback = Prepared::new(unit, false);
            &fallback
        };
        self.buffer(unit, prepared, hashes, id, origin_id)?;
        self.counters.unit_added(unit, origin_id);
        Ok(self.summary.stored(id, reuse_id.is_some()))
    }

    /// See `TmWriter::restore_origin`.
    pub(super) fn restore_origin(&mut self, o: &crate::tm::backend::OriginRecord) -> Result<()> {
        let o = o.clone();
        self.conn.call(move |tx| {
            tx.execute(
                "INSERT INTO origin(id, name, kind, imported_at, header)
                 VALUES ((SELECT coalesce(max(id), 0) + 1 FROM origin), $1, $2, $3, $4)
                 ON CONFLICT(name) DO UPDATE SET kind = $2, imported_at = $3, header = $4",
                &[&o.name, &o.kind, &o.imported_at, &o.header],
            )?;
            Ok(())
        })
    }

    /// See `TmWriter::restore_extras`.
    pub(super) fn restore_extras(
        &mut self,
        counts: crate::tm::backend::WordCounts,
        tokens: Vec<crate::tm::backend::StoredToken>,
    ) -> Result<(usize, usize)> {
        self.conn.call(move |tx| {
            let written =
                super::store::add_word_counts_on(tx, counts.word_rows(), counts.pair_rows())?;
            let mut stored = 0;
            for t in &tokens {
                stored += usize::from(super::store::insert_token_on(tx, t)?);
            }
            Ok((written, stored))
        })
    }

    pub(super) fn is_fresh(&self) -> bool {
        self.fresh
    }

    pub(super) fn summary(&self) -> WriteSummary {
        self.summary
    }

    pub(super) fn commit(mut self) -> Result<WriteSummary> {
        self.flush()?;
        let PgWriter {
            conn,
            counters,
            summary,
            indexer,
            ..
        } = self;
        conn.finish(move |tx| {
            write_counters(tx, counters)?;
            indexer.finish(tx)?;
            if summary.inserted + summary.updated >= ANALYZE_AFTER {
                // Fresh statistics for the planner, committed with the
                // units: until autovacuum gets to a table that just grew,
                // reads of it may be planned as scans of the whole table.
                // ANALYZE samples a bounded number of rows, whatever the
                // table's size.
                tx.batch_execute("ANALYZE unit, variant, prop, note, fz_token, fz_chunk")?;
            }
            tx.batch_execute("COMMIT")?;
            Ok(())
        })?;
        Ok(summary)
    }
}

/// A batch's rows into their tables, one binary `COPY` each.
fn copy_rows(tx: &mut Client, p: &Pending) -> Result<()> {
    copy(
        tx,
        "COPY unit(id, tuid, srclang, creation_date, creation_id, change_date, change_id,
                last_usage_date, usage_count, creation_tool, creation_tool_version, extra,
                origin_id, context_prev, context_next, content_hash, source_hash)
             FROM STDIN BINARY",
        &[
            Type::INT8,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::INT8,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::INT8,
            Type::TEXT,
            Type::TEXT,
            Type::INT8,
            Type::INT8,
        ],
        &p.units,
        |u| {
            let d = &u.dates;
            vec![
                &u.id,
                &u.tuid,
                &u.srclang,
                &d[0],
                &d[1],
                &d[2],
                &d[3],
                &d[4],
                &u.usage_count,
                &d[5],
                &u.tool_version,
                &u.extra,
                &u.origin_id,
                &u.context[0],
                &u.context[1],
                &u.content_hash,
                &u.source_hash,
            ]
        },
    )?;
    copy(
        tx,
        "COPY variant(unit_id, ord, lang, plain, markup, key, meta) FROM STDIN BINARY",
        &[
            Type::INT8,
            Type::INT4,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
        ],
        &p.variants,
        |v| {
            vec![
                &v.unit_id, &v.ord, &v.lang, &v.plain, &v.markup, &v.key, &v.meta,
            ]
        },
    )?;
    copy(
        tx,
        "COPY prop(unit_id, variant_ord, ord, kind, value, lang, encoding) FROM STDIN BINARY",
        &[
            Type::INT8,
            Type::INT4,
            Type::INT4,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
        ],
        &p.props,
        |r| {
            vec![
                &r.unit_id,
                &r.variant_ord,
                &r.ord,
                &r.kind,
                &r.value,
                &r.lang,
                &r.encoding,
            ]
        },
    )?;
    copy(
        tx,
        "COPY note(unit_id, variant_ord, ord, text, lang, encoding) FROM STDIN BINARY",
        &[
            Type::INT8,
            Type::INT4,
            Type::INT4,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
        ],
        &p.notes,
        |r| {
            vec![
                &r.unit_id,
                &r.variant_ord,
                &r.ord,
                &r.text,
                &r.lang,
                &r.encoding,
            ]
        },
    )?;
    Ok(())
}

/// `rows` into a table with one binary `COPY`.
fn copy<T>(
    tx: &mut Client,
    sql: &str,
    types: &[Type],
    rows: &[T],
    fields: impl for<'r> Fn(&'r T) -> Vec<&'r (dyn ToSql + Sync)>,
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let sink = tx.copy_in(sql)?;
    let mut writer = BinaryCopyInWriter::new(sink, types);
    for row in rows {
        writer.write(&fields(row))?;
    }
    writer.finish()?;
    Ok(())
}

/// A stored unit's srclang and variants as (lang, markup).
fn stored_signature(tx: &mut impl GenericClient, id: i64) -> Result<StoredSignature> {
    let srclang: Option<String> = tx
        .query_one("SELECT srclang FROM unit WHERE id = $1", &[&id])?
        .get(0);
    let rows = tx.query(
        "SELECT lang, plain, markup FROM variant WHERE unit_id = $1 ORDER BY ord",
        &[&id],
    )?;
    let variants = rows
        .iter()
        .map(|r| {
            let plain: String = r.get(1);
            let markup: Option<String> = r.get(2);
            (r.get(0), markup.unwrap_or_else(|| escape_text(&plain)))
        })
        .collect();
    Ok((srclang, variants))
}

/// Uncount and delete one unit. Returns false if there was none.
pub(super) fn remove_unit(
    tx: &mut impl GenericClient,
    counters: &mut Counters,
    indexer: &mut PgIndexer,
    id: i64,
) -> Result<bool> {
    let Some(row) = tx.query_opt(
        "SELECT srclang, origin_id, coalesce(change_date, creation_date) FROM unit WHERE id = $1",
        &[&id],
    )?
    else {
        return Ok(false);
    };
    let (srclang, origin, date): (Option<String>, Option<i64>, Option<String>) =
        (row.get(0), row.get(1), row.get(2));
    let langs: Vec<String> = tx
        .query(
            "SELECT lang FROM variant WHERE unit_id = $1 ORDER BY ord",
            &[&id],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let langs: Vec<&str> = langs.iter().map(String::as_str).collect();
    counters.unit(-1, srclang.as_deref(), &langs, origin);
    if let Some(d) = date {
        let edge: i64 = tx
            .query_one(
                "SELECT count(*) FROM meta WHERE name IN ('date_min', 'date_max') AND value = $1",
                &[&d],
            )?
            .get(0);
        if edge > 0 {
            counters.dates_dirty = true;
        }
    }
    indexer.remove(tx, id)?;
    for sql in [
        "DELETE FROM prop WHERE unit_id = $1",
        "DELETE FROM note WHERE unit_id = $1",
        "DELETE FROM variant WHERE unit_id = $1",
        "DELETE FROM unit WHERE id = $1",
    ] {
        tx.execute(sql, &[&id])?;
    }
    Ok(true)
}

/// The counters' changes into `meta`, `lang_count`, `pair_count` and
/// `origin.units`, as `Counters::write` does in SQLite.
pub(super) fn write_counters<C: GenericClient>(tx: &mut C, mut c: Counters) -> Result<()> {
    c.end_run();
    if c.units != 0 {
        tx.execute(
            "INSERT INTO meta(name, value) VALUES ('units', $1::BIGINT::TEXT)
             ON CONFLICT(name) DO UPDATE SET value = (meta.value::BIGINT + $1)::TEXT",
            &[&c.units],
        )?;
    }
    for (lang, n) in c.langs.iter().filter(|(_, n)| **n != 0) {
        tx.execute(
            "INSERT INTO lang_count(lang, variants) VALUES ($1, $2)
             ON CONFLICT(lang) DO UPDATE SET variants = lang_count.variants + $2",
            &[lang, n],
        )?;
    }
    for (src, targets) in &c.pairs {
        for (tgt, n) in targets.iter().filter(|(_, n)| **n != 0) {
            tx.execute(
                "INSERT INTO pair_count(src, tgt, units) VALUES ($1, $2, $3)
                 ON CONFLICT(src, tgt) DO UPDATE SET units = pair_count.units + $3",
                &[src, tgt, n],
            )?;
        }
    }
    for (id, n) in c.origins.iter().filter(|(_, n)| **n != 0) {
        tx.execute(
            "UPDATE origin SET units = units + $2 WHERE id = $1",
            &[id, n],
        )?;
    }
    tx.batch_execute(
        "DELETE FROM lang_count WHERE variants <= 0;
         DELETE FROM pair_count WHERE units <= 0;",
    )?;
    let get = |tx: &mut C, name: &str| -> Result<Option<String>> {
        Ok(tx
            .query_opt("SELECT value FROM meta WHERE name = $1", &[&name])?
            .and_then(|r| r.get(0)))
    };
    let (mut min, mut max) = (get(tx, "date_min")?, get(tx, "date_max")?);
    if c.dates_dirty {
        let r = tx.query_one(
            "SELECT min(coalesce(change_date, creation_date) COLLATE \"C\"),
                    max(coalesce(change_date, creation_date) COLLATE \"C\") FROM unit",
            &[],
        )?;
        (min, max) = (r.get(0), r.get(1));
    }
    if let Some(d) = c.date_min {
        if min.as_ref().map_or(true, |m| d < *m) {
            min = Some(d);
        }
    }
    if let Some(d) = c.date_max {
        if max.as_ref().map_or(true, |m| d > *m) {
            max = Some(d);
        }
    }
    for (name, value) in [("date_min", min), ("date_max", max)] {
        match value {
            Some(v) => tx.execute(
                "INSERT INTO meta(name, value) VALUES ($1, $2)
                 ON CONFLICT(name) DO UPDATE SET value = $2",
                &[&name, &v],
            )?,
            None => tx.execute("DELETE FROM meta WHERE name = $1", &[&name])?,
        };
    }
    Ok(())
}

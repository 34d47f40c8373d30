//! Units into the TM: the one insert path (`UnitWriter`) and the one delete
//! path (`Store::delete_units`). Both keep the fuzzy index (`Indexer`) and
//! the counters that `stats` reads (`lang_count`, `pair_count`,
//! `origin.units`, `meta`) in step, inside the caller's single transaction.
//!
//! Files: `dup` (duplicate hashes and their table), `meta` (metadata as
//! stored), `counters` (what `stats` reads), `prepared` (a unit's work done
//! off the writer thread); here the writer itself, its transaction and the
//! delete path. The writer uses the index's builder (`tm::index::Indexer`);
//! the index knows nothing of the writer.

mod counters;
mod dup;
mod error;
mod meta;
mod prepared;

pub use dup::source_index;
pub(crate) use meta::VariantMeta;
pub use prepared::Prepared;
// What the PostgreSQL writer (tm::pg) shares with this one: the same
// hashes, duplicate rules, stored metadata and counters.
pub(crate) use counters::Counters;
pub(crate) use dup::{unit_hashes, verdict, StoredSignature, Verdict};
pub(crate) use meta::header_json;

use dup::{stored_signature, FreshUnits};
use prepared::key_pairs;

use std::collections::HashMap;

use error::Result;
pub use error::WriteError;
use rusqlite::{params, Connection, OptionalExtension};

use super::held::{HeldInsert, Param};
use super::index::{stored_unit_tokens, Indexer};
use super::Store;
use crate::unit::{Header, Note, Prop, Unit};

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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

impl WriteSummary {
    /// Count a unit stored under `id`, in place of a stored one if
    /// `replaced`.
    pub(crate) fn stored(&mut self, id: i64, replaced: bool) -> Added {
        if replaced {
            self.updated += 1;
            Added::Updated(id)
        } else {
            self.inserted += 1;
            Added::Inserted(id)
        }
    }
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

/// An open write transaction on the TM, rolled back when dropped
/// uncommitted.
///
/// The TM stays in WAL mode for every write, however big: readers in
/// other processes go on reading the last committed state. (Big imports
/// used to switch to a rollback journal, which writes each page once but
/// locks every reader out until the commit, and fails at once when any
/// other process has the TM open.)
struct TxGuard<'a> {
    conn: &'a Connection,
    open: bool,
}

/// How often a waiting writer tries again to take the write lock.
const RETRY: std::time::Duration = std::time::Duration::from_millis(50);
/// How long a writer waits before saying that it waits.
const SAY_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

impl<'a> TxGuard<'a> {
    /// `BEGIN IMMEDIATE` (take the write lock now, not at the first insert),
    /// waiting for another writer as `wait` says.
    fn begin(
        conn: &'a Connection,
        path: &std::path::Path,
        wait: &mut super::store::WriteWait,
    ) -> Result<TxGuard<'a>> {
        // The writer keeps unit/variant/prop/note consistent itself (and
        // deletes children explicitly); checking each child insert against
        // its parent would cost a lookup per row. Must be set outside a
        // transaction.
        conn.execute_batch("PRAGMA foreign_keys = OFF")?;
        let guard = TxGuard { conn, open: false };
        // SQLite's busy handler sleeps inside `BEGIN`; waiting here in short
        // steps instead lets the writer say that it waits, once.
        conn.busy_timeout(RETRY)?;
        let started = std::time::Instant::now();
        let mut said = false;
        let begun = loop {
            match conn.execute_batch("BEGIN IMMEDIATE") {
                Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) => {
                    let waited = started.elapsed();
                    if waited >= wait.timeout {
                        break Err(WriteError::GaveUpWaiting {
                            path: path.display().to_string(),
                            secs: wait.timeout.as_secs(),
                        });
                    }
                    if !said && waited >= SAY_AFTER {
                        said = true;
                        if let Some(say) = wait.on_wait.as_mut() {
                            say(path);
                        }
                    }
                }
                Err(source) => {
                    break Err(WriteError::Busy {
                        path: path.display().to_string(),
                        source,
                    })
                }
                Ok(()) => break Ok(()),
            }
        };
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        begun?;
        Ok(TxGuard {
            open: true,
            ..guard
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
    /// A big import's write-ahead log, whose written pages the kernel is
    /// asked to start writing out as the import goes (see `Writeback`).
    writeback: Option<Writeback>,
}

/// Early writeback of a big import's write-ahead log (the TM's `-wal`
/// file, where the transaction's pages go; a new TM's build writes its
/// file directly, see `create::NewTm`). The pages SQLite writes
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

/// Where a transaction's pages go: the write-ahead log of the database
/// `conn` has open, or the database itself under a rollback journal.
fn written_file(conn: &rusqlite::Connection) -> std::path::PathBuf {
    let file = std::path::PathBuf::from(conn.path().unwrap_or_default());
    let mode: rusqlite::Result<String> = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0));
    match mode {
        Ok(m) if m == "wal" => super::create::with_suffix(&file, "-wal"),
        _ => file,
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

/// How long `Store::settle` keeps trying.
const SETTLE_FOR: std::time::Duration = std::time::Duration::from_secs(2);

impl Store {
    /// Start writing units that came from `origin`, in one transaction.
    pub fn writer(&mut self, origin: &OriginInfo) -> Result<UnitWriter<'_>> {
        self.start_writer(origin, false)
    }

    /// `writer` for a big import (a large file): the same, and the kernel is
    /// asked to write the log out as the import goes (see `Writeback`).
    pub fn bulk_writer(&mut self, origin: &OriginInfo) -> Result<UnitWriter<'_>> {
        self.start_writer(origin, true)
    }

    fn start_writer(&mut self, origin: &OriginInfo, bulk: bool) -> Result<UnitWriter<'_>> {
        let conn = &self.conn;
        let tx = TxGuard::begin(conn, &self.path, &mut self.write_wait)?;
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
            writeback: bulk.then(|| Writeback::open(&written_file(conn))).flatten(),
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

    /// Move the write-ahead log into the database file, retrying for up to
    /// `SETTLE_FOR` while readers still on a snapshot from before the last
    /// commit hold it back (see `TmStore::settle`). The checkpoint SQLite
    /// runs at a commit stops at the first such reader, and with readers
    /// always busy (a server) every later read of a page the commit wrote
    /// went through the log: after a 100k-unit import into 1M units, a
    /// server answered 0.59 times the lookups a second it had before the
    /// import, 0.82 times once settled (BENCHMARKS.md, Serving).
    pub fn settle(&mut self) -> Result<()> {
        let until = std::time::Instant::now() + SETTLE_FOR;
        loop {
            let (log, moved): (i64, i64) =
                self.conn
                    .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                        Ok((r.get(1)?, r.get(2)?))
                    })?;
            // -1: not in WAL mode.
            if log <= 0 || moved >= log || std::time::Instant::now() >= until {
                return Ok(());
            }
            // Readers' transactions last milliseconds.
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Delete units by id (unknown ids are ignored), keeping the index and
    /// counters in step. Returns how many were deleted.
    pub fn delete_units(&mut self, ids: &[i64]) -> Result<usize> {
        let tx = TxGuard::begin(&self.conn, &self.path, &mut self.write_wait)?;
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

    /// Record an origin as another TM recorded it (see
    /// `TmWriter::restore_origin`).
    pub fn restore_origin(&mut self, o: &crate::tm::backend::OriginRecord) -> Result<()> {
        self.tx.execute(
            "INSERT INTO origin(name, kind, imported_at, header) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(name) DO UPDATE SET kind = ?2, imported_at = ?3, header = ?4",
            params![o.name, o.kind, o.imported_at, o.header],
        )?;
        Ok(())
    }

    /// See `TmWriter::restore_extras`.
    pub fn restore_extras(
        &mut self,
        counts: &crate::tm::backend::WordCounts,
        tokens: &[crate::tm::backend::StoredToken],
    ) -> Result<(usize, usize)> {
        let written =
            crate::tm::word_pairs::add_on(&self.tx, counts.word_rows(), counts.pair_rows())?;
        let mut stored = 0;
        for t in tokens {
            stored += usize::from(crate::tm::backend::insert_token(&self.tx, t)?);
        }
        Ok((written, stored))
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
        let hashes = prepared.hashes.unwrap_or_else(|| unit_hashes(unit));
        let (content_hash, source_hash) = hashes;
        let candidates = match on_duplicate {
            OnDuplicate::Keep => Vec::new(),
            OnDuplicate::Skip => self.candidates(source_hash, Some(content_hash))?,
            OnDuplicate::Update => self.candidates(source_hash, None)?,
        };
        let tx = &self.tx;
        let reuse_id = match dup::verdict(unit, on_duplicate, candidates, |id| {
            stored_signature(tx, id)
        })? {
            Verdict::New => None,
            Verdict::Duplicate => {
                self.summary.duplicates += 1;
                return Ok(Added::Duplicate);
            }
            Verdict::Replace(id) => {
                remove_unit(&self.tx, &mut self.indexer, &mut self.counters, id)?;
                Some(id)
            }
        };

        let origin_id = self.origin_id(unit.origin.as_deref())?;
        let id = self.insert(unit, prepared, hashes, reuse_id, origin_id)?;
        if reuse_id.is_none() {
            if let Some(fresh) = &mut self.fresh {
                if !fresh.insert(source_hash, id) {
                    self.index_now()?;
                }
            }
        }
        self.counters.unit_added(unit, origin_id);
        if let Some(w) = &mut self.writeback {
            w.unit_added();
        }
        Ok(self.summary.stored(id, reuse_id.is_some()))
    }

    /// Stored units that may be duplicates: same source hash (and content
    /// hash, when given; the fresh table only filters by source).
    /// Lowest id first (as the PostgreSQL writer's): of several stored
    /// units with one source, `--on-duplicate update` replaces the oldest.
    fn candidates(&self, source_hash: i64, content_hash: Option<i64>) -> Result<Vec<i64>> {
        if let Some(fresh) = &self.fresh {
            let mut ids = fresh.candidates(source_hash);
            ids.sort_unstable();
            return Ok(ids);
        }
        let mut ids = match content_hash {
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
        ids.sort_unstable();
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
mod tests;

//! One store interface, two databases: `TmStore` (and `TmWriter`, an open
//! import transaction) is what commands, the server and `import` use of a
//! translation memory, whichever database holds it; `open` picks the
//! backend from the location: a `postgres://` or `postgresql://` URL is a
//! PostgreSQL database (`tm::pg`), anything else the path of an SQLite file
//! (`tm::Store`). Nothing outside `tm` knows which one it has.
//!
//! The SQLite implementation delegates to `Store`'s own methods; the
//! PostgreSQL one is `PgStore` (src/tm/pg/). What lookup and concordance
//! read is a trait of its own (`tm::source`).

use std::path::Path;

use super::error::Result;
use super::read::UnitFilter;
use super::source::IndexRead;
use super::stats::Stats;
use super::store::{StoreError, WriteWait};
use super::word_pairs::PairCount;
use super::write::{Added, OnDuplicate, OriginInfo, Prepared, WriteError, WriteSummary};
use super::{Store, TmError};
use crate::unit::Unit;

/// Open to write (creating the TM) or only to read (never creating it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Write,
    Read,
}

/// A `serve` bearer token as stored: its SHA-256 (hex), never the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredToken {
    pub name: String,
    /// `read` or `write`.
    pub scope: String,
    pub sha256: String,
    pub created_at: String,
}

/// An origin as a TM records it (`tarjuman migrate` copies it as is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginRecord {
    pub name: String,
    /// `tmx`, `tsv` or `align`.
    pub kind: String,
    pub imported_at: String,
    /// The TMX header as the TM stores it (JSON).
    pub header: Option<String>,
}

/// The aligner's stored counts, as they are: `(lang, word, n)` and
/// `(arabic, english, n)` (see `tm::word_pairs`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WordCounts {
    pub words: Vec<(String, String, u32)>,
    pub pairs: Vec<(String, String, u32)>,
}

impl WordCounts {
    /// The words as (language, word, times seen).
    pub fn word_rows(&self) -> impl Iterator<Item = (&str, &str, u32)> {
        self.words
            .iter()
            .map(|(l, w, n)| (l.as_str(), w.as_str(), *n))
    }

    /// The pairs as (Arabic, English, times seen together).
    pub fn pair_rows(&self) -> impl Iterator<Item = (&str, &str, u32)> {
        self.pairs
            .iter()
            .map(|(a, e, n)| (a.as_str(), e.as_str(), *n))
    }
}

/// An open write transaction: units in, then `commit` (all or nothing;
/// dropped uncommitted, nothing was written).
pub trait TmWriter {
    /// Add one unit with its CPU work done (`Prepared`), deciding what a
    /// duplicate means by `on_duplicate`.
    fn add_prepared(
        &mut self,
        unit: &Unit,
        prepared: &Prepared,
        on_duplicate: OnDuplicate,
    ) -> std::result::Result<Added, WriteError>;

    /// `add_prepared` doing the CPU work here.
    fn add(
        &mut self,
        unit: &Unit,
        on_duplicate: OnDuplicate,
    ) -> std::result::Result<Added, WriteError> {
        self.add_prepared(unit, &Prepared::new(unit, false), on_duplicate)
    }

    /// Did the writer start on an empty TM (nearly every unit will be
    /// stored: worth preparing index tokens ahead)?
    fn is_fresh(&self) -> bool;

    /// Counts so far.
    fn summary(&self) -> WriteSummary;

    /// Record an origin as another TM recorded it (kind, import time and
    /// header kept), created if missing: `tarjuman migrate` calls it after
    /// the units, whose origins the writer created as new.
    fn restore_origin(&mut self, origin: &OriginRecord) -> std::result::Result<(), WriteError>;

    /// Add the aligner's word counts and `serve`'s tokens as another TM
    /// holds them, in this transaction: `tarjuman migrate` copies them
    /// all or nothing with the units. Returns the pairs and the tokens
    /// written (a token whose name is taken is not).
    fn restore_extras(
        &mut self,
        counts: WordCounts,
        tokens: Vec<StoredToken>,
    ) -> std::result::Result<(usize, usize), WriteError>;

    /// Make everything added visible, atomically.
    fn commit(self: Box<Self>) -> std::result::Result<WriteSummary, WriteError>;
}

/// A translation memory, in SQLite or PostgreSQL: what lookups read
/// (`IndexRead`: also where it is, and one unit by id) and the rest.
pub trait TmStore: IndexRead + Send {
    /// How a write waits for another writer (`--wait`).
    fn set_write_wait(&mut self, wait: WriteWait);

    /// Start writing units that came from `origin`, in one transaction
    /// (waiting for another writer as `set_write_wait` says).
    fn writer(
        &mut self,
        origin: &OriginInfo,
    ) -> std::result::Result<Box<dyn TmWriter + '_>, WriteError>;

    /// `writer` for a big file.
    fn bulk_writer(
        &mut self,
        origin: &OriginInfo,
    ) -> std::result::Result<Box<dyn TmWriter + '_>, WriteError>;

    /// Delete units by id (unknown ids ignored), in one transaction;
    /// returns how many were deleted.
    fn delete_units(&mut self, ids: &[i64]) -> std::result::Result<usize, WriteError>;

    /// After a write, with readers going on: finish moving the write-ahead
    /// log into the database file (SQLite; nothing on PostgreSQL), so that
    /// readers read the file through their memory map again rather than
    /// copying the log's pages. Bounded in time; the TM is the same either
    /// way.
    fn settle(&mut self) -> std::result::Result<(), WriteError> {
        Ok(())
    }

    /// Of `ids` (sorted, repeats dropped): those held, and those not.
    fn split_existing(&self, ids: &[i64]) -> Result<(Vec<i64>, Vec<i64>)>;

    /// Every unit that passes `filter`, in id order, through `pick` (which
    /// may drop it) to `write`; returns how many were written. One
    /// consistent snapshot; memory holds a few batches whatever the size.
    /// Use `tm::for_each_unit_piped` for a caller's own error type.
    fn each_unit(
        &self,
        filter: &UnitFilter,
        pick: &mut dyn FnMut(Unit) -> Option<Unit>,
        write: &mut (dyn FnMut(&Unit) -> Result<()> + Send),
    ) -> Result<u64>;

    /// The source language most units have (from the counters).
    fn most_common_source(&self) -> Result<Option<String>>;

    /// The language pair most units have among those matching the given
    /// languages; a language given is returned as given.
    fn most_common_pair_matching(
        &self,
        src: Option<&str>,
        tgt: Option<&str>,
    ) -> Result<Option<(String, String)>>;

    /// Counts for `tarjuman stats`.
    fn stats(&self) -> Result<Stats>;

    /// The names of all origins, sorted.
    fn origin_names(&self) -> Result<Vec<String>>;

    /// Every origin as recorded, in the order they were first made.
    fn origins(&self) -> Result<Vec<OriginRecord>>;

    /// The ids of the units from the origin of exactly this name, ascending.
    fn unit_ids_of_origin(&self, origin: &str) -> Result<Vec<i64>>;

    /// Add the aligner's word-pair counts (see `tm::word_pairs`), in one
    /// transaction; returns how many pairs were written.
    fn add_word_pairs(
        &mut self,
        arabic: &[(&str, u32)],
        english: &[(&str, u32)],
        pairs: &[(&str, &str, u32)],
    ) -> Result<usize>;

    /// The stored word pairs seen together at least `min_together` times.
    fn word_pairs(&self, min_together: u32) -> Result<Vec<PairCount>>;

    /// The stored word and pair counts, all of them.
    fn word_counts(&self) -> Result<WordCounts>;

    /// The stored `serve` tokens, by name.
    fn tokens(&self) -> Result<Vec<StoredToken>>;

    /// Store a token; false (nothing stored) when one of that name exists.
    fn add_token(&mut self, token: &StoredToken) -> Result<bool>;

    /// Remove the token named `name`; false if there was none.
    fn remove_token(&mut self, name: &str) -> Result<bool>;
}

/// `TmStore::each_unit` with the caller's own error type for `write` (an
/// export's I/O error stays an I/O error).
pub fn for_each_unit_piped<E: From<TmError> + Send>(
    store: &(impl TmStore + ?Sized),
    filter: &UnitFilter,
    mut pick: impl FnMut(Unit) -> Option<Unit>,
    mut write: impl FnMut(&Unit) -> std::result::Result<(), E> + Send,
) -> std::result::Result<u64, E> {
    let mut failed: Option<E> = None;
    let read = {
        let failed = &mut failed;
        let mut write = |unit: &Unit| {
            write(unit).map_err(|e| {
                *failed = Some(e);
                TmError::WriterStopped
            })
        };
        store.each_unit(filter, &mut pick, &mut write)
    };
    match failed {
        Some(e) => Err(e),
        None => read.map_err(E::from),
    }
}

/// Open the TM at `location`: a PostgreSQL URL or an SQLite file path.
pub fn open(location: &Path, access: Access) -> std::result::Result<Box<dyn TmStore>, StoreError> {
    #[cfg(feature = "postgres")]
    if let Some(url) = location.to_str().filter(|s| super::pg::is_url(s)) {
        let store = match access {
            Access::Write => super::pg::PgStore::connect(url)?,
            Access::Read => super::pg::PgStore::connect_read_only(url)?,
        };
        return Ok(Box::new(store));
    }
    let store = match access {
        Access::Write => Store::open(location)?,
        Access::Read => Store::open_read_only(location)?,
    };
    Ok(Box::new(store))
}

/// `open(location, Access::Write)`, whose writes wait for another writer
/// as `wait` says (as does creating an SQLite TM another tarjuman is
/// creating).
pub fn open_to_write(
    location: &Path,
    wait: WriteWait,
) -> std::result::Result<Box<dyn TmStore>, StoreError> {
    #[cfg(feature = "postgres")]
    if let Some(url) = location.to_str().filter(|s| super::pg::is_url(s)) {
        let mut store = super::pg::PgStore::connect(url)?;
        store.set_write_wait(wait);
        return Ok(Box::new(store));
    }
    Ok(Box::new(Store::open_waiting(location, wait)?))
}

/// `location` as messages show it: a path as it is, a URL without its
/// password.
pub fn shown(location: &Path) -> String {
    #[cfg(feature = "postgres")]
    if is_url(location) {
        return super::pg::redact(&location.to_string_lossy());
    }
    location.display().to_string()
}

/// Is `location` a database server's URL rather than a file (so there is
/// no file to check, create or remove)?
pub fn is_url(location: &Path) -> bool {
    let s = location.to_string_lossy();
    let lower = s.get(..13).unwrap_or(&s).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

impl TmWriter for super::UnitWriter<'_> {
    fn add_prepared(
        &mut self,
        unit: &Unit,
        prepared: &Prepared,
        on_duplicate: OnDuplicate,
    ) -> std::result::Result<Added, WriteError> {
        super::UnitWriter::add_prepared(self, unit, prepared, on_duplicate)
    }

    fn is_fresh(&self) -> bool {
        super::UnitWriter::is_fresh(self)
    }

    fn summary(&self) -> WriteSummary {
        super::UnitWriter::summary(self)
    }

    fn commit(self: Box<Self>) -> std::result::Result<WriteSummary, WriteError> {
        super::UnitWriter::commit(*self)
    }

    fn restore_origin(&mut self, origin: &OriginRecord) -> std::result::Result<(), WriteError> {
        super::UnitWriter::restore_origin(self, origin)
    }

    fn restore_extras(
        &mut self,
        counts: WordCounts,
        tokens: Vec<StoredToken>,
    ) -> std::result::Result<(usize, usize), WriteError> {
        super::UnitWriter::restore_extras(self, &counts, &tokens)
    }
}

impl TmStore for Store {
    fn set_write_wait(&mut self, wait: WriteWait) {
        self.write_wait = wait;
    }

    fn writer(
        &mut self,
        origin: &OriginInfo,
    ) -> std::result::Result<Box<dyn TmWriter + '_>, WriteError> {
        Ok(Box::new(Store::writer(self, origin)?))
    }

    fn bulk_writer(
        &mut self,
        origin: &OriginInfo,
    ) -> std::result::Result<Box<dyn TmWriter + '_>, WriteError> {
        Ok(Box::new(Store::bulk_writer(self, origin)?))
    }

    fn delete_units(&mut self, ids: &[i64]) -> std::result::Result<usize, WriteError> {
        Store::delete_units(self, ids)
    }

    fn settle(&mut self) -> std::result::Result<(), WriteError> {
        Store::settle(self)
    }

    fn split_existing(&self, ids: &[i64]) -> Result<(Vec<i64>, Vec<i64>)> {
        Store::split_existing(self, ids)
    }

    fn each_unit(
        &self,
        filter: &UnitFilter,
        pick: &mut dyn FnMut(Unit) -> Option<Unit>,
        write: &mut (dyn FnMut(&Unit) -> Result<()> + Send),
    ) -> Result<u64> {
        Store::for_each_unit_piped(self, filter, pick, write)
    }

    fn most_common_source(&self) -> Result<Option<String>> {
        Store::most_common_source(self)
    }

    fn most_common_pair_matching(
        &self,
        src: Option<&str>,
        tgt: Option<&str>,
    ) -> Result<Option<(String, String)>> {
        Store::most_common_pair_matching(self, src, tgt)
    }

    fn stats(&self) -> Result<Stats> {
        Store::stats(self)
    }

    fn origin_names(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("SELECT name FROM origin ORDER BY name")?;
        let names = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(names)
    }

    fn unit_ids_of_origin(&self, origin: &str) -> Result<Vec<i64>> {
        super::read::unit_ids_of_origin(self, origin)
    }

    fn origins(&self) -> Result<Vec<OriginRecord>> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, kind, imported_at, header FROM origin ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok(OriginRecord {
                name: r.get(0)?,
                kind: r.get(1)?,
                imported_at: r.get(2)?,
                header: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn word_counts(&self) -> Result<WordCounts> {
        let n = |v: i64| v.clamp(0, u32::MAX as i64) as u32;
        let mut stmt = self
            .conn
            .prepare("SELECT lang, word, n FROM align_word ORDER BY lang, word")?;
        let words = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, n(r.get(2)?))))?
            .collect::<rusqlite::Result<_>>()?;
        let mut stmt = self
            .conn
            .prepare("SELECT ar, en, n FROM align_pair ORDER BY ar, en")?;
        let pairs = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, n(r.get(2)?))))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(WordCounts { words, pairs })
    }

    fn add_word_pairs(
        &mut self,
        arabic: &[(&str, u32)],
        english: &[(&str, u32)],
        pairs: &[(&str, &str, u32)],
    ) -> Result<usize> {
        super::word_pairs::add(
            self,
            arabic.iter().copied(),
            english.iter().copied(),
            pairs.iter().copied(),
        )
    }

    fn word_pairs(&self, min_together: u32) -> Result<Vec<PairCount>> {
        super::word_pairs::load(self, min_together)
    }

    fn tokens(&self) -> Result<Vec<StoredToken>> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, scope, sha256, created_at FROM api_token ORDER BY name")?;
        let rows = stmt.query_map([], |r| {
            Ok(StoredToken {
                name: r.get(0)?,
                scope: r.get(1)?,
                sha256: r.get(2)?,
                created_at: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn add_token(&mut self, t: &StoredToken) -> Result<bool> {
        Ok(insert_token(&self.conn, t)?)
    }

    fn remove_token(&mut self, name: &str) -> Result<bool> {
        Ok(self
            .conn
            .execute("DELETE FROM api_token WHERE name = ?1", [name])?
            > 0)
    }
}

/// Store a token on `conn` (in the caller's transaction, if any); false
/// when one of that name exists.
pub(crate) fn insert_token(conn: &rusqlite::Connection, t: &StoredToken) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "INSERT INTO api_token(name, scope, sha256, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(name) DO NOTHING",
        (&t.name, &t.scope, &t.sha256, &t.created_at),
    )?;
    Ok(n > 0)
}

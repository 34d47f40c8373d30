//! The fuzzy-match candidate index, kept inside the TM file and written in
//! the same transaction as the units it indexes.
//!
//! The store's single insert path and its delete path call an `Indexer`;
//! nothing else writes the index. (This file is the seam between the store
//! and the matcher; the matcher's branch fills it in.)

use rusqlite::Connection;

/// Updates the index for units added or removed inside one transaction.
/// Implementations may buffer in memory and write at `finish`.
pub struct Indexer {}

impl Indexer {
    /// Start indexing inside the transaction open on `conn`.
    pub fn new(_conn: &Connection) -> rusqlite::Result<Indexer> {
        Ok(Indexer {})
    }

    /// Index a unit just inserted: its id and each variant's (lang, key).
    pub fn add(
        &mut self,
        _conn: &Connection,
        _unit_id: i64,
        _variants: &[(&str, &str)],
    ) -> rusqlite::Result<()> {
        Ok(())
    }

    /// Unindex a unit; called *before* its rows are deleted, so the
    /// variants can still be read.
    pub fn remove(&mut self, _conn: &Connection, _unit_id: i64) -> rusqlite::Result<()> {
        Ok(())
    }

    /// Write whatever was buffered; called just before the commit.
    pub fn finish(self, _conn: &Connection) -> rusqlite::Result<()> {
        Ok(())
    }
}

//! What lookup and concordance read of a TM, whichever database holds it:
//! the `IndexRead` trait, and its SQLite implementation (`Store`). The
//! matcher (`fuzzy`) and concordance (`concord`) call only these
//! primitives, so their algorithm is the same on every backend; the
//! PostgreSQL one is in `tm::pg`.
//!
//! The primitives are the reads the algorithm makes, one each: a token's
//! dictionary entry and its posting blobs (`tm::index`), the per-language
//! counts, a candidate unit's variant rows, its stored context and origin,
//! and the whole unit a match shows. Two more are hints, which a backend
//! with a round trip per query uses to fetch many rows at once and the
//! SQLite one ignores: `prefetch_query` (a lookup's dictionary entries
//! and the postings it will certainly read), `prefetch_postings` (tokens
//! whose postings will be read), `prefetch_units` (the next candidates to verify) and
//! `prefetch_whole_units` (the matches it will show).

#[cfg(feature = "postgres")]
mod pg;
#[cfg(feature = "postgres")]
pub use pg::Reads;

use std::path::Path;

use rusqlite::{params, OptionalExtension};

use super::error::Result;
use super::index::{self, TokenInfo};
use super::{Store, StoreError};
use crate::unit::Unit;

/// Open the TM at `location` for lookup, concordance and pretranslate,
/// read-only (never creating it): a `postgres://` or `postgresql://` URL
/// is a PostgreSQL database, anything else the path of an SQLite file.
pub fn open(location: &Path) -> std::result::Result<Box<dyn IndexRead>, StoreError> {
    #[cfg(feature = "postgres")]
    if let Some(url) = location.to_str().filter(|s| super::pg::is_url(s)) {
        return Ok(Box::new(super::pg::PgStore::connect_read_only(url)?));
    }
    Ok(Box::new(Store::open_read_only(location)?))
}

/// A unit's variant as lookup and concordance read it, in unit order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantText {
    pub lang: String,
    /// The matching key.
    pub key: String,
    /// The plain text.
    pub plain: String,
}

/// A variant with whether its markup holds inline tags (what verifying a
/// 100 needs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantRow {
    pub lang: String,
    pub key: String,
    pub plain: String,
    pub has_tags: bool,
}

/// The reads of lookup, concordance and pretranslate. Object safe: the
/// matcher holds a `&dyn IndexRead`.
pub trait IndexRead {
    /// Where the TM is, for messages (a file, or a database URL without
    /// its password).
    fn location(&self) -> &Path;

    /// Run `f` in one read transaction (one consistent snapshot for all of
    /// its reads), unless one is open already.
    fn in_snapshot(&self, f: &mut dyn FnMut() -> Result<()>) -> Result<()>;

    /// Get ready for many lookups (SQLite: read pages through a memory map).
    fn ready_for_lookups(&self) -> Result<()>;

    /// A number that changes when any connection commits to the TM, so a
    /// reader may keep what it cached (a matcher's dictionary entries)
    /// until then; `None` when the backend cannot tell cheaply, and
    /// nothing may be kept between requests.
    fn data_version(&self) -> Option<i64> {
        None
    }

    /// End a read transaction a failed caller left open (it would pin
    /// the connection to an old snapshot).
    fn end_abandoned_read(&self) {}

    /// A token's dictionary entry in an index language.
    fn token(&self, lang: &str, text: &str) -> Result<Option<TokenInfo>>;

    /// Call `f` with each of a token's posting blobs (`index::decode`
    /// reads them); `postings` and `posting_groups` below decode them with
    /// a length filter.
    fn posting_blobs(&self, token_id: i64, f: &mut dyn FnMut(&[u8]) -> Result<()>) -> Result<()>;

    /// How many variants of an index language are indexed.
    fn indexed_variants(&self, lang: &str) -> Result<i64>;

    /// The index languages that have indexed variants, in order.
    fn languages(&self) -> Result<Vec<String>>;

    /// A unit's variants in order: language, key, plain text.
    fn variant_texts(&self, unit: i64) -> Result<Vec<VariantText>>;

    /// A unit's variants in order, with whether each has inline tags.
    fn variant_rows(&self, unit: i64) -> Result<Vec<VariantRow>>;

    /// The sentence stored before the unit (`None`: no such unit, or none
    /// stored).
    fn context_prev(&self, unit: i64) -> Result<Option<String>>;

    /// The name of the origin the unit came from.
    fn origin_name(&self, unit: i64) -> Result<Option<String>>;

    /// The whole unit, as it was added.
    fn load_unit(&self, unit: i64) -> Result<Option<Unit>>;

    /// Every unit id, ascending (the brute-force reference only).
    fn unit_ids(&self) -> Result<Vec<i64>>;

    /// A hint: these tokens' dictionary entries will be read next.
    fn prefetch_tokens(&self, _lang: &str, _texts: &[&str]) -> Result<()> {
        Ok(())
    }

    /// A hint: these tokens' postings will be read next.
    fn prefetch_postings(&self, _token_ids: &[i64]) -> Result<()> {
        Ok(())
    }

    /// A hint: a lookup's query tokens in index language `lang` (text,
    /// occurrences in the query, dictionary entry if the caller knows it)
    /// will be read next: the unknown entries, and the postings of the
    /// rarest tokens, taken by (df, text) with a token not in the
    /// dictionary as df 0, until they cover `prefix` query positions,
    /// and of the token after them.
    fn prefetch_query(
        &self,
        _lang: &str,
        _tokens: &[(&str, u64, Option<TokenInfo>)],
        _prefix: u64,
    ) -> Result<()> {
        Ok(())
    }

    /// A hint: these units' variant rows (and origin) will be read next.
    fn prefetch_units(&self, _units: &[i64]) -> Result<()> {
        Ok(())
    }

    /// A hint: these whole units (`load_unit`) will be read next.
    fn prefetch_whole_units(&self, _units: &[i64]) -> Result<()> {
        Ok(())
    }
}

impl IndexRead for Store {
    fn location(&self) -> &Path {
        &self.path
    }

    fn in_snapshot(&self, f: &mut dyn FnMut() -> Result<()>) -> Result<()> {
        let conn = &self.conn;
        if !conn.is_autocommit() {
            return f();
        }
        conn.execute_batch("BEGIN")?;
        let result = f();
        let end = conn.execute_batch(if result.is_ok() { "COMMIT" } else { "ROLLBACK" });
        result?;
        end?;
        Ok(())
    }

    fn ready_for_lookups(&self) -> Result<()> {
        // Read pages through a memory map instead of a read() per page.
        self.conn.pragma_update(None, "mmap_size", 1i64 << 32)?;
        Ok(())
    }

    fn data_version(&self) -> Option<i64> {
        index::data_version(&self.conn).ok()
    }

    fn end_abandoned_read(&self) {
        if !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }

    fn token(&self, lang: &str, text: &str) -> Result<Option<TokenInfo>> {
        Ok(index::token(&self.conn, lang, text)?)
    }

    fn posting_blobs(&self, token_id: i64, f: &mut dyn FnMut(&[u8]) -> Result<()>) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT data FROM fz_chunk WHERE token_id = ?1")?;
        let mut rows = stmt.query([token_id])?;
        while let Some(row) = rows.next()? {
            f(row.get_ref(0)?.as_blob()?)?;
        }
        Ok(())
    }

    fn indexed_variants(&self, lang: &str) -> Result<i64> {
        Ok(index::indexed_variants(&self.conn, lang)?)
    }

    fn languages(&self) -> Result<Vec<String>> {
        Ok(index::languages(&self.conn)?)
    }

    fn variant_texts(&self, unit: i64) -> Result<Vec<VariantText>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT lang, key, plain FROM variant WHERE unit_id = ?1 ORDER BY ord",
        )?;
        let rows = stmt.query_map([unit], |r| {
            Ok(VariantText {
                lang: r.get(0)?,
                key: r.get(1)?,
                plain: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn variant_rows(&self, unit: i64) -> Result<Vec<VariantRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT lang, key, plain, markup IS NOT NULL AND instr(markup, '<') > 0
             FROM variant WHERE unit_id = ?1 ORDER BY ord",
        )?;
        let rows = stmt.query_map([unit], |r| {
            Ok(VariantRow {
                lang: r.get(0)?,
                key: r.get(1)?,
                plain: r.get(2)?,
                has_tags: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn context_prev(&self, unit: i64) -> Result<Option<String>> {
        let prev: Option<Option<String>> = self
            .conn
            .prepare_cached("SELECT context_prev FROM unit WHERE id = ?1")?
            .query_row([unit], |r| r.get(0))
            .optional()?;
        Ok(prev.flatten())
    }

    fn origin_name(&self, unit: i64) -> Result<Option<String>> {
        let name: Option<Option<String>> = self
            .conn
            .prepare_cached(
                "SELECT o.name FROM unit u LEFT JOIN origin o ON o.id = u.origin_id WHERE u.id = ?1",
            )?
            .query_row(params![unit], |r| r.get(0))
            .optional()?;
        Ok(name.flatten())
    }

    fn load_unit(&self, unit: i64) -> Result<Option<Unit>> {
        Store::load_unit(self, unit)
    }

    fn unit_ids(&self) -> Result<Vec<i64>> {
        let ids = self
            .conn
            .prepare("SELECT id FROM unit ORDER BY id")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }
}

/// Call `f(unit, len, place)` for every posting of a token with
/// `lo <= len <= hi`
/// (units in no particular order across blobs): `posting_blobs` decoded
/// here, so the per-posting call is inlined whatever the backend.
pub fn postings(
    src: &(impl IndexRead + ?Sized),
    token_id: i64,
    lo: u32,
    hi: u32,
    mut f: impl FnMut(u64, u32, u32),
) -> Result<()> {
    src.posting_blobs(token_id, &mut |blob| {
        Ok(index::decode(blob, lo, hi, &mut f)?)
    })
}

/// `postings` a group at a time: each group's units are appended to
/// `ids`, then `group(len, place, ids)` is called (see
/// `index::decode_groups`).
pub fn posting_groups(
    src: &(impl IndexRead + ?Sized),
    token_id: i64,
    lo: u32,
    hi: u32,
    ids: &mut Vec<u64>,
    mut group: impl FnMut(u32, u32, &mut Vec<u64>),
) -> Result<()> {
    src.posting_blobs(token_id, &mut |blob| {
        Ok(index::decode_groups(blob, lo, hi, ids, &mut group)?)
    })
}

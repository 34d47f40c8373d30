//! Reading the index for a lookup: a token's dictionary entry, its
//! postings (decoded with a length filter), and the per-language counts.
//! Read-only; the writing side is `build`.

use rusqlite::{params, Connection, OptionalExtension};

use super::codec::decode;

/// A dictionary entry as the readers see it.
#[derive(Debug, Clone, Copy)]
pub struct TokenInfo {
    pub id: i64,
    /// Units whose variant contains the token.
    pub df: i64,
    /// Its rank in the fixed order places count in (`order`).
    pub rank: i64,
}

/// Look a token up in the dictionary of an index language.
pub fn token(conn: &Connection, l: &str, text: &str) -> rusqlite::Result<Option<TokenInfo>> {
    conn.prepare_cached("SELECT id, df, rank FROM fz_token WHERE lang = ?1 AND text = ?2")?
        .query_row(params![l, text], |r| {
            Ok(TokenInfo {
                id: r.get(0)?,
                df: r.get(1)?,
                rank: r.get(2)?,
            })
        })
        .optional()
}

/// Call `f(unit, len, place)` for every posting of a token with
/// `lo <= len <= hi`
/// (units in no particular order across blobs).
pub fn postings(
    conn: &Connection,
    token_id: i64,
    lo: u32,
    hi: u32,
    mut f: impl FnMut(u64, u32, u32),
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached("SELECT data FROM fz_chunk WHERE token_id = ?1")?;
    let mut rows = stmt.query([token_id])?;
    while let Some(row) = rows.next()? {
        decode(row.get_ref(0)?.as_blob()?, lo, hi, &mut f)?;
    }
    Ok(())
}

/// How many variants of an index language are indexed.
pub fn indexed_variants(conn: &Connection, l: &str) -> rusqlite::Result<i64> {
    Ok(conn
        .prepare_cached("SELECT variants FROM fz_lang WHERE lang = ?1")?
        .query_row([l], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

/// The index languages that have indexed variants, for messages.
pub fn languages(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt =
        conn.prepare_cached("SELECT lang FROM fz_lang WHERE variants > 0 ORDER BY lang")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    rows.collect()
}

/// SQLite's `PRAGMA data_version`: changes when another connection has
/// committed to the file, so what was read from it may be stale.
pub fn data_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA data_version", [], |r| r.get(0))
}

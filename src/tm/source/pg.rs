//! `IndexRead` for a TM on PostgreSQL (`PgStore`): the same primitives as
//! SQLite's, on the same index (schema/postgres/0002_fuzzy_index.sql).
//!
//! A round trip per statement is what costs on a server, so the hints
//! are taken: `prefetch_query` reads a lookup's unknown dictionary entries
//! and its first postings in one statement (`prefetch_tokens` a
//! concordance's entries), `prefetch_postings` tokens' blobs in one,
//! `prefetch_units` the next window of candidates' variants, context and
//! origin, and `prefetch_whole_units` the matches shown, in one
//! statement; the primitives then answer from what was fetched and ask
//! the server only for what was not. Every statement is prepared once per
//! connection. What was fetched is dropped when the snapshot ends, so it is
//! never older than the transaction reading it.
//!
//! `data_version` is the TM's commit count (`tm_change`, schema 0003,
//! bumped by a trigger in every transaction that writes what lookups
//! read), read in the same round trip as `BEGIN`: a matcher keeps its bit
//! sets, and a server its matchers, while it has not moved.

use std::path::Path;
use std::sync::{Mutex, OnceLock};

use postgres::types::ToSql;
use postgres::{Client, Statement};

use super::{IndexRead, VariantRow, VariantText};
use crate::tm::error::Result;
use crate::tm::index::{FastMap, TokenInfo};
use crate::tm::pg::read::{units_from_whole_rows, whole_units_sql};
use crate::tm::pg::PgStore;
use crate::unit::Unit;

/// A candidate's rows, fetched ahead.
#[derive(Default)]
struct UnitRows {
    variants: Vec<VariantRow>,
    context_prev: Option<String>,
    origin: Option<String>,
}

/// What the lookups of one connection keep: prepared statements, and
/// within a snapshot the rows fetched ahead.
#[derive(Default)]
pub struct Reads {
    inner: Mutex<Fetched>,
}

#[derive(Default)]
struct Fetched {
    statements: FastMap<&'static str, Statement>,
    /// In a snapshot `in_snapshot` opened.
    in_snapshot: bool,
    /// The snapshot's `tm_change.n`.
    version: Option<i64>,
    /// (lang, text) → entry, or None: not in the dictionary.
    tokens: FastMap<(String, String), Option<TokenInfo>>,
    blobs: FastMap<i64, Vec<Vec<u8>>>,
    units: FastMap<i64, UnitRows>,
    /// Whole units (`prefetch_whole_units`).
    whole: FastMap<i64, Unit>,
}

impl Fetched {
    /// Out of the snapshot: nothing fetched in it is kept.
    fn end_snapshot(&mut self) {
        self.in_snapshot = false;
        self.version = None;
        self.tokens.clear();
        self.blobs.clear();
        self.units.clear();
        self.whole.clear();
    }

    /// `sql` prepared on `client` (once per connection).
    fn prepared(&mut self, client: &mut Client, sql: &'static str) -> Result<Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = client.prepare(sql)?;
        self.statements.insert(sql, s.clone());
        Ok(s)
    }
}

const BEGIN: &str =
    "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SELECT n::text FROM tm_change";
const VERSION: &str = "SELECT n FROM tm_change";
const TOKEN: &str = "SELECT id, df, rank FROM fz_token WHERE lang = $1 AND text = $2";
const TOKENS: &str = "SELECT text, id, df, rank FROM fz_token WHERE lang = $1 AND text = ANY($2)";
const BLOBS: &str = "SELECT data FROM fz_chunk WHERE token_id = $1";
const BLOBS_OF: &str = "SELECT token_id, data FROM fz_chunk WHERE token_id = ANY($1)";
/// `prefetch_query`: every query token (`$2` texts, `$3` occurrences,
/// `$4` and `$5` the id and df when known) with its entry, the unknown
/// ones looked up; the tokens read first with their blobs, a row each:
/// the prefix (the tokens before which fewer than `$6` query positions
/// come, in the index's order: absent ones first, then by rank, then by
/// id, highest first; `$7` the ranks known) and the rarest token after it. OFFSET 0 keeps each LATERAL a
/// subquery, so the condition on the outer row skips its scan.
const QUERY: &str = "WITH t AS (
       SELECT q.text, q.k, coalesce(q.id, d.id) AS id, coalesce(q.df, d.df) AS df,
              coalesce(q.rank, d.rank) AS rank
       FROM unnest($2::text[], $3::int8[], $4::int8[], $5::int8[], $7::int8[])
           AS q(text, k, id, df, rank)
       LEFT JOIN LATERAL (SELECT id, df, rank FROM fz_token
                          WHERE q.id IS NULL AND lang = $1 AND text = q.text OFFSET 0) d ON true),
     p AS (
       SELECT *, coalesce(sum(k) OVER (ORDER BY id IS NOT NULL, rank, id DESC
                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::int8 < $6::int8 AS pre
       FROM t),
     o AS (
       SELECT *, pre OR (df IS NOT NULL AND row_number() OVER (
                     PARTITION BY pre ORDER BY df, text COLLATE \"C\") = 1) AS first
       FROM p)
     SELECT o.text, o.id, o.df, o.first, c.data, o.rank
     FROM o LEFT JOIN LATERAL (SELECT data FROM fz_chunk WHERE o.first AND token_id = o.id OFFSET 0) c
       ON true";
const VARIANTS: &str = "SELECT lang, key, plain, markup IS NOT NULL AND strpos(markup, '<') > 0
     FROM variant WHERE unit_id = $1 ORDER BY ord";
/// Each id looked up by index (LATERAL): right after a big import, before
/// autovacuum has analysed the tables, a join on `v.unit_id = ANY($1)` is
/// planned as a scan of the whole `unit` or `variant` table (EXPLAIN: 11 ms
/// for 16 ids at 30k units, ~30 ms of server CPU a lookup at 200k; this
/// way 0.13 ms).
const UNITS: &str = "SELECT v.unit_id, v.lang, v.key, v.plain,
            v.markup IS NOT NULL AND strpos(v.markup, '<') > 0, u.context_prev, o.name
     FROM unnest($1::int8[]) AS q(id)
     CROSS JOIN LATERAL (SELECT context_prev, origin_id FROM unit WHERE id = q.id) u
     CROSS JOIN LATERAL (SELECT * FROM variant WHERE unit_id = q.id) v
     LEFT JOIN LATERAL (SELECT name FROM origin WHERE id = u.origin_id) o ON true
     ORDER BY v.unit_id, v.ord";
const CONTEXT: &str = "SELECT context_prev FROM unit WHERE id = $1";
const ORIGIN: &str =
    "SELECT o.name FROM unit u LEFT JOIN origin o ON o.id = u.origin_id WHERE u.id = $1";
const LANG_VARIANTS: &str = "SELECT variants FROM fz_lang WHERE lang = $1";
const LANGS: &str = "SELECT lang FROM fz_lang WHERE variants > 0 ORDER BY lang";
const UNIT_IDS: &str = "SELECT id FROM unit ORDER BY id";

/// `whole_units_sql`, made once.
fn whole_units() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(whole_units_sql)
}

impl PgStore {
    /// The connection and the fetched rows, with `sql` prepared (once per
    /// connection).
    fn with<T>(
        &self,
        sql: &'static str,
        f: impl FnOnce(&mut Client, &Statement, &mut Fetched) -> Result<T>,
    ) -> Result<T> {
        let mut client = self.client();
        let mut fetched = self.reads.inner.lock().unwrap_or_else(|p| p.into_inner());
        let stmt = fetched.prepared(&mut client, sql)?;
        f(&mut client, &stmt, &mut fetched)
    }

    /// The rows of a unit fetched ahead, if they were.
    fn fetched_unit<T>(&self, unit: i64, f: impl FnOnce(&UnitRows) -> T) -> Option<T> {
        let fetched = self.reads.inner.lock().unwrap_or_else(|p| p.into_inner());
        fetched.units.get(&unit).map(f)
    }
}

impl IndexRead for PgStore {
    fn location(&self) -> &Path {
        PgStore::location(self)
    }

    fn in_snapshot(&self, f: &mut dyn FnMut() -> Result<()>) -> Result<()> {
        {
            let mut fetched = self.reads.inner.lock().unwrap_or_else(|p| p.into_inner());
            if fetched.in_snapshot {
                drop(fetched);
                return f();
            }
            fetched.in_snapshot = true;
        }
        // The snapshot is taken at its first statement, which reads the
        // version: the two agree.
        let begun = self.client().simple_query(BEGIN);
        let result = begun.map_err(Into::into).and_then(|answer| {
            let version = answer.iter().find_map(|m| match m {
                postgres::SimpleQueryMessage::Row(row) => row.get(0)?.parse::<i64>().ok(),
                _ => None,
            });
            self.reads
                .inner
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .version = version;
            f()
        });
        let end = self
            .client()
            .batch_execute(if result.is_ok() { "COMMIT" } else { "ROLLBACK" });
        {
            let mut fetched = self.reads.inner.lock().unwrap_or_else(|p| p.into_inner());
            fetched.end_snapshot();
        }
        result?;
        end?;
        Ok(())
    }

    fn ready_for_lookups(&self) -> Result<()> {
        Ok(())
    }

    fn end_abandoned_read(&self) {
        let mut fetched = self.reads.inner.lock().unwrap_or_else(|p| p.into_inner());
        if fetched.in_snapshot {
            fetched.end_snapshot();
            drop(fetched);
            let _ = self.client().batch_execute("ROLLBACK");
        }
    }

    /// In a snapshot, the version read with its `BEGIN`; outside one, a
    /// statement of its own.
    fn data_version(&self) -> Option<i64> {
        {
            let fetched = self.reads.inner.lock().unwrap_or_else(|p| p.into_inner());
            if fetched.in_snapshot {
                return fetched.version;
            }
        }
        self.with(VERSION, |client, stmt, _| {
            Ok(client.query_one(stmt, &[])?.get::<_, i64>(0))
        })
        .ok()
    }

    fn token(&self, lang: &str, text: &str) -> Result<Option<TokenInfo>> {
        self.with(TOKEN, |client, stmt, fetched| {
            if let Some(&info) = fetched.tokens.get(&(lang.to_string(), text.to_string())) {
                return Ok(info);
            }
            let row = client.query_opt(stmt, &[&lang, &text])?;
            Ok(row.map(|r| TokenInfo {
                id: r.get(0),
                df: r.get(1),
                rank: r.get(2),
            }))
        })
    }

    fn posting_blobs(&self, token_id: i64, f: &mut dyn FnMut(&[u8]) -> Result<()>) -> Result<()> {
        let ahead = {
            let mut fetched = self.reads.inner.lock().unwrap_or_else(|p| p.into_inner());
            fetched.blobs.remove(&token_id)
        };
        if let Some(blobs) = ahead {
            for b in &blobs {
                f(b)?;
            }
            return Ok(());
        }
        let rows = self.with(BLOBS, |client, stmt, _| {
            Ok(client.query(stmt, &[&token_id])?)
        })?;
        for r in &rows {
            f(r.get::<_, &[u8]>(0))?;
        }
        Ok(())
    }

    fn indexed_variants(&self, lang: &str) -> Result<i64> {
        self.with(LANG_VARIANTS, |client, stmt, _| {
            Ok(client
                .query_opt(stmt, &[&lang])?
                .map_or(0, |r| r.get::<_, i64>(0)))
        })
    }

    fn languages(&self) -> Result<Vec<String>> {
        self.with(LANGS, |client, stmt, _| {
            Ok(client.query(stmt, &[])?.iter().map(|r| r.get(0)).collect())
        })
    }

    fn variant_texts(&self, unit: i64) -> Result<Vec<VariantText>> {
        Ok(self
            .variant_rows(unit)?
            .into_iter()
            .map(|v| VariantText {
                lang: v.lang,
                key: v.key,
                plain: v.plain,
            })
            .collect())
    }

    fn variant_rows(&self, unit: i64) -> Result<Vec<VariantRow>> {
        if let Some(rows) = self.fetched_unit(unit, |u| u.variants.clone()) {
            return Ok(rows);
        }
        self.with(VARIANTS, |client, stmt, _| {
            Ok(client
                .query(stmt, &[&unit])?
                .iter()
                .map(|r| VariantRow {
                    lang: r.get(0),
                    key: r.get(1),
                    plain: r.get(2),
                    has_tags: r.get(3),
                })
                .collect())
        })
    }

    fn context_prev(&self, unit: i64) -> Result<Option<String>> {
        if let Some(prev) = self.fetched_unit(unit, |u| u.context_prev.clone()) {
            return Ok(prev);
        }
        self.with(CONTEXT, |client, stmt, _| {
            Ok(client
                .query_opt(stmt, &[&unit])?
                .and_then(|r| r.get::<_, Option<String>>(0)))
        })
    }

    fn origin_name(&self, unit: i64) -> Result<Option<String>> {
        if let Some(name) = self.fetched_unit(unit, |u| u.origin.clone()) {
            return Ok(name);
        }
        self.with(ORIGIN, |client, stmt, _| {
            Ok(client
                .query_opt(stmt, &[&unit])?
                .and_then(|r| r.get::<_, Option<String>>(0)))
        })
    }

    fn load_unit(&self, unit: i64) -> Result<Option<Unit>> {
        let ahead = {
            let mut fetched = self.reads.inner.lock().unwrap_or_else(|p| p.into_inner());
            fetched.whole.remove(&unit)
        };
        if ahead.is_some() {
            return Ok(ahead);
        }
        self.with(whole_units(), |client, stmt, _| {
            let rows = client.query(stmt, &[&[unit].as_slice()])?;
            Ok(units_from_whole_rows(&rows)?.remove(&unit))
        })
    }

    fn unit_ids(&self) -> Result<Vec<i64>> {
        self.with(UNIT_IDS, |client, stmt, _| {
            Ok(client.query(stmt, &[])?.iter().map(|r| r.get(0)).collect())
        })
    }

    fn prefetch_tokens(&self, lang: &str, texts: &[&str]) -> Result<()> {
        self.with(TOKENS, |client, stmt, fetched| {
            if !fetched.in_snapshot {
                // Nothing would drop them: the hint is not taken.
                return Ok(());
            }
            let want: Vec<&str> = texts
                .iter()
                .copied()
                .filter(|t| {
                    !fetched
                        .tokens
                        .contains_key(&(lang.to_string(), t.to_string()))
                })
                .collect();
            if want.is_empty() {
                return Ok(());
            }
            for t in &want {
                fetched
                    .tokens
                    .insert((lang.to_string(), t.to_string()), None);
            }
            let params: [&(dyn ToSql + Sync); 2] = [&lang, &want];
            for r in client.query(stmt, &params)? {
                let info = TokenInfo {
                    id: r.get(1),
                    df: r.get(2),
                    rank: r.get(3),
                };
                fetched
                    .tokens
                    .insert((lang.to_string(), r.get(0)), Some(info));
            }
            Ok(())
        })
    }

    fn prefetch_query(
        &self,
        lang: &str,
        tokens: &[(&str, u64, Option<TokenInfo>)],
        prefix: u64,
    ) -> Result<()> {
        self.with(QUERY, |client, stmt, fetched| {
            if !fetched.in_snapshot {
                // Nothing would drop them: the hint is not taken.
                return Ok(());
            }
            let texts: Vec<&str> = tokens.iter().map(|t| t.0).collect();
            let counts: Vec<i64> = tokens.iter().map(|t| t.1 as i64).collect();
            let ids: Vec<Option<i64>> = tokens.iter().map(|t| t.2.map(|i| i.id)).collect();
            let dfs: Vec<Option<i64>> = tokens.iter().map(|t| t.2.map(|i| i.df)).collect();
            let ranks: Vec<Option<i64>> = tokens.iter().map(|t| t.2.map(|i| i.rank)).collect();
            let prefix = prefix as i64;
            let params: [&(dyn ToSql + Sync); 7] =
                [&lang, &texts, &counts, &ids, &dfs, &prefix, &ranks];
            for r in client.query(stmt, &params)? {
                let id: Option<i64> = r.get(1);
                let info = id.map(|id| TokenInfo {
                    id,
                    df: r.get(2),
                    rank: r.get(5),
                });
                fetched.tokens.insert((lang.to_string(), r.get(0)), info);
                if let (Some(id), true) = (id, r.get::<_, bool>(3)) {
                    let blobs = fetched.blobs.entry(id).or_default();
                    if let Some(data) = r.get::<_, Option<Vec<u8>>>(4) {
                        blobs.push(data);
                    }
                }
            }
            Ok(())
        })
    }

    fn prefetch_postings(&self, token_ids: &[i64]) -> Result<()> {
        self.with(BLOBS_OF, |client, stmt, fetched| {
            if !fetched.in_snapshot {
                // Nothing would drop them: the hint is not taken.
                return Ok(());
            }
            let want: Vec<i64> = token_ids
                .iter()
                .copied()
                .filter(|t| !fetched.blobs.contains_key(t))
                .collect();
            if want.is_empty() {
                return Ok(());
            }
            for &t in &want {
                fetched.blobs.insert(t, Vec::new());
            }
            for r in client.query(stmt, &[&want])? {
                let t: i64 = r.get(0);
                fetched.blobs.entry(t).or_default().push(r.get(1));
            }
            Ok(())
        })
    }

    fn prefetch_whole_units(&self, units: &[i64]) -> Result<()> {
        self.with(whole_units(), |client, stmt, fetched| {
            if !fetched.in_snapshot || units.is_empty() {
                // Nothing would drop them: the hint is not taken.
                return Ok(());
            }
            let rows = client.query(stmt, &[&units])?;
            fetched.whole.extend(units_from_whole_rows(&rows)?);
            Ok(())
        })
    }

    fn prefetch_units(&self, units: &[i64]) -> Result<()> {
        self.with(UNITS, |client, stmt, fetched| {
            if !fetched.in_snapshot {
                // Nothing would drop them: the hint is not taken.
                return Ok(());
            }
            let want: Vec<i64> = units
                .iter()
                .copied()
                .filter(|u| !fetched.units.contains_key(u))
                .collect();
            if want.is_empty() {
                return Ok(());
            }
            for r in client.query(stmt, &[&want])? {
                let u = fetched.units.entry(r.get(0)).or_default();
                u.variants.push(VariantRow {
                    lang: r.get(1),
                    key: r.get(2),
                    plain: r.get(3),
                    has_tags: r.get(4),
                });
                u.context_prev = r.get(5);
                u.origin = r.get(6);
            }
            Ok(())
        })
    }
}

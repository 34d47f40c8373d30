//! `TmStore` for PostgreSQL: what the commands and the server use.

use super::write::{begin, remove_unit, take_write_lock, write_counters, PgWriter};
use super::PgStore;
use crate::text::lang;
use crate::tm::backend::{OriginRecord, StoredToken, TmStore, TmWriter, WordCounts};
use crate::tm::error::Result;
use crate::tm::index::PgIndexer;
use crate::tm::read::UnitFilter;
use crate::tm::stats::{LangCount, OriginStats, PairCount, Stats};
use crate::tm::store::WriteWait;
use crate::tm::word_pairs;
use crate::tm::write::{
    Added, Counters, OnDuplicate, OriginInfo, Prepared, WriteError, WriteSummary,
};
use crate::unit::Unit;

impl TmWriter for PgWriter {
    fn add_prepared(
        &mut self,
        unit: &Unit,
        prepared: &Prepared,
        on_duplicate: OnDuplicate,
    ) -> Result<Added, WriteError> {
        PgWriter::add_prepared(self, unit, prepared, on_duplicate)
    }

    fn is_fresh(&self) -> bool {
        PgWriter::is_fresh(self)
    }

    fn summary(&self) -> WriteSummary {
        PgWriter::summary(self)
    }

    fn commit(self: Box<Self>) -> Result<WriteSummary, WriteError> {
        PgWriter::commit(*self)
    }

    fn restore_origin(&mut self, origin: &OriginRecord) -> Result<(), WriteError> {
        PgWriter::restore_origin(self, origin)
    }

    fn restore_extras(
        &mut self,
        counts: WordCounts,
        tokens: Vec<StoredToken>,
    ) -> Result<(usize, usize), WriteError> {
        PgWriter::restore_extras(self, counts, tokens)
    }
}

impl TmStore for PgStore {
    fn set_write_wait(&mut self, wait: WriteWait) {
        self.write_wait = wait;
    }

    fn writer(&mut self, origin: &OriginInfo) -> Result<Box<dyn TmWriter + '_>, WriteError> {
        // A connection of its own, handed to the writer's thread (`conn`).
        let mut client = postgres::Client::connect(&self.url, postgres::NoTls)?;
        client.batch_execute("BEGIN")?;
        take_write_lock(&mut client, &self.location, &mut self.write_wait)?;
        Ok(Box::new(PgWriter::new(client, origin)?))
    }

    fn bulk_writer(&mut self, origin: &OriginInfo) -> Result<Box<dyn TmWriter + '_>, WriteError> {
        TmStore::writer(self, origin)
    }

    fn delete_units(&mut self, ids: &[i64]) -> Result<usize, WriteError> {
        let client = self.client.get_mut().unwrap_or_else(|p| p.into_inner());
        let mut tx = begin(client, &self.location, &mut self.write_wait)?;
        let mut counters = Counters::default();
        let mut indexer = PgIndexer::new();
        let mut deleted = 0;
        for &id in ids {
            if remove_unit(&mut tx, &mut counters, &mut indexer, id)? {
                deleted += 1;
            }
        }
        write_counters(&mut tx, counters)?;
        indexer.finish(&mut tx)?;
        tx.commit()?;
        Ok(deleted)
    }

    fn split_existing(&self, ids: &[i64]) -> Result<(Vec<i64>, Vec<i64>)> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let held: std::collections::HashSet<i64> = self
            .client()
            .query("SELECT id FROM unit WHERE id = ANY($1)", &[&ids])?
            .iter()
            .map(|r| r.get(0))
            .collect();
        Ok(ids.into_iter().partition(|id| held.contains(id)))
    }

    fn each_unit(
        &self,
        filter: &UnitFilter,
        pick: &mut dyn FnMut(Unit) -> Option<Unit>,
        write: &mut (dyn FnMut(&Unit) -> Result<()> + Send),
    ) -> Result<u64> {
        super::read::each_unit(&mut self.client(), filter, pick, write)
    }

    fn most_common_source(&self) -> Result<Option<String>> {
        Ok(self
            .client()
            .query_opt(
                "SELECT src FROM pair_count GROUP BY src ORDER BY sum(units) DESC, src LIMIT 1",
                &[],
            )?
            .map(|r| r.get(0)))
    }

    fn most_common_pair_matching(
        &self,
        src: Option<&str>,
        tgt: Option<&str>,
    ) -> Result<Option<(String, String)>> {
        let rows = self.client().query(
            "SELECT src, tgt FROM pair_count ORDER BY units DESC, src, tgt",
            &[],
        )?;
        for r in rows {
            let (s, t): (String, String) = (r.get(0), r.get(1));
            if src.map_or(true, |x| lang::matches(x, &s))
                && tgt.map_or(true, |x| lang::matches(x, &t))
            {
                return Ok(Some((
                    src.map_or(s, str::to_string),
                    tgt.map_or(t, str::to_string),
                )));
            }
        }
        Ok(None)
    }

    fn stats(&self) -> Result<Stats> {
        let mut c = self.client();
        let mut tx = c
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        let mut meta = |name: &str| -> Result<Option<String>> {
            Ok(tx
                .query_opt("SELECT value FROM meta WHERE name = $1", &[&name])?
                .and_then(|r| r.get(0)))
        };
        let units = meta("units")?.and_then(|n| n.parse().ok()).unwrap_or(0);
        let created_at = meta("created_at")?;
        let date_min = meta("date_min")?;
        let date_max = meta("date_max")?;
        let languages: Vec<LangCount> = tx
            .query(
                "SELECT lang, variants FROM lang_count ORDER BY variants DESC, lang",
                &[],
            )?
            .iter()
            .map(|r| LangCount {
                lang: r.get(0),
                variants: r.get::<_, i64>(1) as u64,
            })
            .collect();
        let pairs = tx
            .query(
                "SELECT src, tgt, units FROM pair_count ORDER BY units DESC, src, tgt",
                &[],
            )?
            .iter()
            .map(|r| PairCount {
                src: r.get(0),
                tgt: r.get(1),
                units: r.get::<_, i64>(2) as u64,
            })
            .collect();
        let origins = tx
            .query(
                "SELECT name, kind, units, imported_at FROM origin WHERE units > 0
                 ORDER BY imported_at COLLATE \"C\", name",
                &[],
            )?
            .iter()
            .map(|r| OriginStats {
                name: r.get(0),
                kind: r.get(1),
                units: r.get::<_, i64>(2) as u64,
                imported_at: r.get(3),
            })
            .collect();
        let schema_version: i32 = tx
            .query_one("SELECT version FROM tarjuman_schema", &[])?
            .get(0);
        let size: i64 = tx
            .query_one("SELECT pg_database_size(current_database())", &[])?
            .get(0);
        tx.commit()?;
        Ok(Stats {
            path: self.location.display().to_string(),
            schema_version: schema_version as u32,
            created_at,
            units,
            variants: languages.iter().map(|l| l.variants).sum(),
            languages,
            pairs,
            origins,
            date_min,
            date_max,
            size_bytes: size as u64,
        })
    }

    fn origin_names(&self) -> Result<Vec<String>> {
        Ok(self
            .client()
            .query("SELECT name FROM origin ORDER BY name", &[])?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn unit_ids_of_origin(&self, origin: &str) -> Result<Vec<i64>> {
        Ok(self
            .client()
            .query(
                "SELECT u.id FROM unit u JOIN origin o ON o.id = u.origin_id WHERE o.name = $1 ORDER BY u.id",
                &[&origin],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn origins(&self) -> Result<Vec<OriginRecord>> {
        Ok(self
            .client()
            .query(
                "SELECT name, kind, imported_at, header FROM origin ORDER BY id",
                &[],
            )?
            .iter()
            .map(|r| OriginRecord {
                name: r.get(0),
                kind: r.get(1),
                imported_at: r.get(2),
                header: r.get(3),
            })
            .collect())
    }

    fn word_counts(&self) -> Result<WordCounts> {
        let n = |r: &postgres::Row| r.get::<_, i64>(2).clamp(0, u32::MAX as i64) as u32;
        let mut c = self.client();
        let words = c
            .query(
                "SELECT lang, word, n FROM align_word ORDER BY lang, word",
                &[],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1), n(r)))
            .collect();
        let pairs = c
            .query("SELECT ar, en, n FROM align_pair ORDER BY ar, en", &[])?
            .iter()
            .map(|r| (r.get(0), r.get(1), n(r)))
            .collect();
        Ok(WordCounts { words, pairs })
    }

    fn add_word_pairs(
        &mut self,
        arabic: &[(&str, u32)],
        english: &[(&str, u32)],
        pairs: &[(&str, &str, u32)],
    ) -> Result<usize> {
        let mut tx = self.client_mut().transaction()?;
        let words = arabic
            .iter()
            .map(|&(w, n)| ("ar", w, n))
            .chain(english.iter().map(|&(w, n)| ("en", w, n)));
        let written = add_word_counts_on(&mut tx, words, pairs.iter().copied())?;
        tx.commit()?;
        Ok(written)
    }

    fn word_pairs(&self, min_together: u32) -> Result<Vec<word_pairs::PairCount>> {
        let n = |r: &postgres::Row, i| r.get::<_, i64>(i).clamp(0, u32::MAX as i64) as u32;
        Ok(self
            .client()
            .query(
                "SELECT p.ar, p.en, p.n, a.n, e.n FROM align_pair p
                 JOIN align_word a ON a.lang = 'ar' AND a.word = p.ar
                 JOIN align_word e ON e.lang = 'en' AND e.word = p.en
                 WHERE p.n >= $1",
                &[&i64::from(min_together)],
            )?
            .iter()
            .map(|r| word_pairs::PairCount {
                arabic: r.get(0),
                english: r.get(1),
                together: n(r, 2),
                arabic_seen: n(r, 3),
                english_seen: n(r, 4),
            })
            .collect())
    }

    fn tokens(&self) -> Result<Vec<StoredToken>> {
        Ok(self
            .client()
            .query(
                "SELECT name, scope, sha256, created_at FROM api_token ORDER BY name COLLATE \"C\"",
                &[],
            )?
            .iter()
            .map(|r| StoredToken {
                name: r.get(0),
                scope: r.get(1),
                sha256: r.get(2),
                created_at: r.get(3),
            })
            .collect())
    }

    fn add_token(&mut self, t: &StoredToken) -> Result<bool> {
        Ok(insert_token_on(&mut *self.client(), t)?)
    }

    fn remove_token(&mut self, name: &str) -> Result<bool> {
        Ok(self
            .client()
            .execute("DELETE FROM api_token WHERE name = $1", &[&name])?
            > 0)
    }
}

/// Add word counts on `c` (in the caller's transaction): words as
/// (language, word, times seen), pairs as (Arabic, English, times seen
/// together). Returns how many pairs were written.
pub(super) fn add_word_counts_on<'a>(
    c: &mut impl postgres::GenericClient,
    words: impl IntoIterator<Item = (&'a str, &'a str, u32)>,
    pairs: impl IntoIterator<Item = (&'a str, &'a str, u32)>,
) -> std::result::Result<usize, postgres::Error> {
    let word = c.prepare(
        "INSERT INTO align_word (lang, word, n) VALUES ($1, $2, $3)
         ON CONFLICT (lang, word) DO UPDATE SET n = align_word.n + excluded.n",
    )?;
    for (lang, w, n) in words {
        c.execute(&word, &[&lang, &w, &i64::from(n)])?;
    }
    let pair = c.prepare(
        "INSERT INTO align_pair (ar, en, n) VALUES ($1, $2, $3)
         ON CONFLICT (ar, en) DO UPDATE SET n = align_pair.n + excluded.n",
    )?;
    let mut written = 0;
    for (a, e, n) in pairs {
        c.execute(&pair, &[&a, &e, &i64::from(n)])?;
        written += 1;
    }
    Ok(written)
}

/// Store a token on `c`; false when one of that name exists.
pub(super) fn insert_token_on(
    c: &mut impl postgres::GenericClient,
    t: &StoredToken,
) -> std::result::Result<bool, postgres::Error> {
    let n = c.execute(
        "INSERT INTO api_token(name, scope, sha256, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT(name) DO NOTHING",
        &[&t.name, &t.scope, &t.sha256, &t.created_at],
    )?;
    Ok(n > 0)
}

//! The index builder for a TM on PostgreSQL (`PgIndexer`): the same
//! dictionary and the same posting blobs as the SQLite `Indexer` writes
//! (schema/postgres/0002_fuzzy_index.sql), so lookups read the same
//! postings and give the same scores on either backend.
//!
//! It differs where a database server rewards it: nothing is written per
//! token. New dictionary entries are collected in memory and resolved in
//! one statement per flush (inserted if missing, their ids and blob counts
//! read back); blobs are written with binary `COPY`; the counts once, at
//! `finish`, as one `UPDATE … FROM unnest(…)`. Postings are buffered and
//! spilled to the same run files as the SQLite builder's (`runs`), joined
//! at `finish` into one blob per token. After a removal, as there, flushes
//! go to the database (removals rewrite stored blobs, and a unit updated
//! in place comes back with its old id, which a run's join would refuse),
//! and at `finish` a token left with more than `MAX_CHUNKS` blobs has them
//! merged.
//!
//! The caller (the PostgreSQL writer) serializes writers, so a token's
//! blob count read here stays true until the commit.

use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::Type;
use postgres::GenericClient;

use super::build::{order_keys, LangDict, Tok};
use super::codec::{distinct, encode, key, merged, pack, UNIT_BITS};
use super::error::{IndexError, IndexResult};
use super::runs::{join_runs, spill, Grouping, Pending, Runs};
use super::tokens::{bigram_text, stored_unit_tokens, VariantTokens, BIGRAM_BUCKETS};
use super::{FastMap, FastSet, FLUSH_POSTINGS, MAX_CHUNKS};

/// Tokens whose stored blobs are read and rewritten per statement.
const REWRITE_BATCH: usize = 512;

/// Updates the index for units added or removed inside one PostgreSQL
/// transaction; see the module doc.
pub struct PgIndexer {
    langs: Vec<(String, LangDict)>,
    toks: Vec<Tok>,
    /// The (language position, text) of the tokens from `resolved` on.
    new_texts: Vec<(u32, String)>,
    resolved: usize,
    pending_toks: Vec<u32>,
    pending_variants: Vec<Pending>,
    /// Units added since the last write to the database.
    pending_units: FastSet<u64>,
    /// Units added since the last flush (what a new token's rank is out of).
    batch_units: u64,
    removals: Vec<(u32, u64)>,
    lang_delta: Vec<i64>,
    runs: Option<Runs>,
    grouping: Grouping,
    /// Flushes may go to the run file: until the first removal.
    spill: bool,
    flush_at: usize,
}

impl Default for PgIndexer {
    fn default() -> Self {
        PgIndexer::new()
    }
}

impl PgIndexer {
    pub fn new() -> PgIndexer {
        PgIndexer {
            langs: Vec::new(),
            toks: Vec::new(),
            new_texts: Vec::new(),
            resolved: 0,
            pending_toks: Vec::new(),
            pending_variants: Vec::new(),
            pending_units: FastSet::default(),
            batch_units: 0,
            removals: Vec::new(),
            lang_delta: Vec::new(),
            runs: None,
            grouping: Grouping::default(),
            spill: true,
            flush_at: FLUSH_POSTINGS,
        }
    }

    /// Flush every `postings` postings (tests: many runs from few units).
    pub fn set_flush_postings(&mut self, postings: usize) {
        self.flush_at = postings.max(1);
    }

    /// Index a unit just inserted: its id, its variants' matching keys in
    /// unit order and their `unit_tokens`. True when the buffer is full:
    /// the caller then calls `flush_due`. This never writes to the
    /// database, so it can run beside the connection's work.
    pub fn add(
        &mut self,
        unit_id: i64,
        keys: &[String],
        tokens: &[VariantTokens],
    ) -> IndexResult<bool> {
        let unit = unit_id as u64;
        if unit >= 1 << UNIT_BITS {
            return Err(IndexError::UnitId(unit_id));
        }
        for v in tokens {
            let packed = pack(key(v.len, 0), unit);
            let li = self.lang(&v.lang);
            let (toks, texts) = (&mut self.toks, &mut self.new_texts);
            each_token(
                &mut self.langs[li].1,
                toks,
                texts,
                li,
                &keys[v.key],
                v,
                |t| self.pending_toks.push(t),
            );
            let end =
                u32::try_from(self.pending_toks.len()).map_err(IndexError::TooManyPostings)?;
            self.pending_variants.push(Pending {
                packed,
                end,
                words: v.words.len() as u32,
            });
            self.lang_delta[li] += 1;
        }
        self.pending_units.insert(unit);
        self.batch_units += 1;
        Ok(self.pending_toks.len() >= self.flush_at)
    }

    /// Write what `add` said is due: to the run file while the import can
    /// spill (the new tokens' rows are made first: a run's places are
    /// counted in the order of the tokens' ranks and ids), else to the
    /// database.
    pub fn flush_due(&mut self, tx: &mut impl GenericClient) -> IndexResult<()> {
        if self.spill {
            self.spill_run(tx)
        } else {
            self.flush(tx)
        }
    }

    /// Unindex a unit; called *before* its rows are deleted, so its
    /// variants can still be read.
    pub fn remove(&mut self, tx: &mut impl GenericClient, unit_id: i64) -> IndexResult<()> {
        let unit = unit_id as u64;
        if self.spill {
            // Removals rewrite stored blobs: what the runs hold goes in first.
            self.spill = false;
            if self.runs.is_some() && !self.pending_toks.is_empty() {
                self.spill_run(tx)?;
            }
            self.write_runs(tx)?;
        }
        if self.pending_units.contains(&unit) {
            // Added earlier in this transaction: written first, then taken
            // out like any other.
            self.flush(tx)?;
        }
        let rows: Vec<(String, String)> = tx
            .query(
                "SELECT lang, key FROM variant WHERE unit_id = $1 ORDER BY ord",
                &[&unit_id],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        let pairs: Vec<(&str, &str)> = rows.iter().map(|(l, k)| (l.as_str(), k.as_str())).collect();
        for v in stored_unit_tokens(&pairs) {
            let li = self.lang(&v.lang);
            let (toks, texts) = (&mut self.toks, &mut self.new_texts);
            let mut gone = Vec::new();
            each_token(
                &mut self.langs[li].1,
                toks,
                texts,
                li,
                &rows[v.key].1,
                &v,
                |t| gone.push(t),
            );
            for t in gone {
                let tok = &mut self.toks[t as usize];
                tok.df_delta -= 1;
                tok.dirty = true;
                self.removals.push((t, unit));
            }
            self.lang_delta[li] -= 1;
        }
        Ok(())
    }

    /// Write everything buffered, merge the blobs of tokens that have more
    /// than `MAX_CHUNKS`, and write the counts; called just before the
    /// commit.
    pub fn finish(mut self, tx: &mut impl GenericClient) -> IndexResult<()> {
        if self.spill && self.runs.is_some() {
            if !self.pending_toks.is_empty() {
                self.spill_run(tx)?;
            }
            self.write_runs(tx)?;
        } else {
            self.flush(tx)?;
        }
        let crowded: Vec<u32> = (0..self.toks.len() as u32)
            .filter(|&t| self.toks[t as usize].chunks > MAX_CHUNKS)
            .collect();
        self.rewrite(tx, &crowded, &FastMap::default())?;
        self.write_counts(tx)
    }

    /// The position of an index language's dictionary in `langs`.
    fn lang(&mut self, l: &str) -> usize {
        if let Some(i) = self.langs.iter().position(|(seen, _)| seen == l) {
            return i;
        }
        let d = LangDict {
            pairs: vec![u32::MAX; BIGRAM_BUCKETS as usize],
            ..LangDict::default()
        };
        self.langs.push((l.to_string(), d));
        self.lang_delta.push(0);
        self.langs.len() - 1
    }

    /// The buffered postings as one more run in the run file.
    fn spill_run(&mut self, tx: &mut impl GenericClient) -> IndexResult<()> {
        self.resolve(tx)?;
        if self.runs.is_none() {
            let file = tempfile::tempfile()
                .map_err(|e| IndexError::file("cannot make the index's run file", e))?;
            self.runs = Some(Runs {
                file: std::io::BufWriter::with_capacity(1 << 16, file),
                len: 0,
                list: Vec::new(),
            });
        }
        let keys = self.order_keys();
        let runs = self.runs.as_mut().expect("made above");
        let counts = spill(
            runs,
            &mut self.grouping,
            &self.pending_toks,
            &self.pending_variants,
            &keys,
        )?;
        self.count(&counts);
        self.pending_toks.clear();
        self.pending_variants.clear();
        Ok(())
    }

    /// The spilled runs joined into one blob per token and copied in.
    fn write_runs(&mut self, tx: &mut impl GenericClient) -> IndexResult<()> {
        let Some(runs) = self.runs.take() else {
            return Ok(());
        };
        self.resolve(tx)?;
        let tokens = self.toks.len() as u32;
        let toks = &mut self.toks;
        let mut copy = Copy::start(tx)?;
        join_runs(runs, tokens, |t, data| {
            let tok = &mut toks[t as usize];
            copy.write(tok.id, &data)?;
            tok.chunks += 1;
            Ok(true)
        })?;
        copy.finish()?;
        self.pending_units.clear();
        Ok(())
    }

    /// Apply the buffered removals, then write the buffered postings as
    /// one new blob per token.
    pub fn flush(&mut self, tx: &mut impl GenericClient) -> IndexResult<()> {
        self.resolve(tx)?;
        let mut removals = std::mem::take(&mut self.removals);
        removals.sort_unstable();
        let mut gone: FastMap<u32, FastSet<u64>> = FastMap::default();
        for &(t, u) in &removals {
            gone.entry(t).or_default().insert(u);
        }
        let mut touched: Vec<u32> = gone.keys().copied().collect();
        touched.sort_unstable();
        self.rewrite(tx, &touched, &gone)?;
        let keys = self.order_keys();
        self.pending_units.clear();
        if self.pending_toks.is_empty() {
            return Ok(());
        }
        let mut grouping = Grouping::default();
        grouping.group(&self.pending_toks, &self.pending_variants, &keys);
        self.pending_toks.clear();
        self.pending_variants.clear();
        let mut copy = Copy::start(tx)?;
        let mut counts = Vec::new();
        for t in 0..self.toks.len() {
            let list = grouping.list(t);
            if list.is_empty() {
                continue;
            }
            counts.push((t as u32, distinct(list) as u32));
            let tok = &mut self.toks[t];
            copy.write(tok.id, &encode(list))?;
            tok.chunks += 1;
        }
        copy.finish()?;
        self.count(&counts);
        Ok(())
    }

    /// Add a flush's (token, distinct units) to the document frequencies.
    fn count(&mut self, counts: &[(u32, u32)]) {
        for &(t, n) in counts {
            let tok = &mut self.toks[t as usize];
            tok.df_delta += i64::from(n);
            tok.dirty = true;
        }
    }

    /// `build::order_keys` for this builder's tokens (resolved).
    fn order_keys(&mut self) -> Vec<u64> {
        let units = std::mem::take(&mut self.batch_units);
        order_keys(&mut self.toks, &self.pending_toks, units)
    }

    /// Give the tokens made since the last call their rows: inserted where
    /// missing, ids and blob counts read back, in one statement.
    fn resolve(&mut self, tx: &mut impl GenericClient) -> IndexResult<()> {
        if self.new_texts.is_empty() {
            return Ok(());
        }
        let langs: Vec<&str> = self
            .new_texts
            .iter()
            .map(|(li, _)| self.langs[*li as usize].0.as_str())
            .collect();
        let texts: Vec<&str> = self.new_texts.iter().map(|(_, t)| t.as_str()).collect();
        let pos: Vec<i64> = (self.resolved..self.toks.len()).map(|p| p as i64).collect();
        // Rows inserted by the CTE are not seen by the outer scan of
        // fz_token (one snapshot): they come from RETURNING.
        let rows = tx.query(
            "WITH new AS (
                 SELECT * FROM unnest($1::text[], $2::text[], $3::int8[]) AS n(lang, text, pos)
             ), ins AS (
                 INSERT INTO fz_token (lang, text, df, chunks)
                 SELECT lang, text, 0, 0 FROM new
                 ON CONFLICT (lang, text) DO NOTHING
                 RETURNING id, lang, text, chunks
             )
             SELECT n.pos, coalesce(i.id, t.id), coalesce(i.chunks, t.chunks),
                    CASE WHEN i.id IS NULL AND t.df > 0 THEN t.rank ELSE -1 END
             FROM new n
             LEFT JOIN ins i ON i.lang = n.lang AND i.text = n.text
             LEFT JOIN fz_token t ON t.lang = n.lang AND t.text = n.text",
            &[&langs, &texts, &pos],
        )?;
        for r in rows {
            let (p, id, chunks, rank): (i64, i64, i64, i64) =
                (r.get(0), r.get(1), r.get(2), r.get(3));
            let tok = &mut self.toks[p as usize];
            tok.id = id;
            tok.chunks = chunks;
            // A token no unit holds is ranked afresh, as a new one.
            tok.rank = rank;
        }
        if self.toks[self.resolved..].iter().any(|t| t.id == 0) {
            return Err(IndexError::Unresolved);
        }
        self.resolved = self.toks.len();
        self.new_texts.clear();
        Ok(())
    }

    /// Replace all blobs of each token in `toks` by one: the stored
    /// postings minus the units `gone` lists for it.
    fn rewrite(
        &mut self,
        tx: &mut impl GenericClient,
        toks: &[u32],
        gone: &FastMap<u32, FastSet<u64>>,
    ) -> IndexResult<()> {
        let none = FastSet::default();
        for batch in toks.chunks(REWRITE_BATCH) {
            let ids: Vec<i64> = batch.iter().map(|&t| self.toks[t as usize].id).collect();
            let at: FastMap<i64, u32> = ids.iter().copied().zip(batch.iter().copied()).collect();
            // In the order written (see `join`).
            let rows = tx.query(
                "SELECT token_id, data FROM fz_chunk WHERE token_id = ANY($1) ORDER BY token_id, id",
                &[&ids],
            )?;
            tx.execute("DELETE FROM fz_chunk WHERE token_id = ANY($1)", &[&ids])?;
            for &t in batch {
                let tok = &mut self.toks[t as usize];
                tok.chunks = 0;
                tok.dirty = true;
            }
            let mut copy = Copy::start(tx)?;
            for same in rows.chunk_by(|a, b| a.get::<_, i64>(0) == b.get::<_, i64>(0)) {
                let id: i64 = same[0].get(0);
                let t = at[&id];
                let parts: Vec<&[u8]> = same.iter().map(|r| r.get::<_, &[u8]>(1)).collect();
                let data = merged(&parts, gone.get(&t).unwrap_or(&none), &[])?;
                if !data.is_empty() {
                    copy.write(id, &data)?;
                    self.toks[t as usize].chunks = 1;
                }
            }
            copy.finish()?;
        }
        Ok(())
    }

    /// Write the dictionary's counts and the languages' (once per
    /// transaction).
    fn write_counts(&mut self, tx: &mut impl GenericClient) -> IndexResult<()> {
        let (mut ids, mut dfs, mut chunks, mut ranks) = (vec![], vec![], vec![], vec![]);
        for tok in self.toks.iter_mut().filter(|t| t.dirty) {
            ids.push(tok.id);
            dfs.push(tok.df_delta);
            chunks.push(tok.chunks);
            ranks.push(tok.rank.max(0));
            tok.df_delta = 0;
            tok.dirty = false;
        }
        if !ids.is_empty() {
            tx.execute(
                "UPDATE fz_token t SET df = t.df + d.df, chunks = d.chunks, rank = d.rank
                 FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::int8[])
                     AS d(id, df, chunks, rank)
                 WHERE t.id = d.id",
                &[&ids, &dfs, &chunks, &ranks],
            )?;
        }
        let langs: Vec<&str> = self.langs.iter().map(|(l, _)| l.as_str()).collect();
        tx.execute(
            "INSERT INTO fz_lang (lang, variants)
             SELECT * FROM unnest($1::text[], $2::int8[])
             ON CONFLICT (lang) DO UPDATE SET variants = fz_lang.variants + excluded.variants",
            &[&langs, &self.lang_delta],
        )?;
        self.lang_delta.iter_mut().for_each(|d| *d = 0);
        Ok(())
    }
}

/// Call `f` with the position in `toks` of each of a variant's index
/// tokens (words, then adjacent-pair buckets), making entries (unresolved,
/// their text in `texts`) for those not seen yet.
fn each_token(
    dict: &mut LangDict,
    toks: &mut Vec<Tok>,
    texts: &mut Vec<(u32, String)>,
    li: usize,
    key: &str,
    v: &VariantTokens,
    mut f: impl FnMut(u32),
) {
    let mut new = |text: String| {
        let t = toks.len() as u32;
        toks.push(Tok {
            id: 0,
            chunks: 0,
            rank: -1,
            df_delta: 0,
            dirty: false,
        });
        texts.push((li as u32, text));
        t
    };
    for w in &v.words {
        let k = w.key();
        let t = match dict.find(k, w.bytes(key)) {
            Some(t) => t,
            None => {
                let text = w.text(key);
                let t = new(text.to_string());
                dict.insert(k, text, t);
                t
            }
        };
        f(t);
    }
    for &b in &v.pairs {
        let known = dict.pairs[b as usize];
        let t = if known != u32::MAX {
            known
        } else {
            let t = new(bigram_text(b.into()));
            dict.pairs[b as usize] = t;
            t
        };
        f(t);
    }
}

/// Blobs going into `fz_chunk` by binary COPY.
struct Copy<'a> {
    writer: BinaryCopyInWriter<'a>,
}

impl<'a> Copy<'a> {
    fn start(tx: &'a mut impl GenericClient) -> IndexResult<Copy<'a>> {
        let sink = tx.copy_in("COPY fz_chunk (token_id, data) FROM STDIN (FORMAT binary)")?;
        Ok(Copy {
            writer: BinaryCopyInWriter::new(sink, &[Type::INT8, Type::BYTEA]),
        })
    }

    fn write(&mut self, token_id: i64, data: &[u8]) -> IndexResult<()> {
        Ok(self.writer.write(&[&token_id, &data])?)
    }

    fn finish(self) -> IndexResult<()> {
        self.writer.finish()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;

/// Schema 0005 on PostgreSQL: as `build::add_places`, inside the
/// migration's transaction.
pub fn add_places(tx: &mut impl GenericClient) -> IndexResult<()> {
    let mut after = i64::MIN;
    loop {
        let rows = tx.query(
            "SELECT id, data FROM fz_chunk WHERE id > $1 ORDER BY id LIMIT 256",
            &[&after],
        )?;
        let Some(last) = rows.last().map(|r| r.get::<_, i64>(0)) else {
            return Ok(());
        };
        let ids: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
        let blobs = rows
            .iter()
            .map(|r| super::codec::with_places(r.get::<_, &[u8]>(1)))
            .collect::<rusqlite::Result<Vec<Vec<u8>>>>()?;
        tx.execute(
            "UPDATE fz_chunk SET data = n.data
             FROM unnest($1::int8[], $2::bytea[]) AS n(id, data) WHERE fz_chunk.id = n.id",
            &[&ids, &blobs],
        )?;
        after = last;
    }
}

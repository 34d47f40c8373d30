//! Building the index: the `Indexer` that the writer calls for every unit
//! added or removed inside its transaction; it keeps the dictionary of
//! tokens, buffers postings, flushes them (to run files, `runs`, or to the
//! TM) and writes the counts at `finish`. Not here: the blob format
//! (`codec`), reading postings for a lookup (`query`).

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use rusqlite::{params, CachedStatement, Connection, OptionalExtension};

use super::codec::{distinct, encode, join, key, merged, pack, Joining, UNIT_BITS};
use super::error::{IndexError, IndexResult};
use super::order::{new_ranks, order_key};
use super::runs::{
    each_blob, join_runs, spill, written, Background, Grouping, Joined, Pending, Runs, Spilled,
    JOINED_FILE, RUN_DAMAGED, RUN_FILE,
};
use super::tokens::{bigram_text, stored_unit_tokens, tail_word, VariantTokens, BIGRAM_BUCKETS};
use super::{FastSet, FLUSH_POSTINGS, MAX_CHUNKS};

/// The writer's view of one language's dictionary: tokens as positions in
/// `Indexer::toks`.
#[derive(Default)]
pub(super) struct LangDict {
    /// The words seen, keyed by their text (exact: the hash only finds the
    /// slot; see `WordEntry`).
    pub(super) words: hashbrown::HashTable<WordEntry>,
    /// The text of words longer than `WordEntry::INLINE` bytes, end to end.
    pub(super) long: String,
    /// Bucket → position (`u32::MAX`: not looked up yet).
    pub(super) pairs: Vec<u32>,
}

/// A word of `LangDict`: 32 bytes, as the (128-bit hash, position) entry
/// that trusted the hash was. A word of up to 16 bytes (most: an Arabic
/// word of 8 letters) is compared in the entry itself, so finding it costs
/// no more memory reads than the hash alone did; a longer one's text is in
/// `LangDict::long`.
#[derive(Clone, Copy)]
pub(super) struct WordEntry {
    /// The table's hash of the word (`Word::key`), compared first.
    pub(super) key: u64,
    pub(super) tok: u32,
    pub(super) len: u32,
    /// The word's bytes as two little-endian words, zero padded
    /// (`inline`); for a longer word, its offset in `LangDict::long`.
    pub(super) text: [u64; 2],
}

impl WordEntry {
    const INLINE: usize = 16;
}

/// Up to 16 bytes as two little-endian words, zero padded: with the length
/// beside it, equal exactly when the bytes are (compared as two words, not
/// by a call to `memcmp`, which was 1.6% of an import).
#[inline]
pub(super) fn inline(bytes: &[u8]) -> [u64; 2] {
    let part = |b: &[u8]| match b.len() {
        0 => 0,
        8.. => u64::from_le_bytes(b[..8].try_into().expect("8 bytes")),
        _ => tail_word(b),
    };
    if bytes.len() <= 8 {
        [part(bytes), 0]
    } else {
        [part(&bytes[..8]), part(&bytes[8..])]
    }
}

impl LangDict {
    /// The position in `toks` of a word's token, if the word was seen.
    #[inline]
    pub(super) fn find(&self, key: u64, bytes: &[u8]) -> Option<u32> {
        self.words
            .find(key, |e| {
                e.key == key
                    && e.len as usize == bytes.len()
                    && if bytes.len() <= WordEntry::INLINE {
                        e.text == inline(bytes)
                    } else {
                        &self.long.as_bytes()[e.text[0] as usize..][..bytes.len()] == bytes
                    }
            })
            .map(|e| e.tok)
    }

    /// Record a word not seen before (`find` gave None) as token `tok`.
    pub(super) fn insert(&mut self, key: u64, text: &str, tok: u32) {
        let bytes = text.as_bytes();
        let text = if bytes.len() <= WordEntry::INLINE {
            inline(bytes)
        } else {
            let at = self.long.len() as u64;
            self.long.push_str(text);
            [at, 0]
        };
        let entry = WordEntry {
            key,
            tok,
            // A token of 4 GB cannot be in a key of a unit SQLite holds.
            len: u32::try_from(bytes.len()).unwrap_or(u32::MAX),
            text,
        };
        self.words.insert_unique(key, entry, |e| e.key);
    }
}

/// A dictionary entry as a builder holds it (this one's and
/// `PgIndexer`'s).
pub(super) struct Tok {
    /// The row's id (on PostgreSQL 0 until the row is made).
    pub(super) id: i64,
    pub(super) chunks: i64,
    /// Its place in the fixed order (`order`); -1 until its first flush.
    pub(super) rank: i64,
    /// Change to `df` not yet written.
    pub(super) df_delta: i64,
    pub(super) dirty: bool,
}

/// Updates the index for units added or removed inside one transaction.
/// Buffers in memory and writes at `finish` (and whenever the buffer is
/// full: to the run file while it can, see `Runs`).
#[derive(Default)]
pub struct Indexer {
    /// Index langs and their dictionaries (a unit has few languages: a
    /// scan beats hashing the tag for every token).
    pub(super) langs: Vec<(String, LangDict)>,
    pub(super) toks: Vec<Tok>,
    /// Postings waiting to be written, in arrival order, as two flat arrays
    /// that only grow at the end (appending to one list per token instead
    /// missed the cache on nearly every posting): each posting's token (its
    /// position in `toks`), and per variant its packed posting and where
    /// its tokens end in `pending_toks` (4 bytes a posting, not 12).
    pub(super) pending_toks: Vec<u32>,
    pub(super) pending_variants: Vec<Pending>,
    pub(super) pending_units: FastSet<u64>,
    /// Units added since the last flush (what a new token's rank is out of).
    pub(super) batch_units: u64,
    /// (token, unit) to take out of the stored postings.
    pub(super) removals: Vec<(u32, u64)>,
    /// Per entry of `langs`: change to `fz_lang.variants` not yet written.
    pub(super) lang_delta: Vec<i64>,
    /// Full buffers flushed to the run file, not yet in the TM (None while
    /// a flush is `spilling` to it).
    pub(super) runs: Option<Runs>,
    /// A flush to the run file at work on a thread of its own (see
    /// `spill_in_background`), and the buffers the last one gave back.
    pub(super) spilling: Background<Spilled>,
    pub(super) spare: (Vec<u32>, Vec<Pending>),
    pub(super) grouping: Grouping,
    /// Flushes may go to the run file: until the first removal, and while
    /// the file can be made.
    pub(super) spill: bool,
    /// Where to make the run file: beside the TM.
    pub(super) dir: PathBuf,
    /// Postings buffered before a flush: `FLUSH_POSTINGS` (tests set it low).
    pub(super) flush_at: usize,
    /// The runs being joined into a file of their own (`join_ahead`).
    pub(super) ahead: Background<Joined>,
}

/// Adds one blob of a token's postings.
pub(super) const INSERT_CHUNK: &str = "INSERT INTO fz_chunk(token_id, data) VALUES (?1, ?2)";

impl Indexer {
    /// Start indexing inside the transaction open on `conn`.
    pub fn new(conn: &Connection) -> rusqlite::Result<Indexer> {
        // Spill beside the TM file (an in-memory TM: the temp dir).
        let dir = match conn.path().filter(|p| !p.is_empty()) {
            Some(p) => match std::path::Path::new(p).parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            },
            None => std::env::temp_dir(),
        };
        Ok(Indexer {
            spill: true,
            dir,
            flush_at: FLUSH_POSTINGS,
            ..Indexer::default()
        })
    }

    /// Flush every `postings` postings, so that a test makes many runs
    /// from a few units.
    #[cfg(test)]
    pub(crate) fn set_flush_postings(&mut self, postings: usize) {
        self.flush_at = postings.max(1);
    }

    /// Index a unit just inserted: its id, its variants' matching keys in
    /// unit order and their `unit_tokens`.
    pub fn add(
        &mut self,
        conn: &Connection,
        unit_id: i64,
        keys: &[String],
        tokens: &[VariantTokens],
    ) -> IndexResult<()> {
        let unit = unit_id as u64;
        if unit >= 1 << UNIT_BITS {
            return Err(rusqlite::Error::IntegralValueOutOfRange(0, unit_id).into());
        }
        for v in tokens {
            let packed = pack(key(v.len, 0), unit);
            let li = self.lang(&v.lang);
            // Document frequencies are counted at the flush, from the lists.
            self.each_token(conn, li, &keys[v.key], v, |ix, t| ix.pending_toks.push(t))?;
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
        if self.pending_toks.len() >= self.flush_at {
            if self.spill {
                self.spill_in_background(conn)?;
            } else {
                self.flush(conn, false)?;
            }
        }
        Ok(())
    }

    /// Unindex a unit; called *before* its rows are deleted, so the
    /// variants can still be read.
    pub fn remove(&mut self, conn: &Connection, unit_id: i64) -> IndexResult<()> {
        self.stop_spilling(conn)?;
        let unit = unit_id as u64;
        if self.pending_units.contains(&unit) {
            // Added earlier in this transaction: write it first, then take
            // it out like any other (rare: a duplicate updated in one import).
            self.flush(conn, false)?;
        }
        let rows: Vec<(String, String)> = {
            let mut stmt = conn
                .prepare_cached("SELECT lang, key FROM variant WHERE unit_id = ?1 ORDER BY ord")?;
            let rows = stmt.query_map([unit_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let pairs: Vec<(&str, &str)> = rows.iter().map(|(l, k)| (l.as_str(), k.as_str())).collect();
        for v in stored_unit_tokens(&pairs) {
            let li = self.lang(&v.lang);
            self.each_token(conn, li, &rows[v.key].1, &v, |ix, t| {
                let tok = &mut ix.toks[t as usize];
                tok.df_delta -= 1;
                tok.dirty = true;
                ix.removals.push((t, unit));
            })?;
            self.lang_delta[li] -= 1;
        }
        Ok(())
    }

    /// Write whatever was buffered (after spilled runs, as one more run;
    /// then each token's runs joined into one blob), then merge the blobs
    /// of every token that has more than `MAX_CHUNKS`; called just before
    /// the commit. Merging once here, not whenever a token reached the
    /// limit during the transaction, reads and writes each posting once
    /// instead of about four times.
    pub fn finish(mut self, conn: &Connection) -> IndexResult<()> {
        self.last_flush(conn)?;
        if let Some(ahead) = self.ahead.0.take() {
            let joined = ahead.join().expect("the index join panicked")?;
            self.insert_joined(conn, joined)?;
        }
        if let Some(runs) = self.runs.take() {
            self.write_runs(conn, runs)?;
        }
        for t in 0..self.toks.len() {
            if self.toks[t].chunks > MAX_CHUNKS {
                self.rewrite(conn, t as u32, &FastSet::default(), &[])?;
            }
        }
        Ok(self.write_counts(conn)?)
    }

    /// The buffered postings written: with runs spilled, after them (one
    /// blob per token in the end); in a small transaction, straight to the
    /// TM. A flush still at work first: the run file comes back with it.
    pub(super) fn last_flush(&mut self, conn: &Connection) -> IndexResult<()> {
        self.settle()?;
        self.flush(conn, self.runs.is_some())?;
        // The flushes' buffers are done with: their memory goes to the join.
        (self.spare, self.grouping) = Default::default();
        Ok(())
    }

    /// Call `f` with the position in `toks` of each of a variant's index
    /// tokens (words, then adjacent-pair buckets), creating dictionary
    /// entries as needed; `li` is `self.lang(&v.lang)`.
    pub(super) fn each_token(
        &mut self,
        conn: &Connection,
        li: usize,
        key: &str,
        v: &VariantTokens,
        mut f: impl FnMut(&mut Self, u32),
    ) -> rusqlite::Result<()> {
        for w in &v.words {
            let k = w.key();
            let t = match self.langs[li].1.find(k, w.bytes(key)) {
                Some(t) => t,
                None => {
                    let text = w.text(key);
                    let t = self.new_tok(conn, &v.lang, text)?;
                    self.langs[li].1.insert(k, text, t);
                    t
                }
            };
            f(self, t);
        }
        for &b in &v.pairs {
            let known = self.langs[li].1.pairs[b as usize];
            let t = if known != u32::MAX {
                known
            } else {
                let t = self.new_tok(conn, &v.lang, &bigram_text(b.into()))?;
                self.langs[li].1.pairs[b as usize] = t;
                t
            };
            f(self, t);
        }
        Ok(())
    }

    /// The position of an index language's dictionary in `langs`.
    pub(super) fn lang(&mut self, l: &str) -> usize {
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

    /// Read (or create) a token's dictionary row; returns its position in `toks`.
    pub(super) fn new_tok(
        &mut self,
        conn: &Connection,
        l: &str,
        text: &str,
    ) -> rusqlite::Result<u32> {
        let found: Option<(i64, i64, i64)> = conn
            // A token no unit holds has no places counted with its rank:
            // it is ranked afresh (-1), like a new one.
            .prepare_cached(
                "SELECT id, chunks, CASE WHEN df > 0 THEN rank ELSE -1 END
                 FROM fz_token WHERE lang = ?1 AND text = ?2",
            )?
            .query_row(params![l, text], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let (id, chunks, rank) = match found {
            Some(found) => found,
            None => {
                conn.prepare_cached(
                    "INSERT INTO fz_token(lang, text, df, chunks, rank) VALUES (?1, ?2, 0, 0, 0)",
                )?
                .execute(params![l, text])?;
                (conn.last_insert_rowid(), 0, -1)
            }
        };
        let t = self.toks.len() as u32;
        self.toks.push(Tok {
            id,
            chunks,
            rank,
            df_delta: 0,
            dirty: false,
        });
        Ok(t)
    }

    /// Apply the buffered removals, then write the buffered postings: one
    /// new blob per token, into the TM or (`to_runs`) as a run.
    pub(super) fn flush(&mut self, conn: &Connection, to_runs: bool) -> IndexResult<()> {
        self.settle()?;
        let mut removals = std::mem::take(&mut self.removals);
        removals.sort_unstable();
        for group in removals.chunk_by(|a, b| a.0 == b.0) {
            let gone: FastSet<u64> = group.iter().map(|&(_, u)| u).collect();
            self.rewrite(conn, group[0].0, &gone, &[])?;
        }
        let keys = self.order_keys();
        self.pending_units.clear();
        if to_runs && self.open_runs() {
            let runs = self.runs.as_mut().expect("opened");
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
            return Ok(());
        }
        // Straight to the TM (a small transaction, or after a removal): a
        // scratch of its own, freed after. Kept from flush to flush here
        // too, it raised an `--on-duplicate update` re-import's peak 6 MB.
        let mut grouping = Grouping::default();
        grouping.group(&self.pending_toks, &self.pending_variants, &keys);
        self.pending_toks.clear();
        self.pending_variants.clear();
        let mut insert = conn.prepare_cached(INSERT_CHUNK)?;
        for t in 0..self.toks.len() as u32 {
            let list = grouping.list(t as usize);
            if list.is_empty() {
                continue;
            }
            self.count(&[(t, distinct(list) as u32)]);
            self.insert_blob(&mut insert, t, &encode(list))?;
        }
        Ok(())
    }

    /// The run file, made on first use; false when it cannot be made (then
    /// flushes go to the TM, as they can).
    pub(super) fn open_runs(&mut self) -> bool {
        if self.runs.is_none() {
            match tempfile::tempfile_in(&self.dir) {
                Ok(file) => {
                    self.runs = Some(Runs {
                        file: BufWriter::with_capacity(1 << 16, file),
                        len: 0,
                        list: Vec::new(),
                    })
                }
                Err(_) => self.spill = false,
            }
        }
        self.runs.is_some()
    }

    /// Flush a full buffer to the run file on a thread of its own while
    /// this one goes on with the next units: grouping and encoding a
    /// million postings was a seventh of a big import's writer thread, the
    /// import's critical path, and the other core has room. One flush at a
    /// time, so memory holds two buffers at most.
    pub(super) fn spill_in_background(&mut self, conn: &Connection) -> IndexResult<()> {
        self.settle()?;
        if !self.open_runs() {
            return self.flush(conn, false);
        }
        let mut runs = self.runs.take().expect("opened");
        let keys = self.order_keys();
        // The buffers the last flush gave back take the place of these.
        let (mut toks, mut variants) = std::mem::take(&mut self.spare);
        std::mem::swap(&mut toks, &mut self.pending_toks);
        std::mem::swap(&mut variants, &mut self.pending_variants);
        self.pending_units.clear();
        let mut grouping = std::mem::take(&mut self.grouping);
        self.spilling.0 = Some(std::thread::spawn(move || {
            let counts = spill(&mut runs, &mut grouping, &toks, &variants, &keys)?;
            toks.clear();
            variants.clear();
            Ok(Spilled {
                runs,
                counts,
                toks,
                variants,
                grouping,
            })
        }));
        Ok(())
    }

    /// `order_keys` for this builder's tokens.
    fn order_keys(&mut self) -> Vec<u64> {
        let units = std::mem::take(&mut self.batch_units);
        order_keys(&mut self.toks, &self.pending_toks, units)
    }

    /// Wait for the flush `spilling`, if any, and take its run file and
    /// counts back.
    pub(super) fn settle(&mut self) -> IndexResult<()> {
        if let Some(flush) = self.spilling.0.take() {
            let done = flush.join().expect("the index flush panicked")?;
            self.runs = Some(done.runs);
            self.count(&done.counts);
            self.spare = (done.toks, done.variants);
            self.grouping = done.grouping;
        }
        Ok(())
    }

    /// Add a flush's (token, distinct units) to the document frequencies.
    pub(super) fn count(&mut self, counts: &[(u32, u32)]) {
        for &(t, n) in counts {
            let tok = &mut self.toks[t as usize];
            tok.df_delta += i64::from(n);
            tok.dirty = true;
        }
    }

    /// Write the spilled runs into the TM as the flushes would have (a blob
    /// per token per run), before a removal: removals rewrite blobs in the
    /// TM. From here on flushes go to the TM.
    pub(super) fn stop_spilling(&mut self, conn: &Connection) -> IndexResult<()> {
        self.settle()?;
        self.spill = false;
        let Some(runs) = self.runs.take() else {
            return Ok(());
        };
        let file = written(runs.file, RUN_FILE)?;
        let blobs = runs.list.iter().flat_map(|run| run.blobs.iter().copied());
        let mut insert = conn.prepare_cached(INSERT_CHUNK)?;
        let mut joining = Joining::default();
        each_blob(file, blobs, RUN_FILE, |t, data| {
            // From the run's form to the TM's.
            let blob = join(&[data], true, &mut joining).ok_or(IndexError::Damaged(RUN_DAMAGED))?;
            Ok(self.insert_blob(&mut insert, t, &blob)?)
        })
    }

    /// Write each token's postings from all runs as one blob (see
    /// `join_runs`). The join runs on a thread of its own (the import's
    /// reader has finished, so a core is free) and hands the blobs over a
    /// short queue, while this one inserts them.
    pub(super) fn write_runs(&mut self, conn: &Connection, runs: Runs) -> IndexResult<()> {
        let tokens = self.toks.len() as u32;
        let mut insert = conn.prepare_cached(INSERT_CHUNK)?;
        // A few blobs ahead is enough to keep both threads busy, and bounds
        // the memory they hold (a common word's blob is a megabyte).
        let (send, joined) = std::sync::mpsc::sync_channel(4);
        std::thread::scope(|scope| {
            scope.spawn(move || {
                // The receiver is gone when an insert failed: then there is
                // nothing more to do.
                let done = join_runs(runs, tokens, |t, data| Ok(send.send(Ok((t, data))).is_ok()));
                if let Err(e) = done {
                    let _ = send.send(Err(e));
                }
            });
            for blob in joined {
                let (t, data) = blob?;
                self.insert_blob(&mut insert, t, &data)?;
            }
            Ok(())
        })
    }

    /// Start joining the runs (see `join_runs`) into a file of their own,
    /// on a thread of their own, for `finish` to insert: the commit's other
    /// work (building the deferred indexes, on this thread) goes on
    /// meanwhile. Joining beside the inserts instead, this thread waited
    /// for the join two thirds of the time. Nothing can be indexed after
    /// this. Without a file for it, `finish` joins as usual.
    pub fn join_ahead(&mut self, conn: &Connection) -> IndexResult<()> {
        self.last_flush(conn)?;
        let Some(runs) = self.runs.take() else {
            return Ok(());
        };
        let out = match tempfile::tempfile_in(&self.dir) {
            Ok(file) => BufWriter::with_capacity(1 << 16, file),
            Err(_) => {
                self.runs = Some(runs);
                return Ok(());
            }
        };
        let tokens = self.toks.len() as u32;
        self.ahead.0 = Some(std::thread::spawn(move || {
            let (mut out, mut blobs) = (out, Vec::new());
            join_runs(runs, tokens, |t, data| {
                out.write_all(&data)
                    .map_err(|e| IndexError::file(JOINED_FILE, e))?;
                let size = u32::try_from(data.len()).map_err(IndexError::BlobTooBig)?;
                blobs.push((t, size));
                Ok(true)
            })?;
            Ok(Joined {
                file: written(out, JOINED_FILE)?,
                blobs,
            })
        }));
        Ok(())
    }

    /// Insert the blobs `join_ahead` wrote, in order.
    pub(super) fn insert_joined(&mut self, conn: &Connection, joined: Joined) -> IndexResult<()> {
        let mut insert = conn.prepare_cached(INSERT_CHUNK)?;
        each_blob(joined.file, joined.blobs, JOINED_FILE, |t, data| {
            Ok(self.insert_blob(&mut insert, t, data)?)
        })
    }

    pub(super) fn insert_blob(
        &mut self,
        insert: &mut CachedStatement,
        t: u32,
        data: &[u8],
    ) -> rusqlite::Result<()> {
        let tok = &mut self.toks[t as usize];
        insert.execute(params![tok.id, data])?;
        tok.chunks += 1;
        Ok(())
    }

    /// Write the dictionary's counts (once per transaction: cheaper than
    /// once per flush).
    pub(super) fn write_counts(&mut self, conn: &Connection) -> rusqlite::Result<()> {
        let mut update = conn.prepare_cached(
            "UPDATE fz_token SET df = df + ?1, chunks = ?2, rank = ?4 WHERE id = ?3",
        )?;
        for tok in self.toks.iter_mut().filter(|t| t.dirty) {
            update.execute(params![tok.df_delta, tok.chunks, tok.id, tok.rank.max(0)])?;
            tok.df_delta = 0;
            tok.dirty = false;
        }
        let mut langs = conn.prepare_cached(
            "INSERT INTO fz_lang(lang, variants) VALUES (?1, ?2)
             ON CONFLICT(lang) DO UPDATE SET variants = variants + excluded.variants",
        )?;
        for ((l, _), delta) in self.langs.iter().zip(&mut self.lang_delta) {
            let delta = std::mem::take(delta);
            langs.execute(params![l, delta])?;
        }
        Ok(())
    }

    /// Replace all blobs of a token by one: the stored postings minus the
    /// units in `gone`, plus `add` (packed, sorted).
    pub(super) fn rewrite(
        &mut self,
        conn: &Connection,
        t: u32,
        gone: &FastSet<u64>,
        add: &[u64],
    ) -> rusqlite::Result<()> {
        let id = self.toks[t as usize].id;
        // In the order written (see `sort_runs` and `join`).
        let blobs: Vec<Vec<u8>> = conn
            .prepare_cached("SELECT data FROM fz_chunk WHERE token_id = ?1 ORDER BY id")?
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        conn.prepare_cached("DELETE FROM fz_chunk WHERE token_id = ?1")?
            .execute([id])?;
        let parts: Vec<&[u8]> = blobs.iter().map(Vec::as_slice).collect();
        let data = merged(&parts, gone, add)?;
        let tok = &mut self.toks[t as usize];
        tok.chunks = 0;
        tok.dirty = true;
        if !data.is_empty() {
            conn.prepare_cached(INSERT_CHUNK)?
                .execute(params![id, data])?;
            tok.chunks = 1;
        }
        Ok(())
    }
}

/// Schema 0005: every stored blob rewritten with group keys that hold a
/// place (`codec::with_places`: place 0 for the postings already there).
/// Runs inside the migration's transaction.
pub fn add_places(conn: &Connection) -> rusqlite::Result<()> {
    let mut read =
        conn.prepare("SELECT id, data FROM fz_chunk WHERE id > ?1 ORDER BY id LIMIT 256")?;
    let mut write = conn.prepare("UPDATE fz_chunk SET data = ?2 WHERE id = ?1")?;
    let mut after = i64::MIN;
    loop {
        let batch: Vec<(i64, Vec<u8>)> = read
            .query_map([after], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let Some(&(last, _)) = batch.last() else {
            return Ok(());
        };
        for (id, data) in batch {
            write.execute(params![id, super::codec::with_places(&data)?])?;
        }
        after = last;
    }
}

/// Each token's key in the fixed order (`order`), by position in `toks`:
/// what a flush counts places by. The tokens the flush's postings
/// (`pending`, from `units` units) write first get their rank here.
pub(super) fn order_keys(toks: &mut [Tok], pending: &[u32], units: u64) -> Vec<u64> {
    let ranks = new_ranks(pending, toks.len(), |t| toks[t as usize].rank < 0, units);
    for (t, rank) in ranks {
        let tok = &mut toks[t as usize];
        tok.rank = rank;
        tok.dirty = true;
    }
    toks.iter().map(|t| order_key(t.rank, t.id)).collect()
}

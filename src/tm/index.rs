//! The fuzzy-match and concordance index, kept inside the TM file and written
//! in the same transaction as the units it indexes (schema 0002).
//!
//! The store's single insert path and its delete path call an `Indexer`;
//! nothing else writes the index.
//!
//! What is indexed: for every unit, the first variant of each language
//! (by primary subtag: `ar-SY` is indexed as `ar`), as the set of its
//! *content tokens*: the matching-key tokens that are words or numbers, every
//! number being the single token `#` (numbers are placeables: any number
//! matches any number), plus hash buckets of adjacent content-token pairs
//! (`bigram`, for phrase search). Punctuation is not indexed; the matcher
//! scores it separately. A posting is (unit id, the variant's length in
//! content tokens).
//!
//! Layout: `fz_token(id, lang, text, df, chunks)` is the dictionary;
//! `fz_chunk(token_id, data)` holds a token's postings in a few blobs. A blob
//! is a sequence of groups, one per length, ascending:
//! `[len][count][byte size][count delta-varint unit ids, ascending]`, all
//! LEB128 varints. A lookup with a length filter skips whole groups without
//! decoding them, and reads only the rows of the query's own tokens: no
//! start-up work, no whole-index load.
//!
//! Writing: an import's reader thread works out each variant's tokens
//! (`unit_tokens`); the writer buffers postings in memory and flushes them
//! as one blob per token every `FLUSH_POSTINGS` postings and at `finish`.
//! A full buffer goes to a temporary run file (`Runs`); at commit each
//! token's blobs from all runs are joined into one and written to the TM
//! (into an empty TM the join starts early, `join_ahead`, beside the
//! deferred indexes).
//! After a removal, flushes go to the TM directly, and at `finish` a
//! token left with more than `MAX_CHUNKS` blobs has them merged into one,
//! so reads stay a handful of rows per token (dictionary counts are
//! written once, at `finish`). Removing a unit rewrites the blobs of its
//! tokens without it (all removals of one flush batched per token).

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

use anyhow::Context as _;

use rusqlite::{params, CachedStatement, Connection, OptionalExtension};

use crate::text::normalize::{KeyToken, TokenKind};
use crate::text::{lang, normalize};

/// The token every number is indexed and matched as.
pub const NUMBER: &str = "#";

/// Postings buffered before a flush (4 bytes each, 8 more while a flush
/// groups them, and 12 per variant: ~13 MB), sized with the 8 MiB page
/// cache to keep a 1M-unit import under 100 MB.
const FLUSH_POSTINGS: usize = 1_000_000;

/// Blobs a token may have before they are merged into one.
const MAX_CHUNKS: i64 = 8;

pub use crate::text::normalize::is_content;

/// A HashMap with rustc's FxHash (`rustc-hash`): much faster than SipHash
/// for the short keys here; no DoS concern for a local index.
pub type FastMap<K, V> = rustc_hash::FxHashMap<K, V>;
/// A HashSet with rustc's FxHash.
pub type FastSet<K> = rustc_hash::FxHashSet<K>;

/// One step of the index's format hash (`bigram`'s buckets, and the high
/// half of `word_hash`): FxHash's multiply-rotate. Not a map hasher: its
/// values are stored (as the bucket tokens' text), so it is written out
/// here, fixed, rather than taken from a crate whose function may change.
#[inline]
fn fx_step(h: u64, w: u64) -> u64 {
    (h.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
}

/// `fx_step` over a string's bytes: little-endian 8-byte words, the last
/// 1 to 7 bytes zero padded (`tail_word`).
#[inline]
fn fx_bytes(mut h: u64, bytes: &[u8]) -> u64 {
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        h = fx_step(h, u64::from_le_bytes(c.try_into().expect("8 bytes")));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        h = fx_step(h, tail_word(rest));
    }
    h
}

/// The last 1 to 7 bytes of a hashed string as a little-endian u64, zero
/// padded: what copying them into a zeroed `[u8; 8]` gives, from loads
/// alone. The copy was a call to `memcpy` whose small stores the 8-byte
/// load then waited on: a fifth of the reader's token hashing.
#[inline]
fn tail_word(rest: &[u8]) -> u64 {
    let n = rest.len();
    debug_assert!((1..8).contains(&n));
    if n >= 4 {
        // Two 4-byte loads that overlap in the middle.
        let lo = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]);
        let hi = u32::from_le_bytes([rest[n - 4], rest[n - 3], rest[n - 2], rest[n - 1]]);
        u64::from(lo) | (u64::from(hi) << (8 * (n - 4)))
    } else {
        // 1 to 3 bytes: the first, middle and last (some the same).
        u64::from(rest[0])
            | (u64::from(rest[n / 2]) << (8 * (n / 2)))
            | (u64::from(rest[n - 1]) << (8 * (n - 1)))
    }
}

/// Prefetch the lines of `len` items from `ptr` (at most the first KiB).
pub(crate) fn prefetch<T>(ptr: *const T, len: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let bytes = (len * std::mem::size_of::<T>()).min(1024);
        let ptr = ptr.cast::<i8>();
        for off in (0..bytes).step_by(64) {
            // SAFETY: a prefetch is a hint that never faults and reads
            // nothing the program sees, whatever the address; SSE is part
            // of every x86_64 CPU.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(ptr.wrapping_add(off)) };
        }
    }
}

/// The content tokens of a matching key, in order: words as they are,
/// numbers as `NUMBER`, punctuation dropped.
pub fn content_tokens(key: &str) -> Vec<&str> {
    normalize::key_token_iter(key)
        .filter_map(|t| index_word(key, &t).map(|(text, _, _)| text))
        .collect()
}

/// What the index makes of a key token: a word as it is, any number as
/// `NUMBER`, punctuation nothing; with the word's place in the key
/// (`NUMBER_AT` for a number).
#[inline]
fn index_word<'k>(key: &'k str, t: &KeyToken) -> Option<(&'k str, u32, u32)> {
    match t.kind {
        TokenKind::Other => None,
        TokenKind::Number => Some((NUMBER, NUMBER_AT, NUMBER_AT)),
        TokenKind::Word => Some((&key[t.start as usize..t.end as usize], t.start, t.end)),
    }
}

/// The language a variant is indexed under: its primary subtag, lowercase.
pub fn index_lang(tag: &str) -> String {
    lang::primary(tag).to_ascii_lowercase()
}

/// Buckets of adjacent-pair tokens (a power of two).
const BIGRAM_BUCKETS: u64 = 1 << 12;

/// The index token of two adjacent content tokens, for phrase search: one
/// of `BIGRAM_BUCKETS` hash buckets, written `\u{1}` + 3 hex digits (no
/// word starts with U+0001, so these never meet a word). Bucketing keeps
/// the dictionary small; a bucket's postings are a superset of the pair's,
/// which concordance verifies anyway. The hash is part of the format:
/// changing it needs a migration that rebuilds the index.
pub fn bigram(a: &str, b: &str) -> String {
    bigram_text(bigram_bucket(a, b))
}

fn bigram_bucket(a: &str, b: &str) -> usize {
    bigram_bucket_after(fx_bytes(0, a.as_bytes()), b)
}

/// `bigram_bucket(a, b)` from the hash state after `a`, which is the
/// high half of `word_hash(a)`: the indexer hashes each word once.
fn bigram_bucket_after(a: u64, b: &str) -> usize {
    let h = fx_bytes(fx_step(a, 0xFF), b.as_bytes());
    ((h >> 48) % BIGRAM_BUCKETS) as usize
}

fn bigram_text(bucket: usize) -> String {
    format!("\u{1}{bucket:03x}")
}

/// One distinct word of a variant: its hash and where it is in the key
/// (`NUMBER_AT` for the number token, which is not in the key's text).
#[derive(Debug, Clone, Copy)]
struct Word {
    /// `word_hash`, in two halves: 24 bytes a word, not 32 (a u128 is
    /// 16-aligned), and these cross from the reader thread to the writer.
    hash: [u64; 2],
    start: u32,
    end: u32,
}

const NUMBER_AT: u32 = u32::MAX;

impl Word {
    fn hash(&self) -> u128 {
        (u128::from(self.hash[0]) << 64) | u128::from(self.hash[1])
    }

    /// The dictionary's hash of the word: both halves folded, then one
    /// FxHash step (what the map keyed by the 128-bit hash used).
    #[inline]
    fn key(&self) -> u64 {
        fx_step(0, self.hash[0] ^ self.hash[1])
    }

    fn text<'k>(&self, key: &'k str) -> &'k str {
        if self.start == NUMBER_AT {
            NUMBER
        } else {
            &key[self.start as usize..self.end as usize]
        }
    }
}

/// A word's hash: two independent 64-bit hashes of its text, worked out
/// once on the reader thread. Only a hash: the writer's dictionary
/// (`LangDict`) and the per-variant dedup compare the words' text as well,
/// so two words that share all 128 bits stay two tokens. The high half is
/// `fx_bytes(0, word)`, which `bigram_bucket_after` goes on from.
fn word_hash(word: &str) -> u128 {
    // Two FxHash-style states over the same 8-byte words, in one pass.
    let (mut a, mut b) = (0u64, 0x9E37_79B9_7F4A_7C15u64 ^ word.len() as u64);
    let mut mix = |w: u64| {
        a = (a.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        b = (b.rotate_left(23) ^ w).wrapping_mul(0x2545_F491_4F6C_DD1D);
    };
    let mut chunks = word.as_bytes().chunks_exact(8);
    for c in &mut chunks {
        mix(u64::from_le_bytes(c.try_into().expect("8 bytes")));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        mix(tail_word(rest));
    }
    (u128::from(a) << 64) | u128::from(b)
}

/// The index tokens of one variant, worked out without the database (an
/// import does it on its reader thread, while the writer thread writes).
#[derive(Debug, Clone, Default)]
pub struct VariantTokens {
    /// The index language (primary subtag).
    lang: String,
    /// Which of the unit's matching keys these tokens are from.
    key: usize,
    /// Length in content tokens.
    len: u32,
    /// Distinct words and numbers.
    words: Vec<Word>,
    /// Distinct adjacent-pair buckets.
    pairs: Vec<u16>,
}

impl VariantTokens {
    /// See `Prepared::prefetch`.
    pub(crate) fn prefetch(&self) {
        prefetch(self.words.as_ptr(), self.words.len());
        prefetch(self.pairs.as_ptr(), self.pairs.len());
    }
}

/// The index tokens of a unit's indexed variants (see `indexed`), from its
/// variants' (lang, matching key, the key's tokens) in unit order, into
/// `out`, whose buffers are reused (an import's reader refills them for
/// every unit).
pub fn unit_tokens_into<'k>(
    variants: impl Iterator<Item = (&'k str, &'k str, &'k [KeyToken])>,
    out: &mut Vec<VariantTokens>,
) {
    first_of_each_lang(
        variants.map(|(tag, key, tokens)| (tag, key, tokens.len(), tokens.iter().copied())),
        out,
    );
}

/// `unit_tokens_into` of stored (lang, matching key) pairs: the keys'
/// tokens are split off as they are read, with no list of them made.
pub fn stored_unit_tokens(variants: &[(&str, &str)]) -> Vec<VariantTokens> {
    let mut out = Vec::with_capacity(variants.len());
    first_of_each_lang(
        variants.iter().map(|&(tag, key)| {
            let most = key.bytes().filter(|&b| b == b' ').count() + 1;
            (tag, key, most, normalize::key_token_iter(key))
        }),
        &mut out,
    );
    out
}

/// The first variant of each index language, with its tokens, from (lang
/// tag, key, at most how many tokens, the tokens), into `out`.
fn first_of_each_lang<'k, T: Iterator<Item = KeyToken>>(
    variants: impl Iterator<Item = (&'k str, &'k str, usize, T)>,
    out: &mut Vec<VariantTokens>,
) {
    let mut used = 0;
    for (pos, (tag, key, most, tokens)) in variants.enumerate() {
        // `index_lang`, compared without making the string.
        let l = lang::primary(tag);
        if out[..used].iter().any(|v| v.lang.eq_ignore_ascii_case(l)) {
            continue;
        }
        if used == out.len() {
            out.push(VariantTokens::default());
        }
        let v = &mut out[used];
        v.lang.clear();
        v.lang.push_str(l);
        v.lang.make_ascii_lowercase();
        variant_tokens(v, pos, key, most, tokens);
        used += 1;
    }
    out.truncate(used);
}

/// Fill `v` (its language set) with the tokens of the unit's key `pos`.
fn variant_tokens(
    v: &mut VariantTokens,
    pos: usize,
    key: &str,
    most: usize,
    tokens: impl Iterator<Item = KeyToken>,
) {
    // Lists grown by a huge segment are not kept for the next one.
    if v.words.capacity() > 1 << 12 {
        (v.words, v.pairs) = (Vec::new(), Vec::new());
    }
    let (words, pairs) = (&mut v.words, &mut v.pairs);
    // Doubling, not exact: these are reused for every unit (see `reusing`
    // in text::normalize).
    words.clear();
    words.reserve(most);
    pairs.clear();
    pairs.reserve(most);
    // The previous word's hasher state (see `bigram_bucket_after`).
    let mut prev: Option<u64> = None;
    let mut len = 0u32;
    for t in tokens {
        let Some((text, start, end)) = index_word(key, &t) else {
            continue;
        };
        len += 1;
        let hash = word_hash(text);
        words.push(Word {
            hash: [(hash >> 64) as u64, hash as u64],
            start,
            end,
        });
        if let Some(p) = prev {
            pairs.push(bigram_bucket_after(p, text) as u16);
        }
        prev = Some((hash >> 64) as u64);
    }
    // Distinct by text: sorted by hash, and equal hashes by text (compared
    // only when the hashes are equal), so each word's copies are adjacent.
    words.sort_unstable_by(|a, b| {
        a.hash()
            .cmp(&b.hash())
            .then_with(|| a.text(key).cmp(b.text(key)))
    });
    words.dedup_by(|a, b| a.hash == b.hash && a.text(key) == b.text(key));
    pairs.sort_unstable();
    pairs.dedup();
    v.key = pos;
    v.len = len;
}

/// The writer's view of one language's dictionary: tokens as positions in
/// `Indexer::toks`.
#[derive(Default)]
struct LangDict {
    /// The words seen, keyed by their text (exact: the hash only finds the
    /// slot; see `WordEntry`).
    words: hashbrown::HashTable<WordEntry>,
    /// The text of words longer than `WordEntry::INLINE` bytes, end to end.
    long: String,
    /// Bucket → position (`u32::MAX`: not looked up yet).
    pairs: Vec<u32>,
}

/// A word of `LangDict`: 32 bytes, as the (128-bit hash, position) entry
/// that trusted the hash was. A word of up to 16 bytes (most: an Arabic
/// word of 8 letters) is compared in the entry itself, so finding it costs
/// no more memory reads than the hash alone did; a longer one's text is in
/// `LangDict::long`.
#[derive(Clone, Copy)]
struct WordEntry {
    /// The table's hash of the word (`Word::key`), compared first.
    key: u64,
    tok: u32,
    len: u32,
    /// The word's bytes, zero padded; for a longer word, its offset in
    /// `LangDict::long` (little-endian, first 8 bytes).
    text: [u8; 16],
}

impl WordEntry {
    const INLINE: usize = 16;
}

impl LangDict {
    /// The position in `toks` of a word's token, if the word was seen.
    #[inline]
    fn find(&self, key: u64, text: &str) -> Option<u32> {
        let bytes = text.as_bytes();
        self.words
            .find(key, |e| {
                e.key == key
                    && e.len as usize == bytes.len()
                    && if bytes.len() <= WordEntry::INLINE {
                        &e.text[..bytes.len()] == bytes
                    } else {
                        let at = u64::from_le_bytes(e.text[..8].try_into().expect("8 bytes"));
                        &self.long.as_bytes()[at as usize..][..bytes.len()] == bytes
                    }
            })
            .map(|e| e.tok)
    }

    /// Record a word not seen before (`find` gave None) as token `tok`.
    fn insert(&mut self, key: u64, text: &str, tok: u32) {
        let bytes = text.as_bytes();
        let mut inline = [0u8; 16];
        if bytes.len() <= WordEntry::INLINE {
            inline[..bytes.len()].copy_from_slice(bytes);
        } else {
            inline[..8].copy_from_slice(&(self.long.len() as u64).to_le_bytes());
            self.long.push_str(text);
        }
        let entry = WordEntry {
            key,
            tok,
            // A token of 4 GB cannot be in a key of a unit SQLite holds.
            len: u32::try_from(bytes.len()).unwrap_or(u32::MAX),
            text: inline,
        };
        self.words.insert_unique(key, entry, |e| e.key);
    }
}

struct Tok {
    id: i64,
    chunks: i64,
    /// Change to `df` not yet written.
    df_delta: i64,
    dirty: bool,
}

/// A posting packed into a u64 that sorts as (length, unit): the length in
/// the top 24 bits, the unit id in the low 40.
const UNIT_BITS: u32 = 40;

fn pack(len: u32, unit: u64) -> u64 {
    (u64::from(len.min((1 << (64 - UNIT_BITS)) - 1)) << UNIT_BITS) | unit
}

fn unpack(p: u64) -> (u32, u64) {
    ((p >> UNIT_BITS) as u32, p & ((1 << UNIT_BITS) - 1))
}

/// Updates the index for units added or removed inside one transaction.
/// Buffers in memory and writes at `finish` (and whenever the buffer is
/// full: to the run file while it can, see `Runs`).
#[derive(Default)]
pub struct Indexer {
    /// Index langs and their dictionaries (a unit has few languages: a
    /// scan beats hashing the tag for every token).
    langs: Vec<(String, LangDict)>,
    toks: Vec<Tok>,
    /// Postings waiting to be written, in arrival order, as two flat arrays
    /// that only grow at the end (appending to one list per token instead
    /// missed the cache on nearly every posting): each posting's token (its
    /// position in `toks`), and per variant its packed posting and where
    /// its tokens end in `pending_toks` (4 bytes a posting, not 12).
    pending_toks: Vec<u32>,
    pending_variants: Vec<(u64, u32)>,
    pending_units: FastSet<u64>,
    /// (token, unit) to take out of the stored postings.
    removals: Vec<(u32, u64)>,
    /// Per entry of `langs`: change to `fz_lang.variants` not yet written.
    lang_delta: Vec<i64>,
    /// Full buffers flushed to the run file, not yet in the TM (None while
    /// a flush is `spilling` to it).
    runs: Option<Runs>,
    /// A flush to the run file at work on a thread of its own (see
    /// `spill_in_background`), and the buffers the last one gave back.
    spilling: Background<Spilled>,
    spare: (Vec<u32>, Vec<(u64, u32)>),
    grouping: Grouping,
    /// Flushes may go to the run file: until the first removal, and while
    /// the file can be made.
    spill: bool,
    /// Where to make the run file: beside the TM.
    dir: PathBuf,
    /// Postings buffered before a flush: `FLUSH_POSTINGS` (tests set it low).
    flush_at: usize,
    /// The runs being joined into a file of their own (`join_ahead`).
    ahead: Background<Joined>,
}

/// Flushed postings waiting for `finish`, in an anonymous temporary file
/// beside the TM (on the disk that holds it; it vanishes when closed, even
/// if the process is killed). A run is one flush: a blob per token, tokens
/// ascending, what the flush would have inserted but for the groups' last
/// ids (`encode_as`). At commit the runs are read side by side and each
/// token's blobs joined (`join`) into one: each posting reaches SQLite
/// once, where inserting every flush's blobs and merging them back at
/// commit wrote a big import's index twice.
///
/// Removals are applied to blobs in the TM, so the first removal writes
/// the runs there (`stop_spilling`) and later flushes go to the TM as well.
struct Runs {
    file: BufWriter<File>,
    /// Bytes written.
    len: u64,
    list: Vec<Run>,
}

struct Run {
    start: u64,
    /// (token position, blob size), tokens ascending: 8 bytes per token
    /// per run.
    blobs: Vec<(u32, u32)>,
}

/// Adds one blob of a token's postings.
const INSERT_CHUNK: &str = "INSERT INTO fz_chunk(token_id, data) VALUES (?1, ?2)";

/// What went wrong when the run file cannot be read back.
const RUN_FILE: &str = "cannot read back the index's run file beside the TM";

/// What went wrong when it reads back other than it was written.
const RUN_DAMAGED: &str = "the index's run file beside the TM reads back damaged";

/// A temporary file with everything written to it, to read back; `what`
/// says which when it cannot be.
fn written(file: BufWriter<File>, what: &'static str) -> anyhow::Result<File> {
    file.into_inner().map_err(|e| e.into_error()).context(what)
}

/// Each (token, blob) of `file`, from its start, in the order `blobs` gives
/// them with their sizes (how runs and the joined file are read back).
fn each_blob(
    mut file: File,
    blobs: impl IntoIterator<Item = (u32, u32)>,
    what: &'static str,
    mut f: impl FnMut(u32, &[u8]) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    file.seek(SeekFrom::Start(0)).context(what)?;
    let mut file = BufReader::with_capacity(1 << 16, file);
    let mut data = Vec::new();
    for (t, size) in blobs {
        data.resize(size as usize, 0);
        file.read_exact(&mut data).context(what)?;
        f(t, &data)?;
    }
    Ok(())
}

/// One run being joined: its blobs in order, through its own buffer.
struct RunReader {
    blobs: Vec<(u32, u32)>,
    next: usize,
    buf: Vec<u8>,
    /// Where the next blob starts in `buf`.
    at: usize,
    /// The part of the file not read yet.
    pos: u64,
    end: u64,
}

impl RunReader {
    /// Bring the next blob into the buffer if it is token `t`'s.
    fn load(&mut self, file: &mut File, t: u32, chunk: usize) -> io::Result<bool> {
        let size = match self.blobs.get(self.next) {
            Some(&(tok, size)) if tok == t => size as usize,
            _ => return Ok(false),
        };
        if self.buf.len() - self.at < size {
            self.buf.drain(..self.at);
            self.at = 0;
            let missing = size - self.buf.len();
            let want = missing.max(chunk).min((self.end - self.pos) as usize);
            if want < missing {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "a run ends early",
                ));
            }
            let old = self.buf.len();
            self.buf.resize(old + want, 0);
            file.seek(SeekFrom::Start(self.pos))?;
            file.read_exact(&mut self.buf[old..])?;
            self.pos += want as u64;
        }
        Ok(true)
    }

    /// The blob `load` brought in.
    fn blob(&self) -> &[u8] {
        &self.buf[self.at..self.at + self.blobs[self.next].1 as usize]
    }

    fn advance(&mut self) {
        self.at += self.blobs[self.next].1 as usize;
        self.next += 1;
    }
}

/// Token `t`'s blobs from every run that has one, joined into one blob;
/// None when no run has postings of `t`. `with` and `joining` are scratch.
fn join_token(
    readers: &mut [RunReader],
    file: &mut File,
    t: u32,
    chunk: usize,
    (with, joining): (&mut Vec<usize>, &mut Joining),
) -> anyhow::Result<Option<Vec<u8>>> {
    with.clear();
    for (i, r) in readers.iter_mut().enumerate() {
        if r.load(file, t, chunk).context(RUN_FILE)? {
            with.push(i);
        }
    }
    if with.is_empty() {
        return Ok(None);
    }
    let parts: Vec<&[u8]> = with.iter().map(|&i| readers[i].blob()).collect();
    // Later runs hold later units, so the join cannot fail unless the
    // file was damaged.
    let data = join(&parts, true, joining).context(RUN_DAMAGED)?;
    for &i in with.iter() {
        readers[i].advance();
    }
    Ok(Some(data))
}

/// Join the runs' blobs token by token, for tokens `0..tokens`: the runs
/// are read side by side, front to back, each through its own buffer, and
/// each token's blobs joined into one (`join`), handed to `sink` (which
/// says whether to go on).
fn join_runs(
    runs: Runs,
    tokens: u32,
    mut sink: impl FnMut(u32, Vec<u8>) -> anyhow::Result<bool>,
) -> anyhow::Result<()> {
    let mut file = written(runs.file, RUN_FILE)?;
    // 1 MiB of buffers in all, 4 to 64 KiB each: small enough to stay in
    // the core's cache (with 8 MiB, reading each run's next blob was a
    // cache miss, most of the join's time).
    let chunk = ((1 << 20) / runs.list.len().max(1)).clamp(4 << 10, 64 << 10);
    let ends: Vec<u64> = runs
        .list
        .iter()
        .skip(1)
        .map(|r| r.start)
        .chain([runs.len])
        .collect();
    let mut readers: Vec<RunReader> = runs
        .list
        .into_iter()
        .zip(ends)
        .map(|(run, end)| RunReader {
            blobs: run.blobs,
            next: 0,
            buf: Vec::new(),
            at: 0,
            pos: run.start,
            end,
        })
        .collect();
    let (mut with, mut joining) = Default::default();
    for t in 0..tokens {
        let scratch = (&mut with, &mut joining);
        if let Some(data) = join_token(&mut readers, &mut file, t, chunk, scratch)? {
            if !sink(t, data)? {
                break;
            }
        }
    }
    Ok(())
}

/// What `Indexer::join_ahead` gives back: the joined blobs, one per token,
/// in a file, and (token, size) for each in order.
struct Joined {
    file: File,
    blobs: Vec<(u32, u32)>,
}

/// What went wrong when the joined blobs cannot be written or read back.
const JOINED_FILE: &str = "cannot write or read back the index's joined file beside the TM";

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
    ) -> anyhow::Result<()> {
        let unit = unit_id as u64;
        if unit >= 1 << UNIT_BITS {
            return Err(rusqlite::Error::IntegralValueOutOfRange(0, unit_id).into());
        }
        for v in tokens {
            let packed = pack(v.len, unit);
            let li = self.lang(&v.lang);
            // Document frequencies are counted at the flush, from the lists.
            self.each_token(conn, li, &keys[v.key], v, |ix, t| ix.pending_toks.push(t))?;
            let end = u32::try_from(self.pending_toks.len()).context("too many postings")?;
            self.pending_variants.push((packed, end));
            self.lang_delta[li] += 1;
        }
        self.pending_units.insert(unit);
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
    pub fn remove(&mut self, conn: &Connection, unit_id: i64) -> anyhow::Result<()> {
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
    pub fn finish(mut self, conn: &Connection) -> anyhow::Result<()> {
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
    fn last_flush(&mut self, conn: &Connection) -> anyhow::Result<()> {
        self.settle()?;
        self.flush(conn, self.runs.is_some())?;
        // The flushes' buffers are done with: their memory goes to the join.
        (self.spare, self.grouping) = Default::default();
        Ok(())
    }

    /// Call `f` with the position in `toks` of each of a variant's index
    /// tokens (words, then adjacent-pair buckets), creating dictionary
    /// entries as needed; `li` is `self.lang(&v.lang)`.
    fn each_token(
        &mut self,
        conn: &Connection,
        li: usize,
        key: &str,
        v: &VariantTokens,
        mut f: impl FnMut(&mut Self, u32),
    ) -> rusqlite::Result<()> {
        for w in &v.words {
            let (k, text) = (w.key(), w.text(key));
            let t = match self.langs[li].1.find(k, text) {
                Some(t) => t,
                None => {
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

    /// Read (or create) a token's dictionary row; returns its position in `toks`.
    fn new_tok(&mut self, conn: &Connection, l: &str, text: &str) -> rusqlite::Result<u32> {
        let found: Option<(i64, i64)> = conn
            .prepare_cached("SELECT id, chunks FROM fz_token WHERE lang = ?1 AND text = ?2")?
            .query_row(params![l, text], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let (id, chunks) = match found {
            Some(found) => found,
            None => {
                conn.prepare_cached(
                    "INSERT INTO fz_token(lang, text, df, chunks) VALUES (?1, ?2, 0, 0)",
                )?
                .execute(params![l, text])?;
                (conn.last_insert_rowid(), 0)
            }
        };
        let t = self.toks.len() as u32;
        self.toks.push(Tok {
            id,
            chunks,
            df_delta: 0,
            dirty: false,
        });
        Ok(t)
    }

    /// Apply the buffered removals, then write the buffered postings: one
    /// new blob per token, into the TM or (`to_runs`) as a run.
    fn flush(&mut self, conn: &Connection, to_runs: bool) -> anyhow::Result<()> {
        self.settle()?;
        let mut removals = std::mem::take(&mut self.removals);
        removals.sort_unstable();
        for group in removals.chunk_by(|a, b| a.0 == b.0) {
            let gone: FastSet<u64> = group.iter().map(|&(_, u)| u).collect();
            self.rewrite(conn, group[0].0, &gone, &[])?;
        }
        self.pending_units.clear();
        if to_runs && self.open_runs() {
            let runs = self.runs.as_mut().expect("opened");
            let counts = spill(
                runs,
                &mut self.grouping,
                &self.pending_toks,
                &self.pending_variants,
                self.toks.len(),
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
        grouping.group(&self.pending_toks, &self.pending_variants, self.toks.len());
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
    fn open_runs(&mut self) -> bool {
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
    fn spill_in_background(&mut self, conn: &Connection) -> anyhow::Result<()> {
        self.settle()?;
        if !self.open_runs() {
            return self.flush(conn, false);
        }
        let mut runs = self.runs.take().expect("opened");
        // The buffers the last flush gave back take the place of these.
        let (mut toks, mut variants) = std::mem::take(&mut self.spare);
        std::mem::swap(&mut toks, &mut self.pending_toks);
        std::mem::swap(&mut variants, &mut self.pending_variants);
        self.pending_units.clear();
        let mut grouping = std::mem::take(&mut self.grouping);
        let ntoks = self.toks.len();
        self.spilling.0 = Some(std::thread::spawn(move || {
            let counts = spill(&mut runs, &mut grouping, &toks, &variants, ntoks)?;
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

    /// Wait for the flush `spilling`, if any, and take its run file and
    /// counts back.
    fn settle(&mut self) -> anyhow::Result<()> {
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
    fn count(&mut self, counts: &[(u32, u32)]) {
        for &(t, n) in counts {
            let tok = &mut self.toks[t as usize];
            tok.df_delta += i64::from(n);
            tok.dirty = true;
        }
    }

    /// Write the spilled runs into the TM as the flushes would have (a blob
    /// per token per run), before a removal: removals rewrite blobs in the
    /// TM. From here on flushes go to the TM.
    fn stop_spilling(&mut self, conn: &Connection) -> anyhow::Result<()> {
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
            let blob = join(&[data], true, &mut joining).context(RUN_DAMAGED)?;
            Ok(self.insert_blob(&mut insert, t, &blob)?)
        })
    }

    /// Write each token's postings from all runs as one blob (see
    /// `join_runs`). The join runs on a thread of its own (the import's
    /// reader has finished, so a core is free) and hands the blobs over a
    /// short queue, while this one inserts them.
    fn write_runs(&mut self, conn: &Connection, runs: Runs) -> anyhow::Result<()> {
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
    pub fn join_ahead(&mut self, conn: &Connection) -> anyhow::Result<()> {
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
                out.write_all(&data).context(JOINED_FILE)?;
                let size = u32::try_from(data.len()).context("a posting blob over 4 GB")?;
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
    fn insert_joined(&mut self, conn: &Connection, joined: Joined) -> anyhow::Result<()> {
        let mut insert = conn.prepare_cached(INSERT_CHUNK)?;
        each_blob(joined.file, joined.blobs, JOINED_FILE, |t, data| {
            Ok(self.insert_blob(&mut insert, t, data)?)
        })
    }

    fn insert_blob(
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
    fn write_counts(&mut self, conn: &Connection) -> rusqlite::Result<()> {
        let mut update =
            conn.prepare_cached("UPDATE fz_token SET df = df + ?1, chunks = ?2 WHERE id = ?3")?;
        for tok in self.toks.iter_mut().filter(|t| t.dirty) {
            update.execute(params![tok.df_delta, tok.chunks, tok.id])?;
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
    fn rewrite(
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

/// Work on a thread of its own (a flush to the run file, the commit's
/// join), if any is at work.
struct Background<T>(Option<std::thread::JoinHandle<anyhow::Result<T>>>);

impl<T> Default for Background<T> {
    fn default() -> Self {
        Background(None)
    }
}

impl<T> Drop for Background<T> {
    /// Work still at it (a flush to the run file, the join into the joined
    /// file) is waited for when a writer is dropped without committing: no
    /// thread outlives its indexer.
    fn drop(&mut self) {
        if let Some(work) = self.0.take() {
            let _ = work.join();
        }
    }
}

/// What a flush to the run file gives back: the file, each token's count of
/// distinct units, and its emptied buffers for the next flush.
struct Spilled {
    runs: Runs,
    counts: Vec<(u32, u32)>,
    toks: Vec<u32>,
    variants: Vec<(u64, u32)>,
    grouping: Grouping,
}

/// Buffered postings grouped by token, with a counting sort: linear,
/// where sorting the pairs cost a third of a big import. The variants are
/// taken in (length, unit) order, so each token's list comes out in the
/// order its blob wants (see `encode`) with no sort per token: they are a
/// few per unit, where postings are fifty. Kept from one flush to the next:
/// allocating its 8 MB afresh each time, on the flush's own thread, let the
/// heap keep ~15 MB more at a big import's peak.
#[derive(Default)]
struct Grouping {
    /// Token `t`'s list is `grouped[start[t]..start[t + 1]]`.
    start: Vec<usize>,
    next: Vec<usize>,
    ordered: Vec<(u64, u32, u32)>,
    grouped: Vec<u64>,
}

impl Grouping {
    fn group(&mut self, toks: &[u32], variants: &[(u64, u32)], ntoks: usize) {
        let start = &mut self.start;
        start.clear();
        start.resize(ntoks + 1, 0);
        for &t in toks {
            start[t as usize + 1] += 1;
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        self.ordered.clear();
        // Exactly: grown by doubling, its discarded blocks kept the heap
        // from shrinking after a flush.
        self.ordered.reserve_exact(variants.len());
        let mut from = 0;
        for &(p, end) in variants {
            self.ordered.push((p, from, end));
            from = end;
        }
        self.ordered.sort_unstable_by_key(|&(p, _, _)| p);
        // Every slot is written below: only a longer list than last time's
        // needs new ones (zeroing 8 MB a flush was a sixteenth of it).
        self.grouped.resize(toks.len(), 0);
        self.next.clone_from(start);
        for &(p, from, end) in &self.ordered {
            for &t in &toks[from as usize..end as usize] {
                self.grouped[self.next[t as usize]] = p;
                self.next[t as usize] += 1;
            }
        }
    }

    /// Token `t`'s postings, in blob order.
    fn list(&self, t: usize) -> &[u64] {
        &self.grouped[self.start[t]..self.start[t + 1]]
    }
}

/// Write buffered postings to the run file as one more run (a blob per
/// token, tokens ascending); returns each token's count of distinct units.
fn spill(
    runs: &mut Runs,
    grouping: &mut Grouping,
    toks: &[u32],
    variants: &[(u64, u32)],
    ntoks: usize,
) -> anyhow::Result<Vec<(u32, u32)>> {
    grouping.group(toks, variants, ntoks);
    let blobs = grouping.start.windows(2).filter(|w| w[0] < w[1]).count();
    let mut run = Run {
        start: runs.len,
        blobs: Vec::with_capacity(blobs),
    };
    let mut counts = Vec::with_capacity(blobs);
    for t in 0..ntoks {
        let list = grouping.list(t);
        if list.is_empty() {
            continue;
        }
        let data = encode_as(list, true);
        let size = u32::try_from(data.len()).context("a posting blob over 4 GB")?;
        runs.file
            .write_all(&data)
            .context("cannot write the index's run file beside the TM")?;
        runs.len += u64::from(size);
        run.blobs.push((t as u32, size));
        counts.push((t as u32, distinct(list) as u32));
    }
    runs.list.push(run);
    Ok(counts)
}

/// One blob of a token's postings from its blobs in the order written,
/// minus the units in `gone`, plus `add` (packed, sorted). Only merging
/// (the commit's case) joins the blobs' groups as they are (`join`),
/// without decoding and re-encoding every id.
fn merged(parts: &[&[u8]], gone: &FastSet<u64>, add: &[u64]) -> rusqlite::Result<Vec<u8>> {
    if gone.is_empty() && add.is_empty() {
        if let Some(data) = join(parts, false, &mut Joining::default()) {
            return Ok(data);
        }
    }
    let mut all: Vec<u64> = Vec::new();
    for data in parts {
        decode(data, 0, u32::MAX, |u, len| {
            if !gone.contains(&u) {
                all.push(pack(len, u));
            }
        })?;
    }
    all.extend_from_slice(add);
    Ok(encode(&sort_runs(all)))
}

/// How many bytes `put_varint` writes for `v`.
fn varint_len(v: u64) -> usize {
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

/// One length group of a blob: where its ids' bytes are, its first id and
/// how many bytes that takes, and its last id.
struct Group {
    len: u64,
    count: u64,
    first: u64,
    last: u64,
    /// Which of the blobs joined, and the ids' bytes in it.
    blob: u32,
    start: u32,
    end: u32,
    first_bytes: u32,
}

/// The group of a blob at `pos`, as `encode` (or in a run, `encode_as`)
/// writes it (ids strictly ascending), moving `pos` past it; None if the
/// blob is damaged or not in that form.
fn group_at(data: &[u8], pos: &mut usize, in_run: bool, blob: u32) -> Option<Group> {
    let len = get_varint(data, pos)?;
    let count = get_varint(data, pos)?;
    let size = usize::try_from(get_varint(data, pos)?).ok()?;
    let span = if in_run {
        Some(get_varint(data, pos)?)
    } else {
        None
    };
    let end = pos.checked_add(size).filter(|&e| e <= data.len())?;
    let ids = &data[*pos..end];
    let mut first_bytes = 0;
    let first = get_varint(ids, &mut first_bytes)?;
    let mut group = Group {
        len,
        count,
        first,
        last: first,
        blob,
        start: u32::try_from(*pos).ok()?,
        end: u32::try_from(end).ok()?,
        first_bytes: first_bytes as u32,
    };
    *pos = end;
    if let Some(span) = span {
        // Written by this import moments ago: trusted as to its ids (the
        // count and bounds are still checked).
        group.last = first.checked_add(span)?;
        return (count > 0).then_some(group);
    }
    // The rest summed in one tight pass over the bytes (most groups hold
    // a few ids).
    let (mut seen, mut delta, mut shift) = (1u64, 0u64, 0u32);
    for &b in &ids[first_bytes..] {
        delta |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            if delta == 0 {
                return None;
            }
            group.last = group.last.checked_add(delta)?;
            (seen, delta, shift) = (seen + 1, 0, 0);
        } else {
            shift += 7;
            if shift > 63 {
                return None;
            }
        }
    }
    (seen == count && shift == 0).then_some(group)
}

/// Scratch for `join`, kept from token to token by the commit's join
/// (growing it afresh for each token was a tenth of the join).
#[derive(Default)]
struct Joining {
    groups: Vec<Group>,
    /// `groups` positions in length order.
    order: Vec<u32>,
    /// Counting sort: where each length's positions go next.
    at: Vec<u32>,
}

/// Merge blobs written in order, each holding later units than the one
/// before in every length they share (what the flushes of one import
/// write), by joining their groups: each group's bytes are copied and only
/// the first id of a joined piece is re-encoded, as a delta from the last
/// id before it. The result is byte for byte what decoding, `sort_runs`
/// and `encode` would give. None when the blobs are not in that order (a
/// unit updated in place keeps its old id) or are damaged: the caller then
/// takes the decoding way. `in_run`: the blobs are in a run file's form.
fn join(blobs: &[&[u8]], in_run: bool, scratch: &mut Joining) -> Option<Vec<u8>> {
    // Every blob's groups, blob by blob, then put in length order by a
    // stable sort (`in_length_order`), so that each length's pieces stay in
    // blob order. (Walking the blobs side by side, one length at a time,
    // visited every blob at every length: at 1M units a token's blobs from
    // ~110 runs made that most of the commit's join.)
    let Joining { groups, order, at } = scratch;
    groups.clear();
    for (b, data) in blobs.iter().enumerate() {
        let b = u32::try_from(b).ok()?;
        let mut pos = 0;
        let mut prev = None;
        while pos < data.len() {
            let group = group_at(data, &mut pos, in_run, b)?;
            // Lengths ascend within a blob (`encode`).
            if prev.is_some_and(|len| group.len <= len) {
                return None;
            }
            prev = Some(group.len);
            groups.push(group);
        }
    }
    in_length_order(groups, order, at);
    let mut out = Vec::with_capacity(blobs.iter().map(|b| b.len()).sum());
    for same in order.chunk_by(|&a, &b| groups[a as usize].len == groups[b as usize].len) {
        let pieces = || same.iter().map(|&i| &groups[i as usize]);
        let (mut count, mut size, mut last) = (0, 0, None);
        for g in pieces() {
            count += g.count;
            size += (g.end - g.start) as usize;
            if let Some(last) = last {
                if g.first <= last {
                    return None;
                }
                size = size - g.first_bytes as usize + varint_len(g.first - last);
            }
            last = Some(g.last);
        }
        put_varint(&mut out, groups[same[0] as usize].len);
        put_varint(&mut out, count);
        put_varint(&mut out, size as u64);
        let mut last = None;
        for g in pieces() {
            let ids = &blobs[g.blob as usize][g.start as usize..g.end as usize];
            match last {
                None => out.extend_from_slice(ids),
                Some(last) => {
                    put_varint(&mut out, g.first - last);
                    out.extend_from_slice(&ids[g.first_bytes as usize..]);
                }
            }
            last = Some(g.last);
        }
    }
    Some(out)
}

/// `order`: the positions of `groups` in length order, each length's in
/// the order given. A counting sort on the length, which is a segment's
/// word count and small (a comparison sort was a third of the commit's
/// join); a stable sort for the rare huge one.
fn in_length_order(groups: &[Group], order: &mut Vec<u32>, at: &mut Vec<u32>) {
    order.clear();
    let longest = groups.iter().map(|g| g.len).max().unwrap_or(0);
    if longest >= 1 << 12 {
        order.extend(0..groups.len() as u32);
        order.sort_by_key(|&i| groups[i as usize].len);
        return;
    }
    // Where each length's positions start, then where the next one goes.
    at.clear();
    at.resize(longest as usize + 2, 0);
    for g in groups {
        at[g.len as usize + 1] += 1;
    }
    for i in 1..at.len() {
        at[i] += at[i - 1];
    }
    order.resize(groups.len(), 0);
    for (i, g) in groups.iter().enumerate() {
        let slot = &mut at[g.len as usize];
        order[*slot as usize] = i as u32;
        *slot += 1;
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[inline(always)]
fn get_varint(data: &[u8], pos: &mut usize) -> Option<u64> {
    // Most are one byte: that case inline, where each call site's branch
    // learns its own field.
    match data.get(*pos) {
        Some(&b) if b < 0x80 => {
            *pos += 1;
            Some(u64::from(b))
        }
        _ => get_long_varint(data, pos),
    }
}

/// `get_varint` past its first byte's case.
#[inline(never)]
fn get_long_varint(data: &[u8], pos: &mut usize) -> Option<u64> {
    // Eight bytes at once where the data has them: the varint's end found
    // by the first byte without its high bit, its 7-bit groups gathered
    // by shifts (byte by byte, a branch per byte that went either way).
    if let Some(bytes) = data.get(*pos..*pos + 8) {
        let word = u64::from_le_bytes(bytes.try_into().expect("eight bytes"));
        let ends = !word & 0x8080_8080_8080_8080;
        if ends != 0 {
            // The varint's bytes (up to and including its last), high bits
            // dropped.
            let x = word & (ends ^ (ends - 1)) & 0x7f7f_7f7f_7f7f_7f7f;
            *pos += ends.trailing_zeros() as usize / 8 + 1;
            return Some(
                x & 0x7f
                    | (x >> 1) & 0x7f << 7
                    | (x >> 2) & 0x7f << 14
                    | (x >> 3) & 0x7f << 21
                    | (x >> 4) & 0x7f << 28
                    | (x >> 5) & 0x7f << 35
                    | (x >> 6) & 0x7f << 42
                    | (x >> 7) & 0x7f << 49,
            );
        }
    }
    get_varint_bytewise(data, pos)
}

/// `get_varint` a byte at a time: near the end of the data, and for the
/// longest varints.
fn get_varint_bytewise(data: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let b = *data.get(*pos)?;
        *pos += 1;
        if shift > 63 {
            return None;
        }
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(v);
        }
        shift += 7;
    }
}

/// Sort and dedup packed postings that arrive as ascending runs (each
/// blob, then `add`). The blobs come in the order they were written and a
/// later flush holds later units, so grouping the postings by length with
/// one counting pass nearly always leaves each group's units ascending
/// already: linear, where merging the runs by comparison took a 1M-unit
/// import's commit about a second. A group that is not ascending (a unit
/// updated in place keeps its old id) is sorted.
fn sort_runs(all: Vec<u64>) -> Vec<u64> {
    const MAX_LEN: u64 = 1 << 12;
    let Some(max_len) = all.iter().map(|&p| p >> UNIT_BITS).max() else {
        return all;
    };
    if max_len >= MAX_LEN {
        let mut all = all;
        all.sort_unstable();
        all.dedup();
        return all;
    }
    let mut start = vec![0usize; max_len as usize + 2];
    for &p in &all {
        start[(p >> UNIT_BITS) as usize + 1] += 1;
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    let mut out = vec![0u64; all.len()];
    let mut next = start.clone();
    for &p in &all {
        let g = (p >> UNIT_BITS) as usize;
        out[next[g]] = p;
        next[g] += 1;
    }
    for g in start.windows(2) {
        let group = &mut out[g[0]..g[1]];
        if !group.windows(2).all(|w| w[0] <= w[1]) {
            group.sort_unstable();
        }
    }
    out.dedup();
    out
}

/// How many distinct values a sorted slice holds.
fn distinct(sorted: &[u64]) -> usize {
    sorted.chunk_by(|a, b| a == b).count()
}

/// Encode packed postings, ascending; repeats are written once. (A flush
/// encodes a blob per token; reusing one buffer for all of them kept the
/// heap from shrinking after each flush: +5 MB of peak memory.)
fn encode(postings: &[u64]) -> Vec<u8> {
    encode_as(postings, false)
}

/// `encode`; `in_run`: the form of a run file, where each group's header
/// also gives its last id (as the span from its first), so that joining
/// runs at commit copies groups without summing their deltas.
fn encode_as(postings: &[u64], in_run: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(postings.len() * 3 + 16);
    let mut ids = Vec::new();
    for group in postings.chunk_by(|a, b| a >> UNIT_BITS == b >> UNIT_BITS) {
        ids.clear();
        let mut prev = 0;
        let mut count = 0u64;
        for &p in group {
            let (_, u) = unpack(p);
            if count > 0 && u == prev {
                continue;
            }
            put_varint(&mut ids, u - prev);
            prev = u;
            count += 1;
        }
        put_varint(&mut out, u64::from(unpack(group[0]).0));
        put_varint(&mut out, count);
        put_varint(&mut out, ids.len() as u64);
        if in_run {
            put_varint(&mut out, prev - unpack(group[0]).1);
        }
        out.extend_from_slice(&ids);
    }
    out
}

fn corrupt() -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Blob,
        "the fuzzy index holds a damaged posting blob; re-import the TM".into(),
    )
}

/// Call `f(unit, len)` for every posting of a blob with `lo <= len <= hi`.
pub fn decode(data: &[u8], lo: u32, hi: u32, mut f: impl FnMut(u64, u32)) -> rusqlite::Result<()> {
    let mut pos = 0;
    while pos < data.len() {
        let len = get_varint(data, &mut pos).ok_or_else(corrupt)?;
        let count = get_varint(data, &mut pos).ok_or_else(corrupt)?;
        let size = get_varint(data, &mut pos).ok_or_else(corrupt)? as usize;
        let end = pos
            .checked_add(size)
            .filter(|&e| e <= data.len())
            .ok_or_else(corrupt)?;
        if len > u64::from(hi) {
            break;
        }
        if len >= u64::from(lo) {
            let len = len as u32;
            let mut u = 0u64;
            for _ in 0..count {
                u = u.wrapping_add(get_varint(&data[..end], &mut pos).ok_or_else(corrupt)?);
                f(u, len);
            }
        }
        pos = end;
    }
    Ok(())
}

/// A dictionary entry as the readers see it.
#[derive(Debug, Clone, Copy)]
pub struct TokenInfo {
    pub id: i64,
    /// Units whose variant contains the token.
    pub df: i64,
}

/// Look a token up in the dictionary of an index language.
pub fn token(conn: &Connection, l: &str, text: &str) -> rusqlite::Result<Option<TokenInfo>> {
    conn.prepare_cached("SELECT id, df FROM fz_token WHERE lang = ?1 AND text = ?2")?
        .query_row(params![l, text], |r| {
            Ok(TokenInfo {
                id: r.get(0)?,
                df: r.get(1)?,
            })
        })
        .optional()
}

/// Call `f(unit, len)` for every posting of a token with `lo <= len <= hi`
/// (units in no particular order across blobs).
pub fn postings(
    conn: &Connection,
    token_id: i64,
    lo: u32,
    hi: u32,
    mut f: impl FnMut(u64, u32),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn all_postings(conn: &Connection, l: &str, text: &str) -> Vec<(u64, u32)> {
        let Some(t) = token(conn, l, text).unwrap() else {
            return vec![];
        };
        let mut out = vec![];
        postings(conn, t.id, 0, u32::MAX, |u, len| out.push((u, len))).unwrap();
        out.sort_unstable();
        out
    }

    #[test]
    fn blobs_round_trip_and_the_length_filter_skips_groups() {
        let postings = vec![(3, 1), (3, 7), (3, 300), (5, 2), (9, 1 << 39)];
        let packed: Vec<u64> = postings.iter().map(|&(l, u)| pack(l, u)).collect();
        let data = encode(&packed);
        let mut all = vec![];
        decode(&data, 0, u32::MAX, |u, l| all.push((l, u))).unwrap();
        assert_eq!(all, postings);
        let mut mid = vec![];
        decode(&data, 4, 8, |u, l| mid.push((l, u))).unwrap();
        assert_eq!(mid, vec![(5, 2)]);
        // A truncated blob is an error, not a panic.
        assert!(decode(&data[..data.len() - 1], 0, u32::MAX, |_, _| {}).is_err());
    }

    #[test]
    fn words_with_the_same_hash_stay_two_tokens() {
        // A hash collision, forced: every word under one key. The dictionary
        // tells them apart by their text, short (in the entry) or long (in
        // `long`), and never answers for a word it was not given.
        let mut d = LangDict::default();
        let words = [
            "كتاب",
            "كتب",
            "الاستقلالية-والديمقراطية",
            "الاستقلالية-والديمقراطيه",
            "book",
        ];
        for (i, w) in words.iter().enumerate() {
            assert_eq!(d.find(7, w), None, "{w}");
            d.insert(7, w, i as u32);
        }
        for (i, w) in words.iter().enumerate() {
            assert_eq!(d.find(7, w), Some(i as u32), "{w}");
        }
        assert_eq!(d.find(7, "كتابة"), None);
        assert_eq!(d.find(8, "كتاب"), None);
    }

    fn joined(blobs: &[&[u8]]) -> Option<Vec<u8>> {
        join(blobs, false, &mut Joining::default())
    }

    /// What merging did before `join`: decode every blob, sort, encode.
    fn merged_by_decoding(blobs: &[Vec<u8>]) -> Vec<u8> {
        let mut all = vec![];
        for b in blobs {
            decode(b, 0, u32::MAX, |u, len| all.push(pack(len, u))).unwrap();
        }
        encode(&sort_runs(all))
    }

    #[test]
    fn join_copies_groups_and_refuses_blobs_out_of_order() {
        let p = |len, unit| pack(len, unit);
        // Three flushes: later units, lengths shared and not, ids whose
        // re-encoded first delta changes size (200 -> 1 byte after 130).
        let blobs = [
            encode(&[p(2, 1), p(2, 130), p(7, 5)]),
            encode(&[p(2, 200), p(3, 201), p(7, 300)]),
            encode(&[p(1, 400), p(2, 100_000), p(7, 1 << 39)]),
        ];
        let parts: Vec<&[u8]> = blobs.iter().map(Vec::as_slice).collect();
        assert_eq!(joined(&parts).unwrap(), merged_by_decoding(&blobs));
        assert_eq!(joined(&parts[..1]).unwrap(), blobs[0]);
        assert_eq!(joined(&[]).unwrap(), Vec::<u8>::new());
        // A unit updated in place (id 130 again, after 200): refused, and
        // so is a unit seen twice at one length.
        let updated = [blobs[1].clone(), encode(&[p(2, 130)])];
        let parts: Vec<&[u8]> = updated.iter().map(Vec::as_slice).collect();
        assert!(joined(&parts).is_none());
        let twice = [encode(&[p(2, 5)]), encode(&[p(2, 5)])];
        let parts: Vec<&[u8]> = twice.iter().map(Vec::as_slice).collect();
        assert!(joined(&parts).is_none());
        // Damaged: truncated, or a zero delta (a repeated id).
        let cut = &blobs[1][..blobs[1].len() - 1];
        assert!(joined(&[&blobs[0], cut]).is_none());
        assert!(joined(&[&[2, 2, 2, 1, 0]]).is_none());
        // Lengths out of order inside a blob.
        let mut swapped = encode(&[p(5, 1)]);
        swapped.extend(encode(&[p(3, 2)]));
        assert!(joined(&[&swapped]).is_none());
        // A huge segment's length (past the counting sort's table).
        let long = [
            encode(&[p(3, 1), p(5000, 2), p(70_000, 3)]),
            encode(&[p(3, 10), p(4999, 11), p(5000, 12)]),
        ];
        let parts: Vec<&[u8]> = long.iter().map(Vec::as_slice).collect();
        assert_eq!(joined(&parts).unwrap(), merged_by_decoding(&long));
    }

    proptest::proptest! {
        /// Eight bytes at a time, varints read as byte by byte: values of
        /// every size, followed by anything, or damaged (no end in sight).
        #[test]
        fn varints_read_eight_bytes_at_once_as_byte_by_byte(
            values in proptest::collection::vec(proptest::num::u64::ANY, 0..20),
            shift in 0u32..64,
            tail in proptest::collection::vec(proptest::num::u8::ANY, 0..12),
        ) {
            let mut data = vec![];
            for v in &values {
                put_varint(&mut data, v >> shift);
            }
            data.extend_from_slice(&tail);
            let (mut fast, mut slow) = (0, 0);
            for v in &values {
                proptest::prop_assert_eq!(get_varint(&data, &mut fast), Some(v >> shift));
                proptest::prop_assert_eq!(get_varint_bytewise(&data, &mut slow), Some(v >> shift));
                proptest::prop_assert_eq!(fast, slow);
            }
            while slow < data.len() {
                let want = get_varint_bytewise(&data, &mut slow);
                proptest::prop_assert_eq!(get_varint(&data, &mut fast), want);
                if want.is_none() {
                    break;
                }
                proptest::prop_assert_eq!(fast, slow);
            }
        }

        /// The indexer's pair buckets, from each word's hash, are the
        /// format's `bigram` buckets (which concordance looks up).
        #[test]
        fn pair_buckets_from_word_hashes_are_the_bigram_buckets(a in "\\PC{0,20}", b in "\\PC{0,20}") {
            let from_hash = bigram_bucket_after((word_hash(&a) >> 64) as u64, &b);
            proptest::prop_assert_eq!(bigram_text(from_hash), bigram(&a, &b));
        }

        /// Whatever blobs come, `join` either refuses or gives what the
        /// decoding merge gives; for flushes of ascending units it never
        /// refuses.
        #[test]
        fn join_equals_the_decoding_merge(
            flushes in proptest::collection::vec(
                proptest::collection::vec((1u32..6, 1u64..50), 0..30), 1..6),
            ascending in proptest::bool::ANY,
        ) {
            let mut base = 0;
            let flushes_packed: Vec<Vec<u64>> = flushes
                .iter()
                .map(|f| {
                    let mut packed: Vec<u64> = f
                        .iter()
                        .map(|&(len, u)| pack(len, if ascending { base + u } else { u }))
                        .collect();
                    base += 50;
                    packed.sort_unstable();
                    packed
                })
                .collect();
            let blobs: Vec<Vec<u8>> = flushes_packed.iter().map(|f| encode(f)).collect();
            let parts: Vec<&[u8]> = blobs.iter().map(Vec::as_slice).collect();
            let plain = joined(&parts);
            match &plain {
                Some(joined) => proptest::prop_assert_eq!(joined, &merged_by_decoding(&blobs)),
                None => proptest::prop_assert!(!ascending),
            }
            // The same postings in a run file's form join the same.
            let runs: Vec<Vec<u8>> = flushes_packed.iter().map(|f| encode_as(f, true)).collect();
            let parts: Vec<&[u8]> = runs.iter().map(Vec::as_slice).collect();
            proptest::prop_assert_eq!(join(&parts, true, &mut Joining::default()), plain);
        }
    }

    #[test]
    fn content_tokens_drop_punctuation_and_fold_numbers() {
        let key = normalize::matching_key("قُتل ٥ أشخاص، في «حلب» عام 2021.");
        assert_eq!(
            content_tokens(&key),
            ["قتل", "#", "اشخاص", "في", "حلب", "عام", "#"]
        );
        assert_eq!(index_lang("ar-SY"), "ar");
        // The first variant of each language is indexed, under its primary subtag.
        let firsts = stored_unit_tokens(&[("ar-SY", "a"), ("en", "b b 2"), ("ar", "c")]);
        let seen: Vec<(&str, usize, u32)> = firsts
            .iter()
            .map(|v| (v.lang.as_str(), v.key, v.len))
            .collect();
        assert_eq!(seen, [("ar", 0, 1), ("en", 1, 3)]);
        // Distinct words (a repeated word once), the number as `#`.
        let words: Vec<&str> = firsts[1].words.iter().map(|w| w.text("b b 2")).collect();
        assert_eq!(words.len(), 2);
        assert!(words.contains(&"b") && words.contains(&NUMBER));
        assert_eq!(firsts[1].pairs.len(), 2);
    }

    #[test]
    fn sort_runs_groups_by_length_and_sorts_groups_out_of_order() {
        let p = |len, unit| pack(len, unit);
        // Two blobs in write order, then `add`: already ascending per length.
        let runs = vec![
            p(2, 1),
            p(2, 4),
            p(5, 3),
            p(2, 7),
            p(3, 8),
            p(3, 9),
            p(3, 9),
        ];
        let mut want = runs.clone();
        want.sort_unstable();
        want.dedup();
        assert_eq!(sort_runs(runs), want);
        // A unit updated in place: its old id comes after later ones.
        let runs = vec![p(4, 10), p(4, 20), p(4, 3), p(1, 30)];
        assert_eq!(sort_runs(runs), vec![p(1, 30), p(4, 3), p(4, 10), p(4, 20)]);
        // Lengths beyond the counting table take the comparison sort.
        let runs = vec![p(9000, 2), p(1, 5), p(9000, 1)];
        assert_eq!(sort_runs(runs), vec![p(1, 5), p(9000, 1), p(9000, 2)]);
        assert_eq!(sort_runs(vec![]), Vec::<u64>::new());
    }

    /// Every token's (lang, text, df, postings), in dictionary order.
    type IndexDump = Vec<(String, String, i64, Vec<(u64, u32)>)>;

    fn dump_index(conn: &Connection) -> IndexDump {
        let toks: Vec<(i64, String, String, i64)> = conn
            .prepare("SELECT id, lang, text, df FROM fz_token ORDER BY lang, text")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        toks.into_iter()
            .map(|(id, l, t, df)| {
                let mut p = vec![];
                postings(conn, id, 0, u32::MAX, |u, len| p.push((u, len))).unwrap();
                p.sort_unstable();
                (l, t, df, p)
            })
            .collect()
    }

    #[test]
    fn tail_word_is_the_zero_padded_little_endian_tail() {
        let bytes = "قُتل 7 people".as_bytes();
        for n in 1..8 {
            for start in 0..bytes.len() - n {
                let rest = &bytes[start..start + n];
                let mut padded = [0u8; 8];
                padded[..n].copy_from_slice(rest);
                assert_eq!(tail_word(rest), u64::from_le_bytes(padded), "{rest:?}");
            }
        }
    }

    #[test]
    fn spilled_runs_give_the_index_a_straight_write_gives() {
        use crate::tm::{OnDuplicate, OriginInfo};
        use crate::unit::Unit;
        let origin = OriginInfo {
            name: "t.tsv".into(),
            kind: "tsv".into(),
            header: None,
        };
        let pair = |i: usize, target: &str| {
            Unit::pair(
                "ar-SY",
                &format!("قُتل {} أشخاص في حلب يوم {}", i % 7, i),
                "en",
                target,
            )
        };
        // Imports `units` with a flush every `flush` postings; returns the
        // index and how many blobs and tokens it has.
        let import = |flush: usize, units: &[Unit]| -> (IndexDump, i64, i64) {
            let dir = tempfile::tempdir().unwrap();
            let mut store = crate::tm::Store::open(&dir.path().join("tm.db")).unwrap();
            let mut w = store.writer(&origin).unwrap();
            w.set_index_flush(flush);
            for u in units {
                w.add(u, OnDuplicate::Update).unwrap();
            }
            w.commit().unwrap();
            let count = |sql: &str| store.conn.query_row(sql, [], |r| r.get(0)).unwrap();
            let blobs = count("SELECT count(*) FROM fz_chunk");
            let tokens = count("SELECT count(*) FROM fz_token");
            (dump_index(&store.conn), blobs, tokens)
        };
        let units: Vec<Unit> = (0..60)
            .map(|i| pair(i, &format!("{} people killed in Aleppo on day {i}", i % 7)))
            .collect();
        let (straight, ..) = import(usize::MAX, &units);
        // A flush every unit or so: dozens of runs, joined at the commit
        // into one blob per token.
        let (spilled, blobs, tokens) = import(5, &units);
        assert!(straight.len() > 20);
        assert_eq!(spilled, straight);
        assert_eq!(blobs, tokens);

        // A unit updated after runs were spilled: they go into the TM
        // first, and the removal finds its postings there.
        let mut updated = units.clone();
        updated.push(pair(7, "a new target"));
        updated.extend((60..70).map(|i| pair(i, "more")));
        let (straight, ..) = import(usize::MAX, &updated);
        let (spilled, ..) = import(5, &updated);
        assert_eq!(spilled, straight);
        let day7: Vec<_> = straight.iter().filter(|t| t.1 == "target").collect();
        assert_eq!(day7[0].3, vec![(8, 3)]);

        // Into a TM that already holds units (nothing deferred to the
        // commit, so the runs are joined beside the blob inserts, not
        // ahead of them): the same index as one straight import.
        let dir = tempfile::tempdir().unwrap();
        let mut store = crate::tm::Store::open(&dir.path().join("tm.db")).unwrap();
        let mut w = store.writer(&origin).unwrap();
        w.add(&units[0], OnDuplicate::Update).unwrap();
        w.commit().unwrap();
        let mut w = store.writer(&origin).unwrap();
        assert!(!w.is_fresh());
        w.set_index_flush(5);
        for u in &units[1..] {
            w.add(u, OnDuplicate::Update).unwrap();
        }
        w.commit().unwrap();
        let blobs: i64 = store
            .conn
            .query_row("SELECT count(*) FROM fz_chunk", [], |r| r.get(0))
            .unwrap();
        assert_eq!(dump_index(&store.conn), import(usize::MAX, &units).0);
        assert!(blobs > tokens, "the first unit's blobs and the joined ones");
    }

    #[test]
    fn add_remove_and_merge_keep_postings_and_counts_exact() {
        use crate::tm::{Added, OnDuplicate, OriginInfo};
        use crate::unit::Unit;
        let dir = tempfile::tempdir().unwrap();
        let mut store = crate::tm::Store::open(&dir.path().join("tm.db")).unwrap();
        let origin = OriginInfo {
            name: "t.tsv".into(),
            kind: "tsv".into(),
            header: None,
        };
        let add = |store: &mut crate::tm::Store, units: &[(&str, &str)]| -> Vec<i64> {
            let mut w = store.writer(&origin).unwrap();
            let ids = units
                .iter()
                .map(|(s, t)| {
                    match w
                        .add(&Unit::pair("ar-SY", s, "en", t), OnDuplicate::Update)
                        .unwrap()
                    {
                        Added::Inserted(id) | Added::Updated(id) => id,
                        Added::Duplicate => panic!("duplicate"),
                    }
                })
                .collect();
            w.commit().unwrap();
            ids
        };
        // More transactions than MAX_CHUNKS, to force merges.
        let mut ids = vec![];
        for round in 0..(MAX_CHUNKS as usize + 3) {
            let src = format!("الميليشيات الإيرانية تخلي القاعدة {round}");
            ids.extend(add(&mut store, &[(&src, "The militias leave")]));
        }
        let conn = &store.conn;
        let chunks: i64 = conn
            .query_row(
                "SELECT chunks FROM fz_token WHERE lang='ar' AND text='القاعده'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(
            chunks <= MAX_CHUNKS,
            "{chunks} blobs: merging did not happen"
        );
        let want: Vec<(u64, u32)> = ids.iter().map(|&i| (i as u64, 5)).collect();
        assert_eq!(all_postings(conn, "ar", "القاعده"), want);

        // Added, then updated (removed and re-added) in one transaction.
        let again = add(
            &mut store,
            &[
                ("القاعدة الجوية", "the air base"),
                ("القاعدة الجوية", "the airbase"),
            ],
        );
        assert_eq!(again[0], again[1]);
        store.delete_units(&ids[2..3]).unwrap();
        let conn = &store.conn;
        let left = all_postings(conn, "ar", "القاعده");
        assert_eq!(left.len(), ids.len());
        assert!(left.contains(&(again[0] as u64, 2)));
        assert!(!left.iter().any(|&(u, _)| u == ids[2] as u64));
        let t = token(conn, "ar", "القاعده").unwrap().unwrap();
        assert_eq!(t.df, ids.len() as i64);
        assert_eq!(
            token(conn, "ar", "#").unwrap().unwrap().df,
            ids.len() as i64 - 1
        );
        assert_eq!(indexed_variants(conn, "ar").unwrap(), ids.len() as i64);
        assert_eq!(indexed_variants(conn, "fr").unwrap(), 0);
        assert_eq!(languages(conn).unwrap(), ["ar", "en"]);
        store.delete_units(&again).unwrap();
        assert_eq!(all_postings(&store.conn, "ar", "الجويه"), vec![]);
    }
}

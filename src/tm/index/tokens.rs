//! What a token is, and tokenizing: a variant's index tokens (its distinct
//! words, any number as `NUMBER`, and hash buckets of adjacent pairs),
//! worked out from its matching key without the database (an import does
//! it on its reader thread). The bucket hash is part of the on-disk format.
//! Not here: storing tokens (`build`), the blob format (`codec`).

use crate::text::normalize::{KeyToken, TokenKind};
use crate::text::{lang, normalize};

use super::{prefetch, NUMBER};

/// One step of the index's format hash (`bigram`'s buckets, and the high
/// half of `word_hash`): FxHash's multiply-rotate. Not a map hasher: its
/// values are stored (as the bucket tokens' text), so it is written out
/// here, fixed, rather than taken from a crate whose function may change.
#[inline]
pub(super) fn fx_step(h: u64, w: u64) -> u64 {
    (h.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
}

/// `fx_step` over a string's bytes: little-endian 8-byte words, the last
/// 1 to 7 bytes zero padded (`tail_word`).
#[inline]
pub(super) fn fx_bytes(mut h: u64, bytes: &[u8]) -> u64 {
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
pub(super) fn tail_word(rest: &[u8]) -> u64 {
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
pub(super) fn index_word<'k>(key: &'k str, t: &KeyToken) -> Option<(&'k str, u32, u32)> {
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
pub(super) const BIGRAM_BUCKETS: u64 = 1 << 12;

/// The index token of two adjacent content tokens, for phrase search: one
/// of `BIGRAM_BUCKETS` hash buckets, written `\u{1}` + 3 hex digits (no
/// word starts with U+0001, so these never meet a word). Bucketing keeps
/// the dictionary small; a bucket's postings are a superset of the pair's,
/// which concordance verifies anyway. The hash is part of the format:
/// changing it needs a migration that rebuilds the index.
pub fn bigram(a: &str, b: &str) -> String {
    bigram_text(bigram_bucket(a, b))
}

pub(super) fn bigram_bucket(a: &str, b: &str) -> usize {
    bigram_bucket_after(fx_bytes(0, a.as_bytes()), b)
}

/// `bigram_bucket(a, b)` from the hash state after `a`, which is the
/// high half of `word_hash(a)`: the indexer hashes each word once.
pub(super) fn bigram_bucket_after(a: u64, b: &str) -> usize {
    let h = fx_bytes(fx_step(a, 0xFF), b.as_bytes());
    ((h >> 48) % BIGRAM_BUCKETS) as usize
}

pub(super) fn bigram_text(bucket: usize) -> String {
    format!("\u{1}{bucket:03x}")
}

/// One distinct word of a variant: its hash and where it is in the key
/// (`NUMBER_AT` for the number token, which is not in the key's text).
#[derive(Debug, Clone, Copy)]
pub(super) struct Word {
    /// `word_hash`, in two halves: 24 bytes a word, not 32 (a u128 is
    /// 16-aligned), and these cross from the reader thread to the writer.
    pub(super) hash: [u64; 2],
    pub(super) start: u32,
    pub(super) end: u32,
}

pub(super) const NUMBER_AT: u32 = u32::MAX;

impl Word {
    pub(super) fn hash(&self) -> u128 {
        (u128::from(self.hash[0]) << 64) | u128::from(self.hash[1])
    }

    /// The dictionary's hash of the word: both halves folded, then one
    /// FxHash step (what the map keyed by the 128-bit hash used).
    #[inline]
    pub(super) fn key(&self) -> u64 {
        fx_step(0, self.hash[0] ^ self.hash[1])
    }

    pub(super) fn text<'k>(&self, key: &'k str) -> &'k str {
        if self.start == NUMBER_AT {
            NUMBER
        } else {
            &key[self.start as usize..self.end as usize]
        }
    }

    /// `text` as bytes, for comparing: slicing the bytes skips the two
    /// char-boundary checks a `str` slice makes (`start` and `end` came
    /// from the key's tokenizer, on boundaries), which were 0.5% of an
    /// import's instructions in the writer's dictionary and the dedup.
    #[inline]
    pub(super) fn bytes<'k>(&self, key: &'k str) -> &'k [u8] {
        if self.start == NUMBER_AT {
            NUMBER.as_bytes()
        } else {
            &key.as_bytes()[self.start as usize..self.end as usize]
        }
    }
}

/// A word's hash: two independent 64-bit hashes of its text, worked out
/// once on the reader thread. Only a hash: the writer's dictionary
/// (`LangDict`) and the per-variant dedup compare the words' text as well,
/// so two words that share all 128 bits stay two tokens. The high half is
/// `fx_bytes(0, word)`, which `bigram_bucket_after` goes on from.
pub(super) fn word_hash(word: &str) -> u128 {
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
    pub(super) lang: String,
    /// Which of the unit's matching keys these tokens are from.
    pub(super) key: usize,
    /// Length in content tokens.
    pub(super) len: u32,
    /// Distinct words and numbers.
    pub(super) words: Vec<Word>,
    /// Distinct adjacent-pair buckets.
    pub(super) pairs: Vec<u16>,
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
pub(super) fn first_of_each_lang<'k, T: Iterator<Item = KeyToken>>(
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
pub(super) fn variant_tokens(
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
    // Distinct by text. Sorted by hash, a word's copies are adjacent unless
    // two different words share the hash (then copies of one can sit on
    // both sides of the other): that case, found by equal hashes left after
    // the dedup, is sorted by text as well and deduplicated again.
    words.sort_unstable_by_key(Word::hash);
    let same = |a: &mut Word, b: &mut Word| a.hash == b.hash && a.bytes(key) == b.bytes(key);
    words.dedup_by(same);
    if words.windows(2).any(|w| w[0].hash == w[1].hash) {
        words.sort_unstable_by(|a, b| a.hash().cmp(&b.hash()).then(a.text(key).cmp(b.text(key))));
        words.dedup_by(same);
    }
    pairs.sort_unstable();
    pairs.dedup();
    v.key = pos;
    v.len = len;
}

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
//! content tokens, the token's place: how many of the variant's distinct
//! words come before it in the fixed token order of `order`, schema 0005).
//!
//! Layout: `fz_token(id, lang, text, df, chunks, rank)` is the dictionary;
//! `fz_chunk(token_id, data)` holds a token's postings in a few blobs. A blob
//! is a sequence of groups, one per (length, place), ascending:
//! `[key][count][byte size][count delta-varint unit ids, ascending]`, all
//! LEB128 varints, the key being len·64 + place (`key`). A lookup with a
//! length filter skips whole groups without decoding them, and reads only
//! the rows of the query's own tokens: no start-up work, no whole-index
//! load.
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
//!
//! Files: `tokens` (what a token is: a variant's words, numbers and pair
//! buckets, worked out without the database), `codec` (the postings blob
//! format and its varints: encode, decode, join), `order` (the fixed token
//! order places count in: ranks), `build` (the `Indexer`
//! that writes the index inside the writer's transaction), `runs` (its
//! temporary run files: spill, read back, join), `query` (the dictionary
//! and postings as lookups read them). This module knows nothing of the
//! writer that calls it (`tm::write`).

mod build;
mod codec;
mod error;
mod order;
#[cfg(feature = "postgres")]
mod pg;
mod query;
mod runs;
mod tokens;

pub use build::{add_places, Indexer};
#[cfg(test)]
pub(crate) use codec::without_places;
pub use codec::{decode, decode_groups};
pub use error::{IndexError, IndexResult};
#[cfg(feature = "postgres")]
pub use pg::{add_places as pg_add_places, PgIndexer};
pub use query::{data_version, indexed_variants, languages, postings, token, TokenInfo};
pub use tokens::{
    bigram, content_tokens, index_lang, stored_unit_tokens, unit_tokens_into, VariantTokens,
};

/// The token every number is indexed and matched as.
pub const NUMBER: &str = "#";

/// Postings buffered before a flush (4 bytes each, 8 more while a flush
/// groups them, and 12 per variant: ~13 MB), sized with the 8 MiB page
/// cache to keep a 1M-unit import under 100 MB.
pub(super) const FLUSH_POSTINGS: usize = 1_000_000;

/// Blobs a token may have before they are merged into one.
pub(super) const MAX_CHUNKS: i64 = 8;

pub use crate::text::normalize::is_content;

/// A HashMap with rustc's FxHash (`rustc-hash`): much faster than SipHash
/// for the short keys here; no DoS concern for a local index.
pub type FastMap<K, V> = rustc_hash::FxHashMap<K, V>;
/// A HashSet with rustc's FxHash.
pub type FastSet<K> = rustc_hash::FxHashSet<K>;

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

#[cfg(test)]
mod tests;

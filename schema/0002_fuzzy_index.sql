-- 0002: the fuzzy-match and concordance index (src/tm/index.rs).
--
-- An inverted index over the "content tokens" of every unit's variants
-- (matching-key tokens that are words or numbers; every number is the one
-- token "#", because numbers are placeables). One posting = (unit id, length
-- of the variant in content tokens). Postings live in blobs, a few per token:
-- each blob holds groups by length, ascending, so a lookup skips the lengths
-- its length filter rules out without decoding them. Written by the Indexer
-- in the same transaction as the units, so it is never stale.

-- The token dictionary, per primary language subtag ("ar" for "ar-SY").
CREATE TABLE fz_token (
    id     INTEGER PRIMARY KEY,
    lang   TEXT NOT NULL,
    text   TEXT NOT NULL,
    df     INTEGER NOT NULL,   -- how many units' variants in `lang` contain it
    chunks INTEGER NOT NULL    -- how many fz_chunk rows hold its postings
);
CREATE UNIQUE INDEX fz_token_text ON fz_token(lang, text);

-- Posting blobs: repeated groups [len][count][byte size][delta-varint unit ids].
CREATE TABLE fz_chunk (
    id       INTEGER PRIMARY KEY,
    token_id INTEGER NOT NULL,
    data     BLOB NOT NULL
);
CREATE INDEX fz_chunk_token ON fz_chunk(token_id);

-- How many variants are indexed per primary language (for "no units in ar→fr").
CREATE TABLE fz_lang (
    lang     TEXT PRIMARY KEY,
    variants INTEGER NOT NULL
) WITHOUT ROWID;

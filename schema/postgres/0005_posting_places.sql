-- 0005: posting groups keyed by (length, place) instead of length alone,
-- and each token's rank in the fixed order places count in.
--
-- A group key in fz_chunk's blobs is now length * 64 + place, where place
-- is how many of the variant's distinct words come before the token in the
-- index's fixed order (lower rank first, then higher id), capped at 63.
-- The lookup's positional filter uses it to leave out units that cannot
-- reach the threshold (src/tm/fuzzy.rs). A rank is set once, when a token's
-- first postings are written, and never changes (src/tm/index/order.rs):
-- an estimate of how many units in a million hold the token.
--
-- Here every token already stored is ranked by its share of the units
-- now, and the migration's code rewrites every blob with place 0 for the
-- postings already there (src/tm/index/codec.rs, `with_places`): 0
-- under-states a place, so lookups stay exact. Units imported from now on
-- get their places.
ALTER TABLE fz_token ADD COLUMN rank BIGINT NOT NULL DEFAULT 0;
UPDATE fz_token SET rank = df * 1000000 / GREATEST(1, coalesce(
    (SELECT variants FROM fz_lang WHERE fz_lang.lang = fz_token.lang), 1));

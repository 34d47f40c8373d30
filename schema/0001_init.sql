-- 0001: the translation memory: units, their language variants, props, notes,
-- where they came from, and counters that keep `stats` instant.
--
-- Texts are stored untouched; `variant.key` is the normalized matching key
-- (src/text/normalize.rs) that lookup, concordance and duplicate detection use.

-- A file or alignment that units came from.
CREATE TABLE origin (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,   -- file path as given, or "ar.txt + en.txt" for an alignment
    kind        TEXT NOT NULL,          -- 'tmx', 'tsv' or 'align'
    imported_at TEXT NOT NULL,          -- YYYYMMDDThhmmssZ
    header      TEXT,                   -- the TMX header as JSON, kept for the record
    units       INTEGER NOT NULL DEFAULT 0  -- how many units point here (kept in step, for stats)
);

-- A translation unit (TMX tu).
CREATE TABLE unit (
    id                    INTEGER PRIMARY KEY,
    tuid                  TEXT,
    srclang               TEXT,
    creation_date         TEXT,         -- as written, normally YYYYMMDDThhmmssZ
    creation_id           TEXT,
    change_date           TEXT,
    change_id             TEXT,
    last_usage_date       TEXT,
    usage_count           INTEGER,
    creation_tool         TEXT,
    creation_tool_version TEXT,
    extra                 TEXT,         -- other tu attributes: JSON [[name, value], ...]
    origin_id             INTEGER REFERENCES origin(id),
    context_prev          TEXT,         -- source sentence before this one in its document
    context_next          TEXT,         -- source sentence after it
    content_hash          INTEGER NOT NULL, -- 64-bit FNV-1a of all variants' (lang, markup), order-free: exact duplicates
    source_hash           INTEGER NOT NULL  -- 64-bit FNV-1a of the source (lang, markup) and the set of languages: same source, other targets
);
-- One index serves both duplicate questions: "same source and languages?"
-- (prefix) and "same everything?" (both columns).
CREATE INDEX unit_duplicate ON unit(source_hash, content_hash);
CREATE INDEX unit_origin ON unit(origin_id);

-- A language variant (TMX tuv), clustered under its unit.
CREATE TABLE variant (
    unit_id  INTEGER NOT NULL REFERENCES unit(id) ON DELETE CASCADE,
    ord      INTEGER NOT NULL,          -- position in the unit, from 0
    lang     TEXT NOT NULL,             -- BCP 47, normalized
    plain    TEXT NOT NULL,             -- translatable text, no markup
    markup   TEXT,                      -- inner XML of <seg>; NULL when it is just the escaped plain text
    key      TEXT NOT NULL,             -- matching key of plain
    meta     TEXT,                      -- tuv dates, ids and other attributes: JSON, NULL when none
    PRIMARY KEY (unit_id, ord)
) WITHOUT ROWID;

-- Props and notes, at unit level (variant_ord NULL) or variant level.
CREATE TABLE prop (
    unit_id     INTEGER NOT NULL REFERENCES unit(id) ON DELETE CASCADE,
    variant_ord INTEGER,
    ord         INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    value       TEXT NOT NULL,
    lang        TEXT,
    encoding    TEXT
);
CREATE INDEX prop_unit ON prop(unit_id);

CREATE TABLE note (
    unit_id     INTEGER NOT NULL REFERENCES unit(id) ON DELETE CASCADE,
    variant_ord INTEGER,
    ord         INTEGER NOT NULL,
    text        TEXT NOT NULL,
    lang        TEXT,
    encoding    TEXT
);
CREATE INDEX note_unit ON note(unit_id);

-- Counters kept in step with the units, so that stats never scans.
CREATE TABLE lang_count (
    lang     TEXT PRIMARY KEY,
    variants INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE pair_count (
    src   TEXT NOT NULL,
    tgt   TEXT NOT NULL,
    units INTEGER NOT NULL,
    PRIMARY KEY (src, tgt)
) WITHOUT ROWID;

-- Database-wide facts: created_at, units (count), date_min/date_max (oldest and
-- newest unit date: change date, else creation date), all kept by the writer.
CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value TEXT
) WITHOUT ROWID;

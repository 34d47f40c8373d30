-- PostgreSQL 0001: the translation memory, as SQLite's schema/0001_init.sql,
-- 0003_align_lexicon.sql and 0004_tokens.sql hold it (the fuzzy index is
-- 0002). Same tables, same columns, same meaning; texts untouched, dates as
-- written (TEXT, normally YYYYMMDDThhmmssZ), so a TM moves between the two
-- backends losslessly. Names and language tags sort bytewise (COLLATE "C"), as
-- SQLite sorts them, so listings come out in the same order. `tarjuman_schema` (created by the migration runner,
-- src/tm/pg/migrate.rs) holds the number of migrations applied.

CREATE TABLE origin (
    id          BIGINT PRIMARY KEY,
    name        TEXT COLLATE "C" NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    header      TEXT,
    units       BIGINT NOT NULL DEFAULT 0
);

-- Unit ids are given by the writer (the largest id + 1, under the write
-- lock), as SQLite gives them, so both backends number units alike.
CREATE TABLE unit (
    id                    BIGINT PRIMARY KEY,
    tuid                  TEXT,
    srclang               TEXT COLLATE "C",
    creation_date         TEXT,
    creation_id           TEXT,
    change_date           TEXT,
    change_id             TEXT,
    last_usage_date       TEXT,
    usage_count           BIGINT,
    creation_tool         TEXT,
    creation_tool_version TEXT,
    extra                 TEXT,
    origin_id             BIGINT REFERENCES origin(id),
    context_prev          TEXT,
    context_next          TEXT,
    content_hash          BIGINT NOT NULL,
    source_hash           BIGINT NOT NULL
);
CREATE INDEX unit_duplicate ON unit(source_hash, content_hash);
CREATE INDEX unit_origin ON unit(origin_id);

CREATE TABLE variant (
    unit_id  BIGINT NOT NULL REFERENCES unit(id) ON DELETE CASCADE,
    ord      INTEGER NOT NULL,
    lang     TEXT COLLATE "C" NOT NULL,
    plain    TEXT NOT NULL,
    markup   TEXT,
    key      TEXT NOT NULL,
    meta     TEXT,
    PRIMARY KEY (unit_id, ord)
);

CREATE TABLE prop (
    unit_id     BIGINT NOT NULL REFERENCES unit(id) ON DELETE CASCADE,
    variant_ord INTEGER,
    ord         INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    value       TEXT NOT NULL,
    lang        TEXT,
    encoding    TEXT
);
CREATE INDEX prop_unit ON prop(unit_id);

CREATE TABLE note (
    unit_id     BIGINT NOT NULL REFERENCES unit(id) ON DELETE CASCADE,
    variant_ord INTEGER,
    ord         INTEGER NOT NULL,
    text        TEXT NOT NULL,
    lang        TEXT,
    encoding    TEXT
);
CREATE INDEX note_unit ON note(unit_id);

CREATE TABLE lang_count (
    lang     TEXT COLLATE "C" PRIMARY KEY,
    variants BIGINT NOT NULL
);

CREATE TABLE pair_count (
    src   TEXT COLLATE "C" NOT NULL,
    tgt   TEXT COLLATE "C" NOT NULL,
    units BIGINT NOT NULL,
    PRIMARY KEY (src, tgt)
);

CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value TEXT
);

CREATE TABLE align_pair (
    ar TEXT COLLATE "C" NOT NULL,
    en TEXT COLLATE "C" NOT NULL,
    n  BIGINT NOT NULL,
    PRIMARY KEY (ar, en)
);

CREATE TABLE align_word (
    lang TEXT COLLATE "C" NOT NULL,
    word TEXT COLLATE "C" NOT NULL,
    n    BIGINT NOT NULL,
    PRIMARY KEY (lang, word)
);

CREATE TABLE api_token (
    name       TEXT PRIMARY KEY,
    scope      TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    sha256     TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

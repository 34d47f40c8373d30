-- 0004: bearer tokens for `tarjuman serve`. Only the SHA-256 of a token is
-- kept (hex): the token itself is printed once by `tarjuman token add` and
-- never stored. Scope 'read' may look up, concord, pretranslate, export and
-- read stats; 'write' may also import and delete.
CREATE TABLE api_token (
    name       TEXT PRIMARY KEY,
    scope      TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    sha256     TEXT NOT NULL UNIQUE,    -- lowercase hex of SHA-256(token)
    created_at TEXT NOT NULL            -- YYYYMMDDThhmmssZ
);

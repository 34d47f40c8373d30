-- 0003: a count of the commits that changed what lookups read
-- (src/tm/source/pg.rs), PostgreSQL's counterpart of SQLite's
-- `PRAGMA data_version`.
--
-- A matcher keeps what it read from one lookup to the next (the bit sets of
-- common tokens, src/tm/fuzzy/bitsets.rs; a server's matchers): it may as
-- long as nothing it read has changed. Every statement that writes a table
-- a lookup reads bumps `tm_change.n`, once per transaction, through a
-- statement-level trigger, so no write path can forget it; a reader reads
-- `n` as the first statement of its snapshot. Writers already take turns
-- (the write advisory lock), so the one row is no new point of contention.

CREATE TABLE tm_change (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    n   bigint  NOT NULL
);
INSERT INTO tm_change (n) VALUES (0);

CREATE FUNCTION tm_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Once per transaction: the setting is local to it.
    IF coalesce(current_setting('tarjuman.changed', true), '') <> 'yes' THEN
        UPDATE tm_change SET n = n + 1;
        PERFORM set_config('tarjuman.changed', 'yes', true);
    END IF;
    RETURN NULL;
END $$;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['unit', 'variant', 'origin', 'fz_token', 'fz_chunk', 'fz_lang'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I
                        FOR EACH STATEMENT EXECUTE FUNCTION tm_changed()', 'tm_changed_' || t, t);
    END LOOP;
END $$;

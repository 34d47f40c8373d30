-- 0004: no foreign keys from a unit's rows to the unit, nor from a unit to
-- its origin. The writer keeps them consistent itself, as SQLite's does (it
-- writes with `PRAGMA foreign_keys = OFF`): it inserts a unit with its
-- rows in one transaction and deletes the rows explicitly before the unit
-- (src/tm/pg/write.rs, `remove_unit`). Checked per row, the keys were an
-- eighth of a 1M-unit import's time (two million lookups of `unit` for the
-- variants alone), and PostgreSQL cannot turn them off for a session
-- without superuser rights. tests/pg_store.rs checks that no row is left
-- without its unit.

ALTER TABLE unit DROP CONSTRAINT IF EXISTS unit_origin_id_fkey;
ALTER TABLE variant DROP CONSTRAINT IF EXISTS variant_unit_id_fkey;
ALTER TABLE prop DROP CONSTRAINT IF EXISTS prop_unit_id_fkey;
ALTER TABLE note DROP CONSTRAINT IF EXISTS note_unit_id_fkey;

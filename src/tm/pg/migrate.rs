//! PostgreSQL's numbered migrations (`schema/postgres/NNNN_*.sql`), applied
//! in order and checked as SQLite's are: `tarjuman_schema.version` is how
//! many are applied; a database newer than this binary is refused, one that
//! holds other tables and no `tarjuman_schema` is not a TM. Migrating takes
//! a transaction-level advisory lock, so two processes opening a fresh
//! database at once apply each migration once.

use postgres::Client;

use super::PgError;

/// A migration: its name and its SQL.
pub type Migration = (&'static str, &'static str);

/// The migrations, in order. `tarjuman_schema.version` = how many are applied.
pub const MIGRATIONS: &[Migration] = &[
    (
        "0001_init",
        include_str!("../../../schema/postgres/0001_init.sql"),
    ),
    (
        "0002_fuzzy_index",
        include_str!("../../../schema/postgres/0002_fuzzy_index.sql"),
    ),
    (
        "0003_change_counter",
        include_str!("../../../schema/postgres/0003_change_counter.sql"),
    ),
    (
        "0004_writer_keeps_references",
        include_str!("../../../schema/postgres/0004_writer_keeps_references.sql"),
    ),
    (
        "0005_posting_places",
        include_str!("../../../schema/postgres/0005_posting_places.sql"),
    ),
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The advisory lock key (any fixed number) held while migrating.
const MIGRATE_LOCK: i64 = 0x7461_726a_0001;

/// What the database holds: the number of migrations applied, 0 for a
/// database without tarjuman's tables. Refuses another program's database
/// and one newer than `known`.
pub fn version(client: &mut Client, known: u32) -> Result<u32, PgError> {
    // One statement, one snapshot: a TM another process is creating right
    // now is either wholly there or not at all.
    let row = client.query_one(
        "SELECT to_regclass('tarjuman_schema') IS NOT NULL,
                (SELECT count(*) FROM pg_tables WHERE schemaname = current_schema())",
        &[],
    )?;
    let (has_table, tables): (bool, i64) = (row.get(0), row.get(1));
    if !has_table {
        if tables > 0 {
            return Err(PgError::NotATm(
                "the database has other tables and no tarjuman_schema".into(),
            ));
        }
        return Ok(0);
    }
    let found: i32 = client
        .query_one("SELECT version FROM tarjuman_schema", &[])?
        .get(0);
    let found = found as u32;
    if found > known {
        return Err(PgError::TooNew { found, known });
    }
    Ok(found)
}

/// Apply the migrations of `list` the database does not have yet, in one
/// transaction; returns the version now applied.
pub fn migrate(client: &mut Client, list: &[Migration]) -> Result<u32, PgError> {
    let known = list.len() as u32;
    if version(client, known)? == known {
        return Ok(known);
    }
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATE_LOCK])?;
    // Another process may have migrated while this one waited.
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS tarjuman_schema (
             version INTEGER NOT NULL,
             one BOOLEAN PRIMARY KEY DEFAULT true CHECK (one)
         )",
    )?;
    let from: i32 = tx
        .query_opt("SELECT version FROM tarjuman_schema", &[])?
        .map_or(0, |r| r.get(0));
    let from = from as u32;
    if from > known {
        return Err(PgError::TooNew { found: from, known });
    }
    for (name, sql) in &list[from as usize..] {
        tx.batch_execute(sql)?;
        if *name == "0005_posting_places" {
            crate::tm::index::pg_add_places(&mut tx).map_err(|e| match e {
                crate::tm::index::IndexError::Postgres(e) => PgError::Postgres(e),
                other => PgError::NotATm(other.to_string()),
            })?;
        }
    }
    if from == 0 {
        tx.execute(
            "INSERT INTO meta(name, value) VALUES ('created_at', $1)",
            &[&crate::tm::now_tmx()],
        )?;
    }
    tx.execute(
        "INSERT INTO tarjuman_schema(version) VALUES ($1)
         ON CONFLICT (one) DO UPDATE SET version = excluded.version",
        &[&(known as i32)],
    )?;
    tx.commit()?;
    Ok(known)
}

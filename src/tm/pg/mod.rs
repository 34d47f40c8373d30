//! The translation memory in PostgreSQL: the same tables as the SQLite
//! file (`schema/postgres/`), for a team whose memory several processes and
//! `serve` instances share. `PgStore` is one connection (rust-postgres,
//! synchronous like the SQLite store; the server calls it from blocking
//! threads). Selected by a `postgres://` or `postgresql://` URL wherever a
//! TM path is accepted (`tm::open`).
//!
//! Writers are serialized by a transaction-level advisory lock
//! (`WRITE_LOCK`), so imports never interleave; readers read snapshots and
//! are never blocked.

mod conn;
pub mod migrate;
pub(crate) mod read;
mod store;
mod write;

pub use write::{PgWriter, ANALYZE_AFTER};

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use postgres::{Client, NoTls};

pub use migrate::{Migration, MIGRATIONS, SCHEMA_VERSION};

use super::store::{StoreError, WriteWait};

/// The advisory lock (any fixed number) a write transaction holds: one
/// writer at a time, as SQLite's `BEGIN IMMEDIATE`.
pub const WRITE_LOCK: i64 = 0x7461_726a_0002;

/// What can go wrong opening a PostgreSQL TM.
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    #[error(transparent)]
    Postgres(#[from] postgres::Error),
    #[error("the translation memory was written by a newer tarjuman (schema version {found}, this binary knows up to {known}); upgrade tarjuman to use it")]
    TooNew { found: u32, known: u32 },
    #[error("not a tarjuman translation memory ({0})")]
    NotATm(String),
}

/// A translation memory in a PostgreSQL database.
pub struct PgStore {
    client: Mutex<Client>,
    /// The URL without its password, for messages.
    location: PathBuf,
    /// The URL as given (to open more connections to the same database).
    url: String,
    /// How a write transaction waits for another writer.
    pub write_wait: WriteWait,
    /// Lookups' prepared statements and rows fetched ahead (`tm::source`).
    pub(crate) reads: crate::tm::source::Reads,
}

/// Is `s` a PostgreSQL URL (`postgres://…` or `postgresql://…`)?
pub fn is_url(s: &str) -> bool {
    let lower = s.get(..13).unwrap_or(s).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// `url` with any password left out (`user:secret@host` → `user@host`,
/// `password=…` dropped), to name the TM in messages.
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let rest = &url[scheme_end..];
    let auth_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(auth_end);
    let authority = match authority.rfind('@') {
        Some(at) => {
            let user = &authority[..at];
            let user = user.split(':').next().unwrap_or(user);
            format!("{user}{}", &authority[at..])
        }
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let kept: Vec<&str> = query
                .split('&')
                .filter(|kv| !kv.to_ascii_lowercase().starts_with("password="))
                .collect();
            if kept.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{}", kept.join("&"))
            }
        }
        None => tail.to_string(),
    };
    format!("{}{authority}{tail}", &url[..scheme_end])
}

impl PgStore {
    /// Connect to write: creates the TM's tables in an empty database and
    /// brings an older schema up to date. Refuses a newer schema and a
    /// database that holds other tables.
    pub fn connect(url: &str) -> Result<PgStore, StoreError> {
        Self::connect_with(url, MIGRATIONS)
    }

    /// `connect` with another list of migrations (tests of the runner).
    pub fn connect_with(url: &str, migrations: &[Migration]) -> Result<PgStore, StoreError> {
        let mut store = Self::bare(url)?;
        let location = store.location.clone();
        migrate::migrate(store.client.get_mut().expect("a fresh lock"), migrations)
            .map_err(|error| StoreError::Postgres { location, error })?;
        Ok(store)
    }

    /// Connect to read only: a database without a TM is
    /// `StoreError::Missing`; an older schema is brought up to date first.
    /// The session's transactions are read-only.
    pub fn connect_read_only(url: &str) -> Result<PgStore, StoreError> {
        let mut store = Self::bare(url)?;
        let location = store.location.clone();
        let err = |error| StoreError::Postgres {
            location: location.clone(),
            error,
        };
        let client = store.client.get_mut().expect("a fresh lock");
        let version = migrate::version(client, SCHEMA_VERSION).map_err(err)?;
        if version == 0 {
            return Err(StoreError::Missing { path: location });
        }
        if version < SCHEMA_VERSION {
            migrate::migrate(client, MIGRATIONS).map_err(err)?;
        }
        // Read-only, and one plan per prepared statement: the reads take
        // arrays of ids, for which the planner would otherwise plan anew
        // at every execution (a fifth of a lookup's server time).
        client
            .batch_execute(
                "SET default_transaction_read_only = on; SET plan_cache_mode = force_generic_plan",
            )
            .map_err(|e| err(e.into()))?;
        Ok(store)
    }

    fn bare(url: &str) -> Result<PgStore, StoreError> {
        let location = PathBuf::from(redact(url));
        let client = Client::connect(url, NoTls).map_err(|e| StoreError::Postgres {
            location: location.clone(),
            error: e.into(),
        })?;
        Ok(PgStore {
            client: Mutex::new(client),
            location,
            url: url.to_string(),
            write_wait: WriteWait::default(),
            reads: Default::default(),
        })
    }

    /// The connection. One caller at a time; do not hold it across a call
    /// of another `PgStore` method.
    pub fn client(&self) -> MutexGuard<'_, Client> {
        // A panic while the client was held leaves it usable: every
        // transaction is rolled back when its guard drops.
        self.client.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The connection, for a caller that holds the store mutably.
    pub fn client_mut(&mut self) -> &mut Client {
        self.client.get_mut().unwrap_or_else(|p| p.into_inner())
    }

    /// Where the TM is, for messages: the URL without its password.
    pub fn location(&self) -> &Path {
        &self.location
    }

    /// The URL this store was opened with.
    pub fn url(&self) -> &str {
        &self.url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_told_from_paths() {
        assert!(is_url("postgres://u@h/db"));
        assert!(is_url("PostgreSQL:///tm?host=/tmp/x"));
        assert!(!is_url("memory.db"));
        assert!(!is_url("/var/tm/postgres.db"));
        assert!(!is_url("postgres"));
    }

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(
            redact("postgres://ali:s3cret@db.example/tm"),
            "postgres://ali@db.example/tm"
        );
        assert_eq!(
            redact("postgresql:///tm?host=/tmp/s&password=x&user=u"),
            "postgresql:///tm?host=/tmp/s&user=u"
        );
        assert_eq!(redact("postgres://h/tm?password=x"), "postgres://h/tm");
        assert_eq!(redact("postgres://h:5433/tm"), "postgres://h:5433/tm");
    }
}

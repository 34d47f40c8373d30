//! The writer's errors: the database's, the index's, metadata JSON, and a
//! TM another writer holds (with the TM's path). Messages as before.

use crate::tm::index::IndexError;

/// What can go wrong while writing units into the TM.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// A PostgreSQL call failed; its message.
    #[cfg(feature = "postgres")]
    #[error(transparent)]
    Postgres(#[from] postgres::Error),
    #[error(transparent)]
    Index(#[from] IndexError),
    /// A variant's metadata cannot be written as JSON.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// A stored variant's metadata does not read back.
    #[error("corrupt variant metadata")]
    CorruptMeta(#[source] serde_json::Error),
    /// The write transaction cannot start (`path`: the TM).
    #[error("{path}: cannot start writing (is another tarjuman writing to it?)")]
    Busy {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    /// Another process kept writing the TM for longer than the writer
    /// would wait (`Store::write_wait`).
    #[error("{path}: another tarjuman is still writing to it; gave up after waiting {secs} s (--wait SECONDS waits longer)")]
    GaveUpWaiting { path: String, secs: u64 },
    /// The writer's thread could not be started.
    #[error("cannot start the writer's thread: {0}")]
    Thread(String),
    /// A write was asked of a writer that had already failed (its error
    /// was reported).
    #[error("the writer stopped after an earlier error")]
    Stopped,
}

/// A result with `WriteError`.
pub type Result<T, E = WriteError> = std::result::Result<T, E>;

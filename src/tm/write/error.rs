//! The writer's errors: the database's, the index's, metadata JSON, and a
//! TM another writer holds (with the TM's path). Messages as before.

use crate::tm::index::IndexError;

/// What can go wrong while writing units into the TM.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
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
}

/// A result with `WriteError`.
pub type Result<T, E = WriteError> = std::result::Result<T, E>;

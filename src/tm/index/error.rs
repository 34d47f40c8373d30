//! The index's errors: the database's, and its temporary files' (which
//! file, and the I/O error underneath). Messages as the writer has always
//! reported them.

use std::io;

/// What can go wrong while building the index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// A run or joined file beside the TM cannot be written or read back.
    #[error("{what}")]
    File {
        what: &'static str,
        #[source]
        source: io::Error,
    },
    /// A run file read back other than it was written.
    #[error("{0}")]
    Damaged(&'static str),
    #[error("too many postings")]
    TooManyPostings(#[source] std::num::TryFromIntError),
    #[error("a posting blob over 4 GB")]
    BlobTooBig(#[source] std::num::TryFromIntError),
    /// A PostgreSQL call of the index builder failed.
    #[cfg(feature = "postgres")]
    #[error(transparent)]
    Postgres(#[from] postgres::Error),
    /// A unit id the postings cannot hold (40 bits).
    #[error("unit id {0} is too large for the fuzzy index")]
    UnitId(i64),
    /// Dictionary entries that neither were inserted nor could be read back.
    #[error("the fuzzy index's dictionary could not be written")]
    Unresolved,
}

impl IndexError {
    pub(super) fn file(what: &'static str, source: io::Error) -> IndexError {
        IndexError::File { what, source }
    }
}

/// A result with `IndexError`.
pub type IndexResult<T> = Result<T, IndexError>;

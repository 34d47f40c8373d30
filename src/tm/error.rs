//! The store's error type: what went wrong reading or writing the TM, with
//! the TM's path where the message has always named it. Causes stay
//! attached as `source()`, so a caller printing the chain (the CLI's
//! `{:#}`) shows the same text as before. Bad input files have their own
//! errors (`tmx`, `tsv`, `import`); opening the file is `StoreError`.

use std::path::PathBuf;

/// An error of the translation memory's queries and writes.
#[derive(Debug, thiserror::Error)]
pub enum TmError {
    /// An SQLite call failed; SQLite's message.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// A PostgreSQL call failed; its message.
    #[cfg(feature = "postgres")]
    #[error(transparent)]
    Postgres(#[from] postgres::Error),
    /// The TM could not be opened, created or put in place.
    #[error(transparent)]
    Store(#[from] super::StoreError),
    /// A stored value could not be read as the type asked for.
    #[error(transparent)]
    Value(#[from] rusqlite::types::FromSqlError),
    /// SQLite failed while doing `doing` on the TM at `path`.
    #[error("{}: {doing}", path.display())]
    At {
        path: PathBuf,
        doing: &'static str,
        #[source]
        source: rusqlite::Error,
    },
    /// A language option that is not a language tag.
    #[error("{0:?} is not a language tag (try ar, en, ar-SY)")]
    NotALanguage(String),
    /// A lookup or search in a TM that holds no units at all.
    #[error("{}: the translation memory is empty; import a TMX or TSV file first (tarjuman import FILE)", path.display())]
    Empty { path: PathBuf },
    /// A lookup or search in a language pair the TM does not hold.
    #[error("{}: the translation memory has no units in {src}→{tgt} (it holds {}); choose languages with --src-lang/--tgt-lang", path.display(), holds.join(", "))]
    NoPair {
        path: PathBuf,
        src: String,
        tgt: String,
        holds: Vec<String>,
    },
    /// A concordance phrase without a word or number.
    #[error("the phrase {0:?} has no words or numbers to search for")]
    EmptyPhrase(String),
    /// A text to match without a word or number.
    #[error("the text {0:?} has no words or numbers to match")]
    EmptyText(String),
    /// A unit the index found was deleted before it could be shown.
    #[error("unit {0} vanished during the lookup")]
    Vanished(i64),
    /// A matched unit without the variant the match was on (`side`:
    /// "source" or "target").
    #[error("the matched unit has no {side} variant")]
    NoVariant { side: &'static str },
    /// Stored text that is not UTF-8 (column `column` of the query).
    #[error("the TM holds text that is not UTF-8 (column {column}); it is damaged")]
    NotUtf8 { column: usize },
    /// A unit's stored attributes are not the JSON the TM writes.
    #[error("corrupt unit attributes")]
    Attributes(#[source] serde_json::Error),
    /// The thread writing units out stopped (its own error says why).
    #[error("the writer stopped")]
    WriterStopped,
    /// An error of the writer or the fuzzy index it feeds (tm/write/,
    /// tm/index/): carried as is, its message and causes unchanged.
    #[error(transparent)]
    Write(#[from] crate::tm::write::WriteError),
}

/// `Result` with `TmError` by default, as tm's functions return it.
pub(crate) type Result<T, E = TmError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::TmError;

    /// The message and its causes, as the CLI prints them (`{:#}`).
    fn chain(e: &dyn std::error::Error) -> Vec<String> {
        std::iter::successors(Some(e), |e| e.source())
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn the_path_leads_and_the_cause_follows_once() {
        let e = TmError::At {
            path: "/data/مذكرة.db".into(),
            doing: "cannot save the aligner's word pairs",
            source: rusqlite::Error::InvalidQuery,
        };
        let sqlite = rusqlite::Error::InvalidQuery.to_string();
        assert_eq!(
            chain(&e),
            [
                "/data/مذكرة.db: cannot save the aligner's word pairs".to_string(),
                sqlite.clone()
            ]
        );
        // A bare SQLite error is SQLite's message, not wrapped twice.
        assert_eq!(
            chain(&TmError::from(rusqlite::Error::InvalidQuery)),
            [sqlite]
        );
    }

    #[test]
    fn a_store_error_from_the_writer_keeps_its_context_chain() {
        let inner = crate::tm::write::WriteError::Busy {
            path: "tm.db".into(),
            source: rusqlite::Error::InvalidQuery,
        };
        let e = TmError::from(inner);
        assert_eq!(
            chain(&e),
            [
                "tm.db: cannot start writing (is another tarjuman writing to it?)".to_string(),
                rusqlite::Error::InvalidQuery.to_string()
            ]
        );
    }
}

//! A message at a place in a text file: what every reader of files (TMX,
//! TSV, an alignment's TSV, the import that wraps them) reports as an
//! error or a warning. Lines and columns count from 1; columns count
//! characters, not bytes, so they match what an editor shows.

/// A message at a 1-based line and column of a file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct Located {
    pub line: u64,
    pub column: u64,
    pub message: String,
}

//! The server's limits: how large a request may be and how long it may
//! take. Each has a `tarjuman serve` option; the defaults suit a desk of
//! translators and their tools on one machine.

use std::time::Duration;

use super::error::ApiError;

#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest JSON request body (lookup batches, pretranslate documents).
    pub max_body: usize,
    /// Largest uploaded file for `/api/v1/import`.
    pub max_import_bytes: u64,
    /// Longest query text (lookup, concord, compat unit lookups), in characters.
    pub max_query_chars: usize,
    /// Most queries in one lookup batch, or sentences in one pretranslate.
    pub max_batch: usize,
    /// Most matches per query (`top`, `max_candidates`) and concordance hits.
    pub max_results: usize,
    /// Time for a request to be answered (imports and exports excepted).
    pub timeout: Duration,
    /// Time for an import (upload and commit) or an export to start.
    pub import_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body: 2 << 20,
            max_import_bytes: 1 << 30,
            max_query_chars: 5_000,
            max_batch: 1_000,
            max_results: 100,
            timeout: Duration::from_secs(30),
            import_timeout: Duration::from_secs(3600),
        }
    }
}

impl Limits {
    /// Refuse a query text that is empty or longer than `max_query_chars`.
    pub fn check_query(&self, what: &str, text: &str) -> Result<(), ApiError> {
        if text.trim().is_empty() {
            return Err(ApiError::bad_request(
                "empty_query",
                format!("{what} is empty: give a sentence or phrase"),
            ));
        }
        let n = text.chars().count();
        if n > self.max_query_chars {
            return Err(ApiError::too_large(
                "query_too_long",
                format!(
                    "{what} has {n} characters; the server takes at most {} (--max-query-chars)",
                    self.max_query_chars
                ),
            ));
        }
        Ok(())
    }

    /// Refuse a batch of more than `max_batch` items.
    pub fn check_batch(&self, what: &str, n: usize) -> Result<(), ApiError> {
        if n > self.max_batch {
            return Err(ApiError::too_large(
                "batch_too_large",
                format!(
                    "{n} {what} in one request; the server takes at most {} (--max-batch)",
                    self.max_batch
                ),
            ));
        }
        Ok(())
    }

    /// Refuse more than `max_results` results asked for.
    pub fn check_results(&self, what: &str, n: usize) -> Result<(), ApiError> {
        if n == 0 || n > self.max_results {
            return Err(ApiError::bad_request(
                "bad_parameter",
                format!("{what} must be 1 to {} (got {n})", self.max_results),
            ));
        }
        Ok(())
    }
}

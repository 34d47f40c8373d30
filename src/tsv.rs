//! Two-column TSV (being built).

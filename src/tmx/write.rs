//! Streaming TMX 1.4b writer (being built).

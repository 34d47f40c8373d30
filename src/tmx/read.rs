//! Streaming TMX reader (being built).

//! TMX: a streaming reader (TMX 1.1–1.4b, any encoding real tools write) and
//! a streaming writer (TMX 1.4b, UTF-8). Knows units, not SQLite.

pub mod read;
pub mod write;

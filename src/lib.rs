//! tarjuman: an Arabic→English translation memory at the command line.
//!
//! The library holds all the logic; the `tarjuman` binary (its private
//! `cli` module, in src/cli/) only parses arguments and formats output.
//! Modules, with arrows pointing one way (`import` → `tm`, `tmx`, `tsv`,
//! `align`; `align` and `tm` use `text`; `tmx` knows units, not SQLite; `tm`
//! knows units, not file formats or the aligner):
//!
//! - [`text`]: pure string logic: normalization and matching keys, language
//!   tags, sentence segmentation.
//! - [`unit`](mod@unit): the data model: units, variants, segments with inline markup.
//! - [`tmx`]: streaming TMX reader and writer.
//! - [`tsv`]: two-column TSV reader and writer.
//! - [`tm`]: the SQLite translation memory: schema, writing and reading
//!   units, stats, the fuzzy index and matcher, concordance.
//! - [`align`]: the Arabic→English sentence aligner.
//! - [`input`]: reading text files and stdin: byte-order marks, UTF-16,
//!   named encodings, invalid bytes reported as FILE:LINE:COLUMN.
//! - [`import`]: importing TMX and TSV files into the TM, and the aligner's
//!   learned word pairs to and from it (above `tm`, `tmx`, `tsv`, `align`).
//! - [`api`]: the answers' JSON shapes and the export, shared by the CLI and
//!   the server.
//! - [`server`]: `tarjuman serve`, the TM over HTTP for a team and its tools.

pub mod align;
pub mod api;
pub mod import;
pub mod input;
#[cfg(feature = "server")]
pub mod server;
pub mod text;
pub mod tm;
pub mod tmx;
pub mod tsv;
pub mod unit;

/// The README's Rust examples, compiled and run by `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

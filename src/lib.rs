//! tarjuman: an Arabic→English translation memory at the command line.
//!
//! The library holds all the logic; the `tarjuman` binary only parses
//! arguments and formats output (`cli`). Modules, with arrows pointing one
//! way (`cli` → the rest; `align` and `tm` use `text`; `tmx` knows units, not
//! SQLite; `tm` knows units, not XML):
//!
//! - [`text`]: pure string logic: normalization and matching keys, language
//!   tags, sentence segmentation.
//! - [`unit`](mod@unit): the data model: units, variants, segments with inline markup.
//! - [`tmx`]: streaming TMX reader and writer.
//! - [`tsv`]: two-column TSV reader and writer.
//! - [`tm`]: the SQLite translation memory: schema, import, export, stats,
//!   the fuzzy index and matcher, concordance.
//! - [`align`]: the Arabic→English sentence aligner.
//! - [`api`]: the answers' JSON shapes and the export, shared by `cli` and `server`.
//! - [`server`]: `tarjuman serve`, the TM over HTTP for a team and its tools.
//! - [`cli`]: the command-line interface.

pub mod align;
pub mod api;
pub mod cli;
pub mod server;
pub mod text;
pub mod tm;
pub mod tmx;
pub mod tsv;
pub mod unit;

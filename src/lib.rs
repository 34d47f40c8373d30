//! tarjuman: an Arabic→English translation memory at the command line.
//!
//! The library holds all the logic; the `tarjuman` binary only parses
//! arguments and formats output (`cli`). Modules, with arrows pointing one
//! way (`cli` → the rest; `import` → `tm`, `tmx`, `tsv`, `align`; `align`
//! and `tm` use `text`; `tmx` knows units, not SQLite; `tm` knows units, not
//! file formats or the aligner):
//!
//! - [`text`]: pure string logic: normalization and matching keys, language
//!   tags, sentence segmentation.
//! - [`unit`](mod@unit): the data model: units, variants, segments with inline markup.
//! - [`tmx`]: streaming TMX reader and writer.
//! - [`tsv`]: two-column TSV reader and writer.
//! - [`tm`]: the SQLite translation memory: schema, writing and reading
//!   units, stats, the fuzzy index and matcher, concordance.
//! - [`align`]: the Arabic→English sentence aligner.
//! - [`import`]: importing TMX and TSV files into the TM, and the aligner's
//!   learned word pairs to and from it (above `tm`, `tmx`, `tsv`, `align`).
//! - [`cli`]: the command-line interface.

pub mod align;
pub mod cli;
pub mod import;
pub mod text;
pub mod tm;
pub mod tmx;
pub mod tsv;
pub mod unit;

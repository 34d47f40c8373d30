//! TMX: a streaming reader (TMX 1.1–1.4b, any encoding real tools write) and
//! a streaming writer (TMX 1.4b, UTF-8). Knows units, not SQLite.
//!
//! What the two sides agree on (so that read → write → read is lossless):
//! - `Unit.origin` and `Unit.context` travel as `<prop>`s named
//!   [`PROP_ORIGIN`], [`PROP_CONTEXT_PREV`], [`PROP_CONTEXT_NEXT`].
//! - An attribute the TMX 1.4 DTD does not allow on an element (found in
//!   `extra`) travels as `<prop type="x-tarjuman-attr:NAME">VALUE</prop>` and
//!   comes back into `extra`, after the attributes, in order.
//! - `Segment.markup` is canonical: the writer writes it as it is.

pub mod read;
pub mod write;

pub use read::{ReadError, TmxReader, Warning};
pub use write::TmxWriter;

/// Unit-level prop carrying `Unit.origin`.
pub const PROP_ORIGIN: &str = "x-tarjuman-origin";
/// Unit-level prop carrying `Unit.context.prev`.
pub const PROP_CONTEXT_PREV: &str = "x-tarjuman-context-prev";
/// Unit-level prop carrying `Unit.context.next`.
pub const PROP_CONTEXT_NEXT: &str = "x-tarjuman-context-next";
/// Prefix of props carrying attributes the DTD does not allow.
pub const PROP_ATTR_PREFIX: &str = "x-tarjuman-attr:";

/// Attributes the TMX 1.4 DTD allows on `<tu>`.
pub(crate) const TU_ATTRS: &[&str] = &[
    "tuid",
    "o-encoding",
    "datatype",
    "usagecount",
    "lastusagedate",
    "creationtool",
    "creationtoolversion",
    "creationdate",
    "creationid",
    "changedate",
    "segtype",
    "changeid",
    "o-tmf",
    "srclang",
];

/// Attributes the TMX 1.4 DTD allows on `<tuv>`.
pub(crate) const TUV_ATTRS: &[&str] = &[
    "xml:lang",
    "o-encoding",
    "datatype",
    "usagecount",
    "lastusagedate",
    "creationtool",
    "creationtoolversion",
    "creationdate",
    "creationid",
    "changedate",
    "o-tmf",
    "changeid",
];

/// Attributes the TMX 1.4 DTD allows on `<header>`.
pub(crate) const HEADER_ATTRS: &[&str] = &[
    "creationtool",
    "creationtoolversion",
    "segtype",
    "o-tmf",
    "adminlang",
    "srclang",
    "datatype",
    "o-encoding",
    "creationdate",
    "creationid",
    "changedate",
    "changeid",
];

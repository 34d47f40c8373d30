//! Pure string logic: matching keys, language tags, sentence segmentation.
//!
//! The bottom layer: it uses only std and crates, never another module of
//! this library, so every other layer may use it.

pub mod clitics;
pub mod lang;
pub mod located;
pub mod normalize;
pub mod segment;
pub mod srx;

//! Pure string logic: matching keys, language tags, sentence segmentation.

pub mod lang;
pub mod normalize;
pub mod segment;
pub mod srx;

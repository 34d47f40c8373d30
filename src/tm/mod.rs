//! The translation memory: an SQLite file with units, variants and the
//! indexes that make lookup fast.
//!
//! The store knows units (`crate::unit`) and text (`crate::text`), not file
//! formats and not the aligner: reading TMX or TSV files into it and
//! storing an alignment's word pairs is `crate::import`'s, writing TMX is
//! `crate::tmx`'s over the units `read` streams. Errors are `TmError`
//! (queries, writes) and `StoreError` (opening the file).

pub mod backend;
pub mod concord;
pub mod copy;
pub mod create;
pub mod diff;
mod error;
pub mod fuzzy;
mod held;
pub mod index;
#[cfg(feature = "postgres")]
pub mod pg;
pub mod pretranslate;
pub mod read;
pub mod source;
pub mod stats;
pub mod store;
pub mod word_pairs;
pub mod write;

pub use backend::{
    for_each_unit_piped, open, Access, OriginRecord, StoredToken, TmStore, TmWriter, WordCounts,
};
pub use error::TmError;
pub use store::{Store, StoreError};
pub use write::{Added, OnDuplicate, OriginInfo, UnitWriter, WriteSummary};

/// The current UTC time as TMX writes dates: `YYYYMMDDThhmmssZ`.
pub fn now_tmx() -> String {
    tmx_date(time::OffsetDateTime::now_utc())
}

/// A UTC time in TMX form.
pub fn tmx_date(t: time::OffsetDateTime) -> String {
    const TMX_DATE: &[time::format_description::BorrowedFormatItem<'_>] =
        time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    t.to_offset(time::UtcOffset::UTC)
        .format(TMX_DATE)
        .expect("a UTC date with a four-digit year formats")
}

#[cfg(test)]
mod tests {
    #[test]
    fn tmx_dates_have_the_basic_iso_form() {
        let t = time::macros::datetime!(2021-11-06 09:05:03 UTC);
        assert_eq!(super::tmx_date(t), "20211106T090503Z");
        let now = super::now_tmx();
        assert_eq!(now.len(), 16);
        assert!(now.ends_with('Z') && now.as_bytes()[8] == b'T');
    }
}

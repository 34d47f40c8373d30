//! Library-level tests of the TMX reader on the fixtures in
//! tests/fixtures/tmx (see its README.md).

use std::path::{Path, PathBuf};

use tarjuman::tmx::{ReadError, TmxReader, Warning};
use tarjuman::unit::{Header, Unit};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tmx")
        .join(rel)
}

/// Read a whole file: header, units, warnings.
fn read_all(bytes: &[u8]) -> Result<(Header, Vec<Unit>, Vec<Warning>), ReadError> {
    let mut r = TmxReader::new(bytes)?;
    let header = r.header().clone();
    let mut units = Vec::new();
    while let Some(u) = r.next_unit()? {
        units.push(u);
    }
    Ok((header, units, r.take_warnings()))
}

fn read_fixture(rel: &str) -> (Header, Vec<Unit>, Vec<Warning>) {
    let bytes = std::fs::read(fixture(rel)).unwrap();
    read_all(&bytes).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn basic_14b_file_gives_units_header_and_normalized_languages() {
    let (h, units, warnings) = read_fixture("good/basic-14b.tmx");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(h.creation_tool.as_deref(), Some("tarjuman"));
    assert_eq!(h.srclang.as_deref(), Some("ar"));
    assert_eq!(h.stamp.creation_date.as_deref(), Some("20211106T090000Z"));
    assert_eq!(units.len(), 2);
    let u = &units[0];
    assert_eq!(u.tuid.as_deref(), Some("1"));
    assert_eq!(u.stamp.creation_id.as_deref(), Some("alaraby"));
    assert_eq!(u.variants[0].lang, "ar");
    assert_eq!(
        u.variants[0].seg.plain,
        "المليشيات الإيرانية تخلي أكبر قاعدة عسكرية لها شرقي سورية"
    );
    assert_eq!(units[1].variants[1].lang, "en-GB");
    assert!(units[1].variants[0].seg.plain.contains("\"الشرق نيوز\""));
}

//! The TMX reader's test helpers: fixtures under tests/fixtures/tmx and a
//! whole-file read.

use std::path::{Path, PathBuf};

use tarjuman::tmx::{ReadError, TmxReader, Warning};
use tarjuman::unit::{Header, Unit};

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tmx")
        .join(rel)
}

/// Read a whole file: header, units, warnings.
pub fn read_all(bytes: &[u8]) -> Result<(Header, Vec<Unit>, Vec<Warning>), ReadError> {
    let mut r = TmxReader::new(bytes)?;
    let header = r.header().clone();
    let mut units = Vec::new();
    while let Some(u) = r.next_unit()? {
        units.push(u);
    }
    Ok((header, units, r.take_warnings()))
}

/// The Arabic and English plain text of a unit.
pub fn ar_en(u: &Unit) -> (&str, &str) {
    (
        u.variant("ar").unwrap().seg.plain.as_str(),
        u.variant("en").unwrap().seg.plain.as_str(),
    )
}

pub fn read_fixture(rel: &str) -> (Header, Vec<Unit>, Vec<Warning>) {
    let bytes = std::fs::read(fixture(rel)).unwrap();
    read_all(&bytes).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// A minimal TMX 1.4 document around `body`.
pub fn doc(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<tmx version=\"1.4\"><header creationtool=\"t\" creationtoolversion=\"1\" segtype=\"sentence\" o-tmf=\"t\" adminlang=\"en\" srclang=\"ar\" datatype=\"plaintext\"/><body>\n{body}</body></tmx>\n"
    )
}

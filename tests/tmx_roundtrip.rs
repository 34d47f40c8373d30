//! read → write → read gives the same units and header, for every good
//! fixture; the writer's output is well-formed TMX 1.4b.

use std::path::Path;

use tarjuman::tmx::write::header_with_defaults;
use tarjuman::tmx::{TmxReader, TmxWriter};
use tarjuman::unit::{Header, Unit};

fn read_all(bytes: &[u8]) -> (Header, Vec<Unit>) {
    let mut r = TmxReader::new(bytes).unwrap_or_else(|e| panic!("{e}"));
    let header = r.header().clone();
    let mut units = Vec::new();
    while let Some(u) = r.next_unit().unwrap_or_else(|e| panic!("{e}")) {
        units.push(u);
    }
    (header, units)
}

fn write_all(header: &Header, units: &[Unit]) -> Vec<u8> {
    let mut w = TmxWriter::new(Vec::new(), header).unwrap();
    for u in units {
        w.write_unit(u).unwrap();
    }
    w.finish().unwrap()
}

#[test]
fn every_good_fixture_survives_read_write_read() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tmx/good");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().map_or(true, |e| e != "tmx") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (h1, u1) = read_all(&std::fs::read(&path).unwrap());
        let written = write_all(&h1, &u1);
        let text = String::from_utf8(written.clone()).expect("writer output is UTF-8");
        assert!(
            text.starts_with(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE tmx SYSTEM \"tmx14.dtd\">\n"
            ),
            "{name}"
        );
        let (h2, u2) = read_all(&written);
        // A header missing attributes the DTD requires gets the writer's defaults.
        assert_eq!(h2, header_with_defaults(&h1), "{name}: header changed");
        assert_eq!(u1.len(), u2.len(), "{name}: unit count changed");
        for (a, b) in u1.iter().zip(&u2) {
            assert_eq!(a, b, "{name}: unit changed\n{text}");
        }
        // Writing again gives the same bytes: the output is a fixed point.
        assert_eq!(write_all(&h2, &u2), written, "{name}: second write differs");
        checked += 1;
    }
    assert!(checked >= 1, "no fixtures found in {}", dir.display());
}

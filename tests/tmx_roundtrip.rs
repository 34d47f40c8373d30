//! read → write → read gives the same units and header, for every good
//! fixture and every TMX written by a real tool; the writer's output is a
//! fixed point.

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
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tmx");
    let mut paths = Vec::new();
    // Our fixtures, and TMX written by real CAT tools.
    for dir in ["good", "from-tools"] {
        if let Ok(entries) = std::fs::read_dir(root.join(dir)) {
            paths.extend(entries.map(|e| e.unwrap().path()));
        }
    }
    let mut checked = 0;
    for path in paths {
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
    assert!(
        checked >= 28,
        "only {checked} fixtures found in {}",
        root.display()
    );
}

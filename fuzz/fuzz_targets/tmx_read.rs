//! Arbitrary bytes into the TMX reader: it must return units or an error,
//! never panic, hang or blow up. Whatever it reads must survive
//! write → read unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tarjuman::tmx::write::header_with_defaults;
use tarjuman::tmx::{TmxReader, TmxWriter};

fuzz_target!(|data: &[u8]| {
    let Ok(mut reader) = TmxReader::new(data) else {
        return;
    };
    let header = reader.header().clone();
    let mut units = Vec::new();
    while let Ok(Some(unit)) = reader.next_unit() {
        units.push(unit);
    }
    let _ = reader.take_warnings();

    let mut writer = TmxWriter::new(Vec::new(), &header).expect("write header");
    for u in &units {
        writer.write_unit(u).expect("write unit");
    }
    let written = writer.finish().expect("finish");
    let mut again = TmxReader::new(&written[..]).expect("reader accepts writer output");
    assert_eq!(again.header(), &header_with_defaults(&header));
    for u in &units {
        let back = again.next_unit().expect("reader accepts writer output");
        assert_eq!(back.as_ref(), Some(u));
    }
    assert_eq!(again.next_unit().expect("clean end"), None);
});

//! Unit tests of the reader's internals: encoding sniffing, position
//! tracking and the byte scan, attribute splitting and unescaping, refilled
//! units and their spare memory. The reader's behaviour on whole files is
//! tested from outside, in tests/tmx_read.rs and the other tests/ files.

use std::io;

use quick_xml::events::BytesStart;

use super::attrs::{split_attrs, MAX_QUICK_ATTRS};
use super::encoding::{declared_encoding, sniff};
use super::escape::unescape_attr;
use super::spares::{Spares, MAX_SPARE_CAPACITY};
use super::tracker::{advance, find_forbidden, scan};
use super::*;
use crate::unit::{Note, Prop, Variant};

#[test]
fn declared_encoding_accepts_either_quote_and_spaces() {
    assert_eq!(
        declared_encoding(b"<?xml version=\"1.0\" encoding=\"windows-1256\"?><tmx/>").as_deref(),
        Some("windows-1256")
    );
    assert_eq!(
        declared_encoding(b"<?xml version='1.0' encoding = 'ISO-8859-6' ?>").as_deref(),
        Some("ISO-8859-6")
    );
    assert_eq!(declared_encoding(b"<?xml version=\"1.0\"?>"), None);
    assert_eq!(declared_encoding(b"<tmx encoding=\"x\">"), None);
}

#[test]
fn sniff_tells_boms_utf16_without_bom_and_legacy_declarations() {
    let enc = |b: &[u8]| sniff(b).map(|(e, bom, _)| (e.name(), bom));
    assert_eq!(enc(b"\xef\xbb\xbf<tmx>").unwrap(), ("UTF-8", 3));
    assert_eq!(enc(b"\xff\xfe<\0t\0").unwrap(), ("UTF-16LE", 2));
    assert_eq!(enc(b"\xfe\xff\0<\0t").unwrap(), ("UTF-16BE", 2));
    assert_eq!(enc(b"<\0?\0x\0m\0").unwrap(), ("UTF-16LE", 0));
    assert_eq!(enc(b"\0<\0?\0x\0m").unwrap(), ("UTF-16BE", 0));
    assert_eq!(
        enc(b"<?xml version=\"1.0\" encoding=\"cp1256\"?>").unwrap(),
        ("windows-1256", 0)
    );
    assert_eq!(enc(b"<tmx>").unwrap(), ("UTF-8", 0));
    assert!(sniff(b"").unwrap_err().message.contains("empty"));
    assert!(sniff(b"SQLite format 3\0")
        .unwrap_err()
        .message
        .contains("SQLite"));
}

#[test]
fn positions_hold_for_events_that_span_buffer_refills() {
    // Segments longer than the 128 KiB buffer: their events are read
    // across refills. Each <tu> has one language (a warning at its
    // start); the last segment holds a forbidden byte (an error there).
    let line = "قاعدة بيانات الذاكرة ـ ترجمة «نعم»؟ ١٢٣\n".repeat(2_000);
    let mut text = String::from(
        "<?xml version=\"1.0\"?>\n<tmx version=\"1.4\"><header srclang=\"ar\"/><body>\n",
    );
    let mut tu_starts = Vec::new();
    for i in 0..3 {
        tu_starts.push(text.len());
        let bad = if i == 2 { "\u{1}" } else { "" };
        text.push_str(&format!(
            "<tu tuid=\"{i}\"><tuv xml:lang=\"ar\"><seg>{line}{bad}</seg></tuv></tu>\n"
        ));
    }
    text.push_str("</body></tmx>\n");
    let at = |i: usize| {
        let before = &text[..i];
        let line = before.matches('\n').count() as u64 + 1;
        let column = before.rsplit('\n').next().unwrap().chars().count() as u64 + 1;
        (line, column)
    };
    let mut r = TmxReader::new(io::Cursor::new(text.clone().into_bytes())).unwrap();
    let mut read = 0;
    let err = loop {
        match r.next_unit() {
            Ok(Some(_)) => read += 1,
            Ok(None) => panic!("the forbidden byte was not found"),
            Err(e) => break e,
        }
    };
    assert_eq!(read, 2);
    let warned: Vec<_> = r
        .take_warnings()
        .iter()
        .map(|w| (w.line, w.column))
        .collect();
    let expected: Vec<_> = tu_starts[..2].iter().map(|&i| at(i)).collect();
    assert_eq!(warned, expected);
    assert!(err.message.contains("U+0001"), "{}", err.message);
    assert_eq!((err.line, err.column), at(text.find('\u{1}').unwrap()));
}

#[test]
fn positions_count_characters_and_lines() {
    let text = "سطر\nقاعدة علي <x>";
    let bytes = text.as_bytes();
    let (line, column) = advance(1, 1, bytes, &scan(bytes));
    assert_eq!((line, column), (2, 14));
    // Longer than one 64-byte block, with a forbidden byte at the end.
    let long = format!("{}\u{1}", "ب".repeat(100));
    let s = scan(long.as_bytes());
    assert_eq!((s.newlines, s.chars, s.suspect), (0, 101, true));
    assert_eq!(find_forbidden(long.as_bytes()), Some(200));
    assert_eq!(find_forbidden("\u{FEFF}ﻻ".as_bytes()), None);
    assert_eq!(find_forbidden("a\u{FFFF}".as_bytes()), Some(1));
}

proptest::proptest! {
    #[test]
    fn scan_agrees_with_counting_byte_by_byte(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
        let s = scan(&bytes);
        let newlines = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
        let chars = bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count() as u64;
        let suspect = bytes
            .iter()
            .any(|&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0xEF);
        proptest::prop_assert_eq!((s.newlines, s.chars, s.suspect), (newlines, chars, suspect));
    }
}

/// Every unit and warning of a file, each unit new.
fn read_all(path: &std::path::Path) -> (Vec<Unit>, Vec<Warning>) {
    let file = std::fs::File::open(path).unwrap();
    let mut r = TmxReader::new(io::BufReader::new(file)).unwrap();
    let mut units = Vec::new();
    while let Some(u) = r.next_unit().unwrap() {
        units.push(u);
    }
    (units, r.take_warnings())
}

/// `read_all` refilling one unit, the way an import does.
fn read_all_into_one(path: &std::path::Path) -> (Vec<Unit>, Vec<Warning>) {
    let file = std::fs::File::open(path).unwrap();
    let mut r = TmxReader::new(io::BufReader::new(file)).unwrap();
    let (mut units, mut unit) = (Vec::new(), Unit::default());
    while r.next_unit_into(&mut unit).unwrap() {
        units.push(unit.clone());
    }
    (units, r.take_warnings())
}

#[test]
fn refilled_units_give_the_same_units_and_warnings_for_every_fixture() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tmx");
    let mut files = 0;
    for dir in ["good", "from-tools"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.to_string_lossy().contains(".tmx") {
                let fresh = read_all(&path);
                assert!(!fresh.0.is_empty(), "{}", path.display());
                assert_eq!(read_all_into_one(&path), fresh, "{}", path.display());
                files += 1;
            }
        }
    }
    assert!(files >= 25, "only {files} fixtures found");
}

#[test]
fn an_emptied_unit_keeps_its_memory_for_the_next_one() {
    let mut spares = Spares::default();
    let mut unit = Unit::pair("ar", "قال «نعم»؟", "en", "He said \"yes\"?");
    unit.tuid = Some("7".into());
    unit.stamp.creation_date = Some("20240101T000000Z".into());
    unit.stamp.usage_count = Some(3);
    unit.props.push(Prop {
        kind: "x-domain".into(),
        value: "أخبار".into(),
        ..Prop::default()
    });
    unit.variants[0].notes.push(Note {
        text: "مراجعة".into(),
        ..Note::default()
    });
    unit.variants[1].extra.push(("o-tmf".into(), "x".into()));
    unit.context.prev = Some("السابق".into());
    spares.clear_unit(&mut unit);
    // The unit keeps its two variants, emptied, to be refilled.
    let emptied = Unit {
        variants: vec![Variant::default(); 2],
        ..Unit::default()
    };
    assert_eq!(unit, emptied);
    assert!(unit.variants.iter().all(|v| v.seg.plain.capacity() > 0));
    // tuid, srclang, date, prev, prop kind and value, note, extra pair.
    assert_eq!(spares.strings.len(), 9);
    assert!(spares.strings.iter().all(|s| s.is_empty()));
    // A huge segment's memory is freed, not kept.
    let big = "ب".repeat(MAX_SPARE_CAPACITY);
    let mut unit = Unit::pair("ar", &big, "en", "b");
    spares.clear_unit(&mut unit);
    assert!(unit
        .variants
        .iter()
        .all(|v| v.seg.plain.capacity() <= MAX_SPARE_CAPACITY));
}

proptest::proptest! {
    /// Long Arabic text: continuation bytes fill the per-lane counters,
    /// which must be summed before they overflow (every 2040 bytes).
    #[test]
    fn scan_counts_long_arabic_text_exactly(
        text in "[\u{0621}-\u{064A}\u{064B}-\u{0652} \n\u{0001}\u{FEFB}a]{0,3000}"
    ) {
        let bytes = text.as_bytes();
        let s = scan(bytes);
        let newlines = text.matches('\n').count() as u64;
        let suspect = text.contains(['\u{0001}', '\u{FEFB}']);
        proptest::prop_assert_eq!(
            (s.newlines, s.chars, s.suspect),
            (newlines, text.chars().count() as u64, suspect)
        );
    }
}

#[test]
fn scan_counts_characters_past_every_lane_counter_overflow() {
    // Two-byte letters put a continuation byte in every other lane of
    // every word: 20,000 of them overflow an unsummed lane many times.
    for n in [1, 1019, 1020, 1021, 20_000] {
        let text = format!("{}\n{}", "ب".repeat(n), "ـلا".repeat(n));
        let s = scan(text.as_bytes());
        assert_eq!(
            (s.newlines, s.chars, s.suspect),
            (1, 4 * n as u64 + 1, false),
            "{n}"
        );
    }
}

#[test]
fn usual_attributes_are_split_as_quick_xml_splits_them_and_the_rest_left_to_it() {
    let split = |tag: &str| -> Option<Vec<(String, String)>> {
        let mut spans = [(0, 0, 0); MAX_QUICK_ATTRS];
        let n = split_attrs(tag.as_bytes(), &mut spans)?;
        let pairs = spans[..n]
            .iter()
            .map(|&(k, eq, end)| (tag[k..eq].to_string(), tag[eq + 2..end].to_string()));
        Some(pairs.collect())
    };
    let quick_xml = |tag: &str| -> Option<Vec<(String, String)>> {
        let start = BytesStart::from_content(format!("x{tag}"), 1);
        let pairs: Result<Vec<_>, _> = start
            .attributes()
            .map(|a| {
                a.map(|a| {
                    let key = String::from_utf8(a.key.as_ref().to_vec()).unwrap();
                    (key, String::from_utf8(a.value.to_vec()).unwrap())
                })
            })
            .collect();
        pairs.ok()
    };
    for tag in [
        "",
        "  ",
        " tuid=\"1\" creationdate='20240101T000000Z'\n\t xml:lang=\"ar-SY\"",
        " a=\"\" b='it\"s' c=\"ليس &amp; <\"",
        " a=\"1\"b=\"2\"",
    ] {
        assert!(split(tag).is_some(), "{tag:?}");
        assert_eq!(split(tag), quick_xml(tag), "{tag:?}");
    }
    // Unusual or wrong: quick-xml's iterator decides.
    for tag in [
        " a = \"1\"",
        " a=1",
        " a",
        " a=\"1",
        " a=\"1\" a=\"2\"",
        " =\"1\"",
        " a\"b=\"1\"",
        " a=\"1\" b=\"2\" c=\"3\" d=\"4\" e=\"5\" f=\"6\" g=\"7\" h=\"8\" i=\"9\"",
    ] {
        assert_eq!(split(tag), None, "{tag:?}");
    }
}

#[test]
fn attribute_values_resolve_references_and_normalize_whitespace() {
    assert_eq!(
        unescape_attr(b"a &amp; &#x627;\tb\r\nc").unwrap(),
        "a & ا b c"
    );
    assert_eq!(unescape_attr(b"&#9;").unwrap(), "\t");
    assert!(unescape_attr(b"a < b").is_err());
    assert!(unescape_attr(b"&nbsp;")
        .unwrap_err()
        .contains("undefined entity"));
    assert!(unescape_attr(b"&#0;").is_err());
}

//! Library-level tests of the TMX reader on bad input: every bad fixture is
//! refused with its place and reason, limits hold, odd declarations read.

mod common;

use common::tmx::{ar_en, doc, fixture, read_all, read_fixture};
use tarjuman::tmx::{ReadError, TmxReader};

/// (fixture, line, column, part of the message)
const BAD: &[(&str, u64, u64, &str)] = &[
    ("empty.tmx", 1, 1, "the file is empty"),
    ("truncated.tmx", 12, 118, "truncated"),
    ("malformed.tmx", 7, 47, "</tuv> where </seg> was expected"),
    ("xliff.tmx", 2, 1, "this is an XLIFF file, not TMX"),
    ("html-error-page.tmx", 2, 1, "this is an HTML page, not TMX"),
    ("not-xml-text.tmx", 1, 1, "this is not XML"),
    (
        "forbidden-char.tmx",
        7,
        88,
        "control character U+0001 is not allowed",
    ),
    (
        "forbidden-char-ref.tmx",
        7,
        88,
        "&#x1; is U+0001, a character XML forbids",
    ),
    ("invalid-utf8.tmx", 7, 31, "encoding=\"windows-1256\""),
    ("billion-laughs.tmx", 2, 1, "the DOCTYPE declares entities"),
    ("external-entity.tmx", 2, 1, "the DOCTYPE declares entities"),
    (
        "parameter-entity.tmx",
        2,
        1,
        "the DOCTYPE declares entities",
    ),
    (
        "quadratic-blowup.tmx",
        2,
        1,
        "the DOCTYPE declares entities",
    ),
    ("deep-nesting.tmx", 6, 813, "nested more than 200 levels"),
    ("binary.tmx", 1, 1, "binary data"),
    ("zip-archive.tmx", 1, 1, "ZIP archive"),
    ("undefined-entity.tmx", 6, 36, "undefined entity &nbsp;"),
    (
        "dangling-ampersand.tmx",
        7,
        33,
        "write a literal & as &amp;",
    ),
    ("duplicate-seg.tmx", 6, 42, "a second <seg>"),
    ("duplicate-attribute.tmx", 5, 18, "duplicated attribute"),
    (
        "tu-inside-tu.tmx",
        7,
        7,
        "<tu> inside <tu>: invalid nesting",
    ),
    ("content-after-root.tmx", 11, 1, "content after </tmx>"),
    ("tiled-map.tmx", 2, 1, "this is a Tiled map"),
    // The DTD requires a <body>: a header alone is not a TMX with no units.
    ("no-body.tmx", 4, 7, "</tmx> before any <body>: invalid TMX"),
];

fn first_error(bytes: &[u8]) -> Option<ReadError> {
    read_all(bytes).err()
}

#[test]
fn every_bad_fixture_is_refused_with_place_and_reason() {
    let dir = fixture("bad");
    let mut listed: Vec<&str> = BAD.iter().map(|b| b.0).collect();
    listed.sort();
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmx"))
        .collect();
    on_disk.sort();
    assert_eq!(listed, on_disk, "every bad fixture has an expectation here");
    for &(name, line, column, text) in BAD {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let e = first_error(&bytes).unwrap_or_else(|| panic!("{name} was accepted"));
        assert!(e.message.contains(text), "{name}: {e}");
        assert_eq!((e.line, e.column), (line, column), "{name}: {e}");
        assert_eq!(
            e.to_string(),
            format!("line {line}, column {column}: {}", e.message)
        );
    }
}

#[test]
fn a_hundred_thousand_nested_elements_stop_at_the_depth_limit() {
    let n = 100_000;
    for (open, close) in [
        ("<hi>", "</hi>"),
        ("<sub>", "</sub>"),
        ("<junk>", "</junk>"),
    ] {
        let body = format!(
            "<tu><tuv xml:lang=\"ar\"><seg>{}نص{}</seg></tuv></tu>\n",
            open.repeat(n),
            close.repeat(n)
        );
        let e = first_error(doc(&body).as_bytes()).expect("refused");
        assert!(e.message.contains("nested more than"), "{e}");
        assert_eq!(e.line, 3);
    }
    // Junk nested directly in the body is caught the same way.
    let body = format!("{}{}", "<x>".repeat(n), "</x>".repeat(n));
    let e = first_error(doc(&body).as_bytes()).expect("refused");
    assert!(e.message.contains("nested more than"), "{e}");
}

#[test]
fn after_an_error_the_reader_keeps_returning_it() {
    let bytes = std::fs::read(fixture("bad/truncated.tmx")).unwrap();
    let mut r = TmxReader::new(&bytes[..]).unwrap();
    let mut first = None;
    for _ in 0..10 {
        if let Err(e) = r.next_unit() {
            first = Some(e);
            break;
        }
    }
    let first = first.expect("truncated file fails");
    assert_eq!(r.next_unit().unwrap_err(), first);
}

#[test]
fn declared_utf16_on_8bit_bytes_and_unknown_encodings() {
    let s = doc("").replace(
        "<?xml version=\"1.0\"?>",
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?>",
    );
    let (_, units, warnings) = read_all(s.as_bytes()).unwrap();
    assert!(units.is_empty());
    assert!(
        warnings[0].message.contains("read as UTF-8"),
        "{warnings:?}"
    );
    // An unknown encoding over bytes that are not UTF-8 cannot be read.
    let s = doc("<!-- \u{c7} -->").replace(
        "<?xml version=\"1.0\"?>",
        "<?xml version=\"1.0\" encoding=\"klingon-8\"?>",
    );
    let mut bytes = s.into_bytes();
    let i = bytes
        .windows(2)
        .position(|w| w == "\u{c7}".as_bytes())
        .unwrap();
    bytes.splice(i..i + 2, [0xC7]);
    let e = first_error(&bytes).unwrap();
    assert!(e.message.contains("unknown encoding \"klingon-8\""), "{e}");
}

#[test]
fn python_codec_names_and_other_utf8_aliases_in_the_declaration_are_read() {
    // Python's codec names (`iso8859_6`) map to the encoding they mean.
    let (_, units, warnings) = read_fixture("good/iso8859_6-python-label.tmx");
    assert_eq!(ar_en(&units[0]), ("قاعدة الإمام علي", "Imam Ali base"));
    assert!(warnings.is_empty(), "{warnings:?}");
    // Names of UTF-8: Python's `utf_8` maps; others are read as UTF-8
    // because the bytes are, with a warning.
    for (label, warned) in [("utf_8", false), ("utf-8-sig", true), ("UTF-8N", true)] {
        let body = "<tu><tuv xml:lang=\"ar\"><seg>سورية</seg></tuv><tuv xml:lang=\"en\"><seg>Syria</seg></tuv></tu>\n";
        let s = doc(body).replace(
            "<?xml version=\"1.0\"?>",
            &format!("<?xml version=\"1.0\" encoding=\"{label}\"?>"),
        );
        let (_, units, warnings) = read_all(s.as_bytes()).unwrap();
        assert_eq!(ar_en(&units[0]), ("سورية", "Syria"), "{label}");
        assert_eq!(warnings.len(), usize::from(warned), "{label}: {warnings:?}");
        if !warned {
            continue;
        }
        assert!(
            warnings[0]
                .message
                .contains(&format!("unknown encoding \"{label}\"")),
            "{warnings:?}"
        );
        assert!(
            warnings[0].message.contains("read as UTF-8"),
            "{warnings:?}"
        );
    }
}

#[test]
fn column_counts_characters_so_it_holds_for_arabic_and_utf16() {
    let body = "<tu><tuv xml:lang=\"ar\"><seg>قاعدة &bad; علي</seg></tuv></tu>\n";
    let utf8 = doc(body);
    let e8 = first_error(utf8.as_bytes()).unwrap();
    assert_eq!((e8.line, e8.column), (3, 35));
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(utf8.encode_utf16().flat_map(|u| u.to_le_bytes()));
    let e16 = first_error(&utf16).unwrap();
    assert_eq!((e16.line, e16.column), (3, 35));
}

#[test]
fn warnings_beyond_a_thousand_are_counted_not_kept() {
    let body = "<tu><tuv xml:lang=\"ar\"><seg>لغة واحدة</seg></tuv></tu>\n".repeat(1500);
    let (_, units, warnings) = read_all(doc(&body).as_bytes()).unwrap();
    assert_eq!(units.len(), 1500);
    assert_eq!(warnings.len(), 1001);
    assert_eq!(warnings[1000].message, "500 more warnings not shown");
}

/// A TMX document produced on the fly, so the test can see how much of
/// it the reader has pulled when it returns the first unit.
struct Generated {
    chunks: std::vec::IntoIter<Vec<u8>>,
    current: std::io::Cursor<Vec<u8>>,
}

impl std::io::Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = self.current.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            match self.chunks.next() {
                Some(c) => self.current = std::io::Cursor::new(c),
                None => return Ok(0),
            }
        }
    }
}

#[test]
fn the_reader_streams_instead_of_loading_the_file() {
    let text = doc(&"<tu><tuv xml:lang=\"ar\"><seg>المليشيات الإيرانية تخلي أكبر قاعدة عسكرية</seg></tuv><tuv xml:lang=\"en\"><seg>Iranian militias evacuate their largest base</seg></tuv></tu>\n".repeat(20_000));
    let total = text.len() as u64;
    let chunks: Vec<Vec<u8>> = text.as_bytes().chunks(8192).map(|c| c.to_vec()).collect();
    let input = Generated {
        chunks: chunks.into_iter(),
        current: std::io::Cursor::new(Vec::new()),
    };
    let mut r = TmxReader::new(input).unwrap();
    r.next_unit().unwrap().unwrap();
    assert!(
        r.bytes_read() < 1_000_000,
        "read {} of {total} bytes for one unit",
        r.bytes_read()
    );
    let mut n = 1;
    while r.next_unit().unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, 20_000);
    assert_eq!(r.bytes_read(), total);
}

#[test]
fn names_xml_does_not_allow_are_refused_not_copied_into_markup() {
    for seg in [
        "<seg>نص <ph a&b=\"1\">x</ph></seg>",
        "<seg>نص <1ph>x</1ph></seg>",
    ] {
        let body = format!("<tu><tuv xml:lang=\"ar\">{seg}</tuv></tu>\n");
        let e = first_error(doc(&body).as_bytes()).expect("refused");
        assert!(e.message.contains("is not a valid"), "{e}");
        assert_eq!(e.line, 3, "{e}");
    }
}

#[test]
fn a_gzipped_opus_file_reads_like_its_text_and_counts_compressed_bytes() {
    let gz = std::fs::read(fixture("good/opus-uplug.tmx.gz")).unwrap();
    let text = std::fs::read(fixture("src/opus-uplug.xml")).unwrap();
    let (h, units, warnings) = read_all(&gz).unwrap();
    assert_eq!((h, units, warnings), read_all(&text).unwrap());
    let (h, units, _) = read_all(&gz).unwrap();
    // Uplug's date is not a TMX date: kept as written.
    assert_eq!(
        h.stamp.creation_date.as_deref(),
        Some("Sat Nov  6 09:05:03 2021")
    );
    assert_eq!(h.creation_tool.as_deref(), Some("Uplug"));
    assert_eq!(units.len(), 3);
    assert_eq!(
        ar_en(&units[0]),
        (
            "المليشيات الإيرانية تخلي أكبر قاعدة عسكرية لها شرقي سورية",
            "Iranian militias evacuate their largest military base in eastern Syria"
        )
    );
    // Progress is measured against the file's size on disk.
    let mut r = TmxReader::new(gz.as_slice()).unwrap();
    while r.next_unit().unwrap().is_some() {}
    assert_eq!(r.bytes_read(), gz.len() as u64);
}

#[test]
fn a_cut_off_gzip_download_is_refused_saying_so() {
    let bytes = std::fs::read(fixture("bad/truncated-gzip.tmx.gz")).unwrap();
    let e = first_error(&bytes).expect("a truncated gzip file was accepted");
    assert!(e.message.contains("gzip data is corrupt or cut off"), "{e}");
}

#[test]
fn utf8_under_a_latin1_declaration_is_read_as_utf8_with_a_warning() {
    let (_, units, warnings) = read_fixture("good/utf8-declared-latin1.tmx");
    assert_eq!(
        ar_en(&units[0]),
        ("قاعدة الإمام علي", "the Imam Ali base – café “Al-Sharq”")
    );
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!((warnings[0].line, warnings[0].column), (1, 1));
    assert!(
        warnings[0]
            .message
            .contains("says \"ISO-8859-1\" but the text is UTF-8"),
        "{warnings:?}"
    );
}

#[test]
fn foreign_placeholders_in_a_seg_are_kept_as_native_code_not_dropped() {
    let (h, units, warnings) = read_fixture("good/t5memory-foreign-tags.tmx");
    // An attribute TMX does not define on the header is kept.
    assert_eq!(h.extra[0].0, "gitCommit");
    let u = &units[0];
    let (ar, en) = (u.variant("ar").unwrap(), u.variant("en").unwrap());
    // t5memory's XLIFF placeholder survives as a <ph>; the text is unchanged.
    assert_eq!(ar.seg.plain, "قاعدة الإمام علي ");
    assert_eq!(
        ar.seg.markup,
        "قاعدة الإمام علي <ph>&lt;x id=\"1\"/&gt;</ph>"
    );
    assert_eq!(
        en.seg.markup,
        "the Imam Ali base <ph>&lt;x id=\"1\"/&gt;</ph>"
    );
    // Inside native code a foreign tag is more code: escaped, no <ph> in a <bpt>.
    let ar = units[1].variant("ar").unwrap();
    assert_eq!(
        ar.seg.markup,
        "<bpt i=\"1\">&lt;b&gt;&lt;g id=\"2\"/&gt;</bpt>البوكمال<ept i=\"1\">&lt;/b&gt;</ept>"
    );
    assert_eq!(ar.seg.plain, "البوكمال");
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(warnings
        .iter()
        .all(|w| w.message.contains("kept as native code (<ph>)")));
}

#[test]
fn word_control_characters_are_refused_saying_what_they_are() {
    // Word's manual line break leaks into exports raw or as a reference.
    for seg in ["سطر\u{b}جديد", "سطر&#xB;جديد"] {
        let body = format!(
            "<tu><tuv xml:lang=\"ar\"><seg>{seg}</seg></tuv><tuv xml:lang=\"en\"><seg>new line</seg></tuv></tu>\n"
        );
        let e = first_error(doc(&body).as_bytes()).expect("a U+000B was accepted");
        assert!(e.message.contains("U+000B"), "{e}");
        assert!(e.message.contains("Word's manual line break"), "{e}");
    }
}

#[test]
fn a_bad_attribute_is_placed_where_it_is_even_in_a_tag_over_several_lines() {
    // Déjà Vu and Trados Workbench write one attribute a line.
    let body =
        "<tu\n   tuid=\"1\"\n   srclang=ar>\n<tuv xml:lang=\"ar\"><seg>سورية</seg></tuv></tu>\n";
    let e = first_error(doc(body).as_bytes()).expect("an unquoted value was accepted");
    assert_eq!((e.line, e.column), (5, 12), "{e}");
    assert!(
        e.message
            .contains("bad attribute in <tu>: an attribute value must be in"),
        "{e}"
    );
    // No quick-xml byte offsets in what the user reads.
    assert!(!e.message.contains("position"), "{e}");
}

#[test]
fn bad_attribute_bytes_names_and_values_are_refused_at_the_tag_naming_the_attribute() {
    // Each tag once through the quick path (few attributes, one UTF-8 check
    // for the whole tag) and once through quick-xml's (more than eight).
    let many = " a1=\"1\" a2=\"2\" a3=\"3\" a4=\"4\" a5=\"5\" a6=\"6\" a7=\"7\" a8=\"8\"";
    for extra in ["", many] {
        let tu = |attrs: &[u8]| {
            let mut bytes = doc("").into_bytes();
            let body = bytes.len() - "</body></tmx>\n".len();
            let mut tag = format!("<tu{extra}").into_bytes();
            tag.extend_from_slice(attrs);
            tag.extend_from_slice("><tuv xml:lang=\"ar\"><seg>نص</seg></tuv></tu>\n".as_bytes());
            bytes.splice(body..body, tag);
            bytes
        };
        // Windows-1256 bytes for "مر" in a value, then in a name.
        let e = first_error(&tu(b" tuid=\"\xE3\xD1\"")).expect("1256 value accepted");
        assert_eq!((e.line, e.column), (3, 1), "{e}");
        assert!(
            e.message.starts_with(
                "attribute tuid of <tu>: byte 0xE3 is not valid UTF-8, and no other encoding \
                 is declared: it looks like windows-1256"
            ),
            "{e}"
        );
        let e = first_error(&tu(b" t\xE3d=\"1\"")).expect("1256 name accepted");
        assert!(e.message.starts_with("byte 0xE3 is not valid UTF-8"), "{e}");
        assert_eq!(e.line, 3, "{e}");
        for (attrs, message) in [
            (
                &b" tuid=\"1\" 1x=\"2\""[..],
                "malformed XML: \"1x\" in <tu> is not a valid attribute name",
            ),
            (
                b" tuid=\"a<b\"",
                "attribute tuid of <tu>: `<` is not allowed in an attribute value (write &lt;)",
            ),
            (
                b" creationid=\"a&b\"",
                "attribute creationid of <tu>: `&` that does not start a reference (write & as &amp;)",
            ),
            (
                b" x-mine=\"a&nbsp;b\"",
                "attribute x-mine of <tu>: undefined entity &nbsp;",
            ),
        ] {
            let e = first_error(&tu(attrs)).expect("a bad attribute was accepted");
            assert_eq!((e.line, e.column), (3, 1), "{e}");
            assert!(e.message.starts_with(message), "{e}");
        }
    }
}

#[test]
fn an_unescaped_less_than_in_a_seg_is_refused_saying_how_to_write_it() {
    let body = "<tu><tuv xml:lang=\"ar\"><seg>أ < ب</seg></tuv></tu>\n";
    let e = first_error(doc(body).as_bytes()).expect("a raw < was accepted");
    assert_eq!((e.line, e.column), (3, 31), "{e}");
    assert!(e.message.contains("must be written &lt;"), "{e}");
}

#[test]
fn an_end_tag_missing_its_bracket_is_named_on_one_line() {
    let body = "<tu><tuv xml:lang=\"ar\"><seg>سورية</seg></tuv></tu\n";
    let e = first_error(doc(body).as_bytes()).expect("</tu without > was accepted");
    assert!(e.message.contains("</tu is not closed by `>`"), "{e}");
    assert!(!e.message.contains('\n'), "{e}");
}

#[test]
fn attributes_tmx_does_not_define_on_prop_and_note_are_named_when_dropped() {
    // A home-made exporter: `name` instead of `type`, a priority on a note.
    let body = "<tu><prop name=\"client\">الجزيرة</prop><note priority=\"1\">مراجعة</note>\
                <tuv xml:lang=\"ar\"><seg>سورية</seg></tuv><tuv xml:lang=\"en\"><seg>Syria</seg></tuv></tu>\n";
    let (_, units, warnings) = read_all(doc(body).as_bytes()).unwrap();
    assert_eq!(units[0].props[0].value, "الجزيرة");
    assert_eq!(units[0].notes[0].text, "مراجعة");
    let messages: Vec<&str> = warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(
        messages.contains(&"attribute name=\"client\" of <prop> is not TMX: dropped"),
        "{messages:?}"
    );
    assert!(messages.contains(&"<prop> without type"), "{messages:?}");
    assert!(
        messages.contains(&"attribute priority=\"1\" of <note> is not TMX: dropped"),
        "{messages:?}"
    );
}

#[test]
fn public_doctypes_empty_internal_subsets_and_glued_tags_read_as_usual() {
    let (h, units, warnings) = read_fixture("good/doctype-public-glued-tags.tmx");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(h.creation_tool.as_deref(), Some("Swordfish"));
    assert_eq!(units.len(), 2);
    assert_eq!(units[1].variants[0].seg.plain, "بريف دير الزور");
    assert_eq!(
        units[1].variants[1].seg.markup,
        "in the <ph x=\"3438103\">&lt;ph id=\"ph1\"/&gt;</ph>Deir ez-Zor countryside"
    );
    let (_, units, warnings) = read_fixture("good/doctype-empty-subset.tmx");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(ar_en(&units[0]), ("قاعدة الإمام علي", "Imam Ali base"));
}

/// A stream of a TMX whose one `<seg>` holds `seg_bytes` of Arabic text,
/// made as it is read (nothing on disk or in memory); counts what it gave.
struct HugeSeg {
    head: Vec<u8>,
    seg_bytes: u64,
    given: u64,
}

impl std::io::Read for HugeSeg {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let pos = self.given as usize;
        let n = if pos < self.head.len() {
            let n = (self.head.len() - pos).min(out.len());
            out[..n].copy_from_slice(&self.head[pos..pos + n]);
            n
        } else if self.given - (self.head.len() as u64) < self.seg_bytes {
            // "سورية " is 11 bytes; fill whole words.
            let word = "سورية ".as_bytes();
            let n = (out.len() / word.len()) * word.len();
            for chunk in out[..n].chunks_mut(word.len()) {
                chunk.copy_from_slice(word);
            }
            n
        } else {
            0
        };
        self.given += n as u64;
        Ok(n)
    }
}

/// Issue 16: a 2.2 GB `<seg>` made the reader allocate 6.6 GB and abort.
/// It is refused at the seg's line and column once the reader has read
/// `MAX_SEGMENT_BYTES` of it: the stream is never read much further.
#[test]
fn a_2_2_gb_segment_is_refused_after_the_limit_not_read_into_memory() {
    let head = b"<?xml version=\"1.0\"?>\n<tmx version=\"1.4\"><header srclang=\"ar\"/><body>\n<tu><tuv xml:lang=\"ar\"><seg>".to_vec();
    let mut src = HugeSeg {
        head,
        seg_bytes: 2_200_000_000,
        given: 0,
    };
    let e = {
        let mut r = TmxReader::new(&mut src).unwrap();
        match r.next_unit() {
            Ok(Some(_)) => panic!("a unit was read"),
            Ok(None) => panic!("the file was accepted"),
            Err(e) => e,
        }
    };
    assert!(e.message.contains("longer than 4 MiB"), "{e}");
    assert_eq!((e.line, e.column), (3, 29), "{e}");
    let limit = tarjuman::tmx::read::MAX_SEGMENT_BYTES as u64;
    assert!(src.given < 2 * limit, "read {} bytes", src.given);
}

/// The same limit holds when the segment comes in many small pieces
/// (entities between words), which each pass the lexer.
#[test]
fn a_huge_segment_in_small_pieces_is_refused_too() {
    let mut doc = String::from("<?xml version=\"1.0\"?>\n<tmx version=\"1.4\"><header srclang=\"ar\"/><body>\n<tu><tuv xml:lang=\"ar\"><seg>");
    let limit = tarjuman::tmx::read::MAX_SEGMENT_BYTES;
    while doc.len() < limit + (1 << 20) {
        doc.push_str("سورية&amp;");
    }
    doc.push_str("</seg></tuv></tu></body></tmx>\n");
    let e = first_error(doc.as_bytes()).expect("refused");
    assert!(e.message.contains("longer than 4 MiB"), "{e}");
    assert_eq!(e.line, 3, "{e}");
}

//! The TMX writer: DTD order and required attributes, escaping, how
//! tarjuman's own data travels, and that the reader reads it back.

use tarjuman::tmx::{TmxReader, TmxWriter};
use tarjuman::unit::{Context, Header, Note, Prop, Segment, Stamp, Unit, Variant};

fn write(header: &Header, units: &[Unit]) -> String {
    let mut w = TmxWriter::new(Vec::new(), header).unwrap();
    for u in units {
        w.write_unit(u).unwrap();
    }
    String::from_utf8(w.finish().unwrap()).unwrap()
}

fn read(text: &str) -> (Header, Vec<Unit>) {
    let mut r = TmxReader::new(text.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let h = r.header().clone();
    let mut units = Vec::new();
    while let Some(u) = r.next_unit().unwrap_or_else(|e| panic!("{e}\n{text}")) {
        units.push(u);
    }
    assert!(r.take_warnings().is_empty());
    (h, units)
}

#[test]
fn an_empty_header_gets_every_required_attribute() {
    let text = write(&Header::default(), &[]);
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        text,
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE tmx SYSTEM \"tmx14.dtd\">\n<tmx version=\"1.4\">\n  <header creationtool=\"tarjuman\" creationtoolversion=\"{version}\" segtype=\"sentence\" o-tmf=\"tarjuman\" adminlang=\"en\" srclang=\"*all*\" datatype=\"plaintext\"/>\n  <body>\n  </body>\n</tmx>\n"
        )
    );
}

#[test]
fn a_pair_is_written_as_tu_with_xml_lang_and_unpadded_seg() {
    let u = Unit::pair(
        "ar",
        "وفد من المعارضة السورية يلتقي لافروف في موسكو",
        "en",
        "Syrian opposition delegation meets Lavrov in Moscow",
    );
    let text = write(&Header::default(), std::slice::from_ref(&u));
    assert!(text.contains(
        "    <tu srclang=\"ar\">\n      <tuv xml:lang=\"ar\">\n        <seg>وفد من المعارضة السورية يلتقي لافروف في موسكو</seg>\n      </tuv>\n      <tuv xml:lang=\"en\">\n        <seg>Syrian opposition delegation meets Lavrov in Moscow</seg>\n      </tuv>\n    </tu>\n"
    ), "{text}");
    assert_eq!(read(&text).1, [u]);
}

#[test]
fn notes_and_props_come_before_tuvs_and_before_seg_as_the_dtd_requires() {
    let mut u = Unit::pair("ar", "نص", "en", "text");
    u.notes.push(Note {
        text: "ملاحظة".into(),
        ..Note::default()
    });
    u.props.push(Prop {
        kind: "x-client".into(),
        value: "العربي الجديد".into(),
        ..Prop::default()
    });
    u.variants[1].props.push(Prop {
        kind: "x-status".into(),
        value: "final".into(),
        lang: Some("en".into()),
        encoding: None,
    });
    u.variants[1].notes.push(Note {
        text: "checked".into(),
        lang: Some("en".into()),
        encoding: Some("ascii".into()),
    });
    let text = write(&Header::default(), std::slice::from_ref(&u));
    let pos = |s: &str| {
        text.find(s)
            .unwrap_or_else(|| panic!("{s} missing in {text}"))
    };
    assert!(pos("<note>ملاحظة</note>") < pos("<prop type=\"x-client\">"));
    assert!(pos("<prop type=\"x-client\">") < pos("<tuv xml:lang=\"ar\">"));
    assert!(
        pos("<note xml:lang=\"en\" o-encoding=\"ascii\">checked</note>")
            < pos("<prop type=\"x-status\" xml:lang=\"en\">final</prop>")
    );
    assert!(pos("<prop type=\"x-status\"") < pos("<seg>text</seg>"));
    assert_eq!(read(&text).1, [u]);
}

#[test]
fn attribute_values_and_text_are_escaped() {
    let mut u = Unit::pair("ar", "أ < ب & ج > د", "en", "a < b & c > d");
    u.tuid = Some("id \"1\" <&> 'x'".into());
    u.props.push(Prop {
        kind: "x-q\"uote".into(),
        value: "a & b <c>".into(),
        ..Prop::default()
    });
    let text = write(&Header::default(), std::slice::from_ref(&u));
    assert!(
        text.contains("<tu tuid=\"id &quot;1&quot; &lt;&amp;&gt; 'x'\" srclang=\"ar\">"),
        "{text}"
    );
    assert!(
        text.contains("<prop type=\"x-q&quot;uote\">a &amp; b &lt;c&gt;</prop>"),
        "{text}"
    );
    assert!(
        text.contains("<seg>أ &lt; ب &amp; ج &gt; د</seg>"),
        "{text}"
    );
    assert_eq!(read(&text).1, [u]);
}

#[test]
fn origin_context_and_non_dtd_attributes_travel_as_tarjuman_props() {
    let mut u = Unit::pair(
        "ar",
        "بدأت مليشيات تابعة لإيران",
        "en",
        "Militias affiliated with Iran began",
    );
    u.origin = Some("alaraby-2021-11-06-ar.txt".into());
    u.context = Context {
        prev: Some("+ الخط -".into()),
        next: Some("وذكر موقع".into()),
    };
    u.extra = vec![
        ("datatype".into(), "plaintext".into()),
        ("x-score".into(), "97".into()),
        ("segtype".into(), "sentence".into()),
    ];
    u.variants[0].extra = vec![("x-mt".into(), "no".into())];
    let text = write(&Header::default(), std::slice::from_ref(&u));
    assert!(
        text.contains("<tu srclang=\"ar\" datatype=\"plaintext\">"),
        "{text}"
    );
    assert!(text.contains("<prop type=\"x-tarjuman-origin\">alaraby-2021-11-06-ar.txt</prop>"));
    assert!(text.contains("<prop type=\"x-tarjuman-context-prev\">+ الخط -</prop>"));
    assert!(text.contains("<prop type=\"x-tarjuman-context-next\">وذكر موقع</prop>"));
    assert!(text.contains("<prop type=\"x-tarjuman-attr:x-score\">97</prop>"));
    assert!(text.contains("<prop type=\"x-tarjuman-attr:segtype\">sentence</prop>"));
    assert!(text.contains("<prop type=\"x-tarjuman-attr:x-mt\">no</prop>"));
    assert_eq!(read(&text).1, [u]);
}

#[test]
fn stamps_header_fields_ude_and_markup_round_trip() {
    let header = Header {
        creation_tool: Some("SDL Language Platform".into()),
        srclang: Some("ar-SA".into()),
        o_encoding: Some("UTF-16".into()),
        stamp: Stamp {
            creation_date: Some("20211106T101010Z".into()),
            change_id: Some("me".into()),
            ..Stamp::default()
        },
        props: vec![Prop {
            kind: "x-TMName".into(),
            value: "alaraby".into(),
            ..Prop::default()
        }],
        notes: vec![Note {
            text: "ذاكرة".into(),
            ..Note::default()
        }],
        extra: vec![("x-vendor".into(), "1".into())],
        ude: vec!["<ude name=\"x\"><map unicode=\"#xF8FF\" code=\"#xF0\"/></ude>".into()],
        ..Header::default()
    };
    let u = Unit {
        tuid: Some("7".into()),
        stamp: Stamp {
            creation_date: Some("20211106T101512Z".into()),
            usage_count: Some(12),
            last_usage_date: Some("20211110T083000Z".into()),
            creation_tool: Some("tarjuman".into()),
            creation_tool_version: Some("0.1.0".into()),
            ..Stamp::default()
        },
        variants: vec![
            Variant {
                lang: "ar-SA".into(),
                seg: Segment {
                    markup: "<bpt i=\"1\" x=\"2\"/>العربي الجديد<ept i=\"1\"/>".into(),
                    plain: "العربي الجديد".into(),
                },
                stamp: Stamp {
                    change_date: Some("20211106T102000Z".into()),
                    ..Stamp::default()
                },
                ..Variant::default()
            },
            Variant {
                lang: "en-US".into(),
                seg: Segment::from_plain(""),
                ..Variant::default()
            },
        ],
        ..Unit::default()
    };
    let text = write(&header, std::slice::from_ref(&u));
    assert!(
        text.contains("<seg></seg>"),
        "empty segments are written: {text}"
    );
    assert!(text.contains("usagecount=\"12\""));
    let (h, units) = read(&text);
    assert_eq!(h, tarjuman::tmx::write::header_with_defaults(&header));
    assert_eq!(h.ude, header.ude);
    assert_eq!(units, [u]);
}

#[test]
fn carriage_returns_survive_and_forbidden_characters_are_dropped() {
    let u = Unit::pair("ar", "سطر\rسطر", "en", "bell\u{7} here");
    let text = write(&Header::default(), &[u]);
    assert!(text.contains("<seg>سطر&#13;سطر</seg>"), "{text}");
    assert!(text.contains("<seg>bell here</seg>"), "{text}");
    let (_, units) = read(&text);
    assert_eq!(units[0].variants[0].seg.plain, "سطر\rسطر");
    assert_eq!(units[0].variants[1].seg.plain, "bell here");
}

#[test]
fn a_unit_without_variants_is_refused() {
    let mut w = TmxWriter::new(Vec::new(), &Header::default()).unwrap();
    let e = w.write_unit(&Unit::default()).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
}

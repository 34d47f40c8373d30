//! Library-level tests of the TMX reader on well-formed files: the fixtures
//! in tests/fixtures/tmx (see its README.md) and what CAT tools export.
//! Bad input is in tmx_refuse.rs.

mod common;

use common::tmx::{ar_en, fixture, read_fixture};
use tarjuman::tmx::TmxReader;

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

#[test]
fn every_encoding_fixture_reads_to_the_same_arabic_units() {
    let (_, reference, _) = read_fixture("good/utf8-bom.tmx");
    assert_eq!(reference.len(), 2);
    assert_eq!(
        ar_en(&reference[0]),
        (
            "المليشيات الإيرانية تخلي أكبر قاعدة عسكرية لها شرقي سورية",
            "Iranian militias evacuate their largest military base in eastern Syria"
        )
    );
    for f in [
        "good/utf16le-bom.tmx",
        "good/utf16be-bom.tmx",
        "good/utf16le-no-bom.tmx",
        "good/windows-1256.tmx",
    ] {
        let (_, units, warnings) = read_fixture(f);
        assert_eq!(units, reference, "{f}");
        assert!(warnings.is_empty(), "{f}: {warnings:?}");
    }
    let (_, units, _) = read_fixture("good/iso-8859-6.tmx");
    assert_eq!(ar_en(&units[0]), ("قاعدة الإمام علي", "Imam Ali base"));
}

#[test]
fn tmx11_lang_attribute_is_read_and_tags_are_normalized() {
    let bytes = std::fs::read(fixture("good/tmx11-lang-attr.tmx")).unwrap();
    let r = TmxReader::new(&bytes[..]).unwrap();
    assert_eq!(r.version(), "1.1");
    let (h, units, _) = read_fixture("good/tmx11-lang-attr.tmx");
    assert_eq!(h.srclang.as_deref(), Some("ar-SY"));
    assert_eq!(h.adminlang.as_deref(), Some("en-US"));
    assert_eq!(units[0].variants[0].lang, "ar-SY");
    assert_eq!(units[0].variants[1].lang, "en-GB");
    assert_eq!(units[1].variants[0].lang, "ar-SY");
    assert_eq!(units[1].variants[1].lang, "en-GB");
    assert_eq!(units[1].variants[0].seg.plain, "06 نوفمبر 2021");
    assert!(units[0].variants.iter().all(|v| v.extra.is_empty()));
}

#[test]
fn srclang_all_and_missing_srclang_are_kept_as_written() {
    let (h, units, _) = read_fixture("good/srclang-all.tmx");
    assert_eq!(h.srclang.as_deref(), Some("*all*"));
    assert_eq!(units[0].srclang.as_deref(), Some("*all*"));
    assert_eq!(units[1].srclang, None);
    let (h, units, _) = read_fixture("good/no-srclang.tmx");
    assert_eq!(h.srclang, None);
    assert_eq!(units[0].srclang, None);
    assert_eq!(units[0].tuid.as_deref(), Some("a1"));
}

#[test]
fn five_languages_are_all_kept_in_file_order() {
    let (_, units, _) = read_fixture("good/five-languages.tmx");
    let langs: Vec<&str> = units[1].variants.iter().map(|v| v.lang.as_str()).collect();
    assert_eq!(langs, ["ar", "en-US", "fr-FR", "de-DE", "es-419"]);
    assert_eq!(units[1].variants[0].seg.plain, "القرار الأممي رقم ٢٢٥٤");
    assert_eq!(
        units[0].variant("fr").unwrap().seg.plain,
        "Une délégation de l'opposition syrienne rencontre Lavrov à Moscou"
    );
}

#[test]
fn inline_elements_stay_in_markup_and_only_translatable_text_is_plain() {
    let (_, units, warnings) = read_fixture("good/inline-all-elements.tmx");
    assert!(warnings.is_empty(), "{warnings:?}");
    let seg = |i: usize, lang: &str| units[i].variant(lang).unwrap().seg.clone();
    let s = seg(0, "ar");
    assert_eq!(
        s.markup,
        "أعلنت <bpt i=\"1\" type=\"bold\" x=\"1\">&lt;b&gt;</bpt>وزارة الخارجية الروسية<ept i=\"1\">&lt;/b&gt;</ept> يوم الجمعة"
    );
    assert_eq!(s.plain, "أعلنت وزارة الخارجية الروسية يوم الجمعة");
    assert!(s.has_tags());
    // `sub` text inside a native code is a sub-flow (its own translatable
    // text), not part of the sentence: kept in the markup, not in plain.
    let s = seg(1, "en");
    assert_eq!(s.plain, "See the photo");
    assert!(s.markup.contains("<sub datatype=\"plaintext\">photo</sub>"));
    assert!(s.markup.contains("href='x.html?a=1&amp;b=2'&gt;</ph>"));
    // `hi` (nested) is text; `it` and `ut` are codes.
    let s = seg(2, "ar");
    assert_eq!(s.plain, "لؤي بشارة/فرانس برس المليشيات الإيرانية");
    assert!(s
        .markup
        .starts_with("<it pos=\"begin\" x=\"4\">&lt;i&gt;</it>"));
    assert!(s
        .markup
        .ends_with("<hi type=\"x-strong\">الإيرانية</hi></hi><ut>{\\b}</ut>"));
    // Empty elements stay empty; attribute values are re-quoted canonically.
    let s = seg(3, "en");
    assert_eq!(
        s.markup,
        "First line<ph x=\"6\" type=\"lb\"/>second line <ph x=\"7\" assoc=\"p\" type=\"x-tab\"/>"
    );
    let s = seg(4, "ar");
    assert_eq!(
        s.markup,
        "<ph type=\"quote &quot;x&quot;\" x=\"8\">&lt;br/&gt;</ph>نص"
    );
    assert_eq!(s.plain, "نص");
}

#[test]
fn entities_character_references_and_cdata_become_text() {
    let (_, units, _) = read_fixture("good/entities-cdata.tmx");
    let s = &units[0].variant("ar").unwrap().seg;
    assert_eq!(s.plain, "الحرس & \"الثوري\" <> '");
    assert_eq!(s.markup, "الحرس &amp; \"الثوري\" &lt;&gt; '");
    assert_eq!(
        units[0].variant("en").unwrap().seg.plain,
        "The Guard & the \"Revolutionary\" <> 'AB"
    );
    let s = &units[1].variant("ar").unwrap().seg;
    assert_eq!(s.plain, "قاعدة <الإمام علي> & البوكمال");
    assert_eq!(s.markup, "قاعدة &lt;الإمام علي&gt; &amp; البوكمال");
    assert_eq!(
        units[1].variant("en").unwrap().seg.plain,
        "The <Imam Ali> & Albu Kamal base"
    );
    // `>` is escaped in markup; a carriage return from &#13; survives.
    let s = &units[2].variant("en").unwrap().seg;
    assert_eq!(s.plain, "a > b ]]> c\r");
    assert_eq!(s.markup, "a &gt; b ]]&gt; c&#13;");
}

#[test]
fn comments_and_processing_instructions_are_ignored_everywhere() {
    let (h, units, warnings) = read_fixture("good/comments-pi.tmx");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(h.props.is_empty() && h.notes.is_empty());
    assert_eq!(units.len(), 1);
    assert_eq!(
        ar_en(&units[0]),
        (
            "بدأت مليشيات تابعة لإيران",
            "Militias affiliated with Iran began"
        )
    );
}

#[test]
fn whitespace_inside_seg_is_kept_exactly_with_xml_line_ends() {
    let (_, units, _) = read_fixture("good/whitespace-seg.tmx");
    assert_eq!(
        ar_en(&units[0]),
        ("  قاعدة   الإمام\tعلي  ", "  The   Imam\tAli base  ")
    );
    assert_eq!(
        units[1].variant("ar").unwrap().seg.plain,
        "\nالسطر الأول\n  السطر الثاني\n"
    );
    // XML turns CR LF and lone CR into LF.
    assert_eq!(ar_en(&units[2]), ("سطر\nسطر\nسطر", "line\nline\nline"));
    assert_eq!(ar_en(&units[3]), (" ", ""));
}

#[test]
fn ude_elements_of_the_header_are_kept_as_canonical_xml() {
    let (h, _, _) = read_fixture("good/ude-header.tmx");
    assert_eq!(
        h.ude,
        [
            "<ude name=\"MacArabic\" base=\"Macintosh\">\n      <map unicode=\"#xF8FF\" code=\"#xF0\" ent=\"Apple_logo\" subst=\"[Apple]\"/>\n      <map code=\"#xC1\" unicode=\"#x0621\"/>\n    </ude>",
            "<ude name=\"private-use\"><map unicode=\"#xE000\" subst=\"?\"/></ude>",
        ]
    );
}

#[test]
fn props_notes_stamps_and_tarjuman_props_land_in_their_fields() {
    let (h, units, warnings) = read_fixture("good/props-notes-everywhere.tmx");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(h.o_encoding.as_deref(), Some("windows-1256"));
    assert_eq!(h.stamp.change_id.as_deref(), Some("editor"));
    assert_eq!(h.notes.len(), 2);
    assert_eq!(h.notes[0].text, "ذاكرة ترجمة لأخبار سورية");
    assert_eq!(h.notes[1].lang.as_deref(), Some("en"));
    assert_eq!(h.props[1].kind, "x-domain");
    assert_eq!(h.props[1].value, "politics & conflict");
    assert_eq!(h.props[1].encoding.as_deref(), Some("utf-8"));
    let u = &units[0];
    assert_eq!(u.stamp.usage_count, Some(3));
    assert_eq!(u.stamp.last_usage_date.as_deref(), Some("20220101T000000Z"));
    assert_eq!(u.stamp.creation_tool_version.as_deref(), Some("0.1.0"));
    assert_eq!(
        u.extra,
        [
            ("datatype".to_string(), "plaintext".to_string()),
            ("segtype".to_string(), "sentence".to_string()),
            ("o-tmf".to_string(), "tarjuman".to_string()),
            ("o-encoding".to_string(), "windows-1256".to_string()),
        ]
    );
    // Repeated prop types are all kept, in order; tarjuman's own props are not props.
    let props: Vec<(&str, &str)> = u
        .props
        .iter()
        .map(|p| (p.kind.as_str(), p.value.as_str()))
        .collect();
    assert_eq!(
        props,
        [("x-client", "العربي الجديد"), ("x-client", "alaraby")]
    );
    assert_eq!(u.origin.as_deref(), Some("alaraby-2021-11-06-ar.txt"));
    assert_eq!(
        u.context.prev.as_deref(),
        Some("بدأت مليشيات تابعة لإيران بإخلاء عدد من مواقعها.")
    );
    assert!(u.context.next.as_deref().unwrap().starts_with("وأوضح"));
    assert_eq!(u.notes[1].text, "check the site name");
    let en = u.variant("en").unwrap();
    assert_eq!(en.stamp.usage_count, Some(7));
    assert_eq!(en.props[0].lang.as_deref(), Some("en"));
    assert_eq!(en.notes[0].encoding.as_deref(), Some("ascii"));
    assert_eq!(en.extra, [("o-tmf".to_string(), "x".to_string())]);
    let ar = u.variant("ar").unwrap();
    assert_eq!(ar.stamp.creation_id.as_deref(), Some("ahmad"));
    assert_eq!(ar.notes[0].text, "المصدر");
}

#[test]
fn trados_utf16_export_with_sdl_props_and_usage_counts() {
    let (h, units, warnings) = read_fixture("good/trados-style.tmx");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(h.creation_tool.as_deref(), Some("SDL Language Platform"));
    assert_eq!(h.srclang.as_deref(), Some("ar-SA"));
    assert_eq!(h.props.len(), 5);
    let u = &units[0];
    assert_eq!(u.stamp.usage_count, Some(2));
    assert_eq!(
        u.stamp.creation_id.as_deref(),
        Some("DESKTOP-7\\translator")
    );
    assert_eq!(u.props[3].kind, "x-ConfirmationLevel");
    let ar = u.variant("ar").unwrap();
    assert_eq!(ar.lang, "ar-SA");
    assert!(ar
        .seg
        .markup
        .contains("معارضة <ph x=\"1\" type=\"0\"/>تحالفاً"));
    assert_eq!(
        ar.seg.plain,
        "وفي يوليو/تموز 2020 شكّلت أربع كيانات سورية معارضة تحالفاً سياسياً"
    );
    assert_eq!(units[1].variant("en").unwrap().seg.plain, "The New Arab");
}

#[test]
fn memoq_and_omegat_exports_read_with_their_conventions() {
    let (h, units, _) = read_fixture("good/memoq-style.tmx");
    assert_eq!(h.o_tmf.as_deref(), Some("memoQTM"));
    assert_eq!(h.adminlang.as_deref(), Some("en-US"));
    let u = &units[0];
    assert_eq!(u.props[1].kind, "x-context-pre");
    assert_eq!(u.props[1].value, "<seg>بدأت مليشيات تابعة لإيران</seg>");
    let en = u.variant("en").unwrap();
    assert_eq!(en.lang, "en-GB");
    assert!(en
        .seg
        .markup
        .contains("<bpt i=\"1\" type=\"bold\">{}</bpt>The New Arab<ept i=\"1\">{}</ept>"));
    assert!(
        en.seg.plain.contains("told \"The New Arab\" that")
            || en.seg.plain.contains("told The New Arab that")
    );

    let (h, units, _) = read_fixture("good/omegat-style.tmx");
    assert_eq!(h.srclang.as_deref(), Some("ar"));
    assert_eq!(units.len(), 2);
    assert_eq!(units[0].variants[1].lang, "en-GB");
    assert_eq!(
        units[0].variants[1].stamp.change_id.as_deref(),
        Some("omegat-user")
    );
    // OmegaT level 1: tags as escaped text.
    assert_eq!(units[1].variants[0].seg.plain, "<f0>المساهمون</f0>");
    assert_eq!(units[1].props[0].value, "alaraby-2021-11-06-ar.docx");

    let (_, units, _) = read_fixture("good/omegat-level2.tmx");
    assert_eq!(units[0].variants[0].seg.plain, "المساهمون");
    assert_eq!(units[0].variants[0].lang, "ar");
}

#[test]
fn unusable_tuvs_and_tus_are_skipped_with_warnings_at_their_place() {
    let (_, units, warnings) = read_fixture("good/tuv-without-seg.tmx");
    let ids: Vec<&str> = units.iter().map(|u| u.tuid.as_deref().unwrap()).collect();
    assert_eq!(ids, ["no-seg", "no-lang", "one-language", "last"]);
    let langs: Vec<&str> = units[0].variants.iter().map(|v| v.lang.as_str()).collect();
    assert_eq!(langs, ["ar", "fr"]);
    assert_eq!(units[1].variants.len(), 2);
    let w: Vec<(u64, u64, &str)> = warnings
        .iter()
        .map(|w| (w.line, w.column, w.message.as_str()))
        .collect();
    assert_eq!(w[0], (8, 7, "<tuv xml:lang=\"en\"> without <seg>: skipped"));
    assert_eq!(w[1], (12, 7, "<tuv> without xml:lang: skipped"));
    assert_eq!(
        w[2],
        (16, 5, "<tu> (tuid \"one-language\") has only one language")
    );
    assert!(
        w[5].2.contains("\"nothing-usable\") has no usable <tuv>"),
        "{w:?}"
    );
    assert_eq!(
        w[6],
        (
            23,
            5,
            "<tu> (tuid \"empty-tu\") has no usable <tuv>: skipped"
        )
    );
    assert_eq!(w.len(), 7);
}

#[test]
fn unknown_attributes_are_kept_in_file_order_and_unknown_elements_skipped() {
    let (h, units, warnings) = read_fixture("good/unknown-attrs-elements.tmx");
    assert_eq!(h.extra, [("x-vendor-id".to_string(), "42".to_string())]);
    let u = &units[0];
    let extra: Vec<(&str, &str)> = u
        .extra
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        extra,
        [
            ("x-zeta", "z"),
            ("x-alpha", "a & \"b\""),
            ("datatype", "plaintext"),
            ("usagecount", "many")
        ]
    );
    assert_eq!(u.stamp.usage_count, None);
    let ar = &u.variants[0];
    let extra: Vec<&str> = ar.extra.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(extra, ["x-score", "o-tmf", "xmlns:v", "v:flag"]);
    assert_eq!(ar.seg.plain, "وحدة مع وسوم XLIFF");
    // XLIFF's <g> tags travel as native code; its text stays text.
    assert_eq!(
        ar.seg.markup,
        "وحدة <ph>&lt;g id=\"1\"&gt;</ph>مع<ph>&lt;/g&gt;</ph> وسوم XLIFF"
    );
    // Both `lang` and `xml:lang`: xml:lang wins, lang is kept as extra.
    assert_eq!(
        u.variants[1].extra,
        [("lang".to_string(), "en".to_string())]
    );
    let messages: Vec<&str> = warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(messages
        .iter()
        .any(|m| m.contains("<x-vendor-data> inside <tu>: skipped")));
    assert!(messages.iter().any(|m| m.contains("<g> inside <seg>")));
    assert!(messages.iter().any(|m| m.contains("usagecount \"many\"")));
}

//! Tests of the matching keys and the tokenizer (placeables included).

use super::*;

#[test]
fn arabic_diacritics_tatweel_and_hamza_forms_fold_away() {
    // With and without harakat, tatweel and hamza forms: the same key.
    let voweled = "أَكَّدَ الطَّرَفَانِ ضـــرورة تهدئة الأوضاع";
    let bare = "اكد الطرفان ضرورة تهدئه الاوضاع";
    assert_eq!(matching_key(voweled), matching_key(bare));
    assert_eq!(matching_key("إيران"), matching_key("ايران"));
    assert_eq!(matching_key("مستشفى"), matching_key("مستشفي"));
    assert_eq!(matching_key("مسؤول"), matching_key("مسوول"));
    assert_eq!(matching_key("رئيس"), matching_key("رييس"));
    // Hamza on the line is kept.
    assert_ne!(matching_key("شيء"), matching_key("شي"));
}

#[test]
fn presentation_forms_and_persian_letters_fold_to_arabic() {
    // ﻻ (U+FEFB) is lam-alef; ﺳﻮﺭﻳﺔ is "سورية" in presentation forms.
    assert_eq!(matching_key("ﻻ"), "لا");
    assert_eq!(matching_key("ﺳﻮﺭﻳﺔ"), matching_key("سورية"));
    assert_eq!(matching_key("کتاب یک"), matching_key("كتاب يك"));
}

#[test]
fn digits_fold_to_ascii_and_numbers_stay_whole() {
    assert_eq!(matching_key("القرار ٢٢٥٤"), "القرار 2254");
    assert_eq!(matching_key("۱۲۳"), "123");
    assert_eq!(matching_key("نسبة ٢٫٥٪"), "نسبه 2.5 %");
    assert_eq!(
        matching_key("1,500 people, 3.5 km."),
        "1,500 people , 3.5 km ."
    );
    assert!(is_number("2,254") && is_number("1.5") && is_number("7"));
    assert!(!is_number("b52") && !is_number(",") && !is_number(""));
}

#[test]
fn punctuation_is_separated_and_unified() {
    assert_eq!(
        matching_key("قال «نعم»، ثم غادر؟"),
        "قال \" نعم \" , ثم غادر ?"
    );
    assert_eq!(
        matching_key("He said: “Don't go” — twice…"),
        "he said : \" don't go \" - twice . . ."
    );
}

#[test]
fn latin_case_folds_and_whitespace_collapses() {
    assert_eq!(matching_key("  The   U.N.\tSAID\n"), "the u . n . said");
    assert_eq!(matching_key("ÉCOLE Straße"), "école straße");
}

#[test]
fn bidi_and_zero_width_controls_are_removed() {
    assert_eq!(
        matching_key("\u{200F}سورية\u{200E} \u{2067}abc\u{2069}"),
        "سوريه abc"
    );
    assert_eq!(matching_key("\u{FEFF}x\u{200C}y"), "xy");
}

#[test]
fn fold_keeps_spacing_for_positional_use() {
    assert_eq!(fold("أهلاً  وسهلاً"), "اهلا  وسهلا");
}

/// The implementation before the one-pass fast path, kept as the
/// reference the fast one must agree with.
mod reference {
    use super::super::{fold_char_match, is_caseless, nfkc, tokenize_folded};

    pub fn fold(text: &str) -> String {
        let text = nfkc(text);
        let mut out = String::with_capacity(text.len());
        for c in text.chars().filter_map(fold_char_match) {
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else if is_caseless(c) || c.is_lowercase() || !c.is_alphabetic() {
                out.push(c);
            } else {
                out.extend(c.to_lowercase());
            }
        }
        out
    }

    pub fn matching_key(text: &str) -> String {
        tokenize_folded(&fold(text)).join(" ")
    }
}

#[test]
fn the_fold_table_agrees_with_the_rules_for_every_character() {
    for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
        assert_eq!(fold_char(c), fold_char_match(c), "U+{:04X}", c as u32);
    }
}

#[test]
fn fast_path_characters_are_nfkc_stable_and_caseless_or_ascii() {
    use unicode_normalization::UnicodeNormalization;
    let simple = (0..=0x10FFFFu32)
        .filter_map(char::from_u32)
        .filter(|c| is_simple(*c));
    for c in simple {
        let one = c.to_string();
        assert_eq!(one.nfkc().collect::<String>(), one, "U+{:04X}", c as u32);
        assert!(
            c.is_ascii() || c.to_lowercase().eq([c]),
            "U+{:04X}",
            c as u32
        );
    }
}

#[test]
fn fast_and_reference_agree_on_tricky_cases() {
    for text in [
        "don't O'Brien 'quoted' it's'",
        "1.5 2,254 1. 5 ,3 3, a.b 1.a ٢٫٥ ١٬٠٠٠",
        "آ ا\u{0653} ا\u{0654} و\u{0654} ي\u{0654} ە\u{0654} ۂ",
        "ﻻ ﺳﻮﺭﻳﺔ … ﷺ ٵ",
        "İstanbul ÉCOLE Straße ǅ ﬁ \u{00A0}x",
        "e\u{0301} ا\u{064E}\u{0301}",
        "«نعم»، “Don't” — ‘x’ – ‒ ―",
        "x' 'y 9. .9 a'1 1'a",
    ] {
        assert_eq!(
            matching_key(text),
            reference::matching_key(text),
            "{text:?}"
        );
        assert_eq!(fold(text), reference::fold(text), "{text:?}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
    #[test]
    fn one_pass_key_equals_the_reference_on_random_text(
        text in "[ا-ي ًٌٍَُِّْٰـأإآٱؤئىیکةۀە٠-٩۰-۹0-9a-zA-ZÉİß'.,;:!?،؛؟٪٫٬«»“”‘’–—…ﷺﻻﺳﻮ\u{0653}\u{0654}\u{0655}\u{0301}\u{200F}\u{200C}\u{FEFF}\u{00A0}\u{00AD}\t\n ]{0,60}",
    ) {
        proptest::prop_assert_eq!(matching_key(&text), reference::matching_key(&text));
        proptest::prop_assert_eq!(fold(&text), reference::fold(&text));
    }

    #[test]
    fn one_pass_key_equals_the_reference_on_placeables(
        text in "[aZ9٣ب_./@:?=&%#'\\- ]{0,30}"
    ) {
        proptest::prop_assert_eq!(matching_key(&text), reference::matching_key(&text));
    }

    #[test]
    fn one_pass_key_equals_the_reference_on_any_unicode(text in "\\PC{0,30}") {
        proptest::prop_assert_eq!(matching_key(&text), reference::matching_key(&text));
        proptest::prop_assert_eq!(fold(&text), reference::fold(&text));
    }

    #[test]
    fn the_key_writers_tokens_are_the_keys_tokens(
        text in "[ا-ي ًٌٍَُِّْٰـأإآ٠-٩0-9a-zA-ZÉ'.,;:!?،؛؟«»“”–…ﷺﻻ\u{0301}\u{0966}\u{0967}\u{200F}\t ]{0,60}|\\PC{0,30}",
    ) {
        let (key, tokens) = matching_key_tokens(&text);
        proptest::prop_assert_eq!(&tokens, &key_token_iter(&key).collect::<Vec<_>>());
        let words: Vec<&str> = key_tokens(&key).collect();
        proptest::prop_assert_eq!(tokens.len(), words.len());
    }
}

#[test]
fn key_tokens_come_with_their_kind_and_place() {
    let (key, tokens) = matching_key_tokens("قال: 2,254 don't «حلب» e\u{0301} \u{0301}");
    // NFKC composes e + U+0301; a lone mark is a token of its own.
    assert_eq!(key, "قال : 2,254 don't \" حلب \" é \u{0301}");
    let seen: Vec<(&str, TokenKind)> = tokens
        .iter()
        .map(|t| (&key[t.start as usize..t.end as usize], t.kind))
        .collect();
    use TokenKind::{Number, Other, Word};
    assert_eq!(
        seen,
        [
            ("قال", Word),
            (":", Other),
            ("2,254", Number),
            ("don't", Word),
            ("\"", Other),
            ("حلب", Word),
            ("\"", Other),
            ("é", Word),
            ("\u{0301}", Other),
        ]
    );
}

#[test]
fn placeables_are_one_token_each() {
    let cases = [
        ("يفشل pango_parse_markup هنا", "يفشل pango_parse_markup هنا"),
        ("Open Gtk.Window now.", "open gtk.window now ."),
        ("في الملف src/tm/fuzzy.rs،", "في الملف src/tm/fuzzy.rs ,"),
        (
            "راسلنا على info@example.org أو https://example.org/a-b?q=1&x=2.",
            "راسلنا علي info@example.org او https://example.org/a-b?q=1&x=2 .",
        ),
        // Numbers keep their rule; Arabic words and plain punctuation
        // do not join; a leading or trailing mark stays apart.
        (
            "الساعة 10:30 يوم 12/5 و1.5",
            "الساعه 10 : 30 يوم 12 / 5 و1.5",
        ),
        ("قال:هذا الحل.الاخر", "قال : هذا الحل . الاخر"),
        (
            "see: /usr/bin_x _a b_ well-known",
            "see : / usr/bin_x _ a b _ well - known",
        ),
    ];
    for (text, key) in cases {
        assert_eq!(matching_key(text), key, "{text}");
        assert_eq!(reference::matching_key(text), key, "{text}");
    }
    let (key, tokens) = matching_key_tokens("pango_parse_markup v1.2 12/5");
    let kinds: Vec<_> = tokens
        .iter()
        .map(|t| (&key[t.start as usize..t.end as usize], t.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("pango_parse_markup", TokenKind::Word),
            ("v1.2", TokenKind::Word),
            ("12", TokenKind::Number),
            ("/", TokenKind::Other),
            ("5", TokenKind::Number),
        ]
    );
}

#[test]
fn empty_and_blank_text_give_an_empty_key() {
    assert_eq!(matching_key(""), "");
    assert_eq!(matching_key(" \t\n"), "");
    assert_eq!(key_tokens("").count(), 0);
    assert_eq!(key_tokens("a b").collect::<Vec<_>>(), ["a", "b"]);
}

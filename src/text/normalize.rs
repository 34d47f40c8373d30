//! Matching keys: the one place that decides when two texts "say the same".
//!
//! The TM stores, beside every segment's untouched text, a normalized key;
//! fuzzy lookup, concordance, duplicate detection and the aligner's anchors
//! all compare keys, never raw text. The folding, in order:
//!
//! 1. Unicode NFKC: Arabic presentation forms (U+FB50–U+FEFF) become base
//!    letters, `ﻻ` becomes `لا`, full-width Latin becomes ASCII, `…` becomes `...`.
//! 2. Dropped: Arabic harakat and other marks (U+064B–U+065F, U+0670 dagger
//!    alef), Quranic annotation marks (U+0610–U+061A, U+06D6–U+06ED), tatweel
//!    (U+0640), bidi and zero-width controls (LRM, RLM, ALM, embeddings,
//!    isolates, ZWSP/ZWNJ/ZWJ, BOM, soft hyphen).
//! 3. Arabic letters: alef with hamza above/below, madda and wasla (أ إ آ ٱ)
//!    → bare alef ا; waw with hamza ؤ → و; yeh with hamza ئ → ي; alef maqsura
//!    ى → ي; teh marbuta ة → ه; Persian yeh ی → ي and keheh ک → ك (text typed
//!    on Persian keyboards). Hamza on the line ء is kept: dropping it merges
//!    distinct words. These are the choices of Arabic IR practice (Larkey et
//!    al.'s light normalization): spelling variants writers really mix.
//! 4. Digits: Arabic-Indic ٠–٩ and Persian ۰–۹ → 0–9; Arabic decimal and
//!    thousands separators ٫ ٬ → `.` `,`.
//! 5. Punctuation: Arabic comma, semicolon, question mark and percent
//!    (، ؛ ؟ ٪) → `, ; ? %`; all double quotes (« » “ ” „) → `"`; single
//!    quotes (‘ ’ ‚) → `'`; dashes (– — ‒ ―) → `-`.
//! 6. Latin (and every cased script): lowercase.
//! 7. Tokens: a run of letters, marks and digits is one token (an apostrophe
//!    between letters stays inside: `don't`); digits joined by `.` or `,` stay
//!    one number (`1.5`, `2,254`); every other non-space character is a token
//!    of its own. The key is the tokens joined by single spaces.
//!
//! The stored text itself is never altered.

use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// Fold one (already NFKC) character: `None` drops it, otherwise the folded
/// character (before lowercasing).
#[inline]
pub fn fold_char(c: char) -> Option<char> {
    let folded = match c {
        // Harakat, Quranic marks, dagger alef, tatweel.
        '\u{064B}'..='\u{065F}'
        | '\u{0670}'
        | '\u{0610}'..='\u{061A}'
        | '\u{06D6}'..='\u{06DC}'
        | '\u{06DF}'..='\u{06E8}'
        | '\u{06EA}'..='\u{06ED}'
        | '\u{0640}' => return None,
        // Bidi and zero-width controls, BOM, soft hyphen.
        '\u{061C}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2069}'
        | '\u{FEFF}'
        | '\u{00AD}' => return None,
        'أ' | 'إ' | 'آ' | 'ٱ' | '\u{0672}' | '\u{0673}' => 'ا',
        'ؤ' => 'و',
        'ئ' | 'ى' | 'ی' => 'ي',
        'ة' | 'ۀ' => 'ه',
        'ک' => 'ك',
        '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
        '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
        '٫' => '.',
        '٬' | '،' => ',',
        '؛' => ';',
        '؟' => '?',
        '٪' => '%',
        '«' | '»' | '“' | '”' | '„' | '‟' => '"',
        '‘' | '’' | '‚' | '‛' => '\'',
        '–' | '—' | '‒' | '―' => '-',
        _ => c,
    };
    Some(folded)
}

/// Is this (folded) character part of a word token?
#[inline]
fn is_word_char(c: char) -> bool {
    // Fast path: the Arabic letters, which the Unicode tables find slowly.
    ('\u{0621}'..='\u{064A}').contains(&c) || c.is_alphanumeric() || is_mark(c)
}

/// Combining marks that survive folding (Latin accents left decomposed, Indic
/// vowel signs): they belong to the word they sit on.
#[inline]
fn is_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{0900}'..='\u{0DFF}')
        || (c > '\u{2000}' && unicode_mark_heuristic(c))
}

#[inline]
fn unicode_mark_heuristic(c: char) -> bool {
    matches!(c, '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

/// Apply NFKC only when the text needs it (most text does not, and the quick
/// check is far cheaper than the normalizer).
fn nfkc(text: &str) -> std::borrow::Cow<'_, str> {
    match is_nfkc_quick(text.chars()) {
        IsNormalized::Yes => std::borrow::Cow::Borrowed(text),
        _ => std::borrow::Cow::Owned(text.nfkc().collect()),
    }
}

/// The folded character stream of `text` (steps 1–6), lowercased, with
/// whitespace kept as it was. Used where positions must stay word-aligned
/// with the original (concordance, anchors).
pub fn fold(text: &str) -> String {
    let text = nfkc(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars().filter_map(fold_char) {
        push_lower(&mut out, c);
    }
    out
}

#[inline]
fn push_lower(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
    } else if is_caseless(c) || c.is_lowercase() || !c.is_alphabetic() {
        out.push(c);
    } else {
        out.extend(c.to_lowercase());
    }
}

/// Arabic, Hebrew, CJK…: no case; skip the lowercase tables.
#[inline]
fn is_caseless(c: char) -> bool {
    matches!(c, '\u{0590}'..='\u{08FF}' | '\u{FB1D}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}' | '\u{3040}'..='\u{9FFF}')
}

/// The matching key of a text: folded tokens joined by single spaces.
pub fn matching_key(text: &str) -> String {
    let folded = fold(text);
    let mut key = String::with_capacity(folded.len() + 8);
    for token in tokenize_folded(&folded) {
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(token);
    }
    key
}

/// The tokens of a matching key (the inverse of joining with spaces).
pub fn key_tokens(key: &str) -> impl Iterator<Item = &str> {
    key.split(' ').filter(|t| !t.is_empty())
}

/// Is this token a number (digits, possibly with inner `.` or `,`)?
pub fn is_number(token: &str) -> bool {
    token.as_bytes().first().is_some_and(u8::is_ascii_digit)
        && token
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
}

/// Split already folded text into tokens (step 7), as byte slices of it.
pub fn tokenize_folded(folded: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut chars = folded.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        if !is_word_char(c) {
            tokens.push(&folded[start..start + c.len_utf8()]);
            continue;
        }
        let mut end = start + c.len_utf8();
        let mut prev = c;
        while let Some(&(i, d)) = chars.peek() {
            let joins = if is_word_char(d) {
                true
            } else if d == '\'' {
                // Apostrophe inside a word: don't, O'Brien.
                prev.is_alphabetic() && next_is(folded, i + 1, char::is_alphabetic)
            } else if d == '.' || d == ',' {
                // Separator inside a number: 1.5, 2,254.
                prev.is_ascii_digit() && next_is(folded, i + 1, |x| x.is_ascii_digit())
            } else {
                false
            };
            if !joins {
                break;
            }
            chars.next();
            end = i + d.len_utf8();
            prev = d;
        }
        tokens.push(&folded[start..end]);
    }
    tokens
}

fn next_is(s: &str, at: usize, pred: impl Fn(char) -> bool) -> bool {
    s.get(at..)
        .and_then(|rest| rest.chars().next())
        .is_some_and(pred)
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn empty_and_blank_text_give_an_empty_key() {
        assert_eq!(matching_key(""), "");
        assert_eq!(matching_key(" \t\n"), "");
        assert_eq!(key_tokens("").count(), 0);
        assert_eq!(key_tokens("a b").collect::<Vec<_>>(), ["a", "b"]);
    }
}

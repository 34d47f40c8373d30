//! Names across scripts: `لافروف` ↔ Lavrov, `موسكو` ↔ Moscow,
//! `البوكمال` ↔ Albu Kamal. Both spellings are reduced to a consonant
//! skeleton over one shared alphabet of sound classes (vowels, and the
//! Arabic letters that usually stand for vowels, dropped), so that equal
//! skeletons mean "probably the same name". The classes are coarse on
//! purpose: English renders ق as q, k or g, ث as th or s, ظ as z or dh.

/// The skeleton of one folded Arabic word (no harakat, alef forms unified;
/// see `text::normalize`), after the article is stripped. Empty when the
/// word is not Arabic.
pub fn arabic_skeleton(word: &str) -> String {
    let word = strip_article(word);
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let class = match c {
            'ب' | 'پ' => 'B',
            'ت' | 'ط' | 'ث' => 'T',
            'ج' | 'چ' => 'J',
            'ح' | 'ه' => {
                // Final ه is mostly a folded teh marbuta: a vowel.
                if c == 'ه' && i + 1 == chars.len() {
                    continue;
                }
                'H'
            }
            'خ' | 'ق' | 'ك' | 'گ' => 'K',
            'د' | 'ض' => 'D',
            'ذ' | 'ز' | 'ظ' => 'Z',
            'ر' => 'R',
            'س' | 'ص' | 'ش' => 'S',
            'غ' => 'G',
            'ف' | 'ڤ' => 'F',
            'ل' => 'L',
            'م' => 'M',
            'ن' => 'N',
            // Waw and yeh are consonants only at the start of a word
            // (Washington, Yemen); inside they are long vowels.
            'و' if i == 0 => 'W',
            'ي' if i == 0 => 'Y',
            'ا' | 'و' | 'ي' | 'ع' | 'ء' => continue,
            _ => return String::new(),
        };
        push_class(&mut out, class);
    }
    out
}

/// The skeleton of one English word (any case). Empty when the word has a
/// character outside a–z.
pub fn english_skeleton(word: &str) -> String {
    let lower = word.to_ascii_lowercase();
    let lower = strip_english_article(&lower);
    let bytes = lower.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let next = bytes.get(i + 1).copied();
        let (class, step) = match (c, next) {
            (b's', Some(b'h')) => (Some('S'), 2),
            (b't', Some(b'h')) => (Some('T'), 2),
            (b'k', Some(b'h')) => (Some('K'), 2),
            (b'g', Some(b'h')) => (Some('G'), 2),
            (b'p', Some(b'h')) => (Some('F'), 2),
            (b'd', Some(b'h')) => (Some('Z'), 2),
            (b'c', Some(b'h')) => (Some('S'), 2),
            (b'c', Some(b'k')) => (Some('K'), 2),
            // "ng" before a consonant or at the end is one nasal: Washington.
            (b'n', Some(b'g'))
                if !matches!(bytes.get(i + 2), Some(b'a' | b'e' | b'i' | b'o' | b'u')) =>
            {
                (Some('N'), 2)
            }
            (b'a' | b'e' | b'i' | b'o' | b'u' | b'\'', _) => (None, 1),
            // y and w are vowels inside a word, consonants at its start.
            (b'y', _) => (if i == 0 { Some('Y') } else { None }, 1),
            (b'w', _) => (if i == 0 { Some('W') } else { None }, 1),
            (b'h', _) => (Some('H'), 1),
            (b'b' | b'p', _) => (Some('B'), 1),
            (b't', _) => (Some('T'), 1),
            (b'd', _) => (Some('D'), 1),
            (b'j' | b'g', _) => (Some('J'), 1),
            (b'k' | b'q' | b'c' | b'x', _) => (Some('K'), 1),
            (b'z', _) => (Some('Z'), 1),
            (b'r', _) => (Some('R'), 1),
            (b's', _) => (Some('S'), 1),
            (b'f' | b'v', _) => (Some('F'), 1),
            (b'l', _) => (Some('L'), 1),
            (b'm', _) => (Some('M'), 1),
            (b'n', _) => (Some('N'), 1),
            _ => return String::new(),
        };
        if let Some(class) = class {
            push_class(&mut out, class);
        }
        i += step;
    }
    out
}

/// Doubled letters (shadda is already gone on the Arabic side; English
/// doubles freely) count once.
fn push_class(out: &mut String, class: char) {
    if !out.ends_with(class) {
        out.push(class);
    }
}

/// Strip the Arabic article (with a leading conjunction or preposition
/// glued to it: وال بال لل فال كال) and a single-letter clitic.
pub fn strip_article(word: &str) -> &str {
    for prefix in ["وال", "بال", "فال", "كال", "لل", "ال"] {
        if let Some(rest) = word.strip_prefix(prefix) {
            if rest.chars().count() >= 2 {
                return rest;
            }
        }
    }
    word
}

fn strip_english_article(word: &str) -> &str {
    for prefix in [
        "al-", "el-", "ad-", "ar-", "as-", "ash-", "at-", "az-", "an-", "ad-",
    ] {
        if let Some(rest) = word.strip_prefix(prefix) {
            if rest.len() >= 2 {
                return rest;
            }
        }
    }
    word
}

/// Skeletons shorter than this are too ambiguous to count as a name match.
pub const MIN_SKELETON: usize = 3;

/// The skeleton with each single class deleted: two skeletons at edit
/// distance ≤ 1 share an entry of their deletion neighbourhoods (SymSpell's
/// trick: fuzzy matching by hash lookups instead of pairwise comparisons).
pub fn deletions(skeleton: &str) -> Vec<String> {
    let chars: Vec<char> = skeleton.chars().collect();
    (0..chars.len())
        .map(|skip| {
            chars
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != skip)
                .map(|(_, &c)| c)
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize::fold;

    fn ar(word: &str) -> String {
        arabic_skeleton(&fold(word))
    }

    #[test]
    fn names_in_both_scripts_share_a_skeleton() {
        assert_eq!(ar("لافروف"), english_skeleton("Lavrov"));
        assert_eq!(ar("موسكو"), english_skeleton("Moscow"));
        assert_eq!(ar("إبراهيم"), english_skeleton("Ibrahim"));
        assert_eq!(ar("جنيف"), english_skeleton("Geneva"));
        assert_eq!(ar("بغداد"), english_skeleton("Baghdad"));
        assert_eq!(ar("شفان"), english_skeleton("Shivan"));
        assert_eq!(ar("الميادين"), english_skeleton("al-Mayadin"));
        assert_eq!(ar("واشنطن"), english_skeleton("Washington"));
    }

    #[test]
    fn article_and_glued_prepositions_are_stripped() {
        assert_eq!(ar("البوكمال"), "BKML");
        assert_eq!(ar("بالبوكمال"), "BKML");
        assert_eq!(english_skeleton("Albukamal"), "LBKML");
        // Two-word English spellings are joined by the caller.
        assert_eq!(english_skeleton("bukamal"), "BKML");
    }

    #[test]
    fn near_misses_meet_in_the_deletion_neighbourhood() {
        // لافروف → LFRF; "Lavroff" → LFRF; "Lavarov" → LFRF too.
        let a = ar("سيرغي");
        let e = english_skeleton("Sergei");
        assert_ne!(a, e);
        let da = deletions(&a);
        let de = deletions(&e);
        assert!(
            da.iter().any(|d| de.contains(d) || *d == e) || de.contains(&a),
            "{a} vs {e}"
        );
    }

    #[test]
    fn non_letters_give_no_skeleton() {
        assert_eq!(ar("2254"), "");
        assert_eq!(english_skeleton("B-52"), "");
        assert_eq!(english_skeleton("café"), "");
    }
}

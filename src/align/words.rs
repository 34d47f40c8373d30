//! Word forms the aligner compares, shared by the sentence features
//! (`features.rs`) and the word lists (`lexicon.rs`): a light English
//! stemmer, the English and Arabic stop words (`data/align/stopwords-*.txt`)
//! and the forms under which an Arabic word is looked up or learned.
//! Word-level only: it knows nothing of sentences, items or dictionaries,
//! so both modules above can use it without using each other.

use std::sync::OnceLock;

use super::translit::strip_article;

/// A light English stemmer: enough to meet dictionary forms (plurals,
/// -ed, -ing, possessives, final e).
pub fn english_stem(word: &str) -> String {
    let mut w = word
        .trim_end_matches("'s")
        .trim_end_matches('\'')
        .to_string();
    if w.len() > 4 && w.ends_with("ies") {
        w.truncate(w.len() - 3);
        w.push('y');
    } else if w.ends_with("sses")
        || (w.len() > 4
            && (w.ends_with("shes")
                || w.ends_with("ches")
                || w.ends_with("xes")
                || w.ends_with("zes")))
    {
        w.truncate(w.len() - 2);
    } else if w.len() > 3
        && w.ends_with('s')
        && !w.ends_with("ss")
        && !w.ends_with("us")
        && !w.ends_with("is")
    {
        w.truncate(w.len() - 1);
    }
    if w.len() > 5 && w.ends_with("ing") {
        w.truncate(w.len() - 3);
    } else if w.len() > 4 && w.ends_with("ed") {
        w.truncate(w.len() - 2);
    }
    if w.len() > 3 && w.ends_with('e') {
        w.truncate(w.len() - 1);
    }
    if w.len() > 3 && w.ends_with('y') {
        w.truncate(w.len() - 1);
        w.push('i');
    }
    w
}

/// A word list from `data/`: one word per line, blank lines and `#`
/// comments skipped; sorted, so that a lookup is a binary search.
fn word_list(text: &'static str) -> Vec<&'static str> {
    let mut words: Vec<&'static str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    words.sort_unstable();
    words.dedup();
    words
}

/// Function words that say nothing about which sentence translates which
/// (`data/align/stopwords-en.txt`, lowercase).
pub fn is_english_stopword(w: &str) -> bool {
    static WORDS: OnceLock<Vec<&'static str>> = OnceLock::new();
    WORDS
        .get_or_init(|| word_list(include_str!("../../data/align/stopwords-en.txt")))
        .binary_search(&w)
        .is_ok()
}

/// Arabic function words, clitics and reporting verbs
/// (`data/align/stopwords-ar.txt`, spelled as `fold` leaves them).
pub fn is_arabic_stopword(w: &str) -> bool {
    static WORDS: OnceLock<Vec<&'static str>> = OnceLock::new();
    WORDS
        .get_or_init(|| word_list(include_str!("../../data/align/stopwords-ar.txt")))
        .binary_search(&w)
        .is_ok()
}
/// Forms under which an Arabic word is looked up in a dictionary, most
/// specific first: as written (article stripped), without a leading
/// conjunction or preposition, without a pronoun or plural suffix.
pub fn arabic_lookup_forms(word: &str) -> Vec<&str> {
    let mut forms = Vec::with_capacity(4);
    let base = strip_article(word);
    forms.push(base);
    let mut stripped = base;
    for p in ['و', 'ف', 'ب', 'ل', 'ك'] {
        if let Some(rest) = base.strip_prefix(p) {
            if rest.chars().count() >= 3 {
                stripped = strip_article(rest);
                forms.push(stripped);
                break;
            }
        }
    }
    for s in [
        "هما", "كما", "ها", "هم", "هن", "كم", "نا", "ات", "ون", "ين", "ان", "ه", "ي", "ا",
    ] {
        for f in [base, stripped] {
            if let Some(rest) = f.strip_suffix(s) {
                if rest.chars().count() >= 3 {
                    forms.push(rest);
                }
            }
        }
    }
    forms
}

/// The form under which co-occurrence learning counts an Arabic word:
/// article and a leading conjunction stripped, so `والقاعدة` and `القاعدة`
/// count as one.
pub fn arabic_learn_form(word: &str) -> &str {
    let base = strip_article(word);
    match base.strip_prefix('و') {
        Some(rest) if rest.chars().count() >= 3 => strip_article(rest),
        _ => base,
    }
}

//! Word forms the aligner compares, shared by the sentence features
//! (`features.rs`) and the word lists (`lexicon.rs`): a light English
//! stemmer, the English and Arabic stop words and the forms under which
//! an Arabic word is looked up or learned.
//! Word-level only: it knows nothing of sentences, items or dictionaries,
//! so both modules above can use it without using each other.

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

pub fn is_english_stopword(w: &str) -> bool {
    matches!(
        w,
        "a" | "an"
            | "the"
            | "and"
            | "or"
            | "but"
            | "of"
            | "in"
            | "on"
            | "at"
            | "to"
            | "for"
            | "from"
            | "by"
            | "with"
            | "as"
            | "is"
            | "are"
            | "was"
            | "were"
            | "be"
            | "been"
            | "being"
            | "has"
            | "have"
            | "had"
            | "it"
            | "its"
            | "this"
            | "that"
            | "these"
            | "those"
            | "which"
            | "who"
            | "whom"
            | "whose"
            | "what"
            | "he"
            | "she"
            | "they"
            | "we"
            | "i"
            | "you"
            | "his"
            | "her"
            | "their"
            | "our"
            | "my"
            | "your"
            | "him"
            | "them"
            | "us"
            | "not"
            | "no"
            | "do"
            | "does"
            | "did"
            | "will"
            | "would"
            | "can"
            | "could"
            | "should"
            | "may"
            | "might"
            | "must"
            | "shall"
            | "also"
            | "than"
            | "then"
            | "there"
            | "here"
            | "into"
            | "onto"
            | "about"
            | "after"
            | "before"
            | "over"
            | "under"
            | "between"
            | "through"
            | "during"
            | "while"
            | "if"
            | "so"
            | "such"
            | "some"
            | "any"
            | "all"
            | "each"
            | "other"
            | "more"
            | "most"
            | "very"
            | "s"
            | "al"
            | "el"
            | "said"
            | "says"
            | "saying"
            | "up"
            | "out"
            | "one"
            | "both"
            | "where"
            | "when"
            | "how"
            | "why"
            | "against"
            | "within"
            | "upon"
            | "per"
    )
}

pub fn is_arabic_stopword(w: &str) -> bool {
    matches!(
        w,
        "في" | "من"
            | "على"
            | "علي"
            | "الى"
            | "الي"
            | "عن"
            | "ان"
            | "او"
            | "ثم"
            | "قد"
            | "لقد"
            | "التي"
            | "الذي"
            | "الذين"
            | "اللذين"
            | "اللتين"
            | "هذا"
            | "هذه"
            | "ذلك"
            | "تلك"
            | "هو"
            | "هي"
            | "هم"
            | "كان"
            | "كانت"
            | "لم"
            | "لن"
            | "لا"
            | "ما"
            | "مع"
            | "بين"
            | "حتي"
            | "منذ"
            | "كما"
            | "بعد"
            | "قبل"
            | "عند"
            | "لدي"
            | "الا"
            | "اذا"
            | "و"
            | "ف"
            | "ب"
            | "ل"
            | "ك"
            | "وقد"
            | "وفي"
            | "ومن"
            | "وان"
            | "فيما"
            | "بها"
            | "به"
            | "له"
            | "لها"
            | "فيه"
            | "فيها"
            | "منها"
            | "منه"
            | "عليه"
            | "عليها"
            | "اليه"
            | "انه"
            | "انها"
            | "يوم"
            | "وقال"
            | "قال"
            | "قالت"
            | "واضاف"
            | "اضاف"
            | "حيث"
            | "كل"
            | "اي"
            | "غير"
            | "ضمن"
            | "خلال"
            | "نحو"
            | "بعض"
            | "بان"
            | "لان"
            | "وهو"
            | "وهي"
            | "ولم"
            | "وكان"
    )
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

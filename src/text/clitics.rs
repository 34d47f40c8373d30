//! Arabic proclitics: the forms a word takes when the conjunctions و ف, the
//! prepositions ب ل ك and the article ال are written onto it (`الميادين` →
//! `والميادين`, `بالميادين`, `للميادين`), for a search that sees through
//! them (`tm::concord`).
//!
//! Works on folded matching-key tokens (`normalize`): hamza and alef forms
//! are already one letter there. The chain is conjunction? preposition?
//! article?, in that order, each at most once; ل before the article drops
//! the article's alef (ل + الميادين → للميادين), and before an article
//! whose word starts with ل also one lam (ل + الله → لله, ل + الليل →
//! لليل). Only prefixes: enclitic pronouns (ـه ـها ـهم) and the future سـ
//! are not handled. It is spelling, not morphology: `بلد` is also found as
//! ب + `لد`, which a search for `لد` reports as a hit.

/// Conjunctions that may open the chain.
const CONJ: [&str; 3] = ["", "و", "ف"];
/// Prepositions after the conjunction.
const PREP: [&str; 4] = ["", "ب", "ك", "ل"];
/// The article.
const ART: &str = "ال";

/// One written form of a word with a proclitic chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    /// The form, folded as the key tokens are.
    pub text: String,
    /// Its leading characters that are clitics rather than the searched
    /// word (what a highlight leaves out): `و` of `والميادين` for the word
    /// `الميادين`, `ال` too for the word `ميادين`.
    pub lead: usize,
}

/// Is the word written in Arabic letters (so that proclitics apply)?
fn arabic_word(word: &str) -> bool {
    !word.is_empty()
        && word
            .chars()
            .all(|c| matches!(c, '\u{0620}'..='\u{064A}' | '\u{066E}'..='\u{06D3}'))
}

/// Every form of a folded word with a proclitic chain, the word itself
/// first; distinct. A word not in Arabic letters has only itself.
pub fn proclitic_forms(word: &str) -> Vec<Form> {
    let mut out = vec![Form {
        text: word.to_string(),
        lead: 0,
    }];
    if !arabic_word(word) {
        return out;
    }
    let wchars = word.chars().count();
    let has_art = word.starts_with(ART) && wchars > 2;
    for conj in CONJ {
        for prep in PREP {
            for add_art in [false, true] {
                if add_art && has_art {
                    continue;
                }
                let stem = if add_art {
                    format!("{ART}{word}")
                } else {
                    word.to_string()
                };
                let mut text = String::from(conj);
                match (prep, stem.strip_prefix(ART)) {
                    // ل + ال: the alef goes, and one lam more before a lam.
                    ("ل", Some(rest)) if stem.chars().count() > 2 => {
                        text.push_str("لل");
                        text.push_str(rest.strip_prefix('ل').unwrap_or(rest));
                    }
                    _ => {
                        text.push_str(prep);
                        text.push_str(&stem);
                    }
                }
                let visible = conj.chars().count() + prep.chars().count();
                let lead = text.chars().count().saturating_sub(wchars).max(visible);
                if !out.iter().any(|f| f.text == text) {
                    out.push(Form { text, lead });
                }
            }
        }
    }
    out
}

/// If `token` is `word` behind a proclitic chain (or `word` itself), how
/// many of its leading characters are clitics.
pub fn strip_to(token: &str, forms: &[Form]) -> Option<usize> {
    forms.iter().find(|f| f.text == token).map(|f| f.lead)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(word: &str) -> Vec<String> {
        proclitic_forms(word).into_iter().map(|f| f.text).collect()
    }

    #[test]
    fn a_definite_word_is_found_behind_conjunctions_and_prepositions() {
        let forms = proclitic_forms("الميادين");
        for (t, lead) in [
            ("الميادين", 0),
            ("والميادين", 1),
            ("فالميادين", 1),
            ("بالميادين", 1),
            ("كالميادين", 1),
            ("للميادين", 1),
            ("وللميادين", 2),
            ("وبالميادين", 2),
        ] {
            assert_eq!(strip_to(t, &forms), Some(lead), "{t}");
        }
        // The article is the query's: an indefinite word is another word.
        assert_eq!(strip_to("ميادين", &forms), None);
        assert_eq!(strip_to("لالميادين", &forms), None);
        assert_eq!(strip_to("الميادينو", &forms), None);
        // Conjunction? preposition? article?, nothing repeated: 3 × 4.
        assert_eq!(forms.len(), 12);
    }

    #[test]
    fn an_indefinite_word_takes_the_article_too() {
        let forms = proclitic_forms("ميادين");
        for (t, lead) in [
            ("ميادين", 0),
            ("وميادين", 1),
            ("لميادين", 1),
            ("الميادين", 2),
            ("للميادين", 2),
            ("فبالميادين", 4),
        ] {
            assert_eq!(strip_to(t, &forms), Some(lead), "{t}");
        }
        assert_eq!(forms.len(), 24);
        assert_eq!(strip_to("اللميادين", &forms), None);
    }

    #[test]
    fn lam_before_the_article_on_a_lam_word_drops_one_lam() {
        assert!(texts("الله").contains(&"لله".to_string()));
        assert!(texts("الله").contains(&"ولله".to_string()));
        assert!(texts("الليل").contains(&"لليل".to_string()));
        assert!(texts("ليل").contains(&"لليل".to_string()));
        assert!(!texts("الله").contains(&"للله".to_string()));
    }

    #[test]
    fn words_not_in_arabic_letters_have_only_themselves() {
        assert_eq!(texts("base"), ["base"]);
        assert_eq!(texts("2021"), ["2021"]);
        assert_eq!(texts("#"), ["#"]);
        // A bare article is not a word with an article.
        assert!(texts("ال").contains(&"وال".to_string()));
    }
}

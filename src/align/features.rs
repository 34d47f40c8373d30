//! What the aligner sees of a sentence: its length and a bag of "items",
//! ids of things an English sentence can share with an Arabic one. Items
//! are English-side concepts: a number, an English word stem, a name
//! skeleton. An English sentence has the items of its own words; an Arabic
//! sentence has the items its words *could* translate to: its numbers, the
//! Latin-script words it quotes, the dictionary translations of its words
//! and the English names whose skeleton its words share.
//!
//! Not here: word forms and stop words (`words`), the dictionaries
//! (`lexicon`, used one way: it does not use this module), name skeletons
//! (`translit`), or how items are weighed and searched (`dp`).

// FxHash, not SipHash: every word of both texts is looked up here, and
// the keys are short and not chosen by an attacker.
use rustc_hash::FxHashMap as HashMap;

use super::lexicon::Lexicon;
use super::translit::{arabic_skeleton, deletions, english_skeleton, MIN_SKELETON};
use super::words::{english_stem, is_arabic_stopword, is_english_stopword};
use crate::text::normalize::{fold, is_number, tokenize_folded};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Word,
    Number,
    Name,
}

/// Item ids, shared by both sides of one alignment.
#[derive(Debug, Default)]
pub(crate) struct Vocab {
    /// One map per kind (word, number, name): lookups by `&str`, no key
    /// to build.
    ids: [HashMap<String, u32>; 3],
    pub kinds: Vec<Kind>,
}

impl Vocab {
    fn slot(kind: Kind) -> usize {
        match kind {
            Kind::Word => 0,
            Kind::Number => 1,
            Kind::Name => 2,
        }
    }

    fn id(&mut self, kind: Kind, key: &str) -> u32 {
        if let Some(&id) = self.ids[Self::slot(kind)].get(key) {
            return id;
        }
        let id = self.kinds.len() as u32;
        self.ids[Self::slot(kind)].insert(key.to_string(), id);
        self.kinds.push(kind);
        id
    }

    fn get(&self, kind: Kind, key: &str) -> Option<u32> {
        self.ids[Self::slot(kind)].get(key).copied()
    }

    /// Add the items of `other` (a vocabulary built on its own), in the
    /// order `other` numbered them: the ids they get are the ones they
    /// would have got had `other`'s text been read into `self` directly.
    /// Returns `other`'s id → id here.
    pub fn absorb(&mut self, other: &Vocab) -> Vec<u32> {
        let mut keys: Vec<(Kind, &str)> = vec![(Kind::Word, ""); other.kinds.len()];
        for (slot, kind) in [Kind::Word, Kind::Number, Kind::Name]
            .into_iter()
            .enumerate()
        {
            for (key, &id) in &other.ids[slot] {
                keys[id as usize] = (kind, key.as_str());
            }
        }
        keys.into_iter()
            .map(|(kind, key)| self.id(kind, key))
            .collect()
    }
}

/// One sentence as the aligner sees it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Features {
    /// Characters, spaces and marks not counted.
    pub len: f32,
    /// Sorted item ids (a multiset).
    pub items: Vec<u32>,
    /// Words (not numbers) that brought at least one item.
    pub trans: u16,
}

/// A number in canonical form: thousands separators dropped (`2,254` →
/// `2254`), a trailing `.0` dropped.
fn canonical_number(token: &str) -> String {
    // `1,500.5` and `2,254`: thousands separators; `2,5`: a decimal comma.
    let thousands = token.contains('.') && token.contains(',')
        || token.rsplit(',').next().is_some_and(|g| g.len() == 3);
    let mut s: String = if thousands {
        token.replace(',', "")
    } else {
        token.replace(',', ".")
    };
    if let Some(stripped) = s.strip_suffix(".0") {
        s = stripped.to_string();
    }
    s
}

/// A number followed by an Arabic word for thousand, written out
/// (`45` `الف` → `45000`); English writes thousands in digits and keeps
/// "million" and "billion" as words, so only thousands are multiplied.
fn scaled(number: &str, next: &str) -> Option<String> {
    // Folded: ألف, آلاف, ألفاً → الف, الاف, الفا.
    if !matches!(next, "الف" | "الاف" | "الفا") {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    let full = value * 1000.0;
    (full.fract() == 0.0 && full < 1e15).then(|| format!("{}", full as u64))
}

fn char_len(folded: &str) -> f32 {
    folded.chars().filter(|c| !c.is_whitespace()).count() as f32
}

/// English number words that translators use for Arabic digits (and the
/// other way round).
fn english_number_word(word: &str) -> Option<&'static str> {
    Some(match word {
        "one" => "1",
        "two" => "2",
        "three" => "3",
        "four" => "4",
        "five" => "5",
        "six" => "6",
        "seven" => "7",
        "eight" => "8",
        "nine" => "9",
        "ten" => "10",
        "eleven" => "11",
        "twelve" => "12",
        "fifteen" => "15",
        "twenty" => "20",
        "hundred" => "100",
        "thousand" => "1000",
        _ => return None,
    })
}

/// English-side features: items for content words, numbers and names
/// (capitalised words, single and joined with the next capitalised word).
pub(crate) fn english(text: &str, vocab: &mut Vocab) -> Features {
    let folded = fold(text);
    let mut items = Vec::new();
    let tokens = tokenize_folded(text);
    let mut prev_cap: Option<String> = None;
    for token in tokens {
        let low = if token.is_ascii() {
            token.to_ascii_lowercase()
        } else {
            fold(token)
        };
        if is_number(&low) {
            items.push(vocab.id(Kind::Number, &canonical_number(&low)));
            prev_cap = None;
            continue;
        }
        if !low.chars().all(|c| c.is_ascii_alphabetic() || c == '\'') {
            if low != "-" {
                prev_cap = None;
            }
            continue;
        }
        if let Some(n) = english_number_word(&low) {
            items.push(vocab.id(Kind::Number, n));
        }
        let capital = token.chars().next().is_some_and(char::is_uppercase);
        if !is_english_stopword(&low) && low.len() > 1 {
            items.push(vocab.id(Kind::Word, &english_stem(&low)));
        }
        if capital && (low == "al" || low == "el" || !is_english_stopword(&low)) {
            let sk = english_skeleton(&low);
            if sk.len() >= MIN_SKELETON {
                items.push(vocab.id(Kind::Name, &sk));
            }
            if let Some(prev) = &prev_cap {
                let joined = format!("{prev}{low}");
                for j in [joined.as_str(), joined.strip_prefix("al").unwrap_or("")] {
                    let sk = english_skeleton(j);
                    if sk.len() > MIN_SKELETON {
                        items.push(vocab.id(Kind::Name, &sk));
                    }
                }
            }
            prev_cap = Some(low);
        } else {
            prev_cap = None;
        }
    }
    items.sort_unstable();
    items.dedup();
    Features {
        len: char_len(&folded),
        items,
        trans: 0,
    }
}

/// Name skeletons of the English side, for fuzzy lookup: skeleton and each
/// of its one-deletion variants → item ids.
#[derive(Debug, Default)]
pub(crate) struct NameIndex {
    exact: HashMap<String, u32>,
    fuzzy: HashMap<String, Vec<u32>>,
}

impl NameIndex {
    pub fn build(vocab: &Vocab) -> NameIndex {
        let mut index = NameIndex::default();
        for (sk, &id) in &vocab.ids[Vocab::slot(Kind::Name)] {
            {
                index.exact.insert(sk.to_string(), id);
                if sk.len() >= 4 {
                    for d in deletions(sk) {
                        index.fuzzy.entry(d).or_default().push(id);
                    }
                }
            }
        }
        index
    }

    fn matches(&self, skeleton: &str, out: &mut Vec<u32>) {
        if let Some(&id) = self.exact.get(skeleton) {
            out.push(id);
            return;
        }
        if skeleton.len() < 4 {
            return;
        }
        // Edit distance one: a deletion on either side, or a substitution.
        if let Some(ids) = self.fuzzy.get(skeleton) {
            out.extend(ids.iter().take(2));
            return;
        }
        for d in deletions(skeleton) {
            if let Some(&id) = self.exact.get(&d) {
                out.push(id);
                return;
            }
            if let Some(ids) = self.fuzzy.get(&d) {
                out.extend(ids.iter().take(2));
                return;
            }
        }
    }
}

/// How many dictionary senses of one Arabic word become items.
const MAX_ITEMS_PER_WORD: usize = 4;

/// The items of each Arabic word seen so far (for one lexicon and one
/// English text): a text repeats its words, and a word's dictionary and
/// name lookups are most of the cost of reading it.
pub(crate) type WordItems = HashMap<String, Vec<u32>>;

/// Arabic-side features: numbers, quoted Latin words, dictionary
/// translations and name matches, as English-side item ids.
/// `folded` is the sentence after `text::normalize::fold` (folded once by
/// the caller: the second pass re-reads it with a larger lexicon); each
/// word's items are remembered in `cache`.
pub(crate) fn arabic(
    folded: &str,
    vocab: &mut Vocab,
    lexicon: &Lexicon,
    names: &NameIndex,
    cache: &mut WordItems,
) -> Features {
    let mut items = Vec::new();
    let mut trans = 0u16;
    let tokens = tokenize_folded(folded);
    for (k, &token) in tokens.iter().enumerate() {
        if is_number(token) {
            let mut number = canonical_number(token);
            // `٤٥ ألف` is what English writes as 45,000: one number, so
            // that an unmatched 45 is not charged beside the matched 45000.
            if let Some(full) = tokens.get(k + 1).and_then(|w| scaled(&number, w)) {
                number = full;
            }
            items.push(vocab.id(Kind::Number, &number));
            continue;
        }
        let first = token.chars().next().unwrap_or(' ');
        if first.is_ascii_alphabetic() {
            if token.chars().all(|c| c.is_ascii_alphabetic() || c == '\'') {
                if !is_english_stopword(token) && token.len() > 1 {
                    items.push(vocab.id(Kind::Word, &english_stem(token)));
                }
                let sk = english_skeleton(token);
                if sk.len() >= MIN_SKELETON {
                    if let Some(id) = vocab.get(Kind::Name, &sk) {
                        items.push(id);
                    }
                }
            }
            continue;
        }
        if !('\u{0621}'..='\u{064A}').contains(&first) {
            continue;
        }
        if let Some(known) = cache.get(token) {
            items.extend_from_slice(known);
            trans += u16::from(!known.is_empty());
            continue;
        }
        if is_arabic_stopword(token) {
            cache.insert(token.to_string(), Vec::new());
            continue;
        }
        let before = items.len();
        // The first senses present in this English text; a long list of
        // near-synonyms would mostly add chance matches.
        for id in lexicon
            .lookup(token)
            .filter_map(|stem| vocab.get(Kind::Word, stem))
            .take(MAX_ITEMS_PER_WORD)
        {
            items.push(id);
        }
        // Names: the word as is, and without a one-letter clitic.
        let mut sks: Vec<String> = vec![arabic_skeleton(token)];
        for p in ['و', 'ب', 'ل', 'ف', 'ك'] {
            if let Some(rest) = token.strip_prefix(p) {
                if rest.chars().count() >= 3 {
                    sks.push(arabic_skeleton(rest));
                }
            }
        }
        let mut found = Vec::new();
        for sk in sks.iter().filter(|s| s.len() >= MIN_SKELETON) {
            names.matches(sk, &mut found);
            if !found.is_empty() {
                break;
            }
        }
        items.extend(found);
        // One Arabic word stands for one English concept at most once.
        items[before..].sort_unstable();
        let mut seen = before;
        for k in before..items.len() {
            if k == before || items[k] != items[k - 1] {
                items[seen] = items[k];
                seen += 1;
            }
        }
        items.truncate(seen);
        if seen > before {
            trans += 1;
        }
        cache.insert(token.to_string(), items[before..].to_vec());
    }
    items.sort_unstable();
    items.dedup();
    Features {
        len: char_len(folded),
        items,
        trans,
    }
}

#[cfg(test)]
mod tests {
    use super::super::words::arabic_lookup_forms;
    use super::*;

    #[test]
    fn english_stems_meet_across_inflections() {
        assert_eq!(english_stem("militias"), english_stem("militia"));
        assert_eq!(english_stem("evacuated"), english_stem("evacuate"));
        assert_eq!(english_stem("bases"), english_stem("base"));
        assert_eq!(english_stem("strikes"), english_stem("strike"));
        assert_eq!(english_stem("countries"), english_stem("country"));
        assert_eq!(english_stem("Iran's".to_lowercase().as_str()), "iran");
    }

    #[test]
    fn numbers_names_and_dictionary_words_become_shared_items() {
        let mut vocab = Vocab::default();
        let en = english(
            "Lavrov received in Moscow a delegation, citing resolution 2,254 and ten years.",
            &mut vocab,
        );
        let names = NameIndex::build(&vocab);
        let mut lex = Lexicon::new();
        lex.add("وفد", "delegation");
        let ar = arabic(
            &fold("استقبل لافروف في موسكو وفداً، مستنداً إلى القرار ٢٢٥٤ بعد 10 أعوام."),
            &mut vocab,
            &lex,
            &names,
            &mut WordItems::default(),
        );
        let shared: Vec<u32> = ar
            .items
            .iter()
            .filter(|i| en.items.contains(i))
            .copied()
            .collect();
        // 2254, 10, Lavrov, Moscow, delegation.
        assert_eq!(shared.len(), 5, "ar {:?} en {:?}", ar.items, en.items);
        assert!(ar.len > 20.0 && en.len > ar.len);
    }

    #[test]
    fn a_text_read_apart_and_absorbed_gets_the_ids_of_one_reading() {
        let first = ["Lavrov met the delegation in Moscow on Friday, 6 November."];
        let second = [
            "The delegation met Lavrov again; ten members of the Syrian opposition attended.",
            "Iran-backed militias left Albu Kamal, 2,254 fighters in all.",
        ];
        let mut whole = Vocab::default();
        let mut apart = Vocab::default();
        for t in first {
            assert_eq!(english(t, &mut whole).items, english(t, &mut apart).items);
        }
        let mut own = Vocab::default();
        let read_apart: Vec<Features> = second.iter().map(|t| english(t, &mut own)).collect();
        let id = apart.absorb(&own);
        for (t, f) in second.iter().zip(read_apart) {
            let mut items: Vec<u32> = f.items.iter().map(|&i| id[i as usize]).collect();
            items.sort_unstable();
            assert_eq!(items, english(t, &mut whole).items, "{t}");
        }
        assert_eq!(apart.kinds, whole.kinds);
    }

    #[test]
    fn joined_capitalised_words_match_one_arabic_name() {
        let mut vocab = Vocab::default();
        let en = english("Militias left Albu Kamal on Friday.", &mut vocab);
        let names = NameIndex::build(&vocab);
        let ar = arabic(
            "غادرت المليشيات البوكمال",
            &mut vocab,
            &Lexicon::new(),
            &names,
            &mut WordItems::default(),
        );
        assert!(ar.items.iter().any(|i| en.items.contains(i)));
    }

    #[test]
    fn arabic_thousands_in_words_meet_english_digits() {
        let mut vocab = Vocab::default();
        let en = english("More than 45,000 people fled; 2,500 returned.", &mut vocab);
        let names = NameIndex::build(&vocab);
        let ar = arabic(
            &fold("نزح أكثر من ٤٥ ألف شخص، وعاد ٢٫٥ ألف."),
            &mut vocab,
            &Lexicon::new(),
            &names,
            &mut WordItems::default(),
        );
        let shared = ar.items.iter().filter(|i| en.items.contains(i)).count();
        assert_eq!(shared, 2, "ar {:?} en {:?}", ar.items, en.items);
    }

    #[test]
    fn remembered_words_give_the_same_items_as_a_fresh_read() {
        let mut vocab = Vocab::default();
        english(
            "The Syrian delegation met Lavrov in Moscow; the delegation left.",
            &mut vocab,
        );
        let names = NameIndex::build(&vocab);
        let mut lex = Lexicon::new();
        lex.add("وفد", "delegation");
        let first = fold("التقى الوفد السوري لافروف في موسكو.");
        let second = fold("وغادر الوفد موسكو، والوفد السوري في طريقه.");
        let mut cache = WordItems::default();
        arabic(&first, &mut vocab, &lex, &names, &mut cache);
        let cached = arabic(&second, &mut vocab, &lex, &names, &mut cache);
        let fresh = arabic(&second, &mut vocab, &lex, &names, &mut WordItems::default());
        assert_eq!(cached.items, fresh.items);
        assert_eq!(cached.trans, fresh.trans);
        assert!(cached.trans >= 2, "{cached:?}");
    }

    #[test]
    fn lookup_forms_strip_clitics_and_suffixes() {
        let forms = arabic_lookup_forms("وبقواتها");
        assert_eq!(forms[0], "وبقواتها");
        assert!(forms.contains(&"بقواتها"));
        assert!(arabic_lookup_forms("المدينه").contains(&"مدينه"));
        assert!(arabic_lookup_forms("مقراتهم").contains(&"مقرات"));
    }
}

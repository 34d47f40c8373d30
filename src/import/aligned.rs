//! The aligner's learned dictionary, kept in the translation memory: the
//! co-occurrence counts of a document's aligned pairs (`align::Cooccurrence`,
//! from `tarjuman align --import`) go into the TM's word-pair counts
//! (`tm::word_pairs`), and the counts come back as a `Lexicon` for the next
//! alignment. The more a translator aligns, the more word pairs the next
//! alignment knows. Glue only: counting is `align`'s, storing is `tm`'s.

use crate::align::{Cooccurrence, Lexicon};
use crate::tm::{TmError, TmStore};

/// How many English partners per Arabic word one document may add (its
/// best by Dice inside the document): enough to find the translation,
/// few enough that the table grows slowly.
const PARTNERS_PER_WORD: usize = 3;

/// What a document adds to the TM's word pairs: its word counts and each
/// Arabic word's best partners. Made without the TM, so that a batch makes
/// it on the thread that aligned the document, not on the one that writes.
#[derive(Debug, Clone, Default)]
pub struct Learned {
    arabic: Vec<(String, u32)>,
    english: Vec<(String, u32)>,
    pairs: Vec<(String, String, u32)>,
}

impl Learned {
    pub fn new(co: &Cooccurrence) -> Learned {
        let owned = |m: &std::collections::HashMap<String, u32>| {
            m.iter().map(|(w, n)| (w.clone(), *n)).collect()
        };
        Learned {
            arabic: owned(&co.arabic),
            english: owned(&co.english),
            pairs: co
                .top_pairs(PARTNERS_PER_WORD)
                .into_iter()
                .map(|(a, e, n)| (a.to_string(), e.to_string(), n))
                .collect(),
        }
    }
}

/// Add a document's co-occurrence counts. Returns how many pairs were
/// written.
pub fn store(store: &mut dyn TmStore, co: &Cooccurrence) -> Result<usize, TmError> {
    let arabic: Vec<(&str, u32)> = co.arabic.iter().map(|(w, n)| (w.as_str(), *n)).collect();
    let english: Vec<(&str, u32)> = co.english.iter().map(|(w, n)| (w.as_str(), *n)).collect();
    store.add_word_pairs(&arabic, &english, &co.top_pairs(PARTNERS_PER_WORD))
}

/// `store`, from counts made beforehand (`Learned::new`).
pub fn store_learned(store: &mut dyn TmStore, learned: &Learned) -> Result<usize, TmError> {
    fn words(list: &[(String, u32)]) -> Vec<(&str, u32)> {
        list.iter().map(|(w, n)| (w.as_str(), *n)).collect()
    }
    let pairs: Vec<(&str, &str, u32)> = learned
        .pairs
        .iter()
        .map(|(a, e, n)| (a.as_str(), e.as_str(), *n))
        .collect();
    store.add_word_pairs(&words(&learned.arabic), &words(&learned.english), &pairs)
}

/// The dictionary learned so far: pairs seen together at least twice with
/// a Dice coefficient of at least 0.5.
pub fn load(store: &dyn TmStore) -> Result<Lexicon, TmError> {
    let mut co = Cooccurrence::default();
    for p in store.word_pairs(2)? {
        co.arabic.insert(p.arabic.clone(), p.arabic_seen);
        co.english.insert(p.english.clone(), p.english_seen);
        co.pairs.insert((p.arabic, p.english), p.together);
    }
    Ok(co.lexicon(2, 0.5))
}

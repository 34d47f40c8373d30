//! The aligner's learned dictionary, kept in the translation memory: the
//! co-occurrence counts of a document's aligned pairs (`align::Cooccurrence`,
//! from `tarjuman align --import`) go into the TM's word-pair counts
//! (`tm::word_pairs`), and the counts come back as a `Lexicon` for the next
//! alignment. The more a translator aligns, the more word pairs the next
//! alignment knows. Glue only: counting is `align`'s, storing is `tm`'s.

use crate::align::{Cooccurrence, Lexicon};
use crate::tm::{word_pairs, Store, TmError};

/// How many English partners per Arabic word one document may add (its
/// best by Dice inside the document): enough to find the translation,
/// few enough that the table grows slowly.
const PARTNERS_PER_WORD: usize = 3;

/// Add a document's co-occurrence counts. Returns how many pairs were
/// written.
pub fn store(store: &mut Store, co: &Cooccurrence) -> Result<usize, TmError> {
    word_pairs::add(
        store,
        co.arabic.iter().map(|(w, n)| (w.as_str(), *n)),
        co.english.iter().map(|(w, n)| (w.as_str(), *n)),
        co.top_pairs(PARTNERS_PER_WORD),
    )
}

/// The dictionary learned so far: pairs seen together at least twice with
/// a Dice coefficient of at least 0.5.
pub fn load(store: &Store) -> Result<Lexicon, TmError> {
    let mut co = Cooccurrence::default();
    for p in word_pairs::load(store, 2)? {
        co.arabic.insert(p.arabic.clone(), p.arabic_seen);
        co.english.insert(p.english.clone(), p.english_seen);
        co.pairs.insert((p.arabic, p.english), p.together);
    }
    Ok(co.lexicon(2, 0.5))
}

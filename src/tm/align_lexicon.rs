//! The aligner's learned dictionary, kept in the translation memory
//! (`schema/0003_align_lexicon.sql`): co-occurrence counts of Arabic words
//! and English stems in the pairs imported by `tarjuman align --import`,
//! added up across documents. The more a translator aligns, the more word
//! pairs the next alignment knows.

use anyhow::{Context as _, Result};

use super::Store;
use crate::align::{Cooccurrence, Lexicon};

/// How many English partners per Arabic word one document may add (its
/// best by Dice inside the document): enough to find the translation,
/// few enough that the table grows slowly.
const PARTNERS_PER_WORD: usize = 3;

/// Add a document's co-occurrence counts. Returns how many pairs were
/// written.
pub fn store(store: &mut Store, co: &Cooccurrence) -> Result<usize> {
    let path = store.path.display().to_string();
    let tx = store
        .conn
        .transaction()
        .with_context(|| format!("{path}: cannot start writing the aligner's word pairs"))?;
    let mut written = 0;
    {
        let mut word = tx.prepare(
            "INSERT INTO align_word (lang, word, n) VALUES (?1, ?2, ?3)
             ON CONFLICT (lang, word) DO UPDATE SET n = n + excluded.n",
        )?;
        for (w, n) in &co.arabic {
            word.execute(rusqlite::params!["ar", w, n])?;
        }
        for (w, n) in &co.english {
            word.execute(rusqlite::params!["en", w, n])?;
        }
        let mut pair = tx.prepare(
            "INSERT INTO align_pair (ar, en, n) VALUES (?1, ?2, ?3)
             ON CONFLICT (ar, en) DO UPDATE SET n = n + excluded.n",
        )?;
        for (a, e, n) in co.top_pairs(PARTNERS_PER_WORD) {
            pair.execute(rusqlite::params![a, e, n])?;
            written += 1;
        }
    }
    tx.commit()
        .with_context(|| format!("{path}: cannot save the aligner's word pairs"))?;
    Ok(written)
}

/// The dictionary learned so far: pairs seen together at least twice with
/// a Dice coefficient of at least 0.5.
pub fn load(store: &Store) -> Result<Lexicon> {
    let mut co = Cooccurrence::default();
    let mut stmt = store.conn.prepare(
        "SELECT p.ar, p.en, p.n, a.n, e.n FROM align_pair p
         JOIN align_word a ON a.lang = 'ar' AND a.word = p.ar
         JOIN align_word e ON e.lang = 'en' AND e.word = p.en
         WHERE p.n >= 2",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let (a, e): (String, String) = (row.get(0)?, row.get(1)?);
        co.arabic.insert(a.clone(), row.get(3)?);
        co.english.insert(e.clone(), row.get(4)?);
        co.pairs.insert((a, e), row.get(2)?);
    }
    Ok(co.lexicon(2, 0.5))
}

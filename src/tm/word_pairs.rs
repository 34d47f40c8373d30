//! Word pairs learned from aligned texts, kept in the translation memory
//! (`schema/0003_align_lexicon.sql`): how often an Arabic word and an
//! English word stood in the same aligned pair, and how often each word was
//! seen at all, added up across documents. Plain strings and counts: which
//! words to count and how to turn the counts into a dictionary is the
//! aligner's business, joined to this by `import::aligned`.

use super::{Store, TmError};

/// One stored pair with its counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairCount {
    pub arabic: String,
    pub english: String,
    /// How often the two stood in the same aligned pair.
    pub together: u32,
    /// How often each word was seen in aligned pairs at all.
    pub arabic_seen: u32,
    pub english_seen: u32,
}

/// Add counts to the stored ones, in one transaction: Arabic words,
/// English words (each with how often it was seen) and pairs (with how
/// often they were seen together). Returns how many pairs were written.
pub fn add<'a>(
    store: &mut Store,
    arabic: impl IntoIterator<Item = (&'a str, u32)>,
    english: impl IntoIterator<Item = (&'a str, u32)>,
    pairs: impl IntoIterator<Item = (&'a str, &'a str, u32)>,
) -> Result<usize, TmError> {
    let at = |path: &std::path::Path, doing| {
        let path = path.to_path_buf();
        move |source| TmError::At {
            path,
            doing,
            source,
        }
    };
    let tx = store.conn.transaction().map_err(at(
        &store.path,
        "cannot start writing the aligner's word pairs",
    ))?;
    let words = arabic
        .into_iter()
        .map(|(w, n)| ("ar", w, n))
        .chain(english.into_iter().map(|(w, n)| ("en", w, n)));
    let written = add_on(&tx, words, pairs)?;
    tx.commit()
        .map_err(at(&store.path, "cannot save the aligner's word pairs"))?;
    Ok(written)
}

/// Add counts inside the caller's transaction on `conn`: words as
/// (language, word, times seen), pairs as (Arabic, English, times seen
/// together). Returns how many pairs were written.
pub(crate) fn add_on<'a>(
    conn: &rusqlite::Connection,
    words: impl IntoIterator<Item = (&'a str, &'a str, u32)>,
    pairs: impl IntoIterator<Item = (&'a str, &'a str, u32)>,
) -> rusqlite::Result<usize> {
    let mut word = conn.prepare(
        "INSERT INTO align_word (lang, word, n) VALUES (?1, ?2, ?3)
         ON CONFLICT (lang, word) DO UPDATE SET n = n + excluded.n",
    )?;
    for (lang, w, n) in words {
        word.execute(rusqlite::params![lang, w, n])?;
    }
    let mut pair = conn.prepare(
        "INSERT INTO align_pair (ar, en, n) VALUES (?1, ?2, ?3)
         ON CONFLICT (ar, en) DO UPDATE SET n = n + excluded.n",
    )?;
    let mut written = 0;
    for (a, e, n) in pairs {
        pair.execute(rusqlite::params![a, e, n])?;
        written += 1;
    }
    Ok(written)
}

/// The stored pairs seen together at least `min_together` times.
pub fn load(store: &Store, min_together: u32) -> Result<Vec<PairCount>, TmError> {
    let mut stmt = store.conn.prepare(
        "SELECT p.ar, p.en, p.n, a.n, e.n FROM align_pair p
         JOIN align_word a ON a.lang = 'ar' AND a.word = p.ar
         JOIN align_word e ON e.lang = 'en' AND e.word = p.en
         WHERE p.n >= ?1",
    )?;
    let rows = stmt.query_map([min_together], |row| {
        Ok(PairCount {
            arabic: row.get(0)?,
            english: row.get(1)?,
            together: row.get(2)?,
            arabic_seen: row.get(3)?,
            english_seen: row.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_across_documents_and_rare_pairs_stay_out() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("tm.db")).unwrap();
        let doc = |store: &mut Store| {
            add(
                store,
                [("حكومة", 2), ("نفط", 1)],
                [("govern", 2), ("oil", 1)],
                [("حكومة", "govern", 2), ("نفط", "oil", 1)],
            )
            .unwrap()
        };
        assert_eq!(doc(&mut store), 2);
        assert_eq!(doc(&mut store), 2);
        let mut pairs = load(&store, 3).unwrap();
        pairs.sort_by(|a, b| a.arabic.cmp(&b.arabic));
        assert_eq!(
            pairs,
            [PairCount {
                arabic: "حكومة".into(),
                english: "govern".into(),
                together: 4,
                arabic_seen: 4,
                english_seen: 4,
            }]
        );
        assert_eq!(load(&store, 2).unwrap().len(), 2);
    }
}

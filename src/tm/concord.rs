//! Concordance: every unit whose source (or target) contains a phrase.
//!
//! Matching is on matching-key tokens: Arabic without regard to harakat,
//! tatweel and hamza/alef forms, Latin without regard to case, digits in any
//! system. The phrase must occur as whole tokens in sequence (`حلب` finds
//! `حلب` and `حَلَب`, not `بحلب`: Arabic clitics are part of the word).
//!
//! Candidates come from the index: the postings of the phrase's rarest term
//! (its words and the hash buckets of its adjacent word pairs, units at
//! least as long as the phrase), intersected with the next rarest terms'
//! postings while that is cheaper than reading keys; then each candidate's
//! key is searched for the phrase's tokens, and for a hit the raw text is
//! tokenized to report the phrase's byte spans for highlighting.
//!
//! It reads the index (`tm::index`), it does not build it; scoring a
//! sentence against the TM is `fuzzy`'s.

use std::ops::Range;

use super::diff::{self, Token};
use super::error::{Result, TmError};
use super::fuzzy::check_pair;
use super::index::{self, content_tokens};
use super::Store;
use crate::text::lang;
use crate::text::normalize::{key_tokens, matching_key};

/// Stop intersecting when the next posting list is this many times longer
/// than the candidates left: reading texts is then cheaper.
const INTERSECT_FACTOR: i64 = 200;

/// One unit containing the phrase.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Hit {
    pub unit_id: i64,
    /// The text searched (source, or target with `target`).
    pub text: String,
    /// Byte ranges of the phrase in `text`, in order.
    pub spans: Vec<Range<usize>>,
    /// The other side of the unit.
    pub other: String,
    pub origin: Option<String>,
}

/// What to search.
#[derive(Debug, Clone)]
pub struct Search<'a> {
    pub phrase: &'a str,
    pub src_lang: &'a str,
    pub tgt_lang: &'a str,
    /// Search the target side instead of the source.
    pub target: bool,
    /// Most hits returned (newest units first).
    pub limit: usize,
}

/// The spans of `phrase` (folded tokens) in `toks`.
pub fn find(toks: &[Token], phrase: &[&str]) -> Vec<Range<usize>> {
    if phrase.is_empty() || toks.len() < phrase.len() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i + phrase.len() <= toks.len() {
        if toks[i..i + phrase.len()]
            .iter()
            .zip(phrase)
            .all(|(t, p)| t.text == *p)
        {
            out.push(toks[i].span.start..toks[i + phrase.len() - 1].span.end);
            i += phrase.len();
        } else {
            i += 1;
        }
    }
    out
}

/// Every unit (up to `limit`, newest first) containing the phrase.
pub fn concord(store: &Store, s: &Search) -> Result<Vec<Hit>> {
    let conn = &store.conn;
    if !conn.is_autocommit() {
        return search(store, s);
    }
    // One read transaction: one lock and snapshot for all the statements.
    conn.execute_batch("BEGIN")?;
    let result = search(store, s);
    let end = conn.execute_batch(if result.is_ok() { "COMMIT" } else { "ROLLBACK" });
    let hits = result?;
    end?;
    Ok(hits)
}

fn search(store: &Store, s: &Search) -> Result<Vec<Hit>> {
    let (src, tgt) = check_pair(store, s.src_lang, s.tgt_lang)?;
    let (side, other) = if s.target { (&tgt, &src) } else { (&src, &tgt) };
    let key = matching_key(s.phrase);
    let phrase: Vec<&str> = key_tokens(&key).collect();
    let content = content_tokens(&key);
    if content.is_empty() {
        return Err(TmError::EmptyPhrase(s.phrase.to_string()));
    }
    let conn = &store.conn;
    conn.pragma_update(None, "mmap_size", 1i64 << 32)?;
    let side_index = index::index_lang(side);
    // Terms: the phrase's words and its adjacent-word buckets.
    let mut terms: Vec<String> = content.iter().map(|t| t.to_string()).collect();
    terms.extend(content.windows(2).map(|w| index::bigram(w[0], w[1])));
    terms.sort_unstable();
    terms.dedup();
    let mut toks = Vec::new();
    for x in &terms {
        match index::token(conn, &side_index, x)? {
            Some(info) => toks.push(info),
            None => return Ok(Vec::new()),
        }
    }
    toks.sort_by_key(|t| t.df);
    let lo = content.len() as u32;
    let mut cands: Vec<u64> = Vec::new();
    index::postings(conn, toks[0].id, lo, u32::MAX, |u, _| cands.push(u))?;
    // Ascending and unique, so the next terms' postings are checked by
    // binary search and a mark (no hash set as large as a common word's
    // postings).
    cands.sort_unstable();
    cands.dedup();
    let mut hit = Vec::new();
    for t in &toks[1..] {
        if cands.is_empty() || t.df > INTERSECT_FACTOR * cands.len() as i64 {
            break;
        }
        hit.clear();
        hit.resize(cands.len(), false);
        index::postings(conn, t.id, lo, u32::MAX, |u, _| {
            if let Ok(i) = cands.binary_search(&u) {
                hit[i] = true;
            }
        })?;
        let mut keep = hit.iter();
        cands.retain(|_| *keep.next().unwrap_or(&false));
    }
    cands.reverse();
    // The phrase as it appears inside a key: whole tokens, space-delimited.
    let needle = format!(" {} ", phrase.join(" "));

    let mut hits = Vec::new();
    let mut variants = conn
        .prepare_cached("SELECT lang, key, plain FROM variant WHERE unit_id = ?1 ORDER BY ord")?;
    let mut origin = conn.prepare_cached(
        "SELECT o.name FROM unit u LEFT JOIN origin o ON o.id = u.origin_id WHERE u.id = ?1",
    )?;
    for u in cands {
        if hits.len() >= s.limit {
            break;
        }
        let rows: Vec<(String, String, String)> = variants
            .query_map([u as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let Some(si) = rows
            .iter()
            .position(|r| index::index_lang(&r.0) == side_index)
        else {
            continue;
        };
        if !lang::matches(side, &rows[si].0) {
            continue;
        }
        let Some(oi) = (0..rows.len()).find(|&i| i != si && lang::matches(other, &rows[i].0))
        else {
            continue;
        };
        // Cheap test on the key first; tokens with raw spans only for hits.
        if !format!(" {} ", rows[si].1).contains(&needle) {
            continue;
        }
        let text = &rows[si].2;
        let spans = find(&diff::tokens(text), &phrase);
        if spans.is_empty() {
            continue;
        }
        let origin: Option<String> = origin.query_row([u as i64], |r| r.get(0))?;
        hits.push(Hit {
            unit_id: u as i64,
            text: text.clone(),
            spans,
            other: rows[oi].2.clone(),
            origin,
        });
    }
    Ok(hits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tm::fuzzy::tests::tm;

    fn search<'a>(phrase: &'a str, target: bool) -> Search<'a> {
        Search {
            phrase,
            src_lang: "ar",
            tgt_lang: "en",
            target,
            limit: 10,
        }
    }

    #[test]
    fn finds_phrases_regardless_of_harakat_hamza_and_case_and_highlights_raw_text() {
        let (_d, store, ids) = tm(&[
            (
                "أخلت المليشيات الإيرانيّة قاعدةً عسكريّة",
                "The Iranian militias evacuated a military base",
                None,
            ),
            (
                "قاعدة عسكرية جديدة في دير الزور",
                "A new military base in Deir ez-Zor",
                None,
            ),
            ("عسكرية قاعدة", "reversed words", None),
            ("بقاعدة عسكرية", "with a clitic", None),
        ]);
        let hits = concord(&store, &search("قاعدة عسكرية", false)).unwrap();
        let got: Vec<(i64, &str)> = hits
            .iter()
            .map(|h| (h.unit_id, &h.text[h.spans[0].clone()]))
            .collect();
        assert_eq!(
            got,
            vec![(ids[1], "قاعدة عسكرية"), (ids[0], "قاعدةً عسكريّة")]
        );
        assert_eq!(
            hits[1].other,
            "The Iranian militias evacuated a military base"
        );

        let hits = concord(&store, &search("MILITARY base", true)).unwrap();
        assert_eq!(hits.len(), 2);
        assert_eq!(&hits[0].text[hits[0].spans[0].clone()], "military base");
        assert!(concord(&store, &search("قاعدة بحرية", false))
            .unwrap()
            .is_empty());
        assert!(concord(&store, &search("، .", false)).is_err());
    }

    #[test]
    fn an_old_hit_behind_many_near_misses_is_found() {
        // The newest units hold every word and both adjacent pairs, but
        // not the phrase: the intersection keeps them, the key check
        // rejects them, and the oldest unit is the one hit.
        let misses: Vec<String> = (0..9)
            .map(|i| format!("قوات الأمن في {i} الأمن السورية"))
            .collect();
        let mut rows = vec![("قوات الأمن السورية", "Syrian security forces", None)];
        rows.extend(misses.iter().map(|m| (m.as_str(), "near miss", None)));
        let (_d, store, ids) = tm(&rows);
        assert_eq!(ids.len(), 10);
        let mut s = search("قوات الأمن السورية", false);
        s.limit = 1;
        let hits = concord(&store, &s).unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].unit_id, ids[0]);
        assert_eq!(&hits[0].text[hits[0].spans[0].clone()], "قوات الأمن السورية");
    }

    #[test]
    fn the_limit_keeps_the_newest() {
        let rows: Vec<(String, String)> = (0..30)
            .map(|i| (format!("وقف إطلاق النار رقم {i}"), format!("ceasefire {i}")))
            .collect();
        let refs: Vec<(&str, &str, Option<&str>)> = rows
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str(), None))
            .collect();
        let (_d, store, ids) = tm(&refs);
        let mut s = search("وقف اطلاق النار", false);
        s.limit = 5;
        let hits = concord(&store, &s).unwrap();
        assert_eq!(hits.len(), 5);
        assert_eq!(hits[0].unit_id, *ids.last().unwrap());
    }
}

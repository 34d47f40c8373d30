//! Concordance: every unit whose source (or target) contains a phrase.
//!
//! Matching is on matching-key tokens: Arabic without regard to harakat,
//! tatweel and hamza/alef forms, Latin without regard to case, digits in any
//! system. Each word of the phrase matches a whole token, or (unless
//! `exact`) the same word behind Arabic proclitics (`text::clitics`):
//! `الميادين` finds `والميادين`, `بالميادين`, `للميادين`, and `حلب` finds
//! `بحلب`, whichever words of a phrase carry them. A hit's span leaves the
//! proclitics out (in `والميادين` it is `الميادين`).
//!
//! Candidates come from the index, which holds whole tokens: a phrase word
//! stands for the union of the postings of its written forms that the
//! dictionary has (at most 24 lookups a word, no index change), and
//! adjacent words for the hash buckets of their forms' pairs (when they are
//! few). The rarest of these terms gives the candidates (units at least as
//! long as the phrase), intersected with the next rarest while that is
//! cheaper than reading keys; then each candidate's key is searched for the
//! phrase, and for a hit the raw text is tokenized to report the phrase's
//! spans for highlighting.
//!
//! It reads the index (`tm::index`), it does not build it; scoring a
//! sentence against the TM is `fuzzy`'s.

use std::ops::Range;

use super::diff::{self, Token};
use super::error::{Result, TmError};
use super::fuzzy::{check_pair, Prefetch};
use super::index::{self, TokenInfo};
use super::source::{self, IndexRead};
use crate::text::clitics::{proclitic_forms, strip_to, Form};
use crate::text::lang;
use crate::text::normalize::{key_tokens, matching_key, TokenKind};

/// Stop intersecting when the next posting list is this many times longer
/// than the candidates left: reading texts is then cheaper.
const INTERSECT_FACTOR: i64 = 200;

/// Adjacent-pair buckets looked up for two phrase words at most: beyond
/// that their union is no sharper than the words' own postings.
const MAX_PAIR_BUCKETS: usize = 16;

/// One unit containing the phrase.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Hit {
    pub unit_id: i64,
    /// The text searched (source, or target with `target`).
    pub text: String,
    /// Where the phrase is in `text`, in order, as UTF-8 byte offsets
    /// (`text[span]` in Rust); end exclusive.
    pub spans: Vec<Range<usize>>,
    /// The same spans as character offsets: counts of Unicode scalar
    /// values (code points, as Python's `str` indexes; all Arabic is in the
    /// BMP, so JavaScript's UTF-16 indexes agree on Arabic text); end
    /// exclusive.
    pub char_spans: Vec<Range<usize>>,
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
    /// Whole tokens only: a word is not found behind proclitics.
    pub exact: bool,
    /// Most hits returned (newest units first).
    pub limit: usize,
}

/// What each token of a phrase may be written as in a text: the phrase's
/// matching-key tokens, each word with its proclitic forms unless `exact`.
pub fn phrase_forms(phrase: &str, exact: bool) -> Vec<Vec<Form>> {
    key_tokens(&matching_key(phrase))
        .map(|t| {
            if exact || TokenKind::of(t) != TokenKind::Word {
                vec![Form {
                    text: t.to_string(),
                    lead: 0,
                }]
            } else {
                proclitic_forms(t)
            }
        })
        .collect()
}

/// Where the phrase starts in a token sequence, left to right, without
/// overlaps: (first token, clitic characters leading it).
fn occurrences(toks: &[&str], want: &[Vec<Form>]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if want.is_empty() || toks.len() < want.len() {
        return out;
    }
    let mut i = 0;
    while i + want.len() <= toks.len() {
        let lead = strip_to(toks[i], &want[0]);
        let rest = toks[i + 1..i + want.len()]
            .iter()
            .zip(&want[1..])
            .all(|(t, w)| strip_to(t, w).is_some());
        match lead {
            Some(lead) if rest => {
                out.push((i, lead));
                i += want.len();
            }
            _ => i += 1,
        }
    }
    out
}

/// The raw spans of the phrase (`phrase_forms`) in a text's tokens, the
/// leading proclitics of its first word left out.
pub fn find(raw: &str, toks: &[Token], want: &[Vec<Form>]) -> Vec<Range<usize>> {
    let texts: Vec<&str> = toks.iter().map(|t| t.text.as_str()).collect();
    occurrences(&texts, want)
        .into_iter()
        .map(|(i, lead)| {
            let first = &toks[i].span;
            let start = first.start + diff::raw_after_folded(&raw[first.clone()], lead);
            start..toks[i + want.len() - 1].span.end
        })
        .collect()
}

/// Byte ranges of `text` as character ranges.
fn char_ranges(text: &str, spans: &[Range<usize>]) -> Vec<Range<usize>> {
    let at = |b: usize| text[..b].chars().count();
    spans.iter().map(|s| at(s.start)..at(s.end)).collect()
}

/// Every unit (up to `limit`, newest first) containing the phrase.
pub fn concord(store: &(impl IndexRead + ?Sized), s: &Search) -> Result<Vec<Hit>> {
    // One read transaction: one lock and snapshot for all the statements.
    let mut hits = Vec::new();
    store.in_snapshot(&mut || {
        hits = search(store, s)?;
        Ok(())
    })?;
    Ok(hits)
}

/// An index term of the search: the union of some tokens' postings.
struct Term {
    toks: Vec<TokenInfo>,
    /// Sum of their document frequencies (an upper bound of the union's).
    df: i64,
}

impl Term {
    /// The dictionary entries of `texts` that exist; `None` if none does.
    fn lookup(
        src: &(impl IndexRead + ?Sized),
        l: &str,
        texts: impl IntoIterator<Item = String>,
    ) -> Result<Option<Term>> {
        let texts: Vec<String> = texts.into_iter().collect();
        src.prefetch_tokens(l, &texts.iter().map(String::as_str).collect::<Vec<_>>())?;
        let mut toks = Vec::new();
        for t in texts {
            if let Some(info) = src.token(l, &t)? {
                toks.push(info);
            }
        }
        let df = toks.iter().map(|t| t.df).sum();
        Ok((!toks.is_empty()).then_some(Term { toks, df }))
    }
}

/// The index terms of a phrase: one per content word (its forms), and one
/// per adjacent pair of content words (their forms' pair buckets) when
/// those are few. `None` when some term has no posting at all.
fn terms(
    src: &(impl IndexRead + ?Sized),
    l: &str,
    want: &[Vec<Form>],
) -> Result<Option<Vec<Term>>> {
    // The content words' forms as the index writes them (numbers as `#`).
    let mut content: Vec<Vec<String>> = Vec::new();
    for w in want {
        match TokenKind::of(&w[0].text) {
            TokenKind::Word => content.push(w.iter().map(|f| f.text.clone()).collect()),
            TokenKind::Number => content.push(vec![index::NUMBER.to_string()]),
            TokenKind::Other => {}
        }
    }
    let all: Vec<&str> = content.iter().flatten().map(String::as_str).collect();
    src.prefetch_tokens(l, &all)?;
    let mut out = Vec::new();
    // Each word's forms that the dictionary has.
    let mut present: Vec<Vec<String>> = Vec::new();
    for forms in content {
        let mut here = Vec::new();
        let mut toks = Vec::new();
        for f in forms {
            if let Some(info) = src.token(l, &f)? {
                toks.push(info);
                here.push(f);
            }
        }
        if toks.is_empty() {
            return Ok(None);
        }
        let df = toks.iter().map(|t| t.df).sum();
        out.push(Term { toks, df });
        present.push(here);
    }
    for pair in present.windows(2) {
        let mut buckets: Vec<String> = pair[0]
            .iter()
            .flat_map(|a| pair[1].iter().map(move |b| index::bigram(a, b)))
            .collect();
        buckets.sort_unstable();
        buckets.dedup();
        if buckets.len() > MAX_PAIR_BUCKETS {
            continue;
        }
        match Term::lookup(src, l, buckets)? {
            Some(t) => out.push(t),
            None => return Ok(None),
        }
    }
    Ok(Some(out))
}

fn search(store: &(impl IndexRead + ?Sized), s: &Search) -> Result<Vec<Hit>> {
    let (src, tgt) = check_pair(store, s.src_lang, s.tgt_lang)?;
    let (side, other) = if s.target { (&tgt, &src) } else { (&src, &tgt) };
    let want = phrase_forms(s.phrase, s.exact);
    let words = index::content_tokens(&matching_key(s.phrase)).len();
    if words == 0 {
        return Err(TmError::EmptyPhrase(s.phrase.to_string()));
    }
    store.ready_for_lookups()?;
    let side_index = index::index_lang(side);
    let Some(mut terms) = terms(store, &side_index, &want)? else {
        return Ok(Vec::new());
    };
    terms.sort_by_key(|t| t.df);
    let lo = words as u32;
    let mut cands: Vec<u64> = Vec::new();
    let first: Vec<i64> = terms[0].toks.iter().map(|t| t.id).collect();
    store.prefetch_postings(&first)?;
    for t in &terms[0].toks {
        source::postings(store, t.id, lo, u32::MAX, |u, _, _| cands.push(u))?;
    }
    // Ascending and unique, so the next terms' postings are checked by
    // binary search and a mark (no hash set as large as a common word's
    // postings).
    cands.sort_unstable();
    cands.dedup();
    let mut hit = Vec::new();
    for term in &terms[1..] {
        if cands.is_empty() || term.df > INTERSECT_FACTOR * cands.len() as i64 {
            break;
        }
        hit.clear();
        hit.resize(cands.len(), false);
        for t in &term.toks {
            source::postings(store, t.id, lo, u32::MAX, |u, _, _| {
                if let Ok(i) = cands.binary_search(&u) {
                    hit[i] = true;
                }
            })?;
        }
        let mut keep = hit.iter();
        cands.retain(|_| *keep.next().unwrap_or(&false));
    }
    cands.reverse();

    let mut hits = Vec::new();
    let mut ahead = Prefetch::default();
    for (i, &u) in cands.iter().enumerate() {
        if hits.len() >= s.limit {
            break;
        }
        ahead.before(store, &cands, i, |&u| u as i64)?;
        let rows = store.variant_texts(u as i64)?;
        let Some(si) = rows
            .iter()
            .position(|r| index::index_lang(&r.lang) == side_index)
        else {
            continue;
        };
        if !lang::matches(side, &rows[si].lang) {
            continue;
        }
        let Some(oi) = (0..rows.len()).find(|&i| i != si && lang::matches(other, &rows[i].lang))
        else {
            continue;
        };
        // Cheap test on the key first; tokens with raw spans only for hits.
        let key: Vec<&str> = key_tokens(&rows[si].key).collect();
        if occurrences(&key, &want).is_empty() {
            continue;
        }
        let text = &rows[si].plain;
        let spans = find(text, &diff::tokens(text), &want);
        if spans.is_empty() {
            continue;
        }
        let origin = store.origin_name(u as i64)?;
        hits.push(Hit {
            unit_id: u as i64,
            text: text.clone(),
            char_spans: char_ranges(text, &spans),
            spans,
            other: rows[oi].plain.clone(),
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
            exact: false,
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
        // --exact: whole tokens, the clitic-prefixed unit is not found.
        let mut exact = search("قاعدة عسكرية", false);
        exact.exact = true;
        let hits = concord(&store, &exact).unwrap();
        let got: Vec<(i64, &str)> = hits
            .iter()
            .map(|h| (h.unit_id, &h.text[h.spans[0].clone()]))
            .collect();
        assert_eq!(
            got,
            vec![(ids[1], "قاعدة عسكرية"), (ids[0], "قاعدةً عسكريّة")]
        );
        // By default it is, its span without the clitic.
        let hits = concord(&store, &search("قاعدة عسكرية", false)).unwrap();
        let got: Vec<(i64, &str)> = hits
            .iter()
            .map(|h| (h.unit_id, &h.text[h.spans[0].clone()]))
            .collect();
        assert_eq!(
            got,
            vec![
                (ids[3], "قاعدة عسكرية"),
                (ids[1], "قاعدة عسكرية"),
                (ids[0], "قاعدةً عسكريّة")
            ]
        );
        assert_eq!(
            hits[2].other,
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
    fn words_are_found_behind_proclitics_with_char_offsets() {
        let (_d, store, ids) = tm(&[
            (
                "عادت الحياة إلى الميادين",
                "Life returned to the squares",
                None,
            ),
            (
                "في الشوارع والميادين، احتفالات",
                "In the streets and squares, celebrations",
                None,
            ),
            (
                "مررنا بالميادين العامة",
                "We passed by the public squares",
                None,
            ),
            ("دعوة للميادين العامة", "A call to the public squares", None),
            ("وَبِالميادينِ العامة", "And in the public squares", None),
            ("ميادين جديدة", "New squares", None),
            ("الميادينية", "another word", None),
        ]);
        let hits = concord(&store, &search("الميادين", false)).unwrap();
        let got: Vec<(i64, &str)> = hits
            .iter()
            .map(|h| (h.unit_id, &h.text[h.spans[0].clone()]))
            .collect();
        assert_eq!(
            got,
            vec![
                (ids[4], "الميادينِ"),
                (ids[3], "لميادين"),
                (ids[2], "الميادين"),
                (ids[1], "الميادين"),
                (ids[0], "الميادين"),
            ]
        );
        // Character offsets: `في الشوارع و` is 12 characters.
        assert_eq!(hits[3].char_spans, vec![12..20]);
        assert_eq!(hits[3].spans, vec![22..38]);
        // A phrase whichever of its words carry a prefix.
        let hits = concord(&store, &search("الميادين العامة", false)).unwrap();
        let ids_got: Vec<i64> = hits.iter().map(|h| h.unit_id).collect();
        assert_eq!(ids_got, vec![ids[4], ids[3], ids[2]]);
        assert_eq!(&hits[0].text[hits[0].spans[0].clone()], "الميادينِ العامة");
        // The bare word also finds it with the article.
        let hits = concord(&store, &search("ميادين", false)).unwrap();
        assert_eq!(hits.len(), 6);
        assert_eq!(&hits[0].text[hits[0].spans[0].clone()], "ميادين");
        assert_eq!(&hits[1].text[hits[1].spans[0].clone()], "ميادينِ");
        // --exact: today's whole tokens.
        let mut exact = search("الميادين", false);
        exact.exact = true;
        let hits = concord(&store, &exact).unwrap();
        assert_eq!(
            hits.iter().map(|h| h.unit_id).collect::<Vec<_>>(),
            vec![ids[0]]
        );
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

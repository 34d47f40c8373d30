//! Pre-translation: look every sentence of a document up, keep the best
//! match, and analyse the document by match band as CAT tools quote it.
//!
//! Bands (of the best match's score): context match (101), 100%, 95–99%,
//! 85–94%, 75–84%, 50–74%, no match; plus repetitions: a segment whose
//! matching key equals an earlier segment's in the same document counts as
//! a repetition (whatever its TM match), the first occurrence in its band.
//! Words are counted as the segment's words and numbers (matching-key
//! content tokens), as CAT tools count them.
//!
//! A match is *exact for the sentence* ([`is_exact`]) when it scores 101
//! or 100, or when the sentence is the stored source but for its numbers,
//! whose values the target carries replaced. Only such a match may be
//! given to a CAT tool as the sentence's translation (a draft); any other
//! is a suggestion whose score the CAT tool must compute itself.
//!
//! The matching is `fuzzy`'s; reading the document and writing the
//! translated one (which file format, which encoding) is the caller's.

use super::diff;
use super::error::Result;
use super::fuzzy::{Match, Matcher};
use super::index::content_tokens;
use crate::text::normalize::{is_number, matching_key};

/// Lowest score looked up for the analysis (the lowest band).
pub const ANALYSIS_MIN: u8 = 50;

/// One segment of the document with its best match.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Segment {
    /// 0-based, in document order.
    pub index: usize,
    pub paragraph: usize,
    pub text: String,
    pub words: usize,
    /// An identical segment (same matching key) came earlier.
    pub repetition: bool,
    /// The best match scoring ≥ 50, if any.
    pub best: Option<Match>,
    /// The best match is exact for this sentence ([`is_exact`]).
    pub exact: bool,
}

/// Whether `m` is a translation of `text` as it stands: score 100 or 101,
/// or the raw texts are identical but for numbers and every number whose
/// value differs was replaced in the target (`target_fixed`). A text that
/// differs in harakat, case, punctuation or any word is not exact, whatever
/// its score: a CAT tool shown it as a 100% match would take it unread.
pub fn is_exact(text: &str, m: &Match) -> bool {
    if m.score >= 100 {
        return true;
    }
    let (q, s) = (text.trim(), m.source.trim());
    let (qt, st) = (diff::tokens(q), diff::tokens(s));
    let numbers = |raw: &str, toks: &[diff::Token]| -> (String, Vec<String>) {
        let mut masked = String::with_capacity(raw.len());
        let mut values = Vec::new();
        let mut pos = 0;
        for t in toks.iter().filter(|t| is_number(&t.text)) {
            masked.push_str(&raw[pos..t.span.start]);
            masked.push('\u{0}');
            values.push(t.text.chars().filter(|&c| c != ',').collect());
            pos = t.span.end;
        }
        masked.push_str(&raw[pos..]);
        (masked, values)
    };
    let ((qm, qv), (sm, sv)) = (numbers(q, &qt), numbers(s, &st));
    qm == sm && !qv.is_empty() && (qv == sv || m.target_fixed.is_some())
}

/// A match band of the analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    Context,
    Exact,
    /// 95–99
    Near,
    /// 85–94
    High,
    /// 75–84
    Mid,
    /// 50–74
    Low,
    NoMatch,
    Repetition,
}

impl Band {
    pub const ALL: [Band; 8] = [
        Band::Context,
        Band::Repetition,
        Band::Exact,
        Band::Near,
        Band::High,
        Band::Mid,
        Band::Low,
        Band::NoMatch,
    ];

    /// The band of a segment.
    pub fn of(s: &Segment) -> Band {
        if s.repetition {
            return Band::Repetition;
        }
        match s.best.as_ref().map(|m| m.score) {
            Some(101) => Band::Context,
            Some(100) => Band::Exact,
            Some(95..=99) => Band::Near,
            Some(85..=94) => Band::High,
            Some(75..=84) => Band::Mid,
            Some(50..=74) => Band::Low,
            _ => Band::NoMatch,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Band::Context => "Context match (101%)",
            Band::Repetition => "Repetitions",
            Band::Exact => "100%",
            Band::Near => "95–99%",
            Band::High => "85–94%",
            Band::Mid => "75–84%",
            Band::Low => "50–74%",
            Band::NoMatch => "No match",
        }
    }
}

/// One row of the analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Row {
    pub band: Band,
    pub segments: usize,
    pub words: usize,
}

/// Segments and words per band, and the totals.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Analysis {
    pub rows: Vec<Row>,
    pub segments: usize,
    pub words: usize,
}

/// Count segments and words per band.
pub fn analyse(segments: &[Segment]) -> Analysis {
    let rows = Band::ALL
        .iter()
        .map(|&band| {
            let inband = segments.iter().filter(|s| Band::of(s) == band);
            let (n, w) = inband.fold((0, 0), |(n, w), s| (n + 1, w + s.words));
            Row {
                band,
                segments: n,
                words: w,
            }
        })
        .collect();
    Analysis {
        rows,
        segments: segments.len(),
        words: segments.iter().map(|s| s.words).sum(),
    }
}

/// Look every sentence up (the previous sentence of the document as its
/// context) and mark repetitions. `sentences` are (paragraph, text).
pub fn pretranslate(
    matcher: &Matcher,
    sentences: &[(usize, String)],
    mut progress: impl FnMut(),
) -> Result<Vec<Segment>> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(sentences.len());
    let mut prev: Option<&str> = None;
    for (index, (paragraph, text)) in sentences.iter().enumerate() {
        let key = matching_key(text);
        let words = content_tokens(&key).len();
        let repetition = !key.is_empty() && !seen.insert(key);
        let best = matcher
            .lookup(text, prev, ANALYSIS_MIN, 1)?
            .into_iter()
            .next();
        let exact = best.as_ref().is_some_and(|m| is_exact(text, m));
        out.push(Segment {
            index,
            paragraph: *paragraph,
            text: text.clone(),
            words,
            repetition,
            best,
            exact,
        });
        prev = Some(text);
        progress();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tm::fuzzy::tests::tm;

    #[test]
    fn bands_repetitions_and_words_are_counted_like_a_cat_quote() {
        let (_d, store, _) = tm(&[
            (
                "أخلت المليشيات الإيرانية قاعدة عسكرية",
                "Iranian militias evacuated a military base",
                Some("بدأت العملية أمس"),
            ),
            (
                "قال مصدر محلي إن القصف استمر ساعتين",
                "A local source said the shelling lasted two hours",
                None,
            ),
            (
                "وصلت تعزيزات جديدة إلى المنطقة الشرقية",
                "New reinforcements reached the eastern region",
                None,
            ),
        ]);
        let m = Matcher::new(&store, "ar", "en").unwrap();
        let doc: Vec<(usize, String)> = [
            "بدأت العملية أمس",                       // no match (4 words)
            "أخلت المليشيات الإيرانية قاعدة عسكرية",   // 101: same previous sentence
            "قال مصدر محلي إن القصف استمر ساعتين",    // 100
            "قال مصدر محلي إن القصف استمر ثلاث ساعات", // 75: 6 of 8 words
            "قال مصدر محلي إن القصف استمر ساعتين",    // repetition
            "وصلت تعزيزات جديدة الى المنطقة الشرقيّة", // 99: hamza/harakat only
        ]
        .iter()
        .map(|s| (0, s.to_string()))
        .collect();
        let segs = pretranslate(&m, &doc, || {}).unwrap();
        let bands: Vec<Band> = segs.iter().map(Band::of).collect();
        assert_eq!(
            bands,
            [
                Band::NoMatch,
                Band::Context,
                Band::Exact,
                Band::Mid,
                Band::Repetition,
                Band::Near
            ]
        );
        let a = analyse(&segs);
        assert_eq!((a.segments, a.words), (6, 3 + 5 + 7 + 8 + 7 + 6));
        let row = |b: Band| a.rows.iter().find(|r| r.band == b).copied().unwrap();
        assert_eq!(
            (row(Band::Repetition).segments, row(Band::Repetition).words),
            (1, 7)
        );
        assert_eq!((row(Band::Exact).segments, row(Band::Exact).words), (1, 7));
        assert_eq!(row(Band::High).segments, 0);
        assert_eq!(a.rows.iter().map(|r| r.segments).sum::<usize>(), 6);
    }

    #[test]
    fn only_matches_true_for_the_sentence_are_exact() {
        let (_d, store, _) = tm(&[
            (
                "قال مصدر محلي إن القصف استمر ساعتين",
                "A local source said the shelling lasted two hours",
                None,
            ),
            (
                "وأدت الضربات إلى مقتل ٥ عناصر من المليشيات",
                "The strikes killed 5 militia members",
                None,
            ),
            (
                "وصلت تعزيزات جديدة إلى المنطقة الشرقية",
                "New reinforcements reached the eastern region",
                None,
            ),
        ]);
        let m = Matcher::new(&store, "ar", "en").unwrap();
        let doc: Vec<(usize, String)> = [
            "قال مصدر محلي إن القصف استمر ساعتين",         // 100: exact
            "وأدت الضربات إلى مقتل 7 عناصر من المليشيات",  // 99, only the number: exact
            "وأدت الضربات إلى مقتل ٥ عناصر من المليشيات.", // 98, punctuation: not
            "وصلت تعزيزات جديدة الى المنطقة الشرقيّة",      // 99, hamza/harakat: not
            "قال مصدر محلي إن القصف استمر ثلاث ساعات",      // 75: not
        ]
        .iter()
        .map(|s| (0, s.to_string()))
        .collect();
        let segs = pretranslate(&m, &doc, || {}).unwrap();
        let seen: Vec<(u8, bool)> = segs
            .iter()
            .map(|s| (s.best.as_ref().unwrap().score, s.exact))
            .collect();
        assert_eq!(
            seen,
            [
                (100, true),
                (99, true),
                (98, false),
                (99, false),
                (75, false)
            ]
        );
        assert_eq!(
            segs[1].best.as_ref().unwrap().target_fixed.as_deref(),
            Some("The strikes killed 7 militia members")
        );
    }
}

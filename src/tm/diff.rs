//! Word-level differences between a stored source and a query, tokens mapped
//! back to the raw text, and number placeables carried into the target.
//!
//! Tokens are those of the matching key (`text::normalize`), but each one
//! also knows its byte span in the *original* text, so that a diff or a
//! concordance hit shows the text as it was written (harakat, hamza forms,
//! case and all).

use std::ops::Range;

use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

use crate::text::normalize::{fold_char, is_number, tokenize_folded};

/// A matching-key token with where it sits in the raw text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The folded token, as in the matching key.
    pub text: String,
    /// Its bytes in the raw text (including harakat and tatweel inside or
    /// right after it).
    pub span: Range<usize>,
    /// Whitespace precedes it in the raw text.
    pub gap_before: bool,
}

/// The tokens of a raw text with their raw spans. The folded texts equal the
/// matching-key tokens (NFKC applied per character, which differs from the
/// whole-string NFKC only for rare composing sequences).
pub fn tokens(raw: &str) -> Vec<Token> {
    let mut folded = String::with_capacity(raw.len());
    // For each folded char: (its byte in `folded`, its source char's byte in `raw`).
    let mut at: Vec<(usize, usize)> = Vec::with_capacity(raw.len());
    for (i, c) in raw.char_indices() {
        each_nfkc(c, |n| {
            if let Some(f) = fold_char(n) {
                if f.is_ascii() {
                    at.push((folded.len(), i));
                    folded.push(f.to_ascii_lowercase());
                } else {
                    for l in f.to_lowercase() {
                        at.push((folded.len(), i));
                        folded.push(l);
                    }
                }
            }
        });
    }
    let raw_at = |fbyte: usize| -> usize {
        match at.binary_search_by_key(&fbyte, |&(f, _)| f) {
            Ok(k) => at[k].1,
            Err(_) => raw.len(),
        }
    };
    tokenize_folded(&folded)
        .into_iter()
        .map(|t| {
            let fstart = t.as_ptr() as usize - folded.as_ptr() as usize;
            let fend = fstart + t.len();
            let start = raw_at(fstart);
            let mut end = raw_at(fend).max(start);
            end = start + raw[start..end].trim_end().len();
            if end <= start {
                // One raw char folded into several tokens (`…` → `. . .`).
                end = start + raw[start..].chars().next().map_or(0, char::len_utf8);
            }
            let gap_before = raw[..start].ends_with(char::is_whitespace);
            Token {
                text: t.to_string(),
                span: start..end,
                gap_before,
            }
        })
        .collect()
}

/// Call `f` with the NFKC form of one character: the character itself
/// for ASCII and whatever the quick check (a table lookup) passes, which
/// is nearly every character of Arabic and English text; the
/// decomposition machinery (a fresh iterator a character, a fifth of a
/// lookup's diffs) only for the others.
#[inline]
fn each_nfkc(c: char, mut f: impl FnMut(char)) {
    if c.is_ascii() || is_nfkc_quick(std::iter::once(c)) == IsNormalized::Yes {
        f(c);
    } else {
        std::iter::once(c).nfkc().for_each(f);
    }
}

/// The byte offset in `raw` after its first `n` folded characters (as
/// `tokens` folds them) and the marks that fold to nothing right after
/// them: where the rest of a token starts once `n` characters of it are
/// set aside (a clitic `وَ` with its fatha).
pub fn raw_after_folded(raw: &str, n: usize) -> usize {
    if n == 0 {
        return 0;
    }
    let mut count = 0;
    for (i, c) in raw.char_indices() {
        let mut made = 0;
        each_nfkc(c, |n| {
            made += fold_char(n).map_or(0, |f| f.to_lowercase().count());
        });
        if made > 0 && count >= n {
            return i;
        }
        count += made;
    }
    raw.len()
}

/// One piece of a diff from the stored source to the query.
///
/// The `same` and `inserted` pieces are the query's own text and, in order,
/// join back to it character for character (whitespace, harakat and all;
/// the first holds any leading whitespace, the last any trailing): a
/// `same` piece shows the words as the query writes them, which differ from
/// the stored source's only in what the matching key folds away (harakat,
/// hamza and alef forms, case, digit systems); the stored source itself is
/// `Match::source`. A `deleted` piece is the stored source's raw text, with
/// a leading space where the source had whitespace before it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "op", content = "text", rename_all = "lowercase")]
pub enum DiffOp {
    /// In both (as the query writes it).
    Same(String),
    /// In the stored source only: the translator's match has it, the query not.
    Deleted(String),
    /// In the query only.
    Inserted(String),
}

impl DiffOp {
    pub fn text(&self) -> &str {
        match self {
            DiffOp::Same(t) | DiffOp::Deleted(t) | DiffOp::Inserted(t) => t,
        }
    }
}

/// Levenshtein alignment of two token sequences: for each step, the stored
/// index, the query index, or both (same or substituted).
fn align<T: PartialEq>(a: &[T], b: &[T]) -> Vec<(Option<usize>, Option<usize>)> {
    let (n, m) = (a.len(), b.len());
    let w = m + 1;
    let mut d = vec![0u32; (n + 1) * w];
    for (j, cell) in d.iter_mut().take(w).enumerate() {
        *cell = j as u32;
    }
    for i in 1..=n {
        d[i * w] = i as u32;
        for j in 1..=m {
            let sub = d[(i - 1) * w + j - 1] + u32::from(a[i - 1] != b[j - 1]);
            d[i * w + j] = sub.min(d[(i - 1) * w + j] + 1).min(d[i * w + j - 1] + 1);
        }
    }
    let (mut i, mut j) = (n, m);
    let mut steps = Vec::with_capacity(n.max(m));
    while i > 0 || j > 0 {
        if i > 0
            && j > 0
            && d[i * w + j] == d[(i - 1) * w + j - 1] + u32::from(a[i - 1] != b[j - 1])
        {
            steps.push((Some(i - 1), Some(j - 1)));
            i -= 1;
            j -= 1;
        } else if i > 0 && d[i * w + j] == d[(i - 1) * w + j] + 1 {
            steps.push((Some(i - 1), None));
            i -= 1;
        } else {
            steps.push((None, Some(j - 1)));
            j -= 1;
        }
    }
    steps.reverse();
    steps
}

/// The raw text of tokens `first..=last`, with a leading space if it had one.
fn piece(raw: &str, toks: &[Token], first: usize, last: usize) -> String {
    let mut s = String::new();
    if toks[first].gap_before {
        s.push(' ');
    }
    s.push_str(&raw[toks[first].span.start..toks[last].span.end]);
    s
}

/// The word-level differences from `stored` to `query`: a changed word is a
/// `Deleted` piece followed by an `Inserted` one. The query's pieces are
/// cut from it without a gap (`DiffOp`), so that a query with at least one
/// token is rebuilt exactly by joining its `Same` and `Inserted` texts.
pub fn diff(stored: &str, query: &str) -> Vec<DiffOp> {
    let (st, qt) = (tokens(stored), tokens(query));
    let a: Vec<&str> = st.iter().map(|t| t.text.as_str()).collect();
    let b: Vec<&str> = qt.iter().map(|t| t.text.as_str()).collect();
    let steps = align(&a, &b);
    let mut out = Vec::new();
    // The query's bytes given out so far, and its last piece in `out`.
    let mut q_at = 0;
    let mut q_last: Option<usize> = None;
    let q_piece = |last: usize, q_at: &mut usize| -> String {
        let end = qt[last].span.end;
        let s = query[*q_at..end].to_string();
        *q_at = end;
        s
    };
    let mut k = 0;
    while k < steps.len() {
        let same =
            |s: &(Option<usize>, Option<usize>)| matches!(s, (Some(i), Some(j)) if a[*i] == b[*j]);
        let start = k;
        if same(&steps[k]) {
            while k < steps.len() && same(&steps[k]) {
                k += 1;
            }
            let last = steps[k - 1].1.unwrap_or(0);
            out.push(DiffOp::Same(q_piece(last, &mut q_at)));
            q_last = Some(out.len() - 1);
        } else {
            while k < steps.len() && !same(&steps[k]) {
                k += 1;
            }
            let del: Vec<usize> = steps[start..k].iter().filter_map(|s| s.0).collect();
            let ins: Vec<usize> = steps[start..k].iter().filter_map(|s| s.1).collect();
            if let (Some(&f), Some(&l)) = (del.first(), del.last()) {
                out.push(DiffOp::Deleted(piece(stored, &st, f, l)));
            }
            if let Some(&l) = ins.last() {
                out.push(DiffOp::Inserted(q_piece(l, &mut q_at)));
                q_last = Some(out.len() - 1);
            }
        }
    }
    // What follows the query's last token belongs to its last piece.
    if let Some(DiffOp::Same(t) | DiffOp::Inserted(t)) = q_last.map(|i| &mut out[i]) {
        t.push_str(&query[q_at..]);
    }
    out
}

/// A number's value for placeable matching: digits folded to ASCII,
/// thousands commas dropped (`٢٬٢٥٤` = `2,254` = `2254`).
fn number_value(folded: &str) -> String {
    folded.chars().filter(|&c| c != ',').collect()
}

/// Write ASCII digits in the digit system of `like` (Arabic-Indic if it
/// uses them, else ASCII).
fn in_digits_of(ascii: &str, like: &str) -> String {
    let arabic = like.chars().any(|c| ('\u{0660}'..='\u{0669}').contains(&c));
    if !arabic {
        return ascii.to_string();
    }
    ascii
        .chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(0x0660 + (c as u32 - '0' as u32)).unwrap_or(c),
            '.' => '٫',
            ',' => '٬',
            _ => c,
        })
        .collect()
}

/// Numbers are placeables: when the query's numbers differ from the stored
/// source's, the target with each such number replaced by the query's.
/// Source and query numbers pair up in order (they must be as many); each
/// changed source number is found in the target by value (any digit system)
/// and rewritten in the target's digit system. `None` when no number
/// differs or one cannot be placed.
pub fn replace_numbers(query: &str, source: &str, target: &str) -> Option<String> {
    let nums = |t: &str| -> Vec<Token> {
        tokens(t)
            .into_iter()
            .filter(|t| is_number(&t.text))
            .collect()
    };
    // Nothing to carry over unless the query has numbers, as many as the
    // source: the target is only read then.
    let qn = nums(query);
    if qn.is_empty() {
        return None;
    }
    let sn = nums(source);
    if qn.len() != sn.len() {
        return None;
    }
    let tn = nums(target);
    let mut used = vec![false; tn.len()];
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    for (q, s) in qn.iter().zip(&sn) {
        let (qv, sv) = (number_value(&q.text), number_value(&s.text));
        if qv == sv {
            // Unchanged: it keeps whatever target number it maps to.
            if let Some(k) = (0..tn.len()).find(|&k| !used[k] && number_value(&tn[k].text) == sv) {
                used[k] = true;
            }
            continue;
        }
        let k = (0..tn.len()).find(|&k| !used[k] && number_value(&tn[k].text) == sv)?;
        used[k] = true;
        let raw = &target[tn[k].span.clone()];
        edits.push((tn[k].span.clone(), in_digits_of(&q.text, raw)));
    }
    if edits.is_empty() {
        return None;
    }
    edits.sort_by_key(|e| e.0.start);
    let mut out = String::with_capacity(target.len() + 8);
    let mut pos = 0;
    for (span, text) in edits {
        out.push_str(&target[pos..span.start]);
        out.push_str(&text);
        pos = span.end;
    }
    out.push_str(&target[pos..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize::matching_key;

    #[test]
    fn tokens_match_the_key_and_spans_cover_the_raw_words() {
        let raw = "أَكَّدَ  المســؤول، «نعم» ٢٠٢١";
        let toks = tokens(raw);
        let texts: Vec<&str> = toks.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(texts.join(" "), matching_key(raw));
        let spans: Vec<&str> = toks.iter().map(|t| &raw[t.span.clone()]).collect();
        assert_eq!(spans, ["أَكَّدَ", "المســؤول", "،", "«", "نعم", "»", "٢٠٢١"]);
        assert!(toks[1].gap_before && !toks[2].gap_before);
    }

    #[test]
    fn diff_marks_changed_inserted_and_deleted_words_in_raw_text() {
        let stored = "أعلنت الحكومة السورية أمس عن خطة جديدة";
        let query = "أعلنت الحكومة العراقية عن خطة جديدة للإعمار";
        let ops = diff(stored, query);
        assert_eq!(
            ops,
            vec![
                DiffOp::Same("أعلنت الحكومة".into()),
                DiffOp::Deleted(" السورية أمس".into()),
                DiffOp::Inserted(" العراقية".into()),
                DiffOp::Same(" عن خطة جديدة".into()),
                DiffOp::Inserted(" للإعمار".into()),
            ]
        );
        // Same + Deleted rebuild the stored text; Same + Inserted the query.
        let rebuild = |keep: fn(&DiffOp) -> bool| -> String {
            ops.iter().filter(|o| keep(o)).map(DiffOp::text).collect()
        };
        assert_eq!(rebuild(|o| !matches!(o, DiffOp::Inserted(_))), stored);
        assert_eq!(rebuild(|o| !matches!(o, DiffOp::Deleted(_))), query);
    }

    #[test]
    fn numbers_are_replaced_in_the_target_by_value_across_digit_systems() {
        let fixed = replace_numbers(
            "قتل ١٢ شخصا في عام ٢٠٢٢",
            "قتل ٥ أشخاص في عام ٢٠٢١",
            "5 people were killed in 2021",
        );
        assert_eq!(fixed.as_deref(), Some("12 people were killed in 2022"));
        // Unchanged numbers stay; an Arabic-Indic target keeps its digits.
        assert_eq!(
            replace_numbers("القرار 2254 و 7", "القرار 2254 و 5", "القرار ٢٢٥٤ و ٥").as_deref(),
            Some("القرار ٢٢٥٤ و ٧")
        );
        // Thousands separators do not change a value.
        assert_eq!(replace_numbers("2,254", "٢٢٥٤", "Resolution 2254"), None);
        // A number the target does not have cannot be placed.
        assert_eq!(replace_numbers("عام 2022", "عام 2021", "last year"), None);
    }

    #[test]
    fn an_insertion_at_the_start_keeps_its_space() {
        let ops = diff("ذهب الوفد إلى موسكو", "أمس ذهب الوفد إلى موسكو");
        assert_eq!(
            ops,
            vec![
                DiffOp::Inserted("أمس".into()),
                DiffOp::Same(" ذهب الوفد إلى موسكو".into()),
            ]
        );
        // Whitespace as the query has it, leading and trailing included.
        let query = "  ذَهَبَ\tالوفد  إلى\u{200F} انقرة \n";
        let joined: String = diff("ذهب الوفد إلى موسكو", query)
            .iter()
            .filter(|o| !matches!(o, DiffOp::Deleted(_)))
            .map(DiffOp::text)
            .collect();
        assert_eq!(joined, query);
    }

    proptest::proptest! {
        #[test]
        fn same_and_inserted_pieces_join_back_to_the_query_exactly(
            a in "[ا-ي ًٌَُِّـأإآ٠-٩0-9a-zA-Z،؛؟«».,ﷺﻻ…ﺳ\u{200F}\u{FEFF}\t\n ]{0,40}",
            b in "[ا-ي ًٌَُِّـأإآ٠-٩0-9a-zA-Z،؛؟«».,ﷺﻻ…ﺳ\u{200F}\u{FEFF}\t\n ]{0,40}",
        ) {
            let joined: String = diff(&a, &b)
                .iter()
                .filter(|o| !matches!(o, DiffOp::Deleted(_)))
                .map(DiffOp::text)
                .collect();
            // A query without a token has no piece to carry its blanks.
            let expected = if tokens(&b).is_empty() { "" } else { b.as_str() };
            proptest::prop_assert_eq!(joined, expected);
        }

        #[test]
        fn tokens_and_diffs_never_panic_and_spans_are_char_boundaries(
            a in "[ا-ي ًٌَُِّـأإآ٠-٩0-9a-zA-Z،؛؟«».,ﷺﻻ…ﺳ\u{200F}\u{FEFF} ]{0,40}",
            b in "[ا-ي ًٌَُِّـأإآ٠-٩0-9a-zA-Z،؛؟«».,ﷺﻻ…ﺳ\u{200F}\u{FEFF} ]{0,40}",
        ) {
            for t in tokens(&a) {
                proptest::prop_assert!(a.is_char_boundary(t.span.start) && a.is_char_boundary(t.span.end));
                proptest::prop_assert!(t.span.start < t.span.end);
            }
            let ops = diff(&a, &b);
            // Every piece is raw text of its side: the query's exactly.
            for op in &ops {
                match op {
                    DiffOp::Deleted(t) => proptest::prop_assert!(a.contains(t.trim_start())),
                    DiffOp::Same(t) | DiffOp::Inserted(t) => proptest::prop_assert!(b.contains(t.as_str())),
                }
            }
            proptest::prop_assert_eq!(ops.is_empty(), tokens(&a).is_empty() && tokens(&b).is_empty());
            let _ = replace_numbers(&b, &a, &b);
        }
    }
}

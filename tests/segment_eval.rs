//! Boundary precision and recall of the segmenter on held-out text.
//!
//! `tests/data/segment/{ar,en}-eval.txt` (raw, one paragraph per line) and
//! their hand-made gold (`*.gold.txt`, one sentence per line, blank line
//! between paragraphs) were written by another helper, not against these
//! rules. A boundary is a sentence end inside a paragraph (paragraph ends
//! are given by the line breaks and would only inflate the score); it is
//! identified by its byte offset in the raw text. Run with `--nocapture` to
//! see the figures and every miss:
//!
//! `cargo test --test segment_eval -- --nocapture`

use std::collections::BTreeSet;

use tarjuman::text::segment::{Lang, Segmenter};

struct Score {
    precision: f64,
    recall: f64,
    exact_paragraphs: f64,
}

/// Boundaries (byte offsets in `raw`) of the gold sentences, found in
/// order in the raw text; and the gold paragraphs as sets of boundaries.
fn gold_boundaries(raw: &str, gold: &str) -> (BTreeSet<usize>, usize) {
    let mut boundaries = BTreeSet::new();
    let mut cursor = 0;
    let mut paragraphs = 0;
    for paragraph in gold.split("\n\n") {
        let sentences: Vec<&str> = paragraph.lines().filter(|l| !l.trim().is_empty()).collect();
        if sentences.is_empty() {
            continue;
        }
        paragraphs += 1;
        for (i, sentence) in sentences.iter().enumerate() {
            let at = raw[cursor..]
                .find(sentence)
                .unwrap_or_else(|| panic!("gold sentence not in the raw text: {sentence}"))
                + cursor;
            cursor = at + sentence.len();
            if i + 1 < sentences.len() {
                boundaries.insert(cursor);
            }
        }
    }
    (boundaries, paragraphs)
}

fn evaluate(lang: Lang, raw: &str, gold: &str) -> Score {
    let (gold, gold_paragraphs) = gold_boundaries(raw, gold);
    let sentences = Segmenter::new(lang).split(raw);
    let mut found = BTreeSet::new();
    for pair in sentences.windows(2) {
        if pair[0].paragraph == pair[1].paragraph {
            found.insert(pair[0].end);
        }
    }
    let paragraphs = sentences.last().map_or(0, |s| s.paragraph + 1);
    assert_eq!(paragraphs, gold_paragraphs, "{lang:?}: paragraph count");

    let context = |at: usize| {
        let mut from = at.saturating_sub(40);
        while !raw.is_char_boundary(from) {
            from -= 1;
        }
        let mut to = (at + 40).min(raw.len());
        while !raw.is_char_boundary(to) {
            to += 1;
        }
        format!("{}‖{}", &raw[from..at], &raw[at..to]).replace('\n', " ")
    };
    for &at in found.difference(&gold) {
        println!("{lang:?} false boundary: {}", context(at));
    }
    for &at in gold.difference(&found) {
        println!("{lang:?} missed boundary: {}", context(at));
    }

    // Paragraphs whose boundaries are all right.
    let mut exact = 0;
    for p in 0..paragraphs {
        let in_p: Vec<_> = sentences.iter().filter(|s| s.paragraph == p).collect();
        let (start, end) = (in_p[0].start, in_p[in_p.len() - 1].end);
        let got: BTreeSet<_> = found.range(start..end).collect();
        let want: BTreeSet<_> = gold.range(start..end).collect();
        exact += usize::from(got == want);
    }

    let hits = found.intersection(&gold).count() as f64;
    let ratio = |n: usize| if n == 0 { 1.0 } else { hits / n as f64 };
    let score = Score {
        precision: ratio(found.len()),
        recall: ratio(gold.len()),
        exact_paragraphs: exact as f64 / paragraphs as f64,
    };
    println!(
        "{lang:?}: {} gold boundaries, {} found, {} right: precision {:.3}, recall {:.3}, \
         paragraphs exact {:.3}",
        gold.len(),
        found.len(),
        hits,
        score.precision,
        score.recall,
        score.exact_paragraphs
    );
    score
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn arabic_boundaries_meet_the_floor() {
    let raw = read("tests/data/segment/ar-eval.txt");
    let gold = read("tests/data/segment/ar-eval.gold.txt");
    let score = evaluate(Lang::Arabic, &raw, &gold);
    assert!(score.precision >= 0.95, "Arabic precision fell below 0.95");
    assert!(score.recall >= 0.95, "Arabic recall fell below 0.95");
    assert!(score.exact_paragraphs >= 0.9);
}

#[test]
fn english_boundaries_meet_the_floor() {
    let raw = read("tests/data/segment/en-eval.txt");
    let gold = read("tests/data/segment/en-eval.gold.txt");
    let score = evaluate(Lang::English, &raw, &gold);
    assert!(score.precision >= 0.95, "English precision fell below 0.95");
    assert!(score.recall >= 0.95, "English recall fell below 0.95");
    assert!(score.exact_paragraphs >= 0.9);
}

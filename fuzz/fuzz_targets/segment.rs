//! Arbitrary UTF-8 into the segmenter, every language and setting: it must
//! never panic, and its sentences must be ordered, non-overlapping slices
//! on char boundaries, trimmed, equal to `text[start..end]`, with
//! non-decreasing paragraph numbers, and together cover every letter and
//! digit of the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tarjuman::text::segment::{Lang, Paragraphs, Segmenter, Semicolon};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for lang in [Lang::Arabic, Lang::English] {
        for (paragraphs, semicolon) in [
            (Paragraphs::Lines, Semicolon::Never),
            (Paragraphs::BlankLines, Semicolon::Long),
            (Paragraphs::Lines, Semicolon::Always),
        ] {
            let segmenter = Segmenter::new(lang)
                .with_paragraphs(paragraphs)
                .with_semicolon(semicolon);
            let sentences = segmenter.split(text);
            let mut covered_to = 0;
            let mut paragraph = 0;
            for s in &sentences {
                assert!(s.start < s.end && s.end <= text.len(), "empty or out of range");
                assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
                assert!(s.start >= covered_to, "overlapping or unordered");
                assert_eq!(&text[s.start..s.end], s.text);
                assert_eq!(s.text.trim(), s.text, "not trimmed");
                assert!(s.paragraph >= paragraph, "paragraphs go back");
                let gap = &text[covered_to..s.start];
                assert!(!gap.chars().any(char::is_alphanumeric), "lost text: {gap:?}");
                covered_to = s.end;
                paragraph = s.paragraph;
            }
            let tail = &text[covered_to..];
            assert!(!tail.chars().any(char::is_alphanumeric), "lost text: {tail:?}");
        }
    }
});

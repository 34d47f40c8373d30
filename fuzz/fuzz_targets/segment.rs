//! Arbitrary UTF-8 into the segmenter, every language and setting: it must
//! never panic, and its sentences must be ordered, non-overlapping slices
//! on char boundaries, trimmed, equal to `text[start..end]`, with
//! non-decreasing paragraph numbers, and together cover every letter and
//! digit of the input.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tarjuman::text::segment::{Lang, Paragraphs, Segmenter, Semicolon};
use tarjuman::text::srx::SrxRules;

const SRX: &str = r#"<srx version="2.0"><header cascade="yes"/><body><languagerules>
<languagerule languagerulename="x">
<rule break="no"><beforebreak>\b(Mr|د)\.</beforebreak><afterbreak>\s</afterbreak></rule>
<rule break="yes"><beforebreak>[.?!؟…]+["»”)]*</beforebreak><afterbreak>\s+\S</afterbreak></rule>
<rule break="yes"><afterbreak>¶</afterbreak></rule>
</languagerule></languagerules>
<maprules><languagemap languagepattern=".*" languagerulename="x"/></maprules></body></srx>"#;

/// Every language and setting, built once (building is not what we test).
fn segmenters() -> &'static [Segmenter] {
    static ALL: OnceLock<Vec<Segmenter>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut all = Vec::new();
        for lang in [Lang::Arabic, Lang::English] {
            for (paragraphs, semicolon) in [
                (Paragraphs::Lines, Semicolon::Never),
                (Paragraphs::BlankLines, Semicolon::Long),
                (Paragraphs::Lines, Semicolon::Always),
            ] {
                all.push(
                    Segmenter::new(lang)
                        .with_paragraphs(paragraphs)
                        .with_semicolon(semicolon),
                );
            }
            let (srx, warnings) = SrxRules::parse(SRX, lang.tag()).expect("the SRX parses");
            assert!(warnings.is_empty(), "{warnings:?}");
            all.push(Segmenter::new(lang).with_srx(srx));
        }
        all
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for segmenter in segmenters() {
        let sentences = segmenter.split(text);
        let mut covered_to = 0;
        let mut paragraph = 0;
        for s in &sentences {
            assert!(
                s.start < s.end && s.end <= text.len(),
                "empty or out of range"
            );
            assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
            assert!(s.start >= covered_to, "overlapping or unordered");
            assert_eq!(&text[s.start..s.end], s.text);
            assert_eq!(s.text.trim(), s.text, "not trimmed");
            assert!(s.paragraph >= paragraph, "paragraphs go back");
            let gap = &text[covered_to..s.start];
            assert!(
                !gap.chars().any(char::is_alphanumeric),
                "lost text: {gap:?}"
            );
            covered_to = s.end;
            paragraph = s.paragraph;
        }
        let tail = &text[covered_to..];
        assert!(
            !tail.chars().any(char::is_alphanumeric),
            "lost text: {tail:?}"
        );
    }
});

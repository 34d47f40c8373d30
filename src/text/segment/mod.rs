//! Sentence segmentation of Arabic and English text.
//!
//! A hand-written single pass over the text (no regular expressions, so no
//! backtracking: time is linear in the input). The rules, in order:
//!
//! 1. **Paragraphs are hard boundaries.** By default every non-blank line is
//!    a paragraph of its own ([`Paragraphs::Lines`]): web articles put
//!    headlines, dates, captions and bylines on lines without closing
//!    punctuation, and each must stay a segment. [`Paragraphs::BlankLines`]
//!    joins consecutive lines (hard-wrapped books) and breaks only at blank
//!    lines. U+2029 PARAGRAPH SEPARATOR and form feed always break.
//! 2. **Stops.** A sentence ends after `.` `!` `?` `؟` `…` (and runs of them:
//!    `?!`, `...`), then any closing quotes and brackets (`" ' ” ’ » › ) ] }`),
//!    when whitespace or the end of the paragraph follows. Dots inside
//!    tokens (`1.5`, `2021.11.06`, `www.alaraby.co.uk`, `a@b.com`) are never
//!    followed by whitespace and so never split.
//! 3. **Abbreviations** (`data/abbrev/{ar,en}.txt`, extensible): the word
//!    before a single `.` is looked up; it may never end a sentence
//!    (`Dr.`, `د.`), only not before a number (`No. 5`, `ص. 45`), or end
//!    one only before a common sentence opener (`U.S. The`, `1950 م. وقال`).
//!    A lone letter is an initial (`J. R. R. Tolkien`, `ع. م. الخطيب`); a
//!    chain of single letters (`U.N.`, `ج.م.ع.`) may end a sentence.
//! 4. **English case.** After `.`, `...`, `?` or `!`, a lowercase next word
//!    means the sentence goes on (`etc. and`, `... and then`, `"Why?" she
//!    asked`).
//! 5. **Arabic `؛`** separates clauses inside one sentence (the Arabic
//!    rules of punctuation: before a cause or consequence, between long
//!    parts of one statement), so by default it never splits;
//!    [`Semicolon::Long`] splits between two clauses of at least
//!    [`LONG_CLAUSE_WORDS`] words each, except before a causal clause
//!    (`لأن`, `إذ`, `حيث` …), [`Semicolon::Always`] at every `؛`.
//! 6. **Arabic has no case**, so where English looks at the next word's
//!    case, Arabic asks whether it is a sentence opener (a word with the
//!    conjunction و/ف, `لكن`, `كما`, `هذا` …): after an abbreviation that may
//!    end a sentence, and after `؟`/`!` closed by a quote (`«هل انتهت
//!    الحرب؟» سؤال…` goes on). A bare Arabic ellipsis is a pause inside
//!    the sentence; one closed by a quote or bracket ends it.
//! 7. **Arabic missing space.** `انتهى.وبدأ`: a stop glued to the next
//!    Arabic word splits when the word before is a real word (two or more
//!    letters, not an abbreviation).
//!
//! Offsets are byte offsets into the text given to [`Segmenter::split`];
//! `text` is exactly `&text[start..end]`, trimmed of whitespace and of
//! invisible direction marks.
//!
//! This file holds the public types and the rules (`Segmenter`); the word
//! lists they consult are in `openers`, the character classes and small
//! scans in `scan`, the paragraph blocks in `paragraphs`. Segmentation only:
//! folding and tokenising are `normalize`'s, SRX parsing is `srx`'s.

mod openers;
mod paragraphs;
mod scan;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use crate::text::srx::SrxRules;
use crate::text::{lang, normalize};
use openers::{ARABIC_OPENERS, CAUSAL, ENGLISH_OPENERS};
use paragraphs::blocks;
use scan::{
    count_words, ends_with_number, is_arabic_letter, is_arabic_mark, is_closer, is_initial,
    is_opener_punct, is_stop, next_word, offset_in, skip_while, strip_number_prefix, tail,
    trim_span, utf8_len, word_before, LOOK_BACK,
};

/// The language whose rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Arabic,
    English,
}

impl Lang {
    /// `ar`, `ar-SY`, `AR_eg` → Arabic; `en`, `en-GB` → English; others `None`.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = lang::primary(tag.trim());
        if primary.eq_ignore_ascii_case("ar") {
            Some(Lang::Arabic)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Lang::English)
        } else {
            None
        }
    }

    /// Arabic when most letters of the text are in the Arabic script,
    /// English otherwise (also for a text without letters).
    pub fn detect(text: &str) -> Lang {
        let (mut arabic, mut other) = (0usize, 0usize);
        for c in text.chars().filter(|c| c.is_alphabetic()) {
            if is_arabic_letter(c) {
                arabic += 1;
            } else {
                other += 1;
            }
        }
        if arabic > other {
            Lang::Arabic
        } else {
            Lang::English
        }
    }

    /// The BCP 47 tag: `ar` or `en`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Arabic => "ar",
            Lang::English => "en",
        }
    }
}

/// One sentence: `text` is `&input[start..end]` (byte offsets, trimmed).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Sentence {
    pub start: usize,
    pub end: usize,
    pub text: String,
    /// 0-based index of the paragraph (see [`Paragraphs`]) it belongs to.
    pub paragraph: usize,
}

/// Where paragraphs break.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Paragraphs {
    /// Every non-blank line is a paragraph (web articles, one paragraph per
    /// line; the default).
    #[default]
    Lines,
    /// Blank lines separate paragraphs; single line breaks are spaces
    /// (hard-wrapped text).
    BlankLines,
}

/// When the Arabic semicolon `؛` ends a sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Semicolon {
    /// Never: `؛` joins clauses inside a sentence (the default).
    #[default]
    Never,
    /// Between two long clauses (at least [`LONG_CLAUSE_WORDS`] words each),
    /// not before a causal clause.
    Long,
    /// Always, when a space follows.
    Always,
}

/// Minimum words on each side of `؛` for [`Semicolon::Long`] to split.
pub const LONG_CLAUSE_WORDS: usize = 6;

/// What an abbreviation's dot means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Abbrev {
    /// Never ends a sentence (`Dr.`).
    NoBreak,
    /// Does not end a sentence before a number (`No. 5`).
    NumericOnly,
    /// Ends a sentence only before a common sentence opener (`etc. The`).
    MayEnd,
}

/// A line of an abbreviation list that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct AbbrevError {
    pub line: usize,
    pub message: String,
}

const ARABIC_ABBREVIATIONS: &str = include_str!("../../../data/abbrev/ar.txt");
const ENGLISH_ABBREVIATIONS: &str = include_str!("../../../data/abbrev/en.txt");

/// Splits text into sentences with the rules of one language.
#[derive(Debug, Clone)]
pub struct Segmenter {
    lang: Lang,
    abbreviations: HashMap<String, Abbrev>,
    /// Characters in the longest abbreviation (a cheap pre-check).
    longest: usize,
    paragraphs: Paragraphs,
    semicolon: Semicolon,
    /// SRX rules that replace the built-in ones inside paragraphs.
    srx: Option<SrxRules>,
}

impl Segmenter {
    /// The segmenter for `lang` with its built-in abbreviation list.
    pub fn new(lang: Lang) -> Segmenter {
        let mut segmenter = Segmenter {
            lang,
            abbreviations: HashMap::new(),
            longest: 0,
            paragraphs: Paragraphs::default(),
            semicolon: Semicolon::default(),
            srx: None,
        };
        let builtin = match lang {
            Lang::Arabic => ARABIC_ABBREVIATIONS,
            Lang::English => ENGLISH_ABBREVIATIONS,
        };
        segmenter
            .add_abbreviations(builtin)
            .expect("the built-in abbreviation lists parse (unit-tested)");
        segmenter
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// Where paragraphs break (default: every line).
    pub fn with_paragraphs(mut self, paragraphs: Paragraphs) -> Segmenter {
        self.paragraphs = paragraphs;
        self
    }

    /// When `؛` ends a sentence (Arabic; default [`Semicolon::Long`]).
    pub fn with_semicolon(mut self, semicolon: Semicolon) -> Segmenter {
        self.semicolon = semicolon;
        self
    }

    /// Split paragraphs with SRX rules instead of the built-in ones
    /// (paragraph breaks stay as they are).
    pub fn with_srx(mut self, rules: SrxRules) -> Segmenter {
        self.srx = Some(rules);
        self
    }

    /// Add abbreviations from a list in the format of `data/abbrev/en.txt`:
    /// one per line, final dot optional, `#` comments, optional marker
    /// `#NUMERIC_ONLY#` or `#MAY_END#`. Later entries override earlier ones.
    /// Returns how many entries were read.
    pub fn add_abbreviations(&mut self, list: &str) -> Result<usize, AbbrevError> {
        let mut count = 0;
        for (index, line) in list.lines().enumerate() {
            let line = line.trim_start_matches('\u{FEFF}');
            let mut words = line.split_whitespace();
            let Some(word) = words.next() else { continue };
            if word.starts_with('#') {
                continue;
            }
            let mut kind = Abbrev::NoBreak;
            if let Some(marker) = words.next() {
                kind = match marker {
                    "#NUMERIC_ONLY#" => Abbrev::NumericOnly,
                    "#MAY_END#" => Abbrev::MayEnd,
                    m if m.starts_with('#') => Abbrev::NoBreak,
                    m => {
                        return Err(AbbrevError {
                            line: index + 1,
                            message: format!(
                                "unexpected `{m}` after the abbreviation `{word}`: write one \
                                 abbreviation per line, optionally followed by #NUMERIC_ONLY# \
                                 or #MAY_END#, and start comments with #"
                            ),
                        })
                    }
                };
            }
            let key = self.key(word.strip_suffix('.').unwrap_or(word));
            if key.is_empty() {
                return Err(AbbrevError {
                    line: index + 1,
                    message: format!("`{word}` has no letters to match"),
                });
            }
            self.longest = self.longest.max(key.chars().count());
            self.abbreviations.insert(key, kind);
            count += 1;
        }
        Ok(count)
    }

    /// The form an abbreviation is stored and looked up in: Arabic folded
    /// (hamza, tatweel, harakat ignored), English as written.
    fn key(&self, word: &str) -> String {
        match self.lang {
            Lang::Arabic => normalize::fold(word),
            Lang::English => word.to_string(),
        }
    }

    fn lookup(&self, word: &str) -> Option<Abbrev> {
        // Most words are longer than any abbreviation: skip the folding.
        let letters = word.chars().filter(|&c| !is_arabic_mark(c)).count();
        if letters > self.longest {
            return None;
        }
        let key = self.key(word);
        if let Some(&kind) = self.abbreviations.get(&key) {
            return Some(kind);
        }
        // Lowercase entries (`etc`, `e.g`) match any case.
        let lower = key.to_lowercase();
        if lower != key {
            return self.abbreviations.get(&lower).copied();
        }
        None
    }

    /// Split `text` into sentences, in order.
    pub fn split(&self, text: &str) -> Vec<Sentence> {
        let mut out = Vec::new();
        for (paragraph, (start, end)) in blocks(text, self.paragraphs).enumerate() {
            self.split_block(text, start, end, paragraph, &mut out);
        }
        out
    }

    /// Split the paragraph `text[block_start..block_end]`.
    fn split_block(
        &self,
        text: &str,
        block_start: usize,
        block_end: usize,
        paragraph: usize,
        out: &mut Vec<Sentence>,
    ) {
        let block = &text[block_start..block_end];
        let mut push = |from: usize, to: usize| {
            let (s, e) = trim_span(block, from, to);
            if s < e {
                out.push(Sentence {
                    start: block_start + s,
                    end: block_start + e,
                    text: block[s..e].to_string(),
                    paragraph,
                });
            }
        };
        if let Some(srx) = &self.srx {
            let mut from = 0;
            for at in srx.breaks(block) {
                push(from, at);
                from = at;
            }
            push(from, block.len());
            return;
        }
        let mut sentence_start = 0;
        let mut i = 0;
        let bytes = block.as_bytes();
        while i < bytes.len() {
            // Skip fast over bytes that cannot start a stop: every stop is
            // ASCII or has one of these UTF-8 lead bytes.
            let lead = bytes[i];
            if !matches!(lead, b'.' | b'!' | b'?' | 0xD8 | 0xDB | 0xE2 | 0xE3) {
                i += utf8_len(lead);
                continue;
            }
            let Some(c) = block[i..].chars().next() else {
                break;
            };
            let stop = is_stop(c) || (c == '؛' && self.lang == Lang::Arabic);
            if !stop {
                i += c.len_utf8();
                continue;
            }
            // The run of stops (`?!`, `...`), then closing quotes/brackets.
            let mut after = i;
            if c == '؛' {
                after += c.len_utf8();
            } else {
                after = skip_while(block, after, is_stop);
            }
            let run_end = after;
            after = skip_while(block, after, |c| is_closer(c) || is_stop(c));
            let brk =
                after >= block.len() || self.is_boundary(block, sentence_start, i, run_end, after);
            if brk {
                push(sentence_start, after);
                sentence_start = after;
            }
            i = after;
        }
        push(sentence_start, block.len());
    }

    /// Does a sentence end after the stops `block[run_start..run_end]` and
    /// the closers up to `after`?
    fn is_boundary(
        &self,
        block: &str,
        sentence_start: usize,
        run_start: usize,
        run_end: usize,
        after: usize,
    ) -> bool {
        let run = &block[run_start..run_end];
        let word = word_before(&block[sentence_start..run_start]);
        let rest = &block[after..];
        let glued = !rest.starts_with(char::is_whitespace);
        if glued {
            return self.lang == Lang::Arabic && self.glued_arabic_boundary(run, word, rest);
        }
        let next = next_word(rest);
        let next_first = next.chars().next();
        let next_lower = next_first.is_some_and(char::is_lowercase);
        if run == "؛" {
            return self.semicolon_boundary(&block[sentence_start..run_start], next, rest);
        }
        let closed = block[run_end..after].contains(is_closer);
        if run.contains(['?', '!', '؟']) {
            return match self.lang {
                Lang::English => !next_lower,
                // A quoted question is often part of a longer clause
                // («هل انتهت الحرب؟» سؤال يطرحه…): with no case to tell,
                // only a sentence opener after the quote ends it.
                Lang::Arabic => !closed || self.is_opener(next),
            };
        }
        if run != "." {
            return match self.lang {
                // An ellipsis before a lowercase word is a pause.
                Lang::English => !next_lower,
                // Arabic writers use the ellipsis for a pause or an omission
                // inside the sentence (علامة الحذف); one that closes a
                // quotation or bracket ends it.
                Lang::Arabic => closed,
            };
        }
        // A single dot.
        let core = strip_number_prefix(word);
        if core.is_empty() {
            // `5.` or `(3).`: a list marker when it is all the sentence has.
            let so_far = block[sentence_start..run_start]
                .trim()
                .trim_matches(|c| is_opener_punct(c) || is_closer(c));
            return !(so_far == word && !word.is_empty() && word.len() <= 3);
        }
        let after_number = core.len() < word.len();
        let kind = self
            .lookup(core)
            .or_else(|| {
                // The conjunction و written onto a title: ود. فراس = و + د.
                let rest = core
                    .strip_prefix('و')
                    .filter(|_| self.lang == Lang::Arabic)?;
                self.lookup(rest)
            })
            .or_else(|| {
                let letters: Vec<&str> = core.split('.').collect();
                let single = |s: &&str| {
                    let mut chars = s.chars();
                    chars.next().is_some_and(char::is_alphabetic) && chars.next().is_none()
                };
                if !letters.iter().all(single) || (after_number && letters.len() == 1) {
                    // A word, or a number with a letter (`1990s`, `5G`).
                    None
                } else if letters.len() == 1 && self.lang == Lang::Arabic {
                    // A lone letter is an initial. In English it may also
                    // end a sentence (`Plan B. The`); Arabic has no case to
                    // tell openers from names.
                    Some(Abbrev::NoBreak)
                } else {
                    Some(Abbrev::MayEnd)
                }
            });
        // An Arabic letter that may end a sentence (the era marks م. هـ.)
        // does so only after a number (`1950 م.`); before a name it is a
        // title or an initial (`م. وليد` the engineer).
        let kind = match kind {
            Some(Abbrev::MayEnd)
                if self.lang == Lang::Arabic
                    && core.chars().filter(|&c| !is_arabic_mark(c)).count() == 1
                    && !after_number
                    && !ends_with_number(&block[sentence_start..offset_in(block, word)]) =>
            {
                Some(Abbrev::NoBreak)
            }
            kind => kind,
        };
        match kind {
            Some(Abbrev::NoBreak) => false,
            Some(Abbrev::NumericOnly) => !next_first.is_some_and(|c| c.is_numeric()),
            Some(Abbrev::MayEnd) => self.is_opener(next) && !is_initial(next, rest),
            None => !(self.lang == Lang::English && next_lower),
        }
    }

    /// `انتهى.وبدأ`: a stop with no space before an Arabic word.
    fn glued_arabic_boundary(&self, run: &str, word: &str, rest: &str) -> bool {
        if !(run == "." || run.contains(['؟', '!'])) {
            return false;
        }
        if !rest.chars().next().is_some_and(is_arabic_letter) {
            return false;
        }
        let letters = word.chars().filter(|&c| is_arabic_letter(c)).count();
        letters >= 2
            && word
                .chars()
                .all(|c| is_arabic_letter(c) || is_arabic_mark(c))
            && (run != "." || self.lookup(word).is_none())
    }

    /// `؛` per the [`Semicolon`] setting.
    fn semicolon_boundary(&self, before: &str, next: &str, rest: &str) -> bool {
        match self.semicolon {
            Semicolon::Never => false,
            Semicolon::Always => true,
            Semicolon::Long => {
                if CAUSAL.contains(&normalize::fold(next).as_str()) {
                    return false;
                }
                let clause_after = rest.split(|c| is_stop(c) || c == '؛').next().unwrap_or("");
                // Bounded look-back keeps many `؛` in one sentence linear.
                let before = tail(before, LONG_CLAUSE_WORDS * LOOK_BACK);
                count_words(before, LONG_CLAUSE_WORDS) >= LONG_CLAUSE_WORDS
                    && count_words(clause_after, LONG_CLAUSE_WORDS) >= LONG_CLAUSE_WORDS
            }
        }
    }

    /// Does `word` typically start a sentence? (After an abbreviation that
    /// may end one.)
    fn is_opener(&self, word: &str) -> bool {
        match self.lang {
            Lang::English => ENGLISH_OPENERS.contains(&word),
            Lang::Arabic => {
                let folded = normalize::fold(word);
                // A conjunction prefix و/ف on a word: وقال، فقد، وأشار.
                let conj = (folded.starts_with('و') || folded.starts_with('ف'))
                    && folded.chars().count() >= 3;
                conj || ARABIC_OPENERS.contains(&folded.as_str())
            }
        }
    }
}

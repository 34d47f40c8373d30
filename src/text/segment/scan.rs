//! Character classes and small text scans the segmenter's rules are built
//! from: stops, closers, Arabic letters and marks, the word before or after
//! a position, trimming a span. Pure functions on `&str`; no rule decides
//! here whether a sentence ends.

/// Is `next` (the first word of `rest`) a lone letter with a dot: an
/// initial (`J. A. Smith`), not the pronoun or article `I`, `A`?
#[inline]
pub(super) fn is_initial(next: &str, rest: &str) -> bool {
    let mut chars = next.chars();
    chars.next().is_some_and(char::is_alphabetic)
        && chars.next().is_none()
        && rest
            .trim_start()
            .get(next.len()..)
            .is_some_and(|after| after.starts_with('.'))
}

/// Sentence-ending punctuation (besides the Arabic semicolon).
#[inline]
pub(super) fn is_stop(c: char) -> bool {
    matches!(
        c,
        '.' | '!' | '?' | '؟' | '…' | '‼' | '⁇' | '⁈' | '⁉' | '。' | '۔'
    )
}

/// Closing quotes and brackets that stay with the sentence before them.
#[inline]
pub(super) fn is_closer(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '”' | '’' | '»' | '›' | ')' | ']' | '}' | '\u{FD3E}' | '\u{FD3F}'
    )
}

/// Opening quotes and brackets before a word.
#[inline]
pub(super) fn is_opener_punct(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '“' | '‘' | '«' | '‹' | '(' | '[' | '{' | '„' | '»' | '\u{FD3E}' | '\u{FD3F}'
    )
}

#[inline]
pub(super) fn is_arabic_letter(c: char) -> bool {
    matches!(c, '\u{0620}'..='\u{064A}' | '\u{066E}'..='\u{06D3}' | '\u{06D5}' | '\u{06EE}'..='\u{06EF}' | '\u{06FA}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{08A0}'..='\u{08C9}' | '\u{FB50}'..='\u{FDFB}' | '\u{FE70}'..='\u{FEFC}')
        && c != '\u{0640}'
}

/// Harakat and tatweel (parts of a written word).
#[inline]
pub(super) fn is_arabic_mark(c: char) -> bool {
    matches!(c, '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}')
}

/// Invisible characters trimmed from sentence edges besides whitespace.
#[inline]
pub(super) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{061C}' | '\u{FEFF}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// Length of the UTF-8 sequence that starts with `lead`.
#[inline]
pub(super) fn utf8_len(lead: u8) -> usize {
    match lead {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[inline]
pub(super) fn skip_while(s: &str, mut at: usize, keep: impl Fn(char) -> bool) -> usize {
    while let Some(c) = s[at..].chars().next() {
        if !keep(c) {
            break;
        }
        at += c.len_utf8();
    }
    at
}

/// The span `[from, to)` of `s` without leading/trailing whitespace.
#[inline]
pub(super) fn trim_span(s: &str, from: usize, to: usize) -> (usize, usize) {
    let piece = &s[from..to];
    let trim = |c: char| c.is_whitespace() || is_invisible(c);
    let start_trimmed = piece.trim_start_matches(trim);
    let start = from + (piece.len() - start_trimmed.len());
    let end = start + start_trimmed.trim_end_matches(trim).len();
    (start, end)
}

/// The word right before a stop, without the quotes and brackets around it.
#[inline]
pub(super) fn word_before(text: &str) -> &str {
    // Looking back without bound would make text without spaces
    // (`a.a.a.a…`) quadratic; no abbreviation is this long.
    let text = tail(text, LOOK_BACK);
    let word = match text.rfind(char::is_whitespace) {
        Some(at) => &text[at..],
        None => text,
    };
    word.trim_start_matches(|c: char| c.is_whitespace() || is_opener_punct(c))
        .trim_end_matches(is_closer)
}

/// Bytes looked back from a stop for the word before it.
pub(super) const LOOK_BACK: usize = 128;

/// The last `max` bytes of `text` or a little less (on a char boundary).
#[inline]
pub(super) fn tail(text: &str, max: usize) -> &str {
    let mut from = text.len().saturating_sub(max);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    &text[from..]
}

/// The first word of `rest`, after whitespace and opening quotes/brackets.
#[inline]
pub(super) fn next_word(rest: &str) -> &str {
    let rest = rest.trim_start_matches(|c: char| c.is_whitespace() || is_opener_punct(c));
    let end = rest
        .find(|c: char| c.is_whitespace() || (!c.is_alphanumeric() && !is_arabic_mark(c)))
        .unwrap_or(rest.len());
    if end == 0 {
        // A non-word character first (a digit sign, a dash): itself.
        let first = rest.chars().next().map_or(0, char::len_utf8);
        &rest[..first]
    } else {
        &rest[..end]
    }
}

/// Where `part`, a subslice of `whole`, starts in it.
#[inline]
pub(super) fn offset_in(whole: &str, part: &str) -> usize {
    part.as_ptr() as usize - whole.as_ptr() as usize
}

/// Does `text` end with a number (and spaces)?
#[inline]
pub(super) fn ends_with_number(text: &str) -> bool {
    text.trim_end()
        .chars()
        .next_back()
        .is_some_and(|c| c.is_numeric())
}

/// `1950م` → `م`, `5p.m` → `p.m`; a bare number → empty.
#[inline]
pub(super) fn strip_number_prefix(word: &str) -> &str {
    word.trim_start_matches(|c: char| c.is_numeric() || c == '.' || c == ',' || c == '٫')
}

/// Words (runs with a letter or digit) in `text`, counting up to `cap`.
#[inline]
pub(super) fn count_words(text: &str, cap: usize) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .take(cap)
        .count()
}

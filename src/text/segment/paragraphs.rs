//! Paragraphs: the non-blank blocks of a text as byte ranges, by line or
//! by blank line ([`Paragraphs`]), with U+2029 and form feed always
//! breaking. Sentence rules apply inside a block, never across one.

use super::scan::is_invisible;
use super::Paragraphs;

/// The non-blank paragraphs of `text` as byte ranges.
pub(super) fn blocks(text: &str, mode: Paragraphs) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut lines = Lines { text, at: 0 };
    let mut pending: Option<(usize, usize)> = None;
    let mut done = false;
    std::iter::from_fn(move || loop {
        if done {
            return pending.take();
        }
        let Some((start, end, hard)) = lines.next() else {
            done = true;
            continue;
        };
        let blank = text[start..end]
            .chars()
            .all(|c| c.is_whitespace() || is_invisible(c));
        match mode {
            Paragraphs::Lines => {
                if !blank {
                    return Some((start, end));
                }
            }
            Paragraphs::BlankLines => {
                if blank {
                    if let Some(block) = pending.take() {
                        return Some(block);
                    }
                    continue;
                }
                let block = match pending {
                    Some((s, _)) => (s, end),
                    None => (start, end),
                };
                if hard {
                    pending = None;
                    return Some(block);
                }
                pending = Some(block);
            }
        }
    })
}

/// Lines of a text: `(start, end, hard)` where `hard` says the line ended
/// with a paragraph separator (U+2029, form feed).
pub(super) struct Lines<'a> {
    text: &'a str,
    at: usize,
}

impl Iterator for Lines<'_> {
    type Item = (usize, usize, bool);

    fn next(&mut self) -> Option<Self::Item> {
        if self.at > self.text.len() || (self.at == self.text.len() && self.at > 0) {
            return None;
        }
        let start = self.at;
        let rest = &self.text[start..];
        let line_break = rest.bytes().enumerate().position(|(at, b)| match b {
            b'\n' | b'\r' | 0x0C => true,
            // U+2028 and U+2029 are E2 80 A8 and E2 80 A9.
            0xE2 => rest
                .as_bytes()
                .get(at + 1..at + 3)
                .is_some_and(|t| t == [0x80, 0xA8] || t == [0x80, 0xA9]),
            _ => false,
        });
        match line_break {
            None => {
                self.at = self.text.len() + 1;
                Some((start, self.text.len(), false))
            }
            Some(offset) => {
                let end = start + offset;
                let c = rest[offset..].chars().next().unwrap_or('\n');
                let mut next = end + c.len_utf8();
                if c == '\r' && self.text[next..].starts_with('\n') {
                    next += 1;
                }
                self.at = next;
                if next == self.text.len() {
                    // A final line break ends the last line; no empty line after it.
                    self.at = self.text.len() + 1;
                }
                Some((start, end, matches!(c, '\u{2029}' | '\u{000C}')))
            }
        }
    }
}

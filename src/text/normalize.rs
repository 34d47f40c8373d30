//! Matching keys: the one place that decides when two texts "say the same".
//!
//! The TM stores, beside every segment's untouched text, a normalized key;
//! fuzzy lookup, concordance, duplicate detection and the aligner's anchors
//! all compare keys, never raw text. The folding, in order:
//!
//! 1. Unicode NFKC: Arabic presentation forms (U+FB50–U+FEFF) become base
//!    letters, `ﻻ` becomes `لا`, full-width Latin becomes ASCII, `…` becomes `...`.
//! 2. Dropped: Arabic harakat and other marks (U+064B–U+065F, U+0670 dagger
//!    alef), Quranic annotation marks (U+0610–U+061A, U+06D6–U+06ED), tatweel
//!    (U+0640), bidi and zero-width controls (LRM, RLM, ALM, embeddings,
//!    isolates, ZWSP/ZWNJ/ZWJ, BOM, soft hyphen).
//! 3. Arabic letters: alef with hamza above/below, madda and wasla (أ إ آ ٱ)
//!    → bare alef ا; waw with hamza ؤ → و; yeh with hamza ئ → ي; alef maqsura
//!    ى → ي; teh marbuta ة → ه; Persian yeh ی → ي and keheh ک → ك (text typed
//!    on Persian keyboards). Hamza on the line ء is kept: dropping it merges
//!    distinct words. These are the choices of Arabic IR practice (Larkey et
//!    al.'s light normalization): spelling variants writers really mix.
//! 4. Digits: Arabic-Indic ٠–٩ and Persian ۰–۹ → 0–9; Arabic decimal and
//!    thousands separators ٫ ٬ → `.` `,`.
//! 5. Punctuation: Arabic comma, semicolon, question mark and percent
//!    (، ؛ ؟ ٪) → `, ; ? %`; all double quotes (« » “ ” „) → `"`; single
//!    quotes (‘ ’ ‚) → `'`; dashes (– — ‒ ―) → `-`.
//! 6. Latin (and every cased script): lowercase.
//! 7. Tokens: a run of letters, marks and digits is one token (an apostrophe
//!    between letters stays inside: `don't`); digits joined by `.` or `,` stay
//!    one number (`1.5`, `2,254`); every other non-space character is a token
//!    of its own. The key is the tokens joined by single spaces.
//!
//! The stored text itself is never altered.

use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// Fold one (already NFKC) character: `None` drops it, otherwise the folded
/// character (before lowercasing).
#[inline]
pub fn fold_char(c: char) -> Option<char> {
    match SIMPLE_FOLD.get(c as usize) {
        // Below U+0700 a table lookup: the match below is a long chain of
        // comparisons, and every character of every imported segment
        // passes through here.
        Some(&entry) => match entry & DROPPED {
            0 => Some(char_of(entry)),
            _ => None,
        },
        None => fold_char_match(c),
    }
}

/// `fold_char` as rules; `SIMPLE_FOLD` is built from it.
const fn fold_char_match(c: char) -> Option<char> {
    let folded = match c {
        // Harakat, Quranic marks, dagger alef, tatweel.
        '\u{064B}'..='\u{065F}'
        | '\u{0670}'
        | '\u{0610}'..='\u{061A}'
        | '\u{06D6}'..='\u{06DC}'
        | '\u{06DF}'..='\u{06E8}'
        | '\u{06EA}'..='\u{06ED}'
        | '\u{0640}' => return None,
        // Bidi and zero-width controls, BOM, soft hyphen.
        '\u{061C}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2069}'
        | '\u{FEFF}'
        | '\u{00AD}' => return None,
        'أ' | 'إ' | 'آ' | 'ٱ' | '\u{0672}' | '\u{0673}' => 'ا',
        'ؤ' => 'و',
        'ئ' | 'ى' | 'ی' => 'ي',
        'ة' | 'ۀ' => 'ه',
        'ک' => 'ك',
        '\u{0660}'..='\u{0669}' => (b'0' + (c as u32 - 0x0660) as u8) as char,
        '\u{06F0}'..='\u{06F9}' => (b'0' + (c as u32 - 0x06F0) as u8) as char,
        '٫' => '.',
        '٬' | '،' => ',',
        '؛' => ';',
        '؟' => '?',
        '٪' => '%',
        '«' | '»' | '“' | '”' | '„' | '‟' => '"',
        '‘' | '’' | '‚' | '‛' => '\'',
        '–' | '—' | '‒' | '―' => '-',
        _ => c,
    };
    Some(folded)
}

/// `SIMPLE_FOLD` entries: the folded character in the low 21 bits, and flags.
const DROPPED: u32 = 1 << 21;
/// Not `is_simple`: the fast path must hand over to the general one.
const NOT_SIMPLE: u32 = 1 << 22;
const CHAR_BITS: u32 = (1 << 21) - 1;

#[inline]
fn char_of(entry: u32) -> char {
    // Built from chars by `build_simple_fold`.
    char::from_u32(entry & CHAR_BITS).unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// For every character below U+0700 (ASCII, Latin-1, the Arabic block):
/// `fold_char`, and whether it `is_simple`.
static SIMPLE_FOLD: [u32; 0x700] = build_simple_fold();

const fn build_simple_fold() -> [u32; 0x700] {
    let mut table = [0u32; 0x700];
    let mut i = 0;
    while i < table.len() {
        if let Some(c) = char::from_u32(i as u32) {
            table[i] = fold_entry(c);
        }
        i += 1;
    }
    table
}

/// A character's `SIMPLE_FOLD` entry (also for those above the table).
const fn fold_entry(c: char) -> u32 {
    let entry = match fold_char_match(c) {
        Some(f) => f as u32,
        None => DROPPED,
    };
    if is_simple(c) {
        entry
    } else {
        entry | NOT_SIMPLE
    }
}

/// Step 7's view of a folded, lowercased character: bits of `class_of`.
const WORD: u8 = 1;
const ALPHA: u8 = 2;
const DIGIT: u8 = 4;
const ALNUM: u8 = 8;
const SPACE: u8 = 16;

/// What step 7 needs to know of a character: part of a word
/// (`is_word_char`), alphabetic, an ASCII digit, alphanumeric, whitespace.
fn class_of(c: char) -> u8 {
    let mut class = 0;
    for (bit, yes) in [
        (WORD, is_word_char(c)),
        (ALPHA, c.is_alphabetic()),
        (DIGIT, c.is_ascii_digit()),
        (ALNUM, c.is_alphanumeric()),
        (SPACE, c.is_whitespace()),
    ] {
        if yes {
            class |= bit;
        }
    }
    class
}

/// `KEY_FOLD` entries keep the class of the folded, lowercased character
/// in their top byte.
const CLASS_SHIFT: u32 = 24;

/// A character's `fold_entry` with the class of what it folds to.
fn key_entry(c: char) -> u32 {
    let entry = fold_entry(c);
    let folded = char_of(entry).to_ascii_lowercase();
    let class = class_of(folded);
    let same_word = entry & (DROPPED | NOT_SIMPLE) == 0
        && folded == c
        && class & (WORD | ALNUM) == (WORD | ALNUM);
    entry | u32::from(class) << CLASS_SHIFT | if same_word { SAME_WORD } else { 0 }
}

/// `KEY_FOLD` flag: a simple character that folds to itself and is a
/// letter or digit of a word (most of any text): `key_fast` copies runs
/// of them whole.
const SAME_WORD: u32 = 1 << 23;

/// The `key_entry` of the character at byte `i` of `text`, and its length.
#[inline(always)]
fn entry_at(table: &[u32; KEY_FOLD_LEN], text: &str, i: usize) -> (u32, usize) {
    let bytes = text.as_bytes();
    let lead = bytes[i];
    if lead < 0x80 {
        (table[usize::from(lead)], 1)
    } else if lead < 0xE0 {
        // `text` is valid UTF-8: a two-byte lead has its continuation.
        let code = (usize::from(lead & 0x1F) << 6) | usize::from(bytes[i + 1] & 0x3F);
        (table[code], 2)
    } else {
        match text[i..].chars().next() {
            Some(c) => (key_entry(c), c.len_utf8()),
            None => (NOT_SIMPLE, 1),
        }
    }
}

/// `key_entry` of every character below U+0800 (all one- and two-byte
/// UTF-8): the fast path's one lookup per character. Built on first use
/// (the Unicode class tests are not `const`).
static KEY_FOLD: std::sync::LazyLock<[u32; KEY_FOLD_LEN]> = std::sync::LazyLock::new(|| {
    // An array, not a Vec: indexes below its length need no bounds check.
    std::array::from_fn(|i| char::from_u32(i as u32).map_or(NOT_SIMPLE, key_entry))
});
const KEY_FOLD_LEN: usize = 0x800;

/// Is this (folded) character part of a word token?
#[inline]
fn is_word_char(c: char) -> bool {
    // Fast path: the Arabic letters, which the Unicode tables find slowly.
    ('\u{0621}'..='\u{064A}').contains(&c) || c.is_alphanumeric() || is_mark(c)
}

/// Combining marks that survive folding (Latin accents left decomposed, Indic
/// vowel signs): they belong to the word they sit on.
#[inline]
fn is_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{0900}'..='\u{0DFF}')
        || (c > '\u{2000}' && unicode_mark_heuristic(c))
}

#[inline]
fn unicode_mark_heuristic(c: char) -> bool {
    matches!(c, '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

/// Apply NFKC only when the text needs it (most text does not, and the quick
/// check is far cheaper than the normalizer).
fn nfkc(text: &str) -> std::borrow::Cow<'_, str> {
    match is_nfkc_quick(text.chars()) {
        IsNormalized::Yes => std::borrow::Cow::Borrowed(text),
        _ => std::borrow::Cow::Owned(text.nfkc().collect()),
    }
}

/// Characters whose fold needs neither NFKC nor the Unicode lowercase
/// tables: ASCII, the Arabic block minus what NFKC could change (the
/// hamza/madda marks U+0653–U+0655 compose with a preceding letter,
/// U+0675–U+0678 decompose), and the typographic quotes and dashes news
/// text is full of. Each is NFKC-stable and caseless or ASCII, and none
/// composes with a neighbour (the Arabic marks that canonical ordering
/// could move are all dropped by `fold_char`), so a text made only of
/// these folds the same with or without NFKC, one character at a time.
#[inline]
const fn is_simple(c: char) -> bool {
    match c {
        '\0'..='\u{7F}' => true,
        '\u{0600}'..='\u{06FF}' => !matches!(c, '\u{0653}'..='\u{0655}' | '\u{0675}'..='\u{0678}'),
        '\u{00AB}' | '\u{00BB}' | '\u{2013}' | '\u{2014}' | '\u{2018}'..='\u{201D}' => true,
        _ => false,
    }
}

/// Feed the folded, lowercased characters of `text` (steps 1–6) to `emit`,
/// each with its `class_of`. Only ASCII and Arabic-block text (the bulk of
/// a TM) skips the NFKC quick check and the case tables; anything else
/// takes the general path.
#[inline]
fn fold_each(text: &str, mut emit: impl FnMut(char, u8)) -> bool {
    // Fast path: stop at the first character it cannot vouch for, tell the
    // caller (which restarts on the general path). `entry_at` decodes
    // UTF-8 by hand: below U+0800 a character indexes `KEY_FOLD` directly.
    let table = &*KEY_FOLD;
    let mut i = 0;
    while i < text.len() {
        let (entry, len) = entry_at(table, text, i);
        i += len;
        if entry & NOT_SIMPLE != 0 {
            return false;
        }
        if entry & DROPPED == 0 {
            emit(
                char_of(entry).to_ascii_lowercase(),
                (entry >> CLASS_SHIFT) as u8,
            );
        }
    }
    true
}

/// The general path of `fold_each`: NFKC when needed, Unicode lowercase.
fn fold_each_general(text: &str, mut emit: impl FnMut(char, u8)) {
    let text = nfkc(text);
    let mut emit = |c: char| emit(c, class_of(c));
    for c in text.chars().filter_map(fold_char) {
        if c.is_ascii() {
            emit(c.to_ascii_lowercase());
        } else if is_caseless(c) || c.is_lowercase() || !c.is_alphabetic() {
            emit(c);
        } else {
            c.to_lowercase().for_each(&mut emit);
        }
    }
}

/// The folded character stream of `text` (steps 1–6), lowercased, with
/// whitespace kept as it was. Used where positions must stay word-aligned
/// with the original (concordance, anchors).
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    if !fold_each(text, |c, _| out.push(c)) {
        out.clear();
        fold_each_general(text, |c, _| out.push(c));
    }
    out
}

/// Arabic, Hebrew, CJK…: no case; skip the lowercase tables.
#[inline]
fn is_caseless(c: char) -> bool {
    matches!(c, '\u{0590}'..='\u{08FF}' | '\u{FB1D}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}' | '\u{3040}'..='\u{9FFF}')
}

/// Placeables (identifiers, dotted names, paths, URLs, e-mail addresses)
/// are one token each, as CAT tools see them: inside a word that is not a
/// number, after an ASCII letter or digit (or the `:` `/` of `://`), these
/// characters join the word when an ASCII letter or digit follows (or a
/// `/` follows `:` or `/`): `pango_parse_markup`, `gtk.window`,
/// `src/main.rs`, `a@b.org`, `https://x.org/a-b?q=1`. Once a word has
/// joined one, `- ? = & % + ~ #` join as well (`my_file-2`, a URL's
/// query). Numbers keep their own rule (`12/5`, `10:30` stay numbers), and
/// Arabic words never join this way.
#[inline]
fn is_link(c: char, tech: bool) -> bool {
    matches!(c, '_' | '.' | '/' | '@' | ':')
        || (tech && matches!(c, '-' | '?' | '=' | '&' | '%' | '+' | '~' | '#'))
}

/// May a placeable character follow `c` (see `is_link`)?
#[inline]
fn placeable_after(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == ':' || c == '/'
}

/// Does a held placeable character `p` join the word before `d`?
#[inline]
fn links_to(p: char, d: char) -> bool {
    d.is_ascii_alphanumeric() || (matches!(p, ':' | '/') && d == '/')
}

/// A token of a matching key: its bytes `start..end` in the key, and what
/// kind of token it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyToken {
    pub start: u32,
    pub end: u32,
    pub kind: TokenKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A word: has a letter or digit, and is not a number.
    Word,
    /// Digits, possibly with inner `.` or `,` (`is_number`).
    Number,
    /// Punctuation, a symbol, or a lone mark.
    Other,
}

impl TokenKind {
    /// The kind of a key token, from its text.
    pub fn of(token: &str) -> TokenKind {
        if is_number(token) {
            TokenKind::Number
        } else if is_content(token) {
            TokenKind::Word
        } else {
            TokenKind::Other
        }
    }
}

/// Is a matching-key token a word or number (has a letter or digit), not
/// punctuation or a symbol?
#[inline]
pub fn is_content(token: &str) -> bool {
    match token.chars().next() {
        Some(c) if c.is_ascii() => c.is_ascii_alphanumeric(),
        // Arabic letters and digits: skip the slow Unicode tables.
        Some('\u{0620}'..='\u{064A}' | '\u{0660}'..='\u{0669}' | '\u{0671}'..='\u{06D3}') => true,
        _ => token.chars().any(char::is_alphanumeric),
    }
}

/// Step 7 as a stream: folded characters in, the key (tokens joined by
/// single spaces) and its tokens out. The same rules as `tokenize_folded`,
/// which needs the folded text whole; this one holds back at most one
/// character (an apostrophe or number separator whose fate the next
/// character decides). Decides with the characters' classes (`class_of`),
/// not the Unicode tables.
struct KeyWriter {
    key: String,
    tokens: Vec<KeyToken>,
    in_word: bool,
    /// Class of the last character of the word being written.
    prev: u8,
    /// Whether that character may go on into a placeable
    /// (`placeable_after`).
    prev_link: bool,
    /// The last character, and the last two, are ASCII letters or digits
    /// (a `.` joins only after two: `os.path`, not `u.n`).
    prev_ascii: bool,
    prev_ascii2: bool,
    pending: Option<char>,
    /// Why `pending` is held: the number or apostrophe rule, the
    /// placeable rule (`links`); both can hold.
    pending_old: bool,
    pending_link: bool,
    /// The word being written has joined a placeable character.
    tech: bool,
    /// The token being written: where it starts, whether it is only
    /// digits (and joined separators) so far, whether it has a letter or
    /// digit.
    start: u32,
    number: bool,
    content: bool,
}

impl KeyWriter {
    /// A writer into `key` and `tokens`, emptied, with room for the key of
    /// a `len`-byte text. Reused buffers grow by doubling, not to the exact
    /// size: each longer text than the last one met reallocated them.
    fn reusing(mut key: String, mut tokens: Vec<KeyToken>, len: usize) -> KeyWriter {
        key.clear();
        key.reserve(len + 8);
        tokens.clear();
        tokens.reserve(len / 4 + 2);
        KeyWriter {
            key,
            tokens,
            in_word: false,
            prev: 0,
            prev_link: false,
            prev_ascii: false,
            prev_ascii2: false,
            pending: None,
            pending_old: false,
            pending_link: false,
            tech: false,
            start: 0,
            number: false,
            content: false,
        }
    }

    /// Close the token being written (if any) and start one with `c`.
    #[inline]
    fn start_token(&mut self, c: char, class: u8) {
        if !self.key.is_empty() {
            self.close_token();
            self.key.push(' ');
        }
        self.start = self.key.len() as u32;
        self.key.push(c);
        self.number = class & DIGIT != 0;
        self.content = class & ALNUM != 0;
        self.tech = false;
        self.prev_link = placeable_after(c);
        self.prev_ascii = c.is_ascii_alphanumeric();
        self.prev_ascii2 = false;
    }

    /// Record the token that ends here.
    fn close_token(&mut self) {
        let kind = if self.number {
            TokenKind::Number
        } else if self.content {
            TokenKind::Word
        } else {
            TokenKind::Other
        };
        self.tokens.push(KeyToken {
            start: self.start,
            end: self.key.len() as u32,
            kind,
        });
    }

    /// `d` continues the word being written.
    #[inline(always)]
    fn extend_word(&mut self, d: char, class: u8) {
        self.key.push(d);
        self.prev = class;
        self.prev_link = placeable_after(d);
        self.prev_ascii2 = self.prev_ascii && d.is_ascii_alphanumeric();
        self.prev_ascii = d.is_ascii_alphanumeric();
        self.number &= class & DIGIT != 0;
        self.content |= class & ALNUM != 0;
    }

    /// `run`, letters and digits that fold to themselves (all digits:
    /// `digits`; the last one's class: `last`), continues the word.
    #[inline(always)]
    fn extend_run(&mut self, run: &str, digits: bool, last: u8) {
        self.key.push_str(run);
        self.number &= digits;
        self.content = true;
        self.prev = last;
        self.run_ends(run, self.prev_ascii);
    }

    /// `run`, letters and digits that fold to themselves, starts a word
    /// (nothing held back): `push` of its first character then
    /// `extend_run` of the rest, in one step.
    #[inline(always)]
    fn start_run(&mut self, run: &str, digits: bool, last: u8) {
        if !self.key.is_empty() {
            self.close_token();
            self.key.push(' ');
        }
        self.start = self.key.len() as u32;
        self.key.push_str(run);
        self.number = digits;
        self.content = true;
        self.in_word = true;
        self.prev = last;
        self.tech = false;
        self.run_ends(run, false);
    }

    /// The `prev_*` flags after `run`; `before`: the flag `prev_ascii`
    /// before it.
    #[inline(always)]
    fn run_ends(&mut self, run: &str, before: bool) {
        let b = run.as_bytes();
        let last = b.last().copied().unwrap_or(0);
        let before = match b.len() {
            0 | 1 => before,
            n => b[n - 2].is_ascii_alphanumeric(),
        };
        self.prev_link = placeable_after(char::from(last));
        self.prev_ascii = last.is_ascii_alphanumeric();
        self.prev_ascii2 = before && self.prev_ascii;
    }

    /// The common case inline (a letter or digit continuing a word: most
    /// characters), the rest out of line.
    #[inline(always)]
    fn push(&mut self, d: char, class: u8) {
        if class & WORD != 0 && self.in_word && self.pending.is_none() {
            self.extend_word(d, class);
            return;
        }
        self.push_other(d, class);
    }

    #[inline(never)]
    fn push_other(&mut self, d: char, class: u8) {
        if let Some(p) = self.pending.take() {
            let old = self.pending_old
                && if p == '\'' {
                    class & ALPHA != 0
                } else {
                    class & DIGIT != 0
                };
            let link = !old && self.pending_link && links_to(p, d);
            self.tech |= link;
            if link && class & WORD == 0 {
                // `://`: the `:` joins, the `/` is held in its turn.
                self.key.push(p);
                self.prev_link = placeable_after(p);
                (self.prev_ascii, self.prev_ascii2) = (false, false);
                self.pending = Some(d);
                self.pending_old = false;
                self.pending_link = is_link(d, self.tech);
                return;
            }
            if old || link {
                self.prev_ascii = false;
                // `don't` is no number; `1.5` stays one if it was.
                self.key.push(p);
                self.number &= p != '\'';
                self.extend_word(d, class);
                return;
            }
            self.in_word = false;
            self.start_token(p, class_of(p));
        } else if self.in_word {
            if class & WORD != 0 {
                self.extend_word(d, class);
                return;
            }
            // Held back until the next character: don't, 1.5, 2,254,
            // pango_parse_markup, a.b, x@y.z, http://.
            let old = (d == '\'' && self.prev & ALPHA != 0)
                || ((d == '.' || d == ',') && self.prev & DIGIT != 0);
            let link = is_link(d, self.tech)
                && !self.number
                && self.prev_link
                && (d != '.' || self.prev_ascii2);
            if old || link {
                self.pending = Some(d);
                self.pending_old = old;
                self.pending_link = link;
                return;
            }
            self.in_word = false;
        }
        if class & SPACE != 0 {
            return;
        }
        self.start_token(d, class);
        if class & WORD != 0 {
            self.in_word = true;
            self.prev = class;
        }
    }

    fn finish(mut self) -> (String, Vec<KeyToken>) {
        if let Some(p) = self.pending.take() {
            self.start_token(p, class_of(p));
        }
        if !self.key.is_empty() {
            self.close_token();
        }
        (self.key, self.tokens)
    }
}

/// `fold_each` feeding a `KeyWriter`, with one shortcut: a run of
/// characters that fold to themselves (`SAME_WORD`), starting a word or
/// inside one, is copied whole instead of character by character. False: the general path
/// must redo the text.
fn key_fast(text: &str, w: &mut KeyWriter) -> bool {
    let table = &*KEY_FOLD;
    let mut i = 0;
    while i < text.len() {
        if w.pending.is_none() {
            let start = i;
            // The bits all the run's entries share: is every one a digit.
            let (mut all, mut last) = (u32::MAX, 0u32);
            while i < text.len() {
                let (entry, len) = entry_at(table, text, i);
                if entry & SAME_WORD == 0 {
                    break;
                }
                all &= entry;
                last = entry;
                i += len;
            }
            if i > start {
                let digits = (all >> CLASS_SHIFT) as u8 & DIGIT != 0;
                let (run, last) = (&text[start..i], (last >> CLASS_SHIFT) as u8);
                if w.in_word {
                    w.extend_run(run, digits, last);
                } else {
                    w.start_run(run, digits, last);
                }
                continue;
            }
        }
        if text.as_bytes()[i] == b' ' && w.pending.is_none() {
            // What `push` does with a space when nothing is held back.
            w.in_word = false;
            i += 1;
            continue;
        }
        let (entry, len) = entry_at(table, text, i);
        if entry & NOT_SIMPLE != 0 {
            return false;
        }
        i += len;
        if entry & DROPPED == 0 {
            w.push(
                char_of(entry).to_ascii_lowercase(),
                (entry >> CLASS_SHIFT) as u8,
            );
        }
    }
    true
}

/// The matching key of a text: folded tokens joined by single spaces.
pub fn matching_key(text: &str) -> String {
    matching_key_tokens(text).0
}

/// The matching key of a text and its tokens, in one pass with no
/// intermediate folded text (this runs for every segment of every import).
pub fn matching_key_tokens(text: &str) -> (String, Vec<KeyToken>) {
    let (mut key, mut tokens) = (String::new(), Vec::new());
    matching_key_tokens_into(text, &mut key, &mut tokens);
    (key, tokens)
}

/// `matching_key_tokens` into buffers the caller reuses (an import makes
/// millions of keys: allocating and freeing them was a tenth of its
/// reader thread).
pub fn matching_key_tokens_into(text: &str, key: &mut String, tokens: &mut Vec<KeyToken>) {
    let mut writer = KeyWriter::reusing(std::mem::take(key), std::mem::take(tokens), text.len());
    if !key_fast(text, &mut writer) {
        writer = KeyWriter::reusing(writer.key, writer.tokens, text.len());
        fold_each_general(text, |c, class| writer.push(c, class));
    }
    (*key, *tokens) = writer.finish();
}

/// The tokens of a matching key (the inverse of joining with spaces).
pub fn key_tokens(key: &str) -> impl Iterator<Item = &str> {
    key.split(' ').filter(|t| !t.is_empty())
}

/// The `KeyToken`s of a stored matching key: what `matching_key_tokens`
/// gave with it.
pub fn key_token_iter(key: &str) -> impl Iterator<Item = KeyToken> + '_ {
    let base = key.as_ptr() as usize;
    key_tokens(key).map(move |t| {
        let start = t.as_ptr() as usize - base;
        KeyToken {
            start: start as u32,
            end: (start + t.len()) as u32,
            kind: TokenKind::of(t),
        }
    })
}

/// Is this token a number (digits, possibly with inner `.` or `,`)?
pub fn is_number(token: &str) -> bool {
    token.as_bytes().first().is_some_and(u8::is_ascii_digit)
        && token
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
}

/// Split already folded text into tokens (step 7), as byte slices of it.
pub fn tokenize_folded(folded: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut chars = folded.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        if !is_word_char(c) {
            tokens.push(&folded[start..start + c.len_utf8()]);
            continue;
        }
        let mut end = start + c.len_utf8();
        let mut prev = c;
        let mut prev2: Option<char> = None;
        let mut tech = false;
        while let Some(&(i, d)) = chars.peek() {
            let after = i + d.len_utf8();
            let joins = if is_word_char(d) {
                true
            } else if d == '\''
                && prev.is_alphabetic()
                && next_is(folded, after, char::is_alphabetic)
            {
                // Apostrophe inside a word: don't, O'Brien.
                true
            } else if (d == '.' || d == ',')
                && prev.is_ascii_digit()
                && next_is(folded, after, |x| x.is_ascii_digit())
            {
                // Separator inside a number: 1.5, 2,254.
                true
            } else if is_link(d, tech)
                && !is_number(&folded[start..end])
                && placeable_after(prev)
                && (d != '.'
                    || (prev.is_ascii_alphanumeric()
                        && prev2.is_some_and(|x| x.is_ascii_alphanumeric())))
                && next_is(folded, after, |x| links_to(d, x))
            {
                // A placeable: pango_parse_markup, a@b.org, http://x.
                tech = true;
                true
            } else {
                false
            };
            if !joins {
                break;
            }
            chars.next();
            end = i + d.len_utf8();
            prev2 = Some(prev);
            prev = d;
        }
        tokens.push(&folded[start..end]);
    }
    tokens
}

fn next_is(s: &str, at: usize, pred: impl Fn(char) -> bool) -> bool {
    s.get(at..)
        .and_then(|rest| rest.chars().next())
        .is_some_and(pred)
}

#[cfg(test)]
mod tests;

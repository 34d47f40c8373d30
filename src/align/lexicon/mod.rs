//! Bilingual word lists for the aligner: a user dictionary (`--dict`, TSV
//! `arabic<TAB>english`), FreeDict's Arabic–English dictionary (dictd
//! format), pairs learned from the document itself and pairs learned from
//! the translation memory. All end up as one `Lexicon`: Arabic lookup form
//! → English stems.
//!
//! Word forms come from `words`; this module knows nothing of sentence
//! features or items (`features` uses it, not the other way round), nor of
//! where a learned list is stored (the translation memory's side does that).

pub mod cache;

use std::collections::HashMap;
use std::sync::Arc;

use super::words::{
    arabic_learn_form, arabic_lookup_forms, english_stem, is_arabic_stopword, is_english_stopword,
};
use crate::text::normalize::{fold, is_number, tokenize_folded};

/// Arabic lookup form (folded, article stripped) → English stems.
///
/// Layers: frozen, shared maps (the built-in lexicon, a big dictionary
/// such as FreeDict loaded once, the TM's pairs: shared by every alignment
/// of a batch without a copy) and the entries added since (a document's
/// learned pairs). Cloning copies only the last; extending by a frozen
/// lexicon shares its maps. A word's senses are its senses in each layer in
/// order, each once, at most `MAX_SENSES`: what adding the layers' pairs
/// one by one to one map would give.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    layers: Vec<Arc<Entries>>,
    entries: Entries,
}

/// FxHash: FreeDict's 85,000 entries are hashed at every start and every
/// Arabic word is looked up in each layer.
pub(super) type Entries = rustc_hash::FxHashMap<String, Vec<String>>;

/// How many English stems one Arabic word may bring: dictionaries list many
/// near-synonyms, and every extra one is a chance for a spurious match.
const MAX_SENSES: usize = 8;

impl Lexicon {
    pub fn new() -> Lexicon {
        Lexicon::default()
    }

    /// The built-in core lexicon (`data/align/core-ar-en.tsv`): common
    /// words of news, legal, feature and business text, so that alignment
    /// has lexical evidence even without a dictionary.
    pub fn core() -> Lexicon {
        let mut lex = Lexicon::new();
        lex.add_tsv(include_str!("../../../data/align/core-ar-en.tsv"));
        lex
    }

    /// Every map, in order: the frozen layers, then the own entries.
    fn maps(&self) -> impl Iterator<Item = &Entries> {
        self.layers
            .iter()
            .map(|l| l.as_ref())
            .chain(std::iter::once(&self.entries))
    }

    /// How many Arabic words have a translation.
    pub fn len(&self) -> usize {
        if self.layers.is_empty() {
            return self.entries.len();
        }
        let keys: std::collections::HashSet<&String> = self.maps().flat_map(|m| m.keys()).collect();
        keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.maps().all(|m| m.is_empty())
    }

    /// A lexicon of one frozen layer.
    fn frozen(entries: Entries) -> Lexicon {
        Lexicon {
            layers: vec![Arc::new(entries)],
            entries: Entries::default(),
        }
    }

    /// Make what was added so far a frozen layer: after this, cloning the
    /// lexicon (each alignment does) copies nothing.
    pub fn freeze(&mut self) {
        if !self.entries.is_empty() {
            let own = std::mem::take(&mut self.entries);
            self.layers.push(Arc::new(own));
        }
    }

    /// Is `key` in any layer?
    fn knows(&self, key: &str) -> bool {
        self.maps().any(|m| m.contains_key(key))
    }

    /// `key`'s senses: every layer's, in order, each once, at most
    /// `MAX_SENSES`.
    fn senses_of(&self, key: &str) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for stem in self.maps().filter_map(|m| m.get(key)).flatten() {
            if out.len() >= MAX_SENSES {
                break;
            }
            if !out.contains(&stem.as_str()) {
                out.push(stem);
            }
        }
        out
    }

    /// Add `stems` to `key`'s senses, up to `MAX_SENSES` in all layers,
    /// each once.
    fn add_senses<'s>(&mut self, key: &str, stems: impl IntoIterator<Item = &'s str>) {
        let have: Vec<String> = self.senses_of(key).into_iter().map(String::from).collect();
        let mut count = have.len();
        let own = self.entries.entry(key.to_string()).or_default();
        for stem in stems {
            if count >= MAX_SENSES {
                break;
            }
            if have.iter().any(|s| s == stem) || own.iter().any(|s| s == stem) {
                continue;
            }
            own.push(stem.to_string());
            count += 1;
        }
    }

    /// Add one pair: an Arabic word or phrase and its English translation
    /// (a word or phrase; every content word counts).
    pub fn add(&mut self, arabic: &str, english: &str) {
        let folded = fold(arabic);
        let ar_tokens: Vec<&str> = tokenize_folded(&folded)
            .into_iter()
            .filter(|t| t.chars().next().is_some_and(char::is_alphabetic))
            .collect();
        // Multi-word Arabic entries are usable only through their content
        // words; a single content word is the common case.
        let content: Vec<&str> = ar_tokens
            .iter()
            .copied()
            .filter(|t| !is_arabic_stopword(t))
            .collect();
        if content.len() != 1 {
            return;
        }
        let key = super::translit::strip_article(content[0]).to_string();
        let en_folded = fold(english);
        let stems: Vec<String> = tokenize_folded(&en_folded)
            .into_iter()
            .filter(|t| t.chars().all(|c| c.is_ascii_alphabetic() || c == '\''))
            .filter(|t| t.len() > 1 && !is_english_stopword(t))
            .map(english_stem)
            .collect();
        self.add_senses(&key, stems.iter().map(String::as_str));
    }

    /// Add every pair of another lexicon. Its frozen layers are shared,
    /// not copied.
    pub fn extend(&mut self, other: &Lexicon) {
        if !other.layers.is_empty() {
            self.freeze();
            self.layers.extend(other.layers.iter().cloned());
        }
        for (key, stems) in &other.entries {
            self.add_senses(key, stems.iter().map(String::as_str));
        }
    }

    /// The English stems for one folded Arabic word (tries the word, then
    /// with clitics and suffixes stripped).
    pub fn lookup(&self, folded_word: &str) -> impl Iterator<Item = &str> {
        let mut found: Vec<&str> = Vec::new();
        for form in arabic_lookup_forms(folded_word) {
            if self.knows(form) {
                found = self.senses_of(form);
                break;
            }
        }
        found.into_iter()
    }

    /// Read a TSV dictionary: `arabic<TAB>english` per line; `#` comments
    /// and blank lines skipped. Returns the line numbers (1-based) of lines
    /// that have no tab, for a warning.
    pub fn add_tsv(&mut self, text: &str) -> Vec<usize> {
        let mut bad = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            match line.split_once('\t') {
                Some((ar, en)) => self.add(ar.trim(), en.trim()),
                None => bad.push(n + 1),
            }
        }
        bad
    }

    /// Read a dictd database (FreeDict): the `.index` text (`headword TAB
    /// offset TAB length`, offsets in dictd's base64) and the uncompressed
    /// `.dict` body. Each entry is the headword line (with an IPA
    /// transcription between slashes) followed by the English senses, one
    /// per line, numbered `1. ` when there are several.
    pub fn add_dictd(&mut self, index: &str, dict: &[u8]) -> usize {
        let mut added = 0;
        for line in index.lines() {
            let mut fields = line.split('\t');
            let (Some(head), Some(off), Some(len)) = (fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            if head.starts_with("00database") || !head.chars().any(is_arabic_letter) {
                continue;
            }
            let (Some(off), Some(len)) = (dictd_b64(off), dictd_b64(len)) else {
                continue;
            };
            let Some(body) = dict.get(off as usize..(off + len) as usize) else {
                continue;
            };
            let Ok(body) = std::str::from_utf8(body) else {
                continue;
            };
            for sense in body.lines().skip(1) {
                let sense = sense.trim();
                let sense = match sense.split_once(". ") {
                    Some((num, rest)) if num.bytes().all(|b| b.is_ascii_digit()) => rest,
                    _ => sense,
                };
                if sense.is_empty() {
                    continue;
                }
                self.add(head, sense);
                added += 1;
            }
        }
        added
    }

    /// Every word and its senses (as `lookup` gives them), sorted by word.
    pub fn entries(&self) -> Vec<(&str, Vec<&str>)> {
        let mut keys: Vec<&str> = self
            .maps()
            .flat_map(|m| m.keys().map(String::as_str))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys.into_iter().map(|k| (k, self.senses_of(k))).collect()
    }

    /// All pairs, sorted (for tests and for storing).
    pub fn pairs(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .entries()
            .into_iter()
            .flat_map(|(k, v)| v.into_iter().map(move |e| (k.to_string(), e.to_string())))
            .collect();
        out.sort();
        out
    }
}

fn is_arabic_letter(c: char) -> bool {
    ('\u{0621}'..='\u{064A}').contains(&c)
}

/// dictd's base64 number: digits A–Z a–z 0–9 + /, most significant first.
fn dictd_b64(s: &str) -> Option<u64> {
    let mut n: u64 = 0;
    for b in s.bytes() {
        let d = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        n = n.checked_mul(64)?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// Co-occurrence counts of (Arabic form, English stem) over aligned
/// sentence pairs: the raw material of a learned dictionary. Kept as
/// counts so that the TM can add them up across documents.
#[derive(Debug, Clone, Default)]
pub struct Cooccurrence {
    pub pairs: HashMap<(String, String), u32>,
    pub arabic: HashMap<String, u32>,
    pub english: HashMap<String, u32>,
    pub links: u32,
}

impl Cooccurrence {
    /// Count one aligned pair of texts (each word once per link).
    pub fn add_link(&mut self, arabic: &str, english: &str) {
        let ar = content_forms_ar(arabic);
        let en = content_stems_en(english);
        for a in &ar {
            *self.arabic.entry(a.clone()).or_default() += 1;
        }
        for e in &en {
            *self.english.entry(e.clone()).or_default() += 1;
        }
        for a in &ar {
            for e in &en {
                *self.pairs.entry((a.clone(), e.clone())).or_default() += 1;
            }
        }
        self.links += 1;
    }

    /// The pairs that look like translations: seen together at least
    /// `min_count` times, Dice coefficient ≥ `min_dice`, and for each
    /// Arabic word only its best English partners (ties kept).
    pub fn lexicon(&self, min_count: u32, min_dice: f64) -> Lexicon {
        let counts = self.pairs.iter().map(|((a, e), &n)| {
            let na = self.arabic.get(a).copied().unwrap_or(n);
            let ne = self.english.get(e).copied().unwrap_or(n);
            (a.as_str(), e.as_str(), n, na, ne)
        });
        lexicon_from(counts, min_count, min_dice)
    }
}

/// `Cooccurrence::lexicon` of the pairs of texts `links`, without keeping
/// the counts: words are numbered first, so counting a pair builds no
/// strings (a document's learning counts hundreds of thousands of pairs).
pub fn learn_lexicon<'a>(
    links: impl IntoIterator<Item = (&'a str, &'a str)>,
    min_count: u32,
    min_dice: f64,
) -> Lexicon {
    fn number(
        words: Vec<String>,
        ids: &mut rustc_hash::FxHashMap<String, u32>,
        totals: &mut Vec<u32>,
    ) -> Vec<u32> {
        words
            .into_iter()
            .map(|w| {
                let next = ids.len() as u32;
                let id = *ids.entry(w).or_insert(next);
                if id as usize == totals.len() {
                    totals.push(0);
                }
                totals[id as usize] += 1;
                id
            })
            .collect()
    }
    let links: Vec<(&str, &str)> = links.into_iter().collect();
    let read = |part: &[(&str, &str)]| -> Vec<(Vec<String>, Vec<String>)> {
        part.iter()
            .map(|&(arabic, english)| (content_forms_ar(arabic), content_stems_en(english)))
            .collect()
    };
    // Reading the words is most of the work, and each link's is its own:
    // many links are read in two halves at once.
    let words = if links.len() >= PARALLEL_LINKS {
        let (first, second) = links.split_at(links.len() / 2);
        std::thread::scope(|scope| {
            let second = scope.spawn(|| read(second));
            let mut words = read(first);
            words.extend(second.join().expect("reading words does not panic"));
            words
        })
    } else {
        read(&links)
    };
    let (mut ar_ids, mut en_ids) = (Default::default(), Default::default());
    let (mut ar_totals, mut en_totals) = (Vec::new(), Vec::new());
    // Every (Arabic, English) word pair of every link, as one number:
    // sorted, equal pairs are runs (cheaper than a hash map of counts).
    let mut together: Vec<u64> = Vec::new();
    for (ar, en) in words {
        let ar = number(ar, &mut ar_ids, &mut ar_totals);
        let en = number(en, &mut en_ids, &mut en_totals);
        for &a in &ar {
            together.extend(en.iter().map(|&e| (u64::from(a) << 32) | u64::from(e)));
        }
    }
    together.sort_unstable();
    fn names(ids: &rustc_hash::FxHashMap<String, u32>) -> Vec<&str> {
        let mut v = vec![""; ids.len()];
        for (w, &id) in ids {
            v[id as usize] = w.as_str();
        }
        v
    }
    let (ar_names, en_names) = (names(&ar_ids), names(&en_ids));
    let counts = together.chunk_by(|x, y| x == y).map(|run| {
        let (a, e) = ((run[0] >> 32) as usize, (run[0] & 0xFFFF_FFFF) as usize);
        (
            ar_names[a],
            en_names[e],
            run.len() as u32,
            ar_totals[a],
            en_totals[e],
        )
    });
    lexicon_from(counts, min_count, min_dice)
}

/// From this many links on, `learn_lexicon` reads them on two threads.
const PARALLEL_LINKS: usize = 256;

/// Dictionary entries from (Arabic, English, links together, Arabic's
/// links, English's links): Dice ≥ `min_dice` over at least `min_count`
/// links together, each Arabic word's best partners (ties kept, 3 at most).
fn lexicon_from<'a>(
    counts: impl Iterator<Item = (&'a str, &'a str, u32, u32, u32)>,
    min_count: u32,
    min_dice: f64,
) -> Lexicon {
    let mut best: HashMap<&str, Vec<(f64, &str)>> = HashMap::new();
    for (a, e, n, na, ne) in counts {
        if n < min_count {
            continue;
        }
        let dice = 2.0 * f64::from(n) / f64::from(na + ne);
        if dice >= min_dice {
            best.entry(a).or_default().push((dice, e));
        }
    }
    let mut lex = Lexicon::new();
    for (a, mut cands) in best {
        cands.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(y.1)));
        let top = cands[0].0;
        let senses: Vec<String> = cands
            .iter()
            .take_while(|c| c.0 >= top - 1e-9)
            .take(3)
            .map(|c| c.1.to_string())
            .collect();
        lex.entries.insert(a.to_string(), senses);
    }
    lex
}

impl Cooccurrence {
    /// For each Arabic word, its `k` best English partners by Dice (pairs
    /// seen once included): what the TM keeps of a document.
    pub fn top_pairs(&self, k: usize) -> Vec<(&str, &str, u32)> {
        let mut by_word: HashMap<&str, Vec<(f64, &str, u32)>> = HashMap::new();
        for ((a, e), &n) in &self.pairs {
            let na = self.arabic.get(a).copied().unwrap_or(n);
            let ne = self.english.get(e).copied().unwrap_or(n);
            let dice = 2.0 * f64::from(n) / f64::from(na + ne);
            by_word
                .entry(a.as_str())
                .or_default()
                .push((dice, e.as_str(), n));
        }
        let mut out = Vec::new();
        for (a, mut cands) in by_word {
            cands.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(y.1)));
            out.extend(cands.into_iter().take(k).map(|(_, e, n)| (a, e, n)));
        }
        out.sort();
        out
    }
}

/// The Arabic content words of a text, in lookup form, each once.
pub fn content_forms_ar(text: &str) -> Vec<String> {
    let folded = fold(text);
    let mut out: Vec<String> = tokenize_folded(&folded)
        .into_iter()
        .filter(|t| t.chars().next().is_some_and(is_arabic_letter))
        .filter(|t| !is_arabic_stopword(t))
        .map(|t| arabic_learn_form(t).to_string())
        .filter(|t| t.chars().count() >= 2)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The English content words of a text, stemmed, each once.
pub fn content_stems_en(text: &str) -> Vec<String> {
    let folded = fold(text);
    let mut out: Vec<String> = tokenize_folded(&folded)
        .into_iter()
        .filter(|t| !is_number(t) && t.chars().all(|c| c.is_ascii_alphabetic() || c == '\''))
        .filter(|t| t.len() > 1 && !is_english_stopword(t))
        .map(english_stem)
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests;

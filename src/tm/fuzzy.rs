//! Fuzzy lookup: CAT-style match scores, found exactly through the index.
//! It reads the index (`tm::index`: tokens, postings), it does not build it;
//! the word-level diff shown with a match is `tm::diff`'s.
//!
//! # The score (0–101)
//!
//! Texts are compared as the *content tokens* of their matching keys
//! (`text::normalize`: harakat, tatweel, hamza/alef forms, case and digit
//! systems folded; see `tm::index::content_tokens`): words and numbers, in
//! order, punctuation left out, every number the same placeable token.
//! With `n` query tokens, `m` stored-source tokens and `d` their word-level
//! Levenshtein distance (insert, delete, substitute a token: 1 each):
//!
//! * `d > 0`: score = ⌊100 · (max(n,m) − d) / max(n,m)⌋ (OmegaT, SYSTRAN), at
//!   most 99.
//! * `d = 0` (the same words in the same order):
//!   * **100** when the raw texts are identical (after trimming surrounding
//!     whitespace) and the stored source has no inline tags; **101** (context
//!     match) when moreover the previous query sentence and the stored
//!     unit's preceding sentence have the same matching key;
//!   * otherwise 100 − p, where p = 1 if a number differs (the match comes
//!     back with the numbers replaced in the target), + 2 if the
//!     punctuation differs, and p = 1 when neither: the texts differ only
//!     in case, whitespace, harakat, tatweel, hamza/alef forms, digit
//!     system or inline tags. So 96–99: "nearly exact".
//!
//! Ties are broken as a translator would: first the unit closest to the
//! query *as written* (`written_tokens`: the raw words with their harakat,
//! hamza and alef forms, tatweel and case, and the punctuation, compared
//! by token-level Levenshtein distance), so that of a vocalised and a
//! plain copy of a sentence the one in the query's own spelling comes
//! first; then the Levenshtein distance over all key tokens (punctuation
//! and number values included); then the newer unit (higher id). A query
//! with no words or numbers matches nothing.
//!
//! # Why every unit scoring ≥ min is found (the filter is lossless)
//!
//! Let t = min/100 (min 101 is treated as 100) and L = max(n, m). In an
//! optimal alignment let M be the number of query tokens aligned to an
//! *equal* token. Each other query token is deleted or substituted and each
//! other stored token inserted or substituted, so d ≥ max(n − M, m − M) =
//! L − M. Score ≥ min needs 100·(L − d) ≥ min·L, hence
//! **M ≥ need(m) = ⌈t·max(n,m)⌉ ≥ τ = ⌈t·n⌉**, which gives four filters:
//!
//! 1. *Length*: M ≤ m gives m ≥ ⌈t·n⌉, and M ≤ n gives m ≤ ⌊n/t⌋. Postings
//!    are grouped by m, so other lengths are never decoded.
//! 2. *Prefix*: at most n − τ query positions are unmatched, so among any
//!    n − τ + 1 positions one is matched, and the unit appears in the
//!    postings of that position's token. (Per length it is tighter: a unit
//!    of length m has at most n − need(m) unmatched positions, so a token
//!    starting at position r adds new candidates only of lengths with
//!    need(m) ≤ n − r.) The positions are taken in the index's fixed
//!    token order, rarest rank first (`index::order`; tokens absent from
//!    the TM are never matched: they fill prefix slots for free); a
//!    repeated token fills as many positions as it occurs, and its
//!    postings are read once. Every unit that can reach min is therefore
//!    in the union of the prefix tokens' postings.
//! 3. *Positional* (PPJoin's): a posting also gives the token's place p in
//!    the unit, how many of its distinct words come before the token in
//!    that same order. A unit not yet a candidate when the token at
//!    position r (occurring k times) is read holds none of the query's
//!    earlier tokens, so M ≤ k + min(n − r − k, m − p − 1); a posting for
//!    which that is below need(m) adds no candidate (it still counts for a
//!    unit that is one). The unit that can reach min is added at its first
//!    token in the order, which passes. This is why the order is fixed,
//!    and the same for the query and every stored unit.
//! 4. *Count*: M ≤ Σ over distinct tokens x of min(q_x, c_x) ≤ h + (n − r),
//!    where r is the number of query positions whose tokens' postings have
//!    been read and h the sum of q_x over the read tokens the unit contains.
//!    A candidate with h + n − r < need(m) is dropped. Past the prefix,
//!    tokens are read rarest first while that is cheaper than verifying
//!    candidates; a common token is read as a bit set over unit ids, kept
//!    by the matcher (`fuzzy::bitsets`), at one bit test per candidate. A
//!    token left unread stays in the slack n − r.
//!
//! Survivors are verified (exact score from the stored key) in order of the
//! upper bound ⌊100·(h + n − r)/L⌋ (101 when h + n − r ≥ L); once `top`
//! matches are held, a candidate whose bound is below the last one's score
//! cannot enter and verification stops. All bounds only over-estimate, so
//! the result equals a brute-force scan (`tests::filter_equals_brute_force`).
//!
//! # Cost bounds
//!
//! The length filter caps what is read for a huge query: a 100 KB query of
//! ~20,000 tokens needs stored units of ≥ ⌈t·20,000⌉ tokens, and nothing is
//! decoded for shorter lengths. The query itself is capped at
//! `MAX_QUERY_TOKENS` content tokens (longer queries match nothing: no TM
//! segment is that long), so verification never runs a DP larger than
//! `MAX_QUERY_TOKENS` × (stored length).

use super::diff::{self, DiffOp};
use super::error::{Result, TmError};
use super::index::{self, content_tokens, NUMBER};
use super::source::{self, IndexRead, VariantRow};
use crate::text::lang;
use crate::text::normalize::{is_number, key_tokens, matching_key};
use candidates::Candidate;

/// Queries longer than this (in words and numbers) match nothing.
pub const MAX_QUERY_TOKENS: usize = 2000;

/// A query, prepared once for scoring many candidates.
#[derive(Debug, Clone)]
pub struct Query {
    /// The raw text, trimmed.
    pub text: String,
    /// Its content tokens (numbers as `#`).
    pub content: Vec<String>,
    /// All key tokens (numbers by value).
    pub all: Vec<String>,
    /// The tokens as written (`written_tokens`), for the tie-breaker.
    pub written: Vec<String>,
}

impl Query {
    pub fn new(text: &str) -> Query {
        let key = matching_key(text);
        Query {
            text: text.trim().to_string(),
            content: content_tokens(&key)
                .into_iter()
                .map(str::to_string)
                .collect(),
            all: key_tokens(&key).map(str::to_string).collect(),
            written: written_tokens(text).map(str::to_string).collect(),
        }
    }

    /// Can any stored unit match, with `top` results asked for? Not without
    /// content words, nor past `MAX_QUERY_TOKENS` of them.
    fn can_match(&self, top: usize) -> bool {
        top > 0 && !self.content.is_empty() && self.content.len() <= MAX_QUERY_TOKENS
    }
}

/// A stored source as the scorer sees it.
pub struct Stored<'a> {
    pub key: &'a str,
    pub plain: &'a str,
    pub has_tags: bool,
}

/// A score with its tie-breakers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scored {
    pub score: u8,
    /// Levenshtein distance over the tokens as written: lower is better.
    pub written: u32,
    /// Levenshtein distance over all key tokens: lower is better.
    pub detail: u32,
}

/// The tokens of a text as written, nothing folded: runs of letters,
/// digits and combining marks (harakat stay on their word; tatweel is a
/// letter), every other non-space character a token of its own. What the
/// tie-breaker compares: two spellings of one word are different tokens.
pub fn written_tokens(text: &str) -> impl Iterator<Item = &str> {
    let word = |c: char| c.is_alphanumeric() || unicode_normalization::char::is_combining_mark(c);
    let mut rest = text;
    std::iter::from_fn(move || {
        rest = rest.trim_start();
        let c = rest.chars().next()?;
        let end = if word(c) {
            rest.find(|d: char| !word(d)).unwrap_or(rest.len())
        } else {
            c.len_utf8()
        };
        let (tok, tail) = rest.split_at(end);
        rest = tail;
        Some(tok)
    })
}

/// Token-level Levenshtein distance.
pub fn levenshtein<T: PartialEq>(a: &[T], b: &[T]) -> u32 {
    if a.is_empty() || b.is_empty() {
        return a.len().max(b.len()) as u32;
    }
    let mut row: Vec<u32> = (0..=b.len() as u32).collect();
    for (i, x) in a.iter().enumerate() {
        let mut diag = row[0];
        row[0] = i as u32 + 1;
        for (j, y) in b.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = (diag + u32::from(x != y)).min(up + 1).min(row[j] + 1);
            diag = up;
        }
    }
    row[b.len()]
}

/// The score of a stored source for a query (see the module doc).
/// `context_same` is asked only for a 100 and says whether the previous
/// sentences agree.
pub fn score(q: &Query, s: &Stored, context_same: impl FnOnce() -> bool) -> Scored {
    let content = content_tokens(s.key);
    let all: Vec<&str> = key_tokens(s.key).collect();
    let detail = levenshtein(&q.all.iter().map(String::as_str).collect::<Vec<_>>(), &all);
    let written = {
        let q: Vec<&str> = q.written.iter().map(String::as_str).collect();
        let s: Vec<&str> = written_tokens(s.plain).collect();
        levenshtein(&q, &s)
    };
    let (n, m) = (q.content.len(), content.len());
    if n == 0 {
        return Scored {
            score: 0,
            written,
            detail,
        };
    }
    let d = levenshtein(
        &q.content.iter().map(String::as_str).collect::<Vec<_>>(),
        &content,
    );
    let score = if d > 0 {
        let l = n.max(m) as u32;
        (100 * (l - d.min(l)) / l) as u8
    } else if q.text == s.plain.trim() && !s.has_tags {
        if context_same() {
            101
        } else {
            100
        }
    } else {
        let numbers = |t: &[&str]| -> Vec<String> {
            t.iter()
                .filter(|x| is_number(x))
                .map(|x| x.replace(',', ""))
                .collect()
        };
        let shape = |t: &[&str]| -> Vec<String> {
            t.iter()
                .map(|x| {
                    if is_number(x) {
                        NUMBER.to_string()
                    } else {
                        x.to_string()
                    }
                })
                .collect()
        };
        let qall: Vec<&str> = q.all.iter().map(String::as_str).collect();
        let mut p = 0;
        if numbers(&qall) != numbers(&all) {
            p += 1;
        }
        if shape(&qall) != shape(&all) {
            p += 2;
        }
        100 - p.max(1)
    };
    Scored {
        score,
        written,
        detail,
    }
}

/// Normalize a language pair and make sure the TM holds both languages;
/// the error says what it holds instead.
pub fn check_pair(
    store: &(impl IndexRead + ?Sized),
    src_lang: &str,
    tgt_lang: &str,
) -> Result<(String, String)> {
    let norm = |l: &str| {
        lang::normalize(l)
            .filter(|n| n != "*all*")
            .ok_or_else(|| TmError::NotALanguage(l.to_string()))
    };
    let (src, tgt) = (norm(src_lang)?, norm(tgt_lang)?);
    for l in [&src, &tgt] {
        if store.indexed_variants(&index::index_lang(l))? == 0 {
            let have = store.languages()?;
            if have.is_empty() {
                return Err(TmError::Empty {
                    path: store.location().to_path_buf(),
                });
            }
            return Err(TmError::NoPair {
                path: store.location().to_path_buf(),
                src: src.clone(),
                tgt: tgt.clone(),
                holds: have,
            });
        }
    }
    Ok((src, tgt))
}

/// One match for a query.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Match {
    pub unit_id: i64,
    /// 0–101, see the module doc.
    pub score: u8,
    /// The stored source text.
    pub source: String,
    /// The stored target text.
    pub target: String,
    /// The file or alignment the unit came from.
    pub origin: Option<String>,
    /// The unit's change date, else its creation date (TMX form).
    pub date: Option<String>,
    /// From the stored source to the query.
    pub diff: Vec<DiffOp>,
    /// The target with the query's numbers put in, when only they differ
    /// from the stored source's (or differ besides other words).
    pub target_fixed: Option<String>,
}

/// What the quick, id-based scoring decided.
enum Quick {
    /// Not in the pair, below min, or cannot enter the top.
    Skip,
    Scored(Scored),
    /// The same words as the query: score from the raw text.
    SameWords,
}

/// The query's tokens as small integers; other tokens get `UNKNOWN`,
/// which equals no query token.
struct QueryIds<'q> {
    content_map: index::FastMap<&'q str, u32>,
    all_map: index::FastMap<&'q str, u32>,
    written_map: index::FastMap<&'q str, u32>,
    content: Vec<u32>,
    all: Vec<u32>,
    written: Vec<u32>,
}

const UNKNOWN: u32 = u32::MAX;

impl<'q> QueryIds<'q> {
    fn new(q: &'q Query) -> QueryIds<'q> {
        fn intern<'q>(tokens: &'q [String], map: &mut index::FastMap<&'q str, u32>) -> Vec<u32> {
            tokens
                .iter()
                .map(|t| {
                    let next = map.len() as u32;
                    *map.entry(t.as_str()).or_insert(next)
                })
                .collect()
        }
        let mut content_map = index::FastMap::default();
        let mut all_map = index::FastMap::default();
        let mut written_map = index::FastMap::default();
        let content = intern(&q.content, &mut content_map);
        let all = intern(&q.all, &mut all_map);
        let written = intern(&q.written, &mut written_map);
        QueryIds {
            content_map,
            all_map,
            written_map,
            content,
            all,
            written,
        }
    }

    #[inline]
    fn content_id(&self, t: &str) -> u32 {
        self.content_map.get(t).copied().unwrap_or(UNKNOWN)
    }

    #[inline]
    fn all_id(&self, t: &str) -> u32 {
        self.all_map.get(t).copied().unwrap_or(UNKNOWN)
    }

    #[inline]
    fn written_id(&self, t: &str) -> u32 {
        self.written_map.get(t).copied().unwrap_or(UNKNOWN)
    }
}

/// The next candidates' rows asked for ahead of reading them
/// (`IndexRead::prefetch_units`), in windows that double from 16 to 512:
/// verification mostly stops after a few, sometimes reads thousands.
#[derive(Default)]
pub(crate) struct Prefetch {
    /// Candidates up to here were asked for.
    end: usize,
}

impl Prefetch {
    pub(crate) fn before<T>(
        &mut self,
        src: &(impl IndexRead + ?Sized),
        all: &[T],
        i: usize,
        id: impl Fn(&T) -> i64,
    ) -> Result<()> {
        if i < self.end {
            return Ok(());
        }
        let window = (2 * self.end).clamp(16, 512);
        self.end = (i + window).min(all.len());
        let ids: Vec<i64> = all[i..self.end].iter().map(id).collect();
        src.prefetch_units(&ids)
    }
}

/// Looks queries up in one language pair of a TM.
pub struct Matcher<'s> {
    store: &'s dyn IndexRead,
    src: String,
    tgt: String,
    src_index: String,
    /// Dictionary entries already read (token text → id, df), so the
    /// words a document repeats cost one SQL lookup per matcher, not per
    /// query. Only tokens found are kept: one added later by another
    /// process is still looked up (its absence would make the prefix
    /// filter skip it); a cached df that grew since only changes the
    /// rarest-first order, never what is found.
    seen: std::cell::RefCell<index::FastMap<String, index::TokenInfo>>,
    /// The units of common tokens as bit sets (`bitsets`).
    bitsets: std::cell::RefCell<bitsets::Bitsets>,
}

impl<'s> Matcher<'s> {
    /// A matcher for `src_lang` → `tgt_lang` (BCP 47; `ar` matches `ar-SY`).
    /// Fails with a clear message when the TM has no units in one of them.
    pub fn new(store: &'s dyn IndexRead, src_lang: &str, tgt_lang: &str) -> Result<Matcher<'s>> {
        let (src, tgt) = check_pair(store, src_lang, tgt_lang)?;
        store.ready_for_lookups()?;
        Ok(Matcher {
            store,
            src_index: index::index_lang(&src),
            seen: Default::default(),
            bitsets: Default::default(),
            src,
            tgt,
        })
    }

    /// The best `top` matches scoring at least `min` (1–101) for `query`;
    /// `prev` is the sentence before it, for context (101) matches.
    pub fn lookup(
        &self,
        query: &str,
        prev: Option<&str>,
        min: u8,
        top: usize,
    ) -> Result<Vec<Match>> {
        let q = Query::new(query);
        self.in_read_transaction(|| {
            let scored = self.best(&q, prev, min, top)?;
            let ids: Vec<i64> = scored.iter().map(|(u, _)| *u).collect();
            self.store.prefetch_whole_units(&ids)?;
            let mut out = Vec::with_capacity(scored.len());
            for (unit_id, s) in scored {
                out.push(self.details(&q, unit_id, s.score)?);
            }
            Ok(out)
        })
    }

    /// Run `f` in one read transaction (one lock and one snapshot for all
    /// the statements of a lookup), unless one is open already.
    fn in_read_transaction<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        let (mut f, mut value) = (Some(f), None);
        self.store.in_snapshot(&mut || {
            value = f.take().map(|f| f()).transpose()?;
            Ok(())
        })?;
        Ok(value.expect("in_snapshot runs its function once"))
    }

    /// The best `top` (unit id, score) pairs, best first.
    pub fn best(
        &self,
        q: &Query,
        prev: Option<&str>,
        min: u8,
        top: usize,
    ) -> Result<Vec<(i64, Scored)>> {
        let min = min.clamp(1, 101);
        if !q.can_match(top) {
            return Ok(Vec::new());
        }
        let candidates = self.candidates(q, min)?;
        let prev_key = prev.map(matching_key);
        let ids = QueryIds::new(q);
        let mut best: Vec<(i64, Scored)> = Vec::with_capacity(top + 1);
        let mut ahead = Prefetch::default();
        for (i, c) in candidates.iter().enumerate() {
            let kth = (best.len() == top).then(|| best[top - 1].1.score);
            if kth.is_some_and(|k| c.bound < k) {
                break;
            }
            ahead.before(self.store, &candidates, i, |c| c.unit as i64)?;
            let unit = c.unit as i64;
            let s = match self.quick_score(&ids, unit, min, kth)? {
                Quick::Skip => continue,
                Quick::Scored(s) => s,
                Quick::SameWords => match self.verify(q, unit, prev_key.as_deref())? {
                    Some(s) => s,
                    None => continue,
                },
            };
            if s.score < min {
                continue;
            }
            best.push((unit, s));
            best.sort_by(rank);
            best.truncate(top);
        }
        Ok(best)
    }

    /// Score a candidate from its key alone, comparing token ids. Units
    /// with the query's very words (d = 0) need the raw text: `SameWords`.
    fn quick_score(&self, ids: &QueryIds, unit: i64, min: u8, kth: Option<u8>) -> Result<Quick> {
        let rows = self.store.variant_texts(unit)?;
        let Some(si) = self.pick_source(rows.iter().map(|r| r.lang.as_str())) else {
            return Ok(Quick::Skip);
        };
        let key = &rows[si].key;
        let content: Vec<u32> = content_tokens(key)
            .into_iter()
            .map(|t| ids.content_id(t))
            .collect();
        let d = levenshtein(&ids.content, &content);
        if d == 0 {
            return Ok(Quick::SameWords);
        }
        let l = ids.content.len().max(content.len()) as u32;
        let score = (100 * (l - d.min(l)) / l) as u8;
        // Below min, or below the last of a full top: the tie-breaker is not needed.
        if score < min || kth.is_some_and(|k| score < k) {
            return Ok(Quick::Skip);
        }
        let all: Vec<u32> = key_tokens(key).map(|t| ids.all_id(t)).collect();
        let written: Vec<u32> = written_tokens(&rows[si].plain)
            .map(|t| ids.written_id(t))
            .collect();
        Ok(Quick::Scored(Scored {
            score,
            written: levenshtein(&ids.written, &written),
            detail: levenshtein(&ids.all, &all),
        }))
    }

    /// Units that can score ≥ min, with score bounds, best bound first.
    fn candidates(&self, q: &Query, min: u8) -> Result<Vec<Candidate>> {
        let src = self.store;
        let n = q.content.len() as u64;
        let prefix = candidates::prefix_len(n, min);

        let mut mult: index::FastMap<&str, u64> = index::FastMap::default();
        for x in &q.content {
            *mult.entry(x.as_str()).or_default() += 1;
        }
        // Dictionary entries not known yet, asked for with the postings
        // read first (one round trip on PostgreSQL; nothing on SQLite).
        let known: Vec<(&str, u64, Option<index::TokenInfo>)> = {
            let seen = self.seen.borrow();
            mult.iter()
                .map(|(x, k)| (*x, *k, seen.get(*x).copied()))
                .collect()
        };
        if known.iter().any(|t| t.2.is_none()) {
            src.prefetch_query(&self.src_index, &known, prefix)?;
        }
        let mut toks = Vec::with_capacity(mult.len());
        for (x, k) in mult {
            toks.push((self.token(x)?, k));
        }
        candidates::in_index_order(&mut toks);
        // Read first: the prefix's postings, whatever the candidates, and
        // those of the rarest token after it, which the search nearly
        // always reads (unless the prefix left very few candidates). Asked
        // for at once; already fetched above when some entry was unknown.
        let in_prefix = candidates::in_prefix(&toks, n, min);
        let next = toks[in_prefix..]
            .iter()
            .filter_map(|(info, _)| *info)
            .min_by_key(|i| i.df);
        let first: Vec<i64> = toks[..in_prefix]
            .iter()
            .filter_map(|(info, _)| info.map(|i| i.id))
            .chain(next.map(|i| i.id))
            .collect();
        src.prefetch_postings(&first)?;

        let mut bitsets = self.bitsets.borrow_mut();
        bitsets.check(src, &self.src_index)?;
        candidates::search(
            &mut Reader {
                src,
                bitsets: &mut bitsets,
            },
            &toks,
            n,
            min,
        )
    }

    /// The dictionary entry of a source token (see `seen`).
    fn token(&self, text: &str) -> Result<Option<index::TokenInfo>> {
        if let Some(&info) = self.seen.borrow().get(text) {
            return Ok(Some(info));
        }
        let info = self.store.token(&self.src_index, text)?;
        if let Some(info) = info {
            self.seen.borrow_mut().insert(text.to_string(), info);
        }
        Ok(info)
    }

    /// The exact score of a unit, `None` if it lacks the language pair.
    fn verify(&self, q: &Query, unit: i64, prev_key: Option<&str>) -> Result<Option<Scored>> {
        let rows = self.store.variant_rows(unit)?;
        let Some(src) = self.pick(&rows) else {
            return Ok(None);
        };
        let stored = Stored {
            key: &src.key,
            plain: &src.plain,
            has_tags: src.has_tags,
        };
        let context_same = || -> bool {
            let Some(prev_key) = prev_key else {
                return false;
            };
            let stored_prev = self.store.context_prev(unit).unwrap_or(None);
            stored_prev.is_some_and(|p| matching_key(&p) == prev_key)
        };
        Ok(Some(score(q, &stored, context_same)))
    }

    /// The source variant (the indexed one: first of its language) if it
    /// matches the requested tag, provided a target variant exists.
    fn pick<'r>(&self, rows: &'r [VariantRow]) -> Option<&'r VariantRow> {
        self.pick_source(rows.iter().map(|r| r.lang.as_str()))
            .map(|si| &rows[si])
    }

    /// The position of the source variant among a unit's variant languages
    /// (see `pick`).
    fn pick_source<'r>(&self, langs: impl Iterator<Item = &'r str> + Clone) -> Option<usize> {
        let si = langs
            .clone()
            .position(|l| index::index_lang(l) == self.src_index)?;
        let mut langs = langs.enumerate();
        let src_ok = langs
            .clone()
            .any(|(i, l)| i == si && lang::matches(&self.src, l));
        (src_ok && langs.any(|(i, l)| i != si && lang::matches(&self.tgt, l))).then_some(si)
    }

    /// Everything a match shows.
    fn details(&self, q: &Query, unit_id: i64, score: u8) -> Result<Match> {
        let unit = self
            .store
            .load_unit(unit_id)?
            .ok_or(TmError::Vanished(unit_id))?;
        let si = unit
            .variants
            .iter()
            .position(|v| index::index_lang(&v.lang) == self.src_index)
            .ok_or(TmError::NoVariant { side: "source" })?;
        let ti = unit
            .variants
            .iter()
            .enumerate()
            .position(|(i, v)| i != si && lang::matches(&self.tgt, &v.lang))
            .ok_or(TmError::NoVariant { side: "target" })?;
        let source = unit.variants[si].seg.plain.clone();
        let target = unit.variants[ti].seg.plain.clone();
        let diff = diff::diff(&source, &q.text);
        let target_fixed = diff::replace_numbers(&q.text, &source, &target);
        Ok(Match {
            unit_id,
            score,
            diff,
            target_fixed,
            origin: unit.origin.clone(),
            date: unit
                .stamp
                .change_date
                .clone()
                .or(unit.stamp.creation_date.clone()),
            source,
            target,
        })
    }

    /// Every unit with the pair, scored one by one: the reference the
    /// filters are tested against (and the bench's truth).
    pub fn brute_force(
        &self,
        q: &Query,
        prev: Option<&str>,
        min: u8,
        top: usize,
    ) -> Result<Vec<(i64, Scored)>> {
        let min = min.clamp(1, 101);
        if !q.can_match(top) {
            return Ok(Vec::new());
        }
        let prev_key = prev.map(matching_key);
        let ids = self.store.unit_ids()?;
        let mut all = Vec::new();
        for id in ids {
            if let Some(s) = self.verify(q, id, prev_key.as_deref())? {
                if s.score >= min {
                    all.push((id, s));
                }
            }
        }
        all.sort_by(rank);
        all.truncate(top);
        Ok(all)
    }
}

/// The index as the candidate search reads it: postings from the TM,
/// bit sets from the matcher's `bitsets`.
struct Reader<'a> {
    src: &'a dyn IndexRead,
    bitsets: &'a mut bitsets::Bitsets,
}

impl candidates::Source for Reader<'_> {
    fn postings(
        &mut self,
        token: &index::TokenInfo,
        lo: u32,
        hi: u32,
        out: &mut candidates::Postings,
    ) -> Result<()> {
        let candidates::Postings { units, groups } = out;
        source::posting_groups(self.src, token.id, lo, hi, units, |len, place, units| {
            groups.push((len, place, units.len()))
        })
    }

    fn units(&mut self, token: &index::TokenInfo) -> Result<Option<&[u64]>> {
        self.bitsets.units(self.src, token)
    }
}

/// Units whose source (first variant in `src_lang`) has the same matching
/// key as `text`, found through the index (the rarest word's postings of
/// exactly that length), newest first.
pub fn units_with_source(
    store: &(impl IndexRead + ?Sized),
    src_lang: &str,
    text: &str,
) -> Result<Vec<i64>> {
    let src =
        lang::normalize(src_lang).ok_or_else(|| TmError::NotALanguage(src_lang.to_string()))?;
    let key = matching_key(text);
    let content = content_tokens(&key);
    if content.is_empty() {
        return Err(TmError::EmptyText(text.to_string()));
    }
    let l = index::index_lang(&src);
    let mut rarest: Option<index::TokenInfo> = None;
    for x in &content {
        match store.token(&l, x)? {
            None => return Ok(Vec::new()),
            Some(t) if rarest.map_or(true, |r| t.df < r.df) => rarest = Some(t),
            Some(_) => {}
        }
    }
    let Some(rarest) = rarest else {
        return Ok(Vec::new());
    };
    let n = content.len() as u32;
    let mut cands = Vec::new();
    source::postings(store, rarest.id, n, n, |u, _, _| cands.push(u as i64))?;
    cands.sort_unstable_by(|a, b| b.cmp(a));
    let mut out = Vec::new();
    for u in cands {
        let rows = store.variant_texts(u)?;
        let first = rows.iter().find(|r| index::index_lang(&r.lang) == l);
        if first.is_some_and(|r| lang::matches(&src, &r.lang) && r.key == key) {
            out.push(u);
        }
    }
    Ok(out)
}

/// Best first: score, then fewer differences as written, then fewer over
/// all key tokens, then newer.
pub fn rank(a: &(i64, Scored), b: &(i64, Scored)) -> std::cmp::Ordering {
    b.1.score
        .cmp(&a.1.score)
        .then(a.1.written.cmp(&b.1.written))
        .then(a.1.detail.cmp(&b.1.detail))
        .then(b.0.cmp(&a.0))
}

mod bitsets;
mod candidates;
#[cfg(test)]
pub(crate) mod tests;

//! The Arabic→English sentence aligner.
//!
//! `align(src, tgt, &opts)` takes the Arabic and English sentences (and, in
//! the options, which paragraph each belongs to) and returns links
//! (1-1, 1-0, 0-1, 2-1, 1-2, 2-2, 3-1, 1-3) with a confidence in [0, 1].
//!
//! How (see `dp` for the search, `features` for what a sentence is,
//! `words` for word forms and stop words, `lexicon` for dictionaries,
//! `moves` for moved material):
//!
//! 1. Every sentence becomes a length and a bag of items: numbers (Arabic
//!    digits folded), Latin-script words, dictionary translations, names
//!    matched across scripts by consonant skeleton (`translit`).
//! 2. Pass one: a DP under a Gale–Church length model whose ratio is the
//!    document's own character ratio, a lexical term (shared items, weighted
//!    by rarity), a penalty for unmatched numbers and a paragraph-boundary
//!    bonus when both sides' paragraphs look comparable.
//! 3. From pass one's confident 1-1 links: the length ratio and variance are
//!    re-estimated, the paragraph bonus is set from how often paragraph ends
//!    agree, and a dictionary is learned from co-occurring words (Dice).
//! 4. Pass two with the refined model.
//! 5. Only with `allow_moves`: out-of-order material (swapped paragraphs):
//!    English paragraphs or runs placed where their evidence says, and runs
//!    left unaligned on one side aligned against unaligned runs elsewhere;
//!    kept only as runs of several links with strong lexical evidence, and
//!    marked `moved`. Without it (the default) the links are in order on
//!    both sides: every link's Arabic and English come after the previous
//!    link's.
//!
//! Confidence starts as the posterior probability of the link under the
//! model (forward–backward over all alignments); for an omission, the
//! chance that its sentence is unaligned wherever the other side stands.
//! The reported score is that posterior calibrated on the dev sets, one
//! monotone map per kind of link (`calibrate`): the share of links at
//! that score that are right. Texts that hardly share a word, name or
//! number may not be translations at all: their scores stay posteriors.

pub mod calibrate;
mod dp;
pub mod features;
pub mod html;
pub mod lexicon;
mod moves;
pub mod translit;
pub mod words;

use dp::{Side, Step};
use features::{Kind, NameIndex, Vocab};
pub use lexicon::{Cooccurrence, Lexicon};

/// One link of an alignment: 0-based sentence indices on each side (one of
/// them empty for an omission), the confidence in [0, 1], and whether it
/// was recovered out of order (only with `AlignOptions::allow_moves`).
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub src: Vec<usize>,
    pub tgt: Vec<usize>,
    pub score: f64,
    /// Moved material: the link's English is out of order with the links
    /// around it (only the links that moved, not the ones they passed).
    pub moved: bool,
}

/// How to align.
#[derive(Debug, Clone)]
pub struct AlignOptions {
    /// Paragraph index of each source sentence (non-decreasing), or empty
    /// when the text has no paragraph information.
    pub src_paragraphs: Vec<usize>,
    /// The same for the target sentences.
    pub tgt_paragraphs: Vec<usize>,
    /// Bilingual dictionary (the built-in core lexicon by default; add a
    /// user dictionary, FreeDict, pairs learned from the TM).
    pub lexicon: Lexicon,
    /// Learn a dictionary from the document itself between the passes.
    pub learn: bool,
    /// Recover material the translation moved (swapped paragraphs): runs
    /// of several links with strong lexical evidence may link out of
    /// order, marked `moved`. Off by default: links follow both texts.
    pub allow_moves: bool,
}

impl Default for AlignOptions {
    fn default() -> Self {
        AlignOptions {
            src_paragraphs: Vec::new(),
            tgt_paragraphs: Vec::new(),
            lexicon: Lexicon::core(),
            learn: true,
            allow_moves: false,
        }
    }
}

/// The links and what the aligner learned about the document.
#[derive(Debug, Clone)]
pub struct Alignment {
    pub links: Vec<Link>,
    /// English characters per Arabic character, as estimated.
    pub ratio: f64,
    /// Standard deviation of English length per √character.
    pub deviation: f64,
    /// Word pairs learned from the document.
    pub learned_pairs: usize,
    /// Links marked `moved` (0 unless `allow_moves`): the fewest links
    /// whose removal leaves the rest in order, not the links they passed.
    pub moved_links: usize,
    /// Was the paragraph structure used (the two sides' paragraphs agree)?
    pub paragraphs_used: bool,
    /// The model's posterior of each link (same order as `links`), before
    /// calibration turned it into the link's score.
    pub posteriors: Vec<f64>,
    /// Share of the pairs whose sides share lexical evidence (≥ 2 nats of
    /// numbers, names, dictionary words): near 1 for a translation, low for
    /// two unrelated texts.
    pub lexical_support: f64,
}

/// Align Arabic sentences `src` with English sentences `tgt`.
pub fn align(src: &[String], tgt: &[String], opts: &AlignOptions) -> Vec<Link> {
    align_detailed(src, tgt, opts).links
}

/// `align`, with the estimates behind it.
pub fn align_detailed(src: &[String], tgt: &[String], opts: &AlignOptions) -> Alignment {
    let mut vocab = Vocab::default();
    let fold_all = || -> Vec<String> {
        src.iter()
            .map(|s| crate::text::normalize::fold(s))
            .collect()
    };
    let read_english = |part: &[String], vocab: &mut Vocab| -> Vec<_> {
        part.iter().map(|t| features::english(t, vocab)).collect()
    };
    // A long text: the Arabic is folded and the second half of the
    // English read (into a vocabulary of its own, then merged, so every
    // item gets the id a reading in one piece gives it) while the first
    // half is read. A short one is not worth a thread.
    let (src_folded, tgt_feats) = if src.len() + tgt.len() >= 2 * PARALLEL_SENTENCES {
        let (first, second) = tgt.split_at(tgt.len() / 2);
        let (folded, mut tgt_feats, (second_vocab, second_feats)) = std::thread::scope(|scope| {
            let folded = scope.spawn(fold_all);
            let second = scope.spawn(|| {
                let mut own = Vocab::default();
                let feats = read_english(second, &mut own);
                (own, feats)
            });
            let first = read_english(first, &mut vocab);
            (
                folded.join().expect("folding does not panic"),
                first,
                second.join().expect("reading does not panic"),
            )
        });
        let id = vocab.absorb(&second_vocab);
        for mut f in second_feats {
            for item in &mut f.items {
                *item = id[*item as usize];
            }
            f.items.sort_unstable();
            tgt_feats.push(f);
        }
        (folded, tgt_feats)
    } else {
        (fold_all(), read_english(tgt, &mut vocab))
    };
    let names = NameIndex::build(&vocab);
    let src_feats = |vocab: &mut Vocab, lex: &Lexicon| -> Vec<_> {
        let mut cache = features::WordItems::default();
        src_folded
            .iter()
            .map(|s| features::arabic(s, vocab, lex, &names, &mut cache))
            .collect()
    };
    let mut lexicon = opts.lexicon.clone();
    let mut src_side = side(
        src_feats(&mut vocab, &lexicon),
        &opts.src_paragraphs,
        &vocab,
        src,
    );
    let tgt_side = side(tgt_feats, &opts.tgt_paragraphs, &vocab, tgt);

    let mut model = initial_model(&src_side, &tgt_side, &vocab, opts);
    let first = dp::align(&src_side, &tgt_side, &model);

    // Learn from the confident part of pass one.
    let rho = refine_model(&mut model, &first, &src_side, &tgt_side);
    let mut learned_pairs = 0;
    if opts.learn {
        let sure: Vec<&Step> = first
            .iter()
            .filter(|s| s.a == 1 && s.b == 1 && s.post >= 0.9)
            .collect();
        // A book has more sure links than learning needs; an even sample
        // keeps the co-occurrence table small.
        let every = sure.len().div_ceil(MAX_LEARN_LINKS).max(1);
        let links = sure
            .iter()
            .step_by(every)
            .map(|s| (src[s.i - 1].as_str(), tgt[s.j - 1].as_str()));
        let learned = lexicon::learn_lexicon(links, 2, 0.7);
        learned_pairs = learned.pairs().len();
        if learned_pairs > 0 {
            lexicon.extend(&learned);
            src_side = side(
                src_feats(&mut vocab, &lexicon),
                &opts.src_paragraphs,
                &vocab,
                src,
            );
        }
    }
    model.weight = weights(&vocab, &tgt_side, rho);
    model.is_number = vocab.kinds.iter().map(|k| *k == Kind::Number).collect();
    model.miss_penalty = -(1.0 - rho).ln();
    let (steps, cost) = dp::align_near(&src_side, &tgt_side, &model, &first);
    let links = if opts.allow_moves {
        moves::with_moves(steps, cost, &src_side, &tgt_side, opts, &model)
    } else {
        path_links(&steps)
    };
    // How many pairs share real evidence: translations do, unrelated
    // texts that merely have the right lengths do not. Pairs with nothing
    // to share on one side (a speaker label, "Yes.") say neither.
    let has_items = |ids: &[usize], side: &Side| ids.iter().any(|&k| !side.items[k].is_empty());
    let pairs: Vec<&Link> = links
        .iter()
        .filter(|l| has_items(&l.src, &src_side) && has_items(&l.tgt, &tgt_side))
        .collect();
    let supported = pairs
        .iter()
        .filter(|l| link_evidence(l, &src_side, &tgt_side, &model) >= 2.0)
        .count();
    let lexical_support = if pairs.is_empty() {
        0.0
    } else {
        supported as f64 / pairs.len() as f64
    };
    let moved_links = links.iter().filter(|l| l.moved).count();
    let posteriors: Vec<f64> = links.iter().map(|l| l.score).collect();
    let mut links = links;
    // The map was fitted on translations; texts that share too little
    // may not be one (see `calibrate::MIN_SUPPORT`).
    if lexical_support >= calibrate::MIN_SUPPORT {
        for l in &mut links {
            let kind = calibrate::LinkKind::of(l.src.len(), l.tgt.len());
            l.score = calibrate::score(&calibrate::FITTED, kind, l.score);
        }
    }
    Alignment {
        links,
        posteriors,
        ratio: model.ratio,
        deviation: model.var.sqrt(),
        learned_pairs,
        moved_links,
        paragraphs_used: model.para_bonus > 0.0,
        lexical_support,
    }
}

/// One side as the DP sees it: the sentences' features (`texts` are the
/// sentences themselves) and where their paragraphs end.
fn side(
    feats: Vec<features::Features>,
    paragraphs: &[usize],
    vocab: &Vocab,
    texts: &[String],
) -> Side {
    let n = feats.len();
    let lead_in: Vec<bool> = texts.iter().map(|t| is_lead_in(t)).collect();
    // A blank line after a lead-in is layout, not the end of a paragraph:
    // the sentence goes on below it.
    let para_end = if paragraphs.len() == n {
        (0..n)
            .map(|i| i + 1 == n || paragraphs[i + 1] != paragraphs[i] && !lead_in[i])
            .collect()
    } else {
        vec![false; n]
    };
    let mut out = Side {
        para_end,
        lead_in,
        ..Side::default()
    };
    for f in feats {
        out.len.push(f.len);
        out.trans.push(f.trans);
        out.nums.push(
            f.items
                .iter()
                .filter(|&&id| vocab.kinds[id as usize] == Kind::Number)
                .count() as u16,
        );
        out.items.push(f.items);
    }
    out
}

/// A lead-in opens the sentence on the next line: at most this many words
/// ending in a comma, semicolon or colon (`Now, therefore,`, `يعلن ما
/// يلي:`, a speaker's `NR:`). Three words: a connective or a label, not
/// a clause of its own (a recital ending in a comma stays a unit, which
/// a translation may leave out whole); from two to eight words every
/// dev set's F1 is the same.
const LEAD_IN_WORDS: usize = 3;

fn is_lead_in(text: &str) -> bool {
    text.split_whitespace().count() <= LEAD_IN_WORDS
        && text
            .trim_end()
            .chars()
            .next_back()
            .is_some_and(|c| matches!(c, ',' | ';' | ':' | '\u{060C}' | '\u{061B}'))
}

/// Evidence per shared item, a log-likelihood ratio: ln(ρ / q), where ρ is
/// the chance that the item, present on the Arabic side of a right link,
/// shows on the English side (numbers and names almost always do, a
/// dictionary word less often: translators paraphrase), and q the chance
/// that it shows in a random English sentence (its document frequency).
fn weights(vocab: &Vocab, tgt: &Side, rho_word: f64) -> Vec<f32> {
    let mut df = vec![0u32; vocab.kinds.len()];
    for items in &tgt.items {
        let mut prev = u32::MAX;
        for &id in items {
            if id != prev {
                df[id as usize] += 1;
            }
            prev = id;
        }
    }
    let n = tgt.n() as f64 + 1.0;
    vocab
        .kinds
        .iter()
        .zip(&df)
        .map(|(kind, &d)| {
            let rho = match kind {
                Kind::Number => 0.9,
                Kind::Name => 0.8,
                Kind::Word => rho_word,
            };
            let q = ((f64::from(d) + 0.5) / n).min(1.0);
            (rho / q).ln().clamp(0.05, 4.0) as f32
        })
        .collect()
}

/// The initial guess of ρ for dictionary words (see `weights`).
const RHO_WORD: f64 = 0.35;

fn paragraph_count(paragraphs: &[usize]) -> usize {
    let mut p = paragraphs.to_vec();
    p.dedup();
    p.len()
}

fn initial_model(src: &Side, tgt: &Side, vocab: &Vocab, opts: &AlignOptions) -> dp::Model {
    let ls: f64 = src.len.iter().map(|&x| f64::from(x)).sum();
    let lt: f64 = tgt.len.iter().map(|&x| f64::from(x)).sum();
    let ratio = if ls > 0.0 && lt > 0.0 {
        (lt / ls).clamp(0.3, 4.0)
    } else {
        1.25
    };
    let (ps, pt) = (
        paragraph_count(&opts.src_paragraphs),
        paragraph_count(&opts.tgt_paragraphs),
    );
    let comparable = ps >= 2 && pt >= 2 && {
        let r = ps as f64 / pt as f64;
        (0.67..=1.5).contains(&r)
    };
    dp::Model {
        ratio,
        var: 8.0 * ratio,
        prior: dp::Model::default_priors(),
        weight: weights(vocab, tgt, RHO_WORD),
        is_number: vocab.kinds.iter().map(|k| *k == Kind::Number).collect(),
        para_bonus: if comparable { 1.5 } else { 0.0 },
        number_penalty: 1.5,
        miss_penalty: -(1.0 - RHO_WORD).ln(),
    }
}

/// Re-estimate the length model and the paragraph bonus from the confident
/// 1-1 links of a first pass; returns the estimated ρ of dictionary words
/// (see `weights`).
fn refine_model(model: &mut dp::Model, steps: &[Step], src: &Side, tgt: &Side) -> f64 {
    let sure: Vec<&Step> = steps
        .iter()
        .filter(|s| s.a == 1 && s.b == 1 && s.post >= 0.9)
        .collect();
    if sure.len() >= 5 {
        let ls: f64 = sure.iter().map(|s| f64::from(src.len[s.i - 1])).sum();
        let lt: f64 = sure.iter().map(|s| f64::from(tgt.len[s.j - 1])).sum();
        if ls > 0.0 && lt > 0.0 {
            let ratio = (lt / ls).clamp(0.3, 4.0);
            let var: f64 = sure
                .iter()
                .map(|s| {
                    let (a, b) = (f64::from(src.len[s.i - 1]), f64::from(tgt.len[s.j - 1]));
                    let mean = ((a + b / ratio) / 2.0).max(1.0);
                    (b - ratio * a).powi(2) / mean
                })
                .sum::<f64>()
                / sure.len() as f64;
            model.ratio = ratio;
            // Shrink towards the prior guess: a few links make a noisy
            // estimate, and too small a variance makes every merge look bad.
            let k = sure.len() as f64;
            model.var = ((var * k + 8.0 * ratio * 10.0) / (k + 10.0)).clamp(2.0, 80.0);
        }
    }
    // Paragraph ends: used only when they agree on both sides.
    let (mut both, mut one) = (0u32, 0u32);
    for s in steps.iter().filter(|s| s.a > 0 && s.b > 0) {
        match (src.para_end[s.i - 1], tgt.para_end[s.j - 1]) {
            (true, true) => both += 1,
            (true, false) | (false, true) => one += 1,
            _ => {}
        }
    }
    let agreement = if both + one > 0 {
        f64::from(both) / f64::from(both + one)
    } else {
        0.0
    };
    model.para_bonus = if both >= 2 && agreement >= 0.6 {
        2.5 * agreement
    } else {
        0.0
    };
    // ρ: how many translatable source words met their translation.
    let (mut met, mut could) = (0u32, 0u32);
    for s in &sure {
        met += dp::matched_words(src, tgt, model, s);
        could += u32::from(src.trans[s.i - 1]);
    }
    if could >= 20 {
        // Shrunk towards the prior guess, like the variance.
        ((f64::from(met) + RHO_WORD * 20.0) / (f64::from(could) + 20.0)).clamp(0.1, 0.8)
    } else {
        RHO_WORD
    }
}

/// From this many sentences a side on, the texts are read on more than
/// one thread.
const PARALLEL_SENTENCES: usize = 500;

/// How many sure links the in-document dictionary learns from at most.
pub const MAX_LEARN_LINKS: usize = 3000;

/// A step of the path as a link.
fn step_link(s: &Step) -> Link {
    Link {
        src: (s.i - s.a..s.i).collect(),
        tgt: (s.j - s.b..s.j).collect(),
        score: s.post,
        moved: false,
    }
}

/// The links of a monotone path.
fn path_links(steps: &[Step]) -> Vec<Link> {
    steps.iter().map(step_link).collect()
}

/// The lexical evidence (nats) a link's two sides share.
fn link_evidence(l: &Link, src: &Side, tgt: &Side, model: &dp::Model) -> f64 {
    let a: Vec<&[u32]> = l.src.iter().map(|&i| src.items[i].as_slice()).collect();
    let b: Vec<&[u32]> = l.tgt.iter().map(|&j| tgt.items[j].as_slice()).collect();
    dp::shared_evidence(&a, &b, model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lead_in_is_a_few_words_ending_open_and_ends_no_paragraph() {
        for t in [
            "Now, therefore,",
            "فإنه الآن،",
            "يعلن ما يلي:",
            "NR:",
            "Whereas;",
        ] {
            assert!(is_lead_in(t), "{t}");
        }
        for t in [
            "The General Assembly",
            "Now, therefore.",
            "Whereas it is essential to promote friendly relations,",
            "",
        ] {
            assert!(!is_lead_in(t), "{t}");
        }
        let texts: Vec<String> = ["Now, therefore,", "The General Assembly", "Proclaims this."]
            .iter()
            .map(|t| t.to_string())
            .collect();
        let feats = vec![features::Features::default(); 3];
        let side = side(feats, &[0, 1, 2], &Vocab::default(), &texts);
        assert_eq!(side.para_end, [false, true, true]);
        assert_eq!(side.lead_in, [true, false, false]);
    }
}

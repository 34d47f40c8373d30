//! The Arabic→English sentence aligner.
//!
//! `align(src, tgt, &opts)` takes the Arabic and English sentences (and, in
//! the options, which paragraph each belongs to) and returns links
//! (1-1, 1-0, 0-1, 2-1, 1-2, 2-2, 3-1, 1-3) with a confidence in [0, 1].
//!
//! How (see `dp` for the search, `features` for what a sentence is,
//! `words` for word forms and stop words, `lexicon` for dictionaries):
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
//! Confidence is the posterior probability of the link under the model
//! (forward–backward over all alignments); for an omission, the chance
//! that its sentence is unaligned wherever the other side stands.

mod dp;
pub mod features;
pub mod html;
pub mod lexicon;
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
    );
    let tgt_side = side(tgt_feats, &opts.tgt_paragraphs, &vocab);

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
            );
        }
    }
    model.weight = weights(&vocab, &tgt_side, rho);
    model.is_number = vocab.kinds.iter().map(|k| *k == Kind::Number).collect();
    model.miss_penalty = -(1.0 - rho).ln();
    let (steps, cost) = dp::align_near(&src_side, &tgt_side, &model, &first);
    let links = if opts.allow_moves {
        with_moves(steps, cost, &src_side, &tgt_side, opts, &model)
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
    Alignment {
        links,
        ratio: model.ratio,
        deviation: model.var.sqrt(),
        learned_pairs,
        moved_links,
        paragraphs_used: model.para_bonus > 0.0,
        lexical_support,
    }
}

fn side(feats: Vec<features::Features>, paragraphs: &[usize], vocab: &Vocab) -> Side {
    let n = feats.len();
    let para_end = if paragraphs.len() == n {
        (0..n)
            .map(|i| i + 1 == n || paragraphs[i + 1] != paragraphs[i])
            .collect()
    } else {
        vec![false; n]
    };
    let mut out = Side {
        para_end,
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

/// A new order for the English sentences (old indices in new order) when
/// some English paragraph clearly translates an Arabic paragraph that comes
/// earlier or later than the order says: each English paragraph is placed
/// at the Arabic paragraph it shares the most evidence with (when that is
/// clear), paragraphs without a clear match travel with the one before.
fn paragraph_order(
    src: &Side,
    tgt: &Side,
    opts: &AlignOptions,
    model: &dp::Model,
) -> Option<Vec<usize>> {
    let groups = |paras: &[usize], n: usize| -> Vec<std::ops::Range<usize>> {
        let mut out: Vec<std::ops::Range<usize>> = Vec::new();
        if paras.len() != n {
            return out;
        }
        for (i, &p) in paras.iter().enumerate() {
            match out.last_mut() {
                Some(r) if paras[r.start] == p => r.end = i + 1,
                _ => out.push(i..i + 1),
            }
        }
        out
    };
    let sp = groups(&opts.src_paragraphs, src.n());
    let tp = groups(&opts.tgt_paragraphs, tgt.n());
    if sp.len() < 3 || tp.len() < 3 || sp.len() * tp.len() > 250_000 {
        return None;
    }
    let bag = |side: &Side, r: &std::ops::Range<usize>| -> Vec<u32> {
        let mut v: Vec<u32> = side.items[r.clone()].iter().flatten().copied().collect();
        v.sort_unstable();
        v
    };
    let sbags: Vec<Vec<u32>> = sp.iter().map(|r| bag(src, r)).collect();
    let mut keys: Vec<(usize, usize)> = Vec::with_capacity(tp.len());
    let mut last = 0;
    let mut moved = false;
    for (q, r) in tp.iter().enumerate() {
        let tb = bag(tgt, r);
        let mut scores: Vec<(f64, usize)> = sbags
            .iter()
            .enumerate()
            .map(|(p, sb)| (dp::shared_weight(sb, &tb, model), p))
            .collect();
        scores.sort_by(|x, y| y.0.total_cmp(&x.0));
        let (best, p) = scores[0];
        let second = scores.get(1).map_or(0.0, |x| x.0);
        if best >= 4.0 && best >= 2.0 * second {
            if p < last {
                moved = true;
            }
            last = p;
        }
        keys.push((last, q));
    }
    if !moved {
        return None;
    }
    keys.sort();
    let order: Vec<usize> = keys.iter().flat_map(|&(_, q)| tp[q].clone()).collect();
    (order.iter().enumerate().any(|(k, &j)| k != j)).then_some(order)
}

/// Does the English order `candidate` explain the stretch of text where it
/// differs from `order` (aligned as `steps`) better, by the same 2 nats a
/// move must win by? The stretch runs between two nodes of the current
/// path a few sentences outside the changed positions; both orders are
/// aligned there between the same end points, so a gain here is a gain
/// of at least as much for the whole text.
fn local_gain(
    steps: &[Step],
    src: &Side,
    tgt: &Side,
    order: &[usize],
    candidate: &[usize],
    model: &dp::Model,
) -> bool {
    let changed = |k: &usize| order[*k] != candidate[*k];
    let (Some(k0), Some(k1)) = (
        (0..order.len()).find(changed),
        (0..order.len()).rev().find(changed),
    ) else {
        return false;
    };
    const MARGIN: usize = 8;
    // Path nodes: node p is where step p-1 ends ((0, 0) before the first).
    let node = |p: usize| {
        if p == 0 {
            (0, 0)
        } else {
            (steps[p - 1].i, steps[p - 1].j)
        }
    };
    let first = (0..=steps.len())
        .rev()
        .find(|&p| node(p).1 + MARGIN <= k0)
        .unwrap_or(0);
    let last = (first..=steps.len())
        .find(|&p| node(p).1 > k1 + MARGIN)
        .unwrap_or(steps.len());
    let (start, end) = (node(first), node(last));
    let sub_src = dp::slice(src, start.0..end.0);
    let stretch = |o: &[usize]| dp::permute(tgt, &o[start.1..end.1]);
    // The current path between the two nodes, shifted to the stretch.
    let path: Vec<Step> = steps[first..last]
        .iter()
        .map(|s| Step {
            i: s.i - start.0,
            j: s.j - start.1,
            ..*s
        })
        .collect();
    let before = dp::path_cost(&sub_src, &stretch(order), model, &path);
    let after = dp::best_cost(&sub_src, &stretch(candidate), model);
    after + 2.0 < before
}

/// From this many sentences a side on, the texts are read on more than
/// one thread.
const PARALLEL_SENTENCES: usize = 500;

/// How many sure links the in-document dictionary learns from at most.
pub const MAX_LEARN_LINKS: usize = 3000;

/// How many re-orderings of the English are tried (each costs a DP run).
const MAX_REORDER_TRIALS: usize = 4;

/// Candidate re-orderings of the English (as orders of the original
/// indices, best last): for a run of Arabic sentences the path leaves
/// unaligned, the English sentences elsewhere that match them clearly are
/// moved to where the run is.
fn block_moves(
    steps: &[Step],
    src: &Side,
    tgt: &Side,
    order: &[usize],
    model: &dp::Model,
) -> Vec<Vec<usize>> {
    let m = tgt.n();
    if m > 20_000 {
        return Vec::new();
    }
    // The evidence each English sentence's current link already has: an
    // English sentence linked at least as well as an unaligned Arabic one
    // would link it (a repeated sentence, a formula) is not moved material.
    let mut held = vec![0.0; m];
    for s in steps.iter().filter(|s| s.a > 0 && s.b > 0) {
        let evidence = dp::evidence(src, tgt, model, s);
        held[s.j - s.b..s.j].fill(evidence);
    }
    // Unaligned Arabic runs, with the English position the path is at.
    let mut runs: Vec<(std::ops::Range<usize>, usize)> = Vec::new();
    for s in steps.iter().filter(|s| s.b == 0) {
        match runs.last_mut() {
            Some((r, _)) if r.end == s.i - 1 => r.end = s.i,
            _ => runs.push((s.i - 1..s.i, s.j)),
        }
    }
    let mut out: Vec<(f64, Vec<usize>)> = Vec::new();
    for (run, at) in runs.into_iter().take(32) {
        let mut hits: Vec<usize> = Vec::new();
        let mut total = 0.0;
        for s in run.clone() {
            let best = (0..m)
                .map(|t| (dp::shared_weight(&src.items[s], &tgt.items[t], model), t))
                .max_by(|x, y| x.0.total_cmp(&y.0));
            if let Some((w, t)) = best.filter(|b| b.0 >= 4.0 && b.0 > held[b.1]) {
                hits.push(t);
                total += w;
            }
        }
        let (Some(&lo), Some(&hi)) = (hits.iter().min(), hits.iter().max()) else {
            continue;
        };
        let window = lo..hi + 1;
        if window.contains(&at) || window.len() > 2 * run.len() + 2 || (lo == at) {
            continue;
        }
        let mut seq: Vec<usize> = (0..m).filter(|t| !window.contains(t)).collect();
        let insert_at = if window.end <= at {
            at - window.len()
        } else {
            at
        };
        let tail = seq.split_off(insert_at.min(seq.len()));
        seq.extend(window);
        seq.extend(tail);
        out.push((total, seq.iter().map(|&k| order[k]).collect()));
    }
    out.sort_by(|x, y| x.0.total_cmp(&y.0));
    out.into_iter().map(|(_, o)| o).collect()
}

/// A run of consecutive omission steps: the source and target sentences
/// left unaligned there.
struct Gap {
    src: std::ops::Range<usize>,
    tgt: std::ops::Range<usize>,
}

/// Links for unaligned source runs matched with unaligned target runs
/// elsewhere (material moved or swapped), when the sub-alignment has
/// lexical support: candidates to replace their omissions.
fn find_crossings(steps: &[Step], src: &Side, tgt: &Side, model: &dp::Model) -> Vec<Link> {
    let mut gaps: Vec<Gap> = Vec::new();
    let mut in_gap = false;
    for s in steps {
        if s.a > 0 && s.b > 0 {
            in_gap = false;
            continue;
        }
        if !in_gap {
            gaps.push(Gap {
                src: s.i - s.a..s.i - s.a,
                tgt: s.j - s.b..s.j - s.b,
            });
            in_gap = true;
        }
        let g = gaps.last_mut().expect("a gap was just pushed");
        if s.a > 0 {
            if g.src.is_empty() {
                g.src = s.i - 1..s.i;
            } else {
                g.src.end = s.i;
            }
        }
        if s.b > 0 {
            if g.tgt.is_empty() {
                g.tgt = s.j - 1..s.j;
            } else {
                g.tgt.end = s.j;
            }
        }
    }
    let mut recovered: Vec<Link> = Vec::new();
    let mut used_src = vec![false; src.n()];
    let mut used_tgt = vec![false; tgt.n()];
    let small = |r: &std::ops::Range<usize>| !r.is_empty() && r.len() <= 300;
    if gaps.len() > 60 {
        return recovered;
    }
    for (x, gs) in gaps.iter().enumerate() {
        for (y, gt) in gaps.iter().enumerate() {
            if x == y || !small(&gs.src) || !small(&gt.tgt) {
                continue;
            }
            if gs.src.clone().any(|i| used_src[i]) || gt.tgt.clone().any(|j| used_tgt[j]) {
                continue;
            }
            let sub_src = dp::slice(src, gs.src.clone());
            let sub_tgt = dp::slice(tgt, gt.tgt.clone());
            for s in dp::align(&sub_src, &sub_tgt, model) {
                if s.a == 0 || s.b == 0 || s.post < 0.5 {
                    continue;
                }
                let evidence = dp::evidence(&sub_src, &sub_tgt, model, &s);
                if evidence < 3.0 {
                    continue;
                }
                let link = Link {
                    src: (gs.src.start + s.i - s.a..gs.src.start + s.i).collect(),
                    tgt: (gt.tgt.start + s.j - s.b..gt.tgt.start + s.j).collect(),
                    score: s.post,
                    moved: false,
                };
                link.src.iter().for_each(|&i| used_src[i] = true);
                link.tgt.iter().for_each(|&j| used_tgt[j] = true);
                recovered.push(link);
            }
        }
    }
    recovered
}

/// The path's links with the `recovered` ones in place of the omissions
/// they replace, each recovered link at its first source sentence; the
/// flag says which links were recovered.
fn assemble(steps: &[Step], recovered: &[Link], n: usize, m: usize) -> Vec<(Link, bool)> {
    let mut used_src = vec![false; n];
    let mut used_tgt = vec![false; m];
    for l in recovered {
        l.src.iter().for_each(|&i| used_src[i] = true);
        l.tgt.iter().for_each(|&j| used_tgt[j] = true);
    }
    let mut pending: Vec<&Link> = recovered.iter().collect();
    pending.sort_by_key(|l| std::cmp::Reverse(l.src[0]));
    let mut links = Vec::with_capacity(steps.len());
    for s in steps {
        if s.b == 0 && used_src[s.i - 1] {
            // Replaced by a recovered link, emitted at its first sentence.
            while pending.last().is_some_and(|r| r.src[0] < s.i) {
                let r = pending.pop().expect("checked");
                if r.src[0] == s.i - 1 {
                    links.push((r.clone(), true));
                }
            }
            continue;
        }
        if s.a == 0 && used_tgt[s.j - 1] {
            continue;
        }
        links.push((step_link(s), false));
    }
    links
}

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

/// Mark as `moved` the fewest links whose removal leaves the others in
/// order on the English side (the complement of a longest increasing
/// run of first English ids, links in Arabic order): a paragraph moved
/// ten paragraphs up marks its own links, not the ten it passed.
fn mark_moved(links: &mut [Link]) {
    let with_tgt: Vec<usize> = (0..links.len())
        .filter(|&k| !links[k].tgt.is_empty())
        .collect();
    // Patience sorting: tails[len-1] = index (into with_tgt) of the
    // smallest last element of an increasing run of that length.
    let key = |k: usize| links[with_tgt[k]].tgt[0];
    let mut tails: Vec<usize> = Vec::new();
    let mut prev = vec![usize::MAX; with_tgt.len()];
    for (k, before) in prev.iter_mut().enumerate() {
        let pos = tails.partition_point(|&t| key(t) < key(k));
        if pos > 0 {
            *before = tails[pos - 1];
        }
        if pos == tails.len() {
            tails.push(k);
        } else {
            tails[pos] = k;
        }
    }
    let mut keep = vec![false; with_tgt.len()];
    let mut k = tails.last().copied().unwrap_or(usize::MAX);
    while k != usize::MAX {
        keep[k] = true;
        k = prev[k];
    }
    for (k, &at) in with_tgt.iter().enumerate() {
        links[at].moved = !keep[k];
    }
}

/// The runs of moved links (indices into `links`): moved links next to
/// each other in Arabic order, omissions of the Arabic between them
/// allowed.
fn moved_runs(links: &[Link]) -> Vec<Vec<usize>> {
    let mut runs: Vec<Vec<usize>> = Vec::new();
    let mut open = false;
    for (k, l) in links.iter().enumerate() {
        if l.moved {
            if open {
                runs.last_mut().expect("open run").push(k);
            } else {
                runs.push(vec![k]);
                open = true;
            }
        } else if !l.tgt.is_empty() {
            open = false;
        }
    }
    runs
}

/// Is a run of moved links worth keeping: several links, each with
/// strong lexical evidence?
fn strong_run(run: &[usize], links: &[Link], src: &Side, tgt: &Side, model: &dp::Model) -> bool {
    let total: f64 = run
        .iter()
        .map(|&k| link_evidence(&links[k], src, tgt, model))
        .sum();
    run.len() >= MIN_MOVED_RUN
        && total >= MIN_MOVED_EVIDENCE * run.len() as f64
        && run
            .iter()
            .all(|&k| link_evidence(&links[k], src, tgt, model) >= MIN_MOVED_EVIDENCE / 2.0)
}

/// A moved run has at least this many links.
const MIN_MOVED_RUN: usize = 2;
/// Nats of shared evidence a moved link has on average (at least half of
/// it each).
const MIN_MOVED_EVIDENCE: f64 = 4.0;

/// The links of the path `steps` through the English in `order`, with
/// recovered crossings, in original English ids, moved ones marked; None
/// when a moved run is too short or too weak to trust and is not one
/// that can simply be left unaligned.
fn checked_moves(
    steps: &[Step],
    order: &[usize],
    src: &Side,
    tgt: &Side,
    model: &dp::Model,
) -> Option<Vec<Link>> {
    let permuted = dp::permute(tgt, order);
    let mut recovered = find_crossings(steps, src, &permuted, model);
    loop {
        let assembled = assemble(steps, &recovered, src.n(), tgt.n());
        let mut links: Vec<Link> = assembled.iter().map(|(l, _)| l.clone()).collect();
        for link in &mut links {
            for j in &mut link.tgt {
                *j = order[*j];
            }
        }
        mark_moved(&mut links);
        let weak: Vec<Vec<usize>> = moved_runs(&links)
            .into_iter()
            .filter(|run| !strong_run(run, &links, src, tgt, model))
            .collect();
        if weak.is_empty() {
            return Some(links);
        }
        // Weak runs of recovered links go back to being omissions; a weak
        // run the re-ordering made condemns the re-ordering.
        let mut dropped = Vec::new();
        for run in &weak {
            if !run.iter().all(|&k| assembled[k].1) {
                return None;
            }
            dropped.extend(run.iter().map(|&k| assembled[k].0.src[0]));
        }
        recovered.retain(|l| !dropped.contains(&l.src[0]));
    }
}

/// Alignment allowing moved material: the English re-ordered (whole
/// paragraphs, then runs the path left unaligned) when that explains the
/// texts better, and unaligned runs matched across the text; moved runs
/// kept only when several links with strong evidence.
fn with_moves(
    steps: Vec<Step>,
    cost: f64,
    src_side: &Side,
    tgt_side: &Side,
    opts: &AlignOptions,
    model: &dp::Model,
) -> Vec<Link> {
    let in_order = steps.clone();
    let (mut steps, mut cost) = (steps, cost);
    let identity: Vec<usize> = (0..tgt_side.n()).collect();
    let mut order = identity.clone();
    let mut candidates: Vec<Vec<usize>> = Vec::new();
    if let Some(perm) = paragraph_order(src_side, tgt_side, opts, model) {
        candidates.push(perm);
    }
    let mut trials = 0;
    // Each trial is a full alignment: fewer on long texts.
    let max_trials = if src_side.n() + tgt_side.n() <= 4_000 {
        MAX_REORDER_TRIALS
    } else {
        1
    };
    while trials < max_trials {
        let Some(candidate) = candidates.pop() else {
            let moved = dp::permute(tgt_side, &order);
            candidates = block_moves(&steps, src_side, &moved, &order, model);
            if candidates.is_empty() {
                break;
            }
            continue;
        };
        trials += 1;
        let moved = dp::permute(tgt_side, &candidate);
        // Most candidates lose: first compare the stretch they change.
        if !local_gain(&steps, src_side, tgt_side, &order, &candidate, model) {
            continue;
        }
        let (moved_steps, moved_cost) = dp::align_scored(src_side, &moved, model);
        if moved_cost + 2.0 < cost {
            steps = moved_steps;
            cost = moved_cost;
            order = candidate;
            candidates.clear();
        }
    }
    checked_moves(&steps, &order, src_side, tgt_side, model)
        .or_else(|| checked_moves(&in_order, &identity, src_side, tgt_side, model))
        .unwrap_or_else(|| path_links(&in_order))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(items: &[&[u32]]) -> dp::Side {
        let n = items.len();
        dp::Side {
            len: vec![40.0; n],
            items: items.iter().map(|x| x.to_vec()).collect(),
            nums: vec![0; n],
            trans: vec![0; n],
            para_end: vec![false; n],
        }
    }

    fn model() -> dp::Model {
        dp::Model {
            ratio: 1.0,
            var: 10.0,
            prior: dp::Model::default_priors(),
            weight: vec![4.0; 8],
            is_number: vec![false; 8],
            para_bonus: 0.0,
            number_penalty: 1.0,
            miss_penalty: 0.0,
        }
    }

    fn step(a: usize, b: usize, i: usize, j: usize) -> Step {
        Step {
            a,
            b,
            i,
            j,
            post: 1.0,
        }
    }

    #[test]
    fn an_unaligned_sentence_moves_its_unaligned_english_match_to_it() {
        // Arabic 2 = English 1, which the path left out before English 2.
        let src = side(&[&[1], &[4], &[2, 3]]);
        let tgt = side(&[&[1], &[2, 3], &[4]]);
        let steps = [
            step(1, 1, 1, 1),
            step(0, 1, 1, 2),
            step(1, 1, 2, 3),
            step(1, 0, 3, 3),
        ];
        let moves = block_moves(&steps, &src, &tgt, &[0, 1, 2], &model());
        assert_eq!(moves, [vec![0, 2, 1]]);
    }

    #[test]
    fn a_repeated_sentence_does_not_take_an_english_sentence_linked_as_well() {
        // Arabic 3 repeats Arabic 1, whose link already holds English 1.
        let src = side(&[&[1], &[2, 3], &[4], &[2, 3], &[5]]);
        let tgt = side(&[&[1], &[2, 3], &[4], &[5]]);
        let steps = [
            step(1, 1, 1, 1),
            step(1, 1, 2, 2),
            step(1, 1, 3, 3),
            step(1, 0, 4, 3),
            step(1, 1, 5, 4),
        ];
        let moves = block_moves(&steps, &src, &tgt, &[0, 1, 2, 3], &model());
        assert!(moves.is_empty(), "{moves:?}");
    }
}

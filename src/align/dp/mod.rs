//! The dynamic programme: the best monotone sequence of beads (1-1, 1-0,
//! 0-1, 2-1, 1-2, 2-2, 3-1, 1-3) under a cost that adds a bead-type prior,
//! a Gale–Church length term, a lexical term and a paragraph term, all in
//! nats (−ln probability). Each bead's confidence is its posterior
//! probability over *all* alignments (forward–backward), not a score
//! threshold: the chance the link is right, given the model.
//!
//! Long inputs are aligned coarse to fine (as vecalign does): adjacent
//! sentences are paired into blocks, the blocks aligned recursively, and the
//! block path, widened by a few cells, becomes the band the finer level
//! searches. Time and memory grow linearly with the text.
//!
//! This file holds the model (`Side`, `Model`, `Step`) and the entry
//! points; the search itself is in the submodules: `band` (which cells a
//! level searches, coarse to fine), `lex` (what sentences share),
//! `lattice` (the bead cost and the forward–backward pass) and `solve`
//! (a long band cut in two and solved on two threads). What a sentence's
//! items are is not decided here (see `features`), nor how passes follow
//! each other (see the parent module).

mod band;
mod lattice;
mod lex;
mod solve;
#[cfg(test)]
mod tests;

use band::{band_for, Band, FULL_LIMIT, NEAR_MARGIN};
use lattice::Lattice;
use lex::{multi_lex, pair_lex};
use solve::{bead_index, solve};

/// The bead types, as (source sentences, target sentences).
pub(crate) const BEADS: [(usize, usize); 8] = [
    (1, 1),
    (1, 0),
    (0, 1),
    (2, 1),
    (1, 2),
    (2, 2),
    (3, 1),
    (1, 3),
];

/// Items a coarse block keeps at most.
const COARSE_ITEMS: usize = 48;

/// One side of the text as the DP sees it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Side {
    pub len: Vec<f32>,
    /// Sorted item ids per sentence (multisets).
    pub items: Vec<Vec<u32>>,
    /// How many of the items are numbers.
    pub nums: Vec<u16>,
    /// How many words have a known translation (source side): in a right
    /// link most of them should meet their translation.
    pub trans: Vec<u16>,
    /// Does the sentence end a paragraph?
    pub para_end: Vec<bool>,
    /// Is the sentence a lead-in (`Now, therefore,`, a speaker's `NR:`),
    /// the opening of the sentence after it set on a line of its own? Not
    /// a scrap: its omission gets no short-line discount.
    pub lead_in: Vec<bool>,
}

impl Side {
    pub fn n(&self) -> usize {
        self.len.len()
    }

    /// Pair adjacent sentences into blocks (the last may stay single).
    /// Blocks keep only informative items (numbers, and items worth at
    /// least a nat), each once, at most `COARSE_ITEMS` of the most
    /// informative: a coarse level only has to find the way, and like
    /// vecalign's averaged block embeddings a block's description must not
    /// grow with its size, or every level would cost as much as the finest.
    fn coarsen(&self, model: &Model) -> Side {
        let n = self.n();
        let mut out = Side::default();
        let mut i = 0;
        while i < n {
            let k = (i + 2).min(n);
            out.len.push(self.len[i..k].iter().sum());
            // Each sentence's items are sorted: merge, not sort.
            let mut items = if k - i == 2 {
                merge_sorted(&self.items[i], &self.items[i + 1])
            } else {
                self.items[i].clone()
            };
            items.dedup();
            let weight = |id: u32| {
                let id = id as usize;
                if model.is_number.get(id).copied().unwrap_or(false) {
                    f32::MAX
                } else {
                    model.weight.get(id).copied().unwrap_or(0.0)
                }
            };
            items.retain(|&id| weight(id) >= 1.0);
            if items.len() > COARSE_ITEMS {
                // A bottom-k sketch: numbers, then the items with the
                // smallest hash. Both sides pick by the same hash, so the
                // items they share survive on both (where picking by weight
                // would keep different ones on each side).
                let key = |id: u32| (weight(id) < f32::MAX, id.wrapping_mul(0x9E37_79B1));
                // The key is one-to-one, so selecting the k smallest
                // keeps the same set as sorting them all would.
                items.select_nth_unstable_by_key(COARSE_ITEMS, |&id| key(id));
                items.truncate(COARSE_ITEMS);
                items.sort_unstable();
            }
            let nums = items.iter().filter(|&&id| weight(id) == f32::MAX).count();
            out.nums.push(nums as u16);
            // No missed-translation charge at coarse levels: the sketch
            // drops most items on purpose.
            out.trans.push(0);
            out.items.push(items);

            out.para_end.push(self.para_end[k - 1]);
            out.lead_in.push(self.lead_in[k - 1]);
            i = k;
        }
        out
    }
}

/// The sorted union (with repeats) of two sorted lists.
fn merge_sorted(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut x, mut y) = (0, 0);
    while x < a.len() && y < b.len() {
        if a[x] <= b[y] {
            out.push(a[x]);
            x += 1;
        } else {
            out.push(b[y]);
            y += 1;
        }
    }
    out.extend_from_slice(&a[x..]);
    out.extend_from_slice(&b[y..]);
    out
}

/// The parameters of the cost.
#[derive(Debug, Clone)]
pub(crate) struct Model {
    /// Expected target characters per source character.
    pub ratio: f64,
    /// Variance of target length around `ratio × source length`, per character.
    pub var: f64,
    /// −ln prior of each bead type (same order as `BEADS`).
    pub prior: [f64; 8],
    /// Evidence (nats) each shared item adds, by item id.
    pub weight: Vec<f32>,
    pub is_number: Vec<bool>,
    /// Nats for a bead that ends a paragraph on both sides (and charged
    /// for a bead that runs across a paragraph end).
    pub para_bonus: f64,
    /// Nats charged per number left unmatched inside a bead.
    pub number_penalty: f64,
    /// Nats charged per source word with a known translation that finds
    /// none in the bead: −ln(1 − ρ), ρ the share of such words that do
    /// find theirs in right links.
    pub miss_penalty: f64,
}

impl Model {
    pub fn default_priors() -> [f64; 8] {
        // Arabic sentences are long: English splits them (1-2, 1-3) more
        // often than it merges them.
        let p: [f64; 8] = [0.86, 0.01, 0.01, 0.025, 0.06, 0.006, 0.004, 0.015];
        p.map(|x: f64| -x.ln())
    }
}

/// One bead of the result: source sentences [i-a, i), target [j-b, j).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Step {
    pub a: usize,
    pub b: usize,
    pub i: usize,
    pub j: usize,
    /// Posterior probability of this bead.
    pub post: f64,
}

/// Align two sides: the best bead sequence with posteriors.
pub(crate) fn align(src: &Side, tgt: &Side, model: &Model) -> Vec<Step> {
    align_scored(src, tgt, model).0
}

/// `align`, with the cost (nats) of the best path.
pub(crate) fn align_scored(src: &Side, tgt: &Side, model: &Model) -> (Vec<Step>, f64) {
    solve(src, tgt, model, band_for(src, tgt, model), true, true)
}

/// `align_scored` near a known path of the same two sides (a pass with
/// an earlier model): the search keeps to a band around it instead of
/// finding its way again coarse to fine. Small texts are still searched
/// in full.
pub(crate) fn align_near(src: &Side, tgt: &Side, model: &Model, near: &[Step]) -> (Vec<Step>, f64) {
    let (n, m) = (src.n(), tgt.n());
    let band = if (n + 1) * (m + 1) <= FULL_LIMIT || n < 16 || m < 16 {
        Band::full(n, m)
    } else {
        let mut path = vec![(0, 0)];
        path.extend(near.iter().map(|s| (s.i, s.j)));
        Band::around(&path, n, m, 1, NEAR_MARGIN)
    };
    solve(src, tgt, model, band, true, true)
}

/// The cost (nats) of the best path, without posteriors.
pub(crate) fn best_cost(src: &Side, tgt: &Side, model: &Model) -> f64 {
    solve(src, tgt, model, band_for(src, tgt, model), true, false).1
}

/// The cost (nats) of a given path (steps of these two sides).
pub(crate) fn path_cost(src: &Side, tgt: &Side, model: &Model, steps: &[Step]) -> f64 {
    // No cells cached: the few pairs the path needs are computed on demand.
    let band = Band::from_ranges(vec![0; src.n() + 1], vec![0; src.n() + 1]);
    let lattice = Lattice::new(src, tgt, model, band, true);
    steps
        .iter()
        .map(|s| lattice.cost(bead_index(s), s.i, s.j))
        .sum()
}

/// The weight of the items two bags share (any sizes).
pub(crate) fn shared_weight(a: &[u32], b: &[u32], model: &Model) -> f64 {
    f64::from(pair_lex(a, b, model).weight)
}

/// The sentences of a side in another order (`order[k]` = the old index
/// of the new k-th sentence).
pub(crate) fn permute(side: &Side, order: &[usize]) -> Side {
    Side {
        len: order.iter().map(|&i| side.len[i]).collect(),
        items: order.iter().map(|&i| side.items[i].clone()).collect(),
        nums: order.iter().map(|&i| side.nums[i]).collect(),
        trans: order.iter().map(|&i| side.trans[i]).collect(),
        para_end: order.iter().map(|&i| side.para_end[i]).collect(),
        lead_in: order.iter().map(|&i| side.lead_in[i]).collect(),
    }
}

/// The sentences `range` of a side, as a side of their own.
pub(crate) fn slice(side: &Side, range: std::ops::Range<usize>) -> Side {
    Side {
        len: side.len[range.clone()].to_vec(),
        items: side.items[range.clone()].to_vec(),
        nums: side.nums[range.clone()].to_vec(),
        trans: side.trans[range.clone()].to_vec(),
        para_end: side.para_end[range.clone()].to_vec(),
        lead_in: side.lead_in[range].to_vec(),
    }
}

/// How many non-number items the sides of one bead share.
pub(crate) fn matched_words(src: &Side, tgt: &Side, model: &Model, step: &Step) -> u32 {
    let a = &src.items[step.i - step.a..step.i];
    let b = &tgt.items[step.j - step.b..step.j];
    let shared = multi_lex(a, b, model);
    u32::from(shared.count - shared.nums)
}

/// The lexical evidence (nats) two groups of sentences (items of each,
/// at most three a side) share.
pub(crate) fn shared_evidence(a: &[&[u32]], b: &[&[u32]], model: &Model) -> f64 {
    let a: Vec<Vec<u32>> = a.iter().map(|x| x.to_vec()).collect();
    let b: Vec<Vec<u32>> = b.iter().map(|x| x.to_vec()).collect();
    f64::from(multi_lex(&a, &b, model).weight)
}

/// The lexical evidence (nats) inside one bead.
pub(crate) fn evidence(src: &Side, tgt: &Side, model: &Model, step: &Step) -> f64 {
    let a = &src.items[step.i - step.a..step.i];
    let b = &tgt.items[step.j - step.b..step.j];
    f64::from(multi_lex(a, b, model).weight)
}
